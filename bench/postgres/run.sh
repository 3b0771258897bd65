#!/usr/bin/env bash
# Runtime benchmark of migrator on PostgreSQL (docs/benchmarks.md, "Runtime
# (PostgreSQL)"); the PostgreSQL twin of bench/runtime/run.sh.
#
#   bench/postgres/run.sh
#
# Starts its own throwaway server (tests/pg/pg_server.sh: unix socket only,
# fsync on, default durability), builds a scratch CMake project (Release,
# Ninja) that embeds N synthetic migrations with migrator_add_migrations(),
# which gives repo_migrator, and compares it with psql running the same SQL
# with the same per-migration transactions and version rows from a plain
# script, in the same run, alternating the two sides. Both sides also keep
# the migrator's own table, schema_migrations_migrator: created in the first
# migration's transaction, one row (with the migration's checksum) upserted
# per applied migration and deleted per reverted one, read (the recorded
# checksums) by the no-op floor (bench/postgres/gen.sh, noop_floor.c).
#
# Environment:
#   N=1000          number of migrations (each: a 7-column table, an index,
#                   10 rows; down: drop both)
#   ROUNDS=5        rounds per measurement; each round runs both sides, in
#                   alternating order; the median over rounds is reported
#   NOOP_REPS=3     runs per side and round of the no-op measurement (c),
#                   whose round figure is the mean of its runs
#   KEEP=1          keep the scratch directory (its path is printed) and the
#                   server log
#   TMPDIR          where the scratch directory goes
#   MIGRATOR_PG_BINDIR  the server binaries (see tests/pg/pg_server.sh)
#
# Every timed run gets a fresh database, created before the clock starts and
# dropped after it stops (never timed): CREATE DATABASE ... TEMPLATE template0
# (a, d, e) or a copy of a database migrated once (TEMPLATE bench_master: b,
# c), followed by a CHECKPOINT so that no run pays for the previous one's
# dirty buffers. Wall clock from $EPOCHREALTIME around the command only.
#   a. repo_migrator migrate --quiet            vs psql -f up.sql        (empty database)
#   b. repo_migrator rollback --all --quiet     vs psql -f down.sql      (migrated copy)
#   c. repo_migrator migrate --quiet (no-op)    vs noop_floor            (migrated copy)
#   d. repo_migrator migrate --group --quiet    vs psql -f up_group.sql  (empty database)
#   e. repo_migrator migrate --quiet --migration-lock advisory vs psql -f up.sql
#      (reported, no target)
# psql is always `psql -X -q -v ON_ERROR_STOP=1 -d URL -f FILE`.
#
# Exit status: 0 all targets met, 1 a target missed (or a failure).
#
# SPDX-License-Identifier: MIT
set -euo pipefail
shopt -s inherit_errexit

N=${N:-1000}
ROUNDS=${ROUNDS:-5}
NOOP_REPS=${NOOP_REPS:-3}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

BENCH_NAME=bench/postgres/run.sh
. "$here/../lib.sh"
need cmake; need ninja; need m4; need psql; need pg_dump; need awk; need cmp
((ROUNDS >= 1 && NOOP_REPS >= 1)) || die "ROUNDS and NOOP_REPS must be 1 or more"

