/* it_kannel_box.c: a real Kannel for the integration tests (it_kannel_box.h). */
#include "tests/it/it_kannel_box.h"
#include "tests/it/it_harness.h"

#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

long long itk_now_ms(void)
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

void itk_kill(struct itk *k)
{
  if (k->fk_in >= 0)
    close(k->fk_in);
  k->fk_in = -1;
  stop_child(&k->fk, SIGKILL);
  stop_child(&k->sb, SIGTERM);
  stop_child(&k->bb, SIGTERM);
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

static void wait_port(const struct itk *k, int port, const char *what)
{
  long long end = itk_now_ms() + 15000;

  while (itk_now_ms() < end && !port_open(port))
    usleep(100000);
  ck_assert_msg(port_open(port), "%s did not open port %d (logs in %s)", what, port, k->dir);
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

void itk_init(struct itk *k, const char *tag)
{
  char cwd[400];

  ck_assert_msg(access(ITK_BEARERBOX, X_OK) == 0 && access(ITK_SMSBOX, X_OK) == 0 &&
                    access(ITK_FAKESMSC, X_OK) == 0,
                "Kannel is not installed (scripts/deps.sh installs kannel and kannel-extras)");
  k->fk_in = -1;
  ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
  snprintf(k->dir, sizeof(k->dir), "%s/%s-XXXXXX", cwd, tag); /* under the build folder */
  ck_assert_ptr_nonnull(mkdtemp(k->dir));
  k->p_admin = it_free_port();
  k->p_box = it_free_port();
  k->p_send = it_free_port();
  k->p_fake = it_free_port();
}

void itk_write_conf(struct itk *k, int gw_port, const char *mo_path)
{
  char path[600];
  FILE *f;

  snprintf(path, sizeof(path), "%s/kannel.conf", k->dir);
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
          "get-url = \"http://127.0.0.1:%d%s?from=%%p&to=%%P&text=%%a&smsc=%%i&id=%%I"
          "&ts=%%T&coding=%%c&charset=%%C\"\nmax-messages = 0\nomit-empty = true\n",
          k->p_admin, k->p_box, k->dir, k->p_fake, k->p_box, k->p_send, k->dir, gw_port, mo_path);
  ck_assert_int_eq(fclose(f), 0);
}

void itk_start(struct itk *k)
{
  char conf[600], log[600], host_port[16], bblog[600];
  int pipefd[2];
  const char *bb_argv[] = {ITK_BEARERBOX, conf, NULL};
  const char *sb_argv[] = {ITK_SMSBOX, conf, NULL};
  const char *fk_argv[] = {ITK_FAKESMSC, "-H", "127.0.0.1", "-r", host_port, NULL};
  long long end;

  snprintf(conf, sizeof(conf), "%s/kannel.conf", k->dir);
  snprintf(log, sizeof(log), "%s/bearerbox.out", k->dir);
  k->bb = spawn(log, -1, bb_argv);
  wait_port(k, k->p_box, "bearerbox");
  wait_port(k, k->p_fake, "bearerbox's fake SMSC");
  snprintf(log, sizeof(log), "%s/smsbox.out", k->dir);
  k->sb = spawn(log, -1, sb_argv);
  wait_port(k, k->p_send, "smsbox");
  /* fakesmsc in interactive mode: MO lines on its stdin; it prints what it receives. */
  ck_assert_int_eq(pipe(pipefd), 0);
  snprintf(host_port, sizeof(host_port), "%d", k->p_fake);
  snprintf(log, sizeof(log), "%s/fakesmsc-%d.out", k->dir, ++k->fk_round);
  k->fk = spawn(log, pipefd[0], fk_argv);
  close(pipefd[0]);
  k->fk_in = pipefd[1];
  end = itk_now_ms() + 10000;
  snprintf(bblog, sizeof(bblog), "%s/bearerbox.log", k->dir);
  while (itk_now_ms() < end && !strstr(slurp(bblog), "Fakesmsc client connected"))
    usleep(100000);
  ck_assert_msg(strstr(slurp(bblog), "Fakesmsc client connected"), "fakesmsc not connected");
}

void itk_stop(struct itk *k)
{
  char path[600], old[640];

  itk_kill(k);
  /* the bearerbox log of the next start must not say "connected" already */
  snprintf(path, sizeof(path), "%s/bearerbox.log", k->dir);
  snprintf(old, sizeof(old), "%s/bearerbox.log.%d", k->dir, k->fk_round);
  rename(path, old);
}

void itk_mo(struct itk *k, const char *line)
{
  ck_assert_int_eq(write(k->fk_in, line, strlen(line)), (ssize_t)strlen(line));
}

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

/* One message as fakesmsc printed it: "Got message N: <from to TYPE url-encoded-data>", TYPE
 * text, data or ucs-2; or, for a part of a concatenated message, "<from to udh UDH TYPE data>"
 * with the UDH's 8-bit reference (IEI 0): Kannel splits a long message into parts, and a part
 * of Cyrillic text comes as "data" (its UCS-2 bytes), decoded here as UCS-2. */
struct part {
  char to[24];
  int ref, total, seq; /* total 0: not a part */
  char text[768];      /* UTF-8 */
  int used;
};

static void url_bytes(const char *c, const char *end, unsigned char *raw, size_t cap, size_t *n)
{
  for (*n = 0; c < end && *n < cap; c++) {
    if (*c == '%' && c + 2 < end) {
      raw[(*n)++] = (unsigned char)(hexv(c[1]) << 4 | hexv(c[2]));
      c += 2;
    } else {
      raw[(*n)++] = *c == '+' ? ' ' : (unsigned char)*c;
    }
  }
}

/* Parses the message between lt ('<') and gt ('>') into p; 0, or -1 when it is not one. */
static int parse_part(const char *lt, const char *gt, struct part *p)
{
  const char *w[6] = {lt + 1, NULL, NULL, NULL, NULL, NULL};
  int nw = 1, ucs2;
  unsigned char raw[1024];
  size_t n;
  char *o = p->text;

  memset(p, 0, sizeof(*p));
  while (nw < 6 && (w[nw] = memchr(w[nw - 1], ' ', (size_t)(gt - w[nw - 1]))) != NULL)
    w[nw] = w[nw] + 1, nw++;
  if (nw < 4 || (size_t)(w[2] - w[1] - 1) >= sizeof(p->to))
    return -1;
  memcpy(p->to, w[1], (size_t)(w[2] - w[1] - 1));
  if (strncmp(w[2], "udh ", 4) == 0) {
    if (nw < 5)
      return -1;
    url_bytes(w[3], w[4] - 1, raw, sizeof(raw), &n);
    if (n >= 6 && raw[1] == 0 && raw[2] == 3) {
      p->ref = raw[3];
      p->total = raw[4];
      p->seq = raw[5];
    }
    ucs2 = strncmp(w[4], "text ", 5) != 0;
    url_bytes(nw > 5 ? w[5] : gt, gt, raw, sizeof(raw), &n);
  } else {
    ucs2 = strncmp(w[2], "ucs-2 ", 6) == 0;
    url_bytes(w[3], gt, raw, sizeof(raw), &n);
  }
  for (size_t i = 0; ucs2 && i + 1 < n && o < p->text + sizeof(p->text) - 4; i += 2)
    put_utf8(&o, (unsigned)raw[i] << 8 | raw[i + 1]);
  for (size_t i = 0; !ucs2 && i < n && o < p->text + sizeof(p->text) - 1; i++)
    *o++ = (char)raw[i];
  *o = '\0';
  return 0;
}

const char *itk_received(const struct itk *k)
{
  static char out[1 << 19];
  static struct part parts[2048];
  char path[600];
  const char *p;
  int np = 0;
  size_t len = 0;

  snprintf(path, sizeof(path), "%s/fakesmsc-%d.out", k->dir, k->fk_round);
  p = slurp(path);
  while ((p = strstr(p, "Got message ")) != NULL && np < (int)(sizeof(parts) / sizeof(parts[0]))) {
    const char *lt = strchr(p, '<'), *gt = lt ? strchr(lt, '>') : NULL;
    if (!gt)
      break;
    if (parse_part(lt, gt, &parts[np]) == 0)
      np++;
    p = gt;
  }
  out[0] = '\0';
  /* A message whole, or its first part followed by the next parts of the same reference. */
  for (int i = 0; i < np; i++) {
    struct part *a = &parts[i];
    if (a->used || (a->total > 1 && a->seq != 1))
      continue;
    len += (size_t)snprintf(out + len, sizeof(out) - len, "%s %s", a->to, a->text);
    for (int seq = 2, j = i + 1; seq <= a->total && j < np; j++) {
      struct part *b = &parts[j];
      if (!b->used && b->seq == seq && b->ref == a->ref && b->total == a->total &&
          strcmp(b->to, a->to) == 0) {
        len += (size_t)snprintf(out + len, sizeof(out) - len, "%s", b->text);
        b->used = 1;
        seq++;
      }
    }
    len += (size_t)snprintf(out + len, sizeof(out) - len, "\n");
    if (len >= sizeof(out) - 1024)
      break;
  }
  return out;
}

int itk_occurrences(const char *hay, const char *needle)
{
  int n = 0;

  for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
    n++;
  return n;
}

void itk_wait_received(const struct itk *k, const char *text, int times, long ms, const char *what)
{
  long long end = itk_now_ms() + ms;

  while (itk_now_ms() < end && itk_occurrences(itk_received(k), text) < times)
    usleep(100000);
  ck_assert_msg(itk_occurrences(itk_received(k), text) == times,
                "%s: fakesmsc got '%s' %d times, not %d (logs in %s)", what, text,
                itk_occurrences(itk_received(k), text), times, k->dir);
}

void itk_remove_dir(const struct itk *k)
{
  char cmd[700];

  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", k->dir);
  if (system(cmd) != 0)
    fprintf(stderr, "it_kannel_box: could not remove %s\n", k->dir);
}
