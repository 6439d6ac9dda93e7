/* gw_api_subs.c: DELETE /api/v1/subscriptions/{number or respondent}: an operator switches a
 * parent's SMS tips off (issue 12, item 1: opt-out "by the operators' API"), as a parent who
 * phoned the hotline asked; the number is erased and the history says `api` (decision 60). */
#include "gateway/api/gw_api.h"
#include "lib/ag.h"
#include "lib/ag_log.h"
#include "lib/ag_phone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREFIX "/api/v1/subscriptions/"

struct unsub {
  struct gw_api *api;
  struct gw_req *req;
  char target[80]; /* the audit's: the number masked, or the respondent in hex */
};

static int hexval(char c)
{
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The respondent of id: 64 lower-case hex characters (a respondent key), or a Kazakhstan
 * mobile number in any form ag_phone_normalize() takes (its key under the current secret; e164
 * then holds it). AG_OK, or AG_EINVAL. */
int gw_api_subs_parse(const char *id, const struct ag_secret *secret,
                      uint8_t respondent[STORE_RESPONDENT_LEN] /* OUT */,
                      char e164[AG_PHONE_MAX] /* OUT */)
{
  size_t n = strlen(id);
  int hex = n == 2 * STORE_RESPONDENT_LEN;

  e164[0] = '\0';
  for (size_t i = 0; hex && i < n; i++)
    hex = hexval(id[i]) >= 0;
  if (hex) {
    for (size_t i = 0; i < STORE_RESPONDENT_LEN; i++)
      respondent[i] = (uint8_t)(hexval(id[2 * i]) << 4 | hexval(id[2 * i + 1]));
    return AG_OK;
  }
  if (n > 32 || ag_phone_normalize(id, n, e164) != AG_OK)
    return AG_EINVAL;
  ag_respondent_key(secret, e164, respondent);
  return AG_OK;
}

static void on_unsub(void *arg, int rc, long n)
{
  struct unsub *u = arg;
  static const char ok[] = "{\"unsubscribed\":true}\n";

  AG_LOGI("api.unsubscribe", "req=%s target=%s switched=%ld rc=%s", gw_req_id(u->req), u->target, n,
          ag_errname(rc));
  if (rc != AG_OK) {
    gw_api_audit(u->api, u->req, NULL, "subscriptions.delete", u->target, 503, "failed");
    gw_api_error(u->req, 503, "the database could not be reached: try again");
  } else if (n == 0) {
    gw_api_audit(u->api, u->req, NULL, "subscriptions.delete", u->target, 404, "unknown");
    gw_api_error(u->req, 404, "no active subscription for that number or respondent");
  } else {
    gw_api_audit(u->api, u->req, NULL, "subscriptions.delete", u->target, 200, "ok");
    gw_req_reply(u->req, 200, "application/json", ok, sizeof(ok) - 1, GW_BODY_STATIC);
  }
  free(u);
}

int gw_api_subs_delete(void *ctx, struct gw_req *req)
{
  struct gw_api *api = ctx;
  const char *path = gw_req_path(req);
  uint8_t respondent[STORE_RESPONDENT_LEN];
  char e164[AG_PHONE_MAX];
  struct unsub *u;

  if (strncmp(path, PREFIX, sizeof(PREFIX) - 1) != 0 ||
      gw_api_subs_parse(path + sizeof(PREFIX) - 1, api->secret, respondent, e164) != AG_OK)
    return gw_api_error(req, 400,
                        "the path must be /api/v1/subscriptions/{a Kazakhstan mobile number, or a "
                        "respondent as 64 hex characters}");
  u = calloc(1, sizeof(*u));
  if (!u)
    return gw_api_error(req, 503, "out of memory");
  *u = (struct unsub){.api = api, .req = req};
  if (e164[0])
    ag_phone_mask(e164, u->target, sizeof(u->target));
  else
    snprintf(u->target, sizeof(u->target), "%s", path + sizeof(PREFIX) - 1);
  /* Audited without holding the reply, as ending a session is: the switch has committed, and a
   * trail row that failed is counted and logged (aulgate_audit_writes_total{outcome="failed"}). */
  if (store_unsubscribe(api->store, respondent, e164[0] ? e164 : NULL, on_unsub, u) != AG_OK) {
    free(u);
    return gw_api_error(req, 503, "the database could not be reached: try again");
  }
  gw_req_suspend(req);
  return AG_AGAIN;
}
