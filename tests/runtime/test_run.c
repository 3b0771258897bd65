/*
 * runtime.run: migrator_run's strategies up and down (SPEC.md "Strategies",
 * research §3.2), what `ran` holds, nothing-to-do runs, rollback order,
 * applied versions without a migration, migrator_up / migrator_down,
 * migrated_versions, migrator_migrations, irreversible and empty down
 * sections, and a database whose schema_migrations Ecto created.
 *
 * Fixtures: basic (1..4, each creates a table and adds "<v>up" /
 * "<v>down" to `log`), gaps (1, 5, 10, 20, same pattern), irreversible
 * (2 has no down section), empty_down (1 has an empty down section).
 *
 * SPDX-License-Identifier: MIT
 */
#define _XOPEN_SOURCE 700
#include "rt_harness.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "rt_bad_down_migrations.h"
#include "rt_basic_migrations.h"
#include "rt_big_migrations.h"
#include "rt_empty_down_migrations.h"
#include "rt_gaps_migrations.h"
#include "rt_irreversible_migrations.h"

/* Runs direction with strategy/target; checks the result, ran and that the
 * log has "Migrations already up|down" exactly when ran is empty. */
static void run_expect(migrator_repo *repo, const migrator_table *table,
                       migrator_direction direction, migrator_strategy strategy, int64_t target,
                       int expected_result, const char *expected_ran)
{
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);
    migrator_versions ran = {NULL, 0};
    int result;

    opts.strategy = strategy;
    opts.target = target;
    result = migrator_run(repo, table, direction, &opts, &ran);
    assert_status(repo, result, expected_result);
    if (expected_result == MIGRATOR_OK) {
        const char *already =
            direction == MIGRATOR_UP ? "Migrations already up" : "Migrations already down";
        if (expected_ran[0] == '\0')
            assert_logged(&log, MIGRATOR_LOG_INFO, already);
        else
            assert_int_equal(rt_log_count(&log, already), 0);
    }
    assert_ran(&ran, expected_ran);
    rt_log_free(&log);
}

static void all_up_then_all_down(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = rt_open(env->url, NULL);

    run_expect(repo, &rt_basic_migrations, MIGRATOR_UP, MIGRATOR_STRATEGY_ALL, 0, MIGRATOR_OK,
               "1,2,3,4");
    assert_db_versions(env->db, "1,2,3,4");
    assert_log_table(env->db, "1up,2up,3up,4up");
    assert_true(rt_has_table(env->db, "alpha") && rt_has_table(env->db, "delta"));

    /* Again: nothing to do, empty ran, "Migrations already up". */
    run_expect(repo, &rt_basic_migrations, MIGRATOR_UP, MIGRATOR_STRATEGY_ALL, 0, MIGRATOR_OK, "");
    assert_log_table(env->db, "1up,2up,3up,4up");

    run_expect(repo, &rt_basic_migrations, MIGRATOR_DOWN, MIGRATOR_STRATEGY_ALL, 0, MIGRATOR_OK,
               "4,3,2,1");
    assert_db_versions(env->db, "");
    assert_log_table(env->db, "1up,2up,3up,4up,4down,3down,2down,1down");
    assert_false(rt_has_table(env->db, "alpha"));
    assert_false(rt_has_table(env->db, "delta"));

    run_expect(repo, &rt_basic_migrations, MIGRATOR_DOWN, MIGRATOR_STRATEGY_ALL, 0, MIGRATOR_OK,
               "");
    assert_log_table(env->db, "1up,2up,3up,4up,4down,3down,2down,1down");
    migrator_close(repo);
}

static void step_up_and_down(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = rt_open(env->url, NULL);
    const migrator_table *t = &rt_basic_migrations;

    run_expect(repo, t, MIGRATOR_UP, MIGRATOR_STRATEGY_STEP, 1, MIGRATOR_OK, "1");
    assert_db_versions(env->db, "1");
    run_expect(repo, t, MIGRATOR_UP, MIGRATOR_STRATEGY_STEP, 2, MIGRATOR_OK, "2,3");
    assert_db_versions(env->db, "1,2,3");
    /* More steps than pending migrations: the rest. */
    run_expect(repo, t, MIGRATOR_UP, MIGRATOR_STRATEGY_STEP, 10, MIGRATOR_OK, "4");
    run_expect(repo, t, MIGRATOR_UP, MIGRATOR_STRATEGY_STEP, 1, MIGRATOR_OK, "");
    assert_db_versions(env->db, "1,2,3,4");
    run_expect(repo, t, MIGRATOR_DOWN, MIGRATOR_STRATEGY_STEP, INT64_MAX, MIGRATOR_OK, "4,3,2,1");
    run_expect(repo, t, MIGRATOR_UP, MIGRATOR_STRATEGY_STEP, INT64_MAX, MIGRATOR_OK, "1,2,3,4");

    run_expect(repo, t, MIGRATOR_DOWN, MIGRATOR_STRATEGY_STEP, 1, MIGRATOR_OK, "4");
    assert_db_versions(env->db, "1,2,3");
    run_expect(repo, t, MIGRATOR_DOWN, MIGRATOR_STRATEGY_STEP, 2, MIGRATOR_OK, "3,2");
    assert_db_versions(env->db, "1");
    run_expect(repo, t, MIGRATOR_DOWN, MIGRATOR_STRATEGY_STEP, 10, MIGRATOR_OK, "1");
    run_expect(repo, t, MIGRATOR_DOWN, MIGRATOR_STRATEGY_STEP, 1, MIGRATOR_OK, "");
    assert_db_versions(env->db, "");
    assert_log_table(env->db, "1up,2up,3up,4up,4down,3down,2down,1down,1up,2up,3up,4up,4down,3down,"
                              "2down,1down");
    migrator_close(repo);
}

