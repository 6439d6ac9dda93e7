/* check_dial.c: unit tests of the pure parts of `aulgate dial`: wrapping a screen to a 20-column
 * handset (Kazakh, Russian, English, long words, the screen's own newlines, emoji outside the
 * BMP), the framed screen with its character count, and what a keypad can type. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ag.h"
#include "tools/dial/dial.h"
#include "tests/support/ag_check.h"

static char out[4096];

/* Wraps s to width and checks the lines, written with '\n' between them. */
static void wrap_is(const char *s, size_t width, const char *want)
{
  int rc = dial_wrap(s, width, out, sizeof(out));

  ck_assert_msg(rc == AG_OK, "wrap of \"%s\": %s", s, ag_errname(rc));
  ck_assert_msg(strcmp(out, want) == 0, "wrap of \"%s\":\n got \"%s\"\nwant \"%s\"", s, out, want);
}

/* Code points in a NUL-terminated UTF-8 string. */
static size_t cps(const char *s, size_t n)
{
  size_t k = 0;

  for (size_t i = 0; i < n; i++)
    k += ((unsigned char)s[i] & 0xC0) != 0x80;
  return k;
}

/* Prints a screen into memory; the caller frees the text. */
static char *screen_text(const char *screen, int end, int *rc)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);

  ck_assert_ptr_nonnull(f);
  *rc = dial_screen_print(f, screen, end);
  fclose(f);
  return buf;
}

/* Every line between the two rules is '|', 20 columns, '|'; returns the status line. */
static const char *assert_framed(const char *text)
{
  static const char rule[] = "+--------------------+\n";
  const char *p = text, *bottom;

  ck_assert_msg(strncmp(p, rule, sizeof(rule) - 1) == 0, "no top rule:\n%s", text);
  p += sizeof(rule) - 1;
  bottom = strstr(p, rule);
  ck_assert_msg(bottom != NULL, "no bottom rule:\n%s", text);
  while (p < bottom) {
    const char *nl = strchr(p, '\n');
    size_t n = (size_t)(nl - p);

    ck_assert_msg(p[0] == '|' && p[n - 1] == '|', "not framed: %.*s", (int)n, p);
    ck_assert_msg(cps(p, n) == DIAL_WIDTH + 2, "line of %zu columns: %.*s", cps(p, n) - 2, (int)n,
                  p);
    p = nl + 1;
  }
  return bottom + sizeof(rule) - 1;
}

/* --- wrapping --- */

START_TEST(test_dial_wrap_english)
{
  wrap_is("Do you help the school only when it asks you to?\n1 Yes\n2 No", 20,
          "Do you help the\nschool only when it\nasks you to?\n1 Yes\n2 No");
  wrap_is("Thank you! Your answers help your child's school.", 20,
          "Thank you! Your\nanswers help your\nchild's school.");
}
END_TEST

START_TEST(test_dial_wrap_russian)
{
  /* The second line is exactly 20 letters of two bytes each: columns, not bytes, decide. */
  wrap_is("Вы помогаете школе, только когда просят?\n1 Да\n2 Нет", 20,
          "Вы помогаете школе,\nтолько когда просят?\n1 Да\n2 Нет");
}
END_TEST

START_TEST(test_dial_wrap_kazakh)
{
  wrap_is("Мектеп сұрағанда ғана көмектесесіз бе?\n1 Иә\n2 Жоқ", 20,
          "Мектеп сұрағанда\nғана көмектесесіз\nбе?\n1 Иә\n2 Жоқ");
  wrap_is("Рақмет! Жауаптарыңыз балаңыздың мектебіне көмектеседі.", 20,
          "Рақмет! Жауаптарыңыз\nбалаңыздың мектебіне\nкөмектеседі.");
}
END_TEST

START_TEST(test_dial_wrap_long_word_hard_break)
{
  wrap_is("Supercalifragilisticexpialidocious", 20, "Supercalifragilistic\nexpialidocious");
  /* A long word starts its own line, then is cut every 20 columns. */
  wrap_is("a Supercalifragilisticexpialidocious b", 20,
          "a\nSupercalifragilistic\nexpialidocious b");
  wrap_is("ЖауаптарыңызЖауаптарыңызЖауаптарыңыз", 20, "ЖауаптарыңызЖауаптар\nыңызЖауаптарыңыз");
  /* Exactly the width: no empty line after it. */
  wrap_is("abcdefghijklmnopqrst", 20, "abcdefghijklmnopqrst");
  wrap_is("abcdefghijklmnopqrstu", 20, "abcdefghijklmnopqrst\nu");
}
END_TEST

