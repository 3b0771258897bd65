# shellcheck shell=bash
# Helpers of the partial-migration tests (partial.sh, partial_pg.sh),
# sourced by them: a scratch directory per test, a binary run with its
# status, stdout and stderr captured, background runs that can be waited
# for or killed, assertions that record every mismatch (the test goes on and
# fails at the end, listing them all), and the texts the runtime must print
# for a migration that stopped midway (docs/reliability.md, "Partial
# migrations").
#
# SPDX-License-Identifier: MIT

set -uo pipefail

# shellcheck source=../lib/process.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/process.sh"
export LC_ALL=C
umask 022

NL=$'\n'
partial_case=${1:-}
partial_cleanups=()

# The scratch directory of this test (removed at exit, whatever happens).
T=$(mktemp -d "${TMPDIR:-/tmp}/partial.XXXXXX") || exit 1

# Runs "$@" at exit, before the cleanups added earlier (last in, first out).
at_exit() {
    partial_cleanups+=("$(printf '%q ' "$@")")
}

partial_exit() {
    local status=$? i
    for ((i = ${#partial_cleanups[@]} - 1; i >= 0; i--)); do
        eval "${partial_cleanups[i]}" || true
    done
    rm -rf -- "$T"
    exit "$status"
}
trap partial_exit EXIT
trap 'exit 130' INT TERM

# Runs "$@" and sets RUN_STATUS, RUN_OUT, RUN_ERR (normalize_log'd) and
# RUN_DESC (the command, for messages). Standard input is /dev/null.
run() {
    RUN_DESC=$(printf '%q ' "$@")
    "$@" </dev/null >"$T/.run.out" 2>"$T/.run.err"
    RUN_STATUS=$?
    collect "$T/.run"
}

collect() {
    slurp RUN_OUT "$1.out"
    slurp RUN_ERR "$1.err"
    RUN_ERR=$(normalize_log "$RUN_ERR"; printf x)
    RUN_ERR=${RUN_ERR%x}
}

# start NAME COMMAND...: runs the command in the background (its output in
# $T/NAME.out and .err); sets the variable NAME_pid. Killed at exit unless
# finish NAME has waited for it.
start() {
    local name=$1
    shift
    "$@" </dev/null >"$T/$name.out" 2>"$T/$name.err" &
    printf -v "${name}_pid" '%s' "$!"
    printf -v "${name}_done" '%s' 0
    printf -v "${name}_desc" '%s' "$(printf '%q ' "$@")"
    at_exit stop_background "$name"
}

stop_background() {
    local pid_var=${1}_pid done_var=${1}_done
    [[ ${!done_var} == 1 ]] && return 0
    kill -KILL "${!pid_var}" 2>/dev/null
    wait "${!pid_var}" 2>/dev/null
}

# finish NAME: waits for the background command NAME and sets RUN_* as run
# does.
finish() {
    local name=$1 pid_var=${1}_pid desc_var=${1}_desc
    # (bash's own "Killed" notice about the job is not the command's output)
    { wait "${!pid_var}"; } 2>/dev/null
    RUN_STATUS=$?
    printf -v "${name}_done" '%s' 1
    RUN_DESC="${!desc_var} (in the background)"
    collect "$T/$name"
}

# kill_background NAME: SIGKILL to the background command NAME.
kill_background() {
    local pid_var=${1}_pid
    kill -KILL "${!pid_var}"
}

# running NAME: the background command NAME has not exited yet.
running() {
    local pid_var=${1}_pid
    kill -0 "${!pid_var}" 2>/dev/null && [[ $(ps -o stat= -p "${!pid_var}" 2>/dev/null) != Z* ]]
}

# Waits up to $1 seconds until the command "${@:2}" succeeds; 1 on timeout.
wait_until() {
    local seconds=$1 i
    shift
    for ((i = 0; i < seconds * 20; i++)); do
        "$@" && return 0
        sleep 0.05
    done
    return 1
}

expect_err_contains() {
    [[ $RUN_ERR == *"$1"* ]] || run_failed "stderr lacks \"$1\""
}

expect_err_lacks() {
    [[ $RUN_ERR != *"$1"* ]] || run_failed "stderr must not contain \"$1\""
}

# stderr is exactly one line that starts with prefix.
expect_err_line() {
    [[ $RUN_ERR == "$1"* && $RUN_ERR == *"$NL" && ${RUN_ERR%"$NL"} != *"$NL"* ]] ||
        run_failed "expected one line on stderr starting with \"$1\""
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

# The runtime's sentence on a migration that stopped midway, as `migrations`
# prints it after "warning: " and a refusal after "PROG: error: ":
# partial_text VERSION NAME FILE DIRECTION DONE WHERE
# where WHERE is what happened to the next statement, e.g.
# "statement 3 of 3 failed: MESSAGE".
partial_text() {
    local version=$1 name=$2 file=$3 direction=$4 done=$5 where=$6 command=migrate
    [[ $direction == down ]] && command=rollback
    printf 'migration %s %s (%s) was partially applied: its %s stopped after %s statement%s; %s. ' \
        "$version" "$name" "$file" "$direction" "$done" "$([[ $done == 1 ]] || printf s)" "$where"
    # shellcheck disable=SC2016 # the backquotes are text
    printf 'Fix the database by hand, then record the outcome with `mark %s --up` or `mark %s ' \
        "$version" "$version"
    # shellcheck disable=SC2016
    printf -- '--down`, or rerun it from its first statement with `%s --retry-partial`' "$command"
}

# WHERE of partial_text for a run that was killed during statement n of m
# at FILE:LINE.
interrupted_where() {
    printf 'statement %s of %s (%s) was running or about to run when the run was interrupted ' \
        "$1" "$2" "$3"
    printf '(or is running now)'
}

# The note that follows a failed statement of a migration outside a
# transaction: failed_note VERSION.
failed_note() {
    printf '; migration %s runs outside a transaction, so the statements before this one stay ' \
        "$1"
    # shellcheck disable=SC2016
    printf 'applied: `migrations` shows it as partial'
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
    local function=case_${partial_case}
    [[ -n $partial_case ]] && declare -F "$function" >/dev/null ||
        die "usage: $0 CASE (unknown case \"$partial_case\")"
    "$function"
    if ((TEST_FAILURES > 0)); then
        printf '%s: %d check(s) failed\n' "$partial_case" "$TEST_FAILURES" >&2
        exit 1
    fi
    printf '%s: ok\n' "$partial_case"
    exit 0
}
