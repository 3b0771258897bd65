/*
 * Running GNU m4: see m4_run.h.
 *
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include "m4_run.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "diag.h"

const char *gen_m4_program(const char *option)
{
    const char *from_env = getenv("M4");
    if (option && *option)
        return option;
    if (from_env && *from_env)
        return from_env;
    return "m4";
}

int gen_m4_expand(const char *m4, const char *template_path, const char *work_dir,
                  const gen_m4_define *defines, size_t define_count, FILE *out)
{
    char **args = NULL;
    size_t i, argc = 0;
    pid_t child;
    int status, result = -1;

    args = calloc(define_count * 2 + 5, sizeof(*args));
    if (!args) {
        gen_error(template_path, 0, "out of memory");
        return -1;
    }
    args[argc++] = (char *)m4;
    args[argc++] = "-P";
    args[argc++] = "-E";
    for (i = 0; i < define_count; i++) {
        /* The value is quoted so that its expansion is not rescanned: a repo
         * or migration named like a macro (m4_dnl, MIGRATOR_GEN_COUNT)
         * stays as it is. */
        size_t length = strlen(defines[i].name) + strlen(defines[i].value) + 4;
        char *definition = malloc(length);
        if (!definition) {
            gen_error(template_path, 0, "out of memory");
            goto done;
        }
        snprintf(definition, length, "%s=`%s'", defines[i].name, defines[i].value);
        args[argc++] = "-D";
        args[argc++] = definition;
    }
    args[argc++] = (char *)template_path;

    fflush(out);
    fflush(stderr);
    child = fork();
    if (child < 0) {
        gen_error(template_path, 0, "cannot start %s: %s", m4, strerror(errno));
        goto done;
    }
    if (child == 0) {
        if (work_dir && chdir(work_dir) != 0) {
            fprintf(stderr, "migrator-gen: %s: %s\n", work_dir, strerror(errno));
            _exit(126);
        }
        if (dup2(fileno(out), STDOUT_FILENO) < 0)
            _exit(126);
        execvp(m4, args);
        fprintf(stderr, "migrator-gen: cannot run %s: %s (install GNU m4, or set M4)\n", m4,
                strerror(errno));
        _exit(127);
    }
    while (waitpid(child, &status, 0) < 0) {
        if (errno != EINTR) {
            gen_error(template_path, 0, "waiting for %s: %s", m4, strerror(errno));
            goto done;
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        result = 0;
    else if (WIFEXITED(status) && WEXITSTATUS(status) >= 126)
        gen_error(NULL, 0, "m4 could not run (exit %d)", WEXITSTATUS(status));
    else
        gen_error(template_path, 0, "m4 failed on this template (%s %d)",
                  WIFEXITED(status) ? "exit" : "signal",
                  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
done:
    for (i = 0; i < define_count; i++)
        free(args[4 + 2 * i]);
    free(args);
    return result;
}
