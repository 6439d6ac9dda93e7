/* gw_ussd.c: one USSD hop, from the carrier's request to its screen.
 *
 * dialect parse -> session (created on the first hop, with the caller's profile read from the
 * database) -> engine replay -> effects stored (the hop waits for the commit) -> dialect render.
 * A hop with nothing to store is answered at once. Any failure to read or store becomes the
 * polite END screen in the session's language: the carrier never sees a 5xx for a parent's hop.
 */
#include "gateway/ussd/gw_ussd-internal.h"
#include "lib/ag.h"
#include "lib/ag_log.h"
#include "lib/ag_metrics.h"

#include <stdlib.h>
#include <string.h>

static const struct ag_metric_def def_hops = {
    AG_METRIC_COUNTER,
    "aulgate_ussd_hops_total",
    "USSD hops answered, by carrier and outcome (ok, unavailable, deadline: the database did not "
    "answer in hop_deadline_ms, other_content: a session another content version started, "
    "bad_request, bad_number, or why the session had ended).",
    {"carrier", "outcome"},
    NULL,
    0};
/* Carriers allow about 10 s for a hop: the buckets watch the path from milliseconds to that. */
static const double hop_buckets[] = {0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1,
                                     0.2,   0.5,   1,     2,    5,    10};
static const struct ag_metric_def def_hop_seconds = {
    AG_METRIC_HISTOGRAM,
    "aulgate_ussd_hop_seconds",
    "Time from a hop's request to its reply, by carrier.",
    {"carrier"},
    hop_buckets,
    AG_ARRAY_LEN(hop_buckets)};

static const struct ag_metric_def def_started = {AG_METRIC_COUNTER,
                                                 "aulgate_sessions_started_total",
                                                 "USSD sessions started, by carrier.",
                                                 {"carrier"},
                                                 NULL,
                                                 0};

int gw_ussd_metrics_init(struct gw_ussd *u, struct ag_metrics *reg)
{
  u->hops = ag_metrics_add(reg, &def_hops);
  u->hop_seconds = ag_metrics_add(reg, &def_hop_seconds);
  u->started = ag_metrics_add(reg, &def_started);
  return u->hops && u->hop_seconds && u->started ? AG_OK : AG_ENOMEM;
}

long long gw_ussd__count(struct gw_ussd *u, const struct gw_carrier *c, const char *outcome,
                         long long t0_us)
{
  long long now_us = ag_now_us(), elapsed_us = now_us - t0_us;

  ag_series_inc(ag_metric_series2(u->hops, c->name, outcome));
  ag_series_observe(ag_metric_series1(u->hop_seconds, c->name), (double)elapsed_us / 1e6);
  if (u->stats)
    gw_stats_hop(u->stats, outcome, elapsed_us, now_us);
  return elapsed_us;
}

void gw_ussd__reply_screen(struct gw_req *req, const struct gw_carrier *c, int end,
                           const char *text)
{
  struct gw_dialect_reply out = {.body = malloc(GW_USSD_REPLY_MAX), .cap = GW_USSD_REPLY_MAX};

  /* Only a screen far over any budget fails to render: then a short END. */
  if (!out.body ||
      (gw_carrier_ussd_render(c, end, text, &out) && gw_carrier_ussd_render(c, 1, "-", &out))) {
    free(out.body);
    gw_req_reply(req, 500, "text/plain; charset=utf-8", "cannot render\n", 14, GW_BODY_STATIC);
    return;
  }
  gw_req_reply(req, out.status, out.content_type, out.body, out.len, GW_BODY_TAKE);
}

int gw_ussd__bad_request(struct gw_req *req, const struct gw_carrier *c, int rc, const char *why)
{
  char q[300], body[320];
  int n;

  AG_LOGW("ussd.bad_request", "carrier=%s error=%s detail=%s", c->name, ag_errname(rc),
          ag_log_quote(why, q, sizeof(q)));
  n = snprintf(body, sizeof(body), "%s\n", why);
  /* 400 also for an overlong field: 413 is for bodies over max_body_bytes (gw_http.c). */
  gw_req_reply(req, 400, "text/plain; charset=utf-8", body, (size_t)n, GW_BODY_COPY);
  return AG_OK;
}

