/* sess_engine.c: walking a session through menus, a survey and tips, one input at a time.
 *
 * A run is where a session stands: the screen (a content node, or one of the engine's own
 * screens: resume offer, tip bands, a tip, the SMS switch, a closing message), the page, the
 * language, the survey answers so far and who is answering. sess_replay() starts a run, applies
 * every input and renders the last screen.
 */
#include "sessions/sess-internal.h"
#include "lib/ag_text.h"
#include "lib/ag.h"

#include <stdio.h>
#include <string.h>

/* SCR_TIP is an END screen: a tip (at most 70 characters, one SMS) leaves no room for
 * navigation lines within a 75-character screen. */
enum scr { SCR_NODE, SCR_RESUME, SCR_BANDS, SCR_TIP, SCR_SMS, SCR_DONE, SCR_REQ };

struct run {
  const struct sess_content *c;
  const struct sess_budget *b;
  const struct sess_ctx *ctx;
  enum scr scr;
  int file, node; /* SCR_NODE */
  size_t page;
  enum sess_lang lang;
  int error;
  int home_file, home_node; /* where "0 Back" from the engine's screens leads */
  /* the survey under way */
  int survey; /* file index, -1 when none */
  const char *answers[SESS_MAX_NODES];
  const char *relation;
  int attempt;
  const struct sess_prior *prior; /* SCR_RESUME */
  const char *tip_band;           /* SCR_TIP: "" for all bands */
  const char *done_key;           /* SCR_DONE: the strings.json key shown */
  struct sess_effect eff;
  char tail[128];          /* owned text of an engine screen's tail */
  struct sess_req_run req; /* SCR_REQ: "Requests from the school" (sess_requests.c) */
};

static const struct sess_profile *profile_of(const struct run *r)
{
  return r->ctx ? r->ctx->profile : NULL;
}

static const struct sess_survey *file_of(const struct run *r)
{
  return &r->c->surveys[r->file];
}

static const struct sess_node *node_of(const struct run *r)
{
  return &file_of(r)->nodes[r->node];
}

/* Parses a decimal in [lo, hi]; leading zeros and anything but digits are refused. */
static int parse_pick(const char *in, long lo, long hi, long *out)
{
  long v = 0;

  if (!in || !*in || (in[0] == '0' && in[1] != '\0'))
    return AG_EINVAL;
  for (const char *p = in; *p; p++) {
    if (*p < '0' || *p > '9' || v > (hi - (*p - '0')) / 10)
      return AG_EINVAL; /* not a digit, or past hi: checked before it could overflow */
    v = v * 10 + (*p - '0');
  }
  if (v < lo || v > hi)
    return AG_EINVAL;
  *out = v;
  return AG_OK;
}

static int cond_holds(const struct run *r, const struct sess_cond *c)
{
  const char *a;

  switch (c->op) {
  case SESS_COND_ALL:
    for (size_t i = 0; i < c->n_kids; i++)
      if (!cond_holds(r, &c->kids[i]))
        return 0;
    return 1;
  case SESS_COND_ANY:
    for (size_t i = 0; i < c->n_kids; i++)
      if (cond_holds(r, &c->kids[i]))
        return 1;
    return 0;
  case SESS_COND_IN:
  case SESS_COND_NOT_IN:
  case SESS_COND_KIND_IN:
  case SESS_COND_KIND_NOT_IN:
    break;
  }
  a = r->survey == r->file ? r->answers[c->q] : NULL;
  if (a && (c->op == SESS_COND_KIND_IN || c->op == SESS_COND_KIND_NOT_IN)) {
    const struct sess_place *p = sess__place_find(r->c, a);
    a = p ? p->kind : NULL; /* a place of unknown kind is of no kind in the list */
  }
  for (size_t i = 0; a && i < c->n_values; i++)
    if (strcmp(a, c->values[i]) == 0)
      return c->op == SESS_COND_IN || c->op == SESS_COND_KIND_IN;
  return c->op == SESS_COND_NOT_IN || c->op == SESS_COND_KIND_NOT_IN; /* unanswered: in no list */
}

/* Shows node `node` of `file`, or the first node after it that is to be asked: skip logic
 * (`when`) and "never ask twice" (an answer already known in this attempt). */
