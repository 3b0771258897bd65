/*
 * pg.smoke: the fixture's server works. A fresh database is created,
 * connected to, queried and dropped; several processes do that at once.
 *
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pg_test_db.h"

enum { CHILDREN = 4, ROUNDS = 5 };

/* The single value of sql on conn as text (malloc'd), NULL on error. */
static char *query_value(PGconn *conn, const char *sql)
{
    PGresult *res = PQexec(conn, sql);
    char *value = NULL;

    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 && PQnfields(res) == 1)
        value = strdup(PQgetvalue(res, 0, 0));
    else
        fprintf(stderr, "%s: %s", sql, PQerrorMessage(conn));
    PQclear(res);
    return value;
}

/* Whether a database named name exists, asked on conn. */
static int database_exists(PGconn *conn, const char *name)
{
    const char *params[1] = {name};
    PGresult *res = PQexecParams(conn, "SELECT count(*) FROM pg_database WHERE datname = $1", 1,
                                 NULL, params, NULL, NULL, 0);
    int exists = -1;

    if (PQresultStatus(res) == PGRES_TUPLES_OK)
        exists = strcmp(PQgetvalue(res, 0, 0), "1") == 0;
    PQclear(res);
    return exists;
}

static void create_connect_select_drop(void **state)
{
    char *url, *other, *value, *name;
    PGconn *conn, *check;

    (void)state;
    url = pg_test_create_database();
    assert_non_null(url);
    assert_non_null(strstr(url, "postgresql:///migrator_test_"));
    conn = pg_test_connect(url);
    assert_non_null(conn);

    value = query_value(conn, "SELECT 1");
    assert_non_null(value);
    assert_string_equal(value, "1");
    free(value);

    /* Fresh and empty, UTF8, and the one the URL names. */
    value = query_value(conn, "SELECT count(*) FROM pg_class WHERE relnamespace = "
                              "'public'::regnamespace");
    assert_non_null(value);
    assert_string_equal(value, "0");
    free(value);
    value = query_value(conn, "SELECT pg_encoding_to_char(encoding) FROM pg_database "
                              "WHERE datname = current_database()");
    assert_non_null(value);
    assert_string_equal(value, "UTF8");
    free(value);
    name = query_value(conn, "SELECT current_database()");
    assert_non_null(name);
    assert_non_null(strstr(url, name));

    /* Each call gives another database. */
    other = pg_test_create_database();
    assert_non_null(other);
    assert_string_not_equal(url, other);
    check = pg_test_connect(other);
    assert_non_null(check);

    /* Dropped although conn is still open on it. */
    pg_test_drop_database(url);
    assert_int_equal(database_exists(check, name), 0);
    PQfinish(conn);
    PQfinish(check);
    pg_test_drop_database(other);
    pg_test_drop_database(NULL);
    free(name);
    free(url);
    free(other);
}

/* One child: ROUNDS fresh databases, each queried and dropped. */
static int child_rounds(void)
{
    int round;

    for (round = 0; round < ROUNDS; round++) {
        char *url = pg_test_create_database();
        PGconn *conn = url ? pg_test_connect(url) : NULL;
        char *value = conn ? query_value(conn, "SELECT 1") : NULL;
        int ok = value != NULL && strcmp(value, "1") == 0;

        free(value);
        PQfinish(conn);
        pg_test_drop_database(url);
        free(url);
        if (!ok)
            return 1;
    }
    return 0;
}

static void parallel_processes(void **state)
{
    pid_t pids[CHILDREN];
    int gate[2], i, status;
    char byte;

    (void)state;
    assert_int_equal(pipe(gate), 0);
    fflush(NULL);
    for (i = 0; i < CHILDREN; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            /* Wait until every child exists, then all start at once. */
            close(gate[1]);
            if (read(gate[0], &byte, 1) != 0)
                _exit(2);
            _exit(child_rounds());
        }
    }
    close(gate[0]);
    close(gate[1]);
    for (i = 0; i < CHILDREN; i++) {
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(create_connect_select_drop),
        cmocka_unit_test(parallel_processes),
    };

    if (!pg_test_available())
        return pg_test_unavailable_status();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
