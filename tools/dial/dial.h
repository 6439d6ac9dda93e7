/* dial.h: `aulgate dial`, a terminal phone simulator that plays a parent dialling a USSD code
 * against a running gateway over the `at` dialect, and the pure pieces of it (screen wrapping,
 * framing, keypad check) that the unit tests drive directly.
 */
#ifndef DIAL_H
#define DIAL_H

#include <stddef.h>
#include <stdio.h>

/* Columns of the simulated handset's screen: a basic phone shows about 20 characters a line. */
#define DIAL_WIDTH 20

/* Raw USSD limits of one screen (protocols.md): what the status line counts against. The
 * gateway's own budgets are lower, to leave operators room. */
#define DIAL_LIMIT_GSM7 182
#define DIAL_LIMIT_UCS2 80

/* Longest single input a parent can type; USSD strings carry at most 182 GSM-7 characters. */
#define DIAL_INPUT_MAX 182

/* Exit statuses of `aulgate dial`, for scripts and the integration test. */
enum dial_exit {
  DIAL_EXIT_END = 0,     /* the gateway closed the session with END */
  DIAL_EXIT_FAILED = 1,  /* network/HTTP error, or a reply neither CON nor END */
  DIAL_EXIT_USAGE = 2,   /* bad command line */
  DIAL_EXIT_HUNG_UP = 3, /* stdin ended before END: the parent hung up */
};

/* Word-wraps the NUL-terminated `utf8` to lines of at most `width` code points (so an emoji
 * outside the BMP is one column, as a handset draws it) and writes them to `out`, joined by '\n',
 * NUL-terminated, no trailing newline added.
 *
 * Lines break at spaces, and the spaces at a break are dropped; a word longer than `width` starts
 * on its own line and is cut every `width` code points. The text's own '\n' are kept (an empty
 * line stays empty), '\r' is dropped and a tab counts as a space. Other control characters
 * (C0, DEL, C1) become '?' so that a reply cannot drive the terminal.
 *
 * Returns AG_OK; AG_EINVAL when an argument is NULL, width is 0 or utf8 is not valid UTF-8;
 * AG_E2BIG when out is too small (2 * strlen(utf8) + 1 bytes always suffice). On error `out` holds
 * "" when outlen > 0. */
int dial_wrap(const char *utf8, size_t width, char *out /* OUT */, size_t outlen);

/* Checks one line typed by the parent (NUL-terminated, without its newline): AG_OK when it is what
 * a keypad produces, 1 to DIAL_INPUT_MAX of the digits, '*' and '#'; AG_EINVAL when it is empty
 * or has another character, whose byte offset goes to *bad_at (0 for empty); AG_E2BIG when it is
 * longer. bad_at may be NULL. */
int dial_keypad_check(const char *input, size_t *bad_at /* OUT */);

/* Prints one screen as the handset shows it: `screen` (the reply without its CON/END prefix)
 * wrapped to DIAL_WIDTH inside a frame of '+', '-' and '|', every line padded to the width,
 * then one status line: the characters it costs and the encoding the phone network would use
 * ("57/80 UCS-2", "120/182 GSM-7"), "(over the limit)" past the raw USSD limit, and
 * "[session ends]" when `end` is set.
 *
 * Returns AG_OK; AG_EINVAL when screen is not valid UTF-8 (nothing is printed); AG_ENOMEM. */
int dial_screen_print(FILE *out, const char *screen, int end);

/* `aulgate dial [-u URL] [-n PHONE] [-s SESSION_ID] [-w NETWORK] CODE`: argv[0] is "dial".
 * Plays one session on stdin/stdout (errors on stderr) and returns an enum dial_exit. */
int dial_main(int argc, char **argv);

#endif
