/* it_prometheus.c: a real Prometheus (Debian's) scrapes a real gateway every second during a
 * USSD load driven here with libcurl; a PromQL query over Prometheus's HTTP API must return the
 * hops the test drove (within 10%), and `promtool check metrics` must pass on /metrics. The
 * scrape comes from loopback, on metrics_allow_ips by default: no token, as Prometheus's own
 * convention has it. Nothing is skipped: scripts/deps.sh installs prometheus. */
#include "tests/it/it_harness.h"
#include "tests/support/ag_check.h"

#include <check.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LOAD_MS 5000

static long long mono_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int free_port(void)
{
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof(a);
  int fd = socket(AF_INET, SOCK_STREAM, 0), port;

  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
  ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
  port = ntohs(a.sin_port);
  close(fd);
  return port;
}

static size_t to_file(char *d, size_t size, size_t n, void *f)
{
  return fwrite(d, size, n, f);
}

/* GET url into path (or into body, at most len bytes); returns the status, 0 on no answer. */
static long fetch(const char *url, const char *path, char *body, size_t len)
{
  FILE *f = path ? fopen(path, "w") : fmemopen(body, len, "w");
  CURL *c = curl_easy_init();
  long status = 0;

  ck_assert_ptr_nonnull(f);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, to_file);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
  if (curl_easy_perform(c) == CURLE_OK)
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(c);
  fclose(f);
  return status;
}

/* The value of an instant PromQL query with one result, or -1 when there is none. */
static double query(int port, const char *promql)
{
  char url[512], body[8192] = "";
  CURL *c = curl_easy_init();
  char *q = curl_easy_escape(c, promql, 0);
  const char *v;

  snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v1/query?query=%s", port, q);
  curl_free(q);
  curl_easy_cleanup(c);
  if (fetch(url, NULL, body, sizeof(body) - 1) != 200)
    return -1;
  v = strstr(body, "\"value\":[");
  if (!v || !(v = strstr(v, ",\"")))
    return -1;
  return strtod(v + 2, NULL);
}

START_TEST(test_it_prometheus_scrapes_the_load)
{
  struct it_server gw;
  PGconn *db;
  struct it_resp r;
  char dir[] = "/tmp/it-prom-XXXXXX", path[300], url[200], cmd[700], session[64], phone[16];
  int pport = free_port();
  long driven = 1, status;
  double seen = -1, render_sum, render_n;
  long long t0;
  pid_t pid;
  FILE *f;

  it_up(&gw, &db, NULL);
  /* One hop before Prometheus starts: the series exists from its first scrape on, so that the
   * load is all increase. */
  it_session_id(session, sizeof(session), "prom-warm");
  it_fresh_phone(phone);
  ck_assert_int_eq(it_hop(&gw, session, phone, "", &r), 0);

  ck_assert_ptr_nonnull(mkdtemp(dir));
  snprintf(path, sizeof(path), "%s/prometheus.yml", dir);
  f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fprintf(f,
          "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n"
          "  - job_name: aulgate\n    static_configs:\n      - targets: ['127.0.0.1:%d']\n",
          gw.port);
  fclose(f);
  pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    char cfg[320], data[320], listen[64];
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* a failed check kills this test: Prometheus goes too */
    snprintf(cfg, sizeof(cfg), "--config.file=%s", path);
    snprintf(data, sizeof(data), "--storage.tsdb.path=%s/data", dir);
    snprintf(listen, sizeof(listen), "--web.listen-address=127.0.0.1:%d", pport);
    snprintf(path, sizeof(path), "%s/prometheus.log", dir);
    freopen(path, "w", stderr);
    freopen("/dev/null", "w", stdout);
    execl(PROMETHEUS_BIN, "prometheus", cfg, data, listen, (char *)NULL);
    _exit(127);
  }
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/-/ready", pport);
  for (int i = 0; i < 300 && fetch(url, NULL, cmd, sizeof(cmd) - 1) != 200; i++)
    usleep(100 * 1000);
  /* A first scrape holds the warm-up hop. */
  for (int i = 0; i < 100 && query(pport, "sum(aulgate_ussd_hops_total)") < 1; i++)
    usleep(100 * 1000);
  ck_assert_msg(query(pport, "sum(aulgate_ussd_hops_total)") == 1, "Prometheus never scraped");

  /* The load: new sessions, one hop each, as fast as one client goes, for LOAD_MS. */
  t0 = mono_ms();
  while (mono_ms() - t0 < LOAD_MS) {
    it_session_id(session, sizeof(session), "prom");
    ck_assert_int_eq(it_hop(&gw, session, phone, "", &r), 0);
    ck_assert_int_eq(r.status, 200);
    driven++;
  }
  /* The next scrapes hold all of it. */
  for (int i = 0; i < 50 && (seen = query(pport, "sum(aulgate_ussd_hops_total)")) < driven; i++)
    usleep(100 * 1000);
  printf("it_prometheus: drove %ld hops in %d ms (%.0f/s); Prometheus says %.0f; "
         "rate over the load %.1f/s\n",
         driven, LOAD_MS, (driven - 1) * 1000.0 / LOAD_MS, seen,
         query(pport, "sum(rate(aulgate_ussd_hops_total[6s] offset 1s))"));
  ck_assert_msg(seen >= driven * 0.9 && seen <= driven * 1.1, "Prometheus %.0f, driven %ld", seen,
                driven);
  ck_assert_double_eq(query(pport, "up{job=\"aulgate\"}"), 1);

  /* promtool on the body Prometheus read. */
  snprintf(path, sizeof(path), "%s/metrics.txt", dir);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/metrics", gw.port);
  ck_assert_int_eq(fetch(url, path, NULL, 0), 200);
  snprintf(cmd, sizeof(cmd), "%s check metrics < %s", PROMTOOL_BIN, path);
  status = system(cmd);
  ck_assert_msg(status == 0, "promtool check metrics failed (%ld) on %s", status, path);
  render_sum = query(pport, "aulgate_metrics_render_seconds_sum");
  render_n = query(pport, "aulgate_metrics_render_seconds_count");
  printf("it_prometheus: /metrics rendered %.0f times, %.1f us on average\n", render_n,
         render_n > 0 ? render_sum * 1e6 / render_n : 0);

  kill(pid, SIGTERM);
  ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
  snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
  ck_assert_int_eq(system(cmd), 0);
  it_down(&gw, db);
}
END_TEST

static Suite *it_prometheus_suite(void)
{
  Suite *s = suite_create("it_prometheus");
  TCase *tc = tcase_create("scrape");

  tcase_set_timeout(tc, 150);
  tcase_add_test(tc, test_it_prometheus_scrapes_the_load);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(it_prometheus_suite)
