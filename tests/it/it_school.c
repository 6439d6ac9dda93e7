/* it_school.c: the school's side of issue 13 end to end on a real gateway and PostgreSQL: the
 * school role (`aulgate token create --role school --school ID`, validated), the auth matrix of
 * /api/v1/school/... (a school token reaches its own school only: another school's request is
 * 403; analyst and operator are refused; an admin names the school), the budget check, creating
 * a request with clear 400s, the counts with small ones hidden, the shares of one request only,
 * the knowledge funds as counts, closing, and the audit rows of every call. The parent's side
 * (links, consents, answers, shares) is written here with SQL, as the other half will. */
#include "tests/it/it_harness.h"
#include "tests/support/ag_check.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char conf[] = "metrics_allow_ips = 192.0.2.1\ntoken_refresh_ms = 1000\n";

static long call(const struct it_server *s, const char *method, const char *path, const char *tok,
                 const char *form, struct it_resp *r)
{
  char h[120];
  const char *hdrs[2] = {h, NULL};

  snprintf(h, sizeof(h), "Authorization: Bearer %s", tok);
  if (strcmp(method, "GET") == 0)
    ck_assert_int_eq(it_get_headers(s, path, hdrs, r), 0);
  else
    ck_assert_int_eq(it_post_headers(s, path, hdrs, form, strlen(form), r), 0);
  return r->status;
}

static void expect(long status, const struct it_resp *r, long want, const char *needle)
{
  if (status != want || (needle && !strstr(r->body, needle)))
    fprintf(stderr, "it_school: status %ld, want %ld, needle %s: %.800s\n", status, want,
            needle ? needle : "-", r->body);
  ck_assert_msg(status == want, "status %ld, want %ld", status, want);
  if (needle)
    ck_assert_msg(strstr(r->body, needle) != NULL, "body lacks %s", needle);
}

/* `aulgate token create ARGS` must fail (exit status not 0). */
static void token_refused(const char *args)
{
  char cmd[600];

  snprintf(cmd, sizeof(cmd), "%s token create %s >/dev/null 2>&1", AULGATE_BIN, args);
  ck_assert_msg(system(cmd) != 0, "accepted: %s", args);
}

static long audit_base;

static long audit_wait(PGconn *db, const char *where, long want)
{
  char sql[400];
  long n = 0;

  snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit WHERE id > %ld AND %s", audit_base, where);
  for (int i = 0; i < 60 && (n = it_count(db, sql)) < want; i++)
    usleep(50 * 1000);
  return n;
}

/* A respondent of this run: 32 bytes from a tag. */
#define RESP(tag) "decode(md5('" tag "' || current_setting('it.run')) || md5('" tag "'), 'hex')"

/* A school of this run's own, named name-<run>: its id. */
static long school_new(PGconn *db, const char *name, const char *run)
{
  char sql[500];

  snprintf(sql, sizeof(sql),
           "INSERT INTO schools (region_code, district_code, name, number, settlement) SELECT"
           " region_code, district_code, '%s ' || '%s', NULL, settlement FROM schools WHERE id = 1",
           name, run);
  it_exec(db, sql);
  return it_count(db, "SELECT max(id) FROM schools");
}

