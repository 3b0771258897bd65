/*
 * The engine: plans and runs migrations with Ecto.Migrator's semantics
 * through an adapter, knowing nothing of any database. See docs/api.md.
 *
 * Per migration: BEGIN (taking the lock) -> re-check that the version is
 * still pending -> after_begin -> statements -> before_commit -> version
 * row -> COMMIT. Everything that can refuse a run (irreversible rollback,
 * strict order, a group with a non-transactional migration) is checked
 * before the first statement runs.
 *
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dry_run.h"
#include "history.h"
#include "plan.h"
#include "repo.h"

static const migrator_run_opts default_opts = MIGRATOR_RUN_OPTS_INIT;

static int check_partial(migrator_repo *repo, const migrator_migration *migration,
                         migrator_direction direction);

/* Makes opts the repo's active options for the call (NULL: defaults); repo.h. */
int migrator__begin_call(migrator_repo *repo, const migrator_run_opts *opts)
{
    if (!opts)
        opts = &default_opts;
    repo->opts = opts;
    repo->history_ready = 0; /* our table may be elsewhere (another prefix) */
    if (opts->version == MIGRATOR_RUN_OPTS_VERSION &&
        (opts->on_checksum_mismatch < MIGRATOR_CHECKSUM_DEFAULT ||
         opts->on_checksum_mismatch > MIGRATOR_CHECKSUM_IGNORE))
        return migrator__fail(repo, MIGRATOR_EINVAL,
                              "migrator_run_opts.on_checksum_mismatch is %d: expected a "
                              "migrator_checksum_policy",
                              (int)opts->on_checksum_mismatch);
    if (opts->version != MIGRATOR_RUN_OPTS_VERSION)
        return migrator__fail(
            repo, MIGRATOR_EINVAL,
            "migrator_run_opts.version is %u, expected %u (use MIGRATOR_RUN_OPTS_INIT)",
            opts->version, MIGRATOR_RUN_OPTS_VERSION);
    if (opts->prefix && repo->adapter->check_prefix)
        return repo->adapter->check_prefix(repo, opts->prefix);
    return MIGRATOR_OK;
}

int migrator__end_call(migrator_repo *repo, int result)
{
    repo->opts = NULL;
    if (result >= 0 && repo->errmsg)
        repo->errmsg[0] = '\0';
    return result;
}

int migrator__use_lock(const migrator_repo *repo)
{
    return repo->opts->migration_lock && repo->lock_mode != MIGRATOR_LOCK_NONE;
}

/* Creates the table unless told not to, then reads the applied versions,
 * sorted. */
int migrator__load_applied(migrator_repo *repo, migrator_versions *applied)
{
    int error;
    applied->items = NULL;
    applied->count = 0;
    if (!repo->opts->skip_table_creation &&
        (error = repo->adapter->create_table(repo, migrator__use_lock(repo))) < 0)
        return error;
    if ((error = repo->adapter->read_versions(repo, applied)) < 0) {
        migrator_versions_free(applied);
        return error;
    }
    migrator__versions_sort(applied);
    return MIGRATOR_OK;
}

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* Ecto's "in 0.0s": tenths of a second, truncated. */
static void log_migrated(migrator_repo *repo, int64_t version, const struct timespec *start)
{
    long tenths = (long)(seconds_since(start) * 10.0);
    migrator__log(repo, repo->opts->log, "== Migrated %" PRId64 " in %ld.%lds", version,
                  tenths / 10, tenths % 10);
}

static void warn_out_of_order(migrator_repo *repo, int64_t version, int64_t latest)
{
    if (repo->opts->log == MIGRATOR_LOG_OFF)
        return;
    migrator__log(repo, MIGRATOR_LOG_WARNING,
                  "You are running migration %" PRId64
                  " but an older migration with version %" PRId64
                  " has already run.\n\nThis can be an issue if you have already ran %" PRId64
                  " in production because a new deployment may migrate %" PRId64
                  " but a rollback command would revert %" PRId64 " instead of %" PRId64
                  ".\n\nIf this can be an issue, we recommend to rollback %" PRId64
                  " and change it to a version later than %" PRId64 ".",
                  version, latest, latest, version, latest, version, version, latest);
}

/* The first line of a statement, for messages. */
static char *first_line(const char *sql)
{
    size_t length = strcspn(sql, "\n");
    char *line = malloc(length + 1);
    if (line) {
        memcpy(line, sql, length);
        line[length] = '\0';
    }
    return line;
}

/* Where the database says a statement failed (position: 1-based character
 * in the statement), as the line and byte column in the migration file. */
static void map_position(const migrator_statement *statement, const char *sql, int position,
                         unsigned int *line, unsigned int *column)
{
    size_t at = 0, line_start = 0, length = strlen(sql);
    int characters = 1;
    unsigned int lines = 0;
    while (at < length && characters < position) {
        if (sql[at] == '\n') {
            lines++;
            line_start = at + 1;
        }
        at++;
        while (at < length && ((unsigned char)sql[at] & 0xc0) == 0x80)
            at++; /* the rest of a UTF-8 character */
        characters++;
    }
    *line = statement->line + lines;
    *column = lines ? (unsigned int)(at - line_start) + 1 : statement->column + (unsigned int)at;
}

