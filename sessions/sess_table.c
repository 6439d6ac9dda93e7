/* sess_table.c: live USSD sessions by (carrier, session id), each with two libevent timers.
 *
 * The idle timer restarts with every hop; the max timer runs from the first hop. When either
 * fires, or the gateway sends END, or the carrier says the session is over, the session ends:
 * the callback runs once and the session stays as a tombstone until session_max_ms later, so a
 * retried or late hop can still be told apart from a new session. Then it is freed, or, when a
 * hop still holds it (waiting for the profile or for a commit), as that hop lets it go.
 */
#include "sessions/sess-internal.h"
#include "lib/ag.h"
#include "lib/ag_phone.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#define KZ_UTC_OFFSET_S (5 * 3600) /* one time zone for the whole country since March 2024 */

struct sess_table {
  struct event_base *base;
  long idle_ms, max_ms;
  sess_end_cb on_end;
  void *arg;
  struct sess_session **buckets;
  size_t n_buckets, count, live;
};

const char *sess_end_reason_name(enum sess_end_reason r)
{
  switch (r) {
  case SESS_LIVE:
    return "live";
  case SESS_END_SCREEN:
    return "end_screen";
  case SESS_END_IDLE:
    return "idle_timeout";
  case SESS_END_MAX:
    return "max_length";
  case SESS_END_CARRIER:
    return "carrier";
  case SESS_END_SHUTDOWN:
    return "shutdown";
  case SESS_END_REFUSED:
    return "refused";
  }
  return "?";
}

/* FNV-1a over carrier, a separator and id. */
static size_t hash(const char *carrier, const char *id)
{
  uint64_t h = 1469598103934665603ull;

  for (const char *p = carrier; *p; p++)
    h = (h ^ (unsigned char)*p) * 1099511628211ull;
  h = (h ^ 0x1f) * 1099511628211ull;
  for (const char *p = id; *p; p++)
    h = (h ^ (unsigned char)*p) * 1099511628211ull;
  return (size_t)h;
}

static void set_timer(struct event *ev, long ms)
{
  struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
  event_add(ev, &tv);
}

/* No-op when s is not in the table (sess_table_forget took it out already). */
static void unlink_session(struct sess_table *t, struct sess_session *s)
{
  struct sess_session **pp = &t->buckets[hash(s->carrier, s->id) % t->n_buckets];

  while (*pp && *pp != s)
    pp = &(*pp)->hash_next;
  if (*pp) {
    *pp = s->hash_next;
    t->count--;
  }
}

static void session_free(struct sess_session *s)
{
  if (s->idle)
    event_free(s->idle);
  if (s->max)
    event_free(s->max);
  sess_content_unref(s->content);
  sess_profile_cleanup(&s->profile);
  free(s);
}

/* The idle timer of an ended session is its reaper. */
static void on_idle(evutil_socket_t fd, short what, void *arg)
{
  struct sess_session *s = arg;

  (void)fd;
  (void)what;
  if (s->ended == SESS_LIVE) {
    sess_table_end(s, SESS_END_IDLE);
    return;
  }
  s->expired = 1;
  if (s->holds == 0) {
    unlink_session(s->table, s);
    session_free(s);
  }
}

struct sess_session *sess_session_hold(struct sess_session *s)
{
  s->holds++;
  return s;
}

void sess_session_release(struct sess_session *s)
{
  if (--s->holds == 0 && s->expired) { /* the tombstone outlived its time for this hold */
    unlink_session(s->table, s);
    session_free(s);
  }
}

static void on_max(evutil_socket_t fd, short what, void *arg)
{
  (void)fd;
  (void)what;
  sess_table_end(arg, SESS_END_MAX);
}

struct sess_table *sess_table_create(struct event_base *base, long idle_ms, long max_ms,
                                     sess_end_cb on_end, void *arg)
{
  struct sess_table *t = calloc(1, sizeof(*t));

  if (!t)
    return NULL;
  t->base = base;
  t->idle_ms = idle_ms;
  t->max_ms = max_ms;
  t->on_end = on_end;
  t->arg = arg;
  t->n_buckets = 1024;
  t->buckets = calloc(t->n_buckets, sizeof(*t->buckets));
  if (!t->buckets) {
    free(t);
    return NULL;
  }
  return t;
}

