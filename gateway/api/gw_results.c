/* gw_results.c: the results API's pure part: parameters, SQL, suppression (see gw_results.h). */
#include "gateway/api/gw_results.h"
#include "lib/ag.h"
#include "lib/ag_buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEVELS (GW_RESULTS_LEVELS - 1) /* below the region */

/* The names a caller gives each chain's levels; the chain's number is its index in
 * rollup_release (sql/migrations/0026_release_one_chain.sql). implied: a level alone names
 * the levels above it too, since a node has one parent there (a school is in one district, a
 * district's part in one settlement kind, a week's part in one month); the parent's
 * settlement is not in one school settlement, so it needs settlement named. */
static const struct {
  const char *level[LEVELS];
  int implied;
} chains[GW_RC_N] = {
    [GW_RC_SCHOOL] = {{"settlement", "district", "school"}, 1},
    [GW_RC_SETTLEMENT] = {{"settlement", "parent_settlement", NULL}, 0},
    [GW_RC_GRADE] = {{"grade_band", NULL, NULL}, 0},
    [GW_RC_RELATION] = {{"relation", NULL, NULL}, 0},
    [GW_RC_LANGUAGE] = {{"language", NULL, NULL}, 0},
    /* A period is keyed by its first day (a week's Monday): from and to compare as text. */
    [GW_RC_MONTH] = {{"month", "week", NULL}, 1},
};

/* The order group_by's names are matched in: "settlement" alone is the first level of two
 * chains, the same nodes; the shorter chain is read. */
static const int match_order[GW_RC_N] = {GW_RC_SETTLEMENT, GW_RC_SCHOOL,   GW_RC_GRADE,
                                         GW_RC_RELATION,   GW_RC_LANGUAGE, GW_RC_MONTH};

#define SLUG "abcdefghijklmnopqrstuvwxyz0123456789_-"

/* Codes: slugs (regions, districts), and survey and question ids (upper case too, as L1). */
static int code_ok(const char *s, int upper)
{
  size_t n = strspn(s, upper ? SLUG "ABCDEFGHIJKLMNOPQRSTUVWXYZ" : SLUG);
  return n > 0 && n < GW_RESULTS_CODE_MAX && s[n] == '\0';
}

static int date_ok(const char *s)
{
  int y, m, d;
  char tail;
  return strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && y >= 2000 &&
         m >= 1 && m <= 12 && d >= 1 && d <= 31 && s[4] == '-' && s[7] == '-';
}

/* The level of chain c that name is, or -1. */
static int level_of(int c, const char *name)
{
  for (int l = 0; l < LEVELS; l++)
    if (chains[c].level[l] && strcmp(chains[c].level[l], name) == 0)
      return l;
  return -1;
}

/* Which chain and level the group_by list names (region may be among them): the first chain
 * of match_order that has every name as a level, at the deepest level named; a chain without
 * implied levels needs every level above it named too. Names of two chains are a
 * cross-tabulation, not a node of the release. */
static int parse_group_by(const char *s, struct gw_results_query *q)
{
  const char *name[LEVELS + 1];
  int n = 0;
  char buf[200];

  q->chain = GW_RC_NONE;
  q->depth = 0;
  if (!s || !*s)
    return AG_OK;
  if (strlen(s) >= sizeof(buf))
    return AG_EINVAL;
  strcpy(buf, s);
  for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    if (strcmp(t, "region") == 0)
      continue;
    if (n == LEVELS)
      return AG_EINVAL;
    name[n++] = t;
  }
  if (n == 0)
    return AG_OK;
  for (int m = 0; m < GW_RC_N; m++) {
    int c = match_order[m], seen[LEVELS] = {0}, depth = 0, ok = 1;
    for (int i = 0; i < n && ok; i++) {
      int l = level_of(c, name[i]);
      ok = l >= 0;
      if (ok) {
        seen[l] = 1;
        depth = l + 1 > depth ? l + 1 : depth;
      }
    }
    for (int l = 0; l < depth && ok && !chains[c].implied; l++)
      ok = seen[l];
    if (ok) {
      q->chain = c;
      q->depth = depth;
      return AG_OK;
    }
  }
  return AG_EINVAL;
}

