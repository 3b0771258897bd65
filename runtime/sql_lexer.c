/*
 * SQL lexer: see sql_lexer.h. The rules follow SQLite's tokenizer (tokenize.c)
 * and PostgreSQL's scanner (scan.l) closely enough to find where quoted text
 * and comments begin and end, which is all statement splitting needs.
 *
 * SPDX-License-Identifier: MIT
 */
#include "sql_lexer.h"

#include <string.h>

void migrator__lexer_init(migrator__lexer *lexer, const char *text, size_t length,
                          migrator_dialect dialect, unsigned int first_line)
{
    memset(lexer, 0, sizeof(*lexer));
    lexer->text = text;
    lexer->length = length;
    lexer->line = first_line ? first_line : 1;
    lexer->dialect = dialect;
}

static int is_word_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static int is_word_char(unsigned char c)
{
    return is_word_start(c) || (c >= '0' && c <= '9') || c == '$';
}

static int allows_dollar_quotes(const migrator__lexer *lexer)
{
    return lexer->dialect != MIGRATOR_DIALECT_SQLITE;
}

static int allows_sqlite_identifiers(const migrator__lexer *lexer)
{
    return lexer->dialect != MIGRATOR_DIALECT_POSTGRES;
}

/* Advances one byte, keeping the line count. */
static void advance(migrator__lexer *lexer)
{
    if (lexer->text[lexer->pos] == '\n') {
        lexer->line++;
        lexer->line_start = lexer->pos + 1;
    }
    lexer->pos++;
}

static int peek(const migrator__lexer *lexer, size_t ahead)
{
    size_t at = lexer->pos + ahead;
    return at < lexer->length ? (unsigned char)lexer->text[at] : -1;
}

/* Reads up to and including the closing quote; a doubled quote is part of the
 * text. With backslashes, a backslash escapes the next byte (E'..'). */
static int read_quoted(migrator__lexer *lexer, char close, int backslashes)
{
    advance(lexer); /* the opening quote */
    while (lexer->pos < lexer->length) {
        char c = lexer->text[lexer->pos];
        if (backslashes && c == '\\' && lexer->pos + 1 < lexer->length) {
            advance(lexer);
            advance(lexer);
            continue;
        }
        advance(lexer);
        if (c == close) {
            if (peek(lexer, 0) == close && close != ']') {
                advance(lexer);
                continue;
            }
            return 1;
        }
    }
    return 0;
}

/* Length of a dollar-quote delimiter ($$ or $tag$) at pos, or 0. */
static size_t dollar_delimiter_length(const migrator__lexer *lexer, size_t pos)
{
    size_t i = pos + 1;
    if (i < lexer->length && lexer->text[i] != '$') {
        unsigned char first = (unsigned char)lexer->text[i];
        if (!is_word_start(first))
            return 0;
        while (i < lexer->length && lexer->text[i] != '$') {
            unsigned char c = (unsigned char)lexer->text[i];
            if (!is_word_start(c) && !(c >= '0' && c <= '9'))
                return 0;
            i++;
        }
    }
    if (i >= lexer->length)
        return 0;
    return i - pos + 1;
}

static int read_dollar_quoted(migrator__lexer *lexer, size_t delimiter_length)
{
    const char *delimiter = lexer->text + lexer->pos;
    size_t i;
    for (i = 0; i < delimiter_length; i++)
        advance(lexer);
    while (lexer->pos < lexer->length) {
        if (lexer->text[lexer->pos] == '$' && lexer->length - lexer->pos >= delimiter_length &&
            memcmp(lexer->text + lexer->pos, delimiter, delimiter_length) == 0) {
            for (i = 0; i < delimiter_length; i++)
                advance(lexer);
            return 1;
        }
        advance(lexer);
    }
    return 0;
}

static int read_block_comment(migrator__lexer *lexer)
{
    int nests = lexer->dialect != MIGRATOR_DIALECT_SQLITE;
    unsigned int depth = 0;
    while (lexer->pos < lexer->length) {
        if (peek(lexer, 0) == '/' && peek(lexer, 1) == '*') {
            advance(lexer);
            advance(lexer);
            if (depth == 0 || nests)
                depth++;
        } else if (peek(lexer, 0) == '*' && peek(lexer, 1) == '/') {
            advance(lexer);
            advance(lexer);
            if (--depth == 0)
                return 1;
        } else {
            advance(lexer);
        }
    }
    return 0;
}

