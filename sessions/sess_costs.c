/* sess_costs.c: what each text of a content snapshot costs on a screen, measured once at load.
 *
 * Every hop replays the session's inputs, and each pick must know the page its option was on,
 * so paging runs for every input of every hop; measuring every option label each time made the
 * replay the dearest part of a hop. A snapshot's texts never move while it lives (they belong to
 * its JSON documents and arrays), so the memo is keyed by their addresses; a text it does not
 * hold (a composed line) is measured on the spot.
 */
#include "sessions/sess-internal.h"
#include "lib/ag_text.h"
#include "lib/ag.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct sess_cost_memo {
  const char **key; /* owned array of borrowed texts; NULL: free slot */
  struct sess_cost *val;
  size_t cap; /* a power of two, at least twice the texts */
};

void sess__cost_measure(const char *text, struct sess_cost *out)
{
  struct ag_text_cost tc;

  if (!text) /* a translation lint reports as missing */
    text = "";
  if (ag_text_measure(text, strlen(text), &tc) != AG_OK) {
    out->gsm = 0; /* invalid UTF-8 never fits: lint reports the screen */
    out->septets = out->ucs2 = SESS_SCREEN_MAX;
    return;
  }
  out->gsm = tc.enc == AG_ENC_GSM7;
  out->septets = tc.septets;
  out->ucs2 = tc.ucs2_units;
}

static size_t slot_of(const char *p, size_t cap)
{
  uint64_t x = (uint64_t)(uintptr_t)p;

  x ^= x >> 29; /* addresses share their low bits: mix the high ones in */
  x *= 0x9E3779B97F4A7C15ull;
  return (size_t)(x >> 32) & (cap - 1);
}

static void memo_put(struct sess_cost_memo *m, const char *text)
{
  size_t i;

  if (!text)
    return;
  for (i = slot_of(text, m->cap); m->key[i]; i = (i + 1) & (m->cap - 1))
    if (m->key[i] == text)
      return;
  m->key[i] = text;
  sess__cost_measure(text, &m->val[i]);
}

/* Calls put once for every text a screen of c may show, then returns how many. */
static size_t each_text(const struct sess_content *c, struct sess_cost_memo *m)
{
  const char *key;
  json_t *tr;
  size_t n = 0;

  for (size_t s = 0; s < c->n_surveys; s++) {
    for (size_t k = 0; k < c->surveys[s].n_nodes; k++) {
      const struct sess_node *nd = &c->surveys[s].nodes[k];
      for (int l = 0; l < SESS_NLANG; l++, n++) {
        if (m)
          memo_put(m, nd->text.s[l]);
        if (m && nd->short_text.s[l])
          memo_put(m, nd->short_text.s[l]);
        n++;
        for (size_t o = 0; o < nd->n_options; o++, n++)
          if (m)
            memo_put(m, nd->options[o].label.s[l]);
      }
    }
  }
  for (size_t b = 0; b < c->n_bands; b++)
    for (int l = 0; l < SESS_NLANG; l++, n++)
      if (m)
        memo_put(m, c->bands[b].label.s[l]);
  for (size_t t = 0; t < c->n_tips; t++)
    for (int l = 0; l < SESS_NLANG; l++, n++)
      if (m)
        memo_put(m, c->tips[t].text.s[l]);
  for (size_t p = 0; p < c->n_places; p++)
    for (int l = 0; l < SESS_NLANG; l++, n++)
      if (m)
        memo_put(m, c->places[p].name[l]);
  json_object_foreach(c->strings, key, tr)
  {
    for (int l = 0; l < SESS_NLANG; l++, n++)
      if (m)
        memo_put(m, json_string_value(json_object_get(tr, sess_lang_code((enum sess_lang)l))));
  }
  return n;
}

int sess__costs_build(struct sess_content *c)
{
  struct sess_cost_memo *m = calloc(1, sizeof(*m));
  size_t want = 2 * each_text(c, NULL);

  if (!m)
    return AG_ENOMEM;
  for (m->cap = 64; m->cap < want; m->cap *= 2)
    ;
  m->key = calloc(m->cap, sizeof(*m->key));
  m->val = calloc(m->cap, sizeof(*m->val));
  if (!m->key || !m->val) {
    sess__costs_free(m);
    return AG_ENOMEM;
  }
  each_text(c, m);
  c->costs = m;
  return AG_OK;
}

void sess__costs_free(struct sess_cost_memo *m)
{
  if (!m)
    return;
  free(m->key);
  free(m->val);
  free(m);
}

void sess__cost_of(const struct sess_content *c, const char *text, struct sess_cost *out)
{
  const struct sess_cost_memo *m = c->costs;

  if (m && text) {
    for (size_t i = slot_of(text, m->cap); m->key[i]; i = (i + 1) & (m->cap - 1)) {
      if (m->key[i] == text) {
        *out = m->val[i];
        return;
      }
    }
  }
  sess__cost_measure(text, out);
}