work=$(mktemp -d "${TMPDIR:-/tmp}/migrator-pg-bench.XXXXXX")
pgdir=$work/pg
server_started=0
cleanup() {
    local status=$?
    if ((server_started)); then
        "$root/tests/pg/pg_server.sh" stop "$pgdir" >/dev/null 2>&1 || true
    fi
    if [[ ${KEEP:-0} == 1 ]]; then
        echo "scratch directory (kept): $work"
    else
        rm -rf "$work"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
data=$work/data
proj=$work/project
build=$work/build
mkdir -p "$proj" "$pgdir"

# ---------------------------------------------------------------- server ---
started=${EPOCHREALTIME/./}
echo "== starting a throwaway PostgreSQL server"
server_started=1
MIGRATOR_REQUIRE_POSTGRES=1 "$root/tests/pg/pg_server.sh" start "$pgdir"
while IFS='=' read -r key value; do
    [[ $key == PG* ]] && export "$key=$value"
done <"$pgdir/env"
export PGDATABASE=postgres PGAPPNAME=migrator-bench
unset PGOPTIONS PGSERVICE PGSSLMODE
server_log=$(sed -n 's/^LOG=//p' "$pgdir/state")
sql() { psql -X -q -At -v ON_ERROR_STOP=1 -d postgres -c "$1"; }
server_version=$(sql 'SHOW server_version')
server_num=$(sql "SHOW server_version_num")
[[ $(sql 'SHOW fsync') == on && $(sql 'SHOW synchronous_commit') == on ]] ||
    die "the server does not run with fsync=on and synchronous_commit=on"

# ------------------------------------------------------------ data + build ---
echo "== generating $N migrations"
sh "$here/gen.sh" "$N" "$data"

build_bench_app migrator_postgres_bench PostgreSQL::PostgreSQL "if(NOT MIGRATOR_WITH_POSTGRES)
  message(FATAL_ERROR \"migrator was configured without the PostgreSQL adapter (libpq-dev missing?)\")
endif()
find_package(PostgreSQL REQUIRED)"

# The psql scripts write the checksums the migrator records in its own
# table, schema_migrations_migrator: taken from the built table.
echo "== writing the psql scripts"
"$mig" migrations --format json --url sqlite::memory: |
    sed -n 's/.*"version":\([0-9]*\),.*"file_checksum":"\([0-9a-f]\{64\}\)".*/\1 \2/p' >"$data/checksums"
[[ $(wc -l <"$data/checksums") == "$N" ]] || die "repo_migrator migrations did not list $N checksums"
sh "$here/gen.sh" "$N" "$data" "$data/checksums"

# ------------------------------------------------------------- databases ---
url() { echo "postgresql:///$1"; }
# create DB [TEMPLATE]: a new database (template0 by default), checkpointed.
create() {
    local strategy=""
    # copies of bench_master: FILE_COPY (a file copy between two checkpoints)
    # is much faster than the default WAL_LOG for its 2,000 tables
    [[ ${2:-template0} == template0 || $server_num -lt 150000 ]] || strategy=" STRATEGY FILE_COPY"
    sql "CREATE DATABASE $1 TEMPLATE ${2:-template0}$strategy"
    sql CHECKPOINT
}
drop() { sql "DROP DATABASE IF EXISTS $1 WITH (FORCE)"; }

# ------------------------------------------------------------------ sides ---
psql_file() { psql -X -q -v ON_ERROR_STOP=1 -d "$(url "$1")" -f "$2"; }
mig_up() { "$mig" migrate --quiet --url "$(url "$1")"; }
base_up() { psql_file "$1" "$data/up.sql"; }
mig_down() { "$mig" rollback --all --quiet --url "$(url "$1")"; }
base_down() { psql_file "$1" "$data/down.sql"; }
mig_noop() { "$mig" migrate --quiet --url "$(url "$1")"; }
base_noop() { "$floor" "$(url "$1")"; }
mig_group() { "$mig" migrate --group --quiet --url "$(url "$1")"; }
base_group() { psql_file "$1" "$data/up_group.sql"; }
mig_advisory() { "$mig" migrate --quiet --migration-lock advisory --url "$(url "$1")"; }

# What a database holds: the schema, every table's rows except
# schema_migrations' and schema_migrations_migrator's, the applied versions
# and our table's rows but for their timestamps (inserted_at and updated_at
# differ by design).
content() {
    pg_dump -d "$(url "$1")" --no-owner --exclude-table-data=schema_migrations \
        --exclude-table-data=schema_migrations_migrator |
        grep -vE '^(--|\\(un)?restrict |SELECT pg_catalog.set_config|$)'
    psql -X -At -d "$(url "$1")" -c 'SELECT version FROM schema_migrations ORDER BY 1'
    if [[ $(psql -X -At -d "$(url "$1")" -c "SELECT to_regclass('schema_migrations_migrator') IS NOT NULL") == t ]]; then
        psql -X -At -d "$(url "$1")" -c 'SELECT version, state, direction, statements_done,
            statements_total, location, error, checksum, checksum_algorithm
            FROM schema_migrations_migrator ORDER BY version'
    fi
}
# Everything, timestamps included (the no-op must not write at all).
raw_content() {
    pg_dump -d "$(url "$1")" --no-owner | grep -vE '^(--|\\(un)?restrict |$)'
}

echo "== checking that both sides do the same work"
create bench_master; mig_up bench_master >/dev/null
[[ $(psql -X -At -d "$(url bench_master)" -c 'SELECT count(*) FROM schema_migrations') == "$N" ]] ||
    die "migrate did not apply $N versions"
[[ $(psql -X -At -d "$(url bench_master)" -c "SELECT count(*) FROM schema_migrations_migrator WHERE state = 'applied' AND length(checksum) = 64 AND checksum_algorithm = 1") == "$N" ]] ||
    die "migrate did not record $N checksums in schema_migrations_migrator"
content bench_master >"$work/master.content"
create bench_check; base_up bench_check >/dev/null 2>>"$work/psql.log"
content bench_check | cmp -s - "$work/master.content" || die "migrate and up.sql give different databases"
[[ $(psql -X -At -d "$(url bench_check)" -c 'SELECT count(*) FROM schema_migrations_migrator') == "$N" ]] ||
    die "up.sql did not write $N rows in schema_migrations_migrator"
drop bench_check
create bench_check; base_group bench_check >/dev/null 2>>"$work/psql.log"
content bench_check | cmp -s - "$work/master.content" || die "migrate and up_group.sql give different databases"
drop bench_check
create bench_check; mig_group bench_check >/dev/null
content bench_check | cmp -s - "$work/master.content" || die "migrate --group gives a different database"
drop bench_check
create bench_check; mig_advisory bench_check >/dev/null
content bench_check | cmp -s - "$work/master.content" || die "migrate --migration-lock advisory gives a different database"
drop bench_check
create bench_check bench_master; base_down bench_check >/dev/null 2>>"$work/psql.log"
content bench_check >"$work/down.content"
drop bench_check
create bench_check bench_master; mig_down bench_check >/dev/null
content bench_check | cmp -s - "$work/down.content" || die "rollback --all and down.sql give different databases"
[[ $(psql -X -At -d "$(url bench_check)" -c "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relname LIKE 'bench%'") == 0 ]] ||
    die "rollback left relations behind"
[[ $(psql -X -At -d "$(url bench_check)" -c 'SELECT count(*) FROM schema_migrations_migrator') == 0 ]] ||
    die "rollback left rows in schema_migrations_migrator"
drop bench_check
[[ $("$floor" "$(url bench_master)" -v) == "$N $N" ]] || die "noop_floor does not read $N versions and $N checksums"
raw_content bench_master >"$work/master.raw"
mig_noop bench_master >/dev/null
raw_content bench_master | cmp -s - "$work/master.raw" || die "no-op migrate changed the database"

# Round trips (untimed): statements the server received from each side,
# counted in the server log with log_min_duration_statement = 0 set on the
# database (a statement sent with parameters logs as parse + bind + execute:
# counted once, by its execute line).
count_statements() { # FN DB: the number of statements FN sends to DB
    local fn=$1 db=$2 before after
    sql "ALTER DATABASE $db SET log_min_duration_statement = 0"
    before=$(wc -l <"$server_log")
    "$fn" "$db" >/dev/null 2>&1
    sleep 0.2
    after=$(tail -n +"$((before + 1))" "$server_log" |
        grep -cE 'duration: [0-9.]+ ms  (statement|execute)' || true)
    sql "ALTER DATABASE $db RESET log_min_duration_statement"
    echo "$after"
}
declare -A TRIPS_MIG TRIPS_BASE
if [[ -r $server_log ]]; then
    echo "== counting statements per side (server log)"
    for key in a b c d e; do
        case $key in
        a) fm=mig_up fb=base_up tmpl=template0 ;;
        b) fm=mig_down fb=base_down tmpl=bench_master ;;
        c) fm=mig_noop fb=base_noop tmpl=bench_master ;;
        d) fm=mig_group fb=base_group tmpl=template0 ;;
        e) fm=mig_advisory fb=base_up tmpl=template0 ;;
        esac
        create bench_trips "$tmpl"; TRIPS_MIG[$key]=$(count_statements "$fm" bench_trips); drop bench_trips
        create bench_trips "$tmpl"; TRIPS_BASE[$key]=$(count_statements "$fb" bench_trips); drop bench_trips
        echo "   $key: migrator ${TRIPS_MIG[$key]} statements, baseline ${TRIPS_BASE[$key]}"
    done
