/* gw_api_rschools.c: GET /api/v1/results/schools (issue 13 item 6): what a region sees of its
 * schools' requests, read by one aggregate query over the schools' tables on the results'
 * reader (db_read: a replica may serve it), small groups suppressed as the results are
 * (gateway/api/gw_rschools.c, docs/privacy.md). An analyst's regions are in the SQL
 * (gw_rschools_sql); a region outside the token is 403. Every call is audited
 * (results.schools); a reply with data goes out only once its audit row committed. */
#include "gateway/api/gw_api.h"
#include "gateway/api/gw_rschools.h"
#include "lib/ag.h"
#include "lib/ag_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ACTION "results.schools"

struct pending {
  struct gw_api *api;
  struct gw_req *req;
  struct gw_rschools_query q;
  char target[120];
};

static const char *query_get(void *arg, const char *name)
{
  return gw_req_query(arg, name);
}

static void refuse(struct gw_api *api, struct gw_req *req, int status, const char *why,
                   const char *target)
{
  gw_api_audit(api, req, NULL, ACTION, target, status, why);
  gw_api_error(req, status, why);
}

static void on_rows(void *arg, int rc, const struct store_rows *res, const char *err)
{
  struct pending *p = arg;
  struct gw_rschools_row *rows = NULL;
  char *body = NULL, q[300];
  size_t n, len = 0;

  if (rc != AG_OK) {
    AG_LOGW("api.results_schools_read_failed", "req=%s error=%s reason=%s", gw_req_id(p->req),
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
  if (rows) {
    for (size_t i = 0; i < n; i++) {
      int r = (int)i;
      /* Columns: region, name, settlement, district, name, school, name, then the counts. */
      rows[i].key[0] = store_rows_value(res, r, 0);
      rows[i].name[0] = store_rows_value(res, r, 1);
      rows[i].key[1] = store_rows_value(res, r, 2);
      rows[i].name[1] = "";
      rows[i].key[2] = store_rows_value(res, r, 3);
      rows[i].name[2] = store_rows_value(res, r, 4);
      rows[i].key[3] = store_rows_value(res, r, 5);
      rows[i].name[3] = store_rows_value(res, r, 6);
      for (int c = 0; c < GW_RS_N; c++)
        rows[i].n[c] = atoll(store_rows_value(res, r, 7 + c));
    }
    body = gw_rschools_reply(&p->q, rows, n, p->api->results_k, &len);
  }
  free(rows);
  if (!body)
    refuse(p->api, p->req, 500, "out of memory", p->target);
  else
    gw_api_reply_audited(p->api, p->req, ACTION, p->target, 200,
                         p->q.csv ? "text/csv; charset=utf-8" : "application/json", body, len);
  free(p);
}

int gw_api_results_schools(void *ctx, struct gw_req *req)
{
  struct gw_api *api = ctx;
  const struct gw_principal *who = gw_req_user(req);
  struct pending *p;
  struct gw_rschools_sql *sql;
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
  rc = gw_rschools_parse(query_get, req, (long long)time(NULL), &p->q, err, sizeof(err));
  if (rc == AG_OK) {
    snprintf(p->target, sizeof(p->target), "%s depth=%d regions=%zu%s", p->q.from, p->q.depth,
             p->q.n_regions, p->q.csv ? " csv" : "");
    rc = gw_rschools_sql(&p->q, who->regions, sql, err, sizeof(err));
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
