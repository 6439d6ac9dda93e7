/* store_profile.c: the read of what is known of a respondent (resume, language), decoded here
 * into typed rows so that no caller depends on the columns of the query. */
#include "store/store.h"
#include "store/store-internal.h"
#include "lib/ag.h"

#include <stdlib.h>
#include <string.h>

/* Everything known of a respondent but what this session ($4, $5) wrote itself. Columns:
 * relation, attempt, status, language, fresh, question_id, option, (order keys). */
const struct store__stmt store__stmt_profile = {
    "prof", 5,
    "SELECT * FROM (SELECT p.relation, p.attempt, p.status, p.language,"
    " p.updated_at > now() - $3::bigint * interval '1 second' AS fresh, r.question_id,"
    " r.option, p.updated_at, r.hop"
    " FROM survey_progress p LEFT JOIN responses r ON r.respondent = p.respondent"
    " AND r.relation = p.relation AND r.survey_id = p.survey_id AND r.attempt = p.attempt"
    " AND NOT (r.carrier = $4 AND r.carrier_session_id = $5)"
    " WHERE p.respondent = $1 AND p.survey_id = $2 AND p.opened_by <> $4 || ':' || $5"
    /* The SMS switch also tells the caller's language: attempt 0 marks such a row. */
    " UNION ALL SELECT '', 0, 'sms', language, false, NULL, NULL, updated_at, 0"
    " FROM subscriptions WHERE respondent = $1"
    /* So does a choice in the language menu, by another session than this one. */
    " UNION ALL (SELECT '', 0, 'lang', language, false, NULL, NULL, updated_at, 0"
    " FROM respondent_language WHERE respondent = $1 AND chosen_in <> $4 || ':' || $5"
    " ORDER BY updated_at DESC LIMIT 1)) AS known"
    " ORDER BY updated_at DESC, attempt DESC, hop"};

/* Decodes res (column order of store__stmt_profile) and hands the rows to the caller. */
static void profile_done(struct store__item *it, int rc, const PGresult *res)
{
  struct store_profile_row *rows = NULL;
  int n = res ? PQntuples(res) : 0;

  if (rc == AG_OK && n > 0 && !(rows = calloc((size_t)n, sizeof(*rows))))
    rc = AG_ENOMEM;
  if (rc != AG_OK) {
    it->rows_cb(it->arg, rc, NULL, 0);
    return;
  }
  for (int i = 0; i < n; i++) {
    struct store_profile_row *r = &rows[i];
    r->relation = PQgetvalue(res, i, 0);
    r->attempt = atoi(PQgetvalue(res, i, 1));
    r->open = strcmp(PQgetvalue(res, i, 2), "open") == 0;
    r->lang = PQgetvalue(res, i, 3);
    r->fresh = strcmp(PQgetvalue(res, i, 4), "t") == 0;
    r->question_id = PQgetisnull(res, i, 5) ? NULL : PQgetvalue(res, i, 5);
    r->value = r->question_id ? PQgetvalue(res, i, 6) : NULL;
  }
  it->rows_cb(it->arg, AG_OK, rows, (size_t)n);
  free(rows);
}

int store_query_profile(struct store *st, const uint8_t respondent[STORE_RESPONDENT_LEN],
                        const char *survey_id, long window_s, const char *carrier,
                        const char *session_id, long long deadline_us, store_profile_cb cb,
                        void *arg)
{
  char window[24];
  const char *src[5] = {NULL, survey_id, store__fmt_int(window, sizeof(window), window_s), carrier,
                        session_id};
  struct store__item *it = store__item_create(&store__stmt_profile, src, 0, respondent);

  if (!it)
    return AG_ENOMEM;
  it->done = profile_done;
  it->rows_cb = cb;
  it->arg = arg;
  it->deadline_us = deadline_us;
  return store__enqueue(st, it);
}
