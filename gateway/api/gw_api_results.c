/* gw_api_results.c: GET /api/v1/results (issue 11): the analysts' figures, from the rollups
 * only, through the reader's connection (db_read: a replica may serve them), small cells
 * suppressed (gateway/api/gw_results.c, docs/privacy.md). An analyst's token reaches only its
 * regions: gw_results_sql() puts them into the SQL. Every call is audited; a reply with data
 * goes out only once its audit row committed. */
#include "gateway/api/gw_api.h"
#include "gateway/api/gw_results.h"
#include "lib/ag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pending {
  struct gw_api_read rd; /* first: gw_api_read() owns and frees the whole */
  struct gw_results_query q;
};

static const char *query_get(void *arg, const char *name)
{
  return gw_req_query(arg, name);
}

/* What the audit row says was read: survey/version/question?group_by-ish. */
static void describe(const struct gw_results_query *q, char *out, size_t len)
{
  snprintf(out, len, "%s/%d/%s depth=%d chain=%d regions=%zu%s", q->survey, q->version, q->question,
           q->depth, q->chain, q->scope.n_regions, q->scope.csv ? " csv" : "");
}

static char *render(struct gw_api_read *rd, const struct store_rows *res, size_t *len)
{
  struct pending *p = (struct pending *)rd;
  size_t n = (size_t)store_rows_n(res);
  struct gw_results_row *rows = calloc(n ? n : 1, sizeof(*rows));
  unsigned char *hidden = calloc(n ? n : 1, 1);
  char *body = NULL;

  if (rows && hidden) {
    for (size_t i = 0; i < n; i++) {
      int r = (int)i;
      for (int l = 0; l < GW_RESULTS_LEVELS; l++) {
        rows[i].key[l] = store_rows_value(res, r, 2 * l);
        rows[i].name[l] = store_rows_value(res, r, 2 * l + 1);
      }
      rows[i].option = store_rows_value(res, r, 2 * GW_RESULTS_LEVELS);
      rows[i].n = atoll(store_rows_value(res, r, 2 * GW_RESULTS_LEVELS + 1));
    }
    if (gw_results_suppress(rows, n, p->q.depth, rd->api->results_k, hidden) == AG_OK)
      body = gw_results_format(&p->q, rows, hidden, n, rd->api->results_k, len);
  }
  free(rows);
  free(hidden);
  return body;
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
  p->rd = (struct gw_api_read){.api = api, .req = req, .action = "results", .render = render};
  rc = gw_results_parse(query_get, req, &p->q, err, sizeof(err));
  if (rc == AG_OK) {
    describe(&p->q, p->rd.target, sizeof(p->rd.target));
    p->rd.csv = p->q.scope.csv;
    rc = gw_results_sql(&p->q, who->regions, sql, err, sizeof(err));
  }
  if (rc == AG_OK)
    rc = gw_api_read(&p->rd, sql->sql, sql->nparams, sql->params);
  else {
    gw_api_refuse(api, req, "results", p->rd.target, rc == AG_EDENIED ? 403 : 400, err);
    free(p);
    rc = AG_OK;
  }
  free(sql);
  return rc;
}
