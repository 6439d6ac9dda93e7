/* it_school_page.c: the school's page /school/ in headless Chromium over the DevTools protocol
 * (tests/support/cdp.h), on a real gateway and PostgreSQL: signing in with a school token, the
 * budget check shown as a request is typed, sending it, the request in the list with its counts
 * (a small one shown as "< 3"), the parents who shared for it, the knowledge funds, kk/ru/en,
 * no page error and the strict policy holding. Screenshot: <build>/screenshots/school.png. */
#include "tests/it/it_harness.h"
#include "tests/support/ag_check.h"
#include "tests/support/cdp.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CDP_OK(c, call) ck_assert_msg((call) == 0, "%s: %s", #call, cdp_error(c))

START_TEST(school_page)
{
  struct it_server gw;
  PGconn *db;
  char conf[512], tok[64], op[64], url[128], err[1024], dir[600], q[300], sql[1400], run[64];
  struct cdp *c;
  char *text;
  long school, id;

  snprintf(conf, sizeof(conf), "pages_dir = %s/pages\ntoken_refresh_ms = 1000\n",
           getenv("AULGATE_ROOT"));
  it_up(&gw, &db, conf);
  snprintf(run, sizeof(run), "%d-%ld", (int)getpid(), (long)time(NULL));
  snprintf(sql, sizeof(sql),
           "INSERT INTO schools (region_code, district_code, name, number, settlement) SELECT"
           " region_code, district_code, '№ 7 мектеп-гимназия ' || '%s', NULL, settlement FROM"
           " schools WHERE id = 1",
           run);
  it_exec(db, sql);
  school = it_count(db, "SELECT max(id) FROM schools");
  snprintf(q, sizeof(q), "--role school --school %ld --name page-test", school);
  /* created first: once the cache knows tok, it knows op too */
  it_token_create(AULGATE_BIN, "--role operator --name page-test-operator", op);
  it_token_create(AULGATE_BIN, q, tok);
  /* Parents of the school, as the parent's side writes them: 4 linked, 3 offer repairs. */
  snprintf(sql, sizeof(sql),
           "INSERT INTO school_links (respondent, relation, school_id, channel)"
           " SELECT decode(md5(g::text || '%s') || md5(g::text), 'hex'), 'mother', %ld, 'ussd'"
           " FROM generate_series(1, 4) g;"
           "INSERT INTO school_offers (respondent, relation, category)"
           " SELECT decode(md5(g::text || '%s') || md5(g::text), 'hex'), 'mother', 'repairs'"
           " FROM generate_series(1, 3) g",
           run, school, run);
  it_exec(db, sql);

  snprintf(dir, sizeof(dir), "%s/screenshots", BUILD_DIR);
  mkdir(dir, 0755);
  snprintf(dir, sizeof(dir), "%s/chromium-school", BUILD_DIR);
  c = cdp_launch(&(struct cdp_options){.profile_dir = dir, .lang = "ru"}, err, sizeof(err));
  ck_assert_msg(c != NULL, "Chromium: %s", err);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/school/", gw.port);
  CDP_OK(c, cdp_navigate(c, url));
  CDP_OK(c, cdp_wait(c, "!document.getElementById('login').hidden", 5000));
  text = cdp_eval_string(c, "document.title");
  ck_assert_msg(text && strcmp(text, "Aulgate — школа") == 0, "title %s", text);
  free(text);
  it_wait_token(&gw, tok);
  /* An operator's token is a valid token of another role: refused by the page, in Russian, and
   * forgotten; then the school's. */
  CDP_OK(c, cdp_click(c, "#token"));
  CDP_OK(c, cdp_type(c, op));
  CDP_OK(c, cdp_click(c, "#login-form button[type=submit]"));
  CDP_OK(c,
         cdp_wait(c, "document.getElementById('login-error').textContent === 'Это не токен школы.'",
                  5000));
  ck_assert_int_eq(cdp_eval_bool(c, "sessionStorage.getItem('aulgate.token') === null && "
                                    "document.getElementById('school').hidden"),
                   1);
  CDP_OK(c, cdp_click(c, "#token"));
  CDP_OK(c, cdp_type(c, tok));
  CDP_OK(c, cdp_click(c, "#login-form button[type=submit]"));
  CDP_OK(c, cdp_wait(c, "!document.getElementById('school').hidden", 5000));
  CDP_OK(c,
         cdp_wait(c, "document.getElementById('school-name').textContent.includes('№ 7')", 5000));
  CDP_OK(c,
         cdp_wait(c, "document.getElementById('offers').textContent.includes('Ремонт: 3')", 5000));

  /* The budget as it is typed. */
  CDP_OK(c, cdp_click(c, "#text_ru"));
  CDP_OK(c, cdp_type(c, "Нужны 3 родителя покрасить забор в субботу"));
  CDP_OK(c, cdp_wait(c,
                     "document.getElementById('fit_ru').dataset.ok === 'true' && "
                     "document.getElementById('fit_ru').textContent.includes('осталось')",
                     5000));
  CDP_OK(c, cdp_click(c, "#send"));
  CDP_OK(c, cdp_wait(c,
                     "document.querySelector('#requests tbody').textContent"
                     ".includes('покрасить забор')",
                     5000));
  snprintf(sql, sizeof(sql), "SELECT max(id) FROM school_requests WHERE school_id = %ld", school);
  id = it_count(db, sql);
  snprintf(sql, sizeof(sql),
           "INSERT INTO school_answers (request_id, respondent, answer, channel) SELECT %ld,"
           " decode(md5(g::text || '%s') || md5(g::text), 'hex'), CASE WHEN g < 4 THEN 'help'"
           " ELSE 'more' END, 'ussd' FROM generate_series(1, 4) g;"
           "INSERT INTO school_shares (request_id, respondent, msisdn, first_name) VALUES (%ld,"
           " decode(md5('1' || '%s') || md5('1'), 'hex'), '+77015550101', 'Айгүл')",
           id, run, id, run);
  it_exec(db, sql);
  CDP_OK(c, cdp_navigate(c, url)); /* signed in still: the tab keeps the token */
  CDP_OK(c, cdp_wait(c, "document.querySelector('#requests tbody').textContent.includes('< 3')",
                     5000));
  CDP_OK(c, cdp_click(c, "a.shares"));
  CDP_OK(c, cdp_wait(c, "document.getElementById('shares').textContent.includes('Айгүл')", 5000));
  CDP_OK(c, cdp_click(c, "[data-lang=kk]"));
  text = cdp_eval_string(c, "document.querySelector('#requests th').textContent");
  ck_assert_msg(text && strcmp(text, "Өтініш") == 0, "%s", text);
  free(text);
  CDP_OK(c, cdp_click(c, "[data-lang=en]"));
  text = cdp_eval_string(c, "document.querySelector('#requests th').textContent");
  ck_assert_msg(text && strcmp(text, "Request") == 0, "%s", text);
  free(text);
  CDP_OK(c, cdp_click(c, "[data-lang=ru]"));
  CDP_OK(c, cdp_click(c, "#text_kk"));
  CDP_OK(c, cdp_type(c, "Сенбіде қоршауды бояуға көмек керек"));
  CDP_OK(c, cdp_wait(c, "document.getElementById('fit_kk').dataset.ok === 'true'", 5000));
  snprintf(dir, sizeof(dir), "%s/screenshots/school.png", BUILD_DIR);
  CDP_OK(c, cdp_screenshot(c, dir));
  /* Close, asked again, then closed: the database says so and the button is gone. */
  CDP_OK(c, cdp_click(c, "button.close"));
  CDP_OK(c, cdp_wait(c,
                     "document.querySelector('.confirm-row').textContent.includes('Закрыть "
                     "просьбу?')",
                     5000));
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM school_requests WHERE id = %ld AND closed_at"
           " IS NOT NULL",
           id);
  ck_assert_int_eq(it_count(db, sql), 0); /* nothing closed before the answer */
  CDP_OK(c, cdp_click(c, ".confirm-yes"));
  CDP_OK(c, cdp_wait(c,
                     "document.querySelector('#requests tbody').textContent.includes('закрыта')"
                     " && !document.querySelector('button.close')",
                     5000));
  ck_assert_int_eq(it_count(db, sql), 1);
  ck_assert_msg(strcmp(cdp_page_errors(c), "") == 0, "page errors:\n%s", cdp_page_errors(c));
  ck_assert_int_eq(cdp_eval_bool(c, "(() => { window.inlineRan = false; const s = "
                                    "document.createElement('script'); s.textContent = "
                                    "'window.inlineRan = true'; document.head.append(s); "
                                    "return window.inlineRan; })()"),
                   0);
  cdp_close(c);
  it_down(&gw, db);
}
END_TEST

static Suite *it_school_page_suite(void)
{
  Suite *s = suite_create("it_school_page");
  TCase *tc = tcase_create("page");

  tcase_add_test(tc, school_page);
  tcase_set_timeout(tc, 120);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(it_school_page_suite)
