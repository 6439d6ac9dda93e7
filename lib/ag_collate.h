/* ag_collate.h: place names in the order of their own alphabet, and the letters that do not
 * belong to it.
 *
 * A list a parent scrolls through on a basic phone is sorted the way a school dictionary of the
 * screen's language sorts it: Kazakh in the Kazakh Cyrillic alphabet (А Ә Б В Г Ғ Д Е Ё Ж З И Й
 * К Қ Л М Н Ң О Ө П Р С Т У Ұ Ү Ф Х Һ Ц Ч Ш Щ Ъ Ы І Ь Э Ю Я), Russian in the Russian one, English
 * in the Latin one. Case does not matter; a space, hyphen, full stop, comma, apostrophe or
 * parenthesis sorts before every letter (so "Алматы қаласы" comes before "Алматыбек"), digits
 * after those and before letters. A character outside the language's alphabet sorts after its
 * letters, by code point; a Kazakh letter in a Russian text sorts right after its Russian base
 * letter (ә after а), so that a place a department adds with such a name still lands near where
 * a reader looks for it.
 *
 * Pure: no I/O, no globals besides const tables. lang is enum ag_lang (lib/ag_lang.h).
 */
#ifndef AG_COLLATE_H
#define AG_COLLATE_H

#include <stddef.h>

/* < 0, 0 or > 0 as a sorts before, with or after b in lang's order; strings that compare equal
 * that way are ordered by their bytes, so only identical strings give 0. Invalid UTF-8 sorts
 * after every valid character. */
int ag_collate_cmp(const char *a, const char *b, int lang);

/* The first character of s that is neither a letter of lang's alphabet (either case) nor a
 * separator or digit as above: its code point, with its byte offset in *at (may be NULL).
 * 0 when every character belongs (or s is NULL); 0xFFFD for invalid UTF-8. */
unsigned ag_collate_foreign(const char *s, int lang, size_t *at /* OUT */);

#endif
