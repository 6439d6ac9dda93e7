/* check_results.c: the results API's small-cell suppression against an attacker (issue 11).
 *
 * Synthetic respondents (random, skewed so that small groups abound) are rolled up into the
 * release of every allowed grouping (gw_results.h: region, then one of district > school,
 * settlement > parent_settlement, grade_band, relation, language, month, week) and suppressed
 * by gw_results_suppress(). The attacker takes every pair of those queries (and then all of
 * them at once), writes down what they publish and every "parent = sum of its children" the
 * tree gives, per option, and solves: by Gaussian elimination, a value is derivable exactly
 * when its unit vector is in the row space of the equations over the unknowns. No suppressed
 * group may be derivable. Filters (region, district) and periods (from, to) only select rows of
 * these releases, never re-aggregate: a test checks that for every one of them, so what a
 * filtered query knows is a subset of what its unfiltered query knows, and the pairs above
 * cover every pair of allowed queries. The same attacker against primary suppression alone
 * must find a leak, or it would prove nothing. */
#include "gateway/api/gw_results.h"
#include "lib/ag.h"
#include "tests/support/ag_check.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PEOPLE  900
#define NQ      10 /* (chain, depth) pairs: region; district; school; settlement; settlement,ps; ... */
#define MAXROWS 4096
#define MAXNODE 2048

static const char *const opts[2] = {"no", "yes"};

struct person {
  char f[8][40]; /* region, district, school, settlement, parent_settlement, grade, relation,
                    language; then month and week below */
  char month[24], week[24];
  int option;
};
static struct person people[PEOPLE];

/* The allowed queries: chain (-1: region alone) and depth. */
static const int qchain[NQ] = {GW_RC_NONE,       GW_RC_DISTRICT, GW_RC_DISTRICT, GW_RC_SETTLEMENT,
                               GW_RC_SETTLEMENT, GW_RC_GRADE,    GW_RC_RELATION, GW_RC_LANGUAGE,
                               GW_RC_MONTH,      GW_RC_WEEK};
static const int qdepth[NQ] = {0, 1, 2, 1, 2, 1, 1, 1, 1, 1};

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
    int r = skewed(3), d = skewed(5), s = skewed(4), m = skewed(6), w = skewed(20);
    snprintf(p->f[0], sizeof(p->f[0]), "r%d", r);
    snprintf(p->f[1], sizeof(p->f[1]), "r%d-d%d", r, d);
    snprintf(p->f[2], sizeof(p->f[2]), "%d", 10 * d + s);
    snprintf(p->f[3], sizeof(p->f[3]), "%s", d == 0 ? "urban" : s == 3 ? "" : "rural");
    snprintf(p->f[4], sizeof(p->f[4]), "%s", rand() % 3 ? "rural" : "urban");
    snprintf(p->f[5], sizeof(p->f[5]), "g%d", skewed(4));
    snprintf(p->f[6], sizeof(p->f[6]), "rel%d", skewed(4));
    snprintf(p->f[7], sizeof(p->f[7]), "l%d", skewed(3));
    snprintf(p->month, sizeof(p->month), "2026-%02d-01", 1 + m);
    snprintf(p->week, sizeof(p->week), "2026-w%02d", w); /* sorts like the Mondays it stands for */
    p->option = rand() % 4 != 0;
  }
}

/* The keys of person p in query q. */
static void keys_of(const struct person *p, int q, const char *k[3])
{
  int c = qchain[q];
  k[0] = p->f[0];
  k[1] = k[2] = "";
  if (qdepth[q] >= 1)
    k[1] = c == GW_RC_DISTRICT     ? p->f[1]
           : c == GW_RC_SETTLEMENT ? p->f[3]
           : c == GW_RC_GRADE      ? p->f[5]
           : c == GW_RC_RELATION   ? p->f[6]
           : c == GW_RC_LANGUAGE   ? p->f[7]
           : c == GW_RC_MONTH      ? p->month
                                   : p->week;
  if (qdepth[q] >= 2)
    k[2] = c == GW_RC_DISTRICT ? p->f[2] : p->f[4];
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
  for (int l = 0; l < 3; l++) {
    int c = strcmp(x->key[l], y->key[l]);
    if (c)
      return c;
  }
  return strcmp(x->option, y->option);
}

