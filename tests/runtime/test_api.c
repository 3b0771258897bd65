/*
 * runtime.api: migrator_open / migrator_close and their messages,
 * migrator_with_repo, migrator_migrate_on_startup (SKIP_MIGRATIONS),
 * migrator_execute, migrator_statement_text, migrator_strerror and the
 * version fields of the option structs.
 *
 * SPDX-License-Identifier: MIT
 */
#define _XOPEN_SOURCE 700
#include "rt_harness.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rt_basic_migrations.h"
#include "rt_failing_migrations.h"
#include "rt_long_migrations.h"

/* SQLite creates the file; on either backend an existing database is
 * opened, not replaced. */
static void open_creates_file(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = NULL;

    if (!rt_pg())
        assert_false(rt_exists(env->db));
    assert_int_equal(migrator_open(&repo, env->url, NULL), MIGRATOR_OK);
    assert_non_null(repo);
    if (!rt_pg())
        assert_true(rt_exists(env->db));
    assert_string_equal(migrator_errmsg(repo), "");
    migrator_close(repo);
    if (!rt_pg())
        assert_true(rt_exists(env->db));
    /* Opening creates no table. */
    assert_int_equal(rt_table_count(env->db), 0);

    /* An existing database is opened, not replaced. */
    rt_exec(env->db, "CREATE TABLE mine (x INTEGER); INSERT INTO mine VALUES (7)");
    repo = rt_open(env->url, NULL);
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, NULL, NULL),
                  MIGRATOR_OK);
    migrator_close(repo);
    assert_query(env->db, "SELECT x FROM mine", "7");
    assert_db_versions(env->db, "1,2,3,4");

    migrator_close(NULL);
}

/* sqlite:RELATIVE is relative to the working directory. */
static void open_relative_path(void **state)
{
    rt_env *env = RT_ENV(state);
    char *cwd, *created;
    migrator_repo *repo;

    RT_ONLY(RT_SQLITE, "sqlite:RELATIVE_PATH is a SQLite URL form");
    cwd = getcwd(NULL, 0);
    created = rt_format("%s/relative.db", env->dir);
    assert_non_null(cwd);
    assert_int_equal(chdir(env->dir), 0);
    repo = rt_open("sqlite:relative.db", NULL);
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, NULL, NULL),
                  MIGRATOR_OK);
    migrator_close(repo);
    assert_int_equal(chdir(cwd), 0);
    assert_db_versions(created, "1,2,3,4");
    free(created);
    free(cwd);
}

static void open_memory(void **state)
{
    migrator_repo *repo = NULL, *other = NULL;
    migrator_versions versions;
    (void)state;
    RT_ONLY(RT_SQLITE, "sqlite::memory: is a SQLite URL form");
    assert_int_equal(migrator_open(&repo, "sqlite::memory:", NULL), MIGRATOR_OK);
    assert_non_null(repo);
    assert_false(rt_exists(":memory:"));
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, NULL, NULL),
                  MIGRATOR_OK);
    /* Each in-memory repo has a database of its own. */
    assert_int_equal(migrator_open(&other, "sqlite::memory:", NULL), MIGRATOR_OK);
    assert_status(other, migrator_migrated_versions(other, NULL, &versions), MIGRATOR_OK);
    assert_ran(&versions, "");
    assert_status(repo, migrator_migrated_versions(repo, NULL, &versions), MIGRATOR_OK);
    assert_ran(&versions, "1,2,3,4");
    migrator_close(other);
    migrator_close(repo);
}

