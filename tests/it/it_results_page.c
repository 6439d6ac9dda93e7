/* it_results_page.c: the results page /results/ in a real headless Chromium (tests/support/cdp.h)
 * over simulated data (issue 11, item 7): 400 synthetic Aktobe parents go through the real USSD
 * path (`aulgate simulate`, a fixed seed) into a database of this test's own, so that the figures
 * are theirs alone; an analyst of Aktobe signs in with a token.
 *
 * Checked: every question's chart is drawn; the urban and rural bars of L1, L2 and T1 carry the
 * percentages GET /api/v1/results gives; grouped by district, the groups the API suppresses are
 * drawn hatched as "hidden" (never as a zero) and no other is; the language switch relabels
 * the page and its charts; "Download CSV" saves the CSV (BOM, header, CRLF) as a file; no page
 * error, no CSP violation; printed (the print media emulated), no controls and one chart a row.
 * Screenshots: <build>/screenshots/results.png, results-district.png, results-print.png. */
#include "tests/it/it_harness.h"
#include "tests/support/ag_check.h"
#include "tests/support/cdp.h"

#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PARENTS 400

static struct it_server gw;
static PGconn *db;
static struct it_tmpdb tmp;
static char tok[64];

#define CDP_OK(c, call) ck_assert_msg((call) == 0, "%s: %s", #call, cdp_error(c))

static void tool(const char *args)
{
  char cmd[2048];

  snprintf(cmd, sizeof(cmd), "cd '%s' && AULGATE_DB='%s' '%s' %s -c /dev/null >&2",
           getenv("AULGATE_ROOT"), tmp.conninfo, AULGATE_BIN, args);
  ck_assert_msg(system(cmd) == 0, "%s failed", cmd);
}

static void setup(void)
{
  char name[64], conf[512];

  snprintf(name, sizeof(name), "aulgate_it_respage_%d", (int)getpid());
  ck_assert_int_eq(it_tmpdb_create(&tmp, name), 0);
  tool("migrate -d sql/migrations");
  tool("seed");
  ck_assert_int_eq(setenv("AULGATE_DB", tmp.conninfo, 1), 0);
  snprintf(conf, sizeof(conf), "pages_dir = %s/pages\ntoken_refresh_ms = 1000\n",
           getenv("AULGATE_ROOT"));
  it_up(&gw, &db, conf);
}

static void teardown(void)
{
  it_down(&gw, db);
  it_tmpdb_drop(&tmp);
}

/* GET /api/v1/results for question grouped by group_by, as the analyst. */
static json_t *api(const char *question, const char *group_by)
{
  char path[300], h[120];
  const char *hdrs[2] = {h, NULL};
  struct it_resp *r = malloc(sizeof(*r));
  json_t *j;

  ck_assert_ptr_nonnull(r);
  snprintf(path, sizeof(path),
           "/api/v1/results?survey=involvement&version=4&question=%s&group_by=%s", question,
           group_by);
  snprintf(h, sizeof(h), "Authorization: Bearer %s", tok);
  ck_assert_int_eq(it_get_headers(&gw, path, hdrs, r), 0);
  ck_assert_msg(r->status == 200, "%s: %ld %s", path, r->status, r->body);
  j = json_loads(r->body, 0, NULL);
  free(r);
  ck_assert_ptr_nonnull(j);
  return j;
}

/* The percent of option yes in the group whose key is value, from an API reply (-1: none). */
static double api_yes(json_t *reply, const char *key, const char *value)
{
  size_t i, k;
  json_t *g, *o;

  json_array_foreach(json_object_get(reply, "groups"), i, g)
  {
    const char *v = json_string_value(json_object_get(g, key));

    if (!v || strcmp(v, value) != 0)
      continue;
    json_array_foreach(json_object_get(g, "options"), k, o)
    {
      if (strcmp(json_string_value(json_object_get(o, "option")), "yes") == 0)
        return json_number_value(json_object_get(o, "percent"));
    }
  }
  return -1;
}

static void simulate(void)
{
  char cmd[2048], line[512];
  const char *root = getenv("AULGATE_ROOT");
  FILE *out;
  int st;

  snprintf(cmd, sizeof(cmd),
           "AULGATE_TOKEN=%s '%s' simulate -u http://127.0.0.1:%d/ussd/at -C '%s/content' -n %d "
           "-c 24 -S 7 -p itrp%x --schools '%s/sql/seed/schools.json' "
           "--results http://127.0.0.1:%d 2>&1",
           tok, AULGATE_BIN, gw.port, root, PARENTS, (unsigned)getpid(), root, gw.port);
  out = popen(cmd, "r");
  ck_assert_ptr_nonnull(out);
  while (fgets(line, sizeof(line), out))
    fputs(line, stderr);
  st = pclose(out);
  ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "aulgate simulate failed (status %d)", st);
}

