/* check_sess_bounds.c: the engine at its limits and at the edges of a page (issue 7).
 *
 * - A menu file of SESS_MAX_NODES nodes of SESS_MAX_OPTIONS options each: lint and load walk it
 *   for reachability without overflowing (the work list once overflowed at 8192 entries), and
 *   still find the one node nothing leads to.
 * - Paged options: a number is valid only while its option is on the page shown; a number of
 *   another page re-shows the same page with the error line and records nothing, the same on
 *   every replay of that hop (the `at` dialect resends the whole path).
 * The content folders are written by the test into /tmp, with the shipped strings.json.
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/ag.h"
#include "tests/support/ag_check.h"
#include "sessions/sess.h"

#ifndef CONTENT_DIR
#error "CONTENT_DIR must name the shipped content folder"
#endif

static const struct sess_budget budget = {75, 175};

/* {"kk": s, "ru": s, "en": s}, a new reference. */
static json_t *text3(const char *s)
{
  return json_pack("{s:s, s:s, s:s}", "kk", s, "ru", s, "en", s);
}

/* A folder holding the shipped strings.json and doc as name; returns it (owned). */
static char *folder_with(const char *name, json_t *doc)
{
  char *dir = strdup("/tmp/aulgate-bounds-XXXXXX"), path[512];
  json_error_t jerr;
  json_t *strings;

  ck_assert_ptr_nonnull(dir);
  ck_assert_ptr_nonnull(mkdtemp(dir));
  strings = json_load_file(CONTENT_DIR "/strings.json", 0, &jerr);
  ck_assert_msg(strings != NULL, "strings.json: %s", jerr.text);
  snprintf(path, sizeof(path), "%s/strings.json", dir);
  ck_assert_int_eq(json_dump_file(strings, path, 0), 0);
  json_decref(strings);
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  ck_assert_int_eq(json_dump_file(doc, path, 0), 0);
  return dir;
}

static void folder_remove(char *dir)
{
  char path[512];

  snprintf(path, sizeof(path), "%s/strings.json", dir);
  unlink(path);
  snprintf(path, sizeof(path), "%s/big.json", dir);
  unlink(path);
  snprintf(path, sizeof(path), "%s/paged.json", dir);
  unlink(path);
  rmdir(dir);
  free(dir);
}

/* --- a menu of SESS_MAX_NODES x SESS_MAX_OPTIONS --- */

/* Node k (k < last) leads to the SESS_MAX_OPTIONS nodes after it, wrapping among n0..n<last-1>;
 * node `last` is reached from n<last-1> only when reach_last. */
static json_t *big_menu(int reach_last)
{
  const int last = SESS_MAX_NODES - 1;
  json_t *nodes = json_array();

  for (int k = 0; k < SESS_MAX_NODES; k++) {
    json_t *opts = json_array();
    char id[16];
    for (int j = 0; j < SESS_MAX_OPTIONS; j++) {
      char go[16];
      int to = (k + 1 + j) % last;
      if (k == last - 1 && j == 0 && reach_last)
        to = last;
      snprintf(go, sizeof(go), "n%d", to);
      json_array_append_new(opts, json_pack("{s:s, s:o}", "goto", go, "label", text3("a")));
    }
    snprintf(id, sizeof(id), "n%d", k);
    json_array_append_new(nodes, json_pack("{s:s, s:s, s:o, s:o}", "id", id, "type", "menu", "text",
                                           text3("M"), "options", opts));
  }
  return json_pack("{s:s, s:i, s:s, s:s, s:o}", "id", "big", "version", 1, "kind", "menu", "start",
                   "n0", "nodes", nodes);
}

/* Lints and loads the big menu; returns the number of lint problems, their text in out. */
static int big_menu_check(int reach_last, char *out, size_t outlen)
{
  json_t *doc = big_menu(reach_last);
  char *dir = folder_with("big.json", doc), *text = NULL, err[512] = "";
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  struct sess_content *c = NULL;
  int problems, rc;

  json_decref(doc);
  ck_assert_ptr_nonnull(f);
  problems = sess_lint(dir, &budget, f);
  ck_assert_int_eq(fclose(f), 0);
  rc = sess_content_load(dir, &budget, NULL, 0, &c, err, sizeof(err));
  folder_remove(dir);
  snprintf(out, outlen, "%s", text ? text : "");
  free(text);
  /* Lint and load agree. */
  ck_assert_msg((problems == 0) == (rc == AG_OK), "lint %d problems, load %s: %s", problems,
                ag_errname(rc), err);
  if (rc == AG_OK) {
    struct sess_reply r;
    const char *in[] = {"1"};
    ck_assert_int_eq(sess_replay(c, &budget, "big", NULL, in, 1, &r), AG_OK);
    ck_assert_msg(strncmp(r.text, "M\n", 2) == 0, "%s", r.text);
  }
  sess_content_unref(c);
  return problems;
}

