#!/usr/bin/env bash
# partial.pg.<case>: migrations outside a transaction that stop midway, on
# PostgreSQL: the partial state in schema_migrations_migrator (in the
# --prefix schema), the refusal to run such a migration again, `migrations`,
# `mark V --up|--down` and `--retry-partial`; CREATE INDEX CONCURRENTLY,
# a rollback that fails midway, a run killed during pg_sleep, a second
# process waiting for the lock. partialrepo_migrator (fixtures/partialrepo)
# and partialpg_migrator (fixtures/partialpg) run as processes against
# fresh databases on the fixture's throwaway server (MIGRATOR_PG_ENV_FILE,
# tests/pg/PgFixture.cmake).
#
#   partial_pg.sh CASE   (ctest passes PARTIAL_MIGRATOR, PARTIAL_PG_MIGRATOR,
#                         PARTIAL_PSQL and MIGRATOR_PG_ENV_FILE)
#
# Exit status 77 (skipped) without a server, unless MIGRATOR_REQUIRE_POSTGRES=1.
# Expected behaviour: docs/reliability.md, "Partial migrations".
#
# SPDX-License-Identifier: MIT

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

P=${PARTIAL_MIGRATOR:?run through ctest (PARTIAL_MIGRATOR is not set)}
Q=${PARTIAL_PG_MIGRATOR:?run through ctest (PARTIAL_PG_MIGRATOR is not set)}
PSQL=${PARTIAL_PSQL:-}
unset DATABASE_URL SKIP_MIGRATIONS PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGPASSWORD \
    PGSERVICE PGSERVICEFILE PGOPTIONS PGAPPNAME PGSSLMODE

# partialrepo: the 2nd migration runs outside a transaction; its 3rd
# statement (line 7, column 13 on PostgreSQL) fails unless a table gate
# exists.
A1="20240101000000 create_a"
A2="20240102000000 outside"
A3="20240103000000 create_d"
F2=fixtures/partialrepo/20240102000000_outside.sql
GATE_ERROR="$F2:7:13: 42P01: relation \"gate\" does not exist (statement: INSERT INTO gate (id) VALUES (1))"
GATE_PARTIAL=$(partial_text 20240102000000 outside "$F2" up 2 "statement 3 of 3 failed: $GATE_ERROR")

# partialpg: 20240302000000 index_items runs outside a transaction: CREATE
# INDEX CONCURRENTLY items_name_idx (line 3), pg_sleep(knob.n) (line 6),
# CREATE UNIQUE INDEX CONCURRENTLY items_name_key (line 8), which fails
# while items has two rows named 'one' (as the first migration leaves it).
# Its down drops items_name_key (line 11), deletes from down_gate (line 13:
# fails unless it exists), drops items_name_idx (line 15).
C1="20240301000000 create_items"
C2="20240302000000 index_items"
C3="20240303000000 create_d"
FI=fixtures/partialpg/20240302000000_index_items.sql
UNIQUE_ERROR="$FI:8: 23505: could not create unique index \"items_name_key\" (detail: Key (name)=(one) is duplicated.) (statement: CREATE UNIQUE INDEX CONCURRENTLY items_name_key ON items (name))"
DOWN_GATE_ERROR="$FI:13:13: 42P01: relation \"down_gate\" does not exist (statement: DELETE FROM down_gate)"

# The migrator's own CREATE TABLE IF NOT EXISTS of its table must not show
# the server's notice "relation ... already exists, skipping" (the
# migrations' own notices are shown, as Ecto logs them). run and finish drop
# that line from RUN_ERR and count it in OWN_NOTICES, which case
# failure_midway checks, so that the other cases test the rest.
OWN_NOTICE_RE='^relation "schema_migrations_migrator" already exists, skipping$'
OWN_NOTICES=0

strip_own_notice() {
    local kept
    if grep -Eq "$OWN_NOTICE_RE" <<<"$RUN_ERR"; then
        OWN_NOTICES=$((OWN_NOTICES + 1))
        kept=$(printf '%s' "$RUN_ERR" | grep -Ev "$OWN_NOTICE_RE"; printf x)
        RUN_ERR=${kept%x}
    fi
}

eval "lib_$(declare -f run)"
eval "lib_$(declare -f finish)"
run() {
    lib_run "$@"
    strip_own_notice
}
finish() {
    lib_finish "$@"
    strip_own_notice
}

