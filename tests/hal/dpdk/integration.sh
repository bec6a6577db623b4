#!/usr/bin/env bash
# Integration test of aoe-target: two network namespaces joined by a veth pair, aoe-target
# on one end through net_af_packet, aoe-client on the other. Usage:
#   integration.sh TARGET CLIENT PROBE_LIB MODE [BRIDGE]
# MODE: mtu1500 | mtu9000 | copy | queues2 | vlan | idle (the full set of checks on three
# exports), iso (the vbladed form `aoe-target 0 1 IFACE image.iso` on a real ISO 9660 image),
# twoports (two --iface: every export on every port, each port with its own MAC),
# macallow (--mac-allow: other clients get no answer at all),
# kfilter (the af_packet kernel filter: a TFTP/ARP/0x88A3 flood never reaches the lcore; with
# --no-kernel-filter the same flood is counted by the engine, so the check is not vacuous),
# memif (EAL arguments: aoe-target on net_memif, reached through BRIDGE = dpdk-bridge),
# xdp (--xdp: aoe-target on net_af_xdp over the veth, copy mode).
# Each run uses unique names and removes its namespaces, links and processes on every exit.
set -euo pipefail
TARGET=$1 CLIENT=$2 PROBE=$3 MODE=$4 BRIDGE=${5:-}
[ "$(id -u)" -eq 0 ] || { echo "FAIL: needs root (network namespaces)"; exit 1; }

. "$(dirname "$0")/../../lib/netns.sh"
# EAL runtime dirs of the prefixes this run chose (memif mode passes its own).
netns_on_cleanup() { rm -rf "/var/run/dpdk/aoeT$id" "/var/run/dpdk/aoeB$id"; }
netns_begin aoe
VT=aoT$id VC=aoC$id
fail() {
    echo "FAIL: $*"
    if [ -n "${tpid:-}" ] && kill -TERM "$tpid" 2>/dev/null; then wait "$tpid" || true; fi
    [ -f "$WORK/target.log" ] && tail -40 "$WORK/target.log"
    exit 1
}
stat_of() { { grep -o "aoe-target: stat $1=[0-9]*" "$WORK/target.log" || echo "=0"; } | head -1 | sed 's/.*=//'; }

MTU=1500; EXTRA=(); EAL=()
case $MODE in
  mtu1500) ;;
  mtu9000) MTU=9000 ;;
  copy) EXTRA=(--copy) ;;
  queues2) EXTRA=(--queues 2) ;;
  idle) ;;
  vlan) EXTRA=(--vlan 5) ;;
  iso|memif|twoports|macallow|kfilter|xdp) ;;
  *) fail "unknown mode $MODE" ;;
esac

ip link add $VT mtu $MTU type veth peer name $VC mtu $MTU
ip link set $VT netns $NT
ip link set $VC netns $NC
if [ "$MODE" = queues2 ]; then
    # The dispatcher sends a MAC to lcore aoe::mac_hash(key) % 2 (target/wire.hpp); this one
    # lands on worker lcore 1 (what that means for the counters: see the end of this script).
    ip -n $NC link set $VC address 02:00:00:00:00:02
fi
ip -n $NT link set $VT up
ip -n $NC link set $VC up


C() { ip netns exec $NC "$CLIENT" --iface $VC "${CV[@]}" "$@"; }
CV=()
wait_ready() {
    for _ in $(seq 100); do grep -q "$2" "$1" && return 0; sleep 0.1; done
    fail "not ready: $1"
}
# Starts aoe-target in the target namespace under the allocation probe with arguments "$@" and
# waits for its ready line (READY_LINE, default "aoe-target: ready").
start_target() {
    LD_PRELOAD=$PROBE ip netns exec $NT "$TARGET" "$@" 2> "$WORK/target.log" &
    pids+=($!); tpid=$!
    wait_ready "$WORK/target.log" "${READY_LINE:-aoe-target: ready}"
}
# The allocation probe's line of the last run: nothing allocated, freed or locked on an lcore.
pass_if_probe_clean() {
    probe=$(grep "aoe-probe:" "$WORK/target.log" || true)
    echo "$probe"
    [[ $probe =~ armed_threads=[1-9][0-9]*\ allocs=0\ frees=0\ mutex_locks=0\ rte_allocs=0 ]] || fail "allocation probe: $probe"
    echo "PASS $MODE"
    exit 0
}
short_flow() { # $1: image served as e0.1
    C discover | tee "$WORK/discover"
    grep -q "^e0.1 " "$WORK/discover" || fail "e0.1 not discovered"
    C --target 0.1 identify
    C --target 0.1 --window 64 read-all --compare "$1" | tee "$WORK/read"
    grep -q "compare: identical" "$WORK/read" || fail "read-all compare"
    kill -TERM $tpid
    wait $tpid || { tpid=; fail "target exit status"; }
    tpid=
    grep "aoe-target: stopping" "$WORK/target.log" || fail "no clean stop"
    if [ "$MODE" = xdp ]; then # net_af_xdp has no multi-segment TX: the copy path
        [ "$(stat_of tx_copy)" -gt 0 ] || fail "copy path not used"
    else
        [ "$(stat_of tx_zero_copy)" -gt 0 ] || fail "zero-copy path not used"
    fi
    pass_if_probe_clean
}

