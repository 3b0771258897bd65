/*
 * A migrating binary of the CLI tests: repo emptyrepo (fixtures/emptyrepo)
 * behind migrator_main, with no default database.
 *
 * SPDX-License-Identifier: MIT
 */
#include "emptyrepo_migrations.h"

int main(int argc, char **argv)
{
    return migrator_main(argc, argv, &emptyrepo_migrations);
}
