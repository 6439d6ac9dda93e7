#!/usr/bin/env bash
# The cost of watching the gateway (issue 10): hops/s at capacity with nobody watching, with a
# scraper reading /metrics every second (as Prometheus would, from an address of
# metrics_allow_ips), with N consoles on /api/v1/events (each a curl reading the stream, the
# 15-minute window /ops/ opens), and with both; interleaved in rounds, every answer looked up in
# PostgreSQL by aulgate-load. Then the same watchers on an idle gateway: its CPU per second.
# Builds Release into build/, runs on a database of its own (aulgate_bench, recreated).
# Usage: bench/ops.sh [seconds per run (5)] [SSE clients (16)] [rounds (2)]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
secs=${1:-5} n_sse=${2:-16} rounds=${3:-2}
port=${BENCH_PORT:-18080}
# shellcheck source=../scripts/lib.sh
. scripts/lib.sh
scripts/build.sh release build >/dev/null
ensure_secret
scripts/pg.sh start >/dev/null
scripts/pg.sh psql -q -X -c "DROP DATABASE IF EXISTS aulgate_bench WITH (FORCE)" \
  -c "CREATE DATABASE aulgate_bench OWNER aulgate" 2>/dev/null
db=$(pg_conninfo_of aulgate_bench)
dir=$(mktemp -d /tmp/aulgate-ops-XXXXXX)
watchers=()
stop_watchers() {
  for w in "${watchers[@]}"; do kill "$w" 2>/dev/null || true; done
  for w in "${watchers[@]}"; do wait "$w" 2>/dev/null || true; done
  watchers=()
}
trap 'stop_watchers; kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
printf 'listen = 127.0.0.1:%s\nlog_level = warn\nmax_connections = 1024\ndb = %s\ntoken_refresh_ms = 1000\n' \
  "$port" "$db" > "$dir/conf"
build/aulgate migrate -c "$dir/conf" >/dev/null
build/aulgate seed -c "$dir/conf" >/dev/null
token=$(build/aulgate token create --role operator --name bench -c "$dir/conf" 2>/dev/null)
build/aulgate serve -c "$dir/conf" 2> "$dir/log" &
pid=$!
for _ in $(seq 100); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
    "http://127.0.0.1:$port/api/v1/whoami")" = 200 ] && break
  sleep 0.1
done

# The gateway's CPU time so far, in nanoseconds (the scheduler's own count, finer than ticks).
cpu_ns() { awk '{print $1}' "/proc/$pid/schedstat"; }
start_watchers() { # $1: scrape (0/1), $2: SSE clients
  local i
  if [ "$1" = 1 ]; then
    (while :; do curl -s -o /dev/null "http://127.0.0.1:$port/metrics"; sleep 1; done) &
    watchers+=($!)
  fi
  for ((i = 0; i < $2; i++)); do
    curl -sN -o /dev/null -H "Authorization: Bearer $token" \
      "http://127.0.0.1:$port/api/v1/events?window=15m" &
    watchers+=($!)
  done
  sleep 1.5 # every stream open and past its first event
}

echo "== bench/ops.sh at git $(git rev-parse --short HEAD), $(nproc) cores, $secs s a run, $n_sse SSE clients"
printf '%-14s %-5s %10s %10s %9s %9s %12s\n' condition round 'hops/s' 'answers/s' 'p99 ms' 'gw CPU%' 'gw us/hop'
run=0
for ((round = 1; round <= rounds; round++)); do
  for cond in none metrics sse both; do
    run=$((run + 1))
    case $cond in
      none) start_watchers 0 0 ;;
      metrics) start_watchers 1 0 ;;
      sse) start_watchers 0 "$n_sse" ;;
      both) start_watchers 1 "$n_sse" ;;
    esac
    t0=$(cpu_ns)
    line=$(build/bench/aulgate-load -u "127.0.0.1:$port" -m survey -r 100000 -g 1 -P 200 \
      -d "$secs" -c 50 -R "$run" -D "$db" | grep '^summary')
    t1=$(cpu_ns)
    stop_watchers
    achieved=$(sed -n 's/.* achieved=\([0-9.]*\).*/\1/p' <<<"$line")
    verified=$(sed -n 's/.* verified=\([0-9.-]*\).*/\1/p' <<<"$line")
    p99=$(sed -n 's/.* p99=\([0-9.]*\).*/\1/p' <<<"$line")
    missing=$(sed -n 's/.* missing=\([0-9]*\).*/\1/p' <<<"$line")
    [ "$missing" = 0 ] || echo "!! $missing acknowledged answers missing from PostgreSQL"
    cpu=$(awk -v a="$t0" -v b="$t1" -v s="$secs" 'BEGIN{printf "%.0f", 100*(b-a)/1e9/s}')
    us=$(awk -v a="$t0" -v b="$t1" -v s="$secs" -v r="$achieved" \
      'BEGIN{printf "%.1f", (r > 0) ? (b-a)/1e3/(r*s) : 0}')
    printf '%-14s %-5s %10.0f %10.0f %9s %9s %12s\n' "$cond" "$round" "$achieved" "$verified" "$p99" \
      "$cpu" "$us"
  done
done

echo "== the same watchers on an idle gateway, 10 s each: its CPU"
for cond in none metrics sse; do
  case $cond in
    none) start_watchers 0 0 ;;
    metrics) start_watchers 1 0 ;;
    sse) start_watchers 0 "$n_sse" ;;
  esac
  t0=$(cpu_ns)
  sleep 10
  t1=$(cpu_ns)
  stop_watchers
  awk -v c="$cond" -v a="$t0" -v b="$t1" \
    'BEGIN{printf "%-14s gateway CPU %.3f ms per second\n", c, (b-a)/1e6/10}'
done
grep -c 'http.stream_dropped' "$dir/log" | sed 's/^/SSE clients dropped (the log): /' || true
# The render's own cost, from the gateway's histogram of it (every scrape of the runs above).
curl -s "http://127.0.0.1:$port/metrics" | awk '
  /^aulgate_metrics_render_seconds_sum/ {s = $2} /^aulgate_metrics_render_seconds_count/ {n = $2}
  /^# / {next} {lines++}
  END {if (n) printf "/metrics: %d renders, %.0f us each on average, %d lines\n", n, 1e6 * s / n, lines}'
