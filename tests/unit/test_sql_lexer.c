/*
 * Unit tests of runtime/sql_lexer.c: every token kind, positions, the
 * differences between the SQLite, PostgreSQL and "any" dialects, and errors
 * for unterminated constructs.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql_lexer.h"

#define SQLITE MIGRATOR_DIALECT_SQLITE
#define PG MIGRATOR_DIALECT_POSTGRES
#define ANY MIGRATOR_DIALECT_ANY

#define T_SPACE MIGRATOR__TOK_SPACE
#define T_LINE MIGRATOR__TOK_LINE_COMMENT
#define T_BLOCK MIGRATOR__TOK_BLOCK_COMMENT
#define T_STRING MIGRATOR__TOK_STRING
#define T_IDENT MIGRATOR__TOK_QUOTED_IDENT
#define T_DOLLAR MIGRATOR__TOK_DOLLAR_QUOTED
#define T_WORD MIGRATOR__TOK_WORD
#define T_SEMI MIGRATOR__TOK_SEMICOLON
#define T_LPAREN MIGRATOR__TOK_LPAREN
#define T_RPAREN MIGRATOR__TOK_RPAREN
#define T_OTHER MIGRATOR__TOK_OTHER
#define T_ERROR MIGRATOR__TOK_ERROR
#define T_EOF MIGRATOR__TOK_EOF

/* An expected token: its kind and exact text (NULL: do not check the text). */
typedef struct expected_token {
    migrator__token_kind kind;
    const char *text;
} expected_token;

static const char *kind_name(migrator__token_kind kind)
{
    switch (kind) {
    case MIGRATOR__TOK_EOF: return "EOF";
    case MIGRATOR__TOK_SPACE: return "SPACE";
    case MIGRATOR__TOK_LINE_COMMENT: return "LINE_COMMENT";
    case MIGRATOR__TOK_BLOCK_COMMENT: return "BLOCK_COMMENT";
    case MIGRATOR__TOK_STRING: return "STRING";
    case MIGRATOR__TOK_QUOTED_IDENT: return "QUOTED_IDENT";
    case MIGRATOR__TOK_DOLLAR_QUOTED: return "DOLLAR_QUOTED";
    case MIGRATOR__TOK_WORD: return "WORD";
    case MIGRATOR__TOK_SEMICOLON: return "SEMICOLON";
    case MIGRATOR__TOK_LPAREN: return "LPAREN";
    case MIGRATOR__TOK_RPAREN: return "RPAREN";
    case MIGRATOR__TOK_OTHER: return "OTHER";
    case MIGRATOR__TOK_ERROR: return "ERROR";
    }
    return "?";
}

/* Lexes text and checks that the tokens are exactly `expected`, then EOF
 * (or, if the last expected token is ERROR, that lexing stops there). */
static void check_tokens(migrator_dialect dialect, const char *text, const expected_token *expected,
                         size_t count)
{
    migrator__lexer lexer;
    migrator__token token;
    size_t i, previous_end = 0;

    migrator__lexer_init(&lexer, text, strlen(text), dialect, 1);
    for (i = 0; i < count; i++) {
        char actual[512];
        migrator__token_kind kind = migrator__lexer_next(&lexer, &token);
        size_t length = token.end - token.start;
        if (kind != expected[i].kind)
            fail_msg("token %zu of \"%s\" (dialect %d): expected %s, got %s at offset %zu", i, text,
                     (int)dialect, kind_name(expected[i].kind), kind_name(kind), token.start);
        assert_int_equal(token.kind, kind);
        assert_int_equal(token.start, previous_end);
        assert_true(length < sizeof(actual));
        memcpy(actual, text + token.start, length);
        actual[length] = '\0';
        if (expected[i].text)
            assert_string_equal(actual, expected[i].text);
        previous_end = token.end;
    }
    if (count > 0 && expected[count - 1].kind == T_ERROR)
        return;
    assert_int_equal(migrator__lexer_next(&lexer, &token), T_EOF);
    assert_int_equal(token.start, strlen(text));
    assert_int_equal(token.end, strlen(text));
}

