/* it_kannel.c: the SMS channel end to end with a real Kannel (issue 12): the test writes a
 * bearerbox + smsbox configuration (free ports, files under the build folder), starts
 * /usr/sbin/bearerbox, /usr/sbin/smsbox and /usr/lib/kannel/test/fakesmsc (the fake SMSC, which
 * prints what it receives and answers with delivery reports), and gateways on the test
 * database:
 *   - a due tip goes out, fakesmsc receives it with the Cyrillic intact, the reports arrive and
 *     the row ends delivered;
 *   - an MO "СТОП" from fakesmsc unsubscribes the number, the confirmation goes out in the
 *     subscriber's language, the number is gone from the database, no further tip goes out;
 *   - with Kannel stopped, messages wait and are retried, and each reaches fakesmsc exactly
 *     once when it is back;
 *   - two gateway processes sharing the outbox send nothing twice.
 * Every child is killed on every path: each dies with the test (PR_SET_PDEATHSIG), and an
 * atexit handler and the fixture's teardown kill what is left. */
#include "tests/it/it_harness.h"
#include "tests/support/ag_check.h"
#include "sms/sms.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BEARERBOX "/usr/sbin/bearerbox"
#define SMSBOX    "/usr/sbin/smsbox"
#define FAKESMSC  "/usr/lib/kannel/test/fakesmsc"

static char dir[512];
static int p_admin, p_box, p_send, p_fake;
static pid_t bb, sb, fk;
static int fk_in = -1; /* fakesmsc's stdin: MO lines are written here; open keeps it connected */
static int fk_round;   /* fakesmsc's output file of this start */
static struct it_server gw1, gw2;
static PGconn *db;

static long long now_ms(void)
{
  struct timespec t;

  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void stop_child(pid_t *pid, int sig)
{
  if (*pid > 0) {
    kill(*pid, sig);
    for (int i = 0; i < 100 && waitpid(*pid, NULL, WNOHANG) == 0; i++)
      usleep(50000);
    kill(*pid, SIGKILL);
    waitpid(*pid, NULL, 0);
  }
  *pid = 0;
}

static void kill_all(void)
{
  if (fk_in >= 0)
    close(fk_in);
  fk_in = -1;
  stop_child(&fk, SIGKILL);
  stop_child(&sb, SIGTERM);
  stop_child(&bb, SIGTERM);
  if (gw1.pid > 0)
    kill(gw1.pid, SIGKILL);
  if (gw2.pid > 0)
    kill(gw2.pid, SIGKILL);
}

/* Starts argv with stdout and stderr to log; stdin from in_fd (or /dev/null when -1). */
static pid_t spawn(const char *log, int in_fd, const char *const *argv)
{
  pid_t pid = fork();

  if (pid == 0) {
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
    }
    dup2(in_fd >= 0 ? in_fd : open("/dev/null", O_RDONLY), STDIN_FILENO);
    execv(argv[0], (char *const *)argv);
    _exit(127);
  }
  return pid;
}

static int port_open(int port)
{
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

  ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
  if (fd >= 0)
    close(fd);
  return ok;
}

static void wait_port(int port, const char *what)
{
  long long end = now_ms() + 15000;

  while (now_ms() < end && !port_open(port))
    usleep(100000);
  ck_assert_msg(port_open(port), "%s did not open port %d (logs in %s)", what, port, dir);
}

/* The whole of file path, NUL-terminated, in a static buffer. */
static const char *slurp(const char *path)
{
  static char buf[1 << 20];
  FILE *f = fopen(path, "r");
  size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

  if (f)
    fclose(f);
  buf[n] = '\0';
  return buf;
}

