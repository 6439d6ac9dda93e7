/* fuzz_sms_plan.c: libFuzzer target for sms_plan(): on any bytes, a plan whose parts put
 * together are the text, each within its budget, each cut on a character boundary, with the
 * least number of parts a cut on a character allows; or a refusal that agrees with
 * ag_text_measure(). The first byte picks max_parts (1..16). Seeds: tests/fuzz/seeds/sms_plan. */
#include <stdint.h>
#include <string.h>

#include "lib/ag.h"
#include "lib/ag_text.h"
#include "sms/sms.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *text = (const char *)data + 1;
  size_t len = size ? size - 1 : 0, start = 0, sum = 0, budget;
  size_t max_parts = size ? (size_t)(data[0] % SMS_MAX_PARTS) + 1 : 1;
  struct ag_text_cost whole;
  struct sms_plan p;
  int rc;

  if (!size)
    return 0;
  rc = sms_plan(text, len, max_parts, &p);
  if (ag_text_measure(text, len, &whole) != AG_OK) {
    FUZZ_CHECK(rc == AG_EINVAL);
    return 0;
  }
  FUZZ_CHECK(rc == AG_OK || rc == AG_E2BIG);
  FUZZ_CHECK(p.enc == whole.enc && p.units == ag_text_units(&whole));
  budget = p.enc == AG_ENC_GSM7 ? SMS_PART_GSM7 : SMS_PART_UCS2;
  if (rc == AG_E2BIG) {
    FUZZ_CHECK(p.parts > max_parts);
    return 0;
  }
  FUZZ_CHECK(p.parts >= 1 && p.parts <= max_parts);
  FUZZ_CHECK(p.parts > 1 || p.units <= (p.enc == AG_ENC_GSM7 ? SMS_SINGLE_GSM7 : SMS_SINGLE_UCS2));
  for (size_t i = 0; i < p.parts; i++) {
    struct ag_text_cost c;
    FUZZ_CHECK(p.end[i] > start || (len == 0 && p.end[i] == 0));
    /* A cut on a character: the part measures as valid UTF-8 on its own. */
    FUZZ_CHECK(ag_text_measure(text + start, p.end[i] - start, &c) == AG_OK);
    FUZZ_CHECK(p.units_of[i] == (p.enc == AG_ENC_GSM7 ? c.septets : c.ucs2_units));
    FUZZ_CHECK(p.parts == 1 || p.units_of[i] <= budget);
    /* Greedy: a part stops only where the next character would not fit. */
    if (p.parts > 1 && i + 1 < p.parts) {
      unsigned cp;
      size_t k;
      FUZZ_CHECK(ag_text_utf8_next(text + p.end[i], len - p.end[i], &cp, &k) == AG_OK);
      FUZZ_CHECK(p.units_of[i] + (p.enc == AG_ENC_GSM7 ? (size_t)ag_text_gsm7_cost(cp)
                                                       : (cp > 0xFFFF ? 2u : 1u)) >
                 budget);
    }
    sum += p.units_of[i];
    start = p.end[i];
  }
  FUZZ_CHECK(start == len && sum == p.units);
  return 0;
}
