/* store.h: the PostgreSQL store, asynchronous on the gateway's libevent loop.
 *
 * One libpq connection in non-blocking pipeline mode. Answers submitted while a batch is in
 * flight wait in a queue; when the batch commits, everything queued (up to db_batch_max) goes
 * out as the next batch: one pipeline of INSERTs closed by a Sync, which PostgreSQL runs as one
 * implicit transaction (group commit). A submitter's callback runs only after its batch has
 * committed (AG_OK) or failed (AG_EDB), so a carrier is never told "saved" before it is.
 *
 * When the connection is lost the store fails everything queued with AG_EDB and the batch in
 * flight with AG_EUNCONFIRMED (it may have committed), refuses new answers at once with AG_EDB,
 * and reconnects every db_reconnect_ms.
 *
 * Deadlines (store_deadline.c). A request may carry a deadline (deadline_us, on ag_mono_us()'s
 * clock; 0: none). Its callback runs by then, exactly once, whatever the database does:
 *   - still queued commit_margin_ms before its deadline: it is dropped, never sent, and its
 *     callback gets AG_ETIMEDOUT (certainly not stored);
 *   - in flight at its deadline: its callback gets AG_EUNCONFIRMED at once (outcome unknown);
 *     the item stays in its batch, and when the batch ends the store logs and counts what really
 *     happened (aulgate_db_late_writes_total) without calling back again.
 * A batch holding requests with deadlines ends, before its Sync, with a guard statement that
 * raises when the database's clock is past the earliest of them minus commit_margin_ms
 * (sql/migrations/0007_deadline_guard.sql): a batch held back past its hops' deadlines aborts
 * instead of committing. store_stalled() says when the batch in flight is older than stall_ms.
 * Async contract: see lib/ag.h. Files: store_pg.c (the batch engine), store_answers.c (writes),
 * store_profile.c (the profile read), store_places.c (seed and places reads), store_migrate.c,
 * store_outbox.c and store_sms_mo.c (the SMS outbox and parents' messages).
 */
#ifndef STORE_H
#define STORE_H

#include <stdint.h>
#include <stdio.h>

struct ag_metrics;
struct event_base;
struct store;

#define STORE_RESPONDENT_LEN 32 /* HMAC-SHA256 */
#define STORE_CONTEXT_N      5  /* struct store_answer's context */

/* One answer to record. Strings are borrowed: store_submit() copies what it keeps. The same
 * statement moves the attempt's progress row along (and marks it done with the final answer). */
struct store_answer {
  uint8_t respondent[STORE_RESPONDENT_LEN];
  const char *relation; /* who answers on a shared phone; "" when the survey does not ask */
  const char *survey_id;
  int survey_version;
  int attempt; /* 1, 2, ...: a new one when the respondent starts over */
  int final;   /* the last answer of the attempt */
  const char *question_id;
  const char *option; /* the stored value */
  const char *lang;   /* kk, ru, en */
  const char *carrier;
  const char *network_code; /* MCC+MNC, may be "" */
  const char *session_id;   /* the carrier's session id */
  int hop;                  /* 1-based index of the input in the session */
  int64_t received_at_us;   /* wall clock, microseconds since the epoch */
  long long deadline_us;    /* ag_mono_us() clock; 0: none (see "Deadlines" above) */
  /* The rollups' context (decision 104): the attempt's answers before this one to region,
   * district, settlement, grade and school, in that order; NULL or "" when not given. Only the
   * counters read it (store_rollup_hook); it is not stored with the answer. */
  const char *context[STORE_CONTEXT_N];
};

/* A survey attempt opened (or resumed) by the answer to "who is answering". */
struct store_attempt {
  uint8_t respondent[STORE_RESPONDENT_LEN];
  const char *carrier; /* with session_id: the session that opened it */
  const char *session_id;
  const char *relation;
  const char *survey_id;
  int survey_version;
  int attempt;
  const char *lang;
  int64_t received_at_us;
  long long deadline_us; /* ag_mono_us() clock; 0: none */
};

/* SMS tips switched on or off, with its event in the consent history. The number is stored
 * here, and only here, and only while the tips are on: the SMS channel needs it (architecture
 * decision 6); "off" erases it. */
