/* sim_content.c: the content files read for what a parent sees of them: each question's text
 * and each answer's label in the three languages, the names of the places, and the shared
 * strings (Yes, More, Continue...). The gateway validates the content; this only indexes it, and
 * refuses a file whose shape it does not know rather than guess. */
#include "tools/simulate/sim-internal.h"
#include "lib/ag.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const sim_lang_code[SIM_LANGS] = {"kk", "ru", "en"};

static const char *const sim_str_key[SIM_S_COUNT] = {
    [SIM_S_YES] = "yes",
    [SIM_S_NO] = "no",
    [SIM_S_MORE] = "more",
    [SIM_S_SKIP] = "skip",
    [SIM_S_RESUME_PROMPT] = "resume_prompt",
    [SIM_S_RESUME] = "resume",
    [SIM_S_UNAVAILABLE] = "unavailable",
    [SIM_S_UNCONFIRMED] = "unconfirmed",
};

/* Copies the three languages of a {"kk":..,"ru":..,"en":..} object into out (owned strings,
 * "" for a missing language). AG_OK or AG_ENOMEM. */
static int sim_texts(const json_t *obj, char *out[SIM_LANGS])
{
  for (int l = 0; l < SIM_LANGS; l++) {
    const char *s = json_string_value(json_object_get(obj, sim_lang_code[l]));

    if ((out[l] = strdup(s ? s : "")) == NULL)
      return AG_ENOMEM;
  }
  return AG_OK;
}

static void sim_opt_free(struct sim_opt *o)
{
  free(o->value);
  free(o->region);
  for (int l = 0; l < SIM_LANGS; l++)
    free(o->label[l]);
}

/* The value a parent's plan names an option by. */
static int sim_opt_value(const json_t *opt, char **out)
{
  const char *v = json_string_value(json_object_get(opt, "value"));
  char buf[40];

  if (!v && (v = json_string_value(json_object_get(opt, "set_lang"))) != NULL) {
    snprintf(buf, sizeof(buf), "lang:%s", v);
    v = buf;
  }
  if (!v)
    v = json_string_value(json_object_get(opt, "action"));
  if (!v) /* a way on and nothing else ("Start" of the opening screen): named by where it goes */
    v = json_string_value(json_object_get(opt, "goto"));
  *out = strdup(v ? v : "");
  return *out ? AG_OK : AG_ENOMEM;
}

static enum sim_kind sim_kind_of(const char *type)
{
  static const struct {
    const char *name;
    enum sim_kind kind;
  } kinds[] = {{"choice", SIM_K_CHOICE},
               {"yesno", SIM_K_YESNO},
               {"number", SIM_K_NUMBER},
               {"menu", SIM_K_MENU},
               {"end", SIM_K_END}};

  for (size_t i = 0; type && i < AG_ARRAY_LEN(kinds); i++)
    if (strcmp(type, kinds[i].name) == 0)
      return kinds[i].kind;
  return SIM_K_OTHER;
}

static int sim_node_add(struct sim_content *c, const json_t *jn)
{
  struct sim_node *n = &c->nodes[c->n_nodes];
  const char *id = json_string_value(json_object_get(jn, "id"));
  const char *from = json_string_value(json_object_get(jn, "options_from"));
  const json_t *opts = json_object_get(jn, "options");
  int rc;

  memset(n, 0, sizeof(*n));
  if (!id)
    return AG_ECONTENT;
  c->n_nodes++; /* from here on, sim_content_free() frees what is filled */
  if ((n->id = strdup(id)) == NULL)
    return AG_ENOMEM;
  n->kind = sim_kind_of(json_string_value(json_object_get(jn, "type")));
  n->from = !from                          ? SIM_FROM_NONE
            : strcmp(from, "regions") == 0 ? SIM_FROM_REGIONS
                                           : SIM_FROM_DISTRICTS;
  n->optional = json_is_true(json_object_get(jn, "optional"));
  if ((rc = sim_texts(json_object_get(jn, "text"), n->text)) != AG_OK)
    return rc;
  if (!json_is_array(opts) || json_array_size(opts) == 0)
    return AG_OK;
  if ((n->opts = calloc(json_array_size(opts), sizeof(*n->opts))) == NULL)
    return AG_ENOMEM;
  for (size_t i = 0; i < json_array_size(opts); i++) {
    const json_t *jo = json_array_get(opts, i);

    n->n_opts++;
    if ((rc = sim_opt_value(jo, &n->opts[i].value)) != AG_OK ||
        (rc = sim_texts(json_object_get(jo, "label"), n->opts[i].label)) != AG_OK)
      return rc;
  }
  return AG_OK;
}

