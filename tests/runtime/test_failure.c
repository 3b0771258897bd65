/*
 * runtime.failure: what a failing statement leaves behind (SPEC.md "Failure
 * of a statement"), migrations outside a transaction
 * (disable_ddl_transaction), the after_begin / before_commit callbacks and
 * group mode.
 *
 * Fixtures: failing (3 fails on its 2nd statement, a missing table), notx
 * (2 runs outside a transaction and its 2nd statement fails unless the test
 * created `gate`), basic (1..4).
 *
 * SPDX-License-Identifier: MIT
 */
#define _XOPEN_SOURCE 700
#include "rt_harness.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_basic_migrations.h"
#include "rt_failing_migrations.h"
#include "rt_notx_migrations.h"

/* The message of migration 3 of the failing fixture (PostgreSQL points at
 * missing_table: line 5, column 13). */
static char *failing_message(void)
{
    return rt_no_table_message(rt_migration(&rt_failing_migrations, 3), 5, 13, "missing_table",
                               "INSERT INTO missing_table (id)");
}

/* The line of the log that takes the migration lock of a transactional
 * migration: SQLite's BEGIN IMMEDIATE, PostgreSQL's LOCK TABLE on the lock
 * connection. */
static const char *lock_line(void)
{
    return rt_pg() ? "LOCK TABLE \"schema_migrations\" IN SHARE UPDATE EXCLUSIVE MODE"
                   : "BEGIN IMMEDIATE";
}

static void failing_migration_is_rolled_back(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = rt_open(env->url, NULL);
    const migrator_table *t = &rt_failing_migrations;
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);
    migrator_versions ran;
    char *expected = failing_message();
    long running, rollback;

    assert_string_equal(rt_migration(t, 3)->file, "fixtures/failing/3_broken.sql");
    opts.log_migrator_sql = MIGRATOR_LOG_DEBUG;
    opts.strategy = MIGRATOR_STRATEGY_ALL;
    assert_status(repo, migrator_run(repo, t, MIGRATOR_UP, &opts, &ran), MIGRATOR_ESQL);
    assert_string_equal(migrator_errmsg(repo), expected);
    assert_ran(&ran, "1,2");
    assert_db_versions(env->db, "1,2");
    assert_true(rt_has_table(env->db, "a"));
    assert_true(rt_has_table(env->db, "b"));
    assert_false(rt_has_table(env->db, "c"));       /* its 1st statement, rolled back */
    assert_false(rt_has_table(env->db, "c_never")); /* its 3rd, never run */
    assert_false(rt_has_table(env->db, "d"));       /* later ones not attempted */
    assert_log_table(env->db, "1up,2up");

    /* The log: 3 started, was rolled back, never "Migrated"; 4 never ran. */
    running = rt_log_find(&log, "== Running 3 broken up", 0);
    assert_true(running >= 0);
    rollback = rt_log_find(&log, "ROLLBACK", (size_t)running);
    assert_true(rollback > running);
    assert_int_equal(rt_log_count_prefix(&log, "== Migrated 3 "), 0);
    assert_int_equal(rt_log_count_prefix(&log, "== Running 4 "), 0);
    assert_int_equal(rt_log_count_prefix(&log, "INSERT INTO \"schema_migrations\""), 2);
    /* Every transaction ended: the table's, 1's and 2's committed, 3's
     * rolled back. PostgreSQL: the table's is BEGIN, the advisory xact lock,
     * COMMIT; each migration has two transactions, the lock connection's
     * (BEGIN, SET LOCAL lock_timeout, LOCK TABLE) and the migration
     * connection's, both committed or both rolled back. */
    if (rt_pg()) {
        assert_int_equal(rt_log_count(&log, lock_line()), 3);
        assert_int_equal(rt_log_count(&log, "SET LOCAL lock_timeout = 15000"), 3);
        assert_int_equal(rt_log_count(&log, "BEGIN"), 7);
        assert_int_equal(rt_log_count(&log, "COMMIT"), 5);
        assert_int_equal(rt_log_count(&log, "ROLLBACK"), 2);
        assert_int_equal(rt_log_count_prefix(&log, "SELECT pg_advisory_xact_lock("), 1);
    } else {
        assert_int_equal(rt_log_count(&log, "BEGIN IMMEDIATE"), 4);
        assert_int_equal(rt_log_count(&log, "COMMIT"), 3);
        assert_int_equal(rt_log_count(&log, "ROLLBACK"), 1);
    }

    /* Again: the same failure, the same state. */
    rt_log_free(&log);
    assert_status(repo, migrator_run(repo, t, MIGRATOR_UP, &opts, &ran), MIGRATOR_ESQL);
    assert_string_equal(migrator_errmsg(repo), expected);
    assert_ran(&ran, "");
    assert_db_versions(env->db, "1,2");
    assert_false(rt_has_table(env->db, "c"));

    /* migrator_up of it alone. */
    assert_status(repo, migrator_up(repo, t, 3, &opts), MIGRATOR_ESQL);
    assert_string_equal(migrator_errmsg(repo), expected);
    assert_db_versions(env->db, "1,2");

    /* A later successful call clears the message. */
    assert_status(repo, migrator_up(repo, t, 4, &opts), MIGRATOR_OK);
    assert_string_equal(migrator_errmsg(repo), "");
    assert_db_versions(env->db, "1,2,4");

    /* Earlier migrations still roll back. */
    opts.strategy = MIGRATOR_STRATEGY_ALL;
    assert_status(repo, migrator_run(repo, t, MIGRATOR_DOWN, &opts, &ran), MIGRATOR_OK);
    assert_ran(&ran, "4,2,1");
    assert_db_versions(env->db, "");
    free(expected);
    rt_log_free(&log);
    migrator_close(repo);
}

