/* it_harness.c: starting the real gateway, talking to it over loopback, reading PostgreSQL. */
#include "tests/it/it_harness.h"

#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef AULGATE_BIN
#error "AULGATE_BIN must name the aulgate executable"
#endif

static const char *env_or(const char *name, const char *def)
{
  const char *v = getenv(name);
  return v && *v ? v : def;
}

/* A port the kernel just handed out; the tiny race with other processes is acceptable on a
 * test machine, and a clash shows up as a clear start failure. */
int it_free_port(void)
{
  struct sockaddr_in a = {0};
  socklen_t len = sizeof(a);
  int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
      getsockname(fd, (struct sockaddr *)&a, &len) == 0)
    port = ntohs(a.sin_port);
  if (fd >= 0)
    close(fd);
  return port;
}

static int write_file(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");
  if (!f)
    return -1;
  fputs(text, f);
  return fclose(f);
}

int it_server_start(struct it_server *s, const char *extra_conf)
{
  char conf[4096], path[300], secret_path[300], content[300];
  const char *root = env_or("AULGATE_ROOT", ".");
  static char secret[65]; /* one per test process: gateways of one deployment share it */

  char extra[2048];
  const char *at;

  memset(s, 0, sizeof(*s));
  snprintf(s->dir, sizeof(s->dir), "/tmp/aulgate-it-XXXXXX");
  if (!mkdtemp(s->dir))
    return -1;
  if (!secret[0]) {
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    for (int i = 0; i < 32; i++)
      snprintf(secret + 2 * i, 3, "%02x", (unsigned)(rand() & 0xff));
  }
  memcpy(s->secret_hex, secret, sizeof(secret));
  snprintf(secret_path, sizeof(secret_path), "%s/secret", s->dir);
  /* The gateway refuses a key every user of the machine may read. */
  if (write_file(secret_path, s->secret_hex) || chmod(secret_path, 0600) != 0)
    return -1;
  s->port = it_free_port();
  /* @PORT@ in extra_conf: the gateway's own port (a callback URL it gives others). */
  if (extra_conf && (at = strstr(extra_conf, "@PORT@")) != NULL) {
    snprintf(extra, sizeof(extra), "%.*s%d%s", (int)(at - extra_conf), extra_conf, s->port, at + 6);
    extra_conf = extra;
  }
  /* extra_conf may name its own content_dir; a key set twice is a configuration error. */
  snprintf(content, sizeof(content), "content_dir = %s/content\n", root);
  snprintf(conf, sizeof(conf),
           "listen = 127.0.0.1:%d\n"
           "db = %s\n"
           "%s"
           "respondent_secret_file = %s\n"
           "db_reconnect_ms = 200\n"
           "db_connect_timeout_ms = 2000\n"
           "shutdown_grace_ms = 3000\n"
           "%s",
           s->port, env_or("AULGATE_DB", "host=127.0.0.1 port=54329 dbname=aulgate user=aulgate"),
           extra_conf && strstr(extra_conf, "content_dir") ? "" : content, secret_path,
           extra_conf ? extra_conf : "");
  snprintf(path, sizeof(path), "%s/aulgate.conf", s->dir);
  if (write_file(path, conf))
    return -1;
  snprintf(s->log, sizeof(s->log), "%s/aulgate.log", s->dir);
  if (it_server_spawn(s) != 0)
    return -1;
  for (int i = 0; i < 200; i++) { /* up to 10 s */
    struct it_resp r;
    if (it_get(s, "/healthz", &r) == 0)
      return 0;
    if (!it_server_alive(s))
      break;
    usleep(50000);
  }
  fprintf(stderr, "it: the gateway did not start; its log is %s\n", s->log);
  return -1;
}

int it_server_spawn(struct it_server *s)
{
  char path[300];

  snprintf(path, sizeof(path), "%s/aulgate.conf", s->dir);
  s->pid = fork();
  if (s->pid == 0) {
    /* Appended: a restarted gateway's log follows the one of the process before it. */
    int fd = open(s->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
      dup2(fd, STDERR_FILENO);
      dup2(fd, STDOUT_FILENO);
    }
    unsetenv("AULGATE_DB"); /* the config names it */
    unsetenv("AULGATE_LISTEN");
    execl(AULGATE_BIN, "aulgate", "serve", "-c", path, (char *)NULL);
    _exit(127);
  }
  return s->pid < 0 ? -1 : 0;
}

int it_server_kill(struct it_server *s, int sig)
{
  int status;

  if (s->pid <= 0)
    return -1;
  if (sig != SIGKILL)
    return it_server_stop(s);
  kill(s->pid, SIGKILL);
  if (waitpid(s->pid, &status, 0) != s->pid)
    return -1;
  s->pid = 0;
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? 0 : -1;
}

