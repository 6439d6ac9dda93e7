/* store_pg.c: the batch engine: libpq in non-blocking pipeline mode on the loop (lib/ag_loop),
 * with group commit. The statements live in store_answers.c and store_profile.c.
 *
 * Life of a connection: DOWN --(timer)--> CONNECTING (PQconnectPoll driven by socket events)
 * --> prepare the INSERT in the pipeline --> UP. While UP, at most one batch is in flight; the
 * queue collects what arrives meanwhile. A batch is N PQsendQueryPrepared calls and one
 * PQpipelineSync: the server runs them as one implicit transaction and commits at the Sync, so
 * PGRES_PIPELINE_SYNC with no error before it means every answer of the batch is durable. A
 * before-Sync hook may add statements to the batch just before its Sync: same transaction, and
 * so does the deadline guard after it (store_deadline.c). A store may hold several engines, each
 * its own connection (store_lanes.c).
 */
#include "store/store.h"
#include "store/store-internal.h"
#include "lib/ag.h"
#include "lib/ag_log.h"
#include "lib/ag_loop.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

/* Prepared on every new connection. */
static const struct store__stmt *const stmts[] = {
    &store__stmt_answers,       &store__stmt_attempt,     &store__stmt_sms,
    &store__stmt_profile,       &store__stmt_lang,        &store__stmt_guard,
    &store__stmt_tokens,        &store__stmt_audit,       &store__stmt_expire,
    &store__stmt_ob_enqueue,    &store__stmt_ob_claim,    &store__stmt_ob_report,
    &store__stmt_ob_expire,     &store__stmt_ob_dlr,      &store__stmt_ob_depth,
    &store__stmt_sms_mo,        &store__stmt_sms_due,     &store__stmt_sms_schedule,
    &store__stmt_unsub,         &store__stmt_ob_purge,    &store__stmt_school,
    &store__stmt_school_answer, &store__stmt_school_share};

#define item store__item

static void on_io(void *arg, int fd, unsigned what);
static void connect_start(struct store *st);
static void batch_send(struct store *st);

void store__queue_push(struct store__queue *q, struct item *it)
{
  it->next = NULL;
  if (q->tail)
    q->tail->next = it;
  else
    q->head = it;
  q->tail = it;
  q->n++;
}

/* The queue is detached first, so a callback may submit again. */
void store__queue_complete(struct store *st, struct store__queue *q, int rc)
{
  struct item *it = q->head;

  q->head = q->tail = NULL;
  q->n = 0;
  while (it) {
    struct item *next = it->next;
    if (it->orphan) {
      int wrc = rc;
      if (wrc == AG_OK && it->check && !it->done)
        wrc = it->checked ? it->check_rc : AG_EDB;
      store__late_outcome(st, it, wrc);
    } else if (it->done) {
      int ok = rc == AG_OK && it->view != NULL;
      it->done(it, ok ? AG_OK : (rc ? rc : AG_EDB), ok ? it->view : NULL);
    } else {
      int wrc = rc;
      if (wrc == AG_OK && it->check) /* committed, but did it write what it was given? */
        wrc = it->checked ? it->check_rc : AG_EDB;
      if (wrc == AG_OK) {
        st->stats.answers++;
        ag_series_inc(st->m.committed);
      } else if (wrc == AG_ETIMEDOUT) {
        st->stats.expired++;
        ag_series_inc(st->m.expired);
      } else if (wrc == AG_EUNCONFIRMED) {
        st->stats.unconfirmed++;
        ag_series_inc(st->m.unconfirmed);
      } else {
        st->stats.failed++;
        ag_series_inc(st->m.failed);
      }
      it->cb(it->arg, wrc);
    }
    PQclear(it->res);
    free(it);
    it = next;
  }
}

static void watch(struct store *st, unsigned what)
{
  int fd = PQsocket(st->conn);

  if (ag_watch_ensure(&st->io, st->base, fd, what, on_io, st) != AG_OK)
    AG_LOGE("db.watch_failed", "fd=%d", fd); /* the connect timeout will recover */
}

