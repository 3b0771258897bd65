/*
 * The inside of a migrator_repo, the adapter interface behind it and the
 * helpers the engine and the adapters share. Private to libmigrator.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGRATOR_REPO_H
#define MIGRATOR_REPO_H

#include <stdarg.h>

#include "lines.h"
#include "migrator.h"

typedef struct migrator__adapter migrator__adapter;

/* The steps of a run that a dry run describes (docs/trust.md). */
typedef enum migrator__dry_step {
    MIGRATOR__DRY_CREATE_TABLE,  /* the migrations table, when missing (flag: lock) */
    MIGRATOR__DRY_BEGIN,         /* a migration's transaction (flag: lock) */
    MIGRATOR__DRY_CHECK,         /* the re-check that version is still to run */
    MIGRATOR__DRY_RECORD,        /* the version row (version, direction) */
    MIGRATOR__DRY_COMMIT,        /* (flag: lock) */
    MIGRATOR__DRY_SESSION_LOCK,  /* outside a transaction (flag: 1 take, 0 release) */
    MIGRATOR__DRY_SESSION_PREFIX /* outside a transaction (flag: 1 enter, 0 leave) */
} migrator__dry_step;

struct migrator_repo {
    const migrator__adapter *adapter;
    void *connection;    /* the adapter's */
    char *url_display;   /* the URL without a password, for messages */
    char *source;        /* migration_source, unquoted */
    char *quoted_source; /* "migration_source", quoted as an identifier */
    migrator_lock_mode lock_mode;
    const migrator_run_opts *opts; /* of the call in progress, for logging */
    char *errmsg;                  /* last failure's message, "" if none */
    int error_position;            /* of the last failed statement: 1-based character, 0 unknown */
    int history_ready;             /* our own table (history.c) is known to exist */
    unsigned int checksum_algorithm; /* of the table of the call in progress */
    migrator__lines *dry_out;        /* a dry run: our writes go here as text, not run */
};

/* What each database implements. Every function returns MIGRATOR_OK or a
 * negative code after setting the repo's message with migrator__fail. */
struct migrator__adapter {
    const char *name; /* "sqlite" */
    /* Opens the database named by target (the URL after "scheme:"). */
    int (*open)(migrator_repo *repo, const char *target);
    void (*close)(migrator_repo *repo);
    /* Runs one statement of a migration (or of a callback). On failure the
     * repo's message is the database's message alone. */
    int (*execute)(migrator_repo *repo, const char *sql);
    /* Transactions on the migration connection. With lock, BEGIN also takes
     * the migration lock (SQLite: BEGIN IMMEDIATE). */
    int (*begin)(migrator_repo *repo, int lock);
    int (*commit)(migrator_repo *repo);
    int (*rollback)(migrator_repo *repo);
    /* Refuses what the database cannot do with a prefix. */
    int (*check_prefix)(migrator_repo *repo, const char *prefix);
    /* Creates the migrations table if missing (under the lock if lock). */
    int (*create_table)(migrator_repo *repo, int lock);
    /* Reads every applied version (any order). */
    int (*read_versions)(migrator_repo *repo, migrator_versions *out);
    /* Whether one version is applied, inside the current transaction. */
    int (*is_applied)(migrator_repo *repo, int64_t version, int *applied);
    /* Inserts (up) or deletes (down) a version row. */
    int (*record)(migrator_repo *repo, int64_t version, migrator_direction direction);
    /* Takes (acquire = 1) or releases (0) the migration lock outside any
     * transaction, for a migration with disable_ddl_transaction. */
    int (*session_lock)(migrator_repo *repo, int acquire);
    /* Sets (enter = 1) and restores (0) the session's schema search path
     * for a migration outside a transaction when a prefix is given. NULL:
     * nothing to do. */
    int (*session_prefix)(migrator_repo *repo, int enter);
    /* Optional: begin (as begin) and tell whether version is applied, in
     * one round trip where the database allows it. NULL: begin, then
     * is_applied. After a failure the engine rolls back. */
    int (*begin_checked)(migrator_repo *repo, int lock, int64_t version, int *applied);
    /* Appends the schema fingerprint's lines (any order) to out: every
     * object of the database except the migrations table and the
     * database's own. Outside any transaction. */
    int (*schema)(migrator_repo *repo, migrator__lines *out);
    /* Runs one statement of our own bookkeeping (history.c) on the
     * migration connection: sql has the parameters $1 .. $count, given as
     * text (NULL: SQL NULL). Each result row is appended to rows (if not
     * NULL) as its columns joined by MIGRATOR__FIELD_SEPARATOR, NULL as "".
     * Logged as the migrator's SQL. Returns MIGRATOR_ENOTFOUND when a table
     * it names does not exist. */
    int (*own_query)(migrator_repo *repo, const char *sql, int count, const char *const *params,
                     migrator__lines *rows);
    /* For a dry run: appends to out, without running anything, the
     * statements that the adapter's function for step would send, with
     * their values, one a line and without ";" ("-- " lines are comments,
     * e.g. which connection). The texts are the ones those functions use. */
    int (*describe)(migrator_repo *repo, migrator__dry_step step, int64_t version,
                    migrator_direction direction, int flag, migrator__lines *out);
};

