/*
 * Unit tests of runtime/migration_file.c: normalisation, UTF-8 checks,
 * directives and sections, flags, statement positions and every error.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migration_file.h"

#define SQLITE MIGRATOR_DIALECT_SQLITE
#define PG MIGRATOR_DIALECT_POSTGRES
#define ANY MIGRATOR_DIALECT_ANY

/* Parses data[0..size) and asserts success. */
static void parse_ok_n(migrator__migration_text *m, migrator_dialect dialect, const char *data,
                       size_t size)
{
    migrator__diag diag;
    int result = migrator__migration_text_parse(m, data, size, dialect, &diag);
    if (result != 0)
        fail_msg("parse failed (%d) at %u:%u: %s", result, diag.line, diag.column, diag.message);
    assert_non_null(m->text);
    assert_int_equal(m->text[m->length], '\0');
    assert_int_equal(strlen(m->checksum), 64);
}

static void parse_ok(migrator__migration_text *m, migrator_dialect dialect, const char *text)
{
    parse_ok_n(m, dialect, text, strlen(text));
}

/* Parses data[0..size), asserts that it is invalid at line:column and that
 * the message contains `message`. */
static void check_invalid_n(migrator_dialect dialect, const char *data, size_t size,
                            unsigned int line, unsigned int column, const char *message)
{
    migrator__migration_text m;
    migrator__diag diag;
    int result;

    memset(&m, 0x5a, sizeof(m));
    result = migrator__migration_text_parse(&m, data, size, dialect, &diag);
    if (result != MIGRATOR__PARSE_INVALID)
        fail_msg("expected an error \"%s\", parse returned %d", message, result);
    if (!strstr(diag.message, message))
        fail_msg("message \"%s\" lacks \"%s\"", diag.message, message);
    assert_int_equal(diag.line, line);
    assert_int_equal(diag.column, column);
    /* nothing to free on failure */
    assert_null(m.text);
    assert_null(m.up.statements);
    assert_null(m.down.statements);
    migrator__migration_text_free(&m);
}

static void check_invalid(migrator_dialect dialect, const char *text, unsigned int line,
                          unsigned int column, const char *message)
{
    check_invalid_n(dialect, text, strlen(text), line, column, message);
}

/* The text of statement i of a section, NUL-terminated in a static buffer. */
static const char *statement_text(const migrator__migration_text *m,
                                  const migrator__section_spans *section, size_t i)
{
    static char buffer[4096];
    size_t length;
    assert_true(i < section->count);
    length = section->statements[i].end - section->statements[i].start;
    assert_true(length < sizeof(buffer));
    memcpy(buffer, m->text + section->statements[i].start, length);
    buffer[length] = '\0';
    return buffer;
}

static void check_statement(const migrator__migration_text *m,
                            const migrator__section_spans *section, size_t i, const char *text,
                            unsigned int line, unsigned int column)
{
    assert_string_equal(statement_text(m, section, i), text);
    assert_int_equal(section->statements[i].line, line);
    assert_int_equal(section->statements[i].column, column);
}

static void test_up_and_down(void **state)
{
    migrator__migration_text m;
    (void)state;
    parse_ok(&m, ANY,
             "-- Create the weather table.\n"
             "-- migrate:up\n"
             "CREATE TABLE weather (id INTEGER PRIMARY KEY, city VARCHAR(40), temp_lo INTEGER);\n"
             "CREATE INDEX weather_city_index ON weather (city);\n"
             "\n"
             "-- migrate:down\n"
             "DROP TABLE weather;\n");
    assert_int_equal(m.flags, MIGRATOR_HAS_DOWN);
    assert_int_equal(m.up.line, 2);
    assert_int_equal(m.up.count, 2);
    check_statement(
        &m, &m.up, 0,
        "CREATE TABLE weather (id INTEGER PRIMARY KEY, city VARCHAR(40), temp_lo INTEGER)", 3, 1);
    check_statement(&m, &m.up, 1, "CREATE INDEX weather_city_index ON weather (city)", 4, 1);
    assert_int_equal(m.down.line, 6);
    assert_int_equal(m.down.count, 1);
    check_statement(&m, &m.down, 0, "DROP TABLE weather", 7, 1);
    migrator__migration_text_free(&m);
    assert_null(m.text);
    migrator__migration_text_free(&m); /* twice is harmless after a free */
    migrator__migration_text_free(NULL);
}

