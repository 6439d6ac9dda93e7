/* ag_config_values.c: the shapes a configuration value must have (a word, a URL path, an
 * integer, host:port, the SMS keyword list), checked before the option tables store them. */
#include "lib/ag_config-internal.h"
#include "lib/ag.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* 1 when v is 1 to max-1 bytes of [a-z0-9_-]. */
int ag_config__is_word(const char *v, size_t len, size_t max)
{
  if (len == 0 || len >= max)
    return 0;
  for (size_t i = 0; i < len; i++)
    if (!(islower((unsigned char)v[i]) || isdigit((unsigned char)v[i]) || v[i] == '_' ||
          v[i] == '-'))
      return 0;
  return 1;
}

/* An absolute path of non-empty segments of [A-Za-z0-9_.-], no "." or ".." segment. */
int ag_config__is_url_path(const char *v)
{
  size_t len = strlen(v);

  if (len < 2 || len >= AG_CARRIER_PATH_MAX || v[0] != '/' || v[len - 1] == '/')
    return 0;
  for (const char *p = v; *p; p++) {
    if (*p == '/') {
      if (p[1] == '/' || (p[1] == '.' && (p[2] == '/' || p[2] == '\0' ||
                                          (p[2] == '.' && (p[3] == '/' || p[3] == '\0')))))
        return 0;
    } else if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-') {
      return 0;
    }
  }
  return 1;
}

/* Decimal digits only, an optional leading '-': strtol alone would also take " 12" and "+12". */
int ag_config__is_integer(const char *v)
{
  if (*v == '-')
    v++;
  if (!*v)
    return 0;
  for (; *v; v++)
    if (*v < '0' || *v > '9')
      return 0;
  return 1;
}

int ag_config__split_hostport(const char *v, char *host, size_t hostlen, int *port)
{
  const char *colon;
  const char *h = v;
  size_t hl;
  char *end;
  long p;

  if (*v == '[') { /* [v6]:port */
    const char *close = strchr(v, ']');
    if (!close || close[1] != ':')
      return AG_EINVAL;
    h = v + 1;
    hl = (size_t)(close - h);
    colon = close + 1;
  } else {
    colon = strrchr(v, ':');
    if (!colon || strchr(v, ':') != colon)
      return AG_EINVAL;
    hl = (size_t)(colon - v);
  }
  if (hl == 0 || hl >= hostlen)
    return AG_EINVAL;
  errno = 0;
  p = strtol(colon + 1, &end, 10);
  if (!ag_config__is_integer(colon + 1) || *end != '\0' || errno || p < 1 || p > 65535)
    return AG_EINVAL;
  memcpy(host, h, hl);
  host[hl] = '\0';
  *port = (int)p;
  return AG_OK;
}

/* sms_keywords: entries of stop or start, a language and a word of letters (ASCII letters or any
 * character outside ASCII: the Cyrillic words), spaces around an entry allowed. */
int ag_config__keywords_ok(const char *v)
{
  for (int n = 1; *v; n++) {
    size_t len = 0, kw = strncmp(v + strspn(v, " "), "stop:", 5) == 0 ? 5 : 6;
    v += strspn(v, " ");
    if ((kw == 6 && strncmp(v, "start:", 6) != 0) || n > AG_SMS_KEYWORDS_MAX)
      return 0;
    v += kw;
    if (strncmp(v, "kk:", 3) != 0 && strncmp(v, "ru:", 3) != 0 && strncmp(v, "en:", 3) != 0)
      return 0;
    for (v += 3; v[len] && v[len] != ',' && v[len] != ' '; len++)
      if ((unsigned char)v[len] < 0x80 && !((v[len] | 32) >= 'a' && (v[len] | 32) <= 'z'))
        return 0;
    v += len + strspn(v + len, " ");
    if (len == 0 || len > 31 || (*v && *v++ != ','))
      return 0;
  }
  return 1;
}
