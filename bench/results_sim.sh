#!/usr/bin/env bash
# The results API's latency on the full simulated data set (issue 11): 44,213 synthetic Aktobe
# parents (29,760 of urban schools, 14,453 of rural ones, as the article) take the survey
# through a Release gateway's `at` endpoint (`aulgate simulate`, seed 2020 as scripts/demo.sh
# --simulate), into a database of its own (aulgate_sbench, recreated), so that what the results
# API gives is theirs alone. The simulator reads L1, L2, T1 through GET /api/v1/results before
# and after the run and prints them beside the published figures ("api" lines); then REQUESTS
# results queries of each kind are timed over HTTP, one at a time, as bench/results.sh does.
# Usage: bench/results_sim.sh [parents] [requests]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
parents=${1:-44213} requests=${2:-200}
port=${BENCH_PORT:-18082}
# shellcheck source=../scripts/lib.sh
. scripts/lib.sh
scripts/build.sh release build >/dev/null
ensure_secret
scripts/pg.sh start >/dev/null
scripts/pg.sh psql -q -X -c "DROP DATABASE IF EXISTS aulgate_sbench WITH (FORCE)" \
  -c "CREATE DATABASE aulgate_sbench OWNER aulgate" 2>/dev/null
db=$(pg_conninfo_of aulgate_sbench)
dir=$(mktemp -d /tmp/aulgate-sbench-XXXXXX)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
printf 'listen = 127.0.0.1:%s\nlog_level = warn\ndb = %s\ntoken_refresh_ms = 1000\n' \
  "$port" "$db" > "$dir/conf"
build/aulgate migrate -c "$dir/conf" >/dev/null
build/aulgate seed -c "$dir/conf" >/dev/null
build/aulgate serve -c "$dir/conf" 2> "$dir/log" &
pid=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
admin=$(AULGATE_DB="$db" build/aulgate token create --role admin -c "$dir/conf")
analyst=$(AULGATE_DB="$db" build/aulgate token create --role analyst --region aktobe -c "$dir/conf")
sleep 2 # the token cache's next refresh

echo "== $parents simulated parents through the USSD path (git $(git rev-parse --short HEAD))"
t0=$(date +%s)
AULGATE_TOKEN=$analyst build/aulgate simulate -u "http://127.0.0.1:$port/ussd/at" -n "$parents" \
  -c 64 -S 2020 --results "http://127.0.0.1:$port"
echo "   ($(($(date +%s) - t0)) s; $(psql "$db" -XAt -c 'SELECT count(*) FROM responses') responses)"

# Times $requests GETs of $2 with token $1; prints p50, p95, p99 and max in ms.
timeit() {
  local tok=$1 q=$2 bad
  for _ in $(seq "$requests"); do
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H "Authorization: Bearer $tok" \
      "http://127.0.0.1:$port/api/v1/results?survey=involvement&version=4&$q"
  done > "$dir/times"
  bad=$(awk '$1 != 200' "$dir/times" | wc -l)
  awk '{ printf "%.3f\n", $2 * 1000 }' "$dir/times" | sort -n | awk -v q="$q" -v bad="$bad" \
    '{ t[NR] = $1 } END { printf "  %-58s p50 %6.2f  p95 %6.2f  p99 %6.2f  max %6.2f ms (n=%d, non-200 %d)\n",
      q, t[int(NR * .5)], t[int(NR * .95)], t[int(NR * .99)], t[NR], NR, bad }'
}
echo "== results queries over HTTP, $requests each, one at a time"
echo " admin (every region):"
for q in "question=L1&group_by=region" "question=T1&group_by=settlement" \
  "question=initiative&group_by=settlement,parent_settlement" "question=L2&group_by=school" \
  "question=barrier&group_by=district&format=csv&lang=ru"; do
  timeit "$admin" "$q"
done
echo " analyst (aktobe):"
for q in "question=L1&group_by=settlement" "question=L1&group_by=district" \
  "question=T1&group_by=settlement&format=csv&lang=kk" "question=L2&group_by=week"; do
  timeit "$analyst" "$q"
done
