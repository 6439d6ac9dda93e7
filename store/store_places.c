/* store_places.c: `aulgate seed` (content/regions.json into the regions and districts tables)
 * and the synchronous read of those tables that the gateway does at start and on SIGHUP.
 *
 * The seed file is validated as a whole before the database is touched, every problem reported
 * with the entry it is in, and then upserted in one transaction that never deletes: districts a
 * department added by SQL stay, and seeding the same file twice writes nothing. Menu order is
 * the order of the file: the n-th region, and the n-th district of a region, get sort 10 * n.
 */
#include "store/store.h"
#include "store/store-internal.h"
#include "lib/ag.h"
#include "lib/ag_lang.h"
#include "lib/ag_text.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define PLACES_LOCK_KEY "7242050502" /* one seeder at a time; next to store_migrate's key */
#define PLACE_CODE_MAX  64
#define SORT_STEP       10 /* room for rows added by hand between two seeded ones */

/* One entry of the file. Strings are borrowed from the parsed document. */
struct seed_place {
  const char *code;
  int is_region;
  const char *region_code; /* districts: the region's code, NULL when that code is bad */
  const char *kind;        /* regions only */
  const char *name[3];
  int sort;
};

struct seed {
  const char *path;                       /* borrowed */
  FILE *log;                              /* borrowed */
  json_t *doc;                            /* owned: holds every string of regions and districts */
  struct seed_place *regions, *districts; /* owned arrays */
  size_t n_regions, n_districts;
  int problems;
};

static void problem(struct seed *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct seed *s, const char *fmt, ...)
{
  va_list ap;

  fprintf(s->log, "aulgate: %s: ", s->path);
  va_start(ap, fmt);
  vfprintf(s->log, fmt, ap);
  va_end(ap);
  fputc('\n', s->log);
  s->problems++;
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
  units = ag_text_utf16_units(v, len); /* what a UCS-2 screen counts */
  if (units > STORE_PLACE_NAME_MAX)
    return snprintf(out, outlen, "is %zu UTF-16 units long; a menu line takes at most %d", units,
                    STORE_PLACE_NAME_MAX),
           1;
  return 0;
}