/* primary_only: the strawman the attacker must beat (hidden below k, nothing more). */
static void release_of(int q, long k, int primary_only, struct release *out)
{
  out->n = 0;
  for (int i = 0; i < PEOPLE; i++) {
    struct gw_results_row r = {.option = opts[people[i].option], .n = 1};
    size_t j;
    keys_of(&people[i], q, r.key);
    for (int l = 0; l < 3; l++)
      r.name[l] = "";
    for (j = 0; j < out->n && row_cmp(&out->rows[j], &r) != 0; j++)
      ;
    if (j < out->n)
      out->rows[j].n++;
    else
      out->rows[out->n++] = r;
  }
  qsort(out->rows, out->n, sizeof(out->rows[0]), row_cmp);
  ck_assert_int_eq(gw_results_suppress(out->rows, out->n, qdepth[q], k, out->hidden), AG_OK);
  if (primary_only)
    for (size_t i = 0; i < out->n;) { /* hidden: the node's own total below k */
      size_t j = i;
      long long t = 0;
      while (j < out->n && !strcmp(out->rows[j].key[0], out->rows[i].key[0]) &&
             !strcmp(out->rows[j].key[1], out->rows[i].key[1]) &&
             !strcmp(out->rows[j].key[2], out->rows[i].key[2]))
        t += out->rows[j++].n;
      for (size_t x = i; x < j; x++)
        out->hidden[x] = t < k;
      i = j;
    }
}

/* ---- the attacker's linear algebra -------------------------------------------------------- */

/* A node: chain-qualified keys ("r1", "c0|r1|r1-d2", ...), its value for one option, whether
 * the pair publishes it, whether any query hides it. */
struct node {
  char id[64];
  long long v;
  int known, hidden;
  int parent, chain; /* parent node (-1: a region) and the chain it hangs in */
};
static struct node nodes[MAXNODE];
static int n_nodes;
static double eq[MAXNODE][MAXNODE / 2]; /* rows: equations; columns: unknowns */
static int unk[MAXNODE];                /* node -> unknown column, or -1 */

static int node_at(const char *id)
{
  for (int i = 0; i < n_nodes; i++)
    if (!strcmp(nodes[i].id, id))
      return i;
  ck_assert_int_lt(n_nodes, MAXNODE);
  snprintf(nodes[n_nodes].id, sizeof(nodes[0].id), "%s", id);
  nodes[n_nodes].v = 0;
  nodes[n_nodes].known = nodes[n_nodes].hidden = 0;
  nodes[n_nodes].parent = -1;
  nodes[n_nodes].chain = GW_RC_NONE;
  return n_nodes++;
}

static void node_id(int q, int level, const struct gw_results_row *r, char *out)
{
  if (level == 0)
    snprintf(out, 64, "%s", r->key[0]);
  else if (level == 1)
    snprintf(out, 64, "c%d|%s|%s", qchain[q], r->key[0], r->key[1]);
  else
    snprintf(out, 64, "c%d|%s|%s|%s", qchain[q], r->key[0], r->key[1], r->key[2]);
}

/* Adds query q's nodes (all levels down to its depth) for option opt; leaves it publishes are
 * known. Each (parent, chain) child list becomes one equation, added by solve(). */
static void add_query(int q, const struct release *rel, int opt)
{
  char id[64];
  for (size_t i = 0; i < rel->n; i++)
    for (int l = 0; l <= qdepth[q]; l++) {
      int up = -1;
      if (l > 0) {
        node_id(q, l - 1, &rel->rows[i], id);
        up = node_at(id);
      }
      node_id(q, l, &rel->rows[i], id);
      int x = node_at(id);
      nodes[x].parent = up;
      nodes[x].chain = l > 0 ? qchain[q] : GW_RC_NONE;
      if (l == qdepth[q] && !rel->hidden[i]) {
        nodes[x].known = 1;
        if (!strcmp(rel->rows[i].option, opts[opt]))
          nodes[x].v = rel->rows[i].n;
      }
    }
}

/* Builds parent = sum(children) per chain, eliminates, and returns how many hidden nodes are
 * determined (each named on stderr). */