static void test_no_down_section(void **state)
{
    migrator__migration_text m;
    (void)state;
    parse_ok(&m, ANY, "-- migrate:up\nCREATE TABLE t (x int);\n-- the end\n");
    assert_int_equal(m.flags, 0);
    assert_int_equal(m.up.line, 1);
    assert_int_equal(m.up.count, 1);
    check_statement(&m, &m.up, 0, "CREATE TABLE t (x int)", 2, 1);
    assert_int_equal(m.down.line, 0);
    assert_int_equal(m.down.count, 0);
    migrator__migration_text_free(&m);
}

static void test_empty_down_section(void **state)
{
    migrator__migration_text m;
    (void)state;
    parse_ok(&m, ANY, "-- migrate:up\nCREATE TABLE t (x int);\n-- migrate:down\n-- nothing\n;;\n");
    assert_int_equal(m.flags, MIGRATOR_HAS_DOWN);
    assert_int_equal(m.down.line, 3);
    assert_int_equal(m.down.count, 0);
    migrator__migration_text_free(&m);
    /* at the very end, without a newline */
    parse_ok(&m, ANY, "-- migrate:up\nSELECT 1\n-- migrate:down");
    assert_int_equal(m.flags, MIGRATOR_HAS_DOWN);
    assert_int_equal(m.down.line, 3);
    assert_int_equal(m.down.count, 0);
    check_statement(&m, &m.up, 0, "SELECT 1", 2, 1);
    migrator__migration_text_free(&m);
}

static void test_empty_up_section(void **state)
{
    migrator__migration_text m;
    (void)state;
    parse_ok(&m, ANY, "-- migrate:up\n-- migrate:down\nSELECT 1;\n");
    assert_int_equal(m.up.line, 1);
    assert_int_equal(m.up.count, 0);
    assert_int_equal(m.down.count, 1);
    check_statement(&m, &m.down, 0, "SELECT 1", 3, 1);
    migrator__migration_text_free(&m);
}

static void test_header_flags(void **state)
{
    migrator__migration_text m;
    (void)state;
    parse_ok(&m, PG,
             "-- Build the index without locking the table.\n"
             "\n"
             "-- migrate:disable_ddl_transaction\n"
             "/* a block comment */\n"
             "-- migrate:up\n"
             "CREATE INDEX CONCURRENTLY i ON t (x);\n");
    assert_int_equal(m.flags, MIGRATOR_DISABLE_DDL_TRANSACTION);
    assert_int_equal(m.up.line, 5);
    migrator__migration_text_free(&m);

    parse_ok(&m, PG, "-- migrate:disable_migration_lock\n-- migrate:up\nSELECT 1;\n");
    assert_int_equal(m.flags, MIGRATOR_DISABLE_MIGRATION_LOCK);
    migrator__migration_text_free(&m);

    parse_ok(&m, PG,
             "-- migrate:disable_migration_lock\n"
             "-- migrate:disable_ddl_transaction\n"
             "-- migrate:up\nSELECT 1;\n-- migrate:down\n");
    assert_int_equal(m.flags, MIGRATOR_DISABLE_DDL_TRANSACTION | MIGRATOR_DISABLE_MIGRATION_LOCK |
                                  MIGRATOR_HAS_DOWN);
    migrator__migration_text_free(&m);
}

static void test_directive_spelling(void **state)
{
    static const char *const accepted[] = {
        "--migrate:up\nSELECT 1;\n",    "--   migrate:up\nSELECT 1;\n",
        "--\tmigrate:up\nSELECT 1;\n",  "-- MIGRATE:up\nSELECT 1;\n",
        "-- Migrate:up\nSELECT 1;\n",   "-- migrate:up   \nSELECT 1;\n",
        "-- migrate:up\t\nSELECT 1;\n", "   -- migrate:up\nSELECT 1;\n",
        "\t-- migrate:up\nSELECT 1;\n",
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
        migrator__migration_text m;
        parse_ok(&m, ANY, accepted[i]);
        assert_int_equal(m.up.line, 1);
        assert_int_equal(m.up.count, 1);
        check_statement(&m, &m.up, 0, "SELECT 1", 2, 1);
        migrator__migration_text_free(&m);
    }
}

