# Shared helpers of the CMake integration tests (sourced by each script).
# Each test works in its own temporary directory, removed at exit.
set -euo pipefail

: "${MIGRATOR_SOURCE_DIR:?set by ctest}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/migrator-cmake-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
LOG="$WORK/last.log"

fail() {
    echo "FAIL: $*" >&2
    if [ -s "$LOG" ]; then
        echo "---- output of the last command ----" >&2
        tail -n 60 "$LOG" >&2
    fi
    exit 1
}

step() { echo "== $*"; }

# run CMD...: runs a command, its output in $LOG; fails the test if it fails.
run() {
    "$@" >"$LOG" 2>&1 || fail "command failed: $*"
}

# run_failing CMD...: the command must fail; its output is in $LOG.
run_failing() {
    if "$@" >"$LOG" 2>&1; then
        fail "command succeeded but should have failed: $*"
    fi
}

assert_log_contains() {
    grep -qF -- "$1" "$LOG" || fail "expected output to contain: $1"
}

assert_log_lacks() {
    if grep -qF -- "$1" "$LOG"; then
        fail "expected output not to contain: $1"
    fi
}

assert_equals() { # expected actual what
    [ "$1" = "$2" ] || fail "$3: expected [$1], got [$2]"
}

# write_migration DIR FILE UP_SQL [DOWN_SQL]
write_migration() {
    mkdir -p "$1"
    {
        echo "-- migrate:up"
        echo "$3"
        if [ $# -ge 4 ]; then
            echo "-- migrate:down"
            echo "$4"
        fi
    } >"$1/$2"
}

# A program that prints the table it embeds: one line per migration.
write_app_main() {
    cat >"$1/main.c" <<'C'
#include <inttypes.h>
#include <stdio.h>
#include "repo_migrations.h"
int main(void)
{
    size_t i, p;
    printf("count %zu\n", repo_migrations.count);
    for (i = 0; i < repo_migrations.count; i++) {
        const migrator_migration *m = &repo_migrations.migrations[i];
        printf("%" PRId64 " %s up=%zu down=%zu first=", m->version, m->name, m->up.count, m->down.count);
        if (m->up.count)
            for (p = 0; p < m->up.statements[0].piece_count; p++)
                fputs(m->up.statements[0].pieces[p], stdout);
        putchar('\n');
    }
    return 0;
}
C
}

# configure SRC BUILD GENERATOR [ARGS...]
configure() {
    local src=$1 build=$2 generator=$3
    shift 3
    run cmake -S "$src" -B "$build" -G "$generator" -DCMAKE_C_COMPILER="${CC:-cc}" "$@"
}
