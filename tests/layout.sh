#!/usr/bin/env bash
# The shape of the house, checked (issue 7): dependencies point down only, and production files
# stay small.
#   - lib/ includes lib/ only; store/ lib/ and store/; sessions/ lib/ and sessions/; sms/ lib/,
#     store/ and sms/; tools/<t>/ lib/ and its own folder; gateway/ may use sessions/, store/ and
#     sms/ (nothing uses gateway/).
#   - No folder includes a header of a folder above it: a file in gateway/<x>/ never includes
#     gateway/<name>.h, only its own folder's and its siblings' (gateway/<y>/...).
#   - No production C file (lib gateway sessions sms store tools) over MAX_LINES lines.
# Usage: layout.sh REPO_ROOT
set -uo pipefail
cd "$1" || exit 2
MAX_LINES=600
failed=0

fail() {
  echo "FAIL: $*" >&2
  failed=1
}

# allowed FILE INCLUDE: 0 when FILE may include INCLUDE (both repository paths).
allowed() {
  local file=$1 inc=$2 dir=${1%/*}
  case "$file" in
    lib/*) [[ $inc == lib/* ]] ;;
    store/*) [[ $inc == lib/* || $inc == store/* ]] ;;
    sessions/*) [[ $inc == lib/* || $inc == sessions/* ]] ;;
    sms/*) [[ $inc == lib/* || $inc == store/* || $inc == sms/* ]] ;;
    tools/*) [[ $inc == lib/* || $inc == "$dir"/* ]] ;;
    gateway/*/*)
      case "$inc" in
        lib/* | store/* | sessions/* | sms/* | gateway/*/*) return 0 ;;
        *) return 1 ;; # gateway/<name>.h: a folder above
      esac
      ;;
    gateway/*) [[ $inc == lib/* || $inc == store/* || $inc == sessions/* || $inc == sms/* ||
      $inc == gateway/* ]] ;;
    *) return 0 ;;
  esac
}

files=0 includes=0
while IFS= read -r f; do
  [ -f "$f" ] || continue
  files=$((files + 1))
  while IFS= read -r inc; do
    includes=$((includes + 1))
    allowed "$f" "$inc" || fail "$f includes \"$inc\", against the dependency rules"
  done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
  lines=$(wc -l <"$f")
  [ "$lines" -le "$MAX_LINES" ] || fail "$f has $lines lines (at most $MAX_LINES: split it by job)"
done < <(git ls-files -- 'lib/*.[ch]' 'gateway/*.[ch]' 'sessions/*.[ch]' 'sms/*.[ch]' 'store/*.[ch]' \
  'tools/*.[ch]')

[ "$files" -gt 40 ] || fail "only $files production files found: is this the repository root?"
echo "layout: $files files, $includes includes checked"
exit "$failed"
