/* check_text.c: unit tests of sess_text: the GSM 03.38 tables, measuring Kazakh, Russian, English,
 * GSM-extension and emoji text, and cutting text to a budget without splitting a character. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ag.h"
#include "lib/ag_lang.h"
#include "lib/ag_text.h"
#include "tests/support/ag_check.h"

/* The GSM 03.38 default alphabet in the standard's own order (septet value = index), written
 * independently of the implementation's lookup so the two check each other. 0x1B is the escape
 * to the extension table, not a character. */
#define ESC 0xFFFFFFFFu
static const unsigned gsm_basic_by_septet[128] = {
    0x0040, 0x00A3, 0x0024, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC, /* @ £ $ ¥ è é ù ì */
    0x00F2, 0x00C7, 0x000A, 0x00D8, 0x00F8, 0x000D, 0x00C5, 0x00E5, /* ò Ç LF Ø ø CR Å å */
    0x0394, 0x005F, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8, /* Δ _ Φ Γ Λ Ω Π Ψ */
    0x03A3, 0x0398, 0x039E, ESC,    0x00C6, 0x00E6, 0x00DF, 0x00C9, /* Σ Θ Ξ ESC Æ æ ß É */
    0x0020, 0x0021, 0x0022, 0x0023, 0x00A4, 0x0025, 0x0026, 0x0027, /* SP ! " # ¤ % & ' */
    0x0028, 0x0029, 0x002A, 0x002B, 0x002C, 0x002D, 0x002E, 0x002F, /* ( ) * + , - . / */
    0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037, /* 0-7 */
    0x0038, 0x0039, 0x003A, 0x003B, 0x003C, 0x003D, 0x003E, 0x003F, /* 8 9 : ; < = > ? */
    0x00A1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047, /* ¡ A-G */
    0x0048, 0x0049, 0x004A, 0x004B, 0x004C, 0x004D, 0x004E, 0x004F, /* H-O */
    0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057, /* P-W */
    0x0058, 0x0059, 0x005A, 0x00C4, 0x00D6, 0x00D1, 0x00DC, 0x00A7, /* X Y Z Ä Ö Ñ Ü § */
    0x00BF, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067, /* ¿ a-g */
    0x0068, 0x0069, 0x006A, 0x006B, 0x006C, 0x006D, 0x006E, 0x006F, /* h-o */
    0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077, /* p-w */
    0x0078, 0x0079, 0x007A, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0, /* x y z ä ö ñ ü à */
};

/* The extension table's characters: form feed ^ { } \ [ ~ ] | € */
static const unsigned gsm_extension[] = {0x000C, 0x005E, 0x007B, 0x007D, 0x005C,
                                         0x005B, 0x007E, 0x005D, 0x007C, 0x20AC};

static struct ag_text_cost measure_ok(const char *s)
{
  struct ag_text_cost c;

  ck_assert_msg(ag_text_measure(s, strlen(s), &c) == AG_OK, "refused \"%s\"", s);
  return c;
}

/* --- tables --- */

START_TEST(test_text_gsm7_basic_table)
{
  for (size_t i = 0; i < AG_ARRAY_LEN(gsm_basic_by_septet); i++) {
    if (gsm_basic_by_septet[i] == ESC)
      continue;
    ck_assert_msg(ag_text_gsm7_cost(gsm_basic_by_septet[i]) == 1, "septet 0x%02zx U+%04X", i,
                  gsm_basic_by_septet[i]);
  }
}
END_TEST

START_TEST(test_text_gsm7_extension_table)
{
  for (size_t i = 0; i < AG_ARRAY_LEN(gsm_extension); i++)
    ck_assert_msg(ag_text_gsm7_cost(gsm_extension[i]) == 2, "U+%04X", gsm_extension[i]);
}
END_TEST

