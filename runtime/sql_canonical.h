/*
 * SQL text in a canonical spelling, for schema fingerprints: the same
 * definition written with other spacing, line breaks, comments or keyword
 * case gives the same text. Private to libmigrator.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGRATOR_SQL_CANONICAL_H
#define MIGRATOR_SQL_CANONICAL_H

#include <stddef.h>

#include "migrator.h"

/* text[0..length) as its tokens (sql_lexer.h) with comments dropped, words
 * outside quotes in lower case when lower_words (SQLite, where keywords and
 * unquoted names ignore case), and one space between two tokens except
 * after "(" and ".", before ")", ",", ";" and ".", and inside an operator
 * written without spaces (">="). With lower_words, a quoted identifier that
 * is a plain name ("Cities", [cities]) is written as that name, unquoted
 * (its case kept). Other quoted text is copied byte for byte.
 * Returns a malloc'd string, or NULL when out of memory. */
char *migrator__sql_canonical(const char *text, size_t length, migrator_dialect dialect,
                              int lower_words);

#endif
