/* fuzz_sim_screen.c: what `aulgate simulate` does with a gateway's reply: parse the screen and
 * decide what to type. The reply is untrusted bytes from the network.
 *
 * Invariants: parsing fails cleanly or gives options whose labels and text lie inside the
 * screen's own buffer, with keys of at most three digits; deciding never types more than a
 * keypad line and, when it types, types digits only. */
#include "lib/ag.h"
#include "tools/simulate/sim.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int inside(const struct sim_screen *s, const char *p)
{
  return p >= s->buf && p < s->buf + sizeof(s->buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static struct sim_content *content;
  static struct sim_plan plan;
  struct sim_screen s;
  char input[16], err[256];
  const char *node = "L1";

  if (!content) {
    if (sim_content_load(CONTENT_DIR, &content, err, sizeof(err)) != AG_OK)
      abort();
    sim_plan_set(&plan, "L1", "yes");
    sim_plan_set(&plan, "region", "aktobe");
    sim_plan_set(&plan, "school", "12");
  }
  if (sim_screen_parse((const char *)data, size, &s) != AG_OK)
    return 0;
  if (s.n_opts > SIM_OPTS_MAX || (s.text[0] && !inside(&s, s.text)))
    abort();
  for (size_t i = 0; i < s.n_opts; i++)
    if (!inside(&s, s.opts[i].label) || s.opts[i].key > 999 || !s.opts[i].label[0])
      abort();
  if (sim_decide(content, &plan, &s, input, sizeof(input), &node) == SIM_TYPE) {
    if (!input[0] || strspn(input, "0123456789") != strlen(input))
      abort();
  }
  return 0;
}