/* Records where a tracked (non-transactional) migration failed, keeping
 * the failure's message as the repo's. */
static void track_failure(migrator_repo *repo, const migrator_migration *migration,
                          migrator_direction direction, int done)
{
    char *message = repo->errmsg;
    repo->errmsg = NULL;
    if (migrator__history_progress(repo, migration, direction, done, message ? message : "") < 0)
        migrator__log(repo, MIGRATOR_LOG_WARNING,
                      "could not record that migration %" PRId64 " stopped midway: %s",
                      migration->version, repo->errmsg ? repo->errmsg : "");
    free(repo->errmsg);
    repo->errmsg = message;
}

/* Runs the statements of one section (tracking each in our own table
 * when track: a migration outside a transaction); on failure the message is
 * FILE:LINE: database message (statement: first line). */
static int run_statements(migrator_repo *repo, const migrator_migration *migration,
                          migrator_direction direction, int track)
{
    const migrator_section *section = direction == MIGRATOR_UP ? &migration->up : &migration->down;
    size_t i;
    for (i = 0; i < section->count; i++) {
        const migrator_statement *statement = &section->statements[i];
        char *joined = NULL;
        const char *sql = statement->pieces[0];
        int error;

        if (statement->piece_count != 1) {
            if (!(joined = migrator_statement_text(statement)))
                return migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
            sql = joined;
        }
        if (repo->opts->log_migrations_sql != MIGRATOR_LOG_OFF)
            migrator__log(repo, repo->opts->log_migrations_sql, "%s", sql);
        repo->error_position = 0;
        error = repo->adapter->execute(repo, sql);
        if (error < 0) {
            char *line = first_line(sql);
            unsigned int at_line = statement->line, at_column = 0;
            if (repo->error_position > 0)
                map_position(statement, sql, repo->error_position, &at_line, &at_column);
            if (at_column)
                migrator__fail(repo, MIGRATOR_ESQL, "%s:%u:%u: %s (statement: %s)", migration->file,
                               at_line, at_column, repo->errmsg ? repo->errmsg : "failed",
                               line ? line : "?");
            else
                migrator__fail(repo, MIGRATOR_ESQL, "%s:%u: %s (statement: %s)", migration->file,
                               at_line, repo->errmsg ? repo->errmsg : "failed", line ? line : "?");
            free(line);
            free(joined);
            if (track)
                track_failure(repo, migration, direction, (int)i);
            return MIGRATOR_ESQL;
        }
        free(joined);
        if (track &&
            (error = migrator__history_progress(repo, migration, direction, (int)i + 1, NULL)) < 0)
            return error;
    }
    return MIGRATOR_OK;
}

static int run_callback(migrator_repo *repo, migrator_migration_fn callback, const char *what,
                        const migrator_migration *migration, migrator_direction direction)
{
    int result;
    if (!callback)
        return MIGRATOR_OK;
    if ((result = callback(repo, migration, direction, repo->opts->callback_payload)) >= 0)
        return MIGRATOR_OK;
    if (result == MIGRATOR_ESQL && repo->errmsg && repo->errmsg[0])
        return migrator__fail(repo, MIGRATOR_ECALLBACK, "%s of migration %" PRId64 " %s failed: %s",
                              what, migration->version, migration->name, repo->errmsg);
    return migrator__fail(repo, MIGRATOR_ECALLBACK, "%s of migration %" PRId64 " %s failed (%d)",
                          what, migration->version, migration->name, result);
}

/* The version row (Ecto's table) and ours: the checksum the migration was
 * applied with, or nothing once it is rolled back. */
static int record(migrator_repo *repo, const migrator_migration *migration,
                  migrator_direction direction)
{
    int error = repo->adapter->record(repo, migration->version, direction);
    if (error < 0)
        return error;
    return direction == MIGRATOR_UP
               ? migrator__history_applied(repo, migration, repo->checksum_algorithm)
               : migrator__history_forget(repo, migration->version);
}

/* The body of a migration inside a transaction: callbacks, statements and
 * the version rows. */
static int migration_body(migrator_repo *repo, const migrator_migration *migration,
                          migrator_direction direction)
{
    int error;
    if ((error = run_callback(repo, repo->opts->after_begin, "after_begin", migration, direction)) <
        0)
        return error;
    if ((error = run_statements(repo, migration, direction, 0)) < 0)
        return error;
    if ((error = run_callback(repo, repo->opts->before_commit, "before_commit", migration,
                              direction)) < 0)
        return error;
    return record(repo, migration, direction);
}

/* Keeps the first error's message across a ROLLBACK. */
int migrator__rollback_after(migrator_repo *repo, int error)
{
    char *message = repo->errmsg;
    repo->history_ready = 0; /* a CREATE TABLE of ours may be undone too */
    repo->errmsg = NULL;
    repo->adapter->rollback(repo);
    free(repo->errmsg);
    repo->errmsg = message;
    return error;
}

/* After the last statement of a migration outside a transaction: its
 * version row and the end of its partial state, in one transaction. */
static int finish_outside_transaction(migrator_repo *repo, const migrator_migration *migration,
                                      migrator_direction direction)
{
    int error;
    if ((error = repo->adapter->begin(repo, 0)) < 0)
        return error;
    if ((error = record(repo, migration, direction)) < 0 ||
        (error = repo->adapter->commit(repo)) < 0) {
        migrator__rollback_after(repo, error);
        track_failure(
            repo, migration, direction,
            (int)(direction == MIGRATOR_UP ? migration->up.count : migration->down.count));
        return error;
    }
    return MIGRATOR_OK;
}

