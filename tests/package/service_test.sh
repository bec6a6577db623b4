#!/usr/bin/env bash
# The service story end to end, as systemd would run it (systemd is not PID 1 here):
# configure one export in the configuration files, start aoe-target with a NOTIFY_SOCKET
# listener (Type=notify readiness), read the export from a client, then add a second export
# and send SIGHUP while a client keeps reading the first one; a bad configuration and a
# removal follow. The reader must see no error at any time.
#
# Then the README's re-stage workflow: stage-pxe --name NEW --export-dir, reload, read; stage
# a newer build beside it, reload; stage-pxe --remove the old one, reload: it is retired.
#
# Usage: service_test.sh CLIENT build TARGET STAGE_PXE   programs from the build tree
#        service_test.sh CLIENT chroot ROOT    the package installed in ROOT: the unit's
#                                              ExecStart, Environment, capability bounding set and
#                                              NoNewPrivileges, a read-only root with private
#                                              /tmp and /home, and RuntimeDirectory (/run/dpdk)
# Needs root (network namespaces). Unique names per run; everything is removed on exit.
set -euo pipefail
CLIENT=$1 MODE=$2 ARG=$3 STAGE=${4:-/usr/bin/stage-pxe}
HERE=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "FAIL: needs root (network namespaces)"; exit 1; }

id=$$
NT=aoeST$id NC=aoeSC$id VT=sT$id VC=sC$id VT2=sT2$id VC2=sC2$id
WORK=$(mktemp -d /tmp/aoe-svc.XXXXXX)
pids=()
tpid=
cleanup() {
    local rc=$?
    [ -f "$WORK/stop" ] || touch "$WORK/stop"
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    [ -n "$tpid" ] && kill -TERM "$tpid" 2>/dev/null || true
    sleep 0.3
    for ns in $NT $NC; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
    done
    [ -n "${RUNDIR_HOST:-}" ] && rm -rf "$RUNDIR_HOST"
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT INT TERM
fail() {
    echo "FAIL: $*"
    [ -f "$WORK/target.log" ] && { echo "--- target log"; tail -40 "$WORK/target.log"; }
    [ -f "$WORK/notify.log" ] && { echo "--- notify log"; cat "$WORK/notify.log"; }
    exit 1
}
log() { echo "[$(date +%T.%3N)] $*"; }

# Where the configuration and images live: a private tree, or inside the chroot.
case $MODE in
  build) ROOT=$WORK/root; TARGET=$ARG; mkdir -p "$ROOT" ;;
  chroot) ROOT=$ARG ;;
  *) fail "unknown mode $MODE" ;;
esac
ETC=/etc/aoeboot SRV=/srv/aoeboot-test-$id
mkdir -p "$ROOT$ETC/exports.d" "$ROOT$SRV"
RUNDIR_HOST=$ROOT/run/aoeboot-test-$id
mkdir -p "$RUNDIR_HOST"
SOCK_IN=/run/aoeboot-test-$id/notify.sock # as the target sees it
if [ "$MODE" = build ]; then SOCK_IN=$RUNDIR_HOST/notify.sock; fi

# Images: random bytes with an odd sector count.
head -c $((48 * 1048576 + 512 * 7)) /dev/urandom >"$ROOT$SRV/a.img"
head -c $((8 * 1048576 + 512 * 3)) /dev/urandom >"$ROOT$SRV/b.img"

# Network: two veth pairs (the reader on one, the other clients on the second, so their
# AoE tags never meet in one socket).
ip netns add $NT
ip netns add $NC
for pair in "$VT $VC" "$VT2 $VC2"; do
    set -- $pair
    ip link add "$1" type veth peer name "$2"
    ip link set "$1" netns $NT
    ip link set "$2" netns $NC
    ip -n $NT link set "$1" up
    ip -n $NC link set "$2" up
done
ip -n $NT link set lo up # --metrics listens on the target namespace's loopback

# Configuration: the interfaces in the main file, one export in the export directory.
CONF=$ROOT$ETC/aoe-target.conf
if [ "$MODE" = build ]; then
    printf 'export-dir = %s\n' "$ROOT$ETC/exports.d" >"$CONF"
    IMG_IN=$ROOT$SRV # the target sees host paths
