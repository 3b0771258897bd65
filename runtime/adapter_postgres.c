/*
 * The PostgreSQL adapter (libpq). URLs: postgres://... and postgresql://...
 * (anything libpq accepts; PG* environment variables apply).
 *
 * Two connections, as Ecto: the lock connection holds the migration lock,
 * the migration connection runs the migration and writes its version row.
 *
 *   MIGRATOR_LOCK_TABLE (default): per transactional migration, on the lock
 *     connection: BEGIN; LOCK TABLE <source> IN SHARE UPDATE EXCLUSIVE MODE
 *     (waiting at most the lock timeout), released by COMMIT after the
 *     migration commits. A migration with disable_ddl_transaction takes the
 *     session advisory lock instead, so CREATE INDEX CONCURRENTLY never
 *     waits for our own open lock transaction (Ecto hangs there).
 *   MIGRATOR_LOCK_ADVISORY: the session advisory lock for every migration,
 *     released on every path (and by the server if the process dies).
 *   MIGRATOR_LOCK_NONE: no lock.
 *
 * The advisory key is the first 8 bytes (big-endian, as a signed bigint) of
 * SHA-256("migrator\0" database "\0" prefix "\0" migration_source), stable
 * across versions of migrator and documented in docs/api.md.
 *
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "repo.h"
#include "schema_postgres.h"
#include "sha256.h"

typedef struct pg_connection {
    PGconn *lock;      /* holds the migration lock */
    PGconn *migration; /* runs migrations and writes version rows */
    char *database;    /* the connection's database, for the advisory key */
    char *target;      /* the URL, to open the lock connection when first needed */
    int lock_open;     /* the lock connection has an open lock transaction */
    int advisory_held; /* the session advisory lock is held */
    int lock_pending;  /* a release was sent on the lock connection, result unread */
    int64_t advisory_key;
    char *saved_search_path; /* while a non-transactional migration runs */
} pg_connection;

static pg_connection *connection_of(migrator_repo *repo)
{
    return repo->connection;
}

static const char *prefix_of(const migrator_repo *repo)
{
    return repo->opts && repo->opts->prefix && *repo->opts->prefix ? repo->opts->prefix : NULL;
}

static int lock_timeout(const migrator_repo *repo)
{
    return repo->opts ? repo->opts->lock_timeout_ms : 15000;
}

/* "prefix"."source" or "source", malloc'd. */
static char *qualified_source(migrator_repo *repo)
{
    return migrator__qualified_name(repo, repo->quoted_source);
}

/* The length of libpq's message without its trailing newline. */
static int message_length(const char *text)
{
    size_t length = strlen(text);
    while (length > 0 && (text[length - 1] == '\n' || text[length - 1] == ' '))
        length--;
    return (int)length;
}

/* A server error as "SQLSTATE: message (detail: ...; hint: ...)", and its
 * position in the statement (characters, 1-based) for the engine. */
static int result_error(migrator_repo *repo, int code, const PGresult *result, PGconn *conn)
{
    const char *state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : NULL;
    const char *message = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *detail = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL) : NULL;
    const char *hint = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_HINT) : NULL;
    const char *position = result ? PQresultErrorField(result, PG_DIAG_STATEMENT_POSITION) : NULL;

    repo->error_position = position ? atoi(position) : 0;
    if (!message) {
        const char *text = PQerrorMessage(conn);
        return migrator__fail(repo, code, "%.*s", message_length(text), text);
    }
    return migrator__fail(repo, code, "%s%s%s%s%s%s%s%s%s", state ? state : "", state ? ": " : "",
                          message, detail || hint ? " (" : "", detail ? "detail: " : "",
                          detail ? detail : "", hint ? (detail ? "; hint: " : "hint: ") : "",
                          hint ? hint : "", detail || hint ? ")" : "");
}

/* Sends several statements as one query (one round trip) and returns the
 * result of the first that is not a plain command: a query's rows, or the
 * first error (after an error the server skips the rest). NULL only when
 * the query could not be sent; PQresultStatus(NULL) is then an error. */
static PGresult *run_batch(PGconn *conn, const char *sql)
{
    PGresult *kept = NULL, *next;
    if (!PQsendQuery(conn, sql))
        return NULL;
    while ((next = PQgetResult(conn)) != NULL) {
        if (!kept && PQresultStatus(next) != PGRES_COMMAND_OK)
            kept = next;
        else
            PQclear(next);
    }
    return kept;
}

/* Runs our own SQL on conn, without logging it. */
static int run_quiet(migrator_repo *repo, PGconn *conn, const char *sql, int code)
{
    PGresult *result = PQexec(conn, sql);
    int error = MIGRATOR_OK;
    if (PQresultStatus(result) != PGRES_COMMAND_OK && PQresultStatus(result) != PGRES_TUPLES_OK)
        error = result_error(repo, code, result, conn);
    PQclear(result);
    return error;
}

/* Runs our own SQL on conn; logged when log_migrator_sql is on. */
static int run_own(migrator_repo *repo, PGconn *conn, const char *sql, int code)
{
    PGresult *result;
    int error = MIGRATOR_OK;
    migrator__log_migrator_sql(repo, sql);
    result = PQexec(conn, sql);
    if (PQresultStatus(result) != PGRES_COMMAND_OK && PQresultStatus(result) != PGRES_TUPLES_OK)
        error = result_error(repo, code, result, conn);
    PQclear(result);
    if (error < 0 && repo->errmsg && repo->error_position == 0)
        error = code;
    return error;
}

