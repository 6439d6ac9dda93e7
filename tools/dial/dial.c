/* dial.c: `aulgate dial`, a phone on the terminal: it plays the carrier's side of the `at`
 * dialect against a running gateway and draws each screen the way a basic handset would, so a
 * person (or a test script on stdin) can walk a survey end to end without a carrier.
 *
 * A command-line tool may block, so it uses libcurl's easy interface, one hop at a time.
 */
#include "tools/dial/dial.h"
#include "lib/ag.h"
#include "lib/ag_text.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define DIAL_TIMEOUT_MS         15000L /* protocols.md: a carrier waits about 15 s for a reply */
#define DIAL_CONNECT_TIMEOUT_MS 10000L /* ... and about 10 s for the connection */
/* A USSD screen is under 1 KiB; a reply this large is not one, and reading it all would only let
 * a broken server fill our memory. */
#define DIAL_BODY_MAX (64 * 1024)
/* How much of a bad reply goes to the terminal: enough to read the error, not a whole page. */
#define DIAL_DUMP_MAX 2000

/* --- UTF-8, pure ------------------------------------------------------------------------------ */

/* Decodes the code point at s (n > 0 bytes left) into *cp and returns its length in bytes, or 0
 * when s does not start with a well-formed sequence. The decoder is the gateway's own
 * (ag_text_utf8_next), so the dialer refuses exactly what the gateway refuses. */
static size_t cp_next(const char *s, size_t n, unsigned *cp)
{
  size_t k;

  return ag_text_utf8_next(s, n, cp, &k) == AG_OK ? k : 0;
}

