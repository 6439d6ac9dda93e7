/* check_sess.c: unit tests of the USSD engine (sess): loading and validating content folders
 * (every refusal names the file, the node and, for budgets, the language and the length), lint,
 * reference counting of snapshots, and replaying sessions: first screen, language switch,
 * recorded answers, invalid inputs, paging, skip logic, resume on a shared phone, END, and
 * determinism. Most tests run on small content folders the test writes into a temporary
 * directory; the "shipped" tcase runs on content/. */
#include <check.h>
#include <dirent.h>
#include <event2/event.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/ag.h"
#include "lib/ag_phone.h"
#include "sessions/sess-internal.h"
#include "sessions/sess.h"
#include "lib/ag_text.h"
#include "tests/support/ag_check.h"

#ifndef CONTENT_DIR
#error "CONTENT_DIR must name the shipped content folder"
#endif

static const struct sess_budget budget = {75, 175};

/* --- writing content folders --- */

/* Parses JSON written with single quotes (none of our texts has an apostrophe), so that the
 * fixtures below stay readable in C. Returns a new reference. */
static json_t *jq(const char *single_quoted)
{
  char *text = strdup(single_quoted);
  json_error_t jerr;
  json_t *doc;

  ck_assert_ptr_nonnull(text);
  for (char *p = text; *p; p++)
    if (*p == '\'')
      *p = '"';
  doc = json_loads(text, 0, &jerr);
  ck_assert_msg(doc != NULL, "fixture JSON line %d: %s", jerr.line, jerr.text);
  free(text);
  return doc;
}

/* Every key strings.json must have (docs/content.md), short. */
static json_t *strings_doc(void)
{
  return jq("{'kind': 'strings', 'version': 1, 'strings': {"
            "'yes': {'kk': 'Иә', 'ru': 'Да', 'en': 'Yes'},"
            "'no': {'kk': 'Жоқ', 'ru': 'Нет', 'en': 'No'},"
            "'more': {'kk': 'Тағы', 'ru': 'Ещё', 'en': 'More'},"
            "'back': {'kk': 'Артқа', 'ru': 'Назад', 'en': 'Back'},"
            "'invalid': {'kk': 'Қате.', 'ru': 'Ошибка.', 'en': 'Wrong choice.'},"
            "'bad_number': {'kk': 'Тек сан.', 'ru': 'Только цифры.', 'en': 'Digits only.'},"
            "'unavailable': {'kk': 'Кешіріңіз.', 'ru': 'Извините.', 'en': 'Sorry.'},"
            "'unconfirmed': {'kk': 'Расталмады.', 'ru': 'Не подтверждено.', 'en': 'Unconfirmed.'},"
            "'updated': {'kk': 'Жаңартылды.', 'ru': 'Обновлено.', 'en': 'Updated.'},"
            "'not_kazakh': {'kk': 'Тек ҚР.', 'ru': 'Только РК.', 'en': 'KZ only.'},"
            "'timeout': {'kk': 'Уақыт бітті.', 'ru': 'Время вышло.', 'en': 'Timed out.'},"
            "'resume_prompt': {'kk': 'Жалғастыру?', 'ru': 'Продолжить?', 'en': 'Continue?'},"
            "'resume': {'kk': 'Жалғастыру', 'ru': 'Продолжить', 'en': 'Continue'},"
            "'start_over': {'kk': 'Басынан', 'ru': 'Заново', 'en': 'Start over'},"
            "'skip': {'kk': 'Өткізу', 'ru': 'Пропустить', 'en': 'Skip'},"
            "'sms_prompt': {'kk': 'SMS кеңес', 'ru': 'SMS советы', 'en': 'SMS tips'},"
            "'sms_prompt_on': {'kk': 'SMS: қосулы', 'ru': 'SMS: вкл', 'en': 'SMS: on'},"
            "'sms_prompt_off': {'kk': 'SMS: өшірулі', 'ru': 'SMS: выкл', 'en': 'SMS: off'},"
            "'sms_on': {'kk': 'Қосу', 'ru': 'Вкл', 'en': 'On'},"
            "'sms_off': {'kk': 'Өшіру', 'ru': 'Выкл', 'en': 'Off'},"
            "'sms_on_done': {'kk': 'Қосылды', 'ru': 'Включено', 'en': 'On.'},"
            "'sms_off_done': {'kk': 'Өшірілді', 'ru': 'Выключено', 'en': 'Off.'},"
            "'tips_prompt': {'kk': 'Жасы?', 'ru': 'Возраст?', 'en': 'Age?'},"
            "'no_tips': {'kk': 'Кеңес жоқ', 'ru': 'Нет советов', 'en': 'No tips'}}}");
}

/* A survey of every node type: a language menu, yes/no, choice, optional number, text, END. */
static json_t *poll_doc(void)
{
  return jq(
      "{'id': 'poll', 'version': 3, 'kind': 'survey', 'start': 'lang', 'nodes': ["
      "{'id': 'lang', 'type': 'menu', 'text': {'kk': 'Тіл', 'ru': 'Язык', 'en': 'Language'},"
      " 'options': ["
      "  {'set_lang': 'kk', 'label': {'kk': 'Қазақша', 'ru': 'Қазақша', 'en': 'Қазақша'}},"
      "  {'set_lang': 'ru', 'label': {'kk': 'Русский', 'ru': 'Русский', 'en': 'Русский'}},"
      "  {'set_lang': 'en', 'label': {'kk': 'English', 'ru': 'English', 'en': 'English'}}],"
      " 'next': 'q1'},"
      "{'id': 'q1', 'type': 'yesno', 'text': {'kk': 'Сұрақ 1?', 'ru': 'Вопрос 1?',"
      " 'en': 'Question 1?'}, 'next': 'grade'},"
      "{'id': 'grade', 'type': 'choice', 'text': {'kk': 'Сынып?', 'ru': 'Класс?', 'en': 'Grade?'},"
      " 'options': ["
      "  {'value': 'pre', 'label': {'kk': 'Мектепке дейін', 'ru': 'Дошкольник',"
      "   'en': 'Pre-school'}},"
      "  {'value': '1-4', 'label': {'kk': '1-4', 'ru': '1-4', 'en': '1-4'}}],"
      " 'next': 'school'},"
      "{'id': 'school', 'type': 'number', 'min': 1, 'max': 9999, 'optional': true,"
      " 'text': {'kk': 'Мектеп нөмірі?', 'ru': 'Номер школы?', 'en': 'School number?'},"
      " 'next': 'nick'},"
      "{'id': 'nick', 'type': 'text', 'max_len': 5,"
      " 'text': {'kk': 'Атыңыз?', 'ru': 'Имя?', 'en': 'Name?'}, 'next': 'q2'},"
      "{'id': 'q2', 'type': 'yesno', 'text': {'kk': 'Сұрақ 2?', 'ru': 'Вопрос 2?',"
      " 'en': 'Question 2?'}, 'next': 'done'},"
      "{'id': 'done', 'type': 'end', 'text': {'kk': 'Рақмет!', 'ru': 'Спасибо!',"
      " 'en': 'Thank you!'}}]}");
}

/* A menu file: it navigates and records nothing, even on a yes/no node. */
static json_t *help_doc(void)
{
  return jq("{'id': 'help', 'version': 1, 'kind': 'menu', 'start': 'm', 'nodes': ["
            "{'id': 'm', 'type': 'yesno', 'text': {'kk': 'Көмек?', 'ru': 'Помощь?',"
            " 'en': 'Help?'}, 'next': 'e'},"
            "{'id': 'e', 'type': 'end', 'text': {'kk': 'Сау болыңыз', 'ru': 'До свидания',"
            " 'en': 'Bye'}}]}");
}

/* Skip logic: s2 only after "yes" to s1, s3 only when s1 and s2 were not both "yes". */
static json_t *skip_doc(void)
{
  return jq("{'id': 'skips', 'version': 1, 'kind': 'survey', 'start': 's1', 'nodes': ["
            "{'id': 's1', 'type': 'yesno', 'text': {'kk': 'С1?', 'ru': 'В1?', 'en': 'S1?'},"
            " 'next': 's2'},"
            "{'id': 's2', 'type': 'yesno', 'when': {'q': 's1', 'in': ['yes']},"
            " 'text': {'kk': 'С2?', 'ru': 'В2?', 'en': 'S2?'}, 'next': 's3'},"
            "{'id': 's3', 'type': 'yesno',"
            " 'when': {'any': [{'q': 's1', 'not_in': ['yes']}, {'q': 's2', 'not_in': ['yes']}]},"
            " 'text': {'kk': 'С3?', 'ru': 'В3?', 'en': 'S3?'}, 'next': 'end'},"
            "{'id': 'end', 'type': 'end', 'text': {'kk': 'Бітті', 'ru': 'Всё', 'en': 'Done'}}]}");
}

/* A shared phone: the relation question keys the attempt; f1/f2 are the questions. */
static json_t *family_doc(void)
{
  return jq("{'id': 'family', 'version': 2, 'kind': 'survey', 'start': 'who', 'nodes': ["
            "{'id': 'who', 'type': 'choice', 'role': 'relation',"
            " 'text': {'kk': 'Кім?', 'ru': 'Кто?', 'en': 'Who?'}, 'options': ["
            "  {'value': 'mother', 'label': {'kk': 'Ана', 'ru': 'Мать', 'en': 'Mother'}},"
            "  {'value': 'father', 'label': {'kk': 'Әке', 'ru': 'Отец', 'en': 'Father'}}],"
            " 'next': 'f1'},"
            "{'id': 'f1', 'type': 'yesno', 'text': {'kk': 'Ф1?', 'ru': 'Ф1?', 'en': 'F1?'},"
            " 'next': 'f2'},"
            "{'id': 'f2', 'type': 'yesno', 'text': {'kk': 'Ф2?', 'ru': 'Ф2?', 'en': 'F2?'},"
            " 'next': 'bye'},"
            "{'id': 'bye', 'type': 'end', 'text': {'kk': 'Сау', 'ru': 'Пока', 'en': 'Bye'}}]}");
}