/* Notices (e.g. `relation "t" already exists, skipping`) go to the log at
 * the level of the migrator's lines, so --quiet silences them. */
static void notice_receiver(void *arg, const PGresult *result)
{
    migrator_repo *repo = arg;
    const char *message = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
    const char *severity = PQresultErrorField(result, PG_DIAG_SEVERITY_NONLOCALIZED);
    migrator_log_level level = MIGRATOR_LOG_INFO;
    if (!repo->opts || repo->opts->log == MIGRATOR_LOG_OFF || !message)
        return;
    if (severity && strcmp(severity, "WARNING") == 0)
        level = MIGRATOR_LOG_WARNING;
    else if (severity && strcmp(severity, "DEBUG") == 0)
        level = MIGRATOR_LOG_DEBUG;
    migrator__log(repo, level, "%s", message);
}

/* For our own statements whose notices ("already exists, skipping") are
 * not the user's business. (A NULL receiver would be libpq's default,
 * which prints.) */
static void ignore_notice(void *arg, const PGresult *result)
{
    (void)arg;
    (void)result;
}

static PGconn *connect_one(migrator_repo *repo, const char *url, const char *role)
{
    /* The URL expands into every setting; our application_name applies
     * only when the URL and PGAPPNAME name none, so that a migrator waiting
     * for another one can say who holds the lock. */
    const char *const keywords[] = {"dbname", "fallback_application_name", NULL};
    const char *const values[] = {url, strcmp(role, "lock") == 0 ? "migrator lock" : "migrator",
                                  NULL};
    PGconn *conn = PQconnectdbParams(keywords, values, 1);
    if (!conn || PQstatus(conn) != CONNECTION_OK) {
        const char *text = conn ? PQerrorMessage(conn) : "out of memory";
        migrator__fail(repo, MIGRATOR_EOPEN, "cannot connect to %s (%s connection): %.*s",
                       repo->url_display, role, message_length(text), text);
        PQfinish(conn);
        return NULL;
    }
    PQsetNoticeReceiver(conn, notice_receiver, repo);
    return conn;
}

static int pg_open(migrator_repo *repo, const char *target)
{
    pg_connection *c = calloc(1, sizeof(*c));

    if (!c)
        return migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
    repo->connection = c;
    /* The lock connection is opened when a lock is first needed: status and
     * a no-op migrate never need it (one connection, as a plain client). */
    if (!(c->migration = connect_one(repo, target, "migration")))
        return MIGRATOR_EOPEN;
    if (!(c->target = migrator__strdup(target)) ||
        !(c->database = migrator__strdup(PQdb(c->migration))))
        return migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
    return MIGRATOR_OK;
}

static void pg_close(migrator_repo *repo)
{
    pg_connection *c = connection_of(repo);
    if (!c)
        return;
    PQfinish(c->migration); /* ends every session lock and transaction */
    PQfinish(c->lock);
    free(c->database);
    free(c->target);
    free(c->saved_search_path);
    free(c);
    repo->connection = NULL;
}

static int pg_execute(migrator_repo *repo, const char *sql)
{
    pg_connection *c = connection_of(repo);
    PGresult *result = PQexec(c->migration, sql);
    ExecStatusType status = PQresultStatus(result);
    int error = MIGRATOR_OK;
    repo->error_position = 0;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY)
        error = result_error(repo, MIGRATOR_ESQL, result, c->migration);
    PQclear(result);
    return error;
}

static int64_t advisory_key(const migrator_repo *repo)
{
    pg_connection *c = repo->connection;
    const char *prefix = prefix_of(repo);
    static const char zero = '\0';
    migrator__sha256 sha;
    unsigned char digest[MIGRATOR__SHA256_SIZE];
    uint64_t key = 0;
    int i;

    migrator__sha256_init(&sha);
    migrator__sha256_update(&sha, "migrator", 9); /* with its NUL */
    migrator__sha256_update(&sha, c->database, strlen(c->database));
    migrator__sha256_update(&sha, &zero, 1);
    if (prefix)
        migrator__sha256_update(&sha, prefix, strlen(prefix));
    migrator__sha256_update(&sha, &zero, 1);
    migrator__sha256_update(&sha, repo->source, strlen(repo->source));
    migrator__sha256_final(&sha, digest);
    for (i = 0; i < 8; i++)
        key = key << 8 | digest[i];
    return (int64_t)key;
}

/* Who holds what we wait for: "pid 123 (application_name \"x\")". */
static void describe_holder(migrator_repo *repo, const char *query, const char *param, char *out,
                            size_t size)
{
    pg_connection *c = connection_of(repo);
    const char *params[1];
    PGresult *result;
    params[0] = param;
    result = PQexecParams(c->migration, query, 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) > 0)
        snprintf(out, size, "held by pid %s (application_name \"%s\")", PQgetvalue(result, 0, 0),
                 PQgetvalue(result, 0, 1));
    else
        snprintf(out, size, "held by another session");
    PQclear(result);
}

/* Reads the result of a release sent without waiting (see send_release). */
static void drain_lock(pg_connection *c)
{
    PGresult *result;
    if (!c->lock_pending)
        return;
    while ((result = PQgetResult(c->lock)) != NULL)
        PQclear(result);
    c->lock_pending = 0;
}