else
    grep -q "^export-dir = $ETC/exports.d" "$CONF" || fail "installed $CONF has no export-dir line"
    IMG_IN=$SRV
fi
printf 'iface = %s\niface = %s\n' $VT $VT2 >>"$CONF"
# Prometheus metrics, as an admin turns them on (the unit allows AF_INET; port above 1024).
printf 'metrics = 127.0.0.1:9469\n' >>"$CONF"
printf '# one export, like stage-pxe --export-dir writes\n0.1=%s/a.img\n' "$IMG_IN" \
    >"$ROOT$ETC/exports.d/a.conf"
log "configuration:"; sed 's/^/    /' "$CONF"; sed 's/^/    a.conf: /' "$ROOT$ETC/exports.d/a.conf"

python3 "$HERE/notify_listen.py" "$RUNDIR_HOST/notify.sock" "$WORK/notify.log" &
pids+=($!)
for _ in $(seq 50); do grep -q LISTENING "$WORK/notify.log" 2>/dev/null && break; sleep 0.1; done

start_target() {
    if [ "$MODE" = build ]; then
        ip netns exec $NT env NOTIFY_SOCKET="$SOCK_IN" "$TARGET" --config "$CONF" \
            >"$WORK/target.log" 2>&1 &
        tpid=$!
        return
    fi
    local unit=$ROOT/lib/systemd/system/aoe-target.service
    [ -f "$unit" ] || fail "unit not installed: $unit"
    local exec caps env
    exec=$(sed -n 's/^ExecStart=//p' "$unit")
    caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")
    env=$(sed -n 's/^Environment=//p' "$unit")
    grep -q '^NoNewPrivileges=yes' "$unit" || fail "unit lacks NoNewPrivileges=yes"
    grep -q '^ProtectSystem=strict' "$unit" || fail "unit lacks ProtectSystem=strict"
    local capset
    capset=$(echo "$caps" | tr 'A-Z' 'a-z' | sed 's/cap_//g; s/ \+/,+/g; s/^/-all,+/')
    log "ExecStart: $exec"
    log "capabilities: $capset (bounding, inheritable, ambient), no new privileges"
    mkdir -p "$ROOT/run/dpdk"
    # As systemd would: a mount namespace with the root read-only (ProtectSystem=strict),
    # private /tmp (PrivateTmp), empty /home (ProtectHome), writable /run/dpdk
    # (RuntimeDirectory), the API file systems, then the bounded capabilities.
    ip netns exec $NT unshare -m --propagation private sh -c '
        set -e
        R=$1; shift
        mount --bind "$R" "$R"; mount -o remount,bind,ro "$R"
        mount -t proc proc "$R/proc"; mount -t sysfs sysfs "$R/sys"; mount --rbind /dev "$R/dev"
        mount -t tmpfs tmpfs "$R/tmp"; mount -t tmpfs tmpfs "$R/home"
        mount -t tmpfs -o mode=0755 tmpfs "$R/run/dpdk"
        exec chroot "$R" "$@"' sh "$ROOT" \
        /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin NOTIFY_SOCKET="$SOCK_IN" $env \
        /usr/bin/setpriv --bounding-set "$capset" --inh-caps "$capset" --ambient-caps "$capset" \
        --no-new-privs $exec >"$WORK/target.log" 2>&1 &
    tpid=$!
}
# Waits until the notify log has N lines matching $1.
wait_notify() {
    for _ in $(seq 300); do
        [ "$(grep -c -- "$1" "$WORK/notify.log" || true)" -ge "$2" ] && return 0
        kill -0 "$tpid" 2>/dev/null || fail "aoe-target exited"
        sleep 0.1
    done
    fail "no '$1' (#$2) from aoe-target on NOTIFY_SOCKET"
}
C() { ip netns exec $NC "$CLIENT" --iface "$@"; }
# SIGHUP (what ExecReload= does) while the reader is inside a pass: waits for a pass to
# start, lets it run 50 ms, signals, and records the time.
hup_during_pass() {
    local s
    s=$(grep -c " start " "$WORK/reader.log" || true)
    for _ in $(seq 300); do [ "$(grep -c " start " "$WORK/reader.log")" -gt "$s" ] && break; sleep 0.01; done
    sleep 0.05
    date +%s.%N >>"$WORK/hups"
    kill -HUP "$tpid"
}

