/*
 * The command line of migrating binaries (tests/runtime/SPEC.md, "CLI";
 * DESIGN.md §4): the fixture binaries built by tests/cli/CMakeLists.txt run
 * for real on SQLite files in a fresh temporary directory per case, with
 * their exit status, stdout and stderr checked exactly (the time in
 * `== Migrated V in S.Ss` is normalised to 0.0) and the database checked with
 * the sqlite3 C API.
 *
 * `test_cli_main GROUP` runs one group of cases (ctest: cli.GROUP).
 *
 * SPDX-License-Identifier: MIT
 */
#define _XOPEN_SOURCE 700
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "cli_harness.h"

/* fixtures/clirepo */
#define V1 "20240101000000"
#define V2 "20240102000000"
#define V3 "20240103000000"
#define V4 "20240104000000"
#define V5 "20240105000000"
#define ALL_VERSIONS V1 "," V2 "," V3 "," V4 "," V5

#define PROG "cli_fixture_main"
#define TRY(prog) "Try '" prog " --help'.\n"
#define USAGE(message) PROG ": " message "\n" TRY(PROG)

#define UP(version, name) "== Running " version " " name " up\n== Migrated " version " in 0.0s\n"
#define DOWN(version, name)                                                                        \
    "== Running " version " " name " down\n== Migrated " version " in 0.0s\n"
#define UP1 UP(V1, "create_users")
#define UP2 UP(V2, "create_posts")
#define UP3 UP(V3, "create_tags")
#define UP4 UP(V4, "create_comments")
#define UP5 UP(V5, "seed_users")
#define DOWN1 DOWN(V1, "create_users")
#define DOWN2 DOWN(V2, "create_posts")
#define DOWN3 DOWN(V3, "create_tags")
#define DOWN4 DOWN(V4, "create_comments")
#define DOWN5 DOWN(V5, "seed_users")

/* The status table (Ecto's mix ecto.migrations). */
#define STATUS_HEAD(repo)                                                                          \
    "\nRepo: " repo "\n\n  Status    Migration ID    Migration Name\n"                             \
    "--------------------------------------------------\n"
/* One row; the table ends with an empty line ("\n" after the last row). */
#define ROW_UP(version, name) "  up        " version "  " name "\n"
#define ROW_DOWN(version, name) "  down      " version "  " name "\n"

/* Flags that `--help` must mention. */
static const char *const common_flags[] = {"--url",
                                           "--prefix",
                                           "--migration-source",
                                           "--quiet",
                                           "--log-migrations-sql",
                                           "--log-migrator-sql",
                                           "--strict-version-order",
                                           "--migration-lock",
                                           "--lock-timeout",
                                           "--help",
                                           NULL};
static const char *const strategy_flags[] = {"--all",          "--step",  "-n", "--to",
                                             "--to-exclusive", "--group", NULL};

/* One case's world: a fresh directory with test.db in it. */
typedef struct cli_case {
    char *dir;
    char *db;  /* dir/test.db */
    char *url; /* sqlite:dir/test.db */
    const char *main_bin, *fail_bin, *irrev_bin, *empty_bin;
} cli_case;

static int setup(void **state)
{
    cli_case *c = calloc(1, sizeof(*c));
    if (!c)
        return -1;
    unsetenv("DATABASE_URL");
    unsetenv("SKIP_MIGRATIONS");
    c->dir = gen_temp_dir();
    c->db = gen_path(c->dir, "test.db");
    c->url = gen_format("sqlite:%s", c->db);
    c->main_bin = cli_program("CLI_MAIN");
    c->fail_bin = cli_program("CLI_FAIL");
    c->irrev_bin = cli_program("CLI_IRREV");
    c->empty_bin = cli_program("CLI_EMPTY");
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    cli_case *c = *state;
    unsetenv("DATABASE_URL");
    gen_remove_tree(c->dir);
    free(c->dir);
    free(c->db);
    free(c->url);
    free(c);
    return 0;
}

#define RUN(result, program, ...) CLI_RUN((result), (program), c->dir, __VA_ARGS__)

/* Runs the main fixture and checks that it succeeded. */
#define RUN_OK(...)                                                                                \
    do {                                                                                           \
        gen_result ok_;                                                                            \
        RUN(&ok_, c->main_bin, __VA_ARGS__);                                                       \
        assert_cli(&ok_, 0, "", NULL);                                                             \
        gen_result_free(&ok_);                                                                     \
    } while (0)

/* ------------------------------------------------------------------------ */
/* migrate                                                                    */
/* ------------------------------------------------------------------------ */

static void migrate_default_runs_all(void **state)
{
    cli_case *c = *state;
    gen_result r;

    RUN(&r, c->main_bin, "migrate", "--url", c->url);
    assert_cli(&r, 0, "", UP1 UP2 UP3 UP4 UP5);
    gen_result_free(&r);
    assert_versions(c->db, ALL_VERSIONS);
    assert_true(db_has(c->db, "users"));
    assert_true(db_has(c->db, "posts_user_id_index"));
    assert_true(db_has(c->db, "comments"));
    assert_int_equal(db_int(c->db, "SELECT count(*) FROM users WHERE name = 'ada'"), 1);
    /* inserted_at: UTC YYYY-MM-DDThh:mm:ss */
    assert_int_equal(db_int(c->db,
                            "SELECT count(*) FROM schema_migrations WHERE inserted_at GLOB "
                            "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:"
                            "[0-9][0-9]'"),
                     5);
}

static void migrate_nothing_to_do(void **state)
{
    cli_case *c = *state;
    gen_result r;

    RUN_OK("migrate", "--url", c->url);
    RUN(&r, c->main_bin, "migrate", "--url", c->url);
    assert_cli(&r, 0, "", "Migrations already up\n");
    gen_result_free(&r);
    assert_versions(c->db, ALL_VERSIONS);
}

static void migrate_all_flag(void **state)
{
    cli_case *c = *state;
    gen_result r;

    RUN_OK("migrate", "--url", c->url, "--step", "1");
    RUN(&r, c->main_bin, "migrate", "--all", "--url", c->url);
    assert_cli(&r, 0, "", UP2 UP3 UP4 UP5);
    gen_result_free(&r);
    assert_versions(c->db, ALL_VERSIONS);
}

static void migrate_step(void **state)
{
    cli_case *c = *state;
    gen_result r;

    RUN(&r, c->main_bin, "migrate", "--url", c->url, "--step", "2");
    assert_cli(&r, 0, "", UP1 UP2);
    gen_result_free(&r);
    assert_versions(c->db, V1 "," V2);
    assert_false(db_has(c->db, "tags"));

    RUN(&r, c->main_bin, "migrate", "--url", c->url, "--step", "2");
    assert_cli(&r, 0, "", UP3 UP4);
    gen_result_free(&r);
    assert_versions(c->db, V1 "," V2 "," V3 "," V4);

    /* More steps than pending migrations: all of them. */
    RUN(&r, c->main_bin, "migrate", "--url", c->url, "--step", "10");
    assert_cli(&r, 0, "", UP5);
    gen_result_free(&r);
    assert_versions(c->db, ALL_VERSIONS);

    RUN(&r, c->main_bin, "migrate", "--url", c->url, "--step", "1");
    assert_cli(&r, 0, "", "Migrations already up\n");
    gen_result_free(&r);
}

static void migrate_n(void **state)
{
    cli_case *c = *state;
    gen_result r;

    RUN(&r, c->main_bin, "migrate", "-n", "3", "--url", c->url);
    assert_cli(&r, 0, "", UP1 UP2 UP3);
    gen_result_free(&r);
    assert_versions(c->db, V1 "," V2 "," V3);
}

