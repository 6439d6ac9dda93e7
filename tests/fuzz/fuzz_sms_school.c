/* fuzz_sms_school.c: libFuzzer target for sms_school_text() and sms_school_check(): on any
 * bytes split into a school's name and a request, either a refusal (invalid UTF-8, empty
 * request) or a message that starts with the name (or its cut prefix), holds the request whole,
 * ends with a stop word, and whose plan agrees with the check's verdict. The first byte picks
 * the language and where the name ends. Seeds: tests/fuzz/seeds/sms_school. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ag.h"
#include "lib/ag_text.h"
#include "sms/sms.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char name[256], req[1024], out[SMS_SCHOOL_TEXT_MAX];
  const char *lang;
  size_t cut, rlen;
  struct sms_school_fit f;
  struct sms_plan p;
  struct ag_text_cost c;
  int rc, rc2;

  if (size < 1 || size > 1 + 255 + 1023)
    return 0;
  lang = data[0] & 1 ? "kk" : "ru";
  cut = (size_t)(data[0] >> 1) % (size);
  if (cut > size - 1)
    cut = size - 1;
  if (cut > 255 || size - 1 - cut > 1023)
    return 0;
  memcpy(name, data + 1, cut);
  name[cut] = '\0';
  rlen = size - 1 - cut;
  memcpy(req, data + 1 + cut, rlen);
  req[rlen] = '\0';
  if (strlen(name) != cut || strlen(req) != rlen)
    return 0; /* a NUL inside: C strings cannot carry it */
  rc = sms_school_text(name, req, lang, out, sizeof(out));
  rc2 = sms_school_check(name, req, lang, 75, &f);
  if (ag_text_measure(name, cut, &c) != AG_OK || ag_text_measure(req, rlen, &c) != AG_OK) {
    FUZZ_CHECK(rc == AG_EINVAL && rc2 == AG_EINVAL);
    return 0;
  }
  FUZZ_CHECK(rc2 == AG_OK);
  if (!rlen) {
    FUZZ_CHECK(rc == AG_EINVAL && !f.sms_ok && !f.ussd_ok);
    return 0;
  }
  FUZZ_CHECK(rc == AG_OK);
  FUZZ_CHECK(strstr(out, req) != NULL);
  FUZZ_CHECK(strstr(out, lang[0] == 'k' ? "ТОҚТА" : "СТОП") != NULL);
  FUZZ_CHECK(f.chars == c.code_points);
  rc = sms_plan(out, strlen(out), SMS_SCHOOL_MAX_PARTS, &p);
  FUZZ_CHECK((rc == AG_OK) == (f.sms_ok != 0));
  FUZZ_CHECK(p.enc == AG_ENC_UCS2);
  return 0;
}
