/*
 * gen.cli: the command line of migrator-gen, run as a real process on real
 * files in a fresh temporary directory per test. Every case checks the exit
 * status and the exact messages ("migrator-gen: FILE:LINE: message").
 *
 * SPDX-License-Identifier: MIT
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "gen_harness.h"

/* A valid migration. */
#define OK_SQL "-- migrate:up\nCREATE TABLE t (a INTEGER);\n-- migrate:down\nDROP TABLE t;\n"

#define USAGE_TAIL(command) "\nTry 'migrator-gen " command " --help'.\n"

typedef struct fixture {
    char *dir; /* the test's temporary directory, where migrator-gen runs */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    f->dir = gen_temp_dir();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    gen_remove_tree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

#define DIR_OF(state) (((fixture *)*(state))->dir)

/* Runs `check m` and expects exit 1 with exactly err on stderr. */
static void expect_check_fails(const char *dir, const char *err)
{
    gen_result r;
    GEN_RUN(&r, dir, "check", "m");
    assert_run(&r, 1, "", err);
    gen_result_free(&r);
}

/* Writes m/<file> and expects `check m` to fail with one error, message. */
static void expect_file_rejected(void **state, const char *file, const char *content,
                                 const char *message, int counted)
{
    const char *dir = DIR_OF(state);
    char *relative = gen_format("m/%s", file);
    char *err = gen_format("migrator-gen: m/%s%s\nmigrator-gen: 1 error in %d migration%s\n", file,
                           message, counted, counted == 1 ? "" : "s");
    gen_write(dir, relative, content);
    expect_check_fails(dir, err);
    free(err);
    free(relative);
}

/* ---- bad file names ---------------------------------------------------- */

static void test_name_wrong_extension_txt(void **state)
{
    expect_file_rejected(state, "20240101000000_x.txt", OK_SQL,
                         ": wrong extension: a migration file name ends in .sql", 0);
}

static void test_name_wrong_extension_backup(void **state)
{
    expect_file_rejected(state, "20240101000000_x.sql~", OK_SQL,
                         ": wrong extension: a migration file name ends in .sql", 0);
}

static void test_name_bad_characters(void **state)
{
    expect_file_rejected(state, "20240101000000_add-x.sql", OK_SQL,
                         ": invalid name: use lower-case letters, digits and underscores "
                         "([a-z0-9_]+)",
                         0);
}

static void test_name_upper_case(void **state)
{
    expect_file_rejected(state, "20240101000000_AddX.sql", OK_SQL,
                         ": invalid name: use lower-case letters, digits and underscores "
                         "([a-z0-9_]+)",
                         0);
}

static void test_name_version_overflow(void **state)
{
    expect_file_rejected(state, "9223372036854775808_x.sql", OK_SQL,
                         ": version is larger than 9223372036854775807 (2^63-1)", 0);
}

static void test_name_version_max_is_valid(void **state)
{
    const char *dir = DIR_OF(state);
    gen_result r;
    gen_write(dir, "m/9223372036854775807_last.sql", OK_SQL);
    gen_write(dir, "m/0_first.sql", OK_SQL);
    GEN_RUN(&r, dir, "check", "m");
    assert_run(&r, 0, "migrator-gen: 2 migrations OK, versions 0 to 9223372036854775807\n", "");
    gen_result_free(&r);
}

static void test_name_other_files_ignored(void **state)
{
    const char *dir = DIR_OF(state);
    gen_result r;
    gen_write(dir, "m/README.md", "# migrations\n");
    gen_write(dir, "m/.keep", "");
    gen_write(dir, "m/.20240101000000_x.sql.swp", "junk");
    gen_write(dir, "m/notes.txt", "SELECT 1;\n");
    gen_write(dir, "m/20240101000000_ok.sql", OK_SQL);
    GEN_RUN(&r, dir, "check", "m");
    assert_run(&r, 0, "migrator-gen: 1 migration OK, versions 20240101000000 to 20240101000000\n",
               "");
    gen_result_free(&r);
}

/* ---- duplicates -------------------------------------------------------- */

static void test_duplicate_version(void **state)
{
    const char *dir = DIR_OF(state);
    static const char err[] =
        "migrator-gen: m/b/20240101000000_second.sql: duplicate version 20240101000000: "
        "also m/a/20240101000000_first.sql\n";
    gen_result r;

    gen_write(dir, "m/a/20240101000000_first.sql", OK_SQL);
    gen_write(dir, "m/b/20240101000000_second.sql", OK_SQL);
    expect_check_fails(dir, "migrator-gen: m/b/20240101000000_second.sql: duplicate version "
                            "20240101000000: also m/a/20240101000000_first.sql\n"
                            "migrator-gen: 1 error in 2 migrations\n");
    /* table refuses too, and writes nothing */
    gen_mkdirs(dir, "out");
    GEN_RUN(&r, dir, "table", "--repo", "repo", "--output", "out/repo_migrations.c", "--header",
            "out/repo_migrations.h", "m");
    assert_run(&r, 1, "", err);
    gen_result_free(&r);
    {
        char *listing = gen_list_dir(dir, "out");
        assert_string_equal(listing, "");
        free(listing);
    }
}

static void test_duplicate_version_across_dirs(void **state)
{
    const char *dir = DIR_OF(state);
    gen_result r;
    gen_write(dir, "one/20240101000000_first.sql", OK_SQL);
    gen_write(dir, "two/20240101000000_second.sql", OK_SQL);
    GEN_RUN(&r, dir, "check", "one", "two");
    assert_run(&r, 1, "",
               "migrator-gen: two/20240101000000_second.sql: duplicate version 20240101000000: "
               "also one/20240101000000_first.sql\n"
               "migrator-gen: 1 error in 2 migrations\n");
    gen_result_free(&r);
}

static void test_same_file_through_two_dirs_is_one_migration(void **state)
{
    const char *dir = DIR_OF(state);
    gen_result r;
    gen_write(dir, "m/20240101000000_a.sql", OK_SQL);
    gen_write(dir, "m/sub/20240102000000_b.sql", OK_SQL);
    /* m/sub is given twice, once on its own and once inside m */
    GEN_RUN(&r, dir, "check", "m/sub", "m", "m/sub/");
    assert_run(&r, 0, "migrator-gen: 2 migrations OK, versions 20240101000000 to 20240102000000\n",
               "");
    gen_result_free(&r);
}

static void test_duplicate_name_is_a_warning(void **state)
{
    const char *dir = DIR_OF(state);
    static const char warning[] =
        "migrator-gen: m/sub/20240102000000_add_x.sql: warning: name \"add_x\" is also used by "
        "m/20240101000000_add_x.sql\n";
    gen_result r;

    gen_write(dir, "m/20240101000000_add_x.sql", OK_SQL);
    gen_write(dir, "m/sub/20240102000000_add_x.sql",
              "-- migrate:up\nCREATE TABLE u (a INTEGER);\n");
    GEN_RUN(&r, dir, "check", "m");
    assert_run(&r, 0, "migrator-gen: 2 migrations OK, versions 20240101000000 to 20240102000000\n",
               warning);
    gen_result_free(&r);

    GEN_RUN(&r, dir, "table", "--repo", "repo", "--output", "repo_migrations.c", "--header",
            "repo_migrations.h", "m");
    assert_run(&r, 0, "", warning);
    gen_result_free(&r);
    assert_true(gen_exists(dir, "repo_migrations.c"));
}

/* ---- sections and directives ------------------------------------------- */

static void test_no_up_section(void **state)
{
    expect_file_rejected(state, "20240101000000_x.sql", "-- only a comment\n\n",
                         ":1: no -- migrate:up section", 1);
}

static void test_no_up_section_only_down(void **state)
{
    expect_file_rejected(state, "20240101000000_x.sql", "-- migrate:down\nDROP TABLE t;\n",
                         ":1: -- migrate:down before -- migrate:up: the up section comes first", 1);
}

static void test_two_up_sections(void **state)
{
    expect_file_rejected(state, "20240101000000_x.sql",
                         "-- migrate:up\nSELECT 1;\n\n-- migrate:up\nSELECT 2;\n",
                         ":4: second -- migrate:up section (the first is at line 1)", 1);
}

static void test_two_down_sections(void **state)
{
    expect_file_rejected(state, "20240101000000_x.sql",
                         "-- migrate:up\nSELECT 1;\n-- migrate:down\n-- migrate:down\n",
                         ":4: second -- migrate:down section (the first is at line 3)", 1);
}

static void test_down_before_up(void **state)
{
    expect_file_rejected(state, "20240101000000_x.sql",
                         "-- comment\n-- migrate:down\nDROP TABLE t;\n-- migrate:up\n"
                         "CREATE TABLE t (a INTEGER);\n",
                         ":2: -- migrate:down before -- migrate:up: the up section comes first", 1);
}

static void test_sql_before_first_section(void **state)
{
    expect_file_rejected(state, "20240101000000_x.sql",
                         "-- a comment\n/* another */\n\nCREATE TABLE t (a INTEGER);\n"
                         "-- migrate:up\n",
                         ":4: SQL before -- migrate:up: only comments may come first", 1);
}

static void test_unknown_directive(void **state)
{
    expect_file_rejected(state, "20240101000000_x.sql",
                         "-- migrate:up\nSELECT 1;\n-- migrate:donw\nSELECT 2;\n",
                         ":3: unknown directive \"-- migrate:donw\" (expected up, down, "
                         "disable_ddl_transaction or disable_migration_lock)",
                         1);
}

static void test_header_directive_after_up(void **state)
{
    expect_file_rejected(state, "20240101000000_x.sql",
                         "\n-- migrate:up\nSELECT 1;\n-- migrate:disable_ddl_transaction\n",
                         ":4: -- migrate:disable_ddl_transaction must come before -- migrate:up "
                         "(line 2)",
                         1);
}

static void test_header_directive_in_down(void **state)
{
    expect_file_rejected(state, "20240101000000_x.sql",
                         "-- migrate:up\nSELECT 1;\n-- migrate:down\n"
                         "-- migrate:disable_migration_lock\n",
                         ":4: -- migrate:disable_migration_lock must come before -- migrate:up "
                         "(line 1)",
                         1);
}

static void test_header_directive_repeated(void **state)
{
    expect_file_rejected(state, "20240101000000_x.sql",
                         "-- migrate:disable_migration_lock\n-- migrate:disable_migration_lock\n"
                         "-- migrate:up\n",
                         ":2: -- migrate:disable_migration_lock repeated (first at line 1)", 1);
}

/* ---- unterminated constructs: the line where they opened ---------------- */

static void test_unterminated_quote(void **state)
{
    expect_file_rejected(state, "20240101000000_x.sql",
                         "-- migrate:up\nSELECT 1;\nINSERT INTO t VALUES ('it''s;\nnever closed);\n"
                         "SELECT 2;\n",
                         ":3: unterminated quoted string", 1);
}

static void test_unterminated_quoted_identifier(void **state)
{
    expect_file_rejected(state, "20240101000000_x.sql",
                         "-- migrate:up\nSELECT 1;\n-- migrate:down\nDROP TABLE \"t;\n\n",
                         ":4: unterminated quoted identifier", 1);
}

static void test_unterminated_dollar_quote(void **state)
{
    expect_file_rejected(state, "20240101000000_x.sql",
                         "-- migrate:up\nCREATE FUNCTION f() RETURNS integer AS $body$\n"
                         "BEGIN RETURN 1; END;\n$$ LANGUAGE plpgsql;\n",
                         ":2: unterminated dollar-quoted string", 1);
}

static void test_unterminated_block_comment(void **state)
{
    const char *dir = DIR_OF(state);
    gen_result r;
    expect_file_rejected(state, "20240101000000_x.sql",
                         "-- migrate:up\nSELECT 1;\n/* outer /* nested */\nSELECT 2;\n",
                         ":3: unterminated block comment", 1);
    /* SQLite's block comments do not nest: the same file is fine there */
    GEN_RUN(&r, dir, "check", "--dialect", "sqlite", "m");
    assert_run(&r, 0, "migrator-gen: 1 migration OK, versions 20240101000000 to 20240101000000\n",
               "");
    gen_result_free(&r);
}

static void test_unterminated_trigger_body(void **state)
{
    expect_file_rejected(state, "20240101000000_x.sql",
                         "-- migrate:up\nCREATE TABLE t (a INTEGER);\n"
                         "CREATE TRIGGER t_ai AFTER INSERT ON t\nFOR EACH ROW\nBEGIN\n"
                         "  UPDATE t SET a = 1;\n",
                         ":5: unterminated trigger body: BEGIN without END", 1);
}

static void test_unterminated_begin_atomic(void **state)
{
    expect_file_rejected(state, "20240101000000_x.sql",
                         "-- migrate:up\nCREATE FUNCTION f() RETURNS integer\nLANGUAGE sql\n"
                         "BEGIN ATOMIC\n  SELECT 1;\n-- migrate:down\nDROP FUNCTION f;\n",
                         ":4: unterminated BEGIN ATOMIC body: BEGIN without END", 1);
}

static void test_unclosed_parenthesis(void **state)
{
    expect_file_rejected(state, "20240101000000_x.sql",
                         "-- migrate:up\nCREATE TABLE t (\n  a INTEGER;\n",
                         ":2: unclosed parenthesis", 1);
}

/* ---- bytes ------------------------------------------------------------- */

static void test_nul_byte(void **state)
{
    static const char content[] = "-- migrate:up\nSELECT 1;\nSELECT 'a\0b';\n";
    const char *dir = DIR_OF(state);
    gen_write_bytes(dir, "m/20240101000000_x.sql", content, sizeof(content) - 1);
    expect_check_fails(dir, "migrator-gen: m/20240101000000_x.sql:3: NUL byte in a migration file\n"
                            "migrator-gen: 1 error in 1 migration\n");
}

static void test_invalid_utf8(void **state)
{
    const char *dir = DIR_OF(state);
    /* Latin-1, an overlong '/', a UTF-16 surrogate, a truncated sequence */
    gen_write(dir, "m/20240101000000_latin1.sql", "-- migrate:up\nSELECT 'caf\xe9';\n");
    gen_write(dir, "m/20240102000000_overlong.sql", "-- migrate:up\n\n\nSELECT '\xc0\xaf';\n");
    gen_write(dir, "m/20240103000000_surrogate.sql", "-- \xed\xa0\x80\n-- migrate:up\n");
    gen_write(dir, "m/20240104000000_truncated.sql", "-- migrate:up\n-- migrate:down\n\xe2\x82");
    expect_check_fails(
        dir,
        "migrator-gen: m/20240101000000_latin1.sql:2: invalid UTF-8 (byte 0xe9): migration files "
        "must be UTF-8\n"
        "migrator-gen: m/20240102000000_overlong.sql:4: invalid UTF-8 (byte 0xc0): migration files "
        "must be UTF-8\n"
        "migrator-gen: m/20240103000000_surrogate.sql:1: invalid UTF-8 (byte 0xed): migration "
        "files must be UTF-8\n"
        "migrator-gen: m/20240104000000_truncated.sql:3: invalid UTF-8 (byte 0xe2): migration "
        "files must be UTF-8\n"
        "migrator-gen: 4 errors in 4 migrations\n");
}

static void test_valid_utf8_bom_and_crlf(void **state)
{
    const char *dir = DIR_OF(state);
    gen_result r;
    gen_write(dir, "m/20240101000000_x.sql",
              "\xef\xbb\xbf-- migrate:up\r\nINSERT INTO t VALUES "
              "('\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80');"
              "\r\n-- migrate:down\r\n");
    GEN_RUN(&r, dir, "check", "m");
    assert_run(&r, 0, "migrator-gen: 1 migration OK, versions 20240101000000 to 20240101000000\n",
               "");
    gen_result_free(&r);
}

/* ---- files and directories that cannot be read ------------------------- */

static void test_unreadable_file(void **state)
{
    const char *dir = DIR_OF(state);
    char *path = gen_path(dir, "m/20240101000000_x.sql");
    int readable;

    gen_write(dir, "m/20240101000000_x.sql", OK_SQL);
    assert_int_equal(chmod(path, 0), 0);
    readable = access(path, R_OK) == 0;
    free(path);
    if (readable) /* root reads it anyway: see test_dangling_symlink */
        skip();
    expect_check_fails(dir, "migrator-gen: m/20240101000000_x.sql: cannot read: Permission denied\n"
                            "migrator-gen: 1 error in 1 migration\n");
}

static void test_dangling_symlink(void **state)
{
    const char *dir = DIR_OF(state);
    char *link = gen_path(dir, "m/20240101000000_gone.sql");
    gen_write(dir, "m/20240102000000_ok.sql", OK_SQL);
    assert_int_equal(symlink("moved_away.sql", link), 0);
    free(link);
    expect_check_fails(dir, "migrator-gen: m/20240101000000_gone.sql: cannot read: No such file or "
                            "directory\n"
                            "migrator-gen: 1 error in 1 migration\n");
}

static void test_missing_directory(void **state)
{
    const char *dir = DIR_OF(state);
    gen_result r;
    GEN_RUN(&r, dir, "check", "priv/repo/migrations");
    assert_run(&r, 1, "",
               "migrator-gen: priv/repo/migrations: migrations directory not found: No such file "
               "or directory\n"
               "migrator-gen: 1 error in 0 migrations\n");
    gen_result_free(&r);

    GEN_RUN(&r, dir, "table", "--repo", "repo", "--output", "repo_migrations.c", "--header",
            "repo_migrations.h", "nope");
    assert_run(&r, 1, "",
               "migrator-gen: nope: migrations directory not found: No such file or directory\n");
    gen_result_free(&r);
    assert_false(gen_exists(dir, "repo_migrations.c"));
    assert_false(gen_exists(dir, "repo_migrations.h"));
}

static void test_directory_is_a_file(void **state)
{
    const char *dir = DIR_OF(state);
    gen_result r;
    gen_write(dir, "20240101000000_x.sql", OK_SQL);
    GEN_RUN(&r, dir, "check", "20240101000000_x.sql");
    assert_run(&r, 1, "",
               "migrator-gen: 20240101000000_x.sql: not a directory\n"
               "migrator-gen: 1 error in 0 migrations\n");
    gen_result_free(&r);
}

static void test_empty_directory(void **state)
{
    const char *dir = DIR_OF(state);
    gen_result r;
    char *c, *h;

    gen_mkdirs(dir, "m");
    gen_mkdirs(dir, "out");
    GEN_RUN(&r, dir, "check", "m");
    assert_run(&r, 0, "migrator-gen: no migrations\n", "");
    gen_result_free(&r);

    GEN_RUN(&r, dir, "table", "--repo", "empty", "--output", "out/empty_migrations.c", "--header",
            "out/empty_migrations.h", "m");
    assert_run(&r, 0, "", "");
    gen_result_free(&r);
    c = gen_read_at(dir, "out/empty_migrations.c", NULL);
    h = gen_read_at(dir, "out/empty_migrations.h", NULL);
    assert_non_null(c);
    assert_non_null(h);
    assert_contains(c, "#include \"empty_migrations.h\"\n");
    assert_contains(c, "const migrator_table empty_migrations = {\n"
                       "    MIGRATOR_TABLE_ABI_VERSION,\n"
                       "    \"empty\",\n"
                       "    MIGRATOR_DIALECT_ANY,\n"
                       "    MIGRATOR_CHECKSUM_SHA256_V1,\n"
                       "    NULL,\n"
                       "    0\n"
                       "};\n");
    assert_null(strstr(c, "migrator_migration_list"));
    assert_null(strstr(c, "migrator_text_"));
    assert_contains(h, "extern const migrator_table empty_migrations;\n");
    free(c);
    free(h);
}

static void test_several_errors_in_one_run(void **state)
{
    const char *dir = DIR_OF(state);
    gen_write(dir, "m/20240101000000_ok.sql", OK_SQL);
    gen_write(dir, "m/20240102000000_paren.sql", "-- migrate:up\nSELECT (1;\n");
    gen_write(dir, "m/20240103000000_Bad.sql", OK_SQL);
    gen_write(dir, "m/sub/20240101000000_dup.sql", OK_SQL);
    gen_write(dir, "m/sub/20240104000000_noup.sql", "SELECT 1;\n");
    gen_write(dir, "m/sub/deeper/20240105000000_quote.sql", "-- migrate:up\n\n  SELECT 'x;\n");
    gen_write(dir, "m/zz/20240106000000_ok.sql", OK_SQL);
    gen_write(dir, "m/zz/20240107000000_x.sql~", OK_SQL);
    expect_check_fails(
        dir,
        "migrator-gen: m/20240102000000_paren.sql:2: unclosed parenthesis\n"
        "migrator-gen: m/20240103000000_Bad.sql: invalid name: use lower-case letters, digits and "
        "underscores ([a-z0-9_]+)\n"
        "migrator-gen: m/sub/20240104000000_noup.sql:1: SQL before -- migrate:up: only comments "
        "may come first\n"
        "migrator-gen: m/sub/deeper/20240105000000_quote.sql:3: unterminated quoted string\n"
        "migrator-gen: m/zz/20240107000000_x.sql~: wrong extension: a migration file name ends in "
        ".sql\n"
        "migrator-gen: m/sub/20240101000000_dup.sql: duplicate version 20240101000000: also "
        "m/20240101000000_ok.sql\n"
        "migrator-gen: m/zz/20240106000000_ok.sql: warning: name \"ok\" is also used by "
        "m/20240101000000_ok.sql\n"
        "migrator-gen: 6 errors in 6 migrations\n");
}

/* ---- usage ------------------------------------------------------------- */

static void expect_usage_error(const char *dir, const char *const *args, const char *err)
{
    gen_result r;
    gen_run(&r, dir, args);
    assert_run(&r, 2, "", err);
    gen_result_free(&r);
}

#define EXPECT_USAGE(dir, err, ...)                                                                \
    expect_usage_error((dir), (const char *const[]){__VA_ARGS__, NULL}, (err))

static void test_usage_no_command(void **state)
{
    gen_result r;
    gen_run(&r, DIR_OF(state), (const char *const[]){NULL});
    assert_run(&r, 2, "", NULL);
    assert_contains(r.err, "Usage: migrator-gen COMMAND");
    gen_result_free(&r);
}

static void test_usage_unknown_command(void **state)
{
    EXPECT_USAGE(DIR_OF(state),
                 "migrator-gen: unknown command \"frobnicate\"\nTry 'migrator-gen --help'.\n",
                 "frobnicate", "m");
    EXPECT_USAGE(DIR_OF(state),
                 "migrator-gen: unknown command \"--repo\"\nTry 'migrator-gen --help'.\n", "--repo",
                 "x", "table");
}

static void test_usage_unknown_option(void **state)
{
    const char *dir = DIR_OF(state);
    gen_mkdirs(dir, "m");
    EXPECT_USAGE(dir, "migrator-gen table: unknown option --frobnicate" USAGE_TAIL("table"),
                 "table", "--repo", "r", "--output", "r.c", "--header", "r.h", "--frobnicate", "m");
    EXPECT_USAGE(dir, "migrator-gen check: unknown option -x" USAGE_TAIL("check"), "check", "-x",
                 "m");
    EXPECT_USAGE(dir, "migrator-gen new: unknown option --force" USAGE_TAIL("new"), "new",
                 "--force", "x", "--dir", "m");
    EXPECT_USAGE(dir, "migrator-gen table: --repo needs a value" USAGE_TAIL("table"), "table",
                 "--repo");
    EXPECT_USAGE(dir, "migrator-gen new: --dir needs a value" USAGE_TAIL("new"), "new", "x",
                 "--dir");
    /* nothing was written */
    {
        char *listing = gen_list_dir(dir, ".");
        assert_string_equal(listing, "m\n");
        free(listing);
    }
}

static void test_usage_table_missing_options(void **state)
{
    const char *dir = DIR_OF(state);
    gen_mkdirs(dir, "m");
    EXPECT_USAGE(dir, "migrator-gen table: --repo is required" USAGE_TAIL("table"), "table",
                 "--output", "r.c", "--header", "r.h", "m");
    EXPECT_USAGE(dir, "migrator-gen table: --output is required" USAGE_TAIL("table"), "table",
                 "--repo", "r", "--header", "r.h", "m");
    EXPECT_USAGE(dir, "migrator-gen table: --header is required" USAGE_TAIL("table"), "table",
                 "--repo", "r", "--output", "r.c", "m");
    EXPECT_USAGE(dir, "migrator-gen table: no migrations directory given" USAGE_TAIL("table"),
                 "table", "--repo", "r", "--output", "r.c", "--header", "r.h");
    EXPECT_USAGE(dir,
                 "migrator-gen table: --header: the file name may hold only letters, digits, '_', "
                 "'-' and '.'" USAGE_TAIL("table"),
                 "table", "--repo", "r", "--output", "r.c", "--header", "out/r\"x.h", "m");
}

static void test_usage_table_bad_repo(void **state)
{
    const char *dir = DIR_OF(state);
    gen_mkdirs(dir, "m");
    EXPECT_USAGE(dir,
                 "migrator-gen table: --repo \"my-repo\" is not a C identifier "
                 "([A-Za-z_][A-Za-z0-9_]*)" USAGE_TAIL("table"),
                 "table", "--repo", "my-repo", "--output", "r.c", "--header", "r.h", "m");
    EXPECT_USAGE(dir,
                 "migrator-gen table: --repo \"1repo\" is not a C identifier "
                 "([A-Za-z_][A-Za-z0-9_]*)" USAGE_TAIL("table"),
                 "table", "--repo", "1repo", "--output", "r.c", "--header", "r.h", "m");
    EXPECT_USAGE(dir,
                 "migrator-gen table: --repo \"\" is not a C identifier "
                 "([A-Za-z_][A-Za-z0-9_]*)" USAGE_TAIL("table"),
                 "table", "--repo", "", "--output", "r.c", "--header", "r.h", "m");
}

static void test_usage_bad_dialect(void **state)
{
    const char *dir = DIR_OF(state);
    gen_mkdirs(dir, "m");
    EXPECT_USAGE(
        dir,
        "migrator-gen table: --dialect: expected sqlite, postgres or any, got \"mysql\"" USAGE_TAIL(
            "table"),
        "table", "--repo", "r", "--output", "r.c", "--header", "r.h", "--dialect", "mysql", "m");
    EXPECT_USAGE(dir,
                 "migrator-gen check: --dialect: expected sqlite, postgres or any, got "
                 "\"SQLite\"" USAGE_TAIL("check"),
                 "check", "--dialect", "SQLite", "m");
}

static void test_usage_no_dir(void **state)
{
    const char *dir = DIR_OF(state);
    EXPECT_USAGE(dir, "migrator-gen check: no migrations directory given" USAGE_TAIL("check"),
                 "check");
    EXPECT_USAGE(
        dir,
        "migrator-gen new: expected the migration's NAME, e.g. add_weather_table" USAGE_TAIL("new"),
        "new", "--dir", "m");
    EXPECT_USAGE(dir, "migrator-gen new: --dir is required" USAGE_TAIL("new"), "new", "add_x");
    EXPECT_USAGE(dir, "migrator-gen new: expected one NAME, got \"a\" and \"b\"" USAGE_TAIL("new"),
                 "new", "a", "b", "--dir", "m");
    assert_false(gen_exists(dir, "m"));
}

static void expect_help(const char *dir, const char *const *args, const char *const *mentions)
{
    gen_result r;
    gen_run(&r, dir, args);
    assert_run(&r, 0, NULL, "");
    for (; *mentions; mentions++)
        assert_contains(r.out, *mentions);
    gen_result_free(&r);
}

#define EXPECT_HELP(dir, args, ...)                                                                \
    expect_help((dir), (args), (const char *const[]){__VA_ARGS__, NULL})

static void test_help(void **state)
{
    const char *dir = DIR_OF(state);
    static const char *const top[] = {"--help", NULL}, *const word[] = {"help", NULL};
    static const char *const table[] = {"table", "--help", NULL};
    static const char *const table_late[] = {"table", "--repo", "r", "--help", NULL};
    static const char *const new_[] = {"new", "--help", NULL};
    static const char *const check[] = {"check", "--help", NULL};

    EXPECT_HELP(dir, top, "Usage: migrator-gen COMMAND", "  table ", "  new ", "  check ",
                "--version");
    EXPECT_HELP(dir, word, "Usage: migrator-gen COMMAND");
    EXPECT_HELP(dir, table, "Usage: migrator-gen table", "--repo NAME", "--output FILE.c",
                "--header FILE.h", "--depfile FILE.d", "--dialect D", "--base DIR",
                "--template-dir DIR", "--m4 PROGRAM", "--help");
    EXPECT_HELP(dir, table_late, "Usage: migrator-gen table");
    EXPECT_HELP(dir, new_, "Usage: migrator-gen new NAME --dir DIR", "--dir DIR", "--template FILE",
                "--template-dir DIR", "--m4 PROGRAM", "--help");
    EXPECT_HELP(dir, check, "Usage: migrator-gen check", "--dialect D", "--help");
}

static void test_version(void **state)
{
    gen_result r;
    GEN_RUN(&r, DIR_OF(state), "--version");
    assert_run(&r, 0, NULL, "");
    assert_int_equal(strncmp(r.out, "migrator-gen ", 13), 0);
    assert_int_equal(r.out[strlen(r.out) - 1], '\n');
    gen_result_free(&r);
}

/* ---- check ------------------------------------------------------------- */

static void test_check_summary(void **state)
{
    const char *dir = DIR_OF(state);
    gen_result r;
    gen_write(dir, "priv/repo/migrations/20240301000000_c.sql", OK_SQL);
    gen_write(dir, "priv/repo/migrations/2024/20240101000000_a.sql", OK_SQL);
    gen_write(dir, "other/20240201000000_b.sql", "-- migrate:up\n");
    GEN_RUN(&r, dir, "check", "priv/repo/migrations", "other");
    assert_run(&r, 0, "migrator-gen: 3 migrations OK, versions 20240101000000 to 20240301000000\n",
               "");
    gen_result_free(&r);
    GEN_RUN(&r, dir, "check", "other");
    assert_run(&r, 0, "migrator-gen: 1 migration OK, versions 20240201000000 to 20240201000000\n",
               "");
    gen_result_free(&r);
}

static void test_check_no_migrations(void **state)
{
    const char *dir = DIR_OF(state);
    gen_result r;
    gen_write(dir, "m/README.md", "nothing yet\n");
    gen_mkdirs(dir, "m/sub");
    GEN_RUN(&r, dir, "check", "m");
    assert_run(&r, 0, "migrator-gen: no migrations\n", "");
    gen_result_free(&r);
}

/* ---- new --------------------------------------------------------------- */

static int64_t utc_version(time_t when)
{
    struct tm utc;
    gmtime_r(&when, &utc);
    return (((((int64_t)utc.tm_year + 1900) * 100 + utc.tm_mon + 1) * 100 + utc.tm_mday) * 100 +
            utc.tm_hour) *
               10000 +
           utc.tm_min * 100 + utc.tm_sec;
}

/* Parses "* creating DIR/<VERSION>_name.sql\n" (the last line of out). */
static int64_t created_version(const char *out, const char *dir, const char *name)
{
    char *prefix = gen_format("* creating %s/", dir);
    const char *line = strstr(out, prefix), *digits;
    char *end;
    int64_t version;

    assert_non_null(line);
    digits = line + strlen(prefix);
    version = (int64_t)strtoll(digits, &end, 10);
    assert_true(end > digits);
    assert_int_equal(*end, '_');
    assert_int_equal(strncmp(end + 1, name, strlen(name)), 0);
    assert_string_equal(end + 1 + strlen(name), ".sql\n");
    free(prefix);
    return version;
}

static void test_new_creates_file(void **state)
{
    const char *dir = DIR_OF(state);
    gen_result r;
    time_t before, after;
    int64_t version;
    char *relative, *content, *expected, *summary;
    struct stat info;

    gen_mkdirs(dir, "m");
    before = time(NULL);
    GEN_RUN(&r, dir, "new", "add_weather", "--dir", "m");
    after = time(NULL);
    assert_run(&r, 0, NULL, "");
    version = created_version(r.out, "m", "add_weather");
    relative = gen_format("m/%" PRId64 "_add_weather.sql", version);
    expected = gen_format("* creating %s\n", relative);
    assert_string_equal(r.out, expected); /* the directory existed: no "* creating m" */
    gen_result_free(&r);
    free(expected);

    /* the UTC time of the run as YYYYMMDDhhmmss */
    assert_in_range(version, utc_version(before), utc_version(after));
    assert_true(version >= INT64_C(10000000000000) && version <= INT64_C(99999999999999));

    content = gen_read_at(dir, relative, NULL);
    assert_non_null(content);
    expected = gen_format("-- Migration %" PRId64 " add_weather\n--\n", version);
    assert_int_equal(strncmp(content, expected, strlen(expected)), 0);
    assert_contains(content, "\n-- migrate:up\n");
    assert_contains(content, "\n-- migrate:down\n");
    assert_null(strstr(content, "MIGRATOR_GEN"));
    assert_null(strstr(content, "m4_"));
    free(expected);
    free(content);

    /* an ordinary source file (umask 022 in main): not mkstemp's 0600 */
    {
        char *path = gen_path(dir, relative);
        assert_int_equal(stat(path, &info), 0);
        assert_int_equal(info.st_mode & 0777, 0644);
        free(path);
    }
    /* no temporary file is left behind */
    {
        char *listing = gen_list_dir(dir, "m"), *file = gen_format("%s\n", relative + 2);
        assert_string_equal(listing, file);
        free(listing);
        free(file);
    }

    /* the new file is itself a valid migration */
    GEN_RUN(&r, dir, "check", "m");
    summary = gen_format("migrator-gen: 1 migration OK, versions %" PRId64 " to %" PRId64 "\n",
                         version, version);
    assert_run(&r, 0, summary, "");
    gen_result_free(&r);
    free(summary);
    free(relative);
}

static void test_new_creates_directory(void **state)
{
    const char *dir = DIR_OF(state);
    gen_result r;
    int64_t version;
    char *expected;

    GEN_RUN(&r, dir, "new", "create_users", "--dir", "priv/repo/migrations");
    assert_run(&r, 0, NULL, "");
    version = created_version(r.out, "priv/repo/migrations", "create_users");
    expected = gen_format("* creating priv/repo/migrations\n"
                          "* creating priv/repo/migrations/%" PRId64 "_create_users.sql\n",
                          version);
    assert_string_equal(r.out, expected);
    free(expected);
    gen_result_free(&r);
    expected = gen_format("%" PRId64 "_create_users.sql", version);
    {
        char *listing = gen_list_dir(dir, "priv/repo/migrations"),
             *line = gen_format("%s\n", expected);
        assert_string_equal(listing, line);
        free(listing);
        free(line);
    }
    free(expected);
}

static void test_new_dir_with_trailing_slash(void **state)
{
    const char *dir = DIR_OF(state);
    gen_result r;
    int64_t version;
    char *expected;

    gen_mkdirs(dir, "m");
    GEN_RUN(&r, dir, "new", "x", "--dir", "m//");
    assert_run(&r, 0, NULL, "");
    version = created_version(r.out, "m", "x");
    expected = gen_format("* creating m/%" PRId64 "_x.sql\n", version);
    assert_string_equal(r.out, expected);
    free(expected);
    gen_result_free(&r);
}

static void test_new_twice_in_a_row(void **state)
{
    const char *dir = DIR_OF(state);
    gen_result r;
    int64_t first, second, third;

    GEN_RUN(&r, dir, "new", "first", "--dir", "m");
    assert_run(&r, 0, NULL, "");
    first = created_version(r.out, "m", "first");
    gen_result_free(&r);
    GEN_RUN(&r, dir, "new", "second", "--dir", "m");
    assert_run(&r, 0, NULL, "");
    second = created_version(r.out, "m", "second");
    gen_result_free(&r);
    GEN_RUN(&r, dir, "new", "third", "--dir", "m");
    assert_run(&r, 0, NULL, "");
    third = created_version(r.out, "m", "third");
    gen_result_free(&r);
    assert_true(first < second);
    assert_true(second < third);
    {
        char *listing = gen_list_dir(dir, "m");
        char *expected =
            gen_format("%" PRId64 "_first.sql\n%" PRId64 "_second.sql\n%" PRId64 "_third.sql\n",
                       first, second, third);
        assert_string_equal(listing, expected);
        free(listing);
        free(expected);
    }
}

static void test_new_after_future_version(void **state)
{
    const char *dir = DIR_OF(state);
    gen_result r;
    gen_write(dir, "m/99990101000000_from_the_future.sql", OK_SQL);
    gen_write(dir, "m/sub/20200101000000_old.sql", OK_SQL);
    GEN_RUN(&r, dir, "new", "next", "--dir", "m");
    assert_run(&r, 0, "* creating m/99990101000001_next.sql\n", "");
    gen_result_free(&r);
    GEN_RUN(&r, dir, "new", "after_next", "--dir", "m");
    assert_run(&r, 0, "* creating m/99990101000002_after_next.sql\n", "");
    gen_result_free(&r);
    GEN_RUN(&r, dir, "check", "m");
    assert_run(&r, 0, "migrator-gen: 4 migrations OK, versions 20200101000000 to 99990101000002\n",
               "");
    gen_result_free(&r);
}

static void test_new_no_version_left(void **state)
{
    const char *dir = DIR_OF(state);
    gen_result r;
    gen_write(dir, "m/9223372036854775807_last.sql", OK_SQL);
    GEN_RUN(&r, dir, "new", "more", "--dir", "m");
    assert_run(&r, 1, "",
               "migrator-gen: m/9223372036854775807_last.sql: no version is left after "
               "9223372036854775807\n");
    gen_result_free(&r);
}

static void test_new_invalid_name(void **state)
{
    const char *dir = DIR_OF(state);
    EXPECT_USAGE(dir,
                 "migrator-gen new: invalid name \"Add-Weather\": use lower-case letters, digits "
                 "and underscores ([a-z0-9_]+)" USAGE_TAIL("new"),
                 "new", "Add-Weather", "--dir", "m");
    EXPECT_USAGE(dir,
                 "migrator-gen new: invalid name \"\": use lower-case letters, digits "
                 "and underscores ([a-z0-9_]+)" USAGE_TAIL("new"),
                 "new", "", "--dir", "m");
    EXPECT_USAGE(dir,
                 "migrator-gen new: invalid name \"x.sql\": use lower-case letters, digits "
                 "and underscores ([a-z0-9_]+)" USAGE_TAIL("new"),
                 "new", "x.sql", "--dir", "m");
    assert_false(gen_exists(dir, "m"));
}

static void test_new_taken_name(void **state)
{
    const char *dir = DIR_OF(state);
    char *listing;
    gen_result r;

    gen_write(dir, "m/sub/20240101000000_add_weather.sql", OK_SQL);
    GEN_RUN(&r, dir, "new", "add_weather", "--dir", "m");
    assert_run(&r, 1, "",
               "migrator-gen: m/sub/20240101000000_add_weather.sql: a migration named "
               "\"add_weather\" exists already\n");
    gen_result_free(&r);
    listing = gen_list_dir(dir, "m");
    assert_string_equal(listing, "sub\n");
    free(listing);
}

static void test_new_custom_template(void **state)
{
    const char *dir = DIR_OF(state);
    gen_result r;
    int64_t version;
    char *relative, *content, *expected;

    gen_write(dir, "templates/custom.sql.m4",
              "-- custom template for MIGRATOR_GEN_NAME, version MIGRATOR_GEN_VERSION\n"
              "-- migrate:up\n"
              "CREATE TABLE MIGRATOR_GEN_NAME (id INTEGER PRIMARY KEY);\n"
              "-- migrate:down\n"
              "DROP TABLE MIGRATOR_GEN_NAME;\n");
    GEN_RUN(&r, dir, "new", "widgets", "--dir", "m", "--template", "templates/custom.sql.m4");
    assert_run(&r, 0, NULL, "");
    version = created_version(r.out, "m", "widgets");
    gen_result_free(&r);
    relative = gen_format("m/%" PRId64 "_widgets.sql", version);
    content = gen_read_at(dir, relative, NULL);
    expected = gen_format("-- custom template for widgets, version %" PRId64 "\n"
                          "-- migrate:up\n"
                          "CREATE TABLE widgets (id INTEGER PRIMARY KEY);\n"
                          "-- migrate:down\n"
                          "DROP TABLE widgets;\n",
                          version);
    assert_non_null(content);
    assert_string_equal(content, expected);
    free(content);
    free(expected);
    free(relative);

    GEN_RUN(&r, dir, "new", "gadgets", "--dir", "m", "--template", "templates/missing.sql.m4");
    assert_run(&r, 1, "",
               "migrator-gen: templates/missing.sql.m4: cannot read template: No such file or "
               "directory\n");
    gen_result_free(&r);
}

static void test_new_template_dir(void **state)
{
    const char *dir = DIR_OF(state);
    gen_result r;
    int64_t version;
    char *relative, *content, *expected;

    gen_write(dir, "tpl/migration.sql.m4", "-- MIGRATOR_GEN_VERSION\n-- migrate:up\n");
    GEN_RUN(&r, dir, "new", "x", "--dir", "m", "--template-dir", "tpl");
    assert_run(&r, 0, NULL, "");
    version = created_version(r.out, "m", "x");
    gen_result_free(&r);
    relative = gen_format("m/%" PRId64 "_x.sql", version);
    content = gen_read_at(dir, relative, NULL);
    expected = gen_format("-- %" PRId64 "\n-- migrate:up\n", version);
    assert_non_null(content);
    assert_string_equal(content, expected);
    free(content);
    free(expected);
    free(relative);
}

/* A name that is also an m4 macro must reach the file as it is. */
static void test_new_name_like_m4_macro(void **state)
{
    const char *dir = DIR_OF(state);
    gen_result r;
    int64_t version;
    char *relative, *content, *expected;

    GEN_RUN(&r, dir, "new", "m4_m4exit", "--dir", "m");
    assert_run(&r, 0, NULL, "");
    version = created_version(r.out, "m", "m4_m4exit");
    gen_result_free(&r);
    relative = gen_format("m/%" PRId64 "_m4_m4exit.sql", version);
    content = gen_read_at(dir, relative, NULL);
    expected = gen_format("-- Migration %" PRId64 " m4_m4exit\n--\n", version);
    assert_non_null(content);
    assert_int_equal(strncmp(content, expected, strlen(expected)), 0);
    assert_contains(content, "\n-- migrate:up\n");
    free(content);
    free(expected);
    free(relative);
    GEN_RUN(&r, dir, "check", "m");
    assert_run(&r, 0, NULL, "");
    gen_result_free(&r);
}

/* ---- table ------------------------------------------------------------- */

static void write_three(const char *dir, const char *migrations)
{
    char *a = gen_format("%s/20240101000000_create_t.sql", migrations);
    char *b = gen_format("%s/2024/20240201000000_add_index.sql", migrations);
    char *c = gen_format("%s/20240301000000_seed.sql", migrations);
    gen_write(dir, a, OK_SQL);
    gen_write(dir, b,
              "-- migrate:disable_ddl_transaction\n-- migrate:up\n"
              "CREATE INDEX CONCURRENTLY t_a ON t (a);\n");
    gen_write(dir, c,
              "-- migrate:up\nINSERT INTO t VALUES (1);\nINSERT INTO t VALUES (2);\n"
              "-- migrate:down\n");
    free(a);
    free(b);
    free(c);
}

static void run_table(const char *dir, const char *migrations)
{
    gen_result r;
    GEN_RUN(&r, dir, "table", "--repo", "repo", "--output", "out/repo_migrations.c", "--header",
            "out/repo_migrations.h", "--depfile", "out/repo_migrations.d", migrations);
    assert_run(&r, 0, "", "");
    gen_result_free(&r);
}

static void test_table_writes_outputs(void **state)
{
    const char *dir = DIR_OF(state);
    char *c, *h, *listing;

    write_three(dir, "m");
    gen_mkdirs(dir, "out");
    run_table(dir, "m");
    listing = gen_list_dir(dir, "out");
    assert_string_equal(listing, "repo_migrations.c\nrepo_migrations.d\nrepo_migrations.h\n");
    free(listing);

    h = gen_read_at(dir, "out/repo_migrations.h", NULL);
    assert_string_equal(
        h, "/* Generated by migrator-gen from the migrations of repo \"repo\".\n"
           " * Do not edit: edit the migration files and rebuild. */\n"
           "#ifndef MIGRATOR_GENERATED_REPO_MIGRATIONS_H\n"
           "#define MIGRATOR_GENERATED_REPO_MIGRATIONS_H\n"
           "\n"
           "#include <migrator.h>\n"
           "\n"
           "#ifdef __cplusplus\n"
           "extern \"C\" {\n"
           "#endif\n"
           "\n"
           "/* The migrations of repo \"repo\", sorted by version: count 3,\n"
           " * versions 20240101000000 to 20240301000000. Static data: never free it. */\n"
           "extern const migrator_table repo_migrations;\n"
           "\n"
           "#ifdef __cplusplus\n"
           "}\n"
           "#endif\n"
           "\n"
           "#endif\n");
    free(h);

    c = gen_read_at(dir, "out/repo_migrations.c", NULL);
    assert_contains(c, "#include \"repo_migrations.h\"\n");
    /* each migration's name, file and checksum open its blob; the list
     * points at them */
    assert_contains(c, "static const char migrator_blob_0[] =\n"
                       "    \"create_t\\0\"\n"
                       "    \"m/20240101000000_create_t.sql\\0\"\n");
    assert_contains(c, "    \"add_index\\0\"\n"
                       "    \"m/2024/20240201000000_add_index.sql\\0\"\n");
    assert_contains(c, "    /* 20240101000000_create_t */\n"
                       "    {INT64_C(20240101000000), migrator_blob_0 + 0, migrator_blob_0 + 9, 0x4u,\n");
    assert_contains(c, "    {INT64_C(20240201000000), migrator_blob_1 + 0, migrator_blob_1 + 10, 0x1u,\n");
    assert_contains(c, "    \"INSERT INTO t VALUES (2)\\0\"\n");
    assert_contains(c, "const migrator_table repo_migrations = {\n"
                       "    MIGRATOR_TABLE_ABI_VERSION,\n"
                       "    \"repo\",\n"
                       "    MIGRATOR_DIALECT_ANY,\n"
                       "    MIGRATOR_CHECKSUM_SHA256_V1,\n"
                       "    migrator_migration_list,\n"
                       "    3\n"
                       "};\n");
    free(c);
}

static void test_table_dialect(void **state)
{
    const char *dir = DIR_OF(state);
    static const char *const dialects[][2] = {{"sqlite", "MIGRATOR_DIALECT_SQLITE"},
                                              {"postgres", "MIGRATOR_DIALECT_POSTGRES"},
                                              {"any", "MIGRATOR_DIALECT_ANY"}};
    size_t i;
    write_three(dir, "m");
    for (i = 0; i < 3; i++) {
        gen_result r;
        char *c, *expected = gen_format("    \"repo\",\n    %s,\n", dialects[i][1]);
        GEN_RUN(&r, dir, "table", "--repo", "repo", "--output", "repo_migrations.c", "--header",
                "repo_migrations.h", "--dialect", dialects[i][0], "m");
        assert_run(&r, 0, "", "");
        gen_result_free(&r);
        c = gen_read_at(dir, "repo_migrations.c", NULL);
        assert_contains(c, expected);
        free(c);
        free(expected);
    }
}

static void set_old_mtime(const char *dir, const char *relative)
{
    char *path = gen_path(dir, relative);
    struct timespec times[2];
    times[0].tv_sec = times[1].tv_sec = 946684800; /* 2000-01-01 */
    times[0].tv_nsec = times[1].tv_nsec = 0;
    assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
    free(path);
}

static struct stat stat_at(const char *dir, const char *relative)
{
    char *path = gen_path(dir, relative);
    struct stat info;
    assert_int_equal(stat(path, &info), 0);
    free(path);
    return info;
}

static void test_table_rewrites_nothing_unchanged(void **state)
{
    const char *dir = DIR_OF(state);
    static const char *const outputs[] = {"out/repo_migrations.c", "out/repo_migrations.h",
                                          "out/repo_migrations.d"};
    struct stat before[3], after;
    char *listing;
    size_t i;

    write_three(dir, "m");
    gen_mkdirs(dir, "out");
    run_table(dir, "m");
    for (i = 0; i < 3; i++) {
        set_old_mtime(dir, outputs[i]);
        before[i] = stat_at(dir, outputs[i]);
    }
    run_table(dir, "m");
    for (i = 0; i < 3; i++) {
        after = stat_at(dir, outputs[i]);
        assert_int_equal(after.st_mtime, 946684800);
        assert_int_equal(after.st_ino, before[i].st_ino);
    }
    listing = gen_list_dir(dir, "out"); /* no temporary file left */
    assert_string_equal(listing, "repo_migrations.c\nrepo_migrations.d\nrepo_migrations.h\n");
    free(listing);

    /* a changed statement rewrites the .c only: the header and the
     * dependencies stay the same */
    gen_write(dir, "m/20240301000000_seed.sql",
              "-- migrate:up\nINSERT INTO t VALUES (1);\nINSERT INTO t VALUES (3);\n"
              "-- migrate:down\n");
    run_table(dir, "m");
    assert_int_not_equal(stat_at(dir, outputs[0]).st_mtime, 946684800);
    assert_int_equal(stat_at(dir, outputs[1]).st_mtime, 946684800);
    assert_int_equal(stat_at(dir, outputs[2]).st_mtime, 946684800);

    /* a new migration changes all three */
    for (i = 0; i < 3; i++)
        set_old_mtime(dir, outputs[i]);
    gen_write(dir, "m/20240401000000_more.sql", OK_SQL);
    run_table(dir, "m");
    for (i = 0; i < 3; i++)
        assert_int_not_equal(stat_at(dir, outputs[i]).st_mtime, 946684800);
}

/* The same migrations in two places, written in opposite orders (so that
 * directory order differs), generated with --base and absolute paths. */
static void test_table_reproducible(void **state)
{
    const char *dir = DIR_OF(state);
    static const char *const files[][2] = {
        {"20240101000000_one.sql", OK_SQL},
        {"a/20240102000000_two.sql", "-- migrate:up\nSELECT 2;\n"},
        {"20240103000000_three.sql", "-- migrate:up\nSELECT 3;\n-- migrate:down\n"},
        {"b/c/20240104000000_four.sql", "-- migrate:up\nSELECT 4;\n"},
        {"20240105000000_five.sql",
         "-- migrate:disable_migration_lock\n-- migrate:up\nSELECT 5;\n"},
        {"a/20240106000000_six.sql", "-- migrate:up\nSELECT '\xc3\xa9';\n"},
    };
    size_t count = sizeof(files) / sizeof(files[0]), i;
    const char *trees[2] = {"build one/src", "elsewhere/deeper/src"};
    char *c[2], *h[2];
    size_t c_size[2], h_size[2];
    int t;

    for (t = 0; t < 2; t++) {
        gen_result r;
        char *base = gen_format("%s/%s", dir, trees[t]);
        char *migrations = gen_format("%s/priv/repo/migrations", base);
        char *out_c = gen_format("%s/out%d/repo_migrations.c", dir, t);
        char *out_h = gen_format("%s/out%d/repo_migrations.h", dir, t);
        char *out_dir = gen_format("out%d", t);
        for (i = 0; i < count; i++) {
            size_t k = t == 0 ? i : count - 1 - i;
            char *relative = gen_format("%s/priv/repo/migrations/%s", trees[t], files[k][0]);
            gen_write(dir, relative, files[k][1]);
            free(relative);
        }
        gen_mkdirs(dir, out_dir);
        GEN_RUN(&r, t == 0 ? dir : "/", "table", "--repo", "repo", "--output", out_c, "--header",
                out_h, "--base", base, migrations);
        assert_run(&r, 0, "", "");
        gen_result_free(&r);
        c[t] = gen_read(out_c, &c_size[t]);
        h[t] = gen_read(out_h, &h_size[t]);
        assert_non_null(c[t]);
        assert_non_null(h[t]);
        free(base);
        free(migrations);
        free(out_c);
        free(out_h);
        free(out_dir);
    }
    assert_int_equal(c_size[0], c_size[1]);
    assert_memory_equal(c[0], c[1], c_size[0]);
    assert_int_equal(h_size[0], h_size[1]);
    assert_memory_equal(h[0], h[1], h_size[0]);
    /* paths are recorded relative to --base, never with the build path */
    assert_contains(c[0], "\"priv/repo/migrations/b/c/20240104000000_four.sql\\0\"");
    assert_null(strstr(c[0], dir));
    for (t = 0; t < 2; t++) {
        free(c[t]);
        free(h[t]);
    }
}

/* Escapes a path as the depfile does. */
static char *dep_escape(const char *path)
{
    char *escaped = malloc(strlen(path) * 2 + 1), *to = escaped;
    assert_non_null(escaped);
    for (; *path; path++) {
        if (*path == ' ' || *path == '#' || *path == '\\')
            *to++ = '\\';
        if (*path == '$')
            *to++ = '$';
        *to++ = *path;
    }
    *to = '\0';
    return escaped;
}

static void test_table_depfile(void **state)
{
    const char *dir = DIR_OF(state);
    char templates[4096], *c_template, *h_template, *depfile, *expected;
    gen_result r;

    assert_non_null(realpath(getenv("MIGRATOR_TEMPLATE_DIR"), templates));
    gen_write(dir, "my migrations/20240101000000_a.sql", OK_SQL);
    gen_write(dir, "my migrations/sub dir/20240102000000_b.sql", OK_SQL);
    gen_write(dir, "my migrations/README.md", "not a dependency\n");
    gen_mkdirs(dir, "out dir");
    GEN_RUN(&r, dir, "table", "--repo", "repo", "--output", "out dir/repo_migrations.c", "--header",
            "out dir/repo_migrations.h", "--depfile", "out dir/repo_migrations.d", "my migrations");
    assert_run(&r, 0, "", "");
    gen_result_free(&r);

    c_template = gen_format("%s/table.c.m4", templates);
    h_template = gen_format("%s/table.h.m4", templates);
    {
        char *c_escaped = dep_escape(c_template), *h_escaped = dep_escape(h_template);
        expected = gen_format("out\\ dir/repo_migrations.c: \\\n"
                              "  %s \\\n"
                              "  %s \\\n"
                              "  my\\ migrations/20240101000000_a.sql \\\n"
                              "  my\\ migrations/sub\\ dir/20240102000000_b.sql\n",
                              c_escaped, h_escaped);
        free(c_escaped);
        free(h_escaped);
    }
    depfile = gen_read_at(dir, "out dir/repo_migrations.d", NULL);
    assert_non_null(depfile);
    assert_string_equal(depfile, expected);
    free(depfile);
    free(expected);
    free(c_template);
    free(h_template);
}

static void test_table_invalid_writes_nothing(void **state)
{
    const char *dir = DIR_OF(state);
    gen_result r;
    char *listing;

    write_three(dir, "m");
    gen_write(dir, "m/20240501000000_broken.sql", "-- migrate:up\nSELECT 'x;\n");
    gen_mkdirs(dir, "out");
    GEN_RUN(&r, dir, "table", "--repo", "repo", "--output", "out/repo_migrations.c", "--header",
            "out/repo_migrations.h", "--depfile", "out/repo_migrations.d", "m");
    assert_run(&r, 1, "",
               "migrator-gen: m/20240501000000_broken.sql:2: unterminated quoted string\n");
    gen_result_free(&r);
    listing = gen_list_dir(dir, "out");
    assert_string_equal(listing, "");
    free(listing);
}

/* A missing output or depfile directory is named, and nothing is written. */
static void test_table_missing_output_directory(void **state)
{
    const char *dir = DIR_OF(state);
    gen_result r;
    char *listing;

    write_three(dir, "m");
    GEN_RUN(&r, dir, "table", "--repo", "repo", "--output", "gone/repo_migrations.c", "--header",
            "gone/repo_migrations.h", "m");
    assert_run(&r, 1, "",
               "migrator-gen: gone: output directory not found (for gone/repo_migrations.c)\n");
    gen_result_free(&r);

    gen_mkdirs(dir, "out");
    GEN_RUN(&r, dir, "table", "--repo", "repo", "--output", "out/repo_migrations.c", "--header",
            "out/repo_migrations.h", "--depfile", "deps/repo.d", "m");
    assert_run(&r, 1, "", "migrator-gen: deps: output directory not found (for deps/repo.d)\n");
    gen_result_free(&r);
    listing = gen_list_dir(dir, "out");
    assert_string_equal(listing, "");
    free(listing);
}

/* Repo and header names that m4 knows as macros reach the C code as they are. */
static void test_table_names_like_m4_macros(void **state)
{
    const char *dir = DIR_OF(state);
    gen_result r;
    char *c, *h;

    write_three(dir, "m");
    GEN_RUN(&r, dir, "table", "--repo", "m4_dnl", "--output", "m4_dnl.c", "--header", "m4_dnl.h",
            "m");
    assert_run(&r, 0, "", "");
    gen_result_free(&r);
    c = gen_read_at(dir, "m4_dnl.c", NULL);
    h = gen_read_at(dir, "m4_dnl.h", NULL);
    assert_contains(c, "#include \"m4_dnl.h\"\n");
    assert_contains(c,
                    "const migrator_table m4_dnl_migrations = {\n    MIGRATOR_TABLE_ABI_VERSION,\n"
                    "    \"m4_dnl\",\n    MIGRATOR_DIALECT_ANY,\n");
    assert_contains(h, "extern const migrator_table m4_dnl_migrations;\n");
    free(c);
    free(h);

    GEN_RUN(&r, dir, "table", "--repo", "MIGRATOR_GEN_COUNT", "--output", "x.c", "--header",
            "MIGRATOR_GEN_REPO.h", "m");
    assert_run(&r, 0, "", "");
    gen_result_free(&r);
    c = gen_read_at(dir, "x.c", NULL);
    assert_contains(c, "#include \"MIGRATOR_GEN_REPO.h\"\n");
    assert_contains(c, "    \"MIGRATOR_GEN_COUNT\",\n");
    free(c);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_name_wrong_extension_txt),
        T(test_name_wrong_extension_backup),
        T(test_name_bad_characters),
        T(test_name_upper_case),
        T(test_name_version_overflow),
        T(test_name_version_max_is_valid),
        T(test_name_other_files_ignored),
        T(test_duplicate_version),
        T(test_duplicate_version_across_dirs),
        T(test_same_file_through_two_dirs_is_one_migration),
        T(test_duplicate_name_is_a_warning),
        T(test_no_up_section),
        T(test_no_up_section_only_down),
        T(test_two_up_sections),
        T(test_two_down_sections),
        T(test_down_before_up),
        T(test_sql_before_first_section),
        T(test_unknown_directive),
        T(test_header_directive_after_up),
        T(test_header_directive_in_down),
        T(test_header_directive_repeated),
        T(test_unterminated_quote),
        T(test_unterminated_quoted_identifier),
        T(test_unterminated_dollar_quote),
        T(test_unterminated_block_comment),
        T(test_unterminated_trigger_body),
        T(test_unterminated_begin_atomic),
        T(test_unclosed_parenthesis),
        T(test_nul_byte),
        T(test_invalid_utf8),
        T(test_valid_utf8_bom_and_crlf),
        T(test_unreadable_file),
        T(test_dangling_symlink),
        T(test_missing_directory),
        T(test_directory_is_a_file),
        T(test_empty_directory),
        T(test_several_errors_in_one_run),
        T(test_usage_no_command),
        T(test_usage_unknown_command),
        T(test_usage_unknown_option),
        T(test_usage_table_missing_options),
        T(test_usage_table_bad_repo),
        T(test_usage_bad_dialect),
        T(test_usage_no_dir),
        T(test_help),
        T(test_version),
        T(test_check_summary),
        T(test_check_no_migrations),
        T(test_new_creates_file),
        T(test_new_creates_directory),
        T(test_new_dir_with_trailing_slash),
        T(test_new_twice_in_a_row),
        T(test_new_after_future_version),
        T(test_new_no_version_left),
        T(test_new_invalid_name),
        T(test_new_taken_name),
        T(test_new_custom_template),
        T(test_new_template_dir),
        T(test_new_name_like_m4_macro),
        T(test_table_writes_outputs),
        T(test_table_dialect),
        T(test_table_rewrites_nothing_unchanged),
        T(test_table_reproducible),
        T(test_table_depfile),
        T(test_table_invalid_writes_nothing),
        T(test_table_missing_output_directory),
        T(test_table_names_like_m4_macros),
    };
#undef T
    umask(022);
    return cmocka_run_group_tests_name("gen.cli", tests, NULL, NULL);
}
