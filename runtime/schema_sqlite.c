/*
 * The SQLite schema fingerprint (docs/roundtrip.md): every table, index,
 * view and trigger of the main database except SQLite's own (sqlite_*),
 * the migrations table and ours beside it (<source>_migrator), described from SQLite's pragmas,
 * with what the pragmas do not tell (CHECK constraints, collations, generated columns, index
 * expressions) read from the stored CREATE statement. SQL text is canonical (sql_canonical.h), so
 * spacing, comments and keyword case do not count.
 *
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include "schema_sqlite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "schema.h"
#include "sql_canonical.h"
#include "sql_lexer.h"

/* What the CREATE TABLE text says of one column beyond the pragmas. */
typedef struct column_extra {
    char *name;      /* unquoted */
    char *collate;   /* canonical, or NULL */
    char *generated; /* "(expr)", canonical, or NULL */
    char *checks;    /* " check (...)" repeated, or NULL */
} column_extra;

typedef struct table_text {
    column_extra *columns;
    size_t column_count;
    migrator__lines checks; /* table constraints with CHECK, canonical */
    char *options;          /* "without rowid", "strict", ...: canonical, or NULL */
} table_text;

typedef struct scanner {
    const char *sql;
    migrator__token *tokens; /* non-blank tokens */
    size_t count;
} scanner;

static int scan(scanner *s, const char *sql)
{
    migrator__lexer lexer;
    migrator__token token;
    size_t capacity = 0;
    s->sql = sql;
    s->tokens = NULL;
    s->count = 0;
    migrator__lexer_init(&lexer, sql, strlen(sql), MIGRATOR_DIALECT_SQLITE, 1);
    for (;;) {
        migrator__token_kind kind = migrator__lexer_next(&lexer, &token);
        if (kind == MIGRATOR__TOK_EOF || kind == MIGRATOR__TOK_ERROR)
            return 0;
        if (migrator__token_is_blank(&token))
            continue;
        if (s->count == capacity) {
            migrator__token *grown;
            capacity = capacity ? capacity * 2 : 64;
            if (!(grown = realloc(s->tokens, capacity * sizeof(*grown))))
                return -1;
            s->tokens = grown;
        }
        token.kind = kind;
        s->tokens[s->count++] = token;
    }
}

static int is_word(const scanner *s, size_t i, const char *keyword)
{
    const migrator__token *t = &s->tokens[i];
    size_t length = strlen(keyword);
    return i < s->count && t->kind == MIGRATOR__TOK_WORD && t->end - t->start == length &&
           strncasecmp(s->sql + t->start, keyword, length) == 0;
}

static int is_char(const scanner *s, size_t i, char c)
{
    const migrator__token *t = &s->tokens[i];
    return i < s->count && t->end - t->start == 1 && s->sql[t->start] == c;
}

/* Canonical text of tokens [from, to). */
static char *canonical(const scanner *s, size_t from, size_t to)
{
    if (from >= to)
        return migrator__sql_canonical("", 0, MIGRATOR_DIALECT_SQLITE, 1);
    return migrator__sql_canonical(s->sql + s->tokens[from].start,
                                   s->tokens[to - 1].end - s->tokens[from].start,
                                   MIGRATOR_DIALECT_SQLITE, 1);
}

/* The index after the parenthesised group that opens at i. */
static size_t skip_group(const scanner *s, size_t i)
{
    int depth = 0;
    for (; i < s->count; i++) {
        if (s->tokens[i].kind == MIGRATOR__TOK_LPAREN)
            depth++;
        else if (s->tokens[i].kind == MIGRATOR__TOK_RPAREN && --depth == 0)
            return i + 1;
    }
    return s->count;
}

/* An identifier token without its quotes ("a""b" -> a"b). */
static char *unquote(const scanner *s, size_t i)
{
    const migrator__token *t = &s->tokens[i];
    const char *text = s->sql + t->start;
    size_t length = t->end - t->start, used = 0, k;
    char *out = malloc(length + 1), close;
    if (!out)
        return NULL;
    if (t->kind != MIGRATOR__TOK_QUOTED_IDENT && t->kind != MIGRATOR__TOK_STRING) {
        memcpy(out, text, length);
        out[length] = '\0';
        return out;
    }
    close = text[0] == '[' ? ']' : text[0];
    for (k = 1; k + 1 < length; k++) {
        out[used++] = text[k];
        if (text[k] == close && close != ']' && text[k + 1] == close)
            k++;
    }
    out[used] = '\0';
    return out;
}

