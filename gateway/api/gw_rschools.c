/* gw_rschools.c: what a region sees of its schools' requests, the pure part (gw_rschools.h). */
#include "gateway/api/gw_rschools.h"
#include "lib/ag.h"
#include "lib/ag_buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const level_names[GW_RESULTS_LEVELS] = {"region", "settlement", "district",
                                                           "school"};
/* Which levels carry a display name (a settlement's code is its name). */
static const int level_named[GW_RESULTS_LEVELS] = {1, 0, 1, 1};

static int fail(char *err, size_t errlen, const char *msg)
{
  snprintf(err, errlen, "%s", msg);
  return AG_EINVAL;
}

/* A month's first day, YYYY-MM-01: *y and *m. */
static int month_start(const char *s, int *y, int *m)
{
  char tail;
  int d;
  return strlen(s) == 10 && s[4] == '-' && s[7] == '-' &&
         sscanf(s, "%4d-%2d-%2d%c", y, m, &d, &tail) == 3 && *y >= 2000 && *y <= 9998 && *m >= 1 &&
         *m <= 12 && d == 1;
}

static int parse_depth(const char *s, int *depth)
{
  char buf[80];

  *depth = GW_RS_REGION;
  if (!s || !*s)
    return AG_OK;
  if (strlen(s) >= sizeof(buf))
    return AG_EINVAL;
  strcpy(buf, s);
  /* "district", or the path to it ("region,settlement,district"): the deepest level named. */
  for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    int l = 0;
    while (l < GW_RESULTS_LEVELS && strcmp(level_names[l], t) != 0)
      l++;
    if (l == GW_RESULTS_LEVELS)
      return AG_EINVAL;
    if (l > *depth)
      *depth = l;
  }
  return AG_OK;
}

int gw_rschools_parse(const char *(*get)(void *arg, const char *name), void *arg, long long now_s,
                      struct gw_rschools_query *q, char *err, size_t errlen)
{
  const char *v;
  int y, m;

  memset(q, 0, sizeof(*q));
  if (parse_depth(get(arg, "group_by"), &q->depth) != AG_OK)
    return fail(err, errlen,
                "group_by must be one of region, settlement, district, school (docs/privacy.md)");
  v = get(arg, "from");
  if (v && *v) {
    if (!month_start(v, &y, &m))
      return fail(err, errlen,
                  "from must be the first day of a month (YYYY-MM-01): the figures are per "
                  "calendar month (docs/privacy.md)");
  } else { /* the current month, Kazakhstan time */
    time_t t = (time_t)(now_s + 5 * 3600);
    struct tm tm;
    gmtime_r(&t, &tm);
    y = tm.tm_year + 1900;
    m = tm.tm_mon + 1;
  }
  /* The ranges said to the compiler: y is 2000..9998 (or the clock's), m 1..12. */
  snprintf(q->from, sizeof(q->from), "%04u-%02u-01", (unsigned)y % 10000u, (unsigned)m % 100u);
  snprintf(q->to, sizeof(q->to), "%04u-%02u-01", (unsigned)(m == 12 ? y + 1 : y) % 10000u,
           (unsigned)(m == 12 ? 1 : m + 1) % 100u);
  v = get(arg, "to");
  if (v && *v && strcmp(v, q->to) != 0)
    return fail(err, errlen,
                "to must be the first day of the month after from: one calendar month a query, "
                "so that two periods never overlap (docs/privacy.md)");
  return gw_results_parse_scope(get, arg, q->depth >= GW_RS_DISTRICT, &q->scope, err, errlen);
}

/* Per school: the month's counters (school_month_counts, kept by triggers on the schools'
 * tables: sql/migrations/0023_school_rollups.sql) and its linked consenting phones
 * (school_linked_counts plus the log the batches have not folded yet: counting school_linked
 * per school cost 12 ms for a region's 30,000). A school without a row has zeros. */
