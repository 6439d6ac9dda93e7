/* it_answers.c: the answers of a batch go out as one statement (issue 9), and each submitter
 * still gets its own exact verdict (decision 42): new and same are stored (AG_OK), other is not
 * (AG_ESTATE), mixed in one batch, with two answers of one key in it; the progress rows move as
 * the answers one by one would have moved them; a batch that fails fails all its submitters. */
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

#define CARRIER "it-answers"

static struct event_base *base;
static struct store *st;
static PGconn *db;
static char survey[64], counter[64];
static size_t hook_answers;

static long long now_ms(void)
{
  return ag_now_us() / 1000;
}

struct slot {
  int done, rc;
};

static void on_saved(void *arg, int rc)
{
  struct slot *s = arg;

  s->done++;
  s->rc = rc;
}

static void run_until_done(struct slot *slots, int n)
{
  long long end = now_ms() + 10000;
  int all = 0;

  while (!all && now_ms() < end) {
    event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
    all = 1;
    for (int i = 0; i < n; i++)
      all &= slots[i].done > 0;
  }
  for (int i = 0; i < n; i++)
    ck_assert_msg(slots[i].done == 1, "answer %d: %d callbacks", i, slots[i].done);
}

static void on_before_sync(void *arg, struct store_sync *sync, const struct store_batch_view *v)
{
  (void)arg;
  (void)sync;
  hook_answers += v->n_answers;
}

/* An answer of this test's survey: respondent r (one byte repeated), session "<survey>-<s>". */
static void answer(int r, const char *s, int hop, const char *option, int final, int64_t at,
                   struct slot *slot)
{
  char session[96];
  struct store_answer a = {.relation = "",
                           .survey_id = survey,
                           .survey_version = 1,
                           .attempt = 1,
                           .final = final,
                           .question_id = hop == 1 ? "q1" : "q2",
                           .option = option,
                           .lang = hop == 1 ? "kk" : "ru",
                           .carrier = CARRIER,
                           .network_code = "",
                           .session_id = session,
                           .hop = hop,
                           .received_at_us = at};

  snprintf(session, sizeof(session), "%s-%s", survey, s);
  memset(a.respondent, r, sizeof(a.respondent));
  ck_assert_int_eq(store_submit(st, &a, on_saved, slot), AG_OK);
}

static long count(const char *where)
{
  char sql[512];

  snprintf(sql, sizeof(sql), "SELECT count(*) FROM responses WHERE survey_id = '%s' AND %s", survey,
           where);
  return it_count(db, sql);
}

static void setup(void)
{
  struct store_config cfg = {.conninfo = getenv("AULGATE_DB"),
                             .batch_max = 64,
                             .queue_max = 100,
                             .reconnect_ms = 200,
                             .connect_timeout_ms = 5000,
                             .commit_margin_ms = 200};
  char sql[512];
  long long end = now_ms() + 10000;

  ck_assert_ptr_nonnull(cfg.conninfo);
  db = it_db();
  ck_assert_ptr_nonnull(db);
  snprintf(survey, sizeof(survey), "it-answers-%d-%lld", (int)getpid(), ag_now_us());
  /* How many INSERT statements reach responses: a statement trigger counts them. */
  snprintf(counter, sizeof(counter), "it_answers_stmts_%d", (int)getpid());
  snprintf(sql, sizeof(sql), "CREATE TABLE %s (n int NOT NULL)", counter);
  it_exec(db, sql);
  snprintf(sql, sizeof(sql),
           "CREATE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS"
           " $$BEGIN INSERT INTO %s VALUES (1); RETURN NULL; END$$",
           counter, counter);
  it_exec(db, sql);
  snprintf(sql, sizeof(sql),
           "CREATE TRIGGER %s AFTER INSERT ON responses FOR EACH STATEMENT EXECUTE FUNCTION %s()",
           counter, counter);
  it_exec(db, sql);
  base = event_base_new();
  st = store_create(base, &cfg);
  ck_assert_ptr_nonnull(st);
  while (store_state(st) != STORE_UP && now_ms() < end)
    event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
  ck_assert_int_eq(store_state(st), STORE_UP);
  hook_answers = 0;
  store_set_before_sync(st, on_before_sync, NULL);
}

