/* ag_check.h: the one main() of every Check test program. A test file lists its suite
 * constructors and ag_check_run() runs them all in one runner, CK_NORMAL, forking per test as
 * Check does by default.
 *
 *   AG_CHECK_MAIN(form_suite)                 the whole main()
 *   int main(void) { ...; rc = ag_check_run(suites); ...; return rc; }   when a program needs
 *                                             set-up before or clean-up after the run
 */
#ifndef AG_CHECK_H
#define AG_CHECK_H

#include <check.h>

typedef Suite *(*ag_check_suite_fn)(void);

/* Runs every suite of the NULL-terminated list `suites` (borrowed; at least one). Returns
 * EXIT_SUCCESS when no test failed, else EXIT_FAILURE (not the count: 256 failures would wrap
 * to a passing exit status). */
int ag_check_run(const ag_check_suite_fn *suites);

#define AG_CHECK_MAIN(...)                                                                         \
  int main(void)                                                                                   \
  {                                                                                                \
    static const ag_check_suite_fn suites[] = {__VA_ARGS__, NULL};                                 \
    return ag_check_run(suites);                                                                   \
  }

#endif
