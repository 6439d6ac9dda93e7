/* check_sim.c: unit tests of the pure parts of `aulgate simulate`: reading a screen, the exact
 * quotas, and what a synthetic parent types on the screens the shipped content renders
 * (language menu, a title the same in every language, a paged list, an error screen without
 * its question, the resume prompt, the end, "could not save"). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ag.h"
#include "tools/simulate/sim.h"
#include "tests/support/ag_check.h"

static struct sim_content *content;

static void setup(void)
{
  char err[512];

  ck_assert_msg(sim_content_load(CONTENT_DIR, &content, err, sizeof(err)) == AG_OK, "%s", err);
}

static void teardown(void)
{
  sim_content_free(content);
}

/* A screen points into its own buffer: parsed in place, never copied. */
static void screen(struct sim_screen *s, const char *body)
{
  int rc = sim_screen_parse(body, strlen(body), s);

  ck_assert_msg(rc == AG_OK, "parse of \"%s\": %s", body, ag_errname(rc));
}

START_TEST(test_parse)
{
  static struct sim_screen s, bad;

  screen(&s, "CON Who are you to the child?\n1 Mother\n2 Father\n99 More");

  ck_assert_int_eq(s.end, 0);
  ck_assert_str_eq(s.text, "Who are you to the child?");
  ck_assert_uint_eq(s.n_opts, 3);
  ck_assert_uint_eq(s.opts[0].key, 1);
  ck_assert_str_eq(s.opts[0].label, "Mother");
  ck_assert_uint_eq(s.opts[2].key, 99);
  ck_assert_str_eq(s.opts[2].label, "More");

  screen(&s, "END Thank you!\nSee you.\n");
  ck_assert_int_eq(s.end, 1);
  ck_assert_str_eq(s.text, "Thank you!\nSee you.");
  ck_assert_uint_eq(s.n_opts, 0);

  /* A numbered line above text is text: only trailing numbered lines are options. */
  screen(&s, "CON 2 tips a week\nReply:\n1 Yes");
  ck_assert_str_eq(s.text, "2 tips a week\nReply:");
  ck_assert_uint_eq(s.n_opts, 1);
  screen(&s, "CON 1-4");
  ck_assert_str_eq(s.text, "1-4");

  ck_assert_int_eq(sim_screen_parse("HTTP/1.1 200", 12, &bad), AG_EBADREQ);
  ck_assert_int_eq(sim_screen_parse("CON a\0b", 7, &bad), AG_EBADREQ);
  ck_assert_int_eq(sim_screen_parse("CO", 2, &bad), AG_EBADREQ);
}
END_TEST

START_TEST(test_quota_exact)
{
  static unsigned char flags[14453];
  struct sim_rng r;
  size_t ones = 0, first_half = 0;

  sim_rng_seed(&r, 42);
  sim_quota(&r, 0.31, flags, AG_ARRAY_LEN(flags));
  for (size_t i = 0; i < AG_ARRAY_LEN(flags); i++) {
    ones += flags[i];
    first_half += i < AG_ARRAY_LEN(flags) / 2 && flags[i];
  }
  ck_assert_uint_eq(ones, 4480); /* round(0.31 * 14453) = round(4480.43) */
  /* Shuffled, not sorted: about half of the ones in each half. */
  ck_assert_msg(first_half > 2000 && first_half < 2480, "first half holds %zu of 4480", first_half);
  sim_quota(&r, 1.0, flags, 3);
  ck_assert(flags[0] && flags[1] && flags[2]);
  sim_quota(&r, 0.0, flags, 3);
  ck_assert(!flags[0] && !flags[1] && !flags[2]);
}
END_TEST

/* What the parent with plan types on body; checks the step, the input and the node. */
static void decides(const struct sim_plan *plan, const char *prev, const char *body,
                    enum sim_step want, const char *want_input, const char *want_node)
{
  static struct sim_screen s;
  char input[32];
  const char *node = prev;
  enum sim_step got;

  screen(&s, body);
  got = sim_decide(content, plan, &s, input, sizeof(input), &node);

