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
#define TS_7 "'epoch'::timestamptz + $7::bigint * interval '1 microsecond'"
#define TS_6 "'epoch'::timestamptz + $6::bigint * interval '1 microsecond'"

/* The answer, and with it the attempt's progress row: sent with the batch's other answers in
 * one statement that says what happened to each (store_answers_many.c). */
const struct store__stmt store__stmt_answer = {"ans", 14 + STORE_CONTEXT_N, NULL};
_Static_assert(14 + STORE_CONTEXT_N <= STORE__MAX_PARAMS,
               "an answer's parameters overflow an item");

const struct store__stmt store__stmt_attempt = {
    "att", 8,
    "INSERT INTO survey_progress AS p (respondent, relation, survey_id, attempt,"
    " survey_version, language, status, started_at, updated_at, opened_by)"
    " VALUES ($1, $2, $3, $5::int, $4::int, $6, 'open', " TS_7 ", " TS_7 ", $8)"
    " ON CONFLICT (respondent, relation, survey_id, attempt) DO UPDATE"
    " SET updated_at = excluded.updated_at, language = excluded.language"};

/* The switch and its event in one statement: the number is kept only while the subscription is
 * on (0011_subscription_history.sql); what stays after "off" is the keyed hash and the history.
 * The number active under another respondent (a rotated secret: decision 81) is switched off
 * there first (`old`, read by `s` so that it runs first: the unique index on the number is
 * checked row by row): "on" moves the subscription to this key with its band and place in the
 * cycle (the old key's event says 'rekey'), "off" switches the number off for good. */
const struct store__stmt store__stmt_sms = {
    "sms", 7,
    "WITH old AS (UPDATE subscriptions SET active = false, msisdn = NULL, updated_at = " TS_6
    " WHERE msisdn = $1 AND respondent <> $2 AND active RETURNING respondent, language, band,"
    " tip_seq),"
    " s AS (INSERT INTO subscriptions (msisdn, respondent, language, band, tip_seq, active,"
    " updated_at) SELECT CASE WHEN $5::bool THEN $1 END, $2, $3,"
    " COALESCE(NULLIF($4, ''), (SELECT band FROM old LIMIT 1), ''),"
    " COALESCE((SELECT tip_seq FROM old LIMIT 1), 0), $5::bool, " TS_6
    " WHERE (SELECT count(*) FROM old) >= 0"
    " ON CONFLICT (respondent) DO UPDATE SET msisdn = excluded.msisdn,"
    " language = excluded.language,"
    " band = COALESCE(NULLIF(excluded.band, ''), subscriptions.band),"
    " active = excluded.active, updated_at = excluded.updated_at RETURNING respondent)"
    " INSERT INTO subscription_events (respondent, action, channel, language, at)"
    " SELECT respondent, CASE WHEN $5::bool THEN 'on' ELSE 'off' END, $7, $3, " TS_6 " FROM s"
    " UNION ALL SELECT respondent, 'off', CASE WHEN $5::bool THEN 'rekey' ELSE $7 END, "
    "language, " TS_6 " FROM old"};

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
  for (int i = 0; i < STORE_CONTEXT_N; i++)
    a->context[i] = it->vals[14 + i];
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
    it->check = 1; /* its verdict is read by store__answers_verdicts */
  }
  return store__enqueue(st, it);
}

const char *store__fmt_int(char *buf, size_t len, long long v)
{
  snprintf(buf, len, "%lld", v);
  return buf;
}

#define FMT_INT(buf, v) store__fmt_int(buf, sizeof(buf), (long long)(v))

int store_submit(struct store *st, const struct store_answer *a, store_cb cb, void *arg)
{
  char version[24], hop[24], when[24], attempt[24];
  /* The statement's 14 columns (store_answers_many.c), then the context for the hook. */
  const char *src[14 + STORE_CONTEXT_N] = {NULL,
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
                                           a->final ? "true" : "false"};

  for (int i = 0; i < STORE_CONTEXT_N; i++)
    src[14 + i] = a->context[i];
  if (store_state(st) != STORE_UP)
    return AG_EDB;
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
  const char *src[7] = {s->msisdn,
                        NULL,
                        s->lang,
                        s->band,
                        s->active ? "true" : "false",
                        FMT_INT(when, s->received_at_us),
                        s->channel ? s->channel : "ussd"};

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
