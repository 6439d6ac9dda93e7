/* ag_config.h: the gateway's configuration, declared once as a table (ag_config.c).
 *
 * A configuration file holds `key = value` lines; `#` starts a comment line. A line
 * `[carrier.NAME]` opens a section: the lines after it, up to the next section, configure the
 * carrier NAME (their keys are a second table, documented as carrier.NAME.KEY). Every key is
 * documented and validated by the tables; an unknown key, a repeated key or section or a bad
 * value is an error that names the key, the line and the allowed values. Environment variables
 * AULGATE_DB and AULGATE_LISTEN override `db` and `listen` after the file is read.
 */
#ifndef AG_CONFIG_H
#define AG_CONFIG_H

#include "lib/ag_ipnet.h"
#include "lib/ag_log.h"

#include <stdio.h>

#define AG_CARRIERS_MAX     16
#define AG_CARRIER_NAME_MAX 32  /* with the NUL: [a-z0-9_-], also the stored `carrier` column */
#define AG_CARRIER_PATH_MAX 128 /* with the NUL */
#define AG_CARRIER_FILE_MAX 256 /* with the NUL */
#define AG_SMS_KEYWORDS_MAX 16  /* configured SMS keywords (sms_keywords) */

/* One [carrier.NAME] section as written; gateway/carriers resolves it into a carrier. A key not
 * written is 0 or empty: the carrier then takes the server-wide value. */
struct ag_carrier_conf {
  char name[AG_CARRIER_NAME_MAX];
  char dialect[AG_CARRIER_NAME_MAX]; /* required */
  char path[AG_CARRIER_PATH_MAX];    /* "": /ussd/NAME */
  struct ag_iplist allow_ips;        /* n == 0: carrier_allow_ips */
  long budget_ucs2, budget_gsm7;     /* 0: ussd_budget_ucs2 / ussd_budget_gsm7 */
  char auth[AG_CARRIER_NAME_MAX];    /* "": none; checked by gateway/carriers */
  char secret_file[AG_CARRIER_FILE_MAX];
  long auth_window_s; /* 0: 300 */
  /* SMS (dialect kannel): where and as whom to submit, where Kannel calls back. */
  char sms_url[AG_CARRIER_FILE_MAX];
  char sms_user[AG_CARRIER_FILE_MAX];
  char sms_password[AG_CARRIER_FILE_MAX];
  char sms_callback_url[AG_CARRIER_FILE_MAX];
  char sms_from[AG_CARRIER_FILE_MAX];
  long sms_rate; /* parts per second; 0: 100 */
  unsigned line; /* of the section header; 0 when set by ag_config_set() */
  unsigned seen; /* bit per key of the section table: set twice is refused */
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
  long max_connections_per_ip;
  long carrier_reserved_connections;
  long http_idle_timeout_s;
  long http_request_timeout_s;
  long db_batch_max;
  long db_queue_max;
  long db_connections;
  long db_reconnect_ms;
  long db_connect_timeout_ms;
  long hop_deadline_ms;     /* a hop's reply deadline, from its arrival */
  long db_commit_margin_ms; /* the commit guard fires this much before the deadline */
  long ussd_budget_ucs2;
  long ussd_budget_gsm7;
  size_t n_carriers; /* 0: one carrier `at` from the keys above (the behaviour before sections) */
  struct ag_carrier_conf carriers[AG_CARRIERS_MAX];
  long session_idle_timeout_ms;
  long session_max_ms;
  long resume_window_ms;
  long shutdown_grace_ms;
  struct ag_iplist metrics_allow_ips; /* may read /metrics without a token */
  long token_refresh_ms;              /* the API token cache's refresh period */
  char *pages_dir;                    /* owned; the static pages' folders (/ops/) */
  char *db_read;                      /* owned; "db": the db key's database */
  long results_min_respondents;       /* k of the results' small-cell suppression */
  long school_min_count;              /* issue 13: counts a school sees below it are hidden */
  long school_week_cap, school_daily_cap, school_poll_ms; /* issue 13: the delivery's caps */
  long sms_max_age_s;                                     /* the SMS outbox (issue 12) */
  long sms_outbox_retention_days;
  char *sms_keywords; /* owned; "" or "stop:ru:WORD, start:kk:WORD" (at most AG_SMS_KEYWORDS_MAX) */
  long sms_retry_base_ms, sms_retry_max_ms;
  long sms_http_connect_timeout_ms, sms_http_timeout_ms, sms_http_max_in_flight;
  long sms_tip_interval_days;
  long sms_quiet_start_min, sms_quiet_end_min, sms_tz_offset_min;
};

/* Sets every key to its default. cfg must be cleaned up with ag_config_cleanup(). */
int ag_config_init(struct ag_config *cfg /* OUT */);

/* Reads path (NULL: defaults only) and then the environment overrides. On failure returns
 * AG_ECONFIG or AG_EIO and writes a one-line message naming the key into err. */
int ag_config_load(struct ag_config *cfg, const char *path, char *err, size_t errlen);

/* Sets one key from its text form, as a file line would; "carrier.NAME.KEY" sets KEY of the
 * section NAME (created when new). Returns AG_OK, or AG_ECONFIG with err. */
int ag_config_set(struct ag_config *cfg, const char *key, const char *value, char *err,
                  size_t errlen);

void ag_config_cleanup(struct ag_config *cfg);

/* Writes the reference of every key (name, type, range, default, meaning) as a Markdown table. */
void ag_config_doc(FILE *out);

#endif