static void test_ordinary_comments_are_not_directives(void **state)
{
    migrator__migration_text m;
    (void)state;
    parse_ok(&m, ANY,
             "-- migrate is what this file does\n"
             "-- migration: create t\n"
             "---- migrate:down\n"
             "-- xmigrate:down\n"
             "/* -- migrate:down */\n"
             "-- migrate:up\n"
             "SELECT '\n-- migrate:down\n';\n"
             "SELECT $$\n-- migrate:down\n$$;\n"
             "/*\n-- migrate:down\n*/\n");
    assert_int_equal(m.flags, 0);
    assert_int_equal(m.up.line, 6);
    assert_int_equal(m.up.count, 2);
    check_statement(&m, &m.up, 0, "SELECT '\n-- migrate:down\n'", 7, 1);
    check_statement(&m, &m.up, 1, "SELECT $$\n-- migrate:down\n$$", 10, 1);
    assert_int_equal(m.down.line, 0);
    migrator__migration_text_free(&m);
}

static void test_statement_positions(void **state)
{
    migrator__migration_text m;
    (void)state;
    parse_ok(&m, ANY,
             "-- migrate:up\n"
             "/* a comment\n"
             "   over lines; */ CREATE TABLE a (x text DEFAULT 'a\n"
             "b;');   INSERT INTO a\n"
             "VALUES ('c');\n"
             "\n"
             "    -- indented comment\n"
             "  SELECT 1\n"
             "-- migrate:down\n"
             "\n"
             "\tDROP TABLE a");
    assert_int_equal(m.up.count, 3);
    check_statement(&m, &m.up, 0, "CREATE TABLE a (x text DEFAULT 'a\nb;')", 3, 19);
    check_statement(&m, &m.up, 1, "INSERT INTO a\nVALUES ('c')", 4, 9);
    check_statement(&m, &m.up, 2, "SELECT 1", 8, 3);
    assert_int_equal(m.down.line, 9);
    assert_int_equal(m.down.count, 1);
    check_statement(&m, &m.down, 0, "DROP TABLE a", 11, 2);
    migrator__migration_text_free(&m);
}

static void test_many_statements(void **state)
{
    char text[4096], expected[32];
    size_t used, i;
    migrator__migration_text m;
    (void)state;
    used = (size_t)snprintf(text, sizeof(text), "-- migrate:up\n");
    for (i = 0; i < 40; i++)
        used +=
            (size_t)snprintf(text + used, sizeof(text) - used, "INSERT INTO t VALUES (%zu);\n", i);
    used += (size_t)snprintf(text + used, sizeof(text) - used, "-- migrate:down\n");
    for (i = 0; i < 17; i++)
        used +=
            (size_t)snprintf(text + used, sizeof(text) - used, "DELETE FROM t WHERE x = %zu;\n", i);
    assert_true(used < sizeof(text));
    parse_ok(&m, ANY, text);
    assert_int_equal(m.up.count, 40);
    assert_int_equal(m.down.count, 17);
    for (i = 0; i < 40; i++) {
        snprintf(expected, sizeof(expected), "INSERT INTO t VALUES (%zu)", i);
        check_statement(&m, &m.up, i, expected, (unsigned int)i + 2, 1);
    }
    for (i = 0; i < 17; i++) {
        snprintf(expected, sizeof(expected), "DELETE FROM t WHERE x = %zu", i);
        check_statement(&m, &m.down, i, expected, (unsigned int)i + 43, 1);
    }
    migrator__migration_text_free(&m);
}

static void test_bom_dropped(void **state)
{
    migrator__migration_text m;
    (void)state;
    parse_ok(&m, ANY, "\xef\xbb\xbf-- migrate:up\nSELECT 1;\n");
    assert_int_equal(m.length, strlen("-- migrate:up\nSELECT 1;\n"));
    assert_string_equal(m.text, "-- migrate:up\nSELECT 1;\n");
    assert_int_equal(m.up.line, 1);
    check_statement(&m, &m.up, 0, "SELECT 1", 2, 1);
    migrator__migration_text_free(&m);
    /* only a leading BOM is dropped: a later U+FEFF is kept as text */
    parse_ok(&m, ANY, "-- migrate:up\nSELECT '\xef\xbb\xbf';\n");
    check_statement(&m, &m.up, 0, "SELECT '\xef\xbb\xbf'", 2, 1);
    migrator__migration_text_free(&m);
}

