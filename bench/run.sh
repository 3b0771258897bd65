#!/usr/bin/env bash
# Benchmark of migrator-gen, the build-time table generator (docs/benchmarks.md).
#
#   bench/run.sh [BUILD_DIR]
#
# BUILD_DIR: a CMake build directory of this source tree that holds (or can
# build) migrator-gen; without it the tool is built (Release, Ninja) in a
# scratch directory. Environment:
#   N=10000      number of synthetic migrations
#   SIZE=2048    approximate size of one migration, in bytes
#   REPS=3       repetitions of every measurement (the median is reported)
#   KEEP=1       keep the scratch directory (its path is printed)
#   CC=cc        compiler for bench/gen_migrations.c
#
# Measured, each REPS times, wall clock from `date +%s.%N`, warm page cache:
#   a. migrator-gen table on the N migrations (fresh output files)
#        baselines: cat of all migration files > /dev/null;
#                   m4 -P on a file of the generated .c's size > /dev/null
#   b. gcc -O2 -c and clang -O2 -c of the generated table .c
#        baseline: the same compiler on a .c holding the same SQL bytes as one
#                  `static const char sql[]` initialised by 4000-byte literals
#   c. cmake --build of a scratch app (add_subdirectory + migrator_add_migrations)
#      after one migration was edited: regeneration + recompile + relink
#        baseline: a no-op cmake --build of the same project
set -euo pipefail
shopt -s inherit_errexit

N=${N:-10000}
SIZE=${SIZE:-2048}
REPS=${REPS:-3}
TARGET_TABLE=1.0   # seconds, a.
TARGET_COMPILE=2.0 # seconds, b. (each compiler)

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/migrator-bench.XXXXXX")
if [[ ${KEEP:-0} == 1 ]]; then
    echo "scratch directory (kept): $work"
else
    trap 'rm -rf "$work"' EXIT
fi
log=$work/log.txt
: >"$log"

die() { echo "bench/run.sh: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 is required"; }
need cmake; need ninja; need m4; need awk; need sed

# ---------------------------------------------------------------- timing ---
now() { date +%s.%N; }

