/* gw_ussd.h: one USSD hop, from the carrier's request to its screen, for gateway/.
 *
 * dialect parse -> session (created on the first hop, with the caller's profile read from the
 * database) -> engine replay -> effects stored (the hop waits for the commit) -> dialect render.
 * The server owns everything the hop borrows and swaps `content` on a reload.
 */
#ifndef GW_USSD_H
#define GW_USSD_H

#include "gateway/carriers/gw_carrier.h"
#include "gateway/http/gw_http.h"
#include "gateway/stats/gw_stats.h"
#include "lib/ag_config.h"
#include "lib/ag_metrics.h"
#include "lib/ag_secret.h"
#include "sessions/sess.h"
#include "store/store.h"

/* What a hop works with; every pointer is borrowed from the server for its lifetime. */
struct gw_ussd {
  const struct ag_config *cfg;
  const struct ag_secret *secret;
  struct sess_content *content; /* the current snapshot: new sessions take a reference */
  struct sess_table *sessions;
  struct store *store;
  struct gw_stats *stats; /* the operators' per-minute ring; NULL: not fed */
  /* Families in the server's registry (gw_ussd_metrics_init). */
  struct ag_metric *hops, *hop_seconds, *started;
  struct gw_ussd_hop *spare; /* owned: finished hops kept for the next ones (no malloc a hop) */
  size_t n_spare;
};

/* Registers the hop's families (hops by carrier and outcome, hop latency) in reg, borrowed for
 * the server's life. AG_OK or AG_ENOMEM. */
int gw_ussd_metrics_init(struct gw_ussd *u, struct ag_metrics *reg);

/* Frees the hops kept for reuse; at the server's end, once no hop is under way. */
void gw_ussd_cleanup(struct gw_ussd *u);

/* One hop of carrier c, with c's budget; answers are stored under c's name. Returns AG_OK after
 * replying, or AG_AGAIN with req suspended (the reply follows). c is borrowed for the server's
 * life. */
int gw_ussd_step(struct gw_ussd *u, const struct gw_carrier *c, struct gw_req *req);
/* Carrier c says a session ended. Returns AG_OK after replying. */
int gw_ussd_end(struct gw_ussd *u, const struct gw_carrier *c, struct gw_req *req);

#endif
