/*
 * The SQLite adapter (sqlite3). URLs: `sqlite:PATH` (created if missing) and
 * `sqlite::memory:`.
 *
 * The migration lock is SQLite's own write lock: each migration's
 * transaction starts with BEGIN IMMEDIATE, which waits (busy timeout = the
 * lock timeout) until no other connection writes, and the engine re-checks
 * the version inside it. So many processes may migrate one file at once and
 * each migration is applied exactly once (Ecto's SQLite adapter has no lock).
 *
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "repo.h"
#include "schema_sqlite.h"

typedef struct sqlite_connection {
    sqlite3 *db;
    char *lock_path;          /* "<file>-migrator-lock"; NULL for :memory: */
    int lock_fd;              /* open and locked while the session lock is held, else -1 */
    sqlite3_stmt *is_applied; /* prepared once: per-migration bookkeeping is O(log n) */
    sqlite3_stmt *insert;
    sqlite3_stmt *delete_version;
    int busy_timeout_ms;
} sqlite_connection;

static sqlite_connection *connection_of(migrator_repo *repo)
{
    return repo->connection;
}

static int lock_timeout(const migrator_repo *repo)
{
    return repo->opts ? repo->opts->lock_timeout_ms : 15000;
}

/* Sets the busy timeout to the active lock timeout. */
static void apply_timeout(migrator_repo *repo)
{
    sqlite_connection *c = connection_of(repo);
    int timeout = lock_timeout(repo);
    if (timeout < 0)
        timeout = 0;
    if (c->busy_timeout_ms != timeout) {
        sqlite3_busy_timeout(c->db, timeout);
        c->busy_timeout_ms = timeout;
    }
}

/* A database error, as a message naming the database when it is about
 * locking. */
static int database_error(migrator_repo *repo, int code, int result, const char *what)
{
    sqlite_connection *c = connection_of(repo);
    if (result == SQLITE_BUSY || result == SQLITE_LOCKED)
        return migrator__fail(repo, MIGRATOR_EBUSY,
                              "%s: timed out after %d ms waiting for the migration lock on %s "
                              "(another connection is writing to it)",
                              what, lock_timeout(repo), repo->url_display);
    return migrator__fail(repo, code, "%s", sqlite3_errmsg(c->db));
}

static int run_own_sql(migrator_repo *repo, const char *sql)
{
    sqlite_connection *c = connection_of(repo);
    int result;
    migrator__log_migrator_sql(repo, sql);
    apply_timeout(repo);
    result = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
    return result == SQLITE_OK ? MIGRATOR_OK
                               : database_error(repo, MIGRATOR_EDATABASE, result, sql);
}