/* Releases the lock without waiting for the answer: the server acts on the
 * COMMIT or unlock as soon as it reads it, so waiting only cost a round trip
 * per migration. Its result is read before the next use of the connection. */
static void send_release(migrator_repo *repo, const char *sql)
{
    pg_connection *c = connection_of(repo);
    drain_lock(c);
    migrator__log_migrator_sql(repo, sql);
    if (PQsendQuery(c->lock, sql))
        c->lock_pending = 1;
}

/* Opens the lock connection the first time a lock is taken. */
static int need_lock_connection(migrator_repo *repo)
{
    pg_connection *c = connection_of(repo);
    drain_lock(c);
    if (c->lock)
        return MIGRATOR_OK;
    return (c->lock = connect_one(repo, c->target, "lock")) ? MIGRATOR_OK : MIGRATOR_EOPEN;
}

/* Bounds lock waits of our own statements in the open transaction on conn
 * by the lock timeout. */
static int set_local_lock_timeout(migrator_repo *repo, PGconn *conn)
{
    char sql[64];
    snprintf(sql, sizeof(sql), "SET LOCAL lock_timeout = %d", lock_timeout(repo));
    return run_quiet(repo, conn, sql, MIGRATOR_EDATABASE);
}

static void describe_advisory_holder(migrator_repo *repo, const char *key_text, char *out,
                                     size_t size)
{
    describe_holder(repo,
                    "SELECT a.pid, coalesce(a.application_name, '') FROM pg_locks l "
                    "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' "
                    "AND l.granted AND ((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint",
                    key_text, out, size);
}

/* The lock timeout passed while waiting for a lock on the migrations table. */
static int table_busy(migrator_repo *repo, const char *source, const char *what)
{
    char holder[256];
    describe_holder(repo,
                    "SELECT a.pid, coalesce(a.application_name, '') FROM pg_locks l "
                    "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.granted "
                    "AND l.relation = $1::regclass AND a.pid <> pg_backend_pid()",
                    source, holder, sizeof(holder));
    return migrator__fail(repo, MIGRATOR_EBUSY,
                          "timed out after %d ms waiting for the migration lock (%s %s) on %s: %s",
                          lock_timeout(repo), what, source, repo->url_display, holder);
}

static int advisory_lock(migrator_repo *repo)
{
    pg_connection *c = connection_of(repo);
    char sql[96], key_text[32], holder[256];
    int waited = 0;

    if (c->advisory_held)
        return MIGRATOR_OK;
    if (need_lock_connection(repo) < 0)
        return MIGRATOR_EOPEN;
    c->advisory_key = advisory_key(repo);
    snprintf(key_text, sizeof(key_text), "%" PRId64, c->advisory_key);
    snprintf(sql, sizeof(sql), "SELECT pg_try_advisory_lock(%s)", key_text);
    for (;;) {
        PGresult *result;
        int got;
        migrator__log_migrator_sql(repo, sql);
        result = PQexec(c->lock, sql);
        if (PQresultStatus(result) != PGRES_TUPLES_OK) {
            int error = result_error(repo, MIGRATOR_EDATABASE, result, c->lock);
            PQclear(result);
            return error;
        }
        got = strcmp(PQgetvalue(result, 0, 0), "t") == 0;
        PQclear(result);
        if (got) {
            c->advisory_held = 1;
            return MIGRATOR_OK;
        }
        if (waited >= lock_timeout(repo))
            break;
        {
            struct timespec pause = {0, 50 * 1000 * 1000};
            nanosleep(&pause, NULL);
            waited += 50;
        }
    }
    describe_advisory_holder(repo, key_text, holder, sizeof(holder));
    return migrator__fail(repo, MIGRATOR_EBUSY,
                          "timed out after %d ms waiting for the migration lock (advisory lock %s) "
                          "on %s: %s",
                          lock_timeout(repo), key_text, repo->url_display, holder);
}

static int advisory_unlock(migrator_repo *repo)
{
    pg_connection *c = connection_of(repo);
    char sql[96];
    if (!c->advisory_held)
        return MIGRATOR_OK;
    drain_lock(c);
    snprintf(sql, sizeof(sql), "SELECT pg_advisory_unlock(%" PRId64 ")", c->advisory_key);
    c->advisory_held = 0;
    return run_own(repo, c->lock, sql, MIGRATOR_EDATABASE);
}

/* LOCK TABLE on the lock connection, in a transaction kept open until the
 * migration ends. */
