/* gw_api_tokens.c: the token cache and check, and the audit trail's writes (see gw_api.h). */
#include "gateway/api/gw_api.h"
#include "lib/ag.h"
#include "lib/ag_log.h"
#include "lib/ag_loop.h"
#include "lib/ag_token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIRST_RETRY_MS 200 /* until the first read succeeds (the store is still connecting) */
#define STALE_FACTOR   3

struct entry {
  long long id;
  enum gw_role role;
  char regions[512];
  uint8_t hash[AG_TOKEN_HASH_LEN];
  long long expires_us;
  int revoked;
  long long school;
};

struct gw_tokens {
  struct store *store; /* borrowed */
  struct ag_timer *timer;
  struct entry *v; /* owned */
  size_t n;
  long refresh_ms;
  long long loaded_mono; /* ag_mono_us() when the last good read was sent; 0: never */
  long long sent_mono;
  int in_flight;
  struct ag_metric *refusals; /* {cause} */
  struct ag_series *refresh_ok, *refresh_failed;
};

static const struct ag_metric_def def_refusals = {
    AG_METRIC_COUNTER,
    "aulgate_api_refusals_total",
    "Requests refused by the token check, by cause: missing, malformed, unknown, expired, "
    "revoked, stale (token list too old), role, region.",
    {"cause"},
    NULL,
    0};
static const struct ag_metric_def def_refreshes = {
    AG_METRIC_COUNTER,
    "aulgate_token_refreshes_total",
    "Reads of the tokens table into the cache, by outcome (ok, failed).",
    {"outcome"},
    NULL,
    0};
static const struct ag_metric_def def_cached =
    AG_METRIC_PLAIN(GAUGE, "aulgate_tokens_cached", "Tokens in the cache (revoked ones too).");

const char *gw_role_name(enum gw_role r)
{
  switch (r) {
  case GW_ROLE_OPERATOR:
    return "operator";
  case GW_ROLE_ANALYST:
    return "analyst";
  case GW_ROLE_ADMIN:
    return "admin";
  case GW_ROLE_SCHOOL:
    return "school";
  case GW_ROLE_ANY:
    break;
  }
  return "any";
}

static int role_parse(const char *s, enum gw_role *out)
{
  static const enum gw_role roles[] = {GW_ROLE_OPERATOR, GW_ROLE_ANALYST, GW_ROLE_ADMIN,
                                       GW_ROLE_SCHOOL};

  for (size_t i = 0; i < AG_ARRAY_LEN(roles); i++)
    if (strcmp(s, gw_role_name(roles[i])) == 0) {
      *out = roles[i];
      return AG_OK;
    }
  return AG_EINVAL;
}

static void refresh(void *arg);

static void on_tokens(void *arg, int rc, const struct store_token *rows, size_t n)
{
  struct gw_tokens *t = arg;
  struct entry *v = NULL;
  size_t k = 0;

  t->in_flight = 0;
  if (rc == AG_ECANCELED)
    return; /* the store is going away, and the cache with it */
  if (rc == AG_OK && n && !(v = calloc(n, sizeof(*v))))
    rc = AG_ENOMEM;
  for (size_t i = 0; rc == AG_OK && i < n; i++) {
    struct entry *e = &v[k];
    if (role_parse(rows[i].role, &e->role) != AG_OK)
      continue; /* the table's CHECK keeps other roles out */
    e->id = rows[i].id;
    snprintf(e->regions, sizeof(e->regions), "%s", rows[i].regions);
    memcpy(e->hash, rows[i].hash, AG_TOKEN_HASH_LEN);
    e->expires_us = rows[i].expires_us;
    e->revoked = rows[i].revoked;
    e->school = rows[i].school;
    if ((e->role == GW_ROLE_SCHOOL) != (e->school > 0))
      continue; /* the table's CHECK ties them: a school token without a school reaches none */
    k++;
  }
  if (rc != AG_OK) {
    free(v);
    ag_series_inc(t->refresh_failed);
    AG_LOGW("api.tokens_refresh_failed", "error=%s cached=%zu age_ms=%lld", ag_errname(rc), t->n,
            t->loaded_mono ? (ag_mono_us() - t->loaded_mono) / 1000 : -1);
    return;
  }
  if (!t->loaded_mono)
    AG_LOGI("api.tokens_loaded", "tokens=%zu", k);
  free(t->v);
  t->v = v;
  t->n = k;
  t->loaded_mono = t->sent_mono;
  ag_series_inc(t->refresh_ok);
}

static void refresh(void *arg)
{
  struct gw_tokens *t = arg;
  int rc;

  if (!t->in_flight) {
    t->sent_mono = ag_mono_us();
    rc = store_query_tokens(t->store, on_tokens, t);
    if (rc == AG_OK)
      t->in_flight = 1;
    else if (t->loaded_mono) /* not connected yet at start is no news */
      ag_series_inc(t->refresh_failed);
  }
  ag_timer_start(t->timer, t->loaded_mono ? t->refresh_ms : FIRST_RETRY_MS);
}

static double read_cached(void *arg)
{
  return (double)((struct gw_tokens *)arg)->n;
}

struct gw_tokens *gw_tokens_create(struct event_base *base, struct store *st,
                                   struct ag_metrics *reg, long refresh_ms)
{
  struct gw_tokens *t = calloc(1, sizeof(*t));
  struct ag_metric *refreshes;

