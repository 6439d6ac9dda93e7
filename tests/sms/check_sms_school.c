/* check_sms_school.c: the SMS of a school's request and its budget check (sms_school.c). The
 * message names the school, carries the request whole, says how to answer (1, 2, 3) and how to
 * stop with a word that really is STOP in its language; it is UCS-2 and at most three parts at
 * the edge the check reports; a long school name is cut on a character; the USSD fit counts the
 * three answers. */
#include "tests/support/ag_check.h"
#include "lib/ag.h"
#include "lib/ag_text.h"
#include "sms/sms.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

static const char school[] = "№ 12 мектеп-гимназия";

/* A request of n Cyrillic letters (2 bytes each) in buf. */
static const char *letters(char *buf, size_t n)
{
  for (size_t i = 0; i < n; i++)
    memcpy(buf + 2 * i, "ж", 2);
  buf[2 * n] = '\0';
  return buf;
}

START_TEST(test_text_names_school_answers_and_stop)
{
  static const char *const langs[] = {"kk", "ru"};
  static const char *const stop[] = {"ТОҚТА", "СТОП"};
  char out[SMS_SCHOOL_TEXT_MAX];

  for (int l = 0; l < 2; l++) {
    const char *req = l ? "Нужны 3 родителя покрасить забор в субботу"
                        : "Сенбіде қоршауды бояуға 3 ата-ана керек";
    ck_assert_int_eq(sms_school_text(school, req, langs[l], out, sizeof(out)), AG_OK);
    ck_assert_msg(strncmp(out, school, strlen(school)) == 0, "%s", out);
    ck_assert_msg(strstr(out, req) && strstr(out, "1 —") && strstr(out, "2 —") &&
                      strstr(out, "3 —"),
                  "%s", out);
    const char *w = strstr(out, stop[l]);
    ck_assert_msg(w, "%s", out);
    const struct sms_keyword *k =
        sms_keyword_match(w, strlen(w), sms_keywords_default, sms_keywords_default_n);
    ck_assert_msg(k && k->kind == SMS_KW_STOP && strcmp(k->lang, langs[l]) == 0, "%s", w);
  }
  ck_assert_int_eq(sms_school_text(school, "", "ru", out, sizeof(out)), AG_EINVAL);
  ck_assert_int_eq(sms_school_text(school, "\xff", "ru", out, sizeof(out)), AG_EINVAL);
  ck_assert_int_eq(sms_school_text(school, "x", "ru", out, 10), AG_E2BIG);
}
END_TEST

/* The check's verdict agrees with sms_plan() on the text, and the edge is exact: the longest
 * request within three parts is sms_ok, one letter more is not. */
START_TEST(test_check_edge_three_parts)
{
  char req[2048], out[SMS_SCHOOL_TEXT_MAX];
  struct sms_school_fit f;
  struct sms_plan p;
  size_t n = 1;

  for (const char *lang = "kk";; lang = "ru") {
    for (n = 1; n < 600; n++) {
      ck_assert_int_eq(sms_school_check(school, letters(req, n), lang, 75, &f), AG_OK);
      if (!f.sms_ok)
        break;
      ck_assert_int_eq(f.chars, n);
      ck_assert_int_eq(f.units_left, (long)(3 * SMS_PART_UCS2) - (long)f.units);
    }
    ck_assert_msg(n > 60 && n < 200, "only %zu letters fit", n);
    ck_assert_int_eq(f.parts, 4);
    ck_assert_int_lt(f.units_left, 0);
    sms_school_text(school, letters(req, n - 1), lang, out, sizeof(out));
    ck_assert_int_eq(sms_plan(out, strlen(out), SMS_MAX_PARTS, &p), AG_OK);
    ck_assert_int_eq(p.parts, 3);
    ck_assert_int_eq(p.enc, AG_ENC_UCS2);
    ck_assert_int_le(p.units, 3 * SMS_PART_UCS2);
    if (strcmp(lang, "ru") == 0)
      break;
  }
  /* Empty: not sms_ok, but the frame's cost is shown. */
  ck_assert_int_eq(sms_school_check(school, "", "ru", 75, &f), AG_OK);
  ck_assert(!f.sms_ok && !f.ussd_ok && f.units > 60 && f.units_left > 0);
  ck_assert_int_eq(sms_school_check(school, "\xc3", "ru", 75, &f), AG_EINVAL);
}
END_TEST

START_TEST(test_check_ussd_counts_the_answers)
{
  char req[512];
  struct sms_school_fit f;
  size_t n;

  for (n = 1; n < 200; n++) {
    sms_school_check(school, letters(req, n), "ru", 75, &f);
    if (!f.ussd_ok)
      break;
  }
  /* "\n1. Могу помочь\n2. Не в этот раз\n3. Подробнее" is 45 units: 30 letters remain of 75. */
  ck_assert_int_eq(n, 31);
  ck_assert_int_eq(f.ussd_left, -1);
  sms_school_check(school, letters(req, 30), "ru", 75, &f);
  ck_assert_int_eq(f.ussd_left, 0);
  sms_school_check(school, letters(req, 30), "ru", 80, &f);
  ck_assert_int_eq(f.ussd_left, 5);
}
END_TEST

/* A 200-character official name is cut to 40 units with an ellipsis, never inside a character,
 * so that it leaves the request its room. */
START_TEST(test_long_name_cut)
{
  char name[512], out[SMS_SCHOOL_TEXT_MAX];
  struct ag_text_cost c;
  const char *colon;

  letters(name, 200);
  ck_assert_int_eq(sms_school_text(name, "Көмек керек", "kk", out, sizeof(out)), AG_OK);
  colon = strstr(out, "…: Көмек керек");
  ck_assert_msg(colon, "%s", out);
  ck_assert_int_eq(ag_text_measure(out, (size_t)(colon - out), &c), AG_OK);
  ck_assert_int_eq(c.ucs2_units, SMS_SCHOOL_NAME_UNITS - 1);
}
END_TEST

static Suite *school_suite(void)
{
  Suite *s = suite_create("sms_school");
  TCase *tc = tcase_create("school");

  tcase_add_test(tc, test_text_names_school_answers_and_stop);
  tcase_add_test(tc, test_check_edge_three_parts);
  tcase_add_test(tc, test_check_ussd_counts_the_answers);
  tcase_add_test(tc, test_long_name_cut);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(school_suite)