static void default_strategy(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = rt_open(env->url, NULL);
    const migrator_table *t = &rt_basic_migrations;
    migrator_versions ran;

    /* DEFAULT up: all. */
    run_expect(repo, t, MIGRATOR_UP, MIGRATOR_STRATEGY_DEFAULT, 0, MIGRATOR_OK, "1,2,3,4");
    /* DEFAULT down: one step, whatever the target says. */
    run_expect(repo, t, MIGRATOR_DOWN, MIGRATOR_STRATEGY_DEFAULT, 0, MIGRATOR_OK, "4");
    run_expect(repo, t, MIGRATOR_DOWN, MIGRATOR_STRATEGY_DEFAULT, 3, MIGRATOR_OK, "3");
    assert_db_versions(env->db, "1,2");

    /* NULL options are the defaults too (lines go to stderr). */
    assert_status(repo, migrator_run(repo, t, MIGRATOR_DOWN, NULL, &ran), MIGRATOR_OK);
    assert_ran(&ran, "2");
    assert_status(repo, migrator_run(repo, t, MIGRATOR_UP, NULL, &ran), MIGRATOR_OK);
    assert_ran(&ran, "2,3,4");
    /* ran may be NULL. */
    assert_status(repo, migrator_run(repo, t, MIGRATOR_DOWN, NULL, NULL), MIGRATOR_OK);
    assert_db_versions(env->db, "1,2,3");
    migrator_close(repo);
}

static void step_zero_or_negative_is_einval(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = rt_open(env->url, NULL);
    const migrator_table *t = &rt_basic_migrations;
    static const int64_t bad[] = {0, -1, -3, INT64_MIN};
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        run_expect(repo, t, MIGRATOR_UP, MIGRATOR_STRATEGY_STEP, bad[i], MIGRATOR_EINVAL, "");
        assert_string_not_equal(migrator_errmsg(repo), "");
        assert_false(rt_has_table(env->db, "log"));
        assert_false(rt_has_table(env->db, "alpha"));
    }
    run_expect(repo, t, MIGRATOR_UP, MIGRATOR_STRATEGY_ALL, 0, MIGRATOR_OK, "1,2,3,4");
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        run_expect(repo, t, MIGRATOR_DOWN, MIGRATOR_STRATEGY_STEP, bad[i], MIGRATOR_EINVAL, "");
    assert_db_versions(env->db, "1,2,3,4");
    assert_log_table(env->db, "1up,2up,3up,4up");
    migrator_close(repo);
}

/* TO and TO_EXCLUSIVE on versions 1, 5, 10, 20 with targets below, equal to,
 * between and beyond them; each case on a fresh database. */
typedef struct target_case {
    migrator_direction direction;
    migrator_strategy strategy;
    int64_t target;
    const char *ran;
} target_case;

