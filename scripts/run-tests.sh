#!/usr/bin/env bash
# npm test's run of vitest. When all that failed was the stall watchdog's doing (test/support/stall-watchdog.ts: a
# file ran for minutes with no end, and its process was killed once its threads and stacks were printed), the files
# that did not pass are run once more, by themselves, and that second run's result is the result (the same command,
# those files added as its filters); every file having passed, the stall came after them, and the run passes.
set -uo pipefail
cd "$(dirname "$0")/.."
stalls=$(mktemp)
trap 'rm -f "$stalls"' EXIT
NUMBERFLOW_TEST_STALLS="$stalls" npx vitest run "$@"
status=$?
if [ "$status" -ne 0 ] && [ "$(head -1 "$stalls")" = "only stalls" ]; then
  mapfile -t files < <(tail -n +2 "$stalls")
  if [ "${#files[@]}" -eq 0 ]; then
    echo "run-tests: every file passed; the stall watchdog ended a process that hung after them (above)" >&2
    exit 0
  fi
  echo "run-tests: all that failed was the stall watchdog's doing; running once more: ${files[*]}" >&2
  npx vitest run "$@" "${files[@]}"
  status=$?
  echo "run-tests: run once more, they $([ "$status" -eq 0 ] && echo passed || echo "failed (exit $status)")" >&2
fi
exit "$status"
