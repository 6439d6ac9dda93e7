/* store_outbox.c: the SMS outbox through the batch engine (store.h, "The SMS outbox";
 * sql/migrations/0012_outbox.sql). Every statement returns rows, so the engine hands each its
 * result and none is counted among the answer writes. A claim commits with its batch before its
 * callback runs: the lease and the attempt are written before anything is sent. */
#include "store/store.h"
#include "store/store-internal.h"
#include "lib/ag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct store__stmt store__stmt_ob_enqueue = {
    "ob_enqueue", 7,
    "INSERT INTO outbox (link, kind, respondent, msisdn, body, parts, due_at, next_attempt_at)"
    " SELECT $1, $2, $3, $4, $5, $6::smallint, d, d FROM (SELECT CASE WHEN $7::bigint = 0"
    " THEN now() ELSE to_timestamp($7::bigint / 1e6) END AS d) t RETURNING id"};

/* The lease: next_attempt_at moves past the time a submission may take, so that no other
 * process claims the row while this one sends it, and one does if this one dies. The rows are
 * chosen in an InitPlan (ARRAY(...)), run once: joined as a subquery in FROM, the claim once
 * returned more rows than its LIMIT while another process claimed too (it overran the worker's
 * verdicts in it_outbox, and one gateway took all forty messages in it_kannel). */
const struct store__stmt store__stmt_ob_claim = {
    "ob_claim", 4,
    "UPDATE outbox o SET attempts = o.attempts + 1, claimed_at = now(),"
    " next_attempt_at = now() + $3::bigint * interval '1 millisecond'"
    " WHERE o.id = ANY (ARRAY(SELECT id FROM outbox WHERE link = $1 AND state = 'queued'"
    " AND next_attempt_at <= now() AND due_at > now() - $4::bigint * interval '1 second'"
    " ORDER BY next_attempt_at, id LIMIT $2::bigint FOR UPDATE SKIP LOCKED))"
    " RETURNING o.id, o.attempts, o.parts, o.msisdn, o.body,"
    " (extract(epoch FROM o.created_at) * 1000000)::bigint"};

/* Only the attempt claimed last may give its verdict, and only while the row is queued: a
 * report that came first (the row submitted or final already) wins. */
const struct store__stmt store__stmt_ob_report = {
    "ob_report", 5,
    "UPDATE outbox o SET"
    " state = CASE v.verdict WHEN 1 THEN 'submitted' WHEN 3 THEN 'failed' ELSE 'queued' END,"
    " submitted_at = CASE WHEN v.verdict = 1 THEN now() ELSE o.submitted_at END,"
    " next_attempt_at = CASE WHEN v.verdict = 2 THEN now() + v.delay * interval '1 millisecond'"
    " ELSE o.next_attempt_at END,"
    " finished_at = CASE WHEN v.verdict = 3 THEN now() ELSE o.finished_at END,"
    " msisdn = CASE WHEN v.verdict = 3 THEN NULL ELSE o.msisdn END,"
    " error = CASE WHEN v.verdict = 1 THEN NULL WHEN v.code > 0 THEN 'http ' || v.code"
    " WHEN v.code < 0 THEN 'transport ' || -v.code ELSE o.error END"
    " FROM unnest($1::bigint[], $2::int[], $3::int[], $4::bigint[], $5::int[])"
    " AS v(id, attempt, verdict, delay, code)"
    " WHERE o.id = v.id AND o.attempts = v.attempt AND o.state = 'queued' RETURNING o.id"};

