/* ag_curl.c: libcurl's multi socket API on the loop adapter (ag_curl.h).
 *
 * libcurl says which sockets to watch and when to call it back; each socket gets an ag_watch
 * (kept as the socket's pointer in curl) and the multi handle one ag_timer. Whatever fired,
 * curl_multi_socket_action() runs and the finished transfers are collected at once. A finished
 * transfer's callback runs from there: always on the loop, never inside ag_curl_get(), which
 * only adds the handle (libcurl's first timer callback asks for a timeout, not a call).
 */
#include "lib/ag_curl.h"
#include "lib/ag.h"
#include "lib/ag_loop.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

struct req {
  struct req *prev, *next; /* the client's requests in flight */
  struct ag_curl *c;
  CURL *easy;
  ag_curl_done done;
  void *arg;
  char *body; /* owned: max_reply + 1 bytes */
  size_t len;
  long long start_us;
};

struct ag_curl {
  struct event_base *base;
  CURLM *multi;
  struct ag_timer *timer;
  struct ag_curl_config cfg;
  size_t in_flight;
  struct req *head; /* in flight */
  unsigned long long connects;
  int destroying;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
  struct req *r = userdata;
  size_t n = size * nmemb, room = r->c->cfg.max_reply - r->len;

  memcpy(r->body + r->len, ptr, n < room ? n : room);
  r->len += n < room ? n : room;
  r->body[r->len] = '\0';
  return n;
}

static void finish(struct ag_curl *c, struct req *r, CURLcode code, int rc)
{
  struct ag_curl_result res = {.rc = rc, .curl_code = (int)code, .body = r->body, .len = r->len};
  long connects = 0;

  curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &res.status);
  curl_easy_getinfo(r->easy, CURLINFO_NUM_CONNECTS, &connects);
  c->connects += (unsigned long long)connects;
  if (rc == AG_OK && code != CURLE_OK) {
    res.rc = code == CURLE_OPERATION_TIMEDOUT ? AG_ETIMEDOUT : AG_EIO;
    res.status = 0;
  }
  res.seconds = (double)(ag_mono_us() - r->start_us) / 1e6;
  curl_multi_remove_handle(c->multi, r->easy);
  curl_easy_cleanup(r->easy);
  c->in_flight--;
  if (r->prev)
    r->prev->next = r->next;
  else
    c->head = r->next;
  if (r->next)
    r->next->prev = r->prev;
  r->done(r->arg, &res);
  free(r->body);
  free(r);
}

static void collect(struct ag_curl *c)
{
  CURLMsg *msg;
  int left;

  while ((msg = curl_multi_info_read(c->multi, &left))) {
    struct req *r = NULL;
    if (msg->msg != CURLMSG_DONE)
      continue;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
    finish(c, r, msg->data.result, AG_OK);
  }
}

static void on_socket_event(void *arg, int fd, unsigned fired)
{
  struct ag_curl *c = arg;
  int running, ev = (fired & AG_WATCH_READ ? CURL_CSELECT_IN : 0) |
                    (fired & AG_WATCH_WRITE ? CURL_CSELECT_OUT : 0);

  curl_multi_socket_action(c->multi, fd, ev, &running);
  collect(c);
}

static void on_timer(void *arg)
{
  struct ag_curl *c = arg;
  int running;

  curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  collect(c);
}

/* CURLMOPT_SOCKETFUNCTION: the interest of s changed. */
static int socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
  struct ag_curl *c = userp;
  struct ag_watch *w = socketp;
  unsigned want = (what == CURL_POLL_IN || what == CURL_POLL_INOUT ? AG_WATCH_READ : 0) |
                  (what == CURL_POLL_OUT || what == CURL_POLL_INOUT ? AG_WATCH_WRITE : 0);

  (void)easy;
  if (what == CURL_POLL_REMOVE) {
    ag_watch_destroy(w);
    curl_multi_assign(c->multi, s, NULL);
    return 0;
  }
  if (!w) {
    w = ag_watch_create(c->base, (int)s, want, on_socket_event, c);
    if (!w)
      return -1;
    curl_multi_assign(c->multi, s, w);
    return 0;
  }
  return ag_watch_set(w, want) == AG_OK ? 0 : -1;
}

