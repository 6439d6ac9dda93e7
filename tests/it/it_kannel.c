/* it_kannel.c: the SMS channel end to end with a real Kannel (issue 12): the test writes a
 * bearerbox + smsbox configuration (free ports, files under the build folder), starts
 * /usr/sbin/bearerbox, /usr/sbin/smsbox and /usr/lib/kannel/test/fakesmsc (the fake SMSC, which
 * prints what it receives and answers with delivery reports), and gateways on the test
 * database:
 *   - a due tip goes out, fakesmsc receives it with the Cyrillic intact, the reports arrive and
 *     the row ends delivered;
 *   - an MO "СТОП" from fakesmsc unsubscribes the number, the confirmation goes out in the
 *     subscriber's language, the number is gone from the database, no further tip goes out;
 *   - with Kannel stopped, messages wait and are retried, and each reaches fakesmsc exactly
 *     once when it is back;
 *   - two gateway processes sharing the outbox send nothing twice.
 * Every child is killed on every path: each dies with the test (PR_SET_PDEATHSIG), and an
 * atexit handler and the fixture's teardown kill what is left. */
#include "tests/it/it_harness.h"
#include "tests/it/it_kannel_box.h"
#include "tests/support/ag_check.h"
#include "sms/sms.h"

#include <check.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct itk kb;
static struct it_server gw1, gw2;
static PGconn *db;

static void kill_all(void)
{
  itk_kill(&kb);
  if (gw1.pid > 0)
    kill(gw1.pid, SIGKILL);
  if (gw2.pid > 0)
    kill(gw2.pid, SIGKILL);
}

#define q(...)                      it_countf(db, __VA_ARGS__)
#define wait_q(want, ms, what, ...) it_wait_countf(db, want, ms, what, kb.dir, gw1.log, __VA_ARGS__)

static const char *gw_conf = "sms_retry_base_ms = 200\n"
                             "sms_retry_max_ms = 1000\n"
                             "sms_http_timeout_ms = 3000\n"
                             "sms_quiet_start_min = 0\n"
                             "sms_quiet_end_min = 0\n"
                             "[carrier.kannel]\n"
                             "dialect = kannel\n"
                             "sms_url = http://127.0.0.1:%d/cgi-bin/sendsms\n"
                             "sms_user = gw\n"
                             "sms_password = secret\n"
                             "sms_callback_url = http://127.0.0.1:@PORT@\n"
                             "sms_rate = %d\n";

static void setup(void)
{
  char conf[2048];

  itk_init(&kb, "it_kannel");
  atexit(kill_all);
  db = it_db();
  ck_assert_ptr_nonnull(db);
  /* rows of an earlier run of this test must not be sent by this one, and the subscribers and
   * schools' open requests of the other tests (hundreds after a full run) must not queue ahead
   * of this test's own (a send before smsbox is connected to bearerbox also kills smsbox 1.4.5:
   * it_school_kannel); a school's delivery keeps its row, its outbox reference cleared */
  it_exec(db, "DELETE FROM outbox WHERE link = 'kannel'");
  it_exec(db, "UPDATE school_requests SET closed_at = now() WHERE closed_at IS NULL");
  it_exec(db, "UPDATE subscriptions SET next_tip_at = now() + interval '1 year' WHERE active");
  snprintf(conf, sizeof(conf), gw_conf, kb.p_send, 50);
  ck_assert_int_eq(it_server_start(&gw1, conf), 0);
  itk_write_conf(&kb, gw1.port, "/sms/kannel");
  itk_start(&kb);
}

static void teardown(void)
{
  kill_all();
  if (db)
    PQfinish(db);
}

/* A subscriber of band pre in language lang, subscribed as the USSD menu does it. */
static void subscribe(const char *phone, const char *lang, char hex[65])
{
  char sql[600];

  it_respondent_hex(&gw1, phone, hex);
  snprintf(sql, sizeof(sql),
           "INSERT INTO subscriptions (msisdn, respondent, language, band, active, updated_at)"
           " VALUES ('%s', decode('%s', 'hex'), '%s', 'pre', true, now())",
           phone, hex, lang);
  it_exec(db, sql);
}

static void queue_sms(const char *kind, const char *phone, const char *hex, const char *text,
                      const char *due)
{
  char sql[1200];

  snprintf(sql, sizeof(sql),
           "INSERT INTO outbox (link, kind, respondent, msisdn, body, parts, due_at, "
           "next_attempt_at) VALUES ('kannel', '%s', decode('%s', 'hex'), '%s', '%s', 1, %s, %s)",
           kind, hex, phone, text, due, due);
  it_exec(db, sql);
}

/* The value of the series of /metrics starting with prefix (0 when absent). */
static double metric(const struct it_server *s, const char *prefix)
{
  struct it_resp r;
  const char *p;

  ck_assert_int_eq(it_get(s, "/metrics", &r), 0);
  p = strstr(r.body, prefix);
  return p ? atof(p + strlen(prefix)) : 0;
}

