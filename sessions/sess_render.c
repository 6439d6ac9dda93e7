/* sess_render.c: screens as USSD text within a budget, split into pages when they do not fit.
 *
 * A page is the prompt, a run of numbered options (numbered across pages, so "7" means the same
 * option wherever it shows), the screen's tail (e.g. "0 Skip"), then "99 More" when pages follow
 * and "0 Back" after the first page. Pages are cut greedily, so the same screen always pages the
 * same way for the same budget: replay depends on it.
 */
#include "sessions/sess-internal.h"
#include "lib/ag_text.h"
#include "lib/ag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct out {
  char *p;
  size_t len, cap;
  int overflow;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
  va_list ap;
  int k;

  if (o->overflow)
    return;
  va_start(ap, fmt);
  k = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
  va_end(ap);
  if (k < 0 || (size_t)k >= o->cap - o->len)
    o->overflow = 1;
  else
    o->len += (size_t)k;
}

/* What one page shows besides its items. */
struct frame {
  const char *error; /* NULL: none */
  int prompt;
  int more, back;
  int later; /* a page after the first: the screen's prompt_more, when it has one */
};

static const char *prompt_of(const struct sess_screen *s, const struct frame *f)
{
  return f->later && s->prompt_more ? s->prompt_more : s->prompt;
}

static int compose(const struct sess_content *c, const struct sess_screen *s, enum sess_lang lang,
                   size_t from, size_t to, const struct frame *f, char *buf, size_t buflen)
{
  struct out o = {buf, 0, buflen, 0};
  const char *sep = "";

  buf[0] = '\0';
  if (f->error) {
    put(&o, "%s", f->error);
    sep = "\n";
  }
  if (f->prompt && *prompt_of(s, f)) {
    put(&o, "%s%s", sep, prompt_of(s, f));
    sep = "\n";
  }
  for (size_t i = from; i < to; i++) {
    put(&o, "%s%zu %s", sep, i + 1, s->items[i].label);
    sep = "\n";
  }
  if (*s->tail) {
    put(&o, "%s%s", sep, s->tail);
    sep = "\n";
  }
  if (f->more) {
    put(&o, "%s99 %s", sep, sess_string(c, "more", lang));
    sep = "\n";
  }
  if (f->back)
    put(&o, "%s0 %s", sep, sess_string(c, "back", lang));
  return o.overflow ? AG_E2BIG : AG_OK;
}

int sess__screen_cost(const struct sess_budget *b, const char *screen, size_t *units, size_t *limit)
{
  struct ag_text_cost cost;
  int rc = ag_text_measure(screen, strlen(screen), &cost);

  if (rc)
    return rc;
  *units = ag_text_units(&cost);
  *limit = (size_t)(cost.enc == AG_ENC_GSM7 ? b->gsm7 : b->ucs2);
  return AG_OK;
}

/* The costs of every line a screen may show, looked up once per screen. */
struct costs {
  struct sess_cost error, prompt, prompt_more, tail, more, back;
  struct sess_cost item[SESS_MAX_OPTIONS];
};

/* "N text": the number and its space are ASCII, so they add their length in both encodings. */
static void numbered(const struct sess_content *c, size_t n, const char *text,
                     struct sess_cost *out)
{
  size_t digits = n < 10 ? 1 : n < 100 ? 2 : 3;

  sess__cost_of(c, text, out);
  out->septets += digits + 1;
  out->ucs2 += digits + 1;
}

static void costs_build(const struct sess_content *c, const struct sess_screen *s,
                        enum sess_lang lang, const char *error, struct costs *k)
{
  sess__cost_of(c, error ? error : "", &k->error);
  sess__cost_of(c, s->prompt, &k->prompt);
  sess__cost_of(c, s->prompt_more ? s->prompt_more : s->prompt, &k->prompt_more);
  sess__cost_measure(s->tail, &k->tail);
  numbered(c, 99, sess_string(c, "more", lang), &k->more);
  numbered(c, 0, sess_string(c, "back", lang), &k->back);
  for (size_t i = 0; i < s->n_items && i < SESS_MAX_OPTIONS; i++)
    numbered(c, i + 1, s->items[i].label, &k->item[i]);
}

struct sum {
  size_t septets, ucs2, lines;
  int gsm;
};

static void add(struct sum *t, const struct sess_cost *c)
{
  t->septets += c->septets;
  t->ucs2 += c->ucs2;
  t->gsm &= c->gsm;
  t->lines++;
}

