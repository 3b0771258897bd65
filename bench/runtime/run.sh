#!/usr/bin/env bash
# Runtime benchmark of migrator on SQLite (docs/benchmarks.md, "Runtime").
#
#   bench/runtime/run.sh
#
# Builds a scratch CMake project (Release, Ninja) that embeds N synthetic
# migrations with migrator_add_migrations(), which gives repo_migrator, and
# compares it with the sqlite3 command-line shell running the same SQL from a
# plain script (the same libsqlite3, default journal mode and synchronous
# setting on both sides: no PRAGMA anywhere). Both sides also keep the
# migrator's own table, schema_migrations_migrator: created in the first
# migration's transaction, one row (with the migration's checksum) upserted
# per applied migration and deleted per reverted one, read (the recorded
# checksums) by the no-op floor (bench/runtime/gen.sh, noop_floor.c).
#
# Environment:
#   N=1000          number of migrations (each: a 7-column table, an index,
#                   10 rows; down: drop both)
#   ROUNDS=5        rounds per measurement; each round runs both sides, in
#                   alternating order; the median over rounds is reported
#   NOOP_REPS=20    runs per side and round of the no-op measurement (c),
#                   whose round figure is the mean of its runs
#   RSS_REPS=3      runs per side of the peak RSS measurement (e)
#   WITH_POSTGRES=1 build repo_migrator with the PostgreSQL adapter too when
#                   libpq is found (by default: MIGRATOR_WITH_POSTGRES=OFF)
#   KEEP=1          keep the scratch directory (its path is printed)
#   TMPDIR          where the scratch directory (and the databases) go
#
# Measured (wall clock from $EPOCHREALTIME around the command only; every run
# gets a fresh database file: removed, or copied from a prepared file and
# fsync'ed before the clock starts):
#   a. repo_migrator migrate --quiet           vs sqlite3 F < up.sql        (fresh file)
#   b. repo_migrator rollback --all --quiet    vs sqlite3 F < down.sql      (migrated copy)
#   c. repo_migrator migrate --quiet (no-op)   vs noop_floor F              (migrated copy)
#   d. repo_migrator migrate --group --quiet   vs sqlite3 F < up_group.sql  (fresh file)
#   e. peak RSS (/usr/bin/time -f %M) of a., and of its baseline for reference
set -euo pipefail
shopt -s inherit_errexit

N=${N:-1000}
ROUNDS=${ROUNDS:-5}
NOOP_REPS=${NOOP_REPS:-20}
RSS_REPS=${RSS_REPS:-3}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

BENCH_NAME=bench/runtime/run.sh
. "$here/../lib.sh"
need cmake; need ninja; need m4; need sqlite3; need awk; need cmp
if [[ ! -x /usr/bin/time ]]; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        apt-get install -y time >/dev/null || die "cannot install the time package"
    else
        die "/usr/bin/time is required (Debian: apt-get install time)"
    fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/migrator-runtime-bench.XXXXXX")
if [[ ${KEEP:-0} == 1 ]]; then
    echo "scratch directory (kept): $work"
else
    trap 'rm -rf "$work"' EXIT
fi
data=$work/data
proj=$work/project
build=$work/build
dbs=$work/db
mkdir -p "$proj" "$dbs"

# ------------------------------------------------------------ data + build ---
started=${EPOCHREALTIME/./}
echo "== generating $N migrations"
sh "$here/gen.sh" "$N" "$data"

# The SQLite-only program, as an application without PostgreSQL gets it:
# with libpq-dev installed, migrator would also build its PostgreSQL adapter,
# and linking libpq (and its TLS, Kerberos and LDAP libraries) costs every
# run about 3.5 ms and 5.6 MB of RSS at start-up (docs/benchmarks.md).
# WITH_POSTGRES=1 keeps the default (the adapter whenever libpq is found).
# build_bench_app (bench/lib.sh) runs the configure: the option is seeded
# into the cache before it.
if [[ ${WITH_POSTGRES:-0} != 1 ]]; then
    mkdir -p "$build"
    echo 'MIGRATOR_WITH_POSTGRES:BOOL=OFF' >"$build/CMakeCache.txt"
fi
build_bench_app migrator_runtime_bench SQLite::SQLite3 "find_package(SQLite3 REQUIRED)"
libraries=$(ldd "$mig")
if [[ $libraries == *libpq* ]]; then
    [[ ${WITH_POSTGRES:-0} == 1 ]] ||
        die "repo_migrator links libpq although MIGRATOR_WITH_POSTGRES was seeded OFF"
    with_postgres="with the PostgreSQL adapter (libpq linked)"
else
    with_postgres="SQLite adapter only"
fi

# The sqlite3 scripts write the checksums the migrator records in its own
# table, schema_migrations_migrator: taken from the built table.
echo "== writing the sqlite3 scripts"
"$mig" migrations --format json --url sqlite::memory: |
    sed -n 's/.*"version":\([0-9]*\),.*"file_checksum":"\([0-9a-f]\{64\}\)".*/\1 \2/p' >"$data/checksums"
