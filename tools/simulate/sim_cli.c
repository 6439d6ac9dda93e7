/* sim_cli.c: the command line of `aulgate simulate`: options, defaults, usage, and the run from
 * plan to read-back. */
#include "tools/simulate/sim-internal.h"
#include "lib/ag.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void sim_usage(FILE *out)
{
  fputs("usage: aulgate simulate [-u URL] [-C CONTENT_DIR] [-n PARENTS] [-c CONCURRENCY]\n"
        "                        [-d DROP_PERCENT] [-s SHARE_PERCENT] [-S SEED] [-p PREFIX]\n"
        "                        [--schools FILE] [--db CONNINFO] [--results URL [--token T]]\n"
        "                        [--version N]\n"
        "Synthetic parents of Aktobe region take the involvement survey through the gateway's\n"
        "`at` USSD endpoint (default http://127.0.0.1:8080/ussd/at, content ./content, 1000\n"
        "parents, 32 at once, 10% drop and dial again, 10% share a phone), each naming a school\n"
        "of Aktobe region from the schools file (default sql/seed/schools.json, the one\n"
        "`aulgate seed` loads). Their answers follow the published figures with exact quotas\n"
        "(29,760 urban : 14,453 rural school parents; L1, L2, T1). With --db, the answers\n"
        "stored for the run are read back from PostgreSQL, grouped by the school's settlement\n"
        "in the schools table, and compared with the figures (1 percentage point). With\n"
        "--results (the gateway's base URL, e.g. http://127.0.0.1:8080), the same figures are\n"
        "read through GET /api/v1/results grouped by the school's settlement (an analyst or\n"
        "admin token: --token or AULGATE_TOKEN; survey version --version, default the\n"
        "content's) before and after the run, and what the run added is compared: each group\n"
        "must gain exactly its parents (so nothing else may answer for Aktobe meanwhile).\n"
        "Exit status: 0 every parent through (and the figures found), 1 otherwise, 2 usage.\n",
        out);
}

static int sim_uint(const char *s, unsigned long max, unsigned long long *out)
{
  char *end;
  unsigned long long v;

  if (!s || !*s || *s == '-')
    return AG_EINVAL;
  v = strtoull(s, &end, 10);
  if (*end || v > max)
    return AG_ERANGE;
  *out = v;
  return AG_OK;
}

static int sim_args(int argc, char **argv, struct sim_opts *o)
{
  unsigned long long v;
  int c;

  for (int i = 1; i < argc; i++) { /* the long options, taken out before getopt() */
    const char **to = strcmp(argv[i], "--db") == 0        ? &o->db
                      : strcmp(argv[i], "--schools") == 0 ? &o->schools
                      : strcmp(argv[i], "--results") == 0 ? &o->results
                      : strcmp(argv[i], "--token") == 0   ? &o->token
                      : strcmp(argv[i], "--version") == 0 ? &o->version_arg
                                                          : NULL;

    if (strcmp(argv[i], "--help") == 0)
      return AG_DECLINED;
    if (!to)
      continue;
    if (i + 1 == argc)
      return AG_EINVAL;
    *to = argv[i + 1];
    memmove(argv + i, argv + i + 2, (size_t)(argc - i - 2) * sizeof(*argv));
    argc -= 2;
    i--;
  }
  while ((c = getopt(argc, argv, ":u:C:n:c:d:s:S:p:h")) != -1) {
    switch (c) {
    case 'u':
      o->url = optarg;
      break;
    case 'C':
      o->content_dir = optarg;
      break;
    case 'p':
      o->prefix = optarg;
      break;
    case 'n':
      if (sim_uint(optarg, 1000000, &v))
        return AG_EINVAL;
      o->parents = (unsigned)v;
      break;
    case 'c':
      if (sim_uint(optarg, 1024, &v) || v == 0)
        return AG_EINVAL;
      o->concurrency = (unsigned)v;
      break;
    case 'd':
      if (sim_uint(optarg, 100, &v))
        return AG_EINVAL;
      o->drop_pct = (unsigned)v;
      break;
    case 's':
      if (sim_uint(optarg, 100, &v))
        return AG_EINVAL;
      o->share_pct = (unsigned)v;
      break;
    case 'S':
      if (sim_uint(optarg, (unsigned long)-1, &v))
        return AG_EINVAL;
      o->seed = v;
      break;
    case 'h':
      return AG_DECLINED;
    default:
      return AG_EINVAL;
    }
  }
  if (o->version_arg) {
    if (sim_uint(o->version_arg, 1000000, &v) || v == 0)
      return AG_EINVAL;
    o->version = (unsigned)v;
  }
  if (!o->token)
    o->token = getenv("AULGATE_TOKEN");
  if (o->results && (!o->token || !*o->token))
    return AG_EINVAL;
  if (optind != argc || !o->prefix[0] || strlen(o->prefix) > 24 || strchr(o->prefix, '%'))
    return AG_EINVAL;
  return AG_OK;
}

