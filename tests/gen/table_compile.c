/*
 * gen.table_compile: the golden migrations (tests/gen/golden) go through
 * migrator_add_migrations() like a user's, so the generated table is
 * compiled with the project's warnings; this test then checks every field
 * of golden_migrations, joins each statement's pieces and compares them
 * with the expected text and with the bytes of the migration file, and
 * recomputes every checksum with the runtime's code.
 *
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "checksum.h"
#include "golden_migrations.h"

typedef struct expected_statement {
    const char *text;     /* NULL: a long statement, built by build() */
    char *(*build)(void); /* returns the text, malloc'd */
    size_t piece_count;
    size_t length;
    unsigned int line, column;
} expected_statement;

typedef struct expected_migration {
    int64_t version;
    const char *name, *file;
    unsigned int flags;
    unsigned int up_line;
    size_t up_count;
    const expected_statement *up;
    unsigned int down_line;
    size_t down_count;
    const expected_statement *down;
    const char *checksum;
} expected_migration;

#define DIR "golden/priv/repo/migrations/"
#define HAS_DOWN MIGRATOR_HAS_DOWN

static const expected_statement weather_up[] = {
    {"CREATE TABLE weather (\n"
     "  id INTEGER PRIMARY KEY, -- the key; not the end\n"
     "  city VARCHAR(40) NOT NULL, /* block; comment */\n"
     "  temp_lo INTEGER,\n"
     "  temp_hi INTEGER\n"
     ")",
     NULL, 1, 161, 6, 1},
    {"CREATE INDEX weather_city_index ON weather (city)", NULL, 1, 49, 13, 5},
};
static const expected_statement weather_down[] = {
    {"DROP INDEX weather_city_index", NULL, 1, 29, 16, 1},
    {"DROP TABLE weather", NULL, 1, 18, 17, 1},
};

static const expected_statement audit_up[] = {
    {"CREATE TABLE audit (id INTEGER PRIMARY KEY, city TEXT, at TEXT)", NULL, 1, 63, 2, 1},
    {"CREATE TRIGGER weather_audit AFTER INSERT ON weather\n"
     "FOR EACH ROW\n"
     "BEGIN\n"
     "  INSERT INTO audit (city, at) VALUES (NEW.city, datetime('now'));\n"
     "  UPDATE audit SET at = 'x;y' WHERE id = last_insert_rowid();\n"
     "END",
     NULL, 1, 204, 3, 1},
};
static const expected_statement audit_down[] = {
    {"DROP TRIGGER weather_audit", NULL, 1, 26, 11, 1},
    {"DROP TABLE audit", NULL, 1, 16, 12, 1},
};

static const expected_statement functions_up[] = {
    {"CREATE FUNCTION add_one(i integer) RETURNS integer AS $$\n"
     "BEGIN\n"
     "  RETURN i + 1; -- not the end of the statement\n"
     "END;\n"
     "$$ LANGUAGE plpgsql",
     NULL, 1, 135, 2, 1},
    {"CREATE FUNCTION greeting() RETURNS text AS $body$ SELECT 'a $$; b'; $body$ LANGUAGE sql",
     NULL, 1, 87, 7, 1},
    {"CREATE FUNCTION two() RETURNS integer\n"
     "LANGUAGE sql\n"
     "BEGIN ATOMIC\n"
     "  SELECT 1;\n"
     "  SELECT 2;\n"
     "END",
     NULL, 1, 91, 8, 1},
};
static const expected_statement functions_down[] = {
    {"DROP FUNCTION two()", NULL, 1, 19, 16, 1},
    {"DROP FUNCTION greeting()", NULL, 1, 24, 17, 1},
    {"DROP FUNCTION add_one(integer)", NULL, 1, 30, 18, 1},
};

/* Written with hex escapes and \? so that nothing here depends on the
 * generator's own escaping. */
