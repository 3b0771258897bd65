/*
 * The PostgreSQL adapter's schema fingerprint (schema_postgres.c). Private
 * to libmigrator.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGRATOR_SCHEMA_POSTGRES_H
#define MIGRATOR_SCHEMA_POSTGRES_H

#include <libpq-fe.h>

#include "lines.h"
#include "repo.h"

/* Appends the description of every non-system schema of conn's database
 * to out; the migrations table (repo->source in prefix, or in the current
 * schema when prefix is NULL) is left out. Runs its own read-only
 * transaction, so conn must not be in one. */
int migrator__postgres_schema(migrator_repo *repo, PGconn *conn, const char *prefix,
                              migrator__lines *out);

#endif
