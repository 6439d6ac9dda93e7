/* gw_health.c: the server's own figures in the metrics registry (live sessions, answers
 * pending, database up, content generation, refused reloads, uptime: read from their modules
 * when asked) and /healthz, a few figures of the registry as JSON. */
#include "gateway/gw_server.h"
#include "lib/ag.h"
#include "lib/ag_buf.h"
#include "lib/ag_metrics.h"

#include <stdlib.h>

/* Figures the modules already keep: the registry reads them when asked. The store and the hop
 * register their own counters (store_metrics.c, gw_ussd.c). */
static const struct ag_metric_def def_live =
    AG_METRIC_PLAIN(GAUGE, "aulgate_sessions_live", "USSD sessions under way.");
static const struct ag_metric_def def_pending =
    AG_METRIC_PLAIN(GAUGE, "aulgate_answers_pending", "Answers queued or in flight to PostgreSQL.");
static const struct ag_metric_def def_waiting = AG_METRIC_PLAIN(
    GAUGE, "aulgate_http_waiting", "HTTP requests suspended, waiting for the database.");
static const struct ag_metric_def def_db_up =
    AG_METRIC_PLAIN(GAUGE, "aulgate_db_up", "1 while the store's connection is up.");
static const struct ag_metric_def def_db_stalled = AG_METRIC_PLAIN(
    GAUGE, "aulgate_db_stalled",
    "1 while the batch in flight (or the connection attempt) is older than hop_deadline_ms.");
static const struct ag_metric_def def_batch_age =
    AG_METRIC_PLAIN(GAUGE, "aulgate_db_batch_age_seconds",
                    "Age of the batch in flight (the oldest: one at a time); 0 when none.");
static const struct ag_metric_def def_generation = AG_METRIC_PLAIN(
    GAUGE, "aulgate_content_generation", "Generation of the content new sessions start with.");
static const struct ag_metric_def def_reload_failures =
    AG_METRIC_PLAIN(COUNTER, "aulgate_content_reload_failures_total",
                    "SIGHUP reloads refused (the running content stayed).");
static const struct ag_metric_def def_refused = AG_METRIC_PLAIN(
    COUNTER, "aulgate_http_refused_connections_total",
    "Connections refused at accept time (per-address limit, slots kept for carriers).");
static const struct ag_metric_def def_request_timeouts = AG_METRIC_PLAIN(
    COUNTER, "aulgate_http_request_timeouts_total",
    "Connections closed for not delivering a whole request within http_request_timeout_s.");
static const struct ag_metric_def def_uptime =
    AG_METRIC_PLAIN(GAUGE, "aulgate_uptime_seconds", "Seconds since the process started.");

static double read_live(void *arg)
{
  return (double)sess_table_live(((struct gw_server *)arg)->sessions);
}

static double read_pending(void *arg)
{
  return (double)store_pending(((struct gw_server *)arg)->store);
}

static double read_waiting(void *arg)
{
  return (double)gw_http_suspended(((struct gw_server *)arg)->http);
}

static double read_db_up(void *arg)
{
  return store_state(((struct gw_server *)arg)->store) == STORE_UP;
}

static double read_db_stalled(void *arg)
{
  return store_stalled(((struct gw_server *)arg)->store);
}

static double read_batch_age(void *arg)
{
  return (double)store_batch_age_us(((struct gw_server *)arg)->store) / 1e6;
}

static double read_generation(void *arg)
{
  return sess_content_generation(((struct gw_server *)arg)->content);
}

static double read_refused(void *arg)
{
  return (double)gw_http_refused(((struct gw_server *)arg)->http);
}

static double read_request_timeouts(void *arg)
{
  return (double)gw_http_request_timeouts(((struct gw_server *)arg)->http);
}

static double read_uptime(void *arg)
{
  return (double)((ag_now_us() - ((struct gw_server *)arg)->started_us) / 1000000);
}

