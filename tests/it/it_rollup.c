/* it_rollup.c: the rollup counters kept live in every batch equal those `aulgate rollup rebuild`
 * computes from responses, after a random workload over the real USSD path: parents in three
 * processes at once (so batches hold several answers), hops sent twice (a carrier's retry),
 * calls dropped and resumed, phones shared by two relations, and parents who start over and
 * answer otherwise (their counts must move, never double), through a gateway with two
 * connections (two batches in flight). The release the results API reads (rollup_release), and
 * both logs folded, too. */
#include "lib/ag.h"
#include "tests/it/it_harness.h"
#include "tests/it/it_caller.h"
#include "tests/support/ag_check.h"

#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WORKERS 3

static struct it_server gw;
static struct it_resp resp, again;

/* One hop of c: 0 and the reply in resp when it got a screen. A copy now and then, as a
 * carrier retries: it must get the same screen. */
static int send_hop(const struct it_caller *c, struct it_record *rec)
{
  if (it_hop(&gw, c->session, c->phone, c->text, &resp) != 0 || resp.status != 200)
    return -1;
  if (rand() % 8 == 0 && it_hop(&gw, c->session, c->phone, c->text, &again) == 0 &&
      again.status == 200 && strcmp(again.body, resp.body) != 0 &&
      strncmp(again.body, "END", 3) != 0)
    it_record_violation(rec, "a retried hop got another screen: '%s' then '%s'", resp.body,
                        again.body);
  return 0;
}

/* A worker: parents one after another; exits with its violations. */
static int worker(const char *tag, int parents)
{
  PGconn *db = it_db();
  struct it_survey *sv = it_survey_load(db);
  struct it_record rec;
  struct it_caller c, prev;
  int have_prev = 0;

  if (!sv)
    return 1;
  it_record_init(&rec);
  srand((unsigned)time(NULL) ^ (unsigned)getpid());
  for (int p = 0; p < parents; p++) {
    int attempts = 1 + (rand() % 2), steps = 0;
    it_caller_init(&c, sv, tag);
    if (have_prev && rand() % 3 == 0) { /* the same phone, another relation */
      memcpy(c.phone, prev.phone, sizeof(c.phone));
      c.relation = prev.relation % 4 + 1;
    }
    while (attempts > 0 && steps++ < 400) {
      enum it_next next =
          send_hop(&c, &rec) == 0 ? it_caller_screen(&c, &rec, resp.body) : it_caller_failed(&c);
      if (next == IT_SEND && c.hop > 2 && rand() % 25 == 0)
        next = IT_REDIAL; /* the call drops: the parent dials again and resumes */
      if (next == IT_DONE && --attempts > 0) {
        c.done = 0;
        c.n_picks = 0; /* starts over, and answers otherwise */
        next = IT_REDIAL;
      }
      if (next == IT_REDIAL)
        it_caller_redial(&c, &rec);
    }
    if (!c.done)
      it_record_violation(&rec, "a parent did not finish: %s '%s'", c.session, c.text);
    prev = c;
    have_prev = 1;
  }
  it_record_check(&rec, db, tag);
  it_record_print(&rec, stderr);
  it_survey_free(sv);
  PQfinish(db);
  return rec.violations ? 1 : 0;
}

