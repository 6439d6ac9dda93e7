/* store_rollup.c: the rollup counters (architecture decision 7; sql/migrations/0014_rollups.sql).
 *
 * The before-Sync hook hands the batch's hops (carrier, session id, hop) to rollup_apply(),
 * which finds their rows, takes each respondent's previous answer from rollup_answers and moves
 * the counters by the difference, one upsert per cell, in the batch's own transaction: the
 * counters commit or fail with the answers; about once a second the batch also folds the
 * release log into the release (rollup_release_merge). Hops only, not the answers themselves: a
 * retried hop names the row already stored (and counted), so it moves nothing. */
#include "store/store.h"
#include "store/store-internal.h"
#include "lib/ag.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

/* Appends s to the array literal at p as a quoted element; returns the end. */
static char *put_quoted(char *p, const char *s)
{
  *p++ = '"';
  for (; *s; s++) {
    if (*s == '"' || *s == '\\')
      *p++ = '\\';
    *p++ = *s;
  }
  *p++ = '"';
  return p;
}

#define MERGE_EVERY_US 1000000 /* the release log folded about once a second */

void store_rollup_hook(void *arg, struct store_sync *sync, const struct store_batch_view *view)
{
  long long *last_merge = arg, now;
  size_t room[2] = {3, 3}, n = view->n_answers;
  char *lit[3];
  const char *params[3];

  if (n == 0)
    return;
  for (size_t i = 0; i < n; i++) {
    room[0] += 2 * strlen(view->answers[i]->carrier) + 3;
    room[1] += 2 * strlen(view->answers[i]->session_id) + 3;
  }
  lit[0] = malloc(room[0]);
  lit[1] = malloc(room[1]);
  lit[2] = malloc(n * 12 + 3);
  if (lit[0] && lit[1] && lit[2]) {
    char *p[3] = {lit[0], lit[1], lit[2]};
    for (int c = 0; c < 3; c++)
      *p[c]++ = '{';
    for (size_t i = 0; i < n; i++) {
      const struct store_answer *a = view->answers[i];
      if (i)
        for (int c = 0; c < 3; c++)
          *p[c]++ = ',';
      p[0] = put_quoted(p[0], a->carrier);
      p[1] = put_quoted(p[1], a->session_id);
      p[2] += sprintf(p[2], "%d", a->hop);
    }
    for (int c = 0; c < 3; c++) {
      *p[c]++ = '}';
      *p[c] = '\0';
      params[c] = lit[c];
    }
    store_sync_add(sync, "SELECT rollup_apply($1::text[], $2::text[], $3::integer[])", 3, params);
  } else {
    /* Out of memory: a statement that fails, so the batch fails rather than commit answers
     * without their counts. */
    store_sync_add(sync, "SELECT 1/0", 0, NULL);
  }
  for (int c = 0; c < 3; c++)
    free(lit[c]);
  /* After this batch's counters (the same lock order as every batch: rollups, then release). */
  now = ag_mono_us();
  if (!last_merge || now - *last_merge >= MERGE_EVERY_US) {
    store_sync_add(sync, "SELECT rollup_release_merge()", 0, NULL);
    /* The linked parents' counts per school (0023), folded in school order likewise. */
    store_sync_add(sync, "SELECT school_linked_merge()", 0, NULL);
    if (last_merge)
      *last_merge = now;
  }
}

int store_rollup_rebuild(const char *conninfo, FILE *log)
{
  PGconn *c = PQconnectdb(conninfo);
  PGresult *r;
  int rc;

  if (PQstatus(c) != CONNECTION_OK) {
    fprintf(log, "aulgate: cannot connect to the database: %s", PQerrorMessage(c));
    PQfinish(c);
    return AG_EDB;
  }
  rc = store__exec(c, "BEGIN", log, "BEGIN");
  if (rc == AG_OK) {
    long long t0 = ag_mono_us();
    /* Two statements: TRUNCATE refuses a table an active query of the session reads. */
    r = PQexec(c, "SELECT rollup_rebuild()");
    if (PQresultStatus(r) == PGRES_TUPLES_OK) { /* and the schools' requests (0023) */
      PQclear(r);
      r = PQexec(c, "SELECT school_rollup_rebuild()");
    }
    if (PQresultStatus(r) == PGRES_TUPLES_OK) {
      PQclear(r);
      r = PQexec(c, "SELECT (SELECT count(*) FROM rollups), (SELECT count(*) FROM rollup_answers)");
    }
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
      fprintf(log, "aulgate: rollup rebuild failed: %s", PQresultErrorMessage(r));
      rc = AG_EDB;
      store__exec(c, "ROLLBACK", log, "ROLLBACK");
    } else if ((rc = store__exec(c, "COMMIT", log, "COMMIT")) == AG_OK) {
      fprintf(log,
              "aulgate: rollups rebuilt from responses: %s counted answers in %s cells, %.1f s\n",
              PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 0), (double)(ag_mono_us() - t0) / 1e6);
    }
    PQclear(r);
  }
  PQfinish(c);
  return rc;
}
