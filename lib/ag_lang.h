/* ag_lang.h: the survey's languages, one table for every module. Their codes are spelled the
 * same in content files, the places file, the database and the logs; the order is the menu
 * order, and the index of a language is its slot in every per-language array (sess_lang,
 * store_place names).
 *
 * Pure: no I/O, no globals besides a const table.
 */
#ifndef AG_LANG_H
#define AG_LANG_H

enum ag_lang { AG_LANG_KK = 0, AG_LANG_RU, AG_LANG_EN, AG_NLANG };

/* The code of lang ("kk", "ru", "en"); NULL when lang is not one of enum ag_lang. */
const char *ag_lang_code(int lang);

/* The language whose code is `code` (borrowed; exact and lowercase, as stored), or -1 when
 * there is none (also for NULL). */
int ag_lang_find(const char *code);

#endif
