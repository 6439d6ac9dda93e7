/* it_carriers.c: two carriers configured as [carrier.NAME] sections on one gateway, each on its
 * own path: the one with the smaller screen budget gets shorter pages of the same screen, and
 * the answers given through it are stored under its own name. */
#include "tests/it/it_harness.h"
#include "tests/support/ag_check.h"

#include <check.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static struct it_server srv;
static PGconn *db;

#define SMALL_GSM7 80

static const char conf[] = "[carrier.at]\n"
                           "dialect = at\n"
                           "[carrier.small]\n"
                           "dialect = at\n"
                           "path = /ussd/small\n"
                           "budget_ucs2 = 70\n"
                           "budget_gsm7 = 80\n";

static void setup(void)
{
  it_up(&srv, &db, conf);
}

static void stop(void)
{
  it_down(&srv, db);
}

/* English, the survey, start (version 4's opening screen), mother: the region list, a long screen
 * in GSM-7. */
static const char *const to_regions[] = {"", "3", "3*1", "3*1*1", "3*1*1*1"};

/* Plays to_regions on path as a new caller (phone, OUT); the last screen is in r. */
static void play_to_regions(const char *path, const char *session, char phone[16],
                            struct it_resp *r)
{
  it_fresh_phone(phone);
  for (size_t i = 0; i < sizeof(to_regions) / sizeof(to_regions[0]); i++) {
    ck_assert_int_eq(it_hop_path(&srv, path, session, phone, to_regions[i], r), 0);
    ck_assert_int_eq(r->status, 200);
    ck_assert_msg(strncmp(r->body, "CON ", 4) == 0, "%s: hop %zu: %s", path, i, r->body);
  }
}

static long rows_of(const char *carrier, const char *session)
{
  char sql[512];

  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM responses WHERE carrier = '%s' AND carrier_session_id = '%s'",
           carrier, session);
  return it_count(db, sql);
}

START_TEST(test_it_two_carriers_two_budgets)
{
  char s_at[96], s_small[96], at_phone[16], small_phone[16];
  struct it_resp at, small;

  it_session_id(s_at, sizeof(s_at), "two-at");
  it_session_id(s_small, sizeof(s_small), "two-small");
  play_to_regions("/ussd/at", s_at, at_phone, &at);
  play_to_regions("/ussd/small", s_small, small_phone, &small);
  /* The same screen: within its budget on each carrier, and shorter on the smaller one. */
  ck_assert_msg(strlen(at.body + 4) > SMALL_GSM7, "the default page fits the small budget: %s",
                at.body);
  ck_assert_msg(strlen(small.body + 4) <= SMALL_GSM7, "over the small budget: %s", small.body);
  ck_assert_msg(strncmp(at.body, small.body, 12) == 0, "not the same screen: %s / %s", at.body,
                small.body);
  /* The first region on each: an answer to store. */
  ck_assert_int_eq(it_hop_path(&srv, "/ussd/at", s_at, at_phone, "3*1*1*1*1", &at), 0);
  ck_assert_int_eq(it_hop_path(&srv, "/ussd/small", s_small, small_phone, "3*1*1*1*1", &small), 0);
  ck_assert_msg(strncmp(at.body, "CON ", 4) == 0 && strncmp(small.body, "CON ", 4) == 0, "%s / %s",
                at.body, small.body);
  /* Each carrier's answers under its own name, and none under the other's. */
  ck_assert_int_gt(rows_of("small", s_small), 0);
  ck_assert_int_eq(rows_of("at", s_small), 0);
  ck_assert_int_gt(rows_of("at", s_at), 0);
  ck_assert_int_eq(rows_of("small", s_at), 0);
}
END_TEST

/* Each carrier has its end notice at PATH/end; a path no carrier has is 404. */
START_TEST(test_it_two_carriers_routes)
{
  struct it_resp r;

  ck_assert_int_eq(it_post(&srv, "/ussd/small/end", "application/x-www-form-urlencoded",
                           "sessionId=gone", 14, &r),
                   0);
  ck_assert_int_eq(r.status, 200);
  ck_assert_int_eq(
      it_post(&srv, "/ussd/at/end", "application/x-www-form-urlencoded", "sessionId=gone", 14, &r),
      0);
  ck_assert_int_eq(r.status, 200);
  ck_assert_int_eq(it_post(&srv, "/ussd/other", "application/x-www-form-urlencoded", "x=1", 3, &r),
                   0);
  ck_assert_int_eq(r.status, 404);
  ck_assert_int_eq(it_get(&srv, "/ussd/small", &r), 0);
  ck_assert_int_eq(r.status, 405);
}
END_TEST

