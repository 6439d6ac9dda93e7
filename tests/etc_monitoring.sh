#!/usr/bin/env bash
# The monitoring files of etc/ hold: the alert rules load and pass their unit tests, the example
# Prometheus configuration loads, the Grafana dashboard is JSON with a query in every panel, and
# every aulgate_* metric the rules and the dashboard name is one the gateway exports (a metric
# defined in the C sources), so that a renamed metric cannot silently empty a panel or an alert.
set -euo pipefail
root=$1
prom=$root/etc/prometheus dash=$root/etc/grafana/aulgate-dashboard.json
command -v promtool >/dev/null || { echo "promtool missing: run scripts/deps.sh" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq missing: run scripts/deps.sh" >&2; exit 1; }

promtool check rules "$prom/aulgate-rules.yml"
(cd "$prom" && promtool test rules aulgate-rules.test.yml)
promtool check config "$prom/prometheus.yml.example"

jq -e '.panels | length > 0' "$dash" >/dev/null || { echo "$dash: no panels" >&2; exit 1; }
empty=$(jq -r '.panels[] | select((.targets // []) | map(.expr // "") | any(. == "") or length == 0) | .title' "$dash")
[ -z "$empty" ] || { echo "$dash: panels without a query: $empty" >&2; exit 1; }

exported=$(grep -rhoE '"aulgate_[a-z0-9_]+"' "$root"/gateway "$root"/store "$root"/lib "$root"/sessions \
  --include='*.c' | tr -d '"' | sort -u)
named=$( (jq -r '.panels[].targets[].expr, .templating.list[].query | strings' "$dash"
  cat "$prom/aulgate-rules.yml") |
  grep -oE 'aulgate_[a-z0-9_]+' | sed -E 's/_(bucket|sum|count)$//' | sort -u)
missing=$(comm -23 <(printf '%s\n' "$named") <(printf '%s\n' "$exported"))
if [ -n "$missing" ]; then
  echo "metrics named in etc/ but not exported by the gateway:" >&2
  printf '  %s\n' $missing >&2
  exit 1
fi
echo "etc monitoring: rules, their tests, the example configuration and the dashboard hold ($(wc -l <<<"$named") metrics named, all exported)"
