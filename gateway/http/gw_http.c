/* gw_http.c: libmicrohttpd in external-loop epoll mode, driven by the loop (lib/ag_loop).
 *
 * Three things of the loop drive the daemon: a read watch on MHD's epoll fd, a timer set from
 * MHD_get_timeout(), and a deferred "kick" that runs MHD on the next loop turn after a
 * suspended connection was resumed (MHD only notices a resume when MHD_run is called again).
 * Routing, the auth switch and request ids are here; accessors and whole replies in gw_req.c,
 * streams in gw_stream.c.
 */
#include "gateway/http/gw_http-internal.h"
#include "lib/ag.h"
#include "lib/ag_log.h"
#include "lib/ag_loop.h"
#include "lib/ag_metrics.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/time.h>
#include <unistd.h>

static void rearm(struct gw_http *h)
{
  MHD_UNSIGNED_LONG_LONG ms;

  if (MHD_get_timeout(h->d, &ms) == MHD_YES)
    ag_timer_start(h->ev_timer, (long)ms);
  else
    ag_timer_stop(h->ev_timer);
}

static void run(void *arg)
{
  struct gw_http *h = arg;

  MHD_run(h->d);
  rearm(h);
}

static void on_epoll(void *arg, int fd, unsigned fired)
{
  (void)fd;
  (void)fired;
  run(arg);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
  char msg[512], q[600];
  size_t n;

  (void)cls;
  vsnprintf(msg, sizeof(msg), fmt, ap);
  n = strlen(msg);
  while (n > 0 && msg[n - 1] == '\n')
    msg[--n] = '\0';
  AG_LOGW("http.mhd", "message=%s", ag_log_quote(msg, q, sizeof(q)));
}

/* How much of url the route's path covers: more for a longer path, 0 when it does not match. */
static size_t route_covers(const struct gw_route *rt, const char *url)
{
  size_t n = strlen(rt->path);

  if (rt->match == GW_MATCH_EXACT)
    return strcmp(rt->path, url) == 0 ? n + 1 : 0; /* + 1: over a prefix of the same path */
  if (strncmp(rt->path, url, n) != 0)
    return 0;
  return url[n] == '\0' || url[n] == '/' || (n > 0 && rt->path[n - 1] == '/') ? n : 0;
}

/* The longest matching path wins; among its routes, the one of the method. */
static const struct gw_route *route_find(const struct gw_http *h, const char *method,
                                         const char *url, int *path_known)
{
  const struct gw_route *found = NULL;
  size_t best = 0;

  for (size_t i = 0; i < h->n_routes; i++) {
    size_t n = route_covers(&h->routes[i], url);
    if (n > best) {
      best = n;
      found = NULL;
    }
    if (n > 0 && n == best && strcmp(h->routes[i].method, method) == 0)
      found = &h->routes[i];
  }
  *path_known = best > 0;
  return found;
}

/* The methods of the routes that cover url best, for the Allow header a 405 must carry (RFC 9110
 * 15.5.6), e.g. "GET" or "POST". */
static void allowed_methods(const struct gw_http *h, const char *url, char *out, size_t len)
{
  size_t best = 0, n = 0;

  out[0] = '\0';
  for (size_t i = 0; i < h->n_routes; i++) {
    size_t c = route_covers(&h->routes[i], url);
    if (c > best)
      best = c;
  }
  for (size_t i = 0; best && i < h->n_routes; i++)
    if (route_covers(&h->routes[i], url) == best && !strstr(out, h->routes[i].method))
      n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s%s", n ? ", " : "",
                            h->routes[i].method);
}

static void request_id(struct gw_req *r)
{
  static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";
  const char *in = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Request-Id");
  size_t n = in ? strspn(in, ok) : 0;

  if (n > 0 && n <= GW_REQ_ID_MAX && in[n] == '\0')
    memcpy(r->id, in, n + 1);
  else
    snprintf(r->id, sizeof(r->id), "%08x%08x", r->h->id_prefix, r->h->id_next++);
}

