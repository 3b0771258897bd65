/*
 * bytes_fixture_gen: writes the migration files of tests/bytes and, beside
 * them, what the generated table and the database must hold afterwards.
 *
 *   bytes_fixture_gen SET SQL_DIR EXPECT_DIR
 *
 * SET is one of
 *   small  quotes, backslashes, trigraphs, C and m4 look-alikes, every
 *          printable ASCII and control byte, UTF-8, CRLF / CR / BOM, flags
 *          (repo bytesrepo; committed under tests/bytes/fixtures/bytesrepo)
 *   pg     the PostgreSQL dialect: $$ and $tag$ bodies, E'' and U&'' strings,
 *          nested comments (repo bytespg; committed under fixtures/bytespg)
 *   long   statements cut into many 4000-byte pieces with a backslash, a
 *          trigraph, a doubled quote, a comment delimiter or a multi-byte
 *          UTF-8 character straddling each cut, a 1 MiB line, a long
 *          multi-line statement (repo byteslong; generated at build time)
 *   tenmb  a 10 MiB migration file (repo bytes10m; generated at build time)
 *
 * SQL_DIR receives <VERSION>_<name>.sql files. EXPECT_DIR receives
 * "versions" (one version a line) and, per migration, <VERSION>.expect: a
 * sequence of records, each a tag byte and NUL-terminated fields (SQL text
 * never holds a NUL, docs/file-format.md):
 *
 *   M name                the migration's name
 *   F flags               MIGRATOR_* flags, decimal
 *   U line                the up section starts (line of its directive)
 *   N line                the down section starts
 *   T line col, text      a statement of the current section: where its first
 *                         token is and its exact text after the file's
 *                         normalisation (BOM dropped, CRLF / CR as LF)
 *   V id, value           a row (id, v) of table bytes while it is applied
 *   Q sql, value          after every migration is up, sql gives one row
 *                         whose first column is value
 *
 * The expected text of a statement is the text this program wrote (it
 * never asks migrator how to split or escape anything), so the test compares
 * migrator's output with an independent source. Every file is rewritten
 * only when its content changes. Deterministic: same output every run.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FLAG_DISABLE_DDL_TRANSACTION 1u
#define FLAG_DISABLE_MIGRATION_LOCK 2u
#define FLAG_HAS_DOWN 4u
#define PIECE_MAX 4000 /* MIGRATOR_PIECE_MAX */

#if defined(__GNUC__) || defined(__clang__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

/* ------------------------------------------------------------------------ */
/* Buffers                                                                    */

typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static void die(const char *message)
{
    fprintf(stderr, "bytes_fixture_gen: %s\n", message);
    exit(1);
}

static void buf_put(buf *b, const void *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n + 1)
            cap *= 2;
        b->p = realloc(b->p, cap);
        if (!b->p)
            die("out of memory");
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void buf_str(buf *b, const char *s) { buf_put(b, s, strlen(s)); }

static void buf_nul(buf *b) { buf_put(b, "", 1); }

static void buf_printf(buf *b, const char *format, ...) PRINTF_LIKE(2, 3);
static void buf_printf(buf *b, const char *format, ...)
{
    char small[256];
    va_list args;
    int n;
    va_start(args, format);
    n = vsnprintf(small, sizeof(small), format, args);
    va_end(args);
    if (n < 0 || (size_t)n >= sizeof(small))
        die("buf_printf: too long");
    buf_put(b, small, (size_t)n);
}

