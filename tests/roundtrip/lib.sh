# shellcheck shell=bash
# Helpers of the round-trip tests (sourced by roundtrip_test.sh).
#
# Every test works in its own temporary directory $WORK, removed at exit
# together with the PostgreSQL databases it created. The adapter is
# $ADAPTER (sqlite or pg); the same helpers work for both:
#
#   pg_setup               PostgreSQL only: reads MIGRATOR_PG_ENV_FILE (the
#                          fixture server of tests/pg) and finds psql and
#                          pg_dump; exits 77 (skip) when there is no server,
#                          or 1 when MIGRATOR_REQUIRE_POSTGRES=1
#   new_db NAME            a fresh empty database; prints its URL
#   sql URL SQL            runs SQL on the database (sqlite3 / psql)
#   query URL SQL          prints the rows of a query, one a line, '|' between
#                          columns
#   migrator REPO ARGS...  runs <REPO>_migrator (from $RT_<REPO>) with ARGS,
#                          stdout in $OUT, stderr in $ERR, status in $STATUS
#   expect_status N        the last migrator's status must be N
#   assert_same EXPECTED ACTUAL WHAT   two texts must be equal (shows a diff)
#   report_skeleton        $ERR without the body of the diff (hunk headers,
#                          context, '-' and '+' lines), counts of lines and
#                          scratch names normalised
#   changed_lines          the diff's '-' and '+' lines of $ERR, sorted
#   assert_report EXPECTED ACTUAL WHAT  two reports must be equal, except that
#                          the whole pass's and the stepwise pass's progress
#                          lines ("== ...") may come in either order (each
#                          pass's own lines in order)
#
# SPDX-License-Identifier: MIT
set -euo pipefail

: "${RT_FIXTURES:?run through ctest (RT_FIXTURES is set by tests/roundtrip/CMakeLists.txt)}"
: "${ADAPTER:?ADAPTER must be sqlite or pg}"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/migrator-roundtrip-test.XXXXXX")
OUT=$WORK/stdout
ERR=$WORK/stderr
STATUS=0
PG_DATABASES=$WORK/pg_databases # the databases to drop, one a line
CASE_NAME=${CASE_NAME:-?}

cleanup() {
    local db
    if [[ $ADAPTER == pg && -f $PG_DATABASES ]]; then
        while read -r db; do
            "$PSQL" -X -q -d postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" \
                >/dev/null 2>&1 || echo "warning: could not drop database $db" >&2
        done <"$PG_DATABASES"
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
    echo "FAIL [$ADAPTER $CASE_NAME]: $*" >&2
    if [[ -s $ERR ]]; then
        echo "---- stderr of the last migrator ----" >&2
        tail -n 80 "$ERR" >&2
    fi
    if [[ -s $OUT ]]; then
        echo "---- stdout of the last migrator ----" >&2
        tail -n 80 "$OUT" >&2
    fi
    exit 1
}

step() { echo "== $*"; }

# assert_same EXPECTED ACTUAL WHAT
assert_same() {
    if [[ "$1" != "$2" ]]; then
        echo "FAIL [$ADAPTER $CASE_NAME]: $3 differs (--- expected, +++ actual):" >&2
        diff -u <(printf '%s\n' "$1") <(printf '%s\n' "$2") | sed 1,2d >&2 || true
        fail "$3"
    fi
}

# assert_contains_line FILE LINE: FILE has exactly this line.
assert_contains_line() {
    grep -qxF -- "$2" "$1" || fail "expected $(basename "$1") to have the line: $2"
}

# assert_lacks TEXT PATTERN WHAT: no line of TEXT contains PATTERN (fixed).
assert_lacks() {
    if printf '%s\n' "$1" | grep -qF -- "$2"; then
        fail "$3: found \"$2\" in: $(printf '%s\n' "$1" | grep -F -- "$2")"
    fi
}

# ---------------------------------------------------------------- PostgreSQL

PSQL=""
# shellcheck disable=SC2034 # used by roundtrip_test.sh
PG_DUMP=""

