/* it_outbox.c: the SMS outbox (issue 12) against the real PostgreSQL and a real HTTP sink on
 * loopback (libevent's evhttp on the test's loop): submissions and their verdicts, retries with
 * back-off on 503 and on a refused connection, a 4xx failing for good, delivery reports in any
 * order and repeated, expiry, the rate limit in parts, a lease outliving a "crashed" claim, a
 * report of an attempt whose verdict was lost, and two workers sharing the outbox sending
 * nothing twice. Each test uses a link name of its own, so rows of other runs never mix in. */
#include "tests/it/it_harness.h"
#include "tests/support/ag_check.h"
#include "lib/ag.h"
#include "lib/ag_curl.h"
#include "lib/ag_metrics.h"
#include "sms/sms.h"
#include "store/store.h"

#include <arpa/inet.h>
#include <check.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_IDS 4096

static struct event_base *base;
static struct ag_metrics *metrics;
static PGconn *db;
static char link_name[64];

/* The sink: what it received, and what it answers. */
struct sink {
  struct evhttp *http;
  int port;
  long long got[MAX_IDS]; /* ids in arrival order */
  int n;
  char last_text[1024];
  int fail_first; /* answer 503 to the first attempt of every message */
  int status;     /* otherwise: 202 unless set */
  long long first_us, last_us;
};
static struct sink sink;

static void on_sink(struct evhttp_request *req, void *arg)
{
  struct sink *s = arg;
  struct evkeyvalq q;
  struct evbuffer *out = evbuffer_new();
  const char *id, *attempt, *text;
  int status = s->status ? s->status : 202;

  ck_assert_int_eq(evhttp_parse_query(evhttp_request_get_uri(req), &q), 0);
  id = evhttp_find_header(&q, "id");
  attempt = evhttp_find_header(&q, "attempt");
  text = evhttp_find_header(&q, "text");
  ck_assert_ptr_nonnull(id);
  ck_assert_ptr_nonnull(attempt);
  if (s->fail_first && atoi(attempt) == 1)
    status = 503;
  if (status == 202) {
    ck_assert_int_lt(s->n, MAX_IDS);
    s->got[s->n++] = atoll(id);
    snprintf(s->last_text, sizeof(s->last_text), "%s", text ? text : "");
    if (!s->first_us)
      s->first_us = ag_mono_us();
    s->last_us = ag_mono_us();
  }
  evbuffer_add_printf(out, "%s", status == 202 ? "0: Accepted for delivery" : "no");
  evhttp_send_reply(req, status, "X", out);
  evbuffer_free(out);
  evhttp_clear_headers(&q);
}

static void sink_start(struct sink *s)
{
  struct evhttp_bound_socket *h;
  struct sockaddr_in sa;
  socklen_t len = sizeof(sa);

  memset(s, 0, sizeof(*s));
  s->http = evhttp_new(base);
  ck_assert_ptr_nonnull(s->http);
  h = evhttp_bind_socket_with_handle(s->http, "127.0.0.1", 0);
  ck_assert_ptr_nonnull(h);
  ck_assert_int_eq(getsockname(evhttp_bound_socket_get_fd(h), (struct sockaddr *)&sa, &len), 0);
  s->port = ntohs(sa.sin_port);
  evhttp_set_gencb(s->http, on_sink, s);
}

/* The link's dialect for the test: GET /send?id=&attempt=&to=&text=. port < 0: the sink's. */
static int closed_port;
static int req_url(void *arg, const struct sms_out *m, char *url, size_t cap)
{
  char *text = evhttp_encode_uri(m->body);
  int port = arg ? closed_port : sink.port;
  int n = snprintf(url, cap, "http://127.0.0.1:%d/send?id=%lld&attempt=%d&to=%s&text=%s", port,
                   m->id, m->attempt, m->msisdn, text);

  free(text);
  return n > 0 && (size_t)n < cap ? AG_OK : AG_E2BIG;
}

static enum sms_verdict verdict_of(void *arg, long status, const char *body, size_t len)
{
  (void)arg;
  (void)body;
  (void)len;
  return status >= 200 && status < 300 ? SMS_SUBMITTED : status >= 500 ? SMS_RETRY : SMS_FAILED;
}

