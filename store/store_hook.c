/* store_hook.c: the before-Sync hook (store_set_before_sync): what it adds joins the batch in
 * flight, just before its Sync, in the same transaction. */
#include "store/store.h"
#include "store/store-internal.h"
#include "lib/ag.h"

#include <libpq-fe.h>
#include <stdlib.h>

struct store_sync {
  struct store *st;
  int failed;
};

int store_sync_add(struct store_sync *sync, const char *sql, int nparams, const char *const *params)
{
  if (sync->failed ||
      PQsendQueryParams(sync->st->conn, sql, nparams, NULL, params, NULL, NULL, 0) != 1) {
    sync->failed = 1;
    return AG_EDB;
  }
  sync->st->pending_queries++;
  return AG_OK;
}

void store_set_before_sync(struct store *st, store_before_sync_fn fn, void *arg)
{
  for (int i = 0; i < st->nlanes; i++) { /* every lane commits answers */
    st->lane[i]->before_sync = fn;
    st->lane[i]->before_sync_arg = arg;
  }
}

/* Shows the hook the batch in flight. Returns AG_OK, or AG_EDB when a statement it added could
 * not be sent. */
int store__run_before_sync(struct store *st)
{
  struct store_sync sync = {st, 0};
  const struct store_answer **answers;
  struct store_batch_view view = {st->batch.n, 0, NULL};

  if (!st->before_sync)
    return AG_OK;
  answers = calloc(st->batch.n ? st->batch.n : 1, sizeof(*answers));
  if (!answers)
    return AG_EDB; /* the batch fails: better than committing it without its counters */
  for (struct store__item *it = st->batch.head; it; it = it->next)
    if (it->answer)
      answers[view.n_answers++] = it->answer;
  view.answers = answers;
  st->before_sync(st->before_sync_arg, &sync, &view);
  free(answers);
  return sync.failed ? AG_EDB : AG_OK;
}
