/* store-internal.h: what the files of store/ share: the batch engine (store_pg.c) as the
 * statement files (store_answers.c, store_profile.c) use it, and the helpers of the synchronous
 * parts (migrate, seed, places). For files of store/ only. */
#ifndef STORE_INTERNAL_H
#define STORE_INTERNAL_H

#include "lib/ag_metrics.h"
#include "store/store.h"

#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>

/* Runs sql on c; a failure is reported to log as "aulgate: <what> failed: <reason>". Returns
 * AG_OK or AG_EDB. */
int store__exec(PGconn *c, const char *sql, FILE *log, const char *what);

#define STORE__MAX_PARAMS 15

/* A statement the engine prepares on every new connection; each file owns its own. */
struct store__stmt {
  const char *name;
  int nparams;
  const char *sql;
};
extern const struct store__stmt store__stmt_answer, store__stmt_attempt, store__stmt_sms,
    store__stmt_profile, store__stmt_lang;

struct store__item;
/* Completes an item that reads rows: res is its result (borrowed, NULL unless rc is AG_OK). Must
 * run the item's callback exactly once. */
typedef void (*store__done_fn)(struct store__item *it, int rc, const PGresult *res);

/* One statement of a batch, with its parameters and who waits for it. */
struct store__item {
  struct store__item *next;
  const struct store__stmt *stmt;
  store_cb cb;         /* writes: counted in the stats, then called */
  store__done_fn done; /* reads: instead of cb */
  /* Writes whose statement answers with a row saying what it did: AG_OK, or the error the row
   * means (res borrowed). NULL: the commit is the answer. */
  int (*check)(const PGresult *res);
  int checked; /* check ran on the statement's row, when it arrived: its verdict is check_rc */
  int check_rc;
  store_profile_cb rows_cb; /* for done */
  void *arg;
  PGresult *res;                       /* owned: the rows of a read, until its batch completes */
  const struct store_answer *answer;   /* answers: a view of the params, for the before-Sync hook */
  struct store_answer answer_view;     /* what answer points at */
  const char *vals[STORE__MAX_PARAMS]; /* point into text, or into respondent for the bytea */
  int lens[STORE__MAX_PARAMS];
  int fmts[STORE__MAX_PARAMS];
  uint8_t respondent[STORE_RESPONDENT_LEN];
  char text[]; /* owned: the copied strings, NUL-separated */
};

/* A new item for stmt with params src[0..stmt->nparams) (NULL: empty text); param `bin`, if >= 0,
 * is the respondent key, sent as binary bytea. NULL when out of memory. */
struct store__item *store__item_create(const struct store__stmt *stmt, const char *const *src,
                                       int bin, const uint8_t *respondent);

/* Queues it (owned by the store from now on, freed also on failure) for the next batch. Returns
 * AG_OK (its callback will run once), or AG_ENOMEM (it NULL), AG_EDB, AG_E2BIG. */
int store__enqueue(struct store *st, struct store__item *it);

/* The store's series in the process registry; all NULL (updates do nothing) without one. */
struct store__metrics {
  struct ag_series *committed, *failed, *batches, *reconnects, *batch_size, *commit_seconds;
};
/* store_metrics.c: registers the store's families in reg (borrowed; NULL: none). */
void store__metrics_init(struct store__metrics *m, struct ag_metrics *reg);

/* Formats v into buf (at least 24 bytes) and returns buf. */
const char *store__fmt_int(char *buf, size_t len, long long v);

#endif
