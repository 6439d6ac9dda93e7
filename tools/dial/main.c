/* main.c: `aulgate-dial`, the phone simulator as its own program (`aulgate dial` runs it). */
#include "tools/dial/dial.h"

int main(int argc, char **argv)
{
  return dial_main(argc, argv);
}
