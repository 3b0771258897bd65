/*
 * Canonical SQL text (sql_canonical.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include "sql_canonical.h"

#include <stdlib.h>
#include <string.h>

#include "sql_lexer.h"

static int is_punct(const char *text, const migrator__token *token, char c)
{
    return token->end - token->start == 1 && text[token->start] == c;
}

/* A quoted identifier whose inside is a plain name ([A-Za-z_][A-Za-z0-9_]*). */
static int is_plain_quoted(const char *text, const migrator__token *token)
{
    size_t i;
    if (token->end - token->start < 3)
        return 0;
    for (i = token->start + 1; i + 1 < token->end; i++) {
        char c = text[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > token->start + 1 && c >= '0' && c <= '9')))
            return 0;
    }
    return 1;
}

char *migrator__sql_canonical(const char *text, size_t length, migrator_dialect dialect,
                              int lower_words)
{
    migrator__lexer lexer;
    migrator__token token, previous = {MIGRATOR__TOK_EOF, 0, 0, 0, 0};
    char *out = malloc(2 * length + 1); /* at most one space after each byte */
    size_t used = 0;
    int have_previous = 0, blank_before = 0;

    if (!out)
        return NULL;
    migrator__lexer_init(&lexer, text, length, dialect, 1);
    for (;;) {
        migrator__token_kind kind = migrator__lexer_next(&lexer, &token);
        size_t i;
        if (kind == MIGRATOR__TOK_EOF)
            break;
        if (migrator__token_is_blank(&token)) {
            blank_before = 1;
            continue;
        }
        if (have_previous) {
            int space = 1;
            if (previous.kind == MIGRATOR__TOK_LPAREN || is_punct(text, &previous, '.'))
                space = 0;
            else if (kind == MIGRATOR__TOK_RPAREN || kind == MIGRATOR__TOK_SEMICOLON ||
                     is_punct(text, &token, ',') || is_punct(text, &token, '.'))
                space = 0;
            else if (kind == MIGRATOR__TOK_OTHER && previous.kind == MIGRATOR__TOK_OTHER &&
                     !blank_before && !is_punct(text, &previous, ','))
                space = 0;
            if (space)
                out[used++] = ' ';
        }
        if (lower_words && kind == MIGRATOR__TOK_QUOTED_IDENT && is_plain_quoted(text, &token)) {
            /* "cities", [cities] and `cities` name what cities names; the case
             * stays, as a quoted name that matches no column is a string */
            for (i = token.start + 1; i + 1 < token.end; i++)
                out[used++] = text[i];
            previous = token;
            previous.kind = MIGRATOR__TOK_WORD;
            have_previous = 1;
            blank_before = 0;
            continue;
        }
        for (i = token.start; i < token.end; i++) {
            char c = text[i];
            if (lower_words && kind == MIGRATOR__TOK_WORD && c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            out[used++] = c;
        }
        previous = token;
        previous.kind = kind;
        have_previous = 1;
        blank_before = 0;
        if (kind == MIGRATOR__TOK_ERROR)
            break;
    }
    out[used] = '\0';
    return out;
}