START_TEST(test_dial_wrap_keeps_newlines)
{
  wrap_is("a\nb", 20, "a\nb");
  wrap_is("a\n\nb", 20, "a\n\nb");
  wrap_is("\nfirst line empty", 20, "\nfirst line empty");
  wrap_is("last line empty\n", 20, "last line empty\n");
  wrap_is("windows\r\nline", 20, "windows\nline");
  wrap_is("", 20, "");
}
END_TEST

START_TEST(test_dial_wrap_spaces)
{
  /* Spaces inside a line stay; at a break they vanish, also at the end of a paragraph. */
  wrap_is("1  Yes", 20, "1  Yes");
  wrap_is("  indented", 20, "  indented");
  wrap_is("aaaaaaaaaa     bbbbbbbbbbbbbbb", 20, "aaaaaaaaaa\nbbbbbbbbbbbbbbb");
  wrap_is("trailing   \nnext", 20, "trailing\nnext");
  wrap_is("tab\there", 20, "tab here");
}
END_TEST

START_TEST(test_dial_wrap_emoji_is_one_column)
{
  /* U+1F600 is 4 bytes and 2 UTF-16 units, but one character on the screen. */
  wrap_is("xxxxxxxxxxxxxxxxxx \xF0\x9F\x98\x80", 20, "xxxxxxxxxxxxxxxxxx \xF0\x9F\x98\x80");
  wrap_is("xxxxxxxxxxxxxxxxxxx \xF0\x9F\x98\x80", 20, "xxxxxxxxxxxxxxxxxxx\n\xF0\x9F\x98\x80");
  wrap_is("\xF0\x9F\x91\x8D\xF0\x9F\x91\x8D\xF0\x9F\x91\x8D", 2,
          "\xF0\x9F\x91\x8D\xF0\x9F\x91\x8D\n\xF0\x9F\x91\x8D");
}
END_TEST

START_TEST(test_dial_wrap_controls_are_neutralised)
{
  /* An escape sequence in a reply must not reach the terminal as one. */
  wrap_is("a\x1b[2Jb", 20, "a?[2Jb");
  wrap_is("del\x7f c1\xC2\x9B", 20, "del? c1?");
}
END_TEST

START_TEST(test_dial_wrap_refusals)
{
  char small[8];

  ck_assert_int_eq(dial_wrap("ok \xC3(", 20, out, sizeof(out)), AG_EINVAL);
  ck_assert_str_eq(out, "");
  ck_assert_int_eq(dial_wrap("\xED\xA0\x80", 20, out, sizeof(out)), AG_EINVAL); /* surrogate */
  ck_assert_int_eq(dial_wrap("\xC0\xAF", 20, out, sizeof(out)), AG_EINVAL);     /* overlong */
  ck_assert_int_eq(dial_wrap("abc", 0, out, sizeof(out)), AG_EINVAL);
  ck_assert_int_eq(dial_wrap(NULL, 20, out, sizeof(out)), AG_EINVAL);
  ck_assert_int_eq(dial_wrap("abc", 20, NULL, 10), AG_EINVAL);
  ck_assert_int_eq(dial_wrap("abcdefgh", 20, small, sizeof(small)), AG_E2BIG);
  ck_assert_str_eq(small, "");
  ck_assert_int_eq(dial_wrap("abcdefg", 20, small, sizeof(small)), AG_OK);
}
END_TEST

/* The documented bound, 2 * strlen + 1, holds for the worst case: one-letter words that each
 * wrap, and hard breaks every column. */
START_TEST(test_dial_wrap_bound)
{
  static const char *const worst[] = {"a a a a a a a a", "abcdefgh", "\n\n\n", "ab ab ab ab"};
  char buf[64];

  for (size_t i = 0; i < AG_ARRAY_LEN(worst); i++)
    ck_assert_int_eq(dial_wrap(worst[i], 1, buf, 2 * strlen(worst[i]) + 1), AG_OK);
}
END_TEST

/* --- the framed screen --- */

START_TEST(test_dial_screen_ucs2_framed)
{
  int rc;
  char *t = screen_text("Тіл / Язык / Language\n1 Қазақша\n2 Русский\n3 English", 0, &rc);

  ck_assert_int_eq(rc, AG_OK);
  ck_assert_str_eq(assert_framed(t), "51/80 UCS-2\n");
  ck_assert_ptr_nonnull(strstr(t, "|Тіл / Язык /        |\n|Language            |\n"));
  free(t);
}
END_TEST

START_TEST(test_dial_screen_gsm7_end)
{
  int rc;
  char *t = screen_text("Thank you! Your answers help your child's school.", 1, &rc);

  ck_assert_int_eq(rc, AG_OK);
  ck_assert_str_eq(assert_framed(t), "49/182 GSM-7 [session ends]\n");
  free(t);
}
END_TEST

