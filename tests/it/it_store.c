/* it_store.c: the store's before-Sync hook against the real PostgreSQL: what a hook adds runs
 * once per batch, in the batch's transaction (commits with its answers, or fails with them). */
#include "tests/it/it_harness.h"
#include "tests/support/ag_check.h"
#include "lib/ag.h"
#include "lib/ag_metrics.h"
#include "store/store.h"

#include <check.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct event_base *base;
static struct store *st;
static struct ag_metrics *metrics; /* the registry the store counts into */
static PGconn *db;
static char table[64], survey[64];
static int next_session;

struct hook {
  int calls;
  size_t answers_seen;
  int bad_survey; /* an answer of the view not of this test */
  const char *sql;
};

static void exec(const char *sql)
{
  PGresult *r = PQexec(db, sql);

  ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "%s: %s", sql, PQresultErrorMessage(r));
  PQclear(r);
}

/* Milliseconds of the wall clock. */
#define now_ms() (ag_now_us() / 1000)

/* Runs the loop until *done reaches want, at most 10 s. */
static void run_until(const int *done, int want)
{
  long long end = now_ms() + 10000;

  while (*done < want && now_ms() < end)
    event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
  ck_assert_int_eq(*done, want);
}

/* One counter row per batch: how many answers and statements it carried. */
static void on_before_sync(void *arg, struct store_sync *sync, const struct store_batch_view *v)
{
  struct hook *h = arg;
  char answers[24], items[24];
  const char *params[2] = {answers, items};

  h->calls++;
  h->answers_seen += v->n_answers;
  for (size_t i = 0; i < v->n_answers; i++)
    h->bad_survey |= strcmp(v->answers[i]->survey_id, survey) != 0 ||
                     strcmp(v->answers[i]->question_id, "q1") != 0;
  snprintf(answers, sizeof(answers), "%zu", v->n_answers);
  snprintf(items, sizeof(items), "%zu", v->n_items);
  ck_assert_int_eq(store_sync_add(sync, h->sql, 2, params), AG_OK);
}

struct results {
  int done, ok, edb;
};

static void on_saved(void *arg, int rc)
{
  struct results *r = arg;

  r->done++;
  r->ok += rc == AG_OK;
  r->edb += rc == AG_EDB;
}

static void on_profile(void *arg, int rc, const struct store_profile_row *rows, size_t n)
{
  (void)rows;
  (void)n;
  on_saved(arg, rc);
}

static void submit(struct results *res)
{
  char session[96];
  struct store_answer a = {.relation = "",
                           .survey_id = survey,
                           .survey_version = 1,
                           .attempt = 1,
                           .question_id = "q1",
                           .option = "yes",
                           .lang = "en",
                           .carrier = "it-store",
                           .network_code = "",
                           .session_id = session,
                           .hop = 1};

  snprintf(session, sizeof(session), "%s-%d", survey, next_session++);
  for (size_t i = 0; i < sizeof(a.respondent); i++)
    a.respondent[i] = (uint8_t)rand();
  a.received_at_us = ag_now_us();
  ck_assert_int_eq(store_submit(st, &a, on_saved, res), AG_OK);
}

static long stored(void)
{
  char sql[256];

  snprintf(sql, sizeof(sql), "SELECT count(*) FROM responses WHERE survey_id = '%s'", survey);
  return it_count(db, sql);
}

static void setup(void)
{
  struct store_config cfg = {.conninfo = getenv("AULGATE_DB"),
                             .batch_max = 4,
                             .queue_max = 100,
                             .reconnect_ms = 200,
                             .connect_timeout_ms = 5000};
  char sql[256];
  long long end = now_ms() + 10000;

  ck_assert_ptr_nonnull(cfg.conninfo);
  srand((unsigned)getpid());
  db = it_db();
  ck_assert_ptr_nonnull(db);
  snprintf(table, sizeof(table), "it_store_batches_%d", (int)getpid());
  snprintf(survey, sizeof(survey), "it-hook-%d-%lld", (int)getpid(), ag_now_us());
  snprintf(
      sql, sizeof(sql),
      "CREATE TABLE %s (batch bigserial PRIMARY KEY, answers int NOT NULL, items int NOT NULL)",
      table);
  exec(sql);
  base = event_base_new();
  metrics = ag_metrics_create();
  ck_assert_ptr_nonnull(metrics);
  cfg.metrics = metrics;
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
  ag_metrics_destroy(metrics);
  event_base_free(base);
  snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS %s", table);
  exec(sql);
  snprintf(sql, sizeof(sql), "DELETE FROM survey_progress WHERE survey_id = '%s'", survey);
  exec(sql);
  snprintf(sql, sizeof(sql), "DELETE FROM responses WHERE survey_id = '%s'", survey);
  exec(sql);
  snprintf(sql, sizeof(sql), "DELETE FROM session_profile WHERE survey_id = '%s'", survey);
  exec(sql);
  PQfinish(db);
}

