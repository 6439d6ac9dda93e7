/* store_reader.c: read-only queries on a connection of their own, on the loop (the results API).
 *
 * Apart from the batch engine so that an analyst's read never waits behind a batch of answers
 * (nor a batch behind a read), and so that it can point at a streaming replica (db_read). One
 * query in flight at a time, the others queued in order: the results queries read a few
 * thousand rollup cells and take milliseconds. The connection opens at the first query and
 * again after any failure; a query that has no answer within timeout_ms fails with
 * AG_ETIMEDOUT and its connection is dropped (the server cancels it when the socket closes). */
#include "store/store.h"
#include "lib/ag.h"
#include "lib/ag_loop.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#define READER_QUEUE_MAX 256

struct store_rows {
  PGresult *res;
};

struct rq {
  struct rq *next;
  char *sql;
  int nparams;
  char **params;
  store_read_cb cb;
  void *arg;
};

struct store_reader {
  struct event_base *base;
  char *conninfo;
  long timeout_ms;
  PGconn *conn;
  struct ag_watch *io;
  struct ag_timer *timer;
  int connected, busy; /* busy: the head of the queue is in flight */
  struct rq *head, *tail;
  size_t queued;
  PGresult *res;
  char err[256];
};

int store_rows_n(const struct store_rows *r)
{
  return PQntuples(r->res);
}

int store_rows_nfields(const struct store_rows *r)
{
  return PQnfields(r->res);
}

const char *store_rows_value(const struct store_rows *r, int row, int col)
{
  return PQgetvalue(r->res, row, col);
}

static void rq_free(struct rq *q)
{
  for (int i = 0; i < q->nparams; i++)
    free(q->params[i]);
  free(q->params);
  free(q->sql);
  free(q);
}

static void drop_conn(struct store_reader *r)
{
  ag_watch_destroy(r->io);
  r->io = NULL;
  PQfinish(r->conn);
  r->conn = NULL;
  r->connected = r->busy = 0;
  PQclear(r->res);
  r->res = NULL;
}

static void pump(struct store_reader *r);

/* Ends the head query with rc (and its rows when AG_OK), then starts the next. */
static void finish_head(struct store_reader *r, int rc)
{
  struct rq *q = r->head;
  struct store_rows rows = {r->res};

  ag_timer_stop(r->timer);
  r->head = q->next;
  if (!r->head)
    r->tail = NULL;
  r->queued--;
  r->busy = 0;
  r->res = NULL;
  q->cb(q->arg, rc, rc == AG_OK ? &rows : NULL, rc == AG_OK ? "" : r->err);
  PQclear(rows.res);
  rq_free(q);
  pump(r);
}

static void fail_head(struct store_reader *r, int rc, const char *what, const char *msg)
{
  snprintf(r->err, sizeof(r->err), "%s: %.*s", what, (int)strcspn(msg, "\n"), msg);
  drop_conn(r);
  finish_head(r, rc);
}

static int watch(struct store_reader *r, unsigned what);

static void on_read(struct store_reader *r)
{
  PGresult *res;

  if (!PQconsumeInput(r->conn)) {
    fail_head(r, AG_EDB, "read failed", PQerrorMessage(r->conn));
    return;
  }
  while (!PQisBusy(r->conn)) {
    res = PQgetResult(r->conn);
    if (!res) {
      if (r->res) {
        finish_head(r, AG_OK);
      } else {
        drop_conn(r);
        finish_head(r, AG_EDB);
      }
      return;
    }
    if (PQresultStatus(res) == PGRES_TUPLES_OK && !r->res) {
      r->res = res;
      continue;
    }
    snprintf(r->err, sizeof(r->err), "query failed: %.*s",
             (int)strcspn(PQresultErrorMessage(res), "\n"), PQresultErrorMessage(res));
    PQclear(res);
    PQclear(r->res);
    r->res = NULL;
  }
}

static void send_head(struct store_reader *r)
{
  struct rq *q = r->head;
  int f;

  if (PQsendQueryParams(r->conn, q->sql, q->nparams, NULL, (const char *const *)q->params, NULL,
                        NULL, 0) != 1) {
    fail_head(r, AG_EDB, "read failed", PQerrorMessage(r->conn));
    return;
  }
  r->busy = 1;
  f = PQflush(r->conn);
  if (f < 0 || watch(r, f ? AG_WATCH_READ | AG_WATCH_WRITE : AG_WATCH_READ) != AG_OK)
    fail_head(r, AG_EDB, "read failed", PQerrorMessage(r->conn));
}

