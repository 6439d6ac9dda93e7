/* store_rollup.c: the rollup counters (architecture decision 7; sql/migrations/0014_rollups.sql).
 *
 * The before-Sync hook hands the batch's hops (carrier, session id, hop), with the context each
 * answer's session gave (decision 104), to rollup_apply(), which finds their rows, takes each
 * respondent's previous answer from rollup_answers and moves the counters by the difference, one
 * row per cell appended to rollup_log (0025), in the batch's own transaction: the counts commit or
 * fail with the answers; about once a second the batch also folds the logs into the counters and
 * the release (rollup_merge, rollup_release_merge). Hops only, not the answers themselves: a
 * retried hop names the row already stored (and counted), so it moves nothing. */
#include "store/store.h"
#include "store/store-internal.h"
#include "lib/ag.h"

#include <libpq-fe.h>
#include <stdio.h>
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

/* rollup_apply()'s arrays, in its order: the hop's key, then the context (0025). */
enum { COL_CARRIER, COL_SID, COL_HOP, COL_CONTEXT, NCOLS = COL_CONTEXT + STORE_CONTEXT_N };

static const char *column(const struct store_answer *a, int col, char *num, size_t len)
{
  if (col == COL_CARRIER)
    return a->carrier;
  if (col == COL_SID)
    return a->session_id;
  if (col == COL_HOP) {
    snprintf(num, len, "%d", a->hop);
    return num;
  }
  return a->context[col - COL_CONTEXT] ? a->context[col - COL_CONTEXT] : "";
}

/* The array literal of column col of the batch's answers, quoted elements; NULL when out of
 * memory. Owned by the caller. */
static char *array_of(const struct store_batch_view *view, int col)
{
  size_t room = 3;
  char num[16], *lit, *p;

  for (size_t i = 0; i < view->n_answers; i++)
    room += 2 * strlen(column(view->answers[i], col, num, sizeof(num))) + 3;
  lit = malloc(room);
  if (!lit)
    return NULL;
  p = lit;
  *p++ = '{';
  for (size_t i = 0; i < view->n_answers; i++) {
    if (i)
      *p++ = ',';
    p = put_quoted(p, column(view->answers[i], col, num, sizeof(num)));
  }
  *p++ = '}';
  *p = '\0';
  return lit;
}

void store_rollup_hook(void *arg, struct store_sync *sync, const struct store_batch_view *view)
{
  long long *last_merge = arg, now;
  char *lit[NCOLS];
  int ok = 1;

  if (view->n_answers == 0)
    return;
  for (int c = 0; c < NCOLS; c++)
    ok &= (lit[c] = array_of(view, c)) != NULL;
  if (ok) {
    store_sync_add(sync,
                   "SELECT rollup_apply($1::text[], $2::text[], $3::integer[], $4::text[],"
                   " $5::text[], $6::text[], $7::text[], $8::text[])",
                   NCOLS, (const char *const *)lit);
  } else {
    /* Out of memory: a statement that fails, so the batch fails rather than commit answers
     * without their counts. */
    store_sync_add(sync, "SELECT 1/0", 0, NULL);
  }
  for (int c = 0; c < NCOLS; c++)
    free(lit[c]);
  /* The logs folded after this batch's own deltas, in one lock order for every batch: the
   * counters (0025), then the release. */
  now = ag_mono_us();
  if (!last_merge || now - *last_merge >= MERGE_EVERY_US) {
    store_sync_add(sync, "SELECT rollup_merge()", 0, NULL);
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
