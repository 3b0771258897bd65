#!/usr/bin/env bash
# hostile.<case>: hostile input to a migrating binary on SQLite (and usage
# errors, which never reach a database). Each case runs hostile_migrator
# (fixtures/hostile: 20240101000000 create_items, 20240102000000
# index_items) or hostilefill_migrator (fixtures/hostilefill) as a process
# and checks the exit status, the exact or exactly anchored message, and that
# the database is as it was: the same `schema` fingerprint and the same
# `sqlite3 .dump` (every row, schema_migrations included) before and after.
#
#   hostile.sh CASE      (ctest passes HOSTILE_MIGRATOR, HOSTILE_FILL_MIGRATOR,
#                         HOSTILE_SQLITE3)
#
# Expected behaviour, case by case: docs/reliability.md, "Hostile input".
#
# SPDX-License-Identifier: MIT

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

H=${HOSTILE_MIGRATOR:?run through ctest (HOSTILE_MIGRATOR is not set)}
F=${HOSTILE_FILL_MIGRATOR:?run through ctest (HOSTILE_FILL_MIGRATOR is not set)}
SQLITE3=${HOSTILE_SQLITE3:-}
[[ -n $SQLITE3 && -x $SQLITE3 ]] || die "the sqlite3 program is missing (Debian: apt-get install sqlite3)"
unset DATABASE_URL SKIP_MIGRATIONS

V1="20240101000000 create_items"
V2="20240102000000 index_items"

sql() {
    "$SQLITE3" -batch "$@"
}

# A database with the sentinel table x (one row) and the first migration
# applied.
make_db() {
    sql "$1" "CREATE TABLE x (v TEXT NOT NULL); INSERT INTO x VALUES ('sentinel');" ||
        die "cannot create $1"
    [[ ${2:-} == bare ]] && return 0
    "$H" migrate --step 1 --quiet --url "sqlite:$1" || die "cannot migrate $1"
}

# What must not change: the schema fingerprint and every row.
# snapshot BINARY DB [OPTION]...
snapshot() {
    local binary=$1 db=$2 fingerprint dump
    shift 2
    fingerprint=$("$binary" schema --url "sqlite:$db" "$@" 2>&1) ||
        fail "snapshot: $binary schema --url sqlite:$db $*: $fingerprint"
    dump=$(sql "$db" .dump 2>&1) || fail "snapshot: sqlite3 $db .dump: $dump"
    printf '== schema\n%s\n== dump\n%s\n' "$fingerprint" "$dump"
}

# A usage error on the database db: exit 2, nothing on stdout, exactly the
# message and the hint on stderr; and on a file that does not exist, which
# must not be created.
# usage_error MESSAGE COMMAND [ARG]...
usage_error() {
    local message=$1 command=$2
    shift 2
    run "$H" "$command" --url "sqlite:$db" "$@"
    expect_status 2
    expect_out ""
    expect_err "hostile_migrator: $message${NL}Try 'hostile_migrator --help'.$NL"
    run "$H" "$command" --url "sqlite:$T/fresh.db" "$@"
    expect_status 2
    expect_missing "$T/fresh.db"
}

# Opens the usage cases: db with the first migration applied, and its
# snapshot.
usage_setup() {
    db=$T/usage.db
    make_db "$db"
    before=$(snapshot "$H" "$db")
}

usage_teardown() {
    expect_same "the database changed" "$before" "$(snapshot "$H" "$db")"
}

case_unknown_option() {
    usage_setup
    usage_error "unknown option --bogus" migrate --bogus
    usage_error "unknown option --bogus" rollback --bogus=1
    usage_error "unknown option --bogus" migrations --bogus
    usage_error "unknown option -x" migrate -x
    usage_error "unknown option --Step" migrate --Step 1
    usage_teardown
}

case_step_zero() {
    usage_setup
    usage_error '--step: expected a positive integer, got "0"' migrate --step 0
    usage_error '--step: expected a positive integer, got "0"' rollback --step=0
    usage_error '-n: expected a positive integer, got "0"' migrate -n 0
    usage_error '--step: expected a positive integer, got "00"' rollback --step 00
    usage_teardown
}

