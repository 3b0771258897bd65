# Runs one libFuzzer target for a while, as a ctest test (tests/fuzz/CMakeLists.txt):
#
#   cmake -DFUZZER=exe -DCORPUS=dir -DREGRESSIONS=dir -DDICT=file -DWORK=dir
#         -DSECONDS=n -P run_fuzzer.cmake
#
# The seed corpus is copied to WORK/corpus, where libFuzzer adds what it
# finds (the source tree is never written); REGRESSIONS, when it has files,
# is read as a second corpus so that every saved crash input runs first.
# Crash, leak and timeout inputs land in WORK/artifacts/. Fails when the
# fuzzer does.
foreach(variable FUZZER CORPUS REGRESSIONS DICT WORK SECONDS)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "run_fuzzer.cmake: -D${variable}=... is missing")
  endif()
endforeach()

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/corpus" "${WORK}/artifacts")
file(GLOB seeds "${CORPUS}/*")
if(seeds)
  file(COPY ${seeds} DESTINATION "${WORK}/corpus")
endif()

set(corpora "${WORK}/corpus")
file(GLOB regressions "${REGRESSIONS}/*")
if(regressions)
  list(APPEND corpora "${REGRESSIONS}")
endif()
set(dict_option)
if(EXISTS "${DICT}")
  set(dict_option "-dict=${DICT}")
endif()

list(LENGTH seeds seed_count)
list(LENGTH regressions regression_count)
get_filename_component(name "${FUZZER}" NAME)
message(STATUS "${name}: ${SECONDS} s on ${seed_count} seeds and ${regression_count} regression inputs")
execute_process(
  COMMAND "${FUZZER}"
    -max_total_time=${SECONDS}
    -timeout=25
    -rss_limit_mb=2048
    -print_final_stats=1
    "-artifact_prefix=${WORK}/artifacts/"
    ${dict_option}
    ${corpora}
  WORKING_DIRECTORY "${WORK}"
  RESULT_VARIABLE result
  OUTPUT_VARIABLE output
  ERROR_VARIABLE output)
file(WRITE "${WORK}/fuzz.log" "${output}")

# The end of libFuzzer's log: its final stats, or the crash report.
string(LENGTH "${output}" length)
if(result EQUAL 0)
  string(FIND "${output}" "\nDone " from REVERSE)
  if(from LESS 0)
    math(EXPR from "${length} - 2000")
  endif()
else()
  math(EXPR from "${length} - 16000")
endif()
if(from LESS 0)
  set(from 0)
endif()
string(SUBSTRING "${output}" ${from} -1 tail)
message("${tail}")

file(GLOB found "${WORK}/corpus/*")
list(LENGTH found corpus_count)
message(STATUS "${name}: corpus ${seed_count} -> ${corpus_count} inputs; log ${WORK}/fuzz.log")
if(NOT result EQUAL 0)
  file(GLOB artifacts "${WORK}/artifacts/*")
  string(REPLACE ";" "\n  " artifacts "${artifacts}")
  message(FATAL_ERROR "${name} failed (${result}). Inputs that fail:\n  ${artifacts}\n"
                      "Reproduce with: ${FUZZER} <input>")
endif()
