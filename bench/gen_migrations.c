/*
 * gen_migrations: writes N synthetic migration files of about SIZE bytes each
 * into a directory, for benchmarking `migrator-gen table` (bench/run.sh).
 *
 *   gen_migrations [-n N] [-s SIZE] DIR        (defaults: N=10000, SIZE=2048)
 *
 * File names are <VERSION>_<name>.sql with VERSION a UTC timestamp
 * YYYYMMDDhhmmss (one per hour from 2015-01-01) and a unique name. The output
 * is deterministic: file i depends only on i and SIZE. Every file is valid
 * for `migrator-gen check` with the default dialect (any) and holds the kinds
 * of SQL that real histories hold:
 *
 *   - comments before the first section, and now and then a block comment;
 *   - `-- migrate:disable_ddl_transaction` with CREATE INDEX CONCURRENTLY (1/10);
 *   - CREATE TABLE with 6 to 12 columns, defaults and constraints;
 *   - one or two CREATE INDEX;
 *   - multi-row INSERTs whose string literals hold doubled single quotes,
 *     double quotes, backslashes, `E''` escapes, "??" and UTF-8, repeated
 *     until the file reaches SIZE;
 *   - a PL/pgSQL function in a `$$` body with `;` inside it (1/4);
 *   - a `-- migrate:down` section that undoes it all.
 *
 * Build: cc -std=c11 -O2 -Wall -Wextra -Wpedantic -o gen_migrations gen_migrations.c
 *
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

/* A growable text buffer. */
typedef struct buffer {
    char *data;
    size_t length, capacity;
} buffer;

