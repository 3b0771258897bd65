#!/usr/bin/env bash
# migrator used through FetchContent from a local path.
. "$(dirname "$0")/lib.sh"
SRC="$WORK/app"
mkdir -p "$SRC"
cat >"$SRC/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.21)
project(app C)
include(FetchContent)
FetchContent_Declare(migrator SOURCE_DIR "$MIGRATOR_SOURCE_DIR")
FetchContent_MakeAvailable(migrator)
add_executable(app main.c)
migrator_add_migrations(app DIALECT sqlite)
CMAKE
write_app_main "$SRC"
write_migration "$SRC/priv/repo/migrations" 20240101000000_create_a.sql "CREATE TABLE a (x INTEGER);"
configure "$SRC" "$WORK/build" Ninja
run cmake --build "$WORK/build"
run "$WORK/build/app"
assert_log_contains "count 1"
assert_log_contains "20240101000000 create_a up=1 down=0 first=CREATE TABLE a (x INTEGER)"
grep -q MIGRATOR_DIALECT_SQLITE "$WORK/build/migrator/repo_migrations.c" || fail "DIALECT not passed"
echo "PASS"
