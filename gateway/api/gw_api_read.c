/* gw_api_read.c: one audited read on the results' reader (db_read), shared by the routes that
 * answer from it (gw_api_results.c, gw_api_rschools.c; see gw_api.h). */
#include "gateway/api/gw_api.h"
#include "lib/ag.h"
#include "lib/ag_log.h"

#include <stdlib.h>

void gw_api_refuse(struct gw_api *api, struct gw_req *req, const char *action, const char *target,
                   int status, const char *why)
{
  gw_api_audit(api, req, NULL, action, target, status, why);
  gw_api_error(req, status, why);
}

static void on_rows(void *arg, int rc, const struct store_rows *rows, const char *err)
{
  struct gw_api_read *rd = arg;
  char *body = NULL, q[300];
  size_t len = 0;

  if (rc != AG_OK) {
    AG_LOGW("api.read_failed", "action=%s req=%s error=%s reason=%s", rd->action,
            gw_req_id(rd->req), ag_errname(rc), ag_log_quote(err, q, sizeof(q)));
    if (rc == AG_ECANCELED) /* shutting down: the store may be gone, no audit row */
      gw_api_error(rd->req, 503, "the gateway is stopping");
    else
      gw_api_refuse(rd->api, rd->req, rd->action, rd->target, 503,
                    "the results database did not answer");
  } else if (!(body = rd->render(rd, rows, &len))) {
    gw_api_refuse(rd->api, rd->req, rd->action, rd->target, 500, "out of memory");
  } else {
    gw_api_reply_audited(rd->api, rd->req, rd->action, rd->target, 200,
                         rd->csv ? "text/csv; charset=utf-8" : "application/json", body, len);
  }
  free(rd);
}

int gw_api_read(struct gw_api_read *rd, const char *sql, int nparams, const char *const *params)
{
  if (store_read(rd->api->reader, sql, nparams, params, on_rows, rd) != AG_OK) {
    gw_api_refuse(rd->api, rd->req, rd->action, rd->target, 503,
                  "too many results queries waiting");
    free(rd);
    return AG_OK;
  }
  gw_req_suspend(rd->req);
  return AG_AGAIN;
}