static const struct sms_link_ops ops = {req_url, verdict_of};

#define now_ms() (ag_now_us() / 1000)

static struct store *store_up(void)
{
  struct store_config cfg = {.conninfo = getenv("AULGATE_DB"),
                             .batch_max = 256,
                             .queue_max = 10000,
                             .reconnect_ms = 200,
                             .connect_timeout_ms = 5000,
                             .commit_margin_ms = 200,
                             .metrics = NULL};
  struct store *st = store_create(base, &cfg);
  long long end = now_ms() + 10000;

  ck_assert_ptr_nonnull(st);
  while (store_state(st) != STORE_UP && now_ms() < end)
    event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
  ck_assert_int_eq(store_state(st), STORE_UP);
  return st;
}

static struct ag_curl *http_client(unsigned in_flight)
{
  struct ag_curl_config c = {
      .connect_timeout_ms = 500, .total_timeout_ms = 2000, .max_in_flight = in_flight};
  struct ag_curl *h = ag_curl_create(base, &c);

  ck_assert_ptr_nonnull(h);
  return h;
}

static struct sms_outbox_config ob_config(void)
{
  return (struct sms_outbox_config){.link = link_name,
                                    .rate = 100000,
                                    .claim_max = 64,
                                    .lease_ms = 3000,
                                    .max_age_s = 3600,
                                    .retry_base_ms = 100,
                                    .retry_max_ms = 400,
                                    .poll_ms = 50,
                                    .max_in_flight = 32};
}

/* Runs the loop for ms. */
static void run_for(long ms)
{
  long long end = now_ms() + ms;

  while (now_ms() < end)
    event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
}

#define q(...) it_countf(db, __VA_ARGS__)

/* Runs the loop until sql counts want (at most ms); fails naming what otherwise. */
static void wait_count(long want, long ms, const char *what, const char *sql)
{
  long long end = now_ms() + ms;
  long got = -1;

  while (now_ms() < end) {
    run_for(20);
    if ((got = it_count(db, sql)) == want)
      return;
  }
  ck_abort_msg("%s: %ld, not %ld, after %ld ms", what, got, want, ms);
}

static void enqueued(void *arg, int rc)
{
  int *n = arg;

  ck_assert_int_eq(rc, AG_OK);
  (*n)++;
}

/* Queues n messages of parts parts with text body to +7701000000N. */
static void enqueue_n(struct store *st, int n, int parts, const char *body)
{
  int done = 0;
  long long end = now_ms() + 10000;

  for (int i = 0; i < n; i++) {
    char msisdn[32];
    struct store_outbox_msg m = {
        .link = link_name, .kind = "test", .msisdn = msisdn, .body = body, .parts = parts};
    snprintf(msisdn, sizeof(msisdn), "+770100%05d", i % 100000);
    m.respondent[0] = (uint8_t)i;
    ck_assert_int_eq(store_outbox_enqueue(st, &m, enqueued, &done), AG_OK);
  }
  while (done < n && now_ms() < end)
    event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
  ck_assert_int_eq(done, n);
}

static void setup(void)
{
  srand((unsigned)getpid());
  db = it_db();
  ck_assert_ptr_nonnull(db);
  snprintf(link_name, sizeof(link_name), "it-ob-%d-%lld", (int)getpid(), ag_now_us() % 1000000);
  base = event_base_new();
  metrics = ag_metrics_create();
  sink_start(&sink);
}

static void teardown(void)
{
  char sql[256];

  evhttp_free(sink.http);
  ag_metrics_destroy(metrics);
  event_base_free(base);
  snprintf(sql, sizeof(sql), "DELETE FROM outbox WHERE link = '%s'", link_name);
  it_exec(db, sql);
  PQfinish(db);
}

struct dlr_res {
  int done, rc, found;
};
static void on_dlr(void *arg, int rc, int found)
{
  struct dlr_res *r = arg;

  r->done++;
  r->rc = rc;
  r->found = found;
}

