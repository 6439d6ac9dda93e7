/* gw_server.c: `aulgate serve`: set-up, /healthz (gw_health.c), signals and a graceful stop.
 *
 * On SIGTERM or SIGINT the server stops accepting connections, waits (up to shutdown_grace_ms)
 * until every answer being committed has committed and its hop has been answered, then exits 0.
 */
#include "gateway/gw_server.h"
#include "lib/ag.h"
#include "lib/ag_buf.h"
#include "lib/ag_log.h"
#include "lib/ag_phone.h"

#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

static int ussd_step(void *ctx, struct gw_req *req)
{
  struct gw_carrier_route *cr = ctx;

  return gw_ussd_step(&cr->srv->ussd, cr->carrier, req);
}

static int ussd_end(void *ctx, struct gw_req *req)
{
  struct gw_carrier_route *cr = ctx;

  return gw_ussd_end(&cr->srv->ussd, cr->carrier, req);
}

/* A carrier proving itself by a secret path segment: one route under its path, the step at
 * path/SECRET and the end notice at path/SECRET/end; both check the segment (gw_carrier_verify),
 * so that the route table never compares the secret in variable time. */
static int ussd_secret_path(void *ctx, struct gw_req *req)
{
  struct gw_carrier_route *cr = ctx;
  const char *path = gw_req_path(req);
  size_t n = strlen(path);

  if (n >= 4 && strcmp(path + n - 4, "/end") == 0 &&
      gw_carrier_has(cr->carrier, GW_DIALECT_F_USSD_END))
    return gw_ussd_end(&cr->srv->ussd, cr->carrier, req);
  return gw_ussd_step(&cr->srv->ussd, cr->carrier, req);
}