case_step_negative() {
    usage_setup
    usage_error '--step: expected a positive integer, got "-1"' migrate --step -1
    usage_error '-n: expected a positive integer, got "-1"' rollback -n -1
    usage_error '--step: expected a positive integer, got "-1"' migrate --step=-1
    usage_error '--step: expected a positive integer, got "-9223372036854775808"' \
        rollback --step -9223372036854775808
    usage_teardown
}

case_to_not_a_number() {
    local expected='expected a version (0 to 9223372036854775807), got'
    usage_setup
    usage_error "--to: $expected \"abc\"" migrate --to abc
    usage_error "--to: $expected \"abc\"" rollback --to abc
    usage_error "--to-exclusive: $expected \"12abc\"" migrate --to-exclusive 12abc
    usage_error "--to: $expected \" 1\"" migrate --to " 1"
    usage_error "--to: $expected \"\"" migrate --to=
    usage_error "--to: $expected \"-1\"" rollback --to -1
    usage_error "--to: $expected \"0x10\"" migrate --to 0x10
    usage_teardown
}

case_to_overflow() {
    local expected='expected a version (0 to 9223372036854775807), got'
    usage_setup
    usage_error "--to: $expected \"99999999999999999999\"" migrate --to 99999999999999999999
    usage_error "--to: $expected \"99999999999999999999\"" rollback --to 99999999999999999999
    usage_error "--to-exclusive: $expected \"9223372036854775808\"" \
        migrate --to-exclusive 9223372036854775808
    usage_error '--step: expected a positive integer, got "99999999999999999999"' \
        migrate --step 99999999999999999999
    # The largest version is accepted (and selects nothing here).
    run "$H" rollback --url "sqlite:$db" --to 9223372036854775807
    expect_status 0
    expect_out ""
    expect_err "Migrations already down$NL"
    run "$H" migrate --url "sqlite:$db" --to-exclusive 0
    expect_status 0
    expect_out ""
    expect_err "Migrations already up$NL"
    usage_teardown
}

case_two_strategies() {
    local give='cannot be combined: give one of --all, --step, --to, --to-exclusive'
    usage_setup
    usage_error "--step and --to $give" migrate --step 1 --to 20240102000000
    usage_error "--all and --step $give" rollback --all --step 1
    usage_error "--to and --to-exclusive $give" migrate --to 1 --to-exclusive 2
    usage_error "-n and --all $give" rollback -n 1 --all
    usage_error "--step does not apply to the migrations command" migrations --step 1
    usage_teardown
}

# A URL of another database: refused before anything is opened or created,
# the password never shown.
case_unknown_scheme() {
    local expected='": expected sqlite:PATH, sqlite::memory:, postgres://... or postgresql://...'
    local command
    mkdir "$T/cwd" && cd "$T/cwd" || die "cannot enter $T/cwd"
    for command in migrate rollback migrations schema; do
        run "$H" "$command" --url mysql://app:hunter2@db.example/app
        expect_status 1
        expect_out ""
        expect_err "hostile_migrator: error: unsupported database URL \"mysql://app:***@db.example/app$expected$NL"
        expect_err_lacks hunter2
    done
    run env DATABASE_URL=mysql://app:hunter2@db.example/app "$H" migrate
    expect_status 1
    expect_err "hostile_migrator: error: unsupported database URL \"mysql://app:***@db.example/app$expected$NL"
    run "$H" migrate --url "mysql://db.example/app?user=app&password=hunter2&sslmode=require"
    expect_status 1
    expect_err "hostile_migrator: error: unsupported database URL \"mysql://db.example/app?user=app&password=***&sslmode=require$expected$NL"
    expect_err_lacks hunter2
    run "$H" migrate --url sqlite3:app.db
    expect_status 1
    expect_err "hostile_migrator: error: unsupported database URL \"sqlite3:app.db$expected$NL"
    run "$H" migrate --url SQLITE:app.db
    expect_status 1
    expect_err "hostile_migrator: error: unsupported database URL \"SQLITE:app.db$expected$NL"
    expect_same "files appeared in the working directory" "" "$(ls -A)"
}

