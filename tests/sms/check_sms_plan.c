/* check_sms_plan.c: a message's coding and parts (sms/sms.h): the single-part limits, the
 * concatenated part sizes, cuts that never split a character (a surrogate pair, an extension
 * character's escape and septet), Kazakh and Russian always UCS-2, and the refusals. */
#include "lib/ag.h"
#include "sms/sms.h"
#include "tests/support/ag_check.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* n copies of the UTF-8 character c, NUL-terminated, in one of two static buffers used in turn
 * (so that two calls may be arguments of one snprintf). */
static const char *rep(const char *c, size_t n)
{
  static char bufs[2][4096];
  static int turn;
  char *buf = bufs[turn++ % 2];
  size_t k = strlen(c);

  ck_assert_uint_lt(n * k, sizeof(bufs[0]));
  for (size_t i = 0; i < n; i++)
    memcpy(buf + i * k, c, k);
  buf[n * k] = '\0';
  return buf;
}

static void plan_ok(const char *text, struct sms_plan *p)
{
  ck_assert_int_eq(sms_plan(text, strlen(text), SMS_MAX_PARTS, p), AG_OK);
}

/* The parts put together are the text, each within its budget, each cut on a character. */
static void assert_parts_cover(const char *text, const struct sms_plan *p)
{
  size_t budget = p->enc == AG_ENC_GSM7 ? SMS_PART_GSM7 : SMS_PART_UCS2, start = 0, sum = 0;

  for (size_t i = 0; i < p->parts; i++) {
    struct ag_text_cost c;
    ck_assert_uint_gt(p->end[i], start);
    ck_assert_int_eq(ag_text_measure(text + start, p->end[i] - start, &c), AG_OK);
    ck_assert_uint_eq(p->enc == AG_ENC_GSM7 ? c.septets : c.ucs2_units, p->units_of[i]);
    if (p->parts > 1)
      ck_assert_uint_le(p->units_of[i], budget);
    sum += p->units_of[i];
    start = p->end[i];
  }
  ck_assert_uint_eq(start, strlen(text));
  ck_assert_uint_eq(sum, p->units);
}

START_TEST(test_sms_single_limits)
{
  struct sms_plan p;

  plan_ok(rep("a", 160), &p);
  ck_assert_int_eq(p.enc, AG_ENC_GSM7);
  ck_assert_uint_eq(p.parts, 1);
  ck_assert_uint_eq(p.units, 160);
  plan_ok(rep("a", 161), &p);
  ck_assert_uint_eq(p.parts, 2);
  ck_assert_uint_eq(p.units_of[0], 153);
  ck_assert_uint_eq(p.units_of[1], 8);
  assert_parts_cover(rep("a", 161), &p);
  /* Cyrillic: UCS-2, 70 in one part, then parts of 67. */
  plan_ok(rep("қ", 70), &p);
  ck_assert_int_eq(p.enc, AG_ENC_UCS2);
  ck_assert_uint_eq(p.parts, 1);
  plan_ok(rep("қ", 71), &p);
  ck_assert_uint_eq(p.parts, 2);
  ck_assert_uint_eq(p.units_of[0], 67);
  ck_assert_uint_eq(p.units_of[1], 4);
  plan_ok(rep("ж", 67 * 3), &p);
  ck_assert_uint_eq(p.parts, 3);
  plan_ok("", &p);
  ck_assert_uint_eq(p.parts, 1);
  ck_assert_uint_eq(p.end[0], 0);
}
END_TEST

/* One Cyrillic letter in a Latin text makes the whole message UCS-2: never 7-bit Cyrillic. */
START_TEST(test_sms_one_cyrillic_letter_makes_ucs2)
{
  char text[256];
  struct sms_plan p;

  snprintf(text, sizeof(text), "%sЁ", rep("a", 100));
  plan_ok(text, &p);
  ck_assert_int_eq(p.enc, AG_ENC_UCS2);
  ck_assert_uint_eq(p.units, 101);
  ck_assert_uint_eq(p.parts, 2);
  assert_parts_cover(text, &p);
}
END_TEST

/* An extension character costs two septets, escape and character, and is never cut between
 * them: the part before it holds 152. */
START_TEST(test_sms_extension_never_split)
{
  char text[512];
  struct sms_plan p;

  snprintf(text, sizeof(text), "%s€%s", rep("a", 152), rep("b", 20));
  plan_ok(text, &p);
  ck_assert_int_eq(p.enc, AG_ENC_GSM7);
  ck_assert_uint_eq(p.units, 152 + 2 + 20);
  ck_assert_uint_eq(p.units_of[0], 152);
  ck_assert_uint_eq(p.end[0], 152);
  assert_parts_cover(text, &p);
  /* In one part the extension counts 2: 159 a's and a '{' are 161 septets, two parts. */
  snprintf(text, sizeof(text), "%s{", rep("a", 159));
  plan_ok(text, &p);
  ck_assert_uint_eq(p.units, 161);
  ck_assert_uint_eq(p.parts, 2);
}
END_TEST

/* A character outside the BMP is a surrogate pair, 2 units, never cut in half: the part before
 * it holds 66. */
START_TEST(test_sms_surrogate_pair_never_split)
{
  char text[512];
  struct sms_plan p;

  snprintf(text, sizeof(text), "%s📚%s", rep("ә", 66), rep("ә", 10));
  plan_ok(text, &p);
  ck_assert_int_eq(p.enc, AG_ENC_UCS2);
  ck_assert_uint_eq(p.units, 66 + 2 + 10);
  ck_assert_uint_eq(p.units_of[0], 66);
  ck_assert_uint_eq(p.end[0], 66 * strlen("ә"));
  ck_assert_uint_eq(p.units_of[1], 12);
  assert_parts_cover(text, &p);
}
END_TEST

START_TEST(test_sms_refusals)
{
  struct sms_plan p;
  const char *long_ru = rep("ы", 67 * 3 + 1);

  ck_assert_int_eq(sms_plan(long_ru, strlen(long_ru), 3, &p), AG_E2BIG);
  ck_assert_uint_eq(p.parts, 4);
  ck_assert_int_eq(sms_plan(long_ru, strlen(long_ru), 4, &p), AG_OK);
  ck_assert_int_eq(sms_plan("\xc3\x28", 2, 1, &p), AG_EINVAL); /* not UTF-8 */
  ck_assert_int_eq(sms_plan("a", 1, 0, &p), AG_EINVAL);
  ck_assert_int_eq(sms_plan("a", 1, SMS_MAX_PARTS + 1, &p), AG_EINVAL);
  ck_assert_int_eq(sms_plan(NULL, 1, 1, &p), AG_EINVAL);
  ck_assert_int_eq(sms_plan(NULL, 0, 1, &p), AG_OK);
}
END_TEST

static Suite *sms_plan_suite(void)
{
  Suite *s = suite_create("sms_plan");
  TCase *tc = tcase_create("plan");

  tcase_add_test(tc, test_sms_single_limits);
  tcase_add_test(tc, test_sms_one_cyrillic_letter_makes_ucs2);
  tcase_add_test(tc, test_sms_extension_never_split);
  tcase_add_test(tc, test_sms_surrogate_pair_never_split);
  tcase_add_test(tc, test_sms_refusals);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(sms_plan_suite)