const struct store__stmt store__stmt_ob_expire = {
    "ob_expire", 3,
    "WITH q AS (UPDATE outbox SET state = 'expired', msisdn = NULL, finished_at = now(),"
    " error = 'expired' WHERE id = ANY (ARRAY(SELECT id FROM outbox WHERE link = $1"
    " AND state = 'queued' AND next_attempt_at <= now()"
    " AND due_at <= now() - $2::bigint * interval '1 second'"
    " ORDER BY due_at LIMIT $3::bigint FOR UPDATE SKIP LOCKED)) RETURNING 1),"
    " s AS (UPDATE outbox SET msisdn = NULL, finished_at = now()"
    " WHERE id = ANY (ARRAY(SELECT id FROM outbox WHERE link = $1 AND state = 'submitted'"
    " AND finished_at IS NULL AND due_at <= now() - $2::bigint * interval '1 second'"
    " ORDER BY due_at LIMIT $3::bigint FOR UPDATE SKIP LOCKED)) RETURNING 1)"
    " SELECT (SELECT count(*) FROM q), (SELECT count(*) FROM s)"};

/* The row is locked first, so that two reports of one message apply one after the other and
 * each sees the state the other left. */
const struct store__stmt store__stmt_ob_dlr = {
    "ob_dlr", 2,
    "WITH old AS (SELECT id, state FROM outbox WHERE id = $1::bigint FOR UPDATE),"
    " n AS (SELECT id, state AS before, CASE"
    " WHEN state IN ('delivered', 'failed', 'expired') THEN state"
    " WHEN $2::int & 1 <> 0 THEN 'delivered' WHEN $2::int & 18 <> 0 THEN 'failed'"
    " WHEN $2::int & 12 <> 0 THEN 'submitted' ELSE state END AS after FROM old)"
    " UPDATE outbox o SET state = n.after, dlr_seen = o.dlr_seen | $2::int,"
    " submitted_at = CASE WHEN n.before IN ('queued', 'submitted') AND n.after <> 'queued'"
    " THEN COALESCE(o.submitted_at, now()) ELSE o.submitted_at END,"
    " delivered_at = CASE WHEN n.after = 'delivered' AND n.before <> 'delivered' THEN now()"
    " ELSE o.delivered_at END,"
    " finished_at = CASE WHEN n.after IN ('delivered', 'failed') AND n.before <> n.after"
    " THEN now() ELSE o.finished_at END,"
    " msisdn = CASE WHEN n.after IN ('delivered', 'failed', 'expired') THEN NULL ELSE o.msisdn END"
    " FROM n WHERE o.id = n.id"
    " RETURNING n.before, n.after, extract(epoch FROM now() - o.created_at)"};

/* $1 link, $2 retention (s), $3 rows at most: finished rows (none holds a number) deleted
 * oldest first, a small batch per statement so that no statement holds many locks or runs
 * long; rows another process is deleting are skipped. */
const struct store__stmt store__stmt_ob_purge = {
    "ob_purge", 3,
    "WITH d AS (DELETE FROM outbox WHERE id = ANY (ARRAY(SELECT id FROM outbox"
    " WHERE finished_at IS NOT NULL AND finished_at < now() - $2::bigint * interval '1 second'"
    " AND link = $1 ORDER BY finished_at LIMIT $3::int FOR UPDATE SKIP LOCKED)) RETURNING 1)"
    " SELECT count(*) FROM d"};

const struct store__stmt store__stmt_ob_depth = {
    "ob_depth", 0,
    "SELECT count(*) FILTER (WHERE state = 'queued'),"
    " count(*) FILTER (WHERE state = 'submitted' AND finished_at IS NULL)"
    " FROM outbox WHERE state IN ('queued', 'submitted')"};

/* Who waits for a statement's rows. */
struct waiter {
  union {
    store_cb done;
    store_outbox_rows_cb rows;
    store_count_cb count;
    store_dlr_cb dlr;
    store_depth_cb depth;
  } cb;
  void *arg;
};

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

static struct waiter *waiter_new(void *arg)
{
  struct waiter *w = calloc(1, sizeof(*w));

  if (w)
    w->arg = arg;
  return w;
}

static void enqueue_done(struct store__item *it, int rc, const PGresult *res)
{
  struct waiter *w = it->arg;

  (void)res;
  w->cb.done(w->arg, rc);
  free(w);
}

