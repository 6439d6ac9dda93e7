/* store_profile.c: the read of what is known of a respondent (resume, language), decoded here
 * into typed rows so that no caller depends on the columns of the query.
 *
 * A session's profile is frozen by its first read (sql/migrations/0006_session_profile.sql):
 * later reads of the same session, by any process, after any restart, get the same rows, so a
 * replayed hop gets the screen it got the first time whatever the session has written since. */
#include "store/store.h"
#include "store/store-internal.h"
#include "lib/ag.h"

#include <stdlib.h>
#include <string.h>

/* How long a frozen profile lives: longer than the longest session (session_max_ms is at most
 * an hour, lib/ag_config.c) and its late retries. */
#define TTL  "interval '2 hours'"
#define LIVE "started_at > now() - " TTL
/* On a conflict: a live row stays as it is, an expired one (a reused id) takes the new values. */
#define KEEP(col) col " = CASE WHEN s." LIVE " THEN s." col " ELSE excluded." col " END"
#define KEEP_ALL                                                                                   \
  KEEP("respondent") ", " KEEP("survey_id") ", " KEEP("profile") ", " KEEP("started_at")

/* Everything known of a respondent ($1) in survey $2 now, but what this session ($4, $5) wrote
 * itself: the first read freezes the profile before the session writes anything, so that
 * leaves out only what a gateway of before the freeze wrote in a session it started (kept for
 * a rolling upgrade). Rows with attempt 0 tell a language only: the SMS switch, and the latest
 * choice in the language menu by another session. Columns: relation, attempt, status,
 * language, fresh, question_id, option, updated_at, hop. */
#define CURRENT                                                                                    \
  "SELECT p.relation, p.attempt, p.status, p.language,"                                            \
  " p.updated_at > now() - $3::bigint * interval '1 second' AS fresh, r.question_id,"              \
  " r.option, p.updated_at, r.hop"                                                                 \
  " FROM survey_progress p LEFT JOIN responses r ON r.respondent = p.respondent"                   \
  " AND r.relation = p.relation AND r.survey_id = p.survey_id AND r.attempt = p.attempt"           \
  " AND NOT (r.carrier = $4 AND r.carrier_session_id = $5)"                                        \
  " WHERE p.respondent = $1 AND p.survey_id = $2 AND p.opened_by <> $4 || ':' || $5"               \
  " UNION ALL SELECT '', 0, 'sms', language, false, NULL, NULL, updated_at, 0"                     \
  " FROM subscriptions WHERE respondent = $1"                                                      \
  " UNION ALL (SELECT '', 0, 'lang', language, false, NULL, NULL, updated_at, 0"                   \
  " FROM respondent_language WHERE respondent = $1 AND chosen_in <> $4 || ':' || $5"               \
  " ORDER BY updated_at DESC LIMIT 1)"

/* snap: the session's frozen profile. gone: up to 2 expired ones of other sessions, skipping any
 * another transaction holds (the table stays bounded without a timer: every session reads at
 * least once and adds one row). made: on the first read, the profile of now, frozen; when
 * another process froze it first (a concurrent first read), ON CONFLICT DO UPDATE waits for it
 * and returns its row, which this statement's snapshot does not show; an expired row of a
 * reused id is replaced. The answer: a head row (n 0) saying whether the session is this
 * respondent's and froze this survey, then the frozen rows in order, only if both hold.
 * Columns: n, mine, survey, relation, attempt, status, language, fresh, question_id, option. */
const struct store__stmt store__stmt_profile = {
    "prof", 5,
    "WITH snap AS (SELECT respondent, survey_id, profile FROM session_profile"
    " WHERE carrier = $4 AND carrier_session_id = $5 AND " LIVE "),"
    " gone AS (DELETE FROM session_profile d USING (SELECT carrier, carrier_session_id"
    " FROM session_profile WHERE NOT (" LIVE ") AND NOT (carrier = $4 AND carrier_session_id = $5)"
    " ORDER BY started_at LIMIT 2 FOR UPDATE SKIP LOCKED) o"
    " WHERE d.carrier = o.carrier AND d.carrier_session_id = o.carrier_session_id),"
    " made AS (INSERT INTO session_profile AS s"
    " (carrier, carrier_session_id, respondent, survey_id, profile, started_at)"
    " SELECT $4, $5, $1, $2, a.profile, now() FROM (SELECT COALESCE(jsonb_agg(jsonb_build_object("
    "'relation', k.relation, 'attempt', k.attempt, 'status', k.status, 'language', k.language,"
    " 'fresh', k.fresh, 'question_id', k.question_id, 'option', k.option)"
    " ORDER BY k.updated_at DESC, k.attempt DESC, k.hop), '[]') AS profile"
    " FROM (" CURRENT ") AS k) AS a WHERE NOT EXISTS (SELECT 1 FROM snap)"
    " ON CONFLICT (carrier, carrier_session_id) DO UPDATE SET " KEEP_ALL
    " RETURNING respondent, survey_id, profile),"
    " got AS (SELECT * FROM snap UNION ALL SELECT * FROM made)"
    " SELECT 0::bigint AS n, g.respondent = $1 AS mine, g.survey_id = $2 AS survey,"
    " NULL::text, NULL::text, NULL::text, NULL::text, NULL::bool, NULL::text, NULL::text"
    " FROM got g UNION ALL SELECT e.n, true, true, e.r->>'relation', e.r->>'attempt',"
    " e.r->>'status', e.r->>'language', (e.r->>'fresh')::bool, e.r->>'question_id',"
    " e.r->>'option' FROM got g, jsonb_array_elements(g.profile) WITH ORDINALITY AS e(r, n)"
    " WHERE g.respondent = $1 AND g.survey_id = $2 ORDER BY 1"};

/* Decodes res (column order of store__stmt_profile) and hands the rows to the caller: AG_ESTATE
 * when the session belongs to another respondent, AG_EINVAL when it froze another survey
 * (nothing of it is handed over). */
static void profile_done(struct store__item *it, int rc, const PGresult *res)
{
  struct store_profile_row *rows = NULL;
  int n = res ? PQntuples(res) - 1 : 0; /* the head row is not a profile row */

  if (rc == AG_OK && (n < 0 || strcmp(PQgetvalue(res, 0, 0), "0") != 0))
    rc = AG_EDB; /* no head row: cannot happen, and must not read as an unknown caller */
  else if (rc == AG_OK && strcmp(PQgetvalue(res, 0, 1), "t") != 0)
    rc = AG_ESTATE;
  else if (rc == AG_OK && strcmp(PQgetvalue(res, 0, 2), "t") != 0)
    rc = AG_EINVAL; /* one profile per session: the gateway reads one survey's */
  else if (rc == AG_OK && n > 0 && !(rows = calloc((size_t)n, sizeof(*rows))))
    rc = AG_ENOMEM;
  if (rc != AG_OK) {
    it->rows_cb(it->arg, rc, NULL, 0);
    return;
  }
  for (int i = 0; i < n; i++) {
    struct store_profile_row *r = &rows[i];
    int t = i + 1;
    r->relation = PQgetvalue(res, t, 3);
    r->attempt = atoi(PQgetvalue(res, t, 4));
    r->open = strcmp(PQgetvalue(res, t, 5), "open") == 0;
    r->lang = PQgetvalue(res, t, 6);
    r->fresh = strcmp(PQgetvalue(res, t, 7), "t") == 0;
    r->question_id = PQgetisnull(res, t, 8) ? NULL : PQgetvalue(res, t, 8);
    r->value = r->question_id ? PQgetvalue(res, t, 9) : NULL;
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
