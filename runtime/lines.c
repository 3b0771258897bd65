/*
 * Lists of text lines (lines.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include "lines.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int append(migrator__lines *lines, char *line)
{
    if (lines->count == lines->capacity) {
        size_t capacity = lines->capacity ? lines->capacity * 2 : 32;
        char **items = realloc(lines->items, capacity * sizeof(*items));
        if (!items) {
            free(line);
            return -1;
        }
        lines->items = items;
        lines->capacity = capacity;
    }
    lines->items[lines->count++] = line;
    return 0;
}

int migrator__lines_addf(migrator__lines *lines, const char *format, ...)
{
    va_list args;
    int length;
    char *line;

    va_start(args, format);
    length = vsnprintf(NULL, 0, format, args);
    va_end(args);
    if (length < 0 || !(line = malloc((size_t)length + 1)))
        return -1;
    va_start(args, format);
    vsnprintf(line, (size_t)length + 1, format, args);
    va_end(args);
    return append(lines, line);
}

static int compare_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void migrator__lines_sort(migrator__lines *lines)
{
    if (lines->count > 1)
        qsort(lines->items, lines->count, sizeof(*lines->items), compare_lines);
}

char *migrator__lines_join(const migrator__lines *lines)
{
    size_t i, total = 1, used = 0;
    char *text;
    for (i = 0; i < lines->count; i++)
        total += strlen(lines->items[i]) + 1;
    if (!(text = malloc(total)))
        return NULL;
    for (i = 0; i < lines->count; i++) {
        size_t length = strlen(lines->items[i]);
        memcpy(text + used, lines->items[i], length);
        used += length;
        text[used++] = '\n';
    }
    text[used] = '\0';
    return text;
}

int migrator__lines_split(const char *text, migrator__lines *out)
{
    out->items = NULL;
    out->count = out->capacity = 0;
    while (*text) {
        const char *end = strchr(text, '\n');
        size_t length = end ? (size_t)(end - text) : strlen(text);
        char *line = malloc(length + 1);
        if (!line || (memcpy(line, text, length), line[length] = '\0', append(out, line) != 0)) {
            migrator__lines_free(out);
            return -1;
        }
        text += length + (end ? 1 : 0);
    }
    return 0;
}

void migrator__lines_free(migrator__lines *lines)
{
    size_t i;
    for (i = 0; i < lines->count; i++)
        free(lines->items[i]);
    free(lines->items);
    lines->items = NULL;
    lines->count = lines->capacity = 0;
}
