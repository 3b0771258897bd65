/*
 * Scratch databases (scratch.h).
 *
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include "scratch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "repo.h"

#define SCRATCH_PREFIX "migrator_roundtrip_"

static int is_sqlite(const char *url)
{
    return strncmp(url, "sqlite:", 7) == 0;
}

static int sqlite_create(const char *path, char **scratch_url, char *message, size_t size)
{
    const char *slash = strrchr(path, '/');
    size_t dir_length = slash ? (size_t)(slash - path) + 1 : 0;
    size_t length = dir_length + sizeof("." SCRATCH_PREFIX "XXXXXX");
    char *file = malloc(length), *url;
    int fd;

    if (!file)
        return MIGRATOR_ENOMEM;
    snprintf(file, length, "%.*s." SCRATCH_PREFIX "XXXXXX", (int)dir_length, path);
    if ((fd = mkstemp(file)) < 0) {
        snprintf(message, size, "cannot create a scratch database in %.*s: %s",
                 dir_length ? (int)dir_length : 1, dir_length ? path : ".", strerror(errno));
        free(file);
        return MIGRATOR_EOPEN;
    }
    close(fd); /* an empty file is an empty SQLite database */
    length = strlen(file) + sizeof("sqlite:");
    if ((url = malloc(length)))
        snprintf(url, length, "sqlite:%s", file);
    else
        unlink(file);
    free(file);
    *scratch_url = url;
    return url ? MIGRATOR_OK : MIGRATOR_ENOMEM;
}

static int sqlite_drop(const char *path, char *message, size_t size)
{
    static const char *const suffixes[] = {"-journal", "-wal", "-shm", "-migrator-lock"};
    size_t i, length = strlen(path) + sizeof("-migrator-lock");
    char *file = malloc(length);
    int error = MIGRATOR_OK;

    if (!file)
        return MIGRATOR_ENOMEM;
    if (unlink(path) != 0 && errno != ENOENT) {
        snprintf(message, size, "cannot remove the scratch database %s: %s", path, strerror(errno));
        error = MIGRATOR_EOPEN;
    }
    for (i = 0; i < sizeof(suffixes) / sizeof(*suffixes); i++) {
        snprintf(file, length, "%s%s", path, suffixes[i]);
        unlink(file);
    }
    free(file);
    return error;
}

/* The scratch database's name in a PostgreSQL scratch URL. */
static const char *database_of(const char *scratch_url)
{
    const char *name = strstr(scratch_url, "dbname=" SCRATCH_PREFIX);
    return name ? name + 7 : NULL;
}

/* Runs "verb "name"" through url's database. */
static int server_command(const char *url, const char *verb, const char *name, char *message,
                          size_t size)
{
    migrator_repo *admin;
    char sql[256];
    int error = migrator_open(&admin, url, NULL);
    if (error < 0) {
        snprintf(message, size, "%s", migrator_errmsg(NULL));
        return error;
    }
    snprintf(sql, sizeof(sql), "%s \"%s\"", verb, name);
    if ((error = migrator_execute(admin, sql)) < 0)
        snprintf(message, size, "%s: %s", sql, migrator_errmsg(admin));
    migrator_close(admin);
    return error;
}

int migrator__scratch_create(const char *url, char **scratch_url, char *message, size_t size)
{
    static unsigned int counter;
    struct timespec now;
    char name[96];
    size_t length;
    int error;

    *scratch_url = NULL;
    message[0] = '\0';
    if (is_sqlite(url)) {
        if (strcmp(url + 7, ":memory:") == 0)
            return (*scratch_url = migrator__strdup(url)) ? MIGRATOR_OK : MIGRATOR_ENOMEM;
        return sqlite_create(url + 7, scratch_url, message, size);
    }
    clock_gettime(CLOCK_REALTIME, &now);
    snprintf(name, sizeof(name), SCRATCH_PREFIX "%ld_%ld_%u", (long)getpid(),
             (long)(now.tv_nsec / 1000), counter++);
    if ((error = server_command(url, "CREATE DATABASE", name, message, size)) < 0)
        return error;
    length = strlen(url) + sizeof("&dbname=") + strlen(name);
    if (!(*scratch_url = malloc(length))) {
        server_command(url, "DROP DATABASE IF EXISTS", name, message, size);
        return MIGRATOR_ENOMEM;
    }
    snprintf(*scratch_url, length, "%s%cdbname=%s", url, strchr(url, '?') ? '&' : '?', name);
    return MIGRATOR_OK;
}

int migrator__scratch_drop(const char *url, const char *scratch_url, char *message, size_t size)
{
    const char *name;
    message[0] = '\0';
    if (is_sqlite(scratch_url))
        return strcmp(scratch_url + 7, ":memory:") == 0
                   ? MIGRATOR_OK
                   : sqlite_drop(scratch_url + 7, message, size);
    if (!(name = database_of(scratch_url)))
        return MIGRATOR_EINVAL;
    return server_command(url, "DROP DATABASE IF EXISTS", name, message, size);
}