/* The route's auth: 0 to go on, else the refusal is in r->early_*. */
static int authorize(struct gw_req *r)
{
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  const char *why;
  char ip[64];
  int rc;

  switch (r->route->auth) {
  case GW_AUTH_NONE:
    return 0;
  case GW_AUTH_CARRIER:
    if (ag_iplist_match(r->route->allow, ci ? ci->client_addr : NULL))
      return 0;
    /* The route's path, not the request's: a secret path segment must not reach the log. */
    AG_LOGW("http.denied", "req=%s route=%s peer=%s reason=not_on_carrier_allow_list", r->id,
            r->route->path, gw_req_peer(r, ip, sizeof(ip)));
    r->early_status = MHD_HTTP_FORBIDDEN;
    r->early_msg = "caller not on the carrier allow-list";
    return 1;
  case GW_AUTH_TOKEN:
    if (r->route->allow && ag_iplist_match(r->route->allow, ci ? ci->client_addr : NULL))
      return 0;
    why = NULL;
    rc = r->h->token_fn ? r->h->token_fn(r->h->token_arg, r, r->route->role, &why) : AG_ENOTFOUND;
    if (rc == AG_OK)
      return 0;
    r->early_status = rc == AG_EDENIED ? MHD_HTTP_FORBIDDEN : MHD_HTTP_UNAUTHORIZED;
    r->early_msg = why                ? why
                   : rc == AG_EDENIED ? "token not allowed here"
                                      : "token missing or invalid";
    if (rc != AG_EDENIED) /* RFC 6750 3: a 401 says which scheme would do */
      gw_req_add_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    return 1;
  }
  r->early_status = MHD_HTTP_INTERNAL_SERVER_ERROR; /* an auth kind without a case above */
  r->early_msg = "internal error";
  return 1;
}

static enum MHD_Result send_reply(struct gw_req *r)
{
  enum MHD_Result ret;

  if (!r->resp)
    return MHD_NO; /* not even the out-of-memory reply could be made: close */
  ret = MHD_queue_response(r->conn, (unsigned)r->status, r->resp);
  MHD_destroy_response(r->resp);
  r->resp = NULL;
  return ret;
}

static enum MHD_Result reply_error(struct gw_req *r, int status, const char *msg)
{
  char body[256];
  int n = snprintf(body, sizeof(body), "{\"error\":\"%s\"}\n", msg);

  gw_req_reply(r, status, "application/json", body, (size_t)n, GW_BODY_COPY);
  return send_reply(r);
}

struct framing {
  unsigned lengths, encodings, not_chunked, spaced_name, control;
};

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
  struct framing *f = cls;
  size_t n = strlen(key);

  (void)kind;
  if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
    f->lengths++;
  else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0)
    f->encodings++, f->not_chunked += !value || strcasecmp(value, "chunked") != 0;
  /* MHD keeps "Content-Length " as a header of its own name, which a proxy may read as the
   * length: RFC 9112 5.1 says 400. */
  if (n && (key[n - 1] == ' ' || key[n - 1] == '\t'))
    f->spaced_name++;
  for (const unsigned char *v = (const unsigned char *)value; v && *v; v++)
    if ((*v < 0x20 && *v != '\t') || *v == 0x7f)
      f->control++;
  return MHD_YES;
}

/* A body framed two ways (two Content-Lengths, or one beside Transfer-Encoding) is how a request
 * is smuggled past a proxy that reads the other framing: refused, whatever MHD would pick. So is
 * a framing MHD cannot read at all (a Transfer-Encoding other than chunked: RFC 9112 6.1 says
 * 400, and MHD would wait for a body whose end it cannot know), and a header MHD lets through
 * that RFC 9110 5.5 and 9112 5.1 forbid. *now: the body cannot be read, so the refusal must not
 * wait for it. */