  if (!t)
    return NULL;
  t->store = st;
  t->refresh_ms = refresh_ms;
  t->timer = ag_timer_create(base, refresh, t);
  t->refusals = ag_metrics_add(reg, &def_refusals);
  refreshes = ag_metrics_add(reg, &def_refreshes);
  t->refresh_ok = ag_metric_series1(refreshes, "ok");
  t->refresh_failed = ag_metric_series1(refreshes, "failed");
  if (!t->timer || !t->refusals || !t->refresh_ok || !t->refresh_failed ||
      !ag_metrics_add_fn(reg, &def_cached, read_cached, t) ||
      ag_timer_start(t->timer, FIRST_RETRY_MS) != AG_OK) {
    gw_tokens_destroy(t);
    return NULL;
  }
  return t;
}

void gw_tokens_stop(struct gw_tokens *t)
{
  if (t)
    ag_timer_stop(t->timer);
}

void gw_tokens_destroy(struct gw_tokens *t)
{
  if (!t)
    return;
  ag_timer_destroy(t->timer);
  free(t->v);
  free(t);
}

size_t gw_tokens_count(const struct gw_tokens *t)
{
  return t->n;
}

/* The entry whose hash is h, or NULL. Every entry is compared, in constant time, and the scan
 * never stops early: how long it takes says nothing of which hash was close. */
static const struct entry *find(const struct gw_tokens *t, const uint8_t *h)
{
  const struct entry *found = NULL;

  for (size_t i = 0; i < t->n; i++)
    if (ag_token_hash_equal(t->v[i].hash, h))
      found = &t->v[i];
  return found;
}

static int refuse(struct gw_api *api, struct gw_req *req, const struct entry *e, const char *cause,
                  int rc, const char *msg, const char **why)
{
  char ip[64], q[300];

  ag_series_inc(ag_metric_series1(api->tokens->refusals, cause));
  AG_LOGW("api.denied", "req=%s path=%s peer=%s cause=%s token=%lld", gw_req_id(req),
          ag_log_quote(gw_req_path(req), q, sizeof(q)), gw_req_peer(req, ip, sizeof(ip)), cause,
          e ? e->id : 0);
  /* Only a known token's refusals: anyone can send garbage, which must not fill the table. */
  if (e) {
    struct gw_principal p = {.id = e->id, .role = e->role};
    char action[300];
    snprintf(action, sizeof(action), "%s %s", gw_req_method(req), gw_req_path(req));
    gw_api_audit(api, req, &p, action, "", rc == AG_EDENIED ? 403 : 401, cause);
  }
  *why = msg;
  return rc;
}

int gw_tokens_check(void *arg, struct gw_req *req, enum gw_role role, const char **why)
{
  struct gw_api *api = arg;
  struct gw_tokens *t = api->tokens;
  const char *tok;
  uint8_t h[AG_TOKEN_HASH_LEN];
  const struct entry *e;
  struct gw_principal *p;
  int rc = ag_token_parse_bearer(gw_req_header(req, "Authorization"), &tok);

  if (rc == AG_ENOTFOUND)
    return refuse(api, req, NULL, "missing", AG_ENOTFOUND,
                  "missing token: send Authorization: Bearer <token>", why);
  if (rc)
    return refuse(api, req, NULL, "malformed", AG_EBADREQ,
                  "malformed Authorization header: expected Bearer ag_ and 32 characters", why);
  if (!t->loaded_mono || ag_mono_us() - t->loaded_mono > STALE_FACTOR * t->refresh_ms * 1000LL)
    return refuse(api, req, NULL, "stale", AG_ESTATE,
                  "tokens cannot be checked: the token list could not be read from the database",
                  why);
  ag_token_hash(tok, AG_TOKEN_LEN, h);
  e = find(t, h);
  if (!e)
    return refuse(api, req, NULL, "unknown", AG_ENOTFOUND, "unknown token", why);
  if (e->revoked)
    return refuse(api, req, e, "revoked", AG_ENOTFOUND, "token revoked", why);
  if (e->expires_us && ag_now_us() >= e->expires_us)
    return refuse(api, req, e, "expired", AG_ENOTFOUND, "token expired", why);
  if (role != GW_ROLE_ANY && e->role != GW_ROLE_ADMIN && e->role != role)
    return refuse(api, req, e, "role", AG_EDENIED, "this token's role may not use this route", why);
  p = malloc(sizeof(*p));
  if (!p)
    return refuse(api, req, NULL, "memory", AG_ENOMEM, "out of memory", why);
  *p = (struct gw_principal){
      .id = e->id, .role = e->role, .expires_us = e->expires_us, .school = e->school};
  memcpy(p->regions, e->regions, sizeof(p->regions));
  gw_req_set_user(req, p, free);
  return AG_OK;
}

int gw_api_region_allowed(const struct gw_principal *p, const char *region)
{
  size_t n = strlen(region);
  const char *s = p->regions;

  if (!*s)
    return 1;
  while (*s) {
    size_t k = strcspn(s, ",");
    if (k == n && n > 0 && memcmp(s, region, n) == 0)
      return 1;
    s += k + (s[k] == ',');
  }
  return 0;
}
