/*
 * The weather example: a program whose binary carries its schema history.
 * It prints the migrations compiled into it; with the runtime library it
 * will apply them to its SQLite database on start-up.
 *
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <stdio.h>

#include "repo_migrations.h"

int main(void)
{
    const migrator_table *table = &repo_migrations;
    size_t i;

    printf("\nRepo: %s (%zu migrations embedded in this binary)\n\n", table->repo, table->count);
    printf("  %-16s%-30s%-16s%s\n", "Migration ID", "Migration Name", "Statements", "Reversible");
    printf("--------------------------------------------------------------------------\n");
    for (i = 0; i < table->count; i++) {
        const migrator_migration *m = &table->migrations[i];
        printf("  %-16" PRId64 "%-30s%zu up, %zu down    %s\n", m->version, m->name, m->up.count,
               m->down.count, (m->flags & MIGRATOR_HAS_DOWN) ? "yes" : "no");
    }
    printf("\n");
    return 0;
}