fi

# ----------------------------------------------------------------- timing ---
# Times in microseconds (timed, median, range: bench/lib.sh).

# measure KEY TEMPLATE MIG_FN BASE_FN REPS: ROUNDS rounds, each running both
# sides REPS times, alternating which goes first, each run on a new database
# made from TEMPLATE; a round's figure is the mean of its runs. Sets
# MED_MIG[KEY], MED_BASE[KEY] (medians, us) and the ranges.
declare -A MED_MIG MED_BASE RANGE_MIG RANGE_BASE
measure() {
    local key=$1 template=$2 mig_fn=$3 base_fn=$4 reps=$5 r k side sum_m sum_b
    local -a rm=() rb=()
    for ((r = 1; r <= ROUNDS; r++)); do
        sum_m=0 sum_b=0
        for ((k = 1; k <= reps; k++)); do
            for side in $( (((r + k) % 2)) && echo "mig base" || echo "base mig"); do
                create bench_run "$template"
                if [[ $side == mig ]]; then
                    timed "$mig_fn" bench_run
                    sum_m=$((sum_m + ELAPSED))
                else
                    timed "$base_fn" bench_run
                    sum_b=$((sum_b + ELAPSED))
                fi
                drop bench_run
            done
        done
        rm+=($((sum_m / reps)))
        rb+=($((sum_b / reps)))
        printf '   %s round %d: migrator %.4f s, baseline %.4f s\n' "$key" "$r" \
            "$(awk -v t="${rm[-1]}" 'BEGIN { print t / 1e6 }')" \
            "$(awk -v t="${rb[-1]}" 'BEGIN { print t / 1e6 }')"
    done
    MED_MIG[$key]=$(median "${rm[@]}")
    MED_BASE[$key]=$(median "${rb[@]}")
    RANGE_MIG[$key]=$(range "${rm[@]}")
    RANGE_BASE[$key]=$(range "${rb[@]}")
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== a. migrate on an empty database vs psql -f up.sql"
measure a template0 mig_up base_up 1
echo "== b. rollback --all vs psql -f down.sql"
measure b bench_master mig_down base_down 1
echo "== c. no-op migrate vs noop_floor ($NOOP_REPS runs per side and round)"
measure c bench_master mig_noop base_noop "$NOOP_REPS"
echo "== d. migrate --group vs psql -f up_group.sql"
measure d template0 mig_group base_group 1
echo "== e. migrate --migration-lock advisory vs psql -f up.sql"
measure e template0 mig_advisory base_up 1
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ------------------------------------------------------------------ report ---
echo
echo "N = $N migrations, $ROUNDS rounds (c: $NOOP_REPS runs per side and round), medians;"
echo "PostgreSQL $server_version (fsync on, synchronous_commit on, unix socket), $(psql --version),"
echo "$(nproc) CPUs, load average before $load_before, after $load_after; total $(( (${EPOCHREALTIME/./} - started) / 1000000 )) s"
echo
printf '| %-46s | %10s | %-26s | %10s | %6s | %7s | %-6s |\n' \
    measurement "migrator s" baseline "baseline s" ratio target result
printf '|%s|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..48})" "$(printf -- '-%.0s' {1..11}):" \
    "$(printf -- '-%.0s' {1..28})" "$(printf -- '-%.0s' {1..11}):" "$(printf -- '-%.0s' {1..7}):" \
    "$(printf -- '-%.0s' {1..8}):" "$(printf -- '-%.0s' {1..8})"
fail=0
row() { # KEY LABEL BASELINE TARGET ("" for none)
    local key=$1 label=$2 baseline=$3 target=$4 line
    line=$(awk -v m="${MED_MIG[$key]}" -v b="${MED_BASE[$key]}" -v t="$target" \
        -v label="$label" -v baseline="$baseline" 'BEGIN {
            r = m / b
            printf "| %-46s | %10.4f | %-26s | %10.4f | %6.3f | %7s | %-6s |\n",
                label, m / 1e6, baseline, b / 1e6, r, (t == "") ? "-" : "<= " t,
                (t == "") ? "-" : (r <= t) ? "PASS" : "OVER"
        }')
    echo "$line"
    [[ $line != *OVER* ]] || fail=1
}
row a "a. migrate (empty database)" "psql -f up.sql" 1.05
row b "b. rollback --all (migrated copy)" "psql -f down.sql" 1.05
row c "c. no-op migrate (migrated copy)" "noop_floor" 1.15
row d "d. migrate --group (empty database)" "psql -f up_group.sql" 1.10
row e "e. migrate --migration-lock advisory" "psql -f up.sql" ""
echo
echo "spread over rounds (s):"
for key in a b c d e; do
    echo "  $key: migrator ${RANGE_MIG[$key]}, baseline ${RANGE_BASE[$key]}"
done
if ((${#TRIPS_MIG[@]})); then
    echo "statements received by the server (one untimed run per side):"
    for key in a b c d e; do
        echo "  $key: migrator ${TRIPS_MIG[$key]}, baseline ${TRIPS_BASE[$key]}"
    done
fi
exit "$fail"
