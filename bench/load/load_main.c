/* load_main.c: aulgate-load's options, schedule and report. See load.h.
 *
 * Usage: aulgate-load [-u HOST:PORT] [-p PATH] [-m first|answer|survey] [-r RATE] [-d SECONDS]
 *                     [-c CONNECTIONS] [-R RUN] [-D CONNINFO] [-C CARRIER]
 *                     [-g GRACE] [-P PARENTS]
 *
 * -P (survey): at most PARENTS parents mid-survey at once. A slot that finds no parent ready for
 * its next hop and PARENTS already playing waits for one (its latency still runs from the slot).
 * Without it, a server that falls behind gets ever more new parents: above its capacity the
 * hops become mostly first screens, and the survey's mix is lost.
 * The run's rate is what was replied divided by the time from the first slot to the last reply
 * (at least the run's duration): a server that falls behind takes longer, so its rate is what it
 * did, not what was offered. After the schedule's end, replies are awaited GRACE seconds (10 by
 * default); a request still without a reply then is "unanswered", and enters the latency
 * figures with the time it had waited (a lower bound of its latency). The last line, "summary",
 * holds the figures as key=value for scripts (bench/run).
 */
#include "bench/load/load.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* A new caller, in English, through the whole survey (as tests/it/it_ussd.c plays it): the
 * language, the main menu, start (the opening screen of survey version 4), mother, region,
 * district, rural, grade, school, L1-L4, T1-T5, barrier, no SMS. */
const char *const load_path[] = {"3", "1", "1", "1", "1", "1", "2", "2", "12", "1",
                                 "2", "1", "2", "1", "1", "2", "2", "1", "2",  "2"};
const size_t load_path_len = sizeof(load_path) / sizeof(load_path[0]);

/* Inputs 5 (the region) to 20 (the SMS question) each store an answer; the language (1) and
 * the relation (4) store other rows, the main menu (2) and the opening screen (3) nothing. */
int load_hop_stores(int n_inputs)
{
  return n_inputs >= 5 && n_inputs <= (int)load_path_len;
}

enum mode { MODE_FIRST, MODE_ANSWER, MODE_SURVEY };

struct run {
  struct event_base *base;
  struct load_pool *pool;
  struct event *tick;
  enum mode mode;
  double rate;
  int64_t t0_us, dur_us, grace_us, last_reply_us;
  unsigned run_id;
  struct load_parent *parents; /* owned, [cap] */
  struct load_req *reqs;       /* owned, [cap] */
  size_t cap, n_parents, issued, replied;
  size_t active, max_active; /* survey: parents playing (a hop in flight, or ready); -P */
  struct load_parent *ready_head, *ready_tail;
  uint32_t *lat_us; /* owned, [cap]: latency of each request from its slot */
  size_t n_lat;
  uint64_t con, end, http_err, io_err, unexpected, completed;
};

static int64_t now_us(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct load_parent *parent_new(struct run *r)
{
  struct load_parent *p = &r->parents[r->n_parents];
  size_t i = r->n_parents++;

  snprintf(p->session, sizeof(p->session), "L%u-%zu", r->run_id, i);
  /* +7 70X Y dddddd: X, Y from the run, six digits of the parent. */
  snprintf(p->phone, sizeof(p->phone), "+770%u%u%06zu", r->run_id % 9, (r->run_id / 9) % 10,
           i % 1000000);
  p->next = r->mode == MODE_ANSWER ? 5 : 0; /* 5 inputs: the region, the first answer */
  return p;
}

static void ready_push(struct run *r, struct load_parent *p)
{
  p->ready_next = NULL;
  if (r->ready_tail)
    r->ready_tail->ready_next = p;
  else
    r->ready_head = p;
  r->ready_tail = p;
}

static struct load_parent *ready_pop(struct run *r)
{
  struct load_parent *p = r->ready_head;

  if (p) {
    r->ready_head = p->ready_next;
    if (!r->ready_head)
      r->ready_tail = NULL;
  }
  return p;
}

static void on_reply(void *arg, struct load_req *rq, enum load_outcome o, int status,
                     const char *body)
{
  struct run *r = arg;
  struct load_parent *p = rq->p;
  int64_t t = now_us(), lat = t - rq->slot_us;
  int last = p->next == (int)load_path_len;

  (void)status;
  (void)body;
  rq->replied = 1;
  r->last_reply_us = t;
  if (r->mode == MODE_SURVEY)
    r->active--; /* playing again below if it goes on */
  r->replied++;
  r->lat_us[r->n_lat++] = (uint32_t)(lat > UINT32_MAX ? UINT32_MAX : lat);
  switch (o) {
  case LOAD_HTTP_ERROR:
    r->http_err++;
    return;
  case LOAD_IO_ERROR:
    r->io_err++;
    return;
  case LOAD_END:
    r->end++;
    if (r->mode != MODE_SURVEY || !last) {
      r->unexpected++; /* a polite END, or a caller the gateway already knew */
      return;
    }
    p->acked = p->next;
    r->completed++;
    return;
  case LOAD_CON:
    r->con++;
    if (r->mode == MODE_SURVEY && last) {
      r->unexpected++;
      return;
    }
    p->acked = p->next;
    if (r->mode == MODE_SURVEY) {
      p->next++;
      r->active++;
      ready_push(r, p);
    }
    return;
  }
}

/* Sends every request whose slot has come: a parent waiting for its next hop first, else a new
 * one. */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
  struct run *r = arg;
  int64_t now = now_us() - r->t0_us;
  size_t due = (size_t)((double)(now < r->dur_us ? now : r->dur_us) * r->rate / 1e6);

  (void)fd;
  (void)what;
  while (r->issued < due && r->issued < r->cap) {
    struct load_parent *p = ready_pop(r);
    struct load_req *rq = &r->reqs[r->issued];
    if (!p) {
      if (r->max_active && r->active >= r->max_active)
        break; /* the slot waits for a parent's next hop */
      p = parent_new(r);
      r->active += r->mode == MODE_SURVEY;
    }
    rq->p = p;
    rq->slot_us = r->t0_us + (int64_t)((double)r->issued * 1e6 / r->rate);
    r->issued++;
    load_pool_send(r->pool, rq);
  }
  if (now >= r->dur_us + r->grace_us || (now >= r->dur_us && r->replied == r->issued))
    event_base_loopbreak(r->base);
}