[[ $(wc -l <"$data/checksums") == "$N" ]] || die "repo_migrator migrations did not list $N checksums"
sh "$here/gen.sh" "$N" "$data" "$data/checksums"

# ------------------------------------------------------------------ sides ---
fresh() { rm -f "$1" "$1-journal" "$1-wal" "$1-shm" "$1-migrator-lock"; }
# copy_of MASTER F: F becomes an fsync'ed copy of MASTER.
copy_of() { fresh "$2"; cp "$1" "$2"; sync -- "$2"; }

mig_up() { "$mig" migrate --quiet --url "sqlite:$1"; }
base_up() { sqlite3 "$1" <"$data/up.sql"; }
mig_down() { "$mig" rollback --all --quiet --url "sqlite:$1"; }
base_down() { sqlite3 "$1" <"$data/down.sql"; }
mig_noop() { "$mig" migrate --quiet --url "sqlite:$1"; }
base_noop() { "$floor" "$1"; }
mig_group() { "$mig" migrate --group --quiet --url "sqlite:$1"; }
base_group() { sqlite3 "$1" <"$data/up_group.sql"; }

# Everything but the version rows' inserted_at and our table's updated_at
# (the last column of schema_migrations_migrator), which differ by design.
content() {
    sqlite3 "$1" .dump | sed -E \
        -e "s/^(INSERT INTO \"?schema_migrations\"? VALUES\([0-9]+),'[^']*'\);$/\1);/" \
        -e "s/^(INSERT INTO \"?schema_migrations_migrator\"? VALUES\(.*),'[^']*'\);$/\1);/"
}
ours() { sqlite3 "$1" 'SELECT count(*) FROM "schema_migrations_migrator"'; }

echo "== checking that both sides do the same work"
m=$dbs/master.db
fresh "$m"; mig_up "$m" >/dev/null
x=$dbs/check.db
fresh "$x"; base_up "$x" >/dev/null
cmp -s <(content "$m") <(content "$x") || die "migrate and up.sql give different databases"
[[ $(sqlite3 "$m" 'SELECT count(*) FROM schema_migrations') == "$N" ]] || die "not $N versions"
[[ $(sqlite3 "$m" "SELECT count(*) FROM schema_migrations_migrator WHERE state = 'applied' AND length(checksum) = 64 AND checksum_algorithm = 1") == "$N" ]] ||
    die "not $N checksums in schema_migrations_migrator"
[[ $(sqlite3 "$x" 'SELECT count(*) FROM schema_migrations_migrator') == "$N" ]] ||
    die "up.sql did not write $N rows in schema_migrations_migrator"
fresh "$x"; base_group "$x" >/dev/null
cmp -s <(content "$m") <(content "$x") || die "migrate and up_group.sql give different databases"
fresh "$x"; mig_group "$x" >/dev/null
cmp -s <(content "$m") <(content "$x") || die "migrate --group gives a different database"
copy_of "$m" "$x"; base_down "$x" >/dev/null
down_base=$(content "$x")
copy_of "$m" "$x"; mig_down "$x" >/dev/null
[[ $(content "$x") == "$down_base" ]] || die "rollback --all and down.sql give different databases"
[[ $(sqlite3 "$x" "SELECT count(*) FROM sqlite_master WHERE name LIKE 'bench%'") == 0 ]] || die "rollback left tables"
[[ $(ours "$x") == 0 ]] || die "rollback left rows in schema_migrations_migrator"
[[ $("$floor" "$m" -v) == "$N $N" ]] || die "noop_floor does not read $N versions and $N checksums"
sqlite3 "$m" .dump >"$work/master.dump"
mig_noop "$m" >/dev/null
sqlite3 "$m" .dump | cmp -s - "$work/master.dump" || die "no-op migrate changed the database"
fresh "$x"

# ----------------------------------------------------------------- timing ---
# Times in microseconds (timed, median, range: bench/lib.sh).

# prepare_fresh F / prepare_copy F: what a run starts from.
prepare_fresh() { fresh "$1"; }
prepare_copy() { copy_of "$m" "$1"; }
prepare_copy_nosync() { fresh "$1"; cp "$m" "$1"; } # (c) writes nothing: no fsync to pay for

