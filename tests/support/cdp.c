/* cdp.c: Chromium's process, its DevTools WebSocket, and the commands built on them. */
#define _GNU_SOURCE
#include "tests/support/cdp.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct cdp {
  pid_t pid;
  int fd;
  int timeout_ms;
  long next_id;
  char rbuf[65536];
  size_t rlen, rpos;
  char err[1024];
  char *errors; /* the page's errors, one a line */
  size_t errors_len;
};

static struct cdp *live_one; /* the session atexit closes */

static long long now_ms(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int fail(struct cdp *c, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->err, sizeof(c->err), fmt, ap);
  va_end(ap);
  return -1;
}

const char *cdp_error(const struct cdp *c)
{
  return c->err;
}

const char *cdp_page_errors(const struct cdp *c)
{
  return c->errors ? c->errors : "";
}

static void add_page_error(struct cdp *c, const char *kind, const char *text)
{
  size_t n = strlen(kind) + strlen(text) + 4;
  char *p = realloc(c->errors, c->errors_len + n);
  if (!p)
    return;
  c->errors = p;
  c->errors_len += (size_t)snprintf(p + c->errors_len, n, "%s: %s\n", kind, text);
}

/* ---- the process ---- */

/* Every process whose parent chain leads to root (root included), into pids. */
static size_t descendants(pid_t root, pid_t *pids, size_t max)
{
  size_t n = 0, before;

  pids[n++] = root;
  do {
    DIR *d = opendir("/proc");
    struct dirent *e;
    before = n;
    while (d && (e = readdir(d)) != NULL && n < max) {
      char path[64], buf[512], *rp;
      int pid = atoi(e->d_name), ppid = 0, known = 0;
      FILE *f;
      if (pid <= 0)
        continue;
      snprintf(path, sizeof(path), "/proc/%d/stat", pid);
      f = fopen(path, "r");
      if (!f)
        continue;
      if (fgets(buf, sizeof(buf), f) && (rp = strrchr(buf, ')')) != NULL)
        sscanf(rp + 2, "%*c %d", &ppid);
      fclose(f);
      for (size_t i = 0; i < n; i++)
        known |= pids[i] == pid;
      for (size_t i = 0; i < n && !known; i++)
        if (pids[i] == ppid) {
          pids[n++] = pid;
          break;
        }
    }
    if (d)
      closedir(d);
  } while (n != before && n < max);
  return n;
}

static void kill_browser(struct cdp *c)
{
  pid_t pids[256];
  size_t n;

  if (c->pid <= 0)
    return;
  n = descendants(c->pid, pids, 256);
  kill(-c->pid, SIGKILL); /* the group it leads */
  for (size_t i = 0; i < n; i++)
    kill(pids[i], SIGKILL);
  waitpid(c->pid, NULL, 0);
  c->pid = 0;
}

void cdp_close(struct cdp *c)
{
  if (!c)
    return;
  if (c->fd >= 0)
    close(c->fd);
  kill_browser(c);
  if (live_one == c)
    live_one = NULL;
  free(c->errors);
  free(c);
}

static void close_at_exit(void)
{
  cdp_close(live_one);
}

static pid_t spawn(const struct cdp_options *o, int w, int h)
{
  char size[64], profile[600], lang[64], accept[64];
  const char *bin = o->chromium ? o->chromium : "/usr/bin/chromium";
  pid_t parent = getpid(), pid;

  snprintf(size, sizeof(size), "--window-size=%d,%d", w, h);
  snprintf(profile, sizeof(profile), "--user-data-dir=%s", o->profile_dir);
  snprintf(lang, sizeof(lang), "--lang=%s", o->lang ? o->lang : "en-US");
  snprintf(accept, sizeof(accept), "--accept-lang=%s", o->lang ? o->lang : "en-US");
  pid = fork();
  if (pid != 0)
    return pid;
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) /* the test died before the line above */
    _exit(127);
  int null = open("/dev/null", O_RDWR);
  if (null >= 0 && !getenv("CDP_VERBOSE")) {
    dup2(null, 1);
    dup2(null, 2);
  }
  execl(bin, bin, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--no-default-browser-check", "--disable-extensions", "--disable-sync",
        "--disable-background-networking", "--disable-component-update", "--disable-default-apps",
        "--password-store=basic", "--use-mock-keychain", "--hide-scrollbars",
        "--force-device-scale-factor=1", "--remote-debugging-port=0",
        "--remote-debugging-address=127.0.0.1", profile, size, lang, accept, "about:blank",
        (char *)NULL);
  _exit(127);
}

