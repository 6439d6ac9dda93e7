/* it_ussd.c: the walking skeleton end to end: a real gateway on loopback, real HTTP, a real
 * PostgreSQL. Every answer must be in the database, exactly once, before the next screen. */
#include "tests/it/it_harness.h"

#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct it_server srv;
static PGconn *db;

static const char *const phone = "+77012345678";

/* What each language shows: its yes/no labels and a word of its thank-you screen. */
static const struct {
  const char *pick, *code, *yes, *thanks;
} langs[] = {
    {"1", "kk", "1 Иә\n2 Жоқ", "Рақмет"},
    {"2", "ru", "1 Да\n2 Нет", "Спасибо"},
    {"3", "en", "1 Yes\n2 No", "Thank you"},
};

static void setup(void)
{
  curl_global_init(CURL_GLOBAL_DEFAULT);
  ck_assert_msg(it_server_start(&srv, NULL) == 0, "gateway did not start");
  ck_assert_msg(it_wait_health(&srv, 200, 10000) == 0, "database never came up; log %s", srv.log);
  db = it_db();
  ck_assert_ptr_nonnull(db);
}

static void teardown(void)
{
  int status = it_server_stop(&srv);
  PQfinish(db);
  ck_assert_msg(status == 0, "gateway exit status %d on SIGTERM (log %s)", status, srv.log);
}

static void hop_ok(const char *session, const char *text, struct it_resp *r)
{
  ck_assert_int_eq(it_hop(&srv, session, phone, text, r), 0);
  ck_assert_int_eq(r->status, 200);
  ck_assert_str_eq(r->ctype, "text/plain; charset=utf-8");
}

/* Plays the whole survey in one language: pick the language, answer L1..L4 with a pattern. */
static void play(const char *session, int lang, const char *const answers[4])
{
  struct it_resp r;
  char path[64];

  hop_ok(session, "", &r);
  ck_assert_msg(strncmp(r.body, "CON ", 4) == 0, "first screen: %s", r.body);
  ck_assert_ptr_nonnull(strstr(r.body, "English"));
  snprintf(path, sizeof(path), "%s", langs[lang].pick);
  for (int q = 0; q < 4; q++) {
    hop_ok(session, path, &r);
    ck_assert_msg(strncmp(r.body, "CON ", 4) == 0, "L%d screen: %s", q + 1, r.body);
    ck_assert_msg(strstr(r.body, langs[lang].yes) != NULL, "L%d not in %s: %s", q + 1,
                  langs[lang].code, r.body);
    strcat(path, "*");
    strcat(path, answers[q]);
  }
  hop_ok(session, path, &r);
  ck_assert_msg(strncmp(r.body, "END ", 4) == 0, "last screen: %s", r.body);
  ck_assert_msg(strstr(r.body, langs[lang].thanks) != NULL, "thank-you in %s: %s", langs[lang].code,
                r.body);
}

static void assert_rows(const char *session, const char *lang, const char *const answers[4])
{
  char want_resp[65];
  PGresult *res = it_rows(db, session);

  it_respondent_hex(&srv, phone, want_resp);
  ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
  ck_assert_int_eq(PQntuples(res), 4);
  for (int i = 0; i < 4; i++) {
    char qid[4];
    snprintf(qid, sizeof(qid), "L%d", i + 1);
    ck_assert_str_eq(PQgetvalue(res, i, 0), qid);
    ck_assert_str_eq(PQgetvalue(res, i, 1), strcmp(answers[i], "1") == 0 ? "yes" : "no");
    ck_assert_str_eq(PQgetvalue(res, i, 2), lang);
    ck_assert_int_eq(atoi(PQgetvalue(res, i, 3)), i + 2); /* hop 1 picked the language */
    ck_assert_str_eq(PQgetvalue(res, i, 4), want_resp);
    ck_assert_str_eq(PQgetvalue(res, i, 5), "involvement");
    ck_assert_str_eq(PQgetvalue(res, i, 7), "40101");
  }
  PQclear(res);
}

START_TEST(test_it_survey_each_language)
{
  static const char *const answers[4] = {"1", "2", "1", "2"};
  char session[96];

  it_session_id(session, sizeof(session), langs[_i].code);
  play(session, _i, answers);
  assert_rows(session, langs[_i].code, answers);
}
END_TEST

START_TEST(test_it_retried_hop_same_reply_one_row)
{
  static const char *const answers[4] = {"2", "2", "1", "1"};
  struct it_resp first, again;
  char session[96];
  PGresult *res;

  it_session_id(session, sizeof(session), "retry");
  play(session, 1, answers);
  /* The carrier times out and resends hops it already sent: same reply, nothing new stored. */
  hop_ok(session, "2*2*2", &first);
  hop_ok(session, "2*2*2", &again);
  ck_assert_str_eq(first.body, again.body);
  hop_ok(session, "2*2*2*1*1", &again);
  ck_assert_msg(strncmp(again.body, "END ", 4) == 0, "%s", again.body);
  assert_rows(session, "ru", answers);
  res = it_rows(db, session);
  ck_assert_int_eq(PQntuples(res), 4);
  PQclear(res);
}
END_TEST

START_TEST(test_it_navigation_stores_nothing)
{
  struct it_resp r;
  char session[96];
  PGresult *res;

  it_session_id(session, sizeof(session), "nav");
  hop_ok(session, "", &r);
  hop_ok(session, "3", &r);   /* the language choice is navigation */
  hop_ok(session, "3*7", &r); /* invalid: the screen again, with the error line */
  ck_assert_msg(strncmp(r.body, "CON Please choose a number.\n", 28) == 0, "%s", r.body);
  res = it_rows(db, session);
  ck_assert_int_eq(PQntuples(res), 0);
  PQclear(res);
}
END_TEST

