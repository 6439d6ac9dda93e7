/* cdp-internal.h: what cdp.c (the protocol, the commands) and cdp_wire.c (Chromium's process,
 * the socket, the WebSocket frames) share. Not for tests: they include cdp.h. */
#ifndef CDP_INTERNAL_H
#define CDP_INTERNAL_H

#include "tests/support/cdp.h"

#include <stddef.h>
#include <sys/types.h>

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

long long cdp__now_ms(void);
/* Sets c's message; returns -1. */
int cdp__fail(struct cdp *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Starts Chromium as cdp.h says (own group, PR_SET_PDEATHSIG, private profile); its pid. */
pid_t cdp__spawn(const struct cdp_options *o, int w, int h);
/* Kills Chromium, the processes it started, and reaps it (c->pid 0 after). */
void cdp__kill_browser(struct cdp *c);

/* The socket c->fd, every wait bounded by deadline (cdp__now_ms() clock). 0 or -1. */
int cdp__wait_fd(struct cdp *c, short ev, long long deadline);
int cdp__send_all(struct cdp *c, const void *buf, size_t len, long long deadline);
int cdp__recv_exact(struct cdp *c, void *buf, size_t len, long long deadline);
int cdp__tcp_connect(struct cdp *c, int port);
/* An HTTP head up to its blank line, NUL-terminated. */
int cdp__read_head(struct cdp *c, char *buf, size_t max, long long deadline);

/* RFC 6455, the client side: the handshake for path, a frame out (masked, never fragmented),
 * the next whole message in (fragments joined, pings answered; malloc()ed, NUL-terminated). */
int cdp__ws_handshake(struct cdp *c, int port, const char *path, long long deadline);
int cdp__ws_send(struct cdp *c, int opcode, const char *data, size_t len, long long deadline);
int cdp__ws_recv(struct cdp *c, char **out, size_t *out_len, long long deadline);

#endif