static void write_conf(int gw_port)
{
  char path[600];
  FILE *f;

  snprintf(path, sizeof(path), "%s/kannel.conf", dir);
  f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fprintf(f,
          "group = core\nadmin-port = %d\nadmin-password = bar\nstatus-password = foo\n"
          "admin-allow-ip = \"127.0.0.1\"\nsmsbox-port = %d\nbox-allow-ip = \"127.0.0.1\"\n"
          "dlr-storage = internal\nlog-level = 1\nlog-file = \"%s/bearerbox.log\"\n\n"
          "group = smsc\nsmsc = fake\nsmsc-id = FAKE\nport = %d\n"
          "connect-allow-ip = \"127.0.0.1\"\n\n"
          "group = smsbox\nbearerbox-host = 127.0.0.1\nbearerbox-port = %d\nsendsms-port = %d\n"
          "global-sender = 1414\nmo-recode = true\nlog-level = 1\nlog-file = \"%s/smsbox.log\"\n\n"
          "group = sendsms-user\nusername = gw\npassword = secret\nmax-messages = 3\n"
          "concatenation = true\n\n"
          "group = sms-service\nkeyword = default\ncatch-all = true\n"
          "get-url = \"http://127.0.0.1:%d/sms/kannel?from=%%p&to=%%P&text=%%a&smsc=%%i&id=%%I"
          "&ts=%%T&coding=%%c&charset=%%C\"\nmax-messages = 0\nomit-empty = true\n",
          p_admin, p_box, dir, p_fake, p_box, p_send, dir, gw_port);
  ck_assert_int_eq(fclose(f), 0);
}

static void kannel_start(void)
{
  char conf[600], log[600];
  int pipefd[2];
  const char *bb_argv[] = {BEARERBOX, conf, NULL};
  const char *sb_argv[] = {SMSBOX, conf, NULL};
  char host_port[16];
  const char *fk_argv[] = {FAKESMSC, "-H", "127.0.0.1", "-r", host_port, NULL};

  snprintf(conf, sizeof(conf), "%s/kannel.conf", dir);
  snprintf(log, sizeof(log), "%s/bearerbox.out", dir);
  bb = spawn(log, -1, bb_argv);
  wait_port(p_box, "bearerbox");
  wait_port(p_fake, "bearerbox's fake SMSC");
  snprintf(log, sizeof(log), "%s/smsbox.out", dir);
  sb = spawn(log, -1, sb_argv);
  wait_port(p_send, "smsbox");
  /* fakesmsc in interactive mode: MO lines on its stdin; it prints what it receives. */
  ck_assert_int_eq(pipe(pipefd), 0);
  snprintf(host_port, sizeof(host_port), "%d", p_fake);
  snprintf(log, sizeof(log), "%s/fakesmsc-%d.out", dir, ++fk_round);
  fk = spawn(log, pipefd[0], fk_argv);
  close(pipefd[0]);
  fk_in = pipefd[1];
  {
    long long end = now_ms() + 10000;
    char bblog[600];
    snprintf(bblog, sizeof(bblog), "%s/bearerbox.log", dir);
    while (now_ms() < end && !strstr(slurp(bblog), "Fakesmsc client connected"))
      usleep(100000);
    ck_assert_msg(strstr(slurp(bblog), "Fakesmsc client connected"), "fakesmsc not connected");
  }
}

static void kannel_stop(void)
{
  close(fk_in);
  fk_in = -1;
  stop_child(&fk, SIGKILL);
  stop_child(&sb, SIGTERM);
  stop_child(&bb, SIGTERM);
  /* the bearerbox log of the next start must not say "connected" already */
  {
    char path[600], old[640];
    snprintf(path, sizeof(path), "%s/bearerbox.log", dir);
    snprintf(old, sizeof(old), "%s/bearerbox.log.%d", dir, fk_round);
    rename(path, old);
  }
}

/* The messages fakesmsc received in this start, "TO TEXT" decoded to UTF-8, one per line. Its
 * line: "Got message N: <from to ucs-2|text url-encoded-data>". */
static int hexv(int c)
{
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c - 'A' + 10;
}

static void put_utf8(char **o, unsigned cp)
{
  if (cp < 0x80) {
    *(*o)++ = (char)cp;
  } else if (cp < 0x800) {
    *(*o)++ = (char)(0xC0 | cp >> 6);
    *(*o)++ = (char)(0x80 | (cp & 0x3F));
  } else {
    *(*o)++ = (char)(0xE0 | cp >> 12);
    *(*o)++ = (char)(0x80 | ((cp >> 6) & 0x3F));
    *(*o)++ = (char)(0x80 | (cp & 0x3F));
  }
}

