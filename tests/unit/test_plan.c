/*
 * Unit tests of runtime/plan.c: which migrations each strategy selects
 * (research/ecto-migrator.md §3.2), for up and down, with targets below,
 * on, between and beyond the versions, and applied versions without a
 * migration.
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

#include "plan.h"

/* Versions 10, 20, 30, 40, 50; statements do not matter here. */
static const migrator_migration migrations[] = {
    {10, "a", "a.sql", MIGRATOR_HAS_DOWN, {NULL, 0, 1}, {NULL, 0, 2}, ""},
    {20, "b", "b.sql", MIGRATOR_HAS_DOWN, {NULL, 0, 1}, {NULL, 0, 2}, ""},
    {30, "c", "c.sql", MIGRATOR_HAS_DOWN, {NULL, 0, 1}, {NULL, 0, 2}, ""},
    {40, "d", "d.sql", MIGRATOR_HAS_DOWN, {NULL, 0, 1}, {NULL, 0, 2}, ""},
    {50, "e", "e.sql", MIGRATOR_HAS_DOWN, {NULL, 0, 1}, {NULL, 0, 2}, ""},
};
static const migrator_table table = {MIGRATOR_TABLE_ABI_VERSION,  "repo",     MIGRATOR_DIALECT_ANY,
                                     MIGRATOR_CHECKSUM_SHA256_V1, migrations, 5};

/* Selects and renders the plan as "v,v,v". */
static void select_as_text(const int64_t *applied_items, size_t applied_count,
                           migrator_direction direction, migrator_strategy strategy, int64_t target,
                           char *out, size_t size)
{
    int64_t copy[16];
    migrator_versions applied;
    migrator__plan plan;
    size_t i, used = 0;

    memcpy(copy, applied_items, applied_count * sizeof(*copy));
    applied.items = copy;
    applied.count = applied_count;
    assert_int_equal(migrator__plan_select(&plan, &table, &applied, direction, strategy, target),
                     MIGRATOR_OK);
    out[0] = '\0';
    for (i = 0; i < plan.count; i++)
        used += (size_t)snprintf(out + used, size - used, "%s%lld", i ? "," : "",
                                 (long long)plan.items[i]->version);
    migrator__plan_free(&plan);
}

#define UP MIGRATOR_UP
#define DOWN MIGRATOR_DOWN
#define CHECK(applied, direction, strategy, target, expected)                                      \
    do {                                                                                           \
        char text[128];                                                                            \
        select_as_text(applied, sizeof(applied) / sizeof(applied[0]) - 1, direction,               \
                       MIGRATOR_STRATEGY_##strategy, target, text, sizeof(text));                  \
        assert_string_equal(text, expected);                                                       \
    } while (0)

/* Arrays end with a sentinel that is not counted (so that "none" works). */
static const int64_t none[] = {-1};
static const int64_t first_two[] = {10, 20, -1};
static const int64_t all_five[] = {10, 20, 30, 40, 50, -1};
static const int64_t with_orphan[] = {10, 20, 25, -1}; /* 25: no migration */
static const int64_t out_of_order[] = {10, 40, -1};    /* 20, 30 pending below 40 */

static void test_up_strategies(void **state)
{
    (void)state;
    CHECK(none, UP, ALL, 0, "10,20,30,40,50");
    CHECK(none, UP, DEFAULT, 0, "10,20,30,40,50");
    CHECK(first_two, UP, ALL, 0, "30,40,50");
    CHECK(all_five, UP, ALL, 0, "");
    CHECK(first_two, UP, STEP, 1, "30");
    CHECK(first_two, UP, STEP, 2, "30,40");
    CHECK(first_two, UP, STEP, 99, "30,40,50");
    CHECK(first_two, UP, TO, 40, "30,40");        /* inclusive, on a version */
    CHECK(first_two, UP, TO, 45, "30,40");        /* between versions */
    CHECK(first_two, UP, TO, 5, "");              /* below every version */
    CHECK(first_two, UP, TO, 1000, "30,40,50");   /* beyond */
    CHECK(first_two, UP, TO_EXCLUSIVE, 40, "30"); /* exclusive */
    CHECK(first_two, UP, TO_EXCLUSIVE, 45, "30,40");
    CHECK(first_two, UP, TO_EXCLUSIVE, 30, "");
    CHECK(out_of_order, UP, ALL, 0, "20,30,50"); /* out of order: ascending */
}

static void test_down_strategies(void **state)
{
    (void)state;
    CHECK(all_five, DOWN, DEFAULT, 0, "50"); /* rollback: one step */
    CHECK(all_five, DOWN, ALL, 0, "50,40,30,20,10");
    CHECK(all_five, DOWN, STEP, 2, "50,40");
    CHECK(all_five, DOWN, STEP, 99, "50,40,30,20,10");
    CHECK(all_five, DOWN, TO, 30, "50,40,30");      /* inclusive */
    CHECK(all_five, DOWN, TO, 35, "50,40");         /* between */
    CHECK(all_five, DOWN, TO, 60, "");              /* beyond the newest */
    CHECK(all_five, DOWN, TO, 0, "50,40,30,20,10"); /* below the oldest */
    CHECK(all_five, DOWN, TO_EXCLUSIVE, 30, "50,40");
    CHECK(all_five, DOWN, TO_EXCLUSIVE, 5, "50,40,30,20,10");
    CHECK(none, DOWN, ALL, 0, "");
    CHECK(out_of_order, DOWN, DEFAULT, 0, "40"); /* by version, not by time */
}

static void test_applied_without_migration_never_rolled_back(void **state)
{
    (void)state;
    CHECK(with_orphan, DOWN, ALL, 0, "20,10");
    CHECK(with_orphan, DOWN, DEFAULT, 0, "20");
    CHECK(with_orphan, UP, ALL, 0, "30,40,50");
}

static void test_step_below_one_is_invalid(void **state)
{
    migrator_versions applied = {NULL, 0};
    migrator__plan plan;
    (void)state;
    assert_int_equal(migrator__plan_select(&plan, &table, &applied, UP, MIGRATOR_STRATEGY_STEP, 0),
                     MIGRATOR_EINVAL);
    assert_int_equal(plan.count, 0);
    assert_int_equal(
        migrator__plan_select(&plan, &table, &applied, DOWN, MIGRATOR_STRATEGY_STEP, -1),
        MIGRATOR_EINVAL);
}

static void test_find_and_contain(void **state)
{
    int64_t items[] = {10, 20, 25};
    migrator_versions applied = {items, 3};
    (void)state;
    assert_ptr_equal(migrator__table_find(&table, 30), &migrations[2]);
    assert_ptr_equal(migrator__table_find(&table, 10), &migrations[0]);
    assert_ptr_equal(migrator__table_find(&table, 50), &migrations[4]);
    assert_null(migrator__table_find(&table, 35));
    assert_null(migrator__table_find(&table, 60));
    assert_true(migrator__versions_contain(&applied, 25));
    assert_false(migrator__versions_contain(&applied, 30));
    assert_false(migrator__versions_contain(&applied, 5));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_up_strategies),
        cmocka_unit_test(test_down_strategies),
        cmocka_unit_test(test_applied_without_migration_never_rolled_back),
        cmocka_unit_test(test_step_below_one_is_invalid),
        cmocka_unit_test(test_find_and_contain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