/* ---- bytes on the socket, with deadlines ---- */

static int wait_fd(struct cdp *c, short ev, long long deadline)
{
  struct pollfd p = {.fd = c->fd, .events = ev};
  long long left = deadline - now_ms();

  if (left <= 0)
    return fail(c, "timed out");
  if (poll(&p, 1, (int)left) <= 0)
    return fail(c, "timed out");
  return 0;
}

static int send_all(struct cdp *c, const void *buf, size_t len, long long deadline)
{
  const char *p = buf;

  while (len > 0) {
    ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (wait_fd(c, POLLOUT, deadline))
        return -1;
      continue;
    }
    if (n <= 0)
      return fail(c, "send: %s", strerror(errno));
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

static int recv_exact(struct cdp *c, void *buf, size_t len, long long deadline)
{
  char *p = buf;

  while (len > 0) {
    if (c->rpos == c->rlen) {
      ssize_t n;
      if (wait_fd(c, POLLIN, deadline))
        return -1;
      n = recv(c->fd, c->rbuf, sizeof(c->rbuf), MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EINTR))
        continue;
      if (n <= 0)
        return fail(c, "the browser closed the connection");
      c->rpos = 0;
      c->rlen = (size_t)n;
    }
    size_t take = c->rlen - c->rpos < len ? c->rlen - c->rpos : len;
    memcpy(p, c->rbuf + c->rpos, take);
    c->rpos += take;
    p += take;
    len -= take;
  }
  return 0;
}

static int tcp_connect(struct cdp *c, int port)
{
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  int one = 1;

  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&a, sizeof(a)) != 0)
    return fail(c, "connect 127.0.0.1:%d: %s", port, strerror(errno));
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  c->rlen = c->rpos = 0;
  return 0;
}

/* Reads an HTTP head up to its blank line into buf (NUL-terminated). */
static int read_head(struct cdp *c, char *buf, size_t max, long long deadline)
{
  size_t n = 0;

  while (n + 1 < max) {
    if (recv_exact(c, buf + n, 1, deadline))
      return -1;
    buf[++n] = '\0';
    if (n >= 4 && memcmp(buf + n - 4, "\r\n\r\n", 4) == 0)
      return 0;
  }
  return fail(c, "HTTP head over %zu bytes", max);
}

/* ---- the WebSocket (RFC 6455), client side ---- */

static int ws_handshake(struct cdp *c, int port, const char *path, long long deadline)
{
  unsigned char nonce[16], digest[SHA_DIGEST_LENGTH];
  char key[32], accept[40], req[1024], head[4096], cat[128];

  RAND_bytes(nonce, sizeof(nonce));
  EVP_EncodeBlock((unsigned char *)key, nonce, sizeof(nonce));
  snprintf(req, sizeof(req),
           "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
           path, port, key);
  if (send_all(c, req, strlen(req), deadline) || read_head(c, head, sizeof(head), deadline))
    return -1;
  if (strncmp(head, "HTTP/1.1 101", 12) != 0)
    return fail(c, "the WebSocket handshake was refused: %.80s", head);
  snprintf(cat, sizeof(cat), "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", key);
  SHA1((unsigned char *)cat, strlen(cat), digest);
  EVP_EncodeBlock((unsigned char *)accept, digest, sizeof(digest));
  if (!strcasestr(head, "Sec-WebSocket-Accept: ") || !strstr(head, accept))
    return fail(c, "the WebSocket handshake's accept key is wrong");
  return 0;
}

