/* store-internal.h: helpers shared by the synchronous parts of store/ (migrate, seed); for
 * files of store/ only. */
#ifndef STORE_INTERNAL_H
#define STORE_INTERNAL_H

#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>

struct store;

/* Runs sql on c; a failure is reported to log as "aulgate: <what> failed: <reason>". Returns
 * AG_OK or AG_EDB. */
int store__exec(PGconn *c, const char *sql, FILE *log, const char *what);

/* store_lang.c: the statement behind store_submit_lang() (5 parameters: respondent, carrier,
 * session id, language, microseconds), prepared with the others by store_pg.c. */
extern const char store__lang_sql[];
/* store_pg.c: queues the language statement with its parameters (src[0] is ignored: the
 * respondent goes as binary). Same contract as store_submit(). */
int store__submit_lang(struct store *st, const char *const src[5], const uint8_t *respondent,
                       void (*cb)(void *arg, int rc), void *arg);

#endif
