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

/* The logger of a dry run: its statements (MIGRATOR_LOG_INFO) on stdout,
 * the rest as usual. */
static void dry_run_log(migrator_log_level level, const char *message, void *payload)
{
    if (level == MIGRATOR_LOG_INFO) {
        puts(message);
        return;
    }
    migrator__log_to_stderr(level, message, payload);
}

/* A JSON string literal of text (UTF-8 is kept; control characters are
 * escaped). */
static void print_json_string(const char *text)
{
    const unsigned char *p;
    if (!text) {
        fputs("null", stdout);
        return;
    }
    putchar('"');
    for (p = (const unsigned char *)text; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", stdout);
        else if (*p == '\t')
            fputs("\\t", stdout);
        else if (*p < 0x20)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

static const char *const checksum_states[] = {"pending", "match", "mismatch", "unrecorded",
                                              "no_file"};

/* migrations --format json: the status list as one JSON object
 * (docs/cli.md). */
static void print_json(const migrator_table *table, const migrator_status_list *list)
{
    size_t i;
    fputs("{\"repo\":", stdout);
    print_json_string(table->repo);
    fputs(",\"migrations\":[", stdout);
    for (i = 0; i < list->count; i++) {
        const migrator_status *s = &list->items[i];
        printf("%s\n{\"version\":%" PRId64 ",\"name\":", i ? "," : "", s->version);
        print_json_string(s->migration ? s->migration->name : NULL);
        printf(",\"status\":\"%s\",\"applied_at\":", s->partial ? "partial"
                                                     : s->up    ? "up"
                                                                : "down");
        print_json_string(s->applied_at);
        printf(",\"checksum\":\"%s\",\"recorded_checksum\":", checksum_states[s->checksum]);
        print_json_string(s->recorded_checksum[0] ? s->recorded_checksum : NULL);
        fputs(",\"file_checksum\":", stdout);
        print_json_string(s->migration ? s->migration->checksum : NULL);
        fputs(",\"file\":", stdout);
        print_json_string(s->migration ? s->migration->file : NULL);
        fputs(",\"partial\":", stdout);
        print_json_string(s->partial);
        putchar('}');
    }
    fputs("\n]}\n", stdout);
}

/* validate: every problem of the applied migrations on stdout, one a line;
 * returns how many there are. */
static size_t validate(const migrator_status_list *list)
{
    size_t i, problems = 0, applied = 0, unrecorded = 0;
    for (i = 0; i < list->count; i++) {
        const migrator_status *s = &list->items[i];
        if (s->partial) {
            printf("partial: %s\n", s->partial);
            problems++;
        }
        if (!s->up)
            continue;
        applied++;
        if (s->checksum == MIGRATOR_CHECKSUM_MISMATCH) {
            printf("changed: migration %" PRId64 " %s (%s) was applied with checksum %s; its "
                   "file now gives %s\n",
                   s->version, s->migration->name, s->migration->file, s->recorded_checksum,
                   s->migration->checksum);
            problems++;
        } else if (s->checksum == MIGRATOR_CHECKSUM_NO_FILE) {
            printf("missing: migration %" PRId64 " is applied but this program has no file for "
                   "it\n",
                   s->version);
            problems++;
        } else if (s->checksum == MIGRATOR_CHECKSUM_UNRECORDED) {
            unrecorded++;
        }
    }
    if (problems)
        printf("%zu problem%s\n", problems, problems == 1 ? "" : "s");
    else
        printf("%zu applied migration%s valid%s\n", applied, applied == 1 ? "" : "s",
               unrecorded ? " (some without a recorded checksum: applied before migrator "
                            "recorded checksums; the next migrate records them)"
                          : "");
    return problems;
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

/* Why a command must not create a missing SQLite file (NULL: it may). */
static const char *needs_existing_file(migrator__command command)
{
    switch (command) {
    case MIGRATOR__COMMAND_MIGRATIONS: return "migrations only reads; migrate creates it";
    case MIGRATOR__COMMAND_SCHEMA: return "schema only reads; migrate creates it";
    case MIGRATOR__COMMAND_VALIDATE: return "validate only reads; migrate creates it";
    case MIGRATOR__COMMAND_MARK: return "mark records the state of an existing database";
    case MIGRATOR__COMMAND_REPAIR: return "repair records the state of an existing database";
    case MIGRATOR__COMMAND_BASELINE: return "baseline records the state of an existing database";
    default: return NULL;
    }
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
    size_t pending = 0, problems = 0;
    const char *dry_created = NULL, *why;
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
    if (c.opts.dry_run) {
        c.opts.log_fn = dry_run_log;
        /* Opening a SQLite file creates it: a dry run removes what it made. */
        dry_created = missing_sqlite_file(c.url) ? c.url + 7 : NULL;
    }
    if ((why = needs_existing_file(c.command)) != NULL && missing_sqlite_file(c.url)) {
        fprintf(stderr, "%s: error: the database file %s does not exist (%s)\n", c.program,
                c.url + 7, why);
        return 1;
    }
    if ((result = migrator_open(&repo, c.url, &c.config)) < 0) {
        fprintf(stderr, "%s: error: %s\n", c.program, migrator_errmsg(NULL));
        return 1;
    }
    if (c.command == MIGRATOR__COMMAND_MARK) {
        result = migrator_mark(repo, table, c.versions[0], c.mark_direction, &c.opts);
    } else if (c.command == MIGRATOR__COMMAND_REPAIR) {
        result = migrator_repair(repo, table, c.versions, c.version_count, &c.opts);
    } else if (c.command == MIGRATOR__COMMAND_BASELINE) {
        result = migrator_baseline(repo, table, c.versions[0], &c.opts);
    } else if (c.command == MIGRATOR__COMMAND_VALIDATE) {
        migrator_status_list list;
        c.opts.on_checksum_mismatch = MIGRATOR_CHECKSUM_IGNORE; /* listed below instead */
        if ((result = migrator_migrations(repo, table, &c.opts, &list)) >= 0) {
            problems = validate(&list);
            migrator_status_list_free(&list);
        }
    } else if (c.command == MIGRATOR__COMMAND_SCHEMA) {
        char *text;
        if ((result = migrator_schema_fingerprint(repo, &c.opts, &text)) >= 0) {
            fputs(text, stdout);
            migrator_free(text);
        }
    } else if (c.command == MIGRATOR__COMMAND_MIGRATIONS) {
        migrator_status_list list;
        if ((result = migrator_migrations(repo, table, &c.opts, &list)) >= 0) {
            size_t i;
            if (c.json)
                print_json(table, &list);
            else
                print_status(table, &list);
            for (i = 0; i < list.count; i++)
                pending += !list.items[i].up;
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
    if (dry_created)
        remove(dry_created);
    if (result < 0 || problems)
        return 1;
    return c.exit_code && pending ? 3 : 0;
}
