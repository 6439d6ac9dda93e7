/* sess_session.c: what the gateway may know of a session, and the queue of hops waiting for the
 * caller's profile.
 *
 * The profile is read once per session, by the first hop that needs it; hops arriving meanwhile
 * (a carrier retrying, say) wait in a bounded queue and all go on when the load settles.
 */
#include "sessions/sess-internal.h"
#include "lib/ag.h"
#include "lib/ag_phone.h"

#include <stdio.h>
#include <string.h>

const char *sess_session_id(const struct sess_session *s)
{
  return s->id;
}

const char *sess_session_carrier(const struct sess_session *s)
{
  return s->carrier;
}

const char *sess_session_msisdn(const struct sess_session *s)
{
  return s->msisdn;
}

const char *sess_session_phone_masked(const struct sess_session *s, char *buf, size_t len)
{
  return ag_phone_mask(s->msisdn, buf, len); /* made when asked: kept, it would cost 20 bytes */
}

const uint8_t *sess_session_respondent(const struct sess_session *s)
{
  return s->respondent;
}

struct sess_content *sess_session_content(const struct sess_session *s)
{
  return s->content;
}

const struct sess_ctx *sess_session_ctx(const struct sess_session *s)
{
  return &s->ctx;
}

size_t sess_session_hops(const struct sess_session *s)
{
  return s->hops;
}

size_t sess_session_size(const struct sess_session *s)
{
  return sizeof(*s) + strlen(s->id) + 1 + sess__profile_size(s->ctx.profile);
}

long long sess_session_created_us(const struct sess_session *s)
{
  return s->created_us;
}

enum sess_end_reason sess_session_ended(const struct sess_session *s)
{
  return s->ended;
}

enum sess_lang sess_session_lang(const struct sess_session *s)
{
  if (s->shown)
    return (enum sess_lang)s->shown_lang;
  return s->ctx.profile && s->ctx.profile->has_lang ? s->ctx.profile->lang : SESS_KK;
}

void sess_session_shown(struct sess_session *s, size_t hop, enum sess_lang lang)
{
  /* A retry of an earlier hop (its screen may be in another language) changes nothing. */
  if (s->shown && hop < s->shown_hop)
    return;
  s->shown = 1;
  s->shown_hop = hop > UINT8_MAX ? UINT8_MAX : (uint8_t)hop;
  s->shown_lang = (uint8_t)lang;
}

void sess_session_at(struct sess_session *s, const struct sess_reply *r)
{
  s->at_file = r->file;
  s->at_screen = r->screen;
  s->at_question = r->question != 0;
}

const char *sess_session_file(const struct sess_session *s)
{
  return s->at_file;
}

const char *sess_session_screen(const struct sess_session *s)
{
  return s->at_screen;
}

int sess_session_question(const struct sess_session *s)
{
  return s->at_question;
}

void sess_session_set_network(struct sess_session *s, const char *code)
{
  snprintf(s->network, sizeof(s->network), "%s", code ? code : "");
}

const char *sess_session_network(const struct sess_session *s)
{
  return s->network;
}

long long sess_session_age_ms(const struct sess_session *s, long long now_ms)
{
  return now_ms - s->created_ms;
}

long long sess_session_idle_ms(const struct sess_session *s, long long now_ms)
{
  return now_ms - s->created_ms - (long long)s->last_ms;
}

long long sess_mono_ms(void)
{
  return sess__mono_ms();
}

int sess_profile_wait(struct sess_session *s, struct sess_waiter *w, int *load)
{
  struct sess_waiter **tail = &s->waiting;

  *load = 0;
  if (s->profile_state == SESS_PROFILE_READY)
    return AG_OK;
  if (s->n_waiting == SESS_MAX_WAITING)
    return AG_E2BIG;
  if (s->profile_state == SESS_PROFILE_NONE) {
    s->profile_state = SESS_PROFILE_LOADING;
    *load = 1;
  }
  while (*tail)
    tail = &(*tail)->next;
  w->next = NULL;
  *tail = w;
  s->n_waiting++;
  return AG_AGAIN;
}

void sess_profile_settle(struct sess_session *s, int rc, struct sess_profile *p)
{
  struct sess_waiter *w = s->waiting;
  const struct sess_profile *packed = rc == AG_OK ? sess__profile_pack(p) : NULL;

  s->waiting = NULL; /* detached first: a waiter may end the session or queue on another */
  s->n_waiting = 0;
  if (rc == AG_OK && !packed)
    rc = AG_ENOMEM;
  /* The session keeps a compact copy (or a shared one): p was built to be grown row by row. */
  sess_profile_cleanup(p);
  if (rc == AG_OK) {
    s->profile_state = SESS_PROFILE_READY;
    s->ctx.profile = packed;
  } else {
    /* Without the profile the session cannot promise "never ask twice": its hops fail. */
    s->profile_state = SESS_PROFILE_NONE;
  }
  while (w) {
    struct sess_waiter *next = w->next;
    w->ready(w, rc);
    w = next;
  }
}
