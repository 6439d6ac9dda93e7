#!/usr/bin/env bash
# The README's configuration table must be exactly what `aulgate config-doc` prints, so the
# documentation cannot drift from the option table in lib/ag_config.c.
set -euo pipefail
bin=$1 readme=$2
want=$("$bin" config-doc)
have=$(sed -n '/<!-- config-doc:begin -->/,/<!-- config-doc:end -->/p' "$readme" | sed '1d;$d')
if [ "$want" != "$have" ]; then
  echo "README.md's configuration table differs from 'aulgate config-doc':" >&2
  diff <(printf '%s\n' "$have") <(printf '%s\n' "$want") >&2 || true
  echo "fix: regenerate the table between the config-doc markers" >&2
  exit 1
fi
