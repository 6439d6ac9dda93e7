/* check_results.c: the results API's small-cell suppression against an attacker (issues 11, 9).
 *
 * Synthetic respondents (random, skewed so that small groups abound) are rolled up into the
 * release of every allowed grouping (gw_results.h: region, then one of settlement > district >
 * school, settlement > parent_settlement, grade_band, relation, language, month > week) and
 * suppressed by gw_results_suppress(). The attacker takes every pair of those queries (and
 * then all of them at once), and knows what links their groups outside the tree: each group
 * is a sum of atoms, one per combination of the factors behind it (a school, which fixes its
 * district and settlement kind; a day, which fixes its month and week; ...). Published: what
 * the queries show, and the groups they do not list (zeros). A hidden group is derivable
 * exactly when its atoms' indicator is in the span of the published ones (Gaussian
 * elimination); none may be. Filters (region, district) and periods (from, to) only select
 * rows of these releases, never re-aggregate: a test checks that for every one of them, so
 * what a filtered query knows is a subset of what its unfiltered query knows, and the pairs
 * above cover every pair of allowed queries. The same attacker must find leaks in primary
 * suppression alone and in 0014's release (place and period chains side by side), or it
 * would prove nothing. */
#include "gateway/api/gw_results.h"
#include "lib/ag.h"
#include "tests/support/ag_check.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PEOPLE     900
#define NQ         10 /* the allowed queries, below */
#define MAXROWS    4096
#define LEVELS_MAX (GW_RESULTS_LEVELS - 1)

static const char *const opts[2] = {"no", "yes"};

struct person {
  char f[8][40]; /* region, district, school, settlement, parent_settlement, grade, relation,
                    language; then month and week below */
  char month[24], week[24];
  int option;
};
static struct person people[PEOPLE];

/* The allowed queries: region; settlement; district; school; settlement,parent_settlement;
 * grade_band; relation; language; month; week. Their chain (-1: region alone) and depth, in
 * the release, and in 0014's (old_tree: district > school, month and week each a chain of
 * their own, as the strawman whose leaks the attacker must find). */
static const int qchain[NQ] = {GW_RC_NONE,       GW_RC_SETTLEMENT, GW_RC_SCHOOL,   GW_RC_SCHOOL,
                               GW_RC_SETTLEMENT, GW_RC_GRADE,      GW_RC_RELATION, GW_RC_LANGUAGE,
                               GW_RC_MONTH,      GW_RC_MONTH};
static const int qdepth_tree[NQ] = {0, 1, 2, 3, 2, 1, 1, 1, 1, 2};
static const int qdepth_old[NQ] = {0, 1, 1, 2, 2, 1, 1, 1, 1, 1};
static int old_tree;

static int depth_of(int q)
{
  return old_tree ? qdepth_old[q] : qdepth_tree[q];
}

/* A skewed pick in [0, n): small values much more often, so some groups are tiny. */
static int skewed(int n)
{
  double u = (double)rand() / RAND_MAX;
  int v = (int)(n * u * u * u);
  return v < n ? v : n - 1;
}

static void make_people(unsigned seed)
{
  srand(seed);
  for (int i = 0; i < PEOPLE; i++) {
    struct person *p = &people[i];
    int r = skewed(3), d = skewed(5), s = skewed(4), day = skewed(180);
    snprintf(p->f[0], sizeof(p->f[0]), "r%d", r);
    snprintf(p->f[1], sizeof(p->f[1]), "r%d-d%d", r, d);
    snprintf(p->f[2], sizeof(p->f[2]), "%d", 10 * d + s);
    snprintf(p->f[3], sizeof(p->f[3]), "%s", d == 0 ? "urban" : s == 3 ? "" : "rural");
    snprintf(p->f[4], sizeof(p->f[4]), "%s", rand() % 3 ? "rural" : "urban");
    snprintf(p->f[5], sizeof(p->f[5]), "g%d", skewed(4));
    snprintf(p->f[6], sizeof(p->f[6]), "rel%d", skewed(4));
    snprintf(p->f[7], sizeof(p->f[7]), "l%d", skewed(3));
    /* Days from Monday 2025-12-29: a month's first day, a week's Monday. */
    time_t t = (time_t)(1766966400 + 86400LL * day);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(p->month, sizeof(p->month), "%Y-%m-01", &tm);
    t -= 86400LL * ((tm.tm_wday + 6) % 7);
    gmtime_r(&t, &tm);
    strftime(p->week, sizeof(p->week), "%Y-%m-%d", &tm);
    p->option = rand() % 4 != 0;
  }
}

