#!/usr/bin/env bash
# Writes small seed ISOs for the stage-pxe ISO fuzzer (tests/pxe/fuzz_pxe_iso.cpp) into OUTDIR,
# one per layout stage-pxe's discovery knows, made by xorriso at test time so nothing binary is
# committed. Deterministic: fixed file dates, SOURCE_DATE_EPOCH and a fixed volume UUID.
#   make_iso_seeds.sh OUTDIR
set -euo pipefail
out=${1:?usage: make_iso_seeds.sh OUTDIR}
command -v xorriso >/dev/null || { echo "make_iso_seeds: xorriso is missing (apt-get install xorriso)" >&2; exit 1; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export SOURCE_DATE_EPOCH=1700000000
stamp=202311142213.20 # = SOURCE_DATE_EPOCH, for touch -t

# Small stand-ins: a kernel and an initrd are just bytes to stage-pxe.
put() { # put TREE/PATH TEXT
  mkdir -p "$(dirname "$1")"
  printf '%s\n' "$2" >"$1"
}
kernel() { put "$1" "MZ fake kernel $(basename "$1")"; }
initrd() { put "$1" "070701 fake initrd $(basename "$1")"; }
bios_bin() { mkdir -p "$(dirname "$1")"; head -c 2048 /dev/zero >"$1"; } # El Torito BIOS image

# make NAME TREE RR JOLIET [native xorriso commands...]: one ISO from TREE (RR/JOLIET: on|off).
# mkisofs emulation writes the image from block 0 (the native -outdev on a plain file emulates
# overwritable media and puts the session at block 32: 64 KiB of zeros in front).
make() {
  local name=$1 tree=$2 rr=$3 joliet=$4
  shift 4
  local flags=()
  if [ "$rr" = on ]; then flags+=(-R); else flags+=(--norock); fi # xorriso adds RR by default
  [ "$joliet" = on ] && flags+=(-J)
  find "$tree" -exec touch -h -t "$stamp" {} +
  xorriso -no_rc -report_about SORRY -abort_on FAILURE \
    -as mkisofs -o "$out/$name.iso" -V "SEED_${name^^}" "${flags[@]}" -no-pad \
    --modification-date=2023111422132000 "$tree" -- "$@" >/dev/null 2>"$tmp/$name.err" ||
    { cat "$tmp/$name.err" >&2; exit 1; }
}
el_torito_bios() { # the isolinux-style boot image at $1 (path inside the ISO)
  printf '%s\n' -boot_image any bin_path="$1" -boot_image any platform_id=0x00 \
    -boot_image any emul_type=no_emulation -boot_image any load_size=2048 \
    -boot_image any cat_path="$(dirname "$1")/boot.cat"
}

# 1. Debian live: /live/{vmlinuz,initrd.img}, isolinux next to an El Torito image.
t=$tmp/debian-live
kernel "$t/live/vmlinuz"
initrd "$t/live/initrd.img"
bios_bin "$t/isolinux/isolinux.bin"
put "$t/isolinux/isolinux.cfg" $'DEFAULT live\nINCLUDE live.cfg\n'
put "$t/isolinux/live.cfg" $'LABEL live\n  KERNEL /live/vmlinuz\n  APPEND initrd=/live/initrd.img boot=live components\n'
mapfile -t eb < <(el_torito_bios /isolinux/isolinux.bin)
make debian-live "$t" on on "${eb[@]}"

# 2. Debian live, versioned names and Rock Ridge symlinks to them.
t=$tmp/debian-versioned
kernel "$t/live/vmlinuz-6.1.0-13-amd64"
initrd "$t/live/initrd.img-6.1.0-13-amd64"
ln -s live/vmlinuz-6.1.0-13-amd64 "$t/vmlinuz"
ln -s ./live/initrd.img-6.1.0-13-amd64 "$t/initrd.img"
make debian-versioned "$t" on on

# 3. Ubuntu casper with GRUB (and its loopback.cfg), an EFI El Torito entry.
t=$tmp/casper
kernel "$t/casper/vmlinuz"
initrd "$t/casper/initrd"
put "$t/boot/grub/grub.cfg" $'set timeout=5\nmenuentry "Try Ubuntu" {\n\tset gfxpayload=keep\n\tlinux\t/casper/vmlinuz boot=casper quiet splash ---\n\tinitrd\t/casper/initrd\n}\n'
put "$t/boot/grub/loopback.cfg" $'menuentry "Ubuntu" {\n\tlinux /casper/vmlinuz boot=casper iso-scan/filename=${iso_path} ---\n\tinitrd /casper/initrd\n}\n'
mkdir -p "$t/boot/grub/i386-pc" && head -c 2048 /dev/zero >"$t/boot/grub/i386-pc/eltorito.img"
mkdir -p "$t/EFI/boot" && head -c 4096 /dev/zero >"$t/EFI/boot/efiboot.img"
make casper "$t" on on \
  -boot_image any bin_path=/boot/grub/i386-pc/eltorito.img -boot_image any platform_id=0x00 \
  -boot_image any emul_type=no_emulation -boot_image any load_size=2048 \
  -boot_image any next -boot_image any efi_path=/EFI/boot/efiboot.img \
  -boot_image any platform_id=0xef -boot_image any cat_path=/boot.catalog

# 4. Fedora: /images/pxeboot, /isolinux holding symlinks to it, GRUB under /EFI/BOOT.
t=$tmp/fedora
kernel "$t/images/pxeboot/vmlinuz"
initrd "$t/images/pxeboot/initrd.img"
bios_bin "$t/isolinux/isolinux.bin"
ln -s ../images/pxeboot/vmlinuz "$t/isolinux/vmlinuz"
ln -s /images/pxeboot/initrd.img "$t/isolinux/initrd.img"
put "$t/isolinux/isolinux.cfg" $'default vesamenu.c32\nlabel linux\n  menu label ^Install Fedora\n  kernel vmlinuz\n  append initrd=initrd.img inst.stage2=hd:LABEL=Fedora quiet\n'
put "$t/EFI/BOOT/grub.cfg" $'menuentry \'Install Fedora\' --class fedora {\n\tlinuxefi /images/pxeboot/vmlinuz inst.stage2=hd:LABEL=Fedora quiet\n\tinitrdefi /images/pxeboot/initrd.img\n}\n'
mapfile -t eb < <(el_torito_bios /isolinux/isolinux.bin)
make fedora "$t" on on "${eb[@]}"

# 5. KIWI (openSUSE style): /boot/x86_64/loader/{linux,initrd,isolinux.cfg}.
t=$tmp/kiwi
kernel "$t/boot/x86_64/loader/linux"
initrd "$t/boot/x86_64/loader/initrd"
bios_bin "$t/boot/x86_64/loader/isolinux.bin"
put "$t/boot/x86_64/loader/isolinux.cfg" $'default live\nlabel live\n  kernel linux\n  append initrd=initrd root=live:CDLABEL=x rd.live.image\n'
ln -s x86_64 "$t/boot/amd64"
mapfile -t eb < <(el_torito_bios /boot/x86_64/loader/isolinux.bin)
make kiwi "$t" on on "${eb[@]}"

# 6. Only an isolinux config names the pair: INCLUDE chain, relative and "::" paths.
t=$tmp/isolinux-only
kernel "$t/os/bzImage"
initrd "$t/os/init.gz"
initrd "$t/os/ucode.img"
bios_bin "$t/boot/isolinux/isolinux.bin"
put "$t/boot/isolinux/isolinux.cfg" $'UI menu.c32\nPROMPT 0\nINCLUDE menus/main.cfg\n'
put "$t/boot/isolinux/menus/main.cfg" $'LABEL nokernel\n  COM32 hdt.c32\nLABEL os\n  MENU LABEL OS\n  LINUX ::/os/bzImage\n  INITRD ../../os/ucode.img,../../os/init.gz\n  APPEND quiet\n'
mapfile -t eb < <(el_torito_bios /boot/isolinux/isolinux.bin)
make isolinux-only "$t" on on "${eb[@]}"

# 7. Only a GRUB config names the pair (grub2 path, submenu, several entries).
t=$tmp/grub-only
kernel "$t/os/kernel"
initrd "$t/os/initramfs"
put "$t/boot/grub2/grub.cfg" $'submenu "more" {\n  menuentry "missing" { linux /nope/k\n initrd /nope/i\n }\n}\nmenuentry "os" {\n  linux /os/kernel ro quiet\n  initrd /os/initramfs\n}\n'
make grub-only "$t" on on

# 8. No Rock Ridge, Joliet only: upper-case ECMA-119 names, the config names them in lower case
# (no known layout matches, so the pair comes from SYSLINUX.CFG found case-insensitively).
t=$tmp/no-rr
kernel "$t/OS/VMLINUZ"
initrd "$t/OS/INITRD.GZ"
bios_bin "$t/SYSLINUX/ISOLINUX.BIN"
put "$t/SYSLINUX/SYSLINUX.CFG" $'LABEL os\n  LINUX /os/vmlinuz\n  INITRD /os/initrd.gz\n'
mapfile -t eb < <(el_torito_bios /SYSLINUX/ISOLINUX.BIN)
make no-rr "$t" off on "${eb[@]}"

# 9. Arch, Rock Ridge without Joliet.
t=$tmp/arch
kernel "$t/arch/boot/x86_64/vmlinuz-linux"
initrd "$t/arch/boot/x86_64/initramfs-linux.img"
make arch "$t" on off

# 10. zisofs-compressed kernel and initrd (libisofs decompresses them through Rock Ridge ZF).
t=$tmp/zisofs
mkdir -p "$t/live"
head -c 65536 /dev/zero >"$t/live/vmlinuz"
head -c 65536 < <(yes initrd) >"$t/live/initrd.img"
make zisofs "$t" on on -zisofs level=9:block_size=32k -set_filter_r --zisofs /live --

# 11. Nothing to find: discovery lists what it looked for and the candidates (walk + regex).
t=$tmp/none
kernel "$t/boot/aarch64/loader/linux"
initrd "$t/boot/aarch64/loader/initrd"
kernel "$t/efi/bootx64.efi"
put "$t/isolinux/isolinux.cfg" $'LABEL broken\n  KERNEL /missing/vmlinuz\n  APPEND initrd=/missing/initrd\n'
ln -s /nowhere "$t/dangling"
ln -s loop2 "$t/loop1" && ln -s loop1 "$t/loop2"
make none "$t" on on

ls -l "$out"/*.iso | awk '{print "make_iso_seeds:", $5, $NF}'
