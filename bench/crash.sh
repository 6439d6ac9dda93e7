#!/usr/bin/env bash
# The crash test (tests/it/it_crash.c) with bigger numbers than CI's: concurrent surveys while
# the gateway is SIGKILLed and PostgreSQL crashes (`pg.sh crash`), then every acknowledged answer
# checked in the database. Prints the figures it_crash prints; exits non-zero on a violation.
# Builds Release with the tests into build-rel/ (as scripts/test.sh does; AULGATE_BUILD_DIR
# overrides), runs against the test database aulgate_test of the private cluster (made, migrated
# and seeded if missing; scripts/test.sh recreates it anyway), and leaves the cluster running.
# Usage: bench/crash.sh [kills] [pg_stops] [callers] [seconds]     (default 140 17 40 300)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=../scripts/lib.sh
. scripts/lib.sh
kills=${1:-140} stops=${2:-17} callers=${3:-40} secs=${4:-300}
dir=${AULGATE_BUILD_DIR:-build-rel}
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DAULGATE_TESTS=ON -DAULGATE_SANITIZE=OFF \
  -DAULGATE_FUZZ=OFF >/dev/null
cmake --build "$dir" -j "${AULGATE_JOBS:-2}" --target it_crash aulgate >/dev/null
ensure_secret
scripts/pg.sh start
AULGATE_DB=$(pg_conninfo_of "$AULGATE_TEST_DB")
AULGATE_PG_CTL="$AULGATE_ROOT/scripts/pg.sh"
export AULGATE_DB AULGATE_PG_CTL AULGATE_ROOT
if [ "$(scripts/pg.sh psql -d postgres -Atc \
  "SELECT count(*) FROM pg_database WHERE datname = '$AULGATE_TEST_DB'")" != 1 ]; then
  scripts/pg.sh psql -q -d postgres -c "CREATE DATABASE $AULGATE_TEST_DB OWNER aulgate"
fi
"$dir/aulgate" migrate -c "$AULGATE_CONF" >/dev/null
[ "$(scripts/pg.sh psql -d "$AULGATE_TEST_DB" -Atc 'SELECT count(*) FROM regions')" != 0 ] ||
  "$dir/aulgate" seed -c "$AULGATE_CONF" >/dev/null
echo "== it_crash: $kills SIGKILLs, $stops PostgreSQL crashes, $callers callers, ${secs}s (git $(git rev-parse --short HEAD))"
AULGATE_CRASH_KILLS=$kills AULGATE_CRASH_PG_STOPS=$stops AULGATE_CRASH_CALLERS=$callers \
  AULGATE_CRASH_SECONDS=$secs "$dir/tests/it_crash"