static void dlr(struct sms_outbox *ob, long long id, int type)
{
  struct dlr_res r = {0};
  long long end = now_ms() + 5000;

  ck_assert_int_eq(sms_outbox_dlr(ob, id, type, on_dlr, &r), AG_OK);
  while (!r.done && now_ms() < end)
    event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
  ck_assert_int_eq(r.rc, AG_OK);
  ck_assert_int_eq(r.found, 1);
}

static void count_ids(int *dups, int *distinct)
{
  *dups = *distinct = 0;
  for (int i = 0; i < sink.n; i++) {
    int seen = 0;
    for (int k = 0; k < i && !seen; k++)
      seen = sink.got[k] == sink.got[i];
    *dups += seen;
    *distinct += !seen;
  }
}

START_TEST(test_submit_and_reports)
{
  struct store *st = store_up();
  struct ag_curl *h = http_client(8);
  struct sms_outbox_config c = ob_config();
  struct sms_outbox *ob;
  struct sms_outbox_stats s;
  char sql[512];
  long long id;
  const char *cyr = "Оқыңыз бірге: ертегі, сұрақ. Читайте вместе.";

  enqueue_n(st, 3, 1, cyr);
  ob = sms_outbox_create(base, st, h, metrics, &c, &ops, NULL);
  ck_assert_ptr_nonnull(ob);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM outbox WHERE link = '%s' AND state = 'submitted' AND attempts = 1"
           " AND submitted_at IS NOT NULL AND msisdn IS NOT NULL",
           link_name);
  wait_count(3, 5000, "submitted", sql);
  ck_assert_int_eq(sink.n, 3);
  ck_assert_str_eq(sink.last_text, cyr); /* UTF-8 intact through the URL */
  id = sink.got[0];
  /* Reports out of order and repeated: 1 (delivered), then 8 (delivered to the SMSC), then 1. */
  dlr(ob, id, 1);
  dlr(ob, id, 8);
  dlr(ob, id, 1);
  ck_assert_int_eq(q("SELECT count(*) FROM outbox WHERE id = %lld AND state = 'delivered' AND "
                     "msisdn IS NULL AND dlr_seen = 9 AND delivered_at IS NOT NULL",
                     id),
                   1);
  /* 8 then 2: submitted, then failed for good; a late 1 changes nothing. */
  dlr(ob, sink.got[1], 8);
  ck_assert_int_eq(
      q("SELECT count(*) FROM outbox WHERE id = %lld AND state = 'submitted'", sink.got[1]), 1);
  dlr(ob, sink.got[1], 2);
  dlr(ob, sink.got[1], 1);
  ck_assert_int_eq(
      q("SELECT count(*) FROM outbox WHERE id = %lld AND state = 'failed' AND msisdn IS NULL",
        sink.got[1]),
      1);
  sms_outbox_stats(ob, &s);
  ck_assert_uint_eq(s.submitted, 3);
  ck_assert_uint_eq(s.delivered, 1);
  ck_assert_uint_eq(s.dlr_failed, 1);
  ck_assert_double_eq(ag_metrics_value(metrics, "aulgate_sms_messages_total",
                                       (const char *const[]){link_name, "delivered"}),
                      1);
  ck_assert_double_eq(ag_metrics_value(metrics, "aulgate_sms_parts_submitted_total",
                                       (const char *const[]){link_name}),
                      3);
  sms_outbox_destroy(ob);
  ag_curl_destroy(h);
  store_destroy(st);
}
END_TEST

