/*
 * Migration file contents (DESIGN §2): normalisation, `-- migrate:`
 * directives, sections and statements, validation and checksum. Shared by
 * the generator and the runtime. Private to migrator.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGRATOR_MIGRATION_FILE_H
#define MIGRATOR_MIGRATION_FILE_H

#include "migrator.h"
#include "sql_split.h"

/* Where and why a file is invalid. */
typedef struct migrator__diag {
    unsigned int line;   /* 1-based; 0 when the problem is not on one line */
    unsigned int column; /* 1-based; 0 when not known */
    char message[256];
} migrator__diag;

typedef struct migrator__section_spans {
    migrator__statement_span *statements;
    size_t count;
    size_t capacity;
    unsigned int line; /* of the `-- migrate:` directive, 0 if absent */
} migrator__section_spans;

typedef struct migrator__migration_text {
    char *text;         /* normalised contents, NUL-terminated; owned */
    size_t length;      /* bytes of text, without the NUL */
    unsigned int flags; /* MIGRATOR_DISABLE_DDL_TRANSACTION | ... | MIGRATOR_HAS_DOWN */
    migrator__section_spans up;
    migrator__section_spans down;
    char checksum[65]; /* MIGRATOR_CHECKSUM_SHA256_V1, hex */
} migrator__migration_text;

#define MIGRATOR__PARSE_INVALID (-1)
#define MIGRATOR__PARSE_NO_MEMORY (-2)

/* Parses a migration file's bytes. Normalises them (a UTF-8 byte order mark
 * is dropped; CRLF and lone CR become LF), rejects NUL bytes and invalid
 * UTF-8, reads the directives and splits each section into statements.
 * Returns 0 and fills *out (free it with migrator__migration_text_free), or
 * MIGRATOR__PARSE_INVALID with *diag filled, or MIGRATOR__PARSE_NO_MEMORY.
 * On failure *out holds nothing to free. */
int migrator__migration_text_parse(migrator__migration_text *out, const char *data, size_t size,
                                   migrator_dialect dialect, migrator__diag *diag);

void migrator__migration_text_free(migrator__migration_text *migration);

#endif