START_TEST(results_page)
{
  char url[128], expr[600], err[1024], dir[600], file[700], q[200];
  struct cdp *c;
  char *text;
  json_t *reply;
  long hidden_api = 0;
  size_t i;
  json_t *g;
  FILE *f;

  it_token_create(AULGATE_BIN, "--role analyst --region aktobe --name results-page -c /dev/null",
                  tok);
  it_wait_token(&gw, tok);
  simulate();

  snprintf(dir, sizeof(dir), "%s/screenshots", BUILD_DIR);
  mkdir(dir, 0755);
  snprintf(dir, sizeof(dir), "%s/chromium-results", BUILD_DIR);
  c = cdp_launch(&(struct cdp_options){.profile_dir = dir, .lang = "ru", .height = 2200}, err,
                 sizeof(err));
  ck_assert_msg(c != NULL, "Chromium: %s", err);
  snprintf(dir, sizeof(dir), "%s/downloads-results", BUILD_DIR);
  mkdir(dir, 0755);
  snprintf(file, sizeof(file), "%s/results-v4-L1-settlement.csv", dir);
  unlink(file);
  CDP_OK(c, cdp_call(c, "Browser.setDownloadBehavior",
                     json_pack("{s:s, s:s}", "behavior", "allow", "downloadPath", dir), NULL));
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/results/", gw.port);
  CDP_OK(c, cdp_navigate(c, url));

  /* Sign in (the browser speaks Russian). */
  CDP_OK(c, cdp_wait(c, "!document.getElementById('login').hidden", 5000));
  CDP_OK(c, cdp_click(c, "#token"));
  CDP_OK(c, cdp_type(c, tok));
  CDP_OK(c, cdp_click(c, "#login-form button[type=submit]"));
  CDP_OK(c, cdp_wait(c, "document.getElementById('charts').dataset.state === 'ready'", 20000));
  text = cdp_eval_string(c, "document.title");
  ck_assert_msg(text && strcmp(text, "Aulgate — результаты опроса") == 0, "title %s", text);
  free(text);

  /* Every question drawn, urban and rural bars in each. */
  ck_assert_int_eq(cdp_eval_number(c, "document.querySelectorAll('svg.chart').length"), 12);
  ck_assert_int_eq(cdp_eval_bool(c, "[...document.querySelectorAll('svg.chart')].every(s => "
                                    "s.querySelector('g.bar.urban rect') && "
                                    "s.querySelector('g.bar.rural rect'))"),
                   1);
  /* L1, L2, T1: the page's bars are the API's figures. */
  static const char *const qs[] = {"L1", "L2", "T1"};
  static const char *const groups[] = {"urban", "rural"};
  for (size_t k = 0; k < 3; k++) {
    reply = api(qs[k], "settlement");
    for (size_t s = 0; s < 2; s++) {
      double want = api_yes(reply, "settlement", groups[s]), got;
      snprintf(expr, sizeof(expr),
               "Number(document.querySelector('svg[data-question=%s] g.bar[data-group=%s]"
               "[data-option=yes]').dataset.percent)",
               qs[k], groups[s]);
      got = cdp_eval_number(c, expr);
      ck_assert_msg(want >= 0 && fabs(got - want) < 1e-9, "%s %s: page %g, API %g", qs[k],
                    groups[s], got, want);
      printf("page %s %s yes %.1f%% = API\n", qs[k], groups[s], got);
    }
    json_decref(reply);
  }

  /* The language switch: English, then Kazakh, then back to Russian. */
  CDP_OK(c, cdp_click(c, "[data-lang=en]"));
  CDP_OK(c, cdp_wait(c,
                     "document.getElementById('charts').dataset.state === 'ready' && "
                     "document.querySelector('svg[data-question=L1] text.opt')"
                     ".textContent === 'Yes'",
                     20000));
  text = cdp_eval_string(c, "document.querySelector('h1').textContent + '|' + "
                            "document.querySelector('.qcard[data-question=L1] h3').textContent");
  ck_assert_msg(text && strcmp(text, "Aulgate — survey results|L1. Waits for the school to ask "
                                     "for help") == 0,
                "en: %s", text);
  free(text);
  CDP_OK(c, cdp_click(c, "[data-lang=kk]"));
  CDP_OK(c, cdp_wait(c,
                     "document.getElementById('charts').dataset.state === 'ready' && "
                     "document.querySelector('svg[data-question=L1] text.opt')"
                     ".textContent === 'Иә'",
                     20000));
  text = cdp_eval_string(c, "document.querySelector('.legend .name').textContent");
  ck_assert_msg(text && strcmp(text, "Қала мектептері") == 0, "kk: %s", text);
  free(text);
  CDP_OK(c, cdp_click(c, "[data-lang=ru]"));
  CDP_OK(c, cdp_wait(c,
                     "document.getElementById('charts').dataset.state === 'ready' && "
                     "document.querySelector('svg[data-question=L1] text.opt')"
                     ".textContent === 'Да'",
                     20000));

  /* CSV: fetched with the token, saved as a file. */
  CDP_OK(c, cdp_click(c, ".qcard[data-question=L1] button.csv"));
  for (int n = 0; n < 100 && access(file, R_OK) != 0; n++)
    usleep(100 * 1000);
  f = fopen(file, "rb");
  ck_assert_msg(f != NULL, "no download at %s", file);
  ck_assert_ptr_nonnull(fgets(q, sizeof(q), f));
  fclose(f);
  ck_assert_msg(strncmp(q, "\xEF\xBB\xBFregion,region_name,settlement,", 33) == 0 &&
                    strstr(q, "\r\n") != NULL,
                "csv starts %s", q);

  /* By district: the groups the API suppresses are drawn hidden, and only those. */
  reply = api("L1", "district");
  json_array_foreach(json_object_get(reply, "groups"), i, g) hidden_api +=
      json_is_true(json_object_get(g, "suppressed"));
  json_decref(reply);
  ck_assert_msg(hidden_api > 0, "no district suppressed: the test needs one (seed 7)");
  ck_assert_int_eq(cdp_eval_bool(c, "(() => { const s = document.getElementById('f-group'); "
                                    "s.value = 'district'; s.dispatchEvent(new Event('change')); "
                                    "return true; })()"),
                   1);
  CDP_OK(c, cdp_wait(c,
                     "document.getElementById('charts').dataset.state === 'ready' && "
                     "document.querySelector('svg[data-question=L1] g.bar[data-group]')",
                     20000));
  snprintf(expr, sizeof(expr),
           "new Set([...document.querySelectorAll('svg[data-question=L1] "
           "g.bar[data-suppressed=true]')].map(g => g.dataset.group)).size === %ld && "
           "[...document.querySelectorAll('svg[data-question=L1] g.bar[data-suppressed=true]')]"
           ".every(g => !g.dataset.percent && g.textContent === 'скрыто')",
           hidden_api);
  ck_assert_msg(cdp_eval_bool(c, expr) == 1, "hidden groups differ from the API's %ld", hidden_api);
  snprintf(file, sizeof(file), "%s/screenshots/results-district.png", BUILD_DIR);
  CDP_OK(c, cdp_screenshot(c, file));

  /* Back to urban and rural, for the screenshot. */
  ck_assert_int_eq(cdp_eval_bool(c, "(() => { const s = document.getElementById('f-group'); "
                                    "s.value = 'settlement'; s.dispatchEvent(new Event('change')); "
                                    "return true; })()"),
                   1);
  CDP_OK(c, cdp_wait(c,
                     "document.getElementById('charts').dataset.state === 'ready' && "
                     "document.querySelector('svg[data-question=barrier] g.bar.rural')",
                     20000));
  snprintf(file, sizeof(file), "%s/screenshots/results.png", BUILD_DIR);
  CDP_OK(c, cdp_screenshot(c, file));
  /* Printed: no controls, one chart a row (the print style sheet, as the browser applies it). */
  CDP_OK(c, cdp_call(c, "Emulation.setEmulatedMedia", json_pack("{s:s}", "media", "print"), NULL));
  ck_assert_int_eq(cdp_eval_bool(c, "getComputedStyle(document.querySelector('.csv')).display === "
                                    "'none' && getComputedStyle(document.getElementById('charts'))"
                                    ".gridTemplateColumns.split(' ').length === 1"),
                   1);
  snprintf(file, sizeof(file), "%s/screenshots/results-print.png", BUILD_DIR);
  CDP_OK(c, cdp_screenshot(c, file));
  fprintf(stderr, "it_results_page: screenshots in %s/screenshots/\n", BUILD_DIR);
  ck_assert_msg(strcmp(cdp_page_errors(c), "") == 0, "page errors:\n%s", cdp_page_errors(c));
  cdp_close(c);
}
END_TEST

static Suite *results_page_suite(void)
{
  Suite *s = suite_create("results_page");
  TCase *tc = tcase_create("page");

  tcase_set_timeout(tc, 240);
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, results_page);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(results_page_suite)