/* Writes text to a fresh private file; returns its name in path. */
static void private_file(char path[64], const char *text)
{
  int fd;

  snprintf(path, 64, "/tmp/it-carrier-XXXXXX");
  fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
  ck_assert_int_eq(chmod(path, 0600), 0);
}

/* The headers a signing carrier sends with body at ts (key: bytes 0..31). */
static void signed_headers(long long ts, const char *body, char th[64], char sh[128])
{
  unsigned char key[32], mac[32], msg[1024];
  unsigned int len = sizeof(mac);
  int n = snprintf((char *)msg, sizeof(msg), "%lld.%s", ts, body);
  char hex[65];

  for (int i = 0; i < 32; i++)
    key[i] = (unsigned char)i;
  HMAC(EVP_sha256(), key, sizeof(key), msg, (size_t)n, mac, &len);
  for (int i = 0; i < 32; i++)
    snprintf(hex + 2 * i, 3, "%02x", mac[i]);
  snprintf(th, 64, "X-Aulgate-Timestamp: %lld", ts);
  snprintf(sh, 128, "X-Aulgate-Signature: %s", hex);
}

/* A carrier that signs its callbacks and one that uses basic authentication, end to end: a hop
 * without proof, with a bad or stale one, gets 401 and starts nothing; with it, the screen. */
START_TEST(test_it_carrier_auth)
{
  static const char key_hex[] =
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";
  struct it_server gw;
  struct it_resp r;
  char key_file[64], basic_file[64], cfg[512], body[256], th[64], sh[128], phone[16];
  long long now = (long long)time(NULL);

  private_file(key_file, key_hex);
  private_file(basic_file, "carrier:open sesame\n");
  snprintf(cfg, sizeof(cfg),
           "[carrier.signed]\ndialect = at\nauth = hmac\nsecret_file = %s\n"
           "[carrier.basic]\ndialect = at\nauth = basic\nsecret_file = %s\n",
           key_file, basic_file);
  ck_assert_int_eq(it_server_start(&gw, cfg), 0);
  ck_assert_int_eq(it_wait_health(&gw, 200, 10000), 0);
  it_fresh_phone(phone);
  snprintf(body, sizeof(body),
           "sessionId=auth-%lld&serviceCode=%%2A1234%%23&phoneNumber=%%2B%s&text=", now, phone + 1);

  ck_assert_int_eq(it_post_headers(&gw, "/ussd/signed", NULL, body, strlen(body), &r), 0);
  ck_assert_int_eq(r.status, 401);
  ck_assert_ptr_nonnull(strstr(r.body, "no signature"));
  signed_headers(now - 1000, body, th, sh);
  ck_assert_int_eq(it_post_headers(&gw, "/ussd/signed", (const char *const[]){th, sh, NULL}, body,
                                   strlen(body), &r),
                   0);
  ck_assert_int_eq(r.status, 401);
  ck_assert_ptr_nonnull(strstr(r.body, "outside the accepted window"));
  signed_headers(now, "sessionId=other", th, sh); /* a signature of another body */
  ck_assert_int_eq(it_post_headers(&gw, "/ussd/signed", (const char *const[]){th, sh, NULL}, body,
                                   strlen(body), &r),
                   0);
  ck_assert_int_eq(r.status, 401);
  ck_assert_ptr_nonnull(strstr(r.body, "bad signature"));
  signed_headers(now, body, th, sh);
  ck_assert_int_eq(it_post_headers(&gw, "/ussd/signed", (const char *const[]){th, sh, NULL}, body,
                                   strlen(body), &r),
                   0);
  ck_assert_int_eq(r.status, 200);
  ck_assert_msg(strncmp(r.body, "CON ", 4) == 0, "%s", r.body);
  /* The end notice is signed too. */
  ck_assert_int_eq(it_post_headers(&gw, "/ussd/signed/end", NULL, "sessionId=x", 11, &r), 0);
  ck_assert_int_eq(r.status, 401);

  /* base64("carrier:open sesame") */
  ck_assert_int_eq(it_post_headers(&gw, "/ussd/basic",
                                   (const char *const[]){"Authorization: Basic bm90OnRoaXM=", NULL},
                                   body, strlen(body), &r),
                   0);
  ck_assert_int_eq(r.status, 401);
  ck_assert_ptr_nonnull(strstr(r.body, "bad credentials"));
  ck_assert_int_eq(it_post_headers(&gw, "/ussd/basic",
                                   (const char *const[]){
                                       "Authorization: Basic Y2FycmllcjpvcGVuIHNlc2FtZQ==", NULL},
                                   body, strlen(body), &r),
                   0);
  ck_assert_int_eq(r.status, 200);
  ck_assert_msg(strncmp(r.body, "CON ", 4) == 0, "%s", r.body);
  ck_assert_int_eq(it_server_stop(&gw), 0);
  unlink(key_file);
  unlink(basic_file);
}
END_TEST

