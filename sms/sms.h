/* sms.h: the SMS channel (issue 12).
 *
 * Pure parts: how a text goes on the air (sms_plan), whether a parent's message is a keyword
 * such as STOP (sms_keyword_match), the calendar's quiet hours and rotation, the confirmations
 * (sms_text, from the tips file). On the loop, over the store: the outbox worker of a link
 * (sms_outbox_*), the calendar's tips (sms_tips_*) and its scheduler (sms_sched_*).
 *
 * sms_plan() chooses the coding of a message (GSM-7 when every character is in GSM 03.38's
 * default alphabet or its extension table, UCS-2 otherwise: Cyrillic never goes out as 7-bit,
 * where Kannel would turn it into '?') and cuts it into the parts a handset counts: one part of
 * 160 septets or 70 UTF-16 units, or parts of 153 septets or 67 units when concatenated. A cut
 * never falls inside a character: not between a surrogate pair's halves, not between an
 * extension character's escape and its septet (such a part is one unit shorter). The outbox
 * rate-limits a link in parts, and sends parts as planned here.
 */
#ifndef SMS_H
#define SMS_H

#include "lib/ag_text.h"

#include <stddef.h>
#include <stdint.h>

#define SMS_SINGLE_GSM7 160
#define SMS_SINGLE_UCS2 70
#define SMS_PART_GSM7   153 /* 160 minus the 6-byte concatenation header, in septets */
#define SMS_PART_UCS2   67  /* 70 minus the same header, in UTF-16 units */
#define SMS_MAX_PARTS   16

struct sms_plan {
  enum ag_enc enc;
  size_t units;                   /* of the whole text: septets (GSM-7) or UTF-16 units (UCS-2) */
  size_t parts;                   /* 1 for an empty text */
  size_t end[SMS_MAX_PARTS];      /* byte offset in the text where each part ends */
  size_t units_of[SMS_MAX_PARTS]; /* what each part costs */
};

/* Plans len bytes of utf8 (borrowed) as at most max_parts parts (1..SMS_MAX_PARTS). Returns
 * AG_OK; AG_EINVAL when the text is not valid UTF-8 (or utf8 is NULL with len > 0, or
 * max_parts is out of range); AG_E2BIG when it needs more than max_parts parts (out->parts then
 * says how many it would need, up to SMS_MAX_PARTS + 1, and out->end is not filled). */
int sms_plan(const char *utf8, size_t len, size_t max_parts, struct sms_plan *out /* OUT */);

/* Keywords a parent may send: STOP (opt out) and START (opt in), in one language each; and the
 * answers to a school's request (sms_reply_parse). */
enum sms_kw { SMS_KW_STOP = 1, SMS_KW_START, SMS_KW_HELP, SMS_KW_NOT_NOW, SMS_KW_MORE };
struct sms_keyword {
  enum sms_kw kind;
  const char *word; /* UTF-8, any case */
  const char *lang; /* kk, ru, en: the language of the confirmation */
};
/* STOP, СТОП, ТОҚТА, ТОҚТАТУ; START, СТАРТ, БАСТАУ. */
extern const struct sms_keyword sms_keywords_default[];
extern const size_t sms_keywords_default_n;

/* The entry of words[0..n_words) (borrowed) that the whole message utf8 (len bytes) is, or NULL.
 * Case, spaces and punctuation around the word, Kazakh letters typed as Russian ones (ТОКТА) and
 * Latin look-alikes of Cyrillic letters (CTOП) do not matter; anything else in the message does
 * ("STOP please" is no keyword). */
const struct sms_keyword *sms_keyword_match(const char *utf8, size_t len,
                                            const struct sms_keyword *words, size_t n_words);

/* A reply to a school's request (sms_reply.c): SMS_KW_HELP ("1", YES, ДА, DA, ИӘ, ИЯ),
 * SMS_KW_NOT_NOW ("2", NO, НЕТ, NET, ЖОҚ, JOK), SMS_KW_MORE ("3", MORE, ПОДРОБНЕЕ,
 * ТОЛЫҒЫРАҚ), or 0 when the whole message is none of them. The digit may have spaces and ASCII
 * punctuation around it; a word is matched as sms_keyword_match() matches. *lang (may be NULL):
 * the word's language, NULL for a digit. */
