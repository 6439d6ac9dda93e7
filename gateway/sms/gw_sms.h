/* gw_sms.h: the SMS channel in the serving process (issue 12), for files of gateway/ only.
 *
 * For every carrier whose dialect sends SMS (GW_DIALECT_F_SMS_SEND: kannel), one link: an HTTP
 * client on the loop (lib/ag_curl) and an outbox worker (sms/sms_outbox.c) claiming that
 * carrier's rows of the shared outbox. The carrier's callbacks are two GET routes:
 *   /dlr/NAME: a delivery report, written to its outbox row (idempotent, in any order);
 *   /sms/NAME: a parent's message: recorded once per carrier id; STOP and START switch the
 *              subscription and queue the confirmation in the subscriber's language.
 * The calendar scheduler (sms/sms_sched.c) queues the tips on the first SMS carrier.
 */
#ifndef GW_SMS_H
#define GW_SMS_H

#include "gateway/carriers/gw_carrier.h"
#include "gateway/http/gw_http.h"
#include "lib/ag_config.h"
#include "lib/ag_secret.h"
#include "sms/sms.h"
#include "store/store.h"

struct ag_curl;
struct ag_metrics;
struct event_base;
struct sms_outbox;
struct sms_sched;
struct sms_tips;
struct store;
struct gw_sms;

struct gw_sms_link {
  struct gw_sms *sms;               /* borrowed: the owner */
  const struct gw_carrier *carrier; /* borrowed */
  struct ag_curl *http;             /* owned */
  struct sms_outbox *outbox;        /* owned */
  char dlr_path[AG_CARRIER_NAME_MAX + 8], mo_path[AG_CARRIER_NAME_MAX + 8];
};

struct gw_sms {
  /* owned: a store of its own (its own connection and batches), so that nothing of the SMS
   * channel ever shares a transaction with, or waits behind, a USSD hop's answers */
  struct store *store;
  const struct ag_secret *secret; /* borrowed: keys the respondent hash of a number */
  struct gw_sms_link links[AG_CARRIERS_MAX];
  size_t n;
  struct sms_tips *tips;     /* owned: content/calendar.json */
  struct sms_sched *sched;   /* owned: the calendar, sending through the first link */
  struct sms_school *school; /* owned: schools' requests, through the first link too */
  /* the keywords: the defaults, then the configured ones (sms_keywords), words in kw_buf */
  struct sms_keyword kw[32 + AG_SMS_KEYWORDS_MAX];
  size_t n_kw;
  char kw_buf[1024];
};

/* Starts a link for every SMS carrier of cs (borrowed for the life of s, as are base, cfg,
 * secret and metrics), on a store of its own made like scfg, and the scheduler when there is
 * a link. Returns AG_OK, AG_ENOMEM, or
 * the error of loading the calendar (logged). */
int gw_sms_setup(struct gw_sms *s, struct event_base *base, const struct ag_config *cfg,
                 const struct gw_carriers *cs, const struct store_config *scfg,
                 const struct ag_secret *secret, struct ag_metrics *metrics);
/* Before the store: stops the workers (their leases run out in the database). */
void gw_sms_cleanup(struct gw_sms *s);
/* The link of carrier c, or NULL. */
struct gw_sms_link *gw_sms_link_of(struct gw_sms *s, const struct gw_carrier *c);
/* A school's request was created (arg: the struct gw_sms *): its delivery worker polls now
 * (sms_school_wake); nothing without an SMS link. For gw_api.school_created. */
void gw_sms_school_created(void *arg);
/* A graceful stop: no more claims; gw_sms_busy() says when what was claimed is written. */
void gw_sms_quiesce(struct gw_sms *s);
size_t gw_sms_busy(const struct gw_sms *s);

/* Writes c's SMS routes (GET /dlr/NAME and /sms/NAME, the carrier's addresses only) at out;
 * returns how many (0 or 2). They borrow s. */
size_t gw_sms_routes(struct gw_sms *s, const struct gw_carrier *c, struct gw_route *out);

/* The routes' handlers; ctx is the link (struct gw_sms_link *). */
int gw_sms_dlr(void *ctx, struct gw_req *req);
int gw_sms_mo(void *ctx, struct gw_req *req);

#endif
