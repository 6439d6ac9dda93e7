/* it_simulate.c: `aulgate simulate` end to end: 2,000 synthetic Aktobe parents (a fifth drop
 * and dial again, a tenth share a phone) take the survey through a real gateway on loopback,
 * each naming a school of the seeded schools table, and what PostgreSQL holds afterwards, split
 * by the school's settlement type, must give the published figures within one point, both read
 * back from `responses` (--db) and as an analyst reads them through GET /api/v1/results
 * (--results, with an analyst token of Aktobe).
 *
 * The results API gives the whole region's figures, so the run gets a database of its own
 * (migrated and seeded here): what the API gives is then the run's alone, and the tool's
 * before/after difference is the API's own figures (decision 79).
 *
 * The tool checks its own read-back (exit 0); this test checks the run independently: every
 * parent a respondent of its own, shared phones answering as two people, dropped sessions
 * resumed rather than started over (no question answered twice in one attempt). */
#include "tests/it/it_harness.h"
#include "tests/support/ag_check.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PARENTS 2000

static struct it_server srv;
static PGconn *db;
static struct it_tmpdb tmp; /* the run's own database */

/* `aulgate ARGS` on the run's database, from the repository (the seed files' default paths). */
static void tool(const char *args)
{
  char cmd[2048];

  snprintf(cmd, sizeof(cmd), "cd '%s' && AULGATE_DB='%s' '%s' %s -c /dev/null >&2",
           getenv("AULGATE_ROOT"), tmp.conninfo, AULGATE_BIN, args);
  ck_assert_msg(system(cmd) == 0, "%s failed", cmd);
}

static void setup(void)
{
  char name[64];

  snprintf(name, sizeof(name), "aulgate_it_sim_%d", (int)getpid());
  ck_assert_int_eq(it_tmpdb_create(&tmp, name), 0);
  tool("migrate -d sql/migrations");
  tool("seed");
  /* This test's process (a child of the runner) and the gateway it starts use that database. */
  ck_assert_int_eq(setenv("AULGATE_DB", tmp.conninfo, 1), 0);
  it_up(&srv, &db, NULL);
}

static void teardown(void)
{
  it_down(&srv, db);
  it_tmpdb_drop(&tmp);
}

START_TEST(test_simulated_parents_give_the_published_figures)
{
  const char *conninfo = getenv("AULGATE_DB"), *root = getenv("AULGATE_ROOT");
  char prefix[32], cmd[2048], line[512], sql[1024], token[64];
  size_t oks = 0, api_oks = 0;
  FILE *out;
  int st;

  ck_assert_msg(conninfo && root, "AULGATE_DB and AULGATE_ROOT must be set (scripts/test.sh)");
  it_token_create(AULGATE_BIN, "--role analyst --region aktobe --name it-simulate -c /dev/null",
                  token);
  it_wait_token(&srv, token);
  snprintf(prefix, sizeof(prefix), "itsim%lx%x", (long)time(NULL), (unsigned)getpid());
  snprintf(cmd, sizeof(cmd),
           "AULGATE_TOKEN=%s '%s' simulate -u http://127.0.0.1:%d/ussd/at -C '%s/content' -n %d "
           "-c 24 -d 20 -s 10 -p %s --schools '%s/sql/seed/schools.json' --db '%s' "
           "--results http://127.0.0.1:%d 2>&1",
           token, AULGATE_BIN, srv.port, root, PARENTS, prefix, root, conninfo, srv.port);
  out = popen(cmd, "r");
  ck_assert_ptr_nonnull(out);
  while (fgets(line, sizeof(line), out)) {
    fputs(line, stdout);
    oks += strncmp(line, "stored ", 7) == 0 && strstr(line, ": ok\n") != NULL;
    /* On a database of its own the API's figures are the run's: none held before. */
    api_oks += strncmp(line, "api ", 4) == 0 && strstr(line, ": ok\n") != NULL &&
               strstr(line, "held others") == NULL;
  }
  st = pclose(out);
  ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "aulgate simulate failed (status %d)", st);
  ck_assert_uint_eq(oks, 6);     /* L1, L2, T1 x urban, rural */
  ck_assert_uint_eq(api_oks, 6); /* the same through the results API */

  /* Every parent is one respondent (hash + relation) who answered L1, once per attempt. */
  snprintf(sql, sizeof(sql),
           "SELECT count(DISTINCT (respondent, relation)) FROM responses WHERE question_id = 'L1'"
           " AND starts_with(carrier_session_id, '%s-')",
           prefix);
  ck_assert_int_eq(it_count(db, sql), PARENTS);
  /* A session is one person's: the second parent of a shared phone dials sessions of its own. */
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM (SELECT 1 FROM responses WHERE"
           " starts_with(carrier_session_id, '%s-') GROUP BY carrier_session_id"
           " HAVING count(DISTINCT (respondent, relation)) > 1) x",
           prefix);
  ck_assert_int_eq(it_count(db, sql), 0);
  /* Shared phones: one number, two people. */
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM (SELECT respondent FROM responses WHERE question_id = 'L1'"
           " AND starts_with(carrier_session_id, '%s-') GROUP BY respondent"
           " HAVING count(DISTINCT relation) = 2) x",
           prefix);
  ck_assert_int_gt(it_count(db, sql), PARENTS / 40);
  /* Drops: more sessions than phones, and still no question answered twice by a respondent. */
  snprintf(sql, sizeof(sql),
           "SELECT count(DISTINCT carrier_session_id) - count(DISTINCT respondent) FROM responses"
           " WHERE starts_with(carrier_session_id, '%s-')",
           prefix);
  ck_assert_int_gt(it_count(db, sql), PARENTS / 20);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM (SELECT 1 FROM responses WHERE"
           " starts_with(carrier_session_id, '%s-') GROUP BY respondent, relation, question_id"
           " HAVING count(*) > 1) x",
           prefix);
  ck_assert_int_eq(it_count(db, sql), 0);
}
END_TEST

static Suite *simulate_suite(void)
{
  Suite *s = suite_create("simulate");
  TCase *tc = tcase_create("aktobe");

  tcase_set_timeout(tc, 280);
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_simulated_parents_give_the_published_figures);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(simulate_suite)
