/* gw_api_school.c: the school's side of issue 13: who a call reaches (a school token its own
 * school, an admin any by ?school=), the budget check a school sees as it types, creating and
 * closing a request (gw_api.h). Queries go through api->school_db, a connection of its own to
 * the primary (requests are written), never queued behind a batch of answers. Bodies are
 * application/x-www-form-urlencoded, parsed by ag_form as the carriers' callbacks are. */
#include "gateway/api/gw_api_school-internal.h"
#include "lib/ag.h"
#include "lib/ag_form.h"
#include "lib/ag_log.h"
#include "sms/sms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int number(const char *s, long long lo, long long hi, long long *out)
{
  char *end;
  long long v;

  if (!s || !*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 12)
    return AG_EINVAL;
  v = strtoll(s, &end, 10);
  if (v < lo || v > hi)
    return AG_EINVAL;
  *out = v;
  return AG_OK;
}

int gw_school_scope(struct gw_api *api, struct gw_req *req, const char *action, int need,
                    long long *school)
{
  const struct gw_principal *p = gw_req_user(req);
  const char *asked = gw_req_query(req, "school");
  long long v = 0;

  if (!p) /* AG_NEVER: the route needs a token */
    return gw_api_error(req, 401, "missing token"), AG_EINVAL;
  if (asked && number(asked, 1, 2147483647, &v) != AG_OK)
    return gw_api_error(req, 400, "school must be a school's id"), AG_EINVAL;
  if (p->role == GW_ROLE_SCHOOL) {
    if (asked && v != p->school) {
      gw_api_audit(api, req, NULL, action, asked, 403, "school");
      return gw_api_error(req, 403, "this token reaches its own school only"), AG_EDENIED;
    }
    *school = p->school;
    return AG_OK;
  }
  if (need && !v)
    return gw_api_error(req, 400, "an admin names the school: ?school=ID"), AG_EINVAL;
  *school = v;
  return AG_OK;
}

struct gw_school_call *gw_school_call_new(struct gw_api *api, struct gw_req *req,
                                          const char *action, long long school)
{
  struct gw_school_call *c = calloc(1, sizeof(*c));

  if (!c) {
    gw_api_error(req, 503, "out of memory");
    return NULL;
  }
  *c = (struct gw_school_call){.api = api, .req = req, .school = school};
  snprintf(c->action, sizeof(c->action), "%s", action);
  snprintf(c->target, sizeof(c->target), "school=%lld", school);
  return c;
}

static void call_free(struct gw_school_call *c)
{
  if (c->form) {
    ag_form_cleanup(c->form);
    free(c->form);
  }
  free(c);
}

void gw_school_refuse(struct gw_school_call *c, int status, const char *why)
{
  gw_api_audit(c->api, c->req, NULL, c->action, c->target, status, status == 403 ? "school" : why);
  gw_api_error(c->req, status, why);
  call_free(c);
}

void gw_school_db_failed(struct gw_school_call *c, int rc, const char *err)
{
  char q[300];

  AG_LOGW("api.school_read_failed", "req=%s action=%s error=%s reason=%s", gw_req_id(c->req),
          c->action, ag_errname(rc), ag_log_quote(err ? err : "", q, sizeof(q)));
  if (rc == AG_ECANCELED) { /* shutting down: the store may be gone, no audit row */
    gw_api_error(c->req, 503, "the gateway is stopping");
    call_free(c);
    return;
  }
  gw_school_refuse(c, 503, "the database did not answer");
}

void gw_school_reply(struct gw_school_call *c, struct ag_buf *b)
{
  size_t len;
  char *body = ag_buf_take(b, &len);

  if (!body)
    gw_api_error(c->req, 500, "internal error");
  else
    gw_api_reply_audited(c->api, c->req, c->action, c->target, 200, "application/json", body, len);
  call_free(c);
}

/* --- the form of a request ------------------------------------------------------------------ */

static const char *field(const struct ag_form *f, const char *key)
{
  for (size_t i = 0; i < f->n; i++)
    if (strcmp(f->f[i].key, key) == 0)
      return f->f[i].value;
  return NULL;
}

