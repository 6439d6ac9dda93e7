/* fuzz_content.c: the content loader and lint on arbitrary bytes as a survey file.
 *
 * Each input is written as survey.json into a folder that also holds the shipped strings.json,
 * then linted and loaded. Invariants: no crash or leak; lint and load agree (lint finds no
 * problem exactly when load succeeds); a loaded snapshot replays its first screen.
 *
 * Content at the engine's limits is large: a menu of 128 nodes x 98 options is some 200 kB of
 * JSON, far past libFuzzer's default -max_len of 4096 bytes. The corpus holds such a menu
 * (regression-reachable-128x98.json: the reachability walk once overflowed on it), and since
 * libFuzzer takes -max_len from the largest seed when not given, inputs of that size stay
 * reachable while fuzzing. */
#include "lib/ag.h"
#include "sessions/sess.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef CONTENT_DIR
#error "CONTENT_DIR must name the shipped content folder"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void copy_file(const char *from, const char *to)
{
  char buf[65536];
  FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
  size_t n;

  if (!in || !out)
    abort();
  while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
    fwrite(buf, 1, n, out);
  fclose(in);
  fclose(out);
}

static void prepare(void)
{
  char path[128];

  snprintf(dir, sizeof(dir), "/tmp/aulgate-fuzz-content-XXXXXX");
  if (!mkdtemp(dir))
    abort();
  snprintf(path, sizeof(path), "%s/strings.json", dir);
  copy_file(CONTENT_DIR "/strings.json", path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const struct sess_budget budget = {75, 175};
  struct sess_content *c = NULL;
  struct sess_reply first;
  char path[128], err[512];
  FILE *f, *devnull;
  int problems, rc;

  if (!dir[0])
    prepare();
  snprintf(path, sizeof(path), "%s/survey.json", dir);
  f = fopen(path, "wb");
  if (!f)
    abort();
  fwrite(data, 1, size, f);
  fclose(f);
  devnull = fopen("/dev/null", "w");
  problems = sess_lint(dir, &budget, devnull);
  fclose(devnull);
  rc = sess_content_load(dir, &budget, NULL, 0, &c, err, sizeof(err));
  if ((problems == 0) != (rc == AG_OK))
    abort(); /* lint and load must agree */
  if (rc == AG_OK) {
    /* A file that loaded replays: its own id is unknown here, so ask for one that is not
     * there and for the fuzz input's id if it happens to be "s" (the seed corpus uses it). */
    if (sess_replay(c, &budget, "no-such-file", NULL, NULL, 0, &first) != AG_ENOTFOUND)
      abort();
    switch (sess_replay(c, &budget, "s", NULL, NULL, 0, &first)) {
    case AG_OK: /* content that linted clean renders a first screen, never an empty one */
      if (first.text[0] == '\0')
        abort();
      break;
    case AG_ENOTFOUND: /* the input's id is not "s" */
      break;
    default:
      abort();
    }
    sess_content_unref(c);
  } else if (err[0] == '\0') {
    abort(); /* a refusal says why */
  }
  return 0;
}