static int ws_send(struct cdp *c, int opcode, const char *data, size_t len, long long deadline)
{
  unsigned char hdr[14], mask[4];
  size_t h = 0;
  char *masked = malloc(len ? len : 1);
  int rc;

  if (!masked)
    return fail(c, "out of memory");
  hdr[h++] = (unsigned char)(0x80 | opcode); /* FIN: never fragmented by us */
  if (len < 126) {
    hdr[h++] = (unsigned char)(0x80 | len);
  } else if (len <= 0xffff) {
    hdr[h++] = 0x80 | 126;
    hdr[h++] = (unsigned char)(len >> 8);
    hdr[h++] = (unsigned char)len;
  } else {
    hdr[h++] = 0x80 | 127;
    for (int i = 7; i >= 0; i--)
      hdr[h++] = (unsigned char)((unsigned long long)len >> (8 * i));
  }
  RAND_bytes(mask, sizeof(mask)); /* a client masks every frame (RFC 6455 5.3) */
  memcpy(hdr + h, mask, 4);
  h += 4;
  for (size_t i = 0; i < len; i++)
    masked[i] = (char)(data[i] ^ mask[i % 4]);
  rc = send_all(c, hdr, h, deadline) || send_all(c, masked, len, deadline) ? -1 : 0;
  free(masked);
  return rc;
}

/* The next whole message (text or binary, fragments joined; pings answered), malloc()ed and
 * NUL-terminated in *out. */
static int ws_recv(struct cdp *c, char **out, size_t *out_len, long long deadline)
{
  char *msg = NULL;
  size_t len = 0;

  for (;;) {
    unsigned char h[2], ext[8], mask[4] = {0};
    unsigned long long n;
    char *payload;
    int fin, op;

    if (recv_exact(c, h, 2, deadline))
      goto fail;
    fin = h[0] & 0x80;
    op = h[0] & 0x0f;
    n = h[1] & 0x7f;
    if (n == 126 || n == 127) {
      size_t k = n == 126 ? 2 : 8;
      if (recv_exact(c, ext, k, deadline))
        goto fail;
      n = 0;
      for (size_t i = 0; i < k; i++)
        n = n << 8 | ext[i];
    }
    if ((h[1] & 0x80) && recv_exact(c, mask, 4, deadline))
      goto fail;
    if (n > (64ULL << 20)) {
      fail(c, "a WebSocket frame of %llu bytes", n);
      goto fail;
    }
    payload = malloc((size_t)n + 1);
    if (!payload || recv_exact(c, payload, (size_t)n, deadline)) {
      free(payload);
      goto fail;
    }
    for (size_t i = 0; i < n; i++)
      payload[i] ^= (char)mask[i % 4];
    if (op == 0x8) { /* close */
      free(payload);
      fail(c, "the browser closed the WebSocket");
      goto fail;
    }
    if (op == 0x9 || op == 0xA) { /* ping (answered), pong */
      if (op == 0x9 && ws_send(c, 0xA, payload, (size_t)n, deadline)) {
        free(payload);
        goto fail;
      }
      free(payload);
      continue;
    }
    char *grown = realloc(msg, len + (size_t)n + 1);
    if (!grown) {
      free(payload);
      fail(c, "out of memory");
      goto fail;
    }
    msg = grown;
    memcpy(msg + len, payload, (size_t)n);
    len += (size_t)n;
    msg[len] = '\0';
    free(payload);
    if (fin) {
      *out = msg;
      *out_len = len;
      return 0;
    }
  }
fail:
  free(msg);
  return -1;
}

/* ---- the protocol ---- */

static const char *str_or(json_t *v, const char *def)
{
  const char *s = json_string_value(v);
  return s ? s : def;
}

