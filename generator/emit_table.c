/*
 * The data part of a generated table: see emit_table.h. Each statement's
 * text is cut into pieces of at most MIGRATOR_PIECE_MAX bytes (at a line
 * end where one is near), each piece a string literal of its own, so no
 * literal exceeds what C guarantees and -Wpedantic stays quiet.
 *
 * SPDX-License-Identifier: MIT
 */
#include "emit_table.h"

#include <inttypes.h>
#include <string.h>

void gen_emit_c_string(FILE *out, const char *text, size_t length)
{
    char buffer[512];
    size_t used = 0, i;
    char previous = 0;

    for (i = 0; i < length; i++) {
        unsigned char c = (unsigned char)text[i];
        if (used > sizeof(buffer) - 8) {
            fwrite(buffer, 1, used, out);
            used = 0;
        }
        if (c == '\\' || c == '"') {
            buffer[used++] = '\\';
            buffer[used++] = (char)c;
        } else if (c == '?' && previous == '?') {
            buffer[used++] = '\\';
            buffer[used++] = '?';
        } else if (c == '\n') {
            buffer[used++] = '\\';
            buffer[used++] = 'n';
        } else if (c == '\t') {
            buffer[used++] = '\\';
            buffer[used++] = 't';
        } else if (c < 0x20 || c >= 0x7f) {
            buffer[used++] = '\\';
            buffer[used++] = (char)('0' + (c >> 6));
            buffer[used++] = (char)('0' + ((c >> 3) & 7));
            buffer[used++] = (char)('0' + (c & 7));
        } else {
            buffer[used++] = (char)c;
        }
        previous = (char)c;
    }
    fwrite(buffer, 1, used, out);
}

/* Length of the next piece of text[0..length): at most MIGRATOR_PIECE_MAX
 * bytes, ending after a newline when there is one in the second half. */
static size_t piece_length(const char *text, size_t length)
{
    size_t cut;
    if (length <= MIGRATOR_PIECE_MAX)
        return length;
    for (cut = MIGRATOR_PIECE_MAX; cut > MIGRATOR_PIECE_MAX / 2; cut--)
        if (text[cut - 1] == '\n')
            return cut;
    return MIGRATOR_PIECE_MAX;
}

/* Writes one piece as a literal, one source line per line of SQL. */
static void emit_piece(FILE *out, const char *text, size_t length)
{
    size_t start = 0;
    while (start < length) {
        const char *newline = memchr(text + start, '\n', length - start);
        size_t end = newline ? (size_t)(newline - text) + 1 : length;
        fputs("    \"", out);
        gen_emit_c_string(out, text + start, end - start);
        fputs(end < length ? "\"\n" : "\",\n", out);
        start = end;
    }
}

static size_t count_pieces(const char *text, size_t length)
{
    size_t pieces = 0, done = 0;
    while (done < length) {
        done += piece_length(text + done, length - done);
        pieces++;
    }
    return pieces;
}

static void emit_section_pieces(FILE *out, const migrator__migration_text *text,
                                const migrator__section_spans *section, const char *label)
{
    size_t i;
    for (i = 0; i < section->count; i++) {
        const migrator__statement_span *span = &section->statements[i];
        const char *sql = text->text + span->start;
        size_t length = span->end - span->start, done = 0;
        fprintf(out, "    /* %s %zu, line %u */\n", label, i + 1, span->line);
        while (done < length) {
            size_t piece = piece_length(sql + done, length - done);
            emit_piece(out, sql + done, piece);
            done += piece;
        }
    }
}

static size_t emit_section_statements(FILE *out, size_t index, const migrator__migration_text *text,
                                      const migrator__section_spans *section, size_t first_piece)
{
    size_t i;
    for (i = 0; i < section->count; i++) {
        const migrator__statement_span *span = &section->statements[i];
        size_t length = span->end - span->start;
        size_t pieces = count_pieces(text->text + span->start, length);
        fprintf(out, "    {migrator_text_%zu + %zu, %zu, %zu, %u, %u},\n", index, first_piece,
                pieces, length, span->line, span->column);
        first_piece += pieces;
    }
    return first_piece;
}

static void emit_migration_data(FILE *out, size_t index, const gen_migration *migration)
{
    const migrator__migration_text *text = &migration->text;

    fprintf(out, "/* %" PRId64 "_%s */\n", migration->version, migration->name);
    if (text->up.count + text->down.count == 0)
        return;
    fprintf(out, "static const char *const migrator_text_%zu[] = {\n", index);
    emit_section_pieces(out, text, &text->up, "up");
    emit_section_pieces(out, text, &text->down, "down");
    fprintf(out, "};\nstatic const migrator_statement migrator_statements_%zu[] = {\n", index);
    emit_section_statements(out, index, text, &text->down,
                            emit_section_statements(out, index, text, &text->up, 0));
    fputs("};\n\n", out);
}

static void emit_section_ref(FILE *out, size_t index, size_t first,
                             const migrator__section_spans *s)
{
    if (s->count == 0)
        fprintf(out, "{NULL, 0, %u}", s->line);
    else
        fprintf(out, "{migrator_statements_%zu + %zu, %zu, %u}", index, first, s->count, s->line);
}

int gen_emit_table_body(FILE *out, const gen_scan *scan)
{
    size_t i;

    for (i = 0; i < scan->count; i++)
        emit_migration_data(out, i, &scan->items[i]);
    if (scan->count == 0)
        return ferror(out) ? -1 : 0;

    fputs("static const migrator_migration migrator_migration_list[] = {\n", out);
    for (i = 0; i < scan->count; i++) {
        const gen_migration *m = &scan->items[i];
        fprintf(out, "    {INT64_C(%" PRId64 "), \"%s\", \"", m->version, m->name);
        gen_emit_c_string(out, m->display, strlen(m->display));
        fprintf(out, "\", 0x%xu,\n     ", m->text.flags);
        emit_section_ref(out, i, 0, &m->text.up);
        fputs(",\n     ", out);
        emit_section_ref(out, i, m->text.up.count, &m->text.down);
        fprintf(out, ",\n     \"%s\"},\n", m->text.checksum);
    }
    fputs("};\n", out);
    return ferror(out) ? -1 : 0;
}
