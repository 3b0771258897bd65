/*
 * Dry runs of migrator_run (dry_run.c). Private to libmigrator.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGRATOR_DRY_RUN_H
#define MIGRATOR_DRY_RUN_H

#include "plan.h"
#include "repo.h"

/* Writes through the log what running plan in direction would send,
 * changing nothing. Inside a public call. */
int migrator__dry_run(migrator_repo *repo, const migrator__plan *plan,
                      migrator_direction direction);

/* Writes the creation of the migrations table, which a dry run finds
 * missing (and then takes as empty). */
int migrator__dry_missing_table(migrator_repo *repo);

#endif
