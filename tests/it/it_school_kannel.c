/* it_school_kannel.c: issue 13 end to end with a real Kannel (tests/it/it_kannel_box.h:
 * bearerbox, smsbox and fakesmsc) and a gateway on the test database. Parents link themselves
 * to a school of this run and consent (or not) through the real USSD menu "My child's school";
 * a school token creates requests over HTTP; the delivery worker (decision 90) queues them and
 * the outbox sends them through Kannel to fakesmsc, which checks:
 *   - linked consenting parents get the text sms_school_text renders, in their language (a
 *     Kazakh parent gets the Russian text framed in Russian when the school wrote no Kazakh);
 *     a parent who said no and a parent of another school get nothing;
 *   - replies by SMS through fakesmsc ("1", then "1" again, then "2"; "ИӘ") come back through
 *     Kannel's get-url to /sms/NAME and are counted once per phone (decision 95);
 *   - STOP by SMS ends the school's messages (decision 93), confirmed in the parent's language;
 *   - the week cap per phone (school_week_cap 2) and the school's day cap (school_daily_cap 8)
 *     hold: a third request in the week reaches nobody who had two, and the day stops at 8. */
#include "sms/sms.h"
#include "tests/it/it_harness.h"
#include "tests/it/it_kannel_box.h"
#include "tests/support/ag_check.h"

#include <check.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DAY_CAP 8

static struct itk kb;
static struct it_server gw;
static PGconn *db;
static char tok[64];
static long school, other_school;
static char school_name[64];

static void kill_all(void)
{
  itk_kill(&kb);
  if (gw.pid > 0)
    kill(gw.pid, SIGKILL);
}

#define q(...)                      it_countf(db, __VA_ARGS__)
#define wait_q(want, ms, what, ...) it_wait_countf(db, want, ms, what, kb.dir, gw.log, __VA_ARGS__)

/* A new school in Aktobe city under a number no school there has; its id. */
static long new_school(const char *name)
{
  char sql[700];

  snprintf(sql, sizeof(sql),
           "INSERT INTO schools (region_code, district_code, name, number, settlement)"
           " SELECT region_code, code, '%s', (SELECT min(n) FROM generate_series(5000,"
           " 9000) n WHERE NOT EXISTS (SELECT 1 FROM schools WHERE district_code ="
           " 'aktobe-aktobe-city' AND number = n)), 'urban' FROM districts WHERE code ="
           " 'aktobe-aktobe-city'",
           name);
  it_exec(db, sql);
  snprintf(sql, sizeof(sql), "SELECT id FROM schools WHERE name = '%s'", name);
  return it_count(db, sql);
}

static const char *gw_conf = "token_refresh_ms = 1000\n"
                             "school_poll_ms = 200\n"
                             "school_week_cap = 2\n"
                             "school_daily_cap = %d\n"
                             "sms_retry_base_ms = 200\n"
                             "sms_retry_max_ms = 1000\n"
                             "sms_http_timeout_ms = 3000\n"
                             "sms_quiet_start_min = 0\n"
                             "sms_quiet_end_min = 0\n"
                             "[carrier.at]\n"
                             "dialect = at\n"
                             "[carrier.skannel]\n"
                             "dialect = kannel\n"
                             "sms_url = http://127.0.0.1:%d/cgi-bin/sendsms\n"
                             "sms_user = gw\n"
                             "sms_password = secret\n"
                             "sms_callback_url = http://127.0.0.1:@PORT@\n"
                             "sms_rate = 50\n";

static void setup(void)
{
  char conf[2048], name[64], args[128];
  int run = (int)(itk_now_ms() % 1000000);

  itk_init(&kb, "it_school_kannel");
  atexit(kill_all);
  db = it_db();
  ck_assert_ptr_nonnull(db);
  /* Nothing of other tests may be sent by this gateway: its first send could reach smsbox
   * before smsbox is connected to bearerbox (smsbox 1.4.5 then dies in counter_increase). */
  it_exec(db, "DELETE FROM outbox WHERE link = 'skannel'");
  it_exec(db, "UPDATE school_requests SET closed_at = now() WHERE closed_at IS NULL");
  it_exec(db, "UPDATE subscriptions SET next_tip_at = now() + interval '1 year' WHERE active");
  snprintf(conf, sizeof(conf), gw_conf, DAY_CAP, kb.p_send);
  ck_assert_int_eq(it_server_start(&gw, conf), 0);
  ck_assert_int_eq(it_wait_health(&gw, 200, 10000), 0);
  itk_write_conf(&kb, gw.port, "/sms/skannel");
  itk_start(&kb);
  /* Two schools of this run: the day cap counts the school's deliveries of the day. */
  snprintf(school_name, sizeof(school_name), "Мектеп K%d", run);
  school = new_school(school_name);
  snprintf(name, sizeof(name), "Школа K%d", run);
  other_school = new_school(name);
  snprintf(args, sizeof(args), "--role school --school %ld --name it-skannel", school);
  it_token_create(AULGATE_BIN, args, tok);
}

