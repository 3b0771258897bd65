/*
 * The floor of a no-op `migrate` (bench/runtime/run.sh, measurement c): the
 * least a migrator must do to learn that nothing is pending. Opens the
 * database, creates the migrations table if it is missing, reads every
 * applied version into memory, then reads the recorded checksums of the
 * applied migrations from our own table (schema_migrations_migrator, with
 * the query of runtime/history.c, migrator__history_checksums) into memory,
 * closes.
 *
 *   noop_floor PATH [-v]     (-v prints the number of versions and of
 *                             checksums read: "N M")
 *
 * SPDX-License-Identifier: MIT
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct recorded {
    int64_t version;
    char checksum[72];
    unsigned int algorithm;
};

/* Grows *items (of *capacity elements of size bytes) to hold one more. */
static int grow(void **items, size_t count, size_t *capacity, size_t size)
{
    void *grown;
    if (count < *capacity)
        return 0;
    *capacity = *capacity ? 2 * *capacity : 64;
    if (!(grown = realloc(*items, *capacity * size)))
        return -1;
    *items = grown;
    return 0;
}

static int fail(sqlite3 *db, const char *what)
{
    fprintf(stderr, "noop_floor: %s\n", db ? sqlite3_errmsg(db) : what);
    sqlite3_close(db);
    return 1;
}

int main(int argc, char **argv)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *select = NULL;
    int64_t *versions = NULL;
    struct recorded *recorded = NULL;
    size_t count = 0, capacity = 0, recorded_count = 0, recorded_capacity = 0;
    int result;

    if (argc < 2) {
        fprintf(stderr, "usage: noop_floor PATH [-v]\n");
        return 2;
    }
    if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
            SQLITE_OK ||
        sqlite3_exec(db,
                     "CREATE TABLE IF NOT EXISTS \"schema_migrations\" "
                     "(\"version\" INTEGER PRIMARY KEY, \"inserted_at\" TEXT)",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT \"version\" FROM \"schema_migrations\"", -1, &select,
                           NULL) != SQLITE_OK)
        return fail(db, "out of memory");
    while ((result = sqlite3_step(select)) == SQLITE_ROW) {
        if (grow((void **)&versions, count, &capacity, sizeof(*versions)) != 0)
            return fail(NULL, "out of memory");
        versions[count++] = sqlite3_column_int64(select, 0);
    }
    if (result != SQLITE_DONE)
        return fail(db, NULL);
    sqlite3_finalize(select);

    /* The checksums recorded in our table, as the migrator reads them
     * before every run (the table exists once anything was migrated). */
    if (sqlite3_prepare_v2(db,
                           "SELECT \"version\", \"checksum\", \"checksum_algorithm\" FROM "
                           "\"schema_migrations_migrator\" WHERE \"state\" = 'applied' ORDER BY "
                           "\"version\"",
                           -1, &select, NULL) != SQLITE_OK)
        return fail(db, NULL);
    while ((result = sqlite3_step(select)) == SQLITE_ROW) {
        struct recorded *r;
        const unsigned char *checksum = sqlite3_column_text(select, 1);
        if (grow((void **)&recorded, recorded_count, &recorded_capacity, sizeof(*recorded)) != 0)
            return fail(NULL, "out of memory");
        r = &recorded[recorded_count++];
        r->version = sqlite3_column_int64(select, 0);
        snprintf(r->checksum, sizeof(r->checksum), "%s", checksum ? (const char *)checksum : "");
        r->algorithm = (unsigned int)sqlite3_column_int(select, 2);
    }
    if (result != SQLITE_DONE)
        return fail(db, NULL);
    sqlite3_finalize(select);
    sqlite3_close(db);
    if (argc > 2 && strcmp(argv[2], "-v") == 0)
        printf("%zu %zu\n", count, recorded_count);
    free(versions);
    free(recorded);
    return 0;
}
