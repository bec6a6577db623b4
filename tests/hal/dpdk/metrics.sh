#!/usr/bin/env bash
# Integration test of `aoe-target --metrics` (hal/dpdk/metrics.cpp): aoe-target in a network
# namespace of its own, joined to a client namespace by a veth, serves Prometheus metrics on
# the namespace's loopback. aoe-client drives a known number of reads; /metrics is scraped with
# curl while they run and after, and the test fails unless
#  - a scrape during the load answered, with a read count between 0 and the final one;
#  - the final read counters equal what aoe-client sent (4 whole-image passes of 2-sector reads:
#    reads, sector bytes, IDENTIFYs; within its retransmits if it had any), and agree with
#    `aoe-target --stats --json` (one snapshot behind both);
#  - `promtool check metrics` (Debian's prometheus) finds nothing wrong with the text;
#  - a bad --metrics value, a bad `metrics =` line and a port in use are refused with
#    messages naming the option and value;
#  - a second target serving another image as e0.1 shows as aoe_target_peers{verdict="differs"};
#  - every metric the Grafana dashboard (dist/grafana/aoe-target.json) queries is in the scrape;
#  - civetweb's threads run on the CPUs of EAL's control threads;
#  - the allocation probe saw no allocation or lock on an lcore while scrapes ran.
# Usage: metrics.sh AOE-TARGET AOE-CLIENT PROBE_LIB DASHBOARD
set -euo pipefail
TARGET=$1 CLIENT=$2 PROBE=$3 DASHBOARD=$4
[ "$(id -u)" -eq 0 ] || { echo "FAIL: needs root (network namespaces)"; exit 1; }
for tool in curl promtool python3; do
    command -v $tool > /dev/null || { echo "FAIL: $tool not installed (scripts/setup installs it)"; exit 1; }
done

. "$(dirname "$0")/../../lib/netns.sh"
netns_begin aoem
VT=amT$id VC=amC$id
veth_link $NT $VT $NC $VC
ip -n $NT link set lo up
LISTEN=127.0.0.1:9469
tpid=
fail() {
    echo "FAIL: $*"
    if [ -n "$tpid" ] && kill -TERM "$tpid" 2>/dev/null; then wait "$tpid" || true; fi
    [ -f "$WORK/target.log" ] && tail -30 "$WORK/target.log"
    exit 1
}
scrape() { ip netns exec $NT curl -sS --max-time 5 "http://$LISTEN/metrics"; }
# value_of FILE 'SERIES' : the sample of one exact series ('name{labels}') in a scrape.
value_of() { awk -v s="$2" '$1 == s {print $2}' "$1"; }

IMG=$WORK/a.img
SECTORS=$(( 32768 * 2 + 3 ))   # odd: 32 MiB + 3 sectors
head -c $(( SECTORS * 512 )) /dev/urandom > "$IMG"
PASSES=4

echo "== refused values: exit 2 on the command line, 1 from the file, option and value named"
for bad in 1.2.3:80 127.0.0.1:0 127.0.0.1:65536 '[::1]:9469' localhost:9469 9469; do
    rc=0; "$TARGET" --iface lo --export 0.1="$IMG" --metrics "$bad" 2> "$WORK/err" || rc=$?
    cat "$WORK/err"
    [ $rc -eq 2 ] || fail "--metrics '$bad': exit status $rc, expected 2"
    grep -qF "aoe-target: --metrics '$bad': " "$WORK/err" || fail "--metrics '$bad': message"
done
printf 'iface = lo\nmetrics = 10.0.0.300:1\nexport = 0.1=%s\n' "$IMG" > "$WORK/bad.conf"
rc=0; "$TARGET" --config "$WORK/bad.conf" 2> "$WORK/err" || rc=$?
cat "$WORK/err"
[ $rc -eq 1 ] || fail "metrics = in a file: exit status $rc, expected 1"
grep -qF "aoe-target: $WORK/bad.conf:2: metrics '10.0.0.300:1': " "$WORK/err" || fail "config file message"