void sess_table_destroy(struct sess_table *t)
{
  if (!t)
    return;
  for (size_t b = 0; b < t->n_buckets; b++) {
    while (t->buckets[b]) {
      struct sess_session *s = t->buckets[b];
      t->buckets[b] = s->hash_next;
      if (s->ended == SESS_LIVE)
        sess_table_end(s, SESS_END_SHUTDOWN);
      session_free(s);
    }
  }
  free(t->buckets);
  free(t);
}

struct sess_session *sess_table_find(struct sess_table *t, const char *carrier, const char *id)
{
  struct sess_session *s = t->buckets[hash(carrier, id) % t->n_buckets];

  for (; s; s = s->hash_next)
    if (strcmp(s->id, id) == 0 && strcmp(s->carrier, carrier) == 0)
      return s;
  return NULL;
}

/* Doubles the buckets when the table is full, so chains stay short. */
static void grow(struct sess_table *t)
{
  size_t n = t->n_buckets * 2;
  struct sess_session **b = calloc(n, sizeof(*b));

  if (!b)
    return; /* longer chains, still correct */
  for (size_t i = 0; i < t->n_buckets; i++) {
    while (t->buckets[i]) {
      struct sess_session *s = t->buckets[i];
      size_t h = hash(s->carrier, s->id) % n;
      t->buckets[i] = s->hash_next;
      s->hash_next = b[h];
      b[h] = s;
    }
  }
  free(t->buckets);
  t->buckets = b;
  t->n_buckets = n;
}

struct sess_session *sess_table_add(struct sess_table *t, const char *carrier, const char *id,
                                    const char *msisdn, const uint8_t respondent[32],
                                    struct sess_content *content, long long now_us)
{
  struct sess_session *s = calloc(1, sizeof(*s));
  size_t h;

  if (!s)
    return NULL;
  snprintf(s->carrier, sizeof(s->carrier), "%s", carrier);
  snprintf(s->id, sizeof(s->id), "%s", id);
  snprintf(s->msisdn, sizeof(s->msisdn), "%s", msisdn);
  ag_phone_mask(msisdn, s->phone_masked, sizeof(s->phone_masked));
  memcpy(s->respondent, respondent, sizeof(s->respondent));
  s->ctx.day = (long)((now_us / 1000000 + KZ_UTC_OFFSET_S) / 86400);
  s->table = t;
  s->idle = evtimer_new(t->base, on_idle, s);
  s->max = evtimer_new(t->base, on_max, s);
  if (!s->idle || !s->max) {
    session_free(s);
    return NULL;
  }
  s->content = sess_content_ref(content);
  s->created_us = s->last_us = now_us;
  if (t->count >= t->n_buckets)
    grow(t);
  h = hash(s->carrier, s->id) % t->n_buckets;
  s->hash_next = t->buckets[h];
  t->buckets[h] = s;
  t->count++;
  t->live++;
  set_timer(s->idle, t->idle_ms);
  set_timer(s->max, t->max_ms);
  return s;
}

void sess_table_touch(struct sess_session *s, size_t hop, long long now_us)
{
  if (hop > s->hops)
    s->hops = hop;
  s->last_us = now_us;
  if (s->ended == SESS_LIVE)
    set_timer(s->idle, s->table->idle_ms);
}

void sess_table_end(struct sess_session *s, enum sess_end_reason why)
{
  struct sess_table *t = s->table;

  if (s->ended != SESS_LIVE)
    return;
  s->ended = why;
  t->live--;
  event_del(s->max);
  if (why != SESS_END_SHUTDOWN)
    set_timer(s->idle, t->max_ms); /* the tombstone's lifetime */
  if (t->on_end)
    t->on_end(t->arg, s);
}

void sess_table_forget(struct sess_session *s)
{
  struct sess_table *t = s->table;

  if (s->ended == SESS_END_REFUSED)
    return;
  if (s->ended == SESS_LIVE)
    t->live--;
  s->ended = SESS_END_REFUSED;
  event_del(s->idle);
  event_del(s->max);
  unlink_session(t, s);
  s->expired = 1; /* freed by the last sess_session_release() */
  if (s->holds == 0)
    session_free(s);
}

size_t sess_table_live(const struct sess_table *t)
{
  return t->live;
}
