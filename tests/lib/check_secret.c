/* check_secret.c: the respondent secret (lib/ag_secret): its file's format and permissions, and
 * the keyed hash of numbers. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/ag.h"
#include "lib/ag_secret.h"
#include "tests/support/ag_check.h"

static char path[64];

/* Writes text to a fresh file of the given mode. */
static void secret_file(const char *text, mode_t mode)
{
  int fd;

  snprintf(path, sizeof(path), "/tmp/check-secret-XXXXXX");
  fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
  ck_assert_int_eq(chmod(path, mode), 0);
}

static const char hex64[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";

START_TEST(test_secret_private_file_loads)
{
  struct ag_secret s;
  char err[256];

  secret_file(hex64, 0600);
  ck_assert_int_eq(ag_secret_load(path, "respondent_secret_file", &s, err, sizeof(err)), AG_OK);
  ck_assert_uint_eq(s.len, 32);
  ck_assert_uint_eq(s.key[1], 0x11);
  unlink(path);
  secret_file(hex64, 0640); /* a group of its own (the service's) may read it */
  ck_assert_int_eq(ag_secret_load(path, "respondent_secret_file", &s, err, sizeof(err)), AG_OK);
  unlink(path);
}
END_TEST

/* A key every user may read re-identifies respondents for anyone: refused, saying how to fix. */
START_TEST(test_secret_world_readable_refused)
{
  static const mode_t modes[] = {0644, 0604, 0602, 0666};
  struct ag_secret s;
  char err[256];

  for (size_t i = 0; i < AG_ARRAY_LEN(modes); i++) {
    secret_file(hex64, modes[i]);
    ck_assert_int_eq(ag_secret_load(path, "respondent_secret_file", &s, err, sizeof(err)),
                     AG_ECONFIG);
    ck_assert_ptr_nonnull(strstr(err, "is open to every user of the machine"));
    ck_assert_ptr_nonnull(strstr(err, "chmod o-rw"));
    ck_assert_uint_eq(s.len, 0);
    unlink(path);
  }
}
END_TEST

START_TEST(test_secret_format)
{
  struct ag_secret s;
  char err[256];

  secret_file("00112233", 0600); /* too short */
  ck_assert_int_eq(ag_secret_load(path, "respondent_secret_file", &s, err, sizeof(err)),
                   AG_ECONFIG);
  unlink(path);
  secret_file("zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", 0600);
  ck_assert_int_eq(ag_secret_load(path, "respondent_secret_file", &s, err, sizeof(err)),
                   AG_ECONFIG);
  unlink(path);
  ck_assert_int_eq(
      ag_secret_load("/nonexistent/secret", "respondent_secret_file", &s, err, sizeof(err)),
      AG_EIO);
}
END_TEST

START_TEST(test_secret_line)
{
  char line[64], err[256];

  secret_file("gw-user:s3cret pass\nignored\n", 0600);
  ck_assert_int_eq(
      ag_secret_load_line(path, "carrier.x.secret_file", line, sizeof(line), err, sizeof(err)),
      AG_OK);
  ck_assert_str_eq(line, "gw-user:s3cret pass");
  unlink(path);
  secret_file("\n", 0600);
  ck_assert_int_eq(
      ag_secret_load_line(path, "carrier.x.secret_file", line, sizeof(line), err, sizeof(err)),
      AG_ECONFIG);
  unlink(path);
  secret_file("user:pw\n", 0644);
  ck_assert_int_eq(
      ag_secret_load_line(path, "carrier.x.secret_file", line, sizeof(line), err, sizeof(err)),
      AG_ECONFIG);
  ck_assert_ptr_nonnull(strstr(err, "carrier.x.secret_file"));
  unlink(path);
}
END_TEST

static Suite *secret_suite(void)
{
  Suite *s = suite_create("secret");
  TCase *tc = tcase_create("file");

  tcase_add_test(tc, test_secret_private_file_loads);
  tcase_add_test(tc, test_secret_world_readable_refused);
  tcase_add_test(tc, test_secret_format);
  tcase_add_test(tc, test_secret_line);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(secret_suite)
