/*
 * Migration file contents: see migration_file.h and docs/file-format.md.
 *
 * SPDX-License-Identifier: MIT
 */
#include "migration_file.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checksum.h"

enum parse_state { IN_HEADER, IN_UP, IN_DOWN };

typedef struct parser {
    migrator__migration_text *out;
    migrator__diag *diag;
    migrator__lexer lexer;
    migrator__splitter splitter;
    enum parse_state state;
    migrator__section_spans *section; /* NULL in the header */
    unsigned int ddl_line, lock_line; /* where header directives were */
} parser;

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int
set_diag(migrator__diag *diag, unsigned int line, unsigned int column, const char *format, ...)
{
    va_list args;
    diag->line = line;
    diag->column = column;
    va_start(args, format);
    vsnprintf(diag->message, sizeof(diag->message), format, args);
    va_end(args);
    return MIGRATOR__PARSE_INVALID;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_sequence_length(const unsigned char *s, size_t n)
{
    size_t length, i;
    unsigned int code;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        length = 2, code = s[0] & 0x1fu;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        length = 3, code = s[0] & 0x0fu;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        length = 4, code = s[0] & 0x07u;
    else
        return 0;
    if (n < length)
        return 0;
    for (i = 1; i < length; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        code = code << 6 | (s[i] & 0x3fu);
    }
    if ((length == 3 && code < 0x800) || (length == 4 && (code < 0x10000 || code > 0x10ffff)) ||
        (code >= 0xd800 && code <= 0xdfff))
        return 0;
    return length;
}

/* Copies data into out->text without a BOM and with LF line endings,
 * rejecting NUL bytes and invalid UTF-8. */
static int normalise(migrator__migration_text *out, const char *data, size_t size,
                     migrator__diag *diag)
{
    const unsigned char *bytes = (const unsigned char *)data;
    size_t i = 0, used = 0, line_start = 0;
    unsigned int line = 1;
    char *text;

    if (size >= 3 && bytes[0] == 0xef && bytes[1] == 0xbb && bytes[2] == 0xbf)
        i = 3;
    text = malloc(size - i + 1);
    if (!text)
        return MIGRATOR__PARSE_NO_MEMORY;
    while (i < size) {
        size_t length;
        if (bytes[i] == '\r') {
            text[used++] = '\n';
            i += (i + 1 < size && bytes[i + 1] == '\n') ? 2 : 1;
            line++;
            line_start = used;
            continue;
        }
        if (bytes[i] == '\0') {
            free(text);
            return set_diag(diag, line, (unsigned int)(used - line_start) + 1,
                            "NUL byte in a migration file");
        }
        length = utf8_sequence_length(bytes + i, size - i);
        if (length == 0) {
            free(text);
            return set_diag(diag, line, (unsigned int)(used - line_start) + 1,
                            "invalid UTF-8 (byte 0x%02x): migration files must be UTF-8", bytes[i]);
        }
        if (bytes[i] == '\n') {
            line++;
            line_start = used + 1;
        }
        memcpy(text + used, bytes + i, length);
        used += length;
        i += length;
    }
    text[used] = '\0';
    out->text = text;
    out->length = used;
    return 0;
}

static int append_statement(migrator__section_spans *section, const migrator__statement_span *span)
{
    if (section->count == section->capacity) {
        size_t capacity = section->capacity ? section->capacity * 2 : 8;
        migrator__statement_span *grown =
            realloc(section->statements, capacity * sizeof(*section->statements));
        if (!grown)
            return MIGRATOR__PARSE_NO_MEMORY;
        section->statements = grown;
        section->capacity = capacity;
    }
    section->statements[section->count++] = *span;
    return 0;
}

/* Ends the current section: its last statement may lack a `;`. */
static int close_section(parser *p)
{
    migrator__statement_span span;
    int result;
    if (!p->section)
        return 0;
    result = migrator__splitter_finish(&p->splitter, &span);
    if (result < 0)
        return set_diag(p->diag, p->splitter.error_line, p->splitter.error_column, "%s",
                        p->splitter.error);
    return result ? append_statement(p->section, &span) : 0;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\f' || c == '\v';
}

/* If the line comment is a `-- migrate:` directive, returns its word and
 * length; else NULL. Leading spaces and the case of "migrate:" do not
 * matter, so that a mistyped directive is an error and never a comment. */
static const char *directive_word(const parser *p, const migrator__token *token, size_t *length)
{
    static const char prefix[] = "migrate:";
    const char *text = p->out->text;
    size_t at = token->start + 2, end = token->end, i;

    while (at < end && is_space(text[at]))
        at++;
    if (end - at < sizeof(prefix) - 1)
        return NULL;
    for (i = 0; i < sizeof(prefix) - 1; i++) {
        char c = text[at + i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != prefix[i])
            return NULL;
    }
    at += sizeof(prefix) - 1;
    while (end > at && is_space(text[end - 1]))
        end--;
    *length = end - at;
    return text + at;
}

static int word_is(const char *word, size_t length, const char *expected)
{
    return strlen(expected) == length && memcmp(word, expected, length) == 0;
}

static int open_section(parser *p, const migrator__token *token, int is_down)
{
    migrator__section_spans *up = &p->out->up, *down = &p->out->down;
    int error;

    if (!is_down && up->line)
        return set_diag(p->diag, token->line, token->column,
                        "second -- migrate:up section (the first is at line %u)", up->line);
    if (is_down && down->line)
        return set_diag(p->diag, token->line, token->column,
                        "second -- migrate:down section (the first is at line %u)", down->line);
    if (is_down && !up->line)
        return set_diag(p->diag, token->line, token->column,
                        "-- migrate:down before -- migrate:up: the up section comes first");
    if ((error = close_section(p)) < 0)
        return error;
    p->section = is_down ? down : up;
    p->section->line = token->line;
    p->state = is_down ? IN_DOWN : IN_UP;
    if (is_down)
        p->out->flags |= MIGRATOR_HAS_DOWN;
    return 0;
}

static int header_directive(parser *p, const migrator__token *token, const char *word,
                            unsigned int flag, unsigned int *seen_line)
{
    if (p->state != IN_HEADER)
        return set_diag(p->diag, token->line, token->column,
                        "-- migrate:%s must come before -- migrate:up (line %u)", word,
                        p->out->up.line);
    if (*seen_line)
        return set_diag(p->diag, token->line, token->column,
                        "-- migrate:%s repeated (first at line %u)", word, *seen_line);
    *seen_line = token->line;
    p->out->flags |= flag;
    return 0;
}

static int handle_directive(parser *p, const migrator__token *token, const char *word,
                            size_t length)
{
    const char *text = p->out->text;
    size_t i;

    for (i = token->start - (token->column - 1); i < token->start; i++)
        if (!is_space(text[i]))
            return set_diag(p->diag, token->line, token->column,
                            "a -- migrate: directive must be on a line of its own");
    if (word_is(word, length, "up"))
        return open_section(p, token, 0);
    if (word_is(word, length, "down"))
        return open_section(p, token, 1);
    if (word_is(word, length, "disable_ddl_transaction"))
        return header_directive(p, token, "disable_ddl_transaction",
                                MIGRATOR_DISABLE_DDL_TRANSACTION, &p->ddl_line);
    if (word_is(word, length, "disable_migration_lock"))
        return header_directive(p, token, "disable_migration_lock", MIGRATOR_DISABLE_MIGRATION_LOCK,
                                &p->lock_line);
    return set_diag(p->diag, token->line, token->column,
                    "unknown directive \"-- migrate:%.*s\" (expected up, down, "
                    "disable_ddl_transaction or disable_migration_lock)",
                    length > 60 ? 60 : (int)length, word);
}

static void compute_checksum(migrator__migration_text *m, migrator_dialect dialect)
{
    migrator__checksum checksum;
    size_t i;

    migrator__checksum_init(&checksum, m->flags, dialect);
    migrator__checksum_section(&checksum, 0);
    for (i = 0; i < m->up.count; i++)
        migrator__checksum_statement(&checksum, m->text + m->up.statements[i].start,
                                     m->up.statements[i].end - m->up.statements[i].start);
    if (m->flags & MIGRATOR_HAS_DOWN) {
        migrator__checksum_section(&checksum, 1);
        for (i = 0; i < m->down.count; i++)
            migrator__checksum_statement(&checksum, m->text + m->down.statements[i].start,
                                         m->down.statements[i].end - m->down.statements[i].start);
    }
    migrator__checksum_final(&checksum, m->checksum);
}

static int parse_tokens(parser *p)
{
    migrator__token token;
    migrator__statement_span span;
    int error;

    for (;;) {
        migrator__token_kind kind = migrator__lexer_next(&p->lexer, &token);
        const char *word;
        size_t length;

        if (kind == MIGRATOR__TOK_EOF)
            break;
        if (kind == MIGRATOR__TOK_ERROR)
            return set_diag(p->diag, token.line, token.column, "%s", p->lexer.error);
        if (kind == MIGRATOR__TOK_LINE_COMMENT && (word = directive_word(p, &token, &length))) {
            if ((error = handle_directive(p, &token, word, length)) < 0)
                return error;
            continue;
        }
        if (p->state == IN_HEADER) {
            if (!migrator__token_is_blank(&token))
                return set_diag(p->diag, token.line, token.column,
                                "SQL before -- migrate:up: only comments may come first");
            continue;
        }
        if (migrator__splitter_feed(&p->splitter, &p->lexer, &token, &span) &&
            (error = append_statement(p->section, &span)) < 0)
            return error;
    }
    if ((error = close_section(p)) < 0)
        return error;
    if (!p->out->up.line)
        return set_diag(p->diag, 1, 0, "no -- migrate:up section");
    return 0;
}

int migrator__migration_text_parse(migrator__migration_text *out, const char *data, size_t size,
                                   migrator_dialect dialect, migrator__diag *diag)
{
    parser p;
    int error;

    memset(out, 0, sizeof(*out));
    memset(diag, 0, sizeof(*diag));
    if ((error = normalise(out, data, size, diag)) < 0)
        return error;

    memset(&p, 0, sizeof(p));
    p.out = out;
    p.diag = diag;
    p.state = IN_HEADER;
    migrator__lexer_init(&p.lexer, out->text, out->length, dialect, 1);
    migrator__splitter_init(&p.splitter);
    if ((error = parse_tokens(&p)) < 0) {
        migrator__migration_text_free(out);
        return error;
    }
    compute_checksum(out, dialect);
    return 0;
}

void migrator__migration_text_free(migrator__migration_text *migration)
{
    if (!migration)
        return;
    free(migration->text);
    free(migration->up.statements);
    free(migration->down.statements);
    memset(migration, 0, sizeof(*migration));
}
