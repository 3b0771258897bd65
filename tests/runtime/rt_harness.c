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

#ifdef RT_HAVE_POSTGRES
#include "pg_test_db.h"
#endif

static rt_backend backend = RT_SQLITE;

rt_backend rt_current_backend(void)
{
    return backend;
}

int rt_pg(void)
{
    return backend == RT_POSTGRES;
}

const char *rt_backend_name(void)
{
    return rt_pg() ? "PostgreSQL" : "SQLite";
}

/* Whether db names a PostgreSQL database (a URL) rather than a file. */
static int is_pg_db(const char *db)
{
    return strncmp(db, "postgres://", 11) == 0 || strncmp(db, "postgresql://", 13) == 0;
}

int rt_main(int argc, char **argv, const char *area, const struct CMUnitTest *tests, size_t count)
{
    const char *choice = getenv("MIGRATOR_TEST_BACKEND");
    char name[128];
    int i;

    for (i = 1; i < argc; i++)
        if (strncmp(argv[i], "--backend=", 10) == 0)
            choice = argv[i] + 10;
    if (!choice || !*choice || strcmp(choice, "sqlite") == 0) {
        backend = RT_SQLITE;
    } else if (strcmp(choice, "postgres") == 0 || strcmp(choice, "postgresql") == 0) {
        backend = RT_POSTGRES;
    } else {
        fprintf(stderr, "%s: unknown backend \"%s\" (sqlite or postgres)\n", area, choice);
        return 2;
    }
    if (backend == RT_POSTGRES) {
#ifdef RT_HAVE_POSTGRES
        if (!pg_test_available())
            return pg_test_unavailable_status();
#else
        fprintf(stderr, "%s: built without PostgreSQL (MIGRATOR_WITH_POSTGRES is OFF)\n", area);
        return 1;
#endif
    }
    snprintf(name, sizeof(name), "runtime.%s%s", rt_pg() ? "pg." : "", area);
    return _cmocka_run_group_tests(name, tests, count, NULL, NULL);
}

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
    if (rt_pg()) {
#ifdef RT_HAVE_POSTGRES
        env->db = pg_test_create_database();
#endif
        if (!env->db) {
            rt_remove_tree(env->dir);
            free(env->dir);
            free(env);
            return -1;
        }
        env->url = rt_format("%s", env->db);
    } else {
        env->db = rt_format("%s/test.db", env->dir);
        env->url = rt_format("sqlite:%s", env->db);
    }
    *state = env;
    return 0;
}

const char *rt_new_db(rt_env *env, const char *name)
{
    char *db = NULL;
    char **extra = realloc(env->extra, (env->extra_count + 1) * sizeof(*extra));
    assert_non_null(extra);
    env->extra = extra;
    if (rt_pg()) {
#ifdef RT_HAVE_POSTGRES
        db = pg_test_create_database();
#endif
        if (!db)
            fail_msg("cannot create the database %s", name);
    } else {
        db = rt_format("%s/%s.db", env->dir, name);
    }
    env->extra[env->extra_count++] = db;
    return db;
}

char *rt_db_url(const char *db)
{
    return is_pg_db(db) ? rt_format("%s", db) : rt_format("sqlite:%s", db);
}