enum sms_kw sms_reply_parse(const char *utf8, size_t len, const char **lang /* OUT */);
/* "help", "not_now", "more" (school_answers.answer), NULL for any other kind. */
const char *sms_reply_name(enum sms_kw kind);
extern const struct sms_keyword sms_reply_words[];
extern const size_t sms_reply_words_n;

/* Parses the configured keywords (sms_keywords: "stop:ru:ОТПИСКА, start:en:JOIN") into out (at
 * most cap; *n of them), their words pointing into buf (buflen bytes, a copy of spec). AG_OK, or
 * AG_EINVAL for an entry that is not stop|start:kk|ru|en:WORD with a word of letters. */
int sms_keywords_parse(const char *spec, char *buf, size_t buflen, struct sms_keyword *out,
                       size_t cap, size_t *n);

/* The calendar (sms_calendar.c). */

/* The earliest time at or after now_s (Unix seconds) outside the quiet hours [start_min,
 * end_min) of the local day (minutes after local midnight; the window may cross midnight, as
 * 21:00-09:00 does; start_min == end_min: no quiet hours), local time being UTC plus
 * tz_offset_min (Kazakhstan: +300). A time inside the window is moved to the window's end. */
int64_t sms_quiet_until(int64_t now_s, int tz_offset_min, int start_min, int end_min);

#define SMS_ROTATION_MAX 256 /* tips of one band */

/* The order in which a band's n_tips tips go out, one cycle: order[k] is the index (into the
 * band's tips, practice_of[i] the practice of tip i) of the k-th tip sent. Every tip once per
 * cycle; the core practices (read, count) alternate with the others while both are left; never
 * one practice twice in a row while another is left; within a practice, the band's order.
 * Returns AG_OK, or AG_EINVAL (more than SMS_ROTATION_MAX tips, a NULL practice). */
int sms_rotation(const char *const *practice_of, size_t n_tips, size_t *order /* OUT [n_tips] */);

/* The outbox worker (sms_outbox.c): one per link (a carrier section that sends SMS) and
 * process. It claims due rows of the shared outbox (store_outbox_claim: FOR UPDATE SKIP LOCKED
 * and a lease), within the link's rate limit counted in parts, submits each by HTTP through
 * ag_curl (the request and the verdict on the reply come from the link's dialect, ops below),
 * and writes the verdicts back in batches: submitted; retried after an exponential back-off
 * with jitter on a 5xx, a connection error or a timeout; failed on any other refusal. Rows
 * older than max_age_s expire. Counts into the metrics registry (aulgate_sms_*). */

enum sms_verdict { SMS_SUBMITTED = 1, SMS_RETRY, SMS_FAILED }; /* = store_outbox_verdict */

/* One message as the dialect renders it. Strings borrowed during the call. */
struct sms_out {
  long long id;
  int attempt;
  const char *msisdn; /* E.164 */
  const char *body;   /* UTF-8 */
  int ucs2;           /* sms_plan() chose UCS-2 */
};

struct sms_link_ops {
  /* Writes the URL submitting m into url (cap bytes). AG_OK, or AG_E2BIG. */
  int (*request)(void *arg, const struct sms_out *m, char *url, size_t cap);
  /* The verdict on the carrier's reply (status, body of len bytes, NUL-terminated). */
  enum sms_verdict (*verdict)(void *arg, long status, const char *body, size_t len);
};

struct sms_outbox_config {
  const char *link; /* borrowed for the life of the worker */
  long rate;        /* parts per second */
  long claim_max;   /* rows per claim; 0: 256 */
  long lease_ms;    /* a claim's lease: above the HTTP total timeout */
  long max_age_s;
  long retry_base_ms, retry_max_ms;
  long poll_ms;           /* when nothing was due, look again after this; 0: 1000 */
  long retention_s;       /* finished rows are deleted this long after; 0: kept */
  long purge_every_ms;    /* how often to look for them; 0: 60000 */
  unsigned max_in_flight; /* submissions at once (as ag_curl's) */
};

