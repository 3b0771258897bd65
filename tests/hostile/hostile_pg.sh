#!/usr/bin/env bash
# hostile.pg.<case>: hostile input to a migrating binary on PostgreSQL.
# hostile_migrator (fixtures/hostile) runs as a process against fresh
# databases on the fixture's throwaway server (MIGRATOR_PG_ENV_FILE, see
# tests/pg/PgFixture.cmake); wrong_password starts a cluster of its own with
# scram-sha-256 authentication (tests/pg/pg_server.sh, then pg_hba.conf) and
# removes it at the end. Each case checks the exit status, the exact or
# exactly anchored message, and that the database is as it was (the
# `schema` fingerprint, the catalog's schemas and relations, and the rows of
# the sentinel table x and of the migrations table).
#
#   hostile_pg.sh CASE   (ctest passes HOSTILE_MIGRATOR, HOSTILE_PSQL,
#                         HOSTILE_PG_SERVER and MIGRATOR_PG_ENV_FILE)
#
# Exit status 77 (skipped) without a server, unless MIGRATOR_REQUIRE_POSTGRES=1.
# Expected behaviour, case by case: docs/reliability.md, "Hostile input".
#
# SPDX-License-Identifier: MIT

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

H=${HOSTILE_MIGRATOR:?run through ctest (HOSTILE_MIGRATOR is not set)}
PSQL=${HOSTILE_PSQL:-}
unset DATABASE_URL SKIP_MIGRATIONS PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGPASSWORD \
    PGSERVICE PGSERVICEFILE PGOPTIONS PGAPPNAME PGSSLMODE
# No password from a file: a password comes from the URL or nowhere.
export PGPASSFILE=$T/no-pgpass

V1="20240101000000 create_items"
V2="20240102000000 index_items"

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

# Runs the SQL on standard input in database $1 as PG_USER; psql
# variables (-v name=value) may follow, used as :'name' and :"name".
pg_sql() {
    local db=$1
    shift
    "$PSQL" -X -q -At -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$db" "$@"
}

url_of() {
    printf 'postgresql:///%s?host=%s&port=%s&user=%s' "$1" "$PG_HOST" "$PG_PORT" "$PG_USER"
}

# A fresh database hostile_<pid>_<n> (dropped at exit) in DB, its URL in URL.
database_count=0
create_db() {
    database_count=$((database_count + 1))
    DB=hostile_$$_$database_count
    pg_sql postgres <<<"CREATE DATABASE $DB" || die "cannot create database $DB"
    at_exit drop_db "$DB"
    URL=$(url_of "$DB")
    # The sentinel table.
    pg_sql "$DB" <<<"CREATE TABLE x (v text NOT NULL); INSERT INTO x VALUES ('sentinel');" ||
        die "setup of $DB"
}

drop_db() {
    pg_sql postgres <<<"DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null 2>&1 || true
}

# Schemas and relations outside the system schemas: "schema N" and
# "KIND|SCHEMA|NAME" lines (r table, i index, S sequence, v view ...).
catalog() {
    pg_sql "$1" <<'EOF'
WITH ns AS (SELECT oid, nspname FROM pg_namespace
            WHERE nspname NOT IN ('pg_catalog', 'information_schema')
              AND nspname NOT LIKE 'pg\_toast%' AND nspname NOT LIKE 'pg\_temp\_%')
SELECT line FROM (
  SELECT 'schema ' || nspname AS line FROM ns
  UNION ALL
  SELECT c.relkind::text || '|' || n.nspname || '|' || c.relname
  FROM pg_class c JOIN ns n ON n.oid = c.relnamespace) lines
ORDER BY line COLLATE "C";
EOF
}

# The rows of table schema.name, or "(none)" when it does not exist.
rows_of() {
    pg_sql "$1" -v schema="$2" -v name="$3" <<'EOF'
SELECT CASE WHEN to_regclass(format('%I.%I', :'schema', :'name')) IS NULL
            THEN '(none)' END WHERE to_regclass(format('%I.%I', :'schema', :'name')) IS NULL;
SELECT format('SELECT * FROM %I.%I ORDER BY 1', :'schema', :'name')
WHERE to_regclass(format('%I.%I', :'schema', :'name')) IS NOT NULL \gexec
EOF
}

