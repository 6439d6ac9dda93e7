/* it_ussd.c: the USSD path end to end: a real gateway on loopback, real HTTP, a real PostgreSQL.
 * Every answer must be in the database, exactly once, before the next screen goes out. */
#include "tests/it/it_harness.h"
#include "tests/support/ag_check.h"

#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static struct it_server srv;
static PGconn *db;

/* What each language shows: a word of its yes/no screen and of its thank-you screen. */
static const struct {
  const char *pick, *code, *yes, *thanks;
} langs[] = {
    {"1", "kk", "1 Иә\n2 Жоқ", "Рақмет"},
    {"2", "ru", "1 Да\n2 Нет", "Спасибо"},
    {"3", "en", "1 Yes\n2 No", "Thank you"},
};

/* The whole survey after the language: main menu "survey", then every question. */
static const char *const survey_inputs[] = {
    "1",                      /* main menu: the survey */
    "1",                      /* the opening screen (survey version 4): start */
    "1",                      /* relation: mother */
    "1",                      /* region: the first (Abai) */
    "1",                      /* district: its first */
    "2",                      /* settlement: rural */
    "2",                      /* grade: 1-4 */
    "12",                     /* school number */
    "1",  "2", "1", "2",      /* L1..L4 */
    "1",  "1", "2", "2", "1", /* T1..T5 */
    "1",                      /* barrier: unprepared (the only option on its first page in kk
                                 and ru since version 4 names what is hindered) */
    "2",                      /* SMS tips: no */
};
static const char *const want[][2] = {
    {"region", "abai"},
    {"district", "abai-abai"},
    {"settlement", "rural"},
    {"grade", "1-4"},
    {"school", "12"},
    {"L1", "yes"},
    {"L2", "no"},
    {"L3", "yes"},
    {"L4", "no"},
    {"T1", "yes"},
    {"T2", "yes"},
    {"T3", "no"},
    {"T4", "no"},
    {"T5", "yes"},
    {"barrier", "unprepared"},
    {"subscribe", "no"},
};
#define N_WANT (sizeof(want) / sizeof(want[0]))

static void setup(void)
{
  it_up(&srv, &db, NULL);
}

static void teardown(void)
{
  it_down(&srv, db);
}

static void hop_ok(const char *session, const char *phone, const char *text, struct it_resp *r)
{
  ck_assert_int_eq(it_hop(&srv, session, phone, text, r), 0);
  ck_assert_int_eq(r->status, 200);
  ck_assert_str_eq(r->ctype, "text/plain; charset=utf-8");
}

/* The first screen of a new caller is the language menu; the rest is the survey. */
static void play_survey(const char *session, const char *phone, int lang, struct it_resp *last)
{
  const char *inputs[1 + sizeof(survey_inputs) / sizeof(survey_inputs[0])];

  inputs[0] = langs[lang].pick;
  memcpy(inputs + 1, survey_inputs, sizeof(survey_inputs));
  ck_assert_msg(it_play(&srv, session, phone, inputs, sizeof(inputs) / sizeof(inputs[0]), last) ==
                    0,
                "log %s", srv.log);
}

static void assert_rows(const char *session, const char *phone, const char *lang)
{
  char want_resp[65];
  PGresult *res = it_rows(db, session);

  it_respondent_hex(&srv, phone, want_resp);
  ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
  ck_assert_int_eq(PQntuples(res), (int)N_WANT);
  for (int i = 0; i < (int)N_WANT; i++) {
    ck_assert_str_eq(PQgetvalue(res, i, 0), want[i][0]);
    ck_assert_str_eq(PQgetvalue(res, i, 1), want[i][1]);
    ck_assert_str_eq(PQgetvalue(res, i, 2), lang);
    ck_assert_str_eq(PQgetvalue(res, i, 4), want_resp);
    ck_assert_str_eq(PQgetvalue(res, i, 5), "involvement");
    ck_assert_str_eq(PQgetvalue(res, i, 7), "40101");
  }
  PQclear(res);
}

