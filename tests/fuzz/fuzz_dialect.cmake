# fuzz_dialect.cmake: libFuzzer targets for the carrier dialects (today `at`), plus a
# "fuzz"-labelled test per target that replays its seed corpus. include()d from the fuzz build
# (AULGATE_FUZZ=ON); needs clang. The dialect and the pure parsers it uses are compiled into the
# target directly, with the fuzzer's instrumentation, rather than linked from gw_carriers.
#
# The seed corpus, tests/fuzz/corpus/dialect_at/, holds copies of the golden fixtures
# tests/data/dialects/at/NNN-<case>.http; refresh it after adding fixtures:
#   cp <repo>/tests/data/dialects/at/*.http <repo>/tests/fuzz/corpus/dialect_at/
# Run one for a minute, keeping new inputs out of the committed corpus:
#   mkdir -p /tmp/corpus-at && ./fuzz_dialect_at -max_total_time=60 /tmp/corpus-at \
#     <repo>/tests/fuzz/corpus/dialect_at

if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(WARNING "fuzz_dialect.cmake: libFuzzer needs clang (got ${CMAKE_C_COMPILER_ID}); "
                  "dialect fuzz targets skipped")
  return()
endif()

get_filename_component(AULGATE_FUZZ_DIALECT_ROOT "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)
set(AULGATE_FUZZ_DIALECT_FLAGS -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
                               -fno-omit-frame-pointer)

function(aulgate_dialect_fuzz name)
  set(root ${AULGATE_FUZZ_DIALECT_ROOT})
  add_executable(fuzz_dialect_${name}
    ${root}/tests/fuzz/fuzz_dialect_${name}.c
    ${root}/gateway/carriers/gw_dialect.c
    ${root}/gateway/carriers/dl_${name}.c
    ${root}/lib/ag_form.c
    ${root}/lib/ag_phone.c
    ${root}/lib/ag_err.c)
  target_include_directories(fuzz_dialect_${name} PRIVATE ${root})
  target_compile_options(fuzz_dialect_${name} PRIVATE -g -O1 ${AULGATE_FUZZ_DIALECT_FLAGS})
  target_link_options(fuzz_dialect_${name} PRIVATE ${AULGATE_FUZZ_DIALECT_FLAGS})
  # -runs=0 executes every corpus file once and stops: a regression test, not a fuzzing run.
  add_test(NAME fuzz_dialect_${name}_corpus
           COMMAND fuzz_dialect_${name} -runs=0 ${root}/tests/fuzz/corpus/dialect_${name})
  set_tests_properties(fuzz_dialect_${name}_corpus PROPERTIES LABELS fuzz)
endfunction()

aulgate_dialect_fuzz(at)