/* Does the page (what compose() would write) fit the budget? */
static int fits(const struct sess_budget *b, const struct sess_screen *s, const struct costs *k,
                size_t from, size_t to, const struct frame *f)
{
  struct sum t = {0, 0, 0, 1};

  if (f->error)
    add(&t, &k->error);
  if (f->prompt && *prompt_of(s, f))
    add(&t, f->later && s->prompt_more ? &k->prompt_more : &k->prompt);
  for (size_t i = from; i < to; i++)
    add(&t, &k->item[i]);
  if (*s->tail)
    add(&t, &k->tail);
  if (f->more)
    add(&t, &k->more);
  if (f->back)
    add(&t, &k->back);
  if (t.lines > 1) { /* the newlines between lines: one character in either encoding */
    t.septets += t.lines - 1;
    t.ucs2 += t.lines - 1;
  }
  return t.gsm ? t.septets <= (size_t)b->gsm7 : t.ucs2 <= (size_t)b->ucs2;
}

size_t sess__paginate(const struct sess_content *c, const struct sess_budget *b,
                      const struct sess_screen *s, enum sess_lang lang, size_t *first,
                      size_t max_pages, size_t *bad)
{
  struct costs k;
  size_t pages = 0, i = 0;

  *bad = 0;
  costs_build(c, s, lang, NULL, &k);

  do {
    struct frame f = {NULL, 1, 0, pages > 0 || s->can_back, pages > 0};
    size_t start = i;

    if (pages == max_pages)
      return 0;
    first[pages++] = start;
    /* The rest of the list, when it fits without "more", is the last page. Otherwise take
     * items while the page, with "more" under them, still fits. */
    f.more = 0;
    if (s->n_items > 0 && fits(b, s, &k, start, s->n_items, &f))
      break; /* this page takes every item left */
    while (i < s->n_items) {
      f.more = i + 1 < s->n_items;
      if (!fits(b, s, &k, start, i + 1, &f))
        break;
      i++;
    }
    if (i == start && s->n_items > 0) {
      *bad = start; /* not even this option fits beside the prompt */
      return 0;
    }
    if (s->n_items == 0) {
      f.more = 0;
      if (!fits(b, s, &k, 0, 0, &f))
        return 0;
    }
  } while (i < s->n_items);
  return pages;
}

size_t sess__page_range(const struct sess_content *c, const struct sess_budget *b,
                        const struct sess_screen *s, enum sess_lang lang, size_t page, size_t *from,
                        size_t *to)
{
  size_t first[SESS_MAX_OPTIONS + 1];
  size_t bad, pages = sess__paginate(c, b, s, lang, first, AG_ARRAY_LEN(first), &bad);

  if (pages == 0) { /* content over budget: lint refuses it; show one item per page anyway */
    pages = s->n_items ? s->n_items : 1;
    for (size_t p = 0; p < pages; p++)
      first[p] = p;
  }
  if (page >= pages)
    page = pages - 1;
  *from = first[page];
  *to = page + 1 < pages ? first[page + 1] : s->n_items;
  return pages;
}

int sess__render_page(const struct sess_content *c, const struct sess_budget *b,
                      const struct sess_screen *s, enum sess_lang lang, size_t page, int error,
                      char *buf, size_t buflen)
{
  size_t from, to, pages = sess__page_range(c, b, s, lang, page, &from, &to);
  struct frame f;

  if (page >= pages)
    page = pages - 1;
  f.error = error ? sess_string(c, s->error_key ? s->error_key : "invalid", lang) : NULL;
  f.prompt = 1;
  f.more = page + 1 < pages;
  f.back = page > 0 || s->can_back;
  f.later = page > 0;
  /* When the error line does not fit with the whole page, something gives way. On a yes/no
   * or other short choice the question matters more than the error line (the screen coming
   * back says enough); on a long list the options matter more than the prompt (the parent saw
   * it one screen before). */
  if (error) {
    struct costs k;
    costs_build(c, s, lang, f.error, &k);
    if (!fits(b, s, &k, from, to, &f)) {
      if (to - from <= 2) {
        f.error = NULL;
      } else {
        f.prompt = 0;
        if (!fits(b, s, &k, from, to, &f)) {
          f.error = NULL;
          f.prompt = 1;
        }
      }
    }
  }
  return compose(c, s, lang, from, to, &f, buf, buflen);
}

size_t sess__page_count(const struct sess_content *c, const struct sess_budget *b,
                        const struct sess_screen *s, enum sess_lang lang)
{
  size_t first[SESS_MAX_OPTIONS + 1];
  size_t bad, pages = sess__paginate(c, b, s, lang, first, AG_ARRAY_LEN(first), &bad);

  return pages ? pages : (s->n_items ? s->n_items : 1);
}

int sess__page_units(const struct sess_content *c, const struct sess_budget *b,
                     const struct sess_screen *s, enum sess_lang lang, size_t from, size_t to,
                     int more, int back, size_t *units, size_t *limit)
{
  char buf[SESS_SCREEN_MAX];
  struct frame f = {NULL, 1, more, back, from > 0};
  int rc = compose(c, s, lang, from, to, &f, buf, sizeof(buf));

  return rc ? rc : sess__screen_cost(b, buf, units, limit);
}
