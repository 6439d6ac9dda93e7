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

/* One replay of path (inputs separated by single spaces) from the main menu of content c, for a
 * caller whose language is known; fails the test unless it replays. */
struct play {
  struct sess_reply r;
  char buf[512];
  const char *in[SESS_MAX_INPUTS];
  size_t n;
};

static const struct sess_reply *play(struct play *p, const struct sess_content *c,
                                     enum sess_lang lang, const char *path)
{
  static struct sess_profile prof;
  struct sess_ctx ctx = {&prof, 20000};
  char *save = NULL, *tok;

  memset(&prof, 0, sizeof(prof));
  prof.has_lang = 1;
  prof.lang = lang;
  snprintf(p->buf, sizeof(p->buf), "%s", path);
  p->n = 0;
  for (tok = strtok_r(p->buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
    p->in[p->n++] = tok;
  ck_assert_int_eq(sess_replay(c, &budget, "main_menu", &ctx, p->in, p->n, &p->r), AG_OK);
  return &p->r;
}

/* The screen asks node `id` (its text, or on a later page its short text, is the first line). */
static void assert_asks(const struct sess_content *c, const struct sess_reply *r, const char *id)
{
  const struct sess_node *n = node_named(c, id);
  const char *t = n->text.s[r->lang];

  ck_assert_msg(strncmp(r->text, t, strlen(t)) == 0 && r->text[strlen(t)] == '\n',
                "expected %s, got:\n%s\n(effect %s=%s)", id, r->text,
                r->effect.question_id ? r->effect.question_id : "-",
                r->effect.value ? r->effect.value : "-");
  ck_assert_str_eq(r->screen, id);
}

/* The inputs that pick the option whose value is code from region or district list `node` as
 * the screen in lang shows it: "99" for each page before the one showing it, then its number. */
static const char *pick_of(const struct sess_content *c, const char *node, const char *region,
                           enum sess_lang lang, const char *code, char *out, size_t len)
{
  struct sess_item items[SESS_MAX_OPTIONS];
  struct sess_screen s;
  char tail[128];
  size_t from, to;

  sess__node_screen(c, node_named(c, node), region, lang, items, tail, sizeof(tail), &s);
  out[0] = '\0';
  for (size_t i = 0; i < s.n_items; i++) {
    if (strcmp(items[i].value, code) != 0)
      continue;
    for (size_t page = 0;; page++) {
      sess__page_range(c, &budget, &s, lang, page, &from, &to);
      if (i < to)
        break;
      strncat(out, "99 ", len - strlen(out) - 1);
    }
    snprintf(out + strlen(out), len - strlen(out), "%zu", i + 1);
    return out;
  }
  ck_abort_msg("%s offers no %s", node, code);
  return out;
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

/* ---- survey version 4 ---- */

/* The opening screen says what the survey is, that it is voluntary and anonymous and how long
 * it takes; 1 starts it, 2 ("not now") goes back to the main menu; it asks nothing (not a
 * question of the drop-off funnel) and stores nothing. */
START_TEST(test_v4_opening_screen)
{
  static const char *const says[SESS_NLANG][4] = {
      {"сауалнама", "ерікті", "анонимді", "3 минут"},
      {"Опрос", "добровольно", "анонимно", "3 минуты"},
      {"survey", "voluntary", "anonymous", "3 minutes"}};
  struct sess_content *c = load(CONTENT_DIR);
  enum sess_lang lang = (enum sess_lang)_i;
  struct play p;

  ck_assert_int_eq(sess__survey_find(c, "involvement")->version, 4);
  play(&p, c, lang, "1");
  ck_assert_str_eq(p.r.screen, "intro");
  ck_assert_int_eq(p.r.question, 0);
  ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_NONE);
  for (int k = 0; k < 4; k++)
    ck_assert_msg(strstr(p.r.text, says[lang][k]), "%s lacks \"%s\"", p.r.text, says[lang][k]);
  assert_asks(c, play(&p, c, lang, "1 1"), "relation");
  ck_assert_int_eq(p.r.question, 1);
  play(&p, c, lang, "1 2");
  ck_assert_str_eq(p.r.file, "main_menu");
  ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_NONE);
  sess_content_unref(c);
}
END_TEST

/* A parent of a child not at school yet is asked none of the items about "the school" (school
 * number, L1-L4, T1-T5, the barrier): after the grade comes the SMS question. A parent of a
 * pupil gets them all. */
START_TEST(test_v4_preschool_skips_school_items)
{
  struct sess_content *c = load(CONTENT_DIR);
  enum sess_lang lang = (enum sess_lang)_i;
  struct play p;
  char path[128], abai[32], ayagoz[32];

  pick_of(c, "region", NULL, lang, "abai", abai, sizeof(abai));
  pick_of(c, "district", "abai", lang, "abai-ayagoz", ayagoz, sizeof(ayagoz));
  /* survey, Start, mother, Abai, Ayagoz (a district), village, then the grade */
  snprintf(path, sizeof(path), "1 1 1 %s %s 2 1", abai, ayagoz);
  assert_asks(c, play(&p, c, lang, path), "subscribe");
  ck_assert_str_eq(p.r.effect.question_id, "grade");
  ck_assert_str_eq(p.r.effect.value, "pre");
  strcat(path, " 1");
  play(&p, c, lang, path);
  ck_assert_int_eq(p.r.end, 1);
  ck_assert_int_eq(p.r.effect.final, 1);
  ck_assert_str_eq(p.r.effect.band, "pre");
  snprintf(path, sizeof(path), "1 1 1 %s %s 2 2", abai, ayagoz);
  assert_asks(c, play(&p, c, lang, path), "school");
  strcat(path, " 0");
  assert_asks(c, play(&p, c, lang, path), "L1");
  sess_content_unref(c);
}
END_TEST

/* The settlement question is skipped when the place chosen is a city: a city of republican
 * significance (its districts are city districts) or a city of regional significance in a
 * region's list; it is asked for a district. */
START_TEST(test_v4_settlement_skipped_for_a_city)
{
  struct sess_content *c = load(CONTENT_DIR);
  enum sess_lang lang = (enum sess_lang)_i;
  struct play p;
  char path[128], region[32], district[32];

  pick_of(c, "region", NULL, lang, "aktobe", region, sizeof(region));
  pick_of(c, "district", "aktobe", lang, "aktobe-aktobe-city", district, sizeof(district));
  snprintf(path, sizeof(path), "1 1 1 %s %s", region, district);
  assert_asks(c, play(&p, c, lang, path), "grade");
  ck_assert_str_eq(p.r.effect.value, "aktobe-aktobe-city");
  pick_of(c, "district", "aktobe", lang, "aktobe-alga", district, sizeof(district));
  snprintf(path, sizeof(path), "1 1 1 %s %s", region, district);
  assert_asks(c, play(&p, c, lang, path), "settlement");
  pick_of(c, "region", NULL, lang, "astana", region, sizeof(region));
  pick_of(c, "district", "astana", lang, "astana-esil", district, sizeof(district));
  snprintf(path, sizeof(path), "1 1 1 %s %s", region, district);
  assert_asks(c, play(&p, c, lang, path), "grade");
  ck_assert_str_eq(p.r.effect.value, "astana-esil");
  sess_content_unref(c);
}
END_TEST

/* Places from the database carry no kind when a department added them without one: then the
 * settlement question is asked (an unknown kind is in no list of kind_not_in... and so the
 * condition holds). */
START_TEST(test_v4_settlement_asked_for_place_of_unknown_kind)
{
  static const struct sess_place places[] = {
      {"r1", NULL, NULL, {"Бір", "Один", "One"}},
      {"r1-a", "r1", NULL, {"А қ.", "А", "A city"}},
  };
  struct sess_content *c = NULL;
  char err[512] = "";
  struct play p;

  ck_assert_int_eq(sess_content_load(CONTENT_DIR, &budget, places, 2, &c, err, sizeof(err)), AG_OK);
  assert_asks(c, play(&p, c, SESS_EN, "1 1 1 1 1"), "settlement");
  sess_content_unref(c);
}
END_TEST

/* The texts that must say the same in three languages (issue 11, item 5). */
START_TEST(test_v4_texts_say_the_same)
{
  static const struct {
    const char *node, *word[SESS_NLANG];
  } want[] = {
      {"barrier", {"Мектеп өміріне", "в жизни школы", "school life"}},
      {"L3", {"мысалы, мереке", "например для праздника", "e.g. for a celebration"}},
      {"T2", {"мысалы, кітап", "например книги", "e.g. books"}},
      {"T4", {"ұйымдастыру", "организовать", "organise"}},
      {"T5", {"ата-ана комитет", "родком", "parents' committee"}},
      {"T5", {"кеңестер", "советы школы", "school council"}},
  };
  struct sess_content *c = load(CONTENT_DIR);
  const struct sess_node *barrier = node_named(c, "barrier");
  int nothing = 0;

  for (size_t i = 0; i < AG_ARRAY_LEN(want); i++)
    for (int l = 0; l < SESS_NLANG; l++)
      ck_assert_msg(strstr(node_named(c, want[i].node)->text.s[l], want[i].word[l]),
                    "%s (%s): \"%s\" lacks \"%s\"", want[i].node, sess_lang_code(l),
                    node_named(c, want[i].node)->text.s[l], want[i].word[l]);
  /* T5 is no longer one body (the board of trustees). */
  ck_assert_ptr_null(strstr(node_named(c, "T5")->text.s[SESS_EN], "trustees"));
  for (size_t i = 0; i < barrier->n_options; i++)
    nothing += strcmp(barrier->options[i].value, "nothing") == 0;
  ck_assert_int_eq(nothing, 1);
  sess_content_unref(c);
}
END_TEST

/* Version 4 keeps the margin the shipped content had: every screen also fits a carrier with
 * shorter screens, 70 UCS-2 / 80 GSM-7 (tests/it/it_carriers.c runs such a carrier). */
START_TEST(test_v4_fits_shorter_screens)
{
  static const struct sess_budget small = {70, 80};
  struct sess_content *c = load(CONTENT_DIR);
  char err[512] = "";

  ck_assert_msg(sess_content_check(c, &small, err, sizeof(err)) == AG_OK, "%s", err);
  sess_content_unref(c);
}
END_TEST

/* ---- progress of another survey version ---- */

/* A returning mother with an unfinished attempt 1 (region, district, grade, L1, L2 answered) of
 * survey version `version` (0: a profile that does not say). */
static struct sess_ctx ctx_open_attempt(struct sess_profile *p, struct sess_prior *mother,
                                        int version)
{
  static struct sess_kv kv[] = {{"region", "abai"},
                                {"district", "abai-ayagoz"},
                                {"settlement", "rural"},
                                {"grade", "1-4"},
                                {"school", "12"},
                                {"L1", "yes"},
                                {"L2", "no"}};
  struct sess_ctx ctx = {p, 20000};

  memset(p, 0, sizeof(*p));
  memset(mother, 0, sizeof(*mother));
  p->has_lang = 1;
  p->lang = SESS_EN;
  snprintf(mother->relation, sizeof(mother->relation), "mother");
  mother->last_attempt = mother->open_attempt = 1;
  mother->n = AG_ARRAY_LEN(kv);
  mother->kv = kv;
  mother->open_version = version;
  p->prior = mother;
  p->n = 1;
  return ctx;
}

static const struct sess_reply *replay_ctx(struct play *p, const struct sess_content *c,
                                           const struct sess_ctx *ctx, const char *path)
{
  char *save = NULL, *tok;

  snprintf(p->buf, sizeof(p->buf), "%s", path);
  p->n = 0;
  for (tok = strtok_r(p->buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
    p->in[p->n++] = tok;
  ck_assert_int_eq(sess_replay(c, &budget, "main_menu", ctx, p->in, p->n, &p->r), AG_OK);
  return &p->r;
}

/* An unfinished attempt of survey version 3 is not resumed by a version 4 session: its answers
 * came from another instrument, so "mother" opens attempt 2 and every question is asked anew;
 * the version 3 answers stay where they are. An attempt of version 4 (or of a profile that does
 * not say) is offered as before. */
START_TEST(test_v4_does_not_resume_version_3)
{
  struct sess_content *c = load(CONTENT_DIR);
  struct sess_profile prof;
  struct sess_prior mother;
  struct sess_ctx ctx = ctx_open_attempt(&prof, &mother, 3);
  struct play p;

  replay_ctx(&p, c, &ctx, "1 1 1"); /* survey, start, mother */
  assert_asks(c, &p.r, "region");
  ck_assert_int_eq(p.r.effect.kind, SESS_EFFECT_ATTEMPT);
  ck_assert_int_eq(p.r.effect.attempt, 2);
  ck_assert_int_eq(p.r.effect.survey_version, 4);
  replay_ctx(&p, c, &ctx, "1 1 1 1");
  assert_asks(c, &p.r, "district"); /* nothing of version 3 skips a question */
  ck_assert_int_eq(p.r.effect.attempt, 2);
  for (int version = 0; version <= 4; version += 4) {
    ctx = ctx_open_attempt(&prof, &mother, version);
    replay_ctx(&p, c, &ctx, "1 1 1");
    ck_assert_str_eq(p.r.screen, "resume");
    replay_ctx(&p, c, &ctx, "1 1 1 1"); /* continue: L3, the first question not answered */
    assert_asks(c, &p.r, "L3");
    ck_assert_int_eq(p.r.effect.attempt, 1);
  }
  sess_content_unref(c);
}
END_TEST

/* The profile keeps the version of the open attempt from its rows. */
START_TEST(test_v4_profile_keeps_open_version)
{
  struct sess_profile p;
  struct sess_profile_row open = {"mother", 2, 1, 1, "kk", "L1", "yes", 3, 0, NULL};
  struct sess_profile_row done = {"mother", 1, 0, 0, "kk", "L1", "no", 4, 0, NULL};

  memset(&p, 0, sizeof(p));
  ck_assert_int_eq(sess_profile_add(&p, &open), AG_OK);
  ck_assert_int_eq(sess_profile_add(&p, &done), AG_OK);
  ck_assert_uint_eq(p.n, 1);
  ck_assert_int_eq(p.prior[0].open_attempt, 2);
  ck_assert_int_eq(p.prior[0].open_version, 3);
  sess_profile_cleanup(&p);
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
  /* A load from the file agrees with lint; the database's list (a department's SQL) is taken
   * as it is, so that a name added there cannot stop a reload. */
  {
    static const struct sess_place db[] = {
        {"abai", NULL, "region", {"Абай", "Абай", "Abai"}},
        {"abai-aksuat", "abai", NULL, {"Ақсуат", "Ақсуат", "Aksuat"}},
    };
    struct sess_content *c = NULL;
    char err[512] = "";
    ck_assert_int_eq(sess_content_load(dir, &budget, NULL, 0, &c, err, sizeof(err)), AG_ECONTENT);
    ck_assert_msg(strstr(err, "Russian alphabet"), "%s", err);
    ck_assert_int_eq(sess_content_load(dir, &budget, db, 2, &c, err, sizeof(err)), AG_OK);
    sess_content_unref(c);
  }
  fixture_remove(dir);
}
END_TEST

/* A survey for the condition lint: region, district, grade (pre or 1-4), then q asked `when`
 * the condition WHEN (a JSON value) holds; SHORT is q's extra keys (may be ""). */
#define COND_SURVEY(WHEN, SHORT)                                                                             \
  "{\"id\": \"involvement\", \"version\": 4, \"kind\": \"survey\", \"start\": \"region\","                   \
  " \"conditions\": {\"at_school\": {\"q\": \"grade\", \"not_in\": [\"pre\"]}}, \"nodes\": ["                \
  "{\"id\": \"region\", \"type\": \"choice\", \"options_from\": \"regions\","                                \
  " \"text\": {\"kk\": \"Өңір:\", \"ru\": \"Регион:\", \"en\": \"Region:\"}, \"next\": "           \
  "\"district\"},"                                                                                           \
  "{\"id\": \"district\", \"type\": \"choice\", \"options_from\": \"districts\","                            \
  " \"text\": {\"kk\": \"Аудан:\", \"ru\": \"Район:\", \"en\": \"District:\"}, \"next\": "         \
  "\"grade\"},"                                                                                              \
  "{\"id\": \"grade\", \"type\": \"choice\", \"text\": {\"kk\": \"Сынып:\", \"ru\": \"Класс:\","   \
  " \"en\": \"Grade:\"}, \"options\": [{\"value\": \"pre\", \"label\": {\"kk\": \"Жоқ\", \"ru\": "        \
  "\"Нет\","                                                                                              \
  " \"en\": \"None\"}}, {\"value\": \"1-4\", \"label\": {\"kk\": \"1-4\", \"ru\": \"1-4\","                  \
  " \"en\": \"1-4\"}}], \"next\": \"q\"},"                                                                   \
  "{\"id\": \"q\", \"type\": \"yesno\", \"text\": {\"kk\": \"Иә?\", \"ru\": \"Да?\", \"en\": "           \
  "\"Yes?\"},"                                                                                               \
  " \"when\": " WHEN SHORT ", \"next\": \"done\"},"                                                          \
  "{\"id\": \"done\", \"type\": \"end\", \"text\": {\"kk\": \"Рақмет!\", \"ru\": \"Спасибо!\"," \
  " \"en\": \"Thanks!\"}}]}"

/* Skip conditions are checked against the questions they test: a value no option has, a kind
 * test on a question that offers no places, a kind no place has, an unknown named condition,
 * and short_text where there are no pages of options are lint problems; good ones are not. */
START_TEST(test_lint_skip_conditions)
{
  static const struct {
    const char *survey, *problem; /* problem NULL: lint is clean */
  } cases[] = {
      {COND_SURVEY("\"at_school\"", ""), NULL},
      {COND_SURVEY("{\"q\": \"grade\", \"in\": [\"1-4\"]}", ""), NULL},
      {COND_SURVEY("{\"q\": \"district\", \"kind_not_in\": [\"city\"]}", ""), NULL},
      {COND_SURVEY("{\"q\": \"region\", \"in\": [\"abai\"]}", ""), NULL},
      {COND_SURVEY("{\"q\": \"grade\", \"not_in\": [\"preschool\"]}", ""),
       "'when' tests 'grade' for 'preschool', which it cannot answer"},
      {COND_SURVEY("{\"q\": \"region\", \"in\": [\"abai-aksuat\"]}", ""),
       "'when' tests 'region' for 'abai-aksuat', which it cannot answer"},
      {COND_SURVEY("{\"all\": [\"at_school\", {\"q\": \"grade\", \"kind_in\": [\"city\"]}]}", ""),
       "'kind_in'/'kind_not_in' tests 'grade', which offers no places"},
      {COND_SURVEY("{\"q\": \"district\", \"kind_in\": [\"town\"]}", ""),
       "'when' tests 'district' for kind 'town'"},
      {COND_SURVEY("\"at_scool\"", ""),
       "names no condition of this file's 'conditions': 'at_scool'"},
      {COND_SURVEY("\"at_school\"",
                   ", \"short_text\": {\"kk\": \"?\", \"ru\": \"?\", \"en\": \"?\"}"),
       "'short_text' is for the pages of a choice or a menu"},
  };
  char dir[64], out[4096];

  for (size_t i = 0; i < AG_ARRAY_LEN(cases); i++) {
    int problems;
    fixture(dir, sizeof(dir), PLACES("Аксуатский"), cases[i].survey);
    problems = lint_of(dir, out, sizeof(out));
    fixture_remove(dir);
    if (!cases[i].problem) {
      ck_assert_msg(problems == 0, "case %zu: %s", i, out);
      continue;
    }
    ck_assert_msg(problems == 1, "case %zu: %d problems: %s", i, problems, out);
    ck_assert_msg(strstr(out, cases[i].problem), "case %zu: %s", i, out);
  }
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
  tc = tcase_create("v4");
  tcase_add_loop_test(tc, test_v4_opening_screen, 0, SESS_NLANG);
  tcase_add_loop_test(tc, test_v4_preschool_skips_school_items, 0, SESS_NLANG);
  tcase_add_loop_test(tc, test_v4_settlement_skipped_for_a_city, 0, SESS_NLANG);
  tcase_add_test(tc, test_v4_settlement_asked_for_place_of_unknown_kind);
  tcase_add_test(tc, test_v4_texts_say_the_same);
  tcase_add_test(tc, test_v4_fits_shorter_screens);
  tcase_add_test(tc, test_v4_does_not_resume_version_3);
  tcase_add_test(tc, test_v4_profile_keeps_open_version);
  suite_add_tcase(s, tc);
  tc = tcase_create("lint");
  tcase_add_test(tc, test_lint_place_letter_of_another_alphabet);
  tcase_add_test(tc, test_lint_skip_conditions);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(survey_suite)
