/* fuzz_carrier_auth.c: libFuzzer target for a carrier's proof (gw_carrier_verify): the
 * timestamp and hex signature of hmac, the Authorization value of basic, the secret path
 * segment of path. Checks that a request passes exactly when an independent computation says it
 * should, and that a refusal always says why.
 *
 * Input: lines "K\nPATH\nAUTHORIZATION\nTIMESTAMP\nSIGNATURE\nBODY...": K picks the carrier (h,
 * b or p); the body is everything after the fifth newline. Seeds: tests/fuzz/seeds/carrier_auth.
 */
#include "gateway/carriers/gw_carrier.h"
#include "lib/ag.h"
#include "lib/ag_config.h"
#include "tests/fuzz/fuzz_check.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define NOW_S  1700000000LL
#define WINDOW 60

static const char key_hex[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
static const char basic_line[] = "carrier:open sesame";
static const char basic_b64[] = "Y2FycmllcjpvcGVuIHNlc2FtZQ==";
static const char path_secret[] = "h7Kq2_Vb9-Xr4Tn8Lm3Wd6Zs1Pc5Fg0Y";

static struct gw_carriers carriers; /* h, b, p: loaded once */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void write_secret(char *path, const char *text)
{
  int fd = mkstemp(path);

  FUZZ_CHECK(fd >= 0);
  FUZZ_CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
  close(fd);
  FUZZ_CHECK(chmod(path, 0600) == 0);
}

static void load(void)
{
  char hf[] = "/tmp/fuzz-auth-XXXXXX", bf[] = "/tmp/fuzz-auth-XXXXXX",
       pf[] = "/tmp/fuzz-auth-XXXXXX";
  const char *kv[][2] = {
      {"carrier.h.dialect", "at"},       {"carrier.h.auth", "hmac"},  {"carrier.h.secret_file", hf},
      {"carrier.h.auth_window_s", "60"}, {"carrier.b.dialect", "at"}, {"carrier.b.auth", "basic"},
      {"carrier.b.secret_file", bf},     {"carrier.p.dialect", "at"}, {"carrier.p.auth", "path"},
      {"carrier.p.secret_file", pf},
  };
  struct ag_config cfg;
  char err[512];

  write_secret(hf, key_hex);
  write_secret(bf, basic_line);
  write_secret(pf, path_secret);
  FUZZ_CHECK(ag_config_init(&cfg) == AG_OK);
  for (size_t i = 0; i < AG_ARRAY_LEN(kv); i++)
    FUZZ_CHECK(ag_config_set(&cfg, kv[i][0], kv[i][1], err, sizeof(err)) == AG_OK);
  if (gw_carriers_load(&cfg, &carriers, err, sizeof(err)) != AG_OK) {
    fprintf(stderr, "fuzz_carrier_auth: %s\n", err);
    abort();
  }
  ag_config_cleanup(&cfg);
  unlink(hf);
  unlink(bf);
  unlink(pf);
  FUZZ_CHECK(carriers.n == 3);
}

/* What hmac must accept: a timestamp of 1-12 digits within the window, and the hex (either
 * case) of HMAC-SHA256(key, "ts.body"). */
static int hmac_ok(const char *ts, const char *sig, const char *body, size_t len)
{
  unsigned char key[32], mac[32], *msg;
  unsigned int mlen = sizeof(mac);
  size_t tlen = strlen(ts);
  char hex[65];
  long long t;

  if (tlen == 0 || tlen > 12 || strspn(ts, "0123456789") != tlen)
    return 0;
  t = atoll(ts);
  if (t < NOW_S - WINDOW || t > NOW_S + WINDOW || strlen(sig) != 64)
    return 0;
  for (int i = 0; i < 32; i++)
    key[i] = (unsigned char)i;
  msg = malloc(tlen + 1 + len + 1);
  FUZZ_CHECK(msg != NULL);
  memcpy(msg, ts, tlen);
  msg[tlen] = '.';
  memcpy(msg + tlen + 1, body, len);
  HMAC(EVP_sha256(), key, sizeof(key), msg, tlen + 1 + len, mac, &mlen);
  free(msg);
  for (int i = 0; i < 32; i++)
    snprintf(hex + 2 * i, 3, "%02x", mac[i]);
  return strcasecmp(hex, sig) == 0;
}

static int path_ok(const char *path)
{
  char want[128];

  snprintf(want, sizeof(want), "/ussd/p/%s", path_secret);
  if (strncmp(path, want, strlen(want)) != 0)
    return 0;
  path += strlen(want);
  return *path == '\0' || strcmp(path, "/end") == 0;
}

/* Splits off the next line of *p (within end) as a NUL-terminated copy in out. */
static void next_line(const char **p, const char *end, char *out, size_t cap)
{
  const char *nl = memchr(*p, '\n', (size_t)(end - *p));
  size_t n = (size_t)((nl ? nl : end) - *p);

  if (n >= cap)
    n = cap - 1;
  memcpy(out, *p, n);
  out[n] = '\0';
  *p = nl ? nl + 1 : end;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *p = (const char *)data, *end = p + size, *cause = NULL;
  char kind[4], path[512], auth[512], ts[64], sig[160];
  const struct gw_carrier *c;
  size_t len;
  int rc, want;

  if (!carriers.n)
    load();
  next_line(&p, end, kind, sizeof(kind));
  next_line(&p, end, path, sizeof(path));
  next_line(&p, end, auth, sizeof(auth));
  next_line(&p, end, ts, sizeof(ts));
  next_line(&p, end, sig, sizeof(sig));
  len = (size_t)(end - p);
  c = carriers.v[kind[0] == 'b' ? 1 : kind[0] == 'p' ? 2 : 0];
  /* Empty lines stand for absent headers, as gw_req_header() gives NULL for them. */
  rc = gw_carrier_verify(c, path, *auth ? auth : NULL, *ts ? ts : NULL, *sig ? sig : NULL, p, len,
                         NOW_S, &cause);
  FUZZ_CHECK(rc == AG_OK || rc == AG_EDENIED);
  FUZZ_CHECK(cause != NULL);
  FUZZ_CHECK(rc == AG_OK || *cause != '\0');
  if (c->auth == GW_CARRIER_AUTH_HMAC)
    want = *ts && *sig && hmac_ok(ts, sig, p, len);
  else if (c->auth == GW_CARRIER_AUTH_BASIC)
    want = strncasecmp(auth, "Basic ", 6) == 0 && strcmp(auth + 6, basic_b64) == 0;
  else
    want = path_ok(path);
  FUZZ_CHECK((rc == AG_OK) == want);
  return 0;
}