static void enter(struct run *r, int file, int node)
{
  int guard = SESS_MAX_NODES + 1;

  if (file != r->survey && r->c->surveys[file].is_survey) {
    r->survey = file; /* a survey starts afresh: its answers belong to this attempt */
    memset(r->answers, 0, sizeof(r->answers));
    r->relation = "";
    r->attempt = 1;
  }
  r->scr = SCR_NODE;
  r->file = file;
  r->node = node;
  r->page = 0;
  while (guard-- > 0) {
    const struct sess_node *n = node_of(r);
    int answered = r->survey == file && r->answers[node] != NULL;
    if (n->type == SESS_NODE_END || n->next.file < 0 ||
        (!answered && (!n->when || cond_holds(r, n->when))))
      break;
    r->file = file = n->next.file;
    r->node = node = n->next.node;
  }
  if (node_of(r)->type == SESS_NODE_REQUESTS) { /* the engine's screens take over */
    sess__req_enter(&r->req, profile_of(r));
    r->scr = r->req.stage == SESS_REQ_DONE ? SCR_DONE : SCR_REQ;
    r->done_key = r->req.done_key;
  }
}

static void go_home(struct run *r)
{
  enter(r, r->home_file, r->home_node);
}

static const struct sess_prior *prior_for(const struct run *r, const char *relation)
{
  const struct sess_profile *p = r->ctx ? r->ctx->profile : NULL;

  for (size_t i = 0; p && i < p->n; i++)
    if (strcmp(p->prior[i].relation, relation) == 0)
      return &p->prior[i];
  return NULL;
}

static void effect_attempt(struct run *r)
{
  const struct sess_survey *sv = &r->c->surveys[r->survey];

  r->eff.kind = SESS_EFFECT_ATTEMPT;
  r->eff.survey_id = sv->id;
  r->eff.survey_version = sv->version;
  r->eff.relation = r->relation;
  r->eff.attempt = r->attempt;
  r->eff.sms = -1;
}

/* The answer to `grade`, for choosing tips: this survey's, else the one known from before. */
static const char *grade_band(const struct run *r)
{
  if (r->survey >= 0) {
    int g = sess__node_find(&r->c->surveys[r->survey], "grade");
    if (g >= 0 && r->answers[g])
      return r->answers[g];
  }
  if (r->ctx && r->ctx->profile && r->ctx->profile->grade[0])
    return r->ctx->profile->grade;
  return "";
}

const char *const sess_context_ids[SESS_CTX_N] = {"region", "district", "settlement", "grade",
                                                  "school"};

/* The attempt's answers to the context questions so far: the session's own and, in a resumed
 * attempt, those it was resumed with (both in r->answers). */
static void effect_context(struct run *r, const struct sess_survey *sv)
{
  for (int i = 0; i < SESS_CTX_N; i++) {
    int q = sv->context_node[i];
    r->eff.context[i] = q >= 0 && r->survey == r->file ? r->answers[q] : NULL;
  }
}

/* Records value for the node on screen and moves on: to `go` when the picked option carries
 * its own next (branching), else to the node's next. */
static void answer(struct run *r, const struct sess_node *n, const char *value,
                   const struct sess_goto *go)
{
  const struct sess_survey *sv = file_of(r);
  struct sess_goto next = go && go->file >= 0 ? *go : n->next;

  if (n->relation) {
    r->relation = value;
    if (r->survey == r->file)
      r->answers[r->node] = value; /* for skip logic; it is a key, not an answer row */
    /* The profile is the involvement survey's (the gateway reads that one): a file with
     * "resume": false (school_link) neither resumes nor numbers its attempts from it. */
    r->prior = sv->no_resume ? NULL : prior_for(r, value);
    /* An unfinished attempt of another survey version is not resumed: its answers belong to
     * another instrument (docs/decisions.md), so this session opens a new attempt. */
    if (r->prior && r->prior->open_attempt && r->prior->n > 0 &&
        (r->prior->open_version == 0 || r->prior->open_version == sv->version)) {
      r->scr = SCR_RESUME; /* ask before anything is stored */
      r->page = 0;
      return;
    }
    r->attempt = (r->prior ? r->prior->last_attempt : 0) + 1;
    effect_attempt(r);
    enter(r, next.file, next.node);
    return;
  }
  if (sv->is_survey) {
    effect_context(r, sv); /* before this answer joins them */
    r->answers[r->node] = value;
    r->eff.kind = SESS_EFFECT_ANSWER;
    r->eff.survey_id = sv->id;
    r->eff.survey_version = sv->version;
    r->eff.relation = r->relation;
    r->eff.attempt = r->attempt;
    r->eff.question_id = n->id;
    r->eff.value = value;
    r->eff.sms = n->subscribes && strcmp(value, "yes") == 0 ? 1 : -1;
    if (n->school_consent)
      r->eff.school_consent = strcmp(value, "yes") == 0 ? SESS_SCHOOL_GRANT : SESS_SCHOOL_WITHDRAW;
    r->eff.band = grade_band(r);
  }
  enter(r, next.file, next.node);
  if (r->eff.kind == SESS_EFFECT_ANSWER && node_of(r)->type == SESS_NODE_END)
    r->eff.final = 1;
}

