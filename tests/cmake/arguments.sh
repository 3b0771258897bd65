#!/usr/bin/env bash
# migrator_add_migrations refuses bad arguments at configure time, clearly.
. "$(dirname "$0")/lib.sh"
SRC="$WORK/app"
mkdir -p "$SRC"
write_app_main "$SRC"

try() { # CALL EXPECTED_MESSAGE
    cat >"$SRC/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.21)
project(app C)
add_subdirectory("$MIGRATOR_SOURCE_DIR" migrator)
add_executable(app main.c)
$1
CMAKE
    rm -rf "$WORK/build"
    run_failing cmake -S "$SRC" -B "$WORK/build" -G Ninja
    assert_log_contains "$2"
}

step "unknown argument"
try "migrator_add_migrations(app REPO repo DIRECTORY x)" "migrator_add_migrations: unknown arguments: DIRECTORY;x"
step "REPO not a C identifier"
try "migrator_add_migrations(app REPO my-repo)" 'REPO "my-repo" must be a C identifier'
step "bad DIALECT"
try "migrator_add_migrations(app DIALECT mysql)" 'DIALECT must be sqlite, postgres or any'
step "not a target"
try "migrator_add_migrations(nope)" '"nope" is not a target'
step "keyword without a value"
try "migrator_add_migrations(app REPO)" "missing values for: REPO"

step "a missing migrations directory fails the build naming it"
cat >"$SRC/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.21)
project(app C)
add_subdirectory("$MIGRATOR_SOURCE_DIR" migrator)
add_executable(app main.c)
migrator_add_migrations(app)
CMAKE
rm -rf "$WORK/build"
configure "$SRC" "$WORK/build" Ninja
run_failing cmake --build "$WORK/build"
assert_log_contains "migrator-gen: $SRC/priv/repo/migrations: migrations directory not found"
step "an empty one gives an empty table"
mkdir -p "$SRC/priv/repo/migrations"
run cmake --build "$WORK/build"
run "$WORK/build/app"
assert_log_contains "count 0"
echo "PASS"
