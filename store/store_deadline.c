/* store_deadline.c: a request's deadline (store.h, "Deadlines"): the timer that drops what is
 * still queued and releases the callers of what is in flight, the guard statement that keeps a
 * batch held back past its deadlines from committing, and "stalled".
 *
 * One timer for the earliest deadline. Arming is cheap (an item can only lower it); when it
 * fires, one walk of the queue and of the batch does what is due and arms the next. An item
 * leaving early (its batch ended) leaves the timer early at worst: the walk finds nothing.
 */
#include "store/store.h"
#include "store/store-internal.h"
#include "lib/ag.h"
#include "lib/ag_log.h"
#include "lib/ag_loop.h"

#include <libpq-fe.h>

/* sql/migrations/0007_deadline_guard.sql; $1 is the commit-by time, microseconds since the
 * epoch on the gateway's wall clock. */
const struct store__stmt store__stmt_guard = {
    "guard", 1,
    "SELECT aulgate_commit_guard('epoch'::timestamptz + $1::bigint * interval '1 microsecond')"};

static long long margin_us(const struct store *st)
{
  return st->cfg.commit_margin_ms * 1000LL;
}

/* A queued item's time is up a margin before its deadline: sent later, its batch's guard would
 * abort (and fail the rest of the batch with it). */
static long long queued_expiry(const struct store *st, const struct store__item *it)
{
  return it->deadline_us - margin_us(st);
}

static int arm(struct store *st, long long at)
{
  long long now = ag_mono_us();

  st->deadline_armed_us = at;
  return ag_timer_start(st->deadline_timer, at <= now ? 0 : (long)((at - now + 999) / 1000));
}

int store__deadline_track(struct store *st, const struct store__item *it)
{
  long long at = queued_expiry(st, it);

  if (!it->deadline_us || (st->deadline_armed_us && st->deadline_armed_us <= at))
    return AG_OK;
  return arm(st, at);
}

void store__deadline_take_expired(struct store *st, long long now, struct store__queue *out)
{
  struct store__item **link = &st->queue.head, *last = NULL;

  while (*link) {
    struct store__item *it = *link;
    if (it->deadline_us && queued_expiry(st, it) <= now) {
      *link = it->next;
      st->queue.n--;
      store__queue_push(out, it);
      continue;
    }
    last = it;
    link = &it->next;
  }
  st->queue.tail = last;
}

void store__deadline_expire(struct store *st, struct store__queue *q)
{
  if (!q->head)
    return;
  AG_LOGW("db.deadline_expired", "requests=%zu queued=%zu in_flight=%zu batch_age_ms=%lld", q->n,
          st->queue.n, st->batch.n, store_batch_age_us(st) / 1000);
  store__queue_complete(st, q, AG_ETIMEDOUT); /* never sent: certainly not stored */
}

/* The callers of the batch's items whose deadline has come hear AG_EUNCONFIRMED now; the items
 * stay in the batch as orphans until it ends. Returns how many. */
static size_t release_in_flight(struct store *st, long long now)
{
  size_t n = 0;

  /* Nothing a callback does changes the batch (it may only queue), so the walk is safe. */
  for (struct store__item *it = st->batch.head; it; it = it->next) {
    if (!it->deadline_us || it->orphan || it->deadline_us > now)
      continue;
    it->orphan = 1;
    n++;
    if (it->done) {
      it->done(it, AG_EUNCONFIRMED, NULL);
    } else {
      st->stats.unconfirmed++;
      ag_series_inc(st->m.unconfirmed);
      it->cb(it->arg, AG_EUNCONFIRMED);
    }
  }
  return n;
}

static void arm_next(struct store *st)
{
  long long next = 0;

  for (const struct store__item *it = st->queue.head; it; it = it->next)
    if (it->deadline_us && (!next || queued_expiry(st, it) < next))
      next = queued_expiry(st, it);
  for (const struct store__item *it = st->batch.head; it; it = it->next)
    if (it->deadline_us && !it->orphan && (!next || it->deadline_us < next))
      next = it->deadline_us;
  if (next && arm(st, next) != AG_OK)
    AG_LOGE("db.deadline_timer_failed", "queued=%zu in_flight=%zu", st->queue.n, st->batch.n);
}

void store__on_deadline(void *arg)
{
  struct store *st = arg;
  struct store__queue expired = {0};
  long long now = ag_mono_us();
  size_t released;

  st->deadline_armed_us = 0;
  store__deadline_take_expired(st, now, &expired);
  released = release_in_flight(st, now);
  if (released)
    AG_LOGW("db.deadline_unconfirmed", "requests=%zu in_flight=%zu batch_age_ms=%lld", released,
            st->batch.n, store_batch_age_us(st) / 1000);
  store__deadline_expire(st, &expired);
  arm_next(st); /* after the callbacks: what they queued counts too */
}

int store__deadline_guard(struct store *st)
{
  long long earliest = 0;
  char by[24];
  const char *params[1] = {by};

  for (const struct store__item *it = st->batch.head; it; it = it->next)
    if (it->deadline_us && (!earliest || it->deadline_us < earliest))
      earliest = it->deadline_us;
  if (!earliest)
    return AG_OK;
  /* The deadline on the wall clock, which the database's clock_timestamp() is compared with. */
  store__fmt_int(by, sizeof(by), ag_now_us() + (earliest - ag_mono_us()) - margin_us(st));
  if (PQsendQueryPrepared(st->conn, store__stmt_guard.name, 1, params, NULL, NULL, 0) != 1)
    return AG_EDB;
  st->pending_queries++;
  return AG_OK;
}

void store__late_outcome(struct store *st, const struct store__item *it, int rc)
{
  char q[320];
  const char *what = rc == AG_OK                                   ? "committed"
                     : rc == AG_EUNCONFIRMED || rc == AG_ECANCELED ? "unknown"
                                                                   : "aborted";

  if (it->done) /* a read: nothing was at stake */
    return;
  if (rc == AG_OK) {
    st->stats.late_committed++;
    ag_series_inc(st->m.late_committed);
  } else if (*what == 'a') {
    st->stats.late_aborted++;
    ag_series_inc(st->m.late_aborted);
  } else {
    st->stats.late_unknown++;
    ag_series_inc(st->m.late_unknown);
  }
  /* A committed one is no lie (its caller heard "could not confirm"), but worth knowing: the
   * guard's margin did not cover this stall, or the clocks disagree. */
  AG_LOGW("db.late_outcome", "statement=%s outcome=%s late_ms=%lld error=%s", it->stmt->name, what,
          (ag_mono_us() - it->deadline_us) / 1000,
          rc == AG_OK ? "-" : ag_log_quote(st->batch_error, q, sizeof(q)));
}
