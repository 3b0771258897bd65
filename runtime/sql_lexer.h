/*
 * SQL lexer shared by migrator-gen and the runtime: splits text into tokens
 * (whitespace, comments, quoted text, words, punctuation) for SQLite and
 * PostgreSQL without understanding the grammar. Private to migrator.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGRATOR_SQL_LEXER_H
#define MIGRATOR_SQL_LEXER_H

#include <stddef.h>

#include "migrator.h"

typedef enum migrator__token_kind {
    MIGRATOR__TOK_EOF = 0,
    MIGRATOR__TOK_SPACE,         /* spaces, tabs, line endings */
    MIGRATOR__TOK_LINE_COMMENT,  /* -- to the end of the line (newline excluded) */
    MIGRATOR__TOK_BLOCK_COMMENT, /* slash-star comments, nested for PostgreSQL */
    MIGRATOR__TOK_STRING,        /* '..' with '', E'..' with backslash escapes */
    MIGRATOR__TOK_QUOTED_IDENT,  /* ".." with "", `..` and [..] (SQLite) */
    MIGRATOR__TOK_DOLLAR_QUOTED, /* $$..$$ or $tag$..$tag$ (PostgreSQL) */
    MIGRATOR__TOK_WORD,          /* keyword, identifier or number */
    MIGRATOR__TOK_SEMICOLON,
    MIGRATOR__TOK_LPAREN,
    MIGRATOR__TOK_RPAREN,
    MIGRATOR__TOK_OTHER, /* any other byte: operators, commas, parameters */
    MIGRATOR__TOK_ERROR  /* unterminated construct: see lexer.error */
} migrator__token_kind;

typedef struct migrator__token {
    migrator__token_kind kind;
    size_t start;        /* byte offset of the first byte */
    size_t end;          /* byte offset after the last byte */
    unsigned int line;   /* 1-based line of the first byte */
    unsigned int column; /* 1-based byte column of the first byte */
} migrator__token;

typedef struct migrator__lexer {
    const char *text;
    size_t length;
    size_t pos;
    unsigned int line;
    size_t line_start; /* offset of the first byte of the current line */
    migrator_dialect dialect;
    /* After MIGRATOR__TOK_ERROR: a static message; the token's line and
     * column say where the unterminated construct opened. */
    const char *error;
} migrator__lexer;

/* Starts lexing text[0..length) whose first byte is on first_line. */
void migrator__lexer_init(migrator__lexer *lexer, const char *text, size_t length,
                          migrator_dialect dialect, unsigned int first_line);

/* Reads the next token into *token and returns its kind. After EOF or ERROR
 * every further call returns the same kind again. */
migrator__token_kind migrator__lexer_next(migrator__lexer *lexer, migrator__token *token);

/* Whether the token is a word equal to keyword, which is given in upper case
 * (the comparison is ASCII case-insensitive). */
int migrator__token_is_word(const migrator__lexer *lexer, const migrator__token *token,
                            const char *keyword);

/* Whether the token is whitespace or a comment. */
int migrator__token_is_blank(const migrator__token *token);

#endif