int sim_main(int argc, char **argv)
{
  char prefix[32], err[512];
  struct sim_opts o = {.url = "http://127.0.0.1:8080/ussd/at",
                       .content_dir = "content",
                       .schools = "sql/seed/schools.json",
                       .code = "*384#",
                       .network = "40101",
                       .parents = 1000,
                       .concurrency = 32,
                       .drop_pct = 10,
                       .share_pct = 10};
  struct sim_content *c = NULL;
  struct sim_parent *ps = NULL;
  struct sim_school *schools = NULL;
  size_t n = 0, n_schools = 0, planned[SIM_GROUPS] = {0};
  unsigned through = 0;
  int rc, status = 1;
  struct sim_api_cell(*before)[SIM_GROUPS] = NULL, (*after)[SIM_GROUPS] = NULL;

  /* A fresh seed, so fresh callers and session ids, unless one is given to replay a run. */
  o.seed = (unsigned long long)time(NULL) * 1000003ull ^ (unsigned long long)getpid();
  snprintf(prefix, sizeof(prefix), "sim%llx", o.seed % 0xFFFFFFull);
  o.prefix = prefix;
  rc = sim_args(argc, argv, &o);
  if (rc == AG_DECLINED) {
    sim_usage(stdout);
    return 0;
  }
  if (rc != AG_OK) {
    sim_usage(stderr);
    return 2;
  }
  if (sim_content_load(o.content_dir, &c, err, sizeof(err)) != AG_OK) {
    fprintf(stderr, "simulate: content: %s\n", err);
    return 1;
  }
  if (sim__schools_load(o.schools, c, "aktobe", &schools, &n_schools, err, sizeof(err)) != AG_OK) {
    fprintf(stderr, "simulate: schools: %s\n", err);
    sim_content_free(c);
    return 1;
  }
  if ((rc = sim__population(&o, c, schools, n_schools, &ps, &n)) != AG_OK) {
    fprintf(stderr, "simulate: cannot plan the parents: %s\n", ag_strerror(rc));
    free(schools);
    sim_content_free(c);
    return 1;
  }
  for (size_t i = 0; i < n; i++)
    planned[ps[i].group]++;
  if (!o.version)
    o.version = c->version;
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    fprintf(stderr, "simulate: libcurl did not start\n");
    goto out;
  }
  if (o.results) { /* the baseline: what the region held before the run */
    before = calloc(sim_published_len, sizeof(*before));
    after = calloc(sim_published_len, sizeof(*after));
    snprintf(err, sizeof(err), "out of memory");
    if (!before || !after || sim__api_read(&o, before, err, sizeof(err)) != AG_OK) {
      fprintf(stderr, "simulate: results before the run: %s\n", err);
      goto out;
    }
  }
  printf("run %s: seed %llu, %zu parents, %u at once\n", o.prefix, o.seed, n, o.concurrency);
  sim__report_plan(ps, n);
  fflush(stdout);
  if (sim__run(&o, c, ps, n, &through) == AG_OK && through == n)
    status = 0;
  if (status == 0 && o.db)
    status = sim__check(o.db, o.prefix, planned) == 0 ? 0 : 1;
  if (status == 0 && o.results) {
    if (sim__api_read(&o, after, err, sizeof(err)) != AG_OK) {
      fprintf(stderr, "simulate: results after the run: %s\n", err);
      status = 1;
    } else {
      status = sim__api_check(before, after, planned);
    }
  }
out:
  curl_global_cleanup();
  free(before);
  free(after);
  free(ps);
  free(schools);
  sim_content_free(c);
  return status;
}
