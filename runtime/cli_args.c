/*
 * Parsing the command line of migrating binaries (cli_args.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include "cli_args.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_USAGE MIGRATOR__EXIT_USAGE

static const char *const command_names[] = {"migrate",  "rollback",  "migrations",
                                            "schema",   "roundtrip", "mark",
                                            "validate", "repair",    "baseline"};

/* One name per command, in the enum's order. */
typedef char command_names_match_the_enum
    [sizeof(command_names) / sizeof(*command_names) == MIGRATOR__COMMAND_LAST + 1 ? 1 : -1];

static const char usage_text[] =
    "Usage: %s COMMAND [OPTION]...\n"
    "Apply this program's embedded migrations to a database.\n"
    "\n"
    "Commands:\n"
    "  migrate      run pending migrations (default: all)\n"
    "  rollback     revert applied migrations (default: the last one)\n"
    "  migrations   show the status of every migration\n"
    "  schema       print the schema fingerprint of the database\n"
    "  roundtrip    check that every migration's down undoes its up (on a database\n"
    "               where none is applied; docs/roundtrip.md)\n"
    "  mark V --up|--down\n"
    "               record migration V as applied (--up) or not (--down) without\n"
    "               running it, and forget that it stopped midway\n"
    "  validate     check every applied migration against its file: exit 1 on a\n"
    "               changed checksum, a missing file or a partial migration\n"
    "  repair [V]...\n"
    "               accept the current files of applied migrations whose checksum\n"
    "               changed (all of them, or the versions given)\n"
    "  baseline V   record every migration up to V as applied without running it\n"
    "               (adopting a database built without migrator; docs/trust.md)\n"
    "\n"
    "Which migrations (migrate, rollback; at most one):\n"
    "  --all                  all pending (migrate) or applied (rollback) migrations\n"
    "  --step N, -n N         the next N migrations\n"
    "  --to V                 up to version V, inclusive\n"
    "  --to-exclusive V       up to version V, exclusive\n"
    "\n"
    "Round trip (roundtrip):\n"
    "  --stepwise             also up, down, up each migration alone, comparing schemas\n"
    "  --scratch              run on a new empty database beside --url's (SQLite: a file\n"
    "                         in its directory; PostgreSQL: a database on its server),\n"
    "                         removed afterwards\n"
    "\n"
    "Status (migrations):\n"
    "  --format table|json    Ecto's table (default) or JSON (docs/cli.md)\n"
    "  --exit-code            exit 3 when migrations are pending, 0 when up to date\n"
    "\n"
    "Options:\n"
    "  --url URL              the database: sqlite:PATH, sqlite::memory: or\n"
    "                         postgres://USER@HOST/DB (when built with PostgreSQL)\n"
    "                         (default: $DATABASE_URL, then the built-in default)\n"
    "  --prefix P             schema of the migrations table (PostgreSQL)\n"
    "  --migration-source T   name of the migrations table (default schema_migrations)\n"
    "  --migration-lock M     table (default), advisory (PostgreSQL) or none\n"
    "  --lock-timeout MS      how long to wait for the migration lock (default 15000)\n"
    "  --strict-version-order refuse to run a migration older than the newest applied one\n"
    "  --group                run all selected migrations in one transaction\n"
    "  --dry-run              change nothing: print the SQL that would run, in order,\n"
    "                         with our transactions, locks and bookkeeping\n"
    "  --on-checksum-mismatch error|warn|ignore\n"
    "                         what an applied migration whose file changed does\n"
    "                         (default: error for migrate and rollback, warn for\n"
    "                         migrations)\n"
    "  --retry-partial        rerun from its first statement a migration outside a\n"
    "                         transaction that stopped midway (docs/reliability.md)\n"
    "  --log-migrations-sql   log the SQL of the migrations\n"
    "  --log-migrator-sql     log the migrator's own SQL (transactions, version rows)\n"
    "  --quiet                log nothing\n"
    "  --help                 show this help\n"
    "\n"
    "Exit status: 0 on success (also when there is nothing to do), 1 when a migration\n"
    "or the database fails or a round trip does not restore the schema, 2 for bad\n"
    "usage.\n";

int migrator__cli_usage_error(const migrator__cli *c, const char *format, ...)
{
    va_list args;
    fprintf(stderr, "%s: ", c->program);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fprintf(stderr, "\nTry '%s --help'.\n", c->program);
    return EXIT_USAGE;
}

