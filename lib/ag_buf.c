/* ag_buf.c: the growing, bounded byte buffer of ag_buf.h. */
#include "lib/ag_buf.h"
#include "lib/ag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ag_buf_init(struct ag_buf *b, size_t max)
{
  b->data = NULL;
  b->len = b->cap = 0;
  b->max = max;
}

void ag_buf_cleanup(struct ag_buf *b)
{
  free(b->data);
  ag_buf_init(b, b->max);
}

void ag_buf_reset(struct ag_buf *b)
{
  b->len = 0;
  if (b->data)
    b->data[0] = '\0';
}

/* Room for n more bytes and the NUL. */
static int reserve(struct ag_buf *b, size_t n)
{
  size_t need, cap;
  char *p;

  if (n > b->max - b->len) /* len <= max always holds, so this cannot wrap */
    return AG_E2BIG;
  need = b->len + n + 1;
  if (need <= b->cap)
    return AG_OK;
  cap = b->cap ? b->cap : 256;
  while (cap < need)
    cap *= 2;
  if (cap > b->max + 1)
    cap = b->max + 1;
  p = realloc(b->data, cap);
  if (!p)
    return AG_ENOMEM;
  b->data = p;
  b->cap = cap;
  return AG_OK;
}

int ag_buf_add(struct ag_buf *b, const void *p, size_t n)
{
  int rc = reserve(b, n);

  if (rc)
    return rc;
  if (n)
    memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return AG_OK;
}

int ag_buf_adds(struct ag_buf *b, const char *s)
{
  return ag_buf_add(b, s, strlen(s));
}

int ag_buf_printf(struct ag_buf *b, const char *fmt, ...)
{
  va_list ap;
  int n, rc;

  va_start(ap, fmt);
  n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0)
    return AG_EINVAL;
  rc = reserve(b, (size_t)n);
  if (rc)
    return rc;
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
  return AG_OK;
}

const char *ag_buf_str(const struct ag_buf *b)
{
  return b->data ? b->data : "";
}

int ag_buf_json_str(struct ag_buf *b, const char *s)
{
  int rc = ag_buf_adds(b, "\"");

  for (const char *p = s; rc == AG_OK && p && *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (c == '"' || c == '\\')
      rc = ag_buf_printf(b, "\\%c", c);
    else if (c < 0x20 || c == 0x7f)
      rc = ag_buf_printf(b, "\\u%04x", c);
    else
      rc = ag_buf_add(b, p, 1);
  }
  return rc == AG_OK ? ag_buf_adds(b, "\"") : rc;
}

int ag_buf_csv_field(struct ag_buf *b, const char *s)
{
  int rc;

  if (!s[strcspn(s, ",\"\r\n")])
    return ag_buf_adds(b, s);
  rc = ag_buf_adds(b, "\"");
  for (; rc == AG_OK && *s; s++)
    rc = *s == '"' ? ag_buf_adds(b, "\"\"") : ag_buf_add(b, s, 1);
  return rc == AG_OK ? ag_buf_adds(b, "\"") : rc;
}

char *ag_buf_take(struct ag_buf *b, size_t *len)
{
  char *p = b->data;

  *len = b->len;
  if (!p)
    p = calloc(1, 1);
  ag_buf_init(b, b->max);
  return p;
}
