/*
 * Migration checksum v1: see checksum.h and docs/checksum.md. The canonical
 * form is a sequence of records, each a tag byte, its text and a NUL (SQL
 * text never holds a NUL, so records cannot run into each other):
 *
 *   "Ddisable_ddl_transaction\0"   if the flag is set
 *   "Ddisable_migration_lock\0"    if the flag is set
 *   "U\0"                          the up section
 *   "T<statement>\0"               each up statement, canonical
 *   "N\0"                          the down section, if the file has one
 *   "T<statement>\0"               each down statement, canonical
 *
 * A canonical statement is its tokens in order, comments left out, with
 * exactly one space between two tokens whether or not the file had any: so
 * reformatting (`(id` as `(\n  id`) never changes the checksum. Tokens are
 * those of sql_lexer.c, where quoted text and dollar-quoted bodies are one
 * token each and are copied byte for byte.
 *
 * SPDX-License-Identifier: MIT
 */
#include "checksum.h"

#include <string.h>

#include "sql_lexer.h"

static void add_record(migrator__checksum *checksum, char tag, const char *text)
{
    migrator__sha256_update(&checksum->sha, &tag, 1);
    migrator__sha256_update(&checksum->sha, text, strlen(text) + 1);
}

void migrator__checksum_init(migrator__checksum *checksum, unsigned int flags,
                             migrator_dialect dialect)
{
    migrator__sha256_init(&checksum->sha);
    checksum->dialect = dialect;
    if (flags & MIGRATOR_DISABLE_DDL_TRANSACTION)
        add_record(checksum, 'D', "disable_ddl_transaction");
    if (flags & MIGRATOR_DISABLE_MIGRATION_LOCK)
        add_record(checksum, 'D', "disable_migration_lock");
}

void migrator__checksum_section(migrator__checksum *checksum, int is_down)
{
    add_record(checksum, is_down ? 'N' : 'U', "");
}

void migrator__checksum_statement(migrator__checksum *checksum, const char *text, size_t length)
{
    static const char tag = 'T', space = ' ', end = '\0';
    migrator__lexer lexer;
    migrator__token token;
    int emitted = 0;

    migrator__sha256_update(&checksum->sha, &tag, 1);
    migrator__lexer_init(&lexer, text, length, checksum->dialect, 1);
    for (;;) {
        migrator__token_kind kind = migrator__lexer_next(&lexer, &token);
        if (kind == MIGRATOR__TOK_EOF)
            break;
        if (migrator__token_is_blank(&token))
            continue;
        if (emitted)
            migrator__sha256_update(&checksum->sha, &space, 1);
        /* An unterminated construct cannot come from the splitter; if the
         * text is foreign, its remainder counts as it is. */
        migrator__sha256_update(&checksum->sha, text + token.start, token.end - token.start);
        emitted = 1;
        if (kind == MIGRATOR__TOK_ERROR)
            break;
    }
    migrator__sha256_update(&checksum->sha, &end, 1);
}

void migrator__checksum_final(migrator__checksum *checksum, char hex[65])
{
    unsigned char digest[MIGRATOR__SHA256_SIZE];
    migrator__sha256_final(&checksum->sha, digest);
    migrator__sha256_hex(digest, hex);
}
