/*
 * Checks of tests/bytes: a generated table against the expectations that
 * bytes_fixture_gen wrote beside its migration files (fixture_gen.c
 * describes the records), and the rows those migrations leave in a real
 * database. Each function fails the running cmocka test on the first
 * difference, printing where it is and the bytes around it.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGRATOR_TEST_BYTES_CHECK_H
#define MIGRATOR_TEST_BYTES_CHECK_H

#include "migrator.h"

/* (a) and (b): for every migration of table: its name and flags; every
 * statement's pieces (1 .. MIGRATOR_PIECE_MAX bytes each, cut where
 * docs/generated-table.md says), length, line, column and text, byte for
 * byte; the checksum recomputed from the embedded statements, and from the
 * expected ones, equal to the build-time migration->checksum. */
void bytes_check_table(const migrator_table *table, const char *expect_dir);

/* (c) on SQLite: applies every migration of table to a new database file at
 * path, reads the rows of table bytes and the expected queries back with
 * the sqlite3 API, then reverts the migrations one by one (newest first),
 * checking after each that exactly the rows of the migrations still applied
 * remain. */
void bytes_check_sqlite(const migrator_table *table, const char *expect_dir, const char *path);

/* (c) on PostgreSQL: the same on url, read back with libpq. */
void bytes_check_postgres(const migrator_table *table, const char *expect_dir, const char *url);

/* The file of each migration of table (relative to source_dir) must equal
 * the file of the same name in generated_dir, byte for byte: the committed
 * fixtures are exactly what bytes_fixture_gen writes today. */
void bytes_check_committed(const migrator_table *table, const char *source_dir,
                           const char *generated_dir);

#endif
