/* cdp_wire.c: Chromium's process, and the bytes to and from its DevTools WebSocket. */
#define _GNU_SOURCE
#include "tests/support/cdp-internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

long long cdp__now_ms(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int cdp__fail(struct cdp *c, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->err, sizeof(c->err), fmt, ap);
  va_end(ap);
  return -1;
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

void cdp__kill_browser(struct cdp *c)
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

pid_t cdp__spawn(const struct cdp_options *o, int w, int h)
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

int cdp__wait_fd(struct cdp *c, short ev, long long deadline)
{
  struct pollfd p = {.fd = c->fd, .events = ev};
  long long left = deadline - cdp__now_ms();

  if (left <= 0)
    return cdp__fail(c, "timed out");
  if (poll(&p, 1, (int)left) <= 0)
    return cdp__fail(c, "timed out");
  return 0;
}

int cdp__send_all(struct cdp *c, const void *buf, size_t len, long long deadline)
{
  const char *p = buf;

  while (len > 0) {
    ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (cdp__wait_fd(c, POLLOUT, deadline))
        return -1;
      continue;
    }
    if (n <= 0)
      return cdp__fail(c, "send: %s", strerror(errno));
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

int cdp__recv_exact(struct cdp *c, void *buf, size_t len, long long deadline)
{
  char *p = buf;

  while (len > 0) {
    if (c->rpos == c->rlen) {
      ssize_t n;
      if (cdp__wait_fd(c, POLLIN, deadline))
        return -1;
      n = recv(c->fd, c->rbuf, sizeof(c->rbuf), MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EINTR))
        continue;
      if (n <= 0)
        return cdp__fail(c, "the browser closed the connection");
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

int cdp__tcp_connect(struct cdp *c, int port)
{
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  int one = 1;

  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&a, sizeof(a)) != 0)
    return cdp__fail(c, "connect 127.0.0.1:%d: %s", port, strerror(errno));
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  c->rlen = c->rpos = 0;
  return 0;
}

/* Reads an HTTP head up to its blank line into buf (NUL-terminated). */
int cdp__read_head(struct cdp *c, char *buf, size_t max, long long deadline)
{
  size_t n = 0;

  while (n + 1 < max) {
    if (cdp__recv_exact(c, buf + n, 1, deadline))
      return -1;
    buf[++n] = '\0';
    if (n >= 4 && memcmp(buf + n - 4, "\r\n\r\n", 4) == 0)
      return 0;
  }
  return cdp__fail(c, "HTTP head over %zu bytes", max);
}

/* ---- the WebSocket (RFC 6455), client side ---- */

int cdp__ws_handshake(struct cdp *c, int port, const char *path, long long deadline)
{
  unsigned char nonce[16], digest[SHA_DIGEST_LENGTH];
  char key[32], accept[40], req[1024], head[4096], cat[128];

  RAND_bytes(nonce, sizeof(nonce));
  EVP_EncodeBlock((unsigned char *)key, nonce, sizeof(nonce));
  snprintf(req, sizeof(req),
           "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
           path, port, key);
  if (cdp__send_all(c, req, strlen(req), deadline) ||
      cdp__read_head(c, head, sizeof(head), deadline))
    return -1;
  if (strncmp(head, "HTTP/1.1 101", 12) != 0)
    return cdp__fail(c, "the WebSocket handshake was refused: %.80s", head);
  snprintf(cat, sizeof(cat), "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", key);
  SHA1((unsigned char *)cat, strlen(cat), digest);
  EVP_EncodeBlock((unsigned char *)accept, digest, sizeof(digest));
  if (!strcasestr(head, "Sec-WebSocket-Accept: ") || !strstr(head, accept))
    return cdp__fail(c, "the WebSocket handshake's accept key is wrong");
  return 0;
}

int cdp__ws_send(struct cdp *c, int opcode, const char *data, size_t len, long long deadline)
{
  unsigned char hdr[14], mask[4];
  size_t h = 0;
  char *masked = malloc(len ? len : 1);
  int rc;

  if (!masked)
    return cdp__fail(c, "out of memory");
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
  rc = cdp__send_all(c, hdr, h, deadline) || cdp__send_all(c, masked, len, deadline) ? -1 : 0;
  free(masked);
  return rc;
}

/* The next whole message (text or binary, fragments joined; pings answered), malloc()ed and
 * NUL-terminated in *out. */
int cdp__ws_recv(struct cdp *c, char **out, size_t *out_len, long long deadline)
{
  char *msg = NULL;
  size_t len = 0;

  for (;;) {
    unsigned char h[2], ext[8], mask[4] = {0};
    unsigned long long n;
    char *payload;
    int fin, op;

    if (cdp__recv_exact(c, h, 2, deadline))
      goto fail;
    fin = h[0] & 0x80;
    op = h[0] & 0x0f;
    n = h[1] & 0x7f;
    if (n == 126 || n == 127) {
      size_t k = n == 126 ? 2 : 8;
      if (cdp__recv_exact(c, ext, k, deadline))
        goto fail;
      n = 0;
      for (size_t i = 0; i < k; i++)
        n = n << 8 | ext[i];
    }
    if ((h[1] & 0x80) && cdp__recv_exact(c, mask, 4, deadline))
      goto fail;
    if (n > (64ULL << 20)) {
      cdp__fail(c, "a WebSocket frame of %llu bytes", n);
      goto fail;
    }
    payload = malloc((size_t)n + 1);
    if (!payload || cdp__recv_exact(c, payload, (size_t)n, deadline)) {
      free(payload);
      goto fail;
    }
    for (size_t i = 0; i < n; i++)
      payload[i] ^= (char)mask[i % 4];
    if (op == 0x8) { /* close */
      free(payload);
      cdp__fail(c, "the browser closed the WebSocket");
      goto fail;
    }
    if (op == 0x9 || op == 0xA) { /* ping (answered), pong */
      if (op == 0x9 && cdp__ws_send(c, 0xA, payload, (size_t)n, deadline)) {
        free(payload);
        goto fail;
      }
      free(payload);
      continue;
    }
    char *grown = realloc(msg, len + (size_t)n + 1);
    if (!grown) {
      free(payload);
      cdp__fail(c, "out of memory");
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
