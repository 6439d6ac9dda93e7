/* ag_phone.h: turns the ways people and carriers write a Kazakhstan mobile number into one E.164
 * form, "+77XXXXXXXXX", and masks numbers for logs and operator screens (personal data, law 94-V).
 *
 * Pure: no I/O, no globals.
 */
#ifndef AG_PHONE_H
#define AG_PHONE_H

#include <stddef.h>

#define AG_PHONE_MAX 16 /* "+77011234567" plus NUL, with room; also enough for ag_phone_mask() */

/* Normalises `len` bytes of `in` (borrowed; need not be NUL-terminated) to "+7" and the 10-digit
 * national number, written NUL-terminated to `out`.
 *
 * Accepted, once spaces, dashes and dots are dropped (anywhere, any number of them) and one pair
 * of parentheses around the 3-digit operator code is removed:
 *   +77XXXXXXXXX    E.164
 *   77XXXXXXXXX     E.164 without '+' (also what an unescaped '+' in a form body turns into)
 *   87XXXXXXXXX     domestic, trunk prefix 8
 *   7XXXXXXXXX      national number alone
 *   0077XXXXXXXXX   international prefix 00
 * The national number must start with a mobile operator code: 700-708, 747, 771, 775-778
 * (Kazakhstan's half of +7 is 7XX; +7 9XX is Russia; 71X-72X are fixed lines).
 *
 * Returns AG_OK, or AG_EPHONE with out = "" for anything else: letters or other characters, a '+'
 * after a digit or a second '+', unbalanced, repeated or misplaced parentheses, wrong digit count,
 * Russian numbers, fixed lines and unassigned codes, empty input. Returns AG_EINVAL, writing
 * nothing, when out is NULL. */
int ag_phone_normalize(const char *in, size_t len, char out[AG_PHONE_MAX] /* OUT */);

/* Writes a masked form of a normalised number into buf and returns buf: '+' and the last 4 digits
 * are kept, every other digit becomes '*' ("+77011234567" -> "+*******4567"). Anything that is
 * not exactly what ag_phone_normalize() outputs (including NULL) gives "****", so a raw number
 * can never leak through. buf (borrowed) needs 13 bytes, AG_PHONE_MAX is enough; when buf is
 * shorter, "****" is written instead if it fits, and when buf is NULL or shorter than 5 bytes the
 * static string "****" is returned, so the result is always safe to log. */
const char *ag_phone_mask(const char *e164, char *buf, size_t buflen);

#endif