/* A decimal integer in [minimum, maximum], nothing else. */
static int parse_integer(const char *text, int64_t minimum, int64_t maximum, int64_t *out)
{
    char *end;
    long long value;
    if (!*text || (*text != '-' && (*text < '0' || *text > '9')))
        return -1;
    errno = 0;
    value = strtoll(text, &end, 10);
    if (errno != 0 || *end != '\0' || value < minimum || value > maximum)
        return -1;
    *out = (int64_t)value;
    return 0;
}

static int set_strategy(migrator__cli *c, const char *flag, migrator_strategy strategy,
                        const char *value)
{
    int64_t target = 0;
    if (c->strategy_flag)
        return migrator__cli_usage_error(
            c,
            "%s and %s cannot be combined: give one of --all, --step, --to, "
            "--to-exclusive",
            c->strategy_flag, flag);
    if (strategy == MIGRATOR_STRATEGY_STEP && parse_integer(value, 1, INT64_MAX, &target) != 0)
        return migrator__cli_usage_error(c, "%s: expected a positive integer, got \"%s\"", flag,
                                         value);
    if ((strategy == MIGRATOR_STRATEGY_TO || strategy == MIGRATOR_STRATEGY_TO_EXCLUSIVE) &&
        parse_integer(value, 0, INT64_MAX, &target) != 0)
        return migrator__cli_usage_error(
            c, "%s: expected a version (0 to 9223372036854775807), got \"%s\"", flag, value);
    c->strategy_flag = flag;
    c->opts.strategy = strategy;
    c->opts.target = target;
    return 0;
}

/* Flags that take a value: returns the value (from "--flag=value" or the
 * next argument), or NULL after reporting. */
static const char *flag_value(migrator__cli *c, int argc, char **argv, int *i, const char *flag,
                              const char *inline_value)
{
    if (inline_value)
        return inline_value;
    if (*i + 1 >= argc) {
        migrator__cli_usage_error(c, "%s needs a value", flag);
        return NULL;
    }
    return argv[++*i];
}

