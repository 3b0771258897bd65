#!/usr/bin/env bash
# partial.<case>: migrations outside a transaction (-- migrate:disable_ddl_transaction)
# that stop midway, on SQLite: the partial state in
# schema_migrations_migrator, the refusal to run such a migration again
# (MIGRATOR_EPARTIAL), `migrations` showing it, `mark V --up|--down` and
# `--retry-partial`. Each case runs partialrepo_migrator
# (fixtures/partialrepo) or slowrepo_migrator (fixtures/slowrepo) as a
# process and checks exit statuses, exact messages and status tables, and
# the database's tables and rows (sqlite3).
#
#   partial.sh CASE      (ctest passes PARTIAL_MIGRATOR, PARTIAL_SLOW_MIGRATOR,
#                         PARTIAL_SQLITE3)
#
# Expected behaviour: docs/reliability.md, "Partial migrations".
#
# SPDX-License-Identifier: MIT

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

P=${PARTIAL_MIGRATOR:?run through ctest (PARTIAL_MIGRATOR is not set)}
S=${PARTIAL_SLOW_MIGRATOR:?run through ctest (PARTIAL_SLOW_MIGRATOR is not set)}
SQLITE3=${PARTIAL_SQLITE3:-}
[[ -n $SQLITE3 && -x $SQLITE3 ]] || die "the sqlite3 program is missing (Debian: apt-get install sqlite3)"
unset DATABASE_URL SKIP_MIGRATIONS

# partialrepo: the 2nd migration runs outside a transaction; its 3rd
# statement (line 7) fails unless a table gate exists.
A1="20240101000000 create_a"
A2="20240102000000 outside"
A3="20240103000000 create_d"
F2=fixtures/partialrepo/20240102000000_outside.sql
GATE_ERROR="$F2:7: no such table: gate (statement: INSERT INTO gate (id) VALUES (1))"

# slowrepo: the 2nd migration's 2nd statement (line 6) counts to knob's n;
# its down's 2nd statement (line 13) fails unless a table down_gate exists.
B1="20240201000000 create_knob"
B2="20240202000000 slow"
B3="20240203000000 create_e"
FS=fixtures/slowrepo/20240202000000_slow.sql
DOWN_GATE_ERROR="$FS:13: no such table: down_gate (statement: DELETE FROM down_gate)"

sql() {
    "$SQLITE3" -batch "$@"
}

# The user tables (not sqlite_*), one name a line.
tables() {
    sql "$1" "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\\' ORDER BY name"
}

versions() {
    sql "$1" "SELECT version FROM ${2:-schema_migrations} ORDER BY version"
}

# The partial rows of our own table (without updated_at), one a line. (The
# table has rows of other states too, e.g. "applied" with checksums.)
partial_rows() {
    sql "$1" "SELECT version, state, direction, statements_done, statements_total, location, error FROM ${2:-schema_migrations_migrator} WHERE state = 'partial' ORDER BY version"
}

# Everything: every table's definition and every row.
snapshot() {
    sql "$1" .dump
}

# The same without our rows of other states than partial (the checksums of
# applied migrations, rewritten by mark).
snapshot_partial() {
    snapshot "$1" | grep -v "^INSERT INTO schema_migrations_migrator VALUES([0-9]*,'applied'"
}

# The case's database: $T/NAME.db; sets DB and URL.
new_db() {
    DB=$T/$1.db
    URL=sqlite:$DB
}

# Runs partialrepo's migrate on a new database, which fails at the 3rd
# statement of 20240102000000, and checks what it printed and left.
fail_midway() {
    new_db "$1"
    run "$P" migrate --url "$URL"
    expect_status 1
    expect_out ""
    expect_err "$(log_lines up "$A1")$NL== Running $A2 up
partialrepo_migrator: error: $GATE_ERROR$(failed_note 20240102000000)
"
    expect_same "versions after the failure" 20240101000000 "$(versions "$DB")"
    expect_same "tables after the failure (p1 and p2 stay: they ran outside a transaction)" \
        "a${NL}p1${NL}p2${NL}schema_migrations${NL}schema_migrations_migrator" "$(tables "$DB")"
    expect_same "partial row after the failure" \
        "20240102000000|partial|up|2|3|$F2:7|$GATE_ERROR" "$(partial_rows "$DB")"
}

