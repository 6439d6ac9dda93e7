/* store.h: the PostgreSQL store, asynchronous on the gateway's libevent loop.
 *
 * One libpq connection in non-blocking pipeline mode. Answers submitted while a batch is in
 * flight wait in a queue; when the batch commits, everything queued (up to db_batch_max) goes
 * out as the next batch: one pipeline of INSERTs closed by a Sync, which PostgreSQL runs as one
 * implicit transaction (group commit). A submitter's callback runs only after its batch has
 * committed (GW_OK) or failed (GW_EDB), so a carrier is never told "saved" before it is.
 *
 * When the connection is lost the store fails the batch in flight and everything queued with
 * GW_EDB, refuses new answers at once with GW_EDB, and reconnects every db_reconnect_ms.
 * Async contract: see gw.h.
 */
#ifndef STORE_H
#define STORE_H

#include <stdint.h>
#include <stdio.h>

struct event_base;
struct store;

#define STORE_RESPONDENT_LEN 32 /* HMAC-SHA256 */

/* One answer to record. Strings are borrowed: store_submit() copies what it keeps. */
struct store_answer {
  uint8_t respondent[STORE_RESPONDENT_LEN];
  const char *relation; /* who answers on a shared phone; "" when not asked yet */
  const char *survey_id;
  int survey_version;
  const char *question_id;
  const char *option; /* the stored value */
  const char *lang;   /* kk, ru, en */
  const char *carrier;
  const char *network_code; /* MCC+MNC, may be "" */
  const char *session_id;   /* the carrier's session id */
  int hop;                  /* 1-based index of the input in the session */
  int64_t received_at_us;   /* wall clock, microseconds since the epoch */
};

struct store_config {
  const char *conninfo; /* borrowed for the life of the store */
  long batch_max;
  long queue_max;
  long reconnect_ms;
  long connect_timeout_ms;
};

enum store_state { STORE_DOWN = 0, STORE_CONNECTING, STORE_UP };

typedef void (*store_cb)(void *arg, int rc);

/* Creates a store and starts connecting. Returns a new store that must be freed with
 * store_destroy(), or NULL when out of memory. */
struct store *store_create(struct event_base *base, const struct store_config *cfg);

/* Fails everything pending with GW_ECANCELED (callbacks run), closes the connection. */
void store_destroy(struct store *st);

/* Queues one answer. Returns GW_OK (cb will run once, after commit or failure), or at once
 * GW_EDB when the database is not connected, GW_E2BIG when the queue is full (cb never runs). */
int store_submit(struct store *st, const struct store_answer *a, store_cb cb, void *arg);

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
 * transaction, recording name and SHA-256 in schema_migrations. Refuses (GW_ESTATE) when an
 * applied file has changed or disappeared. Progress and errors go to log. */
int store_migrate(const char *conninfo, const char *dir, FILE *log);

#endif