START_TEST(test_retry_after_503_and_refused_connection_4xx_fails)
{
  struct store *st = store_up();
  struct ag_curl *h = http_client(8);
  struct sms_outbox_config c = ob_config();
  struct sms_outbox *ob;
  char sql[512];
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof(sa);

  /* 503 on every first attempt: each message goes on its second, after the back-off. */
  sink.fail_first = 1;
  enqueue_n(st, 4, 1, "Read together tonight.");
  ob = sms_outbox_create(base, st, h, metrics, &c, &ops, NULL);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM outbox WHERE link = '%s' AND state = 'submitted' AND attempts = 2",
           link_name);
  wait_count(4, 5000, "submitted on the second attempt", sql);
  ck_assert_int_eq(sink.n, 4);
  sms_outbox_destroy(ob);
  /* A refused connection: retried with the transport's error, then a 4xx: failed, no number. */
  ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
  closed_port = ntohs(sa.sin_port); /* bound, never listening: connections are refused */
  snprintf(sql, sizeof(sql), "DELETE FROM outbox WHERE link = '%s'", link_name);
  it_exec(db, sql);
  enqueue_n(st, 1, 1, "x");
  ob = sms_outbox_create(base, st, h, metrics, &c, &ops, (void *)1);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM outbox WHERE link = '%s' AND state = 'queued' AND attempts >= 2"
           " AND error = 'transport 7' AND next_attempt_at > now()",
           link_name);
  wait_count(1, 5000, "retried after a refused connection", sql);
  sms_outbox_destroy(ob);
  run_for(100);
  sink.fail_first = 0;
  sink.status = 400;
  snprintf(sql, sizeof(sql), "UPDATE outbox SET next_attempt_at = now() WHERE link = '%s'",
           link_name);
  it_exec(db, sql);
  ob = sms_outbox_create(base, st, h, metrics, &c, &ops, NULL);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM outbox WHERE link = '%s' AND state = 'failed' AND msisdn IS NULL"
           " AND error = 'http 400' AND finished_at IS NOT NULL",
           link_name);
  wait_count(1, 5000, "failed on 400", sql);
  close(fd);
  sms_outbox_destroy(ob);
  ag_curl_destroy(h);
  store_destroy(st);
}
END_TEST

START_TEST(test_backoff_doubles_with_jitter)
{
  ck_assert_int_eq(sms_backoff_ms(1000, 300000, 1, 1), 1000);
  ck_assert_int_eq(sms_backoff_ms(1000, 300000, 1, 0), 500);
  ck_assert_int_eq(sms_backoff_ms(1000, 300000, 3, 1), 4000);
  ck_assert_int_eq(sms_backoff_ms(1000, 300000, 40, 1), 300000);
  ck_assert_int_eq(sms_backoff_ms(1000, 300000, 40, 0), 150000);
}
END_TEST

START_TEST(test_expiry_and_rate_in_parts)
{
  struct store *st = store_up();
  struct ag_curl *h = http_client(32);
  struct sms_outbox_config c = ob_config();
  struct sms_outbox *ob;
  char sql[512];
  double secs;

  /* Two rows due two hours ago with a max age of one hour: expired, never sent. */
  enqueue_n(st, 2, 1, "old");
  snprintf(sql, sizeof(sql),
           "UPDATE outbox SET due_at = now() - interval '2 hours', next_attempt_at = now() - "
           "interval '2 hours' WHERE link = '%s'",
           link_name);
  it_exec(db, sql);
  ob = sms_outbox_create(base, st, h, metrics, &c, &ops, NULL);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM outbox WHERE link = '%s' AND state = 'expired' AND msisdn IS NULL",
           link_name);
  wait_count(2, 5000, "expired", sql);
  ck_assert_int_eq(sink.n, 0);
  sms_outbox_destroy(ob);
  /* The rate counts parts: 20 messages of 3 parts at 60 parts/s take about a second (the first
   * burst, a fifth of a second's worth, goes at once). */
  c.rate = 60;
  enqueue_n(st, 20, 3, "three parts");
  ob = sms_outbox_create(base, st, h, metrics, &c, &ops, NULL);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM outbox WHERE link = '%s' AND state = 'submitted'", link_name);
  wait_count(20, 5000, "submitted at the rate", sql);
  secs = (double)(sink.last_us - sink.first_us) / 1e6;
  printf("it_outbox: 60 parts in %.2f s at 60 parts/s\n", secs);
  ck_assert_msg(secs >= 0.7 && secs < 2.0, "60 parts at 60 parts/s took %.2f s", secs);
  sms_outbox_destroy(ob);
  ag_curl_destroy(h);
  store_destroy(st);
}
END_TEST

/* Retention: finished rows older than the retention are deleted in batches of 500 (1,203 of
 * them: three statements), the younger ones and the open ones stay; sms_outbox_stats counts. */
