#!/usr/bin/env bash
# Install the Debian packages Aulgate needs to build, test and run, and nothing else.
# Does nothing (no apt-get at all) when every package is already installed.
# Usage: scripts/deps.sh [--check]    --check: only report what is missing (exit 1 if anything)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PACKAGES=(
  build-essential cmake pkg-config
  libmicrohttpd-dev libevent-dev libpq-dev libjansson-dev libssl-dev libcurl4-openssl-dev
  check libsubunit-dev
  postgresql postgresql-contrib
  curl clang-format openssl clang libclang-rt-14-dev
  prometheus jq
  chromium libjs-chart.js fonts-dejavu-core
  kannel kannel-extras
)

# True when the package is installed (for any architecture).
is_installed() {
  dpkg-query -W -f='${db:Status-Status}\n' "$1" 2>/dev/null | grep -qx installed
}

# Print the packages of PACKAGES that are not installed, space separated.
missing_packages() {
  local pkg missing=()
  for pkg in "${PACKAGES[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
  done
  printf '%s\n' "${missing[*]-}"
}

install_packages() {
  local apt=(env DEBIAN_FRONTEND=noninteractive apt-get)
  local rc=0
  if ! is_root && ! have sudo; then
    die "missing Debian packages and not root (no sudo): as root, run: apt-get update && apt-get install -y $*"
  fi
  is_root || say "not root: using sudo for apt-get"
  say "installing: $*"
  as_root "${apt[@]}" update || rc=$?
  if [ "$rc" -eq 0 ]; then
    as_root "${apt[@]}" install -y --no-install-recommends "$@" || rc=$?
  fi
  [ "$rc" -eq 0 ] || die "apt-get failed (exit $rc) installing: $*"
}

main() {
  local check_only=0
  case "${1-}" in
    "") ;;
    --check) check_only=1 ;;
    *) die "usage: scripts/deps.sh [--check]" ;;
  esac
  have dpkg-query || die "dpkg-query not found: these scripts need Debian 12 (or a derivative)"

  local missing
  missing=$(missing_packages)
  if [ -z "$missing" ]; then
    say "all ${#PACKAGES[@]} Debian packages are installed"
    return 0
  fi
  if [ "$check_only" -eq 1 ]; then
    say "missing Debian packages: $missing"
    return 1
  fi
  # shellcheck disable=SC2086 # one word per package name
  install_packages $missing
  missing=$(missing_packages)
  [ -z "$missing" ] || die "still missing after apt-get: $missing"
  say "all ${#PACKAGES[@]} Debian packages are installed"
}

main "$@"
