/*
 * Crash injection (docs/reliability.md, "Crash injection").
 *
 *   crash_test sqlite|postgres MIGRATOR WORKDIR
 *
 * MIGRATOR is crashrepo_migrator, whose table (tests/crash/CMakeLists.txt)
 * this program embeds too: migration N (version N) creates the table t_N,
 * the index t_N_name_idx and the row (N, 'row N'). First a clean,
 * uninterrupted `migrate` on a fresh database measures how long a full run
 * takes (T) and gives the reference schema fingerprint (`MIGRATOR schema`).
 * Then each trial starts `migrate` on a fresh database, kills it with
 * SIGKILL after a delay drawn uniformly from [0, T), T the median
 * duration of the last 5 full runs (the clean run's at first; later
 * trials' kill delay + rerun), and checks
 *
 *   (a) every version in schema_migrations has its table, index and row
 *       (SQLite: and PRAGMA integrity_check is ok);
 *   (b) no object of an unrecorded migration exists, nor any other object
 *       than those and the migrator's own (schema_migrations*), and the recorded
 *       versions are the first k of the table (one process applies them in
 *       order);
 *   (c) no lock is left: SQLite, BEGIN IMMEDIATE succeeds at once and the
 *       `<db>-migrator-lock` fcntl lock (if the file exists) can be taken;
 *       PostgreSQL, the killed process's backends are gone within 5 s (none
 *       left `idle in transaction`) and no advisory lock is held in the
 *       database; on both, a new migrate is not blocked (--lock-timeout 5000);
 *   (d) that rerun exits 0, the schema fingerprint equals the clean run's,
 *       and schema_migrations holds exactly the table's versions.
 *
 * On PostgreSQL the trials alternate the lock: odd trials
 * --migration-lock table, even trials --migration-lock advisory.
 *
 * Environment: MIGRATOR_CRASH_SEED (the PRNG seed; printed; default from
 * the clock), MIGRATOR_CRASH_TRIALS (default 50), MIGRATOR_CRASH_ONLY (run
 * only this trial number, with the delay it gets from the seed).
 * Exit status: 0 every trial consistent, 1 otherwise (with the seed and the
 * trial to rerun), 77 PostgreSQL unavailable (tests/pg/pg_test_db.h).
 *
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "crashrepo_migrations.h"
#include "pg_test_db.h"

#define DEFAULT_TRIALS 50
#define RECENT_RUNS 5       /* T: the median of the last full runs' durations */
#define LOCK_TIMEOUT "5000" /* ms: the rerun must not wait longer for a lock */
#define RUN_TIMEOUT_S 120.0 /* a migrate that takes longer is hung */
#define BACKEND_WAIT_S 5.0  /* PostgreSQL: the killed process's sessions end by then */

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

/* ---- small helpers ------------------------------------------------------ */

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void sleep_s(double seconds)
{
    struct timespec t;
    if (seconds <= 0)
        return;
    t.tv_sec = (time_t)seconds;
    t.tv_nsec = (long)((seconds - (double)t.tv_sec) * 1e9);
    while (nanosleep(&t, &t) != 0 && errno == EINTR)
        ;
}

/* splitmix64: the PRNG. A trial's delay depends only on the seed, the
 * database and the trial number, so one trial can be rerun alone. */
static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

static double uniform01(uint64_t seed, uint64_t stream, uint64_t trial)
{
    uint64_t x = mix64(mix64(mix64(seed) ^ stream) ^ trial);
    return (double)(x >> 11) / 9007199254740992.0; /* 2^53 */
}

/* A growing string: the problems found in one trial. */
typedef struct text {
    char *s;
    size_t len, cap;
    unsigned count;      /* lines added with problem() */
    const char *context; /* printed before each problem, e.g. "after the rerun: " */
} text;

static void text_vadd(text *t, const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 0)))
#endif
    ;

static void text_vadd(text *t, const char *fmt, va_list ap)
{
    va_list copy;
    int n;

    va_copy(copy, ap);
    n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return;
    if (t->len + (size_t)n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 256;
        char *s;
        while (cap < t->len + (size_t)n + 1)
            cap *= 2;
        if (!(s = realloc(t->s, cap))) {
            fprintf(stderr, "crash: out of memory\n");
            exit(1);
        }
        t->s = s;
        t->cap = cap;
    }
    vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
    t->len += (size_t)n;
}

static void PRINTF_LIKE(2, 3) text_add(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    text_vadd(t, fmt, ap);
    va_end(ap);
}

/* One problem: a line "  (x) message". Only the first 40 are kept. */
static void PRINTF_LIKE(2, 3) problem(text *t, const char *fmt, ...)
{
    va_list ap;

    if (++t->count > 40) {
        if (t->count == 41)
            text_add(t, "    ... (more problems not shown)\n");
        return;
    }
    text_add(t, "    %s", t->context ? t->context : "");
    va_start(ap, fmt);
    text_vadd(t, fmt, ap);
    va_end(ap);
    text_add(t, "\n");
}

static void text_free(text *t)
{
    free(t->s);
    memset(t, 0, sizeof(*t));
}

