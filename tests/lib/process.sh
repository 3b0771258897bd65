# shellcheck shell=bash
# Helpers shared by the shell-driven suites (tests/hostile, tests/partial,
# tests/trust): a program run as a process with its status, stdout and
# stderr captured, and assertions that record every mismatch in
# TEST_FAILURES (the test goes on and fails at the end, listing them all).
# Each suite's lib.sh sources this file, sets T (its scratch directory) and
# NL, and reports TEST_FAILURES in its run_case.
#
# SPDX-License-Identifier: MIT

TEST_FAILURES=0

# Records a failure (the test fails at the end, after the other checks).
fail() {
    TEST_FAILURES=$((TEST_FAILURES + 1))
    printf 'FAIL: %s\n' "$*" >&2
}

# Stops the test at once: its setup failed.
die() {
    printf 'ERROR: %s\n' "$*" >&2
    exit 1
}

# Prints a block of text under a title, each line framed by | so that
# trailing spaces and missing newlines show.
show() {
    local title=$1 text=$2 line
    if [[ -z $text ]]; then
        printf '  %s: (empty)\n' "$title" >&2
        return 0
    fi
    printf '  %s:\n' "$title" >&2
    while IFS= read -r line || [[ -n $line ]]; do
        printf '    |%s|\n' "$line" >&2
    done < <(printf '%s' "$text")
    [[ $text == *"$NL" ]] || printf '    (no newline at the end)\n' >&2
}

# Sets the variable named $1 to the text of the file $2, trailing newlines
# kept.
slurp() {
    local text
    text=$(cat -- "$2"; printf x)
    printf -v "$1" '%s' "${text%x}"
}

# The log with the time of each "== Migrated V in S.Ss" line made 0.0s.
normalize_log() {
    printf '%s' "$1" | sed -E 's/^(== Migrated [0-9]+ in )[0-9]+\.[0-9]s$/\10.0s/'
}

# A failed check about the last run, with its status and output.
run_failed() {
    fail "$RUN_DESC: $1"
    printf '  exit status: %s\n' "$RUN_STATUS" >&2
    show stdout "$RUN_OUT"
    show stderr "$RUN_ERR"
}

expect_status() {
    [[ $RUN_STATUS == "$1" ]] || run_failed "expected exit status $1, got $RUN_STATUS"
}

expect_out() {
    [[ $RUN_OUT == "$1" ]] || { run_failed "stdout differs"; show "expected stdout" "$1"; }
}

expect_err() {
    [[ $RUN_ERR == "$1" ]] || { run_failed "stderr differs"; show "expected stderr" "$1"; }
}

# expect_same WHAT EXPECTED ACTUAL, with a diff when they differ.
expect_same() {
    local what=$1 expected=$2 actual=$3
    if [[ $expected != "$actual" ]]; then
        fail "$what"
        diff -u <(printf '%s\n' "$expected") <(printf '%s\n' "$actual") | sed 's/^/    /' >&2
    fi
}
