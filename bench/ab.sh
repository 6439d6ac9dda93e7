#!/usr/bin/env bash
# Two revisions side by side: builds each in its own worktree under /tmp (Release), gives each
# its own private PostgreSQL (ports AB_PG_PORT and AB_PG_PORT+1, 54341 by default) and a fresh
# database aulgate_bench, starts both gateways (loopback ports AB_PORT and AB_PORT+1, 18090 by
# default), then drives them with aulgate-load of THIS tree (bench/load) in interleaved rounds
# (A B A B ...), so both meet the same load on the same shared machine within seconds of each
# other. Every acknowledged answer is looked up in the revision's database; only those found
# count (decision 45).
# Usage: bench/ab.sh REV_A REV_B [rounds] [seconds] [connections]
#   e.g. bench/ab.sh d3c33a3 HEAD 3 5 50
# Scenarios: first screens and answers offered above capacity (AB_CAP_RATE, 100000/s: the rate
# achieved is the capacity), whole surveys likewise, answers at a fixed AB_LAT_RATE (4000/s) for
# the latency. Prints each run, then per scenario the medians and B/A.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
[ $# -ge 2 ] || die "usage: bench/ab.sh REV_A REV_B [rounds] [seconds] [connections]"
a=$1 b=$2 rounds=${3:-3} secs=${4:-5} conns=${5:-50}
cap=${AB_CAP_RATE:-100000} lat=${AB_LAT_RATE:-4000}
pgport=${AB_PG_PORT:-54341} port=${AB_PORT:-18090}
root=$PWD
scripts/build.sh release build >/dev/null # aulgate-load of this tree
dirs=() pids=()
# Both gateways and both private clusters stop when the comparison ends, however it ends.
stop_all() {
  local pid entry
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  for entry in "${dirs[@]}"; do
    IFS=: read -r dir pg _ <<<"$entry"
    (cd "$dir" && AULGATE_PG_PORT=$pg scripts/pg.sh stop >/dev/null 2>&1) || true
  done
}
trap stop_all EXIT
trap 'exit 130' INT TERM
for rev in "$a" "$b"; do
  dir=/tmp/aulgate-ab-$(git rev-parse --short "$rev")
  [ -d "$dir" ] || git worktree add -q --detach "$dir" "$rev"
  dirs+=("$dir:$pgport:$port")
  (
    cd "$dir"
    export AULGATE_PG_PORT=$pgport
    scripts/build.sh release build >/dev/null
    . scripts/lib.sh
    ensure_secret
    scripts/pg.sh start >/dev/null
    scripts/pg.sh psql -q -X -c "DROP DATABASE IF EXISTS aulgate_bench WITH (FORCE)" \
      -c "CREATE DATABASE aulgate_bench OWNER aulgate" 2>/dev/null
    export AULGATE_DB="host=127.0.0.1 port=$pgport dbname=aulgate_bench user=aulgate"
    # Both sides the same settings: warn, as bench/run (info logs every hop).
    printf 'log_level = warn\nmax_connections = 1024\n' >var/ab.conf
    build/aulgate migrate -c var/ab.conf >/dev/null
    build/aulgate seed -c var/ab.conf >/dev/null
  )
  (cd "$dir" && AULGATE_DB="host=127.0.0.1 port=$pgport dbname=aulgate_bench user=aulgate" \
    AULGATE_LISTEN=127.0.0.1:$port exec build/aulgate serve -c var/ab.conf \
    2>"/tmp/aulgate-ab-$port.log") &
  pids+=($!)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  pgport=$((pgport + 1)) port=$((port + 1))
done
results=$(mktemp /tmp/aulgate-ab-results-XXXXXX)
run=0
for r in $(seq "$rounds"); do
  for scen in first answer survey "p$lat"; do
    case "$scen" in
      first) args=(-m first -r "$cap" -g 1) ;;
      answer) args=(-m answer -r "$cap" -g 1) ;;
      survey) args=(-m survey -r "$cap" -g 1 -P 200) ;;
      *) args=(-m answer -r "$lat" -g 10) ;;
    esac
    side=A
    for entry in "${dirs[@]}"; do
      IFS=: read -r dir pg p <<<"$entry"
      run=$((run + 1))
      echo "#### round $r, $scen, $side: $(git -C "$dir" rev-parse --short HEAD)"
      out=$(timeout 120 "$root/build/bench/aulgate-load" -u "127.0.0.1:$p" "${args[@]}" \
        -d "$secs" -c "$conns" -R "$run" \
        -D "host=127.0.0.1 port=$pg dbname=aulgate_bench user=aulgate") || true
      printf '%s\n' "$out"
      printf '%s\n' "$out" | sed -n "s/^summary /scen=$scen side=$side /p" >>"$results"
      side=B
    done
  done
done
echo
echo "A = $a ($(git rev-parse --short "$a")), B = $b ($(git rev-parse --short "$b")); medians of $rounds rounds"
awk '
  function med(s,   n, i, j, t, x) {
    n = split(s, x, " ")
    for (i = 2; i <= n; i++) for (j = i; j > 1 && x[j-1] + 0 > x[j] + 0; j--) { t = x[j]; x[j] = x[j-1]; x[j-1] = t }
    return n % 2 ? x[(n+1)/2] : (x[n/2] + x[n/2+1]) / 2
  }
  {
    for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
    if (!(f["scen"] in seen)) { seen[f["scen"]] = 1; order[++ns] = f["scen"] }
    k = f["scen"] SUBSEP f["side"]
    ach[k] = ach[k] " " f["achieved"]; ver[k] = ver[k] " " f["verified"]; p99[k] = p99[k] " " f["p99"]
  }
  END {
    printf "%-8s %12s %12s %7s %14s %14s %7s %11s %11s\n", "scenario", "A hops/s", "B hops/s", "B/A",
      "A answers/s", "B answers/s", "B/A", "A p99 ms", "B p99 ms"
    for (s = 1; s <= ns; s++) {
      c = order[s]; A = c SUBSEP "A"; B = c SUBSEP "B"
      ra = med(ach[A]); rb = med(ach[B]); va = med(ver[A]); vb = med(ver[B])
      printf "%-8s %12.0f %12.0f %7.2f %14s %14s %7s %11.2f %11.2f\n", c, ra, rb, ra ? rb / ra : 0,
        va < 0 ? "-" : sprintf("%.0f", va), vb < 0 ? "-" : sprintf("%.0f", vb),
        va > 0 ? sprintf("%.2f", vb / va) : "-", med(p99[A]), med(p99[B])
    }
  }' "$results"
rm -f "$results"