# measure KEY PREPARE MIG_FN BASE_FN REPS: ROUNDS rounds, each running both
# sides REPS times, alternating which goes first; a round's figure is the
# mean of its runs. Sets MIG_<KEY>, BASE_<KEY> (medians, us) and the ranges.
declare -A MED_MIG MED_BASE RANGE_MIG RANGE_BASE
measure() {
    local key=$1 prepare=$2 mig_fn=$3 base_fn=$4 reps=$5 r k side sum_m sum_b
    local -a rm=() rb=()
    for ((r = 1; r <= ROUNDS; r++)); do
        sum_m=0 sum_b=0
        for ((k = 1; k <= reps; k++)); do
            for side in $( (((r + k) % 2)) && echo "mig base" || echo "base mig"); do
                if [[ $side == mig ]]; then
                    "$prepare" "$dbs/mig.db"
                    timed "$mig_fn" "$dbs/mig.db"
                    sum_m=$((sum_m + ELAPSED))
                else
                    "$prepare" "$dbs/base.db"
                    timed "$base_fn" "$dbs/base.db"
                    sum_b=$((sum_b + ELAPSED))
                fi
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
    fresh "$dbs/mig.db"; fresh "$dbs/base.db"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== a. migrate on a fresh file vs sqlite3 up.sql"
measure a prepare_fresh mig_up base_up 1
echo "== b. rollback --all vs sqlite3 down.sql"
measure b prepare_copy mig_down base_down 1
echo "== c. no-op migrate vs noop_floor ($NOOP_REPS runs per side and round)"
measure c prepare_copy_nosync mig_noop base_noop "$NOOP_REPS"
echo "== d. migrate --group vs sqlite3 up_group.sql"
measure d prepare_fresh mig_group base_group 1

echo "== e. peak RSS of a. ($RSS_REPS runs per side)"
rss() { # FN: median of RSS_REPS peak RSS figures, KB
    local fn=$1 k
    local -a kb=()
    for ((k = 1; k <= RSS_REPS; k++)); do
        fresh "$dbs/rss.db"
        case $fn in
        mig) /usr/bin/time -f %M -o "$work/rss" "$mig" migrate --quiet --url "sqlite:$dbs/rss.db" >/dev/null ;;
        base) /usr/bin/time -f %M -o "$work/rss" sqlite3 "$dbs/rss.db" <"$data/up.sql" >/dev/null ;;
        esac
        kb+=("$(tail -n 1 "$work/rss")")
    done
    fresh "$dbs/rss.db"
    echo "$(median "${kb[@]}") $(printf '%s\n' "${kb[@]}" | sort -n | tail -n 1)"
}
read -r rss_mig rss_mig_max < <(rss mig)
read -r rss_base rss_base_max < <(rss base)
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ------------------------------------------------------------------ report ---
echo
echo "N = $N migrations, $ROUNDS rounds (c: $NOOP_REPS runs per side and round), medians;"
echo "$(sqlite3 --version | cut -d' ' -f1-2) (CLI and libsqlite3), repo_migrator $with_postgres,"
echo "$(nproc) CPUs, database in $(df -PT "$dbs" | awk 'NR == 2 { print $2 }'),"
echo "load average before $load_before, after $load_after; total $(( (${EPOCHREALTIME/./} - started) / 1000000 )) s"
echo
printf '| %-46s | %11s | %-28s | %11s | %6s | %7s | %-6s |\n' \
    measurement "migrator s" baseline "baseline s" ratio target result
printf '|%s|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..48})" "$(printf -- '-%.0s' {1..12}):" \
    "$(printf -- '-%.0s' {1..30})" "$(printf -- '-%.0s' {1..12}):" "$(printf -- '-%.0s' {1..7}):" \
    "$(printf -- '-%.0s' {1..8}):" "$(printf -- '-%.0s' {1..8})"
fail=0
row() { # KEY LABEL BASELINE TARGET
    local key=$1 label=$2 baseline=$3 target=$4 line
    line=$(awk -v m="${MED_MIG[$key]}" -v b="${MED_BASE[$key]}" -v t="$target" \
        -v label="$label" -v baseline="$baseline" 'BEGIN {
            r = m / b
            printf "| %-46s | %11.4f | %-28s | %11.4f | %6.3f | %7s | %-6s |\n",
                label, m / 1e6, baseline, b / 1e6, r, "<= " t, (r <= t) ? "PASS" : "OVER"
        }')
    echo "$line"
    [[ $line == *PASS* ]] || fail=1
}
row a "a. migrate (fresh file)" "sqlite3 < up.sql" 1.03
row b "b. rollback --all (migrated copy)" "sqlite3 < down.sql" 1.03
row c "c. no-op migrate (migrated copy)" "noop_floor" 1.15
row d "d. migrate --group (fresh file)" "sqlite3 < up_group.sql" 1.10
awk -v m="$rss_mig" -v b="$rss_base" 'BEGIN {
    printf "| %-46s | %8d KB | %-28s | %8d KB | %6.3f | %7s | %-6s |\n",
        "e. peak RSS of a.", m, "sqlite3 < up.sql (reference)", b, m / b, "8192 KB",
        (m <= 8192) ? "PASS" : "OVER"
}'
((rss_mig <= 8192)) || fail=1
echo
echo "spread over rounds (s):"
for key in a b c d; do
    echo "  $key: migrator ${RANGE_MIG[$key]}, baseline ${RANGE_BASE[$key]}"
done
echo "  e: migrator max $rss_mig_max KB, sqlite3 max $rss_base_max KB"
exit "$fail"
