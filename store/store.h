/* store.h: the PostgreSQL store, asynchronous on the gateway's libevent loop.
 *
 * One libpq connection in non-blocking pipeline mode. Answers submitted while a batch is in
 * flight wait in a queue; when the batch commits, everything queued (up to db_batch_max) goes
 * out as the next batch: one pipeline of INSERTs closed by a Sync, which PostgreSQL runs as one
 * implicit transaction (group commit). A submitter's callback runs only after its batch has
 * committed (AG_OK) or failed (AG_EDB), so a carrier is never told "saved" before it is.
 *
 * When the connection is lost the store fails the batch in flight and everything queued with
 * AG_EDB, refuses new answers at once with AG_EDB, and reconnects every db_reconnect_ms.
 * Async contract: see gw.h.
 */
#ifndef STORE_H
#define STORE_H

#include <stdint.h>
#include <stdio.h>

struct event_base;
struct store;

#define STORE_RESPONDENT_LEN 32 /* HMAC-SHA256 */

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
};

/* SMS tips switched on or off. The number is stored here, and only here: the SMS channel needs
 * it (architecture decision 6). */
struct store_sms {
  const char *msisdn; /* E.164 */
  uint8_t respondent[STORE_RESPONDENT_LEN];
  const char *lang;
  const char *band; /* grade band the tips are chosen for, "" when unknown */
  int active;
  int64_t received_at_us;
};

/* A language chosen in the menu, remembered per respondent for the next session
 * (store_lang.c). */
struct store_lang {
  uint8_t respondent[STORE_RESPONDENT_LEN];
  const char *carrier; /* with session_id: the session that chose, which its profile leaves out */
  const char *session_id;
  const char *lang; /* kk, ru, en */
  int64_t received_at_us;
};

/* A result set, valid only during the callback that receives it. */
struct store_rows;
int store_rows_count(const struct store_rows *r);
/* The text of a column, "" for NULL. */
const char *store_rows_get(const struct store_rows *r, int row, int col);
int store_rows_isnull(const struct store_rows *r, int row, int col);

struct store_config {
  const char *conninfo; /* borrowed for the life of the store */
  long batch_max;
  long queue_max;
  long reconnect_ms;
  long connect_timeout_ms;
};

enum store_state { STORE_DOWN = 0, STORE_CONNECTING, STORE_UP };

typedef void (*store_cb)(void *arg, int rc);
/* rows is NULL unless rc is AG_OK. */
typedef void (*store_rows_cb)(void *arg, int rc, const struct store_rows *rows);

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

/* Reads what is known of a respondent for resume: one row per answer of every attempt of
 * survey_id (relation, attempt, status, language, fresh, question_id, option), plus rows with
 * attempt 0 carrying the language of the SMS switch and the language last chosen in the menu,
 * newest first; "fresh" is "t" when the attempt moved within window_s seconds. What the session
 * (carrier, session_id) itself wrote is left out, so that the profile is the same whenever, and
 * by whichever gateway, it is read during the session. Same contract as store_submit(); cb gets
 * the rows. */
int store_query_profile(struct store *st, const uint8_t respondent[STORE_RESPONDENT_LEN],
                        const char *survey_id, long window_s, const char *carrier,
                        const char *session_id, store_rows_cb cb, void *arg);

enum store_state store_state(const struct store *st);
const char *store_state_name(enum store_state s);

/* Answers queued or in flight. */
size_t store_pending(const struct store *st);

/* Counters for /healthz and the benchmarks. */
struct store_stats {
  uint64_t batches, answers, failed, reconnects;
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

/* One region (region_code NULL) or district, as store_places_read() delivers it. */
struct store_place {
  const char *code;
  const char *region_code; /* NULL for a region */
  const char *name[3];     /* kk, ru, en */
  int sort;
};

/* Synchronous (the gateway calls it at start and on SIGHUP): calls row once for every region,
 * ordered by sort then code, then once for every district, grouped by region in region order
 * and ordered by sort then code within its region. p and its strings are borrowed: valid only
 * during the call. A non-zero return from row stops the walk and is returned. Returns AG_OK,
 * or AG_EDB with a one-line reason in err (before row was ever called). */
int store_places_read(const char *conninfo, int (*row)(void *arg, const struct store_place *p),
                      void *arg, char *err, size_t errlen);

#endif