static void on_event(struct cdp *c, const char *method, json_t *params)
{
  if (strcmp(method, "Runtime.exceptionThrown") == 0) {
    json_t *d = json_object_get(params, "exceptionDetails");
    json_t *ex = json_object_get(d, "exception");
    add_page_error(
        c, "exception",
        str_or(json_object_get(ex, "description"), str_or(json_object_get(d, "text"), "")));
  } else if (strcmp(method, "Runtime.consoleAPICalled") == 0) {
    json_t *args = json_object_get(params, "args");
    if (strcmp(str_or(json_object_get(params, "type"), ""), "error") == 0)
      add_page_error(c, "console.error",
                     str_or(json_object_get(json_array_get(args, 0), "value"), "(not a string)"));
  } else if (strcmp(method, "Log.entryAdded") == 0) {
    json_t *e = json_object_get(params, "entry");
    if (strcmp(str_or(json_object_get(e, "level"), ""), "error") == 0)
      add_page_error(c, str_or(json_object_get(e, "source"), "log"),
                     str_or(json_object_get(e, "text"), ""));
  }
}

int cdp_call(struct cdp *c, const char *method, json_t *params, json_t **result)
{
  long long deadline = now_ms() + c->timeout_ms;
  long id = ++c->next_id;
  json_t *req = json_pack("{s:I, s:s, s:o}", "id", (json_int_t)id, "method", method, "params",
                          params ? params : json_object());
  char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
  int rc;

  json_decref(req);
  if (result)
    *result = NULL;
  if (!text)
    return fail(c, "%s: cannot encode the command", method);
  rc = ws_send(c, 0x1, text, strlen(text), deadline);
  free(text);
  if (rc)
    return -1;
  for (;;) {
    char *msg;
    size_t len;
    json_error_t jerr;
    json_t *m;
    if (ws_recv(c, &msg, &len, deadline))
      return fail(c, "%s: %s", method, c->err[0] ? c->err : "no reply");
    m = json_loadb(msg, len, 0, &jerr);
    free(msg);
    if (!m)
      return fail(c, "%s: a reply that is not JSON: %s", method, jerr.text);
    json_t *mid = json_object_get(m, "id");
    if (!mid) {
      const char *ev = json_string_value(json_object_get(m, "method"));
      if (ev)
        on_event(c, ev, json_object_get(m, "params"));
      json_decref(m);
      continue;
    }
    if (json_integer_value(mid) != id) { /* a reply to a call that timed out earlier */
      json_decref(m);
      continue;
    }
    json_t *e = json_object_get(m, "error");
    if (e) {
      fail(c, "%s: %s", method, str_or(json_object_get(e, "message"), "error"));
      json_decref(m);
      return -1;
    }
    if (result)
      *result = json_incref(json_object_get(m, "result"));
    json_decref(m);
    return 0;
  }
}

/* ---- start: the port file, the tab, the domains ---- */

/* The port Chromium wrote to its profile's DevToolsActivePort, or 0 while there is none. */
static int active_port(const char *dir)
{
  char path[600];
  int port = 0;
  FILE *f;

  snprintf(path, sizeof(path), "%s/DevToolsActivePort", dir);
  f = fopen(path, "r");
  if (!f)
    return 0;
  if (fscanf(f, "%d", &port) != 1)
    port = 0;
  fclose(f);
  return port;
}

/* The WebSocket path of the first tab ("/devtools/page/ID") from GET /json/list, in path. */
static int first_tab(struct cdp *c, int port, char *path, size_t len, long long deadline)
{
  char req[256], head[4096], *body = NULL;
  size_t blen = 0;
  json_t *list;
  int rc = -1;

  if (tcp_connect(c, port))
    return -1;
  snprintf(req, sizeof(req),
           "GET /json/list HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n", port);
  if (send_all(c, req, strlen(req), deadline) || read_head(c, head, sizeof(head), deadline))
    goto out;
  /* The body: Content-Length bytes (Chromium keeps the connection open despite the close). */
  {
    const char *cl = strcasestr(head, "\r\nContent-Length:");
    size_t want = cl ? strtoul(cl + 17, NULL, 10) : 0;
    if (!cl || want > (1u << 20)) {
      fail(c, "/json/list: no usable Content-Length");
      goto out;
    }
    body = malloc(want + 1);
    if (!body || recv_exact(c, body, want, deadline))
      goto out;
    blen = want;
  }
  list = body ? json_loadb(body, blen, 0, NULL) : NULL;
  for (size_t i = 0; i < json_array_size(list) && rc; i++) {
    json_t *t = json_array_get(list, i);
    const char *url = str_or(json_object_get(t, "webSocketDebuggerUrl"), NULL);
    const char *p = url ? strstr(url, "/devtools/") : NULL;
    if (strcmp(str_or(json_object_get(t, "type"), ""), "page") == 0 && p) {
      snprintf(path, len, "%s", p);
      rc = 0;
    }
  }
  json_decref(list);
  if (rc)
    fail(c, "no tab in /json/list yet");
out:
  free(body);
  close(c->fd);
  c->fd = -1;
  return rc;
}