static const target_case target_cases[] = {
    {MIGRATOR_UP, MIGRATOR_STRATEGY_TO, -5, ""},
    {MIGRATOR_UP, MIGRATOR_STRATEGY_TO, 0, ""},
    {MIGRATOR_UP, MIGRATOR_STRATEGY_TO, 1, "1"},
    {MIGRATOR_UP, MIGRATOR_STRATEGY_TO, 4, "1"},
    {MIGRATOR_UP, MIGRATOR_STRATEGY_TO, 5, "1,5"},
    {MIGRATOR_UP, MIGRATOR_STRATEGY_TO, 7, "1,5"},
    {MIGRATOR_UP, MIGRATOR_STRATEGY_TO, 10, "1,5,10"},
    {MIGRATOR_UP, MIGRATOR_STRATEGY_TO, 19, "1,5,10"},
    {MIGRATOR_UP, MIGRATOR_STRATEGY_TO, 20, "1,5,10,20"},
    {MIGRATOR_UP, MIGRATOR_STRATEGY_TO, 25, "1,5,10,20"},
    {MIGRATOR_UP, MIGRATOR_STRATEGY_TO, INT64_MAX, "1,5,10,20"},
    {MIGRATOR_UP, MIGRATOR_STRATEGY_TO_EXCLUSIVE, 0, ""},
    {MIGRATOR_UP, MIGRATOR_STRATEGY_TO_EXCLUSIVE, 1, ""},
    {MIGRATOR_UP, MIGRATOR_STRATEGY_TO_EXCLUSIVE, 2, "1"},
    {MIGRATOR_UP, MIGRATOR_STRATEGY_TO_EXCLUSIVE, 5, "1"},
    {MIGRATOR_UP, MIGRATOR_STRATEGY_TO_EXCLUSIVE, 7, "1,5"},
    {MIGRATOR_UP, MIGRATOR_STRATEGY_TO_EXCLUSIVE, 10, "1,5"},
    {MIGRATOR_UP, MIGRATOR_STRATEGY_TO_EXCLUSIVE, 20, "1,5,10"},
    {MIGRATOR_UP, MIGRATOR_STRATEGY_TO_EXCLUSIVE, 21, "1,5,10,20"},
    {MIGRATOR_UP, MIGRATOR_STRATEGY_TO_EXCLUSIVE, 25, "1,5,10,20"},
    {MIGRATOR_DOWN, MIGRATOR_STRATEGY_TO, INT64_MAX, ""},
    {MIGRATOR_DOWN, MIGRATOR_STRATEGY_TO, 25, ""},
    {MIGRATOR_DOWN, MIGRATOR_STRATEGY_TO, 20, "20"},
    {MIGRATOR_DOWN, MIGRATOR_STRATEGY_TO, 11, "20"},
    {MIGRATOR_DOWN, MIGRATOR_STRATEGY_TO, 10, "20,10"},
    {MIGRATOR_DOWN, MIGRATOR_STRATEGY_TO, 7, "20,10"},
    {MIGRATOR_DOWN, MIGRATOR_STRATEGY_TO, 5, "20,10,5"},
    {MIGRATOR_DOWN, MIGRATOR_STRATEGY_TO, 1, "20,10,5,1"},
    {MIGRATOR_DOWN, MIGRATOR_STRATEGY_TO, 0, "20,10,5,1"},
    {MIGRATOR_DOWN, MIGRATOR_STRATEGY_TO, -5, "20,10,5,1"},
    {MIGRATOR_DOWN, MIGRATOR_STRATEGY_TO_EXCLUSIVE, 25, ""},
    {MIGRATOR_DOWN, MIGRATOR_STRATEGY_TO_EXCLUSIVE, 20, ""},
    {MIGRATOR_DOWN, MIGRATOR_STRATEGY_TO_EXCLUSIVE, 19, "20"},
    {MIGRATOR_DOWN, MIGRATOR_STRATEGY_TO_EXCLUSIVE, 10, "20"},
    {MIGRATOR_DOWN, MIGRATOR_STRATEGY_TO_EXCLUSIVE, 7, "20,10"},
    {MIGRATOR_DOWN, MIGRATOR_STRATEGY_TO_EXCLUSIVE, 5, "20,10"},
    {MIGRATOR_DOWN, MIGRATOR_STRATEGY_TO_EXCLUSIVE, 1, "20,10,5"},
    {MIGRATOR_DOWN, MIGRATOR_STRATEGY_TO_EXCLUSIVE, 0, "20,10,5,1"},
};

/* What schema_migrations holds after a case: up from nothing, the versions
 * that ran; down from all four, those that did not. */
static char *remaining_after(const target_case *c)
{
    static const int64_t all[] = {1, 5, 10, 20};
    char *text = rt_format("%s", "");
    size_t i;
    for (i = 0; i < 4; i++) {
        char *item = rt_format(",%" PRId64 ",", all[i]);
        char *ran = rt_format(",%s,", c->ran);
        int in_ran = strstr(ran, item) != NULL;
        int applied = c->direction == MIGRATOR_UP ? in_ran : !in_ran;
        if (applied) {
            char *longer = rt_format("%s%s%" PRId64, text, text[0] ? "," : "", all[i]);
            free(text);
            text = longer;
        }
        free(item);
        free(ran);
    }
    return text;
}

