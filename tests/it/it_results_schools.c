/* it_results_schools.c: GET /api/v1/results/schools (issue 13 item 6) on a real gateway and
 * PostgreSQL: what a region sees of its schools' requests. Two regions of this run's own (so
 * that other tests' schools never mix in), their schools, requests in February 2025 and one in
 * March, deliveries, answers (SMS and USSD, a phone that answered two requests counted once),
 * shares, links with and without consent, all written by SQL as the parents' side leaves them.
 * Checked: exact counts and rates per school, district, settlement (urban beside rural) and
 * region; a school of 3 parents hidden with its complement so that the district's total does
 * not give it back; the month's filter; the scope (an analyst's own region, 403 for another, a
 * school token and an operator 403); the CSV (BOM, CRLF, hidden cells empty); the audit rows. */
#include "tests/it/it_harness.h"
#include "tests/support/ag_check.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct it_server gw;
static PGconn *db;
static char ra[32], rb[32];         /* this run's regions */
static long r2_request, r4_request; /* schools 4 and 6: an answer of each is replaced below */

static long get(const char *query, const char *tok, struct it_resp *r)
{
  char path[600], h[200];
  const char *hdrs[2] = {h, NULL};

  snprintf(path, sizeof(path), "/api/v1/results/schools?%s", query);
  snprintf(h, sizeof(h), "Authorization: Bearer %s", tok);
  ck_assert_int_eq(it_get_headers(&gw, path, hdrs, r), 0);
  return r->status;
}

#define HAS(r, s)   ck_assert_msg(strstr((r)->body, s) != NULL, "%s not in %s", s, (r)->body)
#define HASNT(r, s) ck_assert_msg(strstr((r)->body, s) == NULL, "%s in %s", s, (r)->body)

/* Everything a run of this test made, in the order the foreign keys allow. */
static void cleanup(void)
{
  it_exec(db, "CREATE TEMP TABLE IF NOT EXISTS rs_s AS SELECT id FROM schools WHERE false;"
              "TRUNCATE rs_s; INSERT INTO rs_s SELECT id FROM schools WHERE region_code LIKE"
              " 'itrs%';"
              "DELETE FROM school_shares WHERE request_id IN (SELECT id FROM school_requests"
              " WHERE school_id IN (SELECT id FROM rs_s));"
              "DELETE FROM school_answers WHERE request_id IN (SELECT id FROM school_requests"
              " WHERE school_id IN (SELECT id FROM rs_s));"
              "DELETE FROM school_deliveries WHERE request_id IN (SELECT id FROM school_requests"
              " WHERE school_id IN (SELECT id FROM rs_s));"
              "DELETE FROM school_requests WHERE school_id IN (SELECT id FROM rs_s);"
              "DELETE FROM school_contacts WHERE respondent IN (SELECT respondent FROM"
              " school_links WHERE school_id IN (SELECT id FROM rs_s));"
              "DELETE FROM school_links WHERE school_id IN (SELECT id FROM rs_s);"
              "DELETE FROM school_month_counts WHERE school_id IN (SELECT id FROM rs_s);"
              "DELETE FROM school_month_phones WHERE school_id IN (SELECT id FROM rs_s);"
              "DELETE FROM school_linked WHERE school_id IN (SELECT id FROM rs_s);"
              "DELETE FROM school_linked_log WHERE school_id IN (SELECT id FROM rs_s);"
              "DELETE FROM school_linked_counts WHERE school_id IN (SELECT id FROM rs_s);"
              "DELETE FROM schools WHERE id IN (SELECT id FROM rs_s);"
              "DELETE FROM districts WHERE region_code LIKE 'itrs%';"
              "DELETE FROM regions WHERE code LIKE 'itrs%'");
}

static int nschools;

/* A school: its id. */
static long school(const char *region, const char *district, const char *settlement)
{
  char sql[600];

  snprintf(sql, sizeof(sql),
           "INSERT INTO schools (region_code, district_code, name, settlement) VALUES"
           " ('%s', '%s-%s', 'School %d', '%s')",
           region, region, district, ++nschools, settlement);
  it_exec(db, sql);
  return it_count(db, "SELECT max(id) FROM schools");
}

