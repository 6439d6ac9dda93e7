/* ag_secret.h: the server secret and the respondent key derived from it.
 *
 * A respondent is HMAC-SHA256(secret, E.164 number): stable for one deployment, so resume and
 * "never ask twice" work, but without the secret nobody can go back from the key to a number.
 */
#ifndef AG_SECRET_H
#define AG_SECRET_H

#include <stddef.h>
#include <stdint.h>

#define AG_SECRET_MIN 32 /* bytes */
#define AG_SECRET_MAX 64

struct ag_secret {
  uint8_t key[AG_SECRET_MAX];
  size_t len;
};

/* Reads a file of hex characters (whitespace ignored): AG_SECRET_MIN to AG_SECRET_MAX bytes.
 * `what` names the setting in messages ("respondent_secret_file"). A file every user of the
 * machine may read or write is refused. Returns AG_OK, or AG_EIO/AG_ECONFIG with a message in
 * err (out then all zero). */
int ag_secret_load(const char *path, const char *what, struct ag_secret *out /* OUT */, char *err,
                   size_t errlen);

/* Reads the first line of a secret file (without its end of line) into buf, with the same
 * permission rule. AG_ECONFIG for an empty line or one longer than len - 2 bytes. */
int ag_secret_load_line(const char *path, const char *what, char *buf /* OUT */, size_t len,
                        char *err, size_t errlen);

/* out = HMAC-SHA256(secret, e164). */
void ag_respondent_key(const struct ag_secret *s, const char *e164, uint8_t out[32] /* OUT */);

#endif
