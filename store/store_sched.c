/* store_sched.c: the calendar scheduler's statements through the batch engine (store.h): the
 * claim of due subscribers, and the tips it decided, queued in the outbox in the same
 * statement that moves each subscriber's next tip time on (so a tip is queued once per turn
 * of the calendar, whichever process schedules it and whenever one dies). */
#include "store/store.h"
#include "store/store-internal.h"
#include "lib/ag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct store__stmt store__stmt_sms_due = {
    "sms_due", 2,
    "UPDATE subscriptions s SET next_tip_at = now() + $2::bigint * interval '1 second'"
    " WHERE s.respondent = ANY (ARRAY(SELECT respondent FROM subscriptions WHERE active"
    " AND (next_tip_at IS NULL OR next_tip_at <= now())"
    " ORDER BY next_tip_at NULLS FIRST LIMIT $1::bigint FOR UPDATE SKIP LOCKED))"
    " RETURNING encode(s.respondent, 'hex'), s.msisdn, s.language,"
    /* no band (an SMS START): the child's grade band the survey was told, if it was */
    " COALESCE(NULLIF(s.band, ''), (SELECT r.option FROM responses r"
    " WHERE r.respondent = s.respondent AND r.question_id = 'grade'"
    " ORDER BY r.received_at DESC LIMIT 1), ''), s.tip_seq,"
    " NOT EXISTS (SELECT 1 FROM outbox o WHERE o.respondent = s.respondent AND o.kind = 'on'"
    " AND o.created_at >= s.activated_at)"};

/* $1 link, $2 respondents (hex), $3 welcomes ('' none), $4 their parts, $5 tips, $6 their
 * parts, $7 due (µs), $8 next (µs). A subscriber switched off since its claim gets nothing. */
const struct store__stmt store__stmt_sms_schedule = {
    "sms_schedule", 8,
    "WITH v AS (SELECT * FROM unnest($2::text[], $3::text[], $4::int[], $5::text[], $6::int[],"
    " $7::bigint[], $8::bigint[]) AS v(r, wb, wp, tb, tp, due, nxt)),"
    " s AS (UPDATE subscriptions sub SET next_tip_at = to_timestamp(v.nxt / 1e6),"
    " tip_seq = sub.tip_seq + 1 FROM v WHERE sub.respondent = decode(v.r, 'hex') AND sub.active"
    " RETURNING sub.respondent, sub.msisdn, v.wb, v.wp, v.tb, v.tp, v.due),"
    " w AS (INSERT INTO outbox (link, kind, respondent, msisdn, body, parts, due_at,"
    " next_attempt_at) SELECT $1, 'on', respondent, msisdn, wb, wp::smallint,"
    " to_timestamp(due / 1e6), to_timestamp(due / 1e6) FROM s WHERE wb <> ''),"
    " t AS (INSERT INTO outbox (link, kind, respondent, msisdn, body, parts, due_at,"
    " next_attempt_at) SELECT $1, 'tip', respondent, msisdn, tb, tp::smallint,"
    " to_timestamp(due / 1e6 + 1), to_timestamp(due / 1e6 + 1) FROM s)"
    " SELECT count(*) FROM s"};

struct waiter {
  store_due_cb due;
  store_count_cb count;
  void *arg;
};

static void due_done(struct store__item *it, int rc, const PGresult *res)
{
  struct waiter *w = it->arg;
  int n = res ? PQntuples(res) : 0;
  struct store_due *rows = NULL;

  if (rc == AG_OK && n > 0 && !(rows = calloc((size_t)n, sizeof(*rows))))
    rc = AG_ENOMEM;
  for (int i = 0; rc == AG_OK && i < n; i++) {
    snprintf(rows[i].respondent_hex, sizeof(rows[i].respondent_hex), "%s", PQgetvalue(res, i, 0));
    rows[i].msisdn = PQgetvalue(res, i, 1);
    rows[i].lang = PQgetvalue(res, i, 2);
    rows[i].band = PQgetvalue(res, i, 3);
    rows[i].seq = atol(PQgetvalue(res, i, 4));
    rows[i].need_welcome = strcmp(PQgetvalue(res, i, 5), "t") == 0;
  }
  w->due(w->arg, rc, rc == AG_OK ? rows : NULL, rc == AG_OK ? (size_t)n : 0);
  free(rows);
  free(w);
}

