/*
 * PostgreSQL-specific behaviour of the runtime (issue 4, "Tests"; docs/api.md
 * "Locking and concurrency on PostgreSQL", "Prefix (tenant schemas)",
 * "Errors and notices"). The migrating binaries of the fixture repos under
 * fixtures/ (built by CMakeLists.txt, main() = migrator_main) run against a
 * fresh database per case on the throwaway server of tests/pg, each with a
 * deadline so that a hang fails the case instead of blocking the suite; the
 * database is checked with libpq. Two cases use the C API where a process
 * cannot show the point: a failed run whose repo stays open, and a rerun
 * right after kill -9.
 *
 * `test_postgres GROUP` runs one group of cases (ctest: postgres.GROUP).
 *
 * SPDX-License-Identifier: MIT
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <inttypes.h>
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
#include <stdint.h>
#include <cmocka.h>

#include "pg_harness.h"
#include "pg_test_db.h"
#include "pgfail_migrations.h"
#include "pgkill_migrations.h"
#include "pgtenant_migrations.h"

#define V1 "20240101000001"
#define V2 "20240101000002"
#define V3 "20240101000003"

#define UP(version, name) "== Running " version " " name " up\n== Migrated " version " in 0.0s\n"

/* Locks in the current database only: other tests run beside this one. */
#define ADVISORY_LOCKS                                                                             \
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "                    \
    "(SELECT oid FROM pg_database WHERE datname = current_database())"
#define TABLE_LOCKS                                                                                \
    "SELECT count(*) FROM pg_locks WHERE relation = to_regclass('schema_migrations') "             \
    "AND mode = 'ShareUpdateExclusiveLock'"
#define VERSIONS "SELECT version FROM schema_migrations ORDER BY version"

/* A fresh database per case. */
typedef struct db {
    char *url;    /* postgresql:///NAME?host=...&port=...&user=... */
    char *name;   /* current_database() */
    PGconn *conn; /* for assertions */
} db;

static int setup(void **state)
{
    db *d = calloc(1, sizeof(*d));
    if (!d || !(d->url = pg_test_create_database()) || !(d->conn = pg_test_connect(d->url)))
        return -1;
    d->name = pq_text(d->conn, "SELECT current_database()");
    *state = d;
    return 0;
}

static int teardown(void **state)
{
    db *d = *state;
    if (!d)
        return 0;
    PQfinish(d->conn);
    pg_test_drop_database(d->url);
    free(d->url);
    free(d->name);
    free(d);
    return 0;
}

/* url with one more query parameter, malloc'd. */
static char *url_with(const char *url, const char *parameter)
{
    return gen_format("%s%c%s", url, strchr(url, '?') ? '&' : '?', parameter);
}

/* url (postgresql:///NAME?...) with user postgres and a password. */
static char *url_with_password(const char *url, const char *password)
{
    static const char scheme[] = "postgresql:///";
    assert_true(strncmp(url, scheme, strlen(scheme)) == 0);
    return gen_format("postgresql://postgres:%s@/%s", password, url + strlen(scheme));
}

static void assert_versions_are(PGconn *conn, const char *expected)
{
    char *versions = pq_column(conn, VERSIONS);
    assert_string_equal(versions, expected);
    free(versions);
}

static int has_relation(PGconn *conn, const char *name)
{
    char *sql = gen_format("SELECT to_regclass('%s') IS NOT NULL", name);
    char *value = pq_text(conn, sql);
    int has = strcmp(value, "t") == 0;
    free(value);
    free(sql);
    return has;
}

/* How many lines of text are exactly line. */
static size_t count_lines(const char *text, const char *line)
{
    size_t count = 0, length = strlen(line);
    const char *p = text;
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == length && strncmp(p, line, length) == 0)
            count++;
        p += n + (end ? 1 : 0);
    }
    return count;
}

#define LOCK_TABLE_LINE "LOCK TABLE \"schema_migrations\" IN SHARE UPDATE EXCLUSIVE MODE"

/* Creates the migrations table (the status does). */
static void create_migrations_table(db *d)
{
    gen_result r;
    PG_RUN(&r, 30, pg_bin("pglock"), "migrations", "--url", d->url);
    assert_cli(&r, 0, NULL, "");
    gen_result_free(&r);
}

/* The key in the first "pg_try_advisory_lock(KEY)" of a log. */
static int64_t logged_key(const char *log)
{
    const char *at = strstr(log, "SELECT pg_try_advisory_lock(");
    if (!at)
        fail_msg("no pg_try_advisory_lock in the log:\n%s", log);
    return (int64_t)strtoll(at + strlen("SELECT pg_try_advisory_lock("), NULL, 10);
}

/* ---- 1. lock strategies ------------------------------------------------- */

/* The default (and --migration-lock table): per migration, on the lock
 * connection, BEGIN; SET LOCAL lock_timeout; LOCK TABLE ... IN SHARE UPDATE
 * EXCLUSIVE MODE before the migration starts, COMMIT after it. */
static void check_table_lock_log(const gen_result *r, const char *first_running)
{
    assert_cli(r, 0, "", NULL);
    assert_int_equal(count_lines(r->err, "SET LOCAL lock_timeout = 15000"), 3);
    assert_int_equal(count_lines(r->err, LOCK_TABLE_LINE), 3);
    assert_before(r->err, LOCK_TABLE_LINE "\n", first_running);
    assert_before(r->err, first_running, "COMMIT\n== Migrated ");
    assert_lacks(r->err, "pg_try_advisory_lock");
    assert_lacks(r->err, "pg_advisory_unlock");
}

