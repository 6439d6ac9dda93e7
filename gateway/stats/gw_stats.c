/* gw_stats.c: the per-minute ring of the operators' figures (see gw_stats.h). */
#include "gateway/stats/gw_stats.h"
#include "lib/ag.h"

#include <stdio.h>
#include <string.h>

/* Upper edges (µs) of the latency buckets: 0.5 ms x sqrt(2)^i, rounded; past the last, open. */
static const long long lat_edge[GW_STATS_LAT_N - 1] = {
    500,   707,   1000,  1414,  2000,   2828,   4000,   5657,   8000,   11314,  16000,  22627,
    32000, 45255, 64000, 90510, 128000, 181019, 256000, 362039, 512000, 724077, 1024000};

static struct gw_stats_minute *minute_of(struct gw_stats *st, long long now_us)
{
  long long m = now_us / 60000000;
  struct gw_stats_minute *b = &st->ring[m % GW_STATS_MINUTES];

  if (b->minute != m) { /* an hour old or never used: the minute starts from nothing */
    memset(b, 0, sizeof(*b));
    b->minute = m;
  }
  return b;
}

static enum gw_stats_outcome classify(const char *o)
{
  if (strcmp(o, "ok") == 0)
    return GW_STATS_OK;
  if (strcmp(o, "unavailable") == 0)
    return GW_STATS_UNAVAILABLE;
  if (strcmp(o, "deadline") == 0)
    return GW_STATS_DEADLINE;
  if (strcmp(o, "bad_request") == 0 || strcmp(o, "bad_number") == 0 ||
      strcmp(o, "unauthenticated") == 0 || strcmp(o, "busy") == 0)
    return GW_STATS_REFUSED;
  return GW_STATS_ENDED; /* the name of the reason the session had ended */
}

void gw_stats_hop(struct gw_stats *st, const char *outcome, long long elapsed_us, long long now_us)
{
  struct gw_stats_minute *b = minute_of(st, now_us);
  size_t i = 0;

  b->hops[classify(outcome)]++;
  while (i < GW_STATS_LAT_N - 1 && elapsed_us > lat_edge[i])
    i++;
  b->lat[i]++;
}

void gw_stats_started(struct gw_stats *st, long long now_us)
{
  minute_of(st, now_us)->started++;
}

/* Ids go into JSON unescaped: anything but a slug's characters becomes '_'. */
static void slug_copy(char *dst, size_t len, const char *src)
{
  size_t i = 0;

  for (; src && src[i] && i + 1 < len; i++) {
    char c = src[i];
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '_' || c == '-' || c == '.';
    dst[i] = ok ? c : '_';
  }
  dst[i] = '\0';
}

void gw_stats_ended(struct gw_stats *st, enum sess_end_reason reason, int question,
                    const char *file, const char *id, long long now_us)
{
  struct gw_stats_minute *b = minute_of(st, now_us);
  char f[32], q[32];

  if ((int)reason >= 0 && reason < GW_STATS_REASONS)
    b->ended[reason]++;
  /* A parent who stopped answering (idle, too long), hung up (carrier), or was stuck (operator);
   * not a finished survey nor the END after a failed commit (SESS_END_SCREEN: the gateway's
   * fault is in the unavailable hops), nor a shutdown (ours too). */
  if (!question || !id || !*id ||
      (reason != SESS_END_IDLE && reason != SESS_END_MAX && reason != SESS_END_CARRIER &&
       reason != SESS_END_OPERATOR))
    return;
  slug_copy(f, sizeof(f), file);
  slug_copy(q, sizeof(q), id);
  for (size_t i = 0; i < GW_STATS_FUNNEL; i++) {
    struct gw_stats_question *e = &b->funnel[i];
    if (e->question[0] == '\0') {
      memcpy(e->file, f, sizeof(f));
      memcpy(e->question, q, sizeof(q));
    }
    if (strcmp(e->question, q) == 0 && strcmp(e->file, f) == 0) {
      e->n++;
      return;
    }
  }
  b->funnel_other++;
}

long long gw_stats_quantile(const uint32_t lat[GW_STATS_LAT_N], double q)
{
  unsigned long long total = 0, seen = 0, rank;

  for (size_t i = 0; i < GW_STATS_LAT_N; i++)
    total += lat[i];
  if (total == 0)
    return -1;
  rank = (unsigned long long)(q * (double)total + 0.999999); /* the ceil'th observation */
  if (rank < 1)
    rank = 1;
  for (size_t i = 0; i < GW_STATS_LAT_N; i++) {
    seen += lat[i];
    if (seen >= rank)
      return i < GW_STATS_LAT_N - 1 ? lat_edge[i] : lat_edge[GW_STATS_LAT_N - 2];
  }
  return lat_edge[GW_STATS_LAT_N - 2];
}

static const char *const outcome_names[GW_STATS_NOUTCOMES] = {"ok", "unavailable", "deadline",
                                                              "ended", "refused"};