#define RS_SQL(REGIONS)                                                                            \
  "WITH sc AS (SELECT id, region_code, district_code, settlement, name FROM schools"               \
  " WHERE " REGIONS "),"                                                                           \
  " lk AS (SELECT x.school_id, sum(x.n) AS n FROM (SELECT school_id, n FROM school_linked_counts"  \
  " UNION ALL SELECT school_id, n FROM school_linked_log) x JOIN sc ON sc.id = x.school_id"        \
  " GROUP BY 1)"                                                                                   \
  " SELECT sc.region_code, coalesce(CASE $3 WHEN 'kk' THEN g.name_kk WHEN 'ru' THEN g.name_ru"     \
  " ELSE g.name_en END, sc.region_code), sc.settlement, sc.district_code,"                         \
  " coalesce(CASE $3 WHEN 'kk' THEN d.name_kk WHEN 'ru' THEN d.name_ru ELSE d.name_en END,"        \
  " sc.district_code), sc.id, sc.name, coalesce(m.requests, 0), coalesce(m.asked, 0),"             \
  " coalesce(m.delivered, 0), coalesce(m.answered, 0), coalesce(m.help, 0),"                       \
  " coalesce(m.shared, 0),"                                                                        \
  " coalesce(lk.n, 0)"                                                                             \
  " FROM sc LEFT JOIN regions g ON g.code = sc.region_code"                                        \
  " LEFT JOIN districts d ON d.code = sc.district_code"                                            \
  " LEFT JOIN school_month_counts m ON m.month = $1::date AND m.school_id = sc.id"                 \
  " LEFT JOIN lk ON lk.school_id = sc.id"                                                          \
  " ORDER BY sc.region_code, sc.settlement DESC, sc.district_code, sc.id"

static const char sql_some[] = RS_SQL("region_code = ANY($2::text[])");
static const char sql_all[] = RS_SQL("$2::text[] IS NOT NULL");

int gw_rschools_sql(const struct gw_rschools_query *q, const char *allowed,
                    struct gw_rschools_sql *out, char *err, size_t errlen)
{
  static const char *const langs[3] = {"kk", "ru", "en"};
  int restricted, rc;

  memset(out, 0, sizeof(*out));
  rc = gw_results_regions(q->scope.regions, q->scope.n_regions, allowed, out->regions,
                          sizeof(out->regions), &restricted, err, errlen);
  if (rc != AG_OK)
    return rc;
  out->params[0] = q->from; /* the month: its first day */
  out->params[1] = out->regions;
  out->params[2] = langs[q->scope.lang];
  out->nparams = 3;
  out->sql = restricted ? sql_some : sql_all;
  return AG_OK;
}

/* ---- the reply --------------------------------------------------------------------------- */

struct rs_node {
  size_t first; /* its first school's row: keys and names */
  long long n[GW_RS_N];
  int hidden, linked_hidden;
};

static int same_node(const struct gw_rschools_row *a, const struct gw_rschools_row *b, int depth)
{
  for (int l = 0; l <= depth; l++)
    if (strcmp(a->key[l], b->key[l]) != 0)
      return 0;
  return 1;
}

/* Suppresses one release over the nodes: the count `what` is each node's number of parents.
 * Nodes of none take no part (shown as zeros). Sets hidden or linked_hidden. */
