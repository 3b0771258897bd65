/*
 * Dry runs (docs/trust.md): what migrator_run would send, in order, printed
 * instead of run. The reads that decide what to run (the applied versions,
 * the recorded checksums, partial states) are made for real; every other
 * statement (transactions, locks, the re-check of each version, the
 * migrations' own statements, the version rows and our bookkeeping) is
 * written through the log at MIGRATOR_LOG_INFO, one statement a line
 * ending in ";", with "-- " comments between.
 *
 * The statements are the adapters' own texts (their describe function) and
 * our table's (history.c with repo->dry_out), in the order of the real run
 * (engine.c: run_one, run_one_outside_transaction, run_group).
 *
 * SPDX-License-Identifier: MIT
 */
#include "dry_run.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"

/* Writes the lines gathered so far and empties the list. */
static void flush(migrator_repo *repo, migrator__lines *lines)
{
    size_t i;
    for (i = 0; i < lines->count; i++) {
        const char *line = lines->items[i];
        migrator__log(repo, MIGRATOR_LOG_INFO, "%s%s", line, strncmp(line, "--", 2) ? ";" : "");
    }
    migrator__lines_free(lines);
}

static int describe(migrator_repo *repo, migrator__dry_step step, int64_t version,
                    migrator_direction direction, int flag, migrator__lines *out)
{
    return repo->adapter->describe(repo, step, version, direction, flag, out);
}

static int statements(migrator_repo *repo, const migrator_migration *m,
                      migrator_direction direction, int track, migrator__lines *out)
{
    const migrator_section *section = direction == MIGRATOR_UP ? &m->up : &m->down;
    size_t i;
    int error = MIGRATOR_OK;
    for (i = 0; i < section->count && error >= 0; i++) {
        char *text = migrator_statement_text(&section->statements[i]);
        if (!text || migrator__lines_addf(out, "%s", text) != 0)
            error = migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
        free(text);
        if (error >= 0 && track)
            error = migrator__history_progress(repo, m, direction, (int)i + 1, NULL);
    }
    return error;
}

static int bookkeeping(migrator_repo *repo, const migrator_migration *m,
                       migrator_direction direction, migrator__lines *out)
{
    int error = describe(repo, MIGRATOR__DRY_RECORD, m->version, direction, 0, out);
    if (error >= 0)
        error = direction == MIGRATOR_UP
                    ? migrator__history_applied(repo, m, repo->checksum_algorithm)
                    : migrator__history_forget(repo, m->version);
    return error;
}

static int callback_note(migrator_repo *repo, migrator_migration_fn callback, const char *what,
                         migrator__lines *out)
{
    if (callback && migrator__lines_addf(out, "-- %s callback (its SQL is not known ahead)", what))
        return migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
    return MIGRATOR_OK;
}

