/* check_sess_wheel.c: the session table's one timer per session (a timer wheel, sess_wheel.c)
 * on a real event loop with short idle and maximum times: sessions end in the order of their
 * deadlines and never before them, a hop moves the idle deadline on, the maximum length holds
 * however often the caller answers, a tombstone answers for session_max_ms and then goes, and
 * sessions taken out or ended from inside a callback leave nothing behind (ASan watches). Also
 * what a session costs: its size for a new and a resuming caller, the profile's compact copy,
 * and a carrier name longer than the old fixed field. Times are bounds with wide margins, never
 * measurements. */
#include <check.h>
#include <event2/event.h>
#include <stdio.h>
#include <string.h>

#include "lib/ag.h"
#include "sessions/sess.h"
#include "tests/support/ag_check.h"

#ifndef CONTENT_DIR
#error "CONTENT_DIR must name the shipped content folder"
#endif

static const struct sess_budget budget = {75, 175};
static struct sess_content *content;
static struct event_base *base;

#define MAX_ENDS 64
static struct {
  char id[32];
  enum sess_end_reason why;
  long long at_ms; /* since the test's start */
} ends[MAX_ENDS];
static int n_ends;
static long long t0_ms;
static struct sess_session *pair[2]; /* the end of one takes the other out */

static long long now_ms(void)
{
  return ag_mono_us() / 1000 - t0_ms;
}

static void on_end(void *arg, struct sess_session *s)
{
  (void)arg;
  ck_assert_int_lt(n_ends, MAX_ENDS);
  snprintf(ends[n_ends].id, sizeof(ends[n_ends].id), "%s", sess_session_id(s));
  ends[n_ends].why = sess_session_ended(s);
  ends[n_ends].at_ms = now_ms();
  n_ends++;
  if (s == pair[0] || s == pair[1]) {
    sess_table_forget(pair[s == pair[0]]);
    pair[0] = pair[1] = NULL;
  }
}

static void setup(void)
{
  char err[256];

  ck_assert_int_eq(sess_content_load(CONTENT_DIR, &budget, NULL, 0, &content, err, sizeof(err)),
                   AG_OK);
  base = event_base_new();
  ck_assert_ptr_nonnull(base);
  n_ends = 0;
  pair[0] = pair[1] = NULL;
  t0_ms = ag_mono_us() / 1000;
}

static void teardown(void)
{
  sess_content_unref(content);
  event_base_free(base);
}

static void run_ms(long ms)
{
  struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

  event_base_loopexit(base, &tv);
  event_base_dispatch(base);
}

static struct sess_session *add(struct sess_table *t, const char *id)
{
  uint8_t key[32] = {7};
  struct sess_session *s =
      sess_table_add(t, "at", id, "+77011234567", key, content, 1700000000000000LL);

  ck_assert_ptr_nonnull(s);
  return s;
}

START_TEST(test_wheel_expiry_order)
{
  struct sess_table *t = sess_table_create(base, 200, 60000, on_end, NULL);
  long long created[3];
  const char *ids[] = {"A", "B", "C"};

  for (int i = 0; i < 3; i++) {
    created[i] = now_ms();
    add(t, ids[i]);
    run_ms(40);
  }
  ck_assert_int_eq(n_ends, 0);
  for (int i = 0; i < 100 && n_ends < 3; i++)
    run_ms(20);
  ck_assert_int_eq(n_ends, 3);
  for (int i = 0; i < 3; i++) {
    ck_assert_str_eq(ends[i].id, ids[i]); /* in the order of their deadlines */
    ck_assert_int_eq(ends[i].why, SESS_END_IDLE);
    ck_assert_int_ge(ends[i].at_ms, created[i] + 200 - 1); /* never early (1: ms rounding) */
  }
  ck_assert_uint_eq(sess_table_live(t), 0);
  /* Tombstones: still found, ended. */
  ck_assert_int_eq(sess_session_ended(sess_table_find(t, "at", "A")), SESS_END_IDLE);
  sess_table_destroy(t);
}
END_TEST

START_TEST(test_wheel_touch_moves_idle_deadline)
{
  struct sess_table *t = sess_table_create(base, 300, 60000, on_end, NULL);
  struct sess_session *s = add(t, "T");
  long long last;

  /* Hops every 60 ms for about a second: five times the idle time, never idle that long. */
  for (size_t hop = 1; hop <= 16; hop++) {
    run_ms(60);
    sess_table_touch(s, hop);
  }
  last = now_ms();
  ck_assert_int_eq(n_ends, 0);
  ck_assert_int_eq(sess_session_ended(s), SESS_LIVE);
  ck_assert_uint_eq(sess_session_hops(s), 16);
  for (int i = 0; i < 100 && n_ends == 0; i++)
    run_ms(20);
  ck_assert_int_eq(n_ends, 1);
  ck_assert_int_eq(ends[0].why, SESS_END_IDLE);
  ck_assert_int_ge(ends[0].at_ms, last + 300 - 1);
  sess_table_destroy(t);
}
END_TEST