/* A request of school s created at `at` (Kazakhstan time): its id. */
static long request(long s, const char *at)
{
  char sql[400];

  snprintf(sql, sizeof(sql),
           "INSERT INTO school_requests (school_id, kind, text_ru, created_at, closes_at)"
           " VALUES (%ld, 'talk', 'x', '%s+05', '%s+05'::timestamptz + interval '14 days')",
           s, at, at);
  it_exec(db, sql);
  return it_count(db, "SELECT max(id) FROM school_requests");
}

/* Phone i of school tag t (this run's): a 32-byte respondent. */
#define PHONE "decode(md5('%s-' || i || '-' || pg_backend_pid()) || md5('%s-' || i), 'hex')"

/* Rows for phones lo..hi of tag t: what = "deliver", "help", "not_now", "more" (USSD), "sms"
 * (help by SMS reply), "share". */
static void phones(long req, const char *t, int lo, int hi, const char *what)
{
  char sql[900], resp[200];

  snprintf(resp, sizeof(resp), PHONE, t, t);
  if (strcmp(what, "deliver") == 0)
    snprintf(sql, sizeof(sql),
             "INSERT INTO school_deliveries (request_id, respondent) SELECT %ld, %s"
             " FROM generate_series(%d, %d) i",
             req, resp, lo, hi);
  else if (strcmp(what, "share") == 0)
    snprintf(sql, sizeof(sql),
             "INSERT INTO school_shares (request_id, respondent, msisdn) SELECT %ld, %s,"
             " '+79' || lpad((i + 100000 * (pg_backend_pid() %% 9000))::text, 9, '0')"
             " FROM generate_series(%d, %d) i",
             req, resp, lo, hi);
  else
    snprintf(sql, sizeof(sql),
             "INSERT INTO school_answers (request_id, respondent, relation, answer, channel)"
             " SELECT %ld, %s, '', '%s', '%s' FROM generate_series(%d, %d) i",
             req, resp, strcmp(what, "sms") == 0 ? "help" : what,
             strcmp(what, "sms") == 0 ? "sms" : "ussd", lo, hi);
  it_exec(db, sql);
}

/* Links of phones lo..hi of tag t to school s; consenting ones get a number. */
static void links(long s, const char *t, int lo, int hi, int consent, int unlinked)
{
  static int numbers;
  char sql[1200], resp[200];

  snprintf(resp, sizeof(resp), PHONE, t, t);
  snprintf(sql, sizeof(sql),
           "INSERT INTO school_links (respondent, relation, school_id, channel, unlinked_at)"
           " SELECT %s, 'mother', %ld, 'ussd', %s FROM generate_series(%d, %d) i;"
           "INSERT INTO school_contacts (respondent, msisdn, language) SELECT %s, '+78' ||"
           " lpad((%d + i + 1000 * (pg_backend_pid() %% 900000))::text, 9, '0'), 'ru'"
           " FROM generate_series(%d, %d) i WHERE %d = 1",
           resp, s, unlinked ? "now()" : "NULL", lo, hi, resp, numbers - lo, lo, hi, consent);
  numbers += hi - lo + 1;
  it_exec(db, sql);
}

