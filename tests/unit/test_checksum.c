/*
 * Unit tests of runtime/checksum.c (MIGRATOR_CHECKSUM_SHA256_V1): the
 * canonical form documented in checksum.c, known values, and which edits of
 * a migration file change the checksum and which do not.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "checksum.h"
#include "migration_file.h"

#define SQLITE MIGRATOR_DIALECT_SQLITE
#define PG MIGRATOR_DIALECT_POSTGRES
#define ANY MIGRATOR_DIALECT_ANY

/* The file below and its checksum; the value was computed independently
 * (Python's hashlib over the canonical records of checksum.c):
 * "Ddisable_ddl_transaction\0U\0TCREATE TABLE weather ( id INTEGER PRIMARY KEY ,
 * city VARCHAR ( 40 ) )\0TCREATE INDEX weather_city ON weather ( city )\0N\0TDROP
 * TABLE weather\0". It must never change: recorded checksums depend on it. */
static const char weather[] = "-- migrate:disable_ddl_transaction\n"
                              "-- migrate:up\n"
                              "CREATE TABLE weather (id INTEGER PRIMARY KEY, city VARCHAR(40));\n"
                              "CREATE INDEX weather_city ON weather (city);\n"
                              "-- migrate:down\n"
                              "DROP TABLE weather;\n";
static const char weather_checksum[] =
    "9fdc37c5b164647e25e0d6cb2b1d0bb66db8f5d062d0c685c4954951c237b3d6";

/* The checksum of a file, which must parse. */
static void file_checksum_n(migrator_dialect dialect, const char *data, size_t size, char hex[65])
{
    migrator__migration_text m;
    migrator__diag diag;
    int result = migrator__migration_text_parse(&m, data, size, dialect, &diag);
    if (result != 0)
        fail_msg("parse failed at %u:%u: %s", diag.line, diag.column, diag.message);
    assert_int_equal(strlen(m.checksum), 64);
    assert_int_equal(strspn(m.checksum, "0123456789abcdef"), 64);
    memcpy(hex, m.checksum, 65);
    migrator__migration_text_free(&m);
}

static void file_checksum(migrator_dialect dialect, const char *text, char hex[65])
{
    file_checksum_n(dialect, text, strlen(text), hex);
}

static void assert_same(const char *a, const char *b)
{
    char ha[65], hb[65];
    file_checksum(ANY, a, ha);
    file_checksum(ANY, b, hb);
    if (strcmp(ha, hb) != 0)
        fail_msg("checksums differ:\n---\n%s\n---\n%s\n---", a, b);
}

static void assert_different(const char *a, const char *b)
{
    char ha[65], hb[65];
    file_checksum(ANY, a, ha);
    file_checksum(ANY, b, hb);
    if (strcmp(ha, hb) == 0)
        fail_msg("checksums are equal:\n---\n%s\n---\n%s\n---", a, b);
}

/* SHA-256 of raw bytes, as hex. */
static void sha_hex(const void *data, size_t size, char hex[65])
{
    migrator__sha256 sha;
    unsigned char digest[MIGRATOR__SHA256_SIZE];
    migrator__sha256_init(&sha);
    migrator__sha256_update(&sha, data, size);
    migrator__sha256_final(&sha, digest);
    migrator__sha256_hex(digest, hex);
}

static void test_known_value(void **state)
{
    char hex[65];
    (void)state;
    file_checksum(ANY, weather, hex);
    assert_string_equal(hex, weather_checksum);
    /* the dialect does not enter the checksum when it splits the same way */
    file_checksum(SQLITE, weather, hex);
    assert_string_equal(hex, weather_checksum);
    file_checksum(PG, weather, hex);
    assert_string_equal(hex, weather_checksum);
}

static void test_known_values_minimal(void **state)
{
    char hex[65];
    (void)state;
    /* "U\0" */
    file_checksum(ANY, "-- migrate:up\n", hex);
    assert_string_equal(hex, "b7e75e0d252b497b1b394c5bc94268da14c734ef4cd6c6af4764588deba1b5b7");
    /* "U\0N\0" */
    file_checksum(ANY, "-- migrate:up\n-- migrate:down\n", hex);
    assert_string_equal(hex, "ee58234d9d80cba3c175dbb95258f0e5544a7d987b60a9b2fe8f0f4b6ed18ccf");
}

