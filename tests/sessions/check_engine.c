/* check_engine.c: unit tests of the USSD engine (sessions/sess_*.c) through sess_replay() and
 * sess_lint(): the renderer and pager in Kazakh, Russian and English with GSM-7 extension
 * characters and characters outside the BMP, skip logic, resume on shared phones, the effects a
 * hop must make durable, determinism, lint on the shipped content and on broken fixtures, and a
 * golden file of every screen of the shipped content in each language.
 *
 * Fixture content lives in tests/data/content/<case>/ (TESTDATA), the shipped content in
 * CONTENT_DIR. The goldens are tests/data/golden/<lang>.txt; AULGATE_GOLDEN_UPDATE=1 rewrites
 * them instead of comparing. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/ag.h"
#include "sessions/sess-internal.h"
#include "sessions/sess.h"
#include "lib/ag_text.h"
#include "tests/support/ag_check.h"

#ifndef CONTENT_DIR
#error "CONTENT_DIR must name the shipped content folder"
#endif
#ifndef TESTDATA
#error "TESTDATA must name tests/data"
#endif

#define RENDER_DIR TESTDATA "/content/render"

/* The default budgets of the configuration (ussd_budget_ucs2, ussd_budget_gsm7). */
static const struct sess_budget budget = {75, 175};

#define ck_assert_has(haystack, needle)                                                            \
  ck_assert_msg(strstr((haystack), (needle)) != NULL, "\"%s\" lacks \"%s\"", (haystack), (needle))
#define ck_assert_lacks(haystack, needle)                                                          \
  ck_assert_msg(strstr((haystack), (needle)) == NULL, "\"%s\" has \"%s\"", (haystack), (needle))

/* ---- helpers ---- */

static struct sess_content *load(const char *dir)
{
  struct sess_content *c = NULL;
  char err[512] = "";
  int rc = sess_content_load(dir, &budget, NULL, 0, &c, err, sizeof(err));

  ck_assert_msg(rc == AG_OK, "loading %s: %s (%s)", dir, err, ag_errname(rc));
  ck_assert_ptr_nonnull(c);
  return c;
}

/* One replay with its inputs kept alive: effects borrow number and text answers from them. */
struct play {
  struct sess_reply r;
  char buf[1024];
  const char *in[SESS_MAX_INPUTS + 8];
  size_t n;
};

/* Replays path (inputs separated by single spaces, "" for none) and then `last` when not NULL
 * (for inputs with spaces or empty ones). Fails the test unless sess_replay() returns AG_OK. */
static const struct sess_reply *play_then(struct play *p, const struct sess_content *c,
                                          const char *entry, const struct sess_ctx *ctx,
                                          const char *path, const char *last)
{
  char *save = NULL, *tok;
  int rc;

  ck_assert_uint_lt(strlen(path), sizeof(p->buf));
  strcpy(p->buf, path);
  p->n = 0;
  for (tok = strtok_r(p->buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
    ck_assert_uint_lt(p->n, AG_ARRAY_LEN(p->in) - 1);
    p->in[p->n++] = tok;
  }
  if (last)
    p->in[p->n++] = last;
  rc = sess_replay(c, &budget, entry, ctx, p->in, p->n, &p->r);
  ck_assert_msg(rc == AG_OK, "replay '%s' of %s: %s", path, entry, ag_errname(rc));
  return &p->r;
}

static const struct sess_reply *play(struct play *p, const struct sess_content *c,
                                     const char *entry, const struct sess_ctx *ctx,
                                     const char *path)
{
  return play_then(p, c, entry, ctx, path, NULL);
}

/* A caller whose language is known (and nothing else). */
static struct sess_ctx ctx_lang(struct sess_profile *p, enum sess_lang lang, long day)
{
  struct sess_ctx ctx = {p, day};

  memset(p, 0, sizeof(*p));
  p->has_lang = 1;
  p->lang = lang;
  return ctx;
}

/* The cost of a screen as the handset counts it, and the budget of its encoding. */
struct cost {
  size_t units, limit;
  enum ag_enc enc;
  size_t code_points;
};

static struct cost cost_of(const char *text)
{
  struct ag_text_cost tc;
  struct cost k;

  ck_assert_int_eq(ag_text_measure(text, strlen(text), &tc), AG_OK);
  k.units = ag_text_units(&tc);
  k.enc = tc.enc;
  k.limit = (size_t)(tc.enc == AG_ENC_GSM7 ? budget.gsm7 : budget.ucs2);
  k.code_points = tc.code_points;
  return k;
}

static int has_line(const char *text, const char *line)
{
  size_t n = strlen(line);

  for (const char *p = text; p; p = strchr(p, '\n')) {
    if (*p == '\n')
      p++;
    if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == '\0'))
      return 1;
  }
  return 0;
}

static void first_line(const char *text, char *out, size_t len)
{
  snprintf(out, len, "%.*s", (int)strcspn(text, "\n"), text);
}

/* The numbered lines of a page: the first and last option number (0 when none), whether it has
 * "99 <more>" and "0 <back>" (labelled in lang) and how many lines it has. */
struct page {
  long first, last;
  int more, back;
  size_t lines;
};

static struct page page_of(const struct sess_content *c, const char *text, enum sess_lang lang)
{
  struct page pg = {0, 0, 0, 0, 0};
  char more[64], back[64];
  const char *p = text;

  snprintf(more, sizeof(more), "99 %s", sess_string(c, "more", lang));
  snprintf(back, sizeof(back), "0 %s", sess_string(c, "back", lang));
  while (*p) {
    size_t len = strcspn(p, "\n");
    char line[256];
    char *end;
    long k;

    snprintf(line, sizeof(line), "%.*s", (int)len, p);
    pg.lines++;
    k = strtol(line, &end, 10);
    if (strcmp(line, more) == 0) {
      pg.more = 1;
    } else if (strcmp(line, back) == 0) {
      pg.back = 1;
    } else if (end != line && *end == ' ' && line[0] != '0') {
      if (pg.first == 0)
        pg.first = k;
      ck_assert_msg(pg.last == 0 || k == pg.last + 1, "numbering jumps to %ld in\n%s", k, text);
      pg.last = k;
    }
    p += len;
    if (*p == '\n')
      p++;
  }
  return pg;
}

/* ---- renderer and pager ---- */

static const char *const pager_prompt[SESS_NLANG] = {
    "Нұсқаны таңдаңыз:", "Выберите вариант:", "Choose one option from this list:"};
static const char *const pager_label[SESS_NLANG] = {"Нұсқа", "Вариант", "Option"};
static const char *const more_label[SESS_NLANG] = {"Тағы", "Далее", "More"};
static const char *const back_label[SESS_NLANG] = {"Артқа", "Назад", "Back"};

START_TEST(test_engine_pager_kazakh_pages)
{
  /* Hand-computed: prompt 17 units, "\nN Нұсқа" 8 (9 from 10 on), "\n99 Тағы" and "\n0 Артқа"
   * 8 each, budget 75. Page 2 is exactly 75. */
  static const long first[] = {1, 7, 12, 16, 20, 24, 28};
  static const long last[] = {6, 11, 15, 19, 23, 27, 30};
  struct sess_content *c = load(RENDER_DIR);
  struct play p;
  char path[64] = "";

  ck_assert_str_eq(
      play(&p, c, "pager", NULL, "")->text,
      "Нұсқаны таңдаңыз:\n1 Нұсқа\n2 Нұсқа\n3 Нұсқа\n4 Нұсқа\n5 Нұсқа\n6 Нұсқа\n99 Тағы");
  ck_assert_uint_eq(cost_of(p.r.text).units, 73);
  ck_assert_int_eq(cost_of(p.r.text).enc, AG_ENC_UCS2);
  ck_assert_str_eq(
      play(&p, c, "pager", NULL, "99")->text,
      "Нұсқаны таңдаңыз:\n7 Нұсқа\n8 Нұсқа\n9 Нұсқа\n10 Нұсқа\n11 Нұсқа\n99 Тағы\n0 Артқа");
  ck_assert_uint_eq(cost_of(p.r.text).units, 75);
  for (size_t i = 0; i < AG_ARRAY_LEN(first); i++) {
    struct page pg = page_of(c, play(&p, c, "pager", NULL, path)->text, SESS_KK);
    ck_assert_int_eq(p.r.end, 0);
    ck_assert_int_eq(p.r.lang, SESS_KK);
    ck_assert_int_eq(pg.first, first[i]);
    ck_assert_int_eq(pg.last, last[i]);
    ck_assert_int_eq(pg.more, i + 1 < AG_ARRAY_LEN(first));
    ck_assert_int_eq(pg.back, i > 0);
    strcat(path, i ? " 99" : "99");
  }
  sess_content_unref(c);
}
END_TEST

/* Every page of the 30-option list in every language: within budget, numbered on from the page
 * before, "99"/"0" labelled in the session language, and full: the next option would not fit.
 * Pages by hand: kk 6+5+4*4+3; ru (lines of 10/11 units) 5+4+3*7; en (GSM-7) 14+12+4. */
START_TEST(test_engine_pager_every_page_within_budget)
{
  static const size_t expected_pages[SESS_NLANG] = {7, 9, 3};
  enum sess_lang lang = (enum sess_lang)_i;
  struct sess_content *c = load(RENDER_DIR);
  struct sess_profile prof;
  struct sess_ctx ctx = ctx_lang(&prof, lang, 0);
  struct play p;
  char path[256] = "", more[32], back[32];
  long seen = 0;
  size_t pages = 0;

  ck_assert_str_eq(sess_string(c, "more", lang), more_label[lang]);
  ck_assert_str_eq(sess_string(c, "back", lang), back_label[lang]);
  snprintf(more, sizeof(more), "99 %s", more_label[lang]);
  snprintf(back, sizeof(back), "0 %s", back_label[lang]);
  for (;;) {
    const char *text = play(&p, c, "pager", &ctx, path)->text;
    struct page pg = page_of(c, text, lang);
    struct cost k = cost_of(text);
    char line0[128];

    first_line(text, line0, sizeof(line0));
    ck_assert_str_eq(line0, pager_prompt[lang]);
    ck_assert_int_eq(p.r.lang, lang);
    ck_assert_msg(k.units <= k.limit, "%s page %zu: %zu > %zu", sess_lang_code(lang), pages + 1,
                  k.units, k.limit);
    ck_assert_int_eq(k.enc, lang == SESS_EN ? AG_ENC_GSM7 : AG_ENC_UCS2);
    ck_assert_int_eq(pg.first, seen + 1);
    ck_assert_int_eq(pg.more, has_line(text, more));
    ck_assert_int_eq(pg.back, has_line(text, back));
    ck_assert_int_eq(pg.back, pages > 0);
    ck_assert_int_eq(pg.more, pg.last < 30);
    if (pg.more) {
      /* The greedy pager packs as much as fits: one more option line breaks the budget. */
      char bigger[SESS_SCREEN_MAX], *cut = strstr(text, "\n99 ");
      ck_assert_ptr_nonnull(cut);
      snprintf(bigger, sizeof(bigger), "%.*s\n%ld %s%s", (int)(cut - text), text, pg.last + 1,
               pager_label[lang], cut);
      ck_assert_msg(cost_of(bigger).units > k.limit, "page %zu of %s is not full:\n%s", pages + 1,
                    sess_lang_code(lang), text);
    }
    seen = pg.last;
    pages++;
    if (!pg.more)
      break;
    strcat(path, pages > 1 ? " 99" : "99");
  }
  ck_assert_int_eq(seen, 30);
  ck_assert_uint_eq(pages, expected_pages[lang]);
  sess_content_unref(c);
}
END_TEST