static void test_line_endings_normalised(void **state)
{
    migrator__migration_text m;
    (void)state;
    parse_ok(
        &m, ANY,
        "-- migrate:up\r\nSELECT 'a\r\nb';\r\n\r\nSELECT 2;\r\n-- migrate:down\r\nSELECT 3;\r\n");
    assert_string_equal(m.text,
                        "-- migrate:up\nSELECT 'a\nb';\n\nSELECT 2;\n-- migrate:down\nSELECT 3;\n");
    check_statement(&m, &m.up, 0, "SELECT 'a\nb'", 2, 1);
    check_statement(&m, &m.up, 1, "SELECT 2", 5, 1);
    assert_int_equal(m.down.line, 6);
    check_statement(&m, &m.down, 0, "SELECT 3", 7, 1);
    migrator__migration_text_free(&m);

    /* lone CR (old Mac) and a mix */
    parse_ok(&m, ANY, "-- migrate:up\rSELECT 1;\r\rSELECT 2;\r\nSELECT 3;\n\rSELECT 4");
    assert_string_equal(m.text, "-- migrate:up\nSELECT 1;\n\nSELECT 2;\nSELECT 3;\n\nSELECT 4");
    assert_int_equal(m.up.count, 4);
    check_statement(&m, &m.up, 0, "SELECT 1", 2, 1);
    check_statement(&m, &m.up, 1, "SELECT 2", 4, 1);
    check_statement(&m, &m.up, 2, "SELECT 3", 5, 1);
    check_statement(&m, &m.up, 3, "SELECT 4", 7, 1);
    migrator__migration_text_free(&m);
}

static void test_no_trailing_newline(void **state)
{
    migrator__migration_text m;
    (void)state;
    parse_ok(&m, ANY, "-- migrate:up\nSELECT 1;\nSELECT 2");
    assert_int_equal(m.up.count, 2);
    check_statement(&m, &m.up, 1, "SELECT 2", 3, 1);
    migrator__migration_text_free(&m);
    parse_ok(&m, ANY, "-- migrate:up");
    assert_int_equal(m.up.line, 1);
    assert_int_equal(m.up.count, 0);
    migrator__migration_text_free(&m);
}

static void test_dialects(void **state)
{
    static const char text[] = "-- migrate:up\nSELECT $$a;b$$;\nSELECT `c;d`;\n";
    migrator__migration_text m;
    (void)state;
    parse_ok(&m, ANY, text);
    assert_int_equal(m.up.count, 2);
    check_statement(&m, &m.up, 0, "SELECT $$a;b$$", 2, 1);
    check_statement(&m, &m.up, 1, "SELECT `c;d`", 3, 1);
    migrator__migration_text_free(&m);
    parse_ok(&m, SQLITE, text);
    assert_int_equal(m.up.count, 3);
    check_statement(&m, &m.up, 0, "SELECT $$a", 2, 1);
    check_statement(&m, &m.up, 1, "b$$", 2, 12);
    check_statement(&m, &m.up, 2, "SELECT `c;d`", 3, 1);
    migrator__migration_text_free(&m);
    parse_ok(&m, PG, text);
    assert_int_equal(m.up.count, 3);
    check_statement(&m, &m.up, 0, "SELECT $$a;b$$", 2, 1);
    check_statement(&m, &m.up, 1, "SELECT `c", 3, 1);
    check_statement(&m, &m.up, 2, "d`", 3, 11);
    migrator__migration_text_free(&m);
}

static void test_trigger_and_atomic_bodies(void **state)
{
    migrator__migration_text m;
    (void)state;
    parse_ok(&m, SQLITE,
             "-- migrate:up\n"
             "CREATE TRIGGER tr AFTER INSERT ON t WHEN CASE new.x WHEN 1 THEN 1 END\n"
             "BEGIN\n"
             "  UPDATE t SET y = CASE WHEN new.x > 0 THEN 1 ELSE 0 END;\n"
             "END;\n"
             "-- migrate:down\n"
             "DROP TRIGGER tr;\n");
    assert_int_equal(m.up.count, 1);
    check_statement(&m, &m.up, 0,
                    "CREATE TRIGGER tr AFTER INSERT ON t WHEN CASE new.x WHEN 1 THEN 1 END\n"
                    "BEGIN\n"
                    "  UPDATE t SET y = CASE WHEN new.x > 0 THEN 1 ELSE 0 END;\n"
                    "END",
                    2, 1);
    check_statement(&m, &m.down, 0, "DROP TRIGGER tr", 7, 1);
    migrator__migration_text_free(&m);

    parse_ok(&m, PG,
             "-- migrate:up\n"
             "CREATE FUNCTION one() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;\n"
             "DO $$ BEGIN PERFORM one(); END $$;\n");
    assert_int_equal(m.up.count, 2);
    check_statement(&m, &m.up, 0,
                    "CREATE FUNCTION one() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END", 2,
                    1);
    check_statement(&m, &m.up, 1, "DO $$ BEGIN PERFORM one(); END $$", 3, 1);
    migrator__migration_text_free(&m);
}

