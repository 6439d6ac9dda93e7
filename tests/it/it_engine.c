/* it_engine.c: what a parent lives through across sessions, against the real gateway: resume
 * after a dropped session without asking twice, two people on one phone, timeouts, the
 * carrier's end notification, a content reload under a live session, tips and SMS switching. */
#include "tests/it/it_harness.h"
#include "tests/support/ag_check.h"

#include <check.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static struct it_server srv;
static PGconn *db;
static char content_copy[128];

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static void start(const char *extra)
{
  it_up(&srv, &db, extra);
}

static void stop(void)
{
  it_down(&srv, db);
}

static void setup(void)
{
  start(NULL);
}

/* Short timers, so that the timeouts can be seen in a test. */
static void setup_timers(void)
{
  start("session_idle_timeout_ms = 1000\nsession_max_ms = 2500\n");
}

/* A copy of content/ that the reload test edits. */
static void setup_copy(void)
{
  char cmd[512], conf[256];

  snprintf(content_copy, sizeof(content_copy), "/tmp/aulgate-content-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(content_copy));
  snprintf(cmd, sizeof(cmd), "cp '%s/content/'*.json '%s/'",
           getenv("AULGATE_ROOT") ? getenv("AULGATE_ROOT") : ".", content_copy);
  ck_assert_int_eq(system(cmd), 0);
  snprintf(conf, sizeof(conf), "content_dir = %s\n", content_copy);
  start(conf);
}

static void teardown_copy(void)
{
  char cmd[256];

  stop();
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", content_copy);
  if (system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", content_copy);
}

/* A number from /healthz, e.g. "content_generation". */
static long health_number(const char *key)
{
  return it_health_number(&srv, key);
}

/* Sends SIGHUP and waits (up to 10 s) until /healthz shows `key` moved past `before`. */
static void reload_and_wait(const char *key)
{
  long before = health_number(key);

  ck_assert_int_eq(kill(srv.pid, SIGHUP), 0);
  for (int i = 0; i < 100 && health_number(key) == before; i++)
    usleep(100000);
  ck_assert_msg(health_number(key) != before, "SIGHUP did not move %s", key);
}

/* Answers (question -> option) of one session, in hop order, as "q=v q=v". */
static void answers_of(const char *session, char *out, size_t len)
{
  PGresult *res = it_rows(db, session);

  out[0] = '\0';
  for (int i = 0; i < PQntuples(res); i++) {
    size_t n = strlen(out);
    snprintf(out + n, len - n, "%s%s=%s", i ? " " : "", PQgetvalue(res, i, 0),
             PQgetvalue(res, i, 1));
  }
  PQclear(res);
}

/* How many rows a respondent has for a question, in all sessions. */
static int count_answers(const char *phone, const char *relation, const char *question)
{
  char resp[65];
  const char *p[3] = {resp, relation, question};
  PGresult *res;
  int n;

  it_respondent_hex(&srv, phone, resp);
  res = PQexecParams(db,
                     "SELECT count(*) FROM responses WHERE encode(respondent, 'hex') = $1"
                     " AND relation = $2 AND question_id = $3",
                     3, NULL, p, NULL, NULL, 0);
  n = atoi(PQgetvalue(res, 0, 0));
  PQclear(res);
  return n;
}

/* First session: English, survey, start (the opening screen of version 4), mother, through L2,
 * then the network drops it. */
static void drop_after_l2(const char *phone)
{
  static const char *const in[] = {"3", "1", "1", "1", "1", "1", "1", "2", "12", "1", "2"};
  char session[96];
  struct it_resp r;

  it_session_id(session, sizeof(session), "drop");
  ck_assert_int_eq(it_play(&srv, session, phone, in, LEN(in), &r), 0);
  /* The screen it drops on is L3's, so L1 and L2 are the answers a resume must not ask again. */
  ck_assert_msg(strstr(r.body, "ideas") != NULL, "expected L3 after L2, got: %s", r.body);
  ck_assert_int_eq(count_answers(phone, "mother", "L1"), 1);
  ck_assert_int_eq(count_answers(phone, "mother", "L2"), 1);
  ck_assert_int_eq(count_answers(phone, "mother", "L3"), 0);
}

START_TEST(test_it_resume_never_asks_twice)
{
  /* Second session: the language is remembered (no language menu), the survey offers to
   * continue, and continuing goes straight to L3. */
  static const char *const in[] = {"1", "1", "1", "1"}; /* survey, start, mother, continue */
  static const char *const rest[] = {"1", "1", "1", "1", "1", "1", "1", "1", "2"};
  char phone[16], session[96], got[2048], path[256];
  struct it_resp r;

  it_fresh_phone(phone);
  drop_after_l2(phone);
  it_session_id(session, sizeof(session), "resume");
  ck_assert_int_eq(it_hop(&srv, session, phone, "", &r), 0);
  ck_assert_msg(strstr(r.body, "Parent survey") != NULL, "main menu in English: %s", r.body);
  ck_assert_int_eq(it_play(&srv, session, phone, in, 3, &r), 0);
  ck_assert_msg(strstr(r.body, "Continue") && strstr(r.body, "Start over"), "%s", r.body);
  ck_assert_int_eq(it_play(&srv, session, phone, in, 4, &r), 0);
  /* The next question is L3: nothing answered before comes again. */
  ck_assert_msg(strstr(r.body, "ideas") != NULL, "expected L3, got: %s", r.body);
  strcpy(path, "1*1*1*1");
  for (size_t i = 0; i < LEN(rest); i++) {
    strcat(path, "*");
    strcat(path, rest[i]);
    ck_assert_int_eq(it_hop(&srv, session, phone, path, &r), 0);
  }
  ck_assert_msg(strncmp(r.body, "END ", 4) == 0, "%s", r.body);
  answers_of(session, got, sizeof(got));
  ck_assert_str_eq(got, "L3=yes L4=yes T1=yes T2=yes T3=yes T4=yes T5=yes barrier=unprepared "
                        "subscribe=no");
  ck_assert_int_eq(count_answers(phone, "mother", "L1"), 1);
  ck_assert_int_eq(count_answers(phone, "mother", "L3"), 1);
}
END_TEST

/* Progress of survey version 3 (an unfinished attempt, as the gateway stored it before version
 * 4; here a version 4 attempt relabelled by SQL) meets version 4: no offer to continue it, a new
 * attempt from the first question, stored as version 4 beside the untouched version 3 rows. */
START_TEST(test_it_version_3_progress_not_resumed)
{
  static const char *const in[] = {"1", "1", "1"}; /* survey, start, mother */
  char phone[16], session[96], resp[65], sql[512];
  const char *p[1] = {resp};
  struct it_resp r;
  PGresult *res;

  it_fresh_phone(phone);
  drop_after_l2(phone);
  it_respondent_hex(&srv, phone, resp);
  snprintf(sql, sizeof(sql),
           "UPDATE survey_progress SET survey_version = 3 WHERE encode(respondent, 'hex') = '%s'",
           resp);
  PQclear(PQexec(db, sql));
  snprintf(sql, sizeof(sql),
           "UPDATE responses SET survey_version = 3 WHERE encode(respondent, 'hex') = '%s'", resp);
  PQclear(PQexec(db, sql));
  it_session_id(session, sizeof(session), "v3");
  ck_assert_int_eq(it_play(&srv, session, phone, in, LEN(in), &r), 0);
  ck_assert_msg(strstr(r.body, "Continue") == NULL, "version 3 offered: %s", r.body);
  ck_assert_msg(strstr(r.body, "Which region") != NULL, "the region first: %s", r.body);
  res = PQexecParams(db,
                     "SELECT string_agg(attempt::text || status || survey_version, ','"
                     " ORDER BY attempt) FROM survey_progress WHERE encode(respondent, 'hex') = $1",
                     1, NULL, p, NULL, NULL, 0);
  ck_assert_str_eq(PQgetvalue(res, 0, 0), "1open3,2open4");
  PQclear(res);
  ck_assert_int_eq(count_answers(phone, "mother", "L1"), 1); /* version 3's, kept */
}
END_TEST

START_TEST(test_it_start_over_opens_new_attempt)
{
  static const char *const in[] = {"1", "1", "1", "2"}; /* survey, start, mother, over */
  char phone[16], session[96], resp[65];
  const char *p[1] = {resp};
  struct it_resp r;
  PGresult *res;

  it_fresh_phone(phone);
  drop_after_l2(phone);
  it_session_id(session, sizeof(session), "over");
  ck_assert_int_eq(it_play(&srv, session, phone, in, LEN(in), &r), 0);
  ck_assert_msg(strstr(r.body, "region") || strstr(r.body, "Abai"), "region again: %s", r.body);
  it_respondent_hex(&srv, phone, resp);
  res = PQexecParams(db,
                     "SELECT string_agg(attempt::text || status, ',' ORDER BY attempt)"
                     " FROM survey_progress WHERE encode(respondent, 'hex') = $1",
                     1, NULL, p, NULL, NULL, 0);
  ck_assert_str_eq(PQgetvalue(res, 0, 0), "1open,2open");
  PQclear(res);
}
END_TEST

START_TEST(test_it_shared_phone_two_parents)
{
  /* The mother finishes; the father, on the same phone, answers the whole survey himself and
   * is not offered the mother's survey. */
  /* Barrier 3 from its page, the second ("99"); "1" after the survey is version 4's start. */
  static const char *const mother[] = {"2", "1", "1", "1", "1", "1", "2", "2",  "12", "1", "2",
                                       "1", "2", "1", "1", "2", "2", "1", "99", "3",  "2"};
  static const char *const father[] = {"1", "1", "2", "1"};
  char phone[16], s1[96], s2[96];
  struct it_resp r;

  it_fresh_phone(phone);
  it_session_id(s1, sizeof(s1), "mother");
  ck_assert_int_eq(it_play(&srv, s1, phone, mother, LEN(mother), &r), 0);
  ck_assert_msg(strncmp(r.body, "END ", 4) == 0, "%s", r.body);
  it_session_id(s2, sizeof(s2), "father");
  ck_assert_int_eq(it_play(&srv, s2, phone, father, LEN(father), &r), 0);
  ck_assert_msg(strstr(r.body, "Продолжить") == NULL, "father offered to resume: %s", r.body);
  ck_assert_msg(strstr(r.body, "Абай") != NULL, "father starts at the region: %s", r.body);
  ck_assert_int_eq(count_answers(phone, "mother", "region"), 1);
  ck_assert_int_eq(count_answers(phone, "father", "region"), 1);
}
END_TEST

START_TEST(test_it_tips_and_sms_switch)
{
  static const char *const tip_today[] = {"3", "2"};
  /* English is chosen in the first session and known from then on (no language menu). */
  static const char *const by_age[] = {"3", "4"};
  static const char *const sms_on[] = {"4", "1"};
  static const char *const sms_off[] = {"4", "2"};
  char phone[16], session[96], resp[65];
  const char *p[1] = {phone};
  struct it_resp r;
  PGresult *res;

  it_fresh_phone(phone);
  it_session_id(session, sizeof(session), "tip");
  ck_assert_int_eq(it_play(&srv, session, phone, tip_today, LEN(tip_today), &r), 0);
  ck_assert_msg(strncmp(r.body, "END ", 4) == 0 && strlen(r.body) > 20, "%s", r.body);
  it_session_id(session, sizeof(session), "age");
  ck_assert_int_eq(it_play(&srv, session, phone, by_age, LEN(by_age), &r), 0);
  ck_assert_msg(strncmp(r.body, "END ", 4) == 0 && strlen(r.body) > 20, "%s", r.body);

  it_session_id(session, sizeof(session), "smson");
  ck_assert_int_eq(it_play(&srv, session, phone, sms_on, LEN(sms_on), &r), 0);
  ck_assert_msg(strstr(r.body, "SMS tips are on") != NULL, "%s", r.body);
  res = PQexecParams(db, "SELECT active, language FROM subscriptions WHERE msisdn = $1", 1, NULL, p,
                     NULL, NULL, 0);
  ck_assert_int_eq(PQntuples(res), 1);
  ck_assert_str_eq(PQgetvalue(res, 0, 0), "t");
  ck_assert_str_eq(PQgetvalue(res, 0, 1), "en");
  PQclear(res);
  it_session_id(session, sizeof(session), "smsoff");
  ck_assert_int_eq(it_play(&srv, session, phone, sms_off, LEN(sms_off), &r), 0);
  /* Off erases the number: no row holds it any more; the keyed hash keeps the switch, and the
   * history both events with their channel. */
  res = PQexecParams(db, "SELECT count(*) FROM subscriptions WHERE msisdn = $1", 1, NULL, p, NULL,
                     NULL, 0);
  ck_assert_str_eq(PQgetvalue(res, 0, 0), "0");
  PQclear(res);
  it_respondent_hex(&srv, phone, resp);
  p[0] = resp;
  res = PQexecParams(db,
                     "SELECT active, msisdn IS NULL FROM subscriptions"
                     " WHERE encode(respondent, 'hex') = $1",
                     1, NULL, p, NULL, NULL, 0);
  ck_assert_int_eq(PQntuples(res), 1);
  ck_assert_str_eq(PQgetvalue(res, 0, 0), "f");
  ck_assert_str_eq(PQgetvalue(res, 0, 1), "t");
  PQclear(res);
  res =
      PQexecParams(db,
                   "SELECT string_agg(action || ':' || channel || ':' || language, ',' ORDER BY id)"
                   " FROM subscription_events WHERE encode(respondent, 'hex') = $1",
                   1, NULL, p, NULL, NULL, 0);
  ck_assert_str_eq(PQgetvalue(res, 0, 0), "on:ussd:en,off:ussd:en");
  PQclear(res);
}
END_TEST

/* The carrier's end notice for session, with outcome its status fields. */
static void carrier_end(const char *session, const char *outcome)
{
  char body[512];
  struct it_resp r;

  snprintf(body, sizeof(body),
           "sessionId=%s&serviceCode=%%2A1234%%23&networkCode=40101&phoneNumber=%%2B7705&%s",
           session, outcome);
  ck_assert_int_eq(
      it_post(&srv, "/ussd/at/end", "application/x-www-form-urlencoded", body, strlen(body), &r),
      0);
  ck_assert_int_eq(r.status, 200);
}

/* The caller hangs up. */
static void hang_up(const char *session)
{
  carrier_end(session, "status=Success&durationInMillis=2100&hopsCount=2&input=&errorMessage=");
}

/* The first screen of a new session of phone. */
static void first_screen(const char *phone, const char *tag, struct it_resp *r)
{
  char session[96];

  it_session_id(session, sizeof(session), tag);
  ck_assert_int_eq(it_hop(&srv, session, phone, "", r), 0);
  ck_assert_int_eq(r->status, 200);
  hang_up(session);
}

static long lang_rows(const char *phone, const char *lang)
{
  char resp[65], sql[300];

  it_respondent_hex(&srv, phone, resp);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM respondent_language WHERE encode(respondent, 'hex') = '%s'"
           " AND language = '%s'",
           resp, lang);
  return it_count(db, sql);
}

/* A language chosen in the menu is remembered per respondent, before any answer: the next
 * session starts in it, and another number is not affected. */
START_TEST(test_it_language_remembered)
{
  static const char kk_lang_menu[] =
      "CON Тілді таңдаңыз\nВыберите язык\n1 Қазақша\n2 Русский\n3 English";
  char a[16], b[16], session[96];
  struct it_resp r;

  it_fresh_phone(a);
  do
    it_fresh_phone(b);
  while (strcmp(a, b) == 0);
  /* A chooses Russian in session 1 and hangs up. */
  it_session_id(session, sizeof(session), "lang1");
  ck_assert_int_eq(it_hop(&srv, session, a, "", &r), 0);
  ck_assert_str_eq(r.body, kk_lang_menu);
  ck_assert_int_eq(it_hop(&srv, session, a, "2", &r), 0);
  ck_assert_msg(strstr(r.body, "1 Опрос") != NULL, "%s", r.body);
  ck_assert_int_eq(lang_rows(a, "ru"), 1);
  /* A retried hop stores nothing new and shows the same screen. */
  ck_assert_int_eq(it_hop(&srv, session, a, "2", &r), 0);
  ck_assert_msg(strstr(r.body, "1 Опрос") != NULL, "%s", r.body);
  ck_assert_int_eq(lang_rows(a, "ru"), 1);
  hang_up(session);
  /* Session 2 starts in Russian, without the language menu. */
  first_screen(a, "lang2", &r);
  ck_assert_str_eq(r.body, "CON Aulgate\n1 Опрос\n2 Совет дня\n3 По возрасту\n4 SMS-советы\n"
                           "5 Язык/Тіл\n6 Школа");
  /* B, a new number, is asked; its English does not reach A. */
  first_screen(b, "langb1", &r);
  ck_assert_str_eq(r.body, kk_lang_menu);
  it_session_id(session, sizeof(session), "langb2");
  ck_assert_int_eq(it_hop(&srv, session, b, "", &r), 0);
  ck_assert_int_eq(it_hop(&srv, session, b, "3", &r), 0);
  ck_assert_msg(strstr(r.body, "1 Parent survey") != NULL, "%s", r.body);
  hang_up(session);
  first_screen(b, "langb3", &r);
  ck_assert_msg(strstr(r.body, "1 Parent survey") != NULL, "%s", r.body);
  first_screen(a, "lang3", &r);
  ck_assert_msg(strstr(r.body, "1 Опрос") != NULL, "%s", r.body);
  /* A switches to Kazakh from the main menu: within the session the choice holds, and the next
   * session starts in Kazakh. */
  it_session_id(session, sizeof(session), "lang4");
  ck_assert_int_eq(it_hop(&srv, session, a, "", &r), 0);
  ck_assert_int_eq(it_hop(&srv, session, a, "5", &r), 0);
  ck_assert_int_eq(it_hop(&srv, session, a, "5*1", &r), 0);
  ck_assert_msg(strstr(r.body, "1 Сауалнама") != NULL, "%s", r.body);
  ck_assert_int_eq(it_hop(&srv, session, a, "5*1*5", &r), 0);
  ck_assert_msg(strstr(r.body, "Тілді таңдаңыз") != NULL, "%s", r.body);
  hang_up(session);
  first_screen(a, "lang5", &r);
  ck_assert_msg(strstr(r.body, "1 Сауалнама") != NULL, "%s", r.body);
  ck_assert_int_eq(lang_rows(a, "kk"), 1);
  ck_assert_int_eq(lang_rows(b, "en"), 1);
}
END_TEST

START_TEST(test_it_paging_more_and_back)
{
  /* The Kazakh region list does not fit one screen: 99 shows the next page, 0 the previous. */
  static const char *const in[] = {"1", "1", "1", "1", "99"}; /* kk, survey, start, mother */
  char phone[16], session[96];
  struct it_resp first, second, back;

  it_fresh_phone(phone);
  it_session_id(session, sizeof(session), "page");
  ck_assert_int_eq(it_play(&srv, session, phone, in, 4, &first), 0);
  ck_assert_msg(strstr(first.body, "\n99 ") != NULL, "first page has 99: %s", first.body);
  ck_assert_int_eq(it_play(&srv, session, phone, in, 5, &second), 0);
  ck_assert_msg(strstr(second.body, "\n0 ") != NULL, "second page has 0: %s", second.body);
  ck_assert_str_ne(first.body, second.body);
  ck_assert_int_eq(it_hop(&srv, session, phone, "1*1*1*1*99*0", &back), 0);
  ck_assert_str_eq(back.body, first.body);
}
END_TEST

START_TEST(test_it_idle_timeout)
{
  char phone[16], session[96];
  struct it_resp r;

  it_fresh_phone(phone);
  it_session_id(session, sizeof(session), "idle");
  ck_assert_int_eq(it_hop(&srv, session, phone, "", &r), 0);
  usleep(1600 * 1000); /* idle timeout 1000 ms */
  ck_assert_int_eq(it_hop(&srv, session, phone, "1", &r), 0);
  ck_assert_msg(strncmp(r.body, "END ", 4) == 0, "after the idle timeout: %s", r.body);
}
END_TEST

START_TEST(test_it_max_session_length)
{
  char phone[16], session[96], path[64] = "";
  struct it_resp r;

  it_fresh_phone(phone);
  it_session_id(session, sizeof(session), "max");
  ck_assert_int_eq(it_hop(&srv, session, phone, "", &r), 0);
  /* Hops every 0.7 s keep it from idling; the 2.5 s maximum still ends it. */
  for (int i = 0; i < 5; i++) {
    usleep(700 * 1000);
    strcat(path, i ? "*1" : "1");
    ck_assert_int_eq(it_hop(&srv, session, phone, path, &r), 0);
  }
  ck_assert_msg(strncmp(r.body, "END ", 4) == 0, "after the maximum length: %s", r.body);
}
END_TEST

START_TEST(test_it_carrier_end_notification)
{
  char phone[16], session[96];
  struct it_resp r;

  it_fresh_phone(phone);
  it_session_id(session, sizeof(session), "end");
  ck_assert_int_eq(it_hop(&srv, session, phone, "", &r), 0);
  carrier_end(session,
              "status=Failed&durationInMillis=4100&hopsCount=1&input=&errorMessage=timeout");
  ck_assert_int_eq(it_hop(&srv, session, phone, "1", &r), 0);
  ck_assert_msg(strncmp(r.body, "END ", 4) == 0, "after the carrier ended it: %s", r.body);
  /* A notification without a session id is a bad request. */
  ck_assert_int_eq(
      it_post(&srv, "/ussd/at/end", "application/x-www-form-urlencoded", "status=Success", 14, &r),
      0);
  ck_assert_int_eq(r.status, 400);
}
END_TEST

/* After the session ended, the screen speaks the language chosen in the session, not the one
 * remembered from before it (here: none, so Kazakh). */
START_TEST(test_it_ended_screen_in_session_language)
{
  char phone[16], session[96];
  struct it_resp r;

  it_fresh_phone(phone);
  it_session_id(session, sizeof(session), "endlang");
  ck_assert_int_eq(it_hop(&srv, session, phone, "", &r), 0);
  ck_assert_int_eq(it_hop(&srv, session, phone, "2", &r), 0); /* Русский */
  ck_assert_msg(strncmp(r.body, "CON ", 4) == 0, "%s", r.body);
  hang_up(session);
  ck_assert_int_eq(it_hop(&srv, session, phone, "2*1", &r), 0);
  ck_assert_str_eq(r.body, "END Сеанс завершён. Наберите номер снова.");
}
END_TEST

/* A session keeps the survey version it started with: answers stored after a reload that
 * bumped the version still carry the version of the session's start; a new session's carry the
 * new one (results are separated by version). */
START_TEST(test_it_reload_keeps_session_survey_version)
{
  static const char *const head[] = {"3", "1", "1", "1", "1"}; /* English, survey, start,
                                                                  mother, region 1 */
  char phone[16], other[16], live[96], fresh[96], path[256], cmd[512], sql[512];
  struct it_resp r;

  it_fresh_phone(phone);
  do
    it_fresh_phone(other);
  while (strcmp(phone, other) == 0);
  it_session_id(live, sizeof(live), "vlive");
  ck_assert_int_eq(it_play(&srv, live, phone, head, LEN(head), &r), 0);
  snprintf(path, sizeof(path), "%s/involvement.json", content_copy);
  snprintf(cmd, sizeof(cmd), "sed -i 's/\"version\": 4,/\"version\": 5,/' '%s'", path);
  ck_assert_int_eq(system(cmd), 0);
  reload_and_wait("content_generation");
  ck_assert_int_eq(it_hop(&srv, live, phone, "3*1*1*1*1*1", &r), 0); /* its district */
  ck_assert_msg(strncmp(r.body, "CON ", 4) == 0, "%s", r.body);
  it_session_id(fresh, sizeof(fresh), "vfresh");
  ck_assert_int_eq(it_play(&srv, fresh, other, head, LEN(head), &r), 0);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM responses WHERE carrier_session_id = '%s' AND survey_version = 4",
           live);
  ck_assert_int_eq(it_count(db, sql), 2);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM responses WHERE carrier_session_id = '%s' AND survey_version = 5",
           fresh);
  ck_assert_int_eq(it_count(db, sql), 1);
  snprintf(cmd, sizeof(cmd), "cp '%s/content/involvement.json' '%s'",
           getenv("AULGATE_ROOT") ? getenv("AULGATE_ROOT") : ".", path);
  ck_assert_int_eq(system(cmd), 0); /* the next test reloads this folder */
}
END_TEST

