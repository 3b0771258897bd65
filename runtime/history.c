/*
 * The `<migration_source>_migrator` table (history.h). Every statement is
 * written once with $n parameters, which SQLite and PostgreSQL both take.
 *
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include "history.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HISTORY_SUFFIX "_migrator"

/* "prefix"."<source>_migrator", or without the prefix; malloc'd. */
static char *table_name(migrator_repo *repo)
{
    size_t length = strlen(repo->source) + sizeof(HISTORY_SUFFIX);
    char *name = malloc(length), *quoted, *result;
    if (!name)
        return NULL;
    snprintf(name, length, "%s" HISTORY_SUFFIX, repo->source);
    quoted = migrator__quote_identifier(name);
    free(name);
    result = quoted ? migrator__qualified_name(repo, quoted) : NULL;
    free(quoted);
    return result;
}

/* A dry run: sql with its $n parameters written as literals, appended to
 * the dry run's lines instead of run. */
static int describe(migrator_repo *repo, const char *sql, int count, const char *const *params)
{
    size_t length = strlen(sql) + 1, used = 0;
    const char *p;
    char *text;
    int i, error;

    for (i = 0; i < count; i++)
        length += params[i] ? 2 * strlen(params[i]) + 2 : 4;
    length *= 2; /* a parameter may appear more than once */
    if (!(text = malloc(length)))
        return migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
    for (p = sql; *p;) {
        if (*p == '$' && p[1] >= '1' && p[1] <= '9') {
            char *end;
            int n = (int)strtol(p + 1, &end, 10);
            const char *value = n <= count ? params[n - 1] : NULL;
            size_t k, digits = value ? strspn(value, "0123456789") : 0;
            if (!value) {
                memcpy(text + used, "NULL", 4);
                used += 4;
            } else if (digits > 0 && !value[digits]) {
                memcpy(text + used, value, digits);
                used += digits;
            } else {
                text[used++] = '\'';
                for (k = 0; value[k]; k++) {
                    if (value[k] == '\'')
                        text[used++] = '\'';
                    text[used++] = value[k];
                }
                text[used++] = '\'';
            }
            p = end;
            continue;
        }
        text[used++] = *p++;
    }
    text[used] = '\0';
    error = migrator__lines_addf(repo->dry_out, "%s", text) ? MIGRATOR_ENOMEM : MIGRATOR_OK;
    free(text);
    return error < 0 ? migrator__fail(repo, error, "out of memory") : MIGRATOR_OK;
}

/* Runs sql_template, whose every "{table}" is our table's name, or whose
 * one "{source}" is the migrations table's, through own_query. */
static int run(migrator_repo *repo, const char *sql_template, int count, const char *const *params,
               migrator__lines *rows)
{
    const char *mark = strstr(sql_template, "{source}") ? "{source}" : "{table}";
    size_t mark_length = strlen(mark);
    char *table = strcmp(mark, "{table}") == 0
                      ? table_name(repo)
                      : migrator__qualified_name(repo, repo->quoted_source),
         *sql, *at;
    const char *from = sql_template, *found;
    size_t length = strlen(sql_template) + 1;
    int error;

    if (!table)
        return migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
    for (found = strstr(from, mark); found; found = strstr(found + 1, mark))
        length += strlen(table);
    if (!(sql = malloc(length))) {
        free(table);
        return migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
    }
    for (at = sql; (found = strstr(from, mark)) != NULL; from = found + mark_length) {
        memcpy(at, from, (size_t)(found - from));
        at += found - from;
        memcpy(at, table, strlen(table));
        at += strlen(table);
    }
    strcpy(at, from);
    free(table);
    if (repo->dry_out && strncmp(sql, "SELECT", 6) != 0)
        error = describe(repo, sql, count, params);
    else
        error = repo->adapter->own_query(repo, sql, count, params, rows);
    free(sql);
    return error;
}

static int create_table(migrator_repo *repo)
{
    return run(
        repo,
        "CREATE TABLE IF NOT EXISTS {table} (\"version\" bigint PRIMARY KEY, \"state\" text NOT "
        "NULL, \"direction\" text, \"statements_done\" integer, \"statements_total\" "
        "integer, \"location\" text, \"error\" text, \"checksum\" text, "
        "\"checksum_algorithm\" integer, \"updated_at\" text)",
        0, NULL, NULL);
}

/* The table, created once per repo (CREATE TABLE IF NOT EXISTS is cheap,
 * but not free on PostgreSQL). */