/* Between the columns of a row of own_query. */
#define MIGRATOR__FIELD_SEPARATOR '\x1f'

extern const migrator__adapter migrator__sqlite_adapter;
#ifdef MIGRATOR_HAVE_POSTGRES
extern const migrator__adapter migrator__postgres_adapter;
#endif

/* Starts a public call: makes opts (NULL: the defaults) the repo's active
 * options after checking their version and prefix. */
int migrator__begin_call(migrator_repo *repo, const migrator_run_opts *opts);

/* Ends a public call: clears the active options, and the message when
 * result is not an error. Returns result. */
int migrator__end_call(migrator_repo *repo, int result);

/* Engine helpers for the other commands (engine.c): whether the call takes
 * the migration lock; the applied versions, sorted, after creating the
 * migrations table unless told not to; a ROLLBACK that keeps the first
 * error's message (returns error); the checksum policy of the call (the
 * options', else fallback); how an applied migration's recorded checksum
 * compares (m NULL: not in the table; r NULL: none recorded). */
int migrator__use_lock(const migrator_repo *repo);
int migrator__load_applied(migrator_repo *repo, migrator_versions *applied);
int migrator__rollback_after(migrator_repo *repo, int error);
migrator_checksum_policy migrator__checksum_policy(const migrator_repo *repo,
                                                   migrator_checksum_policy fallback);
struct migrator__recorded_checksum;
migrator_checksum_state migrator__compare_checksum(const migrator_table *table,
                                                   const migrator_migration *m,
                                                   const struct migrator__recorded_checksum *r);

/* The sorted lines of the schema fingerprint, inside a public call. */
int migrator__schema_lines(migrator_repo *repo, migrator__lines *out);

/* Sets the repo's message and returns code. */
int migrator__fail(migrator_repo *repo, int code, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
int migrator__vfail(migrator_repo *repo, int code, const char *format, va_list args)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 0)))
#endif
    ;

/* Logs a line at level through the active options' logger (nothing when
 * level is MIGRATOR_LOG_OFF). */
void migrator__log(const migrator_repo *repo, migrator_log_level level, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* migrator__log with a va_list. */
void migrator__vlog(const migrator_repo *repo, migrator_log_level level, const char *format,
                    va_list args)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 0)))
#endif
    ;

/* Logs our own SQL when log_migrator_sql is on. */
void migrator__log_migrator_sql(const migrator_repo *repo, const char *sql);

/* Appends a version; returns MIGRATOR_OK or MIGRATOR_ENOMEM. */
int migrator__versions_append(migrator_versions *versions, int64_t version);

/* Sorts ascending. */
void migrator__versions_sort(migrator_versions *versions);

/* "name" with every " doubled, malloc'd; NULL when out of memory. */
char *migrator__quote_identifier(const char *name);

/* url with any password replaced by "***": in the authority
 * (scheme://user:PASSWORD@host) and in the query (?password=PASSWORD&...).
 * Malloc'd; NULL when out of memory. */
char *migrator__redact_url(const char *url);

/* quoted_name (an identifier already quoted), after the active options'
 * prefix as "prefix". when there is one; malloc'd, NULL when out of memory. */
char *migrator__qualified_name(const migrator_repo *repo, const char *quoted_name);

/* A malloc'd copy, or NULL. */
char *migrator__strdup(const char *text);

/* The default logger: the line to stderr, "warning: " / "error: " first. */
void migrator__log_to_stderr(migrator_log_level level, const char *message, void *payload);

#endif
