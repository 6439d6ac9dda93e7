/* store_answers.c: the writes: an answer (with its attempt's progress), an attempt opened, an
 * SMS subscription switched, a language chosen. Each is one prepared statement in the next batch
 * (store_pg.c). */
#include "store/store.h"
#include "store/store-internal.h"
#include "lib/ag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Timestamps travel as microseconds since the epoch (text), exact in both directions. */
#define TS_12 "'epoch'::timestamptz + $12::bigint * interval '1 microsecond'"
#define TS_7  "'epoch'::timestamptz + $7::bigint * interval '1 microsecond'"
#define TS_6  "'epoch'::timestamptz + $6::bigint * interval '1 microsecond'"

/* The answer, and with it the attempt's progress row: only when the answer is new, so a retried
 * hop changes nothing at all. It answers with what happened: 'new', 'same' (a retry: the row of
 * this carrier session and hop holds this very answer) or 'other' (the key is taken by another
 * answer: a reused session id, whose answer must not be acknowledged as stored). A row another
 * transaction committed after this statement's snapshot reads as 'other': refused, never
 * acknowledged unstored. */
const struct store__stmt store__stmt_answer = {
    "ans", 15,
    "WITH ins AS (INSERT INTO responses (respondent, relation, survey_id, survey_version,"
    " question_id, option, language, carrier, network_code, carrier_session_id, hop,"
    " received_at, attempt)"
    " VALUES ($1, $2, $3, $4::int, $5, $6, $7, $8, $9, $10, $11::int, " TS_12 ", $13::int)"
    " ON CONFLICT ON CONSTRAINT responses_hop_once DO NOTHING RETURNING received_at),"
    " prog AS (INSERT INTO survey_progress AS p (respondent, relation, survey_id, attempt,"
    " survey_version, language, status, started_at, updated_at, opened_by)"
    " SELECT $1, $2, $3, $13::int, $4::int, $7,"
    " CASE WHEN $14::bool THEN 'done' ELSE 'open' END, received_at, received_at, $15 FROM ins"
    " ON CONFLICT (respondent, relation, survey_id, attempt) DO UPDATE"
    " SET updated_at = excluded.updated_at, language = excluded.language,"
    " status = CASE WHEN p.status = 'done' THEN 'done' ELSE excluded.status END)"
    " SELECT CASE WHEN EXISTS (SELECT 1 FROM ins) THEN 'new'"
    " WHEN EXISTS (SELECT 1 FROM responses r WHERE r.carrier = $8 AND r.carrier_session_id = $10"
    " AND r.hop = $11::int AND r.respondent = $1 AND r.relation = $2 AND r.survey_id = $3"
    " AND r.attempt = $13::int AND r.question_id = $5 AND r.option = $6) THEN 'same'"
    " ELSE 'other' END"};

/* The answer's row: stored now or before by a retry of this hop; anything else is not this
 * answer, and the hop must not say it was saved. */
static int answer_check(const PGresult *res)
{
  const char *what = PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : "";

  return strcmp(what, "new") == 0 || strcmp(what, "same") == 0 ? AG_OK : AG_ESTATE;
}

const struct store__stmt store__stmt_attempt = {
    "att", 8,
    "INSERT INTO survey_progress AS p (respondent, relation, survey_id, attempt,"
    " survey_version, language, status, started_at, updated_at, opened_by)"
    " VALUES ($1, $2, $3, $5::int, $4::int, $6, 'open', " TS_7 ", " TS_7 ", $8)"
    " ON CONFLICT (respondent, relation, survey_id, attempt) DO UPDATE"
    " SET updated_at = excluded.updated_at, language = excluded.language"};

const struct store__stmt store__stmt_sms = {
    "sms", 6,
    "INSERT INTO subscriptions (msisdn, respondent, language, band, active, updated_at)"
    " VALUES ($1, $2, $3, $4, $5::bool, " TS_6 ")"
    " ON CONFLICT (msisdn) DO UPDATE SET respondent = excluded.respondent,"
    " language = excluded.language,"
    " band = COALESCE(NULLIF(excluded.band, ''), subscriptions.band),"
    " active = excluded.active, updated_at = excluded.updated_at"};