static void migrate_to(void **state)
{
    cli_case *c = *state;
    gen_result r;

    /* Inclusive. */
    RUN(&r, c->main_bin, "migrate", "--to", V3, "--url", c->url);
    assert_cli(&r, 0, "", UP1 UP2 UP3);
    gen_result_free(&r);
    assert_versions(c->db, V1 "," V2 "," V3);

    /* The target need not exist. */
    RUN(&r, c->main_bin, "migrate", "--to", "20240104120000", "--url", c->url);
    assert_cli(&r, 0, "", UP4);
    gen_result_free(&r);
    assert_versions(c->db, V1 "," V2 "," V3 "," V4);

    /* Below every pending version: nothing. */
    RUN(&r, c->main_bin, "migrate", "--to", "0", "--url", c->url);
    assert_cli(&r, 0, "", "Migrations already up\n");
    gen_result_free(&r);
    assert_versions(c->db, V1 "," V2 "," V3 "," V4);
}

static void migrate_to_exclusive(void **state)
{
    cli_case *c = *state;
    gen_result r;

    RUN(&r, c->main_bin, "migrate", "--to-exclusive", V3, "--url", c->url);
    assert_cli(&r, 0, "", UP1 UP2);
    gen_result_free(&r);
    assert_versions(c->db, V1 "," V2);

    RUN(&r, c->main_bin, "migrate", "--to-exclusive", V3, "--url", c->url);
    assert_cli(&r, 0, "", "Migrations already up\n");
    gen_result_free(&r);

    RUN(&r, c->main_bin, "migrate", "--to-exclusive", "20240104000001", "--url", c->url);
    assert_cli(&r, 0, "", UP3 UP4);
    gen_result_free(&r);
    assert_versions(c->db, V1 "," V2 "," V3 "," V4);
}

static void migrate_opt_equals_value(void **state)
{
    cli_case *c = *state;
    gen_result r;
    char *url_opt = gen_format("--url=%s", c->url);

    RUN(&r, c->main_bin, "migrate", url_opt, "--step=2");
    assert_cli(&r, 0, "", UP1 UP2);
    gen_result_free(&r);
    RUN(&r, c->main_bin, "migrate", url_opt, "--to=" V3);
    assert_cli(&r, 0, "", UP3);
    gen_result_free(&r);
    RUN(&r, c->main_bin, "migrate", url_opt, "--to-exclusive=" V5);
    assert_cli(&r, 0, "", UP4);
    gen_result_free(&r);
    RUN(&r, c->main_bin, "migrate", url_opt, "--migration-lock=none", "--lock-timeout=5000");
    assert_cli(&r, 0, "", UP5);
    gen_result_free(&r);
    assert_versions(c->db, ALL_VERSIONS);
    free(url_opt);
}

static void migrate_group(void **state)
{
    cli_case *c = *state;
    gen_result r;

    RUN(&r, c->main_bin, "migrate", "--group", "--url", c->url);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "");
    assert_contains(r.err, "== Running " V1 " create_users up\n");
    assert_contains(r.err, "== Running " V5 " seed_users up\n");
    gen_result_free(&r);
    assert_versions(c->db, ALL_VERSIONS);

    RUN(&r, c->main_bin, "rollback", "--group", "--all", "--url", c->url);
    assert_int_equal(r.status, 0);
    assert_contains(r.err, "== Running " V1 " create_users down\n");
    gen_result_free(&r);
    assert_versions(c->db, "");
    assert_false(db_has(c->db, "users"));
}

/* ------------------------------------------------------------------------ */
/* rollback                                                                   */
/* ------------------------------------------------------------------------ */

static void rollback_default_one_step(void **state)
{
    cli_case *c = *state;
    gen_result r;

    RUN_OK("migrate", "--url", c->url);
    RUN(&r, c->main_bin, "rollback", "--url", c->url);
    assert_cli(&r, 0, "", DOWN5);
    gen_result_free(&r);
    assert_versions(c->db, V1 "," V2 "," V3 "," V4);
    assert_int_equal(db_int(c->db, "SELECT count(*) FROM users"), 0);

    RUN(&r, c->main_bin, "rollback", "--url", c->url);
    assert_cli(&r, 0, "", DOWN4);
    gen_result_free(&r);
    assert_versions(c->db, V1 "," V2 "," V3);
    assert_false(db_has(c->db, "comments"));
}

static void rollback_all(void **state)
{
    cli_case *c = *state;
    gen_result r;

    RUN_OK("migrate", "--url", c->url);
    RUN(&r, c->main_bin, "rollback", "--all", "--url", c->url);
    assert_cli(&r, 0, "", DOWN5 DOWN4 DOWN3 DOWN2 DOWN1);
    gen_result_free(&r);
    assert_versions(c->db, "");
    assert_false(db_has(c->db, "users"));
    assert_false(db_has(c->db, "posts"));

    RUN(&r, c->main_bin, "rollback", "--url", c->url);
    assert_cli(&r, 0, "", "Migrations already down\n");
    gen_result_free(&r);
    RUN(&r, c->main_bin, "rollback", "--all", "--url", c->url);
    assert_cli(&r, 0, "", "Migrations already down\n");
    gen_result_free(&r);
}

static void rollback_on_fresh_database(void **state)
{
    cli_case *c = *state;
    gen_result r;

    RUN(&r, c->main_bin, "rollback", "--url", c->url);
    assert_cli(&r, 0, "", "Migrations already down\n");
    gen_result_free(&r);
    assert_versions(c->db, "");
}

static void rollback_step(void **state)
{
    cli_case *c = *state;
    gen_result r;

    RUN_OK("migrate", "--url", c->url);
    RUN(&r, c->main_bin, "rollback", "--step", "2", "--url", c->url);
    assert_cli(&r, 0, "", DOWN5 DOWN4);
    gen_result_free(&r);
    assert_versions(c->db, V1 "," V2 "," V3);

    RUN(&r, c->main_bin, "rollback", "-n", "2", "--url", c->url);
    assert_cli(&r, 0, "", DOWN3 DOWN2);
    gen_result_free(&r);
    assert_versions(c->db, V1);

    RUN(&r, c->main_bin, "rollback", "--step=7", "--url", c->url);
    assert_cli(&r, 0, "", DOWN1);
    gen_result_free(&r);
    assert_versions(c->db, "");
}

static void rollback_to(void **state)
{
    cli_case *c = *state;
    gen_result r;

    RUN_OK("migrate", "--url", c->url);
    /* Inclusive: V3 is reverted too. */
    RUN(&r, c->main_bin, "rollback", "--to", V3, "--url", c->url);
    assert_cli(&r, 0, "", DOWN5 DOWN4 DOWN3);
    gen_result_free(&r);
    assert_versions(c->db, V1 "," V2);

    RUN(&r, c->main_bin, "rollback", "--to", V3, "--url", c->url);
    assert_cli(&r, 0, "", "Migrations already down\n");
    gen_result_free(&r);
}

static void rollback_to_missing_target(void **state)
{
    cli_case *c = *state;
    gen_result r;

    RUN_OK("migrate", "--url", c->url);
    RUN(&r, c->main_bin, "rollback", "--to=20240103120000", "--url", c->url);
    assert_cli(&r, 0, "", DOWN5 DOWN4);
    gen_result_free(&r);
    assert_versions(c->db, V1 "," V2 "," V3);
}

static void rollback_to_exclusive(void **state)
{
    cli_case *c = *state;
    gen_result r;

    RUN_OK("migrate", "--url", c->url);
    RUN(&r, c->main_bin, "rollback", "--to-exclusive", V3, "--url", c->url);
    assert_cli(&r, 0, "", DOWN5 DOWN4);
    gen_result_free(&r);
    assert_versions(c->db, V1 "," V2 "," V3);

    RUN(&r, c->main_bin, "rollback", "--to-exclusive=" V3, "--url", c->url);
    assert_cli(&r, 0, "", "Migrations already down\n");
    gen_result_free(&r);
}

