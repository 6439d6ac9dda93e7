#!/usr/bin/env bash
# Container entry point: runs `aulgate "$@"` (serve or migrate), after reading the database
# password from a file (a docker secret) into PGPASSWORD, which libpq uses when the conninfo
# (AULGATE_DB / db) carries no password. Keeps the password out of the image, the compose file
# and `docker inspect`.
set -euo pipefail

if [ -n "${AULGATE_DB_PASSWORD_FILE-}" ]; then
  if [ ! -r "$AULGATE_DB_PASSWORD_FILE" ]; then
    echo "aulgate: error: cannot read $AULGATE_DB_PASSWORD_FILE (AULGATE_DB_PASSWORD_FILE) as uid $(id -u); see docker/README.md" >&2
    exit 1
  fi
  PGPASSWORD=$(tr -d '\r\n' <"$AULGATE_DB_PASSWORD_FILE")
  export PGPASSWORD
fi
exec /usr/local/bin/aulgate "$@"
