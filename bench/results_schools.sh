#!/usr/bin/env bash
# What a region sees of its schools' requests (issue 13 item 6): the latency of
# GET /api/v1/results/schools, a direct aggregate query over the schools' tables, at a region's
# size. Builds Release into build/, starts the private cluster, recreates the database
# aulgate_rsbench, tops Aktobe's schools up to SCHOOLS (the seed has 156), links 60 consenting
# parents to each, writes 10 requests per school spread over MONTHS months from 2025-09-01, each
# delivered to the school's 60 parents (SCHOOLS x 600 deliveries: 300,000 at 500), answered by
# 40% of them (a third "I can help"; a tenth of those share), starts a gateway and times
# REQUESTS GETs of each kind over HTTP, one at a time, each with its audit row committed, for
# the month holding the most requests. MONTHS=1 puts every request in the one month read (the
# worst case); MONTHS=10 is a school year.
# Usage: AULGATE_PG_PORT=<port> bench/results_schools.sh [schools] [months] [requests]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
schools=${1:-500} months=${2:-10} requests=${3:-200}
port=${BENCH_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
# shellcheck source=../scripts/lib.sh
. scripts/lib.sh
scripts/build.sh release build >/dev/null
ensure_secret
scripts/pg.sh start >/dev/null
scripts/pg.sh psql -q -X -c "DROP DATABASE IF EXISTS aulgate_rsbench WITH (FORCE)" \
  -c "CREATE DATABASE aulgate_rsbench OWNER aulgate" 2>/dev/null
db=$(pg_conninfo_of aulgate_rsbench)
dir=$(mktemp -d /tmp/aulgate-rsbench-XXXXXX)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
printf 'listen = 127.0.0.1:%s\nlog_level = warn\ndb = %s\n' "$port" "$db" > "$dir/conf"
build/aulgate migrate -c "$dir/conf" >/dev/null
build/aulgate seed -c "$dir/conf" >/dev/null
sql() { psql "$db" -X -q -v ON_ERROR_STOP=1 "$@"; }

echo "== synthetic schools' requests: $schools schools in Aktobe, $((schools * 10)) requests over $months month(s)"
t0=$(date +%s.%N)
sql <<SQL
SET work_mem = '256MB';
-- Written in bulk with the counters' triggers off, then rebuilt (school_rollup_rebuild, as
-- `aulgate rollup rebuild` does): one statement of 300,000 deliveries would take a lock per
-- (school, month) pair, 5,000 of them. The triggers' own cost is measured below.
ALTER TABLE school_requests DISABLE TRIGGER school_requests_rollup;
ALTER TABLE school_deliveries DISABLE TRIGGER school_deliveries_rollup;
ALTER TABLE school_answers DISABLE TRIGGER school_answers_rollup_ins;
ALTER TABLE school_shares DISABLE TRIGGER school_shares_rollup;
ALTER TABLE school_links DISABLE TRIGGER school_links_linked;
ALTER TABLE school_contacts DISABLE TRIGGER school_contacts_linked;
INSERT INTO schools (region_code, district_code, name, settlement)
SELECT 'aktobe', d.code, 'Bench school ' || g,
       CASE WHEN d.code = 'aktobe-aktobe-city' THEN 'urban' ELSE 'rural' END
FROM generate_series(1, $schools - (SELECT count(*) FROM schools WHERE region_code = 'aktobe')) g
CROSS JOIN LATERAL (SELECT code FROM districts WHERE region_code = 'aktobe'
                    ORDER BY code OFFSET g % 13 LIMIT 1) d;
CREATE TEMP TABLE ph AS
SELECT s.id AS school_id, i, decode(md5('p' || s.id || '-' || i) || md5('q' || s.id || '-' || i), 'hex') AS respondent,
       row_number() OVER () AS n
FROM schools s CROSS JOIN generate_series(1, 60) i WHERE s.region_code = 'aktobe';
INSERT INTO school_links (respondent, relation, school_id, channel)
SELECT respondent, 'mother', school_id, 'ussd' FROM ph;
INSERT INTO school_contacts (respondent, msisdn, language)
SELECT respondent, '+7' || (7000000000 + n)::text, 'ru' FROM ph;
INSERT INTO school_requests (school_id, kind, text_ru, created_at, closes_at)
SELECT s.id, 'talk', 'x', t, t + interval '14 days'
FROM schools s CROSS JOIN generate_series(1, 10) k
CROSS JOIN LATERAL (SELECT timestamptz '2025-09-01 00:00+05'
                    + (hashint4(s.id * 16 + k) & 2147483647) % ($months * 30 * 86400) * interval '1 second' AS t) x
