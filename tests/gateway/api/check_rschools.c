/* check_rschools.c: what a region sees of its schools' requests, the pure part (gw_rschools.h):
 * the parameters (one calendar month, the levels of the tree), the regions in the SQL, and the
 * reply: exact counts and rates, zeros shown, small groups hidden with a complement, the links'
 * release apart, the district filter, the CSV.
 *
 * And an attacker, as check_results has for the results: random regions of schools (skewed so
 * that small groups abound) are published at every level (region, settlement, district, school,
 * all four queries together, as CSV), and every published figure with every "a node is the sum
 * of its schools" becomes an equation over the schools' unknown values; by Gaussian elimination
 * a hidden node is derivable exactly when its vector of schools lies in the row space of the
 * published ones. None may be, in either release (parents asked; linked). Primary suppression
 * alone must leak on the same data, or the attacker would prove nothing. */
#include "gateway/api/gw_rschools.h"
#include "lib/ag.h"
#include "tests/support/ag_check.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *get_from(void *arg, const char *name)
{
  const char *const *kv = arg;
  for (; kv[0]; kv += 2)
    if (strcmp(kv[0], name) == 0)
      return kv[1];
  return NULL;
}

static int parse(struct gw_rschools_query *q, char *err, const char *const *kv)
{
  /* 2026-12-31 20:00 UTC: already 2027-01-01 in Kazakhstan (UTC+5). */
  return gw_rschools_parse(get_from, (void *)kv, 1798747200LL, q, err, 300);
}

START_TEST(test_parse)
{
  struct gw_rschools_query q;
  char err[300];

  ck_assert_int_eq(parse(&q, err, (const char *const[]){NULL}), AG_OK);
  ck_assert_str_eq(q.from, "2027-01-01");
  ck_assert_str_eq(q.to, "2027-02-01");
  ck_assert_int_eq(q.depth, GW_RS_REGION);
  ck_assert_int_eq(
      parse(&q, err,
            (const char *const[]){"from", "2026-12-01", "to", "2027-01-01", "group_by", "school",
                                  "district", "aktobe-alga", "format", "csv", "lang", "ru", NULL}),
      AG_OK);
  ck_assert_str_eq(q.to, "2027-01-01");
  ck_assert_int_eq(q.depth, GW_RS_SCHOOL);
  ck_assert_str_eq(q.scope.district, "aktobe-alga");
  ck_assert_int_eq(q.scope.csv, 1);
  ck_assert_int_eq(q.scope.lang, 1);
  ck_assert_int_eq(parse(&q, err, (const char *const[]){"group_by", "region,settlement", NULL}),
                   AG_OK);
  ck_assert_int_eq(q.depth, GW_RS_SETTLEMENT);
  /* One calendar month: periods never overlap, so none is the difference of two others. */
  ck_assert_int_eq(parse(&q, err, (const char *const[]){"from", "2026-10-05", NULL}), AG_EINVAL);
  ck_assert_msg(strstr(err, "first day of a month"), "%s", err);
  ck_assert_int_eq(
      parse(&q, err, (const char *const[]){"from", "2026-10-01", "to", "2026-12-01", NULL}),
      AG_EINVAL);
  ck_assert_msg(strstr(err, "one calendar month"), "%s", err);
  ck_assert_int_eq(parse(&q, err, (const char *const[]){"from", "2026-13-01", NULL}), AG_EINVAL);
  ck_assert_int_eq(parse(&q, err, (const char *const[]){"group_by", "grade_band", NULL}),
                   AG_EINVAL);
  ck_assert_int_eq(parse(&q, err, (const char *const[]){"district", "aktobe-alga", NULL}),
                   AG_EINVAL);
  ck_assert_int_eq(parse(&q, err, (const char *const[]){"region", "a'b", NULL}), AG_EINVAL);
  ck_assert_int_eq(parse(&q, err, (const char *const[]){"format", "xml", NULL}), AG_EINVAL);
}
END_TEST

