/* sess_render.c: one node as the text of a USSD screen, and what that text costs. */
#include "sessions/sess-internal.h"
#include "sessions/sess_text.h"
#include "gateway/gw.h"

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

  if (o->overflow) return;
  va_start(ap, fmt);
  k = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
  va_end(ap);
  if (k < 0 || (size_t)k >= o->cap - o->len)
    o->overflow = 1;
  else
    o->len += (size_t)k;
}

int sess__render(const struct sess_content *c, const struct sess_survey *sv, int node,
                 enum sess_lang lang, int error, char *buf, size_t buflen)
{
  const struct sess_node *n = &sv->nodes[node];
  struct out o = {buf, 0, buflen, 0};

  buf[0] = '\0';
  if (error) put(&o, "%s\n", sess_string(c, "invalid", lang));
  put(&o, "%s", n->text.s[lang]);
  switch (n->type) {
  case SESS_NODE_CHOICE:
  case SESS_NODE_MENU:
    for (size_t i = 0; i < n->n_options; i++)
      put(&o, "\n%zu %s", i + 1, n->options[i].label.s[lang]);
    break;
  case SESS_NODE_YESNO:
    put(&o, "\n1 %s\n2 %s", sess_string(c, "yes", lang), sess_string(c, "no", lang));
    break;
  default:
    break;
  }
  return o.overflow ? GW_E2BIG : GW_OK;
}

int sess__screen_cost(const struct sess_content *c, const char *screen, size_t *units,
                      size_t *limit)
{
  struct sess_text_cost cost;
  int rc = sess_text_measure(screen, strlen(screen), &cost);

  if (rc) return rc;
  *units = sess_text_units(&cost);
  *limit = (size_t)(cost.enc == SESS_ENC_GSM7 ? c->budget.gsm7 : c->budget.ucs2);
  return GW_OK;
}
