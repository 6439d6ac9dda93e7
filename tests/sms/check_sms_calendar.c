/* check_sms_calendar.c: the calendar's quiet hours (across midnight, at UTC+5, at the edges)
 * and the rotation of a band's tips (each once a cycle, reading and counting alternating with
 * the other practices, never one practice twice in a row while another is left), on the shipped
 * content/calendar.json as well as on made-up bands. */
#include "lib/ag.h"
#include "sms/sms.h"
#include "tests/support/ag_check.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* Unix seconds of 2026-12-03 (a Thursday) at hh:mm:ss UTC. */
static int64_t utc(int hh, int mm, int ss)
{
  return 1796256000 + hh * 3600 + mm * 60 + ss;
}

#define KZ       300 /* UTC+5 */
#define QUIET_21 (21 * 60)
#define QUIET_09 (9 * 60)

START_TEST(test_quiet_hours_across_midnight)
{
  /* 20:59:59 local (15:59:59 UTC) may send; 21:00 local waits for 09:00 local (04:00 UTC). */
  ck_assert_int_eq(sms_quiet_until(utc(15, 59, 59), KZ, QUIET_21, QUIET_09), utc(15, 59, 59));
  ck_assert_int_eq(sms_quiet_until(utc(16, 0, 0), KZ, QUIET_21, QUIET_09), utc(4, 0, 0) + 86400);
  ck_assert_int_eq(sms_quiet_until(utc(16, 0, 42), KZ, QUIET_21, QUIET_09), utc(4, 0, 0) + 86400);
  /* 23:30 local (18:30 UTC) and 03:00 local (22:00 UTC the day before) wait for 09:00. */
  ck_assert_int_eq(sms_quiet_until(utc(18, 30, 0), KZ, QUIET_21, QUIET_09), utc(4, 0, 0) + 86400);
  ck_assert_int_eq(sms_quiet_until(utc(22, 0, 0) - 86400, KZ, QUIET_21, QUIET_09), utc(4, 0, 0));
  /* 08:59:59 local waits a second; 09:00 local sends. */
  ck_assert_int_eq(sms_quiet_until(utc(3, 59, 59), KZ, QUIET_21, QUIET_09), utc(4, 0, 0));
  ck_assert_int_eq(sms_quiet_until(utc(4, 0, 0), KZ, QUIET_21, QUIET_09), utc(4, 0, 0));
}
END_TEST

START_TEST(test_quiet_hours_other_windows)
{
  /* A window inside one day (13:00-14:00 UTC, no offset) and no window at all. */
  ck_assert_int_eq(sms_quiet_until(utc(13, 30, 0), 0, 13 * 60, 14 * 60), utc(14, 0, 0));
  ck_assert_int_eq(sms_quiet_until(utc(14, 0, 0), 0, 13 * 60, 14 * 60), utc(14, 0, 0));
  ck_assert_int_eq(sms_quiet_until(utc(12, 59, 0), 0, 13 * 60, 14 * 60), utc(12, 59, 0));
  ck_assert_int_eq(sms_quiet_until(utc(22, 0, 0), KZ, 0, 0), utc(22, 0, 0));
  /* Before the epoch's day boundary arithmetic could go negative: a negative offset. */
  ck_assert_int_eq(sms_quiet_until(utc(2, 0, 0), -300, QUIET_21, QUIET_09), utc(14, 0, 0));
}
END_TEST

static int core(const char *p)
{
  return strcmp(p, "read") == 0 || strcmp(p, "count") == 0;
}

/* Every tip once; no practice twice in a row while another had tips left; core and others
 * alternate while both had tips left; a practice's tips in the band's order. */
static void assert_rotation(const char *const *pr, size_t n)
{
  size_t order[SMS_ROTATION_MAX], seen[SMS_ROTATION_MAX] = {0};
  size_t core_left = 0, other_left = 0;

  ck_assert_int_eq(sms_rotation(pr, n, order), AG_OK);
  for (size_t i = 0; i < n; i++)
    core(pr[i]) ? core_left++ : other_left++;
  for (size_t k = 0; k < n; k++) {
    ck_assert_uint_lt(order[k], n);
    ck_assert_uint_eq(seen[order[k]]++, 0);
    if (k > 0 && core_left > 0 && other_left > 0)
      ck_assert_msg(core(pr[order[k]]) != core(pr[order[k - 1]]), "no alternation at %zu", k);
    if (k > 0 && strcmp(pr[order[k]], pr[order[k - 1]]) == 0) {
      /* Allowed only when that practice was all that was left. */
      for (size_t j = k; j < n; j++)
        ck_assert_str_eq(pr[order[j]], pr[order[k]]);
    }
    for (size_t j = 0; j < k; j++) /* within a practice, the band's order */
      if (strcmp(pr[order[j]], pr[order[k]]) == 0)
        ck_assert_uint_lt(order[j], order[k]);
    core(pr[order[k]]) ? core_left-- : other_left--;
  }
}