int gw_ussd__refuse_type(struct gw_req *req, const struct gw_carrier *c)
{
  char q[160], body[160];
  int n;

  AG_LOGW("ussd.bad_request", "carrier=%s error=EBADREQ detail=bad_content_type type=%s", c->name,
          ag_log_quote(gw_req_header(req, "Content-Type"), q, sizeof(q)));
  n = snprintf(body, sizeof(body), "Content-Type must be %s\n", c->dialect->body_type);
  gw_req_reply(req, 415, "text/plain; charset=utf-8", body, (size_t)n, GW_BODY_COPY);
  return AG_OK;
}

int gw_ussd__authenticate(struct gw_req *req, const struct gw_carrier *c)
{
  size_t len;
  const char *body, *cause, *text;
  char q[160], out[160];
  int n;

  if (c->auth == GW_CARRIER_AUTH_NONE) /* most carriers: no header lookups on every hop */
    return AG_OK;
  body = gw_req_body(req, &len);
  if (gw_carrier_verify(c, gw_req_path(req), gw_req_header(req, "Authorization"),
                        gw_req_header(req, "X-Aulgate-Timestamp"),
                        gw_req_header(req, "X-Aulgate-Signature"), body, len, ag_now_us() / 1000000,
                        &cause) == AG_OK)
    return AG_OK;
  /* The cause names no secret; the request id ties it to the carrier's own log. */
  AG_LOGW("ussd.auth_refused", "carrier=%s auth=%s cause=%s request=%s", c->name,
          gw_carrier_auth_name(c), ag_log_quote(cause, q, sizeof(q)), gw_req_id(req));
  if (c->auth == GW_CARRIER_AUTH_BASIC)
    gw_req_add_header(req, "WWW-Authenticate", "Basic realm=\"aulgate\", charset=\"UTF-8\"");
  n = snprintf(out, sizeof(out), "not authenticated: %s\n", cause);
  text = out;
  gw_req_reply(req, 401, "text/plain; charset=utf-8", text, (size_t)n, GW_BODY_COPY);
  return AG_EDENIED;
}

void gw_ussd__refuse_phone(struct gw_ussd_hop *h)
{
  /* One session is one phone: another number under the same id is a carrier fault or a
   * forgery, and must not write into the first caller's answers, nor be told "not saved" in
   * the session's name (a 400 ends nothing of the true caller's session). */
  gw_ussd__bad_request(h->req, h->c, AG_EBADREQ, "phoneNumber does not match the session");
  gw_ussd__count(h->u, h->c, "bad_request", h->t0_us);
  gw_ussd__hop_free(h);
}

/* The session of the hop, new on its first hop; NULL with the reply sent when there is none. */
static struct sess_session *session_of(struct gw_ussd_hop *h)
{
  struct gw_ussd *u = h->u;
  struct sess_session *s = sess_table_find(u->sessions, h->c->name, h->step.session_id);
  uint8_t respondent[32];

  if (s && strcmp(sess_session_msisdn(s), h->step.msisdn) != 0) {
    gw_ussd__refuse_phone(h);
    return NULL;
  }
  if (!s) {
    ag_respondent_key(u->secret, h->step.msisdn, respondent);
    s = sess_table_add(u->sessions, h->c->name, h->step.session_id, h->step.msisdn, respondent,
                       u->content, h->t0_us);
    if (s) {
      ag_series_inc(ag_metric_series1(u->started, h->c->name));
      if (u->stats)
        gw_stats_started(u->stats, h->t0_us);
      sess_session_set_network(s, h->step.network_code);
    }
  }
  if (!s) {
    gw_ussd__hop_unavailable(h, AG_ENOMEM);
    return NULL;
  }
  h->s = sess_session_hold(s);
  if (sess_session_ended(s) && h->step.n_inputs > sess_session_hops(s)) {
    /* Input after the session ended (a timeout, say): the carrier's session is over too. */
    h->reply.lang = sess_session_lang(s);
    gw_ussd__reply_screen(h->req, h->c, 1,
                          sess_string(sess_session_content(s), "timeout", h->reply.lang));
    gw_ussd__hop_log(h, sess_end_reason_name(sess_session_ended(s)), AG_OK);
    gw_ussd__hop_free(h);
    return NULL;
  }
  return s;
}

