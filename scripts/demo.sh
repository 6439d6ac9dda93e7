#!/usr/bin/env bash
# The README's first command: from a fresh Debian 12 machine to a running gateway.
# Installs what is missing, builds Release into build/, starts the private PostgreSQL
# (scripts/pg.sh), applies the migrations, then runs the gateway in the foreground on
# 127.0.0.1:8080 (Ctrl-C stops it; PostgreSQL keeps running until scripts/pg.sh stop).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BUILD_DIR=build
AULGATE_BIN="$BUILD_DIR/aulgate"
SCRIPTS="$AULGATE_ROOT/scripts"

# One USSD hop as Africa's Talking sends it; the text is the whole input so far ("" first).
print_hop() {
  local base=$1 text=$2
  printf '  curl -s -X POST %s/ussd/at -d sessionId=demo1 -d %s -d phoneNumber=+77011234567 -d networkCode=40101 --data-urlencode text=%s\n' \
    "$base" "serviceCode='*1234#'" "$text"
}

print_try() {
  local listen=${AULGATE_LISTEN:-127.0.0.1:8080}
  local base="http://$listen"
  printf '\naulgate: the gateway starts below on %s. From another shell, play a USSD session:\n' "$listen"
  printf '  # a basic phone in this terminal (type the keypad digits; Ctrl-D hangs up)\n'
  printf '  %s dial -u %s/ussd/at %s\n' "$AULGATE_BIN" "$base" "'*1234#'"
  printf '  # or the hops a carrier sends: the first screen (languages), then English, the survey,\n'
  printf '  # "Start" on its opening screen, "mother" (stored before the region list comes back)\n'
  print_hop "$base" ""
  print_hop "$base" "'3*1*1*1'"
  printf 'aulgate: Ctrl-C stops the gateway; PostgreSQL keeps running (scripts/pg.sh stop).\n\n'
}

main() {
  [ $# -eq 0 ] || die "usage: scripts/demo.sh (no arguments)"
  "$SCRIPTS/deps.sh"
  require_conf
  "$SCRIPTS/build.sh" release "$BUILD_DIR"
  [ -x "$AULGATE_BIN" ] || die "the build did not produce $AULGATE_BIN"
  ensure_secret
  "$SCRIPTS/pg.sh" start
  AULGATE_DB=$(pg_conninfo)
  export AULGATE_DB
  say "applying migrations (sql/migrations) to $AULGATE_DB"
  "$AULGATE_BIN" migrate -c "$AULGATE_CONF" || die "migrate failed"
  say "loading regions and districts (content/regions.json)"
  "$AULGATE_BIN" seed -c "$AULGATE_CONF" || die "seed failed"
  print_try
  exec "$AULGATE_BIN" serve -c "$AULGATE_CONF"
}

main "$@"
