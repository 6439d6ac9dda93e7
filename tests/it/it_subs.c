/* it_subs.c: subscriptions on a real gateway and database (issue 12, the rest):
 *   - a number still subscribed under another respondent hash (the secret was rotated): a
 *     START by SMS moves the subscription to the current key (200, not 503 for ever), a STOP
 *     switches the old row off, the USSD switch does either; the history says what happened;
 *     a STOP also withdraws the old key's consent to the school's messages (issue 13);
 *   - the operators' API: DELETE /api/v1/subscriptions/{number or respondent}: the auth matrix,
 *     the number erased, the history's channel 'api', the audit row.
 * The kannel carrier's sendsms points at a closed port: confirmations are queued, not sent. */
#include "tests/it/it_harness.h"
#include "tests/support/ag_check.h"
#include "lib/ag.h"
#include "sms/sms.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct it_server gw;
static PGconn *db;
static int run_id;

#define q(...) it_countf(db, __VA_ARGS__)

static const char *str(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *str(const char *fmt, ...)
{
  static char out[1024];
  char sql[2048];
  va_list ap;
  PGresult *res;

  va_start(ap, fmt);
  vsnprintf(sql, sizeof(sql), fmt, ap);
  va_end(ap);
  res = PQexec(db, sql);
  ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(db));
  snprintf(out, sizeof(out), "%s",
           PQntuples(res) && !PQgetisnull(res, 0, 0) ? PQgetvalue(res, 0, 0) : "(null)");
  PQclear(res);
  return out;
}

static void setup(void)
{
  char conf[1024];

  run_id = (int)(time(NULL) % 100000);
  snprintf(conf, sizeof(conf),
           "token_refresh_ms = 1000\n"
           "sms_quiet_start_min = 0\nsms_quiet_end_min = 0\n"
           "sms_keywords = stop:ru:ОТПИСКА, start:en:JOIN\n"
           "[carrier.at]\ndialect = at\n"
           "[carrier.kannel]\ndialect = kannel\n"
           "sms_url = http://127.0.0.1:%d/cgi-bin/sendsms\n"
           "sms_user = gw\nsms_password = secret\n"
           "sms_callback_url = http://127.0.0.1:@PORT@\n",
           it_free_port());
  it_up(&gw, &db, conf);
}

static void teardown(void)
{
  it_down(&gw, db);
}

/* A subscription of phone under a key that is not the current secret's (as before a rotation). */
static void subscribe_under_old_key(const char *phone, const char *band, int seq)
{
  char sql[600];

  snprintf(sql, sizeof(sql),
           "INSERT INTO subscriptions (msisdn, respondent, language, band, tip_seq, active,"
           " updated_at) VALUES ('%s', decode(md5('old%s') || md5('key%s'), 'hex'), 'ru', '%s', "
           "%d, true, now())",
           phone, phone, phone, band, seq);
  it_exec(db, sql);
}

static long mo(const char *phone, const char *text, int n)
{
  char path[300];
  struct it_resp r;

  snprintf(path, sizeof(path), "/sms/kannel?id=it-subs-%d-%d&from=%%2B%s&text=%s", run_id, n,
           phone + 1, text);
  ck_assert_int_eq(it_get(&gw, path, &r), 0);
  return r.status;
}

