/*
 * Our own table beside the migrations table, `<migration_source>_migrator`
 * (docs/reliability.md): Ecto's schema_migrations stays exactly Ecto's,
 * and what Ecto has no column for lives here, one row per version: the
 * checksum each applied migration had when it was applied ("applied"), and
 * migrations outside a transaction that stopped midway ("partial"), with
 * how far they got. Private to libmigrator.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGRATOR_HISTORY_H
#define MIGRATOR_HISTORY_H

#include "repo.h"

/* A non-transactional migration that stopped midway. */
typedef struct migrator__partial {
    int64_t version;
    migrator_direction direction; /* the run that stopped */
    int done;                     /* statements that completed */
    int total;                    /* statements of that section */
    char *location;               /* FILE:LINE of the statement that failed or was running */
    char *error;                  /* its failure, "" when the run was interrupted */
} migrator__partial;

typedef struct migrator__partials {
    migrator__partial *items;
    size_t count;
} migrator__partials;

/* The partial migrations that are still partial: an up that stopped while
 * its version is not applied, a down that stopped while it still is.
 * No table yet means none. */
int migrator__history_partials(migrator_repo *repo, const migrator_versions *applied,
                               migrator__partials *out);

const migrator__partial *migrator__partials_find(const migrator__partials *partials,
                                                 int64_t version);
void migrator__partials_free(migrator__partials *partials);

/* A sentence on a partial migration and what to do about it, malloc'd
 * (NULL when out of memory). m may be NULL (no file in the table). */
char *migrator__partial_describe(const migrator__partial *partial, const migrator_migration *m);

/* Records that migration's section for direction starts (creating the
 * table if needed), then that done statements completed, then, on a
 * failure, where and why it stopped (error NULL while running). */
int migrator__history_start(migrator_repo *repo, const migrator_migration *migration,
                            migrator_direction direction);
int migrator__history_progress(migrator_repo *repo, const migrator_migration *migration,
                               migrator_direction direction, int done, const char *error);

/* A checksum recorded when a migration was applied. */
typedef struct migrator__recorded_checksum {
    int64_t version;
    char checksum[65]; /* hex, "" when none was recorded */
    unsigned int algorithm;
} migrator__recorded_checksum;

typedef struct migrator__recorded {
    migrator__recorded_checksum *items; /* sorted by version */
    size_t count;
    int table_exists; /* 0: a database of Ecto or of an older migrator */
} migrator__recorded;

/* Records that migration is applied, with its checksum (the table's
 * algorithm), replacing any partial state; inside the caller's transaction
 * if any. Creates the table if needed. */
int migrator__history_applied(migrator_repo *repo, const migrator_migration *migration,
                              unsigned int algorithm);

/* The same for a migration applied before its checksum was recorded,
 * unless the version has a row already (a partial state stays). */
int migrator__history_fill(migrator_repo *repo, const migrator_migration *migration,
                           unsigned int algorithm);

/* Forgets everything about version (rolled back, or marked down). No table
 * is not an error. */
int migrator__history_forget(migrator_repo *repo, int64_t version);

/* Finds out whether the table exists (repo->history_ready), outside any
 * transaction, before writes that need to know. */
int migrator__history_probe(migrator_repo *repo);

/* The checksums recorded for applied migrations. No table means none. */
int migrator__history_checksums(migrator_repo *repo, migrator__recorded *out);
const migrator__recorded_checksum *migrator__recorded_find(const migrator__recorded *recorded,
                                                           int64_t version);
void migrator__recorded_free(migrator__recorded *recorded);

/* Whether the migrations table exists (a read; for dry runs). */
int migrator__history_source_exists(migrator_repo *repo, int *exists);

/* The migrations table's rows as "version" MIGRATOR__FIELD_SEPARATOR
 * "inserted_at" lines (Ecto's table, read for the status). */
int migrator__history_applied_at(migrator_repo *repo, migrator__lines *rows);

#endif
