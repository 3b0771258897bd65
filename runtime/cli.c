/*
 * migrator_main: runs the commands of every migrating binary (migrate,
 * rollback, migrations, schema, roundtrip; DESIGN §4, docs/cli.md) that
 * cli_args.c parsed.
 *
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_args.h"
#include "repo.h"
#include "scratch.h"

/* Ecto's `mix ecto.migrations` table, byte for byte. */
static void print_status(const migrator_table *table, const migrator_status_list *list)
{
    size_t i;
    printf("\nRepo: %s\n\n  Status    Migration ID    Migration Name\n", table->repo);
    printf("--------------------------------------------------\n");
    for (i = 0; i < list->count; i++) {
        char version[32];
        snprintf(version, sizeof(version), "%" PRId64, list->items[i].version);
        printf("%s  %-10s%-16s%s", i ? "\n" : "",
               list->items[i].partial ? "partial"
               : list->items[i].up    ? "up"
                                      : "down",
               version, list->items[i].name);
    }
    printf("\n\n");
    for (i = 0; i < list->count; i++)
        if (list->items[i].partial)
            fprintf(stderr, "warning: %s\n", list->items[i].partial);
}

/* Whether url is sqlite:PATH (not :memory:) and PATH does not exist: the
 * read-only commands must not create an empty database by mistake. */
static int missing_sqlite_file(const char *url)
{
    struct stat info;
    if (strncmp(url, "sqlite:", 7) != 0 || strcmp(url + 7, ":memory:") == 0 || !url[7])
        return 0;
    return stat(url + 7, &info) != 0 && errno == ENOENT;
}

/* roundtrip [--stepwise] [--scratch]: on --url's database, or on a scratch
 * database beside it that is removed afterwards whatever happens. */
static int roundtrip(migrator__cli *c, const migrator_table *table)
{
    char message[512], *scratch_url = NULL;
    const char *url = c->url;
    migrator_repo *repo;
    int result;

    if (c->scratch) {
        if ((result = migrator__scratch_create(c->url, &scratch_url, message, sizeof(message))) <
            0) {
            fprintf(stderr, "%s: error: %s\n", c->program,
                    message[0] ? message : migrator_strerror(result));
            return 1;
        }
        url = scratch_url;
    }
    if ((result = migrator_open(&repo, url, &c->config)) < 0) {
        fprintf(stderr, "%s: error: %s\n", c->program, migrator_errmsg(NULL));
    } else {
        result = migrator_roundtrip(repo, table, c->stepwise ? MIGRATOR_ROUNDTRIP_STEPWISE : 0,
                                    &c->opts);
        if (result < 0)
            fprintf(stderr, "%s: error: %s\n", c->program, migrator_errmsg(repo));
        migrator_close(repo);
    }
    if (scratch_url) {
        int dropped = migrator__scratch_drop(c->url, scratch_url, message, sizeof(message));
        if (dropped < 0) {
            fprintf(stderr, "%s: error: %s\n", c->program,
                    message[0] ? message : migrator_strerror(dropped));
            result = result < 0 ? result : dropped;
        }
        free(scratch_url);
    }
    fflush(stdout);
    return result < 0 ? 1 : 0;
}

int migrator_main(int argc, char **argv, const migrator_table *table)
{
    static const migrator_main_config defaults = MIGRATOR_MAIN_CONFIG_INIT;
    return migrator_main_with(argc, argv, table, &defaults);
}

int migrator_main_with(int argc, char **argv, const migrator_table *table,
                       const migrator_main_config *config)
{
    static const migrator_main_config config_defaults = MIGRATOR_MAIN_CONFIG_INIT;
    migrator__cli c;
    migrator_repo *repo = NULL;
    int result;

    if (!config)
        config = &config_defaults;
    if (config->version != MIGRATOR_MAIN_CONFIG_VERSION || !table) {
        fprintf(stderr, "%s: %s\n", argc > 0 && argv[0] ? argv[0] : "migrator",
                table ? "migrator_main_config.version is wrong (use MIGRATOR_MAIN_CONFIG_INIT)"
                      : "no migration table");
        return 1;
    }
    if ((result = migrator__cli_parse(&c, argc, argv, config)) >= 0)
        return result;

    if (c.command == MIGRATOR__COMMAND_ROUNDTRIP)
        return roundtrip(&c, table);
    if ((c.command == MIGRATOR__COMMAND_MIGRATIONS || c.command == MIGRATOR__COMMAND_SCHEMA) &&
        missing_sqlite_file(c.url)) {
        fprintf(stderr,
                "%s: error: the database file %s does not exist (%s only reads; migrate "
                "creates it)\n",
                c.program, c.url + 7,
                c.command == MIGRATOR__COMMAND_SCHEMA ? "schema" : "migrations");
        return 1;
    }
    if ((result = migrator_open(&repo, c.url, &c.config)) < 0) {
        fprintf(stderr, "%s: error: %s\n", c.program, migrator_errmsg(NULL));
        return 1;
    }
    if (c.command == MIGRATOR__COMMAND_MARK) {
        result = migrator_mark(repo, table, c.mark_version, c.mark_direction, &c.opts);
    } else if (c.command == MIGRATOR__COMMAND_SCHEMA) {
        char *text;
        if ((result = migrator_schema_fingerprint(repo, &c.opts, &text)) >= 0) {
            fputs(text, stdout);
            migrator_free(text);
        }
    } else if (c.command == MIGRATOR__COMMAND_MIGRATIONS) {
        migrator_status_list list;
        if ((result = migrator_migrations(repo, table, &c.opts, &list)) >= 0) {
            print_status(table, &list);
            migrator_status_list_free(&list);
        }
    } else {
        result = migrator_run(repo, table,
                              c.command == MIGRATOR__COMMAND_MIGRATE ? MIGRATOR_UP : MIGRATOR_DOWN,
                              &c.opts, NULL);
    }
    if (result < 0)
        fprintf(stderr, "%s: error: %s\n", c.program, migrator_errmsg(repo));
    migrator_close(repo);
    fflush(stdout);
    return result < 0 ? 1 : 0;
}
