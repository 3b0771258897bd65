/*
 * migrator: database migrations for C programs, in the spirit of Ecto.Migrator.
 *
 * This header describes the migration table that `migrator-gen table` writes
 * at build time from `priv/<repo>/migrations/<VERSION>_<name>.sql` files and
 * that is compiled into your own binaries. Every object reachable from a
 * `migrator_table` is static, read-only data owned by the generated code: it
 * lives as long as the program and must never be freed or modified.
 *
 * The runtime (libmigrator, CMake target Migrator::migrator) applies such a
 * table to a database with Ecto.Migrator's semantics: migrator_open a repo
 * from a URL, migrator_run a direction with a strategy, read the status with
 * migrator_migrations, or give any program the migrate / rollback /
 * migrations commands with migrator_main. Guide: docs/api.md.
 *
 * Conventions: functions return 0 (MIGRATOR_OK) or a documented positive
 * status on success and a negative MIGRATOR_E* code on failure, whose message
 * migrator_errmsg(repo) returns. Options structs start with a version field
 * and have an _INIT macro; passing NULL means the defaults. Every function
 * says who owns what it returns.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGRATOR_H
#define MIGRATOR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Version of the layout of the structures below. A generated table records
 * the value it was generated for in `migrator_table.abi_version`; fields are
 * only ever appended, and the number grows when they are. */
#define MIGRATOR_TABLE_ABI_VERSION 1

/** Identifier of the checksum algorithm in `migrator_table.checksum_algorithm`:
 * SHA-256 of the migration's canonical form (docs/checksum.md). A new
 * algorithm gets a new number; this one never changes meaning. */
#define MIGRATOR_CHECKSUM_SHA256_V1 1

/** Maximum number of bytes in one piece of a statement's text
 * (`migrator_statement.pieces`). Pieces stay below the 4095 characters that
 * C guarantees for a string literal, so generated code is portable and
 * warning-free under -Wpedantic. */
#define MIGRATOR_PIECE_MAX 4000

/** The SQL dialect a table was generated for (`--dialect` / `DIALECT`). It
 * decides how statements were split: `$tag$` dollar quotes and nested block
 * comments are PostgreSQL's, backtick and [bracket] identifiers SQLite's.
 * MIGRATOR_DIALECT_ANY accepts the union and is the default. */
typedef enum migrator_dialect {
    MIGRATOR_DIALECT_ANY = 0,
    MIGRATOR_DIALECT_SQLITE = 1,
    MIGRATOR_DIALECT_POSTGRES = 2
} migrator_dialect;

/** Bits of `migrator_migration.flags`. */
typedef enum migrator_migration_flag {
    /** `-- migrate:disable_ddl_transaction`: the statements run outside a
     * transaction, one at a time, and the version is recorded after the last
     * one (needed for `CREATE INDEX CONCURRENTLY` on PostgreSQL). */
    MIGRATOR_DISABLE_DDL_TRANSACTION = 1u << 0,
    /** `-- migrate:disable_migration_lock`: the migration runs without the
     * migration lock (Ecto's disable_migration_lock module attribute). */
    MIGRATOR_DISABLE_MIGRATION_LOCK = 1u << 1,
    /** The file has a `-- migrate:down` section (possibly empty: "nothing to
     * undo"). Without this bit the migration is irreversible and rolling it
     * back fails before anything runs. */
    MIGRATOR_HAS_DOWN = 1u << 2
} migrator_migration_flag;

/** One SQL statement of a section, as the build-time lexer split it.
 *
 * The text is the concatenation of `pieces[0]` .. `pieces[piece_count - 1]`,
 * each a NUL-terminated string of at most MIGRATOR_PIECE_MAX bytes; most
 * statements have exactly one piece. The text starts at the statement's first
 * token (comments and blank lines before it are not part of it), ends at its
 * last token and does not include the terminating `;`. Line endings are LF.
 * It never contains a NUL byte. */