/* Appends " " + prefix + text to *field (text is freed). */
static int append_field(char **field, const char *prefix, char *text)
{
    size_t old = *field ? strlen(*field) : 0;
    char *grown;
    if (!text)
        return -1;
    grown = realloc(*field, old + strlen(prefix) + strlen(text) + 2);
    if (!grown) {
        free(text);
        return -1;
    }
    snprintf(grown + old, strlen(prefix) + strlen(text) + 2, " %s%s", prefix, text);
    *field = grown;
    free(text);
    return 0;
}

/* Appends text to the list *field, after ", " unless it is the first
 * (text is freed). */
static int append_list(char **field, char *text)
{
    size_t old = *field ? strlen(*field) : 0;
    char *grown;
    if (!text)
        return -1;
    grown = realloc(*field, old + strlen(text) + 3);
    if (!grown) {
        free(text);
        return -1;
    }
    snprintf(grown + old, strlen(text) + 3, "%s%s", old ? ", " : "", text);
    *field = grown;
    free(text);
    return 0;
}

/* One column definition, tokens [from, to). */
static int read_column(const scanner *s, size_t from, size_t to, table_text *table)
{
    column_extra *extra;
    column_extra *grown = realloc(table->columns, (table->column_count + 1) * sizeof(*grown));
    size_t i;
    if (!grown)
        return -1;
    table->columns = grown;
    extra = &table->columns[table->column_count++];
    memset(extra, 0, sizeof(*extra));
    if (!(extra->name = unquote(s, from)))
        return -1;
    for (i = from + 1; i < to; i++) {
        if (is_word(s, i, "CHECK") && i + 1 < to && s->tokens[i + 1].kind == MIGRATOR__TOK_LPAREN) {
            size_t end = skip_group(s, i + 1);
            if (append_field(&extra->checks, "check ", canonical(s, i + 1, end)) != 0)
                return -1;
            i = end - 1;
        } else if (is_word(s, i, "COLLATE") && i + 1 < to) {
            free(extra->collate);
            if (!(extra->collate = canonical(s, i + 1, i + 2)))
                return -1;
            i++;
        } else if (is_word(s, i, "AS") && i + 1 < to &&
                   s->tokens[i + 1].kind == MIGRATOR__TOK_LPAREN) {
            size_t end = skip_group(s, i + 1);
            free(extra->generated);
            if (!(extra->generated = canonical(s, i + 1, end)))
                return -1;
            i = end - 1;
        } else if (s->tokens[i].kind == MIGRATOR__TOK_LPAREN) {
            i = skip_group(s, i) - 1; /* DEFAULT (...), REFERENCES t (...) */
        }
    }
    return 0;
}

/* Reads a CREATE TABLE statement's column definitions, CHECK constraints and
 * options. Statements it does not understand leave the table empty. */
static int read_table_text(const char *sql, table_text *table)
{
    scanner s;
    size_t i, item, end;
    int error = 0;

    memset(table, 0, sizeof(*table));
    if (!sql)
        return 0;
    if (scan(&s, sql) != 0) {
        free(s.tokens);
        return -1;
    }
    for (i = 0; i < s.count && s.tokens[i].kind != MIGRATOR__TOK_LPAREN; i++)
        if (is_word(&s, i, "AS"))
            goto done; /* CREATE TABLE ... AS SELECT: the pragmas tell all */
    if (i >= s.count)
        goto done;
    end = skip_group(&s, i) - 1; /* the closing ")" */
    for (item = i + 1; item < end && !error;) {
        size_t next = item;
        while (next < end && !is_char(&s, next, ','))
            next = s.tokens[next].kind == MIGRATOR__TOK_LPAREN ? skip_group(&s, next) : next + 1;
        if (next > item) {
            if (is_word(&s, item, "CONSTRAINT") || is_word(&s, item, "PRIMARY") ||
                is_word(&s, item, "UNIQUE") || is_word(&s, item, "CHECK") ||
                is_word(&s, item, "FOREIGN")) {
                size_t k;
                for (k = item; k < next; k++)
                    if (is_word(&s, k, "CHECK")) {
                        char *text = canonical(&s, item, next);
                        if (!text || migrator__lines_addf(&table->checks, "%s", text) != 0)
                            error = -1;
                        free(text);
                        break;
                    }
            } else if (read_column(&s, item, next, table) != 0) {
                error = -1;
            }
        }
        item = next + 1;
    }
    if (!error && end + 1 < s.count && !(table->options = canonical(&s, end + 1, s.count)))
        error = -1;
done:
    free(s.tokens);
    return error;
}

