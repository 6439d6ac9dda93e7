#!/usr/bin/env bash
# The README's first command: from a fresh Debian 12 machine to a running gateway.
# Installs what is missing, builds Release into build/, starts the private PostgreSQL
# (scripts/pg.sh), applies the migrations, then runs the gateway in the foreground on
# 127.0.0.1:8080 (Ctrl-C stops it; PostgreSQL keeps running until scripts/pg.sh stop).
# Usage: scripts/demo.sh [--kannel] [--simulate[=N]]
#   --kannel     also Kannel (bearerbox, smsbox) with the fake SMSC fakesmsc beside the gateway,
#                and a carrier `kannel` sending the SMS tips through it (files, logs: var/kannel/).
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

# What runs in the background (Kannel's processes, the gateway beside a simulation): stopped
# when the script ends, however it ends.
CHILDREN=()
stop_children() {
  local pid
  for pid in "${CHILDREN[@]}"; do kill "$pid" 2>/dev/null || true; done
}

KANNEL_DIR=var/kannel

# Kannel on its example's ports (admin 13000, smsbox 13001, sendsms 13013, fake SMSC 10000),
# every MO to this gateway; fakesmsc reads MO lines from the FIFO $KANNEL_DIR/mo and logs what
# it receives. Writes the gateway's configuration with the carriers at and kannel into CONF.
kannel_start() {
  local conf=$1 port=${AULGATE_LISTEN:-127.0.0.1:8080}
  port=${port##*:}
  for b in /usr/sbin/bearerbox /usr/sbin/smsbox /usr/lib/kannel/test/fakesmsc; do
    [ -x "$b" ] || die "$b is missing (scripts/deps.sh installs kannel and kannel-extras)"
  done
  mkdir -p "$KANNEL_DIR"
  rm -f "$KANNEL_DIR/mo"
  mkfifo "$KANNEL_DIR/mo"
  cat >"$KANNEL_DIR/kannel.conf" <<CONF
group = core
admin-port = 13000
admin-password = bar
status-password = foo
admin-allow-ip = "127.0.0.1"
smsbox-port = 13001
box-allow-ip = "127.0.0.1"
dlr-storage = internal
log-file = "$PWD/$KANNEL_DIR/bearerbox.log"

group = smsc
smsc = fake
smsc-id = FAKE
port = 10000
connect-allow-ip = "127.0.0.1"

group = smsbox
bearerbox-host = 127.0.0.1
sendsms-port = 13013
global-sender = 1414
mo-recode = true
log-file = "$PWD/$KANNEL_DIR/smsbox.log"

group = sendsms-user
username = gw
password = secret
max-messages = 3
concatenation = true

group = sms-service
keyword = default
catch-all = true
get-url = "http://127.0.0.1:$port/sms/kannel?from=%p&to=%P&text=%a&smsc=%i&id=%I&ts=%T&coding=%c&charset=%C"
max-messages = 0
omit-empty = true
CONF
  { cat "$AULGATE_CONF"
    printf '\n# scripts/demo.sh --kannel: no quiet hours, so that a tip leaves at once\n'
    printf 'sms_quiet_start_min = 0\nsms_quiet_end_min = 0\n'
    printf '[carrier.at]\ndialect = at\n'
    printf '[carrier.kannel]\ndialect = kannel\nsms_url = http://127.0.0.1:13013/cgi-bin/sendsms\n'
    printf 'sms_user = gw\nsms_password = secret\nsms_callback_url = http://127.0.0.1:%s\n' "$port"
  } >"$conf"
  chmod 600 "$conf"
  /usr/sbin/bearerbox "$KANNEL_DIR/kannel.conf" >"$KANNEL_DIR/bearerbox.out" 2>&1 &
  CHILDREN+=($!)
  sleep 1
  /usr/sbin/smsbox "$KANNEL_DIR/kannel.conf" >"$KANNEL_DIR/smsbox.out" 2>&1 &
  CHILDREN+=($!)
  sleep infinity >"$KANNEL_DIR/mo" &  # holds the FIFO open: fakesmsc stays connected
  CHILDREN+=($!)
  sleep 1
  /usr/lib/kannel/test/fakesmsc -H 127.0.0.1 -r 10000 <"$KANNEL_DIR/mo" >"$KANNEL_DIR/fakesmsc.log" 2>&1 &
  CHILDREN+=($!)
}

print_kannel() {
  printf 'aulgate: Kannel runs beside it (logs in %s). Switch SMS tips on in the menu (dial,\n' "$KANNEL_DIR"
  printf '  then the SMS item), and within seconds the confirmation and a tip reach the fake SMSC:\n'
  printf '  grep "Got message" %s/fakesmsc.log      # what the "phone" received\n' "$KANNEL_DIR"
  printf '  psql "%s" -c "SELECT id, kind, state, dlr_seen FROM outbox ORDER BY id DESC LIMIT 5"\n' "$AULGATE_DB"
  printf '  # the parent answers STOP from the phone (an MO through Kannel):\n'
  printf '  echo "+77011234567 1414 text STOP" > %s/mo\n\n' "$KANNEL_DIR"
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
  local conf=$1 n=$2 listen=${AULGATE_LISTEN:-127.0.0.1:8080} pid _
  mkdir -p var/log
  # A million hops would bury the terminal: the gateway's log goes to a file instead.
  say "the gateway logs to var/log/demo.log"
  "$AULGATE_BIN" serve -c "$conf" >>var/log/demo.log 2>&1 &
  pid=$!
  CHILDREN+=("$pid") # a failed simulation stops it too
  for _ in $(seq 1 100); do
    curl -fs -o /dev/null "http://$listen/healthz" && break
    kill -0 "$pid" 2>/dev/null || die "the gateway exited before answering /healthz"
    sleep 0.1
  done
  simulate_parents "$n"
  wait "$pid"
}

main() {
  local simulate=0 kannel=0 conf arg
  for arg in "$@"; do
    case "$arg" in
    --kannel) kannel=1 ;;
    --simulate) simulate=44213 ;;
    --simulate=*) simulate=${arg#--simulate=} ;;
    *) die "usage: scripts/demo.sh [--kannel] [--simulate[=N]]" ;;
    esac
  done
  [[ "$simulate" =~ ^[0-9]+$ ]] || die "--simulate=N takes a number of parents"
  trap stop_children EXIT
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
  conf=$AULGATE_CONF
  if [ "$kannel" = 1 ]; then
    conf="$KANNEL_DIR/aulgate.conf"
    kannel_start "$conf"
    print_kannel
  fi
  if [ "$simulate" -gt 0 ]; then
    serve_and_simulate "$conf" "$simulate"
  elif [ "$kannel" = 1 ]; then
    "$AULGATE_BIN" serve -c "$conf" # not exec: Kannel stops with the script
  else
    exec "$AULGATE_BIN" serve -c "$conf"
  fi
}

main "$@"
