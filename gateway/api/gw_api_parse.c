/* gw_api_parse.c: query parameters and path ids of the operators' API (see gw_api_parse.h). */
#include "gateway/api/gw_api_parse.h"
#include "lib/ag.h"

#include <string.h>

/* Digits only, no leading zero (but "0"), at most 9 of them: never overflows a long. */
static int digits(const char *s, size_t n, long *out)
{
  long v = 0;

  if (n == 0 || n > 9 || (s[0] == '0' && n > 1))
    return AG_EINVAL;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return AG_EINVAL;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return AG_OK;
}

int gw_api_parse_window(const char *s, int def, int *minutes)
{
  size_t n;
  long v;

  if (!s || !*s) {
    *minutes = def;
    return AG_OK;
  }
  n = strlen(s);
  if (n < 2 || digits(s, n - 1, &v))
    return AG_EINVAL;
  if (s[n - 1] == 'h' && v <= 1)
    v *= 60;
  else if (s[n - 1] != 'm')
    return AG_EINVAL;
  if (v < 1 || v > 60)
    return AG_EINVAL;
  *minutes = (int)v;
  return AG_OK;
}

int gw_api_parse_count(const char *s, long lo, long hi, long def, long *out)
{
  long v;

  if (!s || !*s) {
    *out = def;
    return AG_OK;
  }
  if (digits(s, strlen(s), &v) || v < lo || v > hi)
    return AG_EINVAL;
  *out = v;
  return AG_OK;
}

int gw_api_carrier_ok(const char *s)
{
  size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-");

  return n > 0 && n < GW_API_CARRIER_MAX && s[n] == '\0';
}

int gw_api_parse_session_path(const char *path, const char *prefix,
                              char carrier[GW_API_CARRIER_MAX], const char **id)
{
  size_t pl = strlen(prefix), cl, il;
  const char *c, *i;

  if (strncmp(path, prefix, pl) != 0 || path[pl] != '/')
    return AG_EINVAL;
  c = path + pl + 1;
  cl = strcspn(c, "/");
  if (c[cl] != '/' || cl == 0 || cl >= GW_API_CARRIER_MAX)
    return AG_EINVAL;
  memcpy(carrier, c, cl);
  carrier[cl] = '\0';
  if (!gw_api_carrier_ok(carrier))
    return AG_EINVAL;
  i = c + cl + 1;
  il = strlen(i);
  if (il == 0 || il > GW_API_ID_MAX)
    return AG_EINVAL;
  for (size_t k = 0; k < il; k++)
    if ((unsigned char)i[k] < 0x20 || i[k] == 0x7f)
      return AG_EINVAL;
  *id = i;
  return AG_OK;
}
