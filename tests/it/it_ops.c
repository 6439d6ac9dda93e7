/* it_ops.c: the operators' API (issue 10, part 3) over real HTTP against a real gateway: the auth
 * matrix of the new routes, the live sessions list (the number masked, never in clear), ending a
 * session (its next hop gets the polite END, counted as reason operator), the per-minute stats
 * after driving hops, and the Server-Sent Events stream: events a second apart with rising
 * counters, a bounded number of clients, and a client that never reads dropped without the
 * gateway's memory growing. */
#include "tests/it/it_harness.h"
#include "tests/support/ag_check.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char conf[] = "metrics_allow_ips = 192.0.2.1\ntoken_refresh_ms = 1000\n";

/* `aulgate token create ARGS`: the token printed, in out. */
static void token_create(const char *args, char *out)
{
  it_token_create(AULGATE_BIN, args, out);
}

static long bearer(const struct it_server *s, const char *path, const char *tok, struct it_resp *r)
{
  char h[120];
  const char *hdrs[2] = {h, NULL};

  snprintf(h, sizeof(h), "Authorization: Bearer %s", tok);
  ck_assert_int_eq(it_get_headers(s, path, tok ? hdrs : NULL, r), 0);
  return r->status;
}

/* A TCP connection to the gateway with the request sent; rcvbuf > 0 shrinks the socket's
 * receive buffer first (a client that reads nothing fills up sooner). */
static int raw_open(const struct it_server *s, const char *method, const char *path,
                    const char *tok, int rcvbuf)
{
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port)};
  char req[600];
  int fd = socket(AF_INET, SOCK_STREAM, 0), n;

  ck_assert_int_ge(fd, 0);
  if (rcvbuf > 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
  n = snprintf(req, sizeof(req),
               "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%sConnection: close\r\n\r\n", method, path,
               tok ? "Authorization: Bearer " : "", tok ? tok : "", tok ? "\r\n" : "");
  ck_assert_int_eq(write(fd, req, (size_t)n), n);
  return fd;
}

/* Reads from fd into buf (NUL-terminated) for at most ms, or until the peer closes. */
static size_t raw_read(int fd, char *buf, size_t cap, int ms)
{
  struct timespec t0, t;
  size_t len = 0;

  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (;;) {
    struct pollfd p = {fd, POLLIN, 0};
    long left;
    ssize_t n;
    clock_gettime(CLOCK_MONOTONIC, &t);
    left = ms - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
    if (left <= 0 || len + 1 >= cap || poll(&p, 1, (int)left) <= 0)
      break;
    n = read(fd, buf + len, cap - 1 - len);
    if (n <= 0)
      break;
    len += (size_t)n;
  }
  buf[len] = '\0';
  return len;
}

/* One request on a fresh connection: the status, the whole reply in buf. */
static long raw(const struct it_server *s, const char *method, const char *path, const char *tok,
                char *buf, size_t cap)
{
  int fd = raw_open(s, method, path, tok, 0);
  long status = 0;

  raw_read(fd, buf, cap, 5000);
  close(fd);
  sscanf(buf, "HTTP/1.1 %ld", &status);
  return status;
}

/* A number after key in body (the first occurrence at or after from), -1 when absent. */
static long num_after(const char *body, const char *from, const char *key)
{
  const char *p = strstr(body, from);

  p = p ? strstr(p, key) : NULL;
  return p ? atol(p + strlen(key)) : -1;
}

static long vmrss_kb(pid_t pid)
{
  char path[64], line[256];
  long kb = -1;
  FILE *f;

  snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
  f = fopen(path, "r");
  ck_assert_ptr_nonnull(f);
  while (fgets(line, sizeof(line), f))
    if (sscanf(line, "VmRSS: %ld", &kb) == 1)
      break;
  fclose(f);
  return kb;
}

