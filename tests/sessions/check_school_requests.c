/* check_school_requests.c: "Requests from the school" in the shipped content (the 4th choice of
 * "My child's school"): the list of the profile's open requests, the text in the session's
 * language (kk when written, else ru; framed when not the session's), paged within the budget
 * with the answers after it, "Tell me more" with the request's facts, the effects (an answer
 * per press, the share after "I can help": yes with a first name or 0, no), no open request,
 * replays that give the same screen; and the first-name reader. */
#include "lib/ag.h"
#include "lib/ag_text.h"
#include "sessions/sess.h"
#include "tests/support/ag_check.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#ifndef CONTENT_DIR
#error "CONTENT_DIR must name the shipped content folder"
#endif

static const struct sess_budget budget = {75, 175};

static struct sess_content *load(void)
{
  struct sess_content *c = NULL;
  char err[512];

  ck_assert_msg(sess_content_load(CONTENT_DIR, &budget, NULL, 0, &c, err, sizeof(err)) == AG_OK,
                "%s", err);
  return c;
}

/* A long request (four pages in kk), a short one written only in Russian, and one with every
 * fact; newest first as the store hands them. */
static const char long_kk[] =
    "Құрметті ата-аналар! Сенбі күні мектеп ауласында сенбілік өтеді: ағаш отырғызамыз, "
    "қоршауды сырлаймыз, спорт алаңын тазалаймыз. Күрек, щетка және қолғап алып келсеңіз "
    "жақсы болар еді. Балалар да қатысады, шай беріледі.";
static struct sess_request reqs[3] = {
    {101, "event_help", long_kk, "Нужна помощь на субботнике во дворе школы.", "Мектеп №7",
     "2026-12-12", "2026-12-10", 5},
    {102, "talk", "", "Расскажите классу о своей профессии.", "Мектеп №7", "", "2026-12-20", 0},
    {103, "repair", "Терезе жөндеу керек.", "", "Мектеп №9", "", "2026-12-31", 2},
};

static struct sess_ctx ctx_of(struct sess_profile *p, enum sess_lang lang, size_t n_req)
{
  struct sess_ctx ctx = {p, 20425};

  memset(p, 0, sizeof(*p));
  p->has_lang = 1;
  p->lang = lang;
  p->sms = -1;
  p->req = reqs;
  p->n_req = n_req;
  return ctx;
}

/* My child's school, mother, Requests, then more. */
static void play(const struct sess_content *c, const struct sess_ctx *ctx, const char *const *more,
                 size_t n, struct sess_reply *r)
{
  const char *in[SESS_MAX_INPUTS] = {"6", "1", "4"};

  for (size_t i = 0; i < n; i++)
    in[3 + i] = more[i];
  ck_assert_int_eq(sess_replay(c, &budget, "main_menu", ctx, in, 3 + n, r), AG_OK);
  {
    size_t units, limit;
    struct ag_text_cost cost;
    ck_assert_int_eq(ag_text_measure(r->text, strlen(r->text), &cost), AG_OK);
    units = ag_text_units(&cost);
    limit = cost.enc == AG_ENC_GSM7 ? 175 : 75;
    ck_assert_msg(units <= limit, "%zu > %zu: %s", units, limit, r->text);
  }
}

/* Plays more, then 99 while the screen pages a text, then after (the answer and what follows);
 * the text pages shown are appended to seen (their first lines) when not NULL. */
static void answer(const struct sess_content *c, const struct sess_ctx *ctx,
                   const char *const *more, size_t n, const char *const *after, size_t n_after,
                   struct sess_reply *r, char *seen, size_t seen_len)
{
  const char *in[SESS_MAX_INPUTS];
  size_t k = 0;

