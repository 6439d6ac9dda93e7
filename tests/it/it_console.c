/* it_console.c: the operators' console /ops/ in a real headless Chromium, driven over the
 * DevTools protocol (tests/support/cdp.h), against a real gateway and PostgreSQL on loopback
 * (issue 10, part 4).
 *
 * First the pages' HTTP: content types, the strict headers, ETag and 304, the redirect, HEAD,
 * 404s. Then, while a thread drives USSD hops: the token typed once into the page (kept in
 * sessionStorage across a reload), the live sessions table listing a session the test started,
 * the hop counter rising with the load, the three languages, the database's state; the session
 * ended from the page (a real click on "End", then on the confirmation) gets the polite END in
 * Kazakh on its next hop, and the end is in the audit trail. No page error, no CSP violation,
 * and the browser itself refuses an inline script. Screenshots go to
 * <build>/screenshots/ops.png (after the end) and ops-confirm.png (the confirmation). */
#include "tests/it/it_harness.h"
#include "tests/support/ag_check.h"
#include "tests/support/cdp.h"

#include <check.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* The policy of gateway/pages/gw_pages.h, spelt out again: a change must be deliberate. */
static const char csp[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

struct head {
  long status;
  char ctype[128], csp[512], nosniff[64], etag[64], cache[64], location[64], xfo[32];
  size_t body;
};

static size_t on_header(char *line, size_t size, size_t n, void *arg)
{
  struct head *h = arg;
  size_t len = size * n;
  static const struct {
    const char *name;
    size_t off, cap;
  } want[] = {
      {"Content-Type:", offsetof(struct head, ctype), sizeof(((struct head *)0)->ctype)},
      {"Content-Security-Policy:", offsetof(struct head, csp), sizeof(((struct head *)0)->csp)},
      {"X-Content-Type-Options:", offsetof(struct head, nosniff),
       sizeof(((struct head *)0)->nosniff)},
      {"ETag:", offsetof(struct head, etag), sizeof(((struct head *)0)->etag)},
      {"Cache-Control:", offsetof(struct head, cache), sizeof(((struct head *)0)->cache)},
      {"Location:", offsetof(struct head, location), sizeof(((struct head *)0)->location)},
      {"X-Frame-Options:", offsetof(struct head, xfo), sizeof(((struct head *)0)->xfo)},
  };

  for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    size_t k = strlen(want[i].name);
    if (len > k && strncasecmp(line, want[i].name, k) == 0) {
      char *dst = (char *)h + want[i].off;
      const char *v = line + k;
      size_t vlen = len - k;
      while (vlen && (*v == ' '))
        v++, vlen--;
      while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n'))
        vlen--;
      snprintf(dst, want[i].cap, "%.*s", (int)vlen, v);
    }
  }
  return len;
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
  (void)p;
  ((struct head *)arg)->body += size * n;
  return size * n;
}

/* GET (or HEAD) path with an optional If-None-Match; the reply's headers of interest. */
static void fetch_head(const struct it_server *s, const char *method, const char *path,
                       const char *inm, struct head *h)
{
  CURL *c = curl_easy_init();
  struct curl_slist *hdrs = NULL;
  char url[300], line[128];

  memset(h, 0, sizeof(*h));
  snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", s->port, path);
  if (inm) {
    snprintf(line, sizeof(line), "If-None-Match: %s", inm);
    hdrs = curl_slist_append(hdrs, line);
  }
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L); /* send "/ops/../x" as it is */
  if (strcmp(method, "HEAD") == 0)
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  ck_assert_int_eq(curl_easy_perform(c), CURLE_OK);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &h->status);
  curl_slist_free_all(hdrs);
  curl_easy_cleanup(c);
}

static void check_strict(const struct head *h, const char *what)
{
  ck_assert_msg(strcmp(h->csp, csp) == 0, "%s: CSP '%s'", what, h->csp);
  ck_assert_msg(strcmp(h->nosniff, "nosniff") == 0, "%s: nosniff '%s'", what, h->nosniff);
  ck_assert_msg(strcmp(h->xfo, "DENY") == 0, "%s: X-Frame-Options '%s'", what, h->xfo);
}