START_TEST(test_engine_pager_moves_between_pages)
{
  struct sess_content *c = load(RENDER_DIR);
  struct play p, q;

  /* 99 forward, 0 back; effects NONE. */
  ck_assert_str_eq(play(&p, c, "pager", NULL, "99 99 0")->text,
                   play(&q, c, "pager", NULL, "99")->text);
  ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_NONE);
  ck_assert_str_eq(play(&p, c, "pager", NULL, "99 0")->text, play(&q, c, "pager", NULL, "")->text);
  ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_NONE);
  /* 99 on the last page and 0 on the first are wrong choices: the same page with the error. */
  play(&p, c, "pager", NULL, "99 99 99 99 99 99 99");
  play(&q, c, "pager", NULL, "99 99 99 99 99 99");
  ck_assert_has(p.r.text, "Қате таңдау.\n");
  ck_assert_has(p.r.text, "28 Нұсқа\n29 Нұсқа\n30 Нұсқа\n0 Артқа");
  ck_assert_lacks(q.r.text, "Қате");
  play(&p, c, "pager", NULL, "0");
  ck_assert_has(p.r.text, "Қате таңдау.\n1 Нұсқа\n");
  ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_NONE);
  sess_content_unref(c);
}
END_TEST

START_TEST(test_engine_pager_number_only_on_its_page)
{
  struct sess_content *c = load(RENDER_DIR);
  struct play p, q;
  struct page pg2 = page_of(c, play(&q, c, "pager", NULL, "99")->text, SESS_KK);
  char pick[48];

  /* An option is picked on the page that shows it, and stored. */
  play(&p, c, "pager", NULL, "99 99 12");
  ck_assert_str_eq(p.r.text, "Дұрыс па?\n1 Иә\n2 Жоқ");
  ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_ANSWER);
  ck_assert_str_eq(p.r.effect.question_id, "colour");
  ck_assert_str_eq(p.r.effect.value, "o12");
  snprintf(pick, sizeof(pick), "99 %ld", pg2.first);
  play(&p, c, "pager", NULL, pick);
  ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_ANSWER);
  /* Option 1 on page 3, option 30 on page 1, 12 on page 2 (where it is not): the same page
   * with the error line, nothing stored (issue 7: they were taken before). */
  play(&p, c, "pager", NULL, "99 99 1");
  ck_assert_str_eq(p.r.text, "Қате таңдау.\n12 Нұсқа\n13 Нұсқа\n14 Нұсқа\n15 Нұсқа\n99 Тағы\n"
                             "0 Артқа");
  ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_NONE);
  play(&p, c, "pager", NULL, "30");
  ck_assert_has(p.r.text, "Қате таңдау.\n");
  ck_assert_has(p.r.text, "\n1 Нұсқа\n");
  ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_NONE);
  play(&p, c, "pager", NULL, "99 12");
  ck_assert_has(p.r.text, "Қате таңдау.\n");
  ck_assert_lacks(p.r.text, "\n12 Нұсқа");
  ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_NONE);
  /* Not a number of the list: 31, a leading zero, nothing numeric. */
  play(&p, c, "pager", NULL, "31");
  ck_assert_has(p.r.text, "Қате таңдау.");
  play(&p, c, "pager", NULL, "01");
  ck_assert_has(p.r.text, "Қате таңдау.");
  play(&p, c, "pager", NULL, "1a");
  ck_assert_has(p.r.text, "Қате таңдау.");
  ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_NONE);
  sess_content_unref(c);
}
END_TEST

static void assert_asks(const struct sess_content *c, const struct sess_reply *r, const char *node,
                        enum sess_lang lang);

/* A pick from a later page leads to the next question's first page. */
START_TEST(test_engine_next_question_starts_on_first_page)
{
  struct sess_content *c = load(CONTENT_DIR);
  struct sess_profile prof;
  struct sess_ctx ru = ctx_lang(&prof, SESS_RU, 20000);
  struct play p;
  struct page pg;

  /* Page 3 of the regions, its first option (West Kazakhstan, 11, in Russian alphabetical
   * order since survey version 4): its districts from the first. (It picked Akmola, 2, from
   * page 3 before issue 7: 2 is on page 1 only.) */
  pg = page_of(c, play(&p, c, "main_menu", &ru, "1 1 1 99 99")->text, SESS_RU);
  ck_assert_int_gt(pg.first, 2);
  ck_assert(has_line(p.r.text, "11 ЗКО"));
  play(&p, c, "main_menu", &ru, "1 1 1 99 99 11");
  assert_asks(c, &p.r, "district", SESS_RU);
  pg = page_of(c, p.r.text, SESS_RU);
  ck_assert_int_eq(pg.first, 1);
  ck_assert_int_eq(pg.back, 0);
  ck_assert_int_eq(pg.more, 1);
  sess_content_unref(c);
}
END_TEST

/* An English screen with { } [ ] ~ \ | ^ € twice: each costs 2 septets and the screen stays GSM-7.
 * Prompt 19 + 18 * 2 = 55, seven "\nN Choice number" lines of 16, "\n99 More" 8: 175 exactly.
 * Priced at 1 septet each, an eighth option would have fitted. */
START_TEST(test_engine_gsm7_extension_chars_cost_two)
{
  struct sess_content *c = load(RENDER_DIR);
  struct sess_profile prof;
  struct sess_ctx ctx = ctx_lang(&prof, SESS_EN, 0);
  struct play p;
  struct cost k;

  play(&p, c, "enc", &ctx, "");
  ck_assert_str_eq(p.r.text, "Choose one {}[]~\\|^€ or {}[]~\\|^€ now\n"
                             "1 Choice number\n2 Choice number\n3 Choice number\n4 Choice number\n"
                             "5 Choice number\n6 Choice number\n7 Choice number\n99 More");
  k = cost_of(p.r.text);
  ck_assert_int_eq(k.enc, AG_ENC_GSM7);
  ck_assert_uint_eq(k.units, 175);
  ck_assert_uint_eq(k.limit, 175);
  ck_assert_str_eq(play(&p, c, "enc", &ctx, "99")->text,
                   "Choose one {}[]~\\|^€ or {}[]~\\|^€ now\n"
                   "8 Choice number\n9 Choice number\n10 Choice number\n0 Back");
  ck_assert_int_eq(cost_of(p.r.text).enc, AG_ENC_GSM7);
  sess_content_unref(c);
}
END_TEST

/* One Kazakh letter (ә) makes the whole English screen UCS-2 with its budget of 75: prompt 19,
 * three options of 16, "\n99 More" 8 = 75. The same screen with "a" is GSM-7 on one page. */
START_TEST(test_engine_ucs2_one_kazakh_letter)
{
  struct sess_content *c = load(RENDER_DIR);
  struct sess_profile prof;
  struct sess_ctx ctx = ctx_lang(&prof, SESS_EN, 0);
  struct play p;
  struct cost k;

  play(&p, c, "enc", &ctx, "1");
  ck_assert_str_eq(
      p.r.text, "Letter ә, pick one:\n1 Choice number\n2 Choice number\n3 Choice number\n99 More");
  k = cost_of(p.r.text);
  ck_assert_int_eq(k.enc, AG_ENC_UCS2);
  ck_assert_uint_eq(k.units, 75);
  ck_assert_uint_eq(k.limit, 75);
  ck_assert_str_eq(
      play(&p, c, "enc", &ctx, "1 99")->text,
      "Letter ә, pick one:\n4 Choice number\n5 Choice number\n6 Choice number\n0 Back");
  play(&p, c, "enc", &ctx, "1 1");
  ck_assert_str_eq(p.r.text, "Letter a, pick one:\n1 Choice number\n2 Choice number\n"
                             "3 Choice number\n4 Choice number\n5 Choice number\n6 Choice number");
  k = cost_of(p.r.text);
  ck_assert_int_eq(k.enc, AG_ENC_GSM7);
  ck_assert_uint_eq(k.units, 115);
  /* Russian and Kazakh screens of the same node are UCS-2 too. */
  for (int l = SESS_KK; l <= SESS_RU; l++) {
    struct sess_ctx cl = ctx_lang(&prof, (enum sess_lang)l, 0);
    ck_assert_int_eq(cost_of(play(&p, c, "enc", &cl, "1 1")->text).enc, AG_ENC_UCS2);
  }
  sess_content_unref(c);
}
END_TEST

/* An emoji (U+1F600) is one code point but two UTF-16 units: "Go😀" costs 4, so three options
 * fit (4 + 48 + 8 = 60) and a fourth would need 76. */
START_TEST(test_engine_emoji_counts_two_units)
{
  struct sess_content *c = load(RENDER_DIR);
  struct sess_profile prof;
  struct sess_ctx ctx = ctx_lang(&prof, SESS_EN, 0);
  struct play p;
  struct cost k;

  play(&p, c, "enc", &ctx, "1 1 1");
  ck_assert_str_eq(p.r.text, "Go😀\n1 Choice number\n2 Choice number\n3 Choice number\n99 More");
  k = cost_of(p.r.text);
  ck_assert_int_eq(k.enc, AG_ENC_UCS2);
  ck_assert_uint_eq(k.units, 60);
  ck_assert_uint_eq(k.code_points, 59);
  ck_assert_str_eq(play(&p, c, "enc", &ctx, "1 1 1 99")->text,
                   "Go😀\n4 Choice number\n5 Choice number\n6 Choice number\n0 Back");
  sess_content_unref(c);
}
END_TEST

START_TEST(test_engine_error_line_on_top)
{
  struct sess_content *c = load(RENDER_DIR);
  struct sess_profile prof;
  struct sess_ctx ru = ctx_lang(&prof, SESS_RU, 0);
  struct play p;

  /* Room for both: the error line, then the whole screen again; the effect is NONE. */
  ck_assert_str_eq(play(&p, c, "pager", NULL, "1 3")->text, "Қате таңдау.\nДұрыс па?\n1 Иә\n2 Жоқ");
  ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_NONE);
  ck_assert_int_eq(p.r.end, 0);
  ck_assert_str_eq(play(&p, c, "pager", &ru, "1 x")->text, "Неверный выбор.\nВерно?\n1 Да\n2 Нет");
  /* A wrong input after the error is still an error on the same screen; a right one goes on. */
  ck_assert_str_eq(play(&p, c, "pager", NULL, "1 3 3")->text,
                   "Қате таңдау.\nДұрыс па?\n1 Иә\n2 Жоқ");
  ck_assert_str_eq(play(&p, c, "pager", NULL, "1 3 1")->text, "Рақмет!");
  ck_assert_int_eq(p.r.end, 1);
  sess_content_unref(c);
}
END_TEST

/* A full page has no room for the error line as well: the prompt goes, the options and the
 * navigation stay, and the page is the one the parent was on. */
