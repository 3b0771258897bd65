/*
 * SHA-256 (FIPS 180-4), for migration checksums. Private to migrator: the
 * generator is a host tool that must build without a crypto library, and
 * the runtime recomputes the same checksum.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGRATOR_SHA256_H
#define MIGRATOR_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define MIGRATOR__SHA256_SIZE 32

typedef struct migrator__sha256 {
    uint32_t state[8];
    uint64_t bit_count;
    unsigned char block[64];
    size_t block_used;
} migrator__sha256;

void migrator__sha256_init(migrator__sha256 *ctx);
void migrator__sha256_update(migrator__sha256 *ctx, const void *data, size_t size);
void migrator__sha256_final(migrator__sha256 *ctx, unsigned char digest[MIGRATOR__SHA256_SIZE]);

/* Writes 64 lowercase hex digits and a NUL to hex. */
void migrator__sha256_hex(const unsigned char digest[MIGRATOR__SHA256_SIZE], char hex[65]);

#endif