if [ "$MODE" = iso ]; then
    # A real ISO 9660 image (Rock Ridge + Joliet, volume id) served the vbladed way.
    mkdir -p "$WORK/tree/boot/x86_64/loader" "$WORK/tree/LiveOS"
    head -c $((24 << 20)) /dev/urandom > "$WORK/tree/LiveOS/squashfs.img"
    head -c $((3 << 20)) /dev/urandom > "$WORK/tree/boot/x86_64/loader/initrd"
    echo "marker $id" > "$WORK/tree/marker"
    xorriso -as mkisofs -R -J -V AOE_IT_$id -o "$WORK/live.iso" "$WORK/tree" 2> "$WORK/xorriso.log" || fail "xorriso"
    start_target 0 1 $VT "$WORK/live.iso"
    short_flow "$WORK/live.iso"
fi

if [ "$MODE" = twoports ]; then
    VT2=aoU$id VC2=aoD$id
    ip link add $VT2 type veth peer name $VC2
    ip link set $VT2 netns $NT
    ip link set $VC2 netns $NC
    ip -n $NT link set $VT2 up
    ip -n $NC link set $VC2 up
    head -c $(( (32 << 20) + 512 * 7 )) /dev/urandom > "$WORK/a.img"
    READY_LINE="aoe-target: ready (1 queue, 2 ports" start_target --iface $VT --iface $VT2 --export 0.1="$WORK/a.img"
    m1=$(C discover | awk '/^e0.1 /{print $2}')
    m2=$(ip netns exec $NC "$CLIENT" --iface $VC2 discover | awk '/^e0.1 /{print $2}')
    echo "port 1 $m1, port 2 $m2"
    [ -n "$m1" ] && [ -n "$m2" ] && [ "$m1" != "$m2" ] || fail "each port must answer with its own MAC"
    ip netns exec $NC "$CLIENT" --iface $VC2 --target 0.1 read-all --compare "$WORK/a.img" | tee "$WORK/read2"
    grep -q "compare: identical" "$WORK/read2" || fail "read-all on the second port"
    short_flow "$WORK/a.img"
fi

if [ "$MODE" = macallow ]; then
    head -c $(( (16 << 20) + 512 )) /dev/urandom > "$WORK/a.img"
    start_target --iface $VT --mac-allow 02:00:00:00:00:99 --export 0.1="$WORK/a.img"
    if C --timeout 500 discover; then fail "a client outside --mac-allow was answered"; fi
    ip -n $NC link set $VC address 02:00:00:00:00:99
    short_flow "$WORK/a.img"
fi

if [ "$MODE" = xdp ]; then
    head -c $(( (16 << 20) + 512 )) /dev/urandom > "$WORK/a.img"
    start_target --xdp $VT --export 0.1="$WORK/a.img"
    grep "net_af_xdp0 ($VT)" "$WORK/target.log" || fail "no net_af_xdp port on $VT"
    short_flow "$WORK/a.img"
fi

if [ "$MODE" = kfilter ]; then
    head -c $(( (16 << 20) + 512 )) /dev/urandom > "$WORK/a.img"
    # Frames that share the segment with AoE on a boot farm: IPv4/UDP to port 69 (TFTP), ARP,
    # and the EtherType next to AoE's. 3000 of them, sent raw from the client's namespace.
    flood() {
        ip netns exec $NC python3 - "$VC" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
src = bytes.fromhex("020000000077")
bcast = b"\xff" * 6
udp = struct.pack("!HHHH", 40000, 69, 8 + 20, 0) + b"\x00\x01bootx64.efi\x00octet\x00"
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                 bytes([10, 0, 0, 2]), bytes([10, 0, 0, 1]))
frames = [bcast + src + b"\x08\x00" + ip + udp,
          bcast + src + b"\x08\x06" + bytes(28),
          bcast + src + b"\x88\xa3" + bytes(46)]
