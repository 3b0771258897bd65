#!/usr/bin/env bash
# 8 processes migrate one fresh SQLite file at once, 10 rounds. Every
# migration but the first runs outside a transaction and inserts two rows;
# each must run exactly once (58 rows, 30 versions) and every process must
# exit 0. Usage: notx_exactly_once.sh MIGRATOR SQLITE3
set -euo pipefail
migrator=$1 sqlite3=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/migrator-locking.XXXXXX")
trap 'rm -rf "$work"' EXIT
for round in $(seq 1 10); do
    db="$work/round$round.db"
    pids=()
    for process in $(seq 1 8); do
        "$migrator" migrate --quiet --url "sqlite:$db" 2>"$work/err.$process" &
        pids+=($!)
    done
    for process in $(seq 1 8); do
        if ! wait "${pids[$((process - 1))]}"; then
            echo "FAIL: round $round: process $process exited non-zero:" >&2
            cat "$work/err.$process" >&2
            exit 1
        fi
    done
    rows=$("$sqlite3" "$db" "SELECT count(*) FROM hits")
    versions=$("$sqlite3" "$db" "SELECT count(*) FROM schema_migrations")
    distinct=$("$sqlite3" "$db" "SELECT count(DISTINCT v) FROM hits")
    if [ "$rows" != 58 ] || [ "$versions" != 30 ] || [ "$distinct" != 58 ]; then
        echo "FAIL: round $round: $rows rows ($distinct distinct), $versions versions; expected 58, 58, 30" >&2
        exit 1
    fi
    echo "round $round: 8 processes, 58 rows, 30 versions"
done
echo "1 passed, 0 failed"