static void open_bad_url(void **state)
{
    static const char *const bad[] = {"mysql://localhost/db", "postgres:x", "sqlite3:/tmp/x.db",
                                      "/tmp/x.db", ""};
    migrator_repo *repo;
    size_t i;
    (void)state;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        repo = (migrator_repo *)&repo; /* not NULL */
        assert_int_equal(migrator_open(&repo, bad[i], NULL), MIGRATOR_EURL);
        assert_null(repo);
        print_message("%s -> %s\n", bad[i], migrator_errmsg(NULL));
        if (bad[i][0])
            assert_non_null(strstr(migrator_errmsg(NULL), bad[i]));
        else
            assert_string_not_equal(migrator_errmsg(NULL), "");
    }
    /* A password never shows (a server that is not there: a unix socket
     * directory that does not exist, so nothing leaves the machine). */
    assert_int_equal(
        migrator_open(&repo, "postgres://ada:s3cret@/app?host=/nonexistent-migrator-socket", NULL),
        MIGRATOR_EOPEN);
    assert_null(strstr(migrator_errmsg(NULL), "s3cret"));
    assert_non_null(strstr(migrator_errmsg(NULL), "postgres://ada:***@/app"));
    /* "sqlite:" with no path. */
    assert_true(migrator_open(&repo, "sqlite:", NULL) < 0);
    assert_null(repo);
    assert_string_not_equal(migrator_errmsg(NULL), "");
}

/* A file in a missing directory; on PostgreSQL a database that does not
 * exist. */
static void open_failure(void **state)
{
    rt_env *env = RT_ENV(state);
    char *url = rt_unopenable_url(env);
    migrator_repo *repo = (migrator_repo *)&url;

    assert_int_equal(migrator_open(&repo, url, NULL), MIGRATOR_EOPEN);
    assert_null(repo);
    assert_non_null(strstr(migrator_errmsg(NULL), url));
    print_message("%s -> %s\n", url, migrator_errmsg(NULL));
    if (rt_pg()) {
        /* libpq's reason follows, and which of the two connections failed. */
        assert_non_null(strstr(migrator_errmsg(NULL), "(migration connection)"));
        assert_non_null(strstr(migrator_errmsg(NULL), "migrator_no_such_database"));
    }
    free(url);

    /* A good open afterwards: migrator_errmsg(NULL) is this thread's last
     * failure (not asserted either way), and the new repo's message is "". */
    repo = rt_open(env->url, NULL);
    assert_string_equal(migrator_errmsg(repo), "");
    migrator_close(repo);
}

/* migrator_errmsg(NULL) is the calling thread's last open failure. */
static void *fail_open_in_thread(void *payload)
{
    migrator_repo *repo = NULL;
    char *seen = payload;
    if (migrator_open(&repo, "thread-b://x", NULL) == MIGRATOR_EURL)
        snprintf(seen, 256, "%s", migrator_errmsg(NULL));
    return NULL;
}

static void open_message_per_thread(void **state)
{
    migrator_repo *repo = NULL;
    pthread_t thread;
    char seen[256] = "";
    (void)state;

    assert_int_equal(migrator_open(&repo, "thread-a://x", NULL), MIGRATOR_EURL);
    assert_int_equal(pthread_create(&thread, NULL, fail_open_in_thread, seen), 0);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_non_null(strstr(seen, "thread-b://x"));
    assert_non_null(strstr(migrator_errmsg(NULL), "thread-a://x"));
    assert_null(strstr(migrator_errmsg(NULL), "thread-b"));
}

static void open_invalid_arguments(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo_config config = MIGRATOR_REPO_CONFIG_INIT;
    migrator_repo *repo = NULL;
    migrator_run_opts opts = MIGRATOR_RUN_OPTS_INIT;
    migrator_versions ran;

    assert_int_equal(migrator_open(&repo, NULL, NULL), MIGRATOR_EINVAL);
    assert_null(repo);
    assert_int_equal(migrator_open(NULL, env->url, NULL), MIGRATOR_EINVAL);
    config.version = MIGRATOR_REPO_CONFIG_VERSION + 1;
    assert_int_equal(migrator_open(&repo, env->url, &config), MIGRATOR_EINVAL);
    assert_null(repo);
    assert_string_not_equal(migrator_errmsg(NULL), "");

    repo = rt_open(env->url, NULL);
    opts.version = MIGRATOR_RUN_OPTS_VERSION + 1;
    assert_status(repo, migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, &opts, &ran),
                  MIGRATOR_EINVAL);
    assert_ran(&ran, "");
    assert_string_not_equal(migrator_errmsg(repo), "");
    opts.version = MIGRATOR_RUN_OPTS_VERSION;
    assert_status(repo,
                  migrator_run(repo, &rt_basic_migrations, (migrator_direction)3, &opts, &ran),
                  MIGRATOR_EINVAL);
    assert_ran(&ran, "");
    assert_false(rt_has_table(env->db, "alpha"));
    migrator_close(repo);
}

