#!/usr/bin/env bash
# tests/metal/compare.sh: one client's reads from aoe-firmware (a QEMU TCG guest on a tap) and
# from aoe-target (net_af_packet on the bridge itself), same bridge, same image, same run,
# rounds alternating. Reported, never asserted (docs/decisions.md): under TCG the emulator,
# not the firmware, bounds the firmware's rate; the firmware's own cost per read comes from its
# TSC counters (cycles from accept to the reply queued on the TX ring).
# Usage: compare.sh FIRMWARE_BIN AOE_TARGET AOE_CLIENT [ROUNDS=3] [MIB=256]
# The client sits in its own namespace behind a veth on the bridge; it reads e0.1 (firmware)
# and e0.2 (aoe-target) whole, 64 requests in flight, LBA48, MTU 1500, compared byte for byte,
# then runs `aoe-client latency` (one request at a time) against each.
set -euo pipefail
FW=$1 TARGET=$2 CLIENT=$3 ROUNDS=${4:-3} MIB=${5:-256}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "FAIL: needs root"; exit 1; }
# shellcheck source=scripts/e2e/firmware.sh
. "$REPO/scripts/e2e/firmware.sh"
# shellcheck source=tests/lib/netns.sh
. "$REPO/tests/lib/netns.sh"
NT=aoeb-cmpT-$$ NC=aoeb-cmpC-$$
WORK=$(mktemp -d /tmp/aoe-metalcmp.XXXXXX)
FW_PID='' TPID=''
cleanup() {
    local rc=$?
    set +e
    [ -n "$TPID" ] && kill -TERM "$TPID" 2>/dev/null && sleep 0.5
    [ -n "$FW_PID" ] && kill -KILL "$FW_PID" 2>/dev/null
    netns_remove "$NT" "$NC"
    [ "$rc" -ne 0 ] && echo "compare: logs kept in $WORK" || rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }

ip netns add $NT; ip netns add $NC
netns_no_ipv6 $NT $NC
t=(ip netns exec "$NT") c=(ip netns exec "$NC")
netns_bridge $NT br0 1500
netns_tap $NT tap0 br0 1500
veth_link $NC cmpC$$ $NT cmpB$$
"${t[@]}" ip link set cmpB$$ master br0

IMG=$WORK/img
head -c $(( (MIB << 20) + 512 * 3 )) /dev/urandom >"$IMG"
fw_start $NT tap0 "$WORK" "$FW" $((MIB + 256)) "--stats-interval 0" "$IMG e0.1" || fail "firmware"
"${t[@]}" "$TARGET" 0 2 br0 "$IMG" >"$WORK/target.log" 2>&1 &
TPID=$!
for _ in $(seq 100); do grep -q "ready" "$WORK/target.log" && break; sleep 0.1; done
grep -q "ready" "$WORK/target.log" || { cat "$WORK/target.log"; fail "aoe-target did not start"; }
C() { "${c[@]}" "$CLIENT" --iface cmpC$$ "$@"; }
C --timeout 2000 discover

declare -A rate reads
for r in $(seq "$ROUNDS"); do
    for who in firmware:0.1 aoe-target:0.2; do
        name=${who%%:*} slot=${who#*:}
        [ "$name" = firmware ] && s0=$(fw_json "$WORK")
        C --target "$slot" --window 64 read-all --compare "$IMG" >"$WORK/read" 2>&1 || { cat "$WORK/read"; fail "read $name"; }
        grep -q "compare: identical" "$WORK/read" || fail "compare $name"
        line=$(grep '^read ' "$WORK/read")
        mibs=$(echo "$line" | sed -E 's/.*: ([0-9.]+) MiB\/s.*/\1/')
        rps=$(echo "$line" | awk '{for (i=1;i<=NF;i++) { if ($i=="in") s=$(i+1); if ($i=="requests") q=$(i+1) } } END { gsub(",","",q); printf "%.0f", q / s }')
        printf 'round %d  %-10s  %8s MiB/s  %7s reads/s\n' "$r" "$name" "$mibs" "$rps"
        rate[$name]+="$mibs "; reads[$name]+="$rps "
        if [ "$name" = firmware ]; then
            s1=$(fw_json "$WORK")
            python3 - "$s0" "$s1" <<'PY'
import json, sys
a, b = (json.loads(x) for x in sys.argv[1:])
n = b["read_frames"] - a["read_frames"]
if n:
    print(f"           firmware cycles per read {(b['read_cycles'] - a['read_cycles']) / n:.0f} "
          f"({n} reads, TSC {b['tsc_hz'] / 1e6:.0f} MHz): {(b['read_cycles'] - a['read_cycles']) / n / b['tsc_hz'] * 1e6:.2f} us of guest time per read")
PY
        fi
    done
done
med() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "median of $ROUNDS rounds (one client, window 64, 2 sectors per read, MTU 1500):"
for name in firmware aoe-target; do
    printf '  %-10s  %8s MiB/s  %7s reads/s\n' "$name" "$(echo "${rate[$name]}" | med)" "$(echo "${reads[$name]}" | med)"
done
echo "latency, one request at a time (200 reads back to back; the first one after idle includes the wake-up from the 1 ms idle sleep):"
for who in firmware:0.1 aoe-target:0.2; do
    echo "  ${who%%:*}: $(C --target "${who#*:}" latency --count 200 2>&1 | tail -1)"
done
echo "first reply after idling (each read after a 20 ms pause, 30 reads):"
for who in firmware:0.1 aoe-target:0.2; do
    echo "  ${who%%:*}: $(C --target "${who#*:}" latency --pause 20 --count 30 2>&1 | tail -1)"
done
fw_stop "$WORK"
kill -USR1 $TPID 2>/dev/null; sleep 0.3
echo "aoe-target: $(grep -E 'frames in' "$WORK/target.log" | tail -1)"
echo "firmware:   $(grep 'stats: cycles per frame' "$WORK/firmware.log" | tail -1 | sed 's/^\[[^]]*\] //')"
