/*
 * runtime.messages: the exact text of the failed-statement message and of
 * the logged version-row SQL (tests/runtime/SPEC.md; on PostgreSQL
 * docs/api.md "Errors and notices": FILE:LINE:COLUMN, SQLSTATE, message).
 *
 * SPDX-License-Identifier: MIT
 */
#define _XOPEN_SOURCE 700
#include "rt_harness.h"

#include <string.h>

#include "rt_basic_migrations.h"
#include "rt_dup_migrations.h"
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
    /* PostgreSQL points at "nowhere": line 2, column 13. */
    expected = rt_no_table_message(m, 2, 13, "nowhere", first);
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
 * and `DELETE FROM "schema_migrations" WHERE "version" = ? [1]`. PostgreSQL
 * logs its own placeholders (`$1, $2`, `$1::bigint`, the SQL it runs, as
 * Ecto's Postgres adapter) and inserted_at as the timestamp it stores,
 * `YYYY-MM-DD hh:mm:ss`. */
static void log_migrator_sql_insert_and_delete_exact(void **state)
{
    const char *insert =
        rt_pg()
            ? "INSERT INTO \"schema_migrations\" (\"version\", \"inserted_at\") VALUES ($1, $2) "
              "[1, \""
            : "INSERT INTO \"schema_migrations\" (\"version\", \"inserted_at\") VALUES (?, ?) "
              "[1, \"";
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
    /* YYYY-MM-DDThh:mm:ss (PostgreSQL: a space for the T) then "] */
    assert_int_equal(strlen(log.lines[at].text), strlen(insert) + 19 + 2);
    assert_string_equal(log.lines[at].text + strlen(insert) + 19, "\"]");
    assert_int_equal(log.lines[at].text[strlen(insert) + 10], rt_pg() ? ' ' : 'T');
    assert_logged(&log, MIGRATOR_LOG_INFO,
                  rt_pg() ? "DELETE FROM \"schema_migrations\" WHERE \"version\" = $1::bigint [1]"
                          : "DELETE FROM \"schema_migrations\" WHERE \"version\" = ? [1]");
    rt_log_free(&log);
    migrator_close(repo);
}

/* A message with the server's detail, exactly: docs/api.md "Errors and
 * notices" puts the detail and hint in parentheses after the message,
 * "SQLSTATE: message (detail: ...; hint: ...)"; PostgreSQL gives no
 * position here, so FILE:LINE only. SQLite: its message. */
static void esql_message_with_detail(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = rt_open(env->url, NULL);
    const migrator_migration *m1 = rt_migration(&rt_dup_migrations, 1);
    char *expected;

    assert_status(repo, migrator_up(repo, &rt_dup_migrations, 1, NULL), MIGRATOR_ESQL);
    expected = rt_pg() ? rt_format("%s:4: 23505: duplicate key value violates unique constraint "
                                   "\"u_pkey\" (detail: Key (id)=(1) already exists.) (statement: "
                                   "INSERT INTO u (id, name) VALUES (1, 'b'))",
                                   m1->file)
                       : rt_format("%s:4: UNIQUE constraint failed: u.id (statement: INSERT INTO "
                                   "u (id, name) VALUES (1, 'b'))",
                                   m1->file);
    assert_string_equal(migrator_errmsg(repo), expected);
    free(expected);
    assert_false(rt_has_table(env->db, "u"));
    assert_db_versions(env->db, "");
    migrator_close(repo);
}

/* PostgreSQL's position on a statement's second line maps to that line of
 * the file and the column there: FILE:LINE:COLUMN. SQLite: the
 * statement's first line, no column. */
static void esql_message_position_on_second_line(void **state)
{
    rt_env *env = RT_ENV(state);
    migrator_repo *repo = rt_open(env->url, NULL);
    const migrator_migration *m2 = rt_migration(&rt_dup_migrations, 2);
    char *expected;

    rt_exec(env->db, "CREATE TABLE u (id INTEGER PRIMARY KEY, name TEXT)");
    assert_status(repo, migrator_up(repo, &rt_dup_migrations, 2, NULL), MIGRATOR_ESQL);
    expected = rt_pg() ? rt_format("%s:4:5: 42703: column \"nonexistent_column\" of relation \"u\" "
                                   "does not exist (statement: INSERT INTO u (id,)",
                                   m2->file)
                       : rt_format("%s:3: table u has no column named nonexistent_column "
                                   "(statement: INSERT INTO u (id,)",
                                   m2->file);
    assert_string_equal(migrator_errmsg(repo), expected);
    free(expected);
    assert_db_versions(env->db, "");
    migrator_close(repo);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(esql_message_has_the_whole_first_line, rt_setup,
                                        rt_teardown),
        cmocka_unit_test_setup_teardown(log_migrator_sql_insert_and_delete_exact, rt_setup,
                                        rt_teardown),
        cmocka_unit_test_setup_teardown(esql_message_with_detail, rt_setup, rt_teardown),
        cmocka_unit_test_setup_teardown(esql_message_position_on_second_line, rt_setup,
                                        rt_teardown),
    };
    return RT_MAIN("messages", tests);
}
