/* check_config.c: unit tests of the declarative configuration (ag_config) and of the allow-list
 * networks it parses (ag_ipnet): defaults, the generated reference, the file format, every
 * refusal with the key, line and allowed values in its message, the environment overrides, and
 * address matching for IPv4, IPv6, CIDR boundaries and IPv4-mapped IPv6 peers. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/ag.h"
#include "lib/ag_config.h"
#include "lib/ag_ipnet.h"
#include "lib/ag_log.h"
#include "tests/support/ag_check.h"

/* Every key of the option table, as the README documents them. A key added to the table without
 * being added here makes test_config_doc_lists_every_key fail on the row count. */
static const char *const all_keys[] = {
    "listen",
    "db",
    "content_dir",
    "ussd_entry",
    "respondent_secret_file",
    "carrier_allow_ips",
    "log_level",
    "max_body_bytes",
    "max_connections",
    "max_connections_per_ip",
    "carrier_reserved_connections",
    "http_idle_timeout_s",
    "http_request_timeout_s",
    "db_batch_max",
    "db_queue_max",
    "db_connections",
    "db_reconnect_ms",
    "db_connect_timeout_ms",
    "hop_deadline_ms",
    "db_commit_margin_ms",
    "ussd_budget_ucs2",
    "ussd_budget_gsm7",
    "session_idle_timeout_ms",
    "session_max_ms",
    "resume_window_ms",
    "shutdown_grace_ms",
    "metrics_allow_ips",
    "pages_dir",
    "token_refresh_ms",
    "db_read",
    "results_min_respondents",
    "school_min_count",
    "school_week_cap",
    "school_daily_cap",
    "school_poll_ms",
    "carrier.NAME.dialect",
    "carrier.NAME.path",
    "carrier.NAME.allow_ips",
    "carrier.NAME.budget_ucs2",
    "carrier.NAME.budget_gsm7",
    "carrier.NAME.auth",
    "carrier.NAME.secret_file",
    "carrier.NAME.auth_window_s",
    "sms_max_age_s",
    "sms_keywords",
    "sms_outbox_retention_days",
    "sms_retry_base_ms",
    "sms_retry_max_ms",
    "sms_http_connect_timeout_ms",
    "sms_http_timeout_ms",
    "sms_http_max_in_flight",
    "sms_tip_interval_days",
    "sms_quiet_start_min",
    "sms_quiet_end_min",
    "sms_tz_offset_min",
    "carrier.NAME.sms_url",
    "carrier.NAME.sms_user",
    "carrier.NAME.sms_password",
    "carrier.NAME.sms_callback_url",
    "carrier.NAME.sms_from",
    "carrier.NAME.sms_rate",
};

/* Each test runs in its own process (Check's fork mode), but starts from a clean environment
 * anyway so that a variable exported by the developer's shell cannot change the outcome. */
static void env_clear(void)
{
  unsetenv("AULGATE_DB");
  unsetenv("AULGATE_LISTEN");
}

/* Writes text to a new file under /tmp; path receives its name (at least 32 bytes). */
static void temp_write(char *path, const char *text)
{
  int fd;
  FILE *f;

  strcpy(path, "/tmp/aulgate-cfg-XXXXXX");
  fd = mkstemp(path);
  ck_assert_msg(fd >= 0, "mkstemp failed");
  f = fdopen(fd, "w");
  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq(fputs(text, f) >= 0, 1);
  ck_assert_int_eq(fclose(f), 0);
}

/* Initialises cfg, loads text as a configuration file and removes the file again. path (at least
 * 32 bytes) receives the file's name, for the messages that must name it. */
static int load_text(struct ag_config *cfg, const char *text, char *path, char *err, size_t errlen)
{
  int rc;

  ck_assert_int_eq(ag_config_init(cfg), AG_OK);
  temp_write(path, text);
  err[0] = '\0';
  rc = ag_config_load(cfg, path, err, errlen);
  unlink(path);
  return rc;
}

#define ck_assert_has(haystack, needle)                                                            \
  ck_assert_msg(strstr((haystack), (needle)) != NULL, "\"%s\" lacks \"%s\"", (haystack), (needle))

/* --- defaults and reference --- */

START_TEST(test_config_defaults_valid)
{
  struct ag_config cfg;
  char err[256] = "";

  ck_assert_int_eq(ag_config_init(&cfg), AG_OK);
  ck_assert_str_eq(cfg.listen, "127.0.0.1:8080");
  ck_assert_str_eq(cfg.listen_host, "127.0.0.1");
  ck_assert_int_eq(cfg.listen_port, 8080);
  ck_assert_str_eq(cfg.db, "host=127.0.0.1 port=54329 dbname=aulgate user=aulgate");
  ck_assert_str_eq(cfg.content_dir, "content");
  ck_assert_str_eq(cfg.ussd_entry, "main_menu");
  ck_assert_str_eq(cfg.respondent_secret_file, "var/secret");
  ck_assert_uint_eq(cfg.carrier_allow_ips.n, 2);
  ck_assert_int_eq(cfg.carrier_allow_ips.net[0].family, AF_INET);
  ck_assert_uint_eq(cfg.carrier_allow_ips.net[0].prefix, 32);
  ck_assert_int_eq(cfg.carrier_allow_ips.net[1].family, AF_INET6);
  ck_assert_uint_eq(cfg.carrier_allow_ips.net[1].prefix, 128);
  ck_assert_int_eq(cfg.log_level, AG_LOG_INFO);
  ck_assert_int_eq(cfg.max_body_bytes, 8192);
  ck_assert_int_eq(cfg.max_connections, 4096);
  ck_assert_int_eq(cfg.db_batch_max, 256);
  ck_assert_int_eq(cfg.db_queue_max, 10000);
  ck_assert_int_eq(cfg.db_reconnect_ms, 1000);
  ck_assert_int_eq(cfg.db_connect_timeout_ms, 5000);
  ck_assert_int_eq(cfg.hop_deadline_ms, 5000);
  ck_assert_int_eq(cfg.db_commit_margin_ms, 1000);
  ck_assert_int_eq(cfg.ussd_budget_ucs2, 75);
  ck_assert_int_eq(cfg.ussd_budget_gsm7, 175);
  ck_assert_int_eq(cfg.session_idle_timeout_ms, 60000);
  ck_assert_int_eq(cfg.session_max_ms, 180000);
  ck_assert_int_eq(cfg.shutdown_grace_ms, 10000);
  ck_assert_int_eq(cfg.token_refresh_ms, 5000);
  ck_assert_uint_eq(cfg.metrics_allow_ips.n, 2);

  /* No file and no environment: the defaults stay. */
  ck_assert_int_eq(ag_config_load(&cfg, NULL, err, sizeof(err)), AG_OK);
  ck_assert_str_eq(cfg.listen, "127.0.0.1:8080");
  ck_assert_int_eq(cfg.max_body_bytes, 8192);
  ag_config_cleanup(&cfg);
  ck_assert_ptr_null(cfg.listen);
  ck_assert_ptr_null(cfg.db);
  ag_config_cleanup(&cfg); /* twice is harmless */
}
END_TEST

