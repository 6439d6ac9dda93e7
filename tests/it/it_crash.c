/* it_crash.c: issue 8's crash test. Concurrent parents answer the survey over the `at` dialect
 * (one libcurl multi handle, one thread) while the gateway is SIGKILLed at random moments and
 * restarted on the same port and configuration, and PostgreSQL is stopped in immediate mode
 * (`pg.sh crash`) and started again. The simulated carrier retries a hop that failed
 * (connection refused or reset, 5xx, timeout, the polite END "could not save") after a short
 * pause, and gives the session up after IT_MAX_TRIES copies; the parent then dials again and
 * resumes. Some hops that got through are sent again, as a carrier whose reply was lost would.
 * After a calm phase in which every parent finishes, the record is checked against PostgreSQL:
 * every acknowledged answer stored exactly once with the value sent, no question answered twice
 * in one attempt, every copy of a hop that got a screen got the same screen.
 *
 * Environment (CI defaults): AULGATE_CRASH_KILLS (30), AULGATE_CRASH_PG_STOPS (3),
 * AULGATE_CRASH_CALLERS (20), AULGATE_CRASH_SECONDS (45: the chaos phase; it lasts until the
 * kills and stops are done, at most twice that), AULGATE_CRASH_CALM_SECONDS (30: the bound for
 * every parent to finish afterwards). bench/crash.sh runs it with bigger numbers. */
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

struct slot {
  struct it_caller c;
  CURL *easy;
  int active, busy;
  double wake; /* when its next copy goes out */
  int copy;    /* copies of the hop under way already sent */
  int echo;    /* the copy in flight repeats a hop that got through */
  char screen[IT_BODY];
  struct it_body reply;
  char post[2048];
  char where[32]; /* the gateway process the copy in flight went to */
};

struct run {
  struct it_server srv;
  struct it_survey *sv;
  struct it_record rec;
  CURLM *multi;
  struct slot *slots;
  int n_slots, chaos;
  char tag[48];
  long kills, pg_stops, exits;
  pid_t pg_child;
};

static double now_s(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double rnd(double lo, double hi)
{
  return lo + (hi - lo) * ((double)rand() / RAND_MAX);
}

static void send_hop(struct run *r, struct slot *s)
{
  char url[64];

  it_caller_form(&s->c, s->easy, s->post, sizeof(s->post));
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/ussd/at", r->srv.port);
  it_body_reset(&s->reply);
  curl_easy_setopt(s->easy, CURLOPT_URL, url);
  curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, s->post);
  curl_multi_add_handle(r->multi, s->easy);
  snprintf(s->where, sizeof(s->where), "gateway #%ld", r->kills + r->exits + 1);
  s->busy = 1;
}

static void new_caller(struct run *r, struct slot *s)
{
  it_caller_init(&s->c, r->sv, r->tag);
  r->rec.sessions++;
  s->active = 1;
  s->copy = s->echo = 0;
  s->wake = now_s() + rnd(0, 0.2);
}

static void on_reply(struct run *r, struct slot *s, CURLcode rc)
{
  long status = 0;
  enum it_reply kind;
  enum it_next next;
  int good;

  curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
  kind = it_reply_kind(r->sv, rc == CURLE_OK, status, s->reply.text);
  good = kind == IT_REPLY_SCREEN;
  it_record_reply(&r->rec, s->c.session, s->c.text, s->copy > 0, kind, s->reply.text, s->where);
  s->copy++;
  if (s->echo) {
    s->echo = 0;
    next = it_caller_screen(&s->c, &r->rec, s->screen);
  } else if (good && rand() % 10 == 0) {
    /* The carrier lost this reply: it sends the hop again, and must get the same screen. */
    s->echo = 1;
    snprintf(s->screen, sizeof(s->screen), "%s", s->reply.text);
    s->wake = now_s() + rnd(0, 0.2);
    return;
  } else {
    next = kind == IT_REPLY_ENDED ? IT_REDIAL
           : good                 ? it_caller_screen(&s->c, &r->rec, s->reply.text)
                                  : it_caller_failed(&s->c);
  }
  if (next == IT_SEND && s->c.hop > 1 && rand() % 50 == 0)
    next = IT_REDIAL; /* the network drops the call: the parent dials again and resumes */
  switch (next) {
  case IT_SEND:
    s->copy = 0;
    s->wake = now_s() + rnd(0, 0.03);
    break;
  case IT_RETRY:
    s->wake = now_s() + rnd(0.15, 0.4);
    break;
  case IT_REDIAL:
    it_caller_redial(&s->c, &r->rec);
    s->copy = 0;
    s->wake = now_s() + rnd(0.3, 0.6);
    break;
  case IT_DONE:
    s->active = 0;
    if (r->chaos)
      new_caller(r, s);
    break;
  }
}

