/* it_school_send.c: a school's request delivered by SMS through a real gateway, PostgreSQL and
 * an HTTP sink standing for Kannel's sendsms (the kannel dialect; a process of its own that
 * answers 202 and writes what it got to a file). A school token creates the request through
 * the API; the gateway's delivery worker queues it into the outbox (kind 'school') for linked
 * parents whose phone consented, in the request's grade bands; the outbox sends it. Parents
 * not consenting, of another school, unlinked, of another band or over the weekly cap get
 * nothing; a second poll sends nothing twice; the school's daily cap holds; the texts name the
 * school and say how to stop, in the parent's language; a request is queued as soon as it is
 * created, not at the next poll. The parent's side is written with SQL. */
#include "tests/it/it_harness.h"
#include "tests/support/ag_check.h"

#include <arpa/inet.h>
#include <check.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static char sink_file[256];
static pid_t sink_pid;

static void on_sink(struct evhttp_request *req, void *arg)
{
  struct evkeyvalq q;
  const char *to, *text;
  struct evbuffer *out = evbuffer_new();
  FILE *f = arg;

  evhttp_parse_query(evhttp_request_get_uri(req), &q);
  to = evhttp_find_header(&q, "to");
  text = evhttp_find_header(&q, "text");
  fprintf(f, "%s\t%s\n", to ? to : "", text ? text : "");
  fflush(f);
  evhttp_clear_headers(&q);
  evbuffer_add_printf(out, "0: Accepted for delivery");
  evhttp_send_reply(req, 202, "Accepted", out);
  evbuffer_free(out);
}

/* Forks the sink; returns its port. */
static int sink_start(void)
{
  int fds[2], port = 0;

  snprintf(sink_file, sizeof(sink_file), "/tmp/it_school_send.%d.txt", (int)getpid());
  unlink(sink_file);
  ck_assert_int_eq(pipe(fds), 0);
  sink_pid = fork();
  ck_assert_int_ge(sink_pid, 0);
  if (sink_pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlives a test that failed */
    if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
      _exit(1);
    struct event_base *b = event_base_new();
    struct evhttp *http = evhttp_new(b);
    struct evhttp_bound_socket *h = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    FILE *f = fopen(sink_file, "w");
    if (!h || !f || getsockname(evhttp_bound_socket_get_fd(h), (struct sockaddr *)&sa, &len))
      _exit(1);
    port = ntohs(sa.sin_port);
    if (write(fds[1], &port, sizeof(port)) != sizeof(port))
      _exit(1);
    evhttp_set_gencb(http, on_sink, f);
    event_base_dispatch(b);
    _exit(0);
  }
  close(fds[1]);
  ck_assert_int_eq(read(fds[0], &port, sizeof(port)), (long)sizeof(port));
  close(fds[0]);
  return port;
}

static void sink_stop(void)
{
  if (sink_pid > 0) {
    kill(sink_pid, SIGKILL);
    waitpid(sink_pid, NULL, 0);
    sink_pid = 0;
  }
  unlink(sink_file);
}

/* The sink's file as text (static). */
static const char *sink_text(void)
{
  static char buf[65536];
  FILE *f = fopen(sink_file, "r");
  size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

  if (f)
    fclose(f);
  buf[n] = '\0';
  return buf;
}

static long wait_count(PGconn *db, const char *sql, long want, int ms)
{
  long n = -1;

  for (int i = 0; i < ms / 50 && (n = it_count(db, sql)) != want; i++)
    usleep(50 * 1000);
  return n;
}

static long create(const struct it_server *s, const char *tok, const char *form)
{
  char h[120];
  const char *hdrs[2] = {h, NULL};
  struct it_resp r;

  snprintf(h, sizeof(h), "Authorization: Bearer %s", tok);
  for (int i = 0; i < 100; i++) { /* the token cache may be a refresh behind */
    ck_assert_int_eq(it_post_headers(s, "/api/v1/school/requests", hdrs, form, strlen(form), &r),
                     0);
    if (r.status != 401)
      break;
    usleep(50 * 1000);
  }
  ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
  return strtol(strstr(r.body, "\"id\":") + 5, NULL, 10);
}

/* A parent: respondent from tag, linked to school (unlinked when gone), with a consenting
 * phone when phone is not NULL, and a grade answer when grade is not NULL. */
