/* gw_rschools.h: what a region sees of its schools' requests (issue 13 item 6), the pure part
 * of GET /api/v1/results/schools: parameters, the SQL (the caller's regions in the SQL itself),
 * the aggregation up the tree, the suppression (the results API's, gw_results_suppress) and the
 * JSON and CSV forms. docs/privacy.md ("What a region sees of its schools' requests") says why
 * the tree and the period are what they are.
 *
 * The release. For one calendar month (requests created in [from, to), UTC+5), a fixed tree per
 * region: region > settlement (the school's: urban, rural) > district > school. One chain, so
 * every published figure is a sum of its children's: a district's figure is the sum of its
 * schools' (a phone linked to two schools counts in each). A query names one level; region and
 * district filters only select nodes. Two releases, suppressed each on its own:
 *  - the month's: per school the parents its requests of the month reached (`asked`: an SMS
 *    delivered, or an answer in the USSD menu), of whom delivered, answered, "I can help",
 *    shared; hidden by the number of parents asked;
 *  - the links': per school the linked parents whose consent to its messages stands now
 *    (`linked`), the same in every month; hidden by that number.
 * `requests` (how many the school created in the month) is the school's own act and is never
 * hidden. Nodes of zero parents are shown as zeros and take no part in the suppression, as the
 * results API publishes no empty group. */
#ifndef GW_RSCHOOLS_H
#define GW_RSCHOOLS_H

#include "gateway/api/gw_results.h"

#include <stddef.h>

enum gw_rschools_level { GW_RS_REGION, GW_RS_SETTLEMENT, GW_RS_DISTRICT, GW_RS_SCHOOL };

struct gw_rschools_query {
  int depth;             /* enum gw_rschools_level */
  char from[11], to[11]; /* YYYY-MM-01: one calendar month */
  struct gw_results_scope scope;
};

/* Parses the query parameters (get(arg, name) returns NULL when absent); now_s (Unix time)
 * gives the month when `from` is absent: the current one, UTC+5. AG_OK, or AG_EINVAL with a
 * message for the caller in err. */
int gw_rschools_parse(const char *(*get)(void *arg, const char *name), void *arg, long long now_s,
                      struct gw_rschools_query *q /* OUT */, char *err, size_t errlen);

/* The SQL for q, for a caller whose regions are allowed (comma-separated; "": every region):
 * AG_EDENIED with err when q asks for a region not allowed. It reads the counters kept by
 * sql/migrations/0023_school_rollups.sql, not the schools' tables. params point into q and out;
 * *sql is static. One row per school of the regions read, ordered by region, settlement (urban
 * first), district, school; columns: region, its name, settlement, district, its name, school
 * id, its name, requests, asked, delivered, answered, help, shared, linked. */
struct gw_rschools_sql {
  const char *params[3];
  int nparams;
  char regions[GW_RESULTS_REGIONS_MAX * (GW_RESULTS_CODE_MAX + 3) + 4];
  const char *sql;
};
int gw_rschools_sql(const struct gw_rschools_query *q, const char *allowed,
                    struct gw_rschools_sql *out /* OUT */, char *err, size_t errlen);

/* The counts of one school (a row of the SQL), or of a node above (their sums). */
enum {
  GW_RS_REQUESTS,
  GW_RS_ASKED,
  GW_RS_DELIVERED,
  GW_RS_ANSWERED,
  GW_RS_HELP,
  GW_RS_SHARED,
  GW_RS_LINKED,
  GW_RS_N
};
struct gw_rschools_row {
  const char *key[GW_RESULTS_LEVELS];  /* region, settlement, district, school id */
  const char *name[GW_RESULTS_LEVELS]; /* region's, "", district's, school's */
  long long n[GW_RS_N];
};

/* The reply body (malloc()ed, *len bytes) for q from the schools' rows (as the SQL orders
 * them): the nodes of q's level that q selects, each with its counts and rates, or null where
 * its release hides it. JSON, or CSV (RFC 4180, CRLF, UTF-8 with a BOM). NULL when out of
 * memory. */
char *gw_rschools_reply(const struct gw_rschools_query *q, const struct gw_rschools_row *rows,
                        size_t n, long k, size_t *len /* OUT */);

#endif
