/*
 * Checks of tests/bytes: see bytes_check.h.
 *
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include "bytes_check.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#ifdef BYTES_HAVE_POSTGRES
#include <libpq-fe.h>
#endif

#include "checksum.h"

/* ------------------------------------------------------------------------ */
/* Files and expectations                                                     */

static char *read_file(const char *path, size_t *size)
{
    FILE *in = fopen(path, "rb");
    char *data;
    long length;
    if (!in)
        fail_msg("%s: %s", path, strerror(errno));
    assert_int_equal(fseek(in, 0, SEEK_END), 0);
    length = ftell(in);
    assert_true(length >= 0);
    rewind(in);
    data = malloc((size_t)length + 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)length, in), (size_t)length);
    data[length] = '\0';
    fclose(in);
    *size = (size_t)length;
    return data;
}

typedef struct x_statement {
    const char *text;
    size_t length;
    unsigned int line, column;
} x_statement;

typedef struct x_section {
    int present;
    unsigned int line;
    size_t count;
    x_statement items[4096];
} x_section;

typedef struct x_row {
    long long id;
    const char *value;
    size_t length;
} x_row;

typedef struct x_query {
    const char *sql, *value;
    size_t length;
} x_query;

typedef struct expectation {
    char *data; /* the file; every pointer below points into it */
    const char *name;
    unsigned int flags;
    x_section up, down;
    x_row *rows;
    size_t row_count;
    x_query queries[64];
    size_t query_count;
} expectation;

/* The NUL-terminated field at *at, and its length; moves *at past it. */
static const char *field(const char **at, const char *end, size_t *length)
{
    const char *start = *at, *nul = memchr(start, '\0', (size_t)(end - start));
    if (!nul)
        fail_msg("truncated expectation file");
    if (length)
        *length = (size_t)(nul - start);
    *at = nul + 1;
    return start;
}

static expectation *load_expectation(const char *expect_dir, int64_t version)
{
    char path[4096];
    size_t size, rows_capacity = 0;
    expectation *x = calloc(1, sizeof(*x));
    x_section *section = NULL;
    const char *at, *end;

    assert_non_null(x);
    snprintf(path, sizeof(path), "%s/%" PRId64 ".expect", expect_dir, version);
    x->data = read_file(path, &size);
    at = x->data;
    end = x->data + size;
    while (at < end) {
        char tag = *at++;
        const char *text;
        size_t length;
        switch (tag) {
        case 'M':
            x->name = field(&at, end, NULL);
            break;
        case 'F':
            x->flags = (unsigned int)strtoul(field(&at, end, NULL), NULL, 10);
            break;
        case 'U':
        case 'N':
            section = tag == 'U' ? &x->up : &x->down;
            section->present = 1;
            section->line = (unsigned int)strtoul(field(&at, end, NULL), NULL, 10);
            break;
        case 'T': {
            x_statement *s;
            assert_non_null(section);
            assert_true(section->count < sizeof(section->items) / sizeof(section->items[0]));
            s = &section->items[section->count++];
            text = field(&at, end, NULL);
            assert_int_equal(sscanf(text, "%u %u", &s->line, &s->column), 2);
            s->text = field(&at, end, &s->length);
            break;
        }
        case 'V':
            if (x->row_count == rows_capacity) {
                rows_capacity = rows_capacity ? 2 * rows_capacity : 64;
                x->rows = realloc(x->rows, rows_capacity * sizeof(*x->rows));
                assert_non_null(x->rows);
            }
            x->rows[x->row_count].id = strtoll(field(&at, end, NULL), NULL, 10);
            x->rows[x->row_count].value = field(&at, end, &length);
            x->rows[x->row_count++].length = length;
            break;
        case 'Q':
            assert_true(x->query_count < sizeof(x->queries) / sizeof(x->queries[0]));
            x->queries[x->query_count].sql = field(&at, end, NULL);
            x->queries[x->query_count].value = field(&at, end, &length);
            x->queries[x->query_count++].length = length;
            break;
        default:
            fail_msg("%s: unknown record '%c'", path, tag);
        }
    }
    return x;
}

static void free_expectation(expectation *x)
{
    if (!x)
        return;
    free(x->data);
    free(x->rows);
    free(x);
}

/* ------------------------------------------------------------------------ */
/* Byte comparison with a readable report                                     */

