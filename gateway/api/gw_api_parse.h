/* gw_api_parse.h: the operators' API's parsers of query parameters and path ids, pure (no
 * server, no allocation) so that they are fuzzed on their own (tests/fuzz/fuzz_opsquery.c). */
#ifndef GW_API_PARSE_H
#define GW_API_PARSE_H

#include <stddef.h>

#define GW_API_CARRIER_MAX 32  /* bytes of a carrier's name with its NUL (AG_CARRIER_NAME_MAX) */
#define GW_API_ID_MAX      128 /* longest session id (GW_USSD_ID_MAX) */

/* "15m", "1h", "60m": whole minutes in [1, 60] into *minutes; NULL or "" leaves def. AG_OK or
 * AG_EINVAL (anything else: signs, spaces, leading zeros, other units, overflow). */
int gw_api_parse_window(const char *s, int def, int *minutes /* OUT */);
/* A decimal in [lo, hi] (lo >= 0) without sign, spaces or leading zeros; NULL or "" leaves
 * def. AG_OK or AG_EINVAL. */
int gw_api_parse_count(const char *s, long lo, long hi, long def, long *out /* OUT */);
/* 1 when s is a carrier's name: 1 to GW_API_CARRIER_MAX-1 bytes of [a-z0-9_-]. */
int gw_api_carrier_ok(const char *s);
/* "<prefix>/<carrier>/<id>": the carrier's name (checked) copied into carrier, *id pointing
 * into path at the session id: 1 to GW_API_ID_MAX bytes without control characters, and it may
 * hold '/' (a carrier's ids are opaque; the carrier's name never holds one). AG_OK or
 * AG_EINVAL. */
int gw_api_parse_session_path(const char *path, const char *prefix,
                              char carrier[GW_API_CARRIER_MAX], const char **id /* OUT */);

#endif
