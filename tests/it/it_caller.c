/* it_caller.c: the survey as a parent reads it, and the parent's choices (it_caller.h). */
#include "tests/it/it_caller.h"
#include "tests/it/it_harness.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { KK, RU, EN, NLANG };
static const char *const lang_key[NLANG] = {"kk", "ru", "en"};

enum q_type { Q_CHOICE, Q_YESNO, Q_NUMBER, Q_END, Q_MENU, Q_OTHER };
enum q_source { SRC_NONE, SRC_REGIONS, SRC_DISTRICTS };

struct q {
  char id[24];
  enum q_type type;
  enum q_source source;
  int optional, relation; /* relation: the role node, which opens an attempt, no answer row */
  char *text[NLANG];
  char *short_text[NLANG]; /* the prompt of a list's later pages (survey version 4's barrier) */
  size_t n_opts;
  char *opts[16]; /* values, in screen order */
};

struct place {
  char code[64], region[64];
  char name[NLANG][128];
};

struct it_survey {
  struct q qs[64];
  size_t n_qs;
  char *invalid[NLANG], *unavailable[NLANG], *unconfirmed[NLANG], *ended[NLANG], *resume[NLANG];
  struct place *places;
  size_t n_places;
};

/* ---- loading ---------------------------------------------------------------------------- */

static json_t *load_json(const char *name)
{
  char path[512];
  json_error_t err;
  const char *root = getenv("AULGATE_ROOT");
  json_t *j;

  snprintf(path, sizeof(path), "%s/content/%s", root && *root ? root : ".", name);
  j = json_load_file(path, 0, &err);
  if (!j)
    fprintf(stderr, "it_caller: %s: %s (line %d)\n", path, err.text, err.line);
  return j;
}

static void load_texts(json_t *obj, char *out[NLANG])
{
  for (int l = 0; l < NLANG; l++) {
    const char *s = json_string_value(json_object_get(obj, lang_key[l]));
    out[l] = strdup(s ? s : "\x01never");
  }
}

static int load_questions(struct it_survey *sv, json_t *doc)
{
  json_t *nodes = json_object_get(doc, "nodes"), *n;
  size_t i;

  json_array_foreach(nodes, i, n)
  {
    struct q *q = &sv->qs[sv->n_qs];
    const char *type = json_string_value(json_object_get(n, "type"));
    const char *from = json_string_value(json_object_get(n, "options_from"));
    const char *role = json_string_value(json_object_get(n, "role"));
    json_t *opts = json_object_get(n, "options"), *o;
    size_t k;

    if (sv->n_qs == sizeof(sv->qs) / sizeof(sv->qs[0]) || !type)
      return -1;
    snprintf(q->id, sizeof(q->id), "%s", json_string_value(json_object_get(n, "id")));
    q->type = !strcmp(type, "choice")   ? Q_CHOICE
              : !strcmp(type, "yesno")  ? Q_YESNO
              : !strcmp(type, "number") ? Q_NUMBER
              : !strcmp(type, "end")    ? Q_END
              : !strcmp(type, "menu")   ? Q_MENU
                                        : Q_OTHER;
    q->source = !from ? SRC_NONE : !strcmp(from, "regions") ? SRC_REGIONS : SRC_DISTRICTS;
    q->optional = json_is_true(json_object_get(n, "optional"));
    q->relation = role && !strcmp(role, "relation");
    load_texts(json_object_get(n, "text"), q->text);
    load_texts(json_object_get(n, "short_text"), q->short_text);
    json_array_foreach(opts, k, o)
    {
      const char *v = json_string_value(json_object_get(o, "value")); /* none on a menu */
      if (v && q->n_opts < sizeof(q->opts) / sizeof(q->opts[0]))
        q->opts[q->n_opts++] = strdup(v);
    }
    if (q->type == Q_YESNO) {
      q->opts[q->n_opts++] = strdup("yes");
      q->opts[q->n_opts++] = strdup("no");
    }
    sv->n_qs++;
  }
  return sv->n_qs ? 0 : -1;
}

static int load_places(struct it_survey *sv, PGconn *db)
{
  PGresult *r = PQexec(db, "SELECT code, '', name_kk, name_ru, name_en FROM regions UNION ALL"
                           " SELECT code, region_code, name_kk, name_ru, name_en FROM districts");
  int n = PQntuples(r);

  if (PQresultStatus(r) != PGRES_TUPLES_OK || n == 0) {
    fprintf(stderr, "it_caller: no places in the database: %s", PQresultErrorMessage(r));
    PQclear(r);
    return -1;
  }
  sv->places = calloc((size_t)n, sizeof(*sv->places));
  for (int i = 0; i < n; i++) {
    struct place *p = &sv->places[sv->n_places++];
    snprintf(p->code, sizeof(p->code), "%s", PQgetvalue(r, i, 0));
    snprintf(p->region, sizeof(p->region), "%s", PQgetvalue(r, i, 1));
    for (int l = 0; l < NLANG; l++)
      snprintf(p->name[l], sizeof(p->name[l]), "%s", PQgetvalue(r, i, 2 + l));
  }
  PQclear(r);
  return 0;
}

