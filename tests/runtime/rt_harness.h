/*
 * Helpers of the runtime tests (tests/runtime/SPEC.md), for both backends:
 * each test executable runs on SQLite (ctest runtime.<area>) or on
 * PostgreSQL (runtime.pg.<area>), as MIGRATOR_TEST_BACKEND=sqlite|postgres
 * (or the argument --backend=sqlite|postgres) says. Each test gets a fresh
 * temporary directory and a fresh database: a SQLite file in the directory,
 * or a new database on the fixture's PostgreSQL server (tests/pg), dropped
 * in teardown. A database is named by a "db" string: the SQLite file's path,
 * or the postgresql:// URL. It is inspected and changed directly with the
 * sqlite3 C API or libpq (never only through migrator); log lines are
 * captured through migrator_run_opts.log_fn, and version lists compared as
 * strings ("1,2,3").
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGRATOR_TEST_RT_HARNESS_H
#define MIGRATOR_TEST_RT_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "migrator.h"

/* ---- backends ---------------------------------------------------------------- */

typedef enum rt_backend { RT_SQLITE = 1, RT_POSTGRES = 2 } rt_backend;

/* The backend of this run. */
rt_backend rt_current_backend(void);
/* 1 when this run is on PostgreSQL. */
int rt_pg(void);
/* "SQLite" or "PostgreSQL". */
const char *rt_backend_name(void);

/* main() of a test executable: picks the backend (MIGRATOR_TEST_BACKEND or
 * --backend=...), on PostgreSQL checks that the fixture's server answers
 * (else returns pg_test_unavailable_status(): 77 skipped, or 1 failed when
 * MIGRATOR_REQUIRE_POSTGRES=1), and runs the group "runtime.<area>" or
 * "runtime.pg.<area>". */
int rt_main(int argc, char **argv, const char *area, const struct CMUnitTest *tests, size_t count);
#define RT_MAIN(area, tests)                                                                       \
    rt_main(argc, argv, (area), (tests), sizeof(tests) / sizeof((tests)[0]))

/* Skips the current test (with the reason on stdout) unless the run is on
 * backend. Use sparingly: every use is listed in the report of the suite. */