static void free_table_text(table_text *table)
{
    size_t i;
    for (i = 0; i < table->column_count; i++) {
        free(table->columns[i].name);
        free(table->columns[i].collate);
        free(table->columns[i].generated);
        free(table->columns[i].checks);
    }
    free(table->columns);
    migrator__lines_free(&table->checks);
    free(table->options);
}

static const column_extra *find_extra(const table_text *table, const char *name)
{
    size_t i;
    for (i = 0; i < table->column_count; i++)
        if (strcasecmp(table->columns[i].name, name) == 0)
            return &table->columns[i];
    return NULL;
}

typedef struct context {
    migrator_repo *repo;
    sqlite3 *db;
    migrator__lines *out;
} context;

static int db_error(context *ctx, const char *what)
{
    return migrator__fail(ctx->repo, MIGRATOR_EDATABASE, "reading the schema (%s): %s", what,
                          sqlite3_errmsg(ctx->db));
}

static int no_memory(context *ctx)
{
    return migrator__fail(ctx->repo, MIGRATOR_ENOMEM, "out of memory");
}

static const char *text_column(sqlite3_stmt *statement, int column)
{
    const unsigned char *text = sqlite3_column_text(statement, column);
    return text ? (const char *)text : "";
}

/* Prepares sql with ?1 bound to name. */
static int prepare_for(context *ctx, const char *sql, const char *name, sqlite3_stmt **statement)
{
    if (sqlite3_prepare_v2(ctx->db, sql, -1, statement, NULL) != SQLITE_OK)
        return db_error(ctx, sql);
    if (name && sqlite3_bind_text(*statement, 1, name, -1, SQLITE_TRANSIENT) != SQLITE_OK) {
        sqlite3_finalize(*statement);
        return db_error(ctx, sql);
    }
    return MIGRATOR_OK;
}

static int columns(context *ctx, const char *table, const char *shown, const table_text *text)
{
    sqlite3_stmt *statement;
    char *order = NULL;
    int result, error;

    if ((error = prepare_for(ctx,
                             "SELECT name, type, \"notnull\", dflt_value, pk, hidden "
                             "FROM pragma_table_xinfo(?1) ORDER BY cid",
                             table, &statement)) < 0)
        return error;
    while ((result = sqlite3_step(statement)) == SQLITE_ROW) {
        const char *name = text_column(statement, 0), *type = text_column(statement, 1);
        const char *dflt = (const char *)sqlite3_column_text(statement, 3);
        int not_null = sqlite3_column_int(statement, 2), pk = sqlite3_column_int(statement, 4);
        int hidden = sqlite3_column_int(statement, 5);
        const column_extra *extra = find_extra(text, name);
        char *column = migrator__schema_ident(name), *default_text = NULL, pk_text[32] = "";
        if (!column)
            goto oom;
        /* Words keep their case: a bare word default is a string. */
        if (dflt && !(default_text = migrator__sql_canonical(dflt, strlen(dflt),
                                                             MIGRATOR_DIALECT_SQLITE, 0))) {
            free(column);
            goto oom;
        }
        if (pk)
            snprintf(pk_text, sizeof(pk_text), " primary key %d", pk);
        error = migrator__lines_addf(
            ctx->out, "table %s column %s: %s%s%s%s%s%s%s%s%s%s%s", shown, column,
            *type ? type : "(no type)", not_null ? " not null" : "",
            default_text ? " default " : "", default_text ? default_text : "", pk_text,
            hidden == 2   ? " generated virtual"
            : hidden == 3 ? " generated stored"
                          : "",
            hidden >= 2 && extra && extra->generated ? " as " : "",
            hidden >= 2 && extra && extra->generated ? extra->generated : "",
            extra && extra->collate ? " collate " : "",
            extra && extra->collate ? extra->collate : "",
            extra && extra->checks ? extra->checks : "");
        free(default_text);
        if (error == 0 && append_list(&order, migrator__strdup(column)) != 0)
            error = -1;
        free(column);
        if (error != 0)
            goto oom;
    }
    sqlite3_finalize(statement);
    if (result != SQLITE_DONE)
        return db_error(ctx, "table columns");
    error = migrator__lines_addf(ctx->out, "table %s columns (%s)", shown, order ? order : "");
    free(order);
    return error ? no_memory(ctx) : MIGRATOR_OK;
oom:
    free(order);
    sqlite3_finalize(statement);
    return no_memory(ctx);
}