static int parse_flags(migrator__cli *c, int argc, char **argv)
{
    int i;
    for (i = 2; i < argc; i++) {
        char name[64];
        const char *arg = argv[i], *equals = strchr(arg, '='), *value = NULL;
        int strategy =
            c->command == MIGRATOR__COMMAND_MIGRATE || c->command == MIGRATOR__COMMAND_ROLLBACK;
        int roundtrip = c->command == MIGRATOR__COMMAND_ROUNDTRIP;
        int mark = c->command == MIGRATOR__COMMAND_MARK;
        int takes_versions = mark || c->command == MIGRATOR__COMMAND_REPAIR ||
                             c->command == MIGRATOR__COMMAND_BASELINE;
        int status = c->command == MIGRATOR__COMMAND_MIGRATIONS;
        int checks = strategy || status;

        if (strncmp(arg, "--", 2) == 0 && equals && (size_t)(equals - arg) < sizeof(name)) {
            memcpy(name, arg, (size_t)(equals - arg));
            name[equals - arg] = '\0';
            value = equals + 1;
        } else {
            snprintf(name, sizeof(name), "%s", arg);
        }
#define NEEDS_VALUE()                                                                              \
    do {                                                                                           \
        if (!(value = flag_value(c, argc, argv, &i, name, value)))                                 \
            return EXIT_USAGE;                                                                     \
    } while (0)
#define NO_VALUE()                                                                                 \
    do {                                                                                           \
        if (value)                                                                                 \
            return migrator__cli_usage_error(c, "%s takes no value", name);                        \
    } while (0)
        if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
            c->help = 1;
        } else if (strategy && strcmp(name, "--all") == 0) {
            NO_VALUE();
            if (set_strategy(c, "--all", MIGRATOR_STRATEGY_ALL, NULL))
                return EXIT_USAGE;
        } else if (strategy && (strcmp(name, "--step") == 0 || strcmp(name, "-n") == 0)) {
            NEEDS_VALUE();
            if (set_strategy(c, strcmp(name, "-n") == 0 ? "-n" : "--step", MIGRATOR_STRATEGY_STEP,
                             value))
                return EXIT_USAGE;
        } else if (strategy && strcmp(name, "--to") == 0) {
            NEEDS_VALUE();
            if (set_strategy(c, "--to", MIGRATOR_STRATEGY_TO, value))
                return EXIT_USAGE;
        } else if (strategy && strcmp(name, "--to-exclusive") == 0) {
            NEEDS_VALUE();
            if (set_strategy(c, "--to-exclusive", MIGRATOR_STRATEGY_TO_EXCLUSIVE, value))
                return EXIT_USAGE;
        } else if (strategy && strcmp(name, "--group") == 0) {
            NO_VALUE();
            c->opts.group = 1;
        } else if (strategy && strcmp(name, "--strict-version-order") == 0) {
            NO_VALUE();
            c->opts.strict_version_order = 1;
        } else if (strategy && strcmp(name, "--dry-run") == 0) {
            NO_VALUE();
            c->opts.dry_run = 1;
        } else if (strategy && strcmp(name, "--retry-partial") == 0) {
            NO_VALUE();
            c->opts.retry_partial = 1;
        } else if (mark && (strcmp(name, "--up") == 0 || strcmp(name, "--down") == 0)) {
            migrator_direction direction = strcmp(name, "--up") == 0 ? MIGRATOR_UP : MIGRATOR_DOWN;
            NO_VALUE();
            if (c->mark_direction && c->mark_direction != direction)
                return migrator__cli_usage_error(c, "mark: give one of --up and --down");
            c->mark_direction = direction;
        } else if (takes_versions && arg[0] != '-' &&
                   (c->command == MIGRATOR__COMMAND_REPAIR
                        ? c->version_count < MIGRATOR__CLI_MAX_VERSIONS
                        : c->version_count == 0)) {
            if (parse_integer(arg, 0, INT64_MAX, &c->versions[c->version_count]) != 0)
                return migrator__cli_usage_error(
                    c, "%s: expected a version (0 to 9223372036854775807), got \"%s\"",
                    command_names[c->command], arg);
            c->version_count++;
        } else if (checks && strcmp(name, "--on-checksum-mismatch") == 0) {
            NEEDS_VALUE();
            if (strcmp(value, "error") == 0)
                c->opts.on_checksum_mismatch = MIGRATOR_CHECKSUM_ERROR;
            else if (strcmp(value, "warn") == 0)
                c->opts.on_checksum_mismatch = MIGRATOR_CHECKSUM_WARN;
            else if (strcmp(value, "ignore") == 0)
                c->opts.on_checksum_mismatch = MIGRATOR_CHECKSUM_IGNORE;
            else
                return migrator__cli_usage_error(
                    c, "--on-checksum-mismatch: expected error, warn or ignore, got \"%s\"", value);
        } else if (status && strcmp(name, "--format") == 0) {
            NEEDS_VALUE();
            if (strcmp(value, "json") == 0)
                c->json = 1;
            else if (strcmp(value, "table") == 0)
                c->json = 0;
            else
                return migrator__cli_usage_error(c, "--format: expected table or json, got \"%s\"",
                                                 value);
        } else if (status && strcmp(name, "--exit-code") == 0) {
            NO_VALUE();
            c->exit_code = 1;
        } else if (roundtrip && strcmp(name, "--stepwise") == 0) {
            NO_VALUE();
            c->stepwise = 1;
        } else if (roundtrip && strcmp(name, "--scratch") == 0) {
            NO_VALUE();
            c->scratch = 1;
        } else if (strcmp(name, "--url") == 0) {
            NEEDS_VALUE();
            c->url = value;
        } else if (strcmp(name, "--prefix") == 0) {
            NEEDS_VALUE();
            c->opts.prefix = value;
        } else if (strcmp(name, "--migration-source") == 0) {
            NEEDS_VALUE();
            if (!*value)
                return migrator__cli_usage_error(c, "--migration-source: the table name is empty");
            c->config.migration_source = value;
        } else if (strcmp(name, "--migration-lock") == 0) {
            NEEDS_VALUE();
            if (strcmp(value, "table") == 0)
                c->config.migration_lock = MIGRATOR_LOCK_TABLE;
            else if (strcmp(value, "advisory") == 0)
                c->config.migration_lock = MIGRATOR_LOCK_ADVISORY;
            else if (strcmp(value, "none") == 0)
                c->config.migration_lock = MIGRATOR_LOCK_NONE;
            else
                return migrator__cli_usage_error(
                    c, "--migration-lock: expected table, advisory or none, got \"%s\"", value);
        } else if (strcmp(name, "--lock-timeout") == 0) {
            int64_t ms;
            NEEDS_VALUE();
            if (parse_integer(value, 0, INT_MAX, &ms) != 0)
                return migrator__cli_usage_error(
                    c, "--lock-timeout: expected milliseconds (0 to %d), got \"%s\"", INT_MAX,
                    value);
            c->opts.lock_timeout_ms = (int)ms;
        } else if (strcmp(name, "--quiet") == 0) {
            NO_VALUE();
            c->opts.log = c->opts.log_migrations_sql = c->opts.log_migrator_sql = MIGRATOR_LOG_OFF;
        } else if (strcmp(name, "--log-migrations-sql") == 0) {
            NO_VALUE();
            c->opts.log_migrations_sql = MIGRATOR_LOG_INFO;
        } else if (strcmp(name, "--log-migrator-sql") == 0) {
            NO_VALUE();
            c->opts.log_migrator_sql = MIGRATOR_LOG_INFO;
        } else if (!strategy &&
                   (strcmp(name, "--all") == 0 || strcmp(name, "--step") == 0 ||
                    strcmp(name, "-n") == 0 || strcmp(name, "--to") == 0 ||
                    strcmp(name, "--to-exclusive") == 0 || strcmp(name, "--group") == 0 ||
                    strcmp(name, "--strict-version-order") == 0 ||
                    strcmp(name, "--retry-partial") == 0 || strcmp(name, "--dry-run") == 0)) {
            return migrator__cli_usage_error(c, "%s does not apply to the %s command", name,
                                             command_names[c->command]);
        } else if (!roundtrip &&
                   (strcmp(name, "--stepwise") == 0 || strcmp(name, "--scratch") == 0)) {
            return migrator__cli_usage_error(c, "%s applies only to the roundtrip command", name);
        } else if (!status && (strcmp(name, "--format") == 0 || strcmp(name, "--exit-code") == 0)) {
            return migrator__cli_usage_error(c, "%s applies only to the migrations command", name);
        } else if (!checks && strcmp(name, "--on-checksum-mismatch") == 0) {
            return migrator__cli_usage_error(c, "%s does not apply to the %s command", name,
                                             command_names[c->command]);
        } else if (!mark && (strcmp(name, "--up") == 0 || strcmp(name, "--down") == 0)) {
            return migrator__cli_usage_error(c, "%s applies only to the mark command", name);
        } else if (arg[0] == '-') {
            return migrator__cli_usage_error(c, "unknown option %s", name);
        } else {
            return migrator__cli_usage_error(c, "unexpected argument \"%s\"", arg);
        }
#undef NEEDS_VALUE
#undef NO_VALUE
    }
    if (c->command == MIGRATOR__COMMAND_MARK && !c->help &&
        (c->version_count == 0 || !c->mark_direction))
        return migrator__cli_usage_error(c, "mark: expected a version and --up or --down "
                                            "(mark V --up, mark V --down)");
    if (c->command == MIGRATOR__COMMAND_BASELINE && !c->help && c->version_count == 0)
        return migrator__cli_usage_error(c, "baseline: expected the version to baseline up to "
                                            "(baseline V)");
    /* --quiet wins over a later --log-*: Ecto's --quiet turns all three off. */
    for (i = 2; i < argc; i++)
        if (strcmp(argv[i], "--quiet") == 0)
            c->opts.log = c->opts.log_migrations_sql = c->opts.log_migrator_sql = MIGRATOR_LOG_OFF;
    return 0;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

