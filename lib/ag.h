/* gw.h: what every module of Aulgate shares: the error codes and the async contract.
 *
 * Error codes. Every function that can fail returns an int from enum ag_rc: AG_OK (0) on success,
 * a negative AG_E* on failure, or one of two positive non-errors: AG_AGAIN ("not done yet, you
 * will be called back / call again") and AG_DECLINED ("not mine": a probe that does not match).
 * So `rc < 0` always means failure, and the usual idiom is
 *     rc = f(); if (rc) return rc;
 *
 * Async contract. A function that takes a callback and returns an error will never call that
 * callback. If it returns AG_OK or AG_AGAIN, the callback is called exactly once, also on
 * cancellation (with AG_ECANCELED) and at shutdown.
 */
#ifndef AG_H
#define AG_H

#include <stddef.h>

#define AG_ERR_MAP(XX)                                                                             \
  XX(OK, 0, "success")                                                                             \
  XX(AGAIN, 1, "not finished yet")                                                                 \
  XX(DECLINED, 2, "not handled here")                                                              \
  XX(ENOMEM, -1, "out of memory")                                                                  \
  XX(EINVAL, -2, "invalid argument")                                                               \
  XX(E2BIG, -3, "input too large")                                                                 \
  XX(EBADREQ, -4, "malformed request")                                                             \
  XX(EDUP, -5, "duplicate field")                                                                  \
  XX(ENOTFOUND, -6, "not found")                                                                   \
  XX(EDB, -7, "database unavailable")                                                              \
  XX(ECANCELED, -8, "canceled")                                                                    \
  XX(EIO, -9, "input/output error")                                                                \
  XX(ECONFIG, -10, "invalid configuration")                                                        \
  XX(ERANGE, -11, "value out of range")                                                            \
  XX(EPHONE, -12, "not a Kazakhstan mobile number")                                                \
  XX(ECONTENT, -13, "invalid content")                                                             \
  XX(ESTATE, -14, "inconsistent state")                                                            \
  XX(EDENIED, -15, "not allowed")                                                                  \
  XX(ETIMEDOUT, -16, "deadline passed before it was sent")                                         \
  XX(EUNCONFIRMED, -17, "sent, but its outcome was not known by the deadline")                     \
  XX(ESTALE, -18, "made with another version of the content")

enum ag_rc {
#define XX(name, value, text) AG_##name = value,
  AG_ERR_MAP(XX)
#undef XX
};

/* A static English description of rc; never NULL, also for unknown values. */
const char *ag_strerror(int rc);

/* The symbolic name ("EDB", "OK") of rc, for log lines; never NULL. */
const char *ag_errname(int rc);

/* The wall clock in microseconds since the epoch (timestamps of answers, latencies in logs). */
long long ag_now_us(void);

/* A monotonic clock in microseconds (deadlines: immune to the wall clock being set). */
long long ag_mono_us(void);

#define AG_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Defensive branches (SQLite's ALWAYS/NEVER): assert in debug builds, plain tests in release. */
#ifdef AG_DEBUG
#include <assert.h>
#define AG_ALWAYS(x) (assert(x), 1)
#define AG_NEVER(x)  (assert(!(x)), 0)
#else
#define AG_ALWAYS(x) (x)
#define AG_NEVER(x)  (x)
#endif

/* Internals exposed to Check tests only. */
#ifdef AG_TESTING
#define AG_TESTABLE
#else
#define AG_TESTABLE static
#endif

#endif