static int enqueue(struct store *st, struct store__item *it, store__done_fn done, struct waiter *w)
{
  int rc;

  if (!it || !w) {
    free(it);
    free(w);
    return AG_ENOMEM;
  }
  it->done = done;
  it->arg = w;
  rc = store__enqueue(st, it); /* frees it on failure */
  if (rc)
    free(w);
  return rc;
}

int store_sms_due(struct store *st, long limit, long lease_s, store_due_cb cb, void *arg)
{
  char lim[24], lease[24];
  const char *src[2] = {store__fmt_int(lim, sizeof(lim), limit),
                        store__fmt_int(lease, sizeof(lease), lease_s)};
  struct waiter *w = calloc(1, sizeof(*w));

  if (w)
    *w = (struct waiter){.due = cb, .arg = arg};
  return enqueue(st, store__item_create(&store__stmt_sms_due, src, -1, NULL), due_done, w);
}

static void count_done(struct store__item *it, int rc, const PGresult *res)
{
  struct waiter *w = it->arg;

  w->count(w->arg, rc, rc == AG_OK && PQntuples(res) == 1 ? atol(PQgetvalue(res, 0, 0)) : 0);
  free(w);
}

/* A growing text buffer for the array literals. */
struct lit {
  char *p;
  size_t len, cap;
  int oom;
};

static void lit_put(struct lit *l, const char *s, size_t n)
{
  if (l->oom)
    return;
  if (l->len + n + 1 > l->cap) {
    size_t cap = (l->len + n + 1) * 2;
    char *p = realloc(l->p, cap);
    if (!p) {
      l->oom = 1;
      return;
    }
    l->p = p;
    l->cap = cap;
  }
  memcpy(l->p + l->len, s, n);
  l->len += n;
  l->p[l->len] = '\0';
}

/* An element of a text[] literal: quoted, with " and \ escaped. */
static void lit_text(struct lit *l, const char *s, int first)
{
  lit_put(l, first ? "\"" : ",\"", first ? 1 : 2);
  for (; *s; s++) {
    if (*s == '"' || *s == '\\')
      lit_put(l, "\\", 1);
    lit_put(l, s, 1);
  }
  lit_put(l, "\"", 1);
}

static void lit_int(struct lit *l, long long v, int first)
{
  char buf[32];
  int n = snprintf(buf, sizeof(buf), "%s%lld", first ? "" : ",", v);

  lit_put(l, buf, (size_t)n);
}

int store_sms_schedule(struct store *st, const char *link, const struct store_tip *tips, size_t n,
                       store_count_cb cb, void *arg)
{
  struct lit cols[7] = {{0}};
  const char *src[8];
  struct waiter *w;
  int rc;

  if (n == 0)
    return AG_EINVAL;
  for (int c = 0; c < 7; c++) {
    lit_put(&cols[c], "{", 1);
    for (size_t i = 0; i < n; i++) {
      const struct store_tip *t = &tips[i];
      switch (c) {
      case 0:
        lit_text(&cols[c], t->respondent_hex, i == 0);
        break;
      case 1:
        lit_text(&cols[c], t->welcome ? t->welcome : "", i == 0);
        break;
      case 2:
        lit_int(&cols[c], t->welcome ? t->welcome_parts : 1, i == 0);
        break;
      case 3:
        lit_text(&cols[c], t->tip, i == 0);
        break;
      case 4:
        lit_int(&cols[c], t->tip_parts, i == 0);
        break;
      case 5:
        lit_int(&cols[c], t->due_us, i == 0);
        break;
      default:
        lit_int(&cols[c], t->next_us, i == 0);
        break;
      }
    }
    lit_put(&cols[c], "}", 1);
  }
  src[0] = link;
  rc = AG_OK;
  for (int c = 0; c < 7; c++) {
    src[c + 1] = cols[c].p;
    if (cols[c].oom)
      rc = AG_ENOMEM;
  }
  w = calloc(1, sizeof(*w));
  if (rc == AG_OK) {
    if (w)
      *w = (struct waiter){.count = cb, .arg = arg};
    rc = enqueue(st, store__item_create(&store__stmt_sms_schedule, src, -1, NULL), count_done, w);
  } else {
    free(w);
  }
  for (int c = 0; c < 7; c++)
    free(cols[c].p);
  return rc;
}