int store_outbox_enqueue(struct store *st, const struct store_outbox_msg *m, store_cb cb, void *arg)
{
  char parts[24], due[24];
  const char *src[7] = {m->link,
                        m->kind,
                        NULL,
                        m->msisdn,
                        m->body,
                        store__fmt_int(parts, sizeof(parts), m->parts),
                        store__fmt_int(due, sizeof(due), m->due_us)};
  struct waiter *w = waiter_new(arg);

  if (m->parts < 1 || m->parts > 16 || !m->msisdn || !m->body || !m->link || !m->kind) {
    free(w);
    return AG_EINVAL;
  }
  if (w)
    w->cb.done = cb;
  return enqueue(st, store__item_create(&store__stmt_ob_enqueue, src, 2, m->respondent),
                 enqueue_done, w);
}

static void claim_done(struct store__item *it, int rc, const PGresult *res)
{
  struct waiter *w = it->arg;
  int n = res ? PQntuples(res) : 0;
  struct store_outbox_row *rows = NULL;

  if (rc == AG_OK && n > 0 && !(rows = calloc((size_t)n, sizeof(*rows))))
    rc = AG_ENOMEM;
  for (int i = 0; rc == AG_OK && i < n; i++)
    rows[i] = (struct store_outbox_row){.id = atoll(PQgetvalue(res, i, 0)),
                                        .attempt = atoi(PQgetvalue(res, i, 1)),
                                        .parts = atoi(PQgetvalue(res, i, 2)),
                                        .msisdn = PQgetvalue(res, i, 3),
                                        .body = PQgetvalue(res, i, 4),
                                        .created_us = atoll(PQgetvalue(res, i, 5))};
  w->cb.rows(w->arg, rc, rc == AG_OK ? rows : NULL, rc == AG_OK ? (size_t)n : 0);
  free(rows);
  free(w);
}

int store_outbox_claim(struct store *st, const char *link, long max_rows, long lease_ms,
                       long max_age_s, store_outbox_rows_cb cb, void *arg)
{
  char rows[24], lease[24], age[24];
  const char *src[4] = {link, store__fmt_int(rows, sizeof(rows), max_rows),
                        store__fmt_int(lease, sizeof(lease), lease_ms),
                        store__fmt_int(age, sizeof(age), max_age_s)};
  struct waiter *w = waiter_new(arg);

  if (w)
    w->cb.rows = cb;
  return enqueue(st, store__item_create(&store__stmt_ob_claim, src, -1, NULL), claim_done, w);
}

static void count_done(struct store__item *it, int rc, const PGresult *res)
{
  struct waiter *w = it->arg;
  long n = 0;

  if (rc == AG_OK && (it->stmt == &store__stmt_ob_expire || it->stmt == &store__stmt_ob_purge))
    n = PQntuples(res) == 1 ? atol(PQgetvalue(res, 0, 0)) : 0;
  else if (rc == AG_OK)
    n = PQntuples(res);
  w->cb.count(w->arg, rc, n);
  free(w);
}

/* Appends "{a,b,...}" of the n values to buf at *off. */
static void array_lit(char *buf, size_t *off, const long long *v, size_t n)
{
  *off += (size_t)sprintf(buf + *off, "{");
  for (size_t i = 0; i < n; i++)
    *off += (size_t)sprintf(buf + *off, "%s%lld", i ? "," : "", v[i]);
  *off += (size_t)sprintf(buf + *off, "}") + 1;
}