static void print_bytes(const char *label, const char *data, size_t length, size_t from,
                        size_t to)
{
    size_t i;
    print_error("    %s [%zu..%zu):", label, from, to < length ? to : length);
    for (i = from; i < to && i < length; i++)
        print_error(" %02x", (unsigned char)data[i]);
    print_error("\n      as text: \"");
    for (i = from; i < to && i < length; i++) {
        unsigned char c = (unsigned char)data[i];
        if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"')
            print_error("%c", c);
        else
            print_error("\\x%02x", c);
    }
    print_error("\"\n");
}

/* Fails the test, showing the first differing byte and its context. */
static void expect_bytes(const char *what, const char *got, size_t got_length, const char *want,
                         size_t want_length)
{
    size_t i = 0, from, to;
    while (i < got_length && i < want_length && got[i] == want[i])
        i++;
    if (i == got_length && i == want_length)
        return;
    from = i > 24 ? i - 24 : 0;
    to = i + 24;
    print_error("%s: differs at byte %zu (got %zu bytes, expected %zu)\n", what, i, got_length,
                want_length);
    print_bytes("got     ", got, got_length, from, to);
    print_bytes("expected", want, want_length, from, to);
    fail_msg("%s: the bytes differ", what);
}

/* ------------------------------------------------------------------------ */
/* (a) and (b): the table                                                     */

/* The statement's pieces joined, checking each piece on the way: 1 to
 * MIGRATOR_PIECE_MAX bytes; a piece followed by another either ends a line
 * or is exactly MIGRATOR_PIECE_MAX bytes (docs/generated-table.md: cut at a
 * line end where possible), so a statement without line ends is cut every
 * 4000 bytes exactly, where fixture_gen.c puts its straddling sequences. */
static char *join_pieces(const char *what, const migrator_statement *s)
{
    size_t i, used = 0;
    char *text = malloc(s->length + 1);
    assert_non_null(text);
    assert_true(s->piece_count >= 1);
    assert_non_null(s->pieces);
    for (i = 0; i < s->piece_count; i++) {
        size_t length = strlen(s->pieces[i]);
        if (length < 1 || length > MIGRATOR_PIECE_MAX || used + length > s->length)
            fail_msg("%s: piece %zu of %zu has %zu bytes (%zu of %zu used)", what, i,
                     s->piece_count, length, used, s->length);
        if (i + 1 < s->piece_count && length != MIGRATOR_PIECE_MAX &&
            s->pieces[i][length - 1] != '\n')
            fail_msg("%s: piece %zu of %zu has %zu bytes and does not end a line", what, i,
                     s->piece_count, length);
        memcpy(text + used, s->pieces[i], length);
        used += length;
    }
    if (used != s->length)
        fail_msg("%s: the pieces hold %zu bytes, length says %zu", what, used, s->length);
    text[used] = '\0';
    return text;
}

static void check_section(const migrator_migration *m, const char *label,
                          const migrator_section *got, const x_section *want,
                          migrator__checksum *from_table, migrator__checksum *from_expected)
{
    size_t i;
    char what[256];

    snprintf(what, sizeof(what), "%s %s", m->file, label);
    if (got->line != want->line)
        fail_msg("%s: section line %u, expected %u", what, got->line, want->line);
    if (got->count != want->count)
        fail_msg("%s: %zu statements, expected %zu", what, got->count, want->count);
    if (got->count == 0) {
        assert_null(got->statements);
        return;
    }
    assert_non_null(got->statements);
    for (i = 0; i < got->count; i++) {
        const migrator_statement *s = &got->statements[i];
        const x_statement *x = &want->items[i];
        char *joined, *text;

        snprintf(what, sizeof(what), "%s %s statement %zu (line %u)", m->file, label, i + 1,
                 x->line);
        joined = join_pieces(what, s);
        text = migrator_statement_text(s);
        assert_non_null(text);
        expect_bytes(what, joined, s->length, x->text, x->length);
        expect_bytes("migrator_statement_text", text, strlen(text), x->text, x->length);
        if (s->line != x->line || s->column != x->column)
            fail_msg("%s: starts at %u:%u, expected %u:%u", what, s->line, s->column, x->line,
                     x->column);
        migrator__checksum_statement(from_table, joined, s->length);
        migrator__checksum_statement(from_expected, x->text, x->length);
        free(text);
        free(joined);
    }
}