static void to_and_to_exclusive(void **state)
{
    rt_env *env = RT_ENV(state);
    size_t i;

    for (i = 0; i < sizeof(target_cases) / sizeof(target_cases[0]); i++) {
        const target_case *c = &target_cases[i];
        migrator_repo *repo;
        char *remaining = remaining_after(c);
        char *versions;

        rt_reset_db(env->db);
        repo = rt_open(env->url, NULL);
        if (c->direction == MIGRATOR_DOWN)
            run_expect(repo, &rt_gaps_migrations, MIGRATOR_UP, MIGRATOR_STRATEGY_ALL, 0,
                       MIGRATOR_OK, "1,5,10,20");
        print_message("%s %s %" PRId64 " -> [%s]\n", c->direction == MIGRATOR_UP ? "up" : "down",
                      c->strategy == MIGRATOR_STRATEGY_TO ? "to" : "to_exclusive", c->target,
                      c->ran);
        run_expect(repo, &rt_gaps_migrations, c->direction, c->strategy, c->target, MIGRATOR_OK,
                   c->ran);
        versions = rt_db_versions(env->db);
        assert_string_equal(versions, remaining);
        free(versions);
        free(remaining);
        migrator_close(repo);
    }
}

/* Rollback takes the highest applied versions, not the most recently applied
 * ones (ecto#2614). */
static void rollback_order_is_by_version(void **state)
{
    rt_env *env = RT_ENV(state);
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);
    migrator_repo *repo = rt_open(env->url, NULL);
    const migrator_table *t = &rt_basic_migrations;

    assert_status(repo, migrator_up(repo, t, 4, &opts), MIGRATOR_OK);
    assert_status(repo, migrator_up(repo, t, 2, &opts), MIGRATOR_OK);
    run_expect(repo, t, MIGRATOR_UP, MIGRATOR_STRATEGY_TO, 1, MIGRATOR_OK, "1");
    assert_log_table(env->db, "4up,2up,1up");
    run_expect(repo, t, MIGRATOR_DOWN, MIGRATOR_STRATEGY_STEP, 1, MIGRATOR_OK, "4");
    run_expect(repo, t, MIGRATOR_UP, MIGRATOR_STRATEGY_STEP, 1, MIGRATOR_OK, "3");
    run_expect(repo, t, MIGRATOR_DOWN, MIGRATOR_STRATEGY_ALL, 0, MIGRATOR_OK, "3,2,1");
    assert_log_table(env->db, "4up,2up,1up,4down,3up,3down,2down,1down");
    rt_log_free(&log);
    migrator_close(repo);
}

/* Applied versions that are not in the table: never rolled back, "** FILE
 * NOT FOUND **" in the status. */
static void applied_without_migration(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = rt_open(env->url, NULL);
    const migrator_table *t = &rt_gaps_migrations;
    migrator_status_list list;
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);

    run_expect(repo, t, MIGRATOR_UP, MIGRATOR_STRATEGY_TO, 5, MIGRATOR_OK, "1,5");
    rt_exec(env->db, "INSERT INTO schema_migrations (version, inserted_at) VALUES "
                     "(7, '2024-01-01T00:00:00'), (99, '2024-01-01T00:00:00'), "
                     "(0, '2024-01-01T00:00:00')");

    assert_status(repo, migrator_migrations(repo, t, &opts, &list), MIGRATOR_OK);
    assert_int_equal(list.count, 7);
    {
        static const struct {
            int up;
            int64_t version;
            const char *name;
        } expected[] = {{1, 0, MIGRATOR_FILE_NOT_FOUND}, {1, 1, "gap_1"},   {1, 5, "gap_5"},
                        {1, 7, MIGRATOR_FILE_NOT_FOUND}, {0, 10, "gap_10"}, {0, 20, "gap_20"},
                        {1, 99, MIGRATOR_FILE_NOT_FOUND}};
        size_t i;
        for (i = 0; i < list.count; i++) {
            assert_int_equal(list.items[i].up, expected[i].up);
            assert_int_equal(list.items[i].version, expected[i].version);
            assert_string_equal(list.items[i].name, expected[i].name);
            if (strcmp(expected[i].name, MIGRATOR_FILE_NOT_FOUND) == 0) {
                assert_null(list.items[i].migration);
            } else {
                assert_ptr_equal(list.items[i].migration, rt_migration(t, expected[i].version));
            }
        }
    }
    migrator_status_list_free(&list);
    assert_null(list.items);
    assert_int_equal(list.count, 0);
    migrator_status_list_free(NULL);

    /* Default rollback: the highest applied version that has a migration. */
    run_expect(repo, t, MIGRATOR_DOWN, MIGRATOR_STRATEGY_DEFAULT, 0, MIGRATOR_OK, "5");
    assert_db_versions(env->db, "0,1,7,99");
    run_expect(repo, t, MIGRATOR_DOWN, MIGRATOR_STRATEGY_ALL, 0, MIGRATOR_OK, "1");
    assert_db_versions(env->db, "0,7,99");
    run_expect(repo, t, MIGRATOR_DOWN, MIGRATOR_STRATEGY_ALL, 0, MIGRATOR_OK, "");
    run_expect(repo, t, MIGRATOR_DOWN, MIGRATOR_STRATEGY_TO, 0, MIGRATOR_OK, "");
    assert_db_versions(env->db, "0,7,99");
    /* migrator_down of a version that is applied but not in the table. */
    assert_status(repo, migrator_down(repo, t, 7, &opts), MIGRATOR_ENOTFOUND);
    assert_db_versions(env->db, "0,7,99");
    rt_log_free(&log);
    migrator_close(repo);
}