static void buf_free(buf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

/* Writes data to path unless the file already holds exactly that. */
static void write_if_changed(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "rb");
    if (f) {
        int same = 0;
        if (fseek(f, 0, SEEK_END) == 0 && ftell(f) == (long)n) {
            char *old = malloc(n + 1);
            rewind(f);
            if (!old)
                die("out of memory");
            same = fread(old, 1, n, f) == n && memcmp(old, data, n) == 0;
            free(old);
        }
        fclose(f);
        if (same)
            return;
    }
    f = fopen(path, "wb");
    if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "bytes_fixture_gen: %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

/* ------------------------------------------------------------------------ */
/* Migrations being written                                                   */

typedef struct row {
    long id;
    char *value;
    size_t n;
} row;

typedef struct mig {
    const char *sql_dir, *expect_dir;
    buf *versions;
    int64_t version;
    char name[64];
    unsigned int flags;
    int bom, crlf;   /* write a BOM / CRLF line ends (the expectation has LF) */
    buf raw;         /* the file's bytes */
    buf norm;        /* the file as migrator reads it: no BOM, LF line ends */
    buf expect;      /* the records */
    unsigned int line, column; /* of the next byte of norm */
    size_t stmt_start;
    unsigned int stmt_line, stmt_column;
    int in_stmt;
    row *rows; /* inserted by the up section, deleted by the down section */
    size_t row_count;
} mig;

/* Appends raw bytes to the file and their normalised form. */
static void emit2(mig *m, const char *raw, size_t raw_n, const char *norm, size_t norm_n)
{
    size_t i;
    buf_put(&m->raw, raw, raw_n);
    buf_put(&m->norm, norm, norm_n);
    for (i = 0; i < norm_n; i++) {
        if (norm[i] == '\n') {
            m->line++;
            m->column = 1;
        } else {
            m->column++;
        }
    }
}

/* Appends text that needs no normalisation (no CR); LF becomes CRLF in a
 * CRLF file. */
static void emitn(mig *m, const char *s, size_t n)
{
    size_t i, start = 0;
    if (memchr(s, '\r', n))
        die("emitn: CR (use emit2)");
    if (!m->crlf) {
        emit2(m, s, n, s, n);
        return;
    }
    for (i = 0; i < n; i++) {
        if (s[i] == '\n') {
            emit2(m, s + start, i - start, s + start, i - start);
            emit2(m, "\r\n", 2, "\n", 1);
            start = i + 1;
        }
    }
    emit2(m, s + start, n - start, s + start, n - start);
}

static void emit(mig *m, const char *s) { emitn(m, s, strlen(s)); }

static void emitf(mig *m, const char *format, ...) PRINTF_LIKE(2, 3);
static void emitf(mig *m, const char *format, ...)
{
    char small[256];
    va_list args;
    int n;
    va_start(args, format);
    n = vsnprintf(small, sizeof(small), format, args);
    va_end(args);
    if (n < 0 || (size_t)n >= sizeof(small))
        die("emitf: too long");
    emitn(m, small, (size_t)n);
}

/* A SQL string literal of value: quotes doubled. */
static void emit_quoted(mig *m, const char *value, size_t n)
{
    size_t i, start = 0;
    emit(m, "'");
    for (i = 0; i < n; i++) {
        if (value[i] == '\'') {
            emitn(m, value + start, i + 1 - start);
            emit(m, "'");
            start = i + 1;
        }
    }
    emitn(m, value + start, n - start);
    emit(m, "'");
}

static void record(mig *m, char tag, const char *field)
{
    buf_put(&m->expect, &tag, 1);
    buf_str(&m->expect, field);
    buf_nul(&m->expect);
}

static void begin(mig *m, const char *sql_dir, const char *expect_dir, buf *versions,
                  int64_t version, const char *name, unsigned int flags, const char *about)
{
    memset(m, 0, sizeof(*m));
    m->sql_dir = sql_dir;
    m->expect_dir = expect_dir;
    m->versions = versions;
    m->version = version;
    snprintf(m->name, sizeof(m->name), "%s", name);
    m->flags = flags;
    m->line = 1;
    m->column = 1;
    record(m, 'M', name);
    emit(m, "-- Generated by tests/bytes/fixture_gen.c: do not edit (docs/reliability.md).\n");
    emit(m, "-- ");
    emit(m, about);
    emit(m, "\n");
    if (flags & FLAG_DISABLE_DDL_TRANSACTION)
        emit(m, "-- migrate:disable_ddl_transaction\n");
    if (flags & FLAG_DISABLE_MIGRATION_LOCK)
        emit(m, "-- migrate:disable_migration_lock\n");
}

static void up(mig *m)
{
    char line[32];
    snprintf(line, sizeof(line), "%u", m->line);
    record(m, 'U', line);
    emit(m, "-- migrate:up\n");
}

static void down(mig *m)
{
    char line[32];
    emit(m, "\n");
    snprintf(line, sizeof(line), "%u", m->line);
    record(m, 'N', line);
    m->flags |= FLAG_HAS_DOWN;
    emit(m, "-- migrate:down\n");
}

static void st_begin(mig *m)
{
    if (m->in_stmt)
        die("st_begin: statement already open");
    m->in_stmt = 1;
    m->stmt_start = m->norm.n;
    m->stmt_line = m->line;
    m->stmt_column = m->column;
}

/* Ends the statement with terminator (";\n", or "" for the last one of a
 * section) and records it. */
static void st_end_with(mig *m, const char *terminator)
{
    char where[64];
    if (!m->in_stmt)
        die("st_end: no statement");
    m->in_stmt = 0;
    snprintf(where, sizeof(where), "%u %u", m->stmt_line, m->stmt_column);
    buf_put(&m->expect, "T", 1);
    buf_str(&m->expect, where);
    buf_nul(&m->expect);
    if (memchr(m->norm.p + m->stmt_start, '\0', m->norm.n - m->stmt_start))
        die("NUL in a statement");
    buf_put(&m->expect, m->norm.p + m->stmt_start, m->norm.n - m->stmt_start);
    buf_nul(&m->expect);
    emit(m, terminator);
}

static void st_end(mig *m) { st_end_with(m, ";\n"); }

/* A whole statement with no normalisation involved. */
static void stmt(mig *m, const char *text)
{
    st_begin(m);
    emit(m, text);
    st_end(m);
}

static void value_record(mig *m, long id, const char *value, size_t n)
{
    char number[32];
    snprintf(number, sizeof(number), "%ld", id);
    record(m, 'V', number);
    buf_put(&m->expect, value, n);
    buf_nul(&m->expect);
}

static void remember_row(mig *m, long id, const char *value, size_t n)
{
    row *r;
    m->rows = realloc(m->rows, (m->row_count + 1) * sizeof(*m->rows));
    if (!m->rows)
        die("out of memory");
    r = &m->rows[m->row_count++];
    r->id = id;
    r->n = n;
    r->value = malloc(n + 1);
    if (!r->value)
        die("out of memory");
    memcpy(r->value, value, n);
    r->value[n] = '\0';
    value_record(m, id, value, n);
}

static void remember_str(mig *m, long id, const char *value)
{
    remember_row(m, id, value, strlen(value));
}

/* INSERT INTO bytes (id, v) VALUES (id, '<value>'), down-deleted. */
static void insert_n(mig *m, long id, const char *value, size_t n)
{
    st_begin(m);
    emitf(m, "INSERT INTO bytes (id, v) VALUES (%ld, ", id);
    emit_quoted(m, value, n);
    emit(m, ")");
    st_end(m);
    remember_row(m, id, value, n);
}

static void insert(mig *m, long id, const char *value) { insert_n(m, id, value, strlen(value)); }

/* The rows' values again, in the down section: a row is deleted only if
 * the down statement's literal is byte for byte the up statement's. */
static void delete_rows(mig *m)
{
    size_t i;
    for (i = m->row_count; i-- > 0;) {
        st_begin(m);
        emitf(m, "DELETE FROM bytes WHERE id = %ld AND v = ", m->rows[i].id);
        emit_quoted(m, m->rows[i].value, m->rows[i].n);
        st_end(m);
    }
}

static void query_n(mig *m, const char *sql, const char *value, size_t n)
{
    record(m, 'Q', sql);
    buf_put(&m->expect, value, n);
    buf_nul(&m->expect);
}

/* A statement that SQLite keeps verbatim in sqlite_master.sql (CREATE
 * TABLE / INDEX / VIEW / TRIGGER spelt "CREATE <TYPE> " exactly): the
 * stored text is checked too. name_literal is a SQL string literal. */
static void create_sqlite(mig *m, const char *name_literal, const char *text)
{
    char sql[512];
    stmt(m, text);
    snprintf(sql, sizeof(sql), "SELECT sql FROM sqlite_master WHERE name = %s", name_literal);
    query_n(m, sql, text, strlen(text));
}

static void finish(mig *m)
{
    char path[4096], number[32];
    buf file = {0};
    size_t i;
    if (m->in_stmt)
        die("finish: statement open");
    snprintf(number, sizeof(number), "%u", m->flags);
    record(m, 'F', number);
    if (m->bom)
        buf_put(&file, "\xef\xbb\xbf", 3);
    buf_put(&file, m->raw.p, m->raw.n);
    snprintf(path, sizeof(path), "%s/%" PRId64 "_%s.sql", m->sql_dir, m->version, m->name);
    write_if_changed(path, file.p, file.n);
    snprintf(path, sizeof(path), "%s/%" PRId64 ".expect", m->expect_dir, m->version);
    write_if_changed(path, m->expect.p, m->expect.n);
    buf_printf(m->versions, "%" PRId64 "\n", m->version);
    buf_free(&file);
    buf_free(&m->raw);
    buf_free(&m->norm);
    buf_free(&m->expect);
    for (i = 0; i < m->row_count; i++)
        free(m->rows[i].value);
    free(m->rows);
}

/* The first migration of every repo. */
static void create_bytes_table(mig *m, const char *sql_dir, const char *expect_dir, buf *versions,
                               int64_t version, const char *column_type)
{
    char text[128];
    begin(m, sql_dir, expect_dir, versions, version, "create_bytes",
          0, "The table every value of this repo goes to.");
    up(m);
    snprintf(text, sizeof(text), "CREATE TABLE bytes (id INTEGER PRIMARY KEY, v %s NOT NULL)",
             column_type);
    stmt(m, text);
    down(m);
    stmt(m, "DROP TABLE bytes");
    finish(m);
}

/* ------------------------------------------------------------------------ */
/* Set "small": repo bytesrepo, run on SQLite (dialect any)                   */

static void set_small(const char *sql_dir, const char *expect_dir, buf *versions)
{
    mig m;
    long id;
    size_t i;

    create_bytes_table(&m, sql_dir, expect_dir, versions, INT64_C(20240301000001), "TEXT");

    /* Quotes. */
    begin(&m, sql_dir, expect_dir, versions, INT64_C(20240301000002), "quotes", 0,
          "Single quotes (doubled in SQL), double quotes, backticks, brackets, comment "
          "delimiters and semicolons inside strings.");
    up(&m);
    {
        static const char *const values[] = {
            "it's", "'", "''", "'''", "'leading", "trailing'", "'both'", "say \"hi\"", "\"",
            "\"\"", "\"'\"'", "`tick`", "`", "[bracket]", "[", "]", "'; DROP TABLE bytes; --",
            ";", ";;", "a;b", "-- not a comment", "/* not a comment */", "*/", "/*",
            "*/ int x; /*", "$$", "$1", "$tag$", "E'x'", "N'x'", "X'41'", "''''''''",
            "it''s already doubled",
        };
        for (i = 0, id = 100; i < sizeof(values) / sizeof(values[0]); i++, id++)
            insert(&m, id, values[i]);
        /* A quoted identifier with a doubled double quote and friends. */
        st_begin(&m);
        emit(&m, "INSERT INTO bytes (id, v) SELECT 150, \"we\"\"ird ?\?/ */ 'x'\" FROM "
                 "(SELECT 'value of \"we\"\"ird\"' AS \"we\"\"ird ?\?/ */ 'x'\")");
        st_end(&m);
        remember_str(&m, 150, "value of \"we\"\"ird\"");
        /* Comments with quotes between statements are not part of any. */
        emit(&m, "-- it's a comment with a ' and a \" and `, ?\?/ and \\\n");
        emit(&m, "/* a block comment: ' \" ` ?\?/ \\ -- ; */\n");
        insert(&m, 151, "after two comments");
        /* ... and inside a statement they are. */
        st_begin(&m);
        emit(&m, "INSERT INTO bytes (id, v) -- it's inside; with a ' and \\\n"
                 "  /* and ' \" ` ; here */ VALUES (152, 'inside'' comments')");
        st_end(&m);
        remember_str(&m, 152, "inside' comments");
    }
    down(&m);
    delete_rows(&m);
    finish(&m);

    /* Backslashes. */
    begin(&m, sql_dir, expect_dir, versions, INT64_C(20240301000003), "backslashes", 0,
          "Backslashes: alone, doubled, before a quote, before a newline, at the end of a "
          "string and of a comment line (SQL strings have no backslash escapes).");
    up(&m);
    {
        static const char *const values[] = {
            "\\", "\\\\", "\\\\\\", "\\'", "\\\"", "\\n", "\\t", "\\0", "\\x00", "\\x41",
            "\\101", "\\u0000", "\\u00e9", "C:\\path\\to\\file", "\\\\server\\share", "ends\\",
            "ends\\\\", "\\\nafter a backslash-newline", "two lines \\\nthree \\\\\nend",
            "\\?", "?\\?", "\\%", "\\\\n", "\\\\\\'\\'",
        };
        for (i = 0, id = 200; i < sizeof(values) / sizeof(values[0]); i++, id++) {
            insert(&m, id, values[i]);
        }
        st_begin(&m);
        emit(&m, "INSERT INTO bytes (id, v) -- a comment ending in a backslash \\\n"
                 "VALUES (250, 'after a comment ending in a backslash')");
        st_end(&m);
        remember_str(&m, 250, "after a comment ending in a backslash");
        st_begin(&m);
        emit(&m, "INSERT INTO bytes (id, v) /* backslash \\\n newline \\\\\n */ VALUES (251, "
                 "'x')");
        st_end(&m);
        remember_str(&m, 251, "x");
    }
    down(&m);
    delete_rows(&m);
    finish(&m);

    /* Trigraphs and digraphs. */
    begin(&m, sql_dir, expect_dir, versions, INT64_C(20240301000004), "trigraphs", 0,
          "The nine trigraphs, runs of question marks, ?\?/ before a newline, digraphs.");
    up(&m);
    {
        static const char *const values[] = {
            "?\?=", "?\?/", "?\?'", "?\?(", "?\?)", "?\?!", "?\?<", "?\?>", "?\?-",
            "?\?=?\?/?\?'?\?(?\?)?\?!?\?<?\?>?\?-", "?\?\?=", "?\?\?\?/", "?\?\?\?\?", "?\?", "?",
            "?\?/\nx", "?\?/?\?/", "\"?\?/\"", "?\?/\\", "\\?\?/", "?\?'?\?'",
            "<: :> <% %> %: %:%:", "trailing ?\?", "?\? leading", "?\?/\n?\?/\n",
        };
        for (i = 0, id = 300; i < sizeof(values) / sizeof(values[0]); i++, id++)
            insert(&m, id, values[i]);
        st_begin(&m);
        emit(&m, "INSERT INTO bytes (id, v) -- a comment ending in ?\?/\n"
                 "VALUES (350, /* ?\?/ */ 'x?\?/')");
        st_end(&m);
        remember_str(&m, 350, "x?\?/");
    }
    down(&m);
    delete_rows(&m);
    finish(&m);

    /* C look-alikes. */
    begin(&m, sql_dir, expect_dir, versions, INT64_C(20240301000005), "c_text", 0,
          "Text that looks like C: format directives, escapes, comment delimiters, "
          "preprocessor lines, string literals.");
    up(&m);
    {
        static const char *const values[] = {
            "%s", "%n", "%d%d%d%n", "%%", "%", "%1$s", "%.*s", "%ls", "\\0", "'\\0'",
            "\"\\0\"", "#include <stdio.h>", "x\n#include <stdio.h>\n#define X 1\n#if 0\n#endif",
            "*/ int x; /*", "\"; int y = 0; char *z = \"", "// not a comment", "__FILE__",
            "__LINE__", "__DATE__", "#pragma once", "\\x41\\101\\u0041", "{ }", "\"\\",
            "main(){}", "L\"wide\" u8\"x\" R\"(raw)\"", "\"", "\"\"\"", "\\\"\\\"",
            "?\?=define x", "#", "##", "#x",
        };
        for (i = 0, id = 400; i < sizeof(values) / sizeof(values[0]); i++, id++)
            insert(&m, id, values[i]);
    }
    down(&m);
    delete_rows(&m);
    finish(&m);

    /* m4 look-alikes, in a migration whose name is an m4 builtin. */
    begin(&m, sql_dir, expect_dir, versions, INT64_C(20240301000006), "m4_dnl", 0,
          "Text that looks like m4: quotes, builtins with and without the m4_ prefix, the "
          "generator's own macros (MIGRATOR_GEN_...), $1 and comments.");
    up(&m);
    {
        static const char *const values[] = {
            "`quoted'", "`", "'", "`'", "'`", "``''", "changequote", "changequote([,])",
            "m4_changequote(<<,>>)", "define(`x', `y')x", "m4_define(`MIGRATOR_GEN_REPO', `pwned')",
            "dnl", "m4_dnl rest of the line", "dnl\nnext line", "__FILE__", "__LINE__",
            "m4___file__", "m4___line__", "m4___program__", "MIGRATOR_GEN_REPO",
            "MIGRATOR_GEN_TABLE", "MIGRATOR_GEN_HEADER", "MIGRATOR_GEN_GUARD",
            "MIGRATOR_GEN_BODY", "MIGRATOR_GEN_DIALECT", "MIGRATOR_GEN_COUNT",
            "MIGRATOR_GEN_LIST", "MIGRATOR_GEN_FIRST_VERSION", "MIGRATOR_GEN_LAST_VERSION",
            "m4_undivert(MIGRATOR_GEN_BODY)", "m4_include(/etc/passwd)",
            "m4_esyscmd(echo pwned)", "m4_syscmd(false)", "m4_m4exit(1)", "m4_divert(-1)",
            "m4_errprint(x)", "$0 $1 $# $* $@", "# not an m4 comment", "m4_changecom(#)", "(",
            ")", ",", "`unbalanced", "unbalanced'", "m4_dnl`'", "m4_ifdef(`x',`y',`z')",
            "m4_translit(abc, a, b)", "m4_eval(1+1)",
        };
        for (i = 0, id = 500; i < sizeof(values) / sizeof(values[0]); i++, id++)
            insert(&m, id, values[i]);
        /* Identifiers named like macros. */
        create_sqlite(&m, "'m4_dnl'",
                      "CREATE TABLE m4_dnl (MIGRATOR_GEN_REPO TEXT, dnl TEXT, changequote TEXT, "
                      "\"m4_undivert(MIGRATOR_GEN_BODY)\" TEXT, \"`x'\" TEXT, __FILE__ TEXT)");
    }
    down(&m);
    stmt(&m, "DROP TABLE m4_dnl");
    delete_rows(&m);
    finish(&m);

    /* Every ASCII byte the file format allows, one row each and all
     * together; tab and form feed between tokens too. */
    begin(&m, sql_dir, expect_dir, versions, INT64_C(20240301000007), "ascii", 0,
          "Every printable ASCII character and every control byte but NUL, CR and LF, "
          "alone and together; tab and form feed between tokens (SQLite rejects a vertical tab "
          "there).");
    up(&m);
    {
        char all[128], one[2];
        size_t n = 0;
        int c;
        for (c = 0x20; c <= 0x7e; c++)
            all[n++] = (char)c;
        insert_n(&m, 600, all, n);
        for (c = 0x20; c <= 0x7e; c++) {
            one[0] = (char)c;
            insert_n(&m, 2000 + c, one, 1);
        }
        n = 0;
        for (c = 1; c < 0x20; c++)
            if (c != '\n' && c != '\r')
                all[n++] = (char)c;
        all[n++] = 0x7f;
        insert_n(&m, 700, all, n);
        for (c = 1; c < 0x20; c++) {
            if (c == '\n' || c == '\r')
                continue;
            one[0] = (char)c;
            insert_n(&m, 2200 + c, one, 1);
        }
        insert_n(&m, 800, "\x7f", 1);
        insert(&m, 801, "tab\tinside\t\tstring\t");
        insert(&m, 802, "\n");
        insert(&m, 803, "\n\n\n");
        insert(&m, 804, " leading and trailing spaces ");
        insert(&m, 805, "");
        /* A control byte is written as an octal escape: the digits after it
         * must not join the escape. */
        insert(&m, 807, "\x1b[31mred\x1b[0m");
        insert(&m, 808, "\x01" "7\x02" "0\x03" "777\x7f" "1\x1f" "8");
        insert(&m, 809, "\xc3\xa9" "0\xe2\x82\xac" "7\xf0\x9f\x98\x80" "1");
        st_begin(&m);
        emit(&m, "INSERT\tINTO\fbytes\f(id,\t\tv)\f\tVALUES\t(806,\t'\tx\f\v')");
        st_end(&m);
        remember_str(&m, 806, "\tx\f\v");
    }
    down(&m);
    delete_rows(&m);
    finish(&m);

    /* UTF-8. */
    begin(&m, sql_dir, expect_dir, versions, INT64_C(20240301000008), "utf8", 0,
          "UTF-8: 2, 3 and 4-byte characters at the edges of their ranges, a BOM character "
          "inside a string, U+2028 and U+0085, in strings and in quoted identifiers.");
    up(&m);
    {
        static const char *const values[] = {
            "\xc3\xa9", "na\xc3\xafve caf\xc3\xa9", "\xc3\x9f\xce\xa9", "\xc2\x80", "\xdf\xbf",
            "\xe2\x82\xac", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", "\xef\xbf\xbd",
            "\xef\xbb\xbf", "\xef\xbb\xbfstarts with a BOM character", "\xe0\xa0\x80",
            "\xef\xbf\xbf", "\xed\x9f\xbf", "\xee\x80\x80", "\xe2\x80\xa8", "\xc2\x85",
            "\xf0\x9f\x98\x80", "\xf0\x9d\x84\x9e", "\xf4\x8f\xbf\xbf", "\xf0\x90\x80\x80",
            "e\xcc\x81 (combining)", "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d (RTL)",
            "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7",
            "\xc3\xa9'\xe2\x82\xac'\xf0\x9f\x98\x80", "\xe2\x82\xac?\?/\xe2\x82\xac\\",
            "line\n\xef\xbb\xbf at the start of a line",
        };
        for (i = 0, id = 900; i < sizeof(values) / sizeof(values[0]); i++, id++)
            insert(&m, id, values[i]);
        create_sqlite(&m, "'t\xc3\xa0" "ble \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80'",
                      "CREATE TABLE \"t\xc3\xa0" "ble \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80\" "
                      "(\"c\xc3\xb6lumn \xe2\x88\x91\" TEXT, \"\xef\xbb\xbf\" TEXT)");
    }
    down(&m);
    stmt(&m, "DROP TABLE \"t\xc3\xa0" "ble \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80\"");
    delete_rows(&m);
    finish(&m);

    /* CRLF line ends, a BOM, a lone CR and a CRLF inside strings: all LF. */
    begin(&m, sql_dir, expect_dir, versions, INT64_C(20240301000009), "crlf_bom", 0,
          "A BOM and CRLF line ends; a lone CR, CRLF and CR CR LF inside strings. The file "
          "format reads every line end as LF, in strings too (docs/file-format.md).");
    m.bom = 1;
    m.crlf = 1;
    up(&m);
    insert(&m, 1000, "crlf file");
    insert(&m, 1001, "two\nlines"); /* written with CRLF */
    st_begin(&m);
    emit(&m, "INSERT INTO bytes (id, v) VALUES (1002, 'lone");
    emit2(&m, "\r", 1, "\n", 1);
    emit(&m, "cr')");
    st_end(&m);
    remember_str(&m, 1002, "lone\ncr");
    st_begin(&m);
    emit(&m, "INSERT INTO bytes (id, v) VALUES (1003, 'cr");
    emit2(&m, "\r", 1, "\n", 1);
    emit2(&m, "\r\n", 2, "\n", 1);
    emit(&m, "crlf')");
    st_end(&m);
    remember_str(&m, 1003, "cr\n\ncrlf");
    insert(&m, 1004, "\xef\xbb\xbf not dropped inside");
    /* A statement on lines that end with CR alone. */
    st_begin(&m);
    emit(&m, "INSERT INTO bytes (id, v)");
    emit2(&m, "\r", 1, "\n", 1);
    emit(&m, "VALUES (1005, 'after a lone CR line end')");
    st_end(&m);
    remember_str(&m, 1005, "after a lone CR line end");
    down(&m);
    delete_rows(&m);
    finish(&m);

    /* Both header directives: their checksum records. */
    begin(&m, sql_dir, expect_dir, versions, INT64_C(20240301000010), "flags",
          FLAG_DISABLE_DDL_TRANSACTION | FLAG_DISABLE_MIGRATION_LOCK,
          "Both header directives (outside a transaction, without the lock).");
    up(&m);
    insert(&m, 1100, "no transaction ?\?/ \\ '' \xe2\x82\xac");
    insert(&m, 1101, "-- migrate:down");
    insert(&m, 1102, "\n-- migrate:down\n");
    insert(&m, 1103, "\n-- migrate:up\n");
    down(&m);
    delete_rows(&m);
    finish(&m);

    /* A trigger body: semicolons, END and quotes in its strings. */
    begin(&m, sql_dir, expect_dir, versions, INT64_C(20240301000011), "trigger", 0,
          "A trigger body whose strings hold ;, END, quotes, ?\?/ and */.");
    up(&m);
    stmt(&m, "CREATE TABLE src (id INTEGER PRIMARY KEY, v TEXT)");
    create_sqlite(&m, "'bytes_trg'",
                  "CREATE TRIGGER bytes_trg AFTER INSERT ON src\n"
                  "BEGIN\n"
                  "  INSERT INTO bytes (id, v) VALUES (NEW.id, 'trigger ; END ''; ?\?/ */ \\' || "
                  "NEW.v);\n"
                  "END");
    stmt(&m, "INSERT INTO src (id, v) VALUES (1200, 'x; END;')");
    value_record(&m, 1200, "trigger ; END '; ?\?/ */ \\x; END;", strlen("trigger ; END '; ?\?/ */ \\x; END;"));
    down(&m);
    stmt(&m, "DELETE FROM bytes WHERE id = 1200");
    stmt(&m, "DROP TRIGGER bytes_trg");
    st_begin(&m);
    emit(&m, "DROP TABLE src");
    st_end_with(&m, "\n"); /* the last statement without its ';' */
    finish(&m);

    /* An empty down section ("nothing to undo"): an N record and no T. */
    begin(&m, sql_dir, expect_dir, versions, INT64_C(20240301000012), "empty_down", 0,
          "An empty down section; the table it creates outlives a rollback.");
    up(&m);
    create_sqlite(&m, "'keep ?\?/ \\'",
                  "CREATE TABLE \"keep ?\?/ \\\" (\"'\" TEXT, \"\"\"\" TEXT, \"`\" TEXT)");
    down(&m);
    emit(&m, "-- nothing to undo; ' \" ` ?\?/\n");
    finish(&m);

    /* No down section: irreversible, no N record. */
    begin(&m, sql_dir, expect_dir, versions, INT64_C(20240301000013), "irreversible", 0,
          "No down section: the migration is irreversible.");
    up(&m);
    create_sqlite(&m, "'irreversible \xe2\x82\xac'",
                  "CREATE TABLE \"irreversible \xe2\x82\xac\" (v TEXT DEFAULT '?\?/ \\ ''')");
    st_begin(&m);
    emit(&m, "INSERT INTO \"irreversible \xe2\x82\xac\" DEFAULT VALUES");
    st_end_with(&m, "\n-- a last comment ' ?\?/\n");
    query_n(&m, "SELECT v FROM \"irreversible \xe2\x82\xac\"", "?\?/ \\ '", strlen("?\?/ \\ '"));
    finish(&m);
}

/* ------------------------------------------------------------------------ */
/* Set "pg": repo bytespg, dialect postgres                                   */

/* INSERT INTO bytes (id, v) VALUES (id, <literal>) whose literal is given
 * as written in SQL, with the value it must give. */
static void insert_literal(mig *m, long id, const char *literal, const char *value)
{
    st_begin(m);
    emitf(m, "INSERT INTO bytes (id, v) VALUES (%ld, ", id);
    emit(m, literal);
    emit(m, ")");
    st_end(m);
    remember_row(m, id, value, strlen(value));
}

static void set_pg(const char *sql_dir, const char *expect_dir, buf *versions)
{
    mig m;
    create_bytes_table(&m, sql_dir, expect_dir, versions, INT64_C(20240401000001), "text");

    begin(&m, sql_dir, expect_dir, versions, INT64_C(20240401000002), "dollar_quotes", 0,
          "$$ and $tag$ bodies holding quotes, backslashes, $, ;, comment delimiters, "
          "trigraphs, m4 and C look-alikes and UTF-8.");
    up(&m);
    {
        /* body as written between the delimiters = the value */
        static const struct {
            const char *open, *body, *close;
        } cases[] = {
            {"$$", "it's", "$$"},
            {"$$", "'' \" \\ \\\\ ` ?\?/ ?\?= ?\?( */ /* -- ; $ $x $1", "$$"},
            {"$$", "line \\\nnext \\\\\n", "$$"},
            {"$tag$", "$$ inside, and $tag alone", "$tag$"},
            {"$a$", "$b$ $$ $a $ a$", "$a$"},
            {"$_$", "`quoted' changequote m4_dnl dnl MIGRATOR_GEN_BODY __FILE__", "$_$"},
            {"$q1$", "%s %n \\0 #include <x.h> */ int x; /*", "$q1$"},
            {"$\xc3\xa9$", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 \xef\xbb\xbf", "$\xc3\xa9$"},
            {"$$", "", "$$"},
            {"$$", "\t\x01\x1f\x7f", "$$"},
        };
        size_t i;
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            char literal[512];
            snprintf(literal, sizeof(literal), "%s%s%s", cases[i].open, cases[i].body,
                     cases[i].close);
            insert_literal(&m, 100 + (long)i, literal, cases[i].body);
        }
        /* A function whose $fn$ body holds a $q$ string: pg_proc.prosrc
         * keeps the body verbatim. */
        {
            static const char body[] =
                "\nBEGIN\n"
                "  -- it's a comment; ?\?/ \\\n"
                "  RETURN $q$it's ; $$ \\ ?\?/ */ \xe2\x82\xac$q$ || E'\\\\';\n"
                "END;\n";
            buf text = {0};
            buf_str(&text, "CREATE FUNCTION bytes_fn() RETURNS text LANGUAGE plpgsql AS $fn$");
            buf_str(&text, body);
            buf_str(&text, "$fn$");
            stmt(&m, text.p);
            query_n(&m, "SELECT prosrc FROM pg_proc WHERE proname = 'bytes_fn'", body,
                    strlen(body));
            buf_free(&text);
            insert_literal(&m, 120, "bytes_fn()", "it's ; $$ \\ ?\?/ */ \xe2\x82\xac\\");
        }
    }
    down(&m);
    delete_rows(&m);
    stmt(&m, "DROP FUNCTION bytes_fn()");
    finish(&m);

    begin(&m, sql_dir, expect_dir, versions, INT64_C(20240401000003), "escapes", 0,
          "E'' strings with backslash escapes, standard strings with backslashes, U&'' "
          "strings, nested block comments.");
    up(&m);
    insert_literal(&m, 200, "E'\\\\'", "\\");
    insert_literal(&m, 201, "E'it\\'s'", "it's");
    insert_literal(&m, 202, "E'it''s'", "it's");
    insert_literal(&m, 203, "E'a\\nb'", "a\nb");
    insert_literal(&m, 204, "E'\\t'", "\t");
    insert_literal(&m, 205, "E'\\x41\\101'", "AA");
    insert_literal(&m, 206, "E'\\u00e9\\U0001F600'", "\xc3\xa9\xf0\x9f\x98\x80");
    insert_literal(&m, 207, "E'?\?/'", "?\?/");
    insert_literal(&m, 208, "E'\\?\\?/'", "?\?/");
    insert_literal(&m, 209, "e'\\\\\\''", "\\'");
    insert_literal(&m, 210, "'\\'", "\\");
    insert_literal(&m, 211, "'\\\\'", "\\\\");
    insert_literal(&m, 212, "'ends\\'", "ends\\");
    insert_literal(&m, 213, "U&'d\\0061t\\+000061'", "data");
    insert_literal(&m, 214, "U&'\\\\'", "\\");
    insert_literal(&m, 215, "E'line\\\nnext'", "line\nnext");
    st_begin(&m);
    emit(&m, "INSERT INTO bytes (id, v) /* outer /* inner ' \" */ still ' a comment */ "
             "VALUES (216, E'\\'/* not a comment */')");
    st_end(&m);
    remember_str(&m, 216, "'/* not a comment */");
    down(&m);
    delete_rows(&m);
    finish(&m);
}

/* ------------------------------------------------------------------------ */
/* Sets "long" and "tenmb": generated text                                    */

typedef struct unit {
    const char *sql;   /* as written inside a '...' literal */
    const char *value; /* what it stands for */
} unit;

/* Everything that may appear inside a literal, one character or sequence
 * at a time (a unit is never split, so the file stays valid UTF-8). */
static const unit pool[] = {
    {"''", "'"}, {"\"", "\""}, {"\\", "\\"}, {"\\\\", "\\\\"}, {"?\?/", "?\?/"},
    {"?\?=", "?\?="}, {"?\?''", "?\?'"}, {"?\?(", "?\?("}, {"?", "?"}, {"*/", "*/"},
    {"/*", "/*"}, {"--", "--"}, {";", ";"}, {"%n", "%n"}, {"%s", "%s"}, {"\\0", "\\0"},
    {"`", "`"}, {"$$", "$$"}, {"#include", "#include"}, {"m4_dnl", "m4_dnl"},
    {"changequote", "changequote"}, {"MIGRATOR_GEN_BODY", "MIGRATOR_GEN_BODY"},
    {"__FILE__", "__FILE__"}, {"\t", "\t"}, {"\x01", "\x01"}, {"\x1b", "\x1b"}, {"\x7f", "\x7f"},
    {"\xc3\xa9", "\xc3\xa9"}, {"\xc2\x80", "\xc2\x80"}, {"\xdf\xbf", "\xdf\xbf"},
    {"\xe2\x82\xac", "\xe2\x82\xac"}, {"\xe6\x97\xa5", "\xe6\x97\xa5"},
    {"\xef\xbb\xbf", "\xef\xbb\xbf"}, {"\xef\xbf\xbd", "\xef\xbf\xbd"},
    {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"}, {"\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"},
};
#define POOL_COUNT (sizeof(pool) / sizeof(pool[0]))

static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* A literal's content: sql and value grow together. */
typedef struct literal {
    buf sql, value;
} literal;

static void lit_add(literal *l, const char *sql, const char *value)
{
    buf_str(&l->sql, sql);
    buf_str(&l->value, value);
}

static void lit_free(literal *l)
{
    buf_free(&l->sql);
    buf_free(&l->value);
}

/* A random unit: printable ASCII (no quote) 3 times in 4, else the pool. */
static void lit_random(literal *l, int newlines)
{
    uint64_t r = rng();
    if (newlines && r % 64 == 0) {
        /* a line end, often right after a backslash or a trigraph */
        static const char *const ends[] = {"\n", "\\\n", "?\?/\n", "\\\\\n", "\xe2\x82\xac\n"};
        const char *e = ends[(r >> 8) % 5];
        lit_add(l, e, e);
    } else if (r % 4 != 0) {
        char c[2] = {(char)(0x20 + (r >> 8) % 95), 0};
        if (c[0] == '\'')
            lit_add(l, "''", "'");
        else
            lit_add(l, c, c);
    } else {
        const unit *u = &pool[(r >> 8) % POOL_COUNT];
        lit_add(l, u->sql, u->value);
    }
}

/* Statements cut at 4000, 8000, ... bytes (no line end in them), with one
 * sequence straddling each cut: `sql` is placed so that its first `split`
 * bytes end the piece. */
typedef struct straddle {
    const char *sql, *value;
    size_t split;
} straddle;

static const straddle straddles[] = {
    {"\\\n", "\\\n", 1},   /* a backslash ends a piece, the line end begins the next */
    {"\\\\", "\\\\", 1},   /* two backslashes apart */
    {"?\?/", "?\?/", 1},   /* ? | ?/ */
    {"?\?/", "?\?/", 2},   /* ?? | / */
    {"?\?=", "?\?=", 2},   /* ?? | = */
    {"?\?''", "?\?'", 2},  /* ?? | '' */
    {"?\?''", "?\?'", 3},  /* ??' | ' : the doubled quote apart */
    {"''", "'", 1},        /* a doubled quote apart */
    {"*/", "*/", 1},       /* comment delimiters apart */
    {"/*", "/*", 1},
    {"\\\"", "\\\"", 1},   /* backslash | double quote */
    {"%n", "%n", 1},
    {"\\0", "\\0", 1},
    {"\xc3\xa9", "\xc3\xa9", 1},                 /* 2-byte UTF-8 after its first byte */
    {"\xe2\x82\xac", "\xe2\x82\xac", 1},         /* 3-byte, after 1 and 2 bytes */
    {"\xe2\x82\xac", "\xe2\x82\xac", 2},
    {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80", 1}, /* 4-byte, after 1, 2 and 3 bytes */
    {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80", 2},
    {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80", 3},
    {"\xef\xbb\xbf", "\xef\xbb\xbf", 1},         /* a BOM character apart */
    {"\\\n", "\\\n", 1},   /* again at the end */
};
#define STRADDLE_COUNT (sizeof(straddles) / sizeof(straddles[0]))

/* Fills l with filler until its SQL is `target` bytes long: whole units
 * from a filler set while they fit, then 'x'. No line end, no quote. */
static void fill_to(literal *l, size_t target)
{
    static const char *const filler[] = {"abc ", "XYZ", "0123", "?", "\\", "*", "/",
                                         "%", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
                                         "?\?/", "`", "\"", "$"};
    while (l->sql.n < target) {
        const char *f = filler[rng() % (sizeof(filler) / sizeof(filler[0]))];
        if (l->sql.n + strlen(f) > target)
            f = "x";
        lit_add(l, f, f);
    }
}

static void set_long(const char *sql_dir, const char *expect_dir, buf *versions)
{
    mig m;
    size_t s, k;

    rng_state = UINT64_C(0x9e3779b97f4a7c15);
    create_bytes_table(&m, sql_dir, expect_dir, versions, INT64_C(20240501000001), "TEXT");

    /* Straddles: three statements, each with seven cuts. */
    begin(&m, sql_dir, expect_dir, versions, INT64_C(20240501000002), "boundaries", 0,
          "One-line statements cut every 4000 bytes, each cut inside a backslash pair, a "
          "trigraph, a doubled quote, a comment delimiter or a multi-byte character.");
    up(&m);
    for (s = 0; s < STRADDLE_COUNT; s += 7) {
        literal l = {{0}, {0}};
        char head[64];
        size_t head_length;
        long id = 100 + (long)(s / 7);
        snprintf(head, sizeof(head), "INSERT INTO bytes (id, v) VALUES (%ld, '", id);
        head_length = strlen(head);
        for (k = 0; k < 7 && s + k < STRADDLE_COUNT; k++) {
            const straddle *d = &straddles[s + k];
            fill_to(&l, PIECE_MAX * (k + 1) - d->split - head_length);
            lit_add(&l, d->sql, d->value);
        }
        fill_to(&l, l.sql.n + 100);
        st_begin(&m);
        emit(&m, head);
        emitn(&m, l.sql.p, l.sql.n);
        emit(&m, "')");
        st_end(&m);
        remember_row(&m, id, l.value.p, l.value.n);
        lit_free(&l);
    }
    /* The same in a multi-line statement whose lines are short except one
     * run without a line end: cuts at line ends, then at 4000 bytes. */
    {
        literal l = {{0}, {0}};
        size_t line;
        for (line = 0; line < 300; line++) {
            fill_to(&l, l.sql.n + 10 + (size_t)(rng() % 50));
            lit_add(&l, line % 3 ? "\n" : "\\\n", line % 3 ? "\n" : "\\\n");
        }
        fill_to(&l, l.sql.n + 9000);
        lit_add(&l, "\n", "\n");
        st_begin(&m);
        emit(&m, "INSERT INTO bytes (id, v) VALUES (110, '");
        emitn(&m, l.sql.p, l.sql.n);
        emit(&m, "')");
        st_end(&m);
        remember_row(&m, 110, l.value.p, l.value.n);
        lit_free(&l);
    }
    down(&m);
    delete_rows(&m);
    finish(&m);

    /* A 1 MiB line. */
    begin(&m, sql_dir, expect_dir, versions, INT64_C(20240501000003), "long_line", 0,
          "A statement on one line of 1 MiB (and the same literal again in the down "
          "section): 262 cuts at 4000 bytes, many of them inside a multi-byte character.");
    up(&m);
    {
        literal l = {{0}, {0}};
        while (l.sql.n < 1024 * 1024)
            lit_random(&l, 0);
        insert_n(&m, 200, l.value.p, l.value.n);
        lit_free(&l);
    }
    down(&m);
    delete_rows(&m);
    finish(&m);

    /* A long multi-line statement with lines of every length. */
    begin(&m, sql_dir, expect_dir, versions, INT64_C(20240501000004), "multiline", 0,
          "A 400 kB statement of lines from 0 to 9000 bytes, many ending in a backslash or "
          "?\?/, and multi-row INSERTs.");
    up(&m);
    {
        literal l = {{0}, {0}};
        while (l.sql.n < 400 * 1000) {
            size_t length = (size_t)(rng() % 100 == 0 ? rng() % 9000 : rng() % 120), start = l.sql.n;
            while (l.sql.n - start < length)
                lit_random(&l, 0);
            if (rng() % 2)
                lit_add(&l, "\\\n", "\\\n");
            else
                lit_add(&l, "\n", "\n");
        }
        insert_n(&m, 300, l.value.p, l.value.n);
        lit_free(&l);
    }
    {
        /* A multi-row INSERT over several pieces. */
        long id;
        literal rows[40];
        st_begin(&m);
        emit(&m, "INSERT INTO bytes (id, v) VALUES\n");
        for (id = 0; id < 40; id++) {
            memset(&rows[id], 0, sizeof(rows[id]));
            while (rows[id].sql.n < 500)
                lit_random(&rows[id], 1);
            emitf(&m, "  (%ld, '", 400 + id);
            emitn(&m, rows[id].sql.p, rows[id].sql.n);
            emit(&m, id < 39 ? "'),\n" : "')");
        }
        st_end(&m);
        for (id = 0; id < 40; id++) {
            remember_row(&m, 400 + id, rows[id].value.p, rows[id].value.n);
            lit_free(&rows[id]);
        }
    }
    down(&m);
    delete_rows(&m);
    finish(&m);
}

static void set_tenmb(const char *sql_dir, const char *expect_dir, buf *versions)
{
    mig m;
    long id = 1000;
    const size_t target = 10u * 1024 * 1024;

    rng_state = UINT64_C(0x2545f4914f6cdd1d);
    create_bytes_table(&m, sql_dir, expect_dir, versions, INT64_C(20240601000001), "TEXT");

    begin(&m, sql_dir, expect_dir, versions, INT64_C(20240601000002), "ten_mb", 0,
          "A 10 MiB file: multi-row INSERTs of about 50 kB, values of every kind of byte "
          "with line ends.");
    up(&m);
    while (m.raw.n < target) {
        size_t rows = 10, r;
        st_begin(&m);
        emit(&m, "INSERT INTO bytes (id, v) VALUES\n");
        for (r = 0; r < rows && m.raw.n < target; r++) {
            literal l = {{0}, {0}};
            size_t length = 3000 + (size_t)(rng() % 4000);
            while (l.sql.n < length)
                lit_random(&l, 1);
            if (r)
                emit(&m, ",\n");
            emitf(&m, "  (%ld, '", id);
            emitn(&m, l.sql.p, l.sql.n);
            emit(&m, "')");
            value_record(&m, id, l.value.p, l.value.n);
            id++;
            lit_free(&l);
        }
        st_end(&m);
    }
    down(&m);
    {
        char text[128];
        snprintf(text, sizeof(text), "DELETE FROM bytes WHERE id BETWEEN 1000 AND %ld", id - 1);
        stmt(&m, text);
    }
    finish(&m);
}

int main(int argc, char **argv)
{
    buf versions = {0};
    char path[4096];
    if (argc != 4) {
        fprintf(stderr, "usage: bytes_fixture_gen small|pg|long|tenmb SQL_DIR EXPECT_DIR\n");
        return 2;
    }
    buf_str(&versions, "");
    if (strcmp(argv[1], "small") == 0)
        set_small(argv[2], argv[3], &versions);
    else if (strcmp(argv[1], "pg") == 0)
        set_pg(argv[2], argv[3], &versions);
    else if (strcmp(argv[1], "long") == 0)
        set_long(argv[2], argv[3], &versions);
    else if (strcmp(argv[1], "tenmb") == 0)
        set_tenmb(argv[2], argv[3], &versions);
    else {
        fprintf(stderr, "bytes_fixture_gen: unknown set \"%s\"\n", argv[1]);
        return 2;
    }
    snprintf(path, sizeof(path), "%s/versions", argv[3]);
    write_if_changed(path, versions.p, versions.n);
    buf_free(&versions);
    return 0;
}
