/*
 * runtime.concurrency: processes that migrate one database at once through
 * the C API (SPEC.md "Locking on SQLite", docs/api.md "Locking and
 * concurrency on PostgreSQL"). Each round starts from a new, empty database
 * (a new file; on PostgreSQL a new database without schema_migrations, so
 * that the first-boot race on creating it is exercised every round); 8
 * forked children open it and run all 50 migrations of the conc fixture
 * (each inserts a row into `hits` and creates a table) up at the same
 * moment. Every child must return MIGRATOR_OK; each migration must have run
 * exactly once: 50 rows in `hits`, 50 versions, and the children's `ran`
 * lists together are exactly the 50 versions, none twice. On PostgreSQL
 * under each lock mode: the table lock (the default) and the advisory lock
 * (MIGRATOR_LOCK_NONE gives no such guarantee and is not run).
 *
 * SPDX-License-Identifier: MIT
 */
#define _XOPEN_SOURCE 700
#include "rt_harness.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rt_conc_migrations.h"

#define PROCESSES 8
#define ROUNDS 20
#define MIGRATIONS 50

static double now_seconds(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* What a child reports through its pipe: its result, its message, and the
 * versions it ran. */
typedef struct child_report {
    int result;
    char errmsg[400];
    size_t count;
    int64_t ran[MIGRATIONS];
} child_report;

static int write_all(int fd, const void *data, size_t size)
{
    const char *at = data;
    while (size > 0) {
        ssize_t done = write(fd, at, size);
        if (done < 0 && errno == EINTR)
            continue;
        if (done <= 0)
            return -1;
        at += done;
        size -= (size_t)done;
    }
    return 0;
}

static int read_all(int fd, void *data, size_t size)
{
    char *at = data;
    while (size > 0) {
        ssize_t done = read(fd, at, size);
        if (done < 0 && errno == EINTR)
            continue;
        if (done <= 0)
            return -1;
        at += done;
        size -= (size_t)done;
    }
    return 0;
}

/* The child: wait for the start signal, migrate, report, exit. */
static void child_main(const char *url, migrator_lock_mode mode, int start_fd, int report_fd)
{
    migrator_repo_config config = MIGRATOR_REPO_CONFIG_INIT;
    child_report report;
    migrator_repo *repo = NULL;
    migrator_run_opts opts = MIGRATOR_RUN_OPTS_INIT;
    migrator_versions ran = {NULL, 0};
    char go;
    size_t i;

    memset(&report, 0, sizeof(report));
    while (read(start_fd, &go, 1) < 0 && errno == EINTR)
        ;
    close(start_fd);
    opts.log = MIGRATOR_LOG_OFF;
    opts.strategy = MIGRATOR_STRATEGY_ALL;
    config.migration_lock = mode;
    report.result = migrator_open(&repo, url, &config);
    if (report.result == MIGRATOR_OK) {
        report.result = migrator_run(repo, &rt_conc_migrations, MIGRATOR_UP, &opts, &ran);
        snprintf(report.errmsg, sizeof(report.errmsg), "%s", migrator_errmsg(repo));
        report.count = ran.count < MIGRATIONS ? ran.count : MIGRATIONS;
        for (i = 0; i < report.count; i++)
            report.ran[i] = ran.items[i];
        if (ran.count > MIGRATIONS)
            report.result = -1000; /* more than there are */
        migrator_versions_free(&ran);
        migrator_close(repo);
    } else {
        snprintf(report.errmsg, sizeof(report.errmsg), "%s", migrator_errmsg(NULL));
    }
    _exit(write_all(report_fd, &report, sizeof(report)) == 0 ? 0 : 3);
}

static void concurrent_rounds(rt_env *env, migrator_lock_mode mode)
{
    double started = now_seconds();
    int round;

    assert_int_equal(rt_conc_migrations.count, MIGRATIONS);
    for (round = 0; round < ROUNDS; round++) {
        char *name = rt_format("round%d", round);
        const char *db = rt_new_db(env, name);
        char *url = rt_db_url(db);
        pid_t children[PROCESSES];
        int reports[PROCESSES];
        int start[2], i;
        int seen[MIGRATIONS];
        size_t total = 0;

        memset(seen, 0, sizeof(seen));
        assert_int_equal(pipe(start), 0);
        fflush(stdout);
        fflush(stderr);
        for (i = 0; i < PROCESSES; i++) {
            int report[2];
            assert_int_equal(pipe(report), 0);
            children[i] = fork();
            assert_true(children[i] >= 0);
            if (children[i] == 0) {
                int j;
                close(start[1]);
                close(report[0]);
                for (j = 0; j < i; j++)
                    close(reports[j]);
                child_main(url, mode, start[0], report[1]);
            }
            close(report[1]);
            reports[i] = report[0];
        }
        /* All forked: closing the write end lets them all go. */
        close(start[0]);
        close(start[1]);

        for (i = 0; i < PROCESSES; i++) {
            child_report report;
            int status, got = read_all(reports[i], &report, sizeof(report));
            size_t k;
            close(reports[i]);
            while (waitpid(children[i], &status, 0) < 0)
                assert_int_equal(errno, EINTR);
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || got != 0)
                fail_msg("round %d, child %d: %s %d", round, i,
                         WIFEXITED(status) ? "exit status" : "killed by signal",
                         WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
            if (report.result != MIGRATOR_OK)
                fail_msg("round %d, child %d: migrator_run = %d (%s): %s", round, i, report.result,
                         migrator_strerror(report.result), report.errmsg);
            for (k = 0; k < report.count; k++) {
                int64_t index = report.ran[k] - rt_conc_migrations.migrations[0].version;
                if (index < 0 || index >= MIGRATIONS)
                    fail_msg("round %d, child %d ran an unknown version %" PRId64, round, i,
                             report.ran[k]);
                if (seen[index]++)
                    fail_msg("round %d: version %" PRId64 " ran twice", round, report.ran[k]);
                /* Each child's list ascends. */
                if (k > 0 && report.ran[k] <= report.ran[k - 1])
                    fail_msg("round %d, child %d: ran out of order", round, i);
            }
            total += report.count;
        }
        assert_int_equal(total, MIGRATIONS);
        assert_int_equal(rt_int(db, "SELECT count(*) FROM hits"), MIGRATIONS);
        assert_int_equal(rt_int(db, "SELECT count(DISTINCT version) FROM hits"), MIGRATIONS);
        assert_int_equal(rt_int(db, "SELECT count(*) FROM schema_migrations"), MIGRATIONS);
        assert_int_equal(rt_int(db, "SELECT count(*) FROM hits JOIN schema_migrations "
                                    "USING (version)"),
                         MIGRATIONS);
        assert_int_equal(rt_int(db, rt_pg() ? "SELECT count(*) FROM pg_tables WHERE schemaname = "
                                              "'public' AND tablename LIKE 't\\_%'"
                                            : "SELECT count(*) FROM sqlite_master WHERE type = "
                                              "'table' AND name GLOB 't_*'"),
                         MIGRATIONS);
        free(name);
        free(url);
    }
    print_message("%s: %d rounds of %d processes in %.1f s\n", rt_backend_name(), ROUNDS, PROCESSES,
                  now_seconds() - started);
}

/* The default lock: SQLite BEGIN IMMEDIATE, PostgreSQL LOCK TABLE. */
static void concurrent_run(void **state)
{
    concurrent_rounds(RT_ENV(state), MIGRATOR_LOCK_DEFAULT);
}

static void concurrent_run_advisory(void **state)
{
    RT_ONLY(RT_POSTGRES, "SQLite has no advisory lock (migrator_open: MIGRATOR_EUNSUPPORTED, "
                         "checked in runtime.options lock_switches)");
    concurrent_rounds(RT_ENV(state), MIGRATOR_LOCK_ADVISORY);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(concurrent_run, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(concurrent_run_advisory, rt_setup, rt_teardown),
    };
    return RT_MAIN("concurrency", tests);
}
