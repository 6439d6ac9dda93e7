/* ag_text.h: how much a UTF-8 text costs on the air, as a handset counts it: GSM 03.38 septets
 * when every character is in the default alphabet, UTF-16 code units (UCS-2) otherwise, and how
 * much of a text fits a screen or SMS part without splitting a character.
 *
 * Pure: no I/O, no globals besides const tables.
 */
#ifndef AG_TEXT_H
#define AG_TEXT_H

#include <stddef.h>

enum ag_enc { AG_ENC_GSM7 = 0, AG_ENC_UCS2 = 1 };

struct ag_text_cost {
  enum ag_enc enc;   /* GSM7 if every code point is in the GSM 03.38 basic table or its extension
                          table, else UCS2 */
  size_t septets;    /* cost in GSM-7 septets (extension chars cost 2); meaningful only when
                        enc == GSM7, and 0 when enc == UCS2 */
  size_t ucs2_units; /* UTF-16 code units (outside the BMP: 2) */
  size_t code_points;
};

/* Measures `len` bytes of `utf8` (borrowed; NULL allowed when len is 0). An empty text is GSM7
 * with every count 0. Returns AG_OK, or AG_EINVAL when out is NULL, when utf8 is NULL with
 * len > 0, or when the text is not valid UTF-8 (overlongs, surrogates, > U+10FFFF, truncated
 * sequences); *out is then all zeroes. */
int ag_text_measure(const char *utf8, size_t len, struct ag_text_cost *out /* OUT */);

/* septets for GSM7, ucs2_units for UCS2: what counts against a screen or SMS budget. 0 for NULL. */
size_t ag_text_units(const struct ag_text_cost *c);

/* Longest prefix, in bytes, of utf8 that costs at most `budget` units in encoding `enc`; never
 * splits a code point (so never a surrogate pair). Input assumed valid UTF-8; should it not be,
 * the prefix stops before the first invalid sequence. With AG_ENC_GSM7 it also stops before the
 * first character GSM-7 cannot encode. Returns 0 for NULL utf8 or an unknown enc. */
size_t ag_text_fit(const char *utf8, size_t len, enum ag_enc enc, size_t budget);

/* 1 if the code point is in the GSM-7 basic table, 2 if in the extension table (^ { } \ [ ~ ] | €
 * and form feed), 0 if not GSM-7. */
int ag_text_gsm7_cost(unsigned cp);

/* The one UTF-8 decoder of the tree (RFC 3629, strict). Looks at the sequence that starts s
 * (n bytes available; borrowed). Returns AG_OK with its code point in *cp and its length (1..4)
 * in *len; AG_AGAIN when the n bytes are a well-formed but unfinished start of a sequence (also
 * for n == 0), so a caller fed byte by byte can wait for more; AG_EINVAL when they cannot start
 * one: a stray continuation byte, an overlong form, a surrogate, a value above U+10FFFF, or
 * s NULL. The last of the n bytes is then the offending one when the first n - 1 were AG_AGAIN.
 * cp and len are written only on AG_OK. */
int ag_text_utf8_next(const char *s, size_t n, unsigned *cp /* OUT */, size_t *len /* OUT */);

/* UTF-16 code units (what a UCS-2 screen counts: 2 outside the BMP) of the first len bytes of
 * utf8, up to its first invalid sequence. 0 for NULL. */
size_t ag_text_utf16_units(const char *utf8, size_t len);

/* The value of one hex digit (either case), or -1. */
int ag_hex_value(int c);

/* Writes the n bytes of in as 2n lower-case hex digits at out (no NUL); returns the end. */
char *ag_hex_put(char *out, const unsigned char *in, size_t n);

#endif