#define LONG_OPTIONS 12

/* One choice of LONG_OPTIONS options, "Нұсқа 01".., too many for one Kazakh screen. */
static json_t *long_doc(void)
{
  json_t *doc = jq("{'id': 'long', 'version': 1, 'kind': 'survey', 'start': 'pick', 'nodes': ["
                   "{'id': 'pick', 'type': 'choice', 'text': {'kk': 'Таңдаңыз:', 'ru': 'Выбор:',"
                   " 'en': 'Pick:'}, 'options': [], 'next': 'end'},"
                   "{'id': 'end', 'type': 'end', 'text': {'kk': 'Бітті', 'ru': 'Всё',"
                   " 'en': 'Done'}}]}");
  json_t *opts = json_object_get(json_array_get(json_object_get(doc, "nodes"), 0), "options");

  for (int i = 1; i <= LONG_OPTIONS; i++) {
    char value[8], kk[32], ru[32], en[32];
    snprintf(value, sizeof(value), "o%02d", i);
    snprintf(kk, sizeof(kk), "Нұсқа %02d", i);
    snprintf(ru, sizeof(ru), "Вариант %02d", i);
    snprintf(en, sizeof(en), "Option %02d", i);
    json_array_append_new(opts, json_pack("{s:s, s:{s:s, s:s, s:s}}", "value", value, "label", "kk",
                                          kk, "ru", ru, "en", en));
  }
  return doc;
}

/* The node with id in doc's nodes (borrowed). */
static json_t *node(json_t *doc, const char *id)
{
  size_t i;
  json_t *n;

  json_array_foreach(json_object_get(doc, "nodes"), i, n)
  {
    if (strcmp(json_string_value(json_object_get(n, "id")), id) == 0)
      return n;
  }
  ck_abort_msg("fixture has no node %s", id);
  return NULL;
}

static char *dir_create(void)
{
  char *dir = strdup("/tmp/aulgate-sess-XXXXXX");

  ck_assert_ptr_nonnull(dir);
  ck_assert_ptr_nonnull(mkdtemp(dir));
  return dir;
}

/* Writes doc as dir/name and drops the reference. */
static void doc_write(const char *dir, const char *name, json_t *doc)
{
  char path[512];

  snprintf(path, sizeof(path), "%s/%s", dir, name);
  ck_assert_int_eq(json_dump_file(doc, path, JSON_INDENT(2)), 0);
  json_decref(doc);
}

static void text_write(const char *dir, const char *name, const char *text)
{
  char path[512];
  FILE *f;

  snprintf(path, sizeof(path), "%s/%s", dir, name);
  f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  ck_assert_int_ge(fputs(text, f), 0);
  ck_assert_int_eq(fclose(f), 0);
}

/* Removes dir and the files in it, and frees the name. */
static void dir_remove(char *dir)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  char path[512];

  if (d) {
    while ((e = readdir(d)) != NULL) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
        continue;
      snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
      unlink(path);
    }
    closedir(d);
  }
  rmdir(dir);
  free(dir);
}

static int load(const char *dir, struct sess_content **out, char *err, size_t errlen)
{
  err[0] = '\0';
  return sess_content_load(dir, &budget, NULL, 0, out, err, errlen);
}

/* Writes strings.json and poll.json (after fix, when given, changed them), loads the folder and
 * removes it. Returns the load result; *out is the snapshot on AG_OK. */
static int load_poll(void (*fix)(json_t *poll, json_t *strings), struct sess_content **out,
                     char *err, size_t errlen)
{
  char *dir = dir_create();
  json_t *poll = poll_doc(), *strings = strings_doc();
  int rc;

  if (fix)
    fix(poll, strings);
  doc_write(dir, "strings.json", strings);
  doc_write(dir, "poll.json", poll);
  rc = load(dir, out, err, errlen);
  dir_remove(dir);
  return rc;
}

/* Expects load_poll(fix) to fail with AG_ECONTENT and a message holding every needle. */
static void assert_refused(void (*fix)(json_t *, json_t *), const char *const *needles)
{
  struct sess_content *c = (struct sess_content *)1;
  char err[512];
  int rc = load_poll(fix, &c, err, sizeof(err));

  ck_assert_msg(rc == AG_ECONTENT, "got %s, want ECONTENT (%s)", ag_errname(rc), err);
  ck_assert_ptr_null(c);
  for (; *needles; needles++)
    ck_assert_msg(strstr(err, *needles) != NULL, "message \"%s\" lacks \"%s\"", err, *needles);
}

#define REFUSED(fix, ...)                                                                          \
  do {                                                                                             \
    static const char *const needles_[] = {__VA_ARGS__, NULL};                                     \
    assert_refused(fix, needles_);                                                                 \
  } while (0)

#define ck_assert_has(haystack, needle)                                                            \
  ck_assert_msg(strstr((haystack), (needle)) != NULL, "\"%s\" lacks \"%s\"", (haystack), (needle))

/* --- load --- */

START_TEST(test_sess_load_fixture)
{
  struct sess_content *c = NULL;
  char err[512];

  ck_assert_msg(load_poll(NULL, &c, err, sizeof(err)) == AG_OK, "%s", err);
  ck_assert_ptr_nonnull(c);
  ck_assert_str_eq(sess_string(c, "yes", SESS_RU), "Да");
  ck_assert_str_eq(sess_string(c, "invalid", SESS_EN), "Wrong choice.");
  ck_assert_str_eq(sess_string(c, "no_such_key", SESS_EN), "");
  ck_assert_str_eq(sess_lang_code(SESS_KK), "kk");
  ck_assert_str_eq(sess_lang_code(SESS_RU), "ru");
  ck_assert_str_eq(sess_lang_code(SESS_EN), "en");
  sess_content_unref(c);
}
END_TEST

START_TEST(test_sess_ref_unref_counts)
{
  struct sess_content *c = NULL, *c2 = NULL;
  struct sess_reply r;
  char err[512];

  ck_assert_msg(load_poll(NULL, &c, err, sizeof(err)) == AG_OK, "%s", err);
  ck_assert_int_eq(c->refs, 1);
  ck_assert_ptr_eq(sess_content_ref(c), c);
  ck_assert_int_eq(c->refs, 2);
  ck_assert_ptr_eq(sess_content_ref(c), c);
  ck_assert_int_eq(c->refs, 3);
  sess_content_unref(c);
  sess_content_unref(c);
  ck_assert_int_eq(c->refs, 1);
  /* Still whole for the last holder (ASan would see a use after free otherwise). */
  ck_assert_int_eq(sess_replay(c, &budget, "poll", NULL, NULL, 0, &r), AG_OK);
  ck_assert_str_eq(r.text, "Тіл\n1 Қазақша\n2 Русский\n3 English");
  /* Every load is a new generation. */
  ck_assert_msg(load_poll(NULL, &c2, err, sizeof(err)) == AG_OK, "%s", err);
  ck_assert_uint_ne(sess_content_generation(c), sess_content_generation(c2));
  sess_content_unref(c2);
  sess_content_unref(c); /* the last reference frees; LeakSanitizer checks that it did */
  sess_content_unref(NULL);
}
END_TEST

static void fix_one_text(json_t *poll, json_t *strings)
{
  (void)strings;
  json_object_set_new(json_object_get(node(poll, "q1"), "text"), "en", json_string("Changed?"));
}

/* The fingerprint (decision 109): the same files (in another folder) give the same 16 hex digits
 * in every load; one changed text, or other places from the database, give another. */
START_TEST(test_sess_content_fingerprint)
{
  struct sess_content *a = NULL, *b = NULL, *c = NULL;
  struct sess_place places[] = {
      {"it-region", NULL, "region", {"Облыс", "Область", "Region"}},
      {"it-district", "it-region", "district", {"Аудан", "Район", "District"}}};
  char err[512];

  ck_assert_int_eq(load_poll(NULL, &a, err, sizeof(err)), AG_OK);
  ck_assert_int_eq(load_poll(NULL, &b, err, sizeof(err)), AG_OK);
  ck_assert_int_eq(load_poll(fix_one_text, &c, err, sizeof(err)), AG_OK);
  ck_assert_uint_eq(strlen(sess_content_fingerprint(a)), 16);
  ck_assert_uint_eq(strspn(sess_content_fingerprint(a), "0123456789abcdef"), 16);
  ck_assert_str_eq(sess_content_fingerprint(a), sess_content_fingerprint(b));
  ck_assert_str_ne(sess_content_fingerprint(a), sess_content_fingerprint(c));
  sess_content_unref(b);
  sess_content_unref(c);
  ck_assert_int_eq(sess_content_load(CONTENT_DIR, &budget, NULL, 0, &b, err, sizeof(err)), AG_OK);
  ck_assert_msg(sess_content_load(CONTENT_DIR, &budget, places, 2, &c, err, sizeof(err)) == AG_OK,
                "%s", err);
  ck_assert_str_ne(sess_content_fingerprint(b), sess_content_fingerprint(c));
  ck_assert_str_ne(sess_content_fingerprint(a), sess_content_fingerprint(b));
  sess_content_unref(a);
  sess_content_unref(b);
  sess_content_unref(c);
}
END_TEST

