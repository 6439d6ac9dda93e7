/* sess.h: the USSD engine. Menus, surveys and tips are data (content/<name>.json, see
 * docs/content.md); this module loads and checks them, walks a session through them and renders
 * each screen in the session's language within the carrier's screen budget, paging long lists.
 *
 * The engine is deterministic: the screen for a hop is a pure function of the content version,
 * the budget, the session context (what was known about the caller when the session started)
 * and the inputs so far. sess_replay() recomputes it from the whole input path, which the `at`
 * dialect sends on every hop, so a retried hop gets the same reply by construction.
 *
 * The session table (sess_table_*) keeps, per live session, what the path does not carry: the
 * pinned content version, the caller's profile (built with sess_profile_add() from what the
 * gateway reads in the database) with the hops waiting for it, and one deadline per session
 * (idle time, maximum length, tombstone) in a timer wheel. Sessions are opaque: the gateway reads
 * them through sess_session_*().
 */
#ifndef SESS_H
#define SESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum sess_lang { SESS_KK = 0, SESS_RU, SESS_EN, SESS_NLANG };

#define SESS_SCREEN_MAX    1024 /* bytes of one rendered screen, UTF-8, far above any budget */
#define SESS_MAX_INPUTS    64   /* inputs in one session path */
#define SESS_MAX_NODES     128  /* nodes in one survey or menu file */
#define SESS_MAX_OPTIONS   98   /* 99 is "more" */
#define SESS_MAX_RELATIONS 8    /* people answering on one phone */

struct sess_content;

/* A first name typed on the keypad for a school (sess_name.c): at most SESS_FIRST_NAME_MAX
 * characters, letters of the Kazakh, Russian and Latin alphabets with single spaces, hyphens
 * and apostrophes between them. */
#define SESS_FIRST_NAME_MAX 40
/* Every allowed letter is 1 or 2 bytes, and the NUL. */
#define SESS_FIRST_NAME_BYTES (SESS_FIRST_NAME_MAX * 2 + 1)
/* Reads in (a NUL-terminated input) as a first name: spaces around are dropped, runs of spaces
 * become one. Returns AG_OK with the name in out (SESS_FIRST_NAME_BYTES), or AG_EINVAL (empty,
 * too long, invalid UTF-8, a digit or any other sign, no letter): out is then "". */
int sess_first_name(const char *in, char out[SESS_FIRST_NAME_BYTES]);

/* Screen budgets in characters (UCS-2 code units or GSM-7 septets). */
struct sess_budget {
  long ucs2;
  long gsm7;
};

/* A region or district, as the places table holds it. */
struct sess_place {
  const char *code;
  const char *region; /* NULL for a region */
  const char *kind;   /* regions: "region" or "city"; districts: "district" or "city"; NULL:
                       * unknown (a condition on the kind then holds for no kind) */
  const char *name[SESS_NLANG];
};

/* Loads every content file of dir, validates it (docs/content.md) and checks that every screen
 * fits budget in every language after paging. places (borrowed during the call, may be NULL)
 * replaces the places file of dir, so that districts added to the database are offered. Returns
 * AG_OK with a new snapshot in *out, to be released with sess_content_unref(); or
 * AG_ECONTENT/AG_EIO with the first problem, naming file, node and language, in err. */
int sess_content_load(const char *dir, const struct sess_budget *budget,
                      const struct sess_place *places, size_t n_places,
                      struct sess_content **out /* OUT */, char *err, size_t errlen);
/* Checks a loaded snapshot against another budget (a carrier with shorter screens): AG_OK, or
 * AG_ECONTENT with the first problem in err. */
int sess_content_check(const struct sess_content *c, const struct sess_budget *budget, char *err,
                       size_t errlen);
struct sess_content *sess_content_ref(struct sess_content *c);
void sess_content_unref(struct sess_content *c);
/* A number that changes with every load, for logs and /healthz. */
unsigned sess_content_generation(const struct sess_content *c);
/* What the snapshot holds, as 16 hex digits (SHA-256 of every file and the places, in load
 * order): equal in two processes exactly when they replay a session's inputs alike. Borrowed
 * from c. */
const char *sess_content_fingerprint(const struct sess_content *c);

/* `aulgate lint`: loads dir like sess_content_load() but reports every problem, one line each
 * on out (file, node, language, length), instead of stopping at the first. Returns the number of
 * problems (0: the content is good), or -1 when dir cannot be read. */
int sess_lint(const char *dir, const struct sess_budget *budget, FILE *out);

/* What was known about the caller when the session started (loaded from the database). A
 * question id is kept to SESS_KV_KEY_MAX bytes, an answer to SESS_KV_VALUE_MAX. */
