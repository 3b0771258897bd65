/*
 * Helpers of the PostgreSQL tests: see pg_harness.h.
 *
 * SPDX-License-Identifier: MIT
 */
#define _XOPEN_SOURCE 700
#include "pg_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "pg_test_db.h"
#include "sha256.h"

#define harness_fail(...)                                                                          \
    do {                                                                                           \
        print_error(__VA_ARGS__);                                                                  \
        _fail(__FILE__, __LINE__);                                                                 \
    } while (0)

double pg_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

const char *pg_bin(const char *name)
{
    char variable[64];
    size_t i;
    snprintf(variable, sizeof(variable), "PG_BIN_%s", name);
    for (i = 0; variable[i]; i++)
        if (variable[i] >= 'a' && variable[i] <= 'z')
            variable[i] = (char)(variable[i] - 'a' + 'A');
    return cli_program(variable);
}

void pg_start(pg_proc *proc, const char *dir, const char *tag, const int *gate, const char *program,
              const char *const *args)
{
    size_t count = 0, i;
    char **argv;

    while (args[count])
        count++;
    if (!(argv = calloc(count + 2, sizeof(*argv))))
        harness_fail("out of memory\n");
    argv[0] = (char *)program;
    for (i = 0; i < count; i++)
        argv[i + 1] = (char *)args[i];
    proc->command = gen_format("%s", cli_base_name(program));
    for (i = 0; i < count; i++) {
        char *longer = gen_format("%s %s", proc->command, args[i]);
        free(proc->command);
        proc->command = longer;
    }
    proc->out_path = gen_format("%s/%s.out", dir, tag);
    proc->err_path = gen_format("%s/%s.err", dir, tag);
    fflush(stdout);
    fflush(stderr);
    proc->started = pg_now();
    proc->pid = fork();
    if (proc->pid < 0)
        harness_fail("fork: %s\n", strerror(errno));
    if (proc->pid == 0) {
        int out = open(proc->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = open(proc->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        char byte;
        if (out < 0 || err < 0)
            _exit(125);
        dup2(out, STDOUT_FILENO);
        dup2(err, STDERR_FILENO);
        close(out);
        close(err);
        if (gate) {
            close(gate[1]);
            while (read(gate[0], &byte, 1) < 0 && errno == EINTR)
                ;
            close(gate[0]);
        }
        unsetenv("DATABASE_URL");
        execv(program, argv);
        dprintf(STDERR_FILENO, "exec %s: %s\n", program, strerror(errno));
        _exit(125);
    }
    free(argv);
}

static void collect(pg_proc *proc, gen_result *result, int status)
{
    result->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result->out = gen_read(proc->out_path, NULL);
    result->err = gen_read(proc->err_path, NULL);
    if (!result->out)
        result->out = gen_format("%s", "");
    if (!result->err)
        result->err = gen_format("%s", "");
}

double pg_wait(pg_proc *proc, gen_result *result, double timeout)
{
    double deadline = proc->started + timeout;
    int status;

    for (;;) {
        pid_t done = waitpid(proc->pid, &status, WNOHANG);
        if (done == proc->pid)
            break;
        if (done < 0 && errno != EINTR)
            harness_fail("waitpid: %s\n", strerror(errno));
        if (pg_now() > deadline) {
            kill(proc->pid, SIGKILL);
            while (waitpid(proc->pid, &status, 0) < 0 && errno == EINTR)
                ;
            collect(proc, result, status);
            harness_fail("`%s` did not finish within %.0f s (killed: it hangs)\nstdout:\n%s\n"
                         "stderr:\n%s\n",
                         proc->command, timeout, result->out, result->err);
        }
        {
            struct timespec pause = {0, 5 * 1000 * 1000};
            nanosleep(&pause, NULL);
        }
    }
    collect(proc, result, status);
    return pg_now() - proc->started;
}

void pg_kill9(pg_proc *proc)
{
    int status;
    kill(proc->pid, SIGKILL);
    while (waitpid(proc->pid, &status, 0) < 0 && errno == EINTR)
        ;
}

void pg_proc_free(pg_proc *proc)
{
    free(proc->out_path);
    free(proc->err_path);
    free(proc->command);
    proc->out_path = proc->err_path = proc->command = NULL;
}

double pg_run(gen_result *result, double timeout, const char *program, const char *const *args)
{
    char *dir = gen_temp_dir();
    pg_proc proc;
    double seconds;
    pg_start(&proc, dir, "run", NULL, program, args);
    seconds = pg_wait(&proc, result, timeout);
    pg_proc_free(&proc);
    gen_remove_tree(dir);
    free(dir);
    return seconds;
}

char *pg_fresh_database(void)
{
    char *url = pg_test_create_database();
    if (!url)
        harness_fail("cannot create a test database\n");
    return url;
}

PGconn *pg_open(const char *url)
{
    PGconn *conn = pg_test_connect(url);
    if (!conn)
        harness_fail("cannot connect to %s\n", url);
    return conn;
}

static PGresult *checked(PGconn *conn, const char *sql, int rows)
{
    PGresult *result = PQexec(conn, sql);
    ExecStatusType status = PQresultStatus(result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        print_error("%s: %s", sql, PQerrorMessage(conn));
        PQclear(result);
        _fail(__FILE__, __LINE__);
    }
    if (rows >= 0 && (status != PGRES_TUPLES_OK || PQntuples(result) != rows)) {
        print_error("%s: expected %d row(s), got %d\n", sql, rows, PQntuples(result));
        PQclear(result);
        _fail(__FILE__, __LINE__);
    }
    return result;
}

void pq_ok(PGconn *conn, const char *sql)
{
    PQclear(checked(conn, sql, -1));
}

long long pq_int(PGconn *conn, const char *sql)
{
    PGresult *result = checked(conn, sql, 1);
    long long value = strtoll(PQgetvalue(result, 0, 0), NULL, 10);
    PQclear(result);
    return value;
}

char *pq_text(PGconn *conn, const char *sql)
{
    PGresult *result = checked(conn, sql, 1);
    char *value = PQgetisnull(result, 0, 0) ? NULL : gen_format("%s", PQgetvalue(result, 0, 0));
    PQclear(result);
    return value;
}

char *pq_column(PGconn *conn, const char *sql)
{
    PGresult *result = checked(conn, sql, -1);
    char *joined = gen_format("%s", "");
    int i;
    for (i = 0; i < PQntuples(result); i++) {
        char *next = gen_format("%s%s%s", joined, i ? "," : "", PQgetvalue(result, i, 0));
        free(joined);
        joined = next;
    }
    PQclear(result);
    return joined;
}

int64_t pg_advisory_key(const char *database, const char *prefix, const char *source)
{
    migrator__sha256 sha;
    unsigned char digest[MIGRATOR__SHA256_SIZE];
    uint64_t key = 0;
    int i;

    /* Spelled out byte by byte rather than copied from the adapter. */
    migrator__sha256_init(&sha);
    migrator__sha256_update(&sha, "migrator\0", 9);
    migrator__sha256_update(&sha, database, strlen(database));
    migrator__sha256_update(&sha, "\0", 1);
    migrator__sha256_update(&sha, prefix, strlen(prefix));
    migrator__sha256_update(&sha, "\0", 1);
    migrator__sha256_update(&sha, source, strlen(source));
    migrator__sha256_final(&sha, digest);
    for (i = 0; i < 8; i++)
        key = (key << 8) | digest[i];
    return (int64_t)key;
}
