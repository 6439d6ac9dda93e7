/* gw_err.c: text for the project-wide error codes of gw.h. */
#include "gateway/gw.h"

const char *gw_strerror(int rc)
{
  switch (rc) {
#define XX(name, value, text)                                                                      \
  case GW_##name:                                                                                  \
    return text;
    GW_ERR_MAP(XX)
#undef XX
  }
  return "unknown error";
}

const char *gw_errname(int rc)
{
  switch (rc) {
#define XX(name, value, text)                                                                      \
  case GW_##name:                                                                                  \
    return #name;
    GW_ERR_MAP(XX)
#undef XX
  }
  return "EUNKNOWN";
}
