/*
 * `migrator-gen new NAME --dir DIR`: scaffolds <UTC YYYYMMDDhhmmss>_<NAME>.sql
 * from templates/migration.sql.m4, like `mix ecto.gen.migration`.
 *
 * SPDX-License-Identifier: MIT
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "diag.h"
#include "m4_run.h"
#include "migration_name.h"
#include "scan.h"

static const char usage[] =
    "Usage: migrator-gen new NAME --dir DIR [OPTION]...\n"
    "Create DIR/<VERSION>_NAME.sql from the migration template. VERSION is the\n"
    "current UTC time as YYYYMMDDhhmmss, or one more than the highest version\n"
    "under DIR when that is not lower. DIR is created if it does not exist.\n"
    "\n"
    "  --dir DIR            the migrations directory, e.g. priv/repo/migrations\n"
    "  --template FILE      the template (default: migration.sql.m4 in the\n"
    "                       template directory)\n"
    "  --template-dir DIR   where migration.sql.m4 is\n"
    "  --m4 PROGRAM         the GNU m4 to run (default: $M4, else m4)\n"
    "  --help               show this help\n"
    "\n"
    "NAME is lower-case letters, digits and underscores, and must not be used by\n"
    "a migration under DIR already. Exit status: 0 on success, 1 if the name is\n"
    "taken or a file cannot be written, 2 for bad usage (including a bad NAME).\n";

/* Creates dir and its missing parents, printing "* creating DIR". */
static int make_directories(const char *dir)
{
    char path[PATH_MAX];
    size_t length = strlen(dir), i;
    struct stat info;

    if (stat(dir, &info) == 0)
        return S_ISDIR(info.st_mode) ? 0 : (gen_error(dir, 0, "not a directory"), -1);
    if (length >= sizeof(path)) {
        gen_error(dir, 0, "path too long");
        return -1;
    }
    memcpy(path, dir, length + 1);
    for (i = 1; i <= length; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        path[i] = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            gen_error(path, 0, "cannot create directory: %s", strerror(errno));
            return -1;
        }
        path[i] = dir[i];
    }
    printf("* creating %s\n", dir);
    return 0;
}

static int64_t utc_timestamp(void)
{
    time_t now = time(NULL);
    struct tm utc;
    gmtime_r(&now, &utc);
    return (((((int64_t)utc.tm_year + 1900) * 100 + utc.tm_mon + 1) * 100 + utc.tm_mday) * 100 +
            utc.tm_hour) *
               10000 +
           utc.tm_min * 100 + utc.tm_sec;
}

/* Expands the template into a temporary file in dir, then links it to the
 * first free version's name, so that concurrent calls never overwrite. */
static int create_file(const char *dir, const char *name, int64_t version,
                       const char *template_path, const char *m4)
{
    char temp_path[PATH_MAX], path[PATH_MAX], version_text[32];
    FILE *temp;
    int fd, attempt, dir_length = (int)strlen(dir);

    while (dir_length > 1 && dir[dir_length - 1] == '/')
        dir_length--; /* "m/" gives m/VERSION_name.sql, not m//VERSION_name.sql */
    snprintf(temp_path, sizeof(temp_path), "%.*s/.migrator-gen-new-XXXXXX", dir_length, dir);
    if ((fd = mkstemp(temp_path)) < 0 || !(temp = fdopen(fd, "wb"))) {
        gen_error(dir, 0, "cannot write: %s", strerror(errno));
        return -1;
    }
    {
        /* mkstemp made the file private (0600): give the migration, an
         * ordinary source file, the mode the umask allows. */
        mode_t mask = umask(0);
        umask(mask);
        if (fchmod(fd, 0666 & ~mask) != 0) {
            gen_error(temp_path, 0, "cannot change its mode: %s", strerror(errno));
            fclose(temp);
            remove(temp_path);
            return -1;
        }
    }
    for (attempt = 0; attempt < 1000; attempt++, version++) {
        snprintf(version_text, sizeof(version_text), "%" PRId64, version);
        {
            const gen_m4_define defines[] = {{"MIGRATOR_GEN_NAME", name},
                                             {"MIGRATOR_GEN_VERSION", version_text}};
            if (fseek(temp, 0, SEEK_SET) != 0 || ftruncate(fd, 0) != 0 ||
                gen_m4_expand(m4, template_path, NULL, defines, 2, temp) != 0 ||
                fflush(temp) != 0) {
                fclose(temp);
                remove(temp_path);
                return -1;
            }
        }
        snprintf(path, sizeof(path), "%.*s/%s_%s.sql", dir_length, dir, version_text, name);
        if (link(temp_path, path) == 0) {
            fclose(temp);
            remove(temp_path);
            printf("* creating %s\n", path);
            return 0;
        }
        if (errno != EEXIST) {
            gen_error(path, 0, "cannot create: %s", strerror(errno));
            break;
        }
    }
    fclose(temp);
    remove(temp_path);
    return -1;
}