START_TEST(test_text_gsm7_nothing_else)
{
  size_t ones = 0, twos = 0;

  /* Every Unicode scalar value: exactly the 127 + 10 characters above are GSM-7. */
  for (unsigned cp = 0; cp <= 0x10FFFF; cp++) {
    int cost = ag_text_gsm7_cost(cp);

    ck_assert(cost >= 0 && cost <= 2);
    ones += cost == 1;
    twos += cost == 2;
  }
  ck_assert_uint_eq(ones, 127);
  ck_assert_uint_eq(twos, 10);
  ck_assert_int_eq(ag_text_gsm7_cost(0x110000), 0);
  ck_assert_int_eq(ag_text_gsm7_cost(0xFFFFFFFFu), 0);
}
END_TEST

START_TEST(test_text_gsm7_not_in_table)
{
  /* Kazakh Cyrillic letters, both cases: ә ғ қ ң ө ұ ү һ і and Ә Ғ Қ Ң Ө Ұ Ү Һ І. */
  static const unsigned kazakh[] = {0x04D9, 0x0493, 0x049B, 0x04A3, 0x04E9, 0x04B1,
                                    0x04AF, 0x04BB, 0x0456, 0x04D8, 0x0492, 0x049A,
                                    0x04A2, 0x04E8, 0x04B0, 0x04AE, 0x04BA, 0x0406};
  /* Latin-Kazakh letters outside GSM-7: ğ ş ū ı İ (and capitals Ğ Ş Ū). */
  static const unsigned latin_kk[] = {0x011F, 0x015F, 0x016B, 0x0131,
                                      0x0130, 0x011E, 0x015E, 0x016A};
  /* Near misses: backtick, TAB, NUL, NBSP, ç (only capital Ç is GSM-7), small delta, Cyrillic А
   * (looks like A), ê (é is GSM-7, ê is not), ESC (0x1B is a septet, not a character), an emoji,
   * the replacement character. */
  static const unsigned misc[] = {0x0060, 0x0009, 0x0000, 0x00A0,  0x00E7, 0x03B4,
                                  0x0410, 0x00EA, 0x001B, 0x1F44B, 0xFFFD};

  for (size_t i = 0; i < AG_ARRAY_LEN(kazakh); i++)
    ck_assert_msg(ag_text_gsm7_cost(kazakh[i]) == 0, "U+%04X", kazakh[i]);
  for (size_t i = 0; i < AG_ARRAY_LEN(latin_kk); i++)
    ck_assert_msg(ag_text_gsm7_cost(latin_kk[i]) == 0, "U+%04X", latin_kk[i]);
  for (size_t i = 0; i < AG_ARRAY_LEN(misc); i++)
    ck_assert_msg(ag_text_gsm7_cost(misc[i]) == 0, "U+%04X", misc[i]);
  /* Cyrillic block as a whole. */
  for (unsigned cp = 0x0400; cp <= 0x04FF; cp++)
    ck_assert_int_eq(ag_text_gsm7_cost(cp), 0);
}
END_TEST

/* --- measure --- */

START_TEST(test_text_measure_english)
{
  const char *tip = "Count the spoons with your child while you set the table. Which pile is "
                    "bigger?";
  struct ag_text_cost c = measure_ok(tip);

  ck_assert_int_eq(c.enc, AG_ENC_GSM7);
  ck_assert_uint_eq(c.septets, strlen(tip));
  ck_assert_uint_eq(c.ucs2_units, strlen(tip));
  ck_assert_uint_eq(c.code_points, strlen(tip));
  ck_assert_uint_eq(ag_text_units(&c), strlen(tip));
}
END_TEST

START_TEST(test_text_measure_gsm_specials)
{
  /* @ $ _ £ ¥ and accented letters are one septet each; LF and CR too. */
  struct ag_text_cost c = measure_ok("@$_£¥èéùìòÇØøÅåΔΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà\n\r ");

  ck_assert_int_eq(c.enc, AG_ENC_GSM7);
  ck_assert_uint_eq(c.code_points, 45);
  ck_assert_uint_eq(c.septets, 45);
}
END_TEST

