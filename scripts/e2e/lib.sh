# shellcheck shell=bash disable=SC2034 # E2E_* variables are this library's interface
# scripts/e2e/lib.sh: reusable pieces of the QEMU end-to-end boot harness. Source it from bash.
#
# What it sets up (all inside a private network namespace, unique per run):
#   br0 (bridge, STP off, forward delay 0, no multicast snooping, IPv4 10.77.0.1/24 + ULA fd99::1/64)
#   tapN (persistent taps made inside the namespace, enslaved to br0), one per QEMU client
#   dnsmasq (DHCP + TFTP, --no-daemon, the fast flags of docs/testing.md)
#   the AoE target on br0: vblade, or any program with vblade's `SHELF SLOT IFACE FILE` syntax
#   N QEMU clients booting with -boot n; each serial console goes through an unbuffered reader
#   that stamps every line with seconds since the run started, into client<N>.log
# Everything is torn down by the EXIT/INT/TERM trap on every exit path. The work directory
# (serial logs, dnsmasq and target logs) is removed after a passing run and kept after a
# failing one (its path is printed).
#
# Functions return non-zero on failure; callers use `|| e2e_fail "..."`.

E2E_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_REPO=$(cd "$E2E_LIB_DIR/../.." && pwd)
# Namespaces, bridges and taps are made the one way the tests make them.
# shellcheck source=tests/lib/netns.sh
. "$E2E_REPO/tests/lib/netns.sh"

E2E_NS="" E2E_DIR="" E2E_T0="" E2E_OK=0 E2E_CONSOLE=${E2E_CONSOLE:-0}
E2E_STAGE_PXE_EXTRA=()
E2E_PIDS=()          # every background process we started, killed in reverse order on cleanup
E2E_CLIENT_PIDS=()   # one per QEMU client (the `timeout` wrapping it)
E2E_CLIENT_START=()  # seconds since E2E_T0 when each client was started
E2E_CLIENT_MAC=()    # each client's MAC (aa:bb:...), as QEMU was given it
E2E_BR=br0
E2E_V4=10.77.0.1
E2E_MTU=1500

e2e_log() { echo "e2e: $*" >&2; }
e2e_fail() { echo "e2e: FAIL: $*" >&2; exit 1; }
e2e_now() { awk -v t0="$E2E_T0" -v t="$(date +%s.%N)" 'BEGIN{printf "%.1f", t - t0}'; }

# e2e_require_tools [TOOL...]: fail loudly when the machine cannot run the test.
e2e_require_tools() {
    local t
    [ "$(id -u)" -eq 0 ] || e2e_fail "needs root (network namespaces, taps)"
    for t in ip dnsmasq qemu-system-x86_64 perl timeout xorriso "$@"; do
        command -v "$t" >/dev/null 2>&1 || e2e_fail "missing tool '$t' (run scripts/setup)"
    done
}

