/* it_freeze.c: the profile as of the session's start (issue 8). A session is replayed from its
 * inputs on every hop; a hop retried on another gateway process, or after a restart, must get
 * the screen it got the first time and store the same rows, whatever the session wrote since:
 * its SMS switch, the status and language of an attempt it resumed, a language chosen in the
 * menu, its answers. And a session is one phone's, on every process. */
#include "tests/it/it_harness.h"
#include "tests/support/ag_check.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEN(a)   (sizeof(a) / sizeof((a)[0]))
#define MAX_HOPS 24

static struct it_server srv, other; /* two gateways on one database */
static PGconn *db;

static void setup(void)
{
  it_up(&srv, &db, NULL);
  ck_assert_int_eq(it_server_start(&other, NULL), 0);
  ck_assert_int_eq(it_wait_health(&other, 200, 10000), 0);
}

static void teardown(void)
{
  ck_assert_int_eq(it_server_stop(&other), 0);
  it_down(&srv, db);
}

/* What the database holds of phone's respondent and of session, timestamps left out: every
 * answer (and whether this session gave it, at which hop), every attempt, the SMS switch, the
 * languages chosen, and the session's frozen profile. */
static void state_of(const char *phone, const char *session, char *out, size_t len)
{
  char resp[65];
  const char *p[2] = {resp, session};
  PGresult *res;

  it_respondent_hex(&srv, phone, resp);
  res = PQexecParams(
      db,
      "SELECT concat_ws(' | ',"
      " (SELECT string_agg(format('%s/%s/%s=%s/%s@%s', relation, attempt, question_id, option,"
      " language, CASE WHEN carrier_session_id = $2 THEN hop::text ELSE 'before' END), ' '"
      " ORDER BY id) FROM responses WHERE encode(respondent, 'hex') = $1),"
      " (SELECT string_agg(format('%s/%s:%s:%s', relation, attempt, status, language), ' '"
      " ORDER BY relation, attempt) FROM survey_progress WHERE encode(respondent, 'hex') = $1),"
      " (SELECT string_agg(format('sms:%s:%s:%s', active, language, band), ' ')"
      " FROM subscriptions WHERE encode(respondent, 'hex') = $1),"
      " (SELECT string_agg(format('lang:%s:%s', chosen_in LIKE '%:' || $2, language), ' '"
      " ORDER BY chosen_in LIKE '%:' || $2, language) FROM respondent_language"
      " WHERE encode(respondent, 'hex') = $1),"
      " (SELECT string_agg(profile::text, ' ') FROM session_profile"
      " WHERE carrier_session_id = $2))",
      2, NULL, p, NULL, NULL, 0);
  ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s", PQresultErrorMessage(res));
  snprintf(out, len, "%s", PQgetvalue(res, 0, 0));
  PQclear(res);
}

/* One session: its inputs and the replies the first gateway gave, hop by hop. */
struct played {
  char session[96];
  const char *phone;
  const char *const *inputs;
  size_t n;
  struct it_resp first[MAX_HOPS + 1];
};

/* The text of hop k (0: the dial, no input yet). */
static void path_of(const struct played *p, size_t k, char *out, size_t len)
{
  out[0] = '\0';
  for (size_t i = 0; i < k; i++) {
    size_t used = strlen(out);
    snprintf(out + used, len - used, "%s%s", i ? "*" : "", p->inputs[i]);
  }
}

/* Plays every hop of p on gw, recording the replies; each is 200. */
static void play(const struct it_server *gw, struct played *p, const char *tag)
{
  char path[256];

  ck_assert_uint_le(p->n, MAX_HOPS);
  it_session_id(p->session, sizeof(p->session), tag);
  for (size_t k = 0; k <= p->n; k++) {
    path_of(p, k, path, sizeof(path));
    ck_assert_int_eq(it_hop(gw, p->session, p->phone, path, &p->first[k]), 0);
    ck_assert_msg(p->first[k].status == 200, "hop '%s': %ld", path, p->first[k].status);
  }
}

/* The carrier retries every hop of p on gw, which never served the session (or forgot it in a
 * restart): every reply is the first one, byte for byte, and the database is as it was. */
static void retry_all(const struct it_server *gw, const struct played *p, const char *where)
{
  char path[256], before[4096], after[4096];
  struct it_resp r;

  state_of(p->phone, p->session, before, sizeof(before));
  for (size_t k = 0; k <= p->n; k++) {
    path_of(p, k, path, sizeof(path));
    ck_assert_int_eq(it_hop(gw, p->session, p->phone, path, &r), 0);
    ck_assert_msg(r.status == p->first[k].status && strcmp(r.body, p->first[k].body) == 0 &&
                      strcmp(r.ctype, p->first[k].ctype) == 0,
                  "hop '%s' retried %s: %ld '%s', first %ld '%s'", path, where, r.status, r.body,
                  p->first[k].status, p->first[k].body);
  }
  state_of(p->phone, p->session, after, sizeof(after));
  ck_assert_str_eq(after, before);
}

