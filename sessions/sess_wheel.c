/* sess_wheel.c: a hashed timer wheel, the session table's one timer structure.
 *
 * SESS_WHEEL_SLOTS slots of SESS_WHEEL_TICK_MS each; an entry due at tick T sits in slot
 * T % SESS_WHEEL_SLOTS, whatever the turn of the wheel, in a doubly linked list (taken out in
 * O(1)). A bitmap of the slots that hold anything lets one libevent timer sleep until the next
 * such slot's time instead of waking on every tick: an idle gateway wakes only for its sessions,
 * a busy one at most once a tick. Nothing is allocated after the wheel is created.
 */
#include "sessions/sess-internal.h"
#include "lib/ag.h"

#include <event2/event.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MASK  (SESS_WHEEL_SLOTS - 1)
#define WORDS (SESS_WHEEL_SLOTS / 64)

struct sess_wheel {
  struct sess_wheel_entry *slot[SESS_WHEEL_SLOTS];
  uint64_t used[WORDS]; /* bit s: slot s holds an entry */
  long long done_tick;  /* every tick up to this one was looked at */
  long long armed_tick; /* the timer wakes the wheel at this tick; -1: not armed */
  size_t count;         /* entries in the wheel */
  struct event *ev;     /* owned */
  sess_wheel_fire_cb fire;
  void *arg;
};

long long sess__mono_ms(void)
{
  return ag_mono_us() / 1000;
}

/* The first tick at or after ms: an entry never fires early. */
static long long tick_of(long long ms)
{
  return (ms + SESS_WHEEL_TICK_MS - 1) / SESS_WHEEL_TICK_MS;
}

static void link_in(struct sess_wheel *w, struct sess_wheel_entry *e, long long tick)
{
  size_t s = (size_t)tick & MASK;

  e->next = w->slot[s];
  if (e->next)
    e->next->pprev = &e->next;
  e->pprev = &w->slot[s];
  w->slot[s] = e;
  w->used[s / 64] |= 1ull << (s % 64);
}

static void unlink_entry(struct sess_wheel *w, struct sess_wheel_entry *e)
{
  size_t s;

  if (e->next)
    e->next->pprev = e->pprev;
  *e->pprev = e->next;
  /* The slot's head pointer is inside w->slot: then the slot may have emptied. */
  if ((uintptr_t)e->pprev >= (uintptr_t)&w->slot[0] &&
      (uintptr_t)e->pprev < (uintptr_t)&w->slot[SESS_WHEEL_SLOTS]) {
    s = (size_t)((uintptr_t)e->pprev - (uintptr_t)&w->slot[0]) / sizeof(w->slot[0]);
    if (!w->slot[s])
      w->used[s / 64] &= ~(1ull << (s % 64));
  }
  e->next = NULL;
  e->pprev = NULL;
}

/* The next tick after done_tick whose slot holds an entry (maybe one due a turn later). */
static long long next_tick(const struct sess_wheel *w)
{
  size_t from = (size_t)(w->done_tick + 1) & MASK;

  for (size_t i = 0; i <= WORDS; i++) {
    size_t word = (from / 64 + i) % WORDS;
    uint64_t bits = w->used[word];
    if (i == 0)
      bits &= ~0ull << (from % 64); /* the slots before `from` in its word come a turn later */
    if (bits) {
      size_t s = word * 64 + (size_t)__builtin_ctzll(bits);
      return w->done_tick + 1 + (long long)((s - from) & MASK);
    }
  }
  return -1;
}

static void arm(struct sess_wheel *w, long long tick)
{
  long long us = tick * SESS_WHEEL_TICK_MS * 1000 - ag_mono_us();
  struct timeval tv;

  if (us < 0)
    us = 0;
  tv.tv_sec = (time_t)(us / 1000000);
  tv.tv_usec = (suseconds_t)(us % 1000000);
  if (evtimer_add(w->ev, &tv) == 0)
    w->armed_tick = tick;
}

static void rearm(struct sess_wheel *w)
{
  long long t = w->count ? next_tick(w) : -1;

  if (t < 0) {
    evtimer_del(w->ev);
    w->armed_tick = -1;
  } else if (t != w->armed_tick) {
    arm(w, t);
  }
}

/* Looks at every slot whose time has come, once, and fires what is due in it. */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
  struct sess_wheel *w = arg;
  long long now_ms = sess__mono_ms(), now_tick = now_ms / SESS_WHEEL_TICK_MS;
  long long n = now_tick - w->done_tick;

  (void)fd;
  (void)what;
  w->armed_tick = -1;
  if (n > SESS_WHEEL_SLOTS)
    n = SESS_WHEEL_SLOTS; /* a long stall: each slot once is every slot */
  for (long long t = now_tick - n + 1; t <= now_tick; t++) {
    size_t s = (size_t)t & MASK;
    struct sess_wheel_entry *slot, *e;
    w->done_tick = t; /* an entry added by a callback goes after t, so it is not missed */
    if (!(w->used[s / 64] & (1ull << (s % 64))))
      continue;
    /* The slot's list moves to `slot` and is taken one entry at a time from its head: a
     * callback may take out any other entry of it, and an entry added to the slot (a turn
     * later) is not looked at again now. */
    slot = w->slot[s];
    slot->pprev = &slot;
    w->slot[s] = NULL;
    w->used[s / 64] &= ~(1ull << (s % 64));
    while ((e = slot) != NULL) {
      unlink_entry(w, e);
      if (tick_of(e->due_ms) > now_tick) {
        link_in(w, e, tick_of(e->due_ms)); /* a later turn's */
        continue;
      }
      w->count--;
      w->fire(w->arg, e, now_ms);
    }
  }
  w->done_tick = now_tick;
  rearm(w);
}

struct sess_wheel *sess__wheel_create(struct event_base *base, sess_wheel_fire_cb fire, void *arg)
{
  struct sess_wheel *w = calloc(1, sizeof(*w));

  if (!w)
    return NULL;
  w->ev = evtimer_new(base, on_tick, w);
  if (!w->ev) {
    free(w);
    return NULL;
  }
  w->fire = fire;
  w->arg = arg;
  w->done_tick = sess__mono_ms() / SESS_WHEEL_TICK_MS;
  w->armed_tick = -1;
  return w;
}

void sess__wheel_destroy(struct sess_wheel *w)
{
  if (!w)
    return;
  event_free(w->ev);
  free(w);
}

int sess__wheel_add(struct sess_wheel *w, struct sess_wheel_entry *e, long long due_ms)
{
  long long tick = tick_of(due_ms);

  if (AG_NEVER(e->pprev))
    return AG_ESTATE;
  if (tick <= w->done_tick)
    tick = w->done_tick + 1;
  e->due_ms = due_ms;
  link_in(w, e, tick);
  w->count++;
  if (w->armed_tick < 0 || tick < w->armed_tick)
    arm(w, tick);
  return AG_OK;
}

void sess__wheel_del(struct sess_wheel *w, struct sess_wheel_entry *e)
{
  if (!e->pprev)
    return;
  unlink_entry(w, e);
  w->count--;
  /* The timer stays armed: waking for an empty slot costs one look at it. */
}
