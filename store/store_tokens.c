/* store_tokens.c: on the loop, through the batch engine: the read of the tokens table that
 * fills the gateway's token cache, and the audit rows (sql/migrations/0009_tokens.sql). */
#include "store/store.h"
#include "store/store-internal.h"
#include "lib/ag.h"

#include <stdlib.h>
#include <string.h>

/* Columns: id, role, regions (comma-separated), hash (hex), expires (µs since the epoch, 0:
 * never), revoked, school (0: none). Tokens revoked long ago are left out so that the cache stays
 * small. */
const struct store__stmt store__stmt_tokens = {
    "tokens", 0,
    "SELECT id, role, array_to_string(regions, ','), encode(hash, 'hex'),"
    " COALESCE((extract(epoch FROM expires_at) * 1000000)::bigint, 0), revoked_at IS NOT NULL,"
    " COALESCE(school_id, 0)"
    " FROM tokens WHERE revoked_at IS NULL OR revoked_at > now() - interval '30 days'"
    " ORDER BY id LIMIT 10000"};

/* RETURNING: a row makes it a read for the engine, so that audit rows are not counted among
 * the answer writes. */
const struct store__stmt store__stmt_audit = {
    "audit", 7,
    "INSERT INTO audit (token_id, role, action, target, status, outcome, request_id)"
    " VALUES (NULLIF($1, '0')::bigint, $2, $3, $4, $5::integer, $6, $7) RETURNING id"};

struct waiter {
  store_tokens_cb tokens;
  store_cb done;
  void *arg;
};

static int hexval(char c)
{
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void tokens_done(struct store__item *it, int rc, const PGresult *res)
{
  struct waiter *w = it->arg;
  int n = res ? PQntuples(res) : 0;
  struct store_token *rows = NULL;
  uint8_t *hashes = NULL;

  if (rc == AG_OK && n > 0) {
    rows = calloc((size_t)n, sizeof(*rows));
    hashes = calloc((size_t)n, STORE_TOKEN_HASH_LEN);
    if (!rows || !hashes)
      rc = AG_ENOMEM;
  }
  for (int i = 0; rc == AG_OK && i < n; i++) {
    const char *hex = PQgetvalue(res, i, 3);
    uint8_t *h = hashes + (size_t)i * STORE_TOKEN_HASH_LEN;
    if (strlen(hex) != 2 * STORE_TOKEN_HASH_LEN) {
      rc = AG_EDB; /* the table's CHECK forbids it */
      break;
    }
    for (int k = 0; k < STORE_TOKEN_HASH_LEN; k++)
      h[k] = (uint8_t)(hexval(hex[2 * k]) << 4 | hexval(hex[2 * k + 1]));
    rows[i] = (struct store_token){.id = atoll(PQgetvalue(res, i, 0)),
                                   .role = PQgetvalue(res, i, 1),
                                   .regions = PQgetvalue(res, i, 2),
                                   .hash = h,
                                   .expires_us = atoll(PQgetvalue(res, i, 4)),
                                   .revoked = strcmp(PQgetvalue(res, i, 5), "t") == 0,
                                   .school = atoll(PQgetvalue(res, i, 6))};
  }
  if (rc == AG_OK)
    w->tokens(w->arg, AG_OK, rows, (size_t)n);
  else
    w->tokens(w->arg, rc, NULL, 0);
  free(rows);
  free(hashes);
  free(w);
}

static void audit_done(struct store__item *it, int rc, const PGresult *res)
{
  struct waiter *w = it->arg;

  (void)res;
  w->done(w->arg, rc);
  free(w);
}

static int enqueue(struct store *st, struct store__item *it, store__done_fn done, struct waiter *w)
{
  if (!it || !w) {
    free(it);
    free(w);
    return AG_ENOMEM;
  }
  it->done = done;
  it->arg = w;
  int rc = store__enqueue(st, it); /* frees it on failure */
  if (rc)
    free(w);
  return rc;
}

int store_query_tokens(struct store *st, store_tokens_cb cb, void *arg)
{
  struct waiter *w = malloc(sizeof(*w));

  if (w)
    *w = (struct waiter){.tokens = cb, .arg = arg};
  return enqueue(st, store__item_create(&store__stmt_tokens, NULL, -1, NULL), tokens_done, w);
}

int store_submit_audit(struct store *st, const struct store_audit *a, store_cb cb, void *arg)
{
  char id[24], status[24];
  const char *src[7] = {
      store__fmt_int(id, sizeof(id), a->token_id),       a->role,    a->action,    a->target,
      store__fmt_int(status, sizeof(status), a->status), a->outcome, a->request_id};
  struct waiter *w = malloc(sizeof(*w));

  if (w)
    *w = (struct waiter){.done = cb, .arg = arg};
  return enqueue(st, store__item_create(&store__stmt_audit, src, -1, NULL), audit_done, w);
}