START_TEST(test_it_reload_keeps_live_sessions)
{
  char phone[16], live[96], fresh[96], path[256], cmd[512];
  struct it_resp r;

  it_fresh_phone(phone);
  it_session_id(live, sizeof(live), "live");
  ck_assert_int_eq(it_hop(&srv, live, phone, "", &r), 0);
  ck_assert_int_eq(it_hop(&srv, live, phone, "3", &r), 0);
  ck_assert_msg(strstr(r.body, "Parent survey") != NULL, "%s", r.body);
  /* The operator renames the survey entry and reloads. */
  snprintf(path, sizeof(path), "%s/main_menu.json", content_copy);
  snprintf(cmd, sizeof(cmd), "sed -i 's/\"Parent survey\"/\"Family survey\"/' '%s'", path);
  ck_assert_int_eq(system(cmd), 0);
  reload_and_wait("content_generation");
  /* The live session goes on with the content it started with. */
  ck_assert_int_eq(it_hop(&srv, live, phone, "3*7", &r), 0);
  ck_assert_msg(strstr(r.body, "Parent survey") != NULL, "live session changed: %s", r.body);
  it_session_id(fresh, sizeof(fresh), "fresh");
  /* English, chosen in the live session, is remembered: the menu comes first. */
  ck_assert_int_eq(it_hop(&srv, fresh, phone, "", &r), 0);
  ck_assert_msg(strstr(r.body, "Family survey") != NULL, "new session: %s", r.body);
  /* A broken file is refused and the running content stays. */
  snprintf(cmd, sizeof(cmd), "printf '{' > '%s'", path);
  ck_assert_int_eq(system(cmd), 0);
  reload_and_wait("content_reload_failures");
  it_session_id(fresh, sizeof(fresh), "fresh2");
  ck_assert_int_eq(it_hop(&srv, fresh, phone, "", &r), 0);
  ck_assert_msg(strstr(r.body, "Family survey") != NULL, "after a bad reload: %s", r.body);
  snprintf(cmd, sizeof(cmd), "cp '%s/content/main_menu.json' '%s'",
           getenv("AULGATE_ROOT") ? getenv("AULGATE_ROOT") : ".", path);
  ck_assert_int_eq(system(cmd), 0); /* the next test reloads this folder */
}
END_TEST