START_TEST(test_retention_deletes_old_finished_rows_in_batches)
{
  struct store *st = store_up();
  struct ag_curl *h = http_client(4);
  struct sms_outbox_config c = ob_config();
  struct sms_outbox *ob;
  struct sms_outbox_stats stats;
  char sql[1400];
  long long end;

  enqueue_n(st, 1203 + 2 + 1, 1, "retained?");
  /* 1,203 delivered two days ago, one failed an hour ago, one expired a day ago minus a
   * minute, one still queued (due in an hour: not sent) */
  snprintf(sql, sizeof(sql),
           "UPDATE outbox SET state = 'delivered', msisdn = NULL, finished_at = now() -"
           " interval '2 days' WHERE link = '%s';"
           "UPDATE outbox SET state = 'failed', finished_at = now() - interval '1 hour' WHERE"
           " id = (SELECT min(id) FROM outbox WHERE link = '%s');"
           "UPDATE outbox SET state = 'expired', finished_at = now() - interval '23 hours 59"
           " minutes' WHERE id = (SELECT min(id) + 1 FROM outbox WHERE link = '%s');"
           "UPDATE outbox SET state = 'queued', msisdn = '+77010000000', finished_at = NULL,"
           " due_at = now() + interval '1 hour', next_attempt_at = now() + interval '1 hour'"
           " WHERE id = (SELECT max(id) FROM outbox WHERE link = '%s')",
           link_name, link_name, link_name, link_name);
  it_exec(db, sql);
  c.retention_s = 86400;
  c.purge_every_ms = 100000; /* only the first round and its follow-ups within the test */
  ob = sms_outbox_create(base, st, h, metrics, &c, &ops, NULL);
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM outbox WHERE link = '%s'", link_name);
  wait_count(3, 10000, "old finished rows deleted", sql);
  end = now_ms() + 5000; /* the last batch's callback comes a moment after its commit */
  do {
    run_for(20);
    sms_outbox_stats(ob, &stats);
  } while (stats.purged < 1203 && now_ms() < end);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM outbox WHERE link = '%s' AND state IN ('failed', 'expired',"
           " 'queued')",
           link_name);
  ck_assert_int_eq(it_count(db, sql), 3);
  ck_assert_uint_eq(stats.purged, 1203);
  ck_assert_int_eq(sink.n, 0);
  sms_outbox_destroy(ob);
  ag_curl_destroy(h);
  store_destroy(st);
}
END_TEST

/* A message due later (held by the quiet hours) is not claimed before its time. */
START_TEST(test_not_before_due)
{
  struct store *st = store_up();
  struct ag_curl *h = http_client(8);
  struct sms_outbox_config c = ob_config();
  struct sms_outbox *ob;
  int done = 0;
  long long start = ag_mono_us();
  struct store_outbox_msg m = {.link = link_name,
                               .kind = "test",
                               .msisdn = "+77010000001",
                               .body = "later",
                               .parts = 1,
                               .due_us = ag_now_us() + 1500000};
  char sql[512];

  ck_assert_int_eq(store_outbox_enqueue(st, &m, enqueued, &done), AG_OK);
  ob = sms_outbox_create(base, st, h, metrics, &c, &ops, NULL);
  run_for(1000);
  ck_assert_int_eq(sink.n, 0);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM outbox WHERE link = '%s' AND state = 'submitted'", link_name);
  wait_count(1, 5000, "sent once due", sql);
  ck_assert_msg(sink.first_us - start >= 1400000, "sent %.2f s after",
                (sink.first_us - start) / 1e6);
  sms_outbox_destroy(ob);
  ag_curl_destroy(h);
  store_destroy(st);
}
END_TEST

static int kicked;
static void on_queued(void *arg)
{
  (void)arg;
  kicked++;
}

/* The scheduler: a new subscriber gets the confirmation and the first tip of its band in its
 * language, held to the end of the quiet hours when it is inside them; the next tip is due the
 * interval later; switched off and on again, the next message confirms again. */