START_TEST(test_it_survey_each_language)
{
  char session[96], phone[16], resp[65];
  const char *p[2];
  struct it_resp r;
  PGresult *res;

  it_session_id(session, sizeof(session), langs[_i].code);
  it_fresh_phone(phone);
  hop_ok(session, phone, "", &r);
  ck_assert_msg(strstr(r.body, "English") && strstr(r.body, "Русский"), "%s", r.body);
  play_survey(session, phone, _i, &r);
  ck_assert_msg(strncmp(r.body, "END ", 4) == 0, "last screen: %s", r.body);
  ck_assert_msg(strstr(r.body, langs[_i].thanks) != NULL, "thank-you in %s: %s", langs[_i].code,
                r.body);
  assert_rows(session, phone, langs[_i].code);
  /* The attempt is recorded as done, for the mother, in the language used. */
  it_respondent_hex(&srv, phone, resp);
  p[0] = resp;
  p[1] = langs[_i].code;
  res = PQexecParams(db,
                     "SELECT count(*) FROM survey_progress WHERE encode(respondent, 'hex') = $1"
                     " AND relation = 'mother' AND attempt = 1 AND status = 'done'"
                     " AND language = $2",
                     2, NULL, p, NULL, NULL, 0);
  ck_assert_str_eq(PQgetvalue(res, 0, 0), "1");
  PQclear(res);
}
END_TEST

/* Survey version 4 through the real gateway, with the places read from the database: a city
 * of regional significance chosen as the district skips the settlement question (the kind the
 * seed stored), a district asks it. English: Aktobe is region 3; its districts Aiteke bi (1),
 * Aktobe city (2), Alga (3). */
START_TEST(test_it_city_skips_settlement)
{
  static const char *const city[] = {"3", "1", "1", "1", "3", "2"};
  static const char *const district[] = {"3", "1", "1", "1", "3", "3"};
  char session[96], phone[16], sql[512];
  struct it_resp r;

  it_session_id(session, sizeof(session), "city");
  it_fresh_phone(phone);
  ck_assert_int_eq(it_play(&srv, session, phone, city, 6, &r), 0);
  ck_assert_msg(strstr(r.body, "Which grade is your child in?") != NULL, "%s", r.body);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM responses WHERE carrier_session_id = '%s'"
           " AND question_id = 'district' AND option = 'aktobe-aktobe-city' AND survey_version = 4",
           session);
  ck_assert_int_eq(it_count(db, sql), 1);
  it_session_id(session, sizeof(session), "district");
  it_fresh_phone(phone);
  ck_assert_int_eq(it_play(&srv, session, phone, district, 6, &r), 0);
  ck_assert_msg(strstr(r.body, "Do you live in a town or in a village?") != NULL, "%s", r.body);
}
END_TEST

START_TEST(test_it_yes_no_screens_in_language)
{
  static const char *const to_l1[] = {"1", "1", "1", "1", "1", "2", "2", "12"};
  const char *inputs[9];
  char session[96], phone[16];
  struct it_resp r;

  it_session_id(session, sizeof(session), "yn");
  it_fresh_phone(phone);
  inputs[0] = langs[_i].pick;
  memcpy(inputs + 1, to_l1, sizeof(to_l1));
  ck_assert_int_eq(it_play(&srv, session, phone, inputs, 9, &r), 0);
  ck_assert_msg(strstr(r.body, langs[_i].yes) != NULL, "L1 in %s: %s", langs[_i].code, r.body);
}
END_TEST

START_TEST(test_it_retried_hop_same_reply_one_row)
{
  struct it_resp first, again;
  char session[96], phone[16];
  PGresult *res;

  it_session_id(session, sizeof(session), "retry");
  it_fresh_phone(phone);
  play_survey(session, phone, 1, &first);
  /* The carrier times out and resends hops it already sent: same reply, nothing new stored. */
  hop_ok(session, phone, "2*1*1*1*1*1*2", &first);
  hop_ok(session, phone, "2*1*1*1*1*1*2", &again);
  ck_assert_str_eq(first.body, again.body);
  ck_assert_msg(strncmp(first.body, "CON ", 4) == 0, "%s", first.body);
  assert_rows(session, phone, "ru");
  res = it_rows(db, session);
  ck_assert_int_eq(PQntuples(res), (int)N_WANT);
  PQclear(res);
}
END_TEST