static const char *slurp_metrics(const struct it_server *s)
{
  static struct it_resp r;

  ck_assert_int_eq(it_get(s, "/metrics", &r), 0);
  return r.body;
}

START_TEST(test_kannel_end_to_end)
{
  char phone[16], hex[65], line[256], sql[600], text[64], conf[2048], expect[600];
  struct sms_tips *tips = NULL;
  int run = (int)(itk_now_ms() % 100000);
  struct it_resp r;

  /* 1. A new subscriber (band pre, Kazakh): the scheduler queues the confirmation and the
   * first tip of the band's cycle; both arrive intact (UCS-2) and are reported delivered. */
  it_fresh_phone(phone);
  subscribe(phone, "kk", hex);
  snprintf(sql, sizeof(sql), "%s/content/calendar.json", getenv("AULGATE_ROOT"));
  ck_assert_int_eq(sms_tips_load(sql, &tips, line, sizeof(line)), 0);
  snprintf(expect, sizeof(expect), "%s %s", phone, sms_tips_pick(tips, "pre", "kk", 0));
  itk_wait_received(&kb, expect, 1, 20000, "the first tip");
  snprintf(expect, sizeof(expect), "%s %s", phone, sms_text(tips, SMS_TEXT_ON, "kk"));
  itk_wait_received(&kb, expect, 1, 5000, "the opt-in confirmation");
  wait_q(2, 15000, "the confirmation and the tip delivered, their number erased",
         "SELECT count(*) FROM outbox WHERE respondent = decode('%s', 'hex') AND kind IN ('tip', "
         "'on') AND state = 'delivered' AND msisdn IS NULL AND dlr_seen & 1 = 1 AND attempts = 1",
         hex);
  ck_assert_int_eq(q("SELECT count(*) FROM subscriptions WHERE respondent = decode('%s', 'hex')"
                     " AND tip_seq = 1 AND next_tip_at > now() + interval '23 hours'",
                     hex),
                   1);

  /* 2. СТОП from the phone: off, the number erased, the confirmation in Kazakh, no more tips. */
  queue_sms("tip", phone, hex, "a later tip", "now() + interval '1 hour'");
  snprintf(line, sizeof(line), "%s 1414 ucs2 %%04%%21%%04%%22%%04%%1E%%04%%1F\n", phone);
  itk_mo(&kb, line);
  wait_q(1, 15000, "switched off by SMS",
         "SELECT count(*) FROM subscriptions WHERE respondent = decode('%s', 'hex') AND NOT active"
         " AND msisdn IS NULL",
         hex);
  snprintf(expect, sizeof(expect), "%s %s", phone, sms_text(tips, SMS_TEXT_OFF, "kk"));
  itk_wait_received(&kb, expect, 1, 15000, "the STOP confirmation in Kazakh");
  wait_q(1, 15000, "the confirmation delivered",
         "SELECT count(*) FROM outbox WHERE respondent = decode('%s', 'hex') AND kind = 'off' AND "
         "state = 'delivered'",
         hex);
  ck_assert_int_eq(q("SELECT count(*) FROM subscription_events WHERE respondent = "
                     "decode('%s', 'hex') AND action = 'off' AND channel = 'sms'",
                     hex),
                   1);
  ck_assert_int_eq(q("SELECT count(*) FROM outbox WHERE respondent = decode('%s', 'hex') AND "
                     "kind = 'tip' AND state = 'failed' AND error = 'opted out'",
                     hex),
                   1);
  ck_assert_int_eq(q("SELECT (SELECT count(*) FROM subscriptions WHERE msisdn = '%s') + "
                     "(SELECT count(*) FROM outbox WHERE msisdn = '%s')",
                     phone, phone),
                   0);
  ck_assert_int_eq(itk_occurrences(itk_received(&kb), "a later tip"), 0);

  /* The scheduler never takes it again. */
  ck_assert_int_eq(q("SELECT count(*) FROM outbox WHERE respondent = decode('%s', 'hex') AND "
                     "kind = 'tip' AND state <> 'failed'",
                     hex),
                   1);

  /* A repeated MO (Kannel retrying its get-url: the same id) is handled once. */
  snprintf(line, sizeof(line), "/sms/kannel?id=it-kannel-%d&from=%%2B77059990%03d&text=START", run,
           run % 1000);
  for (int i = 0; i < 3; i++) {
    ck_assert_int_eq(it_get(&gw1, line, &r), 0);
    ck_assert_int_eq(r.status, 200);
  }
  snprintf(text, sizeof(text), "+77059990%03d", run % 1000);
  snprintf(expect, sizeof(expect), "%s %s", text, sms_text(tips, SMS_TEXT_ON, "en"));
  itk_wait_received(&kb, expect, 1, 15000, "one START confirmation");
  ck_assert_int_eq(q("SELECT count(*) FROM sms_inbox WHERE link = 'kannel' AND message_id = "
                     "'it-kannel-%d'",
                     run),
                   1);
  snprintf(sql, sizeof(sql), "DELETE FROM subscriptions WHERE msisdn = '%s'", text);
  it_exec(db, sql);

  /* 3. Kannel stopped: messages wait and are retried; once it is back each arrives once. */
  itk_stop(&kb);
  for (int i = 0; i < 3; i++) {
    snprintf(text, sizeof(text), "retry-%d-%d", run, i);
    queue_sms("test", phone, hex, text, "now()");
  }
  wait_q(3, 10000, "retried while Kannel is down",
         "SELECT count(*) FROM outbox WHERE body LIKE 'retry-%d-%%' AND state = 'queued' AND "
         "attempts >= 2 AND error LIKE 'transport %%'",
         run);
  itk_start(&kb);
  for (int i = 0; i < 3; i++) {
    snprintf(text, sizeof(text), "retry-%d-%d", run, i);
    itk_wait_received(&kb, text, 1, 15000, "a retried message");
  }
  wait_q(3, 15000, "the retried messages delivered",
         "SELECT count(*) FROM outbox WHERE body LIKE 'retry-%d-%%' AND state = 'delivered'", run);

  /* 4. Two gateways share the outbox: forty messages, each received once. Each runs at 5 parts/s
   * here, so one alone would need 8 s while both poll every second: the second always claims its
   * share, whichever polls first (at 50/s the first could take all forty before the other woke). */
  ck_assert_int_eq(it_server_stop(&gw1), 0);
  snprintf(conf, sizeof(conf), gw_conf, kb.p_send, 5);
  ck_assert_int_eq(it_server_start(&gw1, conf), 0);
  ck_assert_int_eq(it_server_start(&gw2, conf), 0);
  for (int i = 0; i < 40; i++) {
    snprintf(text, sizeof(text), "pair-%d-%d.", run, i);
    queue_sms("test", phone, hex, text, "now()");
  }
  wait_q(40, 30000, "both gateways' messages delivered",
         "SELECT count(*) FROM outbox WHERE body LIKE 'pair-%d-%%' AND state = 'delivered'", run);
  /* fakesmsc in interactive mode reads the link about once a second */
  for (int i = 0; i < 40; i++) {
    snprintf(text, sizeof(text), "pair-%d-%d.", run, i);
    itk_wait_received(&kb, text, 1, 10000, "a message of the two gateways");
  }
  usleep(2500000); /* a second copy would have arrived by now */
  for (int i = 0; i < 3; i++) {
    snprintf(text, sizeof(text), "retry-%d-%d", run, i);
    ck_assert_msg(itk_occurrences(itk_received(&kb), text) == 1, "'%s' received %d times", text,
                  itk_occurrences(itk_received(&kb), text));
  }
  for (int i = 0; i < 40; i++) {
    snprintf(text, sizeof(text), "pair-%d-%d.", run, i);
    ck_assert_msg(itk_occurrences(itk_received(&kb), text) == 1, "'%s' received %d times", text,
                  itk_occurrences(itk_received(&kb), text));
  }
  {
    const char *series = "aulgate_sms_messages_total{link=\"kannel\",outcome=\"submitted\"} ";
    double a = metric(&gw1, series), b = metric(&gw2, series);
    printf("it_kannel: submitted by the first gateway %.0f, by the second %.0f\n", a, b);
    ck_assert(a > 0 && b > 0);
    /* the operators' view (issue 12, item 7) */
    ck_assert(metric(&gw1, "aulgate_sms_delivery_seconds_count{link=\"kannel\"} ") >= 2);
    ck_assert(metric(&gw1, "aulgate_sms_messages_total{link=\"kannel\",outcome=\"delivered\"} ") >=
              2);
    ck_assert(metric(&gw1, "aulgate_sms_parts_submitted_total{link=\"kannel\"} ") >= 2);
    ck_assert_ptr_nonnull(
        strstr(slurp_metrics(&gw1), "aulgate_sms_outbox_depth{state=\"queued\"}"));
  }
  /* both exit cleanly */
  ck_assert_int_eq(it_server_stop(&gw2), 0);
  ck_assert_int_eq(it_server_stop(&gw1), 0);
  sms_tips_free(tips);
  kill_all();
  itk_remove_dir(&kb); /* kept when the test fails: the logs say why */
}
END_TEST

static Suite *kannel_suite(void)
{
  Suite *s = suite_create("it_kannel");
  TCase *tc = tcase_create("kannel");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 240);
  tcase_add_test(tc, test_kannel_end_to_end);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(kannel_suite)
