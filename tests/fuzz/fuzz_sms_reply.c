/* fuzz_sms_reply.c: libFuzzer target for sms_reply_parse(): on any bytes it never crashes and
 * reads only the bytes it is given; its verdict does not change when spaces and punctuation are
 * put around the message or its ASCII letters change case; an answer with a letter or a digit
 * more is none; and no message is both an answer and STOP or START. Seeds:
 * tests/fuzz/seeds/sms_reply. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sms/sms.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *copy, *buf;
  enum sms_kw k;

  if (size > 256)
    return 0;
  copy = malloc(size ? size : 1); /* exactly size bytes: ASan sees a read past them */
  buf = malloc(size + 8);
  FUZZ_CHECK(copy != NULL && buf != NULL);
  memcpy(copy, data, size);
  k = sms_reply_parse(copy, size, NULL);
  FUZZ_CHECK(k == 0 || sms_reply_name(k) != NULL);
  if (k)
    FUZZ_CHECK(sms_keyword_match(copy, size, sms_keywords_default, sms_keywords_default_n) == NULL);
  /* Around it: " ! " and "?." change nothing. */
  memcpy(buf, " ! ", 3);
  memcpy(buf + 3, data, size);
  memcpy(buf + 3 + size, "?.", 2);
  FUZZ_CHECK(sms_reply_parse(buf, size + 5, NULL) == k);
  /* ASCII case changes nothing. */
  for (size_t i = 0; i < size; i++) {
    char c = (char)data[i];
    buf[i] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c >= 'A' && c <= 'Z' ? c + 32 : c);
  }
  FUZZ_CHECK(sms_reply_parse(buf, size, NULL) == k);
  /* An answer with a letter or a digit more is none. */
  if (k) {
    memcpy(buf, data, size);
    buf[size] = 'q';
    FUZZ_CHECK(sms_reply_parse(buf, size + 1, NULL) == 0);
    buf[size] = '7';
    FUZZ_CHECK(sms_reply_parse(buf, size + 1, NULL) == 0);
  }
  free(buf);
  free(copy);
  return 0;
}