/* The answer as the before-Sync hook sees it: its fields point into the item's own copies. */
static void answer_view(struct store__item *it)
{
  struct store_answer *a = &it->answer_view;

  memcpy(a->respondent, it->respondent, STORE_RESPONDENT_LEN);
  a->relation = it->vals[1];
  a->survey_id = it->vals[2];
  a->survey_version = atoi(it->vals[3]);
  a->question_id = it->vals[4];
  a->option = it->vals[5];
  a->lang = it->vals[6];
  a->carrier = it->vals[7];
  a->network_code = it->vals[8];
  a->session_id = it->vals[9];
  a->hop = atoi(it->vals[10]);
  a->received_at_us = strtoll(it->vals[11], NULL, 10);
  a->attempt = atoi(it->vals[12]);
  a->final = strcmp(it->vals[13], "true") == 0;
  it->answer = a;
}

/* The language chosen in the menu: one row per respondent and session that chose
 * (sql/migrations/0005_respondent_language.sql), so a session's own choice never changes the
 * profile it reads while the choice before it is still there to read. */
const struct store__stmt store__stmt_lang = {
    "lang", 5,
    "INSERT INTO respondent_language AS l (respondent, chosen_in, language, updated_at)"
    " VALUES ($1, $2 || ':' || $3, $4, 'epoch'::timestamptz + $5::bigint * interval '1 "
    "microsecond')"
    " ON CONFLICT (respondent, chosen_in) DO UPDATE"
    " SET language = excluded.language, updated_at = excluded.updated_at"
    " WHERE l.updated_at <= excluded.updated_at"};

static int submit(struct store *st, struct store__item *it, long long deadline_us, store_cb cb,
                  void *arg, int is_answer)
{
  if (!it)
    return AG_ENOMEM;
  it->cb = cb;
  it->arg = arg;
  it->deadline_us = deadline_us;
  if (is_answer) {
    answer_view(it);
    it->check = answer_check;
  }
  return store__enqueue(st, it);
}

#define FMT_INT(buf, v) store__fmt_int(buf, sizeof(buf), (long long)(v))

int store_submit(struct store *st, const struct store_answer *a, store_cb cb, void *arg)
{
  char version[24], hop[24], when[24], attempt[24], opened_by[160];
  const char *src[15] = {NULL,
                         a->relation,
                         a->survey_id,
                         FMT_INT(version, a->survey_version),
                         a->question_id,
                         a->option,
                         a->lang,
                         a->carrier,
                         a->network_code,
                         a->session_id,
                         FMT_INT(hop, a->hop),
                         FMT_INT(when, a->received_at_us),
                         FMT_INT(attempt, a->attempt > 0 ? a->attempt : 1),
                         a->final ? "true" : "false",
                         opened_by};

  if (store_state(st) != STORE_UP)
    return AG_EDB;
  snprintf(opened_by, sizeof(opened_by), "%s:%s", a->carrier, a->session_id);
  return submit(st, store__item_create(&store__stmt_answer, src, 0, a->respondent), a->deadline_us,
                cb, arg, 1);
}

int store_submit_attempt(struct store *st, const struct store_attempt *a, store_cb cb, void *arg)
{
  char version[24], attempt[24], when[24], opened_by[160];
  const char *src[8] = {NULL,
                        a->relation,
                        a->survey_id,
                        FMT_INT(version, a->survey_version),
                        FMT_INT(attempt, a->attempt),
                        a->lang,
                        FMT_INT(when, a->received_at_us),
                        opened_by};

  if (store_state(st) != STORE_UP)
    return AG_EDB;
  snprintf(opened_by, sizeof(opened_by), "%s:%s", a->carrier, a->session_id);
  return submit(st, store__item_create(&store__stmt_attempt, src, 0, a->respondent), a->deadline_us,
                cb, arg, 0);
}

int store_submit_sms(struct store *st, const struct store_sms *s, store_cb cb, void *arg)
{
  char when[24];
  const char *src[6] = {s->msisdn,
                        NULL,
                        s->lang,
                        s->band,
                        s->active ? "true" : "false",
                        FMT_INT(when, s->received_at_us)};

  if (store_state(st) != STORE_UP)
    return AG_EDB;
  return submit(st, store__item_create(&store__stmt_sms, src, 1, s->respondent), s->deadline_us, cb,
                arg, 0);
}

int store_submit_lang(struct store *st, const struct store_lang *l, store_cb cb, void *arg)
{
  char when[24];
  const char *src[5] = {NULL, l->carrier, l->session_id, l->lang, FMT_INT(when, l->received_at_us)};

  if (store_state(st) != STORE_UP)
    return AG_EDB;
  return submit(st, store__item_create(&store__stmt_lang, src, 0, l->respondent), l->deadline_us,
                cb, arg, 0);
}
