/* bench_outbox.c: the SMS outbox's submission rate, in parts per second, to a local HTTP sink.
 *
 * Queues N messages of P parts on a link of its own in the database of AULGATE_DB, forks a
 * sink (libevent's evhttp in a process of its own, answering 202 like Kannel's sendsms), and
 * runs the real worker (sms/sms_outbox.c: claims with FOR UPDATE SKIP LOCKED, HTTP through
 * lib/ag_curl on the loop, verdicts written in batches) until every verdict is written. Counts
 * only what is verified: the distinct messages the sink received, and the rows the outbox
 * marked submitted; the rate is the smaller of the two, in parts, over the time from the
 * first claim to the last verdict committed. Then it deletes its rows.
 * Usage: AULGATE_DB=... bench_outbox [N] [P] [IN_FLIGHT]. Figures only; nothing here asserts.
 */
#include "lib/ag.h"
#include "lib/ag_curl.h"
#include "sms/sms.h"
#include "store/store.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static char link_name[64];
static int sink_port;
static long n_msgs;

/* --- the sink (child) --- */
static unsigned char *seen;
static long sink_total, sink_distinct;
static int report_fd;
static struct event_base *sink_base;

static void on_sink(struct evhttp_request *req, void *arg)
{
  struct evkeyvalq q;
  struct evbuffer *out = evbuffer_new();
  const char *id;
  long long first = *(long long *)arg;

  evhttp_parse_query(evhttp_request_get_uri(req), &q);
  id = evhttp_find_header(&q, "id");
  if (id) {
    long long k = atoll(id) - first;
    sink_total++;
    if (k >= 0 && k < n_msgs && !seen[k]) {
      seen[k] = 1;
      sink_distinct++;
    }
  }
  evhttp_clear_headers(&q);
  evbuffer_add_printf(out, "0: Accepted for delivery");
  evhttp_send_reply(req, 202, "Accepted", out);
  evbuffer_free(out);
}

static void on_term(evutil_socket_t fd, short what, void *arg)
{
  long v[2] = {sink_total, sink_distinct};

  (void)fd;
  (void)what;
  (void)arg;
  if (write(report_fd, v, sizeof(v)) != sizeof(v))
    _exit(1);
  event_base_loopbreak(sink_base);
}

static void sink_run(int port_fd, int out_fd, long long first_id)
{
  struct evhttp *http;
  struct evhttp_bound_socket *h;
  struct sockaddr_in sa;
  socklen_t len = sizeof(sa);
  struct event *term;

  report_fd = out_fd;
  seen = calloc((size_t)n_msgs, 1);
  sink_base = event_base_new();
  http = evhttp_new(sink_base);
  h = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
  if (!seen || !h || getsockname(evhttp_bound_socket_get_fd(h), (struct sockaddr *)&sa, &len))
    _exit(1);
  evhttp_set_gencb(http, on_sink, &first_id);
  term = evsignal_new(sink_base, SIGTERM, on_term, NULL);
  evsignal_add(term, NULL);
  sink_port = ntohs(sa.sin_port);
  if (write(port_fd, &sink_port, sizeof(sink_port)) != sizeof(sink_port))
    _exit(1);
  event_base_dispatch(sink_base);
  _exit(0);
}

/* --- the gateway side (parent) --- */
static int req_url(void *arg, const struct sms_out *m, char *url, size_t cap)
{
  char *text = evhttp_encode_uri(m->body);
  int n = snprintf(url, cap, "http://127.0.0.1:%d/cgi-bin/sendsms?id=%lld&attempt=%d&to=%s&text=%s",
                   sink_port, m->id, m->attempt, m->msisdn, text);

  (void)arg;
  free(text);
  return n > 0 && (size_t)n < cap ? AG_OK : AG_E2BIG;
}

static enum sms_verdict verdict_of(void *arg, long status, const char *body, size_t len)
{
  (void)arg;
  (void)body;
  (void)len;
  return status == 202 ? SMS_SUBMITTED : status >= 500 ? SMS_RETRY : SMS_FAILED;
}

static long count(PGconn *db, const char *sql)
{
  PGresult *r = PQexec(db, sql);
  long n = PQresultStatus(r) == PGRES_TUPLES_OK ? atol(PQgetvalue(r, 0, 0)) : -1;

  PQclear(r);
  return n;
}

static int exec_ok(PGconn *db, const char *sql)
{
  PGresult *r = PQexec(db, sql);
  int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;

  if (!ok)
    fprintf(stderr, "bench_outbox: %s", PQerrorMessage(db));
  PQclear(r);
  return ok;
}