static void fix_missing_translation(json_t *poll, json_t *strings)
{
  json_object_del(json_object_get(node(poll, "q1"), "text"), "ru");
}

static void fix_empty_translation(json_t *poll, json_t *strings)
{
  json_object_set_new(json_object_get(node(poll, "nick"), "text"), "en", json_string(""));
}

static void fix_missing_label_translation(json_t *poll, json_t *strings)
{
  json_t *opt = json_array_get(json_object_get(node(poll, "grade"), "options"), 1);
  json_object_del(json_object_get(opt, "label"), "kk");
}

static void fix_missing_string_translation(json_t *poll, json_t *strings)
{
  json_object_del(json_object_get(json_object_get(strings, "strings"), "invalid"), "en");
}

static void fix_missing_required_string(json_t *poll, json_t *strings)
{
  json_object_del(json_object_get(strings, "strings"), "bad_number");
}

START_TEST(test_sess_load_missing_translation)
{
  REFUSED(fix_missing_translation, "poll.json", "'q1'", "missing translation 'ru'");
  REFUSED(fix_empty_translation, "poll.json", "'nick'", "missing translation 'en'");
  REFUSED(fix_missing_label_translation, "poll.json", "'grade'", "option 2",
          "missing translation 'kk'");
  REFUSED(fix_missing_string_translation, "strings.json", "'invalid'", "missing translation 'en'");
  REFUSED(fix_missing_required_string, "strings.json", "'bad_number'");
}
END_TEST

static void fix_dangling_next(json_t *poll, json_t *strings)
{
  json_object_set_new(node(poll, "q1"), "next", json_string("q9"));
}

static void fix_dangling_option_next(json_t *poll, json_t *strings)
{
  json_t *opt = json_array_get(json_object_get(node(poll, "lang"), "options"), 2);
  json_object_set_new(opt, "next", json_string("nowhere"));
}

static void fix_dangling_file_node(json_t *poll, json_t *strings)
{
  json_object_set_new(node(poll, "q2"), "next", json_string("poll:nope"));
}

static void fix_missing_next(json_t *poll, json_t *strings)
{
  json_object_del(node(poll, "q2"), "next");
}

static void fix_dangling_start(json_t *poll, json_t *strings)
{
  json_object_set_new(poll, "start", json_string("intro"));
}

START_TEST(test_sess_load_dangling_next)
{
  REFUSED(fix_dangling_next, "poll.json", "'q1'", "'q9'", "dangling");
  REFUSED(fix_dangling_option_next, "poll.json", "'lang'", "option 3", "'nowhere'", "dangling");
  REFUSED(fix_dangling_file_node, "poll.json", "'q2'", "'poll:nope'", "dangling");
  REFUSED(fix_missing_next, "poll.json", "'q2'", "needs 'next'");
  REFUSED(fix_dangling_start, "poll.json", "'start'");
}
END_TEST

static void fix_duplicate_node_id(json_t *poll, json_t *strings)
{
  json_object_set_new(node(poll, "q2"), "id", json_string("q1"));
}

START_TEST(test_sess_load_duplicate_node_id)
{
  REFUSED(fix_duplicate_node_id, "poll.json", "'q1'", "twice");
}
END_TEST

static void fix_empty_options(json_t *poll, json_t *strings)
{
  json_object_set_new(node(poll, "grade"), "options", json_array());
}

static void fix_no_options(json_t *poll, json_t *strings)
{
  json_object_del(node(poll, "lang"), "options");
}

static void fix_choice_without_value(json_t *poll, json_t *strings)
{
  json_object_del(json_array_get(json_object_get(node(poll, "grade"), "options"), 0), "value");
}

START_TEST(test_sess_load_empty_options)
{
  REFUSED(fix_empty_options, "poll.json", "'grade'", "empty option list");
  REFUSED(fix_no_options, "poll.json", "'lang'", "empty option list");
  REFUSED(fix_choice_without_value, "poll.json", "'grade'", "option 1", "value");
}
END_TEST

static void fix_unknown_type(json_t *poll, json_t *strings)
{
  json_object_set_new(node(poll, "q1"), "type", json_string("slider"));
}

static void fix_missing_type(json_t *poll, json_t *strings)
{
  json_object_del(node(poll, "q2"), "type");
}

static void fix_bad_set_lang(json_t *poll, json_t *strings)
{
  json_t *opt = json_array_get(json_object_get(node(poll, "lang"), "options"), 0);
  json_object_set_new(opt, "set_lang", json_string("de"));
}

static void fix_unknown_action(json_t *poll, json_t *strings)
{
  json_t *opt = json_array_get(json_object_get(node(poll, "lang"), "options"), 1);
  json_object_set_new(opt, "action", json_string("dance"));
}

static void fix_bad_role(json_t *poll, json_t *strings)
{
  json_object_set_new(node(poll, "q1"), "role", json_string("boss"));
}

static void fix_bad_when(json_t *poll, json_t *strings)
{
  json_object_set_new(node(poll, "q2"), "when", jq("{'q': 'nowhere', 'in': ['yes']}"));
}

static void fix_number_min_zero(json_t *poll, json_t *strings)
{
  json_object_set_new(node(poll, "school"), "min", json_integer(0));
}

static void fix_unreachable(json_t *poll, json_t *strings)
{
  json_array_append_new(json_object_get(poll, "nodes"),
                        jq("{'id': 'orphan', 'type': 'end', 'text': {'kk': 'А', 'ru': 'Б',"
                           " 'en': 'C'}}"));
}

START_TEST(test_sess_load_unknown_type)
{
  REFUSED(fix_unknown_type, "poll.json", "'q1'", "type must be");
  REFUSED(fix_missing_type, "poll.json", "'q2'", "type must be");
  REFUSED(fix_bad_set_lang, "poll.json", "'lang'", "set_lang 'de'");
  REFUSED(fix_unknown_action, "poll.json", "'lang'", "option 2", "'dance'");
  REFUSED(fix_bad_role, "poll.json", "'q1'", "role");
  REFUSED(fix_bad_when, "poll.json", "'q2'", "'when'");
  REFUSED(fix_number_min_zero, "poll.json", "'school'", "min");
  REFUSED(fix_unreachable, "poll.json", "'orphan'", "unreachable");
}
END_TEST

/* n copies of the UTF-8 character ch, as a new string to free(). */
static char *repeat_str(const char *ch, size_t n)
{
  size_t len = strlen(ch);
  char *s = malloc(n * len + 1);

  ck_assert_ptr_nonnull(s);
  for (size_t i = 0; i < n; i++)
    memcpy(s + i * len, ch, len);
  s[n * len] = '\0';
  return s;
}

/* n copies of the UTF-8 character ch, as a JSON string. */
static json_t *repeat(const char *ch, size_t n)
{
  char *s = repeat_str(ch, n);
  json_t *j = json_string(s);

  free(s);
  return j;
}

/* q1 in kk: the smallest page is the prompt (70), "\n1 Иә" (5) and "\n99 Тағы" (8): 83 units. */
static void fix_over_budget_ucs2(json_t *poll, json_t *strings)
{
  json_object_set_new(json_object_get(node(poll, "q1"), "text"), "kk", repeat("Ә", 70));
}

/* q2 in en: 165 + "\n1 Yes" (6) + "\n99 More" (8) = 179 GSM-7 septets. */
static void fix_over_budget_gsm7(json_t *poll, json_t *strings)
{
  json_object_set_new(json_object_get(node(poll, "q2"), "text"), "en", repeat("a", 165));
}

/* An END screen has no options to page: 76 characters are over, 75 fit. */
static void fix_end_over_budget(json_t *poll, json_t *strings)
{
  json_object_set_new(json_object_get(node(poll, "done"), "text"), "kk", repeat("Ы", 76));
}

static void fix_end_at_budget(json_t *poll, json_t *strings)
{
  json_object_set_new(json_object_get(node(poll, "done"), "text"), "kk", repeat("Ы", 75));
}

/* GSM-7 extension characters cost two septets: 88 '{' are 176. */
static void fix_over_budget_gsm7_extension(json_t *poll, json_t *strings)
{
  json_object_set_new(json_object_get(node(poll, "done"), "text"), "en", repeat("{", 88));
}

/* An error line so long that no option fits beside it (74 + "\n1 ..." > 75). */
static void fix_error_line_too_long(json_t *poll, json_t *strings)
{
  json_object_set_new(json_object_get(json_object_get(strings, "strings"), "invalid"), "ru",
                      repeat("Ш", 74));
}

START_TEST(test_sess_load_over_budget)
{
  struct sess_content *c = NULL;
  char err[512];

  REFUSED(fix_over_budget_ucs2, "poll.json", "'q1'", "(kk)", "83 characters", "budget 75");
  REFUSED(fix_over_budget_gsm7, "poll.json", "'q2'", "(en)", "179 characters", "budget 175");
  REFUSED(fix_end_over_budget, "poll.json", "'done'", "(kk)", "76 characters", "budget 75");
  REFUSED(fix_over_budget_gsm7_extension, "poll.json", "'done'", "(en)", "176 characters",
          "budget 175");
  REFUSED(fix_error_line_too_long, "strings.json", "(ru", "error line");
  ck_assert_msg(load_poll(fix_end_at_budget, &c, err, sizeof(err)) == AG_OK, "%s", err);
  sess_content_unref(c);
}
END_TEST

