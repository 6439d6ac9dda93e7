/* ag_form.c: decodes a urlencoded body in one pass into one buffer, refusing anything ambiguous
 * (bad escapes, NUL, invalid UTF-8, duplicate keys) so that no handler ever has to re-check it. */
#include "lib/ag_form.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ag.h"
#include "lib/ag_text.h"

const struct ag_form_limits ag_form_default_limits = {8192, AG_FORM_MAX_FIELDS, 64, 2048};

struct form_parser {
  struct ag_form *form;
  const char *body; /* borrowed */
  size_t len;
  size_t pos;    /* next body byte to read */
  char *out;     /* next byte to write in form->buf */
  char what[48]; /* "field 3 key" or "value of \"text\"", for messages */
};

static int form_fail(struct ag_form *form, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int form_fail(struct ag_form *form, int rc, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(form->err, sizeof(form->err), fmt, ap);
  va_end(ap);
  return rc;
}

/* Writes a decoded key into dst for an error message. Keys come from the network, and err goes to
 * an HTTP body and a log line, so only plain printable ASCII is copied and the rest becomes '?';
 * long keys are cut, since the offset in the message already locates them. */
static void form_key_for_msg(char *dst, size_t dstlen, const char *key)
{
  size_t i = 0;
  size_t max = dstlen - 4; /* room for "..." and NUL */

  for (; key[i] && i < max; i++) {
    unsigned char c = (unsigned char)key[i];
    dst[i] = (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') ? (char)c : '?';
  }
  if (key[i]) {
    memcpy(dst + i, "...", 3);
    i += 3;
  }
  dst[i] = '\0';
}

/* Decodes body bytes from p->pos up to the next '&' (and '=' too when is_key) or the end into
 * p->out, NUL-terminated. On AG_OK, *dlen is the decoded length and p->pos is on the stop byte;
 * otherwise form->err names p->what and the body offset of the offending byte. */
static int form_decode(struct form_parser *p, int is_key, size_t max, size_t *dlen)
{
  size_t n = 0, seq = 0; /* p->out[seq..n) is the UTF-8 sequence not yet complete */

  while (p->pos < p->len) {
    size_t at = p->pos, k;
    unsigned char c = (unsigned char)p->body[at];
    unsigned cp;
    int rc;

    if (c == '&' || (is_key && c == '='))
      break;
    if (c == '%') {
      int hi = p->len - at >= 3 ? ag_hex_value(p->body[at + 1]) : -1;
      int lo = p->len - at >= 3 ? ag_hex_value(p->body[at + 2]) : -1;

      if (hi < 0 || lo < 0)
        return form_fail(p->form, AG_EBADREQ,
                         "%s: '%%' at offset %zu is not followed by two hex digits", p->what, at);
      c = (unsigned char)(hi << 4 | lo);
      /* A NUL would silently cut the value for every C consumer downstream. */
      if (c == 0)
        return form_fail(p->form, AG_EBADREQ, "%s: %%00 (NUL) at offset %zu", p->what, at);
      p->pos += 3;
    } else if (c == 0) {
      return form_fail(p->form, AG_EBADREQ, "%s: NUL byte at offset %zu", p->what, at);
    } else {
      if (c == '+')
        c = ' ';
      p->pos++;
    }
    if (n == max)
      return form_fail(p->form, AG_E2BIG, "%s: longer than %zu bytes (offset %zu)", p->what, max,
                       at);
    p->out[n++] = (char)c;
    /* Checked as it is decoded, so that the error names the body offset of the bad byte. */
    rc = ag_text_utf8_next(p->out + seq, n - seq, &cp, &k);
    if (rc == AG_EINVAL)
      return form_fail(p->form, AG_EBADREQ, "%s: invalid UTF-8 at offset %zu", p->what, at);
    if (rc == AG_OK)
      seq = n;
  }
  if (seq < n)
    return form_fail(p->form, AG_EBADREQ, "%s: truncated UTF-8 sequence before offset %zu", p->what,
                     p->pos);
  p->out[n] = '\0';
  *dlen = n;
  return AG_OK;
}

/* The loop of ag_form_parse(); form->buf is allocated, errors leave it for the caller to free. */
static int form_parse_pairs(struct form_parser *p, const struct ag_form_limits *lim)
{
  struct ag_form *form = p->form;
  size_t max_fields = lim->max_fields < AG_FORM_MAX_FIELDS ? lim->max_fields : AG_FORM_MAX_FIELDS;
  int rc;

  while (p->pos < p->len) {
    size_t start = p->pos;
    size_t klen, vlen;
    char *key;
    char shown[28];

    if (p->body[start] == '&') {
      p->pos++;
      continue;
    }
    if (form->n == max_fields)
      return form_fail(form, AG_E2BIG, "too many fields: more than %zu (field %zu at offset %zu)",
                       max_fields, form->n + 1, start);

    snprintf(p->what, sizeof(p->what), "field %zu key", form->n + 1);
    key = p->out;
    rc = form_decode(p, 1, lim->max_key, &klen);
    if (rc)
      return rc;
    if (klen == 0)
      return form_fail(form, AG_EBADREQ, "field %zu: empty key at offset %zu", form->n + 1, start);
    p->out += klen + 1;
    form_key_for_msg(shown, sizeof(shown), key);
    for (size_t i = 0; i < form->n; i++) {
      if (strcmp(form->f[i].key, key) == 0)
        return form_fail(form, AG_EDUP, "duplicate key \"%s\" at offset %zu", shown, start);
    }

    form->f[form->n].key = key;
    if (p->pos < p->len && p->body[p->pos] == '=') {
      p->pos++;
      snprintf(p->what, sizeof(p->what), "value of \"%s\"", shown);
      form->f[form->n].value = p->out;
      rc = form_decode(p, 0, lim->max_value, &vlen);
      if (rc)
        return rc;
      p->out += vlen + 1;
    } else {
      /* No '=': an empty value. A static "" rather than buf keeps the size bound simple. */
      form->f[form->n].value = "";
      vlen = 0;
    }
    form->f[form->n].value_len = vlen;
    form->n++;
    if (p->pos < p->len)
      p->pos++; /* the '&' that stopped the decoder */
  }
  return AG_OK;
}

int ag_form_parse(struct ag_form *form, const char *body, size_t len,
                  const struct ag_form_limits *lim)
{
  return ag_form_parse_in(form, body, len, lim, NULL, 0);
}

int ag_form_parse_in(struct ag_form *form, const char *body, size_t len,
                     const struct ag_form_limits *lim, char *scratch, size_t cap)
{
  struct form_parser p;
  int rc;

  if (form == NULL)
    return AG_EINVAL;
  memset(form, 0, sizeof(*form));
  if (lim == NULL)
    lim = &ag_form_default_limits;
  if (body == NULL && len > 0)
    return form_fail(form, AG_EINVAL, "no body buffer for %zu bytes", len);
  /* SIZE_MAX too, so that len + 1 below cannot wrap with a caller-supplied limit of SIZE_MAX. */
  if (len > lim->max_body || len == SIZE_MAX)
    return form_fail(form, AG_E2BIG, "body too large: %zu bytes, limit %zu", len, lim->max_body);
  if (len == 0)
    return AG_OK;

  /* Decoding never grows a pair: "k=v" (L bytes) becomes at most L-1 bytes plus two NULs, "k"
   * at most L bytes plus one NUL, and each pair but the last is followed by a '&' we drop. So
   * len + 1 bytes hold everything. */
  form->borrowed = scratch && cap > len;
  form->buf = form->borrowed ? scratch : malloc(len + 1);
  if (form->buf == NULL)
    return form_fail(form, AG_ENOMEM, "out of memory for a %zu-byte body", len);

  memset(&p, 0, sizeof(p));
  p.form = form;
  p.body = body;
  p.len = len;
  p.out = form->buf;
  rc = form_parse_pairs(&p, lim);
  if (rc || form->n == 0) {
    if (!form->borrowed)
      free(form->buf);
    form->buf = NULL;
    form->borrowed = 0;
    form->n = 0;
    memset(form->f, 0, sizeof(form->f));
  }
  return rc;
}

void ag_form_cleanup(struct ag_form *form)
{
  if (form == NULL)
    return;
  if (!form->borrowed)
    free(form->buf);
  memset(form, 0, sizeof(*form));
}

const char *ag_form_get(const struct ag_form *form, const char *key)
{
  if (form == NULL || key == NULL)
    return NULL;
  for (size_t i = 0; i < form->n && i < AG_FORM_MAX_FIELDS; i++) {
    if (strcmp(form->f[i].key, key) == 0)
      return form->f[i].value;
  }
  return NULL;
}
