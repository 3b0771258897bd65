/*
 * runtime.options: the run options and repo settings of SPEC.md -
 * strict_version_order and the out-of-order warning, the log lines and
 * their levels (log, log_migrations_sql, log_migrator_sql, the default
 * logger on stderr), skip_table_creation (also on a really read-only
 * database), migration_source (quoted as an identifier), the lock switches
 * and prefix.
 *
 * SPDX-License-Identifier: MIT
 */
#define _XOPEN_SOURCE 700
#include "rt_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rt_basic_migrations.h"
#include "rt_failing_migrations.h"
#include "rt_gaps_migrations.h"
#include "rt_long_migrations.h"
#include "rt_nolock_migrations.h"
#include "rt_notx_migrations.h"

#ifdef RT_HAVE_POSTGRES
#include "pg_test_db.h"
#endif
#include <sqlite3.h>
#include <sys/time.h>
#include <time.h>

static char *out_of_order_text(int64_t version, int64_t latest)
{
    return rt_format("You are running migration %" PRId64 " but an older migration with version "
                     "%" PRId64 " has already run.\n\nThis can be an issue if you have already "
                     "ran %" PRId64 " in production because a new deployment may migrate %" PRId64
                     " but a rollback command would revert %" PRId64 " instead of %" PRId64
                     ".\n\nIf this can be an issue, we recommend to rollback %" PRId64
                     " and change it to a version later than %" PRId64 ".",
                     version, latest, latest, version, latest, version, version, latest);
}

/* Applies 1 and 3 of basic with migrator_up. */
static migrator_repo *open_with_1_and_3(const rt_env *env)
{
    migrator_repo *repo = rt_open(env->url, NULL);
    migrator_run_opts opts = rt_opts(NULL);
    opts.log = MIGRATOR_LOG_OFF;
    assert_status(repo, migrator_up(repo, &rt_basic_migrations, 1, &opts), MIGRATOR_OK);
    assert_status(repo, migrator_up(repo, &rt_basic_migrations, 3, &opts), MIGRATOR_OK);
    assert_db_versions(env->db, "1,3");
    return repo;
}

static void strict_version_order(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = open_with_1_and_3(env);
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);
    migrator_versions ran;

    opts.strict_version_order = 1;
    opts.strategy = MIGRATOR_STRATEGY_ALL;
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_EORDER);
    assert_string_not_equal(migrator_errmsg(repo), "");
    assert_ran(&ran, "");
    assert_db_versions(env->db, "1,3");
    assert_log_table(env->db, "1up,3up");
    assert_int_equal(rt_log_count_prefix(&log, "== Running"), 0);

    opts.strategy = MIGRATOR_STRATEGY_STEP;
    opts.target = 1;
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_EORDER);
    assert_ran(&ran, "");
    assert_status(repo, migrator_up(repo, &rt_basic_migrations, 2, &opts), MIGRATOR_EORDER);
    assert_db_versions(env->db, "1,3");
    assert_false(rt_has_table(env->db, "beta"));
    assert_int_equal(rt_log_count_prefix(&log, "== Running"), 0);

    /* A pending version above the newest applied one is fine. */
    assert_status(repo, migrator_up(repo, &rt_basic_migrations, 4, &opts), MIGRATOR_OK);
    assert_db_versions(env->db, "1,3,4");
    /* Down is not affected. */
    opts.strategy = MIGRATOR_STRATEGY_ALL;
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_DOWN, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "4,3,1");
    /* Nothing applied: nothing is out of order. */
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "1,2,3,4");
    rt_log_free(&log);
    migrator_close(repo);
}

static void out_of_order_warning(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = open_with_1_and_3(env);
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);
    migrator_versions ran;
    char *warning = out_of_order_text(2, 3);
    size_t i, warnings = 0;

    opts.strategy = MIGRATOR_STRATEGY_ALL;
    opts.log = MIGRATOR_LOG_DEBUG; /* the warning is at WARNING whatever this says */
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "2,4");
    assert_db_versions(env->db, "1,2,3,4");
    assert_logged(&log, MIGRATOR_LOG_WARNING, warning);
    for (i = 0; i < log.count; i++)
        if (log.lines[i].level == MIGRATOR_LOG_WARNING)
            warnings++;
    assert_int_equal(warnings, 1); /* none for 4 */
    assert_logged(&log, MIGRATOR_LOG_DEBUG, "== Running 2 create_beta up");
    free(warning);

    /* migrator_up warns too. */
    rt_log_free(&log);
    assert_status(repo, migrator_down(repo, &rt_basic_migrations, 1, &opts), MIGRATOR_OK);
    opts.log = MIGRATOR_LOG_ERROR;
    assert_status(repo, migrator_up(repo, &rt_basic_migrations, 1, &opts), MIGRATOR_OK);
    warning = out_of_order_text(1, 4);
    assert_logged(&log, MIGRATOR_LOG_WARNING, warning);
    assert_logged(&log, MIGRATOR_LOG_ERROR, "== Running 1 create_alpha up");
    free(warning);

    /* Only MIGRATOR_LOG_OFF silences it. */
    rt_log_free(&log);
    assert_status(repo, migrator_down(repo, &rt_basic_migrations, 2, &opts), MIGRATOR_OK);
    rt_log_free(&log);
    opts.log = MIGRATOR_LOG_OFF;
    assert_status(repo, migrator_up(repo, &rt_basic_migrations, 2, &opts), MIGRATOR_OK);
    assert_status(repo, migrator_down(repo, &rt_basic_migrations, 2, &opts), MIGRATOR_OK);
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "2");
    assert_int_equal(log.count, 0);
    rt_log_free(&log);
    migrator_close(repo);
}

/* "== Migrated V in S.Ss": S.S is digits, a dot, one digit. */
static void assert_migrated_line(const rt_line *line, int64_t version)
{
    char *prefix = rt_format("== Migrated %" PRId64 " in ", version);
    const char *time = line->text + strlen(prefix);
    size_t length;
    assert_int_equal(strncmp(line->text, prefix, strlen(prefix)), 0);
    length = strlen(time);
    assert_true(length >= 4);
    assert_int_equal(time[length - 1], 's');
    assert_int_equal(time[length - 3], '.');
    assert_true(time[length - 2] >= '0' && time[length - 2] <= '9');
    assert_int_equal(strspn(time, "0123456789"), length - 3);
    free(prefix);
}

static void log_lines_and_levels(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = rt_open(env->url, NULL);
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);
    migrator_versions ran;
    static const migrator_log_level levels[] = {MIGRATOR_LOG_INFO, MIGRATOR_LOG_DEBUG,
                                                MIGRATOR_LOG_WARNING, MIGRATOR_LOG_ERROR};
    size_t i;

    opts.strategy = MIGRATOR_STRATEGY_STEP;
    opts.target = 1;
    for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        static const char *const names[] = {"create_alpha", "create_beta", "create_gamma",
                                            "create_delta"};
        int64_t version = (int64_t)i + 1;
        char *running, *expected;
        opts.log = levels[i];
        rt_log_free(&log);
        assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                      MIGRATOR_OK);
        expected = rt_format("%" PRId64, version);
        assert_ran(&ran, expected);
        free(expected);
        running = rt_format("== Running %" PRId64 " %s up", version, names[i]);
        /* PostgreSQL: 2..4's CREATE TABLE IF NOT EXISTS log gives a notice,
         * logged at INFO whatever opts.log says. */
        rt_log_strip_notices(&log, i ? 1 : 0);
        assert_int_equal(log.count, 2);
        assert_string_equal(log.lines[0].text, running);
        assert_int_equal(log.lines[0].level, levels[i]);
        assert_migrated_line(&log.lines[1], version);
        assert_int_equal(log.lines[1].level, levels[i]);
        free(running);
    }

    rt_log_free(&log);
    opts.log = MIGRATOR_LOG_WARNING;
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "");
    assert_int_equal(log.count, 1);
    assert_logged(&log, MIGRATOR_LOG_WARNING, "Migrations already up");

    rt_log_free(&log);
    opts.log = MIGRATOR_LOG_INFO;
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_DOWN, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "4");
    assert_int_equal(log.count, 2);
    assert_string_equal(log.lines[0].text, "== Running 4 create_delta down");
    assert_int_equal(log.lines[0].level, MIGRATOR_LOG_INFO);
    assert_migrated_line(&log.lines[1], 4);

    rt_log_free(&log);
    opts.strategy = MIGRATOR_STRATEGY_ALL;
    opts.log = MIGRATOR_LOG_DEBUG;
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_DOWN, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "3,2,1");
    assert_int_equal(log.count, 6);
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_DOWN, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "");
    assert_int_equal(log.count, 7);
    assert_string_equal(log.lines[6].text, "Migrations already down");
    assert_int_equal(log.lines[6].level, MIGRATOR_LOG_DEBUG);
    rt_log_free(&log);
    migrator_close(repo);
}