int store_outbox_report(struct store *st, const struct store_outbox_result *results, size_t n,
                        store_count_cb cb, void *arg)
{
  long long *v;
  char *text;
  const char *src[5];
  size_t off = 0;
  struct waiter *w;
  int rc;

  if (n == 0 || n > STORE_OUTBOX_BATCH)
    return AG_EINVAL;
  v = malloc(n * sizeof(*v));
  text = malloc(5 * (n * 22 + 4)); /* 20 digits, a sign and a comma each */
  w = waiter_new(arg);
  if (!v || !text) {
    free(v);
    free(text);
    free(w);
    return AG_ENOMEM;
  }
  for (int col = 0; col < 5; col++) {
    for (size_t i = 0; i < n; i++) {
      const struct store_outbox_result *r = &results[i];
      v[i] = col == 0   ? r->id
             : col == 1 ? r->attempt
             : col == 2 ? (long long)r->verdict
             : col == 3 ? r->delay_ms
                        : r->code;
    }
    src[col] = text + off;
    array_lit(text, &off, v, n);
  }
  if (w)
    w->cb.count = cb;
  rc = enqueue(st, store__item_create(&store__stmt_ob_report, src, -1, NULL), count_done, w);
  free(v);
  free(text);
  return rc;
}

int store_outbox_expire(struct store *st, const char *link, long max_age_s, long limit,
                        store_count_cb cb, void *arg)
{
  char age[24], lim[24];
  const char *src[3] = {link, store__fmt_int(age, sizeof(age), max_age_s),
                        store__fmt_int(lim, sizeof(lim), limit)};
  struct waiter *w = waiter_new(arg);

  if (w)
    w->cb.count = cb;
  return enqueue(st, store__item_create(&store__stmt_ob_expire, src, -1, NULL), count_done, w);
}

int store_outbox_purge(struct store *st, const char *link, long retention_s, long limit,
                       store_count_cb cb, void *arg)
{
  char age[24], lim[24];
  const char *src[3] = {link, store__fmt_int(age, sizeof(age), retention_s),
                        store__fmt_int(lim, sizeof(lim), limit)};
  struct waiter *w = waiter_new(arg);

  if (w)
    w->cb.count = cb;
  return enqueue(st, store__item_create(&store__stmt_ob_purge, src, -1, NULL), count_done, w);
}

static void dlr_done(struct store__item *it, int rc, const PGresult *res)
{
  struct waiter *w = it->arg;

  if (rc == AG_OK && PQntuples(res) == 1) {
    const char *before = PQgetvalue(res, 0, 0), *after = PQgetvalue(res, 0, 1);
    double age = strcmp(after, "delivered") == 0 && strcmp(before, "delivered") != 0
                     ? atof(PQgetvalue(res, 0, 2))
                     : -1;
    w->cb.dlr(w->arg, AG_OK, 1, before, after, age);
  } else {
    w->cb.dlr(w->arg, rc, 0, NULL, NULL, -1);
  }
  free(w);
}

int store_outbox_dlr(struct store *st, long long id, int type, store_dlr_cb cb, void *arg)
{
  char ids[24], types[24];
  const char *src[2] = {store__fmt_int(ids, sizeof(ids), id),
                        store__fmt_int(types, sizeof(types), type)};
  struct waiter *w = waiter_new(arg);

  if (w)
    w->cb.dlr = cb;
  return enqueue(st, store__item_create(&store__stmt_ob_dlr, src, -1, NULL), dlr_done, w);
}

static void depth_done(struct store__item *it, int rc, const PGresult *res)
{
  struct waiter *w = it->arg;

  if (rc == AG_OK && PQntuples(res) == 1)
    w->cb.depth(w->arg, AG_OK, atol(PQgetvalue(res, 0, 0)), atol(PQgetvalue(res, 0, 1)));
  else
    w->cb.depth(w->arg, rc ? rc : AG_EDB, 0, 0);
  free(w);
}

int store_outbox_depth(struct store *st, store_depth_cb cb, void *arg)
{
  struct waiter *w = waiter_new(arg);

  if (w)
    w->cb.depth = cb;
  return enqueue(st, store__item_create(&store__stmt_ob_depth, NULL, -1, NULL), depth_done, w);
}
