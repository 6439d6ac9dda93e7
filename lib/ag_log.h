/* ag_log.h: one line per event, key=value, to stderr.
 *
 *   ts=2026-11-25T10:00:00.123Z level=info event=ussd.hop carrier=at session=ab12 hop=3 ms=1.2
 *
 * The caller writes the key=value pairs after the event name with a printf format. Values that
 * may contain spaces or quotes go through ag_log_quote(). Phone numbers never go in clear: use
 * ag_phone_mask() (ag_phone.h), which keeps the last 4 digits.
 */
#ifndef AG_LOG_H
#define AG_LOG_H

#include <stddef.h>

enum ag_log_level { AG_LOG_DEBUG = 0, AG_LOG_INFO, AG_LOG_WARN, AG_LOG_ERROR };

/* Lines below `level` are dropped. Default AG_LOG_INFO. */
void ag_log_set_level(enum ag_log_level level);

/* Parses "debug", "info", "warn", "error"; returns AG_EINVAL for anything else. */
int ag_log_level_parse(const char *name, enum ag_log_level *out /* OUT */);

/* Writes one line: ts, level, event, then the formatted pairs. Never fails visibly. */
void ag_log(enum ag_log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Quotes s for a value position: returns s itself when it has no space, quote, '=' or control
 * character, otherwise writes "..." with \" and \\ and \xNN escapes into buf (truncated to fit)
 * and returns buf. buf: borrowed, at least 4 bytes. */
const char *ag_log_quote(const char *s, char *buf, size_t buflen);

#define AG_LOGD(ev, ...) ag_log(AG_LOG_DEBUG, ev, __VA_ARGS__)
#define AG_LOGI(ev, ...) ag_log(AG_LOG_INFO, ev, __VA_ARGS__)
#define AG_LOGW(ev, ...) ag_log(AG_LOG_WARN, ev, __VA_ARGS__)
#define AG_LOGE(ev, ...) ag_log(AG_LOG_ERROR, ev, __VA_ARGS__)

#endif