/* The keys of person p in query q. */
static void keys_of(const struct person *p, int q, const char *k[GW_RESULTS_LEVELS])
{
  static const int field[GW_RC_N] = {[GW_RC_GRADE] = 5, [GW_RC_RELATION] = 6, [GW_RC_LANGUAGE] = 7};
  const char *path[LEVELS_MAX] = {"", "", ""};
  int c = qchain[q], d = depth_of(q);

  k[0] = p->f[0];
  k[1] = k[2] = k[3] = "";
  if (c == GW_RC_SCHOOL && !old_tree) {
    path[0] = p->f[3];
    path[1] = p->f[1];
    path[2] = p->f[2];
  } else if (c == GW_RC_SCHOOL) {
    path[0] = p->f[1];
    path[1] = p->f[2];
  } else if (c == GW_RC_SETTLEMENT) {
    path[0] = p->f[3];
    path[1] = p->f[4];
  } else if (c == GW_RC_MONTH && old_tree) {
    path[0] = q == 9 ? p->week : p->month;
  } else if (c == GW_RC_MONTH) {
    path[0] = p->month;
    path[1] = p->week;
  } else if (c != GW_RC_NONE) {
    path[0] = p->f[field[c]];
  }
  for (int l = 1; l <= d; l++)
    k[l] = path[l - 1];
}

/* One query's release: rows sorted by keys then option, and what is hidden. */
struct release {
  struct gw_results_row rows[MAXROWS];
  unsigned char hidden[MAXROWS];
  size_t n;
};

static int row_cmp(const void *a, const void *b)
{
  const struct gw_results_row *x = a, *y = b;
  for (int l = 0; l < GW_RESULTS_LEVELS; l++) {
    int c = strcmp(x->key[l], y->key[l]);
    if (c)
      return c;
  }
  return strcmp(x->option, y->option);
}

static int same_keys(const char *const *a, const char *const *b, int depth)
{
  for (int l = 0; l <= depth; l++)
    if (strcmp(a[l], b[l]) != 0)
      return 0;
  return 1;
}

/* primary_only: the strawman the attacker must beat (hidden below k, nothing more). */
static void release_of(int q, long k, int primary_only, struct release *out)
{
  out->n = 0;
  for (int i = 0; i < PEOPLE; i++) {
    struct gw_results_row r = {.option = opts[people[i].option], .n = 1};
    size_t j;
    keys_of(&people[i], q, r.key);
    for (int l = 0; l < GW_RESULTS_LEVELS; l++)
      r.name[l] = "";
    for (j = 0; j < out->n && row_cmp(&out->rows[j], &r) != 0; j++)
      ;
    if (j < out->n)
      out->rows[j].n++;
    else
      out->rows[out->n++] = r;
  }
  qsort(out->rows, out->n, sizeof(out->rows[0]), row_cmp);
  ck_assert_int_eq(gw_results_suppress(out->rows, out->n, depth_of(q), k, out->hidden), AG_OK);
  if (primary_only)
    for (size_t i = 0; i < out->n;) { /* hidden: the node's own total below k */
      size_t j = i;
      long long t = 0;
      while (j < out->n && same_keys(out->rows[j].key, out->rows[i].key, depth_of(q)))
        t += out->rows[j++].n;
      for (size_t x = i; x < j; x++)
        out->hidden[x] = t < k;
      i = j;
    }
}

/* ---- the attacker ---------------------------------------------------------------------------
 *
 * What the attacker knows of the world: a published node is a set of respondents given by
 * factors that the public knows to be linked. The location (a school: its district and its
 * settlement type are facts anyone can look up), the parent's own settlement, the grade band,
 * the relation, the language and the day (month and week are both functions of it). The
 * unknowns are the counts of atoms, one per combination of the factors a set of queries uses,
 * in one region; every node is the sum of its atoms. Published: each group a query shows, and
 * each group it does not list (an absent group is a known zero). A hidden group is derivable
 * exactly when its atoms' indicator is in the span of the published ones. That writes down
 * every equation between chains (the old attacker, which knew only each chain's own
 * parent = sum of children, missed the settlement chain's link to district > school). */

