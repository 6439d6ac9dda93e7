#!/usr/bin/env bash
# Issue 13's "Done when": the delivery time of one school request to N (10,000) linked parents.
# A database of its own (aulgate_schbench, recreated), N parents of one school linked with their
# consent standing (fresh numbers each run, half kk, half ru), a Release gateway whose SMS link
# points at bench_sink (bench/bench_sink.c: answers 202 as Kannel's sendsms does and counts the
# distinct numbers it got). One request is created through the API; from its 200 the script
# polls PostgreSQL and prints when (a) all N deliveries were inserted (the worker's statement,
# decision 90) and (b) all N outbox rows were submitted to the carrier (state submitted or
# delivered), counting only rows of this request joined to their outbox rows; then what the
# sink received. Quiet hours are off (sms_quiet_start_min = sms_quiet_end_min = 0) and the
# school's day cap is raised to N (its default, 2,000, would spread 10,000 over five days).
# Usage: bench/school_send.sh [parents (10000)] [sms_rate (default: the key's default, 100)]
#   SCHOOL_POLL_MS=... sets school_poll_ms (default: the key's default, 10,000 ms), and
#   SMS_IN_FLIGHT=... sms_http_max_in_flight (default: the key's default, 64).
#   SINK=kannel: the link is a real Kannel (bearerbox, smsbox, fakesmsc on BENCH_PORT+1..+4)
#   instead of bench_sink; then also when fakesmsc got every part, and the delivery reports.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
n=${1:-10000} rate=${2:-default}
port=${BENCH_PORT:-18084}
# shellcheck source=../scripts/lib.sh
. scripts/lib.sh
scripts/build.sh release build >/dev/null
ensure_secret
scripts/pg.sh start >/dev/null
scripts/pg.sh psql -q -X -c "DROP DATABASE IF EXISTS aulgate_schbench WITH (FORCE)" \
  -c "CREATE DATABASE aulgate_schbench OWNER aulgate" 2>/dev/null
