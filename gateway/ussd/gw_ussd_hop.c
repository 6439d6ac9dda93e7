/* gw_ussd_hop.c: the hop proper, once parsed and in its session: the caller's profile (read
 * once per session), the engine's screen, the effect stored, the screen sent.
 */
#include "gateway/ussd/gw_ussd-internal.h"
#include "lib/ag.h"
#include "lib/ag_log.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gw_ussd__hop_log(const struct gw_ussd_hop *h, const char *result, int rc)
{
  long long us = gw_ussd__count(h->u, h->c, result, h->t0_us); /* one clock read for both */
  char phone[AG_PHONE_MAX];

  AG_LOGI(
      "ussd.hop", "carrier=%s session=%s hop=%zu phone=%s effect=%d end=%d result=%s%s%s ms=%.2f",
      h->c->name, h->session, h->step.n_inputs,
      h->s ? sess_session_phone_masked(h->s, phone, sizeof(phone)) : "-", (int)h->reply.effect.kind,
      h->reply.end, result, rc ? " error=" : "", rc ? ag_errname(rc) : "", (double)us / 1000.0);
}

void gw_ussd__hop_free(struct gw_ussd_hop *h)
{
  struct gw_ussd *u = h->u;

  if (h->s)
    sess_session_release(h->s);
  gw_ussd_step_cleanup(&h->step);
  if (u->n_spare < GW_USSD_SPARE_MAX) {
    h->next_spare = u->spare;
    u->spare = h;
    u->n_spare++;
  } else {
    free(h);
  }
}

void gw_ussd_cleanup(struct gw_ussd *u)
{
  while (u->spare) {
    struct gw_ussd_hop *h = u->spare;
    u->spare = h->next_spare;
    free(h);
  }
  u->n_spare = 0;
}

void gw_ussd__hop_unavailable(struct gw_ussd_hop *h, int rc)
{
  const struct sess_content *c = h->s ? sess_session_content(h->s) : h->u->content;
  /* Honest either way: never sent (or failed) is "not saved"; sent but unanswered by the
   * deadline may have been saved, and a new session reads what was (nobody is asked twice).
   * A session frozen by a process of other content is not replayed here, where its inputs
   * would mean other answers (decision 109): what it stored stays, and a new call resumes. */
  const char *key = rc == AG_EUNCONFIRMED ? "unconfirmed"
                    : rc == AG_ESTALE     ? "updated"
                                          : "unavailable";

  gw_ussd__reply_screen(h->req, h->c, 1, sess_string(c, key, h->reply.lang));
  h->reply.end = 1;
  gw_ussd__hop_log(h,
                   rc == AG_ETIMEDOUT || rc == AG_EUNCONFIRMED ? "deadline"
                   : rc == AG_ESTALE                           ? "other_content"
                                                               : "unavailable",
                   rc);
  if (h->s)
    sess_table_end(h->s, SESS_END_SCREEN);
  gw_ussd__hop_free(h);
}

void gw_ussd__hop_finish(struct gw_ussd_hop *h)
{
  if (h->failed) {
    gw_ussd__hop_unavailable(h, h->failed);
    return;
  }
  gw_ussd__reply_screen(h->req, h->c, h->reply.end, h->reply.text);
  gw_ussd__hop_log(h, "ok", AG_OK);
  if (h->reply.end)
    sess_table_end(h->s, SESS_END_SCREEN);
  gw_ussd__hop_free(h);
}

/* The hop proper, once the session knows its caller. Replies now or after the commits. */
static void hop_run(struct gw_ussd_hop *h)
{
  struct sess_session *s = h->s;
  int rc;

  sess_table_touch(s, h->step.n_inputs);
  rc = sess_replay(sess_session_content(s), &h->c->budget, h->u->cfg->ussd_entry,
                   sess_session_ctx(s), h->step.inputs, h->step.n_inputs, &h->reply);
  if (rc) {
    gw_ussd__hop_unavailable(h, rc);
    return;
  }
  sess_session_shown(s, h->step.n_inputs, h->reply.lang);
  if (h->step.n_inputs >= sess_session_hops(s)) /* not a retry of an earlier hop */
    sess_session_at(s, &h->reply);
  if (gw_ussd__submit_effect(h) > 0) {
    gw_req_suspend(h->req); /* no-op wait when already suspended for the profile */
    return;
  }
  gw_ussd__hop_finish(h); /* nothing to store, or the store refused: h->failed says which */
}

