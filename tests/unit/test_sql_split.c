/*
 * Unit tests of runtime/sql_split.c: where statements end, their spans and
 * positions, trigger and BEGIN ATOMIC bodies, parentheses, and errors.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sql_split.h"

#define SQLITE MIGRATOR_DIALECT_SQLITE
#define PG MIGRATOR_DIALECT_POSTGRES
#define ANY MIGRATOR_DIALECT_ANY

#define MAX_STATEMENTS 16

typedef struct split_result {
    size_t count;
    char text[MAX_STATEMENTS][1024];
    unsigned int line[MAX_STATEMENTS], column[MAX_STATEMENTS];
    int finish; /* what migrator__splitter_finish returned */
    int lexer_error;
    const char *error;
    unsigned int error_line, error_column;
} split_result;

static void add(split_result *r, const char *text, const migrator__statement_span *span)
{
    size_t length = span->end - span->start;
    assert_true(r->count < MAX_STATEMENTS);
    assert_true(span->end > span->start);
    assert_true(length < sizeof(r->text[0]));
    memcpy(r->text[r->count], text + span->start, length);
    r->text[r->count][length] = '\0';
    r->line[r->count] = span->line;
    r->column[r->count] = span->column;
    r->count++;
}

/* Splits text; a lexer error stops it (r->lexer_error). */
static void split(split_result *r, migrator_dialect dialect, const char *text)
{
    migrator__lexer lexer;
    migrator__splitter splitter;
    migrator__token token;
    migrator__statement_span span;

    memset(r, 0, sizeof(*r));
    migrator__lexer_init(&lexer, text, strlen(text), dialect, 1);
    migrator__splitter_init(&splitter);
    for (;;) {
        migrator__token_kind kind = migrator__lexer_next(&lexer, &token);
        if (kind == MIGRATOR__TOK_EOF)
            break;
        if (kind == MIGRATOR__TOK_ERROR) {
            r->lexer_error = 1;
            return;
        }
        memset(&span, 0xab, sizeof(span));
        if (migrator__splitter_feed(&splitter, &lexer, &token, &span)) {
            assert_int_equal(kind, MIGRATOR__TOK_SEMICOLON);
            add(r, text, &span);
        }
    }
    r->finish = migrator__splitter_finish(&splitter, &span);
    if (r->finish == 1)
        add(r, text, &span);
    r->error = splitter.error;
    r->error_line = splitter.error_line;
    r->error_column = splitter.error_column;
    /* The splitter is ready for new input afterwards. */
    assert_int_equal(splitter.active, 0);
    assert_int_equal(splitter.paren_depth, 0);
    assert_int_equal(splitter.block_depth, 0);
}

/* Checks that text splits into exactly the given statements. */
static void check_split(migrator_dialect dialect, const char *text, const char *const *expected,
                        size_t count)
{
    split_result r;
    size_t i;
    split(&r, dialect, text);
    assert_int_equal(r.lexer_error, 0);
    assert_int_not_equal(r.finish, -1);
    if (r.count != count)
        fail_msg("\"%s\" (dialect %d): %zu statements, expected %zu (first: \"%s\")", text,
                 (int)dialect, r.count, count, r.count ? r.text[0] : "");
    for (i = 0; i < count; i++)
        assert_string_equal(r.text[i], expected[i]);
}

#define CHECK(dialect, text, ...)                                                                  \
    do {                                                                                           \
        static const char *const expected_[] = {__VA_ARGS__};                                      \
        check_split(dialect, text, expected_, sizeof(expected_) / sizeof(expected_[0]));           \
    } while (0)

static void check_none(migrator_dialect dialect, const char *text)
{
    split_result r;
    split(&r, dialect, text);
    assert_int_equal(r.lexer_error, 0);
    assert_int_equal(r.finish, 0);
    assert_int_equal(r.count, 0);
}

static void check_failure(migrator_dialect dialect, const char *text, const char *message,
                          unsigned int line, unsigned int column)
{
    split_result r;
    split(&r, dialect, text);
    assert_int_equal(r.lexer_error, 0);
    assert_int_equal(r.finish, -1);
    assert_non_null(r.error);
    assert_string_equal(r.error, message);
    assert_int_equal(r.error_line, line);
    assert_int_equal(r.error_column, column);
}

static void test_simple_statements(void **state)
{
    (void)state;
    CHECK(ANY, "CREATE TABLE a (x int);\nDROP TABLE b;\n", "CREATE TABLE a (x int)",
          "DROP TABLE b");
    /* the last statement needs no ';' and no newline */
    CHECK(ANY, "SELECT 1; SELECT 2", "SELECT 1", "SELECT 2");
    CHECK(ANY, "SELECT 1", "SELECT 1");
}