static int ensure_table(migrator_repo *repo)
{
    int error;
    if (repo->history_ready)
        return MIGRATOR_OK;
    if (repo->opts && repo->opts->skip_table_creation)
        return MIGRATOR_ENOTFOUND; /* not ours to create: nothing is recorded */
    if ((error = create_table(repo)) >= 0)
        repo->history_ready = 1; /* in a dry run: as it would be */
    return error;
}

static char *field(char **cursor)
{
    char *start = *cursor, *end = strchr(start, MIGRATOR__FIELD_SEPARATOR);
    if (end) {
        *end = '\0';
        *cursor = end + 1;
    } else {
        *cursor = start + strlen(start);
    }
    return start;
}

static int is_applied(const migrator_versions *applied, int64_t version)
{
    size_t i;
    for (i = 0; i < applied->count; i++)
        if (applied->items[i] == version)
            return 1;
    return 0;
}

int migrator__history_probe(migrator_repo *repo)
{
    migrator__recorded recorded;
    int error = migrator__history_checksums(repo, &recorded);
    migrator__recorded_free(&recorded);
    return error;
}

int migrator__history_partials(migrator_repo *repo, const migrator_versions *applied,
                               migrator__partials *out)
{
    migrator__lines rows = MIGRATOR__LINES_INIT;
    size_t i;
    int error;

    out->items = NULL;
    out->count = 0;
    error =
        run(repo,
            "SELECT \"version\", \"direction\", \"statements_done\", \"statements_total\", "
            "\"location\", \"error\" FROM {table} WHERE \"state\" = 'partial' ORDER BY \"version\"",
            0, NULL, &rows);
    if (error == MIGRATOR_ENOTFOUND) {
        if (repo->errmsg)
            repo->errmsg[0] = '\0';
        return MIGRATOR_OK;
    }
    if (error < 0)
        return error;
    if (rows.count && !(out->items = calloc(rows.count, sizeof(*out->items)))) {
        migrator__lines_free(&rows);
        return migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
    }
    for (i = 0; i < rows.count; i++) {
        char *cursor = rows.items[i];
        migrator__partial p;
        p.version = strtoll(field(&cursor), NULL, 10);
        p.direction = strcmp(field(&cursor), "down") == 0 ? MIGRATOR_DOWN : MIGRATOR_UP;
        p.done = atoi(field(&cursor));
        p.total = atoi(field(&cursor));
        p.location = migrator__strdup(field(&cursor));
        p.error = migrator__strdup(field(&cursor));
        if (!p.location || !p.error) {
            free(p.location);
            free(p.error);
            migrator__lines_free(&rows);
            migrator__partials_free(out);
            return migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
        }
        /* An up whose version got recorded, or a down whose row is gone,
         * finished: only the bookkeeping after it was cut short. */
        if ((p.direction == MIGRATOR_UP) == is_applied(applied, p.version)) {
            free(p.location);
            free(p.error);
            continue;
        }
        out->items[out->count++] = p;
    }
    migrator__lines_free(&rows);
    return MIGRATOR_OK;
}

const migrator__partial *migrator__partials_find(const migrator__partials *partials,
                                                 int64_t version)
{
    size_t i;
    for (i = 0; i < partials->count; i++)
        if (partials->items[i].version == version)
            return &partials->items[i];
    return NULL;
}

void migrator__partials_free(migrator__partials *partials)
{
    size_t i;
    for (i = 0; i < partials->count; i++) {
        free(partials->items[i].location);
        free(partials->items[i].error);
    }
    free(partials->items);
    partials->items = NULL;
    partials->count = 0;
}