static int table_lock(migrator_repo *repo)
{
    pg_connection *c = connection_of(repo);
    char *source = qualified_source(repo);
    char *sql;
    size_t length;
    int error;

    if (!source)
        return migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
    if (need_lock_connection(repo) < 0) {
        free(source);
        return MIGRATOR_EOPEN;
    }
    length = strlen(source) * 2 + 200;
    if (!(sql = malloc(length))) {
        free(source);
        return migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
    }
    /* One round trip for the three statements: the lock is taken for every
     * migration, so its cost must stay small next to the commit's fsync. */
    migrator__log_migrator_sql(repo, "BEGIN");
    snprintf(sql, length, "SET LOCAL lock_timeout = %d", lock_timeout(repo));
    migrator__log_migrator_sql(repo, sql);
    snprintf(sql, length, "LOCK TABLE %s IN SHARE UPDATE EXCLUSIVE MODE", source);
    migrator__log_migrator_sql(repo, sql);
    snprintf(sql, length,
             "BEGIN; SET LOCAL lock_timeout = %d; LOCK TABLE %s IN SHARE UPDATE EXCLUSIVE MODE",
             lock_timeout(repo), source);
    c->lock_open = 1;
    {
        PGresult *result = PQexec(c->lock, sql);
        error = PQresultStatus(result) == PGRES_COMMAND_OK
                    ? MIGRATOR_OK
                    : result_error(repo, MIGRATOR_EDATABASE, result, c->lock);
        PQclear(result);
    }
    if (error < 0) {
        int timed_out = repo->errmsg && strncmp(repo->errmsg, "55P03", 5) == 0;
        PQclear(PQexec(c->lock, "ROLLBACK"));
        c->lock_open = 0;
        if (timed_out)
            error = table_busy(repo, source, "LOCK TABLE");
    }
    free(sql);
    free(source);
    return error;
}

static int release_table_lock(migrator_repo *repo, const char *how)
{
    pg_connection *c = connection_of(repo);
    if (!c->lock_open)
        return MIGRATOR_OK;
    drain_lock(c);
    c->lock_open = 0;
    return run_own(repo, c->lock, how, MIGRATOR_EDATABASE);
}

static int pg_begin(migrator_repo *repo, int lock)
{
    pg_connection *c = connection_of(repo);
    int error;
    if (lock) {
        error = repo->lock_mode == MIGRATOR_LOCK_ADVISORY ? advisory_lock(repo) : table_lock(repo);
        if (error < 0)
            return error;
    }
    if (!prefix_of(repo)) {
        error = run_own(repo, c->migration, "BEGIN", MIGRATOR_EDATABASE);
    } else {
        char *quoted = migrator__quote_identifier(prefix_of(repo)), *sql;
        size_t length = quoted ? strlen(quoted) + 48 : 0;
        if (!quoted || !(sql = malloc(length))) {
            free(quoted);
            return migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
        }
        /* One round trip: BEGIN and the tenant's search_path. */
        migrator__log_migrator_sql(repo, "BEGIN");
        snprintf(sql, length, "BEGIN; SET LOCAL search_path TO %s", quoted);
        migrator__log_migrator_sql(repo, sql + 7);
        if (PQtransactionStatus(c->migration) == PQTRANS_IDLE) {
            PGresult *result = PQexec(c->migration, sql);
            error = PQresultStatus(result) == PGRES_COMMAND_OK
                        ? MIGRATOR_OK
                        : result_error(repo, MIGRATOR_EDATABASE, result, c->migration);
            PQclear(result);
        } else {
            error = migrator__fail(repo, MIGRATOR_EDATABASE, "a transaction is already open");
        }
        free(sql);
        free(quoted);
    }
    if (error < 0 && lock) {
        /* Never keep the lock when the migration cannot start. */
        char *message = repo->errmsg;
        repo->errmsg = NULL;
        release_table_lock(repo, "ROLLBACK");
        if (repo->lock_mode == MIGRATOR_LOCK_ADVISORY)
            advisory_unlock(repo);
        free(repo->errmsg);
        repo->errmsg = message;
    }
    return error;
}

/* BEGIN, the tenant's search_path and the re-check of the version in one
 * round trip (after the lock, which is its own). */
static int pg_begin_checked(migrator_repo *repo, int lock, int64_t version, int *applied)
{
    pg_connection *c = connection_of(repo);
    char *source, *quoted = NULL, *sql;
    const char *prefix = prefix_of(repo);
    PGresult *result;
    size_t length;
    int error = MIGRATOR_OK;

    *applied = 0;
    if (lock) {
        error = repo->lock_mode == MIGRATOR_LOCK_ADVISORY ? advisory_lock(repo) : table_lock(repo);
        if (error < 0)
            return error;
    }
    source = qualified_source(repo);
    if (prefix)
        quoted = migrator__quote_identifier(prefix);
    length = (source ? strlen(source) : 0) + (quoted ? strlen(quoted) : 0) + 128;
    if (!source || (prefix && !quoted) || !(sql = malloc(length))) {
        free(source);
        free(quoted);
        return migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
    }
    migrator__log_migrator_sql(repo, "BEGIN");
    if (quoted) {
        snprintf(sql, length, "SET LOCAL search_path TO %s", quoted);
        migrator__log_migrator_sql(repo, sql);
    }
    snprintf(sql, length, "BEGIN; %s%s%sSELECT 1 FROM %s WHERE \"version\" = %" PRId64,
             quoted ? "SET LOCAL search_path TO " : "", quoted ? quoted : "", quoted ? "; " : "",
             source, version);
    result = run_batch(c->migration, sql);
    if (PQresultStatus(result) == PGRES_TUPLES_OK)
        *applied = PQntuples(result) > 0;
    else
        error = result_error(repo, MIGRATOR_EDATABASE, result, c->migration);
    PQclear(result);
    free(sql);
    free(source);
    free(quoted);
    return error;
}

