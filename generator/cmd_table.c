/*
 * `migrator-gen table`: migration files -> generated C table (.c and .h)
 * through templates/table.c.m4 and templates/table.h.m4.
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
#include <unistd.h>

#include "commands.h"
#include "diag.h"
#include "emit_table.h"
#include "m4_run.h"
#include "output_file.h"
#include "scan.h"

static const char usage[] =
    "Usage: migrator-gen table --repo NAME --output FILE.c --header FILE.h [OPTION]... DIR...\n"
    "Validate the migration files under each DIR (searched recursively), split\n"
    "their sections into statements and write the C table <NAME>_migrations.\n"
    "\n"
    "  --repo NAME          repo name, a C identifier; the table is NAME_migrations\n"
    "  --output FILE.c      the generated source file\n"
    "  --header FILE.h      the generated header (the .c includes it by its base name)\n"
    "  --depfile FILE.d     also write a Makefile-style dependency file for FILE.c\n"
    "  --dialect D          sqlite, postgres or any (default): how SQL is split\n"
    "  --base DIR           record file paths relative to DIR (default: as given)\n"
    "  --template-dir DIR   where table.c.m4 and table.h.m4 are\n"
    "  --m4 PROGRAM         the GNU m4 to run (default: $M4, else m4)\n"
    "  --help               show this help\n"
    "\n"
    "Files are rewritten only when their content changes. Exit status: 0 on\n"
    "success, 1 if a migration is invalid or a file cannot be written, 2 for\n"
    "bad usage.\n";

typedef struct table_options {
    const char *repo, *output, *header, *depfile, *base, *template_dir, *m4;
    migrator_dialect dialect;
    char **dirs;
    size_t dir_count;
} table_options;

static int is_identifier(const char *name)
{
    size_t i;
    if (!name[0] || (name[0] >= '0' && name[0] <= '9'))
        return 0;
    for (i = 0; name[i]; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return 0;
    }
    return 1;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* A header file name that can go into #include "..." and an m4 define. */