static void close_conn(struct store *st)
{
  ag_watch_destroy(st->io);
  st->io = NULL;
  if (st->conn) {
    PQfinish(st->conn);
    st->conn = NULL;
  }
  st->pending_queries = st->pending_syncs = 0;
  st->preparing = 0;
  st->reading = NULL;
  st->batch_sent_mono = st->connect_start_mono = 0;
}

static void schedule_reconnect(struct store *st)
{
  st->state = STORE_DOWN;
  ag_timer_start(st->timer, st->cfg.reconnect_ms);
}

/* The connection is gone or unusable: nothing in flight can be known to have committed. */
static void conn_lost(struct store *st, const char *why)
{
  char q[320];
  int was_up = st->state == STORE_UP;

  AG_LOGE("db.down", "in_flight=%zu queued=%zu error=%s", st->batch.n, st->queue.n,
          ag_log_quote(why, q, sizeof(q)));
  close_conn(st);
  ag_timer_stop(st->timer);
  schedule_reconnect(st);
  if (was_up) {
    st->stats.reconnects++;
    ag_series_inc(st->m.reconnects);
  }
  /* A batch whose Sync was queued may have committed before the connection went: saying
   * "not saved" could be false (issue 8). Only what never left the queue is surely not stored. */
  store__queue_complete(st, &st->batch, st->batch_synced ? AG_EUNCONFIRMED : AG_EDB);
  st->batch_synced = 0;
  store__queue_complete(st, &st->queue, AG_EDB);
}

static const char *conn_error(struct store *st)
{
  const char *msg = st->conn ? PQerrorMessage(st->conn) : "no connection";
  static char buf[256];
  size_t n;

  snprintf(buf, sizeof(buf), "%s", msg);
  for (n = 0; buf[n]; n++) /* libpq's messages span lines; a log line must not */
    if (buf[n] == '\n' || buf[n] == '\t')
      buf[n] = ' ';
  while (n > 0 && buf[n - 1] == ' ')
    buf[--n] = '\0';
  return buf;
}

static void on_notice(void *arg, const char *message)
{
  char q[320];

  AG_LOGD("db.notice", "message=%s", ag_log_quote(message, q, sizeof(q)));
}

static void on_connected(struct store *st)
{
  PQsetNoticeProcessor(st->conn, on_notice, st);
  if (PQsetnonblocking(st->conn, 1) != 0 || PQenterPipelineMode(st->conn) != 1) {
    conn_lost(st, conn_error(st));
    return;
  }
  for (size_t i = 0; i < AG_ARRAY_LEN(stmts); i++) {
    if (PQsendPrepare(st->conn, stmts[i]->name, stmts[i]->sql, stmts[i]->nparams, NULL) != 1) {
      conn_lost(st, conn_error(st));
      return;
    }
  }
  if (PQpipelineSync(st->conn) != 1) {
    conn_lost(st, conn_error(st));
    return;
  }
  st->preparing = 1;
  st->pending_queries = (int)AG_ARRAY_LEN(stmts);
  st->pending_syncs = 1;
  watch(st, AG_WATCH_READ | AG_WATCH_WRITE);
}

static void connect_step(struct store *st)
{
  switch (PQconnectPoll(st->conn)) {
  case PGRES_POLLING_READING:
    watch(st, AG_WATCH_READ);
    return;
  case PGRES_POLLING_WRITING:
    watch(st, AG_WATCH_WRITE);
    return;
  case PGRES_POLLING_OK:
    on_connected(st);
    return;
  default:
    conn_lost(st, conn_error(st));
    return;
  }
}

static void batch_done(struct store *st)
{
  int rc = st->batch_failed ? AG_EDB : AG_OK;

  if (st->batch_failed) {
    char q[320];
    AG_LOGE("db.batch_failed", "answers=%zu error=%s", st->batch.n,
            ag_log_quote(st->batch_error, q, sizeof(q)));
  }
  st->stats.batches++;
  ag_series_inc(st->m.batches);
  ag_series_observe(st->m.batch_size, (double)st->batch.n);
  ag_series_observe(st->m.commit_seconds, (double)(ag_now_us() - st->batch_sent_us) / 1e6);
  st->batch_sent_mono = 0;
  st->batch_synced = 0;
  store__queue_complete(st, &st->batch, rc);
}