int it_server_restart(struct it_server *s, int wait_ms)
{
  if (it_server_spawn(s) != 0)
    return -1;
  for (int waited = 0; wait_ms > 0 && waited <= wait_ms; waited += 20) {
    struct it_resp r;
    if (it_get(s, "/healthz", &r) == 0)
      return 0;
    if (!it_server_alive(s))
      break;
    usleep(20000);
  }
  if (wait_ms <= 0 && it_server_alive(s))
    return 0;
  fprintf(stderr, "it: the gateway did not start again; its log is %s\n", s->log);
  return -1;
}

/* Works from Check's forked test children too, where the gateway is not our child: a zombie
 * still answers kill(pid, 0), so the state letter in /proc tells. */
int it_server_alive(const struct it_server *s)
{
  char path[64], buf[512];
  const char *close_paren;
  FILE *f;
  size_t n;

  if (s->pid <= 0)
    return 0;
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)s->pid);
  f = fopen(path, "r");
  if (!f)
    return 0;
  n = fread(buf, 1, sizeof(buf) - 1, f);
  fclose(f);
  buf[n] = '\0';
  close_paren = strrchr(buf, ')');
  return close_paren && close_paren[1] == ' ' && close_paren[2] != 'Z' && close_paren[2] != 'X';
}

int it_server_stop(struct it_server *s)
{
  int status;

  if (s->pid <= 0)
    return -1;
  kill(s->pid, SIGTERM);
  for (int i = 0; i < 200; i++) { /* up to 10 s, then kill */
    pid_t p = waitpid(s->pid, &status, WNOHANG);
    if (p == s->pid) {
      s->pid = 0;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    usleep(50000);
  }
  kill(s->pid, SIGKILL);
  waitpid(s->pid, &status, 0);
  s->pid = 0;
  return -1;
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
  struct it_resp *r = arg;
  size_t have = strlen(r->body), add = size * n;

  if (have + add >= sizeof(r->body))
    add = sizeof(r->body) - have - 1;
  memcpy(r->body + have, data, add);
  r->body[have + add] = '\0';
  return size * n;
}

static int perform(const struct it_server *s, const char *path, const char *ctype,
                   const char *const *extra, const char *body, size_t len, struct it_resp *r)
{
  char url[256];
  struct curl_slist *hdr = NULL;
  CURL *c = curl_easy_init();
  char *ct = NULL;
  CURLcode rc;

  memset(r, 0, sizeof(*r));
  if (!c)
    return -1;
  snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", s->port, path);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  if (body) {
    char h[160];
    snprintf(h, sizeof(h), "Content-Type: %s", ctype);
    hdr = curl_slist_append(hdr, h);
    hdr = curl_slist_append(hdr, "Expect:"); /* no 100-continue round trip */
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
  }
  for (size_t i = 0; extra && extra[i]; i++)
    hdr = curl_slist_append(hdr, extra[i]);
  if (hdr)
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
  rc = curl_easy_perform(c);
  if (rc == CURLE_OK) {
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
    snprintf(r->ctype, sizeof(r->ctype), "%s", ct ? ct : "");
  }
  curl_slist_free_all(hdr);
  curl_easy_cleanup(c);
  return rc == CURLE_OK ? 0 : -1;
}

int it_get(const struct it_server *s, const char *path, struct it_resp *r)
{
  return perform(s, path, NULL, NULL, NULL, 0, r);
}

int it_get_headers(const struct it_server *s, const char *path, const char *const *headers,
                   struct it_resp *r)
{
  return perform(s, path, NULL, headers, NULL, 0, r);
}

int it_post(const struct it_server *s, const char *path, const char *ctype, const char *body,
            size_t len, struct it_resp *r)
{
  return perform(s, path, ctype, NULL, body, len, r);
}

int it_post_headers(const struct it_server *s, const char *path, const char *const *headers,
                    const char *body, size_t len, struct it_resp *r)
{
  return perform(s, path, "application/x-www-form-urlencoded", headers, body, len, r);
}

int it_hop(const struct it_server *s, const char *session, const char *phone, const char *text,
           struct it_resp *r)
{
  return it_hop_path(s, "/ussd/at", session, phone, text, r);
}

int it_hop_path(const struct it_server *s, const char *path, const char *session, const char *phone,
                const char *text, struct it_resp *r)
{
  char body[2048];
  CURL *c = curl_easy_init();
  char *es = curl_easy_escape(c, session, 0), *ep = curl_easy_escape(c, phone, 0),
       *et = curl_easy_escape(c, text, 0);
  int n = snprintf(body, sizeof(body),
                   "sessionId=%s&serviceCode=%%2A1234%%23&phoneNumber=%s&networkCode=40101&text=%s",
                   es, ep, et);

  curl_free(es);
  curl_free(ep);
  curl_free(et);
  curl_easy_cleanup(c);
  return it_post(s, path, "application/x-www-form-urlencoded", body, (size_t)n, r);
}

