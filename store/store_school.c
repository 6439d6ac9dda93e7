/* store_school.c: the parent's side of issue 13 that the answers' triggers cannot do: consent
 * to messages from the child's school, given or withdrawn over USSD (docs/decisions.md, "Consent
 * to the school's messages"), and the answers to a school's request with the number shared for
 * it ("Requests from the school in the USSD menu"). Links, removals and STOP's choice need only the
 * keyed hash: they are answers, and migration 0020's triggers apply them in the answer's
 * transaction. */
#include "store/store.h"
#include "store/store-internal.h"
#include "lib/ag.h"

#include <stdio.h>

#define TS_6 "'epoch'::timestamptz + $6::bigint * interval '1 microsecond'"

/* $1 number, $2 respondent, $3 relation, $4 granted, $5 language, $6 time. The consent's history
 * row, and with it the number: kept in school_contacts while consent stands, deleted (with the
 * school's messages still queued for the phone) when it is withdrawn, as the tips' "off" does
 * (decision 60). One statement: the history and the number never disagree. The number may sit
 * under an older respondent key (the secret rotated, decision 81): `old` takes it off that key
 * first, and the insert reads `old` so that it runs after (the unique index on the number is
 * checked row by row); a "no" withdraws it under either key, as a STOP does. */
const struct store__stmt store__stmt_school = {
    "school_consent", 6,
    "WITH c AS (INSERT INTO school_consents (respondent, relation, granted, channel, language, at)"
    " VALUES ($2, $3, $4::bool, 'ussd', $5, " TS_6 ")),"
    " old AS (DELETE FROM school_contacts WHERE msisdn = $1 AND respondent <> $2 RETURNING 1),"
    " up AS (INSERT INTO school_contacts (respondent, msisdn, language, updated_at)"
    " SELECT $2, $1, $5, " TS_6 " WHERE $4::bool AND (SELECT count(*) FROM old) >= 0"
    " ON CONFLICT (respondent) DO UPDATE"
    " SET msisdn = excluded.msisdn, language = excluded.language,"
    " updated_at = excluded.updated_at),"
    " q AS (UPDATE outbox SET state = 'failed', msisdn = NULL, finished_at = now(),"
    " error = 'opted out' WHERE (respondent = $2 OR msisdn = $1) AND state = 'queued'"
    " AND kind = 'school' AND NOT $4::bool)"
    " DELETE FROM school_contacts WHERE respondent = $2 AND NOT $4::bool"};

int store_submit_school_consent(struct store *st, const struct store_school_consent *s, store_cb cb,
                                void *arg)
{
  char when[24];
  const char *src[6] = {s->msisdn,   NULL,
                        s->relation, s->granted ? "true" : "false",
                        s->lang,     store__fmt_int(when, sizeof(when), s->received_at_us)};
  struct store__item *it;

  if (store_state(st) != STORE_UP)
    return AG_EDB;
  it = store__item_create(&store__stmt_school, src, 1, s->respondent);
  if (!it)
    return AG_ENOMEM;
  it->cb = cb;
  it->arg = arg;
  it->deadline_us = s->deadline_us;
  return store__enqueue(st, it);
}

#define TS_5 "'epoch'::timestamptz + $5::bigint * interval '1 microsecond'"

/* $1 request, $2 respondent, $3 relation, $4 answer, $5 time. One answer per phone and request,
 * the newest replacing the older whatever its channel (an SMS reply, decision 95), so that an
 * answer given both ways counts once. "Not this time" takes back a number shared for the request
 * before: the school does not keep the number of a parent who said no ("Tell me more" keeps it:
 * asking for details is not a no). */
const struct store__stmt store__stmt_school_answer = {
    "school_answer", 5,
    "WITH a AS (INSERT INTO school_answers AS a (request_id, respondent, relation, answer,"
    " channel, answered_at) VALUES ($1::bigint, $2, $3, $4, 'ussd', " TS_5 ")"
    " ON CONFLICT (request_id, respondent) DO UPDATE SET relation = excluded.relation,"
    " answer = excluded.answer, channel = 'ussd', answered_at = excluded.answered_at)"
    " DELETE FROM school_shares WHERE request_id = $1::bigint AND respondent = $2"
    " AND $4 = 'not_now'"};

/* $1 request, $2 respondent, $3 number, $4 first name, $5 time, $6 share. The number given to
 * the school for this request only, with the first name (possibly ""); "no" removes a share
 * given before and stores nothing. */
const struct store__stmt store__stmt_school_share = {
    "school_share", 6,
    "WITH d AS (DELETE FROM school_shares WHERE request_id = $1::bigint AND respondent = $2"
    " AND NOT $6::bool)"
    " INSERT INTO school_shares AS s (request_id, respondent, msisdn, first_name, shared_at)"
    " SELECT $1::bigint, $2, $3, $4, " TS_5 " WHERE $6::bool"
    " ON CONFLICT (request_id, respondent) DO UPDATE SET msisdn = excluded.msisdn,"
    " first_name = excluded.first_name, shared_at = excluded.shared_at"};

static int enqueue(struct store *st, const struct store__stmt *stmt, const char *const *src,
                   const uint8_t *respondent, long long deadline_us, store_cb cb, void *arg)
{
  struct store__item *it;

  if (store_state(st) != STORE_UP)
    return AG_EDB;
  it = store__item_create(stmt, src, 1, respondent);
  if (!it)
    return AG_ENOMEM;
  it->cb = cb;
  it->arg = arg;
  it->deadline_us = deadline_us;
  return store__enqueue(st, it);
}

int store_submit_school_answer(struct store *st, const struct store_school_answer *a, store_cb cb,
                               void *arg)
{
  char id[24], when[24];
  const char *src[6] = {store__fmt_int(id, sizeof(id), a->request_id),
                        NULL,
                        a->relation,
                        a->answer,
                        store__fmt_int(when, sizeof(when), a->received_at_us),
                        a->share ? "true" : "false"};

  if (a->is_share) {
    src[2] = a->msisdn;
    src[3] = a->first_name;
    return enqueue(st, &store__stmt_school_share, src, a->respondent, a->deadline_us, cb, arg);
  }
  return enqueue(st, &store__stmt_school_answer, src, a->respondent, a->deadline_us, cb, arg);
}