static int suppress(struct rs_node *nodes, size_t m, const struct gw_rschools_row *rows, int depth,
                    long k, int what)
{
  struct gw_results_row *r = calloc(m ? m : 1, sizeof(*r));
  unsigned char *hidden = calloc(m ? m : 1, 1);
  size_t *at = calloc(m ? m : 1, sizeof(*at)), c = 0;
  int rc = r && hidden && at ? AG_OK : AG_ENOMEM;

  for (size_t i = 0; i < m && rc == AG_OK; i++) {
    if (nodes[i].n[what] <= 0)
      continue;
    for (int l = 0; l < GW_RESULTS_LEVELS; l++) {
      r[c].key[l] = l <= depth ? rows[nodes[i].first].key[l] : "";
      r[c].name[l] = "";
    }
    r[c].option = "";
    r[c].n = nodes[i].n[what];
    at[c++] = i;
  }
  if (rc == AG_OK)
    rc = gw_results_suppress(r, c, depth, k, hidden);
  for (size_t i = 0; i < c && rc == AG_OK; i++) {
    if (what == GW_RS_LINKED)
      nodes[at[i]].linked_hidden = hidden[i];
    else
      nodes[at[i]].hidden = hidden[i];
  }
  free(r);
  free(hidden);
  free(at);
  return rc;
}

/* The published figures of a node, in order; null: hidden, or a rate without a denominator. */
static const char *const fields[] = {"requests",       "asked",        "delivered",    "answered",
                                     "answer_percent", "help",         "help_percent", "shared",
                                     "linked",         "reach_percent"};
#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

/* Field f of node x as text in out ("" for null). */
static void field(const struct rs_node *x, size_t f, char *out, size_t len)
{
  const long long *n = x->n;
  int hid = x->hidden, lhid = x->linked_hidden;

  *out = '\0';
  switch (f) {
  case 0:
    snprintf(out, len, "%lld", n[GW_RS_REQUESTS]);
    break;
  case 1:
  case 2:
  case 3:
  case 5:
  case 7: {
    static const int which[8] = {0,          GW_RS_ASKED, GW_RS_DELIVERED, GW_RS_ANSWERED, 0,
                                 GW_RS_HELP, 0,           GW_RS_SHARED};
    if (!hid)
      snprintf(out, len, "%lld", n[which[f]]);
    break;
  }
  case 4:
  case 6:
    if (!hid && n[GW_RS_ASKED] > 0)
      snprintf(out, len, "%.1f",
               100.0 * (double)n[f == 4 ? GW_RS_ANSWERED : GW_RS_HELP] / (double)n[GW_RS_ASKED]);
    break;
  case 8:
    if (!lhid)
      snprintf(out, len, "%lld", n[GW_RS_LINKED]);
    break;
  default: /* reach: both releases visible */
    if (!hid && !lhid && n[GW_RS_LINKED] > 0)
      snprintf(out, len, "%.1f", 100.0 * (double)n[GW_RS_DELIVERED] / (double)n[GW_RS_LINKED]);
  }
}

static int header(struct ag_buf *b, const struct gw_rschools_query *q, long k)
{
  int rc;

  if (q->scope.csv) {
    rc = ag_buf_adds(b, "\xEF\xBB\xBF");
    for (int l = 0; l <= q->depth && rc == AG_OK; l++)
      rc = level_named[l] ? ag_buf_printf(b, "%s,%s_name,", level_names[l], level_names[l])
                          : ag_buf_printf(b, "%s,", level_names[l]);
    rc = rc ? rc
            : ag_buf_adds(b, "requests,suppressed,asked,delivered,answered,answer_percent,help,"
                             "help_percent,shared,linked_suppressed,linked,reach_percent\r\n");
    return rc;
  }
  rc = ag_buf_printf(b, "{\"from\":\"%s\",\"to\":\"%s\",\"group_by\":[", q->from, q->to);
  for (int l = 0; l <= q->depth && rc == AG_OK; l++)
    rc = ag_buf_printf(b, "%s\"%s\"", l ? "," : "", level_names[l]);
  return rc ? rc : ag_buf_printf(b, "],\"k\":%ld,\"groups\":[", k);
}

