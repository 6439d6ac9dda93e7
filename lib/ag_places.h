/* ag_places.h: the places file (kind "places", content/regions.json): parse and validate.
 *
 * The one parser of that file: `aulgate seed` (store/) writes what it returns into the database,
 * the content loader (sessions/) falls back on it when the database has no places.
 */
#ifndef AG_PLACES_H
#define AG_PLACES_H

#include <stddef.h>

struct json_t;

#define AG_PLACE_NAME_MAX 28 /* UTF-16 units of a name: one menu line */

/* One region or district of the file. Strings are borrowed from the parsed document. */
struct ag_place {
  const char *code;
  int is_region;
  const char *region_code; /* districts: the region's code, NULL when that code is bad */
  const char *kind;        /* regions: "region" or "city"; districts: "district" (the default
                            * when the file says nothing) or "city" (of regional significance) */
  const char *name[3];     /* kk, ru, en */
  int sort;                /* 10 * position in the file (of its region, for a district) */
};

struct ag_places {
  struct ag_place *regions, *districts; /* owned arrays, in file order */
  size_t n_regions, n_districts;
  int problems; /* reported so far */
};

/* Receives one problem, a line without the file name or a newline. */
typedef void (*ag_places_report)(void *arg, const char *problem);

/* Validates all of doc (borrowed; the strings of out point into it): missing translation,
 * duplicate code, bad kind, empty or too long name, unknown key... each problem goes to report.
 * Returns AG_OK, AG_ECONTENT (problems were reported) or AG_ENOMEM. out must be freed with
 * ag_places_free() whatever the result. */
int ag_places_parse(struct json_t *doc, ag_places_report report, void *arg,
                    struct ag_places *out /* OUT */);
void ag_places_free(struct ag_places *p);

#endif
