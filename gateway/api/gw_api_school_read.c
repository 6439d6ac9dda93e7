/* gw_api_school_read.c: what a school reads (gw_api.h): its requests with counts, the parents
 * who chose to share themselves for one request, the knowledge funds of its linked parents as
 * counts, and closing a request. Every count that could single out a family is shown as "fewer
 * than school_min_count" (docs/privacy.md, "What a school sees"); the route of one request
 * answers 403 when the request is another school's, 404 when there is none. */
#include "gateway/api/gw_api_school-internal.h"
#include "lib/ag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gw_school_suppress(const long long *cells, size_t n, long k, int has_total, int *hidden)
{
  size_t nh = 0, best = n;

  for (size_t i = 0; i < n; i++) {
    hidden[i] = cells[i] > 0 && cells[i] < k;
    nh += (size_t)hidden[i];
  }
  if (!has_total || nh != 1)
    return;
  for (size_t i = 0; i < n; i++)
    if (!hidden[i] && cells[i] > 0 && (best == n || cells[i] < cells[best]))
      best = i;
  if (best < n)
    hidden[best] = 1;
}

/* "name":N, or "name":null with the bound, when hidden. */
static int count(struct ag_buf *b, const char *name, long long v, int hidden, long k)
{
  if (hidden)
    return ag_buf_printf(b, "\"%s\":null,\"%s_fewer_than\":%ld", name, name, k);
  return ag_buf_printf(b, "\"%s\":%lld", name, v);
}

/* --- GET /api/v1/school/requests ------------------------------------------------------------ */

static void on_list(void *arg, int rc, const struct store_rows *rows, const char *err)
{
  struct gw_school_call *c = arg;
  long k = c->api->school_k;
  struct ag_buf b;

  if (rc != AG_OK)
    return gw_school_db_failed(c, rc, err);
  ag_buf_init(&b, 4u << 20);
  rc = ag_buf_printf(&b, "{\"school\":%lld,\"min_count\":%ld,\"requests\":[", c->school, k);
  for (int i = 0; rc == AG_OK && i < store_rows_n(rows); i++) {
    long long cells[3];
    int hidden[3];
    for (int j = 0; j < 3; j++)
      cells[j] = atoll(store_rows_value(rows, i, 12 + j));
    gw_school_suppress(cells, 3, k, 0, hidden);
    rc = ag_buf_printf(&b, "%s{\"id\":%s,\"kind\":\"%s\",\"text_kk\":", i ? "," : "",
                       store_rows_value(rows, i, 0), store_rows_value(rows, i, 1));
    rc = rc ? rc : ag_buf_json_str(&b, store_rows_value(rows, i, 2));
    rc = rc ? rc : ag_buf_adds(&b, ",\"text_ru\":");
    rc = rc ? rc : ag_buf_json_str(&b, store_rows_value(rows, i, 3));
    rc = rc ? rc
            : ag_buf_printf(&b,
                            ",\"needed_on\":%s%s%s,\"people\":%s,\"grade_bands\":\"%s\","
                            "\"offer_category\":\"%s\",\"created_at\":\"%s\",\"closes_at\":\"%s\","
                            "\"state\":\"%s\",\"delivered\":%s,\"answers\":{",
                            *store_rows_value(rows, i, 4) ? "\"" : "",
                            *store_rows_value(rows, i, 4) ? store_rows_value(rows, i, 4) : "null",
                            *store_rows_value(rows, i, 4) ? "\"" : "",
                            *store_rows_value(rows, i, 5) ? store_rows_value(rows, i, 5) : "null",
                            store_rows_value(rows, i, 6), store_rows_value(rows, i, 7),
                            store_rows_value(rows, i, 8), store_rows_value(rows, i, 9),
                            store_rows_value(rows, i, 10), store_rows_value(rows, i, 11));
    rc = rc ? rc : count(&b, "help", cells[0], hidden[0], k);
    rc = rc ? rc : ag_buf_adds(&b, ",");
    rc = rc ? rc : count(&b, "not_now", cells[1], hidden[1], k);
    rc = rc ? rc : ag_buf_adds(&b, ",");
    rc = rc ? rc : count(&b, "more", cells[2], hidden[2], k);
    rc = rc ? rc : ag_buf_printf(&b, "},\"shared\":%s}", store_rows_value(rows, i, 15));
  }
  rc = rc ? rc : ag_buf_adds(&b, "]}\n");
  if (rc) {
    ag_buf_cleanup(&b);
    return gw_school_refuse(c, 500, "internal error");
  }
  gw_school_reply(c, &b);
}