# The warning of `migrations` and the refusal of `migrate` for partialrepo
# after fail_midway.
GATE_PARTIAL=$(partial_text 20240102000000 outside "$F2" up 2 "statement 3 of 3 failed: $GATE_ERROR")

expect_gate_partial_status() {
    run "$P" migrations --url "$URL"
    expect_status 0
    expect_status_table partialrepo "up $A1" "partial $A2" "down $A3"
    expect_err "warning: $GATE_PARTIAL$NL"
}

# The same with other rows: expect_gate_partial_status_with ROW...
expect_gate_partial_status_with() {
    run "$P" migrations --url "$URL"
    expect_status 0
    expect_status_table partialrepo "$@"
    expect_err "warning: $GATE_PARTIAL$NL"
}

expect_gate_refusal() {
    local before
    before=$(snapshot "$DB")
    run "$P" migrate --url "$URL" "$@"
    expect_status 1
    expect_out ""
    expect_err "== Running $A2 up
partialrepo_migrator: error: $GATE_PARTIAL; it was not run again
"
    expect_same "the refused migrate changed the database" "$before" "$(snapshot "$DB")"
}

# 1. A statement fails midway: the error and the note; the statements
# before it stay applied, no version row; `migrations` says partial; migrate
# refuses, also once the cause is fixed; --retry-partial reruns it from its
# first statement.
case_failure_midway() {
    local updated_at
    fail_midway failure
    updated_at=$(sql "$DB" "SELECT updated_at FROM schema_migrations_migrator WHERE state = 'partial'")
    [[ $updated_at =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$ ]] ||
        fail "updated_at is \"$updated_at\", expected YYYY-MM-DDThh:mm:ss"

    expect_gate_partial_status
    expect_gate_refusal
    # Other strategies that reach the migration are refused the same way.
    expect_gate_refusal --step 1
    expect_gate_refusal --to 20240103000000
    # --retry-partial before fixing the cause: it runs from the first
    # statement again and stops at the same place, with the same state.
    run "$P" migrate --url "$URL" --retry-partial --log-migrations-sql
    expect_status 1
    expect_out ""
    expect_err "== Running $A2 up
CREATE TABLE IF NOT EXISTS p1 (id INTEGER)
CREATE TABLE IF NOT EXISTS p2 (id INTEGER)
INSERT INTO gate (id) VALUES (1)
partialrepo_migrator: error: $GATE_ERROR$(failed_note 20240102000000)
"
    expect_same "partial row after a failed retry" \
        "20240102000000|partial|up|2|3|$F2:7|$GATE_ERROR" "$(partial_rows "$DB")"
    expect_same "versions after a failed retry" 20240101000000 "$(versions "$DB")"
    expect_gate_partial_status
    # Fixing the cause is not enough: the migration's state is unknown to
    # the runtime until the user says what to do.
    sql "$DB" "CREATE TABLE gate (id INTEGER)" || die "CREATE TABLE gate"
    expect_gate_refusal
    expect_gate_partial_status
    expect_same "d must not exist (3rd migration not run)" "" \
        "$(sql "$DB" "SELECT name FROM sqlite_master WHERE name = 'd'")"

    # --retry-partial: from the first statement (each is logged), then the
    # next migration.
    run "$P" migrate --url "$URL" --retry-partial --log-migrations-sql
    expect_status 0
    expect_out ""
    expect_err "== Running $A2 up
CREATE TABLE IF NOT EXISTS p1 (id INTEGER)
CREATE TABLE IF NOT EXISTS p2 (id INTEGER)
INSERT INTO gate (id) VALUES (1)
== Migrated 20240102000000 in 0.0s
== Running $A3 up
CREATE TABLE d (id INTEGER PRIMARY KEY)
== Migrated 20240103000000 in 0.0s
"
    expect_same "versions after --retry-partial" \
        "20240101000000${NL}20240102000000${NL}20240103000000" "$(versions "$DB")"
    expect_same "partial rows after --retry-partial" "" "$(partial_rows "$DB")"
    expect_same "gate's rows" 1 "$(sql "$DB" "SELECT group_concat(id) FROM gate")"
    run "$P" migrations --url "$URL"
    expect_status 0
    expect_status_table partialrepo "up $A1" "up $A2" "up $A3"
    expect_err ""
    # Nothing left to retry: a plain migrate has nothing to do.
    run "$P" migrate --url "$URL"
    expect_status 0
    expect_err "Migrations already up$NL"
}

