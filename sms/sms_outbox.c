/* sms_outbox.c: the outbox worker of one link (sms.h).
 *
 * A row is this process's from its claim until its verdict has committed: claim (the lease and
 * the attempt written), HTTP submission, verdict queued here, verdicts written in one statement
 * per batch. So the claims are bounded by max_in_flight minus what is in flight or waiting to be
 * written, and a verdict whose write failed is kept and written again: the lease (lease_ms, well
 * above the HTTP timeout) is what another process would wait for before taking the row again.
 * Every store call and request in flight holds a reference: sms_outbox_destroy() frees the worker
 * when the last of them has called back.
 */
#include "sms/sms.h"
#include "lib/ag.h"
#include "lib/ag_curl.h"
#include "lib/ag_log.h"
#include "lib/ag_loop.h"
#include "lib/ag_metrics.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#define HOUSE_MS        5000 /* expiry and the queue depth */
#define REPORT_RETRY_MS 200
#define PURGE_BATCH     500 /* finished rows deleted per statement: short, few locks */
#define URL_MAX         4096

struct job {
  struct sms_outbox *ob;
  long long id;
  int attempt, parts;
};

struct sms_outbox {
  struct event_base *base;
  struct store *st;
  struct ag_curl *http;
  const struct sms_link_ops *ops;
  void *ops_arg;
  struct sms_outbox_config cfg;
  struct ag_timer *timer, *house, *report_timer, *purge;
  int refs; /* store calls and requests in flight */
  int dead; /* destroyed: free when refs reaches 0 */
  int claiming, reporting;
  int quiet;       /* quiesced: no more claims */
  size_t reported; /* the first `reported` of pending are being written */
  double tokens;
  long long tokens_us;
  size_t in_flight;
  struct store_outbox_result *pending; /* [max_in_flight] verdicts not yet written */
  size_t n_pending;
  struct sms_outbox_stats stats;
  struct ag_series *parts, *submitted, *retried, *failed, *expired, *delivered, *undelivered,
      *latency, *depth_queued, *depth_open;
};

static const double latency_buckets[] = {1, 2, 5, 10, 30, 60, 120, 300, 900, 3600, 14400, 86400};

static const struct ag_metric_def def_parts = {
    AG_METRIC_COUNTER,
    "aulgate_sms_parts_submitted_total",
    "SMS parts the carrier accepted, by link (rate(): parts per second).",
    {"link"},
    NULL,
    0};
static const struct ag_metric_def def_messages = {
    AG_METRIC_COUNTER,
    "aulgate_sms_messages_total",
    "SMS outcomes, by link: submitted (the carrier took it), retried (5xx, connection error, "
    "timeout), failed (refused, or a report said not delivered), delivered (the handset's "
    "report), expired (not sent within sms_max_age_s).",
    {"link", "outcome"},
    NULL,
    0};
static const struct ag_metric_def def_latency = {
    AG_METRIC_HISTOGRAM,
    "aulgate_sms_delivery_seconds",
    "From an SMS queued to its delivery report, by link.",
    {"link"},
    latency_buckets,
    AG_ARRAY_LEN(latency_buckets)};
static const struct ag_metric_def def_depth = {
    AG_METRIC_GAUGE,
    "aulgate_sms_outbox_depth",
    "Rows of the shared outbox: queued (waiting to be sent), submitted (waiting for a final "
    "report); read every 5 s.",
    {"state"},
    NULL,
    0};

static struct ag_metric *family(struct ag_metrics *m, const struct ag_metric_def *d)
{
  struct ag_metric *f = m ? ag_metrics_find(m, d->name) : NULL;

  return f ? f : m ? ag_metrics_add(m, d) : NULL;
}

static void metrics_init(struct sms_outbox *ob, struct ag_metrics *m)
{
  struct ag_metric *msg = family(m, &def_messages), *depth = family(m, &def_depth);
  const char *l = ob->cfg.link;

  ob->parts = ag_metric_series1(family(m, &def_parts), l);
  ob->submitted = ag_metric_series2(msg, l, "submitted");
  ob->retried = ag_metric_series2(msg, l, "retried");
  ob->failed = ag_metric_series2(msg, l, "failed");
  ob->expired = ag_metric_series2(msg, l, "expired");
  ob->delivered = ag_metric_series2(msg, l, "delivered");
  ob->undelivered = ob->failed;
  ob->latency = ag_metric_series1(family(m, &def_latency), l);
  ob->depth_queued = ag_metric_series1(depth, "queued");
  ob->depth_open = ag_metric_series1(depth, "submitted");
}

long sms_backoff_ms(long base_ms, long max_ms, int attempt, double r)
{
  double d = (double)base_ms;

  for (int i = 1; i < attempt && d < (double)max_ms; i++)
    d *= 2;
  if (d > (double)max_ms)
    d = (double)max_ms;
  if (r < 0)
    r = 0;
  if (r > 1)
    r = 1;
  return (long)(d / 2 + r * d / 2);
}