/* /healthz, then for each carrier with USSD its step (POST path) and end notice (path/end). */
static void routes_build(struct gw_server *srv)
{
  struct gw_route *rt = srv->routes;

  *rt++ = (struct gw_route){"GET", "/healthz", GW_MATCH_EXACT,  GW_AUTH_NONE,
                            0,     NULL,       gw_health_reply, srv};
  /* Prometheus scrapes from an address of metrics_allow_ips, anyone else shows a token. */
  *rt++ = (struct gw_route){"GET",          "/metrics",       GW_MATCH_EXACT,
                            GW_AUTH_TOKEN,  GW_ROLE_OPERATOR, &srv->cfg.metrics_allow_ips,
                            gw_api_metrics, &srv->api};
  *rt++ = (struct gw_route){"GET", "/api/v1/whoami", GW_MATCH_EXACT, GW_AUTH_TOKEN, GW_ROLE_ANY,
                            NULL,  gw_api_whoami,    &srv->api};
  *rt++ = (struct gw_route){
      "GET", "/api/v1/sessions",   GW_MATCH_EXACT, GW_AUTH_TOKEN, GW_ROLE_OPERATOR,
      NULL,  gw_api_sessions_list, &srv->api};
  *rt++ = (struct gw_route){
      "DELETE", "/api/v1/sessions",  GW_MATCH_PREFIX, GW_AUTH_TOKEN, GW_ROLE_OPERATOR,
      NULL,     gw_api_sessions_end, &srv->api};
  /* An operator switches a parent's SMS tips off (a parent who asked the hotline). */
  *rt++ = (struct gw_route){
      "DELETE", "/api/v1/subscriptions/", GW_MATCH_PREFIX, GW_AUTH_TOKEN, GW_ROLE_OPERATOR,
      NULL,     gw_api_subs_delete,       &srv->api};
  *rt++ = (struct gw_route){"GET", "/api/v1/stats", GW_MATCH_EXACT, GW_AUTH_TOKEN, GW_ROLE_OPERATOR,
                            NULL,  gw_api_stats,    &srv->api};
  *rt++ =
      (struct gw_route){"GET", "/api/v1/events", GW_MATCH_EXACT, GW_AUTH_TOKEN, GW_ROLE_OPERATOR,
                        NULL,  gw_api_events,    &srv->api};
  /* The pages are public: they hold no data, the token is typed into them (decision 65). */
  for (size_t i = 0; i < gw_pages_count(srv->pages); i++) {
    const char *path = gw_pages_path(srv->pages, i);
    struct gw_page *pg = gw_pages_page(srv->pages, i);
    *rt++ =
        (struct gw_route){"GET", path, GW_MATCH_PREFIX, GW_AUTH_NONE, 0, NULL, gw_pages_serve, pg};
    *rt++ =
        (struct gw_route){"HEAD", path, GW_MATCH_PREFIX, GW_AUTH_NONE, 0, NULL, gw_pages_serve, pg};
  }
  {
    static const struct {
      const char *method, *path;
      enum gw_match match;
      gw_route_fn fn;
    } school[] = {
        {"POST", "/api/v1/school/requests/check", GW_MATCH_EXACT, gw_api_school_check},
        {"POST", "/api/v1/school/requests", GW_MATCH_EXACT, gw_api_school_create},
        {"GET", "/api/v1/school/requests", GW_MATCH_EXACT, gw_api_school_list},
        {"GET", "/api/v1/school/offers", GW_MATCH_EXACT, gw_api_school_offers},
        {"GET", "/api/v1/school/requests/", GW_MATCH_PREFIX, gw_api_school_shares},
        {"POST", "/api/v1/school/requests/", GW_MATCH_PREFIX, gw_api_school_close},
    };
    for (size_t i = 0; i < AG_ARRAY_LEN(school); i++)
      *rt++ = (struct gw_route){school[i].method, school[i].path, school[i].match, GW_AUTH_TOKEN,
                                GW_ROLE_SCHOOL,   NULL,           school[i].fn,    &srv->api};
  }
  *rt++ =
      (struct gw_route){"GET", "/api/v1/results", GW_MATCH_EXACT, GW_AUTH_TOKEN, GW_ROLE_ANALYST,
                        NULL,  gw_api_results,    &srv->api};
  /* What a region sees of its schools' requests (issue 13 item 6): the analysts' role too. */
  *rt++ = (struct gw_route){
      "GET", "/api/v1/results/schools", GW_MATCH_EXACT, GW_AUTH_TOKEN, GW_ROLE_ANALYST,
      NULL,  gw_api_results_schools,    &srv->api};
  for (size_t i = 0; i < srv->carriers.n; i++) {
    const struct gw_carrier *c = srv->carriers.v[i];
    struct gw_carrier_route *cr = &srv->carrier_routes[i];
    *cr = (struct gw_carrier_route){srv, c};
    if (c->auth == GW_CARRIER_AUTH_PATH && gw_carrier_has(c, GW_DIALECT_F_USSD)) {
      *rt++ = (struct gw_route){"POST", c->path,   GW_MATCH_PREFIX,  GW_AUTH_CARRIER,
                                0,      &c->allow, ussd_secret_path, cr};
      continue;
    }
    if (gw_carrier_has(c, GW_DIALECT_F_USSD))
      *rt++ = (struct gw_route){"POST", c->path,   GW_MATCH_EXACT, GW_AUTH_CARRIER,
                                0,      &c->allow, ussd_step,      cr};
    if (gw_carrier_has(c, GW_DIALECT_F_USSD_END))
      *rt++ = (struct gw_route){"POST", c->end_path, GW_MATCH_EXACT, GW_AUTH_CARRIER,
                                0,      &c->allow,   ussd_end,       cr};
    rt += gw_sms_routes(&srv->sms, c, rt);
  }
  srv->n_routes = (size_t)(rt - srv->routes);
}

static const struct ag_metric_def def_sessions_ended = {
    AG_METRIC_COUNTER,
    "aulgate_sessions_ended_total",
    "USSD sessions ended, by carrier and reason: screen (completed: the gateway sent END), idle "
    "and max (timed out), carrier (ended by the carrier), shutdown, refused.",
    {"carrier", "reason"},
    NULL,
    0};

