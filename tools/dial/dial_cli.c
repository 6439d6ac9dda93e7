/* dial_cli.c: the command line of `aulgate dial`: its options and defaults, its usage text, and
 * dial_main(), which runs one session with them.
 */
#include "tools/dial/dial-internal.h"
#include "lib/ag.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void dial_usage(FILE *out)
{
  fputs("usage: aulgate dial [-u URL] [-n PHONE] [-s SESSION_ID] [-w NETWORK] CODE\n"
        "Plays a phone dialling the USSD CODE (e.g. '*1234#') against a running gateway over the\n"
        "at dialect; type one answer per line (digits, * and #), Ctrl-D hangs up.\n"
        "  -u URL         default http://127.0.0.1:8080/ussd/at (host:port from AULGATE_LISTEN)\n"
        "  -n PHONE       default +77011234567\n"
        "  -s SESSION_ID  default dial-<pid>-<unix time>\n"
        "  -w NETWORK     networkCode, default 40101\n"
        "Exit status: 0 the gateway ended the session, 1 HTTP/network error or a reply that is\n"
        "not CON/END, 2 usage, 3 hung up before the end.\n",
        out);
}

/* Fills the defaults, then reads the options. AG_OK; AG_DECLINED when -h asked for help;
 * AG_EINVAL with a message on stderr. */
static int dial_args(int argc, char **argv, struct dial *d)
{
  const char *listen = getenv("AULGATE_LISTEN");
  int c, n;

  n = snprintf(d->url_buf, sizeof(d->url_buf), "http://%s/ussd/at",
               listen && *listen ? listen : "127.0.0.1:8080");
  if (n < 0 || (size_t)n >= sizeof(d->url_buf)) {
    fputs("aulgate dial: AULGATE_LISTEN is too long\n", stderr);
    return AG_EINVAL;
  }
  snprintf(d->session_buf, sizeof(d->session_buf), "dial-%ld-%lld", (long)getpid(),
           (long long)time(NULL));
  d->url = d->url_buf;
  d->session = d->session_buf;
  d->phone = "+77011234567";
  d->network = "40101";
  for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
    if (strcmp(argv[i], "--help") == 0)
      return AG_DECLINED; /* the one long option: getopt() knows short ones only */
  optind = 1;             /* argv is ours from argv[0] = "dial" */
  while ((c = getopt(argc, argv, ":u:n:s:w:h")) != -1) {
    switch (c) {
    case 'u':
      d->url = optarg;
      break;
    case 'n':
      d->phone = optarg;
      break;
    case 's':
      d->session = optarg;
      break;
    case 'w':
      d->network = optarg;
      break;
    case 'h':
      return AG_DECLINED;
    case ':':
      fprintf(stderr, "aulgate dial: option -%c needs a value\n", optopt);
      return AG_EINVAL;
    default:
      fprintf(stderr, "aulgate dial: unknown option -%c\n", optopt);
      return AG_EINVAL;
    }
  }
  if (optind != argc - 1) {
    fprintf(stderr, "aulgate dial: %s\n",
            optind == argc ? "missing the USSD CODE to dial" : "give exactly one USSD CODE");
    return AG_EINVAL;
  }
  d->code = argv[optind];
  if (!*d->code || !*d->phone || !*d->session) {
    fprintf(stderr, "aulgate dial: %s is empty\n",
            !*d->code    ? "CODE"
            : !*d->phone ? "PHONE (-n)"
                         : "SESSION_ID (-s)");
    return AG_EINVAL;
  }
  /* Only HTTP: anything else libcurl speaks (file://, ftp://) is a typo here, not a gateway. */
  if (strncmp(d->url, "http://", 7) != 0 && strncmp(d->url, "https://", 8) != 0) {
    fprintf(stderr, "aulgate dial: URL must start with http:// or https://: %s\n", d->url);
    return AG_EINVAL;
  }
  return AG_OK;
}

int dial_main(int argc, char **argv)
{
  struct dial d;
  int rc, status;

  memset(&d, 0, sizeof(d));
  rc = dial_args(argc, argv, &d);
  if (rc == AG_DECLINED) {
    dial_usage(stdout);
    return DIAL_EXIT_END;
  }
  if (rc) {
    dial_usage(stderr);
    return DIAL_EXIT_USAGE;
  }
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    fputs("aulgate dial: libcurl could not initialise\n", stderr);
    return DIAL_EXIT_FAILED;
  }
  rc = dial__init(&d);
  if (rc) {
    fprintf(stderr, "aulgate dial: %s\n", ag_strerror(rc));
    status = DIAL_EXIT_FAILED;
  } else {
    status = dial__run(&d);
  }
  dial__cleanup(&d);
  curl_global_cleanup();
  return status;
}