START_TEST(test_engine_error_line_drops_prompt)
{
  struct sess_content *c = load(RENDER_DIR);
  struct sess_profile prof;
  struct sess_ctx en = ctx_lang(&prof, SESS_EN, 0);
  struct play p;

  ck_assert_str_eq(play(&p, c, "pager", NULL, "x")->text,
                   "Қате таңдау.\n1 Нұсқа\n2 Нұсқа\n3 Нұсқа\n4 Нұсқа\n5 Нұсқа\n6 Нұсқа\n99 Тағы");
  ck_assert_uint_eq(cost_of(p.r.text).units, 68);
  ck_assert_str_eq(play(&p, c, "pager", NULL, "99 x")->text,
                   "Қате таңдау.\n7 Нұсқа\n8 Нұсқа\n9 Нұсқа\n10 Нұсқа\n11 Нұсқа\n99 Тағы\n0 Артқа");
  ck_assert_uint_le(cost_of(p.r.text).units, 75);
  play(&p, c, "pager", &en, "99 x");
  ck_assert_str_eq(p.r.text, "Wrong choice.\n15 Option\n16 Option\n17 Option\n18 Option\n"
                             "19 Option\n20 Option\n21 Option\n22 Option\n23 Option\n24 Option\n"
                             "25 Option\n26 Option\n99 More\n0 Back");
  ck_assert_uint_le(cost_of(p.r.text).units, 175);
  sess_content_unref(c);
}
END_TEST

/* Content over a (carrier's smaller) budget: when not even the options fit beside the error
 * line, the error line and the prompt stay (sess-internal.h, sess__render_page). */
START_TEST(test_engine_error_line_keeps_prompt_when_options_cannot_fit)
{
  /* 22: "Дұрыс па?\n1 Иә\n2 Жоқ" fits, so the screen is one page. On a short choice the
   * question and its options stay and the error line gives way (decisions.md 9). */
  static const struct sess_budget tight = {22, 175};
  struct sess_content *c = load(RENDER_DIR);
  const char *in[] = {"1", "x"};
  struct sess_reply r;

  ck_assert_int_eq(sess_replay(c, &tight, "pager", NULL, in, 1, &r), AG_OK);
  ck_assert_str_eq(r.text, "Дұрыс па?\n1 Иә\n2 Жоқ");
  ck_assert_int_eq(sess_replay(c, &tight, "pager", NULL, in, 2, &r), AG_OK);
  ck_assert_str_eq(r.text, "Дұрыс па?\n1 Иә\n2 Жоқ");
  sess_content_unref(c);
}
END_TEST

static int lint_capture(const char *dir, char **out);

/* A yes/no screen of 74 units (prompt 63, "\n1 Иә" 5, "\n2 Жоқ" 6) fits the budget of 75 on one
 * page. Only the page with option 1 and "\n99 Тағы" (8) would be 76: the pager must not insist
 * on it when the rest of the list fits without "99". */
START_TEST(test_engine_pager_screen_that_fits_is_one_page)
{
  static const char *const prompt =
      "Осы оқу жылы мектепке кітап не басқа бір заттай көмек бердіңіз?";
  const char *dir = TESTDATA "/content/fits-exactly";
  struct sess_diag d = {NULL, 0, NULL, 0};
  struct sess_content *c = NULL;
  char *out = NULL, want[SESS_SCREEN_MAX];
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  struct play p;
  int n;

  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(cost_of(prompt).units, 63);
  snprintf(want, sizeof(want), "%s\n1 Иә\n2 Жоқ", prompt);
  ck_assert_uint_eq(cost_of(want).units, 74);
  /* Built without the budget checks, so that the screen can be looked at either way. */
  d.out = f;
  ck_assert_int_eq(sess__content_build(dir, &budget, NULL, 0, &d, &c), AG_OK);
  play(&p, c, "s", NULL, "");
  sess_content_unref(c);
  ck_assert_int_eq(fclose(f), 0);
  free(out);
  n = lint_capture(dir, &out);
  ck_assert_msg(strcmp(p.r.text, want) == 0, "a screen of 74 units is paged as\n%s\n(%zu units)",
                p.r.text, cost_of(p.r.text).units);
  ck_assert_msg(n == 0, "lint refuses a screen of 74 units: %s", out);
  free(out);
}
END_TEST

static const char *const bad_numbers[] = {
    "2", "121", "007", "07", "00", "-5", "5a", "", " 5", "5 ", "+5", "1e2", "99999999999999999999",
};

START_TEST(test_engine_number_refuses)
{
  struct sess_content *c = load(RENDER_DIR);
  struct play p;

  play_then(&p, c, "number", NULL, "", bad_numbers[_i]);
  ck_assert_msg(strcmp(p.r.text, "Тек цифрмен жазыңыз, мысалы: 25.\nЖасы:\n0 Өткізіп жіберу") == 0,
                "input '%s' gave:\n%s", bad_numbers[_i], p.r.text);
  ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_NONE);
  sess_content_unref(c);
}
END_TEST

START_TEST(test_engine_number_bounds_and_skip)
{
  static const char *const good[] = {"3", "7", "99", "120"};
  struct sess_content *c = load(RENDER_DIR);
  struct sess_profile prof;
  struct sess_ctx en = ctx_lang(&prof, SESS_EN, 0);
  struct play p;

  /* The optional number offers "0 <skip>" in the session language. */
  ck_assert_str_eq(play(&p, c, "number", NULL, "")->text, "Жасы:\n0 Өткізіп жіберу");
  ck_assert_str_eq(play(&p, c, "number", &en, "")->text, "Age:\n0 Skip");
  for (size_t i = 0; i < AG_ARRAY_LEN(good); i++) {
    play(&p, c, "number", NULL, good[i]);
    ck_assert_str_eq(p.r.text, "Саны:");
    ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_ANSWER);
    ck_assert_str_eq(p.r.effect.question_id, "age");
    ck_assert_str_eq(p.r.effect.value, good[i]);
  }
  play(&p, c, "number", NULL, "0");
  ck_assert_str_eq(p.r.text, "Саны:");
  ck_assert_str_eq(p.r.effect.value, "skip");
  /* A required number has no skip line and refuses 0. */
  ck_assert_str_eq(play(&p, c, "number", NULL, "0 0")->text,
                   "Тек цифрмен жазыңыз, мысалы: 25.\nСаны:");
  ck_assert_has(play(&p, c, "number", NULL, "0 51")->text, "Тек цифрмен");
  ck_assert_str_eq(play(&p, c, "number", NULL, "0 50")->text, "Аты:");
  ck_assert_str_eq(p.r.effect.value, "50");
  ck_assert_str_eq(play(&p, c, "number", NULL, "0 1")->text, "Аты:");
  sess_content_unref(c);
}
END_TEST

/* max_len counts code points: five Kazakh letters (10 bytes) or five emoji (20 bytes, 10 UTF-16
 * units) are five characters. */
START_TEST(test_engine_text_max_len_in_code_points)
{
  static const char *const good[] = {"abcde", "әәәәә", "😀😀😀😀😀", "a", "Өмір"};
  static const char *const bad[] = {"abcdef", "әәәәәә", "😀😀😀😀😀😀", ""};
  struct sess_content *c = load(RENDER_DIR);
  struct play p;

  for (size_t i = 0; i < AG_ARRAY_LEN(good); i++) {
    play_then(&p, c, "number", NULL, "0 1", good[i]);
    ck_assert_msg(p.r.end == 1, "'%s' refused:\n%s", good[i], p.r.text);
    ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_ANSWER);
    ck_assert_str_eq(p.r.effect.question_id, "name");
    ck_assert_str_eq(p.r.effect.value, good[i]);
    ck_assert_int_eq(p.r.effect.final, 1);
  }
  for (size_t i = 0; i < AG_ARRAY_LEN(bad); i++) {
    play_then(&p, c, "number", NULL, "0 1", bad[i]);
    ck_assert_msg(strcmp(p.r.text, "Қате таңдау.\nАты:") == 0, "'%s' gave:\n%s", bad[i], p.r.text);
    ck_assert_int_eq(p.r.end, 0);
  }
  sess_content_unref(c);
}
END_TEST

/* ---- skip logic ---- */

/* Answers qa and qb, then "1" (yes) to whatever is asked: the nodes asked, in order. */
static const struct {
  const char *qa, *qb;
  const char *asked[8];
} skip_rows[] = {
    /* in: x_in only for a1; not_in: x_notin for the others; all: x_all for a2 with qb yes; any:
     * x_any for a3 or qb no; a later, unanswered qlast makes `in` false (x_later_in never) and
     * `not_in` true (x_later_notin always); s_jump (last in the file) only for a1, otherwise its
     * next, qlast, which comes earlier in the file. */
    {"1", "1", {"x_in", "x_later_notin", "s_jump", "qlast", NULL}},
    {"1", "2", {"x_in", "x_any", "x_later_notin", "s_jump", "qlast", NULL}},
    {"2", "1", {"x_notin", "x_all", "x_later_notin", "qlast", NULL}},
    {"2", "2", {"x_notin", "x_any", "x_later_notin", "qlast", NULL}},
    {"3", "1", {"x_notin", "x_any", "x_later_notin", "qlast", NULL}},
    {"3", "2", {"x_notin", "x_any", "x_later_notin", "qlast", NULL}},
};

START_TEST(test_engine_skip_when_in_not_in_all_any)
{
  struct sess_content *c = load(RENDER_DIR);
  struct play p;
  char path[128], want[32];
  const char *prev = "qb";

  snprintf(path, sizeof(path), "%s %s", skip_rows[_i].qa, skip_rows[_i].qb);
  for (size_t k = 0; skip_rows[_i].asked[k]; k++) {
    snprintf(want, sizeof(want), "Q %s\n1 Иә\n2 Жоқ", skip_rows[_i].asked[k]);
    play(&p, c, "skip", NULL, path);
    ck_assert_msg(strcmp(p.r.text, want) == 0, "qa=%s qb=%s after '%s': want %s, got\n%s",
                  skip_rows[_i].qa, skip_rows[_i].qb, path, skip_rows[_i].asked[k], p.r.text);
    /* The answer of the last hop was recorded for the node that was asked. */
    ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_ANSWER);
    ck_assert_str_eq(p.r.effect.question_id, prev);
    prev = skip_rows[_i].asked[k];
    strcat(path, " 1");
  }
  play(&p, c, "skip", NULL, path);
  ck_assert_str_eq(p.r.text, "Рақмет!");
  ck_assert_int_eq(p.r.end, 1);
  ck_assert_str_eq(p.r.effect.question_id, "qlast");
  ck_assert_int_eq(p.r.effect.final, 1);
  sess_content_unref(c);
}
END_TEST

/* The relation question is an earlier answer like any other: a `when` on it must hold for the
 * caller who gave it. (lint accepts the file.) */
START_TEST(test_engine_skip_when_on_relation_answer)
{
  struct sess_content *c = load(RENDER_DIR);
  struct play p;

  play(&p, c, "relation", NULL, "2");
  ck_assert_str_eq(p.r.text, "Q q_all\n1 Иә\n2 Жоқ");
  ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_ATTEMPT);
  ck_assert_str_eq(p.r.effect.relation, "father");
  play(&p, c, "relation", NULL, "1");
  ck_assert_str_eq(p.r.effect.relation, "mother");
  ck_assert_msg(strcmp(p.r.text, "Q q_mother\n1 Иә\n2 Жоқ") == 0,
                "q_mother has when {q: who, in: [mother]}; after 'mother' the engine showed:\n%s",
                p.r.text);
  sess_content_unref(c);
}
END_TEST

/* docs/content.md: "an option may carry its own `next` (branching)". lint follows it for
 * reachability (bnode is reachable only through option 2), so the engine must too. */
START_TEST(test_engine_choice_option_next_branches)
{
  struct sess_content *c = load(RENDER_DIR);
  struct play p;

  ck_assert_str_eq(play(&p, c, "branch", NULL, "1")->text, "End A");
  play(&p, c, "branch", NULL, "2");
  ck_assert_str_eq(p.r.effect.value, "b");
  ck_assert_msg(strcmp(p.r.text, "End B") == 0,
                "option 2 of 'pick' carries next 'bnode', but the engine showed:\n%s", p.r.text);
  sess_content_unref(c);
}
END_TEST

