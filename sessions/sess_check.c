/* sess_check.c: the checks that need a whole snapshot: every screen within budget in every
 * language after paging, every node reachable, tips within one SMS. sess_content_load() stops at
 * the first problem; sess_lint() (`aulgate lint`) reports them all.
 */
#include "sessions/sess-internal.h"
#include "lib/ag_collate.h"
#include "lib/ag_text.h"
#include "lib/ag.h"

#include <string.h>

static const char *lang_name(int l)
{
  return sess_lang_code((enum sess_lang)l);
}

/* Checks every page of a screen, without and with the error line. */
static void check_screen(struct sess_diag *d, const struct sess_content *c,
                         const struct sess_budget *b, const struct sess_screen *s, int lang,
                         int end, const char *what)
{
  char page[SESS_SCREEN_MAX];
  size_t first[SESS_MAX_OPTIONS + 1], pages, units = 0, limit = 0, bad;

  pages = sess__paginate(c, b, s, (enum sess_lang)lang, first, AG_ARRAY_LEN(first), &bad);
  if (pages == 0 && s->n_items == 0) {
    sess__page_units(c, b, s, (enum sess_lang)lang, 0, 0, 0, s->can_back, &units, &limit);
    sess__problem(d, "%s (%s): screen over budget: %zu characters, budget %zu", what,
                  lang_name(lang), units, limit);
    return;
  }
  if (pages == 0) {
    /* The smallest page that could hold the item: prompt, the item, and its navigation. */
    sess__page_units(c, b, s, (enum sess_lang)lang, bad, bad + 1, bad + 1 < s->n_items,
                     bad > 0 || s->can_back, &units, &limit);
    sess__problem(d, "%s (%s): option %zu does not fit on a page: %zu characters, budget %zu", what,
                  lang_name(lang), bad + 1, units, limit);
    return;
  }
  for (size_t p = 0; p < pages && !end; p++) {
    if (sess__render_page(c, b, s, (enum sess_lang)lang, p, 1, page, sizeof(page)) ||
        sess__screen_cost(b, page, &units, &limit) || units > limit) {
      sess__problem(d, "%s (%s), page %zu with the error line: %zu characters, budget %zu", what,
                    lang_name(lang), p + 1, units, limit);
      return;
    }
  }
}

/* The strings the item "Requests from the school" shows (sess_requests.c). */
static const char *const req_keys[] = {
    "req_none",       "req_answer",         "req_help",           "req_not_now",
    "req_more",       "req_in_kk",          "req_in_ru",          "req_share",
    "req_name",       "req_bad_name",       "req_noted",          "req_thanks",
    "req_shared",     "req_d_when",         "req_d_people",       "req_d_until",
    "req_d_call",     "req_kind_talk",      "req_kind_repair",    "req_kind_trip",
    "req_kind_other", "req_kind_materials", "req_kind_event_help"};

/* A `requests` node: its strings in every language, and its fixed screens within budget (the
 * pages of a request's text are cut to fit as they are shown). */
static void check_requests(struct sess_diag *d, const struct sess_content *c,
                           const struct sess_budget *b, const struct sess_survey *sv,
                           const struct sess_node *n)
{
  static struct sess_req_run q; /* 3 KiB: not on the stack of a SIGHUP reload */
  struct sess_item items[SESS_MAX_OPTIONS];
  struct sess_screen s;
  char what[256];
  int end;

  for (int l = 0; l < SESS_NLANG; l++) {
    int missing = 0;
    for (size_t k = 0; k < AG_ARRAY_LEN(req_keys); k++)
      if (!*sess_string(c, req_keys[k], (enum sess_lang)l))
        missing = sess__problem(d, "%s: node '%s' needs string '%s' (%s) in %s", sv->file, n->id,
                                req_keys[k], lang_name(l), c->strings_file);
    if (missing)
      continue;
    for (int k = 0; sess__req_sample(c, n, (enum sess_lang)l, k, &q, items, &s, &end); k++) {
      snprintf(what, sizeof(what), "%s: node '%s', screen %d", sv->file, n->id, k + 1);
      check_screen(d, c, b, &s, l, end, what);
    }
  }
}

