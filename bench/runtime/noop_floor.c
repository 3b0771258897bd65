/*
 * The floor of a no-op `migrate` (bench/runtime/run.sh, measurement c): the
 * least a migrator must do to learn that nothing is pending. Opens the
 * database, creates the migrations table if it is missing, reads every
 * applied version into memory, closes.
 *
 *   noop_floor PATH [-v]     (-v prints the number of versions read)
 *
 * SPDX-License-Identifier: MIT
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *select = NULL;
    int64_t *versions = NULL;
    size_t count = 0, capacity = 0;
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
                           NULL) != SQLITE_OK) {
        fprintf(stderr, "noop_floor: %s\n", db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return 1;
    }
    while ((result = sqlite3_step(select)) == SQLITE_ROW) {
        if (count == capacity) {
            int64_t *grown;
            capacity = capacity ? 2 * capacity : 64;
            if (!(grown = realloc(versions, capacity * sizeof(*versions)))) {
                fprintf(stderr, "noop_floor: out of memory\n");
                return 1;
            }
            versions = grown;
        }
        versions[count++] = sqlite3_column_int64(select, 0);
    }
    if (result != SQLITE_DONE) {
        fprintf(stderr, "noop_floor: %s\n", sqlite3_errmsg(db));
        return 1;
    }
    sqlite3_finalize(select);
    sqlite3_close(db);
    if (argc > 2 && strcmp(argv[2], "-v") == 0)
        printf("%zu\n", count);
    free(versions);
    return 0;
}
