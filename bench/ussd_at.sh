#!/usr/bin/env bash
# Hops per second and latency of the `at` endpoint on loopback, with wrk (Debian's package).
# Two scenarios, each hop the first of a new session (profile read from PostgreSQL): the first
# screen, and a hop that answers a question (committed before its reply). Needs the private cluster: scripts/pg.sh start; migrated.
# Usage: bench/ussd_at.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
secs=${1:-10} conns=${2:-50} port=${BENCH_PORT:-18080}
command -v wrk >/dev/null || { echo "bench: install wrk (apt-get install wrk)" >&2; exit 1; }
scripts/build.sh release build >/dev/null
scripts/pg.sh start >/dev/null
dir=$(mktemp -d /tmp/aulgate-bench-XXXXXX)
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
printf 'listen = 127.0.0.1:%s\nlog_level = warn\nmax_connections = 1024\n' "$port" > "$dir/conf"
AULGATE_DB=${AULGATE_DB:-"host=127.0.0.1 port=${AULGATE_PG_PORT:-54329} dbname=aulgate user=aulgate"} \
  build/aulgate serve -c "$dir/conf" 2> "$dir/log" &
pid=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
before=$(scripts/pg.sh psql -Atc "SELECT count(*) FROM responses")
# Every run (and each scenario) draws its callers from a fresh run number: see ussd_at.lua.
mkdir -p var
run=$(( $(cat var/bench-run 2>/dev/null || echo 0) + 1 ))
for scenario in first-screen answer; do
  run=$((run + 1))
  echo "$run" > var/bench-run
  nav=0; [ "$scenario" = first-screen ] && nav=1
  echo "== $scenario hops: wrk -t2 -c$conns -d${secs}s --latency (git $(git rev-parse --short HEAD))"
  RUN=$run NAV=$nav wrk -t2 -c"$conns" -d"${secs}s" --latency -s bench/ussd_at.lua "http://127.0.0.1:$port" |
    grep -E 'Requests/sec|Latency |50%|90%|99%|requests in|Non-2xx|Socket errors'
done
after=$(scripts/pg.sh psql -Atc "SELECT count(*) FROM responses")
echo "rows committed during the answer run: $((after - before))"
curl -s "http://127.0.0.1:$port/healthz"
