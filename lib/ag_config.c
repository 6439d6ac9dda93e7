/* ag_config.c: the option table, and the file and environment loader built on it. */
#include "lib/ag_config.h"
#include "lib/ag.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum opt_type { OPT_INT, OPT_STRING, OPT_HOSTPORT, OPT_IPLIST, OPT_LOGLEVEL, OPT_BUDGETS };

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
    {"db_batch_max", OPT_INT, OFF(db_batch_max), 1, 10000, "256",
     "Most answers committed in one transaction (group commit)."},
    {"db_queue_max", OPT_INT, OFF(db_queue_max), 1, 1000000, "10000",
     "Most answers waiting for the database; beyond it a hop gets the polite END."},
    {"db_reconnect_ms", OPT_INT, OFF(db_reconnect_ms), 50, 600000, "1000",
     "Delay before reconnecting to a database that went away."},
    {"db_connect_timeout_ms", OPT_INT, OFF(db_connect_timeout_ms), 100, 600000, "5000",
     "Longest a connection attempt may take."},
    {"ussd_budget_ucs2", OPT_INT, OFF(ussd_budget_ucs2), 20, 80, "75",
     "Characters per USSD screen in UCS-2 (limit 80, minus headroom for operator text)."},
    {"ussd_budget_gsm7", OPT_INT, OFF(ussd_budget_gsm7), 20, 182, "175",
     "Characters per USSD screen in GSM-7 (limit 182, minus headroom)."},
    {"carrier_budgets", OPT_BUDGETS, 0, 0, 0, "none",
     "Per-carrier screen budgets, carrier=ucs2/gsm7 separated by commas (e.g. at=70/160), "
     "for operators that add more text; none: the two keys above for every carrier."},
    {"session_idle_timeout_ms", OPT_INT, OFF(session_idle_timeout_ms), 1000, 3600000, "60000",
     "A session with no hop for this long is closed."},
    {"session_max_ms", OPT_INT, OFF(session_max_ms), 1000, 3600000, "180000",
     "Longest a session may last."},
    {"resume_window_ms", OPT_INT, OFF(resume_window_ms), 0, 2592000000L, "172800000",
     "A survey dropped less than this long ago is offered to continue (48 h)."},
    {"shutdown_grace_ms", OPT_INT, OFF(shutdown_grace_ms), 0, 600000, "10000",
     "On SIGTERM/SIGINT, how long to wait for answers being committed."},
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
  case OPT_BUDGETS:
    return "budget list";
  }
  return "?";
}

static const struct opt *opt_find(const char *name)
{
  for (size_t i = 0; i < AG_ARRAY_LEN(opts); i++) {
    if (strcmp(opts[i].name, name) == 0)
      return &opts[i];
  }
  return NULL;
}

/* Decimal digits only, an optional leading '-': strtol alone would also take " 12" and "+12". */
static int is_integer(const char *v)
{
  if (*v == '-')
    v++;
  if (!*v)
    return 0;
  for (; *v; v++)
    if (*v < '0' || *v > '9')
      return 0;
  return 1;
}

static int split_hostport(const char *v, char *host, size_t hostlen, int *port)
{
  const char *colon;
  const char *h = v;
  size_t hl;
  char *end;
  long p;

  if (*v == '[') { /* [v6]:port */
    const char *close = strchr(v, ']');
    if (!close || close[1] != ':')
      return AG_EINVAL;
    h = v + 1;
    hl = (size_t)(close - h);
    colon = close + 1;
  } else {
    colon = strrchr(v, ':');
    if (!colon || strchr(v, ':') != colon)
      return AG_EINVAL;
    hl = (size_t)(colon - v);
  }
  if (hl == 0 || hl >= hostlen)
    return AG_EINVAL;
  errno = 0;
  p = strtol(colon + 1, &end, 10);
  if (!is_integer(colon + 1) || *end != '\0' || errno || p < 1 || p > 65535)
    return AG_EINVAL;
  memcpy(host, h, hl);
  host[hl] = '\0';
  *port = (int)p;
  return AG_OK;
}

/* "none", or "name=ucs2/gsm7[,name=ucs2/gsm7...]". Nothing changes on failure. */
static int budgets_parse(struct ag_config *cfg, const char *value)
{
  struct ag_carrier_budget b[AG_CARRIER_BUDGETS_MAX];
  size_t n = 0;

  memset(b, 0, sizeof(b));
  const char *p = value;

  if (strcmp(value, "none") == 0) {
    cfg->n_carrier_budgets = 0;
    return AG_OK;
  }
  while (*p) {
    char name[16], rest;
    long u, g;
    int used = 0;
    if (n == AG_CARRIER_BUDGETS_MAX ||
        sscanf(p, " %15[a-z0-9_-]=%ld/%ld%n", name, &u, &g, &used) != 3 || used == 0 || u < 20 ||
        u > 80 || g < 20 || g > 182)
      return AG_EINVAL;
    for (size_t i = 0; i < n; i++)
      if (strcmp(b[i].carrier, name) == 0)
        return AG_EINVAL; /* a carrier named twice */
    snprintf(b[n].carrier, sizeof(b[n].carrier), "%s", name);
    b[n].ucs2 = u;
    b[n++].gsm7 = g;
    p += used;
    rest = *p;
    if (rest == ',')
      p++;
    else if (rest != '\0')
      return AG_EINVAL;
    if (rest == ',' && *p == '\0')
      return AG_EINVAL;
  }
  if (n == 0)
    return AG_EINVAL;
  memcpy(cfg->carrier_budgets, b, n * sizeof(*b));
  cfg->n_carrier_budgets = n;
  return AG_OK;
}