static void locks_table_default(void **state)
{
    db *d = *state;
    gen_result r;
    char *types;

    PG_RUN(&r, 30, pg_bin("pglock"), "migrate", "--url", d->url, "--log-migrator-sql");
    check_table_lock_log(&r, "== Running " V1 " create_authors up\n");
    gen_result_free(&r);
    assert_versions_are(d->conn, V1 "," V2 "," V3);
    assert_int_equal(pq_int(d->conn, "SELECT count(*) FROM authors"), 2);
    /* Ecto's table: version bigint primary key, inserted_at timestamp(0). */
    types = pq_column(d->conn, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                               "WHERE attrelid = 'schema_migrations'::regclass AND attnum > 0 "
                               "AND NOT attisdropped ORDER BY attnum");
    assert_string_equal(types, "bigint,timestamp(0) without time zone");
    free(types);
    assert_int_equal(pq_int(d->conn, "SELECT count(*) FROM pg_index WHERE indrelid = "
                                     "'schema_migrations'::regclass AND indisprimary"),
                     1);
}

static void locks_table_explicit(void **state)
{
    db *d = *state;
    gen_result r;

    PG_RUN(&r, 30, pg_bin("pglock"), "migrate", "--url", d->url, "--log-migrator-sql",
           "--migration-lock", "table");
    check_table_lock_log(&r, "== Running " V1 " create_authors up\n");
    gen_result_free(&r);
    assert_versions_are(d->conn, V1 "," V2 "," V3);

    /* Rolling back takes the same lock. */
    PG_RUN(&r, 30, pg_bin("pglock"), "rollback", "--all", "--url", d->url, "--log-migrator-sql",
           "--migration-lock", "table");
    check_table_lock_log(&r, "== Running " V3 " seed_authors down\n");
    gen_result_free(&r);
    assert_versions_are(d->conn, "");
}

/* advisory: pg_try_advisory_lock(KEY) before and pg_advisory_unlock(KEY)
 * after each migration, with the documented key; no LOCK TABLE. */
static void locks_advisory(void **state)
{
    db *d = *state;
    int64_t key = pg_advisory_key(d->name, "", "schema_migrations");
    char *try_lock = gen_format("SELECT pg_try_advisory_lock(%" PRId64 ")", key);
    char *unlock = gen_format("SELECT pg_advisory_unlock(%" PRId64 ")", key);
    gen_result r;

    PG_RUN(&r, 30, pg_bin("pglock"), "migrate", "--url", d->url, "--log-migrator-sql",
           "--migration-lock", "advisory");
    assert_cli(&r, 0, "", NULL);
    assert_int_equal(logged_key(r.err), key);
    assert_int_equal(count_lines(r.err, try_lock), 3);
    assert_int_equal(count_lines(r.err, unlock), 3);
    assert_before(r.err, try_lock, "== Running " V1 " create_authors up\n");
    assert_before(r.err, "== Migrated " V1, unlock);
    assert_lacks(r.err, "LOCK TABLE");
    gen_result_free(&r);
    assert_versions_are(d->conn, V1 "," V2 "," V3);
    assert_int_equal(pq_int(d->conn, ADVISORY_LOCKS), 0);

    PG_RUN(&r, 30, pg_bin("pglock"), "rollback", "--all", "--url", d->url, "--log-migrator-sql",
           "--migration-lock", "advisory");
    assert_cli(&r, 0, "", NULL);
    assert_int_equal(count_lines(r.err, try_lock), 3);
    assert_int_equal(count_lines(r.err, unlock), 3);
    assert_lacks(r.err, "LOCK TABLE");
    gen_result_free(&r);
    assert_versions_are(d->conn, "");
    free(try_lock);
    free(unlock);
}

/* none: neither LOCK TABLE nor the session advisory lock. */
static void locks_none(void **state)
{
    db *d = *state;
    gen_result r;

    PG_RUN(&r, 30, pg_bin("pglock"), "migrate", "--url", d->url, "--log-migrator-sql",
           "--migration-lock", "none");
    assert_cli(&r, 0, "", NULL);
    assert_lacks(r.err, "LOCK TABLE");
    assert_lacks(r.err, "pg_try_advisory_lock");
    assert_lacks(r.err, "pg_advisory_unlock");
    assert_int_equal(cli_count(r.err, "== Migrated "), 3);
    gen_result_free(&r);
    assert_versions_are(d->conn, V1 "," V2 "," V3);
}

/* The advisory key is the documented derivation, with the prefix and the
 * migration source in it. */
static void advisory_key_derivation(void **state)
{
    db *d = *state;
    int64_t plain = pg_advisory_key(d->name, "", "schema_migrations");
    int64_t tenant = pg_advisory_key(d->name, "tenant_a", "my_migrations");
    gen_result r;

    assert_true(plain != tenant);
    PG_RUN(&r, 30, pg_bin("pglock"), "migrate", "--url", d->url, "--log-migrator-sql",
           "--migration-lock", "advisory", "--step", "1");
    assert_cli(&r, 0, "", NULL);
    assert_int_equal(logged_key(r.err), plain);
    gen_result_free(&r);

    PG_RUN(&r, 30, pg_bin("pglock"), "migrate", "--url", d->url, "--log-migrator-sql",
           "--migration-lock", "advisory", "--prefix", "tenant_a", "--migration-source",
           "my_migrations", "--step", "1");
    assert_cli(&r, 0, "", NULL);
    assert_int_equal(logged_key(r.err), tenant);
    gen_result_free(&r);
    assert_int_equal(pq_int(d->conn, "SELECT count(*) FROM tenant_a.my_migrations"), 1);
}

/* A holder of pg_advisory_lock(documented key) blocks an advisory migrator:
 * the key is the one actually locked, not just the one logged. */
