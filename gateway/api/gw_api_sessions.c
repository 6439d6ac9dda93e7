/* gw_api_sessions.c: the live sessions for the operator on duty (issue 10, part 3).
 *
 * GET /api/v1/sessions lists them, longest idle first: the stuck ones are what an operator
 * looks for. The walk over the table touches pointers only and keeps the `limit` longest idle
 * in a bounded heap, so a reply costs O(live x log limit) with no allocation but the reply's.
 * The number is masked to its last 4 digits here, never in clear. Audited (personal data).
 *
 * DELETE /api/v1/sessions/{carrier}/{id} ends a live session (reason "operator"): the session
 * becomes a tombstone, and its next hop gets the polite END in its language, as after a timeout.
 */
#include "gateway/api/gw_api.h"
#include "gateway/api/gw_api_parse.h"
#include "lib/ag.h"
#include "lib/ag_buf.h"
#include "lib/ag_log.h"
#include "lib/ag_phone.h"

#include <stdlib.h>
#include <string.h>

#define LIST_DEFAULT 100
#define LIST_MAX     1000

struct pick {
  struct sess_session *s;
  long long idle_ms;
};

/* The walk's state: a min-heap (by idle) of at most cap sessions. */
struct walk {
  const char *carrier; /* NULL: every carrier */
  long long min_idle_ms, now_ms;
  struct pick *heap;
  size_t n, cap;
};

static void sift_down(struct pick *h, size_t n, size_t i)
{
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    struct pick t;
    if (l < n && h[l].idle_ms < h[m].idle_ms)
      m = l;
    if (r < n && h[r].idle_ms < h[m].idle_ms)
      m = r;
    if (m == i)
      return;
    t = h[i];
    h[i] = h[m];
    h[m] = t;
    i = m;
  }
}

static void visit(void *arg, struct sess_session *s)
{
  struct walk *w = arg;
  long long idle = sess_session_idle_ms(s, w->now_ms);

  if (idle < w->min_idle_ms || (w->carrier && strcmp(sess_session_carrier(s), w->carrier) != 0))
    return;
  if (w->n < w->cap) {
    size_t i = w->n++;
    w->heap[i] = (struct pick){s, idle};
    while (i > 0 && w->heap[(i - 1) / 2].idle_ms > w->heap[i].idle_ms) {
      struct pick t = w->heap[i];
      w->heap[i] = w->heap[(i - 1) / 2];
      w->heap[(i - 1) / 2] = t;
      i = (i - 1) / 2;
    }
  } else if (w->cap > 0 && idle > w->heap[0].idle_ms) {
    w->heap[0] = (struct pick){s, idle};
    sift_down(w->heap, w->n, 0);
  }
}

static int by_idle_desc(const void *a, const void *b)
{
  const struct pick *x = a, *y = b;

  return x->idle_ms < y->idle_ms ? 1 : x->idle_ms > y->idle_ms ? -1 : 0;
}

static int session_json(struct ag_buf *b, const struct pick *p, long long now_ms, int first)
{
  struct sess_session *s = p->s;
  char phone[AG_PHONE_MAX];
  int rc = ag_buf_adds(b, first ? "{\"carrier\":" : ",{\"carrier\":");

  if (rc == AG_OK)
    rc = ag_buf_json_str(b, sess_session_carrier(s));
  if (rc == AG_OK)
    rc = ag_buf_adds(b, ",\"id\":");
  if (rc == AG_OK)
    rc = ag_buf_json_str(b, sess_session_id(s));
  if (rc == AG_OK)
    rc = ag_buf_adds(b, ",\"network\":");
  if (rc == AG_OK)
    rc = ag_buf_json_str(b, sess_session_network(s));
  if (rc == AG_OK)
    rc = ag_buf_printf(b, ",\"phone\":\"%s\",\"lang\":\"%s\",\"file\":",
                       sess_session_phone_masked(s, phone, sizeof(phone)),
                       sess_lang_code(sess_session_lang(s)));
  if (rc == AG_OK)
    rc = sess_session_file(s) ? ag_buf_json_str(b, sess_session_file(s)) : ag_buf_adds(b, "null");
  if (rc == AG_OK)
    rc = ag_buf_adds(b, ",\"screen\":");
  if (rc == AG_OK)
    rc = sess_session_screen(s) ? ag_buf_json_str(b, sess_session_screen(s))
                                : ag_buf_adds(b, "null");
  if (rc == AG_OK)
    rc =
        ag_buf_printf(b, ",\"hops\":%zu,\"age_s\":%.1f,\"idle_s\":%.1f}", sess_session_hops(s),
                      (double)sess_session_age_ms(s, now_ms) / 1000.0, (double)p->idle_ms / 1000.0);
  return rc;
}