WHERE s.region_code = 'aktobe';
INSERT INTO school_deliveries (request_id, respondent, sent_at)
SELECT r.id, ph.respondent, r.created_at FROM school_requests r JOIN ph USING (school_id);
INSERT INTO school_answers (request_id, respondent, answer, channel)
SELECT request_id, respondent,
       (ARRAY['help', 'not_now', 'more'])[1 + (hashint4(request_id::int # 7 # get_byte(respondent, 1)) & 2147483647) % 3],
       CASE WHEN get_byte(respondent, 2) % 2 = 0 THEN 'sms' ELSE 'ussd' END
FROM school_deliveries WHERE get_byte(respondent, 0) < 102;
INSERT INTO school_shares (request_id, respondent, msisdn)
SELECT a.request_id, a.respondent, c.msisdn FROM school_answers a JOIN school_contacts c USING (respondent)
WHERE a.answer = 'help' AND get_byte(a.respondent, 3) < 26;
ALTER TABLE school_requests ENABLE TRIGGER school_requests_rollup;
ALTER TABLE school_deliveries ENABLE TRIGGER school_deliveries_rollup;
ALTER TABLE school_answers ENABLE TRIGGER school_answers_rollup_ins;
ALTER TABLE school_shares ENABLE TRIGGER school_shares_rollup;
ALTER TABLE school_links ENABLE TRIGGER school_links_linked;
ALTER TABLE school_contacts ENABLE TRIGGER school_contacts_linked;
SELECT school_rollup_rebuild();
VACUUM school_linked;
VACUUM school_linked_counts;
VACUUM school_month_counts;
ANALYZE schools; ANALYZE school_links; ANALYZE school_contacts; ANALYZE school_requests;
ANALYZE school_deliveries; ANALYZE school_answers; ANALYZE school_shares;
ANALYZE school_month_phones; ANALYZE school_month_counts; ANALYZE school_linked;
SQL
t1=$(date +%s.%N)
month=$(sql -At -c "SELECT to_char(date_trunc('month', (created_at AT TIME ZONE 'UTC') + interval '5 hours'), 'YYYY-MM-DD')
  FROM school_requests GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
sql -At -c "SELECT format('schools %s, links %s, requests %s, deliveries %s, answers %s, shares %s; in the month %s: requests %s, deliveries %s; generated in %s s',
  (SELECT count(*) FROM schools WHERE region_code = 'aktobe'), (SELECT count(*) FROM school_links),
  (SELECT count(*) FROM school_requests), (SELECT count(*) FROM school_deliveries),
  (SELECT count(*) FROM school_answers), (SELECT count(*) FROM school_shares), '$month',
  (SELECT count(*) FROM school_requests WHERE created_at >= ('$month' || ' 00:00+05')::timestamptz
     AND created_at < (('$month'::date + interval '1 month')::date || ' 00:00+05')::timestamptz),
  (SELECT count(*) FROM school_deliveries d JOIN school_requests r ON r.id = d.request_id
     WHERE r.created_at >= ('$month' || ' 00:00+05')::timestamptz
     AND r.created_at < (('$month'::date + interval '1 month')::date || ' 00:00+05')::timestamptz),
  round(($t1 - $t0)::numeric, 1))"

# What the counters cost the writer: one request's deliveries to 10,000 phones in one statement
# (what the delivery worker runs), with the trigger and without, rolled back.
echo "== one INSERT of a request's 10,000 deliveries (rolled back), 3 times each"
for mode in with without; do
  for _ in 1 2 3; do
    sql -At <<SQL
BEGIN;
$([ "$mode" = without ] && echo "ALTER TABLE school_deliveries DISABLE TRIGGER school_deliveries_rollup;")
INSERT INTO school_requests (school_id, kind, text_ru, created_at, closes_at)
SELECT min(id), 'talk', 'x', timestamptz '$month 12:00+05', timestamptz '$month 12:00+05' + interval '14 days'
FROM schools WHERE region_code = 'aktobe';
SELECT clock_timestamp() AS t0 \gset
INSERT INTO school_deliveries (request_id, respondent)
SELECT currval(pg_get_serial_sequence('school_requests', 'id')), decode(md5('x' || g) || md5('y' || g), 'hex')
FROM generate_series(1, 10000) g;
SELECT '  $mode the trigger: ' || round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) * 1000, 1) || ' ms';
ROLLBACK;
SQL
  done
done

build/aulgate serve -c "$dir/conf" 2> "$dir/log" &
pid=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
admin=$(AULGATE_DB="$db" build/aulgate token create --role admin -c "$dir/conf")
analyst=$(AULGATE_DB="$db" build/aulgate token create --role analyst --region aktobe -c "$dir/conf")
sleep 6 # the token cache's next refresh

# Times $requests GETs of $2 with token $1 (a query of the route, or a path from /); prints
# p50, p95, p99 and max in ms.
timeit() {
  local tok=$1 q=$2 url bad
  url="http://127.0.0.1:$port/api/v1/results/schools?from=$month&$q"
  [[ $q == /* ]] && url="http://127.0.0.1:$port$q"
  for _ in $(seq "$requests"); do
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H "Authorization: Bearer $tok" "$url"
  done > "$dir/times"
  bad=$(awk '$1 != 200' "$dir/times" | wc -l)
  awk '{ printf "%.3f\n", $2 * 1000 }' "$dir/times" | sort -n | awk -v q="$q" -v bad="$bad" \
    '{ t[NR] = $1 } END { printf "  %-40s p50 %6.2f  p95 %6.2f  p99 %6.2f  max %6.2f ms (n=%d, non-200 %d)\n",
      q, t[int(NR * .5)], t[int(NR * .95)], t[int(NR * .99)], t[NR], NR, bad }'
}
echo "== /api/v1/results/schools?from=$month over HTTP, $requests each, one at a time (git $(git rev-parse --short HEAD))"
echo " the floor: an audited call that reads nothing (its audit row committed, as every call's):"
timeit "$analyst" "/api/v1/whoami"
echo " analyst (aktobe):"
for q in "group_by=school" "group_by=district" "group_by=settlement" "group_by=region" \
  "group_by=school&format=csv&lang=ru"; do
  timeit "$analyst" "$q"
done
echo " admin (every region):"
timeit "$admin" "group_by=school"