t0=$(date +%s.%N)
start_target
wait_notify "READY=1" 1
t1=$(date +%s.%N)
log "READY=1 after $(echo "$t1 - $t0" | awk '{printf "%.2f", $1 - $3}') s: $(grep READY=1 "$WORK/notify.log" | head -1 | cut -d' ' -f2-)"
grep "READY=1" "$WORK/notify.log" | head -1 | grep -q "e0.1" || fail "READY status does not name e0.1"
grep -q "serving e0.1" "$WORK/target.log" || fail "target log has no 'serving e0.1'"

C $VC2 discover | tee "$WORK/discover1"
grep -q "^e0.1 " "$WORK/discover1" || fail "e0.1 not discovered"
C $VC2 --target 0.1 read-all --compare "$ROOT$SRV/a.img" | tee "$WORK/read1"
grep -q "compare: identical" "$WORK/read1" || fail "first read of e0.1"
# /metrics from the installed aoe-target under the unit's confinement: every read of that
# whole-image pass (2 sectors each at MTU 1500) is counted.
ip netns exec $NT curl -sS --max-time 5 http://127.0.0.1:9469/metrics >"$WORK/metrics" ||
    fail "curl /metrics"
mreads=$(awk '$1 == "aoe_target_export_reads_total{export=\"e0.1\"}" {print $2}' "$WORK/metrics")
log "/metrics: aoe_target_export_reads_total{export=\"e0.1\"} ${mreads:-absent}"
[ "${mreads:-0}" -ge $(((48 * 2048 + 7 + 1) / 2)) ] || fail "/metrics: reads of e0.1 ${mreads:-absent}"

# The reader: whole-image reads of e0.1 with compare, back to back, until told to stop.
(
    n=0 bad=0
    while [ ! -f "$WORK/stop" ]; do
        echo "$(date +%s.%N) start $n" >>"$WORK/reader.log"
        if C $VC --target 0.1 read-all --compare "$ROOT$SRV/a.img" >"$WORK/reader.$n" 2>&1 &&
            grep -q "compare: identical" "$WORK/reader.$n"; then
            echo "$(date +%s.%N) ok $n" >>"$WORK/reader.log"
        else
            echo "$(date +%s.%N) ERROR $n" >>"$WORK/reader.log"
            cat "$WORK/reader.$n" >>"$WORK/reader.errors"
            bad=$((bad + 1))
        fi
        n=$((n + 1))
    done
) &
reader=$!
pids+=($reader)
for _ in $(seq 200); do grep -q " ok " "$WORK/reader.log" 2>/dev/null && break; sleep 0.1; done
grep -q " ok " "$WORK/reader.log" || fail "the reader finished no pass"

# Second export, then SIGHUP (what ExecReload= does).
printf '0.2=%s/b.img\n' "$IMG_IN" >"$ROOT$ETC/exports.d/b.conf"
log "added exports.d/b.conf (e0.2); SIGHUP"
hup_during_pass
wait_notify "RELOADING=1" 1
wait_notify "READY=1" 2
grep "READY=1" "$WORK/notify.log" | sed -n 2p | grep -q "e0.1 e0.2" || fail "status after reload lacks e0.2"
grep -q "reloaded: 2 export(s), 1 added, 0 retired, 1 unchanged" "$WORK/target.log" ||
    fail "reload summary"
C $VC2 discover | tee "$WORK/discover2"
grep -q "^e0.2 " "$WORK/discover2" || fail "e0.2 not discovered after reload"
C $VC2 --target 0.2 read-all --compare "$ROOT$SRV/b.img" | tee "$WORK/read2"
grep -q "compare: identical" "$WORK/read2" || fail "read of e0.2"

