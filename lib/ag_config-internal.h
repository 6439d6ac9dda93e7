/* ag_config-internal.h: what the file loader (ag_config_file.c) uses of the option tables
 * (ag_config.c); nothing outside lib/ag_config*.c includes it. */
#ifndef AG_CONFIG_INTERNAL_H
#define AG_CONFIG_INTERNAL_H

#include "lib/ag_config.h"

#include <stddef.h>

#define AG_CONFIG__KEYS_MAX 64 /* more than the top-level table holds */

/* The index of key in the top-level table, or in the section table when in_section; -1 when
 * unknown. Section indexes are below 32 (a bit each in ag_carrier_conf.seen). */
int ag_config__key_index(int in_section, const char *key);
/* The section NAME (len bytes of name), or NULL. */
struct ag_carrier_conf *ag_config__section_find(struct ag_config *cfg, const char *name,
                                                size_t len);
/* A new section NAME; NULL with err when there are too many or NAME is not a name. */
struct ag_carrier_conf *ag_config__section_add(struct ag_config *cfg, const char *name, size_t len,
                                               char *err, size_t errlen);

/* ag_config_values.c: the shapes of values. 1 when v is 1 to max-1 bytes of [a-z0-9_-]. */
int ag_config__is_word(const char *v, size_t len, size_t max);
/* 1 when v is an absolute path of non-empty segments of [A-Za-z0-9_.-], none "." or "..". */
int ag_config__is_url_path(const char *v);
/* 1 when v is decimal digits with an optional leading minus, nothing else. */
int ag_config__is_integer(const char *v);
/* Splits "host:port" into host (hostlen bytes) and *port: AG_OK, or AG_EINVAL. */
int ag_config__split_hostport(const char *v, char *host, size_t hostlen, int *port);
/* 1 when v is a valid sms_keywords list ("" included). */
int ag_config__keywords_ok(const char *v);

#endif
