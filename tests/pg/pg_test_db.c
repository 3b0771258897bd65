/*
 * A fresh database per test on the fixture's PostgreSQL server
 * (pg_test_db.h).
 *
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L

#include "pg_test_db.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The server as the fixture's env file describes it. */
typedef struct pg_server {
    char host[1024]; /* the socket directory */
    char port[16];
    char user[128];
} pg_server;

static atomic_uint next_database = 0;

/* Copies the value of "KEY=value\n" into out when line starts with key. */
static void take_value(char *out, size_t size, const char *line, const char *key)
{
    size_t klen = strlen(key);
    size_t vlen;

    if (strncmp(line, key, klen) != 0 || line[klen] != '=')
        return;
    line += klen + 1;
    vlen = strcspn(line, "\r\n");
    if (vlen >= size)
        vlen = size - 1;
    memcpy(out, line, vlen);
    out[vlen] = '\0';
}

/* Reads MIGRATOR_PG_ENV_FILE into *server: 0, or -1 with the reason on
 * stderr when quiet is 0. */
static int read_server(pg_server *server, int quiet)
{
    const char *path = getenv("MIGRATOR_PG_ENV_FILE");
    char line[1200];
    FILE *f;

    memset(server, 0, sizeof(*server));
    if (path == NULL || path[0] == '\0') {
        if (!quiet)
            fprintf(stderr, "pg_test: MIGRATOR_PG_ENV_FILE is not set (run the test through "
                            "ctest, which starts the server with the pg fixture)\n");
        return -1;
    }
    if ((f = fopen(path, "r")) == NULL) {
        if (!quiet)
            fprintf(stderr, "pg_test: no PostgreSQL server: %s: %s\n", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        take_value(server->host, sizeof(server->host), line, "PGHOST");
        take_value(server->port, sizeof(server->port), line, "PGPORT");
        take_value(server->user, sizeof(server->user), line, "PGUSER");
    }
    fclose(f);
    if (server->host[0] == '\0' || server->port[0] == '\0' || server->user[0] == '\0') {
        if (!quiet)
            fprintf(stderr, "pg_test: %s lacks PGHOST, PGPORT or PGUSER\n", path);
        return -1;
    }
    return 0;
}

/* A connection to dbname on the server; NULL with the reason on stderr. */
static PGconn *connect_to(const pg_server *server, const char *dbname)
{
    const char *const keywords[] = {
        "host", "port", "user", "dbname", "application_name", "connect_timeout", NULL};
    const char *const values[] = {server->host,       server->port, server->user, dbname,
                                  "migrator_pg_test", "30",         NULL};
    PGconn *conn = PQconnectdbParams(keywords, values, 0);

    if (conn == NULL) {
        fprintf(stderr, "pg_test: out of memory\n");
        return NULL;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "pg_test: cannot connect to database %s on %s: %s", dbname, server->host,
                PQerrorMessage(conn));
        PQfinish(conn);
        return NULL;
    }
    return conn;
}

/* Runs one statement: 0, or -1 with the reason on stderr; *sqlstate gets
 * the SQLSTATE of a failure ("" when there is none). */
static int run_sql(PGconn *conn, const char *sql, char sqlstate[6])
{
    PGresult *res = PQexec(conn, sql);
    const char *state;
    int error = 0;

    if (sqlstate != NULL)
        sqlstate[0] = '\0';
    if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
        state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        if (sqlstate != NULL && state != NULL)
            snprintf(sqlstate, 6, "%s", state);
        if (sqlstate == NULL || strcmp(sqlstate, "42P04") != 0)
            fprintf(stderr, "pg_test: %s: %s", sql, PQerrorMessage(conn));
        error = -1;
    }
    PQclear(res);
    return error;
}

/* Appends s to out percent-encoded for a URL query value. */
static void append_encoded(char *out, size_t size, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(out);

    for (; *s != '\0' && n + 4 < size; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            strchr("-._~/", c) != NULL) {
            out[n++] = (char)c;
        } else {
            out[n++] = '%';
            out[n++] = hex[c >> 4];
            out[n++] = hex[c & 15];
        }
    }
    out[n] = '\0';
}

int pg_test_available(void)
{
    pg_server server;
    const char *const keywords[] = {"host", "port", "user", "dbname", "connect_timeout", NULL};
    const char *values[6];

    if (read_server(&server, 0) < 0)
        return 0;
    values[0] = server.host;
    values[1] = server.port;
    values[2] = server.user;
    values[3] = "postgres";
    values[4] = "30";
    values[5] = NULL;
    if (PQpingParams(keywords, values, 0) != PQPING_OK) {
        fprintf(stderr, "pg_test: the fixture's server (socket directory %s) does not answer\n",
                server.host);
        return 0;
    }
    return 1;
}