static int one_of(const char *s, const char *const *set)
{
  for (; *set; set++)
    if (strcmp(s, *set) == 0)
      return 1;
  return 0;
}

static const char *const kinds[] = {"event_help", "talk",  "repair", "trip",
                                    "materials",  "other", NULL};
static const char *const bands[] = {"pre", "1-4", "5-9", "10-11", NULL};
static const char *const offers[] = {"profession", "craft",      "sport",
                                     "traditions", "transport",  "repairs",
                                     "cooking",    "event_time", NULL};

/* YYYY-MM-DD, a real day; its days since the epoch in *days. */
static int date_ok(const char *s, long long *days)
{
  int y, m, d, n = 0;
  struct tm tm = {0};

  if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 ||
      s[4] != '-' || s[7] != '-' || y < 2000 || y > 2100 || m < 1 || m > 12 || d < 1 || d > 31)
    return 0;
  tm.tm_year = y - 1900;
  tm.tm_mon = m - 1;
  tm.tm_mday = d;
  time_t t = timegm(&tm);
  struct tm back;
  gmtime_r(&t, &back);
  if (back.tm_mday != d) /* 2025-02-30 */
    return 0;
  *days = (long long)(t / 86400);
  return 1;
}

/* Today in Kazakhstan (UTC+5), in days since the epoch. */
static long long today_kz(void)
{
  return ((long long)time(NULL) + 5 * 3600) / 86400;
}

/* Checks the form of a new request (f) against the budgets for a school named name. Returns
 * NULL, or why it is refused (written into err). */
static const char *validate(const struct ag_form *f, const char *name, long ussd_budget, char *err,
                            size_t errlen)
{
  const char *kind = field(f, "kind"), *gb = field(f, "grade_bands"),
             *oc = field(f, "offer_category");
  const char *people = field(f, "people"), *on = field(f, "needed_on"), *cl = field(f, "closes_at");
  const char *langs[2] = {"kk", "ru"}, *texts[2] = {field(f, "text_kk"), field(f, "text_ru")};
  long long v, d_on = 0, d_cl = 0;
  int any = 0;

  (void)ussd_budget;
  if (!kind || !one_of(kind, kinds))
    return "kind must be one of event_help, talk, repair, trip, materials, other";
  for (int l = 0; l < 2; l++) {
    struct sms_school_fit fit;
    if (!texts[l] || !*texts[l])
      continue;
    any = 1;
    if (sms_school_check(name, texts[l], langs[l], ussd_budget, &fit) != AG_OK)
      return snprintf(err, errlen, "text_%s is not valid UTF-8", langs[l]), err;
    if (fit.chars > 500)
      return snprintf(err, errlen, "text_%s: at most 500 characters", langs[l]), err;
    if (!fit.sms_ok)
      return snprintf(err, errlen,
                      "text_%s: the SMS would take %zu parts, at most %d: %ld characters too long",
                      langs[l], fit.parts, SMS_SCHOOL_MAX_PARTS, -fit.units_left),
             err;
  }
  if (!any)
    return "text_kk or text_ru is needed";
  if (people && *people && number(people, 1, 1000, &v) != AG_OK)
    return "people must be 1 to 1000";
  if (on && *on && !date_ok(on, &d_on))
    return "needed_on must be a date, YYYY-MM-DD";
  if (d_on && d_on < today_kz())
    return "needed_on is in the past";
  if (cl && *cl && !date_ok(cl, &d_cl))
    return "closes_at must be a date, YYYY-MM-DD (the request closes at the end of that day)";
  if (d_cl && d_cl < today_kz())
    return "closes_at is in the past";
  if (gb && *gb) {
    char tmp[64];
    if (strlen(gb) >= sizeof(tmp))
      return "grade_bands: pre, 1-4, 5-9, 10-11, comma-separated";
    snprintf(tmp, sizeof(tmp), "%s", gb);
    for (char *s = tmp, *save = NULL, *t; (t = strtok_r(s, ",", &save)); s = NULL)
      if (!one_of(t, bands))
        return "grade_bands: pre, 1-4, 5-9, 10-11, comma-separated";
  }
  if (oc && *oc && !one_of(oc, offers))
    return "offer_category must be one of profession, craft, sport, traditions, transport, "
           "repairs, cooking, event_time";
  return NULL;
}