enum { F_LOC, F_PS, F_GRADE, F_REL, F_LANG, F_DAY, F_N };

static unsigned factors_of(int q)
{
  switch (qchain[q]) {
  case GW_RC_NONE:
    return 0;
  case GW_RC_SCHOOL:
    return 1u << F_LOC;
  case GW_RC_SETTLEMENT:
    return 1u << F_LOC | (depth_of(q) == 2 ? 1u << F_PS : 0);
  case GW_RC_GRADE:
    return 1u << F_GRADE;
  case GW_RC_RELATION:
    return 1u << F_REL;
  case GW_RC_LANGUAGE:
    return 1u << F_LANG;
  default:
    return 1u << F_DAY;
  }
}

/* The field of struct person a one-field factor is. */
static int field_of(int f)
{
  return f == F_PS ? 4 : f == F_GRADE ? 5 : f == F_REL ? 6 : 7;
}

/* Whether p and o agree on factor f. Days agree when they are in the same month and week:
 * no query tells two such days apart, so an atom per (month, week) is exact. */
static int same_factor(const struct person *p, const struct person *o, int f)
{
  switch (f) {
  case F_LOC:
    return !strcmp(p->f[2], o->f[2]) && !strcmp(p->f[1], o->f[1]);
  case F_DAY:
    return !strcmp(p->month, o->month) && !strcmp(p->week, o->week);
  default:
    return !strcmp(p->f[field_of(f)], o->f[field_of(f)]);
  }
}

/* Copies factor f's fields from o into atom a. */
static void set_factor(struct person *a, const struct person *o, int f)
{
  if (f == F_LOC) {
    for (int i = 1; i <= 3; i++)
      memcpy(a->f[i], o->f[i], sizeof(a->f[i]));
  } else if (f == F_DAY) {
    memcpy(a->month, o->month, sizeof(a->month));
    memcpy(a->week, o->week, sizeof(a->week));
  } else {
    memcpy(a->f[field_of(f)], o->f[field_of(f)], sizeof(a->f[0]));
  }
}

#define MAXATOM 4096
#define MAXVAL  64

/* One person per value of factor f (locations: of region r only). */
static int values_of(int f, const char *r, const struct person **out)
{
  int n = 0;
  for (int i = 0; i < PEOPLE; i++) {
    int seen = 0;
    if (f == F_LOC && strcmp(people[i].f[0], r) != 0)
      continue;
    for (int j = 0; j < n && !seen; j++)
      seen = same_factor(out[j], &people[i], f);
    if (!seen) {
      ck_assert_int_lt(n, MAXVAL);
      out[n++] = &people[i];
    }
  }
  return n;
}

/* The atoms of region r over the factors in mask: every combination of their values. */
static int atoms_of(const char *r, unsigned mask, struct person *atoms)
{
  const struct person *val[F_N][MAXVAL];
  int nval[F_N], at[F_N] = {0}, n = 0;

  for (int f = 0; f < F_N; f++)
    nval[f] = mask & (1u << f) ? values_of(f, r, val[f]) : 1;
  for (;;) {
    ck_assert_int_lt(n, MAXATOM);
    memset(&atoms[n], 0, sizeof(atoms[n]));
    snprintf(atoms[n].f[0], sizeof(atoms[n].f[0]), "%s", r);
    for (int f = 0; f < F_N; f++)
      if (mask & (1u << f))
        set_factor(&atoms[n], val[f][at[f]], f);
    n++;
    int f = 0;
    while (f < F_N && ++at[f] == nval[f])
      at[f++] = 0;
    if (f == F_N)
      return n;
  }
}

/* A basis of the published indicators, each row reduced at its pivot. */
struct span {
  double (*row)[MAXATOM];
  int *pivot;
  int n, atoms;
};

/* Reduces v against the span; returns the largest |v| left. */
static double reduce(const struct span *sp, double *v)
{
  double left = 0;
  for (int i = 0; i < sp->n; i++) {
    double f = v[sp->pivot[i]];
    if (f != 0)
      for (int a = 0; a < sp->atoms; a++)
        v[a] -= f * sp->row[i][a];
  }
  for (int a = 0; a < sp->atoms; a++)
    left = fmax(left, fabs(v[a]));
  return left;
}