static void log_off_is_silent(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = rt_open(env->url, NULL);
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);
    migrator_versions ran;

    opts.log = MIGRATOR_LOG_OFF;
    opts.strategy = MIGRATOR_STRATEGY_ALL;
    /* Two tables on one database, whose version 2 differ: not a checksum
     * question here. */
    opts.on_checksum_mismatch = MIGRATOR_CHECKSUM_IGNORE;
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "1,2,3,4");
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "");
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_DOWN, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "4,3,2,1");
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_DOWN, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "");
    assert_status(repo, migrator_up(repo, &rt_basic_migrations, 2, &opts), MIGRATOR_OK);
    assert_status(repo, migrator_run(repo, &rt_failing_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_ESQL);
    assert_ran(&ran, "1");
    assert_int_equal(log.count, 0);
    rt_log_free(&log);
    migrator_close(repo);
}

static void log_migrations_sql(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = rt_open(env->url, NULL);
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);
    migrator_versions ran;
    char *long_text;

    opts.log = MIGRATOR_LOG_OFF;
    opts.log_migrations_sql = MIGRATOR_LOG_DEBUG;
    opts.strategy = MIGRATOR_STRATEGY_STEP;
    opts.target = 1;
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "1");
    assert_int_equal(log.count, 3);
    assert_string_equal(log.lines[0].text, "CREATE TABLE IF NOT EXISTS log (seq INTEGER NOT NULL, "
                                           "version INTEGER NOT NULL, direction TEXT NOT NULL)");
    assert_string_equal(log.lines[1].text,
                        "CREATE TABLE alpha (id INTEGER PRIMARY KEY, note TEXT)");
    assert_string_equal(log.lines[2].text, "INSERT INTO log (seq, version, direction) SELECT "
                                           "coalesce(max(seq), 0) + 1, 1, 'up' FROM log");
    assert_int_equal(log.lines[0].level, MIGRATOR_LOG_DEBUG);
    assert_int_equal(log.lines[2].level, MIGRATOR_LOG_DEBUG);

    rt_log_free(&log);
    opts.log_migrations_sql = MIGRATOR_LOG_WARNING;
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_DOWN, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "1");
    assert_int_equal(log.count, 2);
    assert_string_equal(log.lines[0].text, "DROP TABLE alpha");
    assert_string_equal(log.lines[1].text, "INSERT INTO log (seq, version, direction) SELECT "
                                           "coalesce(max(seq), 0) + 1, 1, 'down' FROM log");
    assert_int_equal(log.lines[1].level, MIGRATOR_LOG_WARNING);

    /* Multi-line statements whole; the failing one is logged before it runs;
     * nothing after it. */
    rt_log_free(&log);
    opts.strategy = MIGRATOR_STRATEGY_ALL;
    assert_status(repo, migrator_run(repo, &rt_failing_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_ESQL);
    assert_ran(&ran, "1,2");
    assert_true(log.count >= 2);
    assert_string_equal(log.lines[log.count - 2].text, "CREATE TABLE c (id INTEGER PRIMARY KEY)");
    assert_string_equal(log.lines[log.count - 1].text,
                        "INSERT INTO missing_table (id)\nVALUES (1)");

    /* A statement of several pieces, whole (on another database: the
     * fixtures' versions overlap). */
    migrator_close(repo);
    {
        char *url = rt_db_url(rt_new_db(env, "long"));
        repo = rt_open(url, NULL);
        free(url);
    }
    rt_log_free(&log);
    opts.log_migrations_sql = MIGRATOR_LOG_INFO;
    assert_true(rt_migration(&rt_long_migrations, 1)->up.statements[1].piece_count > 1);
    long_text = migrator_statement_text(&rt_migration(&rt_long_migrations, 1)->up.statements[1]);
    assert_non_null(long_text);
    assert_status(repo, migrator_run(repo, &rt_long_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "1");
    assert_int_equal(log.count, 2);
    assert_string_equal(log.lines[1].text, long_text);
    free(long_text);
    rt_log_free(&log);
    migrator_close(repo);
}

/* The lines of a transactional migration's own SQL with the default lock,
 * around the version row. SQLite: BEGIN IMMEDIATE ... COMMIT. PostgreSQL:
 * the lock connection's BEGIN, SET LOCAL lock_timeout and LOCK TABLE, the
 * migration connection's BEGIN ... COMMIT, then the lock connection's
 * COMMIT. */
static const char *const sqlite_before[] = {"BEGIN IMMEDIATE", NULL};
static const char *const sqlite_after[] = {"COMMIT", NULL};
static const char *const pg_before[] = {
    "BEGIN", "SET LOCAL lock_timeout = 15000",
    "LOCK TABLE \"schema_migrations\" IN SHARE UPDATE EXCLUSIVE MODE", "BEGIN", NULL};
static const char *const pg_after[] = {"COMMIT", "COMMIT", NULL};

static size_t count_of(const char *const *lines)
{
    size_t n = 0;
    while (lines[n])
        n++;
    return n;
}

/* Checks log.lines[at...] against lines (each exact), at level; returns
 * the index after them. */
static size_t expect_lines(const rt_log *log, size_t at, const char *const *lines,
                           migrator_log_level level)
{
    size_t i;
    for (i = 0; lines[i]; i++, at++) {
        assert_true(at < log->count);
        assert_string_equal(log->lines[at].text, lines[i]);
        assert_int_equal(log->lines[at].level, level);
    }
    return at;
}

/* Takes our own table's statements (runtime/history.c: recorded checksums)
 * out of the log after checking that they are, in order, the ones that
 * start with expected[] (NULL-terminated), so that the rest of the log
 * compares as it did before that table existed. */
static void take_history_lines(rt_log *log, const char *const *expected)
{
    size_t i, kept = 0, taken = 0;
    for (i = 0; i < log->count; i++) {
        if (strstr(log->lines[i].text, "\"schema_migrations_migrator\"")) {
            if (!expected) { /* only take them out */
                free(log->lines[i].text);
                continue;
            }
            assert_non_null(expected[taken]);
            if (strncmp(log->lines[i].text, expected[taken], strlen(expected[taken])) != 0)
                fail_msg("history statement %zu: expected \"%s...\", got \"%s\"", taken,
                         expected[taken], log->lines[i].text);
            taken++;
            free(log->lines[i].text);
            continue;
        }
        log->lines[kept++] = log->lines[i];
    }
    log->count = kept;
    if (expected)
        assert_null(expected[taken]);
}

#define HISTORY_SELECT                                                                             \
    "SELECT \"version\", \"checksum\", \"checksum_algorithm\" FROM \"schema_migrations_migrator\""

static void log_migrator_sql(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = rt_open(env->url, NULL);
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);
    migrator_versions ran;
    const char *insert =
        rt_pg() ? "INSERT INTO \"schema_migrations\" (\"version\", \"inserted_at\") VALUES ($1, $2)"
                : "INSERT INTO \"schema_migrations\" (\"version\", \"inserted_at\") VALUES (?, ?)";
    const char *delete_sql =
        rt_pg() ? "DELETE FROM \"schema_migrations\" WHERE \"version\" = $1::bigint"
                : "DELETE FROM \"schema_migrations\" WHERE \"version\" = ?";
    const char *const *before = rt_pg() ? pg_before : sqlite_before;
    const char *const *after = rt_pg() ? pg_after : sqlite_after;
    size_t nb = count_of(before), na = count_of(after), at;
    long running, insert_at, migrated;

    /* The table first: its creation is not what this test looks at. */
    assert_status(repo, migrator_migrated_versions(repo, NULL, &ran), MIGRATOR_OK);
    assert_ran(&ran, "");

    opts.log = MIGRATOR_LOG_OFF;
    opts.log_migrator_sql = MIGRATOR_LOG_INFO;
    opts.strategy = MIGRATOR_STRATEGY_STEP;
    opts.target = 1;
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "1");
    {
        char *dump = rt_log_dump(&log);
        print_message("log_migrator_sql, up:\n%s", dump);
        free(dump);
    }
    {
        /* The recorded checksums are read (no table yet), then the first
         * migration's is written in its transaction, creating the table. */
        static const char *const history[] = {
            HISTORY_SELECT, "CREATE TABLE IF NOT EXISTS \"schema_migrations_migrator\"",
            "INSERT INTO \"schema_migrations_migrator\"", NULL};
        take_history_lines(&log, history);
    }
    assert_int_equal(log.count, nb + 1 + na);
    at = expect_lines(&log, 0, before, MIGRATOR_LOG_INFO);
    assert_int_equal(strncmp(log.lines[at].text, insert, strlen(insert)), 0);
    assert_int_equal(log.lines[at].level, MIGRATOR_LOG_INFO);
    expect_lines(&log, at + 1, after, MIGRATOR_LOG_INFO);

    rt_log_free(&log);
    opts.log_migrator_sql = MIGRATOR_LOG_DEBUG;
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_DOWN, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "1");
    {
        static const char *const history[] = {HISTORY_SELECT,
                                              "DELETE FROM \"schema_migrations_migrator\"", NULL};
        take_history_lines(&log, history);
    }
    assert_int_equal(log.count, nb + 1 + na);
    at = expect_lines(&log, 0, before, MIGRATOR_LOG_DEBUG);
    assert_int_equal(strncmp(log.lines[at].text, delete_sql, strlen(delete_sql)), 0);
    assert_int_equal(log.lines[at].level, MIGRATOR_LOG_DEBUG);
    expect_lines(&log, at + 1, after, MIGRATOR_LOG_DEBUG);

    /* Everything on: the lock and BEGIN, Running, the statements, INSERT,
     * COMMIT, Migrated (PostgreSQL: and the notice of CREATE TABLE IF NOT
     * EXISTS log right after that statement). */
    rt_log_free(&log);
    opts.log = MIGRATOR_LOG_INFO;
    opts.log_migrations_sql = MIGRATOR_LOG_DEBUG;
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "1");
    {
        static const char *const history[] = {HISTORY_SELECT,
                                              "INSERT INTO \"schema_migrations_migrator\"", NULL};
        take_history_lines(&log, history);
    }
    if (rt_pg())
        assert_string_equal(log.lines[nb + 2].text, RT_LOG_EXISTS_NOTICE);
    rt_log_strip_notices(&log, 1);
    assert_int_equal(log.count, nb + 5 + na + 1);
    at = expect_lines(&log, 0, before, MIGRATOR_LOG_DEBUG);
    running = rt_log_find(&log, "== Running 1 create_alpha up", 0);
    insert_at = rt_log_find_prefix(&log, insert, 0);
    migrated = rt_log_find_prefix(&log, "== Migrated 1 in ", 0);
    assert_int_equal(running, (long)nb);
    assert_string_equal(log.lines[nb + 1].text, "CREATE TABLE IF NOT EXISTS log (seq INTEGER NOT "
                                                "NULL, version INTEGER NOT NULL, direction TEXT "
                                                "NOT NULL)");
    assert_string_equal(log.lines[nb + 3].text, "INSERT INTO log (seq, version, direction) SELECT "
                                                "coalesce(max(seq), 0) + 1, 1, 'up' FROM log");
    assert_int_equal(insert_at, (long)nb + 4);
    expect_lines(&log, nb + 5, after, MIGRATOR_LOG_DEBUG);
    assert_int_equal(migrated, (long)(nb + 5 + na));

    /* ROLLBACK on failure (PostgreSQL: on both connections). Another table's
     * version 1 is applied: not a checksum question here. */
    rt_log_free(&log);
    opts.log = MIGRATOR_LOG_OFF;
    opts.log_migrations_sql = MIGRATOR_LOG_OFF;
    opts.strategy = MIGRATOR_STRATEGY_ALL;
    opts.on_checksum_mismatch = MIGRATOR_CHECKSUM_IGNORE;
    assert_status(repo, migrator_run(repo, &rt_failing_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_ESQL);
    assert_ran(&ran, "2");
    assert_true(log.count >= nb + 2);
    expect_lines(&log, log.count - nb - (rt_pg() ? 2 : 1), before, MIGRATOR_LOG_DEBUG);
    assert_string_equal(log.lines[log.count - 1].text, "ROLLBACK");
    if (rt_pg())
        assert_string_equal(log.lines[log.count - 2].text, "ROLLBACK");
    rt_log_free(&log);
    migrator_close(repo);
}

