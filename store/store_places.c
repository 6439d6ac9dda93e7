/* store_places.c: `aulgate seed` (content/regions.json into the regions and districts tables),
 * and the read of those tables: synchronous at the gateway's start, asynchronous on SIGHUP.
 *
 * The seed file is validated as a whole before the database is touched, every problem reported
 * with the entry it is in, and then upserted in one transaction that never deletes: districts a
 * department added by SQL stay, and seeding the same file twice writes nothing. Menu order is
 * the order of the file: the n-th region, and the n-th district of a region, get sort 10 * n.
 */
#include "store/store.h"
#include "store/store-internal.h"
#include "lib/ag.h"
#include "lib/ag_places.h"
#include "lib/ag_loop.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#define PLACES_LOCK_KEY "7242050502" /* one seeder at a time; next to store_migrate's key */

_Static_assert(STORE_PLACE_NAME_MAX == AG_PLACE_NAME_MAX, "one menu line for a place name");

struct seed {
  const char *path;      /* borrowed */
  FILE *log;             /* borrowed */
  json_t *doc;           /* owned: holds every string of places */
  struct ag_places file; /* owned arrays */
};

static void report(void *arg, const char *problem)
{
  const struct seed *s = arg;

  fprintf(s->log, "aulgate: %s: %s\n", s->path, problem);
}

/* Parses and validates the whole file; every problem goes to the log. Returns AG_OK, AG_EIO
 * (unreadable or not JSON), AG_ECONTENT (problems reported) or AG_ENOMEM. */
static int seed_parse(struct seed *s)
{
  json_error_t jerr;

  s->doc = json_load_file(s->path, JSON_REJECT_DUPLICATES, &jerr);
  if (!s->doc) {
    if (jerr.line < 1) /* not a syntax error: the file could not be read */
      fprintf(s->log, "aulgate: %s\n", jerr.text);
    else
      fprintf(s->log, "aulgate: %s:%d:%d: %s\n", s->path, jerr.line, jerr.column, jerr.text);
    return AG_EIO;
  }
  return ag_places_parse(s->doc, report, s, &s->file);
}

static void seed_cleanup(struct seed *s)
{
  ag_places_free(&s->file);
  json_decref(s->doc);
}

/* Copies the file into two temporary tables, so that the checks and upserts below are a few
 * set-based statements instead of a round trip and a decision per row. */
static int stage(PGconn *c, const struct seed *s)
{
  static const char *const create[] = {
      "CREATE TEMP TABLE seed_regions (code text, kind text, name_kk text, name_ru text,"
      " name_en text, sort integer) ON COMMIT DROP",
      "CREATE TEMP TABLE seed_districts (code text, region_code text, name_kk text,"
      " name_ru text, name_en text, sort integer, kind text) ON COMMIT DROP",
  };
  int rc = AG_OK;

  for (size_t i = 0; i < AG_ARRAY_LEN(create) && rc == AG_OK; i++)
    rc = store__exec(c, create[i], s->log, "creating the staging tables");
  for (size_t i = 0; i < s->file.n_regions + s->file.n_districts && rc == AG_OK; i++) {
    int is_region = i < s->file.n_regions;
    const struct ag_place *p =
        is_region ? &s->file.regions[i] : &s->file.districts[i - s->file.n_regions];
    char sort[16];
    const char *params[7] = {
        p->code, is_region ? p->kind : p->region_code, p->name[0], p->name[1], p->name[2], sort,
        p->kind};
    PGresult *r;

    snprintf(sort, sizeof(sort), "%d", p->sort);
    r = PQexecParams(c,
                     is_region ? "INSERT INTO seed_regions VALUES ($1, $2, $3, $4, $5, $6)"
                               : "INSERT INTO seed_districts VALUES ($1, $2, $3, $4, $5, $6, $7)",
                     is_region ? 6 : 7, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
      fprintf(s->log, "aulgate: staging '%s' failed: %s", p->code, PQresultErrorMessage(r));
      rc = AG_EDB;
    }
    PQclear(r);
  }
  return rc;
}

