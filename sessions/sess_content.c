/* sess_content.c: loading and validating content/<name>.json into a snapshot (docs/content.md). */
#include "sessions/sess-internal.h"
#include "gateway/gw.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILES 64

static const char *const lang_codes[SESS_NLANG] = {"kk", "ru", "en"};

const char *sess_lang_code(enum sess_lang lang)
{
  return (unsigned)lang < SESS_NLANG ? lang_codes[lang] : "kk";
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  return GW_ECONTENT;
}

/* Reads {"kk": "...", "ru": "...", "en": "..."}: all three, non-empty. */
static int text_load(json_t *obj, struct sess_text *t, const char *where, char *err, size_t errlen)
{
  if (!json_is_object(obj))
    return fail(err, errlen, "%s: expected an object with kk, ru and en texts", where);
  for (int l = 0; l < SESS_NLANG; l++) {
    const char *s = json_string_value(json_object_get(obj, lang_codes[l]));
    if (!s || !*s) return fail(err, errlen, "%s: missing translation '%s'", where, lang_codes[l]);
    t->s[l] = s;
  }
  return GW_OK;
}

static const struct {
  const char *name;
  enum sess_node_type type;
} node_types[] = {
    {"choice", SESS_NODE_CHOICE}, {"yesno", SESS_NODE_YESNO}, {"number", SESS_NODE_NUMBER},
    {"text", SESS_NODE_TEXT},     {"menu", SESS_NODE_MENU},   {"end", SESS_NODE_END},
};

static int type_parse(const char *name, enum sess_node_type *out)
{
  for (size_t i = 0; name && i < GW_ARRAY_LEN(node_types); i++) {
    if (strcmp(node_types[i].name, name) == 0) {
      *out = node_types[i].type;
      return GW_OK;
    }
  }
  return GW_EINVAL;
}

int sess__node_find(const struct sess_survey *sv, const char *id)
{
  for (size_t i = 0; id && i < sv->n_nodes; i++)
    if (strcmp(sv->nodes[i].id, id) == 0) return (int)i;
  return -1;
}

/* A reference to a node by id: absent is allowed (-1) only when optional. */
static int ref_resolve(const struct sess_survey *sv, json_t *ref, int *out, const char *where,
                       char *err, size_t errlen)
{
  const char *id;

  *out = -1;
  if (!ref) return GW_OK;
  id = json_string_value(ref);
  if (!id) return fail(err, errlen, "%s: expected a node id", where);
  *out = sess__node_find(sv, id);
  if (*out < 0) return fail(err, errlen, "%s: no node '%s'", where, id);
  return GW_OK;
}

static int options_load(struct sess_survey *sv, struct sess_node *n, json_t *jn, const char *where,
                        char *err, size_t errlen)
{
  json_t *opts = json_object_get(jn, "options");
  char w[320];
  size_t i;
  json_t *jo;

  if (!json_is_array(opts) || json_array_size(opts) == 0)
    return fail(err, errlen, "%s: a %s node needs a non-empty options list", where,
                n->type == SESS_NODE_MENU ? "menu" : "choice");
  n->n_options = json_array_size(opts);
  n->options = calloc(n->n_options, sizeof(*n->options));
  if (!n->options) return GW_ENOMEM;
  json_array_foreach(opts, i, jo)
  {
    struct sess_option *o = &n->options[i];
    const char *lang = json_string_value(json_object_get(jo, "set_lang"));
    int rc;

    snprintf(w, sizeof(w), "%s option %zu", where, i + 1);
    rc = text_load(json_object_get(jo, "label"), &o->label, w, err, errlen);
    if (rc) return rc;
    o->value = json_string_value(json_object_get(jo, "value"));
    if (n->type == SESS_NODE_CHOICE && (!o->value || !*o->value))
      return fail(err, errlen, "%s: a choice option needs a value", w);
    rc = ref_resolve(sv, json_object_get(jo, "next"), &o->next, w, err, errlen);
    if (rc) return rc;
    o->set_lang = -1;
    for (int l = 0; lang && l < SESS_NLANG; l++)
      if (strcmp(lang, lang_codes[l]) == 0) o->set_lang = l;
    if (lang && o->set_lang < 0)
      return fail(err, errlen, "%s: set_lang '%s' is not kk, ru or en", w, lang);
  }
  return GW_OK;
}

