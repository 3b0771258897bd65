/*
 * The subcommands of migrator-gen. Each takes the arguments after its name
 * (argv[0] is the subcommand) and returns the exit status.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGRATOR_GEN_COMMANDS_H
#define MIGRATOR_GEN_COMMANDS_H

#include "migrator.h"

int gen_command_table(int argc, char **argv);
int gen_command_new(int argc, char **argv);
int gen_command_check(int argc, char **argv);

/* Shared option handling. */

/* Parses a --dialect value. Returns 0, or -1 after reporting. */
int gen_parse_dialect(const char *value, migrator_dialect *dialect);

/* The directory holding table.c.m4, table.h.m4 and migration.sql.m4: the
 * option if given, else $MIGRATOR_TEMPLATE_DIR, else ../share/migrator/templates
 * beside the executable (an installed migrator), else the source tree's. */
const char *gen_template_dir(const char *option);

/* Reports a usage error for the subcommand and returns GEN_EXIT_USAGE. */
int gen_usage_error(const char *command, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