void rt_reset_db(const char *db)
{
    if (is_pg_db(db))
        rt_exec(db, "DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    else
        rt_remove_tree(db);
}

char *rt_unopenable_url(const rt_env *env)
{
    if (rt_pg()) {
        /* The same server and user, a database that does not exist. */
        const char *query = strchr(env->url, '?');
        assert_non_null(query);
        return rt_format("postgresql:///migrator_no_such_database%s", query);
    }
    return rt_format("sqlite:%s/no/such/dir/x.db", env->dir);
}

int rt_teardown(void **state)
{
    rt_env *env = *state;
    if (!env)
        return 0;
    rt_remove_tree(env->dir);
    for (size_t i = 0; i < env->extra_count; i++) {
#ifdef RT_HAVE_POSTGRES
        if (is_pg_db(env->extra[i]))
            pg_test_drop_database(env->extra[i]);
#endif
        free(env->extra[i]);
    }
    free(env->extra);
#ifdef RT_HAVE_POSTGRES
    if (rt_pg())
        pg_test_drop_database(env->db);
#endif
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

static void sqlite_exec(const char *path, const char *sql)
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

static long long sqlite_int(const char *path, const char *sql)
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

static char *sqlite_text(const char *path, const char *sql)
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

static int sqlite_has_table(const char *path, const char *name)
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

/* ---- PostgreSQL ----------------------------------------------------------------- */

#ifdef RT_HAVE_POSTGRES
static PGconn *pg_open(const char *url)
{
    PGconn *conn = pg_test_connect(url);
    if (!conn)
        fail_msg("cannot connect to %s", url);
    /* Notices (CREATE ... IF NOT EXISTS) are not the test's business here. */
    PQclear(PQexec(conn, "SET client_min_messages = warning"));
    return conn;
}

/* Runs sql (with up to 2 text parameters); fails the test on error. */
static PGresult *pg_run(PGconn *conn, const char *sql, int count, const char *const *params)
{
    PGresult *result =
        count ? PQexecParams(conn, sql, count, NULL, params, NULL, NULL, 0) : PQexec(conn, sql);
    ExecStatusType status = PQresultStatus(result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        char *message = rt_format("%s\nwhile running: %s", PQerrorMessage(conn), sql);
        PQclear(result);
        PQfinish(conn);
        fail_msg("%s", message);
    }
    return result;
}

static char *pg_join(const char *url, const char *sql, int count, const char *const *params)
{
    PGconn *conn = pg_open(url);
    PGresult *result = pg_run(conn, sql, count, params);
    size_t length = 1;
    int row, rows = PQntuples(result);
    char *text;
    for (row = 0; row < rows; row++)
        length += (PQgetisnull(result, row, 0) ? 4 : strlen(PQgetvalue(result, row, 0))) + 1;
    text = malloc(length);
    assert_non_null(text);
    text[0] = '\0';
    for (row = 0; row < rows; row++) {
        if (row)
            strcat(text, ",");
        strcat(text, PQgetisnull(result, row, 0) ? "NULL" : PQgetvalue(result, row, 0));
    }
    PQclear(result);
    PQfinish(conn);
    return text;
}
#endif

void rt_exec(const char *db, const char *sql)
{
    if (!is_pg_db(db)) {
        sqlite_exec(db, sql);
        return;
    }
#ifdef RT_HAVE_POSTGRES
    {
        PGconn *conn = pg_open(db);
        PQclear(pg_run(conn, sql, 0, NULL));
        PQfinish(conn);
    }
#else
    fail_msg("built without PostgreSQL");
#endif
}

char *rt_text(const char *db, const char *sql)
{
    if (!is_pg_db(db))
        return sqlite_text(db, sql);
#ifdef RT_HAVE_POSTGRES
    return pg_join(db, sql, 0, NULL);
#else
    fail_msg("built without PostgreSQL");
    return NULL;
#endif
}

long long rt_int(const char *db, const char *sql)
{
    char *text, *end;
    long long value;
    if (!is_pg_db(db))
        return sqlite_int(db, sql);
    text = rt_text(db, sql);
    if (!text[0])
        fail_msg("no row from: %s", sql);
    value = strtoll(text, &end, 10);
    if (*end != '\0' && *end != ',')
        fail_msg("not an integer (%s) from: %s", text, sql);
    free(text);
    return value;
}

int rt_has_table_in(const char *db, const char *schema, const char *name)
{
#ifdef RT_HAVE_POSTGRES
    const char *params[2];
    char *text;
    int found;
    assert_true(is_pg_db(db));
    params[0] = schema;
    params[1] = name;
    text = pg_join(db,
                   "SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
                   "ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 "
                   "AND c.relkind IN ('r', 'p')",
                   2, params);
    found = text[0] != '\0';
    free(text);
    return found;
#else
    (void)db, (void)schema, (void)name;
    fail_msg("built without PostgreSQL");
    return 0;
#endif
}

int rt_has_table(const char *db, const char *name)
{
    return is_pg_db(db) ? rt_has_table_in(db, "public", name) : sqlite_has_table(db, name);
}

int rt_has_column(const char *db, const char *table, const char *column)
{
    char *sql, *text;
    int found;
    if (is_pg_db(db)) {
#ifdef RT_HAVE_POSTGRES
        const char *params[2];
        params[0] = table;
        params[1] = column;
        text = pg_join(db,
                       "SELECT 1 FROM information_schema.columns WHERE table_schema = 'public' "
                       "AND table_name = $1 AND column_name = $2",
                       2, params);
        found = text[0] != '\0';
        free(text);
        return found;
#else
        fail_msg("built without PostgreSQL");
#endif
    }
    {
        char *quoted = sqlite3_mprintf("%Q", table);
        sql = rt_format("SELECT 1 FROM pragma_table_info(%s) WHERE name = '%s'", quoted, column);
        sqlite3_free(quoted);
    }
    text = rt_text(db, sql);
    found = text[0] != '\0';
    free(text);
    free(sql);
    return found;
}

long long rt_table_count(const char *db)
{
    return rt_int(db, is_pg_db(db) ? "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname "
                                     "NOT IN ('pg_catalog', 'information_schema')"
                                   : "SELECT count(*) FROM sqlite_master WHERE type = 'table'");
}

char *rt_db_versions(const char *db)
{
    return rt_text(db, "SELECT version FROM schema_migrations ORDER BY version");
}

int rt_lock_is_free(const char *db)
{
    if (is_pg_db(db)) {
#ifdef RT_HAVE_POSTGRES
        PGconn *conn = pg_test_connect(db);
        PGresult *result;
        int free_;
        if (!conn)
            return -1;
        PQclear(PQexec(conn, "BEGIN"));
        result =
            PQexec(conn, "LOCK TABLE \"schema_migrations\" IN SHARE UPDATE EXCLUSIVE MODE NOWAIT");
        free_ = PQresultStatus(result) == PGRES_COMMAND_OK;
        if (!free_ && strcmp(PQresultErrorField(result, PG_DIAG_SQLSTATE), "55P03") != 0)
            free_ = -1; /* not "lock not available" */
        PQclear(result);
        PQclear(PQexec(conn, "ROLLBACK"));
        PQfinish(conn);
        return free_;
#else
        return -1;
#endif
    }
    {
        sqlite3 *handle = NULL;
        int result;
        if (sqlite3_open_v2(db, &handle, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
            sqlite3_close(handle);
            return -1;
        }
        sqlite3_busy_timeout(handle, 0);
        result = sqlite3_exec(handle, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if (result == SQLITE_OK)
            sqlite3_exec(handle, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close(handle);
        return result == SQLITE_OK;
    }
}

long long rt_pg_advisory_key(const char *db, const char *prefix, const char *source)
{
#ifdef RT_HAVE_POSTGRES
    const char *params[2];
    char *text, *end;
    long long key;
    params[0] = prefix ? prefix : "";
    params[1] = source;
    text = pg_join(db,
                   "SELECT ('x' || substr(encode(sha256(convert_to('migrator', 'UTF8') || "
                   "'\\x00'::bytea || convert_to(current_database(), 'UTF8') || '\\x00'::bytea || "
                   "convert_to($1, 'UTF8') || '\\x00'::bytea || convert_to($2, 'UTF8')), 'hex'), "
                   "1, 16))::bit(64)::bigint",
                   2, params);
    key = strtoll(text, &end, 10);
    assert_true(text[0] != '\0' && *end == '\0');
    free(text);
    return key;
#else
    (void)db, (void)prefix, (void)source;
    fail_msg("built without PostgreSQL");
    return 0;
#endif
}

int rt_pg_advisory_is_free(const char *db, long long key)
{
    /* Takes the key if it is free and gives it back in the same query, so
     * that no one finds it held by this check's session while the server
     * processes the disconnection. */
    char *sql = rt_format("SELECT CASE WHEN pg_try_advisory_lock(%lld) "
                          "THEN pg_advisory_unlock(%lld)::int ELSE 0 END",
                          key, key);
    int free_;
#ifdef RT_HAVE_POSTGRES
    {
        char *text = pg_join(db, sql, 0, NULL);
        free_ = strcmp(text, "1") == 0;
        free(text);
    }
#else
    (void)db;
    free_ = -1;
#endif
    free(sql);
    return free_;
}

char *rt_no_table_text(const char *table)
{
    return rt_pg() ? rt_format("42P01: relation \"%s\" does not exist", table)
                   : rt_format("no such table: %s", table);
}

char *rt_no_table_message(const migrator_migration *m, unsigned int line, unsigned int column,
                          const char *table, const char *first_line)
{
    char *text = rt_no_table_text(table), *message;
    if (rt_pg())
        message =
            rt_format("%s:%u:%u: %s (statement: %s)", m->file, line, column, text, first_line);
    else
        message = rt_format("%s:%u: %s (statement: %s)", m->file, line, text, first_line);
    free(text);
    return message;
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

size_t rt_log_strip(rt_log *log, const char *text, migrator_log_level level)
{
    size_t from, to = 0, removed = 0;
    for (from = 0; from < log->count; from++) {
        if (strcmp(log->lines[from].text, text) == 0) {
            if (log->lines[from].level != level)
                fail_msg("the line \"%s\" is at level %d, expected %d", text,
                         (int)log->lines[from].level, (int)level);
            free(log->lines[from].text);
            removed++;
        } else {
            log->lines[to++] = log->lines[from];
        }
    }
    log->count = to;
    return removed;
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
