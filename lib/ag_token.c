/* ag_token.c: API bearer tokens (see ag_token.h). */
#include "lib/ag_token.h"
#include "lib/ag.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int ag_token_generate(char out[AG_TOKEN_LEN + 1])
{
  uint8_t r[AG_TOKEN_RAND];
  char *o = out + 3;

  /* Blocking until the pool is initialised is right for a secret made once, by hand. */
  if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
    return AG_EIO;
  memcpy(out, AG_TOKEN_PREFIX, 3);
  for (size_t i = 0; i < sizeof(r); i += 3) {
    unsigned v = (unsigned)r[i] << 16 | (unsigned)r[i + 1] << 8 | r[i + 2];
    *o++ = b64url[v >> 18 & 63];
    *o++ = b64url[v >> 12 & 63];
    *o++ = b64url[v >> 6 & 63];
    *o++ = b64url[v & 63];
  }
  *o = '\0';
  OPENSSL_cleanse(r, sizeof(r));
  return AG_OK;
}

void ag_token_hash(const char *token, size_t len, uint8_t out[AG_TOKEN_HASH_LEN])
{
  SHA256((const unsigned char *)token, len, out);
}

int ag_token_parse_bearer(const char *header, const char **tok)
{
  const char *t;

  if (!header || !*header)
    return AG_ENOTFOUND;
  if (strncasecmp(header, "Bearer", 6) != 0 || header[6] != ' ')
    return AG_EBADREQ;
  t = header + 6;
  while (*t == ' ')
    t++;
  if (strncmp(t, AG_TOKEN_PREFIX, 3) != 0 || strspn(t + 3, b64url) != AG_TOKEN_LEN - 3 ||
      t[AG_TOKEN_LEN] != '\0')
    return AG_EBADREQ;
  *tok = t;
  return AG_OK;
}

int ag_token_hash_equal(const uint8_t a[AG_TOKEN_HASH_LEN], const uint8_t b[AG_TOKEN_HASH_LEN])
{
  return CRYPTO_memcmp(a, b, AG_TOKEN_HASH_LEN) == 0;
}
