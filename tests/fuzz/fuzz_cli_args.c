/*
 * libFuzzer target: the command line of migrating binaries,
 * migrator__cli_parse (runtime/cli_args.c), which reads argv and touches no
 * database.
 *
 * Input: the arguments after the program name, separated by NUL bytes
 * ("migrate\0--step\0002" is `prog migrate --step 2`); each is copied to a
 * buffer of its own size so that reading past one is caught. DATABASE_URL
 * is unset, the default URL is "sqlite::memory:".
 *
 * It aborts unless: the result is -1 (run), 0 (--help) or 1 or 2 (errors);
 * argv is left as it was; the program name is argv[0]'s base name; and
 * when the command is to run: the command is argv[1], the URL is not
 * empty and is the default or the value of a --url argument, at most one
 * strategy flag was taken and the strategy and target match it, the
 * versions of mark, baseline and repair are there and in range, flags of
 * other commands are absent, values point into argv, the options nobody
 * set keep their defaults, and --quiet turns every log off. Parsing the
 * same argv again gives the same answer.
 *
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_args.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(condition)                                                                           \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            fprintf(fuzz_report, "fuzz_cli_args: invariant failed at %s:%d: %s\n", __FILE__,      \
                    __LINE__, #condition);                                                         \
            fflush(fuzz_report);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define MAX_ARGS 256
#define PROGRAM_PATH "/usr/local/bin/prog"
#define DEFAULT_URL "sqlite::memory:"

static FILE *fuzz_report; /* the real stderr, for our own messages */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_report = stderr;
    /* The parser prints the usage and its errors to stdout and stderr: send
     * them to /dev/null. glibc lets us swap the streams themselves, so that
     * libFuzzer's and the sanitizers' reports still reach the terminal
     * (elsewhere, run with -close_fd_mask=3 to silence the output). */
#if defined(__GLIBC__)
    {
        FILE *null_out = fopen("/dev/null", "w");
        FILE *real_err = fdopen(2, "w");
        if (null_out) {
            stdout = null_out;
            stderr = null_out;
        }
        if (real_err)
            fuzz_report = real_err;
    }
#else
    if (!freopen("/dev/null", "w", stdout))
        abort();
#endif
    unsetenv("DATABASE_URL");
    return 0;
}

/* Whether p points into one of argv[first..argc), NUL included. */
static int points_into(const char *p, int argc, char **argv, int first)
{
    int i;
    for (i = first; i < argc; i++)
        if (p >= argv[i] && p <= argv[i] + strlen(argv[i]))
            return 1;
    return 0;
}

static int is_log_level(int level)
{
    return level >= MIGRATOR_LOG_OFF && level <= MIGRATOR_LOG_ERROR;
}

