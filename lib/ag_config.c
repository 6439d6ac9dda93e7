/* ag_config.c: the option table, and the file and environment loader built on it. */
#include "lib/ag_config-internal.h"
#include "lib/ag.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum opt_type {
  OPT_INT,
  OPT_STRING,
  OPT_HOSTPORT,
  OPT_IPLIST,
  OPT_LOGLEVEL,
  OPT_WORD,    /* char[AG_CARRIER_NAME_MAX] of [a-z0-9_-] */
  OPT_PATH,    /* char[AG_CARRIER_PATH_MAX]: an absolute URL path */
  OPT_FILE,    /* char[AG_CARRIER_FILE_MAX]: a file name, no control characters */
  OPT_TEXT,    /* char[AG_CARRIER_FILE_MAX]: a URL, a user, a sender: no control characters */
  OPT_KEYWORDS /* char *, owned, may be empty: "stop:ru:WORD, start:kk:WORD" (ag_config.h) */
};

struct opt {
  const char *name;
  enum opt_type type;
  size_t offset;
  long min, max; /* OPT_INT only */
  const char *def;
  const char *doc;
};

#define OFF(field) offsetof(struct ag_config, field)

/* Timeouts are in milliseconds with the unit in the name. */
static const struct opt opts[] = {
    {"listen", OPT_HOSTPORT, OFF(listen), 0, 0, "127.0.0.1:8080",
     "Address the HTTP server binds to, host:port (IPv6 as [::1]:8080). Env AULGATE_LISTEN."},
    {"db", OPT_STRING, OFF(db), 0, 0, "host=127.0.0.1 port=54329 dbname=aulgate user=aulgate",
     "libpq connection string or URI of the PostgreSQL database. Env AULGATE_DB."},
    {"content_dir", OPT_STRING, OFF(content_dir), 0, 0, "content",
     "Folder of the menu, survey and tip files (content/*.json)."},
    {"ussd_entry", OPT_STRING, OFF(ussd_entry), 0, 0, "main_menu",
     "Id of the content file a new USSD session starts in."},
    {"respondent_secret_file", OPT_STRING, OFF(respondent_secret_file), 0, 0, "var/secret",
     "File holding the server secret (at least 64 hex characters) keying the respondent hash "
     "HMAC-SHA256(secret, E.164 number)."},
    {"carrier_allow_ips", OPT_IPLIST, OFF(carrier_allow_ips), 0, 0, "127.0.0.1,::1",
     "Comma-separated addresses or CIDR networks allowed to call the carrier endpoints."},
    {"log_level", OPT_LOGLEVEL, OFF(log_level), 0, 0, "info", "Lowest level logged."},
    {"max_body_bytes", OPT_INT, OFF(max_body_bytes), 256, 1048576, "8192",
     "Largest request body accepted; larger bodies get 413."},
    {"max_connections", OPT_INT, OFF(max_connections), 1, 65536, "4096",
     "Concurrent HTTP connections accepted."},
    {"max_connections_per_ip", OPT_INT, OFF(max_connections_per_ip), 0, 65536, "32",
     "Connections one address outside every carrier's allow list may hold; 0: no limit."},
    {"carrier_reserved_connections", OPT_INT, OFF(carrier_reserved_connections), 0, 65535, "512",
     "Of max_connections, how many only carriers' addresses may take, so that idle or slow "
     "connections from elsewhere never crowd out a hop."},
    {"http_idle_timeout_s", OPT_INT, OFF(http_idle_timeout_s), 1, 3600, "10",
     "A connection that sends nothing for this long is closed."},
    {"http_request_timeout_s", OPT_INT, OFF(http_request_timeout_s), 1, 3600, "10",
     "A connection must deliver a whole request within this of opening (or of its previous "
     "request), however steadily it trickles bytes in; otherwise it is closed."},
    {"db_batch_max", OPT_INT, OFF(db_batch_max), 1, 10000, "256",
     "Most answers committed in one transaction (group commit)."},
    {"db_queue_max", OPT_INT, OFF(db_queue_max), 1, 1000000, "10000",
     "Most answers waiting for the database; beyond it a hop gets the polite END."},
    {"db_connections", OPT_INT, OFF(db_connections), 1, 8, "1",
     "Connections for the callers' statements, each with its own batch in flight: a phone's "
     "reads and writes always take the same one, the outbox and the scheduler the first. More "
     "did not pay on the 2-core bench machine (decision 103, docs/benchmarks.md)."},
    {"db_reconnect_ms", OPT_INT, OFF(db_reconnect_ms), 50, 600000, "1000",
     "Delay before reconnecting to a database that went away."},
    {"db_connect_timeout_ms", OPT_INT, OFF(db_connect_timeout_ms), 100, 600000, "5000",
     "Longest a connection attempt may take."},
    {"hop_deadline_ms", OPT_INT, OFF(hop_deadline_ms), 500, 60000, "5000",
     "Longest a USSD hop waits for the database, from its arrival: then it gets the polite END "
     "(not saved) or, when its answer was sent but not confirmed, a screen saying so. Carriers "
     "allow about 10 s. Also the age at which a batch in flight makes the database 'stalled'."},
    {"db_commit_margin_ms", OPT_INT, OFF(db_commit_margin_ms), 0, 30000, "1000",
     "A batch aborts instead of committing when the database's clock is past its hops' earliest "
     "deadline minus this margin, and a queued answer is dropped that much before its deadline. "
     "The gateway's and the database's clocks must agree within it; below hop_deadline_ms."},
    {"ussd_budget_ucs2", OPT_INT, OFF(ussd_budget_ucs2), 20, 80, "75",
     "Characters per USSD screen in UCS-2 (limit 80, minus headroom for operator text)."},
    {"ussd_budget_gsm7", OPT_INT, OFF(ussd_budget_gsm7), 20, 182, "175",
     "Characters per USSD screen in GSM-7 (limit 182, minus headroom)."},
    {"session_idle_timeout_ms", OPT_INT, OFF(session_idle_timeout_ms), 1000, 3600000, "60000",
     "A session with no hop for this long is closed."},
    {"session_max_ms", OPT_INT, OFF(session_max_ms), 1000, 3600000, "180000",
     "Longest a session may last."},
    {"resume_window_ms", OPT_INT, OFF(resume_window_ms), 0, 2592000000L, "172800000",
     "A survey dropped less than this long ago is offered to continue (48 h)."},
    {"shutdown_grace_ms", OPT_INT, OFF(shutdown_grace_ms), 0, 600000, "10000",
     "On SIGTERM/SIGINT, how long to wait for answers being committed."},
    {"metrics_allow_ips", OPT_IPLIST, OFF(metrics_allow_ips), 0, 0, "127.0.0.1,::1",
     "Addresses or CIDR networks that may read /metrics without a token (the Prometheus "
     "scrapers); anyone else needs an operator's or admin's token."},
    {"token_refresh_ms", OPT_INT, OFF(token_refresh_ms), 1000, 300000, "5000",
     "How often the API token cache is read from the database: a token created or revoked "
     "takes effect within this (plus a read); a cache 3 times this old refuses every token."},
    {"pages_dir", OPT_STRING, OFF(pages_dir), 0, 0, "pages",
     "Folder of the static pages: each folder in it is served under its name (pages/ops/ as "
     "the operators' console /ops/), read once at start. When it does not exist no page is "
     "served (logged)."},
    {"db_read", OPT_STRING, OFF(db_read), 0, 0, "db",
     "libpq connection string the results API reads rollups through (a streaming replica); "
     "the word db: the db key's database."},
    {"results_min_respondents", OPT_INT, OFF(results_min_respondents), 5, 100000, "10",
     "k: a results group with fewer respondents is suppressed, with enough others that it "
     "cannot be derived (docs/privacy.md). Never below 5."},
    {"school_min_count", OPT_INT, OFF(school_min_count), 2, 100, "3",
     "A count a school sees (answers to its request, offers of its parents) between 1 and "
     "this minus 1 is shown as fewer than this, never exactly (docs/privacy.md, for schools)."},
    {"school_week_cap", OPT_INT, OFF(school_week_cap), 1, 14, "2",
     "At most this many school requests by SMS to one phone in any 7 days, all schools."},
    {"school_daily_cap", OPT_INT, OFF(school_daily_cap), 1, 1000000, "2000",
     "At most this many request SMS of one school in one day (UTC+5 calendar day)."},
    {"school_poll_ms", OPT_INT, OFF(school_poll_ms), 100, 3600000, "10000",
     "How often the school delivery worker looks for open requests with parents still to "
     "reach."},
    {"sms_max_age_s", OPT_INT, OFF(sms_max_age_s), 60, 604800, "86400",
     "An SMS not sent this long after it was due expires (and one sent without a final "
     "delivery report loses its number)."},
    {"sms_keywords", OPT_KEYWORDS, OFF(sms_keywords), 0, 0, "",
     "Words a parent may send besides STOP, СТОП, ТОҚТА, ТОҚТАТУ, START, СТАРТ, БАСТАУ: "
     "comma-separated stop|start:kk|ru|en:WORD (the language of the confirmation), e.g. "
     "stop:ru:ОТПИСКА, start:en:JOIN. Case, spaces and punctuation around it do not matter."},
    {"sms_outbox_retention_days", OPT_INT, OFF(sms_outbox_retention_days), 1, 3650, "30",
     "Finished outbox rows (delivered, failed, expired; they hold no number) are deleted this "
     "many days after they finished, 500 at a time."},
    {"sms_retry_base_ms", OPT_INT, OFF(sms_retry_base_ms), 10, 600000, "1000",
     "First delay before an SMS is tried again after a 5xx, a connection error or a timeout; "
     "each retry doubles it, with jitter (half to all of it)."},
    {"sms_retry_max_ms", OPT_INT, OFF(sms_retry_max_ms), 10, 86400000, "300000",
     "Longest delay between two tries of an SMS."},
    {"sms_http_connect_timeout_ms", OPT_INT, OFF(sms_http_connect_timeout_ms), 50, 60000, "2000",
     "Longest a connection to an SMS carrier may take to open."},
    {"sms_http_timeout_ms", OPT_INT, OFF(sms_http_timeout_ms), 100, 120000, "10000",
     "Longest a submission to an SMS carrier may take in all; then it is retried."},
    {"sms_http_max_in_flight", OPT_INT, OFF(sms_http_max_in_flight), 1, 4096, "64",
     "Submissions to one SMS carrier in flight at once (also its kept-alive connections)."},
    {"sms_tip_interval_days", OPT_INT, OFF(sms_tip_interval_days), 1, 365, "1",
     "Days between two tips to one subscriber."},
    {"sms_quiet_start_min", OPT_INT, OFF(sms_quiet_start_min), 0, 1439, "1260",
     "Start of the quiet hours, minutes after local midnight (1260: 21:00); no SMS leaves in "
     "them. Equal to sms_quiet_end_min: none."},
    {"sms_quiet_end_min", OPT_INT, OFF(sms_quiet_end_min), 0, 1439, "540",
     "End of the quiet hours, minutes after local midnight (540: 09:00)."},
    {"sms_tz_offset_min", OPT_INT, OFF(sms_tz_offset_min), -720, 840, "300",
     "The subscribers' local time, minutes east of UTC (Kazakhstan: 300)."},
};