#define CHECK(dialect, text, ...)                                                                  \
    do {                                                                                           \
        static const expected_token expected_[] = {__VA_ARGS__};                                   \
        check_tokens(dialect, text, expected_, sizeof(expected_) / sizeof(expected_[0]));          \
    } while (0)

/* Lexes text up to its first error and checks where the construct opened. */
static void check_error(migrator_dialect dialect, const char *text, unsigned int line,
                        unsigned int column, const char *message)
{
    migrator__lexer lexer;
    migrator__token token;
    migrator__token_kind kind;
    size_t guard = 0;

    migrator__lexer_init(&lexer, text, strlen(text), dialect, 1);
    while ((kind = migrator__lexer_next(&lexer, &token)) != T_ERROR) {
        if (kind == T_EOF)
            fail_msg("no error lexing \"%s\" (dialect %d)", text, (int)dialect);
        assert_true(++guard < 10000);
    }
    assert_non_null(lexer.error);
    assert_string_equal(lexer.error, message);
    assert_int_equal(token.line, line);
    assert_int_equal(token.column, column);
    assert_int_equal(token.end, strlen(text));
    /* The error is sticky. */
    assert_int_equal(migrator__lexer_next(&lexer, &token), T_ERROR);
    assert_int_equal(migrator__lexer_next(&lexer, &token), T_ERROR);
    assert_string_equal(lexer.error, message);
}

static void test_empty_input(void **state)
{
    migrator__lexer lexer;
    migrator__token token;
    (void)state;
    migrator__lexer_init(&lexer, "", 0, ANY, 1);
    assert_int_equal(migrator__lexer_next(&lexer, &token), T_EOF);
    assert_int_equal(token.kind, T_EOF);
    assert_int_equal(token.start, 0);
    assert_int_equal(token.end, 0);
    assert_int_equal(token.line, 1);
    assert_int_equal(token.column, 1);
    /* EOF is sticky */
    assert_int_equal(migrator__lexer_next(&lexer, &token), T_EOF);
    assert_int_equal(migrator__lexer_next(&lexer, &token), T_EOF);
    assert_null(lexer.error);
}

static void test_every_kind(void **state)
{
    (void)state;
    CHECK(ANY, "SELECT 'a;b', \"c\" -- x;\n/* y; */ ($q$;$q$);", {T_WORD, "SELECT"}, {T_SPACE, " "},
          {T_STRING, "'a;b'"}, {T_OTHER, ","}, {T_SPACE, " "}, {T_IDENT, "\"c\""}, {T_SPACE, " "},
          {T_LINE, "-- x;"}, {T_SPACE, "\n"}, {T_BLOCK, "/* y; */"}, {T_SPACE, " "},
          {T_LPAREN, "("}, {T_DOLLAR, "$q$;$q$"}, {T_RPAREN, ")"}, {T_SEMI, ";"});
}

static void test_words_and_numbers(void **state)
{
    (void)state;
    CHECK(ANY, "a_b1 _x 42 3.14 café foo$bar x1$", {T_WORD, "a_b1"}, {T_SPACE, " "}, {T_WORD, "_x"},
          {T_SPACE, " "}, {T_WORD, "42"}, {T_SPACE, " "}, {T_WORD, "3"}, {T_OTHER, "."},
          {T_WORD, "14"}, {T_SPACE, " "}, {T_WORD, "café"}, {T_SPACE, " "}, {T_WORD, "foo$bar"},
          {T_SPACE, " "}, {T_WORD, "x1$"});
}

