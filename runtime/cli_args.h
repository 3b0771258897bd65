/*
 * The command line of migrating binaries (docs/cli.md): commands, flags
 * and their values, parsed into a migrator__cli without touching any
 * database. Private to libmigrator; cli.c runs what it describes.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGRATOR_CLI_ARGS_H
#define MIGRATOR_CLI_ARGS_H

#include "migrator.h"

#define MIGRATOR__EXIT_USAGE 2

typedef enum migrator__command {
    MIGRATOR__COMMAND_MIGRATE,
    MIGRATOR__COMMAND_ROLLBACK,
    MIGRATOR__COMMAND_MIGRATIONS,
    MIGRATOR__COMMAND_SCHEMA,
    MIGRATOR__COMMAND_ROUNDTRIP,
    MIGRATOR__COMMAND_MARK,
    MIGRATOR__COMMAND_VALIDATE,
    MIGRATOR__COMMAND_REPAIR,
    MIGRATOR__COMMAND_BASELINE
} migrator__command;

#define MIGRATOR__COMMAND_LAST MIGRATOR__COMMAND_BASELINE

/* The most versions repair takes on one command line. */
#define MIGRATOR__CLI_MAX_VERSIONS 256

typedef struct migrator__cli {
    const char *program;
    migrator__command command;
    const char *url;           /* --url, else $DATABASE_URL, else the default */
    const char *strategy_flag; /* the first strategy flag given, for messages */
    migrator_run_opts opts;
    migrator_repo_config config;
    int help;     /* --help: the usage was printed, nothing else to do */
    int stepwise; /* roundtrip --stepwise */
    int scratch;  /* roundtrip --scratch */
    int64_t versions[MIGRATOR__CLI_MAX_VERSIONS]; /* mark V, baseline V, repair V... */
    size_t version_count;
    migrator_direction mark_direction; /* mark --up (MIGRATOR_UP) or --down; 0: not given */
    int json;                          /* migrations --format json */
    int exit_code;                     /* migrations --exit-code: 3 when pending */
} migrator__cli;

/* Parses argv (argv[1] is the command) with config's defaults into *c.
 * Returns -1 when the command should run; otherwise the exit status, after
 * printing the usage (0, for --help) or a usage error (2) or a configuration
 * error (1). Nothing in *c needs freeing; its strings point into argv,
 * config or the environment. */
int migrator__cli_parse(migrator__cli *c, int argc, char **argv,
                        const migrator_main_config *config);

/* Prints "PROG: message" and the --help hint to stderr; returns 2. */
int migrator__cli_usage_error(const migrator__cli *c, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