static void test_valid_multibyte_utf8(void **state)
{
    migrator__migration_text m;
    (void)state;
    /* é (2 bytes), € (3), 😀 (4), U+10FFFF, U+FFFD, U+D7FF, U+E000 */
    parse_ok(&m, ANY,
             "-- ünïcödé comment\n"
             "-- migrate:up\n"
             "SELECT 'é€😀\xf4\x8f\xbf\xbf\xef\xbf\xbd\xed\x9f\xbf\xee\x80\x80'; SELECT 2;\n");
    assert_int_equal(m.up.count, 2);
    check_statement(&m, &m.up, 0,
                    "SELECT 'é€😀\xf4\x8f\xbf\xbf\xef\xbf\xbd\xed\x9f\xbf\xee\x80\x80'", 3, 1);
    /* columns count bytes */
    check_statement(&m, &m.up, 1, "SELECT 2", 3, 34);
    migrator__migration_text_free(&m);

    /* the smallest code points of each length: U+0080, U+0800, U+10000 */
    parse_ok(&m, ANY, "-- migrate:up\nSELECT '\xc2\x80\xe0\xa0\x80\xf0\x90\x80\x80';\n");
    check_statement(&m, &m.up, 0, "SELECT '\xc2\x80\xe0\xa0\x80\xf0\x90\x80\x80'", 2, 1);
    migrator__migration_text_free(&m);
}

static void test_nul_byte(void **state)
{
    static const char text[] = "-- migrate:up\nSELECT 'a\0b';\n";
    static const char after_bom[] = "\xef\xbb\xbf-- migrate:up\r\nx\0";
    (void)state;
    check_invalid_n(ANY, text, sizeof(text) - 1, 2, 10, "NUL byte");
    check_invalid_n(ANY, "\0", 1, 1, 1, "NUL byte in a migration file");
    /* after a BOM and a CRLF */
    check_invalid_n(ANY, after_bom, sizeof(after_bom) - 1, 2, 2, "NUL byte");
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    /* overlong encodings of '/' in 2, 3 and 4 bytes */
    check_invalid(ANY, "-- migrate:up\nSELECT '\xc0\xaf';\n", 2, 9,
                  "invalid UTF-8 (byte 0xc0): migration files must be UTF-8");
    check_invalid(ANY, "-- migrate:up\nSELECT '\xc1\xbf';\n", 2, 9, "invalid UTF-8 (byte 0xc1)");
    check_invalid(ANY, "-- migrate:up\nSELECT '\xe0\x80\xaf';\n", 2, 9,
                  "invalid UTF-8 (byte 0xe0)");
    check_invalid(ANY, "-- migrate:up\nSELECT '\xf0\x80\x80\xaf';\n", 2, 9,
                  "invalid UTF-8 (byte 0xf0)");
    /* the largest overlong forms: U+07FF in 3 bytes, U+FFFF in 4 */
    check_invalid(ANY, "-- migrate:up\nSELECT '\xe0\x9f\xbf';\n", 2, 9,
                  "invalid UTF-8 (byte 0xe0)");
    check_invalid(ANY, "-- migrate:up\nSELECT '\xf0\x8f\xbf\xbf';\n", 2, 9,
                  "invalid UTF-8 (byte 0xf0)");
    /* UTF-16 surrogates U+D800 and U+DFFF */
    check_invalid(ANY, "-- migrate:up\nSELECT '\xed\xa0\x80';\n", 2, 9,
                  "invalid UTF-8 (byte 0xed)");
    check_invalid(ANY, "-- migrate:up\nSELECT '\xed\xbf\xbf';\n", 2, 9,
                  "invalid UTF-8 (byte 0xed)");
    /* above U+10FFFF, and bytes that never occur */
    check_invalid(ANY, "-- migrate:up\nSELECT '\xf4\x90\x80\x80';\n", 2, 9,
                  "invalid UTF-8 (byte 0xf4)");
    check_invalid(ANY, "-- migrate:up\nSELECT '\xf5\x80\x80\x80';\n", 2, 9,
                  "invalid UTF-8 (byte 0xf5)");
    check_invalid(ANY, "-- migrate:up\nSELECT '\xff';\n", 2, 9, "invalid UTF-8 (byte 0xff)");
    /* a lone continuation byte; Latin-1 text */
    check_invalid(ANY, "-- migrate:up\nSELECT '\x80';\n", 2, 9, "invalid UTF-8 (byte 0x80)");
    check_invalid(ANY, "-- caf\xe9\n-- migrate:up\n", 1, 7, "invalid UTF-8 (byte 0xe9)");
    /* truncated sequences: at the end, and followed by ASCII */
    check_invalid(ANY, "-- migrate:up\nSELECT 1; -- \xe2\x82", 2, 14, "invalid UTF-8 (byte 0xe2)");
    check_invalid(ANY, "-- migrate:up\nSELECT '\xe2\x82';\n", 2, 9, "invalid UTF-8 (byte 0xe2)");
    check_invalid(ANY, "-- migrate:up\nSELECT '\xf0\x9f\x98';\n", 2, 9,
                  "invalid UTF-8 (byte 0xf0)");
    check_invalid(ANY, "-- migrate:up\nSELECT '\xc3", 2, 9, "invalid UTF-8 (byte 0xc3)");
    /* the column counts bytes of the normalised line */
    check_invalid(ANY, "-- migrate:up\r\nSELECT 'é', '\xc3(';\r\n", 2, 15,
                  "invalid UTF-8 (byte 0xc3)");
}