/* One minute's (or the window's) figures as JSON members. */
static int figures(struct ag_buf *b, const struct gw_stats_minute *m)
{
  int rc = ag_buf_adds(b, "\"hops\":{");

  for (int i = 0; rc == AG_OK && i < GW_STATS_NOUTCOMES; i++)
    rc = ag_buf_printf(b, "%s\"%s\":%u", i ? "," : "", outcome_names[i], m->hops[i]);
  if (rc == AG_OK)
    rc = ag_buf_printf(b, "},\"sessions_started\":%u,\"sessions_ended\":{", m->started);
  for (int i = 1; rc == AG_OK && i < GW_STATS_REASONS; i++)
    rc = ag_buf_printf(b, "%s\"%s\":%u", i > 1 ? "," : "",
                       sess_end_reason_name((enum sess_end_reason)i), m->ended[i]);
  if (rc == AG_OK && gw_stats_quantile(m->lat, 0.5) < 0)
    rc = ag_buf_adds(b, "},\"latency_ms\":null");
  else if (rc == AG_OK)
    rc = ag_buf_printf(b, "},\"latency_ms\":{\"p50\":%.3f,\"p95\":%.3f,\"p99\":%.3f}",
                       (double)gw_stats_quantile(m->lat, 0.5) / 1000.0,
                       (double)gw_stats_quantile(m->lat, 0.95) / 1000.0,
                       (double)gw_stats_quantile(m->lat, 0.99) / 1000.0);
  return rc;
}

static void add_minute(struct gw_stats_minute *sum, const struct gw_stats_minute *m)
{
  for (int i = 0; i < GW_STATS_NOUTCOMES; i++)
    sum->hops[i] += m->hops[i];
  sum->started += m->started;
  for (int i = 0; i < GW_STATS_REASONS; i++)
    sum->ended[i] += m->ended[i];
  for (int i = 0; i < GW_STATS_LAT_N; i++)
    sum->lat[i] += m->lat[i];
}

/* The window's funnel: its questions summed over the minutes, in the order first seen. */
struct funnel {
  struct gw_stats_question q[GW_STATS_FUNNEL * 2];
  size_t n;
  unsigned long long other;
};

static void funnel_add(struct funnel *f, const struct gw_stats_minute *m)
{
  f->other += m->funnel_other;
  for (size_t i = 0; i < GW_STATS_FUNNEL && m->funnel[i].question[0]; i++) {
    const struct gw_stats_question *e = &m->funnel[i];
    size_t k = 0;
    while (k < f->n && (strcmp(f->q[k].question, e->question) || strcmp(f->q[k].file, e->file)))
      k++;
    if (k == f->n && f->n == AG_ARRAY_LEN(f->q)) {
      f->other += e->n;
      continue;
    }
    if (k == f->n)
      f->q[f->n++] = (struct gw_stats_question){.n = 0};
    if (f->q[k].question[0] == '\0') {
      memcpy(f->q[k].file, e->file, sizeof(e->file));
      memcpy(f->q[k].question, e->question, sizeof(e->question));
    }
    f->q[k].n += e->n;
  }
}

int gw_stats_json(const struct gw_stats *st, long long now_us, int minutes, struct ag_buf *b)
{
  static const struct gw_stats_minute zero;
  struct gw_stats_minute sum = zero;
  struct funnel f;
  long long now_m = now_us / 60000000;
  int rc;

  if (minutes < 1 || minutes > GW_STATS_MINUTES)
    minutes = 15;
  memset(&f, 0, sizeof(f));
  rc = ag_buf_printf(b, "{\"window_minutes\":%d,\"minutes\":[", minutes);
  for (long long m = now_m - minutes + 1; rc == AG_OK && m <= now_m; m++) {
    const struct gw_stats_minute *src = &st->ring[m % GW_STATS_MINUTES];
    const struct gw_stats_minute *x = src->minute == m ? src : &zero;
    rc = ag_buf_printf(b, "%s{\"t\":%lld,", m > now_m - minutes + 1 ? "," : "", m * 60);
    if (rc == AG_OK)
      rc = figures(b, x);
    if (rc == AG_OK)
      rc = ag_buf_adds(b, "}");
    add_minute(&sum, x);
    funnel_add(&f, x);
  }
  if (rc == AG_OK)
    rc = ag_buf_adds(b, "],\"total\":{");
  if (rc == AG_OK)
    rc = figures(b, &sum);
  if (rc == AG_OK)
    rc = ag_buf_adds(b, "},\"funnel\":[");
  /* Biggest drop-off first: a few dozen entries, a selection sort is plenty. */
  for (size_t i = 0; rc == AG_OK && i < f.n; i++) {
    size_t best = i;
    struct gw_stats_question t;
    for (size_t k = i + 1; k < f.n; k++)
      if (f.q[k].n > f.q[best].n)
        best = k;
    t = f.q[i];
    f.q[i] = f.q[best];
    f.q[best] = t;
    rc = ag_buf_printf(b, "%s{\"file\":\"%s\",\"question\":\"%s\",\"abandoned\":%u}", i ? "," : "",
                       f.q[i].file, f.q[i].question, f.q[i].n);
  }
  if (rc == AG_OK)
    rc = ag_buf_printf(b, "],\"funnel_other\":%llu}", f.other);
  return rc;
}
