/* ag_ipnet.h: IPv4/IPv6 networks ("127.0.0.1", "10.0.0.0/8", "::1") for allow-lists. */
#ifndef AG_IPNET_H
#define AG_IPNET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define AG_IPNET_MAX 16 /* entries in one allow-list */

struct ag_ipnet {
  int family; /* AF_INET or AF_INET6 */
  uint8_t addr[16];
  unsigned prefix; /* bits */
};

struct ag_iplist {
  size_t n;
  struct ag_ipnet net[AG_IPNET_MAX];
};

/* Parses "addr[/prefix]". Returns AG_OK or AG_EINVAL. */
int ag_ipnet_parse(const char *text, struct ag_ipnet *out /* OUT */);

/* Parses a comma-separated list; spaces around entries are ignored. AG_E2BIG past
 * AG_IPNET_MAX entries, AG_EINVAL on a bad entry or an empty list. */
int ag_iplist_parse(const char *text, struct ag_iplist *out /* OUT */);

/* 1 when sa (IPv4, IPv6 or IPv4-mapped IPv6) lies in one of the list's networks. */
int ag_iplist_match(const struct ag_iplist *list, const struct sockaddr *sa);

#endif
