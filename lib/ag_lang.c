/* ag_lang.c: the language table, kept in one place so that the engine, the places seeder and
 * the gateway can never disagree on which languages exist or how they are spelled. */
#include "lib/ag_lang.h"

#include <string.h>

#include "lib/ag.h"

static const char *const lang_codes[AG_NLANG] = {"kk", "ru", "en"};

const char *ag_lang_code(int lang)
{
  return lang >= 0 && lang < AG_NLANG ? lang_codes[lang] : NULL;
}

int ag_lang_find(const char *code)
{
  for (int l = 0; code && l < AG_NLANG; l++)
    if (strcmp(code, lang_codes[l]) == 0)
      return l;
  return -1;
}
