/*
 * Output files written only when their content changes, so that a build
 * that regenerates identical code recompiles nothing.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGRATOR_GEN_OUTPUT_FILE_H
#define MIGRATOR_GEN_OUTPUT_FILE_H

#include <stdio.h>

typedef struct gen_output {
    char *path;      /* the final path */
    char *temp_path; /* where the content is written first */
    FILE *stream;    /* open on temp_path between open and commit */
} gen_output;

/* Opens a temporary file beside path. Returns 0, or -1 after reporting. */
int gen_output_open(gen_output *output, const char *path);

/* Closes the temporary file and, if its content differs from path's (or
 * path does not exist), renames it over path; else removes it. Returns 0, or
 * -1 after reporting. Frees the output's memory in both cases. */
int gen_output_commit(gen_output *output);

/* Removes the temporary file and frees the output's memory. */
void gen_output_abandon(gen_output *output);

/* Reads a whole file into a malloc'd buffer (NUL-terminated). Returns 0, or
 * -1 with errno set. */
int gen_read_file(const char *path, char **data, size_t *size);

#endif