START_TEST(test_it_ops_auth_matrix)
{
  struct it_server gw;
  PGconn *db;
  struct it_resp r;
  char op[64], an[64], ad[64], buf[8192], sql[400];
  long base;
  const char *gets[] = {"/api/v1/sessions", "/api/v1/stats?window=5m", "/api/v1/events"};

  it_up(&gw, &db, conf);
  token_create("--role operator --name ops-operator", op);
  token_create("--role analyst --name ops-analyst", an);
  token_create("--role admin --name ops-admin", ad);
  it_wait_token(&gw, op);
  it_wait_token(&gw, an);
  it_wait_token(&gw, ad);
  base = it_count(db, "SELECT COALESCE(max(id), 0) FROM audit");
  for (size_t i = 0; i < 3; i++) {
    ck_assert_int_eq(raw(&gw, "GET", gets[i], NULL, buf, sizeof(buf)), 401);
    ck_assert_msg(strstr(buf, "{\"error\":\"missing token"), "%s", buf);
    ck_assert_int_eq(raw(&gw, "GET", gets[i], an, buf, sizeof(buf)), 403);
    ck_assert_msg(strstr(buf, "application/json") && strstr(buf, "role may not use this route"),
                  "%s", buf);
  }
  ck_assert_int_eq(raw(&gw, "DELETE", "/api/v1/sessions/at/x", NULL, buf, sizeof(buf)), 401);
  ck_assert_int_eq(raw(&gw, "DELETE", "/api/v1/sessions/at/x", an, buf, sizeof(buf)), 403);
  ck_assert_msg(strstr(buf, "role may not use this route"), "%s", buf);
  /* Refusals of a known token are audited (the anonymous ones are not). */
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM audit WHERE id > %ld AND outcome = 'role' AND status = 403 AND "
           "(action IN ('GET /api/v1/sessions', 'GET /api/v1/stats', 'GET /api/v1/events') OR "
           "action = 'DELETE /api/v1/sessions/at/x')",
           base);
  for (int i = 0; i < 60 && it_count(db, sql) < 4; i++)
    usleep(50 * 1000);
  ck_assert_int_eq(it_count(db, sql), 4);
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit WHERE id > %ld AND token_id IS NULL",
           base);
  ck_assert_int_eq(it_count(db, sql), 0);

  /* The operator and the admin pass; bad parameters are 400 with a JSON error. */
  ck_assert_int_eq(bearer(&gw, "/api/v1/sessions", op, &r), 200);
  ck_assert_int_eq(bearer(&gw, "/api/v1/stats", ad, &r), 200);
  ck_assert_int_eq(bearer(&gw, "/api/v1/stats?window=61m", op, &r), 400);
  ck_assert_msg(strstr(r.body, "{\"error\":\"window must be"), "%s", r.body);
  ck_assert_int_eq(bearer(&gw, "/api/v1/sessions?limit=1001", op, &r), 400);
  ck_assert_int_eq(bearer(&gw, "/api/v1/sessions?limit=0", op, &r), 400);
  ck_assert_int_eq(bearer(&gw, "/api/v1/sessions?carrier=A%22", op, &r), 400);
  ck_assert_int_eq(raw(&gw, "DELETE", "/api/v1/sessions/at", op, buf, sizeof(buf)), 400);
  ck_assert_int_eq(raw(&gw, "DELETE", "/api/v1/sessions/at/nobody", op, buf, sizeof(buf)), 404);
  ck_assert_msg(strstr(buf, "{\"error\":\"no live session"), "%s", buf);
  it_down(&gw, db);
}
END_TEST

