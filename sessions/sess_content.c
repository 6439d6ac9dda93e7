/* sess_content.c: loading content/<name>.json into a snapshot, reporting every problem: the
 * folder read and every document kept (the snapshot's strings borrow from them), the strings
 * file, the reference count, and the lookups the engine makes in a snapshot.
 *
 * Loading runs in two passes over the survey and menu files (sess_survey.c): first every file's
 * id and node ids, then each node's fields, so that a reference may point forward or into
 * another file ("file:node"). Tips are read by sess_tips.c, places by sess_places.c; checks that
 * need the whole snapshot (budgets, reachability) live in sess_check.c.
 */
#include "sessions/sess-internal.h"
#include "lib/ag_lang.h"
#include "lib/ag_text.h"
#include "lib/ag.h"

#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>
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
int sess__text_load(struct sess_diag *d, json_t *obj, struct sess_text *t, const char *where)
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

static int strings_load(struct sess_diag *d, struct sess_content *c, json_t *doc, const char *file)
{
  static const char *const required[] = {
      "yes", "no", "more", "back", "invalid", "unavailable", "not_kazakh", "bad_number",
      "resume_prompt", "resume", "start_over", "skip", "timeout", "sms_prompt", "sms_on", "sms_off",
      "sms_on_done", "sms_off_done", "tips_prompt", "no_tips", "unconfirmed", "updated",
      /* the SMS switch saying whether the caller's tips are on or off */
      "sms_prompt_on", "sms_prompt_off"};
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
    if (sess__text_load(d, json_object_get(c->strings, required[i]), &t, where))
      rc = AG_ECONTENT;
  }
  return rc;
}

int sess__docs_push(struct sess_content *c, json_t *doc)
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
    if (sess__docs_push(c, doc))
      return AG_ENOMEM;
    file = json_string_value(json_object_get(doc, "_file"));
    kind = json_string_value(json_object_get(doc, "kind"));
    if (!kind) {
      rc = sess__problem(d, "%s: missing kind (survey, menu, strings, tips or places)", file);
    } else if (strcmp(kind, "strings") == 0) {
      if (strings_load(d, c, doc, file))
        rc = AG_ECONTENT;
    } else if (strcmp(kind, "tips") == 0) {
      if (sess__tips_load(d, c, doc, file))
        rc = AG_ECONTENT;
    } else if (strcmp(kind, "places") == 0) {
      *places_doc = doc;
    } else if (strcmp(kind, "survey") == 0 || strcmp(kind, "menu") == 0) {
      struct sess_survey *sv = &c->surveys[c->n_surveys++];
      if (sess__survey_head(d, sv, doc, file)) {
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

/* The fingerprint of every parsed document, the places list last, in load order. Parsed, not
 * the files' bytes: the places come from the database, and a file's spacing changes nothing a
 * caller sees. AG_OK or AG_ENOMEM. */
static int fingerprint(struct sess_content *c)
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);

  for (size_t i = 0; ok && i < c->n_docs; i++) {
    char *text = json_dumps(c->docs[i], JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    /* the NUL too: two documents never run into each other */
    ok = text && EVP_DigestUpdate(ctx, text, strlen(text) + 1);
    free(text);
  }
  ok = ok && EVP_DigestFinal_ex(ctx, md, &len) && len >= 8;
  EVP_MD_CTX_free(ctx);
  if (!ok)
    return AG_ENOMEM;
  *ag_hex_put(c->fingerprint, md, 8) = '\0';
  return AG_OK;
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
      if (sess__node_load(d, c, (int)s, &sv->nodes[k], json_array_get(nodes, k))) {
        sv->nodes[k].broken = 1;
        rc = AG_ECONTENT;
      }
    }
    sess__link_districts(sv);
  }
  if (rc != AG_ENOMEM && sess__places_load(d, c, places_doc, places, n_places))
    rc = AG_ECONTENT;
  if (rc == AG_OK && d->count)
    rc = AG_ECONTENT;
  if (rc != AG_ENOMEM && c->strings && sess__costs_build(c) != AG_OK)
    rc = AG_ENOMEM;
  if (rc == AG_OK && fingerprint(c) != AG_OK) /* a snapshot that serves */
    rc = AG_ENOMEM;
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
      sess__cond_free(c->surveys[s].nodes[n].when);
      free(c->surveys[s].nodes[n].when);
    }
    free(c->surveys[s].nodes);
  }
  free(c->surveys);
  free(c->bands);
  free(c->tips);
  free(c->places);
  for (int l = 0; l < SESS_NLANG; l++)
    free(c->place_order[l]);
  for (size_t i = 0; i < c->n_docs; i++)
    json_decref(c->docs[i]);
  free(c->docs);
  sess__costs_free(c->costs);
  free(c);
}

const char *sess_content_fingerprint(const struct sess_content *c)
{
  return c->fingerprint;
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
    const struct sess_place *p = &c->places[c->place_order[lang][i]];
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
