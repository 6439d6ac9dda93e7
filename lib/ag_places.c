/* ag_places.c: the places file (content/regions.json), parsed and validated in one place.
 *
 * `aulgate seed` and the content loader's file fallback both read the file through here, so
 * both refuse the same files. Every problem is reported, naming the entry it is in. Menu order
 * is the order of the file: the n-th region, and the n-th district of a region, get sort 10 * n.
 */
#include "lib/ag_places.h"
#include "lib/ag.h"
#include "lib/ag_text.h"
#include "lib/ag_lang.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLACE_CODE_MAX 64
#define SORT_STEP      10 /* room for rows added by hand between two seeded ones */

/* The parse in progress: where problems go, and the arrays being filled. */
struct parse {
  ag_places_report report; /* borrowed */
  void *arg;
  struct ag_places *out;
};

static void problem(struct parse *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct parse *s, const char *fmt, ...)
{
  char msg[512];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  s->report(s->arg, msg);
  s->out->problems++;
}

static int valid_code(const char *c)
{
  size_t len = strlen(c);

  if (len == 0 || len > PLACE_CODE_MAX || c[0] == '-' || c[len - 1] == '-')
    return 0;
  for (size_t i = 0; i < len; i++) {
    int alnum = (c[i] >= 'a' && c[i] <= 'z') || (c[i] >= '0' && c[i] <= '9');
    if (!alnum && !(c[i] == '-' && c[i + 1] != '-'))
      return 0;
  }
  return 1;
}

/* A name goes on one menu line as is: no line breaks or other control characters, no padding,
 * and short enough for the line. Returns 0, or 1 with the flaw described in out. */
static int name_flaw(const char *v, char *out, size_t outlen)
{
  size_t len = strlen(v), units;
  const unsigned char *p = (const unsigned char *)v;

  if (strspn(v, " \t") == len)
    return snprintf(out, outlen, "is empty"), 1;
  for (size_t i = 0; i < len; i++)
    if (p[i] < 0x20 || p[i] == 0x7F || (p[i] == 0xC2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9F))
      return snprintf(out, outlen, "contains a control character (a line break?)"), 1;
  if (v[0] == ' ' || v[len - 1] == ' ')
    return snprintf(out, outlen, "starts or ends with a space"), 1;
  units = ag_text_utf16_units(v, strlen(v));
  if (units > AG_PLACE_NAME_MAX)
    return snprintf(out, outlen, "is %zu UTF-16 units long; a menu line takes at most %d", units,
                    AG_PLACE_NAME_MAX),
           1;
  return 0;
}

static void name_load(struct parse *s, json_t *obj, const char *where, const char *out[3])
{
  const char *key;
  json_t *v;

  if (!json_is_object(obj)) {
    problem(s, "%s: \"name\" must be an object with kk, ru and en names", where);
    return;
  }
  json_object_foreach(obj, key, v)
  {
    int known = 0;
    for (int l = 0; l < 3; l++)
      known |= strcmp(key, ag_lang_code(l)) == 0;
    if (!known)
      problem(s, "%s: unknown language '%s' in \"name\" (kk, ru, en)", where, key);
  }
  for (int l = 0; l < 3; l++) {
    char flaw[96];

    v = json_object_get(obj, ag_lang_code(l));
    out[l] = json_string_value(v);
    if (!v) {
      problem(s, "%s: missing translation '%s'", where, ag_lang_code(l));
    } else if (!out[l]) {
      problem(s, "%s: name '%s' must be a string", where, ag_lang_code(l));
    } else if (name_flaw(out[l], flaw, sizeof(flaw))) {
      problem(s, "%s: name '%s' \"%s\" %s", where, ag_lang_code(l), out[l], flaw);
      out[l] = NULL;
    }
  }
}

/* Reports keys of obj that are not in allowed (NULL-terminated): a typo such as "nmae" would
 * otherwise read as a missing name, or worse, be ignored. */
static void keys_check(struct parse *s, json_t *obj, const char *where, const char *const *allowed)
{
  const char *key;
  json_t *v;

  json_object_foreach(obj, key, v)
  {
    size_t i;
    for (i = 0; allowed[i] && strcmp(allowed[i], key) != 0; i++)
      ;
    if (!allowed[i])
      problem(s, "%s: unknown key \"%s\"", where, key);
  }
}