/* ---- resume and shared phones (shipped content, entry main_menu) ---- */

static struct sess_kv mother_answers[] = {
    {"region", "abai"},
    {"district", "abai-ayagoz"},
    {"settlement", "urban"},
    {"grade", "1-4"},
    {"school", "12"},
    {"L1", "yes"},
    {"L2", "no"},
};

/* A returning caller: language known, an unfinished attempt 1 by "mother", and (with
 * father_attempts > 0) earlier finished attempts by "father". kv points at static storage, so
 * the profile is never cleaned up. */
static struct sess_ctx ctx_shared(struct sess_profile *p, enum sess_lang lang, int father_attempts,
                                  const char *grade, long day)
{
  static struct sess_prior people[SESS_MAX_RELATIONS]; /* the profile's people: a pointer now */
  struct sess_ctx ctx = ctx_lang(p, lang, day);

  memset(people, 0, sizeof(people));
  p->prior = people;
  snprintf(p->grade, sizeof(p->grade), "%s", grade);
  snprintf(p->prior[0].relation, sizeof(p->prior[0].relation), "mother");
  p->prior[0].last_attempt = 1;
  p->prior[0].open_attempt = 1;
  p->prior[0].n = AG_ARRAY_LEN(mother_answers);
  p->prior[0].kv = mother_answers;
  p->n = 1;
  if (father_attempts > 0) {
    snprintf(p->prior[1].relation, sizeof(p->prior[1].relation), "father");
    p->prior[1].last_attempt = father_attempts;
    p->n = 2;
  }
  return ctx;
}

static const char *node_text(const struct sess_content *c, const char *file, const char *node,
                             enum sess_lang lang)
{
  const struct sess_survey *sv = sess__survey_find(c, file);
  int k = sv ? sess__node_find(sv, node) : -1;

  ck_assert_msg(k >= 0, "no node %s:%s", file, node);
  return sv->nodes[k].text.s[lang];
}

static void assert_asks(const struct sess_content *c, const struct sess_reply *r, const char *node,
                        enum sess_lang lang)
{
  char line0[256];

  first_line(r->text, line0, sizeof(line0));
  ck_assert_msg(strcmp(line0, node_text(c, "involvement", node, lang)) == 0,
                "expected question %s, got:\n%s", node, r->text);
}

START_TEST(test_engine_known_language_skips_language_menu)
{
  struct sess_content *c = load(CONTENT_DIR);
  struct sess_profile prof;
  struct sess_ctx ru = ctx_shared(&prof, SESS_RU, 0, "", 20000);
  struct play p;

  play(&p, c, "main_menu", &ru, "");
  ck_assert_str_eq(
      p.r.text, "Aulgate\n1 Опрос\n2 Совет дня\n3 По возрасту\n4 SMS-советы\n5 Язык/Тіл\n6 Школа");
  ck_assert_int_eq(p.r.lang, SESS_RU);
  /* Nobody known: the language menu first, asked in Kazakh and Russian; a pick switches the
   * language. */
  play(&p, c, "main_menu", NULL, "");
  ck_assert_str_eq(p.r.text, "Тілді таңдаңыз\nВыберите язык\n1 Қазақша\n2 Русский\n3 English");
  ck_assert_int_eq(p.r.lang, SESS_KK);
  play(&p, c, "main_menu", NULL, "2");
  ck_assert_int_eq(p.r.lang, SESS_RU);
  ck_assert_has(p.r.text, "1 Опрос");
  ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_LANG); /* remembered for the next call */
  /* The language menu from the main menu switches too. */
  play(&p, c, "main_menu", &ru, "5 3");
  ck_assert_int_eq(p.r.lang, SESS_EN);
  ck_assert_has(p.r.text, "1 Parent survey");
  sess_content_unref(c);
}
END_TEST

START_TEST(test_engine_resume_offer_for_mother)
{
  struct sess_content *c = load(CONTENT_DIR);
  struct sess_profile prof;
  struct sess_ctx ru = ctx_shared(&prof, SESS_RU, 0, "", 20000);
  struct play p;

  /* Survey version 4: the opening screen, then "Start" (1) asks who is answering. */
  assert_asks(c, play(&p, c, "main_menu", &ru, "1 1"), "relation", SESS_RU);
  ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_NONE);
  play(&p, c, "main_menu", &ru, "1 1 1");
  ck_assert_str_eq(p.r.text, "Вы не закончили опрос. Продолжить?\n1 Продолжить\n2 Начать заново");
  ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_NONE); /* nothing stored before the choice */
  ck_assert_int_eq(p.r.end, 0);
  /* A wrong choice re-shows the offer; with the error line it would be 80 units, and on a
   * two-option screen the error line is what gives way (decisions.md 9). */
  ck_assert_str_eq(play(&p, c, "main_menu", &ru, "1 1 1 3")->text,
                   "Вы не закончили опрос. Продолжить?\n1 Продолжить\n2 Начать заново");
  sess_content_unref(c);
}
END_TEST

START_TEST(test_engine_resume_continue)
{
  struct sess_content *c = load(CONTENT_DIR);
  const struct sess_survey *sv = sess__survey_find(c, "involvement");
  struct sess_profile prof;
  struct sess_ctx ru = ctx_shared(&prof, SESS_RU, 0, "", 20000);
  struct play p;

  ck_assert_ptr_nonnull(sv);
  /* "Continue": the first question without an answer (L3), attempt 1 reopened. */
  assert_asks(c, play(&p, c, "main_menu", &ru, "1 1 1 1"), "L3", SESS_RU);
  ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_ATTEMPT);
  ck_assert_int_eq(p.r.effect.attempt, 1);
  ck_assert_str_eq(p.r.effect.relation, "mother");
  ck_assert_str_eq(p.r.effect.survey_id, "involvement");
  ck_assert_int_eq(p.r.effect.survey_version, sv->version);
  /* The answers go on in that attempt, by mother. */
  assert_asks(c, play(&p, c, "main_menu", &ru, "1 1 1 1 2"), "L4", SESS_RU);
  ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_ANSWER);
  ck_assert_str_eq(p.r.effect.question_id, "L3");
  ck_assert_str_eq(p.r.effect.value, "no");
  ck_assert_str_eq(p.r.effect.relation, "mother");
  ck_assert_int_eq(p.r.effect.attempt, 1);
  ck_assert_int_eq(p.r.effect.final, 0);
  /* Its context is what the attempt was resumed with (the rollups' cell, decision 104). */
  for (int k = 0; k < SESS_CTX_N; k++)
    ck_assert_str_eq(p.r.effect.context[k], mother_answers[k].value);
  sess_content_unref(c);
}
END_TEST

START_TEST(test_engine_resume_start_over)
{
  static const char *const order[] = {"district", "settlement", "grade", "school",
                                      "L1",       "L2",         "L3"};
  static const char *const input[] = {"1", "1", "1", "2", "5", "1", "1"};
  struct sess_content *c = load(CONTENT_DIR);
  struct sess_profile prof;
  struct sess_ctx kk = ctx_shared(&prof, SESS_KK, 0, "", 20000);
  struct play p;
  char path[128] = "1 1 1 2"; /* survey, Start (version 4's opening screen), mother, over */
  char given[SESS_CTX_N][SESS_KV_VALUE_MAX + 1];

  /* "Start over": attempt last_attempt + 1, and every question is asked again. */
  assert_asks(c, play(&p, c, "main_menu", &kk, path), "region", SESS_KK);
  ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_ATTEMPT);
  ck_assert_int_eq(p.r.effect.attempt, 2);
  ck_assert_str_eq(p.r.effect.relation, "mother");
  for (size_t i = 0; i < AG_ARRAY_LEN(order); i++) {
    strcat(path, " ");
    strcat(path, input[i]);
    assert_asks(c, play(&p, c, "main_menu", &kk, path), order[i], SESS_KK);
    ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_ANSWER);
    ck_assert_int_eq(p.r.effect.attempt, 2);
    ck_assert_str_eq(p.r.effect.relation, "mother");
    /* The context is this attempt's, never attempt 1's (region abai, school 12...): the
     * answers before this one, and none before the first. */
    if (i < SESS_CTX_N)
      snprintf(given[i], sizeof(given[i]), "%s", p.r.effect.value);
    for (int k = 0; k < SESS_CTX_N; k++) {
      if (k < (int)i) {
        ck_assert_ptr_nonnull(p.r.effect.context[k]);
        ck_assert_str_eq(p.r.effect.context[k], given[k]);
      } else {
        ck_assert_msg(p.r.effect.context[k] == NULL, "%s before %s: %s", sess_context_ids[k],
                      p.r.effect.question_id, p.r.effect.context[k]);
      }
    }
  }
  ck_assert_str_eq(p.r.effect.question_id, "L2");
  ck_assert_str_eq(p.r.effect.context[SESS_CTX_SCHOOL], "5");
  sess_content_unref(c);
}
END_TEST

START_TEST(test_engine_no_prior_no_offer)
{
  struct sess_content *c = load(CONTENT_DIR);
  struct sess_profile prof;
  struct sess_ctx en = ctx_shared(&prof, SESS_EN, 0, "", 20000);
  struct sess_ctx en2;
  struct play p;

  /* Father has no prior on this phone: no offer, attempt 1. */
  assert_asks(c, play(&p, c, "main_menu", &en, "1 1 2"), "region", SESS_EN);
  ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_ATTEMPT);
  ck_assert_int_eq(p.r.effect.attempt, 1);
  ck_assert_str_eq(p.r.effect.relation, "father");
  /* Father finished two attempts before: the next is 3, still without an offer. */
  en2 = ctx_shared(&prof, SESS_EN, 2, "", 20000);
  assert_asks(c, play(&p, c, "main_menu", &en2, "1 1 2"), "region", SESS_EN);
  ck_assert_int_eq(p.r.effect.attempt, 3);
  /* A caller nobody knows: language menu, then the same survey with attempt 1. */
  assert_asks(c, play(&p, c, "main_menu", NULL, "3 1 1 1"), "region", SESS_EN);
  ck_assert_int_eq(p.r.effect.attempt, 1);
  ck_assert_str_eq(p.r.effect.relation, "mother");
  sess_content_unref(c);
}
END_TEST

/* survey, Start (the opening screen of version 4), father, region 1, district 1, town, grade
 * 1-4, school 5, then "1" to everything. */
#define FATHER_PATH "1 1 2 1 1 1 2 5 1 1 1 1 1 1 1 1 1 1"

START_TEST(test_engine_last_answer_final_and_subscribe)
{
  struct sess_content *c = load(CONTENT_DIR);
  struct sess_profile prof;
  struct sess_ctx kk = ctx_shared(&prof, SESS_KK, 0, "", 20000);
  struct play p;

  assert_asks(c, play(&p, c, "main_menu", &kk, FATHER_PATH), "subscribe", SESS_KK);
  ck_assert_str_eq(p.r.effect.question_id, "barrier");
  ck_assert_str_eq(p.r.effect.value, "unprepared");
  ck_assert_int_eq(p.r.effect.final, 0);
  ck_assert_int_eq(p.r.effect.sms, -1);
  /* Yes to the SMS question: the last answer, final, subscribing, with the child's band. */
  play(&p, c, "main_menu", &kk, FATHER_PATH " 1");
  ck_assert_int_eq(p.r.end, 1);
  ck_assert_str_eq(p.r.text, node_text(c, "involvement", "done", SESS_KK));
  ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_ANSWER);
  ck_assert_str_eq(p.r.effect.question_id, "subscribe");
  ck_assert_str_eq(p.r.effect.value, "yes");
  ck_assert_int_eq(p.r.effect.final, 1);
  ck_assert_int_eq(p.r.effect.sms, 1);
  ck_assert_str_eq(p.r.effect.band, "1-4");
  ck_assert_str_eq(p.r.effect.relation, "father");
  ck_assert_int_eq(p.r.effect.attempt, 1);
  /* No: still final, SMS left as it was. */
  play(&p, c, "main_menu", &kk, FATHER_PATH " 2");
  ck_assert_int_eq(p.r.effect.final, 1);
  ck_assert_str_eq(p.r.effect.value, "no");
  ck_assert_int_eq(p.r.effect.sms, -1);
  sess_content_unref(c);
}
END_TEST