static void test_other_bytes(void **state)
{
    (void)state;
    CHECK(ANY, "a<=b-c/d*e,:p?$1", {T_WORD, "a"}, {T_OTHER, "<"}, {T_OTHER, "="}, {T_WORD, "b"},
          {T_OTHER, "-"}, {T_WORD, "c"}, {T_OTHER, "/"}, {T_WORD, "d"}, {T_OTHER, "*"},
          {T_WORD, "e"}, {T_OTHER, ","}, {T_OTHER, ":"}, {T_WORD, "p"}, {T_OTHER, "?"},
          {T_OTHER, "$"}, {T_WORD, "1"});
    /* a lone '-' and '/' at the end are not comments */
    CHECK(ANY, "1-", {T_WORD, "1"}, {T_OTHER, "-"});
    CHECK(ANY, "1/", {T_WORD, "1"}, {T_OTHER, "/"});
    CHECK(PG, "$", {T_OTHER, "$"});
}

static void test_whitespace_run(void **state)
{
    (void)state;
    CHECK(ANY, " \t\r\n\f\v x\r\n", {T_SPACE, " \t\r\n\f\v "}, {T_WORD, "x"}, {T_SPACE, "\r\n"});
    CHECK(ANY, "\fx\vy\tz\rw", {T_SPACE, "\f"}, {T_WORD, "x"}, {T_SPACE, "\v"}, {T_WORD, "y"},
          {T_SPACE, "\t"}, {T_WORD, "z"}, {T_SPACE, "\r"}, {T_WORD, "w"});
}

static void test_string_doubled_quotes(void **state)
{
    (void)state;
    CHECK(ANY, "'it''s' '' '''' 'a;--b/*c'", {T_STRING, "'it''s'"}, {T_SPACE, " "},
          {T_STRING, "''"}, {T_SPACE, " "}, {T_STRING, "''''"}, {T_SPACE, " "},
          {T_STRING, "'a;--b/*c'"});
    /* a backslash does not escape in a standard string, in any dialect */
    CHECK(PG, "'a\\' x", {T_STRING, "'a\\'"}, {T_SPACE, " "}, {T_WORD, "x"});
    CHECK(SQLITE, "'a\\' x", {T_STRING, "'a\\'"}, {T_SPACE, " "}, {T_WORD, "x"});
}

static void test_string_spanning_lines(void **state)
{
    migrator__lexer lexer;
    migrator__token token;
    static const char text[] = "'a\nb\n;c' d";
    (void)state;
    migrator__lexer_init(&lexer, text, strlen(text), ANY, 1);
    assert_int_equal(migrator__lexer_next(&lexer, &token), T_STRING);
    assert_int_equal(token.end, 8);
    assert_int_equal(migrator__lexer_next(&lexer, &token), T_SPACE);
    assert_int_equal(migrator__lexer_next(&lexer, &token), T_WORD);
    assert_int_equal(token.line, 3);
    assert_int_equal(token.column, 5);
}

static void test_quoted_identifiers(void **state)
{
    (void)state;
    CHECK(ANY, "\"a\"\"b\" \"x;y\" \"\"", {T_IDENT, "\"a\"\"b\""}, {T_SPACE, " "},
          {T_IDENT, "\"x;y\""}, {T_SPACE, " "}, {T_IDENT, "\"\""});
    CHECK(PG, "\"it's\"", {T_IDENT, "\"it's\""});
}

static void test_backtick_identifiers_by_dialect(void **state)
{
    (void)state;
    CHECK(SQLITE, "`a``b;c`", {T_IDENT, "`a``b;c`"});
    CHECK(ANY, "`a``b;c`", {T_IDENT, "`a``b;c`"});
    CHECK(PG, "`a;b`", {T_OTHER, "`"}, {T_WORD, "a"}, {T_SEMI, ";"}, {T_WORD, "b"}, {T_OTHER, "`"});
}