/* A department adds a district by SQL; after SIGHUP new sessions offer it. */
START_TEST(test_it_district_added_by_sql)
{
  char phone[16], session[96], path[128] = "3*1*1*1*1", sql[512];
  struct it_resp r;
  int found = 0;
  PGresult *res;

  snprintf(sql, sizeof(sql),
           "INSERT INTO districts (code, region_code, name_kk, name_ru, name_en, sort)"
           " VALUES ('it-new-%d', 'abai', 'Жаңааудан', 'Новорайон', 'Newdistrict', 999999)",
           (int)getpid());
  res = PQexec(db, sql);
  ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK, "%s (run aulgate seed first?)",
                PQresultErrorMessage(res));
  PQclear(res);
  reload_and_wait("content_generation");
  it_fresh_phone(phone);
  it_session_id(session, sizeof(session), "district");
  /* English, survey, start, mother, Abai: then page through the districts to the last page. */
  for (int page = 0; page < 10 && !found; page++) {
    ck_assert_int_eq(it_hop(&srv, session, phone, path, &r), 0);
    found = strstr(r.body, "Newdistrict") != NULL;
    if (!strstr(r.body, "\n99 "))
      break;
    strcat(path, "*99");
  }
  snprintf(sql, sizeof(sql), "DELETE FROM districts WHERE code = 'it-new-%d'", (int)getpid());
  PQclear(PQexec(db, sql));
  kill(srv.pid, SIGHUP);
  ck_assert_msg(found, "the new district is not offered: %s", r.body);
}
END_TEST