#define OFFC(field) offsetof(struct ag_carrier_conf, field)

/* The keys of a [carrier.NAME] section. A default not in backquotes is inherited or required. */
static const struct opt carrier_opts[] = {
    {"dialect", OPT_WORD, OFFC(dialect), 0, 0, "required",
     "How the carrier talks (gateway/carriers/dl_*.c): at (Africa's Talking USSD), kannel (SMS "
     "through Kannel's smsbox: sendsms, delivery reports on /dlr/NAME, messages on /sms/NAME)."},
    {"path", OPT_PATH, OFFC(path), 0, 0, "/ussd/NAME",
     "URL path of the carrier's USSD callback; its end-of-session notice is PATH/end."},
    {"allow_ips", OPT_IPLIST, OFFC(allow_ips), 0, 0, "as carrier_allow_ips",
     "Addresses or CIDR networks allowed to call this carrier's paths."},
    {"budget_ucs2", OPT_INT, OFFC(budget_ucs2), 20, 80, "as ussd_budget_ucs2",
     "This carrier's characters per UCS-2 screen, for operators that add more text."},
    {"budget_gsm7", OPT_INT, OFFC(budget_gsm7), 20, 182, "as ussd_budget_gsm7",
     "This carrier's characters per GSM-7 screen."},
    {"auth", OPT_WORD, OFFC(auth), 0, 0, "none",
     "What proves a request is the carrier's besides its address: none, hmac (headers "
     "X-Aulgate-Timestamp, Unix seconds, and X-Aulgate-Signature, hex HMAC-SHA256 of "
     "timestamp.body), basic (HTTP basic authentication) or path (a secret segment: the carrier "
     "calls path/SECRET and path/SECRET/end; for carriers that can do neither)."},
    {"secret_file", OPT_FILE, OFFC(secret_file), 0, 0, "required with auth",
     "The carrier's secret: for hmac 64 to 128 hex characters, for basic one line user:password, "
     "for path one line of 32 to 128 characters A-Z a-z 0-9 _ -; "
     "refused when every user of the machine may read it."},
    {"auth_window_s", OPT_INT, OFFC(auth_window_s), 10, 3600, "300",
     "hmac: how far a request's timestamp may be from the gateway's clock, in seconds."},
    {"sms_url", OPT_TEXT, OFFC(sms_url), 0, 0, "required for SMS",
     "kannel: the sendsms URL of Kannel's smsbox, e.g. http://127.0.0.1:13013/cgi-bin/sendsms."},
    {"sms_user", OPT_TEXT, OFFC(sms_user), 0, 0, "required for SMS",
     "kannel: the username of the sendsms-user group."},
    {"sms_password", OPT_TEXT, OFFC(sms_password), 0, 0, "required for SMS",
     "kannel: its password (keep this file readable by the gateway only)."},
    {"sms_callback_url", OPT_TEXT, OFFC(sms_callback_url), 0, 0, "required for SMS",
     "kannel: the gateway's address as Kannel reaches it, e.g. http://127.0.0.1:8080; delivery "
     "reports come to /dlr/NAME below it."},
    {"sms_from", OPT_TEXT, OFFC(sms_from), 0, 0, "Kannel's global-sender",
     "kannel: the sender of our SMS."},
    {"sms_rate", OPT_INT, OFFC(sms_rate), 1, 100000, "100",
     "SMS parts per second this gateway process submits to the carrier (each process of a "
     "cluster its own share)."},
};