/* A migration with disable_ddl_transaction: its statements in autocommit,
 * the version row after the last one, all under the adapter's session lock
 * (no transaction can hold the lock here). */
static int run_one_outside_transaction(migrator_repo *repo, const migrator_migration *migration,
                                       migrator_direction direction, int lock,
                                       const struct timespec *start)
{
    int applied, error;
    if (lock && repo->adapter->session_lock && (error = repo->adapter->session_lock(repo, 1)) < 0)
        return error;
    if (repo->adapter->session_prefix && (error = repo->adapter->session_prefix(repo, 1)) < 0) {
        if (lock && repo->adapter->session_lock)
            repo->adapter->session_lock(repo, 0);
        return error;
    }
    if ((error = repo->adapter->is_applied(repo, migration->version, &applied)) >= 0) {
        if (direction == MIGRATOR_UP ? applied : !applied) {
            error = 0;
        } else {
            migrator__log(repo, repo->opts->log, "== Running %" PRId64 " %s %s", migration->version,
                          migration->name, direction == MIGRATOR_UP ? "up" : "down");
            if ((error = check_partial(repo, migration, direction)) >= 0 &&
                (error = migrator__history_start(repo, migration, direction)) >= 0 &&
                (error = run_statements(repo, migration, direction, 1)) >= 0 &&
                (error = finish_outside_transaction(repo, migration, direction)) >= 0) {
                log_migrated(repo, migration->version, start);
                error = 1;
            } else if (error == MIGRATOR_ESQL && repo->errmsg && repo->errmsg[0]) {
                char *message = migrator__strdup(repo->errmsg);
                if (message)
                    migrator__fail(repo, error,
                                   "%s; migration %" PRId64 " runs outside a transaction, so the "
                                   "statements before this one stay applied: `migrations` shows "
                                   "it as partial",
                                   message, migration->version);
                free(message);
            }
        }
    }
    if (repo->adapter->session_prefix)
        repo->adapter->session_prefix(repo, 0);
    if (lock && repo->adapter->session_lock)
        repo->adapter->session_lock(repo, 0);
    return error;
}

/* Runs one migration. Returns 1 if it ran, 0 if another process had done it
 * already (skipped silently, as Ecto), or a negative code. */
static int run_one(migrator_repo *repo, const migrator_migration *migration,
                   migrator_direction direction)
{
    int lock = migrator__use_lock(repo) && !(migration->flags & MIGRATOR_DISABLE_MIGRATION_LOCK);
    int transactional = !(migration->flags & MIGRATOR_DISABLE_DDL_TRANSACTION);
    int applied, error;
    struct timespec start;

    clock_gettime(CLOCK_MONOTONIC, &start);
    if (!transactional)
        return run_one_outside_transaction(repo, migration, direction, lock, &start);
    if (repo->adapter->begin_checked) {
        if ((error = repo->adapter->begin_checked(repo, lock, migration->version, &applied)) < 0)
            return migrator__rollback_after(repo, error);
    } else {
        if ((error = repo->adapter->begin(repo, lock)) < 0)
            return error;
        if ((error = repo->adapter->is_applied(repo, migration->version, &applied)) < 0)
            return migrator__rollback_after(repo, error);
    }
    if (direction == MIGRATOR_UP ? applied : !applied) {
        repo->adapter->rollback(repo);
        return 0;
    }
    migrator__log(repo, repo->opts->log, "== Running %" PRId64 " %s %s", migration->version,
                  migration->name, direction == MIGRATOR_UP ? "up" : "down");
    if ((error = migration_body(repo, migration, direction)) < 0)
        return migrator__rollback_after(repo, error);
    if ((error = repo->adapter->commit(repo)) < 0)
        return migrator__rollback_after(repo, error);
    log_migrated(repo, migration->version, &start);
    return 1;
}

/* A migration outside a transaction that stopped midway is not run again
 * until the user says what state it is in (mark) or asks for a rerun
 * (retry_partial). Checked under the migration lock, when the partial state
 * cannot be that of another process running the migration right now. */
static int check_partial(migrator_repo *repo, const migrator_migration *migration,
                         migrator_direction direction)
{
    migrator__partials partials;
    migrator_versions applied;
    const migrator__partial *p;
    int64_t version = migration->version;
    int error;

    if (repo->opts->retry_partial)
        return MIGRATOR_OK;
    /* Only a partial state of this direction is live: the version is not
     * applied (up) or still is (down). */
    applied.items = &version;
    applied.count = direction == MIGRATOR_DOWN ? 1 : 0;
    if ((error = migrator__history_partials(repo, &applied, &partials)) < 0)
        return error;
    if ((p = migrator__partials_find(&partials, version)) != NULL) {
        char *text = migrator__partial_describe(p, migration);
        error = migrator__fail(repo, MIGRATOR_EPARTIAL, "%s; it was not run again",
                               text ? text : "a migration was partially applied");
        free(text);
    }
    migrator__partials_free(&partials);
    return error;
}

