/* store_sms_mo.c: a parent's SMS (MO) in one statement through the batch engine (store.h,
 * store_sms_mo): recorded once per carrier message id, then STOP or START applied to the
 * subscription, its history and the outbox, all in the batch's transaction, so that a repeat
 * of the message (Kannel retries its get-url) finds it done and does nothing. */
#include "store/store.h"
#include "store/store-internal.h"
#include "lib/ag.h"

#include <stdlib.h>
#include <string.h>

/* $1 link, $2 message id, $3 respondent, $4 number, $5 stop/start/other, $6 the keyword's
 * language, $7-$9 the confirmation in kk, ru, en, $10-$12 its parts, $13-$18 the same for a
 * STOP that ended the school's messages too. On STOP the number is erased from the subscription
 * (decision 60) and the respondent's queued tips fail; the confirmation row keeps the number
 * until it is delivered or given up (0012_outbox.sql).
 * The number may be active under another respondent (the secret was rotated since: decision
 * 81): `old` switches that row off first (for STOP it is the opt-out; for START the
 * subscription moves to $3 with its band and place in the cycle, the old key's event says
 * 'rekey'), and `onn` reads `old` so that it inserts only after the number left the old row
 * (the unique index on the number is checked row by row).
 * A STOP also withdraws the consent to the school's messages of $3 and of the old key (`sc`:
 * its number deleted, a history row on the SMS channel, the school's queued messages failed)
 * unless the parent chose in "My child's school" that STOP ends only the tips
 * (school_contacts.stop_tips_only, 0020_school_parent.sql). STOP's confirmation is in the
 * subscription's language, else the one the parent consented to the school in (a parent of a
 * school alone who types СТОП under a Kazakh request reads Kazakh), else the keyword's. START
 * restores only the tips. A
 * reply to a school's request (help, not_now, more) answers the latest request sent to the number
 * that is still open, replacing an earlier answer of the phone (USSD or SMS): counted once; "not
 * this time" takes back the number the phone shared for that request, as the USSD answer does
 * (store_school.c). A reply to nothing is kept in sms_inbox only (decision
 * 95). */
const struct store__stmt store__stmt_sms_mo = {
    "sms_mo", 18,
    "WITH ins AS (INSERT INTO sms_inbox (link, message_id, verdict) VALUES ($1, $2, $5)"
    " ON CONFLICT DO NOTHING RETURNING 1),"
    " cur AS (SELECT language FROM subscriptions WHERE respondent = $3),"
    " old AS (UPDATE subscriptions SET active = false, msisdn = NULL, updated_at = now()"
    " WHERE msisdn = $4 AND respondent <> $3 AND active AND $5 IN ('stop', 'start')"
    " AND EXISTS (SELECT 1 FROM ins) RETURNING respondent, language, band, tip_seq),"
    " off AS (UPDATE subscriptions SET active = false, msisdn = NULL, updated_at = now()"
    " WHERE respondent = $3 AND active AND $5 = 'stop' AND EXISTS (SELECT 1 FROM ins)"
    " RETURNING language),"
    " onn AS (INSERT INTO subscriptions (msisdn, respondent, language, band, tip_seq, active,"
    " updated_at) SELECT $4, $3, $6, COALESCE((SELECT band FROM old LIMIT 1), ''),"
    " COALESCE((SELECT tip_seq FROM old LIMIT 1), 0), true, now()"
    " WHERE $5 = 'start' AND EXISTS (SELECT 1 FROM ins) AND (SELECT count(*) FROM old) >= 0"
    " ON CONFLICT (respondent) DO UPDATE SET active = true, msisdn = EXCLUDED.msisdn,"
    " language = EXCLUDED.language, band = CASE WHEN subscriptions.band = ''"
    " THEN EXCLUDED.band ELSE subscriptions.band END, updated_at = now()"
    " WHERE NOT subscriptions.active RETURNING language),"
    " ev AS (INSERT INTO subscription_events (respondent, action, channel, language, at)"
    " SELECT $3, 'off', 'sms', language, now() FROM off"
    " UNION ALL SELECT respondent, 'off', CASE WHEN $5 = 'stop' THEN 'sms' ELSE 'rekey' END,"
    " language, now() FROM old"
    " UNION ALL SELECT $3, 'on', 'sms', language, now() FROM onn),"
    " sc AS (DELETE FROM school_contacts WHERE (respondent = $3"
    " OR respondent IN (SELECT respondent FROM old)) AND $5 = 'stop' AND NOT stop_tips_only"
    " AND EXISTS (SELECT 1 FROM ins) RETURNING respondent, language),"
    " scc AS (INSERT INTO school_consents (respondent, relation, granted, channel, language)"
    " SELECT respondent, '', false, 'sms', language FROM sc),"
    " gone AS (UPDATE outbox SET state = 'failed', msisdn = NULL, finished_at = now(),"
    " error = 'opted out' WHERE (respondent = $3 OR respondent IN (SELECT respondent FROM old))"
    " AND state = 'queued' AND (kind = 'tip' OR (kind = 'school'"
    " AND respondent IN (SELECT respondent FROM sc))) AND $5 = 'stop'"
    " AND EXISTS (SELECT 1 FROM ins)),"
    " lang AS (SELECT CASE WHEN $5 = 'start' THEN $6 ELSE COALESCE((SELECT language FROM cur),"
    " (SELECT language FROM old LIMIT 1), (SELECT language FROM school_contacts"
    " WHERE respondent = $3), $6) END AS l),"
    " ans AS (INSERT INTO school_answers AS a (request_id, respondent, relation, answer, channel,"
    " answered_at) SELECT d.request_id, $3, '', $5, 'sms', now() FROM school_deliveries d"
    " JOIN school_requests r ON r.id = d.request_id WHERE d.respondent = $3"
    " AND $5 IN ('help', 'not_now', 'more') AND EXISTS (SELECT 1 FROM ins)"
    " AND r.closed_at IS NULL AND r.closes_at > now() ORDER BY d.sent_at DESC, d.request_id DESC"
    " LIMIT 1 ON CONFLICT (request_id, respondent) DO UPDATE SET answer = excluded.answer,"
    " relation = '', channel = 'sms', answered_at = excluded.answered_at"
    " RETURNING request_id),"
    " unshare AS (DELETE FROM school_shares s USING ans WHERE s.request_id = ans.request_id"
    " AND s.respondent = $3 AND $5 = 'not_now'),"
    " conf AS (INSERT INTO outbox (link, kind, respondent, msisdn, body, parts, due_at,"
    " next_attempt_at) SELECT $1, CASE WHEN $5 = 'stop' THEN 'off' ELSE 'on' END, $3, $4,"
    " CASE WHEN EXISTS (SELECT 1 FROM sc) THEN CASE l WHEN 'kk' THEN $13 WHEN 'ru' THEN $14"
    " ELSE $15 END ELSE CASE l WHEN 'kk' THEN $7 WHEN 'ru' THEN $8 ELSE $9 END END,"
    " (CASE WHEN EXISTS (SELECT 1 FROM sc) THEN CASE l WHEN 'kk' THEN $16 WHEN 'ru' THEN $17"
    " ELSE $18 END ELSE CASE l WHEN 'kk' THEN $10 WHEN 'ru' THEN $11 ELSE $12 END END)::smallint,"
    " now(), now()"
    " FROM lang WHERE $5 IN ('stop', 'start') AND EXISTS (SELECT 1 FROM ins) RETURNING 1)"
    " SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM off) + (SELECT count(*) FROM onn)"
    " + (SELECT count(*) FROM old WHERE $5 = 'stop'),"
    " (SELECT l FROM lang WHERE EXISTS (SELECT 1 FROM conf))"};