typedef struct migrator_statement {
    const char *const *pieces; /**< piece_count strings, in order */
    size_t piece_count;        /**< at least 1 */
    size_t length;             /**< total bytes of the text (sum of the pieces) */
    unsigned int line;         /**< 1-based line in the file where it starts */
    unsigned int column;       /**< 1-based column (in bytes) where it starts */
} migrator_statement;

/** The statements of a `-- migrate:up` or `-- migrate:down` section. */
typedef struct migrator_section {
    const migrator_statement *statements; /**< count statements, or NULL */
    size_t count;                         /**< 0 for an empty section */
    unsigned int line;                    /**< line of the `-- migrate:` directive; 0 if absent */
} migrator_section;

/** One migration file. */
typedef struct migrator_migration {
    int64_t version;       /**< from the file name, 0 .. INT64_MAX */
    const char *name;      /**< from the file name, `[a-z0-9_]+` */
    const char *file;      /**< path for messages, relative to the source dir */
    unsigned int flags;    /**< MIGRATOR_DISABLE_DDL_TRANSACTION | ... */
    migrator_section up;   /**< always present */
    migrator_section down; /**< line 0 and no statements without MIGRATOR_HAS_DOWN */
    const char *checksum;  /**< 64 lowercase hex digits (table's checksum_algorithm) */
} migrator_migration;

/** A repo's migrations, as generated; declared by the generated header as
 * `extern const migrator_table <repo>_migrations;`. */
typedef struct migrator_table {
    unsigned int abi_version;             /**< MIGRATOR_TABLE_ABI_VERSION when generated */
    const char *repo;                     /**< the repo name given to the generator */
    unsigned int dialect;                 /**< a migrator_dialect */
    unsigned int checksum_algorithm;      /**< MIGRATOR_CHECKSUM_SHA256_V1 */
    const migrator_migration *migrations; /**< count entries sorted by version, or NULL */
    size_t count;
} migrator_table;

/* ------------------------------------------------------------------------ */
/* Runtime                                                                    */
/* ------------------------------------------------------------------------ */

#if defined(_WIN32) && defined(MIGRATOR_SHARED)
#define MIGRATOR_EXTERN __declspec(dllimport)
#elif defined(__GNUC__) && defined(MIGRATOR_BUILDING)
#define MIGRATOR_EXTERN __attribute__((visibility("default")))
#else
#define MIGRATOR_EXTERN
#endif

/** Status and error codes, as X(NAME, value, description). Codes are never
 * renumbered; new ones are appended. */
#define MIGRATOR_ERROR_LIST(X)                                                                     \
    X(OK, 0, "success")                                                                            \
    X(ALREADY_UP, 1, "the migration is already up")                                                \
    X(ALREADY_DOWN, 2, "the migration is already down")                                            \
    X(SKIPPED, 3, "migrations skipped (SKIP_MIGRATIONS=true)")                                     \
    X(ERROR, -1, "error")                                                                          \
    X(EINVAL, -2, "invalid argument")                                                              \
    X(ENOMEM, -3, "out of memory")                                                                 \
    X(EURL, -4, "unsupported or malformed database URL")                                           \
    X(EOPEN, -5, "cannot open the database")                                                       \
    X(ESQL, -6, "a migration statement failed")                                                    \
    X(EDATABASE, -7, "a database operation of the migrator failed")                                \
    X(EBUSY, -8, "timed out waiting for the migration lock")                                       \
    X(EIRREVERSIBLE, -9, "the migration has no down section")                                      \
    X(EORDER, -10, "a pending migration is older than the newest applied one")                     \
    X(ENOTFOUND, -11, "no migration with that version")                                            \
    X(EUNSUPPORTED, -12, "not supported by this database")                                         \
    X(ECALLBACK, -13, "a callback failed")                                                         \
    X(ESCHEMA, -14, "the migrations table cannot be created or read")                              \
    X(ENONTRANSACTIONAL, -15, "a migration cannot run inside a group transaction")                 \
    X(EROUNDTRIP, -16, "a round trip did not restore the schema")                                  \
    X(EPARTIAL, -17, "a migration outside a transaction stopped midway")                           \
    X(ECHECKSUM, -18, "an applied migration's file changed since it was applied")