# 2. mark V --up after fixing by hand; mark V --down; mark's errors and
# "(it already was)".
case_mark() {
    local before
    fail_midway mark_up
    # The user finishes the migration by hand, then records it.
    sql "$DB" "CREATE TABLE gate (id INTEGER); INSERT INTO gate (id) VALUES (1);" || die "fix"
    run "$P" mark 20240102000000 --up --url "$URL"
    expect_status 0
    expect_out ""
    expect_err "== Marked $A2 as applied$NL"
    expect_same "versions after mark --up" "20240101000000${NL}20240102000000" "$(versions "$DB")"
    expect_same "partial rows after mark --up" "" "$(partial_rows "$DB")"
    run "$P" migrations --url "$URL"
    expect_status 0
    expect_status_table partialrepo "up $A1" "up $A2" "down $A3"
    expect_err ""
    # migrate runs the next migration, not the marked one (gate keeps one row).
    run "$P" migrate --url "$URL"
    expect_status 0
    expect_err "$(log_lines up "$A3")$NL"
    expect_same "gate's rows after migrate" 1 "$(sql "$DB" "SELECT group_concat(id) FROM gate")"
    expect_same "versions after migrate" \
        "20240101000000${NL}20240102000000${NL}20240103000000" "$(versions "$DB")"
    # Already applied: exit 0, said so, nothing changes.
    before=$(snapshot_partial "$DB")
    run "$P" mark 20240102000000 --up --url "$URL"
    expect_status 0
    expect_err "== Marked $A2 as applied (it already was)$NL"
    expect_same "mark --up of an applied version changed the database" "$before" \
        "$(snapshot_partial "$DB")"
    # mark --down of an applied migration deletes its row without running
    # its down (d stays).
    run "$P" mark 20240103000000 --down --url "$URL"
    expect_status 0
    expect_err "== Marked $A3 as not applied$NL"
    expect_same "versions after mark --down" "20240101000000${NL}20240102000000" "$(versions "$DB")"
    expect_same "d stays after mark --down" d "$(sql "$DB" "SELECT name FROM sqlite_master WHERE name = 'd'")"

    # mark --down of the partial migration: no version row (there was
    # none: "it already was"), partial state forgotten, and migrate then
    # runs it again from its first statement.
    fail_midway mark_down
    run "$P" mark 20240102000000 --down --url "$URL"
    expect_status 0
    expect_out ""
    expect_err "== Marked $A2 as not applied (it already was)$NL"
    expect_same "versions after mark --down" 20240101000000 "$(versions "$DB")"
    expect_same "partial rows after mark --down" "" "$(partial_rows "$DB")"
    run "$P" migrations --url "$URL"
    expect_status 0
    expect_status_table partialrepo "up $A1" "down $A2" "down $A3"
    expect_err ""
    # The user undid the first statement by hand; the rerun redoes it.
    sql "$DB" "DROP TABLE p1; CREATE TABLE gate (id INTEGER);" || die "fix"
    run "$P" migrate --url "$URL"
    expect_status 0
    expect_err "$(log_lines up "$A2" "$A3")$NL"
    expect_same "tables after the rerun" \
        "a${NL}d${NL}gate${NL}p1${NL}p2${NL}schema_migrations${NL}schema_migrations_migrator" \
        "$(tables "$DB")"
    expect_same "partial rows after the rerun" "" "$(partial_rows "$DB")"

    # A partial row whose outcome got recorded otherwise (the version row
    # inserted by hand, or by another tool) is stale: not shown, not refused.
    fail_midway stale_up
    sql "$DB" "CREATE TABLE gate (id INTEGER); INSERT INTO schema_migrations VALUES (20240102000000, '2024-01-02T00:00:00');" ||
        die "insert"
    run "$P" migrations --url "$URL"
    expect_status 0
    expect_status_table partialrepo "up $A1" "up $A2" "down $A3"
    expect_err ""
    run "$P" migrate --url "$URL"
    expect_status 0
    expect_err "$(log_lines up "$A3")$NL"
    # ... until the version row goes again: then it is partial again (the
    # checksums that migrate filled in never replace a partial row).
    sql "$DB" "DELETE FROM schema_migrations WHERE version = 20240102000000" || die "delete"
    expect_gate_partial_status_with "up $A1" "partial $A2" "up $A3"

    # Versions that do not exist.
    before=$(snapshot "$DB")
    run "$P" mark 20240109000000 --up --url "$URL"
    expect_status 1
    expect_out ""
    expect_err "partialrepo_migrator: error: no migration with version 20240109000000 in repo partialrepo: nothing to mark as applied$NL"
    run "$P" mark 20240109000000 --down --url "$URL"
    expect_status 1
    expect_err "partialrepo_migrator: error: no migration with version 20240109000000 in repo partialrepo, and none is applied$NL"
    expect_same "mark of an unknown version changed the database" "$before" "$(snapshot "$DB")"
    # An applied version whose file is gone can be marked down.
    sql "$DB" "INSERT INTO schema_migrations VALUES (20230101000000, '2023-01-01T00:00:00')" ||
        die "insert"
    run "$P" mark 20230101000000 --down --url "$URL"
    expect_status 0
    expect_err "== Marked 20230101000000 ** FILE NOT FOUND ** as not applied$NL"
    expect_same "the version of a missing file after mark --down" "" \
        "$(sql "$DB" "SELECT version FROM schema_migrations WHERE version = 20230101000000")"
    # ... but not up.
    run "$P" mark 20230101000000 --up --url "$URL"
    expect_status 1
    expect_err "partialrepo_migrator: error: no migration with version 20230101000000 in repo partialrepo: nothing to mark as applied$NL"
}