START_TEST(test_sess_load_json_syntax_error)
{
  char *dir = dir_create();
  struct sess_content *c = NULL;
  char err[512] = "";
  int rc;

  doc_write(dir, "strings.json", strings_doc());
  text_write(dir, "poll.json", "{\"id\": \"poll\",\n  \"version\": 3,,\n  \"kind\": \"survey\"}\n");
  rc = load(dir, &c, err, sizeof(err));
  ck_assert_msg(rc == AG_ECONTENT, "%s: %s", ag_errname(rc), err);
  ck_assert_ptr_null(c);
  ck_assert_msg(strstr(err, "poll.json:2:") != NULL, "no file and line in \"%s\"", err);

  /* Duplicate keys are an error, not "the last one wins". */
  text_write(dir, "poll.json", "{\"id\": \"poll\", \"id\": \"other\"}");
  rc = load(dir, &c, err, sizeof(err));
  ck_assert_int_eq(rc, AG_ECONTENT);
  ck_assert_msg(strstr(err, "poll.json") && strstr(err, "duplicate"), "\"%s\"", err);
  dir_remove(dir);
}
END_TEST

START_TEST(test_sess_load_folder_errors)
{
  char *dir = dir_create();
  struct sess_content *c = NULL;
  char err[512] = "";
  int rc;

  /* No strings file. */
  doc_write(dir, "poll.json", poll_doc());
  rc = load(dir, &c, err, sizeof(err));
  ck_assert_int_eq(rc, AG_ECONTENT);
  ck_assert_has(err, "strings");

  /* Two files with the same id. */
  doc_write(dir, "strings.json", strings_doc());
  doc_write(dir, "poll2.json", poll_doc());
  rc = load(dir, &c, err, sizeof(err));
  ck_assert_int_eq(rc, AG_ECONTENT);
  ck_assert_msg(strstr(err, "poll2.json") && strstr(err, "'poll'") && strstr(err, "poll.json"),
                "\"%s\"", err);

  /* A file without a kind, and one of an unknown kind. */
  text_write(dir, "poll2.json", "{\"id\": \"x\"}");
  rc = load(dir, &c, err, sizeof(err));
  ck_assert_int_eq(rc, AG_ECONTENT);
  ck_assert_msg(strstr(err, "poll2.json") && strstr(err, "kind"), "\"%s\"", err);
  text_write(dir, "poll2.json", "{\"id\": \"x\", \"kind\": \"quiz\"}");
  rc = load(dir, &c, err, sizeof(err));
  ck_assert_int_eq(rc, AG_ECONTENT);
  ck_assert_msg(strstr(err, "poll2.json") && strstr(err, "'quiz'"), "\"%s\"", err);

  /* Files that are not *.json are not content. */
  unlink(strcat(strcpy(err, dir), "/poll2.json"));
  text_write(dir, "notes.txt", "not json");
  text_write(dir, ".hidden.json", "not json either");
  rc = load(dir, &c, err, sizeof(err));
  ck_assert_msg(rc == AG_OK, "%s: %s", ag_errname(rc), err);
  sess_content_unref(c);
  dir_remove(dir);

  /* A folder that does not exist. */
  rc = load("/tmp/aulgate-no-such-content", &c, err, sizeof(err));
  ck_assert_int_eq(rc, AG_EIO);
  ck_assert_ptr_null(c);
  ck_assert_has(err, "/tmp/aulgate-no-such-content");
}
END_TEST

START_TEST(test_sess_lint_reports_every_problem)
{
  char *dir = dir_create();
  json_t *poll = poll_doc();
  char *out = NULL;
  size_t outlen = 0;
  FILE *f = open_memstream(&out, &outlen);
  int n;

  ck_assert_ptr_nonnull(f);
  fix_missing_translation(poll, NULL);
  fix_dangling_next(poll, NULL);
  doc_write(dir, "strings.json", strings_doc());
  doc_write(dir, "poll.json", poll);
  n = sess_lint(dir, &budget, f);
  ck_assert_int_eq(fclose(f), 0);
  /* Both problems, one line each; loading would have stopped at the first. */
  ck_assert_msg(n >= 2, "%d problems:\n%s", n, out);
  ck_assert_has(out, "missing translation 'ru'");
  ck_assert_has(out, "'q9'");
  ck_assert_int_eq((int)(strchr(out, '\n') != NULL), 1);
  free(out);

  /* Good content: no problem, nothing written. */
  doc_write(dir, "poll.json", poll_doc());
  f = open_memstream(&out, &outlen);
  ck_assert_ptr_nonnull(f);
  n = sess_lint(dir, &budget, f);
  ck_assert_int_eq(fclose(f), 0);
  ck_assert_msg(n == 0, "%d problems:\n%s", n, out);
  ck_assert_uint_eq(outlen, 0);
  free(out);
  dir_remove(dir);

  ck_assert_int_eq(sess_lint("/tmp/aulgate-no-such-content", &budget, stderr), -1);
}
END_TEST

/* --- replay --- */

static struct sess_content *content;

static void content_setup(void)
{
  char *dir = dir_create();
  char err[512] = "";
  int rc;

  doc_write(dir, "strings.json", strings_doc());
  doc_write(dir, "poll.json", poll_doc());
  doc_write(dir, "help.json", help_doc());
  doc_write(dir, "skips.json", skip_doc());
  doc_write(dir, "family.json", family_doc());
  doc_write(dir, "long.json", long_doc());
  rc = load(dir, &content, err, sizeof(err));
  dir_remove(dir);
  ck_assert_msg(rc == AG_OK, "fixture content: %s", err);
}

static void content_teardown(void)
{
  sess_content_unref(content);
  content = NULL;
}

/* Replays the inputs (a NULL-terminated list) of entry, for a caller we know nothing about. */
static struct sess_reply play_ctx(const char *entry, const struct sess_ctx *ctx,
                                  const char *const *inputs)
{
  struct sess_reply r;
  size_t n = 0;
  int rc;

  while (inputs[n])
    n++;
  rc = sess_replay(content, &budget, entry, ctx, inputs, n, &r);
  ck_assert_msg(rc == AG_OK, "replay of %zu inputs: %s", n, ag_errname(rc));
  return r;
}

#define PLAY_IN(entry, ...) play_ctx(entry, NULL, (const char *const[]){__VA_ARGS__, NULL})
#define PLAY(...)           PLAY_IN("poll", __VA_ARGS__)

static void assert_answer_of(const struct sess_reply *r, const char *survey, int version,
                             const char *question, const char *value)
{
  ck_assert_msg(r->effect.kind == SESS_EFFECT_ANSWER, "effect %d, screen \"%s\"", r->effect.kind,
                r->text);
  ck_assert_str_eq(r->effect.survey_id, survey);
  ck_assert_int_eq(r->effect.survey_version, version);
  ck_assert_str_eq(r->effect.question_id, question);
  ck_assert_str_eq(r->effect.value, value);
}

#define assert_answer(r, q, v) assert_answer_of(r, "poll", 3, q, v)

/* Field by field: the struct has padding, which memcmp would compare too. */
static void assert_effect_eq(const struct sess_effect *a, const struct sess_effect *b)
{
  ck_assert_int_eq(a->kind, b->kind);
  ck_assert_ptr_eq(a->survey_id, b->survey_id);
  ck_assert_int_eq(a->survey_version, b->survey_version);
  ck_assert_ptr_eq(a->relation, b->relation);
  ck_assert_int_eq(a->attempt, b->attempt);
  ck_assert_ptr_eq(a->question_id, b->question_id);
  ck_assert_ptr_eq(a->value, b->value);
  ck_assert_int_eq(a->final, b->final);
  ck_assert_int_eq(a->sms, b->sms);
  ck_assert_ptr_eq(a->band, b->band);
}

START_TEST(test_sess_first_screen)
{
  struct sess_reply r;

  ck_assert_int_eq(sess_replay(content, &budget, "poll", NULL, NULL, 0, &r), AG_OK);
  ck_assert_str_eq(r.text, "Тіл\n1 Қазақша\n2 Русский\n3 English");
  ck_assert_int_eq(r.end, 0);
  ck_assert_int_eq(r.lang, SESS_KK);
  ck_assert_int_eq(r.effect.kind, SESS_EFFECT_NONE);
  /* NULL budget: the one the content was checked with. */
  ck_assert_int_eq(sess_replay(content, NULL, "poll", NULL, NULL, 0, &r), AG_OK);
  ck_assert_str_eq(r.text, "Тіл\n1 Қазақша\n2 Русский\n3 English");
}
END_TEST

START_TEST(test_sess_set_lang)
{
  struct sess_reply r;

  r = PLAY("1");
  ck_assert_int_eq(r.lang, SESS_KK);
  ck_assert_str_eq(r.text, "Сұрақ 1?\n1 Иә\n2 Жоқ");
  /* A language choice is not an answer: it is remembered for the next call. */
  ck_assert_int_eq(r.effect.kind, SESS_EFFECT_LANG);

  r = PLAY("2");
  ck_assert_int_eq(r.lang, SESS_RU);
  ck_assert_str_eq(r.text, "Вопрос 1?\n1 Да\n2 Нет");

  r = PLAY("3");
  ck_assert_int_eq(r.lang, SESS_EN);
  ck_assert_str_eq(r.text, "Question 1?\n1 Yes\n2 No");
  ck_assert_int_eq(r.end, 0);

  /* The language sticks for the rest of the session. */
  r = PLAY("2", "1", "1");
  ck_assert_int_eq(r.lang, SESS_RU);
  ck_assert_str_eq(r.text, "Номер школы?\n0 Пропустить");
}
END_TEST

