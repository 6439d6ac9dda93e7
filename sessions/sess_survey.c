/* sess_survey.c: parsing one survey or menu file of the content folder into nodes, options and
 * conditions. Pass 1 (sess__survey_head) reads the file's id and node ids, pass 2
 * (sess__node_load) each node's fields, so that references resolve forward and across files.
 */
#include "sessions/sess-internal.h"
#include "lib/ag_lang.h"
#include "lib/ag.h"

#include <stdlib.h>
#include <string.h>

static const struct {
  const char *name;
  enum sess_node_type type;
} node_types[] = {
    {"choice", SESS_NODE_CHOICE},     {"yesno", SESS_NODE_YESNO}, {"number", SESS_NODE_NUMBER},
    {"text", SESS_NODE_TEXT},         {"menu", SESS_NODE_MENU},   {"end", SESS_NODE_END},
    {"requests", SESS_NODE_REQUESTS},
};

static const struct {
  const char *name;
  enum sess_action action;
} actions[] = {
    {"survey", SESS_ACTION_SURVEY},           {"tip_today", SESS_ACTION_TIP_TODAY},
    {"tips_by_age", SESS_ACTION_TIPS_BY_AGE}, {"sms_toggle", SESS_ACTION_SMS_TOGGLE},
    {"language", SESS_ACTION_LANGUAGE},
};

int sess__node_find(const struct sess_survey *sv, const char *id)
{
  for (size_t i = 0; id && i < sv->n_nodes; i++)
    if (strcmp(sv->nodes[i].id, id) == 0)
      return (int)i;
  return -1;
}

const struct sess_survey *sess__survey_find(const struct sess_content *c, const char *id)
{
  for (size_t i = 0; id && i < c->n_surveys; i++)
    if (c->surveys[i].id && strcmp(c->surveys[i].id, id) == 0)
      return &c->surveys[i];
  return NULL;
}

/* Resolves "node", "file" or "file:node" seen from file `self`. */
static int goto_resolve(struct sess_diag *d, const struct sess_content *c, int self, json_t *ref,
                        struct sess_goto *out, const char *where)
{
  const char *s = json_string_value(ref), *colon;
  char file[64];
  const struct sess_survey *sv;

  out->file = out->node = -1;
  if (!ref)
    return AG_OK;
  if (!s || !*s)
    return sess__problem(d, "%s: a reference must be a node id, a file id or file:node", where);
  colon = strchr(s, ':');
  if (!colon) {
    out->node = sess__node_find(&c->surveys[self], s);
    if (out->node >= 0) {
      out->file = self;
      return AG_OK;
    }
    sv = sess__survey_find(c, s);
    if (!sv)
      return sess__problem(d, "%s: dangling reference '%s' (no such node or file)", where, s);
    out->file = (int)(sv - c->surveys);
    out->node = sv->start;
    return AG_OK;
  }
  snprintf(file, sizeof(file), "%.*s", (int)(colon - s), s);
  sv = sess__survey_find(c, file);
  out->node = sv ? sess__node_find(sv, colon + 1) : -1;
  if (!sv || out->node < 0)
    return sess__problem(d, "%s: dangling reference '%s'", where, s);
  out->file = (int)(sv - c->surveys);
  return AG_OK;
}

static const struct {
  const char *key;
  enum sess_cond_op op;
} cond_ops[] = {
    {"in", SESS_COND_IN},
    {"not_in", SESS_COND_NOT_IN},
    {"kind_in", SESS_COND_KIND_IN},
    {"kind_not_in", SESS_COND_KIND_NOT_IN},
};

/* Reads a condition: an object, or (named) the name of one of the file's "conditions". depth
 * bounds a named condition that names itself. */
static int cond_load(struct sess_diag *d, const struct sess_survey *sv, json_t *j,
                     struct sess_cond *out, const char *where, int depth)
{
  json_t *list = NULL;
  size_t k;

