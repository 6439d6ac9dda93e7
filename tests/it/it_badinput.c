/* it_badinput.c: a battery of bad inputs over real HTTP (issue 8). Every row of
 * it_badinput_table.c is sent to one gateway with four carriers, and must get its status and its
 * reason; raw requests must also leave the connection closed and the server serving. Then the
 * state must be as if nothing had happened: no row for any session id or number used, no live
 * session but the good hops', no forged log line, no phone number or secret in a reply or the
 * log, and a good hop still gets its screen. It prints "bad inputs tried: N, ...". */
#include "tests/it/it_badinput.h"
#include "tests/it/it_harness.h"
#include "tests/support/ag_check.h"

#include <check.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PATH_SECRET "h7Kq2_Vb9-Xr4Tn8Lm3Wd6Zs1Pc5Fg0Y"
#define MAX_OUT     (1 << 17)

/* What one case used, for the checks after the table. */
struct bad_run {
  char session[96], shared[96];
  char phone[16], shared_phone[16]; /* +7705... */
};

struct bad_reply {
  long status;
  int closed; /* raw: the server closed the connection */
  char *text; /* raw: the whole reply; else the body */
  size_t len;
};

static struct it_server srv;
static PGconn *db;
static char key_file[64], basic_file[64], path_file[64];

static void private_file(char path[64], const char *text)
{
  int fd;

  snprintf(path, 64, "/tmp/it-badinput-XXXXXX");
  fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
  ck_assert_int_eq(chmod(path, 0600), 0);
}

static void append(char **out, size_t *len, size_t *cap, const char *s, size_t n)
{
  if (*len + n + 1 > *cap) {
    while (*len + n + 1 > *cap)
      *cap *= 2;
    *out = realloc(*out, *cap);
    ck_assert_ptr_nonnull(*out);
  }
  memcpy(*out + *len, s, n);
  *len += n;
  (*out)[*len] = '\0';
}

/* The case's text with its tokens expanded (it_badinput.h); *len: its length (NULs inside). */
static char *expand(const char *in, const struct bad_run *run, size_t *len)
{
  size_t cap = 256;
  char *out = malloc(cap), tmp[256];

  ck_assert_ptr_nonnull(out);
  *len = 0;
  out[0] = '\0';
  for (const char *p = in; p && *p; p++) {
    if (*p != '$' || !p[1]) {
      append(&out, len, &cap, p, 1);
      continue;
    }
    switch (*++p) {
    case 'S':
      append(&out, len, &cap, run->session, strlen(run->session));
      break;
    case 'A':
      append(&out, len, &cap, run->shared, strlen(run->shared));
      break;
    case 'P':
    case 'R':
      snprintf(tmp, sizeof(tmp), "%%2B%s", (*p == 'P' ? run->phone : run->shared_phone) + 1);
      append(&out, len, &cap, tmp, strlen(tmp));
      break;
    case 'Q':
      append(&out, len, &cap, run->phone + 2, 10);
      break;
    case 'F':
      snprintf(tmp, sizeof(tmp),
               "sessionId=%s&serviceCode=%%2A1234%%23&phoneNumber=%%2B%s&networkCode=40101",
               run->session, run->phone + 1);
      append(&out, len, &cap, tmp, strlen(tmp));
      break;
    case 'K':
      append(&out, len, &cap, PATH_SECRET, strlen(PATH_SECRET));
      break;
    case '0':
      append(&out, len, &cap, "", 1);
      break;
    case 'H':
      for (int i = 0; i < 3000; i++) {
        snprintf(tmp, sizeof(tmp), "X-H%d: v\r\n", i);
        append(&out, len, &cap, tmp, strlen(tmp));
      }
      break;
    case 'L': {
      int n = 0;
      for (int i = 1; i <= 5; i++)
        n = n * 10 + (p[i] - '0');
      p += 6;
      for (int i = 0; i < n; i++)
        append(&out, len, &cap, p, 1);
      break;
    }
    default:
      ck_abort_msg("unknown token $%c", *p);
    }
  }
  return out;
}