START_TEST(test_sql_regions)
{
  struct gw_rschools_query q;
  struct gw_rschools_sql s;
  char err[300];

  ck_assert_int_eq(parse(&q, err, (const char *const[]){"region", "abai", NULL}), AG_OK);
  ck_assert_int_eq(gw_rschools_sql(&q, "aktobe", &s, err, sizeof(err)), AG_EDENIED);
  ck_assert_msg(strstr(err, "region abai"), "%s", err);
  ck_assert_int_eq(gw_rschools_sql(&q, "aktobe,abai", &s, err, sizeof(err)), AG_OK);
  ck_assert_str_eq(s.params[1], "{\"abai\"}");
  ck_assert_msg(strstr(s.sql, "region_code = ANY($2::text[])"), "%s", s.sql);
  /* No region asked: the token's; an admin's (none): every region. */
  ck_assert_int_eq(parse(&q, err, (const char *const[]){NULL}), AG_OK);
  ck_assert_int_eq(gw_rschools_sql(&q, "aktobe,abai", &s, err, sizeof(err)), AG_OK);
  ck_assert_str_eq(s.params[1], "{\"aktobe\",\"abai\"}");
  ck_assert_int_eq(gw_rschools_sql(&q, "", &s, err, sizeof(err)), AG_OK);
  ck_assert_msg(strstr(s.sql, "$2::text[] IS NOT NULL"), "%s", s.sql);
  ck_assert_str_eq(s.params[0], "2027-01-01");
  ck_assert_str_eq(s.params[2], "en");
}
END_TEST

/* A region: the city (urban) with schools of 30 and 12 parents asked; Alga (rural) with 3
 * (hidden), 40 and 15 (its complement), and one that sent nothing; Temir (rural) with 25. */
#define ROW(st, d, dn, id, req, asked, del, ans, help, sh, lk)                                     \
  {                                                                                                \
    {"aktobe", st, d, id}, {"Aktobe", "", dn, "School " id},                                       \
    {                                                                                              \
      req, asked, del, ans, help, sh, lk                                                           \
    }                                                                                              \
  }
static const struct gw_rschools_row region[] = {
    ROW("urban", "aktobe-city", "Aktobe city", "1", 3, 30, 28, 20, 9, 2, 40),
    ROW("urban", "aktobe-city", "Aktobe city", "2", 1, 12, 12, 6, 3, 1, 5),
    ROW("rural", "aktobe-alga", "Alga", "3", 1, 3, 3, 1, 1, 1, 3),
    ROW("rural", "aktobe-alga", "Alga", "4", 2, 40, 38, 30, 10, 4, 44),
    ROW("rural", "aktobe-alga", "Alga", "5", 1, 15, 15, 5, 1, 0, 16),
    ROW("rural", "aktobe-alga", "Alga", "6", 0, 0, 0, 0, 0, 0, 20),
    ROW("rural", "aktobe-temir", "Temir", "7", 2, 25, 20, 10, 5, 0, 30),
};
#define NREGION (sizeof(region) / sizeof(region[0]))

static char *reply(const char *group_by, const char *extra_k, const char *extra_v)
{
  struct gw_rschools_query q;
  char err[300];
  size_t len;
  const char *kv[] = {"group_by", group_by, "from", "2026-10-01", extra_k, extra_v, NULL};
  char *body;

  ck_assert_int_eq(parse(&q, err, kv), AG_OK);
  body = gw_rschools_reply(&q, region, NREGION, 10, &len);
  ck_assert_ptr_nonnull(body);
  ck_assert_uint_eq(strlen(body), len);
  return body;
}

#define HAS(body, s)   ck_assert_msg(strstr(body, s) != NULL, "%s not in %s", s, body)
#define HASNT(body, s) ck_assert_msg(strstr(body, s) == NULL, "%s in %s", s, body)