static void menu_pick(struct run *r, const struct sess_option *o)
{
  const struct sess_node *n = node_of(r);

  if (o->set_lang >= 0) {
    r->lang = (enum sess_lang)o->set_lang;
    r->eff.kind = SESS_EFFECT_LANG; /* remembered for the caller's next session */
  }
  if (o->go.file >= 0) {
    enter(r, o->go.file, o->go.node);
    return;
  }
  switch (o->action) {
  case SESS_ACTION_SURVEY: {
    const struct sess_survey *sv = sess__survey_find(r->c, "involvement");
    if (sv) {
      r->survey = -1; /* a fresh start, even when coming back to it */
      enter(r, (int)(sv - r->c->surveys), sv->start);
    }
    return;
  }
  case SESS_ACTION_TIP_TODAY:
    r->scr = SCR_TIP;
    r->tip_band = grade_band(r);
    break;
  case SESS_ACTION_TIPS_BY_AGE:
    r->scr = SCR_BANDS;
    break;
  case SESS_ACTION_SMS_TOGGLE:
    r->scr = SCR_SMS;
    break;
  case SESS_ACTION_LANGUAGE:
  case SESS_ACTION_NONE:
    if (n->next.file >= 0)
      enter(r, n->next.file, n->next.node);
    return;
  }
  r->page = 0;
}

static size_t node_items(const struct run *r, const struct sess_node *n, struct sess_item *items)
{
  const char *region =
      n->region_node >= 0 && r->survey == r->file ? r->answers[n->region_node] : NULL;
  return sess__node_items(r->c, n, region, r->lang, items);
}

void sess__node_screen(const struct sess_content *c, const struct sess_node *n, const char *region,
                       enum sess_lang lang, struct sess_item *items, char *tail, size_t taillen,
                       struct sess_screen *s)
{
  memset(s, 0, sizeof(*s));
  s->prompt = n->text.s[lang];
  s->prompt_more = n->short_text.s[lang];
  s->items = items;
  s->n_items = sess__node_items(c, n, region, lang, items);
  s->tail = "";
  if (n->type == SESS_NODE_NUMBER)
    s->error_key = "bad_number";
  if (n->type == SESS_NODE_NUMBER && n->optional) {
    snprintf(tail, taillen, "0 %s", sess_string(c, "skip", lang));
    s->tail = tail;
  }
}

/* Characters of a free-text answer; invalid UTF-8 (which the carrier dialects already refuse)
 * counts as too long, so that it is never stored. */
static size_t text_chars(const char *s)
{
  struct ag_text_cost cost;

  return ag_text_measure(s, strlen(s), &cost) == AG_OK ? cost.code_points : (size_t)-1;
}

static void build_screen(struct run *r, struct sess_screen *s, struct sess_item *items);

/* Parses an option number: valid only while its option is on the page shown (0 and 99 are
 * handled before, where the page shows them). A number from another page, or past the last
 * option, is refused like any other wrong input (docs/content.md, "Input"). */
static int pick_on_page(struct run *r, const char *in, long *k)
{
  struct sess_item items[SESS_MAX_OPTIONS];
  struct sess_screen s;
  size_t from, to;

  build_screen(r, &s, items);
  if (parse_pick(in, 1, (long)s.n_items, k))
    return AG_EINVAL;
  sess__page_range(r->c, r->b, &s, r->lang, r->page, &from, &to);
  return (size_t)*k > from && (size_t)*k <= to ? AG_OK : AG_EINVAL;
}