static void on_session_end(void *arg, struct sess_session *s)
{
  struct gw_server *srv = arg;
  char q[600], phone[AG_PHONE_MAX];
  long long now = ag_now_us();

  ag_series_inc(ag_metric_series2(srv->sessions_ended, sess_session_carrier(s),
                                  sess_end_reason_name(sess_session_ended(s))));
  gw_stats_ended(&srv->stats, sess_session_ended(s), sess_session_question(s), sess_session_file(s),
                 sess_session_screen(s), now);
  AG_LOGI("ussd.session_end", "carrier=%s session=%s phone=%s reason=%s hops=%zu ms=%lld",
          sess_session_carrier(s), ag_log_quote(sess_session_id(s), q, sizeof(q)),
          sess_session_phone_masked(s, phone, sizeof(phone)),
          sess_end_reason_name(sess_session_ended(s)), sess_session_hops(s),
          (now - sess_session_created_us(s)) / 1000);
}

/* The places list as the database holds it: a department may have added districts by SQL. */
struct places {
  struct sess_place *v; /* owned, strings owned */
  size_t n, cap;
};

static char *dup_or_null(const char *s)
{
  return s ? strdup(s) : NULL;
}

static int place_row(void *arg, const struct store_place *p)
{
  struct places *pl = arg;
  struct sess_place *sp;

  if (pl->n == pl->cap) {
    size_t cap = pl->cap ? pl->cap * 2 : 256;
    struct sess_place *v = realloc(pl->v, cap * sizeof(*v));
    if (!v)
      return AG_ENOMEM;
    pl->v = v;
    pl->cap = cap;
  }
  sp = &pl->v[pl->n++];
  memset(sp, 0, sizeof(*sp));
  sp->code = dup_or_null(p->code);
  sp->region = dup_or_null(p->region_code);
  sp->kind = dup_or_null(p->kind);
  for (int l = 0; l < SESS_NLANG; l++)
    sp->name[l] = dup_or_null(p->name[l]);
  return sp->code && sp->name[0] && sp->name[1] && sp->name[2] ? AG_OK : AG_ENOMEM;
}

static void places_free(struct places *pl)
{
  for (size_t i = 0; i < pl->n; i++) {
    free((char *)pl->v[i].code);
    free((char *)pl->v[i].region);
    free((char *)pl->v[i].kind);
    for (int l = 0; l < SESS_NLANG; l++)
      free((char *)pl->v[i].name[l]);
  }
  free(pl->v);
}

/* Every carrier with its own budget must be able to show every screen too (the content load
 * checked the default one). */
static int check_carrier_budgets(struct gw_server *srv, const struct sess_content *c, char *err,
                                 size_t errlen)
{
  for (size_t i = 0; i < srv->carriers.n; i++) {
    const struct gw_carrier *cr = srv->carriers.v[i];
    char why[400];
    if (cr->budget.ucs2 == srv->budget.ucs2 && cr->budget.gsm7 == srv->budget.gsm7)
      continue;
    if (sess_content_check(c, &cr->budget, why, sizeof(why))) {
      snprintf(err, errlen, "carrier '%s' (budget %ld/%ld): %s", cr->name, cr->budget.ucs2,
               cr->budget.gsm7, why);
      return AG_ECONTENT;
    }
  }
  return AG_OK;
}

/* Builds content/ with the places the database read gave (read_rc AG_OK and some places), or
 * else with the places file of content/, said in the log. */
static int content_build(struct gw_server *srv, int read_rc, const char *why,
                         const struct places *pl, struct sess_content **out, char *err,
                         size_t errlen)
{
  char q[300];
  int rc;

  if (read_rc || pl->n == 0) {
    AG_LOGW(
        "content.places_from_file", "reason=%s",
        ag_log_quote(read_rc ? why : "no places in the database (run aulgate seed)", q, sizeof(q)));
    rc = sess_content_load(srv->cfg.content_dir, &srv->budget, NULL, 0, out, err, errlen);
  } else {
    rc = sess_content_load(srv->cfg.content_dir, &srv->budget, pl->v, pl->n, out, err, errlen);
  }
  if (rc == AG_OK && (rc = check_carrier_budgets(srv, *out, err, errlen)) != AG_OK) {
    sess_content_unref(*out);
    *out = NULL;
  }
  return rc;
}