static void up_and_down_single(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = rt_open(env->url, NULL);
    const migrator_table *t = &rt_basic_migrations;
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);

    assert_status(repo, migrator_up(repo, t, 3, &opts), MIGRATOR_OK);
    assert_db_versions(env->db, "3");
    assert_log_table(env->db, "3up");
    assert_logged(&log, MIGRATOR_LOG_INFO, "== Running 3 create_gamma up");
    rt_log_free(&log);

    /* Already up: nothing runs, nothing is logged. */
    assert_status(repo, migrator_up(repo, t, 3, &opts), MIGRATOR_ALREADY_UP);
    assert_int_equal(log.count, 0);
    assert_status(repo, migrator_down(repo, t, 2, &opts), MIGRATOR_ALREADY_DOWN);
    assert_int_equal(log.count, 0);
    assert_log_table(env->db, "3up");

    assert_status(repo, migrator_up(repo, t, 999, &opts), MIGRATOR_ENOTFOUND);
    assert_string_not_equal(migrator_errmsg(repo), "");
    assert_status(repo, migrator_down(repo, t, 999, &opts), MIGRATOR_ENOTFOUND);
    assert_status(repo, migrator_up(repo, t, 0, &opts), MIGRATOR_ENOTFOUND);
    assert_int_equal(log.count, 0);

    assert_status(repo, migrator_up(repo, t, 1, &opts), MIGRATOR_OK);
    assert_status(repo, migrator_down(repo, t, 3, &opts), MIGRATOR_OK);
    assert_logged(&log, MIGRATOR_LOG_INFO, "== Running 3 create_gamma down");
    assert_db_versions(env->db, "1");
    assert_false(rt_has_table(env->db, "gamma"));
    assert_status(repo, migrator_down(repo, t, 3, &opts), MIGRATOR_ALREADY_DOWN);
    assert_log_table(env->db, "3up,1up,3down");

    /* NULL options. */
    assert_status(repo, migrator_up(repo, t, 2, NULL), MIGRATOR_OK);
    assert_status(repo, migrator_down(repo, t, 2, NULL), MIGRATOR_OK);
    assert_db_versions(env->db, "1");
    rt_log_free(&log);
    migrator_close(repo);
}

static void migrated_versions_sorted(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = rt_open(env->url, NULL);
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);
    migrator_versions versions;

    /* Creates the table on a new database. */
    assert_status(repo, migrator_migrated_versions(repo, &opts, &versions), MIGRATOR_OK);
    assert_ran(&versions, "");
    assert_true(rt_has_table(env->db, "schema_migrations"));
    if (rt_pg())
        /* Ecto's Postgres table: "version" bigint PRIMARY KEY, "inserted_at"
         * timestamp(0). */
        assert_query(env->db,
                     "SELECT column_name || ' ' || data_type || ' ' || "
                     "coalesce(datetime_precision, -1) || ' ' || is_nullable "
                     "FROM information_schema.columns WHERE table_schema = 'public' AND "
                     "table_name = 'schema_migrations' ORDER BY ordinal_position",
                     "version bigint -1 NO,inserted_at timestamp without time zone 0 YES");
    else
        assert_query(env->db, "SELECT sql FROM sqlite_master WHERE name = 'schema_migrations'",
                     "CREATE TABLE \"schema_migrations\" (\"version\" INTEGER PRIMARY KEY, "
                     "\"inserted_at\" TEXT)");

    assert_status(repo, migrator_up(repo, &rt_basic_migrations, 3, &opts), MIGRATOR_OK);
    rt_exec(env->db, "INSERT INTO schema_migrations (version, inserted_at) VALUES "
                     "(30, NULL), (-2, NULL), (20240101000000, NULL), (9223372036854775807, NULL)");
    assert_status(repo, migrator_up(repo, &rt_basic_migrations, 1, &opts), MIGRATOR_OK);
    assert_status(repo, migrator_migrated_versions(repo, &opts, &versions), MIGRATOR_OK);
    assert_ran(&versions, "-2,1,3,30,20240101000000,9223372036854775807");
    assert_status(repo, migrator_migrated_versions(repo, NULL, &versions), MIGRATOR_OK);
    assert_ran(&versions, "-2,1,3,30,20240101000000,9223372036854775807");
    migrator_versions_free(NULL);
    rt_log_free(&log);
    migrator_close(repo);
}

