/* dial_session.c: the session of `aulgate dial`: it plays the carrier's side of the `at` dialect
 * against a running gateway, one hop per input read from the keypad (stdin), and says on stderr
 * why a hop produced no screen.
 *
 * A command-line tool may block, so it uses libcurl's easy interface, one hop at a time.
 */
#include "tools/dial/dial-internal.h"
#include "lib/ag.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define DIAL_TIMEOUT_MS         15000L /* protocols.md: a carrier waits about 15 s for a reply */
#define DIAL_CONNECT_TIMEOUT_MS 10000L /* ... and about 10 s for the connection */
/* A USSD screen is under 1 KiB; a reply this large is not one, and reading it all would only let
 * a broken server fill our memory. */
#define DIAL_BODY_MAX (64 * 1024)
/* How much of a bad reply goes to the terminal: enough to read the error, not a whole page. */
#define DIAL_DUMP_MAX 2000

static size_t dial_on_body(char *data, size_t size, size_t nmemb, void *arg)
{
  struct dial_body *b = arg;
  size_t add = size * nmemb;

  if (add > DIAL_BODY_MAX - b->len) {
    b->too_big = 1;
    return 0; /* makes libcurl stop with CURLE_WRITE_ERROR */
  }
  if (b->len + add + 1 > b->cap) {
    size_t cap = b->cap * 2 > b->len + add + 1 ? b->cap * 2 : b->len + add + 1;
    char *p = realloc(b->p, cap);

    if (!p) {
      b->nomem = 1;
      return 0;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, data, add);
  b->len += add;
  b->p[b->len] = '\0';
  return add;
}

int dial__init(struct dial *d)
{
  CURL *c;

  d->echo = !isatty(STDIN_FILENO);
  d->text = malloc(64);
  d->body.p = malloc(1024);
  if (!d->text || !d->body.p)
    return AG_ENOMEM;
  d->text[0] = d->body.p[0] = '\0';
  d->text_cap = 64;
  d->body.cap = 1024;
  c = d->curl = curl_easy_init();
  if (!c)
    return AG_ENOMEM;
  /* The at dialect requires this type; say it rather than rely on libcurl's default for
   * POSTFIELDS. "Expect:" avoids a 100-continue round trip should the text ever grow large. */
  d->headers = curl_slist_append(NULL, "Content-Type: application/x-www-form-urlencoded");
  if (d->headers)
    d->headers = curl_slist_append(d->headers, "Expect:");
  if (!d->headers)
    return AG_ENOMEM;
  curl_easy_setopt(c, CURLOPT_URL, d->url);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, d->headers);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, dial_on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &d->body);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, d->curl_err);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, DIAL_TIMEOUT_MS);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, DIAL_CONNECT_TIMEOUT_MS);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "aulgate-dial");
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85: CURLOPT_PROTOCOLS is deprecated from here on */
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
  return AG_OK;
}

void dial__cleanup(struct dial *d)
{
  if (d->curl)
    curl_easy_cleanup(d->curl);
  curl_slist_free_all(d->headers);
  free(d->text);
  free(d->body.p);
}

/* Appends one input to the `*`-joined history. AG_OK or AG_ENOMEM. */
static int dial_text_append(struct dial *d, const char *input)
{
  size_t n = strlen(input), need = d->text_len + (d->text_len ? 1 : 0) + n + 1;

  if (need > d->text_cap) {
    size_t cap = need > 2 * d->text_cap ? need : 2 * d->text_cap;
    char *p = realloc(d->text, cap);

    if (!p)
      return AG_ENOMEM;
    d->text = p;
    d->text_cap = cap;
  }
  if (d->text_len)
    d->text[d->text_len++] = '*';
  memcpy(d->text + d->text_len, input, n + 1);
  d->text_len += n;
  return AG_OK;
}

/* Builds the form of the current hop into *out (malloc'd; the caller frees it). AG_OK or
 * AG_ENOMEM. */