/* A gateway that died without our signal is a crash: recorded, and started again. */
static void watch_gateway(struct run *r)
{
  int status;

  if (it_server_alive(&r->srv))
    return;
  if (waitpid(r->srv.pid, &status, WNOHANG) == r->srv.pid) {
    r->exits++;
    it_record_violation(&r->rec, "the gateway exited by itself (status 0x%x); log %s", status,
                        r->srv.log);
    ck_assert_int_eq(it_server_restart(&r->srv, 0), 0);
  }
}

static void kill_gateway(struct run *r)
{
  ck_assert_msg(it_server_kill(&r->srv, SIGKILL) == 0, "SIGKILL did not kill the gateway");
  r->kills++;
  ck_assert_msg(it_server_restart(&r->srv, 0) == 0, "the gateway did not start again");
}

/* pg.sh crash, a pause, pg.sh start, in a child: the loop goes on meanwhile. */
static void crash_pg(struct run *r)
{
  const char *ctl = getenv("AULGATE_PG_CTL");
  char cmd[1024];

  ck_assert_ptr_nonnull(ctl);
  snprintf(cmd, sizeof(cmd),
           "'%s' crash >/dev/null 2>&1 && sleep %.1f && '%s' start >/dev/null 2>&1", ctl,
           rnd(0.3, 1.5), ctl);
  r->pg_child = fork();
  if (r->pg_child == 0) {
    execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
    _exit(127);
  }
  ck_assert_int_gt(r->pg_child, 0);
}

static void watch_pg(struct run *r)
{
  int status;

  if (r->pg_child > 0 && waitpid(r->pg_child, &status, WNOHANG) == r->pg_child) {
    r->pg_child = 0;
    r->pg_stops++;
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "pg.sh crash/start failed (status 0x%x)", status);
  }
}

static void pump(struct run *r, int timeout_ms)
{
  CURLMsg *m;
  int running, left;

  curl_multi_perform(r->multi, &running);
  curl_multi_poll(r->multi, NULL, 0, timeout_ms, NULL);
  curl_multi_perform(r->multi, &running);
  while ((m = curl_multi_info_read(r->multi, &left))) {
    struct slot *s;
    if (m->msg != CURLMSG_DONE)
      continue;
    curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
    curl_multi_remove_handle(r->multi, m->easy_handle);
    s->busy = 0;
    on_reply(r, s, m->data.result);
  }
}

static int active_callers(const struct run *r)
{
  int n = 0;

  for (int i = 0; i < r->n_slots; i++)
    n += r->slots[i].active;
  return n;
}

static void setup_run(struct run *r)
{
  PGconn *db = it_db();

  memset(r, 0, sizeof(*r));
  ck_assert_ptr_nonnull(db);
  r->sv = it_survey_load(db);
  PQfinish(db);
  ck_assert_ptr_nonnull(r->sv);
  it_record_init(&r->rec);
  srand((unsigned)time(NULL) ^ (unsigned)getpid());
  snprintf(r->tag, sizeof(r->tag), "crash%lx%x", (long)time(NULL), (unsigned)getpid());
  ck_assert_int_eq(it_server_start(&r->srv, "log_level = warn\n"), 0);
  ck_assert_int_eq(it_wait_health(&r->srv, 200, 10000), 0);
  r->multi = curl_multi_init();
  r->n_slots = (int)it_env_long("AULGATE_CRASH_CALLERS", 20);
  r->slots = calloc((size_t)r->n_slots, sizeof(*r->slots));
  for (int i = 0; i < r->n_slots; i++) {
    struct slot *s = &r->slots[i];
    s->easy = curl_easy_init();
    curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, it_body_write);
    curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, &s->reply);
    curl_easy_setopt(s->easy, CURLOPT_PRIVATE, (char *)s);
    curl_easy_setopt(s->easy, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(s->easy, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
    curl_easy_setopt(s->easy, CURLOPT_NOSIGNAL, 1L);
  }
}

