/* sim_run.c: the parents of a run played against the gateway, many sessions at once over
 * libcurl's multi interface (one thread, keep-alive connections shared by every session).
 *
 * A parent dials (a new session id), reads each screen, types, and goes on until the survey's
 * END. One planned to drop hangs up after a few hops and dials again later from the same phone,
 * with a new session id, as a carrier would present it; the gateway must resume it. A parent who
 * shares a phone dials only when the first parent of that phone is through.
 */
#include "tools/simulate/sim-internal.h"
#include "lib/ag.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIM_TIMEOUT_MS  15000L /* protocols.md: a carrier waits about 15 s */
#define SIM_HOPS_MAX    120    /* a survey is about 20 hops; more is a loop */
#define SIM_REDIALS_MAX 5      /* "could not save, dial again" more often is a failure */

struct sim_run {
  const struct sim_opts *o;
  const struct sim_content *c;
  CURLM *multi;
  struct curl_slist *headers;
  struct sim_parent **queue; /* ring of parents waiting to dial */
  size_t q_head, q_len, q_cap;
  unsigned active, done, failed, resumed_sessions, hops;
};

static size_t sim_on_body(char *data, size_t size, size_t nmemb, void *arg)
{
  struct sim_parent *p = arg;
  size_t add = size * nmemb;

  if (add >= sizeof(p->body) - p->body_len) {
    p->body_too_big = 1;
    return 0;
  }
  memcpy(p->body + p->body_len, data, add);
  p->body_len += add;
  return add;
}

static void sim_queue_push(struct sim_run *r, struct sim_parent *p)
{
  r->queue[(r->q_head + r->q_len++) % r->q_cap] = p; /* a parent waits at most once */
}

static struct sim_parent *sim_queue_pop(struct sim_run *r)
{
  struct sim_parent *p = r->queue[r->q_head];

  r->q_head = (r->q_head + 1) % r->q_cap;
  r->q_len--;
  return p;
}

static int sim_form(struct sim_run *r, struct sim_parent *p)
{
  const char *vals[] = {p->session, r->o->code, p->phone, r->o->network, p->text};
  static const char *const keys[] = {"sessionId", "serviceCode", "phoneNumber", "networkCode",
                                     "text"};
  char buf[2048];
  size_t len = 0;

  for (size_t i = 0; i < AG_ARRAY_LEN(keys); i++) {
    char *esc = curl_easy_escape(p->easy, vals[i], 0);

    if (!esc)
      return AG_ENOMEM;
    len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s=%s", i ? "&" : "", keys[i], esc);
    curl_free(esc);
    if (len >= sizeof(buf))
      return AG_E2BIG;
  }
  free(p->form);
  return (p->form = strdup(buf)) != NULL ? AG_OK : AG_ENOMEM;
}

/* Sends the parent's next hop. AG_OK, or an error after which the parent has failed. */
static int sim_send(struct sim_run *r, struct sim_parent *p)
{
  int rc;

  if (!p->easy && (p->easy = curl_easy_init()) == NULL)
    return AG_ENOMEM;
  if ((rc = sim_form(r, p)) != AG_OK)
    return rc;
  p->body_len = 0;
  p->body_too_big = 0;
  curl_easy_setopt(p->easy, CURLOPT_URL, r->o->url);
  curl_easy_setopt(p->easy, CURLOPT_HTTPHEADER, r->headers);
  curl_easy_setopt(p->easy, CURLOPT_POSTFIELDS, p->form);
  curl_easy_setopt(p->easy, CURLOPT_WRITEFUNCTION, sim_on_body);
  curl_easy_setopt(p->easy, CURLOPT_WRITEDATA, p);
  curl_easy_setopt(p->easy, CURLOPT_PRIVATE, p);
  curl_easy_setopt(p->easy, CURLOPT_TIMEOUT_MS, SIM_TIMEOUT_MS);
  curl_easy_setopt(p->easy, CURLOPT_NOSIGNAL, 1L);
  if (curl_multi_add_handle(r->multi, p->easy) != CURLM_OK)
    return AG_EIO;
  r->active++;
  r->hops++;
  p->hops++;
  return AG_OK;
}

/* A new session from the parent's phone: what a redial looks like to the gateway. */
static int sim_dial(struct sim_run *r, struct sim_parent *p)
{
  /* By the parent, not the phone: the second parent of a shared phone must not take the ids of
   * the first parent's sessions, which the gateway rightly refuses as ended. */
  snprintf(p->session, sizeof(p->session), "%s-%u-%u", r->o->prefix, p->id, p->sessions);
  if (p->sessions++ > 0)
    r->resumed_sessions++;
  p->text_len = 0;
  p->text[0] = '\0';
  p->node = NULL;
  return sim_send(r, p);
}

static void sim_release(struct sim_parent *p)
{
  if (p->easy)
    curl_easy_cleanup(p->easy);
  p->easy = NULL;
  free(p->form);
  p->form = NULL;
}

static void sim_fail(struct sim_run *r, struct sim_parent *p, const char *why)
{
  fprintf(stderr, "simulate: parent %u (session %s, hop %u): %s\n", p->id, p->session, p->hops,
          why);
  sim_release(p);
  r->failed++;
}