static int fail(char *err, size_t errlen, const char *msg)
{
  snprintf(err, errlen, "%s", msg);
  return AG_EINVAL;
}

int gw_results_parse(const char *(*get)(void *arg, const char *name), void *arg,
                     struct gw_results_query *q, char *err, size_t errlen)
{
  const char *v;
  char *end;
  long ver;

  memset(q, 0, sizeof(*q));
  v = get(arg, "survey");
  if (!v || !code_ok(v, 1))
    return fail(err, errlen, "survey must be a survey id (letters, digits, _ and -)");
  strcpy(q->survey, v);
  v = get(arg, "version");
  ver = v ? strtol(v, &end, 10) : 0;
  if (!v || *end || ver < 1 || ver > 1000000)
    return fail(err, errlen, "version must be a survey version (1, 2, ...)");
  q->version = (int)ver;
  v = get(arg, "question");
  if (!v || !code_ok(v, 1))
    return fail(err, errlen, "question must be a question id (L1, T1, initiative...)");
  strcpy(q->question, v);
  if (parse_group_by(get(arg, "group_by"), q) != AG_OK)
    return fail(err, errlen,
                "group_by must be region plus at most one of: settlement, district, school, "
                "settlement,parent_settlement, grade_band, relation, language, month, week "
                "(docs/privacy.md)");
  for (int i = 0; i < 2; i++) {
    v = get(arg, i ? "to" : "from");
    if (!v || !*v)
      continue;
    if (!date_ok(v))
      return fail(err, errlen, "from and to must be dates YYYY-MM-DD");
    if (q->chain != GW_RC_MONTH)
      return fail(err, errlen,
                  "from and to select rows of group_by=month or week; every other grouping covers "
                  "the whole survey version (docs/privacy.md)");
    strcpy(i ? q->to : q->from, v);
  }
  return gw_results_parse_scope(get, arg, q->chain == GW_RC_SCHOOL && q->depth >= 2, &q->scope, err,
                                errlen);
}

int gw_results_parse_scope(const char *(*get)(void *arg, const char *name), void *arg,
                           int district_ok, struct gw_results_scope *sc, char *err, size_t errlen)
{
  const char *v = get(arg, "region");

  memset(sc, 0, sizeof(*sc));
  sc->lang = 2;
  if (v && *v) {
    char buf[GW_RESULTS_REGIONS_MAX * GW_RESULTS_CODE_MAX];
    if (strlen(v) >= sizeof(buf))
      return fail(err, errlen, "too many regions");
    strcpy(buf, v);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
      if (!code_ok(t, 0) || sc->n_regions == GW_RESULTS_REGIONS_MAX)
        return fail(err, errlen, "region must be region codes, comma-separated");
      strcpy(sc->regions[sc->n_regions++], t);
    }
  }
  v = get(arg, "district");
  if (v && *v) {
    if (!code_ok(v, 0) || !district_ok)
      return fail(err, errlen,
                  "district must be a district code, with group_by=district or school");
    strcpy(sc->district, v);
  }
  v = get(arg, "format");
  if (v && strcmp(v, "csv") != 0 && strcmp(v, "json") != 0)
    return fail(err, errlen, "format must be json or csv");
  sc->csv = v && strcmp(v, "csv") == 0;
  v = get(arg, "lang");
  if (v && *v) {
    if (strcmp(v, "kk") != 0 && strcmp(v, "ru") != 0 && strcmp(v, "en") != 0)
      return fail(err, errlen, "lang must be kk, ru or en");
    sc->lang = v[0] == 'k' ? 0 : v[0] == 'r' ? 1 : 2;
  }
  return AG_OK;
}

/* 1 when code is in the comma-separated list. */
static int listed(const char *list, const char *code)
{
  size_t n = strlen(code);

  for (const char *s = list; *s;) {
    size_t k = strcspn(s, ",");
    if (k == n && strncmp(s, code, n) == 0)
      return 1;
    s += k + (s[k] == ',');
  }
  return 0;
}

