/* check_loop.c: lib/ag_loop on a real event_base with real fds (socketpair) and real timers. */
#include "lib/ag.h"
#include "lib/ag_loop.h"
#include "tests/support/ag_check.h"

#include <check.h>
#include <event2/event.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static struct event_base *base;
static int sp[2];

static void setup(void)
{
  base = event_base_new();
  ck_assert_ptr_nonnull(base);
  ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sp), 0);
}

static void teardown(void)
{
  close(sp[0]);
  close(sp[1]);
  event_base_free(base);
}

/* Milliseconds of the wall clock. */
#define now_ms() (ag_now_us() / 1000)

/* Runs the loop until *flag or ms passed. */
static void run_until(const int *flag, long ms)
{
  long long end = now_ms() + ms;

  while (!*flag && now_ms() < end)
    event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
}

struct seen {
  int calls, fd;
  unsigned fired;
  struct ag_watch *self; /* destroyed from its callback when set */
};

static void on_watch(void *arg, int fd, unsigned fired)
{
  struct seen *s = arg;

  s->calls++;
  s->fd = fd;
  s->fired |= fired;
  if (s->self) {
    ag_watch_destroy(s->self);
    s->self = NULL;
  }
}

START_TEST(test_watch_read_write_pause)
{
  struct seen s = {0};
  struct ag_watch *w = ag_watch_create(base, sp[0], AG_WATCH_READ, on_watch, &s);
  char c;

  ck_assert_ptr_nonnull(w);
  ck_assert_uint_eq(ag_watch_what(w), AG_WATCH_READ);
  event_base_loop(base, EVLOOP_NONBLOCK);
  ck_assert_int_eq(s.calls, 0); /* nothing to read yet */
  ck_assert_int_eq(write(sp[1], "x", 1), 1);
  run_until(&s.calls, 1000);
  ck_assert_int_eq(s.calls, 1);
  ck_assert_int_eq(s.fd, sp[0]);
  ck_assert_uint_eq(s.fired, AG_WATCH_READ);
  /* Level triggered: still readable, fires again. */
  s.calls = 0;
  run_until(&s.calls, 1000);
  ck_assert_int_eq(s.calls, 1);
  ck_assert_int_eq(read(sp[0], &c, 1), 1);
  /* Write interest: a socket with room fires at once, with what fired. */
  s = (struct seen){0};
  ck_assert_int_eq(ag_watch_set(w, AG_WATCH_READ | AG_WATCH_WRITE), AG_OK);
  run_until(&s.calls, 1000);
  ck_assert_uint_eq(s.fired, AG_WATCH_WRITE);
  /* Paused: no calls although writable and readable. */
  ck_assert_int_eq(ag_watch_set(w, 0), AG_OK);
  ck_assert_uint_eq(ag_watch_what(w), 0);
  ck_assert_int_eq(write(sp[1], "y", 1), 1);
  s = (struct seen){0};
  for (int i = 0; i < 5; i++)
    event_base_loop(base, EVLOOP_NONBLOCK);
  ck_assert_int_eq(s.calls, 0);
  ck_assert_int_eq(ag_watch_set(w, AG_WATCH_READ), AG_OK);
  run_until(&s.calls, 1000);
  ck_assert_uint_eq(s.fired, AG_WATCH_READ);
  ag_watch_destroy(w);
  ag_watch_destroy(NULL);
}
END_TEST

START_TEST(test_watch_destroyed_in_its_callback)
{
  struct seen s = {0};

  s.self = ag_watch_create(base, sp[0], AG_WATCH_READ, on_watch, &s);
  ck_assert_ptr_nonnull(s.self);
  ck_assert_int_eq(write(sp[1], "x", 1), 1);
  run_until(&s.calls, 1000);
  ck_assert_ptr_null(s.self);
  for (int i = 0; i < 5; i++) /* still readable, but gone: no more calls (ASan: no use) */
    event_base_loop(base, EVLOOP_NONBLOCK);
  ck_assert_int_eq(s.calls, 1);
}
END_TEST

struct tick {
  int calls;
  long long at;
  struct ag_timer *rearm; /* re-armed from its callback while calls < 3 */
};