static char *format_text(const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

static char *format_text(const char *format, ...)
{
    va_list args;
    char *text;
    int length;
    va_start(args, format);
    length = vsnprintf(NULL, 0, format, args);
    va_end(args);
    if (length < 0 || !(text = malloc((size_t)length + 1)))
        return NULL;
    va_start(args, format);
    vsnprintf(text, (size_t)length + 1, format, args);
    va_end(args);
    return text;
}

char *migrator__partial_describe(const migrator__partial *p, const migrator_migration *m)
{
    char where[1200];
    if (p->done >= p->total)
        snprintf(where, sizeof(where), "all %d statements ran but the version was not recorded%s%s",
                 p->total, *p->error ? ": " : "", p->error);
    else
        snprintf(where, sizeof(where),
                 *p->error ? "statement %d of %d failed: %s"
                           : "statement %d of %d (%s) was running or about to run when the run "
                             "was interrupted (or is running now)",
                 p->done + 1, p->total, *p->error ? p->error : p->location);
    return format_text("migration %" PRId64 " %s%s%s%s was partially applied: its %s stopped "
                       "after %d statement%s; %s. Fix the database by hand, then record the "
                       "outcome with `mark %" PRId64 " --up` or `mark %" PRId64
                       " --down`, or rerun it from its first statement with `%s --retry-partial`",
                       p->version, m ? m->name : "", m ? " (" : "", m ? m->file : "", m ? ")" : "",
                       p->direction == MIGRATOR_UP ? "up" : "down", p->done,
                       p->done == 1 ? "" : "s", where, p->version, p->version,
                       p->direction == MIGRATOR_UP ? "migrate" : "rollback");
}

/* Upserts the partial row. */
static int write_partial(migrator_repo *repo, const migrator_migration *migration,
                         migrator_direction direction, int done, const char *error)
{
    const migrator_section *section = direction == MIGRATOR_UP ? &migration->up : &migration->down;
    char version[32], done_text[16], total[16], location[1024], updated_at[32];
    const char *params[8];
    time_t now = time(NULL);
    struct tm utc;

    snprintf(version, sizeof(version), "%" PRId64, migration->version);
    snprintf(done_text, sizeof(done_text), "%d", done);
    snprintf(total, sizeof(total), "%zu", section->count);
    if ((size_t)done < section->count)
        snprintf(location, sizeof(location), "%s:%u", migration->file,
                 section->statements[done].line);
    else
        snprintf(location, sizeof(location), "%s", migration->file);
    gmtime_r(&now, &utc);
    strftime(updated_at, sizeof(updated_at), "%Y-%m-%dT%H:%M:%S", &utc);
    params[0] = version;
    params[1] = direction == MIGRATOR_UP ? "up" : "down";
    params[2] = done_text;
    params[3] = total;
    params[4] = location;
    params[5] = error ? error : "";
    params[6] = updated_at;
    return run(repo,
               "INSERT INTO {table} (\"version\", \"state\", \"direction\", \"statements_done\", "
               "\"statements_total\", \"location\", \"error\", \"updated_at\") VALUES ($1, "
               "'partial', $2, $3, $4, $5, $6, $7) ON CONFLICT (\"version\") DO UPDATE SET "
               "\"state\" = 'partial', \"direction\" = $2, \"statements_done\" = $3, "
               "\"statements_total\" = $4, \"location\" = $5, \"error\" = $6, \"updated_at\" = $7",
               7, params, NULL);
}

int migrator__history_start(migrator_repo *repo, const migrator_migration *migration,
                            migrator_direction direction)
{
    int error = ensure_table(repo);
    if (error == MIGRATOR_ENOTFOUND)
        return MIGRATOR_OK; /* skip_table_creation and no table: not tracked */
    return error < 0 ? error : write_partial(repo, migration, direction, 0, NULL);
}

int migrator__history_progress(migrator_repo *repo, const migrator_migration *migration,
                               migrator_direction direction, int done, const char *error)
{
    if (!repo->history_ready)
        return MIGRATOR_OK; /* not tracked (see migrator__history_start) */
    return write_partial(repo, migration, direction, done, error);
}

static void now_text(char out[32])
{
    time_t now = time(NULL);
    struct tm utc;
    gmtime_r(&now, &utc);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &utc);
}

/* Writes an 'applied' row; with fill, only where the version has no row
 * (a partial state stays until it is resolved). */
static int write_applied(migrator_repo *repo, const migrator_migration *migration,
                         unsigned int algorithm, int fill);

int migrator__history_applied(migrator_repo *repo, const migrator_migration *migration,
                              unsigned int algorithm)
{
    return write_applied(repo, migration, algorithm, 0);
}

int migrator__history_fill(migrator_repo *repo, const migrator_migration *migration,
                           unsigned int algorithm)
{
    return write_applied(repo, migration, algorithm, 1);
}

