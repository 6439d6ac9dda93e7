/* sim_check.c: what the run stored, read back from PostgreSQL. A parent counts only through
 * the answers the database holds, so an acknowledged screen that stored nothing shows up here as
 * a missing parent, not as a success. The group is the settlement type of the school the parent
 * named (district and number, looked up in the schools table), as the article counts. */
#include "tools/simulate/sim-internal.h"

#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The last answer of each respondent (hash + relation, as on a shared phone) to each question,
 * and the district the respondent's household named. */
static const char sim_check_sql[] =
    "WITH run AS (SELECT id, respondent, relation, question_id, option FROM responses"
    "             WHERE survey_id = 'involvement' AND starts_with(carrier_session_id, $1)),"
    " last AS (SELECT DISTINCT ON (respondent, relation, question_id)"
    "                 respondent, relation, question_id, option FROM run"
    "          ORDER BY respondent, relation, question_id, id DESC),"
    " place AS (SELECT DISTINCT ON (d.respondent) d.respondent, s.settlement FROM last d"
    "           JOIN last n ON n.respondent = d.respondent AND n.question_id = 'school'"
    "           JOIN schools s ON s.district_code = d.option AND s.number::text = n.option"
    "           WHERE d.question_id = 'district' ORDER BY d.respondent)"
    " SELECT CASE WHEN p.settlement = 'urban' THEN 0 ELSE 1 END, l.question_id,"
    "        count(*) FILTER (WHERE l.option = 'yes'), count(*)"
    " FROM last l JOIN place p USING (respondent)"
    " WHERE l.question_id IN ('L1', 'L2', 'T1') GROUP BY 1, 2 ORDER BY 2, 1";

static int sim_check_row(const PGresult *res, int row, const size_t planned[SIM_GROUPS])
{
  int g = atoi(PQgetvalue(res, row, 0));
  const char *q = PQgetvalue(res, row, 1);
  long yes = atol(PQgetvalue(res, row, 2)), all = atol(PQgetvalue(res, row, 3));
  double share = all ? 100.0 * (double)yes / (double)all : 0.0;

  for (size_t f = 0; f < sim_published_len; f++) {
    double want = 100.0 * sim_published[f].share[g];
    int ok;

    if (strcmp(sim_published[f].question, q) != 0 || g < 0 || g >= SIM_GROUPS)
      continue;
    ok = fabs(share - want) <= 1.0 && (size_t)all == planned[g];
    printf("stored  %-3s %-5s %5.1f%% of %ld respondents (published %4.1f%%, planned %zu "
           "respondents): %s\n",
           q, sim_group_name[g], share, all, want, planned[g], ok ? "ok" : "MISMATCH");
    return ok ? 1 : 0;
  }
  return 0;
}

int sim__check(const char *conninfo, const char *prefix, const size_t planned[SIM_GROUPS])
{
  PGconn *db = PQconnectdb(conninfo);
  char like[80];
  const char *params[1] = {like};
  PGresult *res;
  int ok = 0, want = 0, rows;

  if (PQstatus(db) != CONNECTION_OK) {
    fprintf(stderr, "simulate: database: %s", PQerrorMessage(db));
    PQfinish(db);
    return -1;
  }
  snprintf(like, sizeof(like), "%s-", prefix);
  res = PQexecParams(db, sim_check_sql, 1, NULL, params, NULL, NULL, 0);
  if (PQresultStatus(res) != PGRES_TUPLES_OK) {
    fprintf(stderr, "simulate: database: %s", PQerrorMessage(db));
    PQclear(res);
    PQfinish(db);
    return -1;
  }
  rows = PQntuples(res);
  for (int i = 0; i < rows; i++)
    ok += sim_check_row(res, i, planned);
  PQclear(res);
  PQfinish(db);
  /* Every figure of every group with parents must be there and right. */
  for (int g = 0; g < SIM_GROUPS; g++)
    want += planned[g] ? (int)sim_published_len : 0;
  return ok == want ? 0 : 1;
}