# The newest /usr/lib/postgresql/*/bin/NAME, else NAME on PATH, else "".
find_pg_client() {
    local found
    found=$(for d in /usr/lib/postgresql/*/bin; do
        [[ -x $d/$1 ]] && echo "$d/$1"
    done | sort -V | tail -n 1)
    if [[ -z $found ]] && command -v "$1" >/dev/null 2>&1; then
        found=$(command -v "$1")
    fi
    echo "$found"
}

pg_unavailable() {
    if [[ ${MIGRATOR_REQUIRE_POSTGRES:-} == 1 ]]; then
        echo "FAIL [$ADAPTER $CASE_NAME]: $1, and MIGRATOR_REQUIRE_POSTGRES=1 forbids skipping" >&2
        exit 1
    fi
    echo "SKIP: $1" >&2
    exit 77
}

pg_setup() {
    local file=${MIGRATOR_PG_ENV_FILE:-}
    [[ -n $file ]] || pg_unavailable "MIGRATOR_PG_ENV_FILE is not set (run through ctest)"
    [[ -f $file ]] || pg_unavailable "no PostgreSQL server ($file is missing)"
    PGHOST=$(sed -n 's/^PGHOST=//p' "$file")
    PGPORT=$(sed -n 's/^PGPORT=//p' "$file")
    PGUSER=$(sed -n 's/^PGUSER=//p' "$file")
    export PGHOST PGPORT PGUSER
    unset PGDATABASE PGPASSWORD PGSERVICE PGOPTIONS
    PSQL=$(find_pg_client psql)
    # shellcheck disable=SC2034 # used by roundtrip_test.sh
    PG_DUMP=$(find_pg_client pg_dump)
    [[ -n $PSQL ]] || pg_unavailable "no psql client"
    if ! "$PSQL" -X -q -d postgres -c "SELECT 1" >/dev/null 2>"$WORK/psql.err"; then
        # The fixture wrote the file, so a server was started: never a skip.
        echo "FAIL [$ADAPTER $CASE_NAME]: the fixture's server does not answer: $(cat "$WORK/psql.err")" >&2
        exit 1
    fi
}

pg_url() { echo "postgresql:///$1?host=$PGHOST&port=$PGPORT&user=$PGUSER"; }

# The database name of a URL from pg_url.
pg_name() {
    local rest=${1#postgresql:///}
    echo "${rest%%\?*}"
}

# ---------------------------------------------------------------- both

new_db() {
    local name=$1 db
    if [[ $ADAPTER == sqlite ]]; then
        echo "sqlite:$WORK/$name.db"
    else
        db="rt_${CASE_NAME}_${name}_$$"
        "$PSQL" -X -q -d postgres -c "CREATE DATABASE \"$db\"" >/dev/null ||
            fail "CREATE DATABASE $db failed"
        echo "$db" >>"$PG_DATABASES" # new_db runs in $(...): a file, not a variable
        pg_url "$db"
    fi
}

# A URL for --scratch: on SQLite a file (never created) in a directory of
# its own; on PostgreSQL the server's postgres database.
scratch_anchor() {
    if [[ $ADAPTER == sqlite ]]; then
        mkdir -p "$WORK/scratch"
        echo "sqlite:$WORK/scratch/anchor.db"
    else
        pg_url postgres
    fi
}

sql() {
    if [[ $ADAPTER == sqlite ]]; then
        "$RT_SQLITE3" -bail "${1#sqlite:}" "$2" >/dev/null || fail "sqlite3 failed: $2"
    else
        "$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$(pg_name "$1")" -c "$2" >/dev/null ||
            fail "psql failed: $2"
    fi
}

query() {
    if [[ $ADAPTER == sqlite ]]; then
        "$RT_SQLITE3" -bail "${1#sqlite:}" "$2" || fail "sqlite3 failed: $2"
    else
        "$PSQL" -X -q -A -t -v ON_ERROR_STOP=1 -d "$(pg_name "$1")" -c "$2" ||
            fail "psql failed: $2"
    fi
}

# Runs a script of SQL statements (stdin) on the database.
sql_script() {
    if [[ $ADAPTER == sqlite ]]; then
        "$RT_SQLITE3" -bail "${1#sqlite:}" >/dev/null || fail "sqlite3 script failed"
    else
        "$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$(pg_name "$1")" >/dev/null || fail "psql script failed"
    fi
}

migrator() {
    local var="RT_$1"
    shift
    [[ -n ${!var:-} ]] || fail "$var is not set"
    set +e
    "${!var}" "$@" >"$OUT" 2>"$ERR"
    STATUS=$?
    set -e
}

expect_status() {
    [[ $STATUS -eq $1 ]] || fail "expected exit status $1, got $STATUS"
}

# migrator_ok REPO ARGS...: runs it and requires exit status 0.
migrator_ok() {
    migrator "$@"
    expect_status 0
}

# The fingerprint of a database, with the options given (schema command).
fingerprint() {
    local url=$1
    shift
    migrator rtrip_irrev schema --url "$url" "$@"
    expect_status 0
    [[ ! -s $ERR ]] || fail "schema printed on stderr"
    cat "$OUT"
}

# Replaces the parts of a round-trip report that vary from run to run.
normalise() {
    sed -E -e 's/\.migrator_roundtrip_[A-Za-z0-9]{6}/.migrator_roundtrip_XXXXXX/g' \
        -e 's/dbname=migrator_roundtrip_[0-9]+_[0-9]+_[0-9]+/dbname=migrator_roundtrip_N/g' \
        -e "s|$WORK|WORK|g"
}

report_skeleton() {
    awk '/^ / || /^@@ / || /^$/ { next } /^(---|\+\+\+) / { print; next } /^[-+]/ { next } { print }' "$ERR" |
        sed -E 's/schema restored \([0-9]+ lines\)/schema restored (N lines)/' | normalise
}

# The lines of a report that are not progress lines, then the progress
# lines of the whole pass, then those of the stepwise pass.
report_parts() {
    printf '%s\n' "$1" | grep -v '^== ' || true
    echo "(whole pass)"
    printf '%s\n' "$1" | grep '^== up all' || true
    echo "(stepwise pass)"
    printf '%s\n' "$1" | grep '^== [0-9]' || true
}

assert_report() {
    assert_same "$(report_parts "$1")" "$(report_parts "$2")" "$3"
    # Progress lines come right after the first line, before the rest.
    printf '%s\n' "$2" | sed 1d | awk '/^== / { if (seen) exit 1; next } { seen = 1 }' ||
        fail "$3: a progress line after the end of the round trip"
}

changed_lines() {
    awk '/^(---|\+\+\+) / { next } /^[-+]/ { print }' "$ERR" | LC_ALL=C sort
}

# The database with the base objects of a broken repo (<case>/base),
# created by the step repo's first migration, and no migrations table: what
# the broken migration alone is then checked on.
db_with_base() {
    local step_repo=$1 url
    url=$(new_db "$2")
    migrator_ok "$step_repo" migrate --step 1 --quiet --url "$url"
    sql "$url" "DROP TABLE schema_migrations"
    echo "$url"
}
