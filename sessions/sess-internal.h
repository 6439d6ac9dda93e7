/* sess-internal.h: the in-memory content model, for files of sessions/ only.
 *
 * Every string here is borrowed from the jansson documents that the snapshot keeps alive, so a
 * snapshot is freed in one go by dropping its documents.
 */
#ifndef SESS_INTERNAL_H
#define SESS_INTERNAL_H

#include "sessions/sess.h"

#include <jansson.h>

enum sess_profile_state { SESS_PROFILE_NONE = 0, SESS_PROFILE_LOADING, SESS_PROFILE_READY };

/* sess_wheel.c: the table's one timer structure, a hashed timer wheel driven by one libevent
 * timer. Each session has one entry, due at one deadline (the sooner of its idle and maximum
 * times, or the end of its tombstone time). An entry is in at most one slot; a slot's entries
 * are looked at when the wheel's clock passes the slot, and those due for a later turn of the
 * wheel stay. Touching a session does not move its entry: when the entry comes due, the table
 * computes the deadline again and puts it back further on (sess_table.c), so that a hop costs
 * no list operation and no allocation. */
#define SESS_WHEEL_SLOTS   4096 /* a power of two */
#define SESS_WHEEL_TICK_MS 4    /* an entry fires at most this late; one turn is 16.4 s */
struct sess_wheel_entry {
  struct sess_wheel_entry *next, **pprev; /* pprev NULL: not in the wheel */
  long long due_ms;                       /* ag_mono_us() / 1000 */
};
struct sess_wheel;
/* Runs for an entry that came due, taken out of the wheel first: it may put it back. */
typedef void (*sess_wheel_fire_cb)(void *arg, struct sess_wheel_entry *e, long long now_ms);
struct sess_wheel *sess__wheel_create(struct event_base *base, sess_wheel_fire_cb fire, void *arg);
void sess__wheel_destroy(struct sess_wheel *w);
/* Puts e (not in the wheel) in, due at due_ms (in the past: on the wheel's next tick). */
int sess__wheel_add(struct sess_wheel *w, struct sess_wheel_entry *e, long long due_ms);
/* Takes e out; no-op when it is not in. */
void sess__wheel_del(struct sess_wheel *w, struct sess_wheel_entry *e);
long long sess__mono_ms(void);

/* One session (sess_table.c owns it, sess_session.c reads it and runs its profile queue), kept
 * small (decisions.md, "a live session in at most 512 bytes"): the id is a tail allocated with
 * it, the carrier's name is the table's one copy, the masked phone is made when asked, the
 * profile is shared when there is nothing particular in it, counters and states are bytes. */
struct sess_session {
  struct sess_wheel_entry timer; /* the one deadline */
  struct sess_session *hash_next;
  struct sess_table *table;
  struct sess_content *content; /* owned reference: the version the session started with */
  struct sess_waiter *waiting;  /* borrowed: hops waiting for the profile, oldest first */
  struct sess_ctx ctx;          /* ctx.profile: sess__profile_pack()'s, or a shared one */
  long long created_us;         /* wall clock, for the day count and the logs */
  long long created_ms;         /* sess__mono_ms(): the idle and maximum times run on it */
  const char *carrier;          /* borrowed: the table's copy of the carrier's name */
  const char *at_file;          /* borrowed from content: the latest screen shown (operators) */
  const char *at_screen;
  uint32_t last_ms;   /* the latest hop, in ms after created_ms */
  uint32_t hash;      /* of (carrier, id) */
  unsigned holds;     /* sess_session_hold() minus sess_session_release() */
  uint8_t hops;       /* the highest hop index seen (hops <= SESS_MAX_INPUTS) */
  uint8_t shown_hop;  /* the highest hop whose screen was shown, and its language: */
  uint8_t shown_lang; /* enum sess_lang: what a screen after the end speaks */
  uint8_t shown;
  uint8_t ended;         /* enum sess_end_reason */
  uint8_t profile_state; /* enum sess_profile_state */
  uint8_t n_waiting;
  uint8_t expired; /* ended, and its tombstone time is over: freed when the last hold goes */
  uint8_t at_question;
  char network[8]; /* MCC+MNC as the carrier sent it */
  uint8_t respondent[32];
  char msisdn[16]; /* E.164: needed only to switch SMS tips on */
  char id[];       /* NUL-terminated */
};

/* sess_profile.c: a copy of p in one allocation, shared (static, never freed) when it holds
 * only a language or nothing; NULL when out of memory. The copy is freed with
 * sess__profile_unpack(). */
const struct sess_profile *sess__profile_pack(const struct sess_profile *p);
void sess__profile_unpack(const struct sess_profile *p);
/* Bytes of a copy made by sess__profile_pack() (0: shared or NULL). */
size_t sess__profile_size(const struct sess_profile *p);