/* Decision 109: a session started by a process of other content (here a text of the main menu,
 * as in a rolling upgrade) is not replayed by this one, where its inputs could mean other
 * answers. Its hop here ends with the notice that the service changed and stores nothing; the
 * process that started it goes on with it, and a new call here resumes what it stored. */
START_TEST(test_it_other_content_not_replayed)
{
  static const char *const head[] = {"3", "1", "1", "1", "1"}; /* English, survey, start,
                                                                  mother, region 1 */
  struct it_server other;
  char phone[16], session[96], again[96], path[256], cmd[512], sql[512];
  struct it_resp r;

  snprintf(path, sizeof(path), "%s/main_menu.json", content_copy);
  snprintf(cmd, sizeof(cmd), "sed -i 's/\"Parent survey\"/\"Family survey\"/' '%s'", path);
  ck_assert_int_eq(system(cmd), 0);
  reload_and_wait("content_generation");
  ck_assert_int_eq(it_server_start(&other, NULL), 0); /* content/ as shipped */
  ck_assert_int_eq(it_wait_health(&other, 200, 10000), 0);
  it_fresh_phone(phone);
  it_session_id(session, sizeof(session), "oc");
  ck_assert_int_eq(it_play(&other, session, phone, head, LEN(head), &r), 0);
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM responses WHERE carrier_session_id = '%s'",
           session);
  ck_assert_int_eq(it_count(db, sql), 1); /* the region */
  ck_assert_int_eq(it_hop(&srv, session, phone, "3*1*1*1*1*1", &r), 0);
  ck_assert_int_eq(r.status, 200);
  ck_assert_msg(strncmp(r.body, "END ", 4) == 0 && strstr(r.body, "Қызмет жаңартылды") != NULL,
                "%s", r.body);
  ck_assert_int_eq(it_count(db, sql), 1); /* its district not stored */
  ck_assert_int_eq(it_hop(&other, session, phone, "3*1*1*1*1*1", &r), 0);
  ck_assert_msg(strncmp(r.body, "CON ", 4) == 0, "%s", r.body);
  ck_assert_int_eq(it_count(db, sql), 2);
  /* A new call here offers to go on with what the other process stored. */
  it_session_id(again, sizeof(again), "oc2");
  ck_assert_int_eq(it_hop(&srv, again, phone, "", &r), 0);
  ck_assert_msg(strstr(r.body, "Family survey") != NULL, "%s", r.body);
  ck_assert_int_eq(it_hop(&srv, again, phone, "1*1*1", &r), 0); /* survey, start, mother */
  ck_assert_msg(strstr(r.body, "Continue") != NULL, "%s", r.body);
  ck_assert_int_eq(it_server_stop(&other), 0);
  snprintf(cmd, sizeof(cmd), "cp '%s/content/main_menu.json' '%s'",
           getenv("AULGATE_ROOT") ? getenv("AULGATE_ROOT") : ".", path);
  ck_assert_int_eq(system(cmd), 0); /* the next test reloads this folder */
  reload_and_wait("content_generation");
}
END_TEST