/* Applied versions without a migration in the table are never rolled back. */
static void rollback_skips_versions_without_file(void **state)
{
    cli_case *c = *state;
    gen_result r;

    RUN_OK("migrate", "--url", c->url);
    db_exec(c->db, "INSERT INTO schema_migrations (version, inserted_at) VALUES "
                   "(20240201000000, '2024-02-01T00:00:00')");
    RUN(&r, c->main_bin, "rollback", "--url", c->url);
    assert_cli(&r, 0, "", DOWN5);
    gen_result_free(&r);
    RUN(&r, c->main_bin, "rollback", "--all", "--url", c->url);
    assert_cli(&r, 0, "", DOWN4 DOWN3 DOWN2 DOWN1);
    gen_result_free(&r);
    assert_versions(c->db, "20240201000000");
    RUN(&r, c->main_bin, "rollback", "--url", c->url);
    assert_cli(&r, 0, "", "Migrations already down\n");
    gen_result_free(&r);
}

/* ------------------------------------------------------------------------ */
/* migrations (status)                                                        */
/* ------------------------------------------------------------------------ */

/* An empty file: a SQLite database with nothing in it (the read-only
 * commands refuse a missing file rather than create one). */
static void create_empty_database(const cli_case *c)
{
    FILE *file = fopen(c->db, "w");
    assert_non_null(file);
    fclose(file);
}

static void status_all_down(void **state)
{
    cli_case *c = *state;
    gen_result r;

    create_empty_database(c);
    RUN(&r, c->main_bin, "migrations", "--url", c->url);
    /* clang-format off */
    assert_cli(&r, 0,
               STATUS_HEAD("clirepo")
               ROW_DOWN(V1, "create_users")
               ROW_DOWN(V2, "create_posts")
               ROW_DOWN(V3, "create_tags")
               ROW_DOWN(V4, "create_comments")
               ROW_DOWN(V5, "seed_users")
               "\n",
               "");
    /* clang-format on */
    gen_result_free(&r);
}

static void status_all_up(void **state)
{
    cli_case *c = *state;
    gen_result r;

    RUN_OK("migrate", "--url", c->url);
    RUN(&r, c->main_bin, "migrations", "--url", c->url);
    assert_cli(&r, 0,
               "\n"
               "Repo: clirepo\n"
               "\n"
               "  Status    Migration ID    Migration Name\n"
               "--------------------------------------------------\n"
               "  up        20240101000000  create_users\n"
               "  up        20240102000000  create_posts\n"
               "  up        20240103000000  create_tags\n"
               "  up        20240104000000  create_comments\n"
               "  up        20240105000000  seed_users\n"
               "\n",
               "");
    gen_result_free(&r);
}

static void status_mixed(void **state)
{
    cli_case *c = *state;
    gen_result r;

    RUN_OK("migrate", "--url", c->url, "--step", "2");
    RUN(&r, c->main_bin, "migrations", "--url", c->url);
    /* clang-format off */
    assert_cli(&r, 0,
               STATUS_HEAD("clirepo")
               ROW_UP(V1, "create_users")
               ROW_UP(V2, "create_posts")
               ROW_DOWN(V3, "create_tags")
               ROW_DOWN(V4, "create_comments")
               ROW_DOWN(V5, "seed_users")
               "\n",
               "");
    /* clang-format on */
    gen_result_free(&r);
}

static void status_file_not_found(void **state)
{
    cli_case *c = *state;
    gen_result r;

    RUN_OK("migrate", "--url", c->url, "--to", V3);
    db_exec(c->db,
            "INSERT INTO schema_migrations (version, inserted_at) VALUES "
            "(20230615000000, '2023-06-15T00:00:00'), (20240103120000, '2024-01-03T12:00:00'), "
            "(7, '2020-01-01T00:00:00')");
    RUN(&r, c->main_bin, "migrations", "--url", c->url);
    /* Sorted by version; a version shorter than 16 is padded, as Ecto's. */
    /* clang-format off */
    assert_cli(&r, 0,
               STATUS_HEAD("clirepo")
               "  up        7               ** FILE NOT FOUND **\n"
               ROW_UP("20230615000000", "** FILE NOT FOUND **")
               ROW_UP(V1, "create_users")
               ROW_UP(V2, "create_posts")
               ROW_UP(V3, "create_tags")
               ROW_UP("20240103120000", "** FILE NOT FOUND **")
               ROW_DOWN(V4, "create_comments")
               ROW_DOWN(V5, "seed_users")
               "\n",
               "");
    /* clang-format on */
    gen_result_free(&r);
}

static void status_empty_repo(void **state)
{
    cli_case *c = *state;
    gen_result r;

    create_empty_database(c);
    RUN(&r, c->empty_bin, "migrations", "--url", c->url);
    /* clang-format off */
    assert_cli(&r, 0,
               STATUS_HEAD("emptyrepo")
               "\n\n", /* no rows: the dashes, then two empty lines */
               "");
    /* clang-format on */
    gen_result_free(&r);

    RUN(&r, c->empty_bin, "migrate", "--url", c->url);
    assert_cli(&r, 0, "", "Migrations already up\n");
    gen_result_free(&r);
    RUN(&r, c->empty_bin, "rollback", "--url", c->url);
    assert_cli(&r, 0, "", "Migrations already down\n");
    gen_result_free(&r);

    /* Only versions without a file. */
    db_exec(c->db, "INSERT INTO schema_migrations (version, inserted_at) VALUES "
                   "(20240101000000, '2024-01-01T00:00:00')");
    RUN(&r, c->empty_bin, "migrations", "--url", c->url);
    /* clang-format off */
    assert_cli(&r, 0,
               STATUS_HEAD("emptyrepo")
               ROW_UP(V1, "** FILE NOT FOUND **")
               "\n",
               "");
    /* clang-format on */
    gen_result_free(&r);
}

/* A version longer than 16 characters pushes the name right. */
static void status_missing_database_file(void **state)
{
    cli_case *c = *state;
    gen_result r;
    char expected[1024];

    snprintf(expected, sizeof(expected),
             "cli_fixture_main: error: the database file %s does not exist (migrations only "
             "reads; migrate creates it)\n",
             c->db);
    RUN(&r, c->main_bin, "migrations", "--url", c->url);
    assert_cli(&r, 1, "", expected);
    gen_result_free(&r);
    assert_int_equal(access(c->db, F_OK), -1);
}

static void status_long_version(void **state)
{
    cli_case *c = *state;
    gen_result r;

    RUN_OK("migrate", "--url", c->url);
    db_exec(c->db, "INSERT INTO schema_migrations (version, inserted_at) VALUES "
                   "(9223372036854775807, '2024-01-01T00:00:00')");
    RUN(&r, c->main_bin, "migrations", "--url", c->url);
    assert_int_equal(r.status, 0);
    assert_contains(
        r.out, ROW_UP(V5, "seed_users") "  up        9223372036854775807** FILE NOT FOUND **\n\n");
    gen_result_free(&r);
}

/* ------------------------------------------------------------------------ */
/* logging                                                                    */
/* ------------------------------------------------------------------------ */

static void log_quiet(void **state)
{
    cli_case *c = *state;
    gen_result r;

    RUN(&r, c->main_bin, "migrate", "--quiet", "--url", c->url);
    assert_cli(&r, 0, "", "");
    gen_result_free(&r);
    assert_versions(c->db, ALL_VERSIONS);

    RUN(&r, c->main_bin, "migrate", "--quiet", "--url", c->url);
    assert_cli(&r, 0, "", "");
    gen_result_free(&r);

    RUN(&r, c->main_bin, "rollback", "--all", "--url", c->url, "--quiet");
    assert_cli(&r, 0, "", "");
    gen_result_free(&r);
    assert_versions(c->db, "");

    RUN(&r, c->main_bin, "rollback", "--url", c->url, "--quiet");
    assert_cli(&r, 0, "", "");
    gen_result_free(&r);

    /* --quiet turns the SQL logs off too, whatever the order. */
    RUN(&r, c->main_bin, "migrate", "--quiet", "--log-migrations-sql", "--log-migrator-sql",
        "--url", c->url);
    assert_cli(&r, 0, "", "");
    gen_result_free(&r);
    RUN(&r, c->main_bin, "rollback", "--log-migrations-sql", "--log-migrator-sql", "--quiet",
        "--url", c->url);
    assert_cli(&r, 0, "", "");
    gen_result_free(&r);
    assert_versions(c->db, V1 "," V2 "," V3 "," V4);
}