static const char *code_load(struct parse *s, json_t *obj, const char *where)
{
  json_t *v = json_object_get(obj, "code");
  const char *c = json_string_value(v);

  if (!v) {
    problem(s, "%s: missing \"code\"", where);
    return NULL;
  }
  if (!c || !valid_code(c)) {
    problem(s,
            "%s: code \"%s\" is not a lowercase ASCII slug (a-z, 0-9, single dashes inside, at "
            "most %d characters)",
            where, c ? c : "(not a string)", PLACE_CODE_MAX);
    return NULL;
  }
  return c;
}

static void district_load(struct parse *s, json_t *jd, size_t j, struct ag_place *r,
                          struct ag_place *d)
{
  static const char *const keys[] = {"code", "kind", "name", NULL};
  char where[256];
  json_t *kind;

  snprintf(where, sizeof(where), "district %zu of region '%s'", j + 1, r->code ? r->code : "?");
  if (!json_is_object(jd)) {
    problem(s, "%s: expected an object", where);
    return;
  }
  d->code = code_load(s, jd, where);
  if (d->code)
    snprintf(where, sizeof(where), "district '%s' (region '%s')", d->code, r->code ? r->code : "?");
  keys_check(s, jd, where, keys);
  d->region_code = r->code;
  d->sort = (int)(j + 1) * SORT_STEP;
  /* A city of regional significance is urban whatever the parent would answer: the survey
   * skips its settlement question (docs/content.md). */
  kind = json_object_get(jd, "kind");
  d->kind = kind ? json_string_value(kind) : "district";
  if (!d->kind || (strcmp(d->kind, "district") != 0 && strcmp(d->kind, "city") != 0)) {
    problem(s, "%s: bad kind \"%s\" (\"district\" or \"city\")", where, d->kind ? d->kind : "");
    d->kind = NULL;
  }
  name_load(s, json_object_get(jd, "name"), where, d->name);
}

static void region_load(struct parse *s, json_t *jr, size_t i)
{
  static const char *const keys[] = {"code", "kind", "name", "districts", NULL};
  struct ag_place *r = &s->out->regions[i];
  char where[256];
  json_t *list, *jd;
  size_t j;

  snprintf(where, sizeof(where), "region %zu", i + 1);
  if (!json_is_object(jr)) {
    problem(s, "%s: expected an object", where);
    return;
  }
  r->is_region = 1;
  r->code = code_load(s, jr, where);
  if (r->code)
    snprintf(where, sizeof(where), "region '%s'", r->code);
  keys_check(s, jr, where, keys);
  r->sort = (int)(i + 1) * SORT_STEP;
  r->kind = json_string_value(json_object_get(jr, "kind"));
  if (!r->kind || (strcmp(r->kind, "region") != 0 && strcmp(r->kind, "city") != 0)) {
    problem(s, "%s: bad kind \"%s\" (\"region\" or \"city\")", where, r->kind ? r->kind : "");
    r->kind = NULL;
  }
  name_load(s, json_object_get(jr, "name"), where, r->name);
  list = json_object_get(jr, "districts");
  /* A region without districts would end the survey's district question with an empty menu. */
  if (!json_is_array(list) || json_array_size(list) == 0) {
    problem(s, "%s: \"districts\" must be a non-empty list", where);
    return;
  }
  json_array_foreach(list, j, jd)
  {
    district_load(s, jd, j, r, &s->out->districts[s->out->n_districts++]);
  }
}

struct code_ref {
  const char *code;
  size_t order; /* regions, then districts, in file order */
  const struct ag_place *p;
};

static int cmp_code_ref(const void *a, const void *b)
{
  const struct code_ref *x = a, *y = b;
  int c = strcmp(x->code, y->code);

  /* Ties in file order, so that messages come out the same on every machine. */
  return c ? c : (x->order > y->order) - (x->order < y->order);
}

static void describe(const struct ag_place *p, char *out, size_t len)
{
  if (p->is_region)
    snprintf(out, len, "a region");
  else
    snprintf(out, len, "a district of region '%s'", p->region_code ? p->region_code : "?");
}

