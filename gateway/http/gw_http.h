/* gw_http.h: libmicrohttpd on the event loop, with requests that can wait for the database.
 *
 * The daemon runs in external-loop epoll mode: its epoll fd is watched through the loop adapter
 * (lib/ag_loop) and MHD_get_timeout() arms a timer, so HTTP, PostgreSQL and timers share one thread
 * with no locks. A route handler gets the whole body (bounded by max_body) and either replies at
 * once (gw_req_reply() or gw_req_stream()), or calls gw_req_suspend(), returns AG_AGAIN and replies
 * later from any callback on the loop; the connection is resumed then.
 *
 * Every request has an id (X-Request-Id: the caller's when well-formed, else one of ours), sent
 * back on the reply and meant for the handler's log lines.
 */
#ifndef GW_HTTP_H
#define GW_HTTP_H

#include "lib/ag_ipnet.h"

#include <stddef.h>
#include <sys/socket.h>

struct ag_metrics;
struct event_base;
struct gw_http;
struct gw_req;    /* one request: valid from its handler call until it is replied to */
struct gw_stream; /* a streamed reply (Server-Sent Events) */

/* Returns AG_OK after a reply, or AG_AGAIN after gw_req_suspend(). */
typedef int (*gw_route_fn)(void *ctx, struct gw_req *req);

enum gw_match {
  GW_MATCH_EXACT,
  GW_MATCH_PREFIX /* the path and everything below it ("/api" matches "/api/x", not "/apix") */
};

enum gw_auth {
  GW_AUTH_NONE,
  GW_AUTH_CARRIER, /* the caller's address is on the route's allow list */
  /* A token of the route's role: checked by the hook of gw_http_set_token(). When the route has
   * an allow list, an address on it needs no token (a Prometheus scraper on /metrics). */
  GW_AUTH_TOKEN
};

/* GW_ROLE_ANY: any valid token (a route that only tells the caller about its own token). */
enum gw_role { GW_ROLE_OPERATOR, GW_ROLE_ANALYST, GW_ROLE_ADMIN, GW_ROLE_SCHOOL, GW_ROLE_ANY };

struct gw_route {
  const char *method; /* "GET", "POST" */
  const char *path;
  enum gw_match match;
  enum gw_auth auth;
  enum gw_role role;             /* GW_AUTH_TOKEN only */
  const struct ag_iplist *allow; /* GW_AUTH_CARRIER; optional for GW_AUTH_TOKEN; borrowed */
  gw_route_fn fn;
  void *ctx; /* borrowed; given to fn */
};

/* The token check (issue 10): AG_OK lets the request through, AG_EDENIED answers 403, any other
 * error 401 (with WWW-Authenticate: Bearer). *why, when the hook sets it, is the JSON error's
 * text (a static string without quotes or backslashes). The hook may attach what it learnt to
 * req (gw_req_set_user). Without a hook every token route answers 401: a route is never open
 * by default. */
typedef int (*gw_token_fn)(void *arg, struct gw_req *req, enum gw_role role,
                           const char **why /* OUT */);

struct gw_http_config {
  const char *host; /* numeric IPv4 or IPv6 */
  int port;         /* 0: any free port (tests); gw_http_port() tells which */
  size_t max_body;
  unsigned max_connections;
  unsigned connection_timeout_s; /* idle: any byte restarts it */
  /* A whole request (headers and body) must arrive within this of the connection's start or of
   * its previous request's end, however steadily it trickles in; 0: no such limit. */
  unsigned request_timeout_s;
  unsigned max_streams; /* open streamed replies; 0: 64 */
  size_t stream_buffer; /* bytes a stream holds for a slow client before dropping it; 0: 64 KiB */
  /* The kernel's send buffer of a stream's socket (SO_SNDBUF; the kernel doubles it); 0: the
   * kernel's own, which grows by itself up to net.ipv4.tcp_wmem's maximum (4 MiB by default)
   * before stream_buffer even starts to fill for a client that does not read. */
  size_t stream_sndbuf;
  unsigned per_ip;   /* connections one untrusted address may hold; 0: no limit */
  unsigned reserved; /* slots an untrusted address may not take (kept for carriers); 0: none */
  /* Whether an address is trusted (a carrier's): exempt from per_ip and reserved. NULL: none
   * is. arg is borrowed for the life of the server. */
  int (*trusted)(void *arg, const struct sockaddr *sa);
  void *trusted_arg;
  /* Counts aulgate_http_requests_total{route,status} when set; borrowed for the life of the
   * server. */
  struct ag_metrics *metrics;
};

/* Binds and starts serving. Returns a new server to free with gw_http_destroy(), or NULL with
 * a message in err. routes are borrowed for the life of the server; among the routes whose path
 * matches, the longest path wins (an exact path counts in full). */
