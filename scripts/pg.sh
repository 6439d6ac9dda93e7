#!/usr/bin/env bash
# A private PostgreSQL cluster for development and tests, kept under var/ in the repository:
#   var/pg      the data directory        var/run   its unix socket
#   var/pg.log  the server log            port      $AULGATE_PG_PORT (default 54329), 127.0.0.1 only
# Usage: scripts/pg.sh start|stop|crash|status|psql [psql args]|env
#   start   create the cluster, role "aulgate" and database "aulgate" if needed, start the server and
#           wait until it accepts connections; nothing to do when it is already running
#   stop    stop it (fast mode: roll back open transactions); nothing to do when it is stopped
#   crash   stop it in immediate mode, as a crash would (no shutdown checkpoint; the next start
#           runs crash recovery): for the crash test; nothing to do when it is stopped
#   status  say whether it runs; exit 0 if it does, 3 if not (as pg_ctl status)
#   psql    run psql as user aulgate on database aulgate over 127.0.0.1, with the given arguments
#   env     print export lines for AULGATE_DB and friends: eval "$(scripts/pg.sh env)"
# PostgreSQL refuses to run as root. As root, the server and its tools run as the system user
# "postgres" (from Debian's postgresql package; a user "aulgate-pg" is created if there is none),
# or as whoever already owns var/pg. As any other user they run as that user.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_DATA="$AULGATE_VAR/pg"
PG_RUN="$AULGATE_VAR/run"
PG_LOG="$AULGATE_VAR/pg.log"
PG_LOCK="$AULGATE_VAR/pg.lock"
PG_SUPERUSER=postgres # the database superuser initdb creates, whatever the OS user
PG_WAIT_SECONDS=${AULGATE_PG_WAIT:-60}
PG_BIN=""  # set by find_pg_bin
PG_USER="" # OS user the server runs as; set by choose_pg_user

usage() {
  die "usage: scripts/pg.sh start|stop|crash|status|psql [args]|env"
}

check_port() {
  case "$AULGATE_PG_PORT" in
    '' | *[!0-9]*) die "AULGATE_PG_PORT must be a port number, not '$AULGATE_PG_PORT'" ;;
  esac
  if [ "$AULGATE_PG_PORT" -lt 1024 ] || [ "$AULGATE_PG_PORT" -gt 65535 ]; then
    die "AULGATE_PG_PORT must be between 1024 and 65535, not $AULGATE_PG_PORT"
  fi
}

# The server's bin directory: the version that made var/pg if it exists (a newer major version
# cannot open it), else the newest installed under /usr/lib/postgresql/*/bin.
# AULGATE_PG_BIN overrides both.
find_pg_bin() {
  if [ -n "${AULGATE_PG_BIN-}" ]; then
    PG_BIN=$AULGATE_PG_BIN
  elif [ -f "$PG_DATA/PG_VERSION" ]; then
    local version
    version=$(cat "$PG_DATA/PG_VERSION")
    PG_BIN="/usr/lib/postgresql/$version/bin"
    [ -x "$PG_BIN/postgres" ] ||
      die "var/pg was made by PostgreSQL $version, which is not installed; install postgresql-$version or remove var/pg to start afresh"
  else
    PG_BIN=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null |
      sort -V | tail -n 1)
  fi
  if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/postgres" ] || [ ! -x "$PG_BIN/initdb" ]; then
    die "no PostgreSQL server found under /usr/lib/postgresql/*/bin: run scripts/deps.sh"
  fi
}

# Create a system user for the server when root has no "postgres" user to hand it to.
create_pg_user() {
  local name=aulgate-pg
  if ! getent passwd "$name" >/dev/null; then
    have useradd || die "no 'postgres' user and no useradd to create '$name'"
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin --comment "Aulgate private PostgreSQL" "$name"
    say "created system user $name to run the private PostgreSQL"
  fi
  printf '%s\n' "$name"
}

