/*
 * libFuzzer target: the migration file parser that migrator-gen and the
 * runtime share (runtime/migration_file.c on top of sql_lexer.c,
 * sql_split.c and checksum.c).
 *
 * Input: the first byte picks the dialect (byte % 3: any, SQLite,
 * PostgreSQL) and, for a successful parse, which equivalent spelling of the
 * file is parsed again ((byte / 3) % 3); the rest is the file's contents.
 *
 * Besides the sanitizers, it aborts when an invariant does not hold:
 *  - the lexer, on the raw bytes and on the normalised text: tokens are
 *    contiguous, cover the text, have the right line and column, their kind
 *    matches their bytes, and an error is sticky;
 *  - the parse agrees with a reference normalisation written here (BOM
 *    dropped, CRLF and CR as LF, NUL and ill-formed UTF-8 rejected at the
 *    right line and column, by the table of the Unicode standard);
 *  - after a successful parse: the directives are exactly those of the
 *    text (sections, flags, lines); each statement is a non-empty span of
 *    the normalised text, in order, inside its section, starting and ending
 *    on a token that is not blank, at the right line and column, holding no
 *    directive, and lexes and splits on its own into the same tokens and
 *    one statement; every other non-blank token of a section is a `;`;
 *  - the checksum is 64 lowercase hex digits, recomputing it gives the same
 *    digest, and so does parsing the same file with a BOM, with CRLF or CR
 *    line endings, or its normalised text again;
 *  - a failure leaves nothing to free and says where (line within the text).
 * Everything is freed, so LeakSanitizer finds what the parser leaks.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checksum.h"
#include "migration_file.h"
#include "sql_lexer.h"
#include "sql_split.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(condition)                                                                           \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            fprintf(stderr, "fuzz_migration_file: invariant failed at %s:%d: %s\n", __FILE__,      \
                    __LINE__, #condition);                                                         \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static const migrator_dialect dialects[3] = {MIGRATOR_DIALECT_ANY, MIGRATOR_DIALECT_SQLITE,
                                             MIGRATOR_DIALECT_POSTGRES};

static void *xmalloc(size_t size)
{
    void *memory = malloc(size ? size : 1);
    if (!memory)
        abort();
    return memory;
}

static int is_space_byte(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* A byte of a keyword, identifier or number (or of a multibyte character). */
static int is_word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '$' || c >= 0x80;
}

/* ---- the reference normalisation ------------------------------------------------------------ */

/* Length of the well-formed UTF-8 sequence at s (n bytes left), or 0: table 3-7
 * of the Unicode standard ("well-formed UTF-8 byte sequences"). */