struct gw_http *gw_http_create(struct event_base *base, const struct gw_http_config *cfg,
                               const struct gw_route *routes, size_t n_routes, char *err,
                               size_t errlen);
void gw_http_set_token(struct gw_http *h, gw_token_fn fn, void *arg);
/* Connections refused at accept time (per_ip, reserved) since start. */
unsigned long long gw_http_refused(const struct gw_http *h);
/* Connections shut for not delivering a whole request within request_timeout_s, since start. */
unsigned long long gw_http_request_timeouts(const struct gw_http *h);
/* Stops accepting connections; requests under way go on. */
void gw_http_quiesce(struct gw_http *h);
/* Requests suspended and waiting for a reply. */
size_t gw_http_suspended(const struct gw_http *h);
/* Streams open (started and not yet ended). */
size_t gw_http_streams(const struct gw_http *h);
int gw_http_port(const struct gw_http *h);
/* Ends every stream (their on_end callbacks run) and frees the server. */
void gw_http_destroy(struct gw_http *h);

/* Accessors; strings are borrowed from the request. */
const char *gw_req_method(const struct gw_req *r);
const char *gw_req_path(const struct gw_req *r);
const char *gw_req_id(const struct gw_req *r); /* X-Request-Id, at most 64 characters */
/* NULL when absent. Header names are case-insensitive. */
const char *gw_req_header(const struct gw_req *r, const char *name);
const char *gw_req_query(const struct gw_req *r, const char *name);
/* The whole query, decoded by MHD and encoded again as one application/x-www-form-urlencoded
 * string into buf (cap bytes, NUL-terminated; *len its length), for parsers of forms (a GET
 * callback such as Kannel's). AG_OK, or AG_E2BIG when it does not fit. */
int gw_req_query_form(const struct gw_req *r, char *buf, size_t cap, size_t *len /* OUT */);
/* The caller's address as text ("?" if unknown), for log lines. Returns buf. */
const char *gw_req_peer(const struct gw_req *r, char *buf, size_t len);
/* The request body (not NUL-terminated; len may be 0). Borrowed. */
const char *gw_req_body(const struct gw_req *r, size_t *len /* OUT */);
/* Microseconds since the epoch when the request's headers arrived. */
long long gw_req_received_us(const struct gw_req *r);
/* Whom the token hook found (takes ownership: free_fn(user) runs when the request ends), and
 * reading it back; NULL when the route needs no token or the caller came by address. */
void gw_req_set_user(struct gw_req *r, void *user, void (*free_fn)(void *));
void *gw_req_user(const struct gw_req *r);
/* The status replied, 0 before the reply. */
int gw_req_status(const struct gw_req *r);

/* How a reply body is handed over (MHD_RESPMEM_*). */
enum gw_body {
  GW_BODY_STATIC, /* lives longer than the reply: a string literal */
  GW_BODY_COPY,   /* copied now: a buffer on the caller's stack */
  GW_BODY_TAKE    /* malloc()ed; the reply owns it now, also when the call fails */
};

/* Adds a header to the coming reply (copied; at most 8). AG_E2BIG past that, AG_ENOMEM. */
int gw_req_add_header(struct gw_req *r, const char *name, const char *value);
/* Sets the whole reply. On a suspended request it also resumes the connection. Returns AG_OK,
 * or AG_ENOMEM (the connection then gets a 500). Call once per request. */
int gw_req_reply(struct gw_req *r, int status, const char *content_type, const char *body,
                 size_t len, enum gw_body mode);
/* The handler will reply later; it must return AG_AGAIN. Idempotent. */
void gw_req_suspend(struct gw_req *r);
/* 1 while suspended and not yet replied to. */
int gw_req_is_suspended(const struct gw_req *r);

/* Called once when a stream ends: closed, dropped, the client gone or the server destroyed. The
 * stream must not be used after it. */
typedef void (*gw_stream_end_fn)(void *arg, struct gw_stream *s);

/* Replies with a stream (as gw_req_reply() does, once per request). Returns the stream, or NULL
 * when max_streams are open or memory is short (then reply otherwise, e.g. 503). on_end runs
 * exactly once unless NULL is returned. */
struct gw_stream *gw_req_stream(struct gw_req *r, int status, const char *content_type,
                                gw_stream_end_fn on_end, void *arg);
/* Queues data for the client. AG_OK; AG_E2BIG when the client has not read stream_buffer bytes:
 * it is dropped (the connection closes, on_end follows); AG_ESTATE once the stream is ending. */
int gw_stream_write(struct gw_stream *s, const char *data, size_t len);
/* Ends the stream after what was written is sent; on_end follows. */
void gw_stream_close(struct gw_stream *s);

#endif
