/* it_kannel_box.h: a real Kannel for the integration tests (it_kannel, it_school_kannel): a
 * bearerbox + smsbox configuration written under the build folder (ports from it_free_port),
 * /usr/sbin/bearerbox, /usr/sbin/smsbox and /usr/lib/kannel/test/fakesmsc (the fake SMSC, which
 * prints what it receives, answers with delivery reports, and sends what is written to its
 * stdin as messages from phones). Every child dies with the test (PR_SET_PDEATHSIG); itk_kill()
 * kills what is left (call it from an atexit handler and the fixture's teardown). One box per
 * test process: the state is a struct the caller owns, zeroed before itk_init(). */
#ifndef IT_KANNEL_BOX_H
#define IT_KANNEL_BOX_H

#include <sys/types.h>

#define ITK_BEARERBOX "/usr/sbin/bearerbox"
#define ITK_SMSBOX    "/usr/sbin/smsbox"
#define ITK_FAKESMSC  "/usr/lib/kannel/test/fakesmsc"

struct itk {
  char dir[512]; /* the logs and configuration; kept when a test fails */
  int p_admin, p_box, p_send, p_fake;
  pid_t bb, sb, fk;
  int fk_in;    /* fakesmsc's stdin: MO lines are written here; open keeps it connected */
  int fk_round; /* fakesmsc's output file of this start */
};

/* Checks that Kannel is installed, makes dir (tag-XXXXXX under the current folder) and picks
 * the ports. Fails the test otherwise. */
void itk_init(struct itk *k, const char *tag);
/* Writes kannel.conf: the sendsms user gw/secret, the MO get-url to gateway gw_port at
 * mo_path (e.g. "/sms/kannel"). */
void itk_write_conf(struct itk *k, int gw_port, const char *mo_path);
/* Starts bearerbox, smsbox and fakesmsc and waits until fakesmsc is connected. */
void itk_start(struct itk *k);
/* Stops them (the next start writes a new fakesmsc output file). */
void itk_stop(struct itk *k);
/* Kills whatever is still running (for atexit and teardown). */
void itk_kill(struct itk *k);
/* Sends line (fakesmsc's MO syntax: "FROM TO text|ucs2 DATA\n") as a message from a phone. */
void itk_mo(struct itk *k, const char *line);
/* The messages fakesmsc received in this start, "TO TEXT" decoded to UTF-8, one per line
 * (static buffer). */
const char *itk_received(const struct itk *k);
/* How many times needle occurs in hay. */
int itk_occurrences(const char *hay, const char *needle);
/* Waits up to ms for fakesmsc to have received text exactly times times; fails the test
 * (naming what) otherwise. */
void itk_wait_received(const struct itk *k, const char *text, int times, long ms, const char *what);
/* Removes dir (when the test passed: the logs say why it failed otherwise). */
void itk_remove_dir(const struct itk *k);
/* Milliseconds of CLOCK_MONOTONIC. */
long long itk_now_ms(void);

#endif