START_TEST(test_crash)
{
  static struct run run;
  struct run *r = &run;
  long want_kills = it_env_long("AULGATE_CRASH_KILLS", 30),
       want_stops = it_env_long("AULGATE_CRASH_PG_STOPS", 3);
  double chaos_s = (double)it_env_long("AULGATE_CRASH_SECONDS", 45),
         calm_s = (double)it_env_long("AULGATE_CRASH_CALM_SECONDS", 30), t0, next_kill, next_pg,
         calm_end = 0;
  PGconn *db;
  int status;

  curl_global_init(CURL_GLOBAL_DEFAULT);
  setup_run(r);
  r->chaos = 1;
  for (int i = 0; i < r->n_slots; i++)
    new_caller(r, &r->slots[i]);
  t0 = now_s();
  next_kill = t0 + rnd(0.5, 1.5) * chaos_s / (double)(want_kills + 1);
  next_pg = t0 + rnd(0.5, 1.5) * chaos_s / (double)(want_stops + 1);
  for (;;) {
    double now = now_s();
    if (r->chaos) {
      if (r->kills < want_kills && now >= next_kill) {
        kill_gateway(r);
        next_kill = now + rnd(0.5, 1.5) * chaos_s / (double)(want_kills + 1);
      }
      if (r->pg_stops < want_stops && !r->pg_child && now >= next_pg) {
        crash_pg(r);
        next_pg = now + rnd(0.5, 1.5) * chaos_s / (double)(want_stops + 1);
      }
      if (((r->kills >= want_kills && r->pg_stops >= want_stops) || now > t0 + 2 * chaos_s) &&
          now >= t0 + chaos_s && !r->pg_child) {
        r->chaos = 0; /* calm: every parent finishes, no new ones */
        calm_end = now + calm_s;
      }
    } else if (active_callers(r) == 0 || now > calm_end) {
      break;
    }
    watch_pg(r);
    watch_gateway(r);
    for (int i = 0; i < r->n_slots; i++) {
      struct slot *s = &r->slots[i];
      if (s->active && !s->busy && now >= s->wake)
        send_hop(r, s);
    }
    pump(r, 10);
  }
  while (r->pg_child) { /* not while chaos ends, but a failed assertion above could leave it */
    watch_pg(r);
    usleep(50000);
  }
  for (int i = 0; i < r->n_slots; i++) {
    const struct slot *s = &r->slots[i];
    if (s->active)
      it_record_violation(&r->rec,
                          "a parent did not finish in the calm phase: session %s text '%s'",
                          s->c.session, s->c.text);
  }
  status = it_server_stop(&r->srv);
  if (status != 0)
    it_record_violation(&r->rec, "the gateway's exit status on SIGTERM is %d (log %s)", status,
                        r->srv.log);
  db = it_db();
  ck_assert_ptr_nonnull(db);
  it_record_check(&r->rec, db, r->tag);
  PQfinish(db);
  fprintf(stderr,
          "it_crash: %.0f s, %d concurrent callers; gateway SIGKILLs survived: %ld; PostgreSQL "
          "immediate stops: %ld; gateway exits by itself: %ld\n",
          now_s() - t0, r->n_slots, r->kills, r->pg_stops, r->exits);
  it_record_print(&r->rec, stderr);
  ck_assert_msg(r->kills >= want_kills, "only %ld SIGKILLs", r->kills);
  ck_assert_msg(r->pg_stops >= want_stops, "only %ld PostgreSQL stops", r->pg_stops);
  ck_assert_msg(r->rec.violations == 0, "%ld violations, the first: %s", r->rec.violations,
                r->rec.first_violations[0]);
}
END_TEST

static Suite *it_crash_suite(void)
{
  Suite *s = suite_create("it_crash");
  TCase *tc = tcase_create("crash");

  tcase_set_timeout(tc, (double)(2 * it_env_long("AULGATE_CRASH_SECONDS", 45) +
                                 it_env_long("AULGATE_CRASH_CALM_SECONDS", 30) + 60));
  tcase_add_test(tc, test_crash);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(it_crash_suite)