START_TEST(test_it_school_api)
{
  struct it_server gw;
  PGconn *db;
  struct it_resp r;
  char a[64], b[64], ad[64], an[64], op[64], path[200], sql[1500], run[64];
  long id, id2, sa, sb;
  const char *p;

  it_up(&gw, &db, conf);
  snprintf(run, sizeof(run), "%d-%ld", (int)getpid(), (long)time(NULL));
  snprintf(sql, sizeof(sql), "SET it.run = '%s'", run);
  it_exec(db, sql);
  sa = school_new(db, "Мектеп А", run);
  sb = school_new(db, "Мектеп Б", run);
  token_refused("--role school");                 /* no school */
  token_refused("--role school --school 0");      /* not an id */
  token_refused("--role school --school 999999"); /* no such school */
  token_refused("--role analyst --school 1");     /* a school only with the school role */
  token_refused("--role school --school 1 --region abai");
  snprintf(sql, sizeof(sql), "--role school --school %ld --name it-school-a", sa);
  it_token_create(AULGATE_BIN, sql, a);
  snprintf(sql, sizeof(sql), "--role school --school %ld --name it-school-b", sb);
  it_token_create(AULGATE_BIN, sql, b);
  it_token_create(AULGATE_BIN, "--role admin --name it-school-admin", ad);
  it_token_create(AULGATE_BIN, "--role analyst --name it-school-analyst", an);
  it_token_create(AULGATE_BIN, "--role operator --name it-school-operator", op);
  it_wait_token(&gw, a);
  it_wait_token(&gw, op); /* created last */
  audit_base = it_count(db, "SELECT COALESCE(max(id), 0) FROM audit");
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM tokens WHERE role = 'school' AND school_id = %ld AND name ="
           " 'it-school-a'",
           sa);
  ck_assert_int_eq(it_count(db, sql), 1);
  expect(call(&gw, "GET", "/api/v1/whoami", a, NULL, &r), &r, 200, "\"role\":\"school\"");
  snprintf(path, sizeof(path), "\"school\":%ld", sa);
  ck_assert_msg(strstr(r.body, path), "%s", r.body);
  expect(call(&gw, "GET", "/metrics", a, NULL, &r), &r, 403, "role");

  /* The budget check as the school types. */
  expect(call(&gw, "POST", "/api/v1/school/requests/check", a,
              "text_ru=%D0%9D%D1%83%D0%B6%D0%BD%D0%B0+%D0%BF%D0%BE%D0%BC%D0%BE%D1%89%D1%8C", &r),
         &r, 200, "\"text_ru\":{\"chars\":12,\"parts\":");
  ck_assert_msg(strstr(r.body, "\"sms_ok\":true") && strstr(r.body, "\"ussd_ok\":true") &&
                    strstr(r.body, ": Нужна помощь") && strstr(r.body, "Мектеп А") &&
                    strstr(r.body, "СТОП"),
                "%s", r.body);

  /* Creation: the clear 400s, then one that goes. */
  expect(call(&gw, "POST", "/api/v1/school/requests", a, "kind=party&text_ru=x", &r), &r, 400,
         "kind must be");
  expect(call(&gw, "POST", "/api/v1/school/requests", a, "kind=talk", &r), &r, 400,
         "text_kk or text_ru");
  {
    char big[4000];
    int n = snprintf(big, sizeof(big), "kind=talk&text_kk=");
    for (int i = 0; i < 180; i++)
      n += snprintf(big + n, sizeof(big) - (size_t)n, "%%D0%%B6");
    expect(call(&gw, "POST", "/api/v1/school/requests", a, big, &r), &r, 400,
           "text_kk: the SMS would take 5 parts, at most 3: ");
  }
  expect(call(&gw, "POST", "/api/v1/school/requests", a, "kind=talk&text_ru=x&needed_on=2020-01-01",
              &r),
         &r, 400, "needed_on is in the past");
  expect(
      call(&gw, "POST", "/api/v1/school/requests", a, "kind=talk&text_ru=x&grade_bands=1-4,7", &r),
      &r, 400, "grade_bands");
  expect(
      call(&gw, "POST", "/api/v1/school/requests", a,
           "kind=repair&text_ru=%D0%9F%D0%BE%D1%87%D0%B8%D0%BD%D0%B8%D1%82%D1%8C+%D0%B7%D0%B0%D0%"
           "B1%D0%BE%D1%80&people=3&grade_bands=1-4,5-9&offer_category=repairs",
           &r),
      &r, 200, "\"id\":");
  id = strtol(strstr(r.body, "\"id\":") + 5, NULL, 10);
  expect(call(&gw, "POST", "/api/v1/school/requests", a, "kind=talk&text_kk=%D0%90", &r), &r, 200,
         "\"id\":");
  id2 = strtol(strstr(r.body, "\"id\":") + 5, NULL, 10);
  ck_assert_int_gt(id2, id);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM school_requests WHERE id = %ld AND school_id = %ld AND kind ="
           " 'repair' AND people = 3 AND grade_bands = '{1-4,5-9}' AND offer_category = 'repairs'"
           " AND closes_at > now() + interval '13 days'",
           id, sa);
  ck_assert_int_eq(it_count(db, sql), 1);

  /* The parent's side, as the other half writes it: 4 can help, 1 not now, shares of 2 (one of
   * them for the second request). */
  snprintf(
      sql, sizeof(sql),
      "INSERT INTO school_answers (request_id, respondent, answer, channel) VALUES"
      " (%ld, " RESP("p1") ", 'help', 'ussd'), (%ld, " RESP(
          "p2") ", 'help', 'sms'),"
                " (%ld, " RESP("p3") ", 'help', 'ussd'), (%ld, " RESP(
                    "p4") ", 'help', 'ussd'),"
                          " (%ld, " RESP(
                              "p5") ", 'not_now', 'sms');"
                                    "INSERT INTO school_shares (request_id, respondent, msisdn, "
                                    "first_name) VALUES"
                                    " (%ld, " RESP("p1") ", '+77010000001', 'Айгүл'), (%ld, " RESP(
                                        "p2") ", '+77010000002', '')",
      id, id, id, id, id, id, id2);
  it_exec(db, sql);

  /* Counts: 4 shown, 1 hidden (fewer than 3), 0 shown. */
  expect(call(&gw, "GET", "/api/v1/school/requests", a, NULL, &r), &r, 200, "\"min_count\":3");
  p = strstr(r.body, "\"kind\":\"repair\"");
  ck_assert_msg(p && strstr(p, "\"answers\":{\"help\":4,\"not_now\":null,\"not_now_fewer_than\":3,"
                               "\"more\":0},\"shared\":1"),
                "%s", r.body);
  ck_assert_msg(!strstr(r.body, "+7701"), "numbers in the list: %s", r.body);

  /* Shares: that request's only; another school's request is 403, none is 404. */
  snprintf(path, sizeof(path), "/api/v1/school/requests/%ld/shares", id);
  expect(call(&gw, "GET", path, a, NULL, &r), &r, 200, "\"msisdn\":\"+77010000001\"");
  ck_assert_msg(strstr(r.body, "Айгүл") && !strstr(r.body, "+77010000002"), "%s", r.body);
  expect(call(&gw, "GET", path, b, NULL, &r), &r, 403, "another school's");
  ck_assert_msg(!strstr(r.body, "+7701"), "%s", r.body);
  expect(call(&gw, "GET", path, ad, NULL, &r), &r, 200, "+77010000001");
  expect(call(&gw, "GET", "/api/v1/school/requests/99999999/shares", a, NULL, &r), &r, 404,
         "no such request");
  expect(call(&gw, "GET", "/api/v1/school/requests/x/shares", a, NULL, &r), &r, 404, NULL);

  /* Another school, and the roles that are not a school's. */
  snprintf(path, sizeof(path), "/api/v1/school/requests?school=%ld", sa);
  expect(call(&gw, "GET", path, b, NULL, &r), &r, 403, "own school");
  expect(call(&gw, "GET", "/api/v1/school/requests", b, NULL, &r), &r, 200, "\"requests\":[");
  ck_assert_msg(!strstr(r.body, "repair"), "%s", r.body);
  expect(call(&gw, "GET", "/api/v1/school/requests", an, NULL, &r), &r, 403, "role");
  expect(call(&gw, "GET", "/api/v1/school/requests", op, NULL, &r), &r, 403, "role");
  expect(call(&gw, "POST", "/api/v1/school/requests", an, "kind=talk&text_ru=x", &r), &r, 403,
         "role");
  expect(call(&gw, "GET", "/api/v1/school/requests", ad, NULL, &r), &r, 400, "?school=");
  expect(call(&gw, "GET", path, ad, NULL, &r), &r, 200, "repair");
  snprintf(path, sizeof(path), "/api/v1/school/requests/%ld/close", id);
  expect(call(&gw, "POST", path, b, "", &r), &r, 403, "another school's");

  /* Knowledge funds: 3 linked parents of school 1 (one unlinked does not count), 3 offered
   * repairs, 1 cooking (hidden). */
  snprintf(sql, sizeof(sql),
           "INSERT INTO school_links (respondent, relation, school_id, channel, unlinked_at)"
           " VALUES (" RESP("p1") ", 'mother', %ld, 'ussd', NULL), (" RESP(
               "p2") ", 'father', %ld,"
                     " 'survey', NULL), (" RESP("p3") ", 'mother', %ld, 'ussd', NULL), (" RESP(
                         "p4") ","
                               " 'mother', %ld, 'ussd', now())",
           sa, sa, sa, sa);
  it_exec(db, sql);
  it_exec(db, "INSERT INTO school_offers (respondent, relation, category) VALUES"
              " (" RESP("p1") ", 'mother', 'repairs'), (" RESP(
                  "p2") ", 'father', 'repairs'),"
                        " (" RESP("p3") ", 'mother', 'repairs'), (" RESP(
                            "p3") ", 'mother', 'cooking'),"
                                  " (" RESP("p4") ", 'mother', 'sport')");
  expect(call(&gw, "GET", "/api/v1/school/offers", a, NULL, &r), &r, 200,
         "\"linked\":3,\"offers\":{\"profession\":0,");
  ck_assert_msg(strstr(r.body, "\"repairs\":3,\"cooking\":null,\"cooking_fewer_than\":3") &&
                    strstr(r.body, "\"sport\":0"),
                "%s", r.body);

  /* Closing: once. */
  expect(call(&gw, "POST", path, a, "", &r), &r, 200, "\"closed\":true");
  expect(call(&gw, "POST", path, a, "", &r), &r, 200, "\"closed\":false");
  expect(call(&gw, "GET", "/api/v1/school/requests", a, NULL, &r), &r, 200, "\"state\":\"closed\"");

  /* Every call audited: the reads and writes, and the refusals of known tokens. */
  ck_assert_int_ge(audit_wait(db,
                              "action = 'school.requests' AND status = 200 AND role ="
                              " 'school'",
                              3),
                   3);
  ck_assert_int_ge(audit_wait(db, "action = 'school.create' AND status = 400", 5), 5);
  ck_assert_int_ge(audit_wait(db, "action = 'school.create' AND status = 200", 2), 2);
  ck_assert_int_eq(audit_wait(db,
                              "action = 'school.shares' AND status = 403 AND outcome ="
                              " 'school'",
                              1),
                   1);
  ck_assert_int_eq(audit_wait(db, "action = 'school.close' AND status = 403", 1), 1);
  ck_assert_int_ge(audit_wait(db, "action = 'school.requests' AND status = 403", 1), 1);
  ck_assert_int_ge(audit_wait(db,
                              "action LIKE 'GET /api/v1/school/%' AND status = 403 AND"
                              " outcome = 'role'",
                              2),
                   2);
  ck_assert_int_ge(audit_wait(db, "action = 'school.offers' AND status = 200", 1), 1);
  ck_assert_int_ge(audit_wait(db, "action = 'school.check' AND status = 200", 1), 1);
  it_down(&gw, db);
}
END_TEST

static Suite *it_school_suite(void)
{
  Suite *s = suite_create("it_school");
  TCase *tc = tcase_create("api");

  tcase_set_timeout(tc, 90);
  tcase_add_test(tc, test_it_school_api);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(it_school_suite)
