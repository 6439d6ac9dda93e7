/* fuzz_phone.c: libFuzzer target for ag_phone_normalize() and ag_phone_mask(). Checks the output
 * contract, idempotence, and cross-checks acceptance with simple facts about the input's digits. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ag.h"
#include "lib/ag_phone.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int is_digit(uint8_t c)
{
  return c >= '0' && c <= '9';
}

/* 1 when the 3 digits at d are a mobile operator code of Kazakhstan, written out again here
 * (not borrowed from the library) so that the oracle is independent of the code it judges. */
static int mobile(const uint8_t *d)
{
  static const char *const codes[] = {"700", "701", "702", "703", "704", "705", "706", "707",
                                      "708", "747", "771", "775", "776", "777", "778"};

  for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
    if (memcmp(d, codes[i], 3) == 0)
      return 1;
  return 0;
}

/* 1 when the input is one of the accepted forms written with digits only (and a leading '+'),
 * which the normaliser must accept whatever its separator policy. */
static int plain_form_accepted(const uint8_t *s, size_t n)
{
  for (size_t i = (n > 0 && s[0] == '+'); i < n; i++) {
    if (!is_digit(s[i]))
      return 0;
  }
  if (n == 12 && s[0] == '+')
    return s[1] == '7' && mobile(s + 2);
  if (n == 13)
    return memcmp(s, "007", 3) == 0 && mobile(s + 3);
  if (n == 11)
    return (s[0] == '7' || s[0] == '8') && mobile(s + 1);
  if (n == 10)
    return mobile(s);
  return 0;
}

static void check_mask(const char *in, size_t buflen)
{
  char buf[AG_PHONE_MAX + 8];
  const char *m;
  size_t digits = 0;

  memset(buf, 'Z', sizeof(buf));
  m = ag_phone_mask(in, buf, buflen);
  FUZZ_CHECK(m != NULL);
  if (m == buf)
    FUZZ_CHECK(memchr(buf, '\0', buflen) != NULL);
  for (const char *c = m; *c; c++)
    digits += is_digit((uint8_t)*c);
  FUZZ_CHECK(digits <= 4);
  for (size_t i = buflen; i < sizeof(buf); i++)
    FUZZ_CHECK(buf[i] == 'Z');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char out[AG_PHONE_MAX];
  char again[AG_PHONE_MAX];
  char *cstr;
  size_t ndigits = 0, nplus = 0, nparen = 0, other = 0;
  char digits[64];
  int rc;

  for (size_t i = 0; i < size; i++) {
    uint8_t c = data[i];

    if (is_digit(c)) {
      if (ndigits < sizeof(digits))
        digits[ndigits] = (char)c;
      ndigits++;
    } else if (c == '+') {
      nplus++;
    } else if (c == '(' || c == ')') {
      nparen++;
    } else if (c != ' ' && c != '-' && c != '.') {
      other++;
    }
  }

  memset(out, 'X', sizeof(out));
  rc = ag_phone_normalize((const char *)data, size, out);
  FUZZ_CHECK(rc == AG_OK || rc == AG_EPHONE);
  if (rc == AG_OK) {
    FUZZ_CHECK(strlen(out) == 12);
    FUZZ_CHECK(out[0] == '+' && out[1] == '7' && mobile((const uint8_t *)out + 2));
    for (int i = 1; i < 12; i++)
      FUZZ_CHECK(is_digit((uint8_t)out[i]));
    FUZZ_CHECK(other == 0 && nplus <= 1 && (nparen == 0 || nparen == 2));
    FUZZ_CHECK(ndigits == 10 || ndigits == 11 || ndigits == 13);
    /* The national number is the input's last 10 digits, in order. */
    FUZZ_CHECK(memcmp(digits + ndigits - 10, out + 2, 10) == 0);
    FUZZ_CHECK(ag_phone_normalize(out, 12, again) == AG_OK);
    FUZZ_CHECK(strcmp(again, out) == 0);
    {
      char m[AG_PHONE_MAX];

      FUZZ_CHECK(ag_phone_mask(out, m, sizeof(m)) == m);
      FUZZ_CHECK(memcmp(m, "+*******", 8) == 0 && memcmp(m + 8, out + 8, 5) == 0);
    }
  } else {
    FUZZ_CHECK(out[0] == '\0');
  }
  if (plain_form_accepted(data, size))
    FUZZ_CHECK(rc == AG_OK);

  /* Masking arbitrary text, with every small buffer size. */
  cstr = malloc(size + 1);
  FUZZ_CHECK(cstr != NULL);
  memcpy(cstr, data, size);
  cstr[size] = '\0';
  for (size_t buflen = 0; buflen <= AG_PHONE_MAX; buflen++)
    check_mask(cstr, buflen);
  {
    /* As a C string the input may be shorter (an embedded NUL): judge that string. */
    char m[AG_PHONE_MAX], norm[AG_PHONE_MAX];
    size_t slen = strlen(cstr);
    int normalized = ag_phone_normalize(cstr, slen, norm) == AG_OK && strcmp(cstr, norm) == 0;

    ag_phone_mask(cstr, m, sizeof(m));
    FUZZ_CHECK(normalized ? strcmp(m, "****") != 0 : strcmp(m, "****") == 0);
  }
  free(cstr);
  return 0;
}