static const char *framing_error(struct MHD_Connection *conn, int *now)
{
  struct framing f = {0, 0, 0, 0, 0};

  MHD_get_connection_values(conn, MHD_HEADER_KIND, count_framing, &f);
  *now = f.not_chunked || f.encodings > 1;
  if (f.lengths > 1)
    return "more than one Content-Length";
  if (f.lengths && f.encodings)
    return "Content-Length with Transfer-Encoding";
  if (f.encodings > 1)
    return "more than one Transfer-Encoding";
  if (f.not_chunked)
    return "Transfer-Encoding other than chunked";
  if (f.spaced_name)
    return "whitespace before a header's colon";
  if (f.control)
    return "control character in a header";
  return NULL;
}

/* A request from the spares (its body buffer kept, emptied), or a new one. */
static struct gw_req *req_new(struct gw_http *h)
{
  struct gw_req *r = h->spare;
  char *body;
  size_t cap;

  if (!r)
    return calloc(1, sizeof(*r));
  h->spare = r->next_spare;
  h->n_spare--;
  body = r->body;
  cap = r->cap;
  memset(r, 0, sizeof(*r));
  r->body = body;
  r->cap = cap;
  return r;
}

/* The first call, on the headers: pick the route and refuse early what needs no body. */
static struct gw_req *req_start(struct gw_http *h, struct MHD_Connection *conn, const char *url,
                                const char *method)
{
  struct gw_req *r = req_new(h);
  const char *clen, *expect;
  int known;

  if (!r)
    return NULL;
  r->h = h;
  r->conn = conn;
  r->method = method;
  r->path = url;
  r->received_us = ag_now_us();
  request_id(r);
  r->route = route_find(h, method, url, &known);
  clen = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
  expect = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
  if ((r->early_msg = framing_error(conn, &r->early_now)) != NULL) {
    r->early_status = MHD_HTTP_BAD_REQUEST;
  } else if (!r->route) {
    r->early_status = known ? MHD_HTTP_METHOD_NOT_ALLOWED : MHD_HTTP_NOT_FOUND;
    r->early_msg = known ? "method not allowed" : "not found";
    if (known) {
      char allow[64];
      allowed_methods(h, url, allow, sizeof(allow));
      gw_req_add_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    }
  } else if (!authorize(r) && clen && strtoull(clen, NULL, 10) > h->cfg.max_body) {
    r->early_status = MHD_HTTP_CONTENT_TOO_LARGE;
    r->early_msg = "request body too large";
  }
  /* A client that waits for "100 Continue" before its body gets the refusal instead: MHD sends
   * the 100 only when the first call queues nothing, and the body would be read to be dropped. */
  if (r->early_status && expect && strcasecmp(expect, "100-continue") == 0)
    r->early_now = 1;
  return r;
}

