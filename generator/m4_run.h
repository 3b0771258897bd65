/*
 * Running GNU m4 on a template: `m4 -P -E -D NAME=VALUE ... TEMPLATE`.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGRATOR_GEN_M4_RUN_H
#define MIGRATOR_GEN_M4_RUN_H

#include <stddef.h>
#include <stdio.h>

typedef struct gen_m4_define {
    const char *name;
    const char *value; /* passed quoted, so must not hold m4's quotes ` and ' */
} gen_m4_define;

/* The m4 program: the --m4 option if given, else $M4, else "m4". */
const char *gen_m4_program(const char *option);

/* Expands template (an absolute path when work_dir is set) with the defines,
 * running m4 in work_dir (NULL: the current directory) so that the template
 * can include files from there with m4_undivert, which copies them without
 * rescanning. Writes m4's output to out. Returns 0, or -1 after reporting. */
int gen_m4_expand(const char *m4, const char *template_path, const char *work_dir,
                  const gen_m4_define *defines, size_t define_count, FILE *out);

#endif