static int set_opt(struct ag_config *cfg, const struct opt *o, const char *value, char *err,
                   size_t errlen)
{
  void *field = (char *)cfg + o->offset;

  switch (o->type) {
  case OPT_INT: {
    char *end;
    long v;
    errno = 0;
    v = strtol(value, &end, 10);
    if (!is_integer(value) || *end != '\0' || errno || v < o->min || v > o->max) {
      snprintf(err, errlen, "key '%s': '%s' is not an integer from %ld to %ld", o->name, value,
               o->min, o->max);
      return AG_ECONFIG;
    }
    *(long *)field = v;
    return AG_OK;
  }
  case OPT_HOSTPORT:
    if (split_hostport(value, cfg->listen_host, sizeof(cfg->listen_host), &cfg->listen_port)) {
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
  case OPT_BUDGETS:
    if (budgets_parse(cfg, value)) {
      snprintf(err, errlen,
               "key '%s': '%s' is not none or a list of carrier=ucs2/gsm7 (at most %d, ucs2 "
               "20 to 80, gsm7 20 to 182, e.g. at=70/160)",
               o->name, value, AG_CARRIER_BUDGETS_MAX);
      return AG_ECONFIG;
    }
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

int ag_config_set(struct ag_config *cfg, const char *key, const char *value, char *err,
                  size_t errlen)
{
  const struct opt *o = opt_find(key);

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

static char *trim(char *s)
{
  char *e;

  while (isspace((unsigned char)*s))
    s++;
  e = s + strlen(s);
  while (e > s && isspace((unsigned char)e[-1]))
    *--e = '\0';
  return s;
}

static int load_file(struct ag_config *cfg, const char *path, char *err, size_t errlen)
{
  char line[4096];
  unsigned char seen[AG_ARRAY_LEN(opts)] = {0};
  unsigned lineno = 0;
  FILE *f = fopen(path, "r");

  if (!f) {
    snprintf(err, errlen, "cannot open configuration file %s: %s", path, strerror(errno));
    return AG_EIO;
  }
  while (fgets(line, sizeof(line), f)) {
    char *key, *value, *eq;
    const struct opt *o;
    char detail[512];
    int rc;

    lineno++;
    if (!strchr(line, '\n') && !feof(f)) {
      snprintf(err, errlen, "%s:%u: line longer than %zu bytes", path, lineno, sizeof(line) - 2);
      fclose(f);
      return AG_ECONFIG;
    }
    key = trim(line);
    if (*key == '\0' || *key == '#')
      continue;
    eq = strchr(key, '=');
    if (!eq) {
      snprintf(err, errlen, "%s:%u: expected 'key = value'", path, lineno);
      fclose(f);
      return AG_ECONFIG;
    }
    *eq = '\0';
    value = trim(eq + 1);
    key = trim(key);
    o = opt_find(key);
    if (o && seen[o - opts]) {
      snprintf(err, errlen, "%s:%u: key '%s' is set twice", path, lineno, key);
      fclose(f);
      return AG_ECONFIG;
    }
    rc = ag_config_set(cfg, key, value, detail, sizeof(detail));
    if (rc) {
      snprintf(err, errlen, "%s:%u: %s", path, lineno, detail);
      fclose(f);
      return rc;
    }
    seen[o - opts] = 1;
  }
  fclose(f);
  return AG_OK;
}

int ag_config_load(struct ag_config *cfg, const char *path, char *err, size_t errlen)
{
  static const struct {
    const char *env, *key;
  } overrides[] = {{"AULGATE_DB", "db"}, {"AULGATE_LISTEN", "listen"}};
  int rc;

  if (path) {
    rc = load_file(cfg, path, err, errlen);
    if (rc)
      return rc;
  }
  for (size_t i = 0; i < AG_ARRAY_LEN(overrides); i++) {
    const char *v = getenv(overrides[i].env);
    char detail[512];
    if (!v)
      continue;
    rc = ag_config_set(cfg, overrides[i].key, v, detail, sizeof(detail));
    if (rc) {
      snprintf(err, errlen, "environment %s: %s", overrides[i].env, detail);
      return rc;
    }
  }
  return AG_OK;
}

void ag_config_cleanup(struct ag_config *cfg)
{
  for (size_t i = 0; i < AG_ARRAY_LEN(opts); i++) {
    if (opts[i].type == OPT_STRING || opts[i].type == OPT_HOSTPORT) {
      char **p = (char **)((char *)cfg + opts[i].offset);
      free(*p);
      *p = NULL;
    }
  }
}

void ag_config_doc(FILE *out)
{
  fputs("| key | type | allowed | default | meaning |\n", out);
  fputs("| --- | --- | --- | --- | --- |\n", out);
  for (size_t i = 0; i < AG_ARRAY_LEN(opts); i++) {
    const struct opt *o = &opts[i];
    char range[64] = "";
    if (o->type == OPT_INT)
      snprintf(range, sizeof(range), "%ld to %ld", o->min, o->max);
    else if (o->type == OPT_LOGLEVEL)
      snprintf(range, sizeof(range), "debug, info, warn, error");
    fprintf(out, "| `%s` | %s | %s | `%s` | %s |\n", o->name, type_name(o->type), range, o->def,
            o->doc);
  }
}
