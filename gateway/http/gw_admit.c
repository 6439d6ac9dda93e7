/* gw_admit.c: who may open a connection, decided at accept time, before a byte is read.
 *
 * Idle connections are cheap to open and a slot each: 5,000 of them, or a byte every 10 s to
 * keep them, once blocked every hop. An address the server trusts (a carrier's) is always let
 * in up to the daemon's limit; any other address may hold at most per_ip connections, and none
 * once only `reserved` slots are left, so carriers keep room however busy the rest is.
 */
#include "gateway/http/gw_http-internal.h"
#include "lib/ag.h"

#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS 1024

/* The connections an untrusted address holds; freed when its last one closes. */
struct gw_admit_entry {
  uint8_t key[16]; /* the IPv6 address, or IPv4 mapped into it */
  unsigned count;
  struct gw_admit_entry *next;
};

struct gw_admit {
  struct gw_admit_entry *bucket[BUCKETS]; /* owned chains */
  unsigned open;                          /* connections open, trusted or not */
  unsigned long long refused;
};

static int key_of(const struct sockaddr *sa, uint8_t key[16])
{
  memset(key, 0, 16);
  if (sa && sa->sa_family == AF_INET) {
    key[10] = key[11] = 0xff;
    memcpy(key + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
    return 1;
  }
  if (sa && sa->sa_family == AF_INET6) {
    memcpy(key, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
    return 1;
  }
  return 0;
}

static struct gw_admit_entry **slot_of(struct gw_admit *a, const uint8_t key[16])
{
  uint32_t h = 2166136261u;
  struct gw_admit_entry **pp;

  for (int i = 0; i < 16; i++)
    h = (h ^ key[i]) * 16777619u;
  for (pp = &a->bucket[h % BUCKETS]; *pp; pp = &(*pp)->next)
    if (memcmp((*pp)->key, key, 16) == 0)
      break;
  return pp;
}

static int trusted(const struct gw_http *h, const struct sockaddr *sa)
{
  return h->cfg.trusted && h->cfg.trusted(h->cfg.trusted_arg, sa);
}

int gw_http__admit(struct gw_http *h, const struct sockaddr *sa)
{
  struct gw_admit *a = h->admit;
  uint8_t key[16];
  struct gw_admit_entry **pp;

  if (!a || trusted(h, sa))
    return 1;
  if (h->cfg.reserved && a->open + h->cfg.reserved >= h->cfg.max_connections) {
    a->refused++;
    return 0;
  }
  if (h->cfg.per_ip && key_of(sa, key) && *(pp = slot_of(a, key)) &&
      (*pp)->count >= h->cfg.per_ip) {
    a->refused++;
    return 0;
  }
  return 1;
}

void *gw_http__admitted(struct gw_http *h, const struct sockaddr *sa)
{
  struct gw_admit *a = h->admit;
  uint8_t key[16];
  struct gw_admit_entry **pp;

  if (!a)
    return NULL;
  a->open++;
  if (trusted(h, sa) || !key_of(sa, key))
    return NULL;
  pp = slot_of(a, key);
  if (!*pp) {
    *pp = calloc(1, sizeof(**pp));
    if (!*pp)
      return NULL; /* not counted: the per-address limit is loose under memory pressure */
    memcpy((*pp)->key, key, 16);
  }
  (*pp)->count++;
  return *pp;
}

void gw_http__closed(struct gw_http *h, void *entry)
{
  struct gw_admit *a = h->admit;
  struct gw_admit_entry *e = entry, **pp;

  if (!a)
    return;
  if (AG_ALWAYS(a->open > 0))
    a->open--;
  if (!e || --e->count > 0)
    return;
  pp = slot_of(a, e->key);
  if (*pp == e) {
    *pp = e->next;
    free(e);
  }
}

int gw_http__admit_create(struct gw_http *h)
{
  h->admit = calloc(1, sizeof(*h->admit));
  return h->admit ? AG_OK : AG_ENOMEM;
}

void gw_http__admit_destroy(struct gw_http *h)
{
  if (!h->admit)
    return;
  for (size_t b = 0; b < BUCKETS; b++) {
    while (h->admit->bucket[b]) {
      struct gw_admit_entry *e = h->admit->bucket[b];
      h->admit->bucket[b] = e->next;
      free(e);
    }
  }
  free(h->admit);
  h->admit = NULL;
}

unsigned long long gw_http_refused(const struct gw_http *h)
{
  return h && h->admit ? h->admit->refused : 0;
}