struct sess_text {
  const char *s[SESS_NLANG];
};

enum sess_node_type {
  SESS_NODE_CHOICE,
  SESS_NODE_YESNO,
  SESS_NODE_NUMBER,
  SESS_NODE_TEXT,
  SESS_NODE_MENU,
  SESS_NODE_END,
  SESS_NODE_REQUESTS /* the open requests of the caller's schools (sess_requests.c) */
};

/* Where a menu option or a `next` leads. */
struct sess_goto {
  int file; /* index in sess_content.surveys, -1: none */
  int node; /* node index in that file */
};

enum sess_action {
  SESS_ACTION_NONE = 0,
  SESS_ACTION_SURVEY,      /* start the survey file named by `survey` (default: involvement) */
  SESS_ACTION_TIP_TODAY,   /* today's tip for the child's grade band */
  SESS_ACTION_TIPS_BY_AGE, /* pick a band, then page through its tips */
  SESS_ACTION_SMS_TOGGLE,  /* SMS tips on or off */
  SESS_ACTION_LANGUAGE     /* the language menu */
};

struct sess_option {
  const char *value; /* stored answer (choice), or NULL (menu) */
  struct sess_text label;
  struct sess_goto go; /* file -1: the node's next */
  int set_lang;        /* enum sess_lang, or -1 */
  enum sess_action action;
};

/* IN/NOT_IN test the answer; KIND_IN/KIND_NOT_IN the kind of the place the answer names (a
 * regions or districts question: "region", "city" or "district", sess_place.kind). */
enum sess_cond_op {
  SESS_COND_IN,
  SESS_COND_NOT_IN,
  SESS_COND_ALL,
  SESS_COND_ANY,
  SESS_COND_KIND_IN,
  SESS_COND_KIND_NOT_IN
};

struct sess_cond {
  enum sess_cond_op op;
  int q;               /* IN/NOT_IN/KIND_*: node index whose answer is tested */
  const char **values; /* owned array of borrowed strings */
  size_t n_values;
  struct sess_cond *kids; /* owned: ALL/ANY */
  size_t n_kids;
};

enum sess_source { SESS_SOURCE_NONE = 0, SESS_SOURCE_REGIONS, SESS_SOURCE_DISTRICTS };

struct sess_node {
  const char *id;
  enum sess_node_type type;
  struct sess_text text;
  struct sess_text short_text; /* the prompt of the pages after the first; s[l] NULL: text */
  struct sess_option *options; /* owned array */
  size_t n_options;
  enum sess_source source; /* options filled from the places list */
  int region_node;         /* DISTRICTS: the node whose answer is the region, -1 if none */
  struct sess_goto next;
  struct sess_cond *when; /* owned, NULL: always asked */
  int relation;           /* the answer says who is answering on a shared phone */
  int broken;             /* failed to load: later checks leave it alone (lint) */
  int subscribes;         /* a "yes" subscribes the number to SMS tips */
  int school_consent;     /* a yesno: consent to messages from the child's school */
  long min, max;
  int optional;
  long max_len;
};

struct sess_survey {
  const char *id;
  const char *file;
  int version;
  int is_survey; /* answers are recorded; menus only navigate */
  int start;
  int first_visit;         /* node shown first to a caller with no known language, -1 if none */
  int no_resume;           /* "resume": false: the profile (another survey's) neither resumes it nor
                            * numbers its attempts: each is attempt 1 (school_link) */
  json_t *conditions;      /* borrowed: the file's named conditions ("when": "<name>"), or NULL */
  struct sess_node *nodes; /* owned array */
  size_t n_nodes;
  int context_node[SESS_CTX_N]; /* the nodes of sess_context_ids, -1 when absent: looked up
                                 * once at load, not at every answer of every replay */
};

struct sess_tip {
  const char *id, *band, *practice;
  struct sess_text text;
};

struct sess_band {
  const char *id;
  struct sess_text label;
};

struct sess_cost_memo;

struct sess_content {
  int refs;
  unsigned generation;
  struct sess_survey *surveys; /* owned array */
  size_t n_surveys;
  json_t *strings;          /* borrowed from docs */
  const char *strings_file; /* borrowed: file names for lint messages */
  const char *tips_file;
  struct sess_band *bands; /* owned array: tip bands */
  size_t n_bands;
  struct sess_tip *tips; /* owned array */
  size_t n_tips;
  struct sess_place *places; /* owned array, strings borrowed from docs */
  size_t n_places;
  /* owned: per language, the places' indexes in that language's alphabetical order of their
   * names (lib/ag_collate.h): the order the menus list them in (sess_places.c) */
  size_t *place_order[SESS_NLANG];
  json_t **docs; /* owned: every parsed file (and the places copy), kept for the strings */
  size_t n_docs, cap_docs;
  struct sess_budget budget;
  struct sess_cost_memo *costs; /* owned: the cost of every text, by address (sess_costs.c) */
  char fingerprint[17];         /* sess_content_fingerprint() */
};

