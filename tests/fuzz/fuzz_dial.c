/* fuzz_dial.c: what `aulgate dial` does with a gateway's reply: wrap it to the handset's width
 * and frame it. The reply is untrusted text from the network.
 *
 * Invariants: wrapping either fails cleanly or gives lines of at most the width in code points,
 * with no control character but '\n'; the framed screen prints without error for valid UTF-8. */
#include "lib/ag.h"
#include "tools/dial/dial.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static FILE *devnull;
  char *in = malloc(size + 1), *out = malloc(2 * size + 2);
  size_t col = 0;
  int rc;

  if (!devnull)
    devnull = fopen("/dev/null", "w");
  if (!in || !out || !devnull)
    abort();
  memcpy(in, data, size);
  in[size] = '\0'; /* the tool sees a C string: bytes after a NUL are not part of it */
  rc = dial_wrap(in, DIAL_WIDTH, out, 2 * size + 2);
  if (rc == AG_OK) {
    for (const unsigned char *p = (const unsigned char *)out; *p; p++) {
      if (*p == '\n') {
        col = 0;
        continue;
      }
      if (*p < 0x20 || *p == 0x7f)
        abort(); /* a control character would reach the terminal */
      if ((*p & 0xc0) != 0x80 && ++col > DIAL_WIDTH)
        abort(); /* a line wider than the handset */
    }
    if (dial_screen_print(devnull, in, (int)(size & 1)) != AG_OK)
      abort();
  } else if (rc != AG_EINVAL) {
    abort(); /* 2 * size + 2 bytes are always enough */
  }
  free(in);
  free(out);
  return 0;
}