struct store_sms {
  const char *msisdn; /* E.164 */
  uint8_t respondent[STORE_RESPONDENT_LEN];
  const char *lang;
  const char *band; /* grade band the tips are chosen for, "" when unknown */
  int active;
  const char *channel; /* where the parent said so: ussd, sms, api; NULL: ussd */
  int64_t received_at_us;
  long long deadline_us; /* ag_mono_us() clock; 0: none */
};

/* Consent to messages from the child's school (issue 13), given or withdrawn in the USSD item
 * "My child's school": its history row, and the number kept while it stands (store_school.c). */
struct store_school_consent {
  const char *msisdn; /* E.164 */
  uint8_t respondent[STORE_RESPONDENT_LEN];
  const char *relation;
  int granted;
  const char *lang;
  int64_t received_at_us;
  long long deadline_us; /* ag_mono_us() clock; 0: none */
};

/* An answer to a school's request by USSD (issue 13, store_school.c): help, not_now or more,
 * replacing the phone's earlier answer to it by SMS or USSD; or (is_share) the number and an
 * optional first name given to the school for that request, or (share 0) not given. */
struct store_school_answer {
  long long request_id;
  uint8_t respondent[STORE_RESPONDENT_LEN];
  const char *relation;
  const char *answer; /* not is_share */
  int is_share;
  int share;              /* is_share: 1 give the number, 0 take back any earlier share */
  const char *msisdn;     /* is_share: E.164 */
  const char *first_name; /* is_share: "" when skipped */
  int64_t received_at_us;
  long long deadline_us; /* ag_mono_us() clock; 0: none */
};

/* A language chosen in the menu, remembered per respondent for the next session
 * (store_answers.c). */
struct store_lang {
  uint8_t respondent[STORE_RESPONDENT_LEN];
  const char *carrier; /* with session_id: the session that chose, which its profile leaves out */
  const char *session_id;
  const char *lang; /* kk, ru, en */
  int64_t received_at_us;
  long long deadline_us; /* ag_mono_us() clock; 0: none */
};

/* An open request of a school the respondent's phone is linked to, as the profile carries it. */
struct store_profile_request {
  long long id;
  const char *kind, *text_kk, *text_ru, *school;
  const char *needed_on; /* YYYY-MM-DD or "" */
  const char *closes_on; /* YYYY-MM-DD, Kazakhstan time */
  int people;            /* 0: not said */
};

/* One row of a respondent's profile (store_query_profile), decoded. Strings are borrowed: valid
 * only during the callback that receives the row. */
struct store_profile_row {
  const char *relation;    /* "" for the SMS switch's row */
  int attempt;             /* 0: a row that only tells the language (the SMS switch) */
  int open;                /* the attempt is not done */
  int fresh;               /* the attempt moved within the resume window */
  const char *lang;        /* kk, ru, en as stored */
  const char *question_id; /* NULL when the row carries no answer */
  const char *value;       /* NULL when the row carries no answer */
  int survey_version;      /* the attempt's; 0 for the SMS and language rows, and in a profile
                            * frozen before the version was read */
  int sms;                 /* the SMS switch's row: 1 on, 2 off, 3 a profile frozen before its
                            * state was read; 0 another row */
  const struct store_profile_request *request; /* not NULL: the row is an open request (the
                                                * other fields say nothing), newest first */
};

struct store_config {
  const char *conninfo; /* borrowed for the life of the store */
  long batch_max;
  long queue_max;   /* per connection */
  long connections; /* the lanes for sessions' statements (store_lanes.c); 0 or 1: one */
  long reconnect_ms;
  long connect_timeout_ms;
  long stall_ms; /* the batch in flight (or a connection attempt) this old: stalled; 0: never */
  long commit_margin_ms;      /* the commit guard fires this long before the earliest deadline */
  struct ag_metrics *metrics; /* borrowed for the life of the store; NULL: not instrumented */
};

enum store_state { STORE_DOWN = 0, STORE_CONNECTING, STORE_UP };

typedef void (*store_cb)(void *arg, int rc);
/* rows[0..n) in the order of store_query_profile(); rows is NULL and n 0 unless rc is AG_OK. */
typedef void (*store_profile_cb)(void *arg, int rc, const struct store_profile_row *rows, size_t n);

/* Creates a store and starts connecting. Returns a new store that must be freed with
 * store_destroy(), or NULL when out of memory. */