static void on_tick(void *arg)
{
  struct tick *t = arg;

  t->calls++;
  t->at = now_ms();
  if (t->rearm && t->calls < 3)
    ck_assert_int_eq(ag_timer_start(t->rearm, 10), AG_OK);
}

START_TEST(test_timer_fires_once_after_ms)
{
  struct tick t = {0};
  struct ag_timer *tm = ag_timer_create(base, on_tick, &t);
  long long start = now_ms();

  ck_assert_ptr_nonnull(tm);
  ck_assert_int_eq(ag_timer_pending(tm), 0);
  ck_assert_int_eq(ag_timer_start(tm, 50), AG_OK);
  ck_assert_int_eq(ag_timer_pending(tm), 1);
  run_until(&t.calls, 2000);
  ck_assert_int_eq(t.calls, 1);
  ck_assert_msg(t.at - start >= 45, "fired after %lld ms", t.at - start);
  ck_assert_int_eq(ag_timer_pending(tm), 0);
  t.calls = 0;
  run_until(&t.calls, 150); /* one-shot: nothing more */
  ck_assert_int_eq(t.calls, 0);
  ag_timer_destroy(tm);
}
END_TEST

START_TEST(test_timer_stop_and_restart)
{
  struct tick t = {0};
  struct ag_timer *tm = ag_timer_create(base, on_tick, &t);
  long long start;

  ck_assert_int_eq(ag_timer_start(tm, 30), AG_OK);
  ag_timer_stop(tm);
  ck_assert_int_eq(ag_timer_pending(tm), 0);
  run_until(&t.calls, 100);
  ck_assert_int_eq(t.calls, 0);
  /* A start replaces the pending expiry: the later one counts. */
  start = now_ms();
  ck_assert_int_eq(ag_timer_start(tm, 10), AG_OK);
  ck_assert_int_eq(ag_timer_start(tm, 80), AG_OK);
  run_until(&t.calls, 2000);
  ck_assert_int_eq(t.calls, 1);
  ck_assert_msg(t.at - start >= 75, "fired after %lld ms", t.at - start);
  /* Re-armed from its own callback. */
  t = (struct tick){0};
  t.rearm = tm;
  ck_assert_int_eq(ag_timer_start(tm, 0), AG_OK);
  for (long long end = now_ms() + 2000; t.calls < 3 && now_ms() < end;)
    event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
  ck_assert_int_eq(t.calls, 3);
  ag_timer_destroy(tm);
  ag_timer_destroy(NULL);
}
END_TEST

static void on_defer(void *arg)
{
  (*(int *)arg)++;
}

START_TEST(test_defer_runs_once_next_turn)
{
  int calls = 0;
  struct ag_defer *d = ag_defer_create(base, on_defer, &calls);

  ck_assert_ptr_nonnull(d);
  ag_defer_schedule(d);
  ag_defer_schedule(d);       /* twice before it ran: once */
  ck_assert_int_eq(calls, 0); /* never inside the call */
  event_base_loop(base, EVLOOP_NONBLOCK);
  ck_assert_int_eq(calls, 1);
  event_base_loop(base, EVLOOP_NONBLOCK);
  ck_assert_int_eq(calls, 1);
  ag_defer_schedule(d);
  ag_defer_cancel(d);
  event_base_loop(base, EVLOOP_NONBLOCK);
  ck_assert_int_eq(calls, 1);
  ag_defer_schedule(d);
  event_base_loop(base, EVLOOP_NONBLOCK);
  ck_assert_int_eq(calls, 2);
  ag_defer_destroy(d);
  ag_defer_destroy(NULL);
}
END_TEST

static Suite *loop_suite(void)
{
  Suite *s = suite_create("ag_loop");
  TCase *tc = tcase_create("loop");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_watch_read_write_pause);
  tcase_add_test(tc, test_watch_destroyed_in_its_callback);
  tcase_add_test(tc, test_timer_fires_once_after_ms);
  tcase_add_test(tc, test_timer_stop_and_restart);
  tcase_add_test(tc, test_defer_runs_once_next_turn);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(loop_suite)