# migrations and schema only read: on a file that does not exist they fail
# and create nothing.
case_missing_database() {
    local command url
    mkdir "$T/cwd" && cd "$T/cwd" || die "cannot enter $T/cwd"
    for command in migrations schema; do
        for url in sqlite:missing.db "sqlite:$T/cwd/no/such/dir/missing.db"; do
            run "$H" "$command" --url "$url"
            expect_status 1
            expect_out ""
            expect_err_lines 1
            expect_err_line_starts 1 "hostile_migrator: error: "
            expect_err_contains "${url#sqlite:}"
            expect_err_contains "does not exist"
            expect_same "files appeared in the working directory" "" "$(ls -A)"
        done
    done
    # migrate creates it.
    run "$H" migrate --url sqlite:missing.db
    expect_status 0
    expect_err "$(log_lines up "$V1" "$V2")$NL"
    run "$H" migrations --url sqlite:missing.db
    expect_status 0
    expect_status_table hostile "up $V1" "up $V2"
    expect_err ""
}

# Runs "$@" as a user who cannot write to root's files ("nobody") when we
# are root, else as ourselves (chmod applies then).
as_unprivileged() {
    if [[ $(id -u) -ne 0 ]]; then
        "$@"
    elif command -v runuser >/dev/null; then
        runuser -u nobody -- "$@"
    else
        setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups -- "$@"
    fi
}

# A database where it cannot be created or written.
case_unwritable_directory() {
    local command dir=$T/readonly bin=$T/bin/hostile_migrator
    # Under a file, which stops root too.
    run "$H" migrate --url sqlite:/dev/null/x.db
    expect_status 1
    expect_out ""
    expect_err "hostile_migrator: error: cannot open sqlite:/dev/null/x.db: unable to open database file$NL"
    for command in migrations schema rollback; do
        run "$H" "$command" --url sqlite:/dev/null/x.db
        expect_status 1
        expect_out ""
        expect_err_lines 1
        expect_err_line_starts 1 "hostile_migrator: error: "
        expect_err_contains "/dev/null/x.db"
    done

    # In a directory without write permission (chmod 0555): root ignores
    # it, so as root the binary runs as nobody.
    if [[ $(id -u) -eq 0 ]] && ! { id nobody >/dev/null 2>&1 &&
        { command -v runuser || command -v setpriv; } >/dev/null; }; then
        printf 'note: root without a nobody user, runuser or setpriv: the chmod 0555 part is not run\n'
        return 0
    fi
    mkdir -p "$dir" "$T/bin" && cp -- "$H" "$bin" && chmod 755 "$T/bin" "$bin" ||
        die "cannot set up $dir"
    make_db "$dir/app.db"
    chmod 666 "$dir/app.db" # the file is writable: only the directory is not
    before=$(snapshot "$H" "$dir/app.db")
    chmod 555 "$dir"

    # A new file there.
    run as_unprivileged "$bin" migrate --url "sqlite:$dir/new.db"
    expect_status 1
    expect_out ""
    expect_err "hostile_migrator: error: cannot open sqlite:$dir/new.db: unable to open database file$NL"
    expect_missing "$dir/new.db"

    # An existing file there: SQLite cannot create its journal beside it.
    # The failed migration is rolled back; the status can still be read.
    run as_unprivileged "$bin" migrate --url "sqlite:$dir/app.db"
    expect_status 1
    expect_out ""
    expect_err_lines 2
    expect_err_line_starts 1 "== Running 20240102000000 index_items up"
    expect_err_line_starts 2 "hostile_migrator: error: "
    expect_err_contains "readonly database"
    run as_unprivileged "$bin" rollback --url "sqlite:$dir/app.db"
    expect_status 1
    expect_out ""
    expect_err_lines 2
    expect_err_line_starts 1 "== Running 20240101000000 create_items down"
    expect_err_line_starts 2 "hostile_migrator: error: "
    expect_err_contains "readonly database"
    run as_unprivileged "$bin" migrations --url "sqlite:$dir/app.db"
    expect_status 0
    expect_status_table hostile "up $V1" "down $V2"
    expect_err ""
    expect_same "files appeared in $dir" "app.db" "$(ls -A "$dir")"
    chmod 755 "$dir"
    expect_same "the database changed" "$before" "$(snapshot "$H" "$dir/app.db")"
}