static void hexmac(long long ts, const char *body, size_t len, char hex[65])
{
  unsigned char key[32], mac[32];
  unsigned int mlen = sizeof(mac);
  char *msg = malloc(len + 32);
  int n = snprintf(msg, 32, "%lld.", ts);

  memcpy(msg + n, body, len);
  for (int i = 0; i < 32; i++)
    key[i] = (unsigned char)i;
  HMAC(EVP_sha256(), key, sizeof(key), (unsigned char *)msg, (size_t)n + len, mac, &mlen);
  free(msg);
  for (int i = 0; i < 32; i++)
    snprintf(hex + 2 * i, 3, "%02x", mac[i]);
}

/* The X-Aulgate-* headers of a signing mode, appended to hdr. */
static struct curl_slist *sign_headers(struct curl_slist *hdr, enum bad_sign how, const char *body,
                                       size_t len)
{
  long long now = (long long)time(NULL), ts = now, signed_at = now;
  char hex[65], th[96], sh[128];
  const char *ts_text = NULL;

  if (how == SIGN_NONE)
    return hdr;
  if (how == SIGN_STALE)
    ts = signed_at = now - 1000;
  else if (how == SIGN_FUTURE)
    ts = signed_at = now + 1000;
  else if (how == SIGN_REPLAY)
    ts = signed_at = now - 301;
  else if (how == SIGN_TS_SHIFTED)
    ts = now + 1;
  if (how == SIGN_OTHER_BODY)
    hexmac(signed_at, "sessionId=other", 15, hex);
  else
    hexmac(signed_at, body, len, hex);
  if (how == SIGN_UPPER_HEX)
    for (char *c = hex; *c; c++)
      if (*c >= 'a' && *c <= 'f')
        *c = (char)(*c - 'a' + 'A');
  if (how == SIGN_SIG_SHORT)
    hex[63] = '\0';
  if (how == SIGN_SIG_NONHEX)
    memset(hex, 'g', 64);
  ts_text = how == SIGN_TS_GARBLED ? "17x"
            : how == SIGN_TS_LONG  ? "1700000000000"
            : how == SIGN_TS_NEG   ? "-5"
                                   : NULL;
  if (ts_text)
    snprintf(th, sizeof(th), "X-Aulgate-Timestamp: %s", ts_text);
  else
    snprintf(th, sizeof(th), "X-Aulgate-Timestamp: %lld", ts);
  snprintf(sh, sizeof(sh), "X-Aulgate-Signature: %s", hex);
  if (how != SIGN_SIG_ONLY)
    hdr = curl_slist_append(hdr, th);
  if (how != SIGN_TS_ONLY)
    hdr = curl_slist_append(hdr, sh);
  return hdr;
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
  struct bad_reply *r = arg;
  size_t add = size * n;

  if (r->len + add >= MAX_OUT)
    add = MAX_OUT - 1 - r->len;
  memcpy(r->text + r->len, data, add);
  r->len += add;
  r->text[r->len] = '\0';
  return size * n;
}

