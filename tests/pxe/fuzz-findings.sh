#!/usr/bin/env bash
# The ISO fuzz harness' findings (tests/fuzz/README.md) replayed against the release
# stage-pxe: each damaged ISO must end with a message and a non-zero exit, never hang or crash.
#   fuzz-findings.sh STAGE_PXE SRC_DIR
# The inputs are rebuilt from xorriso seeds (nothing binary is committed).
set -euo pipefail
STAGE=$1 SRC=$2
WORK=$(mktemp -d /tmp/aoe-fuzz-findings.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
bash "$SRC/tests/fuzz/make_iso_seeds.sh" "$WORK/seeds" > "$WORK/seeds.log" 2>&1 ||
    { cat "$WORK/seeds.log"; echo "FAIL: seed ISOs not built"; exit 1; }
python3 "$SRC/tests/fuzz/make_finding_inputs.py" "$WORK/seeds" "$WORK/in" > /dev/null ||
    { echo "FAIL: finding inputs not rebuilt"; exit 1; }
mkdir -p "$WORK/tftp"
bad=0
# run NAME WANT_TEXT [ENV...]: exit 1 within 30 s, stderr names the file and contains WANT_TEXT.
run() {
    local name=$1 want=$2 rc=0 t0 t1
    shift 2
    t0=$(date +%s.%N)
    env "$@" timeout 30 "$STAGE" --dry-run --tftp-root "$WORK/tftp" "$WORK/in/$name.iso" \
        > "$WORK/out" 2> "$WORK/err" || rc=$?
    t1=$(date +%s.%N)
    local secs
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b - a}')
    if [ "$rc" -ne 1 ] || ! grep -q "$name.iso" "$WORK/err" || ! grep -q -- "$want" "$WORK/err"; then
        echo "FAIL: $name: exit $rc after $secs s (want 1 with '$want')"; head -3 "$WORK/err"; bad=1
    else
        echo "ok: $name: exit 1 after $secs s: $(grep -m1 -- "$want" "$WORK/err" | cut -c1-150)"
    fi
}
# 1 (ours, fixed): a directory with an empty Rock Ridge name made the not-found walk loop.
run ours-empty-rr-name-walk-hang "no kernel/initrd pair found"
# 4 (libisofs): endless recursion in the import; stage-pxe's watchdog ends it.
run libisofs-hang-joliet-dir-loop "giving up" STAGE_PXE_IMPORT_TIMEOUT=3
# 2 (libisofs): the import is cancelled; a bad ISO, said so.
run libisofs-leak-canceled-import "cannot read ISO image"
# 3 (libisofs, leak only): staging works; no crash.
rc=0
timeout 30 "$STAGE" --dry-run --tftp-root "$WORK/tftp" "$WORK/in/libisofs-leak-multi-extent.iso" \
    > /dev/null 2> "$WORK/err" || rc=$?
if [ "$rc" -eq 0 ]; then echo "ok: libisofs-leak-multi-extent: staged (dry run)"; else
    echo "FAIL: libisofs-leak-multi-extent: exit $rc"; head -3 "$WORK/err"; bad=1; fi
exit $bad
