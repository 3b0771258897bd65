/*
 * Helpers of the CLI tests of migrating binaries, on top of the generator's
 * harness (../gen/gen_harness.h): a binary named by an environment variable
 * run with arguments in a directory, its output normalised, and SQLite
 * files inspected and changed with the sqlite3 C API.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGRATOR_TEST_CLI_HARNESS_H
#define MIGRATOR_TEST_CLI_HARNESS_H

#include "gen_harness.h"

/* The path in the environment variable name (set by ctest); fails the test
 * when it is missing. */
const char *cli_program(const char *name);

/* The base name of a path (a pointer into it). */
const char *cli_base_name(const char *path);

/* Runs program with args[0..] (NULL-terminated) in cwd, with the test's
 * environment (setenv / unsetenv DATABASE_URL before). */
void cli_run(gen_result *result, const char *program, const char *cwd, const char *const *args);
#define CLI_RUN(result, program, cwd, ...)                                                         \
    cli_run((result), (program), (cwd), (const char *const[]){__VA_ARGS__, NULL})

/* A copy of a log in which the time of every `== Migrated V in S.Ss` line
 * that has that form is 0.0, so that logs compare exactly. */
char *cli_normalize_log(const char *log);

/* Fails the test unless the run ended with status and printed exactly out
 * and (after cli_normalize_log) err; NULL: anything. */
#define assert_cli(result, status, out, err)                                                       \
    cli_assert_run((result), (status), (out), (err), __FILE__, __LINE__)
void cli_assert_run(const gen_result *result, int status, const char *out, const char *err,
                    const char *file, int line);

/* Fails the test if text contains needle. */
#define assert_lacks(text, needle) cli_assert_lacks((text), (needle), __FILE__, __LINE__)
void cli_assert_lacks(const char *text, const char *needle, const char *file, int line);

/* How many times needle occurs in text. */
size_t cli_count(const char *text, const char *needle);

/* Fails the test unless first occurs in text, and second after it (a
 * newline that ends first may be the one that starts second). */
#define assert_before(text, first, second)                                                         \
    cli_assert_before((text), (first), (second), __FILE__, __LINE__)
void cli_assert_before(const char *text, const char *first, const char *second, const char *file,
                       int line);

/* SQLite, opened fresh for each call (never creating a missing file): */
/* runs sql (several statements allowed); fails the test on error. */
void db_exec(const char *path, const char *sql);
/* the integer in the first column of the first row of sql. */
long long db_int(const char *path, const char *sql);
/* the first column of every row of sql, joined with "," (malloc'd). */
char *db_column(const char *path, const char *sql);
/* whether a table (or index) of that name exists. */
int db_has(const char *path, const char *name);
/* the versions in schema_migrations, ascending, joined with "," (malloc'd);
 * "" when the table is empty. */
char *db_versions(const char *path);

#define assert_versions(path, expected)                                                            \
    do {                                                                                           \
        char *versions_ = db_versions(path);                                                       \
        assert_string_equal(versions_, (expected));                                                \
        free(versions_);                                                                           \
    } while (0)

#endif
