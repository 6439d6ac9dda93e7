/* gw_req.c: one request as its handler sees it: accessors, and whole replies handed to MHD
 * without copies (the body mode says who owns the bytes). */
#include "gateway/http/gw_http-internal.h"
#include "lib/ag.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *gw_req_method(const struct gw_req *r)
{
  return r->method;
}

const char *gw_req_path(const struct gw_req *r)
{
  return r->path;
}

const char *gw_req_id(const struct gw_req *r)
{
  return r->id;
}

const char *gw_req_header(const struct gw_req *r, const char *name)
{
  return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *gw_req_query(const struct gw_req *r, const char *name)
{
  return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct query_form {
  char *out;
  size_t cap, len;
  int overflow;
};

static void enc_append(struct query_form *q, const char *s, size_t n)
{
  static const char hex[] = "0123456789ABCDEF";

  for (size_t i = 0; i < n && !q->overflow; i++) {
    unsigned char c = (unsigned char)s[i];
    int plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_' || c == '.' || c == '~';
    if (q->len + (plain ? 1 : 3) >= q->cap) {
      q->overflow = 1;
      return;
    }
    if (plain) {
      q->out[q->len++] = (char)c;
    } else {
      q->out[q->len++] = '%';
      q->out[q->len++] = hex[c >> 4];
      q->out[q->len++] = hex[c & 15];
    }
  }
}

static enum MHD_Result query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
  struct query_form *q = cls;

  (void)kind;
  if (q->len && q->len + 1 < q->cap)
    q->out[q->len++] = '&';
  enc_append(q, key, strlen(key));
  if (value) {
    if (q->len + 1 < q->cap)
      q->out[q->len++] = '=';
    enc_append(q, value, strlen(value));
  }
  return q->overflow ? MHD_NO : MHD_YES;
}

int gw_req_query_form(const struct gw_req *r, char *buf, size_t cap, size_t *len)
{
  struct query_form q = {buf, cap, 0, 0};

  if (cap == 0)
    return AG_E2BIG;
  MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, query_arg, &q);
  buf[q.len] = '\0';
  *len = q.len;
  return q.overflow ? AG_E2BIG : AG_OK;
}

const char *gw_req_peer(const struct gw_req *r, char *buf, size_t len)
{
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  const struct sockaddr *sa = ci ? ci->client_addr : NULL;
  const void *addr = NULL;

  if (sa && sa->sa_family == AF_INET)
    addr = &((const struct sockaddr_in *)sa)->sin_addr;
  else if (sa && sa->sa_family == AF_INET6)
    addr = &((const struct sockaddr_in6 *)sa)->sin6_addr;
  if (!addr || !inet_ntop(sa->sa_family, addr, buf, (socklen_t)len))
    snprintf(buf, len, "?");
  return buf;
}

const char *gw_req_body(const struct gw_req *r, size_t *len)
{
  *len = r->len;
  return r->body ? r->body : "";
}

long long gw_req_received_us(const struct gw_req *r)
{
  return r->received_us;
}

int gw_req_is_suspended(const struct gw_req *r)
{
  return r->suspended;
}

void gw_req_suspend(struct gw_req *r)
{
  if (r->suspended || r->replied)
    return;
  r->suspended = 1;
  r->h->suspended++;
  MHD_suspend_connection(r->conn);
}

int gw_req_add_header(struct gw_req *r, const char *name, const char *value)
{
  char *n, *v;

  if (r->n_headers == GW_HTTP_HEADERS_MAX)
    return AG_E2BIG;
  n = strdup(name);
  v = strdup(value);
  if (!n || !v) {
    free(n);
    free(v);
    return AG_ENOMEM;
  }
  r->headers[r->n_headers][0] = n;
  r->headers[r->n_headers++][1] = v;
  return AG_OK;
}

int gw_http__decorate(struct gw_req *r, struct MHD_Response *resp, const char *content_type)
{
  /* Only a GET's reply can be cached; a POST's (every carrier hop) cannot without freshness
   * headers (RFC 9111 3), and each header costs MHD three allocations on the hot path. */
  int get = r->method && strcmp(r->method, MHD_HTTP_METHOD_GET) == 0;
  int ok;

  for (size_t i = 0; get && i < r->n_headers; i++) /* the handler's own policy (pages) wins */
    get = strcasecmp(r->headers[i][0], MHD_HTTP_HEADER_CACHE_CONTROL) != 0;
  ok = MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type) == MHD_YES &&
       (!get ||
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") == MHD_YES) &&
       MHD_add_response_header(resp, "X-Request-Id", r->id) == MHD_YES;

  for (size_t i = 0; ok && i < r->n_headers; i++)
    ok = MHD_add_response_header(resp, r->headers[i][0], r->headers[i][1]) == MHD_YES;
  return ok ? AG_OK : AG_ENOMEM;
}

void gw_http__replied(struct gw_req *r, int status, struct MHD_Response *resp)
{
  r->status = status;
  r->resp = resp;
  r->replied = 1;
  if (r->suspended) {
    r->suspended = 0;
    r->h->suspended--;
    MHD_resume_connection(r->conn);
    gw_http__kick(r->h);
  }
}

/* The reply when memory is short: a static body, so it needs next to nothing. */
static struct MHD_Response *oom_response(struct gw_req *r)
{
  static const char oom[] = "{\"error\":\"out of memory\"}\n";
  struct MHD_Response *resp =
      MHD_create_response_from_buffer(sizeof(oom) - 1, (void *)oom, MHD_RESPMEM_PERSISTENT);

  if (resp && gw_http__decorate(r, resp, "application/json")) {
    MHD_destroy_response(resp);
    resp = NULL;
  }
  return resp;
}

int gw_req_reply(struct gw_req *r, int status, const char *content_type, const char *body,
                 size_t len, enum gw_body mode)
{
  static const enum MHD_ResponseMemoryMode mem[] = {
      [GW_BODY_STATIC] = MHD_RESPMEM_PERSISTENT,
      [GW_BODY_COPY] = MHD_RESPMEM_MUST_COPY,
      [GW_BODY_TAKE] = MHD_RESPMEM_MUST_FREE,
  };
  struct MHD_Response *resp;

  if (AG_NEVER(r->replied)) {
    if (mode == GW_BODY_TAKE)
      free((char *)body);
    return AG_ESTATE;
  }
  resp = MHD_create_response_from_buffer(len, (void *)body, mem[mode]);
  if (!resp && mode == GW_BODY_TAKE)
    free((char *)body);
  if (resp && gw_http__decorate(r, resp, content_type)) {
    MHD_destroy_response(resp); /* frees a taken body */
    resp = NULL;
  }
  if (!resp) {
    gw_http__replied(r, MHD_HTTP_INTERNAL_SERVER_ERROR, oom_response(r));
    return AG_ENOMEM;
  }
  gw_http__replied(r, status, resp);
  return AG_OK;
}

void gw_req_set_user(struct gw_req *r, void *user, void (*free_fn)(void *))
{
  if (r->user_free)
    r->user_free(r->user);
  r->user = user;
  r->user_free = free_fn;
}

void *gw_req_user(const struct gw_req *r)
{
  return r->user;
}

int gw_req_status(const struct gw_req *r)
{
  return r->status;
}
