/* load_conn.c: keep-alive HTTP/1.1 client connections on libevent, one request in flight each.
 *
 * Just enough HTTP for the gateway's replies: a status line, headers with a Content-Length,
 * a body. A connection the server closes is opened again; the request it carried, if any, is
 * reported as an I/O error and not retried (the schedule does not wait for anyone).
 */
#include "bench/load/load.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct conn {
  struct load_pool *pool;
  struct bufferevent *bev; /* owned */
  struct load_req *rq;     /* in flight; NULL when idle */
  struct conn *idle_next;
};

struct load_pool {
  struct event_base *base;
  struct sockaddr_in sa;
  char host[64], path[128];
  load_reply_fn fn;
  void *arg;
  int n;
  struct conn *conns;     /* owned, [n] */
  struct conn *idle;      /* free connections */
  struct load_req *qhead; /* waiting for a free connection */
  struct load_req *qtail;
  size_t queued;
};

static void on_read(struct bufferevent *bev, void *arg);
static void on_event(struct bufferevent *bev, short what, void *arg);

static void conn_idle(struct conn *c);

static int conn_open(struct conn *c)
{
  struct load_pool *pool = c->pool;

  c->bev = bufferevent_socket_new(pool->base, -1, BEV_OPT_CLOSE_ON_FREE);
  if (!c->bev)
    return -1;
  bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
  bufferevent_enable(c->bev, EV_READ | EV_WRITE);
  return bufferevent_socket_connect(c->bev, (struct sockaddr *)&pool->sa, sizeof(pool->sa));
}

/* The connection failed or closed: report what it carried, open it again. */
static void conn_reset(struct conn *c)
{
  struct load_req *rq = c->rq;

  bufferevent_free(c->bev);
  c->bev = NULL;
  c->rq = NULL;
  if (rq)
    c->pool->fn(c->pool->arg, rq, LOAD_IO_ERROR, 0, "");
  if (conn_open(c) != 0) {
    fprintf(stderr, "aulgate-load: cannot reconnect\n");
    return;
  }
  conn_idle(c);
}

static void write_req(struct conn *c, struct load_req *rq)
{
  struct load_pool *pool = c->pool;
  const struct load_parent *p = rq->p;
  char text[512];
  char body[1024];
  size_t t = 0;
  int n;

  text[0] = '\0';
  for (int i = 0; i < p->next && t + 8 < sizeof(text); i++)
    t += (size_t)snprintf(text + t, sizeof(text) - t, "%s%s", i ? "%2A" : "", load_path[i]);
  n = snprintf(body, sizeof(body),
               "sessionId=%s&serviceCode=%%2A1234%%23&phoneNumber=%%2B%s&networkCode=40101&text=%s",
               p->session, p->phone + 1, text);
  c->rq = rq;
  evbuffer_add_printf(bufferevent_get_output(c->bev),
                      "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: "
                      "application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s",
                      pool->path, pool->host, n, body);
}

/* c is free: it takes the oldest queued request, or waits on the idle list. */
static void conn_idle(struct conn *c)
{
  struct load_pool *pool = c->pool;
  struct load_req *rq = pool->qhead;

  if (rq) {
    pool->qhead = rq->next;
    if (!pool->qhead)
      pool->qtail = NULL;
    pool->queued--;
    write_req(c, rq);
    return;
  }
  c->idle_next = pool->idle;
  pool->idle = c;
}

/* Parses one whole reply from in, if there is one. Returns 1 with status and body (malloc'd,
 * NUL-terminated), 0 when more bytes are needed, -1 when it is not HTTP as expected. */