# Ecto's "schema_migrations defined by another library": refused before any
# migration runs, with a message that says what to do.
case_foreign_migrations_table() {
    local command db=$T/foreign.db
    make_db "$db" bare
    sql "$db" "CREATE TABLE schema_migrations (id INTEGER PRIMARY KEY, name TEXT);
               INSERT INTO schema_migrations VALUES (1, 'other_library');" || die "setup"
    before=$(snapshot "$H" "$db")
    for command in migrate rollback migrations; do
        run "$H" "$command" --url "sqlite:$db"
        expect_status 1
        expect_out ""
        expect_err_lines 1
        expect_err_line_starts 1 "hostile_migrator: error: "
        expect_err_contains "schema_migrations"
        expect_err_contains "not a migrations table"
        expect_err_contains "--migration-source"
    done
    expect_same "the database changed" "$before" "$(snapshot "$H" "$db")"
    # What the message suggests works, beside the other library's table.
    run "$H" migrate --url "sqlite:$db" --migration-source hostile_migrations
    expect_status 0
    expect_err "$(log_lines up "$V1" "$V2")$NL"
    expect_same "the other library's rows changed" "1|other_library" \
        "$(sql "$db" "SELECT * FROM schema_migrations")"
}

# A view named schema_migrations is not a migrations table either: refused
# before any migration runs.
case_migrations_view() {
    local command db=$T/view.db
    make_db "$db" bare
    sql "$db" "CREATE VIEW schema_migrations AS SELECT 1 AS version, 2 AS inserted_at" ||
        die "setup"
    before=$(snapshot "$H" "$db")
    for command in migrate rollback migrations; do
        run "$H" "$command" --url "sqlite:$db"
        expect_status 1
        expect_out ""
        expect_err_lines 1
        expect_err_line_starts 1 "hostile_migrator: error: "
        expect_err_contains "schema_migrations"
        expect_err_contains "not a migrations table"
    done
    expect_same "the database changed" "$before" "$(snapshot "$H" "$db")"
}

# "$@" with a 64 KiB file size limit; writes past it fail with EFBIG
# instead of killing the process with SIGXFSZ.
limited() {
    (
        ulimit -f 64 && trap '' XFSZ && exec "$@"
    )
}

# A migration that writes ~2 MB where only 64 KiB fit: it fails, is rolled
# back, and the database stays intact and usable.
case_disk_full() {
    local db=$T/full.db
    run "$F" migrate --step 1 --url "sqlite:$db"
    expect_status 0
    before=$(snapshot "$F" "$db")
    run limited "$F" migrate --url "sqlite:$db"
    expect_status 1
    expect_out ""
    expect_err_lines 2
    expect_err_line_starts 1 "== Running 20240102000000 fill_notes up"
    expect_err_line_starts 2 "hostilefill_migrator: error: "
    [[ $(sed -n 2p <<<"$RUN_ERR") =~ (database or disk is full|disk I/O error) ]] ||
        run_failed "the message does not say that the disk is full or the write failed"
    # Without the limit: the migration is down and the database intact.
    run "$F" migrations --url "sqlite:$db"
    expect_status 0
    expect_status_table hostilefill "up 20240101000000 create_notes" "down 20240102000000 fill_notes"
    expect_err ""
    expect_same "integrity_check" "ok" "$(sql "$db" "PRAGMA integrity_check" 2>&1)"
    expect_same "the database changed" "$before" "$(snapshot "$F" "$db")"
    run "$F" migrate --url "sqlite:$db"
    expect_status 0
    expect_err "$(log_lines up "20240102000000 fill_notes")$NL"
    expect_same "rows after the migration" "4000" "$(sql "$db" "SELECT count(*) FROM notes")"
}

