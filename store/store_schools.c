/* store_schools.c: `aulgate seed` of a schools file (kind "schools", sql/seed/schools.json) into
 * the schools table (sql/migrations/0013_schools.sql).
 *
 * Like the places seed: the whole file is validated first, every problem reported with its
 * entry, then upserted in one transaction that never deletes (schools added by SQL stay) and
 * does not rewrite unchanged rows. A school is keyed by its district and number, the pair the
 * survey's school question leads to; its region is the district's. */
#include "store/store.h"
#include "store/store-internal.h"
#include "lib/ag.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#define SCHOOLS_LOCK_KEY "7242050503" /* one seeder at a time; next to the places' key */
#define SCHOOL_NAME_MAX  200

/* Reports every problem of entry i of the schools array; returns how many. */
static int check_entry(const char *path, size_t i, json_t *e, FILE *log)
{
  static const char *const keys[] = {"district", "number", "name", "settlement"};
  const char *k, *v;
  json_t *val;
  int problems = 0;

  if (!json_is_object(e)) {
    fprintf(log, "aulgate: %s: schools[%zu]: not an object\n", path, i);
    return 1;
  }
  json_object_foreach(e, k, val)
  {
    size_t j = 0;
    while (j < AG_ARRAY_LEN(keys) && strcmp(keys[j], k) != 0)
      j++;
    if (j == AG_ARRAY_LEN(keys)) {
      fprintf(log, "aulgate: %s: schools[%zu]: unknown key '%s'\n", path, i, k);
      problems++;
    }
  }
  v = json_string_value(json_object_get(e, "district"));
  if (!v || !*v) {
    fprintf(log, "aulgate: %s: schools[%zu]: missing district code\n", path, i);
    problems++;
  }
  val = json_object_get(e, "number");
  if (!json_is_integer(val) || json_integer_value(val) < 1 || json_integer_value(val) > 9999) {
    fprintf(log, "aulgate: %s: schools[%zu]: number must be an integer 1-9999\n", path, i);
    problems++;
  }
  v = json_string_value(json_object_get(e, "name"));
  if (!v || !*v || strlen(v) > SCHOOL_NAME_MAX) {
    fprintf(log, "aulgate: %s: schools[%zu]: name empty, missing or over %d bytes\n", path, i,
            SCHOOL_NAME_MAX);
    problems++;
  }
  v = json_string_value(json_object_get(e, "settlement"));
  if (!v || (strcmp(v, "urban") != 0 && strcmp(v, "rural") != 0)) {
    fprintf(log, "aulgate: %s: schools[%zu]: settlement must be \"urban\" or \"rural\"\n", path, i);
    problems++;
  }
  return problems;
}

/* Stages the (valid) entries; then refuses unknown districts and duplicate numbers. */
static int stage(PGconn *c, const char *path, json_t *list, FILE *log)
{
  size_t i;
  json_t *e;
  int rc = store__exec(c,
                       "CREATE TEMP TABLE seed_schools (district text, number integer, name text,"
                       " settlement text, pos integer) ON COMMIT DROP",
                       log, "creating the staging table");

  json_array_foreach(list, i, e)
  {
    char num[24], pos[24];
    const char *params[5] = {json_string_value(json_object_get(e, "district")), num,
                             json_string_value(json_object_get(e, "name")),
                             json_string_value(json_object_get(e, "settlement")), pos};
    PGresult *r;

    if (rc)
      break;
    snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(json_object_get(e, "number")));
    snprintf(pos, sizeof(pos), "%zu", i);
    r = PQexecParams(c, "INSERT INTO seed_schools VALUES ($1, $2, $3, $4, $5)", 5, NULL, params,
                     NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
      fprintf(log, "aulgate: staging schools[%zu] failed: %s", i, PQresultErrorMessage(r));
      rc = AG_EDB;
    }
    PQclear(r);
  }
  if (rc)
    return rc;
  PGresult *r = PQexec(c, "SELECT pos, district, number, 'unknown district' FROM seed_schools s"
                          " WHERE NOT EXISTS (SELECT 1 FROM districts d WHERE d.code = s.district)"
                          " UNION ALL SELECT max(pos), district, number, 'number given twice'"
                          " FROM seed_schools GROUP BY district, number HAVING count(*) > 1"
                          " ORDER BY 1");
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    fprintf(log, "aulgate: checking the schools failed: %s", PQresultErrorMessage(r));
    rc = AG_EDB;
  } else if (PQntuples(r) > 0) {
    for (int k = 0; k < PQntuples(r); k++)
      fprintf(log, "aulgate: %s: schools[%s]: %s '%s' (number %s)\n", path, PQgetvalue(r, k, 0),
              PQgetvalue(r, k, 3), PQgetvalue(r, k, 1), PQgetvalue(r, k, 2));
    fprintf(log, "aulgate: %s: %d problem%s; nothing was written\n", path, PQntuples(r),
            PQntuples(r) == 1 ? "" : "s");
    rc = AG_ECONTENT;
  }
  PQclear(r);
  return rc;
}

