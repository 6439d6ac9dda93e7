/* ag_metrics.c: the metrics registry of ag_metrics.h and its Prometheus text rendering. */
#include "lib/ag_metrics.h"
#include "lib/ag.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ag_series {
  const struct ag_metric_def *def;    /* borrowed: the family's */
  char *values[AG_METRIC_LABELS_MAX]; /* owned */
  double value;                       /* counter, gauge; histogram: the sum */
  unsigned long long count;           /* histogram */
  unsigned long long *bucket;         /* owned: n_buckets counts, not cumulative */
};

struct ag_metric {
  const struct ag_metric_def *def; /* borrowed */
  size_t n_labels;
  double (*fn)(void *arg);
  void *fn_arg;
  struct ag_series **series; /* owned array of owned series */
  size_t n_series, cap_series;
};

struct ag_metrics {
  struct ag_metric **fam; /* owned array of owned families */
  size_t n, cap;
};

struct ag_metrics *ag_metrics_create(void)
{
  return calloc(1, sizeof(struct ag_metrics));
}

static void series_free(struct ag_series *s)
{
  for (size_t i = 0; i < AG_METRIC_LABELS_MAX; i++)
    free(s->values[i]);
  free(s->bucket);
  free(s);
}

void ag_metrics_destroy(struct ag_metrics *m)
{
  if (!m)
    return;
  for (size_t i = 0; i < m->n; i++) {
    for (size_t k = 0; k < m->fam[i]->n_series; k++)
      series_free(m->fam[i]->series[k]);
    free(m->fam[i]->series);
    free(m->fam[i]);
  }
  free(m->fam);
  free(m);
}

static int name_ok(const char *s, int colon)
{
  if (!s || !*s || (*s >= '0' && *s <= '9'))
    return 0;
  for (; *s; s++) {
    int ok = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
             *s == '_' || (colon && *s == ':');
    if (!ok)
      return 0;
  }
  return 1;
}

static int def_ok(const struct ag_metric_def *d, size_t *n_labels)
{
  size_t n = 0;

  if (!name_ok(d->name, 1) || !d->help)
    return 0;
  while (n < AG_METRIC_LABELS_MAX && d->labels[n]) {
    /* "le" is the histogram's own label; "__" names are reserved by Prometheus. */
    if (!name_ok(d->labels[n], 0) || strcmp(d->labels[n], "le") == 0 ||
        strncmp(d->labels[n], "__", 2) == 0)
      return 0;
    n++;
  }
  if (d->type == AG_METRIC_HISTOGRAM) {
    if (!d->buckets || d->n_buckets == 0 || d->n_buckets > AG_METRIC_BUCKETS_MAX)
      return 0;
    for (size_t i = 1; i < d->n_buckets; i++)
      if (!(d->buckets[i] > d->buckets[i - 1]))
        return 0;
  }
  *n_labels = n;
  return 1;
}

struct ag_metric *ag_metrics_find(const struct ag_metrics *m, const char *name)
{
  for (size_t i = 0; i < m->n; i++)
    if (strcmp(m->fam[i]->def->name, name) == 0)
      return m->fam[i];
  return NULL;
}

struct ag_metric *ag_metrics_add(struct ag_metrics *m, const struct ag_metric_def *def)
{
  struct ag_metric *f;
  size_t n_labels;

  if (!m || !def_ok(def, &n_labels) || ag_metrics_find(m, def->name))
    return NULL;
  if (m->n == m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 32;
    struct ag_metric **p = realloc(m->fam, cap * sizeof(*p));
    if (!p)
      return NULL;
    m->fam = p;
    m->cap = cap;
  }
  f = calloc(1, sizeof(*f));
  if (!f)
    return NULL;
  f->def = def;
  f->n_labels = n_labels;
  m->fam[m->n++] = f;
  return f;
}

struct ag_metric *ag_metrics_add_fn(struct ag_metrics *m, const struct ag_metric_def *def,
                                    double (*fn)(void *arg), void *arg)
{
  struct ag_metric *f;

  if (def->type == AG_METRIC_HISTOGRAM || def->labels[0] || !fn)
    return NULL;
  f = ag_metrics_add(m, def);
  if (f) {
    f->fn = fn;
    f->fn_arg = arg;
  }
  return f;
}

static struct ag_series *series_new(const struct ag_metric *f, const char *const *values)
{
  struct ag_series *s = calloc(1, sizeof(*s));

