/*
 * cli.concurrency: many processes run `migrate` on one SQLite file at once
 * (DESIGN.md §5, SPEC.md "Locking on SQLite"). Each round starts from a new
 * file; 8 copies of the concrepo binary (50 migrations, each inserting a row
 * into `hits` and creating a table) start together. Every process must exit
 * 0, each migration must have run exactly once (50 rows in `hits`, 50
 * versions, 50 `== Migrated` lines across all the processes' logs).
 *
 * SPDX-License-Identifier: MIT
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli_harness.h"

#define PROCESSES 8
#define ROUNDS 20
#define MIGRATIONS 50

static double now_seconds(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* Starts program migrate --url url with stdout and stderr in files of dir. */
static pid_t start(const char *program, const char *dir, const char *url, int index,
                   const int start_pipe[2])
{
    char *out = gen_format("%s/out.%d", dir, index);
    char *err = gen_format("%s/err.%d", dir, index);
    pid_t child;

    fflush(stdout);
    fflush(stderr);
    child = fork();
    if (child < 0)
        fail_msg("fork: %s", strerror(errno));
    if (child == 0) {
        int out_fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err_fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        char go;
        if (out_fd < 0 || err_fd < 0)
            _exit(125);
        dup2(out_fd, STDOUT_FILENO);
        dup2(err_fd, STDERR_FILENO);
        close(out_fd);
        close(err_fd);
        /* Wait until every process is forked, then go together: the parent
         * closes the pipe's write end, the last one. */
        close(start_pipe[1]);
        while (read(start_pipe[0], &go, 1) < 0 && errno == EINTR)
            ;
        close(start_pipe[0]);
        execl(program, program, "migrate", "--url", url, (char *)NULL);
        _exit(125);
    }
    free(out);
    free(err);
    return child;
}

static void concurrent_migrate(void **state)
{
    const char *program = cli_program("CLI_CONC");
    double started = now_seconds();
    int round;

    (void)state;
    unsetenv("DATABASE_URL");
    for (round = 0; round < ROUNDS; round++) {
        char *dir = gen_temp_dir();
        char *db = gen_path(dir, "conc.db");
        char *url = gen_format("sqlite:%s", db);
        pid_t children[PROCESSES];
        int pipe_fds[2], i, running = 0, migrated = 0;

        if (pipe(pipe_fds) != 0)
            fail_msg("pipe: %s", strerror(errno));
        for (i = 0; i < PROCESSES; i++)
            children[i] = start(program, dir, url, i, pipe_fds);
        close(pipe_fds[0]);
        close(pipe_fds[1]); /* end of file: all children go */

        for (i = 0; i < PROCESSES; i++) {
            int status;
            char *err_name = gen_format("err.%d", i);
            char *out_name = gen_format("out.%d", i);
            char *err, *out;
            while (waitpid(children[i], &status, 0) < 0)
                if (errno != EINTR)
                    fail_msg("waitpid: %s", strerror(errno));
            err = gen_read_at(dir, err_name, NULL);
            out = gen_read_at(dir, out_name, NULL);
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                fail_msg("round %d, process %d: %s %d\nstderr:\n%s", round, i,
                         WIFEXITED(status) ? "exit status" : "killed by signal",
                         WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
                         err ? err : "(none)");
            assert_non_null(err);
            assert_non_null(out);
            assert_string_equal(out, "");
            assert_lacks(err, "error");
            running += (int)cli_count(err, "== Running ");
            migrated += (int)cli_count(err, "== Migrated ");
            free(err);
            free(out);
            free(err_name);
            free(out_name);
        }

        assert_int_equal(db_int(db, "SELECT count(*) FROM hits"), MIGRATIONS);
        assert_int_equal(db_int(db, "SELECT count(DISTINCT version) FROM hits"), MIGRATIONS);
        assert_int_equal(db_int(db, "SELECT count(*) FROM schema_migrations"), MIGRATIONS);
        assert_int_equal(db_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                                    "AND name GLOB 't_*'"),
                         MIGRATIONS);
        assert_int_equal(db_int(db, "SELECT count(*) FROM hits JOIN schema_migrations "
                                    "USING (version)"),
                         MIGRATIONS);
        /* Each migration ran once, in one process; the others skipped it
         * silently. */
        assert_int_equal(migrated, MIGRATIONS);
        assert_int_equal(running, MIGRATIONS);

        gen_remove_tree(dir);
        free(dir);
        free(db);
        free(url);
    }
    print_message("%d rounds of %d processes in %.1f s\n", ROUNDS, PROCESSES,
                  now_seconds() - started);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(concurrent_migrate)};
    return cmocka_run_group_tests_name("cli.concurrency", tests, NULL, NULL);
}
