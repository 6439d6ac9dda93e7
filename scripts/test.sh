#!/usr/bin/env bash
# The README's second command, and what CI runs (.ci/run): checks the formatting of the C files,
# installs what is missing, builds Debug with ASan+UBSan into build-test/ (AULGATE_BUILD_DIR
# overrides), starts the private PostgreSQL, recreates the test database aulgate_test in it and
# runs every test with ctest against it (the demo database aulgate must come out unchanged);
# then Release builds with GCC (build-rel/, unit tests run) and clang (build-rel-clang/), and
# the fuzz targets.
# Exits with ctest's status, or 1 if ctest passed but a C file is not clang-formatted.
# The PostgreSQL cluster is left running (scripts/pg.sh stop stops it).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BUILD_DIR=${AULGATE_BUILD_DIR:-build-test}
SCRIPTS="$AULGATE_ROOT/scripts"

# Print, NUL-separated, the C sources git knows of: tracked files that still exist, plus new
# files not ignored by .gitignore (so a file is checked before it is committed, not after).
c_sources() {
  local f
  while IFS= read -r -d '' f; do
    [ -f "$f" ] && printf '%s\0' "$f"
  done < <(git ls-files -z --cached --others --exclude-standard -- '*.c' '*.h')
}

# clang-format --dry-run --Werror on every C file; returns 1 if any would change.
check_format() {
  if [ ! -e .git ]; then
    warn "not a git checkout: skipping the clang-format check"
    return 0
  fi
  git rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
    die "git cannot read this checkout (not installed, or 'dubious ownership'?): the clang-format check needs git ls-files"
  have clang-format || die "clang-format is missing: run scripts/deps.sh"

  local files=() bad=() f
  mapfile -d '' -t files < <(c_sources)
  for f in "${files[@]}"; do
    clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
  done
  if [ "${#bad[@]}" -eq 0 ]; then
    say "clang-format: ${#files[@]} C files formatted as .clang-format says"
    return 0
  fi
  say "clang-format: ${#bad[@]} of ${#files[@]} C files differ from .clang-format:"
  printf '  %s\n' "${bad[@]}" >&2
  say "first differences in ${bad[0]}:"
  clang-format --dry-run --Werror "${bad[0]}" 2>&1 | head -n 20 >&2 || true
  say "fix with: clang-format -i ${bad[*]}"
  return 1
}

# psql as aulgate on the private cluster, database $1, the rest its arguments; quiet, stops at
# the first error.
test_psql() {
  local db=$1
  shift
  "$SCRIPTS/pg.sh" psql -q -X -v ON_ERROR_STOP=1 -d "$db" "$@"
}

# A fresh test database: dropped if a run left one, created, migrated and seeded.
fresh_test_db() {
  say "recreating the test database $AULGATE_TEST_DB (the demo's $AULGATE_DEMO_DB is not touched)"
  test_psql postgres -c "DROP DATABASE IF EXISTS $AULGATE_TEST_DB WITH (FORCE)" \
    -c "CREATE DATABASE $AULGATE_TEST_DB OWNER aulgate" || die "cannot recreate $AULGATE_TEST_DB"
  say "applying migrations (sql/migrations) to $AULGATE_DB"
  "$BUILD_DIR/aulgate" migrate -c "$AULGATE_CONF" || die "migrate failed"
  say "loading regions and districts (content/regions.json)"
  "$BUILD_DIR/aulgate" seed -c "$AULGATE_CONF" || die "seed failed"
}

# Prints every table of the demo database with its exact row count, one "table count" a line
# (nothing when the database does not exist). The tests must leave this unchanged.
demo_counts() {
  local exists
  exists=$(test_psql postgres -At -c \
    "SELECT 1 FROM pg_database WHERE datname = '$AULGATE_DEMO_DB'") || die "cannot list databases"
  [ "$exists" = 1 ] || return 0
  test_psql "$AULGATE_DEMO_DB" -At -F ' ' <<'SQL' || die "cannot count the rows of the demo database"
SELECT format('SELECT %L, count(*) FROM %I.%I', table_schema || '.' || table_name, table_schema,
              table_name)
  FROM information_schema.tables
 WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
 ORDER BY table_schema, table_name\gexec
SQL
}

