/*
 * Scratch databases for `roundtrip --scratch`: an empty database beside
 * the one a URL names, removed afterwards. Private to libmigrator.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGRATOR_SCRATCH_H
#define MIGRATOR_SCRATCH_H

#include <stddef.h>

/* Creates an empty database next to url's: for sqlite:PATH a new file in
 * PATH's directory (sqlite::memory: is its own scratch database); for a
 * PostgreSQL URL a new database on that server, created through url's
 * database. On success returns 0 and *scratch_url is the new database's
 * URL (malloc'd); on failure a negative MIGRATOR_E* code and the reason in
 * message[size]. */
int migrator__scratch_create(const char *url, char **scratch_url, char *message, size_t size);

/* Removes what migrator__scratch_create made (every connection to it must
 * be closed). Returns 0, or a negative code and the reason in message. */
int migrator__scratch_drop(const char *url, const char *scratch_url, char *message, size_t size);

#endif