static int body_append(struct gw_req *r, const char *data, size_t n)
{
  if (r->len + n > r->h->cfg.max_body)
    return AG_E2BIG;
  if (r->len + n > r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 1024;
    char *p;
    while (cap < r->len + n)
      cap *= 2;
    if (cap > r->h->cfg.max_body)
      cap = r->h->cfg.max_body;
    p = realloc(r->body, cap);
    if (!p)
      return AG_ENOMEM;
    r->body = p;
    r->cap = cap;
  }
  memcpy(r->body + r->len, data, n);
  r->len += n;
  return AG_OK;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **req_cls)
{
  struct gw_http *h = cls;
  struct gw_req *r = *req_cls;
  int rc;

  (void)version;
  if (!r) {
    r = req_start(h, conn, url, method);
    if (!r)
      return MHD_NO;
    *req_cls = r;
    if (r->early_now) /* MHD closes the connection after it: the body is never read */
      return reply_error(r, r->early_status, r->early_msg);
    return MHD_YES;
  }
  if (*upload_data_size) {
    if (!r->early_status && body_append(r, upload_data, *upload_data_size)) {
      r->early_status = MHD_HTTP_CONTENT_TOO_LARGE;
      r->early_msg = "request body too large";
    }
    *upload_data_size = 0; /* consumed, or discarded after a refusal */
    return MHD_YES;
  }
  if (!r->dispatched && !r->replied)
    gw_http__conn_received(h, conn); /* the whole request is in: its deadline no longer runs */
  if (r->replied)
    return send_reply(r); /* resumed after the handler replied */
  if (r->dispatched)
    return MHD_YES; /* AG_NEVER: MHD does not call a suspended connection */
  if (r->early_status)
    return reply_error(r, r->early_status, r->early_msg);
  r->dispatched = 1;
  rc = r->route->fn(r->route->ctx, r);
  if (rc == AG_AGAIN)
    return MHD_YES;
  if (!r->replied)
    return reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal error");
  return send_reply(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
  struct gw_http *h = cls;
  struct gw_req *r = *req_cls;

  (void)toe;
  gw_http__conn_done(cls, conn); /* the next request's deadline starts now */
  if (!r)
    return;
  if (r->status && r->h->requests) {
    char status[16];
    snprintf(status, sizeof(status), "%d", r->status);
    /* The route's path, never the request's: bounded, and no secret path segment. */
    ag_series_inc(ag_metric_series2(r->h->requests, r->route ? r->route->path : "(none)", status));
  }
  if (r->user_free)
    r->user_free(r->user);
  if (r->stream)
    gw_stream__detach(r->stream);
  if (r->resp)
    MHD_destroy_response(r->resp); /* never sent: a stream's ends here */
  for (size_t i = 0; i < r->n_headers; i++) {
    free(r->headers[i][0]);
    free(r->headers[i][1]);
  }
  *req_cls = NULL;
  if (r->cap > GW_HTTP_SPARE_BODY) { /* a large body's buffer is not worth keeping */
    free(r->body);
    r->body = NULL;
    r->cap = 0;
  }
  if (h->n_spare < GW_HTTP_SPARE_MAX) {
    r->next_spare = h->spare;
    h->spare = r;
    h->n_spare++;
    return;
  }
  free(r->body);
  free(r);
}

static int bind_addr(const struct gw_http_config *cfg, struct sockaddr_storage *ss, int *v6)
{
  struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

  memset(ss, 0, sizeof(*ss));
  if (inet_pton(AF_INET, cfg->host, &s4->sin_addr) == 1) {
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)cfg->port);
    *v6 = 0;
    return AG_OK;
  }
  if (inet_pton(AF_INET6, cfg->host, &s6->sin6_addr) == 1) {
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons((uint16_t)cfg->port);
    *v6 = 1;
    return AG_OK;
  }
  return AG_EINVAL;
}

static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
  (void)addrlen;
  return gw_http__admit(cls, addr) ? MHD_YES : MHD_NO;
}

/* Counts connections as they open and close, by address (gw_admit.c). */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
  struct gw_http *h = cls;

  if (code == MHD_CONNECTION_NOTIFY_STARTED)
    *socket_context = gw_http__conn_open(h, conn);
  else
    gw_http__conn_close(h, *socket_context);
}

