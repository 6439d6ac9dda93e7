/* sess_table.c: live USSD sessions by (carrier, session id), each with one deadline in the
 * table's timer wheel (sess_wheel.c).
 *
 * A live session's deadline is the sooner of its idle time (restarted by every hop) and its
 * maximum length (from the first hop). When it passes, or the gateway sends END, or the carrier
 * says the session is over, the session ends: the callback runs once and the session stays as
 * a tombstone until session_max_ms later, so a retried or late hop can still be told apart from
 * a new session. Then it is freed, or, when a hop still holds it (waiting for the profile or for
 * a commit), as that hop lets it go.
 *
 * A hop only writes the time of its arrival: the session's entry stays where it is in the wheel,
 * and when it comes due the deadline is computed again and the entry moves on (once per idle
 * time at most, instead of once per hop).
 */
#include "sessions/sess-internal.h"
#include "lib/ag.h"
#include "lib/ag_phone.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#define KZ_UTC_OFFSET_S (5 * 3600) /* one time zone for the whole country since March 2024 */
#define SESS_ID_MAX     131        /* bytes of a session id kept (GW_USSD_ID_MAX is 128) */

/* A carrier's name, one copy for all its sessions. */
struct carrier_name {
  struct carrier_name *next;
  char name[];
};

struct sess_table {
  long idle_ms, max_ms;
  sess_end_cb on_end;
  void *arg;
  struct sess_wheel *wheel; /* owned */
  struct carrier_name *carriers;
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
  case SESS_END_OPERATOR:
    return "operator";
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

/* No-op when s is not in the table (sess_table_forget took it out already). */
static void unlink_session(struct sess_table *t, struct sess_session *s)
{
  struct sess_session **pp = &t->buckets[s->hash % t->n_buckets];

  while (*pp && *pp != s)
    pp = &(*pp)->hash_next;
  if (*pp) {
    *pp = s->hash_next;
    t->count--;
  }
}

static void session_free(struct sess_session *s)
{
  sess__wheel_del(s->table->wheel, &s->timer);
  sess_content_unref(s->content);
  sess__profile_unpack(s->ctx.profile);
  free(s);
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

/* The deadline of a live session: the sooner of its idle and maximum times. */
static long long live_due(const struct sess_table *t, const struct sess_session *s, int *max)
{
  long long idle = s->created_ms + s->last_ms + t->idle_ms, end = s->created_ms + t->max_ms;

  *max = end <= idle;
  return *max ? end : idle;
}

/* The session's entry came due (it is out of the wheel). */
static void on_due(void *arg, struct sess_wheel_entry *e, long long now_ms)
{
  struct sess_table *t = arg;
  struct sess_session *s =
      (struct sess_session *)((char *)e - offsetof(struct sess_session, timer));
  int max;
  long long due;

  if (s->ended == SESS_LIVE) {
    due = live_due(t, s, &max);
    if (due > now_ms) /* touched since the entry was placed: on to the new deadline */
      sess__wheel_add(t->wheel, e, due);
    else
      sess_table_end(s, max ? SESS_END_MAX : SESS_END_IDLE);
    return;
  }
  s->expired = 1; /* the tombstone's time is over */
  if (s->holds == 0) {
    unlink_session(t, s);
    session_free(s);
  }
}

struct sess_table *sess_table_create(struct event_base *base, long idle_ms, long max_ms,
                                     sess_end_cb on_end, void *arg)
{
  struct sess_table *t = calloc(1, sizeof(*t));

  if (!t)
    return NULL;
  t->idle_ms = idle_ms;
  t->max_ms = max_ms;
  t->on_end = on_end;
  t->arg = arg;
  t->n_buckets = 1024;
  t->buckets = calloc(t->n_buckets, sizeof(*t->buckets));
  t->wheel = sess__wheel_create(base, on_due, t);
  if (!t->buckets || !t->wheel) {
    sess__wheel_destroy(t->wheel);
    free(t->buckets);
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
  while (t->carriers) {
    struct carrier_name *c = t->carriers;
    t->carriers = c->next;
    free(c);
  }
  sess__wheel_destroy(t->wheel);
  free(t->buckets);
  free(t);
}

struct sess_session *sess_table_find(struct sess_table *t, const char *carrier, const char *id)
{
  uint32_t h = (uint32_t)hash(carrier, id);
  struct sess_session *s = t->buckets[h % t->n_buckets];

  for (; s; s = s->hash_next)
    if (s->hash == h && strcmp(s->id, id) == 0 && strcmp(s->carrier, carrier) == 0)
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
      size_t h = s->hash % n;
      t->buckets[i] = s->hash_next;
      s->hash_next = b[h];
      b[h] = s;
    }
  }
  free(t->buckets);
  t->buckets = b;
  t->n_buckets = n;
}

/* The table's copy of a carrier's name: there are a handful of carriers. */
static const char *carrier_intern(struct sess_table *t, const char *name)
{
  struct carrier_name *c;
  size_t len;

  for (c = t->carriers; c; c = c->next)
    if (strcmp(c->name, name) == 0)
      return c->name;
  len = strlen(name);
  c = malloc(sizeof(*c) + len + 1);
  if (!c)
    return NULL;
  memcpy(c->name, name, len + 1);
  c->next = t->carriers;
  t->carriers = c;
  return c->name;
}

struct sess_session *sess_table_add(struct sess_table *t, const char *carrier, const char *id,
                                    const char *msisdn, const uint8_t respondent[32],
                                    struct sess_content *content, long long now_us)
{
  size_t id_len = strnlen(id, SESS_ID_MAX);
  const char *name = carrier_intern(t, carrier);
  struct sess_session *s = name ? malloc(sizeof(*s) + id_len + 1) : NULL;
  size_t h;

