/* bench_sessions.c: what a live session costs the gateway, in memory and in time.
 *
 * Creates N idle sessions in a sess_table on an event_base, as the gateway does on first hops
 * (an Africa's Talking-like 38-byte session id, a Kazakh number, the caller's profile settled),
 * for three kinds of caller: new (nothing known), returning (language, grade and a finished
 * attempt known) and resuming (an open attempt with five answers kept for "never ask twice").
 * Prints bytes per session from the heap (mallinfo2) and from RSS (/proc/self/statm), and the
 * CPU time per session of create, touch, end (idle expiry) and the tombstones' reaping.
 * Usage: bench_sessions [CONTENT_DIR] [N]. Figures only: nothing here asserts a time.
 */
#include "lib/ag.h"
#include "sessions/sess.h"

#include <event2/event.h>
#include <malloc.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum kind { NEW, RETURNING, RESUMING, N_KINDS };
static const char *const kind_name[] = {"new", "returning", "resuming"};

static long long walk_now_ms;

static void walk_one(void *arg, struct sess_session *s)
{
  *(long long *)arg += sess_session_idle_ms(s, walk_now_ms) >= 0;
}

static double cpu_s(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_bytes(void)
{
  long size = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");

  if (f) {
    if (fscanf(f, "%ld %ld", &size, &resident) != 2)
      resident = 0;
    fclose(f);
  }
  return resident * sysconf(_SC_PAGESIZE);
}

static long heap_bytes(void)
{
  struct mallinfo2 mi = mallinfo2();

  return (long)(mi.uordblks + mi.hblkhd);
}

/* The rows the database gives for a caller of this kind, newest first. */
static void build_profile(enum kind k, struct sess_profile *p)
{
  static const char *const q[] = {"grade", "school", "L1", "L2", "L3"};
  static const char *const v[] = {"g1_4", "12", "1", "2", "1"};
  struct sess_profile_row lang = {.relation = "", .lang = "ru"};

  memset(p, 0, sizeof(*p));
  if (k == NEW)
    return;
  sess_profile_add(p, &lang);
  for (size_t i = 0; i < AG_ARRAY_LEN(q); i++) {
    struct sess_profile_row row = {.relation = "mother",
                                   .attempt = 1,
                                   .open = k == RESUMING,
                                   .fresh = k == RESUMING,
                                   .lang = "ru",
                                   .question_id = q[i],
                                   .value = v[i]};
    sess_profile_add(p, &row);
  }
}

static void never(struct sess_waiter *w, int rc)
{
  (void)w;
  (void)rc;
}

static long ended;
static void on_end(void *arg, struct sess_session *s)
{
  (void)arg;
  (void)s;
  ended++;
}

static void run(struct sess_content *c, enum kind k, long n)
{
  struct event_base *base = event_base_new();
  /* Short timers, so that the expiry runs within the benchmark. */
  struct sess_table *t = sess_table_create(base, 300, 1000, on_end, NULL);
  char id[64], msisdn[16];
  uint8_t respondent[32] = {0};
  long heap0, rss0, heap1, rss1;
  size_t size;
  double t0, t_create, t_touch, t_expire, t_reap, t_walk;
  long long walked;
  struct sess_session **v = malloc((size_t)n * sizeof(*v));

  if (!base || !t || !v)
    exit(1);
  malloc_trim(0);
  heap0 = heap_bytes();
  rss0 = rss_bytes();
  t0 = cpu_s();
  for (long i = 0; i < n; i++) {
    struct sess_waiter w = {NULL, never};
    struct sess_profile p;
    int load;
    snprintf(id, sizeof(id), "ATUid_%08lx%024lx", (unsigned long)k, (unsigned long)i * 2654435761u);
    snprintf(msisdn, sizeof(msisdn), "+7701%07ld", i % 10000000);
    memcpy(respondent, &i, sizeof(i));
    v[i] = sess_table_add(t, "at", id, msisdn, respondent, c, 1700000000000000LL);
    if (!v[i])
      exit(1);
    /* The first hop reads the profile and settles it: the session keeps it. */
    sess_profile_wait(v[i], &w, &load);
    build_profile(k, &p);
    sess_profile_settle(v[i], AG_OK, &p);
    sess_session_shown(v[i], 0, SESS_RU);
  }
  t_create = cpu_s() - t0;
  size = sess_session_size(v[n - 1]);
  heap1 = heap_bytes();
  rss1 = rss_bytes();
  t0 = cpu_s();
  for (long i = 0; i < n; i++)
    sess_table_touch(v[i], 1);
  t_touch = cpu_s() - t0;
  /* What GET /api/v1/sessions costs the loop before its heap: one walk over the table. */
  walked = 0;
  walk_now_ms = sess_mono_ms();
  t0 = cpu_s();
  sess_table_each(t, walk_one, &walked);
  t_walk = cpu_s() - t0;
  ended = 0;
  t0 = cpu_s();
  while (ended < n)
    event_base_loop(base, EVLOOP_ONCE);
  t_expire = cpu_s() - t0;
  t0 = cpu_s();
  while (sess_table_live(t) == 0 && event_base_loop(base, EVLOOP_ONCE) == 0) {
    /* until the last tombstone is reaped: the loop has no event left */
  }
  t_reap = cpu_s() - t0;
  printf("%-9s  heap %6.0f B/session  rss %6.0f B/session  (%ld sessions: heap +%.1f MiB, rss "
         "+%.1f MiB)\n",
         kind_name[k], (double)(heap1 - heap0) / (double)n, (double)(rss1 - rss0) / (double)n, n,
         (double)(heap1 - heap0) / 1048576.0, (double)(rss1 - rss0) / 1048576.0);
  printf("%-9s  asked of malloc per session (sess_session_size): %zu B\n", kind_name[k], size);
  printf("%-9s  cpu ns/session: create+profile %.0f  touch %.0f  idle end %.0f  reap %.0f\n",
         kind_name[k], t_create * 1e9 / (double)n, t_touch * 1e9 / (double)n,
         t_expire * 1e9 / (double)n, t_reap * 1e9 / (double)n);
  printf("%-9s  walk of the table (sess_table_each, idle read): %.2f ms for %ld sessions\n",
         kind_name[k], t_walk * 1e3, n);
  sess_table_destroy(t);
  event_base_free(base);
  free(v);
}

int main(int argc, char **argv)
{
  const char *dir = argc > 1 ? argv[1] : "content";
  long n = argc > 2 ? atol(argv[2]) : 100000;
  struct sess_budget budget = {75, 175};
  struct sess_content *c;
  char err[512];

  if (sess_content_load(dir, &budget, NULL, 0, &c, err, sizeof(err))) {
    fprintf(stderr, "bench_sessions: %s\n", err);
    return 1;
  }
  printf("bench_sessions: %ld idle sessions per kind, content %s\n", n, dir);
  fflush(stdout);
  for (int k = 0; k < N_KINDS; k++) {
    /* One process a kind: what an earlier kind freed does not hide in this one's RSS. */
    pid_t pid = fork();
    if (pid == 0) {
      run(c, (enum kind)k, n);
      fflush(stdout);
      _exit(0);
    }
    if (pid > 0)
      waitpid(pid, NULL, 0);
  }
  sess_content_unref(c);
  return 0;
}