  if (!s)
    return NULL;
  s->def = f->def;
  for (size_t i = 0; i < f->n_labels; i++) {
    s->values[i] = strdup(values[i] ? values[i] : "");
    if (!s->values[i])
      goto fail;
  }
  if (f->def->type == AG_METRIC_HISTOGRAM) {
    s->bucket = calloc(f->def->n_buckets, sizeof(*s->bucket));
    if (!s->bucket)
      goto fail;
  }
  return s;
fail:
  series_free(s);
  return NULL;
}

static int same_values(const struct ag_metric *f, const struct ag_series *s,
                       const char *const *values)
{
  for (size_t i = 0; i < f->n_labels; i++)
    if (strcmp(s->values[i], values[i] ? values[i] : "") != 0)
      return 0;
  return 1;
}

struct ag_series *ag_metric_series(struct ag_metric *f, const char *const *values)
{
  struct ag_series *s;

  if (!f || f->fn)
    return NULL;
  for (size_t i = 0; i < f->n_series; i++)
    if (same_values(f, f->series[i], values))
      return f->series[i];
  if (f->n_series == AG_METRIC_SERIES_MAX)
    return NULL;
  if (f->n_series == f->cap_series) {
    size_t cap = f->cap_series ? f->cap_series * 2 : 4;
    struct ag_series **p = realloc(f->series, cap * sizeof(*p));
    if (!p)
      return NULL;
    f->series = p;
    f->cap_series = cap;
  }
  s = series_new(f, values);
  if (s)
    f->series[f->n_series++] = s;
  return s;
}

struct ag_series *ag_metric_series0(struct ag_metric *f)
{
  return ag_metric_series(f, NULL);
}

struct ag_series *ag_metric_series1(struct ag_metric *f, const char *v1)
{
  const char *v[] = {v1};
  return ag_metric_series(f, v);
}

struct ag_series *ag_metric_series2(struct ag_metric *f, const char *v1, const char *v2)
{
  const char *v[] = {v1, v2};
  return ag_metric_series(f, v);
}

void ag_series_inc(struct ag_series *s)
{
  if (s)
    s->value += 1;
}

void ag_series_add(struct ag_series *s, double v)
{
  if (s)
    s->value += v;
}

void ag_series_set(struct ag_series *s, double v)
{
  if (s)
    s->value = v;
}

void ag_series_observe(struct ag_series *s, double v)
{
  if (!s || !s->bucket)
    return;
  s->count++;
  s->value += v;
  /* Counted in the first bucket that holds v; render makes them cumulative. */
  for (size_t i = 0; i < s->def->n_buckets; i++) {
    if (v <= s->def->buckets[i]) {
      s->bucket[i]++;
      break;
    }
  }
}

double ag_series_value(const struct ag_series *s)
{
  if (!s)
    return 0;
  return s->bucket ? (double)s->count : s->value;
}

double ag_series_sum(const struct ag_series *s)
{
  return s ? s->value : 0;
}

double ag_metrics_total(const struct ag_metrics *m, const char *name)
{
  const struct ag_metric *f = ag_metrics_find(m, name);
  double sum = 0;

  if (!f)
    return 0;
  if (f->fn)
    return f->fn(f->fn_arg);
  for (size_t i = 0; i < f->n_series; i++)
    sum += ag_series_value(f->series[i]);
  return sum;
}

double ag_metrics_value(const struct ag_metrics *m, const char *name, const char *const *values)
{
  const struct ag_metric *f = ag_metrics_find(m, name);

  if (!f)
    return 0;
  if (f->fn)
    return f->fn(f->fn_arg);
  for (size_t i = 0; i < f->n_series; i++)
    if (same_values(f, f->series[i], values))
      return ag_series_value(f->series[i]);
  return 0;
}

/* ---- The text format: https://prometheus.io/docs/instrumenting/exposition_formats/ ---- */

static const char *type_name(enum ag_metric_type t)
{
  return t == AG_METRIC_COUNTER ? "counter" : t == AG_METRIC_GAUGE ? "gauge" : "histogram";
}

