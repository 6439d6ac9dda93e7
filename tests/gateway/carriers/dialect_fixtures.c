/* dialect_fixtures.c: the golden fixtures of one carrier dialect, replayed through the registry.
 * One program for every dialect: `dialect_fixtures <dialect> <folder> [<at least N cases>]`;
 * CMake registers a test dialect_fixtures_<name> per folder tests/data/dialects/<name>, so a
 * new dialect's fixtures need no new code here.
 *
 * Fixture format: NNN-<case>.http holds the raw form body exactly as a carrier posts it (no
 * trailing newline unless the carrier sends one); NNN-<case>.expect holds key=value lines:
 *   rc=OK|EBADREQ|EPHONE|EDUP|E2BIG       always
 *   session= service= network= msisdn= inputs=   on OK and EPHONE; inputs joined with '|'
 *   error=<text>                           optional, on failures: a part of the message
 *
 * Only fixture_parse() knows the dialect API: adapt it, and nothing else, when that API moves.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/carriers/gw_carrier.h"
#include "lib/ag.h"
#include "tests/support/ag_check.h"

/* From the command line (borrowed from argv). */
static const char *fx_dialect, *fx_dir;
static size_t fx_min = 1;

/* What the dialect made of one body, as the .expect file spells it. */
struct fixture_got {
  char session[256], service[256], network[256], msisdn[32], inputs[4096];
};

/* The one call into the dialect: parses body as a USSD callback of fx_dialect. Returns the
 * dialect's AG_* code; on AG_OK and AG_EPHONE got is filled, with the inputs joined by '|'. */
static int fixture_parse(const char *body, size_t len, struct fixture_got *got /* OUT */, char *err,
                         size_t errlen)
{
  /* A carrier of the dialect as a configuration without options makes it. */
  struct gw_carrier c = {.dialect = gw_dialect_find(fx_dialect)};
  struct gw_ussd_step step;
  int rc;

  snprintf(c.name, sizeof(c.name), "%s", fx_dialect);
  ck_assert_msg(c.dialect != NULL, "no dialect '%s' in the registry", fx_dialect);
  ck_assert_msg(gw_carrier_has(&c, GW_DIALECT_F_USSD), "dialect '%s' has no USSD step", fx_dialect);
  memset(got, 0, sizeof(*got));
  rc = gw_carrier_ussd_step(&c, body, len, &step, err, errlen);
  if (rc == AG_OK || rc == AG_EPHONE) {
    for (size_t i = 0; i < step.n_inputs; i++) {
      if (i)
        strncat(got->inputs, "|", sizeof(got->inputs) - strlen(got->inputs) - 1);
      strncat(got->inputs, step.inputs[i], sizeof(got->inputs) - strlen(got->inputs) - 1);
    }
    snprintf(got->session, sizeof(got->session), "%s", step.session_id);
    snprintf(got->service, sizeof(got->service), "%s", step.service_code);
    snprintf(got->network, sizeof(got->network), "%s", step.network_code);
    snprintf(got->msisdn, sizeof(got->msisdn), "%s", step.msisdn);
  }
  gw_ussd_step_cleanup(&step);
  return rc;
}

/* --- golden fixtures --- */

struct expect {
  char rc[16], session[256], service[256], network[256], msisdn[32], inputs[4096], error[256];
  unsigned have; /* bit per field above, in order */
};

/* Reads a whole file; NULL when it cannot be opened. *len receives its size. */
static char *slurp(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  char *buf;
  long n;

  if (!f)
    return NULL;
  if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    return NULL;
  }
  buf = malloc((size_t)n + 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  if (!buf)
    return NULL;
  buf[n] = '\0';
  *len = (size_t)n;
  return buf;
}

/* Parses an .expect file; returns NULL or a description of the first problem. */
static const char *expect_parse(char *text, struct expect *e)
{
  static const char *const keys[] = {"rc",     "session", "service", "network",
                                     "msisdn", "inputs",  "error"};
  char *save = NULL;

  memset(e, 0, sizeof(*e));
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *eq = strchr(line, '=');
    size_t len = strlen(line);
    size_t k;

    if (len && line[len - 1] == '\r')
      line[len - 1] = '\0';
    if (line[0] == '\0' || line[0] == '#')
      continue;
    if (!eq)
      return "a line without '='";
    *eq = '\0';
    for (k = 0; k < AG_ARRAY_LEN(keys) && strcmp(keys[k], line) != 0; k++)
      ;
    if (k == AG_ARRAY_LEN(keys))
      return "an unknown key";
    if (e->have & (1u << k))
      return "a key given twice";
    e->have |= 1u << k;
    switch (k) {
    case 0:
      snprintf(e->rc, sizeof(e->rc), "%s", eq + 1);
      break;
    case 1:
      snprintf(e->session, sizeof(e->session), "%s", eq + 1);
      break;
    case 2:
      snprintf(e->service, sizeof(e->service), "%s", eq + 1);
      break;
    case 3:
      snprintf(e->network, sizeof(e->network), "%s", eq + 1);
      break;
    case 4:
      snprintf(e->msisdn, sizeof(e->msisdn), "%s", eq + 1);
      break;
    case 5:
      snprintf(e->inputs, sizeof(e->inputs), "%s", eq + 1);
      break;
    default:
      snprintf(e->error, sizeof(e->error), "%s", eq + 1);
      break;
    }
  }
  if (!(e->have & 1u))
    return "no rc";
  if (strcmp(e->rc, "OK") == 0 || strcmp(e->rc, "EPHONE") == 0) {
    if ((e->have & 0x3eu) != 0x3eu)
      return "rc OK/EPHONE needs session, service, network, msisdn "
             "and inputs";
  } else if (e->have & 0x3eu) {
    return "a failure with step fields";
  }
  return NULL;
}

