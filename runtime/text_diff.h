/*
 * Unified diffs of two sorted lists of lines (schema fingerprints), as
 * `diff -u` prints them. Private to libmigrator.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGRATOR_TEXT_DIFF_H
#define MIGRATOR_TEXT_DIFF_H

#include <stddef.h>

#include "lines.h"

/* The unified diff (3 lines of context) that turns old_lines into
 * new_lines, both sorted by strcmp (migrator__lines_sort), headed
 * "--- old_label" / "+++ new_label". Returns a malloc'd string, "" when the
 * lists are equal, or NULL when out of memory. *changed (if not NULL) is the
 * number of removed plus added lines. */
char *migrator__unified_diff(const migrator__lines *old_lines, const migrator__lines *new_lines,
                             const char *old_label, const char *new_label, size_t *changed);

#endif