for i in range(1000):
    for f in frames:
        s.send(f.ljust(60, b"\x00"))
print("sent 3000 non-AoE frames")
PY
    }
    # The same frames without pause until $WORK/stop exists (bounded: 20 s), from before the
    # target starts until it is ready: the segment's traffic reaches the port's kernel ring
    # between the PMD binding its socket and the filter being attached.
    flood_during_start() {
        rm -f "$WORK/stop"
        ip netns exec $NC python3 - "$VC" "$WORK/stop" > "$WORK/flood2" <<'PY' &
import os, socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
f = (b"\xff" * 6 + bytes.fromhex("020000000077") + b"\x08\x06").ljust(60, b"\x00")
print("flooding", flush=True)
n, end = 0, time.monotonic() + 20
while time.monotonic() < end and not os.path.exists(sys.argv[2]):
    for _ in range(100):
        s.send(f)
    n += 100
print(f"sent {n} ARP frames during start-up", flush=True)
PY
        fpid=$!; pids+=($fpid)
        for _ in $(seq 50); do grep -q flooding "$WORK/flood2" && return 0; sleep 0.1; done
        fail "the start-up flood did not start"
    }
    run_target() { # $@: extra options
        if [ "${DURING_START:-0}" = 1 ]; then flood_during_start; fi
        start_target --iface $VT --export 0.1="$WORK/a.img" "$@"
        if [ "${DURING_START:-0}" = 1 ]; then
            touch "$WORK/stop"; wait $fpid; cat "$WORK/flood2"
        fi
        flood
        C --target 0.1 read-all --compare "$WORK/a.img" | tee "$WORK/read"
        grep -q "compare: identical" "$WORK/read" || fail "read-all compare"
        kill -TERM $tpid
        wait $tpid || { tpid=; fail "target exit status"; }
        tpid=
    }
    run_target --no-kernel-filter
    # Each flood frame either reached the engine (drop_not_aoe) or overflowed the kernel's
    # PACKET_MMAP ring on its way there (rx_ring_dropped, which AoE frames then share).
    unfiltered=$(( $(stat_of drop_not_aoe) + $(stat_of rx_ring_dropped) ))
    echo "without the filter: drop_not_aoe=$(stat_of drop_not_aoe) rx_ring_dropped=$(stat_of rx_ring_dropped)"
    [ "$unfiltered" -ge 3000 ] || fail "without the filter the 3000 frames should have reached the port"
    # With the filter, and non-AoE frames sent all through the target's start-up: those that
    # reached the kernel ring before the filter was attached (as the veths' own IPv6 router
    # solicitations and MLD reports can) are discarded at start and counted apart, never by an
    # engine; rx_before_filter > 0 shows the start-up window was really exercised.
    DURING_START=1 run_target
    grep "kernel filter: AoE frames only" "$WORK/target.log" || fail "no kernel filter on the af_packet port"
    filtered=$(( $(stat_of drop_not_aoe) + $(stat_of rx_ring_dropped) ))
    echo "with the filter: drop_not_aoe=$(stat_of drop_not_aoe) rx_ring_dropped=$(stat_of rx_ring_dropped) rx_before_filter=$(stat_of rx_before_filter)"
    [ "$filtered" -eq 0 ] || fail "non-AoE frames reached the port through the filter"
    [ "$(stat_of rx_before_filter)" -gt 0 ] || fail "no frame arrived before the filter: the start-up window was not exercised"
    pass_if_probe_clean
fi

if [ "$MODE" = memif ]; then
    # DPDK users pass EAL arguments: aoe-target serves a net_memif port (server); dpdk-bridge
    # joins the memif (client) to the veth through net_af_packet.
    [ -x "$BRIDGE" ] || fail "memif mode needs the dpdk-bridge binary"
    head -c $(( (64 << 20) + 512 * 5 )) /dev/urandom > "$WORK/m.img"
    SOCK=$WORK/memif.sock
    rm -f "$SOCK"  # a stale socket file blocks the next start (docs/testing.md)
    ip -n $NT link set $VT promisc on
    start_target -l 0 --no-huge -m 1024 --no-shconf --file-prefix aoeT$id --no-pci \
        --vdev=net_memif0,role=server,socket=$SOCK,socket-abstract=no -- --export 0.1="$WORK/m.img"
    ip netns exec $NT "$BRIDGE" -l 1 --no-huge -m 256 --no-shconf --file-prefix aoeB$id --no-pci \
        --vdev=net_af_packet0,iface=$VT,qdisc_bypass=1 --vdev=net_memif0,role=client,socket=$SOCK,socket-abstract=no \
        2> "$WORK/bridge.log" &
    pids+=($!)
    wait_ready "$WORK/bridge.log" "dpdk-bridge: ready"
    sleep 1  # memif link up
    short_flow "$WORK/m.img"