START_TEST(test_it_navigation_stores_nothing)
{
  struct it_resp r;
  char session[96], phone[16];
  PGresult *res;

  it_session_id(session, sizeof(session), "nav");
  it_fresh_phone(phone);
  hop_ok(session, phone, "", &r);
  hop_ok(session, phone, "3", &r); /* the language: navigation */
  ck_assert_msg(strstr(r.body, "Parent survey") != NULL, "main menu: %s", r.body);
  hop_ok(session, phone, "3*7", &r); /* invalid: the menu again, with the error line */
  ck_assert_msg(strncmp(r.body, "CON Wrong choice.\n", 18) == 0, "%s", r.body);
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

  it_session_id(session, sizeof(session), "foreign");
  ck_assert_int_eq(it_hop(&srv, session, "+79161234567", "1*1", &r), 0);
  ck_assert_int_eq(r.status, 200);
  ck_assert_msg(strncmp(r.body, "END ", 4) == 0, "%s", r.body);
  ck_assert_msg(!strstr(r.body, "9161234567"), "number echoed back");
  res = it_rows(db, session);
  ck_assert_int_eq(PQntuples(res), 0);
  PQclear(res);
}
END_TEST

START_TEST(test_it_malformed_requests)
{
  static const char big_prefix[] = "sessionId=x&text=";
  struct it_resp r;
  char *big, longid[400], same[96], form[200];
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

  /* An overlong field in a small body is a bad request, not a body too large. */
  memset(longid, 'a', 300);
  longid[300] = '\0';
  ck_assert_int_eq(it_hop(&srv, longid, "+77011234567", "", &r), 0);
  ck_assert_int_eq(r.status, 400);

  big = malloc(n + 1);
  memcpy(big, big_prefix, sizeof(big_prefix) - 1);
  memset(big + sizeof(big_prefix) - 1, '1', n - (sizeof(big_prefix) - 1));
  big[n] = '\0';
  ck_assert_int_eq(it_post(&srv, "/ussd/at", "application/x-www-form-urlencoded", big, n, &r), 0);
  ck_assert_int_eq(r.status, 413);
  free(big);

  /* One session is one phone: the same session id from another number is refused. (An id of
   * this run's: a session's frozen profile binds its id to its first number for 2 hours.) */
  it_session_id(same, sizeof(same), "same-id");
  ck_assert_int_eq(it_hop(&srv, same, "+77011234567", "", &r), 0);
  ck_assert_int_eq(r.status, 200);
  ck_assert_int_eq(it_hop(&srv, same, "+77017654321", "1", &r), 0);
  ck_assert_int_eq(r.status, 400);
  ck_assert_ptr_nonnull(strstr(r.body, "phoneNumber"));

  /* The body must be a form, as the dialect reads it: 415 otherwise, and nothing starts. */
  ck_assert_int_eq(it_post(&srv, "/ussd/at", "text/plain",
                           "sessionId=ct-1&serviceCode=*1234#&phoneNumber=%2B77011234567&text=", 66,
                           &r),
                   0);
  ck_assert_int_eq(r.status, 415);
  ck_assert_ptr_nonnull(strstr(r.body, "Content-Type must be application/x-www-form-urlencoded"));
  ck_assert_int_eq(
      it_post(&srv, "/ussd/at/end", "application/json", "{\"sessionId\":\"x\"}", 17, &r), 0);
  ck_assert_int_eq(r.status, 415);
  it_session_id(same, sizeof(same), "ct-2"); /* served: an id of this run's, as above */
  snprintf(form, sizeof(form),
           "sessionId=%s&serviceCode=*1234#&phoneNumber=%%2B77011234567&text=", same);
  ck_assert_int_eq(it_post(&srv, "/ussd/at", "Application/X-WWW-Form-Urlencoded; charset=UTF-8",
                           form, strlen(form), &r),
                   0);
  ck_assert_int_eq(r.status, 200);
  ck_assert_int_eq(strncmp(r.body, "CON ", 4), 0);
  /* A service code that no handset dials. */
  ck_assert_int_eq(it_post(&srv, "/ussd/at", "application/x-www-form-urlencoded",
                           "sessionId=ct-3&serviceCode=hello&phoneNumber=%2B77011234567&text=", 65,
                           &r),
                   0);
  ck_assert_int_eq(r.status, 400);
  ck_assert_ptr_nonnull(strstr(r.body, "serviceCode"));

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
  static const char *const upto_relation[] = {"2", "1", "1", "1"}; /* with version 4's start */
  struct it_resp r;
  char session[96], phone[16], resp[65];
  const char *p[1];
  PGresult *res;
  pid_t pid = srv.pid;

  it_fresh_phone(phone);
  ck_assert_int_eq(it_pg_ctl("stop"), 0);
  ck_assert_msg(it_wait_health(&srv, 503, 10000) == 0, "healthz never said 503");
  it_session_id(session, sizeof(session), "outage");
  hop_ok(session, phone, "", &r);
  ck_assert_msg(strncmp(r.body, "END ", 4) == 0, "during the outage: %s", r.body);

  ck_assert_int_eq(it_pg_ctl("start"), 0);
  ck_assert_msg(it_wait_health(&srv, 200, 20000) == 0, "healthz never recovered; log %s", srv.log);
  ck_assert_int_eq(srv.pid, pid);
  ck_assert(it_server_alive(&srv));
  it_session_id(session, sizeof(session), "after");
  ck_assert_int_eq(it_play(&srv, session, phone, upto_relation, 4, &r), 0);
  ck_assert_msg(strncmp(r.body, "CON ", 4) == 0, "after recovery: %s", r.body);
  /* Picking "mother" opened an attempt: it is in the database. */
  PQreset(db); /* its connection died with the cluster */
  it_respondent_hex(&srv, phone, resp);
  p[0] = resp;
  res =
      PQexecParams(db, "SELECT count(*) FROM survey_progress WHERE encode(respondent, 'hex') = $1",
                   1, NULL, p, NULL, NULL, 0);
  ck_assert_str_eq(PQgetvalue(res, 0, 0), "1");
  PQclear(res);
}
END_TEST