START_TEST(test_reply_counts_rates_and_hiding)
{
  char *b = reply("school", NULL, NULL);

  HAS(b, "{\"from\":\"2026-10-01\",\"to\":\"2026-11-01\",\"group_by\":[\"region\",\"settlement\","
         "\"district\",\"school\"],\"k\":10,\"groups\":[");
  /* Visible, with its rates: 20 of 30 answered, 9 can help. Its 40 linked are hidden with
   * school 2's 5: the city's 45 is published. */
  HAS(b, "\"school\":\"1\",\"school_name\":\"School 1\",\"requests\":3,\"suppressed\":false,"
         "\"asked\":30,\"delivered\":28,\"answered\":20,\"answer_percent\":66.7,\"help\":9,"
         "\"help_percent\":30.0,\"shared\":2,\"linked_suppressed\":true,\"linked\":null,"
         "\"reach_percent\":null}");
  /* Reach: 38 delivered of 44 linked. */
  HAS(b, "\"school\":\"4\",\"school_name\":\"School 4\",\"requests\":2,\"suppressed\":false,"
         "\"asked\":40,\"delivered\":38,\"answered\":30,\"answer_percent\":75.0,\"help\":10,"
         "\"help_percent\":25.0,\"shared\":4,\"linked_suppressed\":false,\"linked\":44,"
         "\"reach_percent\":86.4}");
  /* 3 parents: hidden, the requests still shown; its 3 linked are hidden in their release. */
  HAS(b, "\"school\":\"3\",\"school_name\":\"School 3\",\"requests\":1,\"suppressed\":true,"
         "\"reason\":\"fewer than 10 parents, or hidden beside a group that has fewer\","
         "\"asked\":null,\"delivered\":null,\"answered\":null,\"answer_percent\":null,"
         "\"help\":null,\"help_percent\":null,\"shared\":null,\"linked_suppressed\":true,"
         "\"linked\":null,\"reach_percent\":null}");
  /* Alga is published (58): without a complement, 58 - 40 - 15 would give school 3. */
  HAS(b, "\"school\":\"5\",\"school_name\":\"School 5\",\"requests\":1,\"suppressed\":true");
  HAS(b, "\"school\":\"4\",\"school_name\":\"School 4\",\"requests\":2,\"suppressed\":false");
  /* Nothing sent: zeros, no rate, not part of the hiding; its 20 linked shown. */
  HAS(b, "\"school\":\"6\",\"school_name\":\"School 6\",\"requests\":0,\"suppressed\":false,"
         "\"asked\":0,\"delivered\":0,\"answered\":0,\"answer_percent\":null,\"help\":0,"
         "\"help_percent\":null,\"shared\":0,\"linked_suppressed\":false,\"linked\":20,"
         "\"reach_percent\":0.0}");
  /* School 2's 12 asked are shown, its 5 linked hidden with the city's other one (40). */
  HAS(b, "\"school\":\"2\",\"school_name\":\"School 2\",\"requests\":1,\"suppressed\":false,"
         "\"asked\":12,");
  HAS(b, "\"shared\":1,\"linked_suppressed\":true,\"linked\":null,\"reach_percent\":null}");
  free(b);

  /* Districts: sums of their schools; urban first. */
  b = reply("district", NULL, NULL);
  HAS(b, "{\"region\":\"aktobe\",\"region_name\":\"Aktobe\",\"settlement\":\"urban\",\"district\":"
         "\"aktobe-city\",\"district_name\":\"Aktobe city\",\"requests\":4,\"suppressed\":false,"
         "\"asked\":42,\"delivered\":40,\"answered\":26,\"answer_percent\":61.9,\"help\":12,"
         "\"help_percent\":28.6,\"shared\":3,\"linked_suppressed\":false,\"linked\":45,"
         "\"reach_percent\":88.9}");
  HAS(b, "\"district\":\"aktobe-alga\",\"district_name\":\"Alga\",\"requests\":4,"
         "\"suppressed\":false,\"asked\":58,\"delivered\":56,\"answered\":36,");
  ck_assert_msg(strstr(b, "urban") < strstr(b, "rural"), "rural first: %s", b);
  free(b);
  b = reply("settlement", NULL, NULL);
  HAS(b, "\"settlement\":\"rural\",\"requests\":6,\"suppressed\":false,\"asked\":83,");
  free(b);
  b = reply("region", NULL, NULL);
  HAS(b, "\"region\":\"aktobe\",\"region_name\":\"Aktobe\",\"requests\":10,\"suppressed\":false,"
         "\"asked\":125,\"delivered\":116,\"answered\":72,\"answer_percent\":57.6,\"help\":29,"
         "\"help_percent\":23.2,\"shared\":8,\"linked_suppressed\":false,\"linked\":158,");
  free(b);
  /* The filter selects the district's schools; what is hidden does not change. */
  b = reply("school", "district", "aktobe-alga");
  HASNT(b, "\"school\":\"1\"");
  HASNT(b, "\"school\":\"7\"");
  HAS(b, "\"school\":\"5\",\"school_name\":\"School 5\",\"requests\":1,\"suppressed\":true");
  free(b);
}
END_TEST