/* Splits one Markdown table row "| a | b | c |" into at most max trimmed cells. */
static size_t row_cells(char *row, char **cells, size_t max)
{
  size_t n = 0;
  char *p = strchr(row, '|');

  while (p && n < max) {
    char *next = strchr(p + 1, '|');
    char *s = p + 1, *e;
    if (!next)
      break;
    *next = '\0';
    while (*s == ' ')
      s++;
    e = s + strlen(s);
    while (e > s && e[-1] == ' ')
      *--e = '\0';
    cells[n++] = s;
    p = next;
  }
  return n;
}

START_TEST(test_config_doc_lists_every_key)
{
  char *doc = NULL, *line, *save = NULL;
  size_t doclen = 0, rows = 0;
  FILE *out = open_memstream(&doc, &doclen);
  struct ag_config cfg;

  ck_assert_ptr_nonnull(out);
  ag_config_doc(out);
  ck_assert_int_eq(fclose(out), 0);
  ck_assert_ptr_nonnull(doc);

  for (size_t i = 0; i < AG_ARRAY_LEN(all_keys); i++) {
    char quoted[64];
    snprintf(quoted, sizeof(quoted), "| `%s` |", all_keys[i]);
    ck_assert_msg(strstr(doc, quoted) != NULL, "config-doc does not document '%s'", all_keys[i]);
  }

  /* The other way round: every documented key exists, accepts its documented default, and an
   * integer key documents a range that holds the default. */
  ck_assert_int_eq(ag_config_init(&cfg), AG_OK);
  for (line = strtok_r(doc, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *cells[5], key[64], def[256], err[256];
    size_t n = row_cells(line, cells, 5);
    size_t klen;

    ck_assert_uint_eq(n, 5);
    if (strcmp(cells[0], "key") == 0 || strcmp(cells[0], "---") == 0)
      continue;
    klen = strlen(cells[0]);
    ck_assert_msg(klen > 2 && cells[0][0] == '`' && cells[0][klen - 1] == '`', "row key %s",
                  cells[0]);
    snprintf(key, sizeof(key), "%.*s", (int)(klen - 2), cells[0] + 1);
    ck_assert_msg(*cells[4] != '\0', "key '%s' has no meaning documented", key);
    rows++;
    if (strncmp(key, "carrier.NAME.", 13) == 0 && cells[3][0] != '`')
      continue; /* a section key without a default of its own: inherited or required */
    snprintf(def, sizeof(def), "%.*s", (int)(strlen(cells[3]) - 2), cells[3] + 1);
    ck_assert_msg(ag_config_set(&cfg, key, def, err, sizeof(err)) == AG_OK,
                  "documented key '%s' refuses its documented default '%s': %s", key, def, err);
    if (strcmp(cells[1], "integer") == 0) {
      long lo, hi, v = strtol(def, NULL, 10);
      ck_assert_msg(sscanf(cells[2], "%ld to %ld", &lo, &hi) == 2, "key '%s' range '%s'", key,
                    cells[2]);
      ck_assert_msg(lo <= v && v <= hi, "key '%s': default %ld outside %ld to %ld", key, v, lo, hi);
    }
  }
  ck_assert_uint_eq(rows, AG_ARRAY_LEN(all_keys));
  ag_config_cleanup(&cfg);
  free(doc);
}
END_TEST

/* --- the file --- */

START_TEST(test_config_file_comments_blank_lines_spaces)
{
  struct ag_config cfg;
  char path[64], err[512];
  const char *text = "# Aulgate test configuration\n"
                     "\n"
                     "   \n"
                     "\t# an indented comment\n"
                     "  listen   =   0.0.0.0:9090  \n"
                     "max_body_bytes=4096\r\n"
                     "db = host=db.local port=5432 dbname=aulgate\n"
                     "\tlog_level\t=\tdebug\n"
                     "carrier_allow_ips = 10.0.0.0/8 , ::1\n"
                     "content_dir = /srv/aulgate/content"; /* no final newline */

  ck_assert_msg(load_text(&cfg, text, path, err, sizeof(err)) == AG_OK, "%s", err);
  ck_assert_str_eq(cfg.listen, "0.0.0.0:9090");
  ck_assert_str_eq(cfg.listen_host, "0.0.0.0");
  ck_assert_int_eq(cfg.listen_port, 9090);
  ck_assert_int_eq(cfg.max_body_bytes, 4096);
  /* '=' after the first one belongs to the value. */
  ck_assert_str_eq(cfg.db, "host=db.local port=5432 dbname=aulgate");
  ck_assert_int_eq(cfg.log_level, AG_LOG_DEBUG);
  ck_assert_uint_eq(cfg.carrier_allow_ips.n, 2);
  ck_assert_str_eq(cfg.content_dir, "/srv/aulgate/content");
  /* Keys the file does not name keep their defaults. */
  ck_assert_int_eq(cfg.max_connections, 4096);
  ck_assert_str_eq(cfg.ussd_entry, "main_menu");
  ag_config_cleanup(&cfg);
}
END_TEST

START_TEST(test_config_file_unknown_key)
{
  struct ag_config cfg;
  char path[64], err[512];

  ck_assert_int_eq(
      load_text(&cfg, "listen = 127.0.0.1:80\n\nlisten_port = 80\n", path, err, sizeof(err)),
      AG_ECONFIG);
  ck_assert_has(err, "listen_port");
  ck_assert_has(err, "unknown key");
  ck_assert_has(err, path);
  ck_assert_has(err, ":3:");
  ag_config_cleanup(&cfg);
}
END_TEST

START_TEST(test_config_file_key_twice)
{
  struct ag_config cfg;
  char path[64], err[512];

  ck_assert_int_eq(load_text(&cfg, "max_connections = 10\n# again\nmax_connections = 10\n", path,
                             err, sizeof(err)),
                   AG_ECONFIG);
  ck_assert_has(err, "max_connections");
  ck_assert_has(err, "twice");
  ck_assert_has(err, ":3:");
  ck_assert_has(err, path);
  ag_config_cleanup(&cfg);
}
END_TEST

START_TEST(test_config_file_line_without_equals)
{
  struct ag_config cfg;
  char path[64], err[512];

  ck_assert_int_eq(load_text(&cfg, "# header\nlisten 127.0.0.1:80\n", path, err, sizeof(err)),
                   AG_ECONFIG);
  ck_assert_has(err, ":2:");
  ck_assert_has(err, "key = value");
  ag_config_cleanup(&cfg);
}
END_TEST

START_TEST(test_config_file_bad_value_names_line_key_range)
{
  struct ag_config cfg;
  char path[64], err[512];

  ck_assert_int_eq(
      load_text(&cfg, "db_batch_max = 100\nussd_budget_ucs2 = 81\n", path, err, sizeof(err)),
      AG_ECONFIG);
  ck_assert_has(err, path);
  ck_assert_has(err, ":2:");
  ck_assert_has(err, "ussd_budget_ucs2");
  ck_assert_has(err, "'81'");
  ck_assert_has(err, "20 to 80");
  ag_config_cleanup(&cfg);
}
END_TEST

START_TEST(test_config_file_empty_value)
{
  struct ag_config cfg;
  char path[64], err[512];

  ck_assert_int_eq(load_text(&cfg, "content_dir =   \n", path, err, sizeof(err)), AG_ECONFIG);
  ck_assert_has(err, ":1:");
  ck_assert_has(err, "content_dir");
  ck_assert_has(err, "empty");
  ag_config_cleanup(&cfg);
}
END_TEST

START_TEST(test_config_file_line_too_long)
{
  struct ag_config cfg;
  char path[64], err[512];
  size_t n = 5000;
  char *text = malloc(n + 32);

  ck_assert_ptr_nonnull(text);
  strcpy(text, "listen = 127.0.0.1:80\ndb = ");
  memset(text + strlen(text), 'x', n);
  strcpy(text + strlen("listen = 127.0.0.1:80\ndb = ") + n, "\n");
  ck_assert_int_eq(load_text(&cfg, text, path, err, sizeof(err)), AG_ECONFIG);
  ck_assert_has(err, ":2:");
  ck_assert_has(err, "longer than");
  free(text);
  ag_config_cleanup(&cfg);
}
END_TEST

START_TEST(test_config_file_missing)
{
  struct ag_config cfg;
  char err[512] = "";
  const char *path = "/tmp/aulgate-no-such-dir/aulgate.conf";

  ck_assert_int_eq(ag_config_init(&cfg), AG_OK);
  ck_assert_int_eq(ag_config_load(&cfg, path, err, sizeof(err)), AG_EIO);
  ck_assert_has(err, path);
  /* Nothing was changed. */
  ck_assert_str_eq(cfg.listen, "127.0.0.1:8080");
  ag_config_cleanup(&cfg);
}
END_TEST

/* --- environment overrides --- */

START_TEST(test_config_env_overrides_file)
{
  struct ag_config cfg;
  char path[64], err[512];

  ck_assert_int_eq(setenv("AULGATE_DB", "postgresql://env@dbhost/aulgate", 1), 0);
  ck_assert_int_eq(setenv("AULGATE_LISTEN", "[::1]:9443", 1), 0);
  ck_assert_msg(load_text(&cfg, "db = host=file\nlisten = 10.1.1.1:8081\nmax_connections = 7\n",
                          path, err, sizeof(err)) == AG_OK,
                "%s", err);
  ck_assert_str_eq(cfg.db, "postgresql://env@dbhost/aulgate");
  ck_assert_str_eq(cfg.listen, "[::1]:9443");
  ck_assert_str_eq(cfg.listen_host, "::1");
  ck_assert_int_eq(cfg.listen_port, 9443);
  ck_assert_int_eq(cfg.max_connections, 7); /* the file still applies to other keys */
  ag_config_cleanup(&cfg);
  env_clear();
}
END_TEST

START_TEST(test_config_env_overrides_defaults)
{
  struct ag_config cfg;
  char err[512] = "";

  ck_assert_int_eq(setenv("AULGATE_DB", "host=envonly", 1), 0);
  ck_assert_int_eq(ag_config_init(&cfg), AG_OK);
  ck_assert_int_eq(ag_config_load(&cfg, NULL, err, sizeof(err)), AG_OK);
  ck_assert_str_eq(cfg.db, "host=envonly");
  ck_assert_str_eq(cfg.listen, "127.0.0.1:8080"); /* AULGATE_LISTEN unset */
  ag_config_cleanup(&cfg);
  env_clear();
}
END_TEST

START_TEST(test_config_env_bad_value)
{
  struct ag_config cfg;
  char err[512] = "";

  ck_assert_int_eq(setenv("AULGATE_LISTEN", "localhost", 1), 0);
  ck_assert_int_eq(ag_config_init(&cfg), AG_OK);
  ck_assert_int_eq(ag_config_load(&cfg, NULL, err, sizeof(err)), AG_ECONFIG);
  ck_assert_has(err, "AULGATE_LISTEN");
  ck_assert_has(err, "listen");
  ck_assert_has(err, "host:port");
  ag_config_cleanup(&cfg);

  ck_assert_int_eq(setenv("AULGATE_LISTEN", "127.0.0.1:8080", 1), 0);
  ck_assert_int_eq(setenv("AULGATE_DB", "", 1), 0);
  ck_assert_int_eq(ag_config_init(&cfg), AG_OK);
  ck_assert_int_eq(ag_config_load(&cfg, NULL, err, sizeof(err)), AG_ECONFIG);
  ck_assert_has(err, "AULGATE_DB");
  ck_assert_has(err, "empty");
  ag_config_cleanup(&cfg);
  env_clear();
}
END_TEST

/* --- values --- */

static const struct {
  const char *key, *value, *range;
} bad_ints[] = {
    {"max_body_bytes", "abc", "256 to 1048576"},
    {"max_body_bytes", "", "256 to 1048576"},
    {"max_body_bytes", "12x", "256 to 1048576"},
    {"max_body_bytes", "255", "256 to 1048576"},
    {"max_body_bytes", "1048577", "256 to 1048576"},
    {"max_body_bytes", "99999999999999999999999", "256 to 1048576"},
    {"max_body_bytes", "-8192", "256 to 1048576"},
    {"max_body_bytes", "8192.0", "256 to 1048576"},
    {"max_body_bytes", " 8192", "256 to 1048576"}, /* strtol alone would take these two */
    {"max_body_bytes", "+8192", "256 to 1048576"},
    {"max_connections", "0", "1 to 65536"},
    {"ussd_budget_ucs2", "81", "20 to 80"},
    {"ussd_budget_gsm7", "183", "20 to 182"},
    {"ussd_budget_gsm7", "19", "20 to 182"},
    {"shutdown_grace_ms", "-1", "0 to 600000"},
    {"session_idle_timeout_ms", "999", "1000 to 3600000"},
    {"db_reconnect_ms", "49", "50 to 600000"},
    {"hop_deadline_ms", "499", "500 to 60000"},
    {"hop_deadline_ms", "60001", "500 to 60000"},
    {"db_commit_margin_ms", "-1", "0 to 30000"},
    {"token_refresh_ms", "999", "1000 to 300000"},
    {"token_refresh_ms", "300001", "1000 to 300000"},
    {"results_min_respondents", "4", "5 to 100000"},
    {"school_min_count", "1", "2 to 100"},
    {"school_week_cap", "15", "1 to 14"},
    {"db_read", "", "must not be empty"},
    /* the configured SMS keywords: kind, language, a word of letters */
    {"sms_keywords", "halt:ru:ХВАТИТ", "stop|start:kk|ru|en:WORD"},
    {"sms_keywords", "stop:de:HALT", "stop|start:kk|ru|en:WORD"},
    {"sms_keywords", "stop:ru:STOP2", "stop|start:kk|ru|en:WORD"},
    {"sms_keywords", "stop:ru:", "stop|start:kk|ru|en:WORD"},
    {"sms_keywords", "stop:ru:A B", "stop|start:kk|ru|en:WORD"},
};

START_TEST(test_config_int_refused)
{
  struct ag_config cfg;
  char err[256] = "";
  long before;

  ck_assert_int_eq(ag_config_init(&cfg), AG_OK);
  before = cfg.max_body_bytes;
  ck_assert_msg(ag_config_set(&cfg, bad_ints[_i].key, bad_ints[_i].value, err, sizeof(err)) ==
                    AG_ECONFIG,
                "%s = '%s' accepted", bad_ints[_i].key, bad_ints[_i].value);
  ck_assert_has(err, bad_ints[_i].key);
  ck_assert_has(err, bad_ints[_i].range);
  ck_assert_int_eq(cfg.max_body_bytes, before); /* a refused value changes nothing */
  ag_config_cleanup(&cfg);
}
END_TEST

START_TEST(test_config_sms_keywords_accepted)
{
  struct ag_config cfg;
  char err[256] = "";

  ck_assert_int_eq(ag_config_init(&cfg), AG_OK);
  ck_assert_str_eq(cfg.sms_keywords, "");
  ck_assert_int_eq(
      ag_config_set(&cfg, "sms_keywords", " stop:ru:ОТПИСКА , start:en:JOIN", err, sizeof(err)),
      AG_OK);
  ck_assert_str_eq(cfg.sms_keywords, " stop:ru:ОТПИСКА , start:en:JOIN");
  ag_config_cleanup(&cfg);
}
END_TEST

START_TEST(test_config_int_bounds_accepted)
{
  struct ag_config cfg;
  char err[256] = "";

  ck_assert_int_eq(ag_config_init(&cfg), AG_OK);
  ck_assert_int_eq(ag_config_set(&cfg, "ussd_budget_ucs2", "20", err, sizeof(err)), AG_OK);
  ck_assert_int_eq(cfg.ussd_budget_ucs2, 20);
  ck_assert_int_eq(ag_config_set(&cfg, "ussd_budget_ucs2", "80", err, sizeof(err)), AG_OK);
  ck_assert_int_eq(cfg.ussd_budget_ucs2, 80);
  ck_assert_int_eq(ag_config_set(&cfg, "shutdown_grace_ms", "0", err, sizeof(err)), AG_OK);
  ck_assert_int_eq(cfg.shutdown_grace_ms, 0);
  ck_assert_int_eq(ag_config_set(&cfg, "max_body_bytes", "1048576", err, sizeof(err)), AG_OK);
  ck_assert_int_eq(cfg.max_body_bytes, 1048576);
  ck_assert_int_eq(ag_config_set(&cfg, "db_queue_max", "1000000", err, sizeof(err)), AG_OK);
  ck_assert_int_eq(cfg.db_queue_max, 1000000);
  ag_config_cleanup(&cfg);
}
END_TEST

START_TEST(test_config_unknown_key_set)
{
  struct ag_config cfg;
  char err[256] = "";

  ck_assert_int_eq(ag_config_init(&cfg), AG_OK);
  ck_assert_int_eq(ag_config_set(&cfg, "Listen", "127.0.0.1:80", err, sizeof(err)), AG_ECONFIG);
  ck_assert_has(err, "'Listen'");
  ck_assert_int_eq(ag_config_set(&cfg, "", "x", err, sizeof(err)), AG_ECONFIG);
  ck_assert_has(err, "unknown key");
  ag_config_cleanup(&cfg);
}
END_TEST

static const struct {
  const char *value, *host;
  int port;
} good_listen[] = {
    {"0.0.0.0:1", "0.0.0.0", 1},
    {"localhost:65535", "localhost", 65535},
    {"[::1]:8080", "::1", 8080},
    {"[::]:80", "::", 80},
    {"[2001:db8::1]:443", "2001:db8::1", 443},
    {"gw.example.kz:8080", "gw.example.kz", 8080},
};

START_TEST(test_config_listen_accepted)
{
  struct ag_config cfg;
  char err[256] = "";

  ck_assert_int_eq(ag_config_init(&cfg), AG_OK);
  ck_assert_msg(ag_config_set(&cfg, "listen", good_listen[_i].value, err, sizeof(err)) == AG_OK,
                "'%s': %s", good_listen[_i].value, err);
  ck_assert_str_eq(cfg.listen, good_listen[_i].value);
  ck_assert_str_eq(cfg.listen_host, good_listen[_i].host);
  ck_assert_int_eq(cfg.listen_port, good_listen[_i].port);
  ag_config_cleanup(&cfg);
}
END_TEST

static const char *const bad_listen[] = {
    "",
    "127.0.0.1",
    "127.0.0.1:",
    "127.0.0.1: 80",
    "127.0.0.1:+80",
    ":8080",
    "127.0.0.1:0",
    "127.0.0.1:65536",
    "127.0.0.1:80x",
    "127.0.0.1:http",
    "::1:8080",
    "[::1]",
    "[::1]8080",
    "[::1:8080",
    "[]:8080",
    "127.0.0.1:-80",
    "a-host-name-that-is-longer-than-the-sixty-four-bytes-of-listen-host:80",
};

START_TEST(test_config_listen_refused)
{
  struct ag_config cfg;
  char err[256] = "";

  ck_assert_int_eq(ag_config_init(&cfg), AG_OK);
  ck_assert_msg(ag_config_set(&cfg, "listen", bad_listen[_i], err, sizeof(err)) == AG_ECONFIG,
                "'%s' accepted (host '%s', port %d)", bad_listen[_i], cfg.listen_host,
                cfg.listen_port);
  ck_assert_has(err, "listen");
  /* The previous address, text and parts alike, is kept. */
  ck_assert_str_eq(cfg.listen, "127.0.0.1:8080");
  ck_assert_str_eq(cfg.listen_host, "127.0.0.1");
  ck_assert_int_eq(cfg.listen_port, 8080);
  ag_config_cleanup(&cfg);
}
END_TEST

START_TEST(test_config_empty_string_refused)
{
  static const char *const keys[] = {"db", "content_dir", "ussd_entry", "respondent_secret_file"};
  struct ag_config cfg;
  char err[256] = "";

  ck_assert_int_eq(ag_config_init(&cfg), AG_OK);
  for (size_t i = 0; i < AG_ARRAY_LEN(keys); i++) {
    ck_assert_int_eq(ag_config_set(&cfg, keys[i], "", err, sizeof(err)), AG_ECONFIG);
    ck_assert_has(err, keys[i]);
    ck_assert_has(err, "empty");
  }
  ck_assert_str_eq(cfg.content_dir, "content");
  ag_config_cleanup(&cfg);
}
END_TEST

START_TEST(test_config_iplist_accepted)
{
  struct ag_config cfg;
  char err[256] = "";

  ck_assert_int_eq(ag_config_init(&cfg), AG_OK);
  ck_assert_msg(ag_config_set(&cfg, "carrier_allow_ips",
                              " 10.0.0.0/8, 192.168.1.7 ,::1,2001:db8::/32", err,
                              sizeof(err)) == AG_OK,
                "%s", err);
  ck_assert_uint_eq(cfg.carrier_allow_ips.n, 4);
  ck_assert_int_eq(cfg.carrier_allow_ips.net[0].family, AF_INET);
  ck_assert_uint_eq(cfg.carrier_allow_ips.net[0].prefix, 8);
  ck_assert_uint_eq(cfg.carrier_allow_ips.net[1].prefix, 32);
  ck_assert_int_eq(cfg.carrier_allow_ips.net[3].family, AF_INET6);
  ck_assert_uint_eq(cfg.carrier_allow_ips.net[3].prefix, 32);
  ag_config_cleanup(&cfg);
}
END_TEST

static const char *const bad_iplists[] = {
    "",
    " ",
    "10.0.0.0/33",
    "10.0.0.0/",
    "/8",
    "10.0.0.0/8x",
    "10.0.0.0/-1",
    "1.2.3",
    "256.1.1.1",
    "example.com",
    "10.0.0.1,,10.0.0.2",
    ",10.0.0.1",
    "10.0.0.1, ",
    "::1/129",
    "10.0.0.1;10.0.0.2",
    "1.1.1.1,2.2.2.2,3.3.3.3,4.4.4.4,5.5.5.5,6.6.6.6,7.7.7.7,8.8.8.8,"
    "9.9.9.9,10.10.10.10,11.11.11.11,12.12.12.12,13.13.13.13,14.14.14.14,15.15.15.15,"
    "16.16.16.16,17.17.17.17",
};

START_TEST(test_config_iplist_refused)
{
  struct ag_config cfg;
  char err[256] = "";

  ck_assert_int_eq(ag_config_init(&cfg), AG_OK);
  ck_assert_msg(ag_config_set(&cfg, "carrier_allow_ips", bad_iplists[_i], err, sizeof(err)) ==
                    AG_ECONFIG,
                "'%s' accepted", bad_iplists[_i]);
  ck_assert_has(err, "carrier_allow_ips");
  ck_assert_uint_eq(cfg.carrier_allow_ips.n, 2); /* the default list is kept */
  ag_config_cleanup(&cfg);
}
END_TEST

START_TEST(test_config_iplist_trailing_comma_refused)
{
  struct ag_iplist list;

  /* An empty entry is refused at the start (",10.0.0.1"), in the middle ("a,,b") and before
   * trailing spaces ("10.0.0.1, "); a bare trailing comma must be refused the same way, since it
   * is the same empty entry (usually a line cut while editing). */
  ck_assert_int_eq(ag_iplist_parse("10.0.0.1, ", &list), AG_EINVAL);
  ck_assert_msg(ag_iplist_parse("10.0.0.1,", &list) == AG_EINVAL,
                "'10.0.0.1,' accepted with %zu entries", list.n);
}
END_TEST

START_TEST(test_config_log_level_values)
{
  static const struct {
    const char *text;
    int level;
  } good[] = {{"debug", AG_LOG_DEBUG},
              {"info", AG_LOG_INFO},
              {"warn", AG_LOG_WARN},
              {"error", AG_LOG_ERROR}};
  static const char *const bad[] = {"", "verbose", "warning", "0", "info "};
  struct ag_config cfg;
  char err[256] = "";

  ck_assert_int_eq(ag_config_init(&cfg), AG_OK);
  for (size_t i = 0; i < AG_ARRAY_LEN(good); i++) {
    ck_assert_int_eq(ag_config_set(&cfg, "log_level", good[i].text, err, sizeof(err)), AG_OK);
    ck_assert_int_eq(cfg.log_level, good[i].level);
  }
  for (size_t i = 0; i < AG_ARRAY_LEN(bad); i++) {
    ck_assert_msg(ag_config_set(&cfg, "log_level", bad[i], err, sizeof(err)) == AG_ECONFIG,
                  "log_level '%s' accepted", bad[i]);
    ck_assert_has(err, "log_level");
    ck_assert_has(err, "debug, info, warn, error");
    ck_assert_int_eq(cfg.log_level, AG_LOG_ERROR); /* unchanged */
  }
  ag_config_cleanup(&cfg);
}
END_TEST

/* --- ag_ipnet --- */

static struct sockaddr_in sa4(const char *text)
{
  struct sockaddr_in sa;

  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  ck_assert_int_eq(inet_pton(AF_INET, text, &sa.sin_addr), 1);
  return sa;
}

static struct sockaddr_in6 sa6(const char *text)
{
  struct sockaddr_in6 sa;

  memset(&sa, 0, sizeof(sa));
  sa.sin6_family = AF_INET6;
  ck_assert_int_eq(inet_pton(AF_INET6, text, &sa.sin6_addr), 1);
  return sa;
}

/* 1 when the address text (v4 or v6) matches list. */
static int match(const char *list_text, const char *addr)
{
  struct ag_iplist list;

  ck_assert_msg(ag_iplist_parse(list_text, &list) == AG_OK, "list '%s'", list_text);
  if (strchr(addr, ':')) {
    struct sockaddr_in6 s = sa6(addr);
    return ag_iplist_match(&list, (const struct sockaddr *)&s);
  } else {
    struct sockaddr_in s = sa4(addr);
    return ag_iplist_match(&list, (const struct sockaddr *)&s);
  }
}

START_TEST(test_ipnet_parse)
{
  struct ag_ipnet net;
  static const uint8_t ten[4] = {10, 0, 0, 0};

  ck_assert_int_eq(ag_ipnet_parse("10.0.0.0/8", &net), AG_OK);
  ck_assert_int_eq(net.family, AF_INET);
  ck_assert_uint_eq(net.prefix, 8);
  ck_assert_mem_eq(net.addr, ten, 4);
  ck_assert_int_eq(ag_ipnet_parse("192.0.2.1", &net), AG_OK);
  ck_assert_uint_eq(net.prefix, 32);
  ck_assert_int_eq(ag_ipnet_parse("::1", &net), AG_OK);
  ck_assert_int_eq(net.family, AF_INET6);
  ck_assert_uint_eq(net.prefix, 128);
  ck_assert_int_eq(ag_ipnet_parse("0.0.0.0/0", &net), AG_OK);
  ck_assert_uint_eq(net.prefix, 0);
  ck_assert_int_eq(ag_ipnet_parse("::/0", &net), AG_OK);
  ck_assert_int_eq(ag_ipnet_parse("2001:db8::/128", &net), AG_OK);
  ck_assert_int_eq(ag_ipnet_parse("10.0.0.0/33", &net), AG_EINVAL);
  ck_assert_int_eq(ag_ipnet_parse("::/129", &net), AG_EINVAL);
  ck_assert_int_eq(ag_ipnet_parse("", &net), AG_EINVAL);
  ck_assert_int_eq(ag_ipnet_parse("10.0.0.0/ 8", &net), AG_EINVAL);
  ck_assert_int_eq(ag_ipnet_parse("10.0.0.0/8/8", &net), AG_EINVAL);
}
END_TEST

START_TEST(test_ipnet_v4_cidr_boundaries)
{
  ck_assert_int_eq(match("10.0.0.0/8", "10.0.0.0"), 1);
  ck_assert_int_eq(match("10.0.0.0/8", "10.255.255.255"), 1);
  ck_assert_int_eq(match("10.0.0.0/8", "9.255.255.255"), 0);
  ck_assert_int_eq(match("10.0.0.0/8", "11.0.0.0"), 0);
  /* A prefix that does not end on a byte: .64/26 is .64 to .127. */
  ck_assert_int_eq(match("192.168.1.64/26", "192.168.1.63"), 0);
  ck_assert_int_eq(match("192.168.1.64/26", "192.168.1.64"), 1);
  ck_assert_int_eq(match("192.168.1.64/26", "192.168.1.127"), 1);
  ck_assert_int_eq(match("192.168.1.64/26", "192.168.1.128"), 0);
  ck_assert_int_eq(match("172.16.0.0/12", "172.31.255.255"), 1);
  ck_assert_int_eq(match("172.16.0.0/12", "172.32.0.0"), 0);
  ck_assert_int_eq(match("203.0.113.9", "203.0.113.9"), 1);
  ck_assert_int_eq(match("203.0.113.9", "203.0.113.8"), 0);
  ck_assert_int_eq(match("203.0.113.9/31", "203.0.113.8"), 1);
  ck_assert_int_eq(match("0.0.0.0/0", "255.255.255.255"), 1);
  ck_assert_int_eq(match("0.0.0.0/0", "::1"), 0); /* no family crossing */
  ck_assert_int_eq(match("198.51.100.1, 10.0.0.0/8", "10.9.8.7"), 1);
}
END_TEST

START_TEST(test_ipnet_v6_cidr_boundaries)
{
  ck_assert_int_eq(match("::1", "::1"), 1);
  ck_assert_int_eq(match("::1", "::2"), 0);
  ck_assert_int_eq(match("2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"), 1);
  ck_assert_int_eq(match("2001:db8::/32", "2001:db9::"), 0);
  ck_assert_int_eq(match("2001:db8::/32", "2001:db7:ffff::1"), 0);
  /* fe80::/10 is fe80:: to febf:ffff:..., a prefix that does not end on a byte. */
  ck_assert_int_eq(match("fe80::/10", "fe80::1"), 1);
  ck_assert_int_eq(match("fe80::/10", "febf:ffff::1"), 1);
  ck_assert_int_eq(match("fe80::/10", "fec0::"), 0);
  ck_assert_int_eq(match("fe80::/10", "fe7f:ffff::"), 0);
  ck_assert_int_eq(match("2001:db8::1/127", "2001:db8::"), 1);
  ck_assert_int_eq(match("2001:db8::1/127", "2001:db8::2"), 0);
  ck_assert_int_eq(match("::/0", "2a00:1450::1"), 1);
  ck_assert_int_eq(match("::/0", "192.0.2.1"), 0);
}
END_TEST

START_TEST(test_ipnet_v4_mapped_peer)
{
  /* A dual-stack socket reports an IPv4 peer as ::ffff:a.b.c.d: it must match IPv4 entries. */
  ck_assert_int_eq(match("10.0.0.0/8", "::ffff:10.1.2.3"), 1);
  ck_assert_int_eq(match("10.0.0.0/8", "::ffff:11.1.2.3"), 0);
  ck_assert_int_eq(match("127.0.0.1", "::ffff:127.0.0.1"), 1);
  ck_assert_int_eq(match("127.0.0.1,::1", "::ffff:127.0.0.2"), 0);
  /* ::1 is not the IPv4 loopback, and ::0.0.0.1 (v4-compatible, deprecated) is not mapped. */
  ck_assert_int_eq(match("0.0.0.1", "::1"), 0);
}
END_TEST

START_TEST(test_ipnet_v4_mapped_entry)
{
  /* An entry written in the IPv4-mapped form names the same IPv4 network; the header promises a
   * match when the peer "lies in one of the list's networks", for a mapped peer and a plain IPv4
   * peer alike. Otherwise such an entry silently never matches anything. */
  ck_assert_msg(match("::ffff:10.0.0.0/104", "::ffff:10.1.2.3") == 1,
                "mapped peer ::ffff:10.1.2.3 not in ::ffff:10.0.0.0/104");
  ck_assert_msg(match("::ffff:10.0.0.0/104", "10.1.2.3") == 1,
                "IPv4 peer 10.1.2.3 not in ::ffff:10.0.0.0/104");
}
END_TEST

START_TEST(test_ipnet_match_other_families)
{
  struct ag_iplist list;
  struct sockaddr_un su;

  ck_assert_int_eq(ag_iplist_parse("0.0.0.0/0,::/0", &list), AG_OK);
  memset(&su, 0, sizeof(su));
  su.sun_family = AF_UNIX;
  ck_assert_int_eq(ag_iplist_match(&list, (const struct sockaddr *)&su), 0);
  ck_assert_int_eq(ag_iplist_match(&list, NULL), 0);
}
END_TEST

START_TEST(test_ipnet_list_limits)
{
  struct ag_iplist list;
  char text[512] = "";

  for (int i = 1; i <= AG_IPNET_MAX; i++) {
    char item[24];
    snprintf(item, sizeof(item), "%s10.0.0.%d", i > 1 ? "," : "", i);
    strcat(text, item);
  }
  ck_assert_int_eq(ag_iplist_parse(text, &list), AG_OK);
  ck_assert_uint_eq(list.n, AG_IPNET_MAX);
  strcat(text, ",10.0.0.99");
  ck_assert_int_eq(ag_iplist_parse(text, &list), AG_E2BIG);
  ck_assert_int_eq(ag_iplist_parse("", &list), AG_EINVAL);
  ck_assert_int_eq(ag_iplist_parse("10.0.0.1,bad", &list), AG_EINVAL);
}
END_TEST

/* The flat carrier_budgets key is read no more: its refusal says what to write instead, both
 * from a file (with the line) and from ag_config_set(). */
START_TEST(test_config_carrier_budgets_refused)
{
  struct ag_config cfg;
  char path[64], err[512];

  ck_assert_int_eq(
      load_text(&cfg, "log_level = warn\ncarrier_budgets = at=70/160\n", path, err, sizeof(err)),
      AG_ECONFIG);
  ck_assert_has(err, path);
  ck_assert_has(err, ":2: key 'carrier_budgets' is no longer read: per carrier, write a section "
                     "instead: a line '[carrier.NAME]' followed by 'dialect = at', "
                     "'budget_ucs2 = 70' and 'budget_gsm7 = 160'");
  ag_config_cleanup(&cfg);
  ck_assert_int_eq(ag_config_init(&cfg), AG_OK);
  ck_assert_int_eq(ag_config_set(&cfg, "carrier_budgets", "none", err, sizeof(err)), AG_ECONFIG);
  ck_assert_has(err, "[carrier.NAME]");
  ck_assert_has(err, "budget_ucs2");
  ck_assert_has(err, "budget_gsm7");
  ck_assert_uint_eq(cfg.n_carriers, 0);
  ag_config_cleanup(&cfg);
}
END_TEST

/* A carrier key written in the dotted form outside a section (fuzz_config found this reading
 * seen[-1]): the file says where carrier settings go. */
START_TEST(test_config_dotted_carrier_key_refused_in_file)
{
  struct ag_config cfg;
  char path[64], err[512];

  ck_assert_int_eq(load_text(&cfg, "#i#\ncarrier.beeline.path = /ussd/b\n", path, err, sizeof(err)),
                   AG_ECONFIG);
  ck_assert_has(err, ":2: key 'carrier.beeline.path': write carrier settings in a [carrier.NAME] "
                     "section");
  ck_assert_uint_eq(cfg.n_carriers, 0);
  ag_config_cleanup(&cfg);
}
END_TEST

START_TEST(test_config_sections_valid)
{
  static const char text[] = "listen = 127.0.0.1:8081\n"
                             "[carrier.at]\n"
                             "dialect = at\n"
                             "\n"
                             "# the big one\n"
                             "[carrier.beeline-kz]\n"
                             "  dialect = at \n"
                             "path = /ussd/beeline\n"
                             "allow_ips = 10.0.0.0/8, ::1\n"
                             "budget_ucs2 = 60\n"
                             "budget_gsm7 = 150\n";
  struct ag_config cfg;
  char path[64], err[512];

  ck_assert_msg(load_text(&cfg, text, path, err, sizeof(err)) == AG_OK, "%s", err);
  ck_assert_int_eq(cfg.listen_port, 8081);
  ck_assert_uint_eq(cfg.n_carriers, 2);
  ck_assert_str_eq(cfg.carriers[0].name, "at");
  ck_assert_str_eq(cfg.carriers[0].dialect, "at");
  ck_assert_str_eq(cfg.carriers[0].path, "/ussd/at"); /* the default path */
  ck_assert_uint_eq(cfg.carriers[0].allow_ips.n, 0);  /* inherits carrier_allow_ips */
  ck_assert_int_eq(cfg.carriers[0].budget_ucs2, 0);   /* inherits ussd_budget_ucs2 */
  ck_assert_uint_eq(cfg.carriers[0].line, 2);
  ck_assert_str_eq(cfg.carriers[1].name, "beeline-kz");
  ck_assert_str_eq(cfg.carriers[1].path, "/ussd/beeline");
  ck_assert_uint_eq(cfg.carriers[1].allow_ips.n, 2);
  ck_assert_int_eq(cfg.carriers[1].budget_ucs2, 60);
  ck_assert_int_eq(cfg.carriers[1].budget_gsm7, 150);
  ag_config_cleanup(&cfg);

  /* Paths that only start alike do not clash: /u/xend is no end notice of /u/x. */
  ck_assert_msg(load_text(&cfg,
                          "[carrier.a]\ndialect = at\npath = /u/x\n"
                          "[carrier.b]\ndialect = at\npath = /u/xend\n",
                          path, err, sizeof(err)) == AG_OK,
                "%s", err);
  ck_assert_uint_eq(cfg.n_carriers, 2);
  ag_config_cleanup(&cfg);

  ck_assert_msg(load_text(&cfg, "log_level = warn\n", path, err, sizeof(err)) == AG_OK, "%s", err);
  ck_assert_uint_eq(cfg.n_carriers, 0); /* no section: the gateway makes the carrier `at` */
  ag_config_cleanup(&cfg);
}
END_TEST

/* The programmatic form of a section key, as the environment or a test would set one. */
START_TEST(test_config_section_set)
{
  struct ag_config cfg;
  char err[512];

  ck_assert_int_eq(ag_config_init(&cfg), AG_OK);
  ck_assert_msg(ag_config_set(&cfg, "carrier.kcell.budget_gsm7", "100", err, sizeof(err)) == AG_OK,
                "%s", err);
  ck_assert_msg(ag_config_set(&cfg, "carrier.kcell.dialect", "at", err, sizeof(err)) == AG_OK, "%s",
                err);
  ck_assert_uint_eq(cfg.n_carriers, 1);
  ck_assert_str_eq(cfg.carriers[0].name, "kcell");
  ck_assert_int_eq(cfg.carriers[0].budget_gsm7, 100);
  ck_assert_int_eq(ag_config_set(&cfg, "carrier.kcell.budget_gsm7", "183", err, sizeof(err)),
                   AG_ECONFIG);
  ck_assert_has(err, "section [carrier.kcell]: key 'budget_gsm7': '183' is not an integer from 20 "
                     "to 182");
  ck_assert_int_eq(cfg.carriers[0].budget_gsm7, 100);
  ck_assert_int_eq(ag_config_set(&cfg, "carrier.kcell.listen", "1.2.3.4:5", err, sizeof(err)),
                   AG_ECONFIG);
  ck_assert_has(err, "unknown key 'listen'");
  ck_assert_int_eq(ag_config_set(&cfg, "carrier.Kcell.dialect", "at", err, sizeof(err)),
                   AG_ECONFIG);
  ck_assert_uint_eq(cfg.n_carriers, 1);
  ag_config_cleanup(&cfg);
}
END_TEST

/* Each refused section file, and what its message must say (after "FILE:"). */
static const struct {
  const char *text, *says;
} bad_sections[] = {
    {"[carrier.at]\ndialect = at\nlisten = 127.0.0.1:80\n",
     ":3: unknown key 'listen' (a section takes dialect, path, allow_ips, budget_ucs2, "
     "budget_gsm7, auth, secret_file, auth_window_s, sms_url, sms_user, sms_password, "
     "sms_callback_url, sms_from, sms_rate)"},
    {"[carrier.at]\ndialect = at\ncolour = red\n", ":3: unknown key 'colour'"},
    {"[carrier.at]\ndialect = at\n[carrier.b]\ndialect = at\n[carrier.at]\n",
     ":5: section [carrier.at] appears twice"},
    {"log_level = warn\n[carrier.at]\npath = /ussd/x\n",
     ":2: section [carrier.at] has no 'dialect' (e.g. dialect = at)"},
    {"[carrier.at]\ndialect = at\ndialect = at\n", ":3: key 'dialect' is set twice"},
    {"[carrier.at]\ndialect = AT\n", ":2: section [carrier.at]: key 'dialect': 'AT' is not"},
    {"[carrier.at]\ndialect = at\npath = ussd/at\n", ":3: section [carrier.at]: key 'path': "
                                                     "'ussd/at' is not a URL path"},
    {"[carrier.at]\ndialect = at\npath = /ussd/at/\n", "key 'path': '/ussd/at/' is not"},
    {"[carrier.at]\ndialect = at\npath = /ussd//at\n", "key 'path': '/ussd//at' is not"},
    {"[carrier.at]\ndialect = at\npath = /ussd/../healthz\n", "key 'path': '/ussd/../healthz'"},
    {"[carrier.at]\ndialect = at\npath = /ussd/a t\n", "key 'path': '/ussd/a t' is not"},
    {"[carrier.at]\ndialect = at\npath = /ussd/at?x=1\n", "key 'path': '/ussd/at?x=1' is not"},
    {"[carrier.a]\ndialect = at\npath = /u/x\n[carrier.b]\ndialect = at\npath = /u/x\n",
     ":4: section [carrier.b]: path /u/x clashes with /u/x of [carrier.a] (a carrier takes PATH "
     "and PATH/end)"},
    {"[carrier.a]\ndialect = at\npath = /u/x\n[carrier.b]\ndialect = at\npath = /u/x/end\n",
     ":4: section [carrier.b]: path /u/x/end clashes with /u/x of [carrier.a]"},
    {"[carrier.b]\ndialect = at\npath = /ussd/a/end\n[carrier.a]\ndialect = at\n",
     ":4: section [carrier.a]: path /ussd/a clashes with /ussd/a/end of [carrier.b]"},
    {"[carrier.at]\ndialect = at\nbudget_ucs2 = 81\n",
     ":3: section [carrier.at]: key 'budget_ucs2': '81' is not an integer from 20 to 80"},
    {"[carrier.at]\ndialect = at\nallow_ips = 10.0.0.0/33\n",
     ":3: section [carrier.at]: key 'allow_ips'"},
    {"[carrier.Beeline]\ndialect = at\n", ":1: section [carrier.Beeline]: the name is not"},
    {"[carrier.]\ndialect = at\n", ":1: section [carrier.]: the name is not"},
    {"[operator.x]\n", ":1: expected a section '[carrier.NAME]'"},
    {"[carrier.at\n", ":1: expected a section '[carrier.NAME]'"},
    {"[carrier.at]\ndialect at\n", ":2: expected 'key = value'"},
};

START_TEST(test_config_section_refused)
{
  struct ag_config cfg;
  char path[64], err[512];

  ck_assert_int_eq(load_text(&cfg, bad_sections[_i].text, path, err, sizeof(err)), AG_ECONFIG);
  ck_assert_msg(strncmp(err, path, strlen(path)) == 0, "message '%s' does not start with %s", err,
                path);
  ck_assert_has(err, bad_sections[_i].says);
  ag_config_cleanup(&cfg);
}
END_TEST

static Suite *config_suite(void)
{
  Suite *s = suite_create("config");
  TCase *tc;

  tc = tcase_create("defaults");
  tcase_add_checked_fixture(tc, env_clear, NULL);
  tcase_add_test(tc, test_config_defaults_valid);
  tcase_add_test(tc, test_config_doc_lists_every_key);
  tcase_add_test(tc, test_config_carrier_budgets_refused);
  tcase_add_test(tc, test_config_dotted_carrier_key_refused_in_file);
  tcase_add_test(tc, test_config_sections_valid);
  tcase_add_test(tc, test_config_section_set);
  tcase_add_loop_test(tc, test_config_section_refused, 0, AG_ARRAY_LEN(bad_sections));
  suite_add_tcase(s, tc);

  tc = tcase_create("file");
  tcase_add_checked_fixture(tc, env_clear, NULL);
  tcase_add_test(tc, test_config_file_comments_blank_lines_spaces);
  tcase_add_test(tc, test_config_file_unknown_key);
  tcase_add_test(tc, test_config_file_key_twice);
  tcase_add_test(tc, test_config_file_line_without_equals);
  tcase_add_test(tc, test_config_file_bad_value_names_line_key_range);
  tcase_add_test(tc, test_config_file_empty_value);
  tcase_add_test(tc, test_config_file_line_too_long);
  tcase_add_test(tc, test_config_file_missing);
  suite_add_tcase(s, tc);

  tc = tcase_create("env");
  tcase_add_checked_fixture(tc, env_clear, env_clear);
  tcase_add_test(tc, test_config_env_overrides_file);
  tcase_add_test(tc, test_config_env_overrides_defaults);
  tcase_add_test(tc, test_config_env_bad_value);
  suite_add_tcase(s, tc);

  tc = tcase_create("values");
  tcase_add_loop_test(tc, test_config_int_refused, 0, (int)AG_ARRAY_LEN(bad_ints));
  tcase_add_test(tc, test_config_sms_keywords_accepted);
  tcase_add_test(tc, test_config_int_bounds_accepted);
  tcase_add_test(tc, test_config_unknown_key_set);
  tcase_add_loop_test(tc, test_config_listen_accepted, 0, (int)AG_ARRAY_LEN(good_listen));
  tcase_add_loop_test(tc, test_config_listen_refused, 0, (int)AG_ARRAY_LEN(bad_listen));
  tcase_add_test(tc, test_config_empty_string_refused);
  tcase_add_test(tc, test_config_iplist_accepted);
  tcase_add_loop_test(tc, test_config_iplist_refused, 0, (int)AG_ARRAY_LEN(bad_iplists));
  tcase_add_test(tc, test_config_iplist_trailing_comma_refused);
  tcase_add_test(tc, test_config_log_level_values);
  suite_add_tcase(s, tc);
  return s;
}

static Suite *ipnet_suite(void)
{
  Suite *s = suite_create("ipnet");
  TCase *tc = tcase_create("match");

  tcase_add_test(tc, test_ipnet_parse);
  tcase_add_test(tc, test_ipnet_v4_cidr_boundaries);
  tcase_add_test(tc, test_ipnet_v6_cidr_boundaries);
  tcase_add_test(tc, test_ipnet_v4_mapped_peer);
  tcase_add_test(tc, test_ipnet_v4_mapped_entry);
  tcase_add_test(tc, test_ipnet_match_other_families);
  tcase_add_test(tc, test_ipnet_list_limits);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(config_suite, ipnet_suite)
