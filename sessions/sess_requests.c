/* sess_requests.c: "Requests from the school" (issue 13; docs/decisions.md, "Requests from the
 * school in the USSD menu"), reached through a content node of type `requests` (in
 * content/school_link.json, after "who is answering", so the answer carries the relation).
 *
 * The requests are the profile's: the open requests of the schools the phone is linked to, read
 * with the profile at the session's first hop and frozen with it (decision 46), newest first,
 * at most SESS_MAX_REQUESTS. Every screen is a pure function of the profile, the budget, the
 * language and the inputs, as the engine's are, so a replayed hop gets the same screen.
 *
 * Screens: the list (a label per request: the start of its text); the request's text, paged
 * here (a prompt does not page in the renderer) with "99 More" and "0 Back" on each page, then
 * the three answers as the SMS names them (1 I can help, 2 Not this time, 3 Tell me more); when
 * the text and the answers fit one screen, as the school's budget check aims for, they share it.
 * "Tell me more" is stored as an answer (the SMS's 3 is too) and shows the school, the kind,
 * when, how many people, until when answers are taken, and that a parent who shares the number
 * may be called; then 1 I can help, 2 Not this time. "I can help" asks whether to share the
 * number with this school for this request, then a first name or 0 to skip.
 */
#include "sessions/sess-internal.h"
#include "lib/ag_text.h"
#include "lib/ag.h"

#include <stdio.h>
#include <string.h>

#define LABEL_CHARS 15 /* of a list label, "…" included: three fit a 75-unit screen */

static const char *const answer_value[3] = {"help", "not_now", "more"};
static const char *const answer_key[3] = {"req_help", "req_not_now", "req_more"};

/* The request's text in lang: kk in a kk session when the school wrote it, else ru (a school
 * writes kk and/or ru); *other is set when it is not the session's language. */
static const char *text_in(const struct sess_request *r, enum sess_lang lang, int *other)
{
  const char *t = lang == SESS_KK && *r->text_kk ? r->text_kk
                  : *r->text_ru                  ? r->text_ru
                                                 : r->text_kk;

  *other = lang == SESS_EN || (t == r->text_kk) != (lang == SESS_KK);
  return t;
}

/* "YYYY-MM-DD" as "DD.MM.YYYY", the way dates are written in Kazakhstan in all three languages. */
static void date_of(const char *iso, char *out, size_t len)
{
  if (strlen(iso) == 10)
    snprintf(out, len, "%.2s.%.2s.%.4s", iso + 8, iso + 5, iso);
  else
    snprintf(out, len, "%s", iso);
}

static void build_body(const struct sess_content *c, const struct sess_request *r,
                       enum sess_lang lang, int more, char *out, size_t len)
{
  char key[32], date[16];
  size_t n;
  int other;
  const char *t = text_in(r, lang, &other);

  if (!more) {
    if (other) /* framed in the session's language: "The school writes in Russian:" */
      snprintf(out, len, "%s\n%s",
               sess_string(c, t == r->text_kk ? "req_in_kk" : "req_in_ru", lang), t);
    else
      snprintf(out, len, "%s", t);
    return;
  }
  snprintf(key, sizeof(key), "req_kind_%s", r->kind);
  n = (size_t)snprintf(out, len, "%s\n%s.", r->school, sess_string(c, key, lang));
  if (r->needed_on[0] && n < len) {
    date_of(r->needed_on, date, sizeof(date));
    n += (size_t)snprintf(out + n, len - n, " %s: %s.", sess_string(c, "req_d_when", lang), date);
  }
  if (r->people > 0 && n < len)
    n += (size_t)snprintf(out + n, len - n, " %s: %d.", sess_string(c, "req_d_people", lang),
                          r->people);
  if (r->closes_on[0] && n < len) {
    date_of(r->closes_on, date, sizeof(date));
    n += (size_t)snprintf(out + n, len - n, " %s: %s.", sess_string(c, "req_d_until", lang), date);
  }
  if (n < len)
    snprintf(out + n, len - n, " %s", sess_string(c, "req_d_call", lang));
}

/* The navigation a text page ends with. */
static void nav_of(const struct sess_content *c, enum sess_lang lang, char *out, size_t len)
{
  snprintf(out, len, "99 %s\n0 %s", sess_string(c, "more", lang), sess_string(c, "back", lang));
}