START_TEST(test_sess_yesno_recorded)
{
  struct sess_reply r;

  r = PLAY("3", "1");
  assert_answer(&r, "q1", "yes");
  ck_assert_int_eq(r.effect.final, 0);
  ck_assert_int_eq(r.lang, SESS_EN);
  ck_assert_str_eq(r.text, "Grade?\n1 Pre-school\n2 1-4");

  r = PLAY("2", "2");
  assert_answer(&r, "q1", "no");
  ck_assert_int_eq(r.lang, SESS_RU);
  ck_assert_str_eq(r.text, "Класс?\n1 Дошкольник\n2 1-4");

  r = PLAY("1", "1");
  assert_answer(&r, "q1", "yes");
  ck_assert_int_eq(r.lang, SESS_KK);
}
END_TEST

START_TEST(test_sess_choice_number_text_recorded)
{
  struct sess_reply r;

  r = PLAY("3", "1", "2");
  assert_answer(&r, "grade", "1-4");
  ck_assert_str_eq(r.text, "School number?\n0 Skip");

  r = PLAY("3", "1", "1", "9999");
  assert_answer(&r, "school", "9999");
  ck_assert_str_eq(r.text, "Name?");
  r = PLAY("3", "1", "1", "0"); /* optional: 0 skips */
  assert_answer(&r, "school", "skip");

  r = PLAY("3", "1", "1", "42", "Aigul");
  assert_answer(&r, "nick", "Aigul");
  ck_assert_str_eq(r.text, "Question 2?\n1 Yes\n2 No");

  /* docs/content.md: "up to max_len characters": "Айгүл" is 5 characters in 10 bytes. */
  r = PLAY("2", "1", "1", "0", "Айгүл");
  assert_answer(&r, "nick", "Айгүл");
}
END_TEST

static const char *const bad_picks[] = {
    "0", "3",  "01", "1 ",  " 1", "a",           "yes",
    "",  "-1", "+1", "1.0", "99", "99999999999", "99999999999999999999999"};

START_TEST(test_sess_invalid_input)
{
  struct sess_reply r;
  const char *bad = bad_picks[_i];

  /* On a yes/no question: the same screen, the error line on top, nothing recorded. */
  r = PLAY("3", bad);
  ck_assert_msg(strcmp(r.text, "Wrong choice.\nQuestion 1?\n1 Yes\n2 No") == 0,
                "input \"%s\" gave \"%s\"", bad, r.text);
  ck_assert_int_eq(r.effect.kind, SESS_EFFECT_NONE);
  ck_assert_int_eq(r.end, 0);
  ck_assert_int_eq(r.lang, SESS_EN);

  /* On a choice, in Russian. */
  r = PLAY("2", "1", bad);
  ck_assert_msg(strcmp(r.text, "Ошибка.\nКласс?\n1 Дошкольник\n2 1-4") == 0,
                "input \"%s\" gave \"%s\"", bad, r.text);
  ck_assert_int_eq(r.effect.kind, SESS_EFFECT_NONE);

  /* A valid input after it moves on as if the bad one had not been there. */
  r = PLAY("3", bad, "2");
  assert_answer(&r, "q1", "no");
  ck_assert_str_eq(r.text, "Grade?\n1 Pre-school\n2 1-4");
}
END_TEST

START_TEST(test_sess_invalid_input_menu_number_text)
{
  static const char *const bad_numbers[] = {"10000", "007", "-5", "12a", "", "99999999999"};
  /* "Ai\xFF": short enough, but not UTF-8, so it can never be stored as text. */
  static const char *const bad_texts[] = {"", "Aigerim", "Айгүлім", "Ai\xFF"};
  struct sess_reply r;

  /* The first screen, before any language is picked: the error line in Kazakh. */
  r = PLAY("4");
  ck_assert_str_eq(r.text, "Қате.\nТіл\n1 Қазақша\n2 Русский\n3 English");
  ck_assert_int_eq(r.lang, SESS_KK);
  r = PLAY("0");
  ck_assert_str_eq(r.text, "Қате.\nТіл\n1 Қазақша\n2 Русский\n3 English");

  /* A number question has its own error line. */
  for (size_t i = 0; i < AG_ARRAY_LEN(bad_numbers); i++) {
    r = PLAY("3", "1", "1", bad_numbers[i]);
    ck_assert_msg(strcmp(r.text, "Digits only.\nSchool number?\n0 Skip") == 0, "\"%s\" gave \"%s\"",
                  bad_numbers[i], r.text);
    ck_assert_int_eq(r.effect.kind, SESS_EFFECT_NONE);
  }
  for (size_t i = 0; i < AG_ARRAY_LEN(bad_texts); i++) {
    r = PLAY("3", "1", "1", "0", bad_texts[i]);
    ck_assert_msg(strcmp(r.text, "Wrong choice.\nName?") == 0, "\"%s\" gave \"%s\"", bad_texts[i],
                  r.text);
    ck_assert_int_eq(r.effect.kind, SESS_EFFECT_NONE);
  }
}
END_TEST

START_TEST(test_sess_end_after_last_question)
{
  struct sess_reply r;

  r = PLAY("3", "1", "2", "42", "Aigul", "2");
  ck_assert_int_eq(r.end, 1);
  ck_assert_str_eq(r.text, "Thank you!");
  assert_answer(&r, "q2", "no"); /* the last answer still has to be stored */
  ck_assert_int_eq(r.effect.final, 1);
  ck_assert_int_eq(r.lang, SESS_EN);

  r = PLAY("1", "2", "1", "0", "Aidos", "1");
  ck_assert_int_eq(r.end, 1);
  ck_assert_str_eq(r.text, "Рақмет!");
  assert_answer(&r, "q2", "yes");

  /* A carrier that sends more input after END sees END again, with nothing recorded. */
  r = PLAY("3", "1", "2", "42", "Aigul", "2", "1");
  ck_assert_int_eq(r.end, 1);
  ck_assert_str_eq(r.text, "Thank you!");
  ck_assert_int_eq(r.effect.kind, SESS_EFFECT_NONE);
}
END_TEST

START_TEST(test_sess_menu_records_nothing)
{
  struct sess_reply r;

  r = PLAY_IN("help", "1");
  ck_assert_int_eq(r.end, 1);
  ck_assert_str_eq(r.text, "Сау болыңыз");
  ck_assert_int_eq(r.effect.kind, SESS_EFFECT_NONE);
}
END_TEST

START_TEST(test_sess_skip_logic)
{
  struct sess_reply r;

  r = PLAY_IN("skips", "1");
  assert_answer_of(&r, "skips", 1, "s1", "yes");
  ck_assert_str_eq(r.text, "С2?\n1 Иә\n2 Жоқ");
  /* s1 "no": s2 is skipped, s3 asked. */
  r = PLAY_IN("skips", "2");
  ck_assert_str_eq(r.text, "С3?\n1 Иә\n2 Жоқ");
  /* yes, yes: s3 is skipped too, straight to END, which makes s2 the final answer. */
  r = PLAY_IN("skips", "1", "1");
  ck_assert_int_eq(r.end, 1);
  assert_answer_of(&r, "skips", 1, "s2", "yes");
  ck_assert_int_eq(r.effect.final, 1);
  r = PLAY_IN("skips", "1", "2");
  ck_assert_str_eq(r.text, "С3?\n1 Иә\n2 Жоқ");
}
END_TEST

/* The pages of the long choice, by replaying "99" page times. */
static struct sess_reply long_page(size_t page)
{
  const char *inputs[8] = {0}; /* page 0 passes none: GCC -O3 cannot see that */
  struct sess_reply r;

  ck_assert_uint_lt(page, AG_ARRAY_LEN(inputs));
  for (size_t i = 0; i < page; i++)
    inputs[i] = "99";
  ck_assert_int_eq(sess_replay(content, &budget, "long", NULL, inputs, page, &r), AG_OK);
  return r;
}