  if (!s)
    return NULL;
  /* Field by field, not calloc: the id's tail needs no zeroing. */
  memset(s, 0, sizeof(*s));
  memcpy(s->id, id, id_len);
  s->id[id_len] = '\0';
  s->carrier = name;
  s->hash = (uint32_t)hash(name, s->id);
  snprintf(s->msisdn, sizeof(s->msisdn), "%s", msisdn);
  memcpy(s->respondent, respondent, sizeof(s->respondent));
  s->ctx.day = (long)((now_us / 1000000 + KZ_UTC_OFFSET_S) / 86400);
  s->table = t;
  s->content = sess_content_ref(content);
  s->created_us = now_us;
  s->created_ms = sess__mono_ms();
  if (sess__wheel_add(t->wheel, &s->timer,
                      s->created_ms + (t->idle_ms < t->max_ms ? t->idle_ms : t->max_ms))) {
    sess_content_unref(content);
    free(s);
    return NULL;
  }
  if (t->count >= t->n_buckets)
    grow(t);
  h = s->hash % t->n_buckets;
  s->hash_next = t->buckets[h];
  t->buckets[h] = s;
  t->count++;
  t->live++;
  return s;
}

void sess_table_touch(struct sess_session *s, size_t hop)
{
  long long since = sess__mono_ms() - s->created_ms; /* the deadlines run on this clock */

  if (hop > s->hops)
    s->hops = hop > UINT8_MAX ? UINT8_MAX : (uint8_t)hop;
  if (s->ended == SESS_LIVE && since > (long long)s->last_ms)
    s->last_ms = since > (long long)UINT32_MAX ? UINT32_MAX : (uint32_t)since;
}

void sess_table_end(struct sess_session *s, enum sess_end_reason why)
{
  struct sess_table *t = s->table;

  if (s->ended != SESS_LIVE)
    return;
  s->ended = (uint8_t)why;
  t->live--;
  sess__wheel_del(t->wheel, &s->timer);
  if (why != SESS_END_SHUTDOWN) /* the tombstone's lifetime: its entry cannot fail to go in */
    sess__wheel_add(t->wheel, &s->timer, sess__mono_ms() + t->max_ms);
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
  sess__wheel_del(t->wheel, &s->timer);
  unlink_session(t, s);
  s->expired = 1; /* freed by the last sess_session_release() */
  if (s->holds == 0)
    session_free(s);
}

size_t sess_table_live(const struct sess_table *t)
{
  return t->live;
}

void sess_table_each(struct sess_table *t, void (*fn)(void *arg, struct sess_session *s), void *arg)
{
  for (size_t b = 0; b < t->n_buckets; b++)
    for (struct sess_session *s = t->buckets[b]; s; s = s->hash_next)
      if (s->ended == SESS_LIVE)
        fn(arg, s);
}