int gw_health_setup(struct gw_server *srv)
{
  static const struct {
    const struct ag_metric_def *def;
    double (*fn)(void *arg);
  } gauges[] = {
      {&def_live, read_live},
      {&def_pending, read_pending},
      {&def_waiting, read_waiting},
      {&def_db_up, read_db_up},
      {&def_db_stalled, read_db_stalled},
      {&def_batch_age, read_batch_age},
      {&def_generation, read_generation},
      {&def_uptime, read_uptime},
      {&def_refused, read_refused},
      {&def_request_timeouts, read_request_timeouts},
  };

  for (size_t i = 0; i < AG_ARRAY_LEN(gauges); i++)
    if (!ag_metrics_add_fn(srv->metrics, gauges[i].def, gauges[i].fn, srv))
      return AG_ENOMEM;
  srv->reload_failures = ag_metric_series0(ag_metrics_add(srv->metrics, &def_reload_failures));
  return srv->reload_failures ? AG_OK : AG_ENOMEM;
}

/* /healthz: a few figures of the registry as JSON, 503 while the database is not up or is
 * stalled (connected, but its batch in flight older than a hop may wait: hops get the END). */
int gw_health_reply(void *ctx, struct gw_req *req)
{
  static const struct {
    const char *key, *metric, *label; /* label: the value of the family's one label, or NULL */
  } fields[] = {
      {"live_sessions", "aulgate_sessions_live", NULL},
      {"content_generation", "aulgate_content_generation", NULL},
      {"content_reload_failures", "aulgate_content_reload_failures_total", NULL},
      {"pending_answers", "aulgate_answers_pending", NULL},
      {"waiting_requests", "aulgate_http_waiting", NULL},
      {"answers_committed", "aulgate_db_writes_total", "committed"},
      {"writes_expired", "aulgate_db_writes_total", "expired"},
      {"writes_unconfirmed", "aulgate_db_writes_total", "unconfirmed"},
      {"late_writes_committed", "aulgate_db_late_writes_total", "committed"},
      {"late_writes_aborted", "aulgate_db_late_writes_total", "aborted"},
      {"batches", "aulgate_db_batches_total", NULL},
      {"db_reconnects", "aulgate_db_reconnects_total", NULL},
      {"uptime_s", "aulgate_uptime_seconds", NULL},
  };
  struct gw_server *srv = ctx;
  enum store_state st = store_state(srv->store);
  int stalled = store_stalled(srv->store), ok = st == STORE_UP && !stalled;
  struct ag_buf b;
  char *body;
  size_t len;
  int rc;

  ag_buf_init(&b, 4096);
  rc = ag_buf_printf(&b, "{\"status\":\"%s\",\"db\":\"%s\"", ok ? "ok" : "degraded",
                     stalled ? "stalled" : store_state_name(st));
  /* The SMS links' own connection (gw_sms.h): not part of the status, since hops do not wait on
   * it, but until it is up an inbound SMS gets 503 and the carrier retries. */
  if (rc == AG_OK)
    rc = ag_buf_printf(&b, ",\"sms_db\":\"%s\"",
                       srv->sms.store ? store_state_name(store_state(srv->sms.store)) : "none");
  if (rc == AG_OK)
    rc = ag_buf_printf(&b, ",\"db_batch_age_ms\":%lld", store_batch_age_us(srv->store) / 1000);
  for (size_t i = 0; rc == AG_OK && i < AG_ARRAY_LEN(fields); i++)
    rc = ag_buf_printf(&b, ",\"%s\":%.0f", fields[i].key,
                       ag_metrics_value(srv->metrics, fields[i].metric, &fields[i].label));
  if (rc == AG_OK)
    rc = ag_buf_adds(&b, "}\n");
  body = ag_buf_take(&b, &len);
  if (rc || !body) {
    free(body);
    gw_req_reply(req, 500, "application/json", "{\"error\":\"internal error\"}\n", 27,
                 GW_BODY_STATIC);
  } else {
    gw_req_reply(req, ok ? 200 : 503, "application/json", body, len, GW_BODY_TAKE);
  }
  return AG_OK;
}
