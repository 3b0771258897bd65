/*
 * A migrating binary of the CLI tests: repo failrepo (fixtures/failrepo)
 * behind migrator_main, with no default database.
 *
 * SPDX-License-Identifier: MIT
 */
#include "failrepo_migrations.h"

int main(int argc, char **argv)
{
    return migrator_main(argc, argv, &failrepo_migrations);
}