/* Codes are unique across regions and districts alike, so a code alone names one place in
 * answers, exports and messages. */
static int codes_check(struct parse *s)
{
  size_t n = 0, total = s->out->n_regions + s->out->n_districts;
  struct code_ref *refs = calloc(total ? total : 1, sizeof(*refs));

  if (!refs)
    return AG_ENOMEM;
  for (size_t i = 0; i < s->out->n_regions; i++)
    if (s->out->regions[i].code)
      refs[n++] = (struct code_ref){s->out->regions[i].code, i, &s->out->regions[i]};
  for (size_t i = 0; i < s->out->n_districts; i++)
    if (s->out->districts[i].code)
      refs[n++] = (struct code_ref){s->out->districts[i].code, s->out->n_regions + i,
                                    &s->out->districts[i]};
  qsort(refs, n, sizeof(*refs), cmp_code_ref);
  for (size_t i = 1; i < n; i++) {
    char a[128], b[128];
    if (strcmp(refs[i - 1].code, refs[i].code) != 0)
      continue;
    describe(refs[i - 1].p, a, sizeof(a));
    describe(refs[i].p, b, sizeof(b));
    problem(s, "duplicate code '%s': %s and %s", refs[i].code, a, b);
  }
  free(refs);
  return AG_OK;
}

/* The top level of the file. Returns AG_OK, or AG_ECONTENT when there is no regions list to
 * go on with. */
static int top_check(struct parse *s, json_t *doc)
{
  static const char *const keys[] = {"kind", "version", "draft_languages", "regions", NULL};
  const char *kind;
  json_t *v, *regions;

  if (!json_is_object(doc)) {
    problem(s, "expected an object with kind \"places\"");
    return AG_ECONTENT;
  }
  keys_check(s, doc, "top level", keys);
  kind = json_string_value(json_object_get(doc, "kind"));
  if (!kind || strcmp(kind, "places") != 0)
    problem(s, "kind is \"%s\", expected \"places\"", kind ? kind : "");
  v = json_object_get(doc, "version");
  if (!json_is_integer(v) || json_integer_value(v) < 1)
    problem(s, "\"version\" must be a positive integer");
  v = json_object_get(doc, "draft_languages");
  if (v) {
    json_t *l;
    size_t k;
    if (!json_is_array(v))
      problem(s, "\"draft_languages\" must be a list");
    json_array_foreach(v, k, l)
    {
      const char *code = json_string_value(l);
      if (ag_lang_find(code) < 0)
        problem(s, "draft_languages: %s is not kk, ru or en", code ? code : "(not a string)");
    }
  }
  regions = json_object_get(doc, "regions");
  if (!json_is_array(regions) || json_array_size(regions) == 0) {
    problem(s, "\"regions\" must be a non-empty list");
    return AG_ECONTENT;
  }
  return AG_OK;
}

int ag_places_parse(json_t *doc, ag_places_report report, void *arg, struct ag_places *out)
{
  struct parse ps = {report, arg, out};
  struct parse *s = &ps;
  json_t *regions, *jr;
  size_t i, n_districts = 0;
  int rc;

  memset(out, 0, sizeof(*out));
  rc = top_check(s, doc);
  if (rc)
    return rc;
  regions = json_object_get(doc, "regions");
  json_array_foreach(regions, i, jr)
  {
    json_t *list = json_object_get(jr, "districts");
    n_districts += json_is_array(list) ? json_array_size(list) : 0;
  }
  out->n_regions = json_array_size(regions);
  out->regions = calloc(out->n_regions, sizeof(*out->regions));
  out->districts = calloc(n_districts ? n_districts : 1, sizeof(*out->districts));
  if (!out->regions || !out->districts)
    return AG_ENOMEM;
  json_array_foreach(regions, i, jr)
  {
    region_load(s, jr, i);
  }
  rc = codes_check(s);
  if (rc)
    return rc;
  return out->problems ? AG_ECONTENT : AG_OK;
}

void ag_places_free(struct ag_places *p)
{
  free(p->regions);
  free(p->districts);
  p->regions = p->districts = NULL;
  p->n_regions = p->n_districts = 0;
}
