/* sms_tips.c: the literacy calendar's tips (content/calendar.json) as the scheduler sends them:
 * per band, in the order of sms_rotation(), in each language; and the confirmations of an opt-in
 * and of STOP (two: tips only, or tips and the school's messages) from the same file (sms.h). The
 * editorial rules (one part, the keyword named, ё) are sessions/sess_tips_rules.c's, run by the
 * content loader and `aulgate lint`. */
#include "sms/sms.h"
#include "lib/ag.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BANDS_MAX 16

struct band {
  char *id;
  size_t n;
  char **text[3]; /* [lang][k]: the k-th tip of a cycle */
};

struct sms_tips {
  struct band bands[BANDS_MAX];
  size_t n_bands;
  char *confirm[3][3]; /* [SMS_TEXT_ON/OFF/OFF_ALL][lang] */
};

static const char *const langs[3] = {"kk", "ru", "en"};
/* The keys of `confirmations`, by enum sms_text_id. */
static const char *const confirm_names[3] = {"on", "off", "off_all"};

void sms_tips_free(struct sms_tips *t)
{
  if (!t)
    return;
  for (size_t b = 0; b < t->n_bands; b++) {
    for (int l = 0; l < 3; l++) {
      for (size_t k = 0; k < t->bands[b].n && t->bands[b].text[l]; k++)
        free(t->bands[b].text[l][k]);
      free(t->bands[b].text[l]);
    }
    free(t->bands[b].id);
  }
  for (int k = 0; k < 3; k++)
    for (int l = 0; l < 3; l++)
      free(t->confirm[k][l]);
  free(t);
}

/* Fills band b from the tips of the file that belong to it. */
static int band_fill(struct band *b, json_t *tips, char *err, size_t errlen)
{
  const char *practice[SMS_ROTATION_MAX];
  json_t *of[SMS_ROTATION_MAX];
  size_t order[SMS_ROTATION_MAX], i, n = 0;
  json_t *tip;

  json_array_foreach(tips, i, tip)
  {
    const char *band = json_string_value(json_object_get(tip, "band"));
    if (!band || strcmp(band, b->id) != 0)
      continue;
    if (n == SMS_ROTATION_MAX) {
      snprintf(err, errlen, "band %s: more than %d tips", b->id, SMS_ROTATION_MAX);
      return AG_ECONTENT;
    }
    practice[n] = json_string_value(json_object_get(tip, "practice"));
    of[n++] = tip;
  }
  if (n == 0 || sms_rotation(practice, n, order) != AG_OK) {
    snprintf(err, errlen, "band %s: no tips, or a tip without its practice", b->id);
    return AG_ECONTENT;
  }
  for (int l = 0; l < 3; l++)
    if (!(b->text[l] = calloc(n, sizeof(char *))))
      return AG_ENOMEM;
  b->n = n;
  for (size_t k = 0; k < n; k++) {
    json_t *text = json_object_get(of[order[k]], "text");
    for (int l = 0; l < 3; l++) {
      const char *s = json_string_value(json_object_get(text, langs[l]));
      if (!s || !*s) {
        snprintf(err, errlen, "band %s: a tip without its %s text", b->id, langs[l]);
        return AG_ECONTENT;
      }
      if (!(b->text[l][k] = strdup(s)))
        return AG_ENOMEM;
    }
  }
  return AG_OK;
}

int sms_tips_load(const char *path, struct sms_tips **out, char *err, size_t errlen)
{
  json_error_t je;
  json_t *root = json_load_file(path, 0, &je), *bands, *band;
  struct sms_tips *t = calloc(1, sizeof(*t));
  size_t i;
  int rc = AG_OK;

  *out = NULL;
  if (!root || !t) {
    snprintf(err, errlen, "%s: %s", path, root ? "out of memory" : je.text);
    json_decref(root);
    free(t);
    return root ? AG_ENOMEM : AG_EIO;
  }
  bands = json_object_get(root, "bands");
  json_array_foreach(bands, i, band)
  {
    const char *id = json_string_value(json_object_get(band, "id"));
    if (!id || t->n_bands == BANDS_MAX) {
      snprintf(err, errlen, "%s: a band without an id, or more than %d", path, BANDS_MAX);
      rc = AG_ECONTENT;
      break;
    }
    t->bands[t->n_bands].id = strdup(id);
    if (!t->bands[t->n_bands++].id) {
      rc = AG_ENOMEM;
      break;
    }
    rc = band_fill(&t->bands[t->n_bands - 1], json_object_get(root, "tips"), err, errlen);
    if (rc)
      break;
  }
  for (int k = 0; rc == AG_OK && k < 3; k++) {
    json_t *c = json_object_get(json_object_get(root, "confirmations"), confirm_names[k]);
    for (int l = 0; rc == AG_OK && l < 3; l++) {
      const char *s = json_string_value(json_object_get(c, langs[l]));
      if (!s || !*s) {
        snprintf(err, errlen, "%s: no confirmation '%s' in %s", path, confirm_names[k], langs[l]);
        rc = AG_ECONTENT;
      } else if (!(t->confirm[k][l] = strdup(s))) {
        rc = AG_ENOMEM;
      }
    }
  }
  if (rc == AG_OK && t->n_bands == 0) {
    snprintf(err, errlen, "%s: no bands", path);
    rc = AG_ECONTENT;
  }
  json_decref(root);
  if (rc) {
    sms_tips_free(t);
    return rc;
  }
  *out = t;
  return AG_OK;
}

const char *sms_tips_pick(const struct sms_tips *t, const char *band, const char *lang, long seq)
{
  const struct band *b = NULL;
  size_t k = (size_t)(seq < 0 ? 0 : seq);
  int l = 2;

  for (size_t i = 0; band && i < t->n_bands; i++)
    if (strcmp(t->bands[i].id, band) == 0)
      b = &t->bands[i];
  for (int j = 0; lang && j < 3; j++)
    if (strcmp(langs[j], lang) == 0)
      l = j;
  if (!b && t->n_bands > 0) {
    /* No band known (decision 84): the bands in turn, each in its own cycle's order, rather
     * than one age's tips for every child. */
    b = &t->bands[k % t->n_bands];
    k /= t->n_bands;
  }
  if (!b || b->n == 0)
    return NULL;
  return b->text[l][k % b->n];
}

const char *sms_text(const struct sms_tips *t, enum sms_text_id id, const char *lang)
{
  int l = 2;

  for (int k = 0; lang && k < 3; k++)
    if (strcmp(langs[k], lang) == 0)
      l = k;
  return t->confirm[id == SMS_TEXT_OFF_ALL ? 2 : id == SMS_TEXT_OFF ? 1 : 0][l];
}
