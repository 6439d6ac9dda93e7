/* sim-internal.h: what the files of tools/simulate/ share: the content as a parent sees it
 * (sim_content.c, read by sim_decide.c), the parents of a run (sim_population.c), the run
 * (sim_run.c) and the read-back (sim_check.c), all started by sim_cli.c.
 */
#ifndef SIM_INTERNAL_H
#define SIM_INTERNAL_H

#include "tools/simulate/sim.h"

#include <curl/curl.h>
#include <stddef.h>

#define SIM_LANGS 3 /* kk, ru, en: the order of every [SIM_LANGS] array */
extern const char *const sim_lang_code[SIM_LANGS];

enum sim_kind { SIM_K_CHOICE, SIM_K_YESNO, SIM_K_NUMBER, SIM_K_MENU, SIM_K_END, SIM_K_OTHER };
enum sim_from { SIM_FROM_NONE, SIM_FROM_REGIONS, SIM_FROM_DISTRICTS };

struct sim_opt {
  char *value;            /* owned: the option's value, a menu action or "lang:xx" */
  char *label[SIM_LANGS]; /* owned */
  char *region;           /* owned: a district's region code; NULL otherwise */
};

struct sim_node {
  char *id; /* owned */
  enum sim_kind kind;
  enum sim_from from;
  int optional;          /* a number question that can be skipped */
  char *text[SIM_LANGS]; /* owned */
  struct sim_opt *opts;  /* owned, n_opts of them */
  size_t n_opts;
};

/* Shared strings a parent must recognise. */
enum sim_str {
  SIM_S_YES,
  SIM_S_NO,
  SIM_S_MORE,
  SIM_S_SKIP,
  SIM_S_RESUME_PROMPT,
  SIM_S_RESUME,
  SIM_S_UNAVAILABLE,
  SIM_S_UNCONFIRMED,
  SIM_S_COUNT
};

struct sim_content {
  struct sim_node *nodes; /* owned, n_nodes of them */
  size_t n_nodes;
  struct sim_opt *places; /* owned: every region and district, value = its code */
  size_t n_places;
  char *str[SIM_S_COUNT][SIM_LANGS]; /* owned */
  unsigned version;                  /* the survey's version (involvement.json) */
};

/* The place with this code, or NULL. */
const struct sim_opt *sim__place(const struct sim_content *c, const char *code);

/* A school of the schools file (sql/seed/schools.json): what a parent of it answers. */
struct sim_school {
  char district[48];
  unsigned number;
  int rural;
};

/* sim_content.c: the schools of region in the file at path (*out owned, *n of them). AG_OK;
 * AG_ECONTENT with a reason in err when the file cannot be read or has none there. */
int sim__schools_load(const char *path, const struct sim_content *c, const char *region,
                      struct sim_school **out /* OUT, owned */, size_t *n /* OUT */, char *err,
                      size_t errlen);

struct sim_opts {
  const char *url, *content_dir, *schools, *prefix, *code, *network, *db;
  const char *results, *token; /* the gateway's base URL for GET /api/v1/results, its token */
  const char *version_arg;     /* --version as given; NULL: the content's */
  unsigned parents, concurrency, drop_pct, share_pct, version;
  unsigned long long seed;
};

/* The groups of the published figures: urban and rural schools (the school's settlement). */
enum sim_group { SIM_URBAN, SIM_RURAL, SIM_GROUPS };
extern const char *const sim_group_name[SIM_GROUPS];

/* One synthetic parent of a run. */
struct sim_parent {
  struct sim_plan plan;
  enum sim_group group;
  char phone[16];
  char session[64];
  char text[512]; /* the session's inputs so far, joined by '*' (the at dialect's `text`) */
  size_t text_len;
  char body[SIM_SCREEN_MAX];
  size_t body_len;
  int body_too_big;
  const char *node; /* borrowed from the content: the question of the last screen */
  unsigned id;      /* the parent's number in the run: its sessions' ids are prefix-id-session */
  unsigned sessions, hops, drop_at, redials;
  struct sim_parent *after; /* borrowed: dials from the same phone once this one is through */
  int waits_for_phone;      /* is some parent's `after`: not queued at the start */
  CURL *easy;               /* owned while the parent plays */
  char *form;               /* owned while a hop is in flight */
};

/* sim_population.c: the run's parents (*out, owned, n of them), their plans following the
 * published figures with exact quotas. AG_OK, AG_ENOMEM or AG_ECONTENT (a place missing). */
int sim__population(const struct sim_opts *o, const struct sim_content *c,
                    const struct sim_school *schools, size_t n_schools,
                    struct sim_parent **out /* OUT, owned */, size_t *n /* OUT */);
/* Prints what the parents meant to answer to the published figures' questions. */
void sim__report_plan(const struct sim_parent *ps, size_t n);

/* sim_run.c: plays every parent until each is through or has failed; *through counts the first.
 * AG_OK, or AG_EIO / AG_ENOMEM when the run itself broke. */
int sim__run(const struct sim_opts *o, const struct sim_content *c, struct sim_parent *ps, size_t n,
             unsigned *through /* OUT */);

/* sim_check.c: reads back from PostgreSQL (conninfo) the answers stored for the run's sessions
 * and prints the shares per group beside the published ones. Returns 0 when each share of a
 * published figure is within 1 percentage point and every parent's answers are there, 1 when
 * not, -1 when the database could not be read. */
int sim__check(const char *conninfo, const char *prefix, const size_t planned[SIM_GROUPS]);

/* sim_api.c: one question's figure for a group of schools, as GET /api/v1/results gives it. */
struct sim_api_cell {
  int present, suppressed;
  long respondents, yes;
};
/* Reads, for each published figure's question (out[f], in sim_published's order), the region's
 * groups by the school's settlement through the results API at o->results with o->token, for
 * survey version o->version. AG_OK; AG_EIO or AG_EBADREQ with the reason in err. */
int sim__api_read(const struct sim_opts *o, struct sim_api_cell out[][SIM_GROUPS], char *err,
                  size_t errlen);
/* Prints the run's figures as the difference after - before and compares them with the
 * published ones: 0 when every group gained exactly its planned parents and each share is within
 * one point; 1 otherwise (a suppressed group in either read cannot be compared). */
int sim__api_check(const struct sim_api_cell before[][SIM_GROUPS],
                   const struct sim_api_cell after[][SIM_GROUPS], const size_t planned[SIM_GROUPS]);

/* The published figures (domain.md), per group: share answering yes. */
struct sim_figure {
  const char *question;
  double share[SIM_GROUPS];
};
extern const struct sim_figure sim_published[];
extern const size_t sim_published_len;

#endif