# Release builds with the tests, so that -Werror holds with optimisation (GCC -O3 warns where
# -O0 does not): GCC, whose unit tests run, and clang, compiled only (its Debug build is the
# fuzz build). Returns 1 when a build or a unit test fails.
release_builds() {
  local jobs=${AULGATE_JOBS:-$(nproc 2>/dev/null || echo 2)} rc=0 dir cc
  for cc in gcc clang; do
    dir=build-rel
    [ "$cc" = gcc ] || dir=build-rel-$cc
    say "Release build with the tests, $cc, in $dir/"
    if ! cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DAULGATE_TESTS=ON -DAULGATE_SANITIZE=OFF \
      -DAULGATE_FUZZ=OFF -DCMAKE_C_COMPILER="$cc" >/dev/null ||
      ! cmake --build "$dir" -j "$jobs"; then
      say "the $cc Release build FAILED"
      rc=1
      continue
    fi
    if [ "$cc" = gcc ]; then
      ctest --test-dir "$dir" -L unit --output-on-failure --timeout 300 --no-tests=error || rc=1
    fi
  done
  return "$rc"
}

main() {
  [ $# -eq 0 ] || die "usage: scripts/test.sh (no arguments; AULGATE_BUILD_DIR, AULGATE_PG_PORT)"
  "$SCRIPTS/deps.sh"

  local format_rc=0 test_rc=0
  check_format || format_rc=$?

  "$SCRIPTS/build.sh" sanitize "$BUILD_DIR"
  ensure_secret
  "$SCRIPTS/pg.sh" start

  # The tests get a database of their own; tests that need more make throw-away ones beside it.
  AULGATE_DB=$(pg_conninfo_of "$AULGATE_TEST_DB")
  AULGATE_PG_CTL="$SCRIPTS/pg.sh" # tests run "$AULGATE_PG_CTL stop|start" to simulate an outage
  export AULGATE_DB AULGATE_PG_CTL AULGATE_ROOT
  local demo_before demo_after
  demo_before=$(demo_counts)
  fresh_test_db
  # Sanitizer reports with a stack, and stop at the first one; callers may set their own.
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

  say "running the tests in $BUILD_DIR/ against $AULGATE_DB"
  # --no-tests=error: a build that registers no test is a failure, not a silent pass.
  ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 300 --no-tests=error || test_rc=$?

  # The demo's data is the user's: the run must not have added, changed or removed a row.
  "$SCRIPTS/pg.sh" start # an outage test may have left it stopped after a failure
  demo_after=$(demo_counts)
  if [ "$demo_before" != "$demo_after" ]; then
    say "the tests changed the demo database $AULGATE_DEMO_DB (rows per table, before and after):"
    diff <(printf '%s\n' "$demo_before") <(printf '%s\n' "$demo_after") >&2 || true
    test_rc=1
  else
    say "the demo database $AULGATE_DEMO_DB is as it was ($(printf '%s' "$demo_before" | grep -c .) tables)"
  fi

  release_builds || test_rc=1

  # The fuzz targets, built with clang and libFuzzer: each replays its seed corpus, then fuzzes
  # for a few seconds from it (new inputs go to a temporary folder, not the committed corpus).
  local fuzz_rc=0
  "$SCRIPTS/build.sh" fuzz "${AULGATE_FUZZ_BUILD_DIR:-build-fuzz}"
  ctest --test-dir "${AULGATE_FUZZ_BUILD_DIR:-build-fuzz}" -L fuzz --output-on-failure \
    --timeout 300 --no-tests=error || fuzz_rc=$?
  [ "$fuzz_rc" -eq 0 ] || test_rc=$fuzz_rc

  say "the private PostgreSQL is left running on 127.0.0.1:$AULGATE_PG_PORT (scripts/pg.sh stop stops it)"
  if [ "$test_rc" -ne 0 ]; then
    say "tests FAILED (ctest exit $test_rc)"
    exit "$test_rc"
  fi
  if [ "$format_rc" -ne 0 ]; then
    say "tests passed, but the formatting check FAILED (see above)"
    exit 1
  fi
  say "all checks passed"
}

main "$@"