static void seed(void)
{
  char sql[1500];
  long u1, u2, r1, r2, r3, r4, b1, q;

  cleanup();
  snprintf(ra, sizeof(ra), "itrsa%d", (int)getpid());
  snprintf(rb, sizeof(rb), "itrsb%d", (int)getpid());
  snprintf(sql, sizeof(sql),
           "INSERT INTO regions VALUES ('%s', 'region', 'А', 'А', 'Region A', 9990),"
           " ('%s', 'region', 'Б', 'Б', 'Region B', 9991);"
           "INSERT INTO districts (code, region_code, name_kk, name_ru, name_en, sort, kind) VALUES"
           " ('%s-city', '%s', 'Қала', 'Город', 'City', 1, 'city'),"
           " ('%s-d1', '%s', 'Бірінші', 'Первый', 'First', 2, 'district'),"
           " ('%s-d2', '%s', 'Екінші', 'Второй', 'Second', 3, 'district'),"
           " ('%s-d1', '%s', 'Үшінші', 'Третий', 'Third', 1, 'district')",
           ra, rb, ra, ra, ra, ra, ra, ra, rb, rb);
  it_exec(db, sql);
  u1 = school(ra, "city", "urban");
  u2 = school(ra, "city", "urban");
  r1 = school(ra, "d1", "rural");
  r2 = school(ra, "d1", "rural");
  r3 = school(ra, "d1", "rural");
  r4 = school(ra, "d2", "rural");
  b1 = school(rb, "d1", "rural");

  /* U1: one request to 30 phones; 12 answer (6 help, one of them by SMS; 4 not now; 2 more),
   * 2 more help in the USSD menu without an SMS; 3 share. 35 linked, 2 without consent, and an
   * unlinked one with a number: 33. A request in March to 5 of them. */
  q = request(u1, "2025-02-03 09:00");
  phones(q, "u1", 1, 30, "deliver");
  phones(q, "u1", 1, 5, "help");
  phones(q, "u1", 6, 6, "sms");
  phones(q, "u1", 7, 10, "not_now");
  phones(q, "u1", 11, 12, "more");
  phones(q, "u1", 31, 32, "help");
  phones(q, "u1", 1, 3, "share");
  links(u1, "u1", 1, 33, 1, 0);
  links(u1, "u1", 34, 35, 0, 0);
  links(u1, "u1", 36, 36, 1, 1);
  q = request(u1, "2025-03-05 10:00");
  phones(q, "u1", 1, 5, "deliver");
  /* U2: two requests to the same 12 phones (counted once each); 4 help the first, the same 4
   * say not now to the second, 2 others help the second: 6 answered, 6 helped. */
  q = request(u2, "2025-02-10 10:00");
  phones(q, "u2", 1, 12, "deliver");
  phones(q, "u2", 1, 4, "help");
  q = request(u2, "2025-02-27 23:30"); /* 18:30 UTC: still February in Kazakhstan */
  phones(q, "u2", 1, 12, "deliver");
  phones(q, "u2", 1, 4, "not_now");
  phones(q, "u2", 5, 6, "help");
  links(u2, "u2", 1, 12, 1, 0);
  /* A request at 00:30 on March 1st (19:30 UTC on February 28th) is March's. */
  q = request(u2, "2025-03-01 00:30");
  phones(q, "u2x", 1, 40, "deliver");
  /* R1: 3 parents, 1 helps: hidden. R2: 20, 10 answer, 5 help, 1 shares. R3: 12, 6 answer, 3
   * help: the complement. R4 (the other district): 15, 5 answer, 2 help. B1: 11, 4 help. */
  q = request(r1, "2025-02-12 12:00");
  phones(q, "r1", 1, 3, "deliver");
  phones(q, "r1", 1, 1, "help");
  links(r1, "r1", 1, 3, 1, 0);
  q = r2_request = request(r2, "2025-02-12 12:00");
  phones(q, "r2", 1, 20, "deliver");
  phones(q, "r2", 1, 5, "help");
  phones(q, "r2", 6, 10, "not_now");
  phones(q, "r2", 1, 1, "share");
  links(r2, "r2", 1, 20, 1, 0);
  q = request(r3, "2025-02-14 12:00");
  phones(q, "r3", 1, 12, "deliver");
  phones(q, "r3", 1, 3, "help");
  phones(q, "r3", 4, 6, "more");
  links(r3, "r3", 1, 12, 1, 0);
  q = r4_request = request(r4, "2025-02-20 12:00");
  phones(q, "r4", 1, 15, "deliver");
  phones(q, "r4", 1, 2, "help");
  phones(q, "r4", 3, 5, "not_now");
  links(r4, "r4", 1, 15, 1, 0);
  q = request(b1, "2025-02-20 12:00");
  phones(q, "b1", 1, 11, "deliver");
  phones(q, "b1", 1, 4, "sms");
  links(b1, "b1", 1, 11, 1, 0);
  (void)u2;
}