db=$(pg_conninfo_of aulgate_schbench)
dir=$(mktemp -d /tmp/aulgate-schbench-XXXXXX)
pid='' sink='' kannel=()
cleanup() {
  local k
  for k in "$pid" "$sink" "${kannel[@]}"; do [ -n "$k" ] && kill "$k" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
sql() { psql "$db" -XAtq -v ON_ERROR_STOP=1 -c "$1"; }

if [ "${SINK:-http}" = kannel ]; then
  # Kannel: bearerbox, smsbox and fakesmsc (the fake SMSC; it prints what it receives and
  # answers with delivery reports) on the ports after BENCH_PORT, configured as tests/it's.
  p_admin=$((port + 1)) p_box=$((port + 2)) p_send=$((port + 3)) p_fake=$((port + 4))
  cat > "$dir/kannel.conf" <<EOF
group = core
admin-port = $p_admin
admin-password = bar
status-password = foo
admin-allow-ip = "127.0.0.1"
smsbox-port = $p_box
box-allow-ip = "127.0.0.1"
dlr-storage = internal
log-level = 2
log-file = "$dir/bearerbox.log"

group = smsc
smsc = fake
smsc-id = FAKE
port = $p_fake
connect-allow-ip = "127.0.0.1"

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = $p_box
sendsms-port = $p_send
global-sender = 1414
log-level = 2
log-file = "$dir/smsbox.log"

group = sendsms-user
username = gw
password = bench
max-messages = 3
concatenation = true
EOF
  /usr/sbin/bearerbox "$dir/kannel.conf" > "$dir/bearerbox.out" 2>&1 &
  kannel+=($!)
  sleep 1
  /usr/sbin/smsbox "$dir/kannel.conf" > "$dir/smsbox.out" 2>&1 &
  kannel+=($!)
  mkfifo "$dir/fk.in"
  /usr/lib/kannel/test/fakesmsc -H 127.0.0.1 -r "$p_fake" < "$dir/fk.in" > "$dir/fk.out" 2>&1 &
  kannel+=($!)
  exec 3> "$dir/fk.in" # fakesmsc reads its stdin until it closes
  for _ in $(seq 100); do
    grep -q "Fakesmsc client connected" "$dir/bearerbox.log" 2>/dev/null &&
      curl -s -o /dev/null "http://127.0.0.1:$p_send/" && break
    sleep 0.1
  done
  sms_url=http://127.0.0.1:$p_send/cgi-bin/sendsms
else
  build/bench/bench_sink "$dir/sink.port" 2> "$dir/sink.log" &
  sink=$!
  for _ in $(seq 50); do [ -s "$dir/sink.port" ] && break; sleep 0.1; done
  sms_url=http://127.0.0.1:$(cat "$dir/sink.port")/cgi-bin/sendsms
fi

{
  printf 'listen = 127.0.0.1:%s\nlog_level = warn\ndb = %s\ntoken_refresh_ms = 1000\n' "$port" "$db"
  printf 'sms_quiet_start_min = 0\nsms_quiet_end_min = 0\nschool_daily_cap = %s\n' "$n"
  [ -n "${SCHOOL_POLL_MS:-}" ] && printf 'school_poll_ms = %s\n' "$SCHOOL_POLL_MS"
  [ -n "${SMS_IN_FLIGHT:-}" ] && printf 'sms_http_max_in_flight = %s\n' "$SMS_IN_FLIGHT"
  printf '[carrier.sink]\ndialect = kannel\nsms_url = %s\n' "$sms_url"
  printf 'sms_user = gw\nsms_password = bench\nsms_callback_url = http://127.0.0.1:%s\n' "$port"
  [ "$rate" != default ] && printf 'sms_rate = %s\n' "$rate"
} > "$dir/conf"
build/aulgate migrate -c "$dir/conf" >/dev/null
build/aulgate seed -c "$dir/conf" >/dev/null

# One school (Aktobe city's number 7 of the seed), N parents linked, consenting, fresh numbers.
school=$(sql "SELECT id FROM schools WHERE district_code = 'aktobe-aktobe-city' AND number = 7")
base=$(((RANDOM * 32768 + RANDOM) % (10000000 - n)))
salt=$RANDOM$RANDOM
sql "BEGIN;
INSERT INTO school_links (respondent, relation, school_id, channel)
  SELECT sha256(('$salt/' || g)::bytea), 'mother', $school, 'ussd' FROM generate_series(1, $n) g;
INSERT INTO school_consents (respondent, relation, granted, channel, language)
  SELECT sha256(('$salt/' || g)::bytea), 'mother', true, 'ussd',
    CASE WHEN g % 2 = 0 THEN 'kk' ELSE 'ru' END FROM generate_series(1, $n) g;
INSERT INTO school_contacts (respondent, msisdn, language)
  SELECT sha256(('$salt/' || g)::bytea), '+7701' || lpad(($base + g)::text, 7, '0'),
    CASE WHEN g % 2 = 0 THEN 'kk' ELSE 'ru' END FROM generate_series(1, $n) g;
COMMIT; ANALYZE school_links; ANALYZE school_contacts; ANALYZE school_consents;"
token=$(AULGATE_DB="$db" build/aulgate token create --role school --school "$school" --name bench \
  -c "$dir/conf" 2>/dev/null)

build/aulgate serve -c "$dir/conf" 2> "$dir/log" &
pid=$!
for _ in $(seq 100); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
    "http://127.0.0.1:$port/api/v1/whoami")" = 200 ] && break
  sleep 0.1
done

# A request as a school writes one (both languages): 3 UCS-2 parts for every parent.
kk='Сенбі күні сағат 10-да мектеп ауласын тазалауға көмек керек.'
ru='В субботу в 10 часов нужна помощь в уборке школьного двора.'
ms() { date +%s%3N; }
t_req=$(ms)
out=$(curl -s -w '\n%{http_code}' -H "Authorization: Bearer $token" \
  --data-urlencode "text_kk=$kk" --data-urlencode "text_ru=$ru" -d kind=event_help \
  "http://127.0.0.1:$port/api/v1/school/requests")
