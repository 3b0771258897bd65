#!/usr/bin/env bash
# The gen_migration target: NAME from the environment (and, with Makefiles,
# as `cmake --build . --target gen_migration NAME=x`), REPO chooses among
# repos, clear errors for a missing, invalid or taken name.
# Usage: gen_migration.sh GENERATOR
. "$(dirname "$0")/lib.sh"
GENERATOR=$1
SRC="$WORK/app"
BUILD="$WORK/build"

mkdir -p "$SRC"
cat >"$SRC/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.21)
project(app C)
add_subdirectory("$MIGRATOR_SOURCE_DIR" migrator)
add_executable(app main.c)
migrator_add_migrations(app)
add_executable(audit main.c)
migrator_add_migrations(audit REPO audit)
CMAKE
write_app_main "$SRC"
write_migration "$SRC/priv/repo/migrations" 20200101000000_first.sql "SELECT 1;"

configure "$SRC" "$BUILD" "$GENERATOR"

step "NAME in the environment"
NAME=add_weather run cmake --build "$BUILD" --target gen_migration
created=$(ls "$SRC/priv/repo/migrations" | grep '_add_weather\.sql$') || fail "no add_weather migration created"
assert_log_contains "* creating $SRC/priv/repo/migrations/$created"
[[ $created =~ ^[0-9]{14}_add_weather\.sql$ ]] || fail "bad file name $created"
version=${created%%_*}
now=$(date -u +%Y%m%d%H%M%S)
[ $((now - version)) -ge 0 ] && [ $((now - version)) -le 120 ] || fail "version $version is not the UTC time ($now)"
grep -q -- "-- migrate:up" "$SRC/priv/repo/migrations/$created" || fail "template not used"

step "the new migration is built into the table"
run cmake --build "$BUILD" --target app
run "$BUILD/app"
assert_log_contains "count 2"
assert_log_contains "$version add_weather up=0"

if [ "$GENERATOR" = "Unix Makefiles" ]; then
    step "NAME as a make variable"
    run cmake --build "$BUILD" --target gen_migration NAME=add_cities
    ls "$SRC/priv/repo/migrations" | grep -q '_add_cities\.sql$' || fail "no add_cities migration created"
fi

step "two in the same second get increasing versions"
NAME=one run cmake --build "$BUILD" --target gen_migration
NAME=two run cmake --build "$BUILD" --target gen_migration
v1=$(ls "$SRC/priv/repo/migrations" | grep '_one\.sql$'); v1=${v1%%_*}
v2=$(ls "$SRC/priv/repo/migrations" | grep '_two\.sql$'); v2=${v2%%_*}
[ "$v2" -gt "$v1" ] || fail "versions not increasing: $v1 then $v2"

step "missing NAME"
NAME= run_failing cmake --build "$BUILD" --target gen_migration
assert_log_contains "gen_migration: NAME is not set"

step "invalid NAME"
NAME=AddWeather run_failing cmake --build "$BUILD" --target gen_migration
assert_log_contains 'invalid name "AddWeather"'

step "taken NAME"
NAME=add_weather run_failing cmake --build "$BUILD" --target gen_migration
assert_log_contains "a migration named \"add_weather\" exists already"

step "REPO chooses the repo; its directory is created"
REPO=audit NAME=log_logins run cmake --build "$BUILD" --target gen_migration
assert_log_contains "* creating $SRC/priv/audit/migrations"
ls "$SRC/priv/audit/migrations" | grep -q '_log_logins\.sql$' || fail "not created in priv/audit/migrations"

step "unknown REPO"
REPO=nope NAME=x run_failing cmake --build "$BUILD" --target gen_migration
assert_log_contains "REPO=nope is not a repo of this project (known: repo, audit)"
echo "PASS"