static const char *received(void)
{
  static char out[1 << 18];
  char path[600];
  const char *p;
  char *o = out;

  snprintf(path, sizeof(path), "%s/fakesmsc-%d.out", dir, fk_round);
  p = slurp(path);
  while ((p = strstr(p, "Got message ")) != NULL) {
    const char *lt = strchr(p, '<'), *gt = lt ? strchr(lt, '>') : NULL, *sp;
    unsigned char raw[4096];
    size_t n = 0;
    int ucs2;
    if (!gt)
      break;
    sp = lt + 1; /* from to type data */
    for (int k = 0; k < 3 && sp; k++)
      sp = strchr(sp, ' ') ? strchr(sp, ' ') + 1 : NULL;
    if (!sp || sp > gt)
      break;
    ucs2 = strstr(lt, " ucs-2 ") && strstr(lt, " ucs-2 ") < gt;
    {
      const char *to = strchr(lt, ' ') + 1, *end = strchr(to, ' ');
      memcpy(o, to, (size_t)(end - to + 1)); /* "TO " */
      o += end - to + 1;
    }
    for (const char *c = sp; c < gt && n < sizeof(raw); c++) {
      if (*c == '%' && c + 2 < gt) {
        raw[n++] = (unsigned char)(hexv(c[1]) << 4 | hexv(c[2]));
        c += 2;
      } else {
        raw[n++] = *c == '+' ? ' ' : (unsigned char)*c;
      }
    }
    for (size_t i = 0; ucs2 && i + 1 < n; i += 2)
      put_utf8(&o, (unsigned)raw[i] << 8 | raw[i + 1]);
    for (size_t i = 0; !ucs2 && i < n; i++)
      *o++ = (char)raw[i];
    *o++ = '\n';
    p = gt;
  }
  *o = '\0';
  return out;
}

static int occurrences(const char *hay, const char *needle)
{
  int n = 0;

  for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
    n++;
  return n;
}

