/*
 * Unit tests of runtime/sql_canonical.c: the spelling of SQL in schema
 * fingerprints, where spacing, comments and (for SQLite) keyword case do
 * not count and quoted text counts byte for byte.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sql_canonical.h"

static void assert_canonical(const char *sql, int lower, const char *expected)
{
    char *text = migrator__sql_canonical(sql, strlen(sql), MIGRATOR_DIALECT_SQLITE, lower);
    assert_non_null(text);
    assert_string_equal(text, expected);
    free(text);
}

static void spacing_and_comments_do_not_count(void **state)
{
    (void)state;
    assert_canonical("CREATE VIEW v AS SELECT a,b FROM t", 1,
                     "create view v as select a, b from t");
    assert_canonical("create view v\n  as select a , b -- both\n  from /* the */ t", 1,
                     "create view v as select a, b from t");
    assert_canonical("check(a>=0 AND b<>1)", 1, "check (a >= 0 and b <> 1)");
    assert_canonical("check ( a >= 0 and b <> 1 )", 1, "check (a >= 0 and b <> 1)");
}

static void quoted_text_is_kept(void **state)
{
    (void)state;
    assert_canonical("DEFAULT 'It''s  A'", 1, "default 'It''s  A'");
    assert_canonical("SELECT \"Mixed Case\".x FROM \"Mixed Case\"", 1,
                     "select \"Mixed Case\".x from \"Mixed Case\"");
    /* A quoted plain name is that name (SQLite rewrites view text so). */
    assert_canonical("SELECT name FROM \"cities\" JOIN [towns] USING (`id`)", 1,
                     "select name from cities join towns using (id)");
    /* ... with its case: in SQLite a quoted name that is no column is a
     * string, so "Active" and "active" differ. */
    assert_canonical("DEFAULT \"Active\"", 1, "default Active");
    assert_canonical("SELECT \"Cities\"", 0, "SELECT \"Cities\"");
    assert_canonical("SELECT Name FROM T", 0, "SELECT Name FROM T");
}

static void punctuation(void **state)
{
    (void)state;
    assert_canonical("f( a , b );", 1, "f (a, b);");
    assert_canonical("main . t", 1, "main.t");
    assert_canonical("", 1, "");
    assert_canonical("  -- only a comment\n", 1, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spacing_and_comments_do_not_count),
        cmocka_unit_test(quoted_text_is_kept),
        cmocka_unit_test(punctuation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
