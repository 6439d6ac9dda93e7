/* store_tokens_cli.c: the synchronous side of tokens and audit, for `aulgate token` and
 * `aulgate audit` (never on the gateway's loop). */
#include "store/store.h"
#include "store/store-internal.h"
#include "lib/ag.h"

#include <stdlib.h>
#include <string.h>

static PGconn *open_db(const char *conninfo, FILE *log)
{
  PGconn *c = PQconnectdb(conninfo);

  if (PQstatus(c) != CONNECTION_OK) {
    fprintf(log, "aulgate: cannot connect to the database: %s", PQerrorMessage(c));
    PQfinish(c);
    return NULL;
  }
  return c;
}

/* Runs sql with text params; returns its result (to PQclear) or NULL after a line on log. */
static PGresult *run(PGconn *c, const char *sql, int n, const char *const *params, FILE *log,
                     const char *what)
{
  PGresult *res = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
  ExecStatusType s = PQresultStatus(res);

  if (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK)
    return res;
  fprintf(log, "aulgate: %s failed: %s", what, PQresultErrorMessage(res));
  PQclear(res);
  return NULL;
}

int store_token_create(const char *conninfo, const char *role, const char *const *regions,
                       size_t n_regions, const char *name, long expires_days, long long school,
                       const uint8_t hash[STORE_TOKEN_HASH_LEN], long long *id, FILE *log)
{
  char hex[2 * STORE_TOKEN_HASH_LEN + 1], days[24], sch[24];
  const char *params[6];
  struct {
    char *p; /* owned: the text[] literal of regions */
    size_t n;
  } arr = {NULL, 0};
  PGconn *c = open_db(conninfo, log);
  PGresult *res;
  int rc = AG_OK;

  if (!c)
    return AG_EDB;
  for (size_t i = 0; i < n_regions && rc == AG_OK; i++) {
    const char *p1[1] = {regions[i]};
    res = run(c, "SELECT 1 FROM regions WHERE code = $1", 1, p1, log, "reading regions");
    if (!res) {
      rc = AG_EDB;
    } else if (PQntuples(res) != 1) {
      fprintf(log, "aulgate: unknown region '%s' (see the regions table: aulgate seed)\n",
              regions[i]);
      rc = AG_ENOTFOUND;
    }
    PQclear(res);
  }
  if (school && rc == AG_OK) {
    const char *p1[1] = {store__fmt_int(sch, sizeof(sch), school)};
    res = run(c, "SELECT name FROM schools WHERE id = $1::integer", 1, p1, log, "reading schools");
    if (!res) {
      rc = AG_EDB;
    } else if (PQntuples(res) != 1) {
      fprintf(log, "aulgate: no school %lld (see the schools table: aulgate seed)\n", school);
      rc = AG_ENOTFOUND;
    } else {
      fprintf(log, "aulgate: the token reaches school %lld, %s\n", school, PQgetvalue(res, 0, 0));
    }
    PQclear(res);
  }
  /* A text[] literal: codes are slugs (the regions table's CHECK), so no quoting is needed. */
  for (size_t i = 0; i < n_regions && rc == AG_OK; i++) {
    size_t len = strlen(regions[i]);
    char *p = realloc(arr.p, arr.n + len + 3);
    if (!p) {
      rc = AG_ENOMEM;
      break;
    }
    arr.p = p;
    arr.p[arr.n++] = i ? ',' : '{';
    memcpy(arr.p + arr.n, regions[i], len);
    arr.n += len;
  }
  for (int k = 0; k < STORE_TOKEN_HASH_LEN; k++)
    snprintf(hex + 2 * k, 3, "%02x", hash[k]);
  if (rc == AG_OK) {
    params[0] = hex;
    params[1] = role;
    params[2] = n_regions ? (arr.p[arr.n] = '}', arr.p[arr.n + 1] = '\0', arr.p) : "{}";
    params[3] = name ? name : "";
    params[4] = store__fmt_int(days, sizeof(days), expires_days);
    params[5] = school ? store__fmt_int(sch, sizeof(sch), school) : NULL;
    res = run(c,
              "INSERT INTO tokens (hash, role, regions, name, expires_at, school_id) VALUES"
              " (decode($1, 'hex'), $2, $3::text[], $4,"
              " CASE WHEN $5::integer > 0 THEN now() + $5::integer * interval '1 day' END,"
              " $6::integer) RETURNING id",
              6, params, log, "storing the token");
    if (res && PQntuples(res) == 1)
      *id = atoll(PQgetvalue(res, 0, 0));
    else
      rc = AG_EDB;
    PQclear(res);
  }
  free(arr.p);
  PQfinish(c);
  return rc;
}

