/* gw_carrier_auth.c: a carrier proves its requests: an HMAC of the body with a timestamp, or
 * HTTP basic authentication, on top of its address list.
 *
 * The HMAC covers "timestamp.body" so that a captured request cannot be replayed outside the
 * window, and a replay inside it is a retried hop, which the gateway answers idempotently.
 */
#include "gateway/carriers/gw_carrier-internal.h"
#include "lib/ag.h"
#include "lib/ag_text.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_WINDOW_S 300

static int load_basic(struct gw_carrier *c, const char *file, const char *what, char *err,
                      size_t errlen)
{
  char line[160];
  int rc = ag_secret_load_line(file, what, line, sizeof(line), err, errlen);
  int n;

  if (rc)
    return rc;
  if (!strchr(line, ':')) {
    snprintf(err, errlen, "%s %s: expected one line user:password", what, file);
    return AG_ECONFIG;
  }
  memcpy(c->basic, "Basic ", 6);
  n = EVP_EncodeBlock((unsigned char *)c->basic + 6, (const unsigned char *)line,
                      (int)strlen(line));
  OPENSSL_cleanse(line, sizeof(line));
  c->basic[6 + (n > 0 ? n : 0)] = '\0';
  return AG_OK;
}

/* The segment goes in a URL and in the carrier's configuration: URL-safe, and long enough that
 * guessing it is hopeless (32 characters of 64 kinds: 192 bits). */
static int load_path(struct gw_carrier *c, const char *file, const char *what, char *err,
                     size_t errlen)
{
  static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
  char line[GW_CARRIER_PATH_SECRET_MAX + 2];
  size_t n;
  int rc = ag_secret_load_line(file, what, line, sizeof(line), err, errlen);

  if (rc)
    return rc;
  n = strlen(line);
  if (n < GW_CARRIER_PATH_SECRET_MIN || n > GW_CARRIER_PATH_SECRET_MAX || strspn(line, ok) != n) {
    snprintf(err, errlen, "%s %s: expected one line of %d to %d characters A-Z a-z 0-9 _ -", what,
             file, GW_CARRIER_PATH_SECRET_MIN, GW_CARRIER_PATH_SECRET_MAX);
    OPENSSL_cleanse(line, sizeof(line));
    return AG_ECONFIG;
  }
  memcpy(c->path_secret, line, n + 1);
  OPENSSL_cleanse(line, sizeof(line));
  return AG_OK;
}

int gw_carrier__auth_load(struct gw_carrier *c, const struct ag_carrier_conf *conf, char *err,
                          size_t errlen)
{
  char what[AG_CARRIER_NAME_MAX + 32];

  snprintf(what, sizeof(what), "carrier.%s.secret_file", conf->name);
  c->auth_window_s = conf->auth_window_s ? conf->auth_window_s : DEFAULT_WINDOW_S;
  if (!conf->auth[0] || strcmp(conf->auth, "none") == 0) {
    c->auth = GW_CARRIER_AUTH_NONE;
    if (conf->secret_file[0]) {
      snprintf(err, errlen, "section [carrier.%s]: secret_file is set but auth is none",
               conf->name);
      return AG_ECONFIG;
    }
    return AG_OK;
  }
  if (strcmp(conf->auth, "hmac") == 0)
    c->auth = GW_CARRIER_AUTH_HMAC;
  else if (strcmp(conf->auth, "basic") == 0)
    c->auth = GW_CARRIER_AUTH_BASIC;
  else if (strcmp(conf->auth, "path") == 0)
    c->auth = GW_CARRIER_AUTH_PATH;
  else {
    snprintf(err, errlen, "section [carrier.%s]: auth '%s' is not none, hmac, basic or path",
             conf->name, conf->auth);
    return AG_ECONFIG;
  }
  if (!conf->secret_file[0]) {
    snprintf(err, errlen, "section [carrier.%s]: auth = %s needs secret_file", conf->name,
             conf->auth);
    return AG_ECONFIG;
  }
  if (c->auth == GW_CARRIER_AUTH_HMAC)
    return ag_secret_load(conf->secret_file, what, &c->key, err, errlen);
  if (c->auth == GW_CARRIER_AUTH_PATH)
    return load_path(c, conf->secret_file, what, err, errlen);
  return load_basic(c, conf->secret_file, what, err, errlen);
}

const char *gw_carrier_auth_name(const struct gw_carrier *c)
{
  return c->auth == GW_CARRIER_AUTH_HMAC    ? "hmac"
         : c->auth == GW_CARRIER_AUTH_BASIC ? "basic"
         : c->auth == GW_CARRIER_AUTH_PATH  ? "path"
                                            : "none";
}