/* An item holds at most STORE__MAX_PARAMS parameters (store__item_create does not check). */
_Static_assert(18 <= STORE__MAX_PARAMS, "store__stmt_sms_mo's parameters overflow an item");

struct waiter {
  store_mo_cb cb;
  void *arg;
};

static void mo_done(struct store__item *it, int rc, const PGresult *res)
{
  struct waiter *w = it->arg;

  if (rc == AG_OK && PQntuples(res) == 1)
    w->cb(w->arg, AG_OK, atoi(PQgetvalue(res, 0, 0)) > 0, atoi(PQgetvalue(res, 0, 1)) > 0,
          PQgetisnull(res, 0, 2) ? NULL : PQgetvalue(res, 0, 2));
  else
    w->cb(w->arg, rc ? rc : AG_EDB, 0, 0, NULL);
  free(w);
}

int store_sms_mo(struct store *st, const struct store_sms_mo *mo, store_mo_cb cb, void *arg)
{
  static const char *const actions[] = {"other", "stop", "start", "help", "not_now", "more"};
  char parts[6][24];
  const char *src[18] = {mo->link,
                         mo->message_id,
                         NULL,
                         mo->msisdn,
                         actions[mo->action <= STORE_MO_MORE ? mo->action : 0],
                         mo->lang};
  struct waiter *w;
  struct store__item *it;
  int rc;

  for (int l = 0; l < 3; l++) {
    int p = mo->confirm_parts[l] >= 1 && mo->confirm_parts[l] <= 16 ? mo->confirm_parts[l] : 1;
    src[6 + l] = mo->confirm[l] ? mo->confirm[l] : "";
    src[9 + l] = store__fmt_int(parts[l], sizeof(parts[l]), p);
    p = mo->confirm_all_parts[l] >= 1 && mo->confirm_all_parts[l] <= 16 ? mo->confirm_all_parts[l]
                                                                        : p;
    src[12 + l] = mo->confirm_all[l] ? mo->confirm_all[l] : src[6 + l];
    src[15 + l] = store__fmt_int(parts[3 + l], sizeof(parts[3 + l]), p);
  }
  if (!mo->link || !mo->message_id || !mo->msisdn || !mo->lang)
    return AG_EINVAL;
  w = malloc(sizeof(*w));
  it = store__item_create(&store__stmt_sms_mo, src, 2, mo->respondent);
  if (!w || !it) {
    free(w);
    free(it);
    return AG_ENOMEM;
  }
  *w = (struct waiter){cb, arg};
  it->done = mo_done;
  it->arg = w;
  rc = store__enqueue(st, it); /* frees it on failure */
  if (rc)
    free(w);
  return rc;
}