START_TEST(test_rekeyed_number_start_stop_ussd)
{
  char phone[16], hex[65];

  /* START from a number subscribed under the old key: 200, one active row, under the current
   * key, with the band and the place in the cycle it had. */
  it_fresh_phone(phone);
  it_respondent_hex(&gw, phone, hex);
  subscribe_under_old_key(phone, "p1", 5);
  ck_assert_int_eq(mo(phone, "START", 1), 200);
  ck_assert_int_eq(q("SELECT count(*) FROM subscriptions WHERE msisdn = '%s'", phone), 1);
  ck_assert_str_eq(str("SELECT encode(respondent, 'hex') || ':' || band || ':' || tip_seq ||"
                       " ':' || active FROM subscriptions WHERE msisdn = '%s'",
                       phone),
                   str("SELECT '%s:p1:5:true'", hex));
  ck_assert_str_eq(str("SELECT string_agg(action || ':' || channel, ',' ORDER BY id) FROM"
                       " subscription_events WHERE respondent = decode(md5('old%s') ||"
                       " md5('key%s'), 'hex')",
                       phone, phone),
                   "off:rekey");
  ck_assert_str_eq(str("SELECT string_agg(action || ':' || channel, ',' ORDER BY id) FROM"
                       " subscription_events WHERE respondent = decode('%s', 'hex')",
                       hex),
                   "on:sms");
  ck_assert_int_eq(q("SELECT count(*) FROM outbox WHERE respondent = decode('%s', 'hex') AND"
                     " kind = 'on'",
                     hex),
                   1);
  /* Kannel retrying the same MO: nothing more. */
  ck_assert_int_eq(mo(phone, "START", 1), 200);
  ck_assert_int_eq(q("SELECT count(*) FROM subscription_events WHERE respondent = decode('%s',"
                     " 'hex')",
                     hex),
                   1);

  /* STOP from a number subscribed under the old key only: it stops, the number is gone. */
  it_fresh_phone(phone);
  it_respondent_hex(&gw, phone, hex);
  subscribe_under_old_key(phone, "p2", 2);
  ck_assert_int_eq(mo(phone, "%D0%A1%D0%A2%D0%9E%D0%9F", 2), 200); /* СТОП */
  ck_assert_int_eq(q("SELECT count(*) FROM subscriptions WHERE msisdn = '%s' OR active AND"
                     " respondent = decode(md5('old%s') || md5('key%s'), 'hex')",
                     phone, phone, phone),
                   0);
  ck_assert_str_eq(str("SELECT string_agg(action || ':' || channel || ':' || language, ',') FROM"
                       " subscription_events WHERE respondent = decode(md5('old%s') ||"
                       " md5('key%s'), 'hex')",
                       phone, phone),
                   "off:sms:ru");
  /* the confirmation, in the subscription's language (Russian), to the number */
  ck_assert_int_eq(q("SELECT count(*) FROM outbox WHERE kind = 'off' AND msisdn = '%s' AND"
                     " body LIKE '%%СТАРТ%%'",
                     phone),
                   1);

  /* The USSD switch, on (English, menu 4, "Turn on") and off, for numbers under the old key. */
  {
    static const char *const on[] = {"3", "4", "1"}, *const off[] = {"3", "4", "2"};
    char session[96];
    struct it_resp r;
    it_fresh_phone(phone);
    it_respondent_hex(&gw, phone, hex);
    subscribe_under_old_key(phone, "p3", 7);
    it_session_id(session, sizeof(session), "subs-on");
    ck_assert_int_eq(it_play(&gw, session, phone, on, 3, &r), 0);
    ck_assert_msg(strstr(r.body, "SMS tips are on") != NULL, "%s", r.body);
    ck_assert_str_eq(str("SELECT encode(respondent, 'hex') || ':' || band || ':' || tip_seq"
                         " FROM subscriptions WHERE msisdn = '%s' AND active",
                         phone),
                     str("SELECT '%s:p3:7'", hex));
    ck_assert_str_eq(str("SELECT string_agg(action || ':' || channel, ',' ORDER BY id) FROM"
                         " subscription_events WHERE respondent IN (decode('%s', 'hex'),"
                         " decode(md5('old%s') || md5('key%s'), 'hex'))",
                         hex, phone, phone),
                     "on:ussd,off:rekey");
    it_fresh_phone(phone);
    subscribe_under_old_key(phone, "p3", 7);
    it_session_id(session, sizeof(session), "subs-off");
    ck_assert_int_eq(it_play(&gw, session, phone, off, 3, &r), 0);
    ck_assert_msg(strstr(r.body, "SMS tips are off") != NULL, "%s", r.body);
    ck_assert_int_eq(q("SELECT count(*) FROM subscriptions WHERE msisdn = '%s' OR active AND"
                       " respondent = decode(md5('old%s') || md5('key%s'), 'hex')",
                       phone, phone, phone),
                     0);
  }
}
END_TEST

/* Both branches' STOP in one statement (decisions 81 and 88): a number under the old key that
 * also gave the school its number under that key. STOP withdraws that consent too (history on
 * the SMS channel), fails the school's queued message, and the confirmation says both ended. */
