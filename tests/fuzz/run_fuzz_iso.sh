#!/usr/bin/env bash
# Fuzzes stage-pxe's read of an untrusted ISO (tests/pxe/fuzz_pxe_iso.cpp) and sorts every fault
# by its stack: faults in our code (iso/, pxe/, the harness) fail the run; faults whose first
# frame of ours-or-theirs is in Debian's libisofs.so are libisofs findings (docs/decisions.md:
# reported, not hidden), printed with their top frames and saved under the work dir.
#   run_fuzz_iso.sh SRC short|long
#   short: 60 s of fuzzing (ctest fuzz.pxe-iso-short, label fuzz)
#   long:  AOEBOOT_FUZZ_ISO_SECONDS (default 1800 s) (ctest fuzz.pxe-iso-long, labels fuzz;slow)
#   run_fuzz_iso.sh SRC replay short|long: classify a finished run's artifacts again (no build,
#   no fuzzing), e.g. after classify_fault.py changed
# libFuzzer runs in fork mode and keeps going after a crash, leak, timeout or OOM; each artifact
# is then replayed alone and classified by tests/fuzz/classify_fault.py.
set -euo pipefail
src=$(cd "$1" && pwd)
mode=${2:-short}
preset=fuzz-pxe
target=fuzz_pxe_iso
replay_only=0
if [ "$mode" = replay ]; then
  replay_only=1
  mode=${3:-short}
fi
case $mode in
  short) seconds=60 ;;
  long) seconds=${AOEBOOT_FUZZ_ISO_SECONDS:-1800} ;;
  *) echo "run_fuzz_iso: unknown mode $mode (short|long|replay short|replay long)" >&2; exit 2 ;;
esac
here=$src/tests/fuzz
cd "$src"
work=$src/build/$preset/fuzz-run-$target-$mode
# fast_unwind_on_fatal=0: stacks through the alarm handler (timeouts) and through libisofs,
# which is built without frame pointers.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:symbolize=1:fast_unwind_on_fatal=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
if [ "$replay_only" -eq 1 ]; then
  bin=$(realpath "build/$preset/tests/pxe/$target")
  [ -x "$bin" ] && [ -f "$work/log" ] || { echo "run_fuzz_iso: no finished $mode run in $work" >&2; exit 1; }
  seeds=$(ls "$work/seeds" | wc -l)
  rm -rf "$work/replays" "$work/findings"
  mkdir -p "$work/replays" "$work/findings"
  rc=replayed
else
echo "run_fuzz_iso: configuring and building $target (preset $preset)"
cmake --preset "$preset" >/dev/null
nice -n 10 cmake --build --preset "$preset" --target "$target"
bin=$(find "build/$preset" -type f -name "$target" -perm -u+x | head -1)
[ -x "$bin" ] || { echo "run_fuzz_iso: $target was not built" >&2; exit 1; }
bin=$(realpath "$bin")
rm -rf "$work"
mkdir -p "$work/seeds" "$work/corpus" "$work/artifacts" "$work/findings" "$work/replays"

# Seeds, made now; each must still reach what it was made for, or the fuzzing starts blind.
"$here/make_iso_seeds.sh" "$work/seeds"
declare -A want=(
  [arch]="layout 'arch'" [casper]="layout 'casper'" [debian-live]="layout 'debian-live'"
  [debian-versioned]="layout 'debian-live' kernel /live/vmlinuz-6.1.0-13-amd64"
  [fedora]="layout 'fedora'" [grub-only]="layout 'grub /boot/grub2/grub.cfg'"
  [isolinux-only]="layout 'isolinux /boot/isolinux/menus/main.cfg'" [kiwi]="layout 'kiwi x86_64'"
  [no-rr]="layout 'isolinux /SYSLINUX/syslinux.cfg'" [zisofs]="initrd /live/initrd.img (65536)"
  [none]="not-found"
)
bad_seed=0
for s in "$work"/seeds/*.iso; do
  name=$(basename "$s" .iso)
  got=$(FUZZ_PXE_ISO_VERBOSE=1 "$bin" "$s" 2>&1 | grep -m1 'fuzz_pxe_iso: result:' || true)
  if [[ -z ${want[$name]:-} || $got != *"${want[$name]}"* ]]; then
    echo "run_fuzz_iso: seed $name: expected '${want[$name]:-?}', got '$got'" >&2
    bad_seed=1
  fi
done
[ "$bad_seed" -eq 0 ] || exit 1
echo "run_fuzz_iso: $(ls "$work"/seeds/*.iso | wc -l) seeds reach their layouts"
cp "$work"/seeds/*.iso "$work/corpus/"
seeds=$(ls "$work/corpus" | wc -l)

# Largest seed plus room to grow; one input stays well below a second.
max_len=262144
echo "run_fuzz_iso: fuzzing for $seconds s (fork mode, crashes/timeouts/OOMs do not stop it)"
set +e
nice -n 10 "$bin" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
  -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -max_len=$max_len \
  -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1
rc=$?
set -e
fi

# Totals from the fork parent's last status line: "#N: cov: C ft: F corp: K exec/s: E ...".
status=$(grep -E '^#[0-9]+: cov:' "$work/log" | tail -1 || true)
execs=$(sed -nE 's/^#([0-9]+):.*/\1/p' <<<"$status")
eps=$(sed -nE 's/.* exec\/s:? ([0-9]+).*/\1/p' <<<"$status")
cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$status")
elapsed=$(sed -nE 's/.* time: ([0-9]+)s.*/\1/p' <<<"$status")
[ -n "$elapsed" ] && [ "$elapsed" -gt 0 ] && [ -n "$execs" ] && eps=$((execs / elapsed))
corp=$(ls "$work/corpus" | wc -l)
new_units=$((corp - seeds))
if [ -z "$execs" ] || ! grep -qE 'INFO: (fuzzed for|exiting)' "$work/log"; then
  echo "run_fuzz_iso: libFuzzer did not run to its end (exit $rc); log: $work/log" >&2
  tail -30 "$work/log" >&2
  exit 1
