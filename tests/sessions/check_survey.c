/* check_survey.c: survey version 4 of the shipped content (issue 11, item 5) through the
 * engine: the place lists in the alphabet of each screen within five pages, the collation
 * itself, the skip conditions (pre-school, a city chosen), the opening screen, the texts that
 * must say the same in three languages, the lint rules that guard them, and a progress of an
 * older version meeting the new one.
 *
 * The shipped content is CONTENT_DIR; fixtures are written by the tests under TESTDATA's
 * content/ or a temporary folder. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/ag.h"
#include "lib/ag_collate.h"
#include "lib/ag_lang.h"
#include "sessions/sess-internal.h"
#include "sessions/sess.h"
#include "tests/support/ag_check.h"

#ifndef CONTENT_DIR
#error "CONTENT_DIR must name the shipped content folder"
#endif

/* The default budgets of the configuration (ussd_budget_ucs2, ussd_budget_gsm7). */
static const struct sess_budget budget = {75, 175};

#define MAX_PAGES 5 /* issue 11: a place list in at most five pages in every language */

static struct sess_content *load(const char *dir)
{
  struct sess_content *c = NULL;
  char err[512] = "";
  int rc = sess_content_load(dir, &budget, NULL, 0, &c, err, sizeof(err));

  ck_assert_msg(rc == AG_OK, "loading %s: %s (%s)", dir, err, ag_errname(rc));
  return c;
}

static const struct sess_node *node_named(const struct sess_content *c, const char *id)
{
  const struct sess_survey *sv = sess__survey_find(c, "involvement");
  int k;

  ck_assert_ptr_nonnull(sv);
  k = sess__node_find(sv, id);
  ck_assert_msg(k >= 0, "involvement has no node '%s'", id);
  return &sv->nodes[k];
}

/* ---- the collation ---- */

START_TEST(test_collate_kazakh_alphabet)
{
  /* The order of the Kazakh alphabet: Ә right after А, Ғ after Г, Қ after К, Ң after Н, Ө after
   * О, Ұ Ү after У, Һ after Х, І between Ы and Ь. */
  static const char *const sorted[] = {"Алға",    "Әйтеке би", "Бұланды", "Ғабит", "Жаңақала",
                                       "Қарасай", "Ойыл",      "Өскемен", "Ұлан",  "Үржар",
                                       "Шу",      "Ырғыз",     "Іле"};
  for (size_t i = 0; i + 1 < AG_ARRAY_LEN(sorted); i++)
    ck_assert_msg(ag_collate_cmp(sorted[i], sorted[i + 1], AG_LANG_KK) < 0, "%s < %s (kk)",
                  sorted[i], sorted[i + 1]);
  /* K before Қ, and a prefix (followed by a space) before a longer word. */
  ck_assert_int_lt(ag_collate_cmp("Кеген", "Қарасай", AG_LANG_KK), 0);
  ck_assert_int_lt(ag_collate_cmp("Алматы қаласы", "Алматы облысы", AG_LANG_KK), 0);
  ck_assert_int_lt(ag_collate_cmp("Алматы", "Алматыбек", AG_LANG_KK), 0);
  /* Case does not matter; only identical strings compare equal. */
  ck_assert_int_lt(ag_collate_cmp("абай", "Бурабай", AG_LANG_KK), 0);
  ck_assert_int_eq(ag_collate_cmp("Абай", "Абай", AG_LANG_KK), 0);
  ck_assert_int_ne(ag_collate_cmp("Абай", "абай", AG_LANG_KK), 0);
}
END_TEST

START_TEST(test_collate_russian_and_latin)
{
  /* Ё after Е, Й after И; byte order (UTF-8) would put Ё before А. */
  ck_assert_int_lt(ag_collate_cmp("Ежик", "Ёлка", AG_LANG_RU), 0);
  ck_assert_int_lt(ag_collate_cmp("Ёлка", "Жамбыл", AG_LANG_RU), 0);
  ck_assert_int_lt(ag_collate_cmp("Иргизский", "Йошкар", AG_LANG_RU), 0);
  ck_assert_int_lt(ag_collate_cmp("ВКО", "Жетысу", AG_LANG_RU), 0);
  /* In Russian, a Kazakh letter sorts right after its base letter. */
  ck_assert_int_lt(ag_collate_cmp("Ақсуат", "Алтай", AG_LANG_RU), 0);
  ck_assert_int_gt(ag_collate_cmp("Ақсуат", "Аксуат", AG_LANG_RU), 0);
  ck_assert_int_lt(ag_collate_cmp("Almaty city", "almaty region", AG_LANG_EN), 0);
  ck_assert_int_lt(ag_collate_cmp("Zhambyl", "Алматы", AG_LANG_EN), 0);
}
END_TEST

