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

#define STORE__MAX_PARAMS 19 /* store__stmt_answer has 19 (with its context) */

/* A statement the engine prepares on every new connection; each file owns its own. */
struct store__stmt {
  const char *name;
  int nparams;
  const char *sql;
};
extern const struct store__stmt store__stmt_attempt, store__stmt_sms, store__stmt_profile,
    store__stmt_lang, store__stmt_guard, store__stmt_expire, store__stmt_answers,
    store__stmt_tokens, store__stmt_audit;
/* The SMS outbox and parents' messages (store_outbox.c, store_sms_mo.c). */
extern const struct store__stmt store__stmt_ob_enqueue, store__stmt_ob_claim, store__stmt_ob_report,
    store__stmt_ob_expire, store__stmt_ob_dlr, store__stmt_ob_depth, store__stmt_sms_mo,
    store__stmt_sms_due, store__stmt_sms_schedule, store__stmt_unsub, store__stmt_ob_purge;
/* Issue 13, the parent's side (store_school.c). */
extern const struct store__stmt store__stmt_school, store__stmt_school_answer,
    store__stmt_school_share;
/* An answer's item: never sent alone (its sql is NULL); all the answers of a batch go out last,
 * in one store__stmt_answers (store_answers_many.c). */
extern const struct store__stmt store__stmt_answer;

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
  /* An answer: its batch's statement says what it did with it (store__answers_verdicts): the
   * commit alone is not the answer. Others: the commit is. */
  int check;
  int checked; /* its verdict arrived: check_rc, AG_OK or the error the verdict means */
  int check_rc;
  store_profile_cb rows_cb; /* for done */
  void *arg;
  PGresult *res; /* owned: the rows of a read, until its batch completes (of a batch's profile
                  * reads, the last owns the result they share) */
  const PGresult *view; /* a read's result: res, or the one the last profile read owns */
  int row0, nrows;      /* a profile read's rows in view */
  const struct store_answer *answer;   /* answers: a view of the params, for the before-Sync hook */
  struct store_answer answer_view;     /* what answer points at */
  const char *vals[STORE__MAX_PARAMS]; /* point into text, or into respondent for the bytea */
  int lens[STORE__MAX_PARAMS];
  int fmts[STORE__MAX_PARAMS];
  uint8_t respondent[STORE_RESPONDENT_LEN];
  int keyed;             /* respondent is set: the statement goes to its lane (store_lanes.c) */
  long long deadline_us; /* ag_mono_us(); 0: none */
  int orphan;  /* its callback ran at its deadline (AG_EUNCONFIRMED): the batch's end only counts */
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
  struct ag_series *committed, *failed, *expired, *unconfirmed, *batches, *reconnects, *batch_size,
      *commit_seconds, *late_committed, *late_aborted, *late_unknown;
};
/* store_metrics.c: registers the store's families in reg (borrowed; NULL: none). */
void store__metrics_init(struct store__metrics *m, struct ag_metrics *reg);

#define STORE__MAX_LANES 8 /* db_connections' bound */

struct store__queue {
  struct store__item *head, *tail;
  size_t n;
};

/* The engine's state, shared by store_pg.c (the connection and the batches) and
 * store_deadline.c (the deadlines, the guard, "stalled"). */