int store_token_list(const char *conninfo, FILE *out, FILE *log)
{
  PGconn *c = open_db(conninfo, log);
  PGresult *res;

  if (!c)
    return AG_EDB;
  res = run(c,
            "SELECT id, role, CASE WHEN school_id IS NOT NULL THEN 'school ' || school_id"
            " WHEN regions = '{}' THEN '*' ELSE array_to_string(regions, ',') END, "
            "to_char(created_at, 'YYYY-MM-DD HH24:MI'),"
            " COALESCE(to_char(expires_at, 'YYYY-MM-DD HH24:MI'), 'never'),"
            " COALESCE(to_char(revoked_at, 'YYYY-MM-DD HH24:MI'), '-'), name"
            " FROM tokens ORDER BY id",
            0, NULL, log, "reading tokens");
  if (!res) {
    PQfinish(c);
    return AG_EDB;
  }
  fprintf(out, "%-6s %-9s %-20s %-16s %-16s %-16s %s\n", "id", "role", "regions", "created",
          "expires", "revoked", "name");
  for (int i = 0; i < PQntuples(res); i++)
    fprintf(out, "%-6s %-9s %-20s %-16s %-16s %-16s %s\n", PQgetvalue(res, i, 0),
            PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
            PQgetvalue(res, i, 4), PQgetvalue(res, i, 5), PQgetvalue(res, i, 6));
  PQclear(res);
  PQfinish(c);
  return AG_OK;
}

int store_token_revoke(const char *conninfo, long long id, FILE *log)
{
  char buf[24];
  const char *params[1] = {store__fmt_int(buf, sizeof(buf), id)};
  PGconn *c = open_db(conninfo, log);
  PGresult *res;
  int rc;

  if (!c)
    return AG_EDB;
  res = run(c, "UPDATE tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", 1,
            params, log, "revoking");
  rc = !res ? AG_EDB : strcmp(PQcmdTuples(res), "1") == 0 ? AG_OK : AG_ENOTFOUND;
  if (rc == AG_ENOTFOUND)
    fprintf(log, "aulgate: no token %lld, or already revoked\n", id);
  PQclear(res);
  PQfinish(c);
  return rc;
}

#define AUDIT_SQL(where)                                                                           \
  "SELECT to_char(a.at, 'YYYY-MM-DD HH24:MI:SS'), COALESCE(a.token_id::text, '-'), a.role,"        \
  " a.action, a.target, a.status, a.outcome, a.request_id FROM audit a WHERE " where               \
  " ORDER BY a.at DESC, a.id DESC LIMIT $2::bigint"

int store_audit_print(const char *conninfo, const char *since, long limit, FILE *out, FILE *log)
{
  char lim[24];
  const char *params[2] = {since, store__fmt_int(lim, sizeof(lim), limit)};
  PGconn *c = open_db(conninfo, log);
  PGresult *res;

  if (!c)
    return AG_EDB;
  /* since: a timestamp, or an interval meaning that long ago. Two statements, not a CASE: the
   * planner may fold both casts of a parameter and fail on the one that does not apply. */
  res = run(c,
            since && strlen(since) > 4 && since[4] == '-'
                ? AUDIT_SQL("a.at >= $1::timestamptz")
                : AUDIT_SQL("$1::text IS NULL OR a.at >= now() - $1::interval"),
            2, params, log, "reading the audit trail");
  if (!res) {
    PQfinish(c);
    return AG_EDB;
  }
  fprintf(out, "%-19s %-6s %-9s %-16s %-20s %-6s %-20s %s\n", "at", "token", "role", "action",
          "target", "status", "outcome", "request");
  for (int i = 0; i < PQntuples(res); i++)
    fprintf(out, "%-19s %-6s %-9s %-16s %-20s %-6s %-20s %s\n", PQgetvalue(res, i, 0),
            PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
            PQgetvalue(res, i, 4), PQgetvalue(res, i, 5), PQgetvalue(res, i, 6),
            PQgetvalue(res, i, 7));
  PQclear(res);
  PQfinish(c);
  return AG_OK;
}
