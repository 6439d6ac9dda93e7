/* fuzz_token.c: libFuzzer target for the two parsers of issue 10: the Authorization header
 * (ag_token_parse_bearer) and the arguments of `aulgate token`/`aulgate audit`
 * (gw_cli_args_parse). The first byte picks one; the rest is the header, or the arguments
 * separated by NULs. Checked against facts written out again here. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gateway/gw_cli.h"
#include "lib/ag.h"
#include "lib/ag_token.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int b64url(char c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

static void bearer(const char *h)
{
  const char *tok = NULL;
  int rc = ag_token_parse_bearer(h, &tok);

  FUZZ_CHECK(rc == AG_OK || rc == AG_ENOTFOUND || rc == AG_EBADREQ);
  FUZZ_CHECK((rc == AG_ENOTFOUND) == (*h == '\0'));
  if (rc != AG_OK)
    return;
  /* Accepted: "Bearer", spaces, ag_ and 32 base64url characters ending the header. */
  FUZZ_CHECK(strncasecmp(h, "bearer ", 7) == 0);
  FUZZ_CHECK(tok > h + 6 && strspn(h + 6, " ") == (size_t)(tok - h - 6));
  FUZZ_CHECK(strlen(tok) == AG_TOKEN_LEN && strncmp(tok, "ag_", 3) == 0);
  for (size_t i = 3; i < AG_TOKEN_LEN; i++)
    FUZZ_CHECK(b64url(tok[i]));
}

static void args(const char *p, size_t n)
{
  char *argv[64];
  int argc = 0;
  struct gw_cli_args a;
  char err[256];
  int rc;

  for (size_t i = 0; i < n && argc < 64; i += strlen(p + i) + 1)
    argv[argc++] = (char *)p + i;
  err[0] = '\0';
  rc = gw_cli_args_parse(argc, argv, &a, err, sizeof(err));
  FUZZ_CHECK(rc == AG_OK || (rc == AG_EINVAL && err[0]));
  if (rc != AG_OK)
    return;
  FUZZ_CHECK(a.cmd != GW_CLI_TOKEN_CREATE ||
             (a.role && (strcmp(a.role, "admin") == 0 || strcmp(a.role, "operator") == 0 ||
                         strcmp(a.role, "analyst") == 0)));
  FUZZ_CHECK(a.cmd != GW_CLI_TOKEN_REVOKE || a.id > 0);
  FUZZ_CHECK(a.n_regions <= GW_CLI_REGIONS_MAX && strlen(a.name) <= 100);
  for (size_t i = 0; i < a.n_regions; i++)
    FUZZ_CHECK(strspn(a.regions[i], "abcdefghijklmnopqrstuvwxyz0123456789-") ==
               strlen(a.regions[i]));
  FUZZ_CHECK(a.limit >= 1 && a.limit <= 100000);
  FUZZ_CHECK(a.expires_days >= 0 && a.expires_days <= 3650);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *s;

  if (size < 1 || size > 4096)
    return 0;
  s = malloc(size + 1); /* the rest of the input, NUL-terminated */
  if (!s)
    return 0;
  memcpy(s, data + 1, size - 1);
  s[size - 1] = '\0';
  if (data[0] & 1)
    args(s, size - 1);
  else
    bearer(s);
  free(s);
  return 0;
}
