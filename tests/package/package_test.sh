#!/usr/bin/env bash
# The Debian package: build it with CPack, check its contents and metadata, install it with
# apt into a fresh Debian 12 minbase root (debootstrap, cached by chroot_base.sh), run the
# installed programs there, then the whole service flow (service_test.sh chroot) from the
# installed files, and finally purge it.
# Usage: package_test.sh BUILD_DIR CLIENT
set -euo pipefail
BUILD=$1 CLIENT=$2
HERE=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "FAIL: needs root (chroot, network namespaces)"; exit 1; }
WORK=$(mktemp -d /tmp/aoe-pkg.XXXXXX)
ROOT=$WORK/root
cleanup() {
    local rc=$?
    # Mounts live in private mount namespaces (unshare -m): nothing to unmount here.
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }
log() { echo "[$(date +%T.%3N)] $*"; }

# 1. Build the package.
cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$WORK/pkg" >"$WORK/cpack.log" 2>&1 ||
    { cat "$WORK/cpack.log"; fail "cpack"; }
DEB=$(ls "$WORK"/pkg/aoeboot_*.deb)
log "built $(basename "$DEB") ($(stat -c %s "$DEB") bytes)"

# 2. Contents and metadata.
dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\./|/|' >"$WORK/contents"
for f in /usr/sbin/aoe-target /usr/bin/stage-pxe /usr/share/man/man8/aoe-target.8.gz \
         /usr/share/man/man8/stage-pxe.8.gz /lib/systemd/system/aoe-target.service \
         /etc/aoeboot/aoe-target.conf /etc/aoeboot/exports.d/ \
         /usr/share/aoeboot/grafana/aoe-target.json; do
    grep -qx "$f" "$WORK/contents" || fail "package lacks $f"
done
if grep -q aoe-bench "$BUILD/CMakeCache.txt" && [ -x "$BUILD/bench/aoe-bench" ]; then
    grep -qx /usr/bin/aoe-bench "$WORK/contents" || fail "package lacks /usr/bin/aoe-bench"
    grep -qx /usr/share/man/man8/aoe-bench.8.gz "$WORK/contents" || fail "package lacks aoe-bench.8"
fi
grep -E 'aoe-client|alloc_probe|dpdk-bridge|\.a$|/include/' "$WORK/contents" &&
    fail "test helpers or development files in the package"
dpkg-deb -f "$DEB" Depends | tee "$WORK/depends"
for d in librte-eal23 librte-ethdev23 librte-net-af-packet23 librte-net-af-xdp23 librte-mempool-ring23 \
         librte-bus-vdev23 libisofs6 libarchive13 libssl3 libsystemd0 libprometheus-cpp-pull1.0; do
    grep -q "$d" "$WORK/depends" || fail "Depends lacks $d"
done
dpkg-deb --ctrl-tarfile "$DEB" | tar -xO ./conffiles | grep -qx /etc/aoeboot/aoe-target.conf ||
    fail "aoe-target.conf is not a conffile"
log "contents and Depends as expected"

# 3. A fresh Debian 12 root (cached), the package installed with apt.
TARBALL=$("$HERE/chroot_base.sh")
ARCHIVES=$(dirname "$TARBALL")/apt-archives
mkdir -p "$ROOT"
tar -C "$ROOT" -xzf "$TARBALL"
cp "$DEB" "$ROOT/tmp/"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
in_root() { # runs "$@" in the chroot with /proc, /dev and the shared apt cache mounted
    # OFFLINE=1: in a network namespace of its own (no network at all).
    ${OFFLINE:+unshare -n} unshare -m --propagation private sh -c '
        set -e
        R=$1; A=$2; shift 2
        mount -t proc proc "$R/proc"; mount --rbind /dev "$R/dev"
        mount --bind "$A" "$R/var/cache/apt/archives"
        exec chroot "$R" "$@"' sh "$ROOT" "$ARCHIVES" "$@"
}
log "apt-get install ./$(basename "$DEB") in a fresh bookworm minbase root"
apt_install() {
    in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        "/tmp/$(basename "$DEB")" >"$WORK/apt.log" 2>&1
}
# Offline first (in a network namespace of its own: every dependency from the cache; apt
# downloads everything before dpkg unpacks, so a failed attempt leaves the root untouched);
# the mirror only when the cache lacks something (the first run, or new Depends).
if OFFLINE=1 apt_install; then
    log "installed offline: every dependency came from $ARCHIVES"
elif apt_install; then
    log "installed with downloads from the mirror (now cached in $ARCHIVES)"
else
    tail -30 "$WORK/apt.log"
    fail "apt-get install of the package in the chroot (a mirror is needed the first time)"
fi
grep -E "^(Setting up|Unpacking) aoeboot" "$WORK/apt.log"
grep -c "^Setting up" "$WORK/apt.log" | sed 's/^/packages set up: /'

# 4. The installed programs run, with every library found.
in_root ldd /usr/sbin/aoe-target /usr/bin/stage-pxe >"$WORK/ldd"
grep "not found" "$WORK/ldd" && fail "missing libraries"
for pmd in librte_net_af_packet librte_mempool_ring librte_bus_vdev; do
    ls "$ROOT"/usr/lib/x86_64-linux-gnu/dpdk/pmds-*/$pmd.so* >/dev/null 2>&1 ||
        fail "DPDK driver $pmd not installed in the chroot"
done
in_root /usr/sbin/aoe-target --version | tee "$WORK/version"
grep -q "^aoe-target [0-9]" "$WORK/version" || fail "aoe-target --version"
in_root /usr/bin/stage-pxe --version || fail "stage-pxe --version"
in_root /usr/sbin/aoe-target --config /etc/aoeboot/aoe-target.conf --help >/dev/null ||
    fail "aoe-target --help"

# 5. The service, from the installed files.
"$HERE/service_test.sh" "$CLIENT" chroot "$ROOT" || fail "service flow from the installed package"

# 6. Purge: the maintainer scripts run and remove the configuration.
in_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q aoeboot >"$WORK/purge.log" 2>&1 ||
    { tail -20 "$WORK/purge.log"; fail "apt-get purge"; }
[ -e "$ROOT/usr/sbin/aoe-target" ] && fail "aoe-target left after purge"
[ -e "$ROOT/etc/aoeboot/aoe-target.conf" ] && fail "configuration left after purge"
log "purged"
echo "PASS: package"
