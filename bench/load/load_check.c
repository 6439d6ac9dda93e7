/* load_check.c: every answer the gateway acknowledged must be in PostgreSQL: one row of
 * responses per (carrier, session id, hop). Rows of hops whose reply never arrived are counted
 * apart: committed, then the reply lost (or still in flight when the run ended). */
#include "bench/load/load.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int load_check(const char *conninfo, const char *carrier, const char *prefix,
               const struct load_parent *parents, size_t n, uint64_t *found, uint64_t *missing,
               uint64_t *extra)
{
  const char *params[2] = {carrier, prefix};
  PGconn *db = PQconnectdb(conninfo);
  uint32_t *stored = calloc(n ? n : 1, sizeof(*stored)); /* bit h: a row for hop h */
  size_t plen = strlen(prefix);
  PGresult *res;

  *found = *missing = *extra = 0;
  if (PQstatus(db) != CONNECTION_OK || !stored) {
    fprintf(stderr, "aulgate-load: cannot check the answers: %s", PQerrorMessage(db));
    PQfinish(db);
    free(stored);
    return -1;
  }
  res = PQexecParams(db,
                     "SELECT carrier_session_id, hop FROM responses WHERE carrier = $1"
                     " AND starts_with(carrier_session_id, $2)",
                     2, NULL, params, NULL, NULL, 0);
  if (PQresultStatus(res) != PGRES_TUPLES_OK) {
    fprintf(stderr, "aulgate-load: cannot check the answers: %s", PQerrorMessage(db));
    PQclear(res);
    PQfinish(db);
    free(stored);
    return -1;
  }
  for (int i = 0; i < PQntuples(res); i++) {
    size_t k = strtoul(PQgetvalue(res, i, 0) + plen, NULL, 10);
    int hop = atoi(PQgetvalue(res, i, 1));
    if (k < n && hop > 0 && hop < 32)
      stored[k] |= 1u << hop;
  }
  PQclear(res);
  PQfinish(db);
  for (size_t k = 0; k < n; k++) {
    for (int h = 1; h < 32; h++) {
      int acked = h <= parents[k].acked && load_hop_stores(h);
      int row = (stored[k] >> h) & 1;
      if (acked && row)
        (*found)++;
      else if (acked)
        (*missing)++;
      else if (row)
        (*extra)++;
    }
  }
  free(stored);
  return 0;
}