START_TEST(test_text_measure_extension)
{
  struct ag_text_cost c = measure_ok("{a}€");

  ck_assert_int_eq(c.enc, AG_ENC_GSM7);
  ck_assert_uint_eq(c.septets, 2 + 1 + 2 + 2);
  ck_assert_uint_eq(c.ucs2_units, 4);
  ck_assert_uint_eq(c.code_points, 4);
  ck_assert_uint_eq(ag_text_units(&c), 7);

  c = measure_ok("^{}\\[~]|€\f");
  ck_assert_int_eq(c.enc, AG_ENC_GSM7);
  ck_assert_uint_eq(c.septets, 20);
  ck_assert_uint_eq(c.code_points, 10);
}
END_TEST

START_TEST(test_text_measure_russian)
{
  struct ag_text_cost c = measure_ok("Привет, как дела?");

  ck_assert_int_eq(c.enc, AG_ENC_UCS2);
  ck_assert_uint_eq(c.code_points, 17);
  ck_assert_uint_eq(c.ucs2_units, 17);
  ck_assert_uint_eq(c.septets, 0);
  ck_assert_uint_eq(ag_text_units(&c), 17);
}
END_TEST

START_TEST(test_text_measure_kazakh)
{
  struct ag_text_cost c = measure_ok("Қайырлы таң! Балаңызбен бірге оқыңыз.");

  ck_assert_int_eq(c.enc, AG_ENC_UCS2);
  ck_assert_uint_eq(c.code_points, 37);
  ck_assert_uint_eq(c.ucs2_units, 37);
  ck_assert_uint_eq(ag_text_units(&c), 37);
}
END_TEST

START_TEST(test_text_measure_latin_kazakh)
{
  struct ag_text_cost c = measure_ok("Sälem, ñ ö ü");

  ck_assert_int_eq(c.enc, AG_ENC_GSM7);
  ck_assert_uint_eq(c.septets, 12);

  /* One letter outside GSM-7 turns the whole text into UCS-2. */
  c = measure_ok("Balañyzben birge oqyñyz, ağa");
  ck_assert_int_eq(c.enc, AG_ENC_UCS2);
  ck_assert_uint_eq(c.ucs2_units, 28);
  c = measure_ok("İ");
  ck_assert_int_eq(c.enc, AG_ENC_UCS2);
  c = measure_ok("qūs");
  ck_assert_int_eq(c.enc, AG_ENC_UCS2);
  c = measure_ok("qyz bala ış");
  ck_assert_int_eq(c.enc, AG_ENC_UCS2);
}
END_TEST

START_TEST(test_text_measure_emoji)
{
  struct ag_text_cost c = measure_ok("Hi 👋");

  ck_assert_int_eq(c.enc, AG_ENC_UCS2);
  ck_assert_uint_eq(c.code_points, 4);
  ck_assert_uint_eq(c.ucs2_units, 5); /* U+1F44B is a surrogate pair */
  ck_assert_uint_eq(ag_text_units(&c), 5);

  /* Family: three emoji joined by two ZWJ (BMP) = 5 code points, 3 * 2 + 2 = 8 units. */
  c = measure_ok("\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7");
  ck_assert_uint_eq(c.code_points, 5);
  ck_assert_uint_eq(c.ucs2_units, 8);

  /* U+10FFFF, the last code point, also costs 2. */
  c = measure_ok("\xF4\x8F\xBF\xBF");
  ck_assert_uint_eq(c.ucs2_units, 2);
}
END_TEST

START_TEST(test_text_measure_empty)
{
  struct ag_text_cost c;

  memset(&c, 0xAB, sizeof(c));
  ck_assert_int_eq(ag_text_measure("", 0, &c), AG_OK);
  ck_assert_int_eq(c.enc, AG_ENC_GSM7);
  ck_assert_uint_eq(c.septets, 0);
  ck_assert_uint_eq(c.ucs2_units, 0);
  ck_assert_uint_eq(c.code_points, 0);
  ck_assert_int_eq(ag_text_measure(NULL, 0, &c), AG_OK);
  ck_assert_uint_eq(ag_text_units(&c), 0);
}
END_TEST

