/* fuzz_text.c: libFuzzer target for sess_text: measure() must agree with a reference UTF-8 check
 * and with counts derived from lead bytes, and fit() must return a maximal, in-budget prefix that
 * ends on a code point boundary, for several budgets and both encodings. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ag.h"
#include "lib/ag_text.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reference UTF-8 check written differently from ag_text.c's decoder: byte ranges from RFC 3629
 * section 4, no code point assembled. Returns the length of the longest valid prefix. */
static size_t ref_valid_prefix(const uint8_t *s, size_t n)
{
  size_t i = 0;

  while (i < n) {
    uint8_t c = s[i];
    size_t k;
    uint8_t lo = 0x80, hi = 0xBF;

    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      k = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      k = 3;
      lo = c == 0xE0 ? 0xA0 : 0x80;
      hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
      k = 4;
      lo = c == 0xF0 ? 0x90 : 0x80;
      hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
      return i;
    }
    if (n - i < k || s[i + 1] < lo || s[i + 1] > hi)
      return i;
    for (size_t j = 2; j < k; j++) {
      if (s[i + j] < 0x80 || s[i + j] > 0xBF)
        return i;
    }
    i += k;
  }
  return i;
}

static int is_cont(uint8_t c)
{
  return (c & 0xC0) == 0x80;
}

static size_t units_of(const struct ag_text_cost *c, enum ag_enc enc)
{
  return enc == AG_ENC_GSM7 ? c->septets : c->ucs2_units;
}

static void check_fit(const uint8_t *data, size_t size, size_t valid, enum ag_enc enc,
                      size_t budget)
{
  const char *s = (const char *)data;
  size_t got = ag_text_fit(s, size, enc, budget);
  struct ag_text_cost c, more;
  size_t next;

  FUZZ_CHECK(got <= valid && got <= size);
  /* A code point boundary; past the valid prefix there are no code points to speak of (the
   * invalid sequence fit() stops before may well be a stray continuation byte). */
  FUZZ_CHECK(got == valid || !is_cont(data[got]));
  FUZZ_CHECK(ag_text_measure(s, got, &c) == AG_OK);
  if (enc == AG_ENC_GSM7)
    FUZZ_CHECK(c.enc == AG_ENC_GSM7);
  FUZZ_CHECK(units_of(&c, enc) <= budget);
  if (got == valid)
    return; /* stopped by the end or by invalid input */
  /* Maximal: one more code point is over budget, or not encodable in GSM-7. */
  next = got + 1;
  while (next < valid && is_cont(data[next]))
    next++;
  FUZZ_CHECK(ag_text_measure(s, next, &more) == AG_OK);
  if (enc == AG_ENC_GSM7)
    FUZZ_CHECK(more.enc == AG_ENC_UCS2 || more.septets > budget);
  else
    FUZZ_CHECK(more.ucs2_units > budget);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *s = (const char *)data;
  size_t valid = ref_valid_prefix(data, size);
  struct ag_text_cost c;
  int rc = ag_text_measure(s, size, &c);
  const size_t budgets[] = {0, 1, 2, 3, 67, 70, 80, 153, 160, 175, 182, size / 2, size};

  FUZZ_CHECK(rc == AG_OK || rc == AG_EINVAL);
  FUZZ_CHECK((rc == AG_OK) == (valid == size));
  if (rc == AG_OK) {
    size_t cps = 0, astral = 0;

    for (size_t i = 0; i < size; i++) {
      cps += !is_cont(data[i]);
      astral += data[i] >= 0xF0;
    }
    FUZZ_CHECK(c.code_points == cps);
    FUZZ_CHECK(c.ucs2_units == cps + astral);
    if (c.enc == AG_ENC_GSM7) {
      FUZZ_CHECK(c.septets >= cps && c.septets <= 2 * cps);
      FUZZ_CHECK(ag_text_units(&c) == c.septets);
    } else {
      FUZZ_CHECK(c.enc == AG_ENC_UCS2 && c.septets == 0 && cps > 0);
      FUZZ_CHECK(ag_text_units(&c) == c.ucs2_units);
    }
    /* A text fits its own cost exactly, and not one unit less. */
    FUZZ_CHECK(ag_text_fit(s, size, c.enc, ag_text_units(&c)) == size);
    if (size > 0)
      FUZZ_CHECK(ag_text_fit(s, size, c.enc, ag_text_units(&c) - 1) < size);
  } else {
    FUZZ_CHECK(c.code_points == 0 && c.ucs2_units == 0 && c.septets == 0);
  }

  for (size_t b = 0; b < AG_ARRAY_LEN(budgets); b++) {
    check_fit(data, size, valid, AG_ENC_GSM7, budgets[b]);
    check_fit(data, size, valid, AG_ENC_UCS2, budgets[b]);
  }
  check_fit(data, size, valid, AG_ENC_UCS2, SIZE_MAX);

  /* The table lookup on code points built from the input, in and out of range. */
  if (size >= 4) {
    unsigned cp = (unsigned)data[0] << 24 | (unsigned)data[1] << 16 | data[2] << 8 | data[3];
    int cost = ag_text_gsm7_cost(cp);

    FUZZ_CHECK(cost >= 0 && cost <= 2);
    FUZZ_CHECK(ag_text_gsm7_cost(cp & 0x1FFFFF) >= 0);
    if (cp > 0x10FFFF)
      FUZZ_CHECK(cost == 0);
  }
  return 0;
}