/* The last lines of a log file, indented, on stdout. */
static void print_tail(const char *path, int lines)
{
    FILE *f = fopen(path, "r");
    char *buf;
    long size, start, i;
    int seen = 0;

    if (!f)
        return;
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    if (size <= 0 || !(buf = malloc((size_t)size + 1))) {
        fclose(f);
        printf("    --- %s is empty\n", path);
        return;
    }
    fseek(f, 0, SEEK_SET);
    size = (long)fread(buf, 1, (size_t)size, f);
    fclose(f);
    buf[size] = '\0';
    start = 0;
    for (i = size - 1; i >= 0; i--)
        if (buf[i] == '\n' && i != size - 1 && ++seen == lines) {
            start = i + 1;
            break;
        }
    printf("    --- last lines of %s:\n", path);
    for (i = start; i < size;) {
        long end = i;
        while (end < size && buf[end] != '\n')
            end++;
        printf("      | %.*s\n", (int)(end - i), buf + i);
        i = end + 1;
    }
    free(buf);
}

/* ---- processes ------------------------------------------------------------ */

/* Starts argv with stdin from /dev/null, stderr (and stdout, unless
 * stdout_fd >= 0) appended to log_path. */
static pid_t spawn(char *const argv[], const char *log_path, int stdout_fd)
{
    pid_t pid;

    fflush(stdout);
    fflush(stderr);
    if ((pid = fork()) < 0) {
        fprintf(stderr, "crash: fork: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        int log = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        int null = open("/dev/null", O_RDONLY);
        if (log < 0 || null < 0)
            _exit(126);
        dup2(null, 0);
        dup2(stdout_fd >= 0 ? stdout_fd : log, 1);
        dup2(log, 2);
        execv(argv[0], argv);
        dprintf(2, "crash: exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    return pid;
}

/* Waits for pid at most timeout seconds; kills it after that. Returns the
 * wait status, or -1 when it had to be killed. */
static int wait_bounded(pid_t pid, double timeout)
{
    double deadline = now_s() + timeout;
    int status;

    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return status;
        if (r < 0 && errno != EINTR)
            return -1;
        if (now_s() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        sleep_s(0.001);
    }
}

static void describe_status(char *out, size_t size, int status)
{
    if (status == -1)
        snprintf(out, size, "did not finish within %.0f s (killed)", RUN_TIMEOUT_S);
    else if (WIFEXITED(status))
        snprintf(out, size, "exit status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(out, size, "killed by signal %d", WTERMSIG(status));
    else
        snprintf(out, size, "wait status %d", status);
}

static int success(int status)
{
    return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* ---- the run ---------------------------------------------------------------- */

typedef enum backend { SQLITE, POSTGRES } backend;

typedef struct crash_run {
    backend db;
    const char *name; /* "sqlite", "postgres" */
    const char *migrator;
    const char *workdir;
    const migrator_table *table;
    uint64_t seed;
    int trials, only;
    double full_s;              /* the clean run's duration */
    double recent[RECENT_RUNS]; /* the last full runs' durations, measured or estimated */
    int recent_count;           /* how many were seen */
    char *fingerprint;          /* the clean run's */
    /* the current trial's database */
    int trial;
    char *url;
    char path[4096];  /* SQLite: the file */
    char log[4096];   /* the trial's log file */
    const char *lock; /* PostgreSQL: --migration-lock */
    pid_t dropper;    /* PostgreSQL: the process dropping the last database, or 0 */
} crash_run;

/* What the database holds, per migration of the table (index i). */
typedef struct db_state {
    size_t count;
    unsigned char *recorded, *table, *index, *row_ok;
    size_t recorded_count;
} db_state;

static void state_free(db_state *s)
{
    free(s->recorded);
    free(s->table);
    free(s->index);
    free(s->row_ok);
    memset(s, 0, sizeof(*s));
}

static int state_init(db_state *s, size_t count)
{
    memset(s, 0, sizeof(*s));
    s->count = count;
    s->recorded = calloc(count ? count : 1, 1);
    s->table = calloc(count ? count : 1, 1);
    s->index = calloc(count ? count : 1, 1);
    s->row_ok = calloc(count ? count : 1, 1);
    return s->recorded && s->table && s->index && s->row_ok ? 0 : -1;
}

/* The index in the table of version v, or -1. */
static long find_version(const migrator_table *table, int64_t v)
{
    size_t lo = 0, hi = table->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (table->migrations[mid].version == v)
            return (long)mid;
        if (table->migrations[mid].version < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* Parses "t_<digits>" at the start of name: the version, and the rest. */
static int parse_object(const char *name, int64_t *version, const char **rest)
{
    char *end;
    long long v;

    if (strncmp(name, "t_", 2) != 0 || name[2] < '0' || name[2] > '9')
        return 0;
    errno = 0;
    v = strtoll(name + 2, &end, 10);
    if (errno)
        return 0;
    *version = v;
    *rest = end;
    return 1;
}

/* Records one object (table or index) of the database into s. */
static void note_object(const crash_run *run, db_state *s, int is_index, const char *name,
                        text *problems)
{
    int64_t v;
    const char *rest;
    long i;

    /* The migrator's own: schema_migrations, its key, and any table of the
     * runtime's beside it (schema_migrations_migrator) with its indexes. */
    if (strncmp(name, "schema_migrations", 17) == 0 || strncmp(name, "sqlite_", 7) == 0)
        return;
    if (!parse_object(name, &v, &rest) || (i = find_version(run->table, v)) < 0) {
        problem(problems, "(b) unexpected %s %s (no migration of the table creates it)",
                is_index ? "index" : "table", name);
        return;
    }
    if (!is_index && rest[0] == '\0')
        s->table[i] = 1;
    else if (is_index && strcmp(rest, "_name_idx") == 0)
        s->index[i] = 1;
    else {
        problem(problems, "(b) unexpected %s %s", is_index ? "index" : "table", name);
        return;
    }
    if (!s->recorded[i])
        problem(problems, "(b) %s %s exists but version %" PRId64 " is not in schema_migrations",
                is_index ? "index" : "table", name, v);
}

static void note_version(const crash_run *run, db_state *s, int64_t v, text *problems)
{
    long i = find_version(run->table, v);
    if (i < 0) {
        problem(problems,
                "(a) schema_migrations holds version %" PRId64
                ", which no migration of the table has",
                v);
        return;
    }
    if (s->recorded[i])
        problem(problems, "(a) version %" PRId64 " is in schema_migrations twice", v);
    s->recorded[i] = 1;
    s->recorded_count++;
}

/* (a) t_<v> of a recorded version holds exactly its row (v, 'row v'). */
static void check_row(const crash_run *run, db_state *s, size_t i, int rows, const char *id,
                      const char *name, text *problems)
{
    int64_t v = run->table->migrations[i].version;
    char want_id[32], want_name[64];

    snprintf(want_id, sizeof(want_id), "%" PRId64, v);
    snprintf(want_name, sizeof(want_name), "row %" PRId64, v);
    if (rows != 1)
        problem(problems, "(a) version %" PRId64 " recorded but t_%" PRId64 " has %d rows, not 1",
                v, v, rows);
    else if (!id || !name || strcmp(id, want_id) != 0 || strcmp(name, want_name) != 0)
        problem(problems,
                "(a) version %" PRId64 " recorded but the row of t_%" PRId64
                " is (%s, %s), not (%s, %s)",
                v, v, id ? id : "NULL", name ? name : "NULL", want_id, want_name);
    else
        s->row_ok[i] = 1;
}

/* (a) and (b) from a state read, and the order of the recorded versions.
 * After the rerun (complete = 1) every version must be recorded. */
static void judge_state(const crash_run *run, const db_state *s, int complete, text *problems)
{
    size_t i;
    int gap = 0;

    for (i = 0; i < s->count; i++) {
        int64_t v = run->table->migrations[i].version;
        if (s->recorded[i]) {
            if (!s->table[i])
                problem(problems,
                        "(a) version %" PRId64 " recorded but table t_%" PRId64 " is missing", v,
                        v);
            if (!s->index[i])
                problem(problems,
                        "(a) version %" PRId64 " recorded but index t_%" PRId64
                        "_name_idx is missing",
                        v, v);
            if (gap)
                problem(problems,
                        "(b) version %" PRId64 " recorded after an unrecorded one: "
                        "not applied in order",
                        v);
        } else {
            gap = 1;
            if (complete)
                problem(problems, "(d) version %" PRId64 " is not in schema_migrations", v);
        }
        /* objects of unrecorded versions were reported by note_object */
    }
}

/* ---- SQLite ---------------------------------------------------------------- */

static int sqlite_query_fail(sqlite3 *db, const char *sql, text *problems)
{
    problem(problems, "(check) %s: %s", sql, sqlite3_errmsg(db));
    return -1;
}

/* (c) for SQLite: BEGIN IMMEDIATE at once, and the migrator-lock file. */
static void sqlite_check_locks(const crash_run *run, sqlite3 *db, text *problems)
{
    char lock_path[4200];
    struct flock region;
    char *err = NULL;
    int rc, fd;

    sqlite3_busy_timeout(db, 0);
    rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &err);
    if (rc != SQLITE_OK)
        problem(problems,
                "(c) BEGIN IMMEDIATE on %s failed at once: %s (%d): the write lock "
                "is still held",
                run->path, err ? err : "?", rc);
    else
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_free(err);

    snprintf(lock_path, sizeof(lock_path), "%s-migrator-lock", run->path);
    if ((fd = open(lock_path, O_RDWR | O_CLOEXEC)) < 0) {
        if (errno != ENOENT)
            problem(problems, "(c) cannot open %s: %s", lock_path, strerror(errno));
        return;
    }
    memset(&region, 0, sizeof(region));
    region.l_type = F_WRLCK;
    region.l_whence = SEEK_SET;
    if (fcntl(fd, F_SETLK, &region) != 0)
        problem(problems, "(c) the fcntl lock of %s is still held: %s", lock_path, strerror(errno));
    else {
        region.l_type = F_UNLCK;
        fcntl(fd, F_SETLK, &region);
    }
    close(fd);
}

static int sqlite_read_state(const crash_run *run, sqlite3 *db, db_state *s, text *problems)
{
    sqlite3_stmt *st = NULL;
    const char *sql;
    size_t i;
    int rc, has_table = 0;

    if (state_init(s, run->table->count) < 0)
        return -1;
    sql = "PRAGMA integrity_check";
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return sqlite_query_fail(db, sql, problems);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *line = (const char *)sqlite3_column_text(st, 0);
        if (!line || strcmp(line, "ok") != 0)
            problem(problems, "(integrity) PRAGMA integrity_check: %s", line ? line : "NULL");
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return sqlite_query_fail(db, sql, problems);

    sql = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'";
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return sqlite_query_fail(db, sql, problems);
    if (sqlite3_step(st) == SQLITE_ROW)
        has_table = sqlite3_column_int(st, 0) > 0;
    sqlite3_finalize(st);
    if (has_table) {
        sql = "SELECT version FROM schema_migrations ORDER BY version";
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
            return sqlite_query_fail(db, sql, problems);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            note_version(run, s, sqlite3_column_int64(st, 0), problems);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            return sqlite_query_fail(db, sql, problems);
    }

    sql = "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'index') ORDER BY name";
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return sqlite_query_fail(db, sql, problems);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        note_object(run, s, strcmp((const char *)sqlite3_column_text(st, 0), "index") == 0,
                    (const char *)sqlite3_column_text(st, 1), problems);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return sqlite_query_fail(db, sql, problems);

    for (i = 0; i < s->count; i++) {
        char q[128];
        int rows = 0;
        char *id = NULL, *name = NULL;
        if (!s->recorded[i] || !s->table[i])
            continue;
        snprintf(q, sizeof(q), "SELECT id, name FROM t_%" PRId64,
                 run->table->migrations[i].version);
        if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
            return sqlite_query_fail(db, q, problems);
        while (sqlite3_step(st) == SQLITE_ROW) {
            if (rows++ == 0) {
                const unsigned char *a = sqlite3_column_text(st, 0);
                const unsigned char *b = sqlite3_column_text(st, 1);
                id = a ? strdup((const char *)a) : NULL;
                name = b ? strdup((const char *)b) : NULL;
            }
        }
        sqlite3_finalize(st);
        check_row(run, s, i, rows, id, name, problems);
        free(id);
        free(name);
    }
    return 0;
}

/* Opens the trial's file (creating it if migrate never got that far),
 * checks (c) and reads the state. */
static int sqlite_inspect(const crash_run *run, int check_locks, db_state *s, text *problems)
{
    sqlite3 *db = NULL;
    int rc;

    if (sqlite3_open_v2(run->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        problem(problems, "(check) cannot open %s: %s", run->path,
                db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return -1;
    }
    if (check_locks)
        sqlite_check_locks(run, db, problems);
    sqlite3_busy_timeout(db, 5000);
    rc = sqlite_read_state(run, db, s, problems);
    sqlite3_close(db);
    return rc;
}

/* ---- PostgreSQL ---------------------------------------------------------------- */

static int pg_query_fail(PGconn *conn, const char *sql, PGresult *res, text *problems)
{
    problem(problems, "(check) %s: %s", sql, PQerrorMessage(conn));
    PQclear(res);
    return -1;
}

/* (c) for PostgreSQL: the killed process's sessions end (bounded wait), no
 * advisory lock is left in the database. *gone_s: how long they took. */
static void pg_check_locks(PGconn *conn, double *gone_s, text *problems)
{
    const char *sql =
        "SELECT pid, coalesce(state, ''), coalesce(application_name, ''), "
        "coalesce(wait_event_type || ':' || wait_event, ''), left(coalesce(query, ''), 80), "
        "backend_xid IS NOT NULL FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND backend_type = 'client backend'";
    double start = now_s();
    PGresult *res = NULL;
    int i, n;

    for (;;) {
        res = PQexec(conn, sql);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            pg_query_fail(conn, sql, res, problems);
            return;
        }
        n = PQntuples(res);
        if (n == 0 || now_s() - start > BACKEND_WAIT_S)
            break;
        PQclear(res);
        sleep_s(0.002);
    }
    *gone_s = now_s() - start;
    for (i = 0; i < n; i++)
        problem(problems,
                "(c) %.1f s after the kill, backend %s (application_name \"%s\") is "
                "still there, state \"%s\"%s%s%s, query: %s",
                *gone_s, PQgetvalue(res, i, 0), PQgetvalue(res, i, 2), PQgetvalue(res, i, 1),
                strcmp(PQgetvalue(res, i, 5), "t") == 0 ? ", with a transaction id" : "",
                PQgetvalue(res, i, 3)[0] ? ", waiting on " : "", PQgetvalue(res, i, 3),
                PQgetvalue(res, i, 4));
    PQclear(res);

    sql = "SELECT pid, classid, objid, objsubid, mode, granted FROM pg_locks "
          "WHERE locktype = 'advisory' AND database = "
          "(SELECT oid FROM pg_database WHERE datname = current_database())";
    res = PQexec(conn, sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        pg_query_fail(conn, sql, res, problems);
        return;
    }
    for (i = 0; i < PQntuples(res); i++)
        problem(problems, "(c) advisory lock %s/%s/%s (%s, %s) still held by pid %s",
                PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
                PQgetvalue(res, i, 4),
                strcmp(PQgetvalue(res, i, 5), "t") == 0 ? "granted" : "waiting",
                PQgetvalue(res, i, 0));
    PQclear(res);
}

static int pg_read_state(const crash_run *run, PGconn *conn, db_state *s, text *problems)
{
    PGresult *res;
    const char *sql;
    size_t i;
    int r;

    if (state_init(s, run->table->count) < 0)
        return -1;
    sql = "SELECT to_regclass('public.schema_migrations') IS NOT NULL";
    res = PQexec(conn, sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
        return pg_query_fail(conn, sql, res, problems);
    r = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    if (r) {
        sql = "SELECT version FROM public.schema_migrations ORDER BY version";
        res = PQexec(conn, sql);
        if (PQresultStatus(res) != PGRES_TUPLES_OK)
            return pg_query_fail(conn, sql, res, problems);
        for (r = 0; r < PQntuples(res); r++)
            note_version(run, s, strtoll(PQgetvalue(res, r, 0), NULL, 10), problems);
        PQclear(res);
    }

    sql = "SELECT c.relkind, c.relname, n.nspname FROM pg_class c "
          "JOIN pg_namespace n ON n.oid = c.relnamespace "
          "WHERE c.relkind IN ('r', 'i', 'p', 'I', 'v', 'm', 'S') "
          "AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') "
          "AND n.nspname NOT LIKE 'pg_temp_%' AND n.nspname NOT LIKE 'pg_toast_temp_%' "
          "ORDER BY c.relname";
    res = PQexec(conn, sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return pg_query_fail(conn, sql, res, problems);
    for (r = 0; r < PQntuples(res); r++) {
        const char *kind = PQgetvalue(res, r, 0);
        if (strcmp(PQgetvalue(res, r, 2), "public") != 0)
            problem(problems, "(b) unexpected relation %s.%s", PQgetvalue(res, r, 2),
                    PQgetvalue(res, r, 1));
        else if (strcmp(kind, "r") != 0 && strcmp(kind, "i") != 0)
            problem(problems, "(b) unexpected relation %s (relkind %s)", PQgetvalue(res, r, 1),
                    kind);
        else
            note_object(run, s, strcmp(kind, "i") == 0, PQgetvalue(res, r, 1), problems);
    }
    PQclear(res);

    for (i = 0; i < s->count; i++) {
        char q[128];
        if (!s->recorded[i] || !s->table[i])
            continue;
        snprintf(q, sizeof(q), "SELECT id, name FROM public.t_%" PRId64,
                 run->table->migrations[i].version);
        res = PQexec(conn, q);
        if (PQresultStatus(res) != PGRES_TUPLES_OK)
            return pg_query_fail(conn, q, res, problems);
        check_row(run, s, i, PQntuples(res),
                  PQntuples(res) > 0 && !PQgetisnull(res, 0, 0) ? PQgetvalue(res, 0, 0) : NULL,
                  PQntuples(res) > 0 && !PQgetisnull(res, 0, 1) ? PQgetvalue(res, 0, 1) : NULL,
                  problems);
        PQclear(res);
    }
    return 0;
}

static int pg_inspect(const crash_run *run, int check_locks, double *gone_s, db_state *s,
                      text *problems)
{
    PGconn *conn = pg_test_connect(run->url);
    int rc;

    if (!conn) {
        problem(problems, "(check) cannot connect to %s", run->url);
        return -1;
    }
    if (check_locks)
        pg_check_locks(conn, gone_s, problems);
    rc = pg_read_state(run, conn, s, problems);
    PQfinish(conn);
    return rc;
}

/* ---- one database ------------------------------------------------------------------ */

static void remove_sqlite_files(const char *path)
{
    static const char *const suffixes[] = {"", "-journal", "-wal", "-shm", "-migrator-lock"};
    char name[4200];
    size_t i;
    for (i = 0; i < sizeof(suffixes) / sizeof(*suffixes); i++) {
        snprintf(name, sizeof(name), "%s%s", path, suffixes[i]);
        unlink(name);
    }
}

/* A fresh database for trial (0: the clean run) into run->url. */
static int db_create(crash_run *run, int trial)
{
    char *url;

    free(run->url);
    run->url = NULL;
    run->trial = trial;
    snprintf(run->log, sizeof(run->log), "%s/trial-%d.log", run->workdir, trial);
    unlink(run->log);
    if (run->db == SQLITE) {
        size_t size;
        snprintf(run->path, sizeof(run->path), "%s/trial-%d.db", run->workdir, trial);
        remove_sqlite_files(run->path);
        size = strlen(run->path) + 8;
        if (!(url = malloc(size)))
            return -1;
        snprintf(url, size, "sqlite:%s", run->path);
        run->url = url;
        return 0;
    }
    run->url = pg_test_create_database();
    return run->url ? 0 : -1;
}

/* Waits for the process dropping the previous PostgreSQL database. */
static void wait_dropper(crash_run *run)
{
    int status;
    if (run->dropper > 0)
        waitpid(run->dropper, &status, 0);
    run->dropper = 0;
}

/* Drops the trial's database and log, unless keep (a failed trial). A
 * PostgreSQL database is dropped by a child process while the next trial
 * runs (DROP DATABASE removes hundreds of files: a third of a trial). */
static void db_drop(crash_run *run, int keep)
{
    if (!keep) {
        if (run->db == SQLITE)
            remove_sqlite_files(run->path);
        else {
            wait_dropper(run);
            fflush(stdout);
            fflush(stderr);
            if ((run->dropper = fork()) == 0) {
                pg_test_drop_database(run->url);
                _exit(0);
            }
            if (run->dropper < 0) {
                run->dropper = 0;
                pg_test_drop_database(run->url);
            }
        }
        unlink(run->log);
    }
    free(run->url);
    run->url = NULL;
}

static int inspect(const crash_run *run, int check_locks, double *gone_s, db_state *s,
                   text *problems)
{
    *gone_s = 0;
    return run->db == SQLITE ? sqlite_inspect(run, check_locks, s, problems)
                             : pg_inspect(run, check_locks, gone_s, s, problems);
}

/* argv of `MIGRATOR <command> --url URL ...` (static storage, one at a time). */
static char *const *migrator_argv(const crash_run *run, const char *command, int rerun)
{
    static char *argv[16];
    int n = 0;

    argv[n++] = (char *)run->migrator;
    argv[n++] = (char *)command;
    argv[n++] = (char *)"--url";
    argv[n++] = run->url;
    if (strcmp(command, "migrate") == 0) {
        if (run->lock) {
            argv[n++] = (char *)"--migration-lock";
            argv[n++] = (char *)run->lock;
        }
        if (rerun) {
            argv[n++] = (char *)"--quiet";
            argv[n++] = (char *)"--lock-timeout";
            argv[n++] = (char *)LOCK_TIMEOUT;
        }
    }
    argv[n] = NULL;
    return argv;
}

/* `MIGRATOR schema --url URL`: its stdout (malloc'd), or NULL. */
static char *fingerprint(const crash_run *run, text *problems)
{
    int fds[2];
    char *buf = NULL;
    size_t len = 0, cap = 0;
    pid_t pid;
    int status;
    char how[128];

    if (pipe(fds) != 0) {
        problem(problems, "(check) pipe: %s", strerror(errno));
        return NULL;
    }
    pid = spawn(migrator_argv(run, "schema", 0), run->log, fds[1]);
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        problem(problems, "(check) cannot start %s schema", run->migrator);
        return NULL;
    }
    for (;;) {
        ssize_t got;
        if (cap - len < 4096) {
            char *grown = realloc(buf, cap = cap ? 2 * cap : 65536);
            if (!grown) {
                fprintf(stderr, "crash: out of memory\n");
                exit(1);
            }
            buf = grown;
        }
        got = read(fds[0], buf + len, cap - len - 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    close(fds[0]);
    buf[len] = '\0';
    status = wait_bounded(pid, RUN_TIMEOUT_S);
    if (!success(status)) {
        describe_status(how, sizeof(how), status);
        problem(problems, "(d) %s schema --url %s failed: %s", run->migrator, run->url, how);
        free(buf);
        return NULL;
    }
    return buf;
}

/* Names the first line where two fingerprints differ. */
static void diff_fingerprints(const char *want, const char *got, text *problems)
{
    int line = 1;
    while (*want && *got) {
        size_t a = strcspn(want, "\n"), b = strcspn(got, "\n");
        if (a != b || memcmp(want, got, a) != 0) {
            problem(problems,
                    "(d) the schema differs from the clean run's at line %d: want "
                    "\"%.*s\", got \"%.*s\"",
                    line, (int)a, want, (int)b, got);
            return;
        }
        want += a + (want[a] == '\n');
        got += b + (got[b] == '\n');
        line++;
    }
    problem(problems, "(d) the schema differs from the clean run's at line %d: want %s, got %s",
            line, *want ? "more lines" : "the end", *got ? "more lines" : "the end");
}

/* T, the span of the next delay: the median duration of the last
 * RECENT_RUNS full runs (the clean run, then each trial's: how long it took
 * when it finished before its kill, else the kill's delay plus the rerun's
 * duration). One measure would do on an idle machine; on a shared one a
 * clean run that hit a busy moment would put most kills after the end. */
static double span_s(const crash_run *run)
{
    double v[RECENT_RUNS], x;
    int n = run->recent_count < RECENT_RUNS ? run->recent_count : RECENT_RUNS, i, j;

    for (i = 0; i < n; i++) {
        x = run->recent[i];
        for (j = i; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
    return n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void observe_run(crash_run *run, double seconds)
{
    run->recent[run->recent_count++ % RECENT_RUNS] = seconds;
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* ---- the clean run and the trials ------------------------------------------------------ */

static int clean_run(crash_run *run)
{
    text problems = {0};
    db_state s;
    double start, gone;
    int status, ok;
    pid_t pid;
    char how[128];

    memset(&s, 0, sizeof(s));
    run->lock = run->db == POSTGRES ? "table" : NULL;
    if (db_create(run, 0) < 0) {
        printf("crash: %s: cannot create the database of the clean run\n", run->name);
        return -1;
    }
    start = now_s();
    pid = spawn(migrator_argv(run, "migrate", 0), run->log, -1);
    status = pid < 0 ? -1 : wait_bounded(pid, RUN_TIMEOUT_S);
    run->full_s = now_s() - start;
    observe_run(run, run->full_s);
    if (!success(status)) {
        describe_status(how, sizeof(how), status);
        printf("crash: %s: the clean migrate on %s failed: %s\n", run->name, run->url, how);
        print_tail(run->log, 10);
        db_drop(run, 1);
        return -1;
    }
    run->fingerprint = fingerprint(run, &problems);
    if (inspect(run, 1, &gone, &s, &problems) == 0)
        judge_state(run, &s, 1, &problems);
    if (run->fingerprint && !strstr(run->fingerprint, "t_1"))
        problem(&problems, "(check) the fingerprint names no table t_1:\n%s", run->fingerprint);
    ok = problems.count == 0 && run->fingerprint != NULL;
    if (!ok)
        printf("crash: %s: the clean run on %s is not as expected (a bug of this test?):\n%s",
               run->name, run->url, problems.s ? problems.s : "");
    else
        printf("crash: %s: clean run of %zu migrations: %.3f s, fingerprint of %zu lines\n",
               run->name, run->table->count, run->full_s, count_lines(run->fingerprint));
    state_free(&s);
    text_free(&problems);
    db_drop(run, !ok);
    return ok ? 0 : -1;
}

typedef struct tally {
    int run, consistent;
    int before, mid, after;        /* by what the kill left: 0, some, all applied */
    int exited_first;              /* migrate had finished before its kill */
    int table_lock, advisory_lock; /* PostgreSQL: trials under each lock */
    double max_gone_s, rerun_s, span_sum;
    double phase[6]; /* seconds spent in each step (phase_names) */
    int failed[16];
    int failed_count;
} tally;

static const char *const phase_names[6] = {"creating the database",        "the killed migrate",
                                           "checks after the kill",        "the rerun",
                                           "fingerprint and final checks", "dropping the database"};

/* Adds the time since *mark to phase i and restarts *mark. */
static void lap(tally *tl, int i, double *mark)
{
    double now = now_s();
    tl->phase[i] += now - *mark;
    *mark = now;
}

/* 1 when the file at path contains needle. */
static int file_contains(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    int found = 0;

    if (!f)
        return 0;
    while (!found && fgets(line, sizeof(line), f))
        found = strstr(line, needle) != NULL;
    fclose(f);
    return found;
}

static void run_trial(crash_run *run, int t, tally *tl)
{
    text problems = {0};
    db_state s, after;
    double span, delay, start, killed_at, gone_s = 0, rerun_s = 0, mark = now_s();
    const char *when;
    char how[128];
    int status, exited = 0, ok;
    size_t k;
    pid_t pid;

    memset(&s, 0, sizeof(s));
    memset(&after, 0, sizeof(after));
    span = span_s(run);
    delay = uniform01(run->seed, (uint64_t)run->db + 1, (uint64_t)t) * span;
    tl->span_sum += span;
    run->lock = run->db == SQLITE ? NULL : t % 2 ? "table" : "advisory";
    if (db_create(run, t) < 0) {
        printf("crash: %s trial %d/%d: cannot create a database\n", run->name, t, run->trials);
        tl->run++;
        if (tl->failed_count < 16)
            tl->failed[tl->failed_count++] = t;
        return;
    }

    /* The kill. */
    lap(tl, 0, &mark);
    start = now_s();
    pid = spawn(migrator_argv(run, "migrate", 0), run->log, -1);
    if (pid < 0) {
        problem(&problems, "(run) cannot start %s", run->migrator);
        killed_at = 0;
    } else {
        /* Sleep until the delay, watching whether it finishes first. */
        pid_t done;
        while ((done = waitpid(pid, &status, WNOHANG)) == 0 && now_s() < start + delay) {
            double left = start + delay - now_s();
            sleep_s(left < 0.001 ? left : 0.001);
        }
        if (done != pid) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
        }
        killed_at = now_s() - start;
        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
            exited = 1; /* it finished before the kill */
            if (!success(status)) {
                describe_status(how, sizeof(how), status);
                problem(&problems, "(run) migrate failed on its own before the kill: %s", how);
            }
        }
    }

    lap(tl, 1, &mark);

    /* (c), (a), (b) on what the kill left. */
    if (inspect(run, 1, &gone_s, &s, &problems) == 0)
        judge_state(run, &s, 0, &problems);
    k = s.recorded_count;
    if (k == 0) {
        when = "before the first commit";
        tl->before++;
    } else if (k < run->table->count) {
        when = "mid-run";
        tl->mid++;
    } else {
        when = exited ? "after the last commit (migrate had finished)" : "after the last commit";
        tl->after++;
    }
    tl->exited_first += exited;

    /* (c) a new migrate is not blocked, and (d) it completes the schema. */
    lap(tl, 2, &mark);
    start = now_s();
    pid = spawn(migrator_argv(run, "migrate", 1), run->log, -1);
    status = pid < 0 ? -1 : wait_bounded(pid, RUN_TIMEOUT_S);
    rerun_s = now_s() - start;
    lap(tl, 3, &mark);
    if (!success(status)) {
        describe_status(how, sizeof(how), status);
        if (file_contains(run->log, "timed out"))
            problem(&problems,
                    "(c) the rerun of migrate was blocked by a lock (--lock-timeout "
                    "%s): %s",
                    LOCK_TIMEOUT, how);
        else
            problem(&problems, "(d) the rerun of migrate failed: %s", how);
    } else {
        char *fp = fingerprint(run, &problems);
        double unused;
        if (fp && strcmp(fp, run->fingerprint) != 0)
            diff_fingerprints(run->fingerprint, fp, &problems);
        free(fp);
        problems.context = "after the rerun: ";
        if (inspect(run, 0, &unused, &after, &problems) == 0)
            judge_state(run, &after, 1, &problems);
        if (after.recorded_count != run->table->count)
            problem(&problems, "(d) schema_migrations holds %zu versions, not %zu",
                    after.recorded_count, run->table->count);
        problems.context = NULL;
    }

    lap(tl, 4, &mark);
    if (exited)
        observe_run(run, killed_at);
    else if (success(status))
        observe_run(run, killed_at + rerun_s);
    ok = problems.count == 0;
    tl->run++;
    tl->consistent += ok;
    tl->rerun_s += rerun_s;
    if (gone_s > tl->max_gone_s)
        tl->max_gone_s = gone_s;
    if (run->lock)
        *(strcmp(run->lock, "table") == 0 ? &tl->table_lock : &tl->advisory_lock) += 1;
    printf("crash: %s trial %d/%d: %s %.3f s (delay %.3f of T %.3f s) %s, %zu/%zu applied",
           run->name, t, run->trials, exited ? "finished at" : "killed at", killed_at, delay, span,
           when, k, run->table->count);
    if (run->lock)
        printf(", %s lock, sessions gone after %.0f ms", run->lock, gone_s * 1000);
    printf("; rerun %.3f s: %s\n", rerun_s, ok ? "consistent" : "INCONSISTENT");
    if (!ok) {
        printf("  trial %d of seed %" PRIu64 " (delay %.3f s, database %s):\n%s", t, run->seed,
               delay, run->url, problems.s);
        print_tail(run->log, 12);
        printf("  reproduce: MIGRATOR_CRASH_SEED=%" PRIu64 " MIGRATOR_CRASH_ONLY=%d "
               "ctest -R '^crash\\.%s$' -V\n",
               run->seed, t, run->db == SQLITE ? "sqlite" : "pg");
        if (tl->failed_count < 16)
            tl->failed[tl->failed_count++] = t;
    }
    state_free(&s);
    state_free(&after);
    text_free(&problems);
    db_drop(run, !ok);
    lap(tl, 5, &mark);
}

static long env_long(const char *name, long fallback, long min)
{
    const char *value = getenv(name);
    char *end;
    long n;

    if (!value || !*value)
        return fallback;
    errno = 0;
    n = strtol(value, &end, 10);
    if (errno || *end || n < min) {
        fprintf(stderr, "crash: %s=%s: expected an integer >= %ld\n", name, value, min);
        exit(2);
    }
    return n;
}

int main(int argc, char **argv)
{
    crash_run run;
    tally tl;
    const char *seed_text = getenv("MIGRATOR_CRASH_SEED");
    double started = now_s();
    int t, i;

    setvbuf(stdout, NULL, _IOLBF, 0);
    memset(&run, 0, sizeof(run));
    memset(&tl, 0, sizeof(tl));
    if (argc != 4 || (strcmp(argv[1], "sqlite") != 0 && strcmp(argv[1], "postgres") != 0)) {
        fprintf(stderr, "usage: crash_test sqlite|postgres MIGRATOR WORKDIR\n");
        return 2;
    }
    run.db = strcmp(argv[1], "sqlite") == 0 ? SQLITE : POSTGRES;
    run.name = argv[1];
    run.migrator = argv[2];
    run.workdir = argv[3];
    run.table = &crashrepo_migrations;
    if (run.db == POSTGRES && !pg_test_available())
        return pg_test_unavailable_status();
    if (mkdir(run.workdir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "crash: mkdir %s: %s\n", run.workdir, strerror(errno));
        return 1;
    }
    if (seed_text && *seed_text) {
        char *end;
        errno = 0;
        run.seed = strtoull(seed_text, &end, 0);
        if (errno || *end) {
            fprintf(stderr, "crash: MIGRATOR_CRASH_SEED=%s: expected an integer\n", seed_text);
            return 2;
        }
    } else {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        run.seed =
            mix64((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) ^ (uint64_t)getpid();
        run.seed %= 10000000000u; /* easy to copy */
    }
    run.trials = (int)env_long("MIGRATOR_CRASH_TRIALS", DEFAULT_TRIALS, 1);
    run.only = (int)env_long("MIGRATOR_CRASH_ONLY", 0, 0);
    printf("crash: %s: seed %" PRIu64 " (rerun with MIGRATOR_CRASH_SEED=%" PRIu64 "), "
           "%d trials of migrate with %zu migrations\n",
           run.name, run.seed, run.seed, run.trials, run.table->count);

    if (clean_run(&run) < 0) {
        free(run.fingerprint);
        free(run.url);
        return 1;
    }
    printf("crash: %s: each kill's delay is drawn uniformly from [0, T), T the median duration "
           "of the last %d full runs (at first the clean run's, %.3f s)\n",
           run.name, RECENT_RUNS, run.full_s);
    for (t = 1; t <= run.trials; t++)
        if (!run.only || run.only == t)
            run_trial(&run, t, &tl);

    wait_dropper(&run);
    printf("crash: %s %d/%d consistent (killed during: %d before the first commit, %d mid-run, "
           "%d after the last)\n",
           run.name, tl.consistent, tl.run, tl.before, tl.mid, tl.after);
    printf("crash: %s: clean migrate %.3f s, mean T %.3f s, %d run(s) had finished before the "
           "kill, mean rerun %.3f s",
           run.name, run.full_s, tl.run ? tl.span_sum / tl.run : 0.0, tl.exited_first,
           tl.run ? tl.rerun_s / tl.run : 0.0);
    if (run.db == POSTGRES)
        printf(", %d under the table lock and %d under the advisory lock, the killed sessions "
               "gone after at most %.0f ms",
               tl.table_lock, tl.advisory_lock, tl.max_gone_s * 1000);
    printf("; %.1f s in all\n", now_s() - started);
    if (tl.run) {
        printf("crash: %s: mean seconds per trial:", run.name);
        for (i = 0; i < 6; i++)
            printf("%s %s %.3f", i ? "," : "", phase_names[i], tl.phase[i] / tl.run);
        printf("\n");
    }
    free(run.fingerprint);
    free(run.url);
    if (tl.consistent != tl.run) {
        printf("crash: %s: INCONSISTENT trial(s) of seed %" PRIu64 ":", run.name, run.seed);
        for (i = 0; i < tl.failed_count; i++)
            printf(" %d", tl.failed[i]);
        printf("%s (reproduce one with MIGRATOR_CRASH_SEED=%" PRIu64 " MIGRATOR_CRASH_ONLY=N)\n",
               tl.run - tl.consistent > tl.failed_count ? " ..." : "", run.seed);
        return 1;
    }
    return 0;
}