int gw_api_sessions_list(void *ctx, struct gw_req *req)
{
  struct gw_api *api = ctx;
  const char *carrier = gw_req_query(req, "carrier");
  long limit, min_idle;
  struct walk w = {0};
  struct ag_buf b;
  char *body;
  size_t len;
  int rc;

  if (carrier && *carrier && !gw_api_carrier_ok(carrier))
    return gw_api_error(req, 400, "carrier must be a carrier's name ([a-z0-9_-])");
  if (gw_api_parse_count(gw_req_query(req, "limit"), 1, LIST_MAX, LIST_DEFAULT, &limit))
    return gw_api_error(req, 400, "limit must be a whole number from 1 to 1000");
  if (gw_api_parse_count(gw_req_query(req, "min_idle"), 0, 86400, 0, &min_idle))
    return gw_api_error(req, 400, "min_idle must be whole seconds from 0 to 86400");
  w.carrier = carrier && *carrier ? carrier : NULL;
  w.min_idle_ms = min_idle * 1000;
  w.now_ms = sess_mono_ms();
  w.cap = (size_t)limit;
  w.heap = malloc(w.cap * sizeof(*w.heap));
  if (!w.heap)
    return gw_api_error(req, 503, "out of memory");
  sess_table_each(api->sessions, visit, &w);
  qsort(w.heap, w.n, sizeof(*w.heap), by_idle_desc);
  ag_buf_init(&b, 1 << 20); /* 1000 sessions of at most ~600 bytes each */
  rc = ag_buf_printf(&b, "{\"live\":%zu,\"count\":%zu,\"sessions\":[",
                     sess_table_live(api->sessions), w.n);
  for (size_t i = 0; rc == AG_OK && i < w.n; i++)
    rc = session_json(&b, &w.heap[i], w.now_ms, i == 0);
  if (rc == AG_OK)
    rc = ag_buf_adds(&b, "]}\n");
  free(w.heap);
  body = ag_buf_take(&b, &len);
  if (rc || !body) {
    free(body);
    return gw_api_error(req, 500, "internal error");
  }
  return gw_api_reply_audited(api, req, "sessions.list", w.carrier ? w.carrier : "", 200,
                              "application/json", body, len);
}

int gw_api_sessions_end(void *ctx, struct gw_req *req)
{
  struct gw_api *api = ctx;
  char carrier[GW_API_CARRIER_MAX], target[GW_API_CARRIER_MAX + GW_API_ID_MAX + 2], q[600];
  const char *id;
  struct sess_session *s;

  if (gw_api_parse_session_path(gw_req_path(req), "/api/v1/sessions", carrier, &id))
    return gw_api_error(req, 400, "the path must be /api/v1/sessions/{carrier}/{session id}");
  snprintf(target, sizeof(target), "%s/%s", carrier, id);
  s = sess_table_find(api->sessions, carrier, id);
  if (!s || sess_session_ended(s) != SESS_LIVE) {
    gw_api_audit(api, req, NULL, "sessions.end", target, 404, "unknown");
    return gw_api_error(req, 404, "no live session with that carrier and id");
  }
  AG_LOGI("api.session_end", "req=%s carrier=%s session=%s", gw_req_id(req), carrier,
          ag_log_quote(id, q, sizeof(q)));
  /* Ended at once, audited without holding the reply: an operator ends stuck sessions when
   * something is wrong, maybe the database; a failed row is counted and logged (decision 5x). */
  sess_table_end(s, SESS_END_OPERATOR);
  gw_api_audit(api, req, NULL, "sessions.end", target, 200, "ok");
  gw_req_reply(req, 200, "application/json", "{\"ended\":true,\"reason\":\"operator\"}\n", 35,
               GW_BODY_STATIC);
  return AG_OK;
}
