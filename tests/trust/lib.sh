# shellcheck shell=bash
# Helpers of trust.sh: a scratch directory per test, a binary run with its
# status, stdout and stderr captured, assertions that record every mismatch
# (the test goes on and fails at the end, listing them all), the database
# of the case on SQLite or PostgreSQL behind one set of functions, and the
# reading of `migrations --format json` through json_check (a real parser:
# the document is validated as a whole, then its leaves are compared).
#
# SPDX-License-Identifier: MIT

set -uo pipefail

# shellcheck source=../lib/process.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/process.sh"
export LC_ALL=C
umask 022

NL=$'\n'
trust_cleanups=()

T=$(mktemp -d "${TMPDIR:-/tmp}/trust.XXXXXX") || exit 1

# Runs "$@" at exit, before the cleanups added earlier.
at_exit() {
    trust_cleanups+=("$(printf '%q ' "$@")")
}

trust_exit() {
    local status=$? i
    for ((i = ${#trust_cleanups[@]} - 1; i >= 0; i--)); do
        eval "${trust_cleanups[i]}" || true
    done
    rm -rf -- "$T"
    exit "$status"
}
trap trust_exit EXIT
trap 'exit 130' INT TERM

# Runs "$@" and sets RUN_STATUS, RUN_OUT, RUN_ERR (each "== Migrated V in
# S.Ss" made 0.0s) and RUN_DESC. Standard input is /dev/null.
run() {
    RUN_DESC=$(printf '%q ' "$@")
    "$@" </dev/null >"$T/.run.out" 2>"$T/.run.err"
    RUN_STATUS=$?
    slurp RUN_OUT "$T/.run.out"
    slurp RUN_ERR "$T/.run.err"
    RUN_ERR=$(normalize_log "$RUN_ERR"; printf x)
    RUN_ERR=${RUN_ERR%x}
}

expect_out_match() {
    [[ $RUN_OUT =~ $1 ]] || { run_failed "stdout does not match"; show "expected (regex)" "$1"; }
}

# Ecto's status table (docs/cli.md): expect_status_table REPO "status version name"...
expect_status_table() {
    local repo=$1 row status version name out
    shift
    out=$'\n'"Repo: $repo"$'\n\n'"  Status    Migration ID    Migration Name"$'\n'
    out+="--------------------------------------------------"$'\n'
    for row in "$@"; do
        read -r status version name <<<"$row"
        out+=$(printf '  %-10s%-16s%s' "$status" "$version" "$name")$'\n'
    done
    [[ $# -gt 0 ]] || out+=$'\n'
    expect_out "$out"$'\n'
}

# "== Running"/"== Migrated" lines for "version name" pairs.
log_lines() {
    local direction=$1 pair version name
    shift
    for pair in "$@"; do
        read -r version name <<<"$pair"
        printf '== Running %s %s %s\n== Migrated %s in 0.0s\n' "$version" "$name" "$direction" \
            "$version"
    done
}

usage_error() { # PROGRAM MESSAGE: what a usage error prints
    printf '%s: %s\nTry '\''%s --help'\''.\n' "$1" "$2" "$1"
}

# ---- the database of the case ---------------------------------------------------

# Exit status of a test whose prerequisite is missing: 77 (skipped), or 1
# when MIGRATOR_REQUIRE_POSTGRES=1 forbids skipping.
skip_or_fail() {
    if [[ $ADAPTER == pg && ${MIGRATOR_REQUIRE_POSTGRES:-} == 1 ]]; then
        printf 'ERROR: %s, and MIGRATOR_REQUIRE_POSTGRES=1 forbids skipping\n' "$1" >&2
        exit 1
    fi
    printf 'SKIP: %s\n' "$1" >&2
    exit 77
}

db_setup() {
    local file=${MIGRATOR_PG_ENV_FILE:-}
    if [[ $ADAPTER == sqlite ]]; then
        [[ -n $SQLITE3 && -x $SQLITE3 ]] ||
            die "the sqlite3 program is missing (Debian: apt-get install sqlite3)"
        return 0
    fi
    [[ -n $PSQL && -x $PSQL ]] || skip_or_fail "no psql (Debian: postgresql-client)"
    [[ -n $file ]] || skip_or_fail "MIGRATOR_PG_ENV_FILE is not set (run through ctest)"
    [[ -f $file ]] || skip_or_fail "no PostgreSQL server ($file is missing)"
    PG_HOST=$(sed -n 's/^PGHOST=//p' "$file")
    PG_PORT=$(sed -n 's/^PGPORT=//p' "$file")
    PG_USER=$(sed -n 's/^PGUSER=//p' "$file")
    [[ -n $PG_HOST && -n $PG_PORT && -n $PG_USER ]] || die "$file lacks PGHOST, PGPORT or PGUSER"
    psql_in postgres "SELECT 1" >/dev/null || skip_or_fail "the PostgreSQL server does not answer"
}

psql_in() {
    local db=$1
    shift
    "$PSQL" -X -q -At -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$db" -c "$*"
}

# A fresh empty database: DB (file or database name) and URL. SQLite: the
# file does not exist yet.
db_count=0
new_db() {
    db_count=$((db_count + 1))
    if [[ $ADAPTER == sqlite ]]; then
        DB=$T/$1.db
        URL=sqlite:$DB
    else
        DB=trust_$$_$db_count
        psql_in postgres "CREATE DATABASE $DB" || die "cannot create database $DB"
        at_exit psql_in postgres "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
        URL="postgresql:///$DB?host=$PG_HOST&port=$PG_PORT&user=$PG_USER"
    fi
}

# Runs SQL (several statements allowed) in the case's database; rows as
# "a|b" lines on both.
sql() {
    if [[ $ADAPTER == sqlite ]]; then
        "$SQLITE3" -batch "$DB" "$*"
    else
        psql_in "$DB" "$*"
    fi
}

# The tables of the database (schema public, or $1), sorted.
tables() {
    if [[ $ADAPTER == sqlite ]]; then
        sql "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\\' ORDER BY name"
    else
        sql "SELECT tablename FROM pg_tables WHERE schemaname = '${1:-public}' ORDER BY tablename COLLATE \"C\""
    fi
}

# The columns of a table with their types: "name|type" lines.
columns() {
    if [[ $ADAPTER == sqlite ]]; then
        sql "SELECT name, type FROM pragma_table_info('$1') ORDER BY cid"
    else
        sql "SELECT a.attname || '|' || format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = '$1'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"
    fi
}

versions() {
    sql "SELECT version FROM ${1:-schema_migrations} ORDER BY version" | paste -sd, -
}

# Our rows: "version|state|checksum|algorithm" lines.
recorded() {
    sql "SELECT version, state, checksum, checksum_algorithm FROM ${1:-schema_migrations_migrator} ORDER BY version"
}

# Whether the index exists (it is made by a migration, so it tells whether
# that migration ran).
has_index() {
    if [[ $ADAPTER == sqlite ]]; then
        [[ $(sql "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = '$1'") == 1 ]]
    else
        [[ $(sql "SELECT count(*) FROM pg_indexes WHERE indexname = '$1'") == 1 ]]
    fi
}

# Ecto's schema_migrations, as Ecto creates it (ecto_sqlite3 / ecto_sql's
# PostgreSQL adapter), with a row per "version" argument.
ecto_table() {
    local v rows=""
    if [[ $ADAPTER == sqlite ]]; then
        sql 'CREATE TABLE "schema_migrations" ("version" INTEGER PRIMARY KEY, "inserted_at" TEXT)'
    else
        sql 'CREATE TABLE IF NOT EXISTS "schema_migrations" ("version" bigint, "inserted_at" timestamp(0), PRIMARY KEY ("version"))'
    fi
    for v in "$@"; do
        rows+="${rows:+, }($v, '$(ecto_time "$v")')"
    done
    [[ $# -eq 0 ]] || sql "INSERT INTO schema_migrations (version, inserted_at) VALUES $rows"
}

# The inserted_at ecto_table writes for a version, as the database reads it
# back: 20240101000000 -> 2024-01-01T00:00:00 (SQLite text) or 2024-01-01
# 00:00:00 (PostgreSQL timestamp).
ecto_time() {
    local v=$1 sep=T
    [[ $ADAPTER == pg ]] && sep=' '
    printf '%s-%s-%s%s%s:%s:%s' "${v:0:4}" "${v:4:2}" "${v:6:2}" "$sep" "${v:8:2}" "${v:10:2}" \
        "${v:12:2}"
}

# What applied_at looks like when migrator wrote the row.
# shellcheck disable=SC2034 # used by trust.sh
if [[ ${ADAPTER:-} == pg ]]; then
    APPLIED_AT_RE='^"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}"$'
else
    APPLIED_AT_RE='^"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"$'
fi

# ---- migrations --format json ----------------------------------------------------

# json PROGRAM [ARG]...: runs PROGRAM migrations --format json --url URL
# ARG..., expects exit 0, validates the document (json_check --status) and
# sets JSON to its leaves (PATH=VALUE lines).
json() {
    local program=$1
    shift
    run "$program" migrations --format json --url "$URL" "$@"
    expect_status 0
    json_parse
}

json_parse() {
    if ! JSON=$("$JSON_CHECK" --status <<<"$RUN_OUT" 2>"$T/.json.err"); then
        run_failed "the JSON document is not valid: $(cat "$T/.json.err")"
        JSON=
    fi
}

# The value of .migrations[I].KEY (strings with their quotes); 1 if absent.
jget() {
    local prefix=".migrations[$1].$2=" line
    while IFS= read -r line; do
        if [[ $line == "$prefix"* ]]; then
            printf '%s' "${line#"$prefix"}"
            return 0
        fi
    done <<<"$JSON"
    return 1
}

# One "version status checksum" line per migration of JSON.
json_rows() {
    local i=0 version
    while version=$(jget "$i" version); do
        printf '%s %s %s\n' "$version" "$(jget "$i" status | tr -d '"')" \
            "$(jget "$i" checksum | tr -d '"')"
        i=$((i + 1))
    done
}

# expect_json PROGRAM "version status checksum"... [-- ARG...]: the JSON of
# PROGRAM's migrations (ARGs passed on) has those rows, and repo is the
# program's.
expect_json() {
    local program=$1 rows=() expected actual repo
    shift
    while [[ $# -gt 0 && $1 != -- ]]; do
        rows+=("$1")
        shift
    done
    [[ $# -gt 0 ]] && shift
    json "$program" "$@"
    expected=$(printf '%s\n' "${rows[@]}")
    actual=$(json_rows)
    expect_same "$(basename "$program") migrations --format json: version status checksum" \
        "$expected" "$actual"
    repo=$(basename "$program")
    expect_same "the JSON's repo" ".repo=\"${repo%_migrator}\"" "$(head -n 1 <<<"$JSON")"
}

# expect_jfield I KEY VALUE: .migrations[I].KEY is VALUE (JSON-encoded).
expect_jfield() {
    local actual
    actual=$(jget "$1" "$2") || actual="(absent)"
    expect_same ".migrations[$1].$2" "$3" "$actual"
}

# Runs the case function named by the argument; exits 0, or 1 when a check
# failed.
run_case() {
    local function=case_$1
    declare -F "$function" >/dev/null || die "usage: $0 sqlite|pg CASE (unknown case \"$1\")"
    "$function"
    if ((TEST_FAILURES > 0)); then
        printf '%s (%s): %d check(s) failed\n' "$1" "$ADAPTER" "$TEST_FAILURES" >&2
        exit 1
    fi
    printf '%s (%s): ok\n' "$1" "$ADAPTER"
    exit 0
}
