/* store_migrate.c: `aulgate migrate`, the schema applied from numbered SQL files.
 *
 * Synchronous libpq: it runs before the server starts, alone. Files are named NNNN_name.sql and
 * applied in name order, each in its own transaction together with its row in
 * schema_migrations (name, sha256), so a file is either applied and recorded or neither. An
 * advisory lock keeps two migrators from racing. Editing an applied file is refused: the fix
 * for a shipped migration is a new migration.
 */
#include "store/store.h"
#include "store/store-internal.h"
#include "lib/ag.h"

#include <dirent.h>
#include <errno.h>
#include <libpq-fe.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define MIGRATE_LOCK_KEY "7242050501" /* arbitrary, constant: "AULGATE" on a keypad-ish */
#define MAX_MIGRATIONS   1000

struct migration {
  char name[128];
  char sha[65];
  char *sql; /* owned */
};

static int valid_name(const char *n)
{
  size_t len = strlen(n);

  if (len < 10 || len >= 128 || strcmp(n + len - 4, ".sql") != 0 || n[4] != '_')
    return 0;
  for (int i = 0; i < 4; i++)
    if (n[i] < '0' || n[i] > '9')
      return 0;
  for (size_t i = 5; i < len - 4; i++)
    if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= '0' && n[i] <= '9') || n[i] == '_'))
      return 0;
  return 1;
}

static int read_file(const char *path, char **out)
{
  FILE *f = fopen(path, "rb");
  long size;
  char *buf;

  if (!f)
    return AG_EIO;
  if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    return AG_EIO;
  }
  buf = malloc((size_t)size + 1);
  if (!buf) {
    fclose(f);
    return AG_ENOMEM;
  }
  if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
    free(buf);
    fclose(f);
    return AG_EIO;
  }
  buf[size] = '\0';
  fclose(f);
  *out = buf;
  return AG_OK;
}

static void sha256_hex(const char *data, size_t len, char out[65])
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;

  EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
  for (unsigned i = 0; i < mdlen && i < 32; i++)
    snprintf(out + 2 * i, 3, "%02x", md[i]);
}

int store__exec(PGconn *c, const char *sql, FILE *log, const char *what)
{
  PGresult *r = PQexec(c, sql);
  ExecStatusType s = PQresultStatus(r);
  int ok = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;

  if (!ok)
    fprintf(log, "aulgate: %s failed: %s", what, PQresultErrorMessage(r));
  PQclear(r);
  return ok ? AG_OK : AG_EDB;
}

static int cmp_migration(const void *a, const void *b)
{
  return strcmp(((const struct migration *)a)->name, ((const struct migration *)b)->name);
}

static int list_migrations(const char *dir, struct migration **out, size_t *n, FILE *log)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  struct migration *m;
  size_t count = 0;
  int rc = AG_OK;

  if (!d) {
    fprintf(log, "aulgate: cannot open migrations folder %s: %s\n", dir, strerror(errno));
    return AG_EIO;
  }
  m = calloc(MAX_MIGRATIONS, sizeof(*m));
  if (!m) {
    closedir(d);
    return AG_ENOMEM;
  }
  while ((e = readdir(d)) != NULL && rc == AG_OK) {
    char path[4096];
    size_t len = strlen(e->d_name);
    if (e->d_name[0] == '.' || len < 4 || strcmp(e->d_name + len - 4, ".sql") != 0)
      continue; /* READMEs and editor files live beside the migrations */
    if (!valid_name(e->d_name)) {
      fprintf(log, "aulgate: %s/%s: migration names are NNNN_lowercase_name.sql\n", dir, e->d_name);
      rc = AG_ECONFIG;
      break;
    }
    if (count == MAX_MIGRATIONS) {
      rc = AG_E2BIG;
      break;
    }
    memcpy(m[count].name, e->d_name, len + 1); /* valid_name() bounded it */
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    rc = read_file(path, &m[count].sql);
    if (rc) {
      fprintf(log, "aulgate: cannot read %s\n", path);
      break;
    }
    sha256_hex(m[count].sql, strlen(m[count].sql), m[count].sha);
    count++;
  }
  closedir(d);
  if (rc) {
    for (size_t i = 0; i < count; i++)
      free(m[i].sql);
    free(m);
    return rc;
  }
  qsort(m, count, sizeof(*m), cmp_migration);
  *out = m;
  *n = count;
  return AG_OK;
}

