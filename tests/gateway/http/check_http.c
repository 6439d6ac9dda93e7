/* check_http.c: gw_http on a real libevent loop on 127.0.0.1, driven with libcurl and raw
 * sockets over loopback: routing (exact, longest prefix, 404, 405), the auth switch (carrier
 * allow lists, the token hook), request accessors and ids, reply body modes, a suspended request
 * replied later, Server-Sent Events received by a client, the bound on streams, and a client
 * that never reads being dropped while the server's memory for it stays bounded.
 *
 * The loop runs in a thread of its own and is the only one to touch the server; the test's
 * thread only talks HTTP to it. A pipe stops the loop (libevent needs no thread support then).
 */
#include "gateway/http/gw_http.h"
#include "lib/ag.h"
#include "tests/support/ag_check.h"
#include "lib/ag_ipnet.h"
#include "lib/ag_log.h"

#include <arpa/inet.h>
#include <check.h>
#include <curl/curl.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define STREAM_BUFFER 16384

static struct event_base *base;
static struct gw_http *http;
static pthread_t loop_thread;
static int stop_pipe[2];
static struct event *ev_stop;
static struct ag_iplist allow_local, allow_other;

/* What the loop thread reports; read by the test thread after the HTTP exchange that set it. */
static struct gw_stream *held; /* the /hold stream while it is open */
static volatile int ended, firehose_dropped;
static volatile size_t firehose_written;

static char *dup_str(const char *s)
{
  size_t n = strlen(s);
  char *p = malloc(n + 1);

  ck_assert_ptr_nonnull(p);
  memcpy(p, s, n + 1);
  return p;
}

static int reply_text(struct gw_req *req, const char *text)
{
  return gw_req_reply(req, 200, "text/plain", text, strlen(text), GW_BODY_COPY);
}

static int h_static(void *ctx, struct gw_req *req)
{
  return gw_req_reply(req, 200, "text/plain", ctx, strlen(ctx), GW_BODY_STATIC);
}

/* Replies "<ctx> <path>": which route took the request. */
static int h_which(void *ctx, struct gw_req *req)
{
  char body[256];

  snprintf(body, sizeof(body), "%s %s", (const char *)ctx, gw_req_path(req));
  return reply_text(req, body);
}

static int h_echo(void *ctx, struct gw_req *req)
{
  const char *hdr = gw_req_header(req, "x-test"), *q = gw_req_query(req, "q");
  char body[1024], peer[64];
  size_t len;
  const char *in = gw_req_body(req, &len);

  (void)ctx;
  ck_assert_int_eq(gw_req_add_header(req, "X-Echo", "yes"), AG_OK);
  snprintf(body, sizeof(body), "method=%s header=%s q=%s peer=%s id=%s at=%lld body=%.*s",
           gw_req_method(req), hdr ? hdr : "-", q ? q : "-", gw_req_peer(req, peer, sizeof(peer)),
           gw_req_id(req), gw_req_received_us(req), (int)len, in);
  return gw_req_reply(req, 200, "text/plain", dup_str(body), strlen(body), GW_BODY_TAKE);
}

static void later_cb(evutil_socket_t fd, short what, void *arg)
{
  struct gw_req *req = arg;

  (void)fd;
  (void)what;
  ck_assert_int_eq(gw_req_is_suspended(req), 1);
  gw_req_reply(req, 202, "text/plain", dup_str("later"), 5, GW_BODY_TAKE);
}

/* Suspends and replies 50 ms later from a timer, as a hop waiting for its commit does. */
static int h_later(void *ctx, struct gw_req *req)
{
  struct timeval tv = {0, 50000};

  (void)ctx;
  gw_req_suspend(req);
  ck_assert_int_eq(event_base_once(base, -1, EV_TIMEOUT, later_cb, req, &tv), 0);
  return AG_AGAIN;
}

static void on_end(void *arg, struct gw_stream *s)
{
  (void)arg;
  if (s == held)
    held = NULL;
  ended++;
}

struct events {
  struct gw_stream *s;
  struct event *ev;
  int n;
};

static void events_tick(evutil_socket_t fd, short what, void *arg)
{
  struct events *e = arg;
  char line[32];
  int n = snprintf(line, sizeof(line), "data: %d\n\n", e->n);

  (void)fd;
  (void)what;
  ck_assert_int_eq(gw_stream_write(e->s, line, (size_t)n), AG_OK);
  if (++e->n == 3) {
    gw_stream_close(e->s);
    ck_assert_int_eq(gw_stream_write(e->s, "x", 1), AG_ESTATE);
    event_free(e->ev);
    free(e);
  }
}

