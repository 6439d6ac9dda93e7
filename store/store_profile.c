/* store_profile.c: the read of what is known of a respondent (resume, language), decoded here
 * into typed rows so that no caller depends on the columns of the query.
 *
 * A session's profile is frozen by its first read (sql/migrations/0006_session_profile.sql):
 * later reads of the same session, by any process, after any restart, get the same rows, so a
 * replayed hop gets the screen it got the first time whatever the session has written since. */
#include "store/store.h"
#include "store/store-internal.h"
#include "lib/ag.h"
#include "lib/ag_text.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* How long a frozen profile lives: longer than the longest session (session_max_ms is at most
 * an hour, lib/ag_config.c) and its late retries. */
#define TTL  "interval '2 hours'"
#define LIVE "started_at > now() - " TTL
/* On a conflict: a live row stays as it is, an expired one (a reused id) takes the new values. */
#define KEEP(col) col " = CASE WHEN s." LIVE " THEN s." col " ELSE excluded." col " END"
#define KEEP_ALL                                                                                   \
  KEEP("respondent")                                                                               \
  ", " KEEP("survey_id") ", " KEEP("profile") ", " KEEP("started_at") ", " KEEP("content")

/* Everything known of respondent R in survey S now (with each attempt's survey version), but
 * what this session (carrier C, id I) wrote itself: the first read freezes the profile before the
 * session writes anything, so that leaves out only what a gateway of before the freeze wrote in a
 * session it started (kept for a rolling upgrade). Rows with attempt 0 tell a language only: the
 * SMS switch, and the latest choice in the language menu by another session. W: the resume window
 * in seconds. Columns: relation, attempt, status, language, fresh, question_id, option, updated_at,
 * hop, version. */
#define CURRENT(R, S, W, C, I)                                                                     \
  "SELECT p.relation, p.attempt, p.status, p.language,"                                            \
  " p.updated_at > now() - " W " * interval '1 second' AS fresh, r.question_id,"                   \
  " r.option, p.updated_at, r.hop, p.survey_version AS version, NULL::jsonb AS req"                \
  " FROM survey_progress p LEFT JOIN responses r ON r.respondent = p.respondent"                   \
  " AND r.relation = p.relation AND r.survey_id = p.survey_id AND r.attempt = p.attempt"           \
  " AND NOT (r.carrier = " C " AND r.carrier_session_id = " I ")"                                  \
  " WHERE p.respondent = " R " AND p.survey_id = " S " AND p.opened_by <> " C " || ':' || " I      \
  " UNION ALL SELECT '', 0, CASE WHEN active THEN 'sms_on' ELSE 'sms_off' END, language, false,"   \
  " NULL, NULL, updated_at, 0, 0, NULL"                                                            \
  " FROM subscriptions WHERE respondent = " R                                                      \
  " UNION ALL (SELECT '', 0, 'lang', language, false, NULL, NULL, updated_at, 0, 0, NULL"          \
  " FROM respondent_language WHERE respondent = " R " AND chosen_in <> " C " || ':' || " I         \
  " ORDER BY updated_at DESC LIMIT 1) UNION ALL " REQUESTS(R)

/* The open requests (not closed, closes_at ahead) of the schools the phone is linked to (live
 * links, whoever on the phone linked it) that the school's SMS would reach it with too
 * (sms/sms_school_send.c): for grade bands, only if the linked relation gave one of them in the
 * survey; for an offer category, only if it offered that. Newest first, at most
 * SESS_MAX_REQUESTS (3): rows of their own ('req'), sorted after every other row (-infinity) in
 * their order (hop), so that the first row still tells the language. Dates in Kazakhstan time
 * (UTC+5). Read with the profile and frozen with it (decision 46): no other read per hop; a
 * request opened during the call shows in the next one. The IN on the phone's links is what
 * the plan starts from (its links, then those schools' open requests); the EXISTS repeats the
 * link only to pair its relation with the targeting, and alone it made the planner scan every
 * open request (6,013 of them, 20,000 links: 1.15 ms against 0.12 ms). */
