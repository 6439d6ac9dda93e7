/* ag_check.c: the shared runner behind AG_CHECK_MAIN, so that every test program reports and
 * exits the same way. */
#include "tests/support/ag_check.h"

#include <stdlib.h>

int ag_check_run(const ag_check_suite_fn *suites)
{
  SRunner *sr = srunner_create(suites[0]());
  int failed;

  for (size_t i = 1; suites[i]; i++)
    srunner_add_suite(sr, suites[i]());
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