/* A district the database files under another region than the file does is refused rather than
 * moved: answers already recorded name it by code, so a district that moves gets a new code. */
static int moved_check(PGconn *c, FILE *log)
{
  PGresult *r = PQexec(c, "SELECT s.code, d.region_code, s.region_code FROM seed_districts s"
                          " JOIN districts d USING (code)"
                          " WHERE d.region_code <> s.region_code ORDER BY s.code");
  int rc = AG_OK;

  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    fprintf(log, "aulgate: checking district regions failed: %s", PQresultErrorMessage(r));
    PQclear(r);
    return AG_EDB;
  }
  for (int i = 0; i < PQntuples(r); i++) {
    fprintf(log,
            "aulgate: district '%s' is in region '%s' in the database but in region '%s' in the "
            "file; nothing was written. Hint: a code names one place for good: give the moved "
            "district a new code, or move it with SQL\n",
            PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
    rc = AG_ESTATE;
  }
  PQclear(r);
  return rc;
}

/* Upserts one staged table. Rows whose values did not change are not updated at all (the WHERE
 * of DO UPDATE), so a re-seed writes no new row versions; xmax = 0 on a returned row means it
 * was inserted, not updated (PostgreSQL sets xmax on the row an ON CONFLICT update replaced). */
static int upsert(PGconn *c, const char *sql, const char *what, long out[3], FILE *log)
{
  PGresult *r = PQexec(c, sql);

  if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
    fprintf(log, "aulgate: writing %s failed: %s", what, PQresultErrorMessage(r));
    PQclear(r);
    return AG_EDB;
  }
  for (int i = 0; i < 3; i++)
    out[i] = atol(PQgetvalue(r, 0, i));
  PQclear(r);
  return AG_OK;
}

static const char upsert_regions[] =
    "WITH up AS ("
    " INSERT INTO regions AS t (code, kind, name_kk, name_ru, name_en, sort)"
    " SELECT code, kind, name_kk, name_ru, name_en, sort FROM seed_regions"
    " ON CONFLICT (code) DO UPDATE SET kind = excluded.kind, name_kk = excluded.name_kk,"
    " name_ru = excluded.name_ru, name_en = excluded.name_en, sort = excluded.sort"
    " WHERE (t.kind, t.name_kk, t.name_ru, t.name_en, t.sort)"
    " IS DISTINCT FROM (excluded.kind, excluded.name_kk, excluded.name_ru, excluded.name_en,"
    " excluded.sort)"
    " RETURNING xmax = 0 AS inserted)"
    " SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted),"
    " (SELECT count(*) FROM regions WHERE code NOT IN (SELECT code FROM seed_regions))"
    " FROM up";

static const char upsert_districts[] =
    "WITH up AS ("
    " INSERT INTO districts AS t (code, region_code, name_kk, name_ru, name_en, sort, kind)"
    " SELECT code, region_code, name_kk, name_ru, name_en, sort, kind FROM seed_districts"
    " ON CONFLICT (code) DO UPDATE SET name_kk = excluded.name_kk,"
    " name_ru = excluded.name_ru, name_en = excluded.name_en, sort = excluded.sort,"
    " kind = excluded.kind"
    " WHERE (t.name_kk, t.name_ru, t.name_en, t.sort, t.kind)"
    " IS DISTINCT FROM (excluded.name_kk, excluded.name_ru, excluded.name_en, excluded.sort,"
    " excluded.kind)"
    " RETURNING xmax = 0 AS inserted)"
    " SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted),"
    " (SELECT count(*) FROM districts WHERE code NOT IN (SELECT code FROM seed_districts))"
    " FROM up";