# e2e_reap_stale: a run killed with SIGKILL (e.g. a ctest timeout) cannot run its trap; its
# namespace is named aoeb-NAME-PID, so remove those whose harness PID is gone, with whatever
# still runs inside them. Only our own naming pattern is touched.
e2e_reap_stale() {
    local ns owner pid
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^aoeb-.+-[0-9]+$'); do
        owner=${ns##*-}
        [ -d "/proc/$owner" ] && continue
        e2e_log "removing stale namespace $ns (harness pid $owner is gone)"
        netns_remove "$ns"
    done
}

# e2e_init NAME: work dir, namespace name, cleanup trap. Call once, first.
e2e_init() {
    local name=$1
    e2e_reap_stale
    E2E_NAME=$name
    E2E_T0=$(date +%s.%N)
    E2E_NS="aoeb-${name}-$$"
    E2E_DIR=$(mktemp -d "${E2E_WORKROOT:-/tmp}/aoeboot-e2e-${name}-XXXXXX")
    chmod 755 "$E2E_DIR"   # dnsmasq's TFTP server runs as nobody
    trap e2e_cleanup EXIT
    trap 'e2e_log "interrupted"; exit 130' INT TERM HUP
}

e2e_cleanup() {
    local rc=$? i pid
    trap - EXIT INT TERM HUP
    set +e   # a cleanup step that fails (a process already gone) must not stop the others
    # Reverse order: clients first, then target and dnsmasq, then the readers.
    for ((i = ${#E2E_PIDS[@]} - 1; i >= 0; i--)); do
        pid=${E2E_PIDS[i]}
        kill -TERM "$pid" 2>/dev/null
    done
    for pid in "${E2E_PIDS[@]}"; do
        timeout 5 tail --pid="$pid" -f /dev/null 2>/dev/null || kill -KILL "$pid" 2>/dev/null
    done
    netns_remove "$E2E_NS"
    wait 2>/dev/null
    if [ "$rc" -eq 0 ] && [ "$E2E_OK" = 1 ] && [ "${E2E_KEEP:-0}" != 1 ]; then
        rm -rf "$E2E_DIR"
    elif [ -n "$E2E_DIR" ]; then
        echo "e2e: logs kept in $E2E_DIR" >&2
        for f in "$E2E_DIR"/client*.log; do [ -e "$f" ] && echo "e2e:   serial log $f" >&2; done
    fi
    exit "$rc"
}

# e2e_bg NAME CMD...: start CMD in the namespace, in the background, stdout+stderr to NAME.log.
# `ip netns exec` execs CMD, so the recorded pid is the daemon itself (docs/testing.md).
e2e_bg() {
    local name=$1; shift
    ip netns exec "$E2E_NS" "$@" </dev/null >"$E2E_DIR/$name.log" 2>&1 &
    E2E_PIDS+=($!)
    echo "$!" >"$E2E_DIR/$name.pid"
}

# e2e_net_up [MTU]: namespace, bridge (tests/lib/netns.sh netns_bridge: fixed MAC, no STP, no
# multicast snooping) with IPv4 + IPv6 ULA.
e2e_net_up() {
    E2E_MTU=${1:-1500}
    ip netns add "$E2E_NS" || return 1
    local nsx=(ip netns exec "$E2E_NS")
    netns_bridge "$E2E_NS" "$E2E_BR" "$E2E_MTU" &&
        "${nsx[@]}" ip addr add "$E2E_V4/24" dev "$E2E_BR" &&
        "${nsx[@]}" ip -6 addr add fd99::1/64 dev "$E2E_BR" nodad
}

# e2e_add_tap IDX: persistent tap made inside the namespace, in the bridge, at the run's MTU.
e2e_add_tap() { netns_tap "$E2E_NS" "tap$1" "$E2E_BR" "$E2E_MTU"; }

# e2e_tftp_prepare: TFTP root with Debian's pxelinux.0 and ldlinux.c32 (stage-pxe checks them).
e2e_tftp_prepare() {
    E2E_TFTP=$E2E_DIR/tftp
    mkdir -p "$E2E_TFTP"
    cp /usr/lib/PXELINUX/pxelinux.0 /usr/lib/syslinux/modules/bios/ldlinux.c32 "$E2E_TFTP/" ||
        e2e_fail "pxelinux.0 / ldlinux.c32 missing (apt-get install pxelinux syslinux-common)"
}

# e2e_stage_pxe STAGE_PXE ISO: the real tool writes kernel, initrd and pxelinux.cfg.
# STAGE_PXE_ARGS (word-split, default --default) and the array E2E_STAGE_PXE_EXTRA (passed as
# is, for arguments with spaces such as --append "a b") add to its command line.
e2e_stage_pxe() {
    local tool=$1 iso=$2
    [ -n "$tool" ] || e2e_fail "stage-pxe path not given (STAGE_PXE); the e2e test needs the real tool"
    [ -x "$tool" ] || e2e_fail "stage-pxe not found or not executable: $tool (build it: cmake --build ... --target stage-pxe)"
    e2e_tftp_prepare
    # shellcheck disable=SC2086 # extra arguments are word-split on purpose
    timeout 60 "$tool" "$iso" --tftp-root "$E2E_TFTP" ${STAGE_PXE_ARGS---default} "${E2E_STAGE_PXE_EXTRA[@]}" \
        >"$E2E_DIR/stage-pxe.log" 2>&1 ||
        { cat "$E2E_DIR/stage-pxe.log" >&2; e2e_fail "stage-pxe failed"; }
    chmod -R a+rX "$E2E_TFTP"
    [ -f "$E2E_TFTP/pxelinux.cfg/default" ] || e2e_fail "stage-pxe wrote no pxelinux.cfg/default"
    e2e_log "staged with $tool: $(grep -ci '^ *append' "$E2E_TFTP/pxelinux.cfg/default") append line(s)"
}

# e2e_stage_fallback ISO: NOT stage-pxe. A plain copy step for bring-up runs before stage-pxe
# existed; never used by the ctest tests (they pass the real tool). Writes the same append line
# stage-pxe writes by default (docs/decisions.md, "stage-pxe").
e2e_stage_fallback() {
    local iso=$1
    e2e_log "WARNING: FALLBACK STAGING (copy step, not stage-pxe): for bring-up only"
    e2e_tftp_prepare
    mkdir -p "$E2E_TFTP/boot" "$E2E_TFTP/pxelinux.cfg"
    xorriso -osirrox on -indev "$iso" \
        -extract /boot/x86_64/loader/linux "$E2E_TFTP/boot/linux" \
        -extract /boot/x86_64/loader/initrd "$E2E_TFTP/boot/initrd" >"$E2E_DIR/fallback-stage.log" 2>&1 ||
        e2e_fail "fallback staging: xorriso extract failed"
    cat >"$E2E_TFTP/pxelinux.cfg/default" <<'EOF'
DEFAULT Live-Boot
LABEL Live-Boot
    kernel boot/linux
    append initrd=boot/initrd rd.kiwi.live.pxe rd.neednet=1 ip=dhcp root=live:AOEINTERFACE=e0.1
EOF
    chmod -R a+rX "$E2E_TFTP"
}

# e2e_kernel_args ARGS: add kernel arguments to every append line of the staged pxelinux config
# (used by the no-discover variant to pass aoeboot.nodiscover=1). The staged file is ours, a
# per-run copy in the run's TFTP root.
e2e_kernel_args() {
    sed -i -E "s|^([[:space:]]*[Aa][Pp][Pp][Ee][Nn][Dd][[:space:]].*)$|\\1 $*|" "$E2E_TFTP/pxelinux.cfg/default"
    grep -qi "append.* $*" "$E2E_TFTP/pxelinux.cfg/default" || e2e_fail "could not add kernel args '$*'"
}

# e2e_stage_sanboot EXPORT: iPXE script as the DHCP boot file; iPXE boots the ISO off the export.
e2e_stage_sanboot() {
    e2e_tftp_prepare
    printf '#!ipxe\ndhcp\nsanboot aoe:%s\n' "$1" >"$E2E_TFTP/boot.ipxe"
    chmod -R a+rX "$E2E_TFTP"
}

# e2e_dnsmasq BOOTFILE [EFI_BOOTFILE]: DHCP + TFTP on br0 with the flags that take a boot from
# 37 s to 12 s. With EFI_BOOTFILE, clients that say they are x86-64 UEFI (DHCP option 93,
# client architecture 7 or 9) get that file and BIOS clients get BOOTFILE: the README's recipe
# for one dnsmasq serving both kinds of client.
# With E2E_DNSMASQ_HTTPBOOT_CONF set, it runs e2e_dnsmasq_httpboot with that file instead.
e2e_dnsmasq() {
    local bootfile=${1:-pxelinux.0} efi=${2:-} byarch=()
    if [ -n "${E2E_DNSMASQ_HTTPBOOT_CONF:-}" ]; then
        e2e_dnsmasq_httpboot "$E2E_DNSMASQ_HTTPBOOT_CONF"
        return
    fi
    [ -z "$efi" ] || byarch=(--dhcp-match=set:efi64,option:client-arch,7
        --dhcp-match=set:efi64,option:client-arch,9 --dhcp-boot=tag:efi64,"$efi")
    e2e_bg dnsmasq dnsmasq --no-daemon --conf-file=/dev/null --port=0 --user=root \
        --interface="$E2E_BR" --bind-interfaces \
        --dhcp-range=10.77.0.100,10.77.0.199,255.255.255.0,1h \
        --dhcp-leasefile="$E2E_DIR/dnsmasq.leases" "${byarch[@]}" --dhcp-boot="$bootfile" \
        --enable-tftp --tftp-root="$E2E_TFTP" \
        --no-ping --dhcp-option=175,b0:01:01 \
        --enable-ra --dhcp-range=::,constructor:"$E2E_BR",ra-only
    e2e_dnsmasq_ready 'TFTP root is'
}

# e2e_dnsmasq_ready LINE: waits (5 s at most) for dnsmasq, the last process e2e_bg started, to
# log LINE; fails the test with dnsmasq's log if it does not, or if dnsmasq exits.
e2e_dnsmasq_ready() {
    local i
    for i in $(seq 50); do
        grep -q "$1" "$E2E_DIR/dnsmasq.log" 2>/dev/null && return 0
        kill -0 "${E2E_PIDS[-1]}" 2>/dev/null || break
        sleep 0.1
    done
    cat "$E2E_DIR/dnsmasq.log" >&2
    e2e_fail "dnsmasq did not start"
}

# e2e_http_start [PORT]: Debian's lighttpd serves the TFTP root ($E2E_TFTP) read-only over HTTP
# on the bridge address, port PORT (80), for loaders that fetch kernel and initrd by HTTP
# (lpxelinux.0, iPXE, GRUB's http) and for UEFI HTTP Boot. lighttpd rather than nginx: one
# process that starts in milliseconds from a single config file named on its command line, runs
# in the foreground as nobody, sends files with sendfile, and keeps no state outside this run's
# directory (nginx wants its prefix, temp and pid paths moved out of /var first). Read-only: it
# serves static files only (no module that writes is loaded; PUT gets 501). Sets E2E_HTTP_URL
# (http://10.77.0.1[:PORT]) and E2E_HTTP_LOG, the access log, one line per request:
#   BEGIN_MS END_MS CLIENT "GET /path HTTP/1.1" STATUS BYTES      (epoch milliseconds)
# which e2e_http_fetched reads (lighttpd writes it out about once a second; the first line is the
# readiness probe's "GET /"). The cleanup trap stops the server like every other process.
e2e_http_start() {
    local port=${1:-80} conf=$E2E_DIR/lighttpd.conf i code=000
    command -v lighttpd >/dev/null || e2e_fail "lighttpd not installed (apt-get install lighttpd; scripts/setup lists it)"
    [ -d "${E2E_TFTP:-}" ] || e2e_fail "e2e_http_start: no TFTP root yet (stage first)"
    E2E_HTTP_LOG=$E2E_DIR/http-access.log
    # lighttpd opens its access log after dropping root for nobody.
    { : >"$E2E_HTTP_LOG" && chown nobody "$E2E_HTTP_LOG"; } || e2e_fail "cannot create $E2E_HTTP_LOG"
    {
        echo "server.document-root = \"$E2E_TFTP\""
        echo "server.bind = \"$E2E_V4\""
        echo "server.port = $port"
        echo 'server.username = "nobody"'
        echo 'server.groupname = "nogroup"'
        echo 'server.modules = ("mod_accesslog")'
        echo "accesslog.filename = \"$E2E_HTTP_LOG\""
        echo 'accesslog.format = "%{begin:msec}t %{end:msec}t %h \"%r\" %>s %b"'
        echo 'mimetype.assign = ("" => "application/octet-stream")'
    } >"$conf"
    lighttpd -tt -f "$conf" >"$E2E_DIR/http-check.log" 2>&1 ||
        { cat "$E2E_DIR/http-check.log" >&2; e2e_fail "lighttpd rejected $conf"; }
    # -D: foreground, so the recorded pid is the server's own; its error log is its stderr.
    e2e_bg http lighttpd -D -f "$conf"
    E2E_HTTP_URL=http://$E2E_V4$([ "$port" = 80 ] || echo ":$port")
    for i in $(seq 50); do
        # Any status means it answers (the root itself is a 403: no index, no listings).
        code=$(ip netns exec "$E2E_NS" curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$E2E_HTTP_URL/" 2>/dev/null) || true
        [ "$code" != 000 ] && break
        kill -0 "${E2E_PIDS[-1]}" 2>/dev/null || { cat "$E2E_DIR/http.log" >&2; e2e_fail "lighttpd exited at start-up"; }
        sleep 0.1
    done
    [ "$code" != 000 ] || e2e_fail "lighttpd does not answer on $E2E_HTTP_URL/ after 5 s"
    e2e_log "HTTP: lighttpd serving $E2E_TFTP read-only at $E2E_HTTP_URL/"
}

# e2e_http_fetched PATH: the GETs of /PATH in the access log as "BEGIN_MS END_MS STATUSES BYTES
# REQUESTS": the first request's begin, the last one's end, the distinct statuses ("200", or
# "200,206" for a loader that re-reads part of a file with a Range request) and the bytes of all
# of them; nothing when no client asked for it over HTTP.
e2e_http_fetched() {
    awk -v p="/$1" '$4 == "\"GET" && $5 == p {
            if (!n || $1 < b) b = $1
            if ($2 > e) e = $2
            if (!seen[$7]++) st = st (st == "" ? "" : ",") $7
            bytes += $8; n++ }
        END { if (n) print b, e, st, bytes, n }' "$E2E_HTTP_LOG" 2>/dev/null
}

# e2e_target TARGET ISO [SHELF SLOT]: serve ISO on br0. TARGET is `vblade` or the path of a
# program with vblade's command line (aoe-target). Extra arguments: E2E_TARGET_ARGS.
e2e_target() {
    local target=$1 iso=$2 shelf=${3:-0} slot=${4:-1}
    case "$target" in
        vblade)
            command -v vblade >/dev/null || e2e_fail "vblade not installed (apt-get install vblade)"
            # -b 64: at least the Linux driver's window (docs/decisions.md); -r: the cached ISO
            # is read-only.
            # shellcheck disable=SC2086
            e2e_bg target vblade -r -b 64 ${E2E_TARGET_ARGS:-} "$shelf" "$slot" "$E2E_BR" "$iso"
            E2E_TARGET_NAME=vblade ;;
        *)
            [ -n "$target" ] || e2e_fail "aoe-target path not given; this test needs the real aoe-target"
            [ -x "$target" ] || e2e_fail "aoe-target not found or not executable: $target (build it)"
            # shellcheck disable=SC2086
            e2e_bg target "$target" ${E2E_TARGET_ARGS:-} "$shelf" "$slot" "$E2E_BR" "$iso"
            E2E_TARGET_NAME=$(basename "$target") ;;
    esac
    # Bounded start-up wait for the target's readiness line (vblade: "pid N: e0.1, ...",
    # aoe-target: "aoe-target: ready ..."); it must be alive in any case. Clients look for it
    # only several seconds later (after DHCP, TFTP and the kernel), so a slow line is a warning.
    local i pid=${E2E_PIDS[-1]} t
    t=$(date +%s.%N)
    for i in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || { cat "$E2E_DIR/target.log" >&2; e2e_fail "$E2E_TARGET_NAME exited at start-up"; }
        grep -qE "${E2E_TARGET_READY:-ready|^pid [0-9]+: e[0-9]+\.[0-9]+}" "$E2E_DIR/target.log" 2>/dev/null && break
        sleep 0.1
    done
    grep -qE "${E2E_TARGET_READY:-ready|^pid [0-9]+: e[0-9]+\.[0-9]+}" "$E2E_DIR/target.log" 2>/dev/null ||
        e2e_log "warning: no readiness line from $E2E_TARGET_NAME after 10 s; going on"
    E2E_TARGET_START_S=$(awk -v t0="$t" -v t="$(date +%s.%N)" 'BEGIN{printf "%.2f", t - t0}')
    e2e_log "target $E2E_TARGET_NAME serving e$shelf.$slot on $E2E_BR ($(stat -c %s "$iso") bytes), ready in ${E2E_TARGET_START_S} s"
}

# e2e_dnsmasq_httpboot CONF: DHCP only (no TFTP server at all) for UEFI HTTP Boot clients, with
# the dnsmasq lines in CONF (what stage-pxe --install-bootloader prints for them: client
# architecture 16 / vendor class HTTPClient get a URL as boot file and option 60 HTTPClient back).
e2e_dnsmasq_httpboot() {
    local conf=$1
    e2e_bg dnsmasq dnsmasq --no-daemon --conf-file="$conf" --port=0 --user=root \
        --interface="$E2E_BR" --bind-interfaces \
        --dhcp-range=10.77.0.100,10.77.0.199,255.255.255.0,1h \
        --dhcp-leasefile="$E2E_DIR/dnsmasq.leases" --no-ping --log-dhcp
    e2e_dnsmasq_ready 'DHCP, IP range'
}

# e2e_boot_clients N TIMEOUT: start N QEMU clients at once, each under `timeout`.
# E2E_QEMU_DEVICE_EXTRA is appended to the virtio-net device (e.g. ",host_mtu=9000").
# E2E_FIRMWARE=uefi boots the clients with Debian's OVMF (its own copy of the UEFI variable store
# each) instead of SeaBIOS; QEMU's virtio-net ROM then runs iPXE's EFI driver. E2E_QEMU_MEM sets
# the guests' memory in MiB (default 512).
# E2E_FIRMWARE=uefi-secureboot: Debian's OVMF built with Secure Boot and SMM, with Microsoft's
# keys enrolled in its variable store (what real machines carry); the secure build runs only on
# a q35 machine with SMM, its flash marked secure. E2E_QEMU_ARGS (an array) is added to QEMU's
# command line as is (e.g. -fw_cfg knobs for OVMF).
e2e_boot_clients() {
    local n=$1 tmo=$2 i mac fifo fw=() machine=(-machine pc)
    case "${E2E_FIRMWARE:-bios}" in
        uefi|uefi-secureboot)
            local code=/usr/share/OVMF/OVMF_CODE_4M.fd vars=/usr/share/OVMF/OVMF_VARS_4M.fd
            if [ "$E2E_FIRMWARE" = uefi-secureboot ]; then
                code=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd vars=/usr/share/OVMF/OVMF_VARS_4M.ms.fd
                machine=(-machine q35,smm=on -global driver=cfi.pflash01,property=secure,value=on)
            fi
            [ -f "$code" ] && [ -f "$vars" ] || e2e_fail "OVMF firmware missing ($code, $vars): apt-get install ovmf" ;;
        bios) ;;
        *) e2e_fail "E2E_FIRMWARE: bios, uefi or uefi-secureboot, not '$E2E_FIRMWARE'" ;;
    esac
    for i in $(seq 1 "$n"); do e2e_add_tap "$i" || e2e_fail "tap$i"; done
    for i in $(seq 1 "$n"); do
        mac=$(printf '52:54:00:ae:%02x:%02x' $(($$ % 256)) "$i")
        E2E_CLIENT_MAC[i]=$mac
        fifo=$E2E_DIR/client$i.fifo
        mkfifo "$fifo"
        # Unbuffered reader: every line gets the time since the run started (and, for the demo,
        # is echoed to the terminal). The time is that of the line's FIRST byte: a loader prints
        # "Loading boot/linux... " when it starts a download and "ok" when it ends, so the
        # line's start is the start of the fetch (the timelines' kernel+initrd phase). A clear
        # screen (ESC[2J: GRUB's menu giving way to "Booting `X'") also ends a line, since a
        # full-screen menu draws by cursor moves without a newline. Carriage returns and escape
        # sequences alone do not start a line: on OVMF such bytes follow GRUB's "Booting `X'"
        # before it loads kernel and initrd in silence, and the kernel's first line must carry
        # its own time, not theirs.
        E2E_T0=$E2E_T0 E2E_CONSOLE=$E2E_CONSOLE E2E_TAG="client $i" perl -MTime::HiRes=time -e '
            $| = 1; my $t0 = $ENV{E2E_T0}; my $con = $ENV{E2E_CONSOLE} eq "1";
            open(my $log, ">", $ARGV[0]) or die; select((select($log), $| = 1)[0]);
            my ($buf, $start) = ("", 0);
            sub out { my ($l, $t) = @_;
                $l =~ s/\r//g; $l =~ s/\e\[[0-9;?]*[A-Za-z]//g;
                my $s = sprintf("[%8.3f] %s", $t - $t0, $l);
                print $log $s; print STDERR "[$ENV{E2E_TAG}] $s" if $con; }
            sub shown { my $v = $_[0]; $v =~ s/\r//g; $v =~ s/\e(\[[0-9;?]*[A-Za-z]?)?//g; return $v; }
            while (sysread(STDIN, my $c, 65536)) {
                my $now = time;
                $c =~ s/\e\[2J/\n/g;
                $start = $now if shown($buf) eq "";
                $buf .= $c;
                while ((my $i = index($buf, "\n")) >= 0) { out(substr($buf, 0, $i + 1, ""), $start); $start = $now; }
            }
            out("$buf\n", $start) if $buf ne "";' "$E2E_DIR/client$i.log" <"$fifo" &
        E2E_PIDS+=($!)
        fw=()
        if [ "${E2E_FIRMWARE:-bios}" != bios ]; then
            cp "$vars" "$E2E_DIR/client$i.vars.fd"
            fw=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$code"
                -drive "if=pflash,format=raw,unit=1,file=$E2E_DIR/client$i.vars.fd")
        fi
        E2E_CLIENT_START[i]=$(e2e_now)
        ip netns exec "$E2E_NS" timeout -k 5 "$tmo" qemu-system-x86_64 -accel tcg "${machine[@]}" -smp 1 \
            -m "${E2E_QEMU_MEM:-512}" "${fw[@]}" ${E2E_QEMU_ARGS[@]+"${E2E_QEMU_ARGS[@]}"} \
            -nographic -serial stdio -monitor none -no-reboot -boot n \
            -qmp "unix:$E2E_DIR/client$i.qmp,server=on,wait=off" \
            -netdev tap,id=n0,ifname=tap$i,script=no,downscript=no \
            -device "virtio-net-pci,netdev=n0,mac=$mac,bootindex=1${E2E_QEMU_DEVICE_EXTRA:-}" \
            </dev/null >"$fifo" 2>"$E2E_DIR/client$i.qemu.err" &
        E2E_PIDS+=($!)
        E2E_CLIENT_PIDS[i]=$!
        e2e_loader_watch "$i" &
        E2E_PIDS+=($!)
    done
    e2e_log "started $n QEMU client(s) (timeout ${tmo}s each)"
}