struct store {
  struct event_base *base;
  struct store_config cfg;
  PGconn *conn;
  enum store_state state;
  int preparing;                   /* the PREPAREs have not completed yet */
  struct ag_watch *io;             /* owned: on PQsocket(conn); NULL when no connection */
  struct ag_timer *timer;          /* owned: reconnect delay, or connect timeout while CONNECTING */
  struct ag_timer *deadline_timer; /* owned: the earliest deadline (store_deadline.c) */
  long long deadline_armed_us;     /* when deadline_timer fires (ag_mono_us()); 0: stopped */
  struct store__queue queue;       /* waiting for the next batch */
  struct store__queue batch;       /* in flight */
  struct store__item *reading;     /* the item of the batch whose results come next */
  struct ag_defer *kick;           /* owned: sends the next batch on the next loop turn */
  store_before_sync_fn before_sync;
  void *before_sync_arg;
  int pending_queries; /* sent queries whose terminating NULL result has not arrived */
  int pending_syncs;
  int batch_failed;
  int batch_synced; /* the batch in flight's Sync was queued: it may commit */
  char batch_error[256];
  struct store_stats stats;
  struct store__metrics m;
  long long batch_sent_us;      /* when the batch in flight went out (wall clock) */
  long long batch_sent_mono;    /* the same on ag_mono_us(); 0: no batch in flight */
  long long connect_start_mono; /* when the connection attempt started; 0: none */
  long reads_unexpired;         /* profile reads since the last store__stmt_expire went out */
  /* The lanes (store_lanes.c): in the store store_create() returned, every engine, itself
   * first (it owns the others); in the others, none (nlanes 0). */
  struct store *lane[STORE__MAX_LANES];
  int nlanes;
};

/* store_pg.c: one engine: one connection, one batch in flight. m: the series to share (a lane
 * of an instrumented store); NULL: its own from cfg->metrics. */
struct store *store__engine_create(struct event_base *base, const struct store_config *cfg,
                                   const struct store__metrics *m);
void store__engine_destroy(struct store *st);

/* store_lanes.c: the engine that takes it: a session's statement goes to its respondent's lane,
 * everything else to st itself. */
struct store *store__lane_of(struct store *st, const struct store__item *it);

/* store_answers_many.c */
/* Sends first and the items after it (answers all) as one store__stmt_answers. Returns AG_OK,
 * AG_ENOMEM or AG_EDB (not sent). */
int store__answers_send(PGconn *conn, const struct store__item *first);
/* Reads that statement's rows into the verdicts (checked, check_rc) of first and its followers. */
void store__answers_verdicts(struct store__item *first, const PGresult *res);

/* store_profile.c */
/* Sends the n profile reads from first on (consecutive) as one store__stmt_profile. Returns
 * AG_OK, AG_ENOMEM or AG_EDB (not sent). */
int store__profiles_send(PGconn *conn, const struct store__item *first, size_t n);
/* Sends store__stmt_expire for 2 x reads rows. Returns AG_OK or AG_EDB (not sent). */
int store__expire_send(PGconn *conn, long reads);
/* How many profile reads may pass before their expiry statement goes out. */
#define STORE__EXPIRE_EVERY 32
/* Gives each of those reads its rows of res; the last of them owns res. */
void store__profiles_split(struct store__item *first, size_t n, PGresult *res);

/* store_hook.c: shows the before-Sync hook the batch in flight. Returns AG_OK, or AG_EDB when a
 * statement it added could not be sent. */
int store__run_before_sync(struct store *st);

/* store_pg.c: runs every callback of q with rc (what the batch's end says) and frees the items.
 * Orphans (their callback already ran) are only counted (store__late_outcome). */
void store__queue_complete(struct store *st, struct store__queue *q, int rc);
void store__queue_push(struct store__queue *q, struct store__item *it);

/* store_deadline.c */
/* Arms the deadline timer for it, just queued. Returns AG_OK or AG_EIO. */
int store__deadline_track(struct store *st, const struct store__item *it);
/* Moves the queued items whose time is up (deadline - commit_margin_ms <= now) into out. */
void store__deadline_take_expired(struct store *st, long long now, struct store__queue *out);
/* Completes the items of q (taken by store__deadline_take_expired) with AG_ETIMEDOUT. */
void store__deadline_expire(struct store *st, struct store__queue *q);
/* From batch_send, after the statements and the hook: the guard statement when an item of the
 * batch has a deadline. Returns AG_OK or AG_EDB (not sent). */
int store__deadline_guard(struct store *st);
/* The deadline timer's callback. */
void store__on_deadline(void *arg);
/* Counts and logs what became of an orphan (rc: the write's verdict at its batch's end). */
void store__late_outcome(struct store *st, const struct store__item *it, int rc);

/* Formats v into buf (at least 24 bytes) and returns buf. */
const char *store__fmt_int(char *buf, size_t len, long long v);

#endif
