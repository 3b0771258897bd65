/*
 * libFuzzer target: database URLs. migrator__redact_url (runtime/repo.c),
 * which hides passwords in the URLs that messages show, and migrator_open
 * on URLs that no adapter takes.
 *
 * Input: the URL (up to the first NUL byte, if any).
 *
 * The secrets are found here, independently, as the contract of
 * migrator__redact_url (runtime/repo.h) and RFC 3986 define them:
 *  - the password of the authority: in scheme://user:PASSWORD@host, where
 *    the scheme is [A-Za-z][A-Za-z0-9+.-]*, the authority ends at the first
 *    '/', '?' or '#', the user information at its first '@' and the user
 *    name at the first ':';
 *  - the value of every password=VALUE parameter of the query (after the
 *    first '?', up to '#'; parameters separated by '&').
 * A reference redaction replaces each secret by "***". A non-empty secret
 * without '*' must not appear in migrator__redact_url's output unless it
 * also appears in the reference redaction (where the rest of the URL holds
 * it anyway): so the check cannot fail on a secret that is legitimately
 * visible. Also: the output is NUL-terminated, fits the allocation, is the
 * URL itself when there is nothing to redact, and redacting it again
 * shows no secret either.
 *
 * migrator_open runs only on URLs that start with neither "sqlite:" nor
 * "postgres" (so no file is created and no network is used): it must fail
 * with MIGRATOR_EURL and no repo, and its message must be the template of
 * that error around the redacted URL (possibly truncated), without the
 * secrets.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repo.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(condition)                                                                           \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            fprintf(stderr, "fuzz_url: invariant failed at %s:%d: %s\n", __FILE__, __LINE__,       \
                    #condition);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define MAX_SECRETS 64
#define MARKER "fuzz-url-marker"

/* The message of migrator_open for MARKER, split around it. */
static char template_prefix[512], template_suffix[512];

static void *xmalloc(size_t size)
{
    void *memory = malloc(size ? size : 1);
    if (!memory)
        abort();
    return memory;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    migrator_repo *repo = NULL;
    const char *message, *marker;
    (void)argc;
    (void)argv;
    CHECK(migrator_open(&repo, MARKER, NULL) == MIGRATOR_EURL && repo == NULL);
    message = migrator_errmsg(NULL);
    CHECK((marker = strstr(message, MARKER)) != NULL);
    CHECK((size_t)(marker - message) < sizeof(template_prefix));
    memcpy(template_prefix, message, (size_t)(marker - message));
    template_prefix[marker - message] = '\0';
    CHECK(strlen(marker + strlen(MARKER)) < sizeof(template_suffix));
    strcpy(template_suffix, marker + strlen(MARKER));
    return 0;
}

typedef struct span {
    size_t start, end;
} span;

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The secrets of url, in order, as [start, end) spans; returns the count. */
static size_t find_secrets(const char *url, span *secrets)
{
    size_t length = strlen(url), count = 0, i;
    const char *scheme_end = strstr(url, "://"), *query = strchr(url, '?');

    /* The authority's password. */
    if (scheme_end && scheme_end > url && is_alpha(url[0])) {
        size_t scheme_length = (size_t)(scheme_end - url), authority, end, at, colon;
        int scheme_ok = 1;
        for (i = 1; i < scheme_length; i++)
            if (!is_alpha(url[i]) && !(url[i] >= '0' && url[i] <= '9') && url[i] != '+' &&
                url[i] != '-' && url[i] != '.')
                scheme_ok = 0;
        authority = scheme_length + 3;
        end = authority;
        while (end < length && url[end] != '/' && url[end] != '?' && url[end] != '#')
            end++;
        for (at = authority; at < end && url[at] != '@'; at++)
            ;
        for (colon = authority; colon < at && url[colon] != ':'; colon++)
            ;
        if (scheme_ok && at < end && colon < at) {
            secrets[count].start = colon + 1;
            secrets[count].end = at;
            count++;
        }
    }
    /* password= parameters of the query. */
    if (query) {
        size_t start = (size_t)(query - url) + 1, end = start;
        while (end < length && url[end] != '#')
            end++;
        for (i = start; i < end && count < MAX_SECRETS;) {
            size_t parameter_end = i;
            while (parameter_end < end && url[parameter_end] != '&')
                parameter_end++;
            if (parameter_end - i >= 9 && memcmp(url + i, "password=", 9) == 0) {
                secrets[count].start = i + 9;
                secrets[count].end = parameter_end;
                count++;
            }
            i = parameter_end + 1;
        }
    }
    return count;
}