static void advisory_key_is_the_lock(void **state)
{
    db *d = *state;
    int64_t key = pg_advisory_key(d->name, "", "schema_migrations");
    char *sql = gen_format("SELECT pg_advisory_lock(%" PRId64 ")", key);
    gen_result r;

    create_migrations_table(d);
    pq_ok(d->conn, sql);
    PG_RUN(&r, 30, pg_bin("pglock"), "migrate", "--url", d->url, "--migration-lock", "advisory",
           "--lock-timeout", "200");
    assert_cli(&r, 1, "", NULL);
    assert_contains(r.err, "timed out after 200 ms waiting for the migration lock");
    gen_result_free(&r);
    assert_versions_are(d->conn, "");
    free(sql);
    sql = gen_format("SELECT pg_advisory_unlock(%" PRId64 ")", key);
    pq_ok(d->conn, sql);
    free(sql);
    PG_RUN(&r, 30, pg_bin("pglock"), "migrate", "--url", d->url, "--migration-lock", "advisory",
           "--lock-timeout", "200");
    assert_cli(&r, 0, "", NULL);
    gen_result_free(&r);
    assert_versions_are(d->conn, V1 "," V2 "," V3);
}

/* ---- 2. concurrent processes on an empty database ----------------------- */

enum { PROCESSES = 8, ROUNDS = 20, CONC_MIGRATIONS = 50 };

static void concurrent_rounds(const char *lock, int rounds)
{
    const char *program = pg_bin("pgconc");
    double started = pg_now(), slowest = 0;
    int round;

    for (round = 0; round < rounds; round++) {
        char *dir = gen_temp_dir();
        char *url = pg_fresh_database();
        PGconn *conn = pg_open(url);
        pg_proc procs[PROCESSES];
        int gate[2], i, running = 0, migrated = 0;

        if (pipe(gate) != 0)
            fail_msg("pipe: %s", strerror(errno));
        for (i = 0; i < PROCESSES; i++) {
            char tag[16];
            snprintf(tag, sizeof(tag), "p%d", i);
            pg_start(
                &procs[i], dir, tag, gate, program,
                (const char *const[]){"migrate", "--url", url, "--migration-lock", lock, NULL});
        }
        close(gate[0]);
        close(gate[1]); /* end of file: every process goes */
        for (i = 0; i < PROCESSES; i++) {
            gen_result r;
            double seconds = pg_wait(&procs[i], &r, 60);
            if (seconds > slowest)
                slowest = seconds;
            if (r.status != 0)
                fail_msg("round %d (%s), process %d: exit status %d\nstderr:\n%s", round, lock, i,
                         r.status, r.err);
            assert_string_equal(r.out, "");
            assert_lacks(r.err, "error");
            running += (int)cli_count(r.err, "== Running ");
            migrated += (int)cli_count(r.err, "== Migrated ");
            gen_result_free(&r);
            pg_proc_free(&procs[i]);
        }
        assert_int_equal(pq_int(conn, "SELECT count(*) FROM hits"), CONC_MIGRATIONS);
        assert_int_equal(pq_int(conn, "SELECT count(DISTINCT version) FROM hits"), CONC_MIGRATIONS);
        assert_int_equal(pq_int(conn, "SELECT count(*) FROM schema_migrations"), CONC_MIGRATIONS);
        assert_int_equal(pq_int(conn, "SELECT count(*) FROM hits JOIN schema_migrations "
                                      "USING (version)"),
                         CONC_MIGRATIONS);
        assert_int_equal(pq_int(conn, "SELECT count(*) FROM pg_tables WHERE schemaname = "
                                      "'public' AND tablename LIKE 't\\_%'"),
                         CONC_MIGRATIONS);
        /* Each migration ran once, in one process; the others skipped it. */
        assert_int_equal(running, CONC_MIGRATIONS);
        assert_int_equal(migrated, CONC_MIGRATIONS);
        PQfinish(conn);
        pg_test_drop_database(url);
        free(url);
        gen_remove_tree(dir);
        free(dir);
    }
    print_message("%d rounds of %d processes (--migration-lock %s) in %.1f s, slowest "
                  "process %.2f s\n",
                  rounds, PROCESSES, lock, pg_now() - started, slowest);
}

static void concurrency_table(void **state)
{
    (void)state;
    concurrent_rounds("table", ROUNDS);
}

static void concurrency_advisory(void **state)
{
    (void)state;
    concurrent_rounds("advisory", ROUNDS);
}

/* ---- 3. CREATE INDEX CONCURRENTLY under every lock ----------------------- */

#define VALID_INDEXES                                                                              \
    "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "                     \
    "WHERE c.relname IN ('items_sku_idx', 'items_price_idx') AND i.indisvalid AND i.indisready"

/* lock: a --migration-lock value, or NULL for the default. */
static void concurrently_under(db *d, const char *lock)
{
    const char *program = pg_bin("pgidx");
    gen_result r;
    double seconds;

    if (lock)
        seconds = PG_RUN(&r, 30, program, "migrate", "--url", d->url, "--log-migrator-sql",
                         "--migration-lock", lock);
    else
        seconds = PG_RUN(&r, 30, program, "migrate", "--url", d->url, "--log-migrator-sql");
    assert_cli(&r, 0, "", NULL);
    assert_contains(r.err, "== Migrated " V2 " in ");
    gen_result_free(&r);
    print_message("migrate with CREATE INDEX CONCURRENTLY (%s): %.2f s\n", lock ? lock : "default",
                  seconds);
    assert_int_equal(pq_int(d->conn, VALID_INDEXES), 2);
    assert_versions_are(d->conn, V1 "," V2 "," V3);
    assert_int_equal(pq_int(d->conn, ADVISORY_LOCKS), 0);

    /* And back: DROP INDEX CONCURRENTLY, also outside a transaction. */
    if (lock)
        PG_RUN(&r, 30, program, "rollback", "--all", "--url", d->url, "--migration-lock", lock);
    else
        PG_RUN(&r, 30, program, "rollback", "--all", "--url", d->url);
    assert_cli(&r, 0, "", NULL);
    gen_result_free(&r);
    assert_false(has_relation(d->conn, "items"));
    assert_versions_are(d->conn, "");
}

/* Under the default table lock the non-transactional migration takes the
 * session advisory lock instead (never the table lock, on which
 * CONCURRENTLY would wait forever, ecto#2977). */
