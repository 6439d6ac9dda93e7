#!/usr/bin/env bash
# The README's second command, and what CI runs (.ci/run): checks the formatting of the C files,
# installs what is missing, builds Debug with ASan+UBSan into build-test/ (AULGATE_BUILD_DIR
# overrides), starts the private PostgreSQL and runs every test with ctest.
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

main() {
  [ $# -eq 0 ] || die "usage: scripts/test.sh (no arguments; AULGATE_BUILD_DIR, AULGATE_PG_PORT)"
  "$SCRIPTS/deps.sh"

  local format_rc=0 test_rc=0
  check_format || format_rc=$?

  "$SCRIPTS/build.sh" sanitize "$BUILD_DIR"
  ensure_secret
  "$SCRIPTS/pg.sh" start

  AULGATE_DB=$(pg_conninfo)
  AULGATE_PG_CTL="$SCRIPTS/pg.sh" # tests run "$AULGATE_PG_CTL stop|start" to simulate an outage
  export AULGATE_DB AULGATE_PG_CTL AULGATE_ROOT
  say "applying migrations (sql/migrations) to $AULGATE_DB"
  "$BUILD_DIR/aulgate" migrate -c "$AULGATE_CONF" || die "migrate failed"
  say "loading regions and districts (content/regions.json)"
  "$BUILD_DIR/aulgate" seed -c "$AULGATE_CONF" || die "seed failed"
  # Sanitizer reports with a stack, and stop at the first one; callers may set their own.
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

  say "running the tests in $BUILD_DIR/ against $AULGATE_DB"
  # --no-tests=error: a build that registers no test is a failure, not a silent pass.
  ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 300 --no-tests=error || test_rc=$?

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
