/* store_subs.c: a subscription switched off by an operator (the operators' API, issue 12 item 1),
 * in one statement through the batch engine (store.h, store_unsubscribe): the number erased, the
 * event `off` by `api` in the consent history, the respondent's queued tips and opt-in
 * confirmations failed, as a STOP by SMS does (decision 60); no confirmation is queued. */
#include "store/store.h"
#include "store/store-internal.h"
#include "lib/ag.h"

#include <stdlib.h>

/* $1 respondent, $2 number ('' when the operator named the respondent). By the number too: the
 * number may be active under another key (a rotated secret, decision 81). */
const struct store__stmt store__stmt_unsub = {
    "unsub", 2,
    "WITH off AS (UPDATE subscriptions SET active = false, msisdn = NULL, updated_at = now()"
    " WHERE (respondent = $1 OR ($2 <> '' AND msisdn = $2)) AND active"
    " RETURNING respondent, language),"
    " ev AS (INSERT INTO subscription_events (respondent, action, channel, language, at)"
    " SELECT respondent, 'off', 'api', language, now() FROM off),"
    " gone AS (UPDATE outbox SET state = 'failed', msisdn = NULL, finished_at = now(),"
    " error = 'opted out' WHERE respondent IN (SELECT respondent FROM off) AND state = 'queued'"
    " AND kind IN ('tip', 'on'))"
    " SELECT count(*) FROM off"};

struct waiter {
  store_count_cb cb;
  void *arg;
};

static void unsub_done(struct store__item *it, int rc, const PGresult *res)
{
  struct waiter *w = it->arg;

  w->cb(w->arg, rc, rc == AG_OK && PQntuples(res) == 1 ? atol(PQgetvalue(res, 0, 0)) : 0);
  free(w);
}

int store_unsubscribe(struct store *st, const uint8_t respondent[STORE_RESPONDENT_LEN],
                      const char *msisdn, store_count_cb cb, void *arg)
{
  const char *src[2] = {NULL, msisdn ? msisdn : ""};
  struct waiter *w = malloc(sizeof(*w));
  struct store__item *it = store__item_create(&store__stmt_unsub, src, 0, respondent);
  int rc;

  if (!w || !it) {
    free(w);
    free(it);
    return AG_ENOMEM;
  }
  *w = (struct waiter){cb, arg};
  it->done = unsub_done;
  it->arg = w;
  rc = store__enqueue(st, it); /* frees it on failure */
  if (rc)
    free(w);
  return rc;
}