static void test_bracket_identifiers_by_dialect(void **state)
{
    (void)state;
    /* no doubling inside brackets: the first ] closes */
    CHECK(SQLITE, "[a;b] [x]]", {T_IDENT, "[a;b]"}, {T_SPACE, " "}, {T_IDENT, "[x]"},
          {T_OTHER, "]"});
    CHECK(ANY, "[a'b]", {T_IDENT, "[a'b]"});
    CHECK(PG, "a[1;2]", {T_WORD, "a"}, {T_OTHER, "["}, {T_WORD, "1"}, {T_SEMI, ";"}, {T_WORD, "2"},
          {T_OTHER, "]"});
}

static void test_dollar_quotes_by_dialect(void **state)
{
    (void)state;
    CHECK(PG, "$$a;b$$", {T_DOLLAR, "$$a;b$$"});
    CHECK(ANY, "$$a;b$$", {T_DOLLAR, "$$a;b$$"});
    CHECK(PG, "$$$$", {T_DOLLAR, "$$$$"});
    CHECK(PG, "$fn$ x; $fn$", {T_DOLLAR, "$fn$ x; $fn$"});
    /* SQLite has no dollar quotes: '$' is an operator byte, and '$' also
     * continues an identifier */
    CHECK(SQLITE, "$$a;b$$", {T_OTHER, "$"}, {T_OTHER, "$"}, {T_WORD, "a"}, {T_SEMI, ";"},
          {T_WORD, "b$$"});
}

static void test_dollar_tag_containing_other_delimiters(void **state)
{
    (void)state;
    CHECK(PG, "$body$ a $$ b $x$ c $bod$ d $body$;",
          {T_DOLLAR, "$body$ a $$ b $x$ c $bod$ d $body$"}, {T_SEMI, ";"});
    CHECK(PG, "$a$ $ab$ $A$ $a$", {T_DOLLAR, "$a$ $ab$ $A$ $a$"});
    CHECK(PG, "$_t1$';$_t1$", {T_DOLLAR, "$_t1$';$_t1$"});
    /* $$ holding a tagged quote */
    CHECK(PG, "$$ $t$ $$", {T_DOLLAR, "$$ $t$ $$"});
    CHECK(PG, "$tåg$x$tåg$", {T_DOLLAR, "$tåg$x$tåg$"});
}

static void test_not_dollar_quotes(void **state)
{
    (void)state;
    /* parameters, a tag that starts with a digit, no closing '$' */
    CHECK(PG, "$1 $2", {T_OTHER, "$"}, {T_WORD, "1"}, {T_SPACE, " "}, {T_OTHER, "$"},
          {T_WORD, "2"});
    CHECK(PG, "$1a$", {T_OTHER, "$"}, {T_WORD, "1a$"});
    CHECK(PG, "$abc", {T_OTHER, "$"}, {T_WORD, "abc"});
    CHECK(PG, "$a-b$", {T_OTHER, "$"}, {T_WORD, "a"}, {T_OTHER, "-"}, {T_WORD, "b$"});
    /* '$' inside an identifier does not start a quote */
    CHECK(PG, "a$$b$$", {T_WORD, "a$$b$$"});
}

static void test_e_strings_by_dialect(void **state)
{
    (void)state;
    CHECK(PG, "E'it\\'s;' x", {T_STRING, "E'it\\'s;'"}, {T_SPACE, " "}, {T_WORD, "x"});
    CHECK(ANY, "e'a\\\\' x", {T_STRING, "e'a\\\\'"}, {T_SPACE, " "}, {T_WORD, "x"});
    CHECK(PG, "E'a''b\\n'", {T_STRING, "E'a''b\\n'"});
    /* SQLite: E is a word, the backslash ends nothing */
    CHECK(SQLITE, "E'a\\' b", {T_WORD, "E"}, {T_STRING, "'a\\'"}, {T_SPACE, " "}, {T_WORD, "b"});
    /* E only counts at the start of a word */
    CHECK(PG, "TYPE'a\\' b", {T_WORD, "TYPE"}, {T_STRING, "'a\\'"}, {T_SPACE, " "}, {T_WORD, "b"});
    CHECK(PG, "E x", {T_WORD, "E"}, {T_SPACE, " "}, {T_WORD, "x"});
}

