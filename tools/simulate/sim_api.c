/* sim_api.c: the run's figures as an analyst reads them, through GET /api/v1/results grouped by
 * the school's settlement, compared with the published ones.
 *
 * The API gives what the rollups hold for the whole region, not for one run, and cannot be asked
 * for a run's respondents. So the check reads the three questions once before the run (the
 * baseline) and once after, and judges the difference: the respondents each group gained must be
 * exactly the run's parents of that group (anything else means other answers landed meanwhile,
 * and the check fails rather than guess), and the share of "yes" among them must be within one
 * point of the published figure. On a database that holds nothing else for the region (a fresh
 * one: the baseline is empty) the difference is the API's own figures, and those are printed
 * beside it. A suppressed group in either read cannot be subtracted: the check then fails and
 * says to use a dedicated database (decision 79). */
#include "tools/simulate/sim-internal.h"
#include "lib/ag.h"

#include <curl/curl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sim_buf {
  char *p;
  size_t len;
};

static size_t sim_api_write(char *data, size_t size, size_t nmemb, void *arg)
{
  struct sim_buf *b = arg;
  size_t n = size * nmemb;
  char *p;

  if (b->len + n > (size_t)4 << 20 || !(p = realloc(b->p, b->len + n + 1)))
    return 0; /* a results reply of a few groups is small: anything this big is wrong */
  memcpy(p + b->len, data, n);
  b->p = p;
  b->len += n;
  b->p[b->len] = '\0';
  return n;
}

/* One question's groups, from one reply: a group's respondents and "yes" count, or suppressed. */
static int sim_api_parse(const char *body, struct sim_api_cell cells[SIM_GROUPS], char *err,
                         size_t errlen)
{
  json_error_t je;
  json_t *root = json_loads(body, 0, &je), *groups, *g;
  size_t i;

  memset(cells, 0, sizeof(struct sim_api_cell) * SIM_GROUPS);
  if (!root || !json_is_array(groups = json_object_get(root, "groups"))) {
    snprintf(err, errlen, "not a results reply: %s", root ? "no groups" : je.text);
    json_decref(root);
    return AG_EBADREQ;
  }
  json_array_foreach(groups, i, g)
  {
    const char *s = json_string_value(json_object_get(g, "settlement"));
    json_t *opts = json_object_get(g, "options"), *o;
    size_t j;
    int k = s && strcmp(s, "urban") == 0   ? SIM_URBAN
            : s && strcmp(s, "rural") == 0 ? SIM_RURAL
                                           : -1;

    if (k < 0) /* "": parents whose school is not known; none of a run's */
      continue;
    cells[k].present = 1;
    cells[k].suppressed = json_is_true(json_object_get(g, "suppressed"));
    cells[k].respondents = (long)json_integer_value(json_object_get(g, "respondents"));
    json_array_foreach(opts, j, o)
    {
      const char *v = json_string_value(json_object_get(o, "option"));

      if (v && strcmp(v, "yes") == 0)
        cells[k].yes = (long)json_integer_value(json_object_get(o, "count"));
    }
  }
  json_decref(root);
  return AG_OK;
}

int sim__api_read(const struct sim_opts *o, struct sim_api_cell out[][SIM_GROUPS], char *err,
                  size_t errlen)
{
  CURL *h = curl_easy_init();
  struct curl_slist *hdr = NULL;
  char auth[160], url[512];
  int rc = AG_OK;

  if (!h)
    return AG_ENOMEM;
  snprintf(auth, sizeof(auth), "Authorization: Bearer %s", o->token);
  hdr = curl_slist_append(hdr, auth);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sim_api_write);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 30000L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  for (size_t f = 0; f < sim_published_len && rc == AG_OK; f++) {
    struct sim_buf b = {0};
    long status = 0;
    CURLcode cc;

    snprintf(url, sizeof(url),
             "%s/api/v1/results?survey=involvement&version=%u&question=%s&group_by=settlement"
             "&region=aktobe",
             o->results, o->version, sim_published[f].question);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    cc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (cc != CURLE_OK || status != 200) {
      snprintf(err, errlen, "%s: %s", url,
               cc != CURLE_OK ? curl_easy_strerror(cc)
               : b.p          ? b.p
                              : "(no body)");
      rc = AG_EIO;
    } else {
      rc = sim_api_parse(b.p ? b.p : "", out[f], err, errlen);
    }
    free(b.p);
  }
  curl_slist_free_all(hdr);
  curl_easy_cleanup(h);
  return rc;
}

int sim__api_check(const struct sim_api_cell before[][SIM_GROUPS],
                   const struct sim_api_cell after[][SIM_GROUPS], const size_t planned[SIM_GROUPS])
{
  int ok = 1;

  for (size_t f = 0; f < sim_published_len; f++) {
    for (int g = 0; g < SIM_GROUPS; g++) {
      const struct sim_api_cell *b = &before[f][g], *a = &after[f][g];
      const char *q = sim_published[f].question;
      double want = 100.0 * sim_published[f].share[g], share, abs_share;
      long n = a->respondents - b->respondents, yes = a->yes - b->yes;
      int good;

      if (!planned[g])
        continue;
      if (b->suppressed || a->suppressed) {
        printf("api     %-3s %-5s suppressed %s the run: cannot subtract; use a database of its "
               "own: MISMATCH\n",
               q, sim_group_name[g], b->suppressed ? "before" : "after");
        ok = 0;
        continue;
      }
      share = n > 0 ? 100.0 * (double)yes / (double)n : 0.0;
      abs_share = a->respondents > 0 ? 100.0 * (double)a->yes / (double)a->respondents : 0.0;
      good = n == (long)planned[g] && fabs(share - want) <= 1.0;
      printf("api     %-3s %-5s %5.1f%% of %ld respondents added (published %4.1f%%, planned %zu"
             "; the API's figure %5.1f%% of %ld%s): %s\n",
             q, sim_group_name[g], share, n, want, planned[g], abs_share, a->respondents,
             b->respondents ? ", the region held others before" : "", good ? "ok" : "MISMATCH");
      ok = ok && good;
    }
  }
  return ok ? 0 : 1;
}
