#!/usr/bin/env bash
# Integration test of boot traces: aoe-target --trace and aoe-bench --replay in two
# network namespaces joined by a veth pair (net_af_packet on both ends).
#  1. aoe-target --trace (under the allocation probe) records exactly the reads a client drove:
#     aoe-bench reads a whole image once at depth 1, then 4 client MACs read at random; every
#     line of the trace is checked against what aoe-bench sent (client MAC, command, LBA,
#     sector count), the count against aoe-target's own read counter, and nothing is lost.
#     The lcores still allocate, free and lock nothing with tracing on.
#  2. aoe-bench --replay of that small trace with 8 clients and a ramp against aoe-target (which
#     traces again): zero errors, every client finished, every byte verified against the image,
#     and the second trace holds, per replaying client, exactly the frames of the first.
#  3. A trace that reads beyond the export is refused, naming the trace's file and line.
#  4. With --queues 2 (a worker lcore behind software dispatch) each lcore's ring feeds the one
#     file: every served read is there, nothing lost.
# Asserts counts and data, never timing (docs/decisions.md).
# Usage: trace_replay.sh AOE-TARGET AOE-BENCH PROBE-LIB
set -euo pipefail
TARGET=$1 BENCH=$2 PROBE=$3
[ "$(id -u)" -eq 0 ] || { echo "FAIL: needs root (network namespaces)"; exit 1; }
. "$(dirname "$0")/../lib/netns.sh"
netns_begin tr
VT=trt$id VC=trc$id
fail() {
    echo "FAIL: $*"
    [ -f "$WORK/target.log" ] && grep -v "^EAL\|TELEMETRY" "$WORK/target.log" | tail -20
    exit 1
}
veth_link $NT $VT $NC $VC

IMG=$WORK/img
head -c $(( (4 << 20) + 512 * 3 )) /dev/urandom > "$IMG" # 8195 sectors: an odd count
SECTORS=8195

start_target() { # trace file [more aoe-target options]
    local trace=$1
    shift
    LD_PRELOAD=$PROBE ip netns exec $NT "$TARGET" --iface $VT --export 0.1="$IMG" --trace "$trace" \
        "$@" 2> "$WORK/target.log" &
    tpid=$!
    pids+=($tpid)
    for _ in $(seq 100); do grep -q "aoe-target: ready" "$WORK/target.log" && break; sleep 0.1; done
    grep -q "aoe-target: ready" "$WORK/target.log" || fail "target did not start"
}
stop_target() {
    kill -TERM $tpid
    wait $tpid || fail "target exit status"
    pids=()
    grep -q "aoe-target: trace: .* lost$" "$WORK/target.log" || fail "no trace summary"
    probe=$(grep "aoe-probe:" "$WORK/target.log" || true)
    echo "$probe"
    [[ $probe =~ armed_threads=[1-9][0-9]*\ allocs=0\ frees=0\ mutex_locks=0\ rte_allocs=0 ]] ||
        fail "allocation probe with --trace on: $probe"
}
B() { ip netns exec $NC "$BENCH" --target 0.1 --no-progress --json "$@" $VC; }

echo "== 1. aoe-target --trace records what aoe-bench drove"
start_target "$WORK/one.trace.gz"
B --depth 1 --bytes $(( SECTORS * 512 )) --verify "$IMG" > "$WORK/seq.json" || fail "sequential reads"
B --depth 16 --random --clients 4 --duration 1 --verify "$IMG" > "$WORK/rnd.json" || fail "random reads"
stop_target
python3 - "$WORK/one.trace.gz" "$WORK/seq.json" "$WORK/rnd.json" "$WORK/target.log" "$SECTORS" <<'PY' || fail "trace does not match the reads driven"
import collections, gzip, json, re, sys
path, seqp, rndp, logp, sectors = sys.argv[1:6]
sectors = int(sectors)
lines = gzip.open(path, "rt").read().splitlines()
assert lines[0] == "# aoeboot-trace 1", lines[0]
assert any(l.startswith("# export e0.1 ") and f"sectors {sectors}" in l for l in lines), "export header"
assert re.match(r"# end: \d+ commands written, 0 lost", lines[-1]), lines[-1]
rows = [l.split() for l in lines if not l.startswith("#")]
seq, rnd = json.load(open(seqp)), json.load(open(rndp))
assert seq["errors"] == 0 and rnd["errors"] == 0
# aoe-target's own count of reads served (its exit statistics).
served = int(re.search(r"stat export e0\.1 .* reads=(\d+)", open(logp).read()).group(1))
reads = [r for r in rows if r[2] == "24"]
assert len(reads) == served, (len(reads), served)
# Each run: an IDENTIFY, then its reads. The sequential run is the first client's reads in
# order (a retransmission repeats a line; the LBA never goes backwards).
macs = collections.OrderedDict()
for r in rows: macs.setdefault(r[1], []).append(r)
first = next(iter(macs))
seq_rows = [r for r in macs[first] if r[2] == "24"]
lbas = [int(r[3]) for r in seq_rows]
n_seq = seq["commands_total"] + seq["retransmits"]
seq_part = seq_rows[:n_seq]
want, at = [], 0
while at < sectors:
    n = min(2, sectors - at); want.append((at, n)); at += n
got = []
for r in seq_part:
    t = (int(r[3]), int(r[4]))
    if not got or got[-1] != t: got.append(t)
