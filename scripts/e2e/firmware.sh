# shellcheck shell=bash
# scripts/e2e/firmware.sh: run aoe-firmware (hal/metal) as a QEMU guest in a test namespace.
# Source it from bash after choosing a namespace and a work dir. Used by scripts/e2e/metal-test
# (e2e.metal), tests/metal/conformance.sh (integration.metal-conformance) and scripts/demo --metal.
#
#   fw_start NS TAP DIR FIRMWARE MEM_MIB KERNEL_ARGS MODULE [MODULE...]
#        boots FIRMWARE (the flat aoe-firmware.bin) under QEMU TCG in namespace NS on the existing
#        tap TAP; each MODULE is "FILE ARGS" (QEMU -initrd: the image, then its shelf.slot and
#        options). The serial console is a unix socket DIR/firmware.sock; everything the
#        firmware prints also goes to DIR/firmware.log. Sets FW_PID (the QEMU process). Waits
#        for "serving" and the first advert (fails with the log when the firmware stops).
#   fw_key DIR KEY          one key to the console (s: stats, j: JSON stats, q: stats + power off)
#   fw_json DIR             prints the AOE-STATS JSON line the firmware answers to `j`
#   fw_stop DIR             q, then waits up to 10 s for QEMU to leave (killed after that)
# QEMU exits with status 1 after `q` (isa-debug-exit: (0 << 1) | 1).

fw_fail() { echo "FAIL: $*" >&2; [ -n "${FW_DIR:-}" ] && [ -f "$FW_DIR/firmware.log" ] && tail -20 "$FW_DIR/firmware.log" >&2; return 1; }

fw_start() {
    local ns=$1 tap=$2 dir=$3 fw=$4 mem=$5 kargs=$6 m
    shift 6
    FW_DIR=$dir
    [ -f "$fw" ] || { fw_fail "aoe-firmware image not found: $fw (build target aoe-firmware)"; return 1; }
    local initrd="" sep=""
    for m in "$@"; do
        initrd="$initrd$sep${m//,/,,}"
        sep=,
    done
    local mac
    mac=$(printf '52:54:00:f0:%02x:%02x' $(($$ / 256 % 256)) $(($$ % 256)))
    rm -f "$dir/firmware.sock" "$dir/firmware.log"
    ip netns exec "$ns" qemu-system-x86_64 -accel tcg -machine pc -smp 1 -m "$mem" \
        -display none -monitor none -no-reboot -nodefaults \
        -chardev "socket,id=con,path=$dir/firmware.sock,server=on,wait=off,logfile=$dir/firmware.log" \
        -serial chardev:con \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
        -netdev "tap,id=n0,ifname=$tap,script=no,downscript=no" \
        -device "virtio-net-pci,netdev=n0,mac=$mac" \
        -kernel "$fw" -append "$kargs" -initrd "$initrd" \
        </dev/null >"$dir/firmware.qemu.out" 2>&1 &
    FW_PID=$!
    local _
    for _ in $(seq 600); do
        grep -q "first advert on the wire" "$dir/firmware.log" 2>/dev/null && return 0
        grep -q "FATAL" "$dir/firmware.log" 2>/dev/null && break
        kill -0 "$FW_PID" 2>/dev/null || break
        sleep 0.1
    done
    cat "$dir/firmware.qemu.out" >&2
    fw_fail "aoe-firmware did not come up (no first advert within 60 s)"
}

# The console is read by the tests' one counter reader, tests/lib/aoe_telemetry.py.
FW_TELEMETRY=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../tests/lib" && pwd)/aoe_telemetry.py

fw_key() { python3 "$FW_TELEMETRY" console-key "$1/firmware.sock" "$2"; }

fw_json() { python3 "$FW_TELEMETRY" console-json "$1/firmware.sock"; }

fw_stop() {
    local dir=$1 _
    [ -n "${FW_PID:-}" ] || return 0
    fw_key "$dir" q 2>/dev/null || true
    for _ in $(seq 100); do
        kill -0 "$FW_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$FW_PID" 2>/dev/null && { kill -KILL "$FW_PID" 2>/dev/null; echo "warning: aoe-firmware QEMU killed after q" >&2; }
    wait "$FW_PID" 2>/dev/null || true
    FW_PID=
}