#define MIGRATOR__ERROR_ENUM(name, value, text) MIGRATOR_##name = value,
/** Return values of the runtime functions (MIGRATOR_OK, MIGRATOR_EBUSY, ...). */
typedef enum migrator_error {
    MIGRATOR_ERROR_LIST(MIGRATOR__ERROR_ENUM) MIGRATOR__ERROR_END
} migrator_error;
#undef MIGRATOR__ERROR_ENUM

/** A connection to one database (Ecto's repo). Opaque; from migrator_open. */
typedef struct migrator_repo migrator_repo;

/** Which way to migrate. */
typedef enum migrator_direction { MIGRATOR_UP = 1, MIGRATOR_DOWN = 2 } migrator_direction;

/** Log levels. MIGRATOR_LOG_OFF as an option's level turns that output off. */
typedef enum migrator_log_level {
    MIGRATOR_LOG_OFF = 0,
    MIGRATOR_LOG_DEBUG = 1,
    MIGRATOR_LOG_INFO = 2,
    MIGRATOR_LOG_WARNING = 3,
    MIGRATOR_LOG_ERROR = 4
} migrator_log_level;

/** Receives one log line (no trailing newline); message is only valid
 * during the call. */
typedef void (*migrator_log_fn)(migrator_log_level level, const char *message, void *payload);

/** How a run selects migrations (research: Ecto's run/4 strategies). */
typedef enum migrator_strategy {
    MIGRATOR_STRATEGY_DEFAULT = 0, /**< up: all; down: step 1 (as the CLI) */
    MIGRATOR_STRATEGY_ALL,         /**< every pending (up) or applied (down) migration */
    MIGRATOR_STRATEGY_STEP,        /**< the next `target` ones (target >= 1) */
    MIGRATOR_STRATEGY_TO,          /**< up to version `target`, inclusive */
    MIGRATOR_STRATEGY_TO_EXCLUSIVE /**< up to version `target`, exclusive */
} migrator_strategy;

/** Which lock serialises concurrent migrators. On SQLite the lock is the
 * database's write lock (BEGIN IMMEDIATE), and, for migrations with
 * disable_ddl_transaction, an fcntl lock on the file `<database>-migrator-lock`
 * beside the database (created on first use and left in place). */
typedef enum migrator_lock_mode {
    MIGRATOR_LOCK_DEFAULT = 0,  /**< SQLite: BEGIN IMMEDIATE; PostgreSQL: table lock */
    MIGRATOR_LOCK_TABLE = 1,    /**< PostgreSQL LOCK TABLE (SQLite: as default) */
    MIGRATOR_LOCK_ADVISORY = 2, /**< PostgreSQL session advisory lock */
    MIGRATOR_LOCK_NONE = 3      /**< no lock (Ecto's migration_lock: false) */
} migrator_lock_mode;

#define MIGRATOR_REPO_CONFIG_VERSION 1
/** Settings of a repo, fixed when it is opened (Ecto's repo config). */
typedef struct migrator_repo_config {
    unsigned int version;              /**< MIGRATOR_REPO_CONFIG_VERSION */
    const char *migration_source;      /**< table name; NULL: "schema_migrations" */
    migrator_lock_mode migration_lock; /**< MIGRATOR_LOCK_DEFAULT */
} migrator_repo_config;
#define MIGRATOR_REPO_CONFIG_INIT                                                                  \
    {                                                                                              \
        MIGRATOR_REPO_CONFIG_VERSION, NULL, MIGRATOR_LOCK_DEFAULT                                  \
    }

/** Called inside a migration's transaction, right after BEGIN (after_begin)
 * or right before the version is recorded and COMMIT (before_commit); never
 * for a migration that runs outside a transaction. Return 0, or a negative
 * value to fail (and roll back) the migration with MIGRATOR_ECALLBACK; the
 * callback may run SQL with migrator_execute. */
typedef int (*migrator_migration_fn)(migrator_repo *repo, const migrator_migration *migration,
                                     migrator_direction direction, void *payload);

/** What to do about an applied migration whose file changed since it was
 * applied: its checksum (docs/checksum.md) differs from the one recorded. */