static void check_node(struct sess_diag *d, const struct sess_content *c,
                       const struct sess_budget *b, const struct sess_survey *sv,
                       const struct sess_node *n)
{
  struct sess_item items[SESS_MAX_OPTIONS];
  struct sess_screen s;
  char tail[128], what[256];
  int end = n->type == SESS_NODE_END;

  if (n->broken)
    return; /* its problem is reported already; its screens would only repeat it */
  if (n->type == SESS_NODE_REQUESTS) {
    check_requests(d, c, b, sv, n);
    return;
  }

  for (int l = 0; l < SESS_NLANG; l++) {
    if (n->source != SESS_SOURCE_DISTRICTS) {
      snprintf(what, sizeof(what), "%s: node '%s'", sv->file, n->id);
      sess__node_screen(c, n, NULL, (enum sess_lang)l, items, tail, sizeof(tail), &s);
      if ((n->type == SESS_NODE_CHOICE || n->type == SESS_NODE_MENU) && s.n_items == 0)
        sess__problem(d, "%s: empty option list (%s)", what,
                      n->source ? "no places loaded" : "no options");
      else
        check_screen(d, c, b, &s, l, end, what);
      continue;
    }
    if (n->region_node < 0) {
      sess__problem(d, "%s: node '%s': districts need an earlier regions question", sv->file,
                    n->id);
      return;
    }
    for (size_t i = 0; i < c->n_places; i++) { /* one screen per region */
      if (c->places[i].region)
        continue;
      snprintf(what, sizeof(what), "%s: node '%s' for region '%s'", sv->file, n->id,
               c->places[i].code);
      sess__node_screen(c, n, c->places[i].code, (enum sess_lang)l, items, tail, sizeof(tail), &s);
      if (s.n_items == 0)
        sess__problem(d, "%s: empty option list (no districts)", what);
      else
        check_screen(d, c, b, &s, l, 0, what);
    }
  }
}

static void check_engine_screens(struct sess_diag *d, const struct sess_content *c,
                                 const struct sess_budget *b)
{
  struct sess_item items[SESS_MAX_OPTIONS];
  struct sess_screen s;
  char tail[128], what[160], offer[160], sms[160], bands[160];
  const char *tips = c->tips_file ? c->tips_file : "tips";

  snprintf(offer, sizeof(offer), "%s: resume offer", c->strings_file);
  snprintf(sms, sizeof(sms), "%s: SMS tips switch", c->strings_file);
  snprintf(bands, sizeof(bands), "%s: band menu", tips);
  for (int l = 0; l < SESS_NLANG; l++) {
    enum sess_lang lang = (enum sess_lang)l;
    memset(&s, 0, sizeof(s));
    s.items = items;
    s.tail = "";
    s.prompt = sess_string(c, "resume_prompt", lang);
    items[0].label = sess_string(c, "resume", lang);
    items[1].label = sess_string(c, "start_over", lang);
    s.n_items = 2;
    check_screen(d, c, b, &s, l, 0, offer);
    items[0].label = sess_string(c, "sms_on", lang);
    items[1].label = sess_string(c, "sms_off", lang);
    s.can_back = 1;
    /* the switch as it shows the caller's state: unknown, on, off */
    for (int k = 0; k < 3; k++) {
      static const char *const prompt[3] = {"sms_prompt", "sms_prompt_on", "sms_prompt_off"};
      s.prompt = sess_string(c, prompt[k], lang);
      check_screen(d, c, b, &s, l, 0, sms);
    }
    s.prompt = sess_string(c, "tips_prompt", lang);
    s.n_items = 0;
    for (size_t i = 0; i < c->n_bands && i < SESS_MAX_OPTIONS; i++)
      items[s.n_items++].label = c->bands[i].label.s[l];
    check_screen(d, c, b, &s, l, 0, bands);
    s.n_items = 0;
    s.can_back = 0;
    (void)tail;
    for (size_t i = 0; i < c->n_tips; i++) {
      struct ag_text_cost cost;
      const char *t = c->tips[i].text.s[l];
      snprintf(what, sizeof(what), "%s: tip '%s'", tips, c->tips[i].id);
      s.prompt = t;
      check_screen(d, c, b, &s, l, 1, what); /* a tip is an END screen */
      /* A tip also goes out by SMS: one segment, 70 UCS-2 or 160 GSM-7 characters. */
      if (ag_text_measure(t, strlen(t), &cost) == AG_OK &&
          ag_text_units(&cost) > (cost.enc == AG_ENC_UCS2 ? 70u : 160u))
        sess__problem(d, "%s (%s): %zu characters, more than one SMS segment (%u)", what,
                      lang_name(l), ag_text_units(&cost), cost.enc == AG_ENC_UCS2 ? 70 : 160);
    }
  }
  for (size_t i = 0; i < c->n_tips; i++) {
    size_t k;
    if (!c->tips[i].band)
      continue; /* the loader has reported it: a tip needs id, band and practice */
    for (k = 0; k < c->n_bands && (!c->bands[k].id || strcmp(c->bands[k].id, c->tips[i].band) != 0);
         k++)
      ;
    if (k == c->n_bands)
      sess__problem(d, "%s: tip '%s': band '%s' is not in the bands list", tips, c->tips[i].id,
                    c->tips[i].band);
  }
}

/* The files check_reachable() follows: sess_content.c loads at most this many. */
#define REACH_FILES 64

