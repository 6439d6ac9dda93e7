/* store_pg.c: libpq in non-blocking pipeline mode on libevent, with group commit.
 *
 * Life of a connection: DOWN --(timer)--> CONNECTING (PQconnectPoll driven by socket events)
 * --> prepare the INSERT in the pipeline --> UP. While UP, at most one batch is in flight; the
 * queue collects what arrives meanwhile. A batch is N PQsendQueryPrepared calls and one
 * PQpipelineSync: the server runs them as one implicit transaction and commits at the Sync, so
 * PGRES_PIPELINE_SYNC with no error before it means every answer of the batch is durable.
 */
#include "store/store.h"
#include "store/store-internal.h"
#include "lib/ag.h"
#include "lib/ag_log.h"

#include <event2/event.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARAMS 15

/* The prepared statements. A batch may mix them; each item names one. */
enum stmt { STMT_ANSWER, STMT_ATTEMPT, STMT_SMS, STMT_PROFILE, STMT_LANG, N_STMTS };

/* Timestamps travel as microseconds since the epoch (text), exact in both directions. */
#define TS_12 "'epoch'::timestamptz + $12::bigint * interval '1 microsecond'"
#define TS_7  "'epoch'::timestamptz + $7::bigint * interval '1 microsecond'"
#define TS_6  "'epoch'::timestamptz + $6::bigint * interval '1 microsecond'"

static const struct {
  const char *name;
  int nparams;
  const char *sql;
} stmts[N_STMTS] = {
    /* The answer, and with it the attempt's progress row: only when the answer is new, so a
     * retried hop changes nothing at all. */
    {"ans", 15,
     "WITH ins AS (INSERT INTO responses (respondent, relation, survey_id, survey_version,"
     " question_id, option, language, carrier, network_code, carrier_session_id, hop,"
     " received_at, attempt)"
     " VALUES ($1, $2, $3, $4::int, $5, $6, $7, $8, $9, $10, $11::int, " TS_12 ", $13::int)"
     " ON CONFLICT ON CONSTRAINT responses_hop_once DO NOTHING RETURNING received_at)"
     " INSERT INTO survey_progress AS p (respondent, relation, survey_id, attempt,"
     " survey_version, language, status, started_at, updated_at, opened_by)"
     " SELECT $1, $2, $3, $13::int, $4::int, $7,"
     " CASE WHEN $14::bool THEN 'done' ELSE 'open' END, received_at, received_at, $15 FROM ins"
     " ON CONFLICT (respondent, relation, survey_id, attempt) DO UPDATE"
     " SET updated_at = excluded.updated_at, language = excluded.language,"
     " status = CASE WHEN p.status = 'done' THEN 'done' ELSE excluded.status END"},
    {"att", 8,
     "INSERT INTO survey_progress AS p (respondent, relation, survey_id, attempt,"
     " survey_version, language, status, started_at, updated_at, opened_by)"
     " VALUES ($1, $2, $3, $5::int, $4::int, $6, 'open', " TS_7 ", " TS_7 ", $8)"
     " ON CONFLICT (respondent, relation, survey_id, attempt) DO UPDATE"
     " SET updated_at = excluded.updated_at, language = excluded.language"},
    {"sms", 6,
     "INSERT INTO subscriptions (msisdn, respondent, language, band, active, updated_at)"
     " VALUES ($1, $2, $3, $4, $5::bool, " TS_6 ")"
     " ON CONFLICT (msisdn) DO UPDATE SET respondent = excluded.respondent,"
     " language = excluded.language,"
     " band = COALESCE(NULLIF(excluded.band, ''), subscriptions.band),"
     " active = excluded.active, updated_at = excluded.updated_at"},
    /* Everything known of a respondent but what this session ($4, $5) wrote itself. */
    {"prof", 5,
     "SELECT * FROM (SELECT p.relation, p.attempt, p.status, p.language,"
     " p.updated_at > now() - $3::bigint * interval '1 second' AS fresh, r.question_id,"
     " r.option, p.updated_at, r.hop"
     " FROM survey_progress p LEFT JOIN responses r ON r.respondent = p.respondent"
     " AND r.relation = p.relation AND r.survey_id = p.survey_id AND r.attempt = p.attempt"
     " AND NOT (r.carrier = $4 AND r.carrier_session_id = $5)"
     " WHERE p.respondent = $1 AND p.survey_id = $2 AND p.opened_by <> $4 || ':' || $5"
     /* The SMS switch also tells the caller's language: attempt 0 marks such a row. */
     " UNION ALL SELECT '', 0, 'sms', language, false, NULL, NULL, updated_at, 0"
     " FROM subscriptions WHERE respondent = $1"
     /* So does a choice in the language menu, by another session than this one. */
     " UNION ALL (SELECT '', 0, 'lang', language, false, NULL, NULL, updated_at, 0"
     " FROM respondent_language WHERE respondent = $1 AND chosen_in <> $4 || ':' || $5"
     " ORDER BY updated_at DESC LIMIT 1)) AS known"
     " ORDER BY updated_at DESC, attempt DESC, hop"},
    {"lang", 5, store__lang_sql},
};