START_TEST(test_text_measure_embedded_nul)
{
  struct ag_text_cost c;

  /* len, not strlen, counts; U+0000 is valid UTF-8 but not GSM-7 (septet 0 is '@'). */
  ck_assert_int_eq(ag_text_measure("a\0b", 3, &c), AG_OK);
  ck_assert_uint_eq(c.code_points, 3);
  ck_assert_int_eq(c.enc, AG_ENC_UCS2);
}
END_TEST

START_TEST(test_text_measure_invalid_utf8)
{
  static const char *const bad[] = {
      "\xC0\xAF",         /* overlong '/' */
      "\xC1\xBF",         /* overlong */
      "\xE0\x80\xAF",     /* overlong, 3 bytes */
      "\xF0\x80\x80\xAF", /* overlong, 4 bytes */
      "\xED\xA0\x80",     /* U+D800, a surrogate */
      "\xED\xBF\xBF",     /* U+DFFF */
      "\xF4\x90\x80\x80", /* U+110000 */
      "\xF7\xBF\xBF\xBF", /* far above U+10FFFF */
      "\x80",             /* lone continuation */
      "ab\xE2\x82",       /* truncated at the end */
      "\xE2\x82x",        /* truncated in the middle */
      "\xFE",             /* never valid */
      "\xFF",             /* never valid */
      "ok \xD0",          /* truncated Cyrillic */
  };
  struct ag_text_cost c;

  for (size_t i = 0; i < AG_ARRAY_LEN(bad); i++) {
    memset(&c, 0xAB, sizeof(c));
    ck_assert_msg(ag_text_measure(bad[i], strlen(bad[i]), &c) == AG_EINVAL, "case %zu", i);
    ck_assert_uint_eq(c.code_points, 0);
    ck_assert_uint_eq(c.ucs2_units, 0);
  }
  /* A valid prefix does not make a truncated length valid. */
  ck_assert_int_eq(ag_text_measure("Ә", 1, &c), AG_EINVAL);
  ck_assert_int_eq(ag_text_measure("a", 1, NULL), AG_EINVAL);
  ck_assert_int_eq(ag_text_measure(NULL, 1, &c), AG_EINVAL);
}
END_TEST

START_TEST(test_text_units_null)
{
  ck_assert_uint_eq(ag_text_units(NULL), 0);
}
END_TEST

/* --- fit --- */

/* Asserts that fit() returns `want` bytes, and that the prefix is on a code point boundary. */
static void assert_fit(const char *s, enum ag_enc enc, size_t budget, size_t want)
{
  size_t got = ag_text_fit(s, strlen(s), enc, budget);

  ck_assert_msg(got == want, "fit(\"%s\", %d, %zu) = %zu, want %zu", s, (int)enc, budget, got,
                want);
  ck_assert((unsigned char)s[got] < 0x80 || (unsigned char)s[got] >= 0xC0);
}

START_TEST(test_text_fit_gsm7)
{
  assert_fit("hello world", AG_ENC_GSM7, 5, 5);
  assert_fit("hello world", AG_ENC_GSM7, 0, 0);
  assert_fit("hello world", AG_ENC_GSM7, 100, 11);
  assert_fit("", AG_ENC_GSM7, 10, 0);
  /* An extension character never half-fits: "abc" is 3 septets, "€" 2 more. */
  assert_fit("abc€d", AG_ENC_GSM7, 4, 3);
  assert_fit("abc€d", AG_ENC_GSM7, 5, 6);
  assert_fit("abc€d", AG_ENC_GSM7, 6, 7);
  assert_fit("{}", AG_ENC_GSM7, 3, 1);
  /* Two-byte GSM characters (é is one septet) are never split either. */
  assert_fit("éé", AG_ENC_GSM7, 1, 2);
  /* GSM-7 cannot encode Cyrillic: the prefix stops before it whatever the budget. */
  assert_fit("abcЖd", AG_ENC_GSM7, 100, 3);
}
END_TEST

