/* gw_cli_token.c: `aulgate token create|list|revoke` and `aulgate audit`: the token is printed
 * once and only its hash stored (lib/ag_token.h says why a fast hash is enough). */
#include "gateway/gw_cli.h"
#include "lib/ag.h"
#include "lib/ag_token.h"
#include "store/store.h"

#include <openssl/crypto.h>

static int token_create(const struct gw_cli_args *a, const char *conninfo, FILE *out, FILE *log)
{
  char tok[AG_TOKEN_LEN + 1];
  uint8_t hash[AG_TOKEN_HASH_LEN];
  long long id = 0;
  int rc = ag_token_generate(tok);

  if (rc) {
    fprintf(log, "aulgate: the kernel's random source failed: no token made\n");
    return 1;
  }
  ag_token_hash(tok, AG_TOKEN_LEN, hash);
  rc = store_token_create(conninfo, a->role, a->regions, a->n_regions, a->name, a->expires_days,
                          a->school, hash, &id, log);
  if (rc == AG_OK) {
    fprintf(out, "%s\n", tok);
    fprintf(log,
            "aulgate: token %lld (%s) created; it is shown this once: keep it in a secret store, "
            "send it as 'Authorization: Bearer <token>'\n",
            id, a->role);
  }
  OPENSSL_cleanse(tok, sizeof(tok));
  return rc == AG_OK ? 0 : 1;
}

int gw_cli_run(const struct gw_cli_args *a, const char *conninfo, FILE *out, FILE *log)
{
  switch (a->cmd) {
  case GW_CLI_TOKEN_CREATE:
    return token_create(a, conninfo, out, log);
  case GW_CLI_TOKEN_LIST:
    return store_token_list(conninfo, out, log) == AG_OK ? 0 : 1;
  case GW_CLI_TOKEN_REVOKE:
    if (store_token_revoke(conninfo, a->id, log) != AG_OK)
      return 1;
    fprintf(log, "aulgate: token %lld revoked; gateways refuse it within token_refresh_ms\n",
            a->id);
    return 0;
  case GW_CLI_AUDIT:
    return store_audit_print(conninfo, a->since, a->limit, out, log) == AG_OK ? 0 : 1;
  }
  return 2;
}
