/*
 * Schema fingerprints (docs/roundtrip.md): each adapter describes its
 * database's schema as lines, one object or property a line, which the
 * engine sorts. Private to libmigrator.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGRATOR_SCHEMA_H
#define MIGRATOR_SCHEMA_H

#include "lines.h"
#include "repo.h"

/* name as it is when it is a plain identifier ([A-Za-z_][A-Za-z0-9_$]*),
 * else in double quotes with " doubled. Malloc'd; NULL when out of memory. */
char *migrator__schema_ident(const char *name);

#endif