/* url with each secret replaced by "***". */
static char *reference_redact(const char *url, const span *secrets, size_t count)
{
    size_t length = strlen(url), used = 0, i = 0, s;
    char *out = xmalloc(length + 3 * count + 1);
    for (s = 0; s < count; s++) {
        memcpy(out + used, url + i, secrets[s].start - i);
        used += secrets[s].start - i;
        memcpy(out + used, "***", 3);
        used += 3;
        i = secrets[s].end;
    }
    memcpy(out + used, url + i, length - i);
    used += length - i;
    out[used] = '\0';
    return out;
}

/* The secrets that `shown` must not contain: non-empty, without '*', and
 * not visible in `expected` (the same text redacted by the reference). */
static void check_hidden(const char *url, const span *secrets, size_t count, const char *shown,
                         const char *expected)
{
    size_t s, longest = 0;
    char *leaked = NULL;
    for (s = 0; s < count; s++) {
        size_t length = secrets[s].end - secrets[s].start;
        char *secret;
        if (length == 0 || memchr(url + secrets[s].start, '*', length))
            continue;
        secret = xmalloc(length + 1);
        memcpy(secret, url + secrets[s].start, length);
        secret[length] = '\0';
        if (!strstr(expected, secret) && strstr(shown, secret) && length > longest) {
            free(leaked);
            leaked = secret;
            longest = length;
        } else {
            free(secret);
        }
    }
    if (leaked) {
        fprintf(stderr, "fuzz_url: the password \"%s\" of \"%s\" is shown in \"%s\"\n", leaked,
                url, shown);
        CHECK(!"a password is shown");
    }
}

static int starts_with(const char *text, const char *prefix)
{
    return strncmp(text, prefix, strlen(prefix)) == 0;
}

static void check_open(const char *url, const char *redacted, const span *secrets, size_t count,
                       const char *reference)
{
    migrator_repo *repo = (migrator_repo *)&repo; /* not NULL: migrator_open must set it */
    const char *message;
    char *expected, *reference_message;
    size_t message_length;

    CHECK(migrator_open(&repo, url, NULL) == MIGRATOR_EURL);
    CHECK(repo == NULL);
    message = migrator_errmsg(NULL);
    CHECK(message != NULL);
    message_length = strlen(message);
    /* The template around the redacted URL, maybe cut short. */
    expected = xmalloc(strlen(template_prefix) + strlen(redacted) + strlen(template_suffix) + 1);
    strcpy(expected, template_prefix);
    strcat(expected, redacted);
    strcat(expected, template_suffix);
    CHECK(message_length <= strlen(expected));
    CHECK(memcmp(message, expected, message_length) == 0);
    CHECK(message_length == strlen(expected) || message_length >= 256);
    reference_message =
        xmalloc(strlen(template_prefix) + strlen(reference) + strlen(template_suffix) + 1);
    strcpy(reference_message, template_prefix);
    strcat(reference_message, reference);
    strcat(reference_message, template_suffix);
    check_hidden(url, secrets, count, message, reference_message);
    free(reference_message);
    free(expected);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    size_t length = nul ? (size_t)(nul - data) : size;
    char *url = xmalloc(length + 1), *redacted, *again, *reference;
    span secrets[MAX_SECRETS];
    size_t count, redacted_length;

    memcpy(url, data, length);
    url[length] = '\0';

    redacted = migrator__redact_url(url);
    CHECK(redacted != NULL);
    redacted_length = strlen(redacted); /* NUL-terminated, within its block (ASan) */
    {
        /* "***" is at most 3 bytes longer than what it hides: once for the
         * authority and once a query parameter. */
        size_t parameters = 1, k;
        for (k = 0; k < length; k++)
            parameters += url[k] == '?' || url[k] == '&';
        CHECK(redacted_length <= length + 3 * parameters);
    }
    if (!strchr(url, '@') && !strstr(url, "password=") && !strchr(url, '%'))
        CHECK(strcmp(redacted, url) == 0); /* nothing to redact (%XX: an encoded name) */

    count = find_secrets(url, secrets);
    reference = reference_redact(url, secrets, count);
    check_hidden(url, secrets, count, redacted, reference);

    /* Redacting the redacted URL again shows no secret either. (It may hide
     * more: removing a value can make a later '@' the user information's,
     * as libpq would read that text.) */
    again = migrator__redact_url(redacted);
    CHECK(again != NULL);
    check_hidden(url, secrets, count, again, reference);

    if (!starts_with(url, "sqlite:") && !starts_with(url, "postgres"))
        check_open(url, redacted, secrets, count, reference);

    free(again);
    free(reference);
    free(redacted);
    free(url);
    return 0;
}