static void sim_through(struct sim_run *r, struct sim_parent *p)
{
  sim_release(p);
  r->done++;
  if (p->after)
    sim_queue_push(r, p->after);
}

static int sim_text_add(struct sim_parent *p, const char *input)
{
  size_t n = strlen(input);

  if (p->text_len + n + 2 > sizeof(p->text))
    return AG_E2BIG;
  if (p->text_len)
    p->text[p->text_len++] = '*';
  memcpy(p->text + p->text_len, input, n + 1);
  p->text_len += n;
  return AG_OK;
}

/* One reply: the next hop, a redial later, or the end of this parent. */
static void sim_on_reply(struct sim_run *r, struct sim_parent *p, CURLcode cc)
{
  struct sim_screen s;
  long status = 0;
  char input[64], why[SIM_SCREEN_MAX + 64];

  curl_easy_getinfo(p->easy, CURLINFO_RESPONSE_CODE, &status);
  if (cc != CURLE_OK || status != 200 || p->body_too_big) {
    snprintf(why, sizeof(why), "no screen: %s, HTTP %ld", curl_easy_strerror(cc), status);
    sim_fail(r, p, why);
    return;
  }
  if (sim_screen_parse(p->body, p->body_len, &s) != AG_OK) {
    sim_fail(r, p, "a reply neither CON nor END");
    return;
  }
  switch (sim_decide(r->c, &p->plan, &s, input, sizeof(input), &p->node)) {
  case SIM_DONE:
    sim_through(r, p);
    return;
  case SIM_RETRY:
    if (++p->redials > SIM_REDIALS_MAX) {
      sim_fail(r, p, "the gateway kept saying the answer was not saved");
      return;
    }
    sim_queue_push(r, p);
    return;
  case SIM_UNREADABLE:
    snprintf(why, sizeof(why), "cannot answer the screen \"%.*s\"", (int)p->body_len, p->body);
    sim_fail(r, p, why);
    return;
  case SIM_TYPE:
    break;
  }
  if (p->hops >= SIM_HOPS_MAX || sim_text_add(p, input) != AG_OK) {
    sim_fail(r, p, "the survey never ends");
    return;
  }
  if (p->drop_at && p->hops == p->drop_at) {
    p->drop_at = 0; /* hangs up before sending it; dials again once the queue comes round */
    sim_queue_push(r, p);
    return;
  }
  if (sim_send(r, p) != AG_OK)
    sim_fail(r, p, "cannot send the next hop");
}

static void sim_collect(struct sim_run *r)
{
  CURLMsg *m;
  int left;

  while ((m = curl_multi_info_read(r->multi, &left)) != NULL) {
    struct sim_parent *p = NULL;

    if (m->msg != CURLMSG_DONE)
      continue;
    curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&p);
    curl_multi_remove_handle(r->multi, m->easy_handle);
    r->active--;
    sim_on_reply(r, p, m->data.result);
  }
}

static int sim_loop(struct sim_run *r)
{
  while (r->active > 0 || r->q_len > 0) {
    int running;

    while (r->active < r->o->concurrency && r->q_len > 0) {
      struct sim_parent *p = sim_queue_pop(r);

      if (sim_dial(r, p) != AG_OK)
        sim_fail(r, p, "cannot dial");
    }
    if (curl_multi_perform(r->multi, &running) != CURLM_OK ||
        curl_multi_poll(r->multi, NULL, 0, 1000, NULL) != CURLM_OK)
      return AG_EIO;
    sim_collect(r);
  }
  return AG_OK;
}

int sim__run(const struct sim_opts *o, const struct sim_content *c, struct sim_parent *ps, size_t n,
             unsigned *through)
{
  struct sim_run r = {.o = o, .c = c, .q_cap = n ? n : 1};
  long long t0 = ag_mono_us();
  double secs;
  int rc = AG_ENOMEM;

  *through = 0;
  r.queue = calloc(r.q_cap, sizeof(*r.queue));
  r.multi = curl_multi_init();
  r.headers = curl_slist_append(NULL, "Content-Type: application/x-www-form-urlencoded");
  if (r.queue && r.multi && r.headers) {
    curl_multi_setopt(r.multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)o->concurrency);
    for (size_t i = 0; i < n; i++)
      if (!ps[i].waits_for_phone)
        sim_queue_push(&r, &ps[i]);
    rc = sim_loop(&r);
  }
  for (size_t i = 0; i < n; i++)
    sim_release(&ps[i]); /* only after an I/O error can a hop still be in flight */
  if (r.multi)
    curl_multi_cleanup(r.multi);
  curl_slist_free_all(r.headers);
  free(r.queue);
  secs = (double)(ag_mono_us() - t0) / 1e6;
  fprintf(stderr,
          "simulate: %u hops in %.1f s (%.0f/s), %u sessions resumed after a drop, %u parents "
          "through, %u failed\n",
          r.hops, secs, secs > 0 ? r.hops / secs : 0.0, r.resumed_sessions, r.done, r.failed);
  *through = r.done;
  return rc;
}