#define SESS_KV_KEY_MAX   31
#define SESS_KV_VALUE_MAX 63
struct sess_kv {
  const char *key;
  const char *value;
};
struct sess_prior {
  char relation[24];
  int last_attempt;   /* highest attempt number seen, 0 if none */
  int open_attempt;   /* an unfinished attempt within the resume window, 0 if none */
  size_t n;           /* answers of the open attempt */
  struct sess_kv *kv; /* owned: n answers, question id -> value (strings owned too) */
  int open_version;   /* the survey version the open attempt was answered in, 0 if unknown:
                       * an attempt of another version than the session's is not resumed */
};
/* An open request of a school the caller's phone is linked to (issue 13), read with the profile
 * and frozen with it: the item "Requests from the school" lists these (sess_requests.c). */
#define SESS_MAX_REQUESTS 3 /* newest first: one screen's list, and a bounded profile */
struct sess_request {
  long long id;
  const char *kind;    /* event_help, talk, repair, trip, materials, other */
  const char *text_kk; /* "" when the school did not write one; at least one of the two is set */
  const char *text_ru;
  const char *school; /* the school's name */
  char needed_on[11]; /* YYYY-MM-DD, "" when the school gave no date */
  char closes_on[11]; /* the last day answers are taken (Kazakhstan time) */
  int people;         /* how many people, 0 when not said */
};

struct sess_profile {
  int has_lang;
  enum sess_lang lang; /* the language used last time */
  char grade[16];      /* last known grade band of the child, "" if unknown */
  size_t n;
  struct sess_prior *prior; /* owned: n people, at most SESS_MAX_RELATIONS */
  size_t rows;              /* rows given to sess_profile_add() */
  int sms;                  /* SMS tips: 0 off (also: never subscribed), 1 on, -1 unknown */
  size_t n_req;
  struct sess_request *req; /* owned (strings too): at most SESS_MAX_REQUESTS, newest first */
};
void sess_profile_cleanup(struct sess_profile *p);

/* One fact known about the caller, as the profile is built from them. */
struct sess_profile_row {
  const char *relation;    /* who answered on a shared phone, "" when the survey does not ask */
  int attempt;             /* 1, 2, ...; 0: a row that only tells the language */
  int open;                /* the attempt is unfinished */
  int fresh;               /* it moved within the resume window */
  const char *lang;        /* "kk", "ru", "en"; anything else: unknown */
  const char *question_id; /* NULL: the attempt has no answer on this row */
  const char *value;       /* the answer to question_id */
  int survey_version;      /* the attempt's survey version; 0: unknown (as before it was read) */
  int sms;                 /* the SMS switch's row: 1 on, 2 off, 3 state not read (a profile
                            * frozen before it was); 0: another row */
  const struct sess_request *request; /* not NULL: the row is an open request (copied; the
                                       * other fields are then ignored) */
};
/* Adds one row to p (zeroed before the first). Rows come newest first: the first row tells the
 * language, a relation's first row its latest attempt, the first `grade` answer the grade; the
 * answers of an open attempt that is fresh are kept for "never ask twice". Returns AG_OK or
 * AG_ENOMEM (p then still to be cleaned up). */
int sess_profile_add(struct sess_profile *p, const struct sess_profile_row *row);

struct sess_ctx {
  const struct sess_profile *profile; /* NULL: a caller we know nothing about */
  long day;                           /* days since 1970-01-01 in Kazakhstan time (UTC+5) */
};

/* What a hop must make durable before its screen goes out. Strings are borrowed from the
 * content snapshot or the inputs: valid while both are. */
enum sess_effect_kind {
  SESS_EFFECT_NONE = 0,
  SESS_EFFECT_ANSWER,        /* an answer to a survey question */
  SESS_EFFECT_ATTEMPT,       /* a survey attempt opened or resumed by `relation` */
  SESS_EFFECT_SMS,           /* SMS tips switched on or off */
  SESS_EFFECT_LANG,          /* a language chosen: sess_reply.lang, remembered for the next call */
  SESS_EFFECT_SCHOOL_ANSWER, /* an answer to a school's request: request_id, value */
  SESS_EFFECT_SCHOOL_SHARE   /* the number (and first_name) shared with the school for
                              * request_id, or (share 0) not shared: any earlier share removed */
};
/* An answer to the question whose role is `school_consent`: messages from the child's school
 * allowed or not, apart from the tips (the number kept only while allowed). */
enum sess_school_consent { SESS_SCHOOL_NONE = 0, SESS_SCHOOL_GRANT, SESS_SCHOOL_WITHDRAW };

/* The context of an answer, as the rollups' cell takes it (decisions 72, 104): what the parent had
 * given in the same attempt before it, by question id. */
