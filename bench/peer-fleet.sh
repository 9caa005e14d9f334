#!/usr/bin/env bash
# The loop a person would write to drain a fleet with the AWS CLI: one target group at a time,
# deregister its targets, then wait until they are gone.
# Usage: AWS_BIN=<aws> ENDPOINT=<url> peer-fleet.sh <plan-file>
#   plan-file: one line per target group: <target-group-arn> Id=<id>,Port=<port> ...
set -u
plan=$1
failures=0
for tg in $(cut -d' ' -f1 "$plan"); do
  targets=$(grep -F "$tg " "$plan" | cut -d' ' -f2-)
  # shellcheck disable=SC2086 # one argument per target, as the CLI wants them
  "$AWS_BIN" --endpoint-url "$ENDPOINT" elbv2 deregister-targets --target-group-arn "$tg" --targets $targets
  rc=$?
  echo "step deregister $tg $rc"
  [ "$rc" -eq 0 ] || failures=$((failures + 1))
  # shellcheck disable=SC2086
  "$AWS_BIN" --endpoint-url "$ENDPOINT" elbv2 wait target-deregistered --target-group-arn "$tg" --targets $targets
  rc=$?
  echo "step wait $tg $rc"
  [ "$rc" -eq 0 ] || failures=$((failures + 1))
done
echo "failures $failures"
[ "$failures" -eq 0 ]