# What must not change: snapshot DB SCHEMA TABLE [OPTION]... (the
# migrations table's schema and name, and the options of `schema`).
snapshot() {
    local db=$1 schema=$2 table=$3 fingerprint
    shift 3
    fingerprint=$("$H" schema --url "$(url_of "$db")" "$@" 2>&1) ||
        fail "snapshot: $H schema $*: $fingerprint"
    printf '== schema\n%s\n== catalog\n%s\n== x\n%s\n== %s.%s\n%s\n' "$fingerprint" \
        "$(catalog "$db")" "$(rows_of "$db" public x)" "$schema" "$table" \
        "$(rows_of "$db" "$schema" "$table")"
}

# The server's quote_ident() of $1.
pg_quote_ident() {
    pg_sql postgres -v name="$1" <<<"SELECT quote_ident(:'name')"
}

# An unreachable server: the message names the URL without its password.
case_unreachable() {
    local command url redacted
    for url in 'postgresql://u:pw@127.0.0.1:1/db' 'postgres://u:pw@127.0.0.1:1/db' \
        'postgresql://127.0.0.1:1/db?user=u&password=pw&connect_timeout=5'; do
        redacted=${url/:pw@/:***@}
        redacted=${redacted/password=pw/password=***}
        for command in migrate rollback migrations schema; do
            run "$H" "$command" --url "$url"
            expect_status 1
            expect_out ""
            expect_err_line_starts 1 "hostile_migrator: error: cannot connect to $redacted (migration connection): "
            expect_err_contains "127.0.0.1"
            expect_err_lacks pw
        done
        printf 'message: %s' "$RUN_ERR"
    done
    run env "DATABASE_URL=postgresql://u:pw@127.0.0.1:1/db" "$H" migrate
    expect_status 1
    expect_err_line_starts 1 "hostile_migrator: error: cannot connect to postgresql://u:***@127.0.0.1:1/db (migration connection): "
    expect_err_lacks pw
}

