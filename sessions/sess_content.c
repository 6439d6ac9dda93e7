/* sess_content.c: loading content/<name>.json into a snapshot, reporting every problem.
 *
 * Loading runs in two passes over the survey and menu files: first every file's id and node ids,
 * then each node's fields, so that a reference may point forward or into another file
 * ("file:node"). Checks that need the whole snapshot (budgets, reachability) live in
 * sess_check.c.
 */
#include "sessions/sess-internal.h"
#include "lib/ag_lang.h"
#include "lib/ag_text.h"
#include "lib/ag.h"
#include "lib/ag_places.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILES 64

_Static_assert((int)SESS_NLANG == (int)AG_NLANG && (int)SESS_KK == (int)AG_LANG_KK &&
                   (int)SESS_RU == (int)AG_LANG_RU && (int)SESS_EN == (int)AG_LANG_EN,
               "enum sess_lang is enum ag_lang");
static unsigned generation_counter;

const char *sess_lang_code(enum sess_lang lang)
{
  const char *code = ag_lang_code((int)lang);

  return code ? code : ag_lang_code(AG_LANG_KK);
}

int sess__problem(struct sess_diag *d, const char *fmt, ...)
{
  va_list ap;

  d->count++;
  va_start(ap, fmt);
  if (d->out) {
    vfprintf(d->out, fmt, ap);
    fputc('\n', d->out);
  } else if (d->count == 1) {
    vsnprintf(d->err, d->errlen, fmt, ap);
  }
  va_end(ap);
  return AG_ECONTENT;
}

/* Reads {"kk": "...", "ru": "...", "en": "..."}: all three, non-empty. */
static int text_load(struct sess_diag *d, json_t *obj, struct sess_text *t, const char *where)
{
  int rc = AG_OK;

  for (int l = 0; l < SESS_NLANG; l++)
    t->s[l] = ""; /* lint goes on after a problem: never leave a text NULL */
  if (!json_is_object(obj))
    return sess__problem(d, "%s: expected an object with kk, ru and en texts", where);
  for (int l = 0; l < SESS_NLANG; l++) {
    const char *s = json_string_value(json_object_get(obj, ag_lang_code(l)));
    if (!s || !*s)
      rc = sess__problem(d, "%s: missing translation '%s'", where, ag_lang_code(l));
    t->s[l] = s ? s : "";
  }
  return rc;
}

