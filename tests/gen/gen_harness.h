/*
 * Helpers for the command-line tests of migrator-gen: a fresh temporary
 * directory per test, files written into it, and the real migrator-gen
 * binary ($MIGRATOR_GEN) run in it with its exit status, stdout and stderr
 * captured.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGRATOR_TEST_GEN_HARNESS_H
#define MIGRATOR_TEST_GEN_HARNESS_H

#include <stddef.h>
#include <sys/types.h>

/* What one run of migrator-gen did. */
typedef struct gen_result {
    int status; /* exit status, or 128 + signal number if it was killed */
    char *out;  /* everything written to stdout, NUL-terminated */
    char *err;  /* everything written to stderr, NUL-terminated */
} gen_result;

/* Runs $MIGRATOR_GEN with the arguments args[0..] (NULL-terminated, without
 * the program name) in the directory cwd and waits for it. Aborts the test
 * if it cannot be started. Free the result with gen_result_free. */
void gen_run(gen_result *result, const char *cwd, const char *const *args);

/* gen_run(&r, dir, {"check", "m", NULL}) as GEN_RUN(&r, dir, "check", "m"). */
#define GEN_RUN(result, cwd, ...) gen_run((result), (cwd), (const char *const[]){__VA_ARGS__, NULL})

void gen_result_free(gen_result *result);

/* Creates a fresh directory under $TMPDIR (else /tmp) and returns its
 * absolute path (malloc'd). */
char *gen_temp_dir(void);

/* Removes a directory tree (best effort; chmods unreadable entries first). */
void gen_remove_tree(const char *path);

/* dir/relative, malloc'd. */
char *gen_path(const char *dir, const char *relative);

/* Writes dir/relative (creating the directories on the way) with the given
 * bytes. gen_write writes a string. */
void gen_write_bytes(const char *dir, const char *relative, const void *data, size_t size);
void gen_write(const char *dir, const char *relative, const char *text);

/* Creates dir/relative and its missing parents. */
void gen_mkdirs(const char *dir, const char *relative);

/* Reads a whole file (malloc'd, NUL-terminated; *size may be NULL), or
 * returns NULL if it cannot be read. */
char *gen_read(const char *path, size_t *size);
char *gen_read_at(const char *dir, const char *relative, size_t *size);

/* Whether dir/relative exists. */
int gen_exists(const char *dir, const char *relative);

/* The names in a directory other than "." and "..", sorted, as one string
 * with a '\n' after each (malloc'd). */
char *gen_list_dir(const char *dir, const char *relative);

/* Fails the test unless text contains needle, printing both. */
#define assert_contains(text, needle) gen_assert_contains((text), (needle), __FILE__, __LINE__)
void gen_assert_contains(const char *text, const char *needle, const char *file, int line);

/* Fails the test unless the run ended with status and printed exactly out
 * and err (NULL: anything). */
#define assert_run(result, status, out, err)                                                       \
    gen_assert_run((result), (status), (out), (err), __FILE__, __LINE__)
void gen_assert_run(const gen_result *result, int status, const char *out, const char *err,
                    const char *file, int line);

/* printf into a malloc'd string. */
char *gen_format(const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#endif