typedef enum migrator_checksum_policy {
    /** ERROR for migrator_run, migrator_up and migrator_down; WARN for
     * migrator_migrations. */
    MIGRATOR_CHECKSUM_DEFAULT = 0,
    MIGRATOR_CHECKSUM_ERROR = 1, /**< fail with MIGRATOR_ECHECKSUM before anything runs */
    MIGRATOR_CHECKSUM_WARN = 2,  /**< log a warning per migration, go on */
    MIGRATOR_CHECKSUM_IGNORE = 3 /**< say nothing */
} migrator_checksum_policy;

#define MIGRATOR_RUN_OPTS_VERSION 2
/** Options of migrator_run, migrator_up, migrator_down, migrator_migrations
 * and migrator_migrated_versions (Ecto's run options). */
typedef struct migrator_run_opts {
    unsigned int version;                  /**< MIGRATOR_RUN_OPTS_VERSION */
    migrator_strategy strategy;            /**< MIGRATOR_STRATEGY_DEFAULT */
    int64_t target;                        /**< step count, or version for TO / TO_EXCLUSIVE */
    migrator_log_level log;                /**< level of "== Running ..." lines; default INFO */
    migrator_log_level log_migrations_sql; /**< level of the migrations' SQL; default OFF */
    migrator_log_level log_migrator_sql;   /**< level of our own SQL (BEGIN, INSERT ...); OFF */
    const char *prefix;       /**< schema (PostgreSQL); SQLite: MIGRATOR_EUNSUPPORTED */
    int strict_version_order; /**< refuse pending versions below the newest applied */
    int skip_table_creation;  /**< do not CREATE the migrations table (read-only users) */
    int migration_lock;       /**< 1 (default): take the lock; 0: no lock */
    int lock_timeout_ms;      /**< how long to wait for the lock; default 15000 (SQLite:
                                   the busy timeout of every statement) */
    int group;                /**< all selected migrations in one transaction */
    migrator_log_fn log_fn;   /**< NULL: lines go to stderr */
    void *log_payload;
    migrator_migration_fn after_begin;   /**< NULL: none */
    migrator_migration_fn before_commit; /**< NULL: none */
    void *callback_payload;
    /** Rerun, from its first statement, a migration outside a transaction
     * that stopped midway (MIGRATOR_EPARTIAL otherwise). Since version 2. */
    int retry_partial;
    /** What an applied migration whose file's checksum changed does
     * (docs/trust.md). Since version 2. */
    migrator_checksum_policy on_checksum_mismatch;
    /** migrator_run only: change nothing, and write through the logger (at
     * MIGRATOR_LOG_INFO, one statement a line ending in ";") every statement
     * the run would send, in order: transactions, locks, the migrations' SQL,
     * the version rows and our bookkeeping (docs/trust.md). Since version 2. */
    int dry_run;
} migrator_run_opts;
#define MIGRATOR_RUN_OPTS_INIT                                                                     \
    {                                                                                              \
        MIGRATOR_RUN_OPTS_VERSION, MIGRATOR_STRATEGY_DEFAULT, 0, MIGRATOR_LOG_INFO,                \
            MIGRATOR_LOG_OFF, MIGRATOR_LOG_OFF, NULL, 0, 0, 1, 15000, 0, NULL, NULL, NULL, NULL,   \
            NULL, 0, MIGRATOR_CHECKSUM_DEFAULT, 0                                                  \
    }

/** A list of versions. Free it with migrator_versions_free. */
typedef struct migrator_versions {
    int64_t *items;
    size_t count;
} migrator_versions;

/** How an applied migration's recorded checksum compares with its file's. */
typedef enum migrator_checksum_state {
    MIGRATOR_CHECKSUM_PENDING = 0,    /**< not applied: nothing to compare */
    MIGRATOR_CHECKSUM_MATCH = 1,      /**< recorded, and the same as the file's */
    MIGRATOR_CHECKSUM_MISMATCH = 2,   /**< recorded, and the file's differs */
    MIGRATOR_CHECKSUM_UNRECORDED = 3, /**< applied by Ecto or an older migrator: none recorded */
    MIGRATOR_CHECKSUM_NO_FILE = 4     /**< applied, but not in the table */
} migrator_checksum_state;