#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* Shares are not counts a school could not have: each is a parent's choice to be seen. */
static const char list_sql[] =
    "SELECT r.id, r.kind, r.text_kk, r.text_ru, COALESCE(r.needed_on::text, ''),"
    " COALESCE(r.people::text, ''), array_to_string(r.grade_bands, ','),"
    " COALESCE(r.offer_category, ''), " TS("r.created_at") ", " TS(
        "r.closes_at") ","
                       " CASE WHEN r.closed_at IS NOT NULL THEN 'closed' WHEN r.closes_at <= now() "
                       "THEN 'expired'"
                       " ELSE 'open' END,"
                       " (SELECT count(*) FROM school_deliveries d WHERE d.request_id = r.id),"
                       " a.help, a.not_now, a.more,"
                       " (SELECT count(*) FROM school_shares s WHERE s.request_id = r.id)"
                       " FROM school_requests r CROSS JOIN LATERAL (SELECT"
                       " count(*) FILTER (WHERE answer = 'help') AS help,"
                       " count(*) FILTER (WHERE answer = 'not_now') AS not_now,"
                       " count(*) FILTER (WHERE answer = 'more') AS more"
                       " FROM school_answers x WHERE x.request_id = r.id) a"
                       " WHERE r.school_id = $1::integer ORDER BY r.id DESC LIMIT 200";

/* --- GET /api/v1/school/offers -------------------------------------------------------------- */

static const char offers_sql[] =
    "SELECT '_linked', count(DISTINCT (respondent, relation)) FROM school_links"
    " WHERE school_id = $1::integer AND unlinked_at IS NULL"
    " UNION ALL SELECT c, (SELECT count(*) FROM school_links l JOIN school_offers o"
    " USING (respondent, relation) WHERE l.school_id = $1::integer AND l.unlinked_at IS NULL"
    " AND o.category = c) FROM unnest(ARRAY['profession', 'craft', 'sport', 'traditions',"
    " 'transport', 'repairs', 'cooking', 'event_time']) AS c";

static void on_offers(void *arg, int rc, const struct store_rows *rows, const char *err)
{
  struct gw_school_call *c = arg;
  long k = c->api->school_k;
  struct ag_buf b;

  if (rc != AG_OK)
    return gw_school_db_failed(c, rc, err);
  ag_buf_init(&b, 8192);
  rc = ag_buf_printf(&b, "{\"school\":%lld,\"min_count\":%ld,", c->school, k);
  for (int i = 0; rc == AG_OK && i < store_rows_n(rows); i++) {
    long long v = atoll(store_rows_value(rows, i, 1));
    int hidden;
    gw_school_suppress(&v, 1, k, 0, &hidden);
    rc = count(&b, i ? store_rows_value(rows, i, 0) : "linked", v, hidden, k);
    rc = rc ? rc
            : ag_buf_adds(&b, i == 0                       ? ",\"offers\":{"
                              : i + 1 < store_rows_n(rows) ? ","
                                                           : "");
  }
  rc = rc ? rc : ag_buf_adds(&b, "}}\n");
  if (rc) {
    ag_buf_cleanup(&b);
    return gw_school_refuse(c, 500, "internal error");
  }
  gw_school_reply(c, &b);
}

static int start(struct gw_api *api, struct gw_req *req, const char *action, int need,
                 const char *sql, const char *id, store_read_cb cb)
{
  struct gw_school_call *c;
  long long school;
  char sch[24];
  const char *params[2] = {sch, id};

  if (gw_school_scope(api, req, action, need, &school) != AG_OK)
    return AG_OK;
  if (!(c = gw_school_call_new(api, req, action, school)))
    return AG_OK;
  snprintf(sch, sizeof(sch), "%lld", school);
  if (id)
    snprintf(c->target, sizeof(c->target), "school=%lld request=%s", school, id);
  if (store_read(api->school_db, sql, id ? 2 : 1, params, cb, c) != AG_OK) {
    gw_school_refuse(c, 503, "too many school queries waiting");
    return AG_OK;
  }
  gw_req_suspend(req);
  return AG_AGAIN;
}

int gw_api_school_list(void *ctx, struct gw_req *req)
{
  return start(ctx, req, "school.requests", 1, list_sql, NULL, on_list);
}

int gw_api_school_offers(void *ctx, struct gw_req *req)
{
  return start(ctx, req, "school.offers", 1, offers_sql, NULL, on_offers);
}

/* --- /api/v1/school/requests/{id}/shares and /{id}/close ------------------------------------ */

/* The first row is the request's (school, state); then the shares. $1: the caller's school (0:
 * an admin, any). 403 is decided here, after the read: the request's school is in the table. */
#define SHARED_AT TS("s.shared_at")
static const char shares_sql[] =
    "SELECT school, msisdn, first_name, at FROM (SELECT 0 AS k, r.school_id::text AS school,"
    " '' AS msisdn, '' AS first_name, '' AS at, NULL::timestamptz AS t FROM school_requests r"
    " WHERE r.id = $2::bigint UNION ALL SELECT 1, '', s.msisdn, s.first_name, " SHARED_AT ","
    " s.shared_at FROM school_shares s JOIN school_requests r ON r.id = s.request_id"
    " WHERE s.request_id = $2::bigint AND ($1::integer = 0 OR r.school_id = $1::integer)) x"
    " ORDER BY k, t";