/* How many profile reads follow one another from it on: one statement's (batch_send). */
static size_t profiles_from(const struct item *it)
{
  size_t n = 0;

  for (; it && it->stmt == &store__stmt_profile; it = it->next)
    n++;
  return n;
}

/* Returns 1 when it kept res. */
static int handle_result(struct store *st, PGresult *res)
{
  ExecStatusType s = PQresultStatus(res);

  switch (s) {
  case PGRES_COMMAND_OK:
    break;
  case PGRES_TUPLES_OK:
    if (st->reading && st->reading->check && !st->reading->checked) {
      /* The answers' verdicts are read now: the result need not live until the batch ends. */
      store__answers_verdicts(st->reading, res);
    } else if (st->reading && st->reading->stmt == &store__stmt_profile && !st->reading->view) {
      store__profiles_split(st->reading, profiles_from(st->reading), res);
      return 1;
    } else if (st->reading && st->reading->done && !st->reading->res) {
      st->reading->res = res; /* kept until the batch completes */
      st->reading->view = res;
      return 1;
    }
    break;
  case PGRES_PIPELINE_SYNC:
    st->pending_syncs--;
    if (st->preparing) {
      st->preparing = 0;
      if (st->batch_failed) {
        /* A failed PREPARE: the schema is missing or wrong. Retry later, loudly. */
        st->batch_failed = 0;
        conn_lost(st, st->batch_error);
        return 0;
      }
      ag_timer_stop(st->timer);
      st->state = STORE_UP;
      st->connect_start_mono = 0;
      AG_LOGI("db.up", "server_version=%d", PQserverVersion(st->conn));
    } else {
      batch_done(st);
    }
    st->batch_failed = 0;
    break;
  default: /* PGRES_FATAL_ERROR, or PGRES_PIPELINE_ABORTED after one */
    if (!st->batch_failed) {
      const char *m = PQresultErrorMessage(res);
      snprintf(st->batch_error, sizeof(st->batch_error), "%s", *m ? m : PQresStatus(s));
      st->batch_error[strcspn(st->batch_error, "\n")] = '\0';
    }
    st->batch_failed = 1;
    break;
  }
  return 0;
}

static void read_results(struct store *st)
{
  if (!PQconsumeInput(st->conn)) {
    conn_lost(st, conn_error(st));
    return;
  }
  while (st->conn && st->pending_queries + st->pending_syncs > 0 && !PQisBusy(st->conn)) {
    PGresult *res = PQgetResult(st->conn);
    if (res == NULL) {
      st->pending_queries--; /* the end of one query's results */
      /* The answers, last in the batch, are one query together; the profile reads before them
       * too. */
      if (st->reading && st->reading->check)
        st->reading = NULL;
      else if (st->reading && st->reading->stmt == &store__stmt_profile)
        while (st->reading && st->reading->stmt == &store__stmt_profile)
          st->reading = st->reading->next;
      else if (st->reading)
        st->reading = st->reading->next;
      continue;
    }
    if (!handle_result(st, res))
      PQclear(res);
  }
  if (st->conn && PQstatus(st->conn) == CONNECTION_BAD) {
    conn_lost(st, conn_error(st));
    return;
  }
  if (st->conn && st->state == STORE_UP && st->pending_syncs == 0 && st->queue.n > 0)
    batch_send(st);
}

static void on_kick(void *arg)
{
  struct store *st = arg;

  if (st->conn && st->state == STORE_UP && st->pending_syncs == 0 && st->queue.n > 0)
    batch_send(st);
}

static void flush_output(struct store *st)
{
  int r = PQflush(st->conn);

  if (r < 0)
    conn_lost(st, conn_error(st));
  else
    watch(st, r ? AG_WATCH_READ | AG_WATCH_WRITE : AG_WATCH_READ);
}

static void on_io(void *arg, int fd, unsigned what)
{
  struct store *st = arg;

  (void)fd;
  if (st->state == STORE_CONNECTING && !st->preparing) {
    connect_step(st);
    return;
  }
  if (what & AG_WATCH_WRITE)
    flush_output(st);
  if (st->conn && (what & AG_WATCH_READ))
    read_results(st);
}