/* Three events 20 ms apart, then the end of the stream. */
static int h_events(void *ctx, struct gw_req *req)
{
  struct timeval tv = {0, 20000};
  struct events *e = calloc(1, sizeof(*e));

  (void)ctx;
  ck_assert_ptr_nonnull(e);
  e->s = gw_req_stream(req, 200, "text/event-stream", on_end, NULL);
  if (!e->s) {
    free(e);
    return gw_req_reply(req, 503, "text/plain", "busy\n", 5, GW_BODY_STATIC);
  }
  e->ev = event_new(base, -1, EV_PERSIST, events_tick, e);
  event_add(e->ev, &tv);
  return AG_OK;
}

/* A stream that waits for /release. */
static int h_hold(void *ctx, struct gw_req *req)
{
  (void)ctx;
  held = gw_req_stream(req, 200, "text/event-stream", on_end, NULL);
  ck_assert_ptr_nonnull(held);
  return AG_OK;
}

static int h_release(void *ctx, struct gw_req *req)
{
  (void)ctx;
  if (held)
    gw_stream_close(held);
  return reply_text(req, "released");
}

static int h_streams(void *ctx, struct gw_req *req)
{
  char body[32];

  (void)ctx;
  snprintf(body, sizeof(body), "%zu", gw_http_streams(http));
  return reply_text(req, body);
}

struct firehose {
  struct gw_stream *s;
  struct event *ev;
};

static void firehose_end(void *arg, struct gw_stream *s)
{
  struct firehose *f = arg;

  (void)s;
  event_free(f->ev);
  free(f);
  ended++;
}

/* Writes 8 KiB a millisecond, half the stream's buffer, so that the buffer only fills when the
 * client stops taking what MHD sends; until the stream refuses a write. */
static void firehose_tick(evutil_socket_t fd, short what, void *arg)
{
  struct firehose *f = arg;
  char chunk[1024];

  (void)fd;
  (void)what;
  memset(chunk, 'x', sizeof(chunk));
  for (int i = 0; i < 8 && !firehose_dropped; i++) {
    int rc = gw_stream_write(f->s, chunk, sizeof(chunk));
    if (rc == AG_E2BIG) {
      firehose_dropped = 1;
      ck_assert_int_eq(gw_stream_write(f->s, chunk, 1), AG_ESTATE);
    } else {
      ck_assert_int_eq(rc, AG_OK);
      firehose_written += sizeof(chunk);
    }
  }
  if (firehose_dropped)
    event_del(f->ev);
}

static int h_firehose(void *ctx, struct gw_req *req)
{
  struct timeval tv = {0, 1000};
  struct firehose *f = calloc(1, sizeof(*f));

  (void)ctx;
  ck_assert_ptr_nonnull(f);
  f->ev = event_new(base, -1, EV_PERSIST, firehose_tick, f);
  f->s = gw_req_stream(req, 200, "text/event-stream", firehose_end, f);
  ck_assert_ptr_nonnull(f->s);
  event_add(f->ev, &tv);
  return AG_OK;
}

/* AG_OK for "Bearer admin" on an admin route, AG_EDENIED for any other bearer token. */
static int token_check(void *arg, struct gw_req *req, enum gw_role role, const char **why)
{
  const char *auth = gw_req_header(req, "Authorization");

  (void)arg;
  (void)why;
  if (!auth || strncmp(auth, "Bearer ", 7) != 0)
    return AG_ENOTFOUND;
  return strcmp(auth + 7, "admin") == 0 && role == GW_ROLE_ADMIN ? AG_OK : AG_EDENIED;
}

