#!/usr/bin/env bash
# Soak test of a live aoe-target: one target in a network namespace, aoe-bench
# in another impersonating many client MACs (a boot storm that does not stop), random reads
# with --verify, for SECONDS split into INTERVALS back-to-back aoe-bench runs so throughput
# over time can be compared. The target allocates nothing after start-up, so:
#   - its VmRSS / VmHWM (sampled before, every second during, and after the load) must not grow
#     by more than SOAK_RSS_BOUND_KIB (default 1024) after the warm-up (the first interval,
#     which faults in the image mapping and the mbuf pool pages);
#   - every frame it received is accounted for: frames_in = replied + dropped + silent +
#     forwarded (telemetry, at the end, with the load stopped);
#   - aoe-bench reports 0 errors and 0 verify mismatches in every interval.
# Throughput of the first vs the last interval is reported, never asserted (docs/decisions.md: the
# machine is shared; a ratio would fail on someone else's build).
# Usage: soak.sh TARGET BENCH SECONDS INTERVALS [CLIENTS]
# Env: SOAK_RSS_BOUND_KIB (1024), SOAK_IMAGE_MIB (64), SOAK_DEPTH (64), SOAK_KEEP=DIR (copy the
# raw JSON and samples there).
# Unique names per run; namespaces, links and processes removed on every exit path.
set -euo pipefail
TARGET=$1 BENCH=$2 SECONDS_TOTAL=$3 INTERVALS=$4 CLIENTS=${5:-500}
BOUND_KIB=${SOAK_RSS_BOUND_KIB:-1024} IMAGE_MIB=${SOAK_IMAGE_MIB:-64} DEPTH=${SOAK_DEPTH:-64}
[ "$(id -u)" -eq 0 ] || { echo "FAIL: needs root (network namespaces)"; exit 1; }
command -v python3 >/dev/null || { echo "FAIL: python3 missing"; exit 1; }
[ -x "$TARGET" ] || { echo "FAIL: aoe-target not built: $TARGET"; exit 1; }
[ -x "$BENCH" ] || { echo "FAIL: aoe-bench not built: $BENCH"; exit 1; }
[ "$INTERVALS" -ge 2 ] || { echo "FAIL: need >= 2 intervals (the first is the warm-up)"; exit 1; }
INTERVAL_S=$(python3 -c "print(f'{$SECONDS_TOTAL / $INTERVALS:g}')")