static int pg_commit(migrator_repo *repo)
{
    pg_connection *c = connection_of(repo);
    int error;
    PGresult *result;

    migrator__log_migrator_sql(repo, "COMMIT");
    result = PQexec(c->migration, "COMMIT");
    if (PQresultStatus(result) != PGRES_COMMAND_OK)
        error = result_error(repo, MIGRATOR_EDATABASE, result, c->migration);
    else if (strcmp(PQcmdStatus(result), "ROLLBACK") == 0)
        /* The server answers COMMIT of an aborted transaction by rolling it
         * back: never take that for success. */
        error = migrator__fail(repo, MIGRATOR_EDATABASE,
                               "COMMIT rolled back: a statement of the transaction had failed");
    else
        error = MIGRATOR_OK;
    PQclear(result);
    if (error < 0) {
        release_table_lock(repo, "ROLLBACK");
        if (repo->lock_mode == MIGRATOR_LOCK_ADVISORY)
            advisory_unlock(repo);
        return error;
    }
    if (c->lock_open) {
        c->lock_open = 0;
        send_release(repo, "COMMIT");
    }
    if (repo->lock_mode == MIGRATOR_LOCK_ADVISORY && c->advisory_held) {
        char sql[96];
        snprintf(sql, sizeof(sql), "SELECT pg_advisory_unlock(%" PRId64 ")", c->advisory_key);
        c->advisory_held = 0;
        send_release(repo, sql);
    }
    return MIGRATOR_OK;
}

static int pg_rollback(migrator_repo *repo)
{
    pg_connection *c = connection_of(repo);
    if (PQtransactionStatus(c->migration) != PQTRANS_IDLE)
        run_own(repo, c->migration, "ROLLBACK", MIGRATOR_EDATABASE);
    release_table_lock(repo, "ROLLBACK");
    if (repo->lock_mode == MIGRATOR_LOCK_ADVISORY)
        advisory_unlock(repo);
    return MIGRATOR_OK;
}

/* Reads one text value (or none) of a query with parameters. */
static int query_value(migrator_repo *repo, PGconn *conn, const char *sql, int count,
                       const char *const *params, int *found, char *out, size_t size)
{
    PGresult *result = PQexecParams(conn, sql, count, NULL, params, NULL, NULL, 0);
    int error = MIGRATOR_OK;
    *found = 0;
    if (PQresultStatus(result) != PGRES_TUPLES_OK) {
        error = result_error(repo, MIGRATOR_EDATABASE, result, conn);
    } else if (PQntuples(result) > 0) {
        *found = 1;
        if (out)
            snprintf(out, size, "%s", PQgetvalue(result, 0, 0));
    }
    PQclear(result);
    return error;
}

static int pg_create_table(migrator_repo *repo, int lock)
{
    pg_connection *c = connection_of(repo);
    char *source = qualified_source(repo), *sql = NULL, exists[8];
    const char *params[1];
    int error, found;
    size_t length;
    (void)lock;

    if (!source)
        return migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
    params[0] = source;
    if ((error = query_value(repo, c->migration,
                             "SELECT relkind FROM pg_catalog.pg_class WHERE oid = to_regclass($1)",
                             1, params, &found, exists, sizeof(exists))) < 0)
        goto done;
    if (found && strcmp(exists, "r") != 0 && strcmp(exists, "p") != 0) {
        error = migrator__fail(repo, MIGRATOR_ESCHEMA,
                               "%s in %s is not a table (relkind %s), so not a migrations table: "
                               "another library defined it; give this repo its own table with "
                               "--migration-source (migration_source)",
                               source, repo->url_display, exists);
        goto done;
    }
    if (found)
        goto done;
    /* Creation is serialised by a transaction-level advisory lock on the
     * same key, so that processes starting together on an empty database
     * do not race on CREATE TABLE IF NOT EXISTS (Ecto's first-boot race). */
    length = strlen(source) + 256;
    if (!(sql = malloc(length))) {
        error = migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
        goto done;
    }
    if ((error = run_own(repo, c->migration, "BEGIN", MIGRATOR_EDATABASE)) < 0)
        goto done;
    if ((error = set_local_lock_timeout(repo, c->migration)) < 0) {
        PQclear(PQexec(c->migration, "ROLLBACK"));
        goto done;
    }
    snprintf(sql, length, "SELECT pg_advisory_xact_lock(%" PRId64 ")", advisory_key(repo));
    error = run_own(repo, c->migration, sql, MIGRATOR_ESCHEMA);
    if (error < 0 && repo->errmsg && strncmp(repo->errmsg, "55P03", 5) == 0) {
        char key_text[32], holder[256];
        PQclear(PQexec(c->migration, "ROLLBACK"));
        snprintf(key_text, sizeof(key_text), "%" PRId64, advisory_key(repo));
        describe_advisory_holder(repo, key_text, holder, sizeof(holder));
        error = migrator__fail(repo, MIGRATOR_EBUSY,
                               "timed out after %d ms waiting for the migration lock (advisory "
                               "lock %s, to create %s) on %s: %s",
                               lock_timeout(repo), key_text, source, repo->url_display, holder);
        goto done;
    }
    if (error >= 0 && prefix_of(repo)) {
        char *quoted = migrator__quote_identifier(prefix_of(repo));
        if (!quoted) {
            error = migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
        } else {
            char *create = malloc(strlen(quoted) + 40);
            if (create) {
                sprintf(create, "CREATE SCHEMA IF NOT EXISTS %s", quoted);
                PQsetNoticeReceiver(c->migration, ignore_notice, NULL); /* "already exists" */
                error = run_quiet(repo, c->migration, create, MIGRATOR_ESCHEMA);
                PQsetNoticeReceiver(c->migration, notice_receiver, repo);
                free(create);
            } else {
                error = migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
            }
            free(quoted);
        }
    }
    if (error >= 0) {
        snprintf(sql, length,
                 "CREATE TABLE IF NOT EXISTS %s (\"version\" bigint, \"inserted_at\" timestamp(0), "
                 "PRIMARY KEY (\"version\"))",
                 source);
        PQsetNoticeReceiver(c->migration, ignore_notice, NULL);
        error = run_quiet(repo, c->migration, sql, MIGRATOR_ESCHEMA); /* not logged, as Ecto */
        PQsetNoticeReceiver(c->migration, notice_receiver, repo);
    }
    if (error >= 0)
        error = run_own(repo, c->migration, "COMMIT", MIGRATOR_ESCHEMA);
    else
        PQclear(PQexec(c->migration, "ROLLBACK"));
    if (error < 0 && repo->errmsg) {
        char *message = migrator__strdup(repo->errmsg);
        error = migrator__fail(repo, MIGRATOR_ESCHEMA,
                               "cannot create the migrations table %s in %s: %s", source,
                               repo->url_display, message ? message : "");
        free(message);
    }
done:
    free(sql);
    free(source);
    return error;
}