static int dial_form(const struct dial *d, char **out)
{
  static const char *const keys[] = {"sessionId", "serviceCode", "phoneNumber", "networkCode",
                                     "text"};
  const char *vals[] = {d->session, d->code, d->phone, d->network, d->text};
  char *esc[AG_ARRAY_LEN(keys)] = {NULL};
  size_t need = 1, len = 0;
  int rc = AG_OK;

  *out = NULL;
  for (size_t i = 0; i < AG_ARRAY_LEN(keys); i++) {
    esc[i] = curl_easy_escape(d->curl, vals[i], 0);
    if (!esc[i]) {
      rc = AG_ENOMEM;
      break;
    }
    need += strlen(keys[i]) + 2 + strlen(esc[i]); /* '&' (or the NUL) and '=' */
  }
  if (rc == AG_OK && (*out = malloc(need)) == NULL)
    rc = AG_ENOMEM;
  for (size_t i = 0; rc == AG_OK && i < AG_ARRAY_LEN(keys); i++)
    len += (size_t)snprintf(*out + len, need - len, "%s%s=%s", i ? "&" : "", keys[i], esc[i]);
  for (size_t i = 0; i < AG_ARRAY_LEN(keys); i++)
    curl_free(esc[i]);
  return rc;
}

/* POSTs the form and collects the reply into d->body. AG_OK with *status set, whatever the
 * status; AG_EIO when no HTTP reply came (d->curl_rc and d->curl_err say why); AG_E2BIG when the
 * reply was larger than DIAL_BODY_MAX; AG_ENOMEM. */
static int dial_post(struct dial *d, const char *form, long *status)
{
  d->body.len = 0;
  d->body.p[0] = '\0';
  d->body.too_big = d->body.nomem = 0;
  d->curl_err[0] = '\0';
  *status = 0;
  curl_easy_setopt(d->curl, CURLOPT_POSTFIELDS, form);
  d->curl_rc = curl_easy_perform(d->curl);
  if (d->body.too_big)
    return AG_E2BIG;
  if (d->body.nomem)
    return AG_ENOMEM;
  if (d->curl_rc != CURLE_OK)
    return AG_EIO;
  curl_easy_getinfo(d->curl, CURLINFO_RESPONSE_CODE, status);
  return AG_OK;
}

/* Finds the screen in a reply. AG_OK with *end and *screen (into d->body) for a 200 whose body
 * starts "CON " or "END "; AG_EBADREQ for anything else, which a carrier would turn into a
 * generic error on the handset. */
static int dial_reply_parse(const struct dial *d, long status, int *end, const char **screen)
{
  const struct dial_body *b = &d->body;

  if (status != 200 || memchr(b->p, '\0', b->len))
    return AG_EBADREQ;
  if (b->len >= 4 && memcmp(b->p, "CON ", 4) == 0)
    *end = 0;
  else if (b->len >= 4 && memcmp(b->p, "END ", 4) == 0)
    *end = 1;
  else
    return AG_EBADREQ;
  *screen = b->p + 4;
  return AG_OK;
}

static void dial_dump_body(const struct dial *d)
{
  size_t n = d->body.len > DIAL_DUMP_MAX ? DIAL_DUMP_MAX : d->body.len;

  fprintf(stderr, "--- body (%zu bytes) ---\n", d->body.len);
  dial__put_safe(stderr, d->body.p, n, 1);
  if (n < d->body.len)
    fprintf(stderr, "\n... (%zu more bytes)\n", d->body.len - n);
  else if (n > 0 && d->body.p[n - 1] != '\n')
    fputc('\n', stderr);
  fputs("--- end of body ---\n", stderr);
}

/* Says on stderr, primary / detail / hint, why the hop produced no screen. */
static void dial_report(const struct dial *d, int rc, long status)
{
  const char *detail = d->curl_err[0] ? d->curl_err : curl_easy_strerror(d->curl_rc);

  fflush(stdout); /* keep the transcript in order when both go to one place */
  switch (rc) {
  case AG_EIO:
    if (d->curl_rc == CURLE_OPERATION_TIMEDOUT)
      fprintf(stderr, "aulgate dial: no reply from the gateway at %s within %ld s\n", d->url,
              DIAL_TIMEOUT_MS / 1000);
    else
      fprintf(stderr, "aulgate dial: cannot reach the gateway at %s\n", d->url);
    fprintf(stderr, "  detail: %s\n", detail);
    fputs("  hint: is `aulgate serve` running there? -u sets the URL\n", stderr);
    break;
  case AG_E2BIG:
    fprintf(stderr, "aulgate dial: the reply from %s is larger than %d bytes: not a USSD screen\n",
            d->url, DIAL_BODY_MAX);
    break;
  case AG_EBADREQ:
    if (status != 200)
      fprintf(stderr,
              "aulgate dial: the gateway answered HTTP %ld (a carrier would end the session "
              "with a generic error)\n",
              status);
    else
      fprintf(stderr, "aulgate dial: the reply is neither CON nor END (HTTP %ld)\n", status);
    dial_dump_body(d);
    break;
  case AG_EINVAL:
    fprintf(stderr, "aulgate dial: the screen is not valid UTF-8 (HTTP %ld)\n", status);
    dial_dump_body(d);
    break;
  default:
    fprintf(stderr, "aulgate dial: %s\n", ag_strerror(rc));
    break;
  }
}

