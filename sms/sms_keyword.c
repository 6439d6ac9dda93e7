/* sms_keyword.c: is a parent's SMS a keyword (STOP, СТОП, ТОҚТА...)? (sms.h)
 *
 * A message is a keyword when, the non-letters around it set aside, its letters spell the word
 * once both are folded to one skeleton: lower case; the Kazakh letters to the Russian letters a
 * phone without a Kazakh keyboard types for them (қ к, ң н, ғ г, ү ұ у, ө о, ә а, һ х, і и; ё е);
 * Latin letters that look like Cyrillic ones to those (C T O typed for С Т О). So "CTOП",
 * "токта" and " Stop! " all count, and "STOP please" or "СТОПКА" do not.
 */
#include "sms/sms.h"
#include "lib/ag.h"
#include "lib/ag_text.h"

#include <string.h>

#define SKEL_MAX 32 /* code points of a keyword's skeleton; a longer message is no keyword */

const struct sms_keyword sms_keywords_default[] = {
    {SMS_KW_STOP, "STOP", "en"},    {SMS_KW_STOP, "СТОП", "ru"},   {SMS_KW_STOP, "ТОҚТА", "kk"},
    {SMS_KW_STOP, "ТОҚТАТУ", "kk"}, {SMS_KW_START, "START", "en"}, {SMS_KW_START, "СТАРТ", "ru"},
    {SMS_KW_START, "БАСТАУ", "kk"},
};
const size_t sms_keywords_default_n = AG_ARRAY_LEN(sms_keywords_default);

static int is_letter(unsigned cp)
{
  return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= 0x400 && cp <= 0x4FF);
}

static unsigned lower(unsigned cp)
{
  if (cp >= 'A' && cp <= 'Z')
    return cp + 0x20;
  if (cp >= 0x410 && cp <= 0x42F)
    return cp + 0x20;
  if (cp >= 0x400 && cp <= 0x40F)
    return cp + 0x50;
  /* The paired letters of the Cyrillic block: upper case even, lower odd, but in U+04C1..U+04CE
   * the other way round. */
  if (((cp >= 0x460 && cp <= 0x481) || (cp >= 0x48A && cp <= 0x4BF) ||
       (cp >= 0x4D0 && cp <= 0x4FF)) &&
      cp % 2 == 0)
    return cp + 1;
  if (cp >= 0x4C1 && cp <= 0x4CE && cp % 2 == 1)
    return cp + 1;
  return cp;
}

/* One lower-case letter to its skeleton letter. */
static unsigned fold(unsigned cp)
{
  static const struct {
    unsigned from, to;
  } map[] = {
      {0x49B, 0x43A}, {0x4A3, 0x43D}, {0x493, 0x433}, {0x4AF, 0x443}, {0x4B1, 0x443},
      {0x4E9, 0x43E}, {0x4D9, 0x430}, {0x4BB, 0x445}, {0x456, 0x438}, {0x451, 0x435},
      {'a', 0x430},   {'b', 0x432},   {'c', 0x441},   {'e', 0x435},   {'h', 0x43D},
      {'i', 0x438},   {'k', 0x43A},   {'m', 0x43C},   {'o', 0x43E},   {'p', 0x440},
      {'t', 0x442},   {'x', 0x445},   {'y', 0x443},
  };

  for (size_t i = 0; i < AG_ARRAY_LEN(map); i++)
    if (map[i].from == cp)
      return map[i].to;
  return cp;
}

/* The skeleton of the letters of utf8 once the spaces, punctuation and symbols at both ends are
 * set aside; -1 when it is not valid UTF-8, has a digit, or anything but letters between its
 * first and last letter, no letter, or more than SKEL_MAX letters. */
static int skeleton(const char *utf8, size_t len, unsigned out[SKEL_MAX])
{
  size_t pos = 0, k;
  unsigned cp;
  int n = 0, trailing = 0;

  while (pos < len) {
    if (ag_text_utf8_next(utf8 + pos, len - pos, &cp, &k) != AG_OK)
      return -1;
    pos += k;
    if (cp >= '0' && cp <= '9') /* "12 стоп" says more than stop: no keyword */
      return -1;
    if (!is_letter(cp)) {
      trailing = n > 0; /* before the word: skipped; after it: only more of the same may follow */
      continue;
    }
    if (trailing || n == SKEL_MAX)
      return -1;
    out[n++] = fold(lower(cp));
  }
  return n ? n : -1;
}

const struct sms_keyword *sms_keyword_match(const char *utf8, size_t len,
                                            const struct sms_keyword *words, size_t n_words)
{
  unsigned got[SKEL_MAX], want[SKEL_MAX];
  int n;

  if (!utf8 || (n = skeleton(utf8, len, got)) < 0)
    return NULL;
  for (size_t i = 0; i < n_words; i++) {
    int m = skeleton(words[i].word, strlen(words[i].word), want);
    if (m == n && memcmp(got, want, (size_t)n * sizeof(got[0])) == 0)
      return &words[i];
  }
  return NULL;
}

int sms_keywords_parse(const char *spec, char *buf, size_t buflen, struct sms_keyword *out,
                       size_t cap, size_t *n)
{
  char *save = NULL, *tok;
  unsigned skel[SKEL_MAX];

  *n = 0;
  if (!spec || strlen(spec) >= buflen)
    return AG_EINVAL;
  memcpy(buf, spec, strlen(spec) + 1);
  for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    char *kind, *lang, *word, *end;
    tok += strspn(tok, " ");
    for (end = tok + strlen(tok); end > tok && end[-1] == ' ';)
      *--end = '\0';
    kind = tok;
    lang = strchr(kind, ':');
    word = lang ? strchr(lang + 1, ':') : NULL;
    if (!word || *n == cap)
      return AG_EINVAL;
    *lang++ = '\0';
    *word++ = '\0';
    if ((strcmp(kind, "stop") != 0 && strcmp(kind, "start") != 0) ||
        (strcmp(lang, "kk") != 0 && strcmp(lang, "ru") != 0 && strcmp(lang, "en") != 0) ||
        skeleton(word, strlen(word), skel) < 0)
      return AG_EINVAL;
    out[(*n)++] = (struct sms_keyword){kind[2] == 'o' ? SMS_KW_STOP : SMS_KW_START, word,
                                       lang[0] == 'k'   ? "kk"
                                       : lang[0] == 'r' ? "ru"
                                                        : "en"};
  }
  return AG_OK;
}