/* ---- effects ---- */

START_TEST(test_engine_effect_answer_fields)
{
  static const struct {
    const char *path, *question, *value;
  } rows[] = {
      /* survey, Start (the opening screen of version 4), father, ... */
      {"1 1 2 1", "region", "abai"},
      {"1 1 2 99 20", "region", "west-kazakhstan"}, /* 20 is on the second page */
      {"1 1 2 1 3", "district", "abai-ayagoz"},
      {"1 1 2 1 3 2", "settlement", "rural"},
      {"1 1 2 1 3 2 4", "grade", "10-11"},
      {"1 1 2 1 3 2 4 9999", "school", "9999"},
      {"1 1 2 1 3 2 4 0", "school", "skip"},
      {"1 1 2 1 3 2 4 0 2", "L1", "no"},
      /* grade pre: no school item at all in version 4, the SMS question next (check_survey) */
      {"1 1 2 1 3 2 1", "grade", "pre"},
  };
  struct sess_content *c = load(CONTENT_DIR);
  const struct sess_survey *sv = sess__survey_find(c, "involvement");
  struct sess_profile prof;
  struct sess_ctx en = ctx_shared(&prof, SESS_EN, 0, "", 20000);
  struct play p;

  for (size_t i = 0; i < AG_ARRAY_LEN(rows); i++) {
    play(&p, c, "main_menu", &en, rows[i].path);
    ck_assert_msg(p.r.effect.kind == SESS_EFFECT_ANSWER, "%s: effect %d", rows[i].path,
                  p.r.effect.kind);
    ck_assert_str_eq(p.r.effect.survey_id, "involvement");
    ck_assert_int_eq(p.r.effect.survey_version, sv->version);
    ck_assert_str_eq(p.r.effect.question_id, rows[i].question);
    ck_assert_str_eq(p.r.effect.value, rows[i].value);
    ck_assert_str_eq(p.r.effect.relation, "father");
    ck_assert_int_eq(p.r.effect.attempt, 1);
    ck_assert_int_eq(p.r.effect.final, 0);
  }
  sess_content_unref(c);
}
END_TEST

START_TEST(test_engine_effect_none_for_navigation)
{
  static const char *const paths[] = {
      "",       /* first screen */
      "1",      /* menu: the survey */
      "1 2 99", /* paging */
      "1 2 99 0",
      "1 2 x", /* invalid */
      "1 2 1 3 2 4 007",
      "3",   /* tip bands */
      "4",   /* SMS switch */
      "4 0", /* back home */
      "3 0",
      "5", /* language menu */
  };
  struct sess_content *c = load(CONTENT_DIR);
  struct sess_profile prof;
  struct sess_ctx en = ctx_shared(&prof, SESS_EN, 0, "5-9", 20000);
  struct play p;

  for (size_t i = 0; i < AG_ARRAY_LEN(paths); i++) {
    play(&p, c, "main_menu", &en, paths[i]);
    ck_assert_msg(p.r.effect.kind == SESS_EFFECT_NONE, "'%s': effect %d", paths[i],
                  p.r.effect.kind);
    ck_assert_int_eq(p.r.end, 0);
  }
  ck_assert_str_eq(play(&p, c, "main_menu", &en, "4 0")->text,
                   play(&p, c, "main_menu", &en, "")->text);
  sess_content_unref(c);
}
END_TEST

/* A language chosen in the menu is an effect of its own, so the gateway remembers it: the next
 * hop's input has only its own effect. */
START_TEST(test_engine_effect_lang_choice)
{
  struct sess_content *c = load(CONTENT_DIR);
  struct sess_profile prof;
  struct sess_ctx en = ctx_shared(&prof, SESS_EN, 0, "5-9", 20000);
  struct play p;

  play(&p, c, "main_menu", &en, "5 2");
  ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_LANG);
  ck_assert_int_eq(p.r.lang, SESS_RU);
  ck_assert_int_eq(p.r.end, 0);
  play(&p, c, "main_menu", &en, "5 3"); /* the language already known: still a choice */
  ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_LANG);
  ck_assert_int_eq(p.r.lang, SESS_EN);
  play(&p, c, "main_menu", &en, "5 2 5");
  ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_NONE);
  ck_assert_int_eq(p.r.lang, SESS_RU);
  play(&p, c, "main_menu", NULL, "1"); /* the first visit's language menu */
  ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_LANG);
  ck_assert_int_eq(p.r.lang, SESS_KK);
  sess_content_unref(c);
}
END_TEST

START_TEST(test_engine_effect_sms_switch)
{
  struct sess_content *c = load(CONTENT_DIR);
  struct sess_profile prof;
  struct sess_ctx kk = ctx_shared(&prof, SESS_KK, 0, "5-9", 20000);
  struct play p;

  /* a caller known by language only has no subscription: the screen says the tips are off */
  ck_assert_str_eq(play(&p, c, "main_menu", &kk, "4")->text,
                   "SMS-кеңестер өшірулі.\n1 Қосу\n2 Өшіру\n0 Артқа");
  play(&p, c, "main_menu", &kk, "4 1");
  ck_assert_int_eq(p.r.end, 1);
  ck_assert_str_eq(p.r.text, sess_string(c, "sms_on_done", SESS_KK));
  ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_SMS);
  ck_assert_int_eq(p.r.effect.sms, 1);
  ck_assert_str_eq(p.r.effect.band, "5-9");
  play(&p, c, "main_menu", &kk, "4 2");
  ck_assert_int_eq(p.r.end, 1);
  ck_assert_str_eq(p.r.text, sess_string(c, "sms_off_done", SESS_KK));
  ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_SMS);
  ck_assert_int_eq(p.r.effect.sms, 0);
  play(&p, c, "main_menu", &kk, "4 3");
  ck_assert_has(p.r.text, "Қате таңдау.");
  ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_NONE);
  sess_content_unref(c);
}
END_TEST

/* Whether text is the text in lang of a calendar tip of band ("" for any band). */
static int is_tip(const struct sess_content *c, const char *text, const char *band,
                  enum sess_lang lang)
{
  for (size_t i = 0; i < c->n_tips; i++)
    if ((!*band || strcmp(c->tips[i].band, band) == 0) &&
        strcmp(c->tips[i].text.s[lang], text) == 0)
      return 1;
  return 0;
}

START_TEST(test_engine_tip_today)
{
  struct sess_content *c = load(CONTENT_DIR);
  struct sess_profile prof;
  struct play p;
  char today[SESS_SCREEN_MAX];

  for (int l = 0; l < SESS_NLANG; l++) {
    enum sess_lang lang = (enum sess_lang)l;
    for (long day = 20000; day < 20030; day++) {
      struct sess_ctx ctx = ctx_shared(&prof, lang, 0, "1-4", day);
      play(&p, c, "main_menu", &ctx, "2");
      ck_assert_int_eq(p.r.end, 1);
      ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_NONE);
      ck_assert_msg(is_tip(c, p.r.text, "1-4", lang), "day %ld: not a 1-4 tip: %s", day, p.r.text);
      ck_assert_uint_le(cost_of(p.r.text).units, cost_of(p.r.text).limit);
      if (day > 20000)
        ck_assert_msg(strcmp(today, p.r.text) != 0, "day %ld shows yesterday's tip", day);
      strcpy(today, p.r.text);
      /* The same all day. */
      ck_assert_str_eq(play(&p, c, "main_menu", &ctx, "2")->text, today);
      /* Input after the END changes nothing: no error line, no effect. */
      ck_assert_str_eq(play(&p, c, "main_menu", &ctx, "2 7")->text, today);
      ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_NONE);
    }
    {
      /* Grade unknown: a tip of any band. */
      struct sess_ctx ctx = ctx_shared(&prof, lang, 0, "", 20000);
      ck_assert(is_tip(c, play(&p, c, "main_menu", &ctx, "2")->text, "", lang));
    }
  }
  sess_content_unref(c);
}
END_TEST

START_TEST(test_engine_tips_by_band)
{
  struct sess_content *c = load(CONTENT_DIR);
  struct sess_profile prof;
  struct sess_ctx ru = ctx_shared(&prof, SESS_RU, 0, "", 20000);
  struct play p;

  /* The bands, over as many pages as they need, with "0 Назад" (home) from the first page. */
  play(&p, c, "main_menu", &ru, "3");
  ck_assert_has(p.r.text, "Возраст ребёнка:\n1 ");
  ck_assert(has_line(p.r.text, "0 Назад"));
  {
    char path[64] = "3";
    struct page pg = page_of(c, p.r.text, SESS_RU);
    while (pg.more) {
      strcat(path, " 99");
      pg = page_of(c, play(&p, c, "main_menu", &ru, path)->text, SESS_RU);
    }
    ck_assert_int_eq(pg.last, (long)c->n_bands);
  }
  for (size_t b = 0; b < c->n_bands; b++) {
    char path[64] = "3", pick[24];
    /* From the page that shows the band: a number is valid on its own page only. */
    while (page_of(c, play(&p, c, "main_menu", &ru, path)->text, SESS_RU).last < (long)b + 1)
      strcat(path, " 99");
    snprintf(pick, sizeof(pick), " %zu", b + 1);
    strcat(path, pick);
    play(&p, c, "main_menu", &ru, path);
    ck_assert_int_eq(p.r.end, 1);
    ck_assert_msg(is_tip(c, p.r.text, c->bands[b].id, SESS_RU), "band %s: %s", c->bands[b].id,
                  p.r.text);
  }
  sess_content_unref(c);
}
END_TEST

/* ---- determinism ---- */

START_TEST(test_engine_replay_deterministic)
{
  static const char *const paths[] = {"",  "1",   "1 1", "1 1 1", "1 1 2 4 99 x", FATHER_PATH " 1",
                                      "2", "3 2", "4 1", "5 2 1"};
  struct sess_content *c = load(CONTENT_DIR), *c2 = load(CONTENT_DIR);
  struct sess_profile prof;
  struct sess_ctx kk = ctx_shared(&prof, SESS_KK, 0, "5-9", 20000);

  for (size_t i = 0; i < AG_ARRAY_LEN(paths); i++) {
    struct play a, b, d;
    const struct sess_reply *x = play(&a, c, "main_menu", &kk, paths[i]);
    const struct sess_reply *y = play(&b, c, "main_menu", &kk, paths[i]);
    const struct sess_reply *z = play(&d, c2, "main_menu", &kk, paths[i]);
    ck_assert_mem_eq(x->text, y->text, sizeof(x->text));
    ck_assert_str_eq(x->text, z->text);
    ck_assert_int_eq(x->end, y->end);
    ck_assert_int_eq(x->lang, y->lang);
    ck_assert_int_eq(x->effect.kind, y->effect.kind);
    ck_assert_int_eq(x->effect.attempt, z->effect.attempt);
    ck_assert_int_eq(x->effect.final, z->effect.final);
    ck_assert_int_eq(x->effect.sms, z->effect.sms);
    ck_assert_ptr_eq(x->effect.question_id, y->effect.question_id);
    ck_assert_ptr_eq(x->effect.value, y->effect.value);
  }
  sess_content_unref(c2);
  sess_content_unref(c);
}
END_TEST

