/* gw_ussd.c: one USSD hop, from the carrier's request to its screen.
 *
 * dialect parse -> session (created on the first hop, with the caller's profile read from the
 * database) -> engine replay -> effects stored (the hop waits for the commit) -> dialect render.
 * A hop with nothing to store is answered at once. Any failure to read or store becomes the
 * polite END screen in the session's language: the carrier never sees a 5xx for a parent's hop.
 */
#include "gateway/carriers/gw_carrier.h"
#include "lib/ag.h"
#include "lib/ag_log.h"
#include "gateway/ussd/gw_ussd.h"

#include <stdlib.h>
#include <string.h>

#define KZ_UTC_OFFSET_S (5 * 3600) /* one time zone for the whole country since March 2024 */
#define MAX_WAITING     8          /* hops of one session waiting for its profile */

/* A hop under way: parsed, maybe waiting for the profile, maybe waiting for commits. */
struct hop {
  struct gw_ussd *u;
  struct gw_req *req;
  const struct gw_carrier *c;
  struct sess_session *s; /* borrowed: a session with waiting hops is never freed */
  struct gw_ussd_step step;
  struct sess_reply reply;
  int pending; /* store operations not yet completed */
  int failed;  /* the first error among them */
  long long t0_us;
  struct hop *next_waiting;
  char session[GW_USSD_ID_MAX * 4 + 8];
};

/* Renders the screen once, into the buffer the reply then owns. */
static void reply_screen(struct gw_req *req, const struct gw_carrier *c, int end, const char *text)
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

static void log_hop(const struct hop *h, const char *result, int rc)
{
  AG_LOGI("ussd.hop",
          "carrier=%s session=%s hop=%zu phone=%s effect=%d end=%d result=%s%s%s ms=%.2f",
          h->c->name, h->session, h->step.n_inputs, h->s ? h->s->phone_masked : "-",
          (int)h->reply.effect.kind, h->reply.end, result, rc ? " error=" : "",
          rc ? ag_errname(rc) : "", (double)(ag_now_us() - h->t0_us) / 1000.0);
}

static void hop_free(struct hop *h)
{
  gw_ussd_step_cleanup(&h->step);
  free(h);
}

/* Replies with the polite END in the session's language and closes the session. */
static void hop_unavailable(struct hop *h, int rc)
{
  const struct sess_content *c = h->s ? h->s->content : h->u->content;

  reply_screen(h->req, h->c, 1, sess_string(c, "unavailable", h->reply.lang));
  h->reply.end = 1;
  log_hop(h, "unavailable", rc);
  if (h->s)
    sess_table_end(h->s, SESS_END_SCREEN);
  hop_free(h);
}

static void hop_finish(struct hop *h)
{
  if (h->failed) {
    hop_unavailable(h, h->failed);
    return;
  }
  reply_screen(h->req, h->c, h->reply.end, h->reply.text);
  log_hop(h, "ok", AG_OK);
  if (h->reply.end)
    sess_table_end(h->s, SESS_END_SCREEN);
  hop_free(h);
}

static void on_stored(void *arg, int rc)
{
  struct hop *h = arg;

  if (rc && !h->failed)
    h->failed = rc;
  if (--h->pending == 0)
    hop_finish(h);
}

/* Queues one store operation for h; a refusal counts as a failed operation. */
static void track(struct hop *h, int rc)
{
  if (rc == AG_OK)
    h->pending++;
  else if (!h->failed)
    h->failed = rc;
}

static void submit_sms(struct hop *h, const struct sess_effect *e, int active)
{
  struct store_sms sms = {.msisdn = h->s->msisdn,
                          .lang = sess_lang_code(h->reply.lang),
                          .band = e->band ? e->band : "",
                          .active = active,
                          .received_at_us = gw_req_received_us(h->req)};

  memcpy(sms.respondent, h->s->respondent, sizeof(sms.respondent));
  track(h, store_submit_sms(h->u->store, &sms, on_stored, h));
}