static void test_empty_statements_dropped(void **state)
{
    (void)state;
    CHECK(ANY, ";;SELECT 1;;; ;\n;SELECT 2;;", "SELECT 1", "SELECT 2");
    check_none(ANY, "");
    check_none(ANY, ";;  ;\n");
    check_none(ANY, "-- only a comment\n/* and another */ ; -- x");
}

static void test_span_excludes_comments_and_semicolon(void **state)
{
    (void)state;
    CHECK(ANY, "-- lead\n/* block */\n  SELECT /* in */ 1 -- trail\n ;\n/* x */ SELECT 2 /* y */",
          "SELECT /* in */ 1", "SELECT 2");
}

static void test_semicolons_in_quotes_and_comments(void **state)
{
    (void)state;
    CHECK(ANY, "INSERT INTO t VALUES ('a;b', 'it''s;');SELECT 2;",
          "INSERT INTO t VALUES ('a;b', 'it''s;')", "SELECT 2");
    CHECK(ANY, "SELECT \"a;b\" FROM \"t\"\"x;\"; SELECT 2", "SELECT \"a;b\" FROM \"t\"\"x;\"",
          "SELECT 2");
    CHECK(ANY, "SELECT 1 -- a; b\n+ 1; SELECT 2", "SELECT 1 -- a; b\n+ 1", "SELECT 2");
    CHECK(PG, "SELECT 1 /* a; /* b; */ c; */ + 1; SELECT 2", "SELECT 1 /* a; /* b; */ c; */ + 1",
          "SELECT 2");
    CHECK(PG, "SELECT $$a;b$$, $t$ $$; $t$; SELECT 2", "SELECT $$a;b$$, $t$ $$; $t$", "SELECT 2");
    CHECK(PG, "SELECT E'\\';'; SELECT 2", "SELECT E'\\';'", "SELECT 2");
    CHECK(SQLITE, "SELECT `a;b`, [c;d]; SELECT 2", "SELECT `a;b`, [c;d]", "SELECT 2");
}

static void test_dialect_changes_split(void **state)
{
    (void)state;
    /* no nesting in SQLite: the comment closes early and ';' splits */
    CHECK(SQLITE, "SELECT /* /* */ 1; */ 2", "SELECT /* /* */ 1", "*/ 2");
    /* no dollar quotes in SQLite */
    CHECK(SQLITE, "SELECT $$a;b$$", "SELECT $$a", "b$$");
    /* no backtick identifiers in PostgreSQL */
    CHECK(PG, "SELECT `a;b`", "SELECT `a", "b`");
    /* E'' only outside SQLite: here the backslash does not escape */
    CHECK(SQLITE, "SELECT E'\\'; SELECT 2", "SELECT E'\\'", "SELECT 2");
}

static void test_positions(void **state)
{
    split_result r;
    (void)state;
    split(&r, ANY,
          "SELECT 1; SELECT 2;\n"
          "/* a\n"
          "   multi-line comment; */   SELECT 'x\n"
          "y;';\n"
          "\n"
          "\t  INSERT INTO t\n"
          "  VALUES (1);  SELECT\n"
          "3");
    assert_int_equal(r.finish, 1);
    assert_int_equal(r.count, 5);
    assert_string_equal(r.text[0], "SELECT 1");
    assert_int_equal(r.line[0], 1);
    assert_int_equal(r.column[0], 1);
    assert_string_equal(r.text[1], "SELECT 2");
    assert_int_equal(r.line[1], 1);
    assert_int_equal(r.column[1], 11);
    assert_string_equal(r.text[2], "SELECT 'x\ny;'");
    assert_int_equal(r.line[2], 3);
    assert_int_equal(r.column[2], 29);
    assert_string_equal(r.text[3], "INSERT INTO t\n  VALUES (1)");
    assert_int_equal(r.line[3], 6);
    assert_int_equal(r.column[3], 4);
    assert_string_equal(r.text[4], "SELECT\n3");
    assert_int_equal(r.line[4], 7);
    assert_int_equal(r.column[4], 16);
}

static void test_crlf(void **state)
{
    split_result r;
    (void)state;
    split(&r, ANY, "SELECT 1;\r\n-- c\r\nSELECT\r\n 2;\r\n");
    assert_int_equal(r.count, 2);
    assert_string_equal(r.text[0], "SELECT 1");
    assert_int_equal(r.line[0], 1);
    assert_string_equal(r.text[1], "SELECT\r\n 2");
    assert_int_equal(r.line[1], 3);
    assert_int_equal(r.column[1], 1);
}

