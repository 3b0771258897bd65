/*
 * The program that embeds the hostile-input fixture repos (fixtures/hostile
 * and fixtures/hostilefill); the tests run the hostile_migrator and
 * hostilefill_migrator that migrator_add_migrations builds beside it.
 *
 * SPDX-License-Identifier: MIT
 */
#include "hostile_migrations.h"

int main(int argc, char **argv)
{
    return migrator_main(argc, argv, &hostile_migrations);
}
