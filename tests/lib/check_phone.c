/* check_phone.c: unit tests of ag_phone: every accepted way of writing a Kazakhstan mobile number,
 * every refusal, and masking for logs. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ag.h"
#include "lib/ag_phone.h"
#include "tests/support/ag_check.h"

struct phone_case {
  const char *in;
  const char *want; /* NULL in the refused table */
};

/* Each accepted written form, with the separators people and carriers use. */
static const struct phone_case accepted[] = {
    {"+77011234567", "+77011234567"},        /* E.164 */
    {"77011234567", "+77011234567"},         /* E.164 without '+' */
    {"87011234567", "+77011234567"},         /* trunk prefix 8 */
    {"7011234567", "+77011234567"},          /* national number alone */
    {"0077011234567", "+77011234567"},       /* international prefix 00 */
    {"+7 701 123 45 67", "+77011234567"},    /* spaces */
    {"+7 (701) 123-45-67", "+77011234567"},  /* the usual printed form */
    {"+7(701)1234567", "+77011234567"},      /* parentheses without spaces */
    {"8 (701) 123-45-67", "+77011234567"},   /* domestic, printed */
    {"8-701-123-45-67", "+77011234567"},     /* dashes */
    {"8.701.123.45.67", "+77011234567"},     /* dots */
    {"(701) 123 45 67", "+77011234567"},     /* national with operator code in parentheses */
    {"007 701 123 4567", "+77011234567"},    /* 00 prefix with spaces */
    {"007 (701) 123 4567", "+77011234567"},  /* 00 prefix with parentheses */
    {"7 747 000 00 00", "+77470000000"},     /* Tele2/Altel range, no '+' */
    {"+7 775 999 99 99", "+77759999999"},    /* Kcell range */
    {"8 (777) 000-00-01", "+77770000001"},   /* Beeline range */
    {"+77001234567", "+77001234567"},        /* every mobile operator code: 700-708 */
    {"+77081234567", "+77081234567"},        /* ... */
    {"87711234567", "+77711234567"},         /* 771 */
    {"87761234567", "+77761234567"},         /* 776 */
    {"87781234567", "+77781234567"},         /* 778 */
    {" 77011234567", "+77011234567"},        /* an unescaped '+' decoded as a space by a form */
    {"+77011234567 ", "+77011234567"},       /* trailing space */
    {"+7--701  123..45 67", "+77011234567"}, /* doubled separators: accepted by choice */
    {"+7 ( 701 ) 1234567", "+77011234567"},  /* spaces inside the parentheses */
};

static const struct phone_case refused[] = {
    {"", NULL},
    {"   ", NULL},
    {"+", NULL},
    {"+79161234567", NULL},           /* Russia (+7 9XX) */
    {"89161234567", NULL},            /* Russia, domestic */
    {"9161234567", NULL},             /* Russia, national */
    {"0079161234567", NULL},          /* Russia, 00 prefix */
    {"+7 495 123 45 67", NULL},       /* Moscow landline */
    {"+7701123456", NULL},            /* 9 national digits */
    {"+7 727 123 45 67", NULL},       /* a fixed line: Almaty's area code */
    {"8 7172 12 34 56", NULL},        /* a fixed line: Astana's */
    {"+77212123456", NULL},           /* a fixed line: Karaganda's */
    {"+77091234567", NULL},           /* 709: no mobile operator */
    {"+77481234567", NULL},           /* 748 */
    {"+77741234567", NULL},           /* 774 */
    {"+77791234567", NULL},           /* 779 */
    {"+770112345678", NULL},          /* 11 national digits */
    {"701123456", NULL},              /* 9 digits */
    {"770112345678", NULL},           /* 12 digits */
    {"97011234567", NULL},            /* 11 digits, unknown prefix 9 */
    {"+87011234567", NULL},           /* '+' with the trunk prefix */
    {"+0077011234567", NULL},         /* '+' with the 00 prefix */
    {"++77011234567", NULL},          /* second '+' */
    {"7+7011234567", NULL},           /* '+' not first */
    {"+7701+1234567", NULL},          /* '+' in the middle */
    {"(+7) 7011234567", NULL},        /* '+' inside parentheses */
    {"+7701123456a", NULL},           /* letter */
    {"tel:+77011234567", NULL},       /* leading junk */
    {"+77011234567#", NULL},          /* trailing junk */
    {"+77011234567,", NULL},          /* trailing junk */
    {"+7/701/1234567", NULL},         /* other punctuation */
    {"+7 701 123 45 67\t", NULL},     /* tab: only space, dash and dot are separators */
    {"+7 (701 1234567", NULL},        /* unbalanced '(' */
    {"+7 701) 1234567", NULL},        /* unbalanced ')' */
    {"+7 (70) 11234567", NULL},       /* two digits in parentheses */
    {"+7 (7011) 234567", NULL},       /* four digits in parentheses */
    {"+ (770) 11234567", NULL},       /* parentheses around the country code */
    {"8 (701) (123) 4567", NULL},     /* a second pair */
    {"+7 701 (123) 4567", NULL},      /* parentheses away from the operator code */
    {")701( 1234567", NULL},          /* reversed */
    {"(8701) 1234567", NULL},         /* trunk prefix inside */
    {"８７０１１２３４５６７", NULL}, /* fullwidth digits */
    {"+7\xD9\xA7"
     "011234567",
     NULL}, /* an Arabic-Indic digit */
};

