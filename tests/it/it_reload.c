/* it_reload.c: a SIGHUP reload reads the places without stalling the loop. The test holds the
 * places read back (a lock on regions in a transaction of its own) and checks that a first-screen
 * hop is answered meanwhile, that the content swaps when the read gets through, and that a
 * SIGHUP during the reload is remembered and runs after it. */
#include "tests/it/it_harness.h"
#include "tests/support/ag_check.h"
#include "lib/ag.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct it_server srv;
static PGconn *db;

/* Milliseconds of the wall clock. */
#define now_ms() (ag_now_us() / 1000)

static long health_number(const char *key)
{
  return it_health_number(&srv, key);
}

static void exec(PGconn *c, const char *sql)
{
  PGresult *r = PQexec(c, sql);

  ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "%s: %s", sql, PQresultErrorMessage(r));
  PQclear(r);
}

/* Waits up to 2 s until the server's places read waits for a lock. */
static int reload_waiting_for_lock(void)
{
  for (int i = 0; i < 40; i++) {
    if (it_count(db, "SELECT count(*) FROM pg_stat_activity WHERE application_name ="
                     " 'aulgate-places' AND wait_event_type = 'Lock'") > 0)
      return 1;
    usleep(50000);
  }
  return 0;
}

START_TEST(test_hop_answered_while_reload_read_is_held)
{
  PGconn *locker = it_db();
  char phone[16], session[96];
  struct it_resp r;
  long before = health_number("content_generation");
  long long start;

  ck_assert_ptr_nonnull(locker);
  exec(locker, "BEGIN");
  exec(locker, "LOCK TABLE regions IN ACCESS EXCLUSIVE MODE");
  ck_assert_int_eq(kill(srv.pid, SIGHUP), 0);
  ck_assert_msg(reload_waiting_for_lock(), "the reload's read never reached the lock");
  /* A second SIGHUP while the first reload waits: remembered, not lost, not run twice at once. */
  ck_assert_int_eq(kill(srv.pid, SIGHUP), 0);
  usleep(100000);
  ck_assert_int_eq(it_count(db, "SELECT count(*) FROM pg_stat_activity WHERE application_name ="
                                " 'aulgate-places'"),
                   1);
  /* A new session: its first screen needs the caller's profile, never the places. */
  it_fresh_phone(phone);
  it_session_id(session, sizeof(session), "held");
  start = now_ms();
  ck_assert_int_eq(it_hop(&srv, session, phone, "", &r), 0);
  ck_assert_int_eq(r.status, 200);
  ck_assert_msg(strncmp(r.body, "CON ", 4) == 0, "%s", r.body);
  ck_assert_msg(now_ms() - start < 2000, "hop took %lld ms", now_ms() - start);
  ck_assert_int_eq(health_number("content_generation"), before);
  /* The read gets through: the first reload swaps the content, then the remembered one runs. */
  exec(locker, "COMMIT");
  PQfinish(locker);
  for (int i = 0; i < 100 && health_number("content_generation") < before + 2; i++)
    usleep(100000);
  ck_assert_int_eq(health_number("content_generation"), before + 2);
  ck_assert_int_eq(health_number("content_reload_failures"), 0);
}
END_TEST

/* A gateway stopped while a reload's read waits exits cleanly (the read is canceled). */
START_TEST(test_stop_during_reload)
{
  PGconn *locker = it_db();

  exec(locker, "BEGIN");
  exec(locker, "LOCK TABLE regions IN ACCESS EXCLUSIVE MODE");
  ck_assert_int_eq(kill(srv.pid, SIGHUP), 0);
  ck_assert_msg(reload_waiting_for_lock(), "the reload's read never reached the lock");
  ck_assert_int_eq(it_server_stop(&srv), 0);
  exec(locker, "COMMIT");
  PQfinish(locker);
  ck_assert_int_eq(it_server_start(&srv, NULL), 0); /* for the fixture's stop */
  ck_assert_int_eq(it_wait_health(&srv, 200, 10000), 0);
}
END_TEST

static void setup(void)
{
  it_up(&srv, &db, NULL);
}

static void teardown(void)
{
  it_down(&srv, db);
}

static Suite *reload_suite(void)
{
  Suite *s = suite_create("it_reload");
  TCase *tc = tcase_create("reload");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_hop_answered_while_reload_read_is_held);
  tcase_add_test(tc, test_stop_during_reload);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(reload_suite)