int gw_results_regions(const char (*regions)[GW_RESULTS_CODE_MAX], size_t n, const char *allowed,
                       char *out, size_t outlen, int *restricted, char *err, size_t errlen)
{
  char *p = out, *end = out + outlen;

  *restricted = n > 0 || *allowed;
  if (outlen < 3)
    return AG_EINVAL;
  *p++ = '{';
  if (n) {
    for (size_t i = 0; i < n; i++) {
      if (*allowed && !listed(allowed, regions[i])) {
        snprintf(err, errlen, "this token is not valid in region %s", regions[i]);
        return AG_EDENIED;
      }
      if ((size_t)(end - p) < strlen(regions[i]) + 5)
        return AG_EINVAL;
      p += sprintf(p, "%s\"%s\"", i ? "," : "", regions[i]);
    }
  } else if (*allowed) {
    for (const char *s = allowed; *s;) {
      size_t k = strcspn(s, ",");
      if (k >= GW_RESULTS_CODE_MAX || (size_t)(end - p) < k + 5)
        return AG_EINVAL;
      p += sprintf(p, "%s\"%.*s\"", p == out + 1 ? "" : ",", (int)k, s);
      s += k + (s[k] == ',');
    }
  }
  strcpy(p, "}");
  return AG_OK;
}

int gw_results_sql(const struct gw_results_query *q, const char *allowed,
                   struct gw_results_sql *out, char *err, size_t errlen)
{
  static const char *const name_col[3] = {"name_kk", "name_ru", "name_en"};
  static const char *const key[LEVELS] = {"k1", "k2", "k3"};
  const char *k[LEVELS], *nc = name_col[q->scope.lang];
  int places = q->chain == GW_RC_SCHOOL, restrict_regions, rc;
  char name2[64];

  memset(out, 0, sizeof(*out));
  /* The caller's regions, enforced here: the SQL reads no other. */
  rc = gw_results_regions(q->scope.regions, q->scope.n_regions, allowed, out->regions,
                          sizeof(out->regions), &restrict_regions, err, errlen);
  if (rc != AG_OK)
    return rc;
  snprintf(out->version, sizeof(out->version), "%d", q->version);
  out->params[0] = q->survey;
  out->params[1] = out->version;
  out->params[2] = q->question;
  out->params[3] = out->regions;
  out->nparams = 4;
  for (int l = 0; l < LEVELS; l++)
    k[l] = q->depth > l ? key[l] : "''";
  snprintf(name2, sizeof(name2), places && q->depth >= 2 ? "coalesce(d.%s, c.k2)" : "''", nc);
  snprintf(out->sql, sizeof(out->sql),
           "WITH c AS (SELECT region, %s AS k1, %s AS k2, %s AS k3, option, sum(n)::bigint AS n"
           " FROM (SELECT * FROM rollup_release UNION ALL SELECT * FROM rollup_release_log) r"
           " WHERE survey_id = $1 AND survey_version = $2::integer"
           " AND question_id = $3 AND chain = %d %s GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) > 0)"
           " SELECT c.region, coalesce(r.%s, c.region), c.k1, '', c.k2, %s, c.k3, %s,"
           " c.option, c.n FROM c LEFT JOIN regions r ON r.code = c.region%s%s"
           " ORDER BY c.region, c.k1, c.k2, c.k3, c.option",
           k[0], k[1], k[2], q->chain < 0 ? GW_RC_LANGUAGE : q->chain,
           restrict_regions ? "AND region = ANY($4::text[])" : "AND $4::text[] IS NOT NULL", nc,
           name2, places && q->depth >= 3 ? "coalesce(s.name, '')" : "''",
           places && q->depth >= 2 ? " LEFT JOIN districts d ON d.code = c.k2" : "",
           places && q->depth >= 3 ? " LEFT JOIN schools s ON s.id::text = c.k3" : "");
  return AG_OK;
}

/* ---- suppression ------------------------------------------------------------------------ */

struct node {
  size_t first, end; /* rows [first, end) */
  long long total;
  size_t parent; /* index in the level above */
  int hidden;
};

/* 1 when rows a and b are in the same node of level l (keys 0..l equal). */
static int same_node(const struct gw_results_row *a, const struct gw_results_row *b, int l)
{
  for (int i = 0; i <= l; i++)
    if (strcmp(a->key[i], b->key[i]) != 0)
      return 0;
  return 1;
}