/* ---- callbacks ------------------------------------------------------------------ */

typedef struct callback_state {
    const char *db;             /* the database, to look at the lock from outside */
    char trace[512];            /* "A1up,B1up,..." in call order */
    int after_begin;            /* calls */
    int before_commit;          /* calls */
    int lock_not_held;          /* after_begin calls in which another connection could lock */
    int wrong_argument;         /* calls with a migration/direction that makes no sense */
    int record_sql;             /* 1: insert a row into cb through migrator_execute */
    int64_t fail_after_begin;   /* version whose after_begin returns fail_with */
    int64_t fail_before_commit; /* version whose before_commit returns fail_with */
    int fail_with;
} callback_state;

static int callback(migrator_repo *repo, const migrator_migration *migration,
                    migrator_direction direction, callback_state *s, char kind)
{
    const char *dir = direction == MIGRATOR_UP ? "up" : "down";
    size_t length = strlen(s->trace);
    if (!repo || !migration || (direction != MIGRATOR_UP && direction != MIGRATOR_DOWN))
        s->wrong_argument++;
    snprintf(s->trace + length, sizeof(s->trace) - length, "%s%c%" PRId64 "%s", length ? "," : "",
             kind, migration->version, dir);
    if (s->record_sql) {
        /* In before_commit, also whether the version row is there yet. */
        char *sql = rt_format(
            kind == 'A' ? "INSERT INTO cb (seq, what) SELECT coalesce(max(seq), 0) + 1, "
                          "'after_begin %" PRId64 " %s' FROM cb"
                        : "INSERT INTO cb (seq, what) SELECT (SELECT coalesce(max(seq), 0) + 1 "
                          "FROM cb), 'before_commit %" PRId64 " %s ' || count(*) "
                          "FROM schema_migrations WHERE version = %" PRId64,
            migration->version, dir, migration->version);
        int result = migrator_execute(repo, sql);
        free(sql);
        if (result != MIGRATOR_OK)
            return result;
    }
    if (kind == 'A' && s->db && rt_lock_is_free(s->db) != 0)
        s->lock_not_held++;
    if (kind == 'A' && migration->version == s->fail_after_begin)
        return s->fail_with;
    if (kind == 'B' && migration->version == s->fail_before_commit)
        return s->fail_with;
    return 0;
}

static int after_begin(migrator_repo *repo, const migrator_migration *migration,
                       migrator_direction direction, void *payload)
{
    callback_state *s = payload;
    s->after_begin++;
    return callback(repo, migration, direction, s, 'A');
}