static size_t reference_utf8_length(const unsigned char *s, size_t n)
{
    unsigned char lo = 0x80, hi = 0xbf;
    size_t length, i;

    if (s[0] <= 0x7f)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        length = 2;
    else if (s[0] == 0xe0)
        length = 3, lo = 0xa0;
    else if ((s[0] >= 0xe1 && s[0] <= 0xec) || s[0] == 0xee || s[0] == 0xef)
        length = 3;
    else if (s[0] == 0xed)
        length = 3, hi = 0x9f;
    else if (s[0] == 0xf0)
        length = 4, lo = 0x90;
    else if (s[0] >= 0xf1 && s[0] <= 0xf3)
        length = 4;
    else if (s[0] == 0xf4)
        length = 4, hi = 0x8f;
    else
        return 0;
    if (n < length || s[1] < lo || s[1] > hi)
        return 0;
    for (i = 2; i < length; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return length;
}

typedef struct reference {
    char *text; /* the normalised text so far (all of it when valid) */
    size_t length;
    int valid;                 /* no NUL, well-formed UTF-8 */
    unsigned int bad_line;     /* where the first bad byte is, when not valid */
    unsigned int bad_column;   /* (line and column of the normalised text) */
    int bad_is_nul;            /* the first bad byte is a NUL */
    unsigned int lines;        /* line count of the normalised text (so far) */
} reference;

static void reference_normalise(reference *r, const unsigned char *bytes, size_t size)
{
    size_t i = 0, line_start = 0;

    memset(r, 0, sizeof(*r));
    r->valid = 1;
    r->lines = 1;
    if (size >= 3 && bytes[0] == 0xef && bytes[1] == 0xbb && bytes[2] == 0xbf)
        i = 3;
    r->text = xmalloc(size + 1);
    while (i < size) {
        size_t length;
        if (bytes[i] == '\r' || bytes[i] == '\n') {
            r->text[r->length++] = '\n';
            i += (bytes[i] == '\r' && i + 1 < size && bytes[i + 1] == '\n') ? 2 : 1;
            r->lines++;
            line_start = r->length;
            continue;
        }
        length = bytes[i] == 0 ? 0 : reference_utf8_length(bytes + i, size - i);
        if (length == 0) {
            r->valid = 0;
            r->bad_is_nul = bytes[i] == 0;
            r->bad_line = r->lines;
            r->bad_column = (unsigned int)(r->length - line_start) + 1;
            break;
        }
        memcpy(r->text + r->length, bytes + i, length);
        r->length += length;
        i += length;
    }
    r->text[r->length] = '\0';
}

/* ---- the lexer --------------------------------------------------------------------------------- */

typedef struct token_list {
    migrator__token *tokens; /* without the final EOF or ERROR */
    size_t count;
    int error;           /* ended with MIGRATOR__TOK_ERROR */
    unsigned char *starts; /* starts[i]: a token starts at byte i (length + 1 entries) */
} token_list;

/* Lexes text[0..length) checking every token against the bytes it covers;
 * fills *list (free with token_list_free). */
static void lex_and_check(token_list *list, const char *text, size_t length,
                          migrator_dialect dialect, unsigned int first_line)
{
    migrator__lexer lexer;
    migrator__token token;
    size_t pos = 0, line_start = 0, capacity = 16;
    unsigned int line = first_line;

    memset(list, 0, sizeof(*list));
    list->tokens = xmalloc(capacity * sizeof(*list->tokens));
    list->starts = xmalloc(length + 1);
    memset(list->starts, 0, length + 1);
    migrator__lexer_init(&lexer, text, length, dialect, first_line);
    for (;;) {
        migrator__token_kind kind = migrator__lexer_next(&lexer, &token);
        size_t i, n = token.end - token.start;
        const unsigned char *t = (const unsigned char *)text + token.start;

        CHECK(token.kind == kind);
        CHECK(token.start == pos);
        CHECK(token.end >= token.start && token.end <= length);
        CHECK(token.line == line);
        CHECK(token.column == (unsigned int)(pos - line_start) + 1);
        if (kind == MIGRATOR__TOK_EOF) {
            CHECK(pos == length && n == 0);
            /* EOF is sticky. */
            CHECK(migrator__lexer_next(&lexer, &token) == MIGRATOR__TOK_EOF);
            CHECK(token.start == length && token.end == length);
            break;
        }
        CHECK(n > 0);
        switch (kind) {
        case MIGRATOR__TOK_SPACE:
            for (i = 0; i < n; i++)
                CHECK(is_space_byte(t[i]));
            CHECK(token.end == length || !is_space_byte((unsigned char)text[token.end]));
            break;
        case MIGRATOR__TOK_LINE_COMMENT:
            CHECK(n >= 2 && t[0] == '-' && t[1] == '-');
            CHECK(memchr(t, '\n', n) == NULL);
            CHECK(token.end == length || text[token.end] == '\n');
            break;
        case MIGRATOR__TOK_BLOCK_COMMENT:
            CHECK(n >= 4 && t[0] == '/' && t[1] == '*' && t[n - 2] == '*' && t[n - 1] == '/');
            break;
        case MIGRATOR__TOK_STRING:
            CHECK(n >= 2 && t[n - 1] == '\'');
            CHECK(t[0] == '\'' || (dialect != MIGRATOR_DIALECT_SQLITE && n >= 3 &&
                                   (t[0] == 'E' || t[0] == 'e') && t[1] == '\''));
            break;
        case MIGRATOR__TOK_QUOTED_IDENT:
            CHECK(n >= 2);
            CHECK((t[0] == '"' && t[n - 1] == '"') ||
                  (dialect != MIGRATOR_DIALECT_POSTGRES &&
                   ((t[0] == '`' && t[n - 1] == '`') || (t[0] == '[' && t[n - 1] == ']'))));
            break;
        case MIGRATOR__TOK_DOLLAR_QUOTED:
            CHECK(dialect != MIGRATOR_DIALECT_SQLITE);
            CHECK(n >= 4 && t[0] == '$' && t[n - 1] == '$');
            break;
        case MIGRATOR__TOK_WORD:
            CHECK(t[0] != '$');
            for (i = 0; i < n; i++)
                CHECK(is_word_byte(t[i]));
            CHECK(token.end == length || !is_word_byte((unsigned char)text[token.end]));
            break;
        case MIGRATOR__TOK_SEMICOLON:
            CHECK(n == 1 && t[0] == ';');
            break;
        case MIGRATOR__TOK_LPAREN:
            CHECK(n == 1 && t[0] == '(');
            break;
        case MIGRATOR__TOK_RPAREN:
            CHECK(n == 1 && t[0] == ')');
            break;
        case MIGRATOR__TOK_OTHER:
            CHECK(n == 1 && !is_space_byte(t[0]) && t[0] != ';' && t[0] != '(' && t[0] != ')' &&
                  t[0] != '\'' && t[0] != '"');
            break;
        case MIGRATOR__TOK_ERROR:
            CHECK(lexer.error != NULL && lexer.error[0] != '\0');
            CHECK(token.end == length);
            break;
        case MIGRATOR__TOK_EOF:
            break;
        }
        list->starts[token.start] = 1;
        if (kind == MIGRATOR__TOK_ERROR) {
            /* ERROR is sticky. */
            migrator__token again;
            CHECK(migrator__lexer_next(&lexer, &again) == MIGRATOR__TOK_ERROR);
            list->error = 1;
            break;
        }
        if (list->count == capacity) {
            migrator__token *grown;
            capacity *= 2;
            grown = realloc(list->tokens, capacity * sizeof(*list->tokens));
            if (!grown)
                abort();
            list->tokens = grown;
        }
        list->tokens[list->count++] = token;
        for (i = token.start; i < token.end; i++)
            if (text[i] == '\n') {
                line++;
                line_start = i + 1;
            }
        pos = token.end;
    }
    list->starts[length] = 1;
}

static void token_list_free(token_list *list)
{
    free(list->tokens);
    free(list->starts);
}

/* Feeds every token to a splitter, checking what it returns. */
static void split_and_check(const token_list *list, const char *text, size_t length,
                            migrator_dialect dialect)
{
    migrator__lexer lexer; /* the splitter reads lexer->text only */
    migrator__splitter splitter;
    migrator__statement_span span;
    size_t i, previous_end = 0;
    int result;

    migrator__lexer_init(&lexer, text, length, dialect, 1);
    migrator__splitter_init(&splitter);
    for (i = 0; i < list->count; i++) {
        if (migrator__splitter_feed(&splitter, &lexer, &list->tokens[i], &span)) {
            CHECK(list->tokens[i].kind == MIGRATOR__TOK_SEMICOLON);
            CHECK(span.start < span.end && span.end <= list->tokens[i].start);
            CHECK(span.start >= previous_end);
            CHECK(list->starts[span.start] && list->starts[span.end]);
            previous_end = span.end;
        }
    }
    result = migrator__splitter_finish(&splitter, &span);
    CHECK(result >= -1 && result <= 1);
    if (result == 1) {
        CHECK(span.start < span.end && span.end <= length && span.start >= previous_end);
        CHECK(list->starts[span.start] && list->starts[span.end]);
    } else if (result == -1) {
        CHECK(splitter.error != NULL && splitter.error[0] != '\0');
        CHECK(splitter.error_line >= 1 && splitter.error_column >= 1);
    }
}

/* ---- a successful parse ------------------------------------------------------------------------ */

static int is_directive_comment(const char *text, const migrator__token *token)
{
    static const char prefix[] = "migrate:";
    size_t at = token->start + 2, i;

    if (token->kind != MIGRATOR__TOK_LINE_COMMENT)
        return 0;
    while (at < token->end &&
           (text[at] == ' ' || text[at] == '\t' || text[at] == '\f' || text[at] == '\v'))
        at++;
    if (token->end - at < sizeof(prefix) - 1)
        return 0;
    for (i = 0; i < sizeof(prefix) - 1; i++) {
        char c = text[at + i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != prefix[i])
            return 0;
    }
    return 1;
}

/* The directive's word, trimmed, compared with word. */
static int directive_is(const char *text, const migrator__token *token, const char *word)
{
    const char *colon = memchr(text + token->start, ':', token->end - token->start);
    size_t at = (size_t)(colon - text) + 1, end = token->end, length = strlen(word);
    while (end > at && (text[end - 1] == ' ' || text[end - 1] == '\t' || text[end - 1] == '\f' ||
                        text[end - 1] == '\v'))
        end--;
    return end - at == length && memcmp(text + at, word, length) == 0;
}

/* Line and column of byte offset in text, with lines[] the offsets where lines start. */
static void position_of(const size_t *line_starts, size_t line_count, size_t offset,
                        unsigned int *line, unsigned int *column)
{
    size_t lo = 0, hi = line_count; /* the last line start <= offset */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (line_starts[mid] <= offset)
            lo = mid;
        else
            hi = mid;
    }
    *line = (unsigned int)lo + 1;
    *column = (unsigned int)(offset - line_starts[lo]) + 1;
}