/* Bytes of body from off that one text page shows (at least one character), and where the next
 * page starts. Greedy, so the same text always pages the same way: a page is cut after the last
 * space that leaves it at least half full, else within a word. No room is kept for the error
 * line: after a wrong key the renderer drops the text and keeps "99" and "0" (docs/content.md),
 * and every page holds more of the text, which saves the parent hops. */
static size_t page_cut(const struct sess_content *c, const struct sess_budget *b,
                       enum sess_lang lang, const char *body, size_t off, size_t *next)
{
  char nav[128];
  struct ag_text_cost all, fixed;
  size_t len = strlen(body + off), room, k, units;
  enum ag_enc enc;

  nav_of(c, lang, nav, sizeof(nav));
  ag_text_measure(body, strlen(body), &all);
  ag_text_measure(nav, strlen(nav), &fixed);
  enc = all.enc == AG_ENC_GSM7 && fixed.enc == AG_ENC_GSM7 ? AG_ENC_GSM7 : AG_ENC_UCS2;
  units = (enc == AG_ENC_GSM7 ? fixed.septets : fixed.ucs2_units) + 1; /* and its newline */
  room = (size_t)(enc == AG_ENC_GSM7 ? b->gsm7 : b->ucs2);
  room = room > units ? room - units : 0;
  k = ag_text_fit(body + off, len, enc, room);
  if (k >= len) {
    *next = off + len;
    return len;
  }
  if (k == 0) { /* not even one character: show one, the budget check reports the rest */
    unsigned cp;
    if (ag_text_utf8_next(body + off, len, &cp, &k) != AG_OK)
      k = len;
    *next = off + k;
    return k;
  }
  for (size_t i = k; i > k / 2; i--)
    if (body[off + i] == ' ' || body[off + i] == '\n') {
      *next = off + i + 1;
      return i;
    }
  *next = off + k;
  return k;
}

/* The number of text pages of q->body (0: it shares one screen with the answers), and the
 * bounds of page `chunk` when there is one. */
static size_t text_pages(const struct sess_content *c, const struct sess_budget *b,
                         enum sess_lang lang, const struct sess_req_run *q, size_t n_items,
                         struct sess_item *items, size_t chunk, size_t *from, size_t *to)
{
  struct sess_screen one;
  size_t units, limit, pages = 0, off = 0, len = strlen(q->body);

  memset(&one, 0, sizeof(one));
  one.prompt = q->body;
  one.items = items;
  one.n_items = n_items;
  one.tail = "";
  if (sess__page_units(c, b, &one, lang, 0, n_items, 0, 0, &units, &limit) == AG_OK &&
      units <= limit)
    return 0;
  while (off < len) {
    size_t next, k = page_cut(c, b, lang, q->body, off, &next);
    if (pages == chunk) {
      *from = off;
      *to = off + k;
    }
    pages++;
    off = next;
  }
  return pages;
}

static size_t answer_items(const struct sess_content *c, enum sess_lang lang,
                           const struct sess_req_run *q, struct sess_item *items)
{
  size_t n = q->stage == SESS_REQ_MORE ? 2 : 3;

  for (size_t i = 0; i < n; i++) {
    items[i].value = answer_value[i];
    items[i].label = sess_string(c, answer_key[i], lang);
  }
  return n;
}

/* A list label: the start of the text, cut after a word when one ends in the first
 * LABEL_CHARS - 1 characters, with "…" when cut. */
static void label_of(const char *t, char *out, size_t len)
{
  size_t n = strlen(t), k = ag_text_fit(t, n, AG_ENC_UCS2, LABEL_CHARS - 1), cut = k;
  size_t start = strspn(t, " \n");

  if (start > 0 && start < n) {
    t += start;
    n -= start;
    k = cut = ag_text_fit(t, n, AG_ENC_UCS2, LABEL_CHARS - 1);
  }
  if (k >= n) {
    snprintf(out, len, "%s", t);
    for (char *p = out; *p; p++)
      if (*p == '\n')
        *p = ' ';
    return;
  }
  for (size_t i = k; i > k / 2; i--)
    if (t[i] == ' ' || t[i] == '\n') {
      cut = i;
      break;
    }
  while (cut > 0 && (t[cut - 1] == ' ' || t[cut - 1] == ',' || t[cut - 1] == '.'))
    cut--;
  snprintf(out, len, "%.*s…", (int)cut, t);
  for (char *p = out; *p; p++)
    if (*p == '\n')
      *p = ' ';
}

