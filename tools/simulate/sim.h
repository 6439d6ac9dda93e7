/* sim.h: `aulgate simulate`, synthetic parents who take the involvement survey through the
 * gateway's real USSD path (the `at` dialect over HTTP), many sessions at once, some dropping
 * and dialling again, some sharing a phone, with answers that follow the Aktobe diagnostic's
 * published figures exactly (quotas, not coin flips: a few thousand parents must land within one
 * percentage point of them).
 *
 * A synthetic parent reads each screen as a person does: it recognises the question by its text
 * in the content files, finds the label of the answer it means among the numbered lines (paging
 * with "More" when the label is on a later page) and types that line's number. So it follows
 * whatever order, skips and resumes the engine chooses, and fails loudly on a screen it cannot
 * read instead of typing blindly.
 *
 * The pure pieces (screen parsing, the content index, the choice of the next input, the quotas)
 * are declared here for the unit and fuzz tests; sim_main() is the command.
 */
#ifndef SIM_H
#define SIM_H

#include <stddef.h>
#include <stdint.h>

/* ---- The screen a reply carries. ---- */

#define SIM_OPTS_MAX   24
#define SIM_SCREEN_MAX 2048

struct sim_option {
  unsigned key;      /* what to type: the line's number */
  const char *label; /* borrowed from the owning sim_screen */
};

/* Its pointers point into its own buf: parse into the struct you keep; never copy one. */
struct sim_screen {
  int end;          /* END (the session is over) rather than CON */
  const char *text; /* the lines above the numbered ones, joined by '\n'; borrowed, into buf */
  struct sim_option opts[SIM_OPTS_MAX];
  size_t n_opts;
  char buf[SIM_SCREEN_MAX]; /* owns every string above */
};

/* Parses an `at` reply body ("CON ..." or "END ...", len bytes, not necessarily NUL-terminated).
 * The numbered lines are the trailing lines of the form "<1-3 digits> <label>"; everything above
 * them is the text. Returns AG_OK; AG_EBADREQ when the body is neither CON nor END or holds a NUL;
 * AG_E2BIG when it is longer than SIM_SCREEN_MAX - 1 or has more than SIM_OPTS_MAX numbered
 * lines. */
int sim_screen_parse(const char *body, size_t len, struct sim_screen *out /* OUT */);

/* ---- The content, indexed by what a parent sees. ---- */

struct sim_content;

/* Loads involvement.json, main_menu.json, regions.json and strings.json from dir. Returns AG_OK
 * with *out (free with sim_content_free()), or AG_ECONTENT with a reason in err. */
int sim_content_load(const char *dir, struct sim_content **out /* OUT, owned */, char *err,
                     size_t errlen);
void sim_content_free(struct sim_content *c);

/* What a parent means to answer: node id -> value (an option's value, a menu action such as
 * "survey", "lang:kk" for the language menu, "yes"/"no", digits for a number, "" to skip). */
#define SIM_PLAN_MAX 40
struct sim_plan {
  const char *node[SIM_PLAN_MAX]; /* borrowed: static strings or the content's */
  char value[SIM_PLAN_MAX][40];
  size_t n;
};

/* Sets (or replaces) what plan answers at node. AG_OK, or AG_E2BIG when full or too long. */
int sim_plan_set(struct sim_plan *p, const char *node, const char *value);
/* NULL when the plan says nothing for node. */
const char *sim_plan_get(const struct sim_plan *p, const char *node);

/* What a parent does with a screen. */
enum sim_step {
  SIM_TYPE,       /* type `input` and send the next hop */
  SIM_DONE,       /* END of the survey: the parent is through */
  SIM_RETRY,      /* END saying the answer may not be saved: dial again later */
  SIM_UNREADABLE, /* a screen this parent cannot answer: the run reports it */
};

/* Reads screen as a parent with plan would: sets input (NUL-terminated) when it returns
 * SIM_TYPE. *node is, on entry, the id of the question of the previous screen (NULL at the start
 * of a session): an error screen or a later page drops the question's text to fit, and the
 * parent knows what it was answering. On return it is the question recognised (borrowed; ""
 * when none). */
enum sim_step sim_decide(const struct sim_content *c, const struct sim_plan *plan,
                         const struct sim_screen *screen, char *input /* OUT */, size_t inlen,
                         const char **node /* IN/OUT */);

/* ---- Quotas. ---- */

/* A small, seedable generator (xorshift64*): a run is reproducible from its seed. */
struct sim_rng {
  uint64_t s;
};
void sim_rng_seed(struct sim_rng *r, uint64_t seed);
uint64_t sim_rng_next(struct sim_rng *r);
/* Uniform in [0, n); n > 0. */
uint32_t sim_rng_below(struct sim_rng *r, uint32_t n);

/* Fills flags[0..n) with exactly round(share * n) ones, in an order shuffled by r. */
void sim_quota(struct sim_rng *r, double share, unsigned char *flags /* OUT */, size_t n);

/* ---- The command. ---- */

/* `aulgate simulate [-u URL] [-C DIR] [-n PARENTS] [-c CONCURRENCY] [-d DROP%] [-s SHARE%]
 * [-S SEED] [-p PREFIX]`: argv[0] is "simulate". Returns 0 when every parent got through, 1 when
 * some did not, 2 on a bad command line. */
int sim_main(int argc, char **argv);

#endif
