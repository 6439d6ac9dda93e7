/* gw_secret.h: the server secret and the respondent key derived from it.
 *
 * A respondent is HMAC-SHA256(secret, E.164 number): stable for one deployment, so resume and
 * "never ask twice" work, but without the secret nobody can go back from the key to a number.
 */
#ifndef GW_SECRET_H
#define GW_SECRET_H

#include <stddef.h>
#include <stdint.h>

#define GW_SECRET_MIN 32 /* bytes */
#define GW_SECRET_MAX 64

struct gw_secret {
  uint8_t key[GW_SECRET_MAX];
  size_t len;
};

/* Reads a file of hex characters (whitespace ignored): GW_SECRET_MIN to GW_SECRET_MAX bytes.
 * Returns GW_OK, or GW_EIO/GW_ECONFIG with a message in err. */
int gw_secret_load(const char *path, struct gw_secret *out /* OUT */, char *err, size_t errlen);

/* out = HMAC-SHA256(secret, e164). */
void gw_respondent_key(const struct gw_secret *s, const char *e164, uint8_t out[32] /* OUT */);

#endif