static void test_line_comments(void **state)
{
    (void)state;
    CHECK(ANY, "a -- b; 'c\nd", {T_WORD, "a"}, {T_SPACE, " "}, {T_LINE, "-- b; 'c"},
          {T_SPACE, "\n"}, {T_WORD, "d"});
    /* at the end of the input without a newline */
    CHECK(ANY, "a --", {T_WORD, "a"}, {T_SPACE, " "}, {T_LINE, "--"});
    CHECK(ANY, "--x\r\ny", {T_LINE, "--x\r"}, {T_SPACE, "\n"}, {T_WORD, "y"});
    CHECK(ANY, "a--b", {T_WORD, "a"}, {T_LINE, "--b"});
}

static void test_block_comments_by_dialect(void **state)
{
    (void)state;
    CHECK(PG, "/* a /* b; */ c */x", {T_BLOCK, "/* a /* b; */ c */"}, {T_WORD, "x"});
    CHECK(ANY, "/* a /* b; */ c */x", {T_BLOCK, "/* a /* b; */ c */"}, {T_WORD, "x"});
    CHECK(PG, "/**/ /*/ */ /* ' \" $$ */", {T_BLOCK, "/**/"}, {T_SPACE, " "}, {T_BLOCK, "/*/ */"},
          {T_SPACE, " "}, {T_BLOCK, "/* ' \" $$ */"});
    /* SQLite does not nest: the first star-slash closes */
    CHECK(SQLITE, "/* a /* b; */ c */x", {T_BLOCK, "/* a /* b; */"}, {T_SPACE, " "}, {T_WORD, "c"},
          {T_SPACE, " "}, {T_OTHER, "*"}, {T_OTHER, "/"}, {T_WORD, "x"});
}

static void test_positions(void **state)
{
    static const char text[] = "SELECT\n  /* a\n b */ x, 'y\nz' w\n\n\tq";
    struct {
        migrator__token_kind kind;
        unsigned int line, column;
    } expected[] = {
        {T_WORD, 1, 1},  {T_SPACE, 1, 7}, {T_BLOCK, 2, 3},   {T_SPACE, 3, 6}, {T_WORD, 3, 7},
        {T_OTHER, 3, 8}, {T_SPACE, 3, 9}, {T_STRING, 3, 10}, {T_SPACE, 4, 3}, {T_WORD, 4, 4},
        {T_SPACE, 4, 5}, {T_WORD, 6, 2},  {T_EOF, 6, 3},
    };
    migrator__lexer lexer;
    migrator__token token;
    size_t i;
    (void)state;
    migrator__lexer_init(&lexer, text, strlen(text), ANY, 1);
    for (i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
        assert_int_equal(migrator__lexer_next(&lexer, &token), expected[i].kind);
        assert_int_equal(token.line, expected[i].line);
        assert_int_equal(token.column, expected[i].column);
    }
}

static void test_first_line(void **state)
{
    migrator__lexer lexer;
    migrator__token token;
    (void)state;
    migrator__lexer_init(&lexer, "a\nb", 3, ANY, 10);
    assert_int_equal(migrator__lexer_next(&lexer, &token), T_WORD);
    assert_int_equal(token.line, 10);
    assert_int_equal(migrator__lexer_next(&lexer, &token), T_SPACE);
    assert_int_equal(migrator__lexer_next(&lexer, &token), T_WORD);
    assert_int_equal(token.line, 11);
    assert_int_equal(token.column, 1);
    /* 0 means 1 */
    migrator__lexer_init(&lexer, "a", 1, ANY, 0);
    assert_int_equal(migrator__lexer_next(&lexer, &token), T_WORD);
    assert_int_equal(token.line, 1);
}

