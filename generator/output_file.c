/*
 * Output files written only when their content changes: see output_file.h.
 *
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include "output_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"

int gen_read_file(const char *path, char **data, size_t *size)
{
    FILE *file = fopen(path, "rb");
    char *buffer = NULL;
    size_t used = 0, capacity = 0;
    int saved;

    if (!file)
        return -1;
    for (;;) {
        size_t got;
        if (capacity - used < 65536) {
            char *grown;
            capacity = capacity ? capacity * 2 : 131072;
            if (!(grown = realloc(buffer, capacity + 1))) {
                errno = ENOMEM;
                goto fail;
            }
            buffer = grown;
        }
        got = fread(buffer + used, 1, capacity - used, file);
        used += got;
        if (got == 0) {
            if (ferror(file))
                goto fail;
            break;
        }
    }
    fclose(file);
    buffer[used] = '\0';
    *data = buffer;
    *size = used;
    return 0;
fail:
    saved = errno ? errno : EIO;
    free(buffer);
    fclose(file);
    errno = saved;
    return -1;
}

int gen_output_open(gen_output *output, const char *path)
{
    size_t length = strlen(path);
    memset(output, 0, sizeof(*output));
    output->path = malloc(length + 1);
    output->temp_path = malloc(length + 32);
    if (!output->path || !output->temp_path) {
        gen_error(path, 0, "out of memory");
        gen_output_abandon(output);
        return -1;
    }
    memcpy(output->path, path, length + 1);
    snprintf(output->temp_path, length + 32, "%s.tmp%ld", path, (long)getpid());
    output->stream = fopen(output->temp_path, "wb");
    if (!output->stream) {
        gen_error(output->temp_path, 0, "cannot write: %s", strerror(errno));
        gen_output_abandon(output);
        return -1;
    }
    return 0;
}

static int same_content(const char *a, const char *b)
{
    char *data_a = NULL, *data_b = NULL;
    size_t size_a = 0, size_b = 0;
    int same = gen_read_file(a, &data_a, &size_a) == 0 && gen_read_file(b, &data_b, &size_b) == 0 &&
               size_a == size_b && memcmp(data_a, data_b, size_a) == 0;
    free(data_a);
    free(data_b);
    return same;
}

static void release(gen_output *output)
{
    free(output->path);
    free(output->temp_path);
    memset(output, 0, sizeof(*output));
}

int gen_output_commit(gen_output *output)
{
    int failed = ferror(output->stream);
    int result = 0;

    if (fclose(output->stream) != 0 || failed) {
        gen_error(output->temp_path, 0, "cannot write: %s", strerror(errno ? errno : EIO));
        remove(output->temp_path);
        result = -1;
    } else if (same_content(output->temp_path, output->path)) {
        remove(output->temp_path);
    } else if (rename(output->temp_path, output->path) != 0) {
        gen_error(output->path, 0, "cannot write: %s", strerror(errno));
        remove(output->temp_path);
        result = -1;
    }
    output->stream = NULL;
    release(output);
    return result;
}

void gen_output_abandon(gen_output *output)
{
    if (output->stream) {
        fclose(output->stream);
        remove(output->temp_path);
    }
    release(output);
}