static void test_sqlite_trigger_body(void **state)
{
    split_result r;
    (void)state;
    split(&r, SQLITE,
          "CREATE TABLE t (a, b);\n"
          "CREATE TRIGGER t_ai AFTER INSERT ON t\n"
          "BEGIN\n"
          "  UPDATE t SET b = CASE WHEN new.a > 0 THEN 'pos;' ELSE 'neg' END WHERE rowid = "
          "new.rowid;\n"
          "  INSERT INTO log VALUES (new.a);\n"
          "END;\n"
          "SELECT 1;");
    assert_int_equal(r.finish, 0);
    assert_int_equal(r.count, 3);
    assert_string_equal(r.text[0], "CREATE TABLE t (a, b)");
    assert_string_equal(r.text[1],
                        "CREATE TRIGGER t_ai AFTER INSERT ON t\n"
                        "BEGIN\n"
                        "  UPDATE t SET b = CASE WHEN new.a > 0 THEN 'pos;' ELSE 'neg' END WHERE "
                        "rowid = new.rowid;\n"
                        "  INSERT INTO log VALUES (new.a);\n"
                        "END");
    assert_int_equal(r.line[1], 2);
    assert_string_equal(r.text[2], "SELECT 1");
    assert_int_equal(r.line[2], 7);
}

static void test_sqlite_trigger_when_case_before_begin(void **state)
{
    (void)state;
    CHECK(
        SQLITE,
        "CREATE TEMP TRIGGER IF NOT EXISTS tr BEFORE UPDATE ON t FOR EACH ROW\n"
        "WHEN CASE WHEN new.a IS NULL THEN 1 ELSE 0 END = 1\n"
        "BEGIN SELECT RAISE(ABORT, 'no; null'); SELECT CASE 1 WHEN 1 THEN (SELECT 1; ) END; END;\n"
        "DROP TABLE x",
        "CREATE TEMP TRIGGER IF NOT EXISTS tr BEFORE UPDATE ON t FOR EACH ROW\n"
        "WHEN CASE WHEN new.a IS NULL THEN 1 ELSE 0 END = 1\n"
        "BEGIN SELECT RAISE(ABORT, 'no; null'); SELECT CASE 1 WHEN 1 THEN (SELECT 1; ) END; END",
        "DROP TABLE x");
    CHECK(ANY, "create temporary trigger tr after delete on t begin delete from u; end; select 1",
          "create temporary trigger tr after delete on t begin delete from u; end", "select 1");
}

/* SQLite columns may be called begin or end; qualified, they are names. */
static void test_qualified_begin_end_are_names(void **state)
{
    (void)state;
    CHECK(SQLITE,
          "CREATE TRIGGER tr BEFORE INSERT ON t WHEN new.begin > 0\n"
          "BEGIN SELECT RAISE(ABORT, 'bad') WHERE new.end < old . begin; END;\n"
          "SELECT 2",
          "CREATE TRIGGER tr BEFORE INSERT ON t WHEN new.begin > 0\n"
          "BEGIN SELECT RAISE(ABORT, 'bad') WHERE new.end < old . begin; END",
          "SELECT 2");
    CHECK(SQLITE,
          "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET x = new.end; END; SELECT 2",
          "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET x = new.end; END", "SELECT 2");
    CHECK(PG,
          "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT t.end, t.case FROM t; "
          "END;\n"
          "SELECT 2",
          "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT t.end, t.case FROM t; "
          "END",
          "SELECT 2");
    /* an unqualified begin inside parentheses does not open the body */
    CHECK(SQLITE,
          "CREATE TRIGGER tr AFTER INSERT ON t WHEN (SELECT begin FROM u) BEGIN SELECT 1; END; "
          "SELECT 2",
          "CREATE TRIGGER tr AFTER INSERT ON t WHEN (SELECT begin FROM u) BEGIN SELECT 1; END",
          "SELECT 2");
}

static void test_pg_trigger_without_body(void **state)
{
    (void)state;
    CHECK(PG,
          "CREATE OR REPLACE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();\n"
          "CREATE CONSTRAINT TRIGGER c AFTER INSERT ON t FOR EACH ROW EXECUTE PROCEDURE g();\n"
          "SELECT 1;",
          "CREATE OR REPLACE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()",
          "CREATE CONSTRAINT TRIGGER c AFTER INSERT ON t FOR EACH ROW EXECUTE PROCEDURE g()",
          "SELECT 1");
}