static void test_length_limits_input(void **state)
{
    migrator__lexer lexer;
    migrator__token token;
    (void)state;
    /* Only the first `length` bytes are read: no NUL needed, none read. */
    migrator__lexer_init(&lexer, "abc'def", 3, ANY, 1);
    assert_int_equal(migrator__lexer_next(&lexer, &token), T_WORD);
    assert_int_equal(token.end, 3);
    assert_int_equal(migrator__lexer_next(&lexer, &token), T_EOF);
    migrator__lexer_init(&lexer, "$$x$$", 4, PG, 1);
    assert_int_equal(migrator__lexer_next(&lexer, &token), T_ERROR);
    assert_string_equal(lexer.error, "unterminated dollar-quoted string");
}

/* Lexes a copy of text in a buffer of exactly its length (no NUL after it),
 * so that a sanitizer sees any read past `length`; returns the last kind. */
static migrator__token_kind lex_exact(migrator_dialect dialect, const char *text)
{
    size_t length = strlen(text), guard = 0;
    char *copy = malloc(length ? length : 1);
    migrator__lexer lexer;
    migrator__token token;
    migrator__token_kind kind;
    assert_non_null(copy);
    memcpy(copy, text, length);
    migrator__lexer_init(&lexer, copy, length, dialect, 1);
    while ((kind = migrator__lexer_next(&lexer, &token)) != T_EOF && kind != T_ERROR)
        assert_true(++guard <= length);
    assert_int_equal(token.end, length);
    free(copy);
    return kind;
}

static void test_exact_size_buffers(void **state)
{
    static const char *const unterminated[] = {
        "'", "'a", "'a''", "E'",     "E'a\\",  "e'a\\'", "\"",       "\"a\"\"", "`",
        "[", "$$", "$a$",  "$a$ $a", "$a$ $$", "/*",     "/* /* */", "/*/",     "x 'y",
    };
    static const char *const complete[] = {
        "-", "/", "$", "$a", "$1", "--", "-- x", "E", "e", "a$", "''", "E''", "$$$$", "/**/", "x",
    };
    size_t i;
    migrator_dialect dialects[] = {ANY, PG, SQLITE};
    size_t d;
    (void)state;
    for (i = 0; i < sizeof(unterminated) / sizeof(unterminated[0]); i++)
        assert_int_equal(lex_exact(ANY, unterminated[i]), T_ERROR);
    for (d = 0; d < 3; d++) {
        for (i = 0; i < sizeof(complete) / sizeof(complete[0]); i++)
            assert_int_equal(lex_exact(dialects[d], complete[i]), T_EOF);
        for (i = 0; i < sizeof(unterminated) / sizeof(unterminated[0]); i++)
            lex_exact(dialects[d], unterminated[i]);
    }
}

static void test_unterminated_string(void **state)
{
    (void)state;
    check_error(ANY, "SELECT 1;\nSELECT 'abc;\n\nx", 2, 8, "unterminated quoted string");
    check_error(ANY, "'it''", 1, 1, "unterminated quoted string");
    check_error(PG, "x\n  E'abc\\'", 2, 3, "unterminated quoted string");
    check_error(PG, "E'abc\\", 1, 1, "unterminated quoted string");
    check_error(SQLITE, "E'a\\' b '", 1, 9, "unterminated quoted string");
}

static void test_unterminated_identifier(void **state)
{
    (void)state;
    check_error(ANY, "a\n\n \"b\"\"", 3, 2, "unterminated quoted identifier");
    check_error(SQLITE, "x `y", 1, 3, "unterminated quoted identifier");
    check_error(SQLITE, "x\n[y", 2, 1, "unterminated quoted identifier");
    check_error(ANY, "[y", 1, 1, "unterminated quoted identifier");
}

static void test_unterminated_dollar_quote(void **state)
{
    (void)state;
    check_error(PG, "DO\n$$ BEGIN\nEND; $", 2, 1, "unterminated dollar-quoted string");
    check_error(PG, "x $body$ $$ $bod$", 1, 3, "unterminated dollar-quoted string");
    check_error(ANY, "\n\n$t$", 3, 1, "unterminated dollar-quoted string");
}