  ck_assert_msg(got == want, "on \"%s\": step %d, want %d", body, got, want);
  if (want == SIM_TYPE)
    ck_assert_msg(strcmp(input, want_input) == 0, "on \"%s\": typed %s, want %s", body, input,
                  want_input);
  ck_assert_msg(strcmp(node, want_node) == 0, "on \"%s\": node %s, want %s", body, node, want_node);
}

static struct sim_plan plan_ru(void)
{
  struct sim_plan p = {0};

  ck_assert_int_eq(sim_plan_set(&p, "language", "lang:ru"), AG_OK);
  ck_assert_int_eq(sim_plan_set(&p, "main", "survey"), AG_OK);
  ck_assert_int_eq(sim_plan_set(&p, "region", "aktobe"), AG_OK);
  ck_assert_int_eq(sim_plan_set(&p, "district", "aktobe-temir"), AG_OK);
  ck_assert_int_eq(sim_plan_set(&p, "L1", "no"), AG_OK);
  ck_assert_int_eq(sim_plan_set(&p, "school", "17"), AG_OK);
  ck_assert_int_eq(sim_plan_set(&p, "L1", "yes"), AG_OK); /* replaces */
  ck_assert_str_eq(sim_plan_get(&p, "L1"), "yes");
  ck_assert_ptr_null(sim_plan_get(&p, "L2"));
  return p;
}

START_TEST(test_decide)
{
  struct sim_plan p = plan_ru();

  decides(&p, NULL, "CON Тілді таңдаңыз\nВыберите язык\n1 Қазақша\n2 Русский\n3 English", SIM_TYPE,
          "2", "language");
  /* "Aulgate" is every language's title: the Russian labels decide. */
  decides(&p, "language", "CON Aulgate\n1 Опрос\n2 Совет дня\n3 По возрасту", SIM_TYPE, "1",
          "main");
  /* The opening screen: "Start" is the way to the first question. */
  ck_assert_int_eq(sim_plan_set(&p, "intro", "relation"), AG_OK);
  decides(&p, "main", "CON Опрос о школе: добровольно, анонимно, 3 минуты.\n1 Начать\n2 Позже",
          SIM_TYPE, "1", "intro");
  decides(&p, "main", "CON Ваш регион:\n1 Абай\n2 Акмолинская\n3 Актобе\n99 Далее", SIM_TYPE, "3",
          "region");
  /* Not on this page: "More". */
  decides(&p, "region", "CON Район/город:\n1 Айтекебийский\n2 Алгинский\n99 Далее", SIM_TYPE, "99",
          "district");
  /* An error screen drops the question: the parent knows what it was answering. */
  decides(&p, "L1", "CON Неверный выбор.\n1 Да\n2 Нет", SIM_TYPE, "1", "L1");
  decides(&p, NULL, "CON Неверный выбор.\n1 Да\n2 Нет", SIM_UNREADABLE, "", "");
  decides(&p, "main", "CON Вы не закончили опрос. Продолжить?\n1 Продолжить\n2 Начать заново",
          SIM_TYPE, "1", "");
  decides(&p, "L4", "CON Введите номер школы Вашего ребенка:\n0 Пропустить", SIM_TYPE, "17",
          "school");
  decides(&p, "subscribe", "END Спасибо! Ваши ответы помогут школе лучше работать с семьями.",
          SIM_DONE, "", "done");
  decides(&p, "L2", "END Извините, не удалось сохранить ответ. Наберите позже, пожалуйста.",
          SIM_RETRY, "", "");
  decides(&p, "L2", "END Something else entirely", SIM_UNREADABLE, "", "");
  /* A question the plan says nothing of, with several ways on: no blind typing. */
  decides(&p, NULL, "CON Кем Вы приходитесь ребенку?\n1 Мама\n2 Папа", SIM_UNREADABLE, "",
          "relation");
}
END_TEST

static Suite *sim_suite(void)
{
  Suite *s = suite_create("simulate");
  TCase *tc = tcase_create("pure");

  tcase_add_test(tc, test_parse);
  tcase_add_test(tc, test_quota_exact);
  tcase_add_unchecked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_decide);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(sim_suite)
