/* fuzz_sms_keyword.c: libFuzzer target for sms_keyword_match(): on any bytes it never crashes,
 * and its verdict does not change when spaces and punctuation are put around the message or its
 * ASCII letters change case (what the matcher promises to ignore), while a letter added to a
 * matching message always unmatches it. Seeds: tests/fuzz/seeds/sms_keyword. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sms/sms.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct sms_keyword *match(const char *s, size_t n)
{
  return sms_keyword_match(s, n, sms_keywords_default, sms_keywords_default_n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const struct sms_keyword *k = match((const char *)data, size);
  char *buf;

  if (size > 256)
    return 0;
  buf = malloc(size + 8);
  FUZZ_CHECK(buf != NULL);
  /* Around it: " ! " and "?." change nothing. */
  memcpy(buf, " ! ", 3);
  memcpy(buf + 3, data, size);
  memcpy(buf + 3 + size, "?.", 2);
  FUZZ_CHECK(match(buf, size + 5) == k);
  /* ASCII case changes nothing. */
  for (size_t i = 0; i < size; i++) {
    char c = (char)data[i];
    buf[i] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c >= 'A' && c <= 'Z' ? c + 32 : c);
  }
  FUZZ_CHECK(match(buf, size) == k);
  /* A keyword with a letter more is none (no keyword is another plus a letter at its end). */
  if (k) {
    memcpy(buf, data, size);
    buf[size] = 'q';
    FUZZ_CHECK(match(buf, size + 1) == NULL);
  }
  free(buf);
  return 0;
}
