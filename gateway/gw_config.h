/* gw_config.h: the gateway's configuration, declared once as a table (gw_config.c).
 *
 * A configuration file holds `key = value` lines; `#` starts a comment line. Every key is
 * documented and validated by the table; an unknown key, a repeated key or a bad value is an
 * error that names the key, the line and the allowed values. Environment variables AULGATE_DB
 * and AULGATE_LISTEN override `db` and `listen` after the file is read.
 */
#ifndef GW_CONFIG_H
#define GW_CONFIG_H

#include "gateway/gw_ipnet.h"
#include "gateway/gw_log.h"

#include <stdio.h>

#define GW_CARRIER_BUDGETS_MAX 16

/* A carrier whose screens are shorter (or longer) than the default budget. */
struct gw_carrier_budget {
  char carrier[16]; /* dialect or carrier name, e.g. "at" */
  long ucs2, gsm7;
};

struct gw_config {
  char *listen;         /* owned; "host:port" as given */
  char listen_host[64]; /* split from listen */
  int listen_port;
  char *db;                     /* owned; libpq conninfo */
  char *content_dir;            /* owned */
  char *ussd_entry;             /* owned; id of the content file a new session starts in */
  char *respondent_secret_file; /* owned */
  struct gw_iplist carrier_allow_ips;
  int log_level; /* enum gw_log_level */
  long max_body_bytes;
  long max_connections;
  long db_batch_max;
  long db_queue_max;
  long db_reconnect_ms;
  long db_connect_timeout_ms;
  long ussd_budget_ucs2;
  long ussd_budget_gsm7;
  size_t n_carrier_budgets;
  struct gw_carrier_budget carrier_budgets[GW_CARRIER_BUDGETS_MAX];
  long session_idle_timeout_ms;
  long session_max_ms;
  long resume_window_ms;
  long shutdown_grace_ms;
};

/* Sets every key to its default. cfg must be cleaned up with gw_config_cleanup(). */
int gw_config_init(struct gw_config *cfg /* OUT */);

/* Reads path (NULL: defaults only) and then the environment overrides. On failure returns
 * GW_ECONFIG or GW_EIO and writes a one-line message naming the key into err. */
int gw_config_load(struct gw_config *cfg, const char *path, char *err, size_t errlen);

/* Sets one key from its text form, as a file line would. Returns GW_OK, or GW_ECONFIG with err. */
int gw_config_set(struct gw_config *cfg, const char *key, const char *value, char *err,
                  size_t errlen);

void gw_config_cleanup(struct gw_config *cfg);

/* Writes the reference of every key (name, type, range, default, meaning) as a Markdown table. */
void gw_config_doc(FILE *out);

#endif