static long q(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static long q(const char *fmt, ...)
{
  char sql[2048];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(sql, sizeof(sql), fmt, ap);
  va_end(ap);
  return it_count(db, sql);
}

static void wait_q(long want, long ms, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void wait_q(long want, long ms, const char *what, const char *fmt, ...)
{
  char sql[2048];
  va_list ap;
  long long end = now_ms() + ms;
  long got = -1;

  va_start(ap, fmt);
  vsnprintf(sql, sizeof(sql), fmt, ap);
  va_end(ap);
  while (now_ms() < end) {
    if ((got = it_count(db, sql)) == want)
      return;
    usleep(100000);
  }
  ck_abort_msg("%s: %ld, not %ld, after %ld ms (logs in %s, %s)", what, got, want, ms, dir,
               gw1.log);
}

static void wait_received(const char *text, int times, long ms, const char *what)
{
  long long end = now_ms() + ms;

  while (now_ms() < end && occurrences(received(), text) < times)
    usleep(100000);
  ck_assert_msg(occurrences(received(), text) == times, "%s: fakesmsc got '%s' %d times, not %d",
                what, text, occurrences(received(), text), times);
}

static const char *gw_conf = "sms_retry_base_ms = 200\n"
                             "sms_retry_max_ms = 1000\n"
                             "sms_http_timeout_ms = 3000\n"
                             "sms_quiet_start_min = 0\n"
                             "sms_quiet_end_min = 0\n"
                             "[carrier.kannel]\n"
                             "dialect = kannel\n"
                             "sms_url = http://127.0.0.1:%d/cgi-bin/sendsms\n"
                             "sms_user = gw\n"
                             "sms_password = secret\n"
                             "sms_callback_url = http://127.0.0.1:@PORT@\n"
                             "sms_rate = %d\n";

static void remove_dir(const char *path)
{
  char cmd[700];

  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
  if (system(cmd) != 0)
    fprintf(stderr, "it_kannel: could not remove %s\n", path);
}

static void setup(void)
{
  char conf[2048], cwd[400];

  ck_assert_msg(access(BEARERBOX, X_OK) == 0 && access(SMSBOX, X_OK) == 0 &&
                    access(FAKESMSC, X_OK) == 0,
                "Kannel is not installed (scripts/deps.sh installs kannel and kannel-extras)");
  atexit(kill_all);
  ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
  snprintf(dir, sizeof(dir), "%s/it_kannel-XXXXXX", cwd); /* under the build folder */
  ck_assert_ptr_nonnull(mkdtemp(dir));
  p_admin = it_free_port();
  p_box = it_free_port();
  p_send = it_free_port();
  p_fake = it_free_port();
  db = it_db();
  ck_assert_ptr_nonnull(db);
  /* rows of an earlier run of this test must not be sent by this one, and the subscribers of
   * the other tests (hundreds after a full run) must not queue ahead of this test's own */
  it_exec(db, "DELETE FROM outbox WHERE link = 'kannel'");
  it_exec(db, "UPDATE subscriptions SET next_tip_at = now() + interval '1 year' WHERE active");
  snprintf(conf, sizeof(conf), gw_conf, p_send, 50);
  ck_assert_int_eq(it_server_start(&gw1, conf), 0);
  write_conf(gw1.port);
  kannel_start();
}

static void teardown(void)
{
  kill_all();
  if (db)
    PQfinish(db);
}

/* A subscriber of band pre in language lang, subscribed as the USSD menu does it. */
static void subscribe(const char *phone, const char *lang, char hex[65])
{
  char sql[600];

  it_respondent_hex(&gw1, phone, hex);
  snprintf(sql, sizeof(sql),
           "INSERT INTO subscriptions (msisdn, respondent, language, band, active, updated_at)"
           " VALUES ('%s', decode('%s', 'hex'), '%s', 'pre', true, now())",
           phone, hex, lang);
  it_exec(db, sql);
}

static void queue_sms(const char *kind, const char *phone, const char *hex, const char *text,
                      const char *due)
{
  char sql[1200];

  snprintf(sql, sizeof(sql),
           "INSERT INTO outbox (link, kind, respondent, msisdn, body, parts, due_at, "
           "next_attempt_at) VALUES ('kannel', '%s', decode('%s', 'hex'), '%s', '%s', 1, %s, %s)",
           kind, hex, phone, text, due, due);
  it_exec(db, sql);
}

/* The value of the series of /metrics starting with prefix (0 when absent). */
static double metric(const struct it_server *s, const char *prefix)
{
  struct it_resp r;
  const char *p;

  ck_assert_int_eq(it_get(s, "/metrics", &r), 0);
  p = strstr(r.body, prefix);
  return p ? atof(p + strlen(prefix)) : 0;
}

static const char *slurp_metrics(const struct it_server *s)
{
  static struct it_resp r;

  ck_assert_int_eq(it_get(s, "/metrics", &r), 0);
  return r.body;
}

START_TEST(test_kannel_end_to_end)
{
  char phone[16], hex[65], line[256], sql[600], text[64], conf[2048], expect[600];
  struct sms_tips *tips = NULL;
  int run = (int)(now_ms() % 100000);
  struct it_resp r;

  /* 1. A new subscriber (band pre, Kazakh): the scheduler queues the confirmation and the
   * first tip of the band's cycle; both arrive intact (UCS-2) and are reported delivered. */
  it_fresh_phone(phone);
  subscribe(phone, "kk", hex);
  snprintf(sql, sizeof(sql), "%s/content/calendar.json", getenv("AULGATE_ROOT"));
  ck_assert_int_eq(sms_tips_load(sql, &tips, line, sizeof(line)), 0);
  snprintf(expect, sizeof(expect), "%s %s", phone, sms_tips_pick(tips, "pre", "kk", 0));
  wait_received(expect, 1, 20000, "the first tip");
  snprintf(expect, sizeof(expect), "%s %s", phone, sms_text(tips, SMS_TEXT_ON, "kk"));
  wait_received(expect, 1, 5000, "the opt-in confirmation");
  wait_q(2, 15000, "the confirmation and the tip delivered, their number erased",
         "SELECT count(*) FROM outbox WHERE respondent = decode('%s', 'hex') AND kind IN ('tip', "
         "'on') AND state = 'delivered' AND msisdn IS NULL AND dlr_seen & 1 = 1 AND attempts = 1",
         hex);
  ck_assert_int_eq(q("SELECT count(*) FROM subscriptions WHERE respondent = decode('%s', 'hex')"
                     " AND tip_seq = 1 AND next_tip_at > now() + interval '23 hours'",
                     hex),
                   1);

  /* 2. СТОП from the phone: off, the number erased, the confirmation in Kazakh, no more tips. */
  queue_sms("tip", phone, hex, "a later tip", "now() + interval '1 hour'");
  snprintf(line, sizeof(line), "%s 1414 ucs2 %%04%%21%%04%%22%%04%%1E%%04%%1F\n", phone);
  ck_assert_int_eq(write(fk_in, line, strlen(line)), (ssize_t)strlen(line));
  wait_q(1, 15000, "switched off by SMS",
         "SELECT count(*) FROM subscriptions WHERE respondent = decode('%s', 'hex') AND NOT active"
         " AND msisdn IS NULL",
         hex);
  snprintf(expect, sizeof(expect), "%s %s", phone, sms_text(tips, SMS_TEXT_OFF, "kk"));
  wait_received(expect, 1, 15000, "the STOP confirmation in Kazakh");
  wait_q(1, 15000, "the confirmation delivered",
         "SELECT count(*) FROM outbox WHERE respondent = decode('%s', 'hex') AND kind = 'off' AND "
         "state = 'delivered'",
         hex);
  ck_assert_int_eq(q("SELECT count(*) FROM subscription_events WHERE respondent = "
                     "decode('%s', 'hex') AND action = 'off' AND channel = 'sms'",
                     hex),
                   1);
  ck_assert_int_eq(q("SELECT count(*) FROM outbox WHERE respondent = decode('%s', 'hex') AND "
                     "kind = 'tip' AND state = 'failed' AND error = 'opted out'",
                     hex),
                   1);
  ck_assert_int_eq(q("SELECT (SELECT count(*) FROM subscriptions WHERE msisdn = '%s') + "
                     "(SELECT count(*) FROM outbox WHERE msisdn = '%s')",
                     phone, phone),
                   0);
  ck_assert_int_eq(occurrences(received(), "a later tip"), 0);

  /* The scheduler never takes it again. */
  ck_assert_int_eq(q("SELECT count(*) FROM outbox WHERE respondent = decode('%s', 'hex') AND "
                     "kind = 'tip' AND state <> 'failed'",
                     hex),
                   1);

  /* A repeated MO (Kannel retrying its get-url: the same id) is handled once. */
  snprintf(line, sizeof(line), "/sms/kannel?id=it-kannel-%d&from=%%2B77059990%03d&text=START", run,
           run % 1000);
  for (int i = 0; i < 3; i++) {
    ck_assert_int_eq(it_get(&gw1, line, &r), 0);
    ck_assert_int_eq(r.status, 200);
  }
  snprintf(text, sizeof(text), "+77059990%03d", run % 1000);
  snprintf(expect, sizeof(expect), "%s %s", text, sms_text(tips, SMS_TEXT_ON, "en"));
  wait_received(expect, 1, 15000, "one START confirmation");
  ck_assert_int_eq(q("SELECT count(*) FROM sms_inbox WHERE link = 'kannel' AND message_id = "
                     "'it-kannel-%d'",
                     run),
                   1);
  snprintf(sql, sizeof(sql), "DELETE FROM subscriptions WHERE msisdn = '%s'", text);
  it_exec(db, sql);

  /* 3. Kannel stopped: messages wait and are retried; once it is back each arrives once. */
  kannel_stop();
  for (int i = 0; i < 3; i++) {
    snprintf(text, sizeof(text), "retry-%d-%d", run, i);
    queue_sms("test", phone, hex, text, "now()");
  }
  wait_q(3, 10000, "retried while Kannel is down",
         "SELECT count(*) FROM outbox WHERE body LIKE 'retry-%d-%%' AND state = 'queued' AND "
         "attempts >= 2 AND error LIKE 'transport %%'",
         run);
  kannel_start();
  for (int i = 0; i < 3; i++) {
    snprintf(text, sizeof(text), "retry-%d-%d", run, i);
    wait_received(text, 1, 15000, "a retried message");
  }
  wait_q(3, 15000, "the retried messages delivered",
         "SELECT count(*) FROM outbox WHERE body LIKE 'retry-%d-%%' AND state = 'delivered'", run);

  /* 4. Two gateways share the outbox: forty messages, each received once. Each runs at 5 parts/s
   * here, so one alone would need 8 s while both poll every second: the second always claims its
   * share, whichever polls first (at 50/s the first could take all forty before the other woke). */
  ck_assert_int_eq(it_server_stop(&gw1), 0);
  snprintf(conf, sizeof(conf), gw_conf, p_send, 5);
  ck_assert_int_eq(it_server_start(&gw1, conf), 0);
  ck_assert_int_eq(it_server_start(&gw2, conf), 0);
  for (int i = 0; i < 40; i++) {
    snprintf(text, sizeof(text), "pair-%d-%d.", run, i);
    queue_sms("test", phone, hex, text, "now()");
  }
  wait_q(40, 30000, "both gateways' messages delivered",
         "SELECT count(*) FROM outbox WHERE body LIKE 'pair-%d-%%' AND state = 'delivered'", run);
  /* fakesmsc in interactive mode reads the link about once a second */
  for (int i = 0; i < 40; i++) {
    snprintf(text, sizeof(text), "pair-%d-%d.", run, i);
    wait_received(text, 1, 10000, "a message of the two gateways");
  }
  usleep(2500000); /* a second copy would have arrived by now */
  for (int i = 0; i < 3; i++) {
    snprintf(text, sizeof(text), "retry-%d-%d", run, i);
    ck_assert_msg(occurrences(received(), text) == 1, "'%s' received %d times", text,
                  occurrences(received(), text));
  }
  for (int i = 0; i < 40; i++) {
    snprintf(text, sizeof(text), "pair-%d-%d.", run, i);
    ck_assert_msg(occurrences(received(), text) == 1, "'%s' received %d times", text,
                  occurrences(received(), text));
  }
  {
    const char *series = "aulgate_sms_messages_total{link=\"kannel\",outcome=\"submitted\"} ";
    double a = metric(&gw1, series), b = metric(&gw2, series);
    printf("it_kannel: submitted by the first gateway %.0f, by the second %.0f\n", a, b);
    ck_assert(a > 0 && b > 0);
    /* the operators' view (issue 12, item 7) */
    ck_assert(metric(&gw1, "aulgate_sms_delivery_seconds_count{link=\"kannel\"} ") >= 2);
    ck_assert(metric(&gw1, "aulgate_sms_messages_total{link=\"kannel\",outcome=\"delivered\"} ") >=
              2);
    ck_assert(metric(&gw1, "aulgate_sms_parts_submitted_total{link=\"kannel\"} ") >= 2);
    ck_assert_ptr_nonnull(
        strstr(slurp_metrics(&gw1), "aulgate_sms_outbox_depth{state=\"queued\"}"));
  }
  /* both exit cleanly */
  ck_assert_int_eq(it_server_stop(&gw2), 0);
  ck_assert_int_eq(it_server_stop(&gw1), 0);
  sms_tips_free(tips);
  kill_all();
  remove_dir(dir); /* kept when the test fails: the logs say why */
}
END_TEST

static Suite *kannel_suite(void)
{
  Suite *s = suite_create("it_kannel");
  TCase *tc = tcase_create("kannel");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 240);
  tcase_add_test(tc, test_kannel_end_to_end);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(kannel_suite)