struct store *store_create(struct event_base *base, const struct store_config *cfg);

/* Fails everything pending with AG_ECANCELED (callbacks run), closes the connection. */
void store_destroy(struct store *st);

/* Queues one answer. Returns AG_OK (cb will run once, after commit or failure), or at once
 * AG_EDB when the database is not connected, AG_E2BIG when the queue is full (cb never runs). */
int store_submit(struct store *st, const struct store_answer *a, store_cb cb, void *arg);

int store_submit_attempt(struct store *st, const struct store_attempt *a, store_cb cb, void *arg);
int store_submit_sms(struct store *st, const struct store_sms *s, store_cb cb, void *arg);
int store_submit_lang(struct store *st, const struct store_lang *l, store_cb cb, void *arg);
int store_submit_school_consent(struct store *st, const struct store_school_consent *s, store_cb cb,
                                void *arg);
int store_submit_school_answer(struct store *st, const struct store_school_answer *a, store_cb cb,
                               void *arg);

/* Reads what is known of a respondent for resume: one row per answer of every attempt of
 * survey_id (an attempt without answers: one row without), plus rows with attempt 0 carrying
 * the language of the SMS switch and the language last chosen in the menu, newest first; fresh
 * when the attempt moved within window_s seconds. The first read of a session (carrier,
 * session_id) freezes these rows, bound to respondent; every later read of the session, by any
 * gateway process, returns them as they were, whatever the session wrote since (for 2 hours,
 * store_profile.c). The first read also writes content (the caller's content fingerprint; NULL
 * or "": none, never checked), and a later read with another gets AG_ESTALE. Same contract as
 * store_submit(); cb gets the rows, or AG_ESTATE when the session is another respondent's,
 * AG_EINVAL when it froze another survey, AG_ESTALE when other content froze it. The freeze
 * commits with the batch, before cb runs. */
int store_query_profile(struct store *st, const uint8_t respondent[STORE_RESPONDENT_LEN],
                        const char *survey_id, long window_s, const char *carrier,
                        const char *session_id, const char *content, long long deadline_us,
                        store_profile_cb cb, void *arg);

/* Before-Sync hook: runs as each batch is sent, after its statements and before its Sync, so
 * that what it adds commits or fails with the batch, in the same transaction (e.g. rollup
 * counters upserted once per batch). view and its answers are borrowed during the call. */
struct store_batch_view {
  size_t n_items;                            /* statements of the batch (answers, reads...) */
  size_t n_answers;                          /* answers among them */
  const struct store_answer *const *answers; /* [0..n_answers) */
};
struct store_sync;
typedef void (*store_before_sync_fn)(void *arg, struct store_sync *sync,
                                     const struct store_batch_view *view);
/* Sets the hook (one per store; fn NULL removes it). arg is borrowed. */
void store_set_before_sync(struct store *st, store_before_sync_fn fn, void *arg);
/* From the hook only: adds sql with text params (copied at once; NULL is SQL NULL) to the batch.
 * Its rows are dropped; its failure fails the whole batch. Returns AG_OK, or AG_EDB when the
 * connection failed (the batch fails with it). */
int store_sync_add(struct store_sync *sync, const char *sql, int nparams,
                   const char *const *params);

/* Rollups (store_rollup.c, sql/migrations/0014_rollups.sql). The before-Sync hook that keeps
 * the counters in every batch's transaction: install it with
 * store_set_before_sync(st, store_rollup_hook, &last_merge), last_merge a long long the caller
 * keeps (0 at first): when a second has passed since it (ag_mono_us), the batch also folds the
 * release log; with NULL every batch does. */
void store_rollup_hook(void *arg, struct store_sync *sync, const struct store_batch_view *view);
/* Synchronous (`aulgate rollup rebuild`): recomputes every counter from responses in one
 * transaction (live batches wait for it, then add theirs); a summary line goes to log. */
int store_rollup_rebuild(const char *conninfo, FILE *log);

/* Read-only queries on a connection of their own (store_reader.c): the results API's, on the
 * loop, never queued behind a batch of answers; conninfo may name a streaming replica. One query
 * in flight, the others queued in order (at most 256: AG_E2BIG). The connection opens at the
 * first query and again after a failure; a query without an answer within timeout_ms gets
 * AG_ETIMEDOUT and its connection is dropped. */