/* CURLMOPT_TIMERFUNCTION: -1 stops the timer, else it fires in ms. */
static int timer_cb(CURLM *multi, long ms, void *userp)
{
  struct ag_curl *c = userp;

  (void)multi;
  if (ms < 0) {
    ag_timer_stop(c->timer);
    return 0;
  }
  return ag_timer_start(c->timer, ms) == AG_OK ? 0 : -1;
}

struct ag_curl *ag_curl_create(struct event_base *base, const struct ag_curl_config *cfg)
{
  static int global_done;
  struct ag_curl *c;

  if (!global_done) {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
      return NULL;
    global_done = 1;
  }
  c = calloc(1, sizeof(*c));
  if (!c)
    return NULL;
  c->base = base;
  c->cfg = *cfg;
  if (c->cfg.connect_timeout_ms <= 0)
    c->cfg.connect_timeout_ms = 2000;
  if (c->cfg.total_timeout_ms <= 0)
    c->cfg.total_timeout_ms = 10000;
  if (c->cfg.max_in_flight == 0)
    c->cfg.max_in_flight = 64;
  if (c->cfg.max_host_connections == 0)
    c->cfg.max_host_connections = c->cfg.max_in_flight;
  if (c->cfg.max_reply == 0)
    c->cfg.max_reply = 4096;
  c->multi = curl_multi_init();
  c->timer = ag_timer_create(base, on_timer, c);
  if (!c->multi || !c->timer) {
    ag_curl_destroy(c);
    return NULL;
  }
  curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
  curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
  curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
  curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
  curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)c->cfg.max_host_connections);
  curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)c->cfg.max_host_connections);
  return c;
}

int ag_curl_get(struct ag_curl *c, const char *url, ag_curl_done done, void *arg)
{
  struct req *r;

  if (!url || !done || c->destroying)
    return AG_EINVAL;
  if (c->in_flight >= c->cfg.max_in_flight)
    return AG_E2BIG;
  r = calloc(1, sizeof(*r));
  if (!r)
    return AG_ENOMEM;
  *r = (struct req){.c = c, .done = done, .arg = arg, .start_us = ag_mono_us()};
  r->body = malloc(c->cfg.max_reply + 1);
  r->easy = curl_easy_init();
  if (!r->body || !r->easy) {
    if (r->easy)
      curl_easy_cleanup(r->easy);
    free(r->body);
    free(r);
    return AG_ENOMEM;
  }
  r->body[0] = '\0';
  curl_easy_setopt(r->easy, CURLOPT_URL, url);
  curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
  curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
  curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS, c->cfg.connect_timeout_ms);
  curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, c->cfg.total_timeout_ms);
  curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(r->easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http,https");
  if (curl_multi_add_handle(c->multi, r->easy) != CURLM_OK) {
    curl_easy_cleanup(r->easy);
    free(r->body);
    free(r);
    return AG_ENOMEM;
  }
  c->in_flight++;
  r->next = c->head;
  if (c->head)
    c->head->prev = r;
  c->head = r;
  return AG_OK;
}

void ag_curl_destroy(struct ag_curl *c)
{
  if (!c)
    return;
  c->destroying = 1;
  while (c->head)
    finish(c, c->head, CURLE_ABORTED_BY_CALLBACK, AG_ECANCELED);
  if (c->multi) {
    curl_multi_cleanup(c->multi); /* closes the cached connections: CURL_POLL_REMOVE each */
  }
  ag_timer_destroy(c->timer);
  free(c);
}

size_t ag_curl_in_flight(const struct ag_curl *c)
{
  return c->in_flight;
}

unsigned long long ag_curl_connects(const struct ag_curl *c)
{
  return c->connects;
}