#define KZ_DATE(t) "((" t " AT TIME ZONE 'UTC') + interval '5 hours')::date"
#define REQUESTS(R)                                                                                \
  "(SELECT '', 0, 'req', '', false, NULL, NULL, '-infinity'::timestamptz,"                         \
  " (row_number() OVER (ORDER BY q.created_at DESC, q.id DESC))::int, 0,"                          \
  " jsonb_build_object('id', q.id, 'kind', q.kind, 'kk', q.text_kk, 'ru', q.text_ru,"              \
  " 'school', s.name, 'on', q.needed_on, 'people', q.people,"                                      \
  " 'closes', " KZ_DATE(                                                                           \
      "q.closes_at") ")"                                                                           \
                     " FROM school_requests q JOIN schools s ON s.id = q.school_id"                \
                     " WHERE q.closed_at IS NULL AND q.closes_at > now() AND q.school_id IN "      \
                     "(SELECT l.school_id"                                                         \
                     " FROM school_links l WHERE l.respondent = " R " AND l.unlinked_at IS NULL)"  \
                     " AND EXISTS (SELECT 1 FROM school_links t WHERE t.respondent = " R           \
                     " AND t.school_id = q.school_id AND t.unlinked_at IS NULL"                    \
                     " AND (q.offer_category IS NULL OR EXISTS (SELECT 1 FROM school_offers o"     \
                     " WHERE o.respondent = t.respondent AND o.relation = t.relation"              \
                     " AND o.category = q.offer_category))"                                        \
                     " AND (q.grade_bands = '{}' OR EXISTS (SELECT 1 FROM responses x"             \
                     " WHERE x.respondent = t.respondent AND x.relation = t.relation"              \
                     " AND x.question_id = 'grade' AND x.option = ANY (q.grade_bands))))"          \
                     " ORDER BY q.created_at DESC, q.id DESC LIMIT 3)"

/* Every profile read of a batch in one statement (issue 9), as the answers
 * (store_answers_many.c): the reads travel as parallel arrays (respondent as hex, survey,
 * window, carrier, session id), each read's rows come back under its position (ord), and each
 * gets the verdict its own statement gave it before, in the same order of events:
 * inp: the reads. snap: the frozen profiles of their sessions, if live. made: for each
 * session without a snap, the profile of now of its first read in the batch (a later read of the
 * same session in the batch got that one's freeze before, and still does), frozen; when another
 * process froze it first (a concurrent first read), ON CONFLICT DO UPDATE waits for it and
 * returns its row, which this statement's snapshot does not show; an expired row of a reused id
 * is replaced. The aggregate never runs for a session with a snap. The answer, per read: a head
 * row (n 0) saying whether the session is this read's respondent's and froze this survey, then
 * the frozen rows in order, only if both hold. Columns: ord, n, mine, survey, relation, attempt,
 * status, language, fresh, question_id, option, version (NULL in a profile frozen before the
 * version was part of it), req, same (the head row: the session was frozen with this read's
 * content, or one of the two is not known). */