fi

# Images: >= 256 MiB of random data with an odd sector count (docs/decisions.md), a small
# writable one, and (export 0.3) a file that is not a whole number of sectors.
RO=$WORK/ro.img RW=$WORK/rw.img ODD=$WORK/odd.img
head -c $(( (256 << 20) + 512 * 3 )) /dev/urandom > "$RO"        # 524291 sectors
head -c $(( 1 << 20 )) /dev/urandom > "$RW"
head -c $(( 512 * 9 + 100 )) /dev/urandom > "$ODD"
ro_hash=$(sha256sum < "$RO")

start=$(date +%s.%N)
LD_PRELOAD=$PROBE ip netns exec $NT "$TARGET" --iface $VT --export 0.1="$RO" --export 0.2="$RW,rw" \
    --export 0.3="$ODD" "${EXTRA[@]}" 2> "$WORK/target.log" &
pids+=($!)
tpid=$!
for _ in $(seq 100); do grep -q "aoe-target: ready" "$WORK/target.log" && break; sleep 0.1; done
grep -q "aoe-target: ready" "$WORK/target.log" || fail "target did not start"
echo "target ready after $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN{printf "%.3f", b - a}') s"
grep -q "not a whole number of 512-byte sectors; serving the first 9 sectors" "$WORK/target.log" ||
    fail "no warning for the odd-sized file"

# vlan mode: the client tags its requests with VID 5 and accepts only VID 5 replies (no
# 8021q module here, so no VLAN netdev); the target serves only VLAN 5.
[ "$MODE" = vlan ] && CV=(--vlan 5)

if [ "$MODE" = vlan ]; then
    echo "== untagged client is not served when --vlan is set"
    if ip netns exec $NC "$CLIENT" --iface $VC --timeout 500 discover; then fail "untagged discovery answered"; fi
fi

if [ "$MODE" = idle ]; then
    # Idle CPU of a started, unused target, then first-reply latency after idling
    # (reported, not asserted: docs/decisions.md).
    hz=$(getconf CLK_TCK)
    cpu() { awk '{print $14 + $15}' "/proc/$tpid/stat"; }
    sleep 2
    c0=$(cpu); t0=$(date +%s.%N)
    sleep 10
    c1=$(cpu); t1=$(date +%s.%N)
    echo "idle CPU: $(awk -v c="$((c1 - c0))" -v hz="$hz" -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", 100 * c / hz / (b - a)}')% of one core over 10 s (back-off on)"
    C --target 0.1 --count 20 --pause 100 latency | sed 's/^latency:/first reply after 100 ms idle:/'
    C --target 0.1 --count 2000 latency | sed 's/^latency:/busy (back-to-back) latency:/'
    kill -TERM $tpid
    wait $tpid || fail "target exit status"
    pids=()
    grep "aoe-probe:" "$WORK/target.log"
    echo "PASS $MODE"
    exit 0
fi

echo "== discover"
C discover | tee "$WORK/discover"
for e in e0.1 e0.2 e0.3; do grep -q "^$e " "$WORK/discover" || fail "$e not discovered"; done
scnt=$(grep '^e0.1 ' "$WORK/discover" | sed 's/.*scnt=\([0-9]*\).*/\1/')
want=$(( (MTU - 22) / 512 ))
[ "$scnt" -eq "$want" ] || fail "advertised sector count $scnt, expected $want for MTU $MTU"

echo "== identify"
C --target 0.1 identify | tee "$WORK/identify"
grep -q "sectors=524291 lba48=1" "$WORK/identify" || fail "IDENTIFY capacity"
C --target 0.3 identify | grep -q "sectors=9 " || fail "odd file not served rounded down"

echo "== read the whole image (64 in flight, LBA48)"
C --target 0.1 --window 64 read-all --compare "$RO" | tee "$WORK/read"
grep -q "compare: identical" "$WORK/read" || fail "read-all compare"

echo "== read-only export refuses writes and is unchanged"
C --target 0.1 --lba 100 --count 2 --expect-error write
[ "$(sha256sum < "$RO")" = "$ro_hash" ] || fail "read-only image changed"

