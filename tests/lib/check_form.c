/* check_form.c: unit tests of ag_form, the urlencoded body parser: decoding, every refusal with its
 * error code and message, the limits, and the ownership rules of ag_form_cleanup(). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ag.h"
#include "lib/ag_form.h"
#include "tests/support/ag_check.h"

/* Parses a NUL-free literal with the default limits. */
static int parse(struct ag_form *form, const char *body)
{
  return ag_form_parse(form, body, strlen(body), NULL);
}

/* Asserts the failure contract: code, no fields, no buffer, a message containing `needle`. */
static void assert_refused(const char *body, size_t len, const struct ag_form_limits *lim, int rc,
                           const char *needle)
{
  struct ag_form form;
  int got = ag_form_parse(&form, body, len, lim);

  ck_assert_msg(got == rc, "body \"%.*s\": got %s, want %s (%s)", (int)len, body, ag_errname(got),
                ag_errname(rc), form.err);
  ck_assert_uint_eq(form.n, 0);
  ck_assert_ptr_null(form.buf);
  ck_assert_msg(form.err[0] != '\0', "no message for \"%.*s\"", (int)len, body);
  ck_assert_msg(strstr(form.err, needle) != NULL, "message \"%s\" lacks \"%s\"", form.err, needle);
  ag_form_cleanup(&form);
}

#define REFUSED(body, rc, needle) assert_refused(body, strlen(body), NULL, rc, needle)

/* --- decode --- */

START_TEST(test_form_empty_body)
{
  struct ag_form form;

  ck_assert_int_eq(ag_form_parse(&form, "", 0, NULL), AG_OK);
  ck_assert_uint_eq(form.n, 0);
  ck_assert_ptr_null(form.buf);
  ck_assert_ptr_null(ag_form_get(&form, "a"));
  ag_form_cleanup(&form);
  /* NULL with length 0 is an empty body too. */
  ck_assert_int_eq(ag_form_parse(&form, NULL, 0, NULL), AG_OK);
  ck_assert_uint_eq(form.n, 0);
  ag_form_cleanup(&form);
}
END_TEST

START_TEST(test_form_africastalking_callback)
{
  struct ag_form form;
  const char *body = "sessionId=ATUid_1b2c&serviceCode=%2A384%2A123%23&phoneNumber=%2B77011234567"
                     "&networkCode=40101&text=1%2A2%2AAigerim";

  ck_assert_int_eq(parse(&form, body), AG_OK);
  ck_assert_uint_eq(form.n, 5);
  ck_assert_str_eq(form.f[0].key, "sessionId");
  ck_assert_str_eq(form.f[0].value, "ATUid_1b2c");
  ck_assert_str_eq(ag_form_get(&form, "serviceCode"), "*384*123#");
  ck_assert_str_eq(ag_form_get(&form, "phoneNumber"), "+77011234567");
  ck_assert_str_eq(ag_form_get(&form, "networkCode"), "40101");
  ck_assert_str_eq(ag_form_get(&form, "text"), "1*2*Aigerim");
  ck_assert_uint_eq(form.f[4].value_len, strlen("1*2*Aigerim"));
  ck_assert_ptr_nonnull(form.buf);
  ag_form_cleanup(&form);
  ck_assert_ptr_null(form.buf);
  ck_assert_uint_eq(form.n, 0);
}
END_TEST

START_TEST(test_form_plus_is_space)
{
  struct ag_form form;

  ck_assert_int_eq(parse(&form, "msg+one=a+b++c&p=+77011234567&lit=%2B"), AG_OK);
  ck_assert_str_eq(ag_form_get(&form, "msg one"), "a b  c");
  /* An unescaped '+' is a space: carriers that forget to escape it send " 7701...". */
  ck_assert_str_eq(ag_form_get(&form, "p"), " 77011234567");
  ck_assert_str_eq(ag_form_get(&form, "lit"), "+");
  ag_form_cleanup(&form);
}
END_TEST

START_TEST(test_form_percent_either_case)
{
  struct ag_form form;

  /* "Сәлем" (hello, Kazakh) with lowercase and uppercase hex. */
  ck_assert_int_eq(parse(&form, "a=%d0%a1%D3%99%d0%BB%D0%b5%d0%bc&b=%26%3D%25"), AG_OK);
  ck_assert_str_eq(ag_form_get(&form, "a"), "Сәлем");
  ck_assert_uint_eq(form.f[0].value_len, 10);
  ck_assert_str_eq(ag_form_get(&form, "b"), "&=%");
  ag_form_cleanup(&form);
}
END_TEST