static int before_commit(migrator_repo *repo, const migrator_migration *migration,
                         migrator_direction direction, void *payload)
{
    callback_state *s = payload;
    s->before_commit++;
    return callback(repo, migration, direction, s, 'B');
}

static migrator_run_opts callback_opts(rt_log *log, callback_state *s)
{
    migrator_run_opts opts = rt_opts(log);
    opts.after_begin = after_begin;
    opts.before_commit = before_commit;
    opts.callback_payload = s;
    return opts;
}

static void callbacks_once_per_migration(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = rt_open(env->url, NULL);
    rt_log log = {NULL, 0};
    callback_state s;
    migrator_run_opts opts = callback_opts(&log, &s);
    migrator_versions ran;

    memset(&s, 0, sizeof(s));
    s.db = env->db;
    s.fail_after_begin = s.fail_before_commit = -1;
    opts.strategy = MIGRATOR_STRATEGY_ALL;
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "1,2,3,4");
    assert_string_equal(s.trace, "A1up,B1up,A2up,B2up,A3up,B3up,A4up,B4up");
    assert_int_equal(s.lock_not_held, 0);
    assert_int_equal(s.wrong_argument, 0);

    s.trace[0] = '\0';
    opts.strategy = MIGRATOR_STRATEGY_STEP;
    opts.target = 2;
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_DOWN, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "4,3");
    assert_string_equal(s.trace, "A4down,B4down,A3down,B3down");

    /* migrator_up / migrator_down call them too. */
    s.trace[0] = '\0';
    assert_status(repo, migrator_up(repo, &rt_basic_migrations, 3, &opts), MIGRATOR_OK);
    assert_status(repo, migrator_down(repo, &rt_basic_migrations, 1, &opts), MIGRATOR_OK);
    assert_string_equal(s.trace, "A3up,B3up,A1down,B1down");
    /* Nothing to do: not called. */
    s.trace[0] = '\0';
    assert_status(repo, migrator_up(repo, &rt_basic_migrations, 3, &opts), MIGRATOR_ALREADY_UP);
    opts.strategy = MIGRATOR_STRATEGY_TO;
    opts.target = 3;
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_DOWN, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "3");
    assert_string_equal(s.trace, "A3down,B3down");
    assert_int_equal(s.lock_not_held, 0);
    rt_log_free(&log);
    migrator_close(repo);
}

/* Rows the callbacks write with migrator_execute are part of the
 * migration's transaction: a failing statement rolls them back. */
