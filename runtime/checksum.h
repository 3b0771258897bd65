/*
 * Migration checksum, algorithm MIGRATOR_CHECKSUM_SHA256_V1 (docs/checksum.md):
 * SHA-256 of a canonical form built from the flags, the sections and each
 * statement with comments removed and whitespace runs collapsed. The
 * generator computes it from the file; the runtime can recompute it from a
 * generated table, and both get the same digest. Private to migrator.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGRATOR_CHECKSUM_H
#define MIGRATOR_CHECKSUM_H

#include "migrator.h"
#include "sha256.h"

typedef struct migrator__checksum {
    migrator__sha256 sha;
    migrator_dialect dialect;
} migrator__checksum;

/* Starts a checksum; flags are the migration's MIGRATOR_* flags. */
void migrator__checksum_init(migrator__checksum *checksum, unsigned int flags,
                             migrator_dialect dialect);

/* Starts the up (is_down = 0) or down (is_down = 1) section. */
void migrator__checksum_section(migrator__checksum *checksum, int is_down);

/* Adds one statement of the current section, as split by the lexer. */
void migrator__checksum_statement(migrator__checksum *checksum, const char *text, size_t length);

/* Writes the checksum as 64 lowercase hex digits and a NUL. */
void migrator__checksum_final(migrator__checksum *checksum, char hex[65]);

#endif
