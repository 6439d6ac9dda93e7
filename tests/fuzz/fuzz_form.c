/* fuzz_form.c: libFuzzer target for ag_form_parse(). Checks the output contract on every path and,
 * on success, compares the fields with a naive reference decoder and with a re-encode/re-parse
 * round trip.
 *
 * Input: the body itself, or, when the first byte is 0xFF, four limit bytes then the body, so
 * that small limits (and every E2BIG path) are reachable. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ag.h"
#include "lib/ag_form.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reference UTF-8 check written differently from ag_form.c's byte-range automaton: assemble each
 * code point, then refuse overlongs, surrogates and values above U+10FFFF. */
static int ref_utf8_valid(const unsigned char *s, size_t n)
{
  size_t i = 0;

  while (i < n) {
    unsigned c = s[i], cp, min;
    size_t k;

    if (c < 0x80) {
      i++;
      continue;
    }
    if ((c & 0xE0) == 0xC0) {
      k = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      k = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      k = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return 0;
    }
    if (n - i < k)
      return 0;
    for (size_t j = 1; j < k; j++) {
      if ((s[i + j] & 0xC0) != 0x80)
        return 0;
      cp = cp << 6 | (s[i + j] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return 0;
    i += k;
  }
  return 1;
}

static int ref_hex(uint8_t c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  c |= 0x20;
  return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/* Decodes s[0..n) the naive way into out; only used on bodies the parser accepted, where every
 * '%' is followed by two hex digits. Returns the decoded length. */
static size_t ref_decode(const uint8_t *s, size_t n, char *out)
{
  size_t o = 0;

  for (size_t i = 0; i < n; i++) {
    if (s[i] == '%') {
      FUZZ_CHECK(i + 2 < n && ref_hex(s[i + 1]) >= 0 && ref_hex(s[i + 2]) >= 0);
      out[o++] = (char)(ref_hex(s[i + 1]) * 16 + ref_hex(s[i + 2]));
      i += 2;
    } else {
      out[o++] = s[i] == '+' ? ' ' : (char)s[i];
    }
  }
  return o;
}

/* Compares the parsed fields with the reference decoding of each non-empty '&' segment. */
static void check_against_reference(const struct ag_form *form, const uint8_t *body, size_t len)
{
  char *scratch = malloc(len + 1);
  size_t pos = 0, field = 0;

  FUZZ_CHECK(scratch != NULL);
  while (pos < len) {
    const uint8_t *amp = memchr(body + pos, '&', len - pos);
    size_t seg_end = amp ? (size_t)(amp - body) : len;
    size_t seg_len = seg_end - pos;

    if (seg_len > 0) {
      const uint8_t *eq = memchr(body + pos, '=', seg_len);
      size_t klen_raw = eq ? (size_t)(eq - (body + pos)) : seg_len;
      size_t klen, vlen;

      FUZZ_CHECK(field < form->n);
      klen = ref_decode(body + pos, klen_raw, scratch);
      FUZZ_CHECK(klen == strlen(form->f[field].key));
      FUZZ_CHECK(memcmp(scratch, form->f[field].key, klen) == 0);
      vlen = eq ? ref_decode(eq + 1, seg_len - klen_raw - 1, scratch) : 0;
      FUZZ_CHECK(vlen == form->f[field].value_len);
      FUZZ_CHECK(memcmp(scratch, form->f[field].value, vlen) == 0);
      field++;
    }
    pos = seg_end + 1;
  }
  FUZZ_CHECK(field == form->n);
  free(scratch);
}

/* Percent-encodes every field and parses the result again: it must give the same fields. */
static void check_round_trip(const struct ag_form *form, const struct ag_form_limits *lim)
{
  static const char hex[] = "0123456789ABCDEF";
  struct ag_form_limits big = *lim;
  struct ag_form again;
  size_t cap = 1, len = 0;
  char *enc;

  for (size_t i = 0; i < form->n; i++)
    cap += 3 * (strlen(form->f[i].key) + form->f[i].value_len) + 2;
  enc = malloc(cap);
  FUZZ_CHECK(enc != NULL);
  for (size_t i = 0; i < form->n; i++) {
    const char *parts[2] = {form->f[i].key, form->f[i].value};

    if (i > 0)
      enc[len++] = '&';
    for (int p = 0; p < 2; p++) {
      if (p == 1)
        enc[len++] = '=';
      for (const unsigned char *c = (const unsigned char *)parts[p]; *c; c++) {
        enc[len++] = '%';
        enc[len++] = hex[*c >> 4];
        enc[len++] = hex[*c & 15];
      }
    }
  }
  FUZZ_CHECK(len < cap);
  big.max_body = len;
  FUZZ_CHECK(ag_form_parse(&again, enc, len, &big) == AG_OK);
  FUZZ_CHECK(again.n == form->n);
  for (size_t i = 0; i < form->n; i++) {
    FUZZ_CHECK(strcmp(again.f[i].key, form->f[i].key) == 0);
    FUZZ_CHECK(again.f[i].value_len == form->f[i].value_len);
    FUZZ_CHECK(strcmp(again.f[i].value, form->f[i].value) == 0);
  }
  ag_form_cleanup(&again);
  free(enc);
}

static void check_success(const struct ag_form *form, const uint8_t *body, size_t len,
                          const struct ag_form_limits *lim)
{
  size_t max_fields = lim->max_fields < AG_FORM_MAX_FIELDS ? lim->max_fields : AG_FORM_MAX_FIELDS;

  FUZZ_CHECK(len <= lim->max_body);
  FUZZ_CHECK(form->n <= max_fields);
  FUZZ_CHECK(form->n == 0 ? form->buf == NULL : form->buf != NULL);
  FUZZ_CHECK(memchr(body, '\0', len) == NULL);
  for (size_t i = 0; i < form->n; i++) {
    const struct ag_form_field *f = &form->f[i];
    size_t klen = strlen(f->key);

    FUZZ_CHECK(klen >= 1 && klen <= lim->max_key);
    FUZZ_CHECK(f->key >= form->buf && f->key + klen < form->buf + len + 1);
    FUZZ_CHECK(ref_utf8_valid((const unsigned char *)f->key, klen));
    FUZZ_CHECK(f->value_len == strlen(f->value));
    FUZZ_CHECK(f->value_len <= lim->max_value);
    FUZZ_CHECK(f->value_len == 0 ||
               (f->value >= form->buf && f->value + f->value_len < form->buf + len + 1));
    FUZZ_CHECK(ref_utf8_valid((const unsigned char *)f->value, f->value_len));
    for (size_t j = 0; j < i; j++)
      FUZZ_CHECK(strcmp(form->f[j].key, f->key) != 0);
    FUZZ_CHECK(ag_form_get(form, f->key) == f->value);
  }
  check_against_reference(form, body, len);
  check_round_trip(form, lim);
}

static void check_failure(const struct ag_form *form, int rc)
{
  size_t elen = strnlen(form->err, sizeof(form->err));

  FUZZ_CHECK(rc == AG_EBADREQ || rc == AG_EDUP || rc == AG_E2BIG || rc == AG_ENOMEM);
  FUZZ_CHECK(form->n == 0);
  FUZZ_CHECK(form->buf == NULL);
  FUZZ_CHECK(elen > 0 && elen < sizeof(form->err));
  for (size_t i = 0; i < elen; i++)
    FUZZ_CHECK(form->err[i] >= 0x20 && form->err[i] < 0x7F);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct ag_form_limits lim = ag_form_default_limits;
  const struct ag_form_limits *arg = NULL;
  struct ag_form form;
  int rc;

  if (size >= 5 && data[0] == 0xFF) {
    lim.max_body = (size_t)data[1] * 8;
    lim.max_fields = data[2] % 40; /* above AG_FORM_MAX_FIELDS too */
    lim.max_key = data[3] % 80;
    lim.max_value = (size_t)data[4] * 4;
    arg = &lim;
    data += 5;
    size -= 5;
  }

  rc = ag_form_parse(&form, (const char *)data, size, arg);
  if (rc == AG_OK)
    check_success(&form, data, size, &lim);
  else
    check_failure(&form, rc);
  if (size > lim.max_body)
    FUZZ_CHECK(rc == AG_E2BIG);
  ag_form_cleanup(&form);
  FUZZ_CHECK(form.buf == NULL && form.n == 0);
  ag_form_cleanup(&form);
  return 0;
}
