#!/usr/bin/env bash
# The same gate written with the Azure CLI: az rest fetches the operation and
# its JMESPath query judges it. The token is passed in, as the other two get
# it, so no az login is measured. URL, TOKEN and INTERVAL (seconds) come from
# the environment.
set -euo pipefail
while :; do
  # tsv prints the two values on two lines.
  { read -r status; read -r blocked; } < <(az rest --method get --url "$URL" --skip-authorization-header \
    --headers "Authorization=Bearer $TOKEN" --output tsv \
    --query '[0].[status, length(steps[?status==`blocked`])]')
  if [ "$blocked" != 0 ]; then echo "a step is blocked" >&2; exit 1; fi
  case ${status,,} in
    running | notstarted | "not started") sleep "$INTERVAL" ;;
    succeeded | complete | completed) exit 0 ;;
    *) echo "the operation is $status" >&2; exit 1 ;;
  esac
done