static void parent(PGconn *db, const char *tag, int school, int gone, const char *phone,
                   const char *lang, const char *grade)
{
  char sql[1600], resp[200];

  snprintf(resp, sizeof(resp), "decode(md5('%s' || '%d') || md5('%s'), 'hex')", tag, (int)getpid(),
           tag);
  snprintf(sql, sizeof(sql),
           "INSERT INTO school_links (respondent, relation, school_id, channel, unlinked_at)"
           " VALUES (%s, 'mother', %d, 'ussd', %s)",
           resp, school, gone ? "now()" : "NULL");
  it_exec(db, sql);
  if (phone) {
    snprintf(sql, sizeof(sql),
             "INSERT INTO school_consents (respondent, relation, granted, channel, language)"
             " VALUES (%s, 'mother', true, 'ussd', '%s');"
             "INSERT INTO school_contacts (respondent, msisdn, language) VALUES (%s, '%s', '%s')",
             resp, lang, resp, phone, lang);
    it_exec(db, sql);
  }
  if (grade) {
    snprintf(sql, sizeof(sql),
             "INSERT INTO responses (respondent, relation, survey_id, survey_version, question_id,"
             " option, language, carrier, carrier_session_id, hop, received_at) VALUES (%s,"
             " 'mother', 'involvement', 4, 'grade', '%s', '%s', 'it', 'school-%s-%d', 1, now())",
             resp, grade, lang, tag, (int)getpid());
    it_exec(db, sql);
  }
}

START_TEST(test_it_school_send)
{
  struct it_server gw;
  PGconn *db;
  char conf[1024], tok[64], p[8][16], sql[600];
  long r1, r2, n;
  const char *got;
  int port = sink_start();

  snprintf(conf, sizeof(conf),
           "token_refresh_ms = 1000\nschool_poll_ms = 200\nschool_daily_cap = 3\n"
           "sms_quiet_start_min = 0\nsms_quiet_end_min = 0\n"
           "[carrier.schoolsink]\ndialect = kannel\n"
           "sms_url = http://127.0.0.1:%d/cgi-bin/sendsms\nsms_user = gw\nsms_password = s\n"
           "sms_callback_url = http://127.0.0.1:@PORT@\nsms_rate = 50\n",
           port);
  it_up(&gw, &db, conf);
  /* A school of this run's own (the daily cap counts the school's deliveries of the day). */
  it_exec(db, "INSERT INTO schools (region_code, district_code, name, number, settlement)"
              " SELECT region_code, district_code, 'Школа-тест ' || (SELECT max(id) + 1 FROM"
              " schools), NULL, settlement FROM schools WHERE id = 5");
  long school = it_count(db, "SELECT max(id) FROM schools");
  char args[100];
  snprintf(args, sizeof(args), "--role school --school %ld --name it-send", school);
  it_token_create(AULGATE_BIN, args, tok);
  for (int i = 0; i < 8; i++)
    it_fresh_phone(p[i]);
  parent(db, "kk14", (int)school, 0, p[0], "kk", "1-4");   /* reached, in Kazakh */
  parent(db, "ru59", (int)school, 0, p[1], "ru", "5-9");   /* reached, in Russian */
  parent(db, "nocons", (int)school, 0, NULL, "ru", "1-4"); /* no consent */
  parent(db, "other", 6, 0, p[3], "ru", "1-4");            /* another school */
  parent(db, "band", (int)school, 0, p[4], "ru", "10-11"); /* another band */
  parent(db, "gone", (int)school, 1, p[5], "kk", "1-4");   /* unlinked */
  parent(db, "capped", (int)school, 0, p[6], "ru", "1-4"); /* two school SMS this week already */
  snprintf(sql, sizeof(sql),
           "INSERT INTO school_requests (school_id, kind, text_ru, closes_at, closed_at)"
           " VALUES (6, 'other', 'x', now() + interval '1 day', now()),"
           " (6, 'other', 'y', now() + interval '1 day', now());"
           "INSERT INTO school_deliveries (request_id, respondent, sent_at) SELECT id,"
           " decode(md5('capped' || '%d') || md5('capped'), 'hex'), now() - interval '2 days'"
           " FROM school_requests WHERE school_id = 6 ORDER BY id DESC LIMIT 2",
           (int)getpid());
  it_exec(db, sql);

  r1 = create(&gw, tok,
              "kind=event_help&text_kk=%D0%A1%D0%B5%D0%BD%D0%B1%D1%96%D0%B4%D0%B5+%D0%BA%D3%A9%D0"
              "%BC%D0%B5%D0%BA&text_ru=%D0%9F%D0%BE%D0%BC%D0%BE%D1%89%D1%8C+%D0%B2+%D1%81%D1%83"
              "%D0%B1%D0%B1%D0%BE%D1%82%D1%83&grade_bands=1-4,5-9");
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM school_deliveries d JOIN outbox o ON o.id = d.outbox_id WHERE"
           " d.request_id = %ld AND o.kind = 'school' AND o.state = 'submitted'",
           r1);
  n = wait_count(db, sql, 2, 15000);
  ck_assert_msg(n == 2, "%ld of 2 submitted", n);
  got = sink_text();
  ck_assert_msg(strstr(got, p[0]) && strstr(got, p[1]), "%s", got);
  for (int i = 2; i < 7; i++)
    ck_assert_msg(i == 2 || !strstr(got, p[i]), "%s got it: %s", p[i], got);
  ck_assert_msg(strstr(got, "Сенбіде көмек") && strstr(got, "ТОҚТА") &&
                    strstr(got, "Помощь в субботу") && strstr(got, "СТОП") &&
                    strstr(got, "Школа-тест"),
                "%s", got);
  /* More polls: nothing twice. */
  usleep(800 * 1000);
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM school_deliveries WHERE request_id = %ld", r1);
  ck_assert_int_eq(it_count(db, sql), 2);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM outbox WHERE kind = 'school' AND msisdn IN ('%s', '%s')", p[0],
           p[1]);
  ck_assert_int_eq(it_count(db, sql), 2);

  /* The daily cap (3): a second request for every band reaches one more phone only. */
  r2 = create(&gw, tok, "kind=talk&text_ru=%D0%A0%D0%B0%D1%81%D1%81%D0%BA%D0%B0%D0%B7");
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM school_deliveries WHERE request_id = %ld", r2);
  ck_assert_int_eq(wait_count(db, sql, 1, 10000), 1);
  usleep(800 * 1000);
  ck_assert_int_eq(it_count(db, sql), 1);
  /* Leave nothing to send for the next gateway on this database (it_kannel's would send it):
   * the requests closed, the phones' consent gone; then this link's rows. */
  snprintf(sql, sizeof(sql),
           "UPDATE school_requests SET closed_at = now() WHERE school_id = %ld AND closed_at IS"
           " NULL; DELETE FROM school_contacts WHERE msisdn IN ('%s', '%s', '%s', '%s', '%s',"
           " '%s')",
           school, p[0], p[1], p[3], p[4], p[5], p[6]);
  it_exec(db, sql);
  /* The outbox's retention deletes finished messages: a delivery outlives its message (the
   * "never twice" record, the week cap's count), its reference cleared (migration 0024; the
   * delete failed on the foreign key before). */
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM school_deliveries d JOIN school_requests r ON r.id = d.request_id"
           " WHERE r.school_id = %ld",
           school);
  n = it_count(db, sql);
  ck_assert_int_gt(n, 0);
  it_exec(db, "DELETE FROM outbox WHERE link = 'schoolsink'");
  ck_assert_int_eq(it_count(db, sql), n);
  ck_assert_int_eq(it_count(db, "SELECT count(*) FROM school_deliveries d WHERE outbox_id IS NOT"
                                " NULL AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.id ="
                                " d.outbox_id)"),
                   0);
  it_down(&gw, db);
  sink_stop();
}
END_TEST