/* PostgreSQL: a password in the URL never shows in a message, here from a
 * server that refuses it (the fixture trusts every local user, so the
 * failure is the database's name). */
static void open_pg_password_redacted(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = (migrator_repo *)&repo;
    const char *query;
    char *url;

    RT_ONLY(RT_POSTGRES, "SQLite URLs have no password");
    query = strchr(env->url, '?');
    assert_non_null(query);
    url = rt_format("postgresql://postgres:pa55word@/migrator_no_such_database%s", query);
    assert_int_equal(migrator_open(&repo, url, NULL), MIGRATOR_EOPEN);
    assert_null(repo);
    print_message("%s\n", migrator_errmsg(NULL));
    assert_null(strstr(migrator_errmsg(NULL), "pa55word"));
    assert_non_null(
        strstr(migrator_errmsg(NULL), "postgresql://postgres:***@/migrator_no_such_database"));
    free(url);
}

/* ---- with_repo --------------------------------------------------------------------- */

typedef struct with_state {
    int calls;
    migrator_repo *seen;
    void *payload;
} with_state;

static int with_fn(migrator_repo *repo, void *payload)
{
    with_state *s = payload;
    migrator_versions ran;
    s->calls++;
    s->seen = repo;
    s->payload = payload;
    if (migrator_run(repo, &rt_basic_migrations, MIGRATOR_UP, NULL, &ran) != MIGRATOR_OK)
        return -100;
    migrator_versions_free(&ran);
    return 42;
}

static void with_repo(void **state)
{
    rt_env *env = RT_ENV(state);
    with_state s = {0, NULL, NULL};

    assert_int_equal(migrator_with_repo(env->url, NULL, with_fn, &s), 42);
    assert_int_equal(s.calls, 1);
    assert_non_null(s.seen);
    assert_ptr_equal(s.payload, &s);
    assert_db_versions(env->db, "1,2,3,4");

    /* Open errors come back without calling fn. */
    assert_int_equal(migrator_with_repo("nosuch:db", NULL, with_fn, &s), MIGRATOR_EURL);
    assert_int_equal(s.calls, 1);
    assert_non_null(strstr(migrator_errmsg(NULL), "nosuch:db"));
    {
        char *url = rt_unopenable_url(env);
        assert_int_equal(migrator_with_repo(url, NULL, with_fn, &s), MIGRATOR_EOPEN);
        free(url);
    }
    assert_int_equal(s.calls, 1);
}

/* ---- migrate_on_startup ------------------------------------------------------------ */

