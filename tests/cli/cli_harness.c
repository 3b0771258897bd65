/*
 * Helpers of the CLI tests: see cli_harness.h.
 *
 * SPDX-License-Identifier: MIT
 */
#define _XOPEN_SOURCE 700
#include "cli_harness.h"

#include <ctype.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <cmocka.h>

#define harness_fail(...)                                                                          \
    do {                                                                                           \
        print_error(__VA_ARGS__);                                                                  \
        _fail(__FILE__, __LINE__);                                                                 \
    } while (0)

const char *cli_program(const char *name)
{
    const char *path = getenv(name);
    if (!path || !*path)
        harness_fail("%s is not set (run the tests with ctest)\n", name);
    return path;
}

const char *cli_base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

void cli_run(gen_result *result, const char *program, const char *cwd, const char *const *args)
{
    /* gen_run runs $MIGRATOR_GEN: point it at the binary under test. */
    if (setenv("MIGRATOR_GEN", program, 1) != 0)
        harness_fail("setenv failed\n");
    gen_run(result, cwd, args);
}

char *cli_normalize_log(const char *log)
{
    static const char marker[] = "== Migrated ";
    char *copy = gen_format("%s", log);
    char *line = copy;

    while ((line = strstr(line, marker)) != NULL) {
        char *end = strchr(line, '\n'), *in, *p, *digits;
        if (!end)
            end = line + strlen(line);
        /* "== Migrated V in D+.Ds": find the last " in " of the line. */
        in = NULL;
        for (p = line; p + 4 <= end; p++)
            if (strncmp(p, " in ", 4) == 0)
                in = p;
        if (in) {
            p = digits = in + 4;
            while (p < end && isdigit((unsigned char)*p))
                p++;
            if (p > digits && p + 3 == end && p[0] == '.' && isdigit((unsigned char)p[1]) &&
                p[2] == 's') {
                /* Replace "D+.Ds" with "0.0s", moving the rest left. */
                size_t rest = strlen(end);
                memcpy(digits, "0.0s", 4);
                memmove(digits + 4, end, rest + 1);
                end = digits + 4;
            }
        }
        line = end;
    }
    return copy;
}

void cli_assert_run(const gen_result *result, int status, const char *out, const char *err,
                    const char *file, int line)
{
    char *normal = cli_normalize_log(result->err);
    int bad = result->status != status || (out && strcmp(result->out, out) != 0) ||
              (err && strcmp(normal, err) != 0);
    if (!bad) {
        free(normal);
        return;
    }
    print_error("the binary exited with %d (expected %d)\n", result->status, status);
    if (out && strcmp(result->out, out) != 0)
        print_error("stdout:\n---\n%s---\nexpected:\n---\n%s---\n", result->out, out);
    else
        print_error("stdout:\n---\n%s---\n", result->out);
    if (err && strcmp(normal, err) != 0)
        print_error("stderr (times normalised):\n---\n%s---\nexpected:\n---\n%s---\n", normal, err);
    else
        print_error("stderr:\n---\n%s---\n", result->err);
    free(normal);
    _fail(file, line);
}

void cli_assert_lacks(const char *text, const char *needle, const char *file, int line)
{
    if (text && strstr(text, needle)) {
        print_error("expected not to find\n---\n%s\n---\nin\n---\n%s\n---\n", needle, text);
        _fail(file, line);
    }
}

size_t cli_count(const char *text, const char *needle)
{
    size_t count = 0, length = strlen(needle);
    const char *p = text;
    while (length && (p = strstr(p, needle)) != NULL) {
        count++;
        p += length;
    }
    return count;
}

void cli_assert_before(const char *text, const char *first, const char *second, const char *file,
                       int line)
{
    const char *a = strstr(text, first);
    const char *b = NULL;
    if (a) {
        /* A newline that ends first may also start second. */
        size_t length = strlen(first);
        if (length > 0 && first[length - 1] == '\n' && second[0] == '\n')
            length--;
        b = strstr(a + length, second);
    }
    if (!a || !b) {
        print_error("expected\n---\n%s\n---\nfollowed by\n---\n%s\n---\nin\n---\n%s\n---\n", first,
                    second, text);
        _fail(file, line);
    }
}

static sqlite3 *db_open(const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        print_error("cannot open %s: %s\n", path, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        _fail(__FILE__, __LINE__);
    }
    sqlite3_busy_timeout(db, 10000);
    return db;
}

void db_exec(const char *path, const char *sql)
{
    sqlite3 *db = db_open(path);
    char *message = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &message) != SQLITE_OK) {
        print_error("%s: %s\nin: %s\n", path, message ? message : "?", sql);
        sqlite3_free(message);
        sqlite3_close(db);
        _fail(__FILE__, __LINE__);
    }
    sqlite3_close(db);
}

/* Runs sql; calls row(statement, payload) for each row. */
static void db_query(const char *path, const char *sql, void (*row)(sqlite3_stmt *, void *),
                     void *payload)
{
    sqlite3 *db = db_open(path);
    sqlite3_stmt *statement = NULL;
    int rc;
    if (sqlite3_prepare_v2(db, sql, -1, &statement, NULL) != SQLITE_OK) {
        print_error("%s: %s\nin: %s\n", path, sqlite3_errmsg(db), sql);
        sqlite3_close(db);
        _fail(__FILE__, __LINE__);
    }
    while ((rc = sqlite3_step(statement)) == SQLITE_ROW)
        row(statement, payload);
    if (rc != SQLITE_DONE) {
        print_error("%s: %s\nin: %s\n", path, sqlite3_errmsg(db), sql);
        sqlite3_finalize(statement);
        sqlite3_close(db);
        _fail(__FILE__, __LINE__);
    }
    sqlite3_finalize(statement);
    sqlite3_close(db);
}

typedef struct int_result {
    long long value;
    int rows;
} int_result;

static void int_row(sqlite3_stmt *statement, void *payload)
{
    int_result *result = payload;
    if (result->rows++ == 0)
        result->value = sqlite3_column_int64(statement, 0);
}

long long db_int(const char *path, const char *sql)
{
    int_result result = {0, 0};
    db_query(path, sql, int_row, &result);
    if (result.rows == 0)
        harness_fail("%s: no row from %s\n", path, sql);
    return result.value;
}

static void text_row(sqlite3_stmt *statement, void *payload)
{
    char **text = payload;
    const unsigned char *value = sqlite3_column_text(statement, 0);
    char *joined =
        gen_format("%s%s%s", *text, **text ? "," : "", value ? (const char *)value : "NULL");
    free(*text);
    *text = joined;
}

char *db_column(const char *path, const char *sql)
{
    char *text = gen_format("%s", "");
    db_query(path, sql, text_row, &text);
    return text;
}

int db_has(const char *path, const char *name)
{
    char *sql = gen_format("SELECT count(*) FROM sqlite_master WHERE name = '%s'", name);
    long long count = db_int(path, sql);
    free(sql);
    return count > 0;
}

char *db_versions(const char *path)
{
    return db_column(path, "SELECT version FROM schema_migrations ORDER BY version");
}