START_TEST(test_rollup_live_equals_rebuilt)
{
  PGconn *db = it_db();
  char tag[48], sql[1024];
  pid_t kids[WORKERS];
  int parents = (int)it_env_long("AULGATE_ROLLUP_PARENTS", 25);

  ck_assert_ptr_nonnull(db);
  /* Other tests wrote answers through the store without the hook: start from a rebuild. */
  it_rollups_rebuild();
  snprintf(tag, sizeof(tag), "rollup%lx%x", (long)time(NULL), (unsigned)getpid());
  /* Two connections: a phone's statements on its lane, two batches in flight (decision 103). */
  ck_assert_int_eq(it_server_start(&gw, "log_level = warn\ndb_connections = 2\n"), 0);
  ck_assert_int_eq(it_wait_health(&gw, 200, 10000), 0);
  for (int i = 0; i < WORKERS; i++) {
    kids[i] = fork();
    ck_assert_int_ge(kids[i], 0);
    if (kids[i] == 0)
      _exit(worker(tag, parents));
  }
  for (int i = 0; i < WORKERS; i++) {
    int status;
    ck_assert_int_eq(waitpid(kids[i], &status, 0), kids[i]);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "worker %d failed", i);
  }
  ck_assert_int_eq(it_server_stop(&gw), 0);

  /* The workload did what it is for: shared phones, and parents whose answer changed. */
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM (SELECT respondent FROM responses WHERE carrier_session_id"
           " LIKE 'it-%s-%%' GROUP BY respondent HAVING count(DISTINCT relation) > 1) t",
           tag);
  ck_assert_int_gt(it_count(db, sql), 0);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM (SELECT 1 FROM responses WHERE carrier_session_id LIKE"
           " 'it-%s-%%' AND NOT rollup_is_context(question_id) GROUP BY respondent, relation,"
           " question_id HAVING count(DISTINCT option) > 1) t",
           tag);
  ck_assert_int_gt(it_count(db, sql), 0);
  /* Each respondent counted once per question. */
  ck_assert_int_eq(it_count(db, "SELECT sum(n) FROM rollups_now WHERE question_id = 'L1'"),
                   it_count(db, "SELECT count(DISTINCT (respondent, relation, survey_version))"
                                " FROM responses WHERE question_id = 'L1'"));

  /* The release's log folds into the release without changing what it says. */
  it_exec(db, "CREATE TEMP TABLE before_merge AS SELECT * FROM rollup_release_now WHERE n <> 0");
  ck_assert_int_eq(it_count(db, "SELECT count(*) FROM (SELECT rollup_release_merge()) t"), 1);
  ck_assert_int_eq(it_count(db, "SELECT count(*) FROM rollup_release_log"), 0);
  ck_assert_int_eq(it_differ(db, "before_merge", "(SELECT * FROM rollup_release WHERE n <> 0) r"),
                   0);
  ck_assert_int_gt(it_count(db, "SELECT count(*) FROM before_merge"), 0);
  /* And the counters' log into the counters (0025), whatever the batches left unmerged. */
  it_exec(db, "CREATE TEMP TABLE cells_before AS SELECT * FROM rollups_now WHERE n <> 0");
  ck_assert_int_eq(it_count(db, "SELECT count(*) FROM (SELECT rollup_merge()) t"), 1);
  ck_assert_int_eq(it_count(db, "SELECT count(*) FROM rollup_log"), 0);
  ck_assert_int_eq(it_differ(db, "cells_before", "(SELECT * FROM rollups WHERE n <> 0) r"), 0);
  /* The 3-argument rollup_apply (a gateway of the previous version during an upgrade) finds
   * answers by their hops alone; these are counted already, so nothing may move. */
  snprintf(sql, sizeof(sql),
           "SELECT rollup_apply(array_agg(carrier), array_agg(carrier_session_id),"
           " array_agg(hop)) FROM (SELECT carrier, carrier_session_id, hop FROM responses"
           " WHERE carrier_session_id LIKE 'it-%s-%%' AND NOT rollup_is_context(question_id)"
           " ORDER BY id LIMIT 60) t",
           tag);
  ck_assert_int_gt(it_count(db, sql), 0);
  it_rollups_check(db);
  PQfinish(db);
}
END_TEST

/* Version 4 does not ask a parent who chose a city where they live: the rollups count that
 * parent as urban (migration 0017), not under a settlement of its own. */
START_TEST(test_city_parent_counts_urban)
{
  /* English, the survey, Start, mother, Aktobe, Aktobe city, grade 1-4, school 5, L1 yes. */
  static const char *const inputs[] = {"3", "1", "1", "1", "3", "2", "2", "5", "1", "1"};
  PGconn *db = it_db();
  char sid[64], phone[16], sql[512];
  struct it_resp r;

  ck_assert_ptr_nonnull(db);
  ck_assert_int_eq(it_server_start(&gw, "log_level = warn\n"), 0);
  ck_assert_int_eq(it_wait_health(&gw, 200, 10000), 0);
  it_session_id(sid, sizeof(sid), "city");
  it_fresh_phone(phone);
  ck_assert_int_eq(it_play(&gw, sid, phone, inputs, AG_ARRAY_LEN(inputs), &r), 0);
  ck_assert_int_eq(it_server_stop(&gw), 0);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM responses WHERE carrier_session_id = '%s' AND"
           " question_id = 'settlement'",
           sid);
  ck_assert_int_eq(it_count(db, sql), 0); /* not asked */
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM rollup_direct WHERE carrier_session_id = '%s' AND"
           " question_id = 'L1' AND settlement = 'urban' AND district = 'aktobe-aktobe-city'",
           sid);
  ck_assert_int_eq(it_count(db, sql), 1);
  PQfinish(db);
}
END_TEST

static Suite *it_rollup_suite(void)
{
  Suite *s = suite_create("it_rollup");
  TCase *tc = tcase_create("live");

  tcase_set_timeout(tc, 240);
  tcase_add_test(tc, test_rollup_live_equals_rebuilt);
  tcase_add_test(tc, test_city_parent_counts_urban);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  static const ag_check_suite_fn suites[] = {it_rollup_suite, NULL};

  curl_global_init(CURL_GLOBAL_DEFAULT);
  return ag_check_run(suites);
}