START_TEST(test_big_menu_reachable)
{
  char out[4096];
  int problems = big_menu_check(1, out, sizeof(out));

  ck_assert_msg(problems == 0, "%d problems:\n%s", problems, out);
}
END_TEST

START_TEST(test_big_menu_unreachable_node_found)
{
  char out[4096];
  char want[64];
  int problems = big_menu_check(0, out, sizeof(out));

  snprintf(want, sizeof(want), "node 'n%d' is unreachable", SESS_MAX_NODES - 1);
  ck_assert_msg(problems == 1, "%d problems:\n%s", problems, out);
  ck_assert_msg(strstr(out, want) != NULL, "\"%s\" lacks \"%s\"", out, want);
}
END_TEST

/* --- picks on a paged screen --- */

#define PAGED_OPTIONS 30

/* A survey choice and a menu of PAGED_OPTIONS options each, both over several pages. */
static json_t *paged_doc(void)
{
  json_t *choice = json_array(), *menu = json_array();

  for (int i = 1; i <= PAGED_OPTIONS; i++) {
    char value[8], label[32];
    snprintf(value, sizeof(value), "v%02d", i);
    snprintf(label, sizeof(label), "Нұсқа %02d", i);
    json_array_append_new(choice, json_pack("{s:s, s:o}", "value", value, "label", text3(label)));
    json_array_append_new(menu, json_pack("{s:s, s:o}", "goto", "pick", "label", text3(label)));
  }
  return json_pack("{s:s, s:i, s:s, s:s, s:[{s:s, s:s, s:o, s:o}, {s:s, s:s, s:o, s:o, s:s},"
                   " {s:s, s:s, s:o}]}",
                   "id", "paged", "version", 1, "kind", "survey", "start", "menu", "nodes", "id",
                   "menu", "type", "menu", "text", text3("Мәзір"), "options", menu, "id", "pick",
                   "type", "choice", "text", text3("Таңдаңыз"), "options", choice, "next", "end",
                   "id", "end", "type", "end", "text", text3("Бітті"));
}

static struct sess_content *paged;

static void paged_setup(void)
{
  json_t *doc = paged_doc();
  char *dir = folder_with("paged.json", doc), err[512] = "";
  int rc = sess_content_load(dir, &budget, NULL, 0, &paged, err, sizeof(err));

  json_decref(doc);
  folder_remove(dir);
  ck_assert_msg(rc == AG_OK, "%s: %s", ag_errname(rc), err);
}

static void paged_teardown(void)
{
  sess_content_unref(paged);
  paged = NULL;
}

/* Replays prefix (n inputs) then `in`; the reply in *r. */
static void play(const char **prefix, size_t n, const char *in, struct sess_reply *r)
{
  const char *path[SESS_MAX_INPUTS];

  ck_assert_uint_lt(n, SESS_MAX_INPUTS);
  if (n)
    memcpy(path, prefix, n * sizeof(*path));
  path[n] = in;
  ck_assert_int_eq(sess_replay(paged, &budget, "paged", NULL, path, n + (in != NULL), r), AG_OK);
}

/* The option numbers a screen shows, from the lines "<k> Нұсқа <kk>". */
static void shown_range(const char *text, long *first, long *last)
{
  *first = *last = 0;
  for (const char *line = text; line; line = strchr(line, '\n')) {
    long k;
    char word[16];
    line += *line == '\n';
    if (sscanf(line, "%ld %15s", &k, word) == 2 && strcmp(word, "Нұсқа") == 0) {
      if (*first == 0)
        *first = k;
      *last = k;
    }
  }
}

/* On every page of the node `prefix` leads to: numbers of the other pages (just before and just
 * after the page, the first and the last option) are refused with the error line over the same
 * page and record nothing, the same on a retry; the page's own numbers are taken. */
