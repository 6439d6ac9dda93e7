/* gw_stats.h: the operators' figures, per minute, for the last hour, in the process.
 *
 * A ring of 60 one-minute buckets fed by the hop path: hops by outcome class, sessions started
 * and ended by reason, a small fixed latency histogram, and the drop-off funnel (sessions that
 * ended without finishing, by the survey question they were last shown). Feeding costs a few
 * counter increments and no allocation; reading a window of up to 60 minutes sums buckets.
 * The ring is per process and starts empty: it is for the operator on duty, not a record (the
 * database and Prometheus keep those).
 */
#ifndef GW_STATS_H
#define GW_STATS_H

#include "lib/ag_buf.h"
#include "sessions/sess.h"

#include <stdint.h>

#define GW_STATS_MINUTES 60 /* the longest window */
#define GW_STATS_LAT_N   24 /* latency buckets: 0.5 ms x sqrt(2)^i, the last one open */
#define GW_STATS_FUNNEL  24 /* questions tracked per minute; more go to "other" */
#define GW_STATS_REASONS SESS_END_NREASONS

/* Hop outcome classes: what /api/v1/stats reports (the registry keeps the finer names). */
enum gw_stats_outcome {
  GW_STATS_OK,
  GW_STATS_UNAVAILABLE, /* the polite END: the database could not store or read */
  GW_STATS_DEADLINE,
  GW_STATS_ENDED,   /* a hop after its session ended (timeout, carrier, operator) */
  GW_STATS_REFUSED, /* bad request, bad number, unauthenticated, busy */
  GW_STATS_NOUTCOMES
};

struct gw_stats_question {
  char file[32], question[32]; /* truncated ids; "" : unused */
  uint32_t n;
};

struct gw_stats_minute {
  long long minute; /* Unix time / 60; 0: never used */
  uint32_t hops[GW_STATS_NOUTCOMES];
  uint32_t started;
  uint32_t ended[GW_STATS_REASONS];
  uint32_t lat[GW_STATS_LAT_N];
  struct gw_stats_question funnel[GW_STATS_FUNNEL];
  uint32_t funnel_other;
};

struct gw_stats {
  struct gw_stats_minute ring[GW_STATS_MINUTES];
};

/* A hop answered with outcome (the registry's name, e.g. "ok", "deadline", "idle_timeout"),
 * taking elapsed_us, at now_us (wall clock). */
void gw_stats_hop(struct gw_stats *st, const char *outcome, long long elapsed_us, long long now_us);
void gw_stats_started(struct gw_stats *st, long long now_us);
/* A session ended for reason; when the parent left it on a survey question (question 1; reason
 * idle, max, carrier or operator), that question (file, id) is counted in the funnel. */
void gw_stats_ended(struct gw_stats *st, enum sess_end_reason reason, int question,
                    const char *file, const char *id, long long now_us);
/* Appends the window's JSON object (the last `minutes` minutes, 1..60, oldest first, the
 * current minute last) to b. AG_OK or AG_ENOMEM. */
int gw_stats_json(const struct gw_stats *st, long long now_us, int minutes, struct ag_buf *b);
/* The latency (µs) at quantile q (0..1) of a histogram: the upper edge of the bucket holding it
 * (the open bucket's lower edge); -1 when empty. For tests. */
long long gw_stats_quantile(const uint32_t lat[GW_STATS_LAT_N], double q);

#endif