/* Stores what the hop's effect says; returns the number of operations under way. */
static int submit_effect(struct hop *h)
{
  const struct sess_effect *e = &h->reply.effect;
  struct store *st = h->u->store;
  long long at = gw_req_received_us(h->req);

  if (e->kind == SESS_EFFECT_ANSWER) {
    struct store_answer a = {.relation = e->relation ? e->relation : "",
                             .survey_id = e->survey_id,
                             .survey_version = e->survey_version,
                             .attempt = e->attempt,
                             .final = e->final,
                             .question_id = e->question_id,
                             .option = e->value,
                             .lang = sess_lang_code(h->reply.lang),
                             .carrier = h->c->name,
                             .network_code = h->step.network_code,
                             .session_id = h->step.session_id,
                             .hop = (int)h->step.n_inputs,
                             .received_at_us = at};
    memcpy(a.respondent, h->s->respondent, sizeof(a.respondent));
    track(h, store_submit(st, &a, on_stored, h));
    if (e->sms == 1)
      submit_sms(h, e, 1);
  } else if (e->kind == SESS_EFFECT_ATTEMPT) {
    struct store_attempt a = {.carrier = h->c->name,
                              .session_id = h->step.session_id,
                              .relation = e->relation,
                              .survey_id = e->survey_id,
                              .survey_version = e->survey_version,
                              .attempt = e->attempt,
                              .lang = sess_lang_code(h->reply.lang),
                              .received_at_us = at};
    memcpy(a.respondent, h->s->respondent, sizeof(a.respondent));
    track(h, store_submit_attempt(st, &a, on_stored, h));
  } else if (e->kind == SESS_EFFECT_SMS) {
    submit_sms(h, e, e->sms);
  }
  return h->pending;
}

/* The hop proper, once the session knows its caller. Replies now or after the commits. */
static void hop_run(struct hop *h)
{
  struct sess_session *s = h->s;
  int rc;

  sess_table_touch(s, ag_now_us());
  if (h->step.n_inputs > s->hops)
    s->hops = h->step.n_inputs;
  rc = sess_replay(s->content, &h->c->budget, h->u->cfg->ussd_entry, &s->ctx, h->step.inputs,
                   h->step.n_inputs, &h->reply);
  if (rc) {
    hop_unavailable(h, rc);
    return;
  }
  if (submit_effect(h) > 0) {
    gw_req_suspend(h->req); /* no-op wait when already suspended for the profile */
    return;
  }
  hop_finish(h); /* nothing to store, or the store refused: h->failed says which */
}

static int profile_add_row(struct sess_profile *p, const struct store_rows *rows, int i)
{
  const char *relation = store_rows_get(rows, i, 0);
  int attempt = atoi(store_rows_get(rows, i, 1));
  int open = strcmp(store_rows_get(rows, i, 2), "open") == 0;
  int fresh = strcmp(store_rows_get(rows, i, 4), "t") == 0;
  struct sess_prior *pr = NULL;

  if (attempt == 0)
    return AG_OK; /* a row that only tells the language (SMS switch) */
  for (size_t k = 0; k < p->n; k++)
    if (strcmp(p->prior[k].relation, relation) == 0)
      pr = &p->prior[k];
  if (!pr) { /* rows come newest attempt first: the first row of a relation is its latest */
    if (p->n == SESS_MAX_RELATIONS)
      return AG_OK;
    pr = &p->prior[p->n++];
    snprintf(pr->relation, sizeof(pr->relation), "%s", relation);
    pr->last_attempt = attempt;
    pr->open_attempt = open && fresh ? attempt : 0;
  }
  if (attempt > pr->last_attempt)
    pr->last_attempt = attempt;
  if (!store_rows_isnull(rows, i, 5)) {
    const char *q = store_rows_get(rows, i, 5), *v = store_rows_get(rows, i, 6);
    if (strcmp(q, "grade") == 0 && !p->grade[0])
      snprintf(p->grade, sizeof(p->grade), "%s", v);
    if (attempt == pr->open_attempt) {
      struct sess_kv *kv = realloc(pr->kv, (pr->n + 1) * sizeof(*kv));
      if (!kv)
        return AG_ENOMEM;
      pr->kv = kv;
      snprintf(kv[pr->n].key, sizeof(kv[pr->n].key), "%s", q);
      snprintf(kv[pr->n].value, sizeof(kv[pr->n].value), "%s", v);
      pr->n++;
    }
  }
  return AG_OK;
}