# mark's usage errors: exit 2, the message and the hint, nothing created.
usage_error() {
    local message=$1
    shift
    run "$P" "$@" --url "sqlite:$T/never.db"
    expect_status 2
    expect_out ""
    expect_err "partialrepo_migrator: $message${NL}Try 'partialrepo_migrator --help'.$NL"
    [[ ! -e $T/never.db ]] || { fail "$RUN_DESC created the database"; rm -f "$T/never.db"; }
}

case_mark_usage() {
    local missing="mark: expected a version and --up or --down (mark V --up, mark V --down)"
    usage_error "$missing" mark 20240102000000
    usage_error "$missing" mark --up
    usage_error "$missing" mark --down
    usage_error "$missing" mark
    usage_error "mark: give one of --up and --down" mark 20240102000000 --up --down
    usage_error 'mark: expected a version (0 to 9223372036854775807), got "abc"' mark abc --up
    usage_error 'mark: expected a version (0 to 9223372036854775807), got "99999999999999999999"' \
        mark 99999999999999999999 --up
    usage_error 'unexpected argument "20240103000000"' mark 20240102000000 20240103000000 --up
    usage_error "--up takes no value" mark 20240102000000 --up=1
    usage_error "--step does not apply to the mark command" mark 20240102000000 --up --step 1
    usage_error "--retry-partial does not apply to the mark command" \
        mark 20240102000000 --up --retry-partial
    usage_error "--retry-partial does not apply to the migrations command" \
        migrations --retry-partial
    usage_error "--retry-partial takes no value" migrate --retry-partial=1
    usage_error "--up applies only to the mark command" migrate --up
    usage_error "--down applies only to the mark command" rollback --down
    # The help names the command and the flag.
    run "$P" --help
    expect_status 0
    [[ $RUN_OUT == *"  mark V --up|--down$NL"* && $RUN_OUT == *"  --retry-partial  "* ]] ||
        run_failed "the help does not describe mark and --retry-partial"
    run "$P" mark --help
    expect_status 0
    [[ $RUN_OUT == "Usage: partialrepo_migrator COMMAND [OPTION]..."* ]] ||
        run_failed "mark --help does not print the usage"
}