/* At start, before the loop runs: the places are read synchronously. */
static int content_load(struct gw_server *srv, struct sess_content **out, char *err, size_t errlen)
{
  struct places pl = {0};
  char why[256];
  int rc = store_places_read(srv->cfg.db, place_row, &pl, why, sizeof(why));

  rc = content_build(srv, rc, why, &pl, out, err, errlen);
  places_free(&pl);
  return rc;
}

/* A SIGHUP reload in flight: its places arrive from the database on the loop, so no hop waits
 * for the read. */
struct gw_reload {
  struct gw_server *srv; /* borrowed */
  struct places pl;      /* owned: what the read delivered so far */
  struct store_places_fetch *fetch;
};

#define RELOAD_READ_TIMEOUT_MS 30000 /* then the places file, as when the database is down */

static void reload_start(struct gw_server *srv);

static int reload_row(void *arg, const struct store_place *p)
{
  return place_row(&((struct gw_reload *)arg)->pl, p);
}

static void reload_swap(struct gw_server *srv, int read_rc, const char *why,
                        const struct places *pl)
{
  struct sess_content *fresh;
  char err[512], q[600];

  if (content_build(srv, read_rc, why, pl, &fresh, err, sizeof(err))) {
    ag_series_inc(srv->reload_failures);
    AG_LOGE("content.reload_failed", "error=%s kept_generation=%u", ag_log_quote(err, q, sizeof(q)),
            sess_content_generation(srv->content));
    return;
  }
  sess_content_unref(srv->content);
  srv->content = fresh;
  srv->ussd.content = fresh;
  AG_LOGI("content.reloaded", "generation=%u live_sessions=%zu", sess_content_generation(fresh),
          sess_table_live(srv->sessions));
}

static void reload_done(void *arg, int rc, const char *why)
{
  struct gw_reload *r = arg;
  struct gw_server *srv = r->srv;

  srv->reload = NULL;
  if (rc != AG_ECANCELED)
    reload_swap(srv, rc, why, &r->pl);
  places_free(&r->pl);
  free(r);
  if (rc != AG_ECANCELED && srv->reload_again) {
    srv->reload_again = 0;
    reload_start(srv);
  }
}

static void reload_start(struct gw_server *srv)
{
  struct gw_reload *r = calloc(1, sizeof(*r));
  struct places none = {0};

  if (r) {
    r->srv = srv;
    if (store_places_fetch(srv->base, srv->cfg.db, RELOAD_READ_TIMEOUT_MS, reload_row, reload_done,
                           r, &r->fetch) == AG_OK) {
      srv->reload = r;
      return;
    }
    free(r);
  }
  reload_swap(srv, AG_ENOMEM, "out of memory", &none);
}

/* SIGHUP: a new content snapshot for new sessions; a live session keeps the one it started
 * with (its reference), so nobody's survey changes under them. A SIGHUP during a reload is
 * remembered: one more reload follows, so the last edit is never missed. */
static void on_reload(evutil_socket_t sig, short what, void *arg)
{
  struct gw_server *srv = arg;

  (void)sig;
  (void)what;
  if (srv->reload) {
    srv->reload_again = 1;
    return;
  }
  reload_start(srv);
}

static void on_drain(evutil_socket_t fd, short what, void *arg)
{
  struct gw_server *srv = arg;
  size_t pending = store_pending(srv->store) + gw_sms_busy(&srv->sms),
         waiting = gw_http_suspended(srv->http);

  (void)fd;
  (void)what;
  if ((pending == 0 && waiting == 0) || ag_now_us() >= srv->drain_deadline_us) {
    AG_LOGI("server.stopped", "pending_answers=%zu waiting_requests=%zu", pending, waiting);
    event_base_loopbreak(srv->base);
  }
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
  struct gw_server *srv = arg;
  struct timeval tick = {0, 20000};

  (void)what;
  if (srv->stopping)
    return;
  srv->stopping = 1;
  AG_LOGI("server.stopping", "signal=%d pending_answers=%zu", (int)sig, store_pending(srv->store));
  gw_http_quiesce(srv->http);
  gw_sms_quiesce(&srv->sms);
  srv->drain_deadline_us = ag_now_us() + srv->cfg.shutdown_grace_ms * 1000;
  srv->ev_drain = event_new(srv->base, -1, EV_PERSIST, on_drain, srv);
  if (!srv->ev_drain || event_add(srv->ev_drain, &tick) != 0)
    event_base_loopbreak(srv->base);
}

