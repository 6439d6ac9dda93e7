/* cdp.h: a headless Chromium driven over the Chrome DevTools Protocol, for the page tests (the
 * console /ops/ now; the results and school pages next).
 *
 * cdp_launch() starts Chromium (--headless --no-sandbox) in a process group of its own, with a
 * private profile folder, asks it for a free debugging port (--remote-debugging-port=0, read
 * back from the folder's DevToolsActivePort), and attaches to its first tab over a WebSocket:
 * plain TCP to 127.0.0.1, the RFC 6455 handshake (the accept key checked), masked client
 * frames, fragmented and control frames handled; messages are JSON (jansson). Every wait is
 * bounded by the command timeout.
 *
 * Chromium dies with its test: cdp_close() kills the browser and every process it started
 * (found through /proc before the kill, since they leave the group's parentage once it dies),
 * and PR_SET_PDEATHSIG kills the browser if the test process dies first (a failed Check
 * assertion, a timeout). A cdp_close() is registered atexit too.
 *
 * Page errors are collected as they arrive: uncaught exceptions, console.error, and the
 * browser's own error log (a Content-Security-Policy violation is one), for cdp_page_errors().
 *
 *   struct cdp *c = cdp_launch(&(struct cdp_options){.profile_dir = dir}, err, sizeof(err));
 *   cdp_navigate(c, "http://127.0.0.1:8080/ops/");
 *   cdp_wait(c, "document.querySelectorAll('#sessions tbody tr').length > 0", 10000);
 *   cdp_click(c, "button.end");
 *   cdp_screenshot(c, "build-test/screenshots/ops.png");
 *   cdp_close(c);
 */
#ifndef CDP_H
#define CDP_H

#include <jansson.h>
#include <stddef.h>

struct cdp;

struct cdp_options {
  const char *chromium;    /* NULL: /usr/bin/chromium */
  const char *profile_dir; /* required: created if missing; the test's own (--user-data-dir) */
  int width, height;       /* the window; 0: 1366 x 900, a laptop */
  int timeout_ms;          /* each command, and the start; 0: 15000 */
  const char *lang;        /* --lang (the browser's Accept-Language), NULL: Chromium's */
};

/* Starts Chromium and attaches to its tab. Returns the session, or NULL with a message in err
 * (Chromium then already killed). */
struct cdp *cdp_launch(const struct cdp_options *o, char *err, size_t errlen);
/* Kills Chromium and everything it started, reaps it, frees c. NULL is fine. */
void cdp_close(struct cdp *c);
/* The last failure's message. */
const char *cdp_error(const struct cdp *c);

/* Sends method with params (taken: decref'd here; NULL: {}), waits for its reply. 0 with
 * *result (may be NULL: not wanted) the reply's "result" (json_decref it), or -1 (cdp_error). */
int cdp_call(struct cdp *c, const char *method, json_t *params, json_t **result);

/* Loads url and waits until the document is complete. 0 or -1. */
int cdp_navigate(struct cdp *c, const char *url);
/* Evaluates expr in the page (a promise is awaited); its value (json_decref it; JSON null for
 * undefined), or NULL when it threw or the call failed (cdp_error says which). */
json_t *cdp_eval(struct cdp *c, const char *expr);
/* expr's value as a truth (JavaScript's), a number (NaN when not one), a string (malloc()ed,
 * NULL when not a string). -1 / NaN / NULL on failure. */
int cdp_eval_bool(struct cdp *c, const char *expr);
double cdp_eval_number(struct cdp *c, const char *expr);
char *cdp_eval_string(struct cdp *c, const char *expr);
/* Evaluates expr every 100 ms until it is truthy. 0, or -1 when timeout_ms passed. */
int cdp_wait(struct cdp *c, const char *expr, int timeout_ms);

/* A real mouse click (pressed, released) at the centre of the first element matching the CSS
 * selector, scrolled into view first. 0, or -1 when there is none. */
int cdp_click(struct cdp *c, const char *selector);
/* Types text into the focused element, as an input method would. 0 or -1. */
int cdp_type(struct cdp *c, const char *text);
/* The viewport as a PNG file at path (its folder must exist). 0 or -1. */
int cdp_screenshot(struct cdp *c, const char *path);

/* The page's errors so far, one a line ("" when none): exceptions, console.error, the log's
 * errors (CSP violations among them). Borrowed until the next call. */
const char *cdp_page_errors(const struct cdp *c);

#endif