struct item {
  struct item *next;
  enum stmt stmt;
  store_cb cb;
  store_rows_cb rows_cb;
  void *arg;
  PGresult *res;                /* owned: the rows of a query, until its batch completes */
  const char *vals[MAX_PARAMS]; /* point into text, or into respondent for the bytea */
  int lens[MAX_PARAMS];
  int fmts[MAX_PARAMS];
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
  int preparing;    /* the PREPAREs have not completed yet */
  struct event *io; /* on PQsocket(conn); NULL when no connection */
  int io_fd;
  short io_what;
  struct event *timer;  /* reconnect delay, or connect timeout while CONNECTING */
  struct queue queue;   /* waiting for the next batch */
  struct queue batch;   /* in flight */
  struct item *reading; /* the item of the batch whose results come next */
  struct event *kick;   /* sends the next batch on the next loop turn */
  int pending_queries;  /* sent queries whose terminating NULL result has not arrived */
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

struct store_rows {
  PGresult *res;
};

int store_rows_count(const struct store_rows *r)
{
  return PQntuples(r->res);
}

const char *store_rows_get(const struct store_rows *r, int row, int col)
{
  return PQgetvalue(r->res, row, col);
}

int store_rows_isnull(const struct store_rows *r, int row, int col)
{
  return PQgetisnull(r->res, row, col);
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
    if (it->rows_cb) {
      struct store_rows rows = {it->res};
      int ok = rc == AG_OK && it->res != NULL;
      it->rows_cb(it->arg, ok ? AG_OK : (rc ? rc : AG_EDB), ok ? &rows : NULL);
    } else {
      if (rc == AG_OK)
        st->stats.answers++;
      else
        st->stats.failed++;
      it->cb(it->arg, rc);
    }
    PQclear(it->res);
    free(it);
    it = next;
  }
}

