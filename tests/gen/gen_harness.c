/*
 * Helpers for the command-line tests of migrator-gen: see gen_harness.h.
 *
 * SPDX-License-Identifier: MIT
 */
#define _XOPEN_SOURCE 700
#include "gen_harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#define harness_fail(...)                                                                          \
    do {                                                                                           \
        print_error(__VA_ARGS__);                                                                  \
        _fail(__FILE__, __LINE__);                                                                 \
    } while (0)

char *gen_format(const char *format, ...)
{
    va_list args;
    int length;
    char *text = NULL;

    va_start(args, format);
    length = vsnprintf(NULL, 0, format, args);
    va_end(args);
    if (length < 0 || !(text = malloc((size_t)length + 1)))
        harness_fail("gen_format: out of memory\n");
    va_start(args, format);
    vsnprintf(text, (size_t)length + 1, format, args);
    va_end(args);
    return text;
}

char *gen_path(const char *dir, const char *relative)
{
    return gen_format("%s/%s", dir, relative);
}

char *gen_temp_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    char *dir = gen_format("%s/migrator-gen-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        harness_fail("mkdtemp %s: %s\n", dir, strerror(errno));
    return dir;
}

void gen_remove_tree(const char *path)
{
    struct stat info;
    if (lstat(path, &info) != 0)
        return;
    if (S_ISDIR(info.st_mode)) {
        DIR *handle;
        struct dirent *entry;
        chmod(path, 0700);
        if ((handle = opendir(path)) != NULL) {
            while ((entry = readdir(handle)) != NULL) {
                char *child;
                if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
                    continue;
                child = gen_path(path, entry->d_name);
                gen_remove_tree(child);
                free(child);
            }
            closedir(handle);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

void gen_mkdirs(const char *dir, const char *relative)
{
    char *path = gen_path(dir, relative);
    size_t i, start = strlen(dir) + 1;
    for (i = start;; i++) {
        if (path[i] == '/' || path[i] == '\0') {
            char saved = path[i];
            path[i] = '\0';
            if (mkdir(path, 0777) != 0 && errno != EEXIST)
                harness_fail("mkdir %s: %s\n", path, strerror(errno));
            path[i] = saved;
            if (saved == '\0')
                break;
        }
    }
    free(path);
}

void gen_write_bytes(const char *dir, const char *relative, const void *data, size_t size)
{
    char *path = gen_path(dir, relative);
    const char *slash = strrchr(relative, '/');
    FILE *file;

    if (slash) {
        char *parent = gen_format("%.*s", (int)(slash - relative), relative);
        gen_mkdirs(dir, parent);
        free(parent);
    }
    if (!(file = fopen(path, "wb")) || fwrite(data, 1, size, file) != size || fclose(file) != 0)
        harness_fail("cannot write %s: %s\n", path, strerror(errno));
    free(path);
}

void gen_write(const char *dir, const char *relative, const char *text)
{
    gen_write_bytes(dir, relative, text, strlen(text));
}

char *gen_read(const char *path, size_t *size)
{
    FILE *file = fopen(path, "rb");
    char *data = NULL;
    size_t used = 0, capacity = 0;

    if (!file)
        return NULL;
    for (;;) {
        size_t got;
        if (capacity - used < 4096) {
            capacity = capacity ? capacity * 2 : 8192;
            if (!(data = realloc(data, capacity + 1)))
                harness_fail("gen_read: out of memory\n");
        }
        got = fread(data + used, 1, capacity - used, file);
        used += got;
        if (got == 0)
            break;
    }
    fclose(file);
    data[used] = '\0';
    if (size)
        *size = used;
    return data;
}

char *gen_read_at(const char *dir, const char *relative, size_t *size)
{
    char *path = gen_path(dir, relative);
    char *data = gen_read(path, size);
    free(path);
    return data;
}

int gen_exists(const char *dir, const char *relative)
{
    char *path = gen_path(dir, relative);
    struct stat info;
    int exists = lstat(path, &info) == 0;
    free(path);
    return exists;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char *gen_list_dir(const char *dir, const char *relative)
{
    char *path = gen_path(dir, relative), *names[256], *list;
    size_t count = 0, length = 1, i;
    DIR *handle = opendir(path);
    struct dirent *entry;

    if (!handle)
        harness_fail("opendir %s: %s\n", path, strerror(errno));
    while ((entry = readdir(handle)) != NULL && count < 256) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        names[count] = gen_format("%s", entry->d_name);
        length += strlen(names[count]) + 1;
        count++;
    }
    closedir(handle);
    qsort(names, count, sizeof(names[0]), compare_strings);
    list = malloc(length);
    if (!list)
        harness_fail("gen_list_dir: out of memory\n");
    list[0] = '\0';
    for (i = 0; i < count; i++) {
        strcat(list, names[i]);
        strcat(list, "\n");
        free(names[i]);
    }
    free(path);
    return list;
}

/* Appends what is readable on fd to *buffer; returns 0 at end of file. */
static int drain(int fd, char **buffer, size_t *used, size_t *capacity)
{
    ssize_t got;
    if (*capacity - *used < 4096) {
        *capacity = *capacity ? *capacity * 2 : 8192;
        if (!(*buffer = realloc(*buffer, *capacity + 1)))
            harness_fail("gen_run: out of memory\n");
    }
    got = read(fd, *buffer + *used, *capacity - *used);
    if (got < 0)
        return errno == EINTR ? 1 : 0;
    *used += (size_t)got;
    (*buffer)[*used] = '\0';
    return got > 0;
}

void gen_run(gen_result *result, const char *cwd, const char *const *args)
{
    const char *program = getenv("MIGRATOR_GEN");
    const char *valgrind = getenv("MIGRATOR_TEST_VALGRIND");
    const char *argv[64];
    int out_pipe[2], err_pipe[2], status;
    size_t argc = 0, out_used = 0, out_capacity = 0, err_used = 0, err_capacity = 0;
    struct pollfd fds[2];
    pid_t child;

    memset(result, 0, sizeof(*result));
    if (!program || !*program)
        harness_fail("MIGRATOR_GEN is not set (run the tests with ctest)\n");
    /* MIGRATOR_TEST_VALGRIND=/usr/bin/valgrind runs the program under
     * memcheck: any error or leak makes it exit 99 and print the report on
     * stderr, so the test fails (the valgrind test preset, docs/testing.md). */
    if (valgrind && *valgrind) {
        argv[argc++] = valgrind;
        argv[argc++] = "--quiet";
        argv[argc++] = "--error-exitcode=99";
        argv[argc++] = "--leak-check=full";
        argv[argc++] = "--show-leak-kinds=definite,indirect,possible";
        argv[argc++] = "--errors-for-leak-kinds=definite,indirect,possible";
    }
    argv[argc++] = program;
    while (*args && argc < 63)
        argv[argc++] = *args++;
    argv[argc] = NULL;

    if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0)
        harness_fail("pipe: %s\n", strerror(errno));
    fflush(stdout);
    fflush(stderr);
    child = fork();
    if (child < 0)
        harness_fail("fork: %s\n", strerror(errno));
    if (child == 0) {
        int null_fd = open("/dev/null", O_RDONLY);
        if (null_fd >= 0)
            dup2(null_fd, STDIN_FILENO);
        dup2(out_pipe[1], STDOUT_FILENO);
        dup2(err_pipe[1], STDERR_FILENO);
        close(out_pipe[0]);
        close(out_pipe[1]);
        close(err_pipe[0]);
        close(err_pipe[1]);
        if (cwd && chdir(cwd) != 0) {
            fprintf(stderr, "gen_run: chdir %s: %s\n", cwd, strerror(errno));
            _exit(125);
        }
        execv(argv[0], (char *const *)argv);
        fprintf(stderr, "gen_run: exec %s: %s\n", argv[0], strerror(errno));
        _exit(125);
    }
    close(out_pipe[1]);
    close(err_pipe[1]);

    /* Both outputs are read as they come, so a child that fills one pipe
     * while the other is empty never blocks. */
    fds[0].fd = out_pipe[0];
    fds[1].fd = err_pipe[0];
    fds[0].events = fds[1].events = POLLIN;
    result->out = calloc(1, 1);
    result->err = calloc(1, 1);
    while (fds[0].fd >= 0 || fds[1].fd >= 0) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            harness_fail("poll: %s\n", strerror(errno));
        }
        if (fds[0].fd >= 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
            !drain(fds[0].fd, &result->out, &out_used, &out_capacity)) {
            close(fds[0].fd);
            fds[0].fd = -1;
        }
        if (fds[1].fd >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) &&
            !drain(fds[1].fd, &result->err, &err_used, &err_capacity)) {
            close(fds[1].fd);
            fds[1].fd = -1;
        }
    }
    while (waitpid(child, &status, 0) < 0) {
        if (errno != EINTR)
            harness_fail("waitpid: %s\n", strerror(errno));
    }
    result->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (result->status == 125)
        harness_fail("gen_run: could not run %s:\n%s\n", program, result->err);
}

void gen_result_free(gen_result *result)
{
    free(result->out);
    free(result->err);
    memset(result, 0, sizeof(*result));
}

void gen_assert_contains(const char *text, const char *needle, const char *file, int line)
{
    if (!text || !strstr(text, needle)) {
        print_error("expected to find\n---\n%s\n---\nin\n---\n%s\n---\n", needle,
                    text ? text : "(null)");
        _fail(file, line);
    }
}

void gen_assert_run(const gen_result *result, int status, const char *out, const char *err,
                    const char *file, int line)
{
    int bad = result->status != status || (out && strcmp(result->out, out) != 0) ||
              (err && strcmp(result->err, err) != 0);
    if (!bad)
        return;
    print_error("migrator-gen exited with %d (expected %d)\n", result->status, status);
    if (out && strcmp(result->out, out) != 0)
        print_error("stdout:\n---\n%s---\nexpected:\n---\n%s---\n", result->out, out);
    else
        print_error("stdout:\n---\n%s---\n", result->out);
    if (err && strcmp(result->err, err) != 0)
        print_error("stderr:\n---\n%s---\nexpected:\n---\n%s---\n", result->err, err);
    else
        print_error("stderr:\n---\n%s---\n", result->err);
    _fail(file, line);
}
