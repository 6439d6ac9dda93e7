/* ag_text.c: decodes UTF-8 strictly and prices each code point in GSM-7 septets and UTF-16 code
 * units, so that screens are cut where the handset would count, never inside a character. */
#include "lib/ag_text.h"

#include <string.h>

#include "lib/ag.h"

/* The non-ASCII code points of the GSM 03.38 basic table, sorted for bsearch-style lookup. The
 * ASCII part is handled by gsm7_ascii_cost() below; together they are the table's 127 characters
 * (its 128th slot, 0x1B, is the escape to the extension table, not a character). */
static const unsigned short gsm7_basic_non_ascii[] = {
    0x00A1, /* ¡ */ 0x00A3, /* £ */ 0x00A4, /* ¤ */ 0x00A5, /* ¥ */ 0x00A7, /* § */
    0x00BF, /* ¿ */ 0x00C4, /* Ä */ 0x00C5, /* Å */ 0x00C6, /* Æ */ 0x00C7, /* Ç */
    0x00C9, /* É */ 0x00D1, /* Ñ */ 0x00D6, /* Ö */ 0x00D8, /* Ø */ 0x00DC, /* Ü */
    0x00DF, /* ß */ 0x00E0, /* à */ 0x00E4, /* ä */ 0x00E5, /* å */ 0x00E6, /* æ */
    0x00E8, /* è */ 0x00E9, /* é */ 0x00EC, /* ì */ 0x00F1, /* ñ */ 0x00F2, /* ò */
    0x00F6, /* ö */ 0x00F8, /* ø */ 0x00F9, /* ù */ 0x00FC, /* ü */ 0x0393, /* Γ */
    0x0394, /* Δ */ 0x0398, /* Θ */ 0x039B, /* Λ */ 0x039E, /* Ξ */ 0x03A0, /* Π */
    0x03A3, /* Σ */ 0x03A6, /* Φ */ 0x03A8, /* Ψ */ 0x03A9,                 /* Ω */
};

#define TEXT_EURO 0x20AC

/* Cost of an ASCII code point. The basic table has all printable ASCII except [ \ ] ^ { | } ~
 * (escaped, in the extension table) and the backtick (absent); of the controls only LF and CR,
 * plus form feed in the extension table. */
static int gsm7_ascii_cost(unsigned cp)
{
  if (cp == '\n' || cp == '\r')
    return 1;
  if (cp == '\f')
    return 2;
  if (cp < 0x20 || cp > 0x7E || cp == '`')
    return 0;
  if (strchr("[\\]^{|}~", (int)cp) != NULL)
    return 2;
  return 1;
}

int ag_text_gsm7_cost(unsigned cp)
{
  size_t lo = 0, hi = AG_ARRAY_LEN(gsm7_basic_non_ascii);

  if (cp < 0x80)
    return gsm7_ascii_cost(cp);
  if (cp == TEXT_EURO)
    return 2;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;

    if (gsm7_basic_non_ascii[mid] == cp)
      return 1;
    if (gsm7_basic_non_ascii[mid] < cp)
      lo = mid + 1;
    else
      hi = mid;
  }
  return 0;
}

/* RFC 3629's table of well-formed sequences, by lead byte: the length, and the range of the
 * second byte (the others are always 80..BF). The narrowed ranges are what refuse overlongs
 * (E0 needs A0.., F0 needs 90..), surrogates (ED allows only ..9F) and code points above
 * U+10FFFF (F4 allows only ..8F), so each bad byte is known the moment it arrives. */
struct utf8_lead {
  unsigned char len, lo, hi;
};

static struct utf8_lead utf8_lead(unsigned char b)
{
  if (b < 0x80)
    return (struct utf8_lead){1, 0, 0};
  if (b >= 0xC2 && b <= 0xDF)
    return (struct utf8_lead){2, 0x80, 0xBF};
  if (b == 0xE0)
    return (struct utf8_lead){3, 0xA0, 0xBF};
  if (b == 0xED)
    return (struct utf8_lead){3, 0x80, 0x9F};
  if (b >= 0xE1 && b <= 0xEF)
    return (struct utf8_lead){3, 0x80, 0xBF};
  if (b == 0xF0)
    return (struct utf8_lead){4, 0x90, 0xBF};
  if (b >= 0xF1 && b <= 0xF3)
    return (struct utf8_lead){4, 0x80, 0xBF};
  if (b == 0xF4)
    return (struct utf8_lead){4, 0x80, 0x8F};
  return (struct utf8_lead){0, 0, 0}; /* 80..BF, C0/C1 (always overlong), F5..FF */
}