static int sqlite_open(migrator_repo *repo, const char *target)
{
    sqlite_connection *c = calloc(1, sizeof(*c));
    int result;

    if (!c)
        return migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
    repo->connection = c;
    if (!*target)
        return migrator__fail(repo, MIGRATOR_EURL, "%s: no database file after \"sqlite:\"",
                              repo->url_display);
    result = sqlite3_open_v2(
        target, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (result != SQLITE_OK)
        return migrator__fail(repo, MIGRATOR_EOPEN, "cannot open %s: %s", repo->url_display,
                              c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(result));
    sqlite3_extended_result_codes(c->db, 0);
    c->busy_timeout_ms = -1;
    c->lock_fd = -1;
    if (strcmp(target, ":memory:") != 0) {
        size_t length = strlen(target) + sizeof("-migrator-lock");
        if (!(c->lock_path = malloc(length)))
            return migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
        snprintf(c->lock_path, length, "%s-migrator-lock", target);
    }
    return MIGRATOR_OK;
}

static void sqlite_close(migrator_repo *repo)
{
    sqlite_connection *c = connection_of(repo);
    if (!c)
        return;
    sqlite3_finalize(c->is_applied);
    sqlite3_finalize(c->insert);
    sqlite3_finalize(c->delete_version);
    sqlite3_close(c->db);
    if (c->lock_fd >= 0)
        close(c->lock_fd);
    free(c->lock_path);
    free(c);
    repo->connection = NULL;
}

static int sqlite_execute(migrator_repo *repo, const char *sql)
{
    sqlite_connection *c = connection_of(repo);
    char *message = NULL;
    int result;

    apply_timeout(repo);
    result = sqlite3_exec(c->db, sql, NULL, NULL, &message);
    if (result == SQLITE_OK)
        return MIGRATOR_OK;
    migrator__fail(repo, MIGRATOR_ESQL, "%s", message ? message : sqlite3_errstr(result));
    sqlite3_free(message);
    return MIGRATOR_ESQL;
}

static int sqlite_begin(migrator_repo *repo, int lock)
{
    return run_own_sql(repo, lock ? "BEGIN IMMEDIATE" : "BEGIN");
}

static int sqlite_commit(migrator_repo *repo)
{
    return run_own_sql(repo, "COMMIT");
}

static int sqlite_rollback(migrator_repo *repo)
{
    sqlite_connection *c = connection_of(repo);
    if (sqlite3_get_autocommit(c->db))
        return MIGRATOR_OK; /* a failed COMMIT or statement may have ended it */
    return run_own_sql(repo, "ROLLBACK");
}

static int sqlite_check_prefix(migrator_repo *repo, const char *prefix)
{
    (void)prefix;
    return migrator__fail(repo, MIGRATOR_EUNSUPPORTED, "SQLite does not support table prefixes");
}

/* 1 if the migrations table exists, 0 if not, or a negative code. A plain
 * read, so that status and a no-op migrate never wait for a running
 * migration's write lock (DESIGN §7). */
static int table_exists(migrator_repo *repo)
{
    sqlite_connection *c = connection_of(repo);
    sqlite3_stmt *statement = NULL;
    int result;

    apply_timeout(repo);
    result = sqlite3_prepare_v2(c->db,
                                "SELECT type FROM sqlite_master WHERE name = ? COLLATE NOCASE "
                                "AND type IN ('table', 'view')",
                                -1, &statement, NULL);
    if (result == SQLITE_OK) {
        sqlite3_bind_text(statement, 1, repo->source, -1, SQLITE_STATIC);
        result = sqlite3_step(statement);
    }
    if (result == SQLITE_ROW) {
        int is_view = strcmp((const char *)sqlite3_column_text(statement, 0), "view") == 0;
        sqlite3_finalize(statement);
        if (is_view)
            return migrator__fail(repo, MIGRATOR_ESCHEMA,
                                  "%s in %s is a view, not a migrations table: another library "
                                  "defined it; give this repo its own table with "
                                  "--migration-source (migration_source)",
                                  repo->quoted_source, repo->url_display);
        return 1;
    }
    sqlite3_finalize(statement);
    if (result == SQLITE_DONE)
        return 0;
    return database_error(repo, MIGRATOR_ESCHEMA, result, "reading the schema");
}

static int sqlite_create_table(migrator_repo *repo, int lock)
{
    char *sql;
    int error;
    size_t length = strlen(repo->quoted_source) + 96;

    if ((error = table_exists(repo)) != 0)
        return error < 0 ? error : MIGRATOR_OK;
    if (!(sql = malloc(length)))
        return migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
    snprintf(
        sql, length,
        "CREATE TABLE IF NOT EXISTS %s (\"version\" INTEGER PRIMARY KEY, \"inserted_at\" TEXT)",
        repo->quoted_source);
    /* Under the lock, so that first boots do not race (DESIGN §7). Not
     * logged, as in Ecto. */
    if ((error = sqlite_begin(repo, lock)) >= 0) {
        apply_timeout(repo);
        if (sqlite3_exec(connection_of(repo)->db, sql, NULL, NULL, NULL) != SQLITE_OK)
            error = migrator__fail(
                repo, MIGRATOR_ESCHEMA, "cannot create the migrations table %s in %s: %s",
                repo->quoted_source, repo->url_display, sqlite3_errmsg(connection_of(repo)->db));
        if (error < 0) {
            char *message = repo->errmsg;
            repo->errmsg = NULL;
            sqlite_rollback(repo);
            free(repo->errmsg);
            repo->errmsg = message;
        } else {
            error = sqlite_commit(repo);
        }
    }
    free(sql);
    return error;
}

/* Prepares `before <quoted source> after` once per connection. */
static int prepare(migrator_repo *repo, sqlite3_stmt **statement, const char *before,
                   const char *after)
{
    sqlite_connection *c = connection_of(repo);
    size_t length = strlen(before) + strlen(repo->quoted_source) + strlen(after) + 1;
    char *sql = malloc(length);
    int result;

    if (*statement) {
        free(sql);
        return MIGRATOR_OK;
    }
    if (!sql)
        return migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
    snprintf(sql, length, "%s%s%s", before, repo->quoted_source, after);
    result = sqlite3_prepare_v2(c->db, sql, -1, statement, NULL);
    free(sql);
    if (result != SQLITE_OK)
        return database_error(repo, MIGRATOR_ESCHEMA, result, "reading the migrations table");
    return MIGRATOR_OK;
}

/* The migrations table exists with other columns than Ecto's. */
static int foreign_table(migrator_repo *repo)
{
    sqlite_connection *c = connection_of(repo);
    sqlite3_stmt *statement = NULL;
    char columns[512] = "";
    if (sqlite3_prepare_v2(c->db, "SELECT group_concat(name, ', ') FROM pragma_table_info(?1)", -1,
                           &statement, NULL) == SQLITE_OK &&
        sqlite3_bind_text(statement, 1, repo->source, -1, SQLITE_STATIC) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW && sqlite3_column_text(statement, 0))
        snprintf(columns, sizeof(columns), "%s", (const char *)sqlite3_column_text(statement, 0));
    sqlite3_finalize(statement);
    return migrator__fail(repo, MIGRATOR_ESCHEMA,
                          "table %s in %s is not a migrations table (its columns: %s; expected "
                          "version and inserted_at): another library defined it; give this repo "
                          "its own table with --migration-source (migration_source)",
                          repo->quoted_source, repo->url_display, columns);
}

static int sqlite_read_versions(migrator_repo *repo, migrator_versions *out)
{
    sqlite_connection *c = connection_of(repo);
    sqlite3_stmt *statement = NULL;
    size_t length = strlen(repo->quoted_source) + 128;
    char *sql = malloc(length);
    int result, error = MIGRATOR_OK;

    if (!sql)
        return migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
    /* inserted_at is named so that a table of the same name but another
     * shape fails here, before any migration runs; both are qualified, or
     * SQLite would take an unknown "name" for a string. */
    snprintf(sql, length, "SELECT m.\"version\" FROM %s AS m WHERE m.\"inserted_at\" IS NULL OR 1",
             repo->quoted_source);
    apply_timeout(repo);
    result = sqlite3_prepare_v2(c->db, sql, -1, &statement, NULL);
    free(sql);
    if (result == SQLITE_BUSY || result == SQLITE_LOCKED) {
        sqlite3_finalize(statement);
        return database_error(repo, MIGRATOR_ESCHEMA, result, "reading the migrations table");
    }
    if (result != SQLITE_OK && strstr(sqlite3_errmsg(c->db), "no such column")) {
        sqlite3_finalize(statement);
        return foreign_table(repo);
    }
    if (result != SQLITE_OK) {
        error =
            migrator__fail(repo, MIGRATOR_ESCHEMA, "cannot read the migrations table %s in %s: %s",
                           repo->quoted_source, repo->url_display, sqlite3_errmsg(c->db));
        sqlite3_finalize(statement);
        return error;
    }
    while ((result = sqlite3_step(statement)) == SQLITE_ROW)
        if ((error = migrator__versions_append(out, sqlite3_column_int64(statement, 0))) < 0)
            break;
    if (error < 0)
        error = migrator__fail(repo, error, "out of memory");
    else if (result != SQLITE_DONE)
        error = database_error(repo, MIGRATOR_ESCHEMA, result, "reading the migrations table");
    sqlite3_finalize(statement);
    return error;
}

static int step_once(migrator_repo *repo, sqlite3_stmt *statement, int *row)
{
    int result = sqlite3_step(statement);
    *row = result == SQLITE_ROW;
    sqlite3_reset(statement);
    if (result == SQLITE_ROW || result == SQLITE_DONE)
        return MIGRATOR_OK;
    return database_error(repo, MIGRATOR_EDATABASE, result, "the migrations table");
}

static int sqlite_is_applied(migrator_repo *repo, int64_t version, int *applied)
{
    sqlite_connection *c = connection_of(repo);
    int error;
    if ((error = prepare(repo, &c->is_applied, "SELECT 1 FROM ", " WHERE \"version\" = ?")) < 0)
        return error;
    apply_timeout(repo);
    sqlite3_bind_int64(c->is_applied, 1, version);
    return step_once(repo, c->is_applied, applied);
}

static int sqlite_record(migrator_repo *repo, int64_t version, migrator_direction direction)
{
    sqlite_connection *c = connection_of(repo);
    int error, row;

    if (direction == MIGRATOR_UP) {
        char inserted_at[32];
        time_t now = time(NULL);
        struct tm utc;
        gmtime_r(&now, &utc);
        strftime(inserted_at, sizeof(inserted_at), "%Y-%m-%dT%H:%M:%S", &utc);
        if ((error = prepare(repo, &c->insert, "INSERT INTO ",
                             " (\"version\", \"inserted_at\") VALUES (?, ?)")) < 0)
            return error;
        if (repo->opts && repo->opts->log_migrator_sql != MIGRATOR_LOG_OFF)
            migrator__log(repo, repo->opts->log_migrator_sql, "%s [%" PRId64 ", \"%s\"]",
                          sqlite3_sql(c->insert), version, inserted_at);
        sqlite3_bind_int64(c->insert, 1, version);
        sqlite3_bind_text(c->insert, 2, inserted_at, -1, SQLITE_TRANSIENT);
        return step_once(repo, c->insert, &row);
    }
    if ((error = prepare(repo, &c->delete_version, "DELETE FROM ", " WHERE \"version\" = ?")) < 0)
        return error;
    if (repo->opts && repo->opts->log_migrator_sql != MIGRATOR_LOG_OFF)
        migrator__log(repo, repo->opts->log_migrator_sql, "%s [%" PRId64 "]",
                      sqlite3_sql(c->delete_version), version);
    sqlite3_bind_int64(c->delete_version, 1, version);
    return step_once(repo, c->delete_version, &row);
}

/* For migrations outside a transaction: an fcntl lock on a file beside the
 * database (`<file>-migrator-lock`), which the kernel releases if the
 * process dies. Waits up to the lock timeout. */
static int sqlite_session_lock(migrator_repo *repo, int acquire)
{
    sqlite_connection *c = connection_of(repo);
    struct flock region;
    int waited = 0;

    if (!c->lock_path)
        return MIGRATOR_OK; /* :memory: belongs to this connection alone */
    memset(&region, 0, sizeof(region));
    region.l_whence = SEEK_SET;
    if (!acquire) {
        if (c->lock_fd >= 0) {
            region.l_type = F_UNLCK;
            fcntl(c->lock_fd, F_SETLK, &region);
            close(c->lock_fd);
            c->lock_fd = -1;
        }
        return MIGRATOR_OK;
    }
    if ((c->lock_fd = open(c->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0666)) < 0)
        return migrator__fail(repo, MIGRATOR_EDATABASE, "cannot open the lock file %s: %s",
                              c->lock_path, strerror(errno));
    region.l_type = F_WRLCK;
    while (fcntl(c->lock_fd, F_SETLK, &region) != 0) {
        struct timespec pause = {0, 10 * 1000 * 1000};
        if (errno != EACCES && errno != EAGAIN && errno != EINTR) {
            int saved = errno;
            close(c->lock_fd);
            c->lock_fd = -1;
            return migrator__fail(repo, MIGRATOR_EDATABASE, "cannot lock %s: %s", c->lock_path,
                                  strerror(saved));
        }
        if (waited >= lock_timeout(repo)) {
            close(c->lock_fd);
            c->lock_fd = -1;
            return migrator__fail(repo, MIGRATOR_EBUSY,
                                  "timed out after %d ms waiting for the migration lock on %s "
                                  "(%s is held by another process)",
                                  lock_timeout(repo), repo->url_display, c->lock_path);
        }
        nanosleep(&pause, NULL);
        waited += 10;
    }
    return MIGRATOR_OK;
}

/* A row of own_query: the columns joined by the field separator. */
static int add_row(sqlite3_stmt *statement, migrator__lines *rows)
{
    int i, columns = sqlite3_column_count(statement);
    size_t length = 1;
    char *row, *at;
    for (i = 0; i < columns; i++)
        length += (size_t)sqlite3_column_bytes(statement, i) + 1;
    if (!(row = malloc(length)))
        return -1;
    at = row;
    for (i = 0; i < columns; i++) {
        const unsigned char *text = sqlite3_column_text(statement, i);
        size_t bytes = (size_t)sqlite3_column_bytes(statement, i);
        if (i)
            *at++ = MIGRATOR__FIELD_SEPARATOR;
        if (text)
            memcpy(at, text, bytes);
        at += text ? bytes : 0;
    }
    *at = '\0';
    i = migrator__lines_addf(rows, "%s", row);
    free(row);
    return i;
}

static int sqlite_own_query(migrator_repo *repo, const char *sql, int count,
                            const char *const *params, migrator__lines *rows)
{
    sqlite_connection *c = connection_of(repo);
    sqlite3_stmt *statement = NULL;
    int i, result, error = MIGRATOR_OK;

    migrator__log_migrator_sql(repo, sql);
    apply_timeout(repo);
    if ((result = sqlite3_prepare_v2(c->db, sql, -1, &statement, NULL)) != SQLITE_OK) {
        error = strstr(sqlite3_errmsg(c->db), "no such table")
                    ? migrator__fail(repo, MIGRATOR_ENOTFOUND, "%s", sqlite3_errmsg(c->db))
                    : database_error(repo, MIGRATOR_EDATABASE, result, sql);
        sqlite3_finalize(statement);
        return error;
    }
    for (i = 0; i < count; i++)
        if (params[i])
            sqlite3_bind_text(statement, i + 1, params[i], -1, SQLITE_STATIC);
    while ((result = sqlite3_step(statement)) == SQLITE_ROW)
        if (rows && add_row(statement, rows) != 0) {
            error = migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
            break;
        }
    if (error >= 0 && result != SQLITE_DONE)
        error = database_error(repo, MIGRATOR_EDATABASE, result, sql);
    sqlite3_finalize(statement);
    return error;
}

static int sqlite_describe(migrator_repo *repo, migrator__dry_step step, int64_t version,
                           migrator_direction direction, int flag, migrator__lines *out)
{
    sqlite_connection *c = connection_of(repo);
    const char *source = repo->quoted_source;
    int error = 0;
    char stamp[32];
    time_t now = time(NULL);
    struct tm utc;

    switch (step) {
    case MIGRATOR__DRY_CREATE_TABLE:
        error = migrator__lines_addf(out, "%s", flag ? "BEGIN IMMEDIATE" : "BEGIN") ||
                migrator__lines_addf(out,
                                     "CREATE TABLE IF NOT EXISTS %s (\"version\" INTEGER PRIMARY "
                                     "KEY, \"inserted_at\" TEXT)",
                                     source) ||
                migrator__lines_addf(out, "COMMIT");
        break;
    case MIGRATOR__DRY_BEGIN:
        error = migrator__lines_addf(out, "%s", flag ? "BEGIN IMMEDIATE" : "BEGIN");
        break;
    case MIGRATOR__DRY_CHECK:
        error = migrator__lines_addf(out, "SELECT 1 FROM %s WHERE \"version\" = %" PRId64, source,
                                     version);
        break;
    case MIGRATOR__DRY_RECORD:
        gmtime_r(&now, &utc);
        strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &utc);
        error = direction == MIGRATOR_UP
                    ? migrator__lines_addf(out,
                                           "INSERT INTO %s (\"version\", \"inserted_at\") VALUES "
                                           "(%" PRId64 ", '%s')",
                                           source, version, stamp)
                    : migrator__lines_addf(out, "DELETE FROM %s WHERE \"version\" = %" PRId64,
                                           source, version);
        break;
    case MIGRATOR__DRY_COMMIT: error = migrator__lines_addf(out, "COMMIT"); break;
    case MIGRATOR__DRY_SESSION_LOCK:
        if (c->lock_path)
            error =
                flag ? migrator__lines_addf(out, "-- lock the file %s (fcntl), waiting up to %d ms",
                                            c->lock_path, lock_timeout(repo))
                     : migrator__lines_addf(out, "-- unlock the file %s", c->lock_path);
        break;
    case MIGRATOR__DRY_SESSION_PREFIX: break;
    }
    return error ? migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory") : MIGRATOR_OK;
}

static int sqlite_schema(migrator_repo *repo, migrator__lines *out)
{
    return migrator__sqlite_schema(repo, connection_of(repo)->db, out);
}

const migrator__adapter migrator__sqlite_adapter = {
    "sqlite",
    sqlite_open,
    sqlite_close,
    sqlite_execute,
    sqlite_begin,
    sqlite_commit,
    sqlite_rollback,
    sqlite_check_prefix,
    sqlite_create_table,
    sqlite_read_versions,
    sqlite_is_applied,
    sqlite_record,
    sqlite_session_lock,
    NULL,
    NULL,
    sqlite_schema,
    sqlite_own_query,
    sqlite_describe,
};
