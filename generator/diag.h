/*
 * Diagnostics of migrator-gen in GNU form: "migrator-gen: FILE:LINE: message".
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGRATOR_GEN_DIAG_H
#define MIGRATOR_GEN_DIAG_H

/* Exit statuses of migrator-gen. */
#define GEN_EXIT_OK 0
#define GEN_EXIT_INVALID 1 /* invalid migrations, or a file could not be written */
#define GEN_EXIT_USAGE 2   /* bad command line */

#if defined(__GNUC__)
#define GEN_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define GEN_PRINTF(f, a)
#endif

/* An error about file at line (0: the whole file; file NULL: no file). */
void gen_error(const char *file, unsigned int line, const char *format, ...) GEN_PRINTF(3, 4);
/* The same as a warning: "migrator-gen: FILE:LINE: warning: message". */
void gen_warning(const char *file, unsigned int line, const char *format, ...) GEN_PRINTF(3, 4);

/* Errors and warnings reported so far. */
unsigned int gen_error_count(void);

#endif
