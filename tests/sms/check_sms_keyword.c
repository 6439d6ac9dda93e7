/* check_sms_keyword.c: which messages are STOP or START (sms/sms_keyword.c): every case and
 * language, punctuation and spaces around, Kazakh letters typed as Russian ones, Latin
 * look-alikes, and the messages that must not count. */
#include "lib/ag.h"
#include "sms/sms.h"
#include "tests/support/ag_check.h"

#include <check.h>
#include <string.h>

static const struct sms_keyword *match(const char *text)
{
  return sms_keyword_match(text, strlen(text), sms_keywords_default, sms_keywords_default_n);
}

static void assert_kind(const char *text, enum sms_kw kind, const char *lang)
{
  const struct sms_keyword *k = match(text);

  ck_assert_msg(k != NULL, "'%s' is no keyword", text);
  ck_assert_msg(k->kind == kind && strcmp(k->lang, lang) == 0, "'%s': kind %d lang %s", text,
                (int)k->kind, k->lang);
}

START_TEST(test_stop_words)
{
  static const struct {
    const char *text, *lang;
  } stops[] = {
      {"STOP", "en"},       {"stop", "en"},    {" Stop! ", "en"}, {"\"stop\"", "en"},
      {"СТОП", "ru"},       {"стоп.", "ru"},   {"Стоп!!!", "ru"}, {"…стоп…", "ru"},
      {"ТОҚТА", "kk"},      {"тоқта", "kk"},   {"ТОКТА", "kk"},   {"токта", "kk"},
      {"Тоқтату!", "kk"},   {"тоқтату", "kk"}, {"ТОКТАТУ", "kk"}, {"🛑 STOP 🛑", "en"},
      {"\tСТОП\r\n", "ru"},
  };

  for (size_t i = 0; i < AG_ARRAY_LEN(stops); i++)
    assert_kind(stops[i].text, SMS_KW_STOP, stops[i].lang);
}
END_TEST

/* Latin letters that look like Cyrillic ones, typed in a Cyrillic word, and the other way. */
START_TEST(test_look_alikes)
{
  assert_kind("CTOП", SMS_KW_STOP, "ru");   /* Latin C, T, O */
  assert_kind("cтoп", SMS_KW_STOP, "ru");   /* Latin c, o */
  assert_kind("TOҚTA", SMS_KW_STOP, "kk");  /* Latin T, O, T, A */
  assert_kind("ТОKТА", SMS_KW_STOP, "kk");  /* Latin K for Қ */
  assert_kind("STОP", SMS_KW_STOP, "en");   /* Cyrillic О in STOP */
  assert_kind("CTAPT", SMS_KW_START, "ru"); /* all Latin look-alikes of СТАРТ */
}
END_TEST

START_TEST(test_start_words)
{
  assert_kind("START", SMS_KW_START, "en");
  assert_kind("старт", SMS_KW_START, "ru");
  assert_kind("Бастау!", SMS_KW_START, "kk");
}
END_TEST

/* Anything besides the word, inside or beside it, makes the message no keyword. */
START_TEST(test_not_keywords)
{
  static const char *const none[] = {"",        "   ",   "!!!",     "STOP please", "please stop",
                                     "СТОПКА",  "стопп", "ст оп",   "S T O P",     "STOP STOP",
                                     "тоқтама", "STOPS", "12 стоп", "стоп2",       "\xff\xfe",
                                     "СТО",     "TOP"};

  for (size_t i = 0; i < AG_ARRAY_LEN(none); i++)
    ck_assert_msg(match(none[i]) == NULL, "'%s' taken for a keyword", none[i]);
  ck_assert_ptr_null(sms_keyword_match(NULL, 4, sms_keywords_default, sms_keywords_default_n));
}
END_TEST

/* A configured word works like the shipped ones. */
START_TEST(test_configured_words)
{
  static const struct sms_keyword extra[] = {{SMS_KW_STOP, "ОТПИСАТЬСЯ", "ru"},
                                             {SMS_KW_STOP, "Жазылымнан шығу", "kk"}};
  const struct sms_keyword *k = sms_keyword_match("отписаться!", strlen("отписаться!"), extra, 2);

  ck_assert_ptr_nonnull(k);
  ck_assert_str_eq(k->lang, "ru");
  /* A word with a space inside is never matched: a keyword is one word. */
  ck_assert_ptr_null(sms_keyword_match("Жазылымнан шығу", strlen("Жазылымнан шығу"), extra, 2));
}
END_TEST

static Suite *keyword_suite(void)
{
  Suite *s = suite_create("sms_keyword");
  TCase *tc = tcase_create("keyword");

  tcase_add_test(tc, test_stop_words);
  tcase_add_test(tc, test_look_alikes);
  tcase_add_test(tc, test_start_words);
  tcase_add_test(tc, test_not_keywords);
  tcase_add_test(tc, test_configured_words);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(keyword_suite)
