/* gw_pages.c: the page folders, read at start, and their replies. */
#include "gateway/pages/gw_pages.h"
#include "lib/ag.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct page_file {
  char name[GW_PAGES_NAME_MAX + 1];
  const char *type; /* static */
  char etag[20];    /* "16 hex digits", quotes included */
  char *data;       /* owned */
  size_t len;
};

struct gw_page {
  char path[GW_PAGES_NAME_MAX + 2]; /* "/NAME" */
  struct page_file files[GW_PAGES_FILES_MAX];
  size_t n_files;
};

struct gw_pages {
  struct gw_page pages[GW_PAGES_MAX];
  size_t n;
};

static const struct {
  const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".txt", "text/plain; charset=utf-8"},
    {".woff2", "font/woff2"},
};

const char *gw_pages_type(const char *name)
{
  size_t n = strlen(name);

  for (size_t i = 0; i < AG_ARRAY_LEN(types); i++) {
    size_t e = strlen(types[i].ext);
    if (n > e && strcmp(name + n - e, types[i].ext) == 0)
      return types[i].type;
  }
  return NULL;
}

/* [a-z0-9._-]{1,GW_PAGES_NAME_MAX}, not starting with '.': nothing to escape anywhere. */
static int name_ok(const char *s)
{
  size_t n = strlen(s);

  if (n == 0 || n > GW_PAGES_NAME_MAX || s[0] == '.')
    return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' ||
          *s == '-'))
      return 0;
  return 1;
}

static int cmp_names(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of dir, except . and .. (dotfiles included: the callers refuse or skip them),
 * sorted, in names[0..*n) (malloc()ed each). */
static int list_dir(const char *dir, char **names, size_t max, size_t *n, char *err, size_t errlen)
{
  DIR *d = opendir(dir);
  struct dirent *e;

  *n = 0;
  if (!d) {
    snprintf(err, errlen, "%s: %s", dir, strerror(errno));
    return errno == ENOENT ? AG_ENOTFOUND : AG_EIO;
  }
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 || e->d_name[0] == '.')
      continue; /* dotfiles (an editor's swap file) are not part of a page */
    if (*n == max) {
      snprintf(err, errlen, "%s: more than %zu entries", dir, max);
      closedir(d);
      return AG_ECONFIG;
    }
    names[*n] = strdup(e->d_name);
    if (!names[(*n)++]) {
      closedir(d);
      return AG_ENOMEM;
    }
  }
  closedir(d);
  qsort(names, *n, sizeof(*names), cmp_names);
  return AG_OK;
}

static int read_file(const char *path, struct page_file *f, char *err, size_t errlen)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  unsigned long long h = 1469598103934665603ULL; /* FNV-1a: an ETag needs no secrecy */

  if (fd < 0 || fstat(fd, &st) != 0) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    if (fd >= 0)
      close(fd);
    return AG_EIO;
  }
  if (!S_ISREG(st.st_mode) || st.st_size > GW_PAGES_FILE_MAX) {
    snprintf(err, errlen, "%s: not a regular file of at most %d bytes", path, GW_PAGES_FILE_MAX);
    close(fd);
    return AG_ECONFIG;
  }
  f->data = malloc((size_t)st.st_size + 1);
  if (!f->data) {
    close(fd);
    return AG_ENOMEM;
  }
  while (f->len < (size_t)st.st_size) {
    ssize_t r = read(fd, f->data + f->len, (size_t)st.st_size - f->len);
    if (r <= 0) {
      snprintf(err, errlen, "%s: %s", path, r < 0 ? strerror(errno) : "shorter than its size");
      close(fd);
      return AG_EIO;
    }
    f->len += (size_t)r;
  }
  close(fd);
  for (size_t i = 0; i < f->len; i++)
    h = (h ^ (unsigned char)f->data[i]) * 1099511628211ULL;
  snprintf(f->etag, sizeof(f->etag), "\"%016llx\"", h);
  return AG_OK;
}

static int load_page(const char *dir, const char *name, struct gw_page *pg, char *err,
                     size_t errlen)
{
  char *names[GW_PAGES_FILES_MAX + 1], path[4096];
  size_t n = 0;
  int rc;

  snprintf(pg->path, sizeof(pg->path), "/%s", name);
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  rc = list_dir(path, names, GW_PAGES_FILES_MAX, &n, err, errlen);
  for (size_t i = 0; i < n && rc == AG_OK; i++) {
    struct page_file *f = &pg->files[pg->n_files];
    f->type = gw_pages_type(names[i]);
    if (!name_ok(names[i]) || !f->type) {
      snprintf(err, errlen,
               "%s/%s/%s: a page's file needs a name of a-z 0-9 . _ - and a known extension "
               "(.html .css .js .json .svg .png .ico .txt .woff2)",
               dir, name, names[i]);
      rc = AG_ECONFIG;
      break;
    }
    snprintf(f->name, sizeof(f->name), "%s", names[i]);
    snprintf(path, sizeof(path), "%s/%s/%s", dir, name, names[i]);
    rc = read_file(path, f, err, errlen);
    pg->n_files++; /* its data (if any) is freed with the page */
  }
  for (size_t i = 0; i < n; i++)
    free(names[i]);
  return rc;
}

