/* it_carriers.c: two carriers configured as [carrier.NAME] sections on one gateway, each on its
 * own path: the one with the smaller screen budget gets shorter pages of the same screen, and
 * the answers given through it are stored under its own name. */
#include "tests/it/it_harness.h"
#include "tests/support/ag_check.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

static struct it_server srv;
static PGconn *db;

#define SMALL_GSM7 80

static const char conf[] = "[carrier.at]\n"
                           "dialect = at\n"
                           "[carrier.small]\n"
                           "dialect = at\n"
                           "path = /ussd/small\n"
                           "budget_ucs2 = 70\n"
                           "budget_gsm7 = 80\n";

static void setup(void)
{
  it_up(&srv, &db, conf);
}

static void stop(void)
{
  it_down(&srv, db);
}

/* English, the survey, mother: the region list, a long screen in GSM-7. */
static const char *const to_regions[] = {"", "3", "3*1", "3*1*1"};

/* Plays to_regions on path as a new caller (phone, OUT); the last screen is in r. */
static void play_to_regions(const char *path, const char *session, char phone[16],
                            struct it_resp *r)
{
  it_fresh_phone(phone);
  for (size_t i = 0; i < sizeof(to_regions) / sizeof(to_regions[0]); i++) {
    ck_assert_int_eq(it_hop_path(&srv, path, session, phone, to_regions[i], r), 0);
    ck_assert_int_eq(r->status, 200);
    ck_assert_msg(strncmp(r->body, "CON ", 4) == 0, "%s: hop %zu: %s", path, i, r->body);
  }
}

static long rows_of(const char *carrier, const char *session)
{
  char sql[512];

  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM responses WHERE carrier = '%s' AND carrier_session_id = '%s'",
           carrier, session);
  return it_count(db, sql);
}

START_TEST(test_it_two_carriers_two_budgets)
{
  char s_at[96], s_small[96], at_phone[16], small_phone[16];
  struct it_resp at, small;

  it_session_id(s_at, sizeof(s_at), "two-at");
  it_session_id(s_small, sizeof(s_small), "two-small");
  play_to_regions("/ussd/at", s_at, at_phone, &at);
  play_to_regions("/ussd/small", s_small, small_phone, &small);
  /* The same screen: within its budget on each carrier, and shorter on the smaller one. */
  ck_assert_msg(strlen(at.body + 4) > SMALL_GSM7, "the default page fits the small budget: %s",
                at.body);
  ck_assert_msg(strlen(small.body + 4) <= SMALL_GSM7, "over the small budget: %s", small.body);
  ck_assert_msg(strncmp(at.body, small.body, 12) == 0, "not the same screen: %s / %s", at.body,
                small.body);
  /* The first region on each: an answer to store. */
  ck_assert_int_eq(it_hop_path(&srv, "/ussd/at", s_at, at_phone, "3*1*1*1", &at), 0);
  ck_assert_int_eq(it_hop_path(&srv, "/ussd/small", s_small, small_phone, "3*1*1*1", &small), 0);
  ck_assert_msg(strncmp(at.body, "CON ", 4) == 0 && strncmp(small.body, "CON ", 4) == 0, "%s / %s",
                at.body, small.body);
  /* Each carrier's answers under its own name, and none under the other's. */
  ck_assert_int_gt(rows_of("small", s_small), 0);
  ck_assert_int_eq(rows_of("at", s_small), 0);
  ck_assert_int_gt(rows_of("at", s_at), 0);
  ck_assert_int_eq(rows_of("small", s_at), 0);
}
END_TEST

/* Each carrier has its end notice at PATH/end; a path no carrier has is 404. */
START_TEST(test_it_two_carriers_routes)
{
  struct it_resp r;

  ck_assert_int_eq(it_post(&srv, "/ussd/small/end", "application/x-www-form-urlencoded",
                           "sessionId=gone", 14, &r),
                   0);
  ck_assert_int_eq(r.status, 200);
  ck_assert_int_eq(
      it_post(&srv, "/ussd/at/end", "application/x-www-form-urlencoded", "sessionId=gone", 14, &r),
      0);
  ck_assert_int_eq(r.status, 200);
  ck_assert_int_eq(it_post(&srv, "/ussd/other", "application/x-www-form-urlencoded", "x=1", 3, &r),
                   0);
  ck_assert_int_eq(r.status, 404);
  ck_assert_int_eq(it_get(&srv, "/ussd/small", &r), 0);
  ck_assert_int_eq(r.status, 405);
}
END_TEST

static Suite *carriers_suite(void)
{
  Suite *s = suite_create("it_carriers");
  TCase *tc = tcase_create("carriers");

  tcase_add_unchecked_fixture(tc, setup, stop);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_it_two_carriers_two_budgets);
  tcase_add_test(tc, test_it_two_carriers_routes);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(carriers_suite)
