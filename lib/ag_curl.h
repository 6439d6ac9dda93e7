/* ag_curl.h: outbound HTTP on the one event loop, with libcurl's multi socket API.
 *
 * One client holds a curl multi handle whose sockets and timer are watched through the loop
 * adapter (lib/ag_loop: CURLMOPT_SOCKETFUNCTION -> ag_watch_*, CURLMOPT_TIMERFUNCTION ->
 * ag_timer_*), so requests never block the loop and need no thread. Connections are kept alive
 * in the multi handle's cache and reused by later requests to the same host. Every request has
 * a connect timeout and a total timeout; at most max_in_flight run at once, and a request past
 * that is refused at once (AG_E2BIG) rather than queued without bound: the caller (the SMS
 * outbox) holds its own queue in the database.
 *
 * Async contract (lib/ag.h): ag_curl_get() returning AG_OK calls done exactly once, on the loop,
 * never inside the call; ag_curl_destroy() completes what is in flight with AG_ECANCELED.
 */
#ifndef AG_CURL_H
#define AG_CURL_H

#include <stddef.h>

struct event_base;
struct ag_curl;

struct ag_curl_config {
  long connect_timeout_ms;       /* 0: 2000 */
  long total_timeout_ms;         /* 0: 10000 */
  unsigned max_in_flight;        /* 0: 64 */
  unsigned max_host_connections; /* connections to one host, kept alive; 0: max_in_flight */
  size_t max_reply;              /* bytes of a reply body kept (the rest dropped); 0: 4096 */
};

/* The outcome of one request. body is borrowed during the callback, NUL-terminated. */
struct ag_curl_result {
  int rc;        /* AG_OK (a reply came: status), AG_ETIMEDOUT, AG_EIO (connect, reset...),
                    AG_ECANCELED (destroyed) */
  long status;   /* the HTTP status; 0 without a reply */
  int curl_code; /* CURLcode: why it failed; 0 on AG_OK */
  const char *body;
  size_t len;
  double seconds; /* from the call to the end */
};
typedef void (*ag_curl_done)(void *arg, const struct ag_curl_result *r);

/* Returns a new client (free with ag_curl_destroy()), or NULL when out of memory. base and cfg
 * are borrowed during the call (base: for the life of the client). */
struct ag_curl *ag_curl_create(struct event_base *base, const struct ag_curl_config *cfg);
/* Completes every request in flight with AG_ECANCELED, closes the connections. */
void ag_curl_destroy(struct ag_curl *c);

/* Starts a GET of url (copied). Returns AG_OK (done will run once), AG_E2BIG when max_in_flight
 * requests are in flight, AG_ENOMEM, AG_EINVAL. */
int ag_curl_get(struct ag_curl *c, const char *url, ag_curl_done done, void *arg);

size_t ag_curl_in_flight(const struct ag_curl *c);
/* Connections opened since start (a kept-alive connection is opened once). */
unsigned long long ag_curl_connects(const struct ag_curl *c);

#endif