/* C0 controls, DEL and C1 controls: what could move the cursor or start an escape sequence. */
static int is_control(unsigned cp)
{
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

/* Code points in n bytes of valid UTF-8 (0 for invalid UTF-8, which dial_wrap never makes). */
static size_t cp_count(const char *s, size_t n)
{
  struct ag_text_cost cost;

  return ag_text_measure(s, n, &cost) == AG_OK ? cost.code_points : 0;
}

/* Writes s to out with control characters and invalid bytes as '?' (keeping '\n' when asked), so
 * that what a server or a script sent cannot drive the terminal. */
static void put_safe(FILE *out, const char *s, size_t n, int keep_newlines)
{
  while (n > 0) {
    unsigned cp;
    size_t k = cp_next(s, n, &cp);

    if (k == 0) {
      fputc('?', out);
      k = 1;
    } else if (is_control(cp) && !(keep_newlines && cp == '\n') && cp != '\t') {
      fputc('?', out);
    } else {
      fwrite(s, 1, k, out);
    }
    s += k;
    n -= k;
  }
}

/* --- screens, pure ---------------------------------------------------------------------------- */

/* A bounded output buffer that stays NUL-terminated and remembers that something did not fit. */
struct sink {
  char *p;
  size_t len, cap;
  int overflow;
};

static void sink_put(struct sink *s, const char *b, size_t n)
{
  if (s->overflow || n >= s->cap - s->len) { /* >=: one byte stays for the NUL */
    s->overflow = 1;
    return;
  }
  memcpy(s->p + s->len, b, n);
  s->len += n;
  s->p[s->len] = '\0';
}

static int is_word_end(char c)
{
  return c == '\0' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Measures the word at p: its bytes and code points. AG_EINVAL on invalid UTF-8. */
static int word_measure(const char *p, size_t *bytes, size_t *cps)
{
  const char *q = p;
  size_t n = strlen(p);

  *cps = 0;
  while (!is_word_end(*q)) {
    unsigned cp;
    size_t k = cp_next(q, n - (size_t)(q - p), &cp);

    if (k == 0)
      return AG_EINVAL;
    q += k;
    (*cps)++;
  }
  *bytes = (size_t)(q - p);
  return AG_OK;
}

int dial_wrap(const char *utf8, size_t width, char *out, size_t outlen)
{
  struct sink o = {out, 0, outlen, 0};
  size_t col = 0, spaces = 0; /* spaces: seen since the last word, not yet written */
  const char *p = utf8;

  if (!out || outlen == 0)
    return AG_EINVAL;
  out[0] = '\0';
  if (!utf8 || width == 0)
    return AG_EINVAL;
  while (*p) {
    size_t bytes, cps, left;

    if (*p == '\n') { /* the screen's own line break */
      sink_put(&o, "\n", 1);
      col = spaces = 0;
      p++;
      continue;
    }
    if (*p == '\r') { /* "\r\n" from a server written for Windows: the '\n' carries the break */
      p++;
      continue;
    }
    if (*p == ' ' || *p == '\t') {
      spaces++;
      p++;
      continue;
    }
    if (word_measure(p, &bytes, &cps)) {
      out[0] = '\0';
      return AG_EINVAL;
    }
    if (col + spaces + cps <= width) { /* fits after the spaces before it */
      for (size_t i = 0; i < spaces; i++)
        sink_put(&o, " ", 1);
      col += spaces;
    } else if (col > 0) { /* wrap: the spaces at the break vanish */
      sink_put(&o, "\n", 1);
      col = 0;
    }
    spaces = 0;
    /* Only a word longer than the line reaches col == width here: it is cut hard. */
    for (left = bytes; left > 0;) {
      unsigned cp = 0;
      size_t k = cp_next(p, left, &cp);

      if (col == width) {
        sink_put(&o, "\n", 1);
        col = 0;
      }
      if (is_control(cp))
        sink_put(&o, "?", 1);
      else
        sink_put(&o, p, k);
      col++;
      p += k;
      left -= k;
    }
  }
  if (o.overflow) {
    out[0] = '\0';
    return AG_E2BIG;
  }
  return AG_OK;
}

static void frame_rule(FILE *out)
{
  fputc('+', out);
  for (int i = 0; i < DIAL_WIDTH; i++)
    fputc('-', out);
  fputs("+\n", out);
}

int dial_screen_print(FILE *out, const char *screen, int end)
{
  struct ag_text_cost cost;
  size_t len = strlen(screen), cap = 2 * len + 1, units, limit; /* cap: see dial_wrap() */
  char *wrapped = malloc(cap);
  const char *line;
  int rc;

  if (!wrapped)
    return AG_ENOMEM;
  rc = dial_wrap(screen, DIAL_WIDTH, wrapped, cap);
  if (rc == AG_OK)
    rc = ag_text_measure(screen, len, &cost);
  if (rc) {
    free(wrapped);
    return rc;
  }
  frame_rule(out);
  for (line = wrapped;;) {
    const char *nl = strchr(line, '\n');
    size_t n = nl ? (size_t)(nl - line) : strlen(line);

    fputc('|', out);
    fwrite(line, 1, n, out);
    fprintf(out, "%*s|\n", (int)(DIAL_WIDTH - cp_count(line, n)), "");
    if (!nl)
      break;
    line = nl + 1;
  }
  frame_rule(out);
  units = ag_text_units(&cost);
  limit = cost.enc == AG_ENC_GSM7 ? DIAL_LIMIT_GSM7 : DIAL_LIMIT_UCS2;
  fprintf(out, "%zu/%zu %s%s%s\n", units, limit, cost.enc == AG_ENC_GSM7 ? "GSM-7" : "UCS-2",
          units > limit ? " (over the limit)" : "", end ? " [session ends]" : "");
  free(wrapped);
  return AG_OK;
}

int dial_keypad_check(const char *input, size_t *bad_at)
{
  size_t n = strlen(input);

  if (bad_at)
    *bad_at = 0;
  if (n == 0)
    return AG_EINVAL;
  for (size_t i = 0; i < n; i++) {
    if ((input[i] < '0' || input[i] > '9') && input[i] != '*' && input[i] != '#') {
      if (bad_at)
        *bad_at = i;
      return AG_EINVAL;
    }
  }
  return n > DIAL_INPUT_MAX ? AG_E2BIG : AG_OK;
}

/* --- the session ------------------------------------------------------------------------------ */

struct dial_body {
  char *p; /* owned, NUL-terminated */
  size_t len, cap;
  int too_big, nomem;
};

struct dial {
  const char *url, *phone, *session, *network, *code; /* borrowed from argv or the buffers */
  char url_buf[512];
  char session_buf[64];
  CURL *curl;
  struct curl_slist *headers;
  char curl_err[CURL_ERROR_SIZE];
  CURLcode curl_rc;
  char *text; /* owned: every input so far joined by '*', the `text` field */
  size_t text_len, text_cap;
  struct dial_body body;
  int echo; /* stdin is a script, not a terminal: write the input after the prompt */
};

static void dial_usage(FILE *out)
{
  fputs("usage: aulgate dial [-u URL] [-n PHONE] [-s SESSION_ID] [-w NETWORK] CODE\n"
        "Plays a phone dialling the USSD CODE (e.g. '*1234#') against a running gateway over the\n"
        "at dialect; type one answer per line (digits, * and #), Ctrl-D hangs up.\n"
        "  -u URL         default http://127.0.0.1:8080/ussd/at (host:port from AULGATE_LISTEN)\n"
        "  -n PHONE       default +77011234567\n"
        "  -s SESSION_ID  default dial-<pid>-<unix time>\n"
        "  -w NETWORK     networkCode, default 40101\n"
        "Exit status: 0 the gateway ended the session, 1 HTTP/network error or a reply that is\n"
        "not CON/END, 2 usage, 3 hung up before the end.\n",
        out);
}

/* Fills the defaults, then reads the options. AG_OK; AG_DECLINED when -h asked for help;
 * AG_EINVAL with a message on stderr. */
static int dial_args(int argc, char **argv, struct dial *d)
{
  const char *listen = getenv("AULGATE_LISTEN");
  int c, n;

  n = snprintf(d->url_buf, sizeof(d->url_buf), "http://%s/ussd/at",
               listen && *listen ? listen : "127.0.0.1:8080");
  if (n < 0 || (size_t)n >= sizeof(d->url_buf)) {
    fputs("aulgate dial: AULGATE_LISTEN is too long\n", stderr);
    return AG_EINVAL;
  }
  snprintf(d->session_buf, sizeof(d->session_buf), "dial-%ld-%lld", (long)getpid(),
           (long long)time(NULL));
  d->url = d->url_buf;
  d->session = d->session_buf;
  d->phone = "+77011234567";
  d->network = "40101";
  for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
    if (strcmp(argv[i], "--help") == 0)
      return AG_DECLINED; /* the one long option: getopt() knows short ones only */
  optind = 1;             /* argv is ours from argv[0] = "dial" */
  while ((c = getopt(argc, argv, ":u:n:s:w:h")) != -1) {
    switch (c) {
    case 'u':
      d->url = optarg;
      break;
    case 'n':
      d->phone = optarg;
      break;
    case 's':
      d->session = optarg;
      break;
    case 'w':
      d->network = optarg;
      break;
    case 'h':
      return AG_DECLINED;
    case ':':
      fprintf(stderr, "aulgate dial: option -%c needs a value\n", optopt);
      return AG_EINVAL;
    default:
      fprintf(stderr, "aulgate dial: unknown option -%c\n", optopt);
      return AG_EINVAL;
    }
  }
  if (optind != argc - 1) {
    fprintf(stderr, "aulgate dial: %s\n",
            optind == argc ? "missing the USSD CODE to dial" : "give exactly one USSD CODE");
    return AG_EINVAL;
  }
  d->code = argv[optind];
  if (!*d->code || !*d->phone || !*d->session) {
    fprintf(stderr, "aulgate dial: %s is empty\n",
            !*d->code    ? "CODE"
            : !*d->phone ? "PHONE (-n)"
                         : "SESSION_ID (-s)");
    return AG_EINVAL;
  }
  /* Only HTTP: anything else libcurl speaks (file://, ftp://) is a typo here, not a gateway. */
  if (strncmp(d->url, "http://", 7) != 0 && strncmp(d->url, "https://", 8) != 0) {
    fprintf(stderr, "aulgate dial: URL must start with http:// or https://: %s\n", d->url);
    return AG_EINVAL;
  }
  return AG_OK;
}

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

static int dial_init(struct dial *d)
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

static void dial_cleanup(struct dial *d)
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
  put_safe(stderr, d->body.p, n, 1);
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
      put_safe(stdout, *line, (size_t)n, 0);
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
      size_t k = cp_next(*line + bad_at, (size_t)n - bad_at, &cp);

      fputs("[not sent: '", stdout);
      put_safe(stdout, *line + bad_at, k ? k : 1, 0);
      fputs("' is not on a phone keypad; use the digits, * and #]\n", stdout);
    }
  }
}