static const expected_statement strings_up[] = {
    {"INSERT INTO notes (body) VALUES ('it''s a \x22quote\x22, a backslash \x5c and two "
     "\x5c\x5c of them')",
     NULL, 1, 85, 3, 1},
    {"INSERT INTO notes (body) VALUES (E'escaped \x5c' quote, \x5c\x5c and \x5cn')", NULL, 1, 64, 4,
     1},
    {"INSERT INTO notes (body) VALUES ('trigraphs ?\?= ?\?/ ?\?'' ?\?( ?\?) ?\?! ?\?< ?\?> ?\?- "
     "and ?\?\?=?\? end')",
     NULL, 1, 97, 5, 1},
    {"INSERT INTO \x22odd \x22\x22name\x22\x22\x22 (body) VALUES ('tab:\x09"
     "end', "
     "'na\xc3\xaf"
     "ve caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x98\x80', "
     "'%d %s')",
     NULL, 1, 93, 6, 1},
};

static char *seed_cities_text(void);
static char *seed_blobs_text(void);

static const expected_statement seed_up[] = {
    {NULL, seed_cities_text, 2, 5376, 4, 1},  /* 161 lines: cut after a line end */
    {NULL, seed_blobs_text, 3, 8504, 165, 1}, /* one line: cut at 4000 and 8000 bytes */
};
static const expected_statement seed_down[] = {
    {"DELETE FROM blobs", NULL, 1, 17, 168, 1},
    {"DELETE FROM cities", NULL, 1, 18, 169, 1},
};

static const expected_statement index_up[] = {
    {"CREATE INDEX CONCURRENTLY weather_temp_index ON weather (temp_lo, temp_hi)", NULL, 1, 74, 7,
     1},
};

static const expected_migration expected[] = {
    {INT64_C(20240101000000), "create_weather", DIR "20240101000000_create_weather.sql", HAS_DOWN,
     5, 2, weather_up, 15, 2, weather_down,
     "f1bcc67daba53d63c5c60666331d2874df16917034da522b36a1cf0c7cffffa7"},
    {INT64_C(20240102000000), "audit_trigger", DIR "20240102000000_audit_trigger.sql", HAS_DOWN, 1,
     2, audit_up, 10, 2, audit_down,
     "fb6154615dfb73d681fb5cea18fba630c439fe47f6b8fb6b22afeabc7c9fa1c3"},
    {INT64_C(20240103000000), "add_functions", DIR "20240103000000_add_functions.sql", HAS_DOWN, 1,
     3, functions_up, 15, 3, functions_down,
     "a5417a84a6f887681186099cc2924be2037e4352db04d63f56de206df8099402"},
    {INT64_C(20240104000000), "tricky_strings", DIR "20240104000000_tricky_strings.sql", HAS_DOWN,
     2, 4, strings_up, 7, 0, NULL,
     "9ce83f1a41486cdf487b7aa9ddf54bbbf3f0ee5450201f63eb2b950fad1c4333"},
    {INT64_C(20240105000000), "seed_cities", DIR "2024/20240105000000_seed_cities.sql", HAS_DOWN, 3,
     2, seed_up, 167, 2, seed_down,
     "822459781fb0ed0fc0855432fe0c31b52422baa96bacc74a83e7f57a01ca3c4a"},
    {INT64_C(20240106000000), "concurrent_index", DIR "20240106000000_concurrent_index.sql",
     MIGRATOR_DISABLE_DDL_TRANSACTION | MIGRATOR_DISABLE_MIGRATION_LOCK, 6, 1, index_up, 0, 0, NULL,
     "f7d82a9c660de60d42d88e28ae1fb0693b2841335ab4bb229f7ddc1e7ffcaa71"},
};

#define EXPECTED_COUNT (sizeof(expected) / sizeof(expected[0]))

/* The statement's pieces joined (malloc'd, NUL-terminated), checking each
 * piece's size on the way. */
