#!/usr/bin/env bash
# The results API's latency on the rollups of 10 million synthetic responses (issue 11).
# Builds Release into build/, starts the private cluster, recreates the database aulgate_rbench,
# writes the rollups of RESPONDENTS synthetic parents straight by SQL (16 responses each: the
# survey's 5 context answers, 9 L/T items, the barrier and the SMS question; 625,000 parents =
# 10 million responses; 13 counted answers each with initiative and activities), refreshes the
# release from them (rollup_release_refresh, as `aulgate rollup rebuild` does), starts a gateway
# and times REQUESTS results queries of each kind over HTTP, one at a time, each with its audit
# row committed: an admin's (every region) and an Aktobe analyst's, JSON and CSV.
# Usage: bench/results.sh [respondents] [requests]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
people=${1:-625000} requests=${2:-200}
port=${BENCH_PORT:-18081}
# shellcheck source=../scripts/lib.sh
. scripts/lib.sh
scripts/build.sh release build >/dev/null
ensure_secret
scripts/pg.sh start >/dev/null
scripts/pg.sh psql -q -X -c "DROP DATABASE IF EXISTS aulgate_rbench WITH (FORCE)" \
  -c "CREATE DATABASE aulgate_rbench OWNER aulgate" 2>/dev/null
db=$(pg_conninfo_of aulgate_rbench)
dir=$(mktemp -d /tmp/aulgate-rbench-XXXXXX)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
printf 'listen = 127.0.0.1:%s\nlog_level = warn\ndb = %s\n' "$port" "$db" > "$dir/conf"
build/aulgate migrate -c "$dir/conf" >/dev/null
build/aulgate seed -c "$dir/conf" >/dev/null
sql() { psql "$db" -X -q -v ON_ERROR_STOP=1 "$@"; }

echo "== synthetic rollups: $people parents, $((people * 16)) responses"
t0=$(date +%s.%N)
sql <<SQL
SET work_mem = '512MB';
-- Parents: a quarter in Aktobe (its city's schools urban, its districts' rural), the rest over
-- every other district; 120 days from 2026-09-01.
CREATE TEMP TABLE p AS
WITH d AS (SELECT code, region_code, row_number() OVER (ORDER BY code) AS i, count(*) OVER () AS n
           FROM districts),
     g AS (SELECT g, random() AS u1, random() AS u2, random() AS u3, random() AS u4
           FROM generate_series(1, $people) g)
SELECT g.g, d.region_code AS region, d.code AS district,
       coalesce(s.id, 0) AS school_id, coalesce(s.settlement, '') AS school_settlement,
       CASE WHEN g.u3 < 0.6 THEN 'rural' ELSE 'urban' END AS settlement,
       (ARRAY['pre', '1-4', '5-9', '10-11'])[1 + (g.g % 4)] AS grade,
       (ARRAY['mother', 'father', 'grandparent', 'other'])[1 + (g.g / 4 % 4)] AS relation,
       (ARRAY['kk', 'ru', 'en'])[1 + (g.g / 16 % 3)] AS language,
       date '2026-09-01' + (g.u4 * 120)::int AS day
FROM g
JOIN d ON d.i = CASE WHEN g.u1 < 0.25 THEN (SELECT i FROM d WHERE code = 'aktobe-aktobe-city')
                     ELSE 1 + (g.u1 * 1e6)::bigint % (SELECT max(n) FROM d) END
LEFT JOIN schools s ON s.district_code = d.code AND s.number = 1 + (g.u2 * 60)::int;
INSERT INTO rollups
SELECT 'involvement', 3, q, region, day, district, school_settlement, settlement, school_id,
       grade, relation, language,
       CASE WHEN q = 'initiative' THEN (ARRAY['L1', 'L2', 'L3', 'L4', 'none'])[1 + (hashint4(g # 7) & 2147483647) % 5]
            WHEN q = 'activities' THEN ((hashint4(g # 11) & 2147483647) % 6)::text
            WHEN q = 'barrier' THEN (ARRAY['unprepared', 'school_job', 'language', 'no_info',
                                           'not_heard', 'poverty', 'no_time'])[1 + (hashint4(g # 13) & 2147483647) % 7]
            WHEN hashint4(g # length(q) # ascii(right(q, 1))) & 1 = 1 THEN 'yes' ELSE 'no' END,
       count(*)
FROM p CROSS JOIN unnest(ARRAY['L1', 'L2', 'L3', 'L4', 'T1', 'T2', 'T3', 'T4', 'T5', 'barrier',
                               'subscribe', 'initiative', 'activities']) q
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13;
SELECT rollup_release_refresh();
ANALYZE rollups;
ANALYZE rollup_release;
SQL
t1=$(date +%s.%N)
sql -At -c "SELECT format('rollups %s rows (%s), release %s rows (%s); generated in %s s',
  (SELECT count(*) FROM rollups), pg_size_pretty(pg_total_relation_size('rollups')),
  (SELECT count(*) FROM rollup_release), pg_size_pretty(pg_total_relation_size('rollup_release')),
  round(($t1 - $t0)::numeric, 1))"

build/aulgate serve -c "$dir/conf" 2> "$dir/log" &
pid=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
admin=$(AULGATE_DB="$db" build/aulgate token create --role admin -c "$dir/conf")
analyst=$(AULGATE_DB="$db" build/aulgate token create --role analyst --region aktobe -c "$dir/conf")
sleep 6 # the token cache's next refresh

# Times $requests GETs of $2 with token $1; prints p50, p95, p99 and max in ms.
timeit() {
  local tok=$1 q=$2 bad
  for _ in $(seq "$requests"); do
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H "Authorization: Bearer $tok" \
      "http://127.0.0.1:$port/api/v1/results?survey=involvement&version=3&$q"
  done > "$dir/times"
  bad=$(awk '$1 != 200' "$dir/times" | wc -l)
  awk '{ printf "%.3f\n", $2 * 1000 }' "$dir/times" | sort -n | awk -v q="$q" -v bad="$bad" \
    '{ t[NR] = $1 } END { printf "  %-58s p50 %6.2f  p95 %6.2f  p99 %6.2f  max %6.2f ms (n=%d, non-200 %d)\n",
      q, t[int(NR * .5)], t[int(NR * .95)], t[int(NR * .99)], t[NR], NR, bad }'
}
echo "== results queries over HTTP, $requests each, one at a time (git $(git rev-parse --short HEAD))"
echo " admin (every region):"
for q in "question=L1&group_by=region" "question=L1&group_by=district" \
  "question=T1&group_by=settlement" "question=initiative&group_by=settlement,parent_settlement" \
  "question=L2&group_by=school" "question=T1&group_by=week" \
  "question=barrier&group_by=district&format=csv&lang=ru"; do
  timeit "$admin" "$q"
done
echo " analyst (aktobe):"
for q in "question=L1&group_by=district" "question=L1&group_by=school" \
  "question=T1&group_by=settlement&format=csv&lang=kk" "question=L2&group_by=month"; do
  timeit "$analyst" "$q"
done
