/* it_caller.h: a simulated parent answering the survey over the `at` dialect, the carrier's
 * retries in front of it, and the record of what the gateway acknowledged, checked against
 * PostgreSQL at the end. Shared by it_crash (SIGKILLs and PostgreSQL crashes under concurrent
 * surveys) and it_replay (every hop copied, on two processes). No HTTP here: the tests send.
 *
 * The caller reads each screen as a parent would: it knows the survey's questions from
 * content/involvement.json and strings.json (in all three languages) and the places from the
 * database, so it answers whatever the gateway asks, resumes after a dropped session and always
 * gives the same answer to the same question (a persona drawn once). What it sent with every
 * acknowledged answer goes into the record: (session id, hop) -> (question, value).
 */
#ifndef IT_CALLER_H
#define IT_CALLER_H

#include <curl/curl.h>
#include <libpq-fe.h>
#include <stddef.h>
#include <stdio.h>

#define IT_BODY      1200 /* a reply body: a screen is at most SESS_SCREEN_MAX + "CON " */
#define IT_MAX_TRIES 8    /* copies of one hop before the carrier gives the session up */

/* The survey as the caller knows it. Load once per test process. */
struct it_survey;
/* Reads $AULGATE_ROOT/content and the places of db. NULL with a message on stderr. */
struct it_survey *it_survey_load(PGconn *db);
void it_survey_free(struct it_survey *sv);

/* What a reply is. transport_ok: the request completed at all. */
enum it_reply {
  IT_REPLY_FAILED, /* no reply, not 200, not CON/END, or a polite END: "could not save/confirm" */
  IT_REPLY_SCREEN, /* the hop got through: a screen, the same for every copy of the hop */
  /* The END "session ended, dial again": the session's state, not the hop's screen (a process
   * that gave the session a polite END says it to every later copy; another process may
   * replay the hop). Never compared; the parent dials again. */
  IT_REPLY_ENDED
};
enum it_reply it_reply_kind(const struct it_survey *sv, int transport_ok, long status,
                            const char *body);

/* What the sender does next. */
enum it_next {
  IT_SEND,   /* send c->text, the next hop, after a think pause */
  IT_RETRY,  /* the hop failed: send the same hop again after a short pause */
  IT_REDIAL, /* the session is over: dial again with a new session id (it_caller_redial) */
  IT_DONE    /* the survey's last screen was shown: this parent is done */
};

struct it_pick {
  char q[24];
  char input[8];
  char value[64];
};

struct it_caller {
  const struct it_survey *sv;
  char tag[48];     /* session ids are it-<tag>-...: the run's prefix */
  char phone[16];   /* fresh for every caller */
  char session[96]; /* the current session */
  char text[512];   /* the hop under way: inputs joined by '*' */
  int hop;          /* inputs in text */
  int tries;        /* failed copies of the hop under way */
  int lang;         /* persona: 1..3 on the language menu */
  int relation;     /* persona: 1..4 */
  struct it_pick picks[32];
  size_t n_picks;
  char q[24], value[64]; /* what the hop under way answers; q[0] == 0: nothing */
  int sessions, done;
};

/* The record: acknowledged answers, the first good reply of every hop, figures, violations. */
struct it_ack {
  char session[96];
  int hop;
  char q[24], value[64];
};
struct it_first; /* (session, text) -> the first good reply */
struct it_record {
  struct it_ack *acks;
  size_t n_acks, cap_acks;
  struct it_first *first;
  size_t n_first, cap_first;
  long copies, good, failed, ended, compared, retried, lost, sessions, finished;
  long violations;
  char first_violations[8][600];
};

void it_record_init(struct it_record *rec);
void it_record_free(struct it_record *rec);
/* Counts a violation; the first few are kept, and every one is printed to stderr. */
void it_record_violation(struct it_record *rec, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* One copy of hop (session, text) answered with body (kind: it_reply_kind()) by the process
 * `where` names (for the messages: "gw1", "gateway #3"). The first good reply of a hop is kept;
 * every later good one must be the same, byte for byte. retry: this copy was not the hop's
 * first. */
void it_record_reply(struct it_record *rec, const char *session, const char *text, int retry,
                     enum it_reply kind, const char *body, const char *where);
/* Checks the record against `responses` (rows of sessions it-<tag>-...): every acknowledged
 * answer stored once under its key with the value sent, and at most one row per respondent,
 * relation, survey, attempt and question. Returns the number of violations found. */
long it_record_check(struct it_record *rec, PGconn *db, const char *tag);
/* The figures and the first violations. */
void it_record_print(const struct it_record *rec, FILE *out);

/* A new parent with a fresh number (never one of `taken`) and a persona; its first session is
 * ready: c->text is "" (the dial). */
void it_caller_init(struct it_caller *c, const struct it_survey *sv, const char *tag);
/* A new session of the same parent: new session id, text "". */
void it_caller_redial(struct it_caller *c, struct it_record *rec);
/* The hop under way failed (no screen): IT_RETRY, or IT_REDIAL after IT_MAX_TRIES copies. */
enum it_next it_caller_failed(struct it_caller *c);
/* The hop under way got the good reply body: records its answer as acknowledged when the body
 * shows the next screen, and chooses the next input (IT_SEND), or says the session is over. A
 * screen the caller cannot place is a violation (recorded), and the caller dials again. */
enum it_next it_caller_screen(struct it_caller *c, struct it_record *rec, const char *body);

/* The `at` form of the caller's hop under way, escaped with e, into out. */
void it_caller_form(const struct it_caller *c, CURL *e, char *out, size_t cap);

/* A reply body as libcurl hands it over, cut at IT_BODY - 1 bytes: it_body_write is a
 * CURLOPT_WRITEFUNCTION whose data is the it_body. */
struct it_body {
  char text[IT_BODY];
  size_t len;
};
size_t it_body_write(char *data, size_t size, size_t n, void *body);
void it_body_reset(struct it_body *b);

/* The environment variable name as a number, or def when it is unset or empty. */
long it_env_long(const char *name, long def);

#endif
