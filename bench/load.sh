#!/usr/bin/env bash
# Open-loop load on the `at` endpoint with bench/load (aulgate-load), every acknowledged answer
# then looked up in PostgreSQL. Builds Release into build/, starts the private cluster, and runs
# the gateway against a database of its own, aulgate_bench, recreated on every run (the demo's
# data and the tests' are not touched; no caller of an earlier run is known).
# Usage: bench/load.sh [seconds] [first-screen rate] [answer rate] [survey hop rate] [connections]
#   first   every request the first hop of a new session (the language menu; a profile read)
#   answer  every request a new session's hop that answers the region (a read, then a commit)
#   survey  parents playing the whole survey, hop by hop (20 hops, 16 answers each)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
secs=${1:-10} r_first=${2:-5000} r_answer=${3:-3000} r_survey=${4:-3000} conns=${5:-50}
port=${BENCH_PORT:-18080}
# shellcheck source=../scripts/lib.sh
. scripts/lib.sh
scripts/build.sh release build >/dev/null
ensure_secret
scripts/pg.sh start >/dev/null
scripts/pg.sh psql -q -X -c "DROP DATABASE IF EXISTS aulgate_bench WITH (FORCE)" \
  -c "CREATE DATABASE aulgate_bench OWNER aulgate" 2>/dev/null
db=$(pg_conninfo_of aulgate_bench)
dir=$(mktemp -d /tmp/aulgate-load-XXXXXX)
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
printf 'listen = 127.0.0.1:%s\nlog_level = warn\nmax_connections = 1024\ndb = %s\n' "$port" "$db" \
  > "$dir/conf"
build/aulgate migrate -c "$dir/conf" >/dev/null
build/aulgate seed -c "$dir/conf" >/dev/null
build/aulgate serve -c "$dir/conf" 2> "$dir/log" &
pid=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
echo "== aulgate-load against git $(git rev-parse --short HEAD), $(nproc) cores, $secs s each"
run=0
for spec in "first:$r_first" "answer:$r_answer" "survey:$r_survey"; do
  run=$((run + 1))
  build/bench/aulgate-load -u "127.0.0.1:$port" -m "${spec%%:*}" -r "${spec##*:}" -d "$secs" \
    -c "$conns" -R "$run" -D "$db"
done