struct gw_http *gw_http_create(struct event_base *base, const struct gw_http_config *cfg,
                               const struct gw_route *routes, size_t n_routes, char *err,
                               size_t errlen)
{
  struct sockaddr_storage ss;
  const union MHD_DaemonInfo *info;
  struct gw_http *h;
  int v6;

  for (size_t i = 0; i < n_routes; i++) {
    if (routes[i].auth == GW_AUTH_CARRIER && !routes[i].allow) {
      snprintf(err, errlen, "route %s %s: carrier auth without an allow list", routes[i].method,
               routes[i].path);
      return NULL;
    }
  }
  if (bind_addr(cfg, &ss, &v6)) {
    snprintf(err, errlen, "listen host '%s' is not a numeric IPv4 or IPv6 address", cfg->host);
    return NULL;
  }
  h = calloc(1, sizeof(*h));
  if (!h) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  h->base = base;
  h->cfg = *cfg;
  h->routes = routes;
  h->n_routes = n_routes;
  if (cfg->metrics) {
    static const struct ag_metric_def def = {
        AG_METRIC_COUNTER,
        "aulgate_http_requests_total",
        "HTTP requests answered, by route (its configured path; (none) when no route matched) "
        "and status.",
        {"route", "status"},
        NULL,
        0};
    h->requests = ag_metrics_find(cfg->metrics, def.name);
    if (!h->requests)
      h->requests = ag_metrics_add(cfg->metrics, &def);
  }
  if (!h->cfg.max_streams)
    h->cfg.max_streams = 64;
  if (!h->cfg.stream_buffer)
    h->cfg.stream_buffer = 64 * 1024;
  if (gw_http__admit_create(h)) {
    snprintf(err, errlen, "out of memory");
    free(h);
    return NULL;
  }
  if (getrandom(&h->id_prefix, sizeof(h->id_prefix), GRND_NONBLOCK) != sizeof(h->id_prefix))
    h->id_prefix = (unsigned)ag_now_us() ^ (unsigned)getpid(); /* ids stay unique per server */
  h->d = MHD_start_daemon(
      MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0),
      (uint16_t)cfg->port, on_accept, h, on_access, h, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
      MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
      cfg->max_connections, MHD_OPTION_CONNECTION_TIMEOUT, cfg->connection_timeout_s,
      MHD_OPTION_NOTIFY_COMPLETED, on_completed, h, MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
      MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_END);
  if (!h->d) {
    snprintf(err, errlen, "cannot listen on %s:%d (address in use, or not local)", cfg->host,
             cfg->port);
    gw_http__admit_destroy(h);
    free(h);
    return NULL;
  }
  info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
  h->port = info ? info->port : cfg->port;
  info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);
  /* epoll_wait() ignores O_NONBLOCK; libevent's debug mode insists on it for every fd. */
  fcntl(info->epoll_fd, F_SETFL, fcntl(info->epoll_fd, F_GETFL) | O_NONBLOCK);
  h->ev_epoll = ag_watch_create(base, info->epoll_fd, AG_WATCH_READ, on_epoll, h);
  h->ev_timer = ag_timer_create(base, run, h);
  h->ev_kick = ag_defer_create(base, run, h);
  h->ev_sweep = ag_timer_create(base, gw_http__sweep, h);
  if (!h->ev_epoll || !h->ev_timer || !h->ev_kick || !h->ev_sweep) {
    snprintf(err, errlen, "cannot register the HTTP server with the event loop");
    gw_http_destroy(h);
    return NULL;
  }
  rearm(h);
  return h;
}

void gw_http_quiesce(struct gw_http *h)
{
  MHD_socket fd = MHD_quiesce_daemon(h->d);

  if (fd != MHD_INVALID_SOCKET)
    close(fd); /* quiesce hands the listening socket to us */
}

void gw_http_set_token(struct gw_http *h, gw_token_fn fn, void *arg)
{
  h->token_fn = fn;
  h->token_arg = arg;
}

size_t gw_http_streams(const struct gw_http *h)
{
  return h->streams;
}

size_t gw_http_suspended(const struct gw_http *h)
{
  return h->suspended;
}

int gw_http_port(const struct gw_http *h)
{
  return h->port;
}

void gw_http_destroy(struct gw_http *h)
{
  if (!h)
    return;
  gw_stream__end_all(h);
  ag_watch_destroy(h->ev_epoll);
  ag_timer_destroy(h->ev_timer);
  ag_defer_destroy(h->ev_kick);
  if (h->d)
    MHD_stop_daemon(h->d);       /* closes what is open: the counts go down to zero */
  ag_timer_destroy(h->ev_sweep); /* after: closing connections still touch the sweep */
  gw_http__admit_destroy(h);
  while (h->spare) {
    struct gw_req *r = h->spare;
    h->spare = r->next_spare;
    free(r->body);
    free(r);
  }
  free(h);
}

void gw_http__kick(struct gw_http *h)
{
  ag_defer_schedule(h->ev_kick);
}