# A BIOS loader that hits a fatal error prints SYSLINUX's "Boot failed: press a key to retry, or
# wait for reset..." and then waits for a key (lpxelinux.0 waited more than 300 s here). That
# happened once in CI: lpxelinux.0's own TCP/IP stack (lwIP) gave up 0.4 s into its HTTP fetch
# of the kernel, before any request reached the server, and did not show again in 80 boots. A
# farm does not send a key: its provisioning watchdog power-cycles a node that does not come up,
# and the node PXE-boots again. The harness does that, once per client and at once (a farm
# waits minutes): E2E_LOADER_RETRIES (1) power cycles, each written to clientN.cycles and shown
# on the client's result line; one more such failure stops the client, so the test fails then
# instead of at QEMU's timeout.
E2E_LOADER_FAIL_RE=${E2E_LOADER_FAIL_RE:-'Boot failed: press a key to retry'}

# e2e_qmp N COMMAND...: QMP commands to client N's QEMU, in order: a command name, or
# reboot=ACTION for set-action (reset: a reset restarts the machine; shutdown: it ends QEMU).
e2e_qmp() {
    python3 - "$E2E_DIR/client$1.qmp" "${@:2}" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
f = s.makefile("rw")
f.readline()  # the greeting
def qmp(cmd, **args):
    f.write(json.dumps({"execute": cmd, "arguments": args}) + "\n")
    f.flush()
    while True:
        reply = json.loads(f.readline())
        if "error" in reply:
            sys.exit(f"QMP {cmd}: {reply['error'].get('desc')}")
        if "return" in reply:
            return
qmp("qmp_capabilities")
for c in sys.argv[2:]:
    if c.startswith("reboot="):
        qmp("set-action", reboot=c[len("reboot="):])
    else:
        qmp(c)
PY
}

