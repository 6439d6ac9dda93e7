/* it_places.c: `aulgate seed` and store_places_read() against a throw-away database of the
 * private cluster, plus checks of the shipped content/regions.json that need no database. */
#include "tests/it/it_harness.h"
#include "tests/support/ag_check.h"
#include "lib/ag.h"
#include "store/store.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SOURCE_DIR
#error "SOURCE_DIR must name the repository"
#endif

static struct it_tmpdb tmp; /* the throw-away database of the running test */
static PGconn *admin, *db;
static pid_t runner; /* the test runner; each test runs in a child it forks */

static const char *root(void)
{
  const char *r = getenv("AULGATE_ROOT");
  return r && *r ? r : SOURCE_DIR;
}

static void shipped_path(char *out, size_t len)
{
  snprintf(out, len, "%s/content/regions.json", root());
}

static void write_fixture(const char *name, const char *json)
{
  ck_assert_int_eq(it_tmpdb_write(&tmp, name, json), 0);
}

/* Runs `aulgate <args>` with AULGATE_DB pointing at the test database; returns the exit status
 * and the output (stdout and stderr) in out. */
static int run(const char *args, char *out, size_t outlen)
{
  char cmd[4096];
  FILE *p;
  size_t n;
  int status;

  snprintf(cmd, sizeof(cmd), "cd '%s' && AULGATE_DB='%s' '%s' %s -c /dev/null 2>&1", tmp.dir,
           tmp.conninfo, AULGATE_BIN, args);
  p = popen(cmd, "r");
  ck_assert_ptr_nonnull(p);
  n = fread(out, 1, outlen - 1, p);
  out[n] = '\0';
  status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Seeds path (relative to the temp folder, or absolute); returns the exit status. */
static int seed(const char *path, char *out, size_t outlen)
{
  char args[1024];

  snprintf(args, sizeof(args), "seed -f '%s'", path);
  return run(args, out, outlen);
}

static void exec(const char *sql)
{
  PGresult *r = PQexec(db, sql);
  ExecStatusType st = PQresultStatus(r);

  ck_assert_msg(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "%s: %s", sql,
                PQresultErrorMessage(r));
  PQclear(r);
}

static long count(const char *sql)
{
  return it_count(db, sql);
}

/* The first column of the first row as a new string (free() it). */
static char *text(const char *sql)
{
  PGresult *r = PQexec(db, sql);
  char *v;

  ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1, "%s: %s", sql,
                PQresultErrorMessage(r));
  v = strdup(PQgetvalue(r, 0, 0));
  PQclear(r);
  ck_assert_ptr_nonnull(v);
  return v;
}

/* Every row of both tables with its xmin: equal snapshots mean not a single row was written. */
static char *snapshot(void)
{
  return text(
      "SELECT coalesce(string_agg(s, '|' ORDER BY s), '') FROM ("
      " SELECT concat_ws(',', 'r', code, kind, name_kk, name_ru, name_en, sort, xmin) s"
      " FROM regions UNION ALL"
      " SELECT concat_ws(',', 'd', code, region_code, name_kk, name_ru, name_en, sort, xmin)"
      " FROM districts) t");
}

static void setup(void)
{
  char args[1024], out[4096], name[64];

  snprintf(name, sizeof(name), "aulgate_it_places_%d_%d", (int)runner, (int)getpid());
  ck_assert_int_eq(it_tmpdb_create(&tmp, name), 0);
  db = tmp.db;
  admin = tmp.admin;
  snprintf(args, sizeof(args), "migrate -d '%s/sql/migrations'", root());
  ck_assert_msg(run(args, out, sizeof(out)) == 0, "%s", out);
}

static void teardown(void)
{
  it_tmpdb_drop(&tmp);
}

