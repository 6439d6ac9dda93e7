/* check_school_link.c: the engine on the shipped item "My child's school"
 * (content/school_link.json): a file with "resume": false neither resumes nor numbers its
 * attempts from the caller's profile (the involvement survey's), and the question whose role is
 * school_consent says so in the effect, yes or no; other questions never do. */
#include "lib/ag.h"
#include "sessions/sess.h"
#include "tests/support/ag_check.h"

#include <check.h>
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

/* An English-speaking caller whose mother has an unfinished involvement attempt (3 of them
 * before), of an unknown version: the involvement survey would offer to resume it. */
static struct sess_ctx mother_open(struct sess_profile *p, struct sess_prior *mother,
                                   struct sess_kv *kv)
{
  struct sess_ctx ctx = {p, 20089};

  memset(p, 0, sizeof(*p));
  memset(mother, 0, sizeof(*mother));
  p->has_lang = 1;
  p->lang = SESS_EN;
  snprintf(mother->relation, sizeof(mother->relation), "mother");
  mother->last_attempt = 3;
  mother->open_attempt = 3;
  kv->key = "region";
  kv->value = "aktobe";
  mother->kv = kv;
  mother->n = 1;
  p->prior = mother;
  p->n = 1;
  return ctx;
}

static void replay(const struct sess_content *c, const struct sess_ctx *ctx, const char *const *in,
                   size_t n, struct sess_reply *r)
{
  ck_assert_int_eq(sess_replay(c, &budget, "main_menu", ctx, in, n, r), AG_OK);
}

START_TEST(test_no_resume_attempt_one)
{
  static const char *const school[] = {"6", "1"};      /* My child's school, mother */
  static const char *const survey[] = {"1", "1", "1"}; /* the survey, Start, mother */
  struct sess_content *c = load();
  struct sess_profile p;
  struct sess_prior mother;
  struct sess_kv kv;
  struct sess_ctx ctx = mother_open(&p, &mother, &kv);
  struct sess_reply r;

  replay(c, &ctx, school, AG_ARRAY_LEN(school), &r);
  ck_assert_str_eq(r.file, "school_link");
  ck_assert_str_eq(r.screen, "school_action"); /* no resume offer */
  ck_assert_int_eq(r.effect.kind, SESS_EFFECT_ATTEMPT);
  ck_assert_str_eq(r.effect.survey_id, "school_link");
  ck_assert_int_eq(r.effect.attempt, 1); /* not the profile's 3 + 1 */
  /* The involvement survey still offers it. */
  replay(c, &ctx, survey, AG_ARRAY_LEN(survey), &r);
  ck_assert_str_eq(r.screen, "resume");
  sess_content_unref(c);
}
END_TEST

START_TEST(test_consent_effect)
{
  /* My child's school, mother, Name the school, Aktobe, Aktobe city, number 7, then yes/no. */
  const char *in[] = {"6", "1", "1", "3", "2", "7", "1"};
  struct sess_content *c = load();
  struct sess_profile p;
  struct sess_prior mother;
  struct sess_kv kv;
  struct sess_ctx ctx = mother_open(&p, &mother, &kv);
  struct sess_reply r;

  replay(c, &ctx, in, AG_ARRAY_LEN(in) - 1, &r);
  ck_assert_str_eq(r.screen, "school_consent");
  ck_assert_int_eq(r.effect.kind, SESS_EFFECT_ANSWER);
  ck_assert_str_eq(r.effect.question_id, "school");
  ck_assert_int_eq(r.effect.school_consent, SESS_SCHOOL_NONE);
  replay(c, &ctx, in, AG_ARRAY_LEN(in), &r);
  ck_assert_int_eq(r.effect.kind, SESS_EFFECT_ANSWER);
  ck_assert_str_eq(r.effect.question_id, "school_consent");
  ck_assert_str_eq(r.effect.relation, "mother");
  ck_assert_int_eq(r.effect.school_consent, SESS_SCHOOL_GRANT);
  ck_assert_str_eq(r.screen, "school_stop"); /* asked only after a yes */
  in[6] = "2";
  replay(c, &ctx, in, AG_ARRAY_LEN(in), &r);
  ck_assert_int_eq(r.effect.school_consent, SESS_SCHOOL_WITHDRAW);
  ck_assert_int_eq(r.end, 1); /* no STOP question after a no */
  ck_assert_int_eq(r.effect.final, 1);
  sess_content_unref(c);
}
END_TEST

static Suite *school_link_suite(void)
{
  Suite *s = suite_create("school_link");
  TCase *tc = tcase_create("engine");

  tcase_add_test(tc, test_no_resume_attempt_one);
  tcase_add_test(tc, test_consent_effect);
  suite_add_tcase(s, tc);
  return s;
}

AG_CHECK_MAIN(school_link_suite)