static int entry_ok(const struct gw_server *srv)
{
  struct sess_reply first;

  return sess_replay(srv->content, &srv->budget, srv->cfg.ussd_entry, NULL, NULL, 0, &first) ==
         AG_OK;
}

/* An address on some carrier's allow list: exempt from the per-address limits. */
static int carrier_address(void *arg, const struct sockaddr *sa)
{
  const struct gw_server *srv = arg;

  for (size_t i = 0; i < srv->carriers.n; i++)
    if (ag_iplist_match(&srv->carriers.v[i]->allow, sa))
      return 1;
  return 0;
}

static int setup(struct gw_server *srv)
{
  struct store_config scfg = {.conninfo = srv->cfg.db,
                              .batch_max = srv->cfg.db_batch_max,
                              .queue_max = srv->cfg.db_queue_max,
                              .connections = srv->cfg.db_connections,
                              .reconnect_ms = srv->cfg.db_reconnect_ms,
                              .connect_timeout_ms = srv->cfg.db_connect_timeout_ms,
                              .stall_ms = srv->cfg.hop_deadline_ms,
                              .commit_margin_ms = srv->cfg.db_commit_margin_ms};
  struct gw_http_config hcfg = {.host = srv->cfg.listen_host,
                                .port = srv->cfg.listen_port,
                                .max_body = (size_t)srv->cfg.max_body_bytes,
                                .max_connections = (unsigned)srv->cfg.max_connections,
                                .connection_timeout_s = (unsigned)srv->cfg.http_idle_timeout_s,
                                .request_timeout_s = (unsigned)srv->cfg.http_request_timeout_s,
                                .per_ip = (unsigned)srv->cfg.max_connections_per_ip,
                                .reserved = (unsigned)srv->cfg.carrier_reserved_connections,
                                /* /api/v1/events: a stalled console costs ~200 KiB, not MiBs */
                                .stream_sndbuf = 64 * 1024,
                                .trusted = carrier_address,
                                .trusted_arg = srv};
  char err[512], q[600];
  int rc;

  rc = gw_carriers_load(&srv->cfg, &srv->carriers, err, sizeof(err));
  if (rc == AG_OK && srv->cfg.carrier_reserved_connections >= srv->cfg.max_connections) {
    snprintf(err, sizeof(err),
             "carrier_reserved_connections (%ld) must be below max_connections (%ld): nothing "
             "would be left for anyone else",
             srv->cfg.carrier_reserved_connections, srv->cfg.max_connections);
    rc = AG_ECONFIG;
  }
  if (rc == AG_OK && srv->cfg.db_commit_margin_ms >= srv->cfg.hop_deadline_ms) {
    snprintf(err, sizeof(err),
             "db_commit_margin_ms (%ld) must be below hop_deadline_ms (%ld): no batch could commit",
             srv->cfg.db_commit_margin_ms, srv->cfg.hop_deadline_ms);
    rc = AG_ECONFIG;
  }
  if (rc == AG_OK)
    rc = ag_secret_load(srv->cfg.respondent_secret_file, "respondent_secret_file", &srv->secret,
                        err, sizeof(err));
  if (rc == AG_OK)
    rc = content_load(srv, &srv->content, err, sizeof(err));
  if (rc == AG_OK) {
    rc = gw_pages_load(srv->cfg.pages_dir, &srv->pages, err, sizeof(err));
    if (rc == AG_ENOTFOUND) /* a gateway without pages serves hops all the same */
      AG_LOGW("server.no_pages", "pages_dir=%s", ag_log_quote(srv->cfg.pages_dir, q, sizeof(q)));
    rc = rc == AG_ENOTFOUND ? AG_OK : rc;
  }
  if (rc == AG_OK && !entry_ok(srv)) {
    snprintf(err, sizeof(err), "ussd_entry '%s' is not a survey or menu in %s", srv->cfg.ussd_entry,
             srv->cfg.content_dir);
    rc = AG_ECONFIG;
  }
  if (rc) {
    AG_LOGE("server.config", "error=%s", ag_log_quote(err, q, sizeof(q)));
    fprintf(stderr, "aulgate: %s\n", err);
    return rc;
  }
#ifdef AG_DEBUG
  event_enable_debug_mode(); /* catches misuse of events; must come before the first base */
#endif
  srv->base = event_base_new();
  srv->metrics = ag_metrics_create();
  if (!srv->base || !srv->metrics)
    return AG_ENOMEM;
  scfg.metrics = srv->metrics;
  srv->store = store_create(srv->base, &scfg);
  if (srv->store) /* the counters commit with the answers (decision 7) */
    store_set_before_sync(srv->store, store_rollup_hook, &srv->rollup_merged_us);
  srv->sessions = sess_table_create(srv->base, srv->cfg.session_idle_timeout_ms,
                                    srv->cfg.session_max_ms, on_session_end, srv);
  srv->sessions_ended = ag_metrics_add(srv->metrics, &def_sessions_ended);
  srv->api.store = srv->store;
  srv->api.metrics = srv->metrics;
  srv->api.sessions = srv->sessions;
  srv->api.stats = &srv->stats;
  srv->api.events = gw_events_create(srv->base, &srv->api);
  srv->api.results_k = srv->cfg.results_min_respondents;
  srv->api.secret = &srv->secret;
  srv->api.reader = store_reader_create(
      srv->base, strcmp(srv->cfg.db_read, "db") == 0 ? srv->cfg.db : srv->cfg.db_read,
      srv->cfg.hop_deadline_ms * 2);
  srv->api.school_db = store_reader_create(srv->base, srv->cfg.db, srv->cfg.hop_deadline_ms * 4);
  srv->api.school_k = srv->cfg.school_min_count;
  srv->api.ussd_budget = srv->cfg.ussd_budget_ucs2;
  if (srv->store)
    srv->api.tokens =
        gw_tokens_create(srv->base, srv->store, srv->metrics, srv->cfg.token_refresh_ms);
  if (!srv->store || !srv->sessions || gw_health_setup(srv) ||
      gw_ussd_metrics_init(&srv->ussd, srv->metrics) || !srv->sessions_ended || !srv->api.tokens ||
      !srv->api.events || !srv->api.reader || !srv->api.school_db || gw_api_metrics_init(&srv->api))
    return AG_ENOMEM;
  srv->ussd.cfg = &srv->cfg;
  srv->ussd.secret = &srv->secret;
  srv->ussd.content = srv->content;
  srv->ussd.sessions = srv->sessions;
  srv->ussd.store = srv->store;
  srv->ussd.stats = &srv->stats;
  if (gw_sms_setup(&srv->sms, srv->base, &srv->cfg, &srv->carriers, &scfg, &srv->secret,
                   srv->metrics))
    return AG_ENOMEM;
  srv->api.school_created = gw_sms_school_created;
  srv->api.school_created_arg = &srv->sms;
  routes_build(srv);
  hcfg.metrics = srv->metrics;
  srv->http = gw_http_create(srv->base, &hcfg, srv->routes, srv->n_routes, err, sizeof(err));
  if (!srv->http) {
    AG_LOGE("server.listen", "error=%s", ag_log_quote(err, q, sizeof(q)));
    fprintf(stderr, "aulgate: %s\n", err);
    return AG_EIO;
  }
  gw_http_set_token(srv->http, gw_tokens_check, &srv->api);
  srv->ev_term = evsignal_new(srv->base, SIGTERM, on_signal, srv);
  srv->ev_int = evsignal_new(srv->base, SIGINT, on_signal, srv);
  srv->ev_hup = evsignal_new(srv->base, SIGHUP, on_reload, srv);
  if (!srv->ev_term || !srv->ev_int || !srv->ev_hup || evsignal_add(srv->ev_term, NULL) ||
      evsignal_add(srv->ev_int, NULL) || evsignal_add(srv->ev_hup, NULL))
    return AG_ENOMEM;
  return AG_OK;
}

