/* gw_cli.h: the `aulgate token` and `aulgate audit` commands, for gw_main.c: a pure parser of
 * their arguments (gw_cli_args.c, fuzzed) and the commands themselves (gw_cli_token.c). */
#ifndef GW_CLI_H
#define GW_CLI_H

#include <stddef.h>
#include <stdio.h>

#define GW_CLI_REGIONS_MAX 32

enum gw_cli_cmd { GW_CLI_TOKEN_CREATE, GW_CLI_TOKEN_LIST, GW_CLI_TOKEN_REVOKE, GW_CLI_AUDIT };

/* Strings are borrowed from argv. */
struct gw_cli_args {
  enum gw_cli_cmd cmd;
  const char *config; /* -c; NULL: the default */
  const char *role;   /* create: admin, operator, analyst or school */
  const char *regions[GW_CLI_REGIONS_MAX];
  size_t n_regions;
  const char *name;  /* create: a label, "" by default */
  long expires_days; /* create: 0 never */
  long long school;  /* create: the school of a school token (schools.id); 0 none */
  long long id;      /* revoke */
  const char *since; /* audit: NULL all */
  long limit;        /* audit: 100 by default */
};

/* Parses argv[0..argc): argv[0] is "token" or "audit", then the subcommand and options as the
 * usage says. Returns AG_OK, or AG_EINVAL with a one-line reason in err. */
int gw_cli_args_parse(int argc, char *const *argv, struct gw_cli_args *out /* OUT */, char *err,
                      size_t errlen);

/* Runs a parsed command against the database of conninfo; messages to out and log. Returns
 * the exit status. */
int gw_cli_run(const struct gw_cli_args *a, const char *conninfo, FILE *out, FILE *log);

#endif
