/* it_school_ussd.c: "Requests from the school" over the real USSD path, the school's API and
 * PostgreSQL (issue 13 items 2 and 3, the parent's USSD half). A parent links to a school by
 * USSD; the school creates requests with its own token; the parent's menu lists the open ones
 * of that school only (not a closed one, not another school's), newest first; each of the three
 * answers is stored as one row per phone and request (an answer again replaces it, an SMS
 * reply then a USSD answer count once); "I can help" then "share" with a first name makes a
 * school_shares row that the school's shares route shows for that request only, never for
 * another request or another school; "no" shares nothing. */
#include "lib/ag.h"
#include "tests/it/it_harness.h"
#include "tests/support/ag_check.h"

#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct it_server gw;
static PGconn *db;

/* A gateway with an SMS link (its sendsms URL a port nobody listens on: nothing here is about
 * sending) so that /sms/kannel takes parents' replies; the school delivery worker does not poll
 * within the test (no SMS of other tests' requests goes to the outbox from here). */
static void start(void)
{
  char conf[768];

  snprintf(conf, sizeof(conf),
           "log_level = warn\ntoken_refresh_ms = 1000\nschool_poll_ms = 3600000\n"
           "[carrier.at]\ndialect = at\n"
           "[carrier.kannel]\ndialect = kannel\n"
           "sms_url = http://127.0.0.1:%d/cgi-bin/sendsms\nsms_user = gw\nsms_password = x\n"
           "sms_callback_url = http://127.0.0.1:@PORT@\n",
           it_free_port());
  ck_assert_int_eq(it_server_start(&gw, conf), 0);
  ck_assert_int_eq(it_wait_health(&gw, 200, 10000), 0);
}

static long call(const char *method, const char *path, const char *tok, const char *form,
                 struct it_resp *r)
{
  char h[120];
  const char *hdrs[2] = {h, NULL};

  snprintf(h, sizeof(h), "Authorization: Bearer %s", tok);
  if (strcmp(method, "GET") == 0)
    ck_assert_int_eq(it_get_headers(&gw, path, hdrs, r), 0);
  else
    ck_assert_int_eq(it_post_headers(&gw, path, hdrs, form, strlen(form), r), 0);
  return r->status;
}

/* A school of Aktobe city with a number no school there has yet: its id, the number in num. */
static long school_new(const char *name, char num[8])
{
  char sql[700];

  snprintf(sql, sizeof(sql),
           "INSERT INTO schools (region_code, district_code, name, number, settlement) SELECT"
           " region_code, code, '%s ' || n, n, 'urban' FROM (SELECT region_code, code"
           " FROM districts WHERE code = 'aktobe-aktobe-city') d, (SELECT min(n) AS n"
           " FROM generate_series(2000, 9999) n WHERE NOT EXISTS (SELECT 1 FROM schools s"
           " WHERE s.district_code = 'aktobe-aktobe-city' AND s.number = n)) f",
           name);
  it_exec(db, sql);
  snprintf(num, 8, "%ld", it_count(db, "SELECT number FROM schools ORDER BY id DESC LIMIT 1"));
  return it_count(db, "SELECT max(id) FROM schools");
}

static void token_for(long school, const char *name, char tok[64])
{
  char args[200];
  struct it_resp r;

  snprintf(args, sizeof(args), "--role school --school %ld --name %s", school, name);
  it_token_create(AULGATE_BIN, args, tok);
  for (int i = 0; i < 100; i++) {
    if (call("GET", "/api/v1/whoami", tok, NULL, &r) == 200)
      return;
    usleep(50 * 1000);
  }
  ck_abort_msg("token never accepted: %ld %s", r.status, r.body);
}

/* A request of the school whose token is tok (form: its fields): its id. */
static long request_new(const char *tok, const char *form)
{
  struct it_resp r;
  const char *p;

  ck_assert_int_eq(call("POST", "/api/v1/school/requests", tok, form, &r), 200);
  p = strstr(r.body, "\"id\":");
  ck_assert_ptr_nonnull(p);
  return strtol(p + 5, NULL, 10);
}

static int dials;

/* One call of phone pressing in[0..n), in a session of its own; the last screen in r. */
static void dial(const char *phone, const char *const *in, size_t n, struct it_resp *r)
{
  char sid[64], tag[16];

  snprintf(tag, sizeof(tag), "req%d", dials++);
  it_session_id(sid, sizeof(sid), tag);
  ck_assert_int_eq(it_play(&gw, sid, phone, in, n, r), 0);
}