struct cdp *cdp_launch(const struct cdp_options *o, char *err, size_t errlen)
{
  struct cdp *c = calloc(1, sizeof(*c));
  char path[256], port_file[600];
  long long deadline;
  int port = 0;

  if (!c || !o->profile_dir) {
    snprintf(err, errlen, "%s", c ? "cdp_launch: no profile_dir" : "out of memory");
    free(c);
    return NULL;
  }
  c->fd = -1;
  c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 15000;
  deadline = now_ms() + c->timeout_ms;
  mkdir(o->profile_dir, 0700);
  snprintf(port_file, sizeof(port_file), "%s/DevToolsActivePort", o->profile_dir);
  unlink(port_file); /* a previous run's */
  if (!live_one)
    atexit(close_at_exit);
  live_one = c;
  c->pid = spawn(o, o->width > 0 ? o->width : 1366, o->height > 0 ? o->height : 900);
  if (c->pid < 0) {
    c->pid = 0;
    fail(c, "fork: %s", strerror(errno));
    goto fail;
  }
  while (!(port = active_port(o->profile_dir))) {
    if (waitpid(c->pid, NULL, WNOHANG) == c->pid) {
      c->pid = 0;
      fail(c, "Chromium exited at start (CDP_VERBOSE=1 shows its output)");
      goto fail;
    }
    if (now_ms() > deadline) {
      fail(c, "Chromium wrote no DevToolsActivePort in %d ms", c->timeout_ms);
      goto fail;
    }
    usleep(50000);
  }
  while (first_tab(c, port, path, sizeof(path), deadline)) {
    if (now_ms() > deadline)
      goto fail;
    usleep(100000);
  }
  if (tcp_connect(c, port) || ws_handshake(c, port, path, deadline) ||
      cdp_call(c, "Page.enable", NULL, NULL) || cdp_call(c, "Runtime.enable", NULL, NULL) ||
      cdp_call(c, "Log.enable", NULL, NULL))
    goto fail;
  return c;
fail:
  snprintf(err, errlen, "%s", c->err);
  cdp_close(c);
  return NULL;
}

/* ---- commands ---- */

json_t *cdp_eval(struct cdp *c, const char *expr)
{
  json_t *res, *v, *ex;

  if (cdp_call(
          c, "Runtime.evaluate",
          json_pack("{s:s, s:b, s:b}", "expression", expr, "returnByValue", 1, "awaitPromise", 1),
          &res))
    return NULL;
  ex = json_object_get(res, "exceptionDetails");
  if (ex) {
    json_t *e = json_object_get(ex, "exception");
    fail(c, "%s threw: %s", expr,
         str_or(json_object_get(e, "description"), str_or(json_object_get(ex, "text"), "")));
    json_decref(res);
    return NULL;
  }
  v = json_object_get(json_object_get(res, "result"), "value");
  v = v ? json_incref(v) : json_null();
  json_decref(res);
  return v;
}

int cdp_eval_bool(struct cdp *c, const char *expr)
{
  char wrapped[8192];
  json_t *v;
  int r;

  snprintf(wrapped, sizeof(wrapped), "!!(%s)", expr);
  v = cdp_eval(c, wrapped);
  if (!v)
    return -1;
  r = json_is_true(v);
  json_decref(v);
  return r;
}

double cdp_eval_number(struct cdp *c, const char *expr)
{
  json_t *v = cdp_eval(c, expr);
  double d = json_is_number(v) ? json_number_value(v) : NAN;

  json_decref(v);
  return d;
}

