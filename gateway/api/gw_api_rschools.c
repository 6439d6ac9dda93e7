/* gw_api_rschools.c: GET /api/v1/results/schools (issue 13 item 6): what a region sees of its
 * schools' requests, read by one aggregate query over the schools' tables on the results'
 * reader (db_read: a replica may serve it), small groups suppressed as the results are
 * (gateway/api/gw_rschools.c, docs/privacy.md). An analyst's regions are in the SQL
 * (gw_rschools_sql); a region outside the token is 403. Every call is audited
 * (results.schools); a reply with data goes out only once its audit row committed. */
#include "gateway/api/gw_api.h"
#include "gateway/api/gw_rschools.h"
#include "lib/ag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ACTION "results.schools"

struct pending {
  struct gw_api_read rd; /* first: gw_api_read() owns and frees the whole */
  struct gw_rschools_query q;
};

static const char *query_get(void *arg, const char *name)
{
  return gw_req_query(arg, name);
}

static char *render(struct gw_api_read *rd, const struct store_rows *res, size_t *len)
{
  struct pending *p = (struct pending *)rd;
  size_t n = (size_t)store_rows_n(res);
  struct gw_rschools_row *rows = calloc(n ? n : 1, sizeof(*rows));
  char *body = NULL;

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
    body = gw_rschools_reply(&p->q, rows, n, rd->api->results_k, len);
  }
  free(rows);
  return body;
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
  p->rd = (struct gw_api_read){.api = api, .req = req, .action = ACTION, .render = render};
  rc = gw_rschools_parse(query_get, req, (long long)time(NULL), &p->q, err, sizeof(err));
  if (rc == AG_OK) {
    snprintf(p->rd.target, sizeof(p->rd.target), "%s depth=%d regions=%zu%s", p->q.from, p->q.depth,
             p->q.scope.n_regions, p->q.scope.csv ? " csv" : "");
    p->rd.csv = p->q.scope.csv;
    rc = gw_rschools_sql(&p->q, who->regions, sql, err, sizeof(err));
  }
  if (rc == AG_OK)
    rc = gw_api_read(&p->rd, sql->sql, sql->nparams, sql->params);
  else {
    gw_api_refuse(api, req, ACTION, p->rd.target, rc == AG_EDENIED ? 403 : 400, err);
    free(p);
    rc = AG_OK;
  }
  free(sql);
  return rc;
}