_Static_assert(AG_ARRAY_LEN(opts) <= AG_CONFIG__KEYS_MAX, "the file loader's seen[] is too small");
_Static_assert(AG_ARRAY_LEN(carrier_opts) < 32, "ag_carrier_conf.seen has a bit per key");

/* Keys that are read no more: refused with what to write instead. */
static const struct {
  const char *name, *instead;
} gone[] = {
    {"carrier_budgets",
     "per carrier, write a section instead: a line '[carrier.NAME]' followed by 'dialect = at', "
     "'budget_ucs2 = 70' and 'budget_gsm7 = 160' (your numbers; NAME as in the `carrier` column, "
     "e.g. at)"},
};

static const char *type_name(enum opt_type t)
{
  switch (t) {
  case OPT_INT:
    return "integer";
  case OPT_STRING:
    return "string";
  case OPT_HOSTPORT:
    return "host:port";
  case OPT_IPLIST:
    return "address list";
  case OPT_LOGLEVEL:
    return "level";
  case OPT_WORD:
    return "name";
  case OPT_PATH:
    return "URL path";
  case OPT_FILE:
    return "file";
  case OPT_TEXT:
    return "text";
  case OPT_KEYWORDS:
    return "keyword list";
  }
  return "?";
}

static const struct opt *opt_find(const struct opt *table, size_t n, const char *name)
{
  for (size_t i = 0; i < n; i++) {
    if (strcmp(table[i].name, name) == 0)
      return &table[i];
  }
  return NULL;
}

