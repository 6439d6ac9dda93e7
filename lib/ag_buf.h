/* ag_buf.h: a growing byte buffer with a hard ceiling (curl's dynbuf "toobig"), for replies,
 * rendered metrics and anything else assembled piece by piece.
 *
 * The bytes are always NUL-terminated (the NUL is not counted in len), so a buffer of text can
 * be handed to string functions as it is. Appending past `max` fails with AG_E2BIG and leaves
 * the buffer as it was, so a caller can still send what fits.
 */
#ifndef AG_BUF_H
#define AG_BUF_H

#include <stddef.h>

struct ag_buf {
  char *data; /* owned; NULL until the first append */
  size_t len, cap, max;
};

/* Caller-provided storage: an empty buffer that will hold at most max bytes. No allocation. */
void ag_buf_init(struct ag_buf *b, size_t max);
/* Frees the bytes; the buffer is empty again and can be reused. */
void ag_buf_cleanup(struct ag_buf *b);
/* Forgets the content but keeps the memory. */
void ag_buf_reset(struct ag_buf *b);

/* Append: AG_OK, AG_E2BIG past max, AG_ENOMEM. */
int ag_buf_add(struct ag_buf *b, const void *p, size_t n);
int ag_buf_adds(struct ag_buf *b, const char *s);
int ag_buf_printf(struct ag_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s (NULL: "") as a JSON string: quoted, with quotes, backslashes and control bytes escaped
 * (UTF-8 passes as it is). */
int ag_buf_json_str(struct ag_buf *b, const char *s);
/* s as an RFC 4180 field: quoted, quotes doubled, when it holds a comma, quote, CR or LF. */
int ag_buf_csv_field(struct ag_buf *b, const char *s);

/* The bytes, "" when empty; borrowed until the next change. */
const char *ag_buf_str(const struct ag_buf *b);

/* Hands the bytes over: returns them (to free() by the caller, NUL-terminated, *len set) and
 * leaves the buffer empty. Never NULL except when out of memory on an empty buffer. */
char *ag_buf_take(struct ag_buf *b, size_t *len /* OUT */);

#endif