static void on_timer(void *arg)
{
  struct store *st = arg;

  if (st->state == STORE_CONNECTING) {
    conn_lost(st, "connection attempt timed out");
    return;
  }
  connect_start(st);
}

static void connect_start(struct store *st)
{
  char timeout_s[24];
  long secs = (st->cfg.connect_timeout_ms + 999) / 1000;
  const char *keys[] = {"dbname",
                        "application_name",
                        "connect_timeout",
                        "keepalives_idle",
                        "keepalives_interval",
                        "keepalives_count",
                        "options",
                        NULL};
  /* Generic plans: the answers' statement takes arrays, whose custom plans (one planning per
   * batch, ~0.5 ms) cost more than running it; its plan does not depend on the values. A kept
   * plan must stay good while its tables grow, so random_page_cost 1.1 (a working set in
   * memory): at the default 4, a plan made while session_profile held a few hundred rows
   * hash-joined a scan of the whole table in every batch as it grew (decision 105). */
  const char *vals[] = {st->cfg.conninfo,
                        "aulgate",
                        timeout_s,
                        "10",
                        "5",
                        "3",
                        "-c plan_cache_mode=force_generic_plan -c random_page_cost=1.1",
                        NULL};

  snprintf(timeout_s, sizeof(timeout_s), "%ld", secs < 2 ? 2 : secs);
  /* expand_dbname=1: the configured conninfo fills in every key; the later keys are defaults
   * that a conninfo naming them overrides. */
  st->conn = PQconnectStartParams(keys, vals, 1);
  st->state = STORE_CONNECTING;
  st->connect_start_mono = ag_mono_us();
  if (!st->conn || PQstatus(st->conn) == CONNECTION_BAD) {
    conn_lost(st, conn_error(st));
    return;
  }
  ag_timer_start(st->timer, st->cfg.connect_timeout_ms);
  watch(st, AG_WATCH_WRITE);
}

struct store *store__engine_create(struct event_base *base, const struct store_config *cfg,
                                   const struct store__metrics *m)
{
  struct store *st = calloc(1, sizeof(*st));

  if (!st)
    return NULL;
  st->base = base;
  st->cfg = *cfg;
  if (m)
    st->m = *m;
  else
    store__metrics_init(&st->m, cfg->metrics);
  st->timer = ag_timer_create(base, on_timer, st);
  st->kick = ag_defer_create(base, on_kick, st);
  st->deadline_timer = ag_timer_create(base, store__on_deadline, st);
  if (!st->timer || !st->kick || !st->deadline_timer) {
    ag_timer_destroy(st->timer);
    ag_timer_destroy(st->deadline_timer);
    ag_defer_destroy(st->kick);
    free(st);
    return NULL;
  }
  connect_start(st);
  return st;
}

void store__engine_destroy(struct store *st)
{
  if (!st)
    return;
  close_conn(st);
  store__queue_complete(st, &st->batch, AG_ECANCELED);
  store__queue_complete(st, &st->queue, AG_ECANCELED);
  ag_timer_destroy(st->timer);
  ag_timer_destroy(st->deadline_timer);
  ag_defer_destroy(st->kick);
  free(st);
}

struct item *store__item_create(const struct store__stmt *stmt, const char *const *src, int bin,
                                const uint8_t *respondent)
{
  size_t total = 0;
  struct item *it;
  char *p;

  for (int i = 0; i < stmt->nparams; i++)
    total += (i == bin ? 0 : strlen(src[i] ? src[i] : "")) + 1;
  it = calloc(1, sizeof(*it) + total);
  if (!it)
    return NULL;
  it->stmt = stmt;
  p = it->text;
  for (int i = 0; i < stmt->nparams; i++) {
    size_t len;
    if (i == bin) {
      memcpy(it->respondent, respondent, STORE_RESPONDENT_LEN);
      it->keyed = 1;
      it->vals[i] = (const char *)it->respondent;
      it->lens[i] = STORE_RESPONDENT_LEN;
      it->fmts[i] = 1;
      continue;
    }
    len = strlen(src[i] ? src[i] : "");
    memcpy(p, src[i] ? src[i] : "", len + 1);
    it->vals[i] = p;
    it->lens[i] = (int)len;
    p += len + 1;
  }
  return it;
}

