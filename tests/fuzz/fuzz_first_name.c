/* fuzz_first_name.c: libFuzzer target for sess_first_name(), the first name a parent types for a
 * school ("Requests from the school"): on any bytes it never crashes and reads only up to the
 * NUL; a name it accepts is at most SESS_FIRST_NAME_MAX characters of valid UTF-8, with no
 * space at either end, no two spaces, no digit or control character, and reading it again gives
 * it back unchanged; spaces put around the input change nothing; a digit put anywhere refuses
 * it. Seeds: tests/fuzz/seeds/first_name. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ag.h"
#include "lib/ag_text.h"
#include "sessions/sess.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char out[SESS_FIRST_NAME_BYTES], again[SESS_FIRST_NAME_BYTES], *in, *buf;
  struct ag_text_cost cost;
  int rc;

  if (size > 512)
    return 0;
  in = malloc(size + 1); /* exactly the string: ASan sees a read past its NUL */
  buf = malloc(size + 8);
  FUZZ_CHECK(in != NULL && buf != NULL);
  memcpy(in, data, size);
  in[size] = '\0';
  rc = sess_first_name(in, out);
  FUZZ_CHECK(rc == AG_OK || rc == AG_EINVAL);
  if (rc == AG_OK) {
    size_t n = strlen(out);
    FUZZ_CHECK(n > 0 && n < SESS_FIRST_NAME_BYTES);
    FUZZ_CHECK(ag_text_measure(out, n, &cost) == AG_OK);
    FUZZ_CHECK(cost.code_points <= SESS_FIRST_NAME_MAX);
    FUZZ_CHECK(out[0] != ' ' && out[n - 1] != ' ' && !strstr(out, "  "));
    for (size_t i = 0; i < n; i++)
      FUZZ_CHECK(!((unsigned char)out[i] < 0x20 || (out[i] >= '0' && out[i] <= '9')));
    FUZZ_CHECK(sess_first_name(out, again) == AG_OK && strcmp(out, again) == 0);
  } else {
    FUZZ_CHECK(out[0] == '\0');
  }
  /* Spaces around change nothing (unless the input holds a NUL: the name ends there). */
  if (memchr(data, 0, size) == NULL) {
    memcpy(buf, "  ", 2);
    memcpy(buf + 2, data, size);
    memcpy(buf + 2 + size, " ", 2);
    FUZZ_CHECK(sess_first_name(buf, again) == rc);
    if (rc == AG_OK)
      FUZZ_CHECK(strcmp(out, again) == 0);
    /* A digit at the end refuses it. */
    memcpy(buf, data, size);
    memcpy(buf + size, "7", 2);
    FUZZ_CHECK(sess_first_name(buf, again) == AG_EINVAL);
  }
  free(buf);
  free(in);
  return 0;
}