START_TEST(test_sess_paging)
{
  struct sess_reply r, again;
  int seen[LONG_OPTIONS + 1] = {0};
  size_t pages = 0;

  r = long_page(0);
  ck_assert_str_eq(r.text, "Таңдаңыз:\n1 Нұсқа 01\n2 Нұсқа 02\n3 Нұсқа 03\n4 Нұсқа 04\n"
                           "5 Нұсқа 05\n99 Тағы");
  /* Walk the pages: the prompt on each, options numbered across pages, each shown once, every
   * page within budget, "99" while pages follow and "0" after the first. */
  for (;;) {
    struct ag_text_cost cost;
    const char *line;
    int more;

    r = long_page(pages);
    ck_assert_int_eq(ag_text_measure(r.text, strlen(r.text), &cost), AG_OK);
    ck_assert_uint_le(ag_text_units(&cost), (size_t)budget.ucs2);
    ck_assert_msg(strncmp(r.text, "Таңдаңыз:\n", strlen("Таңдаңыз:\n")) == 0, "page %zu: %s", pages,
                  r.text);
    for (line = strchr(r.text, '\n'); line; line = strchr(line + 1, '\n')) {
      int k;
      if (sscanf(line + 1, "%d Нұсқа", &k) == 1 && k >= 1 && k <= LONG_OPTIONS &&
          strncmp(strchr(line + 1, ' ') + 1, "Нұсқа", strlen("Нұсқа")) == 0)
        seen[k]++;
    }
    more = strstr(r.text, "\n99 Тағы") != NULL;
    ck_assert_int_eq(strstr(r.text, "\n0 Артқа") != NULL, pages > 0);
    pages++;
    ck_assert_uint_lt(pages, 6);
    if (!more)
      break;
  }
  ck_assert_uint_ge(pages, 2);
  for (int k = 1; k <= LONG_OPTIONS; k++)
    ck_assert_msg(seen[k] == 1, "option %d shown %d times", k, seen[k]);

  /* "99" on the last page is not an option; "0" goes back a page; a number only on its page. */
  {
    const char *last_more[] = {"99", "99", "99", "99", "99", "99"};
    ck_assert_int_eq(sess_replay(content, &budget, "long", NULL, last_more, pages, &again), AG_OK);
    ck_assert_msg(strncmp(again.text, "Қате.\n", strlen("Қате.\n")) == 0, "%s", again.text);
  }
  r = PLAY_IN("long", "99", "0");
  ck_assert_str_eq(r.text, long_page(0).text);
  ck_assert_int_eq(r.effect.kind, SESS_EFFECT_NONE);
  r = PLAY_IN("long", "99", "6");
  assert_answer_of(&r, "long", 1, "pick", "o06");
  ck_assert_int_eq(r.end, 1);
  r = PLAY_IN("long", "99", "1"); /* option 1 is on the first page, not on the one shown */
  ck_assert_msg(strncmp(r.text, "Қате.\n", strlen("Қате.\n")) == 0, "%s", r.text);
  ck_assert_has(r.text, "6 Нұсқа 06");
  ck_assert_int_eq(r.effect.kind, SESS_EFFECT_NONE);
  /* An invalid input keeps the page, under the error line. */
  r = PLAY_IN("long", "99", "13");
  ck_assert_msg(strncmp(r.text, "Қате.\n", strlen("Қате.\n")) == 0, "%s", r.text);
  ck_assert_has(r.text, "6 Нұсқа 06");
}
END_TEST

START_TEST(test_sess_error_line_drops_prompt)
{
  char *dir = dir_create();
  struct sess_content *c = NULL;
  json_t *poll = poll_doc();
  const char *inputs[] = {"2", "x"};
  struct sess_reply r;
  char err[512], *want;
  int rc;

  /* q1 in ru: 64 + "\n1 Да" + "\n2 Нет" = 75 fits; with "Ошибка.\n" on top it would be 83. On
   * a yes/no screen the question stays and the error line gives way: the screen coming back
   * says enough (decisions.md 9). */
  json_object_set_new(json_object_get(node(poll, "q1"), "text"), "ru", repeat("Ж", 64));
  doc_write(dir, "strings.json", strings_doc());
  doc_write(dir, "poll.json", poll);
  rc = load(dir, &c, err, sizeof(err));
  dir_remove(dir); /* before any assertion, so that a failure leaves nothing in /tmp */
  ck_assert_msg(rc == AG_OK, "%s", err);
  ck_assert_int_eq(sess_replay(c, &budget, "poll", NULL, inputs, 2, &r), AG_OK);
  want = repeat_str("Ж", 64);
  ck_assert_ptr_nonnull(strstr(r.text, want));
  ck_assert_ptr_nonnull(strstr(r.text, "\n1 Да\n2 Нет"));
  ck_assert_ptr_null(strstr(r.text, "Ошибка."));
  free(want);
  sess_content_unref(c);
}
END_TEST

START_TEST(test_sess_relation_and_resume)
{
  struct sess_kv kv[] = {{"f1", "yes"}};
  struct sess_prior people[SESS_MAX_RELATIONS] = {{"", 0, 0, 0, NULL, 0}};
  struct sess_profile profile = {0};
  struct sess_ctx ctx = {&profile, 20000};
  struct sess_reply r;

  /* A caller we know nothing about: attempt 1 for whoever answers. */
  r = PLAY_IN("family", "1");
  ck_assert_int_eq(r.effect.kind, SESS_EFFECT_ATTEMPT);
  ck_assert_str_eq(r.effect.survey_id, "family");
  ck_assert_int_eq(r.effect.survey_version, 2);
  ck_assert_str_eq(r.effect.relation, "mother");
  ck_assert_int_eq(r.effect.attempt, 1);
  ck_assert_str_eq(r.text, "Ф1?\n1 Иә\n2 Жоқ");
  r = PLAY_IN("family", "1", "2");
  assert_answer_of(&r, "family", 2, "f1", "no");
  ck_assert_str_eq(r.effect.relation, "mother");
  ck_assert_int_eq(r.effect.attempt, 1);

  /* The mother left attempt 2 open after answering f1; the father never answered. */
  profile.prior = people;
  snprintf(profile.prior[0].relation, sizeof(profile.prior[0].relation), "mother");
  profile.prior[0].last_attempt = 2;
  profile.prior[0].open_attempt = 2;
  profile.prior[0].n = 1;
  profile.prior[0].kv = kv;
  profile.n = 1;

  r = play_ctx("family", &ctx, (const char *const[]){"1", NULL});
  ck_assert_str_eq(r.text, "Жалғастыру?\n1 Жалғастыру\n2 Басынан");
  ck_assert_int_eq(r.effect.kind, SESS_EFFECT_NONE); /* nothing stored before she decides */
  /* Continue: attempt 2, and f1 is not asked twice. */
  r = play_ctx("family", &ctx, (const char *const[]){"1", "1", NULL});
  ck_assert_int_eq(r.effect.kind, SESS_EFFECT_ATTEMPT);
  ck_assert_int_eq(r.effect.attempt, 2);
  ck_assert_str_eq(r.text, "Ф2?\n1 Иә\n2 Жоқ");
  r = play_ctx("family", &ctx, (const char *const[]){"1", "1", "1", NULL});
  assert_answer_of(&r, "family", 2, "f2", "yes");
  ck_assert_int_eq(r.effect.attempt, 2);
  ck_assert_int_eq(r.effect.final, 1);
  /* Start over: attempt 3 from f1. */
  r = play_ctx("family", &ctx, (const char *const[]){"1", "2", NULL});
  ck_assert_int_eq(r.effect.kind, SESS_EFFECT_ATTEMPT);
  ck_assert_int_eq(r.effect.attempt, 3);
  ck_assert_str_eq(r.text, "Ф1?\n1 Иә\n2 Жоқ");
  /* The father on the same phone: his own first attempt, no resume offer. */
  r = play_ctx("family", &ctx, (const char *const[]){"2", NULL});
  ck_assert_int_eq(r.effect.kind, SESS_EFFECT_ATTEMPT);
  ck_assert_str_eq(r.effect.relation, "father");
  ck_assert_int_eq(r.effect.attempt, 1);
  ck_assert_str_eq(r.text, "Ф1?\n1 Иә\n2 Жоқ");
  /* The language known from last time is used from the first screen. */
  profile.has_lang = 1;
  profile.lang = SESS_EN;
  r = play_ctx("family", &ctx, (const char *const[]){NULL});
  ck_assert_str_eq(r.text, "Who?\n1 Mother\n2 Father");
}
END_TEST

START_TEST(test_sess_replay_deterministic)
{
  static const char *const paths[][8] = {
      {NULL},
      {"3", NULL},
      {"2", "x", "1", NULL},
      {"3", "1", "2", "42", "Aigul", "2", NULL},
      {"1", "2", "1", "0", "", NULL},
  };

  for (size_t i = 0; i < AG_ARRAY_LEN(paths); i++) {
    struct sess_reply a = play_ctx("poll", NULL, paths[i]);
    struct sess_reply b = play_ctx("poll", NULL, paths[i]);

    ck_assert_mem_eq(a.text, b.text, sizeof(a.text)); /* whole buffer: no stray bytes */
    ck_assert_int_eq(a.end, b.end);
    ck_assert_int_eq(a.lang, b.lang);
    assert_effect_eq(&a.effect, &b.effect);
  }
}
END_TEST

START_TEST(test_sess_replay_errors)
{
  const char *inputs[SESS_MAX_INPUTS + 1];
  struct sess_reply r;

  ck_assert_int_eq(sess_replay(content, &budget, "nope", NULL, NULL, 0, &r), AG_ENOTFOUND);
  ck_assert_int_eq(sess_replay(content, &budget, NULL, NULL, NULL, 0, &r), AG_ENOTFOUND);
  for (size_t i = 0; i < AG_ARRAY_LEN(inputs); i++)
    inputs[i] = "1";
  ck_assert_int_eq(sess_replay(content, &budget, "poll", NULL, inputs, SESS_MAX_INPUTS + 1, &r),
                   AG_E2BIG);
  ck_assert_int_eq(sess_replay(content, &budget, "poll", NULL, inputs, SESS_MAX_INPUTS, &r), AG_OK);
  ck_assert_int_eq(r.end, 1);
}
END_TEST