START_TEST(test_form_raw_utf8_accepted)
{
  struct ag_form form;

  ck_assert_int_eq(parse(&form, "text=Қайырлы таң 👋&k%C3%BCn=ü"), AG_OK);
  ck_assert_str_eq(ag_form_get(&form, "text"), "Қайырлы таң 👋");
  ck_assert_str_eq(ag_form_get(&form, "kün"), "ü");
  ag_form_cleanup(&form);
}
END_TEST

START_TEST(test_form_key_without_equals)
{
  struct ag_form form;

  ck_assert_int_eq(parse(&form, "flag&a=1&other"), AG_OK);
  ck_assert_uint_eq(form.n, 3);
  ck_assert_str_eq(ag_form_get(&form, "flag"), "");
  ck_assert_uint_eq(form.f[0].value_len, 0);
  ck_assert_str_eq(ag_form_get(&form, "a"), "1");
  ck_assert_str_eq(ag_form_get(&form, "other"), "");
  ag_form_cleanup(&form);
}
END_TEST

START_TEST(test_form_empty_value_and_second_equals)
{
  struct ag_form form;

  ck_assert_int_eq(parse(&form, "text=&expr=a=b=c"), AG_OK);
  ck_assert_str_eq(ag_form_get(&form, "text"), "");
  ck_assert_uint_eq(form.f[0].value_len, 0);
  ck_assert_str_eq(ag_form_get(&form, "expr"), "a=b=c");
  ag_form_cleanup(&form);
}
END_TEST

START_TEST(test_form_empty_segments_skipped)
{
  struct ag_form form;

  ck_assert_int_eq(parse(&form, "&&a=1&&b=2&"), AG_OK);
  ck_assert_uint_eq(form.n, 2);
  ck_assert_str_eq(form.f[0].key, "a");
  ck_assert_str_eq(form.f[1].key, "b");
  ag_form_cleanup(&form);

  /* Only separators: success with no field and no allocation. */
  ck_assert_int_eq(parse(&form, "&&&"), AG_OK);
  ck_assert_uint_eq(form.n, 0);
  ck_assert_ptr_null(form.buf);
  ag_form_cleanup(&form);
}
END_TEST

START_TEST(test_form_keys_case_sensitive)
{
  struct ag_form form;

  ck_assert_int_eq(parse(&form, "text=a&Text=b&TEXT=c"), AG_OK);
  ck_assert_uint_eq(form.n, 3);
  ck_assert_str_eq(ag_form_get(&form, "text"), "a");
  ck_assert_str_eq(ag_form_get(&form, "Text"), "b");
  ck_assert_str_eq(ag_form_get(&form, "TEXT"), "c");
  ck_assert_ptr_null(ag_form_get(&form, "tExt"));
  ag_form_cleanup(&form);
}
END_TEST

START_TEST(test_form_get_absent_and_null)
{
  struct ag_form form;

  ck_assert_int_eq(parse(&form, "a=1"), AG_OK);
  ck_assert_ptr_null(ag_form_get(&form, "b"));
  ck_assert_ptr_null(ag_form_get(&form, "a=1"));
  ck_assert_ptr_null(ag_form_get(&form, ""));
  ck_assert_ptr_null(ag_form_get(&form, NULL));
  ck_assert_ptr_null(ag_form_get(NULL, "a"));
  ag_form_cleanup(&form);
}
END_TEST

/* --- errors --- */

START_TEST(test_form_bad_percent)
{
  REFUSED("a=%zz", AG_EBADREQ, "offset 2");
  REFUSED("a=%4", AG_EBADREQ, "offset 2");
  REFUSED("a=1&b=%", AG_EBADREQ, "offset 6");
  REFUSED("a=%4g", AG_EBADREQ, "two hex digits");
  REFUSED("a=%%41", AG_EBADREQ, "offset 2");
  REFUSED("%z=1", AG_EBADREQ, "field 1 key");
  REFUSED("a=1&b=%4&c=2", AG_EBADREQ, "value of \"b\"");
}
END_TEST

