#!/usr/bin/env bash
# The test suite under the sanitizers, each in its own build folder.
#
#   scripts/sanitize.sh [address|thread|all] [--filter REGEX]     (default: all, every test)
#
# address: `swift test --sanitize=address` (.build-asan), with LeakSanitizer on and the
#   toolchain's own leaks suppressed (.ci/lsan-suppressions.txt).
# thread: `swift test --sanitize=thread` (.build-tsan). The kernels' target_clones are off
#   under ThreadSanitizer (Sources/CGRUKernels/gate_loops.h), so it runs the portable and the
#   default-ISA paths.
# --filter passes on to `swift test` (CI runs a subset: see .ci/run). A run fails on a failing
# test or on any sanitizer report; the log is .build-asan/sanitize.log or .build-tsan/sanitize.log.
set -euo pipefail
cd "$(dirname "$0")/.."

kinds=all
filter=()
while [ $# -gt 0 ]; do
  case "$1" in
    address|thread|all) kinds="$1"; shift ;;
    --filter) filter=(--filter "$2"); shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "error: unknown argument $1 (see scripts/sanitize.sh --help)" >&2; exit 64 ;;
  esac
done
[ "$kinds" = all ] && kinds="address thread"

status=0
for kind in $kinds; do
  case "$kind" in
    address) scratch=.build-asan ;;
    thread) scratch=.build-tsan ;;
  esac
  mkdir -p "$scratch"
  log=$scratch/sanitize.log
  echo "swift test --sanitize=$kind ${filter[*]:-} (log: $log)"
  start=$(date +%s)
  set +e
  ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS="suppressions=$PWD/.ci/lsan-suppressions.txt:print_suppressions=0" TSAN_OPTIONS=halt_on_error=0 \
    swift test --sanitize="$kind" --scratch-path "$scratch" "${filter[@]}" > "$log" 2>&1
  code=$?
  set -e
  reports=$(grep -cE '^(==[0-9]+==ERROR: (Address|Leak)Sanitizer|WARNING: ThreadSanitizer)' "$log" || true)
  summary=$(grep -E '^(✔|✘) Test run with|Executed [0-9]+ tests' "$log" | tail -2 | tr '\n' ' ')
  echo "  $kind: exit $code, $reports sanitizer report(s), $(( $(date +%s) - start )) s; $summary"
  if [ "$code" -ne 0 ] || [ "$reports" -ne 0 ]; then
    grep -E -A30 '^(==[0-9]+==ERROR|WARNING: ThreadSanitizer)' "$log" | head -80 || true
    grep -E '✘' "$log" | head -20 || true
    status=1
  fi
done
exit $status
