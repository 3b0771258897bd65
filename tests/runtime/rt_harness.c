/*
 * Helpers of the runtime tests: see rt_harness.h.
 *
 * SPDX-License-Identifier: MIT
 */
#define _XOPEN_SOURCE 700
#include "rt_harness.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *rt_format(const char *format, ...)
{
    va_list args;
    int length;
    char *text;

    va_start(args, format);
    length = vsnprintf(NULL, 0, format, args);
    va_end(args);
    assert_true(length >= 0);
    text = malloc((size_t)length + 1);
    assert_non_null(text);
    va_start(args, format);
    vsnprintf(text, (size_t)length + 1, format, args);
    va_end(args);
    return text;
}

int rt_setup(void **state)
{
    const char *tmp = getenv("TMPDIR");
    rt_env *env = calloc(1, sizeof(*env));
    if (!env)
        return -1;
    if (!tmp || !*tmp)
        tmp = "/tmp";
    env->dir = rt_format("%s/migrator-rt-XXXXXX", tmp);
    if (!mkdtemp(env->dir)) {
        fprintf(stderr, "mkdtemp %s: %s\n", env->dir, strerror(errno));
        free(env->dir);
        free(env);
        return -1;
    }
    env->db = rt_format("%s/test.db", env->dir);
    env->url = rt_format("sqlite:%s", env->db);
    *state = env;
    return 0;
}

int rt_teardown(void **state)
{
    rt_env *env = *state;
    if (!env)
        return 0;
    rt_remove_tree(env->dir);
    free(env->dir);
    free(env->db);
    free(env->url);
    free(env);
    *state = NULL;
    return 0;
}

