/* ag_collate.c: the alphabets of kk, ru and en as rank tables (ag_collate.h). A character's
 * key is one number: separators 0, digits 1..10, letters 100 + their rank, anything else past
 * every letter. Two names compare by their keys, character by character. */
#include "lib/ag_collate.h"

#include <string.h>

#include "lib/ag.h"
#include "lib/ag_lang.h"
#include "lib/ag_text.h"

/* The Kazakh Cyrillic alphabet, capitals, in order (42 letters). */
static const unsigned kk_alphabet[] = {
    0x0410, 0x04D8, 0x0411, 0x0412, 0x0413, 0x0492, 0x0414, 0x0415, 0x0401, 0x0416, 0x0417,
    0x0418, 0x0419, 0x041A, 0x049A, 0x041B, 0x041C, 0x041D, 0x04A2, 0x041E, 0x04E8, 0x041F,
    0x0420, 0x0421, 0x0422, 0x0423, 0x04B0, 0x04AE, 0x0424, 0x0425, 0x04BA, 0x0426, 0x0427,
    0x0428, 0x0429, 0x042A, 0x042B, 0x0406, 0x042C, 0x042D, 0x042E, 0x042F};

/* The Russian alphabet, capitals, in order (33 letters). */
static const unsigned ru_alphabet[] = {
    0x0410, 0x0411, 0x0412, 0x0413, 0x0414, 0x0415, 0x0401, 0x0416, 0x0417, 0x0418, 0x0419,
    0x041A, 0x041B, 0x041C, 0x041D, 0x041E, 0x041F, 0x0420, 0x0421, 0x0422, 0x0423, 0x0424,
    0x0425, 0x0426, 0x0427, 0x0428, 0x0429, 0x042A, 0x042B, 0x042C, 0x042D, 0x042E, 0x042F};

/* The Kazakh letters outside the Russian alphabet and the Russian letter each follows in a
 * Russian list. */
static const unsigned kk_extra[][2] = {{0x04D8, 0x0410}, {0x0492, 0x0413}, {0x049A, 0x041A},
                                       {0x04A2, 0x041D}, {0x04E8, 0x041E}, {0x04B0, 0x0423},
                                       {0x04AE, 0x0423}, {0x04BA, 0x0425}, {0x0406, 0x0418}};

#define KEY_LETTER 100u
#define KEY_OTHER  1000u /* past every letter: 100 + 2 * 42 */

/* The capital of a Cyrillic or Latin letter; anything else unchanged. */
static unsigned upper(unsigned cp)
{
  if (cp >= 'a' && cp <= 'z')
    return cp - 32;
  if (cp >= 0x0430 && cp <= 0x044F)
    return cp - 0x20;
  if (cp >= 0x0450 && cp <= 0x045F)
    return cp - 0x50;
  if (cp >= 0x0490 && cp <= 0x04FF)
    return cp & ~1u; /* the Cyrillic supplement pairs capital (even) and small (odd) */
  return cp;
}

static long rank_in(const unsigned *table, size_t n, unsigned cp)
{
  for (size_t i = 0; i < n; i++)
    if (table[i] == cp)
      return (long)i;
  return -1;
}

static int is_separator(unsigned cp)
{
  return cp == ' ' || cp == '-' || cp == '.' || cp == ',' || cp == '\'' || cp == '(' || cp == ')';
}

/* The key of one character; *foreign set when it is not of lang's alphabet. */
static unsigned key_of(unsigned cp, int lang, int *foreign)
{
  unsigned u = upper(cp);
  long r;

  *foreign = 0;
  if (is_separator(cp))
    return 0;
  if (cp >= '0' && cp <= '9')
    return 1 + (cp - '0');
  if (lang == AG_LANG_KK && (r = rank_in(kk_alphabet, AG_ARRAY_LEN(kk_alphabet), u)) >= 0)
    return KEY_LETTER + 2 * (unsigned)r;
  if (lang == AG_LANG_RU) {
    if ((r = rank_in(ru_alphabet, AG_ARRAY_LEN(ru_alphabet), u)) >= 0)
      return KEY_LETTER + 2 * (unsigned)r;
    for (size_t i = 0; i < AG_ARRAY_LEN(kk_extra); i++) {
      if (kk_extra[i][0] == u) {
        *foreign = 1;
        r = rank_in(ru_alphabet, AG_ARRAY_LEN(ru_alphabet), kk_extra[i][1]);
        return KEY_LETTER + 2 * (unsigned)r + 1;
      }
    }
  }
  if (lang == AG_LANG_EN && u >= 'A' && u <= 'Z')
    return KEY_LETTER + 2 * (u - 'A');
  *foreign = 1;
  return KEY_OTHER + cp;
}

/* The key of the character at *s (n bytes left), moving *s past it. */
static unsigned next_key(const char **s, size_t *n, int lang, int *foreign)
{
  unsigned cp;
  size_t len;

  if (ag_text_utf8_next(*s, *n, &cp, &len) != AG_OK) {
    *foreign = 1;
    (*s)++;
    (*n)--;
    return KEY_OTHER + 0x110000u; /* invalid: after every character */
  }
  *s += len;
  *n -= len;
  return key_of(cp, lang, foreign);
}

int ag_collate_cmp(const char *a, const char *b, int lang)
{
  const char *p = a, *q = b;
  size_t m = strlen(a), n = strlen(b);
  int foreign;

  while (m > 0 && n > 0) {
    unsigned x = next_key(&p, &m, lang, &foreign), y = next_key(&q, &n, lang, &foreign);
    if (x != y)
      return x < y ? -1 : 1;
  }
  if (m != n)
    return m == 0 ? -1 : 1; /* a prefix first */
  return strcmp(a, b);
}

unsigned ag_collate_foreign(const char *s, int lang, size_t *at)
{
  size_t n = s ? strlen(s) : 0;
  const char *p = s;

  while (n > 0) {
    const char *here = p;
    unsigned cp;
    size_t len;
    int foreign;
    if (ag_text_utf8_next(p, n, &cp, &len) != AG_OK)
      cp = 0xFFFD;
    next_key(&p, &n, lang, &foreign);
    if (foreign) {
      if (at)
        *at = (size_t)(here - s);
      return cp;
    }
  }
  return 0;
}