struct event_base;
struct store;
struct ag_curl;
struct ag_metrics;
struct sms_outbox;

/* Starts the worker (it polls at once). base, st, http, metrics (may be NULL), ops and
 * ops_arg are borrowed for its life; cfg is copied. NULL when out of memory. */
struct sms_outbox *sms_outbox_create(struct event_base *base, struct store *st,
                                     struct ag_curl *http, struct ag_metrics *metrics,
                                     const struct sms_outbox_config *cfg,
                                     const struct sms_link_ops *ops, void *ops_arg);
/* Stops claiming; what is in flight stays leased in the database and is taken again by a
 * later claim (of any process) once the lease ends. Destroy before st and http. */
void sms_outbox_destroy(struct sms_outbox *ob);
/* Looks for due rows now (a message was just queued). */
void sms_outbox_kick(struct sms_outbox *ob);

/* A delivery report for row id of this link (Kannel's DLR type), counted into the metrics.
 * cb (may be NULL) gets store_outbox_dlr()'s result. Returns what store_outbox_dlr() returns. */
int sms_outbox_dlr(struct sms_outbox *ob, long long id, int type,
                   void (*cb)(void *arg, int rc, int found), void *arg);

struct sms_outbox_stats {
  unsigned long long claimed, submitted, parts_submitted, retried, failed, expired, delivered,
      dlr_failed, reports, purged;
  long queued, open; /* the latest depth read: queued, submitted without a final report */
};
void sms_outbox_stats(const struct sms_outbox *ob, struct sms_outbox_stats *out /* OUT */);

/* The back-off before attempt + 1 (attempt >= 1 tries were made): base x 2^(attempt-1), at
 * most max, then a uniform draw in [half, all] of it from r (0..1). Pure. */
long sms_backoff_ms(long base_ms, long max_ms, int attempt, double r);

/* Stops claiming (a graceful stop); submissions in flight finish and their verdicts are
 * written. */
void sms_outbox_quiesce(struct sms_outbox *ob);
/* Claims, submissions and verdicts not yet written: 0 when a stop loses nothing. */
size_t sms_outbox_busy(const struct sms_outbox *ob);

/* The literacy calendar's tips (sms_tips.c): content/calendar.json loaded once, each band's
 * tips in the order of sms_rotation(). */
struct sms_tips;
/* AG_OK with *out (free with sms_tips_free()); AG_EIO, AG_ECONTENT or AG_ENOMEM with err. */
int sms_tips_load(const char *path, struct sms_tips **out /* OUT */, char *err, size_t errlen);
void sms_tips_free(struct sms_tips *t);
/* The tip at position seq of band's cycle (seq modulo the band's tips), in lang (kk, ru, en;
 * else en). A band not in the file (or "": a subscriber whose child's age is not known): the
 * bands in turn, seq's band seq modulo the bands, at position seq / bands of its cycle.
 * Borrowed from t. */
const char *sms_tips_pick(const struct sms_tips *t, const char *band, const char *lang, long seq);
/* The confirmations, `confirmations` of the same file (content the loader and `aulgate lint`
 * check: one SMS part each, naming the keyword; docs/content.md): ON is also the first message
 * after any opt-in (it says how to stop), OFF answers STOP, OFF_ALL (`off_all`) a STOP that also
 * ended the school's messages (decision 93). lang: kk, ru, en (anything else: en). Borrowed from
 * t. */
enum sms_text_id { SMS_TEXT_ON = 0, SMS_TEXT_OFF, SMS_TEXT_OFF_ALL };
const char *sms_text(const struct sms_tips *t, enum sms_text_id id, const char *lang);

/* The calendar scheduler (sms_sched.c): one tip per subscriber every interval_days, in its
 * language and band, never in the quiet hours; the first message after an opt-in confirms it
 * and says how to stop. Its rows go into the outbox of link; queued(arg) runs after a batch was
 * queued (to kick the outbox). Several processes may run it: claims skip each other's rows. */
