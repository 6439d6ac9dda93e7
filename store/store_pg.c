/* store_pg.c: libpq in non-blocking pipeline mode on libevent, with group commit.
 *
 * Life of a connection: DOWN --(timer)--> CONNECTING (PQconnectPoll driven by socket events)
 * --> prepare the INSERT in the pipeline --> UP. While UP, at most one batch is in flight; the
 * queue collects what arrives meanwhile. A batch is N PQsendQueryPrepared calls and one
 * PQpipelineSync: the server runs them as one implicit transaction and commits at the Sync, so
 * PGRES_PIPELINE_SYNC with no error before it means every answer of the batch is durable.
 */
#include "store/store.h"
#include "gateway/gw.h"
#include "gateway/gw_log.h"

#include <event2/event.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#define NPARAMS 12

static const char insert_sql[] =
    "INSERT INTO responses (respondent, relation, survey_id, survey_version, question_id, option,"
    " language, carrier, network_code, carrier_session_id, hop, received_at)"
    " VALUES ($1, $2, $3, $4::int, $5, $6, $7, $8, $9, $10, $11::int,"
    " 'epoch'::timestamptz + $12::bigint * interval '1 microsecond')"
    " ON CONFLICT ON CONSTRAINT responses_hop_once DO NOTHING";

struct item {
  struct item *next;
  store_cb cb;
  void *arg;
  const char *vals[NPARAMS]; /* point into text, or respondent for $1 */
  int lens[NPARAMS];
  uint8_t respondent[STORE_RESPONDENT_LEN];
  char text[]; /* owned: the copied strings, NUL-separated */
};

struct queue {
  struct item *head, *tail;
  size_t n;
};

struct store {
  struct event_base *base;
  struct store_config cfg;
  PGconn *conn;
  enum store_state state;
  int preparing;    /* the PREPARE of insert_sql has not completed yet */
  struct event *io; /* on PQsocket(conn); NULL when no connection */
  int io_fd;
  short io_what;
  struct event *timer; /* reconnect delay, or connect timeout while CONNECTING */
  struct queue queue;  /* waiting for the next batch */
  struct queue batch;  /* in flight */
  int pending_queries; /* sent queries whose terminating NULL result has not arrived */
  int pending_syncs;
  int batch_failed;
  char batch_error[256];
  struct store_stats stats;
};

static void on_io(evutil_socket_t fd, short what, void *arg);
static void connect_start(struct store *st);
static void batch_send(struct store *st);

static void queue_push(struct queue *q, struct item *it)
{
  it->next = NULL;
  if (q->tail)
    q->tail->next = it;
  else
    q->head = it;
  q->tail = it;
  q->n++;
}

/* Runs every callback of q with rc and frees the items. The queue is detached first, so a
 * callback may submit again. */
static void queue_complete(struct store *st, struct queue *q, int rc)
{
  struct item *it = q->head;

  q->head = q->tail = NULL;
  q->n = 0;
  while (it) {
    struct item *next = it->next;
    if (rc == GW_OK)
      st->stats.answers++;
    else
      st->stats.failed++;
    it->cb(it->arg, rc);
    free(it);
    it = next;
  }
}

static void watch(struct store *st, short what)
{
  int fd = PQsocket(st->conn);

  if (st->io && st->io_fd == fd && st->io_what == what) return;
  if (st->io) event_free(st->io);
  st->io = event_new(st->base, fd, what | EV_PERSIST, on_io, st);
  st->io_fd = fd;
  st->io_what = what;
  if (!st->io || event_add(st->io, NULL) != 0)
    GW_LOGE("db.watch_failed", "fd=%d", fd); /* the connect timeout will recover */
}

static void close_conn(struct store *st)
{
  if (st->io) {
    event_free(st->io);
    st->io = NULL;
  }
  if (st->conn) {
    PQfinish(st->conn);
    st->conn = NULL;
  }
  st->pending_queries = st->pending_syncs = 0;
  st->preparing = 0;
}

static void schedule_reconnect(struct store *st)
{
  struct timeval tv = {st->cfg.reconnect_ms / 1000, (st->cfg.reconnect_ms % 1000) * 1000};

  st->state = STORE_DOWN;
  event_add(st->timer, &tv);
}

