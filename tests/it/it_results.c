/* it_results.c: GET /api/v1/results on a real gateway (issue 11): the auth and region matrix
 * (no token, wrong role, an analyst's own region, another region, every region for an admin, a
 * revoked token), an audit row for every call that reached the route, bad parameters, small
 * groups suppressed with a complement, and the CSV read by a strict RFC 4180 parser: BOM,
 * CRLF, one column count, Cyrillic names intact. The rollups are written by SQL under a survey
 * id of this run (and the release refreshed from them), so other tests' data never mixes in. */
#include "tests/it/it_harness.h"
#include "tests/support/ag_check.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct it_server gw;
static PGconn *db;
static char survey[48], path_base[200];

static void token(const char *args, char *out)
{
  it_token_create(AULGATE_BIN, args, out);
}

static long get(const char *query, const char *tok, struct it_resp *r)
{
  char path[600], h[200];
  const char *hdrs[2] = {h, NULL};

  snprintf(path, sizeof(path), "%s%s", path_base, query);
  snprintf(h, sizeof(h), "Authorization: Bearer %s", tok ? tok : "");
  ck_assert_int_eq(it_get_headers(&gw, path, tok ? hdrs : NULL, r), 0);
  return r->status;
}

/* Cells: aktobe city (urban) 40 respondents, Alga 30 at its rural schools and 12 at an urban
 * one, Kobda 3 (hidden), Temir 20; Abai: 25. */
static void seed(void)
{
  char sql[2000];

  snprintf(survey, sizeof(survey), "itres%d", (int)getpid());
  snprintf(sql, sizeof(sql),
           "INSERT INTO rollups SELECT '%s', 1, 'L1', region, date '2026-10-05', district,"
           " ss, '', 0, '1-4', 'mother', 'ru', opt, n FROM (VALUES"
           " ('aktobe', 'aktobe-aktobe-city', 'urban', 'yes', 30), ('aktobe',"
           " 'aktobe-aktobe-city', 'urban', 'no', 10), ('aktobe', 'aktobe-alga', 'rural', 'yes',"
           " 29), ('aktobe', 'aktobe-alga', 'rural', 'no', 1), ('aktobe', 'aktobe-alga', 'urban',"
           " 'yes', 12), ('aktobe', 'aktobe-kobda', 'rural',"
           " 'yes', 3), ('aktobe', 'aktobe-temir', 'rural', 'no', 20), ('abai', 'abai-abai',"
           " 'rural', 'yes', 25)) v(region, district, ss, opt, n)",
           survey);
  it_exec(db, sql);
  /* The release the API reads, from rollups. */
  ck_assert_int_eq(it_count(db, "SELECT count(*) FROM (SELECT rollup_release_refresh()) t"), 1);
  snprintf(path_base, sizeof(path_base), "/api/v1/results?survey=%s&version=1&question=L1", survey);
}

/* A strict RFC 4180 reader: every record ends in CRLF, quoted fields double their quotes,
 * nothing follows a closing quote but a comma or CRLF, every record has the header's field
 * count. Fills fields[rec][col] (at most 64 x 16 of 128 bytes). Returns the record count or
 * -1 with the reason in err. */
static int csv_parse(const char *s, char f[64][16][128], int *cols, char *err)
{
  int rec = 0, col = 0, ncols = -1;
  size_t k = 0;

  while (*s) {
    int quoted = *s == '"';
    k = 0;
    if (quoted) {
      for (s++;; s++) {
        if (!*s)
          return sprintf(err, "unterminated quote"), -1;
        if (*s == '"' && s[1] == '"')
          s++;
        else if (*s == '"') {
          s++;
          break;
        }
        if (k < 127)
          f[rec][col][k++] = *s;
      }
    } else {
      for (; *s && *s != ',' && *s != '\r' && *s != '\n'; s++) {
        if (*s == '"')
          return sprintf(err, "a quote inside an unquoted field"), -1;
        if (k < 127)
          f[rec][col][k++] = *s;
      }
    }
    f[rec][col][k] = '\0';
    if (*s == ',') {
      s++;
      if (++col >= 16)
        return sprintf(err, "too many fields"), -1;
      continue;
    }
    if (s[0] != '\r' || s[1] != '\n')
      return sprintf(err, "record %d does not end in CRLF", rec), -1;
    s += 2;
    if (ncols < 0)
      ncols = col + 1;
    else if (col + 1 != ncols)
      return sprintf(err, "record %d has %d fields, the header %d", rec, col + 1, ncols), -1;
    col = 0;
    if (++rec >= 64)
      return sprintf(err, "too many records"), -1;
  }
  *cols = ncols;
  return rec;
}