/* UNIQUE constraints: SQLite's automatic indexes (origin "u"). */
static int unique_constraints(context *ctx, const char *table, const char *shown)
{
    sqlite3_stmt *statement;
    int result, error;
    if ((error = prepare_for(
             ctx,
             "SELECT group_concat(x.name || CASE WHEN x.\"desc\" THEN ' desc' ELSE '' END || "
             "CASE WHEN x.coll <> 'BINARY' THEN ' collate ' || lower(x.coll) ELSE '' END, ', ') "
             "FROM pragma_index_list(?1) AS l, pragma_index_xinfo(l.name) AS x "
             "WHERE l.origin = 'u' AND x.key GROUP BY l.name",
             table, &statement)) < 0)
        return error;
    while ((result = sqlite3_step(statement)) == SQLITE_ROW)
        if (migrator__lines_addf(ctx->out, "table %s unique (%s)", shown,
                                 text_column(statement, 0)) != 0) {
            sqlite3_finalize(statement);
            return no_memory(ctx);
        }
    sqlite3_finalize(statement);
    return result == SQLITE_DONE ? MIGRATOR_OK : db_error(ctx, "unique constraints");
}

static int foreign_keys(context *ctx, const char *table, const char *shown)
{
    sqlite3_stmt *statement;
    int result, error;
    if ((error = prepare_for(ctx,
                             "SELECT \"table\", group_concat(\"from\", ', '), "
                             "group_concat(\"to\", ', '), on_update, on_delete, \"match\" "
                             "FROM (SELECT * FROM pragma_foreign_key_list(?1) ORDER BY id, seq) "
                             "GROUP BY id",
                             table, &statement)) < 0)
        return error;
    while ((result = sqlite3_step(statement)) == SQLITE_ROW) {
        char *parent = migrator__schema_ident(text_column(statement, 0));
        const char *to = (const char *)sqlite3_column_text(statement, 2);
        const char *match = text_column(statement, 5);
        error = !parent ||
                migrator__lines_addf(ctx->out,
                                     "table %s foreign key (%s) references %s%s%s%s on update %s "
                                     "on delete %s%s%s",
                                     shown, text_column(statement, 1), parent, to ? " (" : "",
                                     to ? to : "", to ? ")" : "", text_column(statement, 3),
                                     text_column(statement, 4),
                                     strcmp(match, "NONE") && *match ? " match " : "",
                                     strcmp(match, "NONE") && *match ? match : "") != 0;
        free(parent);
        if (error) {
            sqlite3_finalize(statement);
            return no_memory(ctx);
        }
    }
    sqlite3_finalize(statement);
    return result == SQLITE_DONE ? MIGRATOR_OK : db_error(ctx, "foreign keys");
}

static int describe_table(context *ctx, const char *name, const char *sql)
{
    table_text text;
    char *shown = migrator__schema_ident(name);
    size_t i;
    int error;

    if (!shown)
        return no_memory(ctx);
    if (sql && strncasecmp(sql, "CREATE VIRTUAL TABLE", 20) == 0) {
        char *definition = migrator__sql_canonical(sql, strlen(sql), MIGRATOR_DIALECT_SQLITE, 1);
        error = !definition ||
                migrator__lines_addf(ctx->out, "virtual table %s: %s", shown, definition) != 0;
        free(definition);
        free(shown);
        return error ? no_memory(ctx) : MIGRATOR_OK;
    }
    if (read_table_text(sql, &text) != 0) {
        free_table_text(&text);
        free(shown);
        return no_memory(ctx);
    }
    error = migrator__lines_addf(ctx->out, "table %s%s%s", shown, text.options ? " " : "",
                                 text.options ? text.options : "") != 0
                ? no_memory(ctx)
                : MIGRATOR_OK;
    for (i = 0; error >= 0 && i < text.checks.count; i++)
        if (migrator__lines_addf(ctx->out, "table %s %s", shown, text.checks.items[i]) != 0)
            error = no_memory(ctx);
    if (error >= 0)
        error = columns(ctx, name, shown, &text);
    if (error >= 0)
        error = unique_constraints(ctx, name, shown);
    if (error >= 0)
        error = foreign_keys(ctx, name, shown);
    free_table_text(&text);
    free(shown);
    return error;
}

