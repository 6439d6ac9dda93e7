/* sms_plan.c: a message's coding and its parts (sms.h). The costs come from lib/ag_text, the
 * one place that knows GSM 03.38 and UTF-16; here is only where the cuts go. */
#include "sms/sms.h"
#include "lib/ag.h"

#include <string.h>

/* How many parts of part_budget units a text of total units needs at the least, were every cut
 * free to fall anywhere: a lower bound, and the answer unless a cut must move back. */
static size_t parts_at_least(size_t total, size_t part_budget)
{
  return (total + part_budget - 1) / part_budget;
}

int sms_plan(const char *utf8, size_t len, size_t max_parts, struct sms_plan *out)
{
  struct ag_text_cost cost;
  size_t single, part, pos = 0, n = 0;

  if (!out || max_parts < 1 || max_parts > SMS_MAX_PARTS)
    return AG_EINVAL;
  memset(out, 0, sizeof(*out));
  if (ag_text_measure(utf8, len, &cost) != AG_OK)
    return AG_EINVAL;
  out->enc = cost.enc;
  out->units = ag_text_units(&cost);
  single = cost.enc == AG_ENC_GSM7 ? SMS_SINGLE_GSM7 : SMS_SINGLE_UCS2;
  part = cost.enc == AG_ENC_GSM7 ? SMS_PART_GSM7 : SMS_PART_UCS2;
  if (out->units <= single) {
    out->parts = 1;
    out->end[0] = len;
    out->units_of[0] = out->units;
    return AG_OK;
  }
  if (parts_at_least(out->units, part) > max_parts) {
    out->parts = parts_at_least(out->units, part);
    if (out->parts > SMS_MAX_PARTS + 1)
      out->parts = SMS_MAX_PARTS + 1;
    return AG_E2BIG;
  }
  while (pos < len) {
    size_t take = ag_text_fit(utf8 + pos, len - pos, cost.enc, part);
    struct ag_text_cost c;
    if (n == max_parts || take == 0) { /* take 0 cannot happen for a text that measured */
      out->parts = n + 1;
      return AG_E2BIG;
    }
    ag_text_measure(utf8 + pos, take, &c); /* a prefix of valid UTF-8 cut at a character */
    out->end[n] = pos + take;
    out->units_of[n] = cost.enc == AG_ENC_GSM7 ? c.septets : c.ucs2_units;
    pos += take;
    n++;
  }
  out->parts = n;
  return AG_OK;
}