static const struct {
  const char *name;
  enum sess_node_type type;
} node_types[] = {
    {"choice", SESS_NODE_CHOICE}, {"yesno", SESS_NODE_YESNO}, {"number", SESS_NODE_NUMBER},
    {"text", SESS_NODE_TEXT},     {"menu", SESS_NODE_MENU},   {"end", SESS_NODE_END},
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

static int cond_load(struct sess_diag *d, const struct sess_survey *sv, json_t *j,
                     struct sess_cond *out, const char *where)
{
  json_t *list;

  memset(out, 0, sizeof(*out));
  if ((list = json_object_get(j, "all")) || (list = json_object_get(j, "any"))) {
    size_t i;
    json_t *k;
    int rc = AG_OK;
    out->op = json_object_get(j, "all") ? SESS_COND_ALL : SESS_COND_ANY;
    if (!json_is_array(list) || json_array_size(list) == 0)
      return sess__problem(d, "%s: 'all'/'any' needs a non-empty list", where);
    out->kids = calloc(json_array_size(list), sizeof(*out->kids));
    if (!out->kids)
      return AG_ENOMEM;
    json_array_foreach(list, i, k)
    {
      out->n_kids++;
      if (cond_load(d, sv, k, &out->kids[i], where))
        rc = AG_ECONTENT;
    }
    return rc;
  }
  out->op = json_object_get(j, "in") ? SESS_COND_IN : SESS_COND_NOT_IN;
  list = json_object_get(j, out->op == SESS_COND_IN ? "in" : "not_in");
  out->q = sess__node_find(sv, json_string_value(json_object_get(j, "q")));
  if (out->q < 0)
    return sess__problem(d, "%s: 'when' names no node of this file in 'q'", where);
  if (!json_is_array(list) || json_array_size(list) == 0)
    return sess__problem(d, "%s: 'when' needs a non-empty 'in' or 'not_in' list", where);
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

static void cond_free(struct sess_cond *c)
{
  if (!c)
    return;
  for (size_t i = 0; i < c->n_kids; i++)
    cond_free(&c->kids[i]);
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
  int rc = text_load(d, json_object_get(jo, "label"), &o->label, where);

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

static int node_load(struct sess_diag *d, const struct sess_content *c, int self,
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
    return sess__problem(d, "%s: type must be choice, yesno, number, text, menu or end", where);
  n->type = node_types[t].type;
  n->region_node = -1;
  if (text_load(d, json_object_get(jn, "text"), &n->text, where))
    rc = AG_ECONTENT;
  if (goto_resolve(d, c, self, json_object_get(jn, "next"), &n->next, where))
    rc = AG_ECONTENT;
  if (n->type != SESS_NODE_END && n->type != SESS_NODE_MENU && n->next.file < 0)
    rc = sess__problem(d, "%s: a question needs 'next'", where);
  n->relation = role && strcmp(role, "relation") == 0;
  n->subscribes = role && strcmp(role, "subscribe") == 0;
  if (role && !n->relation && !n->subscribes)
    rc = sess__problem(d, "%s: role must be relation or subscribe", where);
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
    if (cond_load(d, sv, when, n->when, where))
      rc = AG_ECONTENT;
  }
  if (n->type == SESS_NODE_CHOICE || n->type == SESS_NODE_MENU) {
    if (options_load(d, c, self, n, jn, where))
      rc = AG_ECONTENT;
  }
  return rc;
}

/* Pass 1: id, version, kind and node ids, so that pass 2 can resolve references. */
static int survey_head(struct sess_diag *d, struct sess_survey *sv, json_t *doc, const char *file)
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
  sv->start = sess__node_find(sv, json_string_value(json_object_get(doc, "start")));
  if (sv->start < 0)
    return sess__problem(d, "%s: 'start' must name a node", file);
  if (json_object_get(doc, "first_visit")) {
    sv->first_visit = sess__node_find(sv, json_string_value(json_object_get(doc, "first_visit")));
    if (sv->first_visit < 0)
      rc = sess__problem(d, "%s: 'first_visit' must name a node", file);
  }
  return rc;
}

/* The region question a district question follows: the nearest earlier regions node. */
static void link_districts(struct sess_survey *sv)
{
  int region = -1;

  for (size_t i = 0; i < sv->n_nodes; i++) {
    if (sv->nodes[i].source == SESS_SOURCE_REGIONS)
      region = (int)i;
    else if (sv->nodes[i].source == SESS_SOURCE_DISTRICTS)
      sv->nodes[i].region_node = region;
  }
}

static int strings_load(struct sess_diag *d, struct sess_content *c, json_t *doc, const char *file)
{
  static const char *const required[] = {
      "yes",         "no",          "more",         "back",          "invalid",
      "unavailable", "not_kazakh",  "bad_number",   "resume_prompt", "resume",
      "start_over",  "skip",        "timeout",      "sms_prompt",    "sms_on",
      "sms_off",     "sms_on_done", "sms_off_done", "tips_prompt",   "no_tips"};
  char where[256];
  struct sess_text t;
  int rc = AG_OK;

  if (c->strings)
    return sess__problem(d, "%s: a second strings file", file);
  c->strings = json_object_get(doc, "strings");
  c->strings_file = file;
  if (!json_is_object(c->strings))
    return sess__problem(d, "%s: needs a 'strings' object", file);
  for (size_t i = 0; i < AG_ARRAY_LEN(required); i++) {
    snprintf(where, sizeof(where), "%s: string '%s'", file, required[i]);
    if (text_load(d, json_object_get(c->strings, required[i]), &t, where))
      rc = AG_ECONTENT;
  }
  return rc;
}

static int tips_load(struct sess_diag *d, struct sess_content *c, json_t *doc, const char *file)
{
  json_t *bands = json_object_get(doc, "bands"), *tips = json_object_get(doc, "tips");
  char where[256];
  size_t i;
  json_t *j;
  int rc = AG_OK;

  if (c->tips)
    return sess__problem(d, "%s: a second tips file", file);
  c->tips_file = file;
  if (!json_is_array(bands) || !json_is_array(tips) || json_array_size(tips) == 0)
    return sess__problem(d, "%s: needs bands and a non-empty tips list", file);
  c->bands = calloc(json_array_size(bands) + 1, sizeof(*c->bands));
  c->tips = calloc(json_array_size(tips), sizeof(*c->tips));
  if (!c->bands || !c->tips)
    return AG_ENOMEM;
  json_array_foreach(bands, i, j)
  {
    struct sess_band *b = &c->bands[c->n_bands++];
    b->id = json_string_value(json_object_get(j, "id"));
    snprintf(where, sizeof(where), "%s: band %zu", file, i + 1);
    if (!b->id || text_load(d, json_object_get(j, "label"), &b->label, where))
      rc = sess__problem(d, "%s: needs an id and a label", where);
  }
  json_array_foreach(tips, i, j)
  {
    struct sess_tip *t = &c->tips[c->n_tips++];
    t->id = json_string_value(json_object_get(j, "id"));
    t->band = json_string_value(json_object_get(j, "band"));
    t->practice = json_string_value(json_object_get(j, "practice"));
    snprintf(where, sizeof(where), "%s: tip '%s'", file, t->id ? t->id : "?");
    if (!t->id || !t->band || !t->practice)
      rc = sess__problem(d, "%s: needs id, band and practice", where);
    if (text_load(d, json_object_get(j, "text"), &t->text, where))
      rc = AG_ECONTENT;
  }
  return rc;
}

/* The places become a jansson array of the snapshot, so their strings live as long as it. */
static int places_adopt(struct sess_content *c, json_t *list)
{
  size_t i;
  json_t *j;

  c->places = calloc(json_array_size(list) + 1, sizeof(*c->places));
  if (!c->places)
    return AG_ENOMEM;
  json_array_foreach(list, i, j)
  {
    struct sess_place *p = &c->places[c->n_places++];
    p->code = json_string_value(json_object_get(j, "code"));
    p->region = json_string_value(json_object_get(j, "region"));
    for (int l = 0; l < SESS_NLANG; l++)
      p->name[l] = json_string_value(json_object_get(json_object_get(j, "name"), ag_lang_code(l)));
  }
  return AG_OK;
}

static json_t *place_json(const char *code, const char *region, const char *const *names)
{
  return json_pack("{s:s, s:s?, s:{s:s, s:s, s:s}}", "code", code, "region", region, "name",
                   ag_lang_code(AG_LANG_KK), names[0], ag_lang_code(AG_LANG_RU), names[1],
                   ag_lang_code(AG_LANG_EN), names[2]);
}

struct places_diag {
  struct sess_diag *d; /* borrowed */
  const char *file;
};

static void places_report(void *arg, const char *problem)
{
  const struct places_diag *pd = arg;

  sess__problem(pd->d, "%s: %s", pd->file, problem);
}

/* The places file of the content folder, validated as `aulgate seed` validates it (one parser,
 * lib/ag_places), flattened: regions, then each region's districts (file order both). */
static int places_from_file(struct sess_diag *d, json_t *doc, json_t *list, const char *file)
{
  struct places_diag pd = {d, file};
  json_t *bare = json_copy(doc); /* shallow: shares the strings; without the loader's "_file" */
  struct ag_places pl;
  int rc;

  if (!bare)
    return AG_ENOMEM;
  json_object_del(bare, "_file");
  rc = ag_places_parse(bare, places_report, &pd, &pl);
  for (size_t i = 0; rc == AG_OK && i < pl.n_regions + pl.n_districts; i++) {
    const struct ag_place *p = i < pl.n_regions ? &pl.regions[i] : &pl.districts[i - pl.n_regions];
    if (json_array_append_new(list, place_json(p->code, p->region_code, p->name)))
      rc = AG_ENOMEM;
  }
  ag_places_free(&pl);
  json_decref(bare);
  return rc;
}

static int docs_push(struct sess_content *c, json_t *doc)
{
  if (c->n_docs == c->cap_docs) {
    size_t cap = c->cap_docs ? c->cap_docs * 2 : 16;
    json_t **p = realloc(c->docs, cap * sizeof(*p));
    if (!p) {
      json_decref(doc);
      return AG_ENOMEM;
    }
    c->docs = p;
    c->cap_docs = cap;
  }
  c->docs[c->n_docs++] = doc;
  return AG_OK;
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .json names of dir, sorted so that problems come out the same on every machine. */
static int list_dir(struct sess_diag *d, const char *dir, char **names, size_t *n)
{
  DIR *dh = opendir(dir);
  struct dirent *e;

  *n = 0;
  if (!dh) {
    sess__problem(d, "cannot open content folder %s: %s", dir, strerror(errno));
    return AG_EIO;
  }
  while ((e = readdir(dh)) != NULL) {
    size_t len = strlen(e->d_name);
    if (e->d_name[0] == '.' || len <= 5 || strcmp(e->d_name + len - 5, ".json") != 0)
      continue;
    if (*n == MAX_FILES) {
      closedir(dh);
      return sess__problem(d, "%s: more than %d content files", dir, MAX_FILES);
    }
    names[*n] = strdup(e->d_name);
    if (!names[*n]) {
      closedir(dh);
      return AG_ENOMEM;
    }
    (*n)++;
  }
  closedir(dh);
  qsort(names, *n, sizeof(*names), cmp_str);
  return AG_OK;
}

/* Parses every file and sorts it by kind; surveys get their pass-1 head. */
static int load_docs(struct sess_diag *d, struct sess_content *c, const char *dir, char **names,
                     size_t n, json_t **places_doc)
{
  int rc = AG_OK;

  for (size_t i = 0; i < n; i++) {
    char path[4096];
    json_error_t jerr;
    json_t *doc;
    const char *kind, *file;

    snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
    doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
      rc = sess__problem(d, "%s:%d:%d: %s", names[i], jerr.line, jerr.column, jerr.text);
      continue;
    }
    json_object_set_new(doc, "_file", json_string(names[i])); /* the name lives with the doc */
    if (docs_push(c, doc))
      return AG_ENOMEM;
    file = json_string_value(json_object_get(doc, "_file"));
    kind = json_string_value(json_object_get(doc, "kind"));
    if (!kind) {
      rc = sess__problem(d, "%s: missing kind (survey, menu, strings, tips or places)", file);
    } else if (strcmp(kind, "strings") == 0) {
      if (strings_load(d, c, doc, file))
        rc = AG_ECONTENT;
    } else if (strcmp(kind, "tips") == 0) {
      if (tips_load(d, c, doc, file))
        rc = AG_ECONTENT;
    } else if (strcmp(kind, "places") == 0) {
      *places_doc = doc;
    } else if (strcmp(kind, "survey") == 0 || strcmp(kind, "menu") == 0) {
      struct sess_survey *sv = &c->surveys[c->n_surveys++];
      if (survey_head(d, sv, doc, file)) {
        rc = AG_ECONTENT;
      } else if (sess__survey_find(c, sv->id) != sv) {
        rc = sess__problem(d, "%s: id '%s' is also used by %s", file, sv->id,
                           sess__survey_find(c, sv->id)->file);
        sv->id = NULL; /* keep references pointing at the first file */
      }
    } else {
      rc = sess__problem(d, "%s: unknown kind '%s'", file, kind);
    }
  }
  return rc;
}

static int load_places(struct sess_diag *d, struct sess_content *c, json_t *places_doc,
                       const struct sess_place *places, size_t n_places)
{
  json_t *list = json_array();
  int rc = AG_OK;

  if (!list || docs_push(c, list))
    return AG_ENOMEM;
  if (places) {
    for (size_t i = 0; i < n_places; i++)
      json_array_append_new(list, place_json(places[i].code, places[i].region, places[i].name));
  } else if (places_doc) {
    rc = places_from_file(d, places_doc, list,
                          json_string_value(json_object_get(places_doc, "_file")));
  }
  if (rc == AG_OK)
    rc = places_adopt(c, list);
  return rc;
}

static json_t *doc_of(const struct sess_content *c, const char *file)
{
  for (size_t i = 0; i < c->n_docs; i++)
    if (json_string_value(json_object_get(c->docs[i], "_file")) == file)
      return c->docs[i];
  return NULL;
}

int sess__content_build(const char *dir, const struct sess_budget *budget,
                        const struct sess_place *places, size_t n_places, struct sess_diag *d,
                        struct sess_content **out)
{
  char *names[MAX_FILES];
  size_t n = 0;
  json_t *places_doc = NULL;
  struct sess_content *c = calloc(1, sizeof(*c));
  int rc;

  *out = NULL;
  if (!c)
    return AG_ENOMEM;
  c->refs = 1;
  c->generation = ++generation_counter;
  c->budget = *budget;
  rc = list_dir(d, dir, names, &n);
  if (rc == AG_EIO || rc == AG_ENOMEM) {
    for (size_t i = 0; i < n; i++)
      free(names[i]);
    sess_content_unref(c);
    return rc;
  }
  c->surveys = calloc(n ? n : 1, sizeof(*c->surveys));
  if (!c->surveys)
    rc = AG_ENOMEM;
  if (rc != AG_ENOMEM && load_docs(d, c, dir, names, n, &places_doc))
    rc = AG_ECONTENT;
  for (size_t i = 0; i < n; i++)
    free(names[i]);
  if (rc != AG_ENOMEM && !c->strings)
    rc = sess__problem(d, "%s: no strings file (kind \"strings\")", dir);
  /* Pass 2: nodes, now that every file's ids are known. */
  for (size_t s = 0; rc != AG_ENOMEM && s < c->n_surveys; s++) {
    struct sess_survey *sv = &c->surveys[s];
    json_t *nodes = json_object_get(doc_of(c, sv->file), "nodes");
    if (!sv->id || sv->start < 0)
      continue;
    for (size_t k = 0; k < sv->n_nodes; k++) {
      if (node_load(d, c, (int)s, &sv->nodes[k], json_array_get(nodes, k))) {
        sv->nodes[k].broken = 1;
        rc = AG_ECONTENT;
      }
    }
    link_districts(sv);
  }
  if (rc != AG_ENOMEM && load_places(d, c, places_doc, places, n_places))
    rc = AG_ECONTENT;
  if (rc == AG_OK && d->count)
    rc = AG_ECONTENT;
  *out = c;
  return rc;
}

struct sess_content *sess_content_ref(struct sess_content *c)
{
  c->refs++;
  return c;
}

void sess_content_unref(struct sess_content *c)
{
  if (!c || --c->refs > 0)
    return;
  for (size_t s = 0; s < c->n_surveys; s++) {
    for (size_t n = 0; n < c->surveys[s].n_nodes; n++) {
      free(c->surveys[s].nodes[n].options);
      cond_free(c->surveys[s].nodes[n].when);
      free(c->surveys[s].nodes[n].when);
    }
    free(c->surveys[s].nodes);
  }
  free(c->surveys);
  free(c->bands);
  free(c->tips);
  free(c->places);
  for (size_t i = 0; i < c->n_docs; i++)
    json_decref(c->docs[i]);
  free(c->docs);
  free(c);
}

unsigned sess_content_generation(const struct sess_content *c)
{
  return c->generation;
}

const char *sess_string(const struct sess_content *c, const char *key, enum sess_lang lang)
{
  const char *s =
      json_string_value(json_object_get(json_object_get(c->strings, key), sess_lang_code(lang)));
  return s ? s : "";
}

size_t sess__node_items(const struct sess_content *c, const struct sess_node *n, const char *region,
                        enum sess_lang lang, struct sess_item *items)
{
  size_t k = 0;

  if (n->type == SESS_NODE_YESNO) {
    items[0].value = "yes";
    items[0].label = sess_string(c, "yes", lang);
    items[1].value = "no";
    items[1].label = sess_string(c, "no", lang);
    return 2;
  }
  if (n->source == SESS_SOURCE_NONE) {
    for (size_t i = 0; i < n->n_options; i++) {
      items[k].value = n->options[i].value;
      items[k++].label = n->options[i].label.s[lang];
    }
    return k;
  }
  for (size_t i = 0; i < c->n_places && k < SESS_MAX_OPTIONS; i++) {
    const struct sess_place *p = &c->places[i];
    int want = n->source == SESS_SOURCE_REGIONS
                   ? p->region == NULL
                   : p->region != NULL && region != NULL && strcmp(p->region, region) == 0;
    if (!want)
      continue;
    items[k].value = p->code;
    items[k++].label = p->name[lang];
  }
  return k;
}