/* The statement text[span) lexes and splits on its own into the same tokens
 * and exactly one statement: what the checksum and the runtime rely on. */
static void check_statement_alone(const char *text, const migrator__statement_span *span,
                                  const token_list *whole, migrator_dialect dialect)
{
    token_list alone;
    migrator__lexer lexer;
    migrator__splitter splitter;
    migrator__statement_span again;
    size_t length = span->end - span->start, i;

    lex_and_check(&alone, text + span->start, length, dialect, span->line);
    CHECK(!alone.error);
    CHECK(alone.count > 0);
    CHECK(!migrator__token_is_blank(&alone.tokens[0]));
    CHECK(!migrator__token_is_blank(&alone.tokens[alone.count - 1]));
    CHECK(alone.tokens[alone.count - 1].end == length);
    for (i = 0; i <= length; i++)
        CHECK(alone.starts[i] == whole->starts[span->start + i]);
    migrator__lexer_init(&lexer, text + span->start, length, dialect, span->line);
    migrator__splitter_init(&splitter);
    for (i = 0; i < alone.count; i++) {
        CHECK(!is_directive_comment(text + span->start, &alone.tokens[i]));
        CHECK(migrator__splitter_feed(&splitter, &lexer, &alone.tokens[i], &again) == 0);
    }
    CHECK(migrator__splitter_finish(&splitter, &again) == 1);
    CHECK(again.start == 0 && again.end == length && again.line == span->line);
    token_list_free(&alone);
}

