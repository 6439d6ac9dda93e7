/* sess_tips_rules.c: the editorial rules of the tips file that a machine can hold (docs/content.md,
 * "Tips: the editorial review"). The tips go out by SMS to every subscribed parent, so a slip
 * here is sent a hundred thousand times: the file must carry the record of its review, name only
 * known languages and practices, keep each tip within 70 characters in every language (one
 * SMS part even as UCS-2), never hold one tip id or one text twice, write Russian with ё
 * wherever it belongs (all or nothing: the words below are the ones a draft tends to spell with
 * е), and keep small objects (beans, buttons, asyks: a choking risk under three) out of the
 * pre-school tips. A UCS-2 tip's one part is checked with the screens (sess_check.c).
 */
#include "sessions/sess-internal.h"
#include "lib/ag_lang.h"
#include "lib/ag_text.h"
#include "lib/ag.h"

#include <stdio.h>
#include <string.h>

/* A word list entry: a whole word, or a stem when it ends in '*'; "о чем" (two words) matches a
 * word after the given one. Lower case, UTF-8. */

/* Russian words a draft writes with е where ё belongs (the е spelling is what is looked for). Only
 * words that are never right with е: "все" (всё or все) and "узнает" are the reviewer's. */
static const char *const yo_words[] = {
    "ребен*",  "ее",       "нее",      "еще",      "ягнен*", "жеребен*", "котен*",  "лепешк*",
    "пятерк*", "четверк*", "вперед",   "учеба",    "учебы",  "учебе",    "учебу",   "учебой",
    "счет",    "счетом",   "семьей",   "вдвоем",   "втроем", "желтый",   "желтая",  "желтое",
    "желтые",  "елка",     "елки",     "елку",     "прошел", "пришел",   "ушел",    "нашел",
    "пошел",   "уйдет",    "придет",   "подойдет", "допоет", "споет",    "поет",    "задает",
    "дает",    "проведет", "приведет", "назовет",  "найдем", "пойдем",   "споем",   "прочтем",
    "начнем",  "возьмем",  "идет",     "ждет",     "живет",  "растет",   "ведет",   "твое",
    "свое",    "мое",      "чье",      "о чем",    "о нем",  "в нем",    "при чем", "зачет*"};

/* Small objects, in every language: a pre-school tip must not name them. */
static const char *const small_words[] = {
    /* en */
    "bean*", "pea", "peas", "chickpea*", "button*", "bead*", "coin*", "nut", "nuts", "pebble*",
    "stone*", "asyk*", "seed*", "grain*", "marble*", "raisin*", "grape*", "magnet*", "battery",
    "batteries", "bottle cap*", "sweets", "candy", "candies",
    /* ru */
    "фасол*", "горох*", "горош*", "нут", "нута", "нутом", "бусин*", "бусы", "бусами", "пуговиц*",
    "монет*", "орех*", "орешк*", "камеш*", "камушк*", "камн*", "асык*", "семеч*", "семен*",
    "семян*", "зерн*", "крупа", "крупу", "крупы", "крупой", "изюм*", "виноград*", "магнит*",
    "батарейк*", "пробк*", "крышечк*", "конфет*", "леденц*",
    /* kk */
    "бұршақ*", "ноқат*", "түйме*", "моншақ*", "тиын*", "жаңғақ*", "асық", "асықтар*", "асықты",
    "асықпен", "тас", "тастар*", "таспен", "тасты", "малтатас*", "дән", "дәндер*", "тұқым*",
    "мейіз*", "жүзім*", "кәмпит*"}; /* магнит, батарейка: as in Russian */

/* Every tip, in every language, at most one UCS-2 SMS part: an English tip that picks up one
 * character outside GSM-7 (a curly apostrophe) still goes as one part, and fits the smallest USSD
 * screen a carrier is given (the tests' 70). */
#define TIP_MAX_UNITS 70

static const char *const check_words[] = {"wording", "grammar", "yo",        "coherence",
                                          "safety",  "budget",  "duplicates"};

/* Lower case of the letters the three languages use (Latin, Cyrillic with Kazakh). */
static unsigned lower(unsigned cp)
{
  if (cp >= 'A' && cp <= 'Z')
    return cp + 32;
  if (cp >= 0x410 && cp <= 0x42F)
    return cp + 32;
  if (cp >= 0x400 && cp <= 0x40F)
    return cp + 80;
  if (((cp >= 0x460 && cp <= 0x4BF) || (cp >= 0x4D0 && cp <= 0x4FF)) && cp % 2 == 0)
    return cp + 1;
  return cp;
}