static int parse_reply(struct evbuffer *in, int *status, char **body, int *close_after)
{
  struct evbuffer_ptr end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
  size_t hlen, blen = 0;
  char *head, *line;

  if (end.pos < 0)
    return evbuffer_get_length(in) > 65536 ? -1 : 0;
  hlen = (size_t)end.pos + 4;
  head = malloc(hlen + 1);
  if (!head)
    return -1;
  evbuffer_copyout(in, head, hlen);
  head[hlen] = '\0';
  if (sscanf(head, "HTTP/1.%*d %d", status) != 1) {
    free(head);
    return -1;
  }
  *close_after = 0;
  for (line = strstr(head, "\r\n"); line && line[2] != '\r'; line = strstr(line + 2, "\r\n")) {
    if (strncasecmp(line + 2, "Content-Length:", 15) == 0)
      blen = strtoul(line + 17, NULL, 10);
    else if (strncasecmp(line + 2, "Connection: close", 17) == 0)
      *close_after = 1;
  }
  free(head);
  if (evbuffer_get_length(in) < hlen + blen)
    return 0;
  *body = malloc(blen + 1);
  if (!*body)
    return -1;
  evbuffer_drain(in, hlen);
  evbuffer_remove(in, *body, blen);
  (*body)[blen] = '\0';
  return 1;
}

static void on_read(struct bufferevent *bev, void *arg)
{
  struct conn *c = arg;
  struct load_pool *pool = c->pool;
  int status = 0, close_after = 0, r;
  char *body = NULL;
  struct load_req *rq;

  r = parse_reply(bufferevent_get_input(bev), &status, &body, &close_after);
  if (r == 0)
    return;
  if (r < 0 || !c->rq) {
    conn_reset(c);
    return;
  }
  rq = c->rq;
  c->rq = NULL;
  if (status != 200)
    pool->fn(pool->arg, rq, LOAD_HTTP_ERROR, status, body);
  else
    pool->fn(pool->arg, rq, strncmp(body, "CON ", 4) == 0 ? LOAD_CON : LOAD_END, status, body);
  free(body);
  if (close_after)
    conn_reset(c);
  else
    conn_idle(c);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
  (void)bev;
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
    conn_reset(arg);
}

struct load_pool *load_pool_create(struct event_base *base, const char *host, int port,
                                   const char *path, int n, load_reply_fn fn, void *arg)
{
  struct load_pool *pool = calloc(1, sizeof(*pool));

  if (!pool || !(pool->conns = calloc((size_t)n, sizeof(*pool->conns)))) {
    free(pool);
    return NULL;
  }
  pool->base = base;
  pool->sa.sin_family = AF_INET;
  pool->sa.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, host, &pool->sa.sin_addr) != 1) {
    fprintf(stderr, "aulgate-load: host must be a numeric IPv4 address: %s\n", host);
    free(pool->conns);
    free(pool);
    return NULL;
  }
  snprintf(pool->host, sizeof(pool->host), "%s:%d", host, port);
  snprintf(pool->path, sizeof(pool->path), "%s", path);
  pool->fn = fn;
  pool->arg = arg;
  pool->n = n;
  for (int i = 0; i < n; i++) {
    struct conn *c = &pool->conns[i];
    c->pool = pool;
    if (conn_open(c) != 0) {
      load_pool_destroy(pool);
      return NULL;
    }
    conn_idle(c);
  }
  return pool;
}

void load_pool_send(struct load_pool *pool, struct load_req *rq)
{
  struct conn *c = pool->idle;

  if (c) {
    pool->idle = c->idle_next;
    write_req(c, rq);
    return;
  }
  rq->next = NULL;
  if (pool->qtail)
    pool->qtail->next = rq;
  else
    pool->qhead = rq;
  pool->qtail = rq;
  pool->queued++;
}

size_t load_pool_queued(const struct load_pool *pool)
{
  return pool->queued;
}

void load_pool_destroy(struct load_pool *pool)
{
  if (!pool)
    return;
  for (int i = 0; i < pool->n; i++)
    if (pool->conns[i].bev)
      bufferevent_free(pool->conns[i].bev);
  free(pool->conns);
  free(pool);
}
