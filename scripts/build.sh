#!/usr/bin/env bash
# Configure and build Aulgate with CMake.
# Usage: scripts/build.sh release|debug|sanitize [BUILD_DIR]
#   release   Release, no tests                      default folder build/
#   debug     Debug with the Check tests             default folder build-debug/
#   sanitize  Debug + ASan/UBSan with the tests      default folder build-test/
#   fuzz      clang + libFuzzer targets only         default folder build-fuzz/
# BUILD_DIR is relative to the repository root. AULGATE_JOBS sets the parallel jobs (default nproc).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  die "usage: scripts/build.sh release|debug|sanitize|fuzz [BUILD_DIR]"
}

# Print the CMake options of a build mode, one per line.
mode_options() {
  case "$1" in
    release) printf '%s\n' -DCMAKE_BUILD_TYPE=Release -DAULGATE_TESTS=OFF -DAULGATE_SANITIZE=OFF ;;
    debug) printf '%s\n' -DCMAKE_BUILD_TYPE=Debug -DAULGATE_TESTS=ON -DAULGATE_SANITIZE=OFF ;;
    sanitize) printf '%s\n' -DCMAKE_BUILD_TYPE=Debug -DAULGATE_TESTS=ON -DAULGATE_SANITIZE=ON ;;
    fuzz) printf '%s\n' -DCMAKE_BUILD_TYPE=Debug -DAULGATE_TESTS=OFF -DAULGATE_FUZZ=ON -DCMAKE_C_COMPILER=clang ;;
  esac
}

default_dir() {
  case "$1" in
    release) echo build ;;
    debug) echo build-debug ;;
    sanitize) echo build-test ;;
    fuzz) echo build-fuzz ;;
  esac
}

main() {
  if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
  local mode=$1
  case "$mode" in
    release | debug | sanitize | fuzz) ;;
    *) usage ;;
  esac
  local dir=${2:-$(default_dir "$mode")}
  local jobs=${AULGATE_JOBS:-$(nproc 2>/dev/null || echo 2)}
  local options=()
  mapfile -t options < <(mode_options "$mode")
  have cmake || die "cmake is missing: run scripts/deps.sh first"
  [ -f CMakeLists.txt ] || die "no CMakeLists.txt in $AULGATE_ROOT"

  say "configuring $mode build in $dir/"
  cmake -S . -B "$dir" "${options[@]}" || die "cmake configure failed ($mode build in $dir/)"
  say "building $dir/ with $jobs jobs"
  cmake --build "$dir" -j "$jobs" || die "build failed ($mode build in $dir/)"
  say "built $dir/"
}

main "$@"