static void concurrently_table_default(void **state)
{
    db *d = *state;
    int64_t key = pg_advisory_key(d->name, "", "schema_migrations");
    char *try_lock = gen_format("SELECT pg_try_advisory_lock(%" PRId64 ")", key);
    gen_result r;

    PG_RUN(&r, 30, pg_bin("pgidx"), "migrate", "--url", d->url, "--log-migrator-sql");
    assert_cli(&r, 0, "", NULL);
    assert_int_equal(count_lines(r.err, LOCK_TABLE_LINE), 2);
    assert_int_equal(count_lines(r.err, try_lock), 1);
    assert_before(r.err, try_lock, "\n== Running " V2 " index_items up\n");
    assert_before(r.err, "== Migrated " V2, "SELECT pg_advisory_unlock(");
    gen_result_free(&r);
    free(try_lock);
    assert_int_equal(pq_int(d->conn, VALID_INDEXES), 2);
    PG_RUN(&r, 30, pg_bin("pgidx"), "rollback", "--all", "--url", d->url);
    assert_cli(&r, 0, "", NULL);
    gen_result_free(&r);
    concurrently_under(d, NULL);
}

static void concurrently_table(void **state)
{
    concurrently_under(*state, "table");
}

static void concurrently_advisory(void **state)
{
    concurrently_under(*state, "advisory");
}

static void concurrently_none(void **state)
{
    concurrently_under(*state, "none");
}

/* ---- 4. lock timeout with a holder -------------------------------------- */

/* A connection named lockholder to d's database; *pid gets its backend pid. */
static PGconn *lockholder(db *d, long long *pid)
{
    char *url = url_with(d->url, "application_name=lockholder");
    PGconn *conn = pg_open(url);
    free(url);
    *pid = pq_int(conn, "SELECT pg_backend_pid()");
    return conn;
}

/* migrate --lock-timeout 500 while the holder holds mode on the table. */
static void table_holder(db *d, const char *mode)
{
    char *lock_sql = gen_format("LOCK TABLE schema_migrations IN %s MODE", mode);
    char *named;
    gen_result r;
    long long pid;
    double seconds;
    PGconn *holder;

    create_migrations_table(d);
    holder = lockholder(d, &pid);
    pq_ok(holder, "BEGIN");
    pq_ok(holder, lock_sql);
    seconds = PG_RUN(&r, 10, pg_bin("pglock"), "migrate", "--url", d->url, "--lock-timeout", "500");
    named = gen_format("held by pid %lld (application_name \"lockholder\")", pid);
    assert_cli(&r, 1, "", NULL);
    assert_contains(r.err, "timed out after 500 ms waiting for the migration lock");
    assert_contains(r.err, named);
    assert_contains(r.err, "application_name \"lockholder\"");
    assert_lacks(r.err, "== Running");
    if (seconds > 2.5)
        fail_msg("migrate --lock-timeout 500 took %.2f s", seconds);
    gen_result_free(&r);

    /* Once the holder is gone (read the versions only then: an ACCESS
     * EXCLUSIVE holder blocks this reader too), nothing was recorded, and
     * the same command proceeds. */
    pq_ok(holder, "ROLLBACK");
    PQfinish(holder);
    assert_versions_are(d->conn, "");
    PG_RUN(&r, 30, pg_bin("pglock"), "migrate", "--url", d->url, "--lock-timeout", "500");
    assert_cli(&r, 0, "", NULL);
    gen_result_free(&r);
    assert_versions_are(d->conn, V1 "," V2 "," V3);
    free(named);
    free(lock_sql);
}

/* The holder as the issue describes it: ACCESS EXCLUSIVE, which also blocks
 * reading the applied versions. */
static void lock_timeout_access_exclusive(void **state)
{
    table_holder(*state, "ACCESS EXCLUSIVE");
}

/* The holder as another migrator would be: the migration lock's own mode;
 * the whole error line is checked, with the URL's password hidden. */
static void lock_timeout_share_update_exclusive(void **state)
{
    db *d = *state;
    char *url = url_with_password(d->url, "s3cret");
    char *shown = url_with_password(d->url, "***"), *expected;
    gen_result r;
    long long pid;
    PGconn *holder;

    table_holder(d, "SHARE UPDATE EXCLUSIVE");
    PG_RUN(&r, 30, pg_bin("pglock"), "rollback", "--all", "--url", d->url);
    assert_cli(&r, 0, "", NULL);
    gen_result_free(&r);

    holder = lockholder(d, &pid);
    pq_ok(holder, "BEGIN");
    pq_ok(holder, "LOCK TABLE schema_migrations IN SHARE UPDATE EXCLUSIVE MODE");
    PG_RUN(&r, 10, pg_bin("pglock"), "migrate", "--url", url, "--lock-timeout", "500");
    expected = gen_format("pglock_main: error: timed out after 500 ms waiting for the migration "
                          "lock (LOCK TABLE \"schema_migrations\") on %s: held by pid %lld "
                          "(application_name \"lockholder\")\n",
                          shown, pid);
    assert_cli(&r, 1, "", expected);
    assert_lacks(r.err, "s3cret");
    gen_result_free(&r);
    pq_ok(holder, "ROLLBACK");
    PQfinish(holder);
    free(expected);
    free(shown);
    free(url);
}

/* The holder holds the advisory lock with the documented key. */
static void lock_timeout_advisory(void **state)
{
    db *d = *state;
    int64_t key = pg_advisory_key(d->name, "", "schema_migrations");
    char *sql = gen_format("SELECT pg_advisory_lock(%" PRId64 ")", key), *expected;
    gen_result r;
    long long pid;
    double seconds;
    PGconn *holder;

    create_migrations_table(d);
    holder = lockholder(d, &pid);
    pq_ok(holder, sql);
    seconds = PG_RUN(&r, 10, pg_bin("pglock"), "migrate", "--url", d->url, "--migration-lock",
                     "advisory", "--lock-timeout", "500");
    expected = gen_format("pglock_main: error: timed out after 500 ms waiting for the migration "
                          "lock (advisory lock %" PRId64 ") on %s: held by pid %lld "
                          "(application_name \"lockholder\")\n",
                          key, d->url, pid);
    assert_cli(&r, 1, "", expected);
    if (seconds > 2.5)
        fail_msg("migrate --lock-timeout 500 took %.2f s", seconds);
    gen_result_free(&r);
    assert_versions_are(d->conn, "");
    PQfinish(holder); /* ends the session and its lock */
    PG_RUN(&r, 30, pg_bin("pglock"), "migrate", "--url", d->url, "--migration-lock", "advisory",
           "--lock-timeout", "500");
    assert_cli(&r, 0, "", NULL);
    gen_result_free(&r);
    assert_versions_are(d->conn, V1 "," V2 "," V3);
    free(expected);
    free(sql);
}