/* Sets o in base: a struct ag_config for opts[], a struct ag_carrier_conf for carrier_opts[]. */
static int set_opt(void *base, const struct opt *o, const char *value, char *err, size_t errlen)
{
  void *field = (char *)base + o->offset;
  struct ag_config *cfg = base; /* OPT_HOSTPORT only */

  switch (o->type) {
  case OPT_INT: {
    char *end;
    long v;
    errno = 0;
    v = strtol(value, &end, 10);
    if (!ag_config__is_integer(value) || *end != '\0' || errno || v < o->min || v > o->max) {
      snprintf(err, errlen, "key '%s': '%s' is not an integer from %ld to %ld", o->name, value,
               o->min, o->max);
      return AG_ECONFIG;
    }
    *(long *)field = v;
    return AG_OK;
  }
  case OPT_HOSTPORT:
    if (ag_config__split_hostport(value, cfg->listen_host, sizeof(cfg->listen_host),
                                  &cfg->listen_port)) {
      snprintf(err, errlen, "key '%s': '%s' is not host:port (e.g. 127.0.0.1:8080, [::1]:8080)",
               o->name, value);
      return AG_ECONFIG;
    }
    __attribute__((fallthrough)); /* also keep the text */
  case OPT_STRING: {
    char *copy;
    if (*value == '\0') {
      snprintf(err, errlen, "key '%s': must not be empty", o->name);
      return AG_ECONFIG;
    }
    copy = strdup(value);
    if (!copy) {
      snprintf(err, errlen, "key '%s': out of memory", o->name);
      return AG_ENOMEM;
    }
    free(*(char **)field);
    *(char **)field = copy;
    return AG_OK;
  }
  case OPT_KEYWORDS: {
    char *copy;
    if (!ag_config__keywords_ok(value)) {
      snprintf(err, errlen,
               "key '%s': '%s' is not a comma-separated list of up to %d stop|start:kk|ru|en:WORD "
               "(a word of 1 to 31 bytes of letters, e.g. stop:ru:ОТПИСКА)",
               o->name, value, AG_SMS_KEYWORDS_MAX);
      return AG_ECONFIG;
    }
    if (!(copy = strdup(value)))
      return AG_ENOMEM;
    free(*(char **)field);
    *(char **)field = copy;
    return AG_OK;
  }
  case OPT_IPLIST: {
    struct ag_iplist list;
    int rc = ag_iplist_parse(value, &list);
    if (rc) {
      snprintf(err, errlen,
               "key '%s': '%s' is not a comma-separated list of up to %d IP addresses or "
               "networks (e.g. 127.0.0.1,::1,10.0.0.0/8)",
               o->name, value, AG_IPNET_MAX);
      return AG_ECONFIG;
    }
    *(struct ag_iplist *)field = list;
    return AG_OK;
  }
  case OPT_WORD:
    if (!ag_config__is_word(value, strlen(value), AG_CARRIER_NAME_MAX)) {
      snprintf(err, errlen, "key '%s': '%s' is not 1 to %d characters of a-z, 0-9, _ and -",
               o->name, value, AG_CARRIER_NAME_MAX - 1);
      return AG_ECONFIG;
    }
    snprintf(field, AG_CARRIER_NAME_MAX, "%s", value);
    return AG_OK;
  case OPT_PATH:
    if (!ag_config__is_url_path(value)) {
      snprintf(err, errlen,
               "key '%s': '%s' is not a URL path like /ussd/beeline (segments of A-Z, a-z, 0-9, "
               "_, . and -, no trailing /, under %d bytes)",
               o->name, value, AG_CARRIER_PATH_MAX);
      return AG_ECONFIG;
    }
    snprintf(field, AG_CARRIER_PATH_MAX, "%s", value);
    return AG_OK;
  case OPT_FILE:
  case OPT_TEXT:
    if (!*value || strlen(value) >= AG_CARRIER_FILE_MAX) {
      snprintf(err, errlen, "key '%s': 1 to %d bytes", o->name, AG_CARRIER_FILE_MAX - 1);
      return AG_ECONFIG;
    }
    for (const char *c = value; *c; c++) {
      if ((unsigned char)*c < ' ' || *c == 0x7f) {
        snprintf(err, errlen, "key '%s': no control characters", o->name);
        return AG_ECONFIG;
      }
    }
    snprintf(field, AG_CARRIER_FILE_MAX, "%s", value);
    return AG_OK;
  case OPT_LOGLEVEL: {
    enum ag_log_level lv;
    if (ag_log_level_parse(value, &lv)) {
      snprintf(err, errlen, "key '%s': '%s' is not one of debug, info, warn, error", o->name,
               value);
      return AG_ECONFIG;
    }
    *(int *)field = (int)lv;
    return AG_OK;
  }
  }
  return AG_EINVAL;
}