static void die(const char *what)
{
    fprintf(stderr, "gen_migrations: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void reserve(buffer *b, size_t extra)
{
    if (b->length + extra + 1 > b->capacity) {
        size_t capacity = b->capacity ? b->capacity : 4096;
        char *grown;
        while (b->length + extra + 1 > capacity)
            capacity *= 2;
        if (!(grown = realloc(b->data, capacity)))
            die("out of memory");
        b->data = grown;
        b->capacity = capacity;
    }
}

static void append(buffer *b, const char *format, ...)
{
    va_list args;
    int needed;

    va_start(args, format);
    needed = vsnprintf(NULL, 0, format, args);
    va_end(args);
    if (needed < 0)
        die("vsnprintf");
    reserve(b, (size_t)needed);
    va_start(args, format);
    vsnprintf(b->data + b->length, (size_t)needed + 1, format, args);
    va_end(args);
    b->length += (size_t)needed;
}

/* xorshift64*: a small deterministic generator, seeded per file. */
static unsigned long long rng_state;

static void seed(unsigned long long value)
{
    rng_state = value * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
    if (!rng_state)
        rng_state = 1;
}

static unsigned int next(unsigned int bound)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (unsigned int)(((rng_state * 0x2545F4914F6CDD1Dull) >> 33) % bound);
}

static const char *const nouns[] = {
    "users",     "accounts",  "orders",   "invoices", "products",  "customers",  "payments",
    "shipments", "addresses", "sessions", "comments", "posts",     "tags",       "categories",
    "reviews",   "carts",     "coupons",  "refunds",  "suppliers", "warehouses", "events",
    "audit_log", "teams",     "projects", "tickets",  "webhooks",  "api_keys",   "devices"};

static const struct column {
    const char *name, *type;
} columns[] = {
    {"name", "VARCHAR(120) NOT NULL"},
    {"email", "VARCHAR(255) NOT NULL"},
    {"title", "TEXT NOT NULL DEFAULT ''"},
    {"description", "TEXT"},
    {"status", "VARCHAR(20) NOT NULL DEFAULT 'pending'"},
    {"amount_cents", "BIGINT NOT NULL DEFAULT 0"},
    {"currency", "CHAR(3) NOT NULL DEFAULT 'EUR'"},
    {"quantity", "INTEGER NOT NULL CHECK (quantity >= 0)"},
    {"is_active", "BOOLEAN NOT NULL DEFAULT TRUE"},
    {"notes", "TEXT DEFAULT 'n/a'"},
    {"external_ref", "VARCHAR(64) UNIQUE"},
    {"country_code", "CHAR(2)"},
    {"score", "NUMERIC(10, 2)"},
    {"metadata", "TEXT NOT NULL DEFAULT '{}'"},
    {"created_at", "TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP"},
    {"updated_at", "TIMESTAMP"},
};

/* String literals for the INSERTs: SQL-quoted already. */
static const char *const literals[] = {
    "'O''Brien'",
    "'It''s a \"quoted\" word'",
    "'C:\\temp\\import.csv'",
    "E'line one\\nline two\\ttabbed'",
    "'plain text'",
    "'what?\? really?\?'",
    "'Caf\xc3\xa9 M\xc3\xbcller'",
    "'50% off; today only'",
    "'semi;colon -- not a comment'",
    "'/* not a comment either */'",
    "'say \"hello\" to ''them'''",
    "'$$ is not a dollar quote in here $$'",
};

typedef struct plan {
    const char *noun;
    char table[64];
    size_t column_index[12];
    size_t column_count;
    int has_function, has_block_comment, concurrent;
} plan;

static void make_plan(plan *p, unsigned long i)
{
    size_t k;
    unsigned char used[COUNT(columns)];

    p->noun = nouns[i % COUNT(nouns)];
    snprintf(p->table, sizeof(p->table), "%s_%lu", p->noun, i);
    p->column_count = 6 + next(7);
    memset(used, 0, sizeof(used));
    for (k = 0; k < p->column_count; k++) {
        size_t c = next(COUNT(columns));
        while (used[c])
            c = (c + 1) % COUNT(columns);
        used[c] = 1;
        p->column_index[k] = c;
    }
    p->has_function = i % 4 == 1;
    p->has_block_comment = i % 7 == 3;
    p->concurrent = i % 10 == 5;
}

static void write_values(buffer *b, const plan *p, unsigned long row)
{
    size_t k;
    append(b, "    (%lu", row);
    for (k = 0; k < p->column_count; k++) {
        const struct column *c = &columns[p->column_index[k]];
        if (strncmp(c->type, "BIGINT", 6) == 0 || strncmp(c->type, "INTEGER", 7) == 0)
            append(b, ", %u", next(100000));
        else if (strncmp(c->type, "BOOLEAN", 7) == 0)
            append(b, ", %s", next(2) ? "TRUE" : "FALSE");
        else if (strncmp(c->type, "NUMERIC", 7) == 0)
            append(b, ", %u.%02u", next(1000), next(100));
        else if (strncmp(c->type, "CHAR(3)", 7) == 0)
            append(b, ", '%s'", next(2) ? "EUR" : "USD");
        else if (strncmp(c->type, "CHAR(2)", 7) == 0)
            append(b, ", '%s'", next(2) ? "FR" : "DE");
        else if (strncmp(c->type, "TIMESTAMP", 9) == 0)
            append(b, ", '2020-%02u-%02u 12:00:00'", 1 + next(12), 1 + next(28));
        else
            append(b, ", %s", literals[next(COUNT(literals))]);
    }
    append(b, ")");
}

static void write_insert(buffer *b, const plan *p, unsigned long *row, size_t rows)
{
    size_t k, r;
    append(b, "INSERT INTO %s (id", p->table);
    for (k = 0; k < p->column_count; k++)
        append(b, ", %s", columns[p->column_index[k]].name);
    append(b, ") VALUES\n");
    for (r = 0; r < rows; r++) {
        write_values(b, p, (*row)++);
        append(b, r + 1 < rows ? ",\n" : ";\n");
    }
}

static void write_down(buffer *b, const plan *p)
{
    append(b, "\n-- migrate:down\n");
    if (p->has_function)
        append(b, "DROP FUNCTION IF EXISTS %s_touch();\n", p->table);
    append(b, "DROP INDEX IF EXISTS %s_%s_index;\n", p->table, columns[p->column_index[0]].name);
    append(b, "DROP TABLE IF EXISTS %s;\n", p->table);
}

/* The whole file for migration i, aiming at size bytes. */
static void write_migration(buffer *b, unsigned long i, size_t size)
{
    plan p;
    buffer down = {NULL, 0, 0};
    unsigned long row = 1;
    size_t k;

    seed(i + 1);
    make_plan(&p, i);
    b->length = 0;

    append(b, "-- Migration %lu: create %s and load its reference data.\n", i, p.table);
    append(b, "-- Generated by bench/gen_migrations for benchmarking; not a real schema.\n");
    if (p.concurrent)
        append(b, "-- migrate:disable_ddl_transaction\n");
    append(b, "-- migrate:up\n");
    if (p.has_block_comment)
        append(b, "/* The %s table keeps one row per %s.\n * Columns are nullable unless "
                  "stated otherwise. */\n",
               p.table, p.noun);
    append(b, "CREATE TABLE %s (\n    id BIGINT PRIMARY KEY", p.table);
    for (k = 0; k < p.column_count; k++)
        append(b, ",\n    %s %s", columns[p.column_index[k]].name, columns[p.column_index[k]].type);
    append(b, "\n);\n");
    append(b, "CREATE INDEX %s%s_%s_index ON %s (%s);\n", p.concurrent ? "CONCURRENTLY " : "",
           p.table, columns[p.column_index[0]].name, p.table, columns[p.column_index[0]].name);
    if (i % 3 == 0)
        append(b, "CREATE UNIQUE INDEX %s_%s_%s_index ON %s (%s, %s);\n", p.table,
               columns[p.column_index[1]].name, columns[p.column_index[2]].name, p.table,
               columns[p.column_index[1]].name, columns[p.column_index[2]].name);
    if (p.has_function)
        append(b,
               "CREATE OR REPLACE FUNCTION %s_touch() RETURNS trigger AS $$\n"
               "BEGIN\n"
               "    -- keep updated_at current; 'quotes' and \"identifiers\" are fine here\n"
               "    NEW.updated_at := now();\n"
               "    IF NEW.id IS NULL THEN\n"
               "        RAISE EXCEPTION 'id of %s can''t be NULL';\n"
               "    END IF;\n"
               "    RETURN NEW;\n"
               "END;\n"
               "$$ LANGUAGE plpgsql;\n",
               p.table, p.table);

    write_down(&down, &p);
    /* Multi-row INSERTs while they fit, then single-row ones to come close
     * to size; every file keeps at least one INSERT. */
    for (;;) {
        size_t before = b->length, first_row = row;
        write_insert(b, &p, &row, 2 + next(3));
        if (b->length + down.length > size) {
            if (first_row > 1) {
                b->length = before;
                row = first_row;
            }
            break;
        }
    }
    for (;;) {
        size_t before = b->length;
        write_insert(b, &p, &row, 1);
        if (b->length + down.length > size) {
            b->length = before;
            break;
        }
    }
    reserve(b, down.length);
    memcpy(b->data + b->length, down.data, down.length);
    b->length += down.length;
    free(down.data);
}

static void usage(FILE *out)
{
    fputs("Usage: gen_migrations [-n N] [-s SIZE] DIR\n"
          "Write N synthetic migrations of about SIZE bytes each into DIR\n"
          "(created if missing). Defaults: N=10000, SIZE=2048.\n",
          out);
}

static unsigned long parse_number(const char *text, const char *what)
{
    char *end;
    unsigned long value;
    errno = 0;
    value = strtoul(text, &end, 10);
    if (errno || end == text || *end || value == 0) {
        fprintf(stderr, "gen_migrations: %s: expected a positive number, got \"%s\"\n", what, text);
        exit(2);
    }
    return value;
}

int main(int argc, char **argv)
{
    static const char *const verbs[] = {"create", "add", "load", "seed", "backfill"};
    unsigned long count = 10000, i;
    size_t size = 2048;
    const char *dir;
    buffer text = {NULL, 0, 0};
    char path[4096], stamp[32];
    int option;

    while ((option = getopt(argc, argv, "n:s:h")) != -1) {
        switch (option) {
        case 'n': count = parse_number(optarg, "-n"); break;
        case 's': size = parse_number(optarg, "-s"); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind + 1 != argc) {
        usage(stderr);
        return 2;
    }
    dir = argv[optind];
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        die(dir);

    for (i = 0; i < count; i++) {
        /* 2015-01-01T00:00:00Z plus i hours. */
        time_t when = (time_t)1420070400 + (time_t)i * 3600;
        struct tm *utc = gmtime(&when);
        FILE *file;
        plan p;

        if (!utc || strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", utc) == 0)
            die("gmtime");
        seed(i + 1);
        make_plan(&p, i);
        snprintf(path, sizeof(path), "%s/%s_%s_%s_%lu.sql", dir, stamp, verbs[i % COUNT(verbs)],
                 p.noun, i);
        write_migration(&text, i, size);
        if (!(file = fopen(path, "wb")))
            die(path);
        if (fwrite(text.data, 1, text.length, file) != text.length || fclose(file) != 0)
            die(path);
    }
    free(text.data);
    return 0;
}
