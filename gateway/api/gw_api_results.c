/* gw_api_results.c: GET /api/v1/results (issue 11): the analysts' figures, from the rollups
 * only, through the reader's connection (db_read: a replica may serve them), small cells
 * suppressed (gateway/api/gw_results.c, docs/privacy.md). An analyst's token reaches only its
 * regions: gw_results_sql() puts them into the SQL. Every call is audited; a reply with data
 * goes out only once its audit row committed. */
#include "gateway/api/gw_api.h"
#include "gateway/api/gw_results.h"
#include "lib/ag.h"
#include "lib/ag_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pending {
  struct gw_api *api;
  struct gw_req *req;
  struct gw_results_query q;
  char target[200];
};

static const char *query_get(void *arg, const char *name)
{
  return gw_req_query(arg, name);
}

/* What the audit row says was read: survey/version/question?group_by-ish. */
static void describe(const struct gw_results_query *q, char *out, size_t len)
{
  snprintf(out, len, "%s/%d/%s depth=%d chain=%d regions=%zu%s", q->survey, q->version, q->question,
           q->depth, q->chain, q->n_regions, q->csv ? " csv" : "");
}

static void refuse(struct gw_api *api, struct gw_req *req, int status, const char *why,
                   const char *target)
{
  gw_api_audit(api, req, NULL, "results", target, status, why);
  gw_api_error(req, status, why);
}

static void on_rows(void *arg, int rc, const struct store_rows *res, const char *err)
{
  struct pending *p = arg;
  struct gw_results_row *rows = NULL;
  unsigned char *hidden = NULL;
  char *body = NULL, q[300];
  size_t n = 0, len = 0;

  if (rc != AG_OK) {
    AG_LOGW("api.results_read_failed", "req=%s error=%s reason=%s", gw_req_id(p->req),
            ag_errname(rc), ag_log_quote(err, q, sizeof(q)));
    if (rc == AG_ECANCELED) /* shutting down: the store may be gone, no audit row */
      gw_api_error(p->req, 503, "the gateway is stopping");
    else
      refuse(p->api, p->req, 503, "the results database did not answer", p->target);
    free(p);
    return;
  }
  n = (size_t)store_rows_n(res);
  rows = calloc(n ? n : 1, sizeof(*rows));
  hidden = calloc(n ? n : 1, 1);
  if (rows && hidden) {
    for (size_t i = 0; i < n; i++) {
      int r = (int)i;
      for (int l = 0; l < 3; l++) {
        rows[i].key[l] = store_rows_value(res, r, 2 * l);
        rows[i].name[l] = store_rows_value(res, r, 2 * l + 1);
      }
      rows[i].key[3] = rows[i].name[3] = ""; /* the results' chains have two levels */
      rows[i].option = store_rows_value(res, r, 6);
      rows[i].n = atoll(store_rows_value(res, r, 7));
    }
    if (gw_results_suppress(rows, n, p->q.depth, p->api->results_k, hidden) == AG_OK)
      body = gw_results_format(&p->q, rows, hidden, n, p->api->results_k, &len);
  }
  free(rows);
  free(hidden);
  if (!body)
    refuse(p->api, p->req, 500, "out of memory", p->target);
  else
    gw_api_reply_audited(p->api, p->req, "results", p->target, 200,
                         p->q.csv ? "text/csv; charset=utf-8" : "application/json", body, len);
  free(p);
}

int gw_api_results(void *ctx, struct gw_req *req)
{
  struct gw_api *api = ctx;
  const struct gw_principal *who = gw_req_user(req);
  struct pending *p;
  struct gw_results_sql *sql;
  char err[300];
  int rc;

  if (!who) /* AG_NEVER: the route needs a token, and the check attaches it */
    return gw_api_error(req, 401, "missing token: send Authorization: Bearer <token>");
  p = calloc(1, sizeof(*p));
  sql = calloc(1, sizeof(*sql));
  if (!p || !sql) {
    free(p);
    free(sql);
    return gw_api_error(req, 503, "out of memory");
  }
  p->api = api;
  p->req = req;
  rc = gw_results_parse(query_get, req, &p->q, err, sizeof(err));
  if (rc == AG_OK) {
    describe(&p->q, p->target, sizeof(p->target));
    rc = gw_results_sql(&p->q, who->regions, sql, err, sizeof(err));
  }
  if (rc != AG_OK) {
    refuse(api, req, rc == AG_EDENIED ? 403 : 400, err, p->target);
    free(p);
    free(sql);
    return AG_OK;
  }
  rc = store_read(api->reader, sql->sql, sql->nparams, sql->params, on_rows, p);
  free(sql);
  if (rc != AG_OK) {
    refuse(api, req, 503, "too many results queries waiting", p->target);
    free(p);
    return AG_OK;
  }
  gw_req_suspend(req);
  return AG_AGAIN;
}
