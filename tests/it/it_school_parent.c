/* it_school_parent.c: the parent's side of issue 13 over the real USSD path and PostgreSQL. A
 * survey answer naming a school the district has links the parent to it in the answer's own
 * transaction (migration 0020); a number no school of the district has, or a skipped
 * question, links nothing. The main menu's "My child's school" links by region, district and
 * number, and removes the links; its consent question keeps the number in school_contacts while
 * consent stands; a STOP by SMS (the kannel MO path) ends the school's messages with the tips
 * unless the parent chose "Only the tips". */
#include "lib/ag.h"
#include "tests/it/it_harness.h"
#include "tests/support/ag_check.h"

#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

static struct it_server gw;

/* Plays the survey up to its school question answered with school, then one more hop (L1
 * yes), and returns how many live survey links the caller has to Aktobe city's school
 * number want_number (0: to any school). */
static long survey_links(PGconn *db, const char *school, int want_number)
{
  /* English, the survey, Start, mother, Aktobe, Aktobe city, grade 1-4, school, L1 yes. */
  const char *const inputs[] = {"3", "1", "1", "1", "3", "2", "2", school, "1"};
  char sid[64], phone[16], hex[65], sql[768];
  struct it_resp r;

  it_session_id(sid, sizeof(sid), "school");
  it_fresh_phone(phone);
  ck_assert_int_eq(it_play(&gw, sid, phone, inputs, AG_ARRAY_LEN(inputs), &r), 0);
  it_respondent_hex(&gw, phone, hex);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM school_links l JOIN schools s ON s.id = l.school_id"
           " WHERE l.respondent = decode('%s', 'hex') AND l.relation = 'mother'"
           " AND l.channel = 'survey' AND l.unlinked_at IS NULL"
           " AND (%d = 0 OR (s.district_code = 'aktobe-aktobe-city' AND s.number = %d))",
           hex, want_number, want_number);
  return it_count(db, sql);
}

START_TEST(test_survey_answer_links)
{
  PGconn *db = it_db();

  ck_assert_ptr_nonnull(db);
  ck_assert_int_eq(it_server_start(&gw, "log_level = warn\n"), 0);
  ck_assert_int_eq(it_wait_health(&gw, 200, 10000), 0);
  ck_assert_int_eq(survey_links(db, "5", 5), 1);
  ck_assert_int_eq(survey_links(db, "9876", 0), 0); /* no such school in the district */
  ck_assert_int_eq(survey_links(db, "0", 0), 0);    /* skipped */
  ck_assert_int_eq(it_server_stop(&gw), 0);
  PQfinish(db);
}
END_TEST

/* Live links of phone's mother, to Aktobe city's school number (0: to any school), made by
 * channel. */
static long links_of(PGconn *db, const char *phone, const char *channel, int number)
{
  char hex[65], sql[768];

  it_respondent_hex(&gw, phone, hex);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM school_links l JOIN schools s ON s.id = l.school_id"
           " WHERE l.respondent = decode('%s', 'hex') AND l.relation = 'mother'"
           " AND l.channel = '%s' AND l.unlinked_at IS NULL"
           " AND (%d = 0 OR (s.district_code = 'aktobe-aktobe-city' AND s.number = %d))",
           hex, channel, number, number);
  return it_count(db, sql);
}

