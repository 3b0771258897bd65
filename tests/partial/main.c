/*
 * A migrating binary of the partial-migration tests: repo partialrepo
 * (fixtures/partialrepo) behind migrator_main.
 *
 * SPDX-License-Identifier: MIT
 */
#include "partialrepo_migrations.h"

int main(int argc, char **argv)
{
    return migrator_main(argc, argv, &partialrepo_migrations);
}