static void on_io(void *arg, int fd, unsigned fired)
{
  struct store_reader *r = arg;

  (void)fd;
  if (!r->connected) {
    switch (PQconnectPoll(r->conn)) {
    case PGRES_POLLING_READING:
      if (watch(r, AG_WATCH_READ) != AG_OK)
        fail_head(r, AG_EDB, "cannot connect", "cannot watch the socket");
      return;
    case PGRES_POLLING_WRITING:
      if (watch(r, AG_WATCH_WRITE) != AG_OK)
        fail_head(r, AG_EDB, "cannot connect", "cannot watch the socket");
      return;
    case PGRES_POLLING_OK:
      r->connected = 1;
      if (PQsetnonblocking(r->conn, 1) != 0)
        fail_head(r, AG_EDB, "cannot connect", PQerrorMessage(r->conn));
      else
        send_head(r);
      return;
    default:
      fail_head(r, AG_EDB, "cannot connect", PQerrorMessage(r->conn));
      return;
    }
  }
  if (fired & AG_WATCH_WRITE) {
    int f = PQflush(r->conn);
    if (f < 0 || watch(r, f ? AG_WATCH_READ | AG_WATCH_WRITE : AG_WATCH_READ) != AG_OK) {
      fail_head(r, AG_EDB, "read failed", PQerrorMessage(r->conn));
      return;
    }
  }
  if ((fired & AG_WATCH_READ) && r->busy)
    on_read(r);
}

static int watch(struct store_reader *r, unsigned what)
{
  return ag_watch_ensure(&r->io, r->base, PQsocket(r->conn), what, on_io, r);
}

static void on_timeout(void *arg)
{
  struct store_reader *r = arg;
  char msg[64];

  if (!r->conn || PQstatus(r->conn) == CONNECTION_BAD) {
    fail_head(r, AG_EDB, "cannot connect", r->conn ? PQerrorMessage(r->conn) : "out of memory");
    return;
  }
  snprintf(msg, sizeof(msg), "no answer within %ld ms", r->timeout_ms);
  fail_head(r, AG_ETIMEDOUT, "read failed", msg);
}

/* Starts the head query when nothing is in flight: connects first when needed. */
static void pump(struct store_reader *r)
{
  const char *keys[] = {"dbname", "application_name", NULL};
  const char *vals[] = {r->conninfo, "aulgate-results", NULL};

  if (!r->head || r->busy)
    return;
  ag_timer_start(r->timer, r->timeout_ms);
  if (r->connected) {
    send_head(r);
    return;
  }
  if (r->conn)
    return; /* connecting: on_io sends it */
  r->conn = PQconnectStartParams(keys, vals, 1);
  if (!r->conn || PQstatus(r->conn) == CONNECTION_BAD || watch(r, AG_WATCH_WRITE) != AG_OK)
    /* Delivered from the loop (the async contract): the timer fires at once. */
    ag_timer_start(r->timer, 0);
}

struct store_reader *store_reader_create(struct event_base *base, const char *conninfo,
                                         long timeout_ms)
{
  struct store_reader *r = calloc(1, sizeof(*r));

  if (!r)
    return NULL;
  r->base = base;
  r->timeout_ms = timeout_ms;
  r->conninfo = strdup(conninfo);
  r->timer = ag_timer_create(base, on_timeout, r);
  if (!r->conninfo || !r->timer) {
    store_reader_destroy(r);
    return NULL;
  }
  return r;
}

void store_reader_destroy(struct store_reader *r)
{
  if (!r)
    return;
  drop_conn(r);
  snprintf(r->err, sizeof(r->err), "canceled");
  while (r->head) {
    struct rq *q = r->head;
    r->head = q->next;
    q->cb(q->arg, AG_ECANCELED, NULL, r->err);
    rq_free(q);
  }
  ag_timer_destroy(r->timer);
  free(r->conninfo);
  free(r);
}

int store_read(struct store_reader *r, const char *sql, int nparams, const char *const *params,
               store_read_cb cb, void *arg)
{
  struct rq *q;

  if (r->queued >= READER_QUEUE_MAX)
    return AG_E2BIG;
  q = calloc(1, sizeof(*q));
  if (!q)
    return AG_ENOMEM;
  q->sql = strdup(sql);
  q->params = calloc((size_t)nparams + 1, sizeof(*q->params));
  q->cb = cb;
  q->arg = arg;
  for (int i = 0; q->params && i < nparams; i++, q->nparams++)
    if (params[i] && !(q->params[i] = strdup(params[i])))
      break;
  if (!q->sql || !q->params || q->nparams < nparams) {
    rq_free(q);
    return AG_ENOMEM;
  }
  if (r->tail)
    r->tail->next = q;
  else
    r->head = q;
  r->tail = q;
  r->queued++;
  pump(r);
  return AG_OK;
}