static void teardown(void)
{
  kill_all();
  if (db)
    PQfinish(db);
  db = NULL;
}

/* The school's number (as the parent types it). */
static void number_of(long id, char out[8])
{
  snprintf(out, 8, "%ld", q("SELECT number FROM schools WHERE id = %ld", id));
}

/* A parent (a fresh phone) links to school id through "My child's school" in lang (1 kk, 2 ru),
 * consenting when yes; STOP then ends both. Respondent hex in hex. The districts are listed in
 * the alphabet of the language: Aktobe city is the first in Kazakh, the second in Russian. */
static void parent(char phone[16], char hex[65], const char *lang, long id, int yes)
{
  char num[8], sid[64];
  const char *city = strcmp(lang, "1") == 0 ? "1" : "2";
  const char *in[] = {lang, "6", "1", "1", "3", city, num, yes ? "1" : "2", "1"};
  struct it_resp r;

  number_of(id, num);
  it_fresh_phone(phone);
  it_respondent_hex(&gw, phone, hex);
  it_session_id(sid, sizeof(sid), "skannel");
  ck_assert_int_eq(it_play(&gw, sid, phone, in, yes ? 9 : 8, &r), 0);
  ck_assert_msg(strncmp(r.body, "END ", 4) == 0, "%s", r.body);
  ck_assert_int_eq(q("SELECT count(*) FROM school_links WHERE respondent = decode('%s', 'hex')"
                     " AND school_id = %ld AND unlinked_at IS NULL",
                     hex, id),
                   1);
  ck_assert_int_eq(
      q("SELECT count(*) FROM school_contacts WHERE respondent = decode('%s', 'hex')", hex), yes);
}

static struct it_resp *api(const char *path, const char *form)
{
  static struct it_resp r;
  char h[120];
  const char *hdrs[2] = {h, NULL};

  snprintf(h, sizeof(h), "Authorization: Bearer %s", tok);
  for (int i = 0; i < 100; i++) { /* the token cache may be a refresh behind */
    ck_assert_int_eq(it_post_headers(&gw, path, hdrs, form, strlen(form), &r), 0);
    if (r.status != 401)
      break;
    usleep(50 * 1000);
  }
  ck_assert_msg(r.status == 200, "%s: %ld %s", path, r.status, r.body);
  return &r;
}

static long create(const char *form)
{
  return strtol(strstr(api("/api/v1/school/requests", form)->body, "\"id\":") + 5, NULL, 10);
}

/* Deliveries of request id that the outbox submitted to Kannel (or Kannel reported). */
static void wait_sent(long id, long n, const char *what)
{
  wait_q(n, 20000, what,
         "SELECT count(*) FROM school_deliveries d JOIN outbox o ON o.id = d.outbox_id WHERE"
         " d.request_id = %ld AND o.link = 'skannel' AND o.kind = 'school' AND o.state IN"
         " ('submitted', 'delivered')",
         id);
}

/* fakesmsc received, for phone, the message of request text in lang exactly times times. */
static void wait_text(const char *phone, const char *text, const char *lang, int times,
                      const char *what)
{
  char body[SMS_SCHOOL_TEXT_MAX], expect[SMS_SCHOOL_TEXT_MAX + 32];

  ck_assert_int_eq(sms_school_text(school_name, text, lang, body, sizeof(body)), 0);
  snprintf(expect, sizeof(expect), "%s %s", phone, body);
  itk_wait_received(&kb, expect, times, 15000, what);
}

/* An SMS from phone through fakesmsc (type text or ucs2, data URL-encoded), then waits until
 * the gateway has taken it (one more message in its inbox). */
static void mo(const char *phone, const char *type, const char *data)
{
  char line[256];
  long before = q("SELECT count(*) FROM sms_inbox WHERE link = 'skannel'");

  snprintf(line, sizeof(line), "%s 1414 %s %s\n", phone, type, data);
  itk_mo(&kb, line);
  wait_q(before + 1, 15000, "the MO taken",
         "SELECT count(*) FROM sms_inbox WHERE link = 'skannel'");
}

static long answers(long id, const char *hex, const char *answer)
{
  return q("SELECT count(*) FROM school_answers WHERE request_id = %ld AND respondent ="
           " decode('%s', 'hex') AND channel = 'sms' AND answer = '%s'",
           id, hex, answer);
}

static const char kk1[] = "Сенбіде мектеп ауласын тазалауға көмек керек.";
static const char ru1[] = "Нужна помощь в субботу: уборка школьного двора.";
static const char ru2[] = "Кто может рассказать детям о своей профессии?";

