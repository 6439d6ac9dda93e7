/* it_profiles.c: a batch's profile reads in one statement (store_profile.c): several sessions'
 * first reads in one batch each get their own rows and their own verdict, as one statement per
 * read gave them: the same session read twice gets one freeze, another respondent on a session
 * frozen (before the batch, or by an earlier read of the batch) gets AG_ESTATE, another survey
 * AG_EINVAL, a process of other content AG_ESTALE; expired freezes of other sessions go 2 per
 * read, every 32 reads. With two connections (db_connections, store_lanes.c), a read on the
 * second lane completes while a write holds the first, and a read of the first lane's callers
 * waits with it. */
#include "tests/it/it_harness.h"
#include "tests/support/ag_check.h"
#include "lib/ag.h"
#include "store/store.h"

#include <check.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct event_base *base;
static struct store *st;
static PGconn *db;
static char survey[64], carrier[64];

#define now_ms() (ag_now_us() / 1000)

static void run_until(const int *done, int want)
{
  long long end = now_ms() + 10000;

  while (*done < want && now_ms() < end)
    event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
  ck_assert_int_eq(*done, want);
}

/* What one read got: its code and its rows, flattened to text. */
struct got {
  int *done;
  int rc;
  size_t n;
  char rows[512];
};

static void on_rows(void *arg, int rc, const struct store_profile_row *rows, size_t n)
{
  struct got *g = arg;
  size_t len = 0;

  g->rc = rc;
  g->n = n;
  for (size_t i = 0; i < n && len < sizeof(g->rows); i++)
    len += (size_t)snprintf(g->rows + len, sizeof(g->rows) - len, "%d:%s:%s:%d:%s=%s;",
                            rows[i].attempt, rows[i].open ? "open" : "done", rows[i].lang,
                            rows[i].fresh, rows[i].question_id ? rows[i].question_id : "-",
                            rows[i].value ? rows[i].value : "-");
  (*g->done)++;
}

static void on_saved(void *arg, int rc)
{
  ck_assert_int_eq(rc, AG_OK);
  (*(int *)arg)++;
}

/* A read by a process of content fingerprint content (NULL: a gateway of before). */
static void read_as(struct got *g, int *done, const uint8_t *who, const char *session,
                    const char *content)
{
  *g = (struct got){.done = done, .rc = -1};
  ck_assert_int_eq(
      store_query_profile(st, who, survey, 600, carrier, session, content, 0, on_rows, g), AG_OK);
}

static void read_profile(struct got *g, int *done, const uint8_t *who, const char *surv,
                         const char *session)
{
  *g = (struct got){.done = done, .rc = -1};
  ck_assert_int_eq(
      store_query_profile(st, who, surv, 600, carrier, session, "0123456789abcdef", 0, on_rows, g),
      AG_OK);
}

/* Runs the loop for ms milliseconds, or until *done reaches want. */
static void run_for(const int *done, int want, long ms)
{
  long long end = now_ms() + ms;

  while (*done < want && now_ms() < end)
    event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
}

static void setup(void)
{
  struct store_config cfg = {.conninfo = getenv("AULGATE_DB"),
                             .batch_max = 64,
                             .queue_max = 100,
                             .reconnect_ms = 200,
                             .connect_timeout_ms = 5000,
                             .stall_ms = 5000,
                             .commit_margin_ms = 200};
  long long end = now_ms() + 10000;

  ck_assert_ptr_nonnull(cfg.conninfo);
  db = it_db();
  ck_assert_ptr_nonnull(db);
  snprintf(survey, sizeof(survey), "it-prof-%d-%lld", (int)getpid(), ag_now_us());
  snprintf(carrier, sizeof(carrier), "it-prof-%d", (int)getpid());
  base = event_base_new();
  st = store_create(base, &cfg);
  ck_assert_ptr_nonnull(st);
  while (store_state(st) != STORE_UP && now_ms() < end)
    event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
  ck_assert_int_eq(store_state(st), STORE_UP);
}

static void teardown(void)
{
  char sql[256];

  store_destroy(st);
  event_base_free(base);
  snprintf(sql, sizeof(sql), "DELETE FROM survey_progress WHERE survey_id = '%s'", survey);
  it_exec(db, sql);
  snprintf(sql, sizeof(sql), "DELETE FROM responses WHERE survey_id = '%s'", survey);
  it_exec(db, sql);
  snprintf(sql, sizeof(sql), "DELETE FROM session_profile WHERE carrier = '%s'", carrier);
  it_exec(db, sql);
  PQfinish(db);
}

