/* gw_api_audit.c: the audit trail's writes, and the API's JSON errors (see gw_api.h).
 *
 * Rows go through the store's batch engine like answers, so no request waits on the loop for
 * them. A data read is replied only once its row committed: a trail that can silently miss the
 * reads it exists for is worth little, so when the row cannot be written the read fails (503). */
#include "gateway/api/gw_api.h"
#include "lib/ag.h"
#include "lib/ag_buf.h"
#include "lib/ag_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fill(struct store_audit *a, struct gw_req *req, const struct gw_principal *who,
                 const char *action, const char *target, int status, const char *outcome)
{
  *a = (struct store_audit){.token_id = who ? who->id : 0,
                            .role = who ? gw_role_name(who->role) : "",
                            .action = action,
                            .target = target ? target : "",
                            .status = status,
                            .outcome = outcome,
                            .request_id = gw_req_id(req)};
}

static void audit_failed(struct gw_api *api, const char *req_id, const char *action, int rc)
{
  char q[300];

  ag_series_inc(api->audit_failed);
  AG_LOGE("api.audit_failed", "req=%s action=%s error=%s", req_id,
          ag_log_quote(action, q, sizeof(q)), ag_errname(rc));
}

struct later {
  struct gw_api *api;
  char req_id[68];
  char action[120];
};

static void on_audit(void *arg, int rc)
{
  struct later *l = arg;

  if (rc == AG_OK)
    ag_series_inc(l->api->audit_ok);
  else
    audit_failed(l->api, l->req_id, l->action, rc);
  free(l);
}

void gw_api_audit(struct gw_api *api, struct gw_req *req, const struct gw_principal *who,
                  const char *action, const char *target, int status, const char *outcome)
{
  struct store_audit a;
  struct later *l = malloc(sizeof(*l));
  int rc;

  if (!who)
    who = gw_req_user(req);
  fill(&a, req, who, action, target, status, outcome);
  if (!l) {
    audit_failed(api, gw_req_id(req), action, AG_ENOMEM);
    return;
  }
  l->api = api;
  snprintf(l->req_id, sizeof(l->req_id), "%s", gw_req_id(req));
  snprintf(l->action, sizeof(l->action), "%s", action);
  rc = store_submit_audit(api->store, &a, on_audit, l);
  if (rc) {
    audit_failed(api, l->req_id, action, rc);
    free(l);
  }
}

/* A reply held until its audit row commits. */
struct held {
  struct gw_api *api;
  struct gw_req *req;
  int status;
  const char *content_type; /* static */
  char *body;               /* owned */
  size_t len;
  char action[120];
};

static void on_held(void *arg, int rc)
{
  struct held *h = arg;

  if (rc == AG_OK) {
    ag_series_inc(h->api->audit_ok);
    gw_req_reply(h->req, h->status, h->content_type, h->body, h->len, GW_BODY_TAKE);
  } else {
    audit_failed(h->api, gw_req_id(h->req), h->action, rc);
    free(h->body);
    gw_api_error(h->req, 503, "the audit trail cannot be written: nothing is read without it");
  }
  free(h);
}

int gw_api_reply_audited(struct gw_api *api, struct gw_req *req, const char *action,
                         const char *target, int status, const char *content_type, char *body,
                         size_t len)
{
  struct store_audit a;
  struct held *h = malloc(sizeof(*h));
  int rc;

  fill(&a, req, gw_req_user(req), action, target, status, status < 400 ? "ok" : "refused");
  if (!h) {
    free(body);
    audit_failed(api, gw_req_id(req), action, AG_ENOMEM);
    return gw_api_error(req, 503, "out of memory");
  }
  *h = (struct held){api, req, status, content_type, body, len, ""};
  snprintf(h->action, sizeof(h->action), "%s", action);
  rc = store_submit_audit(api->store, &a, on_held, h);
  if (rc) {
    audit_failed(api, gw_req_id(req), action, rc);
    free(body);
    free(h);
    return gw_api_error(req, 503, "the audit trail cannot be written: nothing is read without it");
  }
  gw_req_suspend(req);
  return AG_AGAIN;
}

int gw_api_error(struct gw_req *req, int status, const char *msg)
{
  struct ag_buf b;
  char *body;
  size_t len;
  int rc;

  ag_buf_init(&b, 1024);
  rc = ag_buf_adds(&b, "{\"error\":\"");
  for (const char *p = msg; rc == AG_OK && *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (c == '"' || c == '\\')
      rc = ag_buf_printf(&b, "\\%c", c);
    else if (c < 0x20)
      rc = ag_buf_printf(&b, "\\u%04x", c);
    else
      rc = ag_buf_add(&b, p, 1);
  }
  if (rc == AG_OK)
    rc = ag_buf_adds(&b, "\"}\n");
  body = ag_buf_take(&b, &len);
  if (rc || !body) {
    free(body);
    gw_req_reply(req, 500, "application/json", "{\"error\":\"internal error\"}\n", 27,
                 GW_BODY_STATIC);
    return AG_OK;
  }
  gw_req_reply(req, status, "application/json", body, len, GW_BODY_TAKE);
  return AG_OK;
}
