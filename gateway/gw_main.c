/* gw_main.c: the `aulgate` command: serve, migrate, seed, lint, config-doc, dial, simulate, token,
 * audit. */
#include "lib/ag.h"
#include "lib/ag_config.h"
#include "gateway/gw_cli.h"
#include "gateway/gw_server.h"
#include "sessions/sess.h"
#include "store/store.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *out)
{
  fputs("usage: aulgate serve   [-c CONFIG]          run the gateway in the foreground\n"
        "       aulgate migrate [-c CONFIG] [-d DIR] apply sql/migrations to the database\n"
        "       aulgate seed    [-c CONFIG] [-f FILE] upsert the places (content/regions.json)\n"
        "                                            and schools (sql/seed/schools.json), or\n"
        "                                            FILE by its kind, into the database\n"
        "       aulgate rollup rebuild [-c CONFIG]  recompute the results counters from responses\n"
        "       aulgate lint [DIR]                   check the content files (default content)\n"
        "       aulgate config-doc                   print the configuration reference\n"
        "       aulgate dial [-u URL] [-n PHONE] [-s SESSION_ID] [-w NETWORK] CODE\n"
        "                                            play a phone against a running gateway\n"
        "       aulgate simulate [-u URL] [-n PARENTS] [--db CONNINFO] ...\n"
        "                                            synthetic Aktobe parents take the survey\n"
        "       aulgate token create --role admin|operator|analyst [--region CODE]...\n"
        "                            [--name LABEL] [--expires DAYS] [-c CONFIG]\n"
        "       aulgate token create --role school --school ID [--name LABEL] ...\n"
        "                                            a token that reaches one school (schools.id)\n"
        "                                            make an API token: printed once, only its\n"
        "                                            SHA-256 is stored\n"
        "       aulgate token list [-c CONFIG]       the tokens (no secrets)\n"
        "       aulgate token revoke ID [-c CONFIG]  refuse a token from now on\n"
        "       aulgate audit [--since TIME|INTERVAL] [--limit N] [-c CONFIG]\n"
        "                                            the API's audit trail, newest first\n"
        "CONFIG defaults to etc/aulgate.conf when it exists; AULGATE_DB and AULGATE_LISTEN\n"
        "override the db and listen keys.\n",
        out);
}

struct args {
  const char *config;
  const char *dir;
  const char *file; /* seed */
};

static void default_config(struct args *a)
{
  FILE *probe;

  if (!a->config && (probe = fopen("etc/aulgate.conf", "r")) != NULL) {
    fclose(probe);
    a->config = "etc/aulgate.conf";
  }
}

static int parse_args(int argc, char **argv, struct args *a)
{
  a->config = NULL;
  a->dir = "sql/migrations";
  a->file = NULL; /* both: content/regions.json, then sql/seed/schools.json */
  for (int i = 2; i < argc; i++) {
    if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) && i + 1 < argc) {
      a->config = argv[++i];
    } else if ((strcmp(argv[i], "-d") == 0 || strcmp(argv[i], "--dir") == 0) && i + 1 < argc) {
      a->dir = argv[++i];
    } else if ((strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--file") == 0) && i + 1 < argc) {
      a->file = argv[++i];
    } else {
      fprintf(stderr, "aulgate: unexpected argument '%s'\n", argv[i]);
      usage(stderr);
      return AG_EINVAL;
    }
  }
  default_config(a);
  return AG_OK;
}

static int load_config(const struct args *a, struct ag_config *cfg)
{
  char err[512] = "cannot set the configuration defaults (out of memory)";
  int rc = ag_config_init(cfg);

  if (rc == AG_OK)
    rc = ag_config_load(cfg, a->config, err, sizeof(err));
  if (rc) {
    fprintf(stderr, "aulgate: %s\n", err);
    ag_config_cleanup(cfg);
  }
  return rc;
}

/* `aulgate lint [DIR]`: every problem of the content in DIR (default content/), with the screen
 * budgets of the default configuration. Exit 0 when there is none. */
static int lint_main(int argc, char **argv)
{
  struct ag_config cfg;
  struct sess_budget budget;
  const char *dir = argc > 2 ? argv[2] : "content";
  int problems;

  if (argc > 3) {
    usage(stderr);
    return 2;
  }
  if (ag_config_init(&cfg))
    return 2;
  budget.ucs2 = cfg.ussd_budget_ucs2;
  budget.gsm7 = cfg.ussd_budget_gsm7;
  ag_config_cleanup(&cfg);
  problems = sess_lint(dir, &budget, stdout);
  if (problems < 0) {
    fprintf(stderr, "aulgate: cannot read content folder %s\n", dir);
    return 2;
  }
  if (problems > 0) {
    fprintf(stderr, "aulgate: %d problem%s in %s\n", problems, problems == 1 ? "" : "s", dir);
    return 1;
  }
  printf("aulgate: %s is good (budgets: %ld UCS-2, %ld GSM-7 characters a screen)\n", dir,
         budget.ucs2, budget.gsm7);
  return 0;
}

