/* dialect.h: carrier dialects. A dialect turns one carrier's HTTP callback into our
 * normalised USSD step and renders our screen back into that carrier's reply format.
 *
 * Dialect functions are pure: no event loop, no database, no clock. That is what makes them
 * unit-testable and fuzzable. Adding a carrier is one dl_<name>.c file and one registry line
 * in dialect.c; nothing in the HTTP core or the engine changes.
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
  size_t n_inputs; /* the hop index of the last input; 0 on the first hop */
};

/* The carrier's end-of-session notification. Strings are borrowed from `form`. */
struct gw_ussd_end {
  struct ag_form form; /* owned: cleaned up with ag_form_cleanup() */
  const char *session_id;
  const char *status;      /* e.g. Success, Failed */
  const char *duration_ms; /* as sent, "" if absent */
  const char *hops;        /* as sent, "" if absent */
};

/* An HTTP reply in the carrier's format. body is owned by the struct that holds it. */
struct gw_dialect_reply {
  int status;
  const char *content_type; /* static */
  char body[SESS_SCREEN_MAX + 16];
  size_t len;
};

struct gw_dialect {
  const char *name; /* lowercase; also the `carrier` column of stored answers */
  unsigned version; /* ops layout version */

  /* Parses one USSD callback body. Returns AG_OK; AG_EPHONE when everything but the phone
   * number is valid (the step is filled, msisdn ""); or AG_EBADREQ/AG_EDUP/AG_E2BIG with a
   * message in err. The step must be cleaned up on every path. */
  int (*parse_ussd)(const char *body, size_t len, struct gw_ussd_step *step /* OUT */, char *err,
                    size_t errlen);

  /* Renders a screen: end=1 closes the session. */
  int (*render_ussd)(int end, const char *text, struct gw_dialect_reply *out /* OUT */);

  /* Optional (NULL: the dialect has none). Parses the end-of-session notification; the form
   * must be cleaned up on every path. Returns AG_OK or AG_EBADREQ/AG_EDUP/AG_E2BIG with err. */
  int (*parse_end)(const char *body, size_t len, struct gw_ussd_end *end /* OUT */, char *err,
                   size_t errlen);
};

/* The registry: NULL when unknown. */
const struct gw_dialect *gw_dialect_find(const char *name);

void gw_ussd_step_cleanup(struct gw_ussd_step *step);

/* Splits the '*'-joined input path into step->inputs. AG_E2BIG past SESS_MAX_INPUTS or the
 * path buffer; an empty path is zero inputs. Shared by the dialects that send the path. */
int gw_ussd_split_path(struct gw_ussd_step *step, const char *text);

static inline int gw_dialect_parse_ussd(const struct gw_dialect *d, const char *body, size_t len,
                                        struct gw_ussd_step *step, char *err, size_t errlen)
{
  return d->parse_ussd(body, len, step, err, errlen);
}

static inline int gw_dialect_render_ussd(const struct gw_dialect *d, int end, const char *text,
                                         struct gw_dialect_reply *out)
{
  return d->render_ussd(end, text, out);
}

#endif
