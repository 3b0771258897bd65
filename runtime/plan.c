/*
 * Selecting migrations: see plan.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "plan.h"

#include <stdlib.h>

int migrator__versions_contain(const migrator_versions *applied, int64_t version)
{
    size_t low = 0, high = applied->count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (applied->items[middle] < version)
            low = middle + 1;
        else
            high = middle;
    }
    return low < applied->count && applied->items[low] == version;
}

const migrator_migration *migrator__table_find(const migrator_table *table, int64_t version)
{
    size_t low = 0, high = table->count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (table->migrations[middle].version < version)
            low = middle + 1;
        else
            high = middle;
    }
    return low < table->count && table->migrations[low].version == version ? &table->migrations[low]
                                                                           : NULL;
}

/* Whether the strategy still takes a migration with this version after
 * taken others (the lists are ordered, so a filter equals Ecto's take_while). */
static int takes(migrator_direction direction, migrator_strategy strategy, int64_t target,
                 int64_t version, size_t taken)
{
    switch (strategy) {
    case MIGRATOR_STRATEGY_ALL: return 1;
    case MIGRATOR_STRATEGY_STEP: return (int64_t)taken < target;
    case MIGRATOR_STRATEGY_TO:
        return direction == MIGRATOR_UP ? version <= target : version >= target;
    case MIGRATOR_STRATEGY_TO_EXCLUSIVE:
        return direction == MIGRATOR_UP ? version < target : version > target;
    case MIGRATOR_STRATEGY_DEFAULT: break;
    }
    return direction == MIGRATOR_UP || taken < 1;
}

int migrator__plan_select(migrator__plan *plan, const migrator_table *table,
                          const migrator_versions *applied, migrator_direction direction,
                          migrator_strategy strategy, int64_t target)
{
    size_t i;

    plan->items = NULL;
    plan->count = 0;
    if (strategy == MIGRATOR_STRATEGY_STEP && target < 1)
        return MIGRATOR_EINVAL;
    if (table->count == 0)
        return MIGRATOR_OK;
    if (!(plan->items = malloc(table->count * sizeof(*plan->items))))
        return MIGRATOR_ENOMEM;
    for (i = 0; i < table->count; i++) {
        const migrator_migration *m =
            &table->migrations[direction == MIGRATOR_UP ? i : table->count - 1 - i];
        int is_applied = migrator__versions_contain(applied, m->version);
        if (direction == MIGRATOR_UP ? is_applied : !is_applied)
            continue;
        if (!takes(direction, strategy, target, m->version, plan->count))
            continue;
        plan->items[plan->count++] = m;
    }
    return MIGRATOR_OK;
}

void migrator__plan_free(migrator__plan *plan)
{
    free(plan->items);
    plan->items = NULL;
    plan->count = 0;
}