static void apply_node(struct run *r, const char *in)
{
  const struct sess_node *n = node_of(r);
  struct sess_item items[SESS_MAX_OPTIONS];
  size_t n_items = node_items(r, n, items);
  long k;

  switch (n->type) {
  case SESS_NODE_CHOICE:
  case SESS_NODE_MENU:
  case SESS_NODE_YESNO:
    if (pick_on_page(r, in, &k) || (size_t)k > n_items)
      break;
    if (n->type == SESS_NODE_MENU)
      menu_pick(r, &n->options[k - 1]);
    else
      answer(r, n, items[k - 1].value,
             n->type == SESS_NODE_CHOICE && n->source == SESS_SOURCE_NONE ? &n->options[k - 1].go
                                                                          : NULL);
    return;
  case SESS_NODE_NUMBER:
    if (n->optional && strcmp(in, "0") == 0) {
      answer(r, n, "skip", NULL);
      return;
    }
    if (parse_pick(in, n->min, n->max, &k))
      break;
    answer(r, n, in, NULL);
    return;
  case SESS_NODE_TEXT:
    if (!*in || text_chars(in) > (size_t)n->max_len)
      break;
    answer(r, n, in, NULL);
    return;
  case SESS_NODE_END:
  case SESS_NODE_REQUESTS: /* SCR_REQ's, never SCR_NODE's */
    return;                /* nothing follows an END */
  }
  r->error = 1;
}

static size_t tips_in_band(const struct run *r, const char *band, size_t index, size_t *count)
{
  size_t seen = 0, found = 0;

  for (size_t i = 0; i < r->c->n_tips; i++) {
    if (*band && strcmp(r->c->tips[i].band, band) != 0)
      continue;
    if (seen == index)
      found = i;
    seen++;
  }
  *count = seen;
  return found;
}

static void apply_engine_screen(struct run *r, const char *in)
{
  long k;

  if (strcmp(in, "0") == 0 && (r->scr == SCR_BANDS || r->scr == SCR_SMS)) {
    go_home(r);
    return;
  }
  switch (r->scr) {
  case SCR_RESUME:
    if (pick_on_page(r, in, &k))
      break;
    if (k == 1) {
      r->attempt = r->prior->open_attempt;
      for (size_t i = 0; i < r->prior->n; i++) {
        int q = sess__node_find(file_of(r), r->prior->kv[i].key);
        if (q >= 0)
          r->answers[q] = r->prior->kv[i].value;
      }
    } else {
      r->attempt = r->prior->last_attempt + 1;
    }
    effect_attempt(r);
    enter(r, node_of(r)->next.file, node_of(r)->next.node);
    return;
  case SCR_BANDS:
    if (pick_on_page(r, in, &k))
      break;
    r->tip_band = r->c->bands[k - 1].id;
    r->scr = SCR_TIP;
    return;
  case SCR_SMS:
    if (pick_on_page(r, in, &k))
      break;
    r->eff.kind = SESS_EFFECT_SMS;
    r->eff.sms = k == 1;
    r->eff.band = grade_band(r);
    r->scr = SCR_DONE;
    r->done_key = k == 1 ? "sms_on_done" : "sms_off_done";
    return;
  case SCR_REQ:
    if (sess__req_apply(r->c, r->b, node_of(r), profile_of(r), r->lang, &r->req, r->relation, in,
                        &r->eff))
      break;
    if (r->req.stage == SESS_REQ_DONE) {
      r->scr = SCR_DONE;
      r->done_key = r->req.done_key;
    }
    return;
  case SCR_TIP:
  case SCR_DONE:
    return; /* END screens, like a survey's END node: nothing follows, input changes nothing */
  default:
    break;
  }
  r->error = 1;
}

static void build_screen(struct run *r, struct sess_screen *s, struct sess_item *items)
{
  size_t count, t;

  memset(s, 0, sizeof(*s));
  s->tail = "";
  s->items = items;
  switch (r->scr) {
  case SCR_NODE: {
    const struct sess_node *n = node_of(r);
    const char *region =
        n->region_node >= 0 && r->survey == r->file ? r->answers[n->region_node] : NULL;
    sess__node_screen(r->c, n, region, r->lang, items, r->tail, sizeof(r->tail), s);
    return;
  }
  case SCR_RESUME:
    s->prompt = sess_string(r->c, "resume_prompt", r->lang);
    items[0].label = sess_string(r->c, "resume", r->lang);
    items[1].label = sess_string(r->c, "start_over", r->lang);
    s->n_items = 2;
    return;
  case SCR_BANDS:
    s->prompt = sess_string(r->c, "tips_prompt", r->lang);
    for (size_t i = 0; i < r->c->n_bands && i < SESS_MAX_OPTIONS; i++)
      items[s->n_items++].label = r->c->bands[i].label.s[r->lang];
    s->can_back = 1;
    return;
  case SCR_TIP: /* the day's tip of the band: a new one every day, the same all day */
    tips_in_band(r, r->tip_band, 0, &count);
    if (count == 0) {
      s->prompt = sess_string(r->c, "no_tips", r->lang);
      return;
    }
    t = tips_in_band(r, r->tip_band, (size_t)(r->ctx ? r->ctx->day : 0) % count, &count);
    s->prompt = r->c->tips[t].text.s[r->lang];
    return;
  case SCR_SMS: { /* says whether the caller's tips are on, as of the session's start */
    const struct sess_profile *p = r->ctx ? r->ctx->profile : NULL;
    s->prompt = sess_string(r->c,
                            !p || p->sms < 0 ? "sms_prompt"
                            : p->sms         ? "sms_prompt_on"
                                             : "sms_prompt_off",
                            r->lang);
    items[0].label = sess_string(r->c, "sms_on", r->lang);
    items[1].label = sess_string(r->c, "sms_off", r->lang);
    s->n_items = 2;
    s->can_back = 1;
    return;
  }
  case SCR_DONE:
    s->prompt = sess_string(r->c, r->done_key, r->lang);
    return;
  case SCR_REQ:
    sess__req_screen(r->c, r->b, node_of(r), profile_of(r), r->lang, &r->req, items, s);
    return;
  }
}

