/*
 * One tests/bytes program per repo: the repo's generated table is linked in
 * (BYTES_REPO_HEADER, BYTES_TABLE); argv[1] chooses the check:
 *
 *   table      (a) checksums and (b) statement texts, byte for byte
 *   sqlite     (c) the rows, on a SQLite file (BYTES_DB_PATH)
 *   postgres   (c) on a fresh database of the throwaway PostgreSQL server
 *   committed  the committed fixture files are the generator's output
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bytes_check.h"
#include BYTES_REPO_HEADER

#ifdef BYTES_HAVE_POSTGRES
#include "pg_test_db.h"
#endif

static void test_table(void **state)
{
    (void)state;
    bytes_check_table(&BYTES_TABLE, BYTES_EXPECT_DIR);
}

static void test_sqlite(void **state)
{
    (void)state;
    bytes_check_sqlite(&BYTES_TABLE, BYTES_EXPECT_DIR, BYTES_DB_PATH);
}

#ifdef BYTES_GENERATED_SQL_DIR
static void test_committed(void **state)
{
    (void)state;
    bytes_check_committed(&BYTES_TABLE, BYTES_SOURCE_DIR, BYTES_GENERATED_SQL_DIR);
}
#endif

#ifdef BYTES_HAVE_POSTGRES
static char *pg_url;

static void test_postgres(void **state)
{
    (void)state;
    bytes_check_postgres(&BYTES_TABLE, BYTES_EXPECT_DIR, pg_url);
}
#endif

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "table") == 0) {
        const struct CMUnitTest tests[] = {cmocka_unit_test(test_table)};
        return cmocka_run_group_tests_name("bytes table", tests, NULL, NULL);
    }
    if (strcmp(mode, "sqlite") == 0) {
        const struct CMUnitTest tests[] = {cmocka_unit_test(test_sqlite)};
        return cmocka_run_group_tests_name("bytes sqlite", tests, NULL, NULL);
    }
#ifdef BYTES_GENERATED_SQL_DIR
    if (strcmp(mode, "committed") == 0) {
        const struct CMUnitTest tests[] = {cmocka_unit_test(test_committed)};
        return cmocka_run_group_tests_name("bytes committed", tests, NULL, NULL);
    }
#endif
#ifdef BYTES_HAVE_POSTGRES
    if (strcmp(mode, "postgres") == 0) {
        const struct CMUnitTest tests[] = {cmocka_unit_test(test_postgres)};
        int failed;
        if (!pg_test_available())
            return pg_test_unavailable_status();
        pg_url = pg_test_create_database();
        if (!pg_url)
            return 1;
        failed = cmocka_run_group_tests_name("bytes postgres", tests, NULL, NULL);
        pg_test_drop_database(pg_url);
        free(pg_url);
        return failed;
    }
#endif
    fprintf(stderr, "usage: %s table|sqlite|committed|postgres\n", argv[0]);
    return 2;
}
