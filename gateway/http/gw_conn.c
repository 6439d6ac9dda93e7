/* gw_conn.c: a deadline on receiving a request, whatever the client's pace.
 *
 * libmicrohttpd's connection timeout is an idle timeout: any byte restarts it, so a client that
 * trickles its headers a byte at a time held a slot for as long as it liked. Here a connection
 * must deliver a whole request (headers and body) within request_timeout_s of opening, or of
 * the end of its previous request; otherwise the sweep shuts its socket down. shutdown() rather
 * than close(): the descriptor stays MHD's, which sees end-of-file and closes the connection in
 * its own time, so no descriptor is ever reused under it.
 *
 * Connections still receiving sit in a list ordered by when they started to, so the sweep looks
 * only at the ones whose time is up. A request being handled (perhaps waiting for the database,
 * under the hop's own deadline) or streamed is off the list.
 */
#include "gateway/http/gw_http-internal.h"
#include "lib/ag.h"
#include "lib/ag_log.h"
#include "lib/ag_loop.h"

#include <stdlib.h>
#include <sys/socket.h>

#define SWEEP_MS 250

struct gw_conn {
  void *admit; /* what gw_http__closed() needs */
  int fd;
  long long since_us;          /* when it began to wait for its next request */
  int listed;                  /* on the receiving list */
  struct gw_conn *prev, *next; /* the receiving list, oldest first */
};

static void unlink_conn(struct gw_http *h, struct gw_conn *c)
{
  if (!c->listed)
    return;
  if (c->prev)
    c->prev->next = c->next;
  else
    h->receiving = c->next;
  if (c->next)
    c->next->prev = c->prev;
  else
    h->receiving_tail = c->prev;
  c->prev = c->next = NULL;
  c->listed = 0;
}

static void sweep_arm(struct gw_http *h)
{
  if (h->receiving && h->cfg.request_timeout_s && h->ev_sweep && !ag_timer_pending(h->ev_sweep))
    ag_timer_start(h->ev_sweep, SWEEP_MS);
}

/* Appends c as the newest: since_us only ever grows, so the list stays ordered. */
static void list_conn(struct gw_http *h, struct gw_conn *c)
{
  unlink_conn(h, c);
  c->since_us = ag_now_us();
  c->prev = h->receiving_tail;
  if (h->receiving_tail)
    h->receiving_tail->next = c;
  else
    h->receiving = c;
  h->receiving_tail = c;
  c->listed = 1;
  sweep_arm(h);
}

void gw_http__sweep(void *arg)
{
  struct gw_http *h = arg;
  long long limit = ag_now_us() - (long long)h->cfg.request_timeout_s * 1000000;

  while (h->receiving && h->receiving->since_us <= limit) {
    struct gw_conn *c = h->receiving;
    unlink_conn(h, c);
    h->request_timeouts++;
    AG_LOGW("http.request_timeout", "fd=%d limit_s=%u", c->fd, h->cfg.request_timeout_s);
    shutdown(c->fd, SHUT_RDWR);
  }
  gw_http__kick(h); /* MHD notices the shut sockets on its next run */
  sweep_arm(h);
}

void *gw_http__conn_open(struct gw_http *h, struct MHD_Connection *conn)
{
  const union MHD_ConnectionInfo *fd =
      MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
  const union MHD_ConnectionInfo *sa =
      MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  struct gw_conn *c = calloc(1, sizeof(*c));

  if (!c) {
    /* Untracked, it would escape both the deadline and the per-address count: turn it away. */
    if (fd)
      shutdown(fd->connect_fd, SHUT_RDWR);
    return NULL;
  }
  c->admit = gw_http__admitted(h, sa ? sa->client_addr : NULL);
  c->fd = fd ? fd->connect_fd : -1;
  if (c->fd >= 0)
    list_conn(h, c);
  return c;
}

void gw_http__conn_close(struct gw_http *h, void *conn_ctx)
{
  struct gw_conn *c = conn_ctx;

  if (!c)
    return;
  unlink_conn(h, c);
  gw_http__closed(h, c->admit);
  free(c);
}

static struct gw_conn *conn_of(struct MHD_Connection *conn)
{
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

  return ci ? ci->socket_context : NULL;
}

void gw_http__conn_received(struct gw_http *h, struct MHD_Connection *conn)
{
  struct gw_conn *c = conn_of(conn);

  if (c)
    unlink_conn(h, c);
}

void gw_http__conn_done(struct gw_http *h, struct MHD_Connection *conn)
{
  struct gw_conn *c = conn_of(conn);

  if (c && c->fd >= 0)
    list_conn(h, c);
}

unsigned long long gw_http_request_timeouts(const struct gw_http *h)
{
  return h ? h->request_timeouts : 0;
}
