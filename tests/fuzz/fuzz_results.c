/* fuzz_results.c: libFuzzer target for the results API's pure part (issue 11). The input is a
 * query string (name=value&...; the first line), the rest drives synthetic rows. Checked:
 * parse refuses or accepts; an accepted query gives SQL whose only inputs are parameters (the
 * regions' array literal holds nothing but codes), never a region outside the caller's; the
 * suppression hides every group below k and never one complement short; JSON and CSV come out
 * whole. The same query also goes to the schools' results (gw_rschools.h): one calendar month,
 * a level of four, the regions' literal nothing but codes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/api/gw_results.h"
#include "gateway/api/gw_rschools.h"
#include "lib/ag.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NP 16
static char names[NP][64], values[NP][256];
static int np;

static const char *get(void *arg, const char *name)
{
  (void)arg;
  for (int i = 0; i < np; i++)
    if (!strcmp(names[i], name))
      return values[i];
  return NULL;
}

static void split(const char *s, size_t n)
{
  np = 0;
  for (size_t i = 0; i < n && np < NP;) {
    size_t j = i, eq = (size_t)-1;
    while (j < n && s[j] != '&' && s[j] != '\n') {
      if (s[j] == '=' && eq == (size_t)-1)
        eq = j;
      j++;
    }
    if (eq != (size_t)-1 && eq - i < 64 && j - eq - 1 < 256) {
      memcpy(names[np], s + i, eq - i);
      names[np][eq - i] = '\0';
      memcpy(values[np], s + eq + 1, j - eq - 1);
      values[np][j - eq - 1] = '\0';
      np++;
    }
    if (j < n && s[j] == '\n')
      break;
    i = j + 1;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const char *const keys[] = {"r0", "r1", "d0", "d1", "2026-01-01", "2026-02-01"};
  static const char *const options[] = {"no", "yes"};
  struct gw_results_query q;
  static struct gw_results_sql sql;
  struct gw_results_row rows[64];
  unsigned char hidden[64];
  char err[300];
  size_t n = 0, len;
  const char *nl = memchr(data, '\n', size);
  size_t head = nl ? (size_t)(nl - (const char *)data) : size;

  split((const char *)data, head);
  {
    struct gw_rschools_query rq;
    static struct gw_rschools_sql rs;
    if (gw_rschools_parse(get, NULL, 1798747200LL, &rq, err, sizeof(err)) == AG_OK) {
      FUZZ_CHECK(rq.depth >= 0 && rq.depth <= 3 && strlen(rq.from) == 10 &&
                 strcmp(rq.from + 7, "-01") == 0 && strcmp(rq.from, rq.to) < 0);
      int r = gw_rschools_sql(&rq, "r0,aktobe", &rs, err, sizeof(err));
      FUZZ_CHECK(r == AG_OK || r == AG_EDENIED || r == AG_EINVAL);
      if (r == AG_OK)
        FUZZ_CHECK(strspn(rs.regions, "{}\",abcdefghijklmnopqrstuvwxyz0123456789_-") ==
                   strlen(rs.regions));
    }
  }
  if (gw_results_parse(get, NULL, &q, err, sizeof(err)) != AG_OK)
    return 0;
  FUZZ_CHECK(q.depth >= 0 && q.depth < GW_RESULTS_LEVELS && (q.chain >= 0 || q.depth == 0));
  int rc = gw_results_sql(&q, "r0,aktobe", &sql, err, sizeof(err));
  FUZZ_CHECK(rc == AG_OK || rc == AG_EDENIED || rc == AG_EINVAL);
  if (rc == AG_OK) {
    FUZZ_CHECK(strspn(sql.regions, "{}\",abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   "0123456789_-") == strlen(sql.regions));
    /* The caller's text never reaches the SQL: another survey and question, the same SQL. */
    static struct gw_results_sql other;
    struct gw_results_query q2 = q;
    strcpy(q2.survey, "zz");
    strcpy(q2.question, "zz");
    FUZZ_CHECK(gw_results_sql(&q2, "r0,aktobe", &other, err, sizeof(err)) == AG_OK);
    FUZZ_CHECK(strcmp(sql.sql, other.sql) == 0);
    for (size_t i = 0; i < q.scope.n_regions; i++)
      FUZZ_CHECK(!strcmp(q.scope.regions[i], "r0") || !strcmp(q.scope.regions[i], "aktobe"));
  }
  /* Rows from the rest: keys and counts, sorted as the SQL sorts them. */
  for (size_t i = head + 1; i + 3 < size && n < 64; i += 4) {
    rows[n].key[0] = keys[data[i] % 2];
    rows[n].key[1] = q.depth >= 1 ? keys[2 + data[i + 1] % 4] : "";
    rows[n].key[2] = q.depth >= 2 ? keys[data[i + 2] % 2] : "";
    rows[n].key[3] = q.depth >= 3 ? keys[2 + data[i + 2] / 2 % 4] : "";
    for (int l = 0; l < GW_RESULTS_LEVELS; l++)
      rows[n].name[l] = "Ақтөбе, \"x\"";
    rows[n].option = options[data[i + 3] % 2];
    rows[n].n = data[i + 3] % 23;
    n++;
  }
  for (size_t i = 1; i < n; i++) /* insertion sort by key, then option */
    for (size_t j = i; j > 0; j--) {
      int c = 0;
      for (int l = 0; l < GW_RESULTS_LEVELS && !c; l++)
        c = strcmp(rows[j - 1].key[l], rows[j].key[l]);
      if (!c)
        c = strcmp(rows[j - 1].option, rows[j].option);
      if (c <= 0)
        break;
      struct gw_results_row t = rows[j];
      rows[j] = rows[j - 1];
      rows[j - 1] = t;
    }
  FUZZ_CHECK(gw_results_suppress(rows, n, q.depth, 5, hidden) == AG_OK);
  for (size_t i = 0; i < n;) { /* every visible group holds at least k */
    size_t j = i;
    long long t = 0;
    while (j < n && !strcmp(rows[j].key[0], rows[i].key[0]) &&
           !strcmp(rows[j].key[1], rows[i].key[1]) && !strcmp(rows[j].key[2], rows[i].key[2]) &&
           !strcmp(rows[j].key[3], rows[i].key[3]))
      t += rows[j++].n;
    FUZZ_CHECK(hidden[i] || t >= 5);
    i = j;
  }
  char *body = gw_results_format(&q, rows, hidden, n, 5, &len);
  FUZZ_CHECK(body != NULL);
  FUZZ_CHECK(q.scope.csv ? memcmp(body, "\xEF\xBB\xBF", 3) == 0 && len >= 2 &&
                               !memcmp(body + len - 2, "\r\n", 2)
                         : len >= 3 && !memcmp(body + len - 3, "]}\n", 3));
  free(body);
  return 0;
}