  for (size_t i = 0; i < n; i++)
    in[k++] = more[i];
  for (;;) {
    play(c, ctx, in, k, r);
    if (!strstr(r->text, "\n99 "))
      break;
    if (seen) /* the page's text without its navigation, pages joined by a space */
      snprintf(seen + strlen(seen), seen_len - strlen(seen), "%.*s ",
               (int)(strstr(r->text, "\n99 ") - r->text), r->text);
    ck_assert_uint_lt(k, 20);
    in[k++] = "99";
  }
  for (size_t i = 0; i < n_after; i++)
    in[k++] = after[i];
  if (n_after)
    play(c, ctx, in, k, r);
}

/* Plays in[0..*k), then 99 while the screen pages a text (appending each page's text to seen),
 * leaving in and *k at the screen after the text. */
static void more_pages(const struct sess_content *c, const struct sess_ctx *ctx, const char **in,
                       size_t *k, struct sess_reply *r, char *seen, size_t seen_len)
{
  for (;;) {
    play(c, ctx, in, *k, r);
    if (!strstr(r->text, "\n99 "))
      return;
    if (seen)
      snprintf(seen + strlen(seen), seen_len - strlen(seen), "%.*s ",
               (int)(strstr(r->text, "\n99 ") - r->text), r->text);
    ck_assert_uint_lt(*k, SESS_MAX_INPUTS - 8);
    in[(*k)++] = "99";
  }
}

START_TEST(test_list_and_none)
{
  struct sess_content *c = load();
  struct sess_profile p;
  struct sess_ctx ctx = ctx_of(&p, SESS_KK, 3);
  struct sess_reply r;

  play(c, &ctx, NULL, 0, &r);
  ck_assert_str_eq(r.screen, "requests");
  ck_assert_int_eq(r.end, 0);
  ck_assert_msg(strncmp(r.text, "Мектеп өтініштері:\n1 Құрметті", 45) == 0, "%s", r.text);
  ck_assert_msg(strstr(r.text, "\n2 Расскажите") && strstr(r.text, "\n3 Терезе жөндеу"), "%s",
                r.text);
  ck_assert_msg(strstr(r.text, "…"), "a long text is cut with an ellipsis: %s", r.text);
  /* A wrong number: the list again, nothing stored. */
  {
    static const char *const bad[] = {"4"};
    play(c, &ctx, bad, 1, &r);
    ck_assert_int_eq(r.effect.kind, SESS_EFFECT_NONE);
    ck_assert_str_eq(r.screen, "requests");
  }
  /* No open request: said plainly, with where to name the school; the session ends. */
  ctx = ctx_of(&p, SESS_RU, 0);
  play(c, &ctx, NULL, 0, &r);
  ck_assert_int_eq(r.end, 1);
  ck_assert_msg(strstr(r.text, "открытых просьб школы нет") && strstr(r.text, "Указать школу"),
                "%s", r.text);
  ctx.profile = NULL; /* a caller we know nothing of: the language first */
  {
    static const char *const in[] = {"2", "6", "1", "4"};
    ck_assert_int_eq(sess_replay(c, &budget, "main_menu", &ctx, in, 4, &r), AG_OK);
    ck_assert_int_eq(r.end, 1);
    ck_assert_msg(strstr(r.text, "открытых просьб школы нет"), "%s", r.text);
  }
  sess_content_unref(c);
}
END_TEST

