#[=======================================================================[.rst:
PgFixture
---------

The ctest fixture ``pg``: a throwaway PostgreSQL server, started by the
test ``pg.server_start`` (``FIXTURES_SETUP pg``) and stopped by
``pg.server_stop`` (``FIXTURES_CLEANUP pg``), both in ``tests/pg/`` and run
by ``tests/pg/pg_server.sh``. The server listens on a unix socket only (no
TCP port); its data directory and the file describing it live in
``<build>/tests/pg/server/``.

A PostgreSQL test requires the fixture, has the label ``pg``, and exits 77
(skipped) when the server binaries are missing, unless the environment has
``MIGRATOR_REQUIRE_POSTGRES=1``: then it fails. In C it links
``migrator_pg_test_db`` (``tests/pg/pg_test_db.h``)::

  if (!pg_test_available())
      return pg_test_unavailable_status();
  char *url = pg_test_create_database();   /* a fresh database */
  ...
  pg_test_drop_database(url);
  free(url);

.. command:: migrator_add_pg_test

  ::

    migrator_add_pg_test(<area.case> COMMAND <command> [<arg>...]
                         [LABELS <label>...] [ENVIRONMENT <VAR=value>...]
                         [WORKING_DIRECTORY <dir>] [TIMEOUT <seconds>])

  Registers a ctest test (``add_test``) that requires the fixture ``pg``,
  with the labels ``pg`` and ``<label>...``, ``SKIP_RETURN_CODE 77`` and
  the environment ``${MIGRATOR_TEST_ENVIRONMENT}``, ``<VAR=value>...`` and
  ``MIGRATOR_PG_ENV_FILE`` (the file of ``PGHOST=``, ``PGPORT=`` and
  ``PGUSER=`` lines that ``pg_test_db.c`` reads).

.. command:: migrator_pg_test_properties

  ::

    migrator_pg_test_properties(<test>...)

  Makes tests already registered in the current directory (for example
  with ``migrator_add_cmocka_test``) PostgreSQL tests: adds
  ``FIXTURES_REQUIRED pg``, the label ``pg``, ``SKIP_RETURN_CODE 77`` and
  ``MIGRATOR_PG_ENV_FILE`` to what they have.
#]=======================================================================]
include_guard(GLOBAL)

set_property(GLOBAL PROPERTY MIGRATOR_PG_SERVER_DIR "${PROJECT_BINARY_DIR}/tests/pg/server")

function(migrator_pg_test_properties)
  get_property(server_dir GLOBAL PROPERTY MIGRATOR_PG_SERVER_DIR)
  foreach(test IN LISTS ARGN)
    set_property(TEST ${test} APPEND PROPERTY FIXTURES_REQUIRED pg)
    set_property(TEST ${test} APPEND PROPERTY LABELS pg)
    set_property(TEST ${test} PROPERTY SKIP_RETURN_CODE 77)
    set_property(TEST ${test} APPEND PROPERTY ENVIRONMENT "MIGRATOR_PG_ENV_FILE=${server_dir}/env")
  endforeach()
endfunction()

function(migrator_add_pg_test name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "WORKING_DIRECTORY;TIMEOUT"
                        "COMMAND;LABELS;ENVIRONMENT")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "migrator_add_pg_test: unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT arg_COMMAND)
    message(FATAL_ERROR "migrator_add_pg_test(${name}): COMMAND is required")
  endif()
  set(workdir)
  if(arg_WORKING_DIRECTORY)
    set(workdir WORKING_DIRECTORY "${arg_WORKING_DIRECTORY}")
  endif()
  add_test(NAME ${name} COMMAND ${arg_COMMAND} ${workdir})
  set_property(TEST ${name} PROPERTY ENVIRONMENT ${MIGRATOR_TEST_ENVIRONMENT} ${arg_ENVIRONMENT})
  if(arg_LABELS)
    set_property(TEST ${name} PROPERTY LABELS ${arg_LABELS})
  endif()
  if(arg_TIMEOUT)
    set_property(TEST ${name} PROPERTY TIMEOUT ${arg_TIMEOUT})
  endif()
  migrator_pg_test_properties(${name})
endfunction()
