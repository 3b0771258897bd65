#[=======================================================================[.rst:
Migrator
--------

Compile a repo's SQL migrations into your own binaries.

Included by ``find_package(Migrator CONFIG)``, or by migrator's own
``CMakeLists.txt`` when it is added with ``add_subdirectory()`` or
``FetchContent``. Full guide: ``docs/cmake.md``.

.. command:: migrator_add_migrations

  ::

    migrator_add_migrations(<target>
      [REPO <repo>]                 # default: repo
      [DIR <dir>...]                # default: priv/<repo>/migrations
      [DIALECT sqlite|postgres|any] # default: any
      [TEMPLATE_DIR <dir>]          # default: migrator's templates/
      [DATABASE_URL <url>])         # default: sqlite:<build>/<repo>_dev.db

  Runs ``migrator-gen table`` at build time on every migration file under
  each ``DIR`` (relative paths are relative to the current source directory)
  and adds the generated ``<repo>_migrations.c`` and ``.h`` to ``<target>``,
  which can then ``#include "<repo>_migrations.h"`` and use the
  ``const migrator_table <repo>_migrations``. Links ``Migrator::migrator``.

  The table is regenerated when a migration is edited, added (even with an
  old modification time) or removed, and when a template or the generator
  changes; the generated files are rewritten only when their content
  changes, so a no-op build runs nothing.

  It also builds ``<repo>_migrator``, a program with the ``migrate``,
  ``rollback`` and ``migrations`` commands of ``migrator_main()`` whose
  default database is ``DATABASE_URL`` (the environment's ``DATABASE_URL``
  overrides it), and adds the targets ``migrate``, ``rollback`` and
  ``migrations`` (and ``migrate_<repo>``, ...) that run it on that database.

  The first call also creates the ``gen_migration`` target, which creates a
  migration file from ``TEMPLATE_DIR/migration.sql.m4``; ``NAME`` comes
  from the environment, ``REPO`` chooses among several repos (default: the
  first one registered)::

    cmake --build . --target gen_migration NAME=add_weather   # Makefiles
    NAME=add_weather cmake --build . --target gen_migration   # any generator

  Check with ctest that the repo's migrations undo what they do:
  ``migrator_add_roundtrip_test`` below.

