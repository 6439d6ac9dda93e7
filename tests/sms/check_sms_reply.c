/* check_sms_reply.c: which SMS are answers to a school's request (sms/sms_reply.c): the digits,
 * the words of each language with their look-alikes, and what must not count (two answers, more
 * words, STOP, a digit among others). */
#include "lib/ag.h"
#include "sms/sms.h"
#include "tests/support/ag_check.h"

#include <check.h>
#include <string.h>

static enum sms_kw parse(const char *text, const char **lang)
{
  return sms_reply_parse(text, strlen(text), lang);
}

START_TEST(test_answers)
{
  static const struct {
    const char *text;
    enum sms_kw kind;
    const char *lang; /* NULL: a digit */
  } ok[] = {
      {"1", SMS_KW_HELP, NULL},
      {" 1. ", SMS_KW_HELP, NULL},
      {"(1)", SMS_KW_HELP, NULL},
      {"2", SMS_KW_NOT_NOW, NULL},
      {"3!", SMS_KW_MORE, NULL},
      {"YES", SMS_KW_HELP, "en"},
      {"yes", SMS_KW_HELP, "en"},
      {"Yes!", SMS_KW_HELP, "en"},
      {"да", SMS_KW_HELP, "ru"},
      {"Да.", SMS_KW_HELP, "ru"},
      {"da", SMS_KW_HELP, "ru"},
      {"ИӘ", SMS_KW_HELP, "kk"},
      {"иә", SMS_KW_HELP, "kk"},
      {"иа", SMS_KW_HELP, "kk"}, /* ә typed as а */
      {"Ия", SMS_KW_HELP, "kk"},
      {"no", SMS_KW_NOT_NOW, "en"},
      {"НЕТ", SMS_KW_NOT_NOW, "ru"},
      {"HET", SMS_KW_NOT_NOW, "ru"}, /* Latin look-alikes of Н Е Т */
      {"net", SMS_KW_NOT_NOW, "ru"},
      {"жоқ", SMS_KW_NOT_NOW, "kk"},
      {"ЖОК", SMS_KW_NOT_NOW, "kk"}, /* қ typed as к */
      {"jok", SMS_KW_NOT_NOW, "kk"},
      {"More", SMS_KW_MORE, "en"},
      {"подробнее", SMS_KW_MORE, "ru"},
      {"толығырақ", SMS_KW_MORE, "kk"},
      {"ТОЛЫГЫРАК", SMS_KW_MORE, "kk"},
  };

  for (size_t i = 0; i < AG_ARRAY_LEN(ok); i++) {
    const char *lang = "unset";
    enum sms_kw k = parse(ok[i].text, &lang);
    ck_assert_msg(k == ok[i].kind, "'%s': %d, not %d", ok[i].text, (int)k, (int)ok[i].kind);
    if (ok[i].lang)
      ck_assert_msg(lang && strcmp(lang, ok[i].lang) == 0, "'%s': lang %s", ok[i].text,
                    lang ? lang : "NULL");
    else
      ck_assert_ptr_null(lang);
  }
  ck_assert_str_eq(sms_reply_name(SMS_KW_HELP), "help");
  ck_assert_str_eq(sms_reply_name(SMS_KW_NOT_NOW), "not_now");
  ck_assert_str_eq(sms_reply_name(SMS_KW_MORE), "more");
  ck_assert_ptr_null(sms_reply_name(SMS_KW_STOP));
}
END_TEST

START_TEST(test_not_answers)
{
  static const char *const no[] = {
      "",           " ",    "0",    "4",       "12",      "1 2",   "1 да",  "да нет",
      "yes please", "STOP", "СТОП", "start",   "нет, но", "даа",   "yess",  "Y",
      "N",          "1a",   "ok",   "спасибо", "\xff",    "1\xff", "1\xd0", "+1",
  };

  for (size_t i = 0; i < AG_ARRAY_LEN(no); i++)
    ck_assert_msg(parse(no[i], NULL) == 0, "'%s' counted as an answer", no[i]);
  ck_assert_int_eq(sms_reply_parse(NULL, 0, NULL), 0);
  /* Only the given length is read. */
  ck_assert_int_eq(sms_reply_parse("12", 1, NULL), SMS_KW_HELP);
}
END_TEST

static Suite *reply_suite(void)
{
  Suite *s = suite_create("sms_reply");
  TCase *tc = tcase_create("reply");

  tcase_add_test(tc, test_answers);
  tcase_add_test(tc, test_not_answers);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(reply_suite)
