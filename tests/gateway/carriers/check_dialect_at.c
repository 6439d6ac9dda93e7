/* check_dialect_at.c: unit tests of the Africa's Talking USSD dialect (`at`), always reached
 * through the registry as the HTTP core does: parsing of the callback form (inputs, required
 * fields, limits, phone numbers) and the exact bytes of the CON/END reply. Its golden fixtures,
 * tests/data/dialects/at, are replayed by the generic runner (dialect_fixtures.c).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/carriers/gw_carrier.h"
#include "lib/ag.h"
#include "tests/support/ag_check.h"

#define BASE_SESSION "sessionId=ATUid_1b2c"
#define BASE_SERVICE "serviceCode=%2A384%2A123%23"
#define BASE_PHONE   "phoneNumber=%2B77011234567"
#define BASE_NETWORK "networkCode=40101"

/* A carrier of the `at` dialect, as a configuration without sections makes. */
static const struct gw_carrier *at(void)
{
  static struct gw_carrier c = {.name = "at"};

  c.dialect = gw_dialect_find("at");
  ck_assert_ptr_nonnull(c.dialect);
  return &c;
}

/* Parses a NUL-free body through the registry's `at` dialect. */
static int parse(const char *body, struct gw_ussd_step *step, char *err, size_t errlen)
{
  err[0] = '\0';
  return gw_carrier_ussd_step(at(), body, strlen(body), step, err, errlen);
}

/* A full callback with text as given (already urlencoded). */
static void body_with_text(char *buf, size_t len, const char *text)
{
  int n = snprintf(buf, len, "%s&text=%s",
                   BASE_SESSION "&" BASE_SERVICE "&" BASE_PHONE "&" BASE_NETWORK, text);
  ck_assert_int_lt(n, (int)len);
}

#define ck_assert_has(haystack, needle)                                                            \
  ck_assert_msg(strstr((haystack), (needle)) != NULL, "\"%s\" lacks \"%s\"", (haystack), (needle))

/* --- parse --- */

START_TEST(test_dialect_at_registry)
{
  const struct gw_dialect *d = gw_dialect_find("at");

  ck_assert_ptr_nonnull(d);
  ck_assert_str_eq(d->name, "at");
  ck_assert_uint_ge(d->version, 1);
  ck_assert_ptr_nonnull(d->ussd_step);
  ck_assert_ptr_nonnull(d->ussd_render);
  ck_assert_ptr_nonnull(d->ussd_end);
  ck_assert_uint_eq(d->flags, GW_DIALECT_F_USSD | GW_DIALECT_F_USSD_END);
  ck_assert_uint_ge(d->carrier_size, sizeof(struct gw_carrier));
  ck_assert_ptr_null(d->sms_in); /* no flag, no op */
  ck_assert_ptr_null(d->dlr);
  ck_assert_ptr_null(d->send_request);
  ck_assert_ptr_null(d->send_response);
  ck_assert_ptr_null(gw_dialect_find("AT"));
  ck_assert_ptr_null(gw_dialect_find("at "));
  ck_assert_ptr_null(gw_dialect_find(""));
  ck_assert_ptr_null(gw_dialect_find(NULL));
}
END_TEST

START_TEST(test_dialect_at_first_hop)
{
  struct gw_ussd_step step;
  char body[512], err[160];

  body_with_text(body, sizeof(body), "");
  ck_assert_msg(parse(body, &step, err, sizeof(err)) == AG_OK, "%s", err);
  ck_assert_uint_eq(step.n_inputs, 0);
  ck_assert_str_eq(step.session_id, "ATUid_1b2c");
  ck_assert_str_eq(step.service_code, "*384*123#");
  ck_assert_str_eq(step.network_code, "40101");
  ck_assert_str_eq(step.raw_phone, "+77011234567");
  ck_assert_str_eq(step.msisdn, "+77011234567");
  gw_ussd_step_cleanup(&step);
  ck_assert_ptr_null(step.form.buf);
}
END_TEST