# The warning of slowrepo's migration killed (or running) during its 2nd
# statement.
SLOW_PARTIAL=$(partial_text 20240202000000 slow "$FS" up 1 "$(interrupted_where 2 3 "$FS:6")")

# A slowrepo database with its first migration applied and knob = n.
slow_db() {
    new_db "$1"
    "$S" migrate --step 1 --quiet --url "$URL" || die "migrate --step 1 on $DB"
    sql "$DB" "INSERT INTO knob (n) VALUES ($2)" || die "knob"
}

# Whether slowrepo's 2nd migration has started its 2nd statement.
at_slow_statement() {
    [[ $(sql "$DB" "SELECT statements_done FROM schema_migrations_migrator WHERE version = 20240202000000 AND state = 'partial'" 2>/dev/null) == 1 ]]
}

# 3. SIGKILL during the slow statement: `migrations` says partial
# (interrupted, or running now), migrate refuses, --retry-partial completes.
case_interrupted() {
    local before
    slow_db interrupted 100000000000 # hours
    start A "$S" migrate --url "$URL"
    wait_until 60 at_slow_statement || die "the migration did not reach its 2nd statement"
    # While it runs: partial, "or is running now".
    run "$S" migrations --url "$URL"
    expect_status 0
    expect_status_table slowrepo "up $B1" "partial $B2" "down $B3"
    expect_err "warning: $SLOW_PARTIAL$NL"
    running A || fail "the migration is no longer running"
    kill_background A
    finish A
    expect_status 137
    expect_err "== Running $B2 up$NL"

    expect_same "versions after the kill" 20240201000000 "$(versions "$DB")"
    expect_same "tables after the kill" \
        "knob${NL}s1${NL}schema_migrations${NL}schema_migrations_migrator" "$(tables "$DB")"
    expect_same "partial row after the kill" "20240202000000|partial|up|1|3|$FS:6|" \
        "$(partial_rows "$DB")"
    run "$S" migrations --url "$URL"
    expect_status 0
    expect_status_table slowrepo "up $B1" "partial $B2" "down $B3"
    expect_err "warning: $SLOW_PARTIAL$NL"

    before=$(snapshot "$DB")
    run "$S" migrate --url "$URL"
    expect_status 1
    expect_out ""
    expect_err "== Running $B2 up
slowrepo_migrator: error: $SLOW_PARTIAL; it was not run again
"
    expect_same "the refused migrate changed the database" "$before" "$(snapshot "$DB")"

    # The rerun is fast: knob is emptied first.
    sql "$DB" "DELETE FROM knob" || die "knob"
    run "$S" migrate --url "$URL" --retry-partial
    expect_status 0
    expect_err "$(log_lines up "$B2" "$B3")$NL"
    expect_same "versions after --retry-partial" \
        "20240201000000${NL}20240202000000${NL}20240203000000" "$(versions "$DB")"
    expect_same "tables after --retry-partial" \
        "e${NL}knob${NL}s1${NL}s3${NL}schema_migrations${NL}schema_migrations_migrator" \
        "$(tables "$DB")"
    expect_same "partial rows after --retry-partial" "" "$(partial_rows "$DB")"
    run "$S" migrations --url "$URL"
    expect_status 0
    expect_status_table slowrepo "up $B1" "up $B2" "up $B3"
    expect_err ""
}

# A rollback (the down direction) that fails midway: the version stays
# recorded, `migrations` says partial (down, `rollback --retry-partial`),
# rollback refuses, --retry-partial completes; mark --up / --down of a
# partial down.
DOWN_PARTIAL=$(partial_text 20240202000000 slow "$FS" down 1 "statement 2 of 3 failed: $DOWN_GATE_ERROR")