/* A gateway whose allow-list does not hold loopback refuses the carrier endpoints with 403, and
 * still answers /healthz (operators and load balancers are not carriers). */
START_TEST(test_it_allow_list_refuses_other_callers)
{
  struct it_server other;
  struct it_resp r;

  ck_assert_int_eq(it_server_start(&other, "carrier_allow_ips = 10.0.0.0/8\n"), 0);
  ck_assert_int_eq(it_hop(&other, "allow", "+77011234567", "", &r), 0);
  ck_assert_int_eq(r.status, 403);
  ck_assert_ptr_nonnull(strstr(r.body, "allow-list"));
  ck_assert_int_eq(
      it_post(&other, "/ussd/at/end", "application/x-www-form-urlencoded", "sessionId=x", 11, &r),
      0);
  ck_assert_int_eq(r.status, 403);
  ck_assert_int_eq(it_get(&other, "/healthz", &r), 0);
  ck_assert(r.status == 200 || r.status == 503);
  ck_assert_int_eq(it_server_stop(&other), 0);
}
END_TEST

/* Nine copies of a first hop while the caller's profile read is held back: eight wait for it,
 * the ninth is told to retry (503, Retry-After) instead of "not saved", and the session goes on:
 * every waiting copy gets the first screen, and so does a later retry. */
