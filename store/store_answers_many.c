/* store_answers_many.c: every answer of a batch in one statement (issue 9). The answers travel
 * as parallel arrays, unnest()ed into rows, so the backend starts one executor and one portal
 * per batch instead of one per answer; each answer still gets its own verdict, in its order.
 *
 * The verdicts are those of the single-row statement before it (decision 42), exactly:
 *   new    this row was inserted now (of identical inputs of one key, the first);
 *   same   the key's row, inserted now by another input of the batch or committed before the
 *          statement's snapshot, holds this very answer (a retried hop);
 *   other  the key is taken by another answer (a reused session id), or by a row another
 *          transaction committed after the snapshot: refused, never acknowledged unstored.
 * The progress rows move only for the new rows, aggregated per attempt in submission order, so
 * that one INSERT ... ON CONFLICT DO UPDATE never meets its own row twice and the result is what
 * the answers applied one by one would have left: the first's start, survey version and opener,
 * the last's time and language, done if any was final or it already was. */
#include "store/store.h"
#include "store/store-internal.h"
#include "lib/ag.h"
#include "lib/ag_text.h"

#include <stdlib.h>
#include <string.h>

/* The columns, in the order of the item's params (store_submit). */
enum {
  A_RESP,
  A_REL,
  A_SURVEY,
  A_VER,
  A_QUESTION,
  A_OPTION,
  A_LANG,
  A_CARRIER,
  A_NET,
  A_SID,
  A_HOP,
  A_AT,
  A_ATTEMPT,
  A_FINAL,
  A_NCOLS
};

/* The same key's inserted row holds the same answer (decision 42's 'same'). */
#define SAME_ANSWER(t)                                                                             \
  t ".carrier = i.carrier AND " t ".carrier_session_id = i.sid AND " t ".hop = i.hop AND " t       \
    ".respondent = i.respondent AND " t ".relation = i.relation AND " t                            \
    ".survey_id = i.survey_id AND " t ".attempt = i.attempt AND " t ".question_id = i.question_id" \
    " AND " t ".option = i.option"

const struct store__stmt store__stmt_answers = {
    "ans_many", A_NCOLS,
    "WITH inp AS (SELECT u.ord, decode(u.resp, 'hex') AS respondent, u.relation, u.survey_id,"
    " u.survey_version, u.question_id, u.option, u.language, u.carrier, u.network_code, u.sid,"
    " u.hop, 'epoch'::timestamptz + u.us * interval '1 microsecond' AS received_at, u.attempt,"
    " u.final FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[],"
    " $7::text[], $8::text[], $9::text[], $10::text[], $11::int[], $12::bigint[], $13::int[],"
    " $14::bool[]) WITH ORDINALITY AS u(resp, relation, survey_id, survey_version, question_id,"
    " option, language, carrier, network_code, sid, hop, us, attempt, final, ord)),"
    " ins AS (INSERT INTO responses (respondent, relation, survey_id, survey_version,"
    " question_id, option, language, carrier, network_code, carrier_session_id, hop,"
    " received_at, attempt) SELECT respondent, relation, survey_id, survey_version, question_id,"
    " option, language, carrier, network_code, sid, hop, received_at, attempt FROM inp"
    " ORDER BY ord ON CONFLICT ON CONSTRAINT responses_hop_once DO NOTHING RETURNING *),"
    /* The input each inserted row came from: all its columns equal; of identical inputs, the
     * first (which one was inserted changes nothing then). */
    " won AS (SELECT min(i.ord) AS ord FROM ins n JOIN inp i ON n.carrier = i.carrier"
    " AND n.carrier_session_id = i.sid AND n.hop = i.hop AND n.respondent = i.respondent"
    " AND n.relation = i.relation AND n.survey_id = i.survey_id"
    " AND n.survey_version = i.survey_version AND n.question_id = i.question_id"
    " AND n.option = i.option AND n.language = i.language AND n.network_code = i.network_code"
    " AND n.received_at = i.received_at AND n.attempt = i.attempt GROUP BY n.id),"
    " prog AS (INSERT INTO survey_progress AS p (respondent, relation, survey_id, attempt,"
    " survey_version, language, status, started_at, updated_at, opened_by)"
    " SELECT i.respondent, i.relation, i.survey_id, i.attempt,"
    " (array_agg(i.survey_version ORDER BY i.ord))[1],"
    " (array_agg(i.language ORDER BY i.ord DESC))[1],"
    " CASE WHEN bool_or(i.final) THEN 'done' ELSE 'open' END,"
    " (array_agg(i.received_at ORDER BY i.ord))[1],"
    " (array_agg(i.received_at ORDER BY i.ord DESC))[1],"
    " (array_agg(i.carrier || ':' || i.sid ORDER BY i.ord))[1]"
    " FROM inp i JOIN won USING (ord)"
    " GROUP BY i.respondent, i.relation, i.survey_id, i.attempt"
    " ON CONFLICT (respondent, relation, survey_id, attempt) DO UPDATE"
    " SET updated_at = excluded.updated_at, language = excluded.language,"
    " status = CASE WHEN p.status = 'done' THEN 'done' ELSE excluded.status END)"
    " SELECT i.ord, CASE WHEN w.ord IS NOT NULL THEN 'new'"
    " WHEN EXISTS (SELECT 1 FROM ins n WHERE " SAME_ANSWER(
        "n") ")"
             " OR EXISTS (SELECT 1 FROM responses r WHERE " SAME_ANSWER(
                 "r") ") THEN 'same'"
                      " ELSE 'other' END FROM inp i LEFT JOIN won w USING (ord) ORDER BY i.ord"};