/* 1 when the file at path contains needle. */
static int file_has(const char *path, const char *needle)
{
  static char text[1 << 20];
  FILE *f = fopen(path, "r");
  size_t n;

  ck_assert_ptr_nonnull(f);
  n = fread(text, 1, sizeof(text) - 1, f);
  fclose(f);
  text[n] = '\0';
  return strstr(text, needle) != NULL;
}

/* A carrier that can only be given a URL: its hops and end notices go to path/SECRET; any other
 * path under it gets 401 and starts nothing, and the secret never reaches the log. */
START_TEST(test_it_carrier_secret_path)
{
  static const char sec[] = "h7Kq2_Vb9-Xr4Tn8Lm3Wd6Zs1Pc5Fg0Y";
  struct it_server gw;
  struct it_resp r;
  char file[64], cfg[256], body[256], path[128], phone[16];
  long long now = (long long)time(NULL);

  private_file(file, "h7Kq2_Vb9-Xr4Tn8Lm3Wd6Zs1Pc5Fg0Y\n");
  snprintf(cfg, sizeof(cfg), "[carrier.plain]\ndialect = at\nauth = path\nsecret_file = %s\n",
           file);
  ck_assert_int_eq(it_server_start(&gw, cfg), 0);
  ck_assert_int_eq(it_wait_health(&gw, 200, 10000), 0);
  it_fresh_phone(phone);
  snprintf(body, sizeof(body),
           "sessionId=path-%lld&serviceCode=%%2A1234%%23&phoneNumber=%%2B%s&text=", now, phone + 1);
  const char *refused[] = {"/ussd/plain", "/ussd/plain/h7Kq2_Vb9-Xr4Tn8Lm3Wd6Zs1Pc5Fg0X",
                           "/ussd/plain/h7Kq2_Vb9-Xr4Tn8Lm3Wd6Zs1Pc5Fg0Y/more"};
  for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
    ck_assert_int_eq(it_post_headers(&gw, refused[i], NULL, body, strlen(body), &r), 0);
    ck_assert_msg(r.status == 401, "%s: %ld", refused[i], r.status);
    ck_assert_ptr_nonnull(strstr(r.body, "secret path segment"));
  }
  snprintf(path, sizeof(path), "/ussd/plain/%s", sec);
  ck_assert_int_eq(it_post_headers(&gw, path, NULL, body, strlen(body), &r), 0);
  ck_assert_int_eq(r.status, 200);
  ck_assert_msg(strncmp(r.body, "CON ", 4) == 0, "%s", r.body);
  snprintf(body, sizeof(body), "sessionId=path-%lld&status=Success", now);
  snprintf(path, sizeof(path), "/ussd/plain/%s/end", sec);
  ck_assert_int_eq(it_post_headers(&gw, path, NULL, body, strlen(body), &r), 0);
  ck_assert_int_eq(r.status, 200);
  ck_assert_int_eq(it_server_stop(&gw), 0);
  ck_assert_msg(!file_has(gw.log, "Fg0"), "a piece of the secret is in %s", gw.log);
  unlink(file);
}
END_TEST

static Suite *carriers_suite(void)
{
  Suite *s = suite_create("it_carriers");
  TCase *tc = tcase_create("carriers");

  tcase_add_unchecked_fixture(tc, setup, stop);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_it_two_carriers_two_budgets);
  tcase_add_test(tc, test_it_two_carriers_routes);
  suite_add_tcase(s, tc);
  tc = tcase_create("auth");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_it_carrier_auth);
  tcase_add_test(tc, test_it_carrier_secret_path);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(carriers_suite)