/* The connection is gone or unusable: nothing in flight can be known to have committed. */
static void conn_lost(struct store *st, const char *why)
{
  char q[320];
  int was_up = st->state == STORE_UP;

  GW_LOGE("db.down", "in_flight=%zu queued=%zu error=%s", st->batch.n, st->queue.n,
          gw_log_quote(why, q, sizeof(q)));
  close_conn(st);
  event_del(st->timer);
  schedule_reconnect(st);
  if (was_up) st->stats.reconnects++;
  queue_complete(st, &st->batch, GW_EDB);
  queue_complete(st, &st->queue, GW_EDB);
}

static const char *conn_error(struct store *st)
{
  const char *msg = st->conn ? PQerrorMessage(st->conn) : "no connection";
  static char buf[256];
  size_t n;

  snprintf(buf, sizeof(buf), "%s", msg);
  for (n = 0; buf[n]; n++) /* libpq's messages span lines; a log line must not */
    if (buf[n] == '\n' || buf[n] == '\t') buf[n] = ' ';
  while (n > 0 && buf[n - 1] == ' ')
    buf[--n] = '\0';
  return buf;
}

static void on_notice(void *arg, const char *message)
{
  char q[320];

  GW_LOGD("db.notice", "message=%s", gw_log_quote(message, q, sizeof(q)));
}

static void on_connected(struct store *st)
{
  PQsetNoticeProcessor(st->conn, on_notice, st);
  if (PQsetnonblocking(st->conn, 1) != 0 || PQenterPipelineMode(st->conn) != 1 ||
      PQsendPrepare(st->conn, "ins", insert_sql, NPARAMS, NULL) != 1 ||
      PQpipelineSync(st->conn) != 1) {
    conn_lost(st, conn_error(st));
    return;
  }
  st->preparing = 1;
  st->pending_queries = 1;
  st->pending_syncs = 1;
  watch(st, EV_READ | EV_WRITE);
}

static void connect_step(struct store *st)
{
  switch (PQconnectPoll(st->conn)) {
  case PGRES_POLLING_READING:
    watch(st, EV_READ);
    return;
  case PGRES_POLLING_WRITING:
    watch(st, EV_WRITE);
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
  int rc = st->batch_failed ? GW_EDB : GW_OK;

  if (st->batch_failed) {
    char q[320];
    GW_LOGE("db.batch_failed", "answers=%zu error=%s", st->batch.n,
            gw_log_quote(st->batch_error, q, sizeof(q)));
  }
  st->stats.batches++;
  queue_complete(st, &st->batch, rc);
}

static void handle_result(struct store *st, PGresult *res)
{
  ExecStatusType s = PQresultStatus(res);

  switch (s) {
  case PGRES_COMMAND_OK:
  case PGRES_TUPLES_OK:
    break;
  case PGRES_PIPELINE_SYNC:
    st->pending_syncs--;
    if (st->preparing) {
      st->preparing = 0;
      if (st->batch_failed) {
        /* A failed PREPARE: the schema is missing or wrong. Retry later, loudly. */
        st->batch_failed = 0;
        conn_lost(st, st->batch_error);
        return;
      }
      event_del(st->timer);
      st->state = STORE_UP;
      GW_LOGI("db.up", "server_version=%d", PQserverVersion(st->conn));
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
      continue;
    }
    handle_result(st, res);
    PQclear(res);
  }
  if (st->conn && PQstatus(st->conn) == CONNECTION_BAD) {
    conn_lost(st, conn_error(st));
    return;
  }
  if (st->conn && st->state == STORE_UP && st->pending_syncs == 0 && st->queue.n > 0)
    batch_send(st);
}

static void flush_output(struct store *st)
{
  int r = PQflush(st->conn);

  if (r < 0)
    conn_lost(st, conn_error(st));
  else
    watch(st, r ? EV_READ | EV_WRITE : EV_READ);
}

static void on_io(evutil_socket_t fd, short what, void *arg)
{
  struct store *st = arg;

  (void)fd;
  if (st->state == STORE_CONNECTING && !st->preparing) {
    connect_step(st);
    return;
  }
  if (what & EV_WRITE) flush_output(st);
  if (st->conn && (what & EV_READ)) read_results(st);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
  struct store *st = arg;

  (void)fd;
  (void)what;
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
                        NULL};
  const char *vals[] = {st->cfg.conninfo, "aulgate", timeout_s, "10", "5", "3", NULL};
  struct timeval tv = {st->cfg.connect_timeout_ms / 1000,
                       (st->cfg.connect_timeout_ms % 1000) * 1000};

  snprintf(timeout_s, sizeof(timeout_s), "%ld", secs < 2 ? 2 : secs);
  /* expand_dbname=1: the configured conninfo fills in every key; the later keys are defaults
   * that a conninfo naming them overrides. */
  st->conn = PQconnectStartParams(keys, vals, 1);
  st->state = STORE_CONNECTING;
  if (!st->conn || PQstatus(st->conn) == CONNECTION_BAD) {
    conn_lost(st, conn_error(st));
    return;
  }
  event_add(st->timer, &tv);
  watch(st, EV_WRITE);
}

