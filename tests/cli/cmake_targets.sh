#!/usr/bin/env bash
# cli.cmake_targets: the migrate / migrations / rollback targets that
# migrator_add_migrations gives a project (DESIGN.md §6), in a scratch project
# that uses migrator through add_subdirectory(). They act on the default dev
# database sqlite:<build>/repo_dev.db, on the DATABASE_URL given to
# migrator_add_migrations, and on $DATABASE_URL when it is set.
. "$(dirname "$0")/../cmake/lib.sh"

command -v sqlite3 >/dev/null || fail "the sqlite3 shell is needed (Debian: apt-get install sqlite3)"

SRC="$WORK/app"
BUILD="$WORK/build"
mkdir -p "$SRC"
cat >"$SRC/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.21)
project(app C)
add_subdirectory("$MIGRATOR_SOURCE_DIR" migrator)
add_executable(app main.c)
if(DEFINED APP_DATABASE_URL)
  migrator_add_migrations(app DATABASE_URL "\${APP_DATABASE_URL}")
else()
  migrator_add_migrations(app)
endif()
CMAKE
write_app_main "$SRC"
MIGS="$SRC/priv/repo/migrations"
write_migration "$MIGS" 20240101000000_create_a.sql "CREATE TABLE a (x INTEGER);" "DROP TABLE a;"
write_migration "$MIGS" 20240102000000_create_b.sql "CREATE TABLE b (x INTEGER);" "DROP TABLE b;"
write_migration "$MIGS" 20240103000000_create_c.sql "CREATE TABLE c (x INTEGER);" "DROP TABLE c;"

# versions DB: the applied versions, comma-separated ("" without a table).
versions() {
    [ -f "$1" ] || { echo "(no file)"; return; }
    sqlite3 "$1" "SELECT group_concat(version, ',') FROM (SELECT version FROM schema_migrations ORDER BY version)" 2>/dev/null || echo "(no table)"
}

ALL=20240101000000,20240102000000,20240103000000
DEV="$BUILD/repo_dev.db"

step "configure and build (Ninja, add_subdirectory)"
unset DATABASE_URL
configure "$SRC" "$BUILD" Ninja
run cmake --build "$BUILD"
[ -x "$BUILD/repo_migrator" ] || fail "repo_migrator was not built in the top build directory"

step "migrate target: the dev database"
run cmake --build "$BUILD" --target migrate
assert_log_contains "== Running 20240101000000 create_a up"
assert_log_contains "== Running 20240103000000 create_c up"
assert_equals "$ALL" "$(versions "$DEV")" "versions in repo_dev.db after migrate"

step "migrations target: the status"
run cmake --build "$BUILD" --target migrations
assert_log_contains "Repo: repo"
assert_log_contains "  Status    Migration ID    Migration Name"
assert_log_contains "  up        20240101000000  create_a"
assert_log_contains "  up        20240103000000  create_c"
assert_log_lacks "  down      "

step "rollback target: one step"
run cmake --build "$BUILD" --target rollback
assert_log_contains "== Running 20240103000000 create_c down"
assert_equals "20240101000000,20240102000000" "$(versions "$DEV")" "versions in repo_dev.db after rollback"
run cmake --build "$BUILD" --target migrations
assert_log_contains "  down      20240103000000  create_c"

step "migrate target again: only what is pending"
run cmake --build "$BUILD" --target migrate
assert_log_contains "== Running 20240103000000 create_c up"
assert_log_lacks "== Running 20240101000000"
run cmake --build "$BUILD" --target migrate
assert_log_contains "Migrations already up"

step "\$DATABASE_URL overrides the dev database"
ENV_DB="$WORK/env.db"
DATABASE_URL="sqlite:$ENV_DB" run cmake --build "$BUILD" --target migrate
assert_log_contains "== Running 20240101000000 create_a up"
assert_equals "$ALL" "$(versions "$ENV_DB")" "versions in env.db after migrate"
DATABASE_URL="sqlite:$ENV_DB" run cmake --build "$BUILD" --target rollback
assert_equals "20240101000000,20240102000000" "$(versions "$ENV_DB")" "versions in env.db after rollback"
DATABASE_URL="sqlite:$ENV_DB" run cmake --build "$BUILD" --target migrations
assert_log_contains "  down      20240103000000  create_c"
assert_equals "$ALL" "$(versions "$DEV")" "repo_dev.db must not change while DATABASE_URL is set"

step "a failing migration fails the migrate target"
write_migration "$MIGS" 20240104000000_broken.sql "INSERT INTO nowhere VALUES (1);" ""
run cmake --build "$BUILD"
run_failing cmake --build "$BUILD" --target migrate
assert_log_contains "priv/repo/migrations/20240104000000_broken.sql:2: no such table: nowhere"
assert_equals "$ALL" "$(versions "$DEV")" "repo_dev.db after the failed migrate"
rm "$MIGS/20240104000000_broken.sql"

step "DATABASE_URL given to migrator_add_migrations"
CUSTOM_DB="$WORK/custom.db"
configure "$SRC" "$WORK/build-custom" Ninja "-DAPP_DATABASE_URL=sqlite:$CUSTOM_DB"
run cmake --build "$WORK/build-custom" --target migrate
assert_equals "$ALL" "$(versions "$CUSTOM_DB")" "versions in custom.db after migrate"
[ ! -e "$WORK/build-custom/repo_dev.db" ] || fail "repo_dev.db created although DATABASE_URL was given"
run cmake --build "$WORK/build-custom" --target migrations
assert_log_contains "  up        20240102000000  create_b"
DATABASE_URL="sqlite:$ENV_DB" run cmake --build "$WORK/build-custom" --target migrate
assert_equals "$ALL" "$(versions "$ENV_DB")" "env.db: \$DATABASE_URL overrides DATABASE_URL of CMake"

echo "PASS"