static int node_load(struct sess_survey *sv, struct sess_node *n, json_t *jn, const char *file,
                     char *err, size_t errlen)
{
  char where[256];
  int rc;

  snprintf(where, sizeof(where), "%s: node '%s'", file, n->id);
  if (type_parse(json_string_value(json_object_get(jn, "type")), &n->type))
    return fail(err, errlen, "%s: type must be choice, yesno, number, text, menu or end", where);
  rc = text_load(json_object_get(jn, "text"), &n->text, where, err, errlen);
  if (rc) return rc;
  rc = ref_resolve(sv, json_object_get(jn, "next"), &n->next, where, err, errlen);
  if (rc) return rc;
  if (n->type != SESS_NODE_END && n->type != SESS_NODE_MENU && n->next < 0)
    return fail(err, errlen, "%s: needs 'next'", where);
  n->optional = json_is_true(json_object_get(jn, "optional"));
  n->min = (long)json_integer_value(json_object_get(jn, "min"));
  n->max = (long)json_integer_value(json_object_get(jn, "max"));
  n->max_len = (long)json_integer_value(json_object_get(jn, "max_len"));
  if (n->type == SESS_NODE_NUMBER && n->min > n->max)
    return fail(err, errlen, "%s: min is above max", where);
  if (n->type == SESS_NODE_TEXT && n->max_len <= 0)
    return fail(err, errlen, "%s: a text node needs max_len", where);
  if (n->type == SESS_NODE_CHOICE || n->type == SESS_NODE_MENU)
    return options_load(sv, n, jn, where, err, errlen);
  return GW_OK;
}

static int survey_load(struct sess_survey *sv, json_t *doc, const char *file, char *err,
                       size_t errlen)
{
  json_t *nodes = json_object_get(doc, "nodes");
  const char *kind = json_string_value(json_object_get(doc, "kind"));
  size_t i;
  json_t *jn;
  int rc;

  sv->file = file;
  sv->id = json_string_value(json_object_get(doc, "id"));
  sv->version = (int)json_integer_value(json_object_get(doc, "version"));
  if (!sv->id || !*sv->id) return fail(err, errlen, "%s: missing id", file);
  if (sv->version <= 0) return fail(err, errlen, "%s: version must be a positive integer", file);
  sv->is_survey = kind && strcmp(kind, "survey") == 0;
  if (!json_is_array(nodes) || json_array_size(nodes) == 0)
    return fail(err, errlen, "%s: needs a non-empty nodes list", file);
  if (json_array_size(nodes) > SESS_MAX_NODES)
    return fail(err, errlen, "%s: more than %d nodes", file, SESS_MAX_NODES);
  sv->n_nodes = json_array_size(nodes);
  sv->nodes = calloc(sv->n_nodes, sizeof(*sv->nodes));
  if (!sv->nodes) return GW_ENOMEM;
  /* Ids first, so that references may point forward. */
  json_array_foreach(nodes, i, jn)
  {
    sv->nodes[i].id = json_string_value(json_object_get(jn, "id"));
    if (!sv->nodes[i].id || !*sv->nodes[i].id)
      return fail(err, errlen, "%s: node %zu has no id", file, i + 1);
    if (sess__node_find(sv, sv->nodes[i].id) != (int)i)
      return fail(err, errlen, "%s: node id '%s' is used twice", file, sv->nodes[i].id);
  }
  json_array_foreach(nodes, i, jn)
  {
    rc = node_load(sv, &sv->nodes[i], jn, file, err, errlen);
    if (rc) return rc;
  }
  sv->start = sess__node_find(sv, json_string_value(json_object_get(doc, "start")));
  if (sv->start < 0) return fail(err, errlen, "%s: 'start' must name a node", file);
  return GW_OK;
}

static int strings_check(json_t *strings, const char *file, char *err, size_t errlen)
{
  static const char *const required[] = {"yes", "no", "invalid", "unavailable"};
  struct sess_text t;
  char where[256];

  for (size_t i = 0; i < GW_ARRAY_LEN(required); i++) {
    snprintf(where, sizeof(where), "%s: string '%s'", file, required[i]);
    int rc = text_load(json_object_get(strings, required[i]), &t, where, err, errlen);
    if (rc) return rc;
  }
  return GW_OK;
}

/* Every screen of every node, in every language, with and without the error line. */
static int budget_check(const struct sess_content *c, char *err, size_t errlen)
{
  char screen[SESS_SCREEN_MAX];

  for (size_t s = 0; s < c->n_surveys; s++) {
    const struct sess_survey *sv = &c->surveys[s];
    for (size_t n = 0; n < sv->n_nodes; n++) {
      for (int l = 0; l < SESS_NLANG; l++) {
        for (int e = 0; e < 2; e++) {
          size_t units, limit;
          if (sv->nodes[n].type == SESS_NODE_END && e) continue;
          if (sess__render(c, sv, (int)n, (enum sess_lang)l, e, screen, sizeof(screen)) ||
              sess__screen_cost(c, screen, &units, &limit))
            return fail(err, errlen, "%s: node '%s' (%s): screen cannot be rendered", sv->file,
                        sv->nodes[n].id, lang_codes[l]);
          if (units > limit)
            return fail(err, errlen, "%s: node '%s' (%s%s): screen is %zu characters, budget %zu",
                        sv->file, sv->nodes[n].id, lang_codes[l], e ? ", with error line" : "",
                        units, limit);
        }
      }
    }
  }
  return GW_OK;
}