static void send_curl(const struct bad_case *bc, const char *path, const char *hdrs,
                      const char *body, size_t len, struct bad_reply *r)
{
  char url[512], h[256];
  struct curl_slist *hdr = NULL;
  CURL *c = curl_easy_init();

  ck_assert_ptr_nonnull(c);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", srv.port, path);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, bc->method);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
  hdr = curl_slist_append(hdr, "Expect:");
  if (body) {
    if (bc->ctype && strcmp(bc->ctype, BAD_NO_CTYPE) == 0)
      snprintf(h, sizeof(h), "Content-Type:"); /* curl's own default removed */
    else
      snprintf(h, sizeof(h), "Content-Type: %s", bc->ctype ? bc->ctype : BAD_FORM);
    hdr = curl_slist_append(hdr, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
  }
  for (const char *p = hdrs; p && *p;) {
    size_t n = strcspn(p, "\n");
    snprintf(h, sizeof(h), "%.*s", (int)n, p);
    hdr = curl_slist_append(hdr, h);
    p += n + (p[n] == '\n');
  }
  hdr = sign_headers(hdr, bc->sign, body ? body : "", len);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
  if (curl_easy_perform(c) == CURLE_OK)
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
  r->closed = 1;
  curl_slist_free_all(hdr);
  curl_easy_cleanup(c);
}

/* The request as bytes; reads until the server closes, up to 6 s (3 request deadlines). */
static void send_raw(const struct bad_case *bc, const char *req, size_t len, struct bad_reply *r)
{
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)srv.port)};
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct timespec t0, t;

  ck_assert_int_ge(fd, 0);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  for (size_t done = 0; done < len;) {
    ssize_t n = send(fd, req + done, len - done, MSG_NOSIGNAL);
    if (n <= 0)
      break; /* the server may refuse before it has read everything */
    done += (size_t)n;
  }
  if (bc->flags & BAD_HALF_CLOSE)
    shutdown(fd, SHUT_WR);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (;;) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    ssize_t n;
    clock_gettime(CLOCK_MONOTONIC, &t);
    long left = 6000 - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
    if (left <= 0 || poll(&p, 1, (int)left) <= 0)
      break;
    n = recv(fd, r->text + r->len, MAX_OUT - 1 - r->len, 0);
    if (n <= 0) {
      r->closed = 1; /* EOF, or reset: closed either way */
      break;
    }
    r->len += (size_t)n;
    r->text[r->len] = '\0';
  }
  close(fd);
  if (r->len > 12 && strncmp(r->text, "HTTP/1.", 7) == 0)
    r->status = atol(r->text + 9);
}

/* Status lines in a raw reply: one request, one reply. */
static int status_lines(const char *text)
{
  int n = 0;

  for (const char *p = text; (p = strstr(p, "HTTP/1.")) != NULL; p++)
    if (p == text || p[-1] == '\n')
      n++;
  return n;
}

/* The leaks no reply may hold: the caller's number, any carrier secret. */
static const char *leak_in(const char *text, const struct bad_run *run)
{
  static const char *const secrets[] = {"open sesame", "b3BlbiBzZXNhbWU", "Fg0Y",
                                        "000102030405060708"};

  if (strstr(text, run->phone + 2))
    return "the caller's number";
  for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
    if (strstr(text, secrets[i]))
      return secrets[i];
  return NULL;
}

/* Sends case i; returns NULL when it was answered as expected, else what went wrong in why. */
static const char *run_case(size_t i, struct bad_run *run, char *why, size_t whylen,
                            struct bad_reply *r)
{
  const struct bad_case *bc = &bad_cases[i];
  size_t blen = 0, plen = 0, hlen = 0;
  char *body = expand(bc->body, run, &blen);
  char *path = expand(bc->path ? bc->path : "/", run, &plen);
  char *hdrs = expand(bc->headers, run, &hlen);
  const char *leak;

  memset(r, 0, sizeof(*r));
  r->text = malloc(MAX_OUT);
  r->text[0] = '\0';
  if (bc->flags & BAD_RAW)
    send_raw(bc, body, blen, r);
  else
    send_curl(bc, path, bc->headers ? hdrs : NULL, bc->body ? body : NULL, blen, r);
  free(body);
  free(path);
  free(hdrs);
  why[0] = '\0';
  if (r->status != bc->status)
    snprintf(why, whylen, "status %ld", r->status);
  else if (!strstr(r->text, bc->reason))
    snprintf(why, whylen, "no \"%s\" in the reply", bc->reason);
  else if (!r->closed)
    snprintf(why, whylen, "the connection was left open");
  else if ((bc->flags & BAD_RAW) && bc->status && status_lines(r->text) != 1)
    snprintf(why, whylen, "%d status lines for one request", status_lines(r->text));
  else if ((leak = leak_in(r->text, run)) != NULL)
    snprintf(why, whylen, "the reply holds %s", leak);
  if (!why[0] && (bc->flags & BAD_RAW)) {
    struct it_resp h;
    if (it_get(&srv, "/healthz", &h) || h.status != 200)
      snprintf(why, whylen, "the server no longer serves (/healthz %ld)", h.status);
  }
  return why[0] ? why : NULL;
}

