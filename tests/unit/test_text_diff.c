/*
 * Unit tests of runtime/lines.c and runtime/text_diff.c: the unified diff
 * that a failed round trip prints (docs/roundtrip.md), checked byte for
 * byte against what `diff -u` prints for the same sorted files.
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

#include "text_diff.h"

/* The diff of two "\n"-separated texts; each side is sorted first. */
static char *diff_of(const char *old_text, const char *new_text, size_t *changed)
{
    migrator__lines a, b;
    char *diff;
    assert_int_equal(migrator__lines_split(old_text, &a), 0);
    assert_int_equal(migrator__lines_split(new_text, &b), 0);
    migrator__lines_sort(&a);
    migrator__lines_sort(&b);
    diff = migrator__unified_diff(&a, &b, "before", "after", changed);
    assert_non_null(diff);
    migrator__lines_free(&a);
    migrator__lines_free(&b);
    return diff;
}

static void equal_lists_give_no_diff(void **state)
{
    size_t changed = 99;
    char *diff = diff_of("b\na\nc\n", "c\nb\na", &changed);
    (void)state;
    assert_string_equal(diff, "");
    assert_int_equal(changed, 0);
    free(diff);
}

static void one_line_that_stayed(void **state)
{
    size_t changed = 0;
    char *diff = diff_of("table t\ntable t column a: int\n",
                         "index i on t (a)\ntable t\ntable t column a: int\n", &changed);
    (void)state;
    assert_string_equal(diff, "--- before\n+++ after\n@@ -1,2 +1,3 @@\n+index i on t (a)\n"
                              " table t\n table t column a: int\n");
    assert_int_equal(changed, 1);
    free(diff);
}

static void changed_line_in_the_middle(void **state)
{
    size_t changed = 0;
    char *diff = diff_of("a\nb\nc\nd: 1\ne\nf\ng\n", "a\nb\nc\nd: 2\ne\nf\ng\n", &changed);
    (void)state;
    assert_string_equal(diff, "--- before\n+++ after\n@@ -1,7 +1,7 @@\n a\n b\n c\n-d: 1\n+d: 2\n"
                              " e\n f\n g\n");
    assert_int_equal(changed, 2);
    free(diff);
}

static void distant_changes_make_two_hunks(void **state)
{
    size_t changed = 0;
    char *diff =
        diff_of("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n", "b\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n", &changed);
    (void)state;
    assert_string_equal(diff, "--- before\n+++ after\n@@ -1,4 +1,3 @@\n-a\n b\n c\n d\n"
                              "@@ -9,3 +8,4 @@\n i\n j\n k\n+l\n");
    assert_int_equal(changed, 2);
    free(diff);
}

static void removed_lines_come_first(void **state)
{
    size_t changed = 0;
    /* "+...FLOAT" sorts before "-...REAL"; diff -u shows the removal first. */
    char *diff = diff_of("t column a: INT\nt column b: REAL\nt columns (a, b)\n",
                         "t column a: INT\nt column b: FLOAT\nt columns (a, b)\n", &changed);
    (void)state;
    assert_string_equal(diff, "--- before\n+++ after\n@@ -1,3 +1,3 @@\n t column a: INT\n"
                              "-t column b: REAL\n+t column b: FLOAT\n t columns (a, b)\n");
    assert_int_equal(changed, 2);
    free(diff);
}

static void removal_at_the_end(void **state)
{
    size_t changed = 0;
    char *diff = diff_of("a\nz\n", "a\n", &changed);
    (void)state;
    assert_string_equal(diff, "--- before\n+++ after\n@@ -1,2 +1 @@\n a\n-z\n");
    free(diff);
}

static void from_nothing(void **state)
{
    size_t changed = 0;
    char *diff = diff_of("", "x\ny\n", &changed);
    (void)state;
    assert_string_equal(diff, "--- before\n+++ after\n@@ -0,0 +1,2 @@\n+x\n+y\n");
    assert_int_equal(changed, 2);
    free(diff);
}

static void join_and_split_round_trip(void **state)
{
    migrator__lines lines = MIGRATOR__LINES_INIT;
    char *text;
    (void)state;
    assert_int_equal(migrator__lines_addf(&lines, "%s %d", "b", 2), 0);
    assert_int_equal(migrator__lines_addf(&lines, "a"), 0);
    migrator__lines_sort(&lines);
    text = migrator__lines_join(&lines);
    assert_string_equal(text, "a\nb 2\n");
    migrator__lines_free(&lines);
    assert_int_equal(lines.count, 0);
    free(text);
    text = migrator__lines_join(&lines);
    assert_string_equal(text, "");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(equal_lists_give_no_diff),
        cmocka_unit_test(one_line_that_stayed),
        cmocka_unit_test(changed_line_in_the_middle),
        cmocka_unit_test(distant_changes_make_two_hunks),
        cmocka_unit_test(removed_lines_come_first),
        cmocka_unit_test(removal_at_the_end),
        cmocka_unit_test(from_nothing),
        cmocka_unit_test(join_and_split_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