/* My child's school, mother, Requests, the k-th request, then 99 until its answers show; then
 * after[0..n_after). The screen in r. */
static void answer(const char *phone, const char *k, const char *const *after, size_t n_after,
                   struct it_resp *r)
{
  const char *in[32] = {"6", "1", "4", k};
  size_t n = 4;

  for (;;) {
    dial(phone, in, n, r);
    if (strstr(r->body, "\n1 I can help"))
      break;
    ck_assert_msg(strstr(r->body, "\n99 More"), "%s", r->body);
    ck_assert_uint_lt(n, 12);
    in[n++] = "99";
  }
  for (size_t i = 0; i < n_after; i++)
    in[n++] = after[i];
  if (n_after)
    dial(phone, in, n, r);
}

static long answers(long req, const char *hex, const char *and_where)
{
  char sql[512];

  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM school_answers WHERE request_id = %ld AND respondent ="
           " decode('%s', 'hex') %s",
           req, hex, and_where);
  return it_count(db, sql);
}

static long shares(long req, const char *hex, const char *and_where)
{
  char sql[512];

  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM school_shares WHERE request_id = %ld AND respondent ="
           " decode('%s', 'hex') %s",
           req, hex, and_where);
  return it_count(db, sql);
}

START_TEST(test_requests_by_ussd)
{
  static const char *const list[] = {"6", "1", "4"};
  static const char *const not_now[] = {"2"}, *const more[] = {"3"}, *const help_no[] = {"1", "2"};
  char na[8], nb[8], ta[64], tb[64], p[16], q[16], hp[65], hq[65], path[256], where[128];
  char sql[700];
  const char *link[8] = {"3", "6", "1", "1", "3", "2", NULL, "2"};
  long sa, sb, r1, r2, r3, rb;

  struct it_resp r;

  db = it_db();
  ck_assert_ptr_nonnull(db);
  start();
  sa = school_new("it_school_ussd A", na);
  sb = school_new("it_school_ussd B", nb);
  token_for(sa, "it-school-ussd-a", ta);
  token_for(sb, "it-school-ussd-b", tb);

  /* P links to school A, Q to school B, by USSD (English; no messages: a link all the same). */
  it_fresh_phone(p);
  it_fresh_phone(q);
  it_respondent_hex(&gw, p, hp);
  link[6] = na;
  dial(p, link, 8, &r);
  ck_assert_msg(strncmp(r.body, "END Thank you! If the school is on our list", 43) == 0, "%s",
                r.body);
  link[6] = nb;
  dial(q, link, 8, &r);
  /* No open request yet: said plainly, with where to name the school. */
  dial(p, list, 3, &r);
  ck_assert_str_eq(r.body, "END No open requests from your school now. You can name your school "
                           "in this menu.");

  /* School A asks twice and closes a third; school B asks once. */
  r1 = request_new(
      ta, "kind=repair&people=3&text_ru=%D0%A0%D0%B5%D0%BC%D0%BE%D0%BD%D1%82+%D0%B7%D0"
          "%B0%D0%B1%D0%BE%D1%80%D0%B0+%D1%83+%D1%88%D0%BA%D0%BE%D0%BB%D1%8B"); /* Ремонт забора у
                                                                                   школы */
  r2 = request_new(
      ta, "kind=talk&text_ru=%D0%91%D0%B5%D1%81%D0%B5%D0%B4%D0%B0+%D0%BE+"
          "%D0%BF%D1%80%D0%BE%D1%84%D0%B5%D1%81%D1%81%D0%B8%D0%B8"); /* Беседа о профессии */
  r3 = request_new(ta,
                   "kind=other&text_ru=%D0%97%D0%B0%D0%BA%D1%80%D1%8B%D1%82%D0%BE"); /* Закрыто */
  snprintf(path, sizeof(path), "/api/v1/school/requests/%ld/close", r3);
  ck_assert_int_eq(call("POST", path, ta, "", &r), 200);
  rb =
      request_new(tb, "kind=trip&text_ru=%D0%9F%D0%BE%D0%B5%D0%B7%D0%B4%D0%BA%D0%B0"); /* Поездка */

  /* P's list: A's open requests, newest first; not the closed one, not B's. */
  dial(p, list, 3, &r);
  ck_assert_msg(strncmp(r.body, "CON Requests from the school:\n1 Беседа", 40) == 0 &&
                    strstr(r.body, "\n2 Ремонт") && !strstr(r.body, "Закрыто") &&
                    !strstr(r.body, "Поездка") && !strstr(r.body, "\n3 "),
                "%s", r.body);
  /* Q sees B's only. */
  dial(q, list, 3, &r);
  ck_assert_msg(strstr(r.body, "\n1 Поездка") && !strstr(r.body, "Беседа") &&
                    !strstr(r.body, "Ремонт"),
                "%s", r.body);
  /* B's requests for grades 10-11 and for parents who offered sport reach Q as the SMS would:
   * only once Q's mother gave that grade band and that offer. */
  request_new(tb, "kind=trip&grade_bands=10-11&text_ru=%D0%A1%D1%82%D0%B0%D1%80%D1%88%D0%B8%D0%B5");
  request_new(tb, "kind=talk&offer_category=sport&text_ru=%D0%A1%D0%BF%D0%BE%D1%80%D1%82");
  dial(q, list, 3, &r); /* Старшие, Спорт */
  ck_assert_msg(strstr(r.body, "\n1 Поездка") && !strstr(r.body, "Старшие") &&
                    !strstr(r.body, "Спорт"),
                "%s", r.body);
  it_respondent_hex(&gw, q, hq);
  snprintf(sql, sizeof(sql),
           "INSERT INTO responses (respondent, relation, survey_id, survey_version, question_id,"
           " option, language, carrier, carrier_session_id, hop, received_at) VALUES"
           " (decode('%s', 'hex'), 'mother', 'involvement', 4, 'grade', '10-11', 'en', 'it',"
           " 'school-ussd-%d', 1, now()); INSERT INTO school_offers (respondent, relation,"
           " category) VALUES (decode('%s', 'hex'), 'father', 'sport')",
           hq, (int)getpid(), hq);
  it_exec(db, sql);
  dial(q, list, 3, &r); /* the offer is the father's, who has no link */
  ck_assert_msg(strstr(r.body, "\n1 Старшие") && strstr(r.body, "\n2 Поездка") &&
                    !strstr(r.body, "Спорт"),
                "%s", r.body);
  snprintf(sql, sizeof(sql),
           "INSERT INTO school_offers (respondent, relation, category) VALUES"
           " (decode('%s', 'hex'), 'mother', 'sport')",
           hq);
  it_exec(db, sql);
  dial(q, list, 3, &r);
  ck_assert_msg(strstr(r.body, "\n1 Спорт") && strstr(r.body, "\n2 Старшие") &&
                    strstr(r.body, "\n3 Поездка"),
                "%s", r.body);

  /* The three answers to r1 (the 2nd on the list), each replacing the one before: one row. */
  answer(p, "2", not_now, 1, &r);
  ck_assert_msg(strncmp(r.body, "END Thank you for your answer!", 30) == 0, "%s", r.body);
  ck_assert_int_eq(answers(r1, hp,
                           "AND answer = 'not_now' AND channel = 'ussd' AND relation ="
                           " 'mother'"),
                   1);
  answer(p, "2", more, 1, &r);
  ck_assert_msg(strstr(r.body, "it_school_ussd A") && strstr(r.body, "A repair."), "%s", r.body);
  ck_assert_int_eq(answers(r1, hp, "AND answer = 'more'"), 1);
  answer(p, "2", help_no, 2, &r);
  ck_assert_msg(strncmp(r.body, "END Thank you! Your number is not given", 39) == 0, "%s", r.body);
  ck_assert_int_eq(answers(r1, hp, "AND answer = 'help'"), 1);
  ck_assert_int_eq(answers(r1, hp, ""), 1);
  ck_assert_int_eq(shares(r1, hp, ""), 0); /* "no" shares nothing */

  /* An SMS reply to r2 (delivered to P), then a USSD answer to it: counted once. */
  snprintf(path, sizeof(path),
           "INSERT INTO school_deliveries (request_id, respondent) VALUES (%ld, decode('%s',"
           " 'hex'))",
           r2, hp);
  it_exec(db, path);
  snprintf(path, sizeof(path), "/sms/kannel?id=it-school-ussd-%s&from=%%2B%s&text=1", p + 1, p + 1);
  ck_assert_int_eq(it_get(&gw, path, &r), 0);
  ck_assert_int_eq(r.status, 200);
  ck_assert_int_eq(answers(r2, hp, "AND answer = 'help' AND channel = 'sms'"), 1);
  answer(p, "1", not_now, 1, &r);
  ck_assert_int_eq(answers(r2, hp, "AND answer = 'not_now' AND channel = 'ussd'"), 1);
  ck_assert_int_eq(answers(r2, hp, ""), 1);

  /* A name that is not one: the clear error, nothing shared. */
  {
    static const char *const bad[] = {"1", "1", "87015550000"};
    answer(p, "2", bad, 3, &r);
    ck_assert_msg(strncmp(r.body, "CON Letters only, at most 40.\nYour first name", 45) == 0, "%s",
                  r.body);
    ck_assert_int_eq(shares(r1, hp, ""), 0);
  }
  /* "I can help", share, a first name: the school sees P for r1 only. */
  {
    static const char *const named[] = {"1", "1", "Айгүл"};
    answer(p, "2", named, 3, &r);
    ck_assert_msg(strncmp(r.body, "END Thank you! The school may call you", 38) == 0, "%s", r.body);
  }
  snprintf(where, sizeof(where), "AND msisdn = '%s' AND first_name = 'Айгүл'", p);
  ck_assert_int_eq(shares(r1, hp, where), 1);
  ck_assert_int_eq(answers(r1, hp, "AND answer = 'help'"), 1);
  snprintf(path, sizeof(path), "/api/v1/school/requests/%ld/shares", r1);
  ck_assert_int_eq(call("GET", path, ta, NULL, &r), 200);
  ck_assert_msg(strstr(r.body, p) && strstr(r.body, "Айгүл"), "%s", r.body);
  ck_assert_int_eq(call("GET", path, tb, NULL, &r), 403); /* another school */
  ck_assert_msg(!strstr(r.body, p), "%s", r.body);
  snprintf(path, sizeof(path), "/api/v1/school/requests/%ld/shares", r2); /* another request */
  ck_assert_int_eq(call("GET", path, ta, NULL, &r), 200);
  ck_assert_msg(!strstr(r.body, p), "%s", r.body);
  snprintf(path, sizeof(path), "/api/v1/school/requests/%ld/shares", rb); /* another school's */
  ck_assert_int_eq(call("GET", path, tb, NULL, &r), 200);
  ck_assert_msg(!strstr(r.body, p), "%s", r.body);
  /* Sharing again (no name) replaces the row; "Tell me more" keeps it, "Not this time" later
   * takes the number back. */
  {
    static const char *const skip[] = {"1", "1", "0"};
    answer(p, "2", skip, 3, &r);
    ck_assert_int_eq(shares(r1, hp, "AND first_name = ''"), 1);
    answer(p, "2", more, 1, &r); /* asking for details is not a no */
    ck_assert_int_eq(shares(r1, hp, ""), 1);
    answer(p, "2", not_now, 1, &r);
    ck_assert_int_eq(shares(r1, hp, ""), 0);
    ck_assert_int_eq(answers(r1, hp, "AND answer = 'not_now'"), 1);
  }
  /* So does an SMS reply "2" to r1 (now the latest delivered to P) after a share. */
  {
    static const char *const share[] = {"1", "1", "0"};
    answer(p, "2", share, 3, &r);
    ck_assert_int_eq(shares(r1, hp, ""), 1);
    snprintf(path, sizeof(path),
             "INSERT INTO school_deliveries (request_id, respondent, sent_at) VALUES (%ld,"
             " decode('%s', 'hex'), now() + interval '1 second')",
             r1, hp);
    it_exec(db, path);
    snprintf(path, sizeof(path), "/sms/kannel?id=it-school-ussd2-%s&from=%%2B%s&text=2", p + 1,
             p + 1);
    ck_assert_int_eq(it_get(&gw, path, &r), 0);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(answers(r1, hp, "AND answer = 'not_now' AND channel = 'sms'"), 1);
    ck_assert_int_eq(shares(r1, hp, ""), 0);
  }
  ck_assert_int_eq(it_server_stop(&gw), 0);
  PQfinish(db);
}
END_TEST

static Suite *it_school_ussd_suite(void)
{
  Suite *s = suite_create("it_school_ussd");
  TCase *tc = tcase_create("requests");

  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_requests_by_ussd);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  static const ag_check_suite_fn suites[] = {it_school_ussd_suite, NULL};

  curl_global_init(CURL_GLOBAL_DEFAULT);
  return ag_check_run(suites);
}