/* The screen for a prefix of a path is the screen the longer path showed at that hop, whatever
 * was replayed before or in between (the `at` dialect resends the path on every hop). */
START_TEST(test_engine_replay_prefix_consistent)
{
  /* Options are typed from the page that shows them: "0" twice back to the first page of
   * regions for option 2, and option 3 on the second page of the barriers. */
  const char *path[] = {"1", "1", "x", "2", "99", "99", "0", "0", "2", "3", "1",  "2", "7",
                        "2", "1", "1", "x", "2",  "1",  "2", "1", "1", "1", "99", "3", "2"};
  enum { N = AG_ARRAY_LEN(path) };
  struct sess_content *c = load(CONTENT_DIR);
  struct sess_profile prof;
  struct sess_ctx kk = ctx_shared(&prof, SESS_KK, 0, "", 20000);
  static struct sess_reply fwd[N + 1];
  struct sess_reply r, other;

  for (size_t k = 0; k <= N; k++)
    ck_assert_int_eq(sess_replay(c, &budget, "main_menu", &kk, path, k, &fwd[k]), AG_OK);
  ck_assert_int_eq(fwd[N].end, 1);
  for (size_t k = N + 1; k-- > 0;) {
    ck_assert_int_eq(sess_replay(c, &budget, "main_menu", NULL, path, N - k, &other), AG_OK);
    ck_assert_int_eq(sess_replay(c, &budget, "main_menu", &kk, path, k, &r), AG_OK);
    ck_assert_msg(strcmp(r.text, fwd[k].text) == 0, "hop %zu:\n%s\nthen:\n%s", k, r.text,
                  fwd[k].text);
    ck_assert_int_eq(r.effect.kind, fwd[k].effect.kind);
    ck_assert_int_eq(r.end, fwd[k].end);
  }
  sess_content_unref(c);
}
END_TEST

START_TEST(test_engine_replay_errors)
{
  struct sess_content *c = load(CONTENT_DIR);
  const char *in[SESS_MAX_INPUTS + 1];
  struct sess_reply r;

  for (size_t i = 0; i < AG_ARRAY_LEN(in); i++)
    in[i] = "x";
  ck_assert_int_eq(sess_replay(c, &budget, "nope", NULL, in, 0, &r), AG_ENOTFOUND);
  ck_assert_int_eq(sess_replay(c, &budget, "main_menu", NULL, in, SESS_MAX_INPUTS + 1, &r),
                   AG_E2BIG);
  ck_assert_int_eq(sess_replay(c, &budget, "main_menu", NULL, in, SESS_MAX_INPUTS, &r), AG_OK);
  ck_assert_has(r.text, "Қате таңдау.");
  /* Inputs after the survey's END change nothing. */
  {
    struct play p, q;
    play(&p, c, "main_menu", NULL, "3 " FATHER_PATH " 1");
    play(&q, c, "main_menu", NULL, "3 " FATHER_PATH " 1 1 2 99");
    ck_assert_int_eq(p.r.end, 1);
    ck_assert_str_eq(p.r.text, q.r.text);
  }
  sess_content_unref(c);
}
END_TEST

/* ---- lint ---- */

static int lint_capture(const char *dir, char **out)
{
  size_t len = 0;
  FILE *f = open_memstream(out, &len);
  int n;

  ck_assert_ptr_nonnull(f);
  n = sess_lint(dir, &budget, f);
  ck_assert_int_eq(fclose(f), 0);
  ck_assert_ptr_nonnull(*out);
  return n;
}

static size_t count_lines(const char *s)
{
  size_t n = 0;
  for (; *s; s++)
    n += *s == '\n';
  return n;
}

START_TEST(test_engine_lint_shipped_content_clean)
{
  char *out = NULL;
  int n = lint_capture(CONTENT_DIR, &out);

  ck_assert_msg(n == 0, "lint of the shipped content: %d problems:\n%s", n, out);
  ck_assert_str_eq(out, "");
  free(out);
  n = lint_capture(RENDER_DIR, &out);
  ck_assert_msg(n == 0, "lint of the render fixture: %d problems:\n%s", n, out);
  free(out);
  ck_assert_int_eq(lint_capture(TESTDATA "/content/no-such-folder", &out), -1);
  free(out);
}
END_TEST

/* One broken folder each: what the first line of lint must say (every needle), and how many
 * problems at most it may report for that one fault (0: any number). */
static const struct {
  const char *dir;
  const char *needles[5];
  int max;
} broken[] = {
    {"broken-over-budget", {"survey.json", "node 'q1'", "(kk)", "90 characters", "budget 75"}, 1},
    {"broken-unreachable", {"survey.json", "node 'orphan'", "unreachable"}, 1},
    {"broken-dangling", {"survey.json", "node 'q1'", "dangling reference 'nowhere'"}, 0},
    {"broken-missing-translation", {"survey.json", "node 'q1'", "missing translation 'ru'"}, 1},
    {"broken-empty-options", {"survey.json", "node 'q1'", "empty option list"}, 0},
    {"broken-tip-too-long", {"calendar.json", "tip 'read-pre-01'", "(kk)", "74 characters"}, 1},
    /* The tips file's editorial rules (sess_tips_rules.c, docs/content.md). */
    {"broken-tip-yo", {"calendar.json", "tip 'read-pre-02' (ru)", "'ребенок'", "ё"}, 1},
    {"broken-tip-small-object",
     {"calendar.json", "tip 'count-pre-01' (kk)", "'бұршақты'", "choking"},
     2},
    {"broken-tip-duplicate",
     {"calendar.json", "tip 'read-pre-02' (en)", "same text", "'read-pre-01'"},
     1},
    {"broken-tip-en-long", {"calendar.json", "tip 'read-pre-01' (en)", "71 characters", "70"}, 1},
    {"broken-tip-no-review", {"calendar.json", "needs a review record"}, 1},
    {"broken-tip-review-date", {"calendar.json", "review 1", "date"}, 1},
    /* The SMS confirmations live in the tips file (issue 12): the STOP word of the language. */
    {"broken-tip-confirm", {"calendar.json", "confirmation 'on' (kk)", "ТОҚТА"}, 1},
    /* ... and STOP's answer when the school's messages ended too names START (decision 93). */
    {"broken-tip-confirm-all", {"calendar.json", "confirmation 'off_all' (ru)", "СТАРТ"}, 1},
    {"broken-duplicate-id", {"survey.json", "'q1'", "used twice"}, 1},
    {"broken-json-syntax", {"survey.json:10:"}, 1},
    {"broken-unknown-type", {"survey.json", "node 'q1'", "type must be"}, 0},
};

START_TEST(test_engine_lint_broken_fixture)
{
  char dir[512], *out = NULL, first[512], err[512] = "";
  struct sess_content *c = NULL;
  int n;

  snprintf(dir, sizeof(dir), "%s/content/%s", TESTDATA, broken[_i].dir);
  n = lint_capture(dir, &out);
  ck_assert_msg(n > 0, "%s: lint found nothing", broken[_i].dir);
  if (broken[_i].max)
    ck_assert_msg(n <= broken[_i].max, "%s: %d problems:\n%s", dir, n, out);
  ck_assert_uint_eq(count_lines(out), (size_t)n); /* one line each */
  first_line(out, first, sizeof(first));
  for (size_t k = 0; k < AG_ARRAY_LEN(broken[_i].needles) && broken[_i].needles[k]; k++)
    ck_assert_msg(strstr(first, broken[_i].needles[k]), "%s: \"%s\" does not name \"%s\"",
                  broken[_i].dir, first, broken[_i].needles[k]);
  free(out);
  /* The gateway refuses the folder with the same first problem. */
  ck_assert_int_eq(sess_content_load(dir, &budget, NULL, 0, &c, err, sizeof(err)), AG_ECONTENT);
  ck_assert_ptr_null(c);
  ck_assert_str_eq(err, first);
}
END_TEST

/* ---- golden screens of the shipped content ---- */

/* ENG_REQ_NONE: "Requests from the school" for a caller with no open request (the walk's
 * callers have none; tests/sessions/check_school_requests.c walks the requests' screens). */
enum eng { ENG_RESUME, ENG_BANDS, ENG_SMS, ENG_SMS_ON, ENG_SMS_OFF, ENG_REQ_NONE, ENG_TIP, ENG_N };
static const char *const eng_key[ENG_N] = {
    "resume_prompt", "tips_prompt", "sms_prompt", "sms_on_done", "sms_off_done", "req_none", NULL};
static const char *const eng_name[ENG_N] = {"resume offer", "tip bands",  "SMS switch", "SMS on",
                                            "SMS off",      "no request", "tip"};

struct walk {
  const struct sess_content *c;
  enum sess_lang lang;
  const struct sess_ctx *ctx;
  const char *ctx_name;
  FILE *out;
  char **seen; /* screen texts already walked from */
  size_t n_seen, cap_seen;
  unsigned char covered[64][SESS_MAX_NODES];
  int eng_seen[ENG_N];
  const char *regions_seen[SESS_MAX_OPTIONS];
  size_t n_regions;
  size_t screens;
  size_t long_units, long_limit;
  char long_label[192];
  size_t plain_units, plain_limit; /* the longest without the error line */
  char plain_label[192];
  size_t tight_units, tight_limit;
  char tight_label[192];
};

static int starts_with_prompt(const char *text, const char *prompt)
{
  size_t n = strlen(prompt);
  return n > 0 && strncmp(text, prompt, n) == 0 && (text[n] == '\n' || text[n] == '\0');
}

/* What a first page without an error line shows: a content node (*file, *node) or an engine
 * screen (*eng); the label names it for the golden file. Returns 0 when nothing matches. */
static int identify(struct walk *w, const char *text, const char *region, int *file, int *node,
                    int *eng, char *label, size_t len)
{
  const struct sess_content *c = w->c;

  *file = *node = *eng = -1;
  for (size_t f = 0; f < c->n_surveys; f++) {
    for (size_t k = 0; k < c->surveys[f].n_nodes; k++) {
      const struct sess_node *n = &c->surveys[f].nodes[k];
      if (!starts_with_prompt(text, n->text.s[w->lang]))
        continue;
      *file = (int)f;
      *node = (int)k;
      if (n->source == SESS_SOURCE_DISTRICTS)
        snprintf(label, len, "%s:%s[%s]", c->surveys[f].id, n->id, region ? region : "?");
      else
        snprintf(label, len, "%s:%s", c->surveys[f].id, n->id);
      return 1;
    }
  }
  for (int e = 0; e < ENG_TIP; e++) {
    if (starts_with_prompt(text, sess_string(c, eng_key[e], w->lang))) {
      *eng = e;
      snprintf(label, len, "engine:%s", eng_key[e]);
      return 1;
    }
  }
  /* the SMS switch as it shows the caller's state (issue 12) */
  for (int k = 0; k < 2; k++) {
    const char *key = k ? "sms_prompt_off" : "sms_prompt_on";
    if (starts_with_prompt(text, sess_string(c, key, w->lang))) {
      *eng = ENG_SMS;
      snprintf(label, len, "engine:%s", key);
      return 1;
    }
  }
  for (size_t i = 0; i < c->n_tips; i++) {
    if (strcmp(text, c->tips[i].text.s[w->lang]) == 0) {
      *eng = ENG_TIP;
      snprintf(label, len, "tip:%s", c->tips[i].id);
      return 1;
    }
  }
  snprintf(label, len, "?");
  return 0;
}

