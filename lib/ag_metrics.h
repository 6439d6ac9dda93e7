/* ag_metrics.h: one registry of counters, gauges and histograms.
 *
 * Modules declare their metric families once (a static struct ag_metric_def each: name, type,
 * help, label names, buckets), keep the series they update, and bump them on the hot path for
 * the price of an add. /healthz reads values back by name, and the Prometheus text format
 * (version 0.0.4) is rendered from the registry alone, so no module is asked twice.
 *
 * Single-threaded, like the rest of the gateway: no atomics. Series are created on first use
 * and live as long as the registry; a family holds at most AG_METRIC_SERIES_MAX of them (label
 * values can come from requests: the carrier name, a status), and beyond that, or when out of
 * memory, the lookup returns NULL. Every update accepts NULL and does nothing, so
 * instrumentation can never fail the work it measures.
 */
#ifndef AG_METRICS_H
#define AG_METRICS_H

#include "lib/ag_buf.h"

#include <stddef.h>

#define AG_METRIC_LABELS_MAX  4
#define AG_METRIC_SERIES_MAX  512
#define AG_METRIC_BUCKETS_MAX 24

enum ag_metric_type { AG_METRIC_COUNTER, AG_METRIC_GAUGE, AG_METRIC_HISTOGRAM };

/* A family, declared statically by the module that updates it. Every pointer is borrowed for
 * the life of the registry (string literals and static arrays). */
struct ag_metric_def {
  enum ag_metric_type type;
  const char *name; /* [a-zA-Z_:][a-zA-Z0-9_:]*, with the unit: aulgate_hop_seconds */
  const char *help;
  const char *labels[AG_METRIC_LABELS_MAX]; /* NULL-terminated when fewer */
  const double *buckets;                    /* HISTOGRAM: upper bounds, ascending, no +Inf */
  size_t n_buckets;
};

/* A family without labels: AG_METRIC_PLAIN(COUNTER, "aulgate_x_total", "What it counts."). */
#define AG_METRIC_PLAIN(type, name, help)                                                          \
  {                                                                                                \
    AG_METRIC_##type, name, help, {NULL}, NULL, 0                                                  \
  }

struct ag_metrics; /* the registry */
struct ag_metric;  /* one family */
struct ag_series;  /* one labelled series of a family */

/* Returns a new registry to free with ag_metrics_destroy(), or NULL. */
struct ag_metrics *ag_metrics_create(void);
void ag_metrics_destroy(struct ag_metrics *m);

/* Registers a family. Returns it (owned by the registry), or NULL when the definition is
 * invalid (bad name or label, too many buckets, unsorted buckets), the name is taken, or out of
 * memory. */
struct ag_metric *ag_metrics_add(struct ag_metrics *m, const struct ag_metric_def *def);

/* A gauge or counter without labels whose value is read when it is rendered or looked up (live
 * sessions, answers pending, a module's own monotonic count): the module keeps its figure and
 * the registry asks. fn and arg are borrowed for the life of the registry. */
struct ag_metric *ag_metrics_add_fn(struct ag_metrics *m, const struct ag_metric_def *def,
                                    double (*fn)(void *arg), void *arg);

/* The series for these label values (one per label of the family, borrowed during the call),
 * created on first use. NULL for a NULL family, past AG_METRIC_SERIES_MAX, or out of memory. */
struct ag_series *ag_metric_series(struct ag_metric *f, const char *const *values);
/* Shorthands for families with no label, one or two. */
struct ag_series *ag_metric_series0(struct ag_metric *f);
struct ag_series *ag_metric_series1(struct ag_metric *f, const char *v1);
struct ag_series *ag_metric_series2(struct ag_metric *f, const char *v1, const char *v2);

void ag_series_inc(struct ag_series *s);
void ag_series_add(struct ag_series *s, double v); /* counters take v >= 0 only */
void ag_series_set(struct ag_series *s, double v); /* gauges */
void ag_series_observe(struct ag_series *s, double v);

/* Counter or gauge value; a histogram's count of observations. 0 for NULL. */
double ag_series_value(const struct ag_series *s);
/* A histogram's sum of observations. */
double ag_series_sum(const struct ag_series *s);

/* The family called name, or NULL. */
struct ag_metric *ag_metrics_find(const struct ag_metrics *m, const char *name);
/* The sum of every series of the family called name (a gauge_fn: its value): what /healthz
 * shows. 0 when there is no such family. */
double ag_metrics_total(const struct ag_metrics *m, const char *name);

/* The value (as ag_series_value) of the series of family `name` with these label values (one
 * per label, borrowed; NULL for a family without labels), a gauge_fn's value, or 0 when the
 * family or the series does not exist (yet). */
double ag_metrics_value(const struct ag_metrics *m, const char *name, const char *const *values);

/* Appends the whole registry in the Prometheus text format, families in registration order.
 * Returns AG_OK, or the error of ag_buf_*(). */
int ag_metrics_render(const struct ag_metrics *m, struct ag_buf *out);

#endif