static void watch(struct store *st, short what)
{
  int fd = PQsocket(st->conn);

  if (st->io && st->io_fd == fd && st->io_what == what)
    return;
  if (st->io)
    event_free(st->io);
  st->io = event_new(st->base, fd, what | EV_PERSIST, on_io, st);
  st->io_fd = fd;
  st->io_what = what;
  if (!st->io || event_add(st->io, NULL) != 0)
    AG_LOGE("db.watch_failed", "fd=%d", fd); /* the connect timeout will recover */
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
  st->reading = NULL;
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

  AG_LOGE("db.down", "in_flight=%zu queued=%zu error=%s", st->batch.n, st->queue.n,
          ag_log_quote(why, q, sizeof(q)));
  close_conn(st);
  event_del(st->timer);
  schedule_reconnect(st);
  if (was_up)
    st->stats.reconnects++;
  queue_complete(st, &st->batch, AG_EDB);
  queue_complete(st, &st->queue, AG_EDB);
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
  for (int i = 0; i < N_STMTS; i++) {
    if (PQsendPrepare(st->conn, stmts[i].name, stmts[i].sql, stmts[i].nparams, NULL) != 1) {
      conn_lost(st, conn_error(st));
      return;
    }
  }
  if (PQpipelineSync(st->conn) != 1) {
    conn_lost(st, conn_error(st));
    return;
  }
  st->preparing = 1;
  st->pending_queries = N_STMTS;
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
  int rc = st->batch_failed ? AG_EDB : AG_OK;

  if (st->batch_failed) {
    char q[320];
    AG_LOGE("db.batch_failed", "answers=%zu error=%s", st->batch.n,
            ag_log_quote(st->batch_error, q, sizeof(q)));
  }
  st->stats.batches++;
  queue_complete(st, &st->batch, rc);
}