START_TEST(test_dial_screen_counts_as_the_phone)
{
  int rc;
  char *t;

  /* GSM-7 extension characters cost two septets. */
  t = screen_text("{1}", 0, &rc);
  ck_assert_str_eq(assert_framed(t), "5/182 GSM-7\n");
  free(t);
  /* An emoji is one column but two UCS-2 units. */
  t = screen_text("ok \xF0\x9F\x98\x80", 0, &rc);
  ck_assert_str_eq(assert_framed(t), "5/80 UCS-2\n");
  ck_assert_ptr_nonnull(strstr(t, "|ok \xF0\x9F\x98\x80                |"));
  free(t);
  /* 81 Cyrillic letters: over what one USSD screen can carry. */
  {
    char big[81 * 2 + 1];
    for (int i = 0; i < 81; i++)
      memcpy(big + 2 * i, "ж", 2);
    big[162] = '\0';
    t = screen_text(big, 0, &rc);
    ck_assert_str_eq(assert_framed(t), "81/80 UCS-2 (over the limit)\n");
    free(t);
  }
}
END_TEST

START_TEST(test_dial_screen_empty_and_invalid)
{
  int rc;
  char *t = screen_text("", 1, &rc);

  ck_assert_int_eq(rc, AG_OK);
  ck_assert_str_eq(assert_framed(t), "0/182 GSM-7 [session ends]\n");
  free(t);
  t = screen_text("bad \xFF", 0, &rc);
  ck_assert_int_eq(rc, AG_EINVAL);
  ck_assert_str_eq(t, ""); /* nothing half-drawn */
  free(t);
}
END_TEST

/* --- keypad --- */

START_TEST(test_dial_keypad)
{
  char longest[DIAL_INPUT_MAX + 2];
  size_t at = 99;

  ck_assert_int_eq(dial_keypad_check("1", &at), AG_OK);
  ck_assert_int_eq(dial_keypad_check("0123456789*#", NULL), AG_OK);
  ck_assert_int_eq(dial_keypad_check("", &at), AG_EINVAL);
  ck_assert_uint_eq(at, 0);
  ck_assert_int_eq(dial_keypad_check("12a", &at), AG_EINVAL);
  ck_assert_uint_eq(at, 2);
  ck_assert_int_eq(dial_keypad_check("1 2", &at), AG_EINVAL);
  ck_assert_uint_eq(at, 1);
  ck_assert_int_eq(dial_keypad_check("д", &at), AG_EINVAL);
  ck_assert_uint_eq(at, 0);
  ck_assert_int_eq(dial_keypad_check("+7", &at), AG_EINVAL);
  memset(longest, '1', DIAL_INPUT_MAX);
  longest[DIAL_INPUT_MAX] = '\0';
  ck_assert_int_eq(dial_keypad_check(longest, NULL), AG_OK);
  strcat(longest, "1");
  ck_assert_int_eq(dial_keypad_check(longest, NULL), AG_E2BIG);
}
END_TEST

static Suite *dial_suite(void)
{
  Suite *s = suite_create("dial");
  TCase *wrap = tcase_create("wrap");
  TCase *screen = tcase_create("screen");
  TCase *keypad = tcase_create("keypad");

  tcase_add_test(wrap, test_dial_wrap_english);
  tcase_add_test(wrap, test_dial_wrap_russian);
  tcase_add_test(wrap, test_dial_wrap_kazakh);
  tcase_add_test(wrap, test_dial_wrap_long_word_hard_break);
  tcase_add_test(wrap, test_dial_wrap_keeps_newlines);
  tcase_add_test(wrap, test_dial_wrap_spaces);
  tcase_add_test(wrap, test_dial_wrap_emoji_is_one_column);
  tcase_add_test(wrap, test_dial_wrap_controls_are_neutralised);
  tcase_add_test(wrap, test_dial_wrap_refusals);
  tcase_add_test(wrap, test_dial_wrap_bound);
  suite_add_tcase(s, wrap);
  tcase_add_test(screen, test_dial_screen_ucs2_framed);
  tcase_add_test(screen, test_dial_screen_gsm7_end);
  tcase_add_test(screen, test_dial_screen_counts_as_the_phone);
  tcase_add_test(screen, test_dial_screen_empty_and_invalid);
  suite_add_tcase(s, screen);
  tcase_add_test(keypad, test_dial_keypad);
  suite_add_tcase(s, keypad);
  return s;
}

AG_CHECK_MAIN(dial_suite)