START_TEST(test_results_schools)
{
  struct it_resp *r = malloc(sizeof(*r));
  char admin[64], an_a[64], an_b[64], op[64], sch[64], q[400], both[80];
  long audits0, calls = 0;

  ck_assert_ptr_nonnull(r);
  it_up(&gw, &db, "token_refresh_ms = 1000\nresults_min_respondents = 10\n");
  seed();
  snprintf(both, sizeof(both), "region=%s,%s", ra, rb);
  it_token_create(AULGATE_BIN, "--role admin", admin);
  it_token_create(AULGATE_BIN, "--role operator", op);
  it_token_create(AULGATE_BIN, "--role school --school 1", sch);
  snprintf(q, sizeof(q), "--role analyst --region %s", ra);
  it_token_create(AULGATE_BIN, q, an_a);
  snprintf(q, sizeof(q), "--role analyst --region %s", rb);
  it_token_create(AULGATE_BIN, q, an_b);
  sleep(2); /* the token cache's next refresh */
  audits0 = it_count(db, "SELECT count(*) FROM audit WHERE action = 'results.schools'");

  /* Schools: U1 with its rates and reach (30 delivered of 33 linked consenting). */
  calls++;
  ck_assert_int_eq(get("group_by=school&from=2025-02-01&to=2025-03-01", an_a, r), 200);
  HAS(r,
      "\"school_name\":\"School 1\",\"requests\":1,\"suppressed\":false,\"asked\":32,"
      "\"delivered\":30,\"answered\":14,\"answer_percent\":43.8,\"help\":8,\"help_percent\":25.0,"
      "\"shared\":3,\"linked_suppressed\":false,\"linked\":33,\"reach_percent\":90.9}");
  HAS(r, "\"school_name\":\"School 2\",\"requests\":2,\"suppressed\":false,\"asked\":12,"
         "\"delivered\":12,\"answered\":6,\"answer_percent\":50.0,\"help\":6,\"help_percent\":50.0,"
         "\"shared\":0,\"linked_suppressed\":false,\"linked\":12,\"reach_percent\":100.0}");
  /* R1 (3 parents) hidden, and R3 with it: First's 35 minus R2's 20 is the two together. */
  HAS(r, "\"school_name\":\"School 3\",\"requests\":1,\"suppressed\":true,\"reason\":\"fewer than "
         "10 parents, or hidden beside a group that has fewer\",\"asked\":null,\"delivered\":null,"
         "\"answered\":null,\"answer_percent\":null,\"help\":null,\"help_percent\":null,"
         "\"shared\":null,\"linked_suppressed\":true,\"linked\":null,\"reach_percent\":null}");
  HAS(r, "\"school_name\":\"School 5\",\"requests\":1,\"suppressed\":true,");
  HAS(r, "\"school_name\":\"School 4\",\"requests\":1,\"suppressed\":false,\"asked\":20,");
  HAS(r, "\"school_name\":\"School 6\",\"requests\":1,\"suppressed\":false,\"asked\":15,"
         "\"delivered\":15,\"answered\":5,\"answer_percent\":33.3,\"help\":2,");
  HASNT(r, "School 7"); /* region B's */
  HASNT(r, "\"asked\":3,");
  /* Districts, urban first. */
  calls++;
  snprintf(q, sizeof(q), "group_by=district&from=2025-02-01&%s", both);
  ck_assert_int_eq(get(q, admin, r), 200);
  HAS(r, "\"settlement\":\"urban\",\"district\":\"itrsa");
  HAS(r, "-city\",\"district_name\":\"City\",\"requests\":3,\"suppressed\":false,\"asked\":44,"
         "\"delivered\":42,\"answered\":20,\"answer_percent\":45.5,\"help\":14,"
         "\"help_percent\":31.8,\"shared\":3,\"linked_suppressed\":false,\"linked\":45,"
         "\"reach_percent\":93.3}");
  HAS(r, "-d1\",\"district_name\":\"First\",\"requests\":3,\"suppressed\":false,\"asked\":35,"
         "\"delivered\":35,\"answered\":17,\"answer_percent\":48.6,\"help\":9,");
  HAS(r, "\"district_name\":\"Third\",\"requests\":1,\"suppressed\":false,\"asked\":11,"
         "\"delivered\":11,\"answered\":4,\"answer_percent\":36.4,\"help\":4,");
  /* Urban beside rural: the "I can help" rate of each. */
  calls++;
  ck_assert_int_eq(get("group_by=settlement&from=2025-02-01&lang=ru", an_a, r), 200);
  HAS(r, "\"region_name\":\"А\",\"settlement\":\"urban\",\"requests\":3,\"suppressed\":false,"
         "\"asked\":44,\"delivered\":42,\"answered\":20,\"answer_percent\":45.5,\"help\":14,"
         "\"help_percent\":31.8,");
  HAS(r, "\"settlement\":\"rural\",\"requests\":4,\"suppressed\":false,\"asked\":50,"
         "\"delivered\":50,\"answered\":22,\"answer_percent\":44.0,\"help\":11,"
         "\"help_percent\":22.0,\"shared\":1,\"linked_suppressed\":false,\"linked\":50,"
         "\"reach_percent\":100.0}");
  /* March: U1's 5 and U2's 40 (the request at 00:30 local on the 1st). */
  calls++;
  ck_assert_int_eq(get("group_by=school&from=2025-03-01", an_a, r), 200);
  HAS(r, "\"from\":\"2025-03-01\",\"to\":\"2025-04-01\"");
  /* U1's 5 hidden, and U2 with it: the city's 45 is published. */
  HAS(r, "\"school_name\":\"School 1\",\"requests\":1,\"suppressed\":true,");
  HAS(r, "\"school_name\":\"School 2\",\"requests\":1,\"suppressed\":true,");
  HAS(r, "\"school_name\":\"School 4\",\"requests\":0,\"suppressed\":false,\"asked\":0,");
  calls++;
  ck_assert_int_eq(get("group_by=district&from=2025-03-01&to=2025-04-01", an_a, r), 200);
  HAS(r, "\"district_name\":\"City\",\"requests\":2,\"suppressed\":false,\"asked\":45,"
         "\"delivered\":45,\"answered\":0,");

  /* Scope: another region is 403; no region: the token's only; a school token, an operator:
   * 403 by role; bad parameters 400. */
  calls += 5;
  snprintf(q, sizeof(q), "group_by=district&region=%s", rb);
  ck_assert_int_eq(get(q, an_a, r), 403);
  HAS(r, "not valid in region");
  ck_assert_int_eq(get(q, an_b, r), 200);
  HAS(r, "\"district_name\":\"Third\"");
  HASNT(r, "itrsa");
  snprintf(q, sizeof(q), "group_by=district&%s", both);
  ck_assert_int_eq(get(q, an_b, r), 403);
  ck_assert_int_eq(get("group_by=district&from=2025-02-03", an_a, r), 400);
  HAS(r, "first day of a month");
  ck_assert_int_eq(get("from=2025-02-01&to=2025-04-01", an_a, r), 400);
  ck_assert_int_eq(get("group_by=school", sch, r), 403);
  ck_assert_int_eq(get("group_by=school", op, r), 403);

  /* CSV: BOM, header, CRLF, a hidden school's cells empty. */
  calls++;
  snprintf(q, sizeof(q), "group_by=school&from=2025-02-01&format=csv&region=%s", ra);
  ck_assert_int_eq(get(q, admin, r), 200);
  ck_assert_msg(strstr(r->ctype, "text/csv"), "%s", r->ctype);
  ck_assert_msg(memcmp(r->body, "\xEF\xBB\xBF", 3) == 0, "no BOM");
  HAS(r, "\xEF\xBB\xBFregion,region_name,settlement,district,district_name,school,school_name,"
         "requests,suppressed,asked,delivered,answered,answer_percent,help,help_percent,shared,"
         "linked_suppressed,linked,reach_percent\r\n");
  HAS(r, ",School 1,1,false,32,30,14,43.8,8,25.0,3,false,33,90.9\r\n");
  HAS(r, ",School 3,1,true,,,,,,,,true,,\r\n");
  for (const char *p = r->body; (p = strchr(p, '\n')) != NULL; p++)
    ck_assert_msg(p[-1] == '\r', "a bare LF");

  /* The counters follow changes: school 4's phone 1 takes its "I can help" back (5 -> 4);
   * school 2 loses a link and a consent (12 -> 10 linked: reach 12 of 10). */
  snprintf(q, sizeof(q),
           "UPDATE school_answers SET answer = 'not_now' WHERE request_id = %ld AND respondent ="
           " decode(md5('r2-1-' || pg_backend_pid()) || md5('r2-1'), 'hex')",
           r2_request);
  it_exec(db, q);
  /* As an SMS reply replaces an answer (store_sms_mo.c): an upsert in a WITH. School 6: 2 -> 1. */
  snprintf(q, sizeof(q),
           "WITH x AS (INSERT INTO school_answers AS a (request_id, respondent, relation,"
           " answer, channel) VALUES (%ld, decode(md5('r4-1-' || pg_backend_pid()) ||"
           " md5('r4-1'), 'hex'), '', 'more', 'sms') ON CONFLICT (request_id, respondent) DO"
           " UPDATE SET answer = excluded.answer RETURNING 1) SELECT count(*) FROM x",
           r4_request);
  ck_assert_int_eq(it_count(db, q), 1);
  it_exec(db, "UPDATE school_links SET unlinked_at = now() WHERE respondent ="
              " decode(md5('u2-1-' || pg_backend_pid()) || md5('u2-1'), 'hex');"
              "DELETE FROM school_contacts WHERE respondent ="
              " decode(md5('u2-2-' || pg_backend_pid()) || md5('u2-2'), 'hex')");
  calls++;
  ck_assert_int_eq(get("group_by=school&from=2025-02-01", an_a, r), 200);
  HAS(r, "\"school_name\":\"School 4\",\"requests\":1,\"suppressed\":false,\"asked\":20,"
         "\"delivered\":20,\"answered\":10,\"answer_percent\":50.0,\"help\":4,");
  HAS(r, "\"school_name\":\"School 6\",\"requests\":1,\"suppressed\":false,\"asked\":15,"
         "\"delivered\":15,\"answered\":5,\"answer_percent\":33.3,\"help\":1,");
  HAS(r, "\"school_name\":\"School 2\",\"requests\":2,\"suppressed\":false,\"asked\":12,"
         "\"delivered\":12,\"answered\":6,\"answer_percent\":50.0,\"help\":6,\"help_percent\":50.0,"
         "\"shared\":0,\"linked_suppressed\":false,\"linked\":10,\"reach_percent\":120.0}");
  /* What the triggers kept equals a rebuild from the schools' tables, after a share was taken
   * back too (a parent's "Not this time": the counters only added shares before 0024). */
  it_exec(db, "DELETE FROM school_shares WHERE ctid = (SELECT s.ctid FROM school_shares s JOIN"
              " school_requests r ON r.id = s.request_id JOIN schools sc ON sc.id = r.school_id"
              " WHERE sc.region_code LIKE 'itrs%' LIMIT 1)");
  {
    static const char snap[] =
        "SELECT md5(coalesce((SELECT string_agg(concat_ws(',', month, school_id, requests, asked,"
        " delivered, answered, help, shared), ';' ORDER BY month, school_id) FROM"
        " school_month_counts), '') || (SELECT count(*) FROM school_linked)::text ||"
        " coalesce((SELECT string_agg(school_id || ':' || n, ';' ORDER BY school_id) FROM"
        " (SELECT school_id, sum(n) AS n FROM (SELECT school_id, n FROM school_linked_counts"
        " UNION ALL SELECT school_id, n FROM school_linked_log) x GROUP BY 1 HAVING sum(n) <> 0)"
        " y), '') ||"
        " coalesce((SELECT string_agg(concat_ws(',', school_id, month, respondent, delivered,"
        " answered, help, shared), ';' ORDER BY school_id, month, respondent) FROM"
        " school_month_phones), ''))";
    PGresult *a = PQexec(db, snap), *b;
    ck_assert_int_eq(PQresultStatus(a), PGRES_TUPLES_OK);
    it_count(db, "SELECT school_rollup_rebuild()");
    b = PQexec(db, snap);
    ck_assert_int_eq(PQresultStatus(b), PGRES_TUPLES_OK);
    ck_assert_str_eq(PQgetvalue(a, 0, 0), PQgetvalue(b, 0, 0));
    PQclear(a);
    PQclear(b);
  }

  /* Every call that reached the route left its row. */
  for (int i = 0; i < 40 && it_count(db, "SELECT count(*) FROM audit WHERE action ="
                                         " 'results.schools'") -
                                    audits0 <
                                calls;
       i++)
    usleep(50000);
  ck_assert_int_eq(
      it_count(db, "SELECT count(*) FROM audit WHERE action = 'results.schools'") - audits0, calls);
  cleanup();
  it_down(&gw, db);
  free(r);
}
END_TEST

static Suite *it_results_schools_suite(void)
{
  Suite *s = suite_create("it_results_schools");
  TCase *tc = tcase_create("api");

  tcase_set_timeout(tc, 90);
  tcase_add_test(tc, test_results_schools);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(it_results_schools_suite)