static void teardown(void)
{
  char sql[256];

  store_destroy(st);
  event_base_free(base);
  snprintf(sql, sizeof(sql), "DROP TRIGGER IF EXISTS %s ON responses", counter);
  it_exec(db, sql);
  snprintf(sql, sizeof(sql), "DROP FUNCTION IF EXISTS %s()", counter);
  it_exec(db, sql);
  snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS %s", counter);
  it_exec(db, sql);
  snprintf(sql, sizeof(sql), "DELETE FROM survey_progress WHERE survey_id = '%s'", survey);
  it_exec(db, sql);
  snprintf(sql, sizeof(sql), "DELETE FROM responses WHERE survey_id = '%s'", survey);
  it_exec(db, sql);
  PQfinish(db);
}

START_TEST(test_verdicts_mixed_in_one_batch)
{
  struct slot first[1] = {0}, s[9] = {0};
  struct store_stats before, after;
  char sql[512];
  int64_t t = ag_now_us();

  answer(1, "a", 1, "yes", 0, t, &first[0]); /* committed before the batch */
  run_until_done(first, 1);
  ck_assert_int_eq(first[0].rc, AG_OK);
  store_stats(st, &before);
  snprintf(sql, sizeof(sql), "DELETE FROM %s", counter);
  it_exec(db, sql);
  /* One loop turn: one batch. */
  answer(1, "a", 1, "yes", 0, t + 1, &s[0]); /* retry of a committed answer: same */
  answer(1, "a", 1, "no", 0, t + 2, &s[1]);  /* its key, another answer: other */
  answer(2, "b", 1, "yes", 0, t + 3, &s[2]); /* new */
  answer(2, "b", 1, "yes", 0, t + 4, &s[3]); /* the same hop twice in the batch: same */
  answer(3, "c", 1, "yes", 0, t + 5, &s[4]); /* new */
  answer(3, "c", 1, "no", 0, t + 6, &s[5]);  /* the same key in the batch, another answer */
  answer(4, "d", 1, "yes", 0, t + 7, &s[6]); /* two hops of one attempt: both new */
  answer(4, "d", 2, "yes", 1, t + 8, &s[7]); /* the final one */
  answer(9, "c", 1, "yes", 0, t + 9, &s[8]); /* c's key, another respondent: other */
  run_until_done(s, 9);
  ck_assert_int_eq(s[0].rc, AG_OK);
  ck_assert_int_eq(s[1].rc, AG_ESTATE);
  ck_assert_int_eq(s[2].rc, AG_OK);
  ck_assert_int_eq(s[3].rc, AG_OK);
  ck_assert_int_eq(s[4].rc, AG_OK);
  ck_assert_int_eq(s[5].rc, AG_ESTATE);
  ck_assert_int_eq(s[6].rc, AG_OK);
  ck_assert_int_eq(s[7].rc, AG_OK);
  ck_assert_int_eq(s[8].rc, AG_ESTATE);
  store_stats(st, &after);
  ck_assert_uint_eq(after.batches - before.batches, 1);
  ck_assert_uint_eq(after.answers - before.answers, 6);
  ck_assert_uint_eq(after.failed - before.failed, 3);
  ck_assert_uint_eq(hook_answers, 10); /* the hook saw every answer of both batches */
  /* One INSERT statement for the batch's nine answers. */
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", counter);
  ck_assert_int_eq(it_count(db, sql), 1);
  /* Stored: one row per key, the first answer's. */
  ck_assert_int_eq(count("true"), 5);
  ck_assert_int_eq(count("carrier_session_id LIKE '%-a' AND option = 'yes'"), 1);
  ck_assert_int_eq(count("carrier_session_id LIKE '%-b'"), 1);
  ck_assert_int_eq(count("carrier_session_id LIKE '%-c' AND option = 'yes'"
                         " AND respondent = decode(repeat('03', 32), 'hex')"),
                   1);
  ck_assert_int_eq(count("carrier_session_id LIKE '%-d'"), 2);
  /* d's attempt: started by its first answer, moved and finished by its second, as the two
   * answers one by one would have left it. */
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM survey_progress WHERE survey_id = '%s'"
           " AND respondent = decode(repeat('04', 32), 'hex') AND status = 'done'"
           " AND language = 'ru' AND opened_by = '" CARRIER ":%s-d'"
           " AND started_at = 'epoch'::timestamptz + %lld * interval '1 microsecond'"
           " AND updated_at = 'epoch'::timestamptz + %lld * interval '1 microsecond'",
           survey, survey, (long long)(t + 7), (long long)(t + 8));
  ck_assert_int_eq(it_count(db, sql), 1);
  /* b's attempt moved once, by the answer stored (the duplicate changed nothing). */
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM survey_progress WHERE survey_id = '%s'"
           " AND respondent = decode(repeat('02', 32), 'hex') AND status = 'open'"
           " AND updated_at = 'epoch'::timestamptz + %lld * interval '1 microsecond'",
           survey, (long long)(t + 3));
  ck_assert_int_eq(it_count(db, sql), 1);
}
END_TEST