START_TEST(test_wheel_max_session_time)
{
  struct sess_table *t = sess_table_create(base, 250, 700, on_end, NULL);
  long long created = now_ms();
  struct sess_session *s = add(t, "M");

  /* A caller who answers every 50 ms is never idle, and still ends at the maximum length. */
  for (size_t hop = 1; hop <= 100 && n_ends == 0; hop++) {
    run_ms(50);
    if (n_ends == 0)
      sess_table_touch(s, hop);
  }
  ck_assert_int_eq(n_ends, 1);
  ck_assert_int_eq(ends[0].why, SESS_END_MAX);
  ck_assert_int_ge(ends[0].at_ms, created + 700 - 1);
  ck_assert_int_eq(sess_session_ended(s), SESS_END_MAX);
  sess_table_destroy(t);
}
END_TEST

START_TEST(test_wheel_tombstone_lifetime)
{
  struct sess_table *t = sess_table_create(base, 60000, 400, on_end, NULL);
  struct sess_session *s = add(t, "Z");
  long long ended;

  sess_table_end(s, SESS_END_SCREEN);
  ended = now_ms();
  ck_assert_uint_eq(sess_table_live(t), 0);
  /* A late hop during the tombstone's time finds it and changes nothing of its lifetime. */
  run_ms(150);
  ck_assert_ptr_eq(sess_table_find(t, "at", "Z"), s);
  sess_table_touch(s, 2);
  for (int i = 0; i < 100 && sess_table_find(t, "at", "Z"); i++)
    run_ms(20);
  ck_assert_ptr_null(sess_table_find(t, "at", "Z"));
  ck_assert_int_ge(now_ms(), ended + 400 - 1);
  ck_assert_int_le(now_ms(), ended + 400 + 1500); /* gone, and not a wheel's turn late */
  ck_assert_int_eq(n_ends, 1);                    /* the end callback ran once */
  sess_table_destroy(t);
}
END_TEST

START_TEST(test_wheel_forget_and_end_inside_callback)
{
  struct sess_table *t = sess_table_create(base, 100, 300, on_end, NULL);
  struct sess_session *gone;

  /* Created together: due in the same tick, or the next. The end of the first takes the other
   * out of the table; a third was taken out before and must never fire. */
  pair[0] = add(t, "A");
  pair[1] = add(t, "B");
  gone = add(t, "G");
  sess_table_forget(gone);
  for (int i = 0; i < 100 && n_ends == 0; i++)
    run_ms(20);
  ck_assert_int_eq(n_ends, 1);
  ck_assert_uint_eq(sess_table_live(t), 0);
  ck_assert_ptr_null(sess_table_find(t, "at", "G"));
  /* The one that ended is a tombstone, the other is gone. */
  ck_assert_ptr_nonnull(sess_table_find(t, "at", ends[0].id));
  ck_assert_ptr_null(sess_table_find(t, "at", strcmp(ends[0].id, "A") == 0 ? "B" : "A"));
  /* A session added after all this still ends, and the tombstone goes. */
  add(t, "C");
  for (int i = 0; i < 100 && (n_ends < 2 || sess_table_find(t, "at", ends[0].id)); i++)
    run_ms(20);
  ck_assert_int_eq(n_ends, 2);
  ck_assert_str_eq(ends[1].id, "C");
  ck_assert_ptr_null(sess_table_find(t, "at", ends[0].id));
  sess_table_destroy(t);
}
END_TEST

static void add_row(struct sess_profile *p, const char *relation, int attempt, int open,
                    const char *q, const char *v)
{
  struct sess_profile_row row = {relation, attempt, open, open, "ru", q, v, 0, 0, NULL};

  ck_assert_int_eq(sess_profile_add(p, &row), AG_OK);
}

static void never(struct sess_waiter *w, int rc)
{
  (void)w;
  (void)rc;
}

static void settle(struct sess_session *s, struct sess_profile *p)
{
  struct sess_waiter w = {NULL, never};
  int load;

  ck_assert_int_eq(sess_profile_wait(s, &w, &load), AG_AGAIN);
  sess_profile_settle(s, AG_OK, p);
}