enum {
  SESS_CTX_REGION,
  SESS_CTX_DISTRICT,
  SESS_CTX_SETTLEMENT,
  SESS_CTX_GRADE,
  SESS_CTX_SCHOOL,
  SESS_CTX_N
};
extern const char *const sess_context_ids[SESS_CTX_N]; /* "region", "district", ... */

struct sess_effect {
  enum sess_effect_kind kind;
  const char *survey_id;
  int survey_version;
  const char *relation;
  int attempt;
  const char *question_id;         /* ANSWER */
  const char *value;               /* ANSWER */
  const char *context[SESS_CTX_N]; /* ANSWER: NULL where the attempt has no answer to it yet */
  int final;                       /* ANSWER: the last answer of the attempt */
  int sms;                         /* ANSWER with subscription, or SMS: 1 on, 0 off, -1 unchanged */
  const char *band;                /* SMS: the grade band tips are chosen for, may be "" */
  enum sess_school_consent school_consent; /* ANSWER to a `school_consent` question */
  long long request_id;                    /* SCHOOL_ANSWER, SCHOOL_SHARE */
  int share;                               /* SCHOOL_SHARE: 1 share, 0 do not */
  char first_name[SESS_FIRST_NAME_BYTES];  /* SCHOOL_SHARE: "" when skipped */
};

struct sess_reply {
  int end; /* 1: END screen, the session closes */
  enum sess_lang lang;
  char text[SESS_SCREEN_MAX]; /* the screen, UTF-8 */
  struct sess_effect effect;  /* of the last input */
  /* Where the session stands: the content file's id and the node's id, borrowed from the
   * snapshot; for the engine's own screens (resume offer, tip bands, a tip, the SMS switch, a
   * closing message) screen is "resume", "tips", "tip", "sms" or "done". question is 1 when the
   * screen is a question of a survey (what the drop-off funnel counts). */
  const char *file;
  const char *screen;
  int question;
};

/* Plays inputs[0..n) from the start of content file `entry` and renders the screen that follows
 * the last one; with n == 0, the first screen. Returns AG_OK, AG_ENOTFOUND when entry does not
 * exist, AG_E2BIG past SESS_MAX_INPUTS. Invalid inputs do not fail: the screen comes back with
 * the one-line error of strings.json above it. */
int sess_replay(const struct sess_content *c, const struct sess_budget *budget, const char *entry,
                const struct sess_ctx *ctx, const char *const *inputs, size_t n,
                struct sess_reply *out /* OUT */);

/* A shared string (strings.json key) in lang, e.g. "unavailable"; "" when missing. */
const char *sess_string(const struct sess_content *c, const char *key, enum sess_lang lang);

const char *sess_lang_code(enum sess_lang lang);

/* ---- The session table: live sessions and their timers. ---- */

struct event_base;
struct sess_table;

enum sess_end_reason {
  SESS_LIVE = 0,
  SESS_END_SCREEN,  /* the gateway sent END */
  SESS_END_IDLE,    /* no hop for session_idle_timeout_ms */
  SESS_END_MAX,     /* longer than session_max_ms */
  SESS_END_CARRIER, /* the carrier's end-of-session notification */
  SESS_END_SHUTDOWN,
  SESS_END_REFUSED, /* taken out of the table: the caller is not the session's (sess_table_forget)
                     */
  SESS_END_OPERATOR /* an operator ended it (DELETE /api/v1/sessions/...) */
};
#define SESS_END_NREASONS (SESS_END_OPERATOR + 1)
const char *sess_end_reason_name(enum sess_end_reason r);

/* One live (or ended) session, owned by the table: opaque, read through the accessors below. */
struct sess_session;

/* Called once when a session ends (before it is freed, which happens later: an ended session
 * stays as a tombstone for session_max_ms, so late or retried hops get a consistent answer). */
typedef void (*sess_end_cb)(void *arg, struct sess_session *s);

/* Returns a new table that must be freed with sess_table_destroy(), or NULL. A session ends at
 * most SESS_WHEEL_TICK_MS (4 ms) after its idle or maximum time. */
struct sess_table *sess_table_create(struct event_base *base, long idle_ms, long max_ms,
                                     sess_end_cb on_end, void *arg);
/* Ends every live session (SESS_END_SHUTDOWN) and frees them all. */
void sess_table_destroy(struct sess_table *t);

/* NULL when unknown. */
struct sess_session *sess_table_find(struct sess_table *t, const char *carrier, const char *id);
/* A new live session with its timer running, holding a reference to content; NULL when out of
 * memory. carrier and id are copied (id truncated to 131 bytes, msisdn to 15); msisdn (E.164) is
 * kept only to switch SMS tips on, respondent is the caller's key, now_us starts the day count. */
struct sess_session *sess_table_add(struct sess_table *t, const char *carrier, const char *id,
                                    const char *msisdn, const uint8_t respondent[32],
                                    struct sess_content *content, long long now_us);