START_TEST(test_it_ops_sessions_end_stats)
{
  struct it_server gw;
  PGconn *db;
  struct it_resp r;
  char op[64], sid[64], phone[16], path[200], buf[8192], digits[16];
  long before, after, base;
  const int n_hops = 7;

  it_up(&gw, &db, conf);
  token_create("--role operator --name ops-operator2", op);
  it_wait_token(&gw, op);
  base = it_count(db, "SELECT COALESCE(max(id), 0) FROM audit");
  ck_assert_int_eq(bearer(&gw, "/api/v1/stats?window=2m", op, &r), 200);
  before = num_after(r.body, "\"total\":", "\"ok\":");
  ck_assert_int_ge(before, 0);

  /* A session started by a USSD hop: listed with the masked number, never the full one. */
  it_session_id(sid, sizeof(sid), "ops");
  it_fresh_phone(phone);
  ck_assert_int_eq(it_hop(&gw, sid, phone, "", &r), 0);
  ck_assert_msg(strncmp(r.body, "CON ", 4) == 0, "%s", r.body);
  for (int i = 1; i < n_hops; i++) /* retries of the first hop: hops the stats must count */
    ck_assert_int_eq(it_hop(&gw, sid, phone, "", &r), 0);
  ck_assert_int_eq(bearer(&gw, "/api/v1/sessions", op, &r), 200);
  ck_assert_msg(strstr(r.body, sid) != NULL, "%s", r.body);
  snprintf(digits, sizeof(digits), "+*******%s", phone + 8);
  ck_assert_msg(strstr(r.body, digits) != NULL, "no %s in %s", digits, r.body);
  ck_assert_msg(strstr(r.body, phone + 1) == NULL, "the full number in %s", r.body);
  ck_assert_msg(strstr(r.body, phone + 5) == NULL, "7 digits of the number in %s", r.body);
  ck_assert_msg(strstr(r.body, "\"screen\":\"") && strstr(r.body, "\"idle_s\":") &&
                    strstr(r.body, "\"lang\":\"") && strstr(r.body, "\"hops\":0"),
                "%s", r.body);
  ck_assert_int_eq(bearer(&gw, "/api/v1/sessions?carrier=nosuch", op, &r), 200);
  ck_assert_msg(strstr(r.body, "\"count\":0"), "%s", r.body);

  /* Stats: the hops driven are in the window's total. */
  ck_assert_int_eq(bearer(&gw, "/api/v1/stats?window=2m", op, &r), 200);
  after = num_after(r.body, "\"total\":", "\"ok\":");
  ck_assert_msg(after - before == n_hops, "hops %ld -> %ld: %s", before, after, r.body);
  ck_assert_msg(num_after(r.body, "\"total\":", "\"sessions_started\":") >= 1, "%s", r.body);
  ck_assert_msg(strstr(r.body, "\"p99\":"), "%s", r.body);

  /* Ended by the operator: the next hop gets the polite END; a second DELETE is 404. */
  snprintf(path, sizeof(path), "/api/v1/sessions/at/%s", sid);
  ck_assert_int_eq(raw(&gw, "DELETE", path, op, buf, sizeof(buf)), 200);
  ck_assert_msg(strstr(buf, "\"reason\":\"operator\""), "%s", buf);
  ck_assert_int_eq(raw(&gw, "DELETE", path, op, buf, sizeof(buf)), 404);
  ck_assert_int_eq(it_hop(&gw, sid, phone, "1", &r), 0);
  ck_assert_msg(strncmp(r.body, "END ", 4) == 0, "%s", r.body);
  ck_assert_msg(strstr(r.body, "Сессия аяқталды") || strstr(r.body, "Сеанс завершён") ||
                    strstr(r.body, "session has ended"),
                "%s", r.body);
  ck_assert_int_eq(bearer(&gw, "/api/v1/sessions", op, &r), 200);
  ck_assert_msg(strstr(r.body, sid) == NULL, "%s", r.body);
  ck_assert_int_eq(bearer(&gw, "/metrics", op, &r), 200);
  ck_assert_msg(
      strstr(r.body, "aulgate_sessions_ended_total{carrier=\"at\",reason=\"operator\"} 1"), "%s",
      r.body);
  ck_assert_int_eq(bearer(&gw, "/api/v1/stats?window=2m", op, &r), 200);
  ck_assert_msg(num_after(r.body, "\"total\":", "\"operator\":") == 1, "%s", r.body);
  ck_assert_msg(num_after(r.body, "\"total\":", "\"ended\":") == 1, "%s", r.body);

  /* An id with a space and a slash: URL-encoded in the path, decoded before the lookup. */
  {
    char odd[96];
    snprintf(odd, sizeof(odd), "%s a/b", sid);
    ck_assert_int_eq(it_hop(&gw, odd, phone, "", &r), 0);
    snprintf(path, sizeof(path), "/api/v1/sessions/at/%s%%20a/b", sid);
    ck_assert_int_eq(raw(&gw, "DELETE", path, op, buf, sizeof(buf)), 200);
    ck_assert_int_eq(it_hop(&gw, odd, phone, "1", &r), 0);
    ck_assert_msg(strncmp(r.body, "END ", 4) == 0, "%s", r.body);
  }

  /* The funnel: a session left on the survey's first question (who answers) and ended there
   * is counted under that question. */
  {
    static const char *const head[] = {"1", "1", "1"}; /* Kazakh, the survey, start */
    char sid2[64];
    it_session_id(sid2, sizeof(sid2), "funnel");
    ck_assert_int_eq(it_play(&gw, sid2, phone, head, 3, &r), 0);
    ck_assert_int_eq(bearer(&gw, "/api/v1/sessions?limit=1", op, &r), 200);
    ck_assert_msg(strstr(r.body, "\"file\":\"involvement\",\"screen\":\"relation\""), "%s", r.body);
    snprintf(path, sizeof(path), "/api/v1/sessions/at/%s", sid2);
    ck_assert_int_eq(raw(&gw, "DELETE", path, op, buf, sizeof(buf)), 200);
    ck_assert_int_eq(bearer(&gw, "/api/v1/stats?window=2m", op, &r), 200);
    ck_assert_msg(strstr(r.body, "\"funnel\":[{\"file\":\"involvement\",\"question\":"
                                 "\"relation\",\"abandoned\":1}]"),
                  "%s", r.body);
  }

  /* The trail: the list, the end (and the refused second end), the stats reads. */
  for (int i = 0; i < 60; i++) {
    snprintf(path, sizeof(path),
             "SELECT count(*) FROM audit WHERE id > %ld AND action = 'sessions.end'", base);
    if (it_count(db, path) >= 4)
      break;
    usleep(50 * 1000);
  }
  snprintf(path, sizeof(path),
           "SELECT count(*) FROM audit WHERE id > %ld AND action = 'sessions.end' AND "
           "status = 200 AND target LIKE 'at/%%'",
           base);
  ck_assert_int_eq(it_count(db, path), 3);
  snprintf(path, sizeof(path),
           "SELECT count(*) FROM audit WHERE id > %ld AND action = 'sessions.list'", base);
  ck_assert_int_eq(it_count(db, path), 4);
  snprintf(path, sizeof(path), "SELECT count(*) FROM audit WHERE id > %ld AND action = 'stats'",
           base);
  ck_assert_int_eq(it_count(db, path), 4);
  it_down(&gw, db);
}
END_TEST

