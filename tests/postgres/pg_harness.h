/*
 * Helpers of the PostgreSQL tests: migrating binaries started and waited
 * for with a deadline (a hang fails the test instead of blocking it), their
 * stdout and stderr captured; queries on a libpq connection that fail the
 * test on error; the documented advisory key computed independently.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGRATOR_TEST_PG_HARNESS_H
#define MIGRATOR_TEST_PG_HARNESS_H

#include <stdint.h>
#include <sys/types.h>

#include <libpq-fe.h>

#include "cli_harness.h"

/* A started process whose stdout and stderr go to files of dir. */
typedef struct pg_proc {
    pid_t pid;
    char *out_path;
    char *err_path;
    char *command;  /* the command line, for messages */
    double started; /* monotonic seconds */
} pg_proc;

/* Monotonic seconds. */
double pg_now(void);

/* The path of the migrating binary of a fixture repo ($PG_BIN_<REPO>). */
const char *pg_bin(const char *name);

/* Starts program with args[0..] (NULL-terminated, without the program name)
 * in the background; stdout and stderr go to dir/<tag>.out and .err. When
 * gate is not NULL (a pipe) the child first waits for end of file on
 * gate[0] (the parent closes both ends once every gated child is started,
 * and they all go at once). DATABASE_URL is removed from the child's
 * environment. */
void pg_start(pg_proc *proc, const char *dir, const char *tag, const int *gate, const char *program,
              const char *const *args);

/* Waits up to timeout seconds for proc; on timeout kills it with SIGKILL
 * and fails the test, printing what it wrote. Fills result (status: exit
 * status or 128 + signal; out, err). Returns the seconds it ran. */
double pg_wait(pg_proc *proc, gen_result *result, double timeout);

/* pg_start + pg_wait in a fresh temporary directory. */
double pg_run(gen_result *result, double timeout, const char *program, const char *const *args);
#define PG_RUN(result, timeout, program, ...)                                                      \
    pg_run((result), (timeout), (program), (const char *const[]){__VA_ARGS__, NULL})

/* SIGKILLs proc and reaps it. */
void pg_kill9(pg_proc *proc);

void pg_proc_free(pg_proc *proc);

/* A fresh database (pg_test_create_database), failing the test if none. */
char *pg_fresh_database(void);
/* A connection to url (pg_test_connect), failing the test if none. */
PGconn *pg_open(const char *url);

/* Runs sql (no result expected, or ignored); fails the test on error. */
void pq_ok(PGconn *conn, const char *sql);
/* The single value of sql as an integer / as text (malloc'd, NULL for SQL
 * NULL); fails the test on error or when there is not exactly one row. */
long long pq_int(PGconn *conn, const char *sql);
char *pq_text(PGconn *conn, const char *sql);
/* The first column of every row of sql, joined with "," (malloc'd). */
char *pq_column(PGconn *conn, const char *sql);

/* The documented advisory key (docs/api.md): the first 8 bytes, big-endian,
 * of SHA-256("migrator" NUL database NUL prefix NUL source). */
int64_t pg_advisory_key(const char *database, const char *prefix, const char *source);

#endif
