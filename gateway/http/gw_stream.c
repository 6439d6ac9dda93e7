/* gw_stream.c: streamed replies (Server-Sent Events) with a bounded buffer per client.
 *
 * MHD pulls a stream's bytes through a content reader. With nothing to send, the reader
 * suspends the connection (returning 0 alone would spin the loop) and a write resumes it. A
 * client that does not read lets the buffer fill: the next write that does not fit drops it
 * (the socket is shut down, so MHD closes the connection at once), instead of buffering
 * without end. The stream lives until MHD frees its response; on_end runs then.
 */
#include "gateway/http/gw_http-internal.h"
#include "lib/ag.h"
#include "lib/ag_log.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct gw_stream {
  struct gw_http *h;
  struct gw_req *req;          /* NULL once the request completed */
  struct MHD_Connection *conn; /* NULL once the request completed */
  char *buf;                   /* owned ring of h->cfg.stream_buffer bytes */
  size_t head, len;
  int closing, dropped, waiting; /* waiting: the reader suspended the connection for data */
  gw_stream_end_fn on_end;
  void *arg;
  struct gw_stream *prev, *next; /* h->stream_list */
};

static void wake(struct gw_stream *s)
{
  if (!s->waiting || !s->conn)
    return;
  s->waiting = 0;
  MHD_resume_connection(s->conn);
  gw_http__kick(s->h);
}

static ssize_t reader(void *cls, uint64_t pos, char *out, size_t max)
{
  struct gw_stream *s = cls;
  size_t cap = s->h->cfg.stream_buffer, n = 0;

  (void)pos;
  if (s->dropped)
    return MHD_CONTENT_READER_END_WITH_ERROR;
  while (n < max && s->len > 0) {
    size_t run = cap - s->head < s->len ? cap - s->head : s->len;
    if (run > max - n)
      run = max - n;
    memcpy(out + n, s->buf + s->head, run);
    s->head = (s->head + run) % cap;
    s->len -= run;
    n += run;
  }
  if (n > 0)
    return (ssize_t)n;
  if (s->closing)
    return MHD_CONTENT_READER_END_OF_STREAM;
  s->waiting = 1;
  MHD_suspend_connection(s->conn);
  return 0;
}

static void stream_release(struct gw_stream *s)
{
  struct gw_http *h = s->h;

  if (s->req)
    s->req->stream = NULL;
  if (s->prev)
    s->prev->next = s->next;
  else
    h->stream_list = s->next;
  if (s->next)
    s->next->prev = s->prev;
  h->streams--;
  if (s->on_end)
    s->on_end(s->arg, s);
  free(s->buf);
  free(s);
}

/* MHD frees the response: the connection is over, whatever ended it. */
static void stream_free(void *cls)
{
  stream_release(cls);
}

/* stream_sndbuf: the kernel's send buffer grows by itself up to tcp_wmem's maximum (4 MiB by
 * default), so a client that does not read would hold that much before stream_buffer even
 * starts to fill. Capped, a stalled client costs stream_buffer plus twice the cap. */
static void bound_kernel_buffer(struct gw_stream *s)
{
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(s->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
  int size = (int)s->h->cfg.stream_sndbuf;

  if (ci && size > 0)
    setsockopt(ci->connect_fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

struct gw_stream *gw_req_stream(struct gw_req *r, int status, const char *content_type,
                                gw_stream_end_fn on_end, void *arg)
{
  struct gw_http *h = r->h;
  struct gw_stream *s;
  struct MHD_Response *resp;

  if (AG_NEVER(r->replied) || h->streams >= h->cfg.max_streams || !(s = calloc(1, sizeof(*s))))
    return NULL;
  s->h = h;
  s->req = r;
  s->conn = r->conn;
  s->next = h->stream_list;
  if (s->next)
    s->next->prev = s;
  h->stream_list = s;
  h->streams++;
  s->buf = malloc(h->cfg.stream_buffer);
  resp = s->buf ? MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, reader, s, stream_free)
                : NULL;
  if (!resp) {
    stream_release(s); /* on_end is not set yet: a NULL return calls nothing */
    return NULL;
  }
  if (gw_http__decorate(r, resp, content_type)) {
    MHD_destroy_response(resp); /* releases s through stream_free */
    return NULL;
  }
  s->on_end = on_end;
  s->arg = arg;
  r->stream = s;
  bound_kernel_buffer(s);
  gw_http__replied(r, status, resp);
  return s;
}

int gw_stream_write(struct gw_stream *s, const char *data, size_t len)
{
  size_t cap = s->h->cfg.stream_buffer, tail;

  if (s->closing || s->dropped || !s->conn)
    return AG_ESTATE;
  if (len > cap - s->len) {
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(s->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    AG_LOGW("http.stream_dropped", "req=%s buffered=%zu reason=client_not_reading",
            s->req ? s->req->id : "-", s->len);
    s->dropped = 1;
    if (ci)
      shutdown(ci->connect_fd, SHUT_RDWR); /* MHD sees the socket fail and closes it */
    wake(s);
    gw_http__kick(s->h);
    return AG_E2BIG;
  }
  tail = (s->head + s->len) % cap;
  for (size_t done = 0; done < len;) {
    size_t run = cap - tail < len - done ? cap - tail : len - done;
    memcpy(s->buf + tail, data + done, run);
    tail = (tail + run) % cap;
    done += run;
  }
  s->len += len;
  wake(s);
  return AG_OK;
}

void gw_stream_close(struct gw_stream *s)
{
  s->closing = 1;
  wake(s);
}

void gw_stream__detach(struct gw_stream *s)
{
  s->req = NULL;
  s->conn = NULL;
}

void gw_stream__end_all(struct gw_http *h)
{
  for (struct gw_stream *s = h->stream_list; s; s = s->next) {
    s->dropped = 1;
    wake(s);
  }
}