static void log_migrations_sql(void **state)
{
    cli_case *c = *state;
    gen_result r;

    RUN(&r, c->main_bin, "migrate", "--step", "2", "--log-migrations-sql", "--url", c->url);
    assert_cli(&r, 0, "",
               "== Running " V1 " create_users up\n"
               "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)\n"
               "== Migrated " V1 " in 0.0s\n"
               "== Running " V2 " create_posts up\n"
               "CREATE TABLE posts (\n"
               "  id INTEGER PRIMARY KEY,\n"
               "  user_id INTEGER REFERENCES users (id),\n"
               "  title TEXT\n"
               ")\n"
               "CREATE INDEX posts_user_id_index ON posts (user_id)\n"
               "== Migrated " V2 " in 0.0s\n");
    gen_result_free(&r);

    RUN(&r, c->main_bin, "rollback", "--log-migrations-sql", "--url", c->url);
    assert_cli(&r, 0, "",
               "== Running " V2 " create_posts down\n"
               "DROP INDEX posts_user_id_index\n"
               "DROP TABLE posts\n"
               "== Migrated " V2 " in 0.0s\n");
    gen_result_free(&r);
}

static void log_migrator_sql(void **state)
{
    cli_case *c = *state;
    gen_result r;

    RUN(&r, c->main_bin, "migrate", "--step", "1", "--log-migrator-sql", "--url", c->url);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "");
    assert_before(r.err, "BEGIN IMMEDIATE\n", "== Running " V1 " create_users up\n");
    assert_before(
        r.err, "== Running " V1 " create_users up\n",
        "\nINSERT INTO \"schema_migrations\" (\"version\", \"inserted_at\") VALUES (?, ?)");
    assert_before(r.err, "INSERT INTO \"schema_migrations\"", "\nCOMMIT\n");
    assert_contains(r.err, "== Migrated " V1 " in ");
    /* Not the migration's own SQL. */
    assert_lacks(r.err, "CREATE TABLE users");
    gen_result_free(&r);

    RUN(&r, c->main_bin, "rollback", "--log-migrator-sql", "--url", c->url);
    assert_int_equal(r.status, 0);
    assert_before(r.err, "BEGIN IMMEDIATE\n", "== Running " V1 " create_users down\n");
    assert_before(r.err, "== Running " V1 " create_users down\n",
                  "\nDELETE FROM \"schema_migrations\" WHERE \"version\" = ?");
    assert_before(r.err, "DELETE FROM \"schema_migrations\"", "\nCOMMIT\n");
    assert_lacks(r.err, "DROP TABLE users");
    gen_result_free(&r);
}

static void log_both_sql(void **state)
{
    cli_case *c = *state;
    gen_result r;

    RUN(&r, c->main_bin, "migrate", "-n", "1", "--log-migrator-sql", "--log-migrations-sql",
        "--url", c->url);
    assert_int_equal(r.status, 0);
    assert_before(r.err, "BEGIN IMMEDIATE\n", "== Running " V1 " create_users up\n");
    assert_before(r.err, "== Running " V1 " create_users up\n",
                  "\nCREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)\n");
    assert_before(r.err, "\nCREATE TABLE users", "\nINSERT INTO \"schema_migrations\"");
    assert_before(r.err, "\nINSERT INTO \"schema_migrations\"", "\nCOMMIT\n");
    gen_result_free(&r);
}

static void log_migrator_sql_rollback_on_failure(void **state)
{
    cli_case *c = *state;
    gen_result r;

    RUN(&r, c->fail_bin, "migrate", "--log-migrator-sql", "--url", c->url);
    assert_int_equal(r.status, 1);
    assert_before(r.err, "== Running " V3 " broken up\n", "\nROLLBACK\n");
    gen_result_free(&r);
}

/* ------------------------------------------------------------------------ */
/* failures: a failing statement, irreversible, version order               */
/* ------------------------------------------------------------------------ */

#define FAIL_ERROR                                                                                 \
    "cli_fail_main: error: fixtures/failrepo/20240103000000_broken.sql:4: no such table: "         \
    "missing_table (statement: INSERT INTO missing_table (id))\n"

static void failure_statement(void **state)
{
    cli_case *c = *state;
    gen_result r;

    RUN(&r, c->fail_bin, "migrate", "--url", c->url);
    assert_cli(&r, 1, "",
               UP(V1, "create_a") UP(V2, "create_b") "== Running " V3 " broken up\n" FAIL_ERROR);
    gen_result_free(&r);
    /* The earlier migrations stay applied; the failing one left nothing. */
    assert_versions(c->db, V1 "," V2);
    assert_true(db_has(c->db, "a"));
    assert_true(db_has(c->db, "b"));
    assert_false(db_has(c->db, "c"));
    assert_false(db_has(c->db, "d"));

    RUN(&r, c->fail_bin, "migrations", "--url", c->url);
    /* clang-format off */
    assert_cli(&r, 0,
               STATUS_HEAD("failrepo")
               ROW_UP(V1, "create_a")
               ROW_UP(V2, "create_b")
               ROW_DOWN(V3, "broken")
               ROW_DOWN(V4, "create_d")
               "\n",
               "");
    /* clang-format on */
    gen_result_free(&r);

    /* Again: fails the same way, from the same place. */
    RUN(&r, c->fail_bin, "migrate", "--url", c->url, "--quiet");
    assert_cli(&r, 1, "", FAIL_ERROR);
    gen_result_free(&r);
    assert_versions(c->db, V1 "," V2);
}

static void failure_before_the_failing_one(void **state)
{
    cli_case *c = *state;
    gen_result r;

    RUN(&r, c->fail_bin, "migrate", "--step", "2", "--url", c->url);
    assert_cli(&r, 0, "", UP(V1, "create_a") UP(V2, "create_b"));
    gen_result_free(&r);
    RUN(&r, c->fail_bin, "rollback", "--all", "--url", c->url);
    assert_cli(&r, 0, "", DOWN(V2, "create_b") DOWN(V1, "create_a"));
    gen_result_free(&r);
    assert_versions(c->db, "");
}

static void failure_group_all_or_nothing(void **state)
{
    cli_case *c = *state;
    gen_result r;

    RUN(&r, c->fail_bin, "migrate", "--group", "--url", c->url);
    assert_int_equal(r.status, 1);
    assert_string_equal(r.out, "");
    assert_contains(r.err, "cli_fail_main: error: fixtures/failrepo/20240103000000_broken.sql:4: ");
    gen_result_free(&r);
    assert_versions(c->db, "");
    assert_false(db_has(c->db, "a"));
    assert_false(db_has(c->db, "b"));
    assert_false(db_has(c->db, "c"));
}

#define IRREV_FILE "fixtures/irrevrepo/20240102000000_irreversible.sql"
#define IRREV_ALL "20240101000000,20240102000000,20240103000000,20240104000000"

