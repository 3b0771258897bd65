/*
 * The floor of a no-op `migrate` on PostgreSQL (bench/postgres/run.sh,
 * measurement c): the least a migrator must do to learn that nothing is
 * pending. One libpq connection; CREATE TABLE IF NOT EXISTS of the migrations
 * table (as Ecto creates it); every applied version read into memory; the
 * recorded checksums of the applied migrations read from our own table
 * (schema_migrations_migrator, with the query of runtime/history.c,
 * migrator__history_checksums, sent as the migrator sends it: PQexecParams)
 * into memory; close. Three round trips, as the migrator's no-op.
 *
 *   noop_floor CONNINFO [-v]   (a URL or key=value string; -v prints the
 *                               number of versions and of checksums read:
 *                               "N M")
 *
 * SPDX-License-Identifier: MIT
 */
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The server's "relation already exists, skipping" notice: dropped, as the
 * migrator drops it under --quiet. */
static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static int fail(PGconn *conn, PGresult *result)
{
    fprintf(stderr, "noop_floor: %s", conn ? PQerrorMessage(conn) : "out of memory\n");
    PQclear(result);
    PQfinish(conn);
    return 1;
}

struct recorded {
    int64_t version;
    char checksum[72];
    unsigned int algorithm;
};

int main(int argc, char **argv)
{
    PGconn *conn;
    PGresult *result;
    int64_t *versions;
    struct recorded *recorded;
    int rows, recorded_rows, i;

    if (argc < 2) {
        fprintf(stderr, "usage: noop_floor CONNINFO [-v]\n");
        return 2;
    }
    conn = PQconnectdb(argv[1]);
    if (!conn || PQstatus(conn) != CONNECTION_OK)
        return fail(conn, NULL);
    PQsetNoticeProcessor(conn, ignore_notice, NULL);
    result = PQexec(conn, "CREATE TABLE IF NOT EXISTS \"schema_migrations\" (\"version\" bigint, "
                          "\"inserted_at\" timestamp(0), PRIMARY KEY (\"version\"))");
    if (PQresultStatus(result) != PGRES_COMMAND_OK)
        return fail(conn, result);
    PQclear(result);
    result = PQexec(conn, "SELECT \"version\"::bigint FROM \"schema_migrations\"");
    if (PQresultStatus(result) != PGRES_TUPLES_OK)
        return fail(conn, result);
    rows = PQntuples(result);
    if (!(versions = malloc((size_t)(rows ? rows : 1) * sizeof(*versions)))) {
        fprintf(stderr, "noop_floor: out of memory\n");
        PQclear(result);
        PQfinish(conn);
        return 1;
    }
    for (i = 0; i < rows; i++)
        versions[i] = strtoll(PQgetvalue(result, i, 0), NULL, 10);
    PQclear(result);
    result = PQexecParams(conn,
                          "SELECT \"version\", \"checksum\", \"checksum_algorithm\" FROM "
                          "\"schema_migrations_migrator\" WHERE \"state\" = 'applied' ORDER BY "
                          "\"version\"",
                          0, NULL, NULL, NULL, NULL, 0);
    if (PQresultStatus(result) != PGRES_TUPLES_OK) {
        free(versions);
        return fail(conn, result);
    }
    recorded_rows = PQntuples(result);
    if (!(recorded = malloc((size_t)(recorded_rows ? recorded_rows : 1) * sizeof(*recorded)))) {
        fprintf(stderr, "noop_floor: out of memory\n");
        free(versions);
        PQclear(result);
        PQfinish(conn);
        return 1;
    }
    for (i = 0; i < recorded_rows; i++) {
        recorded[i].version = strtoll(PQgetvalue(result, i, 0), NULL, 10);
        snprintf(recorded[i].checksum, sizeof(recorded[i].checksum), "%s",
                 PQgetvalue(result, i, 1));
        recorded[i].algorithm = (unsigned int)strtoul(PQgetvalue(result, i, 2), NULL, 10);
    }
    PQclear(result);
    PQfinish(conn);
    if (argc > 2 && strcmp(argv[2], "-v") == 0)
        printf("%d %d\n", rows, recorded_rows);
    free(versions);
    free(recorded);
    return 0;
}
