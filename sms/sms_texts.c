/* sms_texts.c: the SMS a parent gets when the tips go on or off (sms.h). Short enough for one
 * UCS-2 part (70 units) each, so that a confirmation costs one SMS; check_sms_texts checks it.
 * Drafts in kk and ru, to be read by a native editor with the tips (issue 12, item 9). */
#include "sms/sms.h"

#include <string.h>

static const char *const texts[][3] = {
    /* SMS_TEXT_ON: the first message after opt-in: confirms and says how to stop */
    {"SMS кеңестер қосылды. Тоқтату үшін ТОҚТА деп жазыңыз.",
     "SMS-советы включены. Чтобы отключить, отправьте СТОП.",
     "SMS tips are on. To stop them, send STOP."},
    /* SMS_TEXT_OFF: after STOP */
    {"SMS кеңестер тоқтатылды. Қайта қосу үшін БАСТАУ деп жазыңыз.",
     "SMS-советы отключены. Чтобы включить снова, отправьте СТАРТ.",
     "SMS tips are off. To turn them on again, send START."},
    /* SMS_TEXT_OFF_ALL: after a STOP that ended the school's messages too */
    {"Кеңестер мен мектеп хабарлары тоқтатылды. Кеңестерді қосу: БАСТАУ.",
     "Советы и сообщения школы отключены. Чтобы вернуть советы: СТАРТ.",
     "Tips and school messages are off. For tips again, send START."},
};

const char *sms_text(enum sms_text_id id, const char *lang)
{
  int l = lang && strcmp(lang, "kk") == 0 ? 0 : lang && strcmp(lang, "ru") == 0 ? 1 : 2;

  return texts[id == SMS_TEXT_OFF_ALL ? 2 : id == SMS_TEXT_OFF ? 1 : 0][l];
}
