#!/usr/bin/env bash
# Hardening tests of a live aoe-target: two network namespaces joined by a veth pair,
# aoe-target on one end (net_af_packet), hand-built frames and aoe-client on the other.
# Usage: target-suite.sh TARGET CLIENT MODE
# MODE:
#   badframes  every row of aoe-protocol.md §3 (badframes.py), then a whole-image read compare
#              and the counters: every frame counted once (frames_in = replied+dropped+silent)
#   flood      broadcast config queries from one source as fast as python sends them, while
#              aoe-client reads the whole image: replies rate-limited, the read byte-identical
#   netem      whole-image reads through tc netem on the client's veth: clean, 1% loss,
#              1% duplication, reordering (data compared; throughput reported, not asserted)
# Unique names per run; namespaces, links and processes removed on every exit path.
set -euo pipefail
TARGET=$1 CLIENT=$2 MODE=$3
HERE=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "FAIL: needs root (network namespaces)"; exit 1; }
command -v python3 >/dev/null || { echo "FAIL: python3 missing"; exit 1; }

id=$$
NT=hdT$id NC=hdC$id VT=hdT$id VC=hdC$id
WORK=$(mktemp -d /tmp/aoe-hard.XXXXXX)
pids=()
tpid=
cleanup() {
    local rc=$?
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    sleep 0.3
    for ns in $NT $NC; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
    done
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT INT TERM
fail() {
    echo "FAIL: $*"
    [ -f "$WORK/target.log" ] && tail -30 "$WORK/target.log"
    exit 1
}

ip netns add $NT
ip netns add $NC
# No IPv6 (router/neighbour solicitations) on the link: the target must see only our frames,
# so the suite can assert frames_in grew by exactly the number of frames it sent.
for ns in $NT $NC; do ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1; done
ip link add $VT type veth peer name $VC
ip link set $VT netns $NT
ip link set $VC netns $NC
ip -n $NT link set $VT up
ip -n $NC link set $VC up
ip -n $NC link set $VC promisc on  # replies to spoofed source MACs reach the raw socket too

RO=$WORK/ro.img RW=$WORK/rw.img
case $MODE in
  badframes) head -c $(( (16 << 20) + 512 * 5 )) /dev/urandom > "$RO" ;;      # odd sector count
  flood)     head -c $(( (64 << 20) + 512 * 3 )) /dev/urandom > "$RO" ;;
  netem)     head -c $(( (256 << 20) + 512 * 3 )) /dev/urandom > "$RO" ;;     # decisions.md: >= 256 MiB
  *) fail "unknown mode $MODE" ;;
esac
head -c $(( 1 << 20 )) /dev/urandom > "$RW"

ip netns exec $NT "$TARGET" --iface $VT --export 0.1="$RO" --export 0.2="$RW,rw" 2> "$WORK/target.log" &
tpid=$!; pids+=($tpid)
for _ in $(seq 100); do grep -q "aoe-target: ready" "$WORK/target.log" && break; sleep 0.1; done
grep -q "aoe-target: ready" "$WORK/target.log" || fail "target did not start"

C() { ip netns exec $NC "$CLIENT" --iface $VC "$@"; }
read_all() { # label; prints one line with MiB/s, fails unless byte-identical
    C --target 0.1 --window 64 read-all --compare "$RO" > "$WORK/read" 2>&1 || { cat "$WORK/read"; fail "read-all ($1)"; }
    grep -q "compare: identical" "$WORK/read" || { cat "$WORK/read"; fail "read-all compare ($1)"; }
    echo "$1: $(grep '^read ' "$WORK/read")"
}
stop_target() { # clean stop; prints the exit statistics
    kill -TERM $tpid
    wait $tpid || { tpid=; fail "target exit status"; }
    pids=(); tpid=
    grep -q "aoe-target: stopping" "$WORK/target.log" || fail "no clean stop"
    grep "aoe-target: frames in" "$WORK/target.log" | tail -1
}