# e2e_power_cycle N: reset client N as its power button would. The client runs with -no-reboot
# (a guest that reboots ends its test), so QEMU's reboot action is set to reset first, and back
# to shutdown only once the PXE ROM prints again: SeaBIOS answers the reset with a reboot of
# its own, which would otherwise end QEMU.
e2e_power_cycle() {
    local i=$1 log=$E2E_DIR/client$1.log rom='iPXE initialising devices' n k
    n=$(grep -ac "$rom" "$log") || n=0
    e2e_qmp "$i" reboot=reset system_reset || return 1
    for k in $(seq 60); do
        [ "$(grep -ac "$rom" "$log")" -gt "$n" ] && break
        sleep 0.5
    done
    e2e_qmp "$i" reboot=shutdown
}

# e2e_loader_watch N: the watchdog above, for client N (runs in the background while it lives).
e2e_loader_watch() {
    local i=$1 log=$E2E_DIR/client$1.log cycles=$E2E_DIR/client$1.cycles n seen=0 cycled=0 line t
    while kill -0 "${E2E_CLIENT_PIDS[i]}" 2>/dev/null; do
        n=$(grep -ac "$E2E_LOADER_FAIL_RE" "$log" 2>/dev/null) || n=0
        if [ "$n" -gt "$seen" ]; then
            line=$(grep -a "$E2E_LOADER_FAIL_RE" "$log" | tail -n1)
            t=$(echo "$line" | grep -oE '^\[ *[0-9.]+\]' | tr -d '[] ')
            t=$(awk -v a="$t" -v b="${E2E_CLIENT_START[i]}" 'BEGIN{printf "%.1f", a - b}')
            if [ "$cycled" -lt "${E2E_LOADER_RETRIES:-1}" ]; then
                sleep 1   # let the loader finish its message
                e2e_log "client $i: its loader failed at $t s (${line#*] }); power-cycling it, as a farm's watchdog would"
                e2e_power_cycle "$i" || e2e_log "client $i: power cycle through QMP failed"
                echo "$t" >>"$cycles"
                cycled=$((cycled + 1))
            else
                e2e_log "client $i: its loader failed again at $t s; stopping it"
                e2e_stop_client "$i"
                return 0
            fi
            seen=$n
        fi
        sleep 1
    done
}

