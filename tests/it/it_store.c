/* it_store.c: the store against the real PostgreSQL: the before-Sync hook (what it adds runs
 * once per batch, in the batch's transaction) and deadlines (a callback exactly once, by the
 * deadline, with a code that says whether the write may have committed; what then became of it
 * counted). */
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

#define STALL_MS  500 /* the store's stall_ms */
#define MARGIN_MS 200 /* the store's commit_margin_ms */

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
  int done, ok, edb, timedout, unconfirmed;
  long long last_mono; /* ag_mono_us() of the latest callback */
};

static void on_saved(void *arg, int rc)
{
  struct results *r = arg;

  r->done++;
  r->ok += rc == AG_OK;
  r->edb += rc == AG_EDB;
  r->timedout += rc == AG_ETIMEDOUT;
  r->unconfirmed += rc == AG_EUNCONFIRMED;
  r->last_mono = ag_mono_us();
}

static void on_profile(void *arg, int rc, const struct store_profile_row *rows, size_t n)
{
  (void)rows;
  (void)n;
  on_saved(arg, rc);
}

/* One answer of this test's survey by a random respondent, under its own session id; deadline
 * in ms from now (0: none). */
static void submit_by(struct results *res, long deadline_ms)
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
  a.deadline_us = deadline_ms ? ag_mono_us() + deadline_ms * 1000LL : 0;
  ck_assert_int_eq(store_submit(st, &a, on_saved, res), AG_OK);
}

static void submit(struct results *res)
{
  submit_by(res, 0);
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
                             .connect_timeout_ms = 5000,
                             .stall_ms = STALL_MS,
                             .commit_margin_ms = MARGIN_MS};
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
  it_exec(db, sql);
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
  it_exec(db, sql);
  snprintf(sql, sizeof(sql), "DROP FUNCTION IF EXISTS %s_sleep()", table);
  it_exec(db, sql);
  snprintf(sql, sizeof(sql), "DELETE FROM survey_progress WHERE survey_id = '%s'", survey);
  it_exec(db, sql);
  snprintf(sql, sizeof(sql), "DELETE FROM responses WHERE survey_id = '%s'", survey);
  it_exec(db, sql);
  snprintf(sql, sizeof(sql), "DELETE FROM session_profile WHERE survey_id = '%s'", survey);
  it_exec(db, sql);
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
      store_query_profile(st, nobody, survey, 60, "it-store", survey, NULL, 0, on_profile, &res),
      AG_OK);
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

/* Runs the loop for ms. */
static void run_for(long ms)
{
  long long end = now_ms() + ms;

  while (now_ms() < end)
    event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
}

/* Runs the loop until nothing is queued or in flight, at most 10 s. */
static void run_until_idle(void)
{
  long long end = now_ms() + 10000;

  while (store_pending(st) > 0 && now_ms() < end)
    event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
  ck_assert_uint_eq(store_pending(st), 0);
}

/* A second connection holding the answers table, as an operator's LOCK TABLE would. */
static PGconn *lock_responses(void)
{
  PGconn *lock = it_db();
  PGresult *r;

  ck_assert_ptr_nonnull(lock);
  PQclear(PQexec(lock, "BEGIN"));
  r = PQexec(lock, "LOCK TABLE responses IN ACCESS EXCLUSIVE MODE");
  ck_assert_int_eq(PQresultStatus(r), PGRES_COMMAND_OK);
  PQclear(r);
  return lock;
}

static void unlock(PGconn *lock)
{
  PQclear(PQexec(lock, "COMMIT"));
  PQfinish(lock);
}

#define late(outcome)                                                                              \
  ag_metrics_value(metrics, "aulgate_db_late_writes_total", (const char *[]){outcome})

/* The table is locked: the first answer's batch waits in flight, the second queues behind it.
 * The queued one is dropped unsent a margin before its deadline (AG_ETIMEDOUT); the one in flight
 * is released at its deadline (AG_EUNCONFIRMED); the store says stalled. When the lock goes, the
 * guard aborts the late batch: nothing is stored, no callback runs again, the abort is counted. */