struct store *store_create(struct event_base *base, const struct store_config *cfg)
{
  struct store *st = calloc(1, sizeof(*st));

  if (!st) return NULL;
  st->base = base;
  st->cfg = *cfg;
  st->timer = evtimer_new(base, on_timer, st);
  if (!st->timer) {
    free(st);
    return NULL;
  }
  connect_start(st);
  return st;
}

void store_destroy(struct store *st)
{
  if (!st) return;
  close_conn(st);
  queue_complete(st, &st->batch, GW_ECANCELED);
  queue_complete(st, &st->queue, GW_ECANCELED);
  event_free(st->timer);
  free(st);
}

static struct item *item_create(const struct store_answer *a, store_cb cb, void *arg)
{
  char version[16], hop[16], when[24];
  const char *src[NPARAMS] = {NULL,      a->relation, a->survey_id, version,         a->question_id,
                              a->option, a->lang,     a->carrier,   a->network_code, a->session_id,
                              hop,       when};
  size_t total = 0;
  struct item *it;
  char *p;

  snprintf(version, sizeof(version), "%d", a->survey_version);
  snprintf(hop, sizeof(hop), "%d", a->hop);
  snprintf(when, sizeof(when), "%lld", (long long)a->received_at_us);
  for (int i = 1; i < NPARAMS; i++)
    total += strlen(src[i] ? src[i] : "") + 1;
  it = malloc(sizeof(*it) + total);
  if (!it) return NULL;
  it->cb = cb;
  it->arg = arg;
  memcpy(it->respondent, a->respondent, STORE_RESPONDENT_LEN);
  it->vals[0] = (const char *)it->respondent;
  it->lens[0] = STORE_RESPONDENT_LEN;
  p = it->text;
  for (int i = 1; i < NPARAMS; i++) {
    size_t n = strlen(src[i] ? src[i] : "");
    memcpy(p, src[i] ? src[i] : "", n + 1);
    it->vals[i] = p;
    it->lens[i] = (int)n;
    p += n + 1;
  }
  return it;
}

int store_submit(struct store *st, const struct store_answer *a, store_cb cb, void *arg)
{
  struct item *it;

  if (st->state != STORE_UP) return GW_EDB;
  if (st->queue.n + st->batch.n >= (size_t)st->cfg.queue_max) return GW_E2BIG;
  it = item_create(a, cb, arg);
  if (!it) return GW_ENOMEM;
  queue_push(&st->queue, it);
  if (st->pending_syncs == 0) batch_send(st);
  return GW_OK;
}

static void batch_send(struct store *st)
{
  static const int formats[NPARAMS] = {1}; /* $1 binary bytea, the rest text */
  long n = 0;

  while (st->queue.head && n < st->cfg.batch_max) {
    struct item *it = st->queue.head;
    st->queue.head = it->next;
    if (!st->queue.head) st->queue.tail = NULL;
    st->queue.n--;
    queue_push(&st->batch, it);
    if (PQsendQueryPrepared(st->conn, "ins", NPARAMS, it->vals, it->lens, formats, 0) != 1) {
      conn_lost(st, conn_error(st));
      return;
    }
    st->pending_queries++;
    n++;
  }
  if (PQpipelineSync(st->conn) != 1) {
    conn_lost(st, conn_error(st));
    return;
  }
  st->pending_syncs++;
  flush_output(st);
}

enum store_state store_state(const struct store *st)
{
  return st->state;
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

size_t store_pending(const struct store *st)
{
  return st->queue.n + st->batch.n;
}

void store_stats(const struct store *st, struct store_stats *out)
{
  *out = st->stats;
}