START_TEST(test_batch_of_first_reads_each_its_own)
{
  uint8_t a[STORE_RESPONDENT_LEN], b[STORE_RESPONDENT_LEN];
  struct store_answer ans = {.relation = "",
                             .survey_id = survey,
                             .survey_version = 1,
                             .attempt = 1,
                             .question_id = "q1",
                             .option = "yes",
                             .lang = "ru",
                             .carrier = carrier,
                             .network_code = "",
                             .session_id = "old",
                             .hop = 1};
  struct got g[8], pre;
  struct store_stats before, after;
  char sql[512];
  int done = 0, saved = 0;

  srand((unsigned)(getpid() ^ ag_now_us()));
  for (size_t i = 0; i < sizeof(a); i++) {
    a[i] = (uint8_t)(rand() | 1);
    b[i] = (uint8_t)(a[i] ^ 0x80);
  }
  /* a answered q1 in an earlier session; s0 is a's session, frozen before the batch. */
  memcpy(ans.respondent, a, sizeof(a));
  ans.received_at_us = ag_now_us();
  ck_assert_int_eq(store_submit(st, &ans, on_saved, &saved), AG_OK);
  run_until(&saved, 1);
  read_profile(&pre, &done, a, survey, "s0");
  run_until(&done, 1);
  ck_assert_int_eq(pre.rc, AG_OK);
  ck_assert_str_eq(pre.rows, "1:open:ru:1:q1=yes;");
  /* Expired freezes of other sessions: up to 2 per read go with the batch. */
  snprintf(sql, sizeof(sql),
           "INSERT INTO session_profile SELECT '%s', 'x' || g, '\\x%064x'::bytea, '%s', '[]',"
           " now() - interval '100 years' - g * interval '1 s' FROM generate_series(1, 40) g",
           carrier, 0, survey);
  it_exec(db, sql);

  store_stats(st, &before);
  done = 0;
  read_profile(&g[0], &done, a, survey, "s1");  /* new: a's profile */
  read_profile(&g[1], &done, a, survey, "s1");  /* the same read again: the same freeze */
  read_profile(&g[2], &done, b, survey, "s2");  /* new, b: nothing known */
  read_profile(&g[3], &done, b, survey, "s0");  /* a's session before the batch: refused */
  read_profile(&g[4], &done, a, "other", "s0"); /* a's session of another survey: refused */
  read_profile(&g[5], &done, b, survey, "s1");  /* frozen for a by g[0] in this batch: refused */
  read_profile(&g[6], &done, a, survey, "s3");  /* new, a again */
  read_profile(&g[7], &done, a, survey, "s0");  /* a's frozen session: its rows */
  run_until(&done, 8);
  store_stats(st, &after);
  ck_assert_uint_eq(after.batches - before.batches, 1); /* all in one batch */

  ck_assert_int_eq(g[0].rc, AG_OK);
  ck_assert_str_eq(g[0].rows, "1:open:ru:1:q1=yes;");
  ck_assert_int_eq(g[1].rc, AG_OK);
  ck_assert_str_eq(g[1].rows, g[0].rows);
  ck_assert_int_eq(g[2].rc, AG_OK);
  ck_assert_uint_eq(g[2].n, 0);
  ck_assert_int_eq(g[3].rc, AG_ESTATE);
  ck_assert_int_eq(g[4].rc, AG_EINVAL);
  ck_assert_int_eq(g[5].rc, AG_ESTATE);
  ck_assert_int_eq(g[6].rc, AG_OK);
  ck_assert_str_eq(g[6].rows, g[0].rows);
  ck_assert_int_eq(g[7].rc, AG_OK);
  ck_assert_str_eq(g[7].rows, pre.rows);

  /* One freeze per session, each its respondent's; nothing stored for the refused numbers. */
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM session_profile WHERE carrier = '%s' AND started_at > now() - "
           "interval '1 hour'",
           carrier);
  ck_assert_int_eq(it_count(db, sql), 4);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM session_profile WHERE carrier = '%s' AND carrier_session_id IN"
           " ('s1', 's3', 's0') AND respondent = '\\x",
           carrier);
  for (size_t i = 0; i < sizeof(a); i++)
    snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql), "%02x", a[i]);
  snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql), "'::bytea AND survey_id = '%s'", survey);
  ck_assert_int_eq(it_count(db, sql), 3);
  /* Expired freezes go once 32 reads have passed (STORE__EXPIRE_EVERY), 2 per read, the oldest
   * first: after 9 reads none, after 32 this test's 40 (older than any other's). */
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM session_profile WHERE carrier = '%s' AND carrier_session_id"
           " LIKE 'x%%'",
           carrier);
  ck_assert_int_eq(it_count(db, sql), 40);
  {
    struct got more[23];
    char session[32];
    done = 0;
    for (int i = 0; i < 23; i++) {
      snprintf(session, sizeof(session), "t%d", i);
      read_profile(&more[i], &done, b, survey, session);
    }
    run_until(&done, 23);
    for (int i = 0; i < 23; i++)
      ck_assert_int_eq(more[i].rc, AG_OK);
  }
  ck_assert_int_eq(it_count(db, sql), 0);
}
END_TEST

/* A session is bound to the content of the process that froze it (0027): a later read by a
 * process of other content gets AG_ESTALE and nothing of the profile, in the same batch as the
 * freeze or after it; a read or a freeze without a fingerprint (a gateway of before) is not
 * checked. */