START_TEST(test_dialect_at_three_inputs)
{
  struct gw_ussd_step step;
  char body[512], err[160];

  body_with_text(body, sizeof(body), "1%2A2%2A3");
  ck_assert_msg(parse(body, &step, err, sizeof(err)) == AG_OK, "%s", err);
  ck_assert_uint_eq(step.n_inputs, 3);
  ck_assert_str_eq(step.inputs[0], "1");
  ck_assert_str_eq(step.inputs[1], "2");
  ck_assert_str_eq(step.inputs[2], "3");
  /* The inputs live in step.path, split in place. */
  ck_assert_ptr_eq(step.inputs[0], step.path);
  ck_assert_ptr_eq(step.inputs[2], step.path + 4);
  gw_ussd_step_cleanup(&step);
}
END_TEST

START_TEST(test_dialect_at_free_text_and_empty_inputs)
{
  struct gw_ussd_step step;
  char body[512], err[160];

  /* A raw '*' and '+' are legal in a form body: '+' is a space. */
  body_with_text(body, sizeof(body), "1*2*Aigerim+Bek");
  ck_assert_msg(parse(body, &step, err, sizeof(err)) == AG_OK, "%s", err);
  ck_assert_uint_eq(step.n_inputs, 3);
  ck_assert_str_eq(step.inputs[2], "Aigerim Bek");
  gw_ussd_step_cleanup(&step);

  /* An empty reply (the user pressed send with nothing) is an input of its own. */
  body_with_text(body, sizeof(body), "1**2*");
  ck_assert_msg(parse(body, &step, err, sizeof(err)) == AG_OK, "%s", err);
  ck_assert_uint_eq(step.n_inputs, 4);
  ck_assert_str_eq(step.inputs[0], "1");
  ck_assert_str_eq(step.inputs[1], "");
  ck_assert_str_eq(step.inputs[2], "2");
  ck_assert_str_eq(step.inputs[3], "");
  gw_ussd_step_cleanup(&step);
}
END_TEST

START_TEST(test_dialect_at_input_limit)
{
  struct gw_ussd_step step;
  char text[SESS_MAX_INPUTS * 4 + 8] = "", body[1024], err[160];

  for (int i = 0; i < SESS_MAX_INPUTS; i++)
    strcat(text, i ? "%2A1" : "1");
  body_with_text(body, sizeof(body), text);
  ck_assert_msg(parse(body, &step, err, sizeof(err)) == AG_OK, "%s", err);
  ck_assert_uint_eq(step.n_inputs, SESS_MAX_INPUTS);
  ck_assert_str_eq(step.inputs[SESS_MAX_INPUTS - 1], "1");
  gw_ussd_step_cleanup(&step);

  strcat(text, "%2A1");
  body_with_text(body, sizeof(body), text);
  ck_assert_int_eq(parse(body, &step, err, sizeof(err)), AG_E2BIG);
  ck_assert_has(err, "'text'");
  gw_ussd_step_cleanup(&step);
}
END_TEST

static const char *const required[] = {"sessionId", "serviceCode", "phoneNumber", "text"};

/* A full callback without the field required[skip]. */
static void body_without(char *buf, size_t len, const char *skip)
{
  static const char *const pairs[] = {BASE_SESSION, BASE_SERVICE, BASE_PHONE, BASE_NETWORK,
                                      "text=1"};

  buf[0] = '\0';
  for (size_t i = 0; i < AG_ARRAY_LEN(pairs); i++) {
    if (strncmp(pairs[i], skip, strlen(skip)) == 0 && pairs[i][strlen(skip)] == '=')
      continue;
    if (buf[0])
      strncat(buf, "&", len - strlen(buf) - 1);
    strncat(buf, pairs[i], len - strlen(buf) - 1);
  }
}

START_TEST(test_dialect_at_missing_field)
{
  struct gw_ussd_step step;
  char body[512], err[160], quoted[32];

  body_without(body, sizeof(body), required[_i]);
  ck_assert_ptr_null(strstr(body, required[_i]));
  ck_assert_msg(parse(body, &step, err, sizeof(err)) == AG_EBADREQ, "without %s: %s", required[_i],
                err);
  snprintf(quoted, sizeof(quoted), "'%s'", required[_i]);
  ck_assert_has(err, quoted);
  ck_assert_has(err, "missing");
  gw_ussd_step_cleanup(&step);
}
END_TEST