static migrator__token_kind finish(migrator__lexer *lexer, migrator__token *token,
                                   migrator__token_kind kind)
{
    token->kind = kind;
    token->end = lexer->pos;
    return kind;
}

static migrator__token_kind fail(migrator__lexer *lexer, migrator__token *token,
                                 const char *message)
{
    lexer->error = message;
    lexer->pos = lexer->length;
    token->kind = MIGRATOR__TOK_ERROR;
    token->end = lexer->length;
    return MIGRATOR__TOK_ERROR;
}

migrator__token_kind migrator__lexer_next(migrator__lexer *lexer, migrator__token *token)
{
    int c;
    size_t delimiter;

    token->start = lexer->pos;
    token->line = lexer->line;
    token->column = (unsigned int)(lexer->pos - lexer->line_start) + 1;
    if (lexer->error)
        return fail(lexer, token, lexer->error);
    if (lexer->pos >= lexer->length)
        return finish(lexer, token, MIGRATOR__TOK_EOF);

    c = peek(lexer, 0);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        while ((c = peek(lexer, 0)) == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
               c == '\v')
            advance(lexer);
        return finish(lexer, token, MIGRATOR__TOK_SPACE);
    }
    if (c == '-' && peek(lexer, 1) == '-') {
        while ((c = peek(lexer, 0)) != -1 && c != '\n')
            advance(lexer);
        return finish(lexer, token, MIGRATOR__TOK_LINE_COMMENT);
    }
    if (c == '/' && peek(lexer, 1) == '*') {
        if (!read_block_comment(lexer))
            return fail(lexer, token, "unterminated block comment");
        return finish(lexer, token, MIGRATOR__TOK_BLOCK_COMMENT);
    }
    if (c == '\'') {
        if (!read_quoted(lexer, '\'', 0))
            return fail(lexer, token, "unterminated quoted string");
        return finish(lexer, token, MIGRATOR__TOK_STRING);
    }
    if (c == '"') {
        if (!read_quoted(lexer, '"', 0))
            return fail(lexer, token, "unterminated quoted identifier");
        return finish(lexer, token, MIGRATOR__TOK_QUOTED_IDENT);
    }
    if ((c == '`' || c == '[') && allows_sqlite_identifiers(lexer)) {
        if (!read_quoted(lexer, c == '`' ? '`' : ']', 0))
            return fail(lexer, token, "unterminated quoted identifier");
        return finish(lexer, token, MIGRATOR__TOK_QUOTED_IDENT);
    }
    if (c == '$' && allows_dollar_quotes(lexer) &&
        (delimiter = dollar_delimiter_length(lexer, lexer->pos)) > 0) {
        if (!read_dollar_quoted(lexer, delimiter))
            return fail(lexer, token, "unterminated dollar-quoted string");
        return finish(lexer, token, MIGRATOR__TOK_DOLLAR_QUOTED);
    }
    if ((c == 'E' || c == 'e') && peek(lexer, 1) == '\'' &&
        lexer->dialect != MIGRATOR_DIALECT_SQLITE) {
        advance(lexer);
        if (!read_quoted(lexer, '\'', 1))
            return fail(lexer, token, "unterminated quoted string");
        return finish(lexer, token, MIGRATOR__TOK_STRING);
    }
    if (is_word_char((unsigned char)c) && c != '$') {
        while ((c = peek(lexer, 0)) != -1 && is_word_char((unsigned char)c))
            advance(lexer);
        return finish(lexer, token, MIGRATOR__TOK_WORD);
    }
    advance(lexer);
    if (c == ';')
        return finish(lexer, token, MIGRATOR__TOK_SEMICOLON);
    if (c == '(')
        return finish(lexer, token, MIGRATOR__TOK_LPAREN);
    if (c == ')')
        return finish(lexer, token, MIGRATOR__TOK_RPAREN);
    return finish(lexer, token, MIGRATOR__TOK_OTHER);
}

int migrator__token_is_word(const migrator__lexer *lexer, const migrator__token *token,
                            const char *keyword)
{
    size_t length = strlen(keyword), i;
    if (token->kind != MIGRATOR__TOK_WORD || token->end - token->start != length)
        return 0;
    for (i = 0; i < length; i++) {
        char c = lexer->text[token->start + i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c != keyword[i])
            return 0;
    }
    return 1;
}

int migrator__token_is_blank(const migrator__token *token)
{
    return token->kind == MIGRATOR__TOK_SPACE || token->kind == MIGRATOR__TOK_LINE_COMMENT ||
           token->kind == MIGRATOR__TOK_BLOCK_COMMENT;
}