START_TEST(test_rotation_made_up_bands)
{
  static const char *const five_each[] = {
      "love", "love", "talk", "talk", "count", "count", "play", "play", "read", "read",
  };
  static const char *const lopsided[] = {"read", "read", "read", "read", "talk", "count"};
  static const char *const one[] = {"read", "read", "read"};
  size_t order[4];

  assert_rotation(five_each, AG_ARRAY_LEN(five_each));
  assert_rotation(lopsided, AG_ARRAY_LEN(lopsided));
  assert_rotation(one, AG_ARRAY_LEN(one));
  ck_assert_int_eq(sms_rotation((const char *const[]){"read", NULL}, 2, order), AG_EINVAL);
  ck_assert_int_eq(sms_rotation(NULL, 0, NULL), AG_OK);
}
END_TEST

/* The shipped calendar: every band's cycle. Five days of one practice in a row were the old
 * rotation's fault (issue 12). */
START_TEST(test_rotation_shipped_calendar)
{
  json_error_t err;
  json_t *doc = json_load_file(CONTENT_DIR "/calendar.json", 0, &err), *bands, *tips, *b, *t;
  size_t i, j;

  ck_assert_msg(doc != NULL, "%s", err.text);
  bands = json_object_get(doc, "bands");
  tips = json_object_get(doc, "tips");
  json_array_foreach(bands, i, b)
  {
    const char *band = json_string_value(json_object_get(b, "id")), *pr[SMS_ROTATION_MAX];
    size_t n = 0;
    json_array_foreach(tips, j, t)
    {
      if (strcmp(json_string_value(json_object_get(t, "band")), band) == 0)
        pr[n++] = json_string_value(json_object_get(t, "practice"));
    }
    ck_assert_uint_gt(n, 0);
    assert_rotation(pr, n);
  }
  json_decref(doc);
}
END_TEST

/* Every shipped tip goes out as one SMS part in every language, planned by the part counter the
 * outbox uses; Kazakh and Russian as UCS-2, so Cyrillic never turns into '?' (issue 12, item 9). */
START_TEST(test_shipped_tips_one_part)
{
  static const char *const langs[] = {"kk", "ru", "en"};
  json_error_t err;
  json_t *doc = json_load_file(CONTENT_DIR "/calendar.json", 0, &err), *t;
  size_t i, n = 0, most[3] = {0, 0, 0};

  ck_assert_msg(doc != NULL, "%s", err.text);
  json_array_foreach(json_object_get(doc, "tips"), i, t)
  {
    const char *id = json_string_value(json_object_get(t, "id"));
    for (size_t l = 0; l < 3; l++) {
      const char *s = json_string_value(json_object_get(json_object_get(t, "text"), langs[l]));
      struct sms_plan p;
      ck_assert_msg(s && *s, "tip '%s' (%s): no text", id, langs[l]);
      ck_assert_msg(sms_plan(s, strlen(s), 1, &p) == AG_OK, "tip '%s' (%s): %zu SMS parts", id,
                    langs[l], p.parts);
      if (l < 2)
        ck_assert_msg(p.enc == AG_ENC_UCS2, "tip '%s' (%s): not UCS-2", id, langs[l]);
      most[l] = p.units > most[l] ? p.units : most[l];
    }
    n++;
  }
  ck_assert_uint_gt(n, 0);
  printf("shipped tips: %zu, one SMS part each; longest kk %zu, ru %zu UCS-2 units, en %zu\n", n,
         most[0], most[1], most[2]);
  json_decref(doc);
}
END_TEST

static Suite *calendar_suite(void)
{
  Suite *s = suite_create("sms_calendar");
  TCase *tc = tcase_create("calendar");

  tcase_add_test(tc, test_quiet_hours_across_midnight);
  tcase_add_test(tc, test_quiet_hours_other_windows);
  tcase_add_test(tc, test_rotation_made_up_bands);
  tcase_add_test(tc, test_rotation_shipped_calendar);
  tcase_add_test(tc, test_shipped_tips_one_part);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(calendar_suite)