static void check_section(const migrator__migration_text *m, const migrator__section_spans *s,
                          const token_list *tokens, size_t begin, size_t end,
                          const size_t *line_starts, size_t line_count, migrator_dialect dialect)
{
    size_t i, t = 0, previous_end = begin;

    CHECK(s->count <= s->capacity);
    CHECK(s->count == 0 || s->statements != NULL);
    for (i = 0; i < s->count; i++) {
        const migrator__statement_span *span = &s->statements[i];
        unsigned int line, column;

        CHECK(span->start < span->end && span->end <= m->length);
        CHECK(span->start >= previous_end && span->end <= end);
        CHECK(i == 0 || span->start > previous_end);
        CHECK(!is_space_byte((unsigned char)m->text[span->start]));
        CHECK(!is_space_byte((unsigned char)m->text[span->end - 1]));
        position_of(line_starts, line_count, span->start, &line, &column);
        CHECK(span->line == line && span->column == column);
        CHECK(span->line > s->line);
        check_statement_alone(m->text, span, tokens, dialect);
        previous_end = span->end;
    }
    /* Every non-blank token of the section is in a statement, or is a `;`. */
    for (i = 0; i < tokens->count; i++) {
        const migrator__token *token = &tokens->tokens[i];
        if (token->start < begin || token->start >= end || migrator__token_is_blank(token))
            continue;
        while (t < s->count && s->statements[t].end <= token->start)
            t++;
        if (t < s->count && s->statements[t].start <= token->start)
            CHECK(token->end <= s->statements[t].end);
        else
            CHECK(token->kind == MIGRATOR__TOK_SEMICOLON);
    }
}

