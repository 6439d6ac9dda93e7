/* gw_sms.c: SMS links, delivery reports and parents' messages (gw_sms.h). */
#include "gateway/sms/gw_sms.h"
#include "lib/ag.h"
#include "lib/ag_curl.h"
#include "lib/ag_log.h"
#include "sms/sms.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUERY_MAX 8192

static int link_request(void *arg, const struct sms_out *m, char *url, size_t cap)
{
  const struct gw_sms_link *l = arg;
  struct gw_sms_send send = {.id = m->id,
                             .attempt = m->attempt,
                             .msisdn = m->msisdn,
                             .text = m->body,
                             .ucs2 = m->ucs2,
                             .url = url,
                             .cap = cap};

  return gw_carrier_send_request(l->carrier, &send);
}

static enum sms_verdict link_verdict(void *arg, long status, const char *body, size_t len)
{
  const struct gw_sms_link *l = arg;
  struct gw_sms_send send = {0};

  if (gw_carrier_send_response(l->carrier, (int)status, body, len, &send) != AG_OK)
    return SMS_RETRY;
  return send.verdict == 1 ? SMS_SUBMITTED : send.verdict == 3 ? SMS_FAILED : SMS_RETRY;
}

static const struct sms_link_ops link_ops = {link_request, link_verdict};

static const struct ag_carrier_conf *conf_of(const struct ag_config *cfg, const char *name)
{
  for (size_t i = 0; i < cfg->n_carriers; i++)
    if (strcmp(cfg->carriers[i].name, name) == 0)
      return &cfg->carriers[i];
  return NULL;
}

static void tips_queued(void *arg)
{
  sms_outbox_kick(arg);
}

static int sched_start(struct gw_sms *s, struct event_base *base, const struct ag_config *cfg)
{
  struct sms_sched_config sc = {.link = s->links[0].carrier->name,
                                .interval_days = cfg->sms_tip_interval_days,
                                .quiet_start_min = (int)cfg->sms_quiet_start_min,
                                .quiet_end_min = (int)cfg->sms_quiet_end_min,
                                .tz_offset_min = (int)cfg->sms_tz_offset_min};
  char path[1024], err[512], q[600];
  int rc;

  snprintf(path, sizeof(path), "%s/calendar.json", cfg->content_dir);
  rc = sms_tips_load(path, &s->tips, err, sizeof(err));
  if (rc) {
    AG_LOGE("sms.calendar", "error=%s", ag_log_quote(err, q, sizeof(q)));
    return rc;
  }
  s->sched = sms_sched_create(base, s->store, s->tips, &sc, tips_queued, s->links[0].outbox);
  struct sms_school_config kc = {.link = s->links[0].carrier->name,
                                 .week_cap = cfg->school_week_cap,
                                 .daily_cap = cfg->school_daily_cap,
                                 .poll_ms = cfg->school_poll_ms,
                                 .quiet_start_min = (int)cfg->sms_quiet_start_min,
                                 .quiet_end_min = (int)cfg->sms_quiet_end_min,
                                 .tz_offset_min = (int)cfg->sms_tz_offset_min};
  s->school = sms_school_create(base, cfg->db, &kc, tips_queued, s->links[0].outbox);
  return s->sched && s->school ? AG_OK : AG_ENOMEM;
}

int gw_sms_setup(struct gw_sms *s, struct event_base *base, const struct ag_config *cfg,
                 const struct gw_carriers *cs, const struct store_config *scfg,
                 const struct ag_secret *secret, struct ag_metrics *metrics)
{
  struct store_config own = *scfg;
  struct store *st = NULL;
  struct ag_curl_config hc = {.connect_timeout_ms = cfg->sms_http_connect_timeout_ms,
                              .total_timeout_ms = cfg->sms_http_timeout_ms,
                              .max_in_flight = (unsigned)cfg->sms_http_max_in_flight};

  memset(s, 0, sizeof(*s));
  s->secret = secret;
  for (size_t i = 0; i < sms_keywords_default_n && i < 32; i++)
    s->kw[s->n_kw++] = sms_keywords_default[i];
  {
    size_t n = 0;
    if (sms_keywords_parse(cfg->sms_keywords, s->kw_buf, sizeof(s->kw_buf), s->kw + s->n_kw,
                           AG_SMS_KEYWORDS_MAX, &n) != AG_OK) {
      AG_LOGE("sms.keywords", "error=%s", "sms_keywords cannot be read");
      return AG_ECONFIG;
    }
    s->n_kw += n;
  }
  own.metrics = NULL;  /* the hops' store owns the aulgate_db_* families */
  own.connections = 1; /* it carries no session's statements (store_lanes.c) */
  for (size_t i = 0; i < cs->n; i++) {
    const struct gw_carrier *c = cs->v[i];
    const struct ag_carrier_conf *conf = conf_of(cfg, c->name);
    struct gw_sms_link *l = &s->links[s->n];
    struct sms_outbox_config oc = {
        .link = c->name,
        .rate = conf && conf->sms_rate ? conf->sms_rate : 100,
        /* past the HTTP timeout and the verdict's write: no one else sends it meanwhile */
        .lease_ms = 2 * cfg->sms_http_timeout_ms + 5000,
        .max_age_s = cfg->sms_max_age_s,
        .retention_s = cfg->sms_outbox_retention_days * 86400,
        .retry_base_ms = cfg->sms_retry_base_ms,
        .retry_max_ms = cfg->sms_retry_max_ms,
        .max_in_flight = (unsigned)cfg->sms_http_max_in_flight};
    if (!gw_carrier_has(c, GW_DIALECT_F_SMS_SEND))
      continue;
    if (!st && !(st = s->store = store_create(base, &own)))
      return AG_ENOMEM;
    *l = (struct gw_sms_link){.sms = s, .carrier = c};
    l->http = ag_curl_create(base, &hc);
    if (l->http)
      l->outbox = sms_outbox_create(base, st, l->http, metrics, &oc, &link_ops, l);
    s->n++;
    if (!l->outbox)
      return AG_ENOMEM;
  }
  return s->n ? sched_start(s, base, cfg) : AG_OK;
}