static void name_load(struct seed *s, json_t *obj, const char *where, const char *out[3])
{
  const char *key;
  json_t *v;

  if (!json_is_object(obj)) {
    problem(s, "%s: \"name\" must be an object with kk, ru and en names", where);
    return;
  }
  json_object_foreach(obj, key, v)
  {
    if (ag_lang_find(key) < 0)
      problem(s, "%s: unknown language '%s' in \"name\" (kk, ru, en)", where, key);
  }
  for (int l = 0; l < AG_NLANG; l++) {
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
static void keys_check(struct seed *s, json_t *obj, const char *where, const char *const *allowed)
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

static const char *code_load(struct seed *s, json_t *obj, const char *where)
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

static void district_load(struct seed *s, json_t *jd, size_t j, struct seed_place *r,
                          struct seed_place *d)
{
  static const char *const keys[] = {"code", "name", NULL};
  char where[256];

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
  name_load(s, json_object_get(jd, "name"), where, d->name);
}

static void region_load(struct seed *s, json_t *jr, size_t i)
{
  static const char *const keys[] = {"code", "kind", "name", "districts", NULL};
  struct seed_place *r = &s->regions[i];
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
    district_load(s, jd, j, r, &s->districts[s->n_districts++]);
  }
}

struct code_ref {
  const char *code;
  size_t order; /* regions, then districts, in file order */
  const struct seed_place *p;
};

static int cmp_code_ref(const void *a, const void *b)
{
  const struct code_ref *x = a, *y = b;
  int c = strcmp(x->code, y->code);

  /* Ties in file order, so that messages come out the same on every machine. */
  return c ? c : (x->order > y->order) - (x->order < y->order);
}

static void describe(const struct seed_place *p, char *out, size_t len)
{
  if (p->is_region)
    snprintf(out, len, "a region");
  else
    snprintf(out, len, "a district of region '%s'", p->region_code ? p->region_code : "?");
}

/* Codes are unique across regions and districts alike, so a code alone names one place in
 * answers, exports and messages. */
static int codes_check(struct seed *s)
{
  size_t n = 0, total = s->n_regions + s->n_districts;
  struct code_ref *refs = calloc(total ? total : 1, sizeof(*refs));

  if (!refs)
    return AG_ENOMEM;
  for (size_t i = 0; i < s->n_regions; i++)
    if (s->regions[i].code)
      refs[n++] = (struct code_ref){s->regions[i].code, i, &s->regions[i]};
  for (size_t i = 0; i < s->n_districts; i++)
    if (s->districts[i].code)
      refs[n++] = (struct code_ref){s->districts[i].code, s->n_regions + i, &s->districts[i]};
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

/* Parses and validates the whole file; every problem goes to the log. Returns AG_OK, AG_EIO
 * (unreadable or not JSON), AG_ECONTENT (problems reported) or AG_ENOMEM. */
static int seed_parse(struct seed *s)
{
  static const char *const keys[] = {"kind", "version", "draft_languages", "regions", NULL};
  json_error_t jerr;
  json_t *regions, *jr, *v;
  const char *kind;
  size_t i, n_districts = 0;
  int rc;

  s->doc = json_load_file(s->path, JSON_REJECT_DUPLICATES, &jerr);
  if (!s->doc) {
    if (jerr.line < 1) /* not a syntax error: the file could not be read */
      fprintf(s->log, "aulgate: %s\n", jerr.text);
    else
      fprintf(s->log, "aulgate: %s:%d:%d: %s\n", s->path, jerr.line, jerr.column, jerr.text);
    return AG_EIO;
  }
  if (!json_is_object(s->doc)) {
    problem(s, "expected an object with kind \"places\"");
    return AG_ECONTENT;
  }
  keys_check(s, s->doc, "top level", keys);
  kind = json_string_value(json_object_get(s->doc, "kind"));
  if (!kind || strcmp(kind, "places") != 0)
    problem(s, "kind is \"%s\", expected \"places\"", kind ? kind : "");
  v = json_object_get(s->doc, "version");
  if (!json_is_integer(v) || json_integer_value(v) < 1)
    problem(s, "\"version\" must be a positive integer");
  v = json_object_get(s->doc, "draft_languages");
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
  regions = json_object_get(s->doc, "regions");
  if (!json_is_array(regions) || json_array_size(regions) == 0) {
    problem(s, "\"regions\" must be a non-empty list");
    return AG_ECONTENT;
  }
  json_array_foreach(regions, i, jr)
  {
    json_t *list = json_object_get(jr, "districts");
    n_districts += json_is_array(list) ? json_array_size(list) : 0;
  }
  s->n_regions = json_array_size(regions);
  s->regions = calloc(s->n_regions, sizeof(*s->regions));
  s->districts = calloc(n_districts ? n_districts : 1, sizeof(*s->districts));
  if (!s->regions || !s->districts)
    return AG_ENOMEM;
  json_array_foreach(regions, i, jr)
  {
    region_load(s, jr, i);
  }
  rc = codes_check(s);
  if (rc)
    return rc;
  return s->problems ? AG_ECONTENT : AG_OK;
}

static void seed_cleanup(struct seed *s)
{
  free(s->regions);
  free(s->districts);
  json_decref(s->doc);
}

/* Copies the file into two temporary tables, so that the checks and upserts below are a few
 * set-based statements instead of a round trip and a decision per row. */
static int stage(PGconn *c, const struct seed *s)
{
  static const char *const create[] = {
      "CREATE TEMP TABLE seed_regions (code text, kind text, name_kk text, name_ru text,"
      " name_en text, sort integer) ON COMMIT DROP",
      "CREATE TEMP TABLE seed_districts (code text, region_code text, name_kk text,"
      " name_ru text, name_en text, sort integer) ON COMMIT DROP",
  };
  int rc = AG_OK;

  for (size_t i = 0; i < AG_ARRAY_LEN(create) && rc == AG_OK; i++)
    rc = store__exec(c, create[i], s->log, "creating the staging tables");
  for (size_t i = 0; i < s->n_regions + s->n_districts && rc == AG_OK; i++) {
    int is_region = i < s->n_regions;
    const struct seed_place *p = is_region ? &s->regions[i] : &s->districts[i - s->n_regions];
    char sort[16];
    const char *params[6] = {
        p->code, is_region ? p->kind : p->region_code, p->name[0], p->name[1], p->name[2], sort};
    PGresult *r;

    snprintf(sort, sizeof(sort), "%d", p->sort);
    r = PQexecParams(c,
                     is_region ? "INSERT INTO seed_regions VALUES ($1, $2, $3, $4, $5, $6)"
                               : "INSERT INTO seed_districts VALUES ($1, $2, $3, $4, $5, $6)",
                     6, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
      fprintf(s->log, "aulgate: staging '%s' failed: %s", p->code, PQresultErrorMessage(r));
      rc = AG_EDB;
    }
    PQclear(r);
  }
  return rc;
}

/* A district the database files under another region than the file does is refused rather than
 * moved: answers already recorded name it by code, so a district that moves gets a new code. */
static int moved_check(PGconn *c, FILE *log)
{
  PGresult *r = PQexec(c, "SELECT s.code, d.region_code, s.region_code FROM seed_districts s"
                          " JOIN districts d USING (code)"
                          " WHERE d.region_code <> s.region_code ORDER BY s.code");
  int rc = AG_OK;

  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    fprintf(log, "aulgate: checking district regions failed: %s", PQresultErrorMessage(r));
    PQclear(r);
    return AG_EDB;
  }
  for (int i = 0; i < PQntuples(r); i++) {
    fprintf(log,
            "aulgate: district '%s' is in region '%s' in the database but in region '%s' in the "
            "file; nothing was written. Hint: a code names one place for good: give the moved "
            "district a new code, or move it with SQL\n",
            PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
    rc = AG_ESTATE;
  }
  PQclear(r);
  return rc;
}

/* Upserts one staged table. Rows whose values did not change are not updated at all (the WHERE
 * of DO UPDATE), so a re-seed writes no new row versions; xmax = 0 on a returned row means it
 * was inserted, not updated (PostgreSQL sets xmax on the row an ON CONFLICT update replaced). */
static int upsert(PGconn *c, const char *sql, const char *what, long out[3], FILE *log)
{
  PGresult *r = PQexec(c, sql);

  if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
    fprintf(log, "aulgate: writing %s failed: %s", what, PQresultErrorMessage(r));
    PQclear(r);
    return AG_EDB;
  }
  for (int i = 0; i < 3; i++)
    out[i] = atol(PQgetvalue(r, 0, i));
  PQclear(r);
  return AG_OK;
}

static const char upsert_regions[] =
    "WITH up AS ("
    " INSERT INTO regions AS t (code, kind, name_kk, name_ru, name_en, sort)"
    " SELECT code, kind, name_kk, name_ru, name_en, sort FROM seed_regions"
    " ON CONFLICT (code) DO UPDATE SET kind = excluded.kind, name_kk = excluded.name_kk,"
    " name_ru = excluded.name_ru, name_en = excluded.name_en, sort = excluded.sort"
    " WHERE (t.kind, t.name_kk, t.name_ru, t.name_en, t.sort)"
    " IS DISTINCT FROM (excluded.kind, excluded.name_kk, excluded.name_ru, excluded.name_en,"
    " excluded.sort)"
    " RETURNING xmax = 0 AS inserted)"
    " SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted),"
    " (SELECT count(*) FROM regions WHERE code NOT IN (SELECT code FROM seed_regions))"
    " FROM up";

static const char upsert_districts[] =
    "WITH up AS ("
    " INSERT INTO districts AS t (code, region_code, name_kk, name_ru, name_en, sort)"
    " SELECT code, region_code, name_kk, name_ru, name_en, sort FROM seed_districts"
    " ON CONFLICT (code) DO UPDATE SET name_kk = excluded.name_kk,"
    " name_ru = excluded.name_ru, name_en = excluded.name_en, sort = excluded.sort"
    " WHERE (t.name_kk, t.name_ru, t.name_en, t.sort)"
    " IS DISTINCT FROM (excluded.name_kk, excluded.name_ru, excluded.name_en, excluded.sort)"
    " RETURNING xmax = 0 AS inserted)"
    " SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted),"
    " (SELECT count(*) FROM districts WHERE code NOT IN (SELECT code FROM seed_districts))"
    " FROM up";

static int seed_write(PGconn *c, const struct seed *s)
{
  long reg[3], dis[3]; /* inserted, updated, only in the database */
  int rc;

  rc = store__exec(c, "BEGIN", s->log, "BEGIN");
  if (rc)
    return rc;
  /* Two seeders at once would each see the other's rows as conflicts mid-way; take turns. */
  rc = store__exec(c, "SELECT pg_advisory_xact_lock(" PLACES_LOCK_KEY ")", s->log, "locking");
  if (!rc)
    rc = stage(c, s);
  if (!rc)
    rc = moved_check(c, s->log);
  if (!rc)
    rc = upsert(c, upsert_regions, "regions", reg, s->log);
  if (!rc)
    rc = upsert(c, upsert_districts, "districts", dis, s->log);
  if (rc) {
    store__exec(c, "ROLLBACK", s->log, "ROLLBACK");
    return rc;
  }
  rc = store__exec(c, "COMMIT", s->log, "COMMIT");
  if (rc)
    return rc;
  fprintf(s->log,
          "aulgate: seeded %s: %zu regions (%ld new, %ld updated, %ld unchanged), %zu districts "
          "(%ld new, %ld updated, %ld unchanged); kept %ld regions and %ld districts that only "
          "the database has\n",
          s->path, s->n_regions, reg[0], reg[1], (long)s->n_regions - reg[0] - reg[1],
          s->n_districts, dis[0], dis[1], (long)s->n_districts - dis[0] - dis[1], reg[2], dis[2]);
  return AG_OK;
}

int store_places_seed(const char *conninfo, const char *path, FILE *log)
{
  struct seed s = {.path = path, .log = log};
  PGconn *c;
  int rc;

  rc = seed_parse(&s);
  if (rc) {
    if (rc == AG_ECONTENT)
      fprintf(log, "aulgate: %s: %d problem%s; nothing was written\n", path, s.problems,
              s.problems == 1 ? "" : "s");
    else if (rc == AG_ENOMEM)
      fprintf(log, "aulgate: %s: out of memory\n", path);
    seed_cleanup(&s);
    return rc;
  }
  c = PQconnectdb(conninfo);
  if (PQstatus(c) != CONNECTION_OK) {
    fprintf(log, "aulgate: cannot connect to the database: %s", PQerrorMessage(c));
    rc = AG_EDB;
  } else {
    rc = seed_write(c, &s);
  }
  PQfinish(c);
  seed_cleanup(&s);
  return rc;
}

/* err is one line for a log line; libpq messages may span several ("...refused\n\tIs the
 * server running...") and end with a newline. */
static void set_err(char *err, size_t errlen, const char *what, const char *msg)
{
  size_t n;

  if (!err || errlen == 0)
    return;
  snprintf(err, errlen, "%s: %s", what, msg);
  for (n = strlen(err); n > 0 && (err[n - 1] == '\n' || err[n - 1] == '\r');)
    err[--n] = '\0';
  for (char *p = err; *p; p++)
    if (*p == '\n' || *p == '\r' || *p == '\t')
      *p = ' ';
}

static PGresult *read_query(PGconn *c, const char *sql, char *err, size_t errlen)
{
  PGresult *r = PQexec(c, sql);

  if (PQresultStatus(r) == PGRES_TUPLES_OK)
    return r;
  set_err(err, errlen, "reading places failed", PQresultErrorMessage(r));
  PQclear(r);
  return NULL;
}

/* Calls row for each row of r (columns: code, region_code or NULL, kk, ru, en, sort). */
static int read_rows(PGresult *r, int (*row)(void *arg, const struct store_place *p), void *arg)
{
  for (int i = 0; i < PQntuples(r); i++) {
    struct store_place p;
    int rc;

    p.code = PQgetvalue(r, i, 0);
    p.region_code = PQgetisnull(r, i, 1) ? NULL : PQgetvalue(r, i, 1);
    for (int l = 0; l < 3; l++)
      p.name[l] = PQgetvalue(r, i, 2 + l);
    p.sort = atoi(PQgetvalue(r, i, 5));
    rc = row(arg, &p);
    if (rc)
      return rc;
  }
  return AG_OK;
}

int store_places_read(const char *conninfo, int (*row)(void *arg, const struct store_place *p),
                      void *arg, char *err, size_t errlen)
{
  PGresult *regions = NULL, *districts = NULL, *begin;
  PGconn *c = PQconnectdb(conninfo);
  int rc = AG_EDB;

  if (PQstatus(c) != CONNECTION_OK) {
    set_err(err, errlen, "cannot connect to the database", PQerrorMessage(c));
    PQfinish(c);
    return AG_EDB;
  }
  /* One snapshot for both tables, so that a seed committing in between cannot pair its
   * districts with the regions from before it. Read only: nothing to commit, PQfinish ends it. */
  begin = PQexec(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  if (PQresultStatus(begin) == PGRES_COMMAND_OK)
    regions = read_query(c,
                         "SELECT code, NULL, name_kk, name_ru, name_en, sort FROM regions"
                         " ORDER BY sort, code",
                         err, errlen);
  else
    set_err(err, errlen, "reading places failed", PQresultErrorMessage(begin));
  PQclear(begin);
  if (regions)
    districts = read_query(c,
                           "SELECT d.code, d.region_code, d.name_kk, d.name_ru, d.name_en, d.sort"
                           " FROM districts d JOIN regions r ON r.code = d.region_code"
                           " ORDER BY r.sort, r.code, d.sort, d.code",
                           err, errlen);
  if (districts)
    rc = AG_OK;
  /* Rows are delivered after the connection is closed: row() may take its time without holding
   * a backend and a snapshot open. */
  PQfinish(c);
  if (rc == AG_OK)
    rc = read_rows(regions, row, arg);
  if (rc == AG_OK)
    rc = read_rows(districts, row, arg);
  PQclear(regions);
  PQclear(districts);
  return rc;
}
