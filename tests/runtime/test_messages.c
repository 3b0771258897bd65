/*
 * runtime.messages: the exact text of the failed-statement message and of
 * the logged version-row SQL (tests/runtime/SPEC.md).
 *
 * SPDX-License-Identifier: MIT
 */
#define _XOPEN_SOURCE 700
#include "rt_harness.h"

#include <string.h>

#include "rt_basic_migrations.h"
#include "rt_long_fail_migrations.h"

/* SPEC.md "Failure of a statement": migrator_errmsg is
 * `FILE:LINE: <SQLite message> (statement: <first line of the statement>)`,
 * the whole first line however long. */
static void esql_message_has_the_whole_first_line(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = rt_open(env->url, NULL);
    const migrator_migration *m = rt_migration(&rt_long_fail_migrations, 1);
    char *first = migrator_statement_text(&m->up.statements[0]);
    char *expected;

    assert_non_null(first);
    first[strcspn(first, "\n")] = '\0';
    assert_true(strlen(first) > 100);
    expected = rt_format("%s:2: no such table: nowhere (statement: %s)", m->file, first);
    assert_status(repo, migrator_run(repo, &rt_long_fail_migrations, MIGRATOR_UP, NULL, NULL),
                  MIGRATOR_ESQL);
    assert_string_equal(migrator_errmsg(repo), expected);
    free(expected);
    free(first);
    migrator_close(repo);
}

/* SPEC.md "Log lines": with log_migrator_sql the version-row lines are the
 * SQL followed by its parameters, as Ecto logs them:
 * `INSERT INTO "schema_migrations" ("version", "inserted_at") VALUES (?, ?) [1, "<UTC time>"]`
 * and `DELETE FROM "schema_migrations" WHERE "version" = ? [1]`. */
static void log_migrator_sql_insert_and_delete_exact(void **state)
{
    static const char insert[] =
        "INSERT INTO \"schema_migrations\" (\"version\", \"inserted_at\") VALUES (?, ?) [1, \"";
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = rt_open(env->url, NULL);
    rt_log log = {NULL, 0};
    migrator_run_opts opts = rt_opts(&log);
    long at;

    opts.log = MIGRATOR_LOG_OFF;
    opts.log_migrator_sql = MIGRATOR_LOG_INFO;
    assert_status(repo, migrator_up(repo, &rt_basic_migrations, 1, &opts), MIGRATOR_OK);
    assert_status(repo, migrator_down(repo, &rt_basic_migrations, 1, &opts), MIGRATOR_OK);
    at = rt_log_find_prefix(&log, insert, 0);
    assert_true(at >= 0);
    /* YYYY-MM-DDThh:mm:ss then "] */
    assert_int_equal(strlen(log.lines[at].text), strlen(insert) + 19 + 2);
    assert_string_equal(log.lines[at].text + strlen(insert) + 19, "\"]");
    assert_int_equal(log.lines[at].text[strlen(insert) + 10], 'T');
    assert_logged(&log, MIGRATOR_LOG_INFO,
                  "DELETE FROM \"schema_migrations\" WHERE \"version\" = ? [1]");
    rt_log_free(&log);
    migrator_close(repo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(esql_message_has_the_whole_first_line, rt_setup,
                                        rt_teardown),
        cmocka_unit_test_setup_teardown(log_migrator_sql_insert_and_delete_exact, rt_setup,
                                        rt_teardown),
    };
    return cmocka_run_group_tests_name("runtime.messages", tests, NULL, NULL);
}