# e2e_stop_client N: ends client N's QEMU (its `timeout` wrapper then exits too).
e2e_stop_client() { pkill -TERM -P "${E2E_CLIENT_PIDS[$1]}" 2>/dev/null || true; }

# e2e_stop_client_on N ERE SETTLE MESSAGE: once client N's console has a line matching ERE, the
# verdict is in: wait SETTLE seconds for the lines after it, log MESSAGE and stop the client,
# instead of waiting for QEMU's timeout. Returns when the client has ended, either way.
e2e_stop_client_on() {
    local i=$1 re=$2 settle=$3 msg=$4
    while kill -0 "${E2E_CLIENT_PIDS[i]}" 2>/dev/null; do
        if grep -aqE "$re" "$E2E_DIR/client$i.log" 2>/dev/null; then
            sleep "$settle"
            e2e_log "$msg"
            e2e_stop_client "$i"
            return 0
        fi
        sleep 1
    done
}

# e2e_cycles_note N: " (power-cycled after its loader failed at 5.0 s)" when the watchdog reset
# client N, else nothing; the result lines carry it.
e2e_cycles_note() {
    local f=$E2E_DIR/client$1.cycles
    [ -s "$f" ] || return 0
    echo " (power-cycled after its loader failed at $(paste -sd, "$f" | sed 's/,/ s, /g') s)"
}

