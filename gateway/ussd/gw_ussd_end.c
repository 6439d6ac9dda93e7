/* gw_ussd_end.c: the carrier's notice that a session is over (the caller hung up, say). */
#include "gateway/ussd/gw_ussd-internal.h"
#include "lib/ag.h"
#include "lib/ag_log.h"

int gw_ussd_end(struct gw_ussd *u, const struct gw_carrier *c, struct gw_req *req)
{
  struct gw_ussd_end end;
  struct sess_session *s;
  /* Every value the carrier sent is quoted: a "%0A" in hopsCount once forged a log line. */
  char err[160], q[GW_USSD_ID_MAX * 4 + 8], q2[GW_USSD_ID_MAX * 4 + 8], q3[GW_USSD_ID_MAX * 4 + 8],
      q4[GW_USSD_ID_MAX * 4 + 8];
  size_t len;
  const char *body = gw_req_body(req, &len);
  int rc;

  if (!gw_carrier_body_type_ok(c, gw_req_header(req, "Content-Type")))
    return gw_ussd__refuse_type(req, c);
  if (gw_ussd__authenticate(req, c))
    return AG_OK;
  rc = gw_carrier_ussd_end(c, body, len, &end, err, sizeof(err));
  if (rc) {
    ag_form_cleanup(&end.form);
    return gw_ussd__bad_request(req, c, rc, err);
  }
  s = sess_table_find(u->sessions, c->name, end.session_id);
  AG_LOGI("ussd.carrier_end", "carrier=%s session=%s status=%s known=%d hops=%s duration_ms=%s",
          c->name, ag_log_quote(end.session_id, q, sizeof(q)),
          ag_log_quote(end.status, q2, sizeof(q2)), s != NULL,
          ag_log_quote(end.hops, q3, sizeof(q3)), ag_log_quote(end.duration_ms, q4, sizeof(q4)));
  if (s)
    sess_table_end(s, SESS_END_CARRIER);
  ag_form_cleanup(&end.form);
  gw_req_reply(req, 200, "text/plain; charset=utf-8", "OK\n", 3, GW_BODY_STATIC);
  return AG_OK;
}
