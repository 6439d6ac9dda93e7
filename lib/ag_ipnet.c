/* ag_ipnet.c: parsing and matching of allow-list networks. */
#include "lib/ag_ipnet.h"
#include "lib/ag.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

int ag_ipnet_parse(const char *text, struct ag_ipnet *out)
{
  char host[64];
  const char *slash = strchr(text, '/');
  size_t hlen = slash ? (size_t)(slash - text) : strlen(text);
  unsigned maxbits;

  memset(out, 0, sizeof(*out));
  if (hlen == 0 || hlen >= sizeof(host))
    return AG_EINVAL;
  memcpy(host, text, hlen);
  host[hlen] = '\0';
  if (inet_pton(AF_INET, host, out->addr) == 1) {
    out->family = AF_INET;
    maxbits = 32;
  } else if (inet_pton(AF_INET6, host, out->addr) == 1) {
    out->family = AF_INET6;
    maxbits = 128;
  } else {
    return AG_EINVAL;
  }
  out->prefix = maxbits;
  if (slash) {
    char *end;
    unsigned long bits;
    if (slash[1] < '0' || slash[1] > '9')
      return AG_EINVAL;
    bits = strtoul(slash + 1, &end, 10);
    if (*end != '\0' || bits > maxbits)
      return AG_EINVAL;
    out->prefix = (unsigned)bits;
  }
  /* An IPv4-mapped entry (::ffff:a.b.c.d/n, n >= 96) means the IPv4 network: peers are matched
   * as IPv4 after the same unmapping (ag_iplist_match). */
  if (out->family == AF_INET6 && out->prefix >= 96 &&
      IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)out->addr)) {
    memmove(out->addr, out->addr + 12, 4);
    memset(out->addr + 4, 0, 12);
    out->family = AF_INET;
    out->prefix -= 96;
  }
  return AG_OK;
}

int ag_iplist_parse(const char *text, struct ag_iplist *out)
{
  const char *p = text;

  memset(out, 0, sizeof(*out));
  while (*p) {
    char item[80];
    size_t len;
    const char *comma = strchr(p, ',');
    const char *end = comma ? comma : p + strlen(p);

    while (p < end && *p == ' ')
      p++;
    len = (size_t)(end - p);
    while (len > 0 && p[len - 1] == ' ')
      len--;
    if (len == 0 || len >= sizeof(item))
      return AG_EINVAL;
    if (out->n == AG_IPNET_MAX)
      return AG_E2BIG;
    memcpy(item, p, len);
    item[len] = '\0';
    if (ag_ipnet_parse(item, &out->net[out->n]) != AG_OK)
      return AG_EINVAL;
    out->n++;
    if (comma && comma[1] == '\0')
      return AG_EINVAL; /* a trailing comma: an entry was forgotten */
    p = comma ? comma + 1 : end;
  }
  return out->n ? AG_OK : AG_EINVAL;
}

static int prefix_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
  unsigned bytes = bits / 8, rest = bits % 8;

  if (memcmp(a, b, bytes) != 0)
    return 0;
  if (rest == 0)
    return 1;
  return ((a[bytes] ^ b[bytes]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

int ag_iplist_match(const struct ag_iplist *list, const struct sockaddr *sa)
{
  uint8_t addr[16];
  int family;

  if (sa == NULL)
    return 0;
  if (sa->sa_family == AF_INET) {
    family = AF_INET;
    memcpy(addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
  } else if (sa->sa_family == AF_INET6) {
    const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(a6)) {
      family = AF_INET; /* a dual-stack socket reports IPv4 peers this way */
      memcpy(addr, a6->s6_addr + 12, 4);
    } else {
      family = AF_INET6;
      memcpy(addr, a6->s6_addr, 16);
    }
  } else {
    return 0;
  }
  for (size_t i = 0; i < list->n; i++) {
    if (list->net[i].family == family && prefix_equal(addr, list->net[i].addr, list->net[i].prefix))
      return 1;
  }
  return 0;
}
