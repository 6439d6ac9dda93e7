/* check_stats.c: the operators' per-minute ring (gateway/stats): hops by outcome class in their
 * minute, an hour-old bucket reused from nothing, the latency quantiles from the fixed
 * histogram, and the drop-off funnel (only sessions that ended without finishing, on a survey
 * question, biggest first). */
#include "gateway/stats/gw_stats.h"
#include "lib/ag.h"
#include "tests/support/ag_check.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const long long t0 = 1700000040LL * 1000000; /* the start of a minute */

static char *json(const struct gw_stats *st, long long now, int minutes)
{
  struct ag_buf b;
  size_t len;

  ag_buf_init(&b, 1 << 20);
  ck_assert_int_eq(gw_stats_json(st, now, minutes, &b), AG_OK);
  return ag_buf_take(&b, &len);
}

START_TEST(test_stats_minutes)
{
  static struct gw_stats st;
  char *j;

  for (int i = 0; i < 5; i++)
    gw_stats_hop(&st, "ok", 3000, t0 + 1000000);
  gw_stats_hop(&st, "deadline", 2000000, t0 + 2000000);
  gw_stats_hop(&st, "operator", 1000, t0 + 61000000); /* the next minute: a hop after the end */
  gw_stats_hop(&st, "bad_request", 1000, t0 + 61000000);
  gw_stats_started(&st, t0);
  j = json(&st, t0 + 61000000, 2);
  ck_assert_ptr_nonnull(strstr(j, "{\"t\":1700000040,\"hops\":{\"ok\":5,\"unavailable\":0,"
                                  "\"deadline\":1,\"ended\":0,\"refused\":0}"));
  ck_assert_ptr_nonnull(strstr(j, "\"hops\":{\"ok\":0,\"unavailable\":0,\"deadline\":0,"
                                  "\"ended\":1,\"refused\":1}"));
  ck_assert_ptr_nonnull(strstr(j, "\"total\":{\"hops\":{\"ok\":5,"));
  free(j);
  /* An hour later the first minute's bucket is another minute's: it starts from nothing. */
  gw_stats_hop(&st, "ok", 3000, t0 + 3600000000LL + 1000000);
  j = json(&st, t0 + 3600000000LL + 1000000, 1);
  ck_assert_ptr_nonnull(strstr(j, "\"total\":{\"hops\":{\"ok\":1,"));
  free(j);
}
END_TEST

START_TEST(test_stats_quantiles)
{
  uint32_t lat[GW_STATS_LAT_N] = {0};
  static struct gw_stats st;
  char *j;

  ck_assert_int_eq(gw_stats_quantile(lat, 0.5), -1);
  lat[2] = 98; /* (707 µs, 1 ms] */
  lat[10] = 1; /* (11.3, 16] ms */
  lat[GW_STATS_LAT_N - 1] = 1;
  ck_assert_int_eq(gw_stats_quantile(lat, 0.5), 1000);
  ck_assert_int_eq(gw_stats_quantile(lat, 0.99), 16000);
  ck_assert_int_eq(gw_stats_quantile(lat, 1.0), 1024000);
  for (int i = 0; i < 100; i++)
    gw_stats_hop(&st, "ok", i < 99 ? 900 : 15000, t0);
  j = json(&st, t0, 1);
  ck_assert_ptr_nonnull(strstr(j, "\"latency_ms\":{\"p50\":1.000,\"p95\":1.000,\"p99\":1.000}"));
  free(j);
}
END_TEST

START_TEST(test_stats_funnel)
{
  static struct gw_stats st;
  char *j;

  gw_stats_ended(&st, SESS_END_IDLE, 1, "involvement", "q2", t0);
  gw_stats_ended(&st, SESS_END_CARRIER, 1, "involvement", "q5", t0);
  gw_stats_ended(&st, SESS_END_OPERATOR, 1, "involvement", "q5", t0 + 60000000);
  gw_stats_ended(&st, SESS_END_SCREEN, 1, "involvement", "q2", t0);   /* finished */
  gw_stats_ended(&st, SESS_END_SHUTDOWN, 1, "involvement", "q2", t0); /* ours, not theirs */
  gw_stats_ended(&st, SESS_END_IDLE, 0, "main", "menu", t0);          /* not a question */
  gw_stats_ended(&st, SESS_END_IDLE, 1, "x\"y", "q\\", t0);           /* never raw in JSON */
  j = json(&st, t0 + 60000000, 2);
  ck_assert_msg(strstr(j, "\"funnel\":[{\"file\":\"involvement\",\"question\":\"q5\","
                          "\"abandoned\":2},{\"file\":\"involvement\",\"question\":\"q2\","
                          "\"abandoned\":1},{\"file\":\"x_y\",\"question\":\"q_\","
                          "\"abandoned\":1}],\"funnel_other\":0"),
                "%s", j);
  ck_assert_ptr_nonnull(strstr(j, "\"idle_timeout\":3"));
  ck_assert_ptr_nonnull(strstr(j, "\"operator\":1"));
  free(j);
}
END_TEST

/* What one event costs the loop: the full hour rendered (figures only, printed). */
START_TEST(test_stats_render_cost)
{
  static struct gw_stats st;
  struct timespec a, b;
  size_t bytes = 0;
  const int n = 200;

  for (int m = 0; m < 60; m++)
    for (int i = 0; i < 50; i++) {
      gw_stats_hop(&st, i % 7 ? "ok" : "deadline", 1000 * (i + 1), t0 + m * 60000000LL);
      gw_stats_ended(&st, SESS_END_IDLE, 1, "involvement", i % 2 ? "q1" : "q2",
                     t0 + m * 60000000LL);
    }
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (int i = 0; i < n; i++) {
    char *j = json(&st, t0 + 59 * 60000000LL, 60);
    bytes = strlen(j);
    free(j);
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  fprintf(stderr, "check_stats: a 60-minute render: %zu bytes, %.1f us\n", bytes,
          ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / n / 1e3);
  ck_assert_uint_gt(bytes, 10000);
}
END_TEST

static Suite *stats_suite(void)
{
  Suite *s = suite_create("stats");
  TCase *tc = tcase_create("ring");

  tcase_add_test(tc, test_stats_minutes);
  tcase_add_test(tc, test_stats_quantiles);
  tcase_add_test(tc, test_stats_funnel);
  tcase_add_test(tc, test_stats_render_cost);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(stats_suite)