START_TEST(test_dialect_at_missing_network_code_allowed)
{
  struct gw_ussd_step step;
  char body[512], err[160];

  body_without(body, sizeof(body), "networkCode");
  ck_assert_msg(parse(body, &step, err, sizeof(err)) == AG_OK, "%s", err);
  ck_assert_str_eq(step.network_code, "");
  ck_assert_uint_eq(step.n_inputs, 1);
  gw_ussd_step_cleanup(&step);
}
END_TEST

START_TEST(test_dialect_at_empty_required_field)
{
  /* text is not here: an empty text is the first hop. */
  static const char *const bodies[][2] = {
      {"sessionId=&" BASE_SERVICE "&" BASE_PHONE "&text=", "sessionId"},
      {BASE_SESSION "&serviceCode=&" BASE_PHONE "&text=", "serviceCode"},
      {BASE_SESSION "&" BASE_SERVICE "&phoneNumber=&text=", "phoneNumber"},
      /* A key without '=' is a key with an empty value. */
      {"sessionId&" BASE_SERVICE "&" BASE_PHONE "&text=", "sessionId"},
  };
  struct gw_ussd_step step;
  char err[160];

  for (size_t i = 0; i < AG_ARRAY_LEN(bodies); i++) {
    ck_assert_msg(parse(bodies[i][0], &step, err, sizeof(err)) == AG_EBADREQ, "%s: %s",
                  bodies[i][0], err);
    ck_assert_has(err, bodies[i][1]);
    ck_assert_has(err, "empty");
    gw_ussd_step_cleanup(&step);
  }
  /* An empty networkCode is allowed, like a missing one. */
  ck_assert_int_eq(parse(BASE_SESSION "&" BASE_SERVICE "&" BASE_PHONE "&networkCode=&text=", &step,
                         err, sizeof(err)),
                   AG_OK);
  ck_assert_str_eq(step.network_code, "");
  gw_ussd_step_cleanup(&step);
}
END_TEST

static const char *const id_fields[] = {"sessionId", "serviceCode", "phoneNumber", "networkCode"};

/* A full callback where field id_fields[which] has a value of n bytes ('7's, so that a 10-digit
 * phone is still a phone). */
static char *body_with_long(const char *which, size_t n)
{
  char *value = malloc(n + 1), *body = malloc(n + 512);

  ck_assert_ptr_nonnull(value);
  ck_assert_ptr_nonnull(body);
  memset(value, '7', n);
  value[n] = '\0';
  if (strcmp(which, "serviceCode") == 0) { /* still a USSD code: '*', digits, '#' */
    value[0] = '*';
    value[n - 1] = '#';
  }
  snprintf(body, n + 512, "sessionId=%s&serviceCode=%s&phoneNumber=%s&networkCode=%s&text=",
           strcmp(which, "sessionId") == 0 ? value : "S1",
           strcmp(which, "serviceCode") == 0 ? value : "%2A384%23",
           strcmp(which, "phoneNumber") == 0 ? value : "%2B77011234567",
           strcmp(which, "networkCode") == 0 ? value : "40101");
  free(value);
  return body;
}

START_TEST(test_dialect_at_overlong_field)
{
  struct gw_ussd_step step;
  char err[160], quoted[32];
  char *body = body_with_long(id_fields[_i], GW_USSD_ID_MAX + 1);
  int rc = parse(body, &step, err, sizeof(err));

  ck_assert_msg(rc == AG_E2BIG, "%s of %d bytes: %s (%s)", id_fields[_i], GW_USSD_ID_MAX + 1,
                ag_errname(rc), err);
  snprintf(quoted, sizeof(quoted), "'%s'", id_fields[_i]);
  ck_assert_has(err, quoted);
  gw_ussd_step_cleanup(&step);
  free(body);

  /* Exactly the limit is accepted (a 128-digit phone is then just not a phone). */
  body = body_with_long(id_fields[_i], GW_USSD_ID_MAX);
  rc = parse(body, &step, err, sizeof(err));
  ck_assert_msg(rc == (strcmp(id_fields[_i], "phoneNumber") == 0 ? AG_EPHONE : AG_OK),
                "%s of %d bytes: %s (%s)", id_fields[_i], GW_USSD_ID_MAX, ag_errname(rc), err);
  gw_ussd_step_cleanup(&step);
  free(body);
}
END_TEST

