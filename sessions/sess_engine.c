/* sess_engine.c: walking a session through a survey or menu, one input at a time. */
#include "sessions/sess-internal.h"
#include "gateway/gw.h"

#include <stdlib.h>
#include <string.h>

/* Where a session stands: the node on screen, the language, and whether the screen must show
 * the error line because the last input was not valid there. */
struct run {
  const struct sess_content *c;
  const struct sess_survey *sv;
  int node;
  enum sess_lang lang;
  int error;
  int has_answer;
  struct sess_answer answer;
};

/* Parses a decimal in [lo, hi]; leading zeros and anything but digits are refused. */
static int parse_pick(const char *in, long lo, long hi, long *out)
{
  long v = 0;

  if (!in || !*in || (in[0] == '0' && in[1] != '\0')) return GW_EINVAL;
  for (const char *p = in; *p; p++) {
    if (*p < '0' || *p > '9' || v > hi) return GW_EINVAL;
    v = v * 10 + (*p - '0');
  }
  if (v < lo || v > hi) return GW_EINVAL;
  *out = v;
  return GW_OK;
}

static void record(struct run *r, const struct sess_node *n, const char *value)
{
  if (!r->sv->is_survey) return;
  r->has_answer = 1;
  r->answer.survey_id = r->sv->id;
  r->answer.survey_version = r->sv->version;
  r->answer.question_id = n->id;
  r->answer.value = value;
}

/* Applies one input to the node on screen: either moves on (recording an answer when the node
 * is a survey question) or stays with the error flag set. */
static void apply(struct run *r, const char *in)
{
  const struct sess_node *n = &r->sv->nodes[r->node];
  int next = n->next;
  long k;

  r->error = 0;
  r->has_answer = 0;
  switch (n->type) {
  case SESS_NODE_CHOICE:
  case SESS_NODE_MENU: {
    const struct sess_option *o;
    if (parse_pick(in, 1, (long)n->n_options, &k)) {
      r->error = 1;
      return;
    }
    o = &n->options[k - 1];
    if (o->set_lang >= 0) r->lang = (enum sess_lang)o->set_lang;
    if (o->next >= 0) next = o->next;
    if (n->type == SESS_NODE_CHOICE) record(r, n, o->value);
    break;
  }
  case SESS_NODE_YESNO:
    if (parse_pick(in, 1, 2, &k)) {
      r->error = 1;
      return;
    }
    record(r, n, k == 1 ? "yes" : "no");
    break;
  case SESS_NODE_NUMBER:
    if (n->optional && strcmp(in, "0") == 0) {
      record(r, n, "skip");
      break;
    }
    if (parse_pick(in, n->min, n->max, &k)) {
      r->error = 1;
      return;
    }
    record(r, n, in);
    break;
  case SESS_NODE_TEXT:
    if (!*in || (long)strlen(in) > n->max_len) {
      r->error = 1;
      return;
    }
    record(r, n, in);
    break;
  case SESS_NODE_END:
    return; /* nothing follows an END; a carrier that sends more input sees it again */
  }
  if (next >= 0) r->node = next;
}

int sess_replay(const struct sess_content *c, const char *entry, const char *const *inputs,
                size_t n, struct sess_reply *out)
{
  struct run r = {0};
  int rc;

  memset(out, 0, sizeof(*out));
  if (n > SESS_MAX_INPUTS) return GW_E2BIG;
  r.c = c;
  r.sv = sess__survey_find(c, entry);
  if (!r.sv) return GW_ENOTFOUND;
  r.node = r.sv->start;
  r.lang = SESS_KK; /* the state language, until the parent picks one */
  for (size_t i = 0; i < n; i++)
    apply(&r, inputs[i]);
  rc = sess__render(c, r.sv, r.node, r.lang, r.error, out->text, sizeof(out->text));
  if (rc) return rc;
  out->end = r.sv->nodes[r.node].type == SESS_NODE_END;
  out->lang = r.lang;
  out->has_answer = r.has_answer;
  out->answer = r.answer;
  return GW_OK;
}
