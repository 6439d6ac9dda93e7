/* it_deadline.c: a hop's reply deadline end to end (issue 8): a real gateway with
 * hop_deadline_ms = 1500, the answers table locked by another connection as an operator's
 * LOCK TABLE would. Every hop is answered by its deadline, honestly: "could not confirm" for an
 * answer in flight, "not saved" for one that never left the queue, the polite END for a caller
 * whose profile could not be read; /healthz says stalled; the late batch does not commit; the
 * caller dials again and goes on where the database says they stopped. */
#include "tests/it/it_harness.h"
#include "tests/support/ag_check.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEADLINE_MS 1500
#define MARGIN_MS   500
#define SLACK_MS    400 /* loopback HTTP, ASan, a loaded machine */

static const char conf[] = "hop_deadline_ms = 1500\ndb_commit_margin_ms = 500\n";

static long long mono_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One hop, timed. */
static long timed_hop(const struct it_server *s, const char *session, const char *phone,
                      const char *text, struct it_resp *r)
{
  long long t0 = mono_ms();

  ck_assert_int_eq(it_hop(s, session, phone, text, r), 0);
  return (long)(mono_ms() - t0);
}

static long responses_of(PGconn *db, const char *session)
{
  char sql[256];

  snprintf(sql, sizeof(sql), "SELECT count(*) FROM responses WHERE carrier_session_id = '%s'",
           session);
  return it_count(db, sql);
}

