/* gw_api_school-internal.h: what gw_api_school.c (writes, the budget check) and
 * gw_api_school_read.c (lists and counts) share. Not for other folders. */
#ifndef GW_API_SCHOOL_INTERNAL_H
#define GW_API_SCHOOL_INTERNAL_H

#include "gateway/api/gw_api.h"
#include "lib/ag_buf.h"

/* A school call suspended on a query: freed by whoever replies. */
struct gw_school_call {
  struct gw_api *api;
  struct gw_req *req;
  long long school; /* the school the call reaches; 0: any (an admin on one request's route) */
  long long id;     /* the request of /requests/{id}/... */
  char action[32];  /* the audit row's action */
  char target[64];
  void *form; /* gw_api_school.c's parsed form (owned), NULL elsewhere */
};

/* The school the call reaches, from the token: a school token's own school; an admin names one
 * with ?school=ID. A school token naming another school is refused 403 (audited). Returns
 * AG_OK with *school, or replies itself and returns AG_EDENIED / AG_EINVAL. need: an admin
 * must name one (list, create, offers); else 0 means any (routes of one request). */
int gw_school_scope(struct gw_api *api, struct gw_req *req, const char *action, int need,
                    long long *school /* OUT */);
/* A new call, or NULL after a 503 reply. */
struct gw_school_call *gw_school_call_new(struct gw_api *api, struct gw_req *req,
                                          const char *action, long long school);
/* Replies status with {"error": why}, audited without waiting, and frees c. */
void gw_school_refuse(struct gw_school_call *c, int status, const char *why);
/* Replies 503 (or a stopping gateway's 503) after a failed query, and frees c. */
void gw_school_db_failed(struct gw_school_call *c, int rc, const char *err);
/* Replies 200 with the JSON of b once audited, and frees c. */
void gw_school_reply(struct gw_school_call *c, struct ag_buf *b);

/* Small counts (docs/privacy.md, "What a school sees"): hidden[i] set for each cells[i] in
 * 1..k-1; when exactly one cell is hidden and the cells sum to a published total, the smallest
 * other non-zero cell is hidden too, so that no hidden cell is the total minus the others. Pure. */
void gw_school_suppress(const long long *cells, size_t n, long k, int has_total,
                        int *hidden /* OUT [n] */);

#endif