static int profile_build(struct sess_profile *p, const struct store_rows *rows)
{
  int n = store_rows_count(rows);

  for (int i = 0; i < n; i++) {
    if (i == 0) {
      const char *lang = store_rows_get(rows, 0, 3);
      for (int l = 0; l < SESS_NLANG; l++)
        if (strcmp(lang, sess_lang_code((enum sess_lang)l)) == 0) {
          p->has_lang = 1;
          p->lang = (enum sess_lang)l;
        }
    }
    if (profile_add_row(p, rows, i))
      return AG_ENOMEM;
  }
  return AG_OK;
}

static void on_profile(void *arg, int rc, const struct store_rows *rows)
{
  struct sess_session *s = arg;
  struct hop *h = s->waiting;

  s->waiting = NULL;
  if (rc == AG_OK)
    rc = profile_build(&s->profile, rows);
  if (rc == AG_OK) {
    s->profile_state = SESS_PROFILE_READY;
    s->ctx.profile = &s->profile;
  } else {
    /* Without the profile the session cannot promise "never ask twice": it closes. */
    s->profile_state = SESS_PROFILE_NONE;
    sess_profile_cleanup(&s->profile);
  }
  while (h) {
    struct hop *next = h->next_waiting;
    if (rc)
      hop_unavailable(h, rc);
    else
      hop_run(h);
    h = next;
  }
}

static int bad_request(struct gw_req *req, const struct gw_carrier *c, int rc, const char *why)
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

static struct sess_session *session_start(struct hop *h)
{
  struct gw_ussd *u = h->u;
  struct sess_session *s =
      sess_table_add(u->sessions, h->c->name, h->step.session_id, u->content, h->t0_us);

  if (!s)
    return NULL;
  ag_respondent_key(u->secret, h->step.msisdn, s->respondent);
  snprintf(s->msisdn, sizeof(s->msisdn), "%s", h->step.msisdn);
  ag_phone_mask(h->step.msisdn, s->phone_masked, sizeof(s->phone_masked));
  s->ctx.day = (long)((h->t0_us / 1000000 + KZ_UTC_OFFSET_S) / 86400);
  return s;
}

/* Starts reading the caller's profile unless it is known or on its way; h then waits. */
static int wait_for_profile(struct hop *h)
{
  struct sess_session *s = h->s;
  struct hop *last = NULL;
  size_t waiting = 0;

  for (struct hop *w = s->waiting; w; w = w->next_waiting) {
    waiting++;
    last = w;
  }
  if (waiting == MAX_WAITING)
    return AG_E2BIG;
  if (s->profile_state == SESS_PROFILE_NONE) {
    int rc =
        store_query_profile(h->u->store, s->respondent, "involvement",
                            h->u->cfg->resume_window_ms / 1000, s->carrier, s->id, on_profile, s);
    if (rc)
      return rc;
    s->profile_state = SESS_PROFILE_LOADING;
  }
  h->next_waiting = NULL;
  if (last)
    last->next_waiting = h;
  else
    s->waiting = h;
  gw_req_suspend(h->req);
  return AG_AGAIN;
}