START_TEST(test_phone_accepts)
{
  const struct phone_case *c = &accepted[_i];
  char out[AG_PHONE_MAX];

  memset(out, 'X', sizeof(out));
  ck_assert_msg(ag_phone_normalize(c->in, strlen(c->in), out) == AG_OK, "refused \"%s\"", c->in);
  ck_assert_str_eq(out, c->want);
  ck_assert_uint_eq(strlen(out), 12);
}
END_TEST

START_TEST(test_phone_refuses)
{
  const struct phone_case *c = &refused[_i];
  char out[AG_PHONE_MAX];

  memset(out, 'X', sizeof(out));
  ck_assert_msg(ag_phone_normalize(c->in, strlen(c->in), out) == AG_EPHONE, "accepted \"%s\": %s",
                c->in, out);
  ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_phone_len_not_strlen)
{
  char out[AG_PHONE_MAX];
  const char buf[] = "+77011234567999";

  /* Only `len` bytes count: the input need not be NUL-terminated. */
  ck_assert_int_eq(ag_phone_normalize(buf, 12, out), AG_OK);
  ck_assert_str_eq(out, "+77011234567");
  ck_assert_int_eq(ag_phone_normalize(buf, 13, out), AG_EPHONE);
  ck_assert_int_eq(ag_phone_normalize(buf, 0, out), AG_EPHONE);
  ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_phone_embedded_nul)
{
  char out[AG_PHONE_MAX];

  ck_assert_int_eq(ag_phone_normalize("+7701\0"
                                      "1234567",
                                      13, out),
                   AG_EPHONE);
  ck_assert_int_eq(ag_phone_normalize("+77011234567\0", 13, out), AG_EPHONE);
  ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_phone_long_input)
{
  char out[AG_PHONE_MAX];
  char buf[4096];

  /* Many separators are fine; many digits are refused without overrunning anything. */
  memset(buf, ' ', sizeof(buf));
  memcpy(buf + 2000, "87011234567", 11);
  ck_assert_int_eq(ag_phone_normalize(buf, sizeof(buf), out), AG_OK);
  ck_assert_str_eq(out, "+77011234567");
  memset(buf, '7', sizeof(buf));
  ck_assert_int_eq(ag_phone_normalize(buf, sizeof(buf), out), AG_EPHONE);
}
END_TEST

START_TEST(test_phone_null_arguments)
{
  char out[AG_PHONE_MAX] = "X";

  ck_assert_int_eq(ag_phone_normalize(NULL, 5, out), AG_EPHONE);
  ck_assert_str_eq(out, "");
  ck_assert_int_eq(ag_phone_normalize("77011234567", 11, NULL), AG_EINVAL);
}
END_TEST