/* inserted_at is UTC YYYY-MM-DDThh:mm:ss text on SQLite; on PostgreSQL a
 * timestamp(0) (Ecto's), UTC, "YYYY-MM-DD hh:mm:ss" as text. */
static void inserted_at_format(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = rt_open(env->url, NULL);
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);

    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, NULL),
                  MIGRATOR_OK);
    if (rt_pg()) {
        assert_int_equal(rt_int(env->db, "SELECT count(*) FROM schema_migrations WHERE "
                                         "inserted_at::text ~ "
                                         "'^[0-9]{4}-[0-1][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:"
                                         "[0-6][0-9]$'"),
                         4);
        /* UTC, now: within two minutes of the server's clock. */
        assert_int_equal(rt_int(env->db, "SELECT count(*) FROM schema_migrations WHERE "
                                         "abs(extract(epoch FROM (now() AT TIME ZONE 'UTC') - "
                                         "inserted_at)) < 120"),
                         4);
        rt_log_free(&log);
        migrator_close(repo);
        return;
    }
    assert_int_equal(rt_int(env->db, "SELECT count(*) FROM schema_migrations WHERE "
                                     "typeof(inserted_at) = 'text' AND length(inserted_at) = 19 "
                                     "AND inserted_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-"
                                     "[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]'"),
                     4);
    /* UTC, now: within two minutes of SQLite's clock. */
    assert_int_equal(rt_int(env->db, "SELECT count(*) FROM schema_migrations WHERE "
                                     "abs(strftime('%s', 'now') - strftime('%s', inserted_at)) "
                                     "< 120"),
                     4);
    rt_log_free(&log);
    migrator_close(repo);
}

/* A database whose schema_migrations Ecto created (ecto_sqlite3, or Ecto's
 * Postgres adapter), with Ecto's rows. */
static void reads_ecto_database(void **state)
{
    rt_env *env = RT_ENV(state);
    const char *ecto_sql =
        rt_pg() ? "CREATE TABLE \"schema_migrations\" (\"version\" bigint, \"inserted_at\" "
                  "timestamp(0), PRIMARY KEY (\"version\"))"
                : "CREATE TABLE \"schema_migrations\" (\"version\" INTEGER PRIMARY KEY, "
                  "\"inserted_at\" TEXT)";
    /* PostgreSQL shows a timestamp with a space; SQLite keeps Ecto's text. */
    const char sep = rt_pg() ? ' ' : 'T';
    migrator_repo *repo;
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);
    migrator_status_list list;
    migrator_versions versions, ran;
    char *setup =
        rt_format("%s; CREATE TABLE log (seq INTEGER NOT NULL, version INTEGER NOT NULL, "
                  "direction TEXT NOT NULL); "
                  "CREATE TABLE alpha (id INTEGER PRIMARY KEY, note TEXT); "
                  "CREATE TABLE beta (id INTEGER PRIMARY KEY, note TEXT); "
                  "INSERT INTO \"schema_migrations\" (\"version\", \"inserted_at\") VALUES "
                  "(1, '2023-11-02T09:14:07'), (2, '2023-11-02T09:14:08'), "
                  "(20230101120000, '2023-01-01T12:00:01');",
                  ecto_sql);

    rt_exec(env->db, setup);
    free(setup);
    repo = rt_open(env->url, NULL);
    assert_status(repo, migrator_migrated_versions(repo, &opts, &versions), MIGRATOR_OK);
    assert_ran(&versions, "1,2,20230101120000");
    assert_status(repo, migrator_migrations(repo, &rt_basic_migrations, &opts, &list), MIGRATOR_OK);
    assert_int_equal(list.count, 5);
    assert_true(list.items[0].up && list.items[0].version == 1);
    assert_true(list.items[1].up && list.items[1].version == 2);
    assert_true(!list.items[2].up && list.items[2].version == 3);
    assert_true(!list.items[3].up && list.items[3].version == 4);
    assert_true(list.items[4].up && list.items[4].version == 20230101120000);
    assert_string_equal(list.items[4].name, MIGRATOR_FILE_NOT_FOUND);
    migrator_status_list_free(&list);

    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "3,4");
    assert_log_table(env->db, "3up,4up");
    assert_db_versions(env->db, "1,2,3,4,20230101120000");
    /* The table is Ecto's still, and Ecto's rows are untouched. */
    if (rt_pg())
        assert_query(env->db,
                     "SELECT column_name || ' ' || data_type || ' ' || "
                     "coalesce(datetime_precision, -1) FROM information_schema.columns WHERE "
                     "table_schema = 'public' AND table_name = 'schema_migrations' "
                     "ORDER BY ordinal_position",
                     "version bigint -1,inserted_at timestamp without time zone 0");
    else
        assert_query(env->db, "SELECT sql FROM sqlite_master WHERE name = 'schema_migrations'",
                     ecto_sql);
    {
        char *expected = rt_format("2023-11-02%c09:14:07,2023-11-02%c09:14:08", sep, sep);
        assert_query(env->db,
                     "SELECT inserted_at FROM schema_migrations WHERE version IN (1, 2) "
                     "ORDER BY version",
                     expected);
        free(expected);
    }
    /* Rows we add have the same form. */
    assert_int_equal(rt_int(env->db, rt_pg() ? "SELECT count(*) FROM schema_migrations WHERE "
                                               "inserted_at::text ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2} "
                                               "[0-9]{2}:[0-9]{2}:[0-9]{2}$'"
                                             : "SELECT count(*) FROM schema_migrations WHERE "
                                               "inserted_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-"
                                               "[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]'"),
                     5);

    run_expect(repo, &rt_basic_migrations, MIGRATOR_DOWN, MIGRATOR_STRATEGY_ALL, 0, MIGRATOR_OK,
               "4,3,2,1");
    assert_db_versions(env->db, "20230101120000");
    rt_log_free(&log);
    migrator_close(repo);
}

