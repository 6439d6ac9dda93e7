/* sim_population.c: who the synthetic parents are and what they mean to answer.
 *
 * The published figures (domain.md: Aktobe region, 29,760 parents of the city's schools and
 * 14,453 of rural schools) are met with exact quotas inside each group. The other yes/no items
 * have no published figure; they get plausible shares so that every question is answered, and
 * nothing is ever compared with them. Every simulated parent has a child at school (the
 * diagnostic asked school parents) in Aktobe region, at a school of the schools file (urban or
 * rural by the school, as the article counts), and names the school's district and number.
 */
#include "tools/simulate/sim-internal.h"
#include "lib/ag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIM_PUBLISHED_URBAN 29760
#define SIM_PUBLISHED_RURAL 14453

const char *const sim_group_name[SIM_GROUPS] = {"urban", "rural"};

const struct sim_figure sim_published[] = {
    {"L1", {0.90, 0.98}},
    {"L2", {0.27, 0.31}},
    {"T1", {0.76, 0.30}},
};
const size_t sim_published_len = AG_ARRAY_LEN(sim_published);

/* Assumed, not published: never reported as a finding. */
static const struct sim_figure sim_assumed[] = {
    {"L3", {0.20, 0.14}}, {"L4", {0.09, 0.05}}, {"T2", {0.45, 0.41}},
    {"T3", {0.82, 0.79}}, {"T4", {0.33, 0.27}}, {"T5", {0.07, 0.04}},
};

#define SIM_ITEMS (AG_ARRAY_LEN(sim_published) + AG_ARRAY_LEN(sim_assumed))

static const struct sim_figure *sim_item(size_t i)
{
  return i < AG_ARRAY_LEN(sim_published) ? &sim_published[i]
                                         : &sim_assumed[i - AG_ARRAY_LEN(sim_published)];
}

/* A value drawn with the given weights (percent, summing to 100). */
static const char *sim_pick(struct sim_rng *r, const char *const *values, const unsigned *pct,
                            size_t n)
{
  uint32_t x = sim_rng_below(r, 100);

  for (size_t i = 0; i + 1 < n; i++) {
    if (x < pct[i])
      return values[i];
    x -= pct[i];
  }
  return values[n - 1];
}

/* The household's facts: the same for both parents of a shared phone. */
static int sim_household(struct sim_rng *r, struct sim_parent *p, const struct sim_school *school)
{
  static const char *const langs[] = {"lang:kk", "lang:ru", "lang:en"};
  static const unsigned lang_pct[] = {55, 40, 5};
  static const char *const grades[] = {"1-4", "5-9", "10-11"};
  static const unsigned grade_pct[] = {40, 42, 18};
  /* District centres (Alga, Khromtau, Shalkar...) are towns: some rural-school parents live in
   * one, which is why the school's settlement and the parent's own are two dimensions. */
  const char *own = !school->rural || sim_rng_below(r, 100) < 10 ? "urban" : "rural";
  char number[8];
  int rc = 0;

  snprintf(number, sizeof(number), "%u", school->number);
  rc |= sim_plan_set(&p->plan, "language", sim_pick(r, langs, lang_pct, 3));
  rc |= sim_plan_set(&p->plan, "main", "survey");
  rc |= sim_plan_set(&p->plan, "intro", "relation"); /* "Start", not "Not now" */
  rc |= sim_plan_set(&p->plan, "region", "aktobe");
  rc |= sim_plan_set(&p->plan, "district", school->district);
  rc |= sim_plan_set(&p->plan, "settlement", own);
  rc |= sim_plan_set(&p->plan, "grade", sim_pick(r, grades, grade_pct, 3));
  rc |= sim_plan_set(&p->plan, "school", number);
  return rc ? AG_E2BIG : AG_OK;
}

/* A school of the group, at random: the schools of one settlement type. */
static const struct sim_school *sim_school_of(struct sim_rng *r, enum sim_group g,
                                              const struct sim_school *schools, size_t n)
{
  size_t k = 0, pick;

  for (size_t i = 0; i < n; i++)
    k += schools[i].rural == (g == SIM_RURAL);
  if (k == 0)
    return NULL;
  pick = sim_rng_below(r, (uint32_t)k);
  for (size_t i = 0; i < n; i++)
    if (schools[i].rural == (g == SIM_RURAL) && pick-- == 0)
      return &schools[i];
  return NULL;
}

/* The parent's own answers: relation, the items (from the quotas), barrier, SMS. */
static int sim_person(struct sim_rng *r, struct sim_parent *p, const struct sim_content *c,
                      const char *relation, const unsigned char yes[SIM_ITEMS])
{
  const struct sim_node *barrier = sim__node(c, "barrier");
  int rc = sim_plan_set(&p->plan, "relation", relation);

  for (size_t i = 0; i < SIM_ITEMS; i++)
    rc |= sim_plan_set(&p->plan, sim_item(i)->question, yes[i] ? "yes" : "no");
  if (barrier && barrier->n_opts)
    rc |= sim_plan_set(&p->plan, "barrier",
                       barrier->opts[sim_rng_below(r, (uint32_t)barrier->n_opts)].value);
  rc |= sim_plan_set(&p->plan, "subscribe", sim_rng_below(r, 100) < 20 ? "yes" : "no");
  return rc ? AG_E2BIG : AG_OK;
}

/* Each group's quota flags: flags[g][item][k] for the k-th parent of group g. */
struct sim_quotas {
  unsigned char *flags[SIM_GROUPS][SIM_ITEMS];
  size_t next[SIM_GROUPS];
};