int migrator__cli_parse(migrator__cli *c, int argc, char **argv, const migrator_main_config *config)
{
    static const migrator_run_opts run_defaults = MIGRATOR_RUN_OPTS_INIT;
    const char *command_name = argc > 1 ? argv[1] : NULL, *env_url;
    int status, found;

    memset(c, 0, sizeof(*c));
    c->opts = run_defaults;
    c->config = config->repo;
    c->program =
        config->program ? config->program : (argc > 0 && argv[0] ? base_name(argv[0]) : "migrator");
    if (!command_name)
        return migrator__cli_usage_error(
            c, "expected a command: migrate, rollback, migrations, schema, roundtrip, mark, "
               "validate, repair or baseline");
    if (strcmp(command_name, "--help") == 0 || strcmp(command_name, "-h") == 0 ||
        strcmp(command_name, "help") == 0) {
        c->help = 1;
        printf(usage_text, c->program);
        return 0;
    }
    for (found = 0; found <= MIGRATOR__COMMAND_LAST; found++)
        if (strcmp(command_name, command_names[found]) == 0)
            break;
    if (found > MIGRATOR__COMMAND_LAST)
        return migrator__cli_usage_error(
            c,
            "unknown command \"%s\": expected migrate, rollback, "
            "migrations, schema, roundtrip, mark, validate, repair or baseline",
            command_name);
    c->command = (migrator__command)found;
    if ((status = parse_flags(c, argc, argv)) != 0)
        return status;
    if (c->help) {
        printf(usage_text, c->program);
        return 0;
    }
    env_url = getenv("DATABASE_URL");
    if (!c->url)
        c->url = env_url && *env_url ? env_url : config->default_url;
    if (!c->url || !*c->url)
        return migrator__cli_usage_error(c, "no database: give --url URL or set DATABASE_URL");
    return -1;
}
