/* sms_school_send.c: the delivery of schools' requests by SMS (sms.h). Every poll it reads the
 * open requests, renders each in kk and ru (sms_school_text), and queues it with one statement
 * per request that picks the phones to reach and writes their outbox rows and their deliveries
 * together: linked parents (live school_links) whose phone's consent stands (a school_contacts
 * row exists only then), in the request's grade bands (the survey's grade answer) and offer
 * category, not reached by this request yet (the deliveries' primary key: never twice, even
 * with two processes, whose statements then fail and retry), under the phone's weekly cap (all
 * schools) and the school's daily cap (its local day, UTC+5); due after the quiet hours. The
 * outbox's worker sends them within the link's rate limit. */
#include "sms/sms.h"
#include "lib/ag.h"
#include "lib/ag_log.h"
#include "lib/ag_loop.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REQUESTS_PER_POLL 64

struct sms_school {
  struct store_reader *db; /* owned: a connection of its own to the primary */
  struct sms_school_config cfg;
  char link[64];
  struct ag_timer *timer;
  void (*queued)(void *arg);
  void *queued_arg;
  int busy;        /* a poll's queries in flight */
  int dead;        /* destroyed while busy: the last callback frees */
  int woken;       /* sms_school_wake() during a poll: the next one at once */
  long pending;    /* requests of this poll still being queued */
  long queued_now; /* phones queued by this poll */
  unsigned long long sent;
};

static const char open_sql[] =
    "SELECT r.id, s.name, r.text_kk, r.text_ru FROM school_requests r"
    " JOIN schools s ON s.id = r.school_id"
    " WHERE r.closed_at IS NULL AND r.closes_at > now() ORDER BY r.id LIMIT 64";

/* $1 request, $2 link, $3/$4 body and parts in kk, $5/$6 in ru, $7 weekly cap per phone, $8
 * daily cap per school, $9 at most this many now, $10 due (µs since the epoch). */
static const char queue_sql[] =
    "WITH r AS (SELECT id, school_id, grade_bands, offer_category FROM school_requests"
    " WHERE id = $1::bigint AND closed_at IS NULL AND closes_at > now()),"
    " room AS (SELECT $8::integer - count(*) AS n FROM school_deliveries d"
    " JOIN school_requests q ON q.id = d.request_id WHERE q.school_id = (SELECT school_id FROM r)"
    " AND d.sent_at >= (date_trunc('day', now() AT TIME ZONE 'Asia/Almaty')"
    " AT TIME ZONE 'Asia/Almaty')),"
    " cand AS (SELECT DISTINCT c.respondent, c.msisdn, c.language FROM r"
    " JOIN school_links l ON l.school_id = r.school_id AND l.unlinked_at IS NULL"
    " JOIN school_contacts c ON c.respondent = l.respondent"
    " WHERE NOT EXISTS (SELECT 1 FROM school_deliveries d WHERE d.request_id = r.id"
    " AND d.respondent = c.respondent)"
    " AND (SELECT count(*) FROM school_deliveries d WHERE d.respondent = c.respondent"
    " AND d.sent_at > now() - interval '7 days') < $7::integer"
    " AND (r.offer_category IS NULL OR EXISTS (SELECT 1 FROM school_offers o"
    " WHERE o.respondent = l.respondent AND o.relation = l.relation"
    " AND o.category = r.offer_category))"
    " AND (r.grade_bands = '{}' OR EXISTS (SELECT 1 FROM responses x"
    " WHERE x.respondent = l.respondent AND x.relation = l.relation AND x.question_id = 'grade'"
    " AND x.option = ANY (r.grade_bands)))"
    " ORDER BY c.respondent LIMIT GREATEST(0, LEAST($9::integer, (SELECT n FROM room)))),"
    " ob AS (INSERT INTO outbox (link, kind, respondent, msisdn, body, parts, due_at,"
    " next_attempt_at) SELECT $2, 'school', respondent, msisdn,"
    " CASE WHEN language = 'kk' THEN $3 ELSE $5 END,"
    " (CASE WHEN language = 'kk' THEN $4 ELSE $6 END)::smallint,"
    " to_timestamp($10::bigint / 1e6), to_timestamp($10::bigint / 1e6) FROM cand"
    " RETURNING id, respondent),"
    " d AS (INSERT INTO school_deliveries (request_id, respondent, outbox_id)"
    " SELECT $1::bigint, respondent, id FROM ob RETURNING 1)"
    " SELECT count(*) FROM d";

static void poll(void *arg);

static void school_free(struct sms_school *s)
{
  ag_timer_destroy(s->timer);
  free(s);
}

/* One query of the poll ended: when it was the last, the next poll is timed. */
static void step_done(struct sms_school *s)
{
  if (--s->busy > 0)
    return;
  if (s->dead) {
    school_free(s);
    return;
  }
  if (s->queued_now > 0) {
    AG_LOGI("sms.school_queued", "link=%s phones=%ld", s->link, s->queued_now);
    if (s->queued)
      s->queued(s->queued_arg);
  }
  /* A full batch: more may wait, look again at once; so too when woken meanwhile. */
  ag_timer_start(s->timer, s->queued_now >= s->cfg.batch || s->woken ? 0 : s->cfg.poll_ms);
  s->woken = 0;
}