/* The low-level API builds exactly the documented records. */
static void test_canonical_records(void **state)
{
    static const char canonical[] = "Ddisable_ddl_transaction\0Ddisable_migration_lock\0"
                                    "U\0TSELECT 1\0TSELECT 'a  b' , x\0N\0";
    static const char second[] = "  SELECT /* c */ 'a  b'\n\t-- d\n,x  ";
    migrator__checksum checksum;
    char expected[65], hex[65];
    (void)state;
    sha_hex(canonical, sizeof(canonical) - 1, expected);
    assert_string_equal(expected,
                        "cb369c8cebb6f03428c9471745b85d3a4595dd1a39cbf52cfa23cf65ccea76dc");

    migrator__checksum_init(&checksum,
                            MIGRATOR_DISABLE_DDL_TRANSACTION | MIGRATOR_DISABLE_MIGRATION_LOCK |
                                MIGRATOR_HAS_DOWN,
                            ANY);
    migrator__checksum_section(&checksum, 0);
    migrator__checksum_statement(&checksum, "SELECT\n  1", 10);
    migrator__checksum_statement(&checksum, second, strlen(second));
    migrator__checksum_section(&checksum, 1);
    migrator__checksum_final(&checksum, hex);
    assert_string_equal(hex, expected);

    /* the same through a file */
    file_checksum(ANY,
                  "-- migrate:disable_migration_lock\n"
                  "-- migrate:disable_ddl_transaction\n"
                  "-- migrate:up\n"
                  "SELECT\n  1;\n" /* the second statement as above */
                  "  SELECT /* c */ 'a  b'\n\t-- d\n,x  \n"
                  "-- migrate:down\n",
                  hex);
    assert_string_equal(hex, expected);
}

static void test_canonical_statement_forms(void **state)
{
    static const struct {
        const char *statement, *canonical;
    } cases[] = {
        {"SELECT 1", "SELECT 1"},
        {"  SELECT\t\t1  ", "SELECT 1"},
        {"SELECT/*x*/1", "SELECT 1"},
        {"SELECT 1+2", "SELECT 1 + 2"},
        {"SELECT a.b,(c)", "SELECT a . b , ( c )"},
        {"SELECT 1 + 2", "SELECT 1 + 2"},
        {"SELECT 'a -- b /* c */'", "SELECT 'a -- b /* c */'"},
        {"SELECT $$ x  y $$ -- z\n", "SELECT $$ x  y $$"},
        {"-- lead\nSELECT 1", "SELECT 1"},
        {"", ""},
        /* foreign text with an unterminated construct counts as it is */
        {"SELECT   'abc  def", "SELECT 'abc  def"},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char record[128], expected[65], hex[65];
        size_t length = strlen(cases[i].canonical);
        migrator__checksum checksum;
        record[0] = 'U';
        record[1] = '\0';
        record[2] = 'T';
        memcpy(record + 3, cases[i].canonical, length + 1);
        sha_hex(record, length + 4, expected);
        migrator__checksum_init(&checksum, 0, PG);
        migrator__checksum_section(&checksum, 0);
        migrator__checksum_statement(&checksum, cases[i].statement, strlen(cases[i].statement));
        migrator__checksum_final(&checksum, hex);
        if (strcmp(hex, expected) != 0)
            fail_msg("\"%s\" is not canonically \"%s\"", cases[i].statement, cases[i].canonical);
    }
}

static void test_comment_edits_equal(void **state)
{
    (void)state;
    assert_same(weather,
                "-- A new header comment.\n"
                "/* and a block one */\n"
                "-- migrate:disable_ddl_transaction\n"
                "-- migrate:up\n"
                "-- the table\n"
                "CREATE TABLE weather -- comment inside\n"
                "(id INTEGER /* x */ PRIMARY KEY, /* another */ city VARCHAR(40)) /* trailing */;\n"
                "CREATE INDEX weather_city ON weather (city); -- after\n"
                "-- migrate:down\n"
                "/* drop it */ DROP TABLE weather; -- done\n");
}