static const struct gw_route routes[] = {
    {"GET", "/exact", GW_MATCH_EXACT, GW_AUTH_NONE, 0, NULL, h_static, "exact"},
    {"POST", "/exact", GW_MATCH_EXACT, GW_AUTH_NONE, 0, NULL, h_static, "posted"},
    {"GET", "/api", GW_MATCH_PREFIX, GW_AUTH_NONE, 0, NULL, h_which, "api"},
    {"GET", "/api/v1", GW_MATCH_PREFIX, GW_AUTH_NONE, 0, NULL, h_which, "v1"},
    {"GET", "/api/v1/exact", GW_MATCH_EXACT, GW_AUTH_NONE, 0, NULL, h_which, "v1exact"},
    {"POST", "/api/v1/post", GW_MATCH_PREFIX, GW_AUTH_NONE, 0, NULL, h_which, "v1post"},
    {"GET", "/echo", GW_MATCH_EXACT, GW_AUTH_NONE, 0, NULL, h_echo, NULL},
    {"POST", "/echo", GW_MATCH_EXACT, GW_AUTH_NONE, 0, NULL, h_echo, NULL},
    {"GET", "/later", GW_MATCH_EXACT, GW_AUTH_NONE, 0, NULL, h_later, NULL},
    {"GET", "/events", GW_MATCH_EXACT, GW_AUTH_NONE, 0, NULL, h_events, NULL},
    {"GET", "/hold", GW_MATCH_EXACT, GW_AUTH_NONE, 0, NULL, h_hold, NULL},
    {"GET", "/release", GW_MATCH_EXACT, GW_AUTH_NONE, 0, NULL, h_release, NULL},
    {"GET", "/streams", GW_MATCH_EXACT, GW_AUTH_NONE, 0, NULL, h_streams, NULL},
    {"GET", "/firehose", GW_MATCH_EXACT, GW_AUTH_NONE, 0, NULL, h_firehose, NULL},
    {"POST", "/carrier/local", GW_MATCH_EXACT, GW_AUTH_CARRIER, 0, &allow_local, h_static, "in"},
    {"POST", "/carrier/other", GW_MATCH_EXACT, GW_AUTH_CARRIER, 0, &allow_other, h_static, "in"},
    {"GET", "/admin", GW_MATCH_PREFIX, GW_AUTH_TOKEN, GW_ROLE_ADMIN, NULL, h_static, "admin"},
    {"GET", "/school", GW_MATCH_PREFIX, GW_AUTH_TOKEN, GW_ROLE_SCHOOL, NULL, h_static, "school"},
};

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
  (void)fd;
  (void)what;
  (void)arg;
  event_base_loopbreak(base);
}

static void *loop_main(void *arg)
{
  (void)arg;
  event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY);
  return NULL;
}

/* An address this test trusts as a carrier's: set per test (none by default). */
static const char *trusted_ip;

static int trust(void *arg, const struct sockaddr *sa)
{
  char ip[64] = "";

  (void)arg;
  if (sa->sa_family == AF_INET)
    inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, ip, sizeof(ip));
  return trusted_ip && strcmp(ip, trusted_ip) == 0;
}

/* The request deadline of the next server started: 0 (none) but in the deadline fixture. */
static unsigned request_timeout_s;

static void start_with(int with_token_hook, unsigned per_ip, unsigned reserved)
{
  struct gw_http_config cfg = {.host = "127.0.0.1",
                               .max_body = 4096,
                               .max_connections = 64,
                               .connection_timeout_s = 5,
                               .request_timeout_s = request_timeout_s,
                               .max_streams = 1,
                               .stream_buffer = STREAM_BUFFER,
                               .per_ip = per_ip,
                               .reserved = reserved,
                               .trusted = trust};
  char err[256];

  ag_log_set_level(AG_LOG_ERROR);
  ck_assert_int_eq(ag_iplist_parse("127.0.0.1,::1", &allow_local), AG_OK);
  ck_assert_int_eq(ag_iplist_parse("10.0.0.0/8", &allow_other), AG_OK);
  base = event_base_new();
  ck_assert_ptr_nonnull(base);
  http = gw_http_create(base, &cfg, routes, AG_ARRAY_LEN(routes), err, sizeof(err));
  ck_assert_msg(http != NULL, "%s", err);
  if (with_token_hook)
    gw_http_set_token(http, token_check, NULL);
  ck_assert_int_eq(pipe(stop_pipe), 0);
  ev_stop = event_new(base, stop_pipe[0], EV_READ, on_stop, NULL);
  event_add(ev_stop, NULL);
  ck_assert_int_eq(pthread_create(&loop_thread, NULL, loop_main, NULL), 0);
}

static void setup(void)
{
  start_with(1, 0, 0);
}

static void setup_no_hook(void)
{
  start_with(0, 0, 0);
}

/* At most 3 connections per untrusted address, and 60 of the 64 slots kept for the trusted. */
static void setup_admission(void)
{
  start_with(1, 3, 60);
}

/* A whole request within 1 s; the idle timeout (5 s) alone would let a trickle through. */
static void setup_deadline(void)
{
  request_timeout_s = 1;
  start_with(1, 0, 0);
}

static void teardown(void)
{
  request_timeout_s = 0;
  ck_assert_int_eq(write(stop_pipe[1], "x", 1), 1);
  pthread_join(loop_thread, NULL);
  gw_http_destroy(http);
  event_free(ev_stop);
  event_base_free(base);
  close(stop_pipe[0]);
  close(stop_pipe[1]);
}