static int sim_quotas_make(struct sim_rng *r, struct sim_quotas *q, const size_t size[SIM_GROUPS])
{
  for (int g = 0; g < SIM_GROUPS; g++)
    for (size_t i = 0; i < SIM_ITEMS; i++) {
      if ((q->flags[g][i] = malloc(size[g] ? size[g] : 1)) == NULL)
        return AG_ENOMEM;
      sim_quota(r, sim_item(i)->share[g], q->flags[g][i], size[g]);
    }
  return AG_OK;
}

static void sim_quotas_free(struct sim_quotas *q)
{
  for (int g = 0; g < SIM_GROUPS; g++)
    for (size_t i = 0; i < SIM_ITEMS; i++)
      free(q->flags[g][i]);
}

static int sim_parent_make(const struct sim_opts *o, const struct sim_content *c,
                           const struct sim_school *schools, size_t n_schools, struct sim_rng *r,
                           struct sim_quotas *q, struct sim_parent *ps, size_t i,
                           unsigned phone_base)
{
  static const char *const relations[] = {"mother", "father", "grandparent", "other"};
  static const unsigned relation_pct[] = {62, 24, 10, 4};
  struct sim_parent *p = &ps[i], *prev = i ? &ps[i - 1] : NULL;
  unsigned char yes[SIM_ITEMS];
  size_t k = q->next[p->group]++;
  const char *relation;
  int rc;

  p->id = (unsigned)i;
  for (size_t it = 0; it < SIM_ITEMS; it++)
    yes[it] = q->flags[p->group][it][k];
  if (prev && prev->group == p->group && !prev->after && !prev->waits_for_phone &&
      sim_rng_below(r, 100) < o->share_pct) {
    /* The second parent of a household: same phone, same facts, another relation. */
    p->plan = prev->plan;
    memcpy(p->phone, prev->phone, sizeof(p->phone));
    prev->after = p;
    p->waits_for_phone = 1;
    relation = strcmp(sim_plan_get(&prev->plan, "relation"), "mother") ? "mother" : "father";
  } else {
    const struct sim_school *school = sim_school_of(r, p->group, schools, n_schools);

    if (!school)
      return AG_ECONTENT; /* the schools file has no school of this group */
    snprintf(p->phone, sizeof(p->phone), "+7705%07u", (phone_base + (unsigned)i) % 10000000u);
    if ((rc = sim_household(r, p, school)) != AG_OK)
      return rc;
    relation = sim_pick(r, relations, relation_pct, AG_ARRAY_LEN(relations));
  }
  if (sim_rng_below(r, 100) < o->drop_pct)
    p->drop_at = 2 + sim_rng_below(r, 10); /* hangs up somewhere in the first dozen hops */
  return sim_person(r, p, c, relation, yes);
}

int sim__population(const struct sim_opts *o, const struct sim_content *c,
                    const struct sim_school *schools, size_t n_schools, struct sim_parent **out,
                    size_t *n_out)
{
  size_t n = o->parents, size[SIM_GROUPS] = {0};
  struct sim_quotas q = {0};
  struct sim_parent *ps = calloc(n ? n : 1, sizeof(*ps));
  unsigned char *urban = malloc(n ? n : 1);
  struct sim_rng r;
  unsigned base;
  int rc = ps && urban ? AG_OK : AG_ENOMEM;

  sim_rng_seed(&r, o->seed);
  if (rc == AG_OK) {
    /* Groups in the published proportion, interleaved at random along the run. */
    sim_quota(&r, (double)SIM_PUBLISHED_URBAN / (SIM_PUBLISHED_URBAN + SIM_PUBLISHED_RURAL), urban,
              n);
    for (size_t i = 0; i < n; i++)
      size[ps[i].group = urban[i] ? SIM_URBAN : SIM_RURAL]++;
    rc = sim_quotas_make(&r, &q, size);
  }
  /* Numbers from a point drawn from the seed: a new seed, new callers. */
  base = (unsigned)(sim_rng_next(&r) % 10000000u);
  for (size_t i = 0; rc == AG_OK && i < n; i++)
    rc = sim_parent_make(o, c, schools, n_schools, &r, &q, ps, i, base);
  sim_quotas_free(&q);
  free(urban);
  if (rc != AG_OK) {
    free(ps);
    return rc;
  }
  *out = ps;
  *n_out = n;
  return AG_OK;
}

void sim__report_plan(const struct sim_parent *ps, size_t n)
{
  size_t size[SIM_GROUPS] = {0}, yes[SIM_GROUPS][AG_ARRAY_LEN(sim_published)] = {{0}};

  for (size_t i = 0; i < n; i++) {
    size[ps[i].group]++;
    for (size_t f = 0; f < sim_published_len; f++)
      yes[ps[i].group][f] +=
          strcmp(sim_plan_get(&ps[i].plan, sim_published[f].question), "yes") == 0;
  }
  printf("planned: %zu urban, %zu rural parents\n", size[SIM_URBAN], size[SIM_RURAL]);
  for (size_t f = 0; f < sim_published_len; f++)
    printf("planned %-3s urban %5.1f%% (published %4.1f%%)  rural %5.1f%% (published %4.1f%%)\n",
           sim_published[f].question,
           size[SIM_URBAN] ? 100.0 * (double)yes[SIM_URBAN][f] / (double)size[SIM_URBAN] : 0.0,
           100 * sim_published[f].share[SIM_URBAN],
           size[SIM_RURAL] ? 100.0 * (double)yes[SIM_RURAL][f] / (double)size[SIM_RURAL] : 0.0,
           100 * sim_published[f].share[SIM_RURAL]);
}