echo "== aoe-target with metrics = $LISTEN from its configuration file"
printf 'iface = %s\nmetrics = %s\nexport = 0.1=%s\npeer-interval = 1\n' $VT $LISTEN "$IMG" > "$WORK/aoe-target.conf"
LD_PRELOAD=$PROBE ip netns exec $NT "$TARGET" --config "$WORK/aoe-target.conf" 2> "$WORK/target.log" &
pids+=($!); tpid=$!
for _ in $(seq 100); do grep -q "aoe-target: ready" "$WORK/target.log" && break; sleep 0.1; done
grep -q "aoe-target: ready" "$WORK/target.log" || fail "target did not start"
grep "aoe-target: metrics on http://$LISTEN/metrics" "$WORK/target.log" || fail "no metrics line"
# civetweb's threads run on EAL's control CPUs (those of eal-intr-thread), not an lcore's.
cpus_of() {
    local t
    for t in /proc/$tpid/task/*; do
        if [ "$(cat $t/comm)" = "$1" ]; then grep Cpus_allowed_list $t/status | cut -f2; fi
    done | sort -u
}
ctrl=$(cpus_of eal-intr-thread) http=$(for n in civetweb-master civetweb-worker; do cpus_of $n; done | sort -u)
echo "CPUs: EAL control threads $ctrl, civetweb threads $http, main lcore $(cpus_of aoe-target | head -1)"
[ -n "$ctrl" ] && [ "$http" = "$ctrl" ] || fail "civetweb threads on CPUs '$http', EAL's control threads on '$ctrl'"
scrape > "$WORK/m0" || fail "curl before the load"
[ "$(value_of "$WORK/m0" aoe_target_serving)" = 1 ] || fail "aoe_target_serving is not 1"
[ "$(value_of "$WORK/m0" 'aoe_target_export_reads_total{export="e0.1"}')" = 0 ] || fail "reads before the load"

echo "== a second aoe-target on the same port is refused"
rc=0; ip netns exec $NT "$TARGET" --iface $VT --export 0.1="$IMG" --metrics $LISTEN 2> "$WORK/err2" || rc=$?
cat "$WORK/err2"
[ $rc -eq 1 ] || fail "port in use: exit status $rc, expected 1"
grep -qF "aoe-target: --metrics '$LISTEN': cannot listen: " "$WORK/err2" || fail "port in use: message"
grep -qi "in use" "$WORK/err2" || fail "port in use: the message does not say the address is in use"

echo "== load: $PASSES passes of aoe-client read-all, 2 sectors a request, scraped while they run"
(
    for p in $(seq $PASSES); do
        ip netns exec $NC "$CLIENT" --iface $VC --target 0.1 --window 4 --sectors 2 read-all \
            --compare "$IMG" > "$WORK/read.$p" 2>&1 || exit 1
    done
) &
cpid=$!; pids+=($cpid)
n=0
while kill -0 $cpid 2>/dev/null; do
    scrape > "$WORK/during.$n" 2>/dev/null && n=$((n + 1))
    sleep 0.05
done
wait $cpid || { cat "$WORK"/read.*; fail "aoe-client read-all"; }
cat "$WORK"/read.*
[ "$(grep -c "compare: identical" "$WORK"/read.*  | awk -F: '{s += $2} END {print s}')" -eq $PASSES ] || fail "read-all compare"
# aoe-client counts every frame it sent in "requests": one IDENTIFY and the reads, with their
# retransmits. What the target must have seen: every read at least once, retransmits on top.
retrans=$(cat "$WORK"/read.* | sed -n 's/.*retransmits \([0-9]*\),.*/\1/p' | awk '{s += $1} END {print s + 0}')
expect=$(( PASSES * ((SECTORS + 1) / 2) ))

scrape > "$WORK/m1" || fail "curl after the load"
reads=$(value_of "$WORK/m1" 'aoe_target_export_reads_total{export="e0.1"}')
rbytes=$(value_of "$WORK/m1" 'aoe_target_export_read_bytes_total{export="e0.1"}')
idents=$(value_of "$WORK/m1" 'aoe_target_export_identify_total{export="e0.1"}')
echo "driven: $expect reads ($PASSES x $(( (SECTORS + 1) / 2 ))), $PASSES IDENTIFYs, client retransmits $retrans"
echo "/metrics: reads $reads, read bytes $rbytes, identify $idents"
mid=""
for f in "$WORK"/during.*; do
    [ -f "$f" ] || continue
    r=$(value_of "$f" 'aoe_target_export_reads_total{export="e0.1"}')
    if [ -n "$r" ] && [ "$r" -gt 0 ] && [ "$r" -lt "$reads" ]; then mid=$r; fi
done
echo "scrapes during the load: $n (the last partial one saw reads=${mid:-none})"
[ -n "$mid" ] || fail "no scrape answered while the reads were running"
if [ "$retrans" -eq 0 ]; then
    [ "$reads" -eq "$expect" ] || fail "reads_total $reads != $expect driven"
    [ "$rbytes" -eq $(( PASSES * SECTORS * 512 )) ] || fail "read_bytes_total $rbytes != $(( PASSES * SECTORS * 512 ))"
    [ "$idents" -eq "$PASSES" ] || fail "identify_total $idents != $PASSES"
else # a retransmitted read reached the target twice (or its first copy was lost on the way)
    [ "$reads" -ge "$expect" ] && [ "$reads" -le $(( expect + retrans )) ] ||
        fail "reads_total $reads outside $expect..$(( expect + retrans ))"
fi
requests=$expect
zc=$(value_of "$WORK/m1" 'aoe_target_data_replies_total{port="net_af_packet0",queue="0",path="zero_copy"}')
[ "${zc:-0}" -ge "$requests" ] || fail "zero-copy replies $zc < $requests"
cmac=$(ip -n $NC -o link show $VC | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
cframes=$(value_of "$WORK/m1" "aoe_target_client_frames_in_total{client=\"$cmac\"}")
[ "${cframes:-0}" -ge "$requests" ] || fail "per-client frames for $cmac: ${cframes:-none}"

echo "== /metrics and --stats agree (the same snapshot)"
"$TARGET" --stats=$tpid --json > "$WORK/stats.json" || fail "--stats"
scrape > "$WORK/m2" || fail "curl"
python3 - "$WORK/stats.json" "$WORK/m2" <<'PY' || fail "--stats and /metrics disagree"
import json, sys
st = json.load(open(sys.argv[1]))
ex = st["exports"]
i = ex["export"].index("e0.1")
m = {}
for line in open(sys.argv[2]):
    if line and not line.startswith("#"):
        k, v = line.rsplit(" ", 1)
        m[k] = float(v)
for key, series in [("reads", 'aoe_target_export_reads_total{export="e0.1"}'),
                    ("read_bytes", 'aoe_target_export_read_bytes_total{export="e0.1"}'),
                    ("identify", 'aoe_target_export_identify_total{export="e0.1"}')]:
    print(f"--stats {key}={ex[key][i]}  /metrics {series}={m[series]:.0f}")
    assert ex[key][i] == m[series], key
PY

echo "== a peer serving another image as e0.1: its verdict in /metrics"
head -c $(( SECTORS * 512 )) /dev/urandom > "$WORK/other.img"
ip netns exec $NC "$TARGET" --iface $VC --export 0.1="$WORK/other.img" 2> "$WORK/peer.log" &
pids+=($!)
pmac=$(ip -n $NC -o link show $VC | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
for _ in $(seq 150); do grep -q "DIFFERENT image" "$WORK/target.log" && break; sleep 0.1; done
grep "DIFFERENT image" "$WORK/target.log" || fail "the target did not notice the peer with another image"
scrape > "$WORK/m3" || fail "curl with a peer"
grep -E '^aoe_target_peer' "$WORK/m3"
[ "$(value_of "$WORK/m3" 'aoe_target_peers{verdict="differs"}')" = 1 ] || fail "aoe_target_peers{verdict=differs} is not 1"
grep -q "^aoe_target_peer_info{port=\"net_af_packet0\",export=\"e0.1\",peer=\"$pmac\",verdict=\"differs\"," "$WORK/m3" ||
    fail "no aoe_target_peer_info series for $pmac"

echo "== promtool check metrics (after the load, and with a peer)"
for m in m1 m3; do
    promtool check metrics < "$WORK/$m" > "$WORK/promtool" 2>&1 || { cat "$WORK/promtool"; fail "promtool check metrics ($m)"; }
    [ -s "$WORK/promtool" ] && { cat "$WORK/promtool"; fail "promtool printed findings ($m)"; }
    echo "promtool check metrics: OK, nothing to report ($m: $(grep -c '^# TYPE' "$WORK/$m") metric families, $(grep -vc '^#' "$WORK/$m") samples)"
done
grep -E '^aoe_target_(export_reads_total|export_read_bytes_total|data_replies_total|serving|info)' "$WORK/m1"

echo "== the dashboard's metrics are the ones served"
python3 - "$DASHBOARD" "$WORK/m3" <<'PY' || fail "the dashboard queries metrics aoe-target does not serve"
import json, re, sys
dash = json.load(open(sys.argv[1]))
exprs = []
def walk(x):
    if isinstance(x, dict):
        for k, v in x.items():
            if k in ("expr", "query", "definition") and isinstance(v, str): exprs.append(v)
            else: walk(v)
    elif isinstance(x, list):
        for v in x: walk(v)
walk(dash)
wanted = set()
for e in exprs: wanted |= set(re.findall(r"\b(aoe_target_\w+|process_start_time_seconds)\b", e))
served = {l.split()[2] for l in open(sys.argv[2]) if l.startswith("# TYPE ")}
missing = sorted(wanted - served)
print(f"dashboard: {len(exprs)} queries over {len(wanted)} metrics; not served: {missing or 'none'}")
assert not missing
PY

kill -TERM $tpid
wait $tpid || { tpid=; fail "target exit status"; }
tpid=; pids=()
grep "aoe-target: stopping" "$WORK/target.log" || fail "no clean stop"
probe=$(grep "aoe-probe:" "$WORK/target.log" || true)
echo "$probe"
[[ $probe =~ armed_threads=[1-9][0-9]*\ allocs=0\ frees=0\ mutex_locks=0\ rte_allocs=0 ]] || fail "allocation probe: $probe"
echo "PASS metrics"