struct buf {
  char data[8192];
  size_t len;
  long long first_us; /* when the first bytes came */
};

static size_t collect(char *p, size_t size, size_t n, void *arg)
{
  struct buf *b = arg;
  size_t k = size * n;

  if (b->len == 0)
    b->first_us = ag_now_us();
  if (k > sizeof(b->data) - 1 - b->len)
    k = sizeof(b->data) - 1 - b->len;
  memcpy(b->data + b->len, p, k);
  b->len += k;
  b->data[b->len] = '\0';
  return size * n;
}

/* One request; returns the status, the body in out and the response headers in hdrs. */
static long request(const char *method, const char *path, const char *header, const char *body,
                    struct buf *out, struct buf *hdrs)
{
  CURL *c = curl_easy_init();
  struct curl_slist *list = header ? curl_slist_append(NULL, header) : NULL;
  char url[512];
  long status = 0;

  snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", gw_http_port(http), path);
  out->len = hdrs->len = 0;
  out->data[0] = hdrs->data[0] = '\0';
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  if (body)
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, hdrs);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
  ck_assert_int_eq(curl_easy_perform(c), CURLE_OK);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(list);
  curl_easy_cleanup(c);
  return status;
}

static const char *get_body(const char *path, long want_status)
{
  static struct buf out, hdrs;

  ck_assert_int_eq(request("GET", path, NULL, NULL, &out, &hdrs), want_status);
  return out.data;
}

#define ck_assert_has(haystack, needle)                                                            \
  ck_assert_msg(strstr((haystack), (needle)) != NULL, "\"%s\" lacks \"%s\"", (haystack), (needle))

START_TEST(test_http_routing)
{
  struct buf out, hdrs;

  ck_assert_str_eq(get_body("/exact", 200), "exact");
  ck_assert_int_eq(request("POST", "/exact", NULL, "a=1", &out, &hdrs), 200);
  ck_assert_str_eq(out.data, "posted");
  ck_assert_str_eq(get_body("/api", 200), "api /api");
  ck_assert_str_eq(get_body("/api/x/y", 200), "api /api/x/y");
  ck_assert_str_eq(get_body("/api/v1", 200), "v1 /api/v1"); /* longest prefix */
  ck_assert_str_eq(get_body("/api/v1/users/7", 200), "v1 /api/v1/users/7");
  ck_assert_str_eq(get_body("/api/v1/exact", 200), "v1exact /api/v1/exact");
  ck_assert_str_eq(get_body("/api/v1/exact/more", 200), "v1 /api/v1/exact/more");
  ck_assert_str_eq(get_body("/api/v10", 200), "api /api/v10"); /* a prefix ends at a '/' */
  ck_assert_has(get_body("/apix", 404), "not found");
  ck_assert_has(get_body("/exact/more", 404), "not found");
  ck_assert_has(get_body("/", 404), "not found");
  ck_assert_int_eq(request("DELETE", "/exact", NULL, NULL, &out, &hdrs), 405);
  ck_assert_has(out.data, "method not allowed");
  /* The longest path decides: /api/v1/post is POST only, even though GET /api/v1 is a prefix. */
  ck_assert_int_eq(request("GET", "/api/v1/post/1", NULL, NULL, &out, &hdrs), 405);
  ck_assert_int_eq(request("POST", "/api/v1/post/1", NULL, "", &out, &hdrs), 200);
  ck_assert_str_eq(out.data, "v1post /api/v1/post/1");
}
END_TEST

START_TEST(test_http_accessors)
{
  struct buf out, hdrs;
  long long before = ag_now_us(), at;
  const char *p;

  ck_assert_int_eq(
      request("POST", "/echo?q=hello%20there&x=1", "X-Test: yes it is", "a=1&b=2", &out, &hdrs),
      200);
  ck_assert_has(out.data, "method=POST header=yes it is q=hello there peer=127.0.0.1 id=");
  ck_assert_has(out.data, " body=a=1&b=2");
  p = strstr(out.data, " at=");
  ck_assert_ptr_nonnull(p);
  at = strtoll(p + 4, NULL, 10);
  ck_assert_msg(at >= before && at <= ag_now_us(), "received at %lld", at);
  ck_assert_has(hdrs.data, "X-Echo: yes\r\n");
  ck_assert_has(hdrs.data, "Content-Type: text/plain\r\n");
  /* A POST's reply cannot be cached anyway: no Cache-Control (three allocations saved a hop). */
  ck_assert_ptr_null(strstr(hdrs.data, "Cache-Control"));
  ck_assert_int_eq(request("GET", "/echo", NULL, NULL, &out, &hdrs), 200);
  ck_assert_has(out.data, "method=GET header=- q=- ");
  ck_assert_has(hdrs.data, "Cache-Control: no-store\r\n");
}
END_TEST