START_TEST(test_it_retry_burst_while_profile_loads)
{
  enum { COPIES = 9 };
  PGconn *lock = it_db();
  PGresult *res;
  pid_t kids[COPIES];
  int con = 0, busy = 0, other = 0, status;
  char phone[16], session[96];
  struct it_resp r;

  ck_assert_ptr_nonnull(lock);
  it_fresh_phone(phone);
  it_session_id(session, sizeof(session), "burst");
  PQclear(PQexec(lock, "BEGIN"));
  res = PQexec(lock, "LOCK TABLE respondent_language IN ACCESS EXCLUSIVE MODE");
  ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
  PQclear(res);
  for (int i = 0; i < COPIES; i++) {
    kids[i] = fork();
    ck_assert_int_ge(kids[i], 0);
    if (kids[i] == 0) { /* one copy: exit 0 for a CON screen, 1 for "retry", 2 for anything else */
      struct it_resp cr;
      usleep((useconds_t)i * 20000); /* in order, so the ninth is the one past the queue */
      if (it_hop(&srv, session, phone, "", &cr) != 0)
        _exit(2);
      if (cr.status == 200 && strncmp(cr.body, "CON ", 4) == 0)
        _exit(0);
      _exit(cr.status == 503 && strstr(cr.body, "retry") ? 1 : 2);
    }
  }
  /* The ninth answers at once, while the lock is still held. */
  ck_assert_int_eq(waitpid(kids[COPIES - 1], &status, 0), kids[COPIES - 1]);
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1, "the ninth copy: %d", status);
  busy++;
  PQclear(PQexec(lock, "COMMIT"));
  PQfinish(lock);
  for (int i = 0; i < COPIES - 1; i++) {
    ck_assert_int_eq(waitpid(kids[i], &status, 0), kids[i]);
    ck_assert(WIFEXITED(status));
    con += WEXITSTATUS(status) == 0;
    busy += WEXITSTATUS(status) == 1;
    other += WEXITSTATUS(status) == 2;
  }
  ck_assert_int_eq(con, COPIES - 1);
  ck_assert_int_eq(busy, 1);
  ck_assert_int_eq(other, 0);
  /* The session was not ended by the burst: its next hop is served. */
  ck_assert_int_eq(it_hop(&srv, session, phone, "3", &r), 0);
  ck_assert_int_eq(r.status, 200);
  ck_assert_msg(strncmp(r.body, "CON ", 4) == 0, "after the burst: %s", r.body);
}
END_TEST

/* A carrier reuses a session id for another number (here on another gateway process, which
 * knows nothing of the first). While the first caller's frozen profile lives, the session is
 * theirs: the other number is refused at once with 400, as on the first process. Later (the
 * frozen profile expired: a carrier that reuses ids), the other number's session starts, but
 * the answer at a hop the first caller already answered is not this caller's, so it is refused
 * with the polite END and nothing is stored for them, never "saved". A retry of the first
 * caller's own answer is still served. */
START_TEST(test_it_reused_session_id_refused)
{
  static const char *const path[] = {"", "3", "3*1", "3*1*1", "3*1*1*1"};
  struct it_server gw2;
  struct it_resp r;
  char a[16], b[16], session[96], sql[512], hex_b[65];

  it_fresh_phone(a);
  do
    it_fresh_phone(b);
  while (strcmp(a, b) == 0);
  it_session_id(session, sizeof(session), "reuse");
  ck_assert_int_eq(it_play(&srv, session, a, (const char *const[]){"3", "1", "1", "1", "1"}, 5, &r),
                   0); /* A answers region 1 at hop 5 (after version 4's opening screen) */
  ck_assert_msg(strncmp(r.body, "CON ", 4) == 0, "%s", r.body);
  ck_assert_int_eq(it_server_start(&gw2, NULL), 0);
  ck_assert_int_eq(it_wait_health(&gw2, 200, 10000), 0);
  ck_assert_int_eq(it_hop(&gw2, session, b, "", &r), 0);
  ck_assert_int_eq(r.status, 400);
  ck_assert_str_eq(r.body, "phoneNumber does not match the session\n");
  snprintf(sql, sizeof(sql),
           "UPDATE session_profile SET started_at = now() - interval '3 hours'"
           " WHERE carrier_session_id = '%s'",
           session);
  PQclear(PQexec(db, sql));
  for (size_t i = 0; i < 5; i++) {
    ck_assert_int_eq(it_hop(&gw2, session, b, path[i], &r), 0);
    ck_assert_msg(strncmp(r.body, "CON ", 4) == 0, "hop %zu: %s", i, r.body);
  }
  ck_assert_int_eq(it_hop(&gw2, session, b, "3*1*1*1*2", &r), 0); /* B answers region 2 */
  ck_assert_msg(strncmp(r.body, "END ", 4) == 0, "B's answer was acknowledged: %s", r.body);
  it_respondent_hex(&srv, b, hex_b);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM responses WHERE carrier_session_id = '%s' AND "
           "encode(respondent, 'hex') = '%s'",
           session, hex_b);
  ck_assert_int_eq(it_count(db, sql), 0);
  /* A's own retry of that hop, on the first process: the same answer, served again (the retry
   * of every hop on another process is it_engine's two-process test). */
  ck_assert_int_eq(it_hop(&srv, session, a, "3*1*1*1*1", &r), 0);
  ck_assert_msg(strncmp(r.body, "CON ", 4) == 0, "A's retry: %s", r.body);
  ck_assert_int_eq(it_server_stop(&gw2), 0);
}
END_TEST