void bytes_check_table(const migrator_table *table, const char *expect_dir)
{
    char path[4096], *versions, *line, *next;
    size_t size, i, pieces = 0, statements = 0, bytes = 0;

    assert_int_equal(table->abi_version, MIGRATOR_TABLE_ABI_VERSION);
    assert_int_equal(table->checksum_algorithm, MIGRATOR_CHECKSUM_SHA256_V1);

    /* The table has exactly the migrations that were written. */
    snprintf(path, sizeof(path), "%s/versions", expect_dir);
    versions = read_file(path, &size);
    for (i = 0, line = versions; *line; line = next, i++) {
        next = strchr(line, '\n');
        assert_non_null(next);
        *next++ = '\0';
        if (i >= table->count)
            fail_msg("the table has %zu migrations; %s lists more", table->count, path);
        if (table->migrations[i].version != strtoll(line, NULL, 10))
            fail_msg("migration %zu: version %" PRId64 ", expected %s", i,
                     table->migrations[i].version, line);
    }
    if (i != table->count)
        fail_msg("the table has %zu migrations, expected %zu", table->count, i);
    free(versions);

    for (i = 0; i < table->count; i++) {
        const migrator_migration *m = &table->migrations[i];
        expectation *x = load_expectation(expect_dir, m->version);
        migrator__checksum from_table, from_expected;
        char table_hex[65], expected_hex[65];
        size_t k;

        assert_string_equal(m->name, x->name);
        if (m->flags != x->flags)
            fail_msg("%s: flags %#x, expected %#x", m->file, m->flags, x->flags);
        assert_int_equal(!!(m->flags & MIGRATOR_HAS_DOWN), x->down.present);
        assert_true(x->up.present);

        /* The checksum's records, in docs/checksum.md's order. */
        migrator__checksum_init(&from_table, m->flags, (migrator_dialect)table->dialect);
        migrator__checksum_init(&from_expected, x->flags, (migrator_dialect)table->dialect);
        migrator__checksum_section(&from_table, 0);
        migrator__checksum_section(&from_expected, 0);
        check_section(m, "up", &m->up, &x->up, &from_table, &from_expected);
        if (m->flags & MIGRATOR_HAS_DOWN) {
            migrator__checksum_section(&from_table, 1);
            migrator__checksum_section(&from_expected, 1);
        }
        check_section(m, "down", &m->down, &x->down, &from_table, &from_expected);
        migrator__checksum_final(&from_table, table_hex);
        migrator__checksum_final(&from_expected, expected_hex);

        assert_non_null(m->checksum);
        assert_int_equal(strlen(m->checksum), 64);
        if (strcmp(m->checksum, table_hex) != 0)
            fail_msg("%s: build-time checksum %s, recomputed from the table %s", m->file,
                     m->checksum, table_hex);
        assert_string_equal(expected_hex, table_hex);

        for (k = 0; k < m->up.count; k++, statements++) {
            pieces += m->up.statements[k].piece_count;
            bytes += m->up.statements[k].length;
        }
        for (k = 0; k < m->down.count; k++, statements++) {
            pieces += m->down.statements[k].piece_count;
            bytes += m->down.statements[k].length;
        }
        free_expectation(x);
    }
    print_message("  %zu migrations, %zu statements, %zu pieces, %zu bytes of SQL: all equal\n",
                  table->count, statements, pieces, bytes);
}

void bytes_check_committed(const migrator_table *table, const char *source_dir,
                           const char *generated_dir)
{
    size_t i;
    for (i = 0; i < table->count; i++) {
        const char *file = table->migrations[i].file, *base = strrchr(file, '/');
        char committed_path[4096], generated_path[4096];
        char *committed, *generated;
        size_t committed_size, generated_size;

        snprintf(committed_path, sizeof(committed_path), "%s/%s", source_dir, file);
        snprintf(generated_path, sizeof(generated_path), "%s/%s", generated_dir,
                 base ? base + 1 : file);
        committed = read_file(committed_path, &committed_size);
        generated = read_file(generated_path, &generated_size);
        if (committed_size != generated_size || memcmp(committed, generated, committed_size)) {
            print_error("%s is not what tests/bytes/fixture_gen.c writes (%s); regenerate the "
                        "committed fixtures (docs/reliability.md)\n",
                        committed_path, generated_path);
            expect_bytes(file, committed, committed_size, generated, generated_size);
        }
        free(committed);
        free(generated);
    }
}

/* ------------------------------------------------------------------------ */
/* (c): the database                                                          */

/* What a database check needs from its backend. */
typedef struct backend {
    /* Calls row(id, value, length, payload) for each row of bytes, by id;
     * returns the number of rows, or fails the test. */
    size_t (*rows)(void *db, void (*row)(long long id, const char *v, size_t n, void *payload),
                   void *payload);
    /* The first column of the only row of sql. */
    void (*query)(void *db, const char *sql, void (*result)(const char *v, size_t n, void *p),
                  void *payload);
    void *(*connect)(const char *where);
    void (*disconnect)(void *db);
} backend;