/* The id from the X-Request-Id header of hdrs, which must be in the body too. */
static void id_of(const struct buf *out, const struct buf *hdrs, char *id, size_t len)
{
  const char *p = strstr(hdrs->data, "X-Request-Id: ");
  char in_body[128];

  ck_assert_ptr_nonnull(p);
  ck_assert_int_eq(sscanf(p + 14, "%63[^\r]", id), 1);
  ck_assert_uint_lt(strlen(id), len);
  snprintf(in_body, sizeof(in_body), "id=%s ", id);
  ck_assert_has(out->data, in_body);
}

START_TEST(test_http_request_ids)
{
  struct buf out, hdrs;
  char a[64], b[64], c[64];

  ck_assert_int_eq(request("GET", "/echo", NULL, NULL, &out, &hdrs), 200);
  id_of(&out, &hdrs, a, sizeof(a));
  ck_assert_int_eq(request("GET", "/echo", NULL, NULL, &out, &hdrs), 200);
  id_of(&out, &hdrs, b, sizeof(b));
  ck_assert_uint_eq(strlen(a), 16);
  ck_assert_uint_eq(strspn(a, "0123456789abcdef"), 16);
  ck_assert_str_ne(a, b);
  ck_assert_int_eq(strncmp(a, b, 8), 0); /* one random prefix per server, then a counter */
  ck_assert_int_eq(request("GET", "/echo", "X-Request-Id: carrier-42.a_b", NULL, &out, &hdrs), 200);
  id_of(&out, &hdrs, c, sizeof(c));
  ck_assert_str_eq(c, "carrier-42.a_b"); /* a well-formed id of the caller is kept */
  ck_assert_int_eq(request("GET", "/echo", "X-Request-Id: bad id!", NULL, &out, &hdrs), 200);
  id_of(&out, &hdrs, c, sizeof(c));
  ck_assert_uint_eq(strlen(c), 16); /* a malformed one is replaced */
  /* Refusals carry an id too. */
  ck_assert_int_eq(request("GET", "/nowhere", NULL, NULL, &out, &hdrs), 404);
  ck_assert_has(hdrs.data, "X-Request-Id: ");
}
END_TEST

START_TEST(test_http_auth)
{
  struct buf out, hdrs;

  ck_assert_int_eq(request("POST", "/carrier/local", NULL, "x", &out, &hdrs), 200);
  ck_assert_int_eq(request("POST", "/carrier/other", NULL, "x", &out, &hdrs), 403);
  ck_assert_has(out.data, "caller not on the carrier allow-list");
  ck_assert_int_eq(request("GET", "/admin/x", NULL, NULL, &out, &hdrs), 401);
  ck_assert_int_eq(request("GET", "/admin/x", "Authorization: Bearer nobody", NULL, &out, &hdrs),
                   403);
  ck_assert_int_eq(request("GET", "/admin/x", "Authorization: Bearer admin", NULL, &out, &hdrs),
                   200);
  ck_assert_str_eq(out.data, "admin");
  /* The hook is told the route's role: the admin token is no school token. */
  ck_assert_int_eq(request("GET", "/school", "Authorization: Bearer admin", NULL, &out, &hdrs),
                   403);
}
END_TEST

/* No token check installed (issue 10 not there yet): a token route is closed, never open. */
START_TEST(test_http_token_without_hook)
{
  struct buf out, hdrs;

  ck_assert_int_eq(request("GET", "/admin", "Authorization: Bearer admin", NULL, &out, &hdrs), 401);
  ck_assert_has(out.data, "token missing or invalid");
  ck_assert_str_eq(get_body("/exact", 200), "exact");
}
END_TEST

START_TEST(test_http_suspended_reply)
{
  struct buf out, hdrs;
  long long t0 = ag_now_us();

  ck_assert_int_eq(request("GET", "/later", NULL, NULL, &out, &hdrs), 202);
  ck_assert_str_eq(out.data, "later");
  ck_assert_int_ge(ag_now_us() - t0, 50000);
  ck_assert_has(hdrs.data, "X-Request-Id: ");
}
END_TEST