/* SIGTERM while an answer is committing: the gateway stops accepting, waits for the commit,
 * answers the hop with its next screen, then exits 0. The commit is held back by a lock the
 * test takes, so the order of events is certain. */
START_TEST(test_it_sigterm_finishes_what_is_committing)
{
  static const char *const head[] = {"1", "1", "1"};
  struct it_server gw;
  struct it_resp r;
  char phone[16], session[96], resp[65], got[4200] = "";
  const char *p[1] = {resp};
  PGconn *lock = it_db();
  PGresult *res;
  int fds[2], status;
  pid_t child;
  ssize_t n;

  ck_assert_ptr_nonnull(lock);
  ck_assert_int_eq(it_server_start(&gw, NULL), 0);
  ck_assert_int_eq(it_wait_health(&gw, 200, 10000), 0);
  it_fresh_phone(phone);
  it_session_id(session, sizeof(session), "term");
  ck_assert_int_eq(it_play(&gw, session, phone, head, 3, &r), 0); /* Kazakh, the survey, start */
  PQclear(PQexec(lock, "BEGIN"));
  res = PQexec(lock, "LOCK TABLE survey_progress IN ACCESS EXCLUSIVE MODE");
  ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
  PQclear(res);

  ck_assert_int_eq(pipe(fds), 0);
  child = fork();
  if (child == 0) { /* the carrier: "mother", whose attempt must be stored before the reply */
    struct it_resp cr;
    close(fds[0]);
    if (it_hop(&gw, session, phone, "1*1*1*1", &cr) == 0) {
      char line[4200];
      int len = snprintf(line, sizeof(line), "%ld %s", cr.status, cr.body);
      if (write(fds[1], line, (size_t)len) < 0)
        _exit(2);
    }
    _exit(0);
  }
  close(fds[1]);
  /* Wait until the hop is in the gateway, its attempt queued behind the locked table. */
  it_wait_health_says(&gw, "\"pending_answers\":1,", 10000, "the hop's attempt pending");
  ck_assert_int_eq(kill(gw.pid, SIGTERM), 0);
  usleep(400 * 1000);
  ck_assert_msg(it_server_alive(&gw), "exited with an answer still committing");
  PQclear(PQexec(lock, "COMMIT"));
  n = read(fds[0], got, sizeof(got) - 1);
  ck_assert_int_gt(n, 0);
  got[n] = '\0';
  waitpid(child, &status, 0);
  ck_assert_msg(strncmp(got, "200 CON ", 8) == 0, "the hop's reply: %s", got);
  ck_assert_int_eq(it_server_stop(&gw), 0);
  it_respondent_hex(&gw, phone, resp);
  res = PQexecParams(lock,
                     "SELECT count(*) FROM survey_progress WHERE encode(respondent, 'hex') = $1", 1,
                     NULL, p, NULL, NULL, 0);
  ck_assert_str_eq(PQgetvalue(res, 0, 0), "1");
  PQclear(res);
  PQfinish(lock);
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
  tcase_add_loop_test(tc, test_it_yes_no_screens_in_language, 0, 3);
  tcase_add_test(tc, test_it_city_skips_settlement);
  tcase_add_test(tc, test_it_retried_hop_same_reply_one_row);
  tcase_add_test(tc, test_it_navigation_stores_nothing);
  tcase_add_test(tc, test_it_not_kazakh_number_polite_end);
  tcase_add_test(tc, test_it_malformed_requests);
  tcase_add_test(tc, test_it_healthz_reports_db);
  tcase_add_test(tc, test_it_allow_list_refuses_other_callers);
  tcase_add_test(tc, test_it_retry_burst_while_profile_loads);
  tcase_add_test(tc, test_it_reused_session_id_refused);
  suite_add_tcase(s, tc);

  tcase_add_unchecked_fixture(out, setup, teardown);
  tcase_set_timeout(out, 90);
  tcase_add_test(out, test_it_db_outage_and_recovery);
  tcase_add_test(out, test_it_sigterm_finishes_what_is_committing);
  suite_add_tcase(s, out);
  return s;
}

AG_CHECK_MAIN(it_ussd_suite)