START_TEST(test_scheduler_quiet_hours_and_confirmation)
{
  struct store *st = store_up();
  struct sms_tips *tips;
  struct sms_sched_config c = {.link = link_name, .interval_days = 2, .poll_ms = 100};
  struct sms_sched *s;
  char sql[1024], hex[65], err[256], path[600];
  int64_t now_s = ag_now_us() / 1000000;
  int minute = (int)((now_s % 86400) / 60);
  long long end;

  snprintf(path, sizeof(path), "%s/content/calendar.json", getenv("AULGATE_ROOT"));
  ck_assert_int_eq(sms_tips_load(path, &tips, err, sizeof(err)), AG_OK);
  for (int i = 0; i < 32; i++)
    snprintf(hex + 2 * i, 3, "%02x", (unsigned)(rand() & 0xff));
  hex[64] = '\0';
  /* quiet from this minute for 3 minutes, at UTC (offset 0) */
  c.quiet_start_min = minute;
  c.quiet_end_min = (minute + 3) % 1440;
  it_exec(db, "UPDATE subscriptions SET next_tip_at = now() + interval '1 year' WHERE active");
  snprintf(sql, sizeof(sql),
           "INSERT INTO subscriptions (msisdn, respondent, language, band, active, updated_at)"
           " VALUES ('+7701%07d', decode('%s', 'hex'), 'ru', '5-9', true, now())",
           rand() % 10000000, hex);
  it_exec(db, sql);
  s = sms_sched_create(base, st, tips, &c, on_queued, NULL);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM outbox WHERE respondent = decode('%s', 'hex') AND link = '%s'",
           hex, link_name);
  wait_count(2, 5000, "confirmation and tip queued", sql);
  /* the rows are visible to this test's connection a moment before the scheduler's statement
   * has called back (and kicked): wait for it */
  end = now_ms() + 5000;
  while (kicked < 1 && now_ms() < end)
    run_for(20);
  ck_assert_int_ge(kicked, 1);
  {
    PGresult *r;
    snprintf(sql, sizeof(sql),
             "SELECT kind, body, extract(epoch FROM due_at)::bigint FROM outbox WHERE respondent ="
             " decode('%s', 'hex') ORDER BY due_at",
             hex);
    r = PQexec(db, sql);
    ck_assert_int_eq(PQntuples(r), 2);
    ck_assert_str_eq(PQgetvalue(r, 0, 0), "on");
    ck_assert_str_eq(PQgetvalue(r, 0, 1), sms_text(tips, SMS_TEXT_ON, "ru"));
    ck_assert_str_eq(PQgetvalue(r, 1, 0), "tip");
    ck_assert_str_eq(PQgetvalue(r, 1, 1), sms_tips_pick(tips, "5-9", "ru", 0));
    /* held: due when the quiet hours end, the tip a second after the confirmation */
    ck_assert_int_eq(atoll(PQgetvalue(r, 0, 2)),
                     sms_quiet_until(now_s, 0, c.quiet_start_min, c.quiet_end_min));
    ck_assert_int_gt(atoll(PQgetvalue(r, 0, 2)), now_s + 60);
    ck_assert_int_eq(atoll(PQgetvalue(r, 1, 2)), atoll(PQgetvalue(r, 0, 2)) + 1);
    PQclear(r);
  }
  ck_assert_int_eq(
      q("SELECT count(*) FROM subscriptions WHERE respondent = decode('%s', 'hex') "
        "AND tip_seq = 1 AND abs(extract(epoch FROM next_tip_at) - %lld) < 2",
        hex, (long long)sms_quiet_until(now_s, 0, c.quiet_start_min, c.quiet_end_min) + 2 * 86400),
      1);
  /* off and on again (as the USSD menu does it): the next message confirms again */
  snprintf(sql, sizeof(sql),
           "UPDATE subscriptions SET active = false, msisdn = NULL WHERE respondent = "
           "decode('%s', 'hex')",
           hex);
  it_exec(db, sql);
  snprintf(sql, sizeof(sql),
           "UPDATE subscriptions SET active = true, msisdn = '+77019999999' WHERE respondent = "
           "decode('%s', 'hex')",
           hex);
  it_exec(db, sql);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM outbox WHERE respondent = decode('%s', 'hex') AND kind = 'on'",
           hex);
  wait_count(2, 5000, "a second confirmation after switching on again", sql);
  end = now_ms() + 500;
  while (now_ms() < end)
    event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
  ck_assert_int_eq(q("SELECT count(*) FROM outbox WHERE respondent = decode('%s', 'hex') AND "
                     "kind = 'tip' AND body = '%s'",
                     hex, sms_tips_pick(tips, "5-9", "ru", 1)),
                   1);
  sms_sched_destroy(s);
  run_for(100);
  snprintf(sql, sizeof(sql), "DELETE FROM outbox WHERE respondent = decode('%s', 'hex')", hex);
  it_exec(db, sql);
  snprintf(sql, sizeof(sql), "DELETE FROM subscriptions WHERE respondent = decode('%s', 'hex')",
           hex);
  it_exec(db, sql);
  sms_tips_free(tips);
  store_destroy(st);
}
END_TEST

