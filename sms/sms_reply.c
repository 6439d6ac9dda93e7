/* sms_reply.c: is a parent's SMS an answer to a school's request (sms.h)? "1", "2" or "3" (the
 * numbers the request's SMS offers), or a word for them in any of the three languages, matched
 * as STOP is (sms_keyword.c: case, spaces and punctuation around, Kazakh letters typed as Russian
 * ones, Latin look-alikes). Anything more ("1 2", "да, но", "yes please") is no answer: a reply
 * that could mean two things is not counted. */
#include "sms/sms.h"
#include "lib/ag.h"

#include <string.h>

const struct sms_keyword sms_reply_words[] = {
    {SMS_KW_HELP, "YES", "en"},       {SMS_KW_HELP, "ДА", "ru"},
    {SMS_KW_HELP, "DA", "ru"},        {SMS_KW_HELP, "ИӘ", "kk"},
    {SMS_KW_HELP, "ИЯ", "kk"},        {SMS_KW_NOT_NOW, "NO", "en"},
    {SMS_KW_NOT_NOW, "НЕТ", "ru"},    {SMS_KW_NOT_NOW, "NET", "ru"},
    {SMS_KW_NOT_NOW, "ЖОҚ", "kk"},    {SMS_KW_NOT_NOW, "JOK", "kk"},
    {SMS_KW_MORE, "MORE", "en"},      {SMS_KW_MORE, "ПОДРОБНЕЕ", "ru"},
    {SMS_KW_MORE, "ТОЛЫҒЫРАҚ", "kk"},
};
const size_t sms_reply_words_n = AG_ARRAY_LEN(sms_reply_words);

/* Space and ASCII punctuation: what may stand around the digit. */
static int is_filler(unsigned char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '.' || c == ',' || c == '!' ||
         c == '?' || c == '"' || c == '\'' || c == '(' || c == ')' || c == '-' || c == '*' ||
         c == '#';
}

enum sms_kw sms_reply_parse(const char *utf8, size_t len, const char **lang)
{
  size_t a = 0, b = len;
  const struct sms_keyword *k;

  if (lang)
    *lang = NULL;
  if (!utf8)
    return 0;
  while (a < b && is_filler((unsigned char)utf8[a]))
    a++;
  while (b > a && is_filler((unsigned char)utf8[b - 1]))
    b--;
  if (b - a == 1 && utf8[a] >= '1' && utf8[a] <= '3')
    return utf8[a] == '1' ? SMS_KW_HELP : utf8[a] == '2' ? SMS_KW_NOT_NOW : SMS_KW_MORE;
  k = sms_keyword_match(utf8, len, sms_reply_words, sms_reply_words_n);
  if (!k)
    return 0;
  if (lang)
    *lang = k->lang;
  return k->kind;
}

const char *sms_reply_name(enum sms_kw kind)
{
  switch (kind) {
  case SMS_KW_HELP:
    return "help";
  case SMS_KW_NOT_NOW:
    return "not_now";
  case SMS_KW_MORE:
    return "more";
  default:
    return NULL;
  }
}