# A bad line: nothing changes, the error names file and line.
printf '# broken\n0.255=%s/b.img\n' "$IMG_IN" >"$ROOT$ETC/exports.d/c.conf"
hup_during_pass
wait_notify "READY=1" 3
grep "reload refused" "$WORK/target.log" | tee "$WORK/refused"
grep -q "exports.d/c.conf:2: .*slot 255" "$WORK/refused" || fail "bad reload not reported with file:line"
rm "$ROOT$ETC/exports.d/c.conf"

# Remove e0.2: retired after the grace period, e0.1 untouched.
rm "$ROOT$ETC/exports.d/b.conf"
hup_during_pass
wait_notify "READY=1" 4
grep -q "retired e0.2" "$WORK/target.log" || fail "e0.2 not retired"
C $VC2 discover | tee "$WORK/discover3"
grep -q "^e0.2 " "$WORK/discover3" && fail "e0.2 still answers after removal"
grep -q "^e0.1 " "$WORK/discover3" || fail "e0.1 gone after removing e0.2"

# The re-stage workflow (README): each build gets its own entry and slot; the old one keeps
# serving until it is removed on purpose. ISOs in KIWI's layout, made with xorriso.
SP() {
    if [ "$MODE" = build ]; then "$STAGE" "$@"; else chroot "$ROOT" /usr/bin/stage-pxe "$@"; fi
}
P=$([ "$MODE" = build ] && echo "$ROOT" || true) # prefix of paths as stage-pxe sees them
for v in v1 v2; do
    mkdir -p "$WORK/src-$v/boot/x86_64/loader"
    head -c 300000 /dev/urandom >"$WORK/src-$v/boot/x86_64/loader/linux"
    head -c 700000 /dev/urandom >"$WORK/src-$v/boot/x86_64/loader/initrd"
    xorriso -as mkisofs -R -J -V "KIWI_$v" -o "$ROOT$SRV/live-$v.iso" "$WORK/src-$v" 2>/dev/null
done
mkdir -p "$ROOT$SRV/tftp"
# Stand-ins for the boot loader files (stage-pxe checks for them; no client boots here).
touch "$ROOT$SRV/tftp/pxelinux.0" "$ROOT$SRV/tftp/ldlinux.c32"
restage() { # $1 version, $2 slot
    log "\$ stage-pxe --name live-$1 --aoe e0.$2 --export-dir $ETC/exports.d live-$1.iso"
    SP --tftp-root "$P$SRV/tftp" --name "live-$1" --aoe "e0.$2" \
        --export-dir "$P$ETC/exports.d" "$P$SRV/live-$1.iso" >"$WORK/stage-$1" 2>&1 ||
        { cat "$WORK/stage-$1"; fail "stage-pxe live-$1"; }
    sed 's/^/    /' "$WORK/stage-$1" | grep -v "^    *$" | head -8
    [ -f "$ROOT$ETC/exports.d/live-$1.conf" ] || fail "stage-pxe wrote no export file for live-$1"
}
restage v1 5
hup_during_pass
wait_notify "READY=1" 5
C $VC2 --target 0.5 read-all --compare "$ROOT$SRV/live-v1.iso" | tee "$WORK/read-v1"
grep -q "compare: identical" "$WORK/read-v1" || fail "staged live-v1 not served as e0.5"
restage v2 6
hup_during_pass
wait_notify "READY=1" 6
C $VC2 --target 0.6 read-all --compare "$ROOT$SRV/live-v2.iso" | tee "$WORK/read-v2"
grep -q "compare: identical" "$WORK/read-v2" || fail "staged live-v2 not served as e0.6"
C $VC2 --target 0.5 read-all --compare "$ROOT$SRV/live-v1.iso" >/dev/null ||
    fail "live-v1 stopped serving when live-v2 was added"
log "\$ stage-pxe --remove live-v1"
SP --tftp-root "$P$SRV/tftp" --remove live-v1 | sed 's/^/    /'
[ -f "$ROOT$ETC/exports.d/live-v1.conf" ] && fail "stage-pxe --remove left live-v1.conf"
hup_during_pass
wait_notify "READY=1" 7
grep -q "retired e0.5" "$WORK/target.log" || fail "e0.5 not retired after stage-pxe --remove"
C $VC2 discover | tee "$WORK/discover4"
grep -q "^e0.5 " "$WORK/discover4" && fail "e0.5 still answers after stage-pxe --remove"
grep -q "^e0.6 " "$WORK/discover4" || fail "e0.6 gone"

