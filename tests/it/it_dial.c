/* it_dial.c: `aulgate dial` end to end: the real binary, a script on its stdin, a real gateway on
 * loopback and a real PostgreSQL. The transcript must show framed screens, and every answer the
 * script gave must be in the database, in the language the script picked.
 *
 * Screens are matched loosely (the framed yes/no lines, the thank-you word, the END marker), not
 * word for word: the survey's wording will change, what a parent sees of it should not. */
#include "tests/it/it_harness.h"
#include "tests/support/ag_check.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct it_server srv;
static PGconn *db;

/* What each language shows: its yes/no labels and a word of its thank-you screen; the encoding
 * its END screen needs. */
static const struct {
  const char *pick, *code, *yes, *no, *thanks, *end_enc;
} langs[] = {
    {"1", "kk", "Иә", "Жоқ", "Рақмет", "UCS-2"},
    {"2", "ru", "Да", "Нет", "Спасибо", "UCS-2"},
    {"3", "en", "Yes", "No", "Thank", "GSM-7"},
};

/* The transcript of one run: stdout and stderr together, in order, and the exit status. */
struct run {
  int status; /* exit status, or -1 when killed by a signal */
  char out[65536];
};

static void setup(void)
{
  it_up(&srv, &db, NULL);
}

static void teardown(void)
{
  it_down(&srv, db);
}

/* Runs `aulgate dial args...` with script on its stdin (a pipe, so the tool echoes the input)
 * and collects its output. */