/* Refusals that must come before anything runs. */
static int check_plan(migrator_repo *repo, const migrator__plan *plan, migrator_direction direction,
                      const migrator_versions *applied)
{
    int64_t latest = applied->count ? applied->items[applied->count - 1] : INT64_MIN;
    size_t i;
    for (i = 0; i < plan->count; i++) {
        const migrator_migration *m = plan->items[i];
        if (direction == MIGRATOR_DOWN && !(m->flags & MIGRATOR_HAS_DOWN))
            return migrator__fail(repo, MIGRATOR_EIRREVERSIBLE,
                                  "%s: migration %" PRId64 " %s has no -- migrate:down section and "
                                  "cannot be rolled back; nothing was rolled back",
                                  m->file, m->version, m->name);
        if (direction == MIGRATOR_UP && repo->opts->strict_version_order && applied->count &&
            m->version < latest)
            return migrator__fail(repo, MIGRATOR_EORDER,
                                  "%s: migration %" PRId64 " is older than the newest applied "
                                  "migration %" PRId64
                                  " (strict version order); nothing was migrated",
                                  m->file, m->version, latest);
        if (repo->opts->group && (m->flags & MIGRATOR_DISABLE_DDL_TRANSACTION))
            return migrator__fail(repo, MIGRATOR_ENONTRANSACTIONAL,
                                  "%s: migration %" PRId64
                                  " %s has -- migrate:disable_ddl_transaction "
                                  "and cannot run in a group transaction; nothing was migrated",
                                  m->file, m->version, m->name);
    }
    return MIGRATOR_OK;
}

/* All selected migrations in one transaction. */
static int run_group(migrator_repo *repo, const migrator__plan *plan, migrator_direction direction,
                     migrator_versions *ran, int64_t latest)
{
    migrator_versions done = {NULL, 0};
    size_t i;
    int error;

    if ((error = repo->adapter->begin(repo, migrator__use_lock(repo))) < 0)
        return error;
    for (i = 0; i < plan->count; i++) {
        const migrator_migration *m = plan->items[i];
        struct timespec start;
        int applied;
        clock_gettime(CLOCK_MONOTONIC, &start);
        if ((error = repo->adapter->is_applied(repo, m->version, &applied)) < 0)
            goto fail;
        if (direction == MIGRATOR_UP ? applied : !applied)
            continue;
        if (direction == MIGRATOR_UP && m->version < latest)
            warn_out_of_order(repo, m->version, latest);
        migrator__log(repo, repo->opts->log, "== Running %" PRId64 " %s %s", m->version, m->name,
                      direction == MIGRATOR_UP ? "up" : "down");
        if ((error = migration_body(repo, m, direction)) < 0)
            goto fail;
        if ((error = migrator__versions_append(&done, m->version)) < 0) {
            migrator__fail(repo, error, "out of memory");
            goto fail;
        }
        log_migrated(repo, m->version, &start);
    }
    if ((error = repo->adapter->commit(repo)) < 0)
        goto fail;
    for (i = 0; ran && i < done.count; i++)
        if ((error = migrator__versions_append(ran, done.items[i])) < 0)
            break;
    migrator_versions_free(&done);
    return MIGRATOR_OK;
fail:
    migrator_versions_free(&done);
    return migrator__rollback_after(repo, error);
}

/* The policy of the call: the options', else the call's default. */
migrator_checksum_policy migrator__checksum_policy(const migrator_repo *repo,
                                                   migrator_checksum_policy fallback)
{
    return repo->opts->on_checksum_mismatch ? repo->opts->on_checksum_mismatch : fallback;
}

/* The recorded checksum's state for an applied migration. */
migrator_checksum_state migrator__compare_checksum(const migrator_table *table,
                                                   const migrator_migration *m,
                                                   const migrator__recorded_checksum *r)
{
    if (!m)
        return MIGRATOR_CHECKSUM_NO_FILE;
    if (!r || !r->checksum[0] || r->algorithm != table->checksum_algorithm)
        return MIGRATOR_CHECKSUM_UNRECORDED;
    return strcmp(r->checksum, m->checksum) == 0 ? MIGRATOR_CHECKSUM_MATCH
                                                 : MIGRATOR_CHECKSUM_MISMATCH;
}

/* "migration V NAME (FILE) was applied with checksum ABC..., its file now
 * gives DEF...", malloc'd. */
static char *describe_mismatch(const migrator_migration *m, const char *recorded)
{
    int length = snprintf(NULL, 0,
                          "migration %" PRId64 " %s (%s) was applied with checksum %.12s, "
                          "its file now gives %.12s",
                          m->version, m->name, m->file, recorded, m->checksum);
    char *text = length < 0 ? NULL : malloc((size_t)length + 1);
    if (text)
        snprintf(text, (size_t)length + 1,
                 "migration %" PRId64 " %s (%s) was applied with checksum %.12s, its file "
                 "now gives %.12s",
                 m->version, m->name, m->file, recorded, m->checksum);
    return text;
}

/* The lines as one string, "; " between them; malloc'd, NULL when out of
 * memory. */
static char *join_sentences(const migrator__lines *lines)
{
    size_t i, length = 1;
    char *text;
    for (i = 0; i < lines->count; i++)
        length += strlen(lines->items[i]) + 2;
    if (!(text = malloc(length)))
        return NULL;
    text[0] = '\0';
    for (i = 0; i < lines->count; i++) {
        if (i)
            strcat(text, "; ");
        strcat(text, lines->items[i]);
    }
    return text;
}