static void test_pg_begin_atomic(void **state)
{
    split_result r;
    (void)state;
    split(
        &r, PG,
        "CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql\n"
        "BEGIN ATOMIC\n"
        "  SELECT CASE WHEN a > 0 THEN a + b ELSE b END;\n"
        "  SELECT 2;\n"
        "END;\n"
        "CREATE OR REPLACE PROCEDURE p() LANGUAGE sql begin atomic INSERT INTO t VALUES (1); end;\n"
        "SELECT add(1, 2);");
    assert_int_equal(r.finish, 0);
    assert_int_equal(r.count, 3);
    assert_string_equal(r.text[0], "CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql\n"
                                   "BEGIN ATOMIC\n"
                                   "  SELECT CASE WHEN a > 0 THEN a + b ELSE b END;\n"
                                   "  SELECT 2;\n"
                                   "END");
    assert_string_equal(r.text[1],
                        "CREATE OR REPLACE PROCEDURE p() LANGUAGE sql begin atomic INSERT INTO t "
                        "VALUES (1); end");
    assert_int_equal(r.line[1], 6);
    assert_string_equal(r.text[2], "SELECT add(1, 2)");
    assert_int_equal(r.line[2], 7);
}

static void test_pg_dollar_function_and_do_block(void **state)
{
    (void)state;
    CHECK(PG,
          "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\n"
          "BEGIN\n  NEW.x := 1;\n  RETURN NEW;\nEND;\n$$;\n"
          "DO $do$ BEGIN PERFORM 1; END $do$;\n"
          "DO $$ BEGIN RAISE NOTICE 'a;b'; END $$ LANGUAGE plpgsql;",
          "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\n"
          "BEGIN\n  NEW.x := 1;\n  RETURN NEW;\nEND;\n$$",
          "DO $do$ BEGIN PERFORM 1; END $do$",
          "DO $$ BEGIN RAISE NOTICE 'a;b'; END $$ LANGUAGE plpgsql");
    /* BEGIN without ATOMIC does not open a body in a routine */
    CHECK(PG, "CREATE FUNCTION begin() RETURNS int AS 'SELECT 1' LANGUAGE sql; SELECT 2",
          "CREATE FUNCTION begin() RETURNS int AS 'SELECT 1' LANGUAGE sql", "SELECT 2");
}

static void test_pg_rule_parentheses(void **state)
{
    (void)state;
    CHECK(PG,
          "CREATE RULE r AS ON INSERT TO t DO ALSO (\n"
          "  INSERT INTO a VALUES (NEW.x);\n"
          "  INSERT INTO b VALUES (NEW.y)\n"
          ");\n"
          "SELECT 1;",
          "CREATE RULE r AS ON INSERT TO t DO ALSO (\n"
          "  INSERT INTO a VALUES (NEW.x);\n"
          "  INSERT INTO b VALUES (NEW.y)\n"
          ")",
          "SELECT 1");
    /* a stray ')' does not hide later semicolons */
    CHECK(ANY, "SELECT 1); SELECT 2;", "SELECT 1)", "SELECT 2");
}

static void test_transaction_statements_split(void **state)
{
    (void)state;
    CHECK(ANY, "BEGIN;\nINSERT INTO t VALUES (1);\nCOMMIT;\nBEGIN TRANSACTION; END;", "BEGIN",
          "INSERT INTO t VALUES (1)", "COMMIT", "BEGIN TRANSACTION", "END");
    CHECK(SQLITE, "BEGIN IMMEDIATE; SELECT 1; COMMIT", "BEGIN IMMEDIATE", "SELECT 1", "COMMIT");
    CHECK(PG, "START TRANSACTION; BEGIN; ROLLBACK;", "START TRANSACTION", "BEGIN", "ROLLBACK");
}

static void test_begin_and_case_outside_bodies(void **state)
{
    (void)state;
    CHECK(ANY, "SELECT begin FROM t; CREATE TABLE u (begin int, \"end\" int); SELECT 2",
          "SELECT begin FROM t", "CREATE TABLE u (begin int, \"end\" int)", "SELECT 2");
    CHECK(ANY, "SELECT CASE WHEN a THEN 1 END FROM t; SELECT 2",
          "SELECT CASE WHEN a THEN 1 END FROM t", "SELECT 2");
    CHECK(ANY, "CREATE INDEX i ON t (a); SELECT 1", "CREATE INDEX i ON t (a)", "SELECT 1");
    /* a trigger that is not the created object */
    CHECK(ANY, "CREATE TABLE trigger_log (x int); BEGIN; SELECT 1",
          "CREATE TABLE trigger_log (x int)", "BEGIN", "SELECT 1");
}