static void migrate_on_startup(void **state)
{
    rt_env *env = RT_ENV(state);
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);
    const char *other = rt_new_db(env, "other");
    char *other_url = rt_db_url(other);
    static const char *const not_skipping[] = {"false", "TRUE", "1", "true ", ""};
    size_t i;

    setenv("SKIP_MIGRATIONS", "true", 1);
    assert_int_equal(migrator_migrate_on_startup(env->url, NULL, &rt_basic_migrations, &opts),
                     MIGRATOR_SKIPPED);
    /* The database was not opened: no file, no table. */
    if (rt_pg())
        assert_int_equal(rt_table_count(env->db), 0);
    else
        assert_false(rt_exists(env->db));
    /* Not even a bad URL is looked at. */
    assert_int_equal(migrator_migrate_on_startup("nosuch:db", NULL, &rt_basic_migrations, &opts),
                     MIGRATOR_SKIPPED);

    /* Only the exact string "true" skips. */
    for (i = 0; i < sizeof(not_skipping) / sizeof(not_skipping[0]); i++) {
        setenv("SKIP_MIGRATIONS", not_skipping[i], 1);
        rt_reset_db(env->db);
        assert_int_equal(migrator_migrate_on_startup(env->url, NULL, &rt_basic_migrations, &opts),
                         MIGRATOR_OK);
        assert_db_versions(env->db, "1,2,3,4");
    }

    unsetenv("SKIP_MIGRATIONS");
    rt_reset_db(env->db);
    /* The strategy is ignored: all. */
    opts.strategy = MIGRATOR_STRATEGY_STEP;
    opts.target = 1;
    rt_log_free(&log);
    assert_int_equal(migrator_migrate_on_startup(env->url, NULL, &rt_basic_migrations, &opts),
                     MIGRATOR_OK);
    assert_db_versions(env->db, "1,2,3,4");
    assert_log_table(env->db, "1up,2up,3up,4up");
    assert_logged(&log, MIGRATOR_LOG_INFO, "== Running 4 create_delta up");
    rt_log_strip_notices(&log, 3); /* 2, 3 and 4: CREATE TABLE IF NOT EXISTS log */
    /* Again: nothing to do. */
    assert_int_equal(migrator_migrate_on_startup(env->url, NULL, &rt_basic_migrations, &opts),
                     MIGRATOR_OK);
    assert_log_table(env->db, "1up,2up,3up,4up");

    /* Errors are returned and logged at ERROR. */
    rt_log_free(&log);
    assert_int_equal(migrator_migrate_on_startup(other_url, NULL, &rt_failing_migrations, &opts),
                     MIGRATOR_ESQL);
    assert_db_versions(other, "1,2");
    {
        char *expected = rt_no_table_message(rt_migration(&rt_failing_migrations, 3), 5, 13,
                                             "missing_table", "INSERT INTO missing_table (id)");
        assert_logged(&log, MIGRATOR_LOG_ERROR, expected);
        free(expected);
    }
    rt_log_free(&log);
    assert_int_equal(migrator_migrate_on_startup("nosuch:db", NULL, &rt_basic_migrations, &opts),
                     MIGRATOR_EURL);
    assert_int_equal(rt_log_count_prefix(&log, ""), 1);
    assert_int_equal(log.lines[0].level, MIGRATOR_LOG_ERROR);
    assert_non_null(strstr(log.lines[0].text, "nosuch:db"));

    /* A repo config (migration_source) is used. */
    {
        migrator_repo_config config = MIGRATOR_REPO_CONFIG_INIT;
        config.migration_source = "startup_versions";
        rt_reset_db(other);
        assert_int_equal(
            migrator_migrate_on_startup(other_url, &config, &rt_basic_migrations, &opts),
            MIGRATOR_OK);
        assert_query(other, "SELECT version FROM startup_versions ORDER BY version", "1,2,3,4");
        assert_false(rt_has_table(other, "schema_migrations"));
    }
    /* NULL options: the defaults. */
    rt_reset_db(env->db);
    assert_int_equal(migrator_migrate_on_startup(env->url, NULL, &rt_basic_migrations, NULL),
                     MIGRATOR_OK);
    assert_db_versions(env->db, "1,2,3,4");
    rt_log_free(&log);
    free(other_url);
}

/* ---- migrator_execute ---------------------------------------------------------------- */

