# shellcheck shell=bash
# Shared helpers for the scripts in this folder. Source it, do not run it:
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# It sets AULGATE_ROOT (the repository root, absolute) and changes into it, because relative
# paths in etc/aulgate.conf are relative to the repository root.

# Repository root: the parent of this file's folder, resolved to an absolute path.
AULGATE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
export AULGATE_ROOT
cd "$AULGATE_ROOT" || exit 1

AULGATE_VAR="$AULGATE_ROOT/var"
AULGATE_CONF="etc/aulgate.conf"
AULGATE_SECRET="var/secret"

# Messages. Everything goes to stderr so that stdout stays clean for "pg.sh env".
say() { printf 'aulgate: %s\n' "$*" >&2; }
warn() { printf 'aulgate: warning: %s\n' "$*" >&2; }
die() {
  printf 'aulgate: error: %s\n' "$*" >&2
  exit 1
}

is_root() { [ "$(id -u)" -eq 0 ]; }
have() { command -v "$1" >/dev/null 2>&1; }

# Run a command with root rights: directly as root, through sudo otherwise.
# Returns 127 when neither is possible; the caller tells the user what to do instead.
as_root() {
  if is_root; then
    "$@"
  elif have sudo; then
    sudo "$@"
  else
    return 127
  fi
}

# var/ holds everything a run creates: the PostgreSQL cluster, its socket, logs, the secret.
ensure_var_dir() {
  mkdir -p "$AULGATE_VAR"
}

# The respondent secret (HMAC key for phone numbers): 32 random bytes as 64 hex characters,
# mode 0600. Created once and never overwritten: changing it re-keys every respondent.
ensure_secret() {
  ensure_var_dir
  if [ -s "$AULGATE_SECRET" ]; then
    return 0
  fi
  have openssl || die "openssl is missing: run scripts/deps.sh first"
  local tmp
  tmp=$(mktemp "$AULGATE_VAR/.secret.XXXXXX")
  chmod 0600 "$tmp"
  if ! openssl rand -hex 32 >"$tmp"; then
    rm -f "$tmp"
    die "openssl rand failed; $AULGATE_SECRET was not created"
  fi
  mv "$tmp" "$AULGATE_SECRET"
  say "created $AULGATE_SECRET (new respondent secret, mode 0600)"
}

# The configuration file is written by hand; the scripts only check it is there.
require_conf() {
  [ -f "$AULGATE_CONF" ] || die "$AULGATE_CONF is missing (the gateway configuration; see README.md)"
}

# Private PostgreSQL connection settings, as the gateway and the tests see them.
AULGATE_PG_PORT=${AULGATE_PG_PORT:-54329}
export AULGATE_PG_PORT

# The database of the demo and of `aulgate serve`, and the one the tests use instead (issue 7:
# the tests wrote sessions and a phone number in clear beside the demo's data).
AULGATE_DEMO_DB=aulgate
# shellcheck disable=SC2034 # used by scripts/test.sh
AULGATE_TEST_DB=aulgate_test

# The libpq conninfo of database $1 in the private cluster.
pg_conninfo_of() {
  printf 'host=127.0.0.1 port=%s dbname=%s user=aulgate' "$AULGATE_PG_PORT" "$1"
}

# The libpq conninfo of the demo database in the private cluster.
pg_conninfo() {
  pg_conninfo_of "$AULGATE_DEMO_DB"
}
