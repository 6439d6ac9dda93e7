/* sess_profile.c: what is known of a caller, built from the facts the database keeps.
 *
 * Rows come newest first, so the first row of a relation is its latest attempt, and the first
 * row at all carries the language used last.
 */
#include "sessions/sess-internal.h"
#include "lib/ag.h"
#include "lib/ag_lang.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void take_lang(struct sess_profile *p, const char *lang)
{
  int l = ag_lang_find(lang);

  if (l >= 0) {
    p->has_lang = 1;
    p->lang = (enum sess_lang)l;
  }
}

/* NULL when the relation is new and there is no room for it (or no memory: *rc says). */
static struct sess_prior *prior_of(struct sess_profile *p, const struct sess_profile_row *row,
                                   int *rc)
{
  struct sess_prior *pr;

  *rc = AG_OK;
  for (size_t k = 0; k < p->n; k++)
    if (strcmp(p->prior[k].relation, row->relation) == 0)
      return &p->prior[k];
  if (p->n == SESS_MAX_RELATIONS)
    return NULL;
  pr = realloc(p->prior, (p->n + 1) * sizeof(*pr));
  if (!pr) {
    *rc = AG_ENOMEM;
    return NULL;
  }
  p->prior = pr;
  pr = &p->prior[p->n++];
  memset(pr, 0, sizeof(*pr));
  snprintf(pr->relation, sizeof(pr->relation), "%s", row->relation);
  pr->last_attempt = row->attempt;
  pr->open_attempt = row->open && row->fresh ? row->attempt : 0;
  pr->open_version = pr->open_attempt ? row->survey_version : 0;
  return pr;
}

static char *copy_max(const char *s, size_t max)
{
  size_t n = strnlen(s, max);
  char *d = malloc(n + 1);

  if (d) {
    memcpy(d, s, n);
    d[n] = '\0';
  }
  return d;
}

static int keep_answer(struct sess_prior *pr, const char *q, const char *v)
{
  struct sess_kv *kv = realloc(pr->kv, (pr->n + 1) * sizeof(*kv));
  char *key, *value;

  if (!kv)
    return AG_ENOMEM;
  pr->kv = kv;
  key = copy_max(q, SESS_KV_KEY_MAX);
  value = copy_max(v, SESS_KV_VALUE_MAX);
  if (!key || !value) {
    free(key);
    free(value);
    return AG_ENOMEM;
  }
  kv[pr->n].key = key;
  kv[pr->n].value = value;
  pr->n++;
  return AG_OK;
}

/* Copies an open request (its strings cut to what a school may write: 500 characters, at most
 * 2 bytes each in Cyrillic, 4 in any script). */
static int keep_request(struct sess_profile *p, const struct sess_request *q)
{
  struct sess_request *req, *d;

  if (p->n_req == SESS_MAX_REQUESTS)
    return AG_OK; /* newest first: the older ones are not listed */
  req = realloc(p->req, (p->n_req + 1) * sizeof(*req));
  if (!req)
    return AG_ENOMEM;
  p->req = req;
  d = &req[p->n_req];
  *d = *q;
  d->kind = copy_max(q->kind ? q->kind : "", 15);
  d->text_kk = copy_max(q->text_kk ? q->text_kk : "", 2000);
  d->text_ru = copy_max(q->text_ru ? q->text_ru : "", 2000);
  d->school = copy_max(q->school ? q->school : "", 800);
  if (!d->kind || !d->text_kk || !d->text_ru || !d->school) {
    free((char *)d->kind);
    free((char *)d->text_kk);
    free((char *)d->text_ru);
    free((char *)d->school);
    return AG_ENOMEM;
  }
  p->n_req++;
  return AG_OK;
}

int sess_profile_add(struct sess_profile *p, const struct sess_profile_row *row)
{
  struct sess_prior *pr;
  int rc;

  if (row->request)
    return keep_request(p, row->request); /* not a row of the caller's own: tells no language */
  if (p->rows++ == 0)
    take_lang(p, row->lang);
  if (row->sms)
    p->sms = row->sms == 1 ? 1 : row->sms == 2 ? 0 : -1;
  if (row->attempt == 0)
    return AG_OK; /* a row that only tells the language */
  pr = prior_of(p, row, &rc);
  if (!pr)
    return rc; /* more people than SESS_MAX_RELATIONS on one phone: the rest start afresh */
  if (row->attempt > pr->last_attempt)
    pr->last_attempt = row->attempt;
  if (!row->question_id)
    return AG_OK;
  if (strcmp(row->question_id, "grade") == 0 && !p->grade[0])
    snprintf(p->grade, sizeof(p->grade), "%s", row->value ? row->value : "");
  if (row->attempt == pr->open_attempt)
    return keep_answer(pr, row->question_id, row->value ? row->value : "");
  return AG_OK;
}