/* CREATE [UNIQUE] INDEX name ON table (items) [WHERE expr], as
 * "index NAME on TABLE [unique] (items) [where expr]". */
static int describe_index(context *ctx, const char *name, const char *table, const char *sql)
{
    scanner s;
    char *shown_name = migrator__schema_ident(name), *shown_table = migrator__schema_ident(table);
    char *items = NULL, *where = NULL;
    size_t i, open, end, item;
    int unique = 0, error = MIGRATOR_OK;

    if (!shown_name || !shown_table || scan(&s, sql) != 0) {
        free(shown_name);
        free(shown_table);
        return no_memory(ctx);
    }
    for (i = 0; i < s.count && !is_word(&s, i, "ON"); i++)
        unique |= is_word(&s, i, "UNIQUE");
    for (open = i; open < s.count && s.tokens[open].kind != MIGRATOR__TOK_LPAREN; open++)
        ;
    end = skip_group(&s, open); /* after ")" */
    for (item = open + 1; item + 1 < end;) {
        size_t next = item, last;
        while (next + 1 < end && !is_char(&s, next, ','))
            next = s.tokens[next].kind == MIGRATOR__TOK_LPAREN ? skip_group(&s, next) : next + 1;
        last = next;
        if (last > item && is_word(&s, last - 1, "ASC"))
            last--; /* the default order */
        if (append_list(&items, canonical(&s, item, last)) != 0)
            error = no_memory(ctx);
        item = next + 1;
    }
    if (end < s.count && is_word(&s, end, "WHERE") && !(where = canonical(&s, end + 1, s.count)))
        error = no_memory(ctx);
    if (error >= 0 && migrator__lines_addf(ctx->out, "index %s on %s%s (%s)%s%s", shown_name,
                                           shown_table, unique ? " unique" : "", items ? items : "",
                                           where ? " where " : "", where ? where : "") != 0)
        error = no_memory(ctx);
    free(s.tokens);
    free(items);
    free(where);
    free(shown_name);
    free(shown_table);
    return error;
}

static int describe_sql(context *ctx, const char *kind, const char *name, const char *table,
                        const char *sql)
{
    char *shown_name = migrator__schema_ident(name), *shown_table = migrator__schema_ident(table);
    char *definition = migrator__sql_canonical(sql, strlen(sql), MIGRATOR_DIALECT_SQLITE, 1);
    int error = !shown_name || !shown_table || !definition;
    if (!error && strcmp(kind, "trigger") == 0)
        error = migrator__lines_addf(ctx->out, "trigger %s on %s: %s", shown_name, shown_table,
                                     definition) != 0;
    else if (!error)
        error = migrator__lines_addf(ctx->out, "%s %s: %s", kind, shown_name, definition) != 0;
    free(shown_name);
    free(shown_table);
    free(definition);
    return error ? no_memory(ctx) : MIGRATOR_OK;
}

int migrator__sqlite_schema(migrator_repo *repo, sqlite3 *db, migrator__lines *out)
{
    context ctx;
    sqlite3_stmt *statement;
    int result = SQLITE_DONE, error;

    ctx.repo = repo;
    ctx.db = db;
    ctx.out = out;
    if ((error = prepare_for(&ctx,
                             "SELECT type, name, tbl_name, sql FROM main.sqlite_master "
                             "WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
                             "AND tbl_name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
                             "AND tbl_name <> ?1 COLLATE NOCASE "
                             "AND tbl_name <> ?1 || '_migrator' COLLATE NOCASE ORDER BY name",
                             repo->source, &statement)) < 0)
        return error;
    while (error >= 0 && (result = sqlite3_step(statement)) == SQLITE_ROW) {
        const char *type = text_column(statement, 0), *name = text_column(statement, 1);
        const char *table = text_column(statement, 2);
        const char *sql = (const char *)sqlite3_column_text(statement, 3);
        if (strcmp(type, "table") == 0)
            error = describe_table(&ctx, name, sql);
        else if (strcmp(type, "index") == 0 && sql)
            error = describe_index(&ctx, name, table, sql);
        else if ((strcmp(type, "view") == 0 || strcmp(type, "trigger") == 0) && sql)
            error = describe_sql(&ctx, type, name, table, sql);
    }
    sqlite3_finalize(statement);
    if (error < 0)
        return error;
    return result == SQLITE_DONE ? MIGRATOR_OK : db_error(&ctx, "sqlite_master");
}
