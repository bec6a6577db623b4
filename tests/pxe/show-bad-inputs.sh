#!/usr/bin/env bash
# Prints the bad-input table (input, exit code, message) by running the real stage-pxe on inputs
# made here. Usage: show-bad-inputs.sh path/to/stage-pxe. The assertions live in pxe_stage_cli.
set -euo pipefail
bin=$(realpath "$1")
d=$(mktemp -d /tmp/stage-pxe-bad.XXXXXX)
trap 'chmod -R u+w "$d"; rm -rf "$d"' EXIT
chmod 0755 "$d"
cd "$d"
mkdir -p src/boot/x86_64/loader nok
head -c 5000 /dev/urandom >src/boot/x86_64/loader/linux
head -c 7000 /dev/urandom >src/boot/x86_64/loader/initrd
echo readme >nok/README
xorriso -as mkisofs -R -J -V GOOD -o good.iso src 2>/dev/null
xorriso -as mkisofs -R -J -V NOKERNEL -o nokernel.iso nok 2>/dev/null
: >empty.iso
head -c 1048576 /dev/urandom >random.iso
head -c $(($(stat -c %s good.iso) / 2)) good.iso >truncated.iso
echo hello >tiny.iso
mkdir adir ro; chmod 0555 ro
printf 'LABEL Live-Boot\n  KERNEL x\n' >conflict.cfg; mkdir -p conf/pxelinux.cfg; cp conflict.cfg conf/pxelinux.cfg/default
row() { # label, then the stage-pxe arguments
    local what=$1; shift
    set +e; err=$("$bin" "$@" 2>&1 >/dev/null); rc=$?; set -e
    printf '| %s | %s | %s |\n' "$what" "$rc" "$(printf '%s' "$err" | head -1 | sed "s|$d/||g")"
}
echo "| input | exit | message (first line) |"
echo "|---|---|---|"
row "empty file" empty.iso --tftp-root t
row "random bytes (1 MiB)" random.iso --tftp-root t
row "truncated ISO (first half)" truncated.iso --tftp-root t
row "6-byte text file" tiny.iso --tftp-root t
row "a directory" adir --tftp-root t
row "ISO without a kernel" nokernel.iso --tftp-root t
row "missing file" missing.iso --tftp-root t
if [ "$(id -u)" = 0 ]; then
    set +e; err=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" good.iso --tftp-root ro 2>&1 >/dev/null); rc=$?; set -e
    printf '| %s | %s | %s |\n' "TFTP root not writable (as nobody)" "$rc" "$(printf '%s' "$err" | head -1 | sed "s|$d/||g")"
else
    row "TFTP root not writable" good.iso --tftp-root ro
fi
row "label conflict (admin's LABEL Live-Boot)" good.iso --tftp-root conf
row "bad --aoe" good.iso --aoe e65535.1 --tftp-root t
row "no ISO argument" --tftp-root t
row "unknown option" good.iso --bogus