int pg_test_unavailable_status(void)
{
    const char *require = getenv("MIGRATOR_REQUIRE_POSTGRES");
    pg_server server;

    if (require != NULL && strcmp(require, "1") == 0) {
        fprintf(stderr, "pg_test: no PostgreSQL server, and MIGRATOR_REQUIRE_POSTGRES=1 forbids "
                        "skipping: failing\n");
        return 1;
    }
    if (read_server(&server, 1) == 0) {
        fprintf(stderr, "pg_test: the fixture started a server that does not answer: failing\n");
        return 1;
    }
    fprintf(stderr, "pg_test: no PostgreSQL server: skipped\n");
    return 77;
}

char *pg_test_create_database(void)
{
    pg_server server;
    PGconn *conn = NULL;
    char name[64], sql[128], sqlstate[6];
    char *url = NULL;
    size_t size;
    int tries;

    if (read_server(&server, 0) < 0)
        return NULL;
    if ((conn = connect_to(&server, "postgres")) == NULL)
        return NULL;
    /* A database of this name may be left from a killed process that had
     * the same pid: take the next number. */
    for (tries = 0; tries < 1000; tries++) {
        snprintf(name, sizeof(name), "migrator_test_%ld_%u", (long)getpid(),
                 atomic_fetch_add(&next_database, 1u));
        snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
        if (run_sql(conn, sql, sqlstate) == 0)
            break;
        if (strcmp(sqlstate, "42P04") != 0)
            goto done;
    }
    if (tries == 1000) {
        fprintf(stderr, "pg_test: no free database name\n");
        goto done;
    }
    size = 3 * strlen(server.host) + strlen(server.port) + 3 * strlen(server.user) + 128;
    if ((url = malloc(size)) == NULL) {
        fprintf(stderr, "pg_test: out of memory\n");
        goto done;
    }
    snprintf(url, size, "postgresql:///%s?host=", name);
    append_encoded(url, size, server.host);
    snprintf(url + strlen(url), size - strlen(url), "&port=%s&user=", server.port);
    append_encoded(url, size, server.user);
done:
    PQfinish(conn);
    return url;
}

void pg_test_drop_database(const char *url)
{
    pg_server server;
    PQconninfoOption *options = NULL, *opt;
    PGconn *conn = NULL;
    const char *dbname = NULL;
    char *errmsg = NULL, *quoted = NULL, *sql = NULL;
    size_t size;

    if (url == NULL)
        return;
    if ((options = PQconninfoParse(url, &errmsg)) == NULL) {
        fprintf(stderr, "pg_test: not a libpq URL: %s: %s", url, errmsg ? errmsg : "\n");
        goto done;
    }
    for (opt = options; opt->keyword != NULL; opt++)
        if (strcmp(opt->keyword, "dbname") == 0)
            dbname = opt->val;
    if (dbname == NULL || strcmp(dbname, "postgres") == 0) {
        fprintf(stderr, "pg_test: %s names no test database\n", url);
        goto done;
    }
    if (read_server(&server, 0) < 0 || (conn = connect_to(&server, "postgres")) == NULL)
        goto done;
    if ((quoted = PQescapeIdentifier(conn, dbname, strlen(dbname))) == NULL) {
        fprintf(stderr, "pg_test: %s", PQerrorMessage(conn));
        goto done;
    }
    size = strlen(quoted) + 64;
    if ((sql = malloc(size)) == NULL)
        goto done;
    /* WITH (FORCE) (PostgreSQL 13) ends the connections a test left open. */
    snprintf(sql, size, "DROP DATABASE IF EXISTS %s%s", quoted,
             PQserverVersion(conn) >= 130000 ? " WITH (FORCE)" : "");
    run_sql(conn, sql, NULL);
done:
    free(sql);
    PQfreemem(quoted);
    PQfreemem(errmsg);
    PQconninfoFree(options);
    PQfinish(conn);
}

PGconn *pg_test_connect(const char *url)
{
    PGconn *conn = PQconnectdb(url);

    if (conn == NULL) {
        fprintf(stderr, "pg_test: out of memory\n");
        return NULL;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "pg_test: cannot connect to %s: %s", url, PQerrorMessage(conn));
        PQfinish(conn);
        return NULL;
    }
    return conn;
}