/* arg: the session, held by the hop that started the load until this settles it. The store's
 * typed rows map one to one onto the engine's. */
static void on_profile(void *arg, int rc, const struct store_profile_row *rows, size_t n)
{
  struct sess_profile p;

  if (rc == AG_EUNCONFIRMED)
    rc = AG_ETIMEDOUT; /* a read stores nothing: its waiters' answers are surely not saved */
  memset(&p, 0, sizeof(p));
  for (size_t i = 0; rc == AG_OK && i < n; i++) {
    const struct store_profile_request *q = rows[i].request;
    struct sess_request req;
    struct sess_profile_row row = {.relation = rows[i].relation,
                                   .attempt = rows[i].attempt,
                                   .open = rows[i].open,
                                   .fresh = rows[i].fresh,
                                   .lang = rows[i].lang,
                                   .question_id = rows[i].question_id,
                                   .value = rows[i].value,
                                   .survey_version = rows[i].survey_version,
                                   .sms = rows[i].sms};
    if (q) {
      memset(&req, 0, sizeof(req));
      req.id = q->id;
      req.kind = q->kind;
      req.text_kk = q->text_kk;
      req.text_ru = q->text_ru;
      req.school = q->school;
      req.people = q->people;
      snprintf(req.needed_on, sizeof(req.needed_on), "%s", q->needed_on);
      snprintf(req.closes_on, sizeof(req.closes_on), "%s", q->closes_on);
      row.request = &req;
    }
    rc = sess_profile_add(&p, &row);
  }
  sess_profile_settle(arg, rc, &p);
}

static void on_profile_ready(struct sess_waiter *w, int rc)
{
  struct gw_ussd_hop *h = (struct gw_ussd_hop *)((char *)w - offsetof(struct gw_ussd_hop, wait));

  if (rc == AG_ESTATE) {
    /* The session is another number's (its frozen profile says whose): a live session on
     * another process, or an id reused within a frozen profile's life. This process forgets
     * the session it started for h, so that the true caller's next hop starts afresh here. */
    sess_table_forget(h->s);
    gw_ussd__refuse_phone(h);
  } else if (rc) {
    gw_ussd__hop_unavailable(h, rc);
  } else {
    hop_run(h);
  }
}

int gw_ussd__hop_go(struct gw_ussd_hop *h)
{
  struct gw_req *req = h->req; /* valid until the handler returns, h maybe not */
  struct sess_session *s = h->s;
  int load, rc;

  h->wait.ready = on_profile_ready;
  rc = sess_profile_wait(s, &h->wait, &load);
  if (rc == AG_OK) {
    hop_run(h);
    return gw_req_is_suspended(req) ? AG_AGAIN : AG_OK;
  }
  if (rc == AG_E2BIG) {
    /* A burst of retries while the caller is still being looked up: nothing failed, so neither
     * "not saved" nor the end of the session; the carrier tries this hop again. */
    gw_req_add_header(req, "Retry-After", "1");
    gw_req_reply(req, 503, "text/plain; charset=utf-8", "busy: retry this hop\n", 21,
                 GW_BODY_STATIC);
    gw_ussd__hop_log(h, "busy", rc);
    gw_ussd__hop_free(h);
    return AG_OK;
  }
  if (rc != AG_AGAIN) {
    gw_ussd__hop_unavailable(h, rc);
    return AG_OK;
  }
  if (load) {
    rc = store_query_profile(h->u->store, sess_session_respondent(s), "involvement",
                             h->u->cfg->resume_window_ms / 1000, sess_session_carrier(s),
                             sess_session_id(s), sess_content_fingerprint(sess_session_content(s)),
                             h->deadline_us, on_profile, s);
    if (rc) {
      struct sess_profile none;
      memset(&none, 0, sizeof(none));
      sess_profile_settle(s, rc, &none); /* h, alone in the queue, gets the polite END now */
      return AG_OK;
    }
  }
  gw_req_suspend(req);
  return AG_AGAIN;
}