START_TEST(test_reply_csv)
{
  char *b = reply("school", "format", "csv");

  ck_assert_int_eq(memcmp(b, "\xEF\xBB\xBF", 3), 0);
  HAS(b, "\xEF\xBB\xBFregion,region_name,settlement,district,district_name,school,school_name,"
         "requests,suppressed,asked,delivered,answered,answer_percent,help,help_percent,shared,"
         "linked_suppressed,linked,reach_percent\r\n");
  HAS(b, "\r\naktobe,Aktobe,urban,aktobe-city,Aktobe city,1,School 1,3,false,30,28,20,66.7,9,30.0,"
         "2,true,,\r\n");
  HAS(b, "\r\naktobe,Aktobe,rural,aktobe-alga,Alga,4,School 4,2,false,40,38,30,75.0,10,25.0,4,"
         "false,44,86.4\r\n");
  HAS(b, "\r\naktobe,Aktobe,rural,aktobe-alga,Alga,3,School 3,1,true,,,,,,,,true,,\r\n");
  free(b);
}
END_TEST

/* ---- the attacker ------------------------------------------------------------------------ */

#define MAXS 96 /* schools */
#define MAXN 256

static struct gw_rschools_row rows[MAXS];
static char keys[MAXS][4][16];

/* Random regions: 2 regions, each with urban and rural districts (1-4 each), 1-5 schools each;
 * asked and linked: 15% none, 35% small (1-9), else 10-60. Sorted as the SQL sorts them. */
static size_t make_schools(unsigned *seed)
{
  size_t n = 0;
  for (int g = 0; g < 2; g++)
    for (int st = 0; st < 2; st++) {
      int nd = 1 + rand_r(seed) % 4;
      for (int d = 0; d < nd; d++) {
        int ns = 1 + rand_r(seed) % 5;
        for (int s = 0; s < ns && n < MAXS; s++, n++) {
          snprintf(keys[n][0], 16, "r%d", g);
          snprintf(keys[n][1], 16, "%s", st ? "rural" : "urban");
          snprintf(keys[n][2], 16, "d%d%d%d", g, st, d);
          snprintf(keys[n][3], 16, "%zu", n);
          memset(&rows[n], 0, sizeof(rows[n]));
          for (int l = 0; l < 4; l++) {
            rows[n].key[l] = keys[n][l];
            rows[n].name[l] = l == 1 ? "" : "x";
          }
          for (int c = GW_RS_ASKED; c <= GW_RS_LINKED; c += GW_RS_LINKED - GW_RS_ASKED) {
            int u = rand_r(seed) % 100;
            rows[n].n[c] = u < 15 ? 0 : u < 50 ? 1 + rand_r(seed) % 9 : 10 + rand_r(seed) % 51;
          }
          rows[n].n[GW_RS_DELIVERED] = rows[n].n[GW_RS_ASKED];
          rows[n].n[GW_RS_REQUESTS] = rows[n].n[GW_RS_ASKED] > 0;
        }
      }
    }
  return n;
}

/* What the attacker sees of one node: which schools it sums, and whether each release hides it. */
struct seen {
  unsigned char in[MAXS];
  int hidden[2];
};

/* Publishes every level as CSV and reads each node's schools and hidden flags back. */
static size_t publish(size_t n, struct seen *out)
{
  static const char *const levels[4] = {"region", "settlement", "district", "school"};
  size_t m = 0;

  for (int d = 0; d < 4; d++) {
    struct gw_rschools_query q;
    char err[300], *b, *line, *save = NULL;
    size_t len;
    const char *kv[] = {"group_by", levels[d], "format", "csv", NULL};
    ck_assert_int_eq(parse(&q, err, kv), AG_OK);
    b = gw_rschools_reply(&q, rows, n, 10, &len);
    ck_assert_ptr_nonnull(b);
    line = strtok_r(b + 3, "\r\n", &save); /* the header */
    while ((line = strtok_r(NULL, "\r\n", &save)) != NULL) {
      char *f[24];
      int nf = 0, base = 2 + (d >= 1) + 2 * (d >= 2) + 2 * (d >= 3);
      for (f[nf++] = line; *line && nf < 24; line++) /* fields, empty ones kept */
        if (*line == ',') {
          *line = '\0';
          f[nf++] = line + 1;
        }
      ck_assert_int_eq(nf, base + 12);
      memset(&out[m], 0, sizeof(out[m]));
      out[m].hidden[0] = strcmp(f[base + 1], "true") == 0;
      out[m].hidden[1] = strcmp(f[base + 9], "true") == 0;
      for (size_t s = 0; s < n; s++) {
        int in = strcmp(keys[s][0], f[0]) == 0;
        if (d >= 1)
          in = in && strcmp(keys[s][1], f[2]) == 0;
        if (d >= 2)
          in = in && strcmp(keys[s][2], f[3]) == 0;
        if (d >= 3)
          in = in && strcmp(keys[s][3], f[5]) == 0;
        out[m].in[s] = (unsigned char)in;
      }
      ck_assert_int_lt(++m, MAXN);
    }
    free(b);
  }
  return m;
}

