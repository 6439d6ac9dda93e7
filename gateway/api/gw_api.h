/* gw_api.h: the operators' API and /metrics, for gateway/: the token check, the audit trail and
 * the routes, one file per resource (gw_api_tokens.c, gw_api_whoami.c, gw_api_metrics.c).
 *
 * Tokens are checked against a cache of the tokens table (hashes only), read through the store's
 * batch engine every token_refresh_ms, so that the check on the loop never waits for the
 * database. A token created is usable, and a token revoked refused, from the next refresh that
 * starts after the commit: within token_refresh_ms plus a read. When the cache cannot be
 * refreshed (the database is down) it is trusted for at most 3 x token_refresh_ms after the
 * start of its last good read; then every token is refused (401): revocation takes effect
 * within 3 x token_refresh_ms in every case.
 */
#ifndef GW_API_H
#define GW_API_H

#include "gateway/http/gw_http.h"
#include "gateway/stats/gw_stats.h"
#include "lib/ag_metrics.h"
#include "lib/ag_phone.h"
#include "lib/ag_secret.h"
#include "sessions/sess.h"
#include "store/store.h"

struct event_base;
struct gw_events;
struct gw_tokens;

#define GW_API_EVENTS_MAX 16 /* Server-Sent Events clients at once: operators' consoles */

/* Whom a token names; attached to its request by the check (gw_req_user). */
struct gw_principal {
  long long id;
  enum gw_role role;
  char regions[512];    /* comma-separated region codes; "": every region */
  long long expires_us; /* wall clock; 0: never */
  long long school;     /* a school token's school (schools.id); 0 for the other roles */
};

/* What the routes share; every pointer borrowed for the server's life. */
struct gw_api {
  struct store *store;
  struct ag_metrics *metrics;
  struct gw_tokens *tokens;
  struct sess_table *sessions; /* the live sessions (list, end) */
  struct gw_stats *stats;      /* the per-minute ring the hop path feeds */
  struct gw_events *events;    /* owned by the server: gw_events_create() */
  struct ag_series *audit_ok, *audit_failed, *render_seconds; /* gw_api_metrics_init */
  struct store_reader *reader;                                /* the results' reads (db_read) */
  long results_k;                                             /* results_min_respondents */
  const struct ag_secret *secret; /* keys a number named in a path (subscriptions) */
  struct store_reader *school_db; /* the schools' queries: a connection of its own, primary */
  long school_k;                  /* school_min_count */
  long ussd_budget;               /* ussd_budget_ucs2: a request's USSD screen */
  /* After a school's request is created: wakes this process's delivery worker (NULL: none,
   * the gateway has no SMS link). */
  void (*school_created)(void *arg);
  void *school_created_arg;
};

/* gw_api_tokens.c */
/* Starts the cache: a first read at once, then every refresh_ms. Returns a new cache to free
 * with gw_tokens_destroy() after the store was destroyed (its reads then ended), or NULL. */
struct gw_tokens *gw_tokens_create(struct event_base *base, struct store *st,
                                   struct ag_metrics *reg, long refresh_ms);
void gw_tokens_destroy(struct gw_tokens *t);
/* Starts no more reads (the read in flight, if any, still calls back). Call before destroying
 * the store: a refresh due in the teardown's last loop turns would use the freed store. */
void gw_tokens_stop(struct gw_tokens *t);
/* The hook for gw_http_set_token() (arg: the struct gw_api). 401 when the header is missing or
 * malformed, the token unknown, expired or revoked, or the cache too old; 403 when its role is
 * not the route's (an admin token passes every route). Refusals of a known token are audited. */
int gw_tokens_check(void *arg, struct gw_req *req, enum gw_role role, const char **why);
/* Tokens in the cache (tests, /healthz). */
size_t gw_tokens_count(const struct gw_tokens *t);
const char *gw_role_name(enum gw_role r);

/* 1 when the principal may see region (a code): its list is empty or holds it. A route that
 * reads one region's data asks this and refuses with gw_api_refuse(.., 403, ..) otherwise. */
int gw_api_region_allowed(const struct gw_principal *p, const char *region);

/* Writes an audit row for who (NULL: the request's user) without waiting for it (refusals). A
 * failure is counted (aulgate_audit_writes_total{outcome="failed"}) and logged, never silent. */
void gw_api_audit(struct gw_api *api, struct gw_req *req, const struct gw_principal *who,
                  const char *action, const char *target, int status, const char *outcome);
/* Replies with body (takes ownership, malloc()ed) once its audit row is committed: reads fail
 * closed, so when the row cannot be written the caller gets 503 and the data is dropped.
 * Returns AG_AGAIN (req suspended) or AG_OK (replied already). */
int gw_api_reply_audited(struct gw_api *api, struct gw_req *req, const char *action,
                         const char *target, int status, const char *content_type, char *body,
                         size_t len);
/* Replies {"error": msg} with status; msg is JSON-escaped. Returns AG_OK. */
int gw_api_error(struct gw_req *req, int status, const char *msg);
/* A refusal: its audit row (action, target, status, why) written without waiting, then the
 * {"error": why} reply. */
void gw_api_refuse(struct gw_api *api, struct gw_req *req, const char *action, const char *target,
                   int status, const char *why);

/* gw_api_read.c: one audited read on the results' reader. A route puts this struct first in a
 * malloc()ed struct of its own (its parsed query after it), fills it and calls gw_api_read() with
 * the SQL: the rows go to render() (rd is the route's struct; a malloc()ed body, NULL when out
 * of memory), and the body out once its audit row committed. A full reader, a failed read and no
 * memory are refusals with their audit rows (503, 503, 500). gw_api_read() owns rd from the
 * call on and returns what a route returns: AG_AGAIN (suspended) or AG_OK (refused). */