static void test_no_up_section(void **state)
{
    (void)state;
    check_invalid(ANY, "", 1, 0, "no -- migrate:up section");
    check_invalid(ANY, "-- just a comment\n\n/* and another */\n", 1, 0,
                  "no -- migrate:up section");
    check_invalid(ANY, "\xef\xbb\xbf", 1, 0, "no -- migrate:up section");
    check_invalid(ANY, "-- migrate:disable_ddl_transaction\n", 1, 0, "no -- migrate:up section");
}

static void test_two_up_sections(void **state)
{
    (void)state;
    check_invalid(ANY, "-- migrate:up\nSELECT 1;\n\n-- migrate:up\nSELECT 2;\n", 4, 1,
                  "second -- migrate:up section (the first is at line 1)");
    check_invalid(ANY, "\n-- migrate:up\n-- migrate:down\n-- migrate:up\n", 4, 1,
                  "second -- migrate:up section (the first is at line 2)");
}

static void test_two_down_sections(void **state)
{
    (void)state;
    check_invalid(ANY, "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n  -- migrate:down\n",
                  5, 3, "second -- migrate:down section (the first is at line 3)");
}

static void test_down_before_up(void **state)
{
    (void)state;
    check_invalid(ANY,
                  "-- x\n-- migrate:down\nDROP TABLE t;\n-- migrate:up\nCREATE TABLE t (x int);\n",
                  2, 1, "-- migrate:down before -- migrate:up");
    check_invalid(ANY, "-- migrate:down\n", 1, 1, "the up section comes first");
}

static void test_sql_before_up(void **state)
{
    (void)state;
    check_invalid(ANY, "-- comment\n\n  CREATE TABLE t (x int);\n-- migrate:up\n", 3, 3,
                  "SQL before -- migrate:up: only comments may come first");
    check_invalid(ANY, "-- migrate:disable_ddl_transaction\n;\n-- migrate:up\n", 2, 1,
                  "SQL before -- migrate:up");
    check_invalid(ANY, "SELECT 1;\n", 1, 1, "SQL before -- migrate:up");
}

