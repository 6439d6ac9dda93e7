/* gw_server.h: the serving process (`aulgate serve`), for files of gateway/ only.
 *
 * One struct owns everything that lives as long as the process: the configuration, the event
 * loop, the content snapshot, the store and the HTTP server. Route handlers get it as ctx.
 */
#ifndef GW_SERVER_H
#define GW_SERVER_H

#include "lib/ag_config.h"
#include "gateway/api/gw_api.h"
#include "gateway/http/gw_http.h"
#include "gateway/pages/gw_pages.h"
#include "gateway/sms/gw_sms.h"
#include "gateway/ussd/gw_ussd.h"
#include "lib/ag_metrics.h"
#include "lib/ag_secret.h"
#include "sessions/sess.h"
#include "store/store.h"

struct event;
struct event_base;
struct gw_server;

/* What a carrier's routes get as ctx. */
struct gw_carrier_route {
  struct gw_server *srv;
  const struct gw_carrier *carrier;
};

struct gw_server {
  struct ag_config cfg;
  struct ag_secret secret;
  struct event_base *base;
  struct sess_content *content; /* owned reference: new sessions start with it */
  struct sess_budget budget;    /* the default; a carrier section may set its own */
  struct gw_carriers carriers;  /* resolved once at start */
  struct gw_carrier_route carrier_routes[AG_CARRIERS_MAX];
  /* /healthz, the API's, each carrier's (USSD, its end, SMS reports and messages), each page's
   * GET and HEAD */
  struct gw_route routes[16 + 4 * AG_CARRIERS_MAX + 2 * GW_PAGES_MAX];
  size_t n_routes;
  struct sess_table *sessions;
  struct store *store;
  long long rollup_merged_us; /* when a batch last folded the release log (store_rollup_hook) */
  struct gw_http *http;
  struct event *ev_term, *ev_int, *ev_hup, *ev_drain;
  long long started_us, drain_deadline_us;
  int stopping;
  struct ag_metrics *metrics;        /* owned: the one registry every module updates */
  struct ag_series *reload_failures; /* SIGHUP reloads refused since start */
  struct gw_reload *reload;          /* owned: the SIGHUP reload in flight, or NULL */
  int reload_again;                  /* a SIGHUP came during that reload */
  struct gw_ussd ussd;               /* what hops borrow; ussd.content follows content */
  struct gw_api api;                 /* what the API's routes borrow; api.tokens owned */
  struct ag_metric *sessions_ended;  /* {carrier, reason} */
  struct gw_stats stats;             /* the operators' per-minute ring (about 300 KiB) */
  struct gw_pages *pages;            /* owned: the page folders read at start, or NULL */
  struct gw_sms sms;                 /* the SMS links: outbox workers, reports, messages */
};

/* gw_health.c: registers the server's own figures in srv->metrics (AG_OK or AG_ENOMEM), and
 * the /healthz route: 200 with JSON, 503 while the database is not up. */
int gw_health_setup(struct gw_server *srv);
int gw_health_reply(void *ctx, struct gw_req *req);

/* Runs `aulgate serve` with an already loaded configuration; returns the exit status. */
int gw_server_run(struct ag_config *cfg);

#endif