typedef struct row_cursor {
    const x_row *const *want;
    size_t count, at;
} row_cursor;

static void check_row(long long id, const char *v, size_t n, void *payload)
{
    row_cursor *cursor = payload;
    const x_row *want;
    char what[64];
    if (cursor->at >= cursor->count)
        fail_msg("table bytes has a row %lld that no applied migration inserted", id);
    want = cursor->want[cursor->at++];
    if (id != want->id)
        fail_msg("table bytes: row id %lld, expected %lld", id, want->id);
    snprintf(what, sizeof(what), "table bytes, row %lld", id);
    expect_bytes(what, v, n, want->value, want->length);
}

static int by_id(const void *a, const void *b)
{
    const x_row *x = *(const x_row *const *)a, *y = *(const x_row *const *)b;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* The rows of bytes must be those of the migrations applied[i] != 0. */
static void check_rows(const backend *be, void *db, expectation *const *x, const int *applied,
                       size_t count)
{
    size_t i, k, n = 0, got;
    const x_row **want;
    row_cursor cursor;
    for (i = 0; i < count; i++)
        if (applied[i])
            n += x[i]->row_count;
    want = malloc((n ? n : 1) * sizeof(*want));
    assert_non_null(want);
    for (i = 0, n = 0; i < count; i++)
        for (k = 0; applied[i] && k < x[i]->row_count; k++)
            want[n++] = &x[i]->rows[k];
    qsort(want, n, sizeof(*want), by_id);
    cursor.want = want;
    cursor.count = n;
    cursor.at = 0;
    got = be->rows(db, check_row, &cursor);
    if (got != n)
        fail_msg("table bytes has %zu rows, expected %zu", got, n);
    free(want);
}

typedef struct query_payload {
    const x_query *want;
} query_payload;

static void check_query_result(const char *v, size_t n, void *payload)
{
    const x_query *want = ((query_payload *)payload)->want;
    expect_bytes(want->sql, v, n, want->value, want->length);
}

static void check_database(const backend *be, const migrator_table *table,
                           const char *expect_dir, const char *url, const char *where)
{
    migrator_repo *repo = NULL;
    migrator_run_opts opts = MIGRATOR_RUN_OPTS_INIT;
    migrator_versions ran = {NULL, 0};
    expectation **x;
    int *applied;
    size_t i, k, total_rows = 0;
    void *db;
    int rc;

    x = calloc(table->count, sizeof(*x));
    applied = calloc(table->count, sizeof(*applied));
    assert_non_null(x);
    assert_non_null(applied);
    for (i = 0; i < table->count; i++) {
        x[i] = load_expectation(expect_dir, table->migrations[i].version);
        total_rows += x[i]->row_count;
    }

    opts.log = MIGRATOR_LOG_OFF;
    rc = migrator_open(&repo, url, NULL);
    if (rc != MIGRATOR_OK)
        fail_msg("migrator_open: %s", migrator_errmsg(NULL));
    rc = migrator_run(repo, table, MIGRATOR_UP, &opts, &ran);
    if (rc != MIGRATOR_OK)
        fail_msg("migrator_run up: %s", migrator_errmsg(repo));
    assert_int_equal(ran.count, table->count);
    migrator_versions_free(&ran);
    for (i = 0; i < table->count; i++)
        applied[i] = 1;

    /* Everything up: every row and every query. */
    db = be->connect(where);
    check_rows(be, db, x, applied, table->count);
    for (i = 0; i < table->count; i++) {
        for (k = 0; k < x[i]->query_count; k++) {
            query_payload payload;
            payload.want = &x[i]->queries[k];
            be->query(db, x[i]->queries[k].sql, check_query_result, &payload);
        }
    }
    be->disconnect(db);
    print_message("  up: %zu rows of table bytes read back equal\n", total_rows);

    /* Down one at a time: the down statements delete by exact value. */
    for (i = table->count; i-- > 0;) {
        const migrator_migration *m = &table->migrations[i];
        rc = migrator_down(repo, table, m->version, &opts);
        if (!(m->flags & MIGRATOR_HAS_DOWN)) {
            assert_int_equal(rc, MIGRATOR_EIRREVERSIBLE);
            continue;
        }
        if (rc != MIGRATOR_OK)
            fail_msg("migrator_down %" PRId64 ": %s", m->version, migrator_errmsg(repo));
        applied[i] = 0;
        if (i > 0) { /* migration 0 drops table bytes */
            db = be->connect(where);
            check_rows(be, db, x, applied, table->count);
            be->disconnect(db);
        }
    }
    print_message("  down: each migration deleted exactly its rows\n");
    migrator_close(repo);
    for (i = 0; i < table->count; i++)
        free_expectation(x[i]);
    free(x);
    free(applied);
}

/* SQLite */

static void *sqlite_connect(const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        fail_msg("%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
    return db;
}

static void sqlite_disconnect(void *db) { sqlite3_close(db); }

static size_t sqlite_rows(void *handle, void (*row)(long long, const char *, size_t, void *),
                          void *payload)
{
    sqlite3 *db = handle;
    sqlite3_stmt *s = NULL;
    size_t count = 0;
    int rc;
    if (sqlite3_prepare_v2(db, "SELECT id, v, typeof(v) FROM bytes ORDER BY id", -1, &s, NULL) !=
        SQLITE_OK)
        fail_msg("SELECT FROM bytes: %s", sqlite3_errmsg(db));
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(s, 1);
        size_t n = (size_t)sqlite3_column_bytes(s, 1);
        assert_string_equal((const char *)sqlite3_column_text(s, 2), "text");
        row(sqlite3_column_int64(s, 0), v ? v : "", n, payload);
        count++;
    }
    if (rc != SQLITE_DONE)
        fail_msg("SELECT FROM bytes: %s", sqlite3_errmsg(db));
    sqlite3_finalize(s);
    return count;
}

static void sqlite_query(void *handle, const char *sql,
                         void (*result)(const char *, size_t, void *), void *payload)
{
    sqlite3 *db = handle;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_step(s) != SQLITE_ROW)
        fail_msg("%s: no row (%s)", sql, sqlite3_errmsg(db));
    result((const char *)sqlite3_column_text(s, 0), (size_t)sqlite3_column_bytes(s, 0), payload);
    if (sqlite3_step(s) != SQLITE_DONE)
        fail_msg("%s: more than one row", sql);
    sqlite3_finalize(s);
}