static void tick(struct sms_outbox *ob);

/* Drops a reference; the last one of a destroyed worker frees it. Returns 1 when freed. */
static int unref(struct sms_outbox *ob)
{
  if (--ob->refs > 0 || !ob->dead)
    return 0;
  ag_timer_destroy(ob->timer);
  ag_timer_destroy(ob->house);
  ag_timer_destroy(ob->report_timer);
  ag_timer_destroy(ob->purge);
  free(ob->pending);
  free(ob);
  return 1;
}

static void refill(struct sms_outbox *ob)
{
  long long now = ag_mono_us();
  double burst = ob->cfg.rate / 5.0 > 1 ? ob->cfg.rate / 5.0 : 1;

  ob->tokens += (double)(now - ob->tokens_us) / 1e6 * (double)ob->cfg.rate;
  if (ob->tokens > burst)
    ob->tokens = burst;
  ob->tokens_us = now;
}

static void on_reported(void *arg, int rc, long n);

static void flush(struct sms_outbox *ob)
{
  size_t k;
  int rc;

  if (ob->reporting || ob->n_pending == 0 || ob->dead)
    return;
  k = ob->n_pending < STORE_OUTBOX_BATCH ? ob->n_pending : STORE_OUTBOX_BATCH;
  rc = store_outbox_report(ob->st, ob->pending, k, on_reported, ob);
  if (rc) {
    ag_timer_start(ob->report_timer, REPORT_RETRY_MS);
    return;
  }
  ob->reporting = 1;
  ob->reported = k;
  ob->refs++;
}

static void on_reported(void *arg, int rc, long n)
{
  struct sms_outbox *ob = arg;

  (void)n;
  ob->reporting = 0;
  if (unref(ob))
    return;
  if (rc == AG_OK) {
    ob->stats.reports++;
    memmove(ob->pending, ob->pending + ob->reported,
            (ob->n_pending - ob->reported) * sizeof(*ob->pending));
    ob->n_pending -= ob->reported;
    ob->reported = 0;
    flush(ob);
    tick(ob);
  } else {
    /* Kept: written again until the database takes them (within the lease, no one else sends). */
    ob->reported = 0;
    ag_timer_start(ob->report_timer, REPORT_RETRY_MS);
  }
}

static void on_report_timer(void *arg)
{
  flush(arg);
}

static void verdict(struct sms_outbox *ob, const struct job *j, enum sms_verdict v, int code)
{
  struct store_outbox_result *r = &ob->pending[ob->n_pending++];

  *r = (struct store_outbox_result){
      .id = j->id, .attempt = j->attempt, .verdict = (enum store_outbox_verdict)v, .code = code};
  if (v == SMS_RETRY)
    r->delay_ms = sms_backoff_ms(ob->cfg.retry_base_ms, ob->cfg.retry_max_ms, j->attempt,
                                 (double)rand() / RAND_MAX);
  if (v == SMS_SUBMITTED) {
    ob->stats.submitted++;
    ob->stats.parts_submitted += (unsigned long long)j->parts;
    ag_series_inc(ob->submitted);
    ag_series_add(ob->parts, j->parts);
  } else if (v == SMS_RETRY) {
    ob->stats.retried++;
    ag_series_inc(ob->retried);
  } else {
    ob->stats.failed++;
    ag_series_inc(ob->failed);
  }
}

static void on_sent(void *arg, const struct ag_curl_result *res)
{
  struct job *j = arg;
  struct sms_outbox *ob = j->ob;
  enum sms_verdict v = SMS_RETRY;
  int code = res->rc == AG_OK ? (int)res->status : -res->curl_code;

  ob->in_flight--;
  if (!ob->dead) {
    if (res->rc == AG_OK)
      v = ob->ops->verdict(ob->ops_arg, res->status, res->body, res->len);
    if (v == SMS_RETRY || v == SMS_FAILED) {
      char q[200];
      AG_LOGW("sms.submit_refused", "link=%s id=%lld attempt=%d status=%ld error=%s reply=%s",
              ob->cfg.link, j->id, j->attempt, res->status, ag_errname(res->rc),
              ag_log_quote(res->body ? res->body : "", q, sizeof(q)));
    }
    verdict(ob, j, v, code);
  }
  free(j);
  if (unref(ob))
    return;
  flush(ob);
  tick(ob);
}

