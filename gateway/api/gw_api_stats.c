/* gw_api_stats.c: the per-minute figures for operators (issue 10, part 3).
 *
 * GET /api/v1/stats?window=15m renders the ring of gateway/stats for the window (at most 60
 * minutes): hops by outcome, sessions started and ended, latency p50/p95/p99 per minute, and the
 * drop-off funnel. Audited (aggregated data).
 *
 * GET /api/v1/events streams the same as Server-Sent Events: one event at once, then one a
 * second at most (one timer for every client, running only while there are clients; clients
 * of the same window share one rendering a tick), to at most GW_API_EVENTS_MAX clients (503
 * beyond). A client that does not read is dropped by
 * gw_stream when its bounded buffer fills, never buffered without end.
 */
#include "gateway/api/gw_api.h"
#include "gateway/api/gw_api_parse.h"
#include "gateway/stats/gw_stats.h"
#include "lib/ag.h"
#include "lib/ag_buf.h"
#include "lib/ag_log.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

/* The stats object, framed as one Server-Sent Event with id seq when sse. */
static int render(struct gw_api *api, int minutes, int sse, unsigned long long seq,
                  struct ag_buf *b)
{
  long long now = ag_now_us();
  int rc = sse ? ag_buf_printf(b, "id: %llu\nevent: stats\ndata: ", seq) : AG_OK;

  if (rc == AG_OK)
    rc = ag_buf_printf(b,
                       "{\"now\":%lld,\"seq\":%llu,\"live_sessions\":%zu,\"stats\":", now / 1000000,
                       seq, sess_table_live(api->sessions));
  if (rc == AG_OK)
    rc = gw_stats_json(api->stats, now, minutes, b);
  if (rc == AG_OK)
    rc = ag_buf_adds(b, sse ? "}\n\n" : "}\n");
  return rc;
}

int gw_api_stats(void *ctx, struct gw_req *req)
{
  struct gw_api *api = ctx;
  const char *window = gw_req_query(req, "window");
  struct ag_buf b;
  char *body, target[16];
  size_t len;
  int minutes, rc;

  if (gw_api_parse_window(window, 15, &minutes))
    return gw_api_error(req, 400, "window must be minutes from 1m to 60m (or 1h)");
  ag_buf_init(&b, 1 << 20);
  rc = render(api, minutes, 0, 0, &b);
  body = ag_buf_take(&b, &len);
  if (rc || !body) {
    free(body);
    return gw_api_error(req, 500, "internal error");
  }
  snprintf(target, sizeof(target), "%dm", minutes);
  return gw_api_reply_audited(api, req, "stats", target, 200, "application/json", body, len);
}

struct gw_events_client {
  struct gw_stream *s;
  int minutes;
  long long last_ms; /* ag_mono_us() / 1000 of the last event sent */
};

/* One tick's events, one per window asked for: clients with the same window share it. */
struct rendered {
  int minutes;
  char *body; /* owned */
  size_t len;
};

struct gw_events {
  struct gw_api *api;
  struct event *tick; /* owned: 1 s, pending only while n > 0 */
  struct gw_events_client c[GW_API_EVENTS_MAX];
  size_t n;
  unsigned long long seq; /* the tick's number: an event's id, rising for every client */
};

/* The event for minutes: from the tick's cache r[*nr], or rendered into it. NULL when out of
 * memory. */
static const struct rendered *event_for(struct gw_events *ev, int minutes, struct rendered *r,
                                        size_t *nr)
{
  struct ag_buf b;

  for (size_t i = 0; i < *nr; i++)
    if (r[i].minutes == minutes)
      return &r[i];
  ag_buf_init(&b, 1 << 20);
  if (render(ev->api, minutes, 1, ev->seq, &b) != AG_OK) {
    ag_buf_cleanup(&b);
    return NULL;
  }
  r[*nr] = (struct rendered){minutes, NULL, 0};
  r[*nr].body = ag_buf_take(&b, &r[*nr].len);
  return r[*nr].body ? &r[(*nr)++] : NULL;
}