struct store_reader;
struct store_rows; /* a query's rows; borrowed during the callback that receives them */
int store_rows_n(const struct store_rows *r);
int store_rows_nfields(const struct store_rows *r);
const char *store_rows_value(const struct store_rows *r, int row, int col); /* "" for NULL */
/* rows is NULL and err a one-line reason unless rc is AG_OK. */
typedef void (*store_read_cb)(void *arg, int rc, const struct store_rows *rows, const char *err);
/* NULL when out of memory. conninfo is copied. */
struct store_reader *store_reader_create(struct event_base *base, const char *conninfo,
                                         long timeout_ms);
/* Fails every query queued or in flight with AG_ECANCELED (callbacks run), then frees. */
void store_reader_destroy(struct store_reader *r);
/* Queues sql with text params (copied; NULL is SQL NULL). Same contract as store_submit(): cb
 * runs once, from the loop. AG_OK, AG_E2BIG, AG_ENOMEM. */
int store_read(struct store_reader *r, const char *sql, int nparams, const char *const *params,
               store_read_cb cb, void *arg);

enum store_state store_state(const struct store *st);
const char *store_state_name(enum store_state s);

/* Answers queued or in flight. */
size_t store_pending(const struct store *st);

/* 1 while the batch in flight, or the connection attempt, is older than stall_ms. */
int store_stalled(const struct store *st);
/* Age of the batch in flight in microseconds; 0 when none. */
long long store_batch_age_us(const struct store *st);

/* Counters for /healthz and the benchmarks. */
struct store_stats {
  uint64_t batches, answers, failed, reconnects;
  uint64_t expired;     /* dropped from the queue at their deadline: AG_ETIMEDOUT */
  uint64_t unconfirmed; /* in flight at their deadline (or a lost connection): AG_EUNCONFIRMED */
  /* What became of the unconfirmed writes when their batch ended: committed after all, aborted
   * (the guard, or any failure), unknown (the connection was lost, or the store destroyed). */
  uint64_t late_committed, late_aborted, late_unknown;
};
void store_stats(const struct store *st, struct store_stats *out /* OUT */);

/* Synchronous: applies sql/migrations/NNNN_name.sql files of dir in order, each in its own
 * transaction, recording name and SHA-256 in schema_migrations. Refuses (AG_ESTATE) when an
 * applied file has changed or disappeared. Progress and errors go to log. */
int store_migrate(const char *conninfo, const char *dir, FILE *log);

/* Places: the regions and districts the survey offers, as data (sql/migrations/0002_places.sql,
 * seeded from content/regions.json). */

#define STORE_PLACE_NAME_MAX 28 /* UTF-16 units of a name: one menu line */

/* Synchronous: reads the places file at path (kind "places"), validates all of it (every problem
 * goes to log, naming the entry: missing translation, duplicate code, bad kind, empty or too
 * long name, unknown key) and only then upserts every region and district in one transaction.
 * Never deletes, so places added by SQL stay; rows whose names, sort and kind are unchanged are
 * not written, so seeding twice changes nothing. Refuses a district that the database files
 * under another region (codes are for good). Counts go to log. Returns AG_OK; AG_EIO when the
 * file cannot be read or parsed; AG_ECONTENT when it is invalid; AG_ESTATE for a moved
 * district; AG_EDB; AG_ENOMEM. On any error nothing is written. */
int store_places_seed(const char *conninfo, const char *path, FILE *log);

/* Synchronous: seeds the schools file at path (kind "schools", sql/seed/schools.json) into the
 * schools table (store_schools.c): validated whole first (unknown keys, number 1-9999, name,
 * settlement urban or rural, the district known to the database, a number given twice), then
 * upserted by (district, number) in one transaction that never deletes. Same returns as
 * store_places_seed(); on any error nothing is written. */
int store_schools_seed(const char *conninfo, const char *path, FILE *log);
/* The "kind" of the JSON file at path into kind ("" when it has none). AG_OK, or AG_EIO when it
 * cannot be read or parsed. */
int store_seed_kind(const char *path, char *kind, size_t len);

