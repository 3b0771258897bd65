/*
 * repair and baseline (docs/trust.md): writing what the history says
 * without running migrations, under the migration lock, in one transaction.
 *
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "plan.h"
#include "repo.h"

/* Whether version is one of versions[0..count). */
static int listed(const int64_t *versions, size_t count, int64_t version)
{
    size_t i;
    for (i = 0; i < count; i++)
        if (versions[i] == version)
            return 1;
    return 0;
}

int migrator_repair(migrator_repo *repo, const migrator_table *table, const int64_t *versions,
                    size_t count, const migrator_run_opts *opts)
{
    migrator_versions applied = {NULL, 0};
    migrator__recorded recorded = {NULL, 0, 0};
    migrator__partials partials = {NULL, 0};
    size_t i, repaired = 0;
    int error;

    if (!repo)
        return MIGRATOR_EINVAL;
    if ((error = migrator__begin_call(repo, opts)) < 0)
        return migrator__end_call(repo, error);
    if (!table || (count && !versions))
        return migrator__end_call(repo, migrator__fail(repo, MIGRATOR_EINVAL, "migrator_repair: %s",
                                                       table ? "versions is NULL" : "no table"));
    if ((error = migrator__load_applied(repo, &applied)) < 0)
        return migrator__end_call(repo, error);
    for (i = 0; i < count && error >= 0; i++) {
        if (!migrator__table_find(table, versions[i]))
            error = migrator__fail(repo, MIGRATOR_ENOTFOUND,
                                   "no migration with version %" PRId64
                                   " in repo %s: nothing to repair; nothing was changed",
                                   versions[i], table->repo);
        else if (!migrator__versions_contain(&applied, versions[i]))
            error = migrator__fail(repo, MIGRATOR_ENOTFOUND,
                                   "migration %" PRId64 " is not applied: nothing to repair; "
                                   "nothing was changed",
                                   versions[i]);
    }
    if (error >= 0)
        error = migrator__history_checksums(repo, &recorded);
    if (error >= 0)
        error = migrator__history_partials(repo, &applied, &partials);
    for (i = 0; error >= 0 && i < count; i++)
        if (migrator__partials_find(&partials, versions[i]))
            error = migrator__fail(repo, MIGRATOR_EPARTIAL,
                                   "migration %" PRId64 " stopped midway: say what state it is in "
                                   "with `mark` (or rerun it with --retry-partial) instead of "
                                   "repairing it; nothing was changed",
                                   versions[i]);
    if (error >= 0)
        error = repo->adapter->begin(repo, migrator__use_lock(repo));
    for (i = 0; error >= 0 && i < applied.count; i++) {
        const migrator_migration *m = migrator__table_find(table, applied.items[i]);
        const migrator__recorded_checksum *r = migrator__recorded_find(&recorded, applied.items[i]);
        migrator_checksum_state state = migrator__compare_checksum(table, m, r);
        if (!m || migrator__partials_find(&partials, m->version) ||
            (count ? !listed(versions, count, m->version)
                   : state != MIGRATOR_CHECKSUM_MISMATCH && state != MIGRATOR_CHECKSUM_UNRECORDED))
            continue; /* a partial state is for mark or --retry-partial */
        if ((error = migrator__history_applied(repo, m, table->checksum_algorithm)) < 0) {
            migrator__rollback_after(repo, error);
            break;
        }
        migrator__log(repo, repo->opts->log, "== Repaired %" PRId64 " %s: checksum %.12s%s%.12s",
                      m->version, m->name, m->checksum,
                      state == MIGRATOR_CHECKSUM_MISMATCH ? ", was " : "",
                      state == MIGRATOR_CHECKSUM_MISMATCH ? r->checksum : "");
        repaired++;
    }
    if (error >= 0 && (error = repo->adapter->commit(repo)) < 0)
        migrator__rollback_after(repo, error);
    if (error >= 0 && repaired == 0)
        migrator__log(repo, repo->opts->log,
                      "Nothing to repair: every applied migration's "
                      "checksum matches its file");
    migrator__recorded_free(&recorded);
    migrator__partials_free(&partials);
    migrator_versions_free(&applied);
    return migrator__end_call(repo, error);
}

int migrator_baseline(migrator_repo *repo, const migrator_table *table, int64_t version,
                      const migrator_run_opts *opts)
{
    size_t i, recorded = 0;
    int error;

    if (!repo)
        return MIGRATOR_EINVAL;
    if ((error = migrator__begin_call(repo, opts)) < 0)
        return migrator__end_call(repo, error);
    if (!table)
        return migrator__end_call(
            repo, migrator__fail(repo, MIGRATOR_EINVAL, "migrator_baseline: no table"));
    if (!repo->opts->skip_table_creation &&
        (error = repo->adapter->create_table(repo, migrator__use_lock(repo))) < 0)
        return migrator__end_call(repo, error);
    repo->checksum_algorithm = table->checksum_algorithm;
    if ((error = migrator__history_probe(repo)) < 0 ||
        (error = repo->adapter->begin(repo, migrator__use_lock(repo))) < 0)
        return migrator__end_call(repo, error);
    for (i = 0; i < table->count && table->migrations[i].version <= version; i++) {
        const migrator_migration *m = &table->migrations[i];
        int applied;
        if ((error = repo->adapter->is_applied(repo, m->version, &applied)) < 0)
            break;
        if (applied)
            continue;
        if ((error = repo->adapter->record(repo, m->version, MIGRATOR_UP)) < 0 ||
            (error = migrator__history_applied(repo, m, table->checksum_algorithm)) < 0)
            break;
        migrator__log(repo, repo->opts->log,
                      "== Baselined %" PRId64 " %s: recorded as applied, not run", m->version,
                      m->name);
        recorded++;
    }
    if (error >= 0)
        error = repo->adapter->commit(repo);
    if (error < 0)
        return migrator__end_call(repo, migrator__rollback_after(repo, error));
    if (recorded == 0)
        migrator__log(repo, repo->opts->log,
                      "Nothing to baseline: every migration up to %" PRId64 " is applied", version);
    return migrator__end_call(repo, MIGRATOR_OK);
}