START_TEST(test_http_sse_stream)
{
  struct buf out, hdrs;

  ck_assert_int_eq(request("GET", "/events", NULL, NULL, &out, &hdrs), 200);
  ck_assert_str_eq(out.data, "data: 0\n\ndata: 1\n\ndata: 2\n\n");
  /* Each event went out when written (20 ms apart), not all at the end. */
  ck_assert_msg(ag_now_us() - out.first_us >= 30000, "first event only %lld us before the end",
                ag_now_us() - out.first_us);
  ck_assert_has(hdrs.data, "Content-Type: text/event-stream\r\n");
  ck_assert_has(hdrs.data, "X-Request-Id: ");
  ck_assert_str_eq(get_body("/streams", 200), "0");
  ck_assert_int_eq(ended, 1);
}
END_TEST

/* A raw client: connects with a small receive buffer and sends a GET; returns the socket. */
static int raw_get(const char *path)
{
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)gw_http_port(http))};
  int fd = socket(AF_INET, SOCK_STREAM, 0), small = 2048;
  char req[256];
  int n = snprintf(req, sizeof(req),
                   "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);

  ck_assert_int_ge(fd, 0);
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  ck_assert_int_eq(write(fd, req, (size_t)n), n);
  return fd;
}

/* Sends req on a new connection and returns everything the server wrote until it closed. */
static void raw_exchange(const char *req, char *got, size_t cap)
{
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)gw_http_port(http))};
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  size_t len = 0;
  ssize_t n;

  ck_assert_int_ge(fd, 0);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
  while (len < cap - 1 && (n = read(fd, got + len, cap - 1 - len)) > 0)
    len += (size_t)n;
  got[len] = '\0';
  close(fd);
}

/* A body framed two ways is a smuggling attempt: 400 with the reason, the handler never runs. */
START_TEST(test_http_double_framing_refused)
{
  char got[4096];

  raw_exchange("POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 3\r\n"
               "Content-Length: 7\r\n\r\na=1b=22",
               got, sizeof(got));
  ck_assert_has(got, "HTTP/1.1 400");
  ck_assert_has(got, "more than one Content-Length");
  ck_assert_ptr_null(strstr(got, "method=POST"));
  raw_exchange("POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 3\r\n"
               "Transfer-Encoding: chunked\r\n\r\n3\r\na=1\r\n0\r\n\r\n",
               got, sizeof(got));
  ck_assert_has(got, "HTTP/1.1 400");
  ck_assert_ptr_null(strstr(got, "method=POST"));
  /* One framing is served as before. */
  raw_exchange("POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 3\r\n"
               "\r\na=1",
               got, sizeof(got));
  ck_assert_has(got, "HTTP/1.1 200");
  ck_assert_has(got, "method=POST");
}
END_TEST

/* An idle connection: connected, nothing sent. */
static int idle_connection(void)
{
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)gw_http_port(http))};
  int fd = socket(AF_INET, SOCK_STREAM, 0);

  ck_assert_int_ge(fd, 0);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  return fd;
}

/* 1 when the server closed fd at once (refused at accept time), 0 when it stays open. */
static int closed_at_once(int fd)
{
  struct pollfd p = {.fd = fd, .events = POLLIN};
  char c;

  if (poll(&p, 1, 1000) <= 0)
    return 0;
  return read(fd, &c, 1) <= 0;
}

/* Idle connections cannot take every slot: an untrusted address holds at most per_ip of them and
 * none of the reserved slots; a trusted (carrier's) address is let in regardless. */
START_TEST(test_http_admission)
{
  int fds[8], n = 0;
  struct buf out, hdrs;

  trusted_ip = NULL;
  /* 64 slots, 60 reserved: an untrusted address gets 3 (the per-address limit binds first). */
  for (; n < 3; n++)
    fds[n] = idle_connection();
  for (int i = 0; i < 3; i++)
    ck_assert_msg(!closed_at_once(fds[i]), "connection %d refused", i);
  fds[n] = idle_connection();
  ck_assert_msg(closed_at_once(fds[n]), "a fourth idle connection was let in");
  close(fds[n]);
  ck_assert_uint_ge(gw_http_refused(http), 1);
  /* The same address, trusted as a carrier's: let in past both limits. */
  trusted_ip = "127.0.0.1";
  for (n = 3; n < 8; n++) {
    fds[n] = idle_connection();
    ck_assert_msg(!closed_at_once(fds[n]), "a carrier's connection %d refused", n);
  }
  ck_assert_int_eq(request("GET", "/echo", NULL, NULL, &out, &hdrs), 200);
  /* Eight open: 8 + 60 reserved > 64, so an untrusted address gets nothing more, whatever its
   * own count (its three are closed first). */
  for (int i = 0; i < 3; i++)
    close(fds[i]);
  usleep(200000); /* the server sees them close: the address's own count is back to 0 */
  for (int i = 0; i < 3; i++)
    fds[i] = idle_connection(); /* trusted still: keeps eight open */
  trusted_ip = NULL;
  n = idle_connection();
  ck_assert_msg(closed_at_once(n), "an untrusted connection took a reserved slot");
  close(n);
  for (int i = 0; i < 8; i++)
    close(fds[i]);
  /* Untrusted again: once the server has seen its connections close, it is let in again. */
  trusted_ip = NULL;
  for (int i = 0, open = 0; !open; i++) {
    int fd = idle_connection();
    ck_assert_msg(i < 50, "never let in again after its connections closed");
    open = !closed_at_once(fd);
    close(fd);
    if (!open)
      usleep(20000);
  }
  ck_assert_int_eq(request("GET", "/echo", NULL, NULL, &out, &hdrs), 200);
}
END_TEST