fail_down_midway() {
    slow_db "$1" 0
    "$S" migrate --quiet --url "$URL" || die "migrate $DB"
    run "$S" rollback --to 20240202000000 --url "$URL"
    expect_status 1
    expect_out ""
    expect_err "$(log_lines down "$B3")$NL== Running $B2 down
slowrepo_migrator: error: $DOWN_GATE_ERROR$(failed_note 20240202000000)
"
    expect_same "versions after the failed down" "20240201000000${NL}20240202000000" \
        "$(versions "$DB")"
    expect_same "tables after the failed down (s3 dropped, s1 not)" \
        "knob${NL}s1${NL}schema_migrations${NL}schema_migrations_migrator" "$(tables "$DB")"
    expect_same "partial row after the failed down" \
        "20240202000000|partial|down|1|3|$FS:13|$DOWN_GATE_ERROR" "$(partial_rows "$DB")"
    run "$S" migrations --url "$URL"
    expect_status 0
    expect_status_table slowrepo "up $B1" "partial $B2" "down $B3"
    expect_err "warning: $DOWN_PARTIAL$NL"
}

case_down_midway() {
    local before
    fail_down_midway down
    before=$(snapshot "$DB")
    run "$S" rollback --url "$URL"
    expect_status 1
    expect_out ""
    expect_err "== Running $B2 down
slowrepo_migrator: error: $DOWN_PARTIAL; it was not run again
"
    sql "$DB" "CREATE TABLE down_gate (id INTEGER)" || die "down_gate"
    before=$(snapshot "$DB")
    run "$S" rollback --url "$URL"
    expect_status 1
    expect_err_contains "$DOWN_PARTIAL; it was not run again"
    expect_same "the refused rollback changed the database" "$before" "$(snapshot "$DB")"
    run "$S" rollback --url "$URL" --retry-partial
    expect_status 0
    expect_err "$(log_lines down "$B2")$NL"
    expect_same "versions after rollback --retry-partial" 20240201000000 "$(versions "$DB")"
    expect_same "tables after rollback --retry-partial" \
        "down_gate${NL}knob${NL}schema_migrations${NL}schema_migrations_migrator" \
        "$(tables "$DB")"
    expect_same "partial rows after rollback --retry-partial" "" "$(partial_rows "$DB")"
    # A stale row is never shown: migrate and roll back once more.
    run "$S" migrate --url "$URL"
    expect_status 0
    expect_err "$(log_lines up "$B2" "$B3")$NL"

    # A partial down whose version row was deleted by hand is stale: the
    # migration is down and migrate runs it.
    fail_down_midway down_stale
    sql "$DB" "DELETE FROM schema_migrations WHERE version = 20240202000000" || die "delete"
    run "$S" migrations --url "$URL"
    expect_status 0
    expect_status_table slowrepo "up $B1" "down $B2" "down $B3"
    expect_err ""
    run "$S" migrate --url "$URL"
    expect_status 0
    expect_err "$(log_lines up "$B2" "$B3")$NL"
    expect_same "partial rows after migrate" "" "$(partial_rows "$DB")"

    # mark --down of a partial down: the version row goes, the state too.
    fail_down_midway down_mark_down
    run "$S" mark 20240202000000 --down --url "$URL"
    expect_status 0
    expect_err "== Marked $B2 as not applied$NL"
    expect_same "versions after mark --down" 20240201000000 "$(versions "$DB")"
    expect_same "partial rows after mark --down" "" "$(partial_rows "$DB")"
    run "$S" migrations --url "$URL"
    expect_status 0
    expect_status_table slowrepo "up $B1" "down $B2" "down $B3"
    expect_err ""

    # mark --up of a partial down: the row stays ("it already was"), the
    # state goes; rollback then runs the down again from its first
    # statement.
    fail_down_midway down_mark_up
    run "$S" mark 20240202000000 --up --url "$URL"
    expect_status 0
    expect_err "== Marked $B2 as applied (it already was)$NL"
    expect_same "versions after mark --up" "20240201000000${NL}20240202000000" "$(versions "$DB")"
    expect_same "partial rows after mark --up" "" "$(partial_rows "$DB")"
    run "$S" migrations --url "$URL"
    expect_status 0
    expect_status_table slowrepo "up $B1" "up $B2" "down $B3"
    expect_err ""
    run "$S" rollback --url "$URL" --log-migrations-sql
    expect_status 1
    expect_err "== Running $B2 down
DROP TABLE IF EXISTS s3
DELETE FROM down_gate
slowrepo_migrator: error: $DOWN_GATE_ERROR$(failed_note 20240202000000)
"
}