/* The long kk text pages with 99 and 0; the answers follow its last page. */
START_TEST(test_text_pages)
{
  struct sess_content *c = load();
  struct sess_profile p;
  struct sess_ctx ctx = ctx_of(&p, SESS_KK, 3);
  struct sess_reply r;
  const char *in[16] = {"1"};
  char seen[2048] = "";
  size_t n = 1, pages = 0;

  for (;;) {
    play(c, &ctx, in, n, &r);
    if (!strstr(r.text, "\n99 Тағы"))
      break;
    ck_assert_msg(strstr(r.text, "\n0 Артқа"), "%s", r.text);
    strncat(seen, r.text, strcspn(r.text, "\n"));
    strcat(seen, " ");
    pages++;
    ck_assert_uint_lt(pages, 10);
    in[n++] = "99";
  }
  ck_assert_uint_ge(pages, 2);
  /* Every word of the text was shown, in order. */
  ck_assert_msg(strstr(seen, "Құрметті ата-аналар!") && strstr(seen, "шай беріледі."), "%s", seen);
  ck_assert_msg(
      strcmp(r.text, "Жауабыңыз:\n1 Көмектесемін\n2 Бұл жолы емес\n3 Толығырақ\n0 Артқа") == 0,
      "%s", r.text);
  /* 0 goes back to the last page of text; from the first page, to the list. */
  in[n++] = "0";
  play(c, &ctx, in, n, &r);
  ck_assert_msg(strstr(r.text, "шай беріледі.\n99 Тағы"), "%s", r.text);
  {
    static const char *const back[] = {"1", "0"};
    play(c, &ctx, back, 2, &r);
    ck_assert_msg(strncmp(r.text, "Мектеп өтініштері:", 33) == 0, "%s", r.text);
  }
  sess_content_unref(c);
}
END_TEST

/* The language: kk text in kk; ru text framed in a kk session when the school wrote no kk; ru
 * for ru and en sessions, kk (framed) when there is no ru. A short text shares its screen with
 * the answers. */
START_TEST(test_languages)
{
  static const char *const second[] = {"2"}, *const third[] = {"3"};
  struct sess_content *c = load();
  struct sess_profile p;
  struct sess_ctx ctx = ctx_of(&p, SESS_KK, 3);
  struct sess_reply r;
  char seen[1024] = "";

  answer(c, &ctx, second, 1, NULL, 0, &r, seen, sizeof(seen));
  ck_assert_str_eq(seen, "Мектеп орысша жазды:\nРасскажите классу о своей профессии. ");
  ck_assert_msg(
      strcmp(r.text, "Жауабыңыз:\n1 Көмектесемін\n2 Бұл жолы емес\n3 Толығырақ\n0 Артқа") == 0,
      "%s", r.text);
  ctx = ctx_of(&p, SESS_RU, 3);
  seen[0] = '\0';
  answer(c, &ctx, second, 1, NULL, 0, &r, seen, sizeof(seen));
  ck_assert_msg(strncmp(seen, "Расскажите классу", 31) == 0, "%s", seen);
  seen[0] = '\0';
  answer(c, &ctx, third, 1, NULL, 0, &r, seen, sizeof(seen));
  ck_assert_str_eq(seen, "Школа пишет по-казахски:\nТерезе жөндеу керек. ");
  ctx = ctx_of(&p, SESS_EN, 3);
  seen[0] = '\0';
  answer(c, &ctx, third, 1, NULL, 0, &r, seen, sizeof(seen));
  ck_assert_msg(strstr(seen, "The school writes in Kazakh:\nТерезе жөндеу керек."), "%s", seen);
  ck_assert_msg(
      strcmp(r.text, "Your answer:\n1 I can help\n2 Not this time\n3 Tell me more\n0 Back") == 0,
      "%s", r.text);
  seen[0] = '\0';
  answer(c, &ctx, second, 1, NULL, 0, &r, seen, sizeof(seen));
  ck_assert_msg(strstr(seen, "The school writes in Russian:\nРасскажите"), "%s", seen);
  /* A text and its answers that fit one screen share it. */
  reqs[1].text_ru = "Нужны 2 стула.";
  ctx = ctx_of(&p, SESS_RU, 3);
  play(c, &ctx, second, 1, &r);
  ck_assert_str_eq(r.text, "Нужны 2 стула.\n1 Могу помочь\n2 Не в этот раз\n3 Подробнее");
  reqs[1].text_ru = "Расскажите классу о своей профессии.";
  sess_content_unref(c);
}
END_TEST

