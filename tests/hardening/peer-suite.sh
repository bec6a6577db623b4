#!/usr/bin/env bash
# Two aoe-targets on one segment export the same shelf.slot: each must find
# the other (target/peers.cpp: broadcast Query Config, adverts, IDENTIFY) and say whether the
# image is the same (serial = sampled content hash, so a copy of the file on another host
# matches) or different (a warning, counted in peer_conflicts, shown by --stats).
#   peer-suite.sh TARGET
# Namespaces A and B joined by one veth; A exports e0.1 (and e0.2, which B does not), B a copy
# of A's e0.1 file with another mtime and inode; then B restarts with a different image.
set -euo pipefail
TARGET=$1
HERE=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "FAIL: needs root (network namespaces)"; exit 1; }
. "$HERE/../lib/netns.sh"
netns_begin pe
VA=peA$id VB=peB$id
fail() {
    echo "FAIL: $*"
    for f in a b; do [ -f "$WORK/$f.log" ] && { echo "--- target $f:"; tail -20 "$WORK/$f.log"; }; done
    exit 1
}
netns_no_ipv6 $NT $NC
veth_link $NT $VA $NC $VB
MAC_A=$(ip netns exec $NT cat /sys/class/net/$VA/address)
MAC_B=$(ip netns exec $NC cat /sys/class/net/$VB/address)

head -c $(( (8 << 20) + 512 * 3 )) /dev/urandom > "$WORK/a.img"
cp "$WORK/a.img" "$WORK/b-copy.img"                 # another inode
touch -d '2001-02-03 04:05:06' "$WORK/b-copy.img"   # and another mtime: same content
head -c $(( 4 << 20 )) /dev/urandom > "$WORK/other.img"
head -c $(( (8 << 20) + 512 * 3 )) /dev/urandom > "$WORK/b-new.img" # same size, new bytes

start() { # ns iface log exports...
    local ns=$1 ifc=$2 log=$3; shift 3
    ip netns exec "$ns" "$TARGET" --iface "$ifc" --peer-interval 2 "$@" 2> "$WORK/$log" &
    pids+=($!)
    for _ in $(seq 100); do grep -q "aoe-target: ready" "$WORK/$log" && break; sleep 0.1; done
    grep -q "aoe-target: ready" "$WORK/$log" || fail "target ($log) did not start"
}
wait_line() { # log pattern seconds
    for _ in $(seq $(( $3 * 10 ))); do grep -q -- "$2" "$WORK/$1" && return 0; sleep 0.1; done
    fail "no line matching '$2' in $1 within $3 s"
}
stats() { "$TARGET" --stats="$1" --json; }
# check_peers PID PEER_MAC VERDICT CONFLICTS: exactly one peer row, as expected.
check_peers() {
    stats "$1" > "$WORK/stats.json" || fail "--stats=$1"
    python3 - "$WORK/stats.json" "$2" "$3" "$4" <<'PY' || fail "peer table of $1"
import json, sys
s = json.load(open(sys.argv[1]))
mac, verdict, conflicts = sys.argv[2], sys.argv[3], int(sys.argv[4])
p = s["peers"]
rows = list(zip(p["mac"], p["export"], p["verdict"], p["serial"], p["ours"], p["seen"]))
print("  peers:", rows, "peer_conflicts:", s["stats"].get("peer_conflicts"),
      "peer_probes:", s["stats"].get("peer_probes"))
assert len(rows) == 1, "want one peer row"
r = rows[0]
assert r[0] == mac and r[1] == "e0.1" and r[2] == verdict, r
assert (r[3] == r[4]) == (verdict == "same"), "serials vs verdict"
assert r[5] >= 1
assert s["stats"]["peer_conflicts"] == conflicts, s["stats"]["peer_conflicts"]
assert s["stats"]["peer_table_full"] == 0
PY
}

echo "== same image on two hosts (a copy: other inode and mtime)"
start $NT $VA a.log --export 0.1="$WORK/a.img" --export 0.2="$WORK/other.img"
A=${pids[-1]}
start $NC $VB b.log --export 0.1="$WORK/b-copy.img"
B=${pids[-1]}
serial_a=$(sed -n 's/.*serving e0\.1: .*serial \([0-9a-f]*\).*/\1/p' "$WORK/a.log")
serial_b=$(sed -n 's/.*serving e0\.1: .*serial \([0-9a-f]*\).*/\1/p' "$WORK/b.log")
[ -n "$serial_a" ] && [ "$serial_a" = "$serial_b" ] || fail "copies got serials '$serial_a' / '$serial_b'"
wait_line a.log "e0.1 is also served by $MAC_B on .* with the same image (serial $serial_a)" 10
wait_line b.log "e0.1 is also served by $MAC_A on .* with the same image (serial $serial_a)" 10
grep "also served" "$WORK/a.log" "$WORK/b.log" | sed 's/^/  /'
check_peers $A "$MAC_B" same 0
check_peers $B "$MAC_A" same 0
if grep -q "warning" "$WORK/a.log" "$WORK/b.log"; then fail "a warning for the same image"; fi

echo "== B restarts with a different image as e0.1"
kill -TERM $B; wait $B || fail "target b exit status"
pids=($A)
mv "$WORK/b.log" "$WORK/b1.log"
start $NC $VB b.log --export 0.1="$WORK/b-new.img"
B=${pids[-1]}
serial_b=$(sed -n 's/.*serving e0\.1: .*serial \([0-9a-f]*\).*/\1/p' "$WORK/b.log")
[ "$serial_b" != "$serial_a" ] || fail "a different image got the same serial $serial_a"
# B asks at start; A asks again within its 2 s interval.
wait_line b.log "warning: e0.1 is also served by $MAC_A on .* with a DIFFERENT image (its serial '$serial_a', ours '$serial_b')" 10
wait_line a.log "warning: e0.1 is also served by $MAC_B on .* with a DIFFERENT image (its serial '$serial_b', ours '$serial_a')" 15
grep "DIFFERENT" "$WORK/a.log" "$WORK/b.log" | sed 's/^/  /'
check_peers $A "$MAC_B" differs 1
check_peers $B "$MAC_A" differs 1
stats $A | python3 -c 'import json,sys; s=json.load(sys.stdin)["stats"]; f=s["frames_in"]; t=s["replied"]+s["dropped"]+s["silent"]+s.get("forwarded",0); print("  A: frames_in", f, "= replied+dropped+silent+forwarded", t); sys.exit(f!=t)' \
    || fail "A's counters do not add up"
echo "PASS: peers found both ways; same image recognised across copies; a different image warned and counted"