/* HELP escapes backslash and newline; label values also the double quote. */
static int add_escaped(struct ag_buf *out, const char *s, int quote)
{
  int rc = AG_OK;

  for (; *s && rc == AG_OK; s++) {
    if (*s == '\\')
      rc = ag_buf_adds(out, "\\\\");
    else if (*s == '\n')
      rc = ag_buf_adds(out, "\\n");
    else if (quote && *s == '"')
      rc = ag_buf_adds(out, "\\\"");
    else
      rc = ag_buf_add(out, s, 1);
  }
  return rc;
}

/* The shortest decimal that reads back as v (0.005, not 0.0050000000000000001). */
static void format_number(double v, char *buf, size_t len)
{
  if (isinf(v)) {
    snprintf(buf, len, "%s", v > 0 ? "+Inf" : "-Inf");
    return;
  }
  if (isnan(v)) {
    snprintf(buf, len, "NaN");
    return;
  }
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, len, "%.*g", prec, v);
    if (strtod(buf, NULL) == v)
      return;
  }
}

static int add_number(struct ag_buf *out, double v)
{
  char num[40];

  format_number(v, num, sizeof(num));
  return ag_buf_adds(out, num);
}

/* name{l1="v1",...,le="x"} value: `le` NULL when the series has no bucket label. */
static int add_sample(struct ag_buf *out, const struct ag_metric *f, const struct ag_series *s,
                      const char *suffix, const char *le, double v)
{
  int rc = ag_buf_printf(out, "%s%s", f->def->name, suffix);
  int any = 0;

  for (size_t i = 0; rc == AG_OK && s && i < f->n_labels; i++) {
    rc = ag_buf_printf(out, "%s%s=\"", any++ ? "," : "{", f->def->labels[i]);
    if (rc == AG_OK)
      rc = add_escaped(out, s->values[i], 1);
    if (rc == AG_OK)
      rc = ag_buf_adds(out, "\"");
  }
  if (rc == AG_OK && le)
    rc = ag_buf_printf(out, "%sle=\"%s\"", any++ ? "," : "{", le);
  if (rc == AG_OK && any)
    rc = ag_buf_adds(out, "}");
  if (rc == AG_OK)
    rc = ag_buf_adds(out, " ");
  if (rc == AG_OK)
    rc = add_number(out, v);
  return rc ? rc : ag_buf_adds(out, "\n");
}

static int add_histogram(struct ag_buf *out, const struct ag_metric *f, const struct ag_series *s)
{
  unsigned long long cum = 0;
  char le[40];
  int rc = AG_OK;

  for (size_t i = 0; rc == AG_OK && i < f->def->n_buckets; i++) {
    cum += s->bucket[i];
    format_number(f->def->buckets[i], le, sizeof(le));
    rc = add_sample(out, f, s, "_bucket", le, (double)cum);
  }
  if (rc == AG_OK)
    rc = add_sample(out, f, s, "_bucket", "+Inf", (double)s->count);
  if (rc == AG_OK)
    rc = add_sample(out, f, s, "_sum", NULL, s->value);
  if (rc == AG_OK)
    rc = add_sample(out, f, s, "_count", NULL, (double)s->count);
  return rc;
}

static int add_family(struct ag_buf *out, const struct ag_metric *f)
{
  int rc = ag_buf_printf(out, "# HELP %s ", f->def->name);

  if (rc == AG_OK)
    rc = add_escaped(out, f->def->help, 0);
  if (rc == AG_OK)
    rc = ag_buf_printf(out, "\n# TYPE %s %s\n", f->def->name, type_name(f->def->type));
  if (rc == AG_OK && f->fn)
    return add_sample(out, f, NULL, "", NULL, f->fn(f->fn_arg));
  /* A family without labels shows 0 before its first update, as client libraries do. */
  if (rc == AG_OK && f->n_series == 0 && f->n_labels == 0 && f->def->type != AG_METRIC_HISTOGRAM)
    return add_sample(out, f, NULL, "", NULL, 0);
  for (size_t i = 0; rc == AG_OK && i < f->n_series; i++) {
    if (f->def->type == AG_METRIC_HISTOGRAM)
      rc = add_histogram(out, f, f->series[i]);
    else
      rc = add_sample(out, f, f->series[i], "", NULL, f->series[i]->value);
  }
  return rc;
}

int ag_metrics_render(const struct ag_metrics *m, struct ag_buf *out)
{
  int rc = AG_OK;

  for (size_t i = 0; rc == AG_OK && i < m->n; i++)
    rc = add_family(out, m->fam[i]);
  return rc;
}