/* 1 when target (a 0/1 vector over n schools) is in the span of the rows. */
static int derivable(double mat[][MAXS], size_t nrows, size_t n, const unsigned char *target)
{
  static double a[MAXN + 1][MAXS];
  size_t r = 0;

  for (size_t i = 0; i < nrows; i++)
    memcpy(a[i], mat[i], sizeof(a[i]));
  for (size_t c = 0; c < n && r < nrows; c++) { /* row echelon form */
    size_t p = r;
    while (p < nrows && fabs(a[p][c]) < 1e-9)
      p++;
    if (p == nrows)
      continue;
    for (size_t j = 0; j < n; j++) {
      double t = a[p][j];
      a[p][j] = a[r][j];
      a[r][j] = t;
    }
    for (size_t i = r + 1; i < nrows; i++) {
      double f = a[i][c] / a[r][c];
      for (size_t j = c; j < n && f != 0; j++)
        a[i][j] -= f * a[r][j];
    }
    r++;
  }
  /* Reduce the target by the echelon rows: derivable when nothing is left. */
  double t[MAXS];
  for (size_t j = 0; j < n; j++)
    t[j] = target[j];
  for (size_t i = 0; i < r; i++) {
    size_t c = 0;
    while (c < n && fabs(a[i][c]) < 1e-9)
      c++;
    double f = t[c] / a[i][c];
    for (size_t j = c; j < n && f != 0; j++)
      t[j] -= f * a[i][j];
  }
  for (size_t j = 0; j < n; j++)
    if (fabs(t[j]) > 1e-6)
      return 0;
  return 1;
}

/* Leaks found over seeds: a hidden node (with parents) whose schools' sum is derivable. */
static int leaks(int primary_only, int release)
{
  static struct seen seen[MAXN];
  static double mat[MAXN][MAXS];
  int found = 0;
  int what = release ? GW_RS_LINKED : GW_RS_ASKED;

  for (unsigned seed = 1; seed <= 60; seed++) {
    unsigned s = seed;
    size_t n = make_schools(&s), m = publish(n, seen), nrows = 0;
    for (size_t i = 0; i < m; i++) {
      long long total = 0;
      for (size_t j = 0; j < n; j++)
        total += seen[i].in[j] ? rows[j].n[what] : 0;
      if (primary_only)
        seen[i].hidden[release] = total > 0 && total < 10;
      if (total == 0 || !seen[i].hidden[release]) { /* published: an equation */
        for (size_t j = 0; j < n; j++)
          mat[nrows][j] = seen[i].in[j] && rows[j].n[what] > 0;
        nrows++;
      }
    }
    for (size_t j = 0; j < n; j++) /* a school of none is known: zero */
      if (rows[j].n[what] == 0) {
        memset(mat[nrows], 0, sizeof(mat[nrows]));
        mat[nrows++][j] = 1;
      }
    for (size_t i = 0; i < m; i++) {
      unsigned char t[MAXS];
      long long total = 0;
      for (size_t j = 0; j < n; j++) {
        t[j] = seen[i].in[j] && rows[j].n[what] > 0;
        total += t[j] ? rows[j].n[what] : 0;
      }
      if (seen[i].hidden[release] && total > 0 && derivable(mat, nrows, n, t))
        found++;
    }
  }
  return found;
}

START_TEST(test_no_hidden_group_is_derivable)
{
  ck_assert_int_eq(leaks(0, 0), 0);
  ck_assert_int_eq(leaks(0, 1), 0);
  /* The attacker has teeth: primary suppression alone leaks on the same regions. */
  ck_assert_int_gt(leaks(1, 0), 0);
  ck_assert_int_gt(leaks(1, 1), 0);
}
END_TEST

static Suite *rschools_suite(void)
{
  Suite *s = suite_create("rschools");
  TCase *tc = tcase_create("pure");

  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_parse);
  tcase_add_test(tc, test_sql_regions);
  tcase_add_test(tc, test_reply_counts_rates_and_hiding);
  tcase_add_test(tc, test_reply_csv);
  tcase_add_test(tc, test_no_hidden_group_is_derivable);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(rschools_suite)