static int cmp_u32(const void *a, const void *b)
{
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

  return x < y ? -1 : x > y;
}

static double pct(const struct run *r, double q)
{
  size_t i;

  if (!r->n_lat)
    return 0;
  i = (size_t)(q * (double)(r->n_lat - 1) + 0.5);
  return (double)r->lat_us[i] / 1000.0;
}

static void usage(void)
{
  fprintf(stderr, "usage: aulgate-load [-u HOST:PORT] [-p PATH] [-m first|answer|survey] "
                  "[-r RATE] [-d SECONDS] [-c CONNECTIONS] [-R RUN] [-D CONNINFO] [-C CARRIER] "
                  "[-g GRACE] [-P PARENTS]\n");
  exit(2);
}

int main(int argc, char **argv)
{
  struct run r = {.mode = MODE_SURVEY, .rate = 1000};
  char host[64] = "127.0.0.1";
  const char *path = "/ussd/at", *conninfo = NULL, *carrier = "at", *mode = "survey";
  int port = 18080, conns = 50, opt;
  double secs = 10, grace = 10;
  uint64_t acked = 0, found = 0, missing = 0, extra = 0, errors;
  int64_t end_us;
  double elapsed, cpu;
  struct rusage ru;
  int verified;
  char prefix[32];

  r.run_id = (unsigned)time(NULL) % 90;
  while ((opt = getopt(argc, argv, "u:p:m:r:d:c:R:D:C:g:P:h")) != -1) {
    switch (opt) {
    case 'u':
      if (sscanf(optarg, "%63[^:]:%d", host, &port) != 2)
        usage();
      break;
    case 'p':
      path = optarg;
      break;
    case 'm':
      mode = optarg;
      break;
    case 'r':
      r.rate = atof(optarg);
      break;
    case 'd':
      secs = atof(optarg);
      break;
    case 'c':
      conns = atoi(optarg);
      break;
    case 'R':
      r.run_id = (unsigned)atoi(optarg);
      break;
    case 'D':
      conninfo = optarg;
      break;
    case 'C':
      carrier = optarg;
      break;
    case 'g':
      grace = atof(optarg);
      break;
    case 'P':
      r.max_active = (size_t)atol(optarg);
      break;
    default:
      usage();
    }
  }
  if (strcmp(mode, "first") == 0)
    r.mode = MODE_FIRST;
  else if (strcmp(mode, "answer") == 0)
    r.mode = MODE_ANSWER;
  else if (strcmp(mode, "survey") != 0)
    usage();
  if (r.rate <= 0 || secs <= 0 || conns <= 0 || r.rate * secs > 5e6 || grace < 0)
    usage();
  r.cap = (size_t)(r.rate * secs) + 1;
  if (r.cap > 1000000) {
    fprintf(stderr, "aulgate-load: at most 1,000,000 requests per run (a caller's number has six "
                    "digits of its own)\n");
    return 2;
  }
  r.dur_us = (int64_t)(secs * 1e6);
  r.grace_us = (int64_t)(grace * 1e6);
  r.parents = calloc(r.cap, sizeof(*r.parents));
  r.reqs = calloc(r.cap, sizeof(*r.reqs));
  r.lat_us = calloc(r.cap, sizeof(*r.lat_us));
  r.base = event_base_new();
  if (!r.parents || !r.reqs || !r.lat_us || !r.base)
    return 1;
  r.pool = load_pool_create(r.base, host, port, path, conns, on_reply, &r);
  if (!r.pool)
    return 1;
  r.tick = event_new(r.base, -1, EV_PERSIST, on_tick, &r);
  event_add(r.tick, &(struct timeval){0, 1000});
  r.t0_us = now_us();
  event_base_dispatch(r.base);

  end_us = now_us();
  /* A request without a reply waited at least until now: it enters the latency figures so. */
  for (size_t i = 0; i < r.issued; i++) {
    if (!r.reqs[i].replied) {
      int64_t lat = end_us - r.reqs[i].slot_us;
      r.lat_us[r.n_lat++] = (uint32_t)(lat > UINT32_MAX ? UINT32_MAX : lat);
    }
  }
  qsort(r.lat_us, r.n_lat, sizeof(*r.lat_us), cmp_u32);
  elapsed = (double)(r.last_reply_us - r.t0_us) / 1e6;
  if (elapsed < secs)
    elapsed = secs;
  getrusage(RUSAGE_SELF, &ru);
  cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
        (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  errors = r.http_err + r.io_err + r.unexpected;
  for (size_t i = 0; i < r.n_parents; i++)
    for (int h = 1; h <= r.parents[i].acked; h++)
      acked += load_hop_stores(h) != 0;
  printf("mode %s, offered %.0f/s for %.0f s on %d connections, run %u\n", mode, r.rate, secs,
         conns, r.run_id);
  printf("  sent %zu, replied %zu in %.2f s (%.0f/s): CON %llu, END %llu, HTTP errors %llu, "
         "I/O errors %llu, unexpected %llu, unanswered %zu, surveys completed %llu\n",
         r.issued, r.replied, elapsed, (double)r.replied / elapsed, (unsigned long long)r.con,
         (unsigned long long)r.end, (unsigned long long)r.http_err, (unsigned long long)r.io_err,
         (unsigned long long)r.unexpected, r.issued - r.replied, (unsigned long long)r.completed);
  printf("  latency from the schedule, ms: p50 %.2f p95 %.2f p99 %.2f p99.9 %.2f max %.2f\n",
         pct(&r, 0.50), pct(&r, 0.95), pct(&r, 0.99), pct(&r, 0.999), pct(&r, 1.0));
  printf("  aulgate-load's own CPU: %.0f%% of one core\n", 100.0 * cpu / elapsed);
  verified = conninfo && r.mode != MODE_FIRST;
  if (verified) {
    snprintf(prefix, sizeof(prefix), "L%u-", r.run_id);
    if (load_check(conninfo, carrier, prefix, r.parents, r.n_parents, &found, &missing, &extra))
      return 1;
    printf("  answers acknowledged %llu, found in PostgreSQL %llu (%.0f/s), missing %llu, "
           "committed but not acknowledged %llu\n",
           (unsigned long long)acked, (unsigned long long)found, (double)found / elapsed,
           (unsigned long long)missing, (unsigned long long)extra);
  } else if (r.mode != MODE_FIRST) {
    printf("  answers acknowledged %llu: not verified (no -D), so not counted\n",
           (unsigned long long)acked);
  }
  /* acked: answers acknowledged per second (durable or not); verified: those found stored,
   * per second, or -1 when nothing was looked up (first screens, or no -D). */
  printf("summary mode=%s offered=%.0f achieved=%.0f p50=%.2f p99=%.2f p999=%.2f max=%.2f "
         "errors=%llu unanswered=%zu acked=%.0f verified=%.0f missing=%llu load_cpu=%.0f\n",
         mode, r.rate, (double)r.replied / elapsed, pct(&r, 0.50), pct(&r, 0.99), pct(&r, 0.999),
         pct(&r, 1.0), (unsigned long long)errors, r.issued - r.replied, (double)acked / elapsed,
         verified ? (double)found / elapsed : -1.0, (unsigned long long)missing,
         100.0 * cpu / elapsed);
  load_pool_destroy(r.pool);
  event_free(r.tick);
  event_base_free(r.base);
  free(r.parents);
  free(r.reqs);
  free(r.lat_us);
  return missing ? 1 : 0;
}
