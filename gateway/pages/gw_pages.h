/* gw_pages.h: static pages served by the gateway (the operators' console /ops/, later the
 * results and school pages). A page is a folder: every folder NAME of pages_dir is served under
 * /NAME/, its index.html at /NAME/ itself.
 *
 * The files are read once, at start, into memory: a page cannot change under a running process
 * (a deploy restarts it, as it does for the binary), nothing on the request path touches the
 * disk, and no request path is ever joined to a file name (only names read from the folder are
 * looked up, byte for byte). Each reply carries its content type by extension, an ETag of its
 * bytes (If-None-Match answers 304), Cache-Control: no-cache (revalidate every time: the names
 * are not fingerprinted), and the same strict headers: a Content-Security-Policy allowing this
 * origin only, with no inline script or style and no framing, X-Content-Type-Options: nosniff,
 * Referrer-Policy: no-referrer.
 */
#ifndef GW_PAGES_H
#define GW_PAGES_H

#include "gateway/http/gw_http.h"

#include <stddef.h>

#define GW_PAGES_MAX       8      /* folders served */
#define GW_PAGES_FILES_MAX 32     /* files per folder */
#define GW_PAGES_FILE_MAX  524288 /* bytes per file */
#define GW_PAGES_NAME_MAX  48 /* a folder's or file's name: [a-z0-9._-], not starting with '.' */

/* The policy every page reply carries (tests compare against it). */
#define GW_PAGES_CSP                                                                               \
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "                      \
  "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "                   \
  "frame-ancestors 'none'"

struct gw_pages;
struct gw_page; /* one folder: the ctx of its route */

/* Reads every page folder of dir. AG_OK with *out set (free with gw_pages_free()); AG_ENOTFOUND
 * when dir does not exist (*out NULL: no pages); AG_ECONFIG with a message in err for a folder
 * or file that cannot be served (a name outside the alphabet, an unknown extension, too many or
 * too big files, a reserved name: api, metrics, healthz, a plain file beside the folders);
 * AG_EIO, AG_ENOMEM. */
int gw_pages_load(const char *dir, struct gw_pages **out, char *err, size_t errlen);
void gw_pages_free(struct gw_pages *p);

size_t gw_pages_count(const struct gw_pages *p);
/* The i-th page (by name), for its route: its mount path ("/ops") and the route's ctx. */
const char *gw_pages_path(const struct gw_pages *p, size_t i);
struct gw_page *gw_pages_page(struct gw_pages *p, size_t i);
/* Files of the i-th page. */
size_t gw_pages_files(const struct gw_pages *p, size_t i);

/* The route handler (GET and HEAD, GW_MATCH_PREFIX on the mount path, ctx: the struct gw_page):
 * /NAME -> 301 to /NAME/; /NAME/ -> index.html; /NAME/FILE -> the file; anything else 404. */
int gw_pages_serve(void *ctx, struct gw_req *req);

/* The Content-Type served for a file name, by its extension; NULL for an extension not served.
 * Pure. */
const char *gw_pages_type(const char *name);

#endif