/* The nodes of level l (consecutive rows with equal keys 0..l). Returns how many, or -1. */
static long build_level(const struct gw_results_row *rows, size_t n, int l, struct node **out)
{
  struct node *v = calloc(n ? n : 1, sizeof(*v));
  long m = 0;

  if (!v)
    return -1;
  for (size_t i = 0; i < n; i++) {
    if (i == 0 || !same_node(&rows[i - 1], &rows[i], l))
      v[m++] = (struct node){i, i, 0, 0, 0};
    v[m - 1].end = i + 1;
    v[m - 1].total += rows[i].n;
  }
  *out = v;
  return m;
}

/* Siblings s[0..m) under a visible parent: primary, then complementary suppression. */
static void suppress_siblings(struct node *s, size_t m, long k)
{
  long long hidden_sum = 0;
  size_t hidden = 0;

  for (size_t i = 0; i < m; i++)
    if ((s[i].hidden = s[i].total < k)) {
      hidden++;
      hidden_sum += s[i].total;
    }
  while (hidden > 0 && (hidden < 2 || hidden_sum < k)) {
    size_t pick = m;
    for (size_t i = 0; i < m; i++)
      if (!s[i].hidden && (pick == m || s[i].total < s[pick].total))
        pick = i;
    if (pick == m)
      break; /* every sibling hidden */
    s[pick].hidden = 1;
    hidden++;
    hidden_sum += s[pick].total;
  }
}

int gw_results_suppress(const struct gw_results_row *rows, size_t n, int depth, long k,
                        unsigned char *hidden)
{
  struct node *lv[GW_RESULTS_LEVELS] = {NULL};
  long m[GW_RESULTS_LEVELS] = {0};
  int rc = AG_OK;

  if (depth < 0 || depth >= GW_RESULTS_LEVELS)
    return AG_EINVAL;
  for (int l = 0; l <= depth && rc == AG_OK; l++)
    if ((m[l] = build_level(rows, n, l, &lv[l])) < 0)
      rc = AG_ENOMEM;
  if (rc == AG_OK) {
    /* Regions: nothing above them is published, so no region needs a complement. */
    for (long i = 0; i < m[0]; i++)
      lv[0][i].hidden = lv[0][i].total < k;
    for (int l = 1; l <= depth; l++) {
      long p = 0;
      for (long i = 0; i < m[l]; i++) { /* each node's parent: the one holding its first row */
        while (lv[l - 1][p].end <= lv[l][i].first)
          p++;
        lv[l][i].parent = (size_t)p;
      }
      for (long i = 0; i < m[l];) {
        long j = i;
        while (j < m[l] && lv[l][j].parent == lv[l][i].parent)
          j++;
        if (lv[l - 1][lv[l][i].parent].hidden)
          for (long x = i; x < j; x++)
            lv[l][x].hidden = 1; /* under a hidden node, everything: it must not be summed up */
        else
          suppress_siblings(&lv[l][i], (size_t)(j - i), k);
        i = j;
      }
    }
    for (long i = 0; i < m[depth]; i++)
      for (size_t r = lv[depth][i].first; r < lv[depth][i].end; r++)
        hidden[r] = (unsigned char)lv[depth][i].hidden;
  }
  for (int l = 0; l < GW_RESULTS_LEVELS; l++)
    free(lv[l]);
  return rc;
}

/* ---- the reply --------------------------------------------------------------------------- */

/* Whether the node of rows[i] is one q selects (district filter, period bounds). */
static int selected(const struct gw_results_query *q, const struct gw_results_row *r)
{
  /* A period is the deepest level: a month, or a week (both parts of one across two months). */
  const char *period = r->key[q->depth];

  if (q->scope.district[0] && strcmp(r->key[2], q->scope.district) != 0)
    return 0;
  if (q->from[0] && strcmp(period, q->from) < 0)
    return 0;
  if (q->to[0] && strcmp(period, q->to) > 0)
    return 0;
  return 1;
}

static const char *level_name(const struct gw_results_query *q, int l)
{
  return l == 0 ? "region" : chains[q->chain].level[l - 1];
}

