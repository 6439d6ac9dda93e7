/* it_tokens.c: the harness's tokens: made by the real CLI, and waited for until the gateway's
 * token cache holds them. */
#include "tests/it/it_harness.h"

#include <check.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void it_token_create(const char *bin, const char *args, char out[64])
{
  char cmd[512];
  FILE *p;

  snprintf(cmd, sizeof(cmd), "%s token create %s 2>/dev/null", bin, args);
  p = popen(cmd, "r");
  ck_assert_ptr_nonnull(p);
  ck_assert_ptr_nonnull(fgets(out, 64, p));
  ck_assert_int_eq(pclose(p), 0);
  out[strcspn(out, "\n")] = '\0';
  ck_assert_uint_eq(strlen(out), 35);
}

void it_wait_token(const struct it_server *s, const char *tok)
{
  static struct it_resp r; /* large: not on the stack */
  char h[120];
  const char *hdrs[2] = {h, NULL};
  long status = 0;

  snprintf(h, sizeof(h), "Authorization: Bearer %s", tok);
  for (int i = 0; i < 100 && status != 200; i++) {
    if (i)
      usleep(50 * 1000);
    status = it_get_headers(s, "/api/v1/whoami", hdrs, &r) == 0 ? r.status : 0;
  }
  ck_assert_msg(status == 200, "the gateway never accepted the token (%ld)", status);
}