# A wrong password, on a cluster of our own with scram-sha-256 on its unix
# socket: refused, the URL shown with *** and never the password.
case_wrong_password() {
    local server=${HOSTILE_PG_SERVER:?HOSTILE_PG_SERVER is not set} status data i
    local wrong=Wr0ng-Passw0rd right=Right-Secret-42 url redacted base before
    [[ -n $PSQL && -x $PSQL ]] || skip_or_fail "no psql (Debian: postgresql-client)" pg
    bash "$server" start "$T/pg" >"$T/pg-start.log" 2>&1
    status=$?
    if ((status != 0)); then
        cat "$T/pg-start.log" >&2
        ((status == 77)) && exit 77
        die "$server start failed"
    fi
    at_exit bash "$server" stop "$T/pg"
    PG_HOST=$(sed -n 's/^PGHOST=//p' "$T/pg/env")
    PG_PORT=$(sed -n 's/^PGPORT=//p' "$T/pg/env")
    PG_USER=$(sed -n 's/^PGUSER=//p' "$T/pg/env")
    data=$(sed -n 's/^DATA=//p' "$T/pg/state")
    [[ -n $PG_HOST && -f $data/pg_hba.conf ]] || die "no cluster in $T/pg"

    pg_sql postgres -v password="$right" <<'EOF' || die "cannot create the role"
SET password_encryption = 'scram-sha-256';
CREATE ROLE hostile_app LOGIN PASSWORD :'password';
CREATE DATABASE hostile_pw OWNER hostile_app;
EOF
    pg_sql hostile_pw <<<"CREATE TABLE x (v text NOT NULL); INSERT INTO x VALUES ('sentinel');
                          ALTER TABLE x OWNER TO hostile_app;" || die "setup of hostile_pw"
    # hostile_app must give its password on the socket (the superuser stays
    # trusted for the checks).
    { printf 'local all hostile_app scram-sha-256\n'; cat "$data/pg_hba.conf"; } >"$T/pg_hba.conf" &&
        cat "$T/pg_hba.conf" >"$data/pg_hba.conf" || die "cannot write $data/pg_hba.conf"
    pg_sql postgres <<<"SELECT pg_reload_conf()" >/dev/null || die "pg_reload_conf failed"
    for ((i = 0; i < 100; i++)); do
        PGPASSWORD=$wrong "$PSQL" -X -q -At -h "$PG_HOST" -p "$PG_PORT" -U hostile_app \
            -d hostile_pw -c "SELECT 1" >/dev/null 2>"$T/probe.err" ||
            { grep -q "password authentication failed" "$T/probe.err" && break; }
        sleep 0.1
    done
    ((i < 100)) || die "the server still lets hostile_app in without its password"
    before=$(snapshot hostile_pw public schema_migrations)

    base="/hostile_pw?host=$PG_HOST&port=$PG_PORT"
    for url in "postgresql://hostile_app:$wrong@$base" "postgresql://$base&user=hostile_app&password=$wrong"; do
        redacted=${url/:$wrong@/:***@}
        redacted=${redacted/password=$wrong/password=***}
        for command in migrate rollback migrations schema; do
            run "$H" "$command" --url "$url"
            expect_status 1
            expect_out ""
            expect_err_line_starts 1 "hostile_migrator: error: cannot connect to $redacted (migration connection): "
            expect_err_contains 'password authentication failed for user "hostile_app"'
            expect_err_lacks "$wrong"
        done
        printf 'message: %s' "$RUN_ERR"
    done
    # The password from PGPASSWORD, and none at all.
    url="postgresql://$base&user=hostile_app"
    run env "PGPASSWORD=$wrong" "$H" migrate --url "$url"
    expect_status 1
    expect_err_line_starts 1 "hostile_migrator: error: cannot connect to $url (migration connection): "
    expect_err_contains 'password authentication failed for user "hostile_app"'
    expect_err_lacks "$wrong"
    run "$H" migrate --url "$url"
    expect_status 1
    expect_err_line_starts 1 "hostile_migrator: error: cannot connect to $url (migration connection): "
    expect_err_contains "no password supplied"
    expect_same "the database changed" "$before" "$(snapshot hostile_pw public schema_migrations)"

    # The right password works: it was the password that was refused.
    run "$H" migrate --url "postgresql://hostile_app:$right@$base"
    expect_status 0
    expect_err "$(log_lines up "$V1" "$V2")$NL"
    expect_err_lacks "$right"
}

# Ecto's "schema_migrations defined by another library", in public and in
# a --prefix schema: refused before any migration runs.
case_foreign_migrations_table() {
    local command prefix before
    pg_fixture
    create_db
    pg_sql "$DB" <<'EOF' || die "setup"
CREATE TABLE schema_migrations (id integer PRIMARY KEY, name text);
INSERT INTO schema_migrations VALUES (1, 'other_library');
CREATE SCHEMA tenant;
CREATE TABLE tenant.schema_migrations (id integer PRIMARY KEY, name text);
INSERT INTO tenant.schema_migrations VALUES (2, 'other_library');
EOF
    for prefix in "" tenant; do
        before=$(snapshot "$DB" "${prefix:-public}" schema_migrations ${prefix:+--prefix "$prefix"})
        for command in migrate rollback migrations; do
            run "$H" "$command" --url "$URL" ${prefix:+--prefix "$prefix"}
            expect_status 1
            expect_out ""
            expect_err_lines 1
            expect_err_line_starts 1 "hostile_migrator: error: "
            expect_err_contains "schema_migrations"
            expect_err_contains "not a migrations table"
            expect_err_contains "--migration-source"
        done
        expect_same "the database changed (prefix \"$prefix\")" "$before" \
            "$(snapshot "$DB" "${prefix:-public}" schema_migrations ${prefix:+--prefix "$prefix"})"
    done
    # What the message suggests works, beside the other library's table.
    run "$H" migrate --url "$URL" --migration-source hostile_migrations
    expect_status 0
    expect_err "$(log_lines up "$V1" "$V2")$NL"
    expect_same "the other library's rows changed" "1|other_library" \
        "$(pg_sql "$DB" <<<"SELECT * FROM public.schema_migrations")"
}