/* docs/api.md "Logging": log_migrator_sql shows the transaction of
 * creating the migrations table, but "the CREATE TABLE itself and reading
 * the versions are not logged, as in Ecto". (On PostgreSQL the
 * transaction also takes the advisory xact lock of the first boot.) */
static void table_creation_sql_not_logged(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = rt_open(env->url, NULL);
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);
    migrator_versions ran;
    char *dump;

    opts.log_migrator_sql = MIGRATOR_LOG_INFO;
    assert_status(repo, migrator_migrated_versions(repo, &opts, &ran), MIGRATOR_OK);
    assert_ran(&ran, "");
    dump = rt_log_dump(&log);
    print_message("creating the table:\n%s", dump);
    free(dump);
    assert_true(rt_has_table(env->db, "schema_migrations"));
    assert_string_equal(log.lines[0].text, rt_pg() ? "BEGIN" : "BEGIN IMMEDIATE");
    assert_string_equal(log.lines[log.count - 1].text, "COMMIT");
    assert_int_equal(rt_log_count_prefix(&log, "CREATE "), 0);
    assert_int_equal(rt_log_count_prefix(&log, "SELECT \"version\""), 0);
    rt_log_free(&log);
    migrator_close(repo);
}

/* Without the lock: BEGIN instead of BEGIN IMMEDIATE. */
static void lock_switches(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo_config config = MIGRATOR_REPO_CONFIG_INIT;
    migrator_repo *repo;
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);
    migrator_versions ran;

    opts.log = MIGRATOR_LOG_OFF;
    opts.log_migrator_sql = MIGRATOR_LOG_INFO;
    opts.strategy = MIGRATOR_STRATEGY_STEP;
    opts.target = 1;

    repo = rt_open(env->url, NULL);
    assert_status(repo, migrator_migrated_versions(repo, NULL, &ran), MIGRATOR_OK);
    assert_ran(&ran, "");
    opts.migration_lock = 0;
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_OK);
    take_history_lines(&log, NULL); /* the checksums: not what this test looks at */
    assert_ran(&ran, "1");
    assert_int_equal(log.count, 3);
    assert_string_equal(log.lines[0].text, "BEGIN");
    assert_string_equal(log.lines[2].text, "COMMIT");
    migrator_close(repo);

    config.migration_lock = MIGRATOR_LOCK_NONE;
    opts.migration_lock = 1;
    rt_log_free(&log);
    repo = rt_open(env->url, &config);
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_OK);
    take_history_lines(&log, NULL); /* the checksums: not what this test looks at */
    assert_ran(&ran, "2");
    assert_string_equal(log.lines[0].text, "BEGIN");
    migrator_close(repo);

    config.migration_lock = MIGRATOR_LOCK_TABLE; /* SQLite: as the default */
    rt_log_free(&log);
    repo = rt_open(env->url, &config);
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_OK);
    take_history_lines(&log, NULL); /* the checksums: not what this test looks at */
    assert_ran(&ran, "3");
    if (rt_pg()) {
        expect_lines(&log, 0, pg_before, MIGRATOR_LOG_INFO);
        expect_lines(&log, 5, pg_after, MIGRATOR_LOG_INFO);
    } else {
        assert_string_equal(log.lines[0].text, "BEGIN IMMEDIATE");
    }
    migrator_close(repo);
    assert_db_versions(env->db, "1,2,3");

    /* The advisory lock: SQLite has none (migrator_open refuses it);
     * PostgreSQL takes pg_try_advisory_lock(KEY) on the lock connection around
     * the migration's transaction, KEY as documented, and releases it. */
    config.migration_lock = MIGRATOR_LOCK_ADVISORY;
    rt_log_free(&log);
    if (!rt_pg()) {
        repo = (migrator_repo *)&repo;
        assert_int_equal(migrator_open(&repo, env->url, &config), MIGRATOR_EUNSUPPORTED);
        assert_null(repo);
        assert_string_equal(migrator_errmsg(NULL), "SQLite has no advisory locks: use the default "
                                                   "lock (BEGIN IMMEDIATE) or none");
    } else {
        long long key = rt_pg_advisory_key(env->db, NULL, "schema_migrations");
        char *lock = rt_format("SELECT pg_try_advisory_lock(%lld)", key);
        char *unlock = rt_format("SELECT pg_advisory_unlock(%lld)", key);
        const char *const expected[] = {lock, "BEGIN", NULL};
        repo = rt_open(env->url, &config);
        assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                      MIGRATOR_OK);
        take_history_lines(&log, NULL);
        assert_ran(&ran, "4");
        {
            char *dump = rt_log_dump(&log);
            print_message("advisory:\n%s", dump);
            free(dump);
        }
        assert_int_equal(log.count, 5);
        expect_lines(&log, 0, expected, MIGRATOR_LOG_INFO);
        assert_string_equal(log.lines[3].text, "COMMIT");
        assert_string_equal(log.lines[4].text, unlock);
        assert_int_equal(rt_pg_advisory_is_free(env->db, key), 1);
        /* Down too. */
        assert_status(repo, migrator_down(repo, &rt_basic_migrations, 4, &opts), MIGRATOR_OK);
        assert_int_equal(rt_log_count(&log, lock), 2);
        assert_int_equal(rt_log_count(&log, unlock), 2);
        assert_int_equal(rt_log_count_prefix(&log, "LOCK TABLE"), 0);
        migrator_close(repo);
        assert_db_versions(env->db, "1,2,3");
        free(lock);
        free(unlock);
    }
    rt_log_free(&log);
}