/* One region (region_code NULL) or district, as store_places_read() delivers it. */
struct store_place {
  const char *code;
  const char *region_code; /* NULL for a region */
  const char *name[3];     /* kk, ru, en */
  int sort;
  const char *kind; /* regions: "region" or "city"; districts: "district" or "city" */
};

/* Synchronous (the gateway calls it at start and on SIGHUP): calls row once for every region,
 * ordered by sort then code, then once for every district, grouped by region in region order
 * and ordered by sort then code within its region. p and its strings are borrowed: valid only
 * during the call. A non-zero return from row stops the walk and is returned. Returns AG_OK,
 * or AG_EDB with a one-line reason in err (before row was ever called). */
int store_places_read(const char *conninfo, int (*row)(void *arg, const struct store_place *p),
                      void *arg, char *err, size_t errlen);

/* Asynchronous read of the same rows on the loop (the gateway's SIGHUP reload), on a
 * connection of its own so that neither the batches nor the loop wait for it. done runs once
 * with AG_OK after row ran for every place (or with row's non-zero return, which stopped the
 * walk), or with AG_EDB and a one-line reason in err (connection failed, query failed, or no
 * answer within timeout_ms), or with AG_ECANCELED from store_places_fetch_cancel(). p and err
 * are borrowed during the call. Returns AG_OK with *out set (valid until done has run), or
 * AG_ENOMEM. */
struct store_places_fetch;
typedef int (*store_place_fn)(void *arg, const struct store_place *p);
typedef void (*store_places_done_fn)(void *arg, int rc, const char *err);
int store_places_fetch(struct event_base *base, const char *conninfo, long timeout_ms,
                       store_place_fn row, store_places_done_fn done, void *arg,
                       struct store_places_fetch **out /* OUT */);
/* Stops a fetch in flight: done runs at once with AG_ECANCELED. */
void store_places_fetch_cancel(struct store_places_fetch *f);

/* Tokens and the audit trail (store_tokens.c on the loop, store_tokens_cli.c for the commands;
 * sql/migrations/0009_tokens.sql). */

#define STORE_TOKEN_HASH_LEN 32 /* SHA-256 of the token */

/* One token as the gateway's cache needs it. Strings and hash are borrowed: valid only during
 * the callback that receives the row. */
struct store_token {
  long long id;
  const char *role;     /* admin, operator, analyst, school */
  const char *regions;  /* region codes, comma-separated; "": every region */
  const uint8_t *hash;  /* STORE_TOKEN_HASH_LEN bytes */
  long long expires_us; /* wall clock; 0: never */
  int revoked;
  long long school; /* a school token's school (schools.id); 0 for the other roles */
};
typedef void (*store_tokens_cb)(void *arg, int rc, const struct store_token *rows, size_t n);

/* Reads every token not revoked more than 30 days ago (those still answer "revoked" rather
 * than "unknown"), at most 10,000, through the batch engine. Same contract as store_submit(). */
int store_query_tokens(struct store *st, store_tokens_cb cb, void *arg);

/* One audit row. Strings are borrowed during the call. */
struct store_audit {
  long long token_id; /* 0: no token was identified */
  const char *role;
  const char *action; /* "whoami", "sessions.end"... */
  const char *target;
  int status; /* the HTTP status the caller got (or gets once the row is written) */
  const char *outcome;
  const char *request_id;
};
/* Queues one audit row for the next batch. Same contract as store_submit(); it is not counted
 * among the answer writes (aulgate_db_writes_total). */
int store_submit_audit(struct store *st, const struct store_audit *a, store_cb cb, void *arg);

/* Synchronous, for the commands. Each returns AG_OK, or an error with a line on log. */
/* Stores a token of role with its hash (never the token). Each of regions[0..n) must be a code
 * of the regions table (AG_ENOTFOUND names the first that is not). expires_days 0: never. */
int store_token_create(const char *conninfo, const char *role, const char *const *regions,
                       size_t n_regions, const char *name, long expires_days, long long school,
                       const uint8_t hash[STORE_TOKEN_HASH_LEN], long long *id /* OUT */,
                       FILE *log);
/* Prints the tokens, no secrets: id, role, regions, name, created, expires, revoked. */
int store_token_list(const char *conninfo, FILE *out, FILE *log);
/* Marks token id revoked. AG_ENOTFOUND when there is no such token or it is already revoked. */
int store_token_revoke(const char *conninfo, long long id, FILE *log);
/* Prints the audit rows at or after since (a timestamp PostgreSQL reads, or an interval such
 * as "1 hour": that long ago; NULL: all), newest first, at most limit. */
