/*
 * The data part of a generated table: see emit_table.h. Each statement's
 * text is cut into pieces of at most MIGRATOR_PIECE_MAX bytes (at a line
 * end where one is near). A migration's pieces are packed, NUL-separated,
 * into char arrays ("blobs") of under 4095 characters, so no literal
 * exceeds what C guarantees and -Wpedantic stays quiet; then one array holds
 * every piece pointer, one every statement and one every migration. Few,
 * large objects compile several times faster than two arrays per
 * migration (docs/benchmarks.md).
 *
 * SPDX-License-Identifier: MIT
 */
#include "emit_table.h"

#include <inttypes.h>
#include <stdlib.h>
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

/* Blobs hold the pieces of one migration, each piece followed by a NUL,
 * and stay under the 4095 characters C guarantees for a literal. */
#define BLOB_MAX 4090

/* Where each piece went: blob number and offset in it. */
typedef struct piece_place {
    size_t blob;
    size_t offset;
} piece_place;

typedef struct emitter {
    FILE *out;
    piece_place *places;
    size_t place_count, place_capacity;
    size_t blob_count; /* blobs opened so far */
    int blob_open;
    size_t blob_used; /* bytes in the open blob */
} emitter;

static void close_blob(emitter *e)
{
    if (e->blob_open)
        fputs(";\n", e->out);
    e->blob_open = 0;
    e->blob_used = 0;
}

/* Opens a new blob unless the open one has room for length more bytes. */
static void make_room(emitter *e, size_t length)
{
    if (e->blob_open && e->blob_used + length + 1 <= BLOB_MAX)
        return;
    close_blob(e);
    fprintf(e->out, "static const char migrator_blob_%zu[] =\n", e->blob_count++);
    e->blob_open = 1;
}

/* Writes one piece into the open blob, one source line per line of SQL,
 * ending with an explicit NUL, and records where it is. */
static int emit_piece(emitter *e, const char *text, size_t length)
{
    size_t start = 0;
    if (e->place_count == e->place_capacity) {
        size_t capacity = e->place_capacity ? e->place_capacity * 2 : 1024;
        piece_place *grown = realloc(e->places, capacity * sizeof(*grown));
        if (!grown)
            return -1;
        e->places = grown;
        e->place_capacity = capacity;
    }
    e->places[e->place_count].blob = e->blob_count - 1;
    e->places[e->place_count++].offset = e->blob_used;
    while (start < length) {
        const char *newline = memchr(text + start, '\n', length - start);
        size_t end = newline ? (size_t)(newline - text) + 1 : length;
        fputs("    \"", e->out);
        gen_emit_c_string(e->out, text + start, end - start);
        fputs(end < length ? "\"\n" : "\\0\"\n", e->out);
        start = end;
    }
    e->blob_used += length + 1;
    return 0;
}

