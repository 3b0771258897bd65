/*
 * migrator_roundtrip: do the migrations undo what they do? Compares schema
 * fingerprints before and after up, down and up again, whole and one
 * migration at a time (docs/roundtrip.md).
 *
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repo.h"
#include "text_diff.h"

static const migrator_run_opts default_opts = MIGRATOR_RUN_OPTS_INIT;

typedef struct trip {
    migrator_repo *repo;
    const migrator_table *table;
    migrator_run_opts opts; /* the caller's, with the strategy of each step */
    size_t usable;          /* migrations before the first irreversible one */
    migrator_log_level log; /* the caller's level for the trip's progress lines */
} trip;

/* Logs through the caller's options (outside any inner call). */
static void say(trip *t, migrator_log_level level, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void say(trip *t, migrator_log_level level, const char *format, ...)
{
    const migrator_run_opts *saved = t->repo->opts;
    va_list args;
    t->repo->opts = &t->opts;
    va_start(args, format);
    migrator__vlog(t->repo, level, format, args);
    va_end(args);
    t->repo->opts = saved;
}

static int fingerprint(trip *t, migrator__lines *out)
{
    int error = migrator__begin_call(t->repo, &t->opts);
    if (error >= 0)
        error = migrator__schema_lines(t->repo, out);
    return migrator__end_call(t->repo, error);
}

/* Runs the first t->usable migrations up or down, as one migrator_run. */
static int run_all(trip *t, migrator_direction direction)
{
    migrator_run_opts opts = t->opts;
    if (direction == MIGRATOR_DOWN || t->usable == t->table->count) {
        opts.strategy = MIGRATOR_STRATEGY_ALL;
    } else {
        opts.strategy = MIGRATOR_STRATEGY_TO;
        opts.target = t->table->migrations[t->usable - 1].version;
    }
    return migrator_run(t->repo, t->table, direction, &opts, NULL);
}

/* Compares the schema now with expected; on a difference logs the diff
 * and fails with what (a sentence) and who (the migration, or NULL). */
static int expect(trip *t, const migrator__lines *expected, const char *expected_label,
                  const char *actual_label, const migrator_migration *who, const char *what)
{
    migrator__lines actual = MIGRATOR__LINES_INIT;
    char *diff;
    size_t changed = 0;
    int error = fingerprint(t, &actual);

    if (error < 0)
        return error;
    diff = migrator__unified_diff(expected, &actual, expected_label, actual_label, &changed);
    migrator__lines_free(&actual);
    if (!diff)
        return migrator__fail(t->repo, MIGRATOR_ENOMEM, "out of memory");
    if (changed == 0) {
        free(diff);
        return MIGRATOR_OK;
    }
    if (who) {
        say(t, MIGRATOR_LOG_ERROR,
            "round trip: %" PRId64 " %s (%s): %s (%zu line%s differ%s):\n%.*s", who->version,
            who->name, who->file, what, changed, changed == 1 ? "" : "s", changed == 1 ? "s" : "",
            (int)strlen(diff) - 1, diff);
        error = migrator__fail(t->repo, MIGRATOR_EROUNDTRIP,
                               "round trip failed at %" PRId64 " %s (%s): %s", who->version,
                               who->name, who->file, what);
    } else {
        say(t, MIGRATOR_LOG_ERROR, "round trip: %s (%zu line%s differ%s):\n%.*s", what, changed,
            changed == 1 ? "" : "s", changed == 1 ? "s" : "", (int)strlen(diff) - 1, diff);
        error = migrator__fail(t->repo, MIGRATOR_EROUNDTRIP, "round trip failed: %s", what);
    }
    free(diff);
    return error;
}

/* Up all, down all, up all. Leaves the usable migrations applied. */
static int whole(trip *t, const migrator__lines *empty)
{
    migrator__lines all_up = MIGRATOR__LINES_INIT;
    char what[160];
    int error;

    if ((error = run_all(t, MIGRATOR_UP)) < 0 || (error = fingerprint(t, &all_up)) < 0)
        return error;
    snprintf(what, sizeof(what),
             "rolling back all %zu migration%s does not restore the schema before them "
             "(roundtrip --stepwise names the migration)",
             t->usable, t->usable == 1 ? "" : "s");
    if ((error = run_all(t, MIGRATOR_DOWN)) >= 0)
        error = expect(t, empty, "before migrating", "after up all, down all", NULL, what);
    if (error >= 0 && (error = run_all(t, MIGRATOR_UP)) >= 0)
        error = expect(t, &all_up, "after up all", "after up all, down all, up all", NULL,
                       "migrating again after rolling back does not give the same schema "
                       "(roundtrip --stepwise names the migration)");
    if (error >= 0)
        say(t, t->log, "== up all, down all, up all: schema restored (%zu lines)", all_up.count);
    migrator__lines_free(&all_up);
    return error;
}

/* For each migration: up, down (== before), up (== after the first up). */
static int stepwise(trip *t)
{
    size_t i;
    int error = MIGRATOR_OK;
    for (i = 0; error >= 0 && i < t->usable; i++) {
        const migrator_migration *m = &t->table->migrations[i];
        migrator__lines before = MIGRATOR__LINES_INIT, after = MIGRATOR__LINES_INIT;
        if ((error = fingerprint(t, &before)) >= 0 &&
            (error = migrator_up(t->repo, t->table, m->version, &t->opts)) >= 0 &&
            (error = fingerprint(t, &after)) >= 0 &&
            (error = migrator_down(t->repo, t->table, m->version, &t->opts)) >= 0 &&
            (error = expect(t, &before, "before up", "after up, down", m,
                            "down does not restore the schema before up")) >= 0 &&
            (error = migrator_up(t->repo, t->table, m->version, &t->opts)) >= 0)
            error = expect(t, &after, "after up", "after up, down, up", m,
                           "up after down does not give the schema of the first up");
        if (error >= 0)
            say(t, t->log, "== %" PRId64 " %s: up, down, up: schema restored", m->version, m->name);
        migrator__lines_free(&before);
        migrator__lines_free(&after);
    }
    return error;
}

int migrator_roundtrip(migrator_repo *repo, const migrator_table *table, unsigned int flags,
                       const migrator_run_opts *opts)
{
    migrator_versions applied = {NULL, 0};
    migrator__lines empty = MIGRATOR__LINES_INIT;
    trip t;
    int error;

    if (!repo)
        return MIGRATOR_EINVAL;
    if (!table || (flags & ~MIGRATOR_ROUNDTRIP_STEPWISE))
        return migrator__fail(repo, MIGRATOR_EINVAL, "migrator_roundtrip: %s",
                              table ? "unknown flags" : "no table");
    if (opts && opts->version != MIGRATOR_RUN_OPTS_VERSION)
        return migrator__fail(
            repo, MIGRATOR_EINVAL,
            "migrator_run_opts.version is %u, expected %u (use MIGRATOR_RUN_OPTS_INIT)",
            opts->version, MIGRATOR_RUN_OPTS_VERSION);
    t.repo = repo;
    t.table = table;
    t.opts = opts ? *opts : default_opts;
    t.log = t.opts.log;
    t.opts.log = MIGRATOR_LOG_OFF; /* the migrations' own lines; the trip says what it does */
    t.opts.group = 0;
    t.opts.target = 0;
    for (t.usable = 0; t.usable < table->count; t.usable++)
        if (!(table->migrations[t.usable].flags & MIGRATOR_HAS_DOWN))
            break;

    if ((error = migrator_migrated_versions(repo, &t.opts, &applied)) < 0)
        return error;
    if (applied.count > 0) {
        error = migrator__fail(repo, MIGRATOR_EINVAL,
                               "the round trip needs a database where no migration is applied, "
                               "but %s has %zu (the newest is %" PRId64
                               "): use an empty database (roundtrip --scratch makes one)",
                               repo->url_display, applied.count, applied.items[applied.count - 1]);
        migrator_versions_free(&applied);
        return error;
    }
    if ((error = fingerprint(&t, &empty)) < 0)
        return error;
    say(&t, t.log, "Round trip of %zu migration%s on %s%s", t.usable, t.usable == 1 ? "" : "s",
        repo->url_display, flags & MIGRATOR_ROUNDTRIP_STEPWISE ? ", whole and stepwise" : "");
    /* Stepwise first, so that a migration that breaks the whole trip is
     * named; then the whole trip from there. */
    if (t.usable > 0 && (flags & MIGRATOR_ROUNDTRIP_STEPWISE))
        error = stepwise(&t);
    if (t.usable > 0 && error >= 0)
        error = whole(&t, &empty);
    migrator__lines_free(&empty);
    if (error < 0)
        return error;
    if (t.usable < table->count) {
        const migrator_migration *m = &table->migrations[t.usable];
        say(&t, MIGRATOR_LOG_ERROR,
            "round trip: %" PRId64 " %s (%s) has no down section: it cannot be rolled back, so "
            "the round trip stops before it; %zu migration%s checked, %zu not",
            m->version, m->name, m->file, t.usable, t.usable == 1 ? "" : "s",
            table->count - t.usable);
        return migrator__fail(repo, MIGRATOR_EIRREVERSIBLE,
                              "round trip stopped at %" PRId64 " %s (%s): it has no down section",
                              m->version, m->name, m->file);
    }
    say(&t, t.log, "Round trip passed: %zu migration%s checked", t.usable,
        t.usable == 1 ? "" : "s");
    if (repo->errmsg)
        repo->errmsg[0] = '\0';
    return MIGRATOR_OK;
}