/* Compares the checksums recorded for the applied migrations with the
 * table's, per the policy: ERROR fails with every mismatch listed, WARN
 * logs each. *recorded receives what was read (free it). */
static int check_checksums(migrator_repo *repo, const migrator_table *table,
                           const migrator_versions *applied, migrator_checksum_policy policy,
                           migrator__recorded *recorded)
{
    migrator__lines mismatches = MIGRATOR__LINES_INIT;
    size_t i;
    int error;

    if ((error = migrator__history_checksums(repo, recorded)) < 0)
        return error;
    if (policy == MIGRATOR_CHECKSUM_IGNORE)
        return MIGRATOR_OK;
    for (i = 0; i < applied->count; i++) {
        const migrator_migration *m = migrator__table_find(table, applied->items[i]);
        const migrator__recorded_checksum *r = migrator__recorded_find(recorded, applied->items[i]);
        char *text;
        if (migrator__compare_checksum(table, m, r) != MIGRATOR_CHECKSUM_MISMATCH)
            continue;
        if (!(text = describe_mismatch(m, r->checksum)) ||
            migrator__lines_addf(&mismatches, "%s", text) != 0) {
            free(text);
            migrator__lines_free(&mismatches);
            return migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
        }
        if (policy == MIGRATOR_CHECKSUM_WARN)
            migrator__log(repo, MIGRATOR_LOG_WARNING,
                          "%s: its SQL changed after it was applied (docs/trust.md)", text);
        free(text);
    }
    if (policy == MIGRATOR_CHECKSUM_ERROR && mismatches.count > 0) {
        char *joined = join_sentences(&mismatches);

        error = migrator__fail(repo, MIGRATOR_ECHECKSUM,
                               "%zu applied migration%s changed since %s applied: %s. Restore "
                               "the file%s, or accept the change with `repair` "
                               "(docs/trust.md); nothing was run",
                               mismatches.count, mismatches.count == 1 ? "" : "s",
                               mismatches.count == 1 ? "it was" : "they were", joined ? joined : "",
                               mismatches.count == 1 ? "" : "s");
        free(joined);
    }
    migrator__lines_free(&mismatches);
    return error;
}

/* Records the checksum of every applied migration that has none (a
 * database migrated by Ecto or an older migrator: trust on first use).
 * A failure is only a warning: nothing depends on it yet. */
static void fill_checksums(migrator_repo *repo, const migrator_table *table,
                           const migrator_versions *applied, const migrator__recorded *recorded)
{
    size_t i, filled = 0;
    for (i = 0; i < applied->count; i++) {
        const migrator_migration *m = migrator__table_find(table, applied->items[i]);
        if (!m ||
            migrator__compare_checksum(table, m, migrator__recorded_find(recorded, m->version)) !=
                MIGRATOR_CHECKSUM_UNRECORDED)
            continue;
        if (migrator__history_fill(repo, m, table->checksum_algorithm) < 0) {
            migrator__log(repo, MIGRATOR_LOG_WARNING,
                          "could not record the checksum of migration %" PRId64 ": %s", m->version,
                          repo->errmsg ? repo->errmsg : "");
            if (repo->errmsg)
                repo->errmsg[0] = '\0';
            return;
        }
        filled++;
    }
    if (filled) /* bookkeeping, as the migrator's SQL */
        migrator__log(repo, repo->opts->log_migrator_sql,
                      "Recorded the checksums of %zu migration%s applied before migrator "
                      "recorded them",
                      filled, filled == 1 ? "" : "s");
}

/* Before a run: the applied migrations' checksums, compared (by default an
 * error) and filled where none is recorded. */
static int verify_applied(migrator_repo *repo, const migrator_table *table,
                          const migrator_versions *applied)
{
    migrator__recorded recorded;
    int error;
    repo->checksum_algorithm = table->checksum_algorithm;
    error = check_checksums(repo, table, applied,
                            migrator__checksum_policy(repo, MIGRATOR_CHECKSUM_ERROR), &recorded);
    if (error >= 0 && !repo->opts->skip_table_creation)
        fill_checksums(repo, table, applied, &recorded);
    migrator__recorded_free(&recorded);
    return error;
}

/* migrator_run with dry_run: the same reads and checks, then the plan
 * written instead of run (dry_run.c). */
