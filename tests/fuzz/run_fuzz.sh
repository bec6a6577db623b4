#!/usr/bin/env bash
# Builds a fuzz preset and runs one libFuzzer harness from its committed seeds (if any).
#   run_fuzz.sh SRC short|long [PRESET TARGET CORPUS_DIR]
#   defaults: the frame fuzzer (preset fuzz, target fuzz_frame, tests/fuzz/corpus)
#   short: about 60 s (ctest label fuzz); long: 10^7 inputs (label slow)
# Fails on any crash, sanitizer report or broken invariant (the harnesses trap).
set -euo pipefail
src=$1
mode=${2:-short}
preset=${3:-fuzz}
target=${4:-fuzz_frame}
seeds=${5:-tests/fuzz/corpus}
cd "$src"
echo "run_fuzz: configuring and building $target (preset $preset)"
cmake --preset "$preset" >/dev/null
nice -n 10 cmake --build --preset "$preset" --target "$target"
bin=$(find "build/$preset" -type f -name "$target" -perm -u+x | head -1)
[ -x "$bin" ] || { echo "run_fuzz: $target was not built" >&2; exit 1; }
work=build/$preset/fuzz-run-$target-$mode
rm -rf "$work"
mkdir -p "$work/corpus"
if [ -d "$seeds" ]; then cp "$seeds"/* "$work/corpus/"; fi
case $mode in
  short) limit=(-max_total_time=60) ;;
  long) limit=(-runs=10000000) ;;
  *) echo "run_fuzz: unknown mode $mode" >&2; exit 2 ;;
esac
set +e
"$bin" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
  -artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1
rc=$?
set -e
grep -E '^(#[0-9]+ *DONE|stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added)|ERROR|SUMMARY|deadly signal|==[0-9]+==' "$work/log" | head -40 || true
crashes=$(find "$work" -maxdepth 1 \( -name 'crash-*' -o -name 'timeout-*' -o -name 'leak-*' \) | wc -l)
echo "run_fuzz: $target exit $rc, crash/timeout/leak artifacts: $crashes (log: $work/log)"
[ "$rc" -eq 0 ] && [ "$crashes" -eq 0 ]
