#!/usr/bin/env bash
# Fuzz GRUKit's readers with libFuzzer, each target for a bounded time.
#
#   scripts/fuzz.sh [--seconds N] [--keep-going] [TARGET ...]   (default: every target, 60 s each)
#
# Targets are the executables named *-fuzzer in Package.swift (Fuzz/<target>-fuzzer/). Each is
# built in release with AddressSanitizer and coverage instrumentation, then run on a working copy
# of its seed corpus (Fuzz/corpus/<target>/, committed). A crash, a sanitizer report, a leak, an
# input slower than 10 s or one needing over 2 GiB stops the run: the input is saved to
# Fuzz/crashes/<target>/ and the script exits with status 1. Turn such an input into a regression
# test by moving it to Fuzz/regressions/<target>/ (replayed by `swift test`) once it is fixed.
# New corpus entries the fuzzer finds stay in .build-fuzz/corpus/ (not committed; copy the
# interesting ones into Fuzz/corpus/ to keep them). With --keep-going (for long campaigns) a
# crash does not stop the target: libFuzzer runs in fork mode, saves every crashing input and
# goes on until the time is up; the script then fails if any was saved.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
keep_going=()
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --keep-going) keep_going=(-fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1); shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    -*) echo "error: unknown option $1 (see scripts/fuzz.sh --help)" >&2; exit 64 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if [ ${#targets[@]} -eq 0 ]; then
  for d in Fuzz/*-fuzzer; do targets+=("$(basename "$d" -fuzzer)"); done
fi

runtime=$(dirname "$(swiftc -print-target-info | python3 -c 'import json,sys; print(json.load(sys.stdin)["paths"]["runtimeResourcePath"])')")/clang/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a
[ -f "$runtime" ] || runtime=$(ls "$(dirname "$(command -v swiftc)")"/../lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a | head -1)
flags=(-c release --scratch-path .build-fuzz
       -Xswiftc -DFUZZING -Xswiftc -sanitize=address
       -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp
       -Xcc -fsanitize=fuzzer-no-link,address -Xlinker "$runtime" -Xlinker -lstdc++)

status=0
for t in "${targets[@]}"; do
  [ -d "Fuzz/$t-fuzzer" ] || { echo "error: no fuzz target '$t' (Fuzz/$t-fuzzer/ does not exist)" >&2; exit 64; }
  swift build "${flags[@]}" --product "$t-fuzzer" 2>&1 | grep -vE 'ld.gold: warning|^warning: ' | tail -3
  work=.build-fuzz/corpus/$t
  crashes=Fuzz/crashes/$t
  mkdir -p "$work" "$crashes"
  echo "fuzzing $t for $seconds s (seed corpus Fuzz/corpus/$t, $(ls "Fuzz/corpus/$t" | wc -l) files)"
  if ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
      ".build-fuzz/release/$t-fuzzer" "$work" "Fuzz/corpus/$t" \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
      -artifact_prefix="$crashes/" -print_final_stats=1 "${keep_going[@]}" > ".build-fuzz/$t.log" 2>&1 \
      && [ -z "$(ls "$crashes")" ]; then
    { grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)|^Done' ".build-fuzz/$t.log" || true; } | tr '\n' ' '
    { grep -E '^#[0-9]+' ".build-fuzz/$t.log" || true; } | tail -1; echo
    echo "ok   $t: no crash"
  else
    tail -40 ".build-fuzz/$t.log"
    echo "FAIL $t: see .build-fuzz/$t.log; the input is in $crashes/"
    status=1
  fi
done
exit $status
