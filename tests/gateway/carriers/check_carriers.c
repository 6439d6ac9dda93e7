/* check_carriers.c: carriers resolved from configuration sections (gateway/carriers): the one
 * carrier `at` of a configuration without sections, inheritance of the server-wide keys, the
 * routes' paths, and the refusal of an unknown dialect. */
#include "gateway/carriers/gw_carrier.h"
#include "lib/ag.h"
#include "tests/support/ag_check.h"
#include "lib/ag_config.h"

#include <check.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <string.h>

#define ck_assert_has(haystack, needle)                                                            \
  ck_assert_msg(strstr((haystack), (needle)) != NULL, "\"%s\" lacks \"%s\"", (haystack), (needle))

static void set(struct ag_config *cfg, const char *key, const char *value)
{
  char err[512];

  ck_assert_msg(ag_config_set(cfg, key, value, err, sizeof(err)) == AG_OK, "%s", err);
}

START_TEST(test_carriers_implicit_at)
{
  struct ag_config cfg;
  struct gw_carriers cs;
  char err[512];

  ck_assert_int_eq(ag_config_init(&cfg), AG_OK);
  set(&cfg, "carrier_allow_ips", "10.1.0.0/16");
  set(&cfg, "ussd_budget_ucs2", "70");
  ck_assert_msg(gw_carriers_load(&cfg, &cs, err, sizeof(err)) == AG_OK, "%s", err);
  ck_assert_uint_eq(cs.n, 1);
  ck_assert_str_eq(cs.v[0]->name, "at");
  ck_assert_str_eq(cs.v[0]->dialect->name, "at");
  ck_assert_str_eq(cs.v[0]->path, "/ussd/at");
  ck_assert_str_eq(cs.v[0]->end_path, "/ussd/at/end");
  ck_assert_uint_eq(cs.v[0]->allow.n, 1);
  ck_assert_uint_eq(cs.v[0]->allow.net[0].prefix, 16);
  ck_assert_int_eq(cs.v[0]->budget.ucs2, 70);
  ck_assert_int_eq(cs.v[0]->budget.gsm7, 175);
  ck_assert(gw_carrier_has(cs.v[0], GW_DIALECT_F_USSD));
  ck_assert(gw_carrier_has(cs.v[0], GW_DIALECT_F_USSD_END));
  ck_assert(!gw_carrier_has(cs.v[0], GW_DIALECT_F_SMS_IN));
  gw_carriers_cleanup(&cs);
  ag_config_cleanup(&cfg);
}
END_TEST

START_TEST(test_carriers_sections)
{
  struct ag_config cfg;
  struct gw_carriers cs;
  char err[512];

  ck_assert_int_eq(ag_config_init(&cfg), AG_OK);
  set(&cfg, "carrier.at.dialect", "at");
  set(&cfg, "carrier.beeline.dialect", "at");
  set(&cfg, "carrier.beeline.path", "/ussd/bee");
  set(&cfg, "carrier.beeline.allow_ips", "192.0.2.0/24,198.51.100.7");
  set(&cfg, "carrier.beeline.budget_ucs2", "60");
  ck_assert_msg(gw_carriers_load(&cfg, &cs, err, sizeof(err)) == AG_OK, "%s", err);
  ck_assert_uint_eq(cs.n, 2);
  ck_assert_str_eq(cs.v[0]->path, "/ussd/at");
  ck_assert_uint_eq(cs.v[0]->allow.n, 2); /* carrier_allow_ips: 127.0.0.1,::1 */
  ck_assert_int_eq(cs.v[0]->budget.ucs2, 75);
  ck_assert_str_eq(cs.v[1]->name, "beeline");
  ck_assert_str_eq(cs.v[1]->path, "/ussd/bee");
  ck_assert_str_eq(cs.v[1]->end_path, "/ussd/bee/end");
  ck_assert_uint_eq(cs.v[1]->allow.n, 2);
  ck_assert_uint_eq(cs.v[1]->allow.net[0].prefix, 24);
  ck_assert_int_eq(cs.v[1]->budget.ucs2, 60);
  ck_assert_int_eq(cs.v[1]->budget.gsm7, 175); /* not set: the server-wide one */
  gw_carriers_cleanup(&cs);
  ck_assert_uint_eq(cs.n, 0);
  ag_config_cleanup(&cfg);
}
END_TEST