static int dry_run(migrator_repo *repo, const migrator_table *table, migrator_direction direction)
{
    migrator_versions applied = {NULL, 0};
    migrator__plan plan = {NULL, 0};
    migrator__recorded recorded = {NULL, 0, 0};
    migrator__lines out = MIGRATOR__LINES_INIT;
    int exists = 1, error;
    size_t i;

    migrator__log(repo, MIGRATOR_LOG_INFO,
                  "-- dry run of %s on %s: nothing is changed; the statements it would send:",
                  direction == MIGRATOR_UP ? "migrate" : "rollback", repo->url_display);
    if ((error = migrator__history_source_exists(repo, &exists)) < 0)
        return error;
    if (!exists && repo->opts->skip_table_creation)
        return repo->adapter->read_versions(repo, &applied); /* its error, as a real run */
    if (!exists && (error = migrator__dry_missing_table(repo)) < 0)
        return error;
    if (exists && (error = repo->adapter->read_versions(repo, &applied)) < 0)
        return error;
    migrator__versions_sort(&applied);
    repo->checksum_algorithm = table->checksum_algorithm;
    error = check_checksums(repo, table, &applied,
                            migrator__checksum_policy(repo, MIGRATOR_CHECKSUM_ERROR), &recorded);
    if (error >= 0 && !repo->opts->skip_table_creation) {
        repo->dry_out = &out;
        fill_checksums(repo, table, &applied, &recorded);
        repo->dry_out = NULL;
        for (i = 0; i < out.count; i++)
            migrator__log(repo, MIGRATOR_LOG_INFO, "%s;", out.items[i]);
        migrator__lines_free(&out);
    }
    migrator__recorded_free(&recorded);
    if (error >= 0)
        error = migrator__plan_select(&plan, table, &applied, direction, repo->opts->strategy,
                                      repo->opts->target);
    if (error == MIGRATOR_EINVAL)
        error = migrator__fail(repo, error, "a step must be 1 or more, not %" PRId64,
                               repo->opts->target);
    if (error >= 0)
        error = check_plan(repo, &plan, direction, &applied);
    if (error >= 0)
        error = migrator__dry_run(repo, &plan, direction);
    migrator__plan_free(&plan);
    migrator_versions_free(&applied);
    return error;
}

int migrator_run(migrator_repo *repo, const migrator_table *table, migrator_direction direction,
                 const migrator_run_opts *opts, migrator_versions *ran)
{
    migrator_versions applied = {NULL, 0};
    migrator__plan plan = {NULL, 0};
    int64_t latest;
    size_t i;
    int error;

    if (ran) {
        ran->items = NULL;
        ran->count = 0;
    }
    if (!repo)
        return MIGRATOR_EINVAL;
    if (!table || (direction != MIGRATOR_UP && direction != MIGRATOR_DOWN))
        return migrator__end_call(
            repo,
            migrator__fail(repo, MIGRATOR_EINVAL, "migrator_run: %s",
                           table ? "direction must be MIGRATOR_UP or MIGRATOR_DOWN" : "no table"));
    if ((error = migrator__begin_call(repo, opts)) < 0)
        return migrator__end_call(repo, error);
    if (repo->opts->dry_run)
        return migrator__end_call(repo, dry_run(repo, table, direction));
    if ((error = migrator__load_applied(repo, &applied)) < 0)
        return migrator__end_call(repo, error);
    if ((error = verify_applied(repo, table, &applied)) < 0) {
        migrator_versions_free(&applied);
        return migrator__end_call(repo, error);
    }
    error = migrator__plan_select(&plan, table, &applied, direction, repo->opts->strategy,
                                  repo->opts->target);
    if (error == MIGRATOR_EINVAL)
        error = migrator__fail(repo, error, "a step must be 1 or more, not %" PRId64,
                               repo->opts->target);
    else if (error < 0)
        error = migrator__fail(repo, error, "out of memory");
    if (error < 0 || (error = check_plan(repo, &plan, direction, &applied)) < 0)
        goto done;
    if (plan.count == 0) {
        migrator__log(repo, repo->opts->log, "Migrations already %s",
                      direction == MIGRATOR_UP ? "up" : "down");
        goto done;
    }
    latest = applied.count ? applied.items[applied.count - 1] : INT64_MIN;
    if (repo->opts->group) {
        error = run_group(repo, &plan, direction, ran, latest);
        goto done;
    }
    for (i = 0; i < plan.count; i++) {
        const migrator_migration *m = plan.items[i];
        int result;
        if (direction == MIGRATOR_UP && m->version < latest)
            warn_out_of_order(repo, m->version, latest);
        if ((result = run_one(repo, m, direction)) < 0) {
            error = result;
            break;
        }
        if (result == 1 && ran && (error = migrator__versions_append(ran, m->version)) < 0) {
            migrator__fail(repo, error, "out of memory");
            break;
        }
        if (direction == MIGRATOR_UP && m->version > latest)
            latest = m->version;
    }
done:
    migrator__plan_free(&plan);
    migrator_versions_free(&applied);
    return migrator__end_call(repo, error);
}

