# shellcheck shell=bash
# Helpers of the hostile-input tests (hostile.sh, hostile_pg.sh), sourced
# by them: a scratch directory per test, a binary run with its status,
# stdout and stderr captured, assertions that record every mismatch (the
# test goes on and fails at the end, listing them all) and snapshots of a
# database to prove that a refused command changed nothing.
#
# SPDX-License-Identifier: MIT

set -uo pipefail

# shellcheck source=../lib/process.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/process.sh"
export LC_ALL=C
umask 022

NL=$'\n'
hostile_case=${1:-}
hostile_cleanups=()

# The scratch directory of this test (removed at exit, whatever happens).
T=$(mktemp -d "${TMPDIR:-/tmp}/hostile.XXXXXX") || exit 1
chmod 755 "$T"

# Runs "$@" at exit, after the cleanups added later (last in, first out).
at_exit() {
    hostile_cleanups+=("$(printf '%q ' "$@")")
}

hostile_exit() {
    local status=$? i
    for ((i = ${#hostile_cleanups[@]} - 1; i >= 0; i--)); do
        eval "${hostile_cleanups[i]}" || true
    done
    chmod -R u+rwx "$T" 2>/dev/null || true
    rm -rf -- "$T"
    exit "$status"
}
trap hostile_exit EXIT
trap 'exit 130' INT TERM

# Runs "$@" and sets RUN_STATUS, RUN_OUT, RUN_ERR (normalize_log'd) and
# RUN_DESC (the command, for messages). Standard input is /dev/null.
run() {
    RUN_DESC=$(printf '%q ' "$@")
    "$@" </dev/null >"$T/.run.out" 2>"$T/.run.err"
    RUN_STATUS=$?
    slurp RUN_OUT "$T/.run.out"
    slurp RUN_ERR "$T/.run.err"
    RUN_ERR=$(normalize_log "$RUN_ERR"; printf x)
    RUN_ERR=${RUN_ERR%x}
}

# stderr is exactly n lines, each ending in a newline.
expect_err_lines() {
    local lines=${RUN_ERR//[!$NL]/}
    [[ ${#lines} == "$1" && $RUN_ERR == *"$NL" ]] ||
        run_failed "expected exactly $1 line(s) on stderr"
}

# Line n (1-based) of stderr starts with prefix.
expect_err_line_starts() {
    local n=$1 prefix=$2 line
    line=$(sed -n "${n}p" <<<"$RUN_ERR")
    [[ $line == "$prefix"* ]] || run_failed "line $n of stderr does not start with \"$prefix\""
}

expect_err_contains() {
    [[ $RUN_ERR == *"$1"* ]] || run_failed "stderr lacks \"$1\""
}

expect_err_lacks() {
    [[ $RUN_ERR != *"$1"* ]] || run_failed "stderr must not contain \"$1\""
}

expect_out_lacks() {
    [[ $RUN_OUT != *"$1"* ]] || run_failed "stdout must not contain \"$1\""
}

expect_missing() {
    [[ ! -e $1 && ! -L $1 ]] || fail "$1 must not exist (created by: ${RUN_DESC:-setup})"
}

# Text of the migrations status table for the repo, one "status version
# name" argument a row (Ecto's table, byte for byte: docs/cli.md).
status_table() {
    local repo=$1 row status version name out
    shift
    out=$'\n'"Repo: $repo"$'\n\n'"  Status    Migration ID    Migration Name"$'\n'
    out+="--------------------------------------------------"$'\n'
    for row in "$@"; do
        read -r status version name <<<"$row"
        out+=$(printf '  %-10s%-16s%s' "$status" "$version" "$name")$'\n'
    done
    [[ $# -gt 0 ]] || out+=$'\n'
    printf '%s\n' "$out"
}

# stdout is exactly that status table: expect_status_table REPO ROW...
expect_status_table() {
    local table
    table=$(status_table "$@"; printf x)
    expect_out "${table%x}"
}

# "== Running"/"== Migrated" lines (times 0.0s) for "version name" pairs.
log_lines() {
    local direction=$1 pair version name
    shift
    for pair in "$@"; do
        read -r version name <<<"$pair"
        printf '== Running %s %s %s\n== Migrated %s in 0.0s\n' "$version" "$name" "$direction" \
            "$version"
    done
}

# An identifier in double quotes, as SQL writes it.
quote_ident() {
    local q='"'
    printf '"%s"' "${1//$q/$q$q}"
}

# A string literal in single quotes.
quote_literal() {
    local q="'"
    printf "'%s'" "${1//$q/$q$q}"
}

# Exit status of a test whose prerequisite is missing: 77 (skipped), or 1
# when MIGRATOR_REQUIRE_POSTGRES=1 forbids skipping PostgreSQL tests.
skip_or_fail() {
    if [[ ${2:-} == pg && ${MIGRATOR_REQUIRE_POSTGRES:-} == 1 ]]; then
        printf 'ERROR: %s, and MIGRATOR_REQUIRE_POSTGRES=1 forbids skipping\n' "$1" >&2
        exit 1
    fi
    printf 'SKIP: %s\n' "$1" >&2
    exit 77
}

# Runs the case function named by the first argument and exits 0, or 1
# when a check failed.
run_case() {
    local function=case_${hostile_case}
    [[ -n $hostile_case ]] && declare -F "$function" >/dev/null ||
        die "usage: $0 CASE (unknown case \"$hostile_case\")"
    "$function"
    if ((TEST_FAILURES > 0)); then
        printf '%s: %d check(s) failed\n' "$hostile_case" "$TEST_FAILURES" >&2
        exit 1
    fi
    printf '%s: ok\n' "$hostile_case"
    exit 0
}