START_TEST(test_carriers_unknown_dialect)
{
  struct ag_config cfg;
  struct gw_carriers cs;
  char err[512];

  ck_assert_int_eq(ag_config_init(&cfg), AG_OK);
  set(&cfg, "carrier.at.dialect", "at");
  set(&cfg, "carrier.kcell.dialect", "kcell");
  ck_assert_int_eq(gw_carriers_load(&cfg, &cs, err, sizeof(err)), AG_ECONFIG);
  ck_assert_has(err, "section [carrier.kcell]: unknown dialect 'kcell' (known: at, kannel)");
  ck_assert_uint_eq(cs.n, 0); /* the carrier loaded before it is freed again */
  ag_config_cleanup(&cfg);
}
END_TEST

/* A carrier reads only bodies of its dialect's media type: parameters and case aside. */
START_TEST(test_carriers_body_type)
{
  struct gw_carrier c = {.dialect = gw_dialect_find("at")};
  struct gw_dialect any;

  ck_assert_ptr_nonnull(c.dialect);
  any = *c.dialect;
  ck_assert(gw_carrier_body_type_ok(&c, "application/x-www-form-urlencoded"));
  ck_assert(gw_carrier_body_type_ok(&c, "Application/X-WWW-Form-Urlencoded; charset=UTF-8"));
  ck_assert(gw_carrier_body_type_ok(&c, " application/x-www-form-urlencoded ;charset=utf-8"));
  ck_assert(!gw_carrier_body_type_ok(&c, NULL));
  ck_assert(!gw_carrier_body_type_ok(&c, ""));
  ck_assert(!gw_carrier_body_type_ok(&c, "text/plain"));
  ck_assert(!gw_carrier_body_type_ok(&c, "application/json"));
  ck_assert(!gw_carrier_body_type_ok(&c, "application/x-www-form-urlencodedx"));
  ck_assert(!gw_carrier_body_type_ok(&c, "multipart/form-data; boundary=x"));
  any.body_type = NULL; /* a dialect that reads any body */
  c.dialect = &any;
  ck_assert(gw_carrier_body_type_ok(&c, "text/plain"));
  ck_assert(gw_carrier_body_type_ok(&c, NULL));
}
END_TEST

/* A secret file of the given mode; returns its name (static). */
static const char *secret(const char *text, mode_t mode)
{
  static char path[64];
  int fd;

  snprintf(path, sizeof(path), "/tmp/check-carrier-XXXXXX");
  fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
  ck_assert_int_eq(chmod(path, mode), 0);
  return path;
}

