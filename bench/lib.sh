# Helpers shared by bench/runtime/run.sh and bench/postgres/run.sh (sourced).
# The caller sets BENCH_NAME, here, root, work, data, proj, build and N.

die() { echo "$BENCH_NAME: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 is required"; }

# timed CMD...: runs CMD with its output discarded and sets ELAPSED (us).
# A failing command stops the benchmark (its stderr is shown): a run that
# failed must never be timed as if it had done the work.
timed() {
    local t0 t1
    t0=${EPOCHREALTIME/./}
    "$@" >/dev/null 2>"$work/stderr" || { cat "$work/stderr" >&2; die "$* failed"; }
    t1=${EPOCHREALTIME/./}
    ELAPSED=$((t1 - t0))
}

# median US... (integer microseconds) and range US... ("lo-hi" in seconds).
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
range() { printf '%s\n' "$@" | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.4f-%.4f", lo / 1e6, hi / 1e6 }'; }

# build_bench_app PROJECT FLOOR_LIBRARY [CMAKE_LINES]: a scratch Release
# project that embeds $data/migrations (giving repo_migrator) and builds
# $here/noop_floor.c linked to FLOOR_LIBRARY; sets mig and floor.
build_bench_app() {
    local project=$1 floor_library=$2 extra=${3:-}
    cat >"$proj/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.21)
project($project LANGUAGES C)
add_subdirectory("$root" migrator)
$extra
add_executable(app main.c)
migrator_add_migrations(app DIR "$data/migrations")
add_executable(noop_floor "$here/noop_floor.c")
target_link_libraries(noop_floor PRIVATE $floor_library)
CMAKE
    cat >"$proj/main.c" <<'MAIN'
#include <stdio.h>
#include "repo_migrations.h"

int main(void)
{
    printf("%zu\n", repo_migrations.count);
    return 0;
}
MAIN
    echo "== building (Release, Ninja)"
    cmake -S "$proj" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >"$work/cmake.log" 2>&1 ||
        { cat "$work/cmake.log"; die "cmake configure failed"; }
    cmake --build "$build" >>"$work/cmake.log" 2>&1 ||
        { cat "$work/cmake.log"; die "build failed"; }
    mig=$build/repo_migrator
    floor=$build/noop_floor
    [[ $("$build/app") == "$N" ]] || die "the app does not embed $N migrations"
}
