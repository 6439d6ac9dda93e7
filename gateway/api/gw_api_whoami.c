/* gw_api_whoami.c: GET /api/v1/whoami: what the caller's token is (id, role, regions, expiry),
 * so that a client can check its token and its scope before it needs them; with ?region=CODE,
 * 403 unless the token covers that region (how a route asks for a region). Audited. */
#include "gateway/api/gw_api.h"
#include "lib/ag.h"
#include "lib/ag_buf.h"

#include <stdlib.h>
#include <string.h>

/* Region codes are slugs (the regions table's CHECK); anything else is refused before it is
 * echoed into JSON or the trail. */
static int slug(const char *s)
{
  size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-");

  return n > 0 && n <= 64 && s[n] == '\0';
}

int gw_api_whoami(void *ctx, struct gw_req *req)
{
  struct gw_api *api = ctx;
  const struct gw_principal *p = gw_req_user(req);
  const char *region = gw_req_query(req, "region");
  struct ag_buf b;
  char *body;
  size_t len;
  int rc;

  if (!p) /* AG_NEVER: the route needs a token, and the check attaches it */
    return gw_api_error(req, 401, "missing token: send Authorization: Bearer <token>");
  if (region && !slug(region))
    return gw_api_error(req, 400, "region must be a region code (lowercase letters, digits, -)");
  if (region && !gw_api_region_allowed(p, region)) {
    gw_api_audit(api, req, NULL, "whoami", region, 403, "region");
    return gw_api_error(req, 403, "this token is not valid in that region");
  }
  ag_buf_init(&b, 4096);
  rc =
      ag_buf_printf(&b, "{\"id\":%lld,\"role\":\"%s\",\"regions\":[", p->id, gw_role_name(p->role));
  for (const char *s = p->regions; rc == AG_OK && *s;) {
    size_t k = strcspn(s, ",");
    rc = ag_buf_printf(&b, "%s\"%.*s\"", s == p->regions ? "" : ",", (int)k, s);
    s += k + (s[k] == ',');
  }
  if (rc == AG_OK)
    rc = ag_buf_adds(&b, "]");
  if (rc == AG_OK && p->school) /* a school token reaches one school */
    rc = ag_buf_printf(&b, ",\"school\":%lld", p->school);
  if (rc == AG_OK && p->expires_us)
    rc = ag_buf_printf(&b, ",\"expires_unix\":%lld}\n", p->expires_us / 1000000);
  else if (rc == AG_OK)
    rc = ag_buf_adds(&b, ",\"expires_unix\":null}\n");
  body = ag_buf_take(&b, &len);
  if (rc || !body) {
    free(body);
    return gw_api_error(req, 500, "internal error");
  }
  return gw_api_reply_audited(api, req, "whoami", region ? region : "", 200, "application/json",
                              body, len);
}
