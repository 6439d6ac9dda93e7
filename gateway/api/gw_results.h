/* gw_results.h: the results API's pure part (no server, no database): which groupings are
 * allowed, the SQL that reads them from the rollups (with the caller's regions enforced in the
 * SQL itself), the small-cell suppression, and the JSON and CSV forms. docs/privacy.md says why
 * the groupings are what they are.
 *
 * The release. For a survey version and a question, the published figures are the nodes of a
 * fixed tree: a region, and under it, independent of each other, the chains
 *   settlement (the school's) > district > school,  settlement > parent_settlement,
 *   grade_band,  relation,  language,  month > week.
 * The two chains under settlement share that level. A district with schools of both kinds is
 * two nodes, and a week across two months is two, its days in each: otherwise a settlement is
 * the sum of schools and a month of weeks outside the tree, which gives hidden nodes back
 * (decision 106). A query asks for one level of one chain (region alone is level 0), for some
 * regions; it never re-aggregates: filters (region, district) and periods (from, to on
 * group_by=month or week) only select nodes. Suppression is decided on the whole release of
 * the caller's regions, node by node, the same for every query and every caller, so no two
 * queries can disagree. */
#ifndef GW_RESULTS_H
#define GW_RESULTS_H

#include <stddef.h>

enum gw_results_chain {
  GW_RC_NONE = -1,  /* region alone */
  GW_RC_SCHOOL,     /* school's settlement > district > school */
  GW_RC_SETTLEMENT, /* school's settlement > parent's own settlement */
  GW_RC_GRADE,
  GW_RC_RELATION,
  GW_RC_LANGUAGE,
  GW_RC_MONTH, /* month > week */
  GW_RC_N
};

#define GW_RESULTS_REGIONS_MAX 32
#define GW_RESULTS_CODE_MAX    72

/* What both results APIs (this one and gw_rschools.h) take alike: region (lower-case codes,
 * comma-separated), district (a code), format (json, csv) and lang. */
struct gw_results_scope {
  char regions[GW_RESULTS_REGIONS_MAX][GW_RESULTS_CODE_MAX];
  size_t n_regions;                   /* 0: every region the caller may see */
  char district[GW_RESULTS_CODE_MAX]; /* "" or a district code (a node filter) */
  int csv;
  int lang; /* 0 kk, 1 ru, 2 en: names of regions, districts */
};

struct gw_results_query {
  char survey[GW_RESULTS_CODE_MAX];
  int version;
  char question[GW_RESULTS_CODE_MAX];
  int chain;             /* enum gw_results_chain */
  int depth;             /* 0: region; 1 to 3: levels of the chain */
  char from[11], to[11]; /* YYYY-MM-DD or ""; only with month and week */
  struct gw_results_scope scope;
};

/* Parses the query parameters (get(arg, name) returns NULL when absent). AG_OK, or AG_EINVAL
 * with a message for the caller in err. */
int gw_results_parse(const char *(*get)(void *arg, const char *name), void *arg,
                     struct gw_results_query *q /* OUT */, char *err, size_t errlen);

/* Parses the scope's parameters (a district refused unless district_ok; lang en by default).
 * AG_OK, or AG_EINVAL with a message for the caller in err. */
int gw_results_parse_scope(const char *(*get)(void *arg, const char *name), void *arg,
                           int district_ok, struct gw_results_scope *sc /* OUT */, char *err,
                           size_t errlen);

/* The SQL and its parameters for q, for a caller whose regions are allowed (comma-separated;
 * "": every region). The regions the SQL reads are q's, each of which must be allowed, or
 * (none asked) the allowed ones: AG_EDENIED with err when q asks for another. params point into
 * q and bufs. Columns: region, region name, then each level's key and name (three levels),
 * option, count. */
struct gw_results_sql {
  const char *params[6];
  int nparams;
  char version[16];
  char regions[GW_RESULTS_REGIONS_MAX * (GW_RESULTS_CODE_MAX + 3) + 4];
  char sql[2560];
};
int gw_results_sql(const struct gw_results_query *q, const char *allowed,
                   struct gw_results_sql *out /* OUT */, char *err, size_t errlen);

/* Levels a release tree may have: the region and up to three below it. */
#define GW_RESULTS_LEVELS 4

/* One row of the rollups read: a leaf of the release at q's depth, with one option's count. */
struct gw_results_row {
  const char *key[GW_RESULTS_LEVELS];  /* region, level 1, 2, 3 ("" or NULL below q's depth) */
  const char *name[GW_RESULTS_LEVELS]; /* display names ("" when none) */
  const char *option;
  long long n;
};

/* The caller's regions as a PostgreSQL array literal ({"a","b"}) in out: the regions asked
 * (n > 0), each of which must be in allowed (comma-separated; "": every region), else the
 * allowed ones. AG_EDENIED with err when one asked is not allowed; AG_EINVAL when out is too
 * small. *restricted: 0 when the SQL must read every region (none asked, allowed ""). */
int gw_results_regions(const char (*regions)[GW_RESULTS_CODE_MAX], size_t n, const char *allowed,
                       char *out, size_t outlen, int *restricted /* OUT */, char *err,
                       size_t errlen);

/* The suppression over rows (sorted by key, then option): a node with fewer than k respondents
 * is hidden, and in every set of siblings with a hidden node, more are hidden (the smallest
 * first) until at least two are hidden and the hidden ones hold at least k respondents; every
 * node under a hidden one is hidden. hidden[i] is set per row (all rows of a node alike).
 * Returns AG_OK, AG_ENOMEM, or AG_EINVAL for a depth of more levels than GW_RESULTS_LEVELS. */
int gw_results_suppress(const struct gw_results_row *rows, size_t n, int depth, long k,
                        unsigned char *hidden /* OUT, n */);

/* The reply body (malloc()ed, *len bytes) for the rows of q's depth that q selects: JSON, or CSV
 * (RFC 4180: CRLF, quotes doubled; UTF-8 with a BOM). NULL when out of memory. */
char *gw_results_format(const struct gw_results_query *q, const struct gw_results_row *rows,
                        const unsigned char *hidden, size_t n, long k, size_t *len /* OUT */);

#endif
