/* gw_log.h: one line per event, key=value, to stderr.
 *
 *   ts=2026-11-25T10:00:00.123Z level=info event=ussd.hop carrier=at session=ab12 hop=3 ms=1.2
 *
 * The caller writes the key=value pairs after the event name with a printf format. Values that
 * may contain spaces or quotes go through gw_log_quote(). Phone numbers never go in clear: use
 * gw_phone_mask() (gw_phone.h), which keeps the last 4 digits.
 */
#ifndef GW_LOG_H
#define GW_LOG_H

#include <stddef.h>

enum gw_log_level { GW_LOG_DEBUG = 0, GW_LOG_INFO, GW_LOG_WARN, GW_LOG_ERROR };

/* Lines below `level` are dropped. Default GW_LOG_INFO. */
void gw_log_set_level(enum gw_log_level level);

/* Parses "debug", "info", "warn", "error"; returns GW_EINVAL for anything else. */
int gw_log_level_parse(const char *name, enum gw_log_level *out /* OUT */);

/* Writes one line: ts, level, event, then the formatted pairs. Never fails visibly. */
void gw_log(enum gw_log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Quotes s for a value position: returns s itself when it has no space, quote, '=' or control
 * character, otherwise writes "..." with \" and \\ and \xNN escapes into buf (truncated to fit)
 * and returns buf. buf: borrowed, at least 4 bytes. */
const char *gw_log_quote(const char *s, char *buf, size_t buflen);

#define GW_LOGD(ev, ...) gw_log(GW_LOG_DEBUG, ev, __VA_ARGS__)
#define GW_LOGI(ev, ...) gw_log(GW_LOG_INFO, ev, __VA_ARGS__)
#define GW_LOGW(ev, ...) gw_log(GW_LOG_WARN, ev, __VA_ARGS__)
#define GW_LOGE(ev, ...) gw_log(GW_LOG_ERROR, ev, __VA_ARGS__)

#endif
