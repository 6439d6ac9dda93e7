/* ag_config.h: the gateway's configuration, declared once as a table (ag_config.c).
 *
 * A configuration file holds `key = value` lines; `#` starts a comment line. Every key is
 * documented and validated by the table; an unknown key, a repeated key or a bad value is an
 * error that names the key, the line and the allowed values. Environment variables AULGATE_DB
 * and AULGATE_LISTEN override `db` and `listen` after the file is read.
 */
#ifndef AG_CONFIG_H
#define AG_CONFIG_H

#include "lib/ag_ipnet.h"
#include "lib/ag_log.h"

#include <stdio.h>

#define AG_CARRIER_BUDGETS_MAX 16

/* A carrier whose screens are shorter (or longer) than the default budget. */
struct ag_carrier_budget {
  char carrier[16]; /* dialect or carrier name, e.g. "at" */
  long ucs2, gsm7;
};

struct ag_config {
  char *listen;         /* owned; "host:port" as given */
  char listen_host[64]; /* split from listen */
  int listen_port;
  char *db;                     /* owned; libpq conninfo */
  char *content_dir;            /* owned */
  char *ussd_entry;             /* owned; id of the content file a new session starts in */
  char *respondent_secret_file; /* owned */
  struct ag_iplist carrier_allow_ips;
  int log_level; /* enum ag_log_level */
  long max_body_bytes;
  long max_connections;
  long db_batch_max;
  long db_queue_max;
  long db_reconnect_ms;
  long db_connect_timeout_ms;
  long ussd_budget_ucs2;
  long ussd_budget_gsm7;
  size_t n_carrier_budgets;
  struct ag_carrier_budget carrier_budgets[AG_CARRIER_BUDGETS_MAX];
  long session_idle_timeout_ms;
  long session_max_ms;
  long resume_window_ms;
  long shutdown_grace_ms;
};

/* Sets every key to its default. cfg must be cleaned up with ag_config_cleanup(). */
int ag_config_init(struct ag_config *cfg /* OUT */);

/* Reads path (NULL: defaults only) and then the environment overrides. On failure returns
 * AG_ECONFIG or AG_EIO and writes a one-line message naming the key into err. */
int ag_config_load(struct ag_config *cfg, const char *path, char *err, size_t errlen);

/* Sets one key from its text form, as a file line would. Returns AG_OK, or AG_ECONFIG with err. */
int ag_config_set(struct ag_config *cfg, const char *key, const char *value, char *err,
                  size_t errlen);

void ag_config_cleanup(struct ag_config *cfg);

/* Writes the reference of every key (name, type, range, default, meaning) as a Markdown table. */
void ag_config_doc(FILE *out);

#endif