/* One hop: sends the history, shows the screen. AG_OK with *end set, or an error already
 * reported on stderr. */
static int dial_hop(struct dial *d, int *end)
{
  const char *screen = NULL;
  char *form;
  long status = 0;
  int rc = dial_form(d, &form);

  if (rc == AG_OK) {
    rc = dial_post(d, form, &status);
    free(form);
  }
  if (rc == AG_OK)
    rc = dial_reply_parse(d, status, end, &screen);
  if (rc == AG_OK)
    rc = dial_screen_print(stdout, screen, *end);
  if (rc)
    dial_report(d, rc, status);
  return rc;
}

/* Reads the parent's next input into *line: prompts, echoes it when stdin is a script, refuses
 * locally (and asks again) what a keypad cannot type. AG_OK; AG_ECANCELED at the end of stdin,
 * the parent hanging up; AG_ENOMEM. */
static int dial_read_input(const struct dial *d, char **line, size_t *cap)
{
  for (;;) {
    size_t bad_at;
    ssize_t n;
    int rc;

    fputs("> ", stdout);
    fflush(stdout); /* the prompt must show before we block on stdin */
    errno = 0;
    n = getline(line, cap, stdin);
    if (n < 0) {
      if (errno == ENOMEM)
        return AG_ENOMEM;
      fputs("\n[hung up]\n", stdout);
      return AG_ECANCELED;
    }
    while (n > 0 && ((*line)[n - 1] == '\n' || (*line)[n - 1] == '\r'))
      (*line)[--n] = '\0';
    if (d->echo) { /* a terminal echoes what is typed; a script does not */
      dial__put_safe(stdout, *line, (size_t)n, 0);
      fputc('\n', stdout);
    }
    rc = dial_keypad_check(*line, &bad_at);
    if (rc == AG_OK && strlen(*line) != (size_t)n) { /* a NUL byte would cut the input short */
      rc = AG_EINVAL;
      bad_at = strlen(*line);
    }
    if (rc == AG_OK)
      return AG_OK;
    if (rc == AG_E2BIG) {
      printf("[not sent: longer than %d characters]\n", DIAL_INPUT_MAX);
    } else if (n == 0) {
      fputs("[not sent: nothing typed; use the digits, * and #]\n", stdout);
    } else {
      unsigned cp;
      size_t k = dial__cp_next(*line + bad_at, (size_t)n - bad_at, &cp);

      fputs("[not sent: '", stdout);
      dial__put_safe(stdout, *line + bad_at, k ? k : 1, 0);
      fputs("' is not on a phone keypad; use the digits, * and #]\n", stdout);
    }
  }
}

/* The session: hop, screen, input, until END, an error or the parent hangs up. Returns an enum
 * dial_exit. */
int dial__run(struct dial *d)
{
  char *line = NULL;
  size_t cap = 0;
  int status, end = 0, rc;

  fputs("[dialling ", stdout);
  dial__put_safe(stdout, d->code, strlen(d->code), 0);
  fputs(" from ", stdout);
  dial__put_safe(stdout, d->phone, strlen(d->phone), 0);
  fputs(", session ", stdout);
  dial__put_safe(stdout, d->session, strlen(d->session), 0);
  fputs("]\n", stdout);
  for (;;) {
    if (dial_hop(d, &end)) {
      status = DIAL_EXIT_FAILED;
      break;
    }
    if (end) {
      status = DIAL_EXIT_END;
      break;
    }
    rc = dial_read_input(d, &line, &cap);
    if (rc == AG_OK)
      rc = dial_text_append(d, line);
    if (rc == AG_ECANCELED) {
      status = DIAL_EXIT_HUNG_UP;
      break;
    }
    if (rc) {
      dial_report(d, rc, 0);
      status = DIAL_EXIT_FAILED;
      break;
    }
  }
  free(line);
  fflush(stdout);
  return status;
}