/* A migration with disable_migration_lock: BEGIN, not BEGIN IMMEDIATE. */
static void disable_migration_lock(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = rt_open(env->url, NULL);
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);
    migrator_versions ran;

    assert_true(rt_migration(&rt_nolock_migrations, 2)->flags & MIGRATOR_DISABLE_MIGRATION_LOCK);
    assert_status(repo, migrator_migrated_versions(repo, NULL, &ran), MIGRATOR_OK);
    assert_ran(&ran, "");
    opts.log_migrator_sql = MIGRATOR_LOG_INFO;
    opts.strategy = MIGRATOR_STRATEGY_ALL;
    assert_status(repo, migrator_run(repo, &rt_nolock_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "1,2");
    if (rt_pg()) {
        /* 1: the lock, then its transaction; 2: its transaction only. */
        long migrated = rt_log_find_prefix(&log, "== Migrated 1 in ", 0);
        assert_int_equal(rt_log_find(&log, pg_before[2], 0) + 2,
                         rt_log_find(&log, "== Running 1 locked up", 0));
        assert_true(migrated > 0);
        assert_int_equal(rt_log_find(&log, "BEGIN", (size_t)migrated) + 1,
                         rt_log_find(&log, "== Running 2 unlocked up", 0));
        assert_int_equal(rt_log_count(&log, pg_before[2]), 1);
        assert_int_equal(rt_log_count(&log, "BEGIN"), 3);
        assert_int_equal(rt_log_count(&log, "COMMIT"), 3);
    } else {
        assert_int_equal(rt_log_find(&log, "BEGIN IMMEDIATE", 0) + 1,
                         rt_log_find(&log, "== Running 1 locked up", 0));
        assert_int_equal(rt_log_find(&log, "BEGIN", 0) + 1,
                         rt_log_find(&log, "== Running 2 unlocked up", 0));
        assert_int_equal(rt_log_count(&log, "BEGIN"), 1);
        assert_int_equal(rt_log_count(&log, "COMMIT"), 2);
    }
    assert_true(rt_has_table(env->db, "unlocked"));
    rt_log_free(&log);
    assert_status(repo, migrator_run(repo, &rt_nolock_migrations, MIGRATOR_DOWN, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "2,1");
    assert_int_equal(rt_log_find(&log, "BEGIN", 0) + 1,
                     rt_log_find(&log, "== Running 2 unlocked down", 0));
    rt_log_free(&log);
    migrator_close(repo);
}

static double now_seconds(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

#ifdef RT_HAVE_POSTGRES
/* A session named rt_blocker on db (PQfinish it). */
static PGconn *pg_blocker(const char *db)
{
    char *url = rt_format("%s&application_name=rt_blocker", db);
    PGconn *conn = pg_test_connect(url);
    free(url);
    assert_non_null(conn);
    return conn;
}

static void pg_ok(PGconn *conn, const char *sql)
{
    PGresult *result = PQexec(conn, sql);
    if (PQresultStatus(result) != PGRES_COMMAND_OK && PQresultStatus(result) != PGRES_TUPLES_OK) {
        char *message = rt_format("%s: %s", sql, PQerrorMessage(conn));
        PQclear(result);
        fail_msg("%s", message);
    }
    PQclear(result);
}

/* PostgreSQL: another session holds the lock (LOCK TABLE, or the advisory
 * lock in that mode): MIGRATOR_EBUSY after lock_timeout_ms, the message
 * naming the lock, the URL and the holder's pid and application_name
 * (docs/api.md "Timeout"). */
static void pg_lock_timeout_ebusy(const rt_env *env)
{
    static const migrator_lock_mode modes[] = {MIGRATOR_LOCK_DEFAULT, MIGRATOR_LOCK_ADVISORY};
    size_t m;

    rt_exec(env->db, "CREATE TABLE \"schema_migrations\" (\"version\" bigint, \"inserted_at\" "
                     "timestamp(0), PRIMARY KEY (\"version\"))");
    for (m = 0; m < 2; m++) {
        migrator_repo_config config = MIGRATOR_REPO_CONFIG_INIT;
        migrator_repo *repo;
        rt_log log = {NULL, 0};
        migrator_run_opts opts = rt_opts(&log);
        migrator_versions ran;
        PGconn *blocker = pg_blocker(env->db);
        long long key = rt_pg_advisory_key(env->db, NULL, "schema_migrations");
        char *expected, *sql;
        double started, waited;

        config.migration_lock = modes[m];
        if (modes[m] == MIGRATOR_LOCK_ADVISORY) {
            sql = rt_format("SELECT pg_advisory_lock(%lld)", key);
            pg_ok(blocker, sql);
            free(sql);
            expected = rt_format("timed out after 300 ms waiting for the migration lock (advisory "
                                 "lock %lld) on %s: held by pid %d (application_name "
                                 "\"rt_blocker\")",
                                 key, env->url, PQbackendPID(blocker));
        } else {
            pg_ok(blocker, "BEGIN");
            pg_ok(blocker, "LOCK TABLE \"schema_migrations\" IN SHARE UPDATE EXCLUSIVE MODE");
            expected = rt_format("timed out after 300 ms waiting for the migration lock (LOCK "
                                 "TABLE \"schema_migrations\") on %s: held by pid %d "
                                 "(application_name \"rt_blocker\")",
                                 env->url, PQbackendPID(blocker));
        }
        repo = rt_open(env->url, &config);
        opts.lock_timeout_ms = 300;
        opts.strategy = MIGRATOR_STRATEGY_ALL;
        started = now_seconds();
        assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                      MIGRATOR_EBUSY);
        waited = now_seconds() - started;
        print_message("EBUSY after %.3f s: %s\n", waited, migrator_errmsg(repo));
        assert_true(waited >= 0.25);
        assert_true(waited < 10.0);
        assert_ran(&ran, "");
        assert_string_equal(migrator_errmsg(repo), expected);
        assert_status(repo, migrator_up(repo, &rt_basic_migrations, 1, &opts), MIGRATOR_EBUSY);
        assert_string_equal(migrator_errmsg(repo), expected);
        assert_db_versions(env->db, "");
        assert_false(rt_has_table(env->db, "alpha"));

        /* The holder lets go: the same repo migrates. */
        PQfinish(blocker);
        assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                      MIGRATOR_OK);
        assert_ran(&ran, "1,2,3,4");
        assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_DOWN, &opts, &ran),
                      MIGRATOR_OK);
        assert_ran(&ran, "4,3,2,1");
        free(expected);
        rt_log_free(&log);
        migrator_close(repo);
    }
}

/* PostgreSQL: a session that holds the table lock and lets go within the
 * timeout: the migration waits for it (the lock mode by default). */
static void pg_lock_wait(const rt_env *env)
{
    migrator_repo *repo;
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);
    migrator_versions ran;
    int ready[2], status;
    char byte;
    pid_t child;
    double started, waited;

    rt_exec(env->db, "CREATE TABLE \"schema_migrations\" (\"version\" bigint, \"inserted_at\" "
                     "timestamp(0), PRIMARY KEY (\"version\"))");
    assert_int_equal(pipe(ready), 0);
    fflush(stdout);
    fflush(stderr);
    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        struct timespec pause = {0, 400 * 1000 * 1000};
        PGconn *conn = pg_test_connect(env->db);
        PGresult *result;
        int ok;
        close(ready[0]);
        if (!conn)
            _exit(1);
        result = PQexec(conn, "BEGIN; LOCK TABLE \"schema_migrations\" IN SHARE UPDATE "
                              "EXCLUSIVE MODE; CREATE TABLE held (x INTEGER)");
        ok = PQresultStatus(result) == PGRES_COMMAND_OK;
        PQclear(result);
        if (!ok)
            _exit(1);
        if (write(ready[1], "x", 1) != 1)
            _exit(2);
        nanosleep(&pause, NULL);
        result = PQexec(conn, "COMMIT");
        ok = PQresultStatus(result) == PGRES_COMMAND_OK;
        PQclear(result);
        PQfinish(conn);
        _exit(ok ? 0 : 3);
    }
    close(ready[1]);
    assert_int_equal(read(ready[0], &byte, 1), 1);
    close(ready[0]);

    repo = rt_open(env->url, NULL);
    opts.lock_timeout_ms = 10000;
    opts.strategy = MIGRATOR_STRATEGY_ALL;
    started = now_seconds();
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_OK);
    waited = now_seconds() - started;
    assert_ran(&ran, "1,2,3,4");
    assert_true(waited >= 0.2);
    while (waitpid(child, &status, 0) < 0)
        assert_int_equal(errno, EINTR);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_true(rt_has_table(env->db, "held"));
    rt_log_free(&log);
    migrator_close(repo);
}
#endif

