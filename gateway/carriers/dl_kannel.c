/* dl_kannel.c: SMS through Kannel (../shared/spec/protocols.md "SMS through Kannel").
 *
 * MT: GET {sms_url}?username=&password=&to=&text=&charset=UTF-8[&coding=2]&dlr-mask=31
 * &dlr-url=..., the report URL carrying our outbox id and attempt and Kannel's %d (the DLR
 * type). 202 means taken ("0: Accepted", "3: Queued for later delivery"); 5xx, and 401/403 (a
 * wrong password is the operator's to fix, not the message's fault), mean try again; any other
 * status refuses the message for good. UCS-2 goes with coding=2: Kannel would otherwise turn
 * Cyrillic into '?'.
 * MO and DLR: Kannel's GETs, whose query the core hands over as a form (gw_req_query_form).
 * With mo-recode Kannel delivers the text as UTF-8 and says coding=0: the script is never
 * inferred from it.
 */
#include "gateway/carriers/gw_carrier.h"
#include "lib/ag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kannel {
  struct gw_carrier base; /* first: the core sees a gw_carrier */
  char url[AG_CARRIER_FILE_MAX], user[AG_CARRIER_FILE_MAX], password[AG_CARRIER_FILE_MAX],
      callback[AG_CARRIER_FILE_MAX], from[AG_CARRIER_FILE_MAX];
};

static int is_http_url(const char *v)
{
  return strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0;
}

static int kannel_init(struct gw_carrier *c, const struct ag_carrier_conf *conf, char *err,
                       size_t errlen)
{
  struct kannel *k = (struct kannel *)c;
  const char *missing = !conf->sms_url[0]            ? "sms_url"
                        : !conf->sms_user[0]         ? "sms_user"
                        : !conf->sms_password[0]     ? "sms_password"
                        : !conf->sms_callback_url[0] ? "sms_callback_url"
                                                     : NULL;

  if (missing) {
    snprintf(err, errlen, "section [carrier.%s]: dialect kannel needs %s", conf->name, missing);
    return AG_ECONFIG;
  }
  if (!is_http_url(conf->sms_url) || !is_http_url(conf->sms_callback_url)) {
    snprintf(err, errlen, "section [carrier.%s]: sms_url and sms_callback_url must be http(s) URLs",
             conf->name);
    return AG_ECONFIG;
  }
  memcpy(k->url, conf->sms_url, sizeof(k->url));
  memcpy(k->user, conf->sms_user, sizeof(k->user));
  memcpy(k->password, conf->sms_password, sizeof(k->password));
  memcpy(k->callback, conf->sms_callback_url, sizeof(k->callback));
  memcpy(k->from, conf->sms_from, sizeof(k->from));
  /* no trailing '/': the paths below start with one */
  for (size_t n = strlen(k->callback); n > 0 && k->callback[n - 1] == '/'; n--)
    k->callback[n - 1] = '\0';
  return AG_OK;
}

/* Appends s percent-encoded (all but RFC 3986's unreserved characters) at *off; 0 or -1 when
 * cap is too small. */
static int put_enc(char *out, size_t cap, size_t *off, const char *s)
{
  static const char hex[] = "0123456789ABCDEF";

  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    int plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                *p == '-' || *p == '_' || *p == '.' || *p == '~';
    if (*off + (plain ? 1 : 3) >= cap)
      return -1;
    if (plain) {
      out[(*off)++] = (char)*p;
    } else {
      out[(*off)++] = '%';
      out[(*off)++] = hex[*p >> 4];
      out[(*off)++] = hex[*p & 15];
    }
  }
  out[*off] = '\0';
  return 0;
}

static int put(char *out, size_t cap, size_t *off, const char *s)
{
  size_t n = strlen(s);

  if (*off + n >= cap)
    return -1;
  memcpy(out + *off, s, n + 1);
  *off += n;
  return 0;
}

static int kannel_send_request(const struct gw_carrier *c, struct gw_sms_send *send)
{
  const struct kannel *k = (const struct kannel *)c;
  char dlr[AG_CARRIER_FILE_MAX + AG_CARRIER_NAME_MAX + 96];
  size_t off = 0;
  int bad;

  snprintf(dlr, sizeof(dlr), "%s/dlr/%s?id=%lld&attempt=%d&type=%%d", k->callback, c->name,
           send->id, send->attempt);
  bad =
      put(send->url, send->cap, &off, k->url) ||
      put(send->url, send->cap, &off, strchr(k->url, '?') ? "&username=" : "?username=") ||
      put_enc(send->url, send->cap, &off, k->user) ||
      put(send->url, send->cap, &off, "&password=") ||
      put_enc(send->url, send->cap, &off, k->password) || put(send->url, send->cap, &off, "&to=") ||
      put_enc(send->url, send->cap, &off, send->msisdn) ||
      put(send->url, send->cap, &off, "&text=") ||
      put_enc(send->url, send->cap, &off, send->text) ||
      put(send->url, send->cap, &off, send->ucs2 ? "&charset=UTF-8&coding=2" : "&charset=UTF-8") ||
      put(send->url, send->cap, &off, "&dlr-mask=31&dlr-url=") ||
      put_enc(send->url, send->cap, &off, dlr);
  if (!bad && k->from[0])
    bad = put(send->url, send->cap, &off, "&from=") || put_enc(send->url, send->cap, &off, k->from);
  return bad ? AG_E2BIG : AG_OK;
}