/* migrator_up and migrator_down. */
static int run_single(migrator_repo *repo, const migrator_table *table, int64_t version,
                      migrator_direction direction, const migrator_run_opts *opts)
{
    migrator_versions applied = {NULL, 0};
    const migrator_migration *migration;
    int error, result;

    if (!repo)
        return MIGRATOR_EINVAL;
    if ((error = migrator__begin_call(repo, opts)) < 0)
        return migrator__end_call(repo, error);
    if (!table || !(migration = migrator__table_find(table, version)))
        return migrator__end_call(repo,
                                  migrator__fail(repo, MIGRATOR_ENOTFOUND,
                                                 "no migration with version %" PRId64 " in repo %s",
                                                 version, table ? table->repo : "(none)"));
    if ((error = migrator__load_applied(repo, &applied)) < 0)
        return migrator__end_call(repo, error);
    if ((error = verify_applied(repo, table, &applied)) < 0) {
        migrator_versions_free(&applied);
        return migrator__end_call(repo, error);
    }
    if (direction == MIGRATOR_UP && migrator__versions_contain(&applied, version)) {
        result = MIGRATOR_ALREADY_UP;
    } else if (direction == MIGRATOR_DOWN && !migrator__versions_contain(&applied, version)) {
        result = MIGRATOR_ALREADY_DOWN;
    } else {
        migrator__plan plan;
        plan.items = &migration;
        plan.count = 1;
        result = check_plan(repo, &plan, direction, &applied);
        if (result == MIGRATOR_OK && direction == MIGRATOR_UP && applied.count &&
            version < applied.items[applied.count - 1])
            warn_out_of_order(repo, version, applied.items[applied.count - 1]);
        if (result == MIGRATOR_OK && (result = run_one(repo, migration, direction)) == 0)
            result = direction == MIGRATOR_UP ? MIGRATOR_ALREADY_UP : MIGRATOR_ALREADY_DOWN;
        else if (result == 1)
            result = MIGRATOR_OK;
    }
    migrator_versions_free(&applied);
    return migrator__end_call(repo, result);
}

int migrator_up(migrator_repo *repo, const migrator_table *table, int64_t version,
                const migrator_run_opts *opts)
{
    return run_single(repo, table, version, MIGRATOR_UP, opts);
}

int migrator_down(migrator_repo *repo, const migrator_table *table, int64_t version,
                  const migrator_run_opts *opts)
{
    return run_single(repo, table, version, MIGRATOR_DOWN, opts);
}

int migrator_migrated_versions(migrator_repo *repo, const migrator_run_opts *opts,
                               migrator_versions *out)
{
    int error;
    out->items = NULL;
    out->count = 0;
    if (!repo)
        return MIGRATOR_EINVAL;
    if ((error = migrator__begin_call(repo, opts)) < 0)
        return migrator__end_call(repo, error);
    return migrator__end_call(repo, migrator__load_applied(repo, out));
}

/* Attaches to each status its checksum state and when it was applied,
 * warning about mismatches per the policy (default WARN). */
static int describe_checksums(migrator_repo *repo, const migrator_table *table,
                              const migrator_versions *applied, migrator_status_list *list)
{
    migrator__recorded recorded;
    migrator__lines rows = MIGRATOR__LINES_INIT;
    size_t i, j;
    int error = check_checksums(repo, table, applied,
                                migrator__checksum_policy(repo, MIGRATOR_CHECKSUM_WARN), &recorded);
    if (error < 0) {
        migrator__recorded_free(&recorded);
        return error;
    }
    for (i = 0; i < list->count; i++) {
        migrator_status *status = &list->items[i];
        const migrator__recorded_checksum *r = migrator__recorded_find(&recorded, status->version);
        status->checksum = status->up ? migrator__compare_checksum(table, status->migration, r)
                                      : MIGRATOR_CHECKSUM_PENDING;
        snprintf(status->recorded_checksum, sizeof(status->recorded_checksum), "%s",
                 status->up && r ? r->checksum : "");
    }
    migrator__recorded_free(&recorded);
    if ((error = migrator__history_applied_at(repo, &rows)) < 0)
        return error;
    for (j = 0; j < rows.count; j++) {
        char *separator = strchr(rows.items[j], MIGRATOR__FIELD_SEPARATOR);
        int64_t version = strtoll(rows.items[j], NULL, 10);
        if (!separator)
            continue;
        for (i = 0; i < list->count; i++)
            if (list->items[i].version == version && !list->items[i].applied_at &&
                !(list->items[i].applied_at = migrator__strdup(separator + 1))) {
                migrator__lines_free(&rows);
                return migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
            }
    }
    migrator__lines_free(&rows);
    return MIGRATOR_OK;
}

/* Attaches to each status the description of its partial state, if any. */
static int describe_partials(migrator_repo *repo, const migrator_versions *applied,
                             migrator_status_list *list)
{
    migrator__partials partials;
    size_t i;
    int error = migrator__history_partials(repo, applied, &partials);
    for (i = 0; error >= 0 && i < list->count; i++) {
        const migrator__partial *p = migrator__partials_find(&partials, list->items[i].version);
        if (p &&
            !(list->items[i].partial = migrator__partial_describe(p, list->items[i].migration)))
            error = migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
    }
    migrator__partials_free(&partials);
    return error;
}