static void on_claim(void *arg, int rc, const struct store_outbox_row *rows, size_t n)
{
  int *got = arg;

  ck_assert_int_eq(rc, AG_OK);
  (void)rows;
  *got = (int)n;
}

START_TEST(test_lease_after_crash_and_report_before_verdict)
{
  struct store *st = store_up();
  struct ag_curl *h = http_client(8);
  struct sms_outbox_config c = ob_config();
  struct sms_outbox *ob;
  char sql[512];
  int got = -1;
  long long first;

  /* A process claims two rows and dies before any verdict: the rows wait out the lease. */
  enqueue_n(st, 2, 1, "lease");
  ck_assert_int_eq(store_outbox_claim(st, link_name, 10, 1500, 3600, on_claim, &got), AG_OK);
  while (got < 0)
    event_base_loop(base, EVLOOP_ONCE);
  ck_assert_int_eq(got, 2);
  /* It had sent the first: a report of that attempt arrives and says so (type 8). */
  first = q("SELECT min(id) FROM outbox WHERE link = '%s'", link_name);
  ob = sms_outbox_create(base, st, h, metrics, &c, &ops, NULL);
  dlr(ob, first, 8);
  run_for(800);
  ck_assert_int_eq(sink.n, 0); /* within the lease no one sends */
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM outbox WHERE link = '%s' AND state = 'submitted' AND attempts = 2",
           link_name);
  wait_count(1, 5000, "the unreported row sent on the second attempt", sql);
  run_for(300);
  ck_assert_int_eq(sink.n, 1); /* the reported one never again */
  ck_assert_int_ne(sink.got[0], first);
  ck_assert_int_eq(q("SELECT count(*) FROM outbox WHERE id = %lld AND state = 'submitted' AND "
                     "attempts = 1",
                     first),
                   1);
  sms_outbox_destroy(ob);
  ag_curl_destroy(h);
  store_destroy(st);
}
END_TEST

START_TEST(test_two_workers_send_nothing_twice)
{
  struct store *st1 = store_up(), *st2 = store_up();
  struct ag_curl *h1 = http_client(32), *h2 = http_client(32);
  struct sms_outbox_config c = ob_config();
  struct sms_outbox *ob1, *ob2;
  struct sms_outbox_stats s1, s2;
  char sql[512];
  int dups, distinct;

  c.claim_max = 16; /* small claims: the two interleave */
  enqueue_n(st1, 600, 1, "Санаңыз: бір, екі, үш.");
  ob1 = sms_outbox_create(base, st1, h1, metrics, &c, &ops, NULL);
  ob2 = sms_outbox_create(base, st2, h2, metrics, &c, &ops, NULL);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM outbox WHERE link = '%s' AND state = 'submitted' AND attempts = 1",
           link_name);
  wait_count(600, 20000, "submitted", sql);
  run_for(200);
  count_ids(&dups, &distinct);
  sms_outbox_stats(ob1, &s1);
  sms_outbox_stats(ob2, &s2);
  printf("it_outbox: two workers: %llu + %llu submitted, %d distinct, %d twice\n", s1.submitted,
         s2.submitted, distinct, dups);
  ck_assert_int_eq(distinct, 600);
  ck_assert_int_eq(dups, 0);
  ck_assert_uint_gt(s1.submitted, 0);
  ck_assert_uint_gt(s2.submitted, 0);
  sms_outbox_destroy(ob1);
  sms_outbox_destroy(ob2);
  ag_curl_destroy(h1);
  ag_curl_destroy(h2);
  store_destroy(st1);
  store_destroy(st2);
}
END_TEST