static void test_whitespace_edits_equal(void **state)
{
    (void)state;
    assert_same(weather,
                "\n\n-- migrate:disable_ddl_transaction\n\n"
                "-- migrate:up\n"
                "CREATE   TABLE weather\n  (id INTEGER\tPRIMARY KEY,\n   city VARCHAR(40))  ;\n\n"
                "   CREATE INDEX weather_city\n ON weather (city)\n;\n"
                "-- migrate:down\n\n\n"
                "DROP TABLE weather\n");
}

/* Whitespace between tokens never counts, even where the file had none:
 * reformatting "(id" as "(\n  id" or adding a comment between two tokens
 * that touched keeps the checksum. Inside quoted text it always counts. */
static void test_whitespace_between_touching_tokens(void **state)
{
    (void)state;
    assert_same("-- migrate:up\nCREATE TABLE t (id INTEGER, name TEXT);\n",
                "-- migrate:up\nCREATE TABLE t (\n  id INTEGER,\n  name TEXT\n);\n");
    assert_same("-- migrate:up\nSELECT 1+2;\n", "-- migrate:up\nSELECT 1+/* c */2;\n");
    assert_same("-- migrate:up\nCREATE TABLE t ( id INTEGER, name TEXT );\n",
                "-- migrate:up\nCREATE TABLE t (\n  id INTEGER,\n  name TEXT\n);\n");
    assert_same("-- migrate:up\nSELECT a.b;\n", "-- migrate:up\nSELECT a . b;\n");
    assert_different("-- migrate:up\nSELECT 'a b';\n", "-- migrate:up\nSELECT 'a  b';\n");
    assert_different("-- migrate:up\nSELECT a - -b;\n", "-- migrate:up\nSELECT a --b\n;\n");
}

static void test_line_endings_and_bom_equal(void **state)
{
    char crlf[sizeof(weather) * 2], bom[sizeof(weather) + 3], a[65], b[65];
    size_t i, used = 0;
    (void)state;
    for (i = 0; weather[i]; i++) {
        if (weather[i] == '\n')
            crlf[used++] = '\r';
        crlf[used++] = weather[i];
    }
    crlf[used] = '\0';
    file_checksum(ANY, crlf, a);
    assert_string_equal(a, weather_checksum);
    /* lone CRs */
    for (i = 0; weather[i]; i++)
        crlf[i] = weather[i] == '\n' ? '\r' : weather[i];
    crlf[i] = '\0';
    file_checksum(ANY, crlf, a);
    assert_string_equal(a, weather_checksum);

    memcpy(bom, "\xef\xbb\xbf", 3);
    memcpy(bom + 3, weather, sizeof(weather));
    file_checksum_n(ANY, bom, strlen(bom), b);
    assert_string_equal(b, weather_checksum);
}

static void test_empty_statements_and_final_semicolon_equal(void **state)
{
    (void)state;
    assert_same("-- migrate:up\nSELECT 1;\nSELECT 2;\n", "-- migrate:up\n;;SELECT 1;;\nSELECT 2");
}

static void test_sql_edits_different(void **state)
{
    (void)state;
    /* string literal content, including whitespace and comment-like text */
    assert_different("-- migrate:up\nINSERT INTO t VALUES ('a');\n",
                     "-- migrate:up\nINSERT INTO t VALUES ('b');\n");
    assert_different("-- migrate:up\nINSERT INTO t VALUES ('a b');\n",
                     "-- migrate:up\nINSERT INTO t VALUES ('a  b');\n");
    assert_different("-- migrate:up\nINSERT INTO t VALUES ('-- a');\n",
                     "-- migrate:up\nINSERT INTO t VALUES ('-- b');\n");
    assert_different("-- migrate:up\nINSERT INTO t VALUES ('x\ny');\n",
                     "-- migrate:up\nINSERT INTO t VALUES ('x y');\n");
    /* a keyword, a type, an identifier, a number, the case of a keyword */
    assert_different("-- migrate:up\nCREATE TABLE t (x INTEGER);\n",
                     "-- migrate:up\nCREATE TABLE t (x BIGINT);\n");
    assert_different("-- migrate:up\nCREATE TABLE t (x INTEGER);\n",
                     "-- migrate:up\nCREATE TEMP TABLE t (x INTEGER);\n");
    assert_different("-- migrate:up\nCREATE TABLE t (x INTEGER);\n",
                     "-- migrate:up\nCREATE TABLE u (x INTEGER);\n");
    assert_different("-- migrate:up\nSELECT 1;\n", "-- migrate:up\nSELECT 2;\n");
    assert_different("-- migrate:up\nSELECT 1;\n", "-- migrate:up\nselect 1;\n");
    /* where statements end, and which section holds them */
    assert_different("-- migrate:up\nSELECT 1; SELECT 2;\n", "-- migrate:up\nSELECT 1 SELECT 2;\n");
    assert_different("-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n",
                     "-- migrate:up\nSELECT 1;\nSELECT 2;\n-- migrate:down\n");
    assert_different("-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n",
                     "-- migrate:up\nSELECT 2;\n-- migrate:down\nSELECT 1;\n");
    /* a quoted identifier is not the bare name */
    assert_different("-- migrate:up\nSELECT a.b;\n", "-- migrate:up\nSELECT a.\"b\";\n");
    /* an edit in the down section */
    assert_different(weather, "-- migrate:disable_ddl_transaction\n"
                              "-- migrate:up\n"
                              "CREATE TABLE weather (id INTEGER PRIMARY KEY, city VARCHAR(40));\n"
                              "CREATE INDEX weather_city ON weather (city);\n"
                              "-- migrate:down\n"
                              "DROP TABLE IF EXISTS weather;\n");
}