case $MODE in
badframes)
    # Run everything even when a case fails (the read and the counters still say something).
    cases_ok=1
    ip netns exec $NC python3 "$HERE/badframes.py" --iface $VC --pid $tpid --ro "$RO" --rw "$RW" --mode cases ||
        cases_ok=0
    echo "== afterwards: the target still serves correct data and accounts for every frame"
    read_all "whole-image read after the bad frames"
    "$TARGET" --stats=$tpid --json > "$WORK/stats.json" || fail "--stats --json"
    python3 - "$WORK/stats.json" <<'EOF' || cases_ok=0
import json, sys
s = json.load(open(sys.argv[1]))["stats"]
print(f"stats: frames_in={s['frames_in']} replies={s['replies']} dropped={s['dropped']} silent={s['silent']} "
      f"forwarded={s['forwarded']} imissed={s['imissed']} drop_tx_full={s['drop_tx_full']}")
if "replied" not in s:
    print("FAIL: aoe-target --stats --json has no 'replied' counter: frames_in cannot be checked against "
          "replied + dropped + silent + forwarded")
    sys.exit(1)
tot = s["replied"] + s["dropped"] + s["silent"] + s["forwarded"]
ok = s["frames_in"] == tot
print(f"{'ok' if ok else 'FAIL'}: frames_in {s['frames_in']} vs replied+dropped+silent+forwarded {tot}")
sys.exit(0 if ok else 1)
EOF
    stop_target
    [ $cases_ok = 1 ] || fail "malformed-frame cases (see the FAIL lines above)"
    ;;
flood)
    # 1: the flood alone: every flood frame that reached the engine is answered or counted
    # as drop_rate_limited; frames the kernel ring dropped show as veth RX minus frames_in.
    rx0=$(ip -n $NT -s -j link show $VT | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])')
    ip netns exec $NC python3 "$HERE/badframes.py" --iface $VC --pid $tpid --ro "$RO" --rw "$RW" --mode flood-alone \
        --flood-seconds 3 || fail "flood alone"
    rx1=$(ip -n $NT -s -j link show $VT | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])')
    echo "target veth received $((rx1 - rx0)) frames during the flood (kernel counter; the difference to" \
         "frames_in was lost in the af_packet ring: reported, see README)"
    # 2: a legitimate reader during a flood: byte-identical data (throughput reported)
    read_all "baseline read (no flood)"
    ip netns exec $NC python3 "$HERE/badframes.py" --iface $VC --pid $tpid --ro "$RO" --rw "$RW" --mode flood \
        --flood-seconds 6 > "$WORK/flood.log" 2>&1 &
    fpid=$!; pids+=($fpid)
    sleep 1
    read_all "read during the flood"
    wait $fpid || { cat "$WORK/flood.log"; fail "flood checks"; }
    cat "$WORK/flood.log"
    stop_target
    ;;
netem)
    # netem on the client's egress (requests) and the target's egress (replies); the target's
    # af_packet port uses qdisc_bypass, so its side is shaped on the kernel peer instead:
    # the client veth's ingress is not shapeable without ifb, hence both qdiscs on the client
    # side (requests) plus the target veth (replies go through the kernel only when not bypassed).
    for cond in clean "loss 1%" "duplicate 1%" "delay 1ms 1ms reorder 25% 50%" "loss 1% duplicate 1% delay 1ms reorder 10%"; do
        if [ "$cond" != clean ]; then
            # shellcheck disable=SC2086
            ip netns exec $NC tc qdisc replace dev $VC root netem $cond
        fi
        read_all "netem ${cond}"
        ip netns exec $NC tc -s qdisc show dev $VC | grep -E "Sent|netem" | tr '\n' ' '; echo
        ip netns exec $NC tc qdisc del dev $VC root 2>/dev/null || true
    done
    stop_target
    ;;
esac
echo "PASS $MODE"
