/* gw_http-internal.h: what gw_http.c and gw_stream.c share; nothing outside gateway/http/. */
#ifndef GW_HTTP_INTERNAL_H
#define GW_HTTP_INTERNAL_H

#include "gateway/http/gw_http.h"

#include <microhttpd.h>

#define GW_HTTP_HEADERS_MAX 8
#define GW_REQ_ID_MAX       64

struct gw_http {
  struct MHD_Daemon *d;
  struct event_base *base;
  struct ag_watch *ev_epoll; /* owned, like the two below */
  struct ag_timer *ev_timer;
  struct ag_defer *ev_kick;
  const struct gw_route *routes;
  size_t n_routes;
  struct gw_http_config cfg;
  gw_token_fn token_fn;
  void *token_arg;
  size_t suspended, streams;
  struct gw_stream *stream_list; /* open streams, to end them at destroy */
  unsigned id_prefix, id_next;   /* request ids: random per server, then a counter */
  int port;
  struct gw_admit *admit;                     /* owned */
  struct ag_timer *ev_sweep;                  /* owned: the request deadline's sweep */
  struct gw_conn *receiving, *receiving_tail; /* connections waiting for a whole request */
  unsigned long long request_timeouts;
  struct gw_req *spare; /* owned: completed requests kept, with their body buffers, for reuse */
  size_t n_spare;
  struct ag_metric *requests; /* aulgate_http_requests_total, or NULL */
};

/* As many completed requests as are kept for reuse (each with a body buffer of up to
 * max_body bytes): a burst's worth. */
#define GW_HTTP_SPARE_MAX  256
#define GW_HTTP_SPARE_BODY 4096 /* a kept request keeps a body buffer up to this size */

struct gw_req {
  struct gw_http *h;
  struct MHD_Connection *conn;
  const struct gw_route *route;
  const char *method, *path; /* borrowed from MHD for the life of the request */
  char id[GW_REQ_ID_MAX + 1];
  char *body; /* owned */
  size_t len, cap;
  long long received_us;
  int early_status; /* a refusal decided before the body: answered without dispatching */
  const char *early_msg;
  int early_now; /* answer early_status on the headers, without reading the body */
  int dispatched, suspended, replied;
  int status;
  struct MHD_Response *resp; /* owned until queued */
  struct gw_stream *stream;  /* the stream replied with, while both live */
  size_t n_headers;
  char *headers[GW_HTTP_HEADERS_MAX][2]; /* owned: name, value */
  struct gw_req *next_spare;             /* in h->spare once completed */
  void *user;                            /* owned through user_free: the token hook's finding */
  void (*user_free)(void *);
};

/* gw_admit.c: admission at accept time. admit: 1 to let sa in. admitted: counts a connection
 * that opened, returns what closed() needs. */
struct gw_admit;
int gw_http__admit_create(struct gw_http *h);
void gw_http__admit_destroy(struct gw_http *h);
int gw_http__admit(struct gw_http *h, const struct sockaddr *sa);
void *gw_http__admitted(struct gw_http *h, const struct sockaddr *sa);
void gw_http__closed(struct gw_http *h, void *entry);

/* gw_conn.c: the deadline on receiving a request. open: a connection started (admission counted
 * in it); returns its socket context, or NULL after shutting it down (out of memory). close: it
 * ended. received: its request is all in. done: its request completed, the next one's deadline
 * starts. */
struct gw_conn;
void *gw_http__conn_open(struct gw_http *h, struct MHD_Connection *conn);
void gw_http__conn_close(struct gw_http *h, void *conn_ctx);
void gw_http__conn_received(struct gw_http *h, struct MHD_Connection *conn);
void gw_http__conn_done(struct gw_http *h, struct MHD_Connection *conn);
/* The sweep timer's callback (arg: the server). */
void gw_http__sweep(void *arg);

/* Runs MHD on the next loop turn: it notices a resumed connection only then. */
void gw_http__kick(struct gw_http *h);
/* Adds Content-Type, Cache-Control, X-Request-Id and the request's headers. AG_OK or AG_ENOMEM. */
int gw_http__decorate(struct gw_req *r, struct MHD_Response *resp, const char *content_type);
/* Takes resp as r's reply and resumes r when it was suspended. */
void gw_http__replied(struct gw_req *r, int status, struct MHD_Response *resp);
/* The connection of a streamed request completed: the stream loses it. */
void gw_stream__detach(struct gw_stream *s);
/* Ends every stream before the daemon stops. */
void gw_stream__end_all(struct gw_http *h);

#endif