START_TEST(pages_http)
{
  struct it_server gw;
  PGconn *db;
  struct head h;
  char conf[512], etag[64];

  snprintf(conf, sizeof(conf), "pages_dir = %s/pages\n", getenv("AULGATE_ROOT"));
  it_up(&gw, &db, conf);
  fetch_head(&gw, "GET", "/ops/", NULL, &h);
  ck_assert_int_eq(h.status, 200);
  ck_assert_str_eq(h.ctype, "text/html; charset=utf-8");
  ck_assert_str_eq(h.cache, "no-cache");
  ck_assert_msg(h.etag[0] == '"' && h.body > 1000, "etag %s, %zu bytes", h.etag, h.body);
  check_strict(&h, "/ops/");
  snprintf(etag, sizeof(etag), "%s", h.etag);
  fetch_head(&gw, "GET", "/ops/", etag, &h);
  ck_assert_int_eq(h.status, 304);
  ck_assert_int_eq(h.body, 0);
  fetch_head(&gw, "GET", "/ops/", "\"0000000000000000\"", &h);
  ck_assert_int_eq(h.status, 200);
  fetch_head(&gw, "HEAD", "/ops/index.html", NULL, &h);
  ck_assert_int_eq(h.status, 200);
  ck_assert_str_eq(h.etag, etag);
  fetch_head(&gw, "GET", "/ops/ops.js", NULL, &h);
  ck_assert_str_eq(h.ctype, "text/javascript; charset=utf-8");
  check_strict(&h, "/ops/ops.js");
  fetch_head(&gw, "GET", "/common/ag.css", NULL, &h);
  ck_assert_str_eq(h.ctype, "text/css; charset=utf-8");
  fetch_head(&gw, "GET", "/common/icon.svg", NULL, &h);
  ck_assert_str_eq(h.ctype, "image/svg+xml");
  fetch_head(&gw, "GET", "/ops", NULL, &h);
  ck_assert_int_eq(h.status, 301);
  ck_assert_str_eq(h.location, "/ops/");
  check_strict(&h, "/ops");
  static const char *const missing[] = {"/ops/nope.js", "/ops/../ops/index.html",
                                        "/ops/%2e%2e/common/ag.js", "/ops/x/index.html",
                                        "/common/"};
  for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
    fetch_head(&gw, "GET", missing[i], NULL, &h);
    ck_assert_msg(h.status == 404, "%s: %ld", missing[i], h.status);
    ck_assert_str_eq(h.cache, "no-store");
    check_strict(&h, missing[i]);
  }
  it_down(&gw, db);
}
END_TEST

/* The load: new sessions, each taken two screens into the survey, while the page watches. */
struct load {
  const struct it_server *gw;
  volatile int stop;
  long hops, failed;
};

static void *drive(void *arg)
{
  struct load *l = arg;
  static const char *const texts[] = {"", "1", "1*1"};
  struct it_resp *r = malloc(sizeof(*r));

  for (int n = 0; !l->stop && r; n++) {
    char sid[64], phone[16];
    it_session_id(sid, sizeof(sid), "load");
    it_fresh_phone(phone);
    for (int k = 0; k < 3 && !l->stop; k++) {
      if (it_hop(l->gw, sid, phone, texts[k], r) == 0 && r->status == 200)
        l->hops++;
      else
        l->failed++;
      usleep(20 * 1000);
    }
  }
  free(r);
  return NULL;
}

/* A number shown in the element (digits only: "1 234" is 1234). */
static long shown(struct cdp *c, const char *id)
{
  char expr[200];
  snprintf(expr, sizeof(expr),
           "Number((document.getElementById('%s').textContent.match(/[0-9]/g) || ['-1']).join(''))",
           id);
  return (long)cdp_eval_number(c, expr);
}

#define CDP_OK(c, call) ck_assert_msg((call) == 0, "%s: %s", #call, cdp_error(c))

