/* main.c: `aulgate-simulate`, the synthetic parents as their own program (`aulgate simulate`
 * runs it). */
#include "tools/simulate/sim.h"

int main(int argc, char **argv)
{
  return sim_main(argc, argv);
}