static void irreversible_rollback(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = rt_open(env->url, NULL);
    const migrator_table *t = &rt_irreversible_migrations;
    const migrator_migration *m2 = rt_migration(t, 2);
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);
    migrator_versions ran;
    const char *message;

    assert_false(m2->flags & MIGRATOR_HAS_DOWN);
    assert_true(rt_migration(t, 3)->flags & MIGRATOR_HAS_DOWN);
    run_expect(repo, t, MIGRATOR_UP, MIGRATOR_STRATEGY_ALL, 0, MIGRATOR_OK, "1,2,3");

    /* 3 would come first, but 2 is selected too: nothing runs. */
    opts.strategy = MIGRATOR_STRATEGY_ALL;
    assert_status(repo, migrator_run(repo, t, MIGRATOR_DOWN, &opts, &ran), MIGRATOR_EIRREVERSIBLE);
    assert_ran(&ran, "");
    message = migrator_errmsg(repo);
    assert_non_null(strstr(message, m2->file));
    assert_non_null(strstr(message, "2"));
    assert_db_versions(env->db, "1,2,3");
    assert_true(rt_has_table(env->db, "c"));
    assert_int_equal(rt_log_count_prefix(&log, "== Running"), 0);

    opts.strategy = MIGRATOR_STRATEGY_TO;
    opts.target = 2;
    assert_status(repo, migrator_run(repo, t, MIGRATOR_DOWN, &opts, &ran), MIGRATOR_EIRREVERSIBLE);
    assert_ran(&ran, "");
    assert_db_versions(env->db, "1,2,3");
    assert_true(rt_has_table(env->db, "c"));

    /* Not selected: fine. */
    run_expect(repo, t, MIGRATOR_DOWN, MIGRATOR_STRATEGY_STEP, 1, MIGRATOR_OK, "3");
    run_expect(repo, t, MIGRATOR_DOWN, MIGRATOR_STRATEGY_STEP, 1, MIGRATOR_EIRREVERSIBLE, "");
    assert_db_versions(env->db, "1,2");

    assert_status(repo, migrator_down(repo, t, 2, &opts), MIGRATOR_EIRREVERSIBLE);
    message = migrator_errmsg(repo);
    assert_non_null(strstr(message, m2->file));
    assert_db_versions(env->db, "1,2");
    assert_true(rt_has_table(env->db, "b"));
    /* 1 can still be rolled back by itself. */
    assert_status(repo, migrator_down(repo, t, 1, &opts), MIGRATOR_OK);
    assert_db_versions(env->db, "2");
    rt_log_free(&log);
    migrator_close(repo);
}

static void empty_down_section(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = rt_open(env->url, NULL);
    const migrator_table *t = &rt_empty_down_migrations;
    const migrator_migration *m1 = rt_migration(t, 1);

    assert_true(m1->flags & MIGRATOR_HAS_DOWN);
    assert_int_equal(m1->down.count, 0);
    run_expect(repo, t, MIGRATOR_UP, MIGRATOR_STRATEGY_ALL, 0, MIGRATOR_OK, "1,2");
    run_expect(repo, t, MIGRATOR_DOWN, MIGRATOR_STRATEGY_ALL, 0, MIGRATOR_OK, "2,1");
    assert_db_versions(env->db, "");
    assert_true(rt_has_table(env->db, "kept"));
    assert_false(rt_has_table(env->db, "other"));
    /* The same with migrator_up / migrator_down (kept must go first, as
     * the empty down section left it). */
    rt_exec(env->db, "DROP TABLE kept");
    assert_status(repo, migrator_up(repo, t, 1, NULL), MIGRATOR_OK);
    assert_status(repo, migrator_down(repo, t, 1, NULL), MIGRATOR_OK);
    assert_db_versions(env->db, "");
    assert_true(rt_has_table(env->db, "kept"));
    migrator_close(repo);
}

