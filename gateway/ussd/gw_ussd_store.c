/* gw_ussd_store.c: what a hop must make durable, as store requests. The hop's screen goes out
 * only once they have committed (gw_ussd__hop_finish()).
 */
#include "gateway/ussd/gw_ussd-internal.h"
#include "lib/ag.h"
#include "lib/ag_log.h"

#include <string.h>

static void on_stored(void *arg, int rc)
{
  struct gw_ussd_hop *h = arg;

  /* "May be saved" outweighs "not saved": the reply must not deny what may have committed. */
  if (rc && (!h->failed || rc == AG_EUNCONFIRMED))
    h->failed = rc;
  if (--h->pending == 0)
    gw_ussd__hop_finish(h);
}

/* The language is a convenience for the next call: failing to keep it fails nothing. */
static void lang_not_saved(const struct gw_ussd_hop *h, int rc)
{
  AG_LOGW("ussd.lang_not_saved", "carrier=%s session=%s error=%s", h->c->name, h->session,
          ag_errname(rc));
}

static void on_lang_stored(void *arg, int rc)
{
  struct gw_ussd_hop *h = arg;

  if (rc)
    lang_not_saved(h, rc);
  on_stored(h, AG_OK);
}

/* Queues one store operation for h; a refusal counts as a failed operation. */
static void track(struct gw_ussd_hop *h, int rc)
{
  if (rc == AG_OK)
    h->pending++;
  else if (!h->failed)
    h->failed = rc;
}

static void submit_sms(struct gw_ussd_hop *h, const struct sess_effect *e, int active)
{
  struct store_sms sms = {.msisdn = sess_session_msisdn(h->s),
                          .lang = sess_lang_code(h->reply.lang),
                          .band = e->band ? e->band : "",
                          .active = active,
                          .received_at_us = gw_req_received_us(h->req),
                          .deadline_us = h->deadline_us};

  memcpy(sms.respondent, sess_session_respondent(h->s), sizeof(sms.respondent));
  track(h, store_submit_sms(h->u->store, &sms, on_stored, h));
}

/* Consent to the school's messages: with the answer, in the same batch, so that the hop is
 * acknowledged only when both are stored. */
static void submit_school_consent(struct gw_ussd_hop *h, const struct sess_effect *e)
{
  struct store_school_consent c = {.msisdn = sess_session_msisdn(h->s),
                                   .relation = e->relation ? e->relation : "",
                                   .granted = e->school_consent == SESS_SCHOOL_GRANT,
                                   .lang = sess_lang_code(h->reply.lang),
                                   .received_at_us = gw_req_received_us(h->req),
                                   .deadline_us = h->deadline_us};

  memcpy(c.respondent, sess_session_respondent(h->s), sizeof(c.respondent));
  track(h, store_submit_school_consent(h->u->store, &c, on_stored, h));
}

/* An answer to a school's request, or the number shared (or not) for it: acknowledged, like
 * every effect, only once committed (decision 93's pattern). */
static void submit_school_answer(struct gw_ussd_hop *h, const struct sess_effect *e)
{
  struct store_school_answer a = {.request_id = e->request_id,
                                  .relation = e->relation ? e->relation : "",
                                  .answer = e->value ? e->value : "",
                                  .is_share = e->kind == SESS_EFFECT_SCHOOL_SHARE,
                                  .share = e->share,
                                  .msisdn = sess_session_msisdn(h->s),
                                  .first_name = e->first_name,
                                  .received_at_us = gw_req_received_us(h->req),
                                  .deadline_us = h->deadline_us};

  memcpy(a.respondent, sess_session_respondent(h->s), sizeof(a.respondent));
  track(h, store_submit_school_answer(h->u->store, &a, on_stored, h));
}

/* One order of the context for both: region, district, settlement, grade, school. */
_Static_assert(STORE_CONTEXT_N == SESS_CTX_N && SESS_CTX_REGION == 0 && SESS_CTX_SCHOOL == 4,
               "the session's context is the store's");

static void submit_answer(struct gw_ussd_hop *h, const struct sess_effect *e)
{
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
                           .received_at_us = gw_req_received_us(h->req),
                           .deadline_us = h->deadline_us};

  memcpy(a.respondent, sess_session_respondent(h->s), sizeof(a.respondent));
  for (int i = 0; i < STORE_CONTEXT_N; i++)
    a.context[i] = e->context[i];
  track(h, store_submit(h->u->store, &a, on_stored, h));
  if (e->sms == 1)
    submit_sms(h, e, 1);
  if (e->school_consent != SESS_SCHOOL_NONE)
    submit_school_consent(h, e);
}

static void submit_attempt(struct gw_ussd_hop *h, const struct sess_effect *e)
{
  struct store_attempt a = {.carrier = h->c->name,
                            .session_id = h->step.session_id,
                            .relation = e->relation,
                            .survey_id = e->survey_id,
                            .survey_version = e->survey_version,
                            .attempt = e->attempt,
                            .lang = sess_lang_code(h->reply.lang),
                            .received_at_us = gw_req_received_us(h->req),
                            .deadline_us = h->deadline_us};

  memcpy(a.respondent, sess_session_respondent(h->s), sizeof(a.respondent));
  track(h, store_submit_attempt(h->u->store, &a, on_stored, h));
}

/* The hop waits for the commit, so that the caller's next session (on any gateway) reads it. */
static void submit_lang(struct gw_ussd_hop *h)
{
  struct store_lang l = {.carrier = h->c->name,
                         .session_id = h->step.session_id,
                         .lang = sess_lang_code(h->reply.lang),
                         .received_at_us = gw_req_received_us(h->req),
                         .deadline_us = h->deadline_us};
  int rc;

  memcpy(l.respondent, sess_session_respondent(h->s), sizeof(l.respondent));
  rc = store_submit_lang(h->u->store, &l, on_lang_stored, h);
  if (rc == AG_OK)
    h->pending++;
  else
    lang_not_saved(h, rc);
}

int gw_ussd__submit_effect(struct gw_ussd_hop *h)
{
  const struct sess_effect *e = &h->reply.effect;

  switch (e->kind) {
  case SESS_EFFECT_ANSWER:
    submit_answer(h, e);
    break;
  case SESS_EFFECT_ATTEMPT:
    submit_attempt(h, e);
    break;
  case SESS_EFFECT_SMS:
    submit_sms(h, e, e->sms);
    break;
  case SESS_EFFECT_LANG:
    submit_lang(h);
    break;
  case SESS_EFFECT_SCHOOL_ANSWER:
  case SESS_EFFECT_SCHOOL_SHARE:
    submit_school_answer(h, e);
    break;
  case SESS_EFFECT_NONE:
    break;
  }
  return h->pending;
}