static void check_pages(const char **prefix, size_t n, int records)
{
  const char *path[SESS_MAX_INPUTS];
  size_t pages = 0;

  size_t shown_error = 0;

  if (n)
    memcpy(path, prefix, n * sizeof(*path));
  for (;;) {
    struct sess_reply page, r, again;
    const char *err = sess_string(paged, "invalid", SESS_KK);
    long first, last;
    char off[4][24], on[24];

    play(path, n, NULL, &page);
    shown_range(page.text, &first, &last);
    ck_assert_msg(first >= 1 && last >= first, "no options on:\n%s", page.text);
    snprintf(off[0], sizeof(off[0]), "%ld", first - 1);
    snprintf(off[1], sizeof(off[1]), "%ld", last + 1);
    snprintf(off[2], sizeof(off[2]), "%d", 1);
    snprintf(off[3], sizeof(off[3]), "%d", PAGED_OPTIONS);
    for (size_t i = 0; i < 4; i++) {
      long k = atol(off[i]);
      if (k >= first && k <= last)
        continue; /* on this page after all (the first or the last page) */
      play(path, n, off[i], &r);
      /* The page under the error line; when the line cannot fit beside a full page, the
       * renderer drops it (sess_render.c) and the page alone comes back. */
      if (strncmp(r.text, err, strlen(err)) == 0)
        shown_error++;
      else
        ck_assert_msg(strcmp(r.text, page.text) == 0, "page %zu, input %s:\n%s\nwas:\n%s",
                      pages + 1, off[i], r.text, page.text);
      ck_assert_msg(strstr(r.text, strchr(page.text, '\n') + 1) != NULL,
                    "page %zu, input %s: not the same page:\n%s\nwas:\n%s", pages + 1, off[i],
                    r.text, page.text);
      ck_assert_int_eq(r.effect.kind, SESS_EFFECT_NONE);
      play(path, n, off[i], &again); /* a retried hop: the same screen */
      ck_assert_mem_eq(r.text, again.text, sizeof(r.text));
    }
    snprintf(on, sizeof(on), "%ld", last);
    play(path, n, on, &r);
    ck_assert_msg(strncmp(r.text, err, strlen(err)) != 0, "page %zu refused %s:\n%s", pages + 1, on,
                  r.text);
    if (records) {
      char value[24];
      snprintf(value, sizeof(value), "v%02ld", last);
      ck_assert_int_eq(r.effect.kind, SESS_EFFECT_ANSWER);
      ck_assert_str_eq(r.effect.value, value);
    }
    pages++;
    if (!strstr(page.text, "\n99 "))
      break;
    ck_assert_uint_lt(n + 1, SESS_MAX_INPUTS);
    path[n++] = "99";
  }
  ck_assert_uint_ge(pages, 3);
  ck_assert_uint_gt(shown_error, 0);
}

START_TEST(test_pick_only_on_page_choice)
{
  const char *to_choice[] = {"1"};

  check_pages(to_choice, 1, 1);
}
END_TEST

START_TEST(test_pick_only_on_page_menu)
{
  check_pages(NULL, 0, 0);
}
END_TEST

/* "99" on the last page and "0" on the first are no options either. */
START_TEST(test_navigation_only_where_shown)
{
  const char *err = sess_string(paged, "invalid", SESS_KK);
  const char *first_page[] = {"1"};
  struct sess_reply page, r;

  play(first_page, 1, NULL, &page);
  play(first_page, 1, "0", &r);
  ck_assert_msg(strncmp(r.text, err, strlen(err)) == 0, "%s", r.text);
  ck_assert_int_eq(r.effect.kind, SESS_EFFECT_NONE);
  ck_assert_ptr_nonnull(strstr(r.text, strchr(page.text, '\n') + 1));
}
END_TEST

static Suite *bounds_suite(void)
{
  Suite *s = suite_create("sess_bounds");
  TCase *tc = tcase_create("reachable");

  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_big_menu_reachable);
  tcase_add_test(tc, test_big_menu_unreachable_node_found);
  suite_add_tcase(s, tc);
  tc = tcase_create("pages");
  tcase_add_checked_fixture(tc, paged_setup, paged_teardown);
  tcase_add_test(tc, test_pick_only_on_page_choice);
  tcase_add_test(tc, test_pick_only_on_page_menu);
  tcase_add_test(tc, test_navigation_only_where_shown);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(bounds_suite)
