/*
 * The migrating binary of the CLI tests: repo clirepo (fixtures/clirepo)
 * behind migrator_main, with no default database.
 *
 * SPDX-License-Identifier: MIT
 */
#include "clirepo_migrations.h"

int main(int argc, char **argv)
{
    return migrator_main(argc, argv, &clirepo_migrations);
}
