/*
 * migrator: database migrations for C programs, in the spirit of Ecto.Migrator.
 *
 * This header describes the migration table that `migrator-gen table` writes
 * at build time from `priv/<repo>/migrations/<VERSION>_<name>.sql` files and
 * that is compiled into your own binaries. Every object reachable from a
 * `migrator_table` is static, read-only data owned by the generated code: it
 * lives as long as the program and must never be freed or modified.
 *
 * The runtime functions that apply a table to a database (migrator_open,
 * migrator_run, ...) are declared here as they are added.
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

#ifdef __cplusplus
}
#endif

#endif /* MIGRATOR_H */