START_TEST(test_text_fit_ucs2)
{
  assert_fit("Привет", AG_ENC_UCS2, 3, 6);
  assert_fit("Привет", AG_ENC_UCS2, 6, 12);
  assert_fit("Сәлем", AG_ENC_UCS2, 2, 4);
  assert_fit("abc€d", AG_ENC_UCS2, 4, 6);
}
END_TEST

START_TEST(test_text_fit_surrogate_pair)
{
  /* "ab👋c": the emoji needs 2 units, so with 3 only "ab" fits, never half of the pair. */
  assert_fit("ab👋c", AG_ENC_UCS2, 2, 2);
  assert_fit("ab👋c", AG_ENC_UCS2, 3, 2);
  assert_fit("ab👋c", AG_ENC_UCS2, 4, 6);
  assert_fit("ab👋c", AG_ENC_UCS2, 5, 7);
  assert_fit("👋", AG_ENC_UCS2, 1, 0);
  /* An emoji in GSM-7 mode is not encodable. */
  assert_fit("ab👋c", AG_ENC_GSM7, 100, 2);
}
END_TEST

START_TEST(test_text_fit_sms_part_boundary)
{
  /* 66 Cyrillic letters then an emoji: one 67-unit concatenated part ends before the emoji. */
  char text[66 * 2 + 4 + 1];
  size_t n = 0;

  for (int i = 0; i < 66; i++) {
    memcpy(text + n, "Ж", 2);
    n += 2;
  }
  memcpy(text + n, "👋", 4);
  n += 4;
  text[n] = '\0';
  ck_assert_uint_eq(ag_text_fit(text, n, AG_ENC_UCS2, 67), 132);
  ck_assert_uint_eq(ag_text_fit(text, n, AG_ENC_UCS2, 68), n);
}
END_TEST

START_TEST(test_text_fit_ussd_screen)
{
  /* A Kazakh screen longer than the 80-character UCS-2 USSD limit is cut at 80 characters. */
  const char *line = "Балаңызбен бірге кітап оқыңыз. ";
  char text[1024] = "";
  struct ag_text_cost whole, cut;
  size_t bytes;

  while (strlen(text) + strlen(line) < sizeof(text))
    strcat(text, line);
  ck_assert_int_eq(ag_text_measure(text, strlen(text), &whole), AG_OK);
  ck_assert_uint_gt(whole.ucs2_units, 80);
  bytes = ag_text_fit(text, strlen(text), AG_ENC_UCS2, 80);
  ck_assert_int_eq(ag_text_measure(text, bytes, &cut), AG_OK);
  ck_assert_uint_eq(cut.ucs2_units, 80);
}
END_TEST