/* serviceCode is what a handset dials: '*', groups of digits joined by '*', then '#'. */
START_TEST(test_dialect_at_service_code)
{
  static const char *const good[] = {"%2A1%23", "%2A384%2A123%23", "*1234#", "%2A1%2A2%2A3%23"};
  static const char *const bad[] = {"1234",  "%2A%23",    "%2A%2A1%23", "%2A1%2A%23",
                                    "%2A12", "%231%23",   "%2A1%23x",   "%2A1a%23",
                                    "%23",   "%2A1%23%23"};
  struct gw_ussd_step step;
  char body[256], err[160];

  for (size_t i = 0; i < AG_ARRAY_LEN(good); i++) {
    snprintf(body, sizeof(body), "%s&serviceCode=%s&%s&text=", BASE_SESSION, good[i], BASE_PHONE);
    ck_assert_msg(parse(body, &step, err, sizeof(err)) == AG_OK, "%s: %s", good[i], err);
    gw_ussd_step_cleanup(&step);
  }
  for (size_t i = 0; i < AG_ARRAY_LEN(bad); i++) {
    snprintf(body, sizeof(body), "%s&serviceCode=%s&%s&text=", BASE_SESSION, bad[i], BASE_PHONE);
    ck_assert_msg(parse(body, &step, err, sizeof(err)) == AG_EBADREQ, "%s accepted", bad[i]);
    ck_assert_has(err, "serviceCode is not a USSD code");
    gw_ussd_step_cleanup(&step);
  }
}
END_TEST

START_TEST(test_dialect_at_overlong_body)
{
  struct gw_ussd_step step;
  char err[160];
  size_t n = ag_form_default_limits.max_body + 1;
  char *body = malloc(n + 1);

  ck_assert_ptr_nonnull(body);
  memset(body, 'a', n);
  body[n] = '\0';
  ck_assert_int_eq(parse(body, &step, err, sizeof(err)), AG_E2BIG);
  ck_assert_uint_gt(strlen(err), 0);
  gw_ussd_step_cleanup(&step);
  free(body);
}
END_TEST

START_TEST(test_dialect_at_duplicate_key)
{
  struct gw_ussd_step step;
  char body[512], err[160];

  snprintf(body, sizeof(body), "%s",
           BASE_SESSION "&" BASE_SERVICE "&" BASE_PHONE "&text=1&" BASE_SESSION);
  ck_assert_int_eq(parse(body, &step, err, sizeof(err)), AG_EDUP);
  ck_assert_has(err, "sessionId");
  gw_ussd_step_cleanup(&step);

  /* Even with a different value, and for text. */
  ck_assert_int_eq(
      parse(BASE_SESSION "&" BASE_SERVICE "&" BASE_PHONE "&text=1&text=2", &step, err, sizeof(err)),
      AG_EDUP);
  ck_assert_has(err, "text");
  gw_ussd_step_cleanup(&step);
}
END_TEST

START_TEST(test_dialect_at_bad_escape)
{
  static const char *const texts[] = {"%zz", "1%2", "%", "%G1", "1%2A%"};
  struct gw_ussd_step step;
  char body[512], err[160];

  for (size_t i = 0; i < AG_ARRAY_LEN(texts); i++) {
    body_with_text(body, sizeof(body), texts[i]);
    ck_assert_msg(parse(body, &step, err, sizeof(err)) == AG_EBADREQ, "text=%s: %s", texts[i], err);
    ck_assert_has(err, "text");
    ck_assert_has(err, "hex");
    gw_ussd_step_cleanup(&step);
  }
}
END_TEST

START_TEST(test_dialect_at_embedded_nul)
{
  struct gw_ussd_step step;
  char err[160];
  static const char body[] = BASE_SESSION "&" BASE_SERVICE "&" BASE_PHONE "&text=1\0002";

  ck_assert_int_eq(gw_carrier_ussd_step(at(), body, sizeof(body) - 1, &step, err, sizeof(err)),
                   AG_EBADREQ);
  ck_assert_has(err, "NUL");
  gw_ussd_step_cleanup(&step);
}
END_TEST