/* The migrations table exists with other columns than Ecto's. */
static int foreign_table(migrator_repo *repo, const char *source)
{
    pg_connection *c = connection_of(repo);
    char columns[512] = "";
    const char *params[1];
    int found;
    params[0] = source;
    if (query_value(repo, c->migration,
                    "SELECT string_agg(attname, ', ' ORDER BY attnum) FROM pg_attribute "
                    "WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped",
                    1, params, &found, columns, sizeof(columns)) < 0 ||
        !found)
        columns[0] = '\0';
    return migrator__fail(repo, MIGRATOR_ESCHEMA,
                          "table %s in %s is not a migrations table (its columns: %s; expected "
                          "version and inserted_at): another library defined it; give this repo "
                          "its own table with --migration-source (migration_source)",
                          source, repo->url_display, columns);
}

static int pg_read_versions(migrator_repo *repo, migrator_versions *out)
{
    pg_connection *c = connection_of(repo);
    char *source = qualified_source(repo), *sql;
    PGresult *result;
    int error = MIGRATOR_OK, i, rows;

    if (!source || !(sql = malloc(strlen(source) + 96))) {
        free(source);
        return migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
    }
    /* inserted_at is named so that a table of the same name but another
     * shape fails here, before any migration runs. */
    sprintf(sql, "SELECT \"version\"::bigint FROM %s WHERE \"inserted_at\" IS NULL OR true",
            source);
    /* A plain read never waits for a migration (SHARE UPDATE EXCLUSIVE lets
     * it through), but a session holding an exclusive lock on the table
     * would stall it: give up after the lock timeout, as for the lock. One
     * round trip: if the read fails, the implicit transaction of the
     * multi-statement query undoes the SET as well. */
    {
        size_t length = strlen(sql) + 96;
        char *batch = malloc(length);
        if (!batch) {
            free(sql);
            free(source);
            return migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
        }
        snprintf(batch, length, "SET lock_timeout = %d; %s; RESET lock_timeout", lock_timeout(repo),
                 sql);
        result = run_batch(c->migration, batch);
        free(batch);
    }
    if (PQresultStatus(result) != PGRES_TUPLES_OK) {
        result_error(repo, MIGRATOR_ESCHEMA, result, c->migration);
        if (repo->errmsg && strncmp(repo->errmsg, "55P03", 5) == 0)
            error = table_busy(repo, source, "reading the migrations table");
        else if (repo->errmsg && strncmp(repo->errmsg, "42703", 5) == 0)
            error = foreign_table(repo, source);
        else
            error = migrator__fail(repo, MIGRATOR_ESCHEMA,
                                   "cannot read the migrations table %s in %s: %s", source,
                                   repo->url_display, repo->errmsg ? repo->errmsg : "");
    } else {
        rows = PQntuples(result);
        for (i = 0; i < rows && error >= 0; i++)
            error = migrator__versions_append(out, strtoll(PQgetvalue(result, i, 0), NULL, 10));
        if (error < 0)
            error = migrator__fail(repo, error, "out of memory");
    }
    PQclear(result);
    free(sql);
    free(source);
    return error;
}

static int pg_is_applied(migrator_repo *repo, int64_t version, int *applied)
{
    pg_connection *c = connection_of(repo);
    char *source = qualified_source(repo), *sql, text[32];
    const char *params[1];
    int error;

    if (!source || !(sql = malloc(strlen(source) + 64))) {
        free(source);
        return migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
    }
    sprintf(sql, "SELECT 1 FROM %s WHERE \"version\" = $1::bigint", source);
    snprintf(text, sizeof(text), "%" PRId64, version);
    params[0] = text;
    error = query_value(repo, c->migration, sql, 1, params, applied, NULL, 0);
    free(sql);
    free(source);
    return error;
}

