/* fuzz_dialect_at.c: libFuzzer target for the `at` USSD dialect, reached through the registry as
 * the HTTP core reaches it. Checks the parse contract on every path (fields on AG_OK and
 * AG_EPHONE, a message on failure, the step always cleanable) and renders what was parsed.
 *
 * Input: the raw form body, as a carrier would POST it. Seeds: the .http golden fixtures of
 * tests/data/dialects/at, copied by the build (tests/fuzz/CMakeLists.txt), and
 * tests/fuzz/seeds/dialect_at. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/carriers/gw_carrier.h"
#include "lib/ag.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1 when p points into the step's own storage: its form buffer (or a form's static "") or path. */
static int in_step(const struct gw_ussd_step *step, const char *p, size_t body_len)
{
  if (p >= step->path && p < step->path + sizeof(step->path))
    return 1;
  if (step->form.buf && p >= step->form.buf && p <= step->form.buf + body_len)
    return 1;
  return *p == '\0'; /* "" for an absent optional field or a value-less key */
}

static void check_id(const struct gw_ussd_step *step, const char *s, int required, size_t len)
{
  FUZZ_CHECK(s != NULL);
  FUZZ_CHECK(in_step(step, s, len));
  FUZZ_CHECK(!required || *s != '\0');
  FUZZ_CHECK(strlen(s) <= GW_USSD_ID_MAX);
}

/* What AG_OK and AG_EPHONE share: every field but the number is there and consistent. */
static void check_fields(const struct gw_ussd_step *step, size_t len)
{
  const char *text = ag_form_get(&step->form, "text");
  size_t joined = 0;

  check_id(step, step->session_id, 1, len);
  check_id(step, step->service_code, 1, len);
  check_id(step, step->network_code, 0, len);
  check_id(step, step->raw_phone, 1, len);
  FUZZ_CHECK(step->session_id == ag_form_get(&step->form, "sessionId"));
  FUZZ_CHECK(step->service_code == ag_form_get(&step->form, "serviceCode"));
  FUZZ_CHECK(step->raw_phone == ag_form_get(&step->form, "phoneNumber"));
  FUZZ_CHECK(text != NULL);
  FUZZ_CHECK(step->n_inputs <= SESS_MAX_INPUTS);
  FUZZ_CHECK((step->n_inputs == 0) == (*text == '\0'));
  /* The inputs, joined again with '*', are the text the carrier sent. */
  for (size_t i = 0; i < step->n_inputs; i++) {
    size_t k = strlen(step->inputs[i]);

    FUZZ_CHECK(step->inputs[i] >= step->path &&
               step->inputs[i] + k < step->path + sizeof(step->path));
    FUZZ_CHECK(memchr(step->inputs[i], '*', k) == NULL);
    FUZZ_CHECK(memcmp(text + joined, step->inputs[i], k) == 0);
    joined += k;
    FUZZ_CHECK(text[joined] == (i + 1 < step->n_inputs ? '*' : '\0'));
    joined++;
  }
}

static void check_msisdn(const char *m)
{
  FUZZ_CHECK(m[0] == '+' && m[1] == '7');
  for (int i = 2; i < 12; i++)
    FUZZ_CHECK(m[i] >= '0' && m[i] <= '9');
  FUZZ_CHECK(m[12] == '\0');
  FUZZ_CHECK(m[2] == '7'); /* Kazakhstan's half of +7 */
}

/* The reply for a screen made of the parsed input: "CON " or "END " and the text, or E2BIG. */
static void check_render(const struct gw_carrier *c, const char *text)
{
  char buf[GW_USSD_REPLY_MAX];
  struct gw_dialect_reply r = {.body = buf, .cap = sizeof(buf)};
  size_t k = strlen(text);

  for (int end = 0; end < 2; end++) {
    int rc = gw_carrier_ussd_render(c, end, text, &r);

    if (k + 4 < r.cap) {
      FUZZ_CHECK(rc == AG_OK);
      FUZZ_CHECK(r.status == 200);
      FUZZ_CHECK(r.content_type != NULL);
      FUZZ_CHECK(r.len == k + 4);
      FUZZ_CHECK(memcmp(r.body, end ? "END " : "CON ", 4) == 0);
      FUZZ_CHECK(memcmp(r.body + 4, text, k) == 0);
    } else {
      FUZZ_CHECK(rc == AG_E2BIG);
    }
  }
}

/* The same bytes as an end-of-session notification: a session id on success, a message on
 * failure, and nothing left allocated either way. */
static void check_end(const struct gw_carrier *c, const uint8_t *data, size_t size)
{
  struct gw_ussd_end end;
  char err[160];
  int rc;

  memset(err, 0x55, sizeof(err));
  rc = gw_carrier_ussd_end(c, (const char *)data, size, &end, err, sizeof(err));
  if (rc == AG_OK)
    FUZZ_CHECK(end.session_id && *end.session_id && strlen(end.session_id) <= GW_USSD_ID_MAX &&
               end.status && end.duration_ms && end.hops);
  else
    FUZZ_CHECK(rc < 0 && memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0');
  ag_form_cleanup(&end.form);
  FUZZ_CHECK(end.form.buf == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static struct gw_carrier c = {.name = "at"};
  struct gw_ussd_step step;
  char err[160];
  int rc;

  if (!c.dialect)
    c.dialect = gw_dialect_find("at");
  FUZZ_CHECK(c.dialect != NULL);
  memset(err, 0x55, sizeof(err)); /* so that a missing NUL shows */
  rc = gw_carrier_ussd_step(&c, (const char *)data, size, &step, err, sizeof(err));
  switch (rc) {
  case AG_OK:
    check_fields(&step, size);
    check_msisdn(step.msisdn);
    check_render(&c, ag_form_get(&step.form, "text"));
    break;
  case AG_EPHONE:
    check_fields(&step, size);
    FUZZ_CHECK(step.msisdn[0] == '\0');
    FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0');
    break;
  case AG_EBADREQ:
  case AG_EDUP:
  case AG_E2BIG:
  case AG_ENOMEM:
    FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0');
    break;
  default:
    FUZZ_CHECK(!"unexpected return code");
  }
  gw_ussd_step_cleanup(&step);
  FUZZ_CHECK(step.form.buf == NULL && step.form.n == 0);
  check_end(&c, data, size);
  return 0;
}
