/* sess_places.c: the regions and districts of a snapshot, from the database's list or from the
 * places file of the content folder (validated by lib/ag_places, as `aulgate seed` does).
 */
#include "sessions/sess-internal.h"
#include "lib/ag_collate.h"
#include "lib/ag_lang.h"
#include "lib/ag.h"
#include "lib/ag_places.h"

#include <stdlib.h>
#include <string.h>

/* One place to sort: the comparison needs the language, qsort passes only the elements. */
struct sort_ent {
  const struct sess_place *p;
  size_t index;
  int lang;
};

static int cmp_place(const void *a, const void *b)
{
  const struct sort_ent *x = a, *y = b;
  int d = ag_collate_cmp(x->p->name[x->lang] ? x->p->name[x->lang] : "",
                         y->p->name[y->lang] ? y->p->name[y->lang] : "", x->lang);

  if (d == 0) /* the same name twice (two districts of two regions): by code, for replay */
    d = strcmp(x->p->code ? x->p->code : "", y->p->code ? y->p->code : "");
  return d;
}

/* The menus list places in the alphabetical order of the screen's language, whatever order the
 * file or the database gives: one order cannot be alphabetical in Kazakh, Russian and English
 * at once (docs/decisions.md). */
static int places_order(struct sess_content *c)
{
  struct sort_ent *e = calloc(c->n_places + 1, sizeof(*e));

  if (!e)
    return AG_ENOMEM;
  for (int l = 0; l < SESS_NLANG; l++) {
    c->place_order[l] = calloc(c->n_places + 1, sizeof(size_t));
    if (!c->place_order[l]) {
      free(e);
      return AG_ENOMEM;
    }
    for (size_t i = 0; i < c->n_places; i++)
      e[i] = (struct sort_ent){&c->places[i], i, l};
    qsort(e, c->n_places, sizeof(*e), cmp_place);
    for (size_t i = 0; i < c->n_places; i++)
      c->place_order[l][i] = e[i].index;
  }
  free(e);
  return AG_OK;
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
    p->kind = json_string_value(json_object_get(j, "kind"));
    for (int l = 0; l < SESS_NLANG; l++)
      p->name[l] = json_string_value(json_object_get(json_object_get(j, "name"), ag_lang_code(l)));
  }
  return places_order(c);
}

static json_t *place_json(const char *code, const char *region, const char *kind,
                          const char *const *names)
{
  return json_pack("{s:s, s:s?, s:s?, s:{s:s, s:s, s:s}}", "code", code, "region", region, "kind",
                   kind, "name", ag_lang_code(AG_LANG_KK), names[0], ag_lang_code(AG_LANG_RU),
                   names[1], ag_lang_code(AG_LANG_EN), names[2]);
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
    if (json_array_append_new(list, place_json(p->code, p->region_code, p->kind, p->name)))
      rc = AG_ENOMEM;
  }
  ag_places_free(&pl);
  json_decref(bare);
  return rc;
}

const struct sess_place *sess__place_find(const struct sess_content *c, const char *code)
{
  for (size_t i = 0; code && i < c->n_places; i++)
    if (c->places[i].code && strcmp(c->places[i].code, code) == 0)
      return &c->places[i];
  return NULL;
}

int sess__places_load(struct sess_diag *d, struct sess_content *c, json_t *places_doc,
                      const struct sess_place *places, size_t n_places)
{
  json_t *list = json_array();
  int rc = AG_OK;

  if (!list || sess__docs_push(c, list))
    return AG_ENOMEM;
  if (places) {
    for (size_t i = 0; i < n_places; i++)
      json_array_append_new(
          list, place_json(places[i].code, places[i].region, places[i].kind, places[i].name));
  } else if (places_doc) {
    rc = places_from_file(d, places_doc, list,
                          json_string_value(json_object_get(places_doc, "_file")));
  }
  if (rc == AG_OK)
    rc = places_adopt(c, list);
  return rc;
}
