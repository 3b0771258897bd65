/*
 * roundtrip.api: migrator_schema_fingerprint and migrator_roundtrip through
 * the C API, on sqlite::memory: (one connection, so the database lives as
 * long as the repo): the fingerprint of an empty database is "", exact
 * lines of a small one, argument errors; a broken repo gives
 * MIGRATOR_EROUNDTRIP with the diff logged at MIGRATOR_LOG_ERROR through
 * the caller's log_fn, a correct one MIGRATOR_OK and stays applied, an
 * applied database MIGRATOR_EINVAL, an irreversible migration
 * MIGRATOR_EIRREVERSIBLE. The repos are those of roundtrip_test.sh
 * (fixtures/, CMakeLists.txt).
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rtrip_good_sqlite_migrations.h"
#include "rtrip_index_step_migrations.h"
#include "rtrip_irrev_migrations.h"

/* Every log line, "LEVEL|message\n", for the assertions. */
typedef struct captured {
    char text[65536];
    size_t used;
} captured;

static void capture(migrator_log_level level, const char *message, void *payload)
{
    captured *c = payload;
    int n = snprintf(c->text + c->used, sizeof(c->text) - c->used, "%d|%s\n", (int)level, message);
    if (n > 0 && c->used + (size_t)n < sizeof(c->text))
        c->used += (size_t)n;
}

static migrator_repo *open_memory(void)
{
    migrator_repo *repo = NULL;
    int error = migrator_open(&repo, "sqlite::memory:", NULL);
    if (error != MIGRATOR_OK)
        fail_msg("migrator_open: %s", migrator_errmsg(NULL));
    return repo;
}

static int64_t applied_count(migrator_repo *repo)
{
    migrator_versions versions = {NULL, 0};
    int64_t count;
    assert_int_equal(migrator_migrated_versions(repo, NULL, &versions), MIGRATOR_OK);
    count = (int64_t)versions.count;
    migrator_versions_free(&versions);
    return count;
}

static void fingerprint_empty(void **state)
{
    migrator_repo *repo = open_memory();
    char *text = (char *)"not set";
    (void)state;
    assert_int_equal(migrator_schema_fingerprint(repo, NULL, &text), MIGRATOR_OK);
    assert_non_null(text);
    assert_string_equal(text, "");
    migrator_free(text);
    migrator_close(repo);
}

static void fingerprint_lines(void **state)
{
    migrator_repo *repo = open_memory();
    char *text = NULL;
    (void)state;
    assert_int_equal(migrator_execute(repo, "CREATE TABLE t (a INTEGER NOT NULL DEFAULT 1, "
                                            "b TEXT CHECK (b <> ''), UNIQUE (a, b))"),
                     MIGRATOR_OK);
    assert_int_equal(migrator_execute(repo, "CREATE INDEX t_b ON t (b) WHERE a > 0"), MIGRATOR_OK);
    /* The migrations table is never part of it. */
    assert_int_equal(applied_count(repo), 0);
    assert_int_equal(migrator_schema_fingerprint(repo, NULL, &text), MIGRATOR_OK);
    assert_string_equal(text, "index t_b on t (b) where a > 0\n"
                              "table t\n"
                              "table t column a: INTEGER not null default 1\n"
                              "table t column b: TEXT check (b <> '')\n"
                              "table t columns (a, b)\n"
                              "table t unique (a, b)\n");
    migrator_free(text);
    migrator_close(repo);
}

static void fingerprint_arguments(void **state)
{
    migrator_repo *repo = open_memory();
    char *text = (char *)"not set";
    (void)state;
    assert_int_equal(migrator_schema_fingerprint(NULL, NULL, &text), MIGRATOR_EINVAL);
    assert_null(text);
    assert_int_equal(migrator_schema_fingerprint(repo, NULL, NULL), MIGRATOR_EINVAL);
    assert_string_equal(migrator_errmsg(repo), "migrator_schema_fingerprint: out is NULL");
    migrator_close(repo);
}

static void roundtrip_broken(void **state)
{
    migrator_repo *repo = open_memory();
    migrator_run_opts opts = MIGRATOR_RUN_OPTS_INIT;
    captured *log = calloc(1, sizeof(*log));
    (void)state;
    assert_non_null(log);
    opts.log_fn = capture;
    opts.log_payload = log;
    assert_int_equal(migrator_roundtrip(repo, &rtrip_index_step_migrations,
                                        MIGRATOR_ROUNDTRIP_STEPWISE, &opts),
                     MIGRATOR_EROUNDTRIP);
    assert_string_equal(migrator_errmsg(repo),
                        "round trip failed at 20240102000000 add_readings "
                        "(fixtures/index/broken/20240102000000_add_readings.sql): down does not "
                        "restore the schema before up");
    /* Progress at the caller's level (INFO = 2), the failure at ERROR (4). */
    assert_non_null(strstr(log->text, "2|Round trip of 2 migrations on sqlite::memory:, whole and "
                                      "stepwise\n"));
    assert_non_null(strstr(log->text, "2|== 20240101000000 create_weather: up, down, up: schema "
                                      "restored\n"));
    assert_non_null(strstr(log->text, "4|round trip: 20240102000000 add_readings "
                                      "(fixtures/index/broken/20240102000000_add_readings.sql): "
                                      "down does not restore the schema before up (1 line "
                                      "differs):\n--- before up\n+++ after up, down\n@@ "));
    assert_non_null(strstr(log->text, "\n+index weather_city_index on weather (city)\n"));
    assert_null(strstr(log->text, "Round trip passed"));
    /* The migrations' own "== Running" lines are not logged. */
    assert_null(strstr(log->text, "== Running"));

    /* With the log level OFF, only the failure is logged. */
    migrator_close(repo);
    repo = open_memory();
    memset(log, 0, sizeof(*log));
    opts.log = MIGRATOR_LOG_OFF;
    assert_int_equal(migrator_roundtrip(repo, &rtrip_index_step_migrations,
                                        MIGRATOR_ROUNDTRIP_STEPWISE, &opts),
                     MIGRATOR_EROUNDTRIP);
    assert_memory_equal(log->text, "4|round trip: 20240102000000 add_readings", 40);
    assert_null(strstr(log->text, "\n2|"));
    free(log);
    migrator_close(repo);
}

