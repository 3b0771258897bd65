# Installation and packaging: exported targets Migrator::migrator-gen and
# Migrator::migrator, MigratorConfig.cmake (+ version file) which loads
# Migrator.cmake with the installed templates, and migrator.pc.
include_guard(GLOBAL)

set(MIGRATOR_INSTALL_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/Migrator"
    CACHE STRING "Where MigratorConfig.cmake is installed, relative to the prefix")
set(MIGRATOR_INSTALL_TEMPLATE_DIR "${CMAKE_INSTALL_DATADIR}/migrator/templates")

if(TARGET migrator-gen)
  install(TARGETS migrator-gen EXPORT MigratorTargets RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
endif()
install(TARGETS migrator EXPORT MigratorTargets
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
install(FILES "${PROJECT_SOURCE_DIR}/include/migrator.h" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(FILES
  "${PROJECT_SOURCE_DIR}/templates/migration.sql.m4"
  "${PROJECT_SOURCE_DIR}/templates/table.c.m4"
  "${PROJECT_SOURCE_DIR}/templates/table.h.m4"
  DESTINATION "${MIGRATOR_INSTALL_TEMPLATE_DIR}")
install(EXPORT MigratorTargets NAMESPACE Migrator:: DESTINATION "${MIGRATOR_INSTALL_CMAKE_DIR}")

configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/MigratorConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/MigratorConfig.cmake"
  INSTALL_DESTINATION "${MIGRATOR_INSTALL_CMAKE_DIR}"
  PATH_VARS MIGRATOR_INSTALL_TEMPLATE_DIR)
# 0.x: a minor version may change the API, so only the same minor matches.
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/MigratorConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES
  "${PROJECT_BINARY_DIR}/MigratorConfig.cmake"
  "${PROJECT_BINARY_DIR}/MigratorConfigVersion.cmake"
  "${PROJECT_SOURCE_DIR}/cmake/Migrator.cmake"
  "${PROJECT_SOURCE_DIR}/cmake/MigratorGenMigration.cmake"
  DESTINATION "${MIGRATOR_INSTALL_CMAKE_DIR}")

set(MIGRATOR_PC_LIBPQ "")
if(MIGRATOR_WITH_POSTGRES)
  set(MIGRATOR_PC_LIBPQ " libpq")
endif()
configure_file("${PROJECT_SOURCE_DIR}/cmake/migrator.pc.in" "${PROJECT_BINARY_DIR}/migrator.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/migrator.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