void sess__req_enter(struct sess_req_run *q, const struct sess_profile *p)
{
  memset(q, 0, sizeof(*q));
  q->stage = p && p->n_req ? SESS_REQ_LIST : SESS_REQ_DONE;
  if (q->stage == SESS_REQ_DONE)
    q->done_key = "req_none";
}

void sess__req_screen(const struct sess_content *c, const struct sess_budget *b,
                      const struct sess_node *n, const struct sess_profile *p, enum sess_lang lang,
                      struct sess_req_run *q, struct sess_item *items, struct sess_screen *s)
{
  size_t from = 0, to = 0, pages, n_items;
  int other;

  memset(s, 0, sizeof(*s));
  s->items = items;
  s->tail = "";
  switch (q->stage) {
  case SESS_REQ_LIST:
    s->prompt = n->text.s[lang];
    for (size_t i = 0; p && i < p->n_req && i < SESS_MAX_REQUESTS; i++) {
      label_of(text_in(&p->req[i], lang, &other), q->label[i], sizeof(q->label[i]));
      items[i].value = NULL;
      items[i].label = q->label[i];
      s->n_items++;
    }
    return;
  case SESS_REQ_TEXT:
  case SESS_REQ_MORE:
    build_body(c, &p->req[q->pick], lang, q->stage == SESS_REQ_MORE, q->body, sizeof(q->body));
    n_items = answer_items(c, lang, q, items);
    pages = text_pages(c, b, lang, q, n_items, items, q->chunk, &from, &to);
    if (pages == 0) { /* the text and its answers on one screen */
      s->prompt = q->body;
      s->n_items = n_items;
    } else if (q->chunk < pages) {
      snprintf(q->page, sizeof(q->page), "%.*s", (int)(to - from), q->body + from);
      nav_of(c, lang, q->tail, sizeof(q->tail));
      s->prompt = q->page;
      s->tail = q->tail;
    } else {
      s->prompt = sess_string(c, "req_answer", lang);
      s->n_items = n_items;
      s->can_back = 1;
    }
    return;
  case SESS_REQ_SHARE:
    s->prompt = sess_string(c, "req_share", lang);
    items[0].label = sess_string(c, "yes", lang);
    items[1].label = sess_string(c, "no", lang);
    s->n_items = 2;
    return;
  case SESS_REQ_NAME:
    s->prompt = sess_string(c, "req_name", lang);
    snprintf(q->tail, sizeof(q->tail), "0 %s", sess_string(c, "skip", lang));
    s->tail = q->tail;
    s->error_key = "req_bad_name";
    return;
  case SESS_REQ_DONE:
    s->prompt = sess_string(c, q->done_key, lang);
    return;
  }
}

static void effect_answer(const struct sess_request *r, const char *relation, const char *value,
                          struct sess_effect *eff)
{
  eff->kind = SESS_EFFECT_SCHOOL_ANSWER;
  eff->request_id = r->id;
  eff->relation = relation;
  eff->value = value;
  eff->sms = -1;
}

static void effect_share(const struct sess_request *r, const char *relation, int share,
                         struct sess_effect *eff)
{
  eff->kind = SESS_EFFECT_SCHOOL_SHARE;
  eff->request_id = r->id;
  eff->relation = relation;
  eff->share = share;
  eff->sms = -1;
}

static void done(struct sess_req_run *q, const char *key)
{
  q->stage = SESS_REQ_DONE;
  q->done_key = key;
}

int sess__req_apply(const struct sess_content *c, const struct sess_budget *b,
                    const struct sess_node *n, const struct sess_profile *p, enum sess_lang lang,
                    struct sess_req_run *q, const char *relation, const char *in,
                    struct sess_effect *eff)
{
  struct sess_item items[3];
  const struct sess_request *r = p && q->pick < p->n_req ? &p->req[q->pick] : NULL;
  size_t from, to, pages, n_items;
  int k = -1;