static int pg_record(migrator_repo *repo, int64_t version, migrator_direction direction)
{
    pg_connection *c = connection_of(repo);
    char *source = qualified_source(repo), *sql, text[32], inserted_at[32];
    const char *params[2];
    PGresult *result;
    int error = MIGRATOR_OK;

    if (!source || !(sql = malloc(strlen(source) + 96))) {
        free(source);
        return migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
    }
    snprintf(text, sizeof(text), "%" PRId64, version);
    params[0] = text;
    if (direction == MIGRATOR_UP) {
        time_t now = time(NULL);
        struct tm utc;
        gmtime_r(&now, &utc);
        strftime(inserted_at, sizeof(inserted_at), "%Y-%m-%d %H:%M:%S", &utc);
        params[1] = inserted_at;
        sprintf(sql, "INSERT INTO %s (\"version\", \"inserted_at\") VALUES ($1, $2)", source);
        if (repo->opts && repo->opts->log_migrator_sql != MIGRATOR_LOG_OFF)
            migrator__log(repo, repo->opts->log_migrator_sql, "%s [%s, \"%s\"]", sql, text,
                          inserted_at);
    } else {
        sprintf(sql, "DELETE FROM %s WHERE \"version\" = $1::bigint", source);
        if (repo->opts && repo->opts->log_migrator_sql != MIGRATOR_LOG_OFF)
            migrator__log(repo, repo->opts->log_migrator_sql, "%s [%s]", sql, text);
    }
    result = PQexecParams(c->migration, sql, direction == MIGRATOR_UP ? 2 : 1, NULL, params, NULL,
                          NULL, 0);
    if (PQresultStatus(result) != PGRES_COMMAND_OK)
        error = result_error(repo, MIGRATOR_EDATABASE, result, c->migration);
    PQclear(result);
    free(sql);
    free(source);
    return error;
}

/* Outside a transaction: the session advisory lock (never the table lock:
 * CREATE INDEX CONCURRENTLY would wait for that transaction forever). */
static int pg_session_lock(migrator_repo *repo, int acquire)
{
    return acquire ? advisory_lock(repo) : advisory_unlock(repo);
}

/* Outside a transaction, search_path is set for the session and restored. */
static int pg_session_prefix(migrator_repo *repo, int enter)
{
    pg_connection *c = connection_of(repo);
    const char *prefix = prefix_of(repo);
    char value[1024];
    const char *params[1];
    int found, error;

    if (!prefix)
        return MIGRATOR_OK;
    if (enter) {
        char *quoted = migrator__quote_identifier(prefix);
        if (!quoted)
            return migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
        if ((error = query_value(repo, c->migration, "SELECT current_setting('search_path')", 0,
                                 NULL, &found, value, sizeof(value))) >= 0) {
            free(c->saved_search_path);
            c->saved_search_path = migrator__strdup(found ? value : "\"$user\", public");
            params[0] = quoted;
            error = query_value(repo, c->migration, "SELECT set_config('search_path', $1, false)",
                                1, params, &found, NULL, 0);
        }
        free(quoted);
        return error;
    }
    if (!c->saved_search_path)
        return MIGRATOR_OK;
    params[0] = c->saved_search_path;
    error = query_value(repo, c->migration, "SELECT set_config('search_path', $1, false)", 1,
                        params, &found, NULL, 0);
    free(c->saved_search_path);
    c->saved_search_path = NULL;
    return error;
}

static int pg_own_query(migrator_repo *repo, const char *sql, int count, const char *const *params,
                        migrator__lines *rows)
{
    pg_connection *c = connection_of(repo);
    PGresult *result;
    int error = MIGRATOR_OK, row, column;

    migrator__log_migrator_sql(repo, sql);
    /* Our own bookkeeping's notices ("already exists, skipping") are not
     * the user's business. */
    PQsetNoticeReceiver(c->migration, ignore_notice, NULL);
    result = PQexecParams(c->migration, sql, count, NULL, params, NULL, NULL, 0);
    PQsetNoticeReceiver(c->migration, notice_receiver, repo);
    if (PQresultStatus(result) != PGRES_TUPLES_OK && PQresultStatus(result) != PGRES_COMMAND_OK) {
        const char *state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
        error = result_error(
            repo, state && strcmp(state, "42P01") == 0 ? MIGRATOR_ENOTFOUND : MIGRATOR_EDATABASE,
            result, c->migration);
        PQclear(result);
        return error;
    }
    for (row = 0; rows && row < PQntuples(result) && error >= 0; row++) {
        size_t length = 1, used = 0;
        char *text;
        for (column = 0; column < PQnfields(result); column++)
            length += (size_t)PQgetlength(result, row, column) + 1;
        if (!(text = malloc(length))) {
            error = migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
            break;
        }
        for (column = 0; column < PQnfields(result); column++) {
            size_t bytes = (size_t)PQgetlength(result, row, column);
            if (column)
                text[used++] = MIGRATOR__FIELD_SEPARATOR;
            memcpy(text + used, PQgetvalue(result, row, column), bytes);
            used += bytes;
        }
        text[used] = '\0';
        if (migrator__lines_addf(rows, "%s", text) != 0)
            error = migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
        free(text);
    }
    PQclear(result);
    return error;
}

/* A dry run's "-- on the ... connection" line, when it changes. */
static int on_connection(migrator__lines *out, const char *which, const char **current)
{
    if (*current == which)
        return 0;
    *current = which;
    return migrator__lines_addf(out, "-- on the %s connection:", which);
}

