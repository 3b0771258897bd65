/*
 * `migrator-gen check DIR...`: validation only, for pre-commit hooks and CI.
 *
 * SPDX-License-Identifier: MIT
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "diag.h"
#include "scan.h"

static const char usage[] =
    "Usage: migrator-gen check [--dialect D] DIR...\n"
    "Validate the migration files under each DIR (searched recursively) as\n"
    "`migrator-gen table` does, without writing anything, and print a summary.\n"
    "\n"
    "  --dialect D   sqlite, postgres or any (default): how SQL is split\n"
    "  --help        show this help\n"
    "\n"
    "Exit status: 0 if every migration is valid, 1 if not, 2 for bad usage.\n";

int gen_command_check(int argc, char **argv)
{
    static const struct option long_options[] = {{"dialect", required_argument, NULL, 'D'},
                                                 {"help", no_argument, NULL, 'h'},
                                                 {NULL, 0, NULL, 0}};
    gen_scan scan;
    gen_scan_options scan_options;
    unsigned int errors;
    int option;

    memset(&scan_options, 0, sizeof(scan_options));
    scan_options.parse_contents = 1;
    opterr = 0;
    while ((option = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
        switch (option) {
        case 'D':
            if (gen_parse_dialect(optarg, &scan_options.dialect) != 0)
                return gen_usage_error(
                    "check", "--dialect: expected sqlite, postgres or any, got \"%s\"", optarg);
            break;
        case 'h': fputs(usage, stdout); return GEN_EXIT_OK;
        case ':': return gen_usage_error("check", "%s needs a value", argv[optind - 1]);
        default: return gen_usage_error("check", "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return gen_usage_error("check", "no migrations directory given");

    memset(&scan, 0, sizeof(scan));
    errors = gen_scan_dirs(&scan, argv + optind, (size_t)(argc - optind), &scan_options);
    if (errors > 0)
        fprintf(stderr, "migrator-gen: %u error%s in %zu migration%s\n", errors,
                errors == 1 ? "" : "s", scan.count, scan.count == 1 ? "" : "s");
    else if (scan.count == 0)
        printf("migrator-gen: no migrations\n");
    else
        printf("migrator-gen: %zu migration%s OK, versions %" PRId64 " to %" PRId64 "\n",
               scan.count, scan.count == 1 ? "" : "s", scan.items[0].version,
               scan.items[scan.count - 1].version);
    gen_scan_free(&scan);
    return errors > 0 ? GEN_EXIT_INVALID : GEN_EXIT_OK;
}
