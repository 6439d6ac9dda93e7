/* sess-internal.h: the in-memory content model, for files of sessions/ only.
 *
 * Every string here is borrowed from the jansson documents that the snapshot keeps alive, so a
 * snapshot is freed in one go by dropping its documents.
 */
#ifndef SESS_INTERNAL_H
#define SESS_INTERNAL_H

#include "sessions/sess.h"

#include <jansson.h>

struct sess_text {
  const char *s[SESS_NLANG];
};

enum sess_node_type {
  SESS_NODE_CHOICE,
  SESS_NODE_YESNO,
  SESS_NODE_NUMBER,
  SESS_NODE_TEXT,
  SESS_NODE_MENU,
  SESS_NODE_END
};

struct sess_option {
  const char *value; /* stored answer (choice) or NULL (menu) */
  struct sess_text label;
  int next;     /* node index, or -1: the node's next */
  int set_lang; /* enum sess_lang, or -1 */
};

struct sess_node {
  const char *id;
  enum sess_node_type type;
  struct sess_text text;
  struct sess_option *options; /* owned array */
  size_t n_options;
  int next; /* node index, -1 for none (only END nodes) */
  long min, max;
  int optional;
  long max_len;
};

struct sess_survey {
  const char *id;
  const char *file; /* borrowed from the snapshot's path list */
  int version;
  int is_survey; /* answers are recorded; menus only navigate */
  int start;
  struct sess_node *nodes; /* owned array */
  size_t n_nodes;
};

struct sess_content {
  int refs;
  struct sess_survey *surveys; /* owned array */
  size_t n_surveys;
  json_t *strings; /* owned: strings.json "strings" object */
  json_t **docs;   /* owned: every parsed file, kept for the borrowed strings */
  size_t n_docs;
  struct sess_budget budget;
};

const struct sess_survey *sess__survey_find(const struct sess_content *c, const char *id);
int sess__node_find(const struct sess_survey *sv, const char *id);

/* Renders node of sv in lang (with the error line on top when error) into out. Returns GW_OK,
 * or GW_E2BIG when it does not fit SESS_SCREEN_MAX. */
int sess__render(const struct sess_content *c, const struct sess_survey *sv, int node,
                 enum sess_lang lang, int error, char *out, size_t outlen);

/* The cost of a rendered screen against its budget: *units in the encoding the screen needs,
 * *limit the budget for that encoding. Returns GW_OK or GW_EINVAL on invalid UTF-8. */
int sess__screen_cost(const struct sess_content *c, const char *screen, size_t *units,
                      size_t *limit);

#endif