struct ag_carrier_conf *ag_config__section_find(struct ag_config *cfg, const char *name, size_t len)
{
  for (size_t i = 0; i < cfg->n_carriers; i++)
    if (strlen(cfg->carriers[i].name) == len && memcmp(cfg->carriers[i].name, name, len) == 0)
      return &cfg->carriers[i];
  return NULL;
}

struct ag_carrier_conf *ag_config__section_add(struct ag_config *cfg, const char *name, size_t len,
                                               char *err, size_t errlen)
{
  struct ag_carrier_conf *c;

  if (!ag_config__is_word(name, len, AG_CARRIER_NAME_MAX)) {
    snprintf(err, errlen,
             "section [carrier.%.*s]: the name is not 1 to %d characters of a-z, 0-9, "
             "_ and -",
             (int)len, name, AG_CARRIER_NAME_MAX - 1);
    return NULL;
  }
  if (cfg->n_carriers == AG_CARRIERS_MAX) {
    snprintf(err, errlen, "more than %d [carrier.NAME] sections", AG_CARRIERS_MAX);
    return NULL;
  }
  c = &cfg->carriers[cfg->n_carriers++];
  memset(c, 0, sizeof(*c));
  memcpy(c->name, name, len);
  return c;
}

/* The keys a section takes, "a, b, c", from the option table itself so the list cannot go
 * stale. */
