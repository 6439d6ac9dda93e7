/* gw_ussd.c: one USSD hop, from the carrier's request to its screen.
 *
 * dialect parse -> E.164 and respondent key -> engine replay -> (answer? store, wait for the
 * commit) -> dialect render. A hop that answers a question is suspended until its batch has
 * committed; a navigation hop is answered at once. Any failure to store becomes the polite END
 * screen in the session's language: the carrier never sees a 5xx for a parent's hop.
 */
#include "gateway/dialects/dialect.h"
#include "gateway/gw.h"
#include "gateway/gw_log.h"
#include "gateway/gw_server.h"

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

/* A hop waiting for its answer to commit. */
struct hop {
  struct gw_server *srv;
  struct gw_req *req;
  const struct gw_dialect *d;
  struct sess_content *content; /* owned reference: the reply's strings point into it */
  struct sess_reply reply;
  long long t0_us;
  size_t index;
  char session[GW_USSD_ID_MAX + 3];
  char phone[GW_PHONE_MAX + 4];
};

static long long now_us(void)
{
  struct timeval tv;

  gettimeofday(&tv, NULL);
  return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

static void reply_screen(struct gw_req *req, const struct gw_dialect *d, int end, const char *text)
{
  struct gw_dialect_reply out;

  if (gw_dialect_render_ussd(d, end, text, &out)) {
    /* Only a screen far over any budget gets here; lint keeps content from it. */
    gw_req_reply(req, 200, "text/plain; charset=utf-8", "END", 3);
    return;
  }
  gw_req_reply(req, out.status, out.content_type, out.body, out.len);
}

static void log_hop(const struct hop *h, const char *result, int rc)
{
  GW_LOGI("ussd.hop",
          "carrier=%s session=%s hop=%zu phone=%s answered=%d end=%d result=%s%s%s ms=%.2f",
          h->d->name, h->session, h->index, h->phone, h->reply.has_answer, h->reply.end, result,
          rc ? " error=" : "", rc ? gw_errname(rc) : "", (double)(now_us() - h->t0_us) / 1000.0);
}

static void hop_finish(struct hop *h, int rc)
{
  if (rc == GW_OK) {
    reply_screen(h->req, h->d, h->reply.end, h->reply.text);
    log_hop(h, "ok", rc);
  } else {
    reply_screen(h->req, h->d, 1, sess_string(h->content, "unavailable", h->reply.lang));
    log_hop(h, "unavailable", rc);
  }
  sess_content_unref(h->content);
  free(h);
}

static void on_stored(void *arg, int rc)
{
  hop_finish(arg, rc);
}

static int submit(struct hop *h, const struct gw_ussd_step *step)
{
  const struct sess_answer *a = &h->reply.answer;
  struct store_answer sa = {
      .relation = "",
      .survey_id = a->survey_id,
      .survey_version = a->survey_version,
      .question_id = a->question_id,
      .option = a->value,
      .lang = sess_lang_code(h->reply.lang),
      .carrier = h->d->name,
      .network_code = step->network_code,
      .session_id = step->session_id,
      .hop = (int)step->n_inputs,
      .received_at_us = gw_req_received_us(h->req),
  };

  gw_respondent_key(&h->srv->secret, step->msisdn, sa.respondent);
  return store_submit(h->srv->store, &sa, on_stored, h);
}

static int bad_request(struct gw_req *req, const struct gw_dialect *d, int rc, const char *why)
{
  char q[300], body[320];
  int n;

  GW_LOGW("ussd.bad_request", "carrier=%s error=%s detail=%s", d->name, gw_errname(rc),
          gw_log_quote(why, q, sizeof(q)));
  n = snprintf(body, sizeof(body), "%s\n", why);
  gw_req_reply(req, rc == GW_E2BIG ? 413 : 400, "text/plain; charset=utf-8", body, (size_t)n);
  return GW_OK;
}

static int ussd_handle(struct gw_server *srv, const struct gw_dialect *d, struct gw_req *req)
{
  struct gw_ussd_step step;
  char err[160], q[GW_USSD_ID_MAX * 4 + 8];
  size_t len;
  const char *body = gw_req_body(req, &len);
  struct hop *h;
  int rc;

  rc = gw_dialect_parse_ussd(d, body, len, &step, err, sizeof(err));
  if (rc == GW_EPHONE) {
    /* A number we cannot serve (or must not key): refuse politely, keep nothing. */
    GW_LOGW("ussd.bad_number", "carrier=%s session=%s phone=****", d->name,
            gw_log_quote(step.session_id, q, sizeof(q)));
    reply_screen(req, d, 1, sess_string(srv->content, "bad_number", SESS_KK));
    gw_ussd_step_cleanup(&step);
    return GW_OK;
  }
  if (rc) {
    gw_ussd_step_cleanup(&step);
    return bad_request(req, d, rc, err);
  }
  h = calloc(1, sizeof(*h));
  if (!h) {
    gw_ussd_step_cleanup(&step);
    reply_screen(req, d, 1, sess_string(srv->content, "unavailable", SESS_KK));
    return GW_OK;
  }
  h->srv = srv;
  h->req = req;
  h->d = d;
  h->content = sess_content_ref(srv->content);
  h->t0_us = gw_req_received_us(req);
  h->index = step.n_inputs;
  snprintf(h->session, sizeof(h->session), "%s", gw_log_quote(step.session_id, q, sizeof(q)));
  gw_phone_mask(step.msisdn, h->phone, sizeof(h->phone));

  rc = sess_replay(h->content, srv->cfg.ussd_entry, step.inputs, step.n_inputs, &h->reply);
  if (rc == GW_OK && h->reply.has_answer) {
    rc = submit(h, &step);
    gw_ussd_step_cleanup(&step);
    if (rc == GW_OK) {
      gw_req_suspend(req);
      return GW_AGAIN;
    }
  } else {
    gw_ussd_step_cleanup(&step);
  }
  hop_finish(h, rc);
  return GW_OK;
}

int gw_ussd_at(void *ctx, struct gw_req *req)
{
  static const struct gw_dialect *at;

  if (!at) at = gw_dialect_find("at");
  return ussd_handle(ctx, at, req);
}