struct sms_sched_config {
  const char *link; /* borrowed for the life of the scheduler */
  long interval_days;
  int quiet_start_min, quiet_end_min, tz_offset_min; /* as sms_quiet_until() */
  long poll_ms;                                      /* 0: 5000 */
  long batch;                                        /* subscribers per claim; 0: 200 */
};
struct sms_sched;
/* base, st and tips are borrowed for its life. NULL when out of memory. */
struct sms_sched *sms_sched_create(struct event_base *base, struct store *st,
                                   const struct sms_tips *tips, const struct sms_sched_config *cfg,
                                   void (*queued)(void *arg), void *arg);
void sms_sched_destroy(struct sms_sched *s);
/* Subscribers scheduled since start. */
unsigned long long sms_sched_count(const struct sms_sched *s);

/* A school's request by SMS (sms_school.c). Every such message is UCS-2 (the frame is Cyrillic)
 * and at most SMS_SCHOOL_MAX_PARTS parts (201 UTF-16 units): a request is a call to act, and a
 * fourth part costs the school's budget a third more for text a parent reads on a small screen
 * (docs/decisions.md, "79+"). */
#define SMS_SCHOOL_MAX_PARTS  3
#define SMS_SCHOOL_NAME_UNITS 40   /* a longer school name is cut, with an ellipsis */
#define SMS_SCHOOL_TEXT_MAX   2048 /* bytes of a rendered message, far above the budget */
/* The message for request (UTF-8, not empty) from school, in lang (kk; anything else: ru):
 * "<school>: <request>", then how to answer (1, 2, 3) and how to stop (ТОҚТА / СТОП). Writes a
 * NUL-terminated text into out. AG_OK, AG_EINVAL (NULL, empty request, invalid UTF-8), AG_E2BIG
 * (cap too small). It does not check the parts budget: sms_school_check() does. */
int sms_school_text(const char *school, const char *request, const char *lang, char *out,
                    size_t cap);
struct sms_school_fit {
  size_t chars;    /* code points of the request */
  size_t parts;    /* of the whole message (SMS_MAX_PARTS + 1: beyond what sms_plan counts) */
  size_t units;    /* UTF-16 units of the whole message */
  long units_left; /* of SMS_SCHOOL_MAX_PARTS parts; negative when over */
  int sms_ok;      /* a request not empty, within SMS_SCHOOL_MAX_PARTS */
  long ussd_left;  /* units left on one USSD screen of ussd_budget with the three answers */
  int ussd_ok;     /* the request and its three answers fit that screen */
};
/* The budgets of request from school in lang, the USSD screen being ussd_budget UCS-2 units
 * (ussd_budget_ucs2). AG_OK (out filled; an empty request is not sms_ok), AG_EINVAL. */
int sms_school_check(const char *school, const char *request, const char *lang, long ussd_budget,
                     struct sms_school_fit *out /* OUT */);

/* The delivery of schools' requests (sms_school_send.c): every poll_ms, each open request is
 * queued into the outbox of link (kind 'school') for the phones it may reach, with its
 * deliveries, in one statement per request (the caps and the rules are in the file's head).
 * queued(arg) runs after a poll queued something (to kick the outbox). */
struct sms_school_config {
  const char *link;                                  /* copied */
  long week_cap, daily_cap;                          /* school_week_cap, school_daily_cap */
  long poll_ms;                                      /* 0: 10000 */
  long batch;                                        /* phones per request and poll; 0: 20000 */
  int quiet_start_min, quiet_end_min, tz_offset_min; /* as sms_quiet_until() */
};
struct sms_school;
/* Its own connection to conninfo (the primary). NULL when out of memory. */
struct sms_school *sms_school_create(struct event_base *base, const char *conninfo,
                                     const struct sms_school_config *cfg, void (*queued)(void *arg),
                                     void *arg);
void sms_school_destroy(struct sms_school *s);
/* A request was created in this process: poll now rather than at the next poll_ms (after the
 * poll in progress, when there is one). NULL: nothing. */
void sms_school_wake(struct sms_school *s);
/* Phones queued since start. */
unsigned long long sms_school_count(const struct sms_school *s);

#endif
