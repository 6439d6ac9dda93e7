/* dialect.c: the registry of carrier dialects, and helpers they share. */
#include "gateway/carriers/gw_dialect.h"
#include "lib/ag.h"

#include <string.h>

extern const struct gw_dialect gw_dialect_at, gw_dialect_kannel;

static const struct gw_dialect *const registry[] = {
    &gw_dialect_at,
    &gw_dialect_kannel,
};

const struct gw_dialect *gw_dialect_find(const char *name)
{
  for (size_t i = 0; name && i < AG_ARRAY_LEN(registry); i++)
    if (strcmp(registry[i]->name, name) == 0)
      return registry[i];
  return NULL;
}

void gw_ussd_step_cleanup(struct gw_ussd_step *step)
{
  ag_form_cleanup(&step->form);
}

int gw_ussd_split_path(struct gw_ussd_step *step, const char *text)
{
  size_t len = strlen(text);
  char *p;

  step->n_inputs = 0;
  if (len >= sizeof(step->path))
    return AG_E2BIG;
  memcpy(step->path, text, len + 1);
  if (len == 0)
    return AG_OK;
  p = step->path;
  for (;;) {
    char *star = strchr(p, '*');
    if (step->n_inputs == SESS_MAX_INPUTS)
      return AG_E2BIG;
    step->inputs[step->n_inputs++] = p;
    if (!star)
      break;
    *star = '\0';
    p = star + 1;
  }
  return AG_OK;
}
