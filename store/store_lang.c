/* store_lang.c: the language a respondent chose in the menu, kept for the next session.
 *
 * One row per respondent and session that chose (sql/migrations/0005_respondent_language.sql):
 * a session's own choice must not change the profile it reads (store_query_profile() leaves it
 * out), while the choice before it must still be there to read.
 */
#include "store/store-internal.h"
#include "store/store.h"

#include <stdio.h>

const char store__lang_sql[] =
    "INSERT INTO respondent_language AS l (respondent, chosen_in, language, updated_at)"
    " VALUES ($1, $2 || ':' || $3, $4, 'epoch'::timestamptz + $5::bigint * interval '1 "
    "microsecond')"
    " ON CONFLICT (respondent, chosen_in) DO UPDATE"
    " SET language = excluded.language, updated_at = excluded.updated_at"
    " WHERE l.updated_at <= excluded.updated_at";

int store_submit_lang(struct store *st, const struct store_lang *l, store_cb cb, void *arg)
{
  char when[24];
  const char *src[5] = {NULL, l->carrier, l->session_id, l->lang, when};

  snprintf(when, sizeof(when), "%lld", (long long)l->received_at_us);
  return store__submit_lang(st, src, l->respondent, cb, arg);
}