static void teardown(struct gw_server *srv)
{
  sigset_t stop;

  /* Freeing the signal events below gives SIGTERM back its default action (libevent restores
   * the handler it found): a second SIGTERM (a supervisor repeating itself) would then kill the
   * process halfway through its clean exit. Blocked, it stays pending until the exit. */
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGHUP);
  sigprocmask(SIG_BLOCK, &stop, NULL);
  /* Whatever is still pending fails with ECANCELED and its hop gets the polite END; a few
   * non-blocking loop turns let MHD send those replies before the daemon stops. */
  if (srv->ev_drain) /* its tick would read the store freed below */
    event_del(srv->ev_drain);
  gw_sms_cleanup(&srv->sms);       /* before the store: its workers' calls end with it */
  gw_tokens_stop(srv->api.tokens); /* no refresh reads the store once it is freed */
  /* Results reads in flight get 503 (no audit row: the store goes next). */
  store_reader_destroy(srv->api.reader);
  srv->api.reader = NULL;
  store_reader_destroy(srv->api.school_db);
  srv->api.school_db = NULL;
  if (srv->store) {
    store_destroy(srv->store);
    srv->store = NULL;
    for (int i = 0; i < 10 && srv->http; i++)
      event_base_loop(srv->base, EVLOOP_NONBLOCK);
  }
  gw_tokens_destroy(srv->api.tokens); /* after the store: its read has called back */
  if (srv->reload)
    store_places_fetch_cancel(srv->reload->fetch);
  gw_http_destroy(srv->http);
  gw_events_destroy(srv->api.events); /* after the server: its streams ended first */
  gw_ussd_cleanup(&srv->ussd);
  sess_table_destroy(srv->sessions);
  if (srv->ev_hup)
    event_free(srv->ev_hup);
  if (srv->ev_drain)
    event_free(srv->ev_drain);
  if (srv->ev_term)
    event_free(srv->ev_term);
  if (srv->ev_int)
    event_free(srv->ev_int);
  if (srv->base)
    event_base_free(srv->base);
  sess_content_unref(srv->content);
  gw_pages_free(srv->pages); /* after the server: replies borrowed the bytes */
  ag_metrics_destroy(srv->metrics);
  gw_carriers_cleanup(&srv->carriers);
}