. "$(dirname "$0")/../lib/netns.sh"
netns_on_cleanup() {
    [ -n "${SOAK_KEEP:-}" ] || return 0
    mkdir -p "$SOAK_KEEP"
    cp "$WORK"/*.json "$WORK"/*.txt "$WORK"/*.log "$SOAK_KEEP"/ 2>/dev/null || true
}
netns_begin sk
VT=skt$id VC=skc$id
tpid=
fail() {
    echo "FAIL: $*"
    [ -f "$WORK/target.log" ] && tail -20 "$WORK/target.log"
    exit 1
}

# No IPv6 chatter on the link: the target sees only aoe-bench's frames.
netns_no_ipv6 $NT $NC
veth_link $NT $VT $NC $VC
# aoe-bench sends from CLIENTS spoofed source MACs: the replies to them must reach its socket.
ip -n $NC link set $VC promisc on

RO=$WORK/ro.img
head -c $(( (IMAGE_MIB << 20) + 512 * 3 )) /dev/urandom > "$RO"   # odd sector count

ip netns exec $NT "$TARGET" --iface $VT --export 0.1="$RO" 2> "$WORK/target.log" &
tpid=$!; pids+=($tpid)
for _ in $(seq 100); do grep -q "aoe-target: ready" "$WORK/target.log" && break; sleep 0.1; done
grep -q "aoe-target: ready" "$WORK/target.log" || fail "target did not start"

rss() { # "VmRSS VmHWM RssAnon" of the target in KiB
    awk '/^VmRSS:/{r=$2} /^VmHWM:/{h=$2} /^RssAnon:/{a=$2} END{print r, h, a}' /proc/$tpid/status
}
sample() { # label; appends "label t VmRSS VmHWM RssAnon" to rss.txt
    [ -d /proc/$tpid ] || fail "aoe-target (pid $tpid) died: $1"
    echo "$1 $(date +%s.%N) $(rss)" >> "$WORK/rss.txt"
}
stats() { # file: the target's telemetry as JSON
    "$TARGET" --stats=$tpid --json > "$1" || fail "aoe-target --stats=$tpid --json"
}

echo "soak: $CLIENTS clients, ${SECONDS_TOTAL} s as $INTERVALS runs of ${INTERVAL_S} s, random reads, depth $DEPTH," \
     "--verify, ${IMAGE_MIB} MiB image; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
sleep 1
sample before
stats "$WORK/stats-0.json"

# RSS every second while the load runs (a transient growth freed before the interval ends
# would still show in VmHWM; this shows when it happened).
( while [ -d /proc/$tpid ]; do echo "during $(date +%s.%N) $(rss)" >> "$WORK/rss.txt" 2>/dev/null || true; sleep 1; done ) &
pids+=($!)

bench_fail=0
for i in $(seq 1 "$INTERVALS"); do
    echo "$(cut -d' ' -f1 /proc/loadavg)" > "$WORK/load-$i.txt"
    set +e
    ip netns exec $NC "$BENCH" --no-progress --json --target 0.1 --clients "$CLIENTS" --depth "$DEPTH" --random \
        --seed "$i" --duration "$INTERVAL_S" --verify "$RO" $VC > "$WORK/bench-$i.json" 2> "$WORK/bench-$i.log"
    rc=$?
    set -e
    sample "after-$i"
    stats "$WORK/stats-$i.json"
    if [ $rc -ne 0 ]; then
        echo "aoe-bench interval $i exited $rc:"; tail -5 "$WORK/bench-$i.log"; bench_fail=1
        python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$WORK/bench-$i.json" 2>/dev/null ||
            fail "aoe-bench interval $i printed no JSON"
    fi
done
sleep 1   # the last retransmits and replies settle before the final counters
sample after
stats "$WORK/stats-end.json"

python3 - "$WORK" "$INTERVALS" "$BOUND_KIB" "$CLIENTS" <<'PY' || fail "soak checks (see the FAIL lines above)"
import json, sys
work, n, bound, clients = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
ok = True
def bad(msg):
    global ok
    ok = False
    print("FAIL: " + msg)

print("interval  load   seconds  commands    MB/s   p50us  p99us  retx    errors mismatch  VmRSS KiB")
rows = [l.split() for l in open(f"{work}/rss.txt")]
after = {r[0]: r for r in rows if not r[0] == "during"}
total_cmds = total_bytes = total_retx = total_s = 0
mbs = []
for i in range(1, n + 1):
    b = json.load(open(f"{work}/bench-{i}.json"))
    load = open(f"{work}/load-{i}.txt").read().strip()
    e = b["error_detail"]
    if b["config"]["clients"] != clients:
        bad(f"interval {i}: aoe-bench used {b['config']['clients']} clients, not {clients}")
    print(f"{i:8d}  {load:>5}  {b['seconds']:7.1f}  {b['commands']:8d}  {b['mb_per_s']:6.1f}  "
          f"{b['latency_us']['p50']:6.0f} {b['latency_us']['p99']:6.0f}  {b['retransmits']:5d}  "
          f"{b['errors']:8d} {e['mismatch']:8d}  {after[f'after-{i}'][2]:>9}")
    if b["errors"] != 0:
        bad(f"interval {i}: aoe-bench errors {b['errors']} ({e})")
    if e["mismatch"] != 0:
        bad(f"interval {i}: {e['mismatch']} verify mismatches")
    if b["commands"] <= 0 or b["verified_bytes"] <= 0:
        bad(f"interval {i}: no verified commands")
    total_cmds += b["commands"]; total_bytes += b["bytes"]; total_retx += b["retransmits"]; total_s += b["seconds"]
    mbs.append(b["mb_per_s"])
print(f"total: {total_s:.0f} s, {clients} clients, {total_cmds} commands, {total_bytes / 1e9:.2f} GB verified reads, "
      f"{total_retx} retransmits, {total_cmds / total_s:.0f} cmds/s")
print(f"throughput: first interval {mbs[0]:.1f} MB/s, last {mbs[-1]:.1f} MB/s (last/first {mbs[-1] / mbs[0]:.2f}; "
      f"min {min(mbs):.1f}, max {max(mbs):.1f}; second {mbs[1]:.1f}, after the warm-up; reported, not asserted)")

# Memory: the baseline is the sample after the warm-up interval.
kib = lambda r: (int(r[2]), int(r[3]), int(r[4]))
before, warm, end = kib(after["before"]), kib(after["after-1"]), kib(after["after"])
t_warm = float(after["after-1"][1])
later = [kib(r) for r in rows if float(r[1]) > t_warm]
max_rss = max(r[0] for r in later)
max_anon = max(r[2] for r in later)
print(f"memory KiB (VmRSS / VmHWM / RssAnon): before load {before[0]} / {before[1]} / {before[2]}, "
      f"after warm-up {warm[0]} / {warm[1]} / {warm[2]}, end {end[0]} / {end[1]} / {end[2]}; "
      f"max VmRSS after warm-up {max_rss} ({len(later)} samples)")
if max_rss - warm[0] > bound:
    bad(f"VmRSS grew by {max_rss - warm[0]} KiB after the warm-up (bound {bound})")
if end[1] - warm[1] > bound:
    bad(f"VmHWM grew by {end[1] - warm[1]} KiB after the warm-up (bound {bound})")
if max_anon - warm[2] > bound:
    bad(f"RssAnon grew by {max_anon - warm[2]} KiB after the warm-up (bound {bound})")

# Counters: every frame received is answered, dropped, silent or forwarded.
s = json.load(open(f"{work}/stats-end.json"))["stats"]
s0 = json.load(open(f"{work}/stats-0.json"))["stats"]
tot = s["replied"] + s["dropped"] + s["silent"] + s["forwarded"]
print(f"target counters at the end: frames_in {s['frames_in']} = replied {s['replied']} + dropped {s['dropped']} + "
      f"silent {s['silent']} + forwarded {s['forwarded']} ({tot}); replies {s['replies']}, "
      f"imissed {s['imissed']}, drop_tx_full {s['drop_tx_full']}, drop_no_buffer {s['drop_no_buffer']}, "
      f"drop_rate_limited {s['drop_rate_limited']}")
if s["frames_in"] != tot:
    bad(f"frames_in {s['frames_in']} != replied + dropped + silent + forwarded {tot}")
if s["frames_in"] - s0["frames_in"] < total_cmds:
    bad(f"target saw {s['frames_in'] - s0['frames_in']} frames, fewer than the {total_cmds} commands aoe-bench completed")
for i in range(1, n + 1):
    si = json.load(open(f"{work}/stats-{i}.json"))["stats"]
    ti = si["replied"] + si["dropped"] + si["silent"] + si["forwarded"]
    if si["frames_in"] != ti:
        print(f"note: after interval {i}: frames_in {si['frames_in']} vs sum {ti} (a frame in flight when sampled)")
sys.exit(0 if ok else 1)
PY
[ $bench_fail = 0 ] || fail "aoe-bench exited non-zero in an interval"

kill -TERM $tpid
wait $tpid || { tpid=; pids=(); fail "target exit status"; }
pids=(); tpid=
grep -q "aoe-target: stopping" "$WORK/target.log" || fail "no clean stop"
grep "frames in" "$WORK/target.log" | tail -1 || true
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "PASS soak"