void rt_remove_tree(const char *path)
{
    struct stat info;
    if (lstat(path, &info) != 0)
        return;
    if (S_ISDIR(info.st_mode)) {
        DIR *dir;
        struct dirent *entry;
        chmod(path, 0700);
        if ((dir = opendir(path))) {
            while ((entry = readdir(dir))) {
                char *child;
                if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
                    continue;
                child = rt_format("%s/%s", path, entry->d_name);
                rt_remove_tree(child);
                free(child);
            }
            closedir(dir);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

int rt_exists(const char *path)
{
    struct stat info;
    return stat(path, &info) == 0;
}

static sqlite3 *open_db(const char *path, int create)
{
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
        char *message =
            rt_format("sqlite3_open_v2 %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        fail_msg("%s", message);
    }
    sqlite3_busy_timeout(db, 10000);
    return db;
}

void rt_exec(const char *path, const char *sql)
{
    sqlite3 *db = open_db(path, 1);
    char *error = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &error) != SQLITE_OK) {
        char *message = rt_format("%s\nwhile running: %s", error ? error : "?", sql);
        sqlite3_free(error);
        sqlite3_close(db);
        fail_msg("%s", message);
    }
    sqlite3_close(db);
}

long long rt_int(const char *path, const char *sql)
{
    sqlite3 *db = open_db(path, 0);
    sqlite3_stmt *statement = NULL;
    long long value;
    if (sqlite3_prepare_v2(db, sql, -1, &statement, NULL) != SQLITE_OK) {
        char *message = rt_format("%s\nwhile preparing: %s", sqlite3_errmsg(db), sql);
        sqlite3_close(db);
        fail_msg("%s", message);
    }
    if (sqlite3_step(statement) != SQLITE_ROW) {
        char *message = rt_format("no row (%s) from: %s", sqlite3_errmsg(db), sql);
        sqlite3_finalize(statement);
        sqlite3_close(db);
        fail_msg("%s", message);
    }
    value = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return value;
}

char *rt_text(const char *path, const char *sql)
{
    sqlite3 *db = open_db(path, 0);
    sqlite3_stmt *statement = NULL;
    size_t length = 0, capacity = 64;
    char *text = malloc(capacity);
    int result;

    assert_non_null(text);
    text[0] = '\0';
    if (sqlite3_prepare_v2(db, sql, -1, &statement, NULL) != SQLITE_OK) {
        char *message = rt_format("%s\nwhile preparing: %s", sqlite3_errmsg(db), sql);
        sqlite3_close(db);
        free(text);
        fail_msg("%s", message);
    }
    while ((result = sqlite3_step(statement)) == SQLITE_ROW) {
        const char *value = (const char *)sqlite3_column_text(statement, 0);
        size_t add;
        if (!value)
            value = "NULL";
        add = strlen(value) + 1;
        if (length + add + 1 > capacity) {
            while (length + add + 1 > capacity)
                capacity *= 2;
            text = realloc(text, capacity);
            assert_non_null(text);
        }
        if (length)
            text[length++] = ',';
        memcpy(text + length, value, add);
        length += add - 1;
    }
    if (result != SQLITE_DONE) {
        char *message = rt_format("%s\nwhile running: %s", sqlite3_errmsg(db), sql);
        sqlite3_finalize(statement);
        sqlite3_close(db);
        free(text);
        fail_msg("%s", message);
    }
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return text;
}

int rt_has_table(const char *path, const char *name)
{
    sqlite3 *db = open_db(path, 0);
    sqlite3_stmt *statement = NULL;
    int found;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                                        "name = ?",
                                        -1, &statement, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(statement, 1, name, -1, SQLITE_STATIC);
    found = sqlite3_step(statement) == SQLITE_ROW;
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return found;
}

char *rt_db_versions(const char *path)
{
    return rt_text(path, "SELECT version FROM schema_migrations ORDER BY version");
}

char *rt_versions_string(const migrator_versions *versions)
{
    size_t i, capacity = 32 * (versions->count + 1), length = 0;
    char *text = malloc(capacity);
    assert_non_null(text);
    text[0] = '\0';
    for (i = 0; i < versions->count; i++)
        length += (size_t)snprintf(text + length, capacity - length, "%s%" PRId64, i ? "," : "",
                                   versions->items[i]);
    return text;
}

void rt_log_fn(migrator_log_level level, const char *message, void *payload)
{
    rt_log *log = payload;
    rt_line *lines;
    size_t length;
    if (!log)
        return; /* cmocka cannot fail from here without a log; counted nowhere */
    lines = realloc(log->lines, (log->count + 1) * sizeof(*lines));
    if (!lines)
        abort();
    log->lines = lines;
    length = strlen(message) + 1;
    if (!(lines[log->count].text = malloc(length)))
        abort();
    memcpy(lines[log->count].text, message, length);
    lines[log->count].level = level;
    log->count++;
}

void rt_log_free(rt_log *log)
{
    size_t i;
    for (i = 0; i < log->count; i++)
        free(log->lines[i].text);
    free(log->lines);
    log->lines = NULL;
    log->count = 0;
}

long rt_log_find(const rt_log *log, const char *text, size_t from)
{
    size_t i;
    for (i = from; i < log->count; i++)
        if (strcmp(log->lines[i].text, text) == 0)
            return (long)i;
    return -1;
}

long rt_log_find_prefix(const rt_log *log, const char *prefix, size_t from)
{
    size_t i;
    for (i = from; i < log->count; i++)
        if (strncmp(log->lines[i].text, prefix, strlen(prefix)) == 0)
            return (long)i;
    return -1;
}

size_t rt_log_count(const rt_log *log, const char *text)
{
    size_t i, count = 0;
    for (i = 0; i < log->count; i++)
        count += strcmp(log->lines[i].text, text) == 0;
    return count;
}

size_t rt_log_count_prefix(const rt_log *log, const char *prefix)
{
    size_t i, count = 0;
    for (i = 0; i < log->count; i++)
        count += strncmp(log->lines[i].text, prefix, strlen(prefix)) == 0;
    return count;
}

char *rt_log_dump(const rt_log *log)
{
    size_t i, length = 1;
    char *text;
    for (i = 0; i < log->count; i++)
        length += strlen(log->lines[i].text) + 8;
    text = malloc(length);
    assert_non_null(text);
    text[0] = '\0';
    for (i = 0; i < log->count; i++) {
        size_t at = strlen(text);
        snprintf(text + at, length - at, "[%d] %s\n", (int)log->lines[i].level, log->lines[i].text);
    }
    return text;
}

void rt_assert_logged(const rt_log *log, migrator_log_level level, const char *text,
                      const char *file, int line)
{
    size_t i;
    char *dump;
    for (i = 0; i < log->count; i++)
        if (log->lines[i].level == level && strcmp(log->lines[i].text, text) == 0)
            return;
    dump = rt_log_dump(log);
    print_error("expected the line [%d] \"%s\" in the log:\n%s", (int)level, text, dump);
    free(dump);
    _fail(file, line);
}

migrator_run_opts rt_opts(rt_log *log)
{
    migrator_run_opts opts = MIGRATOR_RUN_OPTS_INIT;
    opts.log_fn = rt_log_fn;
    opts.log_payload = log;
    return opts;
}

migrator_repo *rt_open(const char *url, const migrator_repo_config *config)
{
    migrator_repo *repo = NULL;
    int result = migrator_open(&repo, url, config);
    if (result != MIGRATOR_OK)
        fail_msg("migrator_open(%s) = %d: %s", url, result, migrator_errmsg(NULL));
    assert_non_null(repo);
    return repo;
}

void rt_assert_status(const migrator_repo *repo, int result, int expected, const char *call,
                      const char *file, int line)
{
    if (result == expected)
        return;
    print_error("%s returned %d (%s), expected %d (%s); errmsg: \"%s\"\n", call, result,
                migrator_strerror(result), expected, migrator_strerror(expected),
                migrator_errmsg(repo));
    _fail(file, line);
}

const migrator_migration *rt_migration(const migrator_table *table, int64_t version)
{
    size_t i;
    for (i = 0; i < table->count; i++)
        if (table->migrations[i].version == version)
            return &table->migrations[i];
    fail_msg("no migration %" PRId64 " in table %s", version, table->repo);
    return NULL;
}
