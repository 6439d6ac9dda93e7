/* gw_carrier-internal.h: what the files of gateway/carriers/ share; for them only. */
#ifndef GW_CARRIER_INTERNAL_H
#define GW_CARRIER_INTERNAL_H

#include "gateway/carriers/gw_carrier.h"

/* gw_carrier_auth.c: resolves the auth settings of conf into c, reading its secret file.
 * Returns AG_OK, or AG_ECONFIG/AG_EIO with a message naming the section in err. */
int gw_carrier__auth_load(struct gw_carrier *c, const struct ag_carrier_conf *conf, char *err,
                          size_t errlen);

#endif