struct it_survey *it_survey_load(PGconn *db)
{
  struct it_survey *sv = calloc(1, sizeof(*sv));
  json_t *survey = load_json("involvement.json"), *strings = load_json("strings.json");
  json_t *s = json_object_get(strings, "strings");
  int ok = sv && survey && s && load_questions(sv, survey) == 0 && load_places(sv, db) == 0;

  if (ok) {
    load_texts(json_object_get(s, "invalid"), sv->invalid);
    load_texts(json_object_get(s, "unavailable"), sv->unavailable);
    load_texts(json_object_get(s, "unconfirmed"), sv->unconfirmed);
    load_texts(json_object_get(s, "timeout"), sv->ended);
    load_texts(json_object_get(s, "resume_prompt"), sv->resume);
  }
  json_decref(survey);
  json_decref(strings);
  if (!ok) {
    it_survey_free(sv);
    return NULL;
  }
  return sv;
}

static void free_texts(char *t[NLANG])
{
  for (int l = 0; l < NLANG; l++)
    free(t[l]);
}

void it_survey_free(struct it_survey *sv)
{
  if (!sv)
    return;
  for (size_t i = 0; i < sv->n_qs; i++) {
    free_texts(sv->qs[i].text);
    free_texts(sv->qs[i].short_text);
    for (size_t k = 0; k < sv->qs[i].n_opts; k++)
      free(sv->qs[i].opts[k]);
  }
  free_texts(sv->invalid);
  free_texts(sv->unavailable);
  free_texts(sv->unconfirmed);
  free_texts(sv->ended);
  free_texts(sv->resume);
  free(sv->places);
  free(sv);
}

/* ---- reading a screen ------------------------------------------------------------------- */

static int any_lang(char *const t[NLANG], const char *screen)
{
  for (int l = 0; l < NLANG; l++)
    if (strstr(screen, t[l]))
      return 1;
  return 0;
}

enum it_reply it_reply_kind(const struct it_survey *sv, int transport_ok, long status,
                            const char *body)
{
  if (!transport_ok || status != 200)
    return IT_REPLY_FAILED;
  if (strncmp(body, "CON ", 4) == 0)
    return IT_REPLY_SCREEN;
  /* "Could not save" and "could not confirm" acknowledge nothing: the hop failed, whatever the
   * database did (a resume finds out). */
  if (strncmp(body, "END ", 4) != 0 || any_lang(sv->unavailable, body + 4) ||
      any_lang(sv->unconfirmed, body + 4))
    return IT_REPLY_FAILED;
  return any_lang(sv->ended, body + 4) ? IT_REPLY_ENDED : IT_REPLY_SCREEN;
}

/* The question whose text opens the screen (after "Wrong choice." when *invalid), or NULL. */
static const struct q *question_of(const struct it_survey *sv, const char *screen, int *invalid)
{
  const struct q *best = NULL;
  size_t best_len = 0;

  *invalid = 0;
  for (int l = 0; l < NLANG; l++) {
    size_t n = strlen(sv->invalid[l]);
    if (strncmp(screen, sv->invalid[l], n) == 0 && screen[n] == '\n') {
      *invalid = 1;
      screen += n + 1;
      break;
    }
  }
  for (size_t i = 0; i < sv->n_qs; i++)
    for (int l = 0; l < 2 * NLANG; l++) {
      const char *t = l < NLANG ? sv->qs[i].text[l] : sv->qs[i].short_text[l - NLANG];
      size_t n = strlen(t);
      if (n > best_len && strncmp(screen, t, n) == 0 && (screen[n] == '\n' || screen[n] == '\0')) {
        best = &sv->qs[i];
        best_len = n;
      }
    }
  return best;
}

/* The label of option `number` on the screen, or NULL. */
static const char *label_of(const char *screen, int number, char *out, size_t len)
{
  char head[16];
  int hn = snprintf(head, sizeof(head), "\n%d ", number);
  const char *at = strstr(screen, head), *end;

  if (!at)
    return NULL;
  at += hn;
  end = strchr(at, '\n');
  snprintf(out, len, "%.*s", (int)(end ? (size_t)(end - at) : strlen(at)), at);
  return out;
}

