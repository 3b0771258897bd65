/*
 * Unified diffs of sorted line lists (text_diff.h). Both sides are sorted,
 * so walking them together as in a merge gives the shortest edit script:
 * a line is kept when both sides have it, removed when only the old one
 * has it, added when only the new one does.
 *
 * SPDX-License-Identifier: MIT
 */
#include "text_diff.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTEXT 3

typedef struct edit {
    char op;       /* ' ', '-' or '+' */
    size_t old_at; /* index in the old list (for ' ' and '-') */
    size_t new_at; /* index in the new list (for ' ' and '+') */
    const char *line;
} edit;

typedef struct text {
    char *data;
    size_t used;
    size_t capacity;
} text;

static int put(text *out, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static int put(text *out, const char *format, ...)
{
    va_list args;
    int length;
    va_start(args, format);
    length = vsnprintf(NULL, 0, format, args);
    va_end(args);
    if (length < 0)
        return -1;
    if (out->used + (size_t)length + 1 > out->capacity) {
        size_t capacity = out->capacity ? out->capacity : 256;
        char *data;
        while (capacity < out->used + (size_t)length + 1)
            capacity *= 2;
        if (!(data = realloc(out->data, capacity)))
            return -1;
        out->data = data;
        out->capacity = capacity;
    }
    va_start(args, format);
    vsnprintf(out->data + out->used, (size_t)length + 1, format, args);
    va_end(args);
    out->used += (size_t)length;
    return 0;
}

/* The merge walk: fills edits (room for old + new entries) and returns
 * how many there are. */
static size_t edit_script(const migrator__lines *a, const migrator__lines *b, edit *edits,
                          size_t *changed)
{
    size_t i = 0, j = 0, n = 0;
    *changed = 0;
    while (i < a->count || j < b->count) {
        int order = i >= a->count ? 1 : j >= b->count ? -1 : strcmp(a->items[i], b->items[j]);
        edit *e = &edits[n++];
        e->old_at = i;
        e->new_at = j;
        if (order == 0) {
            e->op = ' ';
            e->line = a->items[i++];
            j++;
        } else if (order < 0) {
            e->op = '-';
            e->line = a->items[i++];
            ++*changed;
        } else {
            e->op = '+';
            e->line = b->items[j++];
            ++*changed;
        }
    }
    return n;
}

/* "start,count" of a hunk side as diff -u writes it. */
static void hunk_range(char *out, size_t size, size_t start, size_t count)
{
    if (count == 1)
        snprintf(out, size, "%zu", start + 1);
    else
        snprintf(out, size, "%zu,%zu", count ? start + 1 : start, count);
}

char *migrator__unified_diff(const migrator__lines *old_lines, const migrator__lines *new_lines,
                             const char *old_label, const char *new_label, size_t *changed)
{
    size_t first, n, removed_and_added;
    edit *edits = malloc((old_lines->count + new_lines->count + 1) * sizeof(*edits));
    text out = {NULL, 0, 0};

    if (!edits)
        return NULL;
    n = edit_script(old_lines, new_lines, edits, &removed_and_added);
    if (changed)
        *changed = removed_and_added;
    if (removed_and_added == 0) {
        free(edits);
        return calloc(1, 1);
    }
    if (put(&out, "--- %s\n+++ %s\n", old_label, new_label) != 0)
        goto fail;
    for (first = 0; first < n;) {
        size_t start, end, k, old_count = 0, new_count = 0, last_change;
        char old_range[48], new_range[48];
        while (first < n && edits[first].op == ' ')
            first++;
        if (first >= n)
            break;
        /* A hunk: from CONTEXT lines before the first change to CONTEXT
         * lines after the last change that is at most 2 * CONTEXT unchanged
         * lines away from the previous one. */
        start = first > CONTEXT ? first - CONTEXT : 0;
        last_change = first;
        for (k = first + 1; k < n; k++) {
            if (edits[k].op != ' ')
                last_change = k;
            else if (k - last_change > 2 * CONTEXT)
                break;
        }
        end = last_change + CONTEXT + 1 < n ? last_change + CONTEXT + 1 : n;
        for (k = start; k < end; k++) {
            old_count += edits[k].op != '+';
            new_count += edits[k].op != '-';
        }
        hunk_range(old_range, sizeof(old_range), edits[start].old_at, old_count);
        hunk_range(new_range, sizeof(new_range), edits[start].new_at, new_count);
        if (put(&out, "@@ -%s +%s @@\n", old_range, new_range) != 0)
            goto fail;
        /* As diff -u: in each run of changed lines, the removed ones first. */
        for (k = start; k < end;) {
            size_t run_end = k, m;
            if (edits[k].op == ' ') {
                if (put(&out, " %s\n", edits[k].line) != 0)
                    goto fail;
                k++;
                continue;
            }
            while (run_end < end && edits[run_end].op != ' ')
                run_end++;
            for (m = k; m < run_end; m++)
                if (edits[m].op == '-' && put(&out, "-%s\n", edits[m].line) != 0)
                    goto fail;
            for (m = k; m < run_end; m++)
                if (edits[m].op == '+' && put(&out, "+%s\n", edits[m].line) != 0)
                    goto fail;
            k = run_end;
        }
        first = end;
    }
    free(edits);
    return out.data;
fail:
    free(edits);
    free(out.data);
    return NULL;
}
