/* sms_calendar.c: when the literacy calendar may send, and in which order a band's tips go
 * (sms.h). Pure: the scheduler and the outbox call these with the clock and the content.
 */
#include "sms/sms.h"
#include "lib/ag.h"

#include <string.h>

#define DAY_S (24 * 60 * 60)

/* Minutes of the local day at t. */
static long local_minute(int64_t t_s, int tz_offset_min)
{
  int64_t local = t_s + (int64_t)tz_offset_min * 60;
  int64_t in_day = ((local % DAY_S) + DAY_S) % DAY_S;

  return (long)(in_day / 60);
}

static int quiet_at(long minute, int start_min, int end_min)
{
  if (start_min == end_min)
    return 0;
  if (start_min < end_min)
    return minute >= start_min && minute < end_min;
  return minute >= start_min || minute < end_min; /* across midnight: 21:00-09:00 */
}

int64_t sms_quiet_until(int64_t now_s, int tz_offset_min, int start_min, int end_min)
{
  long minute = local_minute(now_s, tz_offset_min);
  long wait;

  if (!quiet_at(minute, start_min, end_min))
    return now_s;
  wait = ((end_min - minute) % (24 * 60) + 24 * 60) % (24 * 60);
  /* From the start of this minute to the window's end: the seconds already gone count. */
  return now_s - (((now_s + (int64_t)tz_offset_min * 60) % 60 + 60) % 60) + (int64_t)wait * 60;
}

/* Reading and counting are the calendar's core; the other practices come between them. */
static int is_core(const char *practice)
{
  return strcmp(practice, "read") == 0 || strcmp(practice, "count") == 0;
}

/* The practice to take next: the other group than the last tip's when it has tips left, then
 * never the last tip's practice when another is left, then the most tips left, then the one met
 * first in the band. Returns an index into practices, or -1 when nothing is left. */
static int pick(const char *const *practices, const size_t *left, size_t n_practices, int last)
{
  int best = -1, best_score = -1;

  for (size_t p = 0; p < n_practices; p++) {
    int score;
    if (!left[p])
      continue;
    score =
        (last < 0 || is_core(practices[p]) != is_core(practices[last])) * 4 + ((int)p != last) * 2;
    if (score > best_score || (score == best_score && left[p] > left[best]))
      best = (int)p, best_score = score;
  }
  return best;
}

int sms_rotation(const char *const *practice_of, size_t n_tips, size_t *order)
{
  const char *practices[SMS_ROTATION_MAX];
  size_t left[SMS_ROTATION_MAX] = {0}, next[SMS_ROTATION_MAX] = {0}, n_practices = 0;
  int last = -1;

  if (n_tips > SMS_ROTATION_MAX || (n_tips && (!practice_of || !order)))
    return AG_EINVAL;
  for (size_t i = 0; i < n_tips; i++) {
    size_t p = 0;
    if (!practice_of[i])
      return AG_EINVAL;
    while (p < n_practices && strcmp(practices[p], practice_of[i]) != 0)
      p++;
    if (p == n_practices)
      practices[n_practices++] = practice_of[i];
    left[p]++;
  }
  for (size_t k = 0; k < n_tips; k++) {
    int p = pick(practices, left, n_practices, last);
    /* The practice's next tip in the band's order. */
    while (strcmp(practice_of[next[p]], practices[p]) != 0)
      next[p]++;
    order[k] = next[p]++;
    left[p]--;
    last = p;
  }
  return AG_OK;
}
