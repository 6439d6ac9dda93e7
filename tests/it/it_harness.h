/* it_harness.h: what the integration tests share: a real `aulgate serve` on a loopback port,
 * HTTP through libcurl, and PostgreSQL through libpq.
 *
 * Environment (set by scripts/test.sh): AULGATE_DB (libpq conninfo of the private cluster),
 * AULGATE_PG_CTL (scripts/pg.sh, to stop and start the cluster), AULGATE_ROOT (the repository).
 */
#ifndef IT_HARNESS_H
#define IT_HARNESS_H

#include <check.h>
#include <libpq-fe.h>
#include <stddef.h>
#include <sys/types.h>

struct it_server {
  pid_t pid;
  int port;
  char dir[256]; /* temp folder: config, secret, log */
  char log[300];
  char secret_hex[65];
};

struct it_resp {
  long status;
  char body[65536]; /* /metrics fits */
  char ctype[128];
};

/* A port the kernel just handed out (a tiny race with other processes is acceptable). */
int it_free_port(void);

/* Starts the gateway with extra config lines appended (may be NULL; its first @PORT@ becomes
 * the gateway's own port) and waits until /healthz
 * answers (any status). Returns 0, or -1 with a message on stderr. */
int it_server_start(struct it_server *s, const char *extra_conf);
/* Check fixtures: a gateway with the database up and a connection to it; on the way down the
 * gateway must exit 0 on SIGTERM. */
void it_up(struct it_server *s, PGconn **db /* OUT */, const char *extra_conf);
void it_down(struct it_server *s, PGconn *db);

/* SIGTERM, then waits; returns the exit status (or -1 on a signal/timeout). */
int it_server_stop(struct it_server *s);
/* Starts `aulgate serve` again with the configuration, port and log (appended) that
 * it_server_start() made for s, without waiting. Returns 0, or -1 when fork fails. */
int it_server_spawn(struct it_server *s);
/* SIGKILL: kills and reaps the gateway (0 when it died of that signal). Any other signal: as
 * it_server_stop() (SIGTERM and its exit status). */
int it_server_kill(struct it_server *s, int sig);
/* it_server_spawn(), then waits up to wait_ms for /healthz to answer (wait_ms <= 0: does not
 * wait). The same port: carriers keep calling the address they know. Returns 0 or -1. */
int it_server_restart(struct it_server *s, int wait_ms);
/* 1 when the process is still running. */
int it_server_alive(const struct it_server *s);

int it_get(const struct it_server *s, const char *path, struct it_resp *r);
/* A GET with extra request headers ("Name: value", NULL-terminated). */
int it_get_headers(const struct it_server *s, const char *path, const char *const *headers,
                   struct it_resp *r);
int it_post(const struct it_server *s, const char *path, const char *ctype, const char *body,
            size_t len, struct it_resp *r);
/* A form POST with extra request headers ("Name: value", NULL-terminated). */
int it_post_headers(const struct it_server *s, const char *path, const char *const *headers,
                    const char *body, size_t len, struct it_resp *r);
/* One `at` hop: form-encodes the fields. */
int it_hop(const struct it_server *s, const char *session, const char *phone, const char *text,
           struct it_resp *r);
/* The same to the carrier whose path is path (an `at` dialect carrier of its own). */
int it_hop_path(const struct it_server *s, const char *path, const char *session, const char *phone,
                const char *text, struct it_resp *r);

/* A number from GET /healthz, e.g. "content_generation" (the request must succeed). */
long it_health_number(const struct it_server *s, const char *key);

/* Waits up to 10 s until the SMS links' own connection is up (or there is no SMS link): until
 * then an inbound SMS gets 503. it_up waits for it. */
void it_wait_sms_db(const struct it_server *s);
/* Waits up to ms for GET /healthz to contain needle; fails the test (naming what) otherwise. */
void it_wait_health_says(const struct it_server *s, const char *needle, int ms, const char *what);

/* Waits up to ms for GET /healthz to return want_status. Returns 0 when it did. */
int it_wait_health(const struct it_server *s, long want_status, int ms);

PGconn *it_db(void);
/* Runs sql on db; the test fails unless it succeeds without rows (PGRES_COMMAND_OK). */
void it_exec(PGconn *db, const char *sql);
/* it_count of the SQL printf would write from fmt. */
long it_countf(PGconn *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Waits up to ms until it_countf(db, fmt, ...) is want (polling every 0.1 s); fails the test
 * otherwise, naming what, the last count and the two logs to read. */
void it_wait_countf(PGconn *db, long want, long ms, const char *what, const char *log1,
                    const char *log2, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* `BIN token create ARGS` (BIN: the aulgate binary); the token it printed, in out. The test
 * fails unless it printed one of 35 characters and exited 0. */
void it_token_create(const char *bin, const char *args, char out[64]);
/* Waits up to 5 s until s's token cache knows tok (it reads the tokens at start and then every
 * token_refresh_ms): whoami answers 200. The test fails otherwise. */
void it_wait_token(const struct it_server *s, const char *tok);
/* The first column of the first row of sql, as a number (the query must succeed). */
long it_count(PGconn *db, const char *sql);

/* Rollups (issue 11). `aulgate rollup rebuild` on AULGATE_DB; fails the test unless it exits 0. */
void it_rollups_rebuild(void);
/* The counters the batches kept (rollups, rollup_answers, the release with its log) equal what a
 * rebuild from responses gives: fails the test otherwise. Leaves the rebuilt ones in place. */
void it_rollups_check(PGconn *db);
/* Rows in one of the relations a and b (table names or parenthesised queries with an alias) and
 * not in the other, counting duplicates: 0 when they hold the same rows. */
long it_differ(PGconn *db, const char *a, const char *b);
/* Rows of responses for one carrier session, ordered by hop. Caller PQclear()s. */
PGresult *it_rows(PGconn *db, const char *session);
/* HMAC-SHA256(secret, e164) as 64 hex characters. */
void it_respondent_hex(const struct it_server *s, const char *e164, char out[65]);
/* A session id unique to this run. */
void it_session_id(char *out, size_t len, const char *tag);

/* A Kazakh mobile number no earlier run has used, so the caller has no profile yet. */
void it_fresh_phone(char out[16]);

/* Plays inputs[0..n) one hop at a time (text = inputs joined by '*'), checking that every reply
 * is 200 and CON except the last, which is returned in last. Returns 0, or -1 with a message. */
int it_play(const struct it_server *s, const char *session, const char *phone,
            const char *const *inputs, size_t n, struct it_resp *last);

/* A throw-away database `name` in the private cluster, with a temporary folder beside it, for
 * tests of `aulgate migrate` and `aulgate seed`. */
struct it_tmpdb {
  char name[64];
  char dir[64];       /* mkdtemp */
  char conninfo[512]; /* AULGATE_DB with dbname=name */
  PGconn *admin;      /* on the main database: creates and drops */
  PGconn *db;         /* on the throw-away one */
};
/* Creates it; returns 0, or -1 with a message on stderr. */
int it_tmpdb_create(struct it_tmpdb *t, const char *name);
/* Writes text into the file `name` of the temporary folder. Returns 0 or -1. */
int it_tmpdb_write(const struct it_tmpdb *t, const char *name, const char *text);
/* Drops the database and removes the folder. */
void it_tmpdb_drop(struct it_tmpdb *t);

/* Runs scripts/pg.sh with one argument ("stop"/"start"); returns its exit status. */
int it_pg_ctl(const char *verb);

#endif