START_TEST(test_rekeyed_number_stop_ends_the_school_messages)
{
  char phone[16], sql[700];

  it_fresh_phone(phone);
  subscribe_under_old_key(phone, "p1", 1);
  snprintf(sql, sizeof(sql),
           "INSERT INTO school_contacts (respondent, msisdn, language) VALUES"
           " (decode(md5('old%s') || md5('key%s'), 'hex'), '%s', 'ru');"
           "INSERT INTO outbox (link, kind, respondent, msisdn, body, parts, due_at,"
           " next_attempt_at) VALUES ('kannel', 'school', decode(md5('old%s') || md5('key%s'),"
           " 'hex'), '%s', 'x', 1, now() + interval '1 hour', now() + interval '1 hour')",
           phone, phone, phone, phone, phone, phone);
  it_exec(db, sql);
  ck_assert_int_eq(mo(phone, "STOP", 3), 200);
  ck_assert_int_eq(q("SELECT count(*) FROM school_contacts WHERE msisdn = '%s'", phone), 0);
  ck_assert_str_eq(str("SELECT string_agg(granted || ':' || channel, ',') FROM school_consents"
                       " WHERE respondent = decode(md5('old%s') || md5('key%s'), 'hex')",
                       phone, phone),
                   "false:sms");
  ck_assert_int_eq(q("SELECT count(*) FROM outbox WHERE kind = 'school' AND state = 'failed' AND"
                     " respondent = decode(md5('old%s') || md5('key%s'), 'hex')",
                     phone, phone),
                   1);
  ck_assert_int_eq(q("SELECT count(*) FROM outbox WHERE kind = 'off' AND msisdn = '%s' AND"
                     " body LIKE '%%сообщения школы%%СТАРТ%%'",
                     phone),
                   1);
}
END_TEST

/* One request on a fresh connection (curl cannot be told to send DELETE through the harness):
 * the status; the reply in buf. */
static long raw(const char *method, const char *path, const char *tok, char *buf, size_t cap)
{
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)gw.port)};
  char req[700];
  size_t len = 0;
  int fd = socket(AF_INET, SOCK_STREAM, 0), n;
  long status = -1;

  ck_assert_int_ge(fd, 0);
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
  n = snprintf(req, sizeof(req),
               "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%sConnection: close\r\n\r\n", method, path,
               tok ? "Authorization: Bearer " : "", tok ? tok : "", tok ? "\r\n" : "");
  ck_assert_int_eq(write(fd, req, (size_t)n), n);
  for (;;) {
    struct pollfd p = {fd, POLLIN, 0};
    ssize_t got;
    if (len + 1 >= cap || poll(&p, 1, 10000) <= 0)
      break;
    got = read(fd, buf + len, cap - 1 - len);
    if (got <= 0)
      break;
    len += (size_t)got;
  }
  buf[len] = '\0';
  close(fd);
  sscanf(buf, "HTTP/1.1 %ld", &status);
  return status;
}

