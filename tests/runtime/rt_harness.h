/*
 * Helpers of the runtime tests (tests/runtime/SPEC.md): a fresh temporary
 * directory and SQLite file per test, the database inspected and changed
 * with the sqlite3 C API directly (never only through migrator), log lines
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

/* Per-test state: a fresh directory with the path and URL of a database
 * file in it (not created yet). */
typedef struct rt_env {
    char *dir; /* absolute path of the temporary directory */
    char *db;  /* dir/test.db */
    char *url; /* "sqlite:" db */
} rt_env;

/* cmocka setup / teardown: *state is an rt_env. */
int rt_setup(void **state);
int rt_teardown(void **state);
#define RT_ENV(state) ((rt_env *)*(state))

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

/* ---- SQLite, with a connection opened for each call ---------------------- */

/* Runs sql (several statements allowed) on path, creating the file if it is
 * missing; fails the test on error. */
void rt_exec(const char *path, const char *sql);
/* The integer in the first column of the first row of sql (never creates
 * the file). */
long long rt_int(const char *path, const char *sql);
/* The first column of every row of sql, joined with "," (malloc'd; "" when
 * there is no row; NULL values as "NULL"). */
char *rt_text(const char *path, const char *sql);
/* Whether a table of that name exists. */
int rt_has_table(const char *path, const char *name);
/* The versions in "schema_migrations" ascending, joined with ",". */
char *rt_db_versions(const char *path);

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

/* The rows of the fixtures' `log` table in insertion order, as
 * "1up,2up,2down" ("" when the table has no row). */
#define assert_log_table(path, expected)                                                           \
    assert_query((path), "SELECT version || direction FROM log ORDER BY rowid", (expected))

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
