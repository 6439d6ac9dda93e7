/* it_record.c: what the gateway acknowledged and replied, and its check against PostgreSQL
 * (it_caller.h). */
#include "tests/it/it_caller.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One hop's first good reply, in an open-addressing table keyed "session\x1ftext". */
struct it_first {
  char *key;
  char *body;
  char where[32];
};

static uint64_t hash(const char *s)
{
  uint64_t h = 1469598103934665603ull;

  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

static struct it_first *slot(struct it_first *t, size_t cap, const char *key)
{
  size_t i = (size_t)hash(key) & (cap - 1);

  while (t[i].key && strcmp(t[i].key, key) != 0)
    i = (i + 1) & (cap - 1);
  return &t[i];
}

static void grow(struct it_record *rec)
{
  size_t cap = rec->cap_first ? 2 * rec->cap_first : 1024;
  struct it_first *t = calloc(cap, sizeof(*t));

  for (size_t i = 0; i < rec->cap_first; i++)
    if (rec->first[i].key)
      *slot(t, cap, rec->first[i].key) = rec->first[i];
  free(rec->first);
  rec->first = t;
  rec->cap_first = cap;
}

void it_record_init(struct it_record *rec)
{
  memset(rec, 0, sizeof(*rec));
}

void it_record_free(struct it_record *rec)
{
  for (size_t i = 0; i < rec->cap_first; i++) {
    free(rec->first[i].key);
    free(rec->first[i].body);
  }
  free(rec->first);
  free(rec->acks);
  memset(rec, 0, sizeof(*rec));
}

void it_record_violation(struct it_record *rec, const char *fmt, ...)
{
  char msg[600];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  for (char *p = msg; *p; p++)
    if (*p == '\n')
      *p = '|'; /* one line per violation */
  fprintf(stderr, "VIOLATION: %s\n", msg);
  if ((size_t)rec->violations < sizeof(rec->first_violations) / sizeof(rec->first_violations[0]))
    snprintf(rec->first_violations[rec->violations], sizeof(rec->first_violations[0]), "%s", msg);
  rec->violations++;
}

void it_record_reply(struct it_record *rec, const char *session, const char *text, int retry,
                     enum it_reply kind, const char *body, const char *where)
{
  char key[640];
  struct it_first *f;

  rec->copies++;
  rec->retried += retry != 0;
  if (kind != IT_REPLY_SCREEN) {
    rec->failed += kind == IT_REPLY_FAILED;
    rec->ended += kind == IT_REPLY_ENDED;
    return;
  }
  rec->good++;
  if (2 * (rec->n_first + 1) > rec->cap_first)
    grow(rec);
  snprintf(key, sizeof(key), "%s\x1f%s", session, text);
  f = slot(rec->first, rec->cap_first, key);
  if (!f->key) {
    f->key = strdup(key);
    f->body = strdup(body);
    snprintf(f->where, sizeof(f->where), "%s", where);
    rec->n_first++;
    return;
  }
  rec->compared++;
  if (strcmp(f->body, body) != 0)
    it_record_violation(rec,
                        "another reply to a copy of session %s text '%s': first (%s) '%s', now"
                        " (%s) '%s'",
                        session, text, f->where, f->body, where, body);
}

/* The rows of the run's sessions, keyed like the acknowledgments. */
struct row {
  char key[128];
  const char *q, *value;
  int seen;
};

static int row_cmp(const void *a, const void *b)
{
  return strcmp(((const struct row *)a)->key, ((const struct row *)b)->key);
}

static long check_acks(struct it_record *rec, PGresult *r)
{
  size_t n = (size_t)PQntuples(r);
  struct row *rows = calloc(n ? n : 1, sizeof(*rows));
  long bad = 0;

  for (size_t i = 0; i < n; i++) {
    snprintf(rows[i].key, sizeof(rows[i].key), "%s#%s", PQgetvalue(r, (int)i, 0),
             PQgetvalue(r, (int)i, 1));
    rows[i].q = PQgetvalue(r, (int)i, 2);
    rows[i].value = PQgetvalue(r, (int)i, 3);
  }
  qsort(rows, n, sizeof(*rows), row_cmp);
  for (size_t i = 0; i + 1 < n; i++)
    if (strcmp(rows[i].key, rows[i + 1].key) == 0) {
      it_record_violation(rec, "two rows under one key %s", rows[i].key);
      bad++;
    }
  for (size_t i = 0; i < rec->n_acks; i++) {
    const struct it_ack *a = &rec->acks[i];
    struct row want, *got;
    snprintf(want.key, sizeof(want.key), "%s#%d", a->session, a->hop);
    got = bsearch(&want, rows, n, sizeof(*rows), row_cmp);
    if (!got) {
      it_record_violation(rec, "acknowledged answer missing: session %s hop %d (%s=%s)", a->session,
                          a->hop, a->q, a->value);
      bad++;
    } else if (strcmp(got->q, a->q) != 0 || strcmp(got->value, a->value) != 0) {
      it_record_violation(rec,
                          "acknowledged answer stored otherwise: session %s hop %d sent %s=%s,"
                          " stored %s=%s",
                          a->session, a->hop, a->q, a->value, got->q, got->value);
      bad++;
    } else if (got->seen++) {
      it_record_violation(rec, "one row acknowledged twice: session %s hop %d", a->session, a->hop);
      bad++;
    }
  }
  free(rows);
  return bad;
}

long it_record_check(struct it_record *rec, PGconn *db, const char *tag)
{
  char like[96];
  const char *p[1] = {like};
  PGresult *r;
  long bad;

  snprintf(like, sizeof(like), "it-%s-%%", tag);
  r = PQexecParams(db,
                   "SELECT carrier_session_id, hop, question_id, option FROM responses"
                   " WHERE carrier = 'at' AND carrier_session_id LIKE $1",
                   1, NULL, p, NULL, NULL, 0);
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    it_record_violation(rec, "cannot read responses: %s", PQresultErrorMessage(r));
    PQclear(r);
    return 1;
  }
  bad = check_acks(rec, r);
  PQclear(r);
  /* A question answered twice in one attempt: "never ask twice" broken by a resume or a
   * replay, whatever the keys. */
  r = PQexecParams(db,
                   "SELECT left(encode(respondent, 'hex'), 12), relation, survey_id, attempt,"
                   " question_id, count(*), string_agg(carrier_session_id || '#' || hop || '=' ||"
                   " option, ' ' ORDER BY id)"
                   " FROM responses WHERE respondent IN (SELECT respondent FROM responses"
                   " WHERE carrier = 'at' AND carrier_session_id LIKE $1)"
                   " GROUP BY 1, 2, 3, 4, 5 HAVING count(*) > 1 ORDER BY 1, 5",
                   1, NULL, p, NULL, NULL, 0);
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    it_record_violation(rec, "cannot read responses: %s", PQresultErrorMessage(r));
    PQclear(r);
    return bad + 1;
  }
  for (int i = 0; i < PQntuples(r); i++, bad++)
    it_record_violation(rec,
                        "duplicate answer: respondent %s.. relation %s survey %s attempt %s"
                        " question %s: %s rows (%s)",
                        PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
                        PQgetvalue(r, i, 3), PQgetvalue(r, i, 4), PQgetvalue(r, i, 5),
                        PQgetvalue(r, i, 6));
  PQclear(r);
  return bad;
}

void it_record_print(const struct it_record *rec, FILE *out)
{
  size_t kept = sizeof(rec->first_violations) / sizeof(rec->first_violations[0]);

  fprintf(out,
          "  callers finished the survey: %ld; sessions: %ld\n"
          "  hop copies sent: %ld (screens %ld, failed %ld, 'session ended' %ld, retries %ld)\n"
          "  acknowledged answers checked: %zu\n"
          "  copies of a hop compared with its first good reply: %ld\n"
          "  violations: %ld\n",
          rec->finished, rec->sessions, rec->copies, rec->good, rec->failed, rec->ended,
          rec->retried, rec->n_acks, rec->compared, rec->violations);
  for (size_t i = 0; i < kept && (long)i < rec->violations; i++)
    fprintf(out, "  %zu. %s\n", i + 1, rec->first_violations[i]);
}