static void check_same(const migrator__migration_text *a, const migrator__migration_text *b)
{
    CHECK(a->length == b->length && memcmp(a->text, b->text, a->length + 1) == 0);
    CHECK(a->flags == b->flags);
    CHECK(a->up.line == b->up.line && a->down.line == b->down.line);
    CHECK(a->up.count == b->up.count && a->down.count == b->down.count);
    CHECK(a->up.count == 0 ||
          memcmp(a->up.statements, b->up.statements, a->up.count * sizeof(*a->up.statements)) == 0);
    CHECK(a->down.count == 0 || memcmp(a->down.statements, b->down.statements,
                                       a->down.count * sizeof(*a->down.statements)) == 0);
    CHECK(memcmp(a->checksum, b->checksum, sizeof(a->checksum)) == 0);
}

static void recompute_checksum(const migrator__migration_text *m, migrator_dialect dialect,
                               char hex[65])
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
    migrator__checksum_final(&checksum, hex);
}

/* The same file spelled differently (a BOM first; then the normalised text
 * as it is, with CRLF or with CR line endings) parses to the same result. */
static void check_respelling(const migrator__migration_text *m, migrator_dialect dialect,
                             unsigned int variant)
{
    char *bytes = xmalloc(3 + 2 * m->length);
    size_t used = 0, i;
    migrator__migration_text again;
    migrator__diag diag;

    memcpy(bytes, "\xef\xbb\xbf", 3);
    used = 3;
    for (i = 0; i < m->length; i++) {
        if (m->text[i] == '\n' && variant == 1) {
            bytes[used++] = '\r';
            bytes[used++] = '\n';
        } else if (m->text[i] == '\n' && variant == 2) {
            bytes[used++] = '\r';
        } else {
            bytes[used++] = m->text[i];
        }
    }
    CHECK(migrator__migration_text_parse(&again, bytes, used, dialect, &diag) == 0);
    check_same(m, &again);
    migrator__migration_text_free(&again);
    free(bytes);
}