/* The cost of a line of text in both encodings. A screen is GSM-7 only when every line is, so
 * the cost of a page is a sum over its lines: no need to build the page to know if it fits. */
struct sess_cost {
  size_t septets, ucs2;
  int gsm;
};
/* sess_costs.c: measures text (invalid UTF-8 costs more than any screen). */
void sess__cost_measure(const char *text, struct sess_cost *out);
/* Measures every text a screen of c may show, once, into c->costs. AG_OK or AG_ENOMEM (then
 * every cost is measured when asked, as before). */
int sess__costs_build(struct sess_content *c);
void sess__costs_free(struct sess_cost_memo *m);
/* The cost of text: from the memo when it is one of c's own texts, else measured now. */
void sess__cost_of(const struct sess_content *c, const char *text, struct sess_cost *out);

/* Problems found while loading. In lint mode every problem is written to out and counted and
 * loading goes on where it can; otherwise the first one is kept in err and loading stops. */
struct sess_diag {
  FILE *out; /* lint mode when not NULL */
  int count;
  char *err;
  size_t errlen;
};
int sess__problem(struct sess_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sess__content_build(const char *dir, const struct sess_budget *budget,
                        const struct sess_place *places, size_t n_places, struct sess_diag *d,
                        struct sess_content **out);

const struct sess_survey *sess__survey_find(const struct sess_content *c, const char *id);
/* The place whose code is code, or NULL. */
const struct sess_place *sess__place_find(const struct sess_content *c, const char *code);
int sess__node_find(const struct sess_survey *sv, const char *id);

/* Loading, one file a job. sess_content.c: a {"kk", "ru", "en"} text (all three, non-empty), and
 * the documents the snapshot keeps alive (doc owned by c from the call on, even on error). */
int sess__text_load(struct sess_diag *d, json_t *obj, struct sess_text *t, const char *where);
int sess__docs_push(struct sess_content *c, json_t *doc);
/* sess_survey.c: pass 1 (id, version, kind, node ids), pass 2 (one node's fields), the region
 * question of each districts question, and freeing a condition's owned arrays. */
int sess__survey_head(struct sess_diag *d, struct sess_survey *sv, json_t *doc, const char *file);
int sess__node_load(struct sess_diag *d, const struct sess_content *c, int self,
                    struct sess_node *n, json_t *jn);
void sess__link_districts(struct sess_survey *sv);
void sess__cond_free(struct sess_cond *c);
/* sess_tips.c: the tips file's bands and tips. */
int sess__tips_load(struct sess_diag *d, struct sess_content *c, json_t *doc, const char *file);
/* sess_tips_rules.c: the tips file's editorial rules (review record, draft languages, practices,
 * no id or text twice, Russian ё, no small object in a pre-school tip), after its tips load. */
int sess__tips_rules(struct sess_diag *d, const struct sess_content *c, json_t *doc,
                     const char *file);
/* sess_places.c: the snapshot's places, from the database's list (places != NULL) or else from
 * the places file places_doc (NULL: none). */
int sess__places_load(struct sess_diag *d, struct sess_content *c, json_t *places_doc,
                      const struct sess_place *places, size_t n_places);

/* One option line of a screen: what it stores and what it shows. */
struct sess_item {
  const char *value;
  const char *label;
};
/* The options a node offers in lang: its own, or the places list filtered by the region answer.
 * Returns how many (at most SESS_MAX_OPTIONS) and fills items. */
size_t sess__node_items(const struct sess_content *c, const struct sess_node *n, const char *region,
                        enum sess_lang lang, struct sess_item *items);

struct sess_screen;
/* The screen of a content node: its text, its options (region: the answer that filters a
 * districts list), and "0 Skip" for an optional number (written into tail). */
void sess__node_screen(const struct sess_content *c, const struct sess_node *n, const char *region,
                       enum sess_lang lang, struct sess_item *items, char *tail, size_t taillen,
                       struct sess_screen *s);

/* A screen to render: a prompt, numbered items (numbering from 1 across pages), and the
 * extra lines that close every page (e.g. "0 Skip"). */
struct sess_screen {
  const char *prompt;
  const char *prompt_more; /* the prompt of the pages after the first, NULL: prompt */
  const struct sess_item *items;
  size_t n_items;
  const char *tail;      /* extra text after the options, "" if none */
  const char *error_key; /* strings.json key of the error line, NULL: "invalid" */
  int can_back;          /* show "0 Back" on the first page too */
};

/* Splits a screen into pages within the budget. first[p] is the first item of page p; returns
 * the number of pages (>= 1), or 0 when a page cannot hold even one item (content error), with
 * that item's index in *bad. */
size_t sess__paginate(const struct sess_content *c, const struct sess_budget *b,
                      const struct sess_screen *s, enum sess_lang lang, size_t *first,
                      size_t max_pages, size_t *bad);
/* The cost of one page showing items [from, to) with the given navigation lines. */
int sess__page_units(const struct sess_content *c, const struct sess_budget *b,
                     const struct sess_screen *s, enum sess_lang lang, size_t from, size_t to,
                     int more, int back, size_t *units, size_t *limit);

/* Renders page `page` of the screen, with the error line on top when error (dropping the prompt
 * when both do not fit). Returns AG_OK, or AG_E2BIG when not even that fits SESS_SCREEN_MAX. */
int sess__render_page(const struct sess_content *c, const struct sess_budget *b,
                      const struct sess_screen *s, enum sess_lang lang, size_t page, int error,
                      char *out, size_t outlen);

/* The items page `page` (the last page when past it) of the screen shows: [*from, *to), as
 * sess__render_page() shows them; only those can be picked (docs/content.md). Returns the
 * number of pages. */
size_t sess__page_range(const struct sess_content *c, const struct sess_budget *b,
                        const struct sess_screen *s, enum sess_lang lang, size_t page, size_t *from,
                        size_t *to);

/* How many pages sess__render_page() shows for the screen. */
size_t sess__page_count(const struct sess_content *c, const struct sess_budget *b,
                        const struct sess_screen *s, enum sess_lang lang);

/* The cost of a rendered screen against its budget: *units in the encoding the screen needs,
 * *limit the budget for that encoding. Returns AG_OK or AG_EINVAL on invalid UTF-8. */
int sess__screen_cost(const struct sess_budget *b, const char *screen, size_t *units,
                      size_t *limit);

/* sess_requests.c: the item "Requests from the school" (issue 13), reached through a node of
 * type `requests`: the list of the profile's open requests, a request's text paged, the three
 * answers, "Tell me more", then (after "I can help") whether to share the number and an
 * optional first name. Its state lives in the engine's run; its screens are built into it. */
enum sess_req_stage {
  SESS_REQ_LIST = 0,
  SESS_REQ_TEXT,  /* the request's text, then its three answers */
  SESS_REQ_MORE,  /* what "Tell me more" says, then "I can help" / "Not this time" */
  SESS_REQ_SHARE, /* share the number with the school for this request? */
  SESS_REQ_NAME,  /* a first name, or 0 to skip */
  SESS_REQ_DONE   /* done_key says what the closing screen says */
};
#define SESS_REQ_LABEL 96 /* bytes of a list label: SESS_REQ_LABEL_CHARS characters and "…" */
struct sess_req_run {
  enum sess_req_stage stage;
  size_t pick;  /* the request shown: index into the profile's */
  size_t chunk; /* TEXT, MORE: the page of the text shown */
  int answered; /* the answer stored in this run: help, more */
  const char *done_key;
  char body[SESS_SCREEN_MAX]; /* the text (or details) being paged, in the session's language */
  char page[SESS_SCREEN_MAX]; /* the part of it shown */
  char label[SESS_MAX_REQUESTS][SESS_REQ_LABEL];
  char tail[192];
};
/* Where the item starts: the list, or the closing "no open request" when there is none. */
void sess__req_enter(struct sess_req_run *q, const struct sess_profile *p);
/* The screen of the stage (items has room for SESS_MAX_OPTIONS). */
void sess__req_screen(const struct sess_content *c, const struct sess_budget *b,
                      const struct sess_node *n, const struct sess_profile *p, enum sess_lang lang,
                      struct sess_req_run *q, struct sess_item *items, struct sess_screen *s);
/* Applies one input: AG_OK (eff set when something is to be stored) or AG_EINVAL (a wrong
 * input: the same screen comes back with its error line). relation: who answers. */
int sess__req_apply(const struct sess_content *c, const struct sess_budget *b,
                    const struct sess_node *n, const struct sess_profile *p, enum sess_lang lang,
                    struct sess_req_run *q, const char *relation, const char *in,
                    struct sess_effect *eff);
/* The item's fixed screens, for lint: fills s for sample k in lang, with *end set for a closing
 * screen; returns 0 past the last sample. */
int sess__req_sample(const struct sess_content *c, const struct sess_node *n, enum sess_lang lang,
                     int k, struct sess_req_run *q, struct sess_item *items, struct sess_screen *s,
                     int *end);

#endif