/* An answer the database refuses (a language its CHECK does not know) fails its whole batch:
 * every submitter hears AG_EDB, the attempt of the same batch too, and nothing is stored. */
START_TEST(test_failed_batch_fails_all_its_submitters)
{
  struct slot s[4] = {0};
  struct store_attempt at = {.carrier = CARRIER,
                             .session_id = "x",
                             .relation = "",
                             .survey_id = survey,
                             .survey_version = 1,
                             .attempt = 2,
                             .lang = "en",
                             .received_at_us = ag_now_us()};
  struct store_answer bad = {.relation = "",
                             .survey_id = survey,
                             .survey_version = 1,
                             .attempt = 1,
                             .question_id = "q1",
                             .option = "yes",
                             .lang = "xx",
                             .carrier = CARRIER,
                             .network_code = "",
                             .session_id = "bad",
                             .hop = 1,
                             .received_at_us = ag_now_us()};
  char sql[256];

  memset(at.respondent, 5, sizeof(at.respondent));
  memset(bad.respondent, 6, sizeof(bad.respondent));
  answer(7, "e", 1, "yes", 0, ag_now_us(), &s[0]);
  ck_assert_int_eq(store_submit_attempt(st, &at, on_saved, &s[1]), AG_OK);
  ck_assert_int_eq(store_submit(st, &bad, on_saved, &s[2]), AG_OK);
  answer(8, "f", 1, "yes", 0, ag_now_us(), &s[3]);
  run_until_done(s, 4);
  for (int i = 0; i < 4; i++)
    ck_assert_msg(s[i].rc == AG_EDB, "submitter %d: %d", i, s[i].rc);
  ck_assert_int_eq(count("true"), 0);
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM survey_progress WHERE survey_id = '%s'", survey);
  ck_assert_int_eq(it_count(db, sql), 0);
  /* The store goes on. */
  memset(s, 0, sizeof(s));
  answer(7, "e", 1, "yes", 0, ag_now_us(), &s[0]);
  run_until_done(s, 1);
  ck_assert_int_eq(s[0].rc, AG_OK);
}
END_TEST

static Suite *answers_suite(void)
{
  Suite *s = suite_create("it_answers");
  TCase *tc = tcase_create("one_statement");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_verdicts_mixed_in_one_batch);
  tcase_add_test(tc, test_failed_batch_fails_all_its_submitters);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(answers_suite)
