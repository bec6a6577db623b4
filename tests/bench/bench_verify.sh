#!/usr/bin/env bash
# Integration test of aoe-bench: aoe-target and aoe-bench (both through net_af_packet) in two
# network namespaces joined by a veth pair. aoe-bench runs a few seconds of sequential and
# random reads with --verify, several client MACs, and writes on a writable export; the test
# asserts zero errors and exact data, never throughput (docs/decisions.md).
# Usage: bench_verify.sh AOE-TARGET AOE-BENCH
set -euo pipefail
TARGET=$1 BENCH=$2
[ "$(id -u)" -eq 0 ] || { echo "FAIL: needs root (network namespaces)"; exit 1; }
. "$(dirname "$0")/../lib/netns.sh"
netns_begin ab
VT=abt$id VC=abc$id
fail() {
    echo "FAIL: $*"
    [ -f "$WORK/target.log" ] && tail -20 "$WORK/target.log"
    exit 1
}

veth_link $NT $VT $NC $VC

# Random data with an odd sector count, and a small writable image.
RO=$WORK/ro.img RW=$WORK/rw.img
head -c $(( (32 << 20) + 512 * 3 )) /dev/urandom > "$RO"
head -c $(( 4 << 20 )) /dev/urandom > "$RW"
ro_sum=$(sha256sum < "$RO"); rw_sum=$(sha256sum < "$RW")

ip netns exec $NT "$TARGET" --iface $VT --export 0.1="$RO" --export 0.2="$RW,rw" 2> "$WORK/target.log" &
pids+=($!)
for _ in $(seq 100); do grep -q "aoe-target: ready" "$WORK/target.log" && break; sleep 0.1; done
grep -q "aoe-target: ready" "$WORK/target.log" || fail "target did not start"

B() { ip netns exec $NC "$BENCH" --no-progress --json "$@" $VC; }
check() { # $1: name, $2: json file, $3: minimum verified bytes
    python3 - "$1" "$2" "$3" <<'PY' || fail "$1"
import json, sys
name, path, min_verified = sys.argv[1], sys.argv[2], int(sys.argv[3])
j = json.load(open(path))
print(f"{name}: {j['commands_total']} commands, {j['cmds_per_s']:.0f} cmds/s, errors {j['errors']}, "
      f"verified {j['verified_bytes']} bytes, retransmits {j['retransmits']}")
assert j["errors"] == 0, j["error_detail"]
assert j["commands_total"] > 0
assert j["verified_bytes"] >= min_verified, "not enough data verified"
PY
}

echo "== sequential reads, --verify, depth 32 (broadcast discovery picks e0.1 or e0.2: use --target)"
B --target 0.1 --depth 32 --duration 3 --verify "$RO" > "$WORK/seq.json" || fail "aoe-bench sequential (exit $?)"
check sequential "$WORK/seq.json" $((1 << 20))

echo "== random reads, 8 client MACs, --verify"
B --target 0.1 --depth 64 --random --clients 8 --duration 3 --verify "$RO" > "$WORK/rnd.json" || fail "aoe-bench random (exit $?)"
check random "$WORK/rnd.json" $((1 << 20))

echo "== the whole image once (--bytes), depth 1"
B --target 0.1 --depth 1 --bytes $(( (32 << 20) + 512 * 3 )) --verify "$RO" > "$WORK/all.json" || fail "aoe-bench --bytes"
check whole-image "$WORK/all.json" $(( (32 << 20) + 512 * 3 ))

echo "== writes of the file's own bytes on the writable export"
B --target 0.2 --depth 16 --write --duration 2 --verify "$RW" > "$WORK/w.json" || fail "aoe-bench --write"
check write "$WORK/w.json" 0
B --target 0.2 --depth 16 --duration 1 --verify "$RW" > "$WORK/wr.json" || fail "read-back after writes"
check read-back "$WORK/wr.json" 1

echo "== a mismatch is detected (verify against the other image) and exits 1"
set +e
B --target 0.2 --depth 4 --duration 1 --verify "$RO" > "$WORK/bad.json"; rc=$?
set -e
[ $rc -eq 1 ] || fail "expected exit 1 on a data mismatch, got $rc"
python3 -c "import json,sys; j=json.load(open(sys.argv[1])); assert j['error_detail']['mismatch']>0" "$WORK/bad.json" ||
    fail "mismatch not counted"

echo "== writes to the read-only export are ATA errors (exit 1)"
set +e
B --target 0.1 --depth 2 --write --duration 0.5 > "$WORK/ro.json"; rc=$?
set -e
[ $rc -eq 1 ] || fail "expected exit 1 for writes to a read-only export, got $rc"

kill -TERM "${pids[0]}"; wait "${pids[0]}" || fail "target exit status"
pids=()
[ "$(sha256sum < "$RO")" = "$ro_sum" ] || fail "read-only image changed"
[ "$(sha256sum < "$RW")" = "$rw_sum" ] || fail "writable image changed (we wrote its own bytes back)"
echo "PASS aoe-bench verify"