static int solve(void)
{
  int n_unk = 0, n_eq = 0, found = 0;

  for (int i = 0; i < n_nodes; i++)
    unk[i] = nodes[i].known ? -1 : n_unk++;
  ck_assert_int_le(n_unk, MAXNODE / 2);
  for (int p = 0; p < n_nodes; p++)
    for (int c = 0; c < GW_RC_N; c++) {
      double row[MAXNODE / 2] = {0};
      double rhs = 0;
      int any = 0;
      for (int ch = 0; ch < n_nodes; ch++) {
        if (nodes[ch].parent != p || nodes[ch].chain != c)
          continue;
        any = 1;
        if (unk[ch] >= 0)
          row[unk[ch]] += 1;
        else
          rhs -= (double)nodes[ch].v;
      }
      if (!any)
        continue;
      if (unk[p] >= 0)
        row[unk[p]] -= 1;
      else
        rhs += (double)nodes[p].v;
      (void)rhs; /* the values do not matter, only which unknowns the equations pin down */
      ck_assert_int_lt(n_eq, MAXNODE);
      memcpy(eq[n_eq++], row, sizeof(row));
    }
  /* Reduced row echelon form. */
  int rank = 0;
  int pivot_row[MAXNODE / 2];
  for (int c = 0; c < n_unk; c++) {
    int best = -1;
    pivot_row[c] = -1;
    for (int r = rank; r < n_eq; r++)
      if (fabs(eq[r][c]) > 1e-9 && (best < 0 || fabs(eq[r][c]) > fabs(eq[best][c])))
        best = r;
    if (best < 0)
      continue;
    for (int j = 0; j < n_unk; j++) {
      double t = eq[rank][j];
      eq[rank][j] = eq[best][j];
      eq[best][j] = t;
    }
    double pv = eq[rank][c];
    for (int j = 0; j < n_unk; j++)
      eq[rank][j] /= pv;
    for (int r = 0; r < n_eq; r++)
      if (r != rank && fabs(eq[r][c]) > 1e-12) {
        double f = eq[r][c];
        for (int j = 0; j < n_unk; j++)
          eq[r][j] -= f * eq[rank][j];
      }
    pivot_row[c] = rank++;
  }
  /* A hidden node is determined when its pivot row has no other unknown left. */
  for (int i = 0; i < n_nodes; i++) {
    int c = unk[i], alone = 1;
    if (c < 0 || !nodes[i].hidden || pivot_row[c] < 0)
      continue;
    for (int j = 0; j < n_unk && alone; j++)
      if (j != c && fabs(eq[pivot_row[c]][j]) > 1e-9)
        alone = 0;
    if (alone) {
      if (found < 3)
        fprintf(stderr, "  derivable: %s\n", nodes[i].id);
      found++;
    }
  }
  return found;
}

static struct release rel[NQ];

/* Every node any query hides, for the nodes of the current system. */
static void mark_hidden(void)
{
  char id[64];
  for (int q = 0; q < NQ; q++)
    for (size_t i = 0; i < rel[q].n; i++)
      if (rel[q].hidden[i]) {
        node_id(q, qdepth[q], &rel[q].rows[i], id);
        for (int x = 0; x < n_nodes; x++)
          if (!strcmp(nodes[x].id, id))
            nodes[x].hidden = 1;
      }
}

/* Leaks found by the attacker over queries qs[0..n). */
static int attack(const int *qs, int n)
{
  int leaks = 0;
  for (int opt = 0; opt < 2; opt++) {
    n_nodes = 0;
    for (int i = 0; i < n; i++)
      add_query(qs[i], &rel[qs[i]], opt);
    mark_hidden();
    leaks += solve();
  }
  return leaks;
}

static int attack_all_pairs(long k, int primary_only, unsigned seed)
{
  int leaks = 0, all[NQ];

  make_people(seed);
  for (int q = 0; q < NQ; q++) {
    release_of(q, k, primary_only, &rel[q]);
    all[q] = q;
  }
  for (int a = 0; a < NQ; a++)
    for (int b = a; b < NQ; b++) {
      int qs[2] = {a, b};
      leaks += attack(qs, a == b ? 1 : 2);
    }
  return leaks + attack(all, NQ);
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
                                     "settlement",
                                     "settlement,parent_settlement",
                                     "grade_band",
                                     "relation",
                                     "language",
                                     "month",
                                     "week"};
  static const char *const bad[] = {"district,grade_band",
                                    "parent_settlement",
                                    "school,month",
                                    "settlement,relation",
                                    "grade_band,relation",
                                    "city",
                                    "region,district,school,settlement"};
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
      {"week", "from", "2026-w03", "to", "2026-w09", NULL},
  };
  make_people(3);
  for (size_t c = 0; c < AG_ARRAY_LEN(cases); c++) {
    struct gw_results_query full, part;
    const char *pf[] = {"survey", "s",        "version",   "1", "question",
                        "L1",     "group_by", cases[c][0], NULL};
    int q = !strcmp(cases[c][0], "district") ? 1
            : !strcmp(cases[c][0], "school") ? 2
            : !strcmp(cases[c][0], "month")  ? 8
                                             : 9;
    size_t lf, lp;
    ck_assert_int_eq(parse(pf, &full), AG_OK);
    part = full; /* the filters as gw_results_parse() sets them */
    if (!strcmp(cases[c][1], "district")) {
      strcpy(part.district, cases[c][2]);
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