int it_wait_health(const struct it_server *s, long want_status, int ms)
{
  for (int waited = 0; waited <= ms; waited += 100) {
    struct it_resp r;
    if (it_get(s, "/healthz", &r) == 0 && r.status == want_status)
      return 0;
    usleep(100000);
  }
  return -1;
}

void it_wait_sms_db(const struct it_server *s)
{
  struct it_resp r;

  for (int waited = 0;; waited += 10) {
    ck_assert_int_eq(it_get(s, "/healthz", &r), 0);
    if (strstr(r.body, "\"sms_db\":\"up\"") || strstr(r.body, "\"sms_db\":\"none\""))
      return;
    ck_assert_msg(waited < 10000, "the SMS links' database never came up: %s", r.body);
    usleep(10 * 1000);
  }
}

void it_wait_health_says(const struct it_server *s, const char *needle, int ms, const char *what)
{
  struct it_resp r;

  for (int waited = 0;; waited += 10) {
    ck_assert_int_eq(it_get(s, "/healthz", &r), 0);
    if (strstr(r.body, needle) != NULL)
      return;
    ck_assert_msg(waited < ms, "%s: /healthz never said %s: %s", what, needle, r.body);
    usleep(10 * 1000);
  }
}

long it_health_number(const struct it_server *s, const char *key)
{
  struct it_resp r;
  char needle[64];
  const char *at;

  ck_assert_int_eq(it_get(s, "/healthz", &r), 0);
  snprintf(needle, sizeof(needle), "\"%s\":", key);
  at = strstr(r.body, needle);
  ck_assert_msg(at != NULL, "no %s in %s", key, r.body);
  return atol(at + strlen(needle));
}

PGconn *it_db(void)
{
  PGconn *c =
      PQconnectdb(env_or("AULGATE_DB", "host=127.0.0.1 port=54329 dbname=aulgate user=aulgate"));
  if (PQstatus(c) != CONNECTION_OK) {
    fprintf(stderr, "it: cannot connect to the database: %s", PQerrorMessage(c));
    PQfinish(c);
    return NULL;
  }
  return c;
}

PGresult *it_rows(PGconn *db, const char *session)
{
  const char *p[1] = {session};

  return PQexecParams(db,
                      "SELECT question_id, option, language, hop, encode(respondent, 'hex'),"
                      " survey_id, survey_version, network_code, carrier"
                      " FROM responses WHERE carrier = 'at' AND carrier_session_id = $1"
                      " ORDER BY hop",
                      1, NULL, p, NULL, NULL, 0);
}

void it_respondent_hex(const struct it_server *s, const char *e164, char out[65])
{
  unsigned char key[32], md[32];
  unsigned int len = 32;

  for (int i = 0; i < 32; i++) {
    unsigned v;
    sscanf(s->secret_hex + 2 * i, "%2x", &v);
    key[i] = (unsigned char)v;
  }
  HMAC(EVP_sha256(), key, 32, (const unsigned char *)e164, strlen(e164), md, &len);
  for (int i = 0; i < 32; i++)
    snprintf(out + 2 * i, 3, "%02x", md[i]);
}

void it_session_id(char *out, size_t len, const char *tag)
{
  static unsigned seq;
  struct timespec ts;

  clock_gettime(CLOCK_REALTIME, &ts);
  snprintf(out, len, "it-%s-%ld%09ld-%d-%u", tag, (long)ts.tv_sec, ts.tv_nsec, (int)getpid(),
           seq++);
}

int it_pg_ctl(const char *verb)
{
  char cmd[1024];
  const char *ctl = getenv("AULGATE_PG_CTL");

  if (!ctl)
    return -1;
  snprintf(cmd, sizeof(cmd), "'%s' %s >/dev/null 2>&1", ctl, verb);
  return system(cmd);
}

void it_fresh_phone(char out[16])
{
  struct timespec ts;
  unsigned long v;

  clock_gettime(CLOCK_REALTIME, &ts);
  v = ((unsigned long)ts.tv_nsec / 1000 + (unsigned long)getpid() * 7919ul +
       (unsigned long)rand()) %
      10000000ul;
  snprintf(out, 16, "+7705%07lu", v);
}

int it_play(const struct it_server *s, const char *session, const char *phone,
            const char *const *inputs, size_t n, struct it_resp *last)
{
  char path[1024] = "";

  for (size_t i = 0; i <= n; i++) {
    if (i > 0) {
      if (i > 1)
        strcat(path, "*");
      strcat(path, inputs[i - 1]);
    }
    if (it_hop(s, session, phone, path, last) || last->status != 200) {
      fprintf(stderr, "it: hop '%s' failed (status %ld)\n", path, last->status);
      return -1;
    }
    if (i < n && strncmp(last->body, "CON ", 4) != 0) {
      fprintf(stderr, "it: hop '%s' closed the session early: %s\n", path, last->body);
      return -1;
    }
  }
  return 0;
}