static void apply(struct run *r, const char *in)
{
  memset(&r->eff, 0, sizeof(r->eff));
  r->error = 0;
  /* Paging first: "99" and "0" move between pages wherever there are pages to move to. Only
   * they need the page count, and counting pages is the dear part of a replay. */
  if (strcmp(in, "99") == 0) {
    struct sess_item items[SESS_MAX_OPTIONS];
    struct sess_screen s;
    build_screen(r, &s, items);
    if (r->page + 1 < sess__page_count(r->c, r->b, &s, r->lang)) {
      r->page++;
      return;
    }
  }
  if (strcmp(in, "0") == 0 && r->page > 0) {
    r->page--;
    return;
  }
  if (r->scr == SCR_NODE)
    apply_node(r, in);
  else
    apply_engine_screen(r, in);
}

/* Where the run stands, for operators (sess_reply.file, .screen, .question). */
static void screen_of(const struct run *r, struct sess_reply *out)
{
  static const char *const names[] = {"", "resume", "tips", "tip", "sms", "done", "requests"};

  out->file = r->file >= 0 ? file_of(r)->id : "";
  out->screen = names[r->scr];
  out->question = 0;
  if (r->scr == SCR_NODE) {
    out->screen = node_of(r)->id;
    /* A menu in a survey (the opening screen) asks nothing: not a question of the funnel. */
    out->question = file_of(r)->is_survey && node_of(r)->type != SESS_NODE_END &&
                    node_of(r)->type != SESS_NODE_MENU;
  }
}

int sess_replay(const struct sess_content *c, const struct sess_budget *budget, const char *entry,
                const struct sess_ctx *ctx, const char *const *inputs, size_t n,
                struct sess_reply *out)
{
  static struct run zero;
  struct run r = zero;
  const struct sess_survey *sv = sess__survey_find(c, entry);
  struct sess_item items[SESS_MAX_OPTIONS];
  struct sess_screen s;
  int known_lang = ctx && ctx->profile && ctx->profile->has_lang;
  int rc;

  memset(out, 0, sizeof(*out));
  if (!sv)
    return AG_ENOTFOUND;
  if (n > SESS_MAX_INPUTS)
    return AG_E2BIG;
  r.c = c;
  r.b = budget ? budget : &c->budget;
  r.ctx = ctx;
  r.lang = known_lang ? ctx->profile->lang : SESS_KK; /* the state language by default */
  r.survey = r.file = -1;
  r.home_file = (int)(sv - c->surveys);
  r.home_node = sv->start;
  /* A caller we have never heard picks a language first, when the entry file says where. */
  enter(&r, r.home_file, !known_lang && sv->first_visit >= 0 ? sv->first_visit : sv->start);
  for (size_t i = 0; i < n; i++)
    apply(&r, inputs[i]);
  build_screen(&r, &s, items);
  rc = sess__render_page(c, r.b, &s, r.lang, r.page, r.error, out->text, sizeof(out->text));
  if (rc)
    return rc;
  out->end = r.scr == SCR_DONE || r.scr == SCR_TIP ||
             (r.scr == SCR_NODE && node_of(&r)->type == SESS_NODE_END);
  out->lang = r.lang;
  out->effect = r.eff;
  screen_of(&r, out);
  return AG_OK;
}
