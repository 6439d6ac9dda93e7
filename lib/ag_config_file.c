/* ag_config_file.c: the configuration file (`key = value` lines, [carrier.NAME] sections) and
 * the environment overrides, on top of the option tables of ag_config.c. */
#include "lib/ag_config-internal.h"
#include "lib/ag.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *trim(char *s)
{
  char *e;

  while (isspace((unsigned char)*s))
    s++;
  e = s + strlen(s);
  while (e > s && isspace((unsigned char)e[-1]))
    *--e = '\0';
  return s;
}

/* Where a file is: the section its lines belong to, and the keys already set. */
struct file_pos {
  const char *path;
  unsigned line;
  struct ag_carrier_conf *section;         /* NULL: the top level */
  unsigned char seen[AG_CONFIG__KEYS_MAX]; /* top-level keys already set */
};

/* A line "[carrier.NAME]". */
static int section_open(struct ag_config *cfg, struct file_pos *fp, char *line, char *err,
                        size_t errlen)
{
  size_t len = strlen(line);
  const char *name = line + strlen("[carrier.");
  size_t nlen = len - strlen("[carrier.]");

  if (len < strlen("[carrier.]") || line[len - 1] != ']' ||
      strncmp(line, "[carrier.", strlen("[carrier.")) != 0) {
    snprintf(err, errlen, "%s:%u: expected a section '[carrier.NAME]'", fp->path, fp->line);
    return AG_ECONFIG;
  }
  if (ag_config__section_find(cfg, name, nlen)) {
    snprintf(err, errlen, "%s:%u: section [carrier.%.*s] appears twice", fp->path, fp->line,
             (int)nlen, name);
    return AG_ECONFIG;
  }
  fp->section = ag_config__section_add(cfg, name, nlen, err, errlen);
  if (!fp->section) {
    char detail[300];
    snprintf(detail, sizeof(detail), "%s", err);
    snprintf(err, errlen, "%s:%u: %s", fp->path, fp->line, detail);
    return AG_ECONFIG;
  }
  fp->section->line = fp->line;
  return AG_OK;
}

/* A line "key = value", at the top level or in the current section. */
static int key_line(struct ag_config *cfg, struct file_pos *fp, char *key, char *err, size_t errlen)
{
  char *value, *eq = strchr(key, '='), full[AG_CARRIER_NAME_MAX + 64], detail[512];
  int k, rc;

  if (!eq) {
    snprintf(err, errlen, "%s:%u: expected 'key = value'", fp->path, fp->line);
    return AG_ECONFIG;
  }
  *eq = '\0';
  value = trim(eq + 1);
  key = trim(key);
  k = ag_config__key_index(fp->section != NULL, key);
  if (fp->section)
    snprintf(full, sizeof(full), "carrier.%s.%s", fp->section->name, key);
  else
    snprintf(full, sizeof(full), "%s", key);
  if (k >= 0 && (fp->section ? (fp->section->seen >> k) & 1 : fp->seen[k])) {
    snprintf(err, errlen, "%s:%u: key '%s' is set twice", fp->path, fp->line, key);
    return AG_ECONFIG;
  }
  rc = ag_config_set(cfg, full, value, detail, sizeof(detail));
  if (rc) {
    snprintf(err, errlen, "%s:%u: %s", fp->path, fp->line, detail);
    return rc;
  }
  if (k < 0) /* "carrier.NAME.key" outside a section: set, but not a key this file tracks */
    return AG_OK;
  if (fp->section)
    fp->section->seen |= 1u << k;
  else
    fp->seen[k] = 1;
  return AG_OK;
}

/* 1 when carriers of paths a and b would share a route: one path, or one's end notice. */
static int paths_clash(const char *a, const char *b)
{
  size_t na = strlen(a), nb = strlen(b);

  if (na > nb)
    return paths_clash(b, a);
  return strncmp(a, b, na) == 0 && (b[na] == '\0' || strcmp(b + na, "/end") == 0);
}

/* What a section needs beyond its single keys: a dialect, and a path of its own. */
static int sections_check(struct ag_config *cfg, const char *path, char *err, size_t errlen)
{
  for (size_t i = 0; i < cfg->n_carriers; i++) {
    struct ag_carrier_conf *c = &cfg->carriers[i];
    if (!c->dialect[0]) {
      snprintf(err, errlen, "%s:%u: section [carrier.%s] has no 'dialect' (e.g. dialect = at)",
               path, c->line, c->name);
      return AG_ECONFIG;
    }
    if (!c->path[0]) { /* name is shorter than path by far: no snprintf onto itself */
      strcpy(c->path, "/ussd/");
      strcat(c->path, c->name);
    }
    for (size_t k = 0; k < i; k++) {
      if (paths_clash(cfg->carriers[k].path, c->path)) {
        snprintf(err, errlen,
                 "%s:%u: section [carrier.%s]: path %s clashes with %s of [carrier.%s] (a "
                 "carrier takes PATH and PATH/end)",
                 path, c->line, c->name, c->path, cfg->carriers[k].path, cfg->carriers[k].name);
        return AG_ECONFIG;
      }
    }
  }
  return AG_OK;
}

static int load_file(struct ag_config *cfg, const char *path, char *err, size_t errlen)
{
  char line[4096];
  struct file_pos fp = {.path = path};
  FILE *f = fopen(path, "r");
  int rc = AG_OK;

  if (!f) {
    snprintf(err, errlen, "cannot open configuration file %s: %s", path, strerror(errno));
    return AG_EIO;
  }
  while (rc == AG_OK && fgets(line, sizeof(line), f)) {
    char *text;

    fp.line++;
    if (!strchr(line, '\n') && !feof(f)) {
      snprintf(err, errlen, "%s:%u: line longer than %zu bytes", path, fp.line, sizeof(line) - 2);
      rc = AG_ECONFIG;
      break;
    }
    text = trim(line);
    if (*text == '\0' || *text == '#')
      continue;
    rc = *text == '[' ? section_open(cfg, &fp, text, err, errlen)
                      : key_line(cfg, &fp, text, err, errlen);
  }
  fclose(f);
  return rc ? rc : sections_check(cfg, path, err, errlen);
}

int ag_config_load(struct ag_config *cfg, const char *path, char *err, size_t errlen)
{
  static const struct {
    const char *env, *key;
  } overrides[] = {{"AULGATE_DB", "db"}, {"AULGATE_LISTEN", "listen"}};
  int rc;

  if (path) {
    rc = load_file(cfg, path, err, errlen);
    if (rc)
      return rc;
  }
  for (size_t i = 0; i < AG_ARRAY_LEN(overrides); i++) {
    const char *v = getenv(overrides[i].env);
    char detail[512];
    if (!v)
      continue;
    rc = ag_config_set(cfg, overrides[i].key, v, detail, sizeof(detail));
    if (rc) {
      snprintf(err, errlen, "environment %s: %s", overrides[i].env, detail);
      return rc;
    }
  }
  return AG_OK;
}
