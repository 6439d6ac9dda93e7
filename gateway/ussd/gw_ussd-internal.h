/* gw_ussd-internal.h: one hop under way, shared by the files of gateway/ussd/ only.
 *
 * gw_ussd.c      the entry points: parse, find or start the session, the reply screen
 * gw_ussd_hop.c  the hop proper: the caller's profile, the engine, the answer
 * gw_ussd_store.c the hop's effect as store requests
 * gw_ussd_end.c  the carrier's end-of-session notice
 */
#ifndef GW_USSD_INTERNAL_H
#define GW_USSD_INTERNAL_H

#include "gateway/carriers/gw_carrier.h"
#include "gateway/ussd/gw_ussd.h"

/* A hop under way: parsed, maybe waiting for the profile, maybe waiting for commits. */
struct gw_ussd_hop {
  struct gw_ussd *u;
  struct gw_req *req;
  const struct gw_carrier *c; /* borrowed: the server's, for its life */
  struct sess_session *s;     /* held (sess_session_hold) until the hop is freed; NULL before */
  struct sess_waiter wait;
  struct gw_ussd_step step;
  struct sess_reply reply;
  int pending; /* store operations not yet completed */
  int failed;  /* the first error among them */
  long long t0_us;
  long long deadline_us; /* ag_mono_us() clock: t0_us + hop_deadline_ms, for every store request */
  char session[GW_USSD_ID_MAX * 4 + 8]; /* the session id quoted for logs */
  struct gw_ussd_hop *next_spare;       /* in u->spare once finished */
};

/* As many finished hops as are kept for reuse: a burst's worth, a few MiB at most. */
#define GW_USSD_SPARE_MAX 256

/* gw_ussd.c */
/* Counts a hop answered with outcome, received at t0_us, in the registry and the stats ring;
 * returns the microseconds it took (one clock read serves the counts and the log line). */
long long gw_ussd__count(struct gw_ussd *u, const struct gw_carrier *c, const char *outcome,
                         long long t0_us);
/* Renders the screen once, into the buffer the reply then owns. */
void gw_ussd__reply_screen(struct gw_req *req, const struct gw_carrier *c, int end,
                           const char *text);
/* Replies 400 with why; returns AG_OK (the handler's return value). */
int gw_ussd__bad_request(struct gw_req *req, const struct gw_carrier *c, int rc, const char *why);
/* Replies 400 "phoneNumber does not match the session", counts it, frees h. */
void gw_ussd__refuse_phone(struct gw_ussd_hop *h);
/* AG_OK when the request is the carrier's (gw_carrier_verify); otherwise replies 401 with the
 * reason, logs it (never a secret) and returns AG_EDENIED. */
int gw_ussd__authenticate(struct gw_req *req, const struct gw_carrier *c);
/* Replies 415: the body is not of the dialect's media type. Returns AG_OK. */
int gw_ussd__refuse_type(struct gw_req *req, const struct gw_carrier *c);

/* gw_ussd_hop.c */
void gw_ussd__hop_log(const struct gw_ussd_hop *h, const char *result, int rc);
void gw_ussd__hop_free(struct gw_ussd_hop *h);
/* Replies with the polite END in the session's language, ends the session, frees h. After
 * AG_EUNCONFIRMED (the answer may have been stored) the END says it could not be confirmed;
 * AG_ETIMEDOUT and AG_EUNCONFIRMED are logged and counted as result "deadline". */
void gw_ussd__hop_unavailable(struct gw_ussd_hop *h, int rc);
/* Replies with the hop's screen (or the polite END after a failed commit) and frees h. */
void gw_ussd__hop_finish(struct gw_ussd_hop *h);
/* Runs h in its session h->s, now or once the caller's profile is known. Returns what the
 * route handler returns: AG_OK (replied) or AG_AGAIN (suspended). */
int gw_ussd__hop_go(struct gw_ussd_hop *h);

/* gw_ussd_store.c: stores what the hop's effect says; returns the number of operations under
 * way (gw_ussd__hop_finish() runs when the last completes) or 0 (nothing to wait for, or the
 * store refused: h->failed says which). */
int gw_ussd__submit_effect(struct gw_ussd_hop *h);

#endif