/* A small valid file: two regions, the first with two districts. */
static const char base_json[] =
    "{\"kind\": \"places\", \"version\": 1, \"draft_languages\": [\"kk\", \"ru\"], \"regions\": [\n"
    " {\"code\": \"r1\", \"kind\": \"region\", \"name\": {\"kk\": \"Бір\", \"ru\": \"Один\","
    " \"en\": \"One\"}, \"districts\": [\n"
    "  {\"code\": \"r1-a\", \"name\": {\"kk\": \"А\", \"ru\": \"А\", \"en\": \"A\"}},\n"
    "  {\"code\": \"r1-b\", \"name\": {\"kk\": \"Б\", \"ru\": \"Б\", \"en\": \"B\"}}]},\n"
    " {\"code\": \"r2\", \"kind\": \"city\", \"name\": {\"kk\": \"Екі\", \"ru\": \"Два\","
    " \"en\": \"Two\"}, \"districts\": [\n"
    "  {\"code\": \"r2-a\", \"name\": {\"kk\": \"А\", \"ru\": \"А\", \"en\": \"A\"}}]}]}\n";

START_TEST(test_places_shipped_file_loads)
{
  char out[4096], path[512];

  shipped_path(path, sizeof(path));
  ck_assert_msg(seed(path, out, sizeof(out)) == 0, "%s", out);
  ck_assert_int_eq(count("SELECT count(*) FROM regions"), 20);
  ck_assert_int_eq(count("SELECT count(*) FROM regions WHERE kind = 'region'"), 17);
  ck_assert_int_eq(count("SELECT count(*) FROM regions WHERE kind = 'city'"), 3);
  ck_assert_int_eq(count("SELECT count(*) FROM regions r WHERE NOT EXISTS"
                         " (SELECT 1 FROM districts d WHERE d.region_code = r.code)"),
                   0);
  ck_assert_int_ge(count("SELECT count(*) FROM districts"), 200);
  ck_assert_int_eq(count("SELECT count(*) FROM districts WHERE code = 'aktobe-aktobe-city'"
                         " AND region_code = 'aktobe' AND name_en = 'Aktobe city'"),
                   1);
  ck_assert_ptr_nonnull(strstr(out, "20 regions (20 new, 0 updated, 0 unchanged)"));
}
END_TEST

/* The shipped schools (issue 11): Aktobe city's urban, the rural districts' rural; seeding twice
 * writes nothing; a school added by SQL stays; a bad file writes nothing. */
START_TEST(test_schools_seed)
{
  char out[8192], path[512], *before, *after;
  const char *snap = "SELECT string_agg(concat_ws(',', id, number, name, settlement, xmin), '|'"
                     " ORDER BY id) FROM schools";

  shipped_path(path, sizeof(path));
  ck_assert_msg(seed(path, out, sizeof(out)) == 0, "%s", out);
  snprintf(path, sizeof(path), "%s/sql/seed/schools.json", root());
  ck_assert_msg(seed(path, out, sizeof(out)) == 0, "%s", out);
  ck_assert_int_eq(count("SELECT count(*) FROM schools WHERE district_code = 'aktobe-aktobe-city'"
                         " AND settlement = 'urban' AND region_code = 'aktobe'"),
                   60);
  ck_assert_int_eq(count("SELECT count(*) FROM schools WHERE region_code = 'aktobe'"
                         " AND district_code <> 'aktobe-aktobe-city' AND settlement <> 'rural'"),
                   0);
  ck_assert_int_ge(count("SELECT count(DISTINCT region_code) FROM schools"), 4);
  exec("INSERT INTO schools (region_code, district_code, number, name, settlement)"
       " VALUES ('aktobe', 'aktobe-alga', 99, 'Added by SQL', 'rural')");
  before = text(snap);
  ck_assert_msg(seed(path, out, sizeof(out)) == 0, "%s", out);
  ck_assert_msg(strstr(out, "(0 new, 0 updated, 194 unchanged)") != NULL, "%s", out);
  after = text(snap);
  ck_assert_str_eq(before, after);
  write_fixture("bad.json", "{\"kind\": \"schools\", \"schools\": ["
                            "{\"district\": \"aktobe-alga\", \"number\": 1, \"name\": \"X\","
                            " \"settlement\": \"urban\"},"
                            "{\"district\": \"nowhere\", \"number\": 2, \"name\": \"Y\","
                            " \"settlement\": \"rural\"}]}");
  ck_assert_int_ne(seed("bad.json", out, sizeof(out)), 0);
  ck_assert_msg(strstr(out, "unknown district 'nowhere'") != NULL, "%s", out);
  write_fixture("bad2.json", "{\"kind\": \"schools\", \"schools\": [{\"district\": \"aktobe-alga\","
                             " \"number\": 1, \"name\": \"X\", \"settlement\": \"town\"}]}");
  ck_assert_int_ne(seed("bad2.json", out, sizeof(out)), 0);
  ck_assert_msg(strstr(out, "settlement must be") != NULL, "%s", out);
  free(after);
  after = text(snap);
  ck_assert_str_eq(before, after);
  free(before);
  free(after);
}
END_TEST