/* A new caller chooses English, then switches SMS tips on from the menu (an END screen). A
 * profile read after it knew the language from the subscription: no language menu, and the
 * retried "SMS on" got a tip. */
START_TEST(test_it_freeze_sms_from_menu)
{
  static const char *const in[] = {"3", "4", "1"};
  char phone[16];
  struct played p = {.phone = phone, .inputs = in, .n = LEN(in)};

  it_fresh_phone(phone);
  play(&srv, &p, "fz-smsmenu");
  ck_assert_msg(strstr(p.first[3].body, "SMS tips are on") != NULL, "%s", p.first[3].body);
  retry_all(&other, &p, "on the other process");
}
END_TEST

/* A new caller in Kazakh answers the whole survey and says yes to SMS tips with the last
 * answer. A profile read after it skipped the language menu: every input shifted by one, the
 * retried last hop was refused ("not saved") with a garbage answer on its key. */
START_TEST(test_it_freeze_sms_by_survey)
{
  static const char *const in[] = {"1", "1", "1", "1", "1", "1", "1", "2", "12", "1",
                                   "1", "1", "1", "1", "1", "1", "1", "1", "1",  "1"};
  char phone[16];
  struct played p = {.phone = phone, .inputs = in, .n = LEN(in)};

  it_fresh_phone(phone);
  play(&srv, &p, "fz-smssurvey");
  ck_assert_msg(strncmp(p.first[LEN(in)].body, "END ", 4) == 0, "%s", p.first[LEN(in)].body);
  retry_all(&other, &p, "on the other process");
}
END_TEST

/* The first session: English, the survey, start (version 4's opening screen), mother, through
 * L2; then the network drops it. */
static void drop_after_l2(const char *phone)
{
  static const char *const in[] = {"3", "1", "1", "1", "1", "1", "1", "2", "12", "1", "2"};
  char session[96];
  struct it_resp r;

  it_session_id(session, sizeof(session), "fz-drop");
  ck_assert_int_eq(it_play(&srv, session, phone, in, LEN(in), &r), 0);
}

/* The second session resumes the attempt and finishes it: the attempt another session opened
 * is now done. A profile read after it offered no resume: "Continue" opened attempt 2, and the
 * last hop got the wrong screen. Also after a restart of the gateway that served it. */
START_TEST(test_it_freeze_resumed_attempt_done)
{
  static const char *const in[] = {"1", "1", "1", "1", "1", "1", "1",
                                   "1", "1", "1", "1", "1", "2"}; /* survey, start, mother, ... */
  char phone[16];
  struct played p = {.phone = phone, .inputs = in, .n = LEN(in)};
  struct it_server gw; /* the test's own, to restart (each test runs in a child process) */

  it_fresh_phone(phone);
  drop_after_l2(phone);
  ck_assert_int_eq(it_server_start(&gw, NULL), 0);
  ck_assert_int_eq(it_wait_health(&gw, 200, 10000), 0);
  play(&gw, &p, "fz-done");
  ck_assert_msg(strstr(p.first[3].body, "Continue") != NULL, "%s", p.first[3].body);
  ck_assert_msg(strncmp(p.first[LEN(in)].body, "END Thank you", 13) == 0, "%s",
                p.first[LEN(in)].body);
  retry_all(&other, &p, "on the other process");
  ck_assert_int_eq(it_server_stop(&gw), 0);
  ck_assert_int_eq(it_server_start(&gw, NULL), 0);
  ck_assert_int_eq(it_wait_health(&gw, 200, 10000), 0);
  retry_all(&gw, &p, "after a restart");
  ck_assert_int_eq(it_server_stop(&gw), 0);
}
END_TEST

/* The second session switches to Russian in the menu, then resumes the English attempt, which
 * takes the session's language. A profile read after it started the session in Russian: its
 * first screens came back in another language. */
START_TEST(test_it_freeze_resumed_attempt_language)
{
  static const char *const in[] = {"5", "2", "1", "1", "1", "1", "1", "1"}; /* ..., survey, start */
  char phone[16];
  struct played p = {.phone = phone, .inputs = in, .n = LEN(in)};

  it_fresh_phone(phone);
  drop_after_l2(phone);
  play(&srv, &p, "fz-lang-att");
  ck_assert_msg(strstr(p.first[0].body, "Parent survey") != NULL, "%s", p.first[0].body);
  ck_assert_msg(strstr(p.first[5].body, "Продолжить") != NULL, "%s", p.first[5].body);
  retry_all(&other, &p, "on the other process");
}
END_TEST

