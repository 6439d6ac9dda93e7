/* sess.h: the USSD engine. Menus and surveys are data (content/<name>.json, see docs/content.md);
 * this module loads them, walks a session through them and renders each screen in the
 * session's language within the carrier's screen budget.
 *
 * The engine is deterministic: the screen for a hop is a pure function of the content version
 * and the session's inputs so far. sess_replay() recomputes it from the whole input path, which
 * the `at` dialect sends on every hop. A retried hop therefore gets the same reply by
 * construction, and any gateway process can serve any hop of a session (docs/scaling.md).
 */
#ifndef SESS_H
#define SESS_H

#include <stddef.h>

enum sess_lang { SESS_KK = 0, SESS_RU, SESS_EN, SESS_NLANG };

#define SESS_SCREEN_MAX 1024 /* bytes of one rendered screen, UTF-8, far above any budget */
#define SESS_MAX_INPUTS 64   /* inputs in one session path */
#define SESS_MAX_NODES  128  /* nodes in one survey or menu file */

struct sess_content;

/* Screen budgets in characters (UCS-2 code units or GSM-7 septets). */
struct sess_budget {
  long ucs2;
  long gsm7;
};

/* Loads every content/<name>.json of dir, validates it (see docs/content.md) and checks that every
 * screen fits budget in every language. Returns GW_OK with a new snapshot in *out, to be
 * released with sess_content_unref(); or GW_ECONTENT/GW_EIO with a message naming the file, node
 * and language in err. */
int sess_content_load(const char *dir, const struct sess_budget *budget,
                      struct sess_content **out /* OUT */, char *err, size_t errlen);
struct sess_content *sess_content_ref(struct sess_content *c);
void sess_content_unref(struct sess_content *c);

/* An answer a hop produced, to be stored before the next screen goes out. Strings are borrowed
 * from the content snapshot: valid while the caller holds a reference to it. */
struct sess_answer {
  const char *survey_id;
  int survey_version;
  const char *question_id;
  const char *value;
};

struct sess_reply {
  int end; /* 1: END screen, the session closes */
  enum sess_lang lang;
  char text[SESS_SCREEN_MAX]; /* the screen, UTF-8 */
  int has_answer;             /* the last input answered a question */
  struct sess_answer answer;
};

/* Plays inputs[0..n) from the start of content file `entry` and renders the screen that
 * follows the last one; with n == 0, the first screen. Returns GW_OK, GW_ENOTFOUND when entry
 * does not exist, GW_E2BIG past SESS_MAX_INPUTS. Invalid inputs do not fail: the screen comes
 * back with the one-line error of strings.json above it. */
int sess_replay(const struct sess_content *c, const char *entry, const char *const *inputs,
                size_t n, struct sess_reply *out /* OUT */);

/* A shared string (strings.json key) in lang, e.g. "unavailable"; "" when missing. */
const char *sess_string(const struct sess_content *c, const char *key, enum sess_lang lang);

const char *sess_lang_code(enum sess_lang lang);

#endif
