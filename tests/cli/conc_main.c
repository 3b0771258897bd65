/*
 * A migrating binary of the CLI tests: repo concrepo (fixtures/concrepo)
 * behind migrator_main, with no default database.
 *
 * SPDX-License-Identifier: MIT
 */
#include "concrepo_migrations.h"

int main(int argc, char **argv)
{
    return migrator_main(argc, argv, &concrepo_migrations);
}
