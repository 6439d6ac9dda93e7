/* check_sms_texts.c: the confirmations (read from content/calendar.json) and the calendar's tips
 * as the scheduler sends them. Each confirmation fits one SMS part and names, in its own language,
 * a word that really is the keyword it asks for (sms_keyword_match: the STOP the ON text names
 * stops, the START the OFF text names starts); the tips of a band come in sms_rotation's order,
 * wrap around, and an unknown band takes the file's first. */
#include "tests/support/ag_check.h"
#include "lib/ag.h"
#include "sms/sms.h"

#include <check.h>
#include <string.h>

static const char *const langs[] = {"kk", "ru", "en"};

/* The upper-case words of text (the keyword a parent is asked to send is written so). */
static int names_keyword(const char *text, enum sms_kw want, const char *lang)
{
  char word[64];
  const char *p = text;

  while (*p) {
    size_t n = 0;
    while (*p && *p != ' ' && *p != '.' && *p != ',' && n + 1 < sizeof(word))
      word[n++] = *p++;
    word[n] = '\0';
    if (n > 2) {
      const struct sms_keyword *k =
          sms_keyword_match(word, n, sms_keywords_default, sms_keywords_default_n);
      int upper = 1;
      for (size_t i = 0; i < n; i++)
        upper &= !(word[i] >= 'a' && word[i] <= 'z');
      if (k && k->kind == want && upper && strcmp(k->lang, lang) == 0)
        return 1;
    }
    while (*p == ' ' || *p == '.' || *p == ',')
      p++;
  }
  return 0;
}

START_TEST(test_confirmations_one_part_naming_their_keyword)
{
  struct sms_tips *t = NULL;
  char err[256];

  /* from the content (content/calendar.json), not from C */
  ck_assert_int_eq(sms_tips_load(CONTENT_DIR "/calendar.json", &t, err, sizeof(err)), AG_OK);
  for (int l = 0; l < 3; l++) {
    const char *on = sms_text(t, SMS_TEXT_ON, langs[l]), *off = sms_text(t, SMS_TEXT_OFF, langs[l]);
    struct sms_plan p;
    ck_assert_int_eq(sms_plan(on, strlen(on), SMS_MAX_PARTS, &p), AG_OK);
    ck_assert_uint_eq(p.parts, 1);
    ck_assert_int_eq(sms_plan(off, strlen(off), SMS_MAX_PARTS, &p), AG_OK);
    ck_assert_uint_eq(p.parts, 1);
    ck_assert_msg(names_keyword(on, SMS_KW_STOP, langs[l]), "%s ON names no STOP: %s", langs[l],
                  on);
    ck_assert_msg(names_keyword(off, SMS_KW_START, langs[l]), "%s OFF names no START: %s", langs[l],
                  off);
    off = sms_text(t, SMS_TEXT_OFF_ALL, langs[l]); /* STOP that ended the school's messages too */
    ck_assert_int_eq(sms_plan(off, strlen(off), SMS_MAX_PARTS, &p), AG_OK);
    ck_assert_uint_eq(p.parts, 1);
    ck_assert_msg(names_keyword(off, SMS_KW_START, langs[l]), "%s OFF_ALL names no START: %s",
                  langs[l], off);
  }
  ck_assert_str_eq(sms_text(t, SMS_TEXT_ON, "xx"), sms_text(t, SMS_TEXT_ON, "en"));
  sms_tips_free(t);
}
END_TEST

START_TEST(test_tips_in_rotation_order)
{
  struct sms_tips *t = NULL;
  char err[256];
  const char *first, *again;

  ck_assert_int_eq(sms_tips_load(CONTENT_DIR "/calendar.json", &t, err, sizeof(err)), AG_OK);
  first = sms_tips_pick(t, "pre", "kk", 0);
  ck_assert_ptr_nonnull(first);
  /* the cycle wraps: some seq later the first tip comes again, none before it twice */
  for (long seq = 1; seq <= SMS_ROTATION_MAX; seq++) {
    again = sms_tips_pick(t, "pre", "kk", seq);
    ck_assert_ptr_nonnull(again);
    if (again == first) {
      ck_assert_int_gt(seq, 1);
      break;
    }
  }
  ck_assert_ptr_eq(again, first);
  /* a band not in the file, or none (the child's age unknown): the bands in turn, each in its
   * own order (decision 84); no longer the first band's (pre-school) tips for every child */
  ck_assert_ptr_eq(sms_tips_pick(t, "", "kk", 0), sms_tips_pick(t, "pre", "kk", 0));
  ck_assert_ptr_eq(sms_tips_pick(t, "", "kk", 1), sms_tips_pick(t, "1-4", "kk", 0));
  ck_assert_ptr_eq(sms_tips_pick(t, "", "kk", 2), sms_tips_pick(t, "5-9", "kk", 0));
  ck_assert_ptr_eq(sms_tips_pick(t, "", "kk", 3), sms_tips_pick(t, "10-11", "kk", 0));
  ck_assert_ptr_eq(sms_tips_pick(t, "", "kk", 5), sms_tips_pick(t, "1-4", "kk", 1));
  ck_assert_ptr_eq(sms_tips_pick(t, "nope", "kk", 6), sms_tips_pick(t, "5-9", "kk", 1));
  /* every language has its text; another language falls back to English */
  ck_assert_str_ne(sms_tips_pick(t, "1-4", "ru", 0), sms_tips_pick(t, "1-4", "en", 0));
  ck_assert_ptr_eq(sms_tips_pick(t, "1-4", "de", 0), sms_tips_pick(t, "1-4", "en", 0));
  sms_tips_free(t);
  ck_assert_int_ne(sms_tips_load(CONTENT_DIR "/no-such.json", &t, err, sizeof(err)), AG_OK);
  ck_assert_ptr_null(t);
}
END_TEST

static Suite *texts_suite(void)
{
  Suite *s = suite_create("sms_texts");
  TCase *tc = tcase_create("texts");

  tcase_add_test(tc, test_confirmations_one_part_naming_their_keyword);
  tcase_add_test(tc, test_tips_in_rotation_order);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(texts_suite)
