/* dial_screen.c: the pure pieces of `aulgate dial`: a screen wrapped to the handset's width and
 * drawn in a frame with its cost, the keypad check of a typed line, and UTF-8 written safely to
 * a terminal. No I/O but the FILE given, so the unit and fuzz tests drive it directly.
 */
#include "tools/dial/dial-internal.h"
#include "lib/ag.h"
#include "lib/ag_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- UTF-8, pure ------------------------------------------------------------------------------ */

/* Decodes the code point at s (n > 0 bytes left) into *cp and returns its length in bytes, or 0
 * when s does not start with a well-formed sequence. The decoder is the gateway's own
 * (ag_text_utf8_next), so the dialer refuses exactly what the gateway refuses. */
size_t dial__cp_next(const char *s, size_t n, unsigned *cp)
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
void dial__put_safe(FILE *out, const char *s, size_t n, int keep_newlines)
{
  while (n > 0) {
    unsigned cp;
    size_t k = dial__cp_next(s, n, &cp);

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
    size_t k = dial__cp_next(q, n - (size_t)(q - p), &cp);

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
      size_t k = dial__cp_next(p, left, &cp);

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
