# Warnings for migrator's own targets, probed so that any C compiler works.
# -Werror comes from a preset (CMakePresets.json), not from here.
include_guard(GLOBAL)
include(CheckCCompilerFlag)

set(_migrator_warning_flags)
foreach(flag -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes
             -Wformat=2 -Wvla -Wundef)
  string(MAKE_C_IDENTIFIER "MIGRATOR_HAS${flag}" var)
  check_c_compiler_flag(${flag} ${var})
  if(${var})
    list(APPEND _migrator_warning_flags ${flag})
  endif()
endforeach()

function(migrator_target_warnings target)
  target_compile_options(${target} PRIVATE ${_migrator_warning_flags})
endfunction()
