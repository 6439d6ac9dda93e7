/* ag_err.c: text for the project-wide error codes of gw.h. */
#include "lib/ag.h"

const char *ag_strerror(int rc)
{
  switch (rc) {
#define XX(name, value, text)                                                                      \
  case AG_##name:                                                                                  \
    return text;
    AG_ERR_MAP(XX)
#undef XX
  }
  return "unknown error";
}

const char *ag_errname(int rc)
{
  switch (rc) {
#define XX(name, value, text)                                                                      \
  case AG_##name:                                                                                  \
    return #name;
    AG_ERR_MAP(XX)
#undef XX
  }
  return "EUNKNOWN";
}
