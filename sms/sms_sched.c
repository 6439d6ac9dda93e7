/* sms_sched.c: the calendar scheduler (sms.h). Every poll it claims the subscribers whose next
 * tip is due (store_sms_due: FOR UPDATE SKIP LOCKED and a lease, so that several processes
 * share the work), decides for each the tip of its band's cycle in its language, preceded (a second
 * earlier) by the confirmation when none was queued since it was switched on, and the time it may
 * go out (out of the quiet hours: what is held goes when the window opens, the outbox's rate limit
 * spreading it); then one statement queues them all and moves every subscriber on
 * (store_sms_schedule).
 */
#include "sms/sms.h"
#include "lib/ag.h"
#include "lib/ag_log.h"
#include "lib/ag_loop.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#define DAY_S   (24 * 60 * 60)
#define LEASE_S 600 /* a claim not followed by its schedule (a crash) is taken again after this */

struct sms_sched {
  struct store *st;
  const struct sms_tips *tips;
  struct sms_sched_config cfg;
  void (*queued)(void *arg);
  void *queued_arg;
  struct ag_timer *timer;
  int refs, dead, busy;
  unsigned long long scheduled;
};

static void sched_unref(struct sms_sched *s)
{
  if (--s->refs > 0 || !s->dead)
    return;
  ag_timer_destroy(s->timer);
  free(s);
}

static void on_scheduled(void *arg, int rc, long n)
{
  struct sms_sched *s = arg;
  long asked = s->busy;

  s->busy = 0;
  if (!s->dead) {
    if (rc == AG_OK && n > 0) {
      s->scheduled += (unsigned long long)n;
      AG_LOGI("sms.scheduled", "link=%s subscribers=%ld", s->cfg.link, n);
      if (s->queued)
        s->queued(s->queued_arg);
    }
    ag_timer_start(s->timer, rc == AG_OK && asked == s->cfg.batch ? 0 : s->cfg.poll_ms);
  }
  sched_unref(s);
}

static void on_due(void *arg, int rc, const struct store_due *rows, size_t n)
{
  struct sms_sched *s = arg;
  struct store_tip *tips = n ? calloc(n, sizeof(*tips)) : NULL;
  int64_t now_s = ag_now_us() / 1000000;
  size_t k = 0;

  if (s->dead || rc != AG_OK || n == 0 || !tips) {
    if (!s->dead)
      ag_timer_start(s->timer, s->cfg.poll_ms);
    s->busy = 0;
    free(tips);
    sched_unref(s);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    const struct store_due *d = &rows[i];
    const char *tip = sms_tips_pick(s->tips, d->band, d->lang, d->seq);
    int64_t due =
        sms_quiet_until(now_s, s->cfg.tz_offset_min, s->cfg.quiet_start_min, s->cfg.quiet_end_min);
    struct sms_plan p;
    if (!tip)
      continue; /* no tips at all: the lease runs out, and it is tried again */
    tips[k] = (struct store_tip){.respondent_hex = d->respondent_hex,
                                 .tip = tip,
                                 .due_us = due * 1000000,
                                 .next_us = (due + s->cfg.interval_days * DAY_S) * 1000000};
    sms_plan(tip, strlen(tip), SMS_MAX_PARTS, &p);
    tips[k].tip_parts = (int)(p.parts > SMS_MAX_PARTS ? SMS_MAX_PARTS : p.parts);
    if (d->need_welcome) {
      tips[k].welcome = sms_text(s->tips, SMS_TEXT_ON, d->lang);
      sms_plan(tips[k].welcome, strlen(tips[k].welcome), SMS_MAX_PARTS, &p);
      tips[k].welcome_parts = (int)p.parts;
    }
    k++;
  }
  s->busy = (int)n;
  if (k == 0 || store_sms_schedule(s->st, s->cfg.link, tips, k, on_scheduled, s) != AG_OK) {
    s->busy = 0;
    ag_timer_start(s->timer, s->cfg.poll_ms);
    sched_unref(s);
  } /* else the reference passes to on_scheduled */
  free(tips);
}

static void on_tick(void *arg)
{
  struct sms_sched *s = arg;

  if (s->dead || s->busy)
    return;
  if (store_sms_due(s->st, s->cfg.batch, LEASE_S, on_due, s) != AG_OK) {
    ag_timer_start(s->timer, s->cfg.poll_ms);
    return;
  }
  s->busy = 1;
  s->refs++;
}

struct sms_sched *sms_sched_create(struct event_base *base, struct store *st,
                                   const struct sms_tips *tips, const struct sms_sched_config *cfg,
                                   void (*queued)(void *arg), void *arg)
{
  struct sms_sched *s = calloc(1, sizeof(*s));

  if (!s)
    return NULL;
  *s = (struct sms_sched){
      .st = st, .tips = tips, .cfg = *cfg, .queued = queued, .queued_arg = arg, .refs = 1};
  if (s->cfg.poll_ms <= 0)
    s->cfg.poll_ms = 5000;
  if (s->cfg.batch <= 0)
    s->cfg.batch = 200;
  if (s->cfg.interval_days <= 0)
    s->cfg.interval_days = 1;
  s->timer = ag_timer_create(base, on_tick, s);
  if (!s->timer) {
    free(s);
    return NULL;
  }
  ag_timer_start(s->timer, 0);
  return s;
}

void sms_sched_destroy(struct sms_sched *s)
{
  if (!s)
    return;
  s->dead = 1;
  ag_timer_stop(s->timer);
  sched_unref(s);
}

unsigned long long sms_sched_count(const struct sms_sched *s)
{
  return s->scheduled;
}