START_TEST(test_collate_foreign_letters)
{
  size_t at = 99;

  ck_assert_uint_eq(ag_collate_foreign("Аксуатский", AG_LANG_RU, &at), 0);
  ck_assert_uint_eq(ag_collate_foreign("Ақсуат", AG_LANG_RU, &at), 0x049B);
  ck_assert_uint_eq(at, 2);
  ck_assert_uint_eq(ag_collate_foreign("Ақсуат", AG_LANG_KK, NULL), 0);
  ck_assert_uint_eq(ag_collate_foreign("Т. Рысқұлов", AG_LANG_KK, NULL), 0);
  ck_assert_uint_eq(ag_collate_foreign("Al-Farabi (city)", AG_LANG_EN, NULL), 0);
  ck_assert_uint_eq(ag_collate_foreign("Almaty қ.", AG_LANG_EN, NULL), 0x049B);
  ck_assert_uint_eq(ag_collate_foreign("Kazakh", AG_LANG_KK, NULL), 'K');
  ck_assert_uint_eq(ag_collate_foreign("a\xff", AG_LANG_EN, NULL), 0xFFFD);
}
END_TEST

/* ---- the place lists of the shipped content ---- */

static size_t list_pages(const struct sess_content *c, const char *node, const char *region,
                         enum sess_lang lang, struct sess_item *items, size_t *n)
{
  struct sess_screen s;
  char tail[128];

  sess__node_screen(c, node_named(c, node), region, lang, items, tail, sizeof(tail), &s);
  *n = s.n_items;
  return sess__page_count(c, &budget, &s, lang);
}

/* The region list in at most MAX_PAGES pages in every language (it took 10 in ru, 7 in kk). */
START_TEST(test_places_region_list_at_most_five_pages)
{
  struct sess_content *c = load(CONTENT_DIR);
  struct sess_item items[SESS_MAX_OPTIONS];
  size_t n, pages = list_pages(c, "region", NULL, (enum sess_lang)_i, items, &n);

  ck_assert_uint_eq(n, 20);
  ck_assert_msg(pages <= MAX_PAGES, "the region list in %s takes %zu pages, more than %d",
                sess_lang_code((enum sess_lang)_i), pages, MAX_PAGES);
  sess_content_unref(c);
}
END_TEST

/* Every place list (regions, each region's districts) in the order of the screen's alphabet. */
START_TEST(test_places_lists_sorted_in_screen_alphabet)
{
  struct sess_content *c = load(CONTENT_DIR);
  enum sess_lang lang = (enum sess_lang)_i;
  struct sess_item items[SESS_MAX_OPTIONS];
  size_t n, lists = 0;

  for (size_t r = 0; r <= c->n_places; r++) {
    const char *region = r < c->n_places ? c->places[r].code : NULL;
    if (r < c->n_places && c->places[r].region)
      continue;
    list_pages(c, region ? "district" : "region", region, lang, items, &n);
    ck_assert_uint_gt(n, 0);
    for (size_t i = 0; i + 1 < n; i++)
      ck_assert_msg(ag_collate_cmp(items[i].label, items[i + 1].label, (int)lang) < 0,
                    "%s list of %s: \"%s\" before \"%s\"", sess_lang_code(lang),
                    region ? region : "regions", items[i].label, items[i + 1].label);
    lists++;
  }
  ck_assert_uint_eq(lists, 21);
  sess_content_unref(c);
}
END_TEST

/* The first names of the region list, as a reader of each language expects them. */
START_TEST(test_places_region_list_heads)
{
  static const char *const head[SESS_NLANG][5] = {
      {"Абай", "Ақмола", "Ақтөбе", "Алматы қаласы", "Алматы облысы"},
      {"Абай", "Акмолинская", "Актобе", "Алматинская", "Алматы"},
      {"Abai", "Akmola", "Aktobe", "Almaty city", "Almaty region"}};
  struct sess_content *c = load(CONTENT_DIR);
  struct sess_item items[SESS_MAX_OPTIONS];
  size_t n;

  for (int l = 0; l < SESS_NLANG; l++) {
    list_pages(c, "region", NULL, (enum sess_lang)l, items, &n);
    for (size_t i = 0; i < 5; i++)
      ck_assert_str_eq(items[i].label, head[l][i]);
  }
  /* The Aktobe districts in Kazakh: Қ before Л, and Ә after every А; the city among the
   * districts by its name. In Russian the same places in another order. */
  list_pages(c, "district", "aktobe", SESS_KK, items, &n);
  ck_assert_str_eq(items[0].label, "Ақтөбе қ.");
  ck_assert_str_eq(items[1].label, "Алға");
  ck_assert_str_eq(items[2].label, "Әйтеке би");
  list_pages(c, "district", "aktobe", SESS_RU, items, &n);
  ck_assert_str_eq(items[0].label, "Айтекебийский");
  ck_assert_str_eq(items[1].label, "Актобе");
  ck_assert_str_eq(items[2].label, "Алгинский");
  sess_content_unref(c);
}
END_TEST

