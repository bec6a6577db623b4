#!/usr/bin/env bash
# Prints the path of a cached Debian 12 (bookworm) minbase root tarball, building it first if
# it is missing: debootstrap --variant=minbase, then `apt-get update` inside so a later
# `apt-get install ./aoeboot_*.deb` can resolve dependencies. Cached under ~/.cache/aoeboot so
# CI downloads it once; the .debs apt fetches later are cached there too (apt-archives/).
# Usage: chroot_base.sh            -> prints TARBALL path on stdout (progress on stderr)
set -euo pipefail
CACHE=${AOEBOOT_CACHE:-$HOME/.cache/aoeboot}/chroot
MIRROR=${AOEBOOT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
TARBALL=$CACHE/bookworm-minbase-root.tar.gz
mkdir -p "$CACHE/apt-archives/partial"
if [ -s "$TARBALL" ]; then echo "$TARBALL"; exit 0; fi

command -v debootstrap >/dev/null || { echo "FAIL: debootstrap is not installed" >&2; exit 1; }
work=$(mktemp -d /tmp/aoe-chroot-base.XXXXXX)
cleanup() {
    for m in proc dev; do umount -l "$work/root/$m" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT INT TERM
echo "chroot_base: debootstrap --variant=minbase bookworm (once; cached in $CACHE)" >&2
if ! debootstrap --variant=minbase --cache-dir="$CACHE/apt-archives" bookworm "$work/root" \
        "$MIRROR" >"$work/debootstrap.log" 2>&1; then
    tail -20 "$work/debootstrap.log" >&2
    echo "FAIL: debootstrap could not build a bookworm root from $MIRROR" >&2
    exit 1
fi
# Sources with updates and security, like the host (libssl3 etc. come from there).
cat >"$work/root/etc/apt/sources.list" <<SRC
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SRC
cp /etc/resolv.conf "$work/root/etc/resolv.conf"
chroot "$work/root" apt-get update -q >&2
chroot "$work/root" apt-get clean
tar -C "$work/root" -czf "$TARBALL.tmp" .
mv "$TARBALL.tmp" "$TARBALL"
echo "$TARBALL"