static void start_job(struct sms_outbox *ob, const struct store_outbox_row *row)
{
  struct job *j = malloc(sizeof(*j));
  struct sms_plan plan;
  char *url = malloc(URL_MAX);
  struct sms_out m = {
      .id = row->id, .attempt = row->attempt, .msisdn = row->msisdn, .body = row->body};
  struct job local = {ob, row->id, row->attempt, row->parts};
  int rc;

  ob->stats.claimed++;
  m.ucs2 = sms_plan(row->body, strlen(row->body), SMS_MAX_PARTS, &plan) != AG_EINVAL &&
           plan.enc == AG_ENC_UCS2;
  if (!j || !url) {
    free(j);
    free(url);
    verdict(ob, &local, SMS_RETRY, 0);
    return;
  }
  *j = local;
  rc = ob->ops->request(ob->ops_arg, &m, url, URL_MAX);
  if (rc == AG_OK)
    rc = ag_curl_get(ob->http, url, on_sent, j);
  free(url);
  if (rc) {
    verdict(ob, j, rc == AG_E2BIG && !ag_curl_in_flight(ob->http) ? SMS_FAILED : SMS_RETRY, 0);
    free(j);
    return;
  }
  ob->in_flight++;
  ob->refs++;
}

static void on_claimed(void *arg, int rc, const struct store_outbox_row *rows, size_t n)
{
  struct sms_outbox *ob = arg;
  long asked = (long)ob->claiming;

  ob->claiming = 0;
  if (unref(ob))
    return;
  if (ob->dead)
    return; /* the leases run out: claimed again later */
  for (size_t i = 0; i < n; i++) {
    if (ob->in_flight + ob->n_pending >= ob->cfg.max_in_flight) {
      /* More rows than asked (the claim's LIMIT was the room): the verdicts would not fit. The
       * rest are left to their lease and claimed again when it runs out. */
      AG_LOGW("sms.claim_overrun", "link=%s asked=%ld got=%zu left=%zu", ob->cfg.link, asked, n,
              n - i);
      break;
    }
    ob->tokens -= rows[i].parts;
    start_job(ob, &rows[i]);
  }
  flush(ob);
  if (rc == AG_OK && (long)n >= asked)
    ag_timer_start(ob->timer, 0); /* more may be due */
  else
    ag_timer_start(ob->timer, ob->cfg.poll_ms);
}

static void tick(struct sms_outbox *ob)
{
  long room, n;

  if (ob->dead || ob->claiming || ob->quiet)
    return;
  refill(ob);
  room = (long)ob->cfg.max_in_flight - (long)ob->in_flight - (long)ob->n_pending;
  if (room <= 0)
    return; /* a request ending or a verdict written ticks again */
  if (ob->tokens < 1) {
    ag_timer_start(ob->timer, (long)((1 - ob->tokens) * 1000 / (double)ob->cfg.rate) + 1);
    return;
  }
  n = (long)ob->tokens;
  n = n < room ? n : room;
  n = n < ob->cfg.claim_max ? n : ob->cfg.claim_max;
  if (store_outbox_claim(ob->st, ob->cfg.link, n, ob->cfg.lease_ms, ob->cfg.max_age_s, on_claimed,
                         ob)) {
    ag_timer_start(ob->timer, ob->cfg.poll_ms);
    return;
  }
  ob->claiming = (int)n;
  ob->refs++;
}

static void on_timer(void *arg)
{
  tick(arg);
}

static void on_expired(void *arg, int rc, long n)
{
  struct sms_outbox *ob = arg;

  if (rc == AG_OK && n > 0) {
    ob->stats.expired += (unsigned long long)n;
    ag_series_add(ob->expired, (double)n);
    AG_LOGW("sms.expired", "link=%s count=%ld", ob->cfg.link, n);
  }
  unref(ob);
}

static void on_depth(void *arg, int rc, long queued, long open)
{
  struct sms_outbox *ob = arg;

  if (rc == AG_OK) {
    ob->stats.queued = queued;
    ob->stats.open = open;
    ag_series_set(ob->depth_queued, (double)queued);
    ag_series_set(ob->depth_open, (double)open);
  }
  unref(ob);
}

static void on_house(void *arg)
{
  struct sms_outbox *ob = arg;

  if (store_outbox_expire(ob->st, ob->cfg.link, ob->cfg.max_age_s, 1000, on_expired, ob) == AG_OK)
    ob->refs++;
  if (store_outbox_depth(ob->st, on_depth, ob) == AG_OK)
    ob->refs++;
  ag_timer_start(ob->house, HOUSE_MS);
}

/* Retention: a batch of finished rows at a time; a full batch means more are due, and the next
 * goes at once (through the timer, so the loop and the store's other work interleave). */
static void on_purged(void *arg, int rc, long n)
{
  struct sms_outbox *ob = arg;

  if (rc == AG_OK && n > 0) {
    ob->stats.purged += (unsigned long long)n;
    AG_LOGD("sms.purged", "link=%s count=%ld", ob->cfg.link, n);
  }
  if (!ob->dead && !ob->quiet)
    ag_timer_start(ob->purge, rc == AG_OK && n == PURGE_BATCH ? 0 : ob->cfg.purge_every_ms);
  unref(ob);
}

