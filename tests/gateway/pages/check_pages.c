/* check_pages.c: gw_pages_load() on folders the test writes: what is served, in which order,
 * with which content type, and every folder or file refused at start (with the reason). The
 * replies themselves are checked over HTTP by it_console. */
#include "gateway/pages/gw_pages.h"
#include "lib/ag.h"
#include "tests/support/ag_check.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[64];

static void put(const char *rel, const char *text)
{
  char path[256];
  FILE *f;

  snprintf(path, sizeof(path), "%s/%s", root, rel);
  f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
}

static void dir(const char *rel)
{
  char path[256];

  snprintf(path, sizeof(path), "%s/%s", root, rel);
  ck_assert_int_eq(mkdir(path, 0755), 0);
}

static void setup(void)
{
  snprintf(root, sizeof(root), "/tmp/aulgate-pages-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(root));
}

static void teardown(void)
{
  char cmd[128];

  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
  ck_assert_int_eq(system(cmd), 0);
}

START_TEST(types)
{
  ck_assert_str_eq(gw_pages_type("index.html"), "text/html; charset=utf-8");
  ck_assert_str_eq(gw_pages_type("ops.js"), "text/javascript; charset=utf-8");
  ck_assert_str_eq(gw_pages_type("a.b.css"), "text/css; charset=utf-8");
  ck_assert_str_eq(gw_pages_type("icon.svg"), "image/svg+xml");
  ck_assert_ptr_null(gw_pages_type("script.sh"));
  ck_assert_ptr_null(gw_pages_type(".js")); /* an extension alone is no name */
  ck_assert_ptr_null(gw_pages_type("page.HTML"));
  ck_assert_ptr_null(gw_pages_type("index.html~"));
}
END_TEST

START_TEST(loads_folders)
{
  struct gw_pages *p;
  char err[512];

  dir("ops");
  dir("common");
  put("ops/index.html", "<!doctype html>");
  put("ops/ops.js", "'use strict';");
  put("ops/.index.html.swp", "an editor's"); /* dotfiles are not part of a page */
  put("common/ag.css", "body{}");
  ck_assert_int_eq(gw_pages_load(root, &p, err, sizeof(err)), AG_OK);
  ck_assert_uint_eq(gw_pages_count(p), 2);
  ck_assert_str_eq(gw_pages_path(p, 0), "/common"); /* by name */
  ck_assert_str_eq(gw_pages_path(p, 1), "/ops");
  ck_assert_uint_eq(gw_pages_files(p, 0), 1);
  ck_assert_uint_eq(gw_pages_files(p, 1), 2);
  ck_assert_ptr_nonnull(gw_pages_page(p, 1));
  gw_pages_free(p);
}
END_TEST

START_TEST(missing_folder)
{
  struct gw_pages *p = (struct gw_pages *)1;
  char err[512], path[128];

  snprintf(path, sizeof(path), "%s/nope", root);
  ck_assert_int_eq(gw_pages_load(path, &p, err, sizeof(err)), AG_ENOTFOUND);
  ck_assert_ptr_null(p);
  ck_assert_uint_eq(gw_pages_count(NULL), 0);
  gw_pages_free(NULL);
}
END_TEST

/* One broken thing in an otherwise good folder: the whole load is refused, naming it. */
static void refused(const char *what, void (*make)(void), const char *needle)
{
  struct gw_pages *p = (struct gw_pages *)1;
  char err[512] = "";

  setup();
  dir("ops");
  put("ops/index.html", "<!doctype html>");
  make();
  ck_assert_msg(gw_pages_load(root, &p, err, sizeof(err)) == AG_ECONFIG, "%s: loaded", what);
  ck_assert_ptr_null(p);
  ck_assert_msg(strstr(err, needle) != NULL, "%s: '%s' lacks '%s'", what, err, needle);
  teardown();
}

static void bad_ext(void)
{
  put("ops/run.sh", "#!/bin/sh");
}
static void upper_name(void)
{
  put("ops/Index.js", "");
}
static void reserved(void)
{
  dir("api");
}
static void dotted_folder(void)
{
  dir("o.ps");
}
static void subfolder(void)
{
  dir("ops/img");
}
static void plain_file(void)
{
  put("notes.txt", "a file beside the folders");
}
static void too_many(void)
{
  for (int i = 0; i <= GW_PAGES_FILES_MAX; i++) {
    char name[32];
    snprintf(name, sizeof(name), "ops/f%02d.js", i);
    put(name, "");
  }
}
static void too_big(void)
{
  char *big = malloc(GW_PAGES_FILE_MAX + 2);
  ck_assert_ptr_nonnull(big);
  memset(big, 'x', GW_PAGES_FILE_MAX + 1);
  big[GW_PAGES_FILE_MAX + 1] = '\0';
  put("ops/big.js", big);
  free(big);
}

START_TEST(refuses)
{
  refused("unknown extension", bad_ext, "ops/run.sh");
  refused("upper case", upper_name, "Index.js");
  refused("reserved name", reserved, "/api");
  refused("dot in a folder's name", dotted_folder, "o.ps");
  refused("a folder in a page", subfolder, "ops/img");
  refused("a file among the folders", plain_file, "notes.txt");
  refused("too many files", too_many, "more than 32");
  refused("too big a file", too_big, "big.js");
}
END_TEST

static Suite *pages_suite(void)
{
  Suite *s = suite_create("pages");
  TCase *tc = tcase_create("load");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, types);
  tcase_add_test(tc, loads_folders);
  tcase_add_test(tc, missing_folder);
  suite_add_tcase(s, tc);
  tc = tcase_create("refuse");
  tcase_add_test(tc, refuses);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(pages_suite)