assert got == want, f"sequential reads differ: first {got[:3]} ... last {got[-3:]}, want {want[-3:]}"
# The random run: 4 source MACs, every read 2 sectors (or the odd tail) inside the image.
assert len(macs) == 4, f"expected 4 client MACs in the trace, found {len(macs)}: {list(macs)}"
# Every completed command was served at least once; a retransmission at most once more.
done = seq["commands_total"] + rnd["commands_total"]
assert done <= len(reads) <= done + seq["retransmits"] + rnd["retransmits"], (len(reads), done)
for r in reads:
    assert int(r[3]) + int(r[4]) <= sectors and int(r[4]) in (1, 2), r
ids = [r for r in rows if r[2] == "ec"]
assert len(ids) == 2, f"expected one IDENTIFY per aoe-bench run, found {len(ids)}"
print(f"trace: {len(rows)} commands ({len(reads)} reads = aoe-target's {served}), {len(macs)} clients, "
      f"sequential run exact ({len(want)} reads)")
PY

echo "== 2. aoe-bench --replay of that trace, 8 clients over a 0.5 s ramp, --verify"
start_target "$WORK/two.trace"
B --replay "$WORK/one.trace.gz" --clients 8 --ramp 0.5 --verify "$IMG" --clients-out "$WORK/clients.json" \
    > "$WORK/replay.json" || { cat "$WORK/replay.json"; fail "aoe-bench --replay (exit $?)"; }
stop_target
python3 - "$WORK/replay.json" "$WORK/clients.json" "$WORK/one.trace.gz" "$WORK/two.trace" <<'PY' || fail "replay"
import collections, gzip, json, sys
j = json.load(open(sys.argv[1])); c = json.load(open(sys.argv[2]))
print(f"replay: {j['clients']} clients, {j['trace']['frames']} frames each, total {j['total_s']:.2f} s, "
      f"completion median {j['completion_s']['median']:.3f} s max {j['completion_s']['max']:.3f} s, "
      f"retransmits {j['retransmits']}, errors {j['errors']}, verified {j['verified_bytes']} bytes")
assert j["errors"] == 0, j.get("first_error")
assert j["finished"] == 8 and j["failed"] == 0
per = j["trace"]["bytes_per_client"]
assert j["verified_bytes"] == 8 * per, (j["verified_bytes"], per)
assert len(c["completion_s"]) == 8 and len(c["finish_at_s"]) == 8
# The replayed client is the one with the most reads of the first trace: the sequential run.
rows1 = [l.split() for l in gzip.open(sys.argv[3], "rt") if not l.startswith("#")]
mac1 = j["trace"]["client"]
want = []
for r in rows1:
    if r[1] == mac1 and r[2] == "24":
        t = (int(r[3]), int(r[4]))
        if not want or want[-1] != t: want.append(t)
rows2 = [l.split() for l in open(sys.argv[4]) if not l.startswith("#")]
by = collections.defaultdict(list)
for r in rows2:
    if r[2] == "24": by[r[1]].append((int(r[3]), int(r[4])))
assert len(by) == 8, f"expected 8 replaying MACs, found {len(by)}"
for mac, got in by.items():
    # Frames of one client may be answered out of order within its window; as a set (with
    # retransmissions) they are exactly the first trace's reads of that client.
    assert set(got) == set(want), f"{mac}: {len(set(got))} distinct frames, want {len(set(want))}"
print(f"second trace: 8 clients, each exactly the {len(want)} frames of the first trace's client")
PY

echo "== 3. a trace beyond the export is refused with its file and line"
{ echo "# aoeboot-trace 1"; echo "0 02:00:00:00:00:01 24 0 2"; echo "10 02:00:00:00:00:01 24 $SECTORS 2"; } > "$WORK/far.trace"
start_target "$WORK/three.trace"
set +e
B --replay "$WORK/far.trace" > /dev/null 2> "$WORK/far.err"; rc=$?
set -e
stop_target
[ $rc -eq 1 ] || fail "expected exit 1 for a trace beyond the export, got $rc"
grep -q "far.trace:3: reads up to sector $((SECTORS + 2)), beyond the export's $SECTORS sectors" "$WORK/far.err" ||
    fail "message: $(cat "$WORK/far.err")"
cat "$WORK/far.err"
echo "== 4. two queues (software dispatch to a worker lcore): one ring per lcore, nothing lost"
start_target "$WORK/four.trace" --queues 2
B --depth 32 --random --clients 8 --duration 1 --verify "$IMG" > "$WORK/q2.json" || fail "reads with --queues 2"
stop_target
python3 - "$WORK/four.trace" "$WORK/target.log" <<'PY' || fail "trace with two queues"
import re, sys
lines = open(sys.argv[1]).read().splitlines()
assert re.match(r"# end: \d+ commands written, 0 lost", lines[-1]), lines[-1]
rows = [l.split() for l in lines if not l.startswith("#")]
reads = [r for r in rows if r[2] == "24"]
log = open(sys.argv[2]).read()
served = int(re.search(r"stat export e0\.1 .* reads=(\d+)", log).group(1))
assert len(reads) == served, (len(reads), served)
macs = {r[1] for r in reads}
assert len(macs) == 8, macs
# Both lcores served some of them (the dispatcher hashes the source MAC).
q = [int(x) for x in re.findall(r"stat queue(\d+) frames_in=[1-9]", log)]
assert sorted(set(q)) == [0, 1], f"queues that served frames: {q}"
print(f"two queues: {len(reads)} reads traced = aoe-target's {served}, 8 clients, 0 lost")
PY
echo "PASS trace and replay"