/* The option numbers on the screen, except 0 and 99 (paging); *more: "99" is offered. */
static size_t numbers_of(const char *screen, int *nums, size_t max, int *more)
{
  size_t n = 0;

  *more = 0;
  for (const char *p = strchr(screen, '\n'); p; p = strchr(p + 1, '\n')) {
    char *end;
    long v = strtol(p + 1, &end, 10);
    if (end == p + 1 || *end != ' ')
      continue;
    if (v == 99)
      *more = 1;
    else if (v > 0 && n < max)
      nums[n++] = (int)v;
  }
  return n;
}

/* The place whose name in the screen's language (lang, 1-based as picked in the language menu)
 * is label: a name may be another place's in another language (ru "Павлодар" is the city, kk
 * "Павлодар" the district). */
static const struct place *place_named(const struct it_survey *sv, const char *label,
                                       const char *region, int lang)
{
  for (size_t i = 0; i < sv->n_places; i++) {
    const struct place *p = &sv->places[i];
    if (strcmp(p->region, region ? region : "") == 0 && strcmp(p->name[lang - 1], label) == 0)
      return p;
  }
  return NULL;
}

static struct it_pick *pick_of(struct it_caller *c, const char *q)
{
  for (size_t i = 0; i < c->n_picks; i++)
    if (strcmp(c->picks[i].q, q) == 0)
      return &c->picks[i];
  return NULL;
}

/* The persona's answer to q on this screen: 0 with *pick set (its input), 1 when the answer is
 * on another page ("99" to send), -1 when the screen does not offer it. */
static int choose(struct it_caller *c, const struct q *q, const char *screen, struct it_pick **out)
{
  int nums[100], more;
  size_t n = numbers_of(screen, nums, 100, &more);
  struct it_pick *p = pick_of(c, q->id);
  char label[256];

  if (p) {
    if (q->type == Q_NUMBER)
      return *out = p, 0;
    for (size_t i = 0; i < n; i++)
      if (nums[i] == atoi(p->input))
        return *out = p, 0;
    return more ? 1 : -1;
  }
  if (c->n_picks == sizeof(c->picks) / sizeof(c->picks[0]))
    return -1;
  p = &c->picks[c->n_picks];
  snprintf(p->q, sizeof(p->q), "%s", q->id);
  if (q->type == Q_NUMBER) {
    int v = q->optional && rand() % 4 == 0 ? 0 : 1 + rand() % 300;
    snprintf(p->input, sizeof(p->input), "%d", v);
    if (v)
      snprintf(p->value, sizeof(p->value), "%d", v);
    else
      snprintf(p->value, sizeof(p->value), "skip");
  } else {
    int k;
    if (n == 0)
      return -1;
    if (more && rand() % 3 == 0)
      return 1; /* look at the next page first */
    k = q->relation ? c->relation : nums[rand() % (int)n];
    snprintf(p->input, sizeof(p->input), "%d", k);
    if (q->source == SRC_NONE) {
      if ((size_t)k > q->n_opts)
        return -1;
      snprintf(p->value, sizeof(p->value), "%s", q->opts[k - 1]);
    } else {
      const struct it_pick *region = pick_of(c, "region");
      const struct place *pl =
          label_of(screen, k, label, sizeof(label))
              ? place_named(c->sv, label,
                            q->source == SRC_DISTRICTS && region ? region->value : NULL, c->lang)
              : NULL;
      if (!pl)
        return -1;
      snprintf(p->value, sizeof(p->value), "%s", pl->code);
    }
  }
  c->n_picks++;
  return *out = p, 0;
}

/* ---- the caller ------------------------------------------------------------------------- */

void it_caller_init(struct it_caller *c, const struct it_survey *sv, const char *tag)
{
  memset(c, 0, sizeof(*c));
  c->sv = sv;
  snprintf(c->tag, sizeof(c->tag), "%s", tag);
  it_fresh_phone(c->phone);
  c->lang = 1 + rand() % 3;
  c->relation = 1 + rand() % 4;
  it_session_id(c->session, sizeof(c->session), c->tag);
  c->sessions = 1;
}

void it_caller_redial(struct it_caller *c, struct it_record *rec)
{
  it_session_id(c->session, sizeof(c->session), c->tag);
  c->text[0] = '\0';
  c->hop = c->tries = 0;
  c->q[0] = c->value[0] = '\0';
  c->sessions++;
  rec->sessions++;
}

enum it_next it_caller_failed(struct it_caller *c)
{
  return ++c->tries >= IT_MAX_TRIES ? IT_REDIAL : IT_RETRY;
}

static enum it_next send_input(struct it_caller *c, const char *input, const struct it_pick *p)
{
  size_t n = strlen(c->text);

  snprintf(c->text + n, sizeof(c->text) - n, "%s%s", c->hop ? "*" : "", input);
  c->hop++;
  c->tries = 0;
  /* p may point into c: the fields have the same sizes and never overlap. */
  memcpy(c->q, p ? p->q : "", p ? sizeof(c->q) : 1);
  memcpy(c->value, p ? p->value : "", p ? sizeof(c->value) : 1);
  return IT_SEND;
}

