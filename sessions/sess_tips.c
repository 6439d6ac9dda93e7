/* sess_tips.c: the tips file of the content folder: the grade bands and the tips shown for
 * each, kept as borrowed strings of the snapshot; its editorial rules are sess_tips_rules.c's.
 */
#include "sessions/sess-internal.h"
#include "lib/ag.h"

#include <stdlib.h>

int sess__tips_load(struct sess_diag *d, struct sess_content *c, json_t *doc, const char *file)
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
    if (!b->id || sess__text_load(d, json_object_get(j, "label"), &b->label, where))
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
    if (sess__text_load(d, json_object_get(j, "text"), &t->text, where))
      rc = AG_ECONTENT;
  }
  if (sess__tips_rules(d, c, doc, file))
    rc = AG_ECONTENT;
  return rc;
}
