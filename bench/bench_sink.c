/* bench_sink.c: an HTTP sink standing for Kannel's sendsms, for bench/school_send.sh. It
 * answers every request 202 "0: Accepted for delivery" as smsbox does and counts what it
 * received: requests in all, and distinct `to` numbers (a message sent twice counts once
 * there). GET /stats answers "requests distinct\n". Binds 127.0.0.1 on a port the kernel picks
 * and writes it to PORT_FILE; runs until SIGTERM or SIGINT. libevent's evhttp, one thread.
 * Usage: bench_sink PORT_FILE. Figures only; nothing here asserts. */
#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define SET_BITS 20 /* 1M slots: far above the 10,000 phones of the benchmark */

static uint64_t *set; /* open addressing on the number's digits; 0 is empty */
static long total, distinct;

static void add_number(const char *to)
{
  uint64_t v = 0, h;

  for (; *to; to++)
    if (*to >= '0' && *to <= '9')
      v = v * 10 + (uint64_t)(*to - '0');
  if (v == 0)
    return;
  h = (v * 0x9E3779B97F4A7C15ull) >> (64 - SET_BITS);
  while (set[h] && set[h] != v)
    h = (h + 1) & ((1u << SET_BITS) - 1);
  if (!set[h] && distinct < (1l << SET_BITS) - 1) {
    set[h] = v;
    distinct++;
  }
}

static void on_req(struct evhttp_request *req, void *arg)
{
  struct evkeyvalq q;
  struct evbuffer *out = evbuffer_new();
  const char *uri = evhttp_request_get_uri(req), *to;

  (void)arg;
  if (strncmp(uri, "/stats", 6) == 0) {
    evbuffer_add_printf(out, "%ld %ld\n", total, distinct);
    evhttp_send_reply(req, 200, "OK", out);
    evbuffer_free(out);
    return;
  }
  evhttp_parse_query(uri, &q);
  to = evhttp_find_header(&q, "to");
  total++;
  if (to)
    add_number(to);
  evhttp_clear_headers(&q);
  evbuffer_add_printf(out, "0: Accepted for delivery");
  evhttp_send_reply(req, 202, "Accepted", out);
  evbuffer_free(out);
}

static void on_signal(evutil_socket_t fd, short what, void *arg)
{
  (void)fd;
  (void)what;
  event_base_loopbreak(arg);
}

int main(int argc, char **argv)
{
  struct event_base *base;
  struct evhttp *http;
  struct evhttp_bound_socket *h;
  struct sockaddr_in sa;
  socklen_t len = sizeof(sa);
  struct event *sigterm, *sigint;
  FILE *f;

  if (argc != 2) {
    fprintf(stderr, "usage: bench_sink PORT_FILE\n");
    return 2;
  }
  set = calloc((size_t)1 << SET_BITS, sizeof(*set));
  base = event_base_new();
  http = base ? evhttp_new(base) : NULL;
  h = http ? evhttp_bind_socket_with_handle(http, "127.0.0.1", 0) : NULL;
  if (!set || !h || getsockname(evhttp_bound_socket_get_fd(h), (struct sockaddr *)&sa, &len)) {
    fprintf(stderr, "bench_sink: cannot listen\n");
    return 1;
  }
  evhttp_set_gencb(http, on_req, NULL);
  sigterm = evsignal_new(base, SIGTERM, on_signal, base);
  sigint = evsignal_new(base, SIGINT, on_signal, base);
  evsignal_add(sigterm, NULL);
  evsignal_add(sigint, NULL);
  f = fopen(argv[1], "w");
  if (!f || fprintf(f, "%d\n", ntohs(sa.sin_port)) < 0 || fclose(f) != 0) {
    fprintf(stderr, "bench_sink: cannot write %s\n", argv[1]);
    return 1;
  }
  event_base_dispatch(base);
  fprintf(stderr, "bench_sink: %ld requests, %ld distinct numbers\n", total, distinct);
  event_free(sigterm);
  event_free(sigint);
  evhttp_free(http);
  event_base_free(base);
  free(set);
  return 0;
}
