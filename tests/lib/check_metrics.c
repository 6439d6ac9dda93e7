/* check_metrics.c: the metrics registry (lib/ag_metrics) and the bounded buffer (lib/ag_buf):
 * registration rules, series, histograms, NULL-safe updates and the exact Prometheus text. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ag.h"
#include "tests/support/ag_check.h"
#include "lib/ag_buf.h"
#include "lib/ag_metrics.h"

static const struct ag_metric_def hops_def = {AG_METRIC_COUNTER,
                                              "aulgate_hops_total",
                                              "USSD hops answered.",
                                              {"carrier", "outcome"},
                                              NULL,
                                              0};
static const struct ag_metric_def live_def = {
    AG_METRIC_GAUGE, "aulgate_sessions_live", "Live sessions.", {NULL}, NULL, 0};
static const double lat_buckets[] = {0.005, 0.01, 0.1};
static const struct ag_metric_def lat_def = {
    AG_METRIC_HISTOGRAM, "aulgate_hop_seconds", "Hop latency.", {"carrier"}, lat_buckets, 3};

static char *render(const struct ag_metrics *m)
{
  struct ag_buf b;
  size_t len;

  ag_buf_init(&b, 1 << 20);
  ck_assert_int_eq(ag_metrics_render(m, &b), AG_OK);
  return ag_buf_take(&b, &len);
}

START_TEST(test_metrics_counter_text)
{
  struct ag_metrics *m = ag_metrics_create();
  struct ag_metric *f = ag_metrics_add(m, &hops_def);
  struct ag_series *ok = ag_metric_series2(f, "at", "ok");
  char *text;

  ck_assert_ptr_nonnull(ok);
  ag_series_inc(ok);
  ag_series_add(ok, 2);
  ag_series_inc(ag_metric_series2(f, "at", "unavailable"));
  ck_assert_ptr_eq(ag_metric_series2(f, "at", "ok"), ok); /* same labels, same series */
  text = render(m);
  ck_assert_str_eq(text, "# HELP aulgate_hops_total USSD hops answered.\n"
                         "# TYPE aulgate_hops_total counter\n"
                         "aulgate_hops_total{carrier=\"at\",outcome=\"ok\"} 3\n"
                         "aulgate_hops_total{carrier=\"at\",outcome=\"unavailable\"} 1\n");
  ck_assert(ag_metrics_total(m, "aulgate_hops_total") == 4);
  ck_assert(ag_metrics_value(m, "aulgate_hops_total", (const char *[]){"at", "ok"}) == 3);
  ck_assert(ag_metrics_value(m, "aulgate_hops_total", (const char *[]){"at", "none"}) == 0);
  ck_assert(ag_metrics_value(m, "no_such_total", NULL) == 0);
  free(text);
  ag_metrics_destroy(m);
}
END_TEST

START_TEST(test_metrics_histogram_cumulative)
{
  struct ag_metrics *m = ag_metrics_create();
  struct ag_series *s = ag_metric_series1(ag_metrics_add(m, &lat_def), "at");
  char *text;

  ag_series_observe(s, 0.001);
  ag_series_observe(s, 0.005); /* on the bound: counted in le="0.005" */
  ag_series_observe(s, 0.05);
  ag_series_observe(s, 2.0); /* above every bound: only +Inf */
  text = render(m);
  ck_assert_str_eq(text, "# HELP aulgate_hop_seconds Hop latency.\n"
                         "# TYPE aulgate_hop_seconds histogram\n"
                         "aulgate_hop_seconds_bucket{carrier=\"at\",le=\"0.005\"} 2\n"
                         "aulgate_hop_seconds_bucket{carrier=\"at\",le=\"0.01\"} 2\n"
                         "aulgate_hop_seconds_bucket{carrier=\"at\",le=\"0.1\"} 3\n"
                         "aulgate_hop_seconds_bucket{carrier=\"at\",le=\"+Inf\"} 4\n"
                         "aulgate_hop_seconds_sum{carrier=\"at\"} 2.056\n"
                         "aulgate_hop_seconds_count{carrier=\"at\"} 4\n");
  ck_assert(ag_series_value(s) == 4);
  ck_assert(ag_series_sum(s) > 2.0559 && ag_series_sum(s) < 2.0561);
  free(text);
  ag_metrics_destroy(m);
}
END_TEST

static double forty_two(void *arg)
{
  return *(double *)arg;
}

START_TEST(test_metrics_gauge_fn_and_unlabelled_zero)
{
  static const struct ag_metric_def up_def = {
      AG_METRIC_GAUGE, "aulgate_db_up", "1 while the database is connected.", {NULL}, NULL, 0};
  struct ag_metrics *m = ag_metrics_create();
  double v = 42;
  char *text;

  ck_assert_ptr_nonnull(ag_metrics_add_fn(m, &live_def, forty_two, &v));
  ck_assert_ptr_nonnull(ag_metrics_add(m, &up_def));
  ck_assert_ptr_null(ag_metric_series0(ag_metrics_find(m, "aulgate_sessions_live")));
  text = render(m);
  ck_assert_str_eq(text, "# HELP aulgate_sessions_live Live sessions.\n"
                         "# TYPE aulgate_sessions_live gauge\n"
                         "aulgate_sessions_live 42\n"
                         "# HELP aulgate_db_up 1 while the database is connected.\n"
                         "# TYPE aulgate_db_up gauge\n"
                         "aulgate_db_up 0\n");
  v = 7;
  ck_assert(ag_metrics_total(m, "aulgate_sessions_live") == 7);
  ck_assert(ag_metrics_value(m, "aulgate_sessions_live", NULL) == 7);
  ck_assert(ag_metrics_total(m, "no_such_metric") == 0);
  free(text);
  ag_metrics_destroy(m);
}
END_TEST