START_TEST(test_sess_number_huge_input_no_overflow)
{
  char *dir = dir_create();
  struct sess_content *c = NULL;
  json_t *poll = poll_doc();
  struct sess_reply r;
  char err[512] = "";
  const char *inputs[] = {"3", "1", "1", "99999999999999999999"};
  int rc;

  /* A number node whose max is near LONG_MAX: parse_pick must refuse the 20-digit input, not
   * overflow `long` while reading it (UBSan aborts on signed overflow). */
  json_object_set_new(node(poll, "school"), "max", json_integer(1000000000000000000LL));
  doc_write(dir, "strings.json", strings_doc());
  doc_write(dir, "poll.json", poll);
  rc = load(dir, &c, err, sizeof(err));
  dir_remove(dir); /* before any assertion, so that a failure leaves nothing in /tmp */
  ck_assert_msg(rc == AG_OK, "%s", err);
  ck_assert_int_eq(sess_replay(c, &budget, "poll", NULL, inputs, AG_ARRAY_LEN(inputs), &r), AG_OK);
  ck_assert_str_eq(r.text, "Digits only.\nSchool number?\n0 Skip");
  ck_assert_int_eq(r.effect.kind, SESS_EFFECT_NONE);
  sess_content_unref(c);
}
END_TEST

/* --- the shipped content --- */

/* Every screen of the shipped content is valid UTF-8 within the budget of its encoding. */
static void assert_screen_fits(const char *screen)
{
  struct ag_text_cost cost;
  size_t units;

  ck_assert_int_eq(ag_text_measure(screen, strlen(screen), &cost), AG_OK);
  units = ag_text_units(&cost);
  ck_assert_msg(units <= (size_t)(cost.enc == AG_ENC_GSM7 ? budget.gsm7 : budget.ucs2),
                "screen of %zu units: \"%s\"", units, screen);
}

START_TEST(test_sess_shipped_content_loads)
{
  static const char *const keys[] = {"invalid",    "bad_number", "unavailable", "unconfirmed",
                                     "not_kazakh", "timeout",    "updated"};
  struct sess_content *c = NULL;
  struct sess_reply r;
  char err[512] = "";
  int rc = load(CONTENT_DIR, &c, err, sizeof(err));

  ck_assert_msg(rc == AG_OK, "%s: %s", ag_errname(rc), err);
  /* The default ussd_entry (ag_config.c) and the survey its menu starts exist. */
  ck_assert_int_eq(sess_replay(c, &budget, "main_menu", NULL, NULL, 0, &r), AG_OK);
  ck_assert_int_eq(r.end, 0);
  ck_assert_uint_gt(strlen(r.text), 0);
  assert_screen_fits(r.text);
  ck_assert_int_eq(sess_replay(c, &budget, "involvement", NULL, NULL, 0, &r), AG_OK);
  /* The strings the gateway shows on its own are there in every language. */
  for (int l = 0; l < SESS_NLANG; l++)
    for (size_t k = 0; k < AG_ARRAY_LEN(keys); k++)
      ck_assert_msg(strlen(sess_string(c, keys[k], (enum sess_lang)l)) > 0, "%s in %s", keys[k],
                    sess_lang_code((enum sess_lang)l));
  sess_content_unref(c);
}
END_TEST

/* Does the screen show a line "<num> ..."? */
static int has_option(const char *text, const char *num)
{
  size_t n = strlen(num);

  for (const char *p = text; p; p = strchr(p, '\n')) {
    if (*p == '\n')
      p++;
    if (strncmp(p, num, n) == 0 && p[n] == ' ')
      return 1;
  }
  return 0;
}

/* Answers `first` (when not NULL) and then `pick` at every screen of entry until END: every screen
 * must fit and replay the same, every answer must name its survey, the last one must be final. */
static void walk_shipped(const char *entry, const char *first, const char *pick,
                         const struct sess_ctx *ctx)
{
  struct sess_content *c = NULL;
  const char *inputs[SESS_MAX_INPUTS];
  struct sess_reply r, again;
  char err[512] = "";
  size_t n = 0, answers = 0;

  ck_assert_msg(load(CONTENT_DIR, &c, err, sizeof(err)) == AG_OK, "%s", err);
  for (;;) {
    ck_assert_int_eq(sess_replay(c, &budget, entry, ctx, inputs, n, &r), AG_OK);
    assert_screen_fits(r.text);
    ck_assert_int_eq(sess_replay(c, &budget, entry, ctx, inputs, n, &again), AG_OK);
    ck_assert_mem_eq(r.text, again.text, sizeof(r.text));
    assert_effect_eq(&r.effect, &again.effect);
    ck_assert_msg(strncmp(r.text, sess_string(c, "invalid", r.lang),
                          strlen(sess_string(c, "invalid", r.lang))) != 0,
                  "\"%s\" refused after %zu inputs: %s", pick, n, r.text);
    if (r.effect.kind == SESS_EFFECT_ANSWER) {
      answers++;
      ck_assert_uint_gt(strlen(r.effect.survey_id), 0);
      ck_assert_int_gt(r.effect.survey_version, 0);
      ck_assert_uint_gt(strlen(r.effect.question_id), 0);
      ck_assert_uint_gt(strlen(r.effect.value), 0);
      ck_assert_int_eq(r.effect.final, r.end);
    }
    if (r.end)
      break;
    ck_assert_msg(n + 1 < SESS_MAX_INPUTS, "no END after %d inputs of \"%s\"", SESS_MAX_INPUTS,
                  pick);
    inputs[n] = n == 0 && first ? first : pick;
    /* A long list whose first page does not show `pick` (the barrier question of version 4
     * shows one option beside its question): page on, as a caller would, instead of typing a
     * number the page does not offer. */
    if (!(n == 0 && first) && !has_option(r.text, pick) && has_option(r.text, "99"))
      inputs[n] = "99";
    n++;
  }
  if (strcmp(entry, "involvement") == 0)
    ck_assert_uint_gt(answers, 0);
  sess_content_unref(c);
}

START_TEST(test_sess_shipped_content_walk)
{
  struct sess_profile profile = {0};
  struct sess_ctx ctx = {&profile, 20000};

  /* Survey version 4 opens with a screen whose 2 ("Not now") leaves the survey: the walk of
   * 2s starts it with 1 ("Start"). */
  walk_shipped("involvement", NULL, "1", NULL);
  walk_shipped("involvement", "1", "2", NULL);
  walk_shipped("main_menu", NULL, "1", NULL);
  profile.has_lang = 1;
  profile.lang = SESS_RU;
  walk_shipped("main_menu", NULL, "1", &ctx);
  walk_shipped("main_menu", NULL, "2", &ctx);
}
END_TEST

/* The USSD SMS screen says whether the caller's tips are on (issue 12, item 1), as the profile
 * read at the session's start has it: on, off (also a caller never subscribed), and the neutral
 * prompt when nothing is known (no profile, or one frozen before the state was read). */
START_TEST(test_sess_sms_screen_shows_state)
{
  static const char *const in[] = {"4"};
  struct sess_content *c = NULL;
  struct sess_profile p;
  struct sess_ctx ctx = {.profile = &p, .day = 1};
  struct sess_profile_row row = {.relation = "", .lang = "en", .sms = 1};
  struct sess_reply r;
  char err[512] = "";

  ck_assert_int_eq(load(CONTENT_DIR, &c, err, sizeof(err)), AG_OK);
  memset(&p, 0, sizeof(p));
  ck_assert_int_eq(sess_profile_add(&p, &row), AG_OK);
  ck_assert_int_eq(sess_replay(c, &budget, "main_menu", &ctx, in, 1, &r), AG_OK);
  ck_assert_msg(strstr(r.text, "Your SMS tips are on.") && has_option(r.text, "1") &&
                    has_option(r.text, "2"),
                "%s", r.text);
  sess_profile_cleanup(&p);
  row.sms = 2;
  ck_assert_int_eq(sess_profile_add(&p, &row), AG_OK);
  ck_assert_int_eq(sess_replay(c, &budget, "main_menu", &ctx, in, 1, &r), AG_OK);
  ck_assert_msg(strstr(r.text, "Your SMS tips are off."), "%s", r.text);
  sess_profile_cleanup(&p);
  row.lang = "ru"; /* a caller with a language only: no subscription row, tips off */
  row.sms = 0;
  ck_assert_int_eq(sess_profile_add(&p, &row), AG_OK);
  ck_assert_int_eq(sess_replay(c, &budget, "main_menu", &ctx, in, 1, &r), AG_OK);
  ck_assert_msg(strstr(r.text, "SMS-советы: отключены."), "%s", r.text);
  sess_profile_cleanup(&p);
  row.sms = 3; /* a profile frozen before the state was read */
  ck_assert_int_eq(sess_profile_add(&p, &row), AG_OK);
  ck_assert_int_eq(sess_replay(c, &budget, "main_menu", &ctx, in, 1, &r), AG_OK);
  ck_assert_msg(strstr(r.text, "Бесплатные SMS-советы:"), "%s", r.text);
  sess_profile_cleanup(&p);
  sess_content_unref(c);
}
END_TEST

/* --- the caller's profile, built from typed rows --- */

static void add_row(struct sess_profile *p, const char *relation, int attempt, int open, int fresh,
                    const char *lang, const char *q, const char *v)
{
  struct sess_profile_row row = {relation, attempt, open, fresh, lang, q, v, 0, 0, NULL};

  ck_assert_int_eq(sess_profile_add(p, &row), AG_OK);
}

