#!/usr/bin/env bash
# migrator installed with `cmake --install` and used through
# find_package(Migrator CONFIG), with the source and build trees removed so
# that everything must come from the installed package; also pkg-config.
. "$(dirname "$0")/lib.sh"
COPY="$WORK/migrator-src"
MBUILD="$WORK/migrator-build"
PREFIX="$WORK/prefix"

step "build and install migrator from a copy of its source"
mkdir -p "$COPY"
cp -r "$MIGRATOR_SOURCE_DIR"/{CMakeLists.txt,cmake,generator,runtime,include,templates} "$COPY/"
configure "$COPY" "$MBUILD" Ninja -DMIGRATOR_BUILD_TESTS=OFF -DMIGRATOR_BUILD_EXAMPLES=OFF \
    -DCMAKE_INSTALL_PREFIX="$PREFIX"
run cmake --build "$MBUILD"
run cmake --install "$MBUILD"
rm -rf "$COPY" "$MBUILD"
for f in bin/migrator-gen include/migrator.h share/migrator/templates/table.c.m4 \
    share/migrator/templates/table.h.m4 share/migrator/templates/migration.sql.m4; do
    [ -f "$PREFIX/$f" ] || fail "not installed: $f"
done
config=$(find "$PREFIX" -name MigratorConfig.cmake) || true
[ -n "$config" ] || fail "MigratorConfig.cmake not installed"
[ -f "$(dirname "$config")/MigratorConfigVersion.cmake" ] || fail "no version file"
[ -f "$(dirname "$config")/MigratorTargets.cmake" ] || fail "no exported targets"

step "the installed migrator-gen finds its installed templates by itself"
(unset MIGRATOR_TEMPLATE_DIR; cd "$WORK" && run "$PREFIX/bin/migrator-gen" new first --dir "$WORK/m")
ls "$WORK/m" | grep -q '_first\.sql$' || fail "migrator-gen new did not create the file"

step "find_package(Migrator CONFIG) in a user project"
SRC="$WORK/app"
mkdir -p "$SRC"
cat >"$SRC/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.21)
project(app C)
find_package(Migrator 0.1 CONFIG REQUIRED)
if(NOT TARGET Migrator::migrator-gen OR NOT TARGET Migrator::migrator)
  message(FATAL_ERROR "exported targets missing")
endif()
add_executable(app main.c)
migrator_add_migrations(app)
CMAKE
write_app_main "$SRC"
write_migration "$SRC/priv/repo/migrations" 20240101000000_create_a.sql "CREATE TABLE a (x INTEGER);" "DROP TABLE a;"
configure "$SRC" "$WORK/app-build" Ninja -DCMAKE_PREFIX_PATH="$PREFIX"
run cmake --build "$WORK/app-build"
run "$WORK/app-build/app"
assert_log_contains "count 1"
assert_log_contains "20240101000000 create_a up=1 down=1 first=CREATE TABLE a (x INTEGER)"
NAME=second run cmake --build "$WORK/app-build" --target gen_migration
ls "$SRC/priv/repo/migrations" | grep -q '_second\.sql$' || fail "gen_migration with the installed package"
run cmake --build "$WORK/app-build"
run "$WORK/app-build/app"
assert_log_contains "count 2"

step "a version that is too new is refused"
cat >"$SRC/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.21)
project(app C)
find_package(Migrator 9.0 CONFIG REQUIRED)
CMAKE
run_failing cmake -S "$SRC" -B "$WORK/app-build2" -DCMAKE_PREFIX_PATH="$PREFIX"
assert_log_contains "Migrator"

step "pkg-config"
if command -v pkg-config >/dev/null; then
    pc_dir=$(dirname "$(find "$PREFIX" -name migrator.pc)")
    cflags=$(PKG_CONFIG_PATH="$pc_dir" pkg-config --cflags migrator | xargs)
    case " $cflags " in
    *" -I$PREFIX/include "*) ;;
    *) fail "pkg-config --cflags: expected -I$PREFIX/include in [$cflags]" ;;
    esac
    generator=$(PKG_CONFIG_PATH="$pc_dir" pkg-config --variable=generator migrator)
    assert_equals "$PREFIX/bin/migrator-gen" "$generator" "pkg-config generator variable"
else
    fail "pkg-config is not installed"
fi
echo "PASS"