static void on_queued(void *arg, int rc, const struct store_rows *rows, const char *err)
{
  struct sms_school *s = arg;
  char q[300];

  if (rc == AG_OK) {
    long n = atol(store_rows_value(rows, 0, 0));
    s->queued_now += n;
    s->sent += (unsigned long long)n;
  } else if (rc != AG_ECANCELED) {
    AG_LOGW("sms.school_queue_failed", "error=%s reason=%s", ag_errname(rc),
            ag_log_quote(err ? err : "", q, sizeof(q)));
  }
  step_done(s);
}

/* The message of a request for a parent of language lang: its text in lang when the school
 * wrote one, else the other, framed in the language of the text (one language per message). */
static int render(const char *name, const char *kk, const char *ru, const char *lang, char *out,
                  size_t cap, char *parts, size_t pcap)
{
  const char *text = strcmp(lang, "kk") == 0 ? (*kk ? kk : ru) : (*ru ? ru : kk);
  const char *tl = text == kk ? "kk" : "ru";
  struct sms_plan p;
  int rc = sms_school_text(name, text, tl, out, cap);

  if (rc == AG_OK)
    rc = sms_plan(out, strlen(out), SMS_MAX_PARTS, &p);
  if (rc == AG_OK)
    snprintf(parts, pcap, "%zu", p.parts);
  return rc;
}

static void on_open(void *arg, int rc, const struct store_rows *rows, const char *err)
{
  struct sms_school *s = arg;
  char q[300];

  if (rc != AG_OK) {
    if (rc != AG_ECANCELED)
      AG_LOGW("sms.school_read_failed", "error=%s reason=%s", ag_errname(rc),
              ag_log_quote(err ? err : "", q, sizeof(q)));
    step_done(s);
    return;
  }
  int64_t due = sms_quiet_until((int64_t)time(NULL), s->cfg.tz_offset_min, s->cfg.quiet_start_min,
                                s->cfg.quiet_end_min);
  for (int i = 0; i < store_rows_n(rows) && !s->dead; i++) {
    char kk[SMS_SCHOOL_TEXT_MAX], ru[SMS_SCHOOL_TEXT_MAX], pk[8], pr[8], wk[24], day[24], lim[24],
        due_us[24];
    const char *name = store_rows_value(rows, i, 1), *tk = store_rows_value(rows, i, 2),
               *tr = store_rows_value(rows, i, 3);
    if (render(name, tk, tr, "kk", kk, sizeof(kk), pk, sizeof(pk)) != AG_OK ||
        render(name, tk, tr, "ru", ru, sizeof(ru), pr, sizeof(pr)) != AG_OK) {
      AG_LOGW("sms.school_render_failed", "request=%s", store_rows_value(rows, i, 0));
      continue;
    }
    snprintf(wk, sizeof(wk), "%ld", s->cfg.week_cap);
    snprintf(day, sizeof(day), "%ld", s->cfg.daily_cap);
    snprintf(lim, sizeof(lim), "%ld", s->cfg.batch);
    snprintf(due_us, sizeof(due_us), "%lld", (long long)due * 1000000LL);
    const char *params[10] = {
        store_rows_value(rows, i, 0), s->link, kk, pk, ru, pr, wk, day, lim, due_us};
    if (store_read(s->db, queue_sql, 10, params, on_queued, s) == AG_OK)
      s->busy++;
  }
  step_done(s);
}

static void poll(void *arg)
{
  struct sms_school *s = arg;

  if (s->busy)
    return;
  s->queued_now = 0;
  if (store_read(s->db, open_sql, 0, NULL, on_open, s) == AG_OK)
    s->busy = 1;
  else
    ag_timer_start(s->timer, s->cfg.poll_ms);
}

struct sms_school *sms_school_create(struct event_base *base, const char *conninfo,
                                     const struct sms_school_config *cfg, void (*queued)(void *arg),
                                     void *arg)
{
  struct sms_school *s = calloc(1, sizeof(*s));

  if (!s)
    return NULL;
  s->cfg = *cfg;
  if (s->cfg.poll_ms <= 0)
    s->cfg.poll_ms = 10000;
  if (s->cfg.batch <= 0)
    s->cfg.batch = 20000;
  snprintf(s->link, sizeof(s->link), "%s", cfg->link);
  s->queued = queued;
  s->queued_arg = arg;
  s->db = store_reader_create(base, conninfo, 60000);
  s->timer = ag_timer_create(base, poll, s);
  /* The first poll after poll_ms, not at once: a gateway starting opens its hops' and its SMS
   * connections first (a second gateway joining a shared outbox claims its share sooner). */
  if (!s->db || !s->timer || ag_timer_start(s->timer, s->cfg.poll_ms) != AG_OK) {
    store_reader_destroy(s->db);
    school_free(s);
    return NULL;
  }
  return s;
}

void sms_school_destroy(struct sms_school *s)
{
  if (!s)
    return;
  ag_timer_stop(s->timer);
  s->dead = 1;
  s->busy++; /* the reader's destroy calls back what is queued: free after it */
  store_reader_destroy(s->db);
  s->db = NULL;
  step_done(s);
}

void sms_school_wake(struct sms_school *s)
{
  if (!s || s->dead)
    return;
  if (s->busy)
    s->woken = 1; /* the request may have committed after this poll's read */
  else
    ag_timer_start(s->timer, 0);
}

unsigned long long sms_school_count(const struct sms_school *s)
{
  return s->sent;
}