static void failure_irreversible(void **state)
{
    cli_case *c = *state;
    gen_result r;

    RUN(&r, c->irrev_bin, "migrate", "--url", c->url, "--quiet");
    assert_cli(&r, 0, "", "");
    gen_result_free(&r);
    assert_versions(c->db, IRREV_ALL);

    /* --all and --step 3 select 20240102000000: nothing runs at all, even the
     * migrations that come first. */
    RUN(&r, c->irrev_bin, "rollback", "--all", "--url", c->url);
    assert_int_equal(r.status, 1);
    assert_string_equal(r.out, "");
    assert_true(strncmp(r.err, "cli_irrev_main: error: ", 23) == 0);
    assert_contains(r.err, IRREV_FILE);
    assert_contains(r.err, "20240102000000");
    assert_lacks(r.err, "== Running");
    assert_int_equal(cli_count(r.err, "\n"), 1);
    gen_result_free(&r);
    assert_versions(c->db, IRREV_ALL);
    assert_int_equal(db_int(c->db, "SELECT count(*) FROM c"), 1);

    RUN(&r, c->irrev_bin, "rollback", "--step", "3", "--url", c->url);
    assert_int_equal(r.status, 1);
    assert_contains(r.err, IRREV_FILE);
    assert_lacks(r.err, "== Running");
    gen_result_free(&r);
    assert_versions(c->db, IRREV_ALL);
    assert_true(db_has(c->db, "a") && db_has(c->db, "b") && db_has(c->db, "c"));

    /* An empty down section: nothing to undo, the version goes. */
    RUN(&r, c->irrev_bin, "rollback", "--url", c->url);
    assert_cli(&r, 0, "", DOWN("20240104000000", "nothing_to_undo"));
    gen_result_free(&r);
    assert_versions(c->db, "20240101000000,20240102000000,20240103000000");
    assert_int_equal(db_int(c->db, "SELECT count(*) FROM c"), 1);

    RUN(&r, c->irrev_bin, "rollback", "--url", c->url);
    assert_cli(&r, 0, "", DOWN("20240103000000", "create_c"));
    gen_result_free(&r);

    RUN(&r, c->irrev_bin, "rollback", "--url", c->url);
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "cli_irrev_main: error: ");
    assert_contains(r.err, IRREV_FILE);
    gen_result_free(&r);
    assert_versions(c->db, "20240101000000,20240102000000");
    assert_true(db_has(c->db, "b"));
}

/* Applies V1, V2, V4 and leaves V3 pending below the newest applied V4. */
static void make_out_of_order(cli_case *c)
{
    RUN_OK("migrate", "--url", c->url, "--to", V4, "--quiet");
    db_exec(c->db, "DELETE FROM schema_migrations WHERE version = " V3 "; DROP TABLE tags;");
    assert_versions(c->db, V1 "," V2 "," V4);
}

#define ORDER_WARNING                                                                              \
    "warning: You are running migration " V3 " but an older migration with version " V4            \
    " has already run.\n\nThis can be an issue if you have already ran " V4                        \
    " in production because a new deployment may migrate " V3 " but a rollback command would "     \
    "revert " V4 " instead of " V3 ".\n\nIf this can be an issue, we recommend to rollback " V3    \
    " and change it to a version later than " V4 ".\n"

static void failure_strict_version_order(void **state)
{
    cli_case *c = *state;
    gen_result r;

    make_out_of_order(c);
    RUN(&r, c->main_bin, "migrate", "--strict-version-order", "--url", c->url);
    assert_int_equal(r.status, 1);
    assert_string_equal(r.out, "");
    assert_true(strncmp(r.err, PROG ": error: ", strlen(PROG ": error: ")) == 0);
    assert_contains(r.err, V3);
    assert_lacks(r.err, "== Running");
    gen_result_free(&r);
    /* Not even V5, which is in order, ran. */
    assert_versions(c->db, V1 "," V2 "," V4);
    assert_false(db_has(c->db, "tags"));

    /* --step 1 selects only V3: refused too. */
    RUN(&r, c->main_bin, "migrate", "--strict-version-order", "--step", "1", "--url", c->url);
    assert_int_equal(r.status, 1);
    gen_result_free(&r);
    assert_versions(c->db, V1 "," V2 "," V4);
}

static void failure_out_of_order_warns(void **state)
{
    cli_case *c = *state;
    gen_result r;

    make_out_of_order(c);
    RUN(&r, c->main_bin, "migrate", "--url", c->url);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "");
    assert_contains(r.err, ORDER_WARNING);
    assert_int_equal(cli_count(r.err, "warning: "), 1);
    assert_contains(r.err, "== Running " V3 " create_tags up\n");
    assert_contains(r.err, "== Running " V5 " seed_users up\n");
    gen_result_free(&r);
    assert_versions(c->db, ALL_VERSIONS);
}

static void failure_out_of_order_quiet(void **state)
{
    cli_case *c = *state;
    gen_result r;

    make_out_of_order(c);
    RUN(&r, c->main_bin, "migrate", "--url", c->url, "--quiet");
    assert_cli(&r, 0, "", "");
    gen_result_free(&r);
    assert_versions(c->db, ALL_VERSIONS);
}

static void failure_strict_in_order_is_fine(void **state)
{
    cli_case *c = *state;
    gen_result r;

    RUN(&r, c->main_bin, "migrate", "--strict-version-order", "--step", "2", "--url", c->url);
    assert_cli(&r, 0, "", UP1 UP2);
    gen_result_free(&r);
    RUN(&r, c->main_bin, "migrate", "--strict-version-order", "--url", c->url);
    assert_cli(&r, 0, "", UP3 UP4 UP5);
    gen_result_free(&r);
}

/* ------------------------------------------------------------------------ */
/* usage errors: exit 2, the database untouched                              */
/* ------------------------------------------------------------------------ */

/* Runs the main fixture with args and expects a usage error. With message,
 * stderr must be exactly "PROG: message\nTry 'PROG --help'.\n"; without,
 * one line "PROG: ...needle..." and the Try line. */
static void expect_usage(cli_case *c, const char *message, const char *needle, int prefix,
                         const char *const *args)
{
    gen_result r;
    cli_run(&r, c->main_bin, c->dir, args);
    if (prefix) {
        /* "PROG: <needle>..." on one line, then the Try line. */
        char *start = gen_format(PROG ": %s", needle);
        assert_cli(&r, 2, "", NULL);
        if (strncmp(r.err, start, strlen(start)) != 0)
            fail_msg("expected stderr to start with\n%s\ngot\n%s", start, r.err);
        assert_int_equal(cli_count(r.err, "\n"), 2);
        assert_contains(r.err, "\n" TRY(PROG));
        free(start);
    } else if (message) {
        char *expected = gen_format(PROG ": %s\n" TRY(PROG), message);
        assert_cli(&r, 2, "", expected);
        free(expected);
    } else {
        assert_cli(&r, 2, "", NULL);
        assert_true(strncmp(r.err, PROG ": ", strlen(PROG ": ")) == 0);
        assert_contains(r.err, needle);
        {
            size_t length = strlen(r.err), tail = strlen(TRY(PROG));
            assert_true(length > tail);
            assert_string_equal(r.err + length - tail, TRY(PROG));
            assert_int_equal(cli_count(r.err, "\n"), 2);
        }
    }
    gen_result_free(&r);
    /* Usage errors never open the database. */
    assert_false(gen_exists(c->dir, "test.db"));
}

#define EXPECT_USAGE(message, ...)                                                                 \
    expect_usage(c, (message), NULL, 0, (const char *const[]){__VA_ARGS__, NULL})
#define EXPECT_USAGE_NAMING(needle, ...)                                                           \
    expect_usage(c, NULL, (needle), 0, (const char *const[]){__VA_ARGS__, NULL})
/* The message starts with start (SPEC: "--step and --to cannot be combined"
 * style). */
#define EXPECT_USAGE_STARTING(start, ...)                                                          \
    expect_usage(c, NULL, (start), 1, (const char *const[]){__VA_ARGS__, NULL})

#define VERSION_RANGE "expected a version (0 to 9223372036854775807)"

static void usage_no_command(void **state)
{
    cli_case *c = *state;
    gen_result r;

    RUN(&r, c->main_bin, NULL);
    assert_cli(&r, 2, "", NULL);
    assert_true(strncmp(r.err, PROG ": ", strlen(PROG ": ")) == 0);
    assert_contains(r.err, "\n" TRY(PROG));
    gen_result_free(&r);

    EXPECT_USAGE_NAMING(": ", "--url", c->url);
    EXPECT_USAGE_NAMING(": ", "--quiet");
}

static void usage_unknown_command(void **state)
{
    cli_case *c = *state;
    EXPECT_USAGE_NAMING("frobnicate", "frobnicate", "--url", c->url);
    EXPECT_USAGE_NAMING("Migrate", "Migrate", "--url", c->url);
}

