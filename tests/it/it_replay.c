/* it_replay.c: issue 8's replay test. Two gateway processes on one database, as behind a load
 * balancer. Parents answer the survey (the caller of it_caller.c) and the carrier sends every
 * hop 2-6 times: again to the same process, to the other one, two copies at once, or after a
 * process was restarted (SIGKILL, or SIGTERM and a clean exit) and started again on its port.
 * Some calls drop mid-survey, so that parents resume. Then: no row twice, no acknowledged
 * answer missing or stored otherwise, and every copy of a hop that got a screen got the same
 * bytes. And the rollups the two processes kept in their batches (issue 11: copies of one hop
 * in two transactions at once, batches cut by SIGKILL) equal a rebuild from responses.
 *
 * Environment: AULGATE_REPLAY_SECONDS (30: parents start until then; the last finishes within
 * AULGATE_REPLAY_CALM_SECONDS, 20). */
#include "tests/it/it_caller.h"
#include "tests/it/it_harness.h"
#include "tests/support/ag_check.h"

#include <check.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct copy {
  CURL *easy;
  char post[2048];
  struct it_body reply;
  char where[32];
};

static struct it_server gw[2];
static int generation[2]; /* restarts of each process, for the messages */
static struct it_record rec;
static long restarts, kills;
static double last_restart;

static double now_s(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sends n copies of the caller's hop at once, copy i to gw[to[i]], and records every reply.
 * *sent: copies of this hop sent before. Returns 1 with the first good reply in good. */
static int send_copies(const struct it_caller *c, const int *to, int n, int *sent,
                       char good[IT_BODY])
{
  CURLM *m = curl_multi_init();
  struct copy cp[2];
  int running, found = 0;

  memset(cp, 0, sizeof(cp));
  for (int i = 0; i < n; i++) {
    char url[64];
    CURL *e = cp[i].easy = curl_easy_init();
    it_caller_form(c, e, cp[i].post, sizeof(cp[i].post));
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/ussd/at", gw[to[i]].port);
    snprintf(cp[i].where, sizeof(cp[i].where), "gw%d.%d%s", to[i], generation[to[i]],
             n == 2 ? " in parallel" : "");
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, cp[i].post);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, it_body_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &cp[i].reply);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_multi_add_handle(m, e);
  }
  do {
    curl_multi_perform(m, &running);
    if (running)
      curl_multi_poll(m, NULL, 0, 100, NULL);
  } while (running);
  for (CURLMsg *msg; (msg = curl_multi_info_read(m, &running));) {
    struct copy *one = msg->easy_handle == cp[0].easy ? &cp[0] : &cp[1];
    long status = 0;
    enum it_reply kind;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
    kind = it_reply_kind(c->sv, msg->data.result == CURLE_OK, status, one->reply.text);
    it_record_reply(&rec, c->session, c->text, (*sent)++ > 0, kind, one->reply.text, one->where);
    if (kind == IT_REPLY_SCREEN && !found) {
      found = 1;
      snprintf(good, IT_BODY, "%s", one->reply.text);
    }
  }
  for (int i = 0; i < n; i++) {
    curl_multi_remove_handle(m, cp[i].easy);
    curl_easy_cleanup(cp[i].easy);
  }
  curl_multi_cleanup(m);
  return found;
}

/* Restarts gw[p]: SIGKILL, or SIGTERM and a clean exit, then starts it again on its port. */
static void restart(int p)
{
  int sig = rand() % 2 ? SIGKILL : SIGTERM, rc = it_server_kill(&gw[p], sig);

  if (rc != 0)
    it_record_violation(&rec, "gateway %d: %s gave status %d (log %s)", p,
                        sig == SIGKILL ? "SIGKILL" : "SIGTERM", rc, gw[p].log);
  kills += sig == SIGKILL;
  restarts++;
  generation[p]++;
  ck_assert_msg(it_server_restart(&gw[p], 10000) == 0, "gateway %d did not start again", p);
  ck_assert_int_eq(it_wait_health(&gw[p], 200, 10000), 0);
  last_restart = now_s();
}

/* One hop, copied 2-6 times: the first copy to the session's home process, then each again
 * to the same process, to the other one (only once the session has reached its `mixed` hop),
 * two at once, or after a restart. A session that stays on its home process until a late hop
 * makes the other process (or a restarted one) read the caller's profile for the first time
 * there: after a final answer, after "SMS on". Returns 1 with the first good reply in good. */