int store_audit_print(const char *conninfo, const char *since, long limit, FILE *out, FILE *log);

/* The SMS outbox (store_outbox.c, store_sms_mo.c; sql/migrations/0012_outbox.sql; the promise
 * in docs/reliability.md "SMS"). Every call goes through the batch engine: same contract as
 * store_submit(); strings given are copied, strings received are borrowed during the callback. */

/* One message to send. */
struct store_outbox_msg {
  const char *link; /* the carrier section that sends it */
  const char *kind; /* tip, on, off, test */
  uint8_t respondent[STORE_RESPONDENT_LEN];
  const char *msisdn; /* E.164; kept only while the row is open */
  const char *body;   /* UTF-8 */
  int parts;          /* as sms_plan() counts them, 1..16 */
  int64_t due_us;     /* wall clock: not before; 0: now */
};
int store_outbox_enqueue(struct store *st, const struct store_outbox_msg *m, store_cb cb,
                         void *arg);

/* A claimed row. attempt is this attempt's number (1, 2, ...): its verdict must carry it. */
struct store_outbox_row {
  long long id;
  int attempt;
  int parts;
  const char *msisdn;
  const char *body;
  long long created_us;
};
typedef void (*store_outbox_rows_cb)(void *arg, int rc, const struct store_outbox_row *rows,
                                     size_t n);
/* Claims up to max_rows due queued rows of link whose due time is younger than max_age_s,
 * oldest due first, skipping rows another process holds (FOR UPDATE SKIP LOCKED). The claim
 * counts the attempt and leases the row for lease_ms (its next_attempt_at): if no verdict comes
 * by then (the process died), another claim takes it again. */
int store_outbox_claim(struct store *st, const char *link, long max_rows, long lease_ms,
                       long max_age_s, store_outbox_rows_cb cb, void *arg);

enum store_outbox_verdict {
  STORE_OUTBOX_SUBMITTED = 1, /* the carrier took it */
  STORE_OUTBOX_RETRY,         /* try again after delay_ms */
  STORE_OUTBOX_FAILED         /* refused for good */
};
struct store_outbox_result {
  long long id;
  int attempt; /* of the claim: a verdict on an attempt that is no longer the row's is dropped */
  enum store_outbox_verdict verdict;
  long delay_ms; /* RETRY */
  int code;      /* the HTTP status, or minus the transport's error code; 0: none */
};
typedef void (*store_count_cb)(void *arg, int rc, long n);
/* Writes the verdicts of results[0..n) (n <= STORE_OUTBOX_BATCH) in one statement; cb gets how
 * many rows they changed (a row no longer queued, or claimed again since, is left alone). */
#define STORE_OUTBOX_BATCH 512
int store_outbox_report(struct store *st, const struct store_outbox_result *results, size_t n,
                        store_count_cb cb, void *arg);

/* Queued rows of link due more than max_age_s ago (and not under a lease) become expired, and
 * rows submitted that long ago without a final report lose their number; at most limit of
 * each. cb gets how many expired. */
int store_outbox_expire(struct store *st, const char *link, long max_age_s, long limit,
                        store_count_cb cb, void *arg);
/* Retention: deletes at most limit rows of link that finished (finished_at) more than
 * retention_s ago, oldest first, skipping rows locked elsewhere. cb gets how many. */
int store_outbox_purge(struct store *st, const char *link, long retention_s, long limit,
                       store_count_cb cb, void *arg);

/* A delivery report: type is Kannel's DLR type (1 delivered, 2 not delivered to the phone,
 * 4 queued on the SMSC, 8 delivered to the SMSC, 16 not delivered to the SMSC). Idempotent,
 * order-free: a final state (delivered, failed, expired) never changes; 4 or 8 make a queued or
 * submitted row submitted (a report of an attempt whose verdict was lost: it was sent). cb
 * gets found (0: no such row), the states before and after, and when this report made the row
 * delivered, the seconds since it was created (else -1). */
typedef void (*store_dlr_cb)(void *arg, int rc, int found, const char *before, const char *after,
                             double delivered_after_s);