START_TEST(test_places_seed_twice_changes_nothing)
{
  char out[4096], path[512], *before, *after;

  shipped_path(path, sizeof(path));
  ck_assert_msg(seed(path, out, sizeof(out)) == 0, "%s", out);
  before = snapshot();
  ck_assert_msg(seed(path, out, sizeof(out)) == 0, "%s", out);
  after = snapshot();
  ck_assert_str_eq(before, after);
  ck_assert_msg(strstr(out, "(0 new, 0 updated, 20 unchanged)") != NULL, "%s", out);
  ck_assert_msg(strstr(out, "0 new, 0 updated") != NULL, "%s", out);
  free(before);
  free(after);
}
END_TEST

START_TEST(test_places_sql_district_survives_reseed)
{
  char out[4096];

  write_fixture("base.json", base_json);
  ck_assert_msg(seed("base.json", out, sizeof(out)) == 0, "%s", out);
  /* What a regional department does: its own district and a region of its own. */
  exec("INSERT INTO districts VALUES ('r1-local', 'r1', 'Жергілікті', 'Местный', 'Local', 15)");
  exec("INSERT INTO regions VALUES ('r3', 'region', 'Үш', 'Три', 'Three', 30)");
  exec("INSERT INTO districts VALUES ('r3-a', 'r3', 'А', 'А', 'A', 10)");
  ck_assert_msg(seed("base.json", out, sizeof(out)) == 0, "%s", out);
  ck_assert_int_eq(count("SELECT count(*) FROM districts WHERE code IN ('r1-local', 'r3-a')"), 2);
  ck_assert_int_eq(count("SELECT count(*) FROM regions WHERE code = 'r3'"), 1);
  ck_assert_msg(strstr(out, "kept 1 regions and 2 districts") != NULL, "%s", out);
}
END_TEST

