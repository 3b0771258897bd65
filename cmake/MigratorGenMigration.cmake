# The gen_migration target: `cmake -P` script that reads NAME (and REPO) from
# the environment and runs `migrator-gen new`. Arguments (-D): MIGRATOR_GEN,
# MIGRATOR_M4, MIGRATOR_CONFIG_DIR (written by migrator_add_migrations).
cmake_minimum_required(VERSION 3.21)
include("${MIGRATOR_CONFIG_DIR}/repos.cmake")

set(name "$ENV{NAME}")
if(name STREQUAL "")
  message(FATAL_ERROR
    "gen_migration: NAME is not set. Give the migration's name:\n"
    "  cmake --build . --target gen_migration NAME=add_weather_table   (Makefiles)\n"
    "  NAME=add_weather_table cmake --build . --target gen_migration   (any generator)")
endif()

list(GET MIGRATOR_REPOS 0 repo)
if(NOT "$ENV{REPO}" STREQUAL "")
  set(repo "$ENV{REPO}")
  if(NOT repo IN_LIST MIGRATOR_REPOS)
    string(REPLACE ";" ", " known "${MIGRATOR_REPOS}")
    message(FATAL_ERROR "gen_migration: REPO=${repo} is not a repo of this project (known: ${known})")
  endif()
endif()
include("${MIGRATOR_CONFIG_DIR}/repo_${repo}.cmake")

execute_process(
  COMMAND "${MIGRATOR_GEN}" new "${name}" --dir "${MIGRATOR_DIR}"
          --template "${MIGRATOR_TEMPLATE}" --m4 "${MIGRATOR_M4}"
  RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "gen_migration: no migration was created (migrator-gen exited with ${status})")
endif()
