/*
 * Diagnostics of migrator-gen: see diag.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>

static unsigned int errors;

GEN_PRINTF(4, 0)
static void report(const char *file, unsigned int line, const char *kind, const char *format,
                   va_list args)
{
    fputs("migrator-gen: ", stderr);
    if (file && line)
        fprintf(stderr, "%s:%u: ", file, line);
    else if (file)
        fprintf(stderr, "%s: ", file);
    fputs(kind, stderr);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
}

void gen_error(const char *file, unsigned int line, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    report(file, line, "", format, args);
    va_end(args);
    errors++;
}

void gen_warning(const char *file, unsigned int line, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    report(file, line, "warning: ", format, args);
    va_end(args);
}

unsigned int gen_error_count(void)
{
    return errors;
}