START_TEST(test_phone_idempotent)
{
  char out[AG_PHONE_MAX], again[AG_PHONE_MAX];

  for (size_t i = 0; i < AG_ARRAY_LEN(accepted); i++) {
    ck_assert_int_eq(ag_phone_normalize(accepted[i].in, strlen(accepted[i].in), out), AG_OK);
    ck_assert_int_eq(ag_phone_normalize(out, strlen(out), again), AG_OK);
    ck_assert_str_eq(again, out);
  }
}
END_TEST

/* --- mask --- */

START_TEST(test_phone_mask_normalized)
{
  char buf[AG_PHONE_MAX];

  ck_assert_ptr_eq(ag_phone_mask("+77011234567", buf, sizeof(buf)), buf);
  ck_assert_str_eq(buf, "+*******4567");
  ck_assert_str_eq(ag_phone_mask("+77470000001", buf, sizeof(buf)), "+*******0001");
  /* A fixed line is not a number the gateway keeps: masked whole, as anything else. */
  ck_assert_str_eq(ag_phone_mask("+77217011267", buf, sizeof(buf)), "****");
  /* Exactly the needed size. */
  {
    char exact[13];

    ck_assert_str_eq(ag_phone_mask("+77011234567", exact, sizeof(exact)), "+*******4567");
  }
}
END_TEST

START_TEST(test_phone_mask_refuses_others)
{
  static const char *const others[] = {
      "",
      "+",
      "77011234567",    /* not normalised: no '+' */
      "87011234567",    /* not normalised */
      "+79161234567",   /* Russian */
      "+7701123456",    /* short */
      "+770112345678",  /* long */
      "+7 701 1234567", /* separators */
      "+7701123456a",   /* letter */
      "hello",
  };
  char buf[AG_PHONE_MAX];

  for (size_t i = 0; i < AG_ARRAY_LEN(others); i++) {
    ck_assert_ptr_eq(ag_phone_mask(others[i], buf, sizeof(buf)), buf);
    ck_assert_msg(strcmp(buf, "****") == 0, "\"%s\" masked as \"%s\"", others[i], buf);
  }
  ck_assert_str_eq(ag_phone_mask(NULL, buf, sizeof(buf)), "****");
}
END_TEST

START_TEST(test_phone_mask_small_buffer)
{
  char small[12], tiny[4];

  /* Too small for the mask: all stars, never a partial number. */
  ck_assert_ptr_eq(ag_phone_mask("+77011234567", small, sizeof(small)), small);
  ck_assert_str_eq(small, "****");
  /* Too small even for "****": a static "****", buf untouched. */
  memcpy(tiny, "abc", 4);
  ck_assert_str_eq(ag_phone_mask("+77011234567", tiny, sizeof(tiny)), "****");
  ck_assert_str_eq(tiny, "abc");
  ck_assert_str_eq(ag_phone_mask("+77011234567", NULL, 64), "****");
}
END_TEST

static Suite *phone_suite(void)
{
  Suite *s = suite_create("phone");
  TCase *tc;

  tc = tcase_create("normalize");
  tcase_add_loop_test(tc, test_phone_accepts, 0, (int)AG_ARRAY_LEN(accepted));
  tcase_add_loop_test(tc, test_phone_refuses, 0, (int)AG_ARRAY_LEN(refused));
  tcase_add_test(tc, test_phone_len_not_strlen);
  tcase_add_test(tc, test_phone_embedded_nul);
  tcase_add_test(tc, test_phone_long_input);
  tcase_add_test(tc, test_phone_null_arguments);
  tcase_add_test(tc, test_phone_idempotent);
  suite_add_tcase(s, tc);

  tc = tcase_create("mask");
  tcase_add_test(tc, test_phone_mask_normalized);
  tcase_add_test(tc, test_phone_mask_refuses_others);
  tcase_add_test(tc, test_phone_mask_small_buffer);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(phone_suite)