START_TEST(test_content_binds_the_session)
{
  static const char *const A = "aaaaaaaaaaaaaaaa", *const B = "bbbbbbbbbbbbbbbb";
  uint8_t who[STORE_RESPONDENT_LEN];
  struct got g[4];
  char sql[256];
  int done = 0;

  for (size_t i = 0; i < sizeof(who); i++)
    who[i] = (uint8_t)(0x5a ^ i ^ (unsigned)getpid());
  read_as(&g[0], &done, who, "c1", A); /* freezes c1 with A */
  read_as(&g[1], &done, who, "c1", B); /* the same batch, other content */
  read_as(&g[2], &done, who, "c2", NULL);
  run_until(&done, 3);
  ck_assert_int_eq(g[0].rc, AG_OK);
  ck_assert_int_eq(g[1].rc, AG_ESTALE);
  ck_assert_uint_eq(g[1].n, 0);
  ck_assert_int_eq(g[2].rc, AG_OK);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM session_profile WHERE carrier = '%s' AND ((carrier_session_id ="
           " 'c1' AND content = '%s') OR (carrier_session_id = 'c2' AND content IS NULL))",
           carrier, A);
  ck_assert_int_eq(it_count(db, sql), 2);
  done = 0;
  read_as(&g[0], &done, who, "c1", A);
  read_as(&g[1], &done, who, "c1", B);
  read_as(&g[2], &done, who, "c1", NULL);
  read_as(&g[3], &done, who, "c2", B); /* frozen without one */
  run_until(&done, 4);
  ck_assert_int_eq(g[0].rc, AG_OK);
  ck_assert_int_eq(g[1].rc, AG_ESTALE);
  ck_assert_int_eq(g[2].rc, AG_OK);
  ck_assert_int_eq(g[3].rc, AG_OK);
}
END_TEST

START_TEST(test_reads_beside_a_held_write)
{
  struct store_config cfg = {.conninfo = getenv("AULGATE_DB"),
                             .batch_max = 64,
                             .queue_max = 100,
                             .reconnect_ms = 200,
                             .connect_timeout_ms = 5000,
                             .stall_ms = 5000,
                             .commit_margin_ms = 200,
                             .connections = 2};
  struct store_audit au = {.role = "admin",
                           .action = "it_profiles",
                           .target = "lanes",
                           .status = 200,
                           .outcome = "ok",
                           .request_id = "it-lanes"};
  uint8_t one[STORE_RESPONDENT_LEN], zero[STORE_RESPONDENT_LEN];
  struct store *two;
  struct got g1, g0;
  long long end = now_ms() + 10000;
  int done1 = 0, done0 = 0, written = 0;

  /* Lane = the respondent's first 4 bytes modulo 2: 0x01010101 odd, 0x02020202 even. */
  memset(one, 1, sizeof(one));
  memset(zero, 2, sizeof(zero));
  two = store_create(base, &cfg);
  ck_assert_ptr_nonnull(two);
  while (store_state(two) != STORE_UP && now_ms() < end)
    event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
  ck_assert_int_eq(store_state(two), STORE_UP);
  /* The first lane's batch waits on the lock, with the audit row in it. */
  it_exec(db, "BEGIN");
  it_exec(db, "LOCK TABLE audit IN EXCLUSIVE MODE");
  ck_assert_int_eq(store_submit_audit(two, &au, on_saved, &written), AG_OK);
  run_for(&written, 1, 200);
  g1 = (struct got){.done = &done1, .rc = -1};
  g0 = (struct got){.done = &done0, .rc = -1};
  ck_assert_int_eq(
      store_query_profile(two, one, survey, 600, carrier, "lane1", NULL, 0, on_rows, &g1), AG_OK);
  ck_assert_int_eq(
      store_query_profile(two, zero, survey, 600, carrier, "lane0", NULL, 0, on_rows, &g0), AG_OK);
  run_for(&done1, 1, 3000);
  ck_assert_msg(done1 == 1, "a read on the second lane waited for the first lane's write");
  ck_assert_int_eq(g1.rc, AG_OK);
  ck_assert_uint_eq(g1.n, 0);
  ck_assert_int_eq(done0, 0); /* the first lane's caller: behind the held batch */
  ck_assert_int_eq(written, 0);
  ck_assert_uint_eq(store_pending(two), 2);
  it_exec(db, "ROLLBACK");
  run_until(&done0, 1);
  run_until(&written, 1);
  ck_assert_int_eq(g0.rc, AG_OK);
  ck_assert_uint_eq(store_pending(two), 0);
  store_destroy(two);
  it_exec(db, "DELETE FROM audit WHERE request_id = 'it-lanes'");
}
END_TEST

static Suite *profiles_suite(void)
{
  Suite *s = suite_create("it_profiles");
  TCase *tc = tcase_create("batch");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_batch_of_first_reads_each_its_own);
  tcase_add_test(tc, test_content_binds_the_session);
  tcase_add_test(tc, test_reads_beside_a_held_write);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(profiles_suite)