static int seen_add(struct walk *w, const char *text)
{
  for (size_t i = 0; i < w->n_seen; i++)
    if (strcmp(w->seen[i], text) == 0)
      return 0;
  if (w->n_seen == w->cap_seen) {
    size_t cap = w->cap_seen ? w->cap_seen * 2 : 64;
    char **p = realloc(w->seen, cap * sizeof(*p));
    ck_assert_ptr_nonnull(p);
    w->seen = p;
    w->cap_seen = cap;
  }
  w->seen[w->n_seen] = strdup(text);
  ck_assert_ptr_nonnull(w->seen[w->n_seen]);
  w->n_seen++;
  return 1;
}

/* The value (region code) of option k of a regions list. */
static const char *items_at(const struct walk *w, const struct sess_node *nd, long k)
{
  struct sess_item items[SESS_MAX_OPTIONS];
  size_t n = sess__node_items(w->c, nd, NULL, w->lang, items);

  ck_assert(k >= 1 && (size_t)k <= n);
  return items[k - 1].value;
}

static void walk_replay(const struct walk *w, const char **path, size_t n, struct sess_reply *r)
{
  ck_assert_uint_le(n, SESS_MAX_INPUTS);
  ck_assert_int_eq(sess_replay(w->c, &budget, "main_menu", w->ctx, path, n, r), AG_OK);
}

/* Writes one block: the header (context, input path, label, page, cost) and the screen. */
static void record(struct walk *w, const char **path, size_t n, const char *label, size_t page,
                   size_t pages, int error)
{
  struct sess_reply r;
  struct cost k;

  walk_replay(w, path, n, &r);
  k = cost_of(r.text);
  fprintf(w->out, "== %s [", w->ctx_name);
  for (size_t i = 0; i < n; i++)
    fprintf(w->out, "%s%s", i ? " " : "", path[i]);
  fprintf(w->out, "] | %s p%zu/%zu%s | %zu/%zu %s%s\n%s\n\n", label, page + 1, pages,
          error ? " error" : "", k.units, k.limit, k.enc == AG_ENC_GSM7 ? "GSM-7" : "UCS-2",
          r.end ? " END" : "", r.text);
  ck_assert_msg(k.units <= k.limit, "%s %s over budget: %zu > %zu:\n%s", sess_lang_code(w->lang),
                label, k.units, k.limit, r.text);
  ck_assert_int_eq(r.lang, w->lang);
  w->screens++;
  if (k.units > w->long_units) {
    w->long_units = k.units;
    w->long_limit = k.limit;
    snprintf(w->long_label, sizeof(w->long_label), "%s p%zu%s", label, page + 1,
             error ? " error" : "");
  }
  if (!error && k.units > w->plain_units) {
    w->plain_units = k.units;
    w->plain_limit = k.limit;
    snprintf(w->plain_label, sizeof(w->plain_label), "%s p%zu", label, page + 1);
  }
  if (w->tight_limit == 0 || k.units * w->tight_limit > w->tight_units * k.limit) {
    w->tight_units = k.units;
    w->tight_limit = k.limit;
    snprintf(w->tight_label, sizeof(w->tight_label), "%s p%zu%s", label, page + 1,
             error ? " error" : "");
  }
}

static const char *num_str(long k)
{
  static char nums[100][4];
  ck_assert(k >= 0 && k < 100);
  snprintf(nums[k], sizeof(nums[k]), "%ld", k);
  return nums[k];
}

/* Depth first from the screen `path` leads to: every page (via 99), the error version of each
 * page ("*"), then every option number, the number and skip of a number question and "0" where
 * it goes back. A screen already walked from (same text) is not walked again; a screen in
 * another language (a language switch) belongs to the other golden file. */
static void walk(struct walk *w, const char **path, size_t n, const char *region)
{
  const char *p2[SESS_MAX_INPUTS];
  struct sess_reply r;
  char label[192], minbuf[24];
  int file, node, eng;
  size_t pages = 1;
  const struct sess_node *nd = NULL;
  const char *kids[SESS_MAX_OPTIONS + 4];
  const char *kid_region[SESS_MAX_OPTIONS + 4];
  size_t kid_pages[SESS_MAX_OPTIONS + 4] = {0}; /* the "99"s before the kid's input */
  size_t n_kids = 0;
  struct sess_item items[SESS_MAX_OPTIONS];

  walk_replay(w, path, n, &r);
  if (r.lang != w->lang || !seen_add(w, r.text))
    return;
  ck_assert_msg(identify(w, r.text, region, &file, &node, &eng, label, sizeof(label)),
                "unknown screen:\n%s", r.text);
  if (file >= 0) {
    nd = &w->c->surveys[file].nodes[node];
    w->covered[file][node] = 1;
    if (nd->source == SESS_SOURCE_DISTRICTS && region && w->n_regions < SESS_MAX_OPTIONS)
      w->regions_seen[w->n_regions++] = region;
  } else {
    w->eng_seen[eng] = 1;
    if (eng == ENG_REQ_NONE) /* what a `requests` node shows when there is nothing to list */
      for (size_t f = 0; f < w->c->n_surveys; f++)
        for (size_t k = 0; k < w->c->surveys[f].n_nodes; k++)
          if (w->c->surveys[f].nodes[k].type == SESS_NODE_REQUESTS)
            w->covered[f][k] = 1;
  }
  ck_assert_uint_lt(n + SESS_MAX_OPTIONS / 8, SESS_MAX_INPUTS);
  memcpy(p2, path, n * sizeof(*p2));
  /* Pages: follow 99 while the page offers it. */
  for (;;) {
    struct sess_reply pr;
    for (size_t i = 0; i < pages - 1; i++)
      p2[n + i] = "99";
    walk_replay(w, p2, n + pages - 1, &pr);
    if (!page_of(w->c, pr.text, w->lang).more)
      break;
    pages++;
  }
  for (size_t pg = 0; pg < pages; pg++) {
    for (size_t i = 0; i < pg; i++)
      p2[n + i] = "99";
    record(w, p2, n + pg, label, pg, pages, 0);
    if (!r.end) {
      p2[n + pg] = nd && nd->type == SESS_NODE_TEXT ? "" : "*";
      record(w, p2, n + pg + 1, label, pg, pages, 1);
    }
  }
  if (r.end)
    return;
  /* What to answer. */
  if (nd && nd->type == SESS_NODE_NUMBER) {
    snprintf(minbuf, sizeof(minbuf), "%ld", nd->min);
    kid_region[n_kids] = region;
    kids[n_kids++] = minbuf;
    if (nd->optional) {
      kid_region[n_kids] = region;
      kids[n_kids++] = "0";
    }
  } else if (nd && nd->type == SESS_NODE_TEXT) {
    kid_region[n_kids] = region;
    kids[n_kids++] = "a";
  } else {
    /* Each option from the page that shows it: a number is valid only on its own page. */
    long last = 0;
    for (size_t pg = 0; pg < pages; pg++) {
      struct sess_reply pr;
      struct page shown;
      for (size_t i = 0; i < pg; i++)
        p2[n + i] = "99";
      walk_replay(w, p2, n + pg, &pr);
      shown = page_of(w->c, pr.text, w->lang);
      for (long k = shown.first; k >= 1 && k <= shown.last; k++) {
        kid_region[n_kids] = nd && nd->source == SESS_SOURCE_REGIONS ? items_at(w, nd, k) : region;
        kid_pages[n_kids] = pg;
        kids[n_kids++] = num_str(k);
      }
      last = shown.last > last ? shown.last : last;
    }
    if (nd && nd->source == SESS_SOURCE_REGIONS)
      ck_assert_uint_eq(sess__node_items(w->c, nd, NULL, w->lang, items), (size_t)last);
    if (page_of(w->c, r.text, w->lang).back) {
      kid_region[n_kids] = region;
      kid_pages[n_kids] = 0;
      kids[n_kids++] = "0";
    }
  }
  for (size_t i = 0; i < n_kids; i++) {
    for (size_t k = 0; k < kid_pages[i]; k++)
      p2[n + k] = "99";
    p2[n + kid_pages[i]] = kids[i];
    walk(w, p2, n + kid_pages[i] + 1, kid_region[i]);
  }
}

static char *slurp(const char *path)
{
  FILE *f = fopen(path, "rb");
  char *buf;
  long len;

  if (!f)
    return NULL;
  ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
  len = ftell(f);
  ck_assert_int_ge(len, 0);
  rewind(f);
  buf = malloc((size_t)len + 1);
  ck_assert_ptr_nonnull(buf);
  ck_assert_uint_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
  buf[len] = '\0';
  fclose(f);
  return buf;
}

/* Compares block by block (blocks end with a blank line) and fails on the first difference. */
static void golden_compare(const char *file, const char *actual)
{
  char *expected;
  const char *a = actual, *e;
  size_t block = 0;

  if (getenv("AULGATE_GOLDEN_UPDATE") && strcmp(getenv("AULGATE_GOLDEN_UPDATE"), "1") == 0) {
    FILE *f;
    (void)mkdir(TESTDATA "/golden", 0755); /* EEXIST is fine; fopen says the rest */
    f = fopen(file, "w");
    ck_assert_msg(f != NULL, "cannot write %s", file);
    ck_assert_int_ge(fputs(actual, f), 0);
    ck_assert_int_eq(fclose(f), 0);
    printf("golden: wrote %s\n", file);
    return;
  }
  expected = slurp(file);
  ck_assert_msg(expected != NULL, "%s is missing: run check_engine with AULGATE_GOLDEN_UPDATE=1",
                file);
  e = expected;
  while (*a || *e) {
    const char *ae = strstr(a, "\n\n"), *ee = strstr(e, "\n\n");
    size_t al = ae ? (size_t)(ae - a) + 2 : strlen(a), el = ee ? (size_t)(ee - e) + 2 : strlen(e);
    if (al != el || memcmp(a, e, al) != 0) {
      char msg[4096];
      snprintf(msg, sizeof(msg),
               "%s: screen %zu differs (AULGATE_GOLDEN_UPDATE=1 regenerates)\n"
               "--- expected\n%.*s--- actual\n%.*s",
               file, block, (int)(el < 1500 ? el : 1500), e, (int)(al < 1500 ? al : 1500), a);
      free(expected);
      ck_abort_msg("%s", msg);
    }
    a += al;
    e += el;
    block++;
  }
  free(expected);
}

/* The survey from the first hop to the thank-you END for a parent who answers every question:
 * at each question the first option after which nothing is skipped (the node's own next comes
 * next); numbers get their minimum. With last_page, every list is paged to its end and its last
 * option taken instead. Returns the number of screens, first and last included. */