char *gw_results_format(const struct gw_results_query *q, const struct gw_results_row *rows,
                        const unsigned char *hidden, size_t n, long k, size_t *len)
{
  struct ag_buf b;
  int rc, groups = 0;

  ag_buf_init(&b, (size_t)256 << 20);
  if (q->scope.csv) {
    rc = ag_buf_adds(&b, "\xEF\xBB\xBF");
    for (int l = 0; l <= q->depth && rc == AG_OK; l++)
      rc = ag_buf_printf(&b, "%s,%s_name,", level_name(q, l), level_name(q, l));
    if (rc == AG_OK)
      rc = ag_buf_adds(&b, "respondents,option,count,percent,suppressed\r\n");
  } else {
    rc = ag_buf_adds(&b, "{\"survey\":");
    if (rc == AG_OK)
      rc = ag_buf_json_str(&b, q->survey);
    if (rc == AG_OK)
      rc = ag_buf_printf(&b, ",\"version\":%d,\"question\":", q->version);
    if (rc == AG_OK)
      rc = ag_buf_json_str(&b, q->question);
    for (int l = 0; l <= q->depth && rc == AG_OK; l++)
      rc = ag_buf_printf(&b, "%s\"%s\"", l ? "," : ",\"group_by\":[", level_name(q, l));
    if (rc == AG_OK)
      rc = ag_buf_printf(&b, "],\"k\":%ld,\"groups\":[", k);
  }
  for (size_t i = 0; i < n && rc == AG_OK;) {
    size_t j = i;
    long long total = 0;
    while (j < n && same_node(&rows[i], &rows[j], q->depth))
      total += rows[j++].n;
    if (!selected(q, &rows[i])) {
      i = j;
      continue;
    }
    if (q->scope.csv) {
      /* A hidden group is one line: even which options it has is not shown. */
      for (size_t r = i; r < (hidden[i] ? i + 1 : j) && rc == AG_OK; r++) {
        for (int l = 0; l <= q->depth && rc == AG_OK; l++) {
          rc = ag_buf_csv_field(&b, rows[r].key[l]);
          rc = rc ? rc : ag_buf_adds(&b, ",");
          rc = rc ? rc : ag_buf_csv_field(&b, rows[r].name[l]);
          rc = rc ? rc : ag_buf_adds(&b, ",");
        }
        if (rc == AG_OK && hidden[i])
          rc = ag_buf_adds(&b, ",,,,true\r\n");
        else if (rc == AG_OK) {
          rc = ag_buf_printf(&b, "%lld,", total);
          rc = rc ? rc : ag_buf_csv_field(&b, rows[r].option);
          rc = rc ? rc
                  : ag_buf_printf(&b, ",%lld,%.1f,false\r\n", rows[r].n,
                                  100.0 * (double)rows[r].n / (double)total);
        }
      }
    } else {
      rc = ag_buf_adds(&b, groups ? ",{" : "{");
      for (int l = 0; l <= q->depth && rc == AG_OK; l++) {
        rc = ag_buf_printf(&b, "%s\"%s\":", l ? "," : "", level_name(q, l));
        rc = rc ? rc : ag_buf_json_str(&b, rows[i].key[l]);
        rc = rc ? rc : ag_buf_printf(&b, ",\"%s_name\":", level_name(q, l));
        rc = rc ? rc : ag_buf_json_str(&b, rows[i].name[l]);
      }
      if (rc == AG_OK && hidden[i])
        rc = ag_buf_adds(&b, ",\"suppressed\":true,\"respondents\":null,\"options\":[]}");
      else if (rc == AG_OK)
        rc = ag_buf_printf(&b, ",\"suppressed\":false,\"respondents\":%lld,\"options\":[", total);
      for (size_t r = i; r < j && !hidden[i] && rc == AG_OK; r++) {
        rc = ag_buf_adds(&b, r > i ? ",{\"option\":" : "{\"option\":");
        rc = rc ? rc : ag_buf_json_str(&b, rows[r].option);
        rc = rc ? rc
                : ag_buf_printf(&b, ",\"count\":%lld,\"percent\":%.1f}", rows[r].n,
                                100.0 * (double)rows[r].n / (double)total);
      }
      if (rc == AG_OK && !hidden[i])
        rc = ag_buf_adds(&b, "]}");
    }
    groups++;
    i = j;
  }
  if (rc == AG_OK && !q->scope.csv)
    rc = ag_buf_adds(&b, "]}\n");
  if (rc != AG_OK) {
    ag_buf_cleanup(&b);
    return NULL;
  }
  return ag_buf_take(&b, len);
}
