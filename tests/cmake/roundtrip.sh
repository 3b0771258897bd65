#!/usr/bin/env bash
# migrator_add_roundtrip_test in a user's project (migrator added with
# add_subdirectory): the tests it registers exist with the label roundtrip;
# good migrations pass, whole and stepwise; a down that forgets an index
# fails with the diff line of that index and the migration's file; the
# scratch databases are gone afterwards (SQLite files in the build tree's
# migrator_roundtrip directory, migrator_roundtrip_* databases on the
# PostgreSQL server); bad arguments fail at configure time.
#
# PostgreSQL: the test is registered with migrator_add_pg_test (fixture pg),
# which gives it MIGRATOR_PG_ENV_FILE (PGHOST, PGPORT, PGUSER). Without that
# file the SQLite part runs and the test then exits 77 (skipped), unless
# MIGRATOR_REQUIRE_POSTGRES=1: then it fails.
. "$(dirname "$0")/lib.sh"
SRC="$WORK/app"
BUILD="$WORK/build"

# ---- PostgreSQL available? -------------------------------------------------
HAVE_PG=0
PG_MISSING=""
if [ -z "${MIGRATOR_PG_ENV_FILE:-}" ]; then
    PG_MISSING="MIGRATOR_PG_ENV_FILE is not set (run through ctest, whose fixture pg starts the server)"
elif [ ! -r "$MIGRATOR_PG_ENV_FILE" ]; then
    PG_MISSING="no PostgreSQL server: $MIGRATOR_PG_ENV_FILE does not exist"
else
    HAVE_PG=1
fi
if [ "$HAVE_PG" = 0 ] && [ "${MIGRATOR_REQUIRE_POSTGRES:-}" = 1 ]; then
    fail "$PG_MISSING, and MIGRATOR_REQUIRE_POSTGRES=1 forbids skipping the PostgreSQL part"
fi