/* Architecture decision 8: one session's hops sent alternately to two gateway processes behind
 * a load balancer. Each rebuilds what it needs from the input path and PostgreSQL, so the
 * parent sees one consistent survey: resume offered once, nothing asked twice. */
START_TEST(test_it_two_gateways_alternate)
{
  /* survey, start (version 4), mother, continue, L3..T5, barrier 2 (English: on its first
   * page), no SMS */
  static const char *const resumed[] = {"1", "1", "1", "1", "1", "1", "1",
                                        "1", "1", "1", "1", "2", "2"};
  struct it_server other;
  const struct it_server *gw[2] = {&srv, &other};
  char phone[16], session[96], path[256] = "", got[2048];
  struct it_resp r, again;

  ck_assert_int_eq(it_server_start(&other, NULL), 0);
  ck_assert_int_eq(it_wait_health(&other, 200, 10000), 0);
  it_fresh_phone(phone);
  drop_after_l2(phone); /* on srv */
  it_session_id(session, sizeof(session), "two");
  ck_assert_int_eq(it_hop(gw[1], session, phone, "", &r), 0);
  ck_assert_msg(strstr(r.body, "Parent survey") != NULL, "%s", r.body);
  for (size_t i = 0; i < LEN(resumed); i++) {
    strcat(path, i ? "*" : "");
    strcat(path, resumed[i]);
    ck_assert_int_eq(it_hop(gw[i % 2], session, phone, path, &r), 0);
    ck_assert_int_eq(r.status, 200);
    if (i == 2)
      ck_assert_msg(strstr(r.body, "Continue") != NULL, "resume offer: %s", r.body);
    if (i == 3)
      ck_assert_msg(strstr(r.body, "ideas") != NULL, "L3 after continuing: %s", r.body);
    /* The carrier retries the hop on the other process: same screen, nothing stored twice. */
    ck_assert_int_eq(it_hop(gw[(i + 1) % 2], session, phone, path, &again), 0);
    ck_assert_str_eq(again.body, r.body);
  }
  ck_assert_msg(strncmp(r.body, "END ", 4) == 0, "%s", r.body);
  answers_of(session, got, sizeof(got));
  ck_assert_str_eq(got, "L3=yes L4=yes T1=yes T2=yes T3=yes T4=yes T5=yes barrier=school_job "
                        "subscribe=no");
  ck_assert_int_eq(count_answers(phone, "mother", "L2"), 1);
  ck_assert_int_eq(it_server_stop(&other), 0);
}
END_TEST