int main(int argc, char **argv)
{
  const char *conninfo = getenv("AULGATE_DB");
  long parts = argc > 2 ? atol(argv[2]) : 1, in_flight = argc > 3 ? atol(argv[3]) : 512;
  static const struct sms_link_ops ops = {req_url, verdict_of};
  struct store_config scfg = {.conninfo = conninfo,
                              .batch_max = 256,
                              .queue_max = 100000,
                              .reconnect_ms = 500,
                              .connect_timeout_ms = 5000,
                              .commit_margin_ms = 200};
  struct ag_curl_config hc = {
      .connect_timeout_ms = 1000, .total_timeout_ms = 5000, .max_in_flight = (unsigned)in_flight};
  struct sms_outbox_config oc;
  struct sms_outbox_stats s;
  struct event_base *base;
  struct store *st;
  struct ag_curl *http;
  struct sms_outbox *ob;
  PGconn *db;
  char sql[2048], body[480];
  int port_pipe[2], report_pipe[2];
  long sink[2] = {0, 0}, submitted;
  long long first_id, t0, t1 = 0, end;
  pid_t child;

  n_msgs = argc > 1 ? atol(argv[1]) : 20000;
  if (!conninfo || n_msgs < 1 || parts < 1 || parts > 3 || in_flight < 1) {
    fprintf(stderr, "usage: AULGATE_DB=... bench_outbox [N] [PARTS 1-3] [IN_FLIGHT]\n");
    return 2;
  }
  db = PQconnectdb(conninfo);
  if (PQstatus(db) != CONNECTION_OK) {
    fprintf(stderr, "bench_outbox: %s", PQerrorMessage(db));
    return 1;
  }
  snprintf(link_name, sizeof(link_name), "bench-%d", (int)getpid());
  /* a text of `parts` GSM-7 parts: 160 septets alone, 153 per part joined */
  memset(body, 'a', sizeof(body));
  body[parts == 1 ? 150 : 153 * parts - 3] = '\0';
  snprintf(sql, sizeof(sql),
           "INSERT INTO outbox (link, kind, respondent, msisdn, body, parts, due_at, "
           "next_attempt_at) SELECT '%s', 'test', decode(repeat('00', 32), 'hex'), "
           "'+7701' || lpad(g::text, 7, '0'), '%s', %ld, now(), now() "
           "FROM generate_series(1, %ld) g",
           link_name, body, parts, n_msgs);
  if (!exec_ok(db, sql))
    return 1;
  snprintf(sql, sizeof(sql), "SELECT min(id) FROM outbox WHERE link = '%s'", link_name);
  first_id = count(db, sql);
  if (pipe(port_pipe) || pipe(report_pipe))
    return 1;
  child = fork();
  if (child == 0)
    sink_run(port_pipe[1], report_pipe[1], first_id);
  if (read(port_pipe[0], &sink_port, sizeof(sink_port)) != sizeof(sink_port))
    return 1;

  base = event_base_new();
  st = store_create(base, &scfg);
  end = ag_mono_us() + 10000000;
  while (store_state(st) != STORE_UP && ag_mono_us() < end)
    event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
  http = ag_curl_create(base, &hc);
  oc = (struct sms_outbox_config){.link = link_name,
                                  .rate = 1000000,
                                  .claim_max = 512,
                                  .lease_ms = 60000,
                                  .max_age_s = 3600,
                                  .retry_base_ms = 100,
                                  .retry_max_ms = 1000,
                                  .poll_ms = 20,
                                  .max_in_flight = (unsigned)in_flight};
  t0 = ag_mono_us();
  ob = sms_outbox_create(base, st, http, NULL, &oc, &ops, NULL);
  end = t0 + 120000000;
  while (ag_mono_us() < end) {
    event_base_loop(base, EVLOOP_ONCE);
    sms_outbox_stats(ob, &s);
    if (s.submitted + s.failed >= (unsigned long long)n_msgs && sms_outbox_busy(ob) == 0) {
      t1 = ag_mono_us();
      break;
    }
  }
  sms_outbox_destroy(ob);
  ag_curl_destroy(http);
  store_destroy(st);
  event_base_free(base);
  kill(child, SIGTERM);
  if (read(report_pipe[0], sink, sizeof(sink)) != sizeof(sink))
    fprintf(stderr, "bench_outbox: no figures from the sink\n");
  waitpid(child, NULL, 0);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM outbox WHERE link = '%s' AND state = 'submitted'", link_name);
  submitted = count(db, sql);
  { /* the rows by state and attempt: a retry (a connection the sink's backlog dropped) shows */
    PGresult *r;
    snprintf(sql, sizeof(sql),
             "SELECT state || ' attempt ' || attempts || ' ' || coalesce(error, ''), count(*) "
             "FROM outbox WHERE link = '%s' GROUP BY 1 ORDER BY 2 DESC",
             link_name);
    r = PQexec(db, sql);
    for (int i = 0; PQresultStatus(r) == PGRES_TUPLES_OK && i < PQntuples(r); i++)
      printf("  rows %s: %s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
    PQclear(r);
  }
  snprintf(sql, sizeof(sql), "DELETE FROM outbox WHERE link = '%s'", link_name);
  exec_ok(db, sql);
  PQfinish(db);
  if (!t1) {
    printf("bench_outbox: did not finish within 120 s (submitted %ld of %ld)\n", submitted, n_msgs);
    return 1;
  }
  {
    double secs = (double)(t1 - t0) / 1e6;
    long verified = submitted < sink[1] ? submitted : sink[1];
    printf("bench_outbox: %ld messages of %ld part(s), %ld in flight: %.2f s\n", n_msgs, parts,
           in_flight, secs);
    printf("  sink received %ld requests, %ld distinct messages; outbox rows submitted %ld\n",
           sink[0], sink[1], submitted);
    printf("  verified: %ld messages, %.0f messages/s, %.0f parts/s\n", verified,
           (double)verified / secs, (double)(verified * parts) / secs);
  }
  return 0;
}