hostile_names=('with"quote' "with'quote" 'with space' 'with.dot' 'schéma_ü' '"; DROP TABLE x; --')

# On one database (create_db) for the whole test: f_empty, the fingerprint
# with only x, and f_reference, with x and both migrations applied in
# public; then back to only x.
reference_fingerprints() {
    create_db
    initial_catalog=$(catalog "$DB")
    f_empty=$("$H" schema --url "$URL")$NL || die "schema"
    "$H" migrate --quiet --url "$URL" || die "migrate"
    f_reference=$("$H" schema --url "$URL")$NL || die "schema"
    reset_db "DROP TABLE public.items, public.schema_migrations, public.schema_migrations_migrator"
}

# Runs the SQL (and psql options) on DB and checks that only x is left.
reset_db() {
    local sql=$1
    shift
    pg_sql "$DB" "$@" <<<"$sql" || die "cannot reset $DB"
    expect_same "catalog after the reset ($sql)" "$initial_catalog" "$(catalog "$DB")"
    expect_same "sentinel after the reset" "sentinel" "$(rows_of "$DB" public x)"
}

# Sorted lines.
lines() {
    printf '%s\n' "$@" | sort
}

# Identifiers of every kind as --migration-source: the table gets exactly
# that name, and nothing else is touched.
case_migration_source() {
    local i name
    pg_fixture
    reference_fingerprints
    for i in "${!hostile_names[@]}"; do
        name=${hostile_names[i]}
        printf 'migration source %s\n' "$name"

        run "$H" migrate --step 1 --url "$URL" --migration-source "$name"
        expect_status 0
        expect_err "$(log_lines up "$V1")$NL"
        run "$H" migrate --url "$URL" --migration-source "$name" --log-migrator-sql
        expect_status 0
        expect_err_contains "INSERT INTO $(quote_ident "$name") (\"version\", \"inserted_at\") VALUES (\$1, \$2) [20240102000000, \""
        expect_same "catalog after migrate ($name)" \
            "$(lines "schema public" "r|public|x" "r|public|items" "i|public|items_pkey" \
                "i|public|items_label_index" "r|public|$name" "i|public|${name}_pkey" \
                "r|public|${name}_migrator" "i|public|${name}_migrator_pkey")" \
            "$(catalog "$DB")"
        expect_same "versions ($name)" "20240101000000${NL}20240102000000" \
            "$(pg_sql "$DB" -v name="$name" <<<"SELECT version FROM public.:\"name\" ORDER BY 1")"
        run "$H" migrations --url "$URL" --migration-source "$name"
        expect_status 0
        expect_status_table hostile "up $V1" "up $V2"
        expect_err ""
        run "$H" schema --url "$URL" --migration-source "$name"
        expect_status 0
        expect_out "$f_reference"
        expect_same "sentinel ($name)" "sentinel" "$(rows_of "$DB" public x)"

        run "$H" rollback --all --url "$URL" --migration-source "$name"
        expect_status 0
        expect_err "$(log_lines down "$V2" "$V1")$NL"
        expect_same "catalog after rollback ($name)" \
            "$(lines "schema public" "r|public|x" "r|public|$name" "i|public|${name}_pkey" \
                "r|public|${name}_migrator" "i|public|${name}_migrator_pkey")" \
            "$(catalog "$DB")"
        expect_same "versions after rollback ($name)" "" "$(rows_of "$DB" public "$name")"
        run "$H" migrations --url "$URL" --migration-source "$name"
        expect_status 0
        expect_status_table hostile "down $V1" "down $V2"
        run "$H" schema --url "$URL" --migration-source "$name"
        expect_status 0
        expect_out "$f_empty"
        expect_same "sentinel ($name)" "sentinel" "$(rows_of "$DB" public x)"
        reset_db "DROP TABLE public.:\"name\", public.:\"ours\"" -v name="$name" \
            -v ours="${name}_migrator"
    done
}