PG_ROLE=""
psql_admin() { # SQL...: as the fixture's (superuser) PGUSER, on the database postgres
    PGUSER="$PG_ADMIN" "$PSQL" -X -At -v ON_ERROR_STOP=1 -d postgres -c "$1"
}
cleanup() {
    if [ -n "$PG_ROLE" ]; then
        # Whatever a failed run left, so that no other test sees it.
        local db
        for db in $(psql_admin "select datname from pg_database where datdba = (select oid from pg_roles where rolname = '$PG_ROLE')" 2>/dev/null); do
            psql_admin "DROP DATABASE IF EXISTS \"$db\"" >/dev/null 2>&1 || true
        done
        psql_admin "DROP ROLE IF EXISTS $PG_ROLE" >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

if [ "$HAVE_PG" = 1 ]; then
    unset PGDATABASE PGSERVICE PGOPTIONS PGPASSWORD PGHOSTADDR
    for key in PGHOST PGPORT PGUSER; do
        value=$(sed -n "s/^$key=//p" "$MIGRATOR_PG_ENV_FILE" | head -n 1)
        [ -n "$value" ] || fail "$MIGRATOR_PG_ENV_FILE lacks $key"
        export "$key=$value"
    done
    PSQL=$(command -v psql || true)
    if [ -z "$PSQL" ]; then
        PSQL=$(for f in /usr/lib/postgresql/*/bin/psql; do [ -x "$f" ] && echo "$f"; done | sort -V | tail -n 1)
    fi
    if [ -z "$PSQL" ]; then
        fail "psql not found (Debian: apt-get install postgresql-client)"
    fi
    PG_ADMIN=$PGUSER
    # The scratch databases are made by a role of this test's own, so that
    # counting what is left is not disturbed by other tests running on the
    # same server at the same time.
    PG_ROLE="migrator_rt_cmake_$$"
    run psql_admin "CREATE ROLE $PG_ROLE LOGIN CREATEDB"
fi

# ---- the user's project ----------------------------------------------------
GOOD="$SRC/priv/good/migrations"
BAD="$SRC/priv/bad/migrations"
mkdir -p "$SRC"
echo 'int main(void) { return 0; }' >"$SRC/main.c"
write_migration "$GOOD" 20240101000000_create_items.sql \
    "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);" "DROP TABLE items;"
write_migration "$GOOD" 20240102000000_index_items_name.sql \
    "CREATE INDEX items_name ON items (name);" "DROP INDEX items_name;"
write_migration "$BAD" 20240101000000_create_items.sql \
    "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);" "DROP TABLE items;"
# The down drops the table but forgets the index. Rolling back everything
# still restores the schema (DROP TABLE items takes the index along), so
# only the stepwise round trip catches it.
write_migration "$BAD" 20240102000000_add_tags.sql \
    "CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT NOT NULL);
CREATE INDEX items_name ON items (name);" "DROP TABLE tags;"

write_project() { # EXTRA_CMAKE
    cat >"$SRC/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.21)
project(app C)
enable_testing()
add_subdirectory("$MIGRATOR_SOURCE_DIR" migrator)
add_executable(app main.c)
migrator_add_migrations(app REPO good)
migrator_add_migrations(app REPO bad)
$1
CMAKE
}

TESTS="migrator_add_roundtrip_test(good)
migrator_add_roundtrip_test(good STEPWISE NAME good_steps)
migrator_add_roundtrip_test(bad STEPWISE)"
EXPECTED_NAMES="bad_roundtrip_stepwise good_roundtrip good_steps"
if [ "$HAVE_PG" = 1 ]; then
    TESTS="$TESTS
migrator_add_roundtrip_test(good DATABASE_URL \"postgresql:///postgres\" NAME good_pg)
migrator_add_roundtrip_test(bad STEPWISE DATABASE_URL \"postgresql:///postgres\" NAME bad_pg)"
    EXPECTED_NAMES="bad_pg bad_roundtrip_stepwise good_pg good_roundtrip good_steps"
fi
write_project "$TESTS"

step "configure and build"
configure "$SRC" "$BUILD" Ninja
run cmake --build "$BUILD"

# The names of the tests ctest lists (ctest -N ARGS...), sorted, on one line.
test_names() {
    run ctest --test-dir "$BUILD" -N "$@"
    sed -n 's/^ *Test *#[0-9]*: *//p' "$LOG" | sort | tr '\n' ' ' | sed 's/ $//'
}

step "the tests are registered, with the label roundtrip"
assert_equals "$EXPECTED_NAMES" "$(test_names)" "ctest -N"
assert_equals "$EXPECTED_NAMES" "$(test_names -L '^roundtrip$')" "ctest -L roundtrip -N"
assert_equals "" "$(test_names -LE '^roundtrip$')" "ctest -LE roundtrip -N"

RTDIR="$BUILD/migrator_roundtrip"
[ -d "$RTDIR" ] || fail "no directory $RTDIR for the scratch SQLite databases"

step "good migrations pass, whole (good_roundtrip) and stepwise (good_steps)"
run ctest --test-dir "$BUILD" -V --no-tests=error -R '^good_roundtrip$'
assert_log_contains "Round trip of 2 migrations on sqlite:$RTDIR/.migrator_roundtrip_"
assert_log_contains "== up all, down all, up all: schema restored"
assert_log_contains "Round trip passed: 2 migrations checked"
assert_log_lacks "whole and stepwise"
assert_log_contains "100% tests passed, 0 tests failed out of 1"
run ctest --test-dir "$BUILD" -V --no-tests=error -R '^good_steps$'
assert_log_contains "Round trip of 2 migrations on sqlite:$RTDIR/.migrator_roundtrip_"
assert_log_contains ", whole and stepwise"
assert_log_contains "== 20240101000000 create_items: up, down, up: schema restored"
assert_log_contains "== 20240102000000 index_items_name: up, down, up: schema restored"
assert_log_contains "Round trip passed: 2 migrations checked"
assert_log_contains "100% tests passed, 0 tests failed out of 1"

step "a down that forgets an index fails bad_roundtrip_stepwise with the diff"
run_failing ctest --test-dir "$BUILD" --output-on-failure --no-tests=error -R '^bad_roundtrip_stepwise$'
assert_log_contains "0% tests passed, 1 tests failed out of 1"
assert_log_contains "Round trip of 2 migrations on sqlite:$RTDIR/.migrator_roundtrip_"
assert_log_contains "error: round trip: 20240102000000 add_tags (priv/bad/migrations/20240102000000_add_tags.sql): down does not restore the schema before up (1 line differs):"
assert_log_contains "--- before up"
assert_log_contains "+++ after up, down"
grep -qx -- "+index items_name on items (name)" "$LOG" || fail "expected the diff line: +index items_name on items (name)"
assert_log_contains "bad_migrator: error: round trip failed at 20240102000000 add_tags (priv/bad/migrations/20240102000000_add_tags.sql)"

step "no scratch SQLite file is left in $RTDIR"
leftover=$(ls -A "$RTDIR")
assert_equals "" "$leftover" "files left in $RTDIR"

if [ "$HAVE_PG" = 1 ]; then
    count_scratch() {
        psql_admin "select count(*) from pg_database where datname like 'migrator_roundtrip_%' and datdba = (select oid from pg_roles where rolname = '$PG_ROLE')"
    }
    step "PostgreSQL: good_pg passes, bad_pg fails with the diff (as $PG_ROLE on $PGHOST)"
    export PGUSER="$PG_ROLE"
    run ctest --test-dir "$BUILD" -V --no-tests=error -R '^good_pg$'
    assert_log_contains "Round trip of 2 migrations on postgresql:///postgres?dbname=migrator_roundtrip_"
    assert_log_contains "Round trip passed: 2 migrations checked"
    assert_log_contains "100% tests passed, 0 tests failed out of 1"
    run_failing ctest --test-dir "$BUILD" --output-on-failure --no-tests=error -R '^bad_pg$'
    assert_log_contains "0% tests passed, 1 tests failed out of 1"
    assert_log_contains "Round trip of 2 migrations on postgresql:///postgres?dbname=migrator_roundtrip_"
    assert_log_contains "error: round trip: 20240102000000 add_tags (priv/bad/migrations/20240102000000_add_tags.sql): down does not restore the schema before up (1 line differs):"
    grep -qx -- "+index public.items_name on public.items: CREATE INDEX items_name ON public.items USING btree (name)" "$LOG" ||
        fail "expected the diff line: +index public.items_name on public.items: CREATE INDEX items_name ON public.items USING btree (name)"
    PGUSER=$PG_ADMIN

    step "no migrator_roundtrip_% database is left on the server"
    run count_scratch
    assert_equals 0 "$(count_scratch)" "migrator_roundtrip_% databases left by $PG_ROLE"
fi

step "argument errors fail at configure time"
try() { # CALL EXPECTED_MESSAGE
    write_project "$1"
    rm -rf "$WORK/bad-build"
    run_failing cmake -S "$SRC" -B "$WORK/bad-build" -G Ninja -DCMAKE_C_COMPILER="${CC:-cc}"
    # CMake wraps the message: compare with whitespace runs made one space.
    tr -s ' \n' '  ' <"$LOG" | grep -qF -- "$2" || fail "expected the configure output to contain: $2"
    assert_log_contains "CMake Error at $MIGRATOR_SOURCE_DIR/cmake/Migrator.cmake"
    assert_log_contains "Configuring incomplete, errors occurred!"
}
try "migrator_add_roundtrip_test(nosuchrepo)" \
    'migrator_add_roundtrip_test: no repo "nosuchrepo": call migrator_add_migrations(<target> REPO nosuchrepo) first'
try "migrator_add_roundtrip_test(good STEPWISE DATABASE sqlite:x.db)" \
    "migrator_add_roundtrip_test: unknown arguments: DATABASE;sqlite:x.db"
try "migrator_add_roundtrip_test(good NAME)" \
    "migrator_add_roundtrip_test: missing values for: NAME"

if [ "$HAVE_PG" = 0 ]; then
    echo "SKIP: the SQLite part passed; PostgreSQL part skipped: $PG_MISSING"
    exit 77
fi
echo "PASS"