const struct store__stmt store__stmt_profile = {
    "prof_many", 6,
    "WITH inp AS (SELECT u.ord, decode(u.resp, 'hex') AS respondent, u.survey_id, u.win,"
    " u.carrier, u.sid, nullif(u.content, '') AS content FROM unnest($1::text[], $2::text[],"
    " $3::bigint[], $4::text[], $5::text[], $6::text[])"
    " WITH ORDINALITY AS u(resp, survey_id, win, carrier, sid, content, ord)),"
    " snap AS (SELECT s.carrier, s.carrier_session_id, s.respondent, s.survey_id, s.profile,"
    " s.content"
    " FROM session_profile s WHERE (s.carrier, s.carrier_session_id) IN (SELECT carrier, sid"
    " FROM inp) AND s." LIVE "),"
    " made AS (INSERT INTO session_profile AS s"
    " (carrier, carrier_session_id, respondent, survey_id, profile, started_at, content)"
    " SELECT f.carrier, f.sid, f.respondent, f.survey_id, a.profile, now(), f.content"
    " FROM (SELECT DISTINCT ON (carrier, sid) * FROM inp ORDER BY carrier, sid, ord) f"
    " CROSS JOIN LATERAL (SELECT COALESCE(jsonb_agg(jsonb_build_object("
    "'relation', k.relation, 'attempt', k.attempt, 'status', k.status, 'language', k.language,"
    " 'fresh', k.fresh, 'question_id', k.question_id, 'option', k.option, 'version', k.version)"
    " || CASE WHEN k.req IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('req', k.req) END"
    " ORDER BY k.updated_at DESC, k.attempt DESC, k.hop), '[]') AS profile FROM ("
    /* a macro among the literals makes clang-format indent and split them at random */
    /* clang-format off */
    CURRENT("f.respondent", "f.survey_id", "f.win", "f.carrier", "f.sid")
    ") AS k) AS a"
    " WHERE NOT EXISTS (SELECT 1 FROM snap WHERE snap.carrier = f.carrier"
    " AND snap.carrier_session_id = f.sid)"
    " ON CONFLICT (carrier, carrier_session_id) DO UPDATE SET " KEEP_ALL
    " RETURNING carrier, carrier_session_id, respondent, survey_id, profile, content),"
    " got AS (SELECT * FROM snap UNION ALL SELECT * FROM made)"
    " SELECT i.ord, 0::bigint AS n, g.respondent = i.respondent AS mine,"
    " g.survey_id = i.survey_id AS survey, NULL::text, NULL::text, NULL::text, NULL::text,"
    " NULL::bool, NULL::text, NULL::text, NULL::text, NULL::text,"
    " g.content IS NULL OR i.content IS NULL OR g.content = i.content AS same"
    " FROM inp i JOIN got g ON g.carrier = i.carrier AND g.carrier_session_id = i.sid"
    " UNION ALL SELECT i.ord, e.n, true, true,"
    " e.r->>'relation', e.r->>'attempt', e.r->>'status', e.r->>'language',"
    " (e.r->>'fresh')::bool, e.r->>'question_id', e.r->>'option', e.r->>'version',"
    " e.r->>'req', true"
    " FROM inp i JOIN got g"
    " ON g.carrier = i.carrier AND g.carrier_session_id = i.sid,"
    " jsonb_array_elements(g.profile) WITH ORDINALITY AS e(r, n)"
    " WHERE g.respondent = i.respondent AND g.survey_id = i.survey_id ORDER BY 1, 2"};
/* clang-format on */

/* Up to $1 expired frozen profiles, oldest first, skipping any another transaction holds: sent
 * after the reads of a batch once STORE__EXPIRE_EVERY reads have accumulated, with 2 per read,
 * so that the table stays bounded without a timer (every session reads at least once and adds
 * one row) and the statement's start is paid once per many reads. By ctid, the rows locked: a
 * join on the key made the generic plan scan the table. The batch's own sessions are live. */
const struct store__stmt store__stmt_expire = {
    "prof_expire", 1,
    "DELETE FROM session_profile WHERE ctid = ANY (ARRAY(SELECT ctid FROM session_profile"
    " WHERE NOT (" LIVE ") ORDER BY started_at LIMIT $1::int FOR UPDATE SKIP LOCKED))"};

int store__expire_send(PGconn *conn, long reads)
{
  char limit[24];
  const char *vals[1] = {store__fmt_int(limit, sizeof(limit), 2 * reads)};

  return PQsendQueryPrepared(conn, store__stmt_expire.name, 1, vals, NULL, NULL, 0) == 1 ? AG_OK
                                                                                         : AG_EDB;
}