START_TEST(test_form_decoded_nul)
{
  REFUSED("a=x%00y", AG_EBADREQ, "%00");
  REFUSED("k%00=1", AG_EBADREQ, "field 1 key");
}
END_TEST

START_TEST(test_form_raw_nul)
{
  assert_refused("a=x\0y", 5, NULL, AG_EBADREQ, "NUL byte at offset 3");
  assert_refused("a\0=1", 4, NULL, AG_EBADREQ, "offset 1");
  /* A NUL even where a separator would be. */
  assert_refused("a=1\0b=2", 7, NULL, AG_EBADREQ, "offset 3");
}
END_TEST

START_TEST(test_form_empty_key)
{
  REFUSED("=x", AG_EBADREQ, "empty key at offset 0");
  REFUSED("a=1&=", AG_EBADREQ, "field 2: empty key at offset 4");
}
END_TEST

START_TEST(test_form_duplicate_key)
{
  REFUSED("a=1&a=2", AG_EDUP, "duplicate key \"a\" at offset 4");
  /* Duplicates are found after decoding, and an empty value does not hide one. */
  REFUSED("text=1&t%65xt=2", AG_EDUP, "\"text\"");
  REFUSED("a+b=1&a%20b", AG_EDUP, "\"a b\"");
  REFUSED("flag&flag", AG_EDUP, "flag");
}
END_TEST

START_TEST(test_form_null_arguments)
{
  struct ag_form form;

  ck_assert_int_eq(ag_form_parse(NULL, "a=1", 3, NULL), AG_EINVAL);
  ck_assert_int_eq(ag_form_parse(&form, NULL, 3, NULL), AG_EINVAL);
  ck_assert_uint_eq(form.n, 0);
  ck_assert_ptr_null(form.buf);
  ck_assert(form.err[0] != '\0');
}
END_TEST

START_TEST(test_form_message_is_safe_ascii)
{
  struct ag_form form;
  const char *body = "%22%5C%0A%E2%82%AC=1&%22%5C%0A%E2%82%AC=2";

  ck_assert_int_eq(parse(&form, body), AG_EDUP);
  /* Quote, backslash, newline and the euro sign are shown as '?': err goes into logs unescaped. */
  ck_assert_msg(strstr(form.err, "\"??????\"") != NULL, "err: %s", form.err);
  for (const char *c = form.err; *c; c++)
    ck_assert_msg(*c >= 0x20 && *c < 0x7F, "byte 0x%02x in err", (unsigned char)*c);
}
END_TEST

/* --- utf8 --- */

START_TEST(test_form_utf8_invalid)
{
  REFUSED("a=%C0%AF", AG_EBADREQ, "invalid UTF-8 at offset 2");    /* overlong '/' */
  REFUSED("a=%E0%80%AF", AG_EBADREQ, "invalid UTF-8 at offset 5"); /* overlong, 3 bytes */
  REFUSED("a=%F0%80%80%AF", AG_EBADREQ, "invalid UTF-8");          /* overlong, 4 bytes */
  REFUSED("a=%ED%A0%80", AG_EBADREQ, "invalid UTF-8 at offset 5"); /* U+D800 */
  REFUSED("a=%ED%BF%BF", AG_EBADREQ, "invalid UTF-8");             /* U+DFFF */
  REFUSED("a=%F4%90%80%80", AG_EBADREQ, "invalid UTF-8");          /* U+110000 */
  REFUSED("a=%F5%80%80%80", AG_EBADREQ, "invalid UTF-8");          /* lead beyond F4 */
  REFUSED("a=%FF", AG_EBADREQ, "invalid UTF-8");
  REFUSED("a=%80", AG_EBADREQ, "invalid UTF-8 at offset 2"); /* lone continuation */
  REFUSED("a=%D0", AG_EBADREQ, "truncated UTF-8");
  REFUSED("a=%E2%82&b=1", AG_EBADREQ, "truncated UTF-8 sequence before offset 8");
  REFUSED("a=%D0x", AG_EBADREQ, "invalid UTF-8 at offset 5");
  REFUSED("%C3=1", AG_EBADREQ, "field 1 key: truncated");                         /* in a key too */
  assert_refused("a=\xC3\x28", 4, NULL, AG_EBADREQ, "invalid UTF-8 at offset 3"); /* raw bytes */
}
END_TEST