static void callbacks_inside_the_transaction(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo;
    rt_log log = {NULL, 0};
    callback_state s;
    migrator_run_opts opts = callback_opts(&log, &s);
    migrator_versions ran;

    rt_exec(env->db, "CREATE TABLE cb (seq INTEGER NOT NULL, what TEXT NOT NULL)");
    repo = rt_open(env->url, NULL);
    memset(&s, 0, sizeof(s));
    s.db = env->db;
    s.record_sql = 1;
    s.fail_after_begin = s.fail_before_commit = -1;
    opts.strategy = MIGRATOR_STRATEGY_ALL;
    assert_status(repo, migrator_run(repo, &rt_failing_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_ESQL);
    assert_ran(&ran, "1,2");
    assert_string_equal(s.trace, "A1up,B1up,A2up,B2up,A3up");
    /* before_commit runs before the version row is written; 3's rows are gone. */
    assert_query(env->db, "SELECT what FROM cb ORDER BY seq",
                 "after_begin 1 up,before_commit 1 up 0,after_begin 2 up,before_commit 2 up 0");
    assert_int_equal(s.lock_not_held, 0);
    assert_db_versions(env->db, "1,2");

    /* Down: before_commit sees the row that is about to be deleted. */
    rt_exec(env->db, "DELETE FROM cb");
    s.trace[0] = '\0';
    opts.strategy = MIGRATOR_STRATEGY_STEP;
    opts.target = 1;
    assert_status(repo, migrator_run(repo, &rt_failing_migrations, MIGRATOR_DOWN, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "2");
    assert_query(env->db, "SELECT what FROM cb ORDER BY seq",
                 "after_begin 2 down,before_commit 2 down 1");
    rt_log_free(&log);
    migrator_close(repo);
}

static void callback_failure(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo;
    rt_log log = {NULL, 0};
    callback_state s;
    migrator_run_opts opts = callback_opts(&log, &s);
    migrator_versions ran;

    rt_exec(env->db, "CREATE TABLE cb (seq INTEGER NOT NULL, what TEXT NOT NULL)");
    repo = rt_open(env->url, NULL);
    memset(&s, 0, sizeof(s));
    s.record_sql = 1;
    s.fail_after_begin = -1;
    s.fail_before_commit = 2;
    s.fail_with = -1;
    opts.strategy = MIGRATOR_STRATEGY_ALL;
    opts.log_migrator_sql = MIGRATOR_LOG_DEBUG;
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_ECALLBACK);
    assert_string_not_equal(migrator_errmsg(repo), "");
    assert_ran(&ran, "1");
    assert_string_equal(s.trace, "A1up,B1up,A2up,B2up");
    assert_db_versions(env->db, "1");
    assert_false(rt_has_table(env->db, "beta"));
    assert_false(rt_has_table(env->db, "gamma"));
    assert_log_table(env->db, "1up");
    assert_query(env->db, "SELECT what FROM cb ORDER BY seq",
                 "after_begin 1 up,before_commit 1 up 0");
    assert_true(rt_log_find(&log, "ROLLBACK", 0) >
                rt_log_find(&log, "== Running 2 create_beta up", 0));
    assert_int_equal(rt_log_count_prefix(&log, "== Migrated 2 "), 0);

    /* after_begin failing with another negative value: the same. */
    s.trace[0] = '\0';
    s.fail_before_commit = -1;
    s.fail_after_begin = 3;
    s.fail_with = -42;
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_ECALLBACK);
    assert_ran(&ran, "2");
    assert_string_equal(s.trace, "A2up,B2up,A3up");
    assert_db_versions(env->db, "1,2");
    assert_false(rt_has_table(env->db, "gamma"));
    assert_query(env->db, "SELECT what FROM cb ORDER BY seq",
                 "after_begin 1 up,before_commit 1 up 0,after_begin 2 up,before_commit 2 up 0");

    /* And through migrator_up. */
    assert_status(repo, migrator_up(repo, &rt_basic_migrations, 3, &opts), MIGRATOR_ECALLBACK);
    assert_db_versions(env->db, "1,2");
    rt_log_free(&log);
    migrator_close(repo);
}

/* ---- disable_ddl_transaction -------------------------------------------------- */

