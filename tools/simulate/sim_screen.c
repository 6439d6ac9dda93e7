/* sim_screen.c: a reply of the `at` dialect read as a handset shows it: the text, then the
 * numbered lines a parent chooses from. Pure, so the fuzz target drives it directly. */
#include "tools/simulate/sim.h"
#include "lib/ag.h"

#include <string.h>

/* The label of an option line "<1-3 digits> <label>" (into line, NUL-terminated), with its
 * number in *key; NULL when the line is not one. */
static const char *sim_option_line(const char *line, unsigned *key)
{
  unsigned k = 0;
  size_t i = 0;

  while (i < 3 && line[i] >= '0' && line[i] <= '9')
    k = k * 10 + (unsigned)(line[i++] - '0');
  if (i == 0 || line[i] != ' ' || line[i + 1] == '\0' || line[i + 1] == ' ')
    return NULL;
  *key = k;
  return line + i + 1;
}

int sim_screen_parse(const char *body, size_t len, struct sim_screen *out)
{
  char *lines[SIM_SCREEN_MAX]; /* buf has fewer bytes, so fewer lines */
  size_t n = 0, first_opt;

  memset(out, 0, offsetof(struct sim_screen, buf));
  out->buf[0] = '\0';
  out->text = out->buf;
  if (len < 4 || memchr(body, '\0', len))
    return AG_EBADREQ;
  if (memcmp(body, "CON ", 4) == 0)
    out->end = 0;
  else if (memcmp(body, "END ", 4) == 0)
    out->end = 1;
  else
    return AG_EBADREQ;
  if (len - 4 >= SIM_SCREEN_MAX)
    return AG_E2BIG;
  memcpy(out->buf, body + 4, len - 4);
  out->buf[len - 4] = '\0';

  for (char *p = out->buf; p; n++) {
    char *nl = strchr(p, '\n');

    lines[n] = p;
    if (nl)
      *nl = '\0';
    p = nl ? nl + 1 : NULL;
  }
  while (n > 0 && lines[n - 1][0] == '\0') /* a trailing newline is not a line */
    n--;
  first_opt = n;
  while (first_opt > 0) {
    unsigned key;

    if (!sim_option_line(lines[first_opt - 1], &key))
      break;
    first_opt--;
  }
  if (n - first_opt > SIM_OPTS_MAX)
    return AG_E2BIG;
  for (size_t i = first_opt; i < n; i++) {
    struct sim_option *o = &out->opts[out->n_opts++];

    o->label = sim_option_line(lines[i], &o->key);
  }
  /* Re-join the text lines: they sit in order at the start of buf, split by the NULs above. */
  for (size_t i = 1; i < first_opt; i++)
    lines[i][-1] = '\n';
  if (first_opt == 0)
    out->text = "";
  return AG_OK;
}