/* The item's params (store_query_profile), in the order of the statement's arrays. */
enum { P_RESP, P_SURVEY, P_WINDOW, P_CARRIER, P_SID, P_CONTENT, P_NCOLS };

/* Appends one element of column col of it to p (room reserved by the caller); returns the end. */
static char *put_elem(char *p, const struct store__item *it, int col)
{
  if (col == P_RESP)
    return ag_hex_put(p, it->respondent, STORE_RESPONDENT_LEN);
  if (col == P_WINDOW) {
    memcpy(p, it->vals[col], (size_t)it->lens[col]);
    return p + it->lens[col];
  }
  *p++ = '"'; /* an array literal's quoted element: only " and \ need a backslash */
  for (const char *s = it->vals[col]; *s; s++) {
    if (*s == '"' || *s == '\\')
      *p++ = '\\';
    *p++ = *s;
  }
  *p++ = '"';
  return p;
}

int store__profiles_send(PGconn *conn, const struct store__item *first, size_t n)
{
  const char *vals[P_NCOLS];
  size_t room = 0, k;
  const struct store__item *it;
  char *buf, *p;
  int ok;

  for (it = first, k = 0; k < n; it = it->next, k++)
    for (int c = 0; c < P_NCOLS; c++)
      room += (c == P_RESP ? 2 * STORE_RESPONDENT_LEN : 2 * (size_t)it->lens[c] + 2) + 1;
  buf = malloc(room + 3 * P_NCOLS);
  if (!buf)
    return AG_ENOMEM;
  p = buf;
  for (int c = 0; c < P_NCOLS; c++) {
    vals[c] = p;
    *p++ = '{';
    for (it = first, k = 0; k < n; it = it->next, k++) {
      if (k)
        *p++ = ',';
      p = put_elem(p, it, c);
    }
    *p++ = '}';
    *p++ = '\0';
  }
  ok = PQsendQueryPrepared(conn, store__stmt_profile.name, P_NCOLS, vals, NULL, NULL, 0);
  free(buf); /* libpq copied the parameters into its output buffer */
  return ok == 1 ? AG_OK : AG_EDB;
}

void store__profiles_split(struct store__item *first, size_t n, PGresult *res)
{
  int rows = PQntuples(res), t = 0;
  struct store__item *it = first;

  for (size_t k = 0; k < n; k++, it = it->next) {
    /* The statement orders by the read's position: its rows are the next run of ord k + 1. */
    it->view = res;
    it->row0 = t;
    while (t < rows && atol(PQgetvalue(res, t, 0)) == (long)k + 1)
      t++;
    it->nrows = t - it->row0;
    if (k + 1 == n)
      it->res = res; /* the last owns it: the batch completes its items in order */
  }
}

/* A request row's object (column 12) into q, its strings borrowed from *doc (kept by the
 * caller until the rows are handed over). AG_OK, or AG_EINVAL for what the statement never
 * writes. */
static const char *str_of(json_t *o, const char *key)
{
  const char *v = json_string_value(json_object_get(o, key));
  return v ? v : "";
}

static int request_of(const char *text, struct store_profile_request *q, json_t **doc)
{
  json_t *o = json_loads(text, 0, NULL);

  *doc = o;
  if (!json_is_object(o) || !json_is_integer(json_object_get(o, "id")))
    return AG_EINVAL;
  q->id = (long long)json_integer_value(json_object_get(o, "id"));
  q->kind = str_of(o, "kind");
  q->text_kk = str_of(o, "kk");
  q->text_ru = str_of(o, "ru");
  q->school = str_of(o, "school");
  q->needed_on = str_of(o, "on");
  q->closes_on = str_of(o, "closes");
  q->people = (int)json_integer_value(json_object_get(o, "people")); /* null: 0 */
  return AG_OK;
}

/* Decodes the item's rows of its batch's result (column order of store__stmt_profile) and hands
 * them to the caller: AG_ESTATE when the session belongs to another respondent, AG_EINVAL when
 * it froze another survey, AG_ESTALE when another content froze it (nothing of it is handed
 * over). */
