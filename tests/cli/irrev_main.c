/*
 * A migrating binary of the CLI tests: repo irrevrepo (fixtures/irrevrepo)
 * behind migrator_main, with no default database.
 *
 * SPDX-License-Identifier: MIT
 */
#include "irrevrepo_migrations.h"

int main(int argc, char **argv)
{
    return migrator_main(argc, argv, &irrevrepo_migrations);
}