/* Returns 1 when it kept res. */
static int handle_result(struct store *st, PGresult *res)
{
  ExecStatusType s = PQresultStatus(res);

  switch (s) {
  case PGRES_COMMAND_OK:
    break;
  case PGRES_TUPLES_OK:
    if (st->reading && st->reading->rows_cb && !st->reading->res) {
      st->reading->res = res; /* kept until the batch completes */
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
      event_del(st->timer);
      st->state = STORE_UP;
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
      if (st->reading)
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

static void on_kick(evutil_socket_t fd, short what, void *arg)
{
  struct store *st = arg;

  (void)fd;
  (void)what;
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
  if (what & EV_WRITE)
    flush_output(st);
  if (st->conn && (what & EV_READ))
    read_results(st);
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

  if (!st)
    return NULL;
  st->base = base;
  st->cfg = *cfg;
  st->timer = evtimer_new(base, on_timer, st);
  st->kick = event_new(base, -1, 0, on_kick, st);
  if (!st->timer || !st->kick) {
    if (st->timer)
      event_free(st->timer);
    free(st);
    return NULL;
  }
  connect_start(st);
  return st;
}

void store_destroy(struct store *st)
{
  if (!st)
    return;
  close_conn(st);
  queue_complete(st, &st->batch, AG_ECANCELED);
  queue_complete(st, &st->queue, AG_ECANCELED);
  event_free(st->timer);
  event_free(st->kick);
  free(st);
}

/* A new item for statement `stmt` with params src[0..n) (NULL: empty text); param `bin`, if
 * >= 0, is the respondent key, sent as binary bytea. */
static struct item *item_create(enum stmt stmt, const char *const *src, int n, int bin,
                                const uint8_t *respondent)
{
  size_t total = 0;
  struct item *it;
  char *p;

  for (int i = 0; i < n; i++)
    total += (i == bin ? 0 : strlen(src[i] ? src[i] : "")) + 1;
  it = calloc(1, sizeof(*it) + total);
  if (!it)
    return NULL;
  it->stmt = stmt;
  p = it->text;
  for (int i = 0; i < n; i++) {
    size_t len;
    if (i == bin) {
      memcpy(it->respondent, respondent, STORE_RESPONDENT_LEN);
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

/* Queues an item; the batch goes out on the next loop turn, so that everything arriving in the
 * same turn shares one commit, and no callback ever runs inside a submit call. */
static int enqueue(struct store *st, struct item *it, store_cb cb, store_rows_cb rows_cb, void *arg)
{
  if (!it)
    return AG_ENOMEM;
  if (st->state != STORE_UP) {
    free(it);
    return AG_EDB;
  }
  if (st->queue.n + st->batch.n >= (size_t)st->cfg.queue_max) {
    free(it);
    return AG_E2BIG;
  }
  it->cb = cb;
  it->rows_cb = rows_cb;
  it->arg = arg;
  queue_push(&st->queue, it);
  if (st->pending_syncs == 0)
    event_active(st->kick, 0, 0);
  return AG_OK;
}

#define FMT_INT(buf, v) (snprintf(buf, sizeof(buf), "%lld", (long long)(v)), buf)

int store_submit(struct store *st, const struct store_answer *a, store_cb cb, void *arg)
{
  char version[24], hop[24], when[24], attempt[24], opened_by[160];
  const char *src[15] = {NULL,
                         a->relation,
                         a->survey_id,
                         FMT_INT(version, a->survey_version),
                         a->question_id,
                         a->option,
                         a->lang,
                         a->carrier,
                         a->network_code,
                         a->session_id,
                         FMT_INT(hop, a->hop),
                         FMT_INT(when, a->received_at_us),
                         FMT_INT(attempt, a->attempt > 0 ? a->attempt : 1),
                         a->final ? "true" : "false",
                         opened_by};

  if (st->state != STORE_UP)
    return AG_EDB;
  snprintf(opened_by, sizeof(opened_by), "%s:%s", a->carrier, a->session_id);
  return enqueue(st, item_create(STMT_ANSWER, src, 15, 0, a->respondent), cb, NULL, arg);
}

int store_submit_attempt(struct store *st, const struct store_attempt *a, store_cb cb, void *arg)
{
  char version[24], attempt[24], when[24], opened_by[160];
  const char *src[8] = {NULL,
                        a->relation,
                        a->survey_id,
                        FMT_INT(version, a->survey_version),
                        FMT_INT(attempt, a->attempt),
                        a->lang,
                        FMT_INT(when, a->received_at_us),
                        opened_by};

  if (st->state != STORE_UP)
    return AG_EDB;
  snprintf(opened_by, sizeof(opened_by), "%s:%s", a->carrier, a->session_id);
  return enqueue(st, item_create(STMT_ATTEMPT, src, 8, 0, a->respondent), cb, NULL, arg);
}

int store_submit_sms(struct store *st, const struct store_sms *s, store_cb cb, void *arg)
{
  char when[24];
  const char *src[6] = {s->msisdn,
                        NULL,
                        s->lang,
                        s->band,
                        s->active ? "true" : "false",
                        FMT_INT(when, s->received_at_us)};

  if (st->state != STORE_UP)
    return AG_EDB;
  return enqueue(st, item_create(STMT_SMS, src, 6, 1, s->respondent), cb, NULL, arg);
}

int store_query_profile(struct store *st, const uint8_t respondent[STORE_RESPONDENT_LEN],
                        const char *survey_id, long window_s, const char *carrier,
                        const char *session_id, store_rows_cb cb, void *arg)
{
  char window[24];
  const char *src[5] = {NULL, survey_id, FMT_INT(window, window_s), carrier, session_id};

  if (st->state != STORE_UP)
    return AG_EDB;
  return enqueue(st, item_create(STMT_PROFILE, src, 5, 0, respondent), NULL, cb, arg);
}

int store__submit_lang(struct store *st, const char *const src[5], const uint8_t *respondent,
                       store_cb cb, void *arg)
{
  if (st->state != STORE_UP)
    return AG_EDB;
  return enqueue(st, item_create(STMT_LANG, src, 5, 0, respondent), cb, NULL, arg);
}

static void batch_send(struct store *st)
{
  long n = 0;

  while (st->queue.head && n < st->cfg.batch_max) {
    struct item *it = st->queue.head;
    st->queue.head = it->next;
    if (!st->queue.head)
      st->queue.tail = NULL;
    st->queue.n--;
    queue_push(&st->batch, it);
    if (PQsendQueryPrepared(st->conn, stmts[it->stmt].name, stmts[it->stmt].nparams, it->vals,
                            it->lens, it->fmts, 0) != 1) {
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
  st->reading = st->batch.head;
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