# The fixture's server: PG_HOST (socket directory), PG_PORT, PG_USER.
pg_fixture() {
    local file=${MIGRATOR_PG_ENV_FILE:-}
    [[ -n $PSQL && -x $PSQL ]] || skip_or_fail "no psql (Debian: postgresql-client)" pg
    [[ -n $file ]] || skip_or_fail "MIGRATOR_PG_ENV_FILE is not set (run through ctest)" pg
    [[ -f $file ]] || skip_or_fail "no PostgreSQL server ($file is missing)" pg
    PG_HOST=$(sed -n 's/^PGHOST=//p' "$file")
    PG_PORT=$(sed -n 's/^PGPORT=//p' "$file")
    PG_USER=$(sed -n 's/^PGUSER=//p' "$file")
    [[ -n $PG_HOST && -n $PG_PORT && -n $PG_USER ]] || die "$file lacks PGHOST, PGPORT or PGUSER"
}

# Runs the SQL (the arguments, else standard input) in database $1.
pg_sql() {
    local db=$1
    shift
    if [[ $# -gt 0 ]]; then
        "$PSQL" -X -q -At -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$db" \
            -c "$*"
    else
        "$PSQL" -X -q -At -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$db"
    fi
}

url_of() {
    printf 'postgresql:///%s?host=%s&port=%s&user=%s' "$1" "$PG_HOST" "$PG_PORT" "$PG_USER"
}

# A fresh database partial_<pid>_<n> (dropped at exit): DB and URL.
database_count=0
create_db() {
    database_count=$((database_count + 1))
    DB=partial_$$_$database_count
    pg_sql postgres "CREATE DATABASE $DB" || die "cannot create database $DB"
    at_exit drop_db "$DB"
    URL=$(url_of "$DB")
}

drop_db() {
    pg_sql postgres "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null 2>&1 || true
}

# Tables and indexes of schema $2 (default public): "r|name" and
# "i|name|valid" lines.
relations() {
    pg_sql "$1" "SELECT c.relkind::text || '|' || c.relname || CASE WHEN c.relkind = 'i' THEN '|' || (SELECT CASE WHEN i.indisvalid THEN 'valid' ELSE 'INVALID' END FROM pg_index i WHERE i.indexrelid = c.oid) ELSE '' END FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '${2:-public}' AND c.relkind IN ('r', 'i') ORDER BY c.relname COLLATE \"C\""
}

versions() {
    pg_sql "$1" "SELECT version FROM ${2:-public}.schema_migrations ORDER BY version"
}

partial_rows() {
    pg_sql "$1" "SELECT version, state, direction, statements_done, statements_total, location, error FROM ${2:-public}.schema_migrations_migrator WHERE state = 'partial' ORDER BY version"
}

# Everything that must not change when a command is refused: relations,
# versions (with their times) and our partial rows (with theirs).
snapshot() {
    printf '== relations\n%s\n== versions\n%s\n== partial\n%s\n' "$(relations "$1" "${2:-public}")" \
        "$(pg_sql "$1" "SELECT * FROM ${2:-public}.schema_migrations ORDER BY version")" \
        "$(pg_sql "$1" "SELECT * FROM ${2:-public}.schema_migrations_migrator WHERE state = 'partial' ORDER BY version")"
}

# Columns of schema.table: "name|type|not null" lines.
columns() {
    pg_sql "$1" "SELECT a.attname || '|' || format_type(a.atttypid, a.atttypmod) || '|' || a.attnotnull FROM pg_attribute a WHERE a.attrelid = '$2'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"
}

primary_key() {
    pg_sql "$1" "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = '$2'::regclass AND contype = 'p'"
}

# partialrepo's migrate on a new database (with --prefix when given),
# failing at the 3rd statement of 20240102000000.
fail_midway() {
    local schema=${1:-public}
    create_db
    run "$P" migrate --url "$URL" ${1:+--prefix "$1"}
    expect_status 1
    expect_out ""
    expect_err "$(log_lines up "$A1")$NL== Running $A2 up
partialrepo_migrator: error: $GATE_ERROR$(failed_note 20240102000000)
"
    expect_same "versions after the failure" 20240101000000 "$(versions "$DB" "$schema")"
    expect_same "partial row after the failure" \
        "20240102000000|partial|up|2|3|$F2:7|$GATE_ERROR" "$(partial_rows "$DB" "$schema")"
    expect_same "relations after the failure (p1 and p2 stay)" \
        "r|a${NL}i|a_pkey|valid${NL}r|p1${NL}r|p2${NL}r|schema_migrations${NL}r|schema_migrations_migrator${NL}i|schema_migrations_migrator_pkey|valid${NL}i|schema_migrations_pkey|valid" \
        "$(relations "$DB" "$schema")"
}

expect_gate_partial_status() {
    run "$P" migrations --url "$URL" "$@"
    expect_status 0
    expect_status_table partialrepo "up $A1" "partial $A2" "down $A3"
    expect_err "warning: $GATE_PARTIAL$NL"
}

# expect_gate_refusal SCHEMA [OPTION]...
expect_gate_refusal() {
    local before schema=$1
    before=$(snapshot "$DB" "$schema")
    shift
    run "$P" migrate --url "$URL" "$@"
    expect_status 1
    expect_out ""
    expect_err "== Running $A2 up
partialrepo_migrator: error: $GATE_PARTIAL; it was not run again
"
    expect_same "the refused migrate changed the database" "$before" "$(snapshot "$DB" "$schema")"
}

# 1 and 4. The failure midway of case 1 on PostgreSQL.
case_failure_midway() {
    pg_fixture
    fail_midway
    expect_gate_partial_status
    expect_gate_refusal public
    pg_sql "$DB" "CREATE TABLE gate (id integer)" || die "gate"
    expect_gate_refusal public
    expect_gate_refusal public --step 1
    run "$P" migrate --url "$URL" --retry-partial --log-migrations-sql
    expect_status 0
    expect_err "== Running $A2 up
CREATE TABLE IF NOT EXISTS p1 (id INTEGER)
relation \"p1\" already exists, skipping
CREATE TABLE IF NOT EXISTS p2 (id INTEGER)
relation \"p2\" already exists, skipping
INSERT INTO gate (id) VALUES (1)
== Migrated 20240102000000 in 0.0s
== Running $A3 up
CREATE TABLE d (id INTEGER PRIMARY KEY)
== Migrated 20240103000000 in 0.0s
"
    expect_same "versions after --retry-partial" \
        "20240101000000${NL}20240102000000${NL}20240103000000" "$(versions "$DB")"
    expect_same "partial rows after --retry-partial" "" "$(partial_rows "$DB")"
    expect_same "gate's rows" 1 "$(pg_sql "$DB" "SELECT string_agg(id::text, ',') FROM gate")"
    run "$P" migrations --url "$URL"
    expect_status 0
    expect_status_table partialrepo "up $A1" "up $A2" "up $A3"
    expect_err ""
    ((OWN_NOTICES == 0)) ||
        fail "$OWN_NOTICES command(s) printed the server's notice 'relation \"schema_migrations_migrator\" already exists, skipping' (the migrator's own CREATE TABLE IF NOT EXISTS, not a statement of a migration)"
}

# 2 and 4. mark on PostgreSQL, also on a database that Ecto migrated (no
# table of ours yet).
case_mark() {
    local before
    pg_fixture
    fail_midway
    pg_sql "$DB" "CREATE TABLE gate (id integer); INSERT INTO gate VALUES (1)" || die "fix"
    run "$P" mark 20240102000000 --up --url "$URL"
    expect_status 0
    expect_out ""
    expect_err "== Marked $A2 as applied$NL"
    expect_same "versions after mark --up" "20240101000000${NL}20240102000000" "$(versions "$DB")"
    expect_same "partial rows after mark --up" "" "$(partial_rows "$DB")"
    run "$P" migrate --url "$URL"
    expect_status 0
    expect_err "$(log_lines up "$A3")$NL"
    expect_same "gate's rows after migrate" 1 "$(pg_sql "$DB" "SELECT string_agg(id::text, ',') FROM gate")"
    run "$P" mark 20240102000000 --up --url "$URL"
    expect_status 0
    expect_err "== Marked $A2 as applied (it already was)$NL"

    fail_midway
    run "$P" mark 20240102000000 --down --url "$URL"
    expect_status 0
    expect_err "== Marked $A2 as not applied (it already was)$NL"
    expect_same "versions after mark --down" 20240101000000 "$(versions "$DB")"
    expect_same "partial rows after mark --down" "" "$(partial_rows "$DB")"
    pg_sql "$DB" "DROP TABLE p1; CREATE TABLE gate (id integer)" || die "fix"
    run "$P" migrate --url "$URL"
    expect_status 0
    expect_err "== Running $A2 up
relation \"p2\" already exists, skipping
== Migrated 20240102000000 in 0.0s
$(log_lines up "$A3")$NL"
    expect_same "p1 is back" "r|p1" "$(relations "$DB" | grep '^r|p1$')"
    before=$(snapshot "$DB")
    run "$P" mark 20240109000000 --up --url "$URL"
    expect_status 1
    expect_err "partialrepo_migrator: error: no migration with version 20240109000000 in repo partialrepo: nothing to mark as applied$NL"
    run "$P" mark 20240109000000 --down --url "$URL"
    expect_status 1
    expect_err "partialrepo_migrator: error: no migration with version 20240109000000 in repo partialrepo, and none is applied$NL"
    expect_same "mark of an unknown version changed the database" "$before" "$(snapshot "$DB")"

    # A database Ecto migrated: its schema_migrations, no table of ours.
    create_db
    pg_sql "$DB" "CREATE TABLE schema_migrations (version bigint PRIMARY KEY, inserted_at timestamp(0)); CREATE TABLE a (id integer PRIMARY KEY); INSERT INTO schema_migrations VALUES (20240101000000, '2024-01-01 00:00:00')" ||
        die "ecto database"
    run "$P" mark 20240101000000 --down --url "$URL"
    expect_status 0
    expect_err "== Marked $A1 as not applied$NL"
    expect_same "versions after mark --down on an Ecto database" "" "$(versions "$DB")"
    run "$P" mark 20240101000000 --up --url "$URL"
    expect_status 0
    expect_err "== Marked $A1 as applied$NL"
    expect_same "versions after mark --up on an Ecto database" 20240101000000 "$(versions "$DB")"
}

# partialpg's first migration applied; the names made unique unless $1 is
# keep; knob = $2 seconds (none when empty).
pg_items_db() {
    create_db
    "$Q" migrate --step 1 --quiet --url "$URL" || die "migrate --step 1"
    [[ ${1:-} == keep ]] || pg_sql "$DB" "UPDATE items SET name = 'two' WHERE id = 2" || die "items"
    [[ -z ${2:-} ]] || pg_sql "$DB" "INSERT INTO knob VALUES (${2})" || die "knob"
}

# The rerun of 20240302000000 after its first statement ran.
INDEX_RETRY_LOG="== Running $C2 up
relation \"items_name_idx\" already exists, skipping
== Migrated 20240302000000 in 0.0s
$(log_lines up "$C3")
"
INDEX_PARTIAL=$(partial_text 20240302000000 index_items "$FI" up 2 "statement 3 of 3 failed: $UNIQUE_ERROR")
DOWN_PARTIAL=$(partial_text 20240302000000 index_items "$FI" down 1 "statement 2 of 3 failed: $DOWN_GATE_ERROR")

# 4. CREATE INDEX CONCURRENTLY failing midway leaves an invalid index; the
# user drops it and fixes the data, --retry-partial completes; then a
# rollback fails midway: partial down, refused, rollback --retry-partial.
case_concurrently_down() {
    local before
    pg_fixture
    pg_items_db keep
    run "$Q" migrate --url "$URL"
    expect_status 1
    expect_out ""
    expect_err "== Running $C2 up
partialpg_migrator: error: $UNIQUE_ERROR$(failed_note 20240302000000)
"
    expect_same "indexes after the failure (CONCURRENTLY leaves an invalid one)" \
        "i|items_name_idx|valid${NL}i|items_name_key|INVALID${NL}i|items_pkey|valid" \
        "$(relations "$DB" | grep '^i|items')"
    expect_same "partial row" "20240302000000|partial|up|2|3|$FI:8|$UNIQUE_ERROR" \
        "$(partial_rows "$DB")"
    run "$Q" migrations --url "$URL"
    expect_status 0
    expect_status_table partialpg "up $C1" "partial $C2" "down $C3"
    expect_err "warning: $INDEX_PARTIAL$NL"
    before=$(snapshot "$DB")
    run "$Q" migrate --url "$URL"
    expect_status 1
    expect_err "== Running $C2 up
partialpg_migrator: error: $INDEX_PARTIAL; it was not run again
"
    expect_same "the refused migrate changed the database" "$before" "$(snapshot "$DB")"

    # Fix by hand, then rerun from the first statement.
    pg_sql "$DB" "DROP INDEX items_name_key; UPDATE items SET name = 'two' WHERE id = 2" || die "fix"
    run "$Q" migrate --url "$URL" --retry-partial
    expect_status 0
    expect_err "$INDEX_RETRY_LOG"
    expect_same "indexes after --retry-partial" \
        "i|items_name_idx|valid${NL}i|items_name_key|valid${NL}i|items_pkey|valid" \
        "$(relations "$DB" | grep '^i|items')"
    expect_same "partial rows after --retry-partial" "" "$(partial_rows "$DB")"

    # The down fails at its 2nd statement: the version stays recorded.
    run "$Q" rollback --to 20240302000000 --url "$URL"
    expect_status 1
    expect_out ""
    expect_err "$(log_lines down "$C3")$NL== Running $C2 down
partialpg_migrator: error: $DOWN_GATE_ERROR$(failed_note 20240302000000)
"
    expect_same "versions after the failed down" "20240301000000${NL}20240302000000" \
        "$(versions "$DB")"
    expect_same "indexes after the failed down (items_name_key dropped)" \
        "i|items_name_idx|valid${NL}i|items_pkey|valid" "$(relations "$DB" | grep '^i|items')"
    expect_same "partial row of the down" "20240302000000|partial|down|1|3|$FI:13|$DOWN_GATE_ERROR" \
        "$(partial_rows "$DB")"
    run "$Q" migrations --url "$URL"
    expect_status 0
    expect_status_table partialpg "up $C1" "partial $C2" "down $C3"
    expect_err "warning: $DOWN_PARTIAL$NL"
    pg_sql "$DB" "CREATE TABLE down_gate (id integer)" || die "down_gate"
    before=$(snapshot "$DB")
    run "$Q" rollback --url "$URL"
    expect_status 1
    expect_err "== Running $C2 down
partialpg_migrator: error: $DOWN_PARTIAL; it was not run again
"
    expect_same "the refused rollback changed the database" "$before" "$(snapshot "$DB")"
    run "$Q" rollback --url "$URL" --retry-partial
    expect_status 0
    expect_err "== Running $C2 down
index \"items_name_key\" does not exist, skipping
== Migrated 20240302000000 in 0.0s
"
    expect_same "versions after rollback --retry-partial" 20240301000000 "$(versions "$DB")"
    expect_same "indexes after rollback --retry-partial" "i|items_pkey|valid" \
        "$(relations "$DB" | grep '^i|items')"
    expect_same "partial rows after rollback --retry-partial" "" "$(partial_rows "$DB")"
}

# 4. --prefix: our table lives in the prefix schema, beside its
# schema_migrations; another tenant knows nothing of the partial state.
case_prefix() {
    pg_fixture
    fail_midway tenant_a
    expect_same "public after the failure (empty)" "" "$(relations "$DB" public)"
    expect_gate_partial_status --prefix tenant_a
    expect_gate_refusal tenant_a --prefix tenant_a
    run "$P" migrations --url "$URL" --prefix tenant_b
    expect_status 0
    expect_status_table partialrepo "down $A1" "down $A2" "down $A3"
    expect_err ""
    pg_sql "$DB" "CREATE TABLE tenant_a.gate (id integer)" || die "gate"
    expect_gate_refusal tenant_a --prefix tenant_a
    run "$P" migrate --url "$URL" --prefix tenant_a --retry-partial
    expect_status 0
    expect_err "== Running $A2 up
relation \"p1\" already exists, skipping
relation \"p2\" already exists, skipping
== Migrated 20240102000000 in 0.0s
$(log_lines up "$A3")$NL"
    expect_same "versions in tenant_a" "20240101000000${NL}20240102000000${NL}20240103000000" \
        "$(versions "$DB" tenant_a)"
    expect_same "partial rows in tenant_a" "" "$(partial_rows "$DB" tenant_a)"
    expect_same "gate's rows in tenant_a" 1 "$(pg_sql "$DB" "SELECT count(*) FROM tenant_a.gate")"

    # mark --prefix clears the tenant's partial state.
    fail_midway tenant_c
    run "$P" mark 20240102000000 --down --url "$URL" --prefix tenant_c
    expect_status 0
    expect_err "== Marked $A2 as not applied (it already was)$NL"
    expect_same "partial rows in tenant_c after mark" "" "$(partial_rows "$DB" tenant_c)"
    expect_same "public after mark --prefix (empty)" "" "$(relations "$DB" public)"
}

# The own table says 20240302000000 runs its 2nd statement.
at_sleep() {
    [[ $(pg_sql "$DB" "SELECT statements_done FROM schema_migrations_migrator WHERE version = 20240302000000 AND state = 'partial'" 2>/dev/null) == 1 ]]
}

# Ends the server sessions of database $1 still running pg_sleep (a killed
# client's statement goes on on the server).
terminate_sleepers() {
    pg_sql postgres "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '$1' AND query LIKE 'SELECT pg_sleep%' AND pid <> pg_backend_pid()" >/dev/null
}

SLEEP_PARTIAL=$(partial_text 20240302000000 index_items "$FI" up 1 "$(interrupted_where 2 3 "$FI:6")")

# 3 and 4. SIGKILL during pg_sleep: partial, refused, --retry-partial.
case_interrupted() {
    local before
    pg_fixture
    pg_items_db fix 120
    at_exit terminate_sleepers "$DB"
    start A "$Q" migrate --url "$URL"
    wait_until 60 at_sleep || die "the migration did not reach its 2nd statement"
    run "$Q" migrations --url "$URL"
    expect_status 0
    expect_status_table partialpg "up $C1" "partial $C2" "down $C3"
    expect_err "warning: $SLEEP_PARTIAL$NL"
    running A || fail "the migration is no longer running"
    kill_background A
    finish A
    expect_status 137
    expect_err "== Running $C2 up$NL"

    expect_same "versions after the kill" 20240301000000 "$(versions "$DB")"
    expect_same "indexes after the kill" "i|items_name_idx|valid${NL}i|items_pkey|valid" \
        "$(relations "$DB" | grep '^i|items')"
    expect_same "partial row after the kill" "20240302000000|partial|up|1|3|$FI:6|" \
        "$(partial_rows "$DB")"
    run "$Q" migrations --url "$URL"
    expect_status 0
    expect_status_table partialpg "up $C1" "partial $C2" "down $C3"
    expect_err "warning: $SLEEP_PARTIAL$NL"
    # Refused at once, whether or not the server still runs the sleep.
    before=$(snapshot "$DB")
    run "$Q" migrate --url "$URL" --lock-timeout 5000
    expect_status 1
    expect_out ""
    expect_err "== Running $C2 up
partialpg_migrator: error: $SLEEP_PARTIAL; it was not run again
"
    expect_same "the refused migrate changed the database" "$before" "$(snapshot "$DB")"

    terminate_sleepers "$DB"
    pg_sql "$DB" "DELETE FROM knob" || die "knob"
    run "$Q" migrate --url "$URL" --retry-partial
    expect_status 0
    expect_err "$INDEX_RETRY_LOG"
    expect_same "versions after --retry-partial" \
        "20240301000000${NL}20240302000000${NL}20240303000000" "$(versions "$DB")"
    expect_same "indexes after --retry-partial" \
        "i|items_name_idx|valid${NL}i|items_name_key|valid${NL}i|items_pkey|valid" \
        "$(relations "$DB" | grep '^i|items')"
    expect_same "partial rows after --retry-partial" "" "$(partial_rows "$DB")"
}

# 5. A second migrate waits for the first (which holds the advisory lock
# while its statements run) and does not call the migration partial; with a
# small --lock-timeout it fails with the lock timeout. mark must wait too.
case_concurrency() {
    pg_fixture
    pg_items_db fix 4
    start A "$Q" migrate --url "$URL"
    wait_until 60 at_sleep || die "the migration did not reach its 2nd statement"
    run "$Q" migrate --url "$URL" --lock-timeout 300
    expect_status 1
    expect_out ""
    expect_err_line "partialpg_migrator: error: timed out after 300 ms waiting for the migration lock (advisory lock "
    expect_err_contains " on $URL: held by pid "
    expect_err_lacks "partially applied"
    running A || die "the migration ended before the second process started: cannot test waiting"
    start B "$Q" migrate --url "$URL" --lock-timeout 120000
    finish A
    expect_status 0
    expect_err "$(log_lines up "$C2" "$C3")$NL"
    finish B
    expect_status 0
    expect_out ""
    expect_err ""
    expect_same "versions at the end" "20240301000000${NL}20240302000000${NL}20240303000000" \
        "$(versions "$DB")"
    expect_same "partial rows at the end" "" "$(partial_rows "$DB")"

    # mark while the migration runs: it must wait for the migration's lock,
    # not record the migration under it.
    pg_items_db fix 4
    start A "$Q" migrate --url "$URL"
    wait_until 60 at_sleep || die "the migration did not reach its 2nd statement"
    run "$Q" mark 20240302000000 --up --url "$URL" --lock-timeout 300
    expect_status 1
    expect_err_line "partialpg_migrator: error: timed out after 300 ms waiting for the migration lock"
    expect_same "versions while the migration runs" 20240301000000 "$(versions "$DB")"
    finish A
    expect_status 0
    expect_err "$(log_lines up "$C2" "$C3")$NL"
    expect_same "versions at the end" "20240301000000${NL}20240302000000${NL}20240303000000" \
        "$(versions "$DB")"
}

# 6. schema_migrations keeps exactly Ecto's columns (also in a --prefix
# schema); a database Ecto migrated (no table of ours) rolls back and
# migrates.
ECTO_COLUMNS="version|bigint|true${NL}inserted_at|timestamp(0) without time zone|false"
OWN_COLUMNS="version|bigint|true
state|text|true
direction|text|false
statements_done|integer|false
statements_total|integer|false
location|text|false
error|text|false
updated_at|text|false"

case_ecto_table() {
    pg_fixture
    fail_midway
    expect_same "schema_migrations' columns" "$ECTO_COLUMNS" "$(columns "$DB" schema_migrations)"
    expect_same "schema_migrations' key" "PRIMARY KEY (version)" "$(primary_key "$DB" schema_migrations)"
    expect_same "schema_migrations_migrator's columns" "$OWN_COLUMNS" \
        "$(columns "$DB" schema_migrations_migrator | grep -E '^(version|state|direction|statements_done|statements_total|location|error|updated_at)\|')"
    pg_sql "$DB" "CREATE TABLE gate (id integer)" || die "gate"
    "$P" migrate --retry-partial --quiet --url "$URL" || fail "migrate --retry-partial"
    "$P" mark 20240103000000 --down --quiet --url "$URL" || fail "mark --down"
    "$P" mark 20240103000000 --up --quiet --url "$URL" || fail "mark --up"
    expect_same "schema_migrations' columns after retry and mark" "$ECTO_COLUMNS" \
        "$(columns "$DB" schema_migrations)"
    run "$P" schema --url "$URL"
    expect_status 0
    [[ $RUN_OUT != *schema_migrations* ]] || run_failed "schema shows the migrator's tables"

    fail_midway tenant
    expect_same "tenant.schema_migrations' columns" "$ECTO_COLUMNS" \
        "$(columns "$DB" tenant.schema_migrations)"

    # Ecto's own database: rollback, then migrate (failing midway, retried).
    create_db
    pg_sql "$DB" "CREATE TABLE schema_migrations (version bigint PRIMARY KEY, inserted_at timestamp(0)); CREATE TABLE a (id integer PRIMARY KEY); INSERT INTO schema_migrations VALUES (20240101000000, '2024-01-01 00:00:00')" ||
        die "ecto database"
    run "$P" rollback --url "$URL"
    expect_status 0
    expect_err "$(log_lines down "$A1")$NL"
    expect_same "versions after rollback on an Ecto database" "" "$(versions "$DB")"
    expect_same "relations after rollback on an Ecto database" \
        "r|schema_migrations${NL}i|schema_migrations_pkey|valid" "$(relations "$DB" | grep -v _migrator)"
    pg_sql "$DB" "CREATE TABLE gate (id integer)" || die "gate"
    run "$P" migrate --url "$URL"
    expect_status 0
    expect_same "versions after migrate on an Ecto database" \
        "20240101000000${NL}20240102000000${NL}20240103000000" "$(versions "$DB")"
    expect_same "schema_migrations' columns on an Ecto database" "$ECTO_COLUMNS" \
        "$(columns "$DB" schema_migrations)"
}

run_case