START_TEST(test_school_kannel)
{
  char pa[16], pb[16], pc[16], pd[16], pe[16], pf[16], pg[16], ha[65], hb[65], hc[65], hd[65],
      he[65], hf[65], hg[65], path[128], line[256], expect[600];
  struct sms_tips *tips = NULL;
  long r1, r2, r3, r4;
  long long t0 = itk_now_ms();
  const char *got;

  /* The day cap counts the school's local day (Asia/Almaty): not across its midnight. */
  {
    long left = q("SELECT extract(epoch FROM date_trunc('day', now() AT TIME ZONE 'Asia/Almaty')"
                  " + interval '1 day' - now() AT TIME ZONE 'Asia/Almaty')::bigint");
    if (left < 90)
      sleep((unsigned)left + 1);
  }
  snprintf(line, sizeof(line), "%s/content/calendar.json", getenv("AULGATE_ROOT"));
  ck_assert_int_eq(sms_tips_load(line, &tips, expect, sizeof(expect)), 0);
  parent(pa, ha, "1", school, 1);       /* Kazakh, consenting */
  parent(pb, hb, "2", school, 1);       /* Russian, consenting */
  parent(pc, hc, "2", school, 0);       /* linked, no consent */
  parent(pd, hd, "2", other_school, 1); /* another school's parent */
  parent(pe, he, "1", school, 1);       /* Kazakh, will send STOP */

  /* 1. A request in both languages: A and E in Kazakh, B in Russian; C and D nothing. */
  r1 = create("kind=repair&text_kk=%D0%A1%D0%B5%D0%BD%D0%B1%D1%96%D0%B4%D0%B5+%D0%BC%D0%B5%D0%BA"
              "%D1%82%D0%B5%D0%BF+%D0%B0%D1%83%D0%BB%D0%B0%D1%81%D1%8B%D0%BD+%D1%82%D0%B0%D0%B7"
              "%D0%B0%D0%BB%D0%B0%D1%83%D2%93%D0%B0+%D0%BA%D3%A9%D0%BC%D0%B5%D0%BA+%D0%BA%D0%B5"
              "%D1%80%D0%B5%D0%BA."
              "&text_ru=%D0%9D%D1%83%D0%B6%D0%BD%D0%B0+%D0%BF%D0%BE%D0%BC%D0%BE%D1%89%D1%8C+%D0"
              "%B2+%D1%81%D1%83%D0%B1%D0%B1%D0%BE%D1%82%D1%83%3A+%D1%83%D0%B1%D0%BE%D1%80%D0%BA"
              "%D0%B0+%D1%88%D0%BA%D0%BE%D0%BB%D1%8C%D0%BD%D0%BE%D0%B3%D0%BE+%D0%B4%D0%B2%D0%BE"
              "%D1%80%D0%B0.");
  wait_sent(r1, 3, "the first request submitted to Kannel for A, B and E");
  wait_text(pa, kk1, "kk", 1, "A's message in Kazakh");
  wait_text(pe, kk1, "kk", 1, "E's message in Kazakh");
  wait_text(pb, ru1, "ru", 1, "B's message in Russian");
  got = itk_received(&kb);
  ck_assert_msg(!strstr(got, pc) && !strstr(got, pd), "C or D got a message:\n%s", got);
  ck_assert_int_eq(q("SELECT count(*) FROM school_deliveries WHERE respondent IN (decode('%s',"
                     " 'hex'), decode('%s', 'hex'))",
                     hc, hd),
                   0);

  /* 2. Replies by SMS through Kannel: A's "1", the same again, then "2": one answer, the last;
   * B's "ИӘ": help. */
  mo(pa, "text", "1");
  ck_assert_int_eq(answers(r1, ha, "help"), 1);
  mo(pa, "text", "1");
  mo(pa, "text", "2");
  ck_assert_int_eq(answers(r1, ha, "not_now"), 1);
  mo(pb, "ucs2", "%04%18%04%D8"); /* ИӘ */
  ck_assert_int_eq(answers(r1, hb, "help"), 1);
  ck_assert_int_eq(q("SELECT count(*) FROM school_answers WHERE request_id = %ld", r1), 2);

  /* 3. STOP ("СТОП") from E, a Kazakh parent: the school's number erased, the confirmation
   * in Kazakh saying that school messages are off too. */
  mo(pe, "ucs2", "%04%21%04%22%04%1E%04%1F");
  ck_assert_int_eq(
      q("SELECT count(*) FROM school_contacts WHERE respondent = decode('%s', 'hex')", he), 0);
  ck_assert_int_eq(q("SELECT count(*) FROM school_consents WHERE respondent = decode('%s', 'hex')"
                     " AND NOT granted AND channel = 'sms'",
                     he),
                   1);
  snprintf(expect, sizeof(expect), "%s %s", pe, sms_text(tips, SMS_TEXT_OFF_ALL, "kk"));
  itk_wait_received(&kb, expect, 1, 15000, "E's STOP confirmation in Kazakh");

  /* 4. A second request, in Russian only: A (Kazakh) gets it framed in Russian, B too; E, who
   * stopped, does not. */
  r2 = create("kind=talk&text_ru=%D0%9A%D1%82%D0%BE+%D0%BC%D0%BE%D0%B6%D0%B5%D1%82+%D1%80%D0%B0"
              "%D1%81%D1%81%D0%BA%D0%B0%D0%B7%D0%B0%D1%82%D1%8C+%D0%B4%D0%B5%D1%82%D1%8F%D0%BC+"
              "%D0%BE+%D1%81%D0%B2%D0%BE%D0%B5%D0%B9+%D0%BF%D1%80%D0%BE%D1%84%D0%B5%D1%81%D1%81"
              "%D0%B8%D0%B8%3F");
  wait_sent(r2, 2, "the second request submitted for A and B");
  wait_text(pa, ru2, "ru", 1, "A's second message, in Russian");
  wait_text(pb, ru2, "ru", 1, "B's second message");
  usleep(1000 * 1000); /* five polls */
  ck_assert_int_eq(q("SELECT count(*) FROM school_deliveries WHERE request_id = %ld", r2), 2);
  ck_assert_int_eq(itk_occurrences(itk_received(&kb), pe), 2); /* the first request and STOP's */

  /* 5. The week cap: both requests closed, F and G link; a third request reaches them only (A
   * and B had two this week; the day has room for three). */
  snprintf(path, sizeof(path), "/api/v1/school/requests/%ld/close", r1);
  api(path, "");
  snprintf(path, sizeof(path), "/api/v1/school/requests/%ld/close", r2);
  api(path, "");
  parent(pf, hf, "2", school, 1);
  parent(pg, hg, "1", school, 1);
  r3 = create("kind=materials&text_ru=%D0%9D%D1%83%D0%B6%D0%BD%D1%8B+%D0%BA%D1%80%D0%B0%D1%81"
              "%D0%BA%D0%B8.");
  wait_sent(r3, 2, "the third request submitted for F and G");
  usleep(1000 * 1000);
  ck_assert_int_eq(q("SELECT count(*) FROM school_deliveries WHERE request_id = %ld AND"
                     " respondent IN (decode('%s', 'hex'), decode('%s', 'hex'))",
                     r3, hf, hg),
                   2);
  ck_assert_int_eq(q("SELECT count(*) FROM school_deliveries WHERE request_id = %ld", r3), 2);

  /* 6. The day cap: 7 sent today, room for one; F and G are both under the week cap. */
  r4 = create("kind=trip&text_ru=%D0%AD%D0%BA%D1%81%D0%BA%D1%83%D1%80%D1%81%D0%B8%D1%8F.");
  wait_sent(r4, 1, "the fourth request, for one phone");
  usleep(1000 * 1000);
  ck_assert_int_eq(q("SELECT count(*) FROM school_deliveries WHERE request_id = %ld", r4), 1);
  ck_assert_int_eq(q("SELECT count(*) FROM school_deliveries d JOIN school_requests r ON r.id ="
                     " d.request_id WHERE r.school_id = %ld",
                     school),
                   DAY_CAP);
  /* Every phone's count at fakesmsc: A 2, B 2, C 0, D 0. */
  got = itk_received(&kb);
  ck_assert_int_eq(itk_occurrences(got, pa), 2);
  ck_assert_int_eq(itk_occurrences(got, pb), 2);
  ck_assert_int_eq(itk_occurrences(got, pc) + itk_occurrences(got, pd), 0);
  printf("it_school_kannel: %lld ms\n", itk_now_ms() - t0);

  /* Leave nothing to send for the next gateway on this database. */
  snprintf(line, sizeof(line),
           "UPDATE school_requests SET closed_at = now() WHERE school_id = %ld AND closed_at IS"
           " NULL",
           school);
  it_exec(db, line);
  it_exec(db, "DELETE FROM outbox WHERE link = 'skannel'");
  snprintf(line, sizeof(line),
           "DELETE FROM school_contacts c USING school_links l WHERE"
           " l.respondent = c.respondent AND l.school_id IN (%ld, %ld)",
           school, other_school);
  it_exec(db, line);
  ck_assert_int_eq(it_server_stop(&gw), 0);
  sms_tips_free(tips);
  kill_all();
  itk_remove_dir(&kb); /* kept when the test fails: the logs say why */
}
END_TEST

static Suite *school_kannel_suite(void)
{
  Suite *s = suite_create("it_school_kannel");
  TCase *tc = tcase_create("school_kannel");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_school_kannel);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(school_kannel_suite)