/* Sends text on fd one byte every gap_ms until the server closes the connection or stop_ms
 * pass. Returns when the server closed it (ms since the first byte), or -1 if it never did. */
static long trickle(int fd, const char *text, long gap_ms, long stop_ms)
{
  long long t0 = ag_now_us();
  size_t i = 0, len = strlen(text);

  while ((ag_now_us() - t0) / 1000 < stop_ms) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    char c;
    if (poll(&p, 1, (int)gap_ms) > 0 && read(fd, &c, 1) <= 0)
      return (long)((ag_now_us() - t0) / 1000);
    if (send(fd, &text[i % len], 1, MSG_NOSIGNAL) != 1)
      return (long)((ag_now_us() - t0) / 1000);
    i++;
  }
  return -1;
}

/* A client that trickles its headers, or its body, a byte at a time never goes idle, yet must
 * not hold its slot: it is cut off once request_timeout_s has passed since it connected. */
START_TEST(test_http_request_deadline)
{
  const char *get =
      "GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  const char *post = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 200\r\n\r\n";
  char got[4096];
  long ms;
  int fd;

  fd = idle_connection();
  ms = trickle(fd, get, 200, 4000);
  close(fd);
  ck_assert_msg(ms >= 900 && ms <= 2500, "headers trickled for %ld ms (-1: never cut off)", ms);
  /* The body, after headers that came at once. */
  fd = idle_connection();
  ck_assert_int_eq(send(fd, post, strlen(post), MSG_NOSIGNAL), (ssize_t)strlen(post));
  ms = trickle(fd, "a", 200, 4000);
  close(fd);
  ck_assert_msg(ms >= 700 && ms <= 2500, "body trickled for %ld ms (-1: never cut off)", ms);
  ck_assert_uint_ge(gw_http_request_timeouts(http), 2);
  /* A request slower than a burst but whole within the limit is served... */
  fd = idle_connection();
  ck_assert_int_eq(send(fd, "GET /echo HTTP/1.1\r\n", 20, MSG_NOSIGNAL), 20);
  usleep(600000);
  ck_assert_int_eq(send(fd, "Host: x\r\n\r\n", 11, MSG_NOSIGNAL), 11);
  {
    ssize_t n = read(fd, got, sizeof(got) - 1);
    ck_assert_int_gt(n, 0);
    got[n] = '\0';
    ck_assert_has(got, "HTTP/1.1 200");
  }
  /* ...and the deadline starts again for the next request on the same connection: both took
   * over a second together. */
  usleep(200000);
  ck_assert_int_eq(send(fd, "GET /echo HTTP/1.1\r\n", 20, MSG_NOSIGNAL), 20);
  usleep(300000);
  ck_assert_int_eq(send(fd, "Host: x\r\nConnection: close\r\n\r\n", 30, MSG_NOSIGNAL), 30);
  {
    size_t len = 0;
    ssize_t n;
    while (len < sizeof(got) - 1 && (n = read(fd, got + len, sizeof(got) - 1 - len)) > 0)
      len += (size_t)n;
    got[len] = '\0';
    ck_assert_has(got, "HTTP/1.1 200");
  }
  close(fd);
}
END_TEST