START_TEST(test_menu_links_and_removes)
{
  /* English, My child's school, mother, Name the school, Aktobe, Aktobe city, number 7, no
   * messages. */
  static const char *const add[] = {"3", "6", "1", "1", "3", "2", "7", "2"};
  /* (language known now) My child's school, mother, Remove the school. */
  static const char *const rm[] = {"6", "1", "3"};
  PGconn *db = it_db();
  char sid[64], phone[16];
  struct it_resp r;

  ck_assert_ptr_nonnull(db);
  ck_assert_int_eq(it_server_start(&gw, "log_level = warn\n"), 0);
  ck_assert_int_eq(it_wait_health(&gw, 200, 10000), 0);
  it_fresh_phone(phone);
  it_session_id(sid, sizeof(sid), "link");
  ck_assert_int_eq(it_play(&gw, sid, phone, add, AG_ARRAY_LEN(add), &r), 0);
  ck_assert_msg(strncmp(r.body, "END Thank you! If the school is on our list", 43) == 0, "%s",
                r.body);
  ck_assert_int_eq(links_of(db, phone, "ussd", 7), 1);
  it_session_id(sid, sizeof(sid), "unlink");
  ck_assert_int_eq(it_play(&gw, sid, phone, rm, AG_ARRAY_LEN(rm), &r), 0);
  ck_assert_msg(strncmp(r.body, "END Done.", 9) == 0, "%s", r.body);
  ck_assert_int_eq(links_of(db, phone, "ussd", 0), 0);
  /* The row stays, undone; the school_link answers count in no rollup. */
  ck_assert_int_eq(it_count(db, "SELECT count(*) FROM rollup_answers WHERE survey_id ="
                                " 'school_link'"),
                   0);
  ck_assert_int_eq(it_server_stop(&gw), 0);
  PQfinish(db);
}
END_TEST

/* A gateway with an SMS link (its sendsms URL a port nobody listens on: nothing here is about
 * sending) so that /sms/kannel takes parents' messages. */
static void start_with_sms(void)
{
  char conf[768];

  snprintf(conf, sizeof(conf),
           "log_level = warn\n[carrier.at]\ndialect = at\n[carrier.kannel]\ndialect = kannel\n"
           "sms_url = http://127.0.0.1:%d/cgi-bin/sendsms\nsms_user = gw\nsms_password = x\n"
           "sms_callback_url = http://127.0.0.1:@PORT@\n",
           it_free_port());
  ck_assert_int_eq(it_server_start(&gw, conf), 0);
  ck_assert_int_eq(it_wait_health(&gw, 200, 10000), 0);
  it_wait_sms_db(&gw); /* an inbound SMS before it is up gets 503 */
}

static long q(PGconn *db, const char *fmt, const char *hex)
{
  char sql[512];

  snprintf(sql, sizeof(sql), fmt, hex);
  return it_count(db, sql);
}

/* Links with consent (stop: 1 STOP ends all, 2 only the tips), then sends STOP by SMS; returns
 * whether the number is still kept for the school. */
static long consent_then_stop(PGconn *db, const char *stop, const char *tag)
{
  /* English, My child's school, mother, Name the school, Aktobe, Aktobe city, 7, Yes, stop. */
  const char *const in[] = {"3", "6", "1", "1", "3", "2", "7", "1", stop};
  char sid[64], phone[16], hex[65], path[256];
  struct it_resp r;

  it_fresh_phone(phone);
  it_session_id(sid, sizeof(sid), tag);
  ck_assert_int_eq(it_play(&gw, sid, phone, in, AG_ARRAY_LEN(in), &r), 0);
  ck_assert_msg(strncmp(r.body, "END Thank you!", 14) == 0, "%s", r.body);
  it_respondent_hex(&gw, phone, hex);
  ck_assert_int_eq(q(db,
                     "SELECT count(*) FROM school_consents WHERE respondent = decode('%s',"
                     " 'hex') AND granted AND channel = 'ussd' AND relation = 'mother'"
                     " AND language = 'en'",
                     hex),
                   1);
  ck_assert_int_eq(q(db,
                     "SELECT count(*) FROM school_contacts WHERE respondent = decode('%s',"
                     " 'hex') AND language = 'en'",
                     hex),
                   1);
  snprintf(path, sizeof(path), "/sms/kannel?id=it-school-%s&from=%%2B%s&text=STOP", sid, phone + 1);
  ck_assert_int_eq(it_get(&gw, path, &r), 0);
  ck_assert_int_eq(r.status, 200);
  /* The confirmation says what STOP ended. */
  ck_assert_int_eq(q(db,
                     strcmp(stop, "1") == 0
                         ? "SELECT count(*) FROM outbox WHERE respondent = decode('%s', 'hex')"
                           " AND kind = 'off' AND body LIKE 'Tips and school messages are off%%'"
                         : "SELECT count(*) FROM outbox WHERE respondent = decode('%s', 'hex')"
                           " AND kind = 'off' AND body LIKE 'SMS tips are off%%'",
                     hex),
                   1);
  return q(db, "SELECT count(*) FROM school_contacts WHERE respondent = decode('%s', 'hex')", hex);
}