static void print_reply(const struct bad_reply *r)
{
  char shown[301];
  size_t n = r->len < 300 ? r->len : 300;

  for (size_t k = 0; k < n; k++)
    shown[k] = (r->text[k] >= 0x20 && r->text[k] < 0x7f) || (r->text[k] & 0x80) ? r->text[k] : '.';
  shown[n] = '\0';
  fprintf(stderr, "      got: %ld \"%s\"%s\n", r->status, shown, r->closed ? "" : " (still open)");
}

static void setup(void)
{
  char conf[1024];

  private_file(key_file, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n");
  private_file(basic_file, "carrier:open sesame\n");
  private_file(path_file, PATH_SECRET "\n");
  snprintf(conf, sizeof(conf),
           "http_request_timeout_s = 2\n"
           "session_idle_timeout_ms = 600000\n"
           "session_max_ms = 600000\n"
           "[carrier.at]\ndialect = at\n"
           "[carrier.signed]\ndialect = at\nauth = hmac\nsecret_file = %s\n"
           "[carrier.basic]\ndialect = at\nauth = basic\nsecret_file = %s\n"
           "[carrier.plain]\ndialect = at\nauth = path\nsecret_file = %s\n",
           key_file, basic_file, path_file);
  it_up(&srv, &db, conf);
}

static void teardown(void)
{
  it_down(&srv, db);
  unlink(key_file);
  unlink(basic_file);
  unlink(path_file);
}

/* Rows of `sql` ($1: a text[] of session ids, $2: a bytea[] of respondents as hex). */
static long rows_for(const char *sql, const char *sessions, const char *respondents)
{
  const char *p[2] = {sessions, respondents};
  PGresult *res = PQexecParams(db, sql, 2, NULL, p, NULL, NULL, 0);
  long n;

  ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql, PQresultErrorMessage(res));
  n = atol(PQgetvalue(res, 0, 0));
  PQclear(res);
  return n;
}

static char *read_log(void)
{
  FILE *f = fopen(srv.log, "r");
  char *text = malloc(1 << 22);
  size_t n;

  ck_assert_ptr_nonnull(f);
  n = fread(text, 1, (1 << 22) - 1, f);
  fclose(f);
  text[n] = '\0';
  return text;
}