int it_tmpdb_create(struct it_tmpdb *t, const char *name)
{
  char sql[128];
  PGresult *r;
  int ok;

  memset(t, 0, sizeof(*t));
  snprintf(t->name, sizeof(t->name), "%s", name);
  snprintf(t->dir, sizeof(t->dir), "/tmp/aulgate-tmpdb-XXXXXX");
  if (!mkdtemp(t->dir) || !(t->admin = it_db()))
    return -1;
  snprintf(sql, sizeof(sql), "CREATE DATABASE %s", t->name);
  r = PQexec(t->admin, sql);
  ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  if (!ok)
    fprintf(stderr, "it: %s: %s", sql, PQresultErrorMessage(r));
  PQclear(r);
  if (!ok)
    return -1;
  snprintf(t->conninfo, sizeof(t->conninfo), "%s dbname=%s",
           env_or("AULGATE_DB", "host=127.0.0.1 port=54329 user=aulgate"), t->name);
  t->db = PQconnectdb(t->conninfo);
  return PQstatus(t->db) == CONNECTION_OK ? 0 : -1;
}

void it_tmpdb_drop(struct it_tmpdb *t)
{
  char sql[128], cmd[128];

  PQfinish(t->db);
  t->db = NULL;
  if (t->admin) {
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", t->name);
    PQclear(PQexec(t->admin, sql));
    PQfinish(t->admin);
    t->admin = NULL;
  }
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
  if (t->dir[0] && system(cmd) != 0)
    fprintf(stderr, "it: could not remove %s\n", t->dir);
}

int it_tmpdb_write(const struct it_tmpdb *t, const char *name, const char *text)
{
  char path[256];

  snprintf(path, sizeof(path), "%s/%s", t->dir, name);
  return write_file(path, text);
}

void it_up(struct it_server *s, PGconn **db, const char *extra_conf)
{
  curl_global_init(CURL_GLOBAL_DEFAULT);
  ck_assert_msg(it_server_start(s, extra_conf) == 0, "gateway did not start");
  ck_assert_msg(it_wait_health(s, 200, 10000) == 0, "database never came up; log %s", s->log);
  it_wait_sms_db(s);
  *db = it_db();
  ck_assert_ptr_nonnull(*db);
}

void it_down(struct it_server *s, PGconn *db)
{
  int status = it_server_stop(s);

  PQfinish(db);
  ck_assert_msg(status == 0, "gateway exit status %d on SIGTERM (log %s)", status, s->log);
}

long it_count(PGconn *db, const char *sql)
{
  PGresult *r = PQexec(db, sql);
  long v;

  ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql, PQresultErrorMessage(r));
  v = atol(PQgetvalue(r, 0, 0));
  PQclear(r);
  return v;
}

void it_exec(PGconn *db, const char *sql)
{
  PGresult *r = PQexec(db, sql);

  ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "%s: %s", sql, PQresultErrorMessage(r));
  PQclear(r);
}

void it_rollups_rebuild(void)
{
  char cmd[1024];

  snprintf(cmd, sizeof(cmd), "AULGATE_DB='%s' '%s' rollup rebuild -c /dev/null >&2",
           getenv("AULGATE_DB"), AULGATE_BIN);
  ck_assert_int_eq(system(cmd), 0);
}

/* Rows of table a not in b and of b not in a, as multisets. */
long it_differ(PGconn *db, const char *a, const char *b)
{
  char sql[1024];

  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM ((SELECT * FROM %s EXCEPT ALL SELECT * FROM %s) UNION ALL"
           " (SELECT * FROM %s EXCEPT ALL SELECT * FROM %s)) d",
           a, b, b, a);
  return it_count(db, sql);
}

void it_rollups_check(PGconn *db)
{
  it_exec(db, "DROP TABLE IF EXISTS live_cells, live_answers, live_release");
  it_exec(db, "CREATE TEMP TABLE live_cells AS SELECT * FROM rollups_now WHERE n <> 0");
  it_exec(db, "CREATE TEMP TABLE live_answers AS SELECT * FROM rollup_answers");
  it_exec(db, "CREATE TEMP TABLE live_release AS SELECT * FROM rollup_release_now WHERE n <> 0");
  it_rollups_rebuild();
  ck_assert_int_eq(it_differ(db, "live_cells", "(SELECT * FROM rollups_now WHERE n <> 0) r"), 0);
  ck_assert_int_eq(it_differ(db, "live_answers", "rollup_answers"), 0);
  ck_assert_int_eq(
      it_differ(db, "live_release", "(SELECT * FROM rollup_release_now WHERE n <> 0) r"), 0);
}