static void test_flags_different(void **state)
{
    char none[65], ddl[65], lock[65], both[65];
    (void)state;
    file_checksum(ANY, "-- migrate:up\nSELECT 1;\n", none);
    file_checksum(ANY, "-- migrate:disable_ddl_transaction\n-- migrate:up\nSELECT 1;\n", ddl);
    file_checksum(ANY, "-- migrate:disable_migration_lock\n-- migrate:up\nSELECT 1;\n", lock);
    file_checksum(ANY,
                  "-- migrate:disable_ddl_transaction\n-- migrate:disable_migration_lock\n"
                  "-- migrate:up\nSELECT 1;\n",
                  both);
    assert_string_not_equal(none, ddl);
    assert_string_not_equal(none, lock);
    assert_string_not_equal(none, both);
    assert_string_not_equal(ddl, lock);
    assert_string_not_equal(ddl, both);
    assert_string_not_equal(lock, both);
    /* the order of the header directives does not matter */
    assert_same("-- migrate:disable_migration_lock\n-- migrate:disable_ddl_transaction\n"
                "-- migrate:up\nSELECT 1;\n",
                "-- migrate:disable_ddl_transaction\n-- migrate:disable_migration_lock\n"
                "-- migrate:up\nSELECT 1;\n");
}

static void test_down_section_presence(void **state)
{
    char absent[65], empty[65], full[65];
    (void)state;
    file_checksum(ANY, "-- migrate:up\nSELECT 1;\n", absent);
    file_checksum(ANY, "-- migrate:up\nSELECT 1;\n-- migrate:down\n", empty);
    file_checksum(ANY, "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n", full);
    assert_string_not_equal(absent, empty);
    assert_string_not_equal(absent, full);
    assert_string_not_equal(empty, full);
    /* removing the down section of the known file */
    assert_different(weather, "-- migrate:disable_ddl_transaction\n"
                              "-- migrate:up\n"
                              "CREATE TABLE weather (id INTEGER PRIMARY KEY, city VARCHAR(40));\n"
                              "CREATE INDEX weather_city ON weather (city);\n");
    /* an empty down section with comments is still empty */
    assert_same("-- migrate:up\nSELECT 1;\n-- migrate:down\n",
                "-- migrate:up\nSELECT 1;\n-- migrate:down\n-- nothing to undo\n;\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_value),
        cmocka_unit_test(test_known_values_minimal),
        cmocka_unit_test(test_canonical_records),
        cmocka_unit_test(test_canonical_statement_forms),
        cmocka_unit_test(test_comment_edits_equal),
        cmocka_unit_test(test_whitespace_edits_equal),
        cmocka_unit_test(test_whitespace_between_touching_tokens),
        cmocka_unit_test(test_line_endings_and_bom_equal),
        cmocka_unit_test(test_empty_statements_and_final_semicolon_equal),
        cmocka_unit_test(test_sql_edits_different),
        cmocka_unit_test(test_flags_different),
        cmocka_unit_test(test_down_section_presence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
