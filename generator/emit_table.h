/*
 * The data part of a generated table: for each migration its statements as
 * C string literals, then the array of migrator_migration entries named
 * `migrator_migration_list`. templates/table.c.m4 includes it verbatim.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGRATOR_GEN_EMIT_TABLE_H
#define MIGRATOR_GEN_EMIT_TABLE_H

#include <stdio.h>

#include "scan.h"

/* Writes the C code for the scanned migrations to out. Returns 0, or -1 when
 * writing failed. */
int gen_emit_table_body(FILE *out, const gen_scan *scan);

/* Writes text as the contents of a C string literal (without the quotes):
 * backslash, quote and `??` trigraph starts are escaped, \n and \t are kept
 * readable, and every other control or non-ASCII byte becomes a 3-digit
 * octal escape. */
void gen_emit_c_string(FILE *out, const char *text, size_t length);

#endif
