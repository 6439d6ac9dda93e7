/* gw_server.h: the serving process (`aulgate serve`), for files of gateway/ only.
 *
 * One struct owns everything that lives as long as the process: the configuration, the event
 * loop, the content snapshot, the store and the HTTP server. Route handlers get it as ctx.
 */
#ifndef GW_SERVER_H
#define GW_SERVER_H

#include "gateway/gw_config.h"
#include "gateway/gw_http.h"
#include "gateway/gw_secret.h"
#include "sessions/sess.h"
#include "store/store.h"

struct event;
struct event_base;

struct gw_server {
  struct gw_config cfg;
  struct gw_secret secret;
  struct event_base *base;
  struct sess_content *content; /* owned reference: new sessions start with it */
  struct sess_budget budget;    /* the default; carrier_budgets may override it per carrier */
  struct sess_table *sessions;
  struct store *store;
  struct gw_http *http;
  struct event *ev_term, *ev_int, *ev_hup, *ev_drain;
  long long started_us, drain_deadline_us;
  int stopping;
  unsigned reload_failures; /* SIGHUP reloads refused since start, for /healthz */
};

/* The screen budget of a carrier (its carrier_budgets entry, else the default). */
const struct sess_budget *gw_server_budget(const struct gw_server *srv, const char *carrier,
                                           struct sess_budget *buf);

/* Runs `aulgate serve` with an already loaded configuration; returns the exit status. */
int gw_server_run(struct gw_config *cfg);

/* Route handlers (gw_ussd.c). */
int gw_ussd_at(void *ctx, struct gw_req *req);
int gw_ussd_at_end(void *ctx, struct gw_req *req);

#endif
