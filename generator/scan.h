/*
 * Finding and reading a repo's migration files: every directory given is
 * searched recursively; files are validated, parsed and sorted by version;
 * duplicate versions are errors and duplicate names warnings (DESIGN §2).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGRATOR_GEN_SCAN_H
#define MIGRATOR_GEN_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "migration_file.h"

typedef struct gen_migration {
    char *path;    /* as opened: DIR/sub/VERSION_name.sql */
    char *display; /* path relative to the base directory, for the table */
    int64_t version;
    char *name;
    dev_t device;                  /* the file's identity: one file reached by two paths */
    ino_t inode;                   /* (overlapping DIRs, symbolic links) is one migration */
    migrator__migration_text text; /* empty unless contents were parsed */
} gen_migration;

typedef struct gen_scan {
    gen_migration *items; /* sorted by version */
    size_t count;
    size_t capacity;
} gen_scan;

typedef struct gen_scan_options {
    const char *base;         /* paths under it are recorded relative to it; may be NULL */
    migrator_dialect dialect; /* for parsing contents */
    int parse_contents;       /* 0: names only (for `new`) */
} gen_scan_options;

/* Scans the directories into *scan (which must be zeroed). Reports each
 * problem on stderr and returns how many errors there were (0: valid). A
 * directory that does not exist is an error; an empty one is not. */
unsigned int gen_scan_dirs(gen_scan *scan, char *const *dirs, size_t dir_count,
                           const gen_scan_options *options);

void gen_scan_free(gen_scan *scan);

#endif
