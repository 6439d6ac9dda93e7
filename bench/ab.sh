#!/usr/bin/env bash
# Two revisions side by side: builds each in its own worktree under /tmp (Release), gives each
# its own private PostgreSQL (ports 54341 and 54342), migrates and seeds, then runs
# bench/ussd_at.sh of the NEWER revision against both in interleaved rounds (A B A B ...), so
# both gateways meet the same load on the same shared machine within minutes of each other.
# Usage: bench/ab.sh REV_A REV_B [rounds] [seconds] [connections]
#   e.g. bench/ab.sh d3c33a3 main 3 10 50
# Prints each round's figures; compare the Requests/sec of the answer runs (each checked
# against the rows committed during the run).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ $# -ge 2 ] || { echo "usage: bench/ab.sh REV_A REV_B [rounds] [seconds] [connections]" >&2; exit 2; }
a=$1 b=$2 rounds=${3:-3} secs=${4:-10} conns=${5:-50}
root=$PWD
port=54341
dirs=()
# Both private clusters stop when the comparison ends, however it ends.
stop_clusters() {
  local entry
  for entry in "${dirs[@]}"; do
    (cd "${entry%%:*}" && AULGATE_PG_PORT=${entry##*:} scripts/pg.sh stop >/dev/null 2>&1) || true
  done
}
trap stop_clusters EXIT
for rev in "$a" "$b"; do
  dir=/tmp/aulgate-ab-$(git rev-parse --short "$rev")
  [ -d "$dir" ] || git worktree add -q --detach "$dir" "$rev"
  dirs+=("$dir:$port")
  (
    cd "$dir"
    export AULGATE_PG_PORT=$port
    scripts/build.sh release build >/dev/null
    . scripts/lib.sh
    ensure_secret
    scripts/pg.sh start >/dev/null
    AULGATE_DB=$(pg_conninfo) build/aulgate migrate -c etc/aulgate.conf >/dev/null
    AULGATE_DB=$(pg_conninfo) build/aulgate seed -c etc/aulgate.conf >/dev/null
  )
  port=$((port + 1))
done
for r in $(seq "$rounds"); do
  for entry in "${dirs[@]}"; do
    dir=${entry%%:*} pgport=${entry##*:}
    echo "#### round $r: $(git -C "$dir" rev-parse --short HEAD)"
    # The newer revision's bench script, run from the old tree so it builds and serves that tree.
    cp "$root/bench/ussd_at.sh" "$root/bench/ussd_at.lua" "$dir/bench/"
    (cd "$dir" && AULGATE_PG_PORT=$pgport bench/ussd_at.sh "$secs" "$conns") || true
    git -C "$dir" checkout -q -- bench 2>/dev/null || true
  done
done