static int seed_write(PGconn *c, const struct seed *s)
{
  long reg[3], dis[3]; /* inserted, updated, only in the database */
  int rc;

  rc = store__exec(c, "BEGIN", s->log, "BEGIN");
  if (rc)
    return rc;
  /* Two seeders at once would each see the other's rows as conflicts mid-way; take turns. */
  rc = store__exec(c, "SELECT pg_advisory_xact_lock(" PLACES_LOCK_KEY ")", s->log, "locking");
  if (!rc)
    rc = stage(c, s);
  if (!rc)
    rc = moved_check(c, s->log);
  if (!rc)
    rc = upsert(c, upsert_regions, "regions", reg, s->log);
  if (!rc)
    rc = upsert(c, upsert_districts, "districts", dis, s->log);
  if (rc) {
    store__exec(c, "ROLLBACK", s->log, "ROLLBACK");
    return rc;
  }
  rc = store__exec(c, "COMMIT", s->log, "COMMIT");
  if (rc)
    return rc;
  fprintf(s->log,
          "aulgate: seeded %s: %zu regions (%ld new, %ld updated, %ld unchanged), %zu districts "
          "(%ld new, %ld updated, %ld unchanged); kept %ld regions and %ld districts that only "
          "the database has\n",
          s->path, s->file.n_regions, reg[0], reg[1], (long)s->file.n_regions - reg[0] - reg[1],
          s->file.n_districts, dis[0], dis[1], (long)s->file.n_districts - dis[0] - dis[1], reg[2],
          dis[2]);
  return AG_OK;
}

int store_places_seed(const char *conninfo, const char *path, FILE *log)
{
  struct seed s = {.path = path, .log = log};
  PGconn *c;
  int rc;

  rc = seed_parse(&s);
  if (rc) {
    if (rc == AG_ECONTENT)
      fprintf(log, "aulgate: %s: %d problem%s; nothing was written\n", path, s.file.problems,
              s.file.problems == 1 ? "" : "s");
    else if (rc == AG_ENOMEM)
      fprintf(log, "aulgate: %s: out of memory\n", path);
    seed_cleanup(&s);
    return rc;
  }
  c = PQconnectdb(conninfo);
  if (PQstatus(c) != CONNECTION_OK) {
    fprintf(log, "aulgate: cannot connect to the database: %s", PQerrorMessage(c));
    rc = AG_EDB;
  } else {
    rc = seed_write(c, &s);
  }
  PQfinish(c);
  seed_cleanup(&s);
  return rc;
}

/* err is one line for a log line; libpq messages may span several ("...refused\n\tIs the
 * server running...") and end with a newline. */
static void set_err(char *err, size_t errlen, const char *what, const char *msg)
{
  size_t n;

  if (!err || errlen == 0)
    return;
  snprintf(err, errlen, "%s: %s", what, msg);
  for (n = strlen(err); n > 0 && (err[n - 1] == '\n' || err[n - 1] == '\r');)
    err[--n] = '\0';
  for (char *p = err; *p; p++)
    if (*p == '\n' || *p == '\r' || *p == '\t')
      *p = ' ';
}

/* Regions, then districts by region, in one statement: one snapshot, so that a seed committing
 * meanwhile cannot pair its districts with the regions from before it. Columns: code,
 * region_code or NULL, kk, ru, en, sort, kind. */
static const char places_sql[] =
    "SELECT code, region_code, name_kk, name_ru, name_en, sort, kind FROM ("
    " SELECT 0 AS k, sort AS rs, code AS rc, 0 AS ds, '' AS dc, code, NULL::text AS region_code,"
    " name_kk, name_ru, name_en, sort, kind FROM regions"
    " UNION ALL SELECT 1, r.sort, r.code, d.sort, d.code, d.code, d.region_code, d.name_kk,"
    " d.name_ru, d.name_en, d.sort, d.kind FROM districts d JOIN regions r"
    " ON r.code = d.region_code) AS p ORDER BY k, rs, rc, ds, dc";