START_TEST(test_deadline_queued_expire_in_flight_unconfirmed)
{
  PGconn *lock = lock_responses();
  struct results a = {0}, b = {0}, c = {0};
  struct store_stats stats;
  long long t0 = ag_mono_us(), tb;

  submit_by(&a, 800);
  run_for(100); /* a's batch is out, waiting for the lock */
  ck_assert_int_eq(store_stalled(st), 0);
  tb = ag_mono_us();
  submit_by(&b, 600);
  run_until(&b.done, 1);
  ck_assert_int_eq(b.timedout, 1);
  ck_assert_int_eq(a.done, 0);
  /* Dropped a margin before its deadline, not later. */
  ck_assert_int_le(b.last_mono - tb, (600 - MARGIN_MS + 100) * 1000LL);
  ck_assert_int_ge(b.last_mono - tb, (600 - MARGIN_MS) * 1000LL);
  run_until(&a.done, 1);
  ck_assert_int_eq(a.unconfirmed, 1);
  ck_assert_int_ge(a.last_mono - t0, 800 * 1000LL);
  ck_assert_int_le(a.last_mono - t0, 900 * 1000LL);
  ck_assert_int_eq(store_stalled(st), 1); /* its batch is older than stall_ms */
  ck_assert_int_ge(store_batch_age_us(st), STALL_MS * 1000LL);
  run_for(300); /* the lock is still held: still stalled, nobody called twice */
  ck_assert_int_eq(store_stalled(st), 1);
  unlock(lock);
  run_until_idle();
  ck_assert_int_eq(a.done, 1);
  ck_assert_int_eq(b.done, 1);
  ck_assert_int_eq(store_stalled(st), 0);
  ck_assert_int_eq(stored(), 0); /* the guard aborted the late batch */
  store_stats(st, &stats);
  ck_assert_uint_eq(stats.expired, 1);
  ck_assert_uint_eq(stats.unconfirmed, 1);
  ck_assert_uint_eq(stats.late_aborted, 1);
  ck_assert_uint_eq(stats.late_committed, 0);
  ck_assert(late("aborted") == 1 && late("committed") == 0);
  ck_assert(ag_metrics_value(metrics, "aulgate_db_writes_total", (const char *[]){"expired"}) == 1);
  ck_assert(ag_metrics_value(metrics, "aulgate_db_writes_total", (const char *[]){"unconfirmed"}) ==
            1);
  /* The store goes on. */
  submit_by(&c, 2000);
  run_until(&c.done, 1);
  ck_assert_int_eq(c.ok, 1);
  ck_assert_int_eq(stored(), 1);
}
END_TEST

/* A batch that passed its guard in time but whose commit ends after the deadline (a deferred
 * trigger sleeps at COMMIT): the caller heard AG_EUNCONFIRMED at the deadline, once; the commit
 * that followed is counted as a late commit, and the row is there for the next session to read. */
START_TEST(test_deadline_late_commit_counted)
{
  char sql[512];
  struct hook h = {0};
  struct results a = {0};
  struct store_stats stats;
  long long t0;

  snprintf(sql, sizeof(sql),
           "CREATE FUNCTION %s_sleep() RETURNS trigger LANGUAGE plpgsql AS "
           "$$BEGIN PERFORM pg_sleep(1); RETURN NULL; END$$",
           table);
  it_exec(db, sql);
  snprintf(sql, sizeof(sql),
           "CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON %s DEFERRABLE INITIALLY DEFERRED "
           "FOR EACH ROW EXECUTE FUNCTION %s_sleep()",
           table, table);
  it_exec(db, sql);
  snprintf(sql, sizeof(sql), "INSERT INTO %s (answers, items) VALUES ($1::int, $2::int)", table);
  h.sql = sql;
  store_set_before_sync(st, on_before_sync, &h);
  t0 = ag_mono_us();
  submit_by(&a, 500);
  run_until(&a.done, 1);
  ck_assert_int_eq(a.unconfirmed, 1);
  ck_assert_int_le(a.last_mono - t0, 600 * 1000LL);
  run_until_idle();
  ck_assert_int_eq(a.done, 1);
  store_stats(st, &stats);
  ck_assert_uint_eq(stats.late_committed, 1);
  ck_assert(late("committed") == 1);
  ck_assert_int_eq(stored(), 1);
}
END_TEST

/* The connection dies while a batch is in flight (its backend terminated while it waits for a
 * lock): that batch may have committed for all the store knows, so its caller hears
 * AG_EUNCONFIRMED, not "not saved"; what was only queued was never sent: AG_EDB. */
START_TEST(test_lost_connection_in_flight_is_unconfirmed)
{
  PGconn *lock = lock_responses();
  struct results a = {0}, b = {0};
  long long end = now_ms() + 5000;

  submit(&a);
  run_for(100);
  submit(&b);
  while (it_count(db, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'aulgate'"
                      " AND wait_event_type = 'Lock'") == 0 &&
         now_ms() < end)
    run_for(20);
  ck_assert_int_eq(it_count(db, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                                " WHERE application_name = 'aulgate' AND wait_event_type = 'Lock'"),
                   1);
  run_until(&a.done, 1);
  run_until(&b.done, 1);
  ck_assert_int_eq(a.unconfirmed, 1);
  ck_assert_int_eq(b.edb, 1);
  unlock(lock);
  ck_assert_int_eq(stored(), 0);
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

  tc = tcase_create("deadline");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_deadline_queued_expire_in_flight_unconfirmed);
  tcase_add_test(tc, test_deadline_late_commit_counted);
  tcase_add_test(tc, test_lost_connection_in_flight_is_unconfirmed);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(store_suite)
