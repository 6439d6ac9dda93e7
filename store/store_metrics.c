/* store_metrics.c: the store's families in the process's metrics registry (lib/ag_metrics):
 * writes by outcome, what became of the unconfirmed ones, batches, their size and commit latency,
 * reconnects. */
#include "store/store-internal.h"
#include "lib/ag.h"

static const struct ag_metric_def def_writes = {
    AG_METRIC_COUNTER,
    "aulgate_db_writes_total",
    "Writes (answers, attempts, SMS switches, languages) by what their caller heard: committed, "
    "failed, expired (dropped unsent at the deadline) or unconfirmed (in flight at the deadline).",
    {"outcome"},
    NULL,
    0};
static const struct ag_metric_def def_late = {
    AG_METRIC_COUNTER,
    "aulgate_db_late_writes_total",
    "Unconfirmed writes by what became of them when their batch ended: committed, aborted or "
    "unknown (connection lost).",
    {"outcome"},
    NULL,
    0};
static const struct ag_metric_def def_batches =
    AG_METRIC_PLAIN(COUNTER, "aulgate_db_batches_total", "Batches (transactions) completed.");
static const struct ag_metric_def def_reconnects =
    AG_METRIC_PLAIN(COUNTER, "aulgate_db_reconnects_total", "Times the store lost its connection.");
/* Powers of two up to db_batch_max's usual range: where group commit is doing its work. */
static const double size_buckets[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};
static const struct ag_metric_def def_batch_size = {
    AG_METRIC_HISTOGRAM, "aulgate_db_batch_size",   "Statements in a batch.", {NULL},
    size_buckets,        AG_ARRAY_LEN(size_buckets)};
/* From the batch's send to its Sync result: what a hop waits for its answer to be durable. */
static const double commit_buckets[] = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02,
                                        0.05,   0.1,   0.2,   0.5,   1,    2.5};
static const struct ag_metric_def def_commit = {AG_METRIC_HISTOGRAM,
                                                "aulgate_db_commit_seconds",
                                                "Time from a batch's send to its commit.",
                                                {NULL},
                                                commit_buckets,
                                                AG_ARRAY_LEN(commit_buckets)};

void store__metrics_init(struct store__metrics *m, struct ag_metrics *reg)
{
  struct ag_metric *writes, *late;

  if (!reg) {
    *m = (struct store__metrics){0};
    return;
  }
  writes = ag_metrics_add(reg, &def_writes);
  m->committed = ag_metric_series1(writes, "committed");
  m->failed = ag_metric_series1(writes, "failed");
  m->expired = ag_metric_series1(writes, "expired");
  m->unconfirmed = ag_metric_series1(writes, "unconfirmed");
  late = ag_metrics_add(reg, &def_late);
  m->late_committed = ag_metric_series1(late, "committed");
  m->late_aborted = ag_metric_series1(late, "aborted");
  m->late_unknown = ag_metric_series1(late, "unknown");
  m->batches = ag_metric_series0(ag_metrics_add(reg, &def_batches));
  m->reconnects = ag_metric_series0(ag_metrics_add(reg, &def_reconnects));
  m->batch_size = ag_metric_series0(ag_metrics_add(reg, &def_batch_size));
  m->commit_seconds = ag_metric_series0(ag_metrics_add(reg, &def_commit));
}
