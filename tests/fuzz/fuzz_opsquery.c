/* fuzz_opsquery.c: libFuzzer target for the operators' API parsers (issue 10, part 3): the
 * window of /api/v1/stats and /api/v1/events, the counts of /api/v1/sessions (limit, min_idle),
 * and the session path of DELETE /api/v1/sessions/{carrier}/{id}. The first byte picks one; the
 * rest is the text. Checked against facts written out again here. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/api/gw_api_parse.h"
#include "lib/ag.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void window(const char *s)
{
  int m = -7;
  int rc = gw_api_parse_window(s, 15, &m);

  FUZZ_CHECK(rc == AG_OK || rc == AG_EINVAL);
  if (rc != AG_OK) {
    FUZZ_CHECK(m == -7); /* nothing written on a refusal */
    return;
  }
  FUZZ_CHECK(m >= 1 && m <= 60);
  if (*s) { /* digits and one unit, no leading zero */
    size_t n = strlen(s);
    FUZZ_CHECK(s[n - 1] == 'm' || s[n - 1] == 'h');
    FUZZ_CHECK(strspn(s, "0123456789") == n - 1 && s[0] != '0');
    FUZZ_CHECK(s[n - 1] == 'h' ? m == 60 : m == atoi(s));
  } else {
    FUZZ_CHECK(m == 15);
  }
}

static void count(const char *s)
{
  long v = -7;
  int rc = gw_api_parse_count(s, 1, 1000, 100, &v);

  FUZZ_CHECK(rc == AG_OK || rc == AG_EINVAL);
  if (rc != AG_OK) {
    FUZZ_CHECK(v == -7);
    return;
  }
  FUZZ_CHECK(v >= 1 && v <= 1000);
  FUZZ_CHECK(*s == '\0' ? v == 100 : (strspn(s, "0123456789") == strlen(s) && atol(s) == v));
}

static void path(const char *s)
{
  char carrier[GW_API_CARRIER_MAX];
  const char *id = NULL;
  int rc = gw_api_parse_session_path(s, "/api/v1/sessions", carrier, &id);
  size_t cl;

  FUZZ_CHECK(rc == AG_OK || rc == AG_EINVAL);
  if (rc != AG_OK)
    return;
  FUZZ_CHECK(strncmp(s, "/api/v1/sessions/", 17) == 0);
  cl = strlen(carrier);
  FUZZ_CHECK(cl >= 1 && cl < GW_API_CARRIER_MAX && gw_api_carrier_ok(carrier));
  FUZZ_CHECK(memcmp(s + 17, carrier, cl) == 0 && s[17 + cl] == '/');
  FUZZ_CHECK(id == s + 17 + cl + 1);
  FUZZ_CHECK(strlen(id) >= 1 && strlen(id) <= GW_API_ID_MAX);
  for (const char *p = id; *p; p++)
    FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *s;

  if (size < 1 || size > 4096)
    return 0;
  s = malloc(size);
  if (!s)
    return 0;
  memcpy(s, data + 1, size - 1);
  s[size - 1] = '\0';
  switch (data[0] % 3) {
  case 0:
    window(s);
    break;
  case 1:
    count(s);
    break;
  default:
    path(s);
    break;
  }
  free(s);
  return 0;
}
