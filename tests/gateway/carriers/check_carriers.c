/* check_carriers.c: carriers resolved from configuration sections (gateway/carriers): the one
 * carrier `at` of a configuration without sections, inheritance of the server-wide keys, the
 * routes' paths, and the refusal of an unknown dialect. */
#include "gateway/carriers/gw_carrier.h"
#include "lib/ag.h"
#include "tests/support/ag_check.h"
#include "lib/ag_config.h"

#include <check.h>
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
  ck_assert_has(err, "section [carrier.kcell]: unknown dialect 'kcell' (known: at)");
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

static Suite *carriers_suite(void)
{
  Suite *s = suite_create("carriers");
  TCase *tc = tcase_create("load");

  tcase_add_test(tc, test_carriers_implicit_at);
  tcase_add_test(tc, test_carriers_sections);
  tcase_add_test(tc, test_carriers_unknown_dialect);
  tcase_add_test(tc, test_carriers_body_type);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(carriers_suite)