/* Columns sent as bare array elements (numbers, booleans, hex); the others are quoted. */
static int bare(int col)
{
  return col == A_RESP || col == A_VER || col == A_HOP || col == A_AT || col == A_ATTEMPT ||
         col == A_FINAL;
}

/* Appends one element of column col of it to p (room reserved by the caller); returns the end. */
static char *put_elem(char *p, const struct store__item *it, int col)
{
  if (col == A_RESP)
    return ag_hex_put(p, it->respondent, STORE_RESPONDENT_LEN);
  if (bare(col)) {
    memcpy(p, it->vals[col], (size_t)it->lens[col]);
    return p + it->lens[col];
  }
  /* An array literal's quoted element: only " and \ need a backslash. */
  *p++ = '"';
  for (const char *s = it->vals[col]; *s; s++) {
    if (*s == '"' || *s == '\\')
      *p++ = '\\';
    *p++ = *s;
  }
  *p++ = '"';
  return p;
}

int store__answers_send(PGconn *conn, const struct store__item *first)
{
  const char *vals[A_NCOLS];
  size_t room = 0;
  char *buf, *p;
  int ok;

  for (const struct store__item *it = first; it; it = it->next)
    for (int c = 0; c < A_NCOLS; c++)
      room += (c == A_RESP ? 2 * STORE_RESPONDENT_LEN : 2 * (size_t)it->lens[c] + 2) + 1;
  buf = malloc(room + 3 * A_NCOLS);
  if (!buf)
    return AG_ENOMEM;
  p = buf;
  for (int c = 0; c < A_NCOLS; c++) {
    vals[c] = p;
    *p++ = '{';
    for (const struct store__item *it = first; it; it = it->next) {
      if (it != first)
        *p++ = ',';
      p = put_elem(p, it, c);
    }
    *p++ = '}';
    *p++ = '\0';
  }
  ok = PQsendQueryPrepared(conn, store__stmt_answers.name, A_NCOLS, vals, NULL, NULL, 0);
  free(buf); /* libpq copied the parameters into its output buffer */
  return ok == 1 ? AG_OK : AG_EDB;
}

void store__answers_verdicts(struct store__item *first, const PGresult *res)
{
  int n = PQntuples(res), k = 0;

  for (struct store__item *it = first; it; it = it->next, k++) {
    const char *what = "";
    /* Row k is answer k: the statement orders by the input's position. */
    if (k < n && atoi(PQgetvalue(res, k, 0)) == k + 1)
      what = PQgetvalue(res, k, 1);
    it->check_rc = strcmp(what, "new") == 0 || strcmp(what, "same") == 0 ? AG_OK : AG_ESTATE;
    if (!*what)
      it->check_rc = AG_EDB; /* no verdict: cannot happen, and must not read as stored */
    it->checked = 1;
  }
}
