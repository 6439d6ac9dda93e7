#!/usr/bin/env bash
# Every command answers -h and --help with its usage on stdout and exit status 0 (issue 7: a new
# user typing `aulgate dial --help` got "unknown option" and status 2).
# Usage: cli_help.sh AULGATE AULGATE_DIAL
set -uo pipefail
aulgate=$1 dial=$2
failed=0

# check NAME COMMAND...: status 0, a usage text on stdout, nothing on stderr.
check() {
  local name=$1 out err rc
  shift
  err=$(mktemp)
  out=$("$@" 2>"$err")
  rc=$?
  if [ "$rc" -ne 0 ] || ! grep -q '^usage: ' <<<"$out" || [ -s "$err" ]; then
    echo "FAIL: $name: exit $rc, stdout:" >&2
    printf '%s\n' "$out" | head -n 5 >&2
    echo "stderr:" >&2
    head -n 5 "$err" >&2
    failed=1
  else
    echo "ok: $name"
  fi
  rm -f "$err"
}

for flag in --help -h; do
  check "aulgate $flag" "$aulgate" "$flag"
  for cmd in serve migrate seed lint config-doc dial simulate token audit; do
    check "aulgate $cmd $flag" "$aulgate" "$cmd" "$flag"
  done
  check "aulgate-dial $flag" "$dial" "$flag"
done
exit "$failed"