void bytes_check_sqlite(const migrator_table *table, const char *expect_dir, const char *path)
{
    static const backend sqlite_backend = {sqlite_rows, sqlite_query, sqlite_connect,
                                           sqlite_disconnect};
    char url[4200], journal[4200];
    snprintf(url, sizeof(url), "sqlite:%s", path);
    snprintf(journal, sizeof(journal), "%s-journal", path);
    if (remove(path) != 0 && errno != ENOENT)
        fail_msg("%s: %s", path, strerror(errno));
    remove(journal);
    check_database(&sqlite_backend, table, expect_dir, url, path);
    remove(path);
}

/* PostgreSQL */

#ifdef BYTES_HAVE_POSTGRES
#include "pg_test_db.h"

static void *pg_connect(const char *url)
{
    PGconn *c = pg_test_connect(url);
    if (!c)
        fail_msg("cannot connect to %s", url);
    return c;
}

static void pg_disconnect(void *c) { PQfinish(c); }

static size_t pg_rows(void *c, void (*row)(long long, const char *, size_t, void *),
                      void *payload)
{
    PGresult *r = PQexec(c, "SELECT id, v FROM bytes ORDER BY id");
    int i, n;
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("SELECT FROM bytes: %s", PQerrorMessage(c));
    n = PQntuples(r);
    for (i = 0; i < n; i++)
        row(strtoll(PQgetvalue(r, i, 0), NULL, 10), PQgetvalue(r, i, 1),
            (size_t)PQgetlength(r, i, 1), payload);
    PQclear(r);
    return (size_t)n;
}

static void pg_query(void *c, const char *sql, void (*result)(const char *, size_t, void *),
                     void *payload)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    if (PQntuples(r) != 1)
        fail_msg("%s: %d rows, expected one", sql, PQntuples(r));
    result(PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0), payload);
    PQclear(r);
}

void bytes_check_postgres(const migrator_table *table, const char *expect_dir, const char *url)
{
    static const backend pg_backend = {pg_rows, pg_query, pg_connect, pg_disconnect};
    check_database(&pg_backend, table, expect_dir, url, url);
}
#else
void bytes_check_postgres(const migrator_table *table, const char *expect_dir, const char *url)
{
    (void)table;
    (void)expect_dir;
    (void)url;
    fail_msg("built without PostgreSQL");
}
#endif
