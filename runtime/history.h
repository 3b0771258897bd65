/*
 * Our own table beside the migrations table, `<migration_source>_migrator`
 * (docs/reliability.md): Ecto's schema_migrations stays exactly Ecto's,
 * and what Ecto has no column for lives here. Today: migrations that run
 * outside a transaction and stopped midway ("partial"), with how far they
 * got. Private to libmigrator.
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

/* Forgets any partial state of version (inside the caller's transaction,
 * if any). No table is not an error. */
int migrator__history_clear(migrator_repo *repo, int64_t version);

#endif