# Pick the OS user that runs initdb, pg_ctl and the server.
choose_pg_user() {
  if ! is_root; then
    PG_USER=$(id -un)
    if [ -e "$PG_DATA" ] && [ ! -O "$PG_DATA" ]; then
      die "var/pg belongs to $(stat -c %U "$PG_DATA"), not $PG_USER (it was made as root?): run this as root, or remove var/pg to make a cluster of your own"
    fi
    return 0
  fi
  local owner=""
  [ -e "$PG_DATA" ] && owner=$(stat -c %U "$PG_DATA")
  if [ -n "${AULGATE_PG_USER-}" ]; then
    PG_USER=$AULGATE_PG_USER
  elif [ -n "$owner" ] && [ "$owner" != root ]; then
    PG_USER=$owner # keep running the cluster as whoever made it
  elif getent passwd postgres >/dev/null; then
    PG_USER=postgres
  else
    PG_USER=$(create_pg_user)
  fi
  [ "$PG_USER" != root ] || die "PostgreSQL cannot run as root; set AULGATE_PG_USER to another user"
  relocate_if_unreachable
  getent passwd "$PG_USER" >/dev/null || die "user '$PG_USER' (AULGATE_PG_USER) does not exist"
  if [ "$owner" = UNKNOWN ]; then
    die "var/pg belongs to a uid with no user name; remove var/pg to start afresh"
  fi
}

# Run a command as the server's OS user.
as_pg() {
  if is_root; then
    # From /: the server user may not be allowed into the caller's working directory.
    (cd / && runuser -u "$PG_USER" -- "$@")
  else
    "$@"
  fi
}

# As root: the server user must be able to reach the data directory through every parent.
check_reachable() {
  is_root || return 0
  local parent
  parent=$(dirname "$PG_DATA")
  if [ "$parent" = "$AULGATE_VAR" ]; then
    chmod go+x "$AULGATE_VAR" # var/ may have been made under a strict umask
  fi
  runuser -u "$PG_USER" -- test -x "$parent" ||
    die "user $PG_USER cannot reach $parent, so PostgreSQL cannot keep its data there"
}

# A repository under a folder the server user cannot enter (/root is 0700 on Debian, and CI may
# clone there) cannot hold the cluster's files. Then they live in
# /var/lib/aulgate-pg/<hash of the repository path>/, and var/pg is a symbolic link to them, so
# the cluster is still found under var/. Root only; other users own their whole path anyway.
relocate_if_unreachable() {
  is_root || return 0
  runuser -u "$PG_USER" -- test -x "$AULGATE_ROOT" && return 0
  local base
  base=/var/lib/aulgate-pg/$(printf '%s' "$AULGATE_ROOT" | sha256sum | cut -c1-16)
  mkdir -p "$base"
  chown "$PG_USER:" "$base"
  chmod 0755 "$base"
  PG_DATA=$base/pg
  PG_RUN=$base/run
  PG_LOG=$base/pg.log
  ensure_var_dir
  if [ ! -e "$AULGATE_VAR/pg" ] && [ ! -L "$AULGATE_VAR/pg" ]; then
    ln -s "$PG_DATA" "$AULGATE_VAR/pg"
  fi
  say "user $PG_USER cannot enter $AULGATE_ROOT: the cluster lives in $base (var/pg links to it)"
}

# Make var/pg, var/run and var/pg.log, owned by the server user.
prepare_dirs() {
  ensure_var_dir
  check_reachable
  mkdir -p "$PG_DATA" "$PG_RUN"
  touch "$PG_LOG"
  if is_root; then
    chown "$PG_USER:" "$PG_DATA" "$PG_RUN" "$PG_LOG"
  fi
  chmod 0700 "$PG_DATA"
  chmod 0755 "$PG_RUN"
  # A unix socket path is at most 107 bytes; say so plainly instead of the server's error.
  local socket="$PG_RUN/.s.PGSQL.$AULGATE_PG_PORT"
  if [ "${#socket}" -gt 107 ]; then
    die "the socket path $socket is longer than 107 bytes: move the repository to a shorter path"
  fi
}

# Write stdin to a file inside the data directory, owned by the server user.
write_pg_file() {
  cat >"$1"
  chmod 0600 "$1"
  if is_root; then chown "$PG_USER:" "$1"; fi
}

# Quote a value for postgresql.conf.
pg_quote() {
  local s=$1
  printf "'%s'" "${s//\'/\'\'}"
}