/* Hop number `hop` arrived: restart the idle time, remember the highest hop. O(1), allocates
 * nothing. */
void sess_table_touch(struct sess_session *s, size_t hop);
/* Ends a live session; no-op on an ended one. */
void sess_table_end(struct sess_session *s, enum sess_end_reason why);
/* Takes s out of the table at once, without the end callback: a session started for a caller
 * who turned out not to be the session's (its profile is another number's). The next hop with
 * its id starts afresh, so the session's own caller can go on on this process. s is freed when
 * the last hold goes. No-op when already done. */
void sess_table_forget(struct sess_session *s);
/* Whoever keeps a session pointer across a callback holds it: the table frees an ended session
 * only when its tombstone time is over and nothing holds it. Returns s. */
struct sess_session *sess_session_hold(struct sess_session *s);
void sess_session_release(struct sess_session *s);

/* Accessors: strings and content are borrowed for as long as the session is held. */
const char *sess_session_id(const struct sess_session *s);
const char *sess_session_carrier(const struct sess_session *s);
const char *sess_session_msisdn(const struct sess_session *s);
/* The masked phone number, for logs and operators, written into buf (AG_PHONE_MAX bytes is
 * enough); returns buf. */
const char *sess_session_phone_masked(const struct sess_session *s, char *buf, size_t len);
const uint8_t *sess_session_respondent(const struct sess_session *s); /* 32 bytes */
struct sess_content *sess_session_content(const struct sess_session *s);
const struct sess_ctx *sess_session_ctx(const struct sess_session *s);
size_t sess_session_hops(const struct sess_session *s);
/* Bytes asked of malloc for s: its struct with the id, and its own copy of the profile (none
 * when shared); the allocator's overhead and the table's bucket are not counted. */
size_t sess_session_size(const struct sess_session *s);
long long sess_session_created_us(const struct sess_session *s);
enum sess_end_reason sess_session_ended(const struct sess_session *s);
/* The language of the latest screen shown, else the one the caller's profile knows, else the
 * default (kk). */
enum sess_lang sess_session_lang(const struct sess_session *s);
/* The screen of hop `hop` was shown in lang: the language of the latest one is what a screen
 * after the session's end speaks (sess_session_lang), not the one remembered from before. */
void sess_session_shown(struct sess_session *s, size_t hop, enum sess_lang lang);
/* The screen of the latest hop shown (sess_reply's file, screen, question), kept as borrowed
 * pointers into the session's own content snapshot (it holds a reference): NULL before any. */
void sess_session_at(struct sess_session *s, const struct sess_reply *r);
const char *sess_session_file(const struct sess_session *s);
const char *sess_session_screen(const struct sess_session *s);
int sess_session_question(const struct sess_session *s);
/* The carrier's network code (MCC+MNC, at most 7 characters kept; "" when none was sent). */
void sess_session_set_network(struct sess_session *s, const char *code);
const char *sess_session_network(const struct sess_session *s);
/* Milliseconds since the session started, and since its latest hop (now_ms: sess_mono_ms()). */
long long sess_session_age_ms(const struct sess_session *s, long long now_ms);
long long sess_session_idle_ms(const struct sess_session *s, long long now_ms);
/* The monotonic clock the table runs on, in ms. */
long long sess_mono_ms(void);

/* The caller's profile. A session starts without it; the first hop that needs it loads it (the
 * gateway reads the database: sessions/ never does), later hops wait for that same load. */
#define SESS_MAX_WAITING 8 /* hops of one session waiting for its profile */
struct sess_waiter {
  struct sess_waiter *next; /* the session's queue: sessions/ only */
  /* Runs once when the profile is settled: AG_OK (ready) or the load's error. */
  void (*ready)(struct sess_waiter *w, int rc);
};
/* Returns AG_OK when the profile is ready (w not queued); AG_AGAIN when w waits for it, with
 * *load set to 1 when the caller must start loading it now and finish with
 * sess_profile_settle(); AG_E2BIG when SESS_MAX_WAITING hops wait already. */
int sess_profile_wait(struct sess_session *s, struct sess_waiter *w, int *load /* OUT */);
/* The load is over: with rc AG_OK the profile takes p's contents (p is left empty), otherwise
 * p is cleaned up and the next hop loads again. Then every waiter's ready() runs with rc. */
void sess_profile_settle(struct sess_session *s, int rc, struct sess_profile *p);

size_t sess_table_live(const struct sess_table *t);
/* Calls fn for every live session (not the tombstones), in no order. fn must not add, end or
 * forget sessions. O(buckets + sessions): a pointer walk, no allocation. */
void sess_table_each(struct sess_table *t, void (*fn)(void *arg, struct sess_session *s),
                     void *arg);

#endif
