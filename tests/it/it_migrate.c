/* it_migrate.c: `aulgate migrate` against a throw-away database of the private cluster. */
#include "tests/it/it_harness.h"
#include "tests/support/ag_check.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static struct it_tmpdb tmp; /* the throw-away database of the running test */
static PGconn *admin, *db;

static void write_migration(const char *name, const char *sql)
{
  ck_assert_int_eq(it_tmpdb_write(&tmp, name, sql), 0);
}

/* Runs `aulgate migrate -d <tmp.dir>` with AULGATE_DB pointing at the test database; returns the
 * exit status and the output in out. */
static int migrate(char *out, size_t outlen)
{
  char cmd[1024];
  FILE *p;
  size_t n;
  int status;

  snprintf(cmd, sizeof(cmd), "AULGATE_DB='%s' '%s' migrate -c /dev/null -d '%s' 2>&1", tmp.conninfo,
           AULGATE_BIN, tmp.dir);
  p = popen(cmd, "r");
  ck_assert_ptr_nonnull(p);
  n = fread(out, 1, outlen - 1, p);
  out[n] = '\0';
  status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static long count(const char *sql)
{
  return it_count(db, sql);
}

static void setup(void)
{
  char name[64];

  snprintf(name, sizeof(name), "aulgate_it_migrate_%d", (int)getpid());
  ck_assert_int_eq(it_tmpdb_create(&tmp, name), 0);
  db = tmp.db;
  admin = tmp.admin;
}

static void teardown(void)
{
  it_tmpdb_drop(&tmp);
}

START_TEST(test_migrate_applies_in_order_once)
{
  char out[4096];

  write_migration("0002_b.sql", "ALTER TABLE a ADD COLUMN y int;");
  write_migration("0001_a.sql", "CREATE TABLE a (x int);");
  write_migration("README.md", "not a migration");
  ck_assert_msg(migrate(out, sizeof(out)) == 0, "%s", out);
  ck_assert_int_eq(count("SELECT count(*) FROM schema_migrations"), 2);
  ck_assert_int_eq(count("SELECT count(*) FROM information_schema.columns WHERE table_name='a'"),
                   2);
  ck_assert_msg(migrate(out, sizeof(out)) == 0, "%s", out);
  ck_assert_ptr_nonnull(strstr(out, "0 applied now"));
}
END_TEST

START_TEST(test_migrate_failed_file_rolls_back)
{
  char out[4096];

  write_migration("0001_a.sql", "CREATE TABLE a (x int);");
  write_migration("0002_bad.sql", "CREATE TABLE b (x int); SELECT no_such_column FROM a;");
  ck_assert_int_eq(migrate(out, sizeof(out)), 1);
  ck_assert_ptr_nonnull(strstr(out, "0002_bad.sql"));
  ck_assert_int_eq(count("SELECT count(*) FROM schema_migrations"), 1);
  ck_assert_int_eq(count("SELECT count(*) FROM pg_tables WHERE tablename='b'"), 0);
  write_migration("0002_bad.sql", "CREATE TABLE b (x int);");
  ck_assert_msg(migrate(out, sizeof(out)) == 0, "%s", out);
  ck_assert_int_eq(count("SELECT count(*) FROM pg_tables WHERE tablename='b'"), 1);
}
END_TEST

START_TEST(test_migrate_refuses_changed_or_missing_file)
{
  char out[4096], path[256];

  write_migration("0001_a.sql", "CREATE TABLE a (x int);");
  write_migration("0002_b.sql", "CREATE TABLE b (x int);");
  ck_assert_msg(migrate(out, sizeof(out)) == 0, "%s", out);
  write_migration("0001_a.sql", "CREATE TABLE a (x bigint);");
  write_migration("0003_c.sql", "CREATE TABLE c (x int);");
  ck_assert_int_eq(migrate(out, sizeof(out)), 1);
  ck_assert_ptr_nonnull(strstr(out, "0001_a.sql has changed"));
  ck_assert_int_eq(count("SELECT count(*) FROM pg_tables WHERE tablename='c'"), 0);

  write_migration("0001_a.sql", "CREATE TABLE a (x int);");
  snprintf(path, sizeof(path), "%s/0002_b.sql", tmp.dir);
  ck_assert_int_eq(unlink(path), 0);
  ck_assert_int_eq(migrate(out, sizeof(out)), 1);
  ck_assert_ptr_nonnull(strstr(out, "0002_b.sql is applied but its file is missing"));
}
END_TEST

START_TEST(test_migrate_refuses_bad_names)
{
  char out[4096];

  write_migration("1_a.sql", "CREATE TABLE a (x int);");
  ck_assert_int_eq(migrate(out, sizeof(out)), 1);
  ck_assert_ptr_nonnull(strstr(out, "NNNN_lowercase_name.sql"));
}
END_TEST

static Suite *it_migrate_suite(void)
{
  Suite *s = suite_create("it_migrate");
  TCase *tc = tcase_create("migrate");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_migrate_applies_in_order_once);
  tcase_add_test(tc, test_migrate_failed_file_rolls_back);
  tcase_add_test(tc, test_migrate_refuses_changed_or_missing_file);
  tcase_add_test(tc, test_migrate_refuses_bad_names);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(it_migrate_suite)