static void test_unknown_directive(void **state)
{
    (void)state;
    check_invalid(ANY, "-- migrate:up\nSELECT 1;\n-- migrate:dwon\n", 3, 1,
                  "unknown directive \"-- migrate:dwon\" (expected up, down, "
                  "disable_ddl_transaction or disable_migration_lock)");
    /* the word is case-sensitive */
    check_invalid(ANY, "-- MIGRATE:UP\nSELECT 1;\n", 1, 1, "unknown directive \"-- migrate:UP\"");
    check_invalid(ANY, "-- migrate:up\n-- migrate:Down\n", 2, 1,
                  "unknown directive \"-- migrate:Down\"");
    /* no space after the colon, nothing after the directive */
    check_invalid(ANY, "-- migrate: up\n", 1, 1, "unknown directive \"-- migrate: up\"");
    check_invalid(ANY, "-- migrate:up now\n", 1, 1, "unknown directive \"-- migrate:up now\"");
    check_invalid(ANY, "-- migrate:\n", 1, 1, "unknown directive \"-- migrate:\"");
    check_invalid(ANY, "-- migrate:upgrade\n", 1, 1, "unknown directive");
    check_invalid(ANY, "-- migrate:disable_ddl_transactions\n-- migrate:up\n", 1, 1,
                  "unknown directive \"-- migrate:disable_ddl_transactions\"");
}

static void test_unknown_directive_long_word_truncated(void **state)
{
    char text[256];
    migrator__migration_text m;
    migrator__diag diag;
    (void)state;
    snprintf(text, sizeof(text), "-- migrate:%0150d\n", 0);
    assert_int_equal(migrator__migration_text_parse(&m, text, strlen(text), ANY, &diag),
                     MIGRATOR__PARSE_INVALID);
    assert_int_equal(diag.line, 1);
    assert_non_null(
        strstr(diag.message,
               "\"-- migrate:000000000000000000000000000000000000000000000000000000000000\""));
}

static void test_header_directive_after_up(void **state)
{
    (void)state;
    check_invalid(ANY, "\n-- migrate:up\nSELECT 1;\n-- migrate:disable_ddl_transaction\n", 4, 1,
                  "-- migrate:disable_ddl_transaction must come before -- migrate:up (line 2)");
    check_invalid(
        ANY, "-- migrate:up\n-- migrate:down\nSELECT 1;\n-- migrate:disable_migration_lock\n", 4, 1,
        "-- migrate:disable_migration_lock must come before -- migrate:up (line 1)");
}

static void test_repeated_header_directive(void **state)
{
    (void)state;
    check_invalid(ANY,
                  "-- migrate:disable_ddl_transaction\n"
                  "-- migrate:disable_migration_lock\n"
                  "-- migrate:disable_ddl_transaction\n"
                  "-- migrate:up\n",
                  3, 1, "-- migrate:disable_ddl_transaction repeated (first at line 1)");
    check_invalid(ANY,
                  "-- x\n"
                  "-- migrate:disable_migration_lock\n"
                  "--migrate:disable_migration_lock\n"
                  "-- migrate:up\n",
                  3, 1, "-- migrate:disable_migration_lock repeated (first at line 2)");
}

static void test_directive_not_alone(void **state)
{
    (void)state;
    check_invalid(ANY, "-- migrate:up\nSELECT 1; -- migrate:down\nSELECT 2;\n", 2, 11,
                  "a -- migrate: directive must be on a line of its own");
    check_invalid(ANY, "/* x */ -- migrate:up\n", 1, 9, "must be on a line of its own");
    check_invalid(ANY, "-- migrate:up\nSELECT 1 /* a\n b */ -- migrate:down\n", 3, 7,
                  "must be on a line of its own");
}

static void test_unterminated_constructs(void **state)
{
    (void)state;
    check_invalid(ANY, "-- migrate:up\nSELECT 1;\nSELECT 'abc;\n\n-- migrate:down\nSELECT 2;\n", 3,
                  8, "unterminated quoted string");
    check_invalid(ANY, "-- migrate:up\n  INSERT INTO \"t (x) VALUES (1);\n", 2, 15,
                  "unterminated quoted identifier");
    check_invalid(PG, "-- migrate:up\nDO $body$\nBEGIN\nEND $$;\n", 2, 4,
                  "unterminated dollar-quoted string");
    check_invalid(PG, "-- migrate:up\nSELECT E'it\\';\n", 2, 8, "unterminated quoted string");
    check_invalid(ANY, "-- migrate:up\nSELECT 1;\n/* a /* b */\n-- migrate:down\n", 3, 1,
                  "unterminated block comment");
    /* in the header too */
    check_invalid(ANY, "/* header\n-- migrate:up\n", 1, 1, "unterminated block comment");
    check_invalid(SQLITE, "-- migrate:up\n[x\n", 2, 1, "unterminated quoted identifier");
}

