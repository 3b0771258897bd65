/*
 * Finding and reading migration files: see scan.h.
 *
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include "scan.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "diag.h"
#include "migration_name.h"
#include "output_file.h"

#define MAX_DEPTH 32

static char *join_path(const char *dir, const char *name)
{
    size_t dir_length = strlen(dir), name_length = strlen(name);
    char *path;
    while (dir_length > 1 && dir[dir_length - 1] == '/')
        dir_length--;
    path = malloc(dir_length + name_length + 2);
    if (!path)
        return NULL;
    memcpy(path, dir, dir_length);
    path[dir_length] = '/';
    memcpy(path + dir_length + 1, name, name_length + 1);
    return path;
}

static char *copy_string(const char *text, size_t length)
{
    char *copy = malloc(length + 1);
    if (copy) {
        memcpy(copy, text, length);
        copy[length] = '\0';
    }
    return copy;
}

/* The path relative to base when it lies under base, else the path. */
static char *display_path(const char *path, const char *base)
{
    size_t base_length = base ? strlen(base) : 0;
    while (base_length > 1 && base[base_length - 1] == '/')
        base_length--;
    if (base_length > 0 && strncmp(path, base, base_length) == 0 && path[base_length] == '/')
        path += base_length + 1;
    return copy_string(path, strlen(path));
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static gen_migration *append(gen_scan *scan)
{
    if (scan->count == scan->capacity) {
        size_t capacity = scan->capacity ? scan->capacity * 2 : 64;
        gen_migration *grown = realloc(scan->items, capacity * sizeof(*grown));
        if (!grown)
            return NULL;
        scan->items = grown;
        scan->capacity = capacity;
    }
    memset(&scan->items[scan->count], 0, sizeof(gen_migration));
    return &scan->items[scan->count++];
}

static void read_migration(gen_migration *migration, const gen_scan_options *options)
{
    migrator__diag diag;
    char *data;
    size_t size;
    int result;

    if (gen_read_file(migration->path, &data, &size) != 0) {
        gen_error(migration->path, 0, "cannot read: %s", strerror(errno));
        return;
    }
    result = migrator__migration_text_parse(&migration->text, data, size, options->dialect, &diag);
    free(data);
    if (result == MIGRATOR__PARSE_NO_MEMORY)
        gen_error(migration->path, 0, "out of memory");
    else if (result < 0)
        gen_error(migration->path, diag.line, "%s", diag.message);
}

static void add_file(gen_scan *scan, const char *path, const char *file_name,
                     const struct stat *info, const gen_scan_options *options)
{
    migrator__migration_name parsed;
    const char *error;
    gen_migration *migration;

    switch (migrator__parse_migration_name(file_name, &parsed, &error)) {
    case MIGRATOR__NAME_IGNORED: return;
    case MIGRATOR__NAME_INVALID: gen_error(path, 0, "%s", error); return;
    case MIGRATOR__NAME_MIGRATION: break;
    }
    if (!(migration = append(scan)) || !(migration->path = copy_string(path, strlen(path))) ||
        !(migration->display = display_path(path, options->base)) ||
        !(migration->name = copy_string(parsed.name, parsed.name_length))) {
        gen_error(path, 0, "out of memory");
        return;
    }
    migration->version = parsed.version;
    migration->device = info->st_dev;
    migration->inode = info->st_ino;
    if (options->parse_contents)
        read_migration(migration, options);
}

static void scan_dir(gen_scan *scan, const char *dir, unsigned int depth,
                     const gen_scan_options *options)
{
    DIR *handle;
    struct dirent *entry;
    char **names = NULL;
    size_t count = 0, capacity = 0, i;

    if (depth > MAX_DEPTH) {
        gen_error(dir, 0, "directories nested more than %d deep (a symbolic link loop?)",
                  MAX_DEPTH);
        return;
    }
    if (!(handle = opendir(dir))) {
        gen_error(dir, 0, "cannot open directory: %s", strerror(errno));
        return;
    }
    while ((entry = readdir(handle)) != NULL) {
        if (entry->d_name[0] == '.')
            continue; /* ".", "..", and hidden files such as editor swap files */
        if (count == capacity) {
            char **grown;
            capacity = capacity ? capacity * 2 : 64;
            if (!(grown = realloc(names, capacity * sizeof(*names))))
                break;
            names = grown;
        }
        if (!(names[count] = copy_string(entry->d_name, strlen(entry->d_name))))
            break;
        count++;
    }
    closedir(handle);
    if (count > 1)
        qsort(names, count, sizeof(*names), compare_names);

    for (i = 0; i < count; i++) {
        char *path = join_path(dir, names[i]);
        struct stat info;
        if (!path) {
            gen_error(dir, 0, "out of memory");
        } else if (stat(path, &info) != 0) {
            gen_error(path, 0, "cannot read: %s", strerror(errno));
        } else if (S_ISDIR(info.st_mode)) {
            scan_dir(scan, path, depth + 1, options);
        } else if (S_ISREG(info.st_mode)) {
            add_file(scan, path, names[i], &info, options);
        }
        free(path);
        free(names[i]);
    }
    free(names);
}

static int compare_versions(const void *a, const void *b)
{
    const gen_migration *x = a, *y = b;
    if (x->version != y->version)
        return x->version < y->version ? -1 : 1;
    return strcmp(x->display, y->display);
}

static int compare_by_name(const void *a, const void *b)
{
    const gen_migration *x = *(const gen_migration *const *)a,
                        *y = *(const gen_migration *const *)b;
    int order = strcmp(x->name, y->name);
    return order ? order : compare_versions(x, y);
}

static void free_migration(gen_migration *migration)
{
    free(migration->path);
    free(migration->display);
    free(migration->name);
    migrator__migration_text_free(&migration->text);
}

/* Keeps one entry for a file found more than once (directories given that
 * overlap, a symbolic link to a directory): it is one migration, not a
 * duplicate of itself. The entries are sorted, so the kept path does not
 * depend on the order of the directories. */
static void drop_repeated_files(gen_scan *scan)
{
    size_t i, j, kept = 0;

    for (i = 0; i < scan->count; i++) {
        gen_migration *migration = &scan->items[i];
        int repeated = 0;
        for (j = kept; j > 0 && scan->items[j - 1].version == migration->version; j--)
            if (scan->items[j - 1].device == migration->device &&
                scan->items[j - 1].inode == migration->inode &&
                strcmp(scan->items[j - 1].name, migration->name) == 0)
                repeated = 1;
        if (repeated)
            free_migration(migration);
        else
            scan->items[kept++] = *migration;
    }
    scan->count = kept;
}

static void check_duplicates(gen_scan *scan)
{
    gen_migration **by_name;
    size_t i;

    for (i = 1; i < scan->count; i++)
        if (scan->items[i].version == scan->items[i - 1].version)
            gen_error(scan->items[i].path, 0, "duplicate version %" PRId64 ": also %s",
                      scan->items[i].version, scan->items[i - 1].path);
    if (scan->count < 2 || !(by_name = malloc(scan->count * sizeof(*by_name))))
        return;
    for (i = 0; i < scan->count; i++)
        by_name[i] = &scan->items[i];
    qsort(by_name, scan->count, sizeof(*by_name), compare_by_name);
    for (i = 1; i < scan->count; i++)
        if (strcmp(by_name[i]->name, by_name[i - 1]->name) == 0 &&
            by_name[i]->version != by_name[i - 1]->version)
            gen_warning(by_name[i]->path, 0, "name \"%s\" is also used by %s", by_name[i]->name,
                        by_name[i - 1]->path);
    free(by_name);
}

unsigned int gen_scan_dirs(gen_scan *scan, char *const *dirs, size_t dir_count,
                           const gen_scan_options *options)
{
    unsigned int errors_before = gen_error_count();
    size_t i;

    for (i = 0; i < dir_count; i++) {
        struct stat info;
        if (stat(dirs[i], &info) != 0)
            gen_error(dirs[i], 0, "migrations directory not found: %s", strerror(errno));
        else if (!S_ISDIR(info.st_mode))
            gen_error(dirs[i], 0, "not a directory");
        else
            scan_dir(scan, dirs[i], 0, options);
    }
    if (scan->count > 1)
        qsort(scan->items, scan->count, sizeof(*scan->items), compare_versions);
    drop_repeated_files(scan);
    check_duplicates(scan);
    return gen_error_count() - errors_before;
}

void gen_scan_free(gen_scan *scan)
{
    size_t i;
    for (i = 0; i < scan->count; i++)
        free_migration(&scan->items[i]);
    free(scan->items);
    memset(scan, 0, sizeof(*scan));
}