int gw_pages_load(const char *dir, struct gw_pages **out, char *err, size_t errlen)
{
  static const char *const reserved[] = {"api", "metrics", "healthz"};
  char *names[GW_PAGES_MAX + 1], path[4096];
  struct stat st;
  size_t n = 0;
  struct gw_pages *p;
  int rc;

  *out = NULL;
  rc = list_dir(dir, names, GW_PAGES_MAX, &n, err, errlen);
  if (rc)
    return rc;
  p = calloc(1, sizeof(*p));
  if (!p)
    rc = AG_ENOMEM;
  for (size_t i = 0; i < n && rc == AG_OK; i++) {
    int bad = !name_ok(names[i]) || strchr(names[i], '.');
    for (size_t k = 0; k < AG_ARRAY_LEN(reserved); k++)
      bad |= strcmp(names[i], reserved[k]) == 0;
    if (bad) {
      snprintf(err, errlen,
               "%s/%s: a page folder needs a name of a-z 0-9 _ - other than api, metrics, healthz",
               dir, names[i]);
      rc = AG_ECONFIG;
      break;
    }
    snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) { /* a stray index.html is noticed */
      snprintf(err, errlen, "%s: not a folder (every entry of pages_dir is a page's folder)", path);
      rc = AG_ECONFIG;
      break;
    }
    rc = load_page(dir, names[i], &p->pages[p->n++], err, errlen);
  }
  for (size_t i = 0; i < n; i++)
    free(names[i]);
  if (rc) {
    gw_pages_free(p);
    return rc;
  }
  *out = p;
  return AG_OK;
}

void gw_pages_free(struct gw_pages *p)
{
  if (!p)
    return;
  for (size_t i = 0; i < p->n; i++)
    for (size_t k = 0; k < p->pages[i].n_files; k++)
      free(p->pages[i].files[k].data);
  free(p);
}

size_t gw_pages_count(const struct gw_pages *p)
{
  return p ? p->n : 0;
}

const char *gw_pages_path(const struct gw_pages *p, size_t i)
{
  return p->pages[i].path;
}

struct gw_page *gw_pages_page(struct gw_pages *p, size_t i)
{
  return &p->pages[i];
}

size_t gw_pages_files(const struct gw_pages *p, size_t i)
{
  return p->pages[i].n_files;
}

/* The headers every page reply carries, the refusals' too. */
static int strict_headers(struct gw_req *req)
{
  int rc = gw_req_add_header(req, "Content-Security-Policy", GW_PAGES_CSP);

  if (!rc)
    rc = gw_req_add_header(req, "X-Content-Type-Options", "nosniff");
  if (!rc)
    rc = gw_req_add_header(req, "Referrer-Policy", "no-referrer");
  if (!rc) /* frame-ancestors' forerunner, for browsers that predate it */
    rc = gw_req_add_header(req, "X-Frame-Options", "DENY");
  return rc;
}

/* 1 when an If-None-Match list names etag (or is "*"). */
static int etag_matches(const char *inm, const char *etag)
{
  size_t n = strlen(etag);

  for (const char *s = inm; s && *s;) {
    while (*s == ' ' || *s == ',')
      s++;
    if (strncmp(s, "W/", 2) == 0) /* a weak comparison is what 304 asks for (RFC 9110 13.1.2) */
      s += 2;
    if (*s == '*' || (strncmp(s, etag, n) == 0 && (s[n] == '\0' || s[n] == ',' || s[n] == ' ')))
      return 1;
    s = strchr(s, ',');
  }
  return 0;
}

int gw_pages_serve(void *ctx, struct gw_req *req)
{
  struct gw_page *pg = ctx;
  const char *rest = gw_req_path(req) + strlen(pg->path), *want;
  const struct page_file *f = NULL;
  char location[GW_PAGES_NAME_MAX + 3];

  if (strict_headers(req))
    return gw_req_reply(req, 500, "text/plain; charset=utf-8", "out of memory\n", 14,
                        GW_BODY_STATIC);
  if (*rest == '\0') { /* /ops: the page's relative links need the slash */
    snprintf(location, sizeof(location), "%s/", pg->path);
    gw_req_add_header(req, "Location", location);
    return gw_req_reply(req, 301, "text/plain; charset=utf-8", "moved to the page's folder\n", 27,
                        GW_BODY_STATIC);
  }
  want = rest[1] ? rest + 1 : "index.html"; /* rest starts with '/': the route is a prefix */
  for (size_t i = 0; i < pg->n_files && !strchr(want, '/'); i++)
    if (strcmp(pg->files[i].name, want) == 0)
      f = &pg->files[i];
  if (!f) {
    gw_req_add_header(req, "Cache-Control", "no-store");
    return gw_req_reply(req, 404, "text/plain; charset=utf-8", "not found\n", 10, GW_BODY_STATIC);
  }
  gw_req_add_header(req, "ETag", f->etag);
  gw_req_add_header(req, "Cache-Control", "no-cache");
  if (etag_matches(gw_req_header(req, "If-None-Match"), f->etag))
    return gw_req_reply(req, 304, f->type, "", 0, GW_BODY_STATIC);
  /* The bytes live as long as the pages, which outlive the server. */
  return gw_req_reply(req, 200, f->type, f->data, f->len, GW_BODY_STATIC);
}