/* The work list of check_reachable(): a node is marked when pushed, never pushed twice, so the
 * list never holds more than every node once (a menu of 128 nodes x 98 options pushes 12,544
 * gotos if marked when popped). */
struct reach {
  unsigned char seen[REACH_FILES][SESS_MAX_NODES];
  struct sess_goto stack[REACH_FILES * SESS_MAX_NODES];
  size_t top;
};

static void reach_push(struct reach *r, const struct sess_content *c, struct sess_goto g)
{
  if (g.file < 0 || (size_t)g.file >= c->n_surveys || g.file >= REACH_FILES || g.node < 0 ||
      (size_t)g.node >= c->surveys[g.file].n_nodes || g.node >= SESS_MAX_NODES ||
      r->seen[g.file][g.node])
    return;
  r->seen[g.file][g.node] = 1;
  r->stack[r->top++] = g;
}

/* Marks what can be reached from every file's start (and first_visit); reports the rest. */
static void check_reachable(struct sess_diag *d, const struct sess_content *c)
{
  static struct reach r; /* 72 KiB: too big for the stack of a SIGHUP reload */

  memset(&r, 0, sizeof(r));
  for (size_t f = 0; f < c->n_surveys && f < REACH_FILES; f++) {
    reach_push(&r, c, (struct sess_goto){(int)f, c->surveys[f].start});
    reach_push(&r, c, (struct sess_goto){(int)f, c->surveys[f].first_visit});
  }
  while (r.top > 0) {
    struct sess_goto g = r.stack[--r.top];
    const struct sess_node *n = &c->surveys[g.file].nodes[g.node];
    reach_push(&r, c, n->next);
    for (size_t i = 0; i < n->n_options; i++)
      reach_push(&r, c, n->options[i].go);
  }
  for (size_t f = 0; f < c->n_surveys && f < REACH_FILES; f++)
    for (size_t k = 0; k < c->surveys[f].n_nodes; k++)
      if (c->surveys[f].id && c->surveys[f].start >= 0 && !r.seen[f][k])
        sess__problem(d, "%s: node '%s' is unreachable", c->surveys[f].file,
                      c->surveys[f].nodes[k].id);
}

/* The error lines are one short line: on a crowded screen they give way (sess_render.c), and a
 * long one would give way everywhere. */
#define ERROR_LINE_MAX 40

static void check_error_lines(struct sess_diag *d, const struct sess_content *c)
{
  static const char *const keys[] = {"invalid", "bad_number", "req_bad_name"};

  for (size_t k = 0; k < AG_ARRAY_LEN(keys); k++) {
    for (int l = 0; l < SESS_NLANG; l++) {
      const char *t = sess_string(c, keys[k], (enum sess_lang)l);
      struct ag_text_cost cost;
      if (ag_text_measure(t, strlen(t), &cost) == AG_OK && cost.ucs2_units > ERROR_LINE_MAX)
        sess__problem(d, "%s: string '%s' (%s): the error line is %zu characters, more than %d",
                      c->strings_file, keys[k], lang_name(l), cost.ucs2_units, ERROR_LINE_MAX);
    }
  }
}

/* Is value an answer node q can give? */
static int answer_possible(const struct sess_content *c, const struct sess_node *q,
                           const char *value)
{
  const struct sess_place *p;

  switch (q->type) {
  case SESS_NODE_YESNO:
    return strcmp(value, "yes") == 0 || strcmp(value, "no") == 0;
  case SESS_NODE_CHOICE:
    if (q->source != SESS_SOURCE_NONE) {
      p = sess__place_find(c, value);
      return p && (q->source == SESS_SOURCE_REGIONS) == (p->region == NULL);
    }
    for (size_t i = 0; i < q->n_options; i++)
      if (q->options[i].value && strcmp(q->options[i].value, value) == 0)
        return 1;
    return 0;
  case SESS_NODE_NUMBER:
    return strspn(value, "0123456789") == strlen(value) || (q->optional && !strcmp(value, "skip"));
  case SESS_NODE_TEXT:
    return 1;
  case SESS_NODE_MENU:
  case SESS_NODE_END:
  case SESS_NODE_REQUESTS:
    break;
  }
  return 0; /* a menu or an END stores no answer */
}

/* A skip condition tests values its question can give, or kinds of the places it offers: a
 * value no option has (a typo, an option renamed in a new version) would make the condition
 * silently always false (`in`) or always true (`not_in`). A question later in the file is
 * allowed: unanswered, it is in no list (tests/data/content/render/skip.json relies on it). */