# How many rows slowrepo's slow statement must count to take about $1
# seconds here (measured with sqlite3 counting to a million).
calibrate() {
    local start end ns n
    start=$(date +%s%N)
    sql ":memory:" "WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000) SELECT count(*) FROM c;" >/dev/null ||
        die "sqlite3 cannot count"
    end=$(date +%s%N)
    ns=$((end - start > 1000000 ? end - start : 1000000))
    n=$((1000000 * $1 * 1000000000 / ns))
    ((n < 5000000)) && n=5000000
    ((n > 2000000000)) && n=2000000000
    printf '%s' "$n"
}

# 5. While one process runs the slow migration (holding the migration
# lock), a second migrate with a small --lock-timeout fails with the lock
# timeout, not as partial; mark cannot change the migration under it; a
# second migrate with a large --lock-timeout waits, then finds it applied
# and exits 0 without a word about a partial migration.
case_concurrency() {
    local n
    n=$(calibrate 6)
    slow_db concurrency "$n"
    start A "$S" migrate --url "$URL"
    wait_until 60 at_slow_statement || die "the migration did not reach its 2nd statement"

    run "$S" migrate --url "$URL" --lock-timeout 300
    expect_status 1
    expect_out ""
    expect_err "slowrepo_migrator: error: timed out after 300 ms waiting for the migration lock on $URL ($DB-migrator-lock is held by another process)$NL"
    expect_err_lacks "partially applied"

    # mark waits for the lock too: it must not record the running migration.
    run "$S" mark 20240202000000 --up --url "$URL" --lock-timeout 300
    expect_status 1
    expect_err_line "slowrepo_migrator: error: "
    expect_err_contains "timed out after 300 ms waiting for the migration lock"
    expect_same "versions while the migration runs" 20240201000000 "$(versions "$DB")"

    running A || die "the slow statement ended too early (calibrated n = $n): cannot test waiting"
    start B "$S" migrate --url "$URL" --lock-timeout 120000
    finish A
    expect_status 0
    expect_err "$(log_lines up "$B2" "$B3")$NL"
    finish B
    expect_status 0
    expect_out ""
    # B chose 20240202000000 and 20240203000000 before A was done, and
    # skipped them silently once it had the lock.
    expect_err ""
    expect_same "versions at the end" "20240201000000${NL}20240202000000${NL}20240203000000" \
        "$(versions "$DB")"
    expect_same "partial rows at the end" "" "$(partial_rows "$DB")"
    run "$S" migrations --url "$URL"
    expect_status 0
    expect_status_table slowrepo "up $B1" "up $B2" "up $B3"
    expect_err ""
}

# 6. schema_migrations keeps exactly Ecto's two columns; our own table is
# beside it, named after --migration-source, and left out of `schema`.
# The columns of ours that the partial state uses (others may follow).
OWN_COLUMNS="version|bigint|0|1
state|text|1|0
direction|text|0|0
statements_done|integer|0|0
statements_total|integer|0|0
location|text|0|0
error|text|0|0
updated_at|text|0|0"

# columns DB TABLE [NAME...]: "name|type|notnull|pk" lines, in order; only
# the named columns when names are given.
columns() {
    local db=$1 table=$2 names
    shift 2
    names=$(printf "'%s'," "$@")
    sql "$db" "SELECT name, lower(type), \"notnull\", pk FROM pragma_table_info('$table') $([[ $# -gt 0 ]] && printf 'WHERE name IN (%s)' "${names%,}") ORDER BY cid"
}