static int write_applied(migrator_repo *repo, const migrator_migration *migration,
                         unsigned int algorithm, int fill)
{
    char version[32], algorithm_text[16], updated_at[32];
    const char *params[4];
    int error;

    if ((error = ensure_table(repo)) == MIGRATOR_ENOTFOUND)
        return MIGRATOR_OK;
    if (error < 0)
        return error;
    snprintf(version, sizeof(version), "%" PRId64, migration->version);
    snprintf(algorithm_text, sizeof(algorithm_text), "%u", algorithm);
    now_text(updated_at);
    params[0] = version;
    params[1] = migration->checksum;
    params[2] = algorithm_text;
    params[3] = updated_at;
    if (fill)
        return run(repo,
                   "INSERT INTO {table} (\"version\", \"state\", \"checksum\", "
                   "\"checksum_algorithm\", \"updated_at\") VALUES ($1, 'applied', $2, $3, $4) "
                   "ON CONFLICT (\"version\") DO NOTHING",
                   4, params, NULL);
    return run(repo,
               "INSERT INTO {table} (\"version\", \"state\", \"checksum\", "
               "\"checksum_algorithm\", \"updated_at\") VALUES ($1, 'applied', $2, $3, $4) "
               "ON CONFLICT (\"version\") DO UPDATE SET \"state\" = 'applied', "
               "\"direction\" = NULL, \"statements_done\" = NULL, \"statements_total\" = NULL, "
               "\"location\" = NULL, \"error\" = NULL, \"checksum\" = $2, "
               "\"checksum_algorithm\" = $3, \"updated_at\" = $4",
               4, params, NULL);
}

int migrator__history_forget(migrator_repo *repo, int64_t version)
{
    char text[32];
    const char *params[1];
    int error;
    /* Without the table there is nothing to forget; and a failed DELETE
     * would abort the caller's transaction on PostgreSQL. */
    if (!repo->history_ready)
        return MIGRATOR_OK;
    snprintf(text, sizeof(text), "%" PRId64, version);
    params[0] = text;
    error = run(repo, "DELETE FROM {table} WHERE \"version\" = $1", 1, params, NULL);
    if (error == MIGRATOR_ENOTFOUND) {
        if (repo->errmsg)
            repo->errmsg[0] = '\0';
        return MIGRATOR_OK;
    }
    return error;
}

int migrator__history_checksums(migrator_repo *repo, migrator__recorded *out)
{
    migrator__lines rows = MIGRATOR__LINES_INIT;
    size_t i;
    int error;

    out->items = NULL;
    out->count = 0;
    out->table_exists = 1;
    error = run(repo,
                "SELECT \"version\", \"checksum\", \"checksum_algorithm\" FROM {table} "
                "WHERE \"state\" = 'applied' ORDER BY \"version\"",
                0, NULL, &rows);
    if (error == MIGRATOR_ENOTFOUND) {
        if (repo->errmsg)
            repo->errmsg[0] = '\0';
        out->table_exists = 0;
        return MIGRATOR_OK;
    }
    if (error < 0)
        return error;
    repo->history_ready = 1;
    if (rows.count && !(out->items = calloc(rows.count, sizeof(*out->items)))) {
        migrator__lines_free(&rows);
        return migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
    }
    for (i = 0; i < rows.count; i++) {
        char *cursor = rows.items[i];
        migrator__recorded_checksum *r = &out->items[out->count++];
        r->version = strtoll(field(&cursor), NULL, 10);
        snprintf(r->checksum, sizeof(r->checksum), "%s", field(&cursor));
        r->algorithm = (unsigned int)strtoul(field(&cursor), NULL, 10);
    }
    migrator__lines_free(&rows);
    return MIGRATOR_OK;
}

const migrator__recorded_checksum *migrator__recorded_find(const migrator__recorded *recorded,
                                                           int64_t version)
{
    size_t low = 0, high = recorded->count;
    while (low < high) { /* sorted by version */
        size_t middle = low + (high - low) / 2;
        if (recorded->items[middle].version < version)
            low = middle + 1;
        else if (recorded->items[middle].version > version)
            high = middle;
        else
            return &recorded->items[middle];
    }
    return NULL;
}

void migrator__recorded_free(migrator__recorded *recorded)
{
    free(recorded->items);
    recorded->items = NULL;
    recorded->count = 0;
}

int migrator__history_applied_at(migrator_repo *repo, migrator__lines *rows)
{
    return run(repo, "SELECT \"version\", \"inserted_at\" FROM {source}", 0, NULL, rows);
}

int migrator__history_source_exists(migrator_repo *repo, int *exists)
{
    int error = run(repo, "SELECT 1 FROM {source} WHERE 1 = 0", 0, NULL, NULL);
    *exists = error != MIGRATOR_ENOTFOUND;
    if (error == MIGRATOR_ENOTFOUND) {
        if (repo->errmsg)
            repo->errmsg[0] = '\0';
        return MIGRATOR_OK;
    }
    return error;
}
