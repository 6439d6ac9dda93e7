# unit_parsers.cmake: the Check tests of the pure parsers (ag_form, ag_phone, sess_text), one
# executable per module. include()d from tests/CMakeLists.txt after
# pkg_check_modules(CHECK REQUIRED IMPORTED_TARGET check). Sources are linked directly, not
# through the module libraries, so these tests build even while the rest of the tree does not.

# The repository root, from this file's own location, so the file also works when included from
# a scratch project (where CMAKE_SOURCE_DIR is elsewhere).
get_filename_component(AULGATE_PARSERS_ROOT "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)

function(aulgate_parser_check name)
  add_executable(check_${name} ${AULGATE_PARSERS_ROOT}/tests/check_${name}.c ${ARGN}
                               ${AULGATE_PARSERS_ROOT}/lib/ag_err.c)
  target_include_directories(check_${name} PRIVATE ${AULGATE_PARSERS_ROOT})
  target_link_libraries(check_${name} PRIVATE PkgConfig::CHECK)
  add_test(NAME check_${name} COMMAND check_${name})
  set_tests_properties(check_${name} PROPERTIES LABELS unit)
endfunction()

aulgate_parser_check(form ${AULGATE_PARSERS_ROOT}/lib/ag_form.c)
aulgate_parser_check(phone ${AULGATE_PARSERS_ROOT}/lib/ag_phone.c)
aulgate_parser_check(text ${AULGATE_PARSERS_ROOT}/lib/ag_text.c)
