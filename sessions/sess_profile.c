/* sess_profile.c: what is known of a caller, built from the facts the database keeps.
 *
 * Rows come newest first, so the first row of a relation is its latest attempt, and the first
 * row at all carries the language used last.
 */
#include "sessions/sess.h"
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

static struct sess_prior *prior_of(struct sess_profile *p, const struct sess_profile_row *row)
{
  struct sess_prior *pr;

  for (size_t k = 0; k < p->n; k++)
    if (strcmp(p->prior[k].relation, row->relation) == 0)
      return &p->prior[k];
  if (p->n == SESS_MAX_RELATIONS)
    return NULL;
  pr = &p->prior[p->n++];
  snprintf(pr->relation, sizeof(pr->relation), "%s", row->relation);
  pr->last_attempt = row->attempt;
  pr->open_attempt = row->open && row->fresh ? row->attempt : 0;
  return pr;
}

static int keep_answer(struct sess_prior *pr, const char *q, const char *v)
{
  struct sess_kv *kv = realloc(pr->kv, (pr->n + 1) * sizeof(*kv));

  if (!kv)
    return AG_ENOMEM;
  pr->kv = kv;
  snprintf(kv[pr->n].key, sizeof(kv[pr->n].key), "%s", q);
  snprintf(kv[pr->n].value, sizeof(kv[pr->n].value), "%s", v);
  pr->n++;
  return AG_OK;
}

int sess_profile_add(struct sess_profile *p, const struct sess_profile_row *row)
{
  struct sess_prior *pr;

  if (p->rows++ == 0)
    take_lang(p, row->lang);
  if (row->attempt == 0)
    return AG_OK; /* a row that only tells the language */
  pr = prior_of(p, row);
  if (!pr)
    return AG_OK; /* more people than SESS_MAX_RELATIONS on one phone: the rest start afresh */
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
  for (size_t i = 0; i < p->n; i++)
    free(p->prior[i].kv);
  memset(p, 0, sizeof(*p));
}
