/* ag_phone.c: one scan collects the digits and checks the punctuation, then the digit count and
 * prefix decide which written form the number was in. */
#include "lib/ag_phone.h"

#include <string.h>

#include "lib/ag.h"

/* "007" + 10 national digits is the longest accepted form. */
#define PHONE_DIGITS_MAX 13

enum phone_paren { PHONE_PAREN_NONE, PHONE_PAREN_OPEN, PHONE_PAREN_CLOSED };

/* Separator policy: spaces, dashes and dots carry no information, so they are dropped wherever
 * they stand and however many there are ("8--701  123", a leading or trailing space). Refusing
 * "8  701..." would only bounce real users, and a stray separator cannot turn one valid number
 * into another. Everything that could change which digits we read is refused instead: any other
 * character, a misplaced or second '+', and parentheses that are not exactly one pair around the
 * operator code. A leading space is also what an unescaped '+' becomes in a form body. */
/* The operator codes of Kazakhstan's mobile networks (the first three national digits):
 * 700-708 (Altel, Kcell, Beeline, Tele2 and their brands), 747 (Tele2/Altel), 771 and 776-777
 * (Beeline), 775 and 778 (Kcell/Activ). Fixed lines use 71x-72x area codes (7172 Astana, 727
 * Almaty): a USSD session never comes from them, and an SMS sent there is lost. */
static int mobile_code(const char *d)
{
  static const char *const codes[] = {"747", "771", "775", "776", "777", "778"};

  if (d[0] == '7' && d[1] == '0' && d[2] >= '0' && d[2] <= '8')
    return 1;
  for (size_t i = 0; i < AG_ARRAY_LEN(codes); i++)
    if (memcmp(d, codes[i], 3) == 0)
      return 1;
  return 0;
}

int ag_phone_normalize(const char *in, size_t len, char out[AG_PHONE_MAX])
{
  char d[PHONE_DIGITS_MAX];
  size_t nd = 0;
  size_t open_at = 0; /* digits seen before '(' */
  enum phone_paren paren = PHONE_PAREN_NONE;
  int plus = 0;
  size_t pre;

  if (out == NULL)
    return AG_EINVAL;
  out[0] = '\0';
  if (in == NULL)
    return AG_EPHONE;

  for (size_t i = 0; i < len; i++) {
    char c = in[i];

    if (c >= '0' && c <= '9') {
      if (nd == sizeof(d))
        return AG_EPHONE;
      d[nd++] = c;
    } else if (c == ' ' || c == '-' || c == '.') {
      continue;
    } else if (c == '+') {
      if (plus || nd > 0 || paren != PHONE_PAREN_NONE)
        return AG_EPHONE;
      plus = 1;
    } else if (c == '(') {
      if (paren != PHONE_PAREN_NONE)
        return AG_EPHONE;
      paren = PHONE_PAREN_OPEN;
      open_at = nd;
    } else if (c == ')') {
      if (paren != PHONE_PAREN_OPEN || nd - open_at != 3)
        return AG_EPHONE;
      paren = PHONE_PAREN_CLOSED;
    } else {
      return AG_EPHONE;
    }
  }
  if (paren == PHONE_PAREN_OPEN)
    return AG_EPHONE;

  /* pre: digits before the national number. */
  if (plus) {
    if (nd != 11 || d[0] != '7')
      return AG_EPHONE;
    pre = 1;
  } else if (nd == 13 && memcmp(d, "007", 3) == 0) {
    pre = 3;
  } else if (nd == 11 && (d[0] == '7' || d[0] == '8')) {
    pre = 1;
  } else if (nd == 10) {
    pre = 0;
  } else {
    return AG_EPHONE;
  }
  if (!mobile_code(d + pre))
    return AG_EPHONE;
  /* The parentheses may only hold the operator code, the first 3 national digits. */
  if (paren == PHONE_PAREN_CLOSED && open_at != pre)
    return AG_EPHONE;

  out[0] = '+';
  out[1] = '7';
  memcpy(out + 2, d + pre, 10);
  out[12] = '\0';
  return AG_OK;
}

/* 1 when s is exactly what ag_phone_normalize() writes: "+7", a mobile code, 7 more digits. */
static int phone_is_normalized(const char *s)
{
  size_t i;

  if (s[0] != '+' || s[1] != '7' || s[2] != '7')
    return 0;
  if (!s[3] || !s[4] || !mobile_code(s + 2))
    return 0;
  for (i = 3; i < 12; i++) {
    if (s[i] < '0' || s[i] > '9')
      return 0; /* also stops at the NUL of a short string */
  }
  return s[12] == '\0';
}

const char *ag_phone_mask(const char *e164, char *buf, size_t buflen)
{
  static const char masked_all[] = "****";

  if (buf == NULL || buflen < sizeof(masked_all))
    return masked_all;
  if (e164 == NULL || buflen < 13 || !phone_is_normalized(e164)) {
    memcpy(buf, masked_all, sizeof(masked_all));
    return buf;
  }
  buf[0] = '+';
  memset(buf + 1, '*', 7);
  memcpy(buf + 8, e164 + 8, 4);
  buf[12] = '\0';
  return buf;
}
