/* cdp.c: the DevTools protocol over cdp_wire.c's socket, and the commands built on it. */
#define _GNU_SOURCE
#include "tests/support/cdp-internal.h"

#include <errno.h>
#include <math.h>
#include <openssl/evp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static struct cdp *live_one; /* the session atexit closes */

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

void cdp_close(struct cdp *c)
{
  if (!c)
    return;
  if (c->fd >= 0)
    close(c->fd);
  cdp__kill_browser(c);
  if (live_one == c)
    live_one = NULL;
  free(c->errors);
  free(c);
}

static void close_at_exit(void)
{
  cdp_close(live_one);
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
  long long deadline = cdp__now_ms() + c->timeout_ms;
  long id = ++c->next_id;
  json_t *req = json_pack("{s:I, s:s, s:o}", "id", (json_int_t)id, "method", method, "params",
                          params ? params : json_object());
  char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
  int rc;

  json_decref(req);
  if (result)
    *result = NULL;
  if (!text)
    return cdp__fail(c, "%s: cannot encode the command", method);
  rc = cdp__ws_send(c, 0x1, text, strlen(text), deadline);
  free(text);
  if (rc)
    return -1;
  for (;;) {
    char *msg;
    size_t len;
    json_error_t jerr;
    json_t *m;
    if (cdp__ws_recv(c, &msg, &len, deadline))
      return cdp__fail(c, "%s: %s", method, c->err[0] ? c->err : "no reply");
    m = json_loadb(msg, len, 0, &jerr);
    free(msg);
    if (!m)
      return cdp__fail(c, "%s: a reply that is not JSON: %s", method, jerr.text);
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
      cdp__fail(c, "%s: %s", method, str_or(json_object_get(e, "message"), "error"));
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

  if (cdp__tcp_connect(c, port))
    return -1;
  snprintf(req, sizeof(req),
           "GET /json/list HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n", port);
  if (cdp__send_all(c, req, strlen(req), deadline) ||
      cdp__read_head(c, head, sizeof(head), deadline))
    goto out;
  /* The body: Content-Length bytes (Chromium keeps the connection open despite the close). */
  {
    const char *cl = strcasestr(head, "\r\nContent-Length:");
    size_t want = cl ? strtoul(cl + 17, NULL, 10) : 0;
    if (!cl || want > (1u << 20)) {
      cdp__fail(c, "/json/list: no usable Content-Length");
      goto out;
    }
    body = malloc(want + 1);
    if (!body || cdp__recv_exact(c, body, want, deadline))
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
    cdp__fail(c, "no tab in /json/list yet");
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
  deadline = cdp__now_ms() + c->timeout_ms;
  mkdir(o->profile_dir, 0700);
  snprintf(port_file, sizeof(port_file), "%s/DevToolsActivePort", o->profile_dir);
  unlink(port_file); /* a previous run's */
  if (!live_one)
    atexit(close_at_exit);
  live_one = c;
  c->pid = cdp__spawn(o, o->width > 0 ? o->width : 1366, o->height > 0 ? o->height : 900);
  if (c->pid < 0) {
    c->pid = 0;
    cdp__fail(c, "fork: %s", strerror(errno));
    goto fail;
  }
  while (!(port = active_port(o->profile_dir))) {
    if (waitpid(c->pid, NULL, WNOHANG) == c->pid) {
      c->pid = 0;
      cdp__fail(c, "Chromium exited at start (CDP_VERBOSE=1 shows its output)");
      goto fail;
    }
    if (cdp__now_ms() > deadline) {
      cdp__fail(c, "Chromium wrote no DevToolsActivePort in %d ms", c->timeout_ms);
      goto fail;
    }
    usleep(50000);
  }
  while (first_tab(c, port, path, sizeof(path), deadline)) {
    if (cdp__now_ms() > deadline)
      goto fail;
    usleep(100000);
  }
  if (cdp__tcp_connect(c, port) || cdp__ws_handshake(c, port, path, deadline) ||
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
    cdp__fail(c, "%s threw: %s", expr,
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
  long long deadline = cdp__now_ms() + timeout_ms;

  for (;;) {
    if (cdp_eval_bool(c, expr) == 1)
      return 0;
    if (cdp__now_ms() > deadline) {
      char why[sizeof(c->err)];
      snprintf(why, sizeof(why), "%s", c->err);
      return cdp__fail(c, "not true within %d ms: %s%s%s", timeout_ms, expr,
                       why[0] ? "; last: " : "", why);
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
    cdp__fail(c, "navigate %s: %s", url, str_or(json_object_get(res, "errorText"), ""));
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
    return cdp__fail(c, "cannot encode the selector");
  snprintf(expr, sizeof(expr),
           "(() => { const e = document.querySelector(%s); if (!e) return null;"
           " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
           " return [r.left + r.width / 2, r.top + r.height / 2]; })()",
           sel);
  free(sel);
  at = cdp_eval(c, expr);
  if (!json_is_array(at)) {
    json_decref(at);
    return c->err[0] ? -1 : cdp__fail(c, "no element matches %s", selector);
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
    cdp__fail(c, "the screenshot is not base64");
  } else if (!(f = fopen(path, "wb"))) {
    cdp__fail(c, "%s: %s", path, strerror(errno));
  } else {
    rc = fwrite(png, 1, (size_t)n - pad, f) == (size_t)n - pad ? 0 : -1;
    if (fclose(f) != 0 || rc)
      rc = cdp__fail(c, "%s: short write", path);
  }
  free(png);
  json_decref(res);
  return rc;
}