static int pg_describe(migrator_repo *repo, migrator__dry_step step, int64_t version,
                       migrator_direction direction, int flag, migrator__lines *out)
{
    static const char *const lock_conn = "lock", *const migration_conn = "migration";
    char *source = qualified_source(repo), *prefix = NULL, stamp[32];
    const char *current = NULL;
    int64_t key = advisory_key(repo);
    int advisory = repo->lock_mode == MIGRATOR_LOCK_ADVISORY, error = 0;
    time_t now = time(NULL);
    struct tm utc;

    if (!source || (prefix_of(repo) && !(prefix = migrator__quote_identifier(prefix_of(repo))))) {
        free(source);
        return migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
    }
    switch (step) {
    case MIGRATOR__DRY_CREATE_TABLE:
        error = on_connection(out, migration_conn, &current) ||
                migrator__lines_addf(out, "BEGIN") ||
                migrator__lines_addf(out, "SET LOCAL lock_timeout = %d", lock_timeout(repo)) ||
                migrator__lines_addf(out, "SELECT pg_advisory_xact_lock(%" PRId64 ")", key) ||
                (prefix && migrator__lines_addf(out, "CREATE SCHEMA IF NOT EXISTS %s", prefix)) ||
                migrator__lines_addf(out,
                                     "CREATE TABLE IF NOT EXISTS %s (\"version\" bigint, "
                                     "\"inserted_at\" timestamp(0), PRIMARY KEY (\"version\"))",
                                     source) ||
                migrator__lines_addf(out, "COMMIT");
        break;
    case MIGRATOR__DRY_BEGIN:
        if (flag && advisory)
            error = on_connection(out, lock_conn, &current) ||
                    migrator__lines_addf(
                        out, "-- repeated until true, for up to %d ms:", lock_timeout(repo)) ||
                    migrator__lines_addf(out, "SELECT pg_try_advisory_lock(%" PRId64 ")", key);
        else if (flag)
            error =
                on_connection(out, lock_conn, &current) || migrator__lines_addf(out, "BEGIN") ||
                migrator__lines_addf(out, "SET LOCAL lock_timeout = %d", lock_timeout(repo)) ||
                migrator__lines_addf(out, "LOCK TABLE %s IN SHARE UPDATE EXCLUSIVE MODE", source);
        error = error || on_connection(out, migration_conn, &current) ||
                migrator__lines_addf(out, "BEGIN") ||
                (prefix && migrator__lines_addf(out, "SET LOCAL search_path TO %s", prefix));
        break;
    case MIGRATOR__DRY_CHECK:
        error = migrator__lines_addf(out, "SELECT 1 FROM %s WHERE \"version\" = %" PRId64, source,
                                     version);
        break;
    case MIGRATOR__DRY_RECORD:
        gmtime_r(&now, &utc);
        strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &utc);
        error = direction == MIGRATOR_UP
                    ? migrator__lines_addf(out,
                                           "INSERT INTO %s (\"version\", \"inserted_at\") VALUES "
                                           "(%" PRId64 ", '%s')",
                                           source, version, stamp)
                    : migrator__lines_addf(out, "DELETE FROM %s WHERE \"version\" = %" PRId64,
                                           source, version);
        break;
    case MIGRATOR__DRY_COMMIT:
        error = migrator__lines_addf(out, "COMMIT");
        if (!error && flag)
            error = on_connection(out, lock_conn, &current) ||
                    migrator__lines_addf(
                        out, advisory ? "SELECT pg_advisory_unlock(%" PRId64 ")" : "COMMIT", key) ||
                    migrator__lines_addf(out, "-- on the migration connection:");
        break;
    case MIGRATOR__DRY_SESSION_LOCK:
        error =
            on_connection(out, lock_conn, &current) ||
            (flag ? migrator__lines_addf(
                        out, "-- repeated until true, for up to %d ms:", lock_timeout(repo)) ||
                        migrator__lines_addf(out, "SELECT pg_try_advisory_lock(%" PRId64 ")", key)
                  : migrator__lines_addf(out, "SELECT pg_advisory_unlock(%" PRId64 ")", key)) ||
            migrator__lines_addf(out, "-- on the migration connection:");
        break;
    case MIGRATOR__DRY_SESSION_PREFIX:
        if (prefix)
            error = flag ? migrator__lines_addf(out, "SELECT current_setting('search_path')") ||
                               migrator__lines_addf(
                                   out, "SELECT set_config('search_path', '%s', false)", prefix)
                         : migrator__lines_addf(out, "SELECT set_config('search_path', "
                                                     "<the search_path read before>, false)");
        break;
    }
    free(source);
    free(prefix);
    return error ? migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory") : MIGRATOR_OK;
}

static int pg_schema(migrator_repo *repo, migrator__lines *out)
{
    return migrator__postgres_schema(repo, connection_of(repo)->migration, prefix_of(repo), out);
}

const migrator__adapter migrator__postgres_adapter = {
    "postgres",      pg_open,           pg_close,         pg_execute,
    pg_begin,        pg_commit,         pg_rollback,      NULL,
    pg_create_table, pg_read_versions,  pg_is_applied,    pg_record,
    pg_session_lock, pg_session_prefix, pg_begin_checked, pg_schema,
    pg_own_query,    pg_describe,
};