START_TEST(test_consent_and_stop)
{
  /* English, My child's school, mother, Name the school, Aktobe, Aktobe city, 8, No. */
  static const char *const no[] = {"3", "6", "1", "1", "3", "2", "8", "2"};
  PGconn *db = it_db();
  char sid[64], phone[16], hex[65];
  struct it_resp r;

  ck_assert_ptr_nonnull(db);
  start_with_sms();
  /* STOP ends the school's messages too (the default), with a history row on the SMS channel. */
  ck_assert_int_eq(consent_then_stop(db, "1", "stopall"), 0);
  /* "Only the tips": the number stays for the school. */
  ck_assert_int_eq(consent_then_stop(db, "2", "stoptips"), 1);
  /* No: no number, a history row saying no; the link is made all the same. */
  it_fresh_phone(phone);
  it_session_id(sid, sizeof(sid), "noconsent");
  ck_assert_int_eq(it_play(&gw, sid, phone, no, AG_ARRAY_LEN(no), &r), 0);
  ck_assert_msg(strncmp(r.body, "END Thank you!", 14) == 0, "%s", r.body);
  it_respondent_hex(&gw, phone, hex);
  ck_assert_int_eq(q(db,
                     "SELECT count(*) FROM school_contacts WHERE respondent = decode('%s',"
                     " 'hex')",
                     hex),
                   0);
  ck_assert_int_eq(q(db,
                     "SELECT count(*) FROM school_consents WHERE respondent = decode('%s',"
                     " 'hex') AND NOT granted",
                     hex),
                   1);
  ck_assert_int_eq(links_of(db, phone, "ussd", 8), 1);
  ck_assert_int_eq(it_server_stop(&gw), 0);
  PQfinish(db);
}
END_TEST

/* A number kept for the school under an older respondent key (the secret rotated, decision 81):
 * consenting again under the current key moves the number to it (the unique index on the
 * number once failed the hop, so the parent could never consent again), and a "no" under the
 * current key withdraws the old key's number and its queued message too. */
START_TEST(test_consent_rekeyed_number)
{
  /* English, My child's school, mother, Name the school, Aktobe, Aktobe city, 7, then yes/no. */
  const char *in[] = {"3", "6", "1", "1", "3", "2", "7", "1", "2"};
  const char *old = "decode(md5('old' || '%s') || md5('key' || '%s'), 'hex')";
  PGconn *db = it_db();
  char sid[64], phone[16], hex[65], sql[900], cond[160];
  struct it_resp r;

  ck_assert_ptr_nonnull(db);
  start_with_sms();
  for (int round = 0; round < 2; round++) {
    it_fresh_phone(phone);
    snprintf(cond, sizeof(cond), old, phone, phone);
    snprintf(sql, sizeof(sql),
             "INSERT INTO school_contacts (respondent, msisdn, language) VALUES (%s, '%s', 'ru');"
             "INSERT INTO outbox (link, kind, respondent, msisdn, body, parts, due_at,"
             " next_attempt_at) VALUES ('kannel', 'school', %s, '%s', 'x', 1,"
             " now() + interval '1 hour', now() + interval '1 hour')",
             cond, phone, cond, phone);
    it_exec(db, sql);
    in[7] = round == 0 ? "1" : "2"; /* yes (then "only the tips"), or no */
    it_session_id(sid, sizeof(sid), round == 0 ? "rekeyyes" : "rekeyno");
    ck_assert_int_eq(it_play(&gw, sid, phone, in, AG_ARRAY_LEN(in) - (size_t)round, &r), 0);
    ck_assert_msg(strncmp(r.body, "END Thank you!", 14) == 0, "%s", r.body);
    it_respondent_hex(&gw, phone, hex);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM school_contacts WHERE msisdn = '%s'", phone);
    ck_assert_int_eq(it_count(db, sql), round == 0 ? 1 : 0);
    ck_assert_int_eq(q(db,
                       "SELECT count(*) FROM school_contacts WHERE respondent = decode('%s',"
                       " 'hex') AND language = 'en'",
                       hex),
                     round == 0 ? 1 : 0);
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM outbox WHERE kind = 'school' AND state = 'failed' AND"
             " respondent = %s",
             cond);
    ck_assert_int_eq(it_count(db, sql), round == 0 ? 0 : 1);
  }
  ck_assert_int_eq(it_server_stop(&gw), 0);
  PQfinish(db);
}
END_TEST

