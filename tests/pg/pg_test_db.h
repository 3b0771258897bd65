/*
 * A fresh database per test on the throwaway PostgreSQL server that the
 * ctest fixture "pg" starts (tests/pg/pg_server.sh, tests/pg/PgFixture.cmake).
 *
 * The fixture writes a file of PGHOST=, PGPORT= and PGUSER= lines and
 * passes its path in MIGRATOR_PG_ENV_FILE. A test begins with
 *
 *     if (!pg_test_available())
 *         return pg_test_unavailable_status();
 *
 * and then creates, uses and drops its own databases.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGRATOR_TEST_PG_TEST_DB_H
#define MIGRATOR_TEST_PG_TEST_DB_H

#include <libpq-fe.h>

/* 1 when the fixture's server is up and answers, 0 otherwise (with the
 * reason on stderr): MIGRATOR_PG_ENV_FILE unset, its file missing (the
 * fixture found no server binaries), or the server not answering. */
int pg_test_available(void);

/* The exit status of a test that found no server: 77 (skipped) when the
 * fixture reported no server binaries, 1 (failed) when the environment has
 * MIGRATOR_REQUIRE_POSTGRES=1 or the fixture started a server that does
 * not answer. Prints why. */
int pg_test_unavailable_status(void);

/* Creates a fresh, empty database migrator_test_<pid>_<n> and returns its
 * URL, "postgresql:///NAME?host=SOCKETDIR&port=PORT&user=USER", which
 * libpq accepts (malloc'd, the caller frees it); NULL with the reason on
 * stderr on failure. Safe to call from several processes and threads at
 * once. */
char *pg_test_create_database(void);

/* Drops the database of url (from pg_test_create_database), closing the
 * connections still open on it (DROP DATABASE ... WITH (FORCE)). A NULL
 * url is a no-op. On failure the reason goes to stderr; the database then
 * stays until the fixture removes the whole server. */
void pg_test_drop_database(const char *url);

/* Connects to url for assertions; the caller PQfinish()es the result.
 * NULL with the reason on stderr when the connection fails. */
PGconn *pg_test_connect(const char *url);

#endif
