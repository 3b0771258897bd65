/*
 * Logging: every line goes through the active options' log_fn, or to stderr.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "repo.h"

void migrator__log_to_stderr(migrator_log_level level, const char *message, void *payload)
{
    (void)payload;
    if (level == MIGRATOR_LOG_WARNING)
        fputs("warning: ", stderr);
    else if (level == MIGRATOR_LOG_ERROR)
        fputs("error: ", stderr);
    fputs(message, stderr);
    fputc('\n', stderr);
}

void migrator__vlog(const migrator_repo *repo, migrator_log_level level, const char *format,
                    va_list args)
{
    const migrator_run_opts *opts = repo ? repo->opts : NULL;
    migrator_log_fn log_fn = opts && opts->log_fn ? opts->log_fn : migrator__log_to_stderr;
    char small[512], *message = small;
    va_list copy;
    int length;

    if (level == MIGRATOR_LOG_OFF)
        return;
    va_copy(copy, args);
    length = vsnprintf(small, sizeof(small), format, copy);
    va_end(copy);
    if (length < 0)
        return;
    if ((size_t)length >= sizeof(small)) {
        if (!(message = malloc((size_t)length + 1)))
            return;
        vsnprintf(message, (size_t)length + 1, format, args);
    }
    log_fn(level, message, opts ? opts->log_payload : NULL);
    if (message != small)
        free(message);
}

void migrator__log(const migrator_repo *repo, migrator_log_level level, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    migrator__vlog(repo, level, format, args);
    va_end(args);
}

void migrator__log_migrator_sql(const migrator_repo *repo, const char *sql)
{
    if (repo->opts && repo->opts->log_migrator_sql != MIGRATOR_LOG_OFF)
        migrator__log(repo, repo->opts->log_migrator_sql, "%s", sql);
}