static void usage_unknown_flag(void **state)
{
    cli_case *c = *state;
    EXPECT_USAGE_NAMING("--frob", "migrate", "--frob", "--url", c->url);
    EXPECT_USAGE_NAMING("--frob", "migrations", "--url", c->url, "--frob=1");
    EXPECT_USAGE_NAMING("-x", "rollback", "-x", "--url", c->url);
    /* A flag that takes no value given one. */
    EXPECT_USAGE_NAMING("--quiet", "migrate", "--quiet=yes", "--url", c->url);
    /* A stray argument. */
    EXPECT_USAGE_NAMING("extra", "migrate", "extra", "--url", c->url);
}

static void usage_step(void **state)
{
    cli_case *c = *state;
    EXPECT_USAGE("--step: expected a positive integer, got \"0\"", "migrate", "--step", "0",
                 "--url", c->url);
    EXPECT_USAGE("--step: expected a positive integer, got \"-1\"", "migrate", "--step", "-1",
                 "--url", c->url);
    EXPECT_USAGE("--step: expected a positive integer, got \"0\"", "rollback", "--step=0", "--url",
                 c->url);
    EXPECT_USAGE("--step: expected a positive integer, got \"abc\"", "rollback", "--step", "abc",
                 "--url", c->url);
    EXPECT_USAGE("--step: expected a positive integer, got \"2x\"", "migrate", "--step", "2x",
                 "--url", c->url);
    EXPECT_USAGE("--step: expected a positive integer, got \"\"", "migrate", "--step=", "--url",
                 c->url);
    EXPECT_USAGE_NAMING("\"0\"", "migrate", "-n", "0", "--url", c->url);
    EXPECT_USAGE_NAMING("\"-3\"", "rollback", "-n", "-3", "--url", c->url);
}

static void usage_version(void **state)
{
    cli_case *c = *state;
    EXPECT_USAGE("--to: " VERSION_RANGE ", got \"abc\"", "migrate", "--to", "abc", "--url", c->url);
    EXPECT_USAGE("--to: " VERSION_RANGE ", got \"99999999999999999999\"", "migrate", "--to",
                 "99999999999999999999", "--url", c->url);
    EXPECT_USAGE("--to: " VERSION_RANGE ", got \"9223372036854775808\"", "rollback", "--to",
                 "9223372036854775808", "--url", c->url);
    EXPECT_USAGE("--to: " VERSION_RANGE ", got \"-5\"", "rollback", "--to", "-5", "--url", c->url);
    EXPECT_USAGE("--to-exclusive: " VERSION_RANGE ", got \"abc\"", "migrate", "--to-exclusive",
                 "abc", "--url", c->url);
    EXPECT_USAGE("--to-exclusive: " VERSION_RANGE ", got \"99999999999999999999\"", "rollback",
                 "--to-exclusive=99999999999999999999", "--url", c->url);
}

static void usage_two_strategies(void **state)
{
    cli_case *c = *state;
    EXPECT_USAGE_STARTING("--step and --to cannot be combined", "migrate", "--step", "1", "--to",
                          V3, "--url", c->url);
    EXPECT_USAGE_STARTING("--to and --step cannot be combined", "rollback", "--to", V3, "--step",
                          "1", "--url", c->url);
    EXPECT_USAGE_STARTING("--all and --step cannot be combined", "rollback", "--all", "--step", "2",
                          "--url", c->url);
    EXPECT_USAGE_STARTING("--to and --to-exclusive cannot be combined", "migrate", "--to", V3,
                          "--to-exclusive", V4, "--url", c->url);
    EXPECT_USAGE_NAMING("cannot be combined", "migrate", "-n", "1", "--all", "--url", c->url);
}

static void usage_strategy_on_migrations(void **state)
{
    cli_case *c = *state;
    EXPECT_USAGE_NAMING("--all", "migrations", "--all", "--url", c->url);
    EXPECT_USAGE_NAMING("--step", "migrations", "--step", "1", "--url", c->url);
    EXPECT_USAGE_NAMING("-n", "migrations", "-n", "1", "--url", c->url);
    EXPECT_USAGE_NAMING("--to", "migrations", "--to", V1, "--url", c->url);
    EXPECT_USAGE_NAMING("--to-exclusive", "migrations", "--to-exclusive", V1, "--url", c->url);
    EXPECT_USAGE_NAMING("--group", "migrations", "--group", "--url", c->url);
}

static void usage_missing_value(void **state)
{
    cli_case *c = *state;
    EXPECT_USAGE_NAMING("--step", "migrate", "--url", c->url, "--step");
    EXPECT_USAGE_NAMING("-n", "rollback", "--url", c->url, "-n");
    EXPECT_USAGE_NAMING("--to", "migrate", "--url", c->url, "--to");
    EXPECT_USAGE_NAMING("--to-exclusive", "migrate", "--url", c->url, "--to-exclusive");
    EXPECT_USAGE_NAMING("--url", "migrate", "--url");
    EXPECT_USAGE_NAMING("--migration-source", "migrations", "--url", c->url, "--migration-source");
    EXPECT_USAGE_NAMING("--prefix", "migrations", "--url", c->url, "--prefix");
    EXPECT_USAGE_NAMING("--lock-timeout", "migrate", "--url", c->url, "--lock-timeout");
    EXPECT_USAGE_NAMING("--migration-lock", "migrate", "--url", c->url, "--migration-lock");
}

static void usage_bad_values(void **state)
{
    cli_case *c = *state;
    EXPECT_USAGE_NAMING("bogus", "migrate", "--migration-lock", "bogus", "--url", c->url);
    EXPECT_USAGE_NAMING("abc", "migrate", "--lock-timeout", "abc", "--url", c->url);
}

static void usage_no_database(void **state)
{
    cli_case *c = *state;
    gen_result r;
    static const char *const commands[] = {"migrate", "rollback", "migrations"};
    size_t i;

    for (i = 0; i < 3; i++) {
        RUN(&r, c->main_bin, commands[i]);
        assert_int_equal(r.status, 2);
        assert_string_equal(r.out, "");
        /* The message, optionally followed by the Try line. */
        if (strcmp(r.err, PROG ": no database: give --url URL or set DATABASE_URL\n") != 0)
            assert_string_equal(r.err, USAGE("no database: give --url URL or set DATABASE_URL"));
        gen_result_free(&r);
    }
}

/* ------------------------------------------------------------------------ */
/* --help                                                                     */
/* ------------------------------------------------------------------------ */

static void expect_help(cli_case *c, int with_strategies, const char *const *args)
{
    gen_result r;
    size_t i;

    cli_run(&r, c->main_bin, c->dir, args);
    assert_cli(&r, 0, NULL, "");
    assert_true(strlen(r.out) > 0);
    for (i = 0; common_flags[i]; i++)
        assert_contains(r.out, common_flags[i]);
    if (with_strategies)
        for (i = 0; strategy_flags[i]; i++)
            assert_contains(r.out, strategy_flags[i]);
    gen_result_free(&r);
    assert_false(gen_exists(c->dir, "test.db"));
}

#define EXPECT_HELP(with_strategies, ...)                                                          \
    expect_help(c, (with_strategies), (const char *const[]){__VA_ARGS__, NULL})

static void help_program(void **state)
{
    cli_case *c = *state;
    gen_result r;

    EXPECT_HELP(1, "--help");
    EXPECT_HELP(1, "help");
    RUN(&r, c->main_bin, "--help");
    assert_contains(r.out, "migrate");
    assert_contains(r.out, "rollback");
    assert_contains(r.out, "migrations");
    assert_contains(r.out, PROG);
    gen_result_free(&r);
}

static void help_commands(void **state)
{
    cli_case *c = *state;
    char *url_opt = gen_format("--url=%s", c->url);

    EXPECT_HELP(1, "migrate", "--help");
    EXPECT_HELP(1, "rollback", "--help");
    EXPECT_HELP(0, "migrations", "--help");
    /* --help wins over other flags and needs no database. */
    EXPECT_HELP(1, "migrate", url_opt, "--step", "3", "--help");
    free(url_opt);
}

/* ------------------------------------------------------------------------ */
/* options                                                                    */
/* ------------------------------------------------------------------------ */