echo "== writable export accepts writes"
head -c 2048 /dev/urandom > "$WORK/w.bin"
C --target 0.2 --lba 7 --count 4 --data "$WORK/w.bin" write
cmp <(dd if="$RW" bs=512 skip=7 count=4 status=none) "$WORK/w.bin" || fail "write not in the file"
C --target 0.2 read-all --compare "$RW" > /dev/null || fail "rw export read-back"
C --target 0.2 flush || fail "FLUSH on the writable export"

echo "== statistics: telemetry table and SIGUSR1 summary"
"$TARGET" --stats=$tpid | tee "$WORK/stats"
grep -Eq "^e0\.1 +524291 +0 +[1-9]" "$WORK/stats" || fail "--stats: no reads on e0.1"
cmac=$(ip -n $NC -o link show $VC | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
cframes=$(awk -v m="$cmac" '$1 == m {print $2}' "$WORK/stats")
[ "${cframes:-0}" -gt $(( 524291 / want )) ] || fail "--stats: per-client view has ${cframes:-no} frames for $cmac"
kill -USR1 $tpid
for _ in $(seq 20); do grep -q "aoe-target: frames in" "$WORK/target.log" && break; sleep 0.1; done
grep "aoe-target: frames in" "$WORK/target.log" || fail "no SIGUSR1 summary"

kill -TERM $tpid
wait $tpid || { tpid=; fail "target exit status $?"; }
tpid=; pids=()
grep "aoe-target: stopping" "$WORK/target.log" || fail "no clean stop"
grep -q "aoe-target: e0.1: $RO loaded (256 MiB)" "$WORK/target.log" || fail "no load progress for the 256 MiB image"
zc=$(stat_of tx_zero_copy); cp=$(stat_of tx_copy)
echo "tx_zero_copy=${zc:-0} tx_copy=${cp:-0}"
[ "$(stat_of flushes)" -ge 1 ] || fail "FLUSH did not go through the control thread"
case $MODE in
  copy) [ "${zc:-0}" -eq 0 ] && [ "${cp:-0}" -gt $(( 524291 / 17 )) ] || fail "--copy: expected only copies" ;;
  *) [ "${zc:-0}" -gt 0 ] || fail "zero-copy path not used"
     # the rw export is always served by copy
     [ "${cp:-0}" -gt 0 ] || fail "copy path (rw export) not used" ;;
esac
if [ "$MODE" = queues2 ]; then
    # Worker lcore 1 serves this client's reads wherever the kernel delivered them. The af_packet
    # fanout hash of a non-IP frame ignores its MACs and is seeded once per boot, so on a given
    # boot every AoE frame reaches RX queue 0 or every one reaches queue 1:
    #  - queue 0: the dispatcher hands the reads to worker 1 over its SPSC ring (rx_dispatched);
    #  - queue 1: worker 1 serves them directly and hands the owner's frames (config, adverts'
    #    replies) to queue 0 over its ring (forwarded).
    # Either way a ring between the lcores carries frames, and nothing is lost on it.
    q1=$(grep -o "stat queue1 frames_in=[0-9]*" "$WORK/target.log" | sed 's/.*=//')
    [ "${q1:-0}" -gt 262147 ] || fail "queue 1 did not serve the read: frames_in=$q1"
    disp=$(stat_of rx_dispatched); out=$(stat_of dispatched_out); fwd=$(stat_of forwarded)
    [ "${disp:-0}" = "${out:-0}" ] || fail "dispatched_out=$out but rx_dispatched=$disp"
    if [ "${disp:-0}" -gt 262147 ]; then
        echo "kernel delivered to queue 0; the dispatcher handed $disp frames to worker 1"
    else
        [ "${fwd:-0}" -ge 1 ] || fail "kernel delivered to queue 1, but no frame went to the owner: forwarded=$fwd rx_dispatched=$disp"
        echo "kernel delivered to queue 1; worker 1 served the read and forwarded $fwd frames to the owner (rx_dispatched=$disp)"
    fi
fi
probe=$(grep "aoe-probe:" "$WORK/target.log" || true)
echo "$probe"
[[ $probe =~ armed_threads=([0-9]+)\ allocs=0\ frees=0\ mutex_locks=0\ rte_allocs=0 ]] ||
    fail "allocation probe: $probe"
[ "${BASH_REMATCH[1]}" -ge 1 ] || fail "probe not armed"
echo "PASS $MODE"