/* Another connection holds the write lock: BEGIN IMMEDIATE waits
 * lock_timeout_ms, then MIGRATOR_EBUSY naming the database. */
static void lock_timeout_ebusy(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo;
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);
    migrator_versions ran;
    sqlite3 *blocker = NULL;
    double started, waited;

#ifdef RT_HAVE_POSTGRES
    if (rt_pg()) {
        pg_lock_timeout_ebusy(env);
        return;
    }
#endif

    rt_exec(env->db, "CREATE TABLE \"schema_migrations\" (\"version\" INTEGER PRIMARY KEY, "
                     "\"inserted_at\" TEXT)");
    repo = rt_open(env->url, NULL);
    assert_int_equal(sqlite3_open(env->db, &blocker), SQLITE_OK);
    assert_int_equal(sqlite3_exec(blocker, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);

    opts.lock_timeout_ms = 300;
    opts.strategy = MIGRATOR_STRATEGY_ALL;
    started = now_seconds();
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_EBUSY);
    waited = now_seconds() - started;
    print_message("EBUSY after %.3f s: %s\n", waited, migrator_errmsg(repo));
    assert_true(waited >= 0.25);
    assert_true(waited < 10.0);
    assert_ran(&ran, "");
    assert_non_null(strstr(migrator_errmsg(repo), env->url));
    assert_status(repo, migrator_up(repo, &rt_basic_migrations, 1, &opts), MIGRATOR_EBUSY);
    assert_non_null(strstr(migrator_errmsg(repo), env->url));

    assert_int_equal(sqlite3_exec(blocker, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(blocker);
    assert_db_versions(env->db, "");
    assert_false(rt_has_table(env->db, "alpha"));
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "1,2,3,4");
    rt_log_free(&log);
    migrator_close(repo);
}

/* A writer that lets go within the timeout: the migration waits for it. */
static void lock_wait(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo;
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);
    migrator_versions ran;
    int ready[2], status;
    char byte;
    pid_t child;
    double started, waited;

#ifdef RT_HAVE_POSTGRES
    if (rt_pg()) {
        pg_lock_wait(env);
        return;
    }
#endif
    rt_exec(env->db, "CREATE TABLE \"schema_migrations\" (\"version\" INTEGER PRIMARY KEY, "
                     "\"inserted_at\" TEXT)");
    assert_int_equal(pipe(ready), 0);
    fflush(stdout);
    fflush(stderr);
    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        sqlite3 *db = NULL;
        struct timespec pause = {0, 400 * 1000 * 1000};
        close(ready[0]);
        if (sqlite3_open(env->db, &db) != SQLITE_OK ||
            sqlite3_exec(db, "BEGIN IMMEDIATE; CREATE TABLE held (x INTEGER)", NULL, NULL, NULL) !=
                SQLITE_OK)
            _exit(1);
        if (write(ready[1], "x", 1) != 1)
            _exit(2);
        nanosleep(&pause, NULL);
        _exit(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : 3);
    }
    close(ready[1]);
    assert_int_equal(read(ready[0], &byte, 1), 1);
    close(ready[0]);

    repo = rt_open(env->url, NULL);
    opts.lock_timeout_ms = 10000;
    opts.strategy = MIGRATOR_STRATEGY_ALL;
    started = now_seconds();
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_OK);
    waited = now_seconds() - started;
    assert_ran(&ran, "1,2,3,4");
    assert_true(waited >= 0.2);
    while (waitpid(child, &status, 0) < 0)
        assert_int_equal(errno, EINTR);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_true(rt_has_table(env->db, "held"));
    rt_log_free(&log);
    migrator_close(repo);
}

/* "== Migrated V in S.Ss": tenths of a second, truncated (Ecto:
 * floor(us / 100000) / 10). A callback makes the migration take 0.15 s: 0.1s
 * truncated, 0.2s if rounded (unless it takes 50 ms more than that). */
static int sleep_150ms(migrator_repo *repo, const migrator_migration *migration,
                       migrator_direction direction, void *payload)
{
    struct timespec pause = {0, 150 * 1000 * 1000};
    (void)repo;
    (void)migration;
    (void)direction;
    (void)payload;
    nanosleep(&pause, NULL);
    return 0;
}

static void migrated_time_truncated(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = rt_open(env->url, NULL);
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);
    migrator_versions ran;

    struct timespec t0, t1;
    long tenths, most;

    opts.before_commit = sleep_150ms;
    opts.strategy = MIGRATOR_STRATEGY_STEP;
    opts.target = 1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_ran(&ran, "1");
    assert_int_equal(log.count, 2);
    /* On a loaded machine the migration may take longer than 0.15 s: the
     * printed time is then at most the call's, truncated; when the call took
     * less than 0.2 s it is exactly 0.1s (rounding would say 0.2s). */
    most = (long)((t1.tv_sec - t0.tv_sec) * 10 + (t1.tv_nsec - t0.tv_nsec) / 100000000L);
    assert_int_equal(sscanf(log.lines[1].text, "== Migrated 1 in 0.%lds", &tenths), 1);
    assert_true(strncmp(log.lines[1].text, "== Migrated 1 in 0.", 19) == 0 || most >= 10);
    assert_in_range(tenths, 1, most);
    if (most < 2)
        assert_string_equal(log.lines[1].text, "== Migrated 1 in 0.1s");
    rt_log_free(&log);
    migrator_close(repo);
}

/* The default logger: lines on stderr, "warning: " / "error: " first. */
static char *capture_stderr_run(const rt_env *env, void (*body)(const rt_env *env))
{
    char *path = rt_format("%s/stderr.txt", env->dir);
    int saved, fd;
    FILE *file;
    char *text;
    long size;

    fflush(stderr);
    saved = dup(STDERR_FILENO);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, STDERR_FILENO);
    close(fd);
    body(env);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);

    file = fopen(path, "rb");
    assert_non_null(file);
    fseek(file, 0, SEEK_END);
    size = ftell(file);
    fseek(file, 0, SEEK_SET);
    text = calloc(1, (size_t)size + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)size, file), (size_t)size);
    fclose(file);
    unlink(path);
    free(path);
    return text;
}

static int stderr_results[4];
static const char *startup_db; /* the other database of default_logger */

static void default_logger_body(const rt_env *env)
{
    migrator_repo *repo = rt_open(env->url, NULL);
    migrator_run_opts opts = MIGRATOR_RUN_OPTS_INIT;
    char *other;
    opts.strategy = MIGRATOR_STRATEGY_TO;
    opts.target = 1;
    stderr_results[0] = migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, NULL);
    stderr_results[1] = migrator_up(repo, &rt_basic_migrations, 3, NULL);
    stderr_results[2] = migrator_up(repo, &rt_basic_migrations, 2, NULL);
    migrator_close(repo);
    other = rt_db_url(startup_db);
    stderr_results[3] = migrator_migrate_on_startup(other, NULL, &rt_failing_migrations, NULL);
    free(other);
}

