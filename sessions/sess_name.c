/* sess_name.c: the first name a parent may give a school with their number (issue 13), typed on
 * the keypad in a free-text USSD input.
 *
 * Only letters of the alphabets parents write in (Kazakh and Russian Cyrillic, Latin with the
 * letters of the Kazakh Latin alphabet), with single spaces, hyphens and apostrophes between
 * them: a name like "Айгүл", "Анна-Мария", "O'Neil", "Ақ Жан". A digit or any other sign is
 * refused, so that a number typed by mistake into the name field never reaches the school as a
 * "name", and what the school's page shows is a name, not markup. The right single quote (’,
 * what some handsets type) is kept as an ASCII apostrophe.
 */
#include "sessions/sess.h"
#include "lib/ag_text.h"
#include "lib/ag.h"

#include <string.h>

static int is_letter(unsigned cp)
{
  return (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') ||
         (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7) ||     /* Latin-1, Extended-A/B */
         (cp >= 0x400 && cp <= 0x4FF && !(cp >= 0x482 && cp <= 0x489)); /* Cyrillic letters */
}

/* Appends cp (a letter, or one of ' -) as UTF-8; the caller checked the room. */
static size_t put(char *out, size_t at, unsigned cp)
{
  if (cp < 0x80) {
    out[at] = (char)cp;
    return at + 1;
  }
  out[at] = (char)(0xC0 | (cp >> 6));
  out[at + 1] = (char)(0x80 | (cp & 0x3F));
  return at + 2;
}

int sess_first_name(const char *in, char out[SESS_FIRST_NAME_BYTES])
{
  size_t n = in ? strlen(in) : 0, at = 0, chars = 0, k;
  int space = 0, letters = 0;
  unsigned prev = 0;

  out[0] = '\0';
  for (size_t i = 0; i < n; i += k) {
    unsigned cp;
    if (ag_text_utf8_next(in + i, n - i, &cp, &k) != AG_OK)
      goto bad;
    if (cp == ' ' || cp == '\t') {
      space = 1; /* written before the next letter, never at either end */
      continue;
    }
    if (cp == 0x2019)
      cp = '\'';
    if (!is_letter(cp) && cp != '-' && cp != '\'')
      goto bad;
    if (at == 0)
      space = 0; /* spaces before the name are dropped */
    /* A hyphen or an apostrophe joins letters: not first, not after a space, not twice. */
    if (!is_letter(cp) && (at == 0 || !is_letter(prev) || space))
      goto bad;
    if (space && !is_letter(prev))
      goto bad; /* "Анна- Мария" */
    if (space) {
      if (chars + 1 > SESS_FIRST_NAME_MAX)
        goto bad;
      at = put(out, at, ' ');
      chars++;
      space = 0;
    }
    if (chars + 1 > SESS_FIRST_NAME_MAX)
      goto bad;
    at = put(out, at, cp);
    chars++;
    letters += is_letter(cp);
    prev = cp;
  }
  if (letters == 0 || !is_letter(prev))
    goto bad; /* empty, or ending on a hyphen or an apostrophe */
  out[at] = '\0';
  return AG_OK;
bad:
  out[0] = '\0';
  return AG_EINVAL;
}