START_TEST(test_text_fit_every_budget)
{
  /* For every budget: a valid prefix, within budget, and maximal (one more code point would not
   * fit). Mixed widths: 1-byte, 2-byte, 3-byte (€, 2 septets), 4-byte (emoji, 2 units). */
  static const char *const texts[] = {"aé€👋b{Ж}", "Hi 👋👋 €€ end", "ø{}\\[~]|€^"};

  for (size_t t = 0; t < AG_ARRAY_LEN(texts); t++) {
    const char *s = texts[t];
    size_t len = strlen(s);

    for (int e = 0; e <= 1; e++) {
      enum ag_enc enc = (enum ag_enc)e;

      for (size_t budget = 0; budget <= 2 * len; budget++) {
        size_t got = ag_text_fit(s, len, enc, budget);
        struct ag_text_cost c;

        ck_assert_uint_le(got, len);
        ck_assert_int_eq(ag_text_measure(s, got, &c), AG_OK);
        ck_assert_uint_le(enc == AG_ENC_GSM7 ? c.septets : c.ucs2_units, budget);
        if (enc == AG_ENC_GSM7)
          ck_assert_int_eq(c.enc, AG_ENC_GSM7);
        if (got < len && (enc == AG_ENC_UCS2 || c.enc == AG_ENC_GSM7)) {
          /* Extending by one code point must exceed the budget or hit a non-GSM character. */
          size_t next = got + 1;
          struct ag_text_cost more;

          while (next < len && ((unsigned char)s[next] & 0xC0) == 0x80)
            next++;
          ck_assert_int_eq(ag_text_measure(s, next, &more), AG_OK);
          if (enc == AG_ENC_UCS2)
            ck_assert_uint_gt(more.ucs2_units, budget);
          else
            ck_assert(more.enc == AG_ENC_UCS2 || more.septets > budget);
        }
      }
    }
  }
}
END_TEST

START_TEST(test_text_fit_invalid_input)
{
  /* Documented degradation: stop before an invalid sequence; never read past len. */
  ck_assert_uint_eq(ag_text_fit("ab\xC0\xAF"
                                "cd",
                                6, AG_ENC_UCS2, 100),
                    2);
  ck_assert_uint_eq(ag_text_fit("ab\xE2\x82", 4, AG_ENC_UCS2, 100), 2);
  ck_assert_uint_eq(ag_text_fit("Ж", 1, AG_ENC_UCS2, 100), 0);
  ck_assert_uint_eq(ag_text_fit(NULL, 5, AG_ENC_UCS2, 100), 0);
  ck_assert_uint_eq(ag_text_fit("abc", 3, (enum ag_enc)7, 100), 0);
}
END_TEST

/* --- the decoder, the UTF-16 counter, the language table --- */

START_TEST(test_text_utf8_next_each_length)
{
  static const struct {
    const char *s;
    unsigned cp;
    size_t len;
  } ok[] = {{"A", 0x41, 1},
            {"\xD2\x9B", 0x049B, 2},
            {"\xE2\x82\xAC", 0x20AC, 3},
            {"\xF0\x9F\x98\x80", 0x1F600, 4},
            {"\xF4\x8F\xBF\xBF", 0x10FFFF, 4}};

  for (size_t i = 0; i < AG_ARRAY_LEN(ok); i++) {
    unsigned cp = 0;
    size_t len = 0;

    ck_assert_int_eq(ag_text_utf8_next(ok[i].s, strlen(ok[i].s), &cp, &len), AG_OK);
    ck_assert_uint_eq(cp, ok[i].cp);
    ck_assert_uint_eq(len, ok[i].len);
    /* Every proper prefix is an unfinished sequence, never an error. */
    for (size_t n = 0; n < ok[i].len; n++)
      ck_assert_int_eq(ag_text_utf8_next(ok[i].s, n, &cp, &len), AG_AGAIN);
  }
}
END_TEST

START_TEST(test_text_utf8_next_refuses)
{
  /* The offending byte is the last one given: what lets ag_form name its offset. */
  static const char *const bad[] = {
      "\x80",         /* stray continuation */
      "\xC0",         /* always overlong */
      "\xC1",         /* always overlong */
      "\xE0\x80",     /* overlong 3-byte form */
      "\xED\xA0",     /* surrogate */
      "\xF0\x80",     /* overlong 4-byte form */
      "\xF4\x90",     /* beyond U+10FFFF */
      "\xF5",         /* beyond U+10FFFF */
      "\xFF",         /* never in UTF-8 */
      "\xE2\x82\x41", /* a continuation byte missing */
  };
  unsigned cp = 7;
  size_t len = 7;

  for (size_t i = 0; i < AG_ARRAY_LEN(bad); i++)
    ck_assert_msg(ag_text_utf8_next(bad[i], strlen(bad[i]), &cp, &len) == AG_EINVAL, "case %zu", i);
  ck_assert_uint_eq(cp, 7);
  ck_assert_uint_eq(len, 7);
  ck_assert_int_eq(ag_text_utf8_next(NULL, 1, &cp, &len), AG_EINVAL);
}
END_TEST