static void test_unterminated_trigger_body(void **state)
{
    (void)state;
    check_failure(SQLITE,
                  "CREATE TRIGGER t AFTER INSERT ON x\n"
                  "  BEGIN\n"
                  "    SELECT CASE WHEN 1 THEN 2 END;\n"
                  "    SELECT 1;\n",
                  "unterminated trigger body: BEGIN without END", 2, 3);
    /* CASE without END inside keeps the body open */
    check_failure(
        ANY, "SELECT 0; CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT CASE WHEN 1 THEN 2; END;",
        "unterminated trigger body: BEGIN without END", 1, 46);
}

static void test_unterminated_begin_atomic(void **state)
{
    (void)state;
    check_failure(PG,
                  "CREATE FUNCTION f() RETURNS int LANGUAGE sql\n"
                  "\n"
                  "BEGIN ATOMIC\n"
                  "  SELECT 1;\n",
                  "unterminated BEGIN ATOMIC body: BEGIN without END", 3, 1);
    check_failure(PG, "CREATE PROCEDURE p() LANGUAGE sql BEGIN\n ATOMIC SELECT 1;",
                  "unterminated BEGIN ATOMIC body: BEGIN without END", 1, 35);
}

static void test_unclosed_parenthesis(void **state)
{
    (void)state;
    check_failure(ANY, "SELECT 1;\nCREATE TABLE t (\n  a int CHECK ((a > 0);\nSELECT 2;",
                  "unclosed parenthesis", 2, 16);
    check_failure(PG, "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1);",
                  "unclosed parenthesis", 1, 41);
}

/* After finish (even after an error) the same splitter takes new input. */
static void test_reuse_after_finish(void **state)
{
    static const char first[] = "CREATE TRIGGER t BEGIN SELECT (1;",
                      second[] = "  SELECT 2; SELECT 3";
    migrator__lexer lexer;
    migrator__splitter splitter;
    migrator__token token;
    migrator__statement_span span;
    int ended = 0;
    (void)state;
    migrator__splitter_init(&splitter);
    migrator__lexer_init(&lexer, first, strlen(first), ANY, 1);
    while (migrator__lexer_next(&lexer, &token) != MIGRATOR__TOK_EOF)
        assert_int_equal(migrator__splitter_feed(&splitter, &lexer, &token, &span), 0);
    assert_int_equal(migrator__splitter_finish(&splitter, &span), -1);
    assert_string_equal(splitter.error, "unterminated trigger body: BEGIN without END");

    migrator__lexer_init(&lexer, second, strlen(second), ANY, 5);
    while (migrator__lexer_next(&lexer, &token) != MIGRATOR__TOK_EOF) {
        if (migrator__splitter_feed(&splitter, &lexer, &token, &span)) {
            ended++;
            assert_int_equal(span.start, 2);
            assert_int_equal(span.end, 10);
            assert_int_equal(span.line, 5);
            assert_int_equal(span.column, 3);
        }
    }
    assert_int_equal(ended, 1);
    assert_int_equal(migrator__splitter_finish(&splitter, &span), 1);
    assert_null(splitter.error);
    assert_int_equal(span.start, 12);
    assert_int_equal(span.end, 20);
    assert_int_equal(migrator__splitter_finish(&splitter, &span), 0);
}

static void test_many_nested_parentheses(void **state)
{
    (void)state;
    CHECK(ANY, "SELECT ((((1;)))); SELECT (2)", "SELECT ((((1;))))", "SELECT (2)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_statements),
        cmocka_unit_test(test_empty_statements_dropped),
        cmocka_unit_test(test_span_excludes_comments_and_semicolon),
        cmocka_unit_test(test_semicolons_in_quotes_and_comments),
        cmocka_unit_test(test_dialect_changes_split),
        cmocka_unit_test(test_positions),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_sqlite_trigger_body),
        cmocka_unit_test(test_sqlite_trigger_when_case_before_begin),
        cmocka_unit_test(test_qualified_begin_end_are_names),
        cmocka_unit_test(test_pg_trigger_without_body),
        cmocka_unit_test(test_pg_begin_atomic),
        cmocka_unit_test(test_pg_dollar_function_and_do_block),
        cmocka_unit_test(test_pg_rule_parentheses),
        cmocka_unit_test(test_transaction_statements_split),
        cmocka_unit_test(test_begin_and_case_outside_bodies),
        cmocka_unit_test(test_unterminated_trigger_body),
        cmocka_unit_test(test_unterminated_begin_atomic),
        cmocka_unit_test(test_unclosed_parenthesis),
        cmocka_unit_test(test_reuse_after_finish),
        cmocka_unit_test(test_many_nested_parentheses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