static void test_unterminated_bodies(void **state)
{
    (void)state;
    /* at the end of the file */
    check_invalid(SQLITE,
                  "-- migrate:up\n"
                  "CREATE TRIGGER tr AFTER INSERT ON t\n"
                  "BEGIN\n"
                  "  SELECT CASE WHEN 1 THEN 2 END;\n",
                  3, 1, "unterminated trigger body: BEGIN without END");
    /* a down directive closes the up section */
    check_invalid(SQLITE,
                  "-- migrate:up\n"
                  "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n"
                  "  SELECT 1;\n"
                  "-- migrate:down\n"
                  "DROP TRIGGER tr;\n",
                  2, 37, "unterminated trigger body");
    check_invalid(PG,
                  "-- migrate:up\n"
                  "SELECT 1;\n"
                  "CREATE FUNCTION f() RETURNS int LANGUAGE sql\n"
                  "  BEGIN ATOMIC SELECT 1;\n",
                  4, 3, "unterminated BEGIN ATOMIC body: BEGIN without END");
    check_invalid(ANY,
                  "-- migrate:up\n"
                  "SELECT 1;\n"
                  "-- migrate:down\n"
                  "CREATE TABLE t (\n"
                  "  x int;\n",
                  4, 16, "unclosed parenthesis");
    check_invalid(ANY, "-- migrate:up\nCREATE TABLE t (\n-- migrate:down\n);\n", 2, 16,
                  "unclosed parenthesis");
}

static void test_failure_leaves_out_empty(void **state)
{
    migrator__migration_text m;
    migrator__diag diag;
    static const char text[] = "-- migrate:up\nSELECT 1;\nSELECT 2;\n-- migrate:up\n";
    (void)state;
    memset(&diag, 0x5a, sizeof(diag));
    assert_int_equal(migrator__migration_text_parse(&m, text, strlen(text), ANY, &diag),
                     MIGRATOR__PARSE_INVALID);
    assert_null(m.text);
    assert_int_equal(m.length, 0);
    assert_int_equal(m.flags, 0);
    assert_null(m.up.statements);
    assert_int_equal(m.up.count, 0);
    assert_int_equal(m.checksum[0], '\0');
    assert_int_equal(diag.line, 4);
    /* success leaves no stale diagnostic */
    assert_int_equal(migrator__migration_text_parse(&m, "-- migrate:up\n", 14, ANY, &diag), 0);
    assert_int_equal(diag.line, 0);
    assert_int_equal(diag.column, 0);
    assert_string_equal(diag.message, "");
    migrator__migration_text_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_up_and_down),
        cmocka_unit_test(test_no_down_section),
        cmocka_unit_test(test_empty_down_section),
        cmocka_unit_test(test_empty_up_section),
        cmocka_unit_test(test_header_flags),
        cmocka_unit_test(test_directive_spelling),
        cmocka_unit_test(test_ordinary_comments_are_not_directives),
        cmocka_unit_test(test_statement_positions),
        cmocka_unit_test(test_many_statements),
        cmocka_unit_test(test_bom_dropped),
        cmocka_unit_test(test_line_endings_normalised),
        cmocka_unit_test(test_no_trailing_newline),
        cmocka_unit_test(test_dialects),
        cmocka_unit_test(test_trigger_and_atomic_bodies),
        cmocka_unit_test(test_valid_multibyte_utf8),
        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_no_up_section),
        cmocka_unit_test(test_two_up_sections),
        cmocka_unit_test(test_two_down_sections),
        cmocka_unit_test(test_down_before_up),
        cmocka_unit_test(test_sql_before_up),
        cmocka_unit_test(test_unknown_directive),
        cmocka_unit_test(test_unknown_directive_long_word_truncated),
        cmocka_unit_test(test_header_directive_after_up),
        cmocka_unit_test(test_repeated_header_directive),
        cmocka_unit_test(test_directive_not_alone),
        cmocka_unit_test(test_unterminated_constructs),
        cmocka_unit_test(test_unterminated_bodies),
        cmocka_unit_test(test_failure_leaves_out_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
