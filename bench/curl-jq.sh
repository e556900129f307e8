#!/usr/bin/env bash
# The gate a workflow writes without marketplace-gate: poll the operation with
# curl, judge it with jq, sleep, repeat. The benchmark runs it against the same
# simulator and schedule as the action. URL, TOKEN and INTERVAL (seconds) come
# from the environment.
set -euo pipefail
while :; do
  body=$(curl -sS --fail-with-body -H "Authorization: Bearer $TOKEN" "$URL")
  # The API wraps the operation in an array and varies the status's case.
  read -r status blocked < <(jq -r '(if type == "array" then .[0] else . end)
    | [(.status | ascii_downcase), ([.steps[]? | select(.status == "blocked")] | length)] | @tsv' <<<"$body")
  if [ "$blocked" != 0 ]; then echo "a step is blocked" >&2; exit 1; fi
  case $status in
    running | notstarted | "not started") sleep "$INTERVAL" ;;
    succeeded | complete | completed) exit 0 ;;
    *) echo "the operation is $status" >&2; exit 1 ;;
  esac
done