START_TEST(test_api_unsubscribe)
{
  char op[64], an[64], ad[64], phone[16], hex[65], path[200], buf[8192];
  long base;

  it_token_create(AULGATE_BIN, "--role operator --name subs-operator", op);
  it_token_create(AULGATE_BIN, "--role analyst --name subs-analyst", an);
  it_token_create(AULGATE_BIN, "--role admin --name subs-admin", ad);
  it_wait_token(&gw, op);
  it_wait_token(&gw, an);
  it_wait_token(&gw, ad);
  base = q("SELECT COALESCE(max(id), 0) FROM audit");

  /* A subscriber (as the USSD switch leaves one) with a tip queued. */
  it_fresh_phone(phone);
  it_respondent_hex(&gw, phone, hex);
  {
    char sql[800];
    snprintf(sql, sizeof(sql),
             "INSERT INTO subscriptions (msisdn, respondent, language, band, active, updated_at)"
             " VALUES ('%s', decode('%s', 'hex'), 'kk', 'p1', true, now());"
             "INSERT INTO outbox (link, kind, respondent, msisdn, body, parts, due_at,"
             " next_attempt_at) VALUES ('kannel', 'tip', decode('%s', 'hex'), '%s', 'x', 1,"
             " now() + interval '1 hour', now() + interval '1 hour')",
             phone, hex, hex, phone);
    it_exec(db, sql);
  }
  /* The auth matrix: no token 401, an analyst 403; a malformed id 400. */
  snprintf(path, sizeof(path), "/api/v1/subscriptions/8%s", phone + 2); /* 8 7xx ... */
  ck_assert_int_eq(raw("DELETE", path, NULL, buf, sizeof(buf)), 401);
  ck_assert_int_eq(raw("DELETE", path, an, buf, sizeof(buf)), 403);
  ck_assert_int_eq(raw("DELETE", "/api/v1/subscriptions/12345", op, buf, sizeof(buf)), 400);
  ck_assert_int_eq(raw("DELETE", "/api/v1/subscriptions/", op, buf, sizeof(buf)), 400);
  ck_assert_int_eq(q("SELECT count(*) FROM subscriptions WHERE msisdn = '%s' AND active", phone),
                   1);
  /* An operator, the number in a local form: off, the number gone, the tip failed. */
  ck_assert_int_eq(raw("DELETE", path, op, buf, sizeof(buf)), 200);
  ck_assert_msg(strstr(buf, "{\"unsubscribed\":true}") != NULL, "%s", buf);
  ck_assert_int_eq(q("SELECT (SELECT count(*) FROM subscriptions WHERE msisdn = '%s') +"
                     " (SELECT count(*) FROM outbox WHERE msisdn = '%s')",
                     phone, phone),
                   0);
  ck_assert_str_eq(str("SELECT string_agg(action || ':' || channel || ':' || language, ',') FROM"
                       " subscription_events WHERE respondent = decode('%s', 'hex')",
                       hex),
                   "off:api:kk");
  ck_assert_int_eq(q("SELECT count(*) FROM outbox WHERE respondent = decode('%s', 'hex') AND"
                     " state = 'failed' AND error = 'opted out'",
                     hex),
                   1);
  ck_assert_int_eq(q("SELECT count(*) FROM outbox WHERE respondent = decode('%s', 'hex') AND"
                     " kind = 'off'",
                     hex),
                   0); /* no SMS */
  /* Again: nothing active, 404. */
  ck_assert_int_eq(raw("DELETE", path, op, buf, sizeof(buf)), 404);
  /* An admin, by respondent: switched on again, then off by its key. */
  {
    char sql[400];
    snprintf(sql, sizeof(sql),
             "UPDATE subscriptions SET active = true, msisdn = '%s' WHERE respondent ="
             " decode('%s', 'hex')",
             phone, hex);
    it_exec(db, sql);
  }
  snprintf(path, sizeof(path), "/api/v1/subscriptions/%s", hex);
  ck_assert_int_eq(raw("DELETE", path, ad, buf, sizeof(buf)), 200);
  ck_assert_int_eq(q("SELECT count(*) FROM subscriptions WHERE msisdn = '%s'", phone), 0);
  /* Audited (written without holding the reply: wait for the rows), the number never in
   * clear. */
  for (int i = 0; i < 100 && q("SELECT count(*) FROM audit WHERE id > %ld AND action ="
                               " 'subscriptions.delete'",
                               base) < 3;
       i++)
    usleep(50000);
  ck_assert_int_eq(q("SELECT count(*) FROM audit WHERE id > %ld AND action ="
                     " 'subscriptions.delete' AND status = 200",
                     base),
                   2);
  ck_assert_int_eq(q("SELECT count(*) FROM audit WHERE id > %ld AND action ="
                     " 'subscriptions.delete' AND status = 404",
                     base),
                   1);
  ck_assert_int_eq(q("SELECT count(*) FROM audit WHERE id > %ld AND outcome = 'role' AND"
                     " status = 403",
                     base),
                   1);
  ck_assert_int_eq(
      q("SELECT count(*) FROM audit WHERE id > %ld AND target LIKE '%%%s%%'", base, phone + 2), 0);
}
END_TEST

/* A subscriber without a band (an SMS START): the scheduler takes the child's grade band from
 * the survey's answer when there is one, else the bands in turn (decision 84), not the first
 * band (pre-school) for every child. */