int gw_server_run(struct ag_config *cfg)
{
  struct gw_server srv;
  int rc;

  memset(&srv, 0, sizeof(srv));
  srv.cfg = *cfg; /* the caller keeps ownership of the strings */
  srv.started_us = ag_now_us();
  srv.budget.ucs2 = cfg->ussd_budget_ucs2;
  srv.budget.gsm7 = cfg->ussd_budget_gsm7;
  signal(SIGPIPE, SIG_IGN);
  ag_log_set_level((enum ag_log_level)cfg->log_level);
  rc = setup(&srv);
  if (rc == AG_OK) {
    AG_LOGI("server.listening", "listen=%s:%d entry=%s", srv.cfg.listen_host,
            gw_http_port(srv.http), srv.cfg.ussd_entry);
    for (size_t i = 0; i < gw_pages_count(srv.pages); i++)
      AG_LOGI("server.page", "path=%s/ files=%zu", gw_pages_path(srv.pages, i),
              gw_pages_files(srv.pages, i));
    for (size_t i = 0; i < srv.carriers.n; i++) {
      const struct gw_carrier *c = srv.carriers.v[i];
      AG_LOGI("server.carrier", "carrier=%s dialect=%s path=%s budget=%ld/%ld auth=%s", c->name,
              c->dialect->name, c->path, c->budget.ucs2, c->budget.gsm7, gw_carrier_auth_name(c));
    }
    event_base_dispatch(srv.base);
  }
  teardown(&srv);
  return rc == AG_OK ? 0 : 1;
}