static void span_add(struct span *sp, double *v)
{
  int p = 0;
  if (reduce(sp, v) < 1e-9)
    return;
  for (int a = 1; a < sp->atoms; a++)
    if (fabs(v[a]) > fabs(v[p]))
      p = a;
  double pv = v[p];
  for (int a = 0; a < sp->atoms; a++)
    sp->row[sp->n][a] = v[a] / pv;
  sp->pivot[sp->n++] = p;
}

static struct release rel[NQ];

/* Group i of query q's release in region r with keys k, or -1 when the release lists none. */
static long find_group(int q, const char *const *k)
{
  for (size_t i = 0; i < rel[q].n; i++)
    if (same_keys(rel[q].rows[i].key, k, depth_of(q)))
      return (long)i;
  return -1;
}

/* Hidden groups the attacker derives from queries qs[0..nq) in region r. */
static int attack_region(const int *qs, int nq, const char *r)
{
  static struct person atoms[MAXATOM];
  static double rows[256][MAXATOM], v[MAXATOM];
  static int pivot[256];
  static short in_node[NQ][MAXATOM]; /* the node of each query an atom is in */
  struct {
    int q, i; /* the query, its index in qs */
    long group;
    const char *key[GW_RESULTS_LEVELS];
  } node[256];
  unsigned mask = 0;
  int n_node = 0, found = 0;

  for (int i = 0; i < nq; i++)
    mask |= factors_of(qs[i]);
  int n_atom = atoms_of(r, mask, atoms);
  /* The nodes: each query's groups over the atoms. */
  for (int i = 0; i < nq; i++)
    for (int a = 0; a < n_atom; a++) {
      const char *k[GW_RESULTS_LEVELS] = {"", "", "", ""};
      int x;
      keys_of(&atoms[a], qs[i], k);
      for (x = n_node - 1; x >= 0; x--) /* atoms of a node come in runs */
        if (node[x].q == qs[i] && same_keys(node[x].key, k, depth_of(qs[i])))
          break;
      if (x < 0)
        x = n_node;
      if (x == n_node) {
        ck_assert_int_lt(n_node, (int)AG_ARRAY_LEN(node));
        node[x].q = qs[i];
        node[x].i = i;
        memcpy(node[x].key, k, sizeof(k));
        node[x].group = find_group(qs[i], k);
        n_node++;
      }
      in_node[i][a] = (short)x;
    }
  struct span sp = {rows, pivot, 0, n_atom};
  for (int pass = 0; pass < 2; pass++) /* the published ones first, then each hidden one */
    for (int x = 0; x < n_node; x++) {
      int hidden = node[x].group >= 0 && rel[node[x].q].hidden[node[x].group];
      if (hidden != pass)
        continue;
      for (int a = 0; a < n_atom; a++)
        v[a] = in_node[node[x].i][a] == x;
      if (!pass) {
        ck_assert_int_lt(sp.n, (int)AG_ARRAY_LEN(rows));
        span_add(&sp, v);
      } else if (reduce(&sp, v) < 1e-9) {
        if (found < 3)
          fprintf(stderr, "  derivable: query %d, %s|%s|%s|%s\n", node[x].q, node[x].key[0],
                  node[x].key[1], node[x].key[2], node[x].key[3]);
        found++;
      }
    }
  return found;
}

/* Leaks found by the attacker over queries qs[0..n). */
static int attack(const int *qs, int n)
{
  static const char *const regions[] = {"r0", "r1", "r2"};
  int leaks = 0;
  for (size_t r = 0; r < AG_ARRAY_LEN(regions); r++)
    leaks += attack_region(qs, n, regions[r]);
  return leaks;
}

/* Every pair of queries, then all of them at once. All at once is computed block by block:
 * the queries over the location and the parent's settlement, and those over the day, each
 * with the region. Nodes over independent factors are linked only through the region's total,
 * so what all the queries derive is what these blocks derive (the full product of the factors
 * would be some 10^5 atoms per region). */