# measure SETUP COMMAND...: runs SETUP REP (not timed) then COMMAND (timed)
# REPS times; sets TIMES (the runs, in seconds) and MEDIAN.
measure() {
    local setup=$1 r t0 t1
    shift
    TIMES=()
    for ((r = 1; r <= REPS; r++)); do
        "$setup" "$r"
        t0=$(now)
        "$@" >>"$log" 2>&1 || die "failed: $* (see $log)"
        t1=$(now)
        TIMES+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
    done
    MEDIAN=$(printf '%s\n' "${TIMES[@]}" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.3f", v[(NR + 1) / 2];
                                  else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
    echo "  $(printf '%-44s' "$CURRENT") runs: ${TIMES[*]}  median: $MEDIAN s"
}
no_setup() { :; }

ROWS=()
# row MEASUREMENT MEDIAN BASELINE BASELINE_S TARGET [SHOWN_MEDIAN]
row() {
    local ratio status=-
    ratio=$(awk -v a="$2" -v b="$4" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }')
    if [[ $5 != - ]]; then
        status=$(awk -v a="$2" -v t="$5" 'BEGIN { print (a <= t) ? "PASS" : "OVER" }')
    fi
    ROWS+=("$1|${6-$2}|$3|$4|$ratio|$5|$status")
}

# --------------------------------------------------------------- machine ---
echo "== machine"
{
    echo "  nproc: $(nproc)"
    echo "  cpu:   $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)"
    echo "  gcc:   $(gcc --version 2>/dev/null | head -n 1 || echo none)"
    echo "  clang: $(clang --version 2>/dev/null | head -n 1 || echo none)"
    echo "  m4:    $(m4 --version | head -n 1)"
    echo "  cmake: $(cmake --version | head -n 1), ninja $(ninja --version)"
}

# ------------------------------------------------------------- the tool ---
build=${1:-${BUILD_DIR:-}}
if [[ -z $build ]]; then
    build=$work/build
    echo "== building migrator-gen (Release) in $build"
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DMIGRATOR_BUILD_TESTS=OFF >>"$log" 2>&1 || die "configure failed (see $log)"
fi
if [[ -f $build/CMakeCache.txt ]]; then
    cmake --build "$build" --target migrator-gen >>"$log" 2>&1 || die "build failed (see $log)"
fi
gen=$build/migrator-gen
[[ -x $gen ]] || die "$gen not found"

# -------------------------------------------------------------- data set ---
echo "== data set: N=$N SIZE=$SIZE"
"${CC:-cc}" -std=c11 -O2 -Wall -Wextra -Wpedantic -o "$work/gen_migrations" \
    "$here/gen_migrations.c" || die "cannot build gen_migrations.c"
data=$work/migrations
"$work/gen_migrations" -n "$N" -s "$SIZE" "$data"
data_bytes=$(cat "$data"/*.sql | wc -c)
"$gen" check "$data" >>"$log" 2>&1 || die "the data set is not valid (see $log)"
echo "  $N files, $data_bytes bytes; migrator-gen check: OK"

# ------------------------------------------------ a. migrator-gen table ---
echo "== a. migrator-gen table"
out=$work/out
mkdir -p "$out"
table_c=$out/repo_migrations.c
table_h=$out/repo_migrations.h
clean_table() { rm -f "$table_c" "$table_h"; }
run_table() {
    "$gen" table --repo repo --output "$table_c" --header "$table_h" \
        --template-dir "$root/templates" "$data"
}
CURRENT="migrator-gen table"
measure clean_table run_table
t_table=$MEDIAN
table_bytes=$(wc -c <"$table_c")

cat_all() { cat "$data"/*.sql >/dev/null; }
CURRENT="baseline: cat all migrations"
measure no_setup cat_all
t_cat=$MEDIAN

# m4 copying a file of the same size as the generated .c: the .c itself
# (it holds no m4_ macro and no backquote, so m4 -P copies it unchanged).
cp "$table_c" "$work/m4_input.c"
m4 -P "$work/m4_input.c" | cmp -s - "$work/m4_input.c" ||
    echo "  note: m4 -P does not copy the generated .c verbatim"
m4_copy() { m4 -P "$work/m4_input.c" >/dev/null; }
CURRENT="baseline: m4 -P copy of the generated .c"
measure no_setup m4_copy
t_m4=$MEDIAN

row "a. migrator-gen table ($N files)" "$t_table" "cat all files > /dev/null" "$t_cat" "$TARGET_TABLE"
row "" "$t_table" "m4 -P copy of the .c ($table_bytes B)" "$t_m4" - ""

# ------------------------------------------------------ b. compile time ---
echo "== b. compiling the table"
# The raw literal: all migration bytes, escaped like the generator does for
# backslash, double quote, newline and "??" (no trigraph: gcc warns on every
# one, and printing thousands of warnings with 4000-byte source lines takes
# seconds), in 4000-byte literals concatenated into one array (returned by a
# function so that the compiler must emit it).
raw_c=$work/raw_literal.c
{
    echo '/* The SQL bytes of the benchmark data set as one literal array. */'
    echo 'static const char sql[] ='
    cat "$data"/*.sql | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e ':a' -e 's/??/?\\?/' -e 'ta' -e 's/$/\\n/' |
        awk 'function flush() { if (piece != "") printf "    \"%s\"\n", piece; piece = ""; n = 0 }
             { t = $0; len = length($0) - gsub(/\\./, "", t)   # SQL bytes: an escape is one
               if (n + len > 4000) flush()
               piece = piece $0; n += len }
             END { flush() }'
    echo '    ;'
    echo 'const char *bench_raw_sql(void);'
    echo 'const char *bench_raw_sql(void) { return sql; }'
} >"$raw_c"
raw_bytes=$(wc -c <"$raw_c")
gcc -fsyntax-only "$raw_c" 2>"$work/raw.err" || die "the raw literal file does not compile (see $work/raw.err)"
[[ ! -s $work/raw.err ]] || die "the raw literal file has warnings (see $work/raw.err)"

# Correctness, not timed: the table is warning-free C11 (as the header promises).
gcc -std=c11 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -I"$root/include" -I"$out" \
    "$table_c" >>"$log" 2>&1 || die "the generated table does not compile warning-free (see $log)"

compilers=()
for cc in gcc clang; do
    if command -v "$cc" >/dev/null 2>&1; then compilers+=("$cc"); else echo "  $cc: not installed, skipped" >&2; fi
done
for cc in "${compilers[@]}"; do
    compile_table() { "$cc" -O2 -c -I"$root/include" -I"$out" "$table_c" -o "$work/table.$cc.o"; }
    compile_raw() { "$cc" -O2 -c "$raw_c" -o "$work/raw.$cc.o"; }
    CURRENT="$cc -O2 -c table .c"
    measure no_setup compile_table
    t_compile=$MEDIAN
    CURRENT="baseline: $cc -O2 -c raw literal .c"
    measure no_setup compile_raw
    row "b. $cc -O2 -c table ($table_bytes B)" "$t_compile" "$cc raw literal .c ($raw_bytes B)" "$MEDIAN" "$TARGET_COMPILE"
done

# -------------------------------------------- c. rebuild after an edit ---
echo "== c. rebuild of a CMake (Ninja) project after editing one migration"
app=$work/app
app_build=$work/app-build
mkdir -p "$app"
cat >"$app/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.21)
project(migrator_bench_app LANGUAGES C)
add_subdirectory("$root" migrator)
add_executable(app main.c)
migrator_add_migrations(app DIR "$data")
EOF
cat >"$app/main.c" <<'EOF'
#include <stdio.h>

#include "repo_migrations.h"

int main(void)
{
    printf("%zu\n", repo_migrations.count);
    return 0;
}
EOF
cmake -S "$app" -B "$app_build" -G Ninja -DCMAKE_BUILD_TYPE=Release >>"$log" 2>&1 ||
    die "configure of the scratch app failed (see $log)"
t0=$(now)
cmake --build "$app_build" >>"$log" 2>&1 || die "build of the scratch app failed (see $log)"
t_first=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')
[[ $("$app_build/app") == "$N" ]] || die "the app does not print $N"
echo "  first full build (migrator-gen + table + app): $t_first s"

# The migration in the middle gets one more statement each time, so the
# table really changes (and its checksum with it).
edited=$(find "$data" -name '*.sql' | sort | sed -n "$(((N + 1) / 2))p")
edit_one() {
    printf 'SELECT %d; -- bench edit\n' "$1" >>"$edited"
    touch "$edited"
    ninja_log_lines=$(wc -l <"$app_build/.ninja_log")
}
rebuild() { cmake --build "$app_build"; }
CURRENT="cmake --build after editing one migration"
measure edit_one rebuild
t_rebuild=$MEDIAN
grep -q "SELECT $REPS" "$app_build/migrator/repo_migrations.c" || die "the edit did not reach the table"
[[ $("$app_build/app") == "$N" ]] || die "the rebuilt app does not print $N"
# Steps of the last rebuild, from .ninja_log (start and end in ms).
breakdown=$(tail -n +"$((ninja_log_lines + 1))" "$app_build/.ninja_log" |
    awk -F '\t' '!/^#/ && !seen[$1 " " $2]++ {
        n = $4; if (n ~ /CMakeFiles\//) sub(/^.*CMakeFiles\//, "", n); else sub(/^.*\//, "", n); printf "      %-56s %6.3f s\n", n, ($2 - $1) / 1000 }')

CURRENT="baseline: no-op cmake --build"
measure no_setup rebuild
t_noop=$MEDIAN
row "c. cmake --build after 1 edit" "$t_rebuild" "no-op cmake --build" "$t_noop" -

# ---------------------------------------------------------------- report ---
echo
echo "migrator-gen benchmark: N=$N migrations, SIZE=$SIZE (data set $data_bytes B), median of $REPS runs, $(nproc) CPUs"
echo
{
    echo "measurement|median s|baseline|baseline s|ratio|target s|result"
    printf '%s\n' "${ROWS[@]}"
} | awk -F '|' '{ printf "%-38s %9s  %-40s %10s %7s %8s  %s\n", $1, $2, $3, $4, $5, $6, $7 }'
echo
echo "first full build of the scratch app: $t_first s"
echo "steps of the last edit rebuild (.ninja_log):"
echo "$breakdown"