static void test_unterminated_block_comment(void **state)
{
    (void)state;
    check_error(PG, "a\n /* x /* y */\n", 2, 2, "unterminated block comment");
    check_error(SQLITE, "/*", 1, 1, "unterminated block comment");
    check_error(ANY, "/*/", 1, 1, "unterminated block comment");
}

static void test_token_is_word(void **state)
{
    static const char text[] = "begin BeGiN BEGINS 'begin' \"BEGIN\" beg";
    migrator__lexer lexer;
    migrator__token token;
    int results[16], count = 0;
    (void)state;
    migrator__lexer_init(&lexer, text, strlen(text), ANY, 1);
    while (migrator__lexer_next(&lexer, &token) != T_EOF) {
        if (token.kind == T_SPACE)
            continue;
        assert_true(count < 16);
        results[count++] = migrator__token_is_word(&lexer, &token, "BEGIN");
    }
    assert_int_equal(count, 6);
    assert_int_equal(results[0], 1);
    assert_int_equal(results[1], 1);
    assert_int_equal(results[2], 0);
    assert_int_equal(results[3], 0);
    assert_int_equal(results[4], 0);
    assert_int_equal(results[5], 0);
}

static void test_token_is_blank(void **state)
{
    static const char text[] = " -- a\n/* b */x;";
    migrator__lexer lexer;
    migrator__token token;
    (void)state;
    migrator__lexer_init(&lexer, text, strlen(text), ANY, 1);
    assert_int_equal(migrator__lexer_next(&lexer, &token), T_SPACE);
    assert_true(migrator__token_is_blank(&token));
    assert_int_equal(migrator__lexer_next(&lexer, &token), T_LINE);
    assert_true(migrator__token_is_blank(&token));
    assert_int_equal(migrator__lexer_next(&lexer, &token), T_SPACE);
    assert_int_equal(migrator__lexer_next(&lexer, &token), T_BLOCK);
    assert_true(migrator__token_is_blank(&token));
    assert_int_equal(migrator__lexer_next(&lexer, &token), T_WORD);
    assert_false(migrator__token_is_blank(&token));
    assert_int_equal(migrator__lexer_next(&lexer, &token), T_SEMI);
    assert_false(migrator__token_is_blank(&token));
    assert_int_equal(migrator__lexer_next(&lexer, &token), T_EOF);
    assert_false(migrator__token_is_blank(&token));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_every_kind),
        cmocka_unit_test(test_words_and_numbers),
        cmocka_unit_test(test_other_bytes),
        cmocka_unit_test(test_whitespace_run),
        cmocka_unit_test(test_string_doubled_quotes),
        cmocka_unit_test(test_string_spanning_lines),
        cmocka_unit_test(test_quoted_identifiers),
        cmocka_unit_test(test_backtick_identifiers_by_dialect),
        cmocka_unit_test(test_bracket_identifiers_by_dialect),
        cmocka_unit_test(test_dollar_quotes_by_dialect),
        cmocka_unit_test(test_dollar_tag_containing_other_delimiters),
        cmocka_unit_test(test_not_dollar_quotes),
        cmocka_unit_test(test_e_strings_by_dialect),
        cmocka_unit_test(test_line_comments),
        cmocka_unit_test(test_block_comments_by_dialect),
        cmocka_unit_test(test_positions),
        cmocka_unit_test(test_first_line),
        cmocka_unit_test(test_length_limits_input),
        cmocka_unit_test(test_exact_size_buffers),
        cmocka_unit_test(test_unterminated_string),
        cmocka_unit_test(test_unterminated_identifier),
        cmocka_unit_test(test_unterminated_dollar_quote),
        cmocka_unit_test(test_unterminated_block_comment),
        cmocka_unit_test(test_token_is_word),
        cmocka_unit_test(test_token_is_blank),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