/* sqlite::memory: databases work (and migrator_execute on them). */
static void memory_database(void **state)
{
    migrator_repo *repo;
    migrator_versions ran, versions;
    (void)state;
    RT_ONLY(RT_SQLITE, "sqlite::memory: is a SQLite URL form");
    repo = rt_open("sqlite::memory:", NULL);
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, NULL, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "1,2,3,4");
    assert_status(repo, migrator_migrated_versions(repo, NULL, &versions), MIGRATOR_OK);
    assert_ran(&versions, "1,2,3,4");
    assert_status(repo, migrator_execute(repo, "INSERT INTO alpha (note) VALUES ('x')"),
                  MIGRATOR_OK);
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_DOWN, NULL, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "4");
    migrator_close(repo);
}

/* Versions 0 and INT64_MAX. */
static void extreme_versions(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = rt_open(env->url, NULL);
    const migrator_table *t = &rt_big_migrations;
    migrator_status_list list;
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);

    run_expect(repo, t, MIGRATOR_UP, MIGRATOR_STRATEGY_TO, 0, MIGRATOR_OK, "0");
    run_expect(repo, t, MIGRATOR_UP, MIGRATOR_STRATEGY_TO, INT64_MAX, MIGRATOR_OK,
               "9223372036854775807");
    assert_db_versions(env->db, "0,9223372036854775807");
    rt_log_free(&log);
    assert_status(repo, migrator_migrations(repo, t, &opts, &list), MIGRATOR_OK);
    assert_int_equal(list.count, 2);
    assert_true(list.items[1].up && list.items[1].version == INT64_MAX);
    assert_string_equal(list.items[1].name, "max");
    migrator_status_list_free(&list);
    run_expect(repo, t, MIGRATOR_DOWN, MIGRATOR_STRATEGY_TO_EXCLUSIVE, 0, MIGRATOR_OK,
               "9223372036854775807");
    run_expect(repo, t, MIGRATOR_DOWN, MIGRATOR_STRATEGY_TO, 0, MIGRATOR_OK, "0");
    assert_status(repo, migrator_up(repo, t, INT64_MAX, &opts), MIGRATOR_OK);
    assert_logged(&log, MIGRATOR_LOG_INFO, "== Running 9223372036854775807 max up");
    assert_status(repo, migrator_up(repo, t, 0, &opts), MIGRATOR_OK);
    assert_status(repo, migrator_down(repo, t, 0, &opts), MIGRATOR_OK);
    assert_db_versions(env->db, "9223372036854775807");
    rt_log_free(&log);
    migrator_close(repo);
}

/* A failing statement in a down section: rolled back like an up. */
static void failing_down_section(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = rt_open(env->url, NULL);
    const migrator_table *t = &rt_bad_down_migrations;
    migrator_versions ran;
    char *expected;

    run_expect(repo, t, MIGRATOR_UP, MIGRATOR_STRATEGY_ALL, 0, MIGRATOR_OK, "1");
    assert_status(repo, migrator_run(repo, t, MIGRATOR_DOWN, NULL, &ran), MIGRATOR_ESQL);
    assert_ran(&ran, "");
    /* PostgreSQL gives no position for DROP TABLE of a missing table. */
    expected = rt_pg() ? rt_format("%s:7: 42P01: table \"nope_down\" does not exist (statement: "
                                   "DROP TABLE)",
                                   rt_migration(t, 1)->file)
                       : rt_format("%s:7: no such table: nope_down (statement: DROP TABLE)",
                                   rt_migration(t, 1)->file);
    assert_string_equal(migrator_errmsg(repo), expected);
    free(expected);
    assert_db_versions(env->db, "1");
    assert_query(env->db, "SELECT id FROM z", "1"); /* the DELETE was rolled back */
    assert_status(repo, migrator_down(repo, t, 1, NULL), MIGRATOR_ESQL);
    assert_db_versions(env->db, "1");
    migrator_close(repo);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(all_up_then_all_down, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(step_up_and_down, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(default_strategy, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(step_zero_or_negative_is_einval, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(to_and_to_exclusive, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(rollback_order_is_by_version, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(applied_without_migration, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(up_and_down_single, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(migrated_versions_sorted, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(inserted_at_format, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(reads_ecto_database, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(irreversible_rollback, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(empty_down_section, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(memory_database, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(extreme_versions, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(failing_down_section, rt_setup, rt_teardown),
    };
    return RT_MAIN("run", tests);
}