/* The timestamp: 1 to 12 digits, Unix seconds. */
static int parse_ts(const char *s, long long *out)
{
  long long v = 0;
  size_t n = 0;

  for (; s && *s; s++, n++) {
    if (*s < '0' || *s > '9' || n == 12)
      return AG_EINVAL;
    v = v * 10 + (*s - '0');
  }
  *out = v;
  return n ? AG_OK : AG_EINVAL;
}

static int verify_hmac(const struct gw_carrier *c, const char *ts, const char *sig,
                       const char *body, size_t len, long long now_s, const char **cause)
{
  unsigned char want[32], got[32];
  unsigned int wlen = sizeof(want);
  long long t;
  size_t tlen;
  char *msg;

  if (!sig || !ts) {
    *cause = "no signature (X-Aulgate-Timestamp and X-Aulgate-Signature)";
    return AG_EDENIED;
  }
  if (parse_ts(ts, &t)) {
    *cause = "X-Aulgate-Timestamp is not Unix seconds";
    return AG_EDENIED;
  }
  if (t < now_s - c->auth_window_s || t > now_s + c->auth_window_s) {
    *cause = "X-Aulgate-Timestamp is outside the accepted window";
    return AG_EDENIED;
  }
  if (strlen(sig) != 2 * sizeof(got)) {
    *cause = "X-Aulgate-Signature is not 64 hex characters";
    return AG_EDENIED;
  }
  for (size_t i = 0; i < sizeof(got); i++) {
    int hi = ag_hex_value(sig[2 * i]), lo = ag_hex_value(sig[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      *cause = "X-Aulgate-Signature is not 64 hex characters";
      return AG_EDENIED;
    }
    got[i] = (unsigned char)(hi << 4 | lo);
  }
  tlen = strlen(ts);
  msg = malloc(tlen + 1 + len + 1);
  if (!msg) {
    *cause = "out of memory";
    return AG_EDENIED;
  }
  memcpy(msg, ts, tlen);
  msg[tlen] = '.';
  if (len)
    memcpy(msg + tlen + 1, body, len);
  HMAC(EVP_sha256(), c->key.key, (int)c->key.len, (unsigned char *)msg, tlen + 1 + len, want,
       &wlen);
  free(msg);
  if (CRYPTO_memcmp(want, got, sizeof(got)) != 0) {
    *cause = "bad signature";
    return AG_EDENIED;
  }
  return AG_OK;
}

static int verify_basic(const struct gw_carrier *c, const char *authorization, const char **cause)
{
  size_t n = strlen(c->basic);

  if (!authorization) {
    *cause = "no credentials (Authorization: Basic)";
    return AG_EDENIED;
  }
  /* The length is not secret (base64 of a line of the operator's choosing); the content is. The
   * scheme is a case-insensitive token (RFC 9110 11.1): "basic" is Basic. */
  if (strlen(authorization) != n || strncasecmp(authorization, "Basic ", 6) != 0 ||
      CRYPTO_memcmp(authorization + 6, c->basic + 6, n - 6) != 0) {
    *cause = "bad credentials";
    return AG_EDENIED;
  }
  return AG_OK;
}

/* path is c->path, "/", the secret, and nothing or "/end" (which of the two, the route
 * decides). Only the secret's bytes are compared in constant time; its length is not secret. */
static int verify_path(const struct gw_carrier *c, const char *path, const char **cause)
{
  size_t base = strlen(c->path), n = strlen(c->path_secret), len = path ? strlen(path) : 0;
  const char *rest;

  *cause = "missing or wrong secret path segment";
  if (len < base + 1 + n || memcmp(path, c->path, base) != 0 || path[base] != '/')
    return AG_EDENIED;
  if (CRYPTO_memcmp(path + base + 1, c->path_secret, n) != 0)
    return AG_EDENIED;
  rest = path + base + 1 + n;
  if (*rest && strcmp(rest, "/end") != 0)
    return AG_EDENIED;
  return AG_OK;
}

int gw_carrier_verify(const struct gw_carrier *c, const char *path, const char *authorization,
                      const char *timestamp, const char *signature, const char *body, size_t len,
                      long long now_s, const char **cause)
{
  *cause = "";
  switch (c->auth) {
  case GW_CARRIER_AUTH_NONE:
    return AG_OK;
  case GW_CARRIER_AUTH_HMAC:
    return verify_hmac(c, timestamp, signature, body, len, now_s, cause);
  case GW_CARRIER_AUTH_BASIC:
    return verify_basic(c, authorization, cause);
  case GW_CARRIER_AUTH_PATH:
    return verify_path(c, path, cause);
  }
  *cause = "unknown auth";
  return AG_EDENIED;
}