/* A hop from the spares, or a new one. Not zeroed whole (4.7 kB, most of it the step's path
 * and the reply's screen, written before they are read): the fields read before they are
 * written are set here. */
static struct gw_ussd_hop *hop_new(struct gw_ussd *u)
{
  struct gw_ussd_hop *h = u->spare;

  if (h) {
    u->spare = h->next_spare;
    u->n_spare--;
  } else {
    h = malloc(sizeof(*h));
    if (!h)
      return NULL;
  }
  h->s = NULL;
  memset(&h->wait, 0, sizeof(h->wait));
  memset(&h->reply.effect, 0, sizeof(h->reply.effect));
  h->reply.end = 0;
  h->reply.lang = SESS_KK;
  h->reply.text[0] = '\0';
  h->pending = 0;
  h->failed = 0;
  h->session[0] = '\0';
  h->next_spare = NULL;
  return h;
}

int gw_ussd_step(struct gw_ussd *u, const struct gw_carrier *c, struct gw_req *req)
{
  char err[160], q[GW_USSD_ID_MAX * 4 + 8];
  size_t len;
  const char *body = gw_req_body(req, &len);
  struct gw_ussd_hop *h;
  int rc;

  if (!gw_carrier_body_type_ok(c, gw_req_header(req, "Content-Type"))) {
    gw_ussd__count(u, c, "bad_request", gw_req_received_us(req));
    return gw_ussd__refuse_type(req, c);
  }
  if (gw_ussd__authenticate(req, c)) {
    gw_ussd__count(u, c, "unauthenticated", gw_req_received_us(req));
    return AG_OK;
  }
  h = hop_new(u);
  if (!h) {
    gw_ussd__reply_screen(req, c, 1, sess_string(u->content, "unavailable", SESS_KK));
    return AG_OK;
  }
  h->u = u;
  h->req = req;
  h->c = c;
  h->t0_us = gw_req_received_us(req);
  /* The deadline runs from the request's arrival, on the clock that cannot jump. */
  h->deadline_us = ag_mono_us() - (ag_now_us() - h->t0_us) + u->cfg->hop_deadline_ms * 1000LL;
  rc = gw_carrier_ussd_step(c, body, len, &h->step, err, sizeof(err));
  if (rc == AG_EPHONE) {
    /* A number we cannot serve (or must not key): refuse politely, keep nothing. */
    AG_LOGW("ussd.bad_number", "carrier=%s session=%s phone=****", c->name,
            ag_log_quote(h->step.session_id, q, sizeof(q)));
    /* In Russian: a caller from a foreign number is likelier to read it than Kazakh. */
    gw_ussd__reply_screen(req, c, 1, sess_string(u->content, "not_kazakh", SESS_RU));
    gw_ussd__count(u, c, "bad_number", h->t0_us);
    gw_ussd__hop_free(h);
    return AG_OK;
  }
  if (rc) {
    gw_ussd__count(u, c, "bad_request", h->t0_us);
    gw_ussd__hop_free(h);
    return gw_ussd__bad_request(req, c, rc, err);
  }
  snprintf(h->session, sizeof(h->session), "%s", ag_log_quote(h->step.session_id, q, sizeof(q)));
  if (!session_of(h))
    return AG_OK;
  return gw_ussd__hop_go(h);
}
