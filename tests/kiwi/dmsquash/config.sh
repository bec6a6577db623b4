#!/bin/bash
# config.sh: KIWI runs this inside the image root after the packages are installed.
set -euo pipefail
test -f /.kconfig && . /.kconfig
test -f /.profile && . /.profile
echo "Configure image: [${kiwi_iname:-aoeboot-kiwi-dmsquash}]..."

# Boot to multi-user (no display manager), and report once the live system is up.
systemctl set-default multi-user.target
systemctl enable aoeboot-marker.service
# Nothing waits for a network the initrd already brought up; keep the boot short.
for unit in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer man-db.timer \
    systemd-networkd-wait-online.service; do
    systemctl mask "$unit" 2>/dev/null || true
done
chmod 0755 /usr/local/sbin/aoeboot-marker