static void options_migration_source(void **state)
{
    cli_case *c = *state;
    gen_result r;

    RUN(&r, c->main_bin, "migrate", "--migration-source", "my_versions", "--url", c->url);
    assert_cli(&r, 0, "", UP1 UP2 UP3 UP4 UP5);
    gen_result_free(&r);
    assert_true(db_has(c->db, "my_versions"));
    assert_false(db_has(c->db, "schema_migrations"));
    {
        char *versions = db_column(c->db, "SELECT version FROM my_versions ORDER BY version");
        assert_string_equal(versions, ALL_VERSIONS);
        free(versions);
    }

    RUN(&r, c->main_bin, "migrations", "--migration-source=my_versions", "--url", c->url);
    /* clang-format off */
    assert_cli(&r, 0,
               STATUS_HEAD("clirepo")
               ROW_UP(V1, "create_users")
               ROW_UP(V2, "create_posts")
               ROW_UP(V3, "create_tags")
               ROW_UP(V4, "create_comments")
               ROW_UP(V5, "seed_users")
               "\n",
               "");
    /* clang-format on */
    gen_result_free(&r);

    RUN(&r, c->main_bin, "rollback", "--migration-source", "my_versions", "--log-migrator-sql",
        "--url", c->url);
    assert_int_equal(r.status, 0);
    assert_contains(r.err, "\nDELETE FROM \"my_versions\" WHERE \"version\" = ?");
    assert_lacks(r.err, "schema_migrations");
    gen_result_free(&r);
    assert_false(db_has(c->db, "schema_migrations"));
    assert_int_equal(db_int(c->db, "SELECT count(*) FROM my_versions"), 4);

    /* The default table is another history: there, everything is pending. */
    RUN(&r, c->main_bin, "migrations", "--url", c->url);
    assert_int_equal(r.status, 0);
    assert_contains(r.out, ROW_DOWN(V1, "create_users"));
    gen_result_free(&r);
}

static void options_prefix_unsupported(void **state)
{
    cli_case *c = *state;
    gen_result r;
    static const char *const commands[] = {"migrate", "rollback", "migrations"};
    size_t i;

    for (i = 0; i < 3; i++) {
        RUN(&r, c->main_bin, commands[i], "--prefix", "foo", "--url", c->url);
        assert_cli(&r, 1, "", PROG ": error: SQLite does not support table prefixes\n");
        gen_result_free(&r);
    }
    RUN(&r, c->main_bin, "migrate", "--prefix=foo", "--url", c->url);
    assert_cli(&r, 1, "", PROG ": error: SQLite does not support table prefixes\n");
    gen_result_free(&r);
    if (gen_exists(c->dir, "test.db")) {
        assert_false(db_has(c->db, "users"));
        assert_false(db_has(c->db, "foo.schema_migrations"));
    }
}

static void options_url_overrides_env(void **state)
{
    cli_case *c = *state;
    gen_result r;
    char *env_db = gen_path(c->dir, "env.db");
    char *env_url = gen_format("sqlite:%s", env_db);

    setenv("DATABASE_URL", env_url, 1);
    RUN(&r, c->main_bin, "migrate", "--url", c->url);
    assert_cli(&r, 0, "", UP1 UP2 UP3 UP4 UP5);
    gen_result_free(&r);
    assert_versions(c->db, ALL_VERSIONS);
    assert_false(gen_exists(c->dir, "env.db"));

    /* Without --url, $DATABASE_URL. */
    RUN(&r, c->main_bin, "migrate", "--step", "2");
    assert_cli(&r, 0, "", UP1 UP2);
    gen_result_free(&r);
    assert_versions(env_db, V1 "," V2);
    assert_versions(c->db, ALL_VERSIONS);

    RUN(&r, c->main_bin, "migrations");
    assert_int_equal(r.status, 0);
    assert_contains(r.out, ROW_UP(V2, "create_posts") ROW_DOWN(V3, "create_tags"));
    gen_result_free(&r);

    RUN(&r, c->main_bin, "rollback");
    assert_cli(&r, 0, "", DOWN2);
    gen_result_free(&r);
    assert_versions(env_db, V1);
    assert_versions(c->db, ALL_VERSIONS);
    free(env_db);
    free(env_url);
}

static void options_migration_lock(void **state)
{
    cli_case *c = *state;
    gen_result r;

    RUN(&r, c->main_bin, "migrate", "--migration-lock", "none", "--step", "1", "--url", c->url);
    assert_cli(&r, 0, "", UP1);
    gen_result_free(&r);
    RUN(&r, c->main_bin, "migrate", "--migration-lock", "table", "--step", "1", "--url", c->url);
    assert_cli(&r, 0, "", UP2);
    gen_result_free(&r);
    RUN(&r, c->main_bin, "rollback", "--migration-lock=none", "--lock-timeout", "1000", "--url",
        c->url);
    assert_cli(&r, 0, "", DOWN2);
    gen_result_free(&r);
    assert_versions(c->db, V1);
}