static void check_parsed(const migrator__migration_text *m, const reference *ref,
                         migrator_dialect dialect, unsigned int variant)
{
    token_list tokens;
    size_t *line_starts, line_count = 0, i, j, up_at = 0, down_start = 0, down_at = 0;
    size_t up_directives = 0, down_directives = 0, ddl_directives = 0, lock_directives = 0;
    unsigned int up_line = 0, down_line = 0, expected_flags = 0;
    char hex[65];

    /* The text is the reference normalisation. */
    CHECK(ref->valid);
    CHECK(m->text != NULL && m->length == ref->length);
    CHECK(memcmp(m->text, ref->text, m->length + 1) == 0);
    CHECK(m->flags == (m->flags & (MIGRATOR_DISABLE_DDL_TRANSACTION |
                                   MIGRATOR_DISABLE_MIGRATION_LOCK | MIGRATOR_HAS_DOWN)));

    line_starts = xmalloc((ref->lines + 1) * sizeof(*line_starts));
    line_starts[line_count++] = 0;
    for (i = 0; i < m->length; i++)
        if (m->text[i] == '\n')
            line_starts[line_count++] = i + 1;
    CHECK(line_count == ref->lines);

    /* The directives, found here: the sections and flags. */
    lex_and_check(&tokens, m->text, m->length, dialect, 1);
    CHECK(!tokens.error);
    for (i = 0; i < tokens.count; i++) {
        const migrator__token *token = &tokens.tokens[i];
        if (!is_directive_comment(m->text, token)) {
            if (!up_directives)
                CHECK(migrator__token_is_blank(token)); /* only comments before up */
            continue;
        }
        if (directive_is(m->text, token, "up")) {
            up_directives++;
            up_line = token->line;
            up_at = token->end;
        } else if (directive_is(m->text, token, "down")) {
            CHECK(up_directives == 1);
            down_directives++;
            down_line = token->line;
            down_start = token->start;
            down_at = token->end;
            expected_flags |= MIGRATOR_HAS_DOWN;
        } else if (directive_is(m->text, token, "disable_ddl_transaction")) {
            CHECK(!up_directives);
            ddl_directives++;
            expected_flags |= MIGRATOR_DISABLE_DDL_TRANSACTION;
        } else if (directive_is(m->text, token, "disable_migration_lock")) {
            CHECK(!up_directives);
            lock_directives++;
            expected_flags |= MIGRATOR_DISABLE_MIGRATION_LOCK;
        } else {
            CHECK(!"an unknown directive was accepted");
        }
        /* A directive is on a line of its own. */
        CHECK(token->start == line_starts[token->line - 1] + token->column - 1);
        for (j = line_starts[token->line - 1]; j < token->start; j++)
            CHECK(m->text[j] == ' ' || m->text[j] == '\t' || m->text[j] == '\f' ||
                  m->text[j] == '\v');
    }
    CHECK(up_directives == 1 && down_directives <= 1 && ddl_directives <= 1 &&
          lock_directives <= 1);
    CHECK(m->flags == expected_flags);
    CHECK(m->up.line == up_line && up_line >= 1 && up_line <= line_count);
    CHECK(m->down.line == down_line && down_line <= line_count);
    if (!(m->flags & MIGRATOR_HAS_DOWN))
        CHECK(m->down.count == 0 && m->down.line == 0);

    check_section(m, &m->up, &tokens, up_at, down_directives ? down_start : m->length + 1,
                  line_starts, line_count, dialect);
    if (down_directives) {
        /* the up section ends before the down directive's line */
        CHECK(m->up.count == 0 ||
              m->up.statements[m->up.count - 1].end <= line_starts[down_line - 1]);
        check_section(m, &m->down, &tokens, down_at, m->length + 1, line_starts, line_count,
                      dialect);
    }

    /* The checksum: well formed and deterministic. */
    CHECK(strlen(m->checksum) == 64);
    for (i = 0; i < 64; i++)
        CHECK((m->checksum[i] >= '0' && m->checksum[i] <= '9') ||
              (m->checksum[i] >= 'a' && m->checksum[i] <= 'f'));
    recompute_checksum(m, dialect, hex);
    CHECK(memcmp(hex, m->checksum, sizeof(hex)) == 0);
    recompute_checksum(m, dialect, hex);
    CHECK(memcmp(hex, m->checksum, sizeof(hex)) == 0);

    check_respelling(m, dialect, variant);

    token_list_free(&tokens);
    free(line_starts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    migrator_dialect dialect;
    unsigned int variant;
    migrator__migration_text m;
    migrator__diag diag;
    reference ref;
    token_list raw;
    int result;

    if (size < 1)
        return 0;
    dialect = dialects[data[0] % 3];
    variant = (unsigned int)(data[0] / 3) % 3;
    data++, size--;

    /* The lexer and the splitter take any bytes, NULs and CRs included. */
    lex_and_check(&raw, (const char *)data, size, dialect, 1);
    split_and_check(&raw, (const char *)data, size, dialect);
    token_list_free(&raw);

    reference_normalise(&ref, data, size);
    memset(&m, 0x5a, sizeof(m));
    memset(&diag, 0x5a, sizeof(diag));
    result = migrator__migration_text_parse(&m, (const char *)data, size, dialect, &diag);
    if (result == 0) {
        check_parsed(&m, &ref, dialect, variant);
        migrator__migration_text_free(&m);
        CHECK(m.text == NULL && m.up.statements == NULL && m.down.statements == NULL);
    } else {
        int encoding;
        CHECK(result == MIGRATOR__PARSE_INVALID); /* no allocation fails here */
        /* Nothing to free after a failure. */
        CHECK(m.text == NULL && m.up.statements == NULL && m.down.statements == NULL);
        CHECK(m.up.count == 0 && m.down.count == 0);
        CHECK(memchr(diag.message, '\0', sizeof(diag.message)) != NULL);
        CHECK(diag.message[0] != '\0');
        encoding = strncmp(diag.message, "NUL byte", 8) == 0 ||
                   strncmp(diag.message, "invalid UTF-8", 13) == 0;
        if (!ref.valid) {
            /* The first bad byte is reported, where the reference found it. */
            CHECK(encoding);
            CHECK((strncmp(diag.message, "NUL byte", 8) == 0) == ref.bad_is_nul);
            CHECK(diag.line == ref.bad_line && diag.column == ref.bad_column);
        } else {
            CHECK(!encoding);
            CHECK(diag.line <= ref.lines);
            if (diag.line >= 1) {
                /* the column is within the line (or just after it) */
                size_t line = 1, i, start = 0, end;
                for (i = 0; i < ref.length && line < diag.line; i++)
                    if (ref.text[i] == '\n')
                        line++, start = i + 1;
                end = start;
                while (end < ref.length && ref.text[end] != '\n')
                    end++;
                CHECK(diag.column <= end - start + 1);
            }
        }
    }
    free(ref.text);
    return 0;
}