static enum it_next lost(struct it_caller *c, struct it_record *rec, const char *why,
                         const char *body)
{
  rec->lost++;
  it_record_violation(rec, "%s: session %s hop %d text '%s' got: %s", why, c->session, c->hop,
                      c->text, body);
  return IT_REDIAL;
}

static void acknowledged(struct it_caller *c, struct it_record *rec)
{
  struct it_ack *a;

  if (!c->q[0])
    return;
  if (rec->n_acks == rec->cap_acks) {
    rec->cap_acks = rec->cap_acks ? 2 * rec->cap_acks : 256;
    rec->acks = realloc(rec->acks, rec->cap_acks * sizeof(*rec->acks));
  }
  a = &rec->acks[rec->n_acks++];
  snprintf(a->session, sizeof(a->session), "%s", c->session);
  a->hop = c->hop;
  snprintf(a->q, sizeof(a->q), "%s", c->q);
  snprintf(a->value, sizeof(a->value), "%s", c->value);
  c->q[0] = '\0'; /* once per hop, whatever copies follow */
}

enum it_next it_caller_screen(struct it_caller *c, struct it_record *rec, const char *body)
{
  const char *screen = body + 4;
  const struct q *q;
  struct it_pick *p = NULL;
  int invalid, rc;
  char lang[4];

  if (strncmp(body, "END ", 4) == 0) {
    if (any_lang(c->sv->ended, screen))
      return IT_REDIAL; /* a session the gateway ended: the answer was not taken */
    for (size_t i = 0; i < c->sv->n_qs; i++)
      if (c->sv->qs[i].type == Q_END && any_lang(c->sv->qs[i].text, screen)) {
        acknowledged(c, rec);
        c->done = 1;
        rec->finished++;
        return IT_DONE;
      }
    return lost(c, rec, "an END the survey does not have", body);
  }
  q = question_of(c->sv, screen, &invalid);
  if (invalid)
    return lost(c, rec, "'wrong choice' for an input read from the screen before", body);
  /* Any screen that is not an error shows what follows: the hop's answer was taken. */
  acknowledged(c, rec);
  if (strstr(screen, "1 Қазақша\n2 Русский\n3 English")) {
    snprintf(lang, sizeof(lang), "%d", c->lang);
    return send_input(c, lang, NULL);
  }
  if (strncmp(screen, "Aulgate\n", 8) == 0) {
    /* A known phone skips the language menu: the menu's own words say its language, in which
     * the place names are then read (a shared phone's second parent never picked one). */
    static const char *const survey_item[NLANG] = {"\n1 Сауалнама\n", "\n1 Опрос\n",
                                                   "\n1 Parent survey\n"};
    for (int l = 0; l < NLANG; l++)
      if (strstr(screen, survey_item[l]))
        c->lang = l + 1;
    return send_input(c, "1", NULL); /* the survey */
  }
  if (any_lang(c->sv->resume, screen))
    return send_input(c, "1", NULL); /* continue */
  if (q && q->type == Q_MENU)
    return send_input(c, "1", NULL); /* the survey's opening screen (version 4): start */
  if (!q || q->type == Q_END || q->type == Q_OTHER)
    return lost(c, rec, "a screen the caller cannot place", body);
  rc = choose(c, q, screen, &p);
  if (rc < 0)
    return lost(c, rec, "the persona's answer is not offered", body);
  if (rc > 0)
    return send_input(c, "99", NULL);
  return send_input(c, p->input, q->relation ? NULL : p);
}

void it_caller_form(const struct it_caller *c, CURL *e, char *out, size_t cap)
{
  char *es = curl_easy_escape(e, c->session, 0), *ep = curl_easy_escape(e, c->phone, 0),
       *et = curl_easy_escape(e, c->text, 0);

  snprintf(out, cap,
           "sessionId=%s&serviceCode=%%2A1234%%23&phoneNumber=%s&networkCode=40101&text=%s",
           es ? es : "", ep ? ep : "", et ? et : "");
  curl_free(es);
  curl_free(ep);
  curl_free(et);
}

size_t it_body_write(char *data, size_t size, size_t n, void *body)
{
  struct it_body *b = body;
  size_t add = size * n;

  if (b->len + add >= sizeof(b->text))
    add = sizeof(b->text) - b->len - 1;
  memcpy(b->text + b->len, data, add);
  b->len += add;
  b->text[b->len] = '\0';
  return size * n;
}

void it_body_reset(struct it_body *b)
{
  b->len = 0;
  b->text[0] = '\0';
}

long it_env_long(const char *name, long def)
{
  const char *v = getenv(name);

  return v && *v ? atol(v) : def;
}