/* ---- lint on fixtures written here ---- */

/* A content folder of its own: the shipped strings, a survey asking the region and district,
 * and the given places file; extra (may be NULL) replaces the survey. Returns the folder. */
static char *fixture(char *dir, size_t len, const char *places, const char *survey)
{
  static const char default_survey[] =
      "{\"id\": \"involvement\", \"version\": 1, \"kind\": \"survey\", \"start\": \"region\","
      " \"nodes\": ["
      "{\"id\": \"region\", \"type\": \"choice\", \"options_from\": \"regions\","
      " \"text\": {\"kk\": \"Өңір:\", \"ru\": \"Регион:\", \"en\": \"Region:\"}, \"next\": "
      "\"district\"},"
      "{\"id\": \"district\", \"type\": \"choice\", \"options_from\": \"districts\","
      " \"text\": {\"kk\": \"Аудан:\", \"ru\": \"Район:\", \"en\": \"District:\"}, \"next\": "
      "\"done\"},"
      "{\"id\": \"done\", \"type\": \"end\", \"text\": {\"kk\": \"Рақмет!\", \"ru\": \"Спасибо!\","
      " \"en\": \"Thanks!\"}}]}";
  char path[600], cmd[1400];
  FILE *f;

  snprintf(dir, len, "/tmp/check_survey.XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(dir));
  snprintf(cmd, sizeof(cmd), "cp %s/strings.json %s/", CONTENT_DIR, dir);
  ck_assert_int_eq(system(cmd), 0);
  snprintf(path, sizeof(path), "%s/places.json", dir);
  ck_assert_ptr_nonnull(f = fopen(path, "w"));
  fputs(places, f);
  fclose(f);
  snprintf(path, sizeof(path), "%s/survey.json", dir);
  ck_assert_ptr_nonnull(f = fopen(path, "w"));
  fputs(survey ? survey : default_survey, f);
  fclose(f);
  return dir;
}

static void fixture_remove(const char *dir)
{
  char cmd[600];

  snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
  ck_assert_int_eq(system(cmd), 0);
}

/* Runs lint on dir; returns the problem count and its report in out (static). */
static int lint_of(const char *dir, char *out, size_t len)
{
  char *buf = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&buf, &n);
  int problems;

  ck_assert_ptr_nonnull(f);
  problems = sess_lint(dir, &budget, f);
  fclose(f);
  snprintf(out, len, "%s", buf ? buf : "");
  free(buf);
  return problems;
}

#define PLACES(ru_district)                                                                        \
  "{\"kind\": \"places\", \"version\": 1, \"regions\": [{\"code\": \"abai\", \"kind\": "           \
  "\"region\","                                                                                    \
  " \"name\": {\"kk\": \"Абай\", \"ru\": \"Абай\", \"en\": \"Abai\"}, \"districts\": ["    \
  "{\"code\": \"abai-aksuat\", \"name\": {\"kk\": \"Ақсуат\", \"ru\": \"" ru_district "\","        \
  " \"en\": \"Aksuat\"}}]}]}"

/* A place name with a letter of another alphabet (the shipped ru list had "Ақсуат") is a lint
 * problem naming the place, the language and the letter. */
START_TEST(test_lint_place_letter_of_another_alphabet)
{
  char dir[64], out[2048];

  fixture(dir, sizeof(dir), PLACES("Аксуатский"), NULL);
  ck_assert_msg(lint_of(dir, out, sizeof(out)) == 0, "%s", out);
  fixture_remove(dir);
  fixture(dir, sizeof(dir), PLACES("Ақсуат"), NULL);
  ck_assert_int_eq(lint_of(dir, out, sizeof(out)), 1);
  ck_assert_msg(strstr(out, "'abai-aksuat' (ru)") && strstr(out, "U+049B") &&
                    strstr(out, "Russian alphabet"),
                "%s", out);
  fixture_remove(dir);
}
END_TEST

static Suite *survey_suite(void)
{
  Suite *s = suite_create("survey");
  TCase *tc = tcase_create("collate");

  tcase_add_test(tc, test_collate_kazakh_alphabet);
  tcase_add_test(tc, test_collate_russian_and_latin);
  tcase_add_test(tc, test_collate_foreign_letters);
  suite_add_tcase(s, tc);
  tc = tcase_create("places");
  tcase_add_loop_test(tc, test_places_region_list_at_most_five_pages, 0, SESS_NLANG);
  tcase_add_loop_test(tc, test_places_lists_sorted_in_screen_alphabet, 0, SESS_NLANG);
  tcase_add_test(tc, test_places_region_list_heads);
  suite_add_tcase(s, tc);
  tc = tcase_create("lint");
  tcase_add_test(tc, test_lint_place_letter_of_another_alphabet);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(survey_suite)