static int is_plain_file_name(const char *name)
{
    size_t i;
    if (!name[0])
        return 0;
    for (i = 0; name[i]; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

static int parse_options(int argc, char **argv, table_options *options)
{
    static const struct option long_options[] = {{"repo", required_argument, NULL, 'r'},
                                                 {"output", required_argument, NULL, 'o'},
                                                 {"header", required_argument, NULL, 'H'},
                                                 {"depfile", required_argument, NULL, 'd'},
                                                 {"dialect", required_argument, NULL, 'D'},
                                                 {"base", required_argument, NULL, 'b'},
                                                 {"template-dir", required_argument, NULL, 't'},
                                                 {"m4", required_argument, NULL, 'm'},
                                                 {"help", no_argument, NULL, 'h'},
                                                 {NULL, 0, NULL, 0}};
    int option;

    opterr = 0;
    while ((option = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
        switch (option) {
        case 'r': options->repo = optarg; break;
        case 'o': options->output = optarg; break;
        case 'H': options->header = optarg; break;
        case 'd': options->depfile = optarg; break;
        case 'b': options->base = optarg; break;
        case 't': options->template_dir = optarg; break;
        case 'm': options->m4 = optarg; break;
        case 'D':
            if (gen_parse_dialect(optarg, &options->dialect) != 0)
                return gen_usage_error(
                    "table", "--dialect: expected sqlite, postgres or any, got \"%s\"", optarg);
            break;
        case 'h': fputs(usage, stdout); return -1;
        case ':': return gen_usage_error("table", "%s needs a value", argv[optind - 1]);
        default: return gen_usage_error("table", "unknown option %s", argv[optind - 1]);
        }
    }
    if (!options->repo)
        return gen_usage_error("table", "--repo is required");
    if (!is_identifier(options->repo))
        return gen_usage_error(
            "table", "--repo \"%s\" is not a C identifier ([A-Za-z_][A-Za-z0-9_]*)", options->repo);
    if (!options->output)
        return gen_usage_error("table", "--output is required");
    if (!options->header)
        return gen_usage_error("table", "--header is required");
    if (!is_plain_file_name(base_name(options->header)))
        return gen_usage_error(
            "table", "--header: the file name may hold only letters, digits, '_', '-' and '.'");
    if (optind >= argc)
        return gen_usage_error("table", "no migrations directory given");
    options->dirs = argv + optind;
    options->dir_count = (size_t)(argc - optind);
    return 0;
}

/* Writes "path" escaped for a Makefile/Ninja dependency file. */
static void write_dep_path(FILE *out, const char *path)
{
    for (; *path; path++) {
        if (*path == ' ' || *path == '#' || *path == '\\')
            fputc('\\', out);
        if (*path == '$')
            fputc('$', out);
        fputc(*path, out);
    }
}

static int write_depfile(const table_options *options, const gen_scan *scan,
                         const char *const *templates, size_t template_count)
{
    gen_output output;
    size_t i;

    if (gen_output_open(&output, options->depfile) != 0)
        return -1;
    write_dep_path(output.stream, options->output);
    fputc(':', output.stream);
    for (i = 0; i < template_count; i++) {
        fputs(" \\\n  ", output.stream);
        write_dep_path(output.stream, templates[i]);
    }
    for (i = 0; i < scan->count; i++) {
        fputs(" \\\n  ", output.stream);
        write_dep_path(output.stream, scan->items[i].path);
    }
    fputc('\n', output.stream);
    return gen_output_commit(&output);
}

static char *upper_guard(const char *repo)
{
    static const char prefix[] = "MIGRATOR_GENERATED_", suffix[] = "_MIGRATIONS_H";
    size_t length = strlen(repo), i;
    char *guard = malloc(sizeof(prefix) + length + sizeof(suffix));
    if (!guard)
        return NULL;
    memcpy(guard, prefix, sizeof(prefix) - 1);
    for (i = 0; i < length; i++) {
        char c = repo[i];
        guard[sizeof(prefix) - 1 + i] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
    }
    memcpy(guard + sizeof(prefix) - 1 + length, suffix, sizeof(suffix));
    return guard;
}

/* Reports when the directory that is to hold path does not exist, before
 * anything is written. */
static int check_directory_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[PATH_MAX];
    struct stat info;

    if (!slash)
        return 0;
    snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
    if (stat(dir, &info) != 0 || !S_ISDIR(info.st_mode)) {
        gen_error(dir, 0, "output directory not found (for %s)", path);
        return -1;
    }
    return 0;
}

/* Expands one template into path, writing it only if it changed. */
static int expand_to(const table_options *options, const char *template_path, const char *work_dir,
                     const gen_m4_define *defines, size_t define_count, const char *path)
{
    gen_output output;
    if (gen_output_open(&output, path) != 0)
        return -1;
    if (gen_m4_expand(gen_m4_program(options->m4), template_path, work_dir, defines, define_count,
                      output.stream) != 0) {
        gen_output_abandon(&output);
        return -1;
    }
    return gen_output_commit(&output);
}

static int generate(const table_options *options, const gen_scan *scan)
{
    static const char *const dialects[] = {"MIGRATOR_DIALECT_ANY", "MIGRATOR_DIALECT_SQLITE",
                                           "MIGRATOR_DIALECT_POSTGRES"};
    const char *template_dir = gen_template_dir(options->template_dir);
    char c_template[PATH_MAX], h_template[PATH_MAX], work_dir[PATH_MAX], body_path[PATH_MAX + 16];
    char relative[PATH_MAX], count[32], first[32], last[32], table_name[256];
    char *guard = upper_guard(options->repo);
    const char *out_dir_end = strrchr(options->output, '/');
    const char *templates[2];
    FILE *body;
    int result = -1;

    snprintf(relative, sizeof(relative), "%s/table.c.m4", template_dir);
    if (!guard || !realpath(relative, c_template)) {
        gen_error(relative, 0, "template not found: %s", strerror(errno));
        free(guard);
        return -1;
    }
    snprintf(relative, sizeof(relative), "%s/table.h.m4", template_dir);
    if (!realpath(relative, h_template)) {
        gen_error(relative, 0, "template not found: %s", strerror(errno));
        free(guard);
        return -1;
    }
    if (check_directory_of(options->output) != 0 || check_directory_of(options->header) != 0 ||
        (options->depfile && check_directory_of(options->depfile) != 0)) {
        free(guard);
        return -1;
    }
    /* A private directory beside the output holds the table body, which the
     * template includes with m4_undivert: SQL never passes through m4. */
    snprintf(work_dir, sizeof(work_dir), "%.*s.migrator-gen-XXXXXX",
             out_dir_end ? (int)(out_dir_end - options->output + 1) : 0, options->output);
    if (!mkdtemp(work_dir)) {
        gen_error(work_dir, 0, "cannot create a temporary directory: %s", strerror(errno));
        free(guard);
        return -1;
    }
    snprintf(body_path, sizeof(body_path), "%s/table_body.inc", work_dir);
    if (!(body = fopen(body_path, "wb"))) {
        gen_error(body_path, 0, "cannot write: %s", strerror(errno));
        goto done;
    }
    if (gen_emit_table_body(body, scan) != 0 || fclose(body) != 0) {
        gen_error(body_path, 0, "cannot write: %s", strerror(errno));
        goto done;
    }

    snprintf(count, sizeof(count), "%zu", scan->count);
    snprintf(first, sizeof(first), "%" PRId64, scan->count ? scan->items[0].version : 0);
    snprintf(last, sizeof(last), "%" PRId64,
             scan->count ? scan->items[scan->count - 1].version : 0);
    snprintf(table_name, sizeof(table_name), "%s_migrations", options->repo);
    {
        const gen_m4_define defines[] = {
            {"MIGRATOR_GEN_REPO", options->repo},
            {"MIGRATOR_GEN_TABLE", table_name},
            {"MIGRATOR_GEN_HEADER", base_name(options->header)},
            {"MIGRATOR_GEN_GUARD", guard},
            {"MIGRATOR_GEN_BODY", "table_body.inc"},
            {"MIGRATOR_GEN_DIALECT", dialects[options->dialect]},
            {"MIGRATOR_GEN_COUNT", count},
            {"MIGRATOR_GEN_LIST", scan->count ? "migrator_migration_list" : "NULL"},
            {"MIGRATOR_GEN_FIRST_VERSION", first},
            {"MIGRATOR_GEN_LAST_VERSION", last},
        };
        size_t define_count = sizeof(defines) / sizeof(defines[0]);
        if (expand_to(options, h_template, work_dir, defines, define_count, options->header) != 0 ||
            expand_to(options, c_template, work_dir, defines, define_count, options->output) != 0)
            goto done;
    }
    templates[0] = c_template;
    templates[1] = h_template;
    if (options->depfile && write_depfile(options, scan, templates, 2) != 0)
        goto done;
    result = 0;
done:
    remove(body_path);
    rmdir(work_dir);
    free(guard);
    return result;
}

int gen_command_table(int argc, char **argv)
{
    table_options options;
    gen_scan scan;
    gen_scan_options scan_options;
    int status;

    memset(&options, 0, sizeof(options));
    if ((status = parse_options(argc, argv, &options)) != 0)
        return status < 0 ? GEN_EXIT_OK : status;

    memset(&scan, 0, sizeof(scan));
    scan_options.base = options.base;
    scan_options.dialect = options.dialect;
    scan_options.parse_contents = 1;
    if (gen_scan_dirs(&scan, options.dirs, options.dir_count, &scan_options) > 0)
        status = GEN_EXIT_INVALID;
    else if (generate(&options, &scan) != 0)
        status = GEN_EXIT_INVALID;
    gen_scan_free(&scan);
    return status;
}
