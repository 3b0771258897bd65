/*
 * Migration file names: `<VERSION>_<name>.sql` (DESIGN §2). Shared by the
 * generator (scan, `new`) and the runtime. Private to migrator.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGRATOR_MIGRATION_NAME_H
#define MIGRATOR_MIGRATION_NAME_H

#include <stddef.h>
#include <stdint.h>

typedef enum migrator__name_kind {
    MIGRATOR__NAME_INVALID = -1, /* looks like a migration but breaks a rule */
    MIGRATOR__NAME_IGNORED = 0,  /* not a migration (README.md, .keep, ...) */
    MIGRATOR__NAME_MIGRATION = 1
} migrator__name_kind;

typedef struct migrator__migration_name {
    int64_t version;
    const char *name;   /* points into the file name */
    size_t name_length; /* the name stops before ".sql" */
} migrator__migration_name;

/* Classifies a file name (the last path component). A name that starts with
 * digits followed by '_' or '-', or that ends in ".sql" in any case, is
 * meant to be a migration: it is MIGRATOR__NAME_MIGRATION when it follows
 * every rule, else MIGRATOR__NAME_INVALID with *error set to a static
 * message. Names starting with '.' are ignored (editor files). */
migrator__name_kind migrator__parse_migration_name(const char *file_name,
                                                   migrator__migration_name *out,
                                                   const char **error);

/* Whether name[0..length) is a valid migration name: [a-z0-9_]+. */
int migrator__valid_migration_name(const char *name, size_t length);

#endif
