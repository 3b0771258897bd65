/*
 * migrator-gen: the build-time half of migrator. A host tool with no
 * database library: it validates migration files, splits them into
 * statements and writes the C table that the runtime applies.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "diag.h"

static const char usage[] = "Usage: migrator-gen COMMAND [OPTION]... [ARG]...\n"
                            "The build-time half of migrator: migration files -> C table.\n"
                            "\n"
                            "Commands:\n"
                            "  table   validate migrations and write the C table (.c and .h)\n"
                            "  new     create a migration file from the template\n"
                            "  check   validate migrations only (for pre-commit hooks and CI)\n"
                            "\n"
                            "Run 'migrator-gen COMMAND --help' for a command's options.\n"
                            "  --help      show this help\n"
                            "  --version   show the version\n";

int main(int argc, char **argv)
{
    const char *command = argc > 1 ? argv[1] : NULL;

    if (!command) {
        fputs(usage, stderr);
        return GEN_EXIT_USAGE;
    }
    if (strcmp(command, "--help") == 0 || strcmp(command, "help") == 0) {
        fputs(usage, stdout);
        return GEN_EXIT_OK;
    }
    if (strcmp(command, "--version") == 0) {
        printf("migrator-gen %s\n", MIGRATOR_VERSION_STRING);
        return GEN_EXIT_OK;
    }
    if (strcmp(command, "table") == 0)
        return gen_command_table(argc - 1, argv + 1);
    if (strcmp(command, "new") == 0)
        return gen_command_new(argc - 1, argv + 1);
    if (strcmp(command, "check") == 0)
        return gen_command_check(argc - 1, argv + 1);
    fprintf(stderr, "migrator-gen: unknown command \"%s\"\nTry 'migrator-gen --help'.\n", command);
    return GEN_EXIT_USAGE;
}
