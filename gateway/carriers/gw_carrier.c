/* gw_carrier.c: carriers from the configuration, resolved once at load. */
#include "gateway/carriers/gw_carrier-internal.h"
#include "lib/ag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

/* The carrier of configurations without sections: what the gateway did before them. */
static void implicit_at(const struct ag_config *cfg, struct ag_carrier_conf *conf)
{
  memset(conf, 0, sizeof(*conf));
  snprintf(conf->name, sizeof(conf->name), "at");
  snprintf(conf->dialect, sizeof(conf->dialect), "at"); /* and the path /ussd/NAME: /ussd/at */
  conf->allow_ips = cfg->carrier_allow_ips;
}

static int carrier_new(const struct ag_config *cfg, const struct ag_carrier_conf *conf,
                       struct gw_carrier **out, char *err, size_t errlen)
{
  const struct gw_dialect *d = gw_dialect_find(conf->dialect);
  struct gw_carrier *c;
  int rc;

  if (!d) {
    snprintf(err, errlen, "section [carrier.%s]: unknown dialect '%s' (known: at, kannel)",
             conf->name, conf->dialect);
    return AG_ECONFIG;
  }
  if (AG_NEVER(d->carrier_size < sizeof(*c)) || !(c = calloc(1, d->carrier_size))) {
    snprintf(err, errlen, "section [carrier.%s]: out of memory", conf->name);
    return AG_ENOMEM;
  }
  c->dialect = d;
  memcpy(c->name, conf->name, sizeof(c->name));
  if (conf->path[0])
    memcpy(c->path, conf->path, sizeof(c->path));
  else
    snprintf(c->path, sizeof(c->path), "/ussd/%.*s", AG_CARRIER_NAME_MAX - 1, conf->name);
  snprintf(c->end_path, sizeof(c->end_path), "%s/end", c->path);
  c->allow = conf->allow_ips.n ? conf->allow_ips : cfg->carrier_allow_ips;
  c->budget.ucs2 = conf->budget_ucs2 ? conf->budget_ucs2 : cfg->ussd_budget_ucs2;
  c->budget.gsm7 = conf->budget_gsm7 ? conf->budget_gsm7 : cfg->ussd_budget_gsm7;
  *out = c;
  rc = gw_carrier__auth_load(c, conf, err, errlen);
  if (rc)
    return rc;
  return d->carrier_init ? d->carrier_init(c, conf, err, errlen) : AG_OK;
}

int gw_carriers_load(const struct ag_config *cfg, struct gw_carriers *out, char *err, size_t errlen)
{
  struct ag_carrier_conf at;
  const struct ag_carrier_conf *confs = cfg->carriers;
  size_t n = cfg->n_carriers;

  memset(out, 0, sizeof(*out));
  if (n == 0) {
    implicit_at(cfg, &at);
    confs = &at;
    n = 1;
  }
  for (size_t i = 0; i < n; i++) {
    int rc = carrier_new(cfg, &confs[i], &out->v[out->n], err, errlen);
    if (out->v[out->n])
      out->n++;
    if (rc) {
      gw_carriers_cleanup(out);
      return rc;
    }
  }
  return AG_OK;
}

void gw_carriers_cleanup(struct gw_carriers *cs)
{
  for (size_t i = 0; i < cs->n; i++) {
    OPENSSL_cleanse(cs->v[i], cs->v[i]->dialect->carrier_size); /* its secrets */
    free(cs->v[i]);
  }
  memset(cs, 0, sizeof(*cs));
}

int gw_carrier_body_type_ok(const struct gw_carrier *c, const char *content_type)
{
  const char *want = c->dialect->body_type;
  size_t n;

  if (!want)
    return 1;
  if (!content_type)
    return 0;
  while (*content_type == ' ' || *content_type == '\t')
    content_type++;
  n = strlen(want);
  if (strncasecmp(content_type, want, n) != 0)
    return 0;
  content_type += n;
  while (*content_type == ' ' || *content_type == '\t')
    content_type++;
  return *content_type == '\0' || *content_type == ';';
}