# A changed line (same slot, another file) replaces that export: retire, grace, publish.
printf '0.6=%s/b.img\n' "$IMG_IN" >"$ROOT$ETC/exports.d/live-v2.conf"
hup_during_pass
wait_notify "READY=1" 8
grep -q "reloaded: 2 export(s), 1 added, 1 retired, 1 unchanged" "$WORK/target.log" ||
    fail "replacing e0.6's file is not 1 added + 1 retired"
C $VC2 --target 0.6 read-all --compare "$ROOT$SRV/b.img" | tee "$WORK/read-replaced"
grep -q "compare: identical" "$WORK/read-replaced" || fail "e0.6 does not serve its new file"
if [ "$MODE" = build ]; then
    # A writable export added and removed by reloads: the write reaches the file (synced when
    # it is retired). (Under the unit, rw images need ReadWritePaths=: not tried in chroot mode.)
    head -c $((1048576)) /dev/zero >"$ROOT$SRV/rw.img"
    printf '0.7=%s/rw.img,rw\n' "$IMG_IN" >"$ROOT$ETC/exports.d/rw.conf"
    hup_during_pass
    wait_notify "READY=1" 9
    head -c 4096 /dev/urandom >"$WORK/w.bin"
    C $VC2 --target 0.7 write --lba 100 --count 8 --data "$WORK/w.bin" || fail "write to e0.7"
    rm "$ROOT$ETC/exports.d/rw.conf"
    hup_during_pass
    wait_notify "READY=1" 10
    grep -q "retired e0.7" "$WORK/target.log" || fail "e0.7 not retired"
    cmp <(dd if="$ROOT$SRV/rw.img" bs=512 skip=100 count=8 2>/dev/null) "$WORK/w.bin" ||
        fail "the write to the retired rw export is not in the file"
    log "rw export e0.7: written through AoE, retired by reload, data in the file"
fi

# Let the reader finish one more full pass after the last reload, then stop it.
last=$(grep -c " ok " "$WORK/reader.log" || true)
for _ in $(seq 300); do [ "$(grep -c " ok " "$WORK/reader.log")" -ge $((last + 2)) ] && break; sleep 0.1; done
touch "$WORK/stop"
wait "$reader" || true
passes=$(grep -c " ok " "$WORK/reader.log" || true)
errors=$(grep -c " ERROR " "$WORK/reader.log" || true)
log "reader of e0.1: $passes whole-image passes ($(( (48 * 1048576 + 3584) / 1048576 )) MiB each), $errors errors, across $(wc -l <"$WORK/hups") reloads"
grep -h "^read " "$WORK"/reader.[0-9]* | sed 's/^/    reader: /'
[ -f "$WORK/reader.errors" ] && cat "$WORK/reader.errors"
[ "$errors" -eq 0 ] || fail "the reader of e0.1 saw errors during reloads"
[ "$passes" -ge 3 ] || fail "too few reader passes ($passes)"
# Each SIGHUP fell inside a pass that then completed with identical data.
inside=$(awk 'NR==FNR { h[++nh] = $1; next }
              $2 == "start" { st[$3] = $1 } $2 == "ok" { en[$3] = $1 }
              END { for (i = 1; i <= nh; i++) for (k in en) if (st[k] < h[i] && h[i] < en[k]) { c++; break }
                    print c + 0 }' "$WORK/hups" "$WORK/reader.log")
log "SIGHUPs inside a reader pass that completed identical: $inside of $(wc -l <"$WORK/hups")"
[ "$inside" -eq "$(wc -l <"$WORK/hups")" ] || fail "a reload fell outside the reader's passes"

kill -TERM "$tpid"
rc=0; wait "$tpid" || rc=$?
tpid=
[ "$rc" -eq 0 ] || fail "aoe-target exit status $rc"
grep -q "STOPPING=1" "$WORK/notify.log" || fail "no STOPPING=1"
grep "aoe-target: stat export" "$WORK/target.log" || true
log "notify messages:"; sed 's/^/    /' "$WORK/notify.log"
echo "PASS: service ($MODE)"