static const char upsert_schools[] =
    "WITH up AS ("
    " INSERT INTO schools AS t (region_code, district_code, number, name, settlement)"
    " SELECT d.region_code, s.district, s.number, s.name, s.settlement"
    " FROM seed_schools s JOIN districts d ON d.code = s.district ORDER BY s.pos"
    " ON CONFLICT (district_code, number) DO UPDATE SET name = excluded.name,"
    " settlement = excluded.settlement"
    " WHERE (t.name, t.settlement) IS DISTINCT FROM (excluded.name, excluded.settlement)"
    " RETURNING xmax = 0 AS inserted)"
    " SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up";

static int seed_write(PGconn *c, const char *path, json_t *list, FILE *log)
{
  PGresult *r;
  int rc = store__exec(c, "BEGIN", log, "BEGIN");

  if (!rc)
    rc = store__exec(c, "SELECT pg_advisory_xact_lock(" SCHOOLS_LOCK_KEY ")", log, "locking");
  if (!rc)
    rc = stage(c, path, list, log);
  if (rc) {
    store__exec(c, "ROLLBACK", log, "ROLLBACK");
    return rc;
  }
  r = PQexec(c, upsert_schools);
  if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
    fprintf(log, "aulgate: writing schools failed: %s", PQresultErrorMessage(r));
    PQclear(r);
    store__exec(c, "ROLLBACK", log, "ROLLBACK");
    return AG_EDB;
  }
  long ins = atol(PQgetvalue(r, 0, 0)), upd = atol(PQgetvalue(r, 0, 1));
  PQclear(r);
  rc = store__exec(c, "COMMIT", log, "COMMIT");
  if (!rc)
    fprintf(log, "aulgate: seeded %s: %zu schools (%ld new, %ld updated, %ld unchanged)\n", path,
            json_array_size(list), ins, upd, (long)json_array_size(list) - ins - upd);
  return rc;
}

int store_schools_seed(const char *conninfo, const char *path, FILE *log)
{
  json_error_t jerr;
  json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr), *list, *e;
  const char *kind;
  int problems = 0, rc;
  size_t i;
  PGconn *c;

  if (!doc) {
    fprintf(log, "aulgate: %s:%d:%d: %s\n", path, jerr.line, jerr.column, jerr.text);
    return AG_EIO;
  }
  kind = json_string_value(json_object_get(doc, "kind"));
  list = json_object_get(doc, "schools");
  if (!kind || strcmp(kind, "schools") != 0 || !json_is_array(list)) {
    fprintf(log, "aulgate: %s: not a schools file (kind \"schools\" and a \"schools\" array)\n",
            path);
    json_decref(doc);
    return AG_ECONTENT;
  }
  json_array_foreach(list, i, e) problems += check_entry(path, i, e, log);
  if (problems) {
    fprintf(log, "aulgate: %s: %d problem%s; nothing was written\n", path, problems,
            problems == 1 ? "" : "s");
    json_decref(doc);
    return AG_ECONTENT;
  }
  c = PQconnectdb(conninfo);
  if (PQstatus(c) != CONNECTION_OK) {
    fprintf(log, "aulgate: cannot connect to the database: %s", PQerrorMessage(c));
    rc = AG_EDB;
  } else {
    rc = seed_write(c, path, list, log);
  }
  PQfinish(c);
  json_decref(doc);
  return rc;
}

int store_seed_kind(const char *path, char *kind, size_t len)
{
  json_t *doc = json_load_file(path, 0, NULL);
  const char *k = doc ? json_string_value(json_object_get(doc, "kind")) : NULL;

  snprintf(kind, len, "%s", k ? k : "");
  json_decref(doc);
  return doc ? AG_OK : AG_EIO;
}