START_TEST(test_it_bad_inputs)
{
  static struct bad_run runs[512];
  size_t ok = 0, known = 0, failed = 0, sessions = 0, slen = 0, rlen = 0;
  char why[256], *sess_arr = malloc(65536), *resp_arr = malloc(65536), *log;
  struct bad_run shared;
  struct it_resp good;

  ck_assert_uint_le(bad_n_cases, sizeof(runs) / sizeof(runs[0]));
  it_session_id(shared.shared, sizeof(shared.shared), "bad-shared");
  it_fresh_phone(shared.shared_phone);
  for (size_t i = 0; i < bad_n_cases; i++) {
    const struct bad_case *bc = &bad_cases[i];
    struct bad_run *run = &runs[i];
    struct bad_reply r;
    char tag[32];

    snprintf(tag, sizeof(tag), "bad%zu", i);
    it_session_id(run->session, sizeof(run->session), tag);
    do /* a number of its own, never one of another case */
      it_fresh_phone(run->phone);
    while (i > 0 && strcmp(run->phone, runs[i - 1].phone) == 0);
    memcpy(run->shared, shared.shared, sizeof(run->shared));
    memcpy(run->shared_phone, shared.shared_phone, sizeof(run->shared_phone));
    if (bc->flags & (BAD_SESSION | BAD_OPENS_A))
      sessions++;
    if (!run_case(i, run, why, sizeof(why), &r)) {
      if (bc->known_wrong) {
        fprintf(stderr, "NOW RIGHT #%zu %s: drop its known_wrong mark\n", i, bc->what);
        failed++;
      } else {
        ok++;
      }
    } else if (bc->known_wrong) {
      fprintf(stderr, "KNOWN WRONG #%zu %s: expected %ld \"%s\", %s (%s)\n", i, bc->what,
              bc->status, bc->reason, why, bc->known_wrong);
      known++;
    } else {
      fprintf(stderr, "FAILED #%zu %s: expected %ld \"%s\": %s\n", i, bc->what, bc->status,
              bc->reason, why);
      print_reply(&r);
      failed++;
    }
    free(r.text);
  }

  /* Nothing stored for any session id or number the table used, the good hops' included (they
   * never got past the first screen). */
  slen = (size_t)snprintf(sess_arr, 65536, "{\"%s\"", shared.shared);
  rlen = (size_t)snprintf(resp_arr, 65536, "{");
  for (size_t i = 0; i < bad_n_cases; i++) {
    char hex[65];
    it_respondent_hex(&srv, runs[i].phone, hex);
    slen += (size_t)snprintf(sess_arr + slen, 65536 - slen, ",\"%s\"", runs[i].session);
    rlen += (size_t)snprintf(resp_arr + rlen, 65536 - rlen, "%s\"\\\\x%s\"", i ? "," : "", hex);
  }
  strcat(sess_arr, "}");
  strcat(resp_arr, "}");
  ck_assert_int_eq(rows_for("SELECT count(*) FROM responses WHERE carrier_session_id = ANY($1) OR"
                            " respondent = ANY($2::bytea[])",
                            sess_arr, resp_arr),
                   0);
  ck_assert_int_eq(rows_for("SELECT count(*) FROM survey_progress, (SELECT $1::text[]) s"
                            " WHERE respondent = ANY($2::bytea[])",
                            sess_arr, resp_arr),
                   0);
  ck_assert_int_eq(rows_for("SELECT count(*) FROM subscriptions, (SELECT $1::text[]) s"
                            " WHERE respondent = ANY($2::bytea[])",
                            sess_arr, resp_arr),
                   0);
  ck_assert_int_eq(rows_for("SELECT count(*) FROM respondent_language, (SELECT $1::text[]) s"
                            " WHERE respondent = ANY($2::bytea[])",
                            sess_arr, resp_arr),
                   0);
  /* The only live sessions are the good hops': no refused request opened one. */
  ck_assert_int_eq(it_health_number(&srv, "live_sessions"), (long)sessions);

  /* The log: no forged line, no number in clear, no secret. */
  log = read_log();
  ck_assert_msg(!strstr(log, "\nevent=forged") && !strstr(log, "\revent=forged"),
                "a forged line in %s", srv.log);
  for (size_t i = 0; i < bad_n_cases; i++)
    ck_assert_msg(!strstr(log, runs[i].phone + 2), "case %zu's number in clear in %s", i, srv.log);
  ck_assert_msg(!strstr(log, "open sesame") && !strstr(log, "Fg0Y"), "a secret in %s", srv.log);
  free(log);

  /* Alive, and a good hop still gets its screen. */
  ck_assert(it_server_alive(&srv));
  it_session_id(shared.session, sizeof(shared.session), "bad-after");
  ck_assert_int_eq(it_hop(&srv, shared.session, shared.shared_phone, "", &good), 0);
  ck_assert_int_eq(good.status, 200);
  ck_assert_msg(strncmp(good.body, "CON ", 4) == 0, "%s", good.body);
  free(sess_arr);
  free(resp_arr);

  ck_assert_msg(failed == 0, "%zu of %zu bad inputs were not answered as expected", failed,
                bad_n_cases);
  if (known)
    printf("bad inputs tried: %zu, %zu answered as expected, %zu known wrong (listed above)\n",
           bad_n_cases, ok, known);
  else
    printf("bad inputs tried: %zu, all answered as expected\n", bad_n_cases);
  fflush(stdout);
}
END_TEST

static Suite *badinput_suite(void)
{
  Suite *s = suite_create("it_badinput");
  TCase *tc = tcase_create("badinput");

  tcase_add_unchecked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 240);
  tcase_add_test(tc, test_it_bad_inputs);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(badinput_suite)