int store_outbox_dlr(struct store *st, long long id, int type, store_dlr_cb cb, void *arg);

/* Rows open per state (queued, submitted), for the queue depth gauge. */
typedef void (*store_depth_cb)(void *arg, int rc, long queued, long submitted);
int store_outbox_depth(struct store *st, store_depth_cb cb, void *arg);

/* A message from a parent (MO), handled in one statement: recorded once per (link, id) (a
 * repeat changes nothing: fresh 0); a STOP switches the subscription off (the number erased,
 * an event `off` by sms), fails the respondent's queued tips and queues the confirmation; a
 * START switches it on (an event `on`) and queues the confirmation. The confirmation is in the
 * subscription's language when there is one, else in the keyword's. The number active under
 * another respondent key (a rotated secret) is switched off there first; a START moves it here
 * with its band and place in the cycle (decision 81). */
/* HELP, NOT_NOW, MORE: a reply to a school's request (sms_reply_parse), which answers the latest
 * open request sent to the number (school_deliveries) in school_answers. */
enum store_mo_action {
  STORE_MO_OTHER = 0,
  STORE_MO_STOP,
  STORE_MO_START,
  STORE_MO_HELP,
  STORE_MO_NOT_NOW,
  STORE_MO_MORE
};
struct store_sms_mo {
  const char *link;
  const char *message_id;
  uint8_t respondent[STORE_RESPONDENT_LEN];
  const char *msisdn; /* E.164 */
  enum store_mo_action action;
  const char *lang;       /* of the keyword: kk, ru, en */
  const char *confirm[3]; /* the confirmation in kk, ru, en (STOP or START) */
  int confirm_parts[3];
  /* STOP's confirmation when it also ended the school's messages (school_contacts), in kk, ru,
   * en; NULL: confirm */
  const char *confirm_all[3];
  int confirm_all_parts[3];
};
/* cb: fresh (first time this id is seen), changed (the subscription switched), lang (of the
 * confirmation queued, NULL when none). */
typedef void (*store_mo_cb)(void *arg, int rc, int fresh, int changed, const char *lang);
int store_sms_mo(struct store *st, const struct store_sms_mo *mo, store_mo_cb cb, void *arg);

/* The calendar scheduler's two statements (store_sched.c; 0015_sms_schedule.sql). */

/* A subscriber whose next tip is due. Strings borrowed during the callback. */
struct store_due {
  char respondent_hex[2 * STORE_RESPONDENT_LEN + 1];
  const char *msisdn;
  const char *lang;
  const char *band;
  long seq;         /* tips sent so far: the position in the band's cycle */
  int need_welcome; /* no confirmation queued since the subscription was switched on */
};
typedef void (*store_due_cb)(void *arg, int rc, const struct store_due *rows, size_t n);
/* Claims up to limit active subscribers whose next tip is due (FOR UPDATE SKIP LOCKED), leasing
 * each for lease_s (its next_tip_at moves on) so that no other process schedules it meanwhile. */
int store_sms_due(struct store *st, long limit, long lease_s, store_due_cb cb, void *arg);

/* What the scheduler decided for one claimed subscriber. Strings borrowed during the call. */
struct store_tip {
  const char *respondent_hex;
  const char *welcome; /* NULL: none */
  int welcome_parts;
  const char *tip;
  int tip_parts;
  int64_t due_us;  /* the welcome's; the tip goes a second later, after it */
  int64_t next_us; /* the next tip's time */
};
/* In one statement: queues the welcome and the tip on link for each subscriber still active,
 * moves its next tip time and its position in the cycle on. cb gets how many were scheduled. */
int store_sms_schedule(struct store *st, const char *link, const struct store_tip *tips, size_t n,
                       store_count_cb cb, void *arg);

/* An operator switches a subscription off (store_subs.c): the active subscription of respondent
 * or, when msisdn is not NULL, of that number (under whatever key) loses its number, gets the
 * event `off` by `api`, and its queued tips and opt-in confirmations fail. cb gets how many
 * subscriptions were switched off (0: none was active). */
int store_unsubscribe(struct store *st, const uint8_t respondent[STORE_RESPONDENT_LEN],
                      const char *msisdn, store_count_cb cb, void *arg);

#endif