#define RT_ONLY(backend, reason)                                                                   \
    do {                                                                                           \
        if (rt_current_backend() != (backend)) {                                                   \
            print_message("[ SKIP     ] not on %s: %s\n", rt_backend_name(), (reason));            \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

/* Per-test state: a fresh directory and a fresh database. */
typedef struct rt_env {
    char *dir;    /* absolute path of the temporary directory */
    char *db;     /* SQLite: dir/test.db (not created yet); PostgreSQL: the database's URL */
    char *url;    /* the URL to give migrator_open: "sqlite:" db, or the postgresql:// URL */
    char **extra; /* more databases of the test (rt_new_db), dropped in teardown */
    size_t extra_count;
} rt_env;

/* cmocka setup / teardown: *state is an rt_env. */
int rt_setup(void **state);
int rt_teardown(void **state);
#define RT_ENV(state) ((rt_env *)*(state))

/* Another fresh database for this test: SQLite dir/<name>.db (not created
 * yet), PostgreSQL a new database. Owned by env. */
const char *rt_new_db(rt_env *env, const char *name);
/* The URL of a db (malloc'd). */
char *rt_db_url(const char *db);
/* Empties a db: SQLite removes the file, PostgreSQL drops and recreates
 * the schema public (no repo may be open on it). */
void rt_reset_db(const char *db);
/* A URL of this backend that migrator_open cannot open (MIGRATOR_EOPEN):
 * a file in a missing directory, or a database that does not exist
 * (malloc'd). */
char *rt_unopenable_url(const rt_env *env);

/* printf into a malloc'd string. */
char *rt_format(const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Removes a directory tree (best effort). */
void rt_remove_tree(const char *path);

/* Whether a file exists. */
int rt_exists(const char *path);

/* ---- the database, with a connection opened for each call ----------------- */

/* Runs sql (several statements allowed) on db, creating a SQLite file if it
 * is missing; fails the test on error. */
void rt_exec(const char *db, const char *sql);
/* The integer in the first column of the first row of sql (never creates
 * the file). */
long long rt_int(const char *db, const char *sql);
/* The first column of every row of sql, joined with "," (malloc'd; "" when
 * there is no row; NULL values as "NULL"). */
char *rt_text(const char *db, const char *sql);
/* Whether a table of that name exists (PostgreSQL: in the schema public). */
int rt_has_table(const char *db, const char *name);
/* PostgreSQL: whether schema.name is a table. */
int rt_has_table_in(const char *db, const char *schema, const char *name);
/* Whether table (PostgreSQL: public.table) has that column. */
int rt_has_column(const char *db, const char *table, const char *column);
/* The number of tables (PostgreSQL: outside the system schemas). */
long long rt_table_count(const char *db);
/* The versions in "schema_migrations" ascending, joined with ",". */
char *rt_db_versions(const char *db);
/* Whether another connection could take the migration lock (default mode)
 * right now: SQLite BEGIN IMMEDIATE, PostgreSQL LOCK TABLE
 * "schema_migrations" IN SHARE UPDATE EXCLUSIVE MODE NOWAIT. 1, 0, or -1
 * when that cannot be told. */
int rt_lock_is_free(const char *db);

/* PostgreSQL: the documented advisory key of migrator (docs/api.md), computed
 * by the server from its formula: the first 8 bytes of SHA-256 of
 * "migrator" NUL database NUL prefix NUL source, as a signed bigint. */
long long rt_pg_advisory_key(const char *db, const char *prefix, const char *source);
/* PostgreSQL: whether another session could take that advisory lock now. */
int rt_pg_advisory_is_free(const char *db, long long key);

/* ---- what the database says ----------------------------------------------------- */

/* The database's message for a missing table, as migrator reports it:
 * "no such table: T" / "42P01: relation \"T\" does not exist" (malloc'd). */
char *rt_no_table_text(const char *table);
/* migrator_errmsg of a statement of m that failed on the missing table:
 * SQLite "FILE:LINE: no such table: T (statement: FIRST)"; PostgreSQL
 * "FILE:LINE:COLUMN: 42P01: relation \"T\" does not exist (statement:
 * FIRST)", COLUMN where the server put the error (malloc'd). */
char *rt_no_table_message(const migrator_migration *m, unsigned int line, unsigned int column,
                          const char *table, const char *first_line);
/* The notice PostgreSQL gives for the fixtures' CREATE TABLE IF NOT EXISTS
 * log, which migrator logs at INFO. */
#define RT_LOG_EXISTS_NOTICE "relation \"log\" already exists, skipping"

#define assert_query(path, sql, expected)                                                          \
    do {                                                                                           \
        char *text_ = rt_text((path), (sql));                                                      \
        assert_string_equal(text_, (expected));                                                    \
        free(text_);                                                                               \
    } while (0)

#define assert_db_versions(path, expected)                                                         \
    do {                                                                                           \
        char *text_ = rt_db_versions(path);                                                        \
        assert_string_equal(text_, (expected));                                                    \
        free(text_);                                                                               \
    } while (0)

/* The rows of the fixtures' `log` table in insertion order (its seq
 * column), as "1up,2up,2down" ("" when the table has no row). */
#define assert_log_table(db, expected)                                                             \
    assert_query((db), "SELECT version || direction FROM log ORDER BY seq", (expected))

/* ---- version lists --------------------------------------------------------- */

/* "1,2,3" (malloc'd). */
char *rt_versions_string(const migrator_versions *versions);

/* Checks a migrator_versions (e.g. `ran`) against "1,2,3" and frees it. */
#define assert_ran(versions, expected)                                                             \
    do {                                                                                           \
        char *text_ = rt_versions_string(versions);                                                \
        assert_string_equal(text_, (expected));                                                    \
        free(text_);                                                                               \
        migrator_versions_free(versions);                                                          \
    } while (0)

/* ---- log capture -------------------------------------------------------------- */

typedef struct rt_line {
    migrator_log_level level;
    char *text;
} rt_line;

typedef struct rt_log {
    rt_line *lines;
    size_t count;
} rt_log;

/* A migrator_log_fn whose payload is an rt_log. */
void rt_log_fn(migrator_log_level level, const char *message, void *payload);
void rt_log_free(rt_log *log);
/* Index of the first line equal to text at or after from, or -1. */
long rt_log_find(const rt_log *log, const char *text, size_t from);
/* Index of the first line starting with prefix at or after from, or -1. */
long rt_log_find_prefix(const rt_log *log, const char *prefix, size_t from);
/* Number of lines equal to text. */
size_t rt_log_count(const rt_log *log, const char *text);
/* Number of lines starting with prefix. */
size_t rt_log_count_prefix(const rt_log *log, const char *prefix);
/* Removes the lines equal to text (failing the test if one is not at
 * level); returns how many there were. */
size_t rt_log_strip(rt_log *log, const char *text, migrator_log_level level);
/* On PostgreSQL, removes the RT_LOG_EXISTS_NOTICE lines (at INFO) and
 * checks there were expected of them; on SQLite checks there are none. */
#define rt_log_strip_notices(log, expected)                                                        \
    assert_int_equal(rt_log_strip((log), RT_LOG_EXISTS_NOTICE, MIGRATOR_LOG_INFO),                 \
                     rt_pg() ? (size_t)(expected) : 0u)
/* All lines as "[level] text\n"... (malloc'd), for failure messages. */
char *rt_log_dump(const rt_log *log);

/* Fails (printing the log) unless some line equals text at level. */
#define assert_logged(log, level, text) rt_assert_logged((log), (level), (text), __FILE__, __LINE__)
void rt_assert_logged(const rt_log *log, migrator_log_level level, const char *text,
                      const char *file, int line);

/* Default run options whose log lines go to log. */
migrator_run_opts rt_opts(rt_log *log);

/* ---- migrator ------------------------------------------------------------------ */

/* migrator_open that fails the test (with the message) unless it succeeds. */
migrator_repo *rt_open(const char *url, const migrator_repo_config *config);

/* Fails the test (printing migrator_errmsg) unless result == expected. */
#define assert_status(repo, result, expected)                                                      \
    rt_assert_status((repo), (result), (expected), #result, __FILE__, __LINE__)
void rt_assert_status(const migrator_repo *repo, int result, int expected, const char *call,
                      const char *file, int line);

/* The migration of table with this version (fails the test if none). */
const migrator_migration *rt_migration(const migrator_table *table, int64_t version);

#endif