/* The parent's list of offers, sorted, joined by ','. */
static void offers_of(PGconn *db, const char *phone, char *out, size_t len)
{
  char hex[65], sql[512];
  PGresult *res;

  it_respondent_hex(&gw, phone, hex);
  snprintf(sql, sizeof(sql),
           "SELECT coalesce(string_agg(category, ',' ORDER BY category), '') FROM school_offers"
           " WHERE respondent = decode('%s', 'hex') AND relation = 'mother'",
           hex);
  res = PQexec(db, sql);
  ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
  snprintf(out, len, "%s", PQgetvalue(res, 0, 0));
  PQclear(res);
}

/* Knowledge funds: several categories, added to later, or replaced by a new list. */
START_TEST(test_offers)
{
  /* English, My child's school, mother, What I can offer, Add, A craft, Cooking, Nothing more. */
  static const char *const add[] = {"3", "6", "1", "2", "1", "2", "7", "9"};
  /* Later: Add, Cooking again (kept once), Nothing more. */
  static const char *const more[] = {"6", "1", "2", "1", "7", "9"};
  /* Later: a new list, Sport, Nothing more. */
  static const char *const renew[] = {"6", "1", "2", "2", "3", "9"};
  PGconn *db = it_db();
  char sid[64], phone[16], got[256];
  struct it_resp r;

  ck_assert_ptr_nonnull(db);
  ck_assert_int_eq(it_server_start(&gw, "log_level = warn\n"), 0);
  ck_assert_int_eq(it_wait_health(&gw, 200, 10000), 0);
  it_fresh_phone(phone);
  it_session_id(sid, sizeof(sid), "offer");
  ck_assert_int_eq(it_play(&gw, sid, phone, add, AG_ARRAY_LEN(add), &r), 0);
  ck_assert_msg(strncmp(r.body, "END Thank you! The school sees only how many", 44) == 0, "%s",
                r.body);
  offers_of(db, phone, got, sizeof(got));
  ck_assert_str_eq(got, "cooking,craft");
  it_session_id(sid, sizeof(sid), "offer2");
  ck_assert_int_eq(it_play(&gw, sid, phone, more, AG_ARRAY_LEN(more), &r), 0);
  offers_of(db, phone, got, sizeof(got));
  ck_assert_str_eq(got, "cooking,craft");
  it_session_id(sid, sizeof(sid), "offer3");
  ck_assert_int_eq(it_play(&gw, sid, phone, renew, AG_ARRAY_LEN(renew), &r), 0);
  offers_of(db, phone, got, sizeof(got));
  ck_assert_str_eq(got, "sport");
  ck_assert_int_eq(it_server_stop(&gw), 0);
  PQfinish(db);
}
END_TEST

/* Sends text by SMS from phone (the kannel MO path) with message id id. */
static void mo(const char *phone, const char *id, const char *text)
{
  char path[512];
  struct it_resp r;

  snprintf(path, sizeof(path), "/sms/kannel?id=%s&from=%%2B%s&text=%s", id, phone + 1, text);
  ck_assert_int_eq(it_get(&gw, path, &r), 0);
  ck_assert_int_eq(r.status, 200);
}

/* An SMS reply answers the latest open request delivered to the number, once per phone with a
 * USSD answer; a reply to nothing, or to a closed request, answers nothing and gets no SMS. */
