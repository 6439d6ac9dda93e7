/* gw_carrier.h: carriers, the configured instances of dialects.
 *
 * A carrier is one [carrier.NAME] section: a name (also the `carrier` column of stored
 * answers), a dialect, the path it calls, the addresses it calls from and its screen budget,
 * all resolved once at load. A dialect with settings of its own embeds struct gw_carrier as the
 * first member of a larger struct (dialect->carrier_size bytes are allocated). Every op is
 * called through the wrappers below, never through the pointer.
 */
#ifndef GW_CARRIER_H
#define GW_CARRIER_H

#include "gateway/carriers/gw_dialect.h"
#include "lib/ag_config.h"
#include "lib/ag_ipnet.h"
#include "lib/ag_secret.h"
#include "sessions/sess.h"

/* What proves a request is the carrier's, besides the address it comes from. */
enum gw_carrier_auth {
  GW_CARRIER_AUTH_NONE = 0,
  GW_CARRIER_AUTH_HMAC,  /* X-Aulgate-Timestamp + X-Aulgate-Signature: HMAC-SHA256 of "ts.body" */
  GW_CARRIER_AUTH_BASIC, /* HTTP basic authentication */
  GW_CARRIER_AUTH_PATH   /* a secret segment after the path: for carriers that can do no other */
};

#define GW_CARRIER_BASIC_MAX       256 /* "Basic " + base64 of user:password, with the NUL */
#define GW_CARRIER_PATH_SECRET_MIN 32
#define GW_CARRIER_PATH_SECRET_MAX 128

struct gw_carrier {
  const struct gw_dialect *dialect;
  char name[AG_CARRIER_NAME_MAX];
  char path[AG_CARRIER_PATH_MAX]; /* the USSD step; the end notice is path + "/end" */
  char end_path[AG_CARRIER_PATH_MAX + 4];
  struct ag_iplist allow; /* callers allowed on the carrier's paths */
  struct sess_budget budget;
  enum gw_carrier_auth auth;
  long auth_window_s;               /* hmac: the timestamp's distance from our clock */
  struct ag_secret key;             /* hmac */
  char basic[GW_CARRIER_BASIC_MAX]; /* basic: the Authorization value expected */
  /* path: the step is at path/SECRET, the end notice at path/SECRET/end */
  char path_secret[GW_CARRIER_PATH_SECRET_MAX + 1];
};

/* The carriers of a configuration, in the order of their sections. */
struct gw_carriers {
  struct gw_carrier *v[AG_CARRIERS_MAX]; /* owned, each of its dialect's carrier_size */
  size_t n;
};

/* Resolves cfg's sections (none: the one carrier `at` of the flat keys, as before sections).
 * Returns AG_OK, or AG_ECONFIG/AG_ENOMEM with a message naming the section in err; out is
 * then empty. Free with gw_carriers_cleanup(). */
int gw_carriers_load(const struct ag_config *cfg, struct gw_carriers *out /* OUT */, char *err,
                     size_t errlen);
void gw_carriers_cleanup(struct gw_carriers *cs);

static inline int gw_carrier_has(const struct gw_carrier *c, unsigned flag)
{
  return (c->dialect->flags & flag) == flag;
}

/* Checks that a request is the carrier's (gw_carrier_auth.c), from its path, its header values
 * (NULL when absent) and raw body, at now_s (Unix seconds). Pure. Returns AG_OK, or AG_EDENIED
 * with a static reason in *cause that names no secret. Comparisons run in constant time. */
int gw_carrier_verify(const struct gw_carrier *c, const char *path, const char *authorization,
                      const char *timestamp, const char *signature, const char *body, size_t len,
                      long long now_s, const char **cause /* OUT */);
/* The name of c's auth ("none", "hmac", "basic", "path"), for logs. */
const char *gw_carrier_auth_name(const struct gw_carrier *c);

/* 1 when a callback with this Content-Type header (NULL: none) may be parsed by c's dialect:
 * its media type, before any parameter (";charset=..."), case-insensitively. */
int gw_carrier_body_type_ok(const struct gw_carrier *c, const char *content_type);

static inline int gw_carrier_ussd_step(const struct gw_carrier *c, const char *body, size_t len,
                                       struct gw_ussd_step *step, char *err, size_t errlen)
{
  return c->dialect->ussd_step(c, body, len, step, err, errlen);
}

static inline int gw_carrier_ussd_render(const struct gw_carrier *c, int end, const char *text,
                                         struct gw_dialect_reply *out)
{
  return c->dialect->ussd_render(c, end, text, out);
}

static inline int gw_carrier_ussd_end(const struct gw_carrier *c, const char *body, size_t len,
                                      struct gw_ussd_end *end, char *err, size_t errlen)
{
  return c->dialect->ussd_end(c, body, len, end, err, errlen);
}

static inline int gw_carrier_sms_in(const struct gw_carrier *c, const char *body, size_t len,
                                    struct gw_sms_in *sms, char *err, size_t errlen)
{
  return c->dialect->sms_in(c, body, len, sms, err, errlen);
}

static inline int gw_carrier_dlr(const struct gw_carrier *c, const char *body, size_t len,
                                 struct gw_dlr *dlr, char *err, size_t errlen)
{
  return c->dialect->dlr(c, body, len, dlr, err, errlen);
}

static inline int gw_carrier_send_request(const struct gw_carrier *c, struct gw_sms_send *send)
{
  return c->dialect->send_request(c, send);
}

static inline int gw_carrier_send_response(const struct gw_carrier *c, int status, const char *body,
                                           size_t len, struct gw_sms_send *send)
{
  return c->dialect->send_response(c, status, body, len, send);
}

#endif