static int is_letter(unsigned cp)
{
  return (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') || (cp >= 0x400 && cp <= 0x4FF);
}

static size_t put_utf8(char *out, unsigned cp)
{
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  out[0] = (char)(0xC0 | (cp >> 6)); /* the letters above are all below U+0800 */
  out[1] = (char)(0x80 | (cp & 0x3F));
  return 2;
}

/* Whether word (lower case) is entry (no space in it). */
static int word_is(const char *word, const char *entry, size_t elen)
{
  if (elen && entry[elen - 1] == '*')
    return strncmp(word, entry, elen - 1) == 0;
  return strlen(word) == elen && strncmp(word, entry, elen) == 0;
}

/* The first entry of list that word (after prev, "" at the start) is, or NULL. */
static const char *match(const char *const *list, size_t n, const char *prev, const char *word)
{
  for (size_t i = 0; i < n; i++) {
    const char *sp = strchr(list[i], ' ');
    if (!sp && word_is(word, list[i], strlen(list[i])))
      return list[i];
    if (sp && word_is(prev, list[i], (size_t)(sp - list[i])) &&
        word_is(word, sp + 1, strlen(sp + 1)))
      return list[i];
  }
  return NULL;
}

/* The first word of text (lower case, into word[64]; prev gets the word before it) that is in
 * list, or NULL. Words are runs of letters; a longer word than fits is skipped. */
static const char *find_word(const char *const *list, size_t n, const char *text, char word[64],
                             char prev[64])
{
  size_t len = strlen(text), i = 0, w = 0;
  int too_long = 0;

  prev[0] = word[0] = '\0';
  while (i <= len) {
    unsigned cp = 0;
    size_t step = 1;
    if (i < len && ag_text_utf8_next(text + i, len - i, &cp, &step) != AG_OK)
      return NULL; /* not UTF-8: jansson would not have loaded it */
    if (i < len && is_letter(cp)) {
      if (w + 2 < 64)
        w += put_utf8(word + w, lower(cp));
      else
        too_long = 1;
    } else if (w) {
      word[w] = '\0';
      const char *hit = too_long ? NULL : match(list, n, prev, word);
      if (hit)
        return hit;
      memcpy(prev, word, w + 1);
      w = 0;
      too_long = 0;
    }
    i += step;
  }
  return NULL;
}

static void check_yo(struct sess_diag *d, const char *where, const char *ru)
{
  char word[64], prev[64];
  const char *hit;

  if (!ru) /* a text that did not load (its problem is reported where it failed) */
    return;
  hit = find_word(yo_words, AG_ARRAY_LEN(yo_words), ru, word, prev);
  if (hit)
    sess__problem(d, "%s (ru): '%s%s%s' is written with ё in this content (ё wherever it belongs)",
                  where, strchr(hit, ' ') ? prev : "", strchr(hit, ' ') ? " " : "", word);
}

static int is_lang(json_t *v)
{
  return json_is_string(v) && ag_lang_find(json_string_value(v)) >= 0;
}

/* A list of one to three language codes, each once. */
static int lang_list_ok(json_t *a)
{
  size_t i, j;
  json_t *v;
  if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > 3)
    return 0;
  json_array_foreach(a, i, v)
  {
    if (!is_lang(v))
      return 0;
    for (j = 0; j < i; j++)
      if (json_equal(v, json_array_get(a, j)))
        return 0;
  }
  return 1;
}

static int date_ok(const char *s)
{
  static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int y, m, dd, n = 0;
  if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &dd, &n) != 3 || n != 10 ||
      s[4] != '-' || s[7] != '-')
    return 0;
  if (y < 2020 || m < 1 || m > 12 || dd < 1 || dd > mdays[m - 1])
    return 0;
  return !(m == 2 && dd == 29 && (y % 4 != 0 || (y % 100 == 0 && y % 400 != 0)));
}