START_TEST(test_hook_runs_once_per_batch_in_its_transaction)
{
  char sql[256];
  struct hook h = {0};
  struct results res = {0};
  struct store_stats stats;
  uint8_t nobody[STORE_RESPONDENT_LEN] = {0};

  snprintf(sql, sizeof(sql), "INSERT INTO %s (answers, items) VALUES ($1::int, $2::int)", table);
  h.sql = sql;
  store_set_before_sync(st, on_before_sync, &h);
  /* Ten answers in one loop turn: batches of at most 4 (batch_max). */
  for (int i = 0; i < 10; i++)
    submit(&res);
  run_until(&res.done, 10);
  /* Then answers with a read in the same batch: the read is an item, not an answer. */
  for (int i = 0; i < 3; i++)
    submit(&res);
  ck_assert_int_eq(
      store_query_profile(st, nobody, survey, 60, "it-store", survey, on_profile, &res), AG_OK);
  run_until(&res.done, 14);
  ck_assert_int_eq(res.ok, 14);
  store_stats(st, &stats);
  ck_assert_int_eq(h.bad_survey, 0);
  ck_assert_uint_eq(h.answers_seen, 13);
  ck_assert_int_ge(h.calls, 4); /* 4 + 4 + 2, then 3 + 1 */
  ck_assert_uint_eq(stats.batches, (uint64_t)h.calls);
  ck_assert_uint_eq(stats.answers, 13);
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
  ck_assert_int_eq(it_count(db, sql), (long)stats.batches);
  snprintf(sql, sizeof(sql), "SELECT sum(answers) FROM %s", table);
  ck_assert_int_eq(it_count(db, sql), 13);
  snprintf(sql, sizeof(sql), "SELECT sum(items) FROM %s", table);
  ck_assert_int_eq(it_count(db, sql), 14);
  snprintf(sql, sizeof(sql), "SELECT max(answers) FROM %s", table);
  ck_assert_int_le(it_count(db, sql), 4);
  ck_assert_int_eq(stored(), 13);
  /* The registry counts what the store counts: /healthz and /metrics read these. */
  ck_assert(ag_metrics_value(metrics, "aulgate_db_writes_total", (const char *[]){"committed"}) ==
            13);
  ck_assert(ag_metrics_value(metrics, "aulgate_db_writes_total", (const char *[]){"failed"}) == 0);
  ck_assert(ag_metrics_total(metrics, "aulgate_db_batches_total") == (double)stats.batches);
  ck_assert(ag_metrics_total(metrics, "aulgate_db_batch_size") == (double)stats.batches);
  ck_assert(ag_metrics_total(metrics, "aulgate_db_commit_seconds") == (double)stats.batches);
}
END_TEST

START_TEST(test_hook_failure_fails_the_batch)
{
  char sql[256];
  struct hook h = {0};
  struct results res = {0};

  /* A counter statement that fails: the answers of its batch must not commit without it. */
  snprintf(sql, sizeof(sql),
           "INSERT INTO %s (answers, items) VALUES ($1::int, NULLIF($2, $2)::int)", table);
  h.sql = sql;
  store_set_before_sync(st, on_before_sync, &h);
  submit(&res);
  submit(&res);
  run_until(&res.done, 2);
  ck_assert_int_eq(res.edb, 2);
  ck_assert_int_eq(stored(), 0);
  ck_assert(ag_metrics_value(metrics, "aulgate_db_writes_total", (const char *[]){"failed"}) == 2);
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
  ck_assert_int_eq(it_count(db, sql), 0);
  /* Without the hook the store goes on committing. */
  store_set_before_sync(st, NULL, NULL);
  res = (struct results){0};
  submit(&res);
  run_until(&res.done, 1);
  ck_assert_int_eq(res.ok, 1);
  ck_assert_int_eq(stored(), 1);
}
END_TEST

static Suite *store_suite(void)
{
  Suite *s = suite_create("it_store");
  TCase *tc = tcase_create("before_sync");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_hook_runs_once_per_batch_in_its_transaction);
  tcase_add_test(tc, test_hook_failure_fails_the_batch);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(store_suite)