int ag_text_utf8_next(const char *s, size_t n, unsigned *cp, size_t *len)
{
  static const unsigned char lead_bits[5] = {0, 0x7F, 0x1F, 0x0F, 0x07};
  const unsigned char *u = (const unsigned char *)s;
  struct utf8_lead lead;
  unsigned v;
  size_t i;

  if (s == NULL && n > 0)
    return AG_EINVAL;
  if (n == 0)
    return AG_AGAIN;
  lead = utf8_lead(u[0]);
  if (lead.len == 0)
    return AG_EINVAL;
  v = u[0] & lead_bits[lead.len];
  for (i = 1; i < lead.len && i < n; i++) {
    unsigned char lo = i == 1 ? lead.lo : 0x80, hi = i == 1 ? lead.hi : 0xBF;

    if (u[i] < lo || u[i] > hi)
      return AG_EINVAL;
    v = (v << 6) | (u[i] & 0x3Fu);
  }
  if (i < lead.len)
    return AG_AGAIN;
  *cp = v;
  *len = lead.len;
  return AG_OK;
}

/* Decodes one code point from s (n > 0 bytes available) into *cp. Returns its length in bytes
 * (1..4), or 0 if s does not start with a well-formed sequence (truncated ones included). */
static size_t text_decode(const unsigned char *s, size_t n, unsigned *cp)
{
  size_t k;

  if (s[0] < 0x80) { /* most of every screen: no call for it */
    *cp = s[0];
    return 1;
  }
  return ag_text_utf8_next((const char *)s, n, cp, &k) == AG_OK ? k : 0;
}

/* UTF-16 code units of one code point: a surrogate pair outside the BMP. */
static size_t utf16_cost(unsigned cp)
{
  return cp > 0xFFFF ? 2 : 1;
}

int ag_text_measure(const char *utf8, size_t len, struct ag_text_cost *out)
{
  const unsigned char *s = (const unsigned char *)utf8;
  int all_gsm = 1;
  size_t pos = 0;

  if (out == NULL)
    return AG_EINVAL;
  memset(out, 0, sizeof(*out));
  out->enc = AG_ENC_GSM7;
  if (utf8 == NULL && len > 0)
    return AG_EINVAL;

  while (pos < len) {
    unsigned cp;
    size_t k = text_decode(s + pos, len - pos, &cp);
    int cost;

    if (k == 0) {
      memset(out, 0, sizeof(*out));
      return AG_EINVAL;
    }
    /* Once one character needs UCS-2 the septets are dropped: stop looking them up. */
    cost = all_gsm ? ag_text_gsm7_cost(cp) : 0;
    if (cost == 0)
      all_gsm = 0;
    out->septets += (size_t)cost;
    out->ucs2_units += utf16_cost(cp);
    out->code_points++;
    pos += k;
  }
  if (!all_gsm) {
    out->enc = AG_ENC_UCS2;
    out->septets = 0;
  }
  return AG_OK;
}

size_t ag_text_units(const struct ag_text_cost *c)
{
  if (c == NULL)
    return 0;
  return c->enc == AG_ENC_GSM7 ? c->septets : c->ucs2_units;
}

size_t ag_text_fit(const char *utf8, size_t len, enum ag_enc enc, size_t budget)
{
  const unsigned char *s = (const unsigned char *)utf8;
  size_t pos = 0, used = 0;

  if (utf8 == NULL || (enc != AG_ENC_GSM7 && enc != AG_ENC_UCS2))
    return 0;
  while (pos < len) {
    unsigned cp;
    size_t k = text_decode(s + pos, len - pos, &cp);
    size_t cost;

    if (k == 0)
      break;
    if (enc == AG_ENC_GSM7)
      cost = (size_t)ag_text_gsm7_cost(cp);
    else
      cost = utf16_cost(cp); /* a surrogate pair is priced, and kept, as one unit of 2 */
    if (cost == 0 || cost > budget - used)
      break;
    used += cost;
    pos += k;
  }
  return pos;
}

size_t ag_text_utf16_units(const char *utf8, size_t len)
{
  size_t pos = 0, units = 0, k;
  unsigned cp;

  while (pos < len && ag_text_utf8_next(utf8 + pos, len - pos, &cp, &k) == AG_OK) {
    units += utf16_cost(cp);
    pos += k;
  }
  return units;
}

char *ag_hex_put(char *out, const unsigned char *in, size_t n)
{
  static const char hex[] = "0123456789abcdef";

  for (size_t i = 0; i < n; i++) {
    *out++ = hex[in[i] >> 4];
    *out++ = hex[in[i] & 15];
  }
  return out;
}

int ag_hex_value(int c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}