/* Calls row for each row of r (columns of places_sql). */
static int read_rows(const PGresult *r, store_place_fn row, void *arg)
{
  for (int i = 0; i < PQntuples(r); i++) {
    struct store_place p;
    int rc;

    p.code = PQgetvalue(r, i, 0);
    p.region_code = PQgetisnull(r, i, 1) ? NULL : PQgetvalue(r, i, 1);
    for (int l = 0; l < 3; l++)
      p.name[l] = PQgetvalue(r, i, 2 + l);
    p.sort = atoi(PQgetvalue(r, i, 5));
    p.kind = PQgetvalue(r, i, 6);
    rc = row(arg, &p);
    if (rc)
      return rc;
  }
  return AG_OK;
}

int store_places_read(const char *conninfo, int (*row)(void *arg, const struct store_place *p),
                      void *arg, char *err, size_t errlen)
{
  PGconn *c = PQconnectdb(conninfo);
  PGresult *r;
  int rc;

  if (PQstatus(c) != CONNECTION_OK) {
    set_err(err, errlen, "cannot connect to the database", PQerrorMessage(c));
    PQfinish(c);
    return AG_EDB;
  }
  r = PQexec(c, places_sql);
  /* Rows are delivered after the connection is closed: row() may take its time without holding
   * a backend open. */
  PQfinish(c);
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    set_err(err, errlen, "reading places failed", PQresultErrorMessage(r));
    PQclear(r);
    return AG_EDB;
  }
  rc = read_rows(r, row, arg);
  PQclear(r);
  return rc;
}

/* The asynchronous read: its own non-blocking connection, driven by the loop. */
struct store_places_fetch {
  PGconn *conn;           /* owned */
  struct ag_watch *io;    /* owned: on PQsocket(conn) */
  struct ag_timer *timer; /* owned: the deadline; also delivers a failure found at start */
  struct event_base *base;
  store_place_fn row;
  store_places_done_fn done;
  void *arg;
  int connected;
  PGresult *res; /* owned: the rows, once they came */
  char err[256];
  long timeout_ms;
};

/* Ends the fetch: closes the connection first, then delivers the rows (if rc is AG_OK) and the
 * result, and frees f. */
static void fetch_finish(struct store_places_fetch *f, int rc)
{
  ag_watch_destroy(f->io);
  ag_timer_destroy(f->timer);
  PQfinish(f->conn);
  if (rc == AG_OK && f->res)
    rc = read_rows(f->res, f->row, f->arg);
  else if (rc == AG_OK)
    rc = AG_EDB;
  PQclear(f->res);
  f->done(f->arg, rc, rc == AG_EDB || rc == AG_ECANCELED ? f->err : "");
  free(f);
}

static void fetch_fail(struct store_places_fetch *f, const char *what, const char *msg)
{
  set_err(f->err, sizeof(f->err), what, msg);
  fetch_finish(f, AG_EDB);
}

static int fetch_watch(struct store_places_fetch *f, unsigned what);

/* The query sent: collects its results until libpq's final NULL. */
static void fetch_read(struct store_places_fetch *f)
{
  PGresult *r;

  if (!PQconsumeInput(f->conn)) {
    fetch_fail(f, "reading places failed", PQerrorMessage(f->conn));
    return;
  }
  while (!PQisBusy(f->conn)) {
    r = PQgetResult(f->conn);
    if (!r) {
      fetch_finish(f, f->res ? AG_OK : AG_EDB);
      return;
    }
    if (PQresultStatus(r) == PGRES_TUPLES_OK && !f->res) {
      f->res = r;
      continue;
    }
    set_err(f->err, sizeof(f->err), "reading places failed", PQresultErrorMessage(r));
    PQclear(r);
    PQclear(f->res);
    f->res = NULL;
  }
}