  memset(out, 0, sizeof(*out));
  if (json_is_string(j)) {
    json_t *named = json_object_get(sv->conditions, json_string_value(j));
    if (!named || depth > 0)
      return sess__problem(d, "%s: 'when' names no condition of this file's 'conditions': '%s'",
                           where, json_string_value(j));
    return cond_load(d, sv, named, out, where, depth + 1);
  }
  if ((list = json_object_get(j, "all")) || (list = json_object_get(j, "any"))) {
    size_t i;
    json_t *kid;
    int rc = AG_OK;
    out->op = json_object_get(j, "all") ? SESS_COND_ALL : SESS_COND_ANY;
    if (!json_is_array(list) || json_array_size(list) == 0)
      return sess__problem(d, "%s: 'all'/'any' needs a non-empty list", where);
    out->kids = calloc(json_array_size(list), sizeof(*out->kids));
    if (!out->kids)
      return AG_ENOMEM;
    json_array_foreach(list, i, kid)
    {
      out->n_kids++;
      if (cond_load(d, sv, kid, &out->kids[i], where, depth))
        rc = AG_ECONTENT;
    }
    return rc;
  }
  for (k = 0; k < AG_ARRAY_LEN(cond_ops) && !list; k++)
    if ((list = json_object_get(j, cond_ops[k].key)))
      out->op = cond_ops[k].op;
  out->q = sess__node_find(sv, json_string_value(json_object_get(j, "q")));
  if (out->q < 0)
    return sess__problem(d, "%s: 'when' names no node of this file in 'q'", where);
  if (!json_is_array(list) || json_array_size(list) == 0)
    return sess__problem(
        d, "%s: 'when' needs a non-empty 'in', 'not_in', 'kind_in' or 'kind_not_in' list", where);
  out->values = calloc(json_array_size(list), sizeof(*out->values));
  if (!out->values)
    return AG_ENOMEM;
  for (size_t i = 0; i < json_array_size(list); i++) {
    const char *v = json_string_value(json_array_get(list, i));
    if (!v)
      return sess__problem(d, "%s: 'when' values must be strings", where);
    out->values[out->n_values++] = v;
  }
  return AG_OK;
}

void sess__cond_free(struct sess_cond *c)
{
  if (!c)
    return;
  for (size_t i = 0; i < c->n_kids; i++)
    sess__cond_free(&c->kids[i]);
  free(c->kids);
  free(c->values);
}

static int action_parse(const char *name, enum sess_action *out)
{
  *out = SESS_ACTION_NONE;
  for (size_t i = 0; name && i < AG_ARRAY_LEN(actions); i++) {
    if (strcmp(actions[i].name, name) == 0) {
      *out = actions[i].action;
      return AG_OK;
    }
  }
  return name ? AG_EINVAL : AG_OK;
}

static int option_load(struct sess_diag *d, const struct sess_content *c, int self,
                       struct sess_node *n, struct sess_option *o, json_t *jo, const char *where)
{
  const char *lang = json_string_value(json_object_get(jo, "set_lang"));
  const char *action = json_string_value(json_object_get(jo, "action"));
  json_t *go = json_object_get(jo, "goto");
  int rc = sess__text_load(d, json_object_get(jo, "label"), &o->label, where);

  o->value = json_string_value(json_object_get(jo, "value"));
  if (n->type == SESS_NODE_CHOICE && (!o->value || !*o->value))
    rc = sess__problem(d, "%s: a choice option needs a value", where);
  if (goto_resolve(d, c, self, go ? go : json_object_get(jo, "next"), &o->go, where))
    rc = AG_ECONTENT;
  o->set_lang = ag_lang_find(lang);
  if (lang && o->set_lang < 0)
    rc = sess__problem(d, "%s: set_lang '%s' is not kk, ru or en", where, lang);
  if (action_parse(action, &o->action))
    rc = sess__problem(d, "%s: unknown action '%s'", where, action);
  if (n->type == SESS_NODE_MENU && o->go.file < 0 && o->action == SESS_ACTION_NONE &&
      n->next.file < 0)
    rc = sess__problem(d, "%s: a menu option needs goto, next or action", where);
  return rc;
}

