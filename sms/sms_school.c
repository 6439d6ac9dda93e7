/* sms_school.c: the SMS that carries a school's request to a parent, and the budget check a
 * school sees while it types (sms.h). Pure: no I/O, no globals besides const tables.
 *
 * The message is "<school>: <request>" then one line saying how to answer and how to stop. The
 * answers are digits because a reply must be typed on any handset in either script; the parent
 * side also takes ДА, ИӘ, YES for 1. The school's name is cut to SMS_SCHOOL_NAME_UNITS so that
 * a long official name (up to 200 characters in the schools table) cannot eat the request. */
#include "sms/sms.h"
#include "lib/ag.h"

#include <stdio.h>
#include <string.h>

/* [0] kk, [1] ru. The answer line names the three answers the USSD menu also offers, in the
 * same words, so that a parent who meets the request in both places recognises it. */
static const char *const foot[2] = {
    "Жауап: 1 — көмектесемін, 2 — бұл жолы емес, 3 — толығырақ. Хабарламаларды тоқтату: ТОҚТА",
    "Ответ: 1 — могу помочь, 2 — не в этот раз, 3 — подробнее. Отказаться от сообщений: СТОП",
};

/* What the USSD item "Requests from the school" shows under the request text. */
static const char *const ussd_answers[2] = {
    "\n1. Көмектесемін\n2. Бұл жолы емес\n3. Толығырақ",
    "\n1. Могу помочь\n2. Не в этот раз\n3. Подробнее",
};

static int lang_ix(const char *lang)
{
  return lang && strcmp(lang, "kk") == 0 ? 0 : 1; /* ru, and en (a school writes kk or ru) */
}

int sms_school_text(const char *school, const char *request, const char *lang, char *out,
                    size_t cap)
{
  struct ag_text_cost c;
  size_t nlen, rlen;
  int n;

  if (!school || !request || !out || !cap)
    return AG_EINVAL;
  nlen = strlen(school);
  rlen = strlen(request);
  if (rlen == 0 || ag_text_measure(request, rlen, &c) != AG_OK ||
      ag_text_measure(school, nlen, &c) != AG_OK)
    return AG_EINVAL;
  /* Cut the name on a character; an ellipsis says that it was cut. */
  {
    if (c.ucs2_units > SMS_SCHOOL_NAME_UNITS) {
      size_t k = ag_text_fit(school, nlen, AG_ENC_UCS2, SMS_SCHOOL_NAME_UNITS - 1);
      n = snprintf(out, cap, "%.*s…: %s\n%s", (int)k, school, request, foot[lang_ix(lang)]);
    } else {
      n = snprintf(out, cap, "%s: %s\n%s", school, request, foot[lang_ix(lang)]);
    }
  }
  return n < 0 || (size_t)n >= cap ? AG_E2BIG : AG_OK;
}

int sms_school_check(const char *school, const char *request, const char *lang, long ussd_budget,
                     struct sms_school_fit *out)
{
  char buf[SMS_SCHOOL_TEXT_MAX];
  struct sms_plan p;
  struct ag_text_cost u;
  size_t rlen;
  int rc;

  if (!out)
    return AG_EINVAL;
  memset(out, 0, sizeof(*out));
  if (!request || !school)
    return AG_EINVAL;
  rlen = strlen(request);
  if (ag_text_measure(request, rlen, &u) != AG_OK)
    return AG_EINVAL;
  out->chars = u.code_points;
  /* The request as it would go, with a one-character request standing in for an empty one so
   * that an empty field still shows what the frame costs. */
  rc = sms_school_text(school, rlen ? request : "x", lang, buf, sizeof(buf));
  if (rc == AG_E2BIG) {
    out->parts = SMS_MAX_PARTS + 1;
    out->units_left = -1;
    return AG_OK;
  }
  if (rc)
    return rc;
  rc = sms_plan(buf, strlen(buf), SMS_MAX_PARTS, &p);
  if (rc != AG_OK && rc != AG_E2BIG)
    return rc;
  out->parts = p.parts;
  out->units = p.units - (rlen ? 0 : 1);
  /* Every message of a school is UCS-2 (the frame is Cyrillic): the budget in UTF-16 units. */
  out->units_left = (long)(SMS_SCHOOL_MAX_PARTS * SMS_PART_UCS2) - (long)out->units;
  out->sms_ok = rlen > 0 && out->parts <= SMS_SCHOOL_MAX_PARTS;
  {
    const char *a = ussd_answers[lang_ix(lang)];
    long cost = (long)u.ucs2_units;
    struct ag_text_cost ac;
    ag_text_measure(a, strlen(a), &ac);
    cost += (long)ac.ucs2_units;
    out->ussd_left = ussd_budget - cost;
    out->ussd_ok = rlen > 0 && out->ussd_left >= 0;
  }
  return AG_OK;
}
