/*
 * json_check: the JSON parser of the trust tests. CI has no python3 or jq,
 * so `migrations --format json` is checked by this strict RFC 8259
 * recursive-descent parser rather than by matching strings.
 *
 *   json_check [--status] < DOCUMENT
 *       Parses the whole document (one value, nothing after it but
 *       whitespace; strings in valid UTF-8, no raw control characters,
 *       escapes and surrogate pairs checked, no duplicate keys) and prints
 *       every leaf as one line, PATH=VALUE, in document order:
 *           .repo="trust_v1"
 *           .migrations[0].version=20240101000000
 *           .migrations[0].applied_at=null
 *       (strings re-escaped as JSON, empty arrays and objects as [] / {}).
 *       With --status it also checks the shape of `migrations --format json`
 *       (docs/cli.md): the keys of each migration, their types and how they
 *       agree with each other. Exit 0, or 1 with the reason on stderr.
 *   json_check --self-test
 *       Runs the parser on documents that must be accepted or rejected.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum kind { J_NULL, J_BOOL, J_NUMBER, J_STRING, J_ARRAY, J_OBJECT } kind;

typedef struct node {
    kind kind;
    char *text;          /* number: as written; string: decoded UTF-8; bool: "true"/"false" */
    size_t length;       /* of text (a string may hold \u0000) */
    struct node **items; /* array elements or object values */
    char **keys;         /* object keys (decoded) */
    size_t count;
} node;

typedef struct parser {
    const char *at, *end;
    char error[256];
    int depth;
} parser;