static long calls; /* requests that reached the route: each must leave an audit row */

static long routed(const char *query, const char *tok, struct it_resp *r)
{
  calls++;
  return get(query, tok, r);
}

START_TEST(test_results_matrix_and_csv)
{
  static char f[64][16][128];
  char admin[64], operator[64], aktobe[64], abai_tok[64], err[200], sql[300];
  struct it_resp *r = malloc(sizeof(*r));
  long audits0;
  int n, cols;

  ck_assert_ptr_nonnull(r);
  it_up(&gw, &db, "token_refresh_ms = 1000\n");
  seed();
  token("--role admin", admin);
  token("--role operator", operator);
  token("--role analyst --region aktobe", aktobe);
  token("--role analyst --region abai", abai_tok);
  sleep(2); /* the token cache's next refresh */
  audits0 = it_count(db, "SELECT count(*) FROM audit WHERE action = 'results'");

  ck_assert_int_eq(get("&group_by=district", NULL, r), 401);
  ck_assert_int_eq(get("&group_by=district", operator, r), 403);
  /* An analyst of Aktobe: its region, and nothing else. */
  ck_assert_int_eq(routed("&group_by=district", aktobe, r), 200);
  ck_assert_msg(strstr(r->body, "\"aktobe-alga\"") && !strstr(r->body, "abai"), "%s", r->body);
  ck_assert_int_eq(routed("&group_by=district&region=aktobe", aktobe, r), 200);
  ck_assert_int_eq(routed("&group_by=district&region=abai", aktobe, r), 403);
  ck_assert_int_eq(routed("&group_by=district&region=aktobe,abai", aktobe, r), 403);
  ck_assert_int_eq(routed("&region=aktobe", abai_tok, r), 403);
  ck_assert_int_eq(routed("", abai_tok, r), 200);
  ck_assert_msg(strstr(r->body, "\"abai\"") && !strstr(r->body, "aktobe"), "%s", r->body);
  /* An admin: every region. */
  ck_assert_int_eq(routed("", admin, r), 200);
  ck_assert_msg(strstr(r->body, "\"abai\"") && strstr(r->body, "\"aktobe\""), "%s", r->body);
  ck_assert_msg(strstr(r->body, "\"respondents\":105"), "%s", r->body);
  /* Kobda (3) hidden, and with it the next smallest of the rural schools' districts, Temir
   * (20): the rural 53 minus the others must not give Kobda. Percentages of the visible
   * ones. Alga, with schools of both kinds, is a group under each (decision 106): the
   * settlements' totals are then sums of the district groups under them, inside the tree. */
  ck_assert_int_eq(routed("&group_by=district&lang=en", admin, r), 200);
  ck_assert_msg(strstr(r->body, "\"district\":\"aktobe-kobda\",\"district_name\":\"Kobda\","
                                "\"suppressed\":true,\"respondents\":null,\"options\":[]"),
                "%s", r->body);
  ck_assert_msg(strstr(r->body, "\"district\":\"aktobe-temir\",\"district_name\":\"Temir\","
                                "\"suppressed\":true"),
                "%s", r->body);
  ck_assert_msg(strstr(r->body,
                       "\"settlement\":\"rural\",\"settlement_name\":\"\","
                       "\"district\":\"aktobe-alga\",\"district_name\":\"Alga\","
                       "\"suppressed\":false,\"respondents\":30,\"options\":[{\"option\":"
                       "\"no\",\"count\":1,\"percent\":3.3},{\"option\":\"yes\",\"count\":29,"
                       "\"percent\":96.7}]"),
                "%s", r->body);
  ck_assert_msg(strstr(r->body, "\"settlement\":\"urban\",\"settlement_name\":\"\","
                                "\"district\":\"aktobe-alga\",\"district_name\":\"Alga\","
                                "\"suppressed\":false,\"respondents\":12,"),
                "%s", r->body);
  ck_assert_int_eq(routed("&group_by=settlement&region=aktobe", admin, r), 200);
  ck_assert_msg(strstr(r->body, "\"settlement\":\"rural\",\"settlement_name\":\"\","
                                "\"suppressed\":false,\"respondents\":53,") &&
                    strstr(r->body, "\"settlement\":\"urban\",\"settlement_name\":\"\","
                                    "\"suppressed\":false,\"respondents\":52,"),
                "%s", r->body);
  /* Bad parameters: 400, audited too. */
  ck_assert_int_eq(routed("&group_by=district,grade_band", admin, r), 400);
  ck_assert_int_eq(routed("&group_by=district&from=2026-10-01", admin, r), 400);
  ck_assert_int_eq(routed("&group_by=region&region=Robert');DROP", admin, r), 400);

  /* CSV, in Russian: a BOM, then RFC 4180 all through, Cyrillic intact. */
  ck_assert_int_eq(routed("&group_by=district&format=csv&lang=ru&region=aktobe", aktobe, r), 200);
  ck_assert_msg(strstr(r->ctype, "text/csv"), "%s", r->ctype);
  ck_assert_msg(memcmp(r->body, "\xEF\xBB\xBF", 3) == 0, "no BOM");
  n = csv_parse(r->body + 3, f, &cols, err);
  ck_assert_msg(n > 1, "%s\n%s", err, r->body);
  ck_assert_int_eq(cols, 11);
  ck_assert_str_eq(f[0][0], "region");
  ck_assert_str_eq(f[0][2], "settlement");
  ck_assert_str_eq(f[0][4], "district");
  ck_assert_str_eq(f[0][10], "suppressed");
  /* Survey version 4 named the regions in their shortest clear form (decision 70). */
  ck_assert_str_eq(f[1][1], "Актобе");
  for (int i = 1; i < n; i++)
    if (strcmp(f[i][4], "aktobe-alga") == 0)
      ck_assert_str_eq(f[i][5], "Алгинский");

  /* Every call that reached the route left its row (refusals' rows are not waited for). */
  for (int i = 0;
       i < 40 &&
       it_count(db, "SELECT count(*) FROM audit WHERE action = 'results'") - audits0 < calls;
       i++)
    usleep(50000);
  ck_assert_int_eq(it_count(db, "SELECT count(*) FROM audit WHERE action = 'results'") - audits0,
                   calls);
  /* Revoked: refused within the cache's refresh. */
  snprintf(sql, sizeof(sql),
           "UPDATE tokens SET revoked_at = now() WHERE revoked_at IS NULL"
           " AND regions = '{aktobe}'");
  it_exec(db, sql);
  sleep(3);
  ck_assert_int_eq(get("", aktobe, r), 401);
  snprintf(sql, sizeof(sql), "DELETE FROM rollups WHERE survey_id = '%s'", survey);
  it_exec(db, sql);
  snprintf(sql, sizeof(sql), "DELETE FROM rollup_release WHERE survey_id = '%s'", survey);
  it_exec(db, sql);
  it_down(&gw, db);
  free(r);
}
END_TEST

