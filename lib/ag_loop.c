/* ag_loop.c: fd watches, timers and deferred calls on a libevent event_base.
 *
 * A watch keeps one persistent event and replaces it when the interest changes: libevent cannot
 * change the flags of an added event in place, and the watch's address must stay the same for
 * whoever holds it (libcurl keeps it as the socket's pointer).
 */
#include "lib/ag_loop.h"
#include "lib/ag.h"

#include <event2/event.h>
#include <stdlib.h>

struct ag_watch {
  struct event_base *base; /* borrowed */
  struct event *ev;        /* owned; NULL while paused */
  int fd;
  unsigned what;
  ag_watch_cb cb;
  void *arg;
};

struct ag_timer {
  struct event *ev; /* owned */
  ag_timer_cb cb;
  void *arg;
};

struct ag_defer {
  struct event *ev; /* owned */
  ag_defer_cb cb;
  void *arg;
};

static void on_watch(evutil_socket_t fd, short ev_what, void *arg)
{
  struct ag_watch *w = arg;
  unsigned fired =
      ((ev_what & EV_READ) ? AG_WATCH_READ : 0u) | ((ev_what & EV_WRITE) ? AG_WATCH_WRITE : 0u);

  w->cb(w->arg, (int)fd, fired);
}

struct ag_watch *ag_watch_create(struct event_base *base, int fd, unsigned what, ag_watch_cb cb,
                                 void *arg)
{
  struct ag_watch *w = calloc(1, sizeof(*w));

  if (!w)
    return NULL;
  *w = (struct ag_watch){base, NULL, fd, 0, cb, arg};
  if (ag_watch_set(w, what) != AG_OK) {
    free(w);
    return NULL;
  }
  return w;
}

int ag_watch_set(struct ag_watch *w, unsigned what)
{
  short flags =
      (short)(((what & AG_WATCH_READ) ? EV_READ : 0) | ((what & AG_WATCH_WRITE) ? EV_WRITE : 0));

  if (w->ev && what == w->what)
    return AG_OK;
  if (w->ev)
    event_free(w->ev);
  w->ev = NULL;
  w->what = what;
  if (!flags)
    return AG_OK;
  w->ev = event_new(w->base, w->fd, flags | EV_PERSIST, on_watch, w);
  if (!w->ev || event_add(w->ev, NULL) != 0) {
    if (w->ev)
      event_free(w->ev);
    w->ev = NULL;
    return AG_EIO;
  }
  return AG_OK;
}

int ag_watch_ensure(struct ag_watch **w, struct event_base *base, int fd, unsigned what,
                    ag_watch_cb cb, void *arg)
{
  if (*w && (*w)->fd != fd) {
    ag_watch_destroy(*w);
    *w = NULL;
  }
  if (!*w)
    *w = ag_watch_create(base, fd, what, cb, arg);
  return *w ? ag_watch_set(*w, what) : AG_ENOMEM;
}

unsigned ag_watch_what(const struct ag_watch *w)
{
  return w->ev ? w->what : 0;
}

void ag_watch_destroy(struct ag_watch *w)
{
  if (!w)
    return;
  if (w->ev)
    event_free(w->ev);
  free(w);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
  struct ag_timer *t = arg;

  (void)fd;
  (void)what;
  t->cb(t->arg);
}

struct ag_timer *ag_timer_create(struct event_base *base, ag_timer_cb cb, void *arg)
{
  struct ag_timer *t = calloc(1, sizeof(*t));

  if (!t)
    return NULL;
  t->cb = cb;
  t->arg = arg;
  t->ev = evtimer_new(base, on_timer, t);
  if (!t->ev) {
    free(t);
    return NULL;
  }
  return t;
}

int ag_timer_start(struct ag_timer *t, long ms)
{
  struct timeval tv;

  if (ms < 0)
    ms = 0;
  tv.tv_sec = ms / 1000;
  tv.tv_usec = (ms % 1000) * 1000;
  return evtimer_add(t->ev, &tv) == 0 ? AG_OK : AG_EIO;
}

void ag_timer_stop(struct ag_timer *t)
{
  evtimer_del(t->ev);
}

int ag_timer_pending(const struct ag_timer *t)
{
  return evtimer_pending(t->ev, NULL) != 0;
}

void ag_timer_destroy(struct ag_timer *t)
{
  if (!t)
    return;
  event_free(t->ev);
  free(t);
}

static void on_defer(evutil_socket_t fd, short what, void *arg)
{
  struct ag_defer *d = arg;

  (void)fd;
  (void)what;
  d->cb(d->arg);
}

struct ag_defer *ag_defer_create(struct event_base *base, ag_defer_cb cb, void *arg)
{
  struct ag_defer *d = calloc(1, sizeof(*d));

  if (!d)
    return NULL;
  d->cb = cb;
  d->arg = arg;
  d->ev = event_new(base, -1, 0, on_defer, d);
  if (!d->ev) {
    free(d);
    return NULL;
  }
  return d;
}

void ag_defer_schedule(struct ag_defer *d)
{
  /* event_active on an already active event is a no-op: one run however often it is asked. */
  event_active(d->ev, 0, 0);
}

void ag_defer_cancel(struct ag_defer *d)
{
  event_del(d->ev);
}

void ag_defer_destroy(struct ag_defer *d)
{
  if (!d)
    return;
  event_free(d->ev);
  free(d);
}