static void fetch_send(struct store_places_fetch *f)
{
  int r;

  f->connected = 1;
  if (PQsetnonblocking(f->conn, 1) != 0 || PQsendQuery(f->conn, places_sql) != 1) {
    fetch_fail(f, "reading places failed", PQerrorMessage(f->conn));
    return;
  }
  r = PQflush(f->conn);
  if (r < 0 || fetch_watch(f, r ? AG_WATCH_READ | AG_WATCH_WRITE : AG_WATCH_READ) != AG_OK)
    fetch_fail(f, "reading places failed", PQerrorMessage(f->conn));
}

static void fetch_io(void *arg, int fd, unsigned fired)
{
  struct store_places_fetch *f = arg;

  (void)fd;
  if (!f->connected) {
    switch (PQconnectPoll(f->conn)) {
    case PGRES_POLLING_READING:
      if (fetch_watch(f, AG_WATCH_READ) != AG_OK)
        fetch_fail(f, "cannot connect to the database", "cannot watch the socket");
      return;
    case PGRES_POLLING_WRITING:
      if (fetch_watch(f, AG_WATCH_WRITE) != AG_OK)
        fetch_fail(f, "cannot connect to the database", "cannot watch the socket");
      return;
    case PGRES_POLLING_OK:
      fetch_send(f);
      return;
    default:
      fetch_fail(f, "cannot connect to the database", PQerrorMessage(f->conn));
      return;
    }
  }
  if (fired & AG_WATCH_WRITE) {
    int r = PQflush(f->conn);
    if (r < 0 || fetch_watch(f, r ? AG_WATCH_READ | AG_WATCH_WRITE : AG_WATCH_READ) != AG_OK) {
      fetch_fail(f, "reading places failed", PQerrorMessage(f->conn));
      return;
    }
  }
  if (fired & AG_WATCH_READ)
    fetch_read(f);
}

/* libpq may change sockets while connecting (several hosts or addresses). */
static int fetch_watch(struct store_places_fetch *f, unsigned what)
{
  return ag_watch_ensure(&f->io, f->base, PQsocket(f->conn), what, fetch_io, f);
}

static void fetch_timeout(void *arg)
{
  struct store_places_fetch *f = arg;

  if (!f->err[0])
    snprintf(f->err, sizeof(f->err), "reading places failed: no answer within %ld ms",
             f->timeout_ms);
  fetch_finish(f, AG_EDB);
}

int store_places_fetch(struct event_base *base, const char *conninfo, long timeout_ms,
                       store_place_fn row, store_places_done_fn done, void *arg,
                       struct store_places_fetch **out)
{
  const char *keys[] = {"dbname", "application_name", NULL};
  const char *vals[] = {conninfo, "aulgate-places", NULL};
  struct store_places_fetch *f = calloc(1, sizeof(*f));

  if (!f)
    return AG_ENOMEM;
  *f = (struct store_places_fetch){
      .base = base, .row = row, .done = done, .arg = arg, .timeout_ms = timeout_ms};
  f->timer = ag_timer_create(base, fetch_timeout, f);
  f->conn = PQconnectStartParams(keys, vals, 1);
  if (!f->timer || !f->conn) {
    ag_timer_destroy(f->timer);
    PQfinish(f->conn);
    free(f);
    return AG_ENOMEM;
  }
  /* A failure found now is delivered from the loop, as the async contract wants. */
  if (PQstatus(f->conn) == CONNECTION_BAD || fetch_watch(f, AG_WATCH_WRITE) != AG_OK) {
    set_err(f->err, sizeof(f->err), "cannot connect to the database", PQerrorMessage(f->conn));
    timeout_ms = 0;
  }
  ag_timer_start(f->timer, timeout_ms);
  *out = f;
  return AG_OK;
}

void store_places_fetch_cancel(struct store_places_fetch *f)
{
  snprintf(f->err, sizeof(f->err), "canceled");
  fetch_finish(f, AG_ECANCELED);
}