START_TEST(test_places_updated_names_are_updated)
{
  char out[4096], *v;

  write_fixture("base.json", base_json);
  ck_assert_msg(seed("base.json", out, sizeof(out)) == 0, "%s", out);
  /* r1-a renamed in English, r2 renamed in Russian and turned into a region, r1-b moved to the
   * front (sort), r1-c added. */
  write_fixture(
      "v2.json",
      "{\"kind\": \"places\", \"version\": 2, \"regions\": [\n"
      " {\"code\": \"r1\", \"kind\": \"region\", \"name\": {\"kk\": \"Бір\", \"ru\": \"Один\","
      " \"en\": \"One\"}, \"districts\": [\n"
      "  {\"code\": \"r1-b\", \"name\": {\"kk\": \"Б\", \"ru\": \"Б\", \"en\": \"B\"}},\n"
      "  {\"code\": \"r1-a\", \"name\": {\"kk\": \"А\", \"ru\": \"А\", \"en\": \"A renamed\"}},\n"
      "  {\"code\": \"r1-c\", \"name\": {\"kk\": \"В\", \"ru\": \"В\", \"en\": \"C\"}}]},\n"
      " {\"code\": \"r2\", \"kind\": \"region\", \"name\": {\"kk\": \"Екі\", \"ru\": \"Два!\","
      " \"en\": \"Two\"}, \"districts\": [\n"
      "  {\"code\": \"r2-a\", \"name\": {\"kk\": \"А\", \"ru\": \"А\", \"en\": \"A\"}}]}]}\n");
  ck_assert_msg(seed("v2.json", out, sizeof(out)) == 0, "%s", out);
  v = text("SELECT name_en FROM districts WHERE code = 'r1-a'");
  ck_assert_str_eq(v, "A renamed");
  free(v);
  v = text("SELECT name_ru || ' ' || kind FROM regions WHERE code = 'r2'");
  ck_assert_str_eq(v, "Два! region");
  free(v);
  v = text("SELECT string_agg(code, ' ' ORDER BY sort) FROM districts WHERE region_code = 'r1'");
  ck_assert_str_eq(v, "r1-b r1-a r1-c");
  free(v);
  ck_assert_msg(strstr(out, "2 regions (0 new, 1 updated, 1 unchanged)") != NULL, "%s", out);
  ck_assert_msg(strstr(out, "4 districts (1 new, 2 updated, 1 unchanged)") != NULL, "%s", out);
}
END_TEST

/* A broken file, what the message must say, and a valid new region ("r9") next to the broken
 * entry that must not be written either. */
static const struct {
  const char *what, *districts_r1, *kind_r2, *expect;
} broken[] = {
    {"missing translation", "{\"code\": \"r1-a\", \"name\": {\"kk\": \"А\", \"ru\": \"А\"}}",
     "city", "district 'r1-a' (region 'r1'): missing translation 'en'"},
    {"duplicate code",
     "{\"code\": \"r1-a\", \"name\": {\"kk\": \"А\", \"ru\": \"А\", \"en\": \"A\"}},"
     "{\"code\": \"r1-a\", \"name\": {\"kk\": \"Б\", \"ru\": \"Б\", \"en\": \"B\"}}",
     "city", "duplicate code 'r1-a'"},
    {"duplicate code across regions",
     "{\"code\": \"r2-a\", \"name\": {\"kk\": \"А\", \"ru\": \"А\", \"en\": \"A\"}}", "city",
     "duplicate code 'r2-a': a district of region 'r1' and a district of region 'r2'"},
    {"bad kind", "{\"code\": \"r1-a\", \"name\": {\"kk\": \"А\", \"ru\": \"А\", \"en\": \"A\"}}",
     "oblast", "region 'r2': bad kind \"oblast\""},
    {"empty name", "{\"code\": \"r1-a\", \"name\": {\"kk\": \" \", \"ru\": \"А\", \"en\": \"A\"}}",
     "city", "district 'r1-a' (region 'r1'): name 'kk' \" \" is empty"},
    {"name too long",
     "{\"code\": \"r1-a\", \"name\": {\"kk\": \"А\", \"ru\": \"А\","
     " \"en\": \"A name of twenty-nine units!!\"}}",
     "city", "district 'r1-a' (region 'r1'): name 'en' \"A name of twenty-nine units!!\" is 29"},
    {"line break in a name",
     "{\"code\": \"r1-a\", \"name\": {\"kk\": \"А\\nБ\", \"ru\": \"А\", \"en\": \"A\"}}", "city",
     "district 'r1-a' (region 'r1'): name 'kk'"},
    {"bad code", "{\"code\": \"R1 A\", \"name\": {\"kk\": \"А\", \"ru\": \"А\", \"en\": \"A\"}}",
     "city", "district 1 of region 'r1': code \"R1 A\" is not a lowercase ASCII slug"},
    {"unknown key", "{\"code\": \"r1-a\", \"nmae\": {\"kk\": \"А\", \"ru\": \"А\", \"en\": \"A\"}}",
     "city", "district 'r1-a' (region 'r1'): unknown key \"nmae\""},
    {"no districts", "", "city", "region 'r1': \"districts\" must be a non-empty list"},
    {"not JSON", "{\"code\": \"r1-a\",,}", "city", "broken.json:"},
};