START_TEST(test_metrics_escaping)
{
  static const struct ag_metric_def def = {
      AG_METRIC_COUNTER, "x_total", "a \\ back\nslash", {"v"}, NULL, 0};
  struct ag_metrics *m = ag_metrics_create();
  char *text;

  ag_series_inc(ag_metric_series1(ag_metrics_add(m, &def), "q\"u\\o\nte"));
  text = render(m);
  ck_assert_str_eq(text, "# HELP x_total a \\\\ back\\nslash\n"
                         "# TYPE x_total counter\n"
                         "x_total{v=\"q\\\"u\\\\o\\nte\"} 1\n");
  free(text);
  ag_metrics_destroy(m);
}
END_TEST

START_TEST(test_metrics_bad_definitions_refused)
{
  static const double unsorted[] = {0.1, 0.01};
  static const struct ag_metric_def bad_name = {AG_METRIC_COUNTER, "1x", "h", {NULL}, NULL, 0};
  static const struct ag_metric_def bad_label = {AG_METRIC_COUNTER, "x", "h", {"a-b"}, NULL, 0};
  static const struct ag_metric_def le_label = {AG_METRIC_COUNTER, "y", "h", {"le"}, NULL, 0};
  static const struct ag_metric_def no_buckets = {AG_METRIC_HISTOGRAM, "z", "h", {NULL}, NULL, 0};
  static const struct ag_metric_def bad_buckets = {
      AG_METRIC_HISTOGRAM, "w", "h", {NULL}, unsorted, 2};
  struct ag_metrics *m = ag_metrics_create();

  ck_assert_ptr_null(ag_metrics_add(m, &bad_name));
  ck_assert_ptr_null(ag_metrics_add(m, &bad_label));
  ck_assert_ptr_null(ag_metrics_add(m, &le_label));
  ck_assert_ptr_null(ag_metrics_add(m, &no_buckets));
  ck_assert_ptr_null(ag_metrics_add(m, &bad_buckets));
  ck_assert_ptr_nonnull(ag_metrics_add(m, &hops_def));
  ck_assert_ptr_null(ag_metrics_add(m, &hops_def)); /* a name is registered once */
  ck_assert_ptr_null(ag_metrics_add_fn(m, &hops_def, forty_two, NULL)); /* has labels */
  ck_assert_ptr_null(ag_metrics_add_fn(m, &lat_def, forty_two, NULL));  /* a histogram */
  ag_metrics_destroy(m);
}
END_TEST

START_TEST(test_metrics_series_bounded_and_null_safe)
{
  struct ag_metrics *m = ag_metrics_create();
  struct ag_metric *f = ag_metrics_add(m, &hops_def);
  char v[32];

  for (int i = 0; i < AG_METRIC_SERIES_MAX; i++) {
    snprintf(v, sizeof(v), "c%d", i);
    ck_assert_ptr_nonnull(ag_metric_series2(f, v, "ok"));
  }
  ck_assert_ptr_null(ag_metric_series2(f, "one-too-many", "ok"));
  ck_assert_ptr_nonnull(ag_metric_series2(f, "c7", "ok")); /* existing ones still found */
  /* Updates on NULL do nothing rather than crash: instrumentation never fails a hop. */
  ag_series_inc(NULL);
  ag_series_add(NULL, 1);
  ag_series_set(NULL, 1);
  ag_series_observe(NULL, 1);
  ck_assert(ag_series_value(NULL) == 0);
  ck_assert_ptr_null(ag_metric_series0(NULL));
  ck_assert(ag_metrics_total(m, "aulgate_hops_total") == 0);
  ag_metrics_destroy(m);
}
END_TEST

START_TEST(test_buf_bounded)
{
  struct ag_buf b;
  char *p;
  size_t len;

  ag_buf_init(&b, 8);
  ck_assert_str_eq(ag_buf_str(&b), "");
  ck_assert_int_eq(ag_buf_adds(&b, "abcd"), AG_OK);
  ck_assert_int_eq(ag_buf_printf(&b, "%d", 123), AG_OK);
  ck_assert_int_eq(ag_buf_adds(&b, "xy"), AG_E2BIG); /* 9 > 8: refused whole */
  ck_assert_str_eq(ag_buf_str(&b), "abcd123");
  ck_assert_int_eq(ag_buf_adds(&b, "z"), AG_OK); /* exactly max */
  ck_assert_uint_eq(b.len, 8);
  ck_assert_int_eq(ag_buf_printf(&b, "%s", "w"), AG_E2BIG);
  p = ag_buf_take(&b, &len);
  ck_assert_uint_eq(len, 8);
  ck_assert_str_eq(p, "abcd123z");
  ck_assert_uint_eq(b.len, 0);
  free(p);
  ck_assert_int_eq(ag_buf_adds(&b, "again"), AG_OK);
  ag_buf_reset(&b);
  ck_assert_str_eq(ag_buf_str(&b), "");
  ag_buf_cleanup(&b);
}
END_TEST

static Suite *metrics_suite(void)
{
  Suite *s = suite_create("metrics");
  TCase *tc = tcase_create("registry");

  tcase_add_test(tc, test_metrics_counter_text);
  tcase_add_test(tc, test_metrics_histogram_cumulative);
  tcase_add_test(tc, test_metrics_gauge_fn_and_unlabelled_zero);
  tcase_add_test(tc, test_metrics_escaping);
  tcase_add_test(tc, test_metrics_bad_definitions_refused);
  tcase_add_test(tc, test_metrics_series_bounded_and_null_safe);
  suite_add_tcase(s, tc);
  tc = tcase_create("buf");
  tcase_add_test(tc, test_buf_bounded);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(metrics_suite)
