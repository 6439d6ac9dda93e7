/* store-internal.h: helpers shared by the synchronous parts of store/ (migrate, seed); for
 * files of store/ only. */
#ifndef STORE_INTERNAL_H
#define STORE_INTERNAL_H

#include <libpq-fe.h>
#include <stdio.h>

/* Runs sql on c; a failure is reported to log as "aulgate: <what> failed: <reason>". Returns
 * AG_OK or AG_EDB. */
int store__exec(PGconn *c, const char *sql, FILE *log, const char *what);

#endif
