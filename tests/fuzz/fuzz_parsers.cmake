# fuzz_parsers.cmake: libFuzzer targets for the pure parsers (ag_form, ag_phone, sess_text), plus a
# "fuzz"-labelled test per target that replays its seed corpus. include()d from the fuzz build
# (AULGATE_FUZZ=ON); needs clang.
#
# Run one for a minute, keeping new inputs out of the committed corpus:
#   mkdir -p /tmp/corpus-form && ./fuzz_form -max_total_time=60 /tmp/corpus-form \
#     <repo>/tests/fuzz/corpus/form

if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(WARNING "fuzz_parsers.cmake: libFuzzer needs clang (got ${CMAKE_C_COMPILER_ID}); "
                  "parser fuzz targets skipped")
  return()
endif()

get_filename_component(AULGATE_FUZZ_ROOT "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)
set(AULGATE_FUZZ_FLAGS -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
                       -fno-omit-frame-pointer)

function(aulgate_parser_fuzz name)
  add_executable(fuzz_${name} ${AULGATE_FUZZ_ROOT}/tests/fuzz/fuzz_${name}.c ${ARGN})
  target_include_directories(fuzz_${name} PRIVATE ${AULGATE_FUZZ_ROOT})
  target_compile_options(fuzz_${name} PRIVATE -g -O1 ${AULGATE_FUZZ_FLAGS})
  target_link_options(fuzz_${name} PRIVATE ${AULGATE_FUZZ_FLAGS})
  # -runs=0 executes every corpus file once and stops: a regression test, not a fuzzing run.
  add_test(NAME fuzz_${name}_corpus
           COMMAND fuzz_${name} -runs=0 ${AULGATE_FUZZ_ROOT}/tests/fuzz/corpus/${name})
  set_tests_properties(fuzz_${name}_corpus PROPERTIES LABELS fuzz)
endfunction()

aulgate_parser_fuzz(form ${AULGATE_FUZZ_ROOT}/lib/ag_form.c)
aulgate_parser_fuzz(phone ${AULGATE_FUZZ_ROOT}/lib/ag_phone.c)
aulgate_parser_fuzz(text ${AULGATE_FUZZ_ROOT}/lib/ag_text.c)
