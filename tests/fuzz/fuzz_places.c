/* fuzz_places.c: the places seed file (`aulgate seed`) validator on arbitrary bytes.
 *
 * The bytes become the seed file (a memfd, read through /proc/self/fd). The database named is a
 * unix socket that does not exist, so a file that validates stops at the connection: every
 * input ends as a refusal of the file (ECONTENT/EIO) or of the connection (EDB), never a crash
 * or a leak. */
#define _GNU_SOURCE
#include "lib/ag.h"
#include "store/store.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static int fd = -1;
  static FILE *devnull;
  char path[64];
  int rc;

  if (fd < 0) {
    fd = memfd_create("aulgate-places", 0);
    devnull = fopen("/dev/null", "w");
  }
  if (fd < 0 || !devnull || ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
    abort();
  snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
  rc =
      store_places_seed("host=/nonexistent-aulgate-fuzz dbname=x connect_timeout=1", path, devnull);
  if (rc != AG_ECONTENT && rc != AG_EIO && rc != AG_EDB && rc != AG_ENOMEM)
    abort();
  return 0;
}