/* "review": a non-empty list of {date, role, native_speaker, languages, checked[, notes]}. */
static void check_review(struct sess_diag *d, json_t *doc, const char *file)
{
  static const char *const keys[] = {"date",  "role", "native_speaker", "languages", "checked",
                                     "notes", NULL};
  json_t *review = json_object_get(doc, "review"), *e, *v;
  const char *k;
  size_t i, j;

  if (!json_is_array(review) || json_array_size(review) == 0) {
    sess__problem(d,
                  "%s: needs a review record (\"review\": [{\"date\", \"role\", "
                  "\"native_speaker\", \"languages\", \"checked\"}])",
                  file);
    return;
  }
  json_array_foreach(review, i, e)
  {
    if (!json_is_object(e)) {
      sess__problem(d, "%s: review %zu: expected an object", file, i + 1);
      continue;
    }
    json_object_foreach(e, k, v)
    {
      for (j = 0; keys[j] && strcmp(keys[j], k) != 0; j++)
        ;
      if (!keys[j])
        sess__problem(d, "%s: review %zu: unknown key '%s'", file, i + 1, k);
    }
    if (!date_ok(json_string_value(json_object_get(e, "date"))))
      sess__problem(d, "%s: review %zu: date must be a date, YYYY-MM-DD", file, i + 1);
    v = json_object_get(e, "role");
    if (!json_is_string(v) || json_string_length(v) == 0)
      sess__problem(d, "%s: review %zu: role must name who reviewed", file, i + 1);
    if (!json_is_boolean(json_object_get(e, "native_speaker")))
      sess__problem(d, "%s: review %zu: native_speaker must be true or false", file, i + 1);
    if (!lang_list_ok(json_object_get(e, "languages")))
      sess__problem(d, "%s: review %zu: languages must list kk, ru or en, each once", file, i + 1);
    v = json_object_get(e, "notes");
    if (v && !json_is_string(v))
      sess__problem(d, "%s: review %zu: notes must be a string", file, i + 1);
    v = json_object_get(e, "checked");
    if (!json_is_array(v) || json_array_size(v) == 0) {
      sess__problem(d, "%s: review %zu: checked must list what was checked", file, i + 1);
      continue;
    }
    for (j = 0; j < json_array_size(v); j++) {
      const char *what = json_string_value(json_array_get(v, j));
      size_t w;
      for (w = 0; what && w < AG_ARRAY_LEN(check_words) && strcmp(what, check_words[w]) != 0; w++)
        ;
      if (!what || w == AG_ARRAY_LEN(check_words))
        sess__problem(d,
                      "%s: review %zu: checked: '%s' is not one of wording, grammar, yo, "
                      "coherence, safety, budget, duplicates",
                      file, i + 1, what ? what : "(not a string)");
    }
  }
}

/* The practice ids of the file, NULL-terminated into ids[cap]; 0 when it has no practices list. */
static int practices_of(struct sess_diag *d, json_t *doc, const char *file, const char **ids,
                        size_t cap)
{
  json_t *list = json_object_get(doc, "practices"), *p;
  char where[256];
  size_t i, n = 0;
  struct sess_text label;

  ids[0] = NULL;
  if (!list)
    return 0;
  if (!json_is_array(list)) {
    sess__problem(d, "%s: practices must be a list", file);
    return 0;
  }
  json_array_foreach(list, i, p)
  {
    const char *id = json_string_value(json_object_get(p, "id"));
    snprintf(where, sizeof(where), "%s: practice %zu", file, i + 1);
    if (!id)
      sess__problem(d, "%s: needs an id", where);
    else if (n + 1 < cap)
      ids[n++] = id;
    if (sess__text_load(d, json_object_get(p, "label"), &label, where) == AG_OK)
      check_yo(d, where, label.s[SESS_RU]);
  }
  ids[n] = NULL;
  return 1;
}

/* The SMS confirmations the file carries beside the tips (sms/sms_tips.c sends them): `on`, the
 * first message after an opt-in, must name the STOP word of its language, `off`, the answer to
 * STOP, and `off_all`, the answer to a STOP that also ended the school's messages (decision 93),
 * the START word (words that sms_keyword_match() takes); each one SMS part even as UCS-2. */