START_TEST(test_places_broken_files_are_refused)
{
  char out[4096], json[2048], *before, *after;

  write_fixture("base.json", base_json);
  ck_assert_msg(seed("base.json", out, sizeof(out)) == 0, "%s", out);
  before = snapshot();
  snprintf(
      json, sizeof(json),
      "{\"kind\": \"places\", \"version\": 1, \"regions\": [\n"
      " {\"code\": \"r9\", \"kind\": \"region\", \"name\": {\"kk\": \"Тоғыз\", \"ru\": \"Девять\","
      " \"en\": \"Nine\"}, \"districts\": [\n"
      "  {\"code\": \"r9-a\", \"name\": {\"kk\": \"А\", \"ru\": \"А\", \"en\": \"A\"}}]},\n"
      " {\"code\": \"r1\", \"kind\": \"region\", \"name\": {\"kk\": \"Бір\", \"ru\": \"Один\","
      " \"en\": \"One\"}, \"districts\": [%s]},\n"
      " {\"code\": \"r2\", \"kind\": \"%s\", \"name\": {\"kk\": \"Екі\", \"ru\": \"Два\","
      " \"en\": \"Two\"}, \"districts\": [\n"
      "  {\"code\": \"r2-a\", \"name\": {\"kk\": \"А\", \"ru\": \"А\", \"en\": \"A\"}}]}]}\n",
      broken[_i].districts_r1, broken[_i].kind_r2);
  write_fixture("broken.json", json);
  ck_assert_msg(seed("broken.json", out, sizeof(out)) == 1, "%s: %s", broken[_i].what, out);
  ck_assert_msg(strstr(out, broken[_i].expect) != NULL, "%s: expected \"%s\" in:\n%s",
                broken[_i].what, broken[_i].expect, out);
  after = snapshot();
  ck_assert_str_eq(before, after);
  free(before);
  free(after);
}
END_TEST

START_TEST(test_places_moved_district_is_refused)
{
  char out[4096], *before, *after;

  write_fixture("base.json", base_json);
  ck_assert_msg(seed("base.json", out, sizeof(out)) == 0, "%s", out);
  before = snapshot();
  write_fixture(
      "moved.json",
      "{\"kind\": \"places\", \"version\": 1, \"regions\": [\n"
      " {\"code\": \"r1\", \"kind\": \"region\", \"name\": {\"kk\": \"Бір!\", \"ru\": \"Один\","
      " \"en\": \"One\"}, \"districts\": [\n"
      "  {\"code\": \"r1-b\", \"name\": {\"kk\": \"Б\", \"ru\": \"Б\", \"en\": \"B\"}}]},\n"
      " {\"code\": \"r2\", \"kind\": \"city\", \"name\": {\"kk\": \"Екі\", \"ru\": \"Два\","
      " \"en\": \"Two\"}, \"districts\": [\n"
      "  {\"code\": \"r1-a\", \"name\": {\"kk\": \"А\", \"ru\": \"А\", \"en\": \"A\"}}]}]}\n");
  ck_assert_int_eq(seed("moved.json", out, sizeof(out)), 1);
  ck_assert_msg(strstr(out, "district 'r1-a' is in region 'r1' in the database but in region "
                            "'r2' in the file") != NULL,
                "%s", out);
  after = snapshot();
  ck_assert_str_eq(before, after);
  free(before);
  free(after);
}
END_TEST

struct kinds {
  char rows[32][64];
  int n;
};

static int collect_kind(void *arg, const struct store_place *p)
{
  struct kinds *k = arg;

  if (k->n < 32)
    snprintf(k->rows[k->n++], sizeof(k->rows[0]), "%s=%s", p->code, p->kind ? p->kind : "?");
  return 0;
}