void gw_sms_cleanup(struct gw_sms *s)
{
  sms_sched_destroy(s->sched);
  s->sched = NULL;
  sms_school_destroy(s->school);
  s->school = NULL;
  for (size_t i = 0; i < s->n; i++) {
    sms_outbox_destroy(s->links[i].outbox);
    ag_curl_destroy(s->links[i].http); /* after the worker: its requests call back dead */
  }
  s->n = 0;
  store_destroy(s->store); /* its callbacks run: the workers above are gone but referenced */
  s->store = NULL;
  sms_tips_free(s->tips); /* after the scheduler: it borrowed them */
  s->tips = NULL;
}

struct gw_sms_link *gw_sms_link_of(struct gw_sms *s, const struct gw_carrier *c)
{
  for (size_t i = 0; i < s->n; i++)
    if (s->links[i].carrier == c)
      return &s->links[i];
  return NULL;
}

size_t gw_sms_routes(struct gw_sms *s, const struct gw_carrier *c, struct gw_route *out)
{
  struct gw_sms_link *l = gw_sms_link_of(s, c);

  if (!l)
    return 0;
  snprintf(l->dlr_path, sizeof(l->dlr_path), "/dlr/%s", c->name);
  snprintf(l->mo_path, sizeof(l->mo_path), "/sms/%s", c->name);
  out[0] = (struct gw_route){"GET", l->dlr_path, GW_MATCH_EXACT, GW_AUTH_CARRIER,
                             0,     &c->allow,   gw_sms_dlr,     l};
  out[1] = (struct gw_route){"GET", l->mo_path, GW_MATCH_EXACT, GW_AUTH_CARRIER,
                             0,     &c->allow,  gw_sms_mo,      l};
  return 2;
}

void gw_sms_school_created(void *arg)
{
  struct gw_sms *s = arg;

  sms_school_wake(s->school); /* NULL without a link */
}

void gw_sms_quiesce(struct gw_sms *s)
{
  sms_sched_destroy(s->sched); /* what it claimed and did not schedule waits out its lease */
  s->sched = NULL;
  for (size_t i = 0; i < s->n; i++)
    sms_outbox_quiesce(s->links[i].outbox);
}

size_t gw_sms_busy(const struct gw_sms *s)
{
  size_t n = 0;

  for (size_t i = 0; i < s->n; i++)
    n += sms_outbox_busy(s->links[i].outbox);
  return n;
}

static int reply(struct gw_req *req, int status, const char *text)
{
  return gw_req_reply(req, status, "text/plain; charset=utf-8", text, strlen(text), GW_BODY_STATIC);
}

static void on_dlr(void *arg, int rc, int found)
{
  struct gw_req *req = arg;

  (void)found; /* a report of a row gone (deleted by hand): nothing to retry */
  reply(req, rc == AG_OK ? 200 : 503, rc == AG_OK ? "ok\n" : "try again\n");
}

int gw_sms_dlr(void *ctx, struct gw_req *req)
{
  struct gw_sms_link *l = ctx;
  char query[QUERY_MAX], err[160];
  struct gw_dlr dlr;
  size_t len;
  int rc;

  if (gw_req_query_form(req, query, sizeof(query), &len) != AG_OK)
    return reply(req, 413, "query too long\n");
  rc = gw_carrier_dlr(l->carrier, query, len, &dlr, err, sizeof(err));
  ag_form_cleanup(&dlr.form);
  if (rc) {
    AG_LOGW("sms.dlr_bad", "carrier=%s request=%s error=%s", l->carrier->name, gw_req_id(req), err);
    return reply(req, 400, "bad report\n");
  }
  AG_LOGD("sms.dlr", "carrier=%s id=%lld attempt=%d type=%d", l->carrier->name, dlr.id, dlr.attempt,
          dlr.type);
  if (sms_outbox_dlr(l->outbox, dlr.id, dlr.type, on_dlr, req) != AG_OK)
    return reply(req, 503, "try again\n");
  gw_req_suspend(req);
  return AG_AGAIN;
}