START_TEST(test_form_utf8_boundaries_accepted)
{
  struct ag_form form;

  /* U+0080, U+07FF, U+0800, U+D7FF, U+E000, U+FFFF, U+10000, U+10FFFF: the edges of each form. */
  ck_assert_int_eq(parse(&form, "a=%C2%80%DF%BF%E0%A0%80%ED%9F%BF%EE%80%80%EF%BF%BF"
                                "%F0%90%80%80%F4%8F%BF%BF"),
                   AG_OK);
  ck_assert_uint_eq(form.f[0].value_len, 2 + 2 + 3 + 3 + 3 + 3 + 4 + 4);
  ck_assert_mem_eq(form.f[0].value, "\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF", 10);
  ag_form_cleanup(&form);
}
END_TEST

/* --- limits --- */

START_TEST(test_form_body_too_large)
{
  size_t len = ag_form_default_limits.max_body + 1;
  char *body = malloc(len);

  ck_assert_ptr_nonnull(body);
  memset(body, 'a', len);
  body[0] = 'k';
  body[1] = '=';
  assert_refused(body, len, NULL, AG_E2BIG, "body too large: 8193 bytes, limit 8192");
  free(body);
}
END_TEST

START_TEST(test_form_body_at_limit)
{
  const struct ag_form_limits lim = {16, 4, 8, 16};
  struct ag_form form;

  ck_assert_int_eq(ag_form_parse(&form, "k=0123456789abcd", 16, &lim), AG_OK);
  ck_assert_uint_eq(form.f[0].value_len, 14);
  ag_form_cleanup(&form);
  assert_refused("k=0123456789abcde", 17, &lim, AG_E2BIG, "body too large: 17 bytes, limit 16");
}
END_TEST

START_TEST(test_form_too_many_fields)
{
  char body[512];
  size_t off = 0;
  struct ag_form form;

  for (int i = 0; i < AG_FORM_MAX_FIELDS; i++)
    off += (size_t)snprintf(body + off, sizeof(body) - off, "k%d=%d&", i, i);
  ck_assert_int_eq(ag_form_parse(&form, body, off, NULL), AG_OK);
  ck_assert_uint_eq(form.n, AG_FORM_MAX_FIELDS);
  ck_assert_str_eq(ag_form_get(&form, "k31"), "31");
  ag_form_cleanup(&form);

  off += (size_t)snprintf(body + off, sizeof(body) - off, "k32=32");
  assert_refused(body, off, NULL, AG_E2BIG, "too many fields: more than 32 (field 33");
}
END_TEST

START_TEST(test_form_too_many_fields_custom)
{
  const struct ag_form_limits lim = {100, 2, 8, 8};
  /* A limit above AG_FORM_MAX_FIELDS cannot make the fixed array overflow. */
  const struct ag_form_limits huge = {1 << 20, 1000, 8, 8};
  char body[1024];
  size_t off = 0;

  assert_refused("a=1&&b=2&c=3", 12, &lim, AG_E2BIG, "more than 2 (field 3 at offset 9)");
  for (int i = 0; i <= AG_FORM_MAX_FIELDS; i++)
    off += (size_t)snprintf(body + off, sizeof(body) - off, "k%d&", i);
  assert_refused(body, off, &huge, AG_E2BIG, "more than 32");
}
END_TEST

START_TEST(test_form_key_too_long)
{
  char body[200];
  struct ag_form form;

  memset(body, 'k', 64);
  memcpy(body + 64, "=v", 3);
  ck_assert_int_eq(ag_form_parse(&form, body, 66, NULL), AG_OK);
  ck_assert_uint_eq(strlen(form.f[0].key), 64);
  ag_form_cleanup(&form);

  memset(body, 'k', 65);
  memcpy(body + 65, "=v", 3);
  assert_refused(body, 67, NULL, AG_E2BIG, "field 1 key: longer than 64 bytes (offset 64)");
  /* Decoded bytes count: 22 escapes are 66 body bytes but only 22 key bytes. */
  {
    const struct ag_form_limits lim = {1000, 4, 22, 8};
    char esc[100] = "";

    for (int i = 0; i < 22; i++)
      strcat(esc, "%41");
    ck_assert_int_eq(ag_form_parse(&form, esc, strlen(esc), &lim), AG_OK);
    ag_form_cleanup(&form);
    strcat(esc, "%41");
    assert_refused(esc, strlen(esc), &lim, AG_E2BIG, "longer than 22 bytes");
  }
}
END_TEST