START_TEST(test_sms_reply)
{
  PGconn *db = it_db();
  char phone[16], other[16], hex[65], ohex[65], sql[1024], id[64];

  ck_assert_ptr_nonnull(db);
  start_with_sms();
  it_fresh_phone(phone);
  it_fresh_phone(other);
  it_respondent_hex(&gw, phone, hex);
  it_respondent_hex(&gw, other, ohex);
  /* Two requests sent to phone (the older one first), a closed one sent later; none to other.
   * The school's side writes these; here SQL does. */
  snprintf(sql, sizeof(sql),
           "WITH s AS (SELECT id FROM schools WHERE district_code = 'aktobe-aktobe-city'"
           " AND number = 7), r AS (INSERT INTO school_requests (school_id, kind, text_ru,"
           " closes_at, closed_at) SELECT s.id, k.kind, 'it_school ' || k.kind, now() + interval"
           " '7 days', CASE WHEN k.kind = 'other' THEN now() END FROM s, (VALUES ('talk', 1),"
           " ('repair', 2), ('other', 3)) AS k(kind, o) RETURNING id, kind)"
           " INSERT INTO school_deliveries (request_id, respondent, sent_at) SELECT r.id,"
           " decode('%s', 'hex'), now() - CASE r.kind WHEN 'talk' THEN interval '2 hours'"
           " WHEN 'repair' THEN interval '1 hour' ELSE interval '1 minute' END FROM r",
           hex);
  it_exec(db, sql);
  /* A USSD answer of the same phone to the newer open request (the repair). */
  snprintf(sql, sizeof(sql),
           "INSERT INTO school_answers (request_id, respondent, relation, answer, channel)"
           " SELECT d.request_id, d.respondent, 'mother', 'more', 'ussd' FROM school_deliveries d"
           " JOIN school_requests r ON r.id = d.request_id WHERE d.respondent = decode('%s',"
           " 'hex') AND r.kind = 'repair'",
           hex);
  it_exec(db, sql);
  snprintf(id, sizeof(id), "it-school-reply-%s", phone + 1);
  mo(phone, id, "%D0%B4%D0%B0"); /* да */
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM school_answers a JOIN school_requests r ON r.id = a.request_id"
           " WHERE a.respondent = decode('%s', 'hex') AND r.kind = 'repair' AND a.answer = 'help'"
           " AND a.channel = 'sms' AND a.relation = ''",
           hex);
  ck_assert_int_eq(it_count(db, sql), 1);
  /* Counted once: one answer of the phone in all, the USSD one replaced. */
  ck_assert_int_eq(q(db,
                     "SELECT count(*) FROM school_answers WHERE respondent = decode('%s',"
                     " 'hex')",
                     hex),
                   1);
  /* Kannel retrying the same message changes nothing; a newer reply replaces the answer. */
  mo(phone, id, "2");
  ck_assert_int_eq(it_count(db, sql), 1);
  snprintf(id, sizeof(id), "it-school-reply2-%s", phone + 1);
  mo(phone, id, "+2+");
  ck_assert_int_eq(q(db,
                     "SELECT count(*) FROM school_answers WHERE respondent = decode('%s',"
                     " 'hex') AND answer = 'not_now'",
                     hex),
                   1);
  /* A reply to nothing: no answer, no SMS back. */
  snprintf(id, sizeof(id), "it-school-reply3-%s", other + 1);
  mo(other, id, "1");
  ck_assert_int_eq(q(db,
                     "SELECT count(*) FROM school_answers WHERE respondent = decode('%s',"
                     " 'hex')",
                     ohex),
                   0);
  ck_assert_int_eq(
      q(db, "SELECT count(*) FROM outbox WHERE respondent = decode('%s', 'hex')", ohex), 0);
  ck_assert_int_eq(q(db,
                     "SELECT count(*) FROM sms_inbox WHERE message_id LIKE"
                     " 'it-school-reply%%' AND verdict = 'help' AND message_id LIKE '%%'"
                     " || '%s'",
                     other + 1),
                   1);
  ck_assert_int_eq(it_server_stop(&gw), 0);
  PQfinish(db);
}
END_TEST

static Suite *it_school_suite(void)
{
  Suite *s = suite_create("it_school");
  TCase *tc = tcase_create("parent");

  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_survey_answer_links);
  tcase_add_test(tc, test_menu_links_and_removes);
  tcase_add_test(tc, test_consent_and_stop);
  tcase_add_test(tc, test_consent_rekeyed_number);
  tcase_add_test(tc, test_offers);
  tcase_add_test(tc, test_sms_reply);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  static const ag_check_suite_fn suites[] = {it_school_suite, NULL};

  curl_global_init(CURL_GLOBAL_DEFAULT);
  return ag_check_run(suites);
}