/* Survey version 4 skips the settlement question for a city: the seed stores which districts
 * are cities ("kind": "city" in the file, "district" by default and for a district added by
 * SQL), a re-seed updates it, and the read delivers it with every place. */
START_TEST(test_places_district_kind)
{
  static const char city_json[] =
      "{\"kind\": \"places\", \"version\": 2, \"regions\": [\n"
      " {\"code\": \"r1\", \"kind\": \"region\", \"name\": {\"kk\": \"Бір\", \"ru\": \"Один\","
      " \"en\": \"One\"}, \"districts\": [\n"
      "  {\"code\": \"r1-a\", \"name\": {\"kk\": \"А\", \"ru\": \"А\", \"en\": \"A\"}},\n"
      "  {\"code\": \"r1-b\", \"kind\": \"city\", \"name\": {\"kk\": \"Б\", \"ru\": \"Б\","
      " \"en\": \"B\"}}]},\n"
      " {\"code\": \"r2\", \"kind\": \"city\", \"name\": {\"kk\": \"Екі\", \"ru\": \"Два\","
      " \"en\": \"Two\"}, \"districts\": [\n"
      "  {\"code\": \"r2-a\", \"name\": {\"kk\": \"А\", \"ru\": \"А\", \"en\": \"A\"}}]}]}\n";
  static const char *const want[] = {"r1=region",     "r2=city",   "r1-a=district",
                                     "r1-x=district", "r1-b=city", "r2-a=district"};
  struct kinds k = {.n = 0};
  char out[4096], path[512], err[256] = "";

  shipped_path(path, sizeof(path));
  ck_assert_msg(seed(path, out, sizeof(out)) == 0, "%s", out);
  ck_assert_int_eq(count("SELECT count(*) FROM districts WHERE kind = 'city'"
                         " AND code = 'aktobe-aktobe-city'"),
                   1);
  ck_assert_int_eq(count("SELECT count(*) FROM districts WHERE kind = 'city'"
                         " AND code NOT LIKE '%-city'"),
                   0);
  ck_assert_int_ge(count("SELECT count(*) FROM districts WHERE kind = 'city'"), 30);
  exec("DELETE FROM districts");
  exec("DELETE FROM regions");
  write_fixture("base.json", base_json);
  ck_assert_msg(seed("base.json", out, sizeof(out)) == 0, "%s", out);
  ck_assert_int_eq(count("SELECT count(*) FROM districts WHERE kind = 'district'"), 3);
  write_fixture("city.json", city_json);
  ck_assert_msg(seed("city.json", out, sizeof(out)) == 0, "%s", out);
  ck_assert_msg(strstr(out, "3 districts (0 new, 1 updated, 2 unchanged)") != NULL, "%s", out);
  exec("INSERT INTO districts VALUES ('r1-x', 'r1', 'Х', 'Х', 'X', 15)");
  ck_assert_int_eq(store_places_read(tmp.conninfo, collect_kind, &k, err, sizeof(err)), AG_OK);
  ck_assert_int_eq(k.n, (int)AG_ARRAY_LEN(want));
  for (int i = 0; i < k.n; i++)
    ck_assert_str_eq(k.rows[i], want[i]);
}
END_TEST

struct collected {
  char rows[32][80];
  int n, stop_after;
};

static int collect(void *arg, const struct store_place *p)
{
  struct collected *c = arg;

  ck_assert_int_lt(c->n, 32);
  snprintf(c->rows[c->n++], sizeof(c->rows[0]), "%s/%s/%s/%s/%s/%d",
           p->region_code ? p->region_code : "-", p->code, p->name[0], p->name[1], p->name[2],
           p->sort);
  return c->n == c->stop_after ? 7 : 0;
}

