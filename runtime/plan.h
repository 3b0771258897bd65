/*
 * Which migrations a run selects (Ecto's run/4 strategies, research §3.2):
 * pure functions of the table, the applied versions and the options.
 * Private to libmigrator.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGRATOR_PLAN_H
#define MIGRATOR_PLAN_H

#include "migrator.h"

typedef struct migrator__plan {
    const migrator_migration **items; /* in execution order */
    size_t count;
} migrator__plan;

/* Whether version is in applied (sorted ascending). */
int migrator__versions_contain(const migrator_versions *applied, int64_t version);

/* Selects from table: up, the pending migrations ascending; down, the
 * applied ones that the table has, descending; then cut by the strategy
 * (DEFAULT: all up, one down). target is the step count or the version.
 * Returns MIGRATOR_OK (free the plan with migrator__plan_free),
 * MIGRATOR_EINVAL for a step below 1, or MIGRATOR_ENOMEM. */
int migrator__plan_select(migrator__plan *plan, const migrator_table *table,
                          const migrator_versions *applied, migrator_direction direction,
                          migrator_strategy strategy, int64_t target);

void migrator__plan_free(migrator__plan *plan);

/* The migration with this version in table, or NULL (binary search). */
const migrator_migration *migrator__table_find(const migrator_table *table, int64_t version);

#endif