static void on_purge(void *arg)
{
  struct sms_outbox *ob = arg;

  if (store_outbox_purge(ob->st, ob->cfg.link, ob->cfg.retention_s, PURGE_BATCH, on_purged, ob) ==
      AG_OK)
    ob->refs++;
  else
    ag_timer_start(ob->purge, ob->cfg.purge_every_ms);
}

struct sms_outbox *sms_outbox_create(struct event_base *base, struct store *st,
                                     struct ag_curl *http, struct ag_metrics *metrics,
                                     const struct sms_outbox_config *cfg,
                                     const struct sms_link_ops *ops, void *ops_arg)
{
  struct sms_outbox *ob = calloc(1, sizeof(*ob));

  if (!ob)
    return NULL;
  *ob = (struct sms_outbox){.base = base,
                            .st = st,
                            .http = http,
                            .ops = ops,
                            .ops_arg = ops_arg,
                            .cfg = *cfg,
                            .refs = 1,
                            .tokens_us = ag_mono_us()};
  if (ob->cfg.claim_max <= 0)
    ob->cfg.claim_max = 256;
  if (ob->cfg.poll_ms <= 0)
    ob->cfg.poll_ms = 1000;
  if (ob->cfg.rate <= 0)
    ob->cfg.rate = 100;
  if (ob->cfg.max_in_flight == 0)
    ob->cfg.max_in_flight = 64;
  if (ob->cfg.purge_every_ms <= 0)
    ob->cfg.purge_every_ms = 60000;
  ob->pending = calloc(ob->cfg.max_in_flight, sizeof(*ob->pending));
  ob->timer = ag_timer_create(base, on_timer, ob);
  ob->house = ag_timer_create(base, on_house, ob);
  ob->report_timer = ag_timer_create(base, on_report_timer, ob);
  ob->purge = ag_timer_create(base, on_purge, ob);
  if (!ob->pending || !ob->timer || !ob->house || !ob->report_timer || !ob->purge) {
    ob->dead = 1;
    unref(ob);
    return NULL;
  }
  metrics_init(ob, metrics);
  ag_timer_start(ob->timer, 0);
  ag_timer_start(ob->house, 0);
  if (ob->cfg.retention_s > 0)
    ag_timer_start(ob->purge, 0);
  return ob;
}

void sms_outbox_destroy(struct sms_outbox *ob)
{
  if (!ob)
    return;
  ob->dead = 1;
  ag_timer_stop(ob->timer);
  ag_timer_stop(ob->house);
  ag_timer_stop(ob->report_timer);
  ag_timer_stop(ob->purge);
  unref(ob);
}

void sms_outbox_kick(struct sms_outbox *ob)
{
  if (ob && !ob->dead && !ob->claiming)
    ag_timer_start(ob->timer, 0);
}

struct dlr_wait {
  struct sms_outbox *ob;
  void (*cb)(void *arg, int rc, int found);
  void *arg;
};

static void on_dlr(void *arg, int rc, int found, const char *before, const char *after,
                   double delivered_after_s)
{
  struct dlr_wait *w = arg;
  struct sms_outbox *ob = w->ob;

  if (rc == AG_OK && found && !ob->dead && strcmp(before, after) != 0) {
    if (strcmp(after, "delivered") == 0) {
      ob->stats.delivered++;
      ag_series_inc(ob->delivered);
      if (delivered_after_s >= 0)
        ag_series_observe(ob->latency, delivered_after_s);
    } else if (strcmp(after, "failed") == 0) {
      ob->stats.dlr_failed++;
      ag_series_inc(ob->undelivered);
    }
  }
  if (w->cb)
    w->cb(w->arg, rc, found);
  free(w);
  unref(ob);
}

int sms_outbox_dlr(struct sms_outbox *ob, long long id, int type,
                   void (*cb)(void *arg, int rc, int found), void *arg)
{
  struct dlr_wait *w = malloc(sizeof(*w));
  int rc;

  if (!w)
    return AG_ENOMEM;
  *w = (struct dlr_wait){ob, cb, arg};
  rc = store_outbox_dlr(ob->st, id, type, on_dlr, w);
  if (rc)
    free(w);
  else
    ob->refs++;
  return rc;
}

void sms_outbox_stats(const struct sms_outbox *ob, struct sms_outbox_stats *out)
{
  *out = ob->stats;
}

void sms_outbox_quiesce(struct sms_outbox *ob)
{
  ob->quiet = 1;
  ag_timer_stop(ob->timer);
  ag_timer_stop(ob->purge);
}

size_t sms_outbox_busy(const struct sms_outbox *ob)
{
  return ob->in_flight + ob->n_pending + (ob->claiming ? 1 : 0);
}