static double now_seconds(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* Another connection holds the write lock: --lock-timeout bounds the wait and
 * the error names the database. */
static void options_lock_timeout(void **state)
{
    cli_case *c = *state;
    gen_result r;
    sqlite3 *holder = NULL;
    double started;

    RUN_OK("migrate", "--url", c->url, "--step", "1", "--quiet");
    assert_int_equal(sqlite3_open(c->db, &holder), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(holder, "BEGIN IMMEDIATE; CREATE TABLE held (x);", NULL, NULL, NULL),
        SQLITE_OK);
    started = now_seconds();
    RUN(&r, c->main_bin, "migrate", "--lock-timeout", "300", "--url", c->url);
    assert_int_equal(r.status, 1);
    assert_string_equal(r.out, "");
    assert_contains(r.err, PROG ": error: ");
    assert_contains(r.err, c->url);
    assert_true(now_seconds() - started < 10.0);
    gen_result_free(&r);
    assert_int_equal(sqlite3_exec(holder, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(holder);
    assert_versions(c->db, V1);

    RUN(&r, c->main_bin, "migrate", "--lock-timeout", "300", "--url", c->url);
    assert_cli(&r, 0, "", UP2 UP3 UP4 UP5);
    gen_result_free(&r);
}

/* ------------------------------------------------------------------------ */
/* database failures: exit 1                                                  */
/* ------------------------------------------------------------------------ */

static void database_unknown_scheme(void **state)
{
    cli_case *c = *state;
    gen_result r;
    static const char *const commands[] = {"migrate", "rollback", "migrations"};
    size_t i;

    for (i = 0; i < 3; i++) {
        RUN(&r, c->main_bin, commands[i], "--url", "mysql://localhost/app");
        assert_int_equal(r.status, 1);
        assert_string_equal(r.out, "");
        assert_true(strncmp(r.err, PROG ": error: ", strlen(PROG ": error: ")) == 0);
        assert_contains(r.err, "mysql://localhost/app");
        assert_int_equal(cli_count(r.err, "\n"), 1);
        gen_result_free(&r);
    }
    setenv("DATABASE_URL", "nonsense", 1);
    RUN(&r, c->main_bin, "migrate");
    assert_int_equal(r.status, 1);
    assert_contains(r.err, PROG ": error: ");
    assert_contains(r.err, "nonsense");
    gen_result_free(&r);
}

static void database_password_hidden(void **state)
{
    cli_case *c = *state;
    gen_result r;

    RUN(&r, c->main_bin, "migrate", "--url", "mysql://bob:hunter2@localhost/app");
    assert_int_equal(r.status, 1);
    assert_contains(r.err, PROG ": error: ");
    assert_lacks(r.err, "hunter2");
    gen_result_free(&r);

    /* PostgreSQL, built in or not: nothing listens on port 1. */
    RUN(&r, c->main_bin, "migrate", "--url", "postgres://bob:hunter2@127.0.0.1:1/app");
    assert_int_equal(r.status, 1);
    assert_contains(r.err, PROG ": error: ");
    assert_lacks(r.err, "hunter2");
    gen_result_free(&r);
}

static void database_cannot_open(void **state)
{
    cli_case *c = *state;
    gen_result r;
    char *url = gen_format("sqlite:%s/no/such/dir/x.db", c->dir);

    RUN(&r, c->main_bin, "migrate", "--url", url);
    assert_int_equal(r.status, 1);
    assert_string_equal(r.out, "");
    assert_contains(r.err, PROG ": error: ");
    assert_contains(r.err, "no/such/dir/x.db");
    gen_result_free(&r);
    free(url);

    gen_write(c->dir, "junk.db", "this is not an SQLite database, not at all, no no no no no no\n");
    url = gen_format("sqlite:%s/junk.db", c->dir);
    RUN(&r, c->main_bin, "migrations", "--url", url);
    assert_int_equal(r.status, 1);
    assert_string_equal(r.out, "");
    assert_contains(r.err, PROG ": error: ");
    gen_result_free(&r);
    free(url);
}

/* ------------------------------------------------------------------------ */
/* clirepo_migrator: migrator_main_with and DATABASE_URL of CMake            */
/* ------------------------------------------------------------------------ */

static void remove_default_db(const char *path)
{
    static const char *const suffixes[] = {"", "-journal", "-wal", "-shm"};
    size_t i;
    for (i = 0; i < 4; i++) {
        char *file = gen_format("%s%s", path, suffixes[i]);
        unlink(file);
        free(file);
    }
}

static void default_url_compiled_in(void **state)
{
    cli_case *c = *state;
    const char *bin = cli_program("CLI_DEFAULT_MIGRATOR");
    const char *db = cli_program("CLI_DEFAULT_DB");
    gen_result r;

    assert_string_equal(cli_base_name(bin), "clirepo_migrator");
    remove_default_db(db);
    RUN(&r, bin, "migrate");
    assert_cli(&r, 0, "", UP1 UP2 UP3 UP4 UP5);
    gen_result_free(&r);
    assert_versions(db, ALL_VERSIONS);

    RUN(&r, bin, "migrations");
    /* clang-format off */
    assert_cli(&r, 0,
               STATUS_HEAD("clirepo")
               ROW_UP(V1, "create_users")
               ROW_UP(V2, "create_posts")
               ROW_UP(V3, "create_tags")
               ROW_UP(V4, "create_comments")
               ROW_UP(V5, "seed_users")
               "\n",
               "");
    /* clang-format on */
    gen_result_free(&r);

    RUN(&r, bin, "rollback", "--step", "2");
    assert_cli(&r, 0, "", DOWN5 DOWN4);
    gen_result_free(&r);
    assert_versions(db, V1 "," V2 "," V3);
    remove_default_db(db);
}

static void default_url_env_overrides(void **state)
{
    cli_case *c = *state;
    const char *bin = cli_program("CLI_DEFAULT_MIGRATOR");
    const char *db = cli_program("CLI_DEFAULT_DB");
    gen_result r;
    char *env_db = gen_path(c->dir, "env.db");
    char *env_url = gen_format("sqlite:%s", env_db);

    remove_default_db(db);
    setenv("DATABASE_URL", env_url, 1);
    RUN(&r, bin, "migrate", "--step", "3");
    assert_cli(&r, 0, "", UP1 UP2 UP3);
    gen_result_free(&r);
    assert_versions(env_db, V1 "," V2 "," V3);
    assert_true(access(db, F_OK) != 0);

    /* --url overrides both. */
    RUN(&r, bin, "migrate", "--url", c->url);
    assert_cli(&r, 0, "", UP1 UP2 UP3 UP4 UP5);
    gen_result_free(&r);
    assert_versions(c->db, ALL_VERSIONS);
    assert_versions(env_db, V1 "," V2 "," V3);
    assert_true(access(db, F_OK) != 0);
    free(env_db);
    free(env_url);
}

static void default_url_messages(void **state)
{
    cli_case *c = *state;
    const char *bin = cli_program("CLI_DEFAULT_MIGRATOR");
    gen_result r;
    size_t i;

    RUN(&r, bin, "migrate", "--step", "0");
    assert_cli(&r, 2, "",
               "clirepo_migrator: --step: expected a positive integer, got \"0\"\n" TRY(
                   "clirepo_migrator"));
    gen_result_free(&r);

    RUN(&r, bin, "--help");
    assert_cli(&r, 0, NULL, "");
    for (i = 0; common_flags[i]; i++)
        assert_contains(r.out, common_flags[i]);
    gen_result_free(&r);
}

/* ------------------------------------------------------------------------ */

#define CASE(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(int argc, char **argv)
{
    const struct CMUnitTest migrate_cases[] = {
        CASE(migrate_default_runs_all),
        CASE(migrate_nothing_to_do),
        CASE(migrate_all_flag),
        CASE(migrate_step),
        CASE(migrate_n),
        CASE(migrate_to),
        CASE(migrate_to_exclusive),
        CASE(migrate_opt_equals_value),
        CASE(migrate_group),
    };
    const struct CMUnitTest rollback_cases[] = {
        CASE(rollback_default_one_step),
        CASE(rollback_all),
        CASE(rollback_on_fresh_database),
        CASE(rollback_step),
        CASE(rollback_to),
        CASE(rollback_to_missing_target),
        CASE(rollback_to_exclusive),
        CASE(rollback_skips_versions_without_file),
    };
    const struct CMUnitTest status_cases[] = {
        CASE(status_all_down),       CASE(status_all_up),     CASE(status_mixed),
        CASE(status_file_not_found), CASE(status_empty_repo), CASE(status_long_version),
        CASE(status_missing_database_file),
    };
    const struct CMUnitTest log_cases[] = {
        CASE(log_quiet),
        CASE(log_migrations_sql),
        CASE(log_migrator_sql),
        CASE(log_both_sql),
        CASE(log_migrator_sql_rollback_on_failure),
    };
    const struct CMUnitTest failure_cases[] = {
        CASE(failure_statement),
        CASE(failure_before_the_failing_one),
        CASE(failure_group_all_or_nothing),
        CASE(failure_irreversible),
        CASE(failure_strict_version_order),
        CASE(failure_out_of_order_warns),
        CASE(failure_out_of_order_quiet),
        CASE(failure_strict_in_order_is_fine),
    };
    const struct CMUnitTest usage_cases[] = {
        CASE(usage_no_command),
        CASE(usage_unknown_command),
        CASE(usage_unknown_flag),
        CASE(usage_step),
        CASE(usage_version),
        CASE(usage_two_strategies),
        CASE(usage_strategy_on_migrations),
        CASE(usage_missing_value),
        CASE(usage_bad_values),
        CASE(usage_no_database),
    };
    const struct CMUnitTest help_cases[] = {CASE(help_program), CASE(help_commands)};
    const struct CMUnitTest options_cases[] = {
        CASE(options_migration_source),  CASE(options_prefix_unsupported),
        CASE(options_url_overrides_env), CASE(options_migration_lock),
        CASE(options_lock_timeout),
    };
    const struct CMUnitTest database_cases[] = {
        CASE(database_unknown_scheme), CASE(database_password_hidden), CASE(database_cannot_open)};
    const struct CMUnitTest default_url_cases[] = {
        CASE(default_url_compiled_in), CASE(default_url_env_overrides), CASE(default_url_messages)};
    const char *group = argc > 1 ? argv[1] : "";

#define GROUP(name)                                                                                \
    if (strcmp(group, #name) == 0)                                                                 \
    return cmocka_run_group_tests_name("cli." #name, name##_cases, NULL, NULL)
    GROUP(migrate);
    GROUP(rollback);
    GROUP(status);
    GROUP(log);
    GROUP(failure);
    GROUP(usage);
    GROUP(help);
    GROUP(options);
    GROUP(database);
    GROUP(default_url);
#undef GROUP
    fprintf(stderr,
            "usage: %s GROUP (migrate, rollback, status, log, failure, usage, help, options, "
            "database, default_url)\n",
            argc > 0 ? argv[0] : "test_cli_main");
    return 2;
}
