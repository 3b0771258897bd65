/*
 * A growable list of malloc'd text lines: how schema fingerprints are
 * collected, sorted, joined and compared. Private to libmigrator.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGRATOR_LINES_H
#define MIGRATOR_LINES_H

#include <stddef.h>

typedef struct migrator__lines {
    char **items; /* each malloc'd, NUL-terminated, without a newline */
    size_t count;
    size_t capacity;
} migrator__lines;

#define MIGRATOR__LINES_INIT                                                                       \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

/* Appends a printf-formatted line. Returns 0, or -1 when out of memory. */
int migrator__lines_addf(migrator__lines *lines, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Sorts by byte value (strcmp), whatever the locale. */
void migrator__lines_sort(migrator__lines *lines);

/* The lines, each followed by "\n", as one malloc'd string ("" when there
 * are none); NULL when out of memory. */
char *migrator__lines_join(const migrator__lines *lines);

/* Splits text at "\n" (a last line without one counts too) into *out.
 * Returns 0, or -1 when out of memory (then *out is empty). */
int migrator__lines_split(const char *text, migrator__lines *out);

/* Frees every line and the list; the list is empty afterwards. */
void migrator__lines_free(migrator__lines *lines);

#endif
