/* store_school.c: the parent's side of issue 13 that needs the number: consent to messages from
 * the child's school, given or withdrawn over USSD (docs/decisions.md, "Consent to the school's
 * messages"). Links, removals and STOP's choice need only the keyed hash: they are answers, and
 * migration 0020's triggers apply them in the answer's transaction. */
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
