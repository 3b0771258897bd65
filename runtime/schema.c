/*
 * migrator_schema_fingerprint: the adapter's description of the schema,
 * sorted and joined (docs/roundtrip.md).
 *
 * SPDX-License-Identifier: MIT
 */
#include "schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_plain(const char *name)
{
    const char *p;
    if (!*name || (*name >= '0' && *name <= '9') || *name == '$')
        return 0;
    for (p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '$'))
            return 0;
    return 1;
}

char *migrator__schema_ident(const char *name)
{
    return is_plain(name) ? migrator__strdup(name) : migrator__quote_identifier(name);
}

int migrator__schema_lines(migrator_repo *repo, migrator__lines *out)
{
    int error;
    out->items = NULL;
    out->count = out->capacity = 0;
    if (!repo->adapter->schema)
        return migrator__fail(repo, MIGRATOR_EUNSUPPORTED,
                              "the %s adapter cannot describe its schema", repo->adapter->name);
    if ((error = repo->adapter->schema(repo, out)) < 0) {
        migrator__lines_free(out);
        return error;
    }
    migrator__lines_sort(out);
    return MIGRATOR_OK;
}

int migrator_schema_fingerprint(migrator_repo *repo, const migrator_run_opts *opts, char **out)
{
    migrator__lines lines = MIGRATOR__LINES_INIT;
    int error;

    if (!out)
        return repo ? migrator__fail(repo, MIGRATOR_EINVAL,
                                     "migrator_schema_fingerprint: out is NULL")
                    : MIGRATOR_EINVAL;
    *out = NULL;
    if (!repo)
        return MIGRATOR_EINVAL;
    if ((error = migrator__begin_call(repo, opts)) < 0 ||
        (error = migrator__schema_lines(repo, &lines)) < 0)
        return migrator__end_call(repo, error);
    if (!(*out = migrator__lines_join(&lines)))
        error = migrator__fail(repo, MIGRATOR_ENOMEM, "out of memory");
    migrator__lines_free(&lines);
    return migrator__end_call(repo, error);
}

void migrator_free(void *memory)
{
    free(memory);
}