/* A carrier whose screens are shorter than the content allows: the gateway refuses to start and
 * names the carrier, instead of sending screens the handset would cut. */
START_TEST(test_it_carrier_budget_too_small_refused)
{
  struct it_server gw;
  char line[512];
  int status = -1, named = 0;
  FILE *log;

  ck_assert_int_eq(
      it_server_start(&gw, "[carrier.at]\ndialect = at\nbudget_ucs2 = 40\nbudget_gsm7 = 100\n"),
      -1);
  ck_assert_int_eq(waitpid(gw.pid, &status, 0), gw.pid);
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1, "status %d", status);
  log = fopen(gw.log, "r");
  ck_assert_ptr_nonnull(log);
  while (fgets(line, sizeof(line), log))
    named |= strstr(line, "carrier 'at' (budget 40/100)") != NULL;
  fclose(log);
  ck_assert_msg(named, "the refusal does not name the carrier (log %s)", gw.log);
}
END_TEST

static Suite *it_engine_suite(void)
{
  Suite *s = suite_create("it_engine");
  TCase *tc = tcase_create("sessions");
  TCase *timers = tcase_create("timers");
  TCase *reload = tcase_create("reload");

  tcase_add_unchecked_fixture(tc, setup, stop);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_it_resume_never_asks_twice);
  tcase_add_test(tc, test_it_start_over_opens_new_attempt);
  tcase_add_test(tc, test_it_version_3_progress_not_resumed);
  tcase_add_test(tc, test_it_shared_phone_two_parents);
  tcase_add_test(tc, test_it_tips_and_sms_switch);
  tcase_add_test(tc, test_it_language_remembered);
  tcase_add_test(tc, test_it_paging_more_and_back);
  tcase_add_test(tc, test_it_two_gateways_alternate);
  tcase_add_test(tc, test_it_carrier_budget_too_small_refused);
  suite_add_tcase(s, tc);
  tcase_add_unchecked_fixture(timers, setup_timers, stop);
  tcase_set_timeout(timers, 60);
  tcase_add_test(timers, test_it_idle_timeout);
  tcase_add_test(timers, test_it_max_session_length);
  tcase_add_test(timers, test_it_carrier_end_notification);
  tcase_add_test(timers, test_it_ended_screen_in_session_language);
  suite_add_tcase(s, timers);
  tcase_add_unchecked_fixture(reload, setup_copy, teardown_copy);
  tcase_set_timeout(reload, 60);
  tcase_add_test(reload, test_it_reload_keeps_live_sessions);
  tcase_add_test(reload, test_it_reload_keeps_session_survey_version);
  tcase_add_test(reload, test_it_district_added_by_sql);
  tcase_add_test(reload, test_it_other_content_not_replayed);
  suite_add_tcase(s, reload);
  return s;
}

AG_CHECK_MAIN(it_engine_suite)