static void outside_transaction(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = rt_open(env->url, NULL);
    const migrator_table *t = &rt_notx_migrations;
    const migrator_migration *m2 = rt_migration(t, 2);
    rt_log log = {NULL, 0};
    callback_state s;
    migrator_run_opts opts = callback_opts(&log, &s);
    migrator_versions ran;
    char *expected;
    long running;
    size_t i;

    assert_true(m2->flags & MIGRATOR_DISABLE_DDL_TRANSACTION);
    assert_false(rt_migration(t, 1)->flags & MIGRATOR_DISABLE_DDL_TRANSACTION);
    memset(&s, 0, sizeof(s));
    s.fail_after_begin = s.fail_before_commit = -1;
    opts.strategy = MIGRATOR_STRATEGY_ALL;
    opts.log_migrator_sql = MIGRATOR_LOG_DEBUG;

    /* 2's second statement fails: its first stays, no version row. */
    assert_status(repo, migrator_run(repo, t, MIGRATOR_UP, &opts, &ran), MIGRATOR_ESQL);
    expected = rt_no_table_message(m2, 6, 13, "gate", "INSERT INTO gate (x) VALUES (2)");
    {
        /* ... and says that the statements before it stay applied. */
        char *full = malloc(strlen(expected) + 256);
        assert_non_null(full);
        sprintf(full,
                "%s; migration 2 runs outside a transaction, so the statements before this one "
                "stay applied: `migrations` shows it as partial",
                expected);
        assert_string_equal(migrator_errmsg(repo), full);
        free(full);
    }
    free(expected);
    assert_ran(&ran, "1");
    assert_db_versions(env->db, "1");
    assert_query(env->db, "SELECT x FROM t ORDER BY x", "2");
    assert_string_equal(s.trace, "A1up,B1up");
    /* No transaction around 2's statements, nothing to roll back. */
    running = rt_log_find(&log, "== Running 2 outside up", 0);
    assert_true(running >= 0);
    for (i = (size_t)running; i < log.count; i++) {
        assert_string_not_equal(log.lines[i].text, "BEGIN");
        assert_string_not_equal(log.lines[i].text, "BEGIN IMMEDIATE");
        assert_string_not_equal(log.lines[i].text, "ROLLBACK");
        assert_string_not_equal(log.lines[i].text, "COMMIT");
    }

    /* With gate there, it is still not run again on its own: it stopped
     * midway (issue 6) ... */
    rt_exec(env->db, "CREATE TABLE gate (x INTEGER)");
    rt_log_free(&log);
    s.trace[0] = '\0';
    assert_status(repo, migrator_run(repo, t, MIGRATOR_UP, &opts, &ran), MIGRATOR_EPARTIAL);
    assert_non_null(strstr(migrator_errmsg(repo), "was partially applied: its up stopped after 1 "
                                                  "statement; statement 2 of 2 failed: "));
    assert_ran(&ran, "");
    assert_db_versions(env->db, "1");
    assert_query(env->db, "SELECT x FROM t ORDER BY x", "2");
    /* ... until asked: it starts again from its first statement and its
     * callbacks are not called. */
    rt_log_free(&log);
    s.trace[0] = '\0';
    opts.retry_partial = 1;
    assert_status(repo, migrator_run(repo, t, MIGRATOR_UP, &opts, &ran), MIGRATOR_OK);
    opts.retry_partial = 0;
    assert_ran(&ran, "2,3");
    assert_db_versions(env->db, "1,2,3");
    assert_query(env->db, "SELECT x FROM t ORDER BY x", "2,2,3");
    assert_query(env->db, "SELECT x FROM gate", "2");
    assert_string_equal(s.trace, "A3up,B3up");
    assert_logged(&log, MIGRATOR_LOG_INFO, "== Running 2 outside up");
    assert_int_equal(rt_log_count_prefix(&log, "== Migrated 2 in "), 1);
    /* Its version row is written after its last statement. */
    running = rt_log_find(&log, "== Running 2 outside up", 0);
    assert_true(rt_log_find_prefix(&log, "INSERT INTO \"schema_migrations\"", (size_t)running) >
                running);

    s.trace[0] = '\0';
    opts.strategy = MIGRATOR_STRATEGY_STEP;
    opts.target = 1;
    assert_status(repo, migrator_run(repo, t, MIGRATOR_DOWN, &opts, &ran), MIGRATOR_OK);
    assert_ran(&ran, "3");
    assert_status(repo, migrator_down(repo, t, 2, &opts), MIGRATOR_OK);
    assert_string_equal(s.trace, "A3down,B3down");
    assert_db_versions(env->db, "1");
    assert_query(env->db, "SELECT x FROM t ORDER BY x", "");
    rt_log_free(&log);
    migrator_close(repo);
}

/* ---- group ---------------------------------------------------------------------- */