fi

# Replay and classify every artifact. A timeout is replayed with the same limit (does it hang
# without the fuzzer's load?) and sampled twice more at other moments (where does it hang?).
# Timeout replays cost ~15 s each, so at most AOEBOOT_FUZZ_ISO_TIMEOUT_REPLAYS (30) of them.
# fast_unwind_on_malloc=0: whole allocation stacks through libisofs for leaks (too slow while
# fuzzing, fine for one replay). Not for timeouts: an alarm that lands inside the slow unwinder
# prints "<empty stack>".
leak_asan="$ASAN_OPTIONS:fast_unwind_on_malloc=0"
ours=0 libisofs=0 none=0 unknown=0 skipped=0 timeouts_replayed=0
max_timeout_replays=${AOEBOOT_FUZZ_ISO_TIMEOUT_REPLAYS:-30}
declare -A sig_count=() sig_first=()
shopt -s nullglob
for a in "$work"/artifacts/{crash,leak,timeout,oom}-*; do
  r=$work/replays/$(basename "$a").txt
  samples=()
  if [[ $(basename "$a") == timeout-* ]]; then
    if [ "$timeouts_replayed" -ge "$max_timeout_replays" ]; then
      skipped=$((skipped + 1))
      continue
    fi
    timeouts_replayed=$((timeouts_replayed + 1))
    for t in 2 3 4; do
      timeout 120 "$bin" -timeout=$t -rss_limit_mb=2048 -runs=1 "$a" \
        >"$r.$t" 2>&1 || true
      samples+=("$r.$t")
    done
  fi
  replay_asan=$leak_asan
  [[ $(basename "$a") == timeout-* ]] && replay_asan=$ASAN_OPTIONS
  ASAN_OPTIONS=$replay_asan timeout 300 "$bin" -timeout=5 -rss_limit_mb=2048 -runs=1 "$a" \
    >"$r" 2>&1 || true
  verdict=$(python3 "$here/classify_fault.py" "$src" "$r" "${samples[@]}")
  IFS=$'\t' read -r owner kind top <<<"$(head -1 <<<"$verdict")"
  case $owner in
    ours) ours=$((ours + 1)) ;;
    libisofs) libisofs=$((libisofs + 1)) ;;
    none) none=$((none + 1)) ;;
    *) unknown=$((unknown + 1)) ;;
  esac
  sig="$owner | $(basename "$a" | cut -d- -f1) | $kind | $top"
  if [ -z "${sig_count[$sig]:-}" ]; then
    sig_count[$sig]=1
    sig_first[$sig]=$a
    echo "run_fuzz_iso: $owner: $kind"
    echo "  artifact: $a ($(stat -c %s "$a") bytes), replay: $r"
    tail -n +2 <<<"$verdict"
    if [ "$owner" = libisofs ]; then
      d=$work/findings/$(printf '%s' "$sig" | sha1sum | cut -c1-12)
      mkdir -p "$d" && cp "$a" "$r" "$d/" && printf '%s\n' "$verdict" >"$d/summary.txt"
    fi
  else
    sig_count[$sig]=$((sig_count[$sig] + 1))
  fi
done

echo "run_fuzz_iso: ---- totals ($mode, $seconds s, exit $rc) ----"
echo "run_fuzz_iso: inputs executed: $execs in ${elapsed:-?} s, exec/s: $eps, coverage: $cov edges (our code only:"
echo "run_fuzz_iso:   libisofs is not instrumented), new units: $new_units (corpus $seeds -> $corp)"
echo "run_fuzz_iso: our faults: $ours, libisofs findings: $libisofs, not reproduced on replay: $none, unclassified: $unknown"
echo "run_fuzz_iso: timeout artifacts not replayed (over the cap of $max_timeout_replays): $skipped"
for sig in "${!sig_count[@]}"; do
  echo "run_fuzz_iso:   ${sig_count[$sig]} x $sig  (e.g. ${sig_first[$sig]})"
done | sort
echo "run_fuzz_iso: log: $work/log; findings: $work/findings"
[ "$ours" -eq 0 ] && [ "$unknown" -eq 0 ]