static void check_run(const migrator__cli *c, int argc, char **argv, const char *default_url)
{
    static const char *const commands[] = {"migrate", "rollback", "migrations", "schema",
                                           "roundtrip", "mark", "validate", "repair",
                                           "baseline"};
    static const migrator_run_opts defaults = MIGRATOR_RUN_OPTS_INIT;
    int i, url_ok = 0, quiet = 0;
    int strategy_command =
        c->command == MIGRATOR__COMMAND_MIGRATE || c->command == MIGRATOR__COMMAND_ROLLBACK;

    CHECK(!c->help);
    CHECK(argc >= 2);
    CHECK((int)c->command >= 0 && (int)c->command <= MIGRATOR__COMMAND_LAST);
    if ((size_t)c->command < sizeof(commands) / sizeof(commands[0]))
        CHECK(strcmp(argv[1], commands[c->command]) == 0);

    /* Versions: mark V --up|--down, baseline V, repair [V...]. */
    CHECK(c->version_count <= MIGRATOR__CLI_MAX_VERSIONS);
    for (i = 0; i < (int)c->version_count; i++)
        CHECK(c->versions[i] >= 0);
    if (c->command == MIGRATOR__COMMAND_MARK)
        CHECK(c->version_count == 1 &&
              (c->mark_direction == MIGRATOR_UP || c->mark_direction == MIGRATOR_DOWN));
    else
        CHECK(c->mark_direction == 0);
    if (c->command == MIGRATOR__COMMAND_BASELINE)
        CHECK(c->version_count == 1);
    else if (c->command != MIGRATOR__COMMAND_MARK && c->command != MIGRATOR__COMMAND_REPAIR)
        CHECK(c->version_count == 0);

    /* migrations --format json --exit-code */
    CHECK((c->json == 0 || c->json == 1) && (c->exit_code == 0 || c->exit_code == 1));
    if (c->command != MIGRATOR__COMMAND_MIGRATIONS)
        CHECK(!c->json && !c->exit_code);
    if (!strategy_command && c->command != MIGRATOR__COMMAND_MIGRATIONS)
        CHECK(c->opts.on_checksum_mismatch == defaults.on_checksum_mismatch);

    /* The URL: the default, or the value of --url URL / --url=URL. */
    CHECK(c->url != NULL && c->url[0] != '\0');
    if (c->url == default_url)
        url_ok = 1;
    for (i = 2; i < argc && !url_ok; i++) {
        if (c->url == argv[i] && i >= 3 && strcmp(argv[i - 1], "--url") == 0)
            url_ok = 1;
        if (strncmp(argv[i], "--url=", 6) == 0 && c->url == argv[i] + 6)
            url_ok = 1;
    }
    CHECK(url_ok); /* (a "--url" may also be the value of another flag: --prefix --url) */

    /* The strategy. */
    if (!c->strategy_flag) {
        CHECK(c->opts.strategy == MIGRATOR_STRATEGY_DEFAULT && c->opts.target == 0);
    } else {
        const char *f = c->strategy_flag;
        CHECK(strategy_command);
        if (strcmp(f, "--all") == 0)
            CHECK(c->opts.strategy == MIGRATOR_STRATEGY_ALL && c->opts.target == 0);
        else if (strcmp(f, "--step") == 0 || strcmp(f, "-n") == 0)
            CHECK(c->opts.strategy == MIGRATOR_STRATEGY_STEP && c->opts.target >= 1);
        else if (strcmp(f, "--to") == 0)
            CHECK(c->opts.strategy == MIGRATOR_STRATEGY_TO && c->opts.target >= 0);
        else if (strcmp(f, "--to-exclusive") == 0)
            CHECK(c->opts.strategy == MIGRATOR_STRATEGY_TO_EXCLUSIVE && c->opts.target >= 0);
        else
            CHECK(!"unknown strategy flag");
    }
    if (!strategy_command)
        CHECK(!c->opts.group && !c->opts.strict_version_order &&
              c->opts.retry_partial == defaults.retry_partial);
    if (c->command != MIGRATOR__COMMAND_ROUNDTRIP)
        CHECK(!c->stepwise && !c->scratch);
    CHECK(c->opts.group == 0 || c->opts.group == 1);
    CHECK(c->opts.strict_version_order == 0 || c->opts.strict_version_order == 1);
    CHECK(c->stepwise == 0 || c->stepwise == 1);
    CHECK(c->scratch == 0 || c->scratch == 1);

    /* Values point into argv. */
    CHECK(c->opts.prefix == NULL || points_into(c->opts.prefix, argc, argv, 2));
    CHECK(c->config.migration_source == NULL ||
          (c->config.migration_source[0] != '\0' &&
           points_into(c->config.migration_source, argc, argv, 2)));
    CHECK(c->config.version == MIGRATOR_REPO_CONFIG_VERSION);
    CHECK(c->config.migration_lock == MIGRATOR_LOCK_DEFAULT ||
          c->config.migration_lock == MIGRATOR_LOCK_TABLE ||
          c->config.migration_lock == MIGRATOR_LOCK_ADVISORY ||
          c->config.migration_lock == MIGRATOR_LOCK_NONE);
    CHECK(c->opts.lock_timeout_ms >= 0);

    /* What the command line cannot set keeps its default. */
    CHECK(c->opts.version == defaults.version);
    CHECK(c->opts.skip_table_creation == defaults.skip_table_creation);
    CHECK(c->opts.migration_lock == defaults.migration_lock);
    CHECK(c->opts.log_fn == NULL && c->opts.log_payload == NULL);
    CHECK(c->opts.after_begin == NULL && c->opts.before_commit == NULL);
    CHECK(c->opts.callback_payload == NULL);
    CHECK(c->opts.retry_partial == 0 || c->opts.retry_partial == 1);

    /* Logging. */
    CHECK(is_log_level(c->opts.log) && is_log_level(c->opts.log_migrations_sql) &&
          is_log_level(c->opts.log_migrator_sql));
    for (i = 2; i < argc; i++)
        if (strcmp(argv[i], "--quiet") == 0)
            quiet = 1;
    if (quiet)
        CHECK(c->opts.log == MIGRATOR_LOG_OFF && c->opts.log_migrations_sql == MIGRATOR_LOG_OFF &&
              c->opts.log_migrator_sql == MIGRATOR_LOG_OFF);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char default_url[] = DEFAULT_URL;
    char *argv[MAX_ARGS + 2], *copies[MAX_ARGS + 2];
    migrator_main_config config = MIGRATOR_MAIN_CONFIG_INIT;
    migrator__cli c;
    int argc = 0, i, result;
    size_t start = 0, at;

    /* argv[0], then the input split at NUL bytes. */
    argv[argc++] = strdup(PROGRAM_PATH);
    for (at = 0; size > 0 && at <= size && argc <= MAX_ARGS; at++) {
        if (at == size || data[at] == '\0') {
            char *arg = malloc(at - start + 1);
            if (!arg)
                abort();
            memcpy(arg, data + start, at - start);
            arg[at - start] = '\0';
            argv[argc++] = arg;
            start = at + 1;
        }
    }
    argv[argc] = NULL;
    for (i = 0; i < argc; i++)
        if (!(copies[i] = strdup(argv[i])))
            abort();

    config.default_url = default_url;
    memset(&c, 0x5a, sizeof(c));
    result = migrator__cli_parse(&c, argc, argv, &config);

    CHECK(result == -1 || result == 0 || result == 1 || result == 2);
    for (i = 0; i < argc; i++)
        CHECK(strcmp(argv[i], copies[i]) == 0); /* argv is only read */
    CHECK(argv[argc] == NULL);
    CHECK(c.program != NULL && strcmp(c.program, "prog") == 0);
    if (result == 0)
        CHECK(c.help == 1);
    if (result == -1)
        check_run(&c, argc, argv, default_url);

    /* The same arguments give the same answer. */
    {
        migrator__cli again;
        CHECK(migrator__cli_parse(&again, argc, argv, &config) == result);
        if (result == -1) {
            CHECK(again.url == c.url && again.command == c.command);
            CHECK(again.opts.strategy == c.opts.strategy && again.opts.target == c.opts.target);
        }
    }

    for (i = 0; i < argc; i++) {
        free(argv[i]);
        free(copies[i]);
    }
    return 0;
}