START_TEST(test_places_read_orders_regions_then_districts)
{
  static const char *const want[] = {
      "-/r0/Нөл/Ноль/Zero/10", /* same sort as r1: code breaks the tie */
      "-/r1/Бір/Один/One/10",  "-/r2/Екі/Два/Two/20", "r0/r0-a/А/А/A/10",
      "r1/r1-a/А/А/A/10",      "r1/r1-x/Х/Х/X/15", /* added by SQL between r1-a and r1-b */
      "r1/r1-b/Б/Б/B/20",      "r2/r2-a/А/А/A/10",
  };
  struct collected c = {.n = 0, .stop_after = -1};
  char out[4096], err[256] = "";

  write_fixture("base.json", base_json);
  ck_assert_msg(seed("base.json", out, sizeof(out)) == 0, "%s", out);
  exec("INSERT INTO regions VALUES ('r0', 'region', 'Нөл', 'Ноль', 'Zero', 10)");
  exec("INSERT INTO districts VALUES ('r0-a', 'r0', 'А', 'А', 'A', 10)");
  exec("INSERT INTO districts VALUES ('r1-x', 'r1', 'Х', 'Х', 'X', 15)");
  ck_assert_int_eq(store_places_read(tmp.conninfo, collect, &c, err, sizeof(err)), AG_OK);
  ck_assert_int_eq(c.n, (int)AG_ARRAY_LEN(want));
  for (int i = 0; i < c.n; i++)
    ck_assert_str_eq(c.rows[i], want[i]);

  /* A non-zero return from row() stops the walk and is what store_places_read() returns. */
  c = (struct collected){.n = 0, .stop_after = 4};
  ck_assert_int_eq(store_places_read(tmp.conninfo, collect, &c, err, sizeof(err)), 7);
  ck_assert_int_eq(c.n, 4);

  /* No database: AG_EDB and a reason, row() never called. */
  c = (struct collected){.n = 0, .stop_after = -1};
  ck_assert_int_eq(store_places_read("host=127.0.0.1 port=1 connect_timeout=2 user=aulgate",
                                     collect, &c, err, sizeof(err)),
                   AG_EDB);
  ck_assert_int_eq(c.n, 0);
  ck_assert_ptr_nonnull(strstr(err, "cannot connect to the database"));
  ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

/* Unit level, no database: the shipped file. */

/* UTF-16 code units of UTF-8 text, decoded here independently of the seeder. */
static long utf16_len(const char *s)
{
  long n = 0;

  for (const unsigned char *p = (const unsigned char *)s; *p;) {
    int len = *p < 0x80 ? 1 : *p < 0xE0 ? 2 : *p < 0xF0 ? 3 : 4;
    n += len == 4 ? 2 : 1;
    while (len-- > 0 && *p)
      p++;
  }
  return n;
}

static void name_check(json_t *name, const char *code)
{
  static const char *const langs[] = {"kk", "ru", "en"};

  ck_assert_msg(json_is_object(name) && json_object_size(name) == 3, "%s: name", code);
  for (int l = 0; l < 3; l++) {
    const char *v = json_string_value(json_object_get(name, langs[l]));
    ck_assert_msg(v && *v, "%s: no %s name", code, langs[l]);
    ck_assert_msg(utf16_len(v) <= 28, "%s: %s name \"%s\" is %ld UTF-16 units", code, langs[l], v,
                  utf16_len(v));
  }
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

START_TEST(test_places_shipped_names_fit_and_codes_unique)
{
  /* domain.md: the 17 regions after the 2022 reform and the 3 cities of republican
   * significance. */
  static const char *const expected[] = {
      "abai",
      "akmola",
      "aktobe",
      "almaty-region",
      "atyrau",
      "east-kazakhstan",
      "jambyl",
      "jetisu",
      "karaganda",
      "kostanay",
      "kyzylorda",
      "mangystau",
      "north-kazakhstan",
      "pavlodar",
      "turkistan",
      "ulytau",
      "west-kazakhstan",
      "astana",
      "almaty-city",
      "shymkent",
  };
  const char *codes[1024];
  size_t n = 0, i, j, n_cities = 0;
  char path[512];
  json_error_t jerr;
  json_t *doc, *regions, *r, *d;

  shipped_path(path, sizeof(path));
  doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
  ck_assert_msg(doc != NULL, "%s:%d: %s", path, jerr.line, jerr.text);
  ck_assert_str_eq(json_string_value(json_object_get(doc, "kind")), "places");
  regions = json_object_get(doc, "regions");
  ck_assert_int_eq(json_array_size(regions), AG_ARRAY_LEN(expected));
  json_array_foreach(regions, i, r)
  {
    const char *code = json_string_value(json_object_get(r, "code"));
    const char *kind = json_string_value(json_object_get(r, "kind"));
    json_t *districts = json_object_get(r, "districts");

    ck_assert_str_eq(code, expected[i]);
    ck_assert_msg(kind && (strcmp(kind, "region") == 0 || strcmp(kind, "city") == 0), "%s", code);
    n_cities += strcmp(kind, "city") == 0;
    name_check(json_object_get(r, "name"), code);
    ck_assert_msg(json_array_size(districts) > 0, "%s has no districts", code);
    codes[n++] = code;
    json_array_foreach(districts, j, d)
    {
      const char *dc = json_string_value(json_object_get(d, "code"));
      ck_assert_ptr_nonnull(dc);
      ck_assert_msg(strncmp(dc, code, strlen(code)) == 0 && dc[strlen(code)] == '-',
                    "%s is not prefixed by its region %s", dc, code);
      name_check(json_object_get(d, "name"), dc);
      ck_assert_uint_lt(n, AG_ARRAY_LEN(codes));
      codes[n++] = dc;
    }
  }
  ck_assert_uint_eq(n_cities, 3);
  qsort(codes, n, sizeof(*codes), cmp_str);
  for (i = 1; i < n; i++)
    ck_assert_msg(strcmp(codes[i - 1], codes[i]) != 0, "duplicate code %s", codes[i]);
  json_decref(doc);
}
END_TEST

/* A failed assertion ends the test's child before teardown runs: drop the databases this run's
 * children left behind (and only those: another run may be using the cluster). */
static void drop_leftovers(void)
{
  char prefix[64], sql[160];
  const char *params[1] = {prefix};
  PGconn *c = it_db();
  PGresult *r;

  if (!c)
    return;
  snprintf(prefix, sizeof(prefix), "aulgate_it_places_%d_", (int)runner);
  r = PQexecParams(c, "SELECT datname FROM pg_database WHERE left(datname, length($1)) = $1", 1,
                   NULL, params, NULL, NULL, 0);
  for (int i = 0; PQresultStatus(r) == PGRES_TUPLES_OK && i < PQntuples(r); i++) {
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", PQgetvalue(r, i, 0));
    PQclear(PQexec(c, sql));
  }
  PQclear(r);
  PQfinish(c);
}

static Suite *it_places_suite(void)
{
  Suite *s = suite_create("it_places");
  TCase *tc = tcase_create("seed");
  TCase *shipped = tcase_create("shipped");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_places_shipped_file_loads);
  tcase_add_test(tc, test_places_seed_twice_changes_nothing);
  tcase_add_test(tc, test_schools_seed);
  tcase_add_test(tc, test_places_sql_district_survives_reseed);
  tcase_add_test(tc, test_places_updated_names_are_updated);
  tcase_add_loop_test(tc, test_places_broken_files_are_refused, 0, (int)AG_ARRAY_LEN(broken));
  tcase_add_test(tc, test_places_moved_district_is_refused);
  tcase_add_test(tc, test_places_read_orders_regions_then_districts);
  tcase_add_test(tc, test_places_district_kind);
  suite_add_tcase(s, tc);
  tcase_add_test(shipped, test_places_shipped_names_fit_and_codes_unique);
  suite_add_tcase(s, shipped);
  runner = getpid();
  return s;
}

int main(void)
{
  static const ag_check_suite_fn suites[] = {it_places_suite, NULL};
  int rc = ag_check_run(suites);

  drop_leftovers();
  return rc;
}