static int parse_form(struct gw_req *req, struct ag_form **out, char *err, size_t errlen)
{
  size_t len;
  const char *body = gw_req_body(req, &len);
  struct ag_form *f = calloc(1, sizeof(*f));
  int rc;

  if (!f)
    return AG_ENOMEM;
  rc = ag_form_parse(f, body, len, NULL);
  if (rc != AG_OK) {
    snprintf(err, errlen, "the body is not a form: %s", f->err);
    free(f);
    return rc;
  }
  *out = f;
  return AG_OK;
}

/* --- POST /api/v1/school/requests/check and POST /api/v1/school/requests ------------------ */

static void on_created(void *arg, int rc, const struct store_rows *rows, const char *err)
{
  struct gw_school_call *c = arg;
  struct ag_buf b;

  if (rc != AG_OK)
    return gw_school_db_failed(c, rc, err);
  ag_buf_init(&b, 1024);
  snprintf(c->target, sizeof(c->target), "school=%lld request=%s", c->school,
           store_rows_value(rows, 0, 0));
  rc = ag_buf_printf(&b, "{\"id\":%s,\"school\":%lld,\"closes_at\":\"%s\"}\n",
                     store_rows_value(rows, 0, 0), c->school, store_rows_value(rows, 0, 1));
  if (rc) {
    ag_buf_cleanup(&b);
    return gw_school_refuse(c, 500, "internal error");
  }
  if (c->api->school_created)
    c->api->school_created(c->api->school_created_arg);
  gw_school_reply(c, &b);
}

static void check_reply(struct gw_school_call *c, const char *name)
{
  const struct ag_form *f = c->form;
  const char *langs[2] = {"kk", "ru"};
  struct ag_buf b;
  int rc;

  ag_buf_init(&b, 4096);
  rc = ag_buf_adds(&b, "{\"school_name\":");
  rc = rc ? rc : ag_buf_json_str(&b, name);
  for (int l = 0; rc == AG_OK && l < 2; l++) {
    char key[16];
    struct sms_school_fit fit;
    snprintf(key, sizeof(key), "text_%s", langs[l]);
    const char *t = field(f, key);
    if (sms_school_check(name, t ? t : "", langs[l], c->api->ussd_budget, &fit) != AG_OK) {
      rc = ag_buf_printf(&b, ",\"%s\":{\"error\":\"not valid UTF-8\"}", key);
      continue;
    }
    rc =
        ag_buf_printf(&b,
                      ",\"%s\":{\"chars\":%zu,\"parts\":%zu,\"max_parts\":%d,\"units\":%zu,"
                      "\"units_left\":%ld,\"sms_ok\":%s,\"ussd_left\":%ld,\"ussd_ok\":%s}",
                      key, fit.chars, fit.parts, SMS_SCHOOL_MAX_PARTS, fit.units, fit.units_left,
                      fit.sms_ok ? "true" : "false", fit.ussd_left, fit.ussd_ok ? "true" : "false");
    if (rc == AG_OK && t && *t) {
      char sms[SMS_SCHOOL_TEXT_MAX];
      if (sms_school_text(name, t, langs[l], sms, sizeof(sms)) == AG_OK) {
        b.len--; /* reopen the object for the preview */
        rc = ag_buf_adds(&b, ",\"sms\":");
        rc = rc ? rc : ag_buf_json_str(&b, sms);
        rc = rc ? rc : ag_buf_adds(&b, "}");
      }
    }
  }
  rc = rc ? rc : ag_buf_adds(&b, "}\n");
  if (rc) {
    ag_buf_cleanup(&b);
    return gw_school_refuse(c, 500, "internal error");
  }
  gw_school_reply(c, &b);
}