void sess_profile_cleanup(struct sess_profile *p)
{
  for (size_t i = 0; i < p->n; i++) {
    for (size_t k = 0; k < p->prior[i].n; k++) {
      free((char *)p->prior[i].kv[k].key);
      free((char *)p->prior[i].kv[k].value);
    }
    free(p->prior[i].kv);
  }
  free(p->prior);
  for (size_t i = 0; i < p->n_req; i++) {
    free((char *)p->req[i].kind);
    free((char *)p->req[i].text_kk);
    free((char *)p->req[i].text_ru);
    free((char *)p->req[i].school);
  }
  free(p->req);
  memset(p, 0, sizeof(*p));
}

/* What most callers' profiles are: nothing known (a new caller), or only a language, and the
 * state of the SMS tips (unknown, off, on). The engine reads nothing else of them, so every such
 * session shares one of these. */
#define SHARED(sms)                                                                                \
  {                                                                                                \
    {0, SESS_KK, "", 0, NULL, 0, sms, 0, NULL}, {1, SESS_KK, "", 0, NULL, 0, sms, 0, NULL},        \
        {1, SESS_RU, "", 0, NULL, 0, sms, 0, NULL},                                                \
    {                                                                                              \
      1, SESS_EN, "", 0, NULL, 0, sms, 0, NULL                                                     \
    }                                                                                              \
  }
static const struct sess_profile shared[3][1 + SESS_NLANG] = {SHARED(-1), SHARED(0), SHARED(1)};

static int is_shared(const struct sess_profile *p)
{
  for (size_t s = 0; s < 3; s++)
    for (size_t i = 0; i < 1 + SESS_NLANG; i++)
      if (p == &shared[s][i])
        return 1;
  return 0;
}

static size_t req_strings(const struct sess_request *q)
{
  return strlen(q->kind) + strlen(q->text_kk) + strlen(q->text_ru) + strlen(q->school) + 4;
}

static const char *put_str(char **str, const char *s)
{
  size_t n = strlen(s) + 1;
  const char *d = memcpy(*str, s, n);

  *str += n;
  return d;
}

size_t sess__profile_size(const struct sess_profile *p)
{
  size_t size;

  if (!p || is_shared(p))
    return 0;
  size = sizeof(*p) + p->n * sizeof(struct sess_prior);
  for (size_t i = 0; i < p->n; i++)
    for (size_t k = 0; k < p->prior[i].n; k++)
      size += sizeof(struct sess_kv) + strlen(p->prior[i].kv[k].key) +
              strlen(p->prior[i].kv[k].value) + 2;
  for (size_t i = 0; i < p->n_req; i++)
    size += sizeof(struct sess_request) + req_strings(&p->req[i]);
  return size;
}

const struct sess_profile *sess__profile_pack(const struct sess_profile *p)
{
  size_t size = sizeof(*p) + p->n * sizeof(struct sess_prior), n_kv = 0;
  struct sess_profile *out;
  struct sess_kv *kv;
  char *str;

  if (p->n == 0 && !p->grade[0] && p->n_req == 0)
    return &shared[p->sms < 0 ? 0 : p->sms ? 2 : 1][p->has_lang ? 1 + (int)p->lang : 0];
  for (size_t i = 0; i < p->n; i++) {
    n_kv += p->prior[i].n;
    for (size_t k = 0; k < p->prior[i].n; k++)
      size += strlen(p->prior[i].kv[k].key) + strlen(p->prior[i].kv[k].value) + 2;
  }
  size += n_kv * sizeof(struct sess_kv) + p->n_req * sizeof(struct sess_request);
  for (size_t i = 0; i < p->n_req; i++)
    size += req_strings(&p->req[i]);
  /* One block: the profile, its people, the requests, their answers, then the strings. */
  out = malloc(size);
  if (!out)
    return NULL;
  *out = *p;
  out->prior = (struct sess_prior *)(out + 1);
  out->req = p->n_req ? (struct sess_request *)(out->prior + p->n) : NULL;
  kv = (struct sess_kv *)((struct sess_request *)(out->prior + p->n) + p->n_req);
  str = (char *)(kv + n_kv);
  for (size_t i = 0; i < p->n_req; i++) {
    out->req[i] = p->req[i];
    out->req[i].kind = put_str(&str, p->req[i].kind);
    out->req[i].text_kk = put_str(&str, p->req[i].text_kk);
    out->req[i].text_ru = put_str(&str, p->req[i].text_ru);
    out->req[i].school = put_str(&str, p->req[i].school);
  }
  for (size_t i = 0; i < p->n; i++) {
    out->prior[i] = p->prior[i];
    out->prior[i].kv = p->prior[i].n ? kv : NULL;
    for (size_t k = 0; k < p->prior[i].n; k++, kv++) {
      size_t lk = strlen(p->prior[i].kv[k].key) + 1, lv = strlen(p->prior[i].kv[k].value) + 1;
      kv->key = memcpy(str, p->prior[i].kv[k].key, lk);
      kv->value = memcpy(str + lk, p->prior[i].kv[k].value, lv);
      str += lk + lv;
    }
  }
  return out;
}

void sess__profile_unpack(const struct sess_profile *p)
{
  if (p && !is_shared(p))
    free((struct sess_profile *)p);
}
