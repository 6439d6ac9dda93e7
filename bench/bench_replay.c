/* bench_replay.c: what one hop costs the engine: sess_replay() of a session path, in-process.
 *
 * Every hop replays the session's whole input path (decisions.md 1), so the deepest hop of the
 * survey is the dearest. Prints nanoseconds per replay for the first screen, a hop in the middle
 * and the last hop of the full survey, per language. Usage: bench_replay [CONTENT_DIR] [N]
 */
#include "lib/ag.h"
#include "sessions/sess.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A returning caller (language known): main menu -> survey, start (the opening screen of survey
 * version 4), mother, the regions paged forward and back, the first region, its districts paged
 * forward and back, the first district, city, grade 1-4, school 12, L1..L4, T1..T5, barrier 1
 * (the only option of its first page in kk and ru: a number counts only on its page), SMS: 23
 * inputs. The deepest replay must end on the thank-you screen in every language, or the figures
 * mean nothing. */
static const char *const path[] = {"1", "1", "1", "99", "0", "1", "99", "0", "1", "1", "2", "12",
                                   "1", "2", "1", "2",  "1", "1", "2",  "2", "1", "1", "2"};
#define N_PATH (sizeof(path) / sizeof(path[0]))

static double now_s(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
  const char *dir = argc > 1 ? argv[1] : "content";
  long n = argc > 2 ? atol(argv[2]) : 20000;
  struct sess_budget budget = {75, 175};
  const size_t depths[] = {0, N_PATH / 2, N_PATH};
  struct sess_content *c;
  struct sess_reply r;
  char err[512];

  if (sess_content_load(dir, &budget, NULL, 0, &c, err, sizeof(err))) {
    fprintf(stderr, "bench_replay: %s\n", err);
    return 1;
  }
  printf("sess_replay, %ld runs each, content %s, budget %ld/%ld\n", n, dir, budget.ucs2,
         budget.gsm7);
  for (int l = 0; l < SESS_NLANG; l++) {
    struct sess_profile profile = {0};
    struct sess_ctx ctx = {&profile, 20000};
    profile.has_lang = 1;
    profile.lang = (enum sess_lang)l;
    for (size_t d = 0; d < AG_ARRAY_LEN(depths); d++) {
      double t0 = now_s(), dt;
      for (long i = 0; i < n; i++) {
        if (sess_replay(c, &budget, "main_menu", &ctx, path, depths[d], &r) != AG_OK)
          return 1;
      }
      dt = now_s() - t0;
      if (d == 2 && !r.end) {
        fprintf(stderr, "bench_replay: the full path does not end the survey in %s:\n%s\n",
                sess_lang_code((enum sess_lang)l), r.text);
        return 1;
      }
      printf("  %s  hop %2zu: %8.0f ns  (%s)\n", sess_lang_code((enum sess_lang)l), depths[d],
             dt / (double)n * 1e9, d == 2 ? "the thank-you END" : "");
    }
  }
  sess_content_unref(c);
  return 0;
}