/* Languages chosen in the menu: by a new caller (the first-visit menu), then from the main menu
 * by a caller whose language was known. */
START_TEST(test_it_freeze_language_menu)
{
  static const char *const first[] = {"2", "4", "0", "5", "3"};
  static const char *const known[] = {"5", "1", "5", "3", "2", "2"};
  char phone[16];
  struct played p = {.phone = phone, .inputs = first, .n = LEN(first)};
  struct played q = {.phone = phone, .inputs = known, .n = LEN(known)};

  it_fresh_phone(phone);
  play(&srv, &p, "fz-lang1");
  retry_all(&other, &p, "on the other process");
  play(&srv, &q, "fz-lang2");
  ck_assert_msg(strstr(q.first[0].body, "Parent survey") != NULL, "%s", q.first[0].body);
  retry_all(&other, &q, "on the other process");
}
END_TEST

/* Answers of a new attempt, stopped half-way. */
START_TEST(test_it_freeze_answers)
{
  static const char *const in[] = {"2", "1", "1", "2", "1", "1", "2", "3", "0", "1", "2"};
  char phone[16];
  struct played p = {.phone = phone, .inputs = in, .n = LEN(in)};

  it_fresh_phone(phone);
  play(&srv, &p, "fz-answers");
  retry_all(&other, &p, "on the other process");
}
END_TEST

/* A live session, started on the first process, gets a hop from another number on the second:
 * refused with 400 as on the first process, nothing stored for that number; the session's own
 * caller goes on on the second process. */
START_TEST(test_it_freeze_other_phone_refused)
{
  static const char *const in[] = {"3", "1", "1", "1"}; /* English, survey, start, mother */
  char a[16], b[16], hex_b[65], sql[1200];
  struct played p = {.phone = a, .inputs = in, .n = LEN(in)};
  struct it_resp r;

  it_fresh_phone(a);
  do
    it_fresh_phone(b);
  while (strcmp(a, b) == 0);
  play(&srv, &p, "fz-intruder");
  for (size_t k = 0; k < 3; k++) {
    static const char *const paths[] = {"", "3*1*1*1", "3*1*1*1*1"};
    ck_assert_int_eq(it_hop(&other, p.session, b, paths[k], &r), 0);
    ck_assert_int_eq(r.status, 400);
    ck_assert_str_eq(r.body, "phoneNumber does not match the session\n");
  }
  it_respondent_hex(&srv, b, hex_b);
  snprintf(sql, sizeof(sql),
           "SELECT (SELECT count(*) FROM responses WHERE encode(respondent, 'hex') = '%s')"
           " + (SELECT count(*) FROM survey_progress WHERE encode(respondent, 'hex') = '%s')"
           " + (SELECT count(*) FROM respondent_language WHERE encode(respondent, 'hex') = '%s')"
           " + (SELECT count(*) FROM subscriptions WHERE encode(respondent, 'hex') = '%s')"
           " + (SELECT count(*) FROM session_profile WHERE encode(respondent, 'hex') = '%s')",
           hex_b, hex_b, hex_b, hex_b, hex_b);
  ck_assert_int_eq(it_count(db, sql), 0);
  /* The session's own caller, on the second process: the screen of the first, and on. */
  retry_all(&other, &p, "on the other process after the other number");
  ck_assert_int_eq(it_hop(&other, p.session, a, "3*1*1*1*1", &r), 0);
  ck_assert_int_eq(r.status, 200);
  ck_assert_msg(strncmp(r.body, "CON ", 4) == 0, "%s", r.body);
  /* The first process, which knows the session, still refuses the other number too. */
  ck_assert_int_eq(it_hop(&srv, p.session, b, "3*1*1*1*1", &r), 0);
  ck_assert_int_eq(r.status, 400);
}
END_TEST

static Suite *it_freeze_suite(void)
{
  Suite *s = suite_create("it_freeze");
  TCase *tc = tcase_create("freeze");

  tcase_add_unchecked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_it_freeze_sms_from_menu);
  tcase_add_test(tc, test_it_freeze_sms_by_survey);
  tcase_add_test(tc, test_it_freeze_resumed_attempt_done);
  tcase_add_test(tc, test_it_freeze_resumed_attempt_language);
  tcase_add_test(tc, test_it_freeze_language_menu);
  tcase_add_test(tc, test_it_freeze_answers);
  tcase_add_test(tc, test_it_freeze_other_phone_refused);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(it_freeze_suite)