/** One line of the status (Ecto's migrations/3). */
typedef struct migrator_status {
    int up; /**< 1: applied ("up"), 0: pending ("down") */
    int64_t version;
    const char *name;                    /**< the table's name, or "** FILE NOT FOUND **" */
    const migrator_migration *migration; /**< in the table; NULL when not found */
    /** NULL, or (a migration outside a transaction that stopped midway) how
     * far it got and what to do: owned by the list. */
    const char *partial;
    migrator_checksum_state checksum; /**< how the recorded checksum compares */
    /** The checksum recorded when it was applied (64 hex digits), "" if
     * none was. */
    char recorded_checksum[65];
    /** When it was applied (schema_migrations.inserted_at as the database
     * writes it, UTC), NULL when pending: owned by the list. */
    const char *applied_at;
} migrator_status;

/** The status of every migration. Free it with migrator_status_list_free. */
typedef struct migrator_status_list {
    migrator_status *items; /**< sorted by version */
    size_t count;
} migrator_status_list;

/** The name shown for an applied version that has no migration in the table. */
#define MIGRATOR_FILE_NOT_FOUND "** FILE NOT FOUND **"

/** Opens the database at url: `sqlite:PATH` (created if missing) or
 * `sqlite::memory:`. On success *out is a repo to close with
 * migrator_close. On failure *out is NULL, and migrator_errmsg(NULL) gives
 * this thread's message (the URL without any password).
 * Returns MIGRATOR_OK, MIGRATOR_EURL, MIGRATOR_EOPEN, MIGRATOR_EINVAL,
 * MIGRATOR_EUNSUPPORTED (e.g. an advisory lock on SQLite) or
 * MIGRATOR_ENOMEM. config may be NULL. */
MIGRATOR_EXTERN int migrator_open(migrator_repo **out, const char *url,
                                  const migrator_repo_config *config);

/** Closes a repo and frees it. migrator_close(NULL) does nothing. */
MIGRATOR_EXTERN void migrator_close(migrator_repo *repo);

/** Applies (MIGRATOR_UP) or reverts (MIGRATOR_DOWN) the migrations of table
 * that opts->strategy selects, each in its own transaction with its version
 * row. If ran is not NULL it receives the versions this call executed, in
 * order (free with migrator_versions_free; empty when nothing was to do).
 * Stops at the first failure, leaving earlier migrations applied.
 * Returns MIGRATOR_OK or a negative code (MIGRATOR_ESQL, MIGRATOR_EBUSY,
 * MIGRATOR_EIRREVERSIBLE, MIGRATOR_EORDER, ...); ran holds what ran before
 * the failure. */
MIGRATOR_EXTERN int migrator_run(migrator_repo *repo, const migrator_table *table,
                                 migrator_direction direction, const migrator_run_opts *opts,
                                 migrator_versions *ran);

/** Applies the migration with this version. Returns MIGRATOR_OK,
 * MIGRATOR_ALREADY_UP (nothing done), MIGRATOR_ENOTFOUND or an error. */
MIGRATOR_EXTERN int migrator_up(migrator_repo *repo, const migrator_table *table, int64_t version,
                                const migrator_run_opts *opts);

/** Reverts the migration with this version. Returns MIGRATOR_OK,
 * MIGRATOR_ALREADY_DOWN (nothing done), MIGRATOR_ENOTFOUND,
 * MIGRATOR_EIRREVERSIBLE or an error. */
MIGRATOR_EXTERN int migrator_down(migrator_repo *repo, const migrator_table *table, int64_t version,
                                  const migrator_run_opts *opts);

/** The applied versions, ascending, into *out (free with
 * migrator_versions_free). Creates the migrations table unless
 * opts->skip_table_creation. */
MIGRATOR_EXTERN int migrator_migrated_versions(migrator_repo *repo, const migrator_run_opts *opts,
                                               migrator_versions *out);

/** The status of every migration of table and of every applied version
 * without one, sorted by version, into *out (free with
 * migrator_status_list_free; names point into table or are static). */
