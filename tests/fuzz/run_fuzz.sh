#!/usr/bin/env bash
# Builds the fuzz preset (build/fuzz) and runs the frame fuzzer from the committed seeds.
#   run_fuzz.sh SRC short   about 60 s (ctest fuzz.frame-short)
#   run_fuzz.sh SRC long    10^7 inputs (ctest fuzz.frame-long, label slow)
# Fails on any crash, sanitizer report or broken invariant (the harness traps).
set -euo pipefail
src=$1
mode=${2:-short}
cd "$src"
echo "run_fuzz: configuring and building the fuzz preset"
cmake --preset fuzz >/dev/null
nice -n 10 cmake --build --preset fuzz --target fuzz_frame
bin=build/fuzz/tests/fuzz/fuzz_frame
work=build/fuzz/fuzz-run-$mode
rm -rf "$work"
mkdir -p "$work/corpus"
cp tests/fuzz/corpus/* "$work/corpus/"
case $mode in
  short) limit=(-max_total_time=60) ;;
  long) limit=(-runs=10000000) ;;
  *) echo "run_fuzz: unknown mode $mode" >&2; exit 2 ;;
esac
set +e
"$bin" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1
rc=$?
set -e
grep -E '^(#[0-9]+ *DONE|stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added)|ERROR|SUMMARY|deadly signal|==[0-9]+==' "$work/log" | head -40 || true
crashes=$(find "$work" -maxdepth 1 -name 'crash-*' -o -maxdepth 1 -name 'timeout-*' -o -maxdepth 1 -name 'leak-*' | wc -l)
echo "run_fuzz: exit $rc, crash/timeout/leak artifacts: $crashes (log: $work/log)"
[ "$rc" -eq 0 ] && [ "$crashes" -eq 0 ]