# One round of --prefix P [--migration-source S] on DB, which has only x:
# the schema P holds the migrations table S and the migrations' objects;
# public keeps only x. Then DB is reset to only x.
prefix_round() {
    local prefix=$1 source=${2:-} table=${2:-schema_migrations} qprefix line expected
    local -a options=(--prefix "$prefix")
    [[ -z $source ]] || options+=(--migration-source "$source")
    printf 'prefix %s%s\n' "$prefix" "${source:+, migration source $source}"
    qprefix=$(pg_quote_ident "$prefix")

    run "$H" migrate --url "$URL" "${options[@]}"
    expect_status 0
    expect_err "$(log_lines up "$V1" "$V2")$NL"
    expect_same "catalog after migrate (prefix $prefix)" \
        "$(lines "schema public" "schema $prefix" "r|public|x" "r|$prefix|items" \
            "i|$prefix|items_pkey" "i|$prefix|items_label_index" "r|$prefix|$table" \
            "i|$prefix|${table}_pkey" "r|$prefix|${table}_migrator" \
            "i|$prefix|${table}_migrator_pkey")" \
        "$(catalog "$DB")"
    expect_same "versions (prefix $prefix)" "20240101000000${NL}20240102000000" \
        "$(pg_sql "$DB" -v prefix="$prefix" -v name="$table" \
            <<<"SELECT version FROM :\"prefix\".:\"name\" ORDER BY 1")"
    run "$H" migrations --url "$URL" "${options[@]}"
    expect_status 0
    expect_status_table hostile "up $V1" "up $V2"
    expect_err ""
    # The reference's lines about items, moved from public to the prefix.
    expected=$(
        printf '%s' "$f_empty"
        printf 'schema %s\n' "$qprefix"
        comm -13 <(printf '%s' "$f_empty") <(printf '%s' "$f_reference") |
            while IFS= read -r line; do
                printf '%s\n' "${line//public./$qprefix.}"
            done
    )
    run "$H" schema --url "$URL" "${options[@]}"
    expect_status 0
    expect_out "$(sort <<<"$expected")$NL"
    expect_same "sentinel (prefix $prefix)" "sentinel" "$(rows_of "$DB" public x)"

    run "$H" rollback --all --url "$URL" "${options[@]}"
    expect_status 0
    expect_err "$(log_lines down "$V2" "$V1")$NL"
    expect_same "catalog after rollback (prefix $prefix)" \
        "$(lines "schema public" "schema $prefix" "r|public|x" "r|$prefix|$table" \
            "i|$prefix|${table}_pkey" "r|$prefix|${table}_migrator" \
            "i|$prefix|${table}_migrator_pkey")" \
        "$(catalog "$DB")"
    expect_same "versions after rollback (prefix $prefix)" "" "$(rows_of "$DB" "$prefix" "$table")"
    run "$H" migrations --url "$URL" "${options[@]}"
    expect_status 0
    expect_status_table hostile "down $V1" "down $V2"
    run "$H" schema --url "$URL" "${options[@]}"
    expect_status 0
    expect_out "$(sort <<<"${f_empty}schema $qprefix")$NL"
    expect_same "sentinel (prefix $prefix)" "sentinel" "$(rows_of "$DB" public x)"
    reset_db "DROP SCHEMA :\"prefix\" CASCADE" -v prefix="$prefix"
}

# Identifiers of every kind as --prefix (tenant schemas), then both --prefix
# and --migration-source hostile at once.
case_prefix() {
    local name
    pg_fixture
    reference_fingerprints
    for name in "${hostile_names[@]}"; do
        prefix_round "$name"
    done
    prefix_round '"; DROP TABLE x; --' 'with"quote'
    prefix_round 'with space' 'schéma_ü'
}

run_case
