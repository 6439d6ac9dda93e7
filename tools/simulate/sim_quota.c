/* sim_quota.c: the seedable generator and the exact quotas that make a few thousand synthetic
 * parents land on the published percentages (random draws would miss them by about one point at
 * this size, which is the whole tolerance). */
#include "tools/simulate/sim.h"

#include <math.h>

void sim_rng_seed(struct sim_rng *r, uint64_t seed)
{
  r->s = seed ? seed : 0x9E3779B97F4A7C15ull; /* xorshift never leaves 0 */
}

uint64_t sim_rng_next(struct sim_rng *r)
{
  r->s ^= r->s >> 12;
  r->s ^= r->s << 25;
  r->s ^= r->s >> 27;
  return r->s * 0x2545F4914F6CDD1Dull;
}

uint32_t sim_rng_below(struct sim_rng *r, uint32_t n)
{
  /* The top 32 bits scaled: no modulo bias worth a percentage point at these sizes. */
  return (uint32_t)(((sim_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

void sim_quota(struct sim_rng *r, double share, unsigned char *flags, size_t n)
{
  size_t ones = (size_t)llround(share * (double)n);

  if (ones > n)
    ones = n;
  for (size_t i = 0; i < n; i++)
    flags[i] = i < ones;
  for (size_t i = n; i > 1; i--) { /* Fisher-Yates */
    size_t j = sim_rng_below(r, (uint32_t)i);
    unsigned char t = flags[i - 1];

    flags[i - 1] = flags[j];
    flags[j] = t;
  }
}
