/* dial-internal.h: what the files of tools/dial/ share: the state of one session, filled by the
 * command line (dial_cli.c) and played by dial_session.c, and the terminal-safe UTF-8 helpers of
 * dial_screen.c.
 */
#ifndef DIAL_INTERNAL_H
#define DIAL_INTERNAL_H

#include "tools/dial/dial.h"

#include <curl/curl.h>
#include <stddef.h>
#include <stdio.h>

struct dial_body {
  char *p; /* owned, NUL-terminated */
  size_t len, cap;
  int too_big, nomem;
};

struct dial {
  const char *url, *phone, *session, *network, *code; /* borrowed from argv or the buffers */
  char url_buf[512];
  char session_buf[64];
  CURL *curl;
  struct curl_slist *headers;
  char curl_err[CURL_ERROR_SIZE];
  CURLcode curl_rc;
  char *text; /* owned: every input so far joined by '*', the `text` field */
  size_t text_len, text_cap;
  struct dial_body body;
  int echo; /* stdin is a script, not a terminal: write the input after the prompt */
};

/* dial_screen.c. Decodes the code point at s (n > 0 bytes left) into *cp and returns its length
 * in bytes, or 0 when s does not start with a well-formed sequence. */
size_t dial__cp_next(const char *s, size_t n, unsigned *cp /* OUT */);
/* Writes s to out with control characters and invalid bytes as '?' (keeping '\n' when asked). */
void dial__put_safe(FILE *out, const char *s, size_t n, int keep_newlines);

/* dial_session.c. Sets up libcurl and the buffers for d (filled by the command line): AG_OK or
 * AG_ENOMEM; dial__cleanup() frees them either way. */
int dial__init(struct dial *d);
/* The session: hop, screen, input, until END, an error or the parent hangs up. Returns an enum
 * dial_exit. */
int dial__run(struct dial *d);
void dial__cleanup(struct dial *d);

#endif