static const char close_sql[] =
    "WITH r AS (SELECT id, school_id, closed_at FROM school_requests WHERE id = $2::bigint),"
    " u AS (UPDATE school_requests s SET closed_at = now() FROM r WHERE s.id = r.id"
    " AND ($1::integer = 0 OR r.school_id = $1::integer) AND r.closed_at IS NULL RETURNING s.id)"
    " SELECT r.school_id::text, (SELECT count(*) FROM u)::text, '', '' FROM r";

/* Row 0 names the request's school: 404 without it, 403 when not the caller's. */
static int owned(struct gw_school_call *c, const struct store_rows *rows)
{
  if (store_rows_n(rows) < 1 || !*store_rows_value(rows, 0, 0)) {
    gw_school_refuse(c, 404, "no such request");
    return 0;
  }
  if (c->school && atoll(store_rows_value(rows, 0, 0)) != c->school) {
    gw_school_refuse(c, 403, "this request is another school's");
    return 0;
  }
  c->school = atoll(store_rows_value(rows, 0, 0));
  return 1;
}

static void on_shares(void *arg, int rc, const struct store_rows *rows, const char *err)
{
  struct gw_school_call *c = arg;
  struct ag_buf b;

  if (rc != AG_OK)
    return gw_school_db_failed(c, rc, err);
  if (!owned(c, rows))
    return;
  ag_buf_init(&b, 1u << 20);
  rc = ag_buf_printf(&b, "{\"request\":%lld,\"school\":%lld,\"shared\":[", c->id, c->school);
  for (int i = 1; rc == AG_OK && i < store_rows_n(rows); i++) {
    rc = ag_buf_printf(&b, "%s{\"msisdn\":\"%s\",\"first_name\":", i > 1 ? "," : "",
                       store_rows_value(rows, i, 1));
    rc = rc ? rc : ag_buf_json_str(&b, store_rows_value(rows, i, 2));
    rc = rc ? rc : ag_buf_printf(&b, ",\"shared_at\":\"%s\"}", store_rows_value(rows, i, 3));
  }
  rc = rc ? rc : ag_buf_adds(&b, "]}\n");
  if (rc) {
    ag_buf_cleanup(&b);
    return gw_school_refuse(c, 500, "internal error");
  }
  gw_school_reply(c, &b);
}

static void on_close(void *arg, int rc, const struct store_rows *rows, const char *err)
{
  struct gw_school_call *c = arg;
  struct ag_buf b;

  if (rc != AG_OK)
    return gw_school_db_failed(c, rc, err);
  if (!owned(c, rows))
    return;
  ag_buf_init(&b, 256);
  rc = ag_buf_printf(&b, "{\"id\":%lld,\"closed\":%s}\n", c->id,
                     strcmp(store_rows_value(rows, 0, 1), "1") == 0 ? "true" : "false");
  if (rc) {
    ag_buf_cleanup(&b);
    return gw_school_refuse(c, 500, "internal error");
  }
  gw_school_reply(c, &b);
}

/* /api/v1/school/requests/{id}/{what}: the id in id (digits), 1 when the path is that. */
static int one_request(const char *path, const char *what, char *id, size_t cap)
{
  static const char pre[] = "/api/v1/school/requests/";
  const char *s = path + sizeof(pre) - 1;
  size_t n = strspn(s, "0123456789");

  if (strncmp(path, pre, sizeof(pre) - 1) != 0 || n == 0 || n > 15 || s[n] != '/' ||
      strcmp(s + n + 1, what) != 0 || n >= cap)
    return 0;
  memcpy(id, s, n);
  id[n] = '\0';
  return 1;
}

static int by_id(void *ctx, struct gw_req *req, const char *what, const char *action,
                 const char *sql, store_read_cb cb)
{
  struct gw_api *api = ctx;
  struct gw_school_call *c;
  long long school;
  char id[24], sch[24];
  const char *params[2] = {sch, id};

  if (!one_request(gw_req_path(req), what, id, sizeof(id)))
    return gw_api_error(req, 404, "no such route: /api/v1/school/requests/{id}/shares or /close");
  if (gw_school_scope(api, req, action, 0, &school) != AG_OK)
    return AG_OK;
  if (!(c = gw_school_call_new(api, req, action, school)))
    return AG_OK;
  c->id = atoll(id);
  snprintf(sch, sizeof(sch), "%lld", school);
  snprintf(c->target, sizeof(c->target), "request=%s", id);
  if (store_read(api->school_db, sql, 2, params, cb, c) != AG_OK) {
    gw_school_refuse(c, 503, "too many school queries waiting");
    return AG_OK;
  }
  gw_req_suspend(req);
  return AG_AGAIN;
}

int gw_api_school_shares(void *ctx, struct gw_req *req)
{
  return by_id(ctx, req, "shares", "school.shares", shares_sql, on_shares);
}

int gw_api_school_close(void *ctx, struct gw_req *req)
{
  return by_id(ctx, req, "close", "school.close", close_sql, on_close);
}