/* Writes a short string (name, file, checksum) into the open blob. */
static piece_place emit_string(emitter *e, const char *text)
{
    piece_place place;
    size_t length = strlen(text);
    place.blob = e->blob_count - 1;
    place.offset = e->blob_used;
    fputs("    \"", e->out);
    gen_emit_c_string(e->out, text, length);
    fputs("\\0\"\n", e->out);
    e->blob_used += length + 1;
    return place;
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

static int emit_section_pieces(emitter *e, const migrator__migration_text *text,
                               const migrator__section_spans *section, const char *label)
{
    size_t i;
    for (i = 0; i < section->count; i++) {
        const migrator__statement_span *span = &section->statements[i];
        const char *sql = text->text + span->start;
        size_t length = span->end - span->start, done = 0;
        while (done < length) {
            size_t piece = piece_length(sql + done, length - done);
            make_room(e, piece);
            if (done == 0)
                fprintf(e->out, "    /* %s %zu, line %u */\n", label, i + 1, span->line);
            if (emit_piece(e, sql + done, piece) != 0)
                return -1;
            done += piece;
        }
    }
    return 0;
}

/* Writes the statements of one section; returns the next piece index. */
static size_t emit_section_statements(FILE *out, const migrator__migration_text *text,
                                      const migrator__section_spans *section, size_t first_piece)
{
    size_t i;
    for (i = 0; i < section->count; i++) {
        const migrator__statement_span *span = &section->statements[i];
        size_t length = span->end - span->start;
        size_t pieces = count_pieces(text->text + span->start, length);
        fprintf(out, "    {migrator_pieces + %zu, %zu, %zu, %u, %u},\n", first_piece, pieces, length,
                span->line, span->column);
        first_piece += pieces;
    }
    return first_piece;
}

static void emit_section_ref(FILE *out, size_t first, const migrator__section_spans *s)
{
    if (s->count == 0)
        fprintf(out, "{NULL, 0, %u}", s->line);
    else
        fprintf(out, "{migrator_statements + %zu, %zu, %u}", first, s->count, s->line);
}

int gen_emit_table_body(FILE *out, const gen_scan *scan)
{
    emitter e;
    piece_place *strings = NULL; /* name, file, checksum of each migration */
    size_t i, piece = 0, statement = 0;
    int result = 0;

    memset(&e, 0, sizeof(e));
    e.out = out;
    if (scan->count > 0 && !(strings = malloc(scan->count * 3 * sizeof(*strings))))
        return -1;
    /* 1. The text: per migration, its name, file and checksum, then its
     * statements' pieces, NUL-separated in blobs. */
    for (i = 0; i < scan->count && result == 0; i++) {
        const gen_migration *m = &scan->items[i];
        fprintf(out, "/* %" PRId64 "_%s */\n", m->version, m->name);
        /* A name is at most 200 bytes from `new`, but any length is valid:
         * very long names and paths get a blob of their own. */
        make_room(&e, strlen(m->name) + 1 + strlen(m->display) + 1 + 64);
        strings[3 * i] = emit_string(&e, m->name);
        strings[3 * i + 1] = emit_string(&e, m->display);
        strings[3 * i + 2] = emit_string(&e, m->text.checksum);
        if (emit_section_pieces(&e, &m->text, &m->text.up, "up") != 0 ||
            emit_section_pieces(&e, &m->text, &m->text.down, "down") != 0)
            result = -1;
        close_blob(&e);
    }
    if (result != 0 || scan->count == 0)
        goto done;

    /* 2. Every piece, 3. every statement, 4. every migration: one array each. */
    if (e.place_count > 0) {
        fputs("\nstatic const char *const migrator_pieces[] = {\n", out);
        for (i = 0; i < e.place_count; i++)
            fprintf(out, "%smigrator_blob_%zu + %zu,%s", i % 4 ? " " : "    ", e.places[i].blob,
                    e.places[i].offset, i % 4 == 3 || i + 1 == e.place_count ? "\n" : "");
        fputs("};\n\nstatic const migrator_statement migrator_statements[] = {\n", out);
        for (i = 0; i < scan->count; i++) {
            const migrator__migration_text *text = &scan->items[i].text;
            piece = emit_section_statements(out, text, &text->up, piece);
            piece = emit_section_statements(out, text, &text->down, piece);
        }
        fputs("};\n", out);
    }
    fputs("\nstatic const migrator_migration migrator_migration_list[] = {\n", out);
    for (i = 0; i < scan->count; i++) {
        const gen_migration *m = &scan->items[i];
        fprintf(out, "    /* %" PRId64 "_%s */\n", m->version, m->name);
        fprintf(out, "    {INT64_C(%" PRId64 "), migrator_blob_%zu + %zu, migrator_blob_%zu + %zu, 0x%xu,\n     ",
                m->version, strings[3 * i].blob, strings[3 * i].offset, strings[3 * i + 1].blob,
                strings[3 * i + 1].offset, m->text.flags);
        emit_section_ref(out, statement, &m->text.up);
        statement += m->text.up.count;
        fputs(",\n     ", out);
        emit_section_ref(out, statement, &m->text.down);
        statement += m->text.down.count;
        fprintf(out, ",\n     migrator_blob_%zu + %zu},\n", strings[3 * i + 2].blob,
                strings[3 * i + 2].offset);
    }
    fputs("};\n", out);
done:
    free(e.places);
    free(strings);
    return result != 0 || ferror(out) ? -1 : 0;
}