struct gw_api_read {
  struct gw_api *api;
  struct gw_req *req;
  const char *action; /* static: the audit row's action */
  char target[200];   /* the audit row's target */
  int csv;            /* the body is CSV, else JSON */
  char *(*render)(struct gw_api_read *rd, const struct store_rows *rows, size_t *len /* OUT */);
};
int gw_api_read(struct gw_api_read *rd, const char *sql, int nparams, const char *const *params);

/* gw_api_whoami.c: GET /api/v1/whoami[?region=CODE]: the token's id, role, regions and expiry;
 * with region, 403 unless the token covers it. Audited. */
int gw_api_whoami(void *ctx, struct gw_req *req);

/* gw_api_results.c: GET /api/v1/results?survey=&version=&question=&group_by=&region=&district=
 * &from=&to=&format=json|csv&lang=: counts and percentages per option and respondents per
 * group, from the rollups, small groups suppressed (gw_results.h, docs/privacy.md); an
 * analyst's token reads only its regions (403 for another). Audited. */
int gw_api_results(void *ctx, struct gw_req *req);
/* gw_api_rschools.c: GET /api/v1/results/schools?group_by=&from=&to=&region=&district=&format=
 * &lang=: per school, district, settlement or region, for one calendar month, the schools'
 * requests, the parents reached, answers and "I can help" with rates, shares, linked parents
 * and reach, small groups suppressed as the results are (gw_rschools.h, docs/privacy.md); an
 * analyst's token reads only its regions (403 for another). Audited (results.schools). */
int gw_api_results_schools(void *ctx, struct gw_req *req);

/* gw_api_school.c, gw_api_school_read.c: the school's side of issue 13 (docs/api.md). Role
 * school (its own school only) or admin (any: ?school=ID on the routes of a school). Bodies are
 * forms (application/x-www-form-urlencoded). Every call audited; counts that could single out a
 * family are hidden below school_min_count (docs/privacy.md).
 * POST /api/v1/school/requests/check: the SMS and USSD budgets of text_kk/text_ru as typed. */
int gw_api_school_check(void *ctx, struct gw_req *req);
/* POST /api/v1/school/requests: a new request (kind, text_kk and/or text_ru, needed_on, people,
 * grade_bands, offer_category, closes_at); 400 with the reason when a field or a budget fails. */
int gw_api_school_create(void *ctx, struct gw_req *req);
/* GET /api/v1/school/requests: the school's requests, newest first, with their counts. */
int gw_api_school_list(void *ctx, struct gw_req *req);
/* GET /api/v1/school/offers: the knowledge funds of the school's linked parents, as counts. */
int gw_api_school_offers(void *ctx, struct gw_req *req);
/* GET /api/v1/school/requests/{id}/shares: the parents who shared themselves for that request.
 * 403 when the request is another school's, 404 when there is none. */
int gw_api_school_shares(void *ctx, struct gw_req *req);
/* POST /api/v1/school/requests/{id}/close: closes it (no more deliveries, no more answers). */
int gw_api_school_close(void *ctx, struct gw_req *req);

/* gw_api_metrics.c: registers the API's families in api->metrics. AG_OK or AG_ENOMEM. */
int gw_api_metrics_init(struct gw_api *api);
/* GET /metrics: the registry in the Prometheus text format 0.0.4. Not audited: operational
 * counters, no personal or survey data, and a scrape every few seconds would bury the trail. */
int gw_api_metrics(void *ctx, struct gw_req *req);

/* gw_api_sessions.c: GET /api/v1/sessions[?carrier=&min_idle=S&limit=N]: live sessions, the
 * longest idle first (limit 1..1000, default 100), numbers masked. Audited. */
int gw_api_sessions_list(void *ctx, struct gw_req *req);
/* DELETE /api/v1/sessions/{carrier}/{id}: ends a live session (reason "operator"); its next hop
 * gets the polite END in its language. 404 when there is no live session. Audited. */
int gw_api_sessions_end(void *ctx, struct gw_req *req);

/* gw_api_stats.c: GET /api/v1/stats[?window=15m]: the per-minute figures (1..60 minutes) and
 * the drop-off funnel. Audited. */
int gw_api_stats(void *ctx, struct gw_req *req);
/* GET /api/v1/events[?window=15m]: the same as Server-Sent Events, one a second at most, to at
 * most GW_API_EVENTS_MAX clients (503 beyond). Audited when it opens. */
int gw_api_events(void *ctx, struct gw_req *req);
/* The clients' list and their one timer. Free with gw_events_destroy() after the HTTP server
 * (which ends every stream first). NULL when out of memory. */
struct gw_events *gw_events_create(struct event_base *base, struct gw_api *api);
void gw_events_destroy(struct gw_events *ev);
size_t gw_events_clients(const struct gw_events *ev);

/* gw_api_subs.c: DELETE /api/v1/subscriptions/{id}: an operator's token switches the SMS tips of
 * a number (any form ag_phone_normalize() takes) or a respondent (64 hex characters) off: the
 * number erased, the event `off` by `api`, queued tips failed, no SMS sent. 200
 * {"unsubscribed":true}; 404 when nothing was active; 400 for another id. Audited. */
int gw_api_subs_delete(void *ctx, struct gw_req *req);
/* Its parser (pure): AG_OK with the respondent (and the number in e164, "" for a respondent
 * given as hex), or AG_EINVAL. */
int gw_api_subs_parse(const char *id, const struct ag_secret *secret,
                      uint8_t respondent[STORE_RESPONDENT_LEN] /* OUT */,
                      char e164[AG_PHONE_MAX] /* OUT */);

#endif