static char *join(const migrator_statement *statement)
{
    size_t i, used = 0;
    char *text = malloc(statement->length + 1);
    assert_non_null(text);
    assert_true(statement->piece_count >= 1);
    for (i = 0; i < statement->piece_count; i++) {
        size_t length = strlen(statement->pieces[i]);
        assert_true(length >= 1);
        assert_true(length <= MIGRATOR_PIECE_MAX);
        assert_true(used + length <= statement->length);
        memcpy(text + used, statement->pieces[i], length);
        used += length;
    }
    assert_int_equal(used, statement->length);
    text[used] = '\0';
    return text;
}

/* The multi-line INSERT of 20240105000000_seed_cities.sql. */
static char *seed_cities_text(void)
{
    char *text = malloc(8192), *at = text;
    int i;
    assert_non_null(text);
    at += sprintf(at, "INSERT INTO cities (id, name, country) VALUES\n");
    for (i = 0; i < 160; i++)
        at += sprintf(at, "  (%d, 'city_%03d', 'Country %c')%s", i + 1, i + 1, 'A' + i % 26,
                      i < 159 ? ",\n" : "");
    return text;
}

/* The one-line INSERT: "??" across the first cut at 4000 bytes and the
 * three bytes of U+20AC across the second at 8000. */
static char *seed_blobs_text(void)
{
    static const char head[] = "INSERT INTO blobs (data) VALUES ('";
    char *text = malloc(9000), *at = text;
    size_t head_length = sizeof(head) - 1;
    assert_non_null(text);
    memcpy(at, head, head_length);
    at += head_length;
    memset(at, 'x', 4000 - head_length - 1);
    at += 4000 - head_length - 1;
    memcpy(at, "?\?=", 3);
    at += 3;
    memset(at, 'y', 3997);
    at += 3997;
    memcpy(at, "\xe2\x82\xac", 3);
    at += 3;
    memset(at, 'z', 500);
    at += 500;
    memcpy(at, "')", 3);
    assert_int_equal(text[3999], '?');
    assert_int_equal(text[4000], '?');
    assert_int_equal((unsigned char)text[7999], 0xe2);
    return text;
}

/* The migration file's bytes, read from the source tree. */
static char *read_source(const char *file, size_t *size)
{
    char path[4096];
    FILE *in;
    char *data;
    long length;

    snprintf(path, sizeof(path), "%s/%s", GOLDEN_SOURCE_DIR, file);
    in = fopen(path, "rb");
    assert_non_null(in);
    assert_int_equal(fseek(in, 0, SEEK_END), 0);
    length = ftell(in);
    assert_true(length > 0);
    rewind(in);
    data = malloc((size_t)length + 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)length, in), (size_t)length);
    data[length] = '\0';
    fclose(in);
    *size = (size_t)length;
    return data;
}

/* The text must be the file's bytes at (line, column): the golden files are
 * UTF-8 without a BOM and with LF line ends, so nothing was normalised. */
static void check_against_source(const char *source, size_t size, const migrator_statement *s,
                                 const char *text)
{
    size_t offset = 0;
    unsigned int line;
    for (line = 1; line < s->line; line++) {
        const char *newline = memchr(source + offset, '\n', size - offset);
        assert_non_null(newline);
        offset = (size_t)(newline - source) + 1;
    }
    offset += s->column - 1;
    assert_true(offset + s->length <= size);
    assert_memory_equal(source + offset, text, s->length);
    /* the statement ends at ';' or at the end of its section */
    assert_true(offset + s->length == size || source[offset + s->length] == ';' ||
                source[offset + s->length] == '\n');
}