char *cdp_eval_string(struct cdp *c, const char *expr)
{
  json_t *v = cdp_eval(c, expr);
  char *s = json_is_string(v) ? strdup(json_string_value(v)) : NULL;

  json_decref(v);
  return s;
}

int cdp_wait(struct cdp *c, const char *expr, int timeout_ms)
{
  long long deadline = now_ms() + timeout_ms;

  for (;;) {
    if (cdp_eval_bool(c, expr) == 1)
      return 0;
    if (now_ms() > deadline) {
      char why[sizeof(c->err)];
      snprintf(why, sizeof(why), "%s", c->err);
      return fail(c, "not true within %d ms: %s%s%s", timeout_ms, expr, why[0] ? "; last: " : "",
                  why);
    }
    c->err[0] = '\0';
    usleep(100000);
  }
}

int cdp_navigate(struct cdp *c, const char *url)
{
  json_t *res;

  if (cdp_call(c, "Page.navigate", json_pack("{s:s}", "url", url), &res))
    return -1;
  if (json_object_get(res, "errorText")) {
    fail(c, "navigate %s: %s", url, str_or(json_object_get(res, "errorText"), ""));
    json_decref(res);
    return -1;
  }
  json_decref(res);
  return cdp_wait(c, "document.readyState === 'complete' && location.href !== 'about:blank'",
                  c->timeout_ms);
}

static int mouse(struct cdp *c, const char *type, double x, double y)
{
  return cdp_call(c, "Input.dispatchMouseEvent",
                  json_pack("{s:s, s:f, s:f, s:s, s:i}", "type", type, "x", x, "y", y, "button",
                            "left", "clickCount", 1),
                  NULL);
}

int cdp_click(struct cdp *c, const char *selector)
{
  json_t *js = json_string(selector), *at;
  char *sel = js ? json_dumps(js, JSON_ENCODE_ANY) : NULL, expr[4096];
  double x, y;

  json_decref(js);
  if (!sel)
    return fail(c, "cannot encode the selector");
  snprintf(expr, sizeof(expr),
           "(() => { const e = document.querySelector(%s); if (!e) return null;"
           " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
           " return [r.left + r.width / 2, r.top + r.height / 2]; })()",
           sel);
  free(sel);
  at = cdp_eval(c, expr);
  if (!json_is_array(at)) {
    json_decref(at);
    return c->err[0] ? -1 : fail(c, "no element matches %s", selector);
  }
  x = json_number_value(json_array_get(at, 0));
  y = json_number_value(json_array_get(at, 1));
  json_decref(at);
  return mouse(c, "mouseMoved", x, y) || mouse(c, "mousePressed", x, y) ||
                 mouse(c, "mouseReleased", x, y)
             ? -1
             : 0;
}

int cdp_type(struct cdp *c, const char *text)
{
  return cdp_call(c, "Input.insertText", json_pack("{s:s}", "text", text), NULL);
}

int cdp_screenshot(struct cdp *c, const char *path)
{
  json_t *res;
  const char *b64;
  unsigned char *png;
  size_t len, pad = 0;
  int n, rc = -1;
  FILE *f;

  if (cdp_call(c, "Page.captureScreenshot", json_pack("{s:s}", "format", "png"), &res))
    return -1;
  b64 = str_or(json_object_get(res, "data"), "");
  len = strlen(b64);
  png = malloc(len / 4 * 3 + 3);
  n = png ? EVP_DecodeBlock(png, (const unsigned char *)b64, (int)len) : -1;
  while (pad < 2 && len > pad && b64[len - 1 - pad] == '=') /* DecodeBlock counts the padding */
    pad++;
  if (n < 0 || len % 4 != 0) {
    fail(c, "the screenshot is not base64");
  } else if (!(f = fopen(path, "wb"))) {
    fail(c, "%s: %s", path, strerror(errno));
  } else {
    rc = fwrite(png, 1, (size_t)n - pad, f) == (size_t)n - pad ? 0 : -1;
    if (fclose(f) != 0 || rc)
      rc = fail(c, "%s: short write", path);
  }
  free(png);
  json_decref(res);
  return rc;
}