int gw_ussd_step(struct gw_ussd *u, const struct gw_carrier *c, struct gw_req *req)
{
  char err[160], q[GW_USSD_ID_MAX * 4 + 8];
  size_t len;
  const char *body = gw_req_body(req, &len);
  struct hop *h = calloc(1, sizeof(*h));
  int rc;

  if (!h) {
    reply_screen(req, c, 1, sess_string(u->content, "unavailable", SESS_KK));
    return AG_OK;
  }
  h->u = u;
  h->req = req;
  h->c = c;
  h->t0_us = gw_req_received_us(req);
  rc = gw_carrier_ussd_step(c, body, len, &h->step, err, sizeof(err));
  if (rc == AG_EPHONE) {
    /* A number we cannot serve (or must not key): refuse politely, keep nothing. */
    AG_LOGW("ussd.bad_number", "carrier=%s session=%s phone=****", c->name,
            ag_log_quote(h->step.session_id, q, sizeof(q)));
    /* In Russian: a caller from a foreign number is likelier to read it than Kazakh. */
    reply_screen(req, c, 1, sess_string(u->content, "not_kazakh", SESS_RU));
    hop_free(h);
    return AG_OK;
  }
  if (rc) {
    hop_free(h);
    return bad_request(req, c, rc, err);
  }
  snprintf(h->session, sizeof(h->session), "%s", ag_log_quote(h->step.session_id, q, sizeof(q)));
  h->s = sess_table_find(u->sessions, c->name, h->step.session_id);
  if (h->s && strcmp(h->s->msisdn, h->step.msisdn) != 0) {
    /* One session is one phone: another number under the same id is a carrier fault or a
     * forgery, and must not write into the first caller's answers. */
    h->s = NULL;
    hop_free(h);
    return bad_request(req, c, AG_EBADREQ, "phoneNumber does not match the session");
  }
  if (h->s && h->s->ended && h->step.n_inputs > h->s->hops) {
    /* Input after the session ended (a timeout, say): the carrier's session is over too. */
    h->reply.lang = h->s->ctx.profile ? h->s->profile.lang : SESS_KK;
    reply_screen(req, c, 1, sess_string(h->s->content, "timeout", h->reply.lang));
    log_hop(h, sess_end_reason_name(h->s->ended), AG_OK);
    hop_free(h);
    return AG_OK;
  }
  if (!h->s && !(h->s = session_start(h))) {
    hop_unavailable(h, AG_ENOMEM);
    return AG_OK;
  }
  if (h->s->profile_state != SESS_PROFILE_READY) {
    rc = wait_for_profile(h);
    if (rc == AG_AGAIN)
      return AG_AGAIN;
    hop_unavailable(h, rc);
    return AG_OK;
  }
  hop_run(h);
  return gw_req_is_suspended(req) ? AG_AGAIN : AG_OK;
}

int gw_ussd_end(struct gw_ussd *u, const struct gw_carrier *c, struct gw_req *req)
{
  struct gw_ussd_end end;
  struct sess_session *s;
  char err[160], q[GW_USSD_ID_MAX * 4 + 8], q2[GW_USSD_ID_MAX * 4 + 8];
  size_t len;
  const char *body = gw_req_body(req, &len);
  int rc;

  rc = gw_carrier_ussd_end(c, body, len, &end, err, sizeof(err));
  if (rc) {
    ag_form_cleanup(&end.form);
    return bad_request(req, c, rc, err);
  }
  s = sess_table_find(u->sessions, c->name, end.session_id);
  AG_LOGI("ussd.carrier_end", "carrier=%s session=%s status=%s known=%d hops=%s duration_ms=%s",
          c->name, ag_log_quote(end.session_id, q, sizeof(q)),
          ag_log_quote(end.status, q2, sizeof(q2)), s != NULL, end.hops, end.duration_ms);
  if (s)
    sess_table_end(s, SESS_END_CARRIER);
  ag_form_cleanup(&end.form);
  gw_req_reply(req, 200, "text/plain; charset=utf-8", "OK\n", 3, GW_BODY_STATIC);
  return AG_OK;
}
