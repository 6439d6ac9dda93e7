/* gw_cli_args.c: the arguments of `aulgate token ...` and `aulgate audit ...`, checked here so
 * that nothing malformed reaches the database (fuzzed by tests/fuzz/fuzz_token.c). */
#include "gateway/gw_cli.h"
#include "lib/ag.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *what, const char *arg)
{
  snprintf(err, errlen, "%s%s%.60s%s", what, arg ? " '" : "", arg ? arg : "", arg ? "'" : "");
  return AG_EINVAL;
}

/* A whole decimal number in [min, max]. */
static int number(const char *s, long long min, long long max, long long *out)
{
  char *end;
  long long v;

  if (!s || *s < '0' || *s > '9')
    return AG_EINVAL;
  errno = 0;
  v = strtoll(s, &end, 10);
  if (errno || *end || v < min || v > max)
    return AG_EINVAL;
  *out = v;
  return AG_OK;
}

static int slug(const char *s)
{
  size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-");

  return n > 0 && n <= 64 && s[n] == '\0';
}

static int printable(const char *s, size_t max)
{
  size_t n = 0;

  for (; s[n]; n++)
    if ((unsigned char)s[n] < 0x20 || s[n] == 0x7f)
      return 0;
  return n <= max;
}

int gw_cli_args_parse(int argc, char *const *argv, struct gw_cli_args *a, char *err, size_t errlen)
{
  int i = 1;
  long long v;

  memset(a, 0, sizeof(*a));
  a->name = "";
  a->limit = 100;
  if (argc < 1)
    return fail(err, errlen, "no command", NULL);
  if (strcmp(argv[0], "audit") == 0) {
    a->cmd = GW_CLI_AUDIT;
  } else if (strcmp(argv[0], "token") == 0 && argc > 1) {
    i = 2;
    if (strcmp(argv[1], "create") == 0)
      a->cmd = GW_CLI_TOKEN_CREATE;
    else if (strcmp(argv[1], "list") == 0)
      a->cmd = GW_CLI_TOKEN_LIST;
    else if (strcmp(argv[1], "revoke") == 0)
      a->cmd = GW_CLI_TOKEN_REVOKE;
    else
      return fail(err, errlen, "unknown token command (create, list, revoke):", argv[1]);
  } else {
    return fail(err, errlen, "expected token create|list|revoke, or audit", NULL);
  }
  for (; i < argc; i++) {
    const char *o = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
    int create = a->cmd == GW_CLI_TOKEN_CREATE, audit = a->cmd == GW_CLI_AUDIT;
    if ((strcmp(o, "-c") == 0 || strcmp(o, "--config") == 0) && val) {
      a->config = val;
    } else if (create && strcmp(o, "--role") == 0 && val) {
      if (strcmp(val, "admin") && strcmp(val, "operator") && strcmp(val, "analyst") &&
          strcmp(val, "school"))
        return fail(err, errlen, "--role must be admin, operator, analyst or school, not", val);
      a->role = val;
    } else if (create && strcmp(o, "--region") == 0 && val) {
      if (!slug(val))
        return fail(err, errlen, "--region takes a region code (e.g. almaty-city), not", val);
      if (a->n_regions == GW_CLI_REGIONS_MAX)
        return fail(err, errlen, "too many --region", NULL);
      a->regions[a->n_regions++] = val;
    } else if (create && strcmp(o, "--school") == 0 && val) {
      if (number(val, 1, 2147483647, &v))
        return fail(err, errlen, "--school takes a school's id (the schools table), not", val);
      a->school = v;
    } else if (create && strcmp(o, "--name") == 0 && val) {
      if (!printable(val, 100))
        return fail(err, errlen, "--name: at most 100 characters, no control characters", NULL);
      a->name = val;
    } else if (create && strcmp(o, "--expires") == 0 && val) {
      if (number(val, 1, 3650, &v))
        return fail(err, errlen, "--expires takes days, 1 to 3650, not", val);
      a->expires_days = (long)v;
    } else if (audit && strcmp(o, "--since") == 0 && val) {
      if (!*val || !printable(val, 64))
        return fail(err, errlen, "--since takes a time (2025-01-31 08:00) or an interval (1 day)",
                    NULL);
      a->since = val;
    } else if (audit && strcmp(o, "--limit") == 0 && val) {
      if (number(val, 1, 100000, &v))
        return fail(err, errlen, "--limit takes 1 to 100000, not", val);
      a->limit = (long)v;
    } else if (a->cmd == GW_CLI_TOKEN_REVOKE && !a->id && number(o, 1, (1LL << 62), &v) == 0) {
      a->id = v;
      continue; /* a value, not an option: nothing to skip */
    } else {
      return fail(err, errlen, "unexpected argument", o);
    }
    i++; /* the option's value */
  }
  if (a->cmd == GW_CLI_TOKEN_CREATE && !a->role)
    return fail(err, errlen, "token create needs --role admin|operator|analyst|school", NULL);
  /* A school token reaches one school and no region: the table's CHECK says the same. */
  if (a->cmd == GW_CLI_TOKEN_CREATE && (strcmp(a->role, "school") == 0) != (a->school != 0))
    return fail(err, errlen, "--school goes with --role school, and --role school needs --school",
                NULL);
  if (a->cmd == GW_CLI_TOKEN_CREATE && a->school && a->n_regions)
    return fail(err, errlen, "a school token takes no --region", NULL);
  if (a->cmd == GW_CLI_TOKEN_REVOKE && !a->id)
    return fail(err, errlen, "token revoke needs the token's id (see aulgate token list)", NULL);
  return AG_OK;
}