static int load_doc(struct sess_content *c, const char *dir, const char *name, char *err,
                    size_t errlen)
{
  char path[4096];
  json_error_t jerr;
  json_t *doc;
  const char *kind;

  snprintf(path, sizeof(path), "%s/%s", dir, name);
  doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
  if (!doc) return fail(err, errlen, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
  c->docs[c->n_docs++] = doc;
  json_object_set_new(doc, "_file", json_string(name)); /* keeps the name alive with the doc */
  kind = json_string_value(json_object_get(doc, "kind"));
  if (!kind) return fail(err, errlen, "%s: missing kind (survey, menu, strings or tips)", path);
  if (strcmp(kind, "strings") == 0) {
    if (c->strings) return fail(err, errlen, "%s: a second strings file", path);
    c->strings = json_object_get(doc, "strings");
    return strings_check(c->strings, name, err, errlen);
  }
  if (strcmp(kind, "survey") == 0 || strcmp(kind, "menu") == 0) {
    struct sess_survey *sv = &c->surveys[c->n_surveys++];
    int rc = survey_load(sv, doc, json_string_value(json_object_get(doc, "_file")), err, errlen);
    if (rc) return rc;
    for (size_t i = 0; i + 1 < c->n_surveys; i++)
      if (strcmp(c->surveys[i].id, sv->id) == 0)
        return fail(err, errlen, "%s: id '%s' is also used by %s", path, sv->id,
                    c->surveys[i].file);
    return GW_OK;
  }
  if (strcmp(kind, "tips") == 0) return GW_OK; /* the tip scheduler reads these */
  return fail(err, errlen, "%s: unknown kind '%s'", path, kind);
}

static int is_json_name(const char *n)
{
  size_t len = strlen(n);
  return n[0] != '.' && len > 5 && strcmp(n + len - 5, ".json") == 0;
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .json names of dir, sorted so that errors and ids come out the same on every machine. */
static int list_dir(const char *dir, char **names, size_t *n, char *err, size_t errlen)
{
  DIR *d = opendir(dir);
  struct dirent *e;

  *n = 0;
  if (!d) {
    snprintf(err, errlen, "cannot open content folder %s: %s", dir, strerror(errno));
    return GW_EIO;
  }
  while ((e = readdir(d)) != NULL) {
    if (!is_json_name(e->d_name)) continue;
    if (*n == MAX_FILES) {
      closedir(d);
      return fail(err, errlen, "%s: more than %d content files", dir, MAX_FILES);
    }
    names[*n] = strdup(e->d_name);
    if (!names[*n]) {
      closedir(d);
      return GW_ENOMEM;
    }
    (*n)++;
  }
  closedir(d);
  qsort(names, *n, sizeof(*names), cmp_str);
  return GW_OK;
}

int sess_content_load(const char *dir, const struct sess_budget *budget, struct sess_content **out,
                      char *err, size_t errlen)
{
  char *names[MAX_FILES];
  size_t n = 0;
  struct sess_content *c = calloc(1, sizeof(*c));
  int rc;

  *out = NULL;
  if (!c) return GW_ENOMEM;
  c->refs = 1;
  c->budget = *budget;
  rc = list_dir(dir, names, &n, err, errlen);
  if (rc == GW_OK) {
    c->docs = calloc(n ? n : 1, sizeof(*c->docs));
    c->surveys = calloc(n ? n : 1, sizeof(*c->surveys));
    if (!c->docs || !c->surveys) rc = GW_ENOMEM;
  }
  for (size_t i = 0; i < n && rc == GW_OK; i++)
    rc = load_doc(c, dir, names[i], err, errlen);
  if (rc == GW_OK && !c->strings)
    rc = fail(err, errlen, "%s: no strings.json (kind \"strings\")", dir);
  if (rc == GW_OK) rc = budget_check(c, err, errlen);
  for (size_t i = 0; i < n; i++)
    free(names[i]);
  if (rc) {
    sess_content_unref(c);
    return rc;
  }
  *out = c;
  return GW_OK;
}

struct sess_content *sess_content_ref(struct sess_content *c)
{
  c->refs++;
  return c;
}

void sess_content_unref(struct sess_content *c)
{
  if (!c || --c->refs > 0) return;
  for (size_t s = 0; s < c->n_surveys; s++) {
    for (size_t n = 0; n < c->surveys[s].n_nodes; n++)
      free(c->surveys[s].nodes[n].options);
    free(c->surveys[s].nodes);
  }
  free(c->surveys);
  for (size_t i = 0; i < c->n_docs; i++)
    json_decref(c->docs[i]);
  free(c->docs);
  free(c);
}

const struct sess_survey *sess__survey_find(const struct sess_content *c, const char *id)
{
  for (size_t i = 0; id && i < c->n_surveys; i++)
    if (strcmp(c->surveys[i].id, id) == 0) return &c->surveys[i];
  return NULL;
}

const char *sess_string(const struct sess_content *c, const char *key, enum sess_lang lang)
{
  const char *s =
      json_string_value(json_object_get(json_object_get(c->strings, key), sess_lang_code(lang)));
  return s ? s : "";
}