struct got {
  int done, rc;
  long status;
  double seconds;
};
static void on_got(void *arg, const struct ag_curl_result *r)
{
  struct got *g = arg;

  g->done++;
  g->rc = r->rc;
  g->status = r->status;
  g->seconds = r->seconds;
}

/* The HTTP client alone: at most max_in_flight at once, kept-alive connections reused, the total
 * timeout on a server that accepts and never answers, cancellation on destroy. */
START_TEST(test_http_bounds_keepalive_timeout)
{
  struct ag_curl_config cfg = {
      .connect_timeout_ms = 500, .total_timeout_ms = 300, .max_in_flight = 3};
  struct ag_curl *h = ag_curl_create(base, &cfg);
  struct got g[4] = {{0}}, slow = {0}, cancelled = {0};
  char url[128];
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof(sa);
  long long end;

  snprintf(url, sizeof(url), "http://127.0.0.1:%d/send?id=1&attempt=1", sink.port);
  for (int round = 0; round < 5; round++) {
    for (int i = 0; i < 3; i++)
      ck_assert_int_eq(ag_curl_get(h, url, on_got, &g[i]), AG_OK);
    ck_assert_int_eq(ag_curl_get(h, url, on_got, &g[3]), AG_E2BIG); /* the bound */
    ck_assert_int_eq(g[0].done + g[1].done + g[2].done, 3 * round); /* never inside the call */
    end = now_ms() + 5000;
    while (g[0].done + g[1].done + g[2].done < 3 * (round + 1) && now_ms() < end)
      event_base_loop(base, EVLOOP_ONCE);
    ck_assert_int_eq(g[2].rc, AG_OK);
    ck_assert_int_eq(g[2].status, 202);
  }
  printf("it_outbox: 15 requests over %llu connections\n", ag_curl_connects(h));
  ck_assert_uint_le(ag_curl_connects(h), 3); /* kept alive */
  /* Accepted by the kernel, never answered: the total timeout. */
  ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  ck_assert_int_eq(listen(fd, 4), 0);
  ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", ntohs(sa.sin_port));
  ck_assert_int_eq(ag_curl_get(h, url, on_got, &slow), AG_OK);
  end = now_ms() + 5000;
  while (!slow.done && now_ms() < end)
    event_base_loop(base, EVLOOP_ONCE);
  ck_assert_int_eq(slow.rc, AG_ETIMEDOUT);
  ck_assert_msg(slow.seconds >= 0.25 && slow.seconds < 2, "timed out after %.2f s", slow.seconds);
  ck_assert_int_eq(ag_curl_get(h, url, on_got, &cancelled), AG_OK);
  ag_curl_destroy(h);
  ck_assert_int_eq(cancelled.done, 1);
  ck_assert_int_eq(cancelled.rc, AG_ECANCELED);
  close(fd);
}
END_TEST

static Suite *outbox_suite(void)
{
  Suite *s = suite_create("it_outbox");
  TCase *tc = tcase_create("outbox");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_http_bounds_keepalive_timeout);
  tcase_add_test(tc, test_submit_and_reports);
  tcase_add_test(tc, test_retry_after_503_and_refused_connection_4xx_fails);
  tcase_add_test(tc, test_backoff_doubles_with_jitter);
  tcase_add_test(tc, test_expiry_and_rate_in_parts);
  tcase_add_test(tc, test_retention_deletes_old_finished_rows_in_batches);
  tcase_add_test(tc, test_lease_after_crash_and_report_before_verdict);
  tcase_add_test(tc, test_not_before_due);
  tcase_add_test(tc, test_scheduler_quiet_hours_and_confirmation);
  tcase_add_test(tc, test_two_workers_send_nothing_twice);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(outbox_suite)
