/* store_lanes.c: a store of several engines (store_pg.c), each with its own connection and its
 * own batch in flight (db_connections, decision 101). One engine's backend runs one statement
 * at a time: at a new session a hop, the profile read that freezes it kept that one backend
 * busy (issue 9) while PostgreSQL had cores to spare.
 *
 * A statement of a respondent (the profile read, answers, attempts, the language, the SMS and
 * school switches, the parent's messages) goes to the lane its respondent key picks; everything
 * else (tokens, audit, the outbox's worker, the scheduler) takes the first lane. So one phone's
 * statements keep the one order of one connection, and two lanes are what two gateway processes
 * are (docs/scaling.md), each with its own phones: a session's freeze is the same whichever
 * backend makes it (ON CONFLICT, decision 46), and its writes follow its read's callback. The
 * counters no longer make two lanes wait for each other: batches append their cells' deltas
 * instead of upserting hot rows (decision 103; it was why answers stayed on the first lane in
 * decision 101). The public calls that describe the store look at every lane. */
#include "store/store.h"
#include "store/store-internal.h"
#include "lib/ag.h"
#include "lib/ag_loop.h"

#include <string.h>

struct store *store_create(struct event_base *base, const struct store_config *cfg)
{
  struct store *st = store__engine_create(base, cfg, NULL);
  long n = cfg->connections < 1 ? 1 : cfg->connections;

  if (!st)
    return NULL;
  if (n > STORE__MAX_LANES)
    n = STORE__MAX_LANES;
  st->lane[0] = st;
  st->nlanes = 1;
  while (st->nlanes < n) {
    struct store *l = store__engine_create(base, cfg, &st->m); /* one set of series */
    if (!l) {
      store_destroy(st);
      return NULL;
    }
    st->lane[st->nlanes++] = l;
  }
  return st;
}

void store_destroy(struct store *st)
{
  if (!st)
    return;
  for (int i = st->nlanes - 1; i > 0; i--)
    store__engine_destroy(st->lane[i]);
  store__engine_destroy(st);
}

struct store *store__lane_of(struct store *st, const struct store__item *it)
{
  uint32_t h;

  if (st->nlanes < 2 || !it->keyed)
    return st;
  memcpy(&h, it->respondent, sizeof(h)); /* a keyed hash already: any 4 bytes spread evenly */
  return st->lane[h % (uint32_t)st->nlanes];
}

/* Up only when every lane is: a caller whose lane is down would get the polite END. */
enum store_state store_state(const struct store *st)
{
  enum store_state s = st->state;

  for (int i = 1; i < st->nlanes; i++)
    if (st->lane[i]->state < s)
      s = st->lane[i]->state;
  return s;
}

size_t store_pending(const struct store *st)
{
  size_t n = 0;

  for (int i = 0; i < st->nlanes; i++)
    n += st->lane[i]->queue.n + st->lane[i]->batch.n;
  return n;
}

void store_stats(const struct store *st, struct store_stats *out)
{
  *out = st->stats;
  for (int i = 1; i < st->nlanes; i++) {
    const struct store_stats *s = &st->lane[i]->stats;
    out->batches += s->batches;
    out->answers += s->answers;
    out->failed += s->failed;
    out->reconnects += s->reconnects;
    out->expired += s->expired;
    out->unconfirmed += s->unconfirmed;
    out->late_committed += s->late_committed;
    out->late_aborted += s->late_aborted;
    out->late_unknown += s->late_unknown;
  }
}

static int engine_stalled(const struct store *st)
{
  long long since = st->state == STORE_CONNECTING ? st->connect_start_mono : st->batch_sent_mono;

  return st->cfg.stall_ms > 0 && since && ag_mono_us() - since > st->cfg.stall_ms * 1000LL;
}

int store_stalled(const struct store *st)
{
  int stalled = engine_stalled(st);

  for (int i = 1; i < st->nlanes; i++)
    stalled |= engine_stalled(st->lane[i]);
  return stalled;
}

/* The oldest batch in flight of any lane. */
long long store_batch_age_us(const struct store *st)
{
  long long now = ag_mono_us(), age = 0;

  for (int i = 0; i < st->nlanes; i++) {
    const struct store *l = st->lane[i];
    if (l->batch_sent_mono && now - l->batch_sent_mono > age)
      age = now - l->batch_sent_mono;
  }
  return age;
}