# e2e_wait_clients: wait for every client to power off (or hit its timeout).
e2e_wait_clients() {
    local i rc
    for i in "${!E2E_CLIENT_PIDS[@]}"; do
        rc=0
        wait "${E2E_CLIENT_PIDS[i]}" || rc=$?
        [ "$rc" = 124 ] && e2e_log "client $i: QEMU timed out"
        echo "$rc" >"$E2E_DIR/client$i.rc"
    done
    sleep 0.3   # let the readers drain
}

# e2e_check_results FIXTURE_ENV: every client must print the OK line with the right marker and
# checksum. Prints `client N: OK in 12.7 s`. Optional checks from the environment:
#   E2E_MIN_PAYLOAD   minimum AoE payload bytes the guest driver settled on (jumbo test)
#   E2E_NODISCOVER=1  the guest ran without discover writes (found_after is asserted ≤ 5 s)
e2e_check_results() {
    local env=$1 i line marker sum t start boot bad=0 payload found linkup aoe_s
    # shellcheck disable=SC1090
    . "$env"
    E2E_BOOT_TIMES=()
    for i in "${!E2E_CLIENT_PIDS[@]}"; do
        line=$(grep -m1 'AOEBOOT-RESULT:' "$E2E_DIR/client$i.log" || true)
        start=${E2E_CLIENT_START[i]}
        if [ -z "$line" ]; then
            echo "client $i: FAIL (no result line; QEMU exit $(cat "$E2E_DIR/client$i.rc" 2>/dev/null))"
            tail -n 15 "$E2E_DIR/client$i.log" | sed "s/^/  client $i| /" >&2
            bad=1; continue
        fi
        t=$(echo "$line" | sed -E 's/^\[ *([0-9.]+)\].*/\1/')
        boot=$(awk -v a="$t" -v b="$start" 'BEGIN{printf "%.1f", a - b}')
        marker=$(echo "$line" | sed -nE 's/.* marker=([^ ]*).*/\1/p')
        sum=$(echo "$line" | sed -nE 's/.* sha256=([^ ]*).*/\1/p')
        payload=$(echo "$line" | sed -nE 's/.* payload=([0-9]*).*/\1/p')
        found=$(echo "$line" | sed -nE 's/.* found_after=([0-9.]*).*/\1/p')
        if ! echo "$line" | grep -q 'AOEBOOT-RESULT: OK '; then
            echo "client $i: FAIL after $boot s: ${line#*AOEBOOT-RESULT: }"; bad=1; continue
        fi
        if [ "$marker" != "$FIXTURE_MARKER" ] || [ "$sum" != "$FIXTURE_PAYLOAD_SHA256" ]; then
            echo "client $i: FAIL: marker/sha256 differ from the fixture ($marker $sum)"; bad=1; continue
        fi
        if [ -n "${E2E_MIN_PAYLOAD:-}" ] && [ "${payload:-0}" -lt "$E2E_MIN_PAYLOAD" ]; then
            echo "client $i: FAIL: AoE payload $payload bytes < $E2E_MIN_PAYLOAD (jumbo frames not in use)"; bad=1; continue
        fi
        if [ "${E2E_NODISCOVER:-0}" = 1 ]; then
            echo "$line" | grep -q ' nodiscover=1' || { echo "client $i: FAIL: guest did not run in no-discover mode"; bad=1; continue; }
            awk -v f="$found" 'BEGIN{exit !(f != "" && f <= 5.0)}' ||
                { echo "client $i: FAIL: export found ${found}s after link-up (> 5 s) without discover"; bad=1; continue; }
        fi
        E2E_BOOT_TIMES[i]=$boot
        # The AoE part of the boot (guest links up -> ISO verified): the part the target decides;
        # the rest is firmware, TFTP and the emulated kernel.
        linkup=$(grep -m1 'aoeboot-init.*links up' "$E2E_DIR/client$i.log" | sed -E 's/^\[ *([0-9.]+)\].*/\1/')
        aoe_s=$(awk -v a="$t" -v b="${linkup:-$t}" 'BEGIN{printf "%.2f", a - b}')
        echo "client $i: OK in $boot s (target $E2E_TARGET_NAME, AoE phase $aoe_s s, found ${found}s after link-up, payload $payload bytes)$(e2e_cycles_note "$i")"
        # One line per boot for the CI log's side-by-side table (scripts/test prints the file).
        [ -z "${E2E_TIMES_FILE:-}" ] || printf '%-14s client %s: OK in %5s s  AoE phase %5s s  target %-12s MTU %s%s\n' \
            "${E2E_NAME:-boot}" "$i" "$boot" "$aoe_s" "$E2E_TARGET_NAME" "$E2E_MTU" "$(e2e_cycles_note "$i")" >>"$E2E_TIMES_FILE"
    done
    return $bad
}

# e2e_assert_overlap: the clients' boots ran at the same time, from console timestamps:
# the latest first console line comes before the earliest result line.
e2e_assert_overlap() {
    local i first last maxfirst=0 minlast=999999
    for i in "${!E2E_CLIENT_PIDS[@]}"; do
        first=$(grep -m1 -oE '^\[ *[0-9.]+\]' "$E2E_DIR/client$i.log" | tr -d '[] ')
        last=$(grep -m1 'AOEBOOT-RESULT:' "$E2E_DIR/client$i.log" | grep -oE '^\[ *[0-9.]+\]' | tr -d '[] ')
        [ -n "$first" ] && [ -n "$last" ] || return 1
        maxfirst=$(awk -v a="$maxfirst" -v b="$first" 'BEGIN{print (b > a) ? b : a}')
        minlast=$(awk -v a="$minlast" -v b="$last" 'BEGIN{print (b < a) ? b : a}')
    done
    echo "overlap: last client started its console at ${maxfirst}s, first client finished at ${minlast}s"
    awk -v a="$maxfirst" -v b="$minlast" 'BEGIN{exit !(a < b)}'
}