/* The batch goes out on the next loop turn, so that everything arriving in the same turn shares
 * one commit, and no callback ever runs inside a submit call. */
int store__enqueue(struct store *st, struct item *it)
{
  if (!it)
    return AG_ENOMEM;
  st = store__lane_of(st, it);
  if (st->state != STORE_UP) {
    free(it);
    return AG_EDB;
  }
  if (st->queue.n + st->batch.n >= (size_t)st->cfg.queue_max) {
    free(it);
    return AG_E2BIG;
  }
  store__queue_push(&st->queue, it);
  if (st->pending_syncs == 0)
    ag_defer_schedule(st->kick);
  if (store__deadline_track(st, it) != AG_OK)
    AG_LOGE("db.deadline_timer_failed", "queued=%zu", st->queue.n); /* the next arm retries */
  return AG_OK;
}

/* Moves every item of src to the end of dst. */
static void queue_append(struct store__queue *dst, struct store__queue *src)
{
  if (!src->head)
    return;
  if (dst->tail)
    dst->tail->next = src->head;
  else
    dst->head = src->head;
  dst->tail = src->tail;
  dst->n += src->n;
  *src = (struct store__queue){0};
}

/* The answers go out last, all in one statement, and the profile reads just before them, all in
 * one statement too; the other items one statement each. */
static void batch_send(struct store *st)
{
  struct store__queue expired = {0}, answers = {0}, profiles = {0};
  struct item *first_answer, *first_profile;
  size_t n_profiles;
  long n = 0;

  /* What can no longer commit in time is dropped now, not sent to abort the batch it joins. */
  store__deadline_take_expired(st, ag_mono_us(), &expired);
  if (!st->queue.head) {
    store__deadline_expire(st, &expired);
    return;
  }
  while (st->queue.head && n++ < st->cfg.batch_max) {
    struct item *it = st->queue.head;
    st->queue.head = it->next;
    if (!st->queue.head)
      st->queue.tail = NULL;
    st->queue.n--;
    if (it->check || it->stmt == &store__stmt_profile) {
      store__queue_push(it->check ? &answers : &profiles, it);
      continue;
    }
    store__queue_push(&st->batch, it);
    if (PQsendQueryPrepared(st->conn, it->stmt->name, it->stmt->nparams, it->vals, it->lens,
                            it->fmts, 0) != 1)
      goto failed;
    st->pending_queries++;
  }
  first_profile = profiles.head;
  n_profiles = profiles.n;
  first_answer = answers.head;
  queue_append(&st->batch, &profiles);
  queue_append(&st->batch, &answers);
  if (first_profile) {
    if (store__profiles_send(st->conn, first_profile, n_profiles) != AG_OK)
      goto failed;
    st->pending_queries++;
  }
  if (first_answer) {
    if (store__answers_send(st->conn, first_answer) != AG_OK)
      goto failed;
    st->pending_queries++;
  }
  /* After every item's statement, so that no item reads its result (st->reading). */
  st->reads_unexpired += (long)n_profiles;
  if (st->reads_unexpired >= STORE__EXPIRE_EVERY) {
    if (store__expire_send(st->conn, st->reads_unexpired) != AG_OK)
      goto failed;
    st->pending_queries++;
    st->reads_unexpired = 0;
  }
  if (store__run_before_sync(st) != AG_OK || store__deadline_guard(st) != AG_OK ||
      PQpipelineSync(st->conn) != 1)
    goto failed;
  st->batch_synced = 1;
  st->reading = st->batch.head;
  st->batch_sent_us = ag_now_us();
  st->batch_sent_mono = ag_mono_us();
  st->pending_syncs++;
  flush_output(st);
  store__deadline_expire(st, &expired); /* callbacks last: the batch is out */
  return;
failed: /* the connection is unusable: everything goes the way of a lost connection */
  queue_append(&st->batch, &profiles);
  queue_append(&st->batch, &answers);
  conn_lost(st, conn_error(st));
  store__deadline_expire(st, &expired);
}

const char *store_state_name(enum store_state s)
{
  switch (s) {
  case STORE_UP:
    return "up";
  case STORE_CONNECTING:
    return "connecting";
  case STORE_DOWN:
    break;
  }
  return "down";
}