START_TEST(test_dialect_at_non_kazakh_phone)
{
  static const char *const phones[] = {"%2B79161234567", "%2B12025550123", "hello", "12345",
                                       "%2B7701123456"};
  struct gw_ussd_step step;
  char body[512], err[160];

  for (size_t i = 0; i < AG_ARRAY_LEN(phones); i++) {
    snprintf(body, sizeof(body), "%s&phoneNumber=%s&%s&text=1%%2A2", BASE_SESSION "&" BASE_SERVICE,
             phones[i], BASE_NETWORK);
    ck_assert_msg(parse(body, &step, err, sizeof(err)) == AG_EPHONE, "phone %s: %s", phones[i],
                  err);
    ck_assert_has(err, "phoneNumber");
    /* Everything but the number is there, for the polite END and the log line. */
    ck_assert_str_eq(step.msisdn, "");
    ck_assert_str_eq(step.session_id, "ATUid_1b2c");
    ck_assert_str_eq(step.service_code, "*384*123#");
    ck_assert_str_eq(step.network_code, "40101");
    ck_assert_ptr_nonnull(step.raw_phone);
    ck_assert_uint_eq(step.n_inputs, 2);
    ck_assert_str_eq(step.inputs[1], "2");
    gw_ussd_step_cleanup(&step);
  }
}
END_TEST

static const char *const phone_forms[] = {
    "%2B77011234567",         /* +77011234567 */
    "+77011234567",           /* an unescaped '+' arrives as a space */
    "77011234567",            /* without '+' */
    "87011234567",            /* domestic */
    "7011234567",             /* national number alone */
    "0077011234567",          /* international prefix 00 */
    "8+%28701%29+123-45-67",  /* 8 (701) 123-45-67 */
    "%2B7+701+123+45+67",     /* +7 701 123 45 67 */
    "%2B7%28701%29123.45.67", /* +7(701)123.45.67 */
};

START_TEST(test_dialect_at_phone_forms)
{
  struct gw_ussd_step step;
  char body[512], err[160];

  snprintf(body, sizeof(body), "%s&phoneNumber=%s&text=", BASE_SESSION "&" BASE_SERVICE,
           phone_forms[_i]);
  ck_assert_msg(parse(body, &step, err, sizeof(err)) == AG_OK, "phone %s: %s", phone_forms[_i],
                err);
  ck_assert_str_eq(step.msisdn, "+77011234567");
  gw_ussd_step_cleanup(&step);
}
END_TEST

START_TEST(test_dialect_at_cleanup_after_failure)
{
  struct gw_ussd_step step;
  char err[160];

  /* A failure after the form was parsed: the form buffer is owned by the step. */
  ck_assert_int_eq(parse(BASE_SESSION "&" BASE_SERVICE "&" BASE_PHONE, &step, err, sizeof(err)),
                   AG_EBADREQ);
  gw_ussd_step_cleanup(&step);
  ck_assert_ptr_null(step.form.buf);
  ck_assert_uint_eq(step.form.n, 0);
  gw_ussd_step_cleanup(&step); /* twice is harmless */

  /* An empty body is a request without any field. */
  ck_assert_int_eq(gw_carrier_ussd_step(at(), "", 0, &step, err, sizeof(err)), AG_EBADREQ);
  ck_assert_has(err, "sessionId");
  gw_ussd_step_cleanup(&step);
}
END_TEST

/* --- render --- */

START_TEST(test_dialect_at_render_con)
{
  char rbuf[GW_USSD_REPLY_MAX];
  struct gw_dialect_reply r = {.body = rbuf, .cap = sizeof(rbuf)};
  static const char want[] = "CON Do you help?\n1 Yes\n2 No";

  ck_assert_int_eq(gw_carrier_ussd_render(at(), 0, "Do you help?\n1 Yes\n2 No", &r), AG_OK);
  ck_assert_int_eq(r.status, 200);
  ck_assert_str_eq(r.content_type, "text/plain; charset=utf-8");
  ck_assert_uint_eq(r.len, sizeof(want) - 1);
  ck_assert_mem_eq(r.body, want, sizeof(want) - 1);
}
END_TEST