.. command:: migrator_add_roundtrip_test

  ::

    migrator_add_roundtrip_test(<repo>
      [DATABASE_URL <url>]   # default: a scratch SQLite file in the build tree
      [STEPWISE]             # also up, down, up each migration alone
      [NAME <test>])         # default: <repo>_roundtrip (<repo>_roundtrip_stepwise)

  Registers a ctest test (``add_test``; call ``enable_testing()`` first)
  that runs ``<repo>_migrator roundtrip --scratch --url <url>`` (built by
  ``migrator_add_migrations(... REPO <repo>)``, which must come first): on a
  new empty database next to ``<url>``, created and removed by the test
  (a temporary SQLite file in the URL's directory; for a PostgreSQL URL, a
  new database on that server, made with ``CREATE DATABASE`` through the
  URL's database), it migrates up, down and up, and fails with a diff of
  the schema when a down does not undo its up. The test has the label
  ``roundtrip``. Guide: ``docs/roundtrip.md``.

#]=======================================================================]
include_guard(GLOBAL)

if(NOT DEFINED MIGRATOR_TEMPLATE_DIR)
  set(MIGRATOR_TEMPLATE_DIR "${CMAKE_CURRENT_LIST_DIR}/../templates")
endif()
get_filename_component(_migrator_template_dir "${MIGRATOR_TEMPLATE_DIR}" ABSOLUTE)
set_property(GLOBAL PROPERTY MIGRATOR_TEMPLATE_DIR "${_migrator_template_dir}")
set_property(GLOBAL PROPERTY MIGRATOR_CMAKE_DIR "${CMAKE_CURRENT_LIST_DIR}")

find_program(MIGRATOR_M4_EXECUTABLE NAMES m4 gm4 DOC "GNU m4, which migrator-gen runs on its templates")
if(NOT MIGRATOR_M4_EXECUTABLE)
  message(FATAL_ERROR "migrator: GNU m4 was not found; install it (Debian: apt-get install m4) or set MIGRATOR_M4_EXECUTABLE")
endif()

# Registers repo for the gen_migration target (created on first use).
function(_migrator_register_gen_migration repo dir template_dir)
  set(config_dir "${CMAKE_BINARY_DIR}/migrator/gen_migration")
  get_property(repos GLOBAL PROPERTY MIGRATOR_REPOS)
  if(repo IN_LIST repos)
    return()
  endif()
  list(APPEND repos "${repo}")
  set_property(GLOBAL PROPERTY MIGRATOR_REPOS "${repos}")
  set(content "set(MIGRATOR_REPOS \"${repos}\")\n")
  file(CONFIGURE OUTPUT "${config_dir}/repos.cmake" CONTENT "@content@" @ONLY)
  set(content "set(MIGRATOR_DIR [==[${dir}]==])\nset(MIGRATOR_TEMPLATE [==[${template_dir}/migration.sql.m4]==])\n")
  file(CONFIGURE OUTPUT "${config_dir}/repo_${repo}.cmake" CONTENT "@content@" @ONLY)

  if(NOT TARGET gen_migration)
    get_property(cmake_dir GLOBAL PROPERTY MIGRATOR_CMAKE_DIR)
    add_custom_target(gen_migration
      COMMAND "${CMAKE_COMMAND}"
              "-DMIGRATOR_GEN=$<TARGET_FILE:Migrator::migrator-gen>"
              "-DMIGRATOR_M4=${MIGRATOR_M4_EXECUTABLE}"
              "-DMIGRATOR_CONFIG_DIR=${config_dir}"
              -P "${cmake_dir}/MigratorGenMigration.cmake"
      WORKING_DIRECTORY "${CMAKE_SOURCE_DIR}"
      COMMENT "Creating a migration (NAME from the environment)"
      VERBATIM)
    get_target_property(generator Migrator::migrator-gen ALIASED_TARGET)
    if(generator)
      add_dependencies(gen_migration "${generator}")
    endif()
  endif()
endfunction()

# <repo>_migrator: a program whose main is migrator_main_with() on the table,
# with the dev database as default URL, and the migrate / rollback /
# migrations targets that run it (one per repo: migrate_<repo>, ...).
function(_migrator_add_repo_migrator repo out_dir table_target database_url)
  string(REPLACE "\\" "\\\\" url_literal "${database_url}")
  string(REPLACE "\"" "\\\"" url_literal "${url_literal}")
  set(content "/* Generated by migrator_add_migrations: the ${repo}_migrator program. */
#include \"${repo}_migrations.h\"

int main(int argc, char **argv)
{
    migrator_main_config config = MIGRATOR_MAIN_CONFIG_INIT;
    config.default_url = \"${url_literal}\";
    return migrator_main_with(argc, argv, &${repo}_migrations, &config);
}
")
  set(main "${out_dir}/${repo}_migrator_main.c")
  file(CONFIGURE OUTPUT "${main}" CONTENT "@content@" @ONLY)
  add_executable(${repo}_migrator "${main}")
  target_link_libraries(${repo}_migrator PRIVATE "${table_target}")

  foreach(command migrate rollback migrations)
    add_custom_target(${command}_${repo}
      COMMAND ${repo}_migrator ${command}
      COMMENT "${repo}_migrator ${command} (DATABASE_URL, else ${database_url})"
      VERBATIM USES_TERMINAL)
    if(NOT TARGET ${command})
      add_custom_target(${command})
    endif()
    add_dependencies(${command} ${command}_${repo})
  endforeach()
endfunction()

function(migrator_add_migrations target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "REPO;DIALECT;TEMPLATE_DIR;DATABASE_URL" "DIR")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "migrator_add_migrations: unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(arg_KEYWORDS_MISSING_VALUES)
    message(FATAL_ERROR "migrator_add_migrations: missing values for: ${arg_KEYWORDS_MISSING_VALUES}")
  endif()
  if(NOT TARGET "${target}")
    message(FATAL_ERROR "migrator_add_migrations: \"${target}\" is not a target")
  endif()

  set(repo repo)
  if(DEFINED arg_REPO)
    set(repo "${arg_REPO}")
  endif()
  if(NOT repo MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    message(FATAL_ERROR "migrator_add_migrations: REPO \"${repo}\" must be a C identifier")
  endif()

  set(dirs "${arg_DIR}")
  if(NOT dirs)
    set(dirs "priv/${repo}/migrations")
  endif()
  set(abs_dirs)
  foreach(dir IN LISTS dirs)
    get_filename_component(dir "${dir}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND abs_dirs "${dir}")
  endforeach()

  set(dialect any)
  if(DEFINED arg_DIALECT)
    set(dialect "${arg_DIALECT}")
  endif()
  if(NOT dialect MATCHES "^(sqlite|postgres|any)$")
    message(FATAL_ERROR "migrator_add_migrations: DIALECT must be sqlite, postgres or any, not \"${dialect}\"")
  endif()

  get_property(template_dir GLOBAL PROPERTY MIGRATOR_TEMPLATE_DIR)
  if(DEFINED arg_TEMPLATE_DIR)
    get_filename_component(template_dir "${arg_TEMPLATE_DIR}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  endif()

  set(database_url "sqlite:${CMAKE_BINARY_DIR}/${repo}_dev.db")
  if(DEFINED arg_DATABASE_URL)
    set(database_url "${arg_DATABASE_URL}")
  endif()

  set(out_dir "${CMAKE_CURRENT_BINARY_DIR}/migrator")
  set(source "${out_dir}/${repo}_migrations.c")
  set(header "${out_dir}/${repo}_migrations.h")
  set(stamp "${out_dir}/${repo}_migrations.stamp")
  set(manifest "${out_dir}/${repo}_migrations.manifest")

  # The table is generated and compiled once per repo, as an OBJECT library
  # that every target embedding it links (and <repo>_migrator too).
  set(table_target "migrator_${repo}_table")
  if(NOT TARGET "${table_target}")
    file(MAKE_DIRECTORY "${out_dir}")

    # Every file under the directories, re-globbed at each build: an added or
    # removed file changes the manifest, which reruns the generator even when
    # the new file is older than the table.
    set(files)
    foreach(dir IN LISTS abs_dirs)
      file(GLOB_RECURSE found CONFIGURE_DEPENDS LIST_DIRECTORIES false "${dir}/*")
      list(APPEND files ${found})
    endforeach()
    list(SORT files)
    string(REPLACE ";" "\n" content "${files}")
    set(content "generator options: ${dialect} ${abs_dirs}\n${content}\n")
    file(CONFIGURE OUTPUT "${manifest}" CONTENT "@content@" @ONLY)

    add_custom_command(
      OUTPUT "${stamp}"
      BYPRODUCTS "${source}" "${header}"
      COMMAND Migrator::migrator-gen table
              --repo "${repo}" --output "${source}" --header "${header}"
              --dialect "${dialect}" --base "${CMAKE_CURRENT_SOURCE_DIR}"
              --template-dir "${template_dir}" --m4 "${MIGRATOR_M4_EXECUTABLE}"
              ${abs_dirs}
      COMMAND "${CMAKE_COMMAND}" -E touch "${stamp}"
      DEPENDS Migrator::migrator-gen "${manifest}" ${files}
              "${template_dir}/table.c.m4" "${template_dir}/table.h.m4"
      COMMENT "Generating the migration table ${repo}_migrations"
      VERBATIM)

    add_library("${table_target}" OBJECT "${source}" "${header}" "${stamp}")
    target_include_directories("${table_target}" PUBLIC "${out_dir}")
    target_link_libraries("${table_target}" PUBLIC Migrator::migrator)
    set_target_properties("${table_target}" PROPERTIES POSITION_INDEPENDENT_CODE ON)

    _migrator_add_repo_migrator("${repo}" "${out_dir}" "${table_target}" "${database_url}")
    list(GET abs_dirs 0 first_dir)
    _migrator_register_gen_migration("${repo}" "${first_dir}" "${template_dir}")
  endif()

  target_link_libraries("${target}" PRIVATE "${table_target}")
endfunction()

function(migrator_add_roundtrip_test repo)
  cmake_parse_arguments(PARSE_ARGV 1 arg "STEPWISE" "DATABASE_URL;NAME" "")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "migrator_add_roundtrip_test: unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(arg_KEYWORDS_MISSING_VALUES)
    message(FATAL_ERROR "migrator_add_roundtrip_test: missing values for: ${arg_KEYWORDS_MISSING_VALUES}")
  endif()
  get_property(repos GLOBAL PROPERTY MIGRATOR_REPOS)
  if(NOT repo IN_LIST repos)
    message(FATAL_ERROR "migrator_add_roundtrip_test: no repo \"${repo}\": call migrator_add_migrations(<target> REPO ${repo}) first")
  endif()
  if(NOT CMAKE_TESTING_ENABLED)
    message(WARNING "migrator_add_roundtrip_test(${repo}): testing is not enabled in this directory, so ctest will not see the test: call enable_testing() (or include(CTest)) first")
  endif()

  set(name "${repo}_roundtrip")
  set(stepwise)
  if(arg_STEPWISE)
    set(name "${repo}_roundtrip_stepwise")
    set(stepwise --stepwise)
  endif()
  if(DEFINED arg_NAME)
    set(name "${arg_NAME}")
  endif()

  if(DEFINED arg_DATABASE_URL)
    set(url "${arg_DATABASE_URL}")
  else()
    # The scratch database is a temporary file in this directory.
    set(scratch_dir "${CMAKE_CURRENT_BINARY_DIR}/migrator_roundtrip")
    file(MAKE_DIRECTORY "${scratch_dir}")
    set(url "sqlite:${scratch_dir}/roundtrip.db") # only its directory is used
  endif()

  add_test(NAME "${name}"
    COMMAND ${repo}_migrator roundtrip --scratch --url "${url}" ${stepwise})
  set_property(TEST "${name}" APPEND PROPERTY LABELS roundtrip)
endfunction()
