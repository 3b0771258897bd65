/*
 * Unit tests of runtime/sha256.c: the FIPS 180-4 / NIST example vectors,
 * padding boundaries and incremental updates.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sha256.h"

static const char msg_448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const char msg_896[] =
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmn"
    "opqklmnopqrlmnopqrsmnopqrstnopqrstu";

static void hex_of(const void *data, size_t size, char hex[65])
{
    migrator__sha256 ctx;
    unsigned char digest[MIGRATOR__SHA256_SIZE];
    migrator__sha256_init(&ctx);
    migrator__sha256_update(&ctx, data, size);
    migrator__sha256_final(&ctx, digest);
    migrator__sha256_hex(digest, hex);
}

static void test_empty(void **state)
{
    char hex[65];
    (void)state;
    hex_of("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_empty_without_update(void **state)
{
    migrator__sha256 ctx;
    unsigned char digest[MIGRATOR__SHA256_SIZE];
    char hex[65];
    (void)state;
    migrator__sha256_init(&ctx);
    migrator__sha256_final(&ctx, digest);
    migrator__sha256_hex(digest, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_abc(void **state)
{
    char hex[65];
    (void)state;
    hex_of("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_448_bits(void **state)
{
    char hex[65];
    (void)state;
    assert_int_equal(strlen(msg_448), 56);
    hex_of(msg_448, strlen(msg_448), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_896_bits(void **state)
{
    char hex[65];
    (void)state;
    assert_int_equal(strlen(msg_896), 112);
    hex_of(msg_896, strlen(msg_896), hex);
    assert_string_equal(hex, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void test_million_a_one_shot(void **state)
{
    char hex[65];
    char *data = malloc(1000000);
    (void)state;
    assert_non_null(data);
    memset(data, 'a', 1000000);
    hex_of(data, 1000000, hex);
    free(data);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* The same in pieces of 1000 and of 7 bytes, never aligned to a block. */
static void test_million_a_incremental(void **state)
{
    static const size_t piece_sizes[] = {1000, 7, 64, 65};
    char chunk[1000];
    size_t p;
    (void)state;
    memset(chunk, 'a', sizeof(chunk));
    for (p = 0; p < sizeof(piece_sizes) / sizeof(piece_sizes[0]); p++) {
        migrator__sha256 ctx;
        unsigned char digest[MIGRATOR__SHA256_SIZE];
        char hex[65];
        size_t done = 0;
        migrator__sha256_init(&ctx);
        while (done < 1000000) {
            size_t take = piece_sizes[p];
            if (take > 1000000 - done)
                take = 1000000 - done;
            migrator__sha256_update(&ctx, chunk, take);
            done += take;
        }
        migrator__sha256_final(&ctx, digest);
        migrator__sha256_hex(digest, hex);
        assert_string_equal(hex,
                            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    }
}

/* Splitting a message in two or three at every offset, with empty updates
 * in between, gives the one-shot digest. */
static void check_splits(const unsigned char *data, size_t size)
{
    unsigned char expected[MIGRATOR__SHA256_SIZE];
    migrator__sha256 ctx;
    size_t i, j;

    migrator__sha256_init(&ctx);
    migrator__sha256_update(&ctx, data, size);
    migrator__sha256_final(&ctx, expected);

    for (i = 0; i <= size; i++) {
        unsigned char digest[MIGRATOR__SHA256_SIZE];
        migrator__sha256_init(&ctx);
        migrator__sha256_update(&ctx, data, i);
        migrator__sha256_update(&ctx, data + i, 0);
        migrator__sha256_update(&ctx, data + i, size - i);
        migrator__sha256_final(&ctx, digest);
        assert_memory_equal(digest, expected, sizeof(expected));
        for (j = i; j <= size; j += 5) {
            migrator__sha256_init(&ctx);
            migrator__sha256_update(&ctx, data, i);
            migrator__sha256_update(&ctx, data + i, j - i);
            migrator__sha256_update(&ctx, data + j, size - j);
            migrator__sha256_final(&ctx, digest);
            assert_memory_equal(digest, expected, sizeof(expected));
        }
    }
    {
        unsigned char digest[MIGRATOR__SHA256_SIZE];
        migrator__sha256_init(&ctx);
        for (i = 0; i < size; i++)
            migrator__sha256_update(&ctx, data + i, 1);
        migrator__sha256_final(&ctx, digest);
        assert_memory_equal(digest, expected, sizeof(expected));
    }
}

static void test_incremental_splits_896(void **state)
{
    char hex[65];
    migrator__sha256 ctx;
    unsigned char digest[MIGRATOR__SHA256_SIZE];
    size_t i;
    (void)state;
    check_splits((const unsigned char *)msg_896, strlen(msg_896));
    /* and each split really yields the NIST value */
    for (i = 0; i <= strlen(msg_896); i++) {
        migrator__sha256_init(&ctx);
        migrator__sha256_update(&ctx, msg_896, i);
        migrator__sha256_update(&ctx, msg_896 + i, strlen(msg_896) - i);
        migrator__sha256_final(&ctx, digest);
        migrator__sha256_hex(digest, hex);
        assert_string_equal(hex,
                            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
    }
}

static void test_incremental_splits_300_bytes(void **state)
{
    unsigned char data[300];
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(data); i++)
        data[i] = (unsigned char)(i * 131 + 17);
    check_splits(data, sizeof(data));
}

/* Digests of every length 0..200 (bytes (7i+3) mod 256) hashed together;
 * covers the padding boundaries 55/56/63/64/119/120/127/128. The expected
 * value comes from Python's hashlib. */
static void test_every_length_to_200(void **state)
{
    unsigned char data[200], digest[MIGRATOR__SHA256_SIZE];
    migrator__sha256 outer, inner;
    char hex[65];
    size_t i, n;
    (void)state;
    for (i = 0; i < sizeof(data); i++)
        data[i] = (unsigned char)((i * 7 + 3) & 0xff);
    migrator__sha256_init(&outer);
    for (n = 0; n <= sizeof(data); n++) {
        migrator__sha256_init(&inner);
        migrator__sha256_update(&inner, data, n);
        migrator__sha256_final(&inner, digest);
        migrator__sha256_update(&outer, digest, sizeof(digest));
    }
    migrator__sha256_final(&outer, digest);
    migrator__sha256_hex(digest, hex);
    assert_string_equal(hex, "3275febb4612d86d586eb9f11cd21e648a9fc7d95e0f6b8d362786e28c9c5b79");
}

static void test_hex(void **state)
{
    unsigned char digest[MIGRATOR__SHA256_SIZE];
    char hex[65];
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(digest); i++)
        digest[i] = (unsigned char)((i % 16) << 4 | (15 - i % 16));
    memset(hex, 'x', sizeof(hex));
    migrator__sha256_hex(digest, hex);
    assert_int_equal(hex[64], '\0');
    assert_string_equal(hex, "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
                             "0f1e2d3c4b5a69788796a5b4c3d2e1f0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_empty_without_update),
        cmocka_unit_test(test_abc),
        cmocka_unit_test(test_448_bits),
        cmocka_unit_test(test_896_bits),
        cmocka_unit_test(test_million_a_one_shot),
        cmocka_unit_test(test_million_a_incremental),
        cmocka_unit_test(test_incremental_splits_896),
        cmocka_unit_test(test_incremental_splits_300_bytes),
        cmocka_unit_test(test_every_length_to_200),
        cmocka_unit_test(test_hex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