static void on_school(void *arg, int rc, const struct store_rows *rows, const char *err)
{
  struct gw_school_call *c = arg;
  const struct ag_form *f = c->form;
  char why[200], closes[16];
  const char *name, *bad;

  if (rc != AG_OK)
    return gw_school_db_failed(c, rc, err);
  if (store_rows_n(rows) != 1)
    return gw_school_refuse(c, 404, "no such school");
  name = store_rows_value(rows, 0, 0);
  if (strcmp(c->action, "school.check") == 0)
    return check_reply(c, name);
  bad = validate(f, name, c->api->ussd_budget, why, sizeof(why));
  if (bad)
    return gw_school_refuse(c, 400, bad);
  {
    const char *on = field(f, "needed_on"), *cl = field(f, "closes_at");
    const char *gb = field(f, "grade_bands"), *oc = field(f, "offer_category");
    const char *people = field(f, "people"), *tk = field(f, "text_kk"), *tr = field(f, "text_ru");
    char sch[24], tok[24], bandsv[80];
    const struct gw_principal *p = gw_req_user(c->req);
    snprintf(sch, sizeof(sch), "%lld", c->school);
    snprintf(tok, sizeof(tok), "%lld", p ? p->id : 0);
    snprintf(bandsv, sizeof(bandsv), "{%s}", gb ? gb : "");
    /* Closes at the end of its local day (UTC+5); by default the day needed, or in 14 days. */
    snprintf(closes, sizeof(closes), "%s", cl && *cl ? cl : on && *on ? on : "");
    const char *params[11] = {sch,
                              tok,
                              field(f, "kind"),
                              tk ? tk : "",
                              tr ? tr : "",
                              on && *on ? on : NULL,
                              people && *people ? people : NULL,
                              bandsv,
                              oc && *oc ? oc : NULL,
                              *closes ? closes : NULL,
                              NULL};
    rc = store_read(c->api->school_db,
                    "INSERT INTO school_requests (school_id, token_id, kind, text_kk, text_ru,"
                    " needed_on, people, grade_bands, offer_category, closes_at)"
                    " VALUES ($1::integer, NULLIF($2, '0')::bigint, $3, $4, $5, $6::date,"
                    " $7::integer, $8::text[], $9,"
                    " (COALESCE($10::date, (now() AT TIME ZONE 'Asia/Almaty')::date + 14) + 1)"
                    "::timestamp AT TIME ZONE 'Asia/Almaty')"
                    " RETURNING id, to_char(closes_at AT TIME ZONE 'UTC',"
                    " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
                    10, params, on_created, c);
  }
  if (rc != AG_OK)
    gw_school_refuse(c, 503, "too many school queries waiting");
}

/* Both routes read the school's name first (the SMS names it), then check or create. */
static int with_school(void *ctx, struct gw_req *req, const char *action)
{
  struct gw_api *api = ctx;
  struct gw_school_call *c;
  struct ag_form *f = NULL;
  long long school;
  char err[200], sch[24];
  const char *params[1] = {sch};

  if (gw_school_scope(api, req, action, 1, &school) != AG_OK)
    return AG_OK;
  if (!(c = gw_school_call_new(api, req, action, school)))
    return AG_OK;
  if (parse_form(req, &f, err, sizeof(err)) != AG_OK) {
    gw_school_refuse(c, 400, err);
    return AG_OK;
  }
  c->form = f;
  snprintf(sch, sizeof(sch), "%lld", school);
  if (store_read(api->school_db, "SELECT name FROM schools WHERE id = $1::integer", 1, params,
                 on_school, c) != AG_OK) {
    gw_school_refuse(c, 503, "too many school queries waiting");
    return AG_OK;
  }
  gw_req_suspend(req);
  return AG_AGAIN;
}

int gw_api_school_check(void *ctx, struct gw_req *req)
{
  return with_school(ctx, req, "school.check");
}

int gw_api_school_create(void *ctx, struct gw_req *req)
{
  return with_school(ctx, req, "school.create");
}