case_ecto_table() {
    fail_midway ecto
    expect_same "schema_migrations' columns after a partial run" \
        "version|integer|0|1${NL}inserted_at|text|0|0" "$(columns "$DB" schema_migrations)"
    expect_same "schema_migrations_migrator's columns" "$OWN_COLUMNS" \
        "$(columns "$DB" schema_migrations_migrator version state direction statements_done \
            statements_total location error updated_at)"
    sql "$DB" "CREATE TABLE gate (id INTEGER)" || die "gate"
    "$P" migrate --retry-partial --quiet --url "$URL" || fail "migrate --retry-partial"
    "$P" mark 20240103000000 --down --quiet --url "$URL" || fail "mark --down"
    "$P" mark 20240103000000 --up --quiet --url "$URL" || fail "mark --up"
    expect_same "schema_migrations' columns after retry and mark" \
        "version|integer|0|1${NL}inserted_at|text|0|0" "$(columns "$DB" schema_migrations)"
    expect_same "schema_migrations' rows: a version and a time each" 3 \
        "$(sql "$DB" "SELECT count(*) FROM schema_migrations WHERE inserted_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]'")"
    run "$P" schema --url "$URL"
    expect_status 0
    [[ $RUN_OUT != *schema_migrations* ]] || run_failed "schema shows the migrator's tables"

    # --migration-source: <source>_migrator, and nothing named schema_migrations.
    new_db ecto_source
    run "$P" migrate --migration-source my_versions --url "$URL"
    expect_status 1
    expect_same "tables with --migration-source" \
        "a${NL}my_versions${NL}my_versions_migrator${NL}p1${NL}p2" "$(tables "$DB")"
    expect_same "my_versions' columns" "version|integer|0|1${NL}inserted_at|text|0|0" \
        "$(columns "$DB" my_versions)"
    expect_same "partial row in my_versions_migrator" \
        "20240102000000|partial|up|2|3|$F2:7|$GATE_ERROR" "$(partial_rows "$DB" my_versions_migrator)"
    run "$P" migrations --migration-source my_versions --url "$URL"
    expect_status 0
    expect_status_table partialrepo "up $A1" "partial $A2" "down $A3"
    expect_err "warning: $GATE_PARTIAL$NL"
    run "$P" mark 20240102000000 --down --migration-source my_versions --url "$URL"
    expect_status 0
    expect_same "partial rows after mark with --migration-source" "" \
        "$(partial_rows "$DB" my_versions_migrator)"

    # A database Ecto migrated (ecto_sqlite3's table, no table of ours):
    # rollback, mark and migrate work, and leave Ecto's table as it was.
    new_db ecto_made
    sql "$DB" "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, inserted_at TEXT); CREATE TABLE a (id INTEGER PRIMARY KEY); INSERT INTO schema_migrations VALUES (20240101000000, '2024-01-01T00:00:00');" ||
        die "ecto database"
    run "$P" rollback --url "$URL"
    expect_status 0
    expect_err "$(log_lines down "$A1")$NL"
    expect_same "versions after rollback on an Ecto database" "" "$(versions "$DB")"
    expect_same "tables after rollback on an Ecto database" "schema_migrations" \
        "$(tables "$DB" | grep -v _migrator)"
    run "$P" mark 20240101000000 --up --url "$URL"
    expect_status 0
    expect_err "== Marked $A1 as applied$NL"
    run "$P" mark 20240101000000 --down --url "$URL"
    expect_status 0
    expect_err "== Marked $A1 as not applied$NL"
    expect_same "versions after mark on an Ecto database" "" "$(versions "$DB")"
    sql "$DB" "CREATE TABLE gate (id INTEGER)" || die "gate"
    run "$P" migrate --url "$URL"
    expect_status 0
    expect_same "versions after migrate on an Ecto database" \
        "20240101000000${NL}20240102000000${NL}20240103000000" "$(versions "$DB")"
    expect_same "Ecto's schema_migrations' columns" "version|integer|0|1${NL}inserted_at|text|0|0" \
        "$(columns "$DB" schema_migrations)"
}

run_case