START_TEST(test_sess_profile_rows)
{
  struct sess_profile p;

  /* Newest first: the mother's open attempt 2 (fresh), her attempt 1, the father's done one. */
  memset(&p, 0, sizeof(p));
  add_row(&p, "mother", 2, 1, 1, "ru", "grade", "5-9");
  add_row(&p, "mother", 2, 1, 1, "ru", "L1", "yes");
  add_row(&p, "mother", 1, 0, 0, "kk", "grade", "1-4");
  add_row(&p, "father", 1, 0, 0, "en", "L1", "no");
  add_row(&p, "grandma", 1, 1, 1, "en", NULL, NULL); /* opened, nothing answered */
  ck_assert(p.has_lang);
  ck_assert_int_eq(p.lang, SESS_RU); /* the newest row's */
  ck_assert_str_eq(p.grade, "5-9");  /* the newest grade */
  ck_assert_uint_eq(p.n, 3);
  ck_assert_str_eq(p.prior[0].relation, "mother");
  ck_assert_int_eq(p.prior[0].last_attempt, 2);
  ck_assert_int_eq(p.prior[0].open_attempt, 2);
  ck_assert_uint_eq(p.prior[0].n, 2); /* only the open attempt's answers */
  ck_assert_str_eq(p.prior[0].kv[1].key, "L1");
  ck_assert_str_eq(p.prior[0].kv[1].value, "yes");
  ck_assert_int_eq(p.prior[1].last_attempt, 1);
  ck_assert_int_eq(p.prior[1].open_attempt, 0);
  ck_assert_uint_eq(p.prior[1].n, 0);
  ck_assert_int_eq(p.prior[2].open_attempt, 1);
  ck_assert_uint_eq(p.prior[2].n, 0);
  sess_profile_cleanup(&p);

  /* An open attempt past the resume window is not offered. */
  add_row(&p, "mother", 3, 1, 0, "kk", "L1", "yes");
  ck_assert_int_eq(p.prior[0].open_attempt, 0);
  ck_assert_uint_eq(p.prior[0].n, 0);
  sess_profile_cleanup(&p);

  /* A language-only row (attempt 0: the SMS switch, the language menu) tells the language when
   * it is the newest, and nothing else; an unknown code tells nothing. */
  add_row(&p, "", 0, 0, 0, "en", NULL, NULL);
  add_row(&p, "mother", 1, 0, 0, "ru", "L1", "no");
  ck_assert(p.has_lang);
  ck_assert_int_eq(p.lang, SESS_EN);
  ck_assert_uint_eq(p.n, 1);
  sess_profile_cleanup(&p);
  add_row(&p, "", 0, 0, 0, "xx", NULL, NULL);
  add_row(&p, "mother", 1, 0, 0, "ru", "L1", "no");
  ck_assert(!p.has_lang);
  sess_profile_cleanup(&p);
}
END_TEST

/* --- the session table: the profile queue and the tombstone's end --- */

static int ends, readies[SESS_MAX_WAITING + 1], ready_order;

static void count_end(void *arg, struct sess_session *s)
{
  (void)arg;
  ck_assert_int_ne(sess_session_ended(s), SESS_LIVE);
  ends++;
}

static void on_ready(struct sess_waiter *w, int rc)
{
  (void)w;
  readies[ready_order++] = rc;
}

static void run_loop_ms(struct event_base *base, long ms)
{
  struct timeval tv = {0, ms * 1000};

  event_base_loopexit(base, &tv);
  event_base_dispatch(base);
}

START_TEST(test_sess_table_profile_queue_and_tombstone)
{
  struct event_base *base = event_base_new();
  struct sess_table *t = sess_table_create(base, 60000, 100, count_end, NULL);
  struct sess_content *c = NULL;
  struct sess_waiter w[SESS_MAX_WAITING + 1];
  struct sess_profile p;
  uint8_t key[32] = {1, 2, 3};
  char err[256], phone[AG_PHONE_MAX];
  struct sess_session *s;
  int load;

  ck_assert_int_eq(sess_content_load(CONTENT_DIR, &budget, NULL, 0, &c, err, sizeof(err)), AG_OK);
  s = sess_table_add(t, "at", "S1", "+77011234567", key, c, 1700000000000000LL);
  ck_assert_ptr_nonnull(s);
  ck_assert_ptr_eq(sess_table_find(t, "at", "S1"), s);
  ck_assert_str_eq(sess_session_phone_masked(s, phone, sizeof(phone)), "+*******4567");
  ck_assert_int_eq(sess_session_ctx(s)->day, (1700000000 + 5 * 3600) / 86400);
  ck_assert_ptr_null(sess_session_ctx(s)->profile);
  /* The first waiter loads, the next ones wait for that load, the ninth is refused. */
  for (int i = 0; i < SESS_MAX_WAITING; i++) {
    w[i].ready = on_ready;
    ck_assert_int_eq(sess_profile_wait(s, &w[i], &load), AG_AGAIN);
    ck_assert_int_eq(load, i == 0);
  }
  w[SESS_MAX_WAITING].ready = on_ready;
  ck_assert_int_eq(sess_profile_wait(s, &w[SESS_MAX_WAITING], &load), AG_E2BIG);
  /* A failed load fails every waiter; the next hop loads again. */
  memset(&p, 0, sizeof(p));
  sess_profile_settle(s, AG_EDB, &p);
  ck_assert_int_eq(ready_order, SESS_MAX_WAITING);
  ck_assert_int_eq(readies[0], AG_EDB);
  ck_assert_int_eq(sess_profile_wait(s, &w[0], &load), AG_AGAIN);
  ck_assert_int_eq(load, 1);
  add_row(&p, "", 0, 0, 0, "ru", NULL, NULL);
  sess_profile_settle(s, AG_OK, &p);
  ck_assert_int_eq(readies[SESS_MAX_WAITING], AG_OK);
  ck_assert_ptr_nonnull(sess_session_ctx(s)->profile);
  ck_assert_int_eq(sess_session_lang(s), SESS_RU);
  ck_assert_int_eq(sess_profile_wait(s, &w[1], &load), AG_OK);
  ck_assert_int_eq(load, 0);

  /* Held past its tombstone time, an ended session stays until the last hold goes. */
  sess_table_touch(sess_session_hold(s), 3);
  ck_assert_uint_eq(sess_session_hops(s), 3);
  sess_table_end(s, SESS_END_SCREEN);
  sess_table_end(s, SESS_END_IDLE); /* no-op */
  ck_assert_int_eq(ends, 1);
  ck_assert_int_eq(sess_session_ended(s), SESS_END_SCREEN);
  ck_assert_uint_eq(sess_table_live(t), 0);
  run_loop_ms(base, 250);
  ck_assert_ptr_eq(sess_table_find(t, "at", "S1"), s);
  sess_session_release(s);
  ck_assert_ptr_null(sess_table_find(t, "at", "S1"));

  /* Unheld, it goes when its time is over. */
  s = sess_table_add(t, "at", "S2", "+77011234567", key, c, 1700000000000000LL);
  sess_table_end(s, SESS_END_CARRIER);
  ck_assert_ptr_eq(sess_table_find(t, "at", "S2"), s);
  run_loop_ms(base, 250);
  ck_assert_ptr_null(sess_table_find(t, "at", "S2"));
  ck_assert_int_eq(ends, 2);

  sess_table_destroy(t);
  sess_content_unref(c);
  event_base_free(base);
}
END_TEST

static Suite *sess_suite(void)
{
  Suite *s = suite_create("sess");
  TCase *tc;

  tc = tcase_create("load");
  tcase_add_test(tc, test_sess_load_fixture);
  tcase_add_test(tc, test_sess_ref_unref_counts);
  tcase_add_test(tc, test_sess_load_missing_translation);
  tcase_add_test(tc, test_sess_load_dangling_next);
  tcase_add_test(tc, test_sess_load_duplicate_node_id);
  tcase_add_test(tc, test_sess_load_empty_options);
  tcase_add_test(tc, test_sess_load_unknown_type);
  tcase_add_test(tc, test_sess_load_over_budget);
  tcase_add_test(tc, test_sess_load_json_syntax_error);
  tcase_add_test(tc, test_sess_load_folder_errors);
  tcase_add_test(tc, test_sess_lint_reports_every_problem);
  suite_add_tcase(s, tc);

  tc = tcase_create("replay");
  tcase_add_checked_fixture(tc, content_setup, content_teardown);
  tcase_add_test(tc, test_sess_first_screen);
  tcase_add_test(tc, test_sess_set_lang);
  tcase_add_test(tc, test_sess_yesno_recorded);
  tcase_add_test(tc, test_sess_choice_number_text_recorded);
  tcase_add_loop_test(tc, test_sess_invalid_input, 0, (int)AG_ARRAY_LEN(bad_picks));
  tcase_add_test(tc, test_sess_invalid_input_menu_number_text);
  tcase_add_test(tc, test_sess_end_after_last_question);
  tcase_add_test(tc, test_sess_menu_records_nothing);
  tcase_add_test(tc, test_sess_skip_logic);
  tcase_add_test(tc, test_sess_paging);
  tcase_add_test(tc, test_sess_error_line_drops_prompt);
  tcase_add_test(tc, test_sess_relation_and_resume);
  tcase_add_test(tc, test_sess_replay_deterministic);
  tcase_add_test(tc, test_sess_replay_errors);
  tcase_add_test(tc, test_sess_number_huge_input_no_overflow);
  suite_add_tcase(s, tc);

  tc = tcase_create("shipped");
  tcase_add_test(tc, test_sess_shipped_content_loads);
  tcase_add_test(tc, test_sess_content_fingerprint);
  tcase_add_test(tc, test_sess_shipped_content_walk);
  suite_add_tcase(s, tc);

  tc = tcase_create("table");
  tcase_add_test(tc, test_sess_profile_rows);
  tcase_add_test(tc, test_sess_sms_screen_shows_state);
  tcase_add_test(tc, test_sess_table_profile_queue_and_tombstone);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(sess_suite)
