#!/usr/bin/env bash
# The README's first command: from a fresh Debian 12 machine to a running gateway.
# Installs what is missing, builds Release into build/, starts the private PostgreSQL
# (scripts/pg.sh), applies the migrations, then runs the gateway in the foreground on
# 127.0.0.1:8080 (Ctrl-C stops it; PostgreSQL keeps running until scripts/pg.sh stop).
# Usage: scripts/demo.sh [--simulate[=N]]
#   --simulate   once the gateway is up, N synthetic Aktobe parents (default the study's 44,213)
#                take the survey through it (`aulgate simulate`), so that the results have data;
#                done once per database (a second run finds the demo's parents and skips them).
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

SIM_PREFIX=aktobe-demo

# The study's parents through the running gateway, unless this database already has them.
simulate_parents() {
  local n=$1 listen=${AULGATE_LISTEN:-127.0.0.1:8080} have
  have=$(psql "$AULGATE_DB" -Atc "SELECT count(*) FROM responses WHERE starts_with(carrier_session_id, '$SIM_PREFIX-')") ||
    die "cannot count the demo's simulated answers"
  if [ "$have" -gt 0 ]; then
    say "the demo database already holds the simulated parents ($have answers): not adding more"
    return 0
  fi
  say "simulating $n parents of Aktobe region through http://$listen/ussd/at (a few minutes)"
  "$AULGATE_BIN" simulate -u "http://$listen/ussd/at" -n "$n" -c 64 -p "$SIM_PREFIX" -S 2020 \
    --db "$AULGATE_DB" || die "the simulation did not complete (see above)"
}

# Runs the gateway in the background, waits for it, simulates, then waits on the gateway.
serve_and_simulate() {
  local n=$1 listen=${AULGATE_LISTEN:-127.0.0.1:8080} pid _
  mkdir -p var/log
  # A million hops would bury the terminal: the gateway's log goes to a file instead.
  say "the gateway logs to var/log/demo.log"
  "$AULGATE_BIN" serve -c "$AULGATE_CONF" >>var/log/demo.log 2>&1 &
  pid=$!
  trap 'kill "$pid" 2>/dev/null' EXIT INT TERM # a failed simulation stops it too
  for _ in $(seq 1 100); do
    curl -fs -o /dev/null "http://$listen/healthz" && break
    kill -0 "$pid" 2>/dev/null || die "the gateway exited before answering /healthz"
    sleep 0.1
  done
  simulate_parents "$n"
  wait "$pid"
}

main() {
  local simulate=0
  case "${1-}" in
    "") ;;
    --simulate) simulate=44213 ;;
    --simulate=*) simulate=${1#--simulate=} ;;
    *) die "usage: scripts/demo.sh [--simulate[=N]]" ;;
  esac
  [ $# -le 1 ] || die "usage: scripts/demo.sh [--simulate[=N]]"
  [[ "$simulate" =~ ^[0-9]+$ ]] || die "--simulate=N takes a number of parents"
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
  say "loading regions and districts (content/regions.json) and schools (sql/seed/schools.json)"
  "$AULGATE_BIN" seed -c "$AULGATE_CONF" || die "seed failed"
  print_try
  if [ "$simulate" -gt 0 ]; then
    serve_and_simulate "$simulate"
  else
    exec "$AULGATE_BIN" serve -c "$AULGATE_CONF"
  fi
}

main "$@"