static void roundtrip_good(void **state)
{
    migrator_repo *repo = open_memory();
    migrator_run_opts opts = MIGRATOR_RUN_OPTS_INIT;
    (void)state;
    opts.log = MIGRATOR_LOG_OFF;
    assert_int_equal(migrator_roundtrip(repo, &rtrip_good_sqlite_migrations,
                                        MIGRATOR_ROUNDTRIP_STEPWISE, &opts),
                     MIGRATOR_OK);
    assert_string_equal(migrator_errmsg(repo), "");
    assert_int_equal(applied_count(repo), 4);
    migrator_close(repo);
}

static void roundtrip_applied(void **state)
{
    migrator_repo *repo = open_memory();
    migrator_run_opts opts = MIGRATOR_RUN_OPTS_INIT;
    char *before = NULL, *after = NULL;
    (void)state;
    opts.log = MIGRATOR_LOG_OFF;
    assert_int_equal(migrator_up(repo, &rtrip_good_sqlite_migrations, 20240101000000, &opts),
                     MIGRATOR_OK);
    assert_int_equal(migrator_schema_fingerprint(repo, NULL, &before), MIGRATOR_OK);
    assert_int_equal(migrator_roundtrip(repo, &rtrip_good_sqlite_migrations, 0, &opts),
                     MIGRATOR_EINVAL);
    assert_string_equal(migrator_errmsg(repo),
                        "the round trip needs a database where no migration is applied, but "
                        "sqlite::memory: has 1 (the newest is 20240101000000): use an empty "
                        "database (roundtrip --scratch makes one)");
    assert_int_equal(migrator_schema_fingerprint(repo, NULL, &after), MIGRATOR_OK);
    assert_string_equal(before, after);
    assert_int_equal(applied_count(repo), 1);
    migrator_free(before);
    migrator_free(after);
    migrator_close(repo);
}

static void roundtrip_irreversible(void **state)
{
    migrator_repo *repo = open_memory();
    migrator_run_opts opts = MIGRATOR_RUN_OPTS_INIT;
    migrator_versions versions = {NULL, 0};
    (void)state;
    opts.log = MIGRATOR_LOG_OFF;
    opts.log_fn = capture; /* keeps the error line off stderr */
    opts.log_payload = calloc(1, sizeof(captured));
    assert_non_null(opts.log_payload);
    assert_int_equal(migrator_roundtrip(repo, &rtrip_irrev_migrations, 0, &opts),
                     MIGRATOR_EIRREVERSIBLE);
    assert_string_equal(migrator_errmsg(repo),
                        "round trip stopped at 20240103000000 backfill_titles "
                        "(fixtures/irrev/20240103000000_backfill_titles.sql): it has no down "
                        "section");
    assert_int_equal(migrator_migrated_versions(repo, NULL, &versions), MIGRATOR_OK);
    assert_int_equal(versions.count, 2);
    assert_true(versions.items[0] == 20240101000000 && versions.items[1] == 20240102000000);
    migrator_versions_free(&versions);
    free(opts.log_payload);
    migrator_close(repo);
}

static void roundtrip_arguments(void **state)
{
    migrator_repo *repo = open_memory();
    migrator_run_opts opts = MIGRATOR_RUN_OPTS_INIT;
    (void)state;
    assert_int_equal(migrator_roundtrip(NULL, &rtrip_irrev_migrations, 0, NULL), MIGRATOR_EINVAL);
    assert_int_equal(migrator_roundtrip(repo, NULL, 0, NULL), MIGRATOR_EINVAL);
    assert_string_equal(migrator_errmsg(repo), "migrator_roundtrip: no table");
    assert_int_equal(migrator_roundtrip(repo, &rtrip_irrev_migrations, 2u, NULL), MIGRATOR_EINVAL);
    assert_string_equal(migrator_errmsg(repo), "migrator_roundtrip: unknown flags");
    opts.version = 99;
    assert_int_equal(migrator_roundtrip(repo, &rtrip_irrev_migrations, 0, &opts), MIGRATOR_EINVAL);
    /* Nothing ran. */
    assert_int_equal(applied_count(repo), 0);
    assert_string_equal(migrator_strerror(MIGRATOR_EROUNDTRIP),
                        "a round trip did not restore the schema");
    migrator_close(repo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fingerprint_empty),     cmocka_unit_test(fingerprint_lines),
        cmocka_unit_test(fingerprint_arguments), cmocka_unit_test(roundtrip_broken),
        cmocka_unit_test(roundtrip_good),        cmocka_unit_test(roundtrip_applied),
        cmocka_unit_test(roundtrip_irreversible), cmocka_unit_test(roundtrip_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