/* The holder holds the documented advisory key while the database is still
 * empty: the first run's creation of the migrations table waits on the same
 * key (pg_advisory_xact_lock), and must give up after --lock-timeout too,
 * under either lock. */
static void lock_timeout_first_boot(void **state)
{
    static const char *const locks[] = {"table", "advisory"};
    db *d = *state;
    int64_t key = pg_advisory_key(d->name, "", "schema_migrations");
    char *sql = gen_format("SELECT pg_advisory_lock(%" PRId64 ")", key);
    long long pid;
    PGconn *holder = lockholder(d, &pid);
    size_t i;

    pq_ok(holder, sql);
    for (i = 0; i < 2; i++) {
        gen_result r;
        double seconds = PG_RUN(&r, 10, pg_bin("pglock"), "migrate", "--url", d->url,
                                "--migration-lock", locks[i], "--lock-timeout", "500");
        assert_cli(&r, 1, "", NULL);
        assert_contains(r.err, "application_name \"lockholder\"");
        if (seconds > 2.5)
            fail_msg("migrate --lock-timeout 500 took %.2f s", seconds);
        gen_result_free(&r);
    }
    PQfinish(holder);
    free(sql);
}

/* ---- 5. a failing migration releases the advisory lock ------------------ */

static void advisory_released_after_failure(void **state)
{
    db *d = *state;
    migrator_repo_config config = MIGRATOR_REPO_CONFIG_INIT;
    migrator_run_opts opts = MIGRATOR_RUN_OPTS_INIT;
    migrator_repo *repo = NULL;
    gen_result r;
    double seconds;

    config.migration_lock = MIGRATOR_LOCK_ADVISORY;
    opts.log = MIGRATOR_LOG_OFF;
    assert_int_equal(migrator_open(&repo, d->url, &config), MIGRATOR_OK);

    /* The failing migration alone: it fails, and while the repo (its lock
     * session) stays open no advisory lock is left in the database. */
    assert_int_equal(migrator_up(repo, &pgfail_migrations, 20240101000003, &opts), MIGRATOR_ESQL);
    assert_contains(migrator_errmsg(repo), "fixtures/pgfail/20240101000003_broken.sql:5:13: "
                                           "42P01: relation \"no_such_table\" does not exist");
    assert_int_equal(pq_int(d->conn, ADVISORY_LOCKS), 0);
    assert_true(pq_int(d->conn, "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                "current_database() AND pid <> pg_backend_pid()") >= 2);
    assert_false(has_relation(d->conn, "broken_half"));

    /* The next run, in another process, proceeds at once. */
    seconds = PG_RUN(&r, 10, pg_bin("pgfail"), "migrate", "--url", d->url, "--migration-lock",
                     "advisory", "--lock-timeout", "1000", "--to", V2);
    assert_cli(&r, 0, "", UP(V1, "create_orders") UP(V2, "create_lines"));
    gen_result_free(&r);
    if (seconds > 3.0)
        fail_msg("the run after the failure took %.2f s", seconds);
    assert_versions_are(d->conn, V1 "," V2);

    /* A run that stops at the failure: the same. */
    assert_int_equal(migrator_run(repo, &pgfail_migrations, MIGRATOR_UP, &opts, NULL),
                     MIGRATOR_ESQL);
    assert_int_equal(pq_int(d->conn, ADVISORY_LOCKS), 0);
    seconds = PG_RUN(&r, 10, pg_bin("pgfail"), "rollback", "--url", d->url, "--migration-lock",
                     "advisory", "--lock-timeout", "1000");
    assert_cli(&r, 0, "", "== Running " V2 " create_lines down\n== Migrated " V2 " in 0.0s\n");
    gen_result_free(&r);
    if (seconds > 3.0)
        fail_msg("the run after the failure took %.2f s", seconds);
    migrator_close(repo);

    /* And the failing run as a process. */
    PG_RUN(&r, 30, pg_bin("pgfail"), "migrate", "--url", d->url, "--migration-lock", "advisory");
    assert_cli(&r, 1, "", NULL);
    assert_contains(r.err, "42P01: relation \"no_such_table\" does not exist");
    gen_result_free(&r);
    assert_int_equal(pq_int(d->conn, ADVISORY_LOCKS), 0);
    assert_versions_are(d->conn, V1 "," V2);
    assert_false(has_relation(d->conn, "broken_half"));
}

/* ---- 6. kill -9 of a migrating process ---------------------------------- */

/* Polls sql (a count) until it is want, for up to seconds; returns it. */
static long long poll_count(PGconn *conn, const char *sql, long long want, double seconds)
{
    double deadline = pg_now() + seconds;
    long long value;
    while ((value = pq_int(conn, sql)) != want && pg_now() < deadline) {
        struct timespec pause = {0, 20 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    return value;
}

#define SLEEPING                                                                                   \
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = "        \
    "'active' AND query LIKE 'SELECT pg_sleep(30)%'"

static void kill9_under(db *d, const char *lock, migrator_lock_mode mode)
{
    migrator_repo_config config = MIGRATOR_REPO_CONFIG_INIT;
    migrator_run_opts opts = MIGRATOR_RUN_OPTS_INIT;
    migrator_repo *repo = NULL;
    char *dir = gen_temp_dir();
    const char *held_sql = mode == MIGRATOR_LOCK_ADVISORY ? ADVISORY_LOCKS : TABLE_LOCKS;
    pg_proc proc;
    int status;
    double started;

    pg_start(&proc, dir, "migrate", NULL, pg_bin("pgkill"),
             (const char *const[]){"migrate", "--url", d->url, "--migration-lock", lock, NULL});
    if (poll_count(d->conn, SLEEPING, 1, 15) != 1) {
        char *err;
        pg_kill9(&proc);
        err = gen_read(proc.err_path, NULL);
        fail_msg("the migration never reached pg_sleep\nstderr:\n%s", err ? err : "");
    }
    /* The lock is held while the migration runs... */
    assert_int_equal(pq_int(d->conn, held_sql), 1);
    assert_int_equal(waitpid(proc.pid, &status, WNOHANG), 0);
    pg_kill9(&proc);
    started = pg_now();

    /* ...and gone once the server notices the dead client. */
    if (poll_count(d->conn, held_sql, 0, 5) != 0)
        fail_msg("the migration lock is still held 5 s after kill -9");
    print_message("%s lock released %.2f s after kill -9\n", lock, pg_now() - started);
    assert_int_equal(pq_int(d->conn, ADVISORY_LOCKS), 0);
    assert_int_equal(pq_int(d->conn, TABLE_LOCKS), 0);
    /* Nothing of the cut-off migration is visible; the one before stays. */
    assert_false(has_relation(d->conn, "sleeper"));
    assert_true(has_relation(d->conn, "before_sleep"));
    assert_versions_are(d->conn, V1);

    /* A rerun, skipping the sleeping migration, takes the lock at once. */
    config.migration_lock = mode;
    opts.log = MIGRATOR_LOG_OFF;
    opts.lock_timeout_ms = 2000;
    assert_int_equal(migrator_open(&repo, d->url, &config), MIGRATOR_OK);
    started = pg_now();
    if (migrator_up(repo, &pgkill_migrations, 20240101000003, &opts) != MIGRATOR_OK)
        fail_msg("rerun after kill -9: %s", migrator_errmsg(repo));
    if (pg_now() - started > 3.0)
        fail_msg("the rerun after kill -9 took %.2f s", pg_now() - started);
    migrator_close(repo);
    assert_versions_are(d->conn, V1 "," V3);
    assert_true(has_relation(d->conn, "after_sleep"));
    assert_false(has_relation(d->conn, "sleeper"));
    /* The rerun's connections are closed: the server ends their sessions,
     * and their locks with them, a moment later. */
    if (poll_count(d->conn, ADVISORY_LOCKS, 0, 5) != 0 ||
        poll_count(d->conn, TABLE_LOCKS, 0, 5) != 0)
        fail_msg("a lock is still held 5 s after the rerun closed its connections");

    pg_proc_free(&proc);
    gen_remove_tree(dir);
    free(dir);
}

static void kill9_table(void **state)
{
    kill9_under(*state, "table", MIGRATOR_LOCK_TABLE);
}

static void kill9_advisory(void **state)
{
    kill9_under(*state, "advisory", MIGRATOR_LOCK_ADVISORY);
}

/* ---- 7. tenant schemas --------------------------------------------------- */

enum { TENANTS = 20 };

static void prefix_tenants(void **state)
{
    db *d = *state;
    char *dir = gen_temp_dir();
    pg_proc procs[TENANTS];
    int gate[2], i;
    char *sql;

    /* All tenants at once, half under each lock. */
    if (pipe(gate) != 0)
        fail_msg("pipe: %s", strerror(errno));
    for (i = 0; i < TENANTS; i++) {
        char tag[16], prefix[32];
        snprintf(tag, sizeof(tag), "t%d", i + 1);
        snprintf(prefix, sizeof(prefix), "tenant_%d", i + 1);
        pg_start(&procs[i], dir, tag, gate, pg_bin("pgtenant"),
                 (const char *const[]){"migrate", "--url", d->url, "--prefix", prefix,
                                       "--migration-lock", i % 2 ? "advisory" : "table", NULL});
    }
    close(gate[0]);
    close(gate[1]);
    for (i = 0; i < TENANTS; i++) {
        gen_result r;
        pg_wait(&procs[i], &r, 60);
        assert_cli(&r, 0, "",
                   UP(V1, "create_accounts") UP(V2, "seed_accounts") UP(V3, "index_accounts"));
        gen_result_free(&r);
        pg_proc_free(&procs[i]);
    }

    for (i = 1; i <= TENANTS; i++) {
        char *versions;
        sql = gen_format("SELECT version FROM tenant_%d.schema_migrations ORDER BY version", i);
        versions = pq_column(d->conn, sql);
        assert_string_equal(versions, V1 "," V2 "," V3);
        free(versions);
        free(sql);
        sql = gen_format("SELECT count(*) FROM tenant_%d.accounts", i);
        assert_int_equal(pq_int(d->conn, sql), 1);
        free(sql);
        sql = gen_format("SELECT count(*) FROM pg_tables WHERE schemaname = 'tenant_%d'", i);
        /* schema_migrations, accounts, invoices, and schema_migrations_migrator, where
         * the CREATE INDEX CONCURRENTLY migration (outside a transaction) was tracked */
        assert_int_equal(pq_int(d->conn, sql), 4);
        free(sql);
        sql = gen_format("SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                         "WHERE c.relnamespace = 'tenant_%d'::regnamespace AND c.relname = "
                         "'accounts_email_idx' AND i.indisvalid",
                         i);
        assert_int_equal(pq_int(d->conn, sql), 1);
        free(sql);
    }
    /* public has none of it. */
    assert_int_equal(pq_int(d->conn, "SELECT count(*) FROM pg_class WHERE relnamespace = "
                                     "'public'::regnamespace"),
                     0);
    assert_int_equal(pq_int(d->conn, "SELECT count(*) FROM pg_class WHERE relname = "
                                     "'schema_migrations'"),
                     TENANTS);

    /* Each tenant is independent: tenant_7 rolled back, the others stay. */
    {
        gen_result r;
        PG_RUN(&r, 30, pg_bin("pgtenant"), "rollback", "--all", "--url", d->url, "--prefix",
               "tenant_7");
        assert_cli(&r, 0, "", NULL);
        assert_int_equal(cli_count(r.err, "== Migrated "), 3);
        gen_result_free(&r);
        PG_RUN(&r, 30, pg_bin("pgtenant"), "migrate", "--url", d->url, "--prefix", "tenant_8");
        assert_cli(&r, 0, "", "Migrations already up\n");
        gen_result_free(&r);
    }
    assert_int_equal(pq_int(d->conn, "SELECT count(*) FROM tenant_7.schema_migrations"), 0);
    assert_false(has_relation(d->conn, "tenant_7.accounts"));
    assert_int_equal(pq_int(d->conn, "SELECT count(*) FROM pg_tables WHERE tablename = "
                                     "'accounts'"),
                     TENANTS - 1);
    assert_int_equal(pq_int(d->conn, "SELECT count(*) FROM pg_class WHERE relnamespace = "
                                     "'public'::regnamespace"),
                     0);
    gen_remove_tree(dir);
    free(dir);
}

/* In the tenant's schema through SET LOCAL search_path (logged), and, for
 * the migration outside a transaction, through the session's search_path,
 * which is restored afterwards: the repo's connection is back in public. */
static void prefix_search_path(void **state)
{
    db *d = *state;
    migrator_run_opts opts = MIGRATOR_RUN_OPTS_INIT;
    migrator_repo *repo = NULL;
    gen_result r;

    PG_RUN(&r, 30, pg_bin("pgtenant"), "migrate", "--url", d->url, "--prefix", "acme",
           "--log-migrator-sql", "--step", "1");
    assert_cli(&r, 0, "", NULL);
    assert_int_equal(count_lines(r.err, "SET LOCAL search_path TO \"acme\""), 1);
    assert_before(r.err, "SET LOCAL search_path TO \"acme\"\n",
                  "== Running " V1 " create_accounts up\n");
    gen_result_free(&r);

    opts.log = MIGRATOR_LOG_OFF;
    opts.prefix = "acme";
    assert_int_equal(migrator_open(&repo, d->url, NULL), MIGRATOR_OK);
    assert_int_equal(migrator_run(repo, &pgtenant_migrations, MIGRATOR_UP, &opts, NULL),
                     MIGRATOR_OK);
    assert_int_equal(migrator_execute(repo, "CREATE TABLE probe (x integer)"), MIGRATOR_OK);
    migrator_close(repo);
    assert_true(has_relation(d->conn, "public.probe"));
    assert_false(has_relation(d->conn, "acme.probe"));
    assert_true(has_relation(d->conn, "acme.accounts"));
    assert_int_equal(pq_int(d->conn, "SELECT count(*) FROM acme.schema_migrations"), 3);
    assert_int_equal(pq_int(d->conn, "SELECT count(*) FROM pg_class WHERE relnamespace = "
                                     "'public'::regnamespace"),
                     1); /* probe */
}

/* ---- 8. notices ----------------------------------------------------------- */

static void notices_logged(void **state)
{
    db *d = *state;
    gen_result r;

    PG_RUN(&r, 30, pg_bin("pgnotice"), "migrate", "--url", d->url);
    assert_cli(&r, 0, "",
               "== Running " V1 " notices up\n"
               "relation \"t\" already exists, skipping\n"
               "hi\n"
               "== Migrated " V1 " in 0.0s\n");
    gen_result_free(&r);
    assert_versions_are(d->conn, V1);
}

static void notices_quiet(void **state)
{
    db *d = *state;
    gen_result r;

    PG_RUN(&r, 30, pg_bin("pgnotice"), "migrate", "--url", d->url, "--quiet");
    assert_cli(&r, 0, "", "");
    gen_result_free(&r);
    assert_versions_are(d->conn, V1);
}

/* ---- 9. error position ----------------------------------------------------- */

static void error_position_mapped(void **state)
{
    db *d = *state;
    gen_result r;

    PG_RUN(&r, 30, pg_bin("pgerror"), "migrate", "--url", d->url);
    assert_cli(&r, 1, "",
               UP(V1, "create_items") "== Running " V2 " bad_column up\n"
                                      "pgerror_main: error: "
                                      "fixtures/pgerror/20240101000002_bad_column.sql:5:8: 42703: "
                                      "column \"x\" does not exist (statement: INSERT INTO items "
                                      "(id, label))\n");
    gen_result_free(&r);
    assert_versions_are(d->conn, V1);
    assert_int_equal(pq_int(d->conn, "SELECT count(*) FROM items"), 0);
}

/* ---- 10. DO blocks and $$ function bodies ----------------------------------- */

static void dollar_quotes_up_and_down(void **state)
{
    db *d = *state;
    gen_result r;
    int round;

    for (round = 0; round < 2; round++) {
        PG_RUN(&r, 30, pg_bin("pgdollar"), "migrate", "--url", d->url);
        assert_cli(&r, 0, "", UP(V1, "counters"));
        gen_result_free(&r);
        assert_int_equal(pq_int(d->conn, "SELECT n FROM counters WHERE name = 'a'"), 2);
        assert_int_equal(pq_int(d->conn, "SELECT bump('b')"), 11);
        assert_int_equal(pq_int(d->conn, "SELECT twice(21)"), 42);
        assert_int_equal(pq_int(d->conn, "SELECT count(*) FROM pg_proc WHERE proname IN "
                                         "('bump', 'twice')"),
                         2);

        PG_RUN(&r, 30, pg_bin("pgdollar"), "rollback", "--url", d->url);
        assert_cli(&r, 0, "",
                   "== Running " V1 " counters down\ndropped; both\n== Migrated " V1 " in 0.0s\n");
        gen_result_free(&r);
        assert_int_equal(pq_int(d->conn, "SELECT count(*) FROM pg_proc WHERE proname IN "
                                         "('bump', 'twice')"),
                         0);
        assert_false(has_relation(d->conn, "counters"));
        assert_versions_are(d->conn, "");
    }
}

/* ---- 11. passwords ------------------------------------------------------------ */

/* No network host: a unix socket directory that does not exist. */
static void password_hidden_in_url(void **state)
{
    static const char *const urls[] = {
        "postgresql://u:s3cret@/db?host=/nonexistent-dir",
        "postgres://u:s3cret@/db?host=/nonexistent-dir",
    };
    static const char *const commands[] = {"migrate", "rollback", "migrations"};
    size_t i, j;
    (void)state;

    for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        for (j = 0; j < sizeof(commands) / sizeof(commands[0]); j++) {
            gen_result r;
            PG_RUN(&r, 30, pg_bin("pglock"), commands[j], "--url", urls[i], "--log-migrator-sql",
                   "--log-migrations-sql");
            assert_cli(&r, 1, "", NULL);
            assert_contains(r.err, "u:***@");
            assert_contains(r.err, "/nonexistent-dir");
            assert_lacks(r.err, "s3cret");
            assert_lacks(r.out, "s3cret");
            gen_result_free(&r);
        }
    }
}

/* A password on a URL that does connect (the server trusts the socket):
 * neither the log nor a failure shows it. */
static void password_hidden_after_connecting(void **state)
{
    db *d = *state;
    char *url = url_with_password(d->url, "s3cret");
    gen_result r;

    PG_RUN(&r, 30, pg_bin("pgfail"), "migrate", "--url", url, "--log-migrator-sql",
           "--log-migrations-sql");
    assert_cli(&r, 1, "", NULL);
    assert_contains(r.err, "42P01");
    assert_lacks(r.err, "s3cret");
    gen_result_free(&r);
    PG_RUN(&r, 30, pg_bin("pgfail"), "migrations", "--url", url);
    assert_cli(&r, 0, NULL, "");
    assert_lacks(r.out, "s3cret");
    gen_result_free(&r);
    free(url);
}

/* libpq also takes the password as a query parameter. */
static void password_hidden_in_query(void **state)
{
    static const char *const urls[] = {
        "postgresql:///db?host=/nonexistent-dir&user=u&password=s3cret",
        "postgresql://u@/db?password=s3cret&host=/nonexistent-dir",
    };
    size_t i;
    (void)state;

    for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        gen_result r;
        PG_RUN(&r, 30, pg_bin("pglock"), "migrate", "--url", urls[i]);
        assert_cli(&r, 1, "", NULL);
        assert_contains(r.err, "/nonexistent-dir");
        assert_lacks(r.err, "s3cret");
        gen_result_free(&r);
    }
}

int main(int argc, char **argv)
{
#define CASE(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest locks_cases[] = {
        CASE(locks_table_default),
        CASE(locks_table_explicit),
        CASE(locks_advisory),
        CASE(locks_none),
    };
    const struct CMUnitTest advisory_key_cases[] = {
        CASE(advisory_key_derivation),
        CASE(advisory_key_is_the_lock),
    };
    const struct CMUnitTest concurrency_cases[] = {CASE(concurrency_table)};
    const struct CMUnitTest concurrency_advisory_cases[] = {CASE(concurrency_advisory)};
    const struct CMUnitTest concurrently_cases[] = {
        CASE(concurrently_table_default),
        CASE(concurrently_table),
        CASE(concurrently_advisory),
        CASE(concurrently_none),
    };
    const struct CMUnitTest lock_timeout_cases[] = {
        CASE(lock_timeout_share_update_exclusive),
        CASE(lock_timeout_advisory),
    };
    const struct CMUnitTest lock_timeout_access_exclusive_cases[] = {
        CASE(lock_timeout_access_exclusive),
    };
    const struct CMUnitTest lock_timeout_first_boot_cases[] = {CASE(lock_timeout_first_boot)};
    const struct CMUnitTest advisory_release_cases[] = {CASE(advisory_released_after_failure)};
    const struct CMUnitTest kill9_cases[] = {CASE(kill9_table), CASE(kill9_advisory)};
    const struct CMUnitTest prefix_cases[] = {CASE(prefix_tenants), CASE(prefix_search_path)};
    const struct CMUnitTest notices_cases[] = {CASE(notices_logged), CASE(notices_quiet)};
    const struct CMUnitTest error_position_cases[] = {CASE(error_position_mapped)};
    const struct CMUnitTest dollar_quotes_cases[] = {CASE(dollar_quotes_up_and_down)};
    const struct CMUnitTest password_cases[] = {
        CASE(password_hidden_in_url),
        CASE(password_hidden_after_connecting),
    };
    const struct CMUnitTest password_query_cases[] = {CASE(password_hidden_in_query)};
    const char *group = argc > 1 ? argv[1] : "";
#undef CASE

    if (!pg_test_available())
        return pg_test_unavailable_status();
#define GROUP(name)                                                                                \
    if (strcmp(group, #name) == 0)                                                                 \
    return cmocka_run_group_tests_name("postgres." #name, name##_cases, NULL, NULL)
    GROUP(locks);
    GROUP(advisory_key);
    GROUP(concurrency);
    GROUP(concurrency_advisory);
    GROUP(concurrently);
    GROUP(lock_timeout);
    GROUP(lock_timeout_access_exclusive);
    GROUP(lock_timeout_first_boot);
    GROUP(advisory_release);
    GROUP(kill9);
    GROUP(prefix);
    GROUP(notices);
    GROUP(error_position);
    GROUP(dollar_quotes);
    GROUP(password);
    GROUP(password_query);
#undef GROUP
    fprintf(stderr, "usage: %s GROUP\n", argc > 0 ? argv[0] : "test_postgres");
    return 2;
}