static void check_cond(struct sess_diag *d, const struct sess_content *c,
                       const struct sess_survey *sv, int node, const struct sess_cond *w)
{
  const struct sess_node *n = &sv->nodes[node], *q;
  int kind = w->op == SESS_COND_KIND_IN || w->op == SESS_COND_KIND_NOT_IN;

  if (w->op == SESS_COND_ALL || w->op == SESS_COND_ANY) {
    for (size_t i = 0; i < w->n_kids; i++)
      check_cond(d, c, sv, node, &w->kids[i]);
    return;
  }
  q = &sv->nodes[w->q];
  if (kind && q->source == SESS_SOURCE_NONE) {
    sess__problem(d, "%s: node '%s': 'kind_in'/'kind_not_in' tests '%s', which offers no places",
                  sv->file, n->id, q->id);
    return;
  }
  for (size_t i = 0; i < w->n_values; i++) {
    const char *v = w->values[i];
    int ok = !kind ? answer_possible(c, q, v)
             : q->source == SESS_SOURCE_REGIONS
                 ? strcmp(v, "region") == 0 || strcmp(v, "city") == 0
                 : strcmp(v, "district") == 0 || strcmp(v, "city") == 0;
    if (!ok)
      sess__problem(d, "%s: node '%s': 'when' tests '%s' for %s'%s', which it %s", sv->file, n->id,
                    q->id, kind ? "kind " : "", v,
                    kind ? "cannot be (region or city; district or city)" : "cannot answer");
  }
}

static void check_all(struct sess_diag *d, const struct sess_content *c,
                      const struct sess_budget *b)
{
  int wants_survey = 0;

  check_error_lines(d, c);
  for (size_t f = 0; f < c->n_surveys; f++) {
    const struct sess_survey *sv = &c->surveys[f];
    if (!sv->id || sv->start < 0)
      continue;
    for (size_t k = 0; k < sv->n_nodes; k++) {
      check_node(d, c, b, sv, &sv->nodes[k]);
      if (sv->nodes[k].when && !sv->nodes[k].broken)
        check_cond(d, c, sv, (int)k, sv->nodes[k].when);
      for (size_t i = 0; i < sv->nodes[k].n_options; i++)
        wants_survey |= sv->nodes[k].options[i].action == SESS_ACTION_SURVEY;
    }
  }
  if (wants_survey && !sess__survey_find(c, "involvement"))
    sess__problem(d, "a menu offers the survey, but no survey file has id 'involvement'");
  check_engine_screens(d, c, b);
  check_reachable(d, c);
}

/* A place name is sorted in its language's alphabet (lib/ag_collate.h): a letter of another
 * alphabet (a Kazakh letter in a Russian name, as "Ақсуат" for "Аксуатский") would sort apart
 * and reads as a typo. Checked on the places file (lint, and a load from the file alone), not on
 * the database's list: a name a department adds by SQL must not stop a reload. */
static void check_place_letters(struct sess_diag *d, const struct sess_content *c)
{
  for (size_t i = 0; i < c->n_places; i++) {
    for (int l = 0; l < SESS_NLANG; l++) {
      size_t at = 0;
      unsigned cp = ag_collate_foreign(c->places[i].name[l], l, &at);
      if (cp)
        sess__problem(d,
                      "places: '%s' (%s): \"%s\" has U+%04X at byte %zu, not a letter of the "
                      "%s alphabet",
                      c->places[i].code, lang_name(l), c->places[i].name[l], cp, at,
                      l == SESS_KK   ? "Kazakh"
                      : l == SESS_RU ? "Russian"
                                     : "Latin");
    }
  }
}

int sess_content_load(const char *dir, const struct sess_budget *budget,
                      const struct sess_place *places, size_t n_places, struct sess_content **out,
                      char *err, size_t errlen)
{
  struct sess_diag d = {NULL, 0, err, errlen};
  struct sess_content *c = NULL;
  int rc = sess__content_build(dir, budget, places, n_places, &d, &c);

  *out = NULL;
  if (rc == AG_OK) {
    check_all(&d, c, budget);
    if (!places)
      check_place_letters(&d, c);
    if (d.count)
      rc = AG_ECONTENT;
  }
  if (rc) {
    sess_content_unref(c);
    return rc;
  }
  *out = c;
  return AG_OK;
}

int sess_content_check(const struct sess_content *c, const struct sess_budget *budget, char *err,
                       size_t errlen)
{
  struct sess_diag d = {NULL, 0, err, errlen};

  check_all(&d, c, budget);
  return d.count ? AG_ECONTENT : AG_OK;
}

int sess_lint(const char *dir, const struct sess_budget *budget, FILE *out)
{
  struct sess_diag d = {out, 0, NULL, 0};
  struct sess_content *c = NULL;
  int rc = sess__content_build(dir, budget, NULL, 0, &d, &c);

  if (rc == AG_EIO || rc == AG_ENOMEM || !c) {
    sess_content_unref(c);
    return -1;
  }
  if (c->strings)
    check_all(&d, c, budget);
  check_place_letters(&d, c);
  sess_content_unref(c);
  return d.count;
}
