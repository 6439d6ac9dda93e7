/* dl_at.c: the Africa's Talking USSD dialect (protocols.md), the most copied HTTP USSD format.
 *
 * Request: a form with sessionId, serviceCode, phoneNumber, networkCode and text, where text is
 * every input of the session joined by '*'. Reply: 200 text/plain, "CON " or "END " + screen.
 */
#include "gateway/carriers/gw_carrier.h"
#include "lib/ag.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

static int field(const struct ag_form *f, const char *key, int required, const char **out,
                 char *err, size_t errlen)
{
  const char *v = ag_form_get(f, key);

  if (!v) {
    if (!required) {
      *out = "";
      return AG_OK;
    }
    snprintf(err, errlen, "missing field '%s'", key);
    return AG_EBADREQ;
  }
  if (required && *v == '\0') {
    snprintf(err, errlen, "field '%s' is empty", key);
    return AG_EBADREQ;
  }
  if (strlen(v) > GW_USSD_ID_MAX) {
    snprintf(err, errlen, "field '%s' is longer than %d bytes", key, GW_USSD_ID_MAX);
    return AG_E2BIG;
  }
  *out = v;
  return AG_OK;
}

/* 1 when v is a USSD code as a handset dials it: '*', groups of digits joined by '*', '#'
 * ("*384*123#"). Anything else did not come from a phone. */
static int service_code_ok(const char *v)
{
  int digits = 0;

  if (*v++ != '*')
    return 0;
  for (; *v && *v != '#'; v++) {
    if (*v >= '0' && *v <= '9')
      digits++;
    else if (*v != '*' || digits == 0)
      return 0;
    else
      digits = 0;
  }
  return *v == '#' && v[1] == '\0' && digits > 0;
}

static int at_ussd_step(const struct gw_carrier *c, const char *body, size_t len,
                        struct gw_ussd_step *step, char *err, size_t errlen)
{
  const char *text;
  int rc;

  (void)c;
  /* Not the path and the inputs (2.5 kB): gw_ussd_split_path() writes what is read of them. */
  memset(step, 0, offsetof(struct gw_ussd_step, path));
  step->path[0] = '\0';
  step->n_inputs = 0;
  rc = ag_form_parse_in(&step->form, body, len, NULL, step->form_buf, sizeof(step->form_buf));
  if (rc) {
    snprintf(err, errlen, "%s", step->form.err);
    return rc;
  }
  if ((rc = field(&step->form, "sessionId", 1, &step->session_id, err, errlen)) ||
      (rc = field(&step->form, "serviceCode", 1, &step->service_code, err, errlen)) ||
      (rc = field(&step->form, "phoneNumber", 1, &step->raw_phone, err, errlen)) ||
      (rc = field(&step->form, "networkCode", 0, &step->network_code, err, errlen)))
    return rc;
  if (!service_code_ok(step->service_code)) {
    snprintf(err, errlen, "serviceCode is not a USSD code such as *384*123#");
    return AG_EBADREQ;
  }
  text = ag_form_get(&step->form, "text");
  if (!text) {
    snprintf(err, errlen, "missing field 'text'");
    return AG_EBADREQ;
  }
  rc = gw_ussd_split_path(step, text);
  if (rc) {
    snprintf(err, errlen, "field 'text' has more than %d inputs or is too long", SESS_MAX_INPUTS);
    return rc;
  }
  if (ag_phone_normalize(step->raw_phone, strlen(step->raw_phone), step->msisdn)) {
    snprintf(err, errlen, "phoneNumber is not a Kazakhstan mobile number");
    return AG_EPHONE;
  }
  return AG_OK;
}

static int at_ussd_render(const struct gw_carrier *c, int end, const char *text,
                          struct gw_dialect_reply *out)
{
  int n = snprintf(out->body, out->cap, "%s %s", end ? "END" : "CON", text);

  (void)c;
  if (n < 0 || (size_t)n >= out->cap)
    return AG_E2BIG;
  out->status = 200;
  out->content_type = "text/plain; charset=utf-8";
  out->len = (size_t)n;
  return AG_OK;
}

/* The notification that a session ended: the only sign of a network drop on this dialect. */
static int at_ussd_end(const struct gw_carrier *c, const char *body, size_t len,
                       struct gw_ussd_end *end, char *err, size_t errlen)
{
  int rc;

  (void)c;
  memset(end, 0, sizeof(*end));
  rc = ag_form_parse(&end->form, body, len, NULL);
  if (rc) {
    snprintf(err, errlen, "%s", end->form.err);
    return rc;
  }
  if ((rc = field(&end->form, "sessionId", 1, &end->session_id, err, errlen)) ||
      (rc = field(&end->form, "status", 0, &end->status, err, errlen)) ||
      (rc = field(&end->form, "durationInMillis", 0, &end->duration_ms, err, errlen)) ||
      (rc = field(&end->form, "hopsCount", 0, &end->hops, err, errlen)))
    return rc;
  return AG_OK;
}

const struct gw_dialect gw_dialect_at = {
    "at",                                      /* name */
    2,                                         /* version */
    GW_DIALECT_F_USSD | GW_DIALECT_F_USSD_END, /* flags */
    sizeof(struct gw_carrier),                 /* carrier_size: no settings of its own */
    "application/x-www-form-urlencoded",       /* body_type */
    NULL,                                      /* carrier_init */
    at_ussd_step,                              /* ussd_step */
    at_ussd_render,                            /* ussd_render */
    at_ussd_end,                               /* ussd_end */
    NULL,                                      /* sms_in */
    NULL,                                      /* dlr */
    NULL,                                      /* send_request */
    NULL,                                      /* send_response */
};
