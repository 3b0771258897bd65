/*
 * Unit tests of runtime/migration_name.c: `<VERSION>_<name>.sql` file names.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "migration_name.h"

static void check_migration(const char *file_name, int64_t version, const char *name)
{
    migrator__migration_name out;
    const char *error = "unset";
    char actual[256];

    memset(&out, 0x5a, sizeof(out));
    if (migrator__parse_migration_name(file_name, &out, &error) != MIGRATOR__NAME_MIGRATION)
        fail_msg("\"%s\" is not a migration: %s", file_name, error ? error : "(no error)");
    assert_null(error);
    assert_true(out.version == version);
    assert_true(out.name >= file_name && out.name < file_name + strlen(file_name));
    assert_true(out.name_length < sizeof(actual));
    memcpy(actual, out.name, out.name_length);
    actual[out.name_length] = '\0';
    assert_string_equal(actual, name);
}

static void check_invalid(const char *file_name, const char *error_substring)
{
    migrator__migration_name out;
    const char *error = NULL;
    migrator__name_kind kind;

    memset(&out, 0x5a, sizeof(out));
    kind = migrator__parse_migration_name(file_name, &out, &error);
    if (kind != MIGRATOR__NAME_INVALID)
        fail_msg("\"%s\": expected INVALID, got %d", file_name, (int)kind);
    assert_non_null(error);
    if (!strstr(error, error_substring))
        fail_msg("\"%s\": error \"%s\" lacks \"%s\"", file_name, error, error_substring);
    assert_true(out.version == 0);
    assert_null(out.name);
    assert_int_equal(out.name_length, 0);
}

static void check_ignored(const char *file_name)
{
    migrator__migration_name out;
    const char *error = "unset";
    migrator__name_kind kind = migrator__parse_migration_name(file_name, &out, &error);
    if (kind != MIGRATOR__NAME_IGNORED)
        fail_msg("\"%s\": expected IGNORED, got %d (%s)", file_name, (int)kind, error ? error : "");
    assert_null(error);
}

static void test_valid_names(void **state)
{
    (void)state;
    check_migration("20240101120000_create_weather.sql", INT64_C(20240101120000), "create_weather");
    check_migration("0_a.sql", 0, "a");
    check_migration("1_x.sql", 1, "x");
    check_migration("42_add_2_columns_v2.sql", 42, "add_2_columns_v2");
    check_migration("7_123.sql", 7, "123");
    check_migration("7__leading_underscore.sql", 7, "_leading_underscore");
    check_migration("7_trailing_.sql", 7, "trailing_");
}

static void test_version_limits(void **state)
{
    (void)state;
    check_migration("9223372036854775807_max.sql", INT64_MAX, "max");
    check_migration("9223372036854775806_max.sql", INT64_MAX - 1, "max");
    check_invalid("9223372036854775808_over.sql",
                  "version is larger than 9223372036854775807 (2^63-1)");
    check_invalid("9223372036854775810_over.sql", "version is larger");
    check_invalid("18446744073709551616_over.sql", "version is larger");
    check_invalid("99999999999999999999999999_over.sql", "version is larger");
}

static void test_leading_zeros(void **state)
{
    (void)state;
    check_migration("0001_x.sql", 1, "x");
    check_migration("00_x.sql", 0, "x");
    /* leading zeros do not count towards the limit */
    check_migration("0000009223372036854775807_x.sql", INT64_MAX, "x");
}

static void test_bad_names(void **state)
{
    (void)state;
    check_invalid("20240101_Create.sql",
                  "invalid name: use lower-case letters, digits and underscores");
    check_invalid("20240101_CREATE_TABLE.sql", "invalid name");
    check_invalid("20240101_create-table.sql", "invalid name");
    check_invalid("20240101_create table.sql", "invalid name");
    check_invalid("20240101_create.table.sql", "invalid name");
    check_invalid("20240101_café.sql", "invalid name");
    check_invalid("20240101_.sql", "missing name: expected <VERSION>_<name>.sql");
}

static void test_bad_separator(void **state)
{
    (void)state;
    check_invalid("20240101-create.sql", "expected '_' after the version: <VERSION>_<name>.sql");
    check_invalid("20240101-", "expected '_' after the version");
    check_invalid("20240101.sql", "expected '_' after the version");
    check_invalid("20240101create.sql", "expected '_' after the version");
}

static void test_bad_extension(void **state)
{
    (void)state;
    check_invalid("20240101_create.SQL", "wrong extension: a migration file name ends in .sql");
    check_invalid("20240101_create.Sql", "wrong extension");
    check_invalid("20240101_create.sql~", "wrong extension");
    check_invalid("20240101_create.sql.bak", "wrong extension");
    check_invalid("20240101_create.txt", "wrong extension");
    check_invalid("20240101_create", "wrong extension");
    check_invalid("20240101_", "wrong extension");
    check_invalid("20240101_create.sq", "wrong extension");
}

static void test_sql_without_version(void **state)
{
    (void)state;
    check_invalid("create_users.sql", "not a migration file name: expected <VERSION>_<name>.sql");
    check_invalid("schema.SQL", "not a migration file name");
    check_invalid("v1_create.sql", "not a migration file name");
}

static void test_ignored(void **state)
{
    (void)state;
    check_ignored("README.md");
    check_ignored(".keep");
    check_ignored(".gitkeep");
    check_ignored("");
    check_ignored("Makefile");
    check_ignored("notes.txt");
    check_ignored("2024");
    check_ignored("2024.txt");
    check_ignored("x1_create.txt");
    /* editor files and dotfiles, even when they look like migrations */
    check_ignored(".20240101_create.sql.swp");
    check_ignored(".20240101_create.sql");
    check_ignored(".#20240101_create.sql");
    check_ignored(".sql");
}

static void test_valid_migration_name(void **state)
{
    (void)state;
    assert_true(migrator__valid_migration_name("abc_123", 7));
    assert_true(migrator__valid_migration_name("_", 1));
    /* only the first `length` bytes count */
    assert_true(migrator__valid_migration_name("abc-def", 3));
    assert_false(migrator__valid_migration_name("abc-def", 4));
    assert_false(migrator__valid_migration_name("", 0));
    assert_false(migrator__valid_migration_name("Abc", 3));
    assert_false(migrator__valid_migration_name("a b", 3));
    assert_false(migrator__valid_migration_name("a.b", 3));
    assert_false(migrator__valid_migration_name("\xc3\xa9", 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_names),          cmocka_unit_test(test_version_limits),
        cmocka_unit_test(test_leading_zeros),        cmocka_unit_test(test_bad_names),
        cmocka_unit_test(test_bad_separator),        cmocka_unit_test(test_bad_extension),
        cmocka_unit_test(test_sql_without_version),  cmocka_unit_test(test_ignored),
        cmocka_unit_test(test_valid_migration_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