int migrator_migrations(migrator_repo *repo, const migrator_table *table,
                        const migrator_run_opts *opts, migrator_status_list *out)
{
    migrator_versions applied = {NULL, 0};
    size_t i = 0, j = 0;
    int error;

    out->items = NULL;
    out->count = 0;
    if (!repo)
        return MIGRATOR_EINVAL;
    if (!table)
        return migrator__end_call(
            repo, migrator__fail(repo, MIGRATOR_EINVAL, "migrator_migrations: no table"));
    if ((error = migrator__begin_call(repo, opts)) < 0 ||
        (error = migrator__load_applied(repo, &applied)) < 0)
        return migrator__end_call(repo, error);
    if (table->count + applied.count > 0 &&
        !(out->items = malloc((table->count + applied.count) * sizeof(*out->items)))) {
        migrator_versions_free(&applied);
        return migrator__end_call(repo, migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory"));
    }
    /* Merge the table and the applied versions, both sorted. */
    while (i < table->count || j < applied.count) {
        migrator_status *status = &out->items[out->count++];
        memset(status, 0, sizeof(*status));
        if (j >= applied.count ||
            (i < table->count && table->migrations[i].version < applied.items[j])) {
            status->up = 0;
            status->version = table->migrations[i].version;
            status->name = table->migrations[i].name;
            status->migration = &table->migrations[i++];
        } else if (i >= table->count || applied.items[j] < table->migrations[i].version) {
            status->up = 1;
            status->version = applied.items[j++];
            status->name = MIGRATOR_FILE_NOT_FOUND;
            status->migration = NULL;
        } else {
            status->up = 1;
            status->version = applied.items[j++];
            status->name = table->migrations[i].name;
            status->migration = &table->migrations[i++];
        }
    }
    error = describe_partials(repo, &applied, out);
    if (error >= 0)
        error = describe_checksums(repo, table, &applied, out);
    migrator_versions_free(&applied);
    if (error < 0)
        migrator_status_list_free(out);
    return migrator__end_call(repo, error);
}

/* migrator_mark, under the session lock; BEGIN takes the lock of
 * transactional migrations too, unless that is the same advisory lock. */
static int mark_locked(migrator_repo *repo, const migrator_table *table,
                       const migrator_migration *migration, int64_t version,
                       migrator_direction direction)
{
    int error, applied, result;
    if ((error = repo->adapter->begin(repo, migrator__use_lock(repo) &&
                                                repo->lock_mode != MIGRATOR_LOCK_ADVISORY)) < 0)
        return error;
    if ((error = repo->adapter->is_applied(repo, version, &applied)) < 0)
        return migrator__rollback_after(repo, error);
    if (!migration && !applied) {
        repo->adapter->rollback(repo);
        return migrator__fail(repo, MIGRATOR_ENOTFOUND,
                              "no migration with version %" PRId64
                              " in repo %s, and none is applied",
                              version, table->repo);
    }
    result = (direction == MIGRATOR_UP) == !!applied
                 ? (direction == MIGRATOR_UP ? MIGRATOR_ALREADY_UP : MIGRATOR_ALREADY_DOWN)
                 : MIGRATOR_OK;
    repo->checksum_algorithm = table->checksum_algorithm;
    if ((result == MIGRATOR_OK && (error = repo->adapter->record(repo, version, direction)) < 0) ||
        (error = direction == MIGRATOR_UP
                     ? migrator__history_applied(repo, migration, table->checksum_algorithm)
                     : migrator__history_forget(repo, version)) < 0 ||
        (error = repo->adapter->commit(repo)) < 0)
        return migrator__rollback_after(repo, error);
    migrator__log(repo, repo->opts->log, "== Marked %" PRId64 " %s as %s%s", version,
                  migration ? migration->name : MIGRATOR_FILE_NOT_FOUND,
                  direction == MIGRATOR_UP ? "applied" : "not applied",
                  result == MIGRATOR_OK ? "" : " (it already was)");
    return result;
}

int migrator_mark(migrator_repo *repo, const migrator_table *table, int64_t version,
                  migrator_direction direction, const migrator_run_opts *opts)
{
    const migrator_migration *migration;
    int error;

    if (!repo)
        return MIGRATOR_EINVAL;
    if ((error = migrator__begin_call(repo, opts)) < 0)
        return migrator__end_call(repo, error);
    if (!table || (direction != MIGRATOR_UP && direction != MIGRATOR_DOWN))
        return migrator__end_call(
            repo,
            migrator__fail(repo, MIGRATOR_EINVAL, "migrator_mark: %s",
                           table ? "direction must be MIGRATOR_UP or MIGRATOR_DOWN" : "no table"));
    migration = migrator__table_find(table, version);
    if (!migration && direction == MIGRATOR_UP)
        return migrator__end_call(repo, migrator__fail(repo, MIGRATOR_ENOTFOUND,
                                                       "no migration with version %" PRId64
                                                       " in repo %s: nothing to mark as applied",
                                                       version, table->repo));
    if ((!repo->opts->skip_table_creation &&
         (error = repo->adapter->create_table(repo, migrator__use_lock(repo))) < 0) ||
        (error = migrator__history_probe(repo)) < 0)
        return migrator__end_call(repo, error);
    /* Both locks: the one of transactional migrations and the session lock
     * of one running outside a transaction, which mark must wait for. */
    if (migrator__use_lock(repo) && repo->adapter->session_lock &&
        (error = repo->adapter->session_lock(repo, 1)) < 0)
        return migrator__end_call(repo, error);
    error = mark_locked(repo, table, migration, version, direction);
    if (migrator__use_lock(repo) && repo->adapter->session_lock)
        repo->adapter->session_lock(repo, 0);
    return migrator__end_call(repo, error);
}

int migrator_execute(migrator_repo *repo, const char *sql)
{
    int error;
    if (!repo || !sql)
        return MIGRATOR_EINVAL;
    if (repo->opts && repo->opts->log_migrations_sql != MIGRATOR_LOG_OFF)
        migrator__log(repo, repo->opts->log_migrations_sql, "%s", sql);
    if ((error = repo->adapter->execute(repo, sql)) < 0)
        return MIGRATOR_ESQL;
    return MIGRATOR_OK;
}
