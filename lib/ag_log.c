/* ag_log.c: key=value log lines on stderr, one write(2) per line so lines never interleave. */
#include "lib/ag_log.h"
#include "lib/ag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static enum ag_log_level min_level = AG_LOG_INFO;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

long long ag_now_us(void)
{
  struct timeval tv;

  gettimeofday(&tv, NULL);
  return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

long long ag_mono_us(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void ag_log_set_level(enum ag_log_level level)
{
  min_level = level;
}

int ag_log_level_parse(const char *name, enum ag_log_level *out)
{
  for (size_t i = 0; i < AG_ARRAY_LEN(level_names); i++) {
    if (strcasecmp(name, level_names[i]) == 0) {
      *out = (enum ag_log_level)i;
      return AG_OK;
    }
  }
  return AG_EINVAL;
}

void ag_log(enum ag_log_level level, const char *event, const char *fmt, ...)
{
  char line[2048];
  struct timeval tv;
  struct tm tm;
  size_t n;
  int k;
  va_list ap;

  if (level < min_level)
    return;
  gettimeofday(&tv, NULL);
  gmtime_r(&tv.tv_sec, &tm);
  n = strftime(line, sizeof(line), "ts=%Y-%m-%dT%H:%M:%S", &tm);
  k = snprintf(line + n, sizeof(line) - n, ".%03dZ level=%s event=%s ", (int)(tv.tv_usec / 1000),
               level_names[level], event);
  if (k > 0)
    n += (size_t)k;
  va_start(ap, fmt);
  k = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
  va_end(ap);
  if (k > 0)
    n += (size_t)k;
  if (n > sizeof(line) - 2)
    n = sizeof(line) - 2; /* truncated: still end the line */
  while (n > 0 && line[n - 1] == ' ')
    n--;
  /* One event, one line, whatever a call site forgot to quote: a value carrying a newline (a
   * carrier's "%0A") must not be able to write a line of its own. */
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)line[i] < ' ' || line[i] == 0x7f)
      line[i] = '?';
  line[n++] = '\n';
  /* Logging must never take the process down; a failed write is simply lost. */
  if (write(STDERR_FILENO, line, n) < 0)
    return;
}

static int needs_quote(const char *s)
{
  if (*s == '\0')
    return 1;
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f)
      return 1;
  }
  return 0;
}

const char *ag_log_quote(const char *s, char *buf, size_t buflen)
{
  size_t o = 0;

  if (s == NULL)
    return "-";
  if (!needs_quote(s))
    return s;
  buf[o++] = '"';
  for (; *s && o + 5 < buflen; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      buf[o++] = '\\';
      buf[o++] = (char)c;
    } else if (c < ' ' || c == 0x7f) {
      o += (size_t)snprintf(buf + o, buflen - o, "\\x%02x", c);
    } else {
      buf[o++] = (char)c;
    }
  }
  buf[o++] = '"';
  buf[o] = '\0';
  return buf;
}