static const char key_hex[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

/* One carrier "sig" of the section keys given as key=value pairs; its load's rc and err. */
static int load_one(const char *const *kv, size_t n, struct gw_carriers *cs, char *err,
                    size_t errlen)
{
  struct ag_config cfg;
  char key[64];
  int rc;

  ck_assert_int_eq(ag_config_init(&cfg), AG_OK);
  set(&cfg, "carrier.sig.dialect", "at");
  for (size_t i = 0; i + 1 < n; i += 2) {
    snprintf(key, sizeof(key), "carrier.sig.%s", kv[i]);
    set(&cfg, key, kv[i + 1]);
  }
  rc = gw_carriers_load(&cfg, cs, err, errlen);
  ag_config_cleanup(&cfg);
  return rc;
}

/* The signature a carrier sends: hex HMAC-SHA256(key, "ts.body"). */
static void sign(const char *ts, const char *body, char out[65])
{
  unsigned char key[32], mac[32], msg[512];
  unsigned int len = sizeof(mac);
  int n = snprintf((char *)msg, sizeof(msg), "%s.%s", ts, body);

  for (int i = 0; i < 32; i++)
    key[i] = (unsigned char)i;
  HMAC(EVP_sha256(), key, sizeof(key), msg, (size_t)n, mac, &len);
  for (int i = 0; i < 32; i++)
    snprintf(out + 2 * i, 3, "%02x", mac[i]);
}

START_TEST(test_carriers_hmac)
{
  const char *kv[] = {"auth", "hmac", "secret_file", secret(key_hex, 0600), "auth_window_s", "60"};
  static const char body[] = "sessionId=s1&serviceCode=*1#&phoneNumber=%2B77011234567&text=";
  struct gw_carriers cs;
  const char *cause;
  char err[512], sig[65], bad[65];
  const struct gw_carrier *c;

  ck_assert_msg(load_one(kv, 6, &cs, err, sizeof(err)) == AG_OK, "%s", err);
  unlink(kv[3]);
  c = cs.v[0];
  ck_assert_str_eq(gw_carrier_auth_name(c), "hmac");
  sign("1700000000", body, sig);
  ck_assert_int_eq(
      gw_carrier_verify(c, NULL, NULL, "1700000000", sig, body, strlen(body), 1700000030, &cause),
      AG_OK);
  /* Another body, a changed signature, a stale or future timestamp, missing or bad headers. */
  ck_assert_int_eq(
      gw_carrier_verify(c, NULL, NULL, "1700000000", sig, "x=1", 3, 1700000030, &cause),
      AG_EDENIED);
  ck_assert_str_eq(cause, "bad signature");
  memcpy(bad, sig, sizeof(bad));
  bad[0] = bad[0] == 'a' ? 'b' : 'a';
  ck_assert_int_eq(
      gw_carrier_verify(c, NULL, NULL, "1700000000", bad, body, strlen(body), 1700000030, &cause),
      AG_EDENIED);
  ck_assert_int_eq(
      gw_carrier_verify(c, NULL, NULL, "1700000000", sig, body, strlen(body), 1700000061, &cause),
      AG_EDENIED);
  ck_assert_has(cause, "outside the accepted window");
  ck_assert_int_eq(
      gw_carrier_verify(c, NULL, NULL, "1700000000", sig, body, strlen(body), 1699999939, &cause),
      AG_EDENIED);
  ck_assert_int_eq(
      gw_carrier_verify(c, NULL, NULL, NULL, sig, body, strlen(body), 1700000000, &cause),
      AG_EDENIED);
  ck_assert_has(cause, "no signature");
  ck_assert_int_eq(
      gw_carrier_verify(c, NULL, NULL, "17e8", sig, body, strlen(body), 1700000000, &cause),
      AG_EDENIED);
  ck_assert_int_eq(
      gw_carrier_verify(c, NULL, NULL, "1700000000", "zz", body, strlen(body), 1700000000, &cause),
      AG_EDENIED);
  ck_assert_has(cause, "64 hex");
  gw_carriers_cleanup(&cs);
}
END_TEST

START_TEST(test_carriers_basic)
{
  const char *kv[] = {"auth", "basic", "secret_file", secret("gw:pa ss\n", 0600)};
  struct gw_carriers cs;
  const char *cause;
  char err[512];

  ck_assert_msg(load_one(kv, 4, &cs, err, sizeof(err)) == AG_OK, "%s", err);
  unlink(kv[3]);
  /* base64("gw:pa ss") */
  ck_assert_int_eq(
      gw_carrier_verify(cs.v[0], NULL, "Basic Z3c6cGEgc3M=", NULL, NULL, "", 0, 0, &cause), AG_OK);
  ck_assert_int_eq(
      gw_carrier_verify(cs.v[0], NULL, "Basic Z3c6cGEgc3N=", NULL, NULL, "", 0, 0, &cause),
      AG_EDENIED);
  ck_assert_str_eq(cause, "bad credentials");
  ck_assert_int_eq(gw_carrier_verify(cs.v[0], NULL, NULL, NULL, NULL, "", 0, 0, &cause),
                   AG_EDENIED);
  ck_assert_has(cause, "no credentials");
  gw_carriers_cleanup(&cs);
}
END_TEST

/* A secret path segment: only path/SECRET and path/SECRET/end pass; the secret must be long and
 * URL-safe. */
START_TEST(test_carriers_path_secret)
{
  static const char sec[] = "Zq3_vT9-kL2mN8pR4sW6xY1aB5cD7eF0";
  const char *kv[] = {"auth", "path", "secret_file", NULL};
  struct gw_carriers cs;
  const char *cause;
  char err[512], p[256];
  const struct gw_carrier *c;

  kv[3] = secret("Zq3_vT9-kL2mN8pR4sW6xY1aB5cD7eF0\n", 0600);
  ck_assert_msg(load_one(kv, 4, &cs, err, sizeof(err)) == AG_OK, "%s", err);
  unlink(kv[3]);
  c = cs.v[0];
  ck_assert_str_eq(gw_carrier_auth_name(c), "path");
  snprintf(p, sizeof(p), "/ussd/sig/%s", sec);
  ck_assert_int_eq(gw_carrier_verify(c, p, NULL, NULL, NULL, "", 0, 0, &cause), AG_OK);
  snprintf(p, sizeof(p), "/ussd/sig/%s/end", sec);
  ck_assert_int_eq(gw_carrier_verify(c, p, NULL, NULL, NULL, "", 0, 0, &cause), AG_OK);
  /* A wrong last character, a prefix of the secret, the bare path, anything after it. */
  const char *bad[] = {"/ussd/sig/Zq3_vT9-kL2mN8pR4sW6xY1aB5cD7eF1",
                       "/ussd/sig/Zq3_vT9-kL2mN8pR4sW6xY1aB5cD7eF",
                       "/ussd/sig",
                       "/ussd/sig/",
                       "/ussd/sig/Zq3_vT9-kL2mN8pR4sW6xY1aB5cD7eF0/x",
                       "/ussd/sig/Zq3_vT9-kL2mN8pR4sW6xY1aB5cD7eF0x",
                       "/ussd/sigZq3_vT9-kL2mN8pR4sW6xY1aB5cD7eF0",
                       NULL};
  for (size_t i = 0; i < AG_ARRAY_LEN(bad); i++) {
    ck_assert_msg(gw_carrier_verify(c, bad[i], NULL, NULL, NULL, "", 0, 0, &cause) == AG_EDENIED,
                  "%s passed", bad[i] ? bad[i] : "(null)");
    ck_assert_str_eq(cause, "missing or wrong secret path segment");
  }
  gw_carriers_cleanup(&cs);
  /* Too short to be unguessable, or not URL-safe: refused at load. */
  kv[3] = secret("short-secret\n", 0600);
  ck_assert_int_eq(load_one(kv, 4, &cs, err, sizeof(err)), AG_ECONFIG);
  ck_assert_has(err, "32 to 128 characters");
  unlink(kv[3]);
  kv[3] = secret("Zq3/vT9-kL2mN8pR4sW6xY1aB5cD7eF0aa\n", 0600);
  ck_assert_int_eq(load_one(kv, 4, &cs, err, sizeof(err)), AG_ECONFIG);
  unlink(kv[3]);
}
END_TEST

START_TEST(test_carriers_auth_refused_settings)
{
  struct gw_carriers cs;
  char err[512];
  const char *open_kv[] = {"auth", "hmac", "secret_file", secret(key_hex, 0644)};
  const char *none_kv[] = {"auth", "hmac"};
  const char *word_kv[] = {"auth", "token"};
  const char *file_kv[] = {"secret_file", "/etc/hostname"};
  const char *short_kv[] = {"auth", "hmac", "secret_file", NULL};

  ck_assert_int_eq(load_one(open_kv, 4, &cs, err, sizeof(err)), AG_ECONFIG);
  ck_assert_has(err, "carrier.sig.secret_file");
  ck_assert_has(err, "open to every user");
  unlink(open_kv[3]);
  ck_assert_int_eq(load_one(none_kv, 2, &cs, err, sizeof(err)), AG_ECONFIG);
  ck_assert_has(err, "auth = hmac needs secret_file");
  ck_assert_int_eq(load_one(word_kv, 2, &cs, err, sizeof(err)), AG_ECONFIG);
  ck_assert_has(err, "auth 'token' is not none, hmac, basic or path");
  ck_assert_int_eq(load_one(file_kv, 2, &cs, err, sizeof(err)), AG_ECONFIG);
  ck_assert_has(err, "secret_file is set but auth is none");
  short_kv[3] = secret("0011", 0600);
  ck_assert_int_eq(load_one(short_kv, 4, &cs, err, sizeof(err)), AG_ECONFIG);
  ck_assert_has(err, "hex-encoded bytes");
  unlink(short_kv[3]);
  ck_assert_uint_eq(cs.n, 0);
}
END_TEST

static Suite *carriers_suite(void)
{
  Suite *s = suite_create("carriers");
  TCase *tc = tcase_create("load");

  tcase_add_test(tc, test_carriers_implicit_at);
  tcase_add_test(tc, test_carriers_sections);
  tcase_add_test(tc, test_carriers_unknown_dialect);
  tcase_add_test(tc, test_carriers_body_type);
  tcase_add_test(tc, test_carriers_hmac);
  tcase_add_test(tc, test_carriers_basic);
  tcase_add_test(tc, test_carriers_path_secret);
  tcase_add_test(tc, test_carriers_auth_refused_settings);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(carriers_suite)
