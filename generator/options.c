/*
 * Option handling shared by the subcommands of migrator-gen.
 *
 * SPDX-License-Identifier: MIT
 */
#define _DEFAULT_SOURCE
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "diag.h"

int gen_parse_dialect(const char *value, migrator_dialect *dialect)
{
    if (strcmp(value, "any") == 0)
        *dialect = MIGRATOR_DIALECT_ANY;
    else if (strcmp(value, "sqlite") == 0)
        *dialect = MIGRATOR_DIALECT_SQLITE;
    else if (strcmp(value, "postgres") == 0)
        *dialect = MIGRATOR_DIALECT_POSTGRES;
    else
        return -1;
    return 0;
}

int gen_usage_error(const char *command, const char *format, ...)
{
    va_list args;
    fprintf(stderr, "migrator-gen %s: ", command);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fprintf(stderr, "\nTry 'migrator-gen %s --help'.\n", command);
    return GEN_EXIT_USAGE;
}

static int has_templates(const char *dir)
{
    char path[PATH_MAX];
    struct stat info;
    /* A directory whose path leaves no room for the file name has none. */
    if (strlen(dir) + sizeof("/table.c.m4") > sizeof(path))
        return 0;
    memcpy(path, dir, strlen(dir));
    memcpy(path + strlen(dir), "/table.c.m4", sizeof("/table.c.m4"));
    return stat(path, &info) == 0;
}

const char *gen_template_dir(const char *option)
{
    static char installed[PATH_MAX];
    const char *from_env = getenv("MIGRATOR_TEMPLATE_DIR");
    ssize_t length;

    if (option && *option)
        return option;
    if (from_env && *from_env)
        return from_env;
    length = readlink("/proc/self/exe", installed, sizeof(installed) - 64);
    if (length > 0) {
        char *slash;
        installed[length] = '\0';
        if ((slash = strrchr(installed, '/')) != NULL) {
            strcpy(slash, "/../share/migrator/templates");
            if (has_templates(installed))
                return installed;
        }
    }
    return MIGRATOR_SOURCE_TEMPLATE_DIR;
}