/* Checks every applied migration against the files; sets applied[i] for files already in. */
static int check_applied(PGconn *c, struct migration *m, size_t n, unsigned char *applied,
                         FILE *log)
{
  PGresult *r = PQexec(c, "SELECT name, sha256 FROM schema_migrations ORDER BY name");
  int rc = AG_OK;

  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    fprintf(log, "aulgate: reading schema_migrations failed: %s", PQresultErrorMessage(r));
    PQclear(r);
    return AG_EDB;
  }
  for (int row = 0; row < PQntuples(r) && rc == AG_OK; row++) {
    const char *name = PQgetvalue(r, row, 0), *sha = PQgetvalue(r, row, 1);
    size_t i;
    for (i = 0; i < n && strcmp(m[i].name, name) != 0; i++)
      ;
    if (i == n) {
      fprintf(log, "aulgate: migration %s is applied but its file is missing; refusing to go on\n",
              name);
      rc = AG_ESTATE;
    } else if (strcmp(m[i].sha, sha) != 0) {
      fprintf(log,
              "aulgate: migration %s has changed since it was applied (sha256 %s, now %s); "
              "refusing to go on. Hint: revert the file and add a new migration instead\n",
              name, sha, m[i].sha);
      rc = AG_ESTATE;
    } else {
      applied[i] = 1;
    }
  }
  PQclear(r);
  return rc;
}

static int apply_one(PGconn *c, const struct migration *m, FILE *log)
{
  const char *params[2] = {m->name, m->sha};
  PGresult *r;
  int rc;

  rc = store__exec(c, "BEGIN", log, "BEGIN");
  if (rc)
    return rc;
  rc = store__exec(c, m->sql, log, m->name);
  if (rc == AG_OK) {
    r = PQexecParams(c, "INSERT INTO schema_migrations (name, sha256) VALUES ($1, $2)", 2, NULL,
                     params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
      fprintf(log, "aulgate: recording %s failed: %s", m->name, PQresultErrorMessage(r));
      rc = AG_EDB;
    }
    PQclear(r);
  }
  if (rc) {
    store__exec(c, "ROLLBACK", log, "ROLLBACK");
    return rc;
  }
  rc = store__exec(c, "COMMIT", log, "COMMIT");
  if (rc == AG_OK)
    fprintf(log, "aulgate: applied %s\n", m->name);
  return rc;
}

int store_migrate(const char *conninfo, const char *dir, FILE *log)
{
  struct migration *m = NULL;
  unsigned char *applied = NULL;
  size_t n = 0, done = 0;
  PGconn *c;
  int rc;

  rc = list_migrations(dir, &m, &n, log);
  if (rc)
    return rc;
  c = PQconnectdb(conninfo);
  if (PQstatus(c) != CONNECTION_OK) {
    fprintf(log, "aulgate: cannot connect to the database: %s", PQerrorMessage(c));
    rc = AG_EDB;
    goto out;
  }
  rc = store__exec(c, "SET client_min_messages = warning", log, "SET");
  if (!rc)
    rc = store__exec(c, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", log, "locking");
  if (!rc)
    rc = store__exec(c,
                     "CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY,"
                     " sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
                     log, "creating schema_migrations");
  applied = calloc(n ? n : 1, 1);
  if (!rc && !applied)
    rc = AG_ENOMEM;
  if (!rc)
    rc = check_applied(c, m, n, applied, log);
  for (size_t i = 0; i < n && rc == AG_OK; i++) {
    if (applied[i])
      continue;
    rc = apply_one(c, &m[i], log);
    done++;
  }
  if (rc == AG_OK)
    fprintf(log, "aulgate: schema up to date (%zu migrations, %zu applied now)\n", n, done);
out:
  PQfinish(c);
  for (size_t i = 0; i < n; i++)
    free(m[i].sql);
  free(m);
  free(applied);
  return rc;
}