# Identifiers of every kind as --migration-source: the table gets exactly
# that name, and nothing else is touched.
hostile_names=('with"quote' "with'quote" 'with space' 'with.dot' 'schéma_ü' '"; DROP TABLE x; --')

catalog() {
    sql "$1" "SELECT type || ' ' || name FROM sqlite_master ORDER BY 1"
}

case_migration_source() {
    local i name quoted db reference=$T/reference.db empty=$T/empty.db f_empty f_reference
    make_db "$empty" bare
    make_db "$reference"
    "$H" migrate --quiet --url "sqlite:$reference" || die "cannot migrate $reference"
    # (each fingerprint line ends in a newline, which $(...) drops)
    f_empty=$("$H" schema --url "sqlite:$empty")$NL || die "schema $empty"
    f_reference=$("$H" schema --url "sqlite:$reference")$NL || die "schema $reference"
    for i in "${!hostile_names[@]}"; do
        name=${hostile_names[i]}
        quoted=$(quote_ident "$name")
        db=$T/source_$i.db
        make_db "$db" bare
        printf 'migration source %s\n' "$name"

        run "$H" migrate --step 1 --url "sqlite:$db" --migration-source "$name"
        expect_status 0
        expect_err "$(log_lines up "$V1")$NL"
        run "$H" migrate --url "sqlite:$db" --migration-source "$name" --log-migrator-sql
        expect_status 0
        expect_err_contains "INSERT INTO $quoted (\"version\", \"inserted_at\") VALUES (?, ?) [20240102000000, \""
        expect_same "catalog after migrate ($name)" \
            "$(printf '%s\n' "index items_label_index" "table items" "table $name" "table x" \
                "table ${name}_migrator" "index sqlite_autoindex_${name}_migrator_1" | sort)" \
            "$(catalog "$db")"
        expect_same "versions in $quoted" "20240101000000${NL}20240102000000" \
            "$(sql "$db" "SELECT version FROM $quoted ORDER BY version")"
        run "$H" migrations --url "sqlite:$db" --migration-source "$name"
        expect_status 0
        expect_status_table hostile "up $V1" "up $V2"
        expect_err ""
        run "$H" schema --url "sqlite:$db" --migration-source "$name"
        expect_status 0
        expect_out "$f_reference"
        expect_same "sentinel ($name)" "sentinel" "$(sql "$db" "SELECT v FROM x")"

        run "$H" rollback --all --url "sqlite:$db" --migration-source "$name"
        expect_status 0
        expect_err "$(log_lines down "$V2" "$V1")$NL"
        expect_same "catalog after rollback ($name)" \
            "$(printf '%s\n' "table $name" "table x" "table ${name}_migrator" \
                "index sqlite_autoindex_${name}_migrator_1" | sort)" "$(catalog "$db")"
        expect_same "versions in $quoted after rollback" "" "$(sql "$db" "SELECT version FROM $quoted")"
        run "$H" migrations --url "sqlite:$db" --migration-source "$name"
        expect_status 0
        expect_status_table hostile "down $V1" "down $V2"
        run "$H" schema --url "sqlite:$db" --migration-source "$name"
        expect_status 0
        expect_out "$f_empty"
        expect_same "sentinel ($name)" "sentinel" "$(sql "$db" "SELECT v FROM x")"
    done
}

# --prefix is PostgreSQL's: refused on SQLite, whatever its value, before
# anything changes.
case_sqlite_prefix() {
    local command prefix db=$T/prefix.db
    make_db "$db"
    before=$(snapshot "$H" "$db")
    for prefix in tenant '"; DROP TABLE x; --'; do
        for command in migrate rollback migrations schema; do
            run "$H" "$command" --url "sqlite:$db" --prefix "$prefix"
            expect_status 1
            expect_out ""
            expect_err "hostile_migrator: error: SQLite does not support table prefixes$NL"
        done
    done
    expect_same "the database changed" "$before" "$(snapshot "$H" "$db")"
}

run_case