static int hop(const struct it_caller *c, int home, int mixed, char good[IT_BODY])
{
  int sent = 0, found, retries = 1 + rand() % 5;

  found = send_copies(c, &home, 1, &sent, good);
  for (int i = 0; i < retries; i++) {
    int mode = rand() % 4, to[2] = {home, home}, n = 1;
    char body[IT_BODY];
    if (mode == 3 && now_s() - last_restart < 1.0)
      mode = 1;
    if (mode == 1 && c->hop >= mixed)
      to[0] = 1 - home;
    if (mode == 2) {
      n = 2;
      if (c->hop >= mixed)
        to[0] = rand() % 2, to[1] = rand() % 2;
    }
    if (mode == 3) {
      to[0] = c->hop >= mixed ? rand() % 2 : home;
      restart(to[0]);
    }
    if (send_copies(c, to, n, &sent, body) && !found) {
      found = 1;
      snprintf(good, IT_BODY, "%s", body);
    }
  }
  return found;
}

START_TEST(test_replay_two_processes)
{
  double t0, until = (double)it_env_long("AULGATE_REPLAY_SECONDS", 30),
             calm = (double)it_env_long("AULGATE_REPLAY_CALM_SECONDS", 20);
  struct it_survey *sv;
  struct it_caller c;
  char tag[48], good[IT_BODY];
  PGconn *db = it_db();
  long parents = 0;

  curl_global_init(CURL_GLOBAL_DEFAULT);
  ck_assert_ptr_nonnull(db);
  sv = it_survey_load(db);
  ck_assert_ptr_nonnull(sv);
  it_rollups_rebuild(); /* other tests wrote answers through the store without the hook */
  it_record_init(&rec);
  srand((unsigned)time(NULL) ^ (unsigned)getpid());
  snprintf(tag, sizeof(tag), "replay%lx%x", (long)time(NULL), (unsigned)getpid());
  for (int i = 0; i < 2; i++) {
    ck_assert_int_eq(it_server_start(&gw[i], "log_level = warn\n"), 0);
    ck_assert_int_eq(it_wait_health(&gw[i], 200, 10000), 0);
  }
  t0 = now_s();
  while (now_s() < t0 + until) {
    it_caller_init(&c, sv, tag);
    rec.sessions++;
    parents++;
    int home = rand() % 2, mixed = rand() % 26;
    while (!c.done && now_s() < t0 + until + calm) {
      enum it_next next =
          hop(&c, home, mixed, good) ? it_caller_screen(&c, &rec, good) : it_caller_failed(&c);
      if (next == IT_SEND && c.hop > 1 && rand() % 30 == 0)
        next = IT_REDIAL; /* the call drops: the parent dials again and resumes */
      if (next == IT_REDIAL) {
        it_caller_redial(&c, &rec);
        home = rand() % 2, mixed = rand() % 26;
      } else if (next == IT_RETRY)
        usleep(100000);
    }
    if (!c.done)
      it_record_violation(&rec, "a parent did not finish: session %s text '%s'", c.session, c.text);
  }
  for (int i = 0; i < 2; i++) {
    int status = it_server_stop(&gw[i]);
    if (status != 0)
      it_record_violation(&rec, "gateway %d: exit status %d on SIGTERM (log %s)", i, status,
                          gw[i].log);
  }
  it_record_check(&rec, db, tag);
  it_rollups_check(db);
  fprintf(stderr,
          "it_replay: %.0f s, 2 processes, %ld parents; restarts %ld (SIGKILL %ld, SIGTERM %ld)\n",
          now_s() - t0, parents, restarts, kills, restarts - kills);
  it_record_print(&rec, stderr);
  PQfinish(db);
  it_survey_free(sv);
  ck_assert_msg(rec.violations == 0, "%ld violations, the first: %s", rec.violations,
                rec.first_violations[0]);
  it_record_free(&rec);
}
END_TEST

static Suite *it_replay_suite(void)
{
  Suite *s = suite_create("it_replay");
  TCase *tc = tcase_create("replay");

  tcase_set_timeout(tc, (double)(it_env_long("AULGATE_REPLAY_SECONDS", 30) +
                                 it_env_long("AULGATE_REPLAY_CALM_SECONDS", 20) + 60));
  tcase_add_test(tc, test_replay_two_processes);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(it_replay_suite)
