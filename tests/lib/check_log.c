/* check_log.c: the log line (lib/ag_log): one event is one line whatever its values hold, and
 * ag_log_quote() escapes what would break a key=value line. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/ag.h"
#include "lib/ag_log.h"
#include "tests/support/ag_check.h"

/* Runs one ag_log() call with stderr sent to a temporary file and returns what it wrote. */
static void logged(char *out, size_t len, const char *value)
{
  FILE *f = tmpfile();
  int saved = dup(STDERR_FILENO);
  size_t n;

  ck_assert_ptr_nonnull(f);
  ck_assert_int_ge(saved, 0);
  ck_assert_int_ge(dup2(fileno(f), STDERR_FILENO), 0);
  ag_log(AG_LOG_WARN, "test.event", "hops=%s after=1", value);
  ck_assert_int_ge(dup2(saved, STDERR_FILENO), 0);
  close(saved);
  rewind(f);
  n = fread(out, 1, len - 1, f);
  out[n] = '\0';
  fclose(f);
}

START_TEST(test_log_value_cannot_forge_a_line)
{
  char out[4096];
  const char *nl;

  /* What a carrier's hopsCount=1%0Ats=...%20event=forged decodes to, unquoted. */
  logged(out, sizeof(out), "1\nts=2026-01-01T00:00:00.000Z level=info event=forged\r\x7f");
  nl = strchr(out, '\n');
  ck_assert_ptr_nonnull(nl);
  ck_assert_str_eq(nl + 1, ""); /* exactly one line */
  ck_assert_ptr_nonnull(strstr(out, " level=warn event=test.event hops=1?ts="));
  ck_assert_ptr_nonnull(strstr(out, "event=forged?? after=1\n"));
}
END_TEST

START_TEST(test_log_plain_line)
{
  char out[4096];

  logged(out, sizeof(out), "3");
  ck_assert_int_eq(strncmp(out, "ts=", 3), 0);
  ck_assert_ptr_nonnull(strstr(out, " level=warn event=test.event hops=3 after=1\n"));
}
END_TEST

START_TEST(test_log_quote)
{
  char buf[64];

  ck_assert_str_eq(ag_log_quote("plain", buf, sizeof(buf)), "plain");
  ck_assert_str_eq(ag_log_quote("1\nx=2", buf, sizeof(buf)), "\"1\\x0ax=2\"");
  ck_assert_str_eq(ag_log_quote("a \"b\"", buf, sizeof(buf)), "\"a \\\"b\\\"\"");
  ck_assert_str_eq(ag_log_quote("", buf, sizeof(buf)), "\"\"");
  ck_assert_str_eq(ag_log_quote(NULL, buf, sizeof(buf)), "-");
}
END_TEST

static Suite *log_suite(void)
{
  Suite *s = suite_create("log");
  TCase *tc = tcase_create("line");

  tcase_add_test(tc, test_log_value_cannot_forge_a_line);
  tcase_add_test(tc, test_log_plain_line);
  tcase_add_test(tc, test_log_quote);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(log_suite)