/* Each answer is an effect of its own hop; "Tell me more" shows the facts, then two answers. */
START_TEST(test_answers_and_more)
{
  static const char *const second[] = {"2"}, *const third[] = {"3"};
  static const char *const two[] = {"2"}, *const three[] = {"3"};
  struct sess_content *c = load();
  struct sess_profile p;
  struct sess_ctx ctx = ctx_of(&p, SESS_EN, 3);
  struct sess_reply r;
  char seen[1024] = "";

  answer(c, &ctx, second, 1, two, 1, &r, NULL, 0);
  ck_assert_int_eq(r.effect.kind, SESS_EFFECT_SCHOOL_ANSWER);
  ck_assert_int_eq(r.effect.request_id, 102);
  ck_assert_str_eq(r.effect.value, "not_now");
  ck_assert_str_eq(r.effect.relation, "mother");
  ck_assert_int_eq(r.end, 1);
  ck_assert_msg(strstr(r.text, "not who"), "%s", r.text);
  answer(c, &ctx, third, 1, three, 1, &r, NULL, 0);
  ck_assert_int_eq(r.effect.kind, SESS_EFFECT_SCHOOL_ANSWER);
  ck_assert_int_eq(r.effect.request_id, 103);
  ck_assert_str_eq(r.effect.value, "more");
  ck_assert_int_eq(r.end, 0);
  ck_assert_msg(strncmp(r.text, "Мектеп №9\nA repair.", 23) == 0, "%s", r.text);
  /* The facts' pages, then two answers only. */
  {
    const char *in[SESS_MAX_INPUTS] = {"3"};
    size_t k = 1;
    char all[1024] = "";
    more_pages(c, &ctx, in, &k, &r, NULL, 0);
    in[k++] = "3";
    more_pages(c, &ctx, in, &k, &r, all, sizeof(all));
    ck_assert_str_eq(all, "Мектеп №9\nA repair. People needed: 2. Answer by: 31.12.2026. If you "
                          "share your number, the school may call you. ");
    ck_assert_msg(strstr(r.text, "1 I can help\n2 Not this time") && !strstr(r.text, "\n3 "), "%s",
                  r.text);
  }
  /* In kk, the facts of the first request: its school, kind, date, people, last day. */
  ctx = ctx_of(&p, SESS_KK, 3);
  {
    const char *in[SESS_MAX_INPUTS] = {"1"};
    size_t k = 1;
    more_pages(c, &ctx, in, &k, &r, NULL, 0);
    in[k++] = "3";
    more_pages(c, &ctx, in, &k, &r, seen, sizeof(seen));
    ck_assert_str_eq(seen, "Мектеп №7\nІс-шараға көмек. Күні: 12.12.2026. Адам саны: 5. Жауап беру "
                           "мерзімі: 10.12.2026. Нөміріңізді берсеңіз, мектеп сізге қоңырау шалуы "
                           "мүмкін. ");
    in[k++] = "1";
    play(c, &ctx, in, k, &r);
    ck_assert_int_eq(r.effect.kind, SESS_EFFECT_SCHOOL_ANSWER);
    ck_assert_str_eq(r.effect.value, "help");
    ck_assert_int_eq(r.effect.request_id, 101);
  }
  sess_content_unref(c);
}
END_TEST

