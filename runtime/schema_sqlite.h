/*
 * The SQLite adapter's schema fingerprint (schema_sqlite.c). Private to
 * libmigrator.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGRATOR_SCHEMA_SQLITE_H
#define MIGRATOR_SCHEMA_SQLITE_H

#include <sqlite3.h>

#include "lines.h"
#include "repo.h"

/* Appends the description of db's main schema to out, unsorted; the
 * migrations table (repo->source) and sqlite_* tables are left out. */
int migrator__sqlite_schema(migrator_repo *repo, sqlite3 *db, migrator__lines *out);

#endif
