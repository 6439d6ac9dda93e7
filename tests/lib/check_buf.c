/* check_buf.c: unit tests of ag_buf: the ceiling that leaves the bytes as they were, and the
 * JSON and CSV quoting every reply of the API goes through. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ag.h"
#include "lib/ag_buf.h"
#include "tests/support/ag_check.h"

START_TEST(test_ceiling_keeps_what_fits)
{
  struct ag_buf b;

  ag_buf_init(&b, 8);
  ck_assert_int_eq(ag_buf_adds(&b, "12345"), AG_OK);
  ck_assert_int_eq(ag_buf_adds(&b, "6789"), AG_E2BIG);
  ck_assert_str_eq(ag_buf_str(&b), "12345");
  ck_assert_int_eq(ag_buf_printf(&b, "%d", 678), AG_OK);
  ck_assert_str_eq(ag_buf_str(&b), "12345678");
  ag_buf_cleanup(&b);
  ck_assert_str_eq(ag_buf_str(&b), "");
}
END_TEST

static const char *json(const char *s)
{
  static struct ag_buf b;

  ag_buf_cleanup(&b);
  ag_buf_init(&b, 1024);
  ck_assert_int_eq(ag_buf_json_str(&b, s), AG_OK);
  return ag_buf_str(&b);
}

START_TEST(test_json_str)
{
  ck_assert_str_eq(json("plain"), "\"plain\"");
  ck_assert_str_eq(json(NULL), "\"\"");
  ck_assert_str_eq(json("a\"b\\c"), "\"a\\\"b\\\\c\"");
  ck_assert_str_eq(json("line\nnext\ttab\x01\x7f"), "\"line\\u000anext\\u0009tab\\u0001\\u007f\"");
  ck_assert_str_eq(json("Ақтөбе №7"), "\"Ақтөбе №7\""); /* UTF-8 as it is */
}
END_TEST

static const char *csv(const char *s)
{
  static struct ag_buf b;

  ag_buf_cleanup(&b);
  ag_buf_init(&b, 1024);
  ck_assert_int_eq(ag_buf_csv_field(&b, s), AG_OK);
  return ag_buf_str(&b);
}

START_TEST(test_csv_field)
{
  ck_assert_str_eq(csv("Aktobe"), "Aktobe");
  ck_assert_str_eq(csv(""), "");
  ck_assert_str_eq(csv("a,b"), "\"a,b\"");
  ck_assert_str_eq(csv("say \"hi\""), "\"say \"\"hi\"\"\"");
  ck_assert_str_eq(csv("two\r\nlines"), "\"two\r\nlines\"");
  ck_assert_str_eq(csv("№ 7 мектеп"), "№ 7 мектеп");
}
END_TEST

START_TEST(test_quoting_past_the_ceiling)
{
  struct ag_buf b;

  ag_buf_init(&b, 6);
  ck_assert_int_eq(ag_buf_json_str(&b, "abcdefgh"), AG_E2BIG);
  ck_assert_uint_le(b.len, 6);
  ag_buf_cleanup(&b);
}
END_TEST

static Suite *buf_suite(void)
{
  Suite *s = suite_create("ag_buf");
  TCase *tc = tcase_create("buf");

  tcase_add_test(tc, test_ceiling_keeps_what_fits);
  tcase_add_test(tc, test_json_str);
  tcase_add_test(tc, test_csv_field);
  tcase_add_test(tc, test_quoting_past_the_ceiling);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(buf_suite)
