/*
 * Error codes, messages and small shared helpers of libmigrator.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repo.h"

const char *migrator_strerror(int code)
{
    switch (code) {
#define MIGRATOR__ERROR_CASE(name, value, text)                                                    \
    case MIGRATOR_##name: return text;
        MIGRATOR_ERROR_LIST(MIGRATOR__ERROR_CASE)
#undef MIGRATOR__ERROR_CASE
    default: return "unknown error code";
    }
}

int migrator__vfail(migrator_repo *repo, int code, const char *format, va_list args)
{
    va_list copy;
    int length;
    char *message;

    va_copy(copy, args);
    length = vsnprintf(NULL, 0, format, copy);
    va_end(copy);
    if (length < 0 || !(message = malloc((size_t)length + 1)))
        return code;
    vsnprintf(message, (size_t)length + 1, format, args);
    free(repo->errmsg);
    repo->errmsg = message;
    return code;
}

int migrator__fail(migrator_repo *repo, int code, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    migrator__vfail(repo, code, format, args);
    va_end(args);
    return code;
}

char *migrator__strdup(const char *text)
{
    size_t length = strlen(text) + 1;
    char *copy = malloc(length);
    if (copy)
        memcpy(copy, text, length);
    return copy;
}

char *migrator__quote_identifier(const char *name)
{
    size_t length = 2, i;
    char *quoted, *at;
    for (i = 0; name[i]; i++)
        length += name[i] == '"' ? 2 : 1;
    if (!(quoted = malloc(length + 1)))
        return NULL;
    at = quoted;
    *at++ = '"';
    for (i = 0; name[i]; i++) {
        if (name[i] == '"')
            *at++ = '"';
        *at++ = name[i];
    }
    *at++ = '"';
    *at = '\0';
    return quoted;
}

int migrator__versions_append(migrator_versions *versions, int64_t version)
{
    /* Capacity is implicit: 16, then doubled each time count reaches a power
     * of two (migrator_versions has no capacity field). */
    size_t count = versions->count;
    if (count == 0 || (count >= 16 && (count & (count - 1)) == 0)) {
        size_t capacity = count == 0 ? 16 : count * 2;
        int64_t *grown = realloc(count == 0 ? NULL : versions->items, capacity * sizeof(*grown));
        if (!grown)
            return MIGRATOR_ENOMEM;
        if (count == 0)
            free(versions->items);
        versions->items = grown;
    }
    versions->items[versions->count++] = version;
    return MIGRATOR_OK;
}

static int compare_versions(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

void migrator__versions_sort(migrator_versions *versions)
{
    if (versions->count > 1)
        qsort(versions->items, versions->count, sizeof(*versions->items), compare_versions);
}

void migrator_versions_free(migrator_versions *versions)
{
    if (!versions)
        return;
    free(versions->items);
    versions->items = NULL;
    versions->count = 0;
}

void migrator_status_list_free(migrator_status_list *list)
{
    size_t i;
    if (!list)
        return;
    for (i = 0; i < list->count; i++) {
        free((char *)list->items[i].partial);
        free((char *)list->items[i].applied_at);
    }
    free(list->items);
    list->items = NULL;
    list->count = 0;
}

char *migrator_statement_text(const migrator_statement *statement)
{
    char *text = malloc(statement->length + 1), *at = text;
    size_t i;
    if (!text)
        return NULL;
    for (i = 0; i < statement->piece_count; i++) {
        size_t length = strlen(statement->pieces[i]);
        memcpy(at, statement->pieces[i], length);
        at += length;
    }
    *at = '\0';
    return text;
}
