/* gw_api_metrics.c: GET /metrics, the whole registry in the Prometheus text format (0.0.4),
 * and the API's own families. Reached with an operator's (or admin's) token, or from an address
 * of metrics_allow_ips without one: Prometheus's convention is an endpoint reachable only from
 * the scraper, and its scrape configuration then needs no secret. */
#include "gateway/api/gw_api.h"
#include "lib/ag.h"
#include "lib/ag_buf.h"

#include <stdlib.h>

#define METRICS_MAX (8u << 20) /* 512 series a family at most: far below */

static const struct ag_metric_def def_audit = {
    AG_METRIC_COUNTER,
    "aulgate_audit_writes_total",
    "Audit rows by outcome: written, or failed (logged as api.audit_failed; a read whose row "
    "failed was refused with 503).",
    {"outcome"},
    NULL,
    0};
static const double render_buckets[] = {0.0001, 0.0002, 0.0005, 0.001, 0.002,
                                        0.005,  0.01,   0.02,   0.05};
static const struct ag_metric_def def_render = {AG_METRIC_HISTOGRAM,
                                                "aulgate_metrics_render_seconds",
                                                "Time to render /metrics (on the loop).",
                                                {NULL},
                                                render_buckets,
                                                AG_ARRAY_LEN(render_buckets)};

int gw_api_metrics_init(struct gw_api *api)
{
  struct ag_metric *audit = ag_metrics_add(api->metrics, &def_audit);

  api->audit_ok = ag_metric_series1(audit, "written");
  api->audit_failed = ag_metric_series1(audit, "failed");
  api->render_seconds = ag_metric_series0(ag_metrics_add(api->metrics, &def_render));
  return api->audit_ok && api->audit_failed && api->render_seconds ? AG_OK : AG_ENOMEM;
}

int gw_api_metrics(void *ctx, struct gw_req *req)
{
  struct gw_api *api = ctx;
  long long t0 = ag_mono_us();
  struct ag_buf b;
  char *body;
  size_t len;
  int rc;

  ag_buf_init(&b, METRICS_MAX);
  rc = ag_metrics_render(api->metrics, &b);
  body = ag_buf_take(&b, &len);
  if (rc || !body) {
    free(body);
    return gw_api_error(req, 500, "cannot render the metrics");
  }
  ag_series_observe(api->render_seconds, (double)(ag_mono_us() - t0) / 1e6);
  gw_req_reply(req, 200, "text/plain; version=0.0.4; charset=utf-8", body, len, GW_BODY_TAKE);
  return AG_OK;
}
