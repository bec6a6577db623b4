#!/usr/bin/env bash
# integration.metal-grub: aoe-firmware started by GRUB (Debian's grub-pc, BIOS), not by QEMU's
# own multiboot loader: a GRUB rescue CD (grub-mkrescue) whose menu entry runs
#   multiboot /boot/aoe-firmware.bin --stats-interval 0
#   module    /boot/disk.img 0 7        (the "S L" form of the address)
# boots in QEMU on a tap in a private namespace; aoe-client on the bridge must find e0.7 and
# read the whole 8 MiB + 3 sectors image byte-identical. The serial log is printed.
# Usage: grub-boot.sh FIRMWARE_BIN AOE_CLIENT
set -euo pipefail
FW=$1 CLIENT=$2
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "FAIL: needs root (network namespaces, taps)"; exit 1; }
for t in qemu-system-x86_64 grub-mkrescue xorriso mformat python3; do
    command -v $t >/dev/null || { echo "FAIL: missing tool $t (scripts/setup: grub-pc-bin, mtools, xorriso)"; exit 1; }
done
[ -d /usr/lib/grub/i386-pc ] || { echo "FAIL: GRUB's BIOS modules missing (apt-get install grub-pc-bin)"; exit 1; }
[ -f "$FW" ] || { echo "FAIL: aoe-firmware image not found: $FW"; exit 1; }
# shellcheck source=scripts/e2e/firmware.sh
. "$REPO/scripts/e2e/firmware.sh"
# shellcheck source=tests/lib/netns.sh
. "$REPO/tests/lib/netns.sh"

NS=aoeb-metalgrub-$$
WORK=$(mktemp -d /tmp/aoe-metalgrub.XXXXXX)
QPID=
cleanup() {
    local rc=$?
    set +e
    [ -n "$QPID" ] && kill -KILL "$QPID" 2>/dev/null
    netns_remove "$NS"
    [ "$rc" -ne 0 ] && echo "grub-boot: logs kept in $WORK" || rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; [ -f "$WORK/firmware.log" ] && tail -25 "$WORK/firmware.log"; exit 1; }

IMG=$WORK/disk.img
head -c $(( (8 << 20) + 3 * 512 )) /dev/urandom >"$IMG"
mkdir -p "$WORK/cd/boot/grub"
cp "$FW" "$WORK/cd/boot/aoe-firmware.bin"
cp "$IMG" "$WORK/cd/boot/disk.img"
cat >"$WORK/cd/boot/grub/grub.cfg" <<'CFG'
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=0
menuentry "aoe-firmware" {
    multiboot /boot/aoe-firmware.bin --stats-interval 0
    module /boot/disk.img 0 7
    boot
}
CFG
grub-mkrescue -o "$WORK/grub.iso" "$WORK/cd" >"$WORK/mkrescue.log" 2>&1 || { cat "$WORK/mkrescue.log"; fail "grub-mkrescue"; }
echo "GRUB rescue CD: $(stat -c %s "$WORK/grub.iso") bytes"

nsx=(ip netns exec "$NS")
ip netns add "$NS"
netns_no_ipv6 "$NS"
netns_bridge "$NS" br0 1500
netns_tap "$NS" tap0 br0 1500

"${nsx[@]}" qemu-system-x86_64 -accel tcg -machine pc -smp 1 -m 256 -display none -monitor none \
    -no-reboot -nodefaults -boot d -cdrom "$WORK/grub.iso" \
    -chardev "socket,id=con,path=$WORK/firmware.sock,server=on,wait=off,logfile=$WORK/firmware.log" \
    -serial chardev:con -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -netdev tap,id=n0,ifname=tap0,script=no,downscript=no -device virtio-net-pci,netdev=n0 \
    </dev/null >"$WORK/qemu.out" 2>&1 &
QPID=$!
FW_PID=$QPID
for _ in $(seq 600); do
    grep -q "first advert on the wire" "$WORK/firmware.log" 2>/dev/null && break
    grep -q FATAL "$WORK/firmware.log" 2>/dev/null && break
    kill -0 $QPID 2>/dev/null || break
    sleep 0.1
done
grep -q "first advert on the wire" "$WORK/firmware.log" 2>/dev/null || { cat "$WORK/qemu.out"; fail "no advert from the firmware under GRUB within 60 s"; }
"${nsx[@]}" "$CLIENT" --iface br0 discover >"$WORK/disc" 2>&1 || { cat "$WORK/disc"; fail "discover"; }
cat "$WORK/disc"
grep -q "^e0.7 " "$WORK/disc" || fail "e0.7 (module argument \"0 7\") not discovered"
"${nsx[@]}" "$CLIENT" --iface br0 --target 0.7 read-all --compare "$IMG" >"$WORK/read" 2>&1 || { cat "$WORK/read"; fail "read-all"; }
cat "$WORK/read"
grep -q "compare: identical" "$WORK/read" || fail "whole-image compare"
FW_DIR=$WORK
fw_stop "$WORK"
QPID=
echo "== serial log (GRUB's menu, then the firmware)"
grep -a -E "aoe-firmware|clock|image:|memory|pci|virtio|export|engine|advert|stats" "$WORK/firmware.log" | grep -v AOE-STATS | sed 's/^/  /'
grep -q "export e0.7: module " "$WORK/firmware.log" || fail "the serial log does not show the module from GRUB as e0.7"
echo "PASS metal-grub"
