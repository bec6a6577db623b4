#!/usr/bin/env bash
# Demo: an admin's pxelinux.cfg/default, three images staged side by side, one removed.
# Usage: show-three-images.sh path/to/stage-pxe
set -euo pipefail
bin=$(realpath "$1")
d=$(mktemp -d /tmp/stage-pxe-three.XXXXXX)
trap 'rm -rf "$d"' EXIT
cd "$d"
for n in alpha beta gamma; do
    mkdir -p "src-$n/boot/x86_64/loader"
    head -c 5000 /dev/urandom >"src-$n/boot/x86_64/loader/linux"
    head -c 7000 /dev/urandom >"src-$n/boot/x86_64/loader/initrd"
    xorriso -as mkisofs -R -J -V "KIWI_$n" -o "$n.iso" "src-$n" 2>/dev/null
done
mkdir -p tftp/pxelinux.cfg
printf 'DEFAULT local\nPROMPT 1\nTIMEOUT 100\nLABEL local\n    LOCALBOOT 0\nLABEL memtest\n    KERNEL memtest86+.bin\n' >tftp/pxelinux.cfg/default
cp tftp/pxelinux.cfg/default admin.cfg
show() { echo "\$ stage-pxe $*"; "$bin" "$@" 2>&1; echo; }
for n in alpha beta gamma; do show "$n.iso" --tftp-root tftp --name "$n" --export-dir exports.d; done
show --list --tftp-root tftp
echo "--- pxelinux.cfg/default with three images:"; cat tftp/pxelinux.cfg/default; echo
show --remove beta --tftp-root tftp
show --list --tftp-root tftp
echo "--- pxelinux.cfg/default after removing beta:"; cat tftp/pxelinux.cfg/default; echo
echo "--- the admin's lines are still the first bytes of the file:"
if cmp -n "$(stat -c %s admin.cfg)" admin.cfg tftp/pxelinux.cfg/default; then echo "identical ($(stat -c %s admin.cfg) bytes)"; fi
echo "--- files:"; (cd tftp && find . -type f ! -name '.stage-pxe.lock' | sort); ls exports.d
show --check --tftp-root tftp