START_TEST(console_live)
{
  struct it_server gw;
  PGconn *db;
  struct it_resp r;
  struct load load = {0};
  pthread_t th;
  char conf[512], tok[64], sid[64], phone[16], url[128], expr[1024], err[1024], dir[600], q[300];
  /* Kazakh, the survey, "Start" on its opening screen: on its first question. */
  static const char *const head[] = {"1", "1", "1"};
  struct cdp *c;
  long hops0, hops1;
  char *text;

  snprintf(conf, sizeof(conf), "pages_dir = %s/pages\ntoken_refresh_ms = 1000\n",
           getenv("AULGATE_ROOT"));
  it_up(&gw, &db, conf);
  it_token_create(AULGATE_BIN, "--role operator --name console-test", tok);
  it_session_id(sid, sizeof(sid), "victim");
  it_fresh_phone(phone);
  ck_assert_int_eq(it_play(&gw, sid, phone, head, 3, &r), 0);
  load.gw = &gw;
  ck_assert_int_eq(pthread_create(&th, NULL, drive, &load), 0);

  snprintf(dir, sizeof(dir), "%s/screenshots", BUILD_DIR);
  mkdir(dir, 0755);
  snprintf(dir, sizeof(dir), "%s/chromium-console", BUILD_DIR);
  c = cdp_launch(&(struct cdp_options){.profile_dir = dir, .lang = "kk"}, err, sizeof(err));
  ck_assert_msg(c != NULL, "Chromium: %s", err);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/ops/", gw.port);
  CDP_OK(c, cdp_navigate(c, url));

  /* Signed out: the form, in Kazakh (the browser's language). The token typed in once. */
  CDP_OK(c, cdp_wait(c, "!document.getElementById('login').hidden", 5000));
  text = cdp_eval_string(c, "document.title");
  ck_assert_msg(text && strcmp(text, "Aulgate — оператор консолі") == 0, "title %s", text);
  free(text);
  it_wait_token(&gw, tok);
  CDP_OK(c, cdp_click(c, "#token"));
  CDP_OK(c, cdp_type(c, tok));
  CDP_OK(c, cdp_click(c, "#login-form button[type=submit]"));
  CDP_OK(c, cdp_wait(c, "!document.getElementById('console').hidden", 5000));
  CDP_OK(c, cdp_wait(c, "document.getElementById('conn').dataset.state === 'live'", 5000));
  snprintf(expr, sizeof(expr), "sessionStorage.getItem('aulgate.token') === '%s'", tok);
  ck_assert_int_eq(cdp_eval_bool(c, expr), 1);

  /* A reload keeps the tab signed in: the token is asked for once. */
  CDP_OK(c, cdp_navigate(c, url));
  CDP_OK(c, cdp_wait(c, "!document.getElementById('console').hidden", 5000));

  /* Live: the session the test started is listed, the hop counter rises with the load, the
   * database is up. */
  snprintf(expr, sizeof(expr),
           "document.querySelector('tr[data-key=\"at/' + CSS.escape('%s') + '\"]')", sid);
  CDP_OK(c, cdp_wait(c, expr, 10000));
  CDP_OK(c, cdp_wait(
                c, "Number(document.getElementById('v-hops').textContent.replace(/\\D/g, '')) > 0",
                10000));
  hops0 = shown(c, "v-hops");
  CDP_OK(c, cdp_wait(c, "document.querySelectorAll('#sp-rate path').length === 2", 10000));
  for (int i = 0; i < 50 && (hops1 = shown(c, "v-hops")) <= hops0; i++)
    usleep(100 * 1000);
  ck_assert_msg(hops1 > hops0, "the hop counter did not rise: %ld -> %ld", hops0, hops1);
  ck_assert_msg(shown(c, "v-live") >= 1, "live sessions shown: %ld", shown(c, "v-live"));
  CDP_OK(c, cdp_wait(c, "document.getElementById('card-db').dataset.level === 'ok'", 5000));
  text = cdp_eval_string(c, "document.getElementById('v-db').textContent");
  ck_assert_msg(text && strcmp(text, "Істеп тұр") == 0, "database %s", text);
  free(text);

  /* The languages: Russian, English, and back to Kazakh. */
  CDP_OK(c, cdp_click(c, "[data-lang=ru]"));
  text = cdp_eval_string(c, "document.querySelector('h1').textContent + '|' + "
                            "document.querySelector('[data-t=col_idle]').textContent");
  ck_assert_msg(text && strcmp(text, "Aulgate — консоль оператора|Простой") == 0, "ru: %s", text);
  free(text);
  CDP_OK(c, cdp_click(c, "[data-lang=en]"));
  text = cdp_eval_string(c, "document.querySelector('h1').textContent + '|' + "
                            "document.getElementById('v-db').textContent");
  ck_assert_msg(text && strcmp(text, "Aulgate — operator console|Up") == 0, "en: %s", text);
  free(text);
  CDP_OK(c, cdp_click(c, "[data-lang=kk]"));
  ck_assert_int_eq(cdp_eval_bool(c, "document.documentElement.lang === 'kk'"), 1);

  /* Ending the session from the page: "End", the confirmation, "Yes". */
  snprintf(q, sizeof(q), "tr[data-key=\"at/%s\"]", sid);
  /* A poll redraws the list: the session's row must be the same element after it, or a poll
   * falling between the press and the release of "End" loses the click. */
  snprintf(expr, sizeof(expr),
           "(() => { const a = document.querySelector('%s'); renderSessions();"
           " return a !== null && a === document.querySelector('%s'); })()",
           q, q);
  ck_assert_int_eq(cdp_eval_bool(c, expr), 1);
  snprintf(expr, sizeof(expr), "%s button.end", q);
  CDP_OK(c, cdp_click(c, expr));
  snprintf(expr, sizeof(expr),
           "document.querySelector('tr[data-confirm-for=\"at/%s\"] button.confirm-yes')", sid);
  CDP_OK(c, cdp_wait(c, expr, 5000));
  snprintf(dir, sizeof(dir), "%s/screenshots/ops-confirm.png", BUILD_DIR);
  CDP_OK(c, cdp_screenshot(c, dir));
  snprintf(expr, sizeof(expr), "tr[data-confirm-for=\"at/%s\"] button.confirm-yes", sid);
  CDP_OK(c, cdp_click(c, expr));
  snprintf(expr, sizeof(expr), "document.getElementById('notice').textContent.includes('%s')", sid);
  CDP_OK(c, cdp_wait(c, expr, 5000));
  snprintf(expr, sizeof(expr), "!document.querySelector('%s')", q);
  CDP_OK(c, cdp_wait(c, expr, 5000));

  /* The caller's next hop: the polite END, in the session's Kazakh. */
  ck_assert_int_eq(it_hop(&gw, sid, phone, "1*1*1*1", &r), 0);
  ck_assert_msg(strcmp(r.body, "END Сессия аяқталды. Қайта теріңіз.") == 0, "%s", r.body);
  snprintf(q, sizeof(q),
           "SELECT count(*) FROM audit WHERE action = 'sessions.end' AND status = 200 AND "
           "target = 'at/%s'",
           sid);
  for (int i = 0; i < 60 && it_count(db, q) < 1; i++)
    usleep(50 * 1000);
  ck_assert_int_eq(it_count(db, q), 1);

  /* The funnel shows the question it was left on; the screenshot of the whole console. */
  CDP_OK(c,
         cdp_wait(c, "document.getElementById('funnel').textContent.includes('relation')", 5000));
  usleep(1500 * 1000); /* a few more events: the sparkline has a shape */
  snprintf(dir, sizeof(dir), "%s/screenshots/ops.png", BUILD_DIR);
  CDP_OK(c, cdp_screenshot(c, dir));
  fprintf(stderr, "it_console: screenshots in %s/screenshots/; hops %ld (failed %ld)\n", BUILD_DIR,
          load.hops, load.failed);

  /* Nothing went wrong in the page, and the policy holds in a real browser: an inline script
   * is refused (which logs the one violation expected). */
  ck_assert_msg(strcmp(cdp_page_errors(c), "") == 0, "page errors:\n%s", cdp_page_errors(c));
  ck_assert_int_eq(cdp_eval_bool(c, "(() => { window.inlineRan = false; const s = "
                                    "document.createElement('script'); s.textContent = "
                                    "'window.inlineRan = true'; document.head.append(s); "
                                    "return window.inlineRan; })()"),
                   0);
  CDP_OK(c, cdp_wait(c, "true", 100)); /* lets the violation's log entry arrive */
  ck_assert_msg(strstr(cdp_page_errors(c), "Content Security Policy") != NULL, "errors: %s",
                cdp_page_errors(c));

  cdp_close(c);
  load.stop = 1;
  pthread_join(th, NULL);
  ck_assert_int_gt(load.hops, 0);
  ck_assert_int_eq(load.failed, 0);
  it_down(&gw, db);
}
END_TEST

static Suite *it_console_suite(void)
{
  Suite *s = suite_create("it_console");
  TCase *tc = tcase_create("console");

  tcase_add_test(tc, pages_http);
  tcase_add_test(tc, console_live);
  tcase_set_timeout(tc, 120);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(it_console_suite)
