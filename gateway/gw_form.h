/* gw_form.h: a strict parser for application/x-www-form-urlencoded bodies, the format of the
 * Africa's Talking-style callbacks. We parse forms ourselves instead of using libmicrohttpd's
 * PostProcessor (which has had CVEs) so that every limit and refusal is ours and fuzzed.
 *
 * Pure: no I/O, no globals besides the const default limits; one heap allocation per form.
 */
#ifndef GW_FORM_H
#define GW_FORM_H

#include <stddef.h>

#define GW_FORM_MAX_FIELDS 32

struct gw_form_limits {
  size_t max_body;   /* raw body bytes */
  size_t max_fields; /* non-empty pairs; above GW_FORM_MAX_FIELDS it acts as GW_FORM_MAX_FIELDS */
  size_t max_key;    /* decoded key bytes */
  size_t max_value;  /* decoded value bytes */
};

/* 8192, 32, 64, 2048: a USSD callback is well under 1 KiB; the value limit leaves room for the
 * full `*`-joined input history of a long session. */
extern const struct gw_form_limits gw_form_default_limits;

struct gw_form_field {
  const char *key;   /* borrowed from gw_form.buf: NUL-terminated, non-empty, valid UTF-8 */
  const char *value; /* borrowed from gw_form.buf or a static "": NUL-terminated, valid UTF-8 */
  size_t value_len;  /* == strlen(value), since a value never contains NUL */
};

struct gw_form {
  size_t n;                                   /* fields in f[], in body order */
  struct gw_form_field f[GW_FORM_MAX_FIELDS]; /* pointers valid until gw_form_cleanup() */
  char *buf;     /* owned: decoded keys and values, freed by gw_form_cleanup() */
  char err[128]; /* on failure: a clear message naming the field/offset, for the HTTP 400 body and
                    the log; printable ASCII only, so it can go to either unescaped */
};

/* Parses `len` bytes of `body` (borrowed; may contain NUL bytes, which are refused) into `form`.
 *
 * `form` is OUT and is overwritten whole: call gw_form_cleanup() on a previous result first.
 * `lim` is borrowed; NULL means gw_form_default_limits.
 *
 * Decoding: '+' is a space, %XX (either case) is the byte XX, '=' after the first one in a pair is
 * part of the value, a pair without '=' is a key with an empty value, empty pairs ("a=1&&b=2",
 * leading or trailing '&') are skipped. Keys are case-sensitive.
 *
 * Returns GW_OK (form->n may be 0), or, with form->n == 0, form->buf == NULL and form->err set:
 *   GW_EBADREQ  '%' not followed by two hex digits, a raw NUL or %00, decoded key or value not
 *               valid UTF-8 (overlongs, surrogates and code points above U+10FFFF included),
 *               empty key ("=x")
 *   GW_EDUP     the same decoded key twice
 *   GW_E2BIG    body, field count, one key or one value over its limit
 *   GW_ENOMEM   the one allocation failed
 *   GW_EINVAL   form is NULL (nothing is written), or body is NULL with len > 0
 * The first problem in body order is the one reported. */
int gw_form_parse(struct gw_form *form /* OUT */, const char *body, size_t len,
                  const struct gw_form_limits *lim /* NULL = defaults */);

/* Frees form->buf and zeroes the fields. Safe on a zeroed, failed or already cleaned form, and on
 * NULL. form->err is cleared too. */
void gw_form_cleanup(struct gw_form *form);

/* The value of `key` (exact, case-sensitive match), borrowed from form, or NULL when absent or when
 * form or key is NULL. */
const char *gw_form_get(const struct gw_form *form, const char *key);

#endif
