/* ag_secret.c: loading the server secret, and the keyed hash of phone numbers. */
#include "lib/ag_secret.h"
#include "lib/ag.h"
#include "lib/ag_text.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* Opens the secret file named by key `what` (for messages); NULL with rc and err set when it
 * cannot be read or every user of the machine may read it. */
static FILE *open_private(const char *path, const char *what, int *rc, char *err, size_t errlen)
{
  FILE *f = fopen(path, "r");
  struct stat st;

  if (!f) {
    snprintf(err, errlen, "cannot read %s %s: %s", what, path, strerror(errno));
    *rc = AG_EIO;
    return NULL;
  }
  /* Whoever reads a key can re-identify every respondent from a list of numbers, or speak for a
   * carrier: a file every user of the machine may read is refused, as ssh refuses such a key. */
  if (fstat(fileno(f), &st) == 0 && (st.st_mode & (S_IROTH | S_IWOTH))) {
    fclose(f);
    snprintf(err, errlen,
             "%s %s is open to every user of the machine (mode %04o): run chmod o-rw %s", what,
             path, (unsigned)(st.st_mode & 07777), path);
    *rc = AG_ECONFIG;
    return NULL;
  }
  return f;
}

int ag_secret_load(const char *path, const char *what, struct ag_secret *out, char *err,
                   size_t errlen)
{
  int c, hi = -1, rc = AG_OK;
  FILE *f;

  memset(out, 0, sizeof(*out));
  if (!(f = open_private(path, what, &rc, err, errlen)))
    return rc;
  while ((c = fgetc(f)) != EOF) {
    int v;
    if (isspace(c))
      continue;
    v = ag_hex_value(c);
    if (v < 0 || (hi < 0 && out->len == AG_SECRET_MAX)) {
      fclose(f);
      memset(out, 0, sizeof(*out));
      snprintf(err, errlen, "%s %s: expected %d to %d hex-encoded bytes", what, path, AG_SECRET_MIN,
               AG_SECRET_MAX);
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
    memset(out, 0, sizeof(*out));
    snprintf(err, errlen, "%s %s: expected %d to %d hex-encoded bytes", what, path, AG_SECRET_MIN,
             AG_SECRET_MAX);
    return AG_ECONFIG;
  }
  return AG_OK;
}

int ag_secret_load_line(const char *path, const char *what, char *buf, size_t len, char *err,
                        size_t errlen)
{
  int rc = AG_OK;
  FILE *f = open_private(path, what, &rc, err, errlen);
  size_t n;

  if (!f)
    return rc;
  if (!fgets(buf, (int)len, f)) {
    buf[0] = '\0';
  }
  fclose(f);
  n = strcspn(buf, "\r\n");
  if (n == strlen(buf) && n == len - 1) {
    snprintf(err, errlen, "%s %s: the line is longer than %zu bytes", what, path, len - 2);
    return AG_ECONFIG;
  }
  buf[n] = '\0';
  if (n == 0) {
    snprintf(err, errlen, "%s %s: empty", what, path);
    return AG_ECONFIG;
  }
  return AG_OK;
}

void ag_respondent_key(const struct ag_secret *s, const char *e164, uint8_t out[32])
{
  unsigned int len = 32;

  HMAC(EVP_sha256(), s->key, (int)s->len, (const unsigned char *)e164, strlen(e164), out, &len);
}
