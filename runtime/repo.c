/*
 * Opening and closing repos, with_repo and migrate_on_startup.
 *
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repo.h"

#ifdef MIGRATOR_HAVE_POSTGRES
#define POSTGRES_URLS ", postgres://... or postgresql://..."
#else
#define POSTGRES_URLS " (this libmigrator was built without PostgreSQL)"
#endif

/* The message of this thread's last failed migrator_open. */
static _Thread_local char open_error[512];

static const migrator_repo_config default_config = MIGRATOR_REPO_CONFIG_INIT;

/* Whether the query parameter at text is password=..., its name decoded as
 * libpq decodes it (%XX escapes). Sets *name_end to its '='. */
static int is_password_parameter(const char *text, const char **name_end)
{
    static const char want[] = "password";
    size_t matched = 0;
    const char *p = text;
    while (*p && *p != '=' && *p != '&') {
        int c = (unsigned char)*p;
        if (c == '%' && isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2])) {
            char hex[3] = {p[1], p[2], '\0'};
            c = (int)strtol(hex, NULL, 16);
            p += 3;
        } else {
            p++;
        }
        if (matched >= sizeof(want) - 1 || c != want[matched])
            return 0;
        matched++;
    }
    *name_end = p;
    return *p == '=' && matched == sizeof(want) - 1;
}

/* A part of a URL to hide: [start, end). */
typedef struct secret_span {
    size_t start, end;
} secret_span;

static int compare_spans(const void *a, const void *b)
{
    const secret_span *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

char *migrator__redact_url(const char *url)
{
    const char *scheme_end = strstr(url, "://"), *query, *p;
    size_t length = strlen(url), used = 0, i, count = 0, capacity = 1, k;
    secret_span *spans;
    char *copy;

    for (p = url; *p; p++)
        capacity += *p == '&' || *p == '?';
    if (!(spans = malloc(capacity * sizeof(*spans))))
        return NULL;
    /* The password of scheme://user:PASSWORD@host, as libpq reads a URI:
     * the user information is what comes before an '@' that comes before
     * the first '/'; only after a scheme at the start
     * ([A-Za-z][A-Za-z0-9+.-]*). */
    if (scheme_end) {
        for (p = url; p < scheme_end; p++)
            if (!(isalpha((unsigned char)*p) ||
                  (p > url && (isdigit((unsigned char)*p) || *p == '+' || *p == '.' || *p == '-'))))
                break;
        if (p != scheme_end || p == url)
            scheme_end = NULL;
    }
    if (scheme_end) {
        const char *start = scheme_end + 3, *colon;
        for (p = start; *p && *p != '@' && *p != '/'; p++)
            ;
        if (*p == '@' && (colon = memchr(start, ':', (size_t)(p - start))) != NULL) {
            spans[count].start = (size_t)(colon + 1 - url);
            spans[count++].end = (size_t)(p - url);
        }
    }
    /* The value of every password= parameter (its name decoded as libpq
     * does) from the first '?' on, even where libpq would read the text as
     * part of the user name: hiding more is safe. */
    query = strchr(scheme_end ? scheme_end + 3 : url, '?');
    for (i = query ? (size_t)(query - url) + 1 : length; i < length && count < capacity; i++) {
        const char *name_end;
        if ((url[i - 1] == '?' || url[i - 1] == '&') && is_password_parameter(url + i, &name_end)) {
            size_t end = (size_t)(name_end - url) + 1;
            spans[count].start = end;
            while (end < length && url[end] != '&')
                end++;
            spans[count++].end = end;
        }
    }
    qsort(spans, count, sizeof(*spans), compare_spans);
    /* Each hidden part, overlapping ones merged, becomes "***": at most 3
     * bytes more than it hid (an empty value). */
    if (!(copy = malloc(length + 3 * count + 1))) {
        free(spans);
        return NULL;
    }
    for (i = 0, k = 0; i < length;) {
        if (k < count && i == spans[k].start) {
            size_t end = spans[k].end;
            while (++k < count && spans[k].start <= end)
                if (spans[k].end > end)
                    end = spans[k].end;
            memcpy(copy + used, "***", 3);
            used += 3;
            i = end;
            continue;
        }
        while (k < count && spans[k].start < i) /* inside a merged span */
            k++;
        copy[used++] = url[i++];
    }
    while (k < count && spans[k].start == length) { /* an empty value at the end */
        memcpy(copy + used, "***", 3);
        used += 3;
        k = count;
    }
    copy[used] = '\0';
    free(spans);
    return copy;
}

/* The adapter for url, and where its target starts. */
static const migrator__adapter *adapter_for(const char *url, const char **target)
{
    if (strncmp(url, "sqlite:", 7) == 0) {
        *target = url + 7;
        return &migrator__sqlite_adapter;
    }
#ifdef MIGRATOR_HAVE_POSTGRES
    if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0) {
        *target = url; /* libpq reads the whole URL */
        return &migrator__postgres_adapter;
    }
#endif
    return NULL;
}

static int open_failed(migrator_repo *repo, int code)
{
    snprintf(open_error, sizeof(open_error), "%s",
             repo && repo->errmsg ? repo->errmsg : migrator_strerror(code));
    migrator_close(repo);
    return code;
}