int gen_command_new(int argc, char **argv)
{
    static const struct option long_options[] = {{"dir", required_argument, NULL, 'd'},
                                                 {"template", required_argument, NULL, 'T'},
                                                 {"template-dir", required_argument, NULL, 't'},
                                                 {"m4", required_argument, NULL, 'm'},
                                                 {"help", no_argument, NULL, 'h'},
                                                 {NULL, 0, NULL, 0}};
    const char *dir = NULL, *template_option = NULL, *template_dir = NULL, *m4 = NULL, *name;
    char template_path[PATH_MAX];
    gen_scan scan;
    gen_scan_options scan_options;
    int64_t version;
    size_t i;
    int option, status = GEN_EXIT_OK;

    opterr = 0;
    while ((option = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
        switch (option) {
        case 'd': dir = optarg; break;
        case 'T': template_option = optarg; break;
        case 't': template_dir = optarg; break;
        case 'm': m4 = optarg; break;
        case 'h': fputs(usage, stdout); return GEN_EXIT_OK;
        case ':': return gen_usage_error("new", "%s needs a value", argv[optind - 1]);
        default: return gen_usage_error("new", "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return gen_usage_error("new", "expected the migration's NAME, e.g. add_weather_table");
    if (optind + 1 < argc)
        return gen_usage_error("new", "expected one NAME, got \"%s\" and \"%s\"", argv[optind],
                               argv[optind + 1]);
    name = argv[optind];
    if (!migrator__valid_migration_name(name, strlen(name)))
        return gen_usage_error("new",
                               "invalid name \"%s\": use lower-case letters, digits and "
                               "underscores ([a-z0-9_]+)",
                               name);
    if (strlen(name) > 200)
        return gen_usage_error("new", "the name is longer than 200 characters");
    if (!dir)
        return gen_usage_error("new", "--dir is required");

    if (template_option)
        snprintf(template_path, sizeof(template_path), "%s", template_option);
    else
        snprintf(template_path, sizeof(template_path), "%s/migration.sql.m4",
                 gen_template_dir(template_dir));
    if (access(template_path, R_OK) != 0) {
        gen_error(template_path, 0, "cannot read template: %s", strerror(errno));
        return GEN_EXIT_INVALID;
    }
    if (make_directories(dir) != 0)
        return GEN_EXIT_INVALID;

    memset(&scan, 0, sizeof(scan));
    memset(&scan_options, 0, sizeof(scan_options));
    if (gen_scan_dirs(&scan, (char *const *)&dir, 1, &scan_options) > 0) {
        gen_scan_free(&scan);
        return GEN_EXIT_INVALID;
    }
    version = utc_timestamp();
    for (i = 0; i < scan.count; i++) {
        if (strcmp(scan.items[i].name, name) == 0) {
            gen_error(scan.items[i].path, 0, "a migration named \"%s\" exists already", name);
            status = GEN_EXIT_INVALID;
        }
        if (scan.items[i].version >= version) {
            if (scan.items[i].version == INT64_MAX) {
                gen_error(scan.items[i].path, 0, "no version is left after %" PRId64,
                          scan.items[i].version);
                status = GEN_EXIT_INVALID;
            } else {
                version = scan.items[i].version + 1;
            }
        }
    }
    gen_scan_free(&scan);
    if (status == GEN_EXIT_OK &&
        create_file(dir, name, version, template_path, gen_m4_program(m4)) != 0)
        status = GEN_EXIT_INVALID;
    return status;
}