/* `aulgate dial ...` and `aulgate simulate ...` run aulgate-dial and aulgate-simulate from the
 * folder of this binary: they are clients of the gateway, not linked into it. argv[0] of the
 * child is the command's name. */
static int tool_exec(char **argv)
{
  char self[PATH_MAX], path[PATH_MAX + 32];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  char *slash;

  if (n <= 0) {
    fprintf(stderr, "aulgate: cannot find my own binary to run aulgate-%s\n", argv[0]);
    return 2;
  }
  self[n] = '\0';
  slash = strrchr(self, '/');
  if (slash)
    *slash = '\0';
  snprintf(path, sizeof(path), "%s/aulgate-%s", self, argv[0]);
  execv(path, argv);
  fprintf(stderr, "aulgate: cannot run %s (build the aulgate-%s target)\n", path, argv[0]);
  return 2;
}

/* `aulgate token ...` and `aulgate audit ...` (gw_cli.h). */
static int cli_main(int argc, char **argv)
{
  struct gw_cli_args ca;
  struct ag_config cfg;
  struct args a = {NULL, NULL, NULL};
  char err[256];
  int status;

  if (gw_cli_args_parse(argc - 1, argv + 1, &ca, err, sizeof(err))) {
    fprintf(stderr, "aulgate: %s\n", err);
    usage(stderr);
    return 2;
  }
  a.config = ca.config;
  default_config(&a);
  if (load_config(&a, &cfg))
    return 2;
  status = gw_cli_run(&ca, cfg.db, stdout, stderr);
  ag_config_cleanup(&cfg);
  return status;
}

/* `aulgate seed`: the file given, by its kind; or the places and then the schools shipped. */
static int seed_main(const char *db, const char *file)
{
  char kind[32];

  if (!file)
    return store_places_seed(db, "content/regions.json", stdout) == AG_OK &&
                   store_schools_seed(db, "sql/seed/schools.json", stdout) == AG_OK
               ? 0
               : 1;
  if (store_seed_kind(file, kind, sizeof(kind)) == AG_OK && strcmp(kind, "schools") == 0)
    return store_schools_seed(db, file, stdout) == AG_OK ? 0 : 1;
  return store_places_seed(db, file, stdout) == AG_OK ? 0 : 1;
}

/* Whether a command's arguments ask for its usage: every command answers -h and --help. */
static int wants_help(int argc, char **argv)
{
  for (int i = 2; i < argc; i++)
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
      return 1;
  return 0;
}

int main(int argc, char **argv)
{
  struct ag_config cfg;
  struct args a;
  int status;

  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (strcmp(argv[1], "dial") == 0 || strcmp(argv[1], "simulate") == 0)
    return tool_exec(argv + 1); /* the tools answer -h and --help themselves */
  if (wants_help(argc, argv)) {
    usage(stdout);
    return 0;
  }
  if (strcmp(argv[1], "config-doc") == 0) {
    ag_config_doc(stdout);
    return 0;
  }
  if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
      strcmp(argv[1], "help") == 0) {
    usage(stdout);
    return 0;
  }
  if (strcmp(argv[1], "lint") == 0)
    return lint_main(argc, argv);
  if (strcmp(argv[1], "token") == 0 || strcmp(argv[1], "audit") == 0)
    return cli_main(argc, argv);
  if (strcmp(argv[1], "rollup") == 0) {
    if (argc < 3 || strcmp(argv[2], "rebuild") != 0) {
      usage(stderr);
      return 2;
    }
    argv[2] = argv[1]; /* the options follow "rebuild" */
    argc--, argv++;
  }
  if (strcmp(argv[1], "serve") != 0 && strcmp(argv[1], "migrate") != 0 &&
      strcmp(argv[1], "seed") != 0 && strcmp(argv[1], "rollup") != 0) {
    fprintf(stderr, "aulgate: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
  }
  if (parse_args(argc, argv, &a) || load_config(&a, &cfg))
    return 2;
  if (strcmp(argv[1], "serve") == 0)
    status = gw_server_run(&cfg);
  else if (strcmp(argv[1], "seed") == 0)
    status = seed_main(cfg.db, a.file);
  else if (strcmp(argv[1], "rollup") == 0)
    status = store_rollup_rebuild(cfg.db, stdout) == AG_OK ? 0 : 1;
  else
    status = store_migrate(cfg.db, a.dir, stdout) == AG_OK ? 0 : 1;
  ag_config_cleanup(&cfg);
  return status;
}