/* db_read: the results' reads go to that database, and only they: pointed at a port where no
 * database listens, results get 503 (audited) while the rest of the API works. */
START_TEST(test_results_read_from_db_read)
{
  char admin[64];
  struct it_resp *r = malloc(sizeof(*r));
  long audits0;

  ck_assert_ptr_nonnull(r);
  it_up(&gw, &db,
        "token_refresh_ms = 1000\ndb_read = host=127.0.0.1 port=1 dbname=none user=none "
        "connect_timeout=2\n");
  token("--role admin", admin);
  sleep(2);
  audits0 = it_count(db, "SELECT count(*) FROM audit WHERE action = 'results' AND status = 503");
  snprintf(path_base, sizeof(path_base), "/api/v1/results?survey=x&version=1&question=L1");
  ck_assert_int_eq(get("", admin, r), 503);
  ck_assert_msg(strstr(r->body, "did not answer"), "%s", r->body);
  /* A refusal's row is written without holding the reply: give it a moment. */
  for (int i = 0; i < 40 && it_count(db, "SELECT count(*) FROM audit WHERE action = 'results'"
                                         " AND status = 503") == audits0;
       i++)
    usleep(50000);
  ck_assert_int_eq(it_count(db, "SELECT count(*) FROM audit WHERE action = 'results'"
                                " AND status = 503") -
                       audits0,
                   1);
  ck_assert_int_eq(it_get_headers(&gw, "/healthz", NULL, r), 0);
  ck_assert_int_eq(r->status, 200);
  it_down(&gw, db);
  free(r);
}
END_TEST

static Suite *it_results_suite(void)
{
  Suite *s = suite_create("it_results");
  TCase *tc = tcase_create("api");

  tcase_set_timeout(tc, 90);
  tcase_add_test(tc, test_results_matrix_and_csv);
  tcase_add_test(tc, test_results_read_from_db_read);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  static const ag_check_suite_fn suites[] = {it_results_suite, NULL};

  return ag_check_run(suites);
}