static void profile_done(struct store__item *it, int rc, const PGresult *res)
{
  struct store_profile_request reqs[3];
  json_t *docs[3] = {NULL, NULL, NULL};
  size_t n_req = 0;
  struct store_profile_row *rows = NULL;
  int h = it->row0, n = res ? it->nrows - 1 : 0; /* the head row is not a profile row */

  if (rc == AG_OK && (n < 0 || strcmp(PQgetvalue(res, h, 1), "0") != 0))
    rc = AG_EDB; /* no head row: cannot happen, and must not read as an unknown caller */
  else if (rc == AG_OK && strcmp(PQgetvalue(res, h, 2), "t") != 0)
    rc = AG_ESTATE;
  else if (rc == AG_OK && strcmp(PQgetvalue(res, h, 3), "t") != 0)
    rc = AG_EINVAL; /* one profile per session: the gateway reads one survey's */
  else if (rc == AG_OK && strcmp(PQgetvalue(res, h, 13), "t") != 0)
    rc = AG_ESTALE; /* its inputs mean other answers here (0027) */
  else if (rc == AG_OK && n > 0 && !(rows = calloc((size_t)n, sizeof(*rows))))
    rc = AG_ENOMEM;
  if (rc != AG_OK) {
    it->rows_cb(it->arg, rc, NULL, 0);
    return;
  }
  for (int i = 0; i < n; i++) {
    struct store_profile_row *r = &rows[i];
    int t = h + i + 1;
    r->relation = PQgetvalue(res, t, 4);
    r->attempt = atoi(PQgetvalue(res, t, 5));
    r->open = strcmp(PQgetvalue(res, t, 6), "open") == 0;
    r->sms = strcmp(PQgetvalue(res, t, 6), "sms_on") == 0    ? 1
             : strcmp(PQgetvalue(res, t, 6), "sms_off") == 0 ? 2
             : strcmp(PQgetvalue(res, t, 6), "sms") == 0     ? 3
                                                             : 0;
    r->lang = PQgetvalue(res, t, 7);
    r->fresh = strcmp(PQgetvalue(res, t, 8), "t") == 0;
    r->question_id = PQgetisnull(res, t, 9) ? NULL : PQgetvalue(res, t, 9);
    r->value = r->question_id ? PQgetvalue(res, t, 10) : NULL;
    r->survey_version = PQgetisnull(res, t, 11) ? 0 : atoi(PQgetvalue(res, t, 11));
    if (strcmp(PQgetvalue(res, t, 6), "req") == 0 && !PQgetisnull(res, t, 12) && n_req < 3 &&
        request_of(PQgetvalue(res, t, 12), &reqs[n_req], &docs[n_req]) == AG_OK)
      r->request = &reqs[n_req++];
    else if (strcmp(PQgetvalue(res, t, 6), "req") == 0)
      r->attempt = 0; /* more than the statement lists, or unreadable: a row of nothing */
  }
  it->rows_cb(it->arg, AG_OK, rows, (size_t)n);
  free(rows);
  for (size_t i = 0; i < 3; i++)
    json_decref(docs[i]);
}

int store_query_profile(struct store *st, const uint8_t respondent[STORE_RESPONDENT_LEN],
                        const char *survey_id, long window_s, const char *carrier,
                        const char *session_id, const char *content, long long deadline_us,
                        store_profile_cb cb, void *arg)
{
  char window[24];
  const char *src[P_NCOLS] = {NULL,    survey_id,  store__fmt_int(window, sizeof(window), window_s),
                              carrier, session_id, content ? content : ""};
  struct store__item *it = store__item_create(&store__stmt_profile, src, 0, respondent);

  if (!it)
    return AG_ENOMEM;
  it->done = profile_done;
  it->rows_cb = cb;
  it->arg = arg;
  it->deadline_us = deadline_us;
  return store__enqueue(st, it);
}