START_TEST(test_it_not_kazakh_number_polite_end)
{
  struct it_resp r;
  char session[96];
  PGresult *res;

  it_session_id(session, sizeof(session), "ru");
  ck_assert_int_eq(it_hop(&srv, session, "+79161234567", "1*1", &r), 0);
  ck_assert_int_eq(r.status, 200);
  ck_assert_msg(strncmp(r.body, "END ", 4) == 0, "%s", r.body);
  res = it_rows(db, session);
  ck_assert_int_eq(PQntuples(res), 0);
  PQclear(res);
  ck_assert_msg(!strstr(r.body, "9161234567"), "number echoed back");
}
END_TEST

START_TEST(test_it_malformed_requests)
{
  static const char big_prefix[] = "sessionId=x&text=";
  struct it_resp r;
  char *big;
  size_t n = 20000;

  ck_assert_int_eq(it_post(&srv, "/ussd/at", "application/x-www-form-urlencoded",
                           "sessionId=a&sessionId=b", 23, &r),
                   0);
  ck_assert_int_eq(r.status, 400);
  ck_assert_ptr_nonnull(strstr(r.body, "sessionId"));

  ck_assert_int_eq(
      it_post(&srv, "/ussd/at", "application/x-www-form-urlencoded", "sessionId=%zz", 13, &r), 0);
  ck_assert_int_eq(r.status, 400);

  ck_assert_int_eq(it_post(&srv, "/ussd/at", "application/x-www-form-urlencoded",
                           "serviceCode=*1#&phoneNumber=%2B77011234567&text=", 48, &r),
                   0);
  ck_assert_int_eq(r.status, 400);
  ck_assert_ptr_nonnull(strstr(r.body, "sessionId"));

  big = malloc(n + 1);
  memcpy(big, big_prefix, sizeof(big_prefix) - 1);
  memset(big + sizeof(big_prefix) - 1, '1', n - (sizeof(big_prefix) - 1));
  big[n] = '\0';
  ck_assert_int_eq(it_post(&srv, "/ussd/at", "application/x-www-form-urlencoded", big, n, &r), 0);
  ck_assert_int_eq(r.status, 413);
  free(big);

  ck_assert_int_eq(it_get(&srv, "/ussd/at", &r), 0);
  ck_assert_int_eq(r.status, 405);
  ck_assert_int_eq(it_get(&srv, "/nothing", &r), 0);
  ck_assert_int_eq(r.status, 404);
  ck_assert_msg(it_server_alive(&srv), "gateway died on bad input");
}
END_TEST

START_TEST(test_it_healthz_reports_db)
{
  struct it_resp r;

  ck_assert_int_eq(it_get(&srv, "/healthz", &r), 0);
  ck_assert_int_eq(r.status, 200);
  ck_assert_str_eq(r.ctype, "application/json");
  ck_assert_ptr_nonnull(strstr(r.body, "\"db\":\"up\""));
}
END_TEST

/* The database goes away under a running gateway and comes back: hops that need it get the
 * polite END and /healthz says 503; afterwards the same process serves again. */
START_TEST(test_it_db_outage_and_recovery)
{
  struct it_resp r;
  char session[96];
  PGresult *res;
  pid_t pid = srv.pid;

  ck_assert_int_eq(it_pg_ctl("stop"), 0);
  ck_assert_msg(it_wait_health(&srv, 503, 10000) == 0, "healthz never said 503");
  it_session_id(session, sizeof(session), "outage");
  hop_ok(session, "2*1", &r);
  ck_assert_msg(strncmp(r.body, "END ", 4) == 0, "during the outage: %s", r.body);
  ck_assert_ptr_nonnull(strstr(r.body, "Извините"));

  ck_assert_int_eq(it_pg_ctl("start"), 0);
  ck_assert_msg(it_wait_health(&srv, 200, 20000) == 0, "healthz never recovered; log %s", srv.log);
  ck_assert_int_eq(srv.pid, pid);
  ck_assert(it_server_alive(&srv));
  it_session_id(session, sizeof(session), "after");
  hop_ok(session, "2*1", &r);
  ck_assert_msg(strncmp(r.body, "CON ", 4) == 0, "after recovery: %s", r.body);
  PQreset(db); /* its connection died with the cluster */
  res = it_rows(db, session);
  ck_assert_int_eq(PQntuples(res), 1);
  ck_assert_str_eq(PQgetvalue(res, 0, 0), "L1");
  PQclear(res);
}
END_TEST

static Suite *it_ussd_suite(void)
{
  Suite *s = suite_create("it_ussd");
  TCase *tc = tcase_create("survey");
  TCase *out = tcase_create("outage");

  tcase_add_unchecked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_loop_test(tc, test_it_survey_each_language, 0, 3);
  tcase_add_test(tc, test_it_retried_hop_same_reply_one_row);
  tcase_add_test(tc, test_it_navigation_stores_nothing);
  tcase_add_test(tc, test_it_not_kazakh_number_polite_end);
  tcase_add_test(tc, test_it_malformed_requests);
  tcase_add_test(tc, test_it_healthz_reports_db);
  suite_add_tcase(s, tc);

  tcase_add_unchecked_fixture(out, setup, teardown);
  tcase_set_timeout(out, 90);
  tcase_add_test(out, test_it_db_outage_and_recovery);
  suite_add_tcase(s, out);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(it_ussd_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