init_cluster() {
  [ -f "$PG_DATA/PG_VERSION" ] && return 0
  if [ -n "$(ls -A "$PG_DATA")" ]; then
    die "var/pg is not empty but holds no cluster (an interrupted initdb?): remove var/pg and retry"
  fi
  say "creating the private PostgreSQL cluster in var/pg ($PG_BIN, as user $PG_USER)"
  as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U "$PG_SUPERUSER" --auth=trust \
    --encoding=UTF8 --locale=C.UTF-8 >>"$PG_LOG" 2>&1 ||
    die "initdb failed; see var/pg.log"

  write_pg_file "$PG_DATA/pg_hba.conf" <<'EOF'
# Aulgate's PRIVATE development/test cluster (scripts/pg.sh): it listens on 127.0.0.1 and a unix
# socket in var/run only, so "trust" (no password) is acceptable here and nowhere else.
# Every local user of this machine can connect as any role: never use this setup for real data.
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 trust
host    all       all   127.0.0.1/32  trust
host    all       all   ::1/128       trust
EOF
  # Settings that depend on where the repository is and on AULGATE_PG_PORT are rewritten at every
  # start in aulgate-local.conf, so a moved repository or a new port just works.
  printf "\n# Added by scripts/pg.sh\ninclude_if_exists = 'aulgate-local.conf'\n" \
    >>"$PG_DATA/postgresql.conf"
}

# shared_buffers: a sixteenth of the machine's memory, between 128 MB and 1 GB (a development
# machine runs other things, and several checkouts may each run a cluster).
shared_buffers_mb() {
  local kb
  kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo 2>/dev/null || echo 0)
  kb=$((kb / 16 / 1024))
  [ "$kb" -ge 128 ] || kb=128
  [ "$kb" -le 1024 ] || kb=1024
  echo "$kb"
}

# The workload's settings (docs/postgresql.md says why each): many small commits of a few rows.
# Durability is never traded: fsync, synchronous_commit and full_page_writes stay on.
write_local_conf() {
  write_pg_file "$PG_DATA/aulgate-local.conf" <<EOF
# Written by scripts/pg.sh at every start: do not edit.
listen_addresses = '127.0.0.1'
port = $AULGATE_PG_PORT
unix_socket_directories = $(pg_quote "$PG_RUN")
fsync = on
synchronous_commit = on
full_page_writes = on
shared_buffers = '$(shared_buffers_mb)MB'
wal_compression = lz4
max_wal_size = '4GB'
min_wal_size = '512MB'
checkpoint_timeout = '15min'
checkpoint_completion_target = 0.9
random_page_cost = 1.1
EOF
}

is_running() {
  [ -f "$PG_DATA/PG_VERSION" ] || return 1
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

# The port a running server listens on (line 4 of postmaster.pid).
running_port() {
  sed -n 4p "$PG_DATA/postmaster.pid" 2>/dev/null
}

wait_ready() {
  local tries=$((PG_WAIT_SECONDS * 5))
  while ! "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$AULGATE_PG_PORT" -U "$PG_SUPERUSER" -d postgres; do
    tries=$((tries - 1))
    if [ "$tries" -le 0 ]; then
      tail -n 20 "$PG_LOG" >&2 || true
      die "PostgreSQL does not accept connections on 127.0.0.1:$AULGATE_PG_PORT after ${PG_WAIT_SECONDS}s; see var/pg.log"
    fi
    sleep 0.2
  done
}

# Our cluster is stopped: if a PostgreSQL answers on the port anyway, it is someone else's
# (typically the private cluster of another checkout, left running). Say which, rather than
# letting pg_ctl fail with "could not bind".
check_port_free() {
  local rc=0 other
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$AULGATE_PG_PORT" -U "$PG_SUPERUSER" -d postgres || rc=$?
  [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || return 0
  other=$("$PG_BIN/psql" -X -At -h 127.0.0.1 -p "$AULGATE_PG_PORT" -U "$PG_SUPERUSER" -d postgres \
    -c 'SHOW data_directory' 2>/dev/null) || other="(unknown)"
  die "another PostgreSQL already listens on 127.0.0.1:$AULGATE_PG_PORT, data directory $other: stop it (for another checkout: its scripts/pg.sh stop) or choose another port with AULGATE_PG_PORT"
}

# Role aulgate (LOGIN, CREATEDB) and database aulgate owned by it; harmless when they exist.
ensure_role_and_db() {
  as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_RUN" -p "$AULGATE_PG_PORT" \
    -U "$PG_SUPERUSER" -d postgres >/dev/null <<'SQL' || die "could not create role/database aulgate"
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'aulgate') THEN
    CREATE ROLE aulgate LOGIN CREATEDB;
  END IF;
END
$$;
SELECT 'CREATE DATABASE aulgate OWNER aulgate'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'aulgate')\gexec
SQL
}