static void check_confirmations(struct sess_diag *d, json_t *doc, const char *file)
{
  static const char *const names[3] = {"on", "off", "off_all"};
  static const char *const words[3][SESS_NLANG] = {
      {"ТОҚТА", "СТОП", "STOP"}, {"БАСТАУ", "СТАРТ", "START"}, {"БАСТАУ", "СТАРТ", "START"}};
  json_t *conf = json_object_get(doc, "confirmations");
  char where[256];

  if (!json_is_object(conf)) {
    sess__problem(d,
                  "%s: needs \"confirmations\" {\"on\", \"off\", \"off_all\"}: the SMS sent after "
                  "an opt-in and after STOP (tips only, or the school's messages too)",
                  file);
    return;
  }
  for (int k = 0; k < 3; k++) {
    struct sess_text t;
    snprintf(where, sizeof(where), "%s: confirmation '%s'", file, names[k]);
    if (sess__text_load(d, json_object_get(conf, names[k]), &t, where) != AG_OK)
      continue;
    for (int l = 0; l < SESS_NLANG; l++) {
      struct ag_text_cost cost;
      if (ag_text_measure(t.s[l], strlen(t.s[l]), &cost) == AG_OK &&
          cost.ucs2_units > TIP_MAX_UNITS)
        sess__problem(d, "%s (%s): %zu characters, more than %d: one SMS part even as UCS-2", where,
                      ag_lang_code(l), cost.ucs2_units, TIP_MAX_UNITS);
      if (!strstr(t.s[l], words[k][l]))
        sess__problem(d, "%s (%s): must name the word %s (the one that %s the tips)", where,
                      ag_lang_code(l), words[k][l], k == 0 ? "stops" : "starts");
    }
    check_yo(d, where, t.s[SESS_RU]);
  }
}

int sess__tips_rules(struct sess_diag *d, const struct sess_content *c, json_t *doc,
                     const char *file)
{
  const char *practices[64], *hit;
  char where[256], word[64], prev[64];
  int count = d->count, has_practices;
  json_t *drafts = json_object_get(doc, "draft_languages");

  if (drafts && !(json_is_array(drafts) && (json_array_size(drafts) == 0 || lang_list_ok(drafts))))
    sess__problem(d, "%s: draft_languages must list kk, ru or en, each once", file);
  check_review(d, doc, file);
  check_confirmations(d, doc, file);
  has_practices = practices_of(d, doc, file, practices, AG_ARRAY_LEN(practices));
  for (size_t b = 0; b < c->n_bands; b++) {
    snprintf(where, sizeof(where), "%s: band '%s'", file, c->bands[b].id ? c->bands[b].id : "?");
    check_yo(d, where, c->bands[b].label.s[SESS_RU]);
  }
  for (size_t i = 0; i < c->n_tips; i++) {
    const struct sess_tip *t = &c->tips[i];
    snprintf(where, sizeof(where), "%s: tip '%s'", file, t->id ? t->id : "?");
    if (has_practices && t->practice) {
      size_t p;
      for (p = 0; practices[p] && strcmp(practices[p], t->practice) != 0; p++)
        ;
      if (!practices[p])
        sess__problem(d, "%s: practice '%s' is not in the practices list", where, t->practice);
    }
    for (size_t j = 0; j < i && t->id; j++)
      if (c->tips[j].id && strcmp(c->tips[j].id, t->id) == 0)
        sess__problem(d, "%s: the id is used twice", where);
    for (int l = 0; l < SESS_NLANG; l++) {
      const char *s = t->text.s[l];
      struct ag_text_cost cost;
      /* UCS-2 texts are held to one part with the screens (sess_check.c); GSM-7 ones here. */
      if (ag_text_measure(s, strlen(s), &cost) == AG_OK && cost.enc == AG_ENC_GSM7 &&
          cost.ucs2_units > TIP_MAX_UNITS)
        sess__problem(d,
                      "%s (%s): %zu characters, more than %d: a tip stays one SMS part even as "
                      "UCS-2",
                      where, ag_lang_code(l), cost.ucs2_units, TIP_MAX_UNITS);
      for (size_t j = 0; j < i && *s; j++)
        if (strcmp(c->tips[j].text.s[l], s) == 0)
          sess__problem(d, "%s (%s): the same text as tip '%s'", where, ag_lang_code(l),
                        c->tips[j].id ? c->tips[j].id : "?");
      if (t->band && strcmp(t->band, "pre") == 0 &&
          (hit = find_word(small_words, AG_ARRAY_LEN(small_words), s, word, prev)))
        sess__problem(d,
                      "%s (%s): a pre-school tip names '%s%s%s', a small object (a choking "
                      "risk under three): use large ones",
                      where, ag_lang_code(l), strchr(hit, ' ') ? prev : "",
                      strchr(hit, ' ') ? " " : "", word);
    }
    check_yo(d, where, t->text.s[SESS_RU]);
  }
  return d->count > count ? AG_ECONTENT : AG_OK;
}