static json_t *sim_json(const char *dir, const char *file, char *err, size_t errlen)
{
  char path[1024];
  json_error_t je;
  json_t *j;

  snprintf(path, sizeof(path), "%s/%s", dir, file);
  j = json_load_file(path, 0, &je);
  if (!j)
    snprintf(err, errlen, "%s:%d: %s", path, je.line, je.text);
  return j;
}

static int sim_nodes_load(struct sim_content *c, const json_t *survey, const json_t *menu)
{
  const json_t *sn = json_object_get(survey, "nodes"), *mn = json_object_get(menu, "nodes");
  int rc = AG_OK;

  if (!json_is_array(sn) || !json_is_array(mn))
    return AG_ECONTENT;
  c->nodes = calloc(json_array_size(sn) + json_array_size(mn), sizeof(*c->nodes));
  if (!c->nodes)
    return AG_ENOMEM;
  for (size_t i = 0; rc == AG_OK && i < json_array_size(mn); i++)
    rc = sim_node_add(c, json_array_get(mn, i));
  for (size_t i = 0; rc == AG_OK && i < json_array_size(sn); i++)
    rc = sim_node_add(c, json_array_get(sn, i));
  return rc;
}

static int sim_place_add(struct sim_content *c, const json_t *jp, const char *region)
{
  struct sim_opt *o = &c->places[c->n_places];
  const char *code = json_string_value(json_object_get(jp, "code"));

  if (!code)
    return AG_ECONTENT;
  c->n_places++;
  if ((o->value = strdup(code)) == NULL || (region && (o->region = strdup(region)) == NULL))
    return AG_ENOMEM;
  return sim_texts(json_object_get(jp, "name"), o->label);
}

static int sim_places_load(struct sim_content *c, const json_t *places)
{
  const json_t *regions = json_object_get(places, "regions");
  size_t total = 0;
  int rc = AG_OK;

  if (!json_is_array(regions))
    return AG_ECONTENT;
  for (size_t i = 0; i < json_array_size(regions); i++)
    total += 1 + json_array_size(json_object_get(json_array_get(regions, i), "districts"));
  if ((c->places = calloc(total, sizeof(*c->places))) == NULL)
    return AG_ENOMEM;
  for (size_t i = 0; rc == AG_OK && i < json_array_size(regions); i++) {
    const json_t *r = json_array_get(regions, i), *ds = json_object_get(r, "districts");

    const char *region = json_string_value(json_object_get(r, "code"));

    rc = sim_place_add(c, r, NULL);
    for (size_t k = 0; rc == AG_OK && k < json_array_size(ds); k++)
      rc = sim_place_add(c, json_array_get(ds, k), region);
  }
  return rc;
}

static int sim_strings_load(struct sim_content *c, const json_t *strings)
{
  const json_t *all = json_object_get(strings, "strings");

  for (int s = 0; s < SIM_S_COUNT; s++) {
    int rc = sim_texts(json_object_get(all, sim_str_key[s]), c->str[s]);

    if (rc != AG_OK)
      return rc;
  }
  return AG_OK;
}

