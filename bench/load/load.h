/* load.h: aulgate-load, an open-loop load generator for the `at` USSD endpoint.
 *
 * Requests are scheduled at a constant rate whatever the server does, so a slow server cannot
 * hide its tail: a request's latency runs from its slot in the schedule, not from when a
 * connection happened to be free (no coordinated omission). Synthetic parents, each with a
 * number and session id unique to the run, play whole surveys (or one hop: the first screen, or
 * an answer as a session's first hop) over keep-alive HTTP/1.1 connections. Afterwards every
 * answer the gateway acknowledged is looked up in PostgreSQL: only those found count.
 *
 * load_main.c  options, the schedule, the report
 * load_conn.c  the HTTP/1.1 client connections (libevent bufferevents)
 * load_check.c the look-up of acknowledged answers in PostgreSQL
 */
#ifndef LOAD_H
#define LOAD_H

#include <stddef.h>
#include <stdint.h>

struct event_base;

#define LOAD_ID_MAX 48

/* One synthetic parent: a session walking its path. */
struct load_parent {
  char session[LOAD_ID_MAX];
  char phone[16]; /* E.164 */
  int next;       /* inputs sent so far in the session: the next hop carries next+1... */
  int acked;      /* hops of the path acknowledged with the expected kind of screen */
  struct load_parent *ready_next;
};

/* One request: a hop of a parent, from its slot in the schedule to its reply. */
struct load_req {
  struct load_parent *p;
  int64_t slot_us; /* when the schedule meant it to go */
  int replied;     /* 1 once its reply (or its I/O error) came */
  struct load_req *next;
};

/* What a reply was. */
enum load_outcome { LOAD_CON, LOAD_END, LOAD_HTTP_ERROR, LOAD_IO_ERROR };

/* Called once per request with its outcome; body is borrowed (the reply's, NUL-terminated). */
typedef void (*load_reply_fn)(void *arg, struct load_req *rq, enum load_outcome o, int status,
                              const char *body);

struct load_pool;
/* n keep-alive connections to host:port; replies go to fn. NULL when out of memory. */
struct load_pool *load_pool_create(struct event_base *base, const char *host, int port,
                                   const char *path, int n, load_reply_fn fn, void *arg);
/* Sends rq on a free connection, or queues it until one is free. The body of the request is
 * built from rq->p by the pool (the `at` form). */
void load_pool_send(struct load_pool *pool, struct load_req *rq);
/* Requests queued for want of a free connection. */
size_t load_pool_queued(const struct load_pool *pool);
void load_pool_destroy(struct load_pool *pool);

/* The path of a parent: inputs[i] is what the (i+1)-th hop adds. */
extern const char *const load_path[];
extern const size_t load_path_len;
/* The hops (by their number of inputs) that carry an answer to store. */
int load_hop_stores(int n_inputs);

/* load_check.c: looks up, in the database at conninfo, the rows of responses of the carrier for
 * every session whose id starts with prefix; for each acknowledged answer (parents[i].acked hops
 * of the path) one row must exist. Fills found (acknowledged answers present), missing, and
 * extra (rows of hops that were never acknowledged: committed, the reply lost). Returns 0, or -1
 * with a message on stderr when the database cannot be read. */
int load_check(const char *conninfo, const char *carrier, const char *prefix,
               const struct load_parent *parents, size_t n, uint64_t *found, uint64_t *missing,
               uint64_t *extra);

#endif