static int node_out(struct ag_buf *b, const struct gw_rschools_query *q,
                    const struct gw_rschools_row *r, const struct rs_node *x, long k, int first)
{
  char v[40];
  int rc = q->scope.csv || first ? AG_OK : ag_buf_adds(b, ",");

  rc = rc || q->scope.csv ? rc : ag_buf_adds(b, "{");
  for (int l = 0; l <= q->depth && rc == AG_OK; l++) {
    if (q->scope.csv) {
      rc = ag_buf_csv_field(b, r->key[l]);
      rc = rc ? rc : ag_buf_adds(b, ",");
      if (level_named[l]) {
        rc = rc ? rc : ag_buf_csv_field(b, r->name[l]);
        rc = rc ? rc : ag_buf_adds(b, ",");
      }
      continue;
    }
    rc = ag_buf_printf(b, "%s\"%s\":", l ? "," : "", level_names[l]);
    rc = rc ? rc : ag_buf_json_str(b, r->key[l]);
    if (level_named[l]) {
      rc = rc ? rc : ag_buf_printf(b, ",\"%s_name\":", level_names[l]);
      rc = rc ? rc : ag_buf_json_str(b, r->name[l]);
    }
  }
  for (size_t f = 0; f < N_FIELDS && rc == AG_OK; f++) {
    field(x, f, v, sizeof(v));
    if (q->scope.csv) {
      if (f == 1)
        rc = ag_buf_adds(b, x->hidden ? "true," : "false,");
      if (f == 8 && rc == AG_OK)
        rc = ag_buf_adds(b, x->linked_hidden ? "true," : "false,");
      rc = rc ? rc : ag_buf_printf(b, "%s%s", v, f + 1 < N_FIELDS ? "," : "\r\n");
      continue;
    }
    if (f == 1)
      rc = x->hidden ? ag_buf_printf(b,
                                     ",\"suppressed\":true,\"reason\":\"fewer than %ld parents, "
                                     "or hidden beside a group that has fewer\"",
                                     k)
                     : ag_buf_adds(b, ",\"suppressed\":false");
    if (f == 8 && rc == AG_OK)
      rc = ag_buf_printf(b, ",\"linked_suppressed\":%s", x->linked_hidden ? "true" : "false");
    rc = rc ? rc : ag_buf_printf(b, ",\"%s\":%s", fields[f], *v ? v : "null");
  }
  return rc || q->scope.csv ? rc : ag_buf_adds(b, "}");
}

char *gw_rschools_reply(const struct gw_rschools_query *q, const struct gw_rschools_row *rows,
                        size_t n, long k, size_t *len)
{
  struct rs_node *nodes = calloc(n ? n : 1, sizeof(*nodes));
  size_t m = 0;
  struct ag_buf b;
  int rc = nodes ? AG_OK : AG_ENOMEM, shown = 0;

  /* The nodes of q's level: consecutive schools with the same keys down to it. */
  for (size_t i = 0; i < n && rc == AG_OK; i++) {
    if (i == 0 || !same_node(&rows[i - 1], &rows[i], q->depth))
      nodes[m++].first = i;
    for (int c = 0; c < GW_RS_N; c++)
      nodes[m - 1].n[c] += rows[i].n[c];
  }
  rc = rc ? rc : suppress(nodes, m, rows, q->depth, k, GW_RS_ASKED);
  rc = rc ? rc : suppress(nodes, m, rows, q->depth, k, GW_RS_LINKED);
  ag_buf_init(&b, (size_t)64 << 20);
  rc = rc ? rc : header(&b, q, k);
  for (size_t i = 0; i < m && rc == AG_OK; i++) {
    const struct gw_rschools_row *r = &rows[nodes[i].first];
    if (q->scope.district[0] && strcmp(r->key[GW_RS_DISTRICT], q->scope.district) != 0)
      continue; /* a filter selects nodes; the suppression was decided on them all */
    rc = node_out(&b, q, r, &nodes[i], k, !shown++);
  }
  if (rc == AG_OK && !q->scope.csv)
    rc = ag_buf_adds(&b, "]}\n");
  free(nodes);
  if (rc != AG_OK) {
    ag_buf_cleanup(&b);
    return NULL;
  }
  return ag_buf_take(&b, len);
}