/* A request created through this gateway is queued at once, not at the next poll (decision
 * 98): the poll is a minute here, so only the wake can deliver within seconds. */
START_TEST(test_it_school_send_wakes)
{
  struct it_server gw;
  PGconn *db;
  char conf[1024], tok[64], phone[16], sql[400], args[100];
  long r, school;
  int port = sink_start();

  snprintf(conf, sizeof(conf),
           "token_refresh_ms = 1000\nschool_poll_ms = 60000\n"
           "sms_quiet_start_min = 0\nsms_quiet_end_min = 0\n"
           "[carrier.schoolsink]\ndialect = kannel\n"
           "sms_url = http://127.0.0.1:%d/cgi-bin/sendsms\nsms_user = gw\nsms_password = s\n"
           "sms_callback_url = http://127.0.0.1:@PORT@\nsms_rate = 50\n",
           port);
  it_up(&gw, &db, conf);
  it_exec(db, "INSERT INTO schools (region_code, district_code, name, number, settlement)"
              " SELECT region_code, district_code, 'Школа-тест ' || (SELECT max(id) + 1 FROM"
              " schools), NULL, settlement FROM schools WHERE id = 5");
  school = it_count(db, "SELECT max(id) FROM schools");
  snprintf(args, sizeof(args), "--role school --school %ld --name it-wake", school);
  it_token_create(AULGATE_BIN, args, tok);
  it_fresh_phone(phone);
  parent(db, "wake", (int)school, 0, phone, "ru", NULL);
  r = create(&gw, tok, "kind=talk&text_ru=%D0%A0%D0%B0%D1%81%D1%81%D0%BA%D0%B0%D0%B7");
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM school_deliveries d JOIN outbox o ON o.id = d.outbox_id WHERE"
           " d.request_id = %ld AND o.state = 'submitted'",
           r);
  ck_assert_int_eq(wait_count(db, sql, 1, 5000), 1);
  ck_assert_ptr_nonnull(strstr(sink_text(), phone));
  snprintf(sql, sizeof(sql),
           "UPDATE school_requests SET closed_at = now() WHERE id = %ld;"
           " DELETE FROM school_contacts WHERE msisdn = '%s'",
           r, phone);
  it_exec(db, sql);
  it_exec(db, "DELETE FROM outbox WHERE link = 'schoolsink'");
  it_down(&gw, db);
  sink_stop();
}
END_TEST

static Suite *it_school_send_suite(void)
{
  Suite *s = suite_create("it_school_send");
  TCase *tc = tcase_create("send");

  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_it_school_send);
  tcase_add_test(tc, test_it_school_send_wakes);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(it_school_send_suite)