/* Sends client i its event unless it had one within the last second. Its stream may end (and
 * be taken out of the list) from here on. */
static void send_one(struct gw_events *ev, size_t i, long long now_ms, struct rendered *r,
                     size_t *nr)
{
  struct gw_events_client *c = &ev->c[i];
  const struct rendered *e;

  /* 950, not 1000: the timer's own jitter would otherwise skip every other tick. */
  if (c->last_ms && now_ms - c->last_ms < 950)
    return;
  c->last_ms = now_ms;
  e = event_for(ev, c->minutes, r, nr);
  if (e)
    gw_stream_write(c->s, e->body, e->len); /* AG_E2BIG: dropped, on_end follows */
}

static void rendered_free(struct rendered *r, size_t nr)
{
  for (size_t i = 0; i < nr; i++)
    free(r[i].body);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
  struct gw_events *ev = arg;
  long long now_ms = ag_mono_us() / 1000;
  struct rendered r[GW_API_EVENTS_MAX];
  size_t nr = 0;

  (void)fd;
  (void)what;
  ev->seq++;
  /* Downwards: a client that leaves during its write is replaced by the last one, done already. */
  for (size_t i = ev->n; i-- > 0;)
    if (i < ev->n)
      send_one(ev, i, now_ms, r, &nr);
  rendered_free(r, nr);
}

static void on_end(void *arg, struct gw_stream *s)
{
  struct gw_events *ev = arg;

  for (size_t i = 0; i < ev->n; i++) {
    if (ev->c[i].s == s) {
      ev->c[i] = ev->c[--ev->n];
      break;
    }
  }
  if (ev->n == 0)
    event_del(ev->tick);
}

struct gw_events *gw_events_create(struct event_base *base, struct gw_api *api)
{
  struct gw_events *ev = calloc(1, sizeof(*ev));

  if (!ev)
    return NULL;
  ev->api = api;
  ev->tick = event_new(base, -1, EV_PERSIST, on_tick, ev);
  if (!ev->tick) {
    free(ev);
    return NULL;
  }
  return ev;
}

void gw_events_destroy(struct gw_events *ev)
{
  if (!ev)
    return;
  event_free(ev->tick);
  free(ev);
}

size_t gw_events_clients(const struct gw_events *ev)
{
  return ev->n;
}

int gw_api_events(void *ctx, struct gw_req *req)
{
  struct gw_api *api = ctx;
  struct gw_events *ev = api->events;
  struct timeval second = {1, 0};
  struct gw_stream *s;
  char target[16];
  int minutes;

  if (gw_api_parse_window(gw_req_query(req, "window"), 15, &minutes))
    return gw_api_error(req, 400, "window must be minutes from 1m to 60m (or 1h)");
  if (ev->n >= GW_API_EVENTS_MAX) {
    gw_req_add_header(req, "Retry-After", "5");
    return gw_api_error(req, 503, "too many event streams open: retry later");
  }
  gw_req_add_header(req, "Cache-Control", "no-store");
  s = gw_req_stream(req, 200, "text/event-stream; charset=utf-8", on_end, ev);
  if (!s) {
    gw_req_add_header(req, "Retry-After", "5");
    return gw_api_error(req, 503, "too many streams open: retry later");
  }
  ev->c[ev->n++] = (struct gw_events_client){s, minutes, 0};
  if (ev->n == 1)
    event_add(ev->tick, &second);
  snprintf(target, sizeof(target), "%dm", minutes);
  /* Audited when it opens, not held: the stream is a live view; a failed row is counted. */
  gw_api_audit(api, req, NULL, "events", target, 200, "ok");
  {
    struct rendered r[1];
    size_t nr = 0;
    send_one(ev, ev->n - 1, ag_mono_us() / 1000, r, &nr);
    rendered_free(r, nr);
  }
  return AG_OK;
}