/* max_streams is 1: a second stream is refused while one is open, and allowed once it ended. */
START_TEST(test_http_streams_bounded)
{
  int fd = raw_get("/hold");
  char got[4096];
  size_t len = 0;
  ssize_t n;

  for (int i = 0; i < 200 && strcmp(get_body("/streams", 200), "1") != 0; i++)
    usleep(10000);
  ck_assert_str_eq(get_body("/streams", 200), "1");
  ck_assert_str_eq(get_body("/events", 503), "busy\n");
  ck_assert_str_eq(get_body("/release", 200), "released");
  while (len < sizeof(got) - 1 && (n = read(fd, got + len, sizeof(got) - 1 - len)) > 0)
    len += (size_t)n;
  got[len] = '\0';
  ck_assert_has(got, "HTTP/1.1 200");
  ck_assert_has(got, "\r\n0\r\n\r\n"); /* the last chunk: the stream ended cleanly */
  close(fd);
  for (int i = 0; i < 200 && ended == 0; i++)
    usleep(10000);
  ck_assert_int_eq(ended, 1);
  ck_assert_str_eq(get_body("/streams", 200), "0");
  ck_assert_int_eq(request("GET", "/events", NULL, NULL, &(struct buf){0}, &(struct buf){0}), 200);
}
END_TEST

/* A client that never reads: the server keeps writing, the stream's buffer fills, the client is
 * dropped (its connection closed, the stream ended) instead of being buffered without end. */
START_TEST(test_http_slow_client_dropped)
{
  int fd = raw_get("/firehose");
  char sink[65536];
  size_t got = 0;
  ssize_t n;

  for (int i = 0; i < 1000 && !(firehose_dropped && ended); i++)
    usleep(10000);
  ck_assert_msg(firehose_dropped, "never dropped after %zu bytes", (size_t)firehose_written);
  ck_assert_int_eq(ended, 1);
  ck_assert_str_eq(get_body("/streams", 200), "0");
  /* What the server let itself hold for the client is the kernel's socket buffers and one
   * stream buffer: a few MiB on loopback, not the whole firehose. */
  ck_assert_msg(firehose_written < 64u * 1024 * 1024, "wrote %zu before dropping",
                (size_t)firehose_written);
  /* And it was the client not reading, not a burst: MHD had sent far more than one buffer. */
  ck_assert_msg(firehose_written > 4 * STREAM_BUFFER, "dropped after only %zu bytes",
                (size_t)firehose_written);
  /* The client finds its connection closed after what was sent before the drop. */
  while ((n = read(fd, sink, sizeof(sink))) > 0)
    got += (size_t)n;
  ck_assert_uint_le(got, firehose_written + 4096);
  close(fd);
}
END_TEST

/* A carrier route without its allow list would be open to anyone: the server refuses to start. */
START_TEST(test_http_carrier_route_needs_allow_list)
{
  static const struct gw_route bad[] = {
      {"POST", "/ussd/x", GW_MATCH_EXACT, GW_AUTH_CARRIER, 0, NULL, h_static, "x"},
  };
  struct gw_http_config cfg = {
      .host = "127.0.0.1", .max_body = 4096, .max_connections = 4, .connection_timeout_s = 5};
  struct event_base *b = event_base_new();
  char err[256] = "";

  ck_assert_ptr_null(gw_http_create(b, &cfg, bad, 1, err, sizeof(err)));
  ck_assert_str_eq(err, "route POST /ussd/x: carrier auth without an allow list");
  event_base_free(b);
}
END_TEST

static Suite *http_suite(void)
{
  Suite *s = suite_create("http");
  TCase *tc = tcase_create("http");
  TCase *nohook = tcase_create("no_token_hook");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, test_http_routing);
  tcase_add_test(tc, test_http_accessors);
  tcase_add_test(tc, test_http_double_framing_refused);
  tcase_add_test(tc, test_http_request_ids);
  tcase_add_test(tc, test_http_auth);
  tcase_add_test(tc, test_http_suspended_reply);
  tcase_add_test(tc, test_http_sse_stream);
  tcase_add_test(tc, test_http_streams_bounded);
  tcase_add_test(tc, test_http_slow_client_dropped);
  suite_add_tcase(s, tc);
  tcase_add_checked_fixture(nohook, setup_no_hook, teardown);
  tcase_add_test(nohook, test_http_token_without_hook);
  suite_add_tcase(s, nohook);
  tc = tcase_create("admission");
  tcase_add_checked_fixture(tc, setup_admission, teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, test_http_admission);
  suite_add_tcase(s, tc);
  tc = tcase_create("deadline");
  tcase_add_checked_fixture(tc, setup_deadline, teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, test_http_request_deadline);
  suite_add_tcase(s, tc);
  tc = tcase_create("create");
  tcase_add_test(tc, test_http_carrier_route_needs_allow_list);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  static const ag_check_suite_fn suites[] = {http_suite, NULL};
  int rc;

  curl_global_init(CURL_GLOBAL_DEFAULT);
  rc = ag_check_run(suites);
  curl_global_cleanup();
  return rc;
}
