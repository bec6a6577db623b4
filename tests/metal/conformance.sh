#!/usr/bin/env bash
# integration.metal-conformance: the bad-frame suite and whole-image reads against aoe-firmware
# (hal/metal) running as a QEMU TCG guest, driven from the bridge of a private namespace.
# Usage: conformance.sh FIRMWARE_BIN AOE_CLIENT
#   1. MTU 1500: the firmware boots with two modules, a >= 256 MiB random image with an odd
#      sector count as e0.1 (read-only, zero copy) and a 1 MiB one as e0.2 --rw (copy path);
#      tests/hardening/badframes.py runs every row of docs/aoe-protocol.md §3 from br0 and checks
#      each frame counted once (the firmware's counters come from its console, key `j`);
#      then aoe-client reads e0.1 whole (64 in flight, LBA48) and e0.2 whole, byte-compared;
#      e0.1's reads must all be zero-copy transmits, e0.2's copies; and at the end every frame
#      in is replied, dropped or silent.
#   2. MTU 9000 (bridge, tap, --mtu 9000): a second boot, e0.1 read whole and compared again.
#   3. The command line: --mac-allow without br0's MAC (discovery unanswered, drop_not_allowed),
#      with it (a comma list; the module addressed "3 4" read whole), --vlan 7 with
#      --no-fast-path (tagged reads served by accept/next_reply, untagged discovery dropped as
#      wrong_vlan), and a refused word
#      (--mtu 100: a FATAL line naming it, QEMU leaves with status 5).
# Prints reads/s and MiB/s (reported, not asserted) and the firmware's cycles per read.
# Everything (namespace, tap, QEMU) is removed on every exit path.
set -euo pipefail
FW=$1 CLIENT=$2
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "FAIL: needs root (network namespaces, taps)"; exit 1; }
for t in qemu-system-x86_64 python3 ip; do
    command -v $t >/dev/null || { echo "FAIL: missing tool $t (scripts/setup)"; exit 1; }
done
[ -f "$FW" ] || { echo "FAIL: aoe-firmware image not found: $FW"; exit 1; }
[ -x "$CLIENT" ] || { echo "FAIL: aoe-client not found: $CLIENT"; exit 1; }
# shellcheck source=scripts/e2e/firmware.sh
. "$REPO/scripts/e2e/firmware.sh"
# shellcheck source=tests/lib/netns.sh
. "$REPO/tests/lib/netns.sh"

NS=aoeb-metalconf-$$
WORK=$(mktemp -d /tmp/aoe-metalconf.XXXXXX)
FW_PID=
cleanup() {
    local rc=$?
    set +e
    [ -n "$FW_PID" ] && kill -KILL "$FW_PID" 2>/dev/null
    netns_remove "$NS"
    if [ "$rc" -ne 0 ]; then
        echo "conformance: logs kept in $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; [ -f "$WORK/firmware.log" ] && tail -25 "$WORK/firmware.log"; exit 1; }

nsx=(ip netns exec "$NS")
net_up() { # MTU
    ip netns add "$NS"
    # Nothing but the suite's frames may reach the firmware (it has no kernel filter, and
    # badframes.py counts every frame exactly): no IPv6 chatter, and a bridge without STP or
    # multicast snooping (netns_bridge says why), else the firmware would count a stray frame
    # as drop_not_aoe in whatever check is running then.
    netns_no_ipv6 "$NS"
    netns_bridge "$NS" br0 "$1"
    netns_tap "$NS" tap0 br0 "$1"
    "${nsx[@]}" ip link set br0 promisc on  # replies to spoofed sources reach the raw socket
}
net_down() { netns_remove "$NS"; }
C() { "${nsx[@]}" "$CLIENT" --iface br0 "$@"; }
read_all() { # label slot file [client options]: fails unless byte-identical; prints the rate
    local label=$1 slot=$2 file=$3; shift 3
    C --target "$slot" --window 64 "$@" read-all --compare "$file" >"$WORK/read" 2>&1 || { cat "$WORK/read"; fail "read-all ($label)"; }
    grep -q "compare: identical" "$WORK/read" || { cat "$WORK/read"; fail "read-all compare ($label)"; }
    local line; line=$(grep '^read ' "$WORK/read")
    # reads/s from the client's own line: requests / seconds
    echo "$label: $line" | sed 's/, retransmits.*//'
    echo "$line" | awk '{for (i=1;i<=NF;i++) { if ($i=="in") s=$(i+1); if ($i=="requests") r=$(i+1) } } END { gsub(",","",r); if (s+0 > 0) printf "  reads/s %.0f\n", r / s }'
}
jget() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d[sys.argv[2]])' "$1" "$2"; }