static void dial(const char *const *args, const char *script, struct run *r)
{
  const char *argv[16] = {"aulgate"};
  int in[2], out[2], st;
  size_t n = 1, len = 0;
  ssize_t k;
  pid_t pid;

  for (; *args && n + 1 < sizeof(argv) / sizeof(argv[0]); args++)
    argv[n++] = *args;
  argv[n] = NULL;
  ck_assert_int_eq(pipe(in), 0);
  ck_assert_int_eq(pipe(out), 0);
  pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    signal(SIGPIPE, SIG_DFL);
    dup2(in[0], STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    dup2(out[1], STDERR_FILENO);
    close(in[0]);
    close(in[1]);
    close(out[0]);
    close(out[1]);
    unsetenv("AULGATE_LISTEN");
    execv(AULGATE_BIN, (char *const *)argv);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  /* The script is far below a pipe's capacity, so writing it all first cannot deadlock; a tool
   * that stops early leaves it unread (EPIPE, SIGPIPE is ignored). */
  if (script)
    k = write(in[1], script, strlen(script));
  close(in[1]);
  while ((k = read(out[0], r->out + len, sizeof(r->out) - 1 - len)) > 0)
    len += (size_t)k;
  r->out[len] = '\0';
  close(out[0]);
  ck_assert_int_eq(waitpid(pid, &st, 0), pid);
  r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Plays one session through `aulgate dial` against the test gateway. */
static void dial_session(const char *session, const char *phone, const char *script, struct run *r)
{
  char url[128];
  const char *args[] = {"dial", "-u", url, "-n", phone, "-s", session, "*1234#", NULL};

  snprintf(url, sizeof(url), "http://127.0.0.1:%d/ussd/at", srv.port);
  dial(args, script, r);
}

/* text as a line of the handset's frame: '|', text padded to 20 columns, '|'. */
static void framed(char *out, size_t len, const char *text)
{
  size_t cols = 0;

  for (const char *p = text; *p; p++)
    cols += ((unsigned char)*p & 0xC0) != 0x80;
  snprintf(out, len, "|%s%*s|\n", text, (int)(20 - cols), "");
}

static int count(const char *hay, const char *needle)
{
  int k = 0;

  for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
    k++;
  return k;
}

/* The survey after the language pick, as keypad lines: the main menu's survey, start (the
 * opening screen of survey version 4), mother, the first region and district, rural, grades
 * 1-4, school 12; then L1..L4 (filled in by the test), T1..T5 yes, barrier 1 (the only option
 * on its first page in kk and ru since version 4), no SMS. */
#define SURVEY_HEAD "1\n1\n1\n1\n1\n2\n2\n12\n"
#define SURVEY_TAIL "1\n1\n1\n1\n1\n1\n2\n"
#define HEAD_ROWS   5 /* region, district, settlement, grade, school */

/* The stored answers of a session, in hop order, in the language; answers[] are the L1..L4
 * keys pressed ("1" yes, "2" no), n how many of them the session reached. */
static void assert_rows(const char *session, const char *phone, const char *lang,
                        const char *const *answers, int n, int total)
{
  char want_resp[65], qid[16];
  PGresult *res = it_rows(db, session);

  it_respondent_hex(&srv, phone, want_resp);
  ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
  ck_assert_int_eq(PQntuples(res), total);
  for (int i = 0; i < total; i++) {
    ck_assert_str_eq(PQgetvalue(res, i, 2), lang);
    ck_assert_str_eq(PQgetvalue(res, i, 4), want_resp);
    ck_assert_str_eq(PQgetvalue(res, i, 5), "involvement");
  }
  for (int i = 0; i < n; i++) {
    snprintf(qid, sizeof(qid), "L%d", i + 1);
    ck_assert_str_eq(PQgetvalue(res, HEAD_ROWS + i, 0), qid);
    ck_assert_str_eq(PQgetvalue(res, HEAD_ROWS + i, 1),
                     strcmp(answers[i], "1") == 0 ? "yes" : "no");
  }
  PQclear(res);
}

START_TEST(test_it_dial_survey_each_language)
{
  static const char *const answers[3][4] = {
      {"1", "2", "2", "1"}, {"2", "1", "1", "2"}, {"1", "1", "2", "2"}};
  char session[96], phone[16], script[128], label[32], yes[64], no[64], end_line[64], tail[128];
  struct run r;
  const char *end;

  it_session_id(session, sizeof(session), langs[_i].code);
  it_fresh_phone(phone);
  snprintf(script, sizeof(script), "%s\n" SURVEY_HEAD "%s\n%s\n%s\n%s\n" SURVEY_TAIL,
           langs[_i].pick, answers[_i][0], answers[_i][1], answers[_i][2], answers[_i][3]);
  dial_session(session, phone, script, &r);

  ck_assert_msg(r.status == 0, "exit %d, transcript:\n%s", r.status, r.out);
  ck_assert_msg(strstr(r.out, "|1 Қазақша") != NULL, "no language menu:\n%s", r.out);
  ck_assert_msg(count(r.out, "+--------------------+\n") >= 2 * 18, "18 framed screens:\n%s",
                r.out);
  snprintf(label, sizeof(label), "1 %s", langs[_i].yes);
  framed(yes, sizeof(yes), label);
  snprintf(label, sizeof(label), "2 %s", langs[_i].no);
  framed(no, sizeof(no), label);
  ck_assert_msg(count(r.out, yes) >= 9 && count(r.out, no) >= 9, "yes/no %s %s:\n%s", yes, no,
                r.out);
  /* Scripted input is echoed after the prompt, so the transcript reads like a session. */
  snprintf(tail, sizeof(tail), "> %s\n", langs[_i].pick);
  ck_assert_msg(strstr(r.out, tail) != NULL, "input not echoed:\n%s", r.out);
  /* The last screen is the thank-you, closed, in the encoding of its language. */
  snprintf(end_line, sizeof(end_line), "%s [session ends]\n", langs[_i].end_enc);
  ck_assert_msg(strstr(r.out, end_line) != NULL, "no '%s':\n%s", end_line, r.out);
  end = strstr(r.out, "[session ends]");
  ck_assert_msg(strstr(r.out, langs[_i].thanks) != NULL, "no thank-you:\n%s", r.out);
  ck_assert_msg(strstr(end, "> ") == NULL, "prompted after END:\n%s", r.out);
  assert_rows(session, phone, langs[_i].code, answers[_i], 4, HEAD_ROWS + 4 + 7);
}
END_TEST

START_TEST(test_it_dial_letters_refused_locally)
{
  static const char *const answers[4] = {"1", "2", "2", "1"};
  char session[96], phone[16];
  struct run r;

  it_session_id(session, sizeof(session), "letters");
  it_fresh_phone(phone);
  dial_session(session, phone, "2\n" SURVEY_HEAD "1\nx\nд\n1 2\n\n2\n2\n1\n" SURVEY_TAIL, &r);

  ck_assert_msg(r.status == 0, "exit %d, transcript:\n%s", r.status, r.out);
  ck_assert_msg(strstr(r.out, "> x\n[not sent: 'x' is not on a phone keypad") != NULL, "%s", r.out);
  ck_assert_msg(strstr(r.out, "> д\n[not sent: 'д' is not on a phone keypad") != NULL, "%s", r.out);
  ck_assert_msg(strstr(r.out, "> 1 2\n[not sent: ' ' is not on a phone keypad") != NULL, "%s",
                r.out);
  ck_assert_msg(strstr(r.out, "[not sent: nothing typed") != NULL, "%s", r.out);
  /* Refused locally: the gateway never saw them, so it never showed its error line. */
  ck_assert_msg(strstr(r.out, "Неверный выбор") == NULL, "a refused input reached the gateway:\n%s",
                r.out);
  ck_assert_msg(strstr(r.out, "[session ends]") != NULL, "%s", r.out);
  assert_rows(session, phone, "ru", answers, 4, HEAD_ROWS + 4 + 7);
}
END_TEST

START_TEST(test_it_dial_eof_is_hang_up)
{
  static const char *const answers[1] = {"1"};
  char session[96], phone[16];
  struct run r;

  it_session_id(session, sizeof(session), "hangup");
  it_fresh_phone(phone);
  dial_session(session, phone, "3\n" SURVEY_HEAD "1\n", &r);

  ck_assert_msg(r.status == 3, "exit %d, transcript:\n%s", r.status, r.out);
  ck_assert_msg(strstr(r.out, "[hung up]") != NULL, "%s", r.out);
  ck_assert_msg(strstr(r.out, "[session ends]") == NULL, "%s", r.out);
  /* What was answered before hanging up is kept. */
  assert_rows(session, phone, "en", answers, 1, HEAD_ROWS + 1);
}
END_TEST

START_TEST(test_it_dial_http_error_shows_status_and_body)
{
  char session[200], phone[24];
  struct run r;

  memset(session, 's', sizeof(session) - 1); /* longer than any carrier's session id */
  session[sizeof(session) - 1] = '\0';
  it_fresh_phone(phone);
  dial_session(session, phone, "1\n", &r);

  ck_assert_msg(r.status == 1, "exit %d, transcript:\n%s", r.status, r.out);
  /* 400 or 413, the gateway's choice for a field that is too long: a 4xx either way. */
  ck_assert_msg(strstr(r.out, "answered HTTP 4") != NULL, "%s", r.out);
  ck_assert_msg(strstr(r.out, "--- body") != NULL && strstr(r.out, "sessionId") != NULL, "%s",
                r.out);
  ck_assert_msg(strstr(r.out, "> ") == NULL, "prompted after an error:\n%s", r.out);
}
END_TEST

/* Nothing listens on a port that is bound but not listening: the connection is refused. */
START_TEST(test_it_dial_gateway_down)
{
  struct sockaddr_in a = {0};
  socklen_t alen = sizeof(a);
  char url[128], want[200];
  const char *args[] = {"dial", "-u", url, "*1234#", NULL};
  struct run r;
  int fd = socket(AF_INET, SOCK_STREAM, 0);

  ck_assert_int_ge(fd, 0);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
  ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/ussd/at", ntohs(a.sin_port));
  dial(args, "1\n", &r);
  close(fd);

  ck_assert_msg(r.status == 1, "exit %d, transcript:\n%s", r.status, r.out);
  snprintf(want, sizeof(want), "aulgate dial: cannot reach the gateway at %s\n", url);
  ck_assert_msg(strstr(r.out, want) != NULL, "%s", r.out);
  ck_assert_msg(strstr(r.out, "hint:") != NULL, "%s", r.out);
  ck_assert_msg(strstr(r.out, "+----") == NULL, "a screen without a gateway:\n%s", r.out);
}
END_TEST

START_TEST(test_it_dial_usage)
{
  static const char *const none[] = {"dial", NULL};
  static const char *const two[] = {"dial", "*1#", "*2#", NULL};
  static const char *const bad_opt[] = {"dial", "-x", "*1#", NULL};
  static const char *const no_value[] = {"dial", "*1#", "-n", NULL};
  static const char *const not_http[] = {"dial", "-u", "file:///etc/passwd", "*1#", NULL};
  static const char *const help[] = {"dial", "-h", NULL};
  const char *const *bad[] = {none, two, bad_opt, no_value, not_http};
  struct run r;

  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    dial(bad[i], "", &r);
    ck_assert_msg(r.status == 2, "case %zu: exit %d:\n%s", i, r.status, r.out);
    ck_assert_msg(strstr(r.out, "usage: aulgate dial") != NULL, "case %zu:\n%s", i, r.out);
  }
  dial(help, "", &r);
  ck_assert_msg(r.status == 0, "exit %d:\n%s", r.status, r.out);
  ck_assert_ptr_nonnull(strstr(r.out, "usage: aulgate dial"));
}
END_TEST

static Suite *it_dial_suite(void)
{
  Suite *s = suite_create("it_dial");
  TCase *tc = tcase_create("survey");
  TCase *off = tcase_create("offline");

  tcase_add_unchecked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_loop_test(tc, test_it_dial_survey_each_language, 0, 3);
  tcase_add_test(tc, test_it_dial_letters_refused_locally);
  tcase_add_test(tc, test_it_dial_eof_is_hang_up);
  tcase_add_test(tc, test_it_dial_http_error_shows_status_and_body);
  suite_add_tcase(s, tc);

  tcase_set_timeout(off, 60);
  tcase_add_test(off, test_it_dial_gateway_down);
  tcase_add_test(off, test_it_dial_usage);
  suite_add_tcase(s, off);
  return s;
}

int main(void)
{
  static const ag_check_suite_fn suites[] = {it_dial_suite, NULL};

  signal(SIGPIPE, SIG_IGN); /* see dial(): a tool may exit before reading its whole script */
  return ag_check_run(suites);
}