static void default_logger(void **state)
{
    rt_env *env = RT_ENV(state);
    char *text, *message;
    char *warning = out_of_order_text(2, 3);
    char *expected_error;

    startup_db = rt_new_db(env, "startup");
    text = capture_stderr_run(env, default_logger_body);
    message = rt_no_table_message(rt_migration(&rt_failing_migrations, 3), 5, 13, "missing_table",
                                  "INSERT INTO missing_table (id)");
    expected_error = rt_format("\nerror: %s\n", message);
    free(message);
    char *expected_warning = rt_format("\nwarning: %s\n== Running 2 create_beta up\n", warning);
    const char *migrated;

    print_message("stderr:\n%s", text);
    assert_int_equal(stderr_results[0], MIGRATOR_OK);
    assert_int_equal(stderr_results[1], MIGRATOR_OK);
    assert_int_equal(stderr_results[2], MIGRATOR_OK);
    assert_int_equal(stderr_results[3], MIGRATOR_ESQL);
    assert_int_equal(strncmp(text, "== Running 1 create_alpha up\n== Migrated 1 in ",
                             strlen("== Running 1 create_alpha up\n== Migrated 1 in ")),
                     0);
    migrated = strstr(text, "== Migrated 1 in ");
    assert_non_null(migrated);
    assert_non_null(strstr(migrated, "s\n== Running 3 create_gamma up\n"));
    assert_non_null(strstr(text, expected_warning));
    assert_non_null(strstr(text, expected_error));
    /* PostgreSQL's notices (3's CREATE TABLE IF NOT EXISTS log) are info
     * lines: nothing in front. */
    if (rt_pg())
        assert_non_null(strstr(text, "\n" RT_LOG_EXISTS_NOTICE "\n"));
    else
        assert_null(strstr(text, RT_LOG_EXISTS_NOTICE));
    free(expected_warning);
    free(expected_error);
    free(warning);
    free(text);
}

/* ---- skip_table_creation ---------------------------------------------------------- */

static void skip_table_creation_without_table(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = rt_open(env->url, NULL);
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);
    migrator_versions ran;
    migrator_status_list list;

    opts.skip_table_creation = 1;
    opts.log_migrator_sql = MIGRATOR_LOG_DEBUG;
    opts.log_migrations_sql = MIGRATOR_LOG_DEBUG;
    assert_status(repo, migrator_migrated_versions(repo, &opts, &ran), MIGRATOR_ESCHEMA);
    assert_string_not_equal(migrator_errmsg(repo), "");
    print_message("%s\n", migrator_errmsg(repo));
    if (rt_pg()) {
        char *expected = rt_format("cannot read the migrations table \"schema_migrations\" in %s: "
                                   "42P01: relation \"schema_migrations\" does not exist",
                                   env->url);
        assert_string_equal(migrator_errmsg(repo), expected);
        free(expected);
    }
    assert_status(repo, migrator_migrations(repo, &rt_basic_migrations, &opts, &list),
                  MIGRATOR_ESCHEMA);
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_ESCHEMA);
    assert_ran(&ran, "");
    assert_status(repo, migrator_up(repo, &rt_basic_migrations, 1, &opts), MIGRATOR_ESCHEMA);
    assert_int_equal(rt_table_count(env->db), 0);
    if (rt_pg())
        assert_int_equal(rt_int(env->db, "SELECT count(*) FROM pg_namespace WHERE nspname NOT IN "
                                         "('public', 'information_schema') AND nspname NOT LIKE "
                                         "'pg\\_%'"),
                         0);
    /* No SQL was logged at all: no CREATE, no transaction. */
    assert_int_equal(log.count, 0);

    /* Once the table exists it is used. */
    rt_exec(env->db, "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, inserted_at "
                     "TEXT); INSERT INTO schema_migrations VALUES (2, NULL)");
    assert_status(repo, migrator_migrated_versions(repo, &opts, &ran), MIGRATOR_OK);
    assert_ran(&ran, "2");
    opts.strategy = MIGRATOR_STRATEGY_ALL;
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "1,3,4");
    assert_int_equal(rt_log_count_prefix(&log, "CREATE TABLE IF NOT EXISTS \"schema"), 0);
    rt_log_free(&log);
    migrator_close(repo);
}

/* The checks of the read-only case, without cmocka (they run in a child
 * process that may have dropped root): 0, or the line that failed. */
#define RO_CHECK(condition)                                                                        \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            snprintf(why, why_size, "line %d: %s (errmsg: %s)", __LINE__, #condition,              \
                     repo ? migrator_errmsg(repo) : migrator_errmsg(NULL));                        \
            migrator_close(repo);                                                                  \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

static int read_only_checks(const char *with_table, const char *without_table, char *why,
                            size_t why_size)
{
    migrator_repo *repo = NULL;
    migrator_run_opts opts = MIGRATOR_RUN_OPTS_INIT;
    migrator_versions versions = {NULL, 0};
    migrator_status_list list = {NULL, 0};
    rt_log log = {NULL, 0};
    int result;

    opts.log_fn = rt_log_fn;
    opts.log_payload = &log;
    opts.skip_table_creation = 1;
    opts.lock_timeout_ms = 100;
    opts.strategy = MIGRATOR_STRATEGY_ALL;

    RO_CHECK(migrator_open(&repo, with_table, NULL) == MIGRATOR_OK);
    RO_CHECK(migrator_migrated_versions(repo, &opts, &versions) == MIGRATOR_OK);
    RO_CHECK(versions.count == 4 && versions.items[0] == 1 && versions.items[3] == 4);
    migrator_versions_free(&versions);
    RO_CHECK(migrator_migrations(repo, &rt_basic_migrations, &opts, &list) == MIGRATOR_OK);
    RO_CHECK(list.count == 4 && list.items[0].up && list.items[3].up);
    migrator_status_list_free(&list);
    RO_CHECK(migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &versions) ==
             MIGRATOR_OK);
    RO_CHECK(versions.count == 0);
    RO_CHECK(log.count == 1 && strcmp(log.lines[0].text, "Migrations already up") == 0);
    RO_CHECK(migrator_up(repo, &rt_basic_migrations, 2, &opts) == MIGRATOR_ALREADY_UP);
    /* Pending work on a read-only file fails cleanly. */
    result = migrator_run(repo, &rt_gaps_migrations, MIGRATOR_UP, &opts, &versions);
    RO_CHECK(result < 0 && versions.count == 0);
    migrator_close(repo);
    repo = NULL;
    rt_log_free(&log);

    RO_CHECK(migrator_open(&repo, without_table, NULL) == MIGRATOR_OK);
    RO_CHECK(migrator_migrated_versions(repo, &opts, &versions) == MIGRATOR_ESCHEMA);
    opts.skip_table_creation = 0;
    RO_CHECK(migrator_migrated_versions(repo, &opts, &versions) == MIGRATOR_ESCHEMA);
    RO_CHECK(migrator_errmsg(repo)[0] != '\0');
    migrator_close(repo);
    return 0;
}

/* url with user=role instead of its user (the harness's URLs end with
 * &user=USER). */
static char *url_as(const char *url, const char *role)
{
    const char *user = strstr(url, "&user=");
    assert_non_null(user);
    return rt_format("%.*s&user=%s", (int)(user - url), url, role);
}

/* PostgreSQL: a role that may read schema_migrations and create nothing
 * (no CREATE on the schema public or the database): the same checks as
 * SQLite's read-only file. */
static void pg_skip_table_creation_read_only(rt_env *env)
{
    const char *other = rt_new_db(env, "none");
    char *name = rt_text(env->db, "SELECT current_database()");
    char *role = rt_format("%s_ro", name);
    char *setup, *cleanup, *url, *other_url;
    char why[512] = "";
    int result;

    rt_exec(env->db,
            "CREATE TABLE \"schema_migrations\" (\"version\" bigint, \"inserted_at\" "
            "timestamp(0), PRIMARY KEY (\"version\")); INSERT INTO schema_migrations VALUES "
            "(1, '2024-01-01T00:00:00'), (2, '2024-01-01T00:00:00'), "
            "(3, '2024-01-01T00:00:00'), (4, '2024-01-01T00:00:00')");
    rt_exec(other, "CREATE TABLE unrelated (x INTEGER)");
    setup = rt_format("CREATE ROLE %s LOGIN; REVOKE CREATE ON SCHEMA public FROM PUBLIC; "
                      "REVOKE CREATE ON DATABASE %s FROM PUBLIC; "
                      "GRANT SELECT ON schema_migrations TO %s",
                      role, name, role);
    rt_exec(env->db, setup);
    rt_exec(other, "REVOKE CREATE ON SCHEMA public FROM PUBLIC");
    url = url_as(env->url, role);
    other_url = url_as(other, role);
    result = read_only_checks(url, other_url, why, sizeof(why));
    cleanup = rt_format("REVOKE ALL ON schema_migrations FROM %s; DROP ROLE %s", role, role);
    rt_exec(env->db, cleanup);
    if (result != 0)
        fail_msg("read-only checks failed: %s", why);
    /* Nothing changed. */
    assert_db_versions(env->db, "1,2,3,4");
    assert_int_equal(rt_table_count(env->db), 1);
    assert_int_equal(rt_table_count(other), 1);
    free(setup);
    free(cleanup);
    free(url);
    free(other_url);
    free(role);
    free(name);
}

