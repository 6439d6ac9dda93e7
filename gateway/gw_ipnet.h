/* gw_ipnet.h: IPv4/IPv6 networks ("127.0.0.1", "10.0.0.0/8", "::1") for allow-lists. */
#ifndef GW_IPNET_H
#define GW_IPNET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define GW_IPNET_MAX 16 /* entries in one allow-list */

struct gw_ipnet {
  int family; /* AF_INET or AF_INET6 */
  uint8_t addr[16];
  unsigned prefix; /* bits */
};

struct gw_iplist {
  size_t n;
  struct gw_ipnet net[GW_IPNET_MAX];
};

/* Parses "addr[/prefix]". Returns GW_OK or GW_EINVAL. */
int gw_ipnet_parse(const char *text, struct gw_ipnet *out /* OUT */);

/* Parses a comma-separated list; spaces around entries are ignored. GW_E2BIG past
 * GW_IPNET_MAX entries, GW_EINVAL on a bad entry or an empty list. */
int gw_iplist_parse(const char *text, struct gw_iplist *out /* OUT */);

/* 1 when sa (IPv4, IPv6 or IPv4-mapped IPv6) lies in one of the list's networks. */
int gw_iplist_match(const struct gw_iplist *list, const struct sockaddr *sa);

#endif
