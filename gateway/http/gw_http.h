/* gw_http.h: libmicrohttpd on the libevent loop, with requests that can wait for the database.
 *
 * The daemon runs in external-loop epoll mode: its epoll fd is a persistent libevent read event
 * and MHD_get_timeout() arms a timer, so HTTP, PostgreSQL and timers share one thread with no
 * locks. A route handler gets the whole body (bounded by max_body) and either replies at once
 * with gw_req_reply(), or calls gw_req_suspend(), returns AG_AGAIN and replies later from any
 * callback on the loop; the connection is resumed then.
 */
#ifndef GW_HTTP_H
#define GW_HTTP_H

#include "lib/ag_ipnet.h"

#include <stddef.h>
#include <sys/socket.h>

struct event_base;
struct gw_http;
struct gw_req; /* one request: valid from its handler call until gw_req_reply() has returned */

/* Returns AG_OK after gw_req_reply(), or AG_AGAIN after gw_req_suspend(). */
typedef int (*gw_route_fn)(void *ctx, struct gw_req *req);

struct gw_route {
  const char *method; /* "GET", "POST" */
  const char *path;   /* exact match */
  gw_route_fn fn;
  int carrier; /* callers must be on the carrier allow-list */
};

struct gw_http_config {
  const char *host; /* numeric IPv4 or IPv6 */
  int port;         /* 0: any free port (tests); gw_http_port() tells which */
  size_t max_body;
  unsigned max_connections;
  unsigned connection_timeout_s;
  const struct ag_iplist *carrier_allow; /* borrowed for the life of the server */
};

/* Binds and starts serving. Returns a new server to free with gw_http_destroy(), or NULL with
 * a message in err. routes and ctx are borrowed for the life of the server. */
struct gw_http *gw_http_create(struct event_base *base, const struct gw_http_config *cfg,
                               const struct gw_route *routes, size_t n_routes, void *ctx, char *err,
                               size_t errlen);
/* Stops accepting connections; requests under way go on. */
void gw_http_quiesce(struct gw_http *h);
/* Requests suspended and waiting for a reply. */
size_t gw_http_suspended(const struct gw_http *h);
int gw_http_port(const struct gw_http *h);
void gw_http_destroy(struct gw_http *h);

/* The request body (not NUL-terminated; len may be 0). Borrowed. */
const char *gw_req_body(const struct gw_req *r, size_t *len /* OUT */);
/* Microseconds since the epoch when the request's headers arrived. */
long long gw_req_received_us(const struct gw_req *r);

/* Sets the reply (body copied). On a suspended request it also resumes the connection. Returns
 * AG_OK, or AG_ENOMEM (the connection then gets a 500). Call once per request. */
int gw_req_reply(struct gw_req *r, int status, const char *content_type, const char *body,
                 size_t len);
/* The handler will reply later; it must return AG_AGAIN. Idempotent. */
void gw_req_suspend(struct gw_req *r);
/* 1 while suspended and not yet replied to. */
int gw_req_is_suspended(const struct gw_req *r);

#endif