/* The session: hop, screen, input, until END, an error or the parent hangs up. Returns an enum
 * dial_exit. */
static int dial_run(struct dial *d)
{
  char *line = NULL;
  size_t cap = 0;
  int status, end = 0, rc;

  fputs("[dialling ", stdout);
  put_safe(stdout, d->code, strlen(d->code), 0);
  fputs(" from ", stdout);
  put_safe(stdout, d->phone, strlen(d->phone), 0);
  fputs(", session ", stdout);
  put_safe(stdout, d->session, strlen(d->session), 0);
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

int dial_main(int argc, char **argv)
{
  struct dial d;
  int rc, status;

  memset(&d, 0, sizeof(d));
  rc = dial_args(argc, argv, &d);
  if (rc == AG_DECLINED) {
    dial_usage(stdout);
    return DIAL_EXIT_END;
  }
  if (rc) {
    dial_usage(stderr);
    return DIAL_EXIT_USAGE;
  }
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    fputs("aulgate dial: libcurl could not initialise\n", stderr);
    return DIAL_EXIT_FAILED;
  }
  rc = dial_init(&d);
  if (rc) {
    fprintf(stderr, "aulgate dial: %s\n", ag_strerror(rc));
    status = DIAL_EXIT_FAILED;
  } else {
    status = dial_run(&d);
  }
  dial_cleanup(&d);
  curl_global_cleanup();
  return status;
}