static void check_section(const migrator_section *section, unsigned int line, size_t count,
                          const expected_statement *statements, const char *source, size_t size,
                          migrator__checksum *checksum)
{
    size_t i;
    assert_int_equal(section->line, line);
    assert_int_equal(section->count, count);
    if (count == 0) {
        assert_null(section->statements);
        return;
    }
    assert_non_null(section->statements);
    for (i = 0; i < count; i++) {
        const migrator_statement *s = &section->statements[i];
        char *text = join(s), *built = statements[i].build ? statements[i].build() : NULL;
        const char *want = built ? built : statements[i].text;

        assert_int_equal(s->piece_count, statements[i].piece_count);
        assert_int_equal(s->length, statements[i].length);
        assert_int_equal(strlen(want), statements[i].length);
        assert_int_equal(s->line, statements[i].line);
        assert_int_equal(s->column, statements[i].column);
        assert_string_equal(text, want);
        assert_int_equal(strlen(text), s->length);
        check_against_source(source, size, s, text);
        migrator__checksum_statement(checksum, text, s->length);
        free(text);
        free(built);
    }
}

static void test_table_header(void **state)
{
    (void)state;
    assert_int_equal(golden_migrations.abi_version, MIGRATOR_TABLE_ABI_VERSION);
    assert_int_equal(golden_migrations.abi_version, 1);
    assert_string_equal(golden_migrations.repo, "golden");
    assert_int_equal(golden_migrations.dialect, MIGRATOR_DIALECT_ANY);
    assert_int_equal(golden_migrations.checksum_algorithm, MIGRATOR_CHECKSUM_SHA256_V1);
    assert_int_equal(golden_migrations.count, EXPECTED_COUNT);
    assert_non_null(golden_migrations.migrations);
}

static void test_migrations(void **state)
{
    size_t i;
    (void)state;
    assert_int_equal(golden_migrations.count, EXPECTED_COUNT);
    for (i = 0; i < EXPECTED_COUNT; i++) {
        const migrator_migration *m = &golden_migrations.migrations[i];
        const expected_migration *e = &expected[i];
        migrator__checksum checksum;
        char recomputed[65], *source;
        size_t size, k;

        print_message("  %s\n", e->file);
        assert_true(m->version == e->version);
        assert_string_equal(m->name, e->name);
        assert_string_equal(m->file, e->file);
        assert_int_equal(m->flags, e->flags);
        if (i > 0)
            assert_true(m->version > golden_migrations.migrations[i - 1].version);

        source = read_source(e->file, &size);
        migrator__checksum_init(&checksum, m->flags, (migrator_dialect)golden_migrations.dialect);
        migrator__checksum_section(&checksum, 0);
        check_section(&m->up, e->up_line, e->up_count, e->up, source, size, &checksum);
        if (m->flags & MIGRATOR_HAS_DOWN)
            migrator__checksum_section(&checksum, 1);
        else
            assert_int_equal(e->down_line, 0);
        check_section(&m->down, e->down_line, e->down_count, e->down, source, size, &checksum);
        migrator__checksum_final(&checksum, recomputed);
        free(source);

        assert_non_null(m->checksum);
        assert_int_equal(strlen(m->checksum), 64);
        for (k = 0; k < 64; k++)
            assert_true((m->checksum[k] >= '0' && m->checksum[k] <= '9') ||
                        (m->checksum[k] >= 'a' && m->checksum[k] <= 'f'));
        assert_string_equal(m->checksum, e->checksum);
        assert_string_equal(m->checksum, recomputed);
    }
}

/* Checksums must differ whenever the canonical form does. */
static void test_checksums_distinct(void **state)
{
    size_t i, j;
    (void)state;
    for (i = 0; i < golden_migrations.count; i++)
        for (j = i + 1; j < golden_migrations.count; j++)
            assert_string_not_equal(golden_migrations.migrations[i].checksum,
                                    golden_migrations.migrations[j].checksum);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_header),
        cmocka_unit_test(test_migrations),
        cmocka_unit_test(test_checksums_distinct),
    };
    return cmocka_run_group_tests_name("gen.table_compile", tests, NULL, NULL);
}
