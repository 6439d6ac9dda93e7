/* it_badinput.h: the table of bad inputs (it_badinput_table.c) and what its runner
 * (it_badinput.c) expands in it.
 *
 * Tokens in path, headers and body, expanded per case:
 *   $S  a session id of this case alone          $A  the run's shared session (opened by a case)
 *   $P  this case's fresh phone, "%2B7705..."    $Q  its ten national digits "705..."
 *   $R  the shared session's phone, encoded      $F  sessionId=$S&serviceCode=...&phoneNumber=$P
 *   $K  the path secret of the `plain` carrier   $0  a NUL byte
 *   $Lnnnnnc  nnnnn (five digits) copies of the character c
 * Headers are separated by '\n'. */
#ifndef IT_BADINPUT_H
#define IT_BADINPUT_H

#include <stddef.h>

#define BAD_FORM     "application/x-www-form-urlencoded"
#define BAD_NO_CTYPE "-" /* ctype: send the body with no Content-Type at all */

/* How an `hmac` carrier's headers are made (key: bytes 0..31) for the body as sent. */
enum bad_sign {
  SIGN_NONE = 0,
  SIGN_OK,         /* now, over the body */
  SIGN_STALE,      /* 1000 s ago */
  SIGN_FUTURE,     /* 1000 s ahead */
  SIGN_REPLAY,     /* a valid signature made 301 s ago: a capture replayed out of the window */
  SIGN_OTHER_BODY, /* now, over "sessionId=other" */
  SIGN_TS_SHIFTED, /* signed at now, sent with now + 1 */
  SIGN_TS_GARBLED, /* "17x" */
  SIGN_TS_LONG,    /* 13 digits */
  SIGN_TS_NEG,     /* "-5" */
  SIGN_TS_ONLY,    /* no signature header */
  SIGN_SIG_ONLY,   /* no timestamp header */
  SIGN_SIG_SHORT,  /* 63 hex digits */
  SIGN_SIG_NONHEX, /* 64 characters, not hex */
  SIGN_UPPER_HEX,  /* the right signature in capitals: hex is hex */
};

/* flags */
#define BAD_RAW        1u  /* body is the raw request, sent over a socket */
#define BAD_HALF_CLOSE 2u  /* raw: shut our side after sending */
#define BAD_SESSION    4u  /* a good hop: it opens a session, which the runner ends afterwards */
#define BAD_OPENS_A    8u  /* a good hop whose session is the shared $A */
#define BAD_NO_FORGED  16u /* the gateway log must have no line starting with "event=forged" */

struct bad_case {
  const char *what;
  const char *method; /* NULL with BAD_RAW */
  const char *path;
  const char *ctype; /* NULL: BAD_FORM */
  const char *headers;
  const char *body;
  enum bad_sign sign;
  unsigned flags;
  long status; /* 0: the connection is closed without a reply (raw only) */
  const char *reason;
  /* Not NULL: the gateway answers this wrongly today (the expectation above is the right
   * answer); the runner reports it apart and does not fail on it. Says what is wrong. */
  const char *known_wrong;
};

extern const struct bad_case bad_cases[];
extern const size_t bad_n_cases;

#endif