struct mo_wait {
  struct gw_sms_link *link;
  struct gw_req *req;
  char phone[AG_PHONE_MAX]; /* masked */
  const char *kw;
};

static void on_mo(void *arg, int rc, int fresh, int changed, const char *lang)
{
  struct mo_wait *w = arg;

  AG_LOGI("sms.mo", "carrier=%s phone=%s keyword=%s fresh=%d changed=%d confirm=%s rc=%s",
          w->link->carrier->name, w->phone, w->kw, fresh, changed, lang ? lang : "-",
          ag_errname(rc));
  if (rc == AG_OK && lang)
    sms_outbox_kick(w->link->outbox);
  reply(w->req, rc == AG_OK ? 200 : 503, "");
  free(w);
}

int gw_sms_mo(void *ctx, struct gw_req *req)
{
  struct gw_sms_link *l = ctx;
  char query[QUERY_MAX], err[160];
  struct gw_sms_in in;
  struct store_sms_mo mo = {.link = l->carrier->name};
  const struct sms_keyword *kw;
  struct mo_wait *w;
  size_t len;
  int rc;

  if (gw_req_query_form(req, query, sizeof(query), &len) != AG_OK)
    return reply(req, 413, "");
  rc = gw_carrier_sms_in(l->carrier, query, len, &in, err, sizeof(err));
  if (rc && rc != AG_EPHONE) {
    ag_form_cleanup(&in.form);
    AG_LOGW("sms.mo_bad", "carrier=%s request=%s error=%s", l->carrier->name, gw_req_id(req), err);
    return reply(req, 400, "");
  }
  if (rc == AG_EPHONE) { /* not a number we serve: nothing to switch, nothing to answer */
    ag_form_cleanup(&in.form);
    AG_LOGW("sms.mo_not_ours", "carrier=%s request=%s", l->carrier->name, gw_req_id(req));
    return reply(req, 200, "");
  }
  kw = sms_keyword_match(in.text, strlen(in.text), l->sms->kw, l->sms->n_kw);
  w = calloc(1, sizeof(*w));
  if (!w) {
    ag_form_cleanup(&in.form);
    return reply(req, 503, "");
  }
  *w = (struct mo_wait){.link = l, .req = req, .kw = kw ? kw->word : "-"};
  ag_phone_mask(in.msisdn, w->phone, sizeof(w->phone));
  mo.message_id = in.message_id;
  mo.msisdn = in.msisdn;
  ag_respondent_key(l->sms->secret, in.msisdn, mo.respondent);
  mo.action = !kw ? STORE_MO_OTHER : kw->kind == SMS_KW_STOP ? STORE_MO_STOP : STORE_MO_START;
  if (!kw) { /* not STOP or START: perhaps a reply to a school's request */
    enum sms_kw r = sms_reply_parse(in.text, strlen(in.text), NULL);
    mo.action = r == SMS_KW_HELP      ? STORE_MO_HELP
                : r == SMS_KW_NOT_NOW ? STORE_MO_NOT_NOW
                : r == SMS_KW_MORE    ? STORE_MO_MORE
                                      : STORE_MO_OTHER;
    if (sms_reply_name(r))
      w->kw = sms_reply_name(r);
  }
  mo.lang = kw ? kw->lang : "ru";
  for (int i = 0; i < 3; i++) {
    static const char *const langs[] = {"kk", "ru", "en"};
    struct sms_plan plan;
    mo.confirm[i] =
        sms_text(l->sms->tips, mo.action == STORE_MO_STOP ? SMS_TEXT_OFF : SMS_TEXT_ON, langs[i]);
    sms_plan(mo.confirm[i], strlen(mo.confirm[i]), SMS_MAX_PARTS, &plan);
    mo.confirm_parts[i] = (int)plan.parts;
    mo.confirm_all[i] = sms_text(l->sms->tips, SMS_TEXT_OFF_ALL, langs[i]);
    sms_plan(mo.confirm_all[i], strlen(mo.confirm_all[i]), SMS_MAX_PARTS, &plan);
    mo.confirm_all_parts[i] = (int)plan.parts;
  }
  rc = store_sms_mo(l->sms->store, &mo, on_mo, w);
  ag_form_cleanup(&in.form); /* store_sms_mo copied what it keeps */
  if (rc) {
    free(w);
    return reply(req, 503, "");
  }
  gw_req_suspend(req);
  return AG_AGAIN;
}