START_TEST(test_form_value_too_long)
{
  size_t max = ag_form_default_limits.max_value;
  char *body = malloc(max + 8);
  struct ag_form form;

  ck_assert_ptr_nonnull(body);
  memcpy(body, "text=", 5);
  memset(body + 5, 'x', max + 1);
  ck_assert_int_eq(ag_form_parse(&form, body, 5 + max, NULL), AG_OK);
  ck_assert_uint_eq(form.f[0].value_len, max);
  ag_form_cleanup(&form);
  assert_refused(body, 5 + max + 1, NULL, AG_E2BIG, "value of \"text\": longer than 2048 bytes");
  free(body);

  /* Decoded length, not raw length: "%D0%90" (6 body bytes) is 2 value bytes. */
  {
    const struct ag_form_limits lim = {100, 4, 8, 4};

    ck_assert_int_eq(ag_form_parse(&form, "v=%D0%90%D0%91", 14, &lim), AG_OK);
    ck_assert_str_eq(ag_form_get(&form, "v"), "АБ");
    ag_form_cleanup(&form);
    assert_refused("v=%D0%90%D0%91x", 15, &lim, AG_E2BIG, "longer than 4 bytes (offset 14)");
  }
}
END_TEST

START_TEST(test_form_cleanup_safe)
{
  struct ag_form form;

  memset(&form, 0, sizeof(form));
  ag_form_cleanup(&form);
  ag_form_cleanup(&form);
  ag_form_cleanup(NULL);
  ck_assert_int_eq(parse(&form, "a=1&a=2"), AG_EDUP);
  ag_form_cleanup(&form);
  ck_assert_uint_eq(form.n, 0);
  ck_assert_ptr_null(form.buf);
  ck_assert_int_eq(parse(&form, "a=1"), AG_OK);
  ag_form_cleanup(&form);
  ag_form_cleanup(&form);
  ck_assert_ptr_null(form.buf);
}
END_TEST

static Suite *form_suite(void)
{
  Suite *s = suite_create("form");
  TCase *tc;

  tc = tcase_create("decode");
  tcase_add_test(tc, test_form_empty_body);
  tcase_add_test(tc, test_form_africastalking_callback);
  tcase_add_test(tc, test_form_plus_is_space);
  tcase_add_test(tc, test_form_percent_either_case);
  tcase_add_test(tc, test_form_raw_utf8_accepted);
  tcase_add_test(tc, test_form_key_without_equals);
  tcase_add_test(tc, test_form_empty_value_and_second_equals);
  tcase_add_test(tc, test_form_empty_segments_skipped);
  tcase_add_test(tc, test_form_keys_case_sensitive);
  tcase_add_test(tc, test_form_get_absent_and_null);
  suite_add_tcase(s, tc);

  tc = tcase_create("errors");
  tcase_add_test(tc, test_form_bad_percent);
  tcase_add_test(tc, test_form_decoded_nul);
  tcase_add_test(tc, test_form_raw_nul);
  tcase_add_test(tc, test_form_empty_key);
  tcase_add_test(tc, test_form_duplicate_key);
  tcase_add_test(tc, test_form_null_arguments);
  tcase_add_test(tc, test_form_message_is_safe_ascii);
  suite_add_tcase(s, tc);

  tc = tcase_create("utf8");
  tcase_add_test(tc, test_form_utf8_invalid);
  tcase_add_test(tc, test_form_utf8_boundaries_accepted);
  suite_add_tcase(s, tc);

  tc = tcase_create("limits");
  tcase_add_test(tc, test_form_body_too_large);
  tcase_add_test(tc, test_form_body_at_limit);
  tcase_add_test(tc, test_form_too_many_fields);
  tcase_add_test(tc, test_form_too_many_fields_custom);
  tcase_add_test(tc, test_form_key_too_long);
  tcase_add_test(tc, test_form_value_too_long);
  tcase_add_test(tc, test_form_cleanup_safe);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(form_suite)
