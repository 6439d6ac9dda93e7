/* sim_decide.c: what a synthetic parent types on a screen, and the plan of answers it follows.
 * Pure: the unit tests play it against screens the engine rendered. */
#include "tools/simulate/sim-internal.h"
#include "lib/ag.h"

#include <stdio.h>
#include <string.h>

int sim_plan_set(struct sim_plan *p, const char *node, const char *value)
{
  size_t i = 0;

  if (strlen(value) >= sizeof(p->value[0]))
    return AG_E2BIG;
  while (i < p->n && strcmp(p->node[i], node) != 0)
    i++;
  if (i == p->n) {
    if (p->n == SIM_PLAN_MAX)
      return AG_E2BIG;
    p->node[p->n++] = node;
  }
  memcpy(p->value[i], value, strlen(value) + 1);
  return AG_OK;
}

const char *sim_plan_get(const struct sim_plan *p, const char *node)
{
  for (size_t i = 0; i < p->n; i++)
    if (strcmp(p->node[i], node) == 0)
      return p->value[i];
  return NULL;
}

/* The question whose text the screen shows, in *lang: the longest text found, so that a short
 * title ("Aulgate") never wins over the question it is part of. NULL when none is. */
static const struct sim_node *sim_match(const struct sim_content *c, const char *text, int *lang)
{
  const struct sim_node *best = NULL;
  size_t best_len = 0;

  for (size_t i = 0; i < c->n_nodes; i++)
    for (int l = 0; l < SIM_LANGS; l++) {
      const char *t = c->nodes[i].text[l];
      size_t n = strlen(t);

      if (n > best_len && strstr(text, t)) {
        best = &c->nodes[i];
        best_len = n;
        *lang = l;
      }
    }
  return best;
}

const struct sim_node *sim__node(const struct sim_content *c, const char *id)
{
  for (size_t i = 0; id && i < c->n_nodes; i++)
    if (strcmp(c->nodes[i].id, id) == 0)
      return &c->nodes[i];
  return NULL;
}

static int sim_key_of(const struct sim_screen *s, const char *label, char *input, size_t inlen)
{
  for (size_t i = 0; label && label[0] && i < s->n_opts; i++)
    if (strcmp(s->opts[i].label, label) == 0) {
      snprintf(input, inlen, "%u", s->opts[i].key);
      return 1;
    }
  return 0;
}

/* The label of the answer the plan gives at node, in lang; NULL when there is none. */
static const char *sim_label(const struct sim_content *c, const struct sim_node *n,
                             const char *value, int lang)
{
  if (n->kind == SIM_K_YESNO)
    return c->str[strcmp(value, "yes") == 0 ? SIM_S_YES : SIM_S_NO][lang];
  if (n->kind == SIM_K_NUMBER)
    return c->str[SIM_S_SKIP][lang];
  if (n->from != SIM_FROM_NONE) {
    const struct sim_opt *p = sim__place(c, value);

    return p ? p->label[lang] : NULL;
  }
  for (size_t i = 0; i < n->n_opts; i++)
    if (strcmp(n->opts[i].value, value) == 0)
      return n->opts[i].label[lang];
  return NULL;
}

/* Answers node in lang: the line of the planned answer, else "More" to look on the next page. */
static enum sim_step sim_answer(const struct sim_content *c, const struct sim_plan *plan,
                                const struct sim_node *n, int lang, const struct sim_screen *s,
                                char *input, size_t inlen)
{
  const char *value = sim_plan_get(plan, n->id);

  if (!value) /* a screen with one way on (an opening text, "Start") needs no plan */
    return s->n_opts == 1 && snprintf(input, inlen, "%u", s->opts[0].key) > 0 ? SIM_TYPE
                                                                              : SIM_UNREADABLE;
  if (n->kind == SIM_K_NUMBER && value[0]) {
    snprintf(input, inlen, "%s", value);
    return SIM_TYPE;
  }
  if (sim_key_of(s, sim_label(c, n, value, lang), input, inlen) ||
      sim_key_of(s, c->str[SIM_S_MORE][lang], input, inlen))
    return SIM_TYPE;
  return SIM_UNREADABLE;
}

static int sim_says(const struct sim_content *c, enum sim_str str, const char *text)
{
  for (int l = 0; l < SIM_LANGS; l++)
    if (c->str[str][l][0] && strstr(text, c->str[str][l]))
      return 1;
  return 0;
}

enum sim_step sim_decide(const struct sim_content *c, const struct sim_plan *plan,
                         const struct sim_screen *screen, char *input, size_t inlen,
                         const char **node)
{
  const struct sim_node *prev = sim__node(c, *node), *n;
  int lang = 0;

  *node = "";
  input[0] = '\0';
  if (screen->end) {
    if (sim_says(c, SIM_S_UNAVAILABLE, screen->text) ||
        sim_says(c, SIM_S_UNCONFIRMED, screen->text))
      return SIM_RETRY;
    n = sim_match(c, screen->text, &lang);
    if (n && n->kind == SIM_K_END)
      *node = n->id;
    return n && n->kind == SIM_K_END ? SIM_DONE : SIM_UNREADABLE;
  }
  for (int l = 0; l < SIM_LANGS; l++)
    if (c->str[SIM_S_RESUME_PROMPT][l][0] && strstr(screen->text, c->str[SIM_S_RESUME_PROMPT][l]))
      return sim_key_of(screen, c->str[SIM_S_RESUME][l], input, inlen) ? SIM_TYPE : SIM_UNREADABLE;
  if ((n = sim_match(c, screen->text, &lang)) != NULL) {
    *node = n->id;
    /* A title such as "Aulgate" reads the same in every language: the labels decide. */
    for (int l = 0; l < SIM_LANGS; l++)
      if ((l == lang || strcmp(n->text[l], n->text[lang]) == 0) &&
          sim_answer(c, plan, n, l, screen, input, inlen) == SIM_TYPE)
        return SIM_TYPE;
    return SIM_UNREADABLE;
  }
  if (!prev) /* nothing on the screen says which question it is */
    return SIM_UNREADABLE;
  *node = prev->id;
  for (int l = 0; l < SIM_LANGS; l++) /* the text is gone: the labels tell the language */
    if (sim_answer(c, plan, prev, l, screen, input, inlen) == SIM_TYPE)
      return SIM_TYPE;
  return SIM_UNREADABLE;
}