MIGRATOR_EXTERN int migrator_migrations(migrator_repo *repo, const migrator_table *table,
                                        const migrator_run_opts *opts, migrator_status_list *out);

/** Records the outcome of a migration by hand (Flyway's and goose's "mark
 * applied"): MIGRATOR_UP inserts its version row, MIGRATOR_DOWN deletes it,
 * without running anything; either way any partial state of a migration
 * that stopped midway is forgotten (docs/reliability.md). MIGRATOR_UP needs
 * the version in table; MIGRATOR_DOWN also takes an applied version that is
 * not (a missing file). Under the migration lock. Returns MIGRATOR_OK,
 * MIGRATOR_ALREADY_UP / MIGRATOR_ALREADY_DOWN (the row was already so;
 * partial state is still forgotten), MIGRATOR_ENOTFOUND or an error. */
MIGRATOR_EXTERN int migrator_mark(migrator_repo *repo, const migrator_table *table, int64_t version,
                                  migrator_direction direction, const migrator_run_opts *opts);

/** Accepts the current files of applied migrations whose checksum changed
 * (docs/trust.md): records the table's checksum for versions[0..count), or,
 * when count is 0, for every applied migration whose recorded checksum
 * differs or is missing. Runs nothing; under the migration lock, in one
 * transaction. Returns MIGRATOR_OK (also when nothing needed repair),
 * MIGRATOR_ENOTFOUND (a listed version is not in table or not applied;
 * nothing is changed) or an error. versions is the caller's. */
MIGRATOR_EXTERN int migrator_repair(migrator_repo *repo, const migrator_table *table,
                                    const int64_t *versions, size_t count,
                                    const migrator_run_opts *opts);

/** Adopts a database whose schema was built without migrator (Flyway's
 * baseline, sqitch's --log-only): records every migration of table up to
 * version (inclusive) as applied, with its checksum, without running it.
 * Already applied ones are left as they are. Under the migration lock, in
 * one transaction. Returns MIGRATOR_OK or an error. */
MIGRATOR_EXTERN int migrator_baseline(migrator_repo *repo, const migrator_table *table,
                                      int64_t version, const migrator_run_opts *opts);

/** Runs one SQL statement on the repo's migration connection, e.g. from an
 * after_begin callback (`SET LOCAL lock_timeout = '5s'`). */
MIGRATOR_EXTERN int migrator_execute(migrator_repo *repo, const char *sql);

/** Opens url, calls fn(repo, payload), closes the repo, and returns what fn
 * returned; or the error of migrator_open, without calling fn. */
MIGRATOR_EXTERN int migrator_with_repo(const char *url, const migrator_repo_config *config,
                                       int (*fn)(migrator_repo *repo, void *payload),
                                       void *payload);

/** What a program calls first thing: runs every pending migration of table
 * on url (opts->strategy is ignored: all), unless the environment has
 * SKIP_MIGRATIONS=true, when it returns MIGRATOR_SKIPPED without opening the
 * database. Errors are logged through opts' logger as well as returned. */
MIGRATOR_EXTERN int migrator_migrate_on_startup(const char *url, const migrator_repo_config *config,
                                                const migrator_table *table,
                                                const migrator_run_opts *opts);

/** The message of the repo's last failure ("" if none); with NULL, the
 * calling thread's last migrator_open failure. Owned by the repo (or the
 * thread); valid until the next call on it. */
MIGRATOR_EXTERN const char *migrator_errmsg(const migrator_repo *repo);

/** A static description of a MIGRATOR_* code. */
MIGRATOR_EXTERN const char *migrator_strerror(int code);

/** Frees the list's items and empties it. NULL is allowed. */
MIGRATOR_EXTERN void migrator_versions_free(migrator_versions *versions);
MIGRATOR_EXTERN void migrator_status_list_free(migrator_status_list *list);

/** Joins a statement's pieces into a new NUL-terminated string that the
 * caller frees with free(); NULL when out of memory. */
MIGRATOR_EXTERN char *migrator_statement_text(const migrator_statement *statement);