START_TEST(test_dialect_at_render_end)
{
  char rbuf[GW_USSD_REPLY_MAX];
  struct gw_dialect_reply r = {.body = rbuf, .cap = sizeof(rbuf)};
  /* "END Рақмет!" in UTF-8: the body is bytes, never transcoded. */
  static const char want[] = "END \xd0\xa0\xd0\xb0\xd2\x9b\xd0\xbc\xd0\xb5\xd1\x82!";

  ck_assert_int_eq(
      gw_carrier_ussd_render(at(), 1, "\xd0\xa0\xd0\xb0\xd2\x9b\xd0\xbc\xd0\xb5\xd1\x82!", &r),
      AG_OK);
  ck_assert_int_eq(r.status, 200);
  ck_assert_str_eq(r.content_type, "text/plain; charset=utf-8");
  ck_assert_uint_eq(r.len, sizeof(want) - 1);
  ck_assert_mem_eq(r.body, want, sizeof(want) - 1);

  ck_assert_int_eq(gw_carrier_ussd_render(at(), 1, "", &r), AG_OK);
  ck_assert_uint_eq(r.len, 4);
  ck_assert_mem_eq(r.body, "END ", 4);
}
END_TEST

START_TEST(test_dialect_at_render_sizes)
{
  char rbuf[GW_USSD_REPLY_MAX];
  struct gw_dialect_reply r = {.body = rbuf, .cap = sizeof(rbuf)};
  size_t fit = r.cap - 5; /* "CON " + text + NUL */
  char *text = malloc(r.cap + 1);

  ck_assert_ptr_nonnull(text);
  /* The largest screen the engine can produce always fits. */
  memset(text, 'a', SESS_SCREEN_MAX - 1);
  text[SESS_SCREEN_MAX - 1] = '\0';
  ck_assert_int_eq(gw_carrier_ussd_render(at(), 0, text, &r), AG_OK);
  ck_assert_uint_eq(r.len, SESS_SCREEN_MAX - 1 + 4);

  memset(text, 'b', fit);
  text[fit] = '\0';
  ck_assert_int_eq(gw_carrier_ussd_render(at(), 1, text, &r), AG_OK);
  ck_assert_uint_eq(r.len, fit + 4);
  ck_assert_mem_eq(r.body, "END bbb", 7);

  text[fit] = 'b';
  text[fit + 1] = '\0';
  ck_assert_int_eq(gw_carrier_ussd_render(at(), 1, text, &r), AG_E2BIG);
  free(text);
}
END_TEST

static Suite *dialect_at_suite(void)
{
  Suite *s = suite_create("dialect_at");
  TCase *tc;

  tc = tcase_create("parse");
  tcase_add_test(tc, test_dialect_at_registry);
  tcase_add_test(tc, test_dialect_at_first_hop);
  tcase_add_test(tc, test_dialect_at_three_inputs);
  tcase_add_test(tc, test_dialect_at_free_text_and_empty_inputs);
  tcase_add_test(tc, test_dialect_at_input_limit);
  tcase_add_loop_test(tc, test_dialect_at_missing_field, 0, (int)AG_ARRAY_LEN(required));
  tcase_add_test(tc, test_dialect_at_missing_network_code_allowed);
  tcase_add_test(tc, test_dialect_at_empty_required_field);
  tcase_add_loop_test(tc, test_dialect_at_overlong_field, 0, (int)AG_ARRAY_LEN(id_fields));
  tcase_add_test(tc, test_dialect_at_overlong_body);
  tcase_add_test(tc, test_dialect_at_service_code);
  tcase_add_test(tc, test_dialect_at_duplicate_key);
  tcase_add_test(tc, test_dialect_at_bad_escape);
  tcase_add_test(tc, test_dialect_at_embedded_nul);
  tcase_add_test(tc, test_dialect_at_non_kazakh_phone);
  tcase_add_loop_test(tc, test_dialect_at_phone_forms, 0, (int)AG_ARRAY_LEN(phone_forms));
  tcase_add_test(tc, test_dialect_at_cleanup_after_failure);
  suite_add_tcase(s, tc);

  tc = tcase_create("render");
  tcase_add_test(tc, test_dialect_at_render_con);
  tcase_add_test(tc, test_dialect_at_render_end);
  tcase_add_test(tc, test_dialect_at_render_sizes);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(dialect_at_suite)