START_TEST(test_no_band_takes_the_survey_grade_or_the_bands_in_turn)
{
  char p1[16], p2[16], h1[65], h2[65], sql[1200], err[256], path[600];
  struct sms_tips *tips = NULL;
  long long end;

  snprintf(path, sizeof(path), "%s/content/calendar.json", getenv("AULGATE_ROOT"));
  ck_assert_int_eq(sms_tips_load(path, &tips, err, sizeof(err)), AG_OK);
  it_fresh_phone(p1);
  it_fresh_phone(p2);
  it_respondent_hex(&gw, p1, h1);
  it_respondent_hex(&gw, p2, h2);
  snprintf(sql, sizeof(sql),
           "INSERT INTO responses (respondent, survey_id, survey_version, question_id, option,"
           " language, carrier, carrier_session_id, hop, received_at) VALUES (decode('%s',"
           " 'hex'), 'involvement', 4, 'grade', '5-9', 'ru', 'at', 'it-subs-%s', 1, now());"
           "INSERT INTO subscriptions (msisdn, respondent, language, band, active, updated_at)"
           " VALUES ('%s', decode('%s', 'hex'), 'ru', '', true, now()),"
           " ('%s', decode('%s', 'hex'), 'ru', '', true, now());"
           "UPDATE subscriptions SET tip_seq = 1 WHERE respondent = decode('%s', 'hex')",
           h1, p1, p1, h1, p2, h2, h2);
  it_exec(db, sql);
  end = time(NULL) + 20;
  while (time(NULL) < end &&
         q("SELECT count(*) FROM outbox WHERE kind = 'tip' AND respondent IN (decode('%s',"
           " 'hex'), decode('%s', 'hex'))",
           h1, h2) < 2)
    usleep(200000);
  ck_assert_str_eq(str("SELECT body FROM outbox WHERE kind = 'tip' AND respondent ="
                       " decode('%s', 'hex')",
                       h1),
                   sms_tips_pick(tips, "5-9", "ru", 0));
  ck_assert_str_eq(str("SELECT body FROM outbox WHERE kind = 'tip' AND respondent ="
                       " decode('%s', 'hex')",
                       h2),
                   sms_tips_pick(tips, "1-4", "ru", 0)); /* seq 1: the second band's first */
  sms_tips_free(tips);
}
END_TEST

/* Configured keywords (issue 12, item 1: "configured words"): ОТПИСКА stops (the confirmation
 * in the subscription's language), JOIN starts (in English), in any case, with punctuation. */
START_TEST(test_configured_keywords)
{
  char phone[16], hex[65], sql[600];

  it_fresh_phone(phone);
  it_respondent_hex(&gw, phone, hex);
  snprintf(sql, sizeof(sql),
           "INSERT INTO subscriptions (msisdn, respondent, language, band, active, updated_at)"
           " VALUES ('%s', decode('%s', 'hex'), 'kk', 'p1', true, now())",
           phone, hex);
  it_exec(db, sql);
  ck_assert_int_eq(mo(phone, "%D0%BE%D1%82%D0%BF%D0%B8%D1%81%D0%BA%D0%B0%21", 10), 200);
  ck_assert_str_eq(str("SELECT string_agg(action || ':' || channel, ',' ORDER BY id) FROM"
                       " subscription_events WHERE respondent = decode('%s', 'hex')",
                       hex),
                   "off:sms");
  ck_assert_int_eq(q("SELECT count(*) FROM subscriptions WHERE msisdn = '%s'", phone), 0);
  ck_assert_int_eq(q("SELECT count(*) FROM outbox WHERE respondent = decode('%s', 'hex') AND"
                     " kind = 'off' AND body LIKE '%%БАСТАУ%%'",
                     hex),
                   1);
  ck_assert_int_eq(mo(phone, "+join.", 11), 200);
  ck_assert_int_eq(q("SELECT count(*) FROM subscriptions WHERE msisdn = '%s' AND active AND"
                     " language = 'en'",
                     phone),
                   1);
}
END_TEST

static Suite *subs_suite(void)
{
  Suite *s = suite_create("it_subs");
  TCase *tc = tcase_create("subs");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_rekeyed_number_start_stop_ussd);
  tcase_add_test(tc, test_rekeyed_number_stop_ends_the_school_messages);
  tcase_add_test(tc, test_api_unsubscribe);
  tcase_add_test(tc, test_configured_keywords);
  tcase_add_test(tc, test_no_band_takes_the_survey_grade_or_the_bands_in_turn);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(subs_suite)