/** Describes the database's schema as text, for comparing two states of it
 * (docs/roundtrip.md): one object or property a line ("table users column
 * email: text not null"), sorted by byte value, each line ending in "\n".
 * SQLite: tables, columns, CHECK/UNIQUE/foreign keys, indexes, views and
 * triggers of the main database. PostgreSQL: every non-system schema, read
 * from pg_catalog. The migrations table (opts->prefix, repo's
 * migration_source, and ours beside it) and the database's own objects are
 * left out. The order of the statements that built the schema, and spacing
 * and comments in SQL text, do not change it (docs/roundtrip.md says
 * exactly what does).
 * On success *out is a NUL-terminated string that the caller frees with
 * migrator_free(); on failure *out is NULL. Not inside a transaction. */
MIGRATOR_EXTERN int migrator_schema_fingerprint(migrator_repo *repo, const migrator_run_opts *opts,
                                                char **out);

/** Flags of migrator_roundtrip. */
#define MIGRATOR_ROUNDTRIP_STEPWISE 1u

/** Checks that the migrations of table undo what they do, on a database
 * where none of them is applied yet (docs/roundtrip.md). With
 * MIGRATOR_ROUNDTRIP_STEPWISE, first, for each migration in order: up, down
 * (the schema must be the one before its up), up again (it must be the one
 * after its first up). Then: up all (schema A), down all (the schema must be
 * the one before any migration), up all again (it must be A). Stops at the first comparison that
 * fails and logs, through opts' logger at MIGRATOR_LOG_ERROR, which migration broke which
 * comparison and the unified diff of the two fingerprints. A migration without a down section stops
 * the round trip before it. Leaves every checked migration applied. Returns MIGRATOR_OK,
 * MIGRATOR_EROUNDTRIP (a comparison failed), MIGRATOR_EIRREVERSIBLE,
 * MIGRATOR_EINVAL (some migration was already applied) or the error of a
 * migration. */
MIGRATOR_EXTERN int migrator_roundtrip(migrator_repo *repo, const migrator_table *table,
                                       unsigned int flags, const migrator_run_opts *opts);

/** Frees memory that a migrator function returned to the caller (same as
 * free(), for callers whose C library may differ from libmigrator's). */
MIGRATOR_EXTERN void migrator_free(void *memory);

#define MIGRATOR_MAIN_CONFIG_VERSION 1
/** Settings of migrator_main_with. */
typedef struct migrator_main_config {
    unsigned int version;      /**< MIGRATOR_MAIN_CONFIG_VERSION */
    const char *default_url;   /**< used when neither --url nor DATABASE_URL is given */
    const char *program;       /**< name in messages; NULL: argv[0]'s base name */
    migrator_repo_config repo; /**< migration_source and lock defaults */
} migrator_main_config;
#define MIGRATOR_MAIN_CONFIG_INIT                                                                  \
    {                                                                                              \
        MIGRATOR_MAIN_CONFIG_VERSION, NULL, NULL, MIGRATOR_REPO_CONFIG_INIT                        \
    }

/** The command line of a migrating binary (docs/cli.md):
 *   PROG migrate    [--all | --step N | --to V | --to-exclusive V]
 *   PROG rollback   [--all | --step N | --to V | --to-exclusive V]
 *   PROG migrations
 *   PROG schema
 *   PROG roundtrip  [--stepwise] [--scratch]
 * with --url, --prefix, --migration-source, --quiet, --log-migrations-sql,
 * --log-migrator-sql, --strict-version-order, --migration-lock,
 * --lock-timeout, --group and --help. Returns the exit status: 0 success
 * (also when nothing was to do), 1 when a migration or the database failed,
 * 2 for bad usage. The database is --url, else $DATABASE_URL. */
MIGRATOR_EXTERN int migrator_main(int argc, char **argv, const migrator_table *table);

/** migrator_main with a default URL and other settings. */
MIGRATOR_EXTERN int migrator_main_with(int argc, char **argv, const migrator_table *table,
                                       const migrator_main_config *config);

#ifdef __cplusplus
}
#endif

#endif /* MIGRATOR_H */