START_TEST(test_it_hops_answered_by_deadline_under_held_lock)
{
  static const char *const head[] = {"3", "1", "1", "1"}; /* English, survey, start, mother */
  struct it_server gw;
  struct it_resp r;
  char a[16], b[16], c[16], sa[96], sb[96], sc[96], got[4400] = "";
  PGconn *db = it_db(), *lock = it_db();
  PGresult *res;
  int fds[2], status;
  long ms_b, ms_c, ms_a = -1;
  pid_t child;
  ssize_t n;

  ck_assert_ptr_nonnull(db);
  ck_assert_ptr_nonnull(lock);
  ck_assert_int_eq(it_server_start(&gw, conf), 0);
  ck_assert_int_eq(it_wait_health(&gw, 200, 10000), 0);
  it_fresh_phone(a);
  do
    it_fresh_phone(b);
  while (strcmp(a, b) == 0);
  it_session_id(sa, sizeof(sa), "dl-a");
  it_session_id(sb, sizeof(sb), "dl-b");
  it_session_id(sc, sizeof(sc), "dl-c");
  ck_assert_int_eq(it_play(&gw, sa, a, head, 4, &r), 0); /* A and B: the region question next */
  ck_assert_int_eq(it_play(&gw, sb, b, head, 4, &r), 0);

  PQclear(PQexec(lock, "BEGIN"));
  res = PQexec(lock, "LOCK TABLE responses IN ACCESS EXCLUSIVE MODE");
  ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
  PQclear(res);

  ck_assert_int_eq(pipe(fds), 0);
  child = fork();
  if (child == 0) { /* the carrier of A: the answer whose batch waits for the lock */
    struct it_resp cr;
    char line[4400];
    long long t0 = mono_ms();
    int len;
    close(fds[0]);
    if (it_hop(&gw, sa, a, "3*1*1*1*1", &cr) != 0)
      _exit(2);
    len = snprintf(line, sizeof(line), "%lld %ld %s", mono_ms() - t0, cr.status, cr.body);
    _exit(write(fds[1], line, (size_t)len) == len ? 0 : 2);
  }
  close(fds[1]);
  /* A's answer is in flight, held by the lock. */
  it_wait_health_says(&gw, "\"pending_answers\":1,", 1000, "A's answer in flight");

  /* B's answer queues behind A's batch: never sent, so "not saved", a margin before B's
   * deadline. */
  ms_b = timed_hop(&gw, sb, b, "3*1*1*1*1", &r);
  ck_assert_int_eq(r.status, 200);
  ck_assert_msg(strncmp(r.body, "END Sorry, we could not save", 28) == 0, "B: %s", r.body);
  ck_assert_int_lt(ms_b, DEADLINE_MS + SLACK_MS);
  /* C, a new caller: the profile read queues too, and is bounded the same way. */
  it_fresh_phone(c);
  ms_c = timed_hop(&gw, sc, c, "", &r);
  ck_assert_int_eq(r.status, 200);
  ck_assert_msg(strncmp(r.body, "END ", 4) == 0, "C: %s", r.body);
  ck_assert_int_lt(ms_c, DEADLINE_MS + SLACK_MS);

  /* A: in flight at its deadline, so its outcome is unknown, and the screen says so. */
  n = read(fds[0], got, sizeof(got) - 1);
  ck_assert_int_gt(n, 0);
  got[n] = '\0';
  ck_assert_int_eq(waitpid(child, &status, 0), child);
  ck_assert(sscanf(got, "%ld", &ms_a) == 1);
  ck_assert_msg(strstr(got, " 200 END We could not confirm that your answer was saved") != NULL,
                "A: %s", got);
  ck_assert_int_ge(ms_a, DEADLINE_MS - 100);
  ck_assert_int_lt(ms_a, DEADLINE_MS + SLACK_MS);
  fprintf(stderr,
          "it_deadline: under a held lock, hop_deadline_ms=%d: in flight answered in %ld ms, "
          "queued answer in %ld ms, profile read in %ld ms\n",
          DEADLINE_MS, ms_a, ms_b, ms_c);

  /* The lock is still held: the database is stalled, and /healthz says so. */
  ck_assert_int_eq(it_wait_health(&gw, 503, 3000), 0);
  ck_assert_int_eq(it_get(&gw, "/healthz", &r), 0);
  ck_assert_int_eq(r.status, 503);
  ck_assert_msg(strstr(r.body, "\"status\":\"degraded\",\"db\":\"stalled\"") != NULL, "%s", r.body);
  ck_assert_int_ge(it_health_number(&gw, "db_batch_age_ms"), DEADLINE_MS);
  ck_assert_int_eq(it_health_number(&gw, "writes_unconfirmed"), 1); /* A */
  ck_assert_int_eq(it_health_number(&gw, "writes_expired"), 1);     /* B */

  /* The lock goes: the late batch reaches its guard and aborts. Nothing of A's is stored. */
  PQclear(PQexec(lock, "COMMIT"));
  ck_assert_int_eq(it_wait_health(&gw, 200, 5000), 0);
  ck_assert_int_eq(responses_of(db, sa), 0);
  ck_assert_int_eq(responses_of(db, sb), 0);
  ck_assert_int_eq(it_health_number(&gw, "late_writes_aborted"), 1);
  ck_assert_int_eq(it_health_number(&gw, "late_writes_committed"), 0);

  /* A dials again: the open attempt goes on at the region (it was not stored), stored now. */
  it_session_id(sa, sizeof(sa), "dl-a2");
  ck_assert_int_eq(it_hop(&gw, sa, a, "", &r), 0); /* the main menu, in English */
  ck_assert_msg(strncmp(r.body, "CON ", 4) == 0, "A again: %s", r.body);
  ck_assert_int_eq(it_hop(&gw, sa, a, "1", &r), 0); /* the survey: its opening screen */
  ck_assert_msg(strncmp(r.body, "CON ", 4) == 0, "A's survey: %s", r.body);
  ck_assert_int_eq(it_hop(&gw, sa, a, "1*1", &r), 0); /* start: who answers */
  ck_assert_msg(strncmp(r.body, "CON ", 4) == 0, "A's survey: %s", r.body);
  ck_assert_int_eq(it_hop(&gw, sa, a, "1*1*1", &r), 0); /* mother: the region, asked again */
  ck_assert_msg(strncmp(r.body, "CON Which region", 16) == 0, "A as mother: %s", r.body);
  ck_assert_int_eq(it_hop(&gw, sa, a, "1*1*1*1", &r), 0);
  ck_assert_msg(strncmp(r.body, "CON ", 4) == 0, "A's region: %s", r.body);
  ck_assert_int_eq(responses_of(db, sa), 1);

  ck_assert_int_eq(it_server_stop(&gw), 0);
  PQfinish(lock);
  PQfinish(db);
}
END_TEST

static Suite *it_deadline_suite(void)
{
  Suite *s = suite_create("it_deadline");
  TCase *tc = tcase_create("held_lock");

  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_it_hops_answered_by_deadline_under_held_lock);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(it_deadline_suite)