int sim_content_load(const char *dir, struct sim_content **out, char *err, size_t errlen)
{
  static const char *const files[] = {"involvement.json", "main_menu.json", "regions.json",
                                      "strings.json"};
  json_t *j[AG_ARRAY_LEN(files)] = {NULL};
  struct sim_content *c = calloc(1, sizeof(*c));
  int rc = c ? AG_OK : AG_ENOMEM;

  *out = NULL;
  err[0] = '\0';
  for (size_t i = 0; rc == AG_OK && i < AG_ARRAY_LEN(files); i++)
    if ((j[i] = sim_json(dir, files[i], err, errlen)) == NULL)
      rc = AG_ECONTENT;
  if (rc == AG_OK) {
    c->version = (unsigned)json_integer_value(json_object_get(j[0], "version"));
    rc = sim_nodes_load(c, j[0], j[1]);
  }
  if (rc == AG_OK)
    rc = sim_places_load(c, j[2]);
  if (rc == AG_OK)
    rc = sim_strings_load(c, j[3]);
  for (size_t i = 0; i < AG_ARRAY_LEN(files); i++)
    json_decref(j[i]);
  if (rc != AG_OK) {
    if (!err[0])
      snprintf(err, errlen, "%s: %s", dir, ag_strerror(rc));
    sim_content_free(c);
    return rc == AG_ENOMEM ? rc : AG_ECONTENT;
  }
  *out = c;
  return AG_OK;
}

void sim_content_free(struct sim_content *c)
{
  if (!c)
    return;
  for (size_t i = 0; i < c->n_nodes; i++) {
    struct sim_node *n = &c->nodes[i];

    free(n->id);
    for (int l = 0; l < SIM_LANGS; l++)
      free(n->text[l]);
    for (size_t k = 0; k < n->n_opts; k++)
      sim_opt_free(&n->opts[k]);
    free(n->opts);
  }
  free(c->nodes);
  for (size_t i = 0; i < c->n_places; i++)
    sim_opt_free(&c->places[i]);
  free(c->places);
  for (int s = 0; s < SIM_S_COUNT; s++)
    for (int l = 0; l < SIM_LANGS; l++)
      free(c->str[s][l]);
  free(c);
}

const struct sim_opt *sim__place(const struct sim_content *c, const char *code)
{
  for (size_t i = 0; i < c->n_places; i++)
    if (strcmp(c->places[i].value, code) == 0)
      return &c->places[i];
  return NULL;
}

int sim__schools_load(const char *path, const struct sim_content *c, const char *region,
                      struct sim_school **out, size_t *n, char *err, size_t errlen)
{
  json_error_t je;
  json_t *j = json_load_file(path, 0, &je);
  const json_t *all = json_object_get(j, "schools");
  struct sim_school *s = calloc(json_array_size(all) + 1, sizeof(*s));
  size_t k = 0;

  *out = NULL;
  *n = 0;
  if (!j || !s) {
    snprintf(err, errlen, "%s: %s", path, j ? "out of memory" : je.text);
    json_decref(j);
    free(s);
    return j ? AG_ENOMEM : AG_ECONTENT;
  }
  for (size_t i = 0; i < json_array_size(all); i++) {
    const json_t *e = json_array_get(all, i);
    const char *d = json_string_value(json_object_get(e, "district"));
    const char *set = json_string_value(json_object_get(e, "settlement"));
    const struct sim_opt *place = d ? sim__place(c, d) : NULL;
    json_int_t num = json_integer_value(json_object_get(e, "number"));

    if (!place || !place->region || strcmp(place->region, region) != 0 || !set || num < 1 ||
        num > 9999 || strlen(d) >= sizeof(s[k].district))
      continue; /* another region's, or a school the survey's number cannot name */
    snprintf(s[k].district, sizeof(s[k].district), "%s", d);
    s[k].number = (unsigned)num;
    s[k++].rural = strcmp(set, "rural") == 0;
  }
  json_decref(j);
  if (k == 0) {
    snprintf(err, errlen, "%s: no school of region %s with a number", path, region);
    free(s);
    return AG_ECONTENT;
  }
  *out = s;
  *n = k;
  return AG_OK;
}
