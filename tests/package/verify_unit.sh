#!/usr/bin/env bash
# lint: the installed systemd unit passes `systemd-analyze verify` without a single message
# (systemd is not PID 1 here: verify works on files). The unit is installed with
# `cmake --install` into a scratch root together with the targets it references and
# /bin/kill, and its man page is looked up in that root. Also checks the hardening this
# project promises and that the unit's ExecStart names the installed binary.
# Usage: verify_unit.sh BUILD_DIR
set -euo pipefail
BUILD=$1
R=$(mktemp -d /tmp/aoe-unit.XXXXXX)
trap 'rm -rf "$R"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
DESTDIR=$R cmake --install "$BUILD" --component runtime >/dev/null
UNIT=$(find "$R" -name aoe-target.service | head -1)
[ -n "$UNIT" ] || fail "aoe-target.service not installed"
unitdir=${UNIT#$R}; unitdir=${unitdir%/aoe-target.service}
mkdir -p "$R/bin" "$R/lib/systemd/system"
cp /bin/kill "$R/bin/"
cp -a /lib/systemd/system/*.target /lib/systemd/system/*.slice "$R/lib/systemd/system/"
if [ "$unitdir" != /lib/systemd/system ]; then cp "$UNIT" "$R/lib/systemd/system/"; fi
out=$(MANPATH=$R/usr/share/man:$R/usr/local/share/man \
      systemd-analyze verify --root="$R" aoe-target.service 2>&1) || { echo "$out"; fail "verify failed"; }
[ -z "$out" ] || { echo "$out"; fail "systemd-analyze verify printed messages"; }
exec_path=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$UNIT")
[ -x "$R$exec_path" ] || fail "ExecStart $exec_path is not the installed aoe-target"
for want in '^Type=notify' '^ExecReload=/bin/kill -HUP \$MAINPID' \
            '^CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN CAP_IPC_LOCK$' \
            '^AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN CAP_IPC_LOCK$' \
            '^NoNewPrivileges=yes' '^ProtectSystem=strict' '^ProtectHome=yes' '^PrivateTmp=yes' \
            '^RuntimeDirectory=dpdk'; do
    grep -q "$want" "$UNIT" || fail "unit lacks $want"
done
echo "systemd-analyze verify: clean; $(systemd-analyze security --offline=yes --root="$R" aoe-target.service 2>/dev/null | tail -1)"
echo "PASS: unit"