static void group_all_or_nothing(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = rt_open(env->url, NULL);
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);
    migrator_versions ran;
    char *expected = failing_message();

    opts.group = 1;
    opts.strategy = MIGRATOR_STRATEGY_ALL;
    assert_status(repo, migrator_run(repo, &rt_failing_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_ESQL);
    assert_string_equal(migrator_errmsg(repo), expected);
    assert_ran(&ran, "");
    assert_db_versions(env->db, "");
    assert_false(rt_has_table(env->db, "a"));
    assert_false(rt_has_table(env->db, "b"));
    assert_false(rt_has_table(env->db, "c"));
    assert_false(rt_has_table(env->db, "log"));

    /* Those before the failing one can go as a group. */
    opts.strategy = MIGRATOR_STRATEGY_TO_EXCLUSIVE;
    opts.target = 3;
    assert_status(repo, migrator_run(repo, &rt_failing_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "1,2");
    assert_db_versions(env->db, "1,2");
    assert_log_table(env->db, "1up,2up");
    free(expected);
    rt_log_free(&log);
    migrator_close(repo);
}

static void group_one_transaction(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = rt_open(env->url, NULL);
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);
    migrator_versions ran;

    /* The table first, so that its creation does not count. */
    assert_status(repo, migrator_migrated_versions(repo, &opts, &ran), MIGRATOR_OK);
    assert_ran(&ran, "");
    opts.group = 1;
    opts.strategy = MIGRATOR_STRATEGY_ALL;
    opts.log_migrator_sql = MIGRATOR_LOG_DEBUG;
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "1,2,3,4");
    assert_db_versions(env->db, "1,2,3,4");
    assert_log_table(env->db, "1up,2up,3up,4up");
    /* One lock, one transaction (PostgreSQL: one on each connection). */
    assert_int_equal(rt_log_count(&log, lock_line()), 1);
    assert_int_equal(rt_log_count(&log, "COMMIT"), rt_pg() ? 2 : 1);
    assert_int_equal(rt_log_count_prefix(&log, "INSERT INTO \"schema_migrations\""), 4);
    assert_int_equal(rt_log_count_prefix(&log, "== Running "), 4);
    assert_int_equal(rt_log_count_prefix(&log, "== Migrated "), 4);
    assert_true(rt_log_find(&log, lock_line(), 0) >= 0);
    assert_true(rt_log_find(&log, lock_line(), 0) <
                rt_log_find(&log, "== Running 1 create_alpha up", 0));
    assert_true(rt_log_find(&log, "COMMIT", 0) >
                rt_log_find_prefix(&log, "== Running 4 create_delta up", 0));

    rt_log_free(&log);
    opts.strategy = MIGRATOR_STRATEGY_STEP;
    opts.target = 3;
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_DOWN, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "4,3,2");
    assert_int_equal(rt_log_count(&log, lock_line()), 1);
    assert_int_equal(rt_log_count(&log, "COMMIT"), rt_pg() ? 2 : 1);
    assert_int_equal(rt_log_count_prefix(&log, "DELETE FROM \"schema_migrations\""), 3);
    assert_db_versions(env->db, "1");
    assert_log_table(env->db, "1up,2up,3up,4up,4down,3down,2down");
    rt_log_free(&log);
    migrator_close(repo);
}

static void group_refuses_non_transactional(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = rt_open(env->url, NULL);
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);
    migrator_versions ran;
    const migrator_migration *m2 = rt_migration(&rt_notx_migrations, 2);

    rt_exec(env->db, "CREATE TABLE gate (x INTEGER)");
    opts.group = 1;
    opts.strategy = MIGRATOR_STRATEGY_ALL;
    assert_status(repo, migrator_run(repo, &rt_notx_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_ENONTRANSACTIONAL);
    assert_ran(&ran, "");
    assert_non_null(strstr(migrator_errmsg(repo), m2->file));
    assert_false(rt_has_table(env->db, "t")); /* 1 comes first: not run either */
    assert_query(env->db, "SELECT x FROM gate", "");
    assert_int_equal(rt_log_count_prefix(&log, "== Running "), 0);

    /* Not selected: fine. */
    opts.strategy = MIGRATOR_STRATEGY_TO;
    opts.target = 1;
    assert_status(repo, migrator_run(repo, &rt_notx_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "1");
    opts.strategy = MIGRATOR_STRATEGY_ALL;
    assert_status(repo, migrator_run(repo, &rt_notx_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_ENONTRANSACTIONAL);
    assert_ran(&ran, "");
    assert_db_versions(env->db, "1");
    assert_query(env->db, "SELECT x FROM t", "");
    rt_log_free(&log);
    migrator_close(repo);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(failing_migration_is_rolled_back, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(callbacks_once_per_migration, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(callbacks_inside_the_transaction, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(callback_failure, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(outside_transaction, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(group_all_or_nothing, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(group_one_transaction, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(group_refuses_non_transactional, rt_setup, rt_teardown),
    };
    return RT_MAIN("failure", tests);
}