static size_t survey_screens(const struct sess_content *c, enum sess_lang lang,
                             const struct sess_ctx *ctx, int first_visit, int last_page,
                             size_t *pages_seen)
{
  const char *path[SESS_MAX_INPUTS];
  const struct sess_survey *menu = sess__survey_find(c, "main_menu");
  const struct sess_node *mn;
  struct sess_reply r;
  struct walk w;
  size_t n = 0;
  const char *region = NULL;
  char numbuf[SESS_MAX_INPUTS][24];

  memset(&w, 0, sizeof(w));
  w.c = c;
  w.lang = lang;
  w.ctx = ctx;
  ck_assert_ptr_nonnull(menu);
  if (first_visit) {
    mn = &menu->nodes[menu->first_visit];
    for (size_t i = 0; i < mn->n_options; i++)
      if (mn->options[i].set_lang == (int)lang)
        path[n++] = num_str((long)i + 1);
    ck_assert_uint_eq(n, 1);
  }
  mn = &menu->nodes[menu->start];
  for (size_t i = 0; i < mn->n_options; i++)
    if (mn->options[i].action == SESS_ACTION_SURVEY)
      path[n++] = num_str((long)i + 1);
  *pages_seen = 0;
  for (;;) {
    char label[192];
    int file, node, eng;
    const struct sess_node *nd;
    struct sess_item items[SESS_MAX_OPTIONS];
    size_t n_items, pick = 0;

    walk_replay(&w, path, n, &r);
    if (r.end)
      break;
    ck_assert_msg(identify(&w, r.text, region, &file, &node, &eng, label, sizeof(label)) &&
                      file >= 0,
                  "survey path met an unknown screen:\n%s", r.text);
    nd = &c->surveys[file].nodes[node];
    ck_assert_uint_lt(n + 8, SESS_MAX_INPUTS);
    if (nd->type == SESS_NODE_NUMBER || nd->type == SESS_NODE_TEXT) {
      snprintf(numbuf[n], sizeof(numbuf[n]), "%ld", nd->type == SESS_NODE_NUMBER ? nd->min : 1);
      path[n] = numbuf[n];
      n++;
      continue;
    }
    n_items = sess__node_items(c, nd, region, lang, items);
    if (nd->type == SESS_NODE_MENU) {
      /* A menu in the survey (the opening screen of version 4): the option that goes on into
       * the survey, not the one that leaves it. */
      for (size_t k = 0; k < nd->n_options && !pick; k++)
        if (nd->options[k].go.file == file)
          pick = k + 1;
      ck_assert_uint_gt(pick, 0);
    } else if (last_page) {
      while (page_of(c, r.text, lang).more) {
        path[n++] = "99";
        (*pages_seen)++;
        walk_replay(&w, path, n, &r);
      }
      pick = n_items;
    } else {
      for (size_t k = 1; k <= n_items && !pick; k++) {
        struct sess_reply nr;
        int f2, n2, e2;
        path[n] = num_str((long)k);
        walk_replay(&w, path, n + 1, &nr);
        identify(&w, nr.text, items[k - 1].value, &f2, &n2, &e2, label, sizeof(label));
        if (f2 == nd->next.file && n2 == nd->next.node)
          pick = k;
      }
      if (!pick)
        pick = 1;
    }
    if (nd->source == SESS_SOURCE_REGIONS)
      region = items[pick - 1].value;
    path[n++] = num_str((long)pick);
  }
  ck_assert_int_eq(r.effect.kind, SESS_EFFECT_ANSWER);
  ck_assert_int_eq(r.effect.final, 1);
  return n + 1;
}

START_TEST(test_engine_golden_screens)
{
  enum sess_lang lang = (enum sess_lang)_i;
  struct sess_content *c = load(CONTENT_DIR);
  const struct sess_survey *menu = sess__survey_find(c, "main_menu");
  struct sess_profile prof, plain;
  struct sess_ctx known = ctx_shared(&prof, lang, 0, "", 20089);
  struct sess_ctx returning = ctx_lang(&plain, lang, 20089);
  struct walk *w = calloc(1, sizeof(*w));
  char *text = NULL, file[512];
  size_t len = 0, min_known, min_first, max_paged, paged;
  const char *path[SESS_MAX_INPUTS];
  size_t most = 0;
  const char *most_region = NULL;

  ck_assert_ptr_nonnull(w);
  ck_assert_ptr_nonnull(menu);
  w->c = c;
  w->lang = lang;
  w->out = open_memstream(&text, &len);
  ck_assert_ptr_nonnull(w->out);
  fprintf(
      w->out,
      "# Every screen of the shipped content in %s, as tests/sessions/check_engine.c walks it.\n"
      "# Regenerate: AULGATE_GOLDEN_UPDATE=1 check_engine. Header: context (new: nobody "
      "known; known: language %s, an unfinished attempt by mother), [inputs], node, page, "
      "units/budget and encoding.\n\n",
      sess_lang_code(lang), sess_lang_code(lang));
  /* A caller nobody knows: the language menu (in Kazakh), and the main menu once picked. */
  w->ctx = NULL;
  w->ctx_name = "new";
  if (lang == SESS_KK) {
    record(w, path, 0, "main_menu:language (first visit)", 0, 1, 0);
    path[0] = "*";
    record(w, path, 1, "main_menu:language (first visit)", 0, 1, 1);
  }
  for (size_t i = 0; i < menu->nodes[menu->first_visit].n_options; i++) {
    if (menu->nodes[menu->first_visit].options[i].set_lang != (int)lang)
      continue;
    path[0] = num_str((long)i + 1);
    record(w, path, 1, "main_menu:main", 0, 1, 0);
  }
  /* A known caller: everything from the main menu. */
  w->ctx = &known;
  w->ctx_name = "known";
  walk(w, path, 0, NULL);
  ck_assert_int_eq(fclose(w->out), 0);

  /* Every node of every survey and menu file, and every engine screen, was shown. */
  for (size_t f = 0; f < c->n_surveys; f++)
    for (size_t k = 0; k < c->surveys[f].n_nodes; k++)
      ck_assert_msg(w->covered[f][k], "%s: node %s:%s never shown", sess_lang_code(lang),
                    c->surveys[f].id, c->surveys[f].nodes[k].id);
  for (int e = 0; e < ENG_N; e++)
    ck_assert_msg(w->eng_seen[e], "%s: the %s never shown", sess_lang_code(lang), eng_name[e]);
  /* District lists of every region, so of the longest too. */
  for (size_t i = 0; i < c->n_places; i++) {
    size_t k = 0;
    if (c->places[i].region)
      continue;
    for (size_t j = 0; j < c->n_places; j++)
      k += c->places[j].region && strcmp(c->places[j].region, c->places[i].code) == 0;
    if (k > most) {
      most = k;
      most_region = c->places[i].code;
    }
  }
  ck_assert_uint_ge(w->n_regions, 3);
  ck_assert_ptr_nonnull(most_region);
  {
    int found = 0;
    for (size_t i = 0; i < w->n_regions; i++)
      found |= strcmp(w->regions_seen[i], most_region) == 0;
    ck_assert_msg(found, "the districts of %s (the longest list) were never shown", most_region);
  }

  min_known = survey_screens(c, lang, &returning, 0, 0, &paged);
  ck_assert_uint_eq(paged, 0);
  min_first = survey_screens(c, lang, NULL, 1, 0, &paged);
  max_paged = survey_screens(c, lang, &returning, 0, 1, &paged);
  printf("golden %s: %zu screens; survey for a parent who answers everything: %zu screens from "
         "the first hop to the thank-you END (returning caller; %zu on a first visit with the "
         "language menu; %zu when every list is paged to its last option, %zu of them pages)\n",
         sess_lang_code(lang), w->screens, min_known, min_first, max_paged, paged);
  printf("golden %s: longest screen %s: %zu of %zu; without the error line %s: %zu of %zu; "
         "closest to its budget %s: %zu of %zu\n",
         sess_lang_code(lang), w->long_label, w->long_units, w->long_limit, w->plain_label,
         w->plain_units, w->plain_limit, w->tight_label, w->tight_units, w->tight_limit);
  fflush(stdout);

  snprintf(file, sizeof(file), "%s/golden/%s.txt", TESTDATA, sess_lang_code(lang));
  golden_compare(file, text);
  free(text);
  for (size_t i = 0; i < w->n_seen; i++)
    free(w->seen[i]);
  free(w->seen);
  free(w);
  sess_content_unref(c);
}
END_TEST

static Suite *engine_suite(void)
{
  Suite *s = suite_create("engine");
  TCase *tc;

  tc = tcase_create("render");
  tcase_add_test(tc, test_engine_pager_kazakh_pages);
  tcase_add_loop_test(tc, test_engine_pager_every_page_within_budget, 0, SESS_NLANG);
  tcase_add_test(tc, test_engine_pager_moves_between_pages);
  tcase_add_test(tc, test_engine_pager_number_only_on_its_page);
  tcase_add_test(tc, test_engine_next_question_starts_on_first_page);
  tcase_add_test(tc, test_engine_gsm7_extension_chars_cost_two);
  tcase_add_test(tc, test_engine_ucs2_one_kazakh_letter);
  tcase_add_test(tc, test_engine_emoji_counts_two_units);
  tcase_add_test(tc, test_engine_error_line_on_top);
  tcase_add_test(tc, test_engine_error_line_drops_prompt);
  tcase_add_test(tc, test_engine_error_line_keeps_prompt_when_options_cannot_fit);
  tcase_add_test(tc, test_engine_pager_screen_that_fits_is_one_page);
  tcase_add_loop_test(tc, test_engine_number_refuses, 0, (int)AG_ARRAY_LEN(bad_numbers));
  tcase_add_test(tc, test_engine_number_bounds_and_skip);
  tcase_add_test(tc, test_engine_text_max_len_in_code_points);
  suite_add_tcase(s, tc);

  tc = tcase_create("skip");
  tcase_add_loop_test(tc, test_engine_skip_when_in_not_in_all_any, 0, (int)AG_ARRAY_LEN(skip_rows));
  tcase_add_test(tc, test_engine_skip_when_on_relation_answer);
  tcase_add_test(tc, test_engine_choice_option_next_branches);
  suite_add_tcase(s, tc);

  tc = tcase_create("resume");
  tcase_add_test(tc, test_engine_known_language_skips_language_menu);
  tcase_add_test(tc, test_engine_resume_offer_for_mother);
  tcase_add_test(tc, test_engine_resume_continue);
  tcase_add_test(tc, test_engine_resume_start_over);
  tcase_add_test(tc, test_engine_no_prior_no_offer);
  tcase_add_test(tc, test_engine_last_answer_final_and_subscribe);
  suite_add_tcase(s, tc);

  tc = tcase_create("effects");
  tcase_add_test(tc, test_engine_effect_answer_fields);
  tcase_add_test(tc, test_engine_effect_none_for_navigation);
  tcase_add_test(tc, test_engine_effect_lang_choice);
  tcase_add_test(tc, test_engine_effect_sms_switch);
  tcase_add_test(tc, test_engine_tip_today);
  tcase_add_test(tc, test_engine_tips_by_band);
  suite_add_tcase(s, tc);

  tc = tcase_create("determinism");
  tcase_add_test(tc, test_engine_replay_deterministic);
  tcase_add_test(tc, test_engine_replay_prefix_consistent);
  tcase_add_test(tc, test_engine_replay_errors);
  suite_add_tcase(s, tc);

  tc = tcase_create("lint");
  tcase_add_test(tc, test_engine_lint_shipped_content_clean);
  tcase_add_loop_test(tc, test_engine_lint_broken_fixture, 0, (int)AG_ARRAY_LEN(broken));
  suite_add_tcase(s, tc);

  tc = tcase_create("golden");
  tcase_set_timeout(tc, 300); /* the whole content, three times, under the sanitizers */
  tcase_add_loop_test(tc, test_engine_golden_screens, 0, SESS_NLANG);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(engine_suite)