static int options_load(struct sess_diag *d, const struct sess_content *c, int self,
                        struct sess_node *n, json_t *jn, const char *where)
{
  json_t *opts = json_object_get(jn, "options");
  const char *from = json_string_value(json_object_get(jn, "options_from"));
  char w[320];
  size_t i;
  json_t *jo;
  int rc = AG_OK;

  if (from) {
    if (strcmp(from, "regions") == 0)
      n->source = SESS_SOURCE_REGIONS;
    else if (strcmp(from, "districts") == 0)
      n->source = SESS_SOURCE_DISTRICTS;
    else
      return sess__problem(d, "%s: options_from must be regions or districts", where);
    return AG_OK;
  }
  if (!json_is_array(opts) || json_array_size(opts) == 0)
    return sess__problem(d, "%s: empty option list", where);
  if (json_array_size(opts) > SESS_MAX_OPTIONS)
    return sess__problem(d, "%s: more than %d options", where, SESS_MAX_OPTIONS);
  n->options = calloc(json_array_size(opts), sizeof(*n->options));
  if (!n->options)
    return AG_ENOMEM;
  n->n_options = json_array_size(opts);
  json_array_foreach(opts, i, jo)
  {
    snprintf(w, sizeof(w), "%s option %zu", where, i + 1);
    if (option_load(d, c, self, n, &n->options[i], jo, w))
      rc = AG_ECONTENT;
  }
  return rc;
}

int sess__node_load(struct sess_diag *d, const struct sess_content *c, int self,
                    struct sess_node *n, json_t *jn)
{
  const struct sess_survey *sv = &c->surveys[self];
  const char *type = json_string_value(json_object_get(jn, "type"));
  const char *role = json_string_value(json_object_get(jn, "role"));
  json_t *when = json_object_get(jn, "when");
  char where[256];
  int rc = AG_OK;
  size_t t;

  snprintf(where, sizeof(where), "%s: node '%s'", sv->file, n->id);
  for (t = 0; type && t < AG_ARRAY_LEN(node_types); t++)
    if (strcmp(node_types[t].name, type) == 0)
      break;
  if (!type || t == AG_ARRAY_LEN(node_types))
    return sess__problem(d, "%s: type must be choice, yesno, number, text, menu, end or requests",
                         where);
  n->type = node_types[t].type;
  n->region_node = -1;
  if (sess__text_load(d, json_object_get(jn, "text"), &n->text, where))
    rc = AG_ECONTENT;
  /* A long question over a long list: the question on the first page, a reminder after it. */
  if (json_object_get(jn, "short_text")) {
    if (sess__text_load(d, json_object_get(jn, "short_text"), &n->short_text, where))
      rc = AG_ECONTENT;
    if (n->type != SESS_NODE_CHOICE && n->type != SESS_NODE_MENU)
      rc = sess__problem(d, "%s: 'short_text' is for the pages of a choice or a menu", where);
  }
  if (goto_resolve(d, c, self, json_object_get(jn, "next"), &n->next, where))
    rc = AG_ECONTENT;
  if (n->type != SESS_NODE_END && n->type != SESS_NODE_MENU && n->type != SESS_NODE_REQUESTS &&
      n->next.file < 0)
    rc = sess__problem(d, "%s: a question needs 'next'", where);
  n->relation = role && strcmp(role, "relation") == 0;
  n->subscribes = role && strcmp(role, "subscribe") == 0;
  n->school_consent = role && strcmp(role, "school_consent") == 0;
  if (role && !n->relation && !n->subscribes && !n->school_consent)
    rc = sess__problem(d, "%s: role must be relation, subscribe or school_consent", where);
  if (n->school_consent && n->type != SESS_NODE_YESNO)
    rc = sess__problem(d, "%s: role school_consent is for a yesno question", where);
  n->optional = json_is_true(json_object_get(jn, "optional"));
  n->min = (long)json_integer_value(json_object_get(jn, "min"));
  n->max = (long)json_integer_value(json_object_get(jn, "max"));
  n->max_len = (long)json_integer_value(json_object_get(jn, "max_len"));
  if (n->type == SESS_NODE_NUMBER && (n->min < 1 || n->min > n->max))
    rc = sess__problem(d, "%s: a number needs 1 <= min <= max", where);
  if (n->type == SESS_NODE_TEXT && n->max_len <= 0)
    rc = sess__problem(d, "%s: a text node needs max_len", where);
  if (when) {
    n->when = calloc(1, sizeof(*n->when));
    if (!n->when)
      return AG_ENOMEM;
    if (cond_load(d, sv, when, n->when, where, 0))
      rc = AG_ECONTENT;
  }
  if (n->type == SESS_NODE_CHOICE || n->type == SESS_NODE_MENU) {
    if (options_load(d, c, self, n, jn, where))
      rc = AG_ECONTENT;
  }
  return rc;
}

