/* fuzz_config.c: the configuration file loader on arbitrary bytes.
 *
 * The bytes become a file (a memfd, read through /proc/self/fd) so that the real loader runs,
 * path and all. Invariants: a failure always says why; a success leaves every value in the
 * range its key declares. */
#define _GNU_SOURCE
#include "lib/ag.h"
#include "lib/ag_config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static int fd = -1;
  struct ag_config cfg;
  char path[64], err[512];
  int rc;

  if (fd < 0) {
    fd = memfd_create("aulgate-config", 0);
    unsetenv("AULGATE_DB");
    unsetenv("AULGATE_LISTEN");
  }
  if (fd < 0 || ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
    abort();
  snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
  if (ag_config_init(&cfg) != AG_OK)
    abort();
  err[0] = '\0';
  rc = ag_config_load(&cfg, path, err, sizeof(err));
  if (rc != AG_OK && (rc >= 0 || err[0] == '\0'))
    abort(); /* a refusal must be an error with a message */
  if (rc == AG_OK) {
    if (cfg.listen_port < 1 || cfg.listen_port > 65535 || !cfg.db || !*cfg.db ||
        cfg.db_batch_max < 1 || cfg.ussd_budget_ucs2 < 20 || cfg.ussd_budget_ucs2 > 80 ||
        cfg.carrier_allow_ips.n < 1 || cfg.carrier_allow_ips.n > AG_IPNET_MAX)
      abort();
  }
  ag_config_cleanup(&cfg);
  return 0;
}