static void section_keys(char *out, size_t len)
{
  size_t used = 0;

  out[0] = '\0';
  for (size_t i = 0; i < AG_ARRAY_LEN(carrier_opts) && used < len; i++) {
    int n = snprintf(out + used, len - used, "%s%s", i ? ", " : "", carrier_opts[i].name);
    if (n < 0)
      break;
    used += (size_t)n;
  }
}

/* key is "carrier.NAME.KEY". */
static int set_section_key(struct ag_config *cfg, const char *key, const char *value, char *err,
                           size_t errlen)
{
  const char *name = key + strlen("carrier."), *dot = strchr(name, '.');
  const struct opt *o = dot ? opt_find(carrier_opts, AG_ARRAY_LEN(carrier_opts), dot + 1) : NULL;
  struct ag_carrier_conf *c;
  char detail[400];

  if (!o) {
    section_keys(detail, sizeof(detail));
    snprintf(err, errlen, "unknown key '%s' (a section takes %s)", dot ? dot + 1 : key, detail);
    return AG_ECONFIG;
  }
  c = ag_config__section_find(cfg, name, (size_t)(dot - name));
  if (!c && !(c = ag_config__section_add(cfg, name, (size_t)(dot - name), err, errlen)))
    return AG_ECONFIG;
  if (set_opt(c, o, value, detail, sizeof(detail))) {
    snprintf(err, errlen, "section [carrier.%s]: %s", c->name, detail);
    return AG_ECONFIG;
  }
  return AG_OK;
}

