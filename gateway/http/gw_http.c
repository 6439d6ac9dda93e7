/* gw_http.c: libmicrohttpd in external-loop epoll mode, driven by the loop (lib/ag_loop).
 *
 * Three things of the loop drive the daemon: a read watch on MHD's epoll fd, a timer set from
 * MHD_get_timeout(), and a deferred "kick" that runs MHD on the next loop turn after a
 * suspended connection was resumed (MHD only notices a resume when MHD_run is called again).
 */
#include "gateway/http/gw_http.h"
#include "lib/ag.h"
#include "lib/ag_log.h"
#include "lib/ag_loop.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

struct gw_http {
  struct MHD_Daemon *d;
  struct event_base *base;
  struct ag_watch *ev_epoll; /* owned, like the two below */
  struct ag_timer *ev_timer;
  struct ag_defer *ev_kick;
  const struct gw_route *routes;
  size_t n_routes;
  void *ctx;
  struct gw_http_config cfg;
  size_t suspended;
  int port;
};

struct gw_req {
  struct gw_http *h;
  struct MHD_Connection *conn;
  const struct gw_route *route;
  char *body; /* owned */
  size_t len, cap;
  long long received_us;
  int early_status; /* a refusal decided before the body: answered without dispatching */
  const char *early_msg;
  int dispatched, suspended, replied;
  int status;
  const char *ctype;
  char *reply; /* owned */
  size_t reply_len;
};

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

static const struct gw_route *route_find(const struct gw_http *h, const char *method,
                                         const char *url, int *path_known)
{
  *path_known = 0;
  for (size_t i = 0; i < h->n_routes; i++) {
    if (strcmp(h->routes[i].path, url) != 0)
      continue;
    *path_known = 1;
    if (strcmp(h->routes[i].method, method) == 0)
      return &h->routes[i];
  }
  return NULL;
}

static enum MHD_Result send_reply(struct gw_req *r)
{
  struct MHD_Response *resp =
      MHD_create_response_from_buffer(r->reply_len, r->reply, MHD_RESPMEM_MUST_COPY);
  enum MHD_Result ret;

  if (!resp)
    return MHD_NO;
  MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->ctype);
  MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
  MHD_destroy_response(resp);
  return ret;
}

static enum MHD_Result reply_error(struct gw_req *r, int status, const char *msg)
{
  char body[256];
  int n = snprintf(body, sizeof(body), "{\"error\":\"%s\"}\n", msg);

  if (gw_req_reply(r, status, "application/json", body, (size_t)n))
    return MHD_NO;
  return send_reply(r);
}

/* The first call, on the headers: pick the route and refuse early what needs no body. */
static struct gw_req *req_start(struct gw_http *h, struct MHD_Connection *conn, const char *url,
                                const char *method)
{
  struct gw_req *r = calloc(1, sizeof(*r));
  const union MHD_ConnectionInfo *ci;
  const char *clen;
  int known;

  if (!r)
    return NULL;
  r->h = h;
  r->conn = conn;
  r->received_us = ag_now_us();
  r->route = route_find(h, method, url, &known);
  ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  clen = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
  if (!r->route) {
    r->early_status = known ? MHD_HTTP_METHOD_NOT_ALLOWED : MHD_HTTP_NOT_FOUND;
    r->early_msg = known ? "method not allowed" : "not found";
  } else if (r->route->carrier &&
             !ag_iplist_match(h->cfg.carrier_allow, ci ? ci->client_addr : NULL)) {
    char ip[INET6_ADDRSTRLEN] = "?";
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    if (sa && sa->sa_family == AF_INET)
      inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, ip, sizeof(ip));
    else if (sa && sa->sa_family == AF_INET6)
      inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, ip, sizeof(ip));
    AG_LOGW("http.denied", "path=%s peer=%s reason=not_on_carrier_allow_list", url, ip);
    r->early_status = MHD_HTTP_FORBIDDEN;
    r->early_msg = "caller not on the carrier allow-list";
  } else if (clen && strtoull(clen, NULL, 10) > h->cfg.max_body) {
    r->early_status = MHD_HTTP_CONTENT_TOO_LARGE;
    r->early_msg = "request body too large";
  }
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
  if (r->replied)
    return send_reply(r); /* resumed after the handler replied */
  if (r->dispatched)
    return MHD_YES; /* AG_NEVER: MHD does not call a suspended connection */
  if (r->early_status)
    return reply_error(r, r->early_status, r->early_msg);
  r->dispatched = 1;
  rc = r->route->fn(h->ctx, r);
  if (rc == AG_AGAIN)
    return MHD_YES;
  if (!r->replied)
    return reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal error");
  return send_reply(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
  struct gw_req *r = *req_cls;

  (void)cls;
  (void)conn;
  (void)toe;
  if (!r)
    return;
  free(r->body);
  free(r->reply);
  free(r);
  *req_cls = NULL;
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

struct gw_http *gw_http_create(struct event_base *base, const struct gw_http_config *cfg,
                               const struct gw_route *routes, size_t n_routes, void *ctx, char *err,
                               size_t errlen)
{
  struct sockaddr_storage ss;
  const union MHD_DaemonInfo *info;
  struct gw_http *h;
  int v6;

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
  h->ctx = ctx;
  h->d = MHD_start_daemon(
      MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0),
      (uint16_t)cfg->port, NULL, NULL, on_access, h, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
      MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
      cfg->max_connections, MHD_OPTION_CONNECTION_TIMEOUT, cfg->connection_timeout_s,
      MHD_OPTION_NOTIFY_COMPLETED, on_completed, h, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u,
      MHD_OPTION_END);
  if (!h->d) {
    snprintf(err, errlen, "cannot listen on %s:%d (address in use, or not local)", cfg->host,
             cfg->port);
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
  if (!h->ev_epoll || !h->ev_timer || !h->ev_kick) {
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
  ag_watch_destroy(h->ev_epoll);
  ag_timer_destroy(h->ev_timer);
  ag_defer_destroy(h->ev_kick);
  if (h->d)
    MHD_stop_daemon(h->d);
  free(h);
}

const char *gw_req_body(const struct gw_req *r, size_t *len)
{
  *len = r->len;
  return r->body ? r->body : "";
}

long long gw_req_received_us(const struct gw_req *r)
{
  return r->received_us;
}

int gw_req_is_suspended(const struct gw_req *r)
{
  return r->suspended;
}

void gw_req_suspend(struct gw_req *r)
{
  if (r->suspended || r->replied)
    return;
  r->suspended = 1;
  r->h->suspended++;
  MHD_suspend_connection(r->conn);
}

int gw_req_reply(struct gw_req *r, int status, const char *content_type, const char *body,
                 size_t len)
{
  char *copy = malloc(len ? len : 1);
  int rc = AG_OK;

  if (AG_NEVER(r->replied)) {
    free(copy);
    return AG_ESTATE;
  }
  if (copy) {
    memcpy(copy, body, len);
    r->status = status;
    r->ctype = content_type;
    r->reply = copy;
    r->reply_len = len;
  } else {
    static const char oom[] = "{\"error\":\"out of memory\"}\n";
    r->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
    r->ctype = "application/json";
    r->reply = strdup(oom);
    r->reply_len = r->reply ? sizeof(oom) - 1 : 0;
    rc = AG_ENOMEM;
  }
  r->replied = 1;
  if (r->suspended) {
    r->suspended = 0;
    r->h->suspended--;
    MHD_resume_connection(r->conn);
    ag_defer_schedule(r->h->ev_kick);
  }
  return rc;
}