/* Pass 1: id, version, kind and node ids, so that pass 2 can resolve references. */
int sess__survey_head(struct sess_diag *d, struct sess_survey *sv, json_t *doc, const char *file)
{
  json_t *nodes = json_object_get(doc, "nodes");
  const char *kind = json_string_value(json_object_get(doc, "kind"));
  size_t i;
  json_t *jn;
  int rc = AG_OK;

  sv->file = file;
  sv->id = json_string_value(json_object_get(doc, "id"));
  sv->version = (int)json_integer_value(json_object_get(doc, "version"));
  sv->is_survey = kind && strcmp(kind, "survey") == 0;
  sv->start = sv->first_visit = -1;
  if (!sv->id || !*sv->id)
    return sess__problem(d, "%s: missing id", file);
  if (sv->version <= 0)
    rc = sess__problem(d, "%s: version must be a positive integer", file);
  if (!json_is_array(nodes) || json_array_size(nodes) == 0)
    return sess__problem(d, "%s: needs a non-empty nodes list", file);
  if (json_array_size(nodes) > SESS_MAX_NODES)
    return sess__problem(d, "%s: more than %d nodes", file, SESS_MAX_NODES);
  sv->nodes = calloc(json_array_size(nodes), sizeof(*sv->nodes));
  if (!sv->nodes)
    return AG_ENOMEM;
  json_array_foreach(nodes, i, jn)
  {
    const char *id = json_string_value(json_object_get(jn, "id"));
    if (!id || !*id)
      return sess__problem(d, "%s: node %zu has no id", file, i + 1);
    if (sess__node_find(sv, id) >= 0)
      return sess__problem(d, "%s: node id '%s' is used twice", file, id);
    sv->nodes[sv->n_nodes++].id = id;
  }
  sv->conditions = json_object_get(doc, "conditions");
  if (sv->conditions && !json_is_object(sv->conditions))
    rc = sess__problem(d, "%s: 'conditions' must be an object of named conditions", file);
  for (int k = 0; k < SESS_CTX_N; k++)
    sv->context_node[k] = sess__node_find(sv, sess_context_ids[k]);
  sv->start = sess__node_find(sv, json_string_value(json_object_get(doc, "start")));
  if (sv->start < 0)
    return sess__problem(d, "%s: 'start' must name a node", file);
  sv->no_resume = json_is_false(json_object_get(doc, "resume"));
  if (json_object_get(doc, "resume") && !json_is_boolean(json_object_get(doc, "resume")))
    rc = sess__problem(d, "%s: 'resume' must be true or false", file);
  if (json_object_get(doc, "first_visit")) {
    sv->first_visit = sess__node_find(sv, json_string_value(json_object_get(doc, "first_visit")));
    if (sv->first_visit < 0)
      rc = sess__problem(d, "%s: 'first_visit' must name a node", file);
  }
  return rc;
}

/* The region question a district question follows: the nearest earlier regions node. */
void sess__link_districts(struct sess_survey *sv)
{
  int region = -1;

  for (size_t i = 0; i < sv->n_nodes; i++) {
    if (sv->nodes[i].source == SESS_SOURCE_REGIONS)
      region = (int)i;
    else if (sv->nodes[i].source == SESS_SOURCE_DISTRICTS)
      sv->nodes[i].region_node = region;
  }
}