/* "I can help", then the share: yes with a name, yes skipping it, a bad name, no. */
START_TEST(test_share)
{
  static const char *const pick[] = {"2"};
  static const char *const help[] = {"1"};
  static const char *const named[] = {"1", "1", "  Айгүл  "};
  static const char *const skip[] = {"1", "1", "0"};
  static const char *const bad[] = {"1", "1", "87015550000"};
  static const char *const no[] = {"1", "2"};
  struct sess_content *c = load();
  struct sess_profile p;
  struct sess_ctx ctx = ctx_of(&p, SESS_RU, 3);
  struct sess_reply r;

  answer(c, &ctx, pick, 1, help, 1, &r, NULL, 0);
  ck_assert_int_eq(r.effect.kind, SESS_EFFECT_SCHOOL_ANSWER);
  ck_assert_str_eq(r.effect.value, "help");
  ck_assert_msg(
      strcmp(r.text, "Спасибо! Передать школе Ваш номер для этой просьбы?\n1 Да\n2 Нет") == 0, "%s",
      r.text);
  answer(c, &ctx, pick, 1, named, 3, &r, NULL, 0);
  ck_assert_int_eq(r.effect.kind, SESS_EFFECT_SCHOOL_SHARE);
  ck_assert_int_eq(r.effect.share, 1);
  ck_assert_int_eq(r.effect.request_id, 102);
  ck_assert_str_eq(r.effect.first_name, "Айгүл");
  ck_assert_int_eq(r.end, 1);
  ck_assert_msg(strstr(r.text, "позвонить"), "%s", r.text);
  answer(c, &ctx, pick, 1, skip, 3, &r, NULL, 0);
  ck_assert_int_eq(r.effect.kind, SESS_EFFECT_SCHOOL_SHARE);
  ck_assert_str_eq(r.effect.first_name, "");
  answer(c, &ctx, pick, 1, bad, 3, &r, NULL, 0);
  ck_assert_int_eq(r.effect.kind, SESS_EFFECT_NONE);
  ck_assert_int_eq(r.end, 0);
  ck_assert_msg(strncmp(r.text, "Только буквы, не более 40.\n", 45) == 0, "%s", r.text);
  answer(c, &ctx, pick, 1, no, 2, &r, NULL, 0);
  ck_assert_int_eq(r.effect.kind, SESS_EFFECT_SCHOOL_SHARE);
  ck_assert_int_eq(r.effect.share, 0);
  ck_assert_int_eq(r.end, 1);
  ck_assert_msg(strstr(r.text, "не передаётся"), "%s", r.text);
  sess_content_unref(c);
}
END_TEST

START_TEST(test_first_name)
{
  char out[SESS_FIRST_NAME_BYTES];
  char forty[128] = "", forty1[256];

  ck_assert_int_eq(sess_first_name("Айгүл", out), AG_OK);
  ck_assert_str_eq(out, "Айгүл");
  ck_assert_int_eq(sess_first_name("  Анна   Мария ", out), AG_OK);
  ck_assert_str_eq(out, "Анна Мария");
  ck_assert_int_eq(sess_first_name("Анна-Мария", out), AG_OK);
  ck_assert_int_eq(sess_first_name("O’Neil", out), AG_OK);
  ck_assert_str_eq(out, "O'Neil");
  ck_assert_int_eq(sess_first_name("Ғалымжан", out), AG_OK);
  ck_assert_int_eq(sess_first_name("Şolpan", out), AG_OK);
  for (int i = 0; i < 40; i++)
    strcat(forty, "Ж");
  ck_assert_int_eq(sess_first_name(forty, out), AG_OK);
  ck_assert_str_eq(out, forty);
  snprintf(forty1, sizeof(forty1), "%sа", forty);
  ck_assert_int_eq(sess_first_name(forty1, out), AG_EINVAL);
  ck_assert_str_eq(out, "");
  /* Refused: empty, digits, signs, a joiner at an end or twice, invalid UTF-8, an emoji. */
  static const char *const bad[] = {"",      "   ",   "Анна1",    "8701",
                                    "<b>",   "Анна!", "-Анна",    "Анна-",
                                    "А--на", "А- на", "Анна\xff", "Анна \xf0\x9f\x98\x80",
                                    "'",     "Ан\nна"};
  for (size_t i = 0; i < AG_ARRAY_LEN(bad); i++) {
    ck_assert_msg(sess_first_name(bad[i], out) == AG_EINVAL, "accepted [%s]", bad[i]);
    ck_assert_str_eq(out, "");
  }
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("school_requests");
  TCase *tc = tcase_create("engine");

  tcase_add_test(tc, test_list_and_none);
  tcase_add_test(tc, test_text_pages);
  tcase_add_test(tc, test_languages);
  tcase_add_test(tc, test_answers_and_more);
  tcase_add_test(tc, test_share);
  tcase_add_test(tc, test_first_name);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  static const ag_check_suite_fn suites[] = {suite, NULL};

  return ag_check_run(suites);
}