static int attack_all_pairs(long k, int primary_only, unsigned seed)
{
  int leaks = 0, place[NQ], days[NQ], np = 0, nd = 0;

  make_people(seed);
  for (int q = 0; q < NQ; q++) {
    release_of(q, k, primary_only, &rel[q]);
    if (!(factors_of(q) & ~(1u << F_LOC | 1u << F_PS)))
      place[np++] = q;
    if (!(factors_of(q) & ~(1u << F_DAY)))
      days[nd++] = q;
  }
  for (int a = 0; a < NQ; a++)
    for (int b = a; b < NQ; b++) {
      int qs[2] = {a, b};
      leaks += attack(qs, a == b ? 1 : 2);
    }
  return leaks + attack(place, np) + attack(days, nd);
}

START_TEST(test_no_pair_of_queries_derives_a_hidden_group)
{
  static const long ks[] = {5, 10};
  for (unsigned seed = 1; seed <= 8; seed++)
    for (size_t i = 0; i < AG_ARRAY_LEN(ks); i++) {
      int leaks = attack_all_pairs(ks[i], 0, seed);
      ck_assert_msg(leaks == 0, "seed %u k %ld: %d hidden groups derivable", seed, ks[i], leaks);
      /* Something was hidden at all, or the test proves nothing. */
      size_t hidden = 0;
      for (int q = 0; q < NQ; q++)
        for (size_t r = 0; r < rel[q].n; r++)
          hidden += rel[q].hidden[r];
      ck_assert_uint_gt(hidden, 10);
    }
}
END_TEST

START_TEST(test_attacker_beats_primary_suppression_alone)
{
  int leaks = 0;
  for (unsigned seed = 1; seed <= 8; seed++)
    leaks += attack_all_pairs(10, 1, seed);
  ck_assert_int_gt(leaks, 0);
}
END_TEST

/* 0014's release, complements and all: the settlement beside district > school, the month
 * beside the week. The attacker must find what those links gave back. */
START_TEST(test_attacker_finds_the_leaks_of_independent_chains)
{
  int leaks = 0;
  old_tree = 1;
  for (unsigned seed = 1; seed <= 8; seed++)
    leaks += attack_all_pairs(10, 0, seed);
  old_tree = 0;
  ck_assert_int_gt(leaks, 0);
}
END_TEST

/* The query parameters of a test: name=value pairs. */
static const char *const *params;
static const char *param(void *arg, const char *name)
{
  (void)arg;
  for (size_t i = 0; params[i]; i += 2)
    if (!strcmp(params[i], name))
      return params[i + 1];
  return NULL;
}

static int parse(const char *const *p, struct gw_results_query *q)
{
  char err[300];
  params = p;
  return gw_results_parse(param, NULL, q, err, sizeof(err));
}

START_TEST(test_only_the_release_tree_is_allowed)
{
  static const char *const good[] = {"",
                                     "region",
                                     "district",
                                     "school",
                                     "district,school",
                                     "region,district",
                                     "settlement,district",
                                     "region,settlement,district,school",
                                     "settlement",
                                     "settlement,parent_settlement",
                                     "grade_band",
                                     "relation",
                                     "language",
                                     "month",
                                     "week",
                                     "month,week"};
  static const char *const bad[] = {"district,grade_band",
                                    "parent_settlement",
                                    "school,month",
                                    "settlement,relation",
                                    "grade_band,relation",
                                    "city",
                                    "region,district,school,parent_settlement",
                                    "week,district",
                                    "parent_settlement,district",
                                    "month,grade_band"};
  struct gw_results_query q;
  for (size_t i = 0; i < AG_ARRAY_LEN(good); i++) {
    const char *p[] = {"survey", "involvement", "version", "3", "question",
                       "L1",     "group_by",    good[i],   NULL};
    ck_assert_msg(parse(p, &q) == AG_OK, "%s", good[i]);
  }
  for (size_t i = 0; i < AG_ARRAY_LEN(bad); i++) {
    const char *p[] = {"survey", "involvement", "version", "3", "question",
                       "L1",     "group_by",    bad[i],    NULL};
    ck_assert_msg(parse(p, &q) == AG_EINVAL, "%s", bad[i]);
  }
  /* Periods select rows of month or week; on any other grouping they would re-aggregate. */
  const char *p1[] = {"survey",   "s",        "version", "1",          "question", "L1",
                      "group_by", "district", "from",    "2026-01-01", NULL};
  ck_assert_int_eq(parse(p1, &q), AG_EINVAL);
  const char *p2[] = {"survey", "s",    "version",    "1",  "question",   "L1", "group_by",
                      "month",  "from", "2026-01-01", "to", "2026-03-01", NULL};
  ck_assert_int_eq(parse(p2, &q), AG_OK);
  /* Regions and districts are lower-case codes (as in the schools' results): a region that
   * cannot exist is a 400, not an empty reply. */
  const char *p3[] = {"survey", "s", "version", "1", "question", "L1", "region", "Aktobe", NULL};
  ck_assert_int_eq(parse(p3, &q), AG_EINVAL);
  const char *p4[] = {"survey", "s",           "version",  "1",           "question", "L1",
                      "region", "aktobe,abai", "district", "aktobe-alga", "group_by", "school",
                      "format", "csv",         "lang",     "ru",          NULL};
  ck_assert_int_eq(parse(p4, &q), AG_OK);
  ck_assert(q.scope.n_regions == 2 && !strcmp(q.scope.regions[1], "abai") &&
            !strcmp(q.scope.district, "aktobe-alga") && q.scope.csv == 1 && q.scope.lang == 1);
}
END_TEST

