/*
 * Statement splitting on top of the SQL lexer: a statement ends at a `;` that
 * is outside parentheses, outside `CREATE TRIGGER ... BEGIN ... END` bodies
 * (SQLite) and outside `BEGIN ATOMIC ... END` bodies (PostgreSQL). Quoted
 * text and comments never split. Private to migrator.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGRATOR_SQL_SPLIT_H
#define MIGRATOR_SQL_SPLIT_H

#include "sql_lexer.h"

/* Where a statement lies in the text: from its first token to its last,
 * without the comments before it and without the closing `;`. */
typedef struct migrator__statement_span {
    size_t start;
    size_t end;
    unsigned int line;
    unsigned int column;
} migrator__statement_span;

typedef struct migrator__splitter {
    int active; /* a statement has started */
    migrator__statement_span current;
    unsigned int paren_depth;
    unsigned int paren_line, paren_column; /* the outermost open parenthesis */
    unsigned int block_depth;
    unsigned int block_line, block_column; /* the BEGIN of the open body */
    int kind;                              /* what the statement creates, once known */
    int begin_pending;                     /* BEGIN seen in a routine: ATOMIC may follow */
    unsigned int begin_line, begin_column;
    int after_dot;     /* the last token was '.': a word is a name (new.end) */
    const char *error; /* after migrator__splitter_finish returned -1 */
    unsigned int error_line, error_column;
} migrator__splitter;

void migrator__splitter_init(migrator__splitter *splitter);

/* Feeds the next token of the lexer (never EOF or ERROR). Returns 1 and sets
 * *statement when the token is the `;` that ends a non-empty statement,
 * otherwise 0. */
int migrator__splitter_feed(migrator__splitter *splitter, const migrator__lexer *lexer,
                            const migrator__token *token, migrator__statement_span *statement);

/* Ends the input (or a section of it). Returns 1 and sets *statement when a
 * statement without a closing `;` was pending, 0 when none was, and -1 when
 * a trigger or BEGIN ATOMIC body or a parenthesis is still open: error,
 * error_line and error_column then say which and where it opened. The
 * splitter is ready for new input afterwards. */
int migrator__splitter_finish(migrator__splitter *splitter, migrator__statement_span *statement);

#endif