static void skip_table_creation_read_only(void **state)
{
    rt_env *env = RT_ENV(state);
    char *other, *other_url;
    char why[512] = "";
    int pipe_fds[2], status;
    pid_t child;
    ssize_t got;

    if (rt_pg()) {
        pg_skip_table_creation_read_only(env);
        return;
    }
    other = rt_format("%s/none.db", env->dir);
    other_url = rt_format("sqlite:%s", other);

    rt_exec(env->db, "CREATE TABLE \"schema_migrations\" (\"version\" INTEGER PRIMARY KEY, "
                     "\"inserted_at\" TEXT); INSERT INTO schema_migrations VALUES "
                     "(1, '2024-01-01T00:00:00'), (2, '2024-01-01T00:00:00'), "
                     "(3, '2024-01-01T00:00:00'), (4, '2024-01-01T00:00:00')");
    rt_exec(other, "CREATE TABLE unrelated (x INTEGER)");
    assert_int_equal(chmod(env->db, 0444), 0);
    assert_int_equal(chmod(other, 0444), 0);
    assert_int_equal(chmod(env->dir, 0555), 0);

    assert_int_equal(pipe(pipe_fds), 0);
    fflush(stdout);
    fflush(stderr);
    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        int result;
        close(pipe_fds[0]);
        /* root writes anywhere: become nobody so that the file really is
         * read-only. */
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            _exit(77);
        /* ($TMPDIR may be out of nobody's reach.) */
        if (access(env->db, R_OK) != 0 || access(other, R_OK) != 0)
            _exit(77);
        result = read_only_checks(env->url, other_url, why, sizeof(why));
        if (write(pipe_fds[1], why, strlen(why)) < 0)
            result = 2;
        _exit(result);
    }
    close(pipe_fds[1]);
    got = read(pipe_fds[0], why, sizeof(why) - 1);
    why[got > 0 ? got : 0] = '\0';
    close(pipe_fds[0]);
    while (waitpid(child, &status, 0) < 0)
        assert_int_equal(errno, EINTR);
    chmod(env->dir, 0700);
    chmod(env->db, 0644);
    chmod(other, 0644);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77)
        skip();
    if (WEXITSTATUS(status) != 0)
        fail_msg("read-only checks failed: %s", why);
    /* Nothing changed. */
    assert_db_versions(env->db, "1,2,3,4");
    assert_int_equal(rt_table_count(other), 1);
    free(other);
    free(other_url);
}

/* ---- migration_source ------------------------------------------------------------- */

static void source_round_trip(const rt_env *env, const char *source, const char *quoted)
{
    migrator_repo_config config = MIGRATOR_REPO_CONFIG_INIT;
    migrator_repo *repo;
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);
    migrator_versions ran;
    char *select = rt_format("SELECT version FROM %s ORDER BY version", quoted);
    char *insert = rt_format("INSERT INTO %s (\"version\", \"inserted_at\") VALUES %s", quoted,
                             rt_pg() ? "($1, $2)" : "(?, ?)");
    char *schema = rt_format("CREATE TABLE %s (\"version\" INTEGER PRIMARY KEY, \"inserted_at\" "
                             "TEXT)",
                             quoted);
    char *names;

    config.migration_source = source;
    repo = rt_open(env->url, &config);
    opts.log_migrator_sql = MIGRATOR_LOG_INFO;
    opts.strategy = MIGRATOR_STRATEGY_ALL;
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "1,2,3,4");
    assert_query(env->db, select, "1,2,3,4");
    assert_true(rt_has_table(env->db, source));
    assert_false(rt_has_table(env->db, "schema_migrations"));
    assert_true(rt_has_table(env->db, "alpha"));
    if (rt_pg()) {
        /* The only other tables: it, with Ecto's columns, and ours beside
         * it (<source>_migrator). */
        char *expected = malloc(2 * strlen(source) + 16);
        assert_non_null(expected);
        sprintf(expected, "%s,%s_migrator", source, source);
        names = rt_text(env->db, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND "
                                 "tablename NOT IN ('log', 'alpha', 'beta', 'gamma', 'delta') "
                                 "ORDER BY tablename COLLATE \"C\"");
        assert_string_equal(names, expected);
        free(expected);
        free(names);
        assert_true(rt_has_column(env->db, source, "version"));
        assert_true(rt_has_column(env->db, source, "inserted_at"));
    } else {
        /* ... and ours beside it, whose name is the source's plus _migrator */
        char *ours = malloc(strlen(source) + 16);
        assert_non_null(ours);
        sprintf(ours, "%s_migrator", source);
        names = rt_text(env->db, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name NOT "
                                 "IN ('log', 'alpha', 'beta', 'gamma', 'delta') AND name NOT LIKE "
                                 "'%\\_migrator' ESCAPE '\\'");
        assert_string_equal(names, schema);
        free(names);
        assert_true(rt_has_table(env->db, ours));
        free(ours);
    }
    assert_int_equal(rt_log_count_prefix(&log, insert), 4);

    assert_status(repo, migrator_migrated_versions(repo, &opts, &ran), MIGRATOR_OK);
    assert_ran(&ran, "1,2,3,4");
    opts.strategy = MIGRATOR_STRATEGY_STEP;
    opts.target = 2;
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_DOWN, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "4,3");
    assert_query(env->db, select, "1,2");
    migrator_close(repo);

    /* Another repo on the same file with the default source sees nothing
     * applied. */
    repo = rt_open(env->url, NULL);
    assert_status(repo, migrator_migrated_versions(repo, &opts, &ran), MIGRATOR_OK);
    assert_ran(&ran, "");
    migrator_close(repo);
    free(select);
    free(insert);
    free(schema);
    rt_log_free(&log);
}

static void migration_source_custom(void **state)
{
    source_round_trip(RT_ENV(state), "my_versions", "\"my_versions\"");
}

static void migration_source_quoted(void **state)
{
    source_round_trip(RT_ENV(state), "we\"ird", "\"we\"\"ird\"");
}

static void migration_source_hostile(void **state)
{
    source_round_trip(RT_ENV(state), "x\"; DROP TABLE alpha; --",
                      "\"x\"\"; DROP TABLE alpha; --\"");
}

/* ---- prefix ------------------------------------------------------------------------ */

static void prefix_unsupported(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo;
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);
    migrator_versions ran;
    migrator_status_list list;
    static const char message[] = "SQLite does not support table prefixes";

    RT_ONLY(RT_SQLITE, "PostgreSQL supports prefixes: prefix_schema and the next cases");
    repo = rt_open(env->url, NULL);
    opts.prefix = "foo";
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_EUNSUPPORTED);
    assert_string_equal(migrator_errmsg(repo), message);
    assert_ran(&ran, "");
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_DOWN, &opts, &ran),
                  MIGRATOR_EUNSUPPORTED);
    assert_string_equal(migrator_errmsg(repo), message);
    assert_status(repo, migrator_up(repo, &rt_basic_migrations, 1, &opts), MIGRATOR_EUNSUPPORTED);
    assert_string_equal(migrator_errmsg(repo), message);
    assert_status(repo, migrator_down(repo, &rt_basic_migrations, 1, &opts), MIGRATOR_EUNSUPPORTED);
    assert_string_equal(migrator_errmsg(repo), message);
    assert_status(repo, migrator_migrations(repo, &rt_basic_migrations, &opts, &list),
                  MIGRATOR_EUNSUPPORTED);
    assert_string_equal(migrator_errmsg(repo), message);
    assert_status(repo, migrator_migrated_versions(repo, &opts, &ran), MIGRATOR_EUNSUPPORTED);
    assert_string_equal(migrator_errmsg(repo), message);
    assert_int_equal(log.count, 0);
    assert_int_equal(rt_table_count(env->db), 0);
    rt_log_free(&log);
    migrator_close(repo);
}

/* PostgreSQL: with a prefix the migrations table is "P"."schema_migrations",
 * the schema P is created if missing, and the migrations' statements run
 * with search_path set to P (docs/api.md "Prefix"). */
