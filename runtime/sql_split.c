/*
 * Statement splitting: see sql_split.h. Like psql, a `;` inside parentheses
 * does not end a statement (PostgreSQL's CREATE RULE ... DO (a; b)), and
 * bodies are tracked with a depth that CASE and BEGIN raise and END lowers.
 *
 * SPDX-License-Identifier: MIT
 */
#include "sql_split.h"

#include <string.h>

enum statement_kind {
    KIND_UNKNOWN = 0, /* no word yet, or only CREATE and its modifiers */
    KIND_OTHER,
    KIND_TRIGGER, /* CREATE [TEMP] TRIGGER: BEGIN opens the body */
    KIND_ROUTINE  /* CREATE FUNCTION / PROCEDURE: BEGIN ATOMIC opens it */
};

void migrator__splitter_init(migrator__splitter *splitter)
{
    memset(splitter, 0, sizeof(*splitter));
}

static void reset_statement(migrator__splitter *splitter)
{
    splitter->active = 0;
    splitter->paren_depth = 0;
    splitter->block_depth = 0;
    splitter->kind = KIND_UNKNOWN;
    splitter->begin_pending = 0;
    splitter->after_dot = 0;
}

/* Learns what the statement creates from its leading words. */
static void classify(migrator__splitter *splitter, const migrator__lexer *lexer,
                     const migrator__token *token, int first_word)
{
    static const char *const modifiers[] = {"OR", "REPLACE", "TEMP", "TEMPORARY", "CONSTRAINT"};
    size_t i;

    if (first_word) {
        splitter->kind =
            migrator__token_is_word(lexer, token, "CREATE") ? KIND_UNKNOWN : KIND_OTHER;
        return;
    }
    if (token->kind != MIGRATOR__TOK_WORD) {
        splitter->kind = KIND_OTHER;
        return;
    }
    for (i = 0; i < sizeof(modifiers) / sizeof(modifiers[0]); i++)
        if (migrator__token_is_word(lexer, token, modifiers[i]))
            return;
    if (migrator__token_is_word(lexer, token, "TRIGGER"))
        splitter->kind = KIND_TRIGGER;
    else if (migrator__token_is_word(lexer, token, "FUNCTION") ||
             migrator__token_is_word(lexer, token, "PROCEDURE"))
        splitter->kind = KIND_ROUTINE;
    else
        splitter->kind = KIND_OTHER;
}

static void open_block(migrator__splitter *splitter, unsigned int line, unsigned int column)
{
    if (splitter->block_depth++ == 0) {
        splitter->block_line = line;
        splitter->block_column = column;
    }
}

/* Tracks BEGIN ... END bodies; CASE ... END nests inside them. */
static void track_block(migrator__splitter *splitter, const migrator__lexer *lexer,
                        const migrator__token *token)
{
    if (splitter->begin_pending) {
        splitter->begin_pending = 0;
        if (migrator__token_is_word(lexer, token, "ATOMIC")) {
            open_block(splitter, splitter->begin_line, splitter->begin_column);
            return;
        }
    }
    /* A qualified name is never a keyword: SQLite columns may be called
     * begin or end, and a trigger reads them as new.end. */
    if (token->kind != MIGRATOR__TOK_WORD || splitter->after_dot)
        return;
    if (splitter->block_depth > 0) {
        if (migrator__token_is_word(lexer, token, "BEGIN") ||
            migrator__token_is_word(lexer, token, "CASE"))
            splitter->block_depth++;
        else if (migrator__token_is_word(lexer, token, "END"))
            splitter->block_depth--;
        return;
    }
    if (splitter->paren_depth > 0 || !migrator__token_is_word(lexer, token, "BEGIN"))
        return;
    if (splitter->kind == KIND_TRIGGER) {
        open_block(splitter, token->line, token->column);
    } else if (splitter->kind == KIND_ROUTINE) {
        splitter->begin_pending = 1;
        splitter->begin_line = token->line;
        splitter->begin_column = token->column;
    }
}

int migrator__splitter_feed(migrator__splitter *splitter, const migrator__lexer *lexer,
                            const migrator__token *token, migrator__statement_span *statement)
{
    int first;

    if (migrator__token_is_blank(token))
        return 0;
    if (token->kind == MIGRATOR__TOK_SEMICOLON && splitter->paren_depth == 0 &&
        splitter->block_depth == 0) {
        int ended = splitter->active;
        if (ended)
            *statement = splitter->current;
        reset_statement(splitter);
        return ended;
    }

    first = !splitter->active;
    if (first) {
        splitter->active = 1;
        splitter->current.start = token->start;
        splitter->current.line = token->line;
        splitter->current.column = token->column;
    }
    splitter->current.end = token->end;

    if (first || splitter->kind == KIND_UNKNOWN)
        classify(splitter, lexer, token, first);

    if (token->kind == MIGRATOR__TOK_LPAREN) {
        if (splitter->paren_depth++ == 0) {
            splitter->paren_line = token->line;
            splitter->paren_column = token->column;
        }
    } else if (token->kind == MIGRATOR__TOK_RPAREN) {
        if (splitter->paren_depth > 0)
            splitter->paren_depth--;
    }
    track_block(splitter, lexer, token);
    splitter->after_dot = token->kind == MIGRATOR__TOK_OTHER && lexer->text[token->start] == '.';
    return 0;
}

int migrator__splitter_finish(migrator__splitter *splitter, migrator__statement_span *statement)
{
    int result = splitter->active;

    splitter->error = NULL;
    if (splitter->active && splitter->block_depth > 0) {
        splitter->error = splitter->kind == KIND_TRIGGER
                              ? "unterminated trigger body: BEGIN without END"
                              : "unterminated BEGIN ATOMIC body: BEGIN without END";
        splitter->error_line = splitter->block_line;
        splitter->error_column = splitter->block_column;
        result = -1;
    } else if (splitter->active && splitter->paren_depth > 0) {
        splitter->error = "unclosed parenthesis";
        splitter->error_line = splitter->paren_line;
        splitter->error_column = splitter->paren_column;
        result = -1;
    } else if (result) {
        *statement = splitter->current;
    }
    reset_statement(splitter);
    return result;
}