START_TEST(test_session_compact)
{
  struct sess_table *t = sess_table_create(base, 60000, 60000, on_end, NULL);
  /* An Africa's Talking-like session id. */
  struct sess_session *n1 = add(t, "ATUid_0123456789abcdef0123456789abcdef");
  struct sess_session *n2 = add(t, "ATUid_0123456789abcdef0123456789abcdeg");
  struct sess_session *r = add(t, "ATUid_0123456789abcdef0123456789abcdeh");
  const struct sess_profile *pr;
  struct sess_profile p;
  char longer[100];
  uint8_t key[32] = {7};

  /* New callers share one empty profile: nothing but the session itself. */
  memset(&p, 0, sizeof(p));
  settle(n1, &p);
  memset(&p, 0, sizeof(p));
  settle(n2, &p);
  ck_assert_ptr_eq(sess_session_ctx(n1)->profile, sess_session_ctx(n2)->profile);
  ck_assert_int_eq(sess_session_ctx(n1)->profile->has_lang, 0);
  ck_assert_uint_le(sess_session_size(n1), 256);

  /* A resuming caller: a compact copy equal to what was built, answers cut as before. */
  memset(&p, 0, sizeof(p));
  memset(longer, 'x', sizeof(longer) - 1);
  longer[sizeof(longer) - 1] = '\0';
  add_row(&p, "mother", 2, 1, "grade", "1-4");
  add_row(&p, "mother", 2, 1, "L1", longer);
  add_row(&p, "mother", 2, 1, "a_question_id_longer_than_31_bytes", "2");
  add_row(&p, "father", 1, 0, "L1", "no");
  settle(r, &p);
  ck_assert_uint_eq(p.n, 0); /* the builder was emptied */
  pr = sess_session_ctx(r)->profile;
  ck_assert_int_eq(sess_session_lang(r), SESS_RU);
  ck_assert_str_eq(pr->grade, "1-4");
  ck_assert_uint_eq(pr->n, 2);
  ck_assert_str_eq(pr->prior[0].relation, "mother");
  ck_assert_int_eq(pr->prior[0].open_attempt, 2);
  ck_assert_uint_eq(pr->prior[0].n, 3);
  ck_assert_str_eq(pr->prior[0].kv[0].key, "grade");
  ck_assert_uint_eq(strlen(pr->prior[0].kv[1].value), SESS_KV_VALUE_MAX);
  ck_assert_uint_eq(strlen(pr->prior[0].kv[2].key), SESS_KV_KEY_MAX);
  ck_assert_str_eq(pr->prior[0].kv[2].value, "2");
  ck_assert_str_eq(pr->prior[1].relation, "father");
  ck_assert_int_eq(pr->prior[1].last_attempt, 1);
  ck_assert_uint_eq(pr->prior[1].n, 0);

  /* A typical resuming caller (bench_sessions): five answers kept, within 512 bytes with
   * malloc's overhead. */
  r = add(t, "ATUid_0123456789abcdef0123456789abcdei");
  memset(&p, 0, sizeof(p));
  add_row(&p, "mother", 1, 1, "grade", "g1_4");
  add_row(&p, "mother", 1, 1, "school", "12");
  add_row(&p, "mother", 1, 1, "L1", "1");
  add_row(&p, "mother", 1, 1, "L2", "2");
  add_row(&p, "mother", 1, 1, "L3", "1");
  settle(r, &p);
  ck_assert_uint_le(sess_session_size(r), 512 - 16);

  /* A carrier's name is kept whole (it was cut to 15 bytes, and then never found again). */
  ck_assert_ptr_nonnull(sess_table_add(t, "a_carrier_named_at_length", "S", "+77011234567", key,
                                       content, 1700000000000000LL));
  ck_assert_ptr_nonnull(sess_table_find(t, "a_carrier_named_at_length", "S"));
  ck_assert_str_eq(sess_session_carrier(sess_table_find(t, "a_carrier_named_at_length", "S")),
                   "a_carrier_named_at_length");
  ck_assert_ptr_null(sess_table_find(t, "at", "S"));
  sess_table_destroy(t);
}
END_TEST

static Suite *wheel_suite(void)
{
  Suite *s = suite_create("sess_wheel");
  TCase *tc = tcase_create("wheel");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, test_wheel_expiry_order);
  tcase_add_test(tc, test_wheel_touch_moves_idle_deadline);
  tcase_add_test(tc, test_wheel_max_session_time);
  tcase_add_test(tc, test_wheel_tombstone_lifetime);
  tcase_add_test(tc, test_wheel_forget_and_end_inside_callback);
  tcase_add_test(tc, test_session_compact);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(wheel_suite)