static void prefix_schema(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo;
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);
    migrator_versions ran;
    migrator_status_list list;
    size_t i;

    RT_ONLY(RT_POSTGRES, "SQLite has no prefixes: prefix_unsupported");
    repo = rt_open(env->url, NULL);
    opts.prefix = "tenant_a";
    opts.log_migrator_sql = MIGRATOR_LOG_DEBUG;
    opts.strategy = MIGRATOR_STRATEGY_ALL;
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "1,2,3,4");
    assert_true(rt_has_table_in(env->db, "tenant_a", "schema_migrations"));
    assert_true(rt_has_table_in(env->db, "tenant_a", "alpha"));
    assert_true(rt_has_table_in(env->db, "tenant_a", "delta"));
    assert_true(rt_has_table_in(env->db, "tenant_a", "log"));
    assert_false(rt_has_table(env->db, "schema_migrations"));
    assert_false(rt_has_table(env->db, "alpha"));
    assert_false(rt_has_table(env->db, "log"));
    assert_query(env->db, "SELECT version FROM tenant_a.schema_migrations ORDER BY version",
                 "1,2,3,4");
    assert_query(env->db, "SELECT version || direction FROM tenant_a.log ORDER BY seq",
                 "1up,2up,3up,4up");
    /* Each migration's transaction sets the search_path first; the
     * version rows go to the schema's table. */
    assert_int_equal(rt_log_count(&log, "SET LOCAL search_path TO \"tenant_a\""), 4);
    assert_int_equal(rt_log_count(&log, "LOCK TABLE \"tenant_a\".\"schema_migrations\" IN SHARE "
                                        "UPDATE EXCLUSIVE MODE"),
                     4);
    assert_int_equal(rt_log_count_prefix(&log, "INSERT INTO \"tenant_a\".\"schema_migrations\" "),
                     4);
    assert_true(rt_log_count(&log, "CREATE SCHEMA IF NOT EXISTS \"tenant_a\"") <= 1);
    for (i = 0; i < log.count; i++)
        if (strcmp(log.lines[i].text, "SET LOCAL search_path TO \"tenant_a\"") == 0)
            assert_string_equal(log.lines[i - 1].text, "BEGIN");

    /* Status and versions read the schema's table; without the prefix the
     * public one (created then). */
    assert_status(repo, migrator_migrated_versions(repo, &opts, &ran), MIGRATOR_OK);
    assert_ran(&ran, "1,2,3,4");
    assert_status(repo, migrator_migrations(repo, &rt_basic_migrations, &opts, &list), MIGRATOR_OK);
    assert_int_equal(list.count, 4);
    for (i = 0; i < list.count; i++)
        assert_true(list.items[i].up);
    migrator_status_list_free(&list);
    assert_status(repo, migrator_migrated_versions(repo, NULL, &ran), MIGRATOR_OK);
    assert_ran(&ran, "");
    assert_true(rt_has_table(env->db, "schema_migrations"));

    /* A second tenant, whose name needs quoting, is independent. */
    opts.prefix = "Tenant \"B\"";
    opts.strategy = MIGRATOR_STRATEGY_STEP;
    opts.target = 2;
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "1,2");
    assert_true(rt_has_table_in(env->db, "Tenant \"B\"", "schema_migrations"));
    assert_true(rt_has_table_in(env->db, "Tenant \"B\"", "beta"));
    assert_false(rt_has_table_in(env->db, "Tenant \"B\"", "gamma"));
    assert_query(env->db,
                 "SELECT version FROM \"Tenant \"\"B\"\"\".schema_migrations ORDER BY "
                 "version",
                 "1,2");

    /* Rolling tenant_a back leaves the other alone. */
    opts.prefix = "tenant_a";
    opts.strategy = MIGRATOR_STRATEGY_ALL;
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_DOWN, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "4,3,2,1");
    assert_false(rt_has_table_in(env->db, "tenant_a", "alpha"));
    assert_query(env->db, "SELECT version FROM tenant_a.schema_migrations", "");
    assert_true(rt_has_table_in(env->db, "Tenant \"B\"", "alpha"));
    assert_status(repo, migrator_down(repo, &rt_basic_migrations, 2, &opts), MIGRATOR_ALREADY_DOWN);
    opts.prefix = "Tenant \"B\"";
    assert_status(repo, migrator_down(repo, &rt_basic_migrations, 2, &opts), MIGRATOR_OK);
    assert_query(env->db, "SELECT version FROM \"Tenant \"\"B\"\"\".schema_migrations", "1");
    rt_log_free(&log);
    migrator_close(repo);
}

/* PostgreSQL: the advisory key depends on the prefix (two tenants never
 * share one), as documented; the lock is taken on that key. */
static void prefix_advisory_key(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo_config config = MIGRATOR_REPO_CONFIG_INIT;
    migrator_repo *repo;
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);
    long long plain, tenant;
    char *line;

    RT_ONLY(RT_POSTGRES, "SQLite has no prefixes and no advisory locks");
    plain = rt_pg_advisory_key(env->db, NULL, "schema_migrations");
    tenant = rt_pg_advisory_key(env->db, "tenant_k", "schema_migrations");
    assert_true(plain != tenant);
    config.migration_lock = MIGRATOR_LOCK_ADVISORY;
    repo = rt_open(env->url, &config);
    opts.prefix = "tenant_k";
    opts.log_migrator_sql = MIGRATOR_LOG_DEBUG;
    assert_status(repo, migrator_up(repo, &rt_basic_migrations, 1, &opts), MIGRATOR_OK);
    line = rt_format("SELECT pg_try_advisory_lock(%lld)", tenant);
    assert_int_equal(rt_log_count(&log, line), 1);
    free(line);
    /* The first-boot transaction locks the same key. */
    line = rt_format("SELECT pg_advisory_xact_lock(%lld)", tenant);
    assert_int_equal(rt_log_count(&log, line), 1);
    free(line);
    assert_true(rt_has_table_in(env->db, "tenant_k", "alpha"));
    rt_log_free(&log);
    migrator_close(repo);
}

/* PostgreSQL: a migration outside a transaction runs with the prefix as
 * the session's search_path, which is restored afterwards. */
static void prefix_outside_transaction(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo;
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);
    migrator_versions ran;
    char *before, *after;

    RT_ONLY(RT_POSTGRES, "SQLite has no prefixes");
    repo = rt_open(env->url, NULL);
    opts.prefix = "tenant_n";
    opts.strategy = MIGRATOR_STRATEGY_ALL;
    /* 2 fails on the missing gate, looked up in tenant_n. */
    assert_status(repo, migrator_run(repo, &rt_notx_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_ESQL);
    assert_ran(&ran, "1");
    {
        char *expected = rt_no_table_message(rt_migration(&rt_notx_migrations, 2), 6, 13, "gate",
                                             "INSERT INTO gate (x) VALUES (2)");
        assert_non_null(strstr(migrator_errmsg(repo), expected));
        free(expected);
    }
    /* It stopped midway: not run again unless asked (--retry-partial). */
    assert_status(repo, migrator_run(repo, &rt_notx_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_EPARTIAL);
    assert_ran(&ran, "");
    opts.retry_partial = 1;
    rt_exec(env->db, "CREATE TABLE public.gate (x INTEGER)"); /* not where it looks */
    assert_status(repo, migrator_run(repo, &rt_notx_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_ESQL);
    assert_ran(&ran, "");
    rt_exec(env->db, "CREATE TABLE tenant_n.gate (x INTEGER)");
    assert_status(repo, migrator_run(repo, &rt_notx_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "2,3");
    /* 2's first statement ran each of the three times (outside a
     * transaction nothing is rolled back). */
    assert_query(env->db, "SELECT x FROM tenant_n.t ORDER BY x", "2,2,2,3");
    assert_query(env->db, "SELECT x FROM tenant_n.gate", "2");
    assert_query(env->db, "SELECT x FROM public.gate", "");
    assert_query(env->db, "SELECT version FROM tenant_n.schema_migrations ORDER BY version",
                 "1,2,3");
    /* The session's search_path is back: unqualified names are public's. */
    before = rt_text(env->db, "SELECT current_setting('search_path')");
    assert_status(repo, migrator_execute(repo, "CREATE TABLE after_notx (x INTEGER)"), MIGRATOR_OK);
    assert_true(rt_has_table(env->db, "after_notx"));
    assert_false(rt_has_table_in(env->db, "tenant_n", "after_notx"));
    after = rt_text(env->db, "SELECT current_setting('search_path')");
    assert_string_equal(before, after);
    free(before);
    free(after);
    rt_log_free(&log);
    migrator_close(repo);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(strict_version_order, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(out_of_order_warning, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(log_lines_and_levels, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(log_off_is_silent, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(log_migrations_sql, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(log_migrator_sql, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(table_creation_sql_not_logged, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(lock_switches, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(disable_migration_lock, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(lock_timeout_ebusy, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(lock_wait, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(migrated_time_truncated, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(default_logger, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(skip_table_creation_without_table, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(skip_table_creation_read_only, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(migration_source_custom, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(migration_source_quoted, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(migration_source_hostile, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(prefix_unsupported, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(prefix_schema, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(prefix_advisory_key, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(prefix_outside_transaction, rt_setup, rt_teardown),
    };
    return RT_MAIN("options", tests);
}