START_TEST(test_it_ops_events)
{
  struct it_server gw;
  PGconn *db;
  static char buf[1 << 20];
  char op[64];
  int fds[16], fd;
  long seq[8], n = 0, rss0, rss1;
  const char *p;

  it_up(&gw, &db, conf);
  token_create("--role operator --name ops-operator3", op);
  it_wait_token(&gw, op);

  /* A client receives events a second apart with rising counters. */
  fd = raw_open(&gw, "GET", "/api/v1/events?window=1m", op, 0);
  raw_read(fd, buf, sizeof(buf), 2500);
  close(fd);
  ck_assert_msg(strncmp(buf, "HTTP/1.1 200", 12) == 0 && strstr(buf, "text/event-stream"), "%s",
                buf);
  for (p = buf; (p = strstr(p, "\nid: ")) && n < 8; p++)
    seq[n++] = atol(p + 5);
  ck_assert_msg(n >= 2 && n <= 4, "%ld events in 2.5 s: %s", n, buf);
  for (long i = 1; i < n; i++)
    ck_assert_int_gt(seq[i], seq[i - 1]);
  ck_assert_ptr_nonnull(strstr(buf, "event: stats\ndata: {\"now\":"));

  /* At most 16 clients: the 17th gets 503. A client gone is noticed at its next events (a
   * suspended stream does not watch its socket): the first one's place comes free within
   * seconds, so a client refused meanwhile tries again. */
  for (int i = 0; i < 16; i++) {
    for (int k = 0; k < 20; k++) {
      fds[i] = raw_open(&gw, "GET", "/api/v1/events", op, 0);
      raw_read(fds[i], buf, 4096, 300);
      if (strncmp(buf, "HTTP/1.1 503", 12) != 0)
        break;
      close(fds[i]);
      usleep(300 * 1000);
    }
    ck_assert_msg(strncmp(buf, "HTTP/1.1 200", 12) == 0, "client %d: %s", i, buf);
  }
  fd = raw_open(&gw, "GET", "/api/v1/events", op, 0);
  raw_read(fd, buf, sizeof(buf), 2000);
  close(fd);
  ck_assert_msg(strncmp(buf, "HTTP/1.1 503", 12) == 0 && strstr(buf, "too many event streams"),
                "%s", buf);
  for (int i = 0; i < 16; i++)
    close(fds[i]);

  /* A client that never reads (a tiny receive buffer, 60-minute events of ~15 KB) is dropped
   * once its bounded buffer fills; the gateway's memory does not grow with it. */
  usleep(1200 * 1000); /* the closed clients are gone after the next tick */
  rss0 = vmrss_kb(gw.pid);
  fd = raw_open(&gw, "GET", "/api/v1/events?window=60m", op, 2048);
  {
    char line[512];
    int dropped = 0;
    for (int i = 0; i < 400 && !dropped; i++) {
      FILE *f = fopen(gw.log, "r");
      ck_assert_ptr_nonnull(f);
      while (fgets(line, sizeof(line), f))
        if (strstr(line, "http.stream_dropped"))
          dropped = 1;
      fclose(f);
      usleep(100 * 1000);
    }
    ck_assert_msg(dropped, "the client that never reads was not dropped in 40 s (log %s)", gw.log);
  }
  rss1 = vmrss_kb(gw.pid);
  ck_assert_msg(rss1 - rss0 < 4096, "VmRSS %ld kB -> %ld kB", rss0, rss1);
  fprintf(stderr, "it_ops: VmRSS %ld kB before the slow client, %ld kB once it was dropped\n", rss0,
          rss1);
  close(fd);
  it_down(&gw, db);
}
END_TEST

static Suite *it_ops_suite(void)
{
  Suite *s = suite_create("it_ops");
  TCase *tc = tcase_create("ops");

  tcase_set_timeout(tc, 100);
  tcase_add_test(tc, test_it_ops_auth_matrix);
  tcase_add_test(tc, test_it_ops_sessions_end_stats);
  tcase_add_test(tc, test_it_ops_events);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(it_ops_suite)