  (void)n;
  if (in[0] >= '0' && in[0] <= '9' && in[1] == '\0')
    k = in[0] - '0';
  switch (q->stage) {
  case SESS_REQ_LIST:
    if (k < 1 || !p || (size_t)k > p->n_req || k > SESS_MAX_REQUESTS)
      return AG_EINVAL;
    q->pick = (size_t)k - 1;
    q->chunk = 0;
    q->stage = SESS_REQ_TEXT;
    return AG_OK;
  case SESS_REQ_TEXT:
  case SESS_REQ_MORE:
    build_body(c, r, lang, q->stage == SESS_REQ_MORE, q->body, sizeof(q->body));
    n_items = answer_items(c, lang, q, items);
    pages = text_pages(c, b, lang, q, n_items, items, 0, &from, &to);
    if (pages > 0 && q->chunk < pages) { /* a page of text: 99 on, 0 back */
      if (strcmp(in, "99") == 0)
        q->chunk++;
      else if (k == 0 && q->chunk > 0)
        q->chunk--;
      else if (k == 0)
        q->stage = q->stage == SESS_REQ_MORE ? SESS_REQ_TEXT : SESS_REQ_LIST;
      else
        return AG_EINVAL;
      return AG_OK;
    }
    if (k == 0 && pages > 0) {
      q->chunk = pages - 1;
      return AG_OK;
    }
    if (k < 1 || (size_t)k > n_items)
      return AG_EINVAL;
    effect_answer(r, relation, answer_value[k - 1], eff);
    q->chunk = 0;
    if (k == 1)
      q->stage = SESS_REQ_SHARE;
    else if (k == 2)
      done(q, "req_noted");
    else
      q->stage = SESS_REQ_MORE;
    return AG_OK;
  case SESS_REQ_SHARE:
    if (k != 1 && k != 2)
      return AG_EINVAL;
    if (k == 1) {
      q->stage = SESS_REQ_NAME;
      return AG_OK;
    }
    effect_share(r, relation, 0, eff); /* "no" withdraws an earlier share of this request */
    done(q, "req_thanks");
    return AG_OK;
  case SESS_REQ_NAME:
    if (strcmp(in, "0") != 0 && sess_first_name(in, eff->first_name) != AG_OK)
      return AG_EINVAL;
    effect_share(r, relation, 1, eff);
    done(q, "req_shared");
    return AG_OK;
  case SESS_REQ_DONE:
    return AG_OK;
  }
  return AG_EINVAL;
}

int sess__req_sample(const struct sess_content *c, const struct sess_node *n, enum sess_lang lang,
                     int k, struct sess_req_run *q, struct sess_item *items, struct sess_screen *s,
                     int *end)
{
  static const char *const closing[] = {"req_none", "req_noted", "req_thanks", "req_shared"};
  static const struct sess_budget any = {SESS_SCREEN_MAX, SESS_SCREEN_MAX};
  /* Labels as long as a list shows them, in the widest letters. */
  struct sess_request r = {1, "other", "", "ЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖ", "", "", "", 0};
  struct sess_request rs[SESS_MAX_REQUESTS] = {r, r, r};
  struct sess_profile p;

  memset(&p, 0, sizeof(p));
  memset(q, 0, sizeof(*q));
  p.req = rs;
  p.n_req = SESS_MAX_REQUESTS;
  *end = 0;
  switch (k) {
  case 0:
    q->stage = SESS_REQ_LIST;
    break;
  case 1: /* the answers' page after the text's pages, and after "Tell me more" */
  case 2:
    q->stage = k == 1 ? SESS_REQ_TEXT : SESS_REQ_MORE;
    memset(s, 0, sizeof(*s));
    s->items = items;
    s->tail = "";
    s->prompt = sess_string(c, "req_answer", lang);
    s->n_items = answer_items(c, lang, q, items);
    s->can_back = 1;
    return 1;
  case 3:
    q->stage = SESS_REQ_SHARE;
    break;
  case 4:
    q->stage = SESS_REQ_NAME;
    break;
  default:
    if (k - 5 >= (int)AG_ARRAY_LEN(closing))
      return 0;
    done(q, closing[k - 5]);
    *end = 1;
    break;
  }
  sess__req_screen(c, &any, n, &p, lang, q, items, s);
  return 1;
}
