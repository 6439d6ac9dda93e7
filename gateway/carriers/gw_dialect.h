/* gw_dialect.h: carrier dialects. A dialect turns one carrier's HTTP callback into our
 * normalised USSD step and renders our screen back into that carrier's reply format. A carrier
 * (gw_carrier.h) is a configured instance of a dialect; the ops are called through its wrappers.
 *
 * Dialect functions are pure: no event loop, no database, no clock. That is what makes them
 * unit-testable and fuzzable. Adding a dialect is one dl_<name>.c file and one registry line
 * in gw_dialect.c; adding a carrier of a known dialect is one [carrier.NAME] section.
 */
#ifndef GW_DIALECT_H
#define GW_DIALECT_H

#include "lib/ag_form.h"
#include "lib/ag_phone.h"
#include "sessions/sess.h"

#include <stddef.h>

#define GW_USSD_ID_MAX 128 /* longest session id, service code or network code accepted */

/* One USSD step, normalised. Strings are borrowed from `form`, which the step owns. */
struct gw_ussd_step {
  struct ag_form form; /* owned: cleaned up by gw_ussd_step_cleanup() */
  const char *session_id;
  const char *service_code;
  const char *network_code;  /* "" when the carrier sent none */
  const char *raw_phone;     /* as received: never logged, only masked */
  char msisdn[AG_PHONE_MAX]; /* E.164, "" when raw_phone is not a Kazakh mobile number */
  char path[2048];           /* the input path with '*' replaced by NUL */
  const char *inputs[SESS_MAX_INPUTS];
  size_t n_inputs;     /* the hop index of the last input; 0 on the first hop */
  char form_buf[1024]; /* what form decodes into when the body fits: no allocation */
};

/* The carrier's end-of-session notification. Strings are borrowed from `form`. */
struct gw_ussd_end {
  struct ag_form form; /* owned: cleaned up with ag_form_cleanup() */
  const char *session_id;
  const char *status;      /* e.g. Success, Failed */
  const char *duration_ms; /* as sent, "" if absent */
  const char *hops;        /* as sent, "" if absent */
};

/* The room a rendered USSD reply needs: the screen and the dialect's framing. */
#define GW_USSD_REPLY_MAX (SESS_SCREEN_MAX + 16)

/* An HTTP reply in the carrier's format, rendered once into the caller's buffer (then handed
 * to gw_http as it is, not copied). */
struct gw_dialect_reply {
  int status;
  const char *content_type; /* static */
  char *body;               /* borrowed: the caller's buffer of cap bytes */
  size_t cap, len;
};

struct gw_carrier;
struct ag_carrier_conf;

/* An inbound SMS (MO), normalised. Strings are borrowed from `form`. */
struct gw_sms_in {
  struct ag_form form;       /* owned: cleaned up with ag_form_cleanup() */
  const char *message_id;    /* the carrier's id of the message: repeats carry the same */
  const char *raw_from;      /* as received: never logged, only masked */
  char msisdn[AG_PHONE_MAX]; /* E.164, "" when raw_from is not a Kazakh mobile number */
  const char *text;          /* UTF-8 */
};

/* A delivery report of one of our messages. */
struct gw_dlr {
  struct ag_form form; /* owned: cleaned up with ag_form_cleanup() */
  long long id;        /* the outbox row */
  int attempt;
  int type; /* Kannel's DLR type: 1, 2, 4, 8, 16 */
};

/* An outbound SMS (in) and the request that submits it (out). */
struct gw_sms_send {
  long long id; /* the outbox row and the attempt: the dialect puts both into the report URL */
  int attempt;
  const char *msisdn; /* E.164 */
  const char *text;   /* UTF-8 */
  int ucs2;           /* sms_plan() chose UCS-2 */
  char *url;          /* OUT: the GET to make, into the caller's buffer of cap bytes */
  size_t cap;
  int verdict; /* OUT of send_response: 1 submitted, 2 retry, 3 failed (enum sms_verdict) */
};

/* What a dialect can do: the core only calls the ops of the flags it sets. */
#define GW_DIALECT_F_USSD     (1u << 0) /* ussd_step and ussd_render */
#define GW_DIALECT_F_USSD_END (1u << 1) /* ussd_end: the carrier tells when a session ended */
#define GW_DIALECT_F_SMS_IN   (1u << 2) /* sms_in */
#define GW_DIALECT_F_DLR      (1u << 3) /* dlr */
#define GW_DIALECT_F_SMS_SEND (1u << 4) /* send_request and send_response */

/* One op per event. The carrier is borrowed for the call: a dialect reads its own settings
 * from it (by embedding, see carrier_size); ops are pure otherwise. */
struct gw_dialect {
  const char *name;      /* lowercase; the `dialect` key of a [carrier.NAME] section */
  unsigned version;      /* ops layout version */
  unsigned flags;        /* GW_DIALECT_F_* */
  size_t carrier_size;   /* sizeof the dialect's struct embedding struct gw_carrier first */
  const char *body_type; /* the media type of its callbacks' bodies (Content-Type without its
                            parameters), refused with 415 otherwise; NULL: any */

  /* Optional: reads the dialect's own settings of a section into c (of carrier_size bytes,
   * the base already filled). Returns AG_OK or AG_ECONFIG with a message in err. */
  int (*carrier_init)(struct gw_carrier *c, const struct ag_carrier_conf *conf, char *err,
                      size_t errlen);

  /* Parses one USSD callback body. Returns AG_OK; AG_EPHONE when everything but the phone
   * number is valid (the step is filled, msisdn ""); or AG_EBADREQ/AG_EDUP/AG_E2BIG with a
   * message in err. The step must be cleaned up on every path. */
  int (*ussd_step)(const struct gw_carrier *c, const char *body, size_t len,
                   struct gw_ussd_step *step /* OUT */, char *err, size_t errlen);

  /* Renders a screen: end=1 closes the session. */
  int (*ussd_render)(const struct gw_carrier *c, int end, const char *text,
                     struct gw_dialect_reply *out /* OUT */);

  /* Parses the end-of-session notification; the form must be cleaned up on every path.
   * Returns AG_OK or AG_EBADREQ/AG_EDUP/AG_E2BIG with err. */
  int (*ussd_end)(const struct gw_carrier *c, const char *body, size_t len,
                  struct gw_ussd_end *end /* OUT */, char *err, size_t errlen);

  /* Issue 12 fills these; the signatures follow the USSD ops. */
  int (*sms_in)(const struct gw_carrier *c, const char *body, size_t len,
                struct gw_sms_in *sms /* OUT */, char *err, size_t errlen);
  int (*dlr)(const struct gw_carrier *c, const char *body, size_t len, struct gw_dlr *dlr /* OUT */,
             char *err, size_t errlen);
  /* send: in, the SMS; OUT, the HTTP request to make. */
  int (*send_request)(const struct gw_carrier *c, struct gw_sms_send *send);
  int (*send_response)(const struct gw_carrier *c, int status, const char *body, size_t len,
                       struct gw_sms_send *send /* OUT: the carrier's verdict */);
};

/* The registry: NULL when unknown. */
const struct gw_dialect *gw_dialect_find(const char *name);

void gw_ussd_step_cleanup(struct gw_ussd_step *step);

/* Splits the '*'-joined input path into step->inputs. AG_E2BIG past SESS_MAX_INPUTS or the
 * path buffer; an empty path is zero inputs. Shared by the dialects that send the path. */
int gw_ussd_split_path(struct gw_ussd_step *step, const char *text);

#endif
