/* ag_form.h: a strict parser for application/x-www-form-urlencoded bodies, the format of the
 * Africa's Talking-style callbacks. We parse forms ourselves instead of using libmicrohttpd's
 * PostProcessor (which has had CVEs) so that every limit and refusal is ours and fuzzed.
 *
 * Pure: no I/O, no globals besides the const default limits; one heap allocation per form.
 */
#ifndef AG_FORM_H
#define AG_FORM_H

#include <stddef.h>

#define AG_FORM_MAX_FIELDS 32

struct ag_form_limits {
  size_t max_body;   /* raw body bytes */
  size_t max_fields; /* non-empty pairs; above AG_FORM_MAX_FIELDS it acts as AG_FORM_MAX_FIELDS */
  size_t max_key;    /* decoded key bytes */
  size_t max_value;  /* decoded value bytes */
};

/* 8192, 32, 64, 2048: a USSD callback is well under 1 KiB; the value limit leaves room for the
 * full `*`-joined input history of a long session. */
extern const struct ag_form_limits ag_form_default_limits;

struct ag_form_field {
  const char *key;   /* borrowed from ag_form.buf: NUL-terminated, non-empty, valid UTF-8 */
  const char *value; /* borrowed from ag_form.buf or a static "": NUL-terminated, valid UTF-8 */
  size_t value_len;  /* == strlen(value), since a value never contains NUL */
};

struct ag_form {
  size_t n;                                   /* fields in f[], in body order */
  struct ag_form_field f[AG_FORM_MAX_FIELDS]; /* pointers valid until ag_form_cleanup() */
  char *buf;     /* owned: decoded keys and values, freed by ag_form_cleanup() */
  int borrowed;  /* buf is the caller's scratch (ag_form_parse_in): not freed */
  char err[128]; /* on failure: a clear message naming the field/offset, for the HTTP 400 body and
                    the log; printable ASCII only, so it can go to either unescaped */
};

/* Parses `len` bytes of `body` (borrowed; may contain NUL bytes, which are refused) into `form`.
 *
 * `form` is OUT and is overwritten whole: call ag_form_cleanup() on a previous result first.
 * `lim` is borrowed; NULL means ag_form_default_limits.
 *
 * Decoding: '+' is a space, %XX (either case) is the byte XX, '=' after the first one in a pair is
 * part of the value, a pair without '=' is a key with an empty value, empty pairs ("a=1&&b=2",
 * leading or trailing '&') are skipped. Keys are case-sensitive.
 *
 * Returns AG_OK (form->n may be 0), or, with form->n == 0, form->buf == NULL and form->err set:
 *   AG_EBADREQ  '%' not followed by two hex digits, a raw NUL or %00, decoded key or value not
 *               valid UTF-8 (overlongs, surrogates and code points above U+10FFFF included),
 *               empty key ("=x")
 *   AG_EDUP     the same decoded key twice
 *   AG_E2BIG    body, field count, one key or one value over its limit
 *   AG_ENOMEM   the one allocation failed
 *   AG_EINVAL   form is NULL (nothing is written), or body is NULL with len > 0
 * The first problem in body order is the one reported. */
int ag_form_parse(struct ag_form *form /* OUT */, const char *body, size_t len,
                  const struct ag_form_limits *lim /* NULL = defaults */);

/* ag_form_parse() decoding into scratch (borrowed: it must outlive form) when cap bytes hold
 * len + 1, so that a small body costs no allocation; else as ag_form_parse(). */
int ag_form_parse_in(struct ag_form *form /* OUT */, const char *body, size_t len,
                     const struct ag_form_limits *lim, char *scratch, size_t cap);

/* Frees form->buf and zeroes the fields. Safe on a zeroed, failed or already cleaned form, and on
 * NULL. form->err is cleared too. */
void ag_form_cleanup(struct ag_form *form);

/* The value of `key` (exact, case-sensitive match), borrowed from form, or NULL when absent or when
 * form or key is NULL. */
const char *ag_form_get(const struct ag_form *form, const char *key);

#endif