int ag_config__key_index(int in_section, const char *key)
{
  const struct opt *o = in_section ? opt_find(carrier_opts, AG_ARRAY_LEN(carrier_opts), key)
                                   : opt_find(opts, AG_ARRAY_LEN(opts), key);

  if (!o)
    return -1;
  return (int)(in_section ? o - carrier_opts : o - opts);
}

int ag_config_set(struct ag_config *cfg, const char *key, const char *value, char *err,
                  size_t errlen)
{
  const struct opt *o = opt_find(opts, AG_ARRAY_LEN(opts), key);

  if (strncmp(key, "carrier.", strlen("carrier.")) == 0)
    return set_section_key(cfg, key, value, err, errlen);
  for (size_t i = 0; !o && i < AG_ARRAY_LEN(gone); i++) {
    if (strcmp(gone[i].name, key) == 0) {
      snprintf(err, errlen, "key '%s' is no longer read: %s", key, gone[i].instead);
      return AG_ECONFIG;
    }
  }
  if (!o) {
    snprintf(err, errlen, "unknown key '%s' (see 'aulgate config-doc' for the keys)", key);
    return AG_ECONFIG;
  }
  return set_opt(cfg, o, value, err, errlen);
}

int ag_config_init(struct ag_config *cfg)
{
  char err[256];

  memset(cfg, 0, sizeof(*cfg));
  for (size_t i = 0; i < AG_ARRAY_LEN(opts); i++) {
    int rc = set_opt(cfg, &opts[i], opts[i].def, err, sizeof(err));
    if (AG_NEVER(rc)) /* the defaults are checked by the unit tests */
      return rc;
  }
  return AG_OK;
}

void ag_config_cleanup(struct ag_config *cfg)
{
  for (size_t i = 0; i < AG_ARRAY_LEN(opts); i++) {
    if (opts[i].type == OPT_STRING || opts[i].type == OPT_HOSTPORT ||
        opts[i].type == OPT_KEYWORDS) {
      char **p = (char **)((char *)cfg + opts[i].offset);
      free(*p);
      *p = NULL;
    }
  }
}

static void doc_rows(FILE *out, const struct opt *table, size_t n, const char *prefix)
{
  for (size_t i = 0; i < n; i++) {
    const struct opt *o = &table[i];
    char range[64] = "";
    int literal = table == opts; /* a section default is inherited or required */
    if (o->type == OPT_INT)
      snprintf(range, sizeof(range), "%ld to %ld", o->min, o->max);
    else if (o->type == OPT_LOGLEVEL)
      snprintf(range, sizeof(range), "debug, info, warn, error");
    fprintf(out, "| `%s%s` | %s | %s | %s%s%s | %s |\n", prefix, o->name, type_name(o->type), range,
            literal ? "`" : "", o->def, literal ? "`" : "", o->doc);
  }
}

void ag_config_doc(FILE *out)
{
  fputs("| key | type | allowed | default | meaning |\n", out);
  fputs("| --- | --- | --- | --- | --- |\n", out);
  doc_rows(out, opts, AG_ARRAY_LEN(opts), "");
  doc_rows(out, carrier_opts, AG_ARRAY_LEN(carrier_opts), "carrier.NAME.");
}