t0=$(ms)
[ "$(tail -n1 <<<"$out")" = 200 ] || die "create: $out"
req=$(sed -n 's/.*"id":\([0-9]*\).*/\1/p' <<<"$out" | head -n1)

echo "== one request to $n linked parents (git $(git rev-parse --short HEAD), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
echo "   sms_rate ${rate} parts/s, school_poll_ms ${SCHOOL_POLL_MS:-default 10000}," \
  "sms_http_max_in_flight ${SMS_IN_FLIGHT:-default 64}, school_daily_cap $n, quiet hours off"
echo "   create: $((t0 - t_req)) ms for the 200"
first='' inserted='' submitted=''
while :; do
  read -r d s < <(sql "SELECT count(*), count(*) FILTER (WHERE o.state IN ('submitted', 'delivered'))
    FROM school_deliveries d JOIN outbox o ON o.id = d.outbox_id
    WHERE d.request_id = $req AND o.kind = 'school' AND o.link = 'sink'" | tr '|' ' ')
  now=$(ms)
  [ -z "$first" ] && [ "$d" -gt 0 ] && first=$((now - t0)) && echo "   first deliveries inserted: $d at $first ms"
  [ -z "$inserted" ] && [ "$d" -ge "$n" ] && inserted=$((now - t0)) && echo "   (a) all $d deliveries inserted: $inserted ms"
  [ -z "$submitted" ] && [ "$s" -ge "$n" ] && submitted=$((now - t0)) && echo "   (b) all $s submitted to the carrier: $submitted ms"
  [ -n "$submitted" ] && break
  [ $((now - t0)) -gt 1800000 ] && die "not done after 30 min: $d inserted, $s submitted"
  sleep 0.2
done
parts=$(sql "SELECT min(o.parts) || '-' || max(o.parts) || ' parts, ' || sum(o.parts) || ' in all'
  FROM school_deliveries d JOIN outbox o ON o.id = d.outbox_id WHERE d.request_id = $req")
echo "   messages: $parts; submission $(awk -v n="$n" -v a="$inserted" -v b="$submitted" \
  'BEGIN{printf "%.0f messages/s from (a) to (b)", (b > a) ? n * 1000 / (b - a) : 0}')"
if [ -n "$sink" ]; then
  echo "   sink: $(curl -s "${sms_url%/cgi-bin/sendsms}/stats" | awk '{printf "%d requests, %d distinct numbers", $1, $2}')"
else
  # Kannel: what fakesmsc received (parts, numbers) and the reports, for at most 5 min more.
  all=$(sql "SELECT sum(parts) FROM outbox WHERE link = 'sink'")
  for _ in $(seq 1500); do
    got=$(grep -c "Got message" "$dir/fk.out" || true)
    [ "$got" -ge "$all" ] && break
    sleep 0.2
  done
  echo "   fakesmsc: $got of $all parts received at $(($(ms) - t0)) ms," \
    "$(grep -o 'Got message [0-9]*: <1414 [+0-9]*' "$dir/fk.out" | awk '{print $5}' | sort -u | wc -l) distinct numbers"
  for _ in $(seq 1500); do
    [ "$(sql "SELECT count(*) FROM outbox WHERE link = 'sink' AND state = 'delivered'")" -ge "$n" ] && break
    sleep 0.2
  done
  echo "   delivered (Kannel's final reports back): $(sql "SELECT count(*) FROM outbox WHERE link = 'sink' AND state = 'delivered'") at $(($(ms) - t0)) ms"
fi
echo "   twice for a phone: $(sql "SELECT count(*) - count(DISTINCT respondent) FROM outbox WHERE kind = 'school'")"
