/* it_sql.c: the harness's counts of SQL written as printf formats, once or until they match. */
#include "tests/it/it_harness.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static long vcount(PGconn *db, const char *fmt, va_list ap)
{
  char sql[2048];

  vsnprintf(sql, sizeof(sql), fmt, ap);
  return it_count(db, sql);
}

long it_countf(PGconn *db, const char *fmt, ...)
{
  va_list ap;
  long n;

  va_start(ap, fmt);
  n = vcount(db, fmt, ap);
  va_end(ap);
  return n;
}

static long long mono_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void it_wait_countf(PGconn *db, long want, long ms, const char *what, const char *log1,
                    const char *log2, const char *fmt, ...)
{
  long long end = mono_ms() + ms;
  long got = -1;

  while (mono_ms() < end) {
    va_list ap;
    va_start(ap, fmt);
    got = vcount(db, fmt, ap);
    va_end(ap);
    if (got == want)
      return;
    usleep(100000);
  }
  ck_abort_msg("%s: %ld, not %ld, after %ld ms (logs in %s, %s)", what, got, want, ms, log1, log2);
}