# Serialise start/stop: tests may stop and start the server while another script starts it.
take_lock() {
  { exec 9>>"$PG_LOCK"; } 2>/dev/null ||
    die "cannot write $PG_LOCK: var/ belongs to $(stat -c %U "$AULGATE_VAR"); run this as that user or as root"
  flock 9
}

setup() {
  check_port
  ensure_var_dir
  choose_pg_user
  find_pg_bin
}

cmd_start() {
  setup
  take_lock
  prepare_dirs
  init_cluster
  if is_running; then
    local port
    port=$(running_port)
    if [ -n "$port" ] && [ "$port" != "$AULGATE_PG_PORT" ]; then
      die "the private PostgreSQL already runs on port $port, not $AULGATE_PG_PORT: run scripts/pg.sh stop first"
    fi
    wait_ready
    say "PostgreSQL already running on 127.0.0.1:$AULGATE_PG_PORT"
    return 0
  fi
  check_port_free
  write_local_conf
  # 9>&-: the server must not inherit the lock, or it would hold it for as long as it runs.
  if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t "$PG_WAIT_SECONDS" start \
    >/dev/null 9>&-; then
    tail -n 20 "$PG_LOG" >&2 || true
    die "PostgreSQL did not start; see var/pg.log (is port $AULGATE_PG_PORT taken? set AULGATE_PG_PORT)"
  fi
  wait_ready
  ensure_role_and_db
  say "PostgreSQL running on 127.0.0.1:$AULGATE_PG_PORT (socket in var/run, log in var/pg.log)"
}

cmd_stop() {
  setup
  take_lock
  if ! is_running; then
    say "PostgreSQL is not running"
    return 0
  fi
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t "$PG_WAIT_SECONDS" stop >/dev/null ||
    die "pg_ctl stop failed; see var/pg.log"
  say "PostgreSQL stopped"
}

cmd_crash() {
  setup
  take_lock
  if ! is_running; then
    say "PostgreSQL is not running"
    return 0
  fi
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w -t "$PG_WAIT_SECONDS" stop >/dev/null ||
    die "pg_ctl stop -m immediate failed; see var/pg.log"
  say "PostgreSQL stopped in immediate mode (crash recovery at the next start)"
}

cmd_status() {
  setup
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    say "no cluster in var/pg yet (scripts/pg.sh start creates it)"
    return 3
  fi
  if is_running; then
    say "PostgreSQL running on 127.0.0.1:$(running_port) (data var/pg, $PG_BIN, user $PG_USER)"
    return 0
  fi
  say "PostgreSQL is not running (data var/pg)"
  return 3
}

cmd_psql() {
  check_port
  local psql=psql
  find_pg_bin
  [ -x "$PG_BIN/psql" ] && psql="$PG_BIN/psql"
  exec "$psql" -X -h 127.0.0.1 -p "$AULGATE_PG_PORT" -U aulgate -d aulgate "$@"
}

cmd_env() {
  check_port
  printf 'export AULGATE_ROOT=%q\n' "$AULGATE_ROOT"
  printf 'export AULGATE_PG_PORT=%q\n' "$AULGATE_PG_PORT"
  printf 'export AULGATE_DB=%q\n' "$(pg_conninfo)"
  printf 'export AULGATE_PG_CTL=%q\n' "$AULGATE_ROOT/scripts/pg.sh"
}

main() {
  [ $# -ge 1 ] || usage
  local cmd=$1
  shift
  case "$cmd" in
    start | stop | crash | status | env) [ $# -eq 0 ] || usage ;;
  esac
  case "$cmd" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    crash) cmd_crash ;;
    status) cmd_status ;;
    psql) cmd_psql "$@" ;;
    env) cmd_env ;;
    -h | --help | help) usage ;;
    *) usage ;;
  esac
}

main "$@"