/* Appends one line to the report (grows it). */
static void report_add(char **report, size_t *len, const char *name, const char *what,
                       const char *got, const char *want)
{
  char line[1024];
  int n =
      snprintf(line, sizeof(line), "\n  %s: %s: got \"%s\", want \"%s\"", name, what, got, want);
  char *grown = realloc(*report, *len + (size_t)n + 1);

  ck_assert_ptr_nonnull(grown);
  memcpy(grown + *len, line, (size_t)n + 1);
  *report = grown;
  *len += (size_t)n;
}

/* Runs one fixture; returns the number of mismatches it added to the report. */
static int fixture_run(const char *dir, const char *name, char **report, size_t *rlen)
{
  char path[4096], err[256] = "";
  size_t blen = 0, elen = 0;
  char *body, *etext;
  struct expect e;
  struct fixture_got got;
  const char *problem;
  int rc, bad = 0;

  snprintf(path, sizeof(path), "%s/%s.http", dir, name);
  body = slurp(path, &blen);
  snprintf(path, sizeof(path), "%s/%s.expect", dir, name);
  etext = slurp(path, &elen);
  if (!body || !etext) {
    report_add(report, rlen, name, "files", body ? "no .expect" : "no .http", "both");
    free(body);
    free(etext);
    return 1;
  }
  problem = expect_parse(etext, &e);
  if (problem) {
    report_add(report, rlen, name, ".expect", problem, "valid");
    free(body);
    free(etext);
    return 1;
  }

  rc = fixture_parse(body, blen, &got, err, sizeof(err));
  if (strcmp(ag_errname(rc), e.rc) != 0) {
    char shown[512];
    snprintf(shown, sizeof(shown), "%s (%s)", ag_errname(rc), err);
    report_add(report, rlen, name, "rc", shown, e.rc);
    bad++;
  } else if (rc == AG_OK || rc == AG_EPHONE) {
#define FIELD(label, have, want)                                                                   \
  if (strcmp((have), (want)) != 0) {                                                               \
    report_add(report, rlen, name, label, (have), (want));                                         \
    bad++;                                                                                         \
  }
    FIELD("session", got.session, e.session);
    FIELD("service", got.service, e.service);
    FIELD("network", got.network, e.network);
    FIELD("msisdn", got.msisdn, e.msisdn);
    FIELD("inputs", got.inputs, e.inputs);
#undef FIELD
  }
  if ((e.have & (1u << 6)) && strstr(err, e.error) == NULL) {
    report_add(report, rlen, name, "error", err, e.error);
    bad++;
  }
  free(body);
  free(etext);
  return bad;
}

static int cmp_names(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

START_TEST(test_dialect_golden_fixtures)
{
  const char *dir = fx_dir;
  DIR *d = opendir(dir);
  struct dirent *de;
  char **names = NULL;
  size_t n = 0, rlen = 0;
  char *report = NULL;
  int failed = 0;

  ck_assert_msg(d != NULL, "cannot open %s", dir);
  /* Every case is named by its .http or its .expect, so that an orphan of either is reported. */
  while ((de = readdir(d)) != NULL) {
    const char *dot = strrchr(de->d_name, '.');
    size_t stem;
    int seen = 0;

    if (de->d_name[0] == '.' || !dot)
      continue;
    if (strcmp(dot, ".http") != 0 && strcmp(dot, ".expect") != 0)
      continue;
    stem = (size_t)(dot - de->d_name);
    for (size_t i = 0; i < n && !seen; i++)
      seen = strlen(names[i]) == stem && strncmp(names[i], de->d_name, stem) == 0;
    if (seen)
      continue;
    names = realloc(names, (n + 1) * sizeof(*names));
    ck_assert_ptr_nonnull(names);
    names[n] = strndup(de->d_name, stem);
    ck_assert_ptr_nonnull(names[n]);
    n++;
  }
  closedir(d);
  qsort(names, n, sizeof(*names), cmp_names);

  for (size_t i = 0; i < n; i++) {
    int bad = fixture_run(dir, names[i], &report, &rlen);
    failed += bad > 0;
  }
  ck_assert_msg(n >= fx_min, "only %zu fixtures in %s, want at least %zu", n, dir, fx_min);
  ck_assert_msg(failed == 0, "%d of %zu fixtures in %s do not match:%s", failed, n, dir,
                report ? report : "");
  for (size_t i = 0; i < n; i++)
    free(names[i]);
  free(names);
  free(report);
}
END_TEST

static Suite *dialect_fixtures_suite(void)
{
  static char name[64];
  Suite *s;
  TCase *tc = tcase_create("fixtures");

  snprintf(name, sizeof(name), "dialect_%s", fx_dialect);
  s = suite_create(name);
  tcase_add_test(tc, test_dialect_golden_fixtures);
  suite_add_tcase(s, tc);
  return s;
}

int main(int argc, char **argv)
{
  static const ag_check_suite_fn suites[] = {dialect_fixtures_suite, NULL};
  char *end;

  if (argc < 3 || argc > 4) {
    fprintf(stderr, "usage: %s DIALECT FOLDER [MIN_CASES]\n", argv[0]);
    return 2;
  }
  fx_dialect = argv[1];
  fx_dir = argv[2];
  if (argc == 4) {
    fx_min = strtoul(argv[3], &end, 10);
    if (*end != '\0' || end == argv[3]) {
      fprintf(stderr, "%s: MIN_CASES '%s' is not a number\n", argv[0], argv[3]);
      return 2;
    }
  }
  return ag_check_run(suites);
}