static void execute(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = rt_open(env->url, NULL);

    assert_status(repo, migrator_execute(repo, "CREATE TABLE e (x INTEGER)"), MIGRATOR_OK);
    assert_status(repo, migrator_execute(repo, "INSERT INTO e VALUES (1)"), MIGRATOR_OK);
    assert_query(env->db, "SELECT x FROM e", "1");
    assert_status(repo, migrator_execute(repo, "INSERT INTO nope VALUES (1)"), MIGRATOR_ESQL);
    {
        char *text = rt_no_table_text("nope");
        print_message("%s\n", migrator_errmsg(repo));
        assert_non_null(strstr(migrator_errmsg(repo), text));
        free(text);
    }
    /* The connection is usable after the failure. */
    assert_status(repo, migrator_execute(repo, "INSERT INTO e VALUES (2)"), MIGRATOR_OK);
    assert_query(env->db, "SELECT x FROM e ORDER BY x", "1,2");
    migrator_close(repo);
}

/* ---- statement_text / strerror -------------------------------------------------------- */

static void statement_text(void **state)
{
    static const char *const pieces[] = {"SELECT 'a", "bc' || ", "'def'"};
    static const char *const one[] = {"SELECT 1"};
    const migrator_statement joined = {pieces, 3, 21, 4, 1};
    const migrator_statement single = {one, 1, 8, 1, 1};
    const migrator_migration *long_one = rt_migration(&rt_long_migrations, 1);
    const migrator_statement *insert = &long_one->up.statements[1];
    char *text;
    size_t i, total = 0;
    (void)state;

    text = migrator_statement_text(&joined);
    assert_string_equal(text, "SELECT 'abc' || 'def'");
    free(text);
    text = migrator_statement_text(&single);
    assert_string_equal(text, "SELECT 1");
    free(text);

    /* A generated statement of several pieces: 9000 letters in quotes. */
    assert_true(insert->piece_count >= 3);
    for (i = 0; i < insert->piece_count; i++) {
        assert_true(strlen(insert->pieces[i]) <= MIGRATOR_PIECE_MAX);
        total += strlen(insert->pieces[i]);
    }
    assert_int_equal(total, insert->length);
    text = migrator_statement_text(insert);
    assert_non_null(text);
    assert_int_equal(strlen(text), insert->length);
    assert_int_equal(strncmp(text, "INSERT INTO texts (body) VALUES ('abcdefghij", 44), 0);
    assert_string_equal(text + insert->length - 4, "ij')");
    free(text);
    assert_int_equal(insert->line, 4);
}

static void long_statement_runs(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = rt_open(env->url, NULL);
    migrator_versions ran;
    assert_status(repo, migrator_run(repo, &rt_long_migrations, MIGRATOR_UP, NULL, &ran),
                  MIGRATOR_OK);
    assert_ran(&ran, "1");
    assert_int_equal(rt_int(env->db, "SELECT length(body) FROM texts"), 9000);
    assert_query(env->db, "SELECT substr(body, 8991, 10) FROM texts", "abcdefghij");
    migrator_close(repo);
}

static void strerror_codes(void **state)
{
#define CODE(name, value, text) MIGRATOR_##name,
    static const int codes[] = {MIGRATOR_ERROR_LIST(CODE)};
#undef CODE
    size_t i, j, count = sizeof(codes) / sizeof(codes[0]);
    (void)state;

    assert_int_equal(count, 22);
    for (i = 0; i < count; i++) {
        const char *text = migrator_strerror(codes[i]);
        assert_non_null(text);
        assert_true(text[0] != '\0');
        for (j = 0; j < i; j++)
            assert_string_not_equal(text, migrator_strerror(codes[j]));
    }
    assert_string_equal(migrator_strerror(MIGRATOR_OK), "success");
    assert_non_null(migrator_strerror(12345));
    assert_non_null(migrator_strerror(-12345));
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(open_creates_file, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(open_relative_path, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(open_memory, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(open_bad_url, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(open_failure, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(open_message_per_thread, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(open_invalid_arguments, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(open_pg_password_redacted, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(with_repo, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(migrate_on_startup, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(execute, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(statement_text, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(long_statement_runs, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(strerror_codes, rt_setup, rt_teardown),
    };
    return RT_MAIN("api", tests);
}
