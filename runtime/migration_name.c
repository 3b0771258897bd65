/*
 * Migration file names: see migration_name.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "migration_name.h"

#include <string.h>

int migrator__valid_migration_name(const char *name, size_t length)
{
    size_t i;
    if (length == 0)
        return 0;
    for (i = 0; i < length; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    return 1;
}

static int ends_with_sql(const char *file_name, size_t length, int any_case)
{
    static const char lower[] = ".sql", upper[] = ".SQL";
    size_t i;
    if (length < 4)
        return 0;
    for (i = 0; i < 4; i++) {
        char c = file_name[length - 4 + i];
        if (c != lower[i] && !(any_case && c == upper[i]))
            return 0;
    }
    return 1;
}

migrator__name_kind migrator__parse_migration_name(const char *file_name,
                                                   migrator__migration_name *out,
                                                   const char **error)
{
    size_t length = strlen(file_name), digits = 0, name_end;
    uint64_t version = 0;

    *error = NULL;
    memset(out, 0, sizeof(*out));
    while (file_name[digits] >= '0' && file_name[digits] <= '9')
        digits++;
    if (file_name[0] == '.')
        return MIGRATOR__NAME_IGNORED;
    if (!(digits > 0 && (file_name[digits] == '_' || file_name[digits] == '-')) &&
        !ends_with_sql(file_name, length, 1))
        return MIGRATOR__NAME_IGNORED;

    if (digits == 0) {
        *error = "not a migration file name: expected <VERSION>_<name>.sql";
        return MIGRATOR__NAME_INVALID;
    }
    if (file_name[digits] != '_') {
        *error = "expected '_' after the version: <VERSION>_<name>.sql";
        return MIGRATOR__NAME_INVALID;
    }
    if (!ends_with_sql(file_name, length, 0)) {
        *error = "wrong extension: a migration file name ends in .sql";
        return MIGRATOR__NAME_INVALID;
    }
    for (size_t i = 0; i < digits; i++) {
        unsigned int digit = (unsigned int)(file_name[i] - '0');
        if (version > ((uint64_t)INT64_MAX - digit) / 10) {
            *error = "version is larger than 9223372036854775807 (2^63-1)";
            return MIGRATOR__NAME_INVALID;
        }
        version = version * 10 + digit;
    }
    name_end = length - 4;
    if (!migrator__valid_migration_name(file_name + digits + 1, name_end - digits - 1)) {
        *error = name_end == digits + 1
                     ? "missing name: expected <VERSION>_<name>.sql"
                     : "invalid name: use lower-case letters, digits and underscores ([a-z0-9_]+)";
        return MIGRATOR__NAME_INVALID;
    }
    out->version = (int64_t)version;
    out->name = file_name + digits + 1;
    out->name_length = name_end - digits - 1;
    return MIGRATOR__NAME_MIGRATION;
}