static int kannel_send_response(const struct gw_carrier *c, int status, const char *body,
                                size_t len, struct gw_sms_send *send)
{
  (void)c;
  (void)body;
  (void)len;
  if (status == 200 || status == 202)
    send->verdict = 1;
  else if (status >= 500 || status == 401 || status == 403)
    send->verdict = 2;
  else
    send->verdict = 3;
  return AG_OK;
}

static const char *need(const struct ag_form *f, const char *key, char *err, size_t errlen)
{
  const char *v = ag_form_get(f, key);

  if (!v || !*v)
    snprintf(err, errlen, "missing field '%s'", key);
  return v && *v ? v : NULL;
}

/* A decimal number in [min, max], all of v. */
static int number(const char *v, long long min, long long max, long long *out)
{
  char *end;
  long long n;

  if (!v || *v < '0' || *v > '9')
    return 0;
  n = strtoll(v, &end, 10);
  if (*end || n < min || n > max)
    return 0;
  *out = n;
  return 1;
}

static int kannel_sms_in(const struct gw_carrier *c, const char *body, size_t len,
                         struct gw_sms_in *sms, char *err, size_t errlen)
{
  int rc;

  (void)c;
  memset(sms, 0, sizeof(*sms));
  rc = ag_form_parse(&sms->form, body, len, NULL);
  if (rc) {
    snprintf(err, errlen, "malformed query");
    return rc;
  }
  sms->message_id = need(&sms->form, "id", err, errlen);
  sms->raw_from = need(&sms->form, "from", err, errlen);
  sms->text = ag_form_get(&sms->form, "text");
  if (!sms->message_id || !sms->raw_from)
    return AG_EBADREQ;
  if (strlen(sms->message_id) > GW_USSD_ID_MAX) {
    snprintf(err, errlen, "field 'id' is longer than %d bytes", GW_USSD_ID_MAX);
    return AG_E2BIG;
  }
  if (!sms->text)
    sms->text = "";
  if (ag_phone_normalize(sms->raw_from, strlen(sms->raw_from), sms->msisdn) != AG_OK) {
    sms->msisdn[0] = '\0';
    return AG_EPHONE;
  }
  return AG_OK;
}

static int kannel_dlr(const struct gw_carrier *c, const char *body, size_t len, struct gw_dlr *dlr,
                      char *err, size_t errlen)
{
  long long attempt, type;
  int rc;

  (void)c;
  memset(dlr, 0, sizeof(*dlr));
  rc = ag_form_parse(&dlr->form, body, len, NULL);
  if (rc) {
    snprintf(err, errlen, "malformed query");
    return rc;
  }
  if (!number(ag_form_get(&dlr->form, "id"), 1, (1LL << 62), &dlr->id) ||
      !number(ag_form_get(&dlr->form, "attempt"), 1, 1 << 30, &attempt) ||
      !number(ag_form_get(&dlr->form, "type"), 1, 31, &type)) {
    snprintf(err, errlen, "id, attempt and type must be numbers (type 1 to 31)");
    return AG_EBADREQ;
  }
  dlr->attempt = (int)attempt;
  dlr->type = (int)type;
  return AG_OK;
}

const struct gw_dialect gw_dialect_kannel = {
    "kannel",                                                       /* name */
    2,                                                              /* version */
    GW_DIALECT_F_SMS_IN | GW_DIALECT_F_DLR | GW_DIALECT_F_SMS_SEND, /* flags */
    sizeof(struct kannel),                                          /* carrier_size */
    NULL,                 /* body_type: GETs, the query handed over as a form */
    kannel_init,          /* carrier_init */
    NULL,                 /* ussd_step */
    NULL,                 /* ussd_render */
    NULL,                 /* ussd_end */
    kannel_sms_in,        /* sms_in */
    kannel_dlr,           /* dlr */
    kannel_send_request,  /* send_request */
    kannel_send_response, /* send_response */
};