RO=$WORK/ro.img RW=$WORK/rw.img
head -c $(( (256 << 20) + 512 * 5 )) /dev/urandom >"$RO"   # >= 256 MiB, odd sector count
head -c $(( 1 << 20 )) /dev/urandom >"$RW"

echo "== MTU 1500: aoe-firmware with e0.1 (256 MiB + 5 sectors, read-only) and e0.2 (1 MiB, --rw)"
net_up 1500
fw_start "$NS" tap0 "$WORK" "$FW" 640 "--stats-interval 0" "$RO e0.1" "$RW e0.2 --rw" || fail "firmware start"
grep -E "virtio-net:|export e0|first advert" "$WORK/firmware.log"
cases_ok=1
"${nsx[@]}" python3 "$REPO/tests/hardening/badframes.py" --iface br0 --serial "$WORK/firmware.sock" \
    --ro "$RO" --rw "$RW" --mode cases || cases_ok=0

echo "== whole-image reads after the bad frames"
s0=$(fw_json "$WORK") || fail "no statistics from the firmware console"
read_all "e0.1 read-only, MTU 1500" 0.1 "$RO"
s1=$(fw_json "$WORK") || fail "no statistics from the firmware console"
read_all "e0.2 read-write (copy path)" 0.2 "$RW"
s2=$(fw_json "$WORK") || fail "no statistics from the firmware console"
python3 - "$s0" "$s1" "$s2" "$RO" "$RW" <<'PY' || cases_ok=0
import json, os, sys
s0, s1, s2 = (json.loads(a) for a in sys.argv[1:4])
ro_req = -(-(os.path.getsize(sys.argv[4]) // 512) // 2)  # 2 sectors per request at MTU 1500
ok = True
def check(c, what):
    global ok
    print(("ok: " if c else "FAIL: ") + what)
    ok &= bool(c)
zc = s1["tx_zero_copy"] - s0["tx_zero_copy"]; cp = s1["tx_copy"] - s0["tx_copy"]
check(zc >= ro_req and cp == 0, f"e0.1 whole read: {zc} zero-copy transmits (>= {ro_req} requests), {cp} copies")
zc = s2["tx_zero_copy"] - s1["tx_zero_copy"]; cp = s2["tx_copy"] - s1["tx_copy"]
check(cp >= 1024 and zc == 0, f"e0.2 (rw) whole read: {cp} copied transmits (>= 1024), {zc} zero-copy")
tot = s2["replied"] + s2["dropped"] + s2["silent"] + s2["forwarded"]
check(s2["frames_in"] == tot, f"frames_in {s2['frames_in']} = replied + dropped + silent + forwarded {tot}")
r = s1["read_frames"] - s0["read_frames"]
if r:
    cyc = (s1["read_cycles"] - s0["read_cycles"]) / r
    print(f"firmware cycles per read (accept .. reply queued, TSC {s1['tsc_hz'] / 1e6:.0f} MHz, TCG): {cyc:.0f}")
sys.exit(0 if ok else 1)
PY
fw_stop "$WORK"
grep -q "stats (end)" "$WORK/firmware.log" || fail "no end-of-run statistics in the serial log"
grep "stats" "$WORK/firmware.log" | tail -6
net_down

echo "== MTU 9000: a second boot with --mtu 9000, e0.1 read whole"
net_up 9000
fw_start "$NS" tap0 "$WORK" "$FW" 640 "--mtu 9000 --stats-interval 0" "$RO e0.1" || fail "firmware start (MTU 9000)"
C discover >"$WORK/disc" 2>&1 || { cat "$WORK/disc"; fail "discover at MTU 9000"; }
grep -q "scnt=17" "$WORK/disc" || { cat "$WORK/disc"; fail "MTU 9000: expected 17 sectors per frame ((9000-36)/512)"; }
read_all "e0.1 read-only, MTU 9000" 0.1 "$RO"
fw_stop "$WORK"

echo "== command line: --mac-allow, the \"S L\" address form, and a refused word"
SMALL=$WORK/small.img
head -c $(( (1 << 20) + 512 )) /dev/urandom >"$SMALL"
# Only a MAC that is not ours is allowed: discovery from br0 gets no answer, counted not_allowed.
fw_start "$NS" tap0 "$WORK" "$FW" 128 "--mtu 9000 --stats-interval 0 --mac-allow 02:00:00:00:00:99" "$SMALL 3 4" ||
    fail "firmware start (--mac-allow)"
grep -q "allow-list 1 MACs" "$WORK/firmware.log" || fail "the firmware did not log its allow-list"
if C --timeout 1500 discover >"$WORK/disc" 2>&1 && grep -q "^e3.4 " "$WORK/disc"; then
    cat "$WORK/disc"; fail "--mac-allow 02:00:00:00:00:99: e3.4 answered br0 (02:ae:0b:00:00:01)"
fi
s=$(fw_json "$WORK") || fail "no statistics from the firmware console"
na=$(jget "$s" drop_not_allowed)
[ "$na" -ge 1 ] || fail "--mac-allow: no frame counted drop_not_allowed ($s)"
echo "ok: --mac-allow 02:00:00:00:00:99: br0's discovery unanswered, drop_not_allowed $na"
fw_stop "$WORK"
# br0's own MAC allowed (one of two, comma list); address "3 4" from the module's command line.
fw_start "$NS" tap0 "$WORK" "$FW" 128 "--mtu 9000 --stats-interval 0 --mac-allow 02:00:00:00:00:99,02:ae:0b:00:00:01" \
    "$SMALL 3 4" || fail "firmware start (--mac-allow with br0)"
read_all "e3.4 with br0 on the allow-list" 3.4 "$SMALL"
fw_stop "$WORK"
# --vlan 7: tagged requests are served (the tag echoed), untagged ones dropped as wrong_vlan.
# --no-fast-path: this boot's reads go through accept()/next_reply(), not Engine::serve_read.
fw_start "$NS" tap0 "$WORK" "$FW" 128 "--stats-interval 0 --vlan 7 --no-fast-path" "$SMALL e1.2" ||
    fail "firmware start (--vlan 7)"
grep -q "no read fast path" "$WORK/firmware.log" || fail "--no-fast-path not in the firmware's log"
read_all "e1.2 over VLAN 7" 1.2 "$SMALL" --vlan 7
C --timeout 1000 discover >"$WORK/disc" 2>&1 || true
grep -q "^e1.2 " "$WORK/disc" && fail "--vlan 7: an untagged discovery was answered"
s=$(fw_json "$WORK") || fail "no statistics from the firmware console"
wv=$(jget "$s" drop_wrong_vlan)
[ "$wv" -ge 1 ] || fail "--vlan 7: the untagged discovery was not counted drop_wrong_vlan ($s)"
echo "ok: --vlan 7: tagged reads served, untagged discovery dropped (drop_wrong_vlan $wv)"
fw_stop "$WORK"
# A refused word: the firmware names it and powers off (QEMU exits (2 << 1) | 1 = 5).
if fw_start "$NS" tap0 "$WORK" "$FW" 128 "--mtu 100" "$SMALL e0.1" 2>/dev/null; then
    fail "--mtu 100 was accepted"
fi
wait "$FW_PID" 2>/dev/null && qrc=0 || qrc=$?
FW_PID=
grep -q 'FATAL: kernel command line .*--mtu must be 576..9000' "$WORK/firmware.log" ||
    { cat "$WORK/firmware.log"; fail "--mtu 100: no FATAL line naming the fault"; }
[ "$qrc" = 5 ] || fail "--mtu 100: QEMU exit status $qrc, expected 5 (isa-debug-exit code 2)"
echo "ok: --mtu 100 refused: $(grep -o 'FATAL.*' "$WORK/firmware.log"), QEMU exit 5"

[ $cases_ok = 1 ] || fail "conformance checks (see the FAIL lines above)"
echo "PASS metal-conformance"