static node *fail(parser *p, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static node *fail(parser *p, const char *format, ...)
{
    va_list args;
    if (!p->error[0]) {
        va_start(args, format);
        vsnprintf(p->error, sizeof(p->error), format, args);
        va_end(args);
    }
    return NULL;
}

static void node_free(node *n)
{
    size_t i;
    if (!n)
        return;
    for (i = 0; i < n->count; i++) {
        node_free(n->items[i]);
        if (n->keys)
            free(n->keys[i]);
    }
    free(n->items);
    free(n->keys);
    free(n->text);
    free(n);
}

static node *new_node(kind k)
{
    node *n = calloc(1, sizeof(*n));
    if (!n) {
        fputs("json_check: out of memory\n", stderr);
        exit(2);
    }
    n->kind = k;
    return n;
}

static void *grow(void *items, size_t count, size_t size)
{
    void *bigger = realloc(items, (count + 1) * size);
    if (!bigger) {
        fputs("json_check: out of memory\n", stderr);
        exit(2);
    }
    return bigger;
}

static void skip_space(parser *p)
{
    while (p->at < p->end && (*p->at == ' ' || *p->at == '\t' || *p->at == '\n' || *p->at == '\r'))
        p->at++;
}

static int hex4(const char *s, unsigned long *out)
{
    int i;
    *out = 0;
    for (i = 0; i < 4; i++) {
        int c = s[i], v = c >= '0' && c <= '9'   ? c - '0'
                          : c >= 'a' && c <= 'f' ? c - 'a' + 10
                          : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                 : -1;
        if (v < 0)
            return -1;
        *out = *out * 16 + (unsigned long)v;
    }
    return 0;
}

/* Appends code point c as UTF-8. */
static void put_utf8(char *out, size_t *length, unsigned long c)
{
    if (c < 0x80) {
        out[(*length)++] = (char)c;
    } else if (c < 0x800) {
        out[(*length)++] = (char)(0xc0 | (c >> 6));
        out[(*length)++] = (char)(0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
        out[(*length)++] = (char)(0xe0 | (c >> 12));
        out[(*length)++] = (char)(0x80 | ((c >> 6) & 0x3f));
        out[(*length)++] = (char)(0x80 | (c & 0x3f));
    } else {
        out[(*length)++] = (char)(0xf0 | (c >> 18));
        out[(*length)++] = (char)(0x80 | ((c >> 12) & 0x3f));
        out[(*length)++] = (char)(0x80 | ((c >> 6) & 0x3f));
        out[(*length)++] = (char)(0x80 | (c & 0x3f));
    }
}

/* The length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_length(const unsigned char *s, size_t n)
{
    size_t length, i;
    unsigned long c;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        length = 2, c = s[0] & 0x1fu;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        length = 3, c = s[0] & 0x0fu;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        length = 4, c = s[0] & 0x07u;
    else
        return 0;
    if (length > n)
        return 0;
    for (i = 1; i < length; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3fu);
    }
    if ((length == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
        (length == 4 && (c < 0x10000 || c > 0x10ffff)))
        return 0; /* overlong, a surrogate, or beyond Unicode */
    return length;
}

/* A string, at its opening quote; *out is the decoded text. */
static int parse_string(parser *p, char **out, size_t *out_length)
{
    const char *start = ++p->at;
    char *text = malloc((size_t)(p->end - start) + 1);
    size_t length = 0;
    if (!text) {
        fputs("json_check: out of memory\n", stderr);
        exit(2);
    }
    while (p->at < p->end && *p->at != '"') {
        unsigned char c = (unsigned char)*p->at;
        if (c < 0x20) {
            free(text);
            fail(p, "raw control character 0x%02x in a string", c);
            return -1;
        }
        if (c == '\\') {
            unsigned long code, low;
            if (p->end - p->at < 2)
                break;
            switch (p->at[1]) {
            case '"': text[length++] = '"'; break;
            case '\\': text[length++] = '\\'; break;
            case '/': text[length++] = '/'; break;
            case 'b': text[length++] = '\b'; break;
            case 'f': text[length++] = '\f'; break;
            case 'n': text[length++] = '\n'; break;
            case 'r': text[length++] = '\r'; break;
            case 't': text[length++] = '\t'; break;
            case 'u':
                if (p->end - p->at < 6 || hex4(p->at + 2, &code) != 0) {
                    free(text);
                    fail(p, "bad \\u escape");
                    return -1;
                }
                p->at += 4;
                if (code >= 0xdc00 && code <= 0xdfff) {
                    free(text);
                    fail(p, "lone low surrogate \\u%04lx", code);
                    return -1;
                }
                if (code >= 0xd800 && code <= 0xdbff) {
                    if (p->end - p->at < 8 || p->at[2] != '\\' || p->at[3] != 'u' ||
                        hex4(p->at + 4, &low) != 0 || low < 0xdc00 || low > 0xdfff) {
                        free(text);
                        fail(p, "high surrogate \\u%04lx without its low half", code);
                        return -1;
                    }
                    p->at += 6;
                    code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
                }
                put_utf8(text, &length, code);
                break;
            default:
                free(text);
                fail(p, "bad escape \\%c", p->at[1]);
                return -1;
            }
            p->at += 2;
        } else {
            size_t n = utf8_length((const unsigned char *)p->at, (size_t)(p->end - p->at));
            if (n == 0) {
                free(text);
                fail(p, "invalid UTF-8 in a string");
                return -1;
            }
            memcpy(text + length, p->at, n);
            length += n;
            p->at += n;
        }
    }
    if (p->at >= p->end) {
        free(text);
        fail(p, "unterminated string");
        return -1;
    }
    p->at++; /* the closing quote */
    text[length] = '\0';
    *out = text;
    *out_length = length;
    return 0;
}

static int digits(parser *p)
{
    const char *start = p->at;
    while (p->at < p->end && *p->at >= '0' && *p->at <= '9')
        p->at++;
    return p->at > start;
}

static node *parse_number(parser *p)
{
    const char *start = p->at;
    node *n;
    if (*p->at == '-')
        p->at++;
    if (p->at < p->end && *p->at == '0')
        p->at++;
    else if (!digits(p))
        return fail(p, "bad number");
    if (p->at < p->end && *p->at == '.') {
        p->at++;
        if (!digits(p))
            return fail(p, "bad number: no digit after the point");
    }
    if (p->at < p->end && (*p->at == 'e' || *p->at == 'E')) {
        p->at++;
        if (p->at < p->end && (*p->at == '+' || *p->at == '-'))
            p->at++;
        if (!digits(p))
            return fail(p, "bad number: no digit in the exponent");
    }
    n = new_node(J_NUMBER);
    n->length = (size_t)(p->at - start);
    n->text = malloc(n->length + 1);
    if (!n->text)
        exit(2);
    memcpy(n->text, start, n->length);
    n->text[n->length] = '\0';
    return n;
}

static node *parse_value(parser *p);

static node *parse_container(parser *p, int object)
{
    node *n = new_node(object ? J_OBJECT : J_ARRAY);
    if (++p->depth > 64) {
        node_free(n);
        return fail(p, "nested too deeply");
    }
    p->at++;
    skip_space(p);
    if (p->at < p->end && *p->at == (object ? '}' : ']')) {
        p->at++;
        p->depth--;
        return n;
    }
    for (;;) {
        node *value;
        skip_space(p);
        if (object) {
            char *key;
            size_t key_length, i;
            if (p->at >= p->end || *p->at != '"') {
                node_free(n);
                return fail(p, "expected a key");
            }
            if (parse_string(p, &key, &key_length) != 0) {
                node_free(n);
                return NULL;
            }
            for (i = 0; i < n->count; i++)
                if (strcmp(n->keys[i], key) == 0) {
                    fail(p, "duplicate key \"%s\"", key);
                    free(key);
                    node_free(n);
                    return NULL;
                }
            n->keys = grow(n->keys, n->count, sizeof(*n->keys));
            n->keys[n->count] = key;
            skip_space(p);
            if (p->at >= p->end || *p->at != ':') {
                free(key);
                node_free(n);
                return fail(p, "expected ':'");
            }
            p->at++;
        }
        if (!(value = parse_value(p))) {
            if (object)
                free(n->keys[n->count]);
            node_free(n);
            return NULL;
        }
        n->items = grow(n->items, n->count, sizeof(*n->items));
        n->items[n->count++] = value;
        skip_space(p);
        if (p->at < p->end && *p->at == ',') {
            p->at++;
            continue;
        }
        if (p->at < p->end && *p->at == (object ? '}' : ']')) {
            p->at++;
            p->depth--;
            return n;
        }
        node_free(n);
        return fail(p, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static node *parse_value(parser *p)
{
    static const char *const literals[] = {"null", "true", "false"};
    size_t i;
    skip_space(p);
    if (p->at >= p->end)
        return fail(p, "unexpected end of the document");
    if (*p->at == '{' || *p->at == '[')
        return parse_container(p, *p->at == '{');
    if (*p->at == '"') {
        node *n = new_node(J_STRING);
        if (parse_string(p, &n->text, &n->length) != 0) {
            node_free(n);
            return NULL;
        }
        return n;
    }
    if (*p->at == '-' || (*p->at >= '0' && *p->at <= '9'))
        return parse_number(p);
    for (i = 0; i < 3; i++) {
        size_t length = strlen(literals[i]);
        if ((size_t)(p->end - p->at) >= length && memcmp(p->at, literals[i], length) == 0) {
            node *n = new_node(i == 0 ? J_NULL : J_BOOL);
            p->at += length;
            if (i) {
                n->text = malloc(length + 1);
                if (!n->text)
                    exit(2);
                memcpy(n->text, literals[i], length + 1);
            }
            return n;
        }
    }
    return fail(p, "unexpected character '%c'", *p->at);
}

/* The whole document: one value and whitespace. */
static node *parse_document(const char *text, size_t length, char *error, size_t error_size)
{
    parser p;
    node *n;
    memset(&p, 0, sizeof(p));
    p.at = text;
    p.end = text + length;
    n = parse_value(&p);
    if (n) {
        skip_space(&p);
        if (p.at != p.end) {
            node_free(n);
            n = fail(&p, "text after the value");
        }
    }
    if (!n)
        snprintf(error, error_size, "byte %ld: %s", (long)(p.at - text), p.error);
    return n;
}

static void print_string(const char *text, size_t length)
{
    size_t i;
    putchar('"');
    for (i = 0; i < length; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c == '\n')
            fputs("\\n", stdout);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

/* PATH=VALUE lines for every leaf under n. */
static void flatten(const node *n, char *path, size_t used, size_t size)
{
    size_t i;
    if ((n->kind == J_ARRAY || n->kind == J_OBJECT) && n->count > 0) {
        for (i = 0; i < n->count; i++) {
            int added = n->kind == J_ARRAY ? snprintf(path + used, size - used, "[%zu]", i)
                                           : snprintf(path + used, size - used, ".%s", n->keys[i]);
            if (added < 0 || (size_t)added >= size - used) {
                fputs("json_check: path too long\n", stderr);
                exit(2);
            }
            flatten(n->items[i], path, used + (size_t)added, size);
            path[used] = '\0';
        }
        return;
    }
    printf("%s=", used ? path : ".");
    switch (n->kind) {
    case J_NULL: fputs("null", stdout); break;
    case J_BOOL:
    case J_NUMBER: fputs(n->text, stdout); break;
    case J_STRING: print_string(n->text, n->length); break;
    case J_ARRAY: fputs("[]", stdout); break;
    case J_OBJECT: fputs("{}", stdout); break;
    }
    putchar('\n');
}

/* ---- the shape of `migrations --format json` ------------------------------- */

static const node *member(const node *object, const char *key)
{
    size_t i;
    for (i = 0; i < object->count; i++)
        if (strcmp(object->keys[i], key) == 0)
            return object->items[i];
    return NULL;
}

static int problem(const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

static int problem(const char *format, ...)
{
    va_list args;
    fputs("json_check: ", stderr);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fputc('\n', stderr);
    return 1;
}

static int is_hex64(const node *n)
{
    size_t i;
    if (n->kind != J_STRING || n->length != 64)
        return 0;
    for (i = 0; i < 64; i++)
        if (!((n->text[i] >= '0' && n->text[i] <= '9') || (n->text[i] >= 'a' && n->text[i] <= 'f')))
            return 0;
    return 1;
}

static int is_one_of(const node *n, const char *const *values)
{
    for (; n->kind == J_STRING && *values; values++)
        if (strcmp(n->text, *values) == 0)
            return 1;
    return 0;
}

static int check_status(const node *doc)
{
    static const char *const keys[] = {
        "version",           "name",          "status", "applied_at", "checksum",
        "recorded_checksum", "file_checksum", "file",   "partial",    NULL};
    static const char *const statuses[] = {"up", "down", "partial", NULL};
    static const char *const states[] = {"pending",    "match",   "mismatch",
                                         "unrecorded", "no_file", NULL};
    const node *repo, *list;
    size_t i, k, problems = 0;
    long long previous = -1;

    if (doc->kind != J_OBJECT || doc->count != 2 || !(repo = member(doc, "repo")) ||
        !(list = member(doc, "migrations")))
        return problem("the document is not an object of exactly \"repo\" and \"migrations\"");
    if (repo->kind != J_STRING || list->kind != J_ARRAY)
        return problem("\"repo\" must be a string and \"migrations\" an array");
    for (i = 0; i < list->count; i++) {
        const node *m = list->items[i], *version, *name, *status, *applied_at, *checksum, *recorded,
                   *file_checksum, *file, *partial;
        const char *state;
        long long v;
        char *end;
        if (m->kind != J_OBJECT || m->count != 9) {
            problems += problem("migrations[%zu] is not an object of 9 members", i);
            continue;
        }
        for (k = 0; keys[k]; k++)
            if (!member(m, keys[k]))
                break;
        if (keys[k]) {
            problems += problem("migrations[%zu] has no \"%s\"", i, keys[k]);
            continue;
        }
        version = member(m, "version"), name = member(m, "name"), status = member(m, "status");
        applied_at = member(m, "applied_at"), checksum = member(m, "checksum");
        recorded = member(m, "recorded_checksum"), file_checksum = member(m, "file_checksum");
        file = member(m, "file"), partial = member(m, "partial");
        if (version->kind != J_NUMBER || strspn(version->text, "0123456789") != version->length ||
            (v = strtoll(version->text, &end, 10), *end) || v <= previous) {
            problems += problem("migrations[%zu].version is not a natural number greater than "
                                "the one before",
                                i);
            continue;
        }
        previous = v;
        if (!is_one_of(status, statuses))
            problems += problem("migrations[%zu].status is not up, down or partial", i);
        if (!is_one_of(checksum, states)) {
            problems += problem("migrations[%zu].checksum is not a checksum state", i);
            continue;
        }
        state = checksum->text;
        if ((name->kind != J_STRING && name->kind != J_NULL) ||
            (file->kind != J_STRING && file->kind != J_NULL) ||
            (applied_at->kind != J_STRING && applied_at->kind != J_NULL) ||
            (partial->kind != J_STRING && partial->kind != J_NULL))
            problems += problem("migrations[%zu]: name, file, applied_at and partial must be "
                                "strings or null",
                                i);
        if ((strcmp(state, "no_file") == 0) !=
            (name->kind == J_NULL || file->kind == J_NULL || file_checksum->kind == J_NULL))
            problems += problem("migrations[%zu]: name, file and file_checksum must be null "
                                "exactly when the checksum state is no_file",
                                i);
        if (file_checksum->kind != J_NULL && !is_hex64(file_checksum))
            problems += problem("migrations[%zu].file_checksum is not 64 hex digits", i);
        if ((strcmp(state, "pending") == 0) != (applied_at->kind == J_NULL))
            problems += problem("migrations[%zu]: applied_at must be null exactly when pending", i);
        if ((strcmp(state, "pending") == 0) !=
            (strcmp(status->text, "down") == 0 ||
             (strcmp(status->text, "partial") == 0 && applied_at->kind == J_NULL)))
            problems += problem("migrations[%zu]: status and checksum state disagree", i);
        if ((strcmp(state, "match") == 0 || strcmp(state, "mismatch") == 0) ? !is_hex64(recorded)
            : strcmp(state, "no_file") == 0 ? recorded->kind != J_NULL && !is_hex64(recorded)
                                            : recorded->kind != J_NULL)
            problems += problem("migrations[%zu].recorded_checksum must be 64 hex digits for "
                                "match and mismatch, may be for no_file, null otherwise",
                                i);
        else if ((strcmp(state, "match") == 0 &&
                  strcmp(recorded->text, file_checksum->text) != 0) ||
                 (strcmp(state, "mismatch") == 0 &&
                  strcmp(recorded->text, file_checksum->text) == 0))
            problems +=
                problem("migrations[%zu]: the checksums disagree with the state %s", i, state);
        if ((strcmp(status->text, "partial") == 0) != (partial->kind != J_NULL))
            problems += problem("migrations[%zu]: partial must be a string exactly when the "
                                "status is partial",
                                i);
    }
    return problems ? 1 : 0;
}

/* ---- self-test ------------------------------------------------------------------- */

static int self_test(void)
{
    static const char *const good[] = {"{}",
                                       "[]",
                                       " [ 1 , -0.5e+3 , 0 , 1E2 , true , false , null ] ",
                                       "\"\"",
                                       "{\"a\":{\"b\":[[],{}]}}",
                                       "\"\\u00e9\\ud83d\\ude00\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
                                       "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"",
                                       "-0",
                                       "123456789012345678"};
    static const char *const bad[] = {"",
                                      " ",
                                      "{",
                                      "[1,]",
                                      "[1 2]",
                                      "{\"a\" 1}",
                                      "{\"a\":1,}",
                                      "{a:1}",
                                      "{\"a\":1,\"a\":2}",
                                      "01",
                                      "1.",
                                      ".5",
                                      "-",
                                      "1e",
                                      "+1",
                                      "0x10",
                                      "tru",
                                      "nul",
                                      "True",
                                      "\"abc",
                                      "'a'",
                                      "\"\t\"",
                                      "\"\\x\"",
                                      "\"\\u12\"",
                                      "\"\\ud800\"",
                                      "\"\\udc00\"",
                                      "\"\xc3\"",
                                      "\"\xc0\xaf\"",
                                      "\"\xed\xa0\x80\"",
                                      "[] []",
                                      "{} x",
                                      "[1]]",
                                      "NaN",
                                      "[Infinity]"};
    char error[300];
    size_t i, failures = 0;
    for (i = 0; i < sizeof(good) / sizeof(*good); i++) {
        node *n = parse_document(good[i], strlen(good[i]), error, sizeof(error));
        if (!n)
            failures += problem("self-test: rejected %s (%s)", good[i], error);
        node_free(n);
    }
    for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        node *n = parse_document(bad[i], strlen(bad[i]), error, sizeof(error));
        if (n)
            failures += problem("self-test: accepted %s", bad[i]);
        node_free(n);
    }
    {
        /* 65 levels of nesting are refused, 64 accepted */
        char deep[140];
        node *n;
        memset(deep, '[', 65);
        memset(deep + 65, ']', 65);
        if ((n = parse_document(deep, 130, error, sizeof(error))) != NULL)
            failures += problem("self-test: accepted 65 levels");
        node_free(n);
        if (!(n = parse_document(deep + 1, 128, error, sizeof(error))))
            failures += problem("self-test: rejected 64 levels (%s)", error);
        node_free(n);
    }
    if (failures)
        return 1;
    printf("json_check self-test: %zu accepted, %zu rejected, as expected\n",
           sizeof(good) / sizeof(*good) + 1, sizeof(bad) / sizeof(*bad) + 1);
    return 0;
}

int main(int argc, char **argv)
{
    char *text = NULL, error[300], path[4096];
    size_t length = 0, capacity = 0, got;
    int status = 0;
    node *doc;

    if (argc == 2 && strcmp(argv[1], "--self-test") == 0)
        return self_test();
    if (argc > 2 || (argc == 2 && strcmp(argv[1], "--status") != 0)) {
        fputs("usage: json_check [--status] < DOCUMENT | json_check --self-test\n", stderr);
        return 2;
    }
    do {
        if (length == capacity) {
            capacity = capacity ? capacity * 2 : 4096;
            if (!(text = realloc(text, capacity)))
                return 2;
        }
        got = fread(text + length, 1, capacity - length, stdin);
        length += got;
    } while (got > 0);
    if (!(doc = parse_document(text, length, error, sizeof(error)))) {
        fprintf(stderr, "json_check: not valid JSON: %s\n", error);
        free(text);
        return 1;
    }
    path[0] = '\0';
    flatten(doc, path, 0, sizeof(path));
    if (argc == 2)
        status = check_status(doc);
    node_free(doc);
    free(text);
    return status;
}