START_TEST(test_text_utf16_units)
{
  ck_assert_uint_eq(ag_text_utf16_units("", 0), 0);
  ck_assert_uint_eq(ag_text_utf16_units(NULL, 0), 0);
  ck_assert_uint_eq(ag_text_utf16_units("Ақтөбе", strlen("Ақтөбе")), 6);
  ck_assert_uint_eq(ag_text_utf16_units("a\xF0\x9F\x98\x80", 5), 3); /* a pair outside the BMP */
  ck_assert_uint_eq(ag_text_utf16_units("ab\xE2\x82", 4), 2);        /* up to the bad sequence */
}
END_TEST

START_TEST(test_lang_table)
{
  ck_assert_int_eq(AG_NLANG, 3);
  ck_assert_str_eq(ag_lang_code(AG_LANG_KK), "kk");
  ck_assert_str_eq(ag_lang_code(AG_LANG_RU), "ru");
  ck_assert_str_eq(ag_lang_code(AG_LANG_EN), "en");
  ck_assert_ptr_null(ag_lang_code(-1));
  ck_assert_ptr_null(ag_lang_code(AG_NLANG));
  for (int l = 0; l < AG_NLANG; l++)
    ck_assert_int_eq(ag_lang_find(ag_lang_code(l)), l);
  ck_assert_int_eq(ag_lang_find("KK"), -1);
  ck_assert_int_eq(ag_lang_find("kz"), -1);
  ck_assert_int_eq(ag_lang_find(""), -1);
  ck_assert_int_eq(ag_lang_find(NULL), -1);
}
END_TEST

static Suite *text_suite(void)
{
  Suite *s = suite_create("text");
  TCase *tc;

  tc = tcase_create("tables");
  tcase_add_test(tc, test_text_gsm7_basic_table);
  tcase_add_test(tc, test_text_gsm7_extension_table);
  tcase_add_test(tc, test_text_gsm7_nothing_else);
  tcase_add_test(tc, test_text_gsm7_not_in_table);
  suite_add_tcase(s, tc);

  tc = tcase_create("measure");
  tcase_add_test(tc, test_text_measure_english);
  tcase_add_test(tc, test_text_measure_gsm_specials);
  tcase_add_test(tc, test_text_measure_extension);
  tcase_add_test(tc, test_text_measure_russian);
  tcase_add_test(tc, test_text_measure_kazakh);
  tcase_add_test(tc, test_text_measure_latin_kazakh);
  tcase_add_test(tc, test_text_measure_emoji);
  tcase_add_test(tc, test_text_measure_empty);
  tcase_add_test(tc, test_text_measure_embedded_nul);
  tcase_add_test(tc, test_text_measure_invalid_utf8);
  tcase_add_test(tc, test_text_units_null);
  suite_add_tcase(s, tc);

  tc = tcase_create("fit");
  tcase_add_test(tc, test_text_fit_gsm7);
  tcase_add_test(tc, test_text_fit_ucs2);
  tcase_add_test(tc, test_text_fit_surrogate_pair);
  tcase_add_test(tc, test_text_fit_sms_part_boundary);
  tcase_add_test(tc, test_text_fit_ussd_screen);
  tcase_add_test(tc, test_text_fit_every_budget);
  tcase_add_test(tc, test_text_fit_invalid_input);
  suite_add_tcase(s, tc);

  tc = tcase_create("utf8");
  tcase_add_test(tc, test_text_utf8_next_each_length);
  tcase_add_test(tc, test_text_utf8_next_refuses);
  tcase_add_test(tc, test_text_utf16_units);
  tcase_add_test(tc, test_lang_table);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(text_suite)