int migrator_open(migrator_repo **out, const char *url, const migrator_repo_config *config)
{
    migrator_repo *repo;
    const char *target = NULL;
    int error;

    if (out)
        *out = NULL;
    open_error[0] = '\0';
    if (!out || !url) {
        snprintf(open_error, sizeof(open_error), "migrator_open: %s is NULL", out ? "url" : "out");
        return MIGRATOR_EINVAL;
    }
    if (!config)
        config = &default_config;
    if (!(repo = calloc(1, sizeof(*repo))))
        return open_failed(NULL, MIGRATOR_ENOMEM);
    if (!(repo->url_display = migrator__redact_url(url)) ||
        !(repo->source = migrator__strdup(config->migration_source ? config->migration_source
                                                                   : "schema_migrations")) ||
        !(repo->quoted_source = migrator__quote_identifier(repo->source)))
        return open_failed(repo, MIGRATOR_ENOMEM);
    repo->lock_mode = config->migration_lock;
    if (config->version != MIGRATOR_REPO_CONFIG_VERSION)
        return open_failed(repo, migrator__fail(repo, MIGRATOR_EINVAL,
                                                "migrator_repo_config.version is %u, expected %u "
                                                "(use MIGRATOR_REPO_CONFIG_INIT)",
                                                config->version, MIGRATOR_REPO_CONFIG_VERSION));
    if (!repo->source[0])
        return open_failed(repo,
                           migrator__fail(repo, MIGRATOR_EINVAL, "migration_source is empty"));
    if (!(repo->adapter = adapter_for(url, &target)))
        return open_failed(repo, migrator__fail(repo, MIGRATOR_EURL,
                                                "unsupported database URL \"%s\": expected "
                                                "sqlite:PATH, sqlite::memory:" POSTGRES_URLS,
                                                repo->url_display));
    if (config->migration_lock == MIGRATOR_LOCK_ADVISORY &&
        repo->adapter == &migrator__sqlite_adapter)
        return open_failed(repo,
                           migrator__fail(repo, MIGRATOR_EUNSUPPORTED,
                                          "SQLite has no advisory locks: use the default lock "
                                          "(BEGIN IMMEDIATE) or none"));
    if ((error = repo->adapter->open(repo, target)) < 0)
        return open_failed(repo, error);
    *out = repo;
    return MIGRATOR_OK;
}

void migrator_close(migrator_repo *repo)
{
    if (!repo)
        return;
    if (repo->adapter && repo->connection)
        repo->adapter->close(repo);
    free(repo->url_display);
    free(repo->source);
    free(repo->quoted_source);
    free(repo->errmsg);
    free(repo);
}

const char *migrator_errmsg(const migrator_repo *repo)
{
    if (!repo)
        return open_error;
    return repo->errmsg ? repo->errmsg : "";
}

int migrator_with_repo(const char *url, const migrator_repo_config *config,
                       int (*fn)(migrator_repo *repo, void *payload), void *payload)
{
    migrator_repo *repo;
    int result = migrator_open(&repo, url, config);
    if (result < 0)
        return result;
    result = fn ? fn(repo, payload) : MIGRATOR_OK;
    migrator_close(repo);
    return result;
}

int migrator_migrate_on_startup(const char *url, const migrator_repo_config *config,
                                const migrator_table *table, const migrator_run_opts *opts)
{
    static const migrator_run_opts defaults = MIGRATOR_RUN_OPTS_INIT;
    const char *skip = getenv("SKIP_MIGRATIONS");
    migrator_run_opts all = opts ? *opts : defaults;
    migrator_repo *repo;
    migrator_repo log_only;
    int result;

    memset(&log_only, 0, sizeof(log_only));
    log_only.opts = &all;
    all.strategy = MIGRATOR_STRATEGY_ALL;
    if (skip && strcmp(skip, "true") == 0) {
        migrator__log(&log_only, all.log, "Migrations skipped (SKIP_MIGRATIONS=true)");
        return MIGRATOR_SKIPPED;
    }
    if ((result = migrator_open(&repo, url, config)) < 0) {
        migrator__log(&log_only, MIGRATOR_LOG_ERROR, "%s", migrator_errmsg(NULL));
        return result;
    }
    if ((result = migrator_run(repo, table, MIGRATOR_UP, &all, NULL)) < 0) {
        log_only.opts = &all;
        migrator__log(&log_only, MIGRATOR_LOG_ERROR, "%s", migrator_errmsg(repo));
    }
    migrator_close(repo);
    return result;
}

char *migrator__qualified_name(const migrator_repo *repo, const char *quoted_name)
{
    const char *prefix =
        repo->opts && repo->opts->prefix && *repo->opts->prefix ? repo->opts->prefix : NULL;
    char *quoted_prefix, *result;
    size_t length;
    if (!prefix)
        return migrator__strdup(quoted_name);
    if (!(quoted_prefix = migrator__quote_identifier(prefix)))
        return NULL;
    length = strlen(quoted_prefix) + strlen(quoted_name) + 2;
    if ((result = malloc(length)))
        snprintf(result, length, "%s.%s", quoted_prefix, quoted_name);
    free(quoted_prefix);
    return result;
}