/* Region, district and period filters select nodes of the same release: every group a filtered
 * query shows is, byte for byte, a group of the unfiltered one. */
START_TEST(test_filters_only_select_rows)
{
  static const char *const cases[][6] = {
      {"district", "district", "r0-d1", NULL, NULL, NULL},
      {"school", "district", "r0-d0", NULL, NULL, NULL},
      {"month", "from", "2026-02-01", "to", "2026-04-01", NULL},
      {"week", "from", "2026-01-12", "to", "2026-03-02", NULL},
  };
  make_people(3);
  for (size_t c = 0; c < AG_ARRAY_LEN(cases); c++) {
    struct gw_results_query full, part;
    const char *pf[] = {"survey", "s",        "version",   "1", "question",
                        "L1",     "group_by", cases[c][0], NULL};
    int q = !strcmp(cases[c][0], "district") ? 2
            : !strcmp(cases[c][0], "school") ? 3
            : !strcmp(cases[c][0], "month")  ? 8
                                             : 9;
    size_t lf, lp;
    ck_assert_int_eq(parse(pf, &full), AG_OK);
    part = full; /* the filters as gw_results_parse() sets them */
    if (!strcmp(cases[c][1], "district")) {
      strcpy(part.scope.district, cases[c][2]);
    } else {
      strcpy(part.from, cases[c][2]);
      strcpy(part.to, cases[c][4]);
    }
    release_of(q, 10, 0, &rel[q]);
    char *a = gw_results_format(&full, rel[q].rows, rel[q].hidden, rel[q].n, 10, &lf);
    char *b = gw_results_format(&part, rel[q].rows, rel[q].hidden, rel[q].n, 10, &lp);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_lt(lp, lf);
    /* Each group object of b, from "{\"region\"" to the next, is in a. */
    int groups = 0;
    for (char *g = strstr(b, "{\"region\""); g; groups++) {
      char *next = strstr(g + 1, "{\"region\"");
      size_t n = next ? (size_t)(next - g) - 1 : strlen(g) - 3; /* without , or ]}\n */
      char *copy = strndup(g, n);
      ck_assert_msg(strstr(a, copy) != NULL, "%s not in the unfiltered release", copy);
      free(copy);
      g = next;
    }
    ck_assert_int_gt(groups, 0);
    free(a);
    free(b);
  }
}
END_TEST

static Suite *results_suite(void)
{
  Suite *s = suite_create("results");
  TCase *tc = tcase_create("suppression");

  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_no_pair_of_queries_derives_a_hidden_group);
  tcase_add_test(tc, test_attacker_beats_primary_suppression_alone);
  tcase_add_test(tc, test_attacker_finds_the_leaks_of_independent_chains);
  tcase_add_test(tc, test_only_the_release_tree_is_allowed);
  tcase_add_test(tc, test_filters_only_select_rows);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  static const ag_check_suite_fn suites[] = {results_suite, NULL};
  return ag_check_run(suites);
}