/* One migration, as run_one / run_one_outside_transaction would run it. */
static int one(migrator_repo *repo, const migrator_migration *m, migrator_direction direction,
               int group, migrator__lines *out)
{
    int lock = migrator__use_lock(repo) && !(m->flags & MIGRATOR_DISABLE_MIGRATION_LOCK);
    int error;

    if (migrator__lines_addf(out, "-- %" PRId64 " %s (%s): %s%s", m->version, m->name, m->file,
                             direction == MIGRATOR_UP ? "up" : "down",
                             m->flags & MIGRATOR_DISABLE_DDL_TRANSACTION ? ", outside a transaction"
                                                                         : ""))
        return migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
    if (group)
        return (error = describe(repo, MIGRATOR__DRY_CHECK, m->version, direction, 0, out)) < 0 ||
                       (error = statements(repo, m, direction, 0, out)) < 0
                   ? error
                   : bookkeeping(repo, m, direction, out);
    if (m->flags & MIGRATOR_DISABLE_DDL_TRANSACTION) {
        if ((lock && repo->adapter->session_lock &&
             (error = describe(repo, MIGRATOR__DRY_SESSION_LOCK, 0, direction, 1, out)) < 0) ||
            (error = describe(repo, MIGRATOR__DRY_SESSION_PREFIX, 0, direction, 1, out)) < 0 ||
            (error = describe(repo, MIGRATOR__DRY_CHECK, m->version, direction, 0, out)) < 0)
            return error;
        /* our table's lines go to out too (repo->dry_out) */
        if ((error = migrator__history_start(repo, m, direction)) < 0)
            return error;
        if ((error = statements(repo, m, direction, 1, out)) < 0 ||
            (error = describe(repo, MIGRATOR__DRY_BEGIN, 0, direction, 0, out)) < 0 ||
            (error = bookkeeping(repo, m, direction, out)) < 0 ||
            (error = describe(repo, MIGRATOR__DRY_COMMIT, 0, direction, 0, out)) < 0 ||
            (error = describe(repo, MIGRATOR__DRY_SESSION_PREFIX, 0, direction, 0, out)) < 0)
            return error;
        if (lock && repo->adapter->session_lock)
            error = describe(repo, MIGRATOR__DRY_SESSION_LOCK, 0, direction, 0, out);
        return error;
    }
    if ((error = describe(repo, MIGRATOR__DRY_BEGIN, 0, direction, lock, out)) < 0 ||
        (error = describe(repo, MIGRATOR__DRY_CHECK, m->version, direction, 0, out)) < 0 ||
        (error = callback_note(repo, repo->opts->after_begin, "after_begin", out)) < 0 ||
        (error = statements(repo, m, direction, 0, out)) < 0 ||
        (error = callback_note(repo, repo->opts->before_commit, "before_commit", out)) < 0 ||
        (error = bookkeeping(repo, m, direction, out)) < 0)
        return error;
    return describe(repo, MIGRATOR__DRY_COMMIT, 0, direction, lock, out);
}

int migrator__dry_run(migrator_repo *repo, const migrator__plan *plan, migrator_direction direction)
{
    migrator__lines out = MIGRATOR__LINES_INIT;
    size_t i;
    int error = MIGRATOR_OK;

    if (!repo->adapter->describe)
        return migrator__fail(repo, MIGRATOR_EUNSUPPORTED, "the %s adapter has no dry run",
                              repo->adapter->name);
    /* Our table's writes land in out too, in their place. */
    repo->dry_out = &out;
    if (plan->count == 0)
        migrator__log(repo, MIGRATOR_LOG_INFO, "-- nothing to run: migrations already %s",
                      direction == MIGRATOR_UP ? "up" : "down");
    if (plan->count && repo->opts->group)
        error = describe(repo, MIGRATOR__DRY_BEGIN, 0, direction, migrator__use_lock(repo), &out);
    for (i = 0; error >= 0 && i < plan->count; i++) {
        error = one(repo, plan->items[i], direction, repo->opts->group, &out);
        flush(repo, &out);
    }
    if (error >= 0 && plan->count && repo->opts->group)
        error = describe(repo, MIGRATOR__DRY_COMMIT, 0, direction, migrator__use_lock(repo), &out);
    flush(repo, &out);
    repo->dry_out = NULL;
    return error;
}

int migrator__dry_missing_table(migrator_repo *repo)
{
    migrator__lines out = MIGRATOR__LINES_INIT;
    int error = repo->adapter->describe ? describe(repo, MIGRATOR__DRY_CREATE_TABLE, 0, MIGRATOR_UP,
                                                   migrator__use_lock(repo), &out)
                                        : MIGRATOR_OK;
    if (error >= 0 &&
        migrator__lines_addf(&out, "-- (the migrations table does not exist yet: it is created "
                                   "first, under the lock)"))
        error = migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
    if (out.count > 1) { /* the note first */
        char *note = out.items[out.count - 1];
        memmove(out.items + 1, out.items, (out.count - 1) * sizeof(*out.items));
        out.items[0] = note;
    }
    flush(repo, &out);
    return error;
}
