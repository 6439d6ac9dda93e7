/* ag_secret.c: loading the server secret, and the keyed hash of phone numbers. */
#include "lib/ag_secret.h"
#include "lib/ag.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int hexval(int c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  c = tolower(c);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int ag_secret_load(const char *path, struct ag_secret *out, char *err, size_t errlen)
{
  FILE *f = fopen(path, "r");
  struct stat st;
  int c, hi = -1;

  memset(out, 0, sizeof(*out));
  if (!f) {
    snprintf(err, errlen, "cannot read respondent_secret_file %s: %s", path, strerror(errno));
    return AG_EIO;
  }
  /* Whoever reads the key can re-identify every respondent from a list of numbers: a file every
   * user of the machine may read is refused, as ssh refuses such a private key. */
  if (fstat(fileno(f), &st) == 0 && (st.st_mode & (S_IROTH | S_IWOTH))) {
    fclose(f);
    snprintf(err, errlen,
             "respondent_secret_file %s is open to every user of the machine (mode %04o): "
             "run chmod o-rw %s",
             path, (unsigned)(st.st_mode & 07777), path);
    return AG_ECONFIG;
  }
  while ((c = fgetc(f)) != EOF) {
    int v;
    if (isspace(c))
      continue;
    v = hexval(c);
    if (v < 0 || (hi < 0 && out->len == AG_SECRET_MAX)) {
      fclose(f);
      snprintf(err, errlen, "respondent_secret_file %s: expected %d to %d hex-encoded bytes", path,
               AG_SECRET_MIN, AG_SECRET_MAX);
      return AG_ECONFIG;
    }
    if (hi < 0) {
      hi = v;
    } else {
      out->key[out->len++] = (uint8_t)(hi << 4 | v);
      hi = -1;
    }
  }
  fclose(f);
  if (hi >= 0 || out->len < AG_SECRET_MIN) {
    snprintf(err, errlen, "respondent_secret_file %s: expected %d to %d hex-encoded bytes", path,
             AG_SECRET_MIN, AG_SECRET_MAX);
    return AG_ECONFIG;
  }
  return AG_OK;
}

void ag_respondent_key(const struct ag_secret *s, const char *e164, uint8_t out[32])
{
  unsigned int len = 32;

  HMAC(EVP_sha256(), s->key, (int)s->len, (const unsigned char *)e164, strlen(e164), out, &len);
}
